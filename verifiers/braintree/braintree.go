// Package braintree verifies Braintree webhooks: a form POST whose
// bt_signature holds "public_key|signature" pairs, each signature the hex
// HMAC-SHA1, keyed with SHA1(private key), of bt_payload.
package braintree

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Braintree{})
}

// The form fields.
const (
	FieldSignature = "bt_signature"
	FieldPayload   = "bt_payload"
)

// The event types.
const (
	// TypePrefix prefixes the type: "com.braintree." + the notification's
	// kind (com.braintree.subscription_went_past_due).
	TypePrefix = "com.braintree."
	// TypeNotification is the type when the payload has no usable kind.
	TypeNotification = "com.braintree.notification"
)

// maxPairs bounds the pairs read from bt_signature.
const maxPairs = 16

// Braintree verifies Braintree webhook notifications.
//
// The body is a form (application/x-www-form-urlencoded) with bt_signature
// and bt_payload, each exactly once. bt_payload is base64 (of an XML
// notification; line breaks allowed); bt_signature is
// "public_key|signature" pairs joined by '&'. The pair whose public key is
// a configured one must carry the hex HMAC-SHA1, keyed with the 20-byte
// SHA-1 digest of that public key's private key, of bt_payload as sent, or
// of bt_payload followed by "\n" (Braintree's SDKs try both, since some
// frameworks strip the final line break). Pairs of other public keys are
// ignored; with none for a configured key the request is refused.
//
// Every byte of bt_payload is signed; the rest of the form is not. Braintree
// signs no sending time apart from the notification's own timestamp, which
// is not checked (retries keep it), so a captured notification can be
// replayed: deduplicate, the event id is a digest of the payload. Braintree
// only POSTs notifications: other methods get 405. (The bt_challenge GET
// of the old webhook set-up is not a notification.)
//
// Event mapping: id = hex SHA-256 of bt_payload without its line breaks;
// type "com.braintree." + the notification's kind; time = its timestamp.
// Both are read from the decoded XML with encoding/xml (no DTD, no
// external entities), stopping as soon as both are found; a payload that
// is not such XML verifies with type com.braintree.notification and no
// time. Subject, status, amount and currency are left out: they live in
// kind-specific subjects.
type Braintree struct {
	// Secrets are the API private keys; the i-th goes with the i-th public
	// key. The first pair signs, any one verifies (rotation). Use
	// placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// PublicKeys are the API public keys, one per private key, in the same
	// order. Placeholders are allowed.
	PublicKeys []string `json:"public_keys,omitempty"`

	pairs []keyPair
}

// keyPair is a public key and its HMAC key, SHA1(private key).
type keyPair struct {
	public string
	mac    *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Braintree) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.braintree",
		New: func() caddy.Module { return new(Braintree) },
	}
}

// Provision resolves the keys and pairs them.
func (v *Braintree) Provision(caddy.Context) error {
	priv, err := v.Secrets.ResolveRequired("braintree")
	if err != nil {
		return err
	}
	if len(v.PublicKeys) != len(priv) {
		return fmt.Errorf("braintree: %d private keys (secret) but %d public keys (public_key): give one public key per private key, in the same order", len(priv), len(v.PublicKeys))
	}
	repl := caddy.NewReplacer()
	v.pairs = make([]keyPair, len(priv))
	seen := map[string]bool{}
	for i, p := range priv {
		pub, err := repl.ReplaceOrErr(v.PublicKeys[i], true, true)
		if err != nil {
			return fmt.Errorf("braintree: public key #%d: %v", i+1, err)
		}
		if pub == "" || strings.ContainsAny(pub, "|&") {
			return fmt.Errorf("braintree: public key #%d is empty or contains '|' or '&'", i+1)
		}
		if seen[pub] {
			return fmt.Errorf("braintree: public key %q is given twice", pub)
		}
		seen[pub] = true
		k := sha1.Sum(p)
		v.pairs[i] = keyPair{public: pub, mac: webhookverify.NewHMACKeys(sha1.New, [][]byte{k[:]})}
	}
	return nil
}

// form reads the one bt_signature and bt_payload of a body.
func form(body []byte) (sig, payload string, err error) {
	q, perr := url.ParseQuery(string(body))
	if perr != nil {
		return "", "", fmt.Errorf("%w: not a form", webhookverify.ErrMalformedBody)
	}
	if len(q[FieldSignature]) > 1 || len(q[FieldPayload]) > 1 {
		return "", "", fmt.Errorf("%w: %s or %s is repeated", webhookverify.ErrMalformedBody, FieldSignature, FieldPayload)
	}
	return q.Get(FieldSignature), q.Get(FieldPayload), nil
}

// validPayload reports whether p holds only base64 characters and line
// feeds, as Braintree's SDKs require.
func validPayload(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' || c == '\n') {
			return false
		}
	}
	return true
}

