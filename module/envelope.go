package webhookverify

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/caddy/v2"
	"github.com/zeebo/blake3"
)

// The envelope modes.
const (
	EnvelopeBinary     = "binary"
	EnvelopeStructured = "structured"
	EnvelopeOff        = "off"
)

func checkEnvelopeMode(mode string) error {
	switch mode {
	case "", EnvelopeBinary, EnvelopeStructured, EnvelopeOff:
		return nil
	}
	return fmt.Errorf("envelope %q: use binary, structured or off", mode)
}

// attribute is one CloudEvents context attribute and its binary-mode
// header name, already in canonical form.
type attribute struct{ name, header, value string }

// cloudEventAttributes returns the CloudEvents 1.0 attributes for a
// verified webhook, in a fixed order, leaving out empty optional ones.
func (h *Handler) cloudEventAttributes(ev Event, digest *bodyDigest) []attribute {
	if ev.ID == "" {
		ev.ID = hex.EncodeToString(digest.get()[:])
	}
	typ := ev.Type
	if typ == "" {
		typ = h.defaultType
	}
	t := ev.Time
	if t.IsZero() {
		t = h.now()
	}
	attrs := []attribute{
		{"specversion", "Ce-Specversion", "1.0"},
		{"id", "Ce-Id", ev.ID},
		{"source", "Ce-Source", h.Source},
		{"type", "Ce-Type", typ},
		{"time", "Ce-Time", t.UTC().Format(time.RFC3339Nano)},
		{"subject", "Ce-Subject", ev.Subject},
		{"provider", "Ce-Provider", h.provider},
		{"paymentstatus", "Ce-Paymentstatus", string(ev.Status)},
		{"amount", "Ce-Amount", ev.Amount},
		{"currency", "Ce-Currency", ev.Currency},
		{"reference", "Ce-Reference", ev.Reference},
	}
	out := attrs[:0]
	for _, a := range attrs {
		if a.value != "" {
			out = append(out, a)
		}
	}
	return out
}

// bodyDigest identifies a webhook by its content: the same delivery,
// retried, gets the same digest. It is the envelope's id when the provider
// gives none, and the dedup key when the credential covers no id. A
// callback without a body is identified by its query string. It is made
// once, when first needed.
type bodyDigest struct {
	provider string
	mac      string // the verifier's Event.BodyMAC, when set
	r        *http.Request
	body     []byte
	done     bool
	sum      [16]byte
}

func (d *bodyDigest) get() *[16]byte {
	if !d.done {
		h := blake3.New()
		h.WriteString(d.provider)
		switch {
		case d.mac != "":
			// A MAC of the body under the provider's secret identifies the
			// body as well as a digest of it, for 32 bytes of hashing.
			h.Write([]byte{1})
			h.WriteString(d.mac)
		case len(d.body) == 0:
			h.Write([]byte{0})
			h.WriteString(d.r.URL.RawQuery)
		default:
			h.Write([]byte{0})
			h.Write(d.body)
		}
		var sum [32]byte
		h.Sum(sum[:0])
		copy(d.sum[:], sum[:])
		d.done = true
	}
	return &d.sum
}

// applyEnvelope sets the routing placeholders and, depending on the mode,
// the ce-* headers or a structured CloudEvents body. It returns the body to
// forward.
func (h *Handler) applyEnvelope(r *http.Request, repl *caddy.Replacer, ev Event, digest *bodyDigest, body []byte) []byte {
	if h.Envelope == EnvelopeOff {
		setEventPlaceholders(repl, ev)
		return body
	}
	attrs := h.cloudEventAttributes(ev, digest)
	for _, a := range attrs {
		switch a.name {
		case "id":
			repl.Set("http.webhook.event_id", a.value)
		case "type":
			repl.Set("http.webhook.type", a.value)
		}
	}
	repl.Set("http.webhook.status", string(ev.Status))
	repl.Set("http.webhook.reference", ev.Reference)

	if h.Envelope != EnvelopeStructured || len(body) == 0 {
		// One backing array for every header's value: one allocation
		// rather than one per header. Each value is capped at its own
		// element, so that an append to one header cannot reach another.
		vals := make([]string, len(attrs))
		for i, a := range attrs {
			vals[i] = percentEncode(a.value)
			r.Header[a.header] = vals[i : i+1 : i+1]
		}
		return body
	}
	if h.credHeaders != nil {
		// They sign the provider's body, which is now inside another.
		for _, name := range h.credHeaders {
			r.Header.Del(name)
		}
	}
	return structuredEvent(attrs, body, r.Header)
}

// bodyDescriptors are the headers that describe the bytes of the body as
// sent: the structured body is a new one, which they do not describe.
var bodyDescriptors = []string{"Content-Encoding", "Content-Md5", "Content-Digest", "Repr-Digest", "Digest"}

func setEventPlaceholders(repl *caddy.Replacer, ev Event) {
	repl.Set("http.webhook.event_id", ev.ID)
	repl.Set("http.webhook.type", ev.Type)
	repl.Set("http.webhook.status", string(ev.Status))
	repl.Set("http.webhook.reference", ev.Reference)
}

// structuredEvent builds a CloudEvents JSON document around body: "data"
// holds a JSON body (valid UTF-8) unchanged, "data_base64" any other body,
// and a body sent with a Content-Encoding (e.g. gzip) as sent, with the
// encoding in the "contentencoding" extension. It sets the request's
// Content-Type to application/cloudevents+json, and removes the headers
// that described the old body (Content-Encoding, digests).
func structuredEvent(attrs []attribute, body []byte, header http.Header) []byte {
	contentType := header.Get("Content-Type")
	encoding := strings.Join(header.Values("Content-Encoding"), ", ")
	if strings.EqualFold(strings.TrimSpace(encoding), "identity") {
		encoding = ""
	}
	for _, name := range bodyDescriptors {
		header.Del(name)
	}
	var b strings.Builder
	b.Grow(len(body) + 512)
	b.WriteByte('{')
	for _, a := range attrs {
		k, _ := json.Marshal(a.name)
		v, _ := json.Marshal(a.value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
		b.WriteByte(',')
	}
	if encoding != "" {
		v, _ := json.Marshal(encoding)
		b.WriteString(`"contentencoding":`)
		b.Write(v)
		b.WriteByte(',')
	}
	if contentType != "" {
		v, _ := json.Marshal(contentType)
		b.WriteString(`"datacontenttype":`)
		b.Write(v)
		b.WriteByte(',')
	}
	// json.Valid accepts strings that are not UTF-8, which a JSON document
	// (RFC 8259) must be: such a body travels as bytes.
	if encoding == "" && json.Valid(body) && utf8.Valid(body) {
		b.WriteString(`"data":`)
		b.Write(body)
	} else {
		b.WriteString(`"data_base64":"`)
		b.WriteString(base64.StdEncoding.EncodeToString(body))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	header.Set("Content-Type", "application/cloudevents+json; charset=utf-8")
	return []byte(b.String())
}

// percentEncode encodes a header value as the CloudEvents HTTP binding
// requires: bytes outside printable ASCII, space, '"' and '%' become %XX.
func percentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	out := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			out = append(out, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			out = append(out, c)
		}
	}
	return string(out)
}

func needsEscape(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '"' || c == '%'
}
