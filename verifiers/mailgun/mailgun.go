// Package mailgun verifies Mailgun webhooks: the JSON body's
// signature.signature is the hex HMAC-SHA256, under the webhook signing
// key, of signature.timestamp followed by signature.token.
package mailgun

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Mailgun{})
}

// TypeWebhook is the type of every Mailgun webhook: event-data.event
// (delivered, failed, …) is not signed.
const TypeWebhook = "com.mailgun.webhook"

// The keys of the signature object.
const (
	keySignatureObject = "signature"
	keyTimestamp       = "timestamp"
	keyToken           = "token"
	keySignature       = "signature"
	keyParentSignature = "parent-signature"
)

// maxToken bounds the token's length (Mailgun's are 50 characters).
const maxToken = 256

// Mailgun verifies Mailgun webhooks (the JSON ones; the legacy form-encoded
// webhooks are not supported).
//
// The body is {"signature":{"timestamp":"…","token":"…","signature":"…"},
// "event-data":{…}}. signature.signature is the hex HMAC-SHA256, keyed
// with the HTTP webhook signing key, of timestamp + token (no separator).
// For an event of a subaccount's domain Mailgun adds parent-signature, the
// same HMAC under the primary account's key: either one may match. The
// timestamp (Unix seconds, a string or an integer) must be within
// Tolerance of now, in both directions (5 minutes by default: Mailgun
// recommends checking it but gives no value).
//
// ONLY TIMESTAMP AND TOKEN ARE SIGNED: event-data, which says what
// happened, is not, so whoever captures a webhook can resend its signature
// with any event-data within the tolerance. Mailgun's advice is to use each
// token once: the event id is the token, so dedup keys on it and refuses a
// second request with the same token whatever its body. Act only on
// event-data you can confirm with Mailgun's Events API when it matters. The
// body must be a JSON object with no repeated key and no key that differs
// from a signature key only in case (400). Mailgun only POSTs: other
// methods get 405.
//
// Event mapping: id = token; type com.mailgun.webhook; time = timestamp.
type Mailgun struct {
	// Secrets are the HTTP webhook signing keys (primary account, or
	// subaccount); the first one signs, any one verifies. Use placeholders:
	// {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far signature.timestamp may be from now, in either
	// direction. Default 5m. Mailgun documents none and warns of delays: if
	// webhooks are refused with timestamp_out_of_tolerance, raise it (and
	// the dedup window with it).
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Mailgun) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.mailgun",
		New: func() caddy.Module { return new(Mailgun) },
	}
}

// Provision checks the tolerance and resolves the keys.
func (v *Mailgun) Provision(caddy.Context) error {
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("mailgun: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("mailgun")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// signature is the signature object of a body.
type signature struct {
	timestamp, token string
	sigs             []string // signature, parent-signature: those present
}

// member finds key in obj; a key that differs from it only in case is an
// error.
func member(obj gjson.Result, key, path string) (gjson.Result, error) {
	var val gjson.Result
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		switch {
		case k.Str == key:
			val = v
		case strings.EqualFold(k.Str, key):
			err = fmt.Errorf("%w: a key differs from %s only in case", webhookverify.ErrMalformedBody, path)
		}
		return err == nil
	})
	return val, err
}

