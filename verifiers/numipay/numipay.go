// Package numipay provides the numipay verifier: Numipay gateway webhooks,
// signed with an uppercase hex SHA-1 of the JSON payload followed by the
// merchant's signature password.
package numipay

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Numipay{})
}

// DefaultHeader is the header that carries the signature.
const DefaultHeader = "x-signature"

// TypePrefix is the prefix of every Numipay event type.
const TypePrefix = "com.numipay.transaction"

// Numipay verifies Numipay webhooks. Numipay sends a POST with a JSON
// body and the header x-signature: the uppercase hex SHA-1 of
// JSON.stringify(data) immediately followed by the signature password from
// the back office (Settings > Credentials). It is a plain hash with the
// password appended, not an HMAC; the verifier accepts the hex in either
// case and compares the digests in constant time.
//
// Since the sender hashes JSON.stringify(data) and not necessarily the
// bytes on the wire, the raw body is hashed first; when that does not
// match, the body is re-serialized exactly as JavaScript's
// JSON.stringify(JSON.parse(body)) would (no whitespace, keys in document
// order, JavaScript's string escaping and number formatting) and that is
// hashed. A body that is not JSON is a 400 only when the raw hash fails;
// a body that repeats an object key is a 400 (a repeated key could show
// the application another value than the one the event was built from).
// Any other method than POST is a 405.
//
// Nothing in the signature is time-bound: Numipay signs no timestamp, so
// a captured webhook can be replayed at any time. Deduplicate on the
// event id.
//
// Event mapping (the whole document is signed, so every field is covered):
//
//   - ID: "<transaction_id>:<status>", e.g. "r21nmrtpcmrcava:rejected".
//     Numipay sends one webhook per status change of a transaction and
//     retries an unacknowledged one every five minutes, up to 15 times;
//     each retry carries the same transaction_id and status, so it keeps
//     the id, while the next status change gets a new one. Empty when
//     transaction_id is absent (the envelope then uses a digest of the
//     body).
//   - Type: "com.numipay.transaction.<transaction_type>", lowercased, e.g.
//     "com.numipay.transaction.withdrawal" or
//     "com.numipay.transaction.deposit"; "com.numipay.transaction" when
//     transaction_type is absent.
//   - Status: successful → succeeded, rejected → failed, pending →
//     pending, expired → expired, any other value → unknown; absent → no
//     status.
//   - Subject and Reference: tracking_id, the merchant's own identifier,
//     sent by the merchant when it created the transaction.
//   - Amount: amount, unchanged (e.g. "200.00"); Currency: currency.
//   - Time: empty (the webhook carries no time; the envelope uses the
//     time of receipt).
//
// Values are read from the signed text: the body itself, or its
// re-serialization when that is what matched.
type Numipay struct {
	// Secrets are the signature passwords; any one verifies, the first
	// signs. Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Header carries the signature. Default: x-signature.
	Header string `json:"header,omitempty"`

	keys   [][]byte
	header string
}

// CaddyModule returns the Caddy module information.
func (Numipay) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.numipay",
		New: func() caddy.Module { return new(Numipay) },
	}
}

// Provision resolves the secrets.
func (v *Numipay) Provision(caddy.Context) error {
	v.header = v.Header
	if strings.TrimSpace(v.header) == "" {
		v.header = DefaultHeader
	}
	if len(v.Secrets) == 0 {
		return fmt.Errorf("numipay: no secret configured: add 'secret {env.NUMIPAY_SIGNATURE_PASSWORD}' with the signature password from Numipay's back office (Settings > Credentials) (JSON: \"secrets\")")
	}
	keys, err := v.Secrets.ResolveRequired("numipay")
	if err != nil {
		return err
	}
	v.keys = keys
	return nil
}

var sha1Pool = sync.Pool{New: func() any { return sha1.New() }}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// match reports whether SHA-1(msg ‖ key) equals sig for one of keys. Every
// key is compared, in constant time.
func (v *Numipay) match(msg []byte, sig *[sha1.Size]byte) bool {
	h := sha1Pool.Get().(hash.Hash)
	defer sha1Pool.Put(h)
	h.Reset()
	h.Write(msg)
	var sum [sha1.Size]byte
	if len(v.keys) == 1 {
		h.Write(v.keys[0])
		return subtle.ConstantTimeCompare(h.Sum(sum[:0]), sig[:]) == 1
	}
	// With several keys, hash msg once and restart from its state.
	var stateBuf [128]byte
	state, err := h.(encoding.BinaryAppender).AppendBinary(stateBuf[:0])
	ok := 0
	for _, k := range v.keys {
		if err == nil {
			err = h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state)
		}
		if err != nil { // not expected; hash from scratch
			h.Reset()
			h.Write(msg)
		}
		h.Write(k)
		ok |= subtle.ConstantTimeCompare(h.Sum(sum[:0]), sig[:])
	}
	return ok == 1
}

