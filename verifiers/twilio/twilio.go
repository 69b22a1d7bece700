// Package twilio verifies Twilio webhooks: X-Twilio-Signature, the base64
// HMAC-SHA1 under the account's auth token of the full URL Twilio called
// followed by the POST parameters sorted by name, or, for a body that is not
// a form (JSON), of the URL alone, whose bodySHA256 query parameter is the
// SHA-256 of the body.
package twilio

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Twilio{})
}

// HeaderSignature carries the signature.
const HeaderSignature = "X-Twilio-Signature"

// paramBodySHA256 is the query parameter that carries the body's digest
// when the body is not a form.
const paramBodySHA256 = "bodySHA256"

// The event types.
const (
	TypeMessage = "com.twilio.message" // the parameters have a MessageSid or SmsSid
	TypeCall    = "com.twilio.call"    // the parameters have a CallSid
	TypeWebhook = "com.twilio.webhook" // anything else, and JSON bodies
)

// Twilio verifies Twilio webhooks and status callbacks.
//
// X-Twilio-Signature is the base64 HMAC-SHA1, keyed with the auth token, of
// the full URL Twilio requested (scheme, host, path and query, exactly as
// configured in Twilio) followed, for a POST with a form body, by every
// parameter's name and value with no separators, in order of name (byte
// order; several values of one name in order of value, a repeated value
// once, as Twilio's SDKs do). A GET's parameters are in its query, which is
// part of the URL. When the URL has a bodySHA256 query parameter (Twilio's
// JSON callbacks), the body is not a form: bodySHA256 must be the hex
// SHA-256 of the raw body and the signature covers the URL alone.
//
// The URL is PublicURL (or, when it is not set, the scheme of the
// connection to Caddy — https when it is TLS — and the Host header)
// followed by the request target as Caddy received it, before any
// rewrite. Forwarded headers are never read: behind a proxy or load
// balancer that terminates TLS or changes the host, set public_url to what
// Twilio calls. As Twilio's SDKs do, the URL is also tried with the port
// removed (when it has one) or with the scheme's default port added (when
// it has none), since Twilio does not sign both consistently.
//
// Twilio signs no time, so a captured request can be replayed: deduplicate
// on the event id. Twilio calls with GET or POST (the webhook's
// configuration); other methods get 405, and a GET with a body 400.
//
// Event mapping: id = a digest of the signed text (the URL and the
// parameters), which every retry of one request keeps and any other request
// changes; type com.twilio.message when a MessageSid or SmsSid parameter is
// present, com.twilio.call for a CallSid, else com.twilio.webhook; no
// status, amount or time (Twilio's callbacks are not payments, and
// Timestamp is not always sent).
type Twilio struct {
	// Secrets are the account's auth tokens (primary and secondary while
	// rotating); the first one signs, any one verifies. Use placeholders:
	// {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// PublicURL is the scheme, host and optional port Twilio calls, e.g.
	// https://hooks.example.com: the request's path and query are
	// appended to it. Default: the connection's scheme and Host header.
	PublicURL string `json:"public_url,omitempty"`

	keys *webhookverify.HMACKeys
	base string
}

// CaddyModule returns the Caddy module information.
func (Twilio) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.twilio",
		New: func() caddy.Module { return new(Twilio) },
	}
}

// Provision checks public_url and resolves the auth tokens.
func (v *Twilio) Provision(caddy.Context) error {
	if v.PublicURL != "" {
		base, err := webhookverify.ParsePublicURL(v.PublicURL)
		if err != nil {
			return fmt.Errorf("twilio: public_url %q: %w", v.PublicURL, err)
		}
		v.base = base
	}
	keys, err := v.Secrets.ResolveRequired("twilio")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha1.New, keys)
	return nil
}

// request is what a Twilio request signs.
type request struct {
	url    string // the full URL as computed
	params []byte // names and values appended, sorted; empty for GET and JSON
	form   url.Values
	json   bool
}

// parse reads the URL and the parameters of r.
func (v *Twilio) parse(r *http.Request, body []byte) (*request, error) {
	req := &request{url: webhookverify.PublicRequestURL(r, v.base)}
	_, rawQuery, _ := strings.Cut(webhookverify.RequestTarget(r), "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: the query string is not valid", webhookverify.ErrMalformedRequest)
	}
	if sums, ok := query[paramBodySHA256]; ok {
		if len(sums) != 1 {
			return nil, fmt.Errorf("%w: the query has %d %s parameters", webhookverify.ErrMalformedRequest, len(sums), paramBodySHA256)
		}
		var want [sha256.Size]byte
		if len(sums[0]) != 2*sha256.Size {
			return nil, fmt.Errorf("%w: query parameter %s must be %d hex digits", webhookverify.ErrMalformedSignature, paramBodySHA256, 2*sha256.Size)
		}
		if _, err := hex.Decode(want[:], []byte(sums[0])); err != nil {
			return nil, fmt.Errorf("%w: query parameter %s is not hex", webhookverify.ErrMalformedSignature, paramBodySHA256)
		}
		got := sha256.Sum256(body)
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return nil, fmt.Errorf("%w: the body does not match %s", webhookverify.ErrInvalidSignature, paramBodySHA256)
		}
		req.json = true
		return req, nil
	}
	if r.Method == http.MethodGet {
		if len(body) > 0 {
			return nil, fmt.Errorf("%w: a GET from Twilio has no body", webhookverify.ErrMalformedBody)
		}
		req.form = query
		return req, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: not a form (application/x-www-form-urlencoded) body, and the URL has no %s", webhookverify.ErrMalformedBody, paramBodySHA256)
	}
	req.form = form
	req.params = appendParams(nil, form)
	return req, nil
}

