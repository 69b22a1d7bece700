// Package flutterwave provides the flutterwave verifier: Flutterwave
// webhooks authenticated by the secret hash in the verif-hash header.
package flutterwave

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Flutterwave{})
}

// TokenHeader carries the secret hash set on the Flutterwave dashboard.
const TokenHeader = "Verif-Hash"

// tokenSource is where the secret hash is: Verif-Hash, as is (no
// "Bearer "), once.
var tokenSource = webhookverify.TokenSource{Headers: []string{TokenHeader}}

// TypePrefix is the prefix of every event type this verifier reports.
const TypePrefix = "com.flutterwave."

// statusMap maps Flutterwave's status words (any case) to canonical
// statuses; other words go through the common mapping.
var statusMap = map[string]webhookverify.PaymentStatus{
	"successful": webhookverify.StatusSucceeded,
	"succeeded":  webhookverify.StatusSucceeded,
	"failed":     webhookverify.StatusFailed,
	"cancelled":  webhookverify.StatusFailed,
	"pending":    webhookverify.StatusPending,
	"new":        webhookverify.StatusPending,
	"reversed":   webhookverify.StatusRefunded,
}

// Flutterwave verifies Flutterwave webhooks: a POST whose verif-hash header
// equals the secret hash set on the dashboard (Settings → Webhooks). The
// comparison is constant time and reveals neither the hash nor its length.
// The value is taken as is (no "Bearer "); a repeated header is rejected.
// Any other method is rejected with 405; a body that is not a JSON object
// with 400, as is one that repeats a key read below (parsers disagree on
// which copy counts).
//
// The secret hash is a static shared secret, not a signature: it proves the
// sender knows the hash, but does not protect the body, and a captured
// request can be replayed or altered by whoever sees it. Flutterwave itself
// recommends confirming every transaction with its verify-transaction API
// (GET /v3/transactions/{id}/verify) before giving value; the id below is
// that transaction id.
//
// Event mapping (v3 body {"event": "...", "data": {...}}):
//
//   - type: "com.flutterwave." + event, e.g.
//     "com.flutterwave.charge.completed",
//     "com.flutterwave.transfer.completed"; "com.flutterwave.webhook" when
//     the body has no usable "event" (or "type", the newer API's name).
//   - id: event + ":" + data.id, e.g. "charge.completed:285959875"; empty
//     (the envelope then uses a digest) without data.id.
//   - status: data.status, any case: successful, succeeded → succeeded;
//     failed, cancelled → failed; pending, new → pending; reversed →
//     refunded; in refund.* events a successful or completed status →
//     refunded; other words → the common mapping, else unknown.
//   - amount: data.amount unchanged, in major units (100 is NGN 100).
//   - currency: data.currency.
//   - reference and subject: data.tx_ref, the merchant's transaction
//     reference (data.reference in the newer API's bodies).
//   - time: data.created_at (data.created_datetime in the newer API).
type Flutterwave struct {
	// Secrets are the accepted secret hashes; any one passes (rotation),
	// the first is what Sign sends. Use placeholders: {env.NAME} or
	// {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	keys [][]byte
}

// CaddyModule returns the Caddy module information.
func (Flutterwave) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.flutterwave",
		New: func() caddy.Module { return new(Flutterwave) },
	}
}

// Provision resolves the secrets.
func (v *Flutterwave) Provision(caddy.Context) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("flutterwave: no secret configured: add 'secret {env.FLUTTERWAVE_SECRET_HASH}' to the webhook_verify block (JSON: \"secrets\")")
	}
	keys, err := v.Secrets.ResolveRequired("flutterwave")
	if err != nil {
		return err
	}
	v.keys = keys
	return nil
}