// Verify checks the method and the signature, and reads the event.
func (v *Numipay) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "numipay"); err != nil {
		return webhookverify.Event{}, err
	}
	value := strings.TrimSpace(r.Header.Get(v.header))
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, v.header)
	}
	var sig [sha1.Size]byte
	if len(value) != 2*sha1.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not %d hex digits", webhookverify.ErrMalformedSignature, v.header, 2*sha1.Size)
	}
	if _, err := hex.Decode(sig[:], []byte(value)); err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not hex", webhookverify.ErrMalformedSignature, v.header)
	}

	if v.match(body, &sig) {
		return checkedEvent(body, body, true)
	}

	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 {
			bufPool.Put(bp)
		}
	}()
	// CompactExact: a number JSON.stringify would round (more digits than
	// a double holds) must not let two documents that other parsers read
	// differently share one signature.
	compact, err := jsonstringify.CompactExact((*bp)[:0], body)
	*bp = compact[:0]
	if errors.Is(err, jsonstringify.ErrInexactNumber) {
		return webhookverify.Event{}, fmt.Errorf("%w: a number would change value when re-serialized", webhookverify.ErrMalformedBody)
	}
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: not JSON, and the signature does not match the raw body", webhookverify.ErrMalformedBody)
	}
	if bytes.Equal(compact, body) || !v.match(compact, &sig) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return checkedEvent(body, compact, false)
}

// checkedEvent rejects a body with a repeated object key and reads the
// event from signed, the text whose hash matched: the body itself, or its
// re-serialization (raw is false). A body signed as is (raw) that is not
// JSON gives an event with no fields.
func checkedEvent(body, signed []byte, raw bool) (webhookverify.Event, error) {
	_, dup, err := jsonstringify.FindDuplicateKey(body)
	switch {
	case err != nil && raw:
		return webhookverify.Event{Type: TypePrefix}, nil
	case err != nil:
		return webhookverify.Event{}, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	case dup:
		return webhookverify.Event{}, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	return event(signed), nil
}

// event reads the top-level fields of a JSON text. doc is read in place
// (it is only borrowed for the call), and the values kept are copied.
func event(doc []byte) webhookverify.Event {
	var ev webhookverify.Event
	var id, status, typ string
	if len(doc) == 0 {
		return webhookverify.Event{Type: TypePrefix}
	}
	gjson.Parse(unsafe.String(&doc[0], len(doc))).ForEach(func(key, value gjson.Result) bool {
		var dst *string
		switch key.Str {
		case "transaction_id":
			dst = &id
		case "status":
			dst = &status
		case "transaction_type":
			dst = &typ
		case "tracking_id":
			dst = &ev.Reference
		case "amount":
			dst = &ev.Amount
		case "currency":
			dst = &ev.Currency
		}
		if dst != nil {
			*dst = strings.Clone(webhookverify.Scalar(value)) // doc is borrowed
		}
		return true
	})
	if id != "" {
		ev.ID = id + ":" + status
	}
	ev.Type = TypePrefix
	if typ != "" {
		ev.Type += "." + strings.ToLower(typ)
	}
	ev.Status = mapStatus(status)
	ev.Subject = ev.Reference
	return ev
}

// mapStatus maps Numipay's status to the canonical status.
func mapStatus(s string) webhookverify.PaymentStatus {
	if s == "" {
		return ""
	}
	switch strings.ToLower(s) {
	case "successful":
		return webhookverify.StatusSucceeded
	case "rejected":
		return webhookverify.StatusFailed
	case "pending":
		return webhookverify.StatusPending
	case "expired":
		return webhookverify.StatusExpired
	}
	return webhookverify.StatusUnknown
}

// Sign sets the signature header as Numipay would, with the first
// password: the uppercase hex SHA-1 of the body followed by the password.
// The body is signed as given, so it should be the compact JSON that
// JSON.stringify produces.
func (v *Numipay) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	h := sha1.New()
	h.Write(body)
	h.Write(v.keys[0])
	r.Header.Set(v.header, strings.ToUpper(hex.EncodeToString(h.Sum(nil))))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify numipay {
//	    secret <value>...      # required: the signature password(s); several = rotation
//	    header <name>          # default x-signature
//	}
func (v *Numipay) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "header":
			if err := webhookverify.StringArg(d, &v.Header); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider numipay: use secret or header", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("numipay needs the signature password: add 'secret {env.NUMIPAY_SIGNATURE_PASSWORD}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: the signature covers the
// transaction id and status that make the event id, but not every byte of
// the body (a re-serialized body also verifies).
func (v *Numipay) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature.
func (v *Numipay) CredentialHeaders() []string {
	return []string{v.header}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Numipay)(nil)
	_ webhookverify.CredentialHeaderer = (*Numipay)(nil)
	_ webhookverify.Coverer            = (*Numipay)(nil)
	_ webhookverify.Signer             = (*Numipay)(nil)
	_ caddy.Provisioner                = (*Numipay)(nil)
	_ caddyfile.Unmarshaler            = (*Numipay)(nil)
)
