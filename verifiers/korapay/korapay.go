// Package korapay verifies Korapay webhooks: x-korapay-signature is the
// hex HMAC-SHA256, under the secret key, of JSON.stringify of the body's
// data object only.
package korapay

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Korapay{})
}

// HeaderSignature carries the signature.
const HeaderSignature = "X-Korapay-Signature"

// TypeTransaction is the type of every Korapay webhook: the body's event
// (charge.success, transfer.failed, …) is outside data, so it is not signed.
const TypeTransaction = "com.korapay.transaction"

// Korapay verifies Korapay webhooks.
//
// x-korapay-signature is the hex HMAC-SHA256, keyed with the secret key
// (sk_live_… or sk_test_…), of JSON.stringify(body.data): the data object
// only. The data object's bytes as sent are tried first; when they do not
// match, their exact JSON.stringify re-serialization (no whitespace, keys in
// document order, JavaScript's escaping and number formatting) is. Hex of
// either case is accepted.
//
// ONLY data IS SIGNED: the top-level event (charge.success,
// transfer.failed, …) is not, so a captured webhook can be replayed under
// another event name; rely on data.status and data.reference, and query
// the transaction before giving value. The body must be a JSON object with
// a data object and no repeated key anywhere (400). Korapay signs no time
// and only POSTs: other methods get 405.
//
// Event mapping (all from data): id "<reference>:<status>"; type
// com.korapay.transaction; subject and reference = data.reference; status
// success → succeeded, failed → failed, processing/pending → pending,
// other → unknown; amount = data.amount (its JSON text as signed) and
// currency = data.currency.
type Korapay struct {
	// Secrets are the secret keys; the first one signs, any one verifies.
	// Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Korapay) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.korapay",
		New: func() caddy.Module { return new(Korapay) },
	}
}

// Provision resolves the secret keys.
func (v *Korapay) Provision(caddy.Context) error {
	keys, err := v.Secrets.ResolveRequired("korapay")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// data returns the raw text of the body's top-level data object.
func data(body []byte) ([]byte, error) {
	if !webhookverify.IsJSONObject(body) {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	d := gjson.GetBytes(body, "data")
	if !d.IsObject() {
		return nil, fmt.Errorf("%w: no data object", webhookverify.ErrMalformedBody)
	}
	if d.Index > 0 {
		return body[d.Index : d.Index+len(d.Raw)], nil
	}
	return []byte(d.Raw), nil
}

// Verify checks the method and the signature, and returns the signed facts.
func (v *Korapay) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Korapay"); err != nil {
		return webhookverify.Event{}, err
	}
	value := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	var sig [sha256.Size]byte
	if len(value) != 2*sha256.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s must be %d hex digits", webhookverify.ErrMalformedSignature, HeaderSignature, 2*sha256.Size)
	}
	if _, err := hex.Decode(sig[:], []byte(value)); err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not hex", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	raw, err := data(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	cand := [][]byte{sig[:]}
	if v.keys.Match(cand, raw) {
		return event(raw), nil
	}
	compact, err := jsonstringify.CompactExact(nil, raw)
	if errors.Is(err, jsonstringify.ErrInexactNumber) {
		return webhookverify.Event{}, fmt.Errorf("%w: a number in data would change value when re-serialized", webhookverify.ErrMalformedBody)
	}
	if err != nil || string(compact) == string(raw) || !v.keys.Match(cand, compact) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return event(compact), nil
}

// event reads the facts of the signed data text.
func event(signed []byte) webhookverify.Event {
	d := gjson.ParseBytes(signed)
	var status, ref string
	ev := webhookverify.Event{Type: TypeTransaction}
	d.ForEach(func(key, val gjson.Result) bool {
		switch key.Str {
		case "reference":
			ref = webhookverify.Scalar(val)
		case "status":
			status = webhookverify.Scalar(val)
		case "amount":
			ev.Amount = webhookverify.Scalar(val)
		case "currency":
			ev.Currency = webhookverify.Scalar(val)
		}
		return true
	})
	if ref != "" {
		ev.ID = ref + ":" + status
	}
	ev.Subject, ev.Reference = ref, ref
	ev.Status = NormalizeStatus(status)
	return ev
}

// NormalizeStatus maps data.status: success → succeeded, failed →
// failed, processing or pending → pending, other → unknown; "" → none.
func NormalizeStatus(s string) webhookverify.PaymentStatus {
	switch strings.ToLower(s) {
	case "":
		return ""
	case "success", "successful":
		return webhookverify.StatusSucceeded
	case "failed":
		return webhookverify.StatusFailed
	case "processing", "pending":
		return webhookverify.StatusPending
	}
	return webhookverify.StatusUnknown
}

// Sign sets the signature header as Korapay would, with the first key:
// over JSON.stringify of body's data object. body is returned unchanged.
func (v *Korapay) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	raw, err := data(body)
	if err != nil {
		return nil, err
	}
	compact, err := jsonstringify.CompactExact(nil, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: data cannot be re-serialized exactly", webhookverify.ErrMalformedBody)
	}
	r.Header.Set(HeaderSignature, hex.EncodeToString(v.keys.Sign(compact)))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify korapay {
//	    secret <secret key>...     # required, e.g. {env.KORAPAY_SECRET_KEY}
//	}
func (v *Korapay) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d,
		"unrecognized subdirective %q for provider korapay: use secret",
		"korapay needs the secret key: add 'secret {env.KORAPAY_SECRET_KEY}'")
}

// Covers implements webhookverify.Coverer: data, which makes the event id,
// is signed; the rest of the body is not.
func (v *Korapay) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature.
func (v *Korapay) CredentialHeaders() []string {
	return []string{HeaderSignature}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Korapay)(nil)
	_ webhookverify.CredentialHeaderer = (*Korapay)(nil)
	_ webhookverify.Coverer            = (*Korapay)(nil)
	_ webhookverify.Signer             = (*Korapay)(nil)
	_ caddy.Provisioner                = (*Korapay)(nil)
	_ caddyfile.Unmarshaler            = (*Korapay)(nil)
)