// Verify checks the method, the secret hash and the body's shape, and reads
// the event.
func (v *Flutterwave) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "flutterwave"); err != nil {
		return webhookverify.Event{}, err
	}
	if err := tokenSource.Check(r, v.keys); err != nil {
		return webhookverify.Event{}, err
	}

	if !gjson.ValidBytes(body) {
		return webhookverify.Event{}, fmt.Errorf("%w: flutterwave sends a JSON object", webhookverify.ErrMalformedBody)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return webhookverify.Event{}, fmt.Errorf("%w: flutterwave sends a JSON object", webhookverify.ErrMalformedBody)
	}
	top, ok := pick(root, "event", "type", "data")
	if !ok {
		return webhookverify.Event{}, fmt.Errorf("%w: a top-level key is repeated", webhookverify.ErrDuplicateKey)
	}
	data, ok := pick(top[2], "id", "tx_ref", "reference", "amount", "currency", "status", "created_at", "created_datetime")
	if !ok {
		return webhookverify.Event{}, fmt.Errorf("%w: a key of \"data\" is repeated", webhookverify.ErrDuplicateKey)
	}
	event := first(str(top[0]), str(top[1]))
	ev := webhookverify.Event{
		Type:      TypePrefix + "webhook",
		Amount:    webhookverify.Scalar(data[3]),
		Currency:  str(data[4]),
		Reference: first(str(data[1]), str(data[2])),
		Time:      webhookverify.ParseEventTime(first(webhookverify.Scalar(data[6]), webhookverify.Scalar(data[7]))),
	}
	ev.Subject = ev.Reference
	if webhookverify.IsTypeToken(event) {
		ev.Type = TypePrefix + event
		if id := webhookverify.Scalar(data[0]); id != "" {
			ev.ID = event + ":" + id
		}
	}
	ev.Status = status(event, str(data[5]))
	return ev, nil
}

// RemoveCredential implements webhookverify.CredentialRemover: the
// verif-hash header is not forwarded.
func (v *Flutterwave) RemoveCredential(r *http.Request) { tokenSource.Remove(r) }

// pick returns the values of keys in a JSON object, in one pass, and false
// when one of them appears twice. A value that is not an object has none.
func pick(obj gjson.Result, keys ...string) ([]gjson.Result, bool) {
	out := make([]gjson.Result, len(keys))
	if !obj.IsObject() {
		return out, true
	}
	ok := true
	obj.ForEach(func(k, val gjson.Result) bool {
		for i, key := range keys {
			if k.Str == key {
				if out[i].Exists() {
					ok = false
					return false
				}
				out[i] = val
			}
		}
		return true
	})
	return out, ok
}

// status maps a status word, given the event it came with.
func status(event, s string) webhookverify.PaymentStatus {
	if s == "" {
		return ""
	}
	word := strings.ToLower(s)
	if strings.HasPrefix(event, "refund.") && (word == "successful" || word == "completed" || word == "succeeded") {
		return webhookverify.StatusRefunded
	}
	if st, ok := statusMap[word]; ok {
		return st
	}
	return webhookverify.NormalizeStatus(s)
}

// str returns a string value, or "".
func str(r gjson.Result) string {
	if r.Type != gjson.String {
		return ""
	}
	return r.Str
}

// first returns the first non-empty value.
func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Sign sets verif-hash to the first secret, as Flutterwave would.
func (v *Flutterwave) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	r.Header.Set(TokenHeader, string(v.keys[0]))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify flutterwave {
//	    secret <value>...   # required; the dashboard's secret hash; several = rotation
//	}
func (v *Flutterwave) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d, "unrecognized subdirective %q for provider flutterwave: it takes only 'secret <value>' (the secret hash); for another header use the token provider",
		"flutterwave needs the secret hash: add 'secret {env.FLUTTERWAVE_SECRET_HASH}'")
}

// Interface guards
var (
	_ webhookverify.Verifier          = (*Flutterwave)(nil)
	_ webhookverify.Signer            = (*Flutterwave)(nil)
	_ webhookverify.CredentialRemover = (*Flutterwave)(nil)
	_ caddy.Provisioner               = (*Flutterwave)(nil)
	_ caddyfile.Unmarshaler           = (*Flutterwave)(nil)
)