// Verify checks the method and the signature, and returns the signed facts.
func (v *Braintree) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Braintree"); err != nil {
		return webhookverify.Event{}, err
	}
	sigField, payload, err := form(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if sigField == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: form field %s", webhookverify.ErrMissingSignature, FieldSignature)
	}
	if payload == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: no %s", webhookverify.ErrMalformedBody, FieldPayload)
	}
	if !validPayload(payload) {
		return webhookverify.Event{}, fmt.Errorf("%w: %s has characters other than base64 and line feeds", webhookverify.ErrMalformedBody, FieldPayload)
	}
	pairs := strings.Split(sigField, "&")
	if len(pairs) > maxPairs {
		return webhookverify.Event{}, fmt.Errorf("%w: %s has more than %d pairs", webhookverify.ErrMalformedSignature, FieldSignature, maxPairs)
	}
	p := []byte(payload)
	pn := append(p[:len(p):len(p)], '\n')
	found, ok := false, false
	for _, pair := range pairs {
		pub, hexSig, cut := strings.Cut(pair, "|")
		if !cut {
			continue
		}
		for _, kp := range v.pairs {
			if pub != kp.public {
				continue
			}
			found = true
			var sig [sha1.Size]byte
			if len(hexSig) != 2*sha1.Size {
				return webhookverify.Event{}, fmt.Errorf("%w: the signature for public key %q is not %d hex digits", webhookverify.ErrMalformedSignature, pub, 2*sha1.Size)
			}
			if _, err := hex.Decode(sig[:], []byte(hexSig)); err != nil {
				return webhookverify.Event{}, fmt.Errorf("%w: the signature for public key %q is not hex", webhookverify.ErrMalformedSignature, pub)
			}
			if kp.mac.Match([][]byte{sig[:]}, p) || kp.mac.Match([][]byte{sig[:]}, pn) {
				ok = true
			}
		}
	}
	if !found {
		return webhookverify.Event{}, fmt.Errorf("%w: no pair in %s for a configured public key", webhookverify.ErrInvalidSignature, FieldSignature)
	}
	if !ok {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return event(payload)
}

// event reads the id, kind and timestamp of a verified payload. A payload
// that is not a notification (base64 XML with a <notification> root and
// a kind) is refused although its signature verifies: Braintree's
// challenge answer is the same HMAC over an arbitrary string, so an
// endpoint that answers challenges signs any string an attacker sends it.
func event(payload string) (webhookverify.Event, error) {
	flat := strings.ReplaceAll(payload, "\n", "")
	sum := sha256.Sum256([]byte(flat))
	ev := webhookverify.Event{ID: hex.EncodeToString(sum[:]), Type: TypeNotification}
	doc, err := base64.StdEncoding.DecodeString(flat)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not base64", webhookverify.ErrMalformedBody, FieldPayload)
	}
	kind, ts := readNotification(doc)
	if kind == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not a Braintree notification (XML with a kind)", webhookverify.ErrMalformedBody, FieldPayload)
	}
	if webhookverify.IsTypeToken(kind) {
		ev.Type = TypePrefix + strings.ToLower(kind)
	}
	if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
		ev.Time = t
	}
	return ev, nil
}

// readNotification returns the text of the kind and timestamp children of
// a <notification> root, stopping once both are read or at the first error.
func readNotification(doc []byte) (kind, ts string) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	var in string // the child of notification being read
	var haveKind, haveTS bool
	for !(haveKind && haveTS) {
		tok, err := dec.Token()
		if err != nil {
			return kind, ts
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "notification":
				return "", ""
			case depth == 2 && (t.Name.Local == "kind" && !haveKind || t.Name.Local == "timestamp" && !haveTS):
				in = t.Name.Local
			}
		case xml.EndElement:
			if depth == 2 && in != "" {
				if in == "kind" {
					haveKind = true
				} else {
					haveTS = true
				}
				in = ""
			}
			depth--
		case xml.CharData:
			if depth == 2 && in == "kind" {
				kind += strings.TrimSpace(string(t))
			} else if depth == 2 && in == "timestamp" {
				ts += strings.TrimSpace(string(t))
			}
		}
	}
	return kind, ts
}

// Sign sets the body to a form with bt_signature (first key pair) and
// bt_payload as Braintree would: body is the payload, base64-encoded here
// unless it already is base64 text (only base64 characters and line feeds);
// it must not be empty.
func (v *Braintree) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: an empty payload", webhookverify.ErrMalformedBody)
	}
	payload := string(body)
	if !validPayload(payload) {
		payload = base64.StdEncoding.EncodeToString(body)
	}
	kp := v.pairs[0]
	sig := kp.public + "|" + hex.EncodeToString(kp.mac.Sign([]byte(payload)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return []byte(url.Values{FieldSignature: {sig}, FieldPayload: {payload}}.Encode()), nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify braintree {
//	    secret <private key>...       # required, e.g. {env.BRAINTREE_PRIVATE_KEY}
//	    public_key <public key>...    # required, one per private key, same order
//	}
func (v *Braintree) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "public_key":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Err("public_key needs a value: the API public key that goes with the private key")
			}
			v.PublicKeys = append(v.PublicKeys, args...)
		default:
			return d.Errf("unrecognized subdirective %q for provider braintree: use secret or public_key", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Err("braintree needs the API private key: add 'secret {env.BRAINTREE_PRIVATE_KEY}'")
	}
	if len(v.PublicKeys) != len(v.Secrets) {
		return d.Errf("braintree: %d private keys (secret) but %d public keys (public_key): give one public key per private key, in the same order", len(v.Secrets), len(v.PublicKeys))
	}
	return nil
}

// Covers implements webhookverify.Coverer: bt_payload, whose digest is the
// event id, is signed; the rest of the body is not.
func (v *Braintree) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Braintree)(nil)
	_ webhookverify.Coverer  = (*Braintree)(nil)
	_ webhookverify.Signer   = (*Braintree)(nil)
	_ caddy.Provisioner      = (*Braintree)(nil)
	_ caddyfile.Unmarshaler  = (*Braintree)(nil)
)