// appendParams appends every name and value of form, sorted by name, the
// values of one name sorted and without repeats.
func appendParams(dst []byte, form url.Values) []byte {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		vals := slices.Clone(form[k])
		slices.Sort(vals)
		vals = slices.Compact(vals)
		for _, val := range vals {
			dst = append(dst, k...)
			dst = append(dst, val...)
		}
	}
	return dst
}

// urlVariants returns u as it is and with its port changed as Twilio's
// SDKs try it: without the port when it has one, with the scheme's default
// port when it has none.
func urlVariants(u string) [2]string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return [2]string{u, u}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, tail := rest[:end], rest[end:]
	if h, _, err := net.SplitHostPort(host); err == nil {
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		return [2]string{u, scheme + "://" + h + tail}
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	return [2]string{u, scheme + "://" + host + ":" + port + tail}
}

// Verify checks the method and the signature, and returns the event.
func (v *Twilio) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return webhookverify.Event{}, fmt.Errorf("%w: Twilio sends GET or POST, got %s", webhookverify.ErrMethodNotAllowed, r.Method)
	}
	value := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	var sig [sha1.Size]byte
	if len(value) != base64.StdEncoding.EncodedLen(sha1.Size) {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA1", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	if n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(value)); err != nil || n != sha1.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA1", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	req, err := v.parse(r, body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	urls := urlVariants(req.url)
	cand := [][]byte{sig[:]}
	// Both variants are always computed.
	ok0 := v.keys.Match(cand, []byte(urls[0]), req.params)
	ok1 := v.keys.Match(cand, []byte(urls[1]), req.params)
	if !ok0 && !ok1 {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	signed := urls[0]
	if !ok0 {
		signed = urls[1]
	}
	return req.event(signed), nil
}

// event returns the facts of a verified request; signedURL is the variant
// of the URL that matched.
func (req *request) event(signedURL string) webhookverify.Event {
	h := sha256.New()
	h.Write([]byte(signedURL))
	h.Write(req.params)
	ev := webhookverify.Event{ID: hex.EncodeToString(h.Sum(nil)[:16]), Type: TypeWebhook}
	if req.json {
		return ev
	}
	switch {
	case req.form.Get("MessageSid") != "" || req.form.Get("SmsSid") != "":
		ev.Type = TypeMessage
	case req.form.Get("CallSid") != "":
		ev.Type = TypeCall
	}
	return ev
}

// Sign produces what Twilio would send, with the first auth token, for
// the URL computed from r. A POST whose Content-Type is a form is signed
// with its parameters (the body must be a valid form); any other body is
// signed as Twilio signs JSON: bodySHA256 is set in r's query (replacing
// one already there) and the URL alone is signed.
func (v *Twilio) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	var params []byte
	ct := r.Header.Get("Content-Type")
	isForm := strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/x-www-form-urlencoded")
	switch {
	case r.Method == http.MethodGet && len(body) == 0:
	case r.Method == http.MethodPost && isForm:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("%w: not a valid form body", webhookverify.ErrMalformedBody)
		}
		params = appendParams(nil, form)
	default:
		sum := sha256.Sum256(body)
		q := r.URL.Query()
		q.Del(paramBodySHA256)
		raw := q.Encode()
		if raw != "" {
			raw += "&"
		}
		r.URL.RawQuery = raw + paramBodySHA256 + "=" + hex.EncodeToString(sum[:])
		r.RequestURI = r.URL.RequestURI()
	}
	u := webhookverify.PublicRequestURL(r, v.base)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(v.keys.Sign([]byte(u), params)))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify twilio {
//	    secret <auth token>...                 # required, e.g. {env.TWILIO_AUTH_TOKEN}
//	    public_url <scheme://host[:port]>      # what Twilio calls; default: the request's scheme and Host
//	}
func (v *Twilio) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "public_url":
			if err := webhookverify.PublicURLArg(d, &v.PublicURL); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider twilio: use secret or public_url", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("twilio needs the account's auth token: add 'secret {env.TWILIO_AUTH_TOKEN}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: the event id is a digest of the
// signed URL and parameters; a form body is signed as parameters, not as
// bytes, and no time is signed.
func (v *Twilio) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature.
func (v *Twilio) CredentialHeaders() []string {
	return []string{HeaderSignature}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Twilio)(nil)
	_ webhookverify.CredentialHeaderer = (*Twilio)(nil)
	_ webhookverify.Coverer            = (*Twilio)(nil)
	_ webhookverify.Signer             = (*Twilio)(nil)
	_ caddy.Provisioner                = (*Twilio)(nil)
	_ caddyfile.Unmarshaler            = (*Twilio)(nil)
)