// parse reads the signature object of a body.
func parse(body []byte) (*signature, error) {
	if !webhookverify.IsJSONObject(body) {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	obj, err := member(gjson.ParseBytes(body), keySignatureObject, "signature")
	if err != nil {
		return nil, err
	}
	if !obj.Exists() {
		return nil, fmt.Errorf("%w: no signature object", webhookverify.ErrMissingSignature)
	}
	if !obj.IsObject() {
		return nil, fmt.Errorf("%w: signature is not an object", webhookverify.ErrMalformedSignature)
	}
	s := &signature{}
	ts, err := member(obj, keyTimestamp, "signature.timestamp")
	if err != nil {
		return nil, err
	}
	switch ts.Type {
	case gjson.String:
		s.timestamp = ts.Str
	case gjson.Number:
		s.timestamp = ts.Raw
	case gjson.Null:
		if ts.Exists() {
			return nil, fmt.Errorf("%w: signature.timestamp is null", webhookverify.ErrMalformedTimestamp)
		}
	default:
		return nil, fmt.Errorf("%w: signature.timestamp is not a string or a number", webhookverify.ErrMalformedTimestamp)
	}
	tok, err := member(obj, keyToken, "signature.token")
	if err != nil {
		return nil, err
	}
	if tok.Exists() && tok.Type != gjson.String {
		return nil, fmt.Errorf("%w: signature.token is not a string", webhookverify.ErrMalformedSignature)
	}
	s.token = tok.Str
	for _, k := range []string{keySignature, keyParentSignature} {
		sig, err := member(obj, k, "signature."+k)
		if err != nil {
			return nil, err
		}
		if !sig.Exists() {
			continue
		}
		if sig.Type != gjson.String {
			return nil, fmt.Errorf("%w: signature.%s is not a string", webhookverify.ErrMalformedSignature, k)
		}
		if sig.Str != "" {
			s.sigs = append(s.sigs, sig.Str)
		}
	}
	return s, nil
}

// validToken reports whether t is 1 to maxToken ASCII letters, digits,
// '-' or '_'.
func validToken(t string) bool {
	if t == "" || len(t) > maxToken {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Verify checks the method, the timestamp and the signature, and returns
// the signed facts.
func (v *Mailgun) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Mailgun"); err != nil {
		return webhookverify.Event{}, err
	}
	s, err := parse(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if len(s.sigs) == 0 {
		return webhookverify.Event{}, fmt.Errorf("%w: body field signature.signature", webhookverify.ErrMissingSignature)
	}
	cand := make([][]byte, 0, 2)
	for _, h := range s.sigs {
		var sig [sha256.Size]byte
		if len(h) != 2*sha256.Size {
			return webhookverify.Event{}, fmt.Errorf("%w: a signature is not %d hex digits", webhookverify.ErrMalformedSignature, 2*sha256.Size)
		}
		if _, err := hex.Decode(sig[:], []byte(h)); err != nil {
			return webhookverify.Event{}, fmt.Errorf("%w: a signature is not hex", webhookverify.ErrMalformedSignature)
		}
		cand = append(cand, sig[:])
	}
	if s.timestamp == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: body field signature.timestamp", webhookverify.ErrMissingTimestamp)
	}
	t, err := webhookverify.ParseUnixTimestamp(s.timestamp, false)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: signature.timestamp", err)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	if !validToken(s.token) {
		return webhookverify.Event{}, fmt.Errorf("%w: signature.token must be 1 to %d letters, digits, '-' or '_'", webhookverify.ErrMalformedSignature, maxToken)
	}
	if !v.keys.Match(cand, []byte(s.timestamp), []byte(s.token)) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return webhookverify.Event{ID: s.token, Type: TypeWebhook, Time: t.UTC()}, nil
}

// Sign returns body with the signature object set as Mailgun would, with
// the first key: timestamp now, the body's signature.token when it has a
// valid one, else a new random token of 50 hex digits. The body must be a
// JSON object; it is re-encoded (key order and spacing change, values do
// not).
func (v *Mailgun) Sign(_ *http.Request, body []byte, now time.Time) ([]byte, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	token := gjson.GetBytes(body, "signature.token").Str
	if !validToken(token) {
		var b [25]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		token = hex.EncodeToString(b[:])
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	doc[keySignatureObject] = map[string]string{
		keyTimestamp: ts,
		keyToken:     token,
		keySignature: hex.EncodeToString(v.keys.Sign([]byte(ts), []byte(token))),
	}
	for k := range doc {
		if k != keySignatureObject && strings.EqualFold(k, keySignatureObject) {
			delete(doc, k)
		}
	}
	return json.Marshal(doc)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify mailgun {
//	    secret <webhook signing key>...   # required, e.g. {env.MAILGUN_WEBHOOK_SIGNING_KEY}
//	    tolerance <duration>              # default 5m
//	}
func (v *Mailgun) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalSecretsAndTolerance(d, &v.Tolerance,
		"unrecognized subdirective %q for provider mailgun: use secret or tolerance",
		"mailgun needs the HTTP webhook signing key: add 'secret {env.MAILGUN_WEBHOOK_SIGNING_KEY}'")
}

// Covers implements webhookverify.Coverer: the token (the event id) and
// the timestamp are signed; the body is not.
func (v *Mailgun) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Mailgun)(nil)
	_ webhookverify.Coverer  = (*Mailgun)(nil)
	_ webhookverify.Signer   = (*Mailgun)(nil)
	_ caddy.Provisioner      = (*Mailgun)(nil)
	_ caddyfile.Unmarshaler  = (*Mailgun)(nil)
)
