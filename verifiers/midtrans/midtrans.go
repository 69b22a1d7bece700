// Package midtrans verifies Midtrans HTTP notifications: the body's
// signature_key is the hex SHA-512 of order_id, status_code, gross_amount
// and the merchant's server key, concatenated.
package midtrans

import (
	"bytes"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
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
	caddy.RegisterModule(Midtrans{})
}

// TypeNotification is the type of every Midtrans notification.
const TypeNotification = "com.midtrans.notification"

// The signed fields, in signing order, and the signature field.
const (
	fieldOrderID     = "order_id"
	fieldStatusCode  = "status_code"
	fieldGrossAmount = "gross_amount"
	fieldSignature   = "signature_key"
)

var signedFields = [3]string{fieldOrderID, fieldStatusCode, fieldGrossAmount}

// Midtrans verifies Midtrans HTTP(S) notifications (Core API and Snap).
//
// The body is JSON; its signature_key is the hex SHA-512 (a plain hash, not
// an HMAC) of order_id + status_code + gross_amount + the server key,
// each value exactly as sent (gross_amount keeps its decimals, "10000.00").
// Hex of either case is accepted and the digests are compared in constant
// time. Only those three fields are signed: transaction_status,
// transaction_id, fraud_status, payment_type, currency, the times and the
// rest are not, so a captured notification can be replayed with any of them
// changed. Confirm a payment with Midtrans's Get Status API before acting
// on it.
//
// Because the signature covers parsed fields, the body must be one JSON
// object with no repeated key, the three fields (and signature_key) must
// be strings, and a key that differs from one of them only in case is
// refused (400). The signed string has no separators, so the verifier also
// requires status_code to be three digits (100–599) and gross_amount a
// plain decimal number without leading zeros ("0.00", "150000.00"): that
// narrows, without closing, what a forger could do by moving digits between
// an order_id that ends in digits and the two fields after it.
//
// Midtrans signs no time: replays are possible at any time. Midtrans only
// POSTs notifications: other methods get 405.
//
// Event mapping: type com.midtrans.notification; subject and reference =
// order_id; amount = gross_amount (Midtrans sends IDR; currency is not
// signed and is left out); status from status_code: 200 → succeeded, 201 →
// pending, 202 → failed, 407 → expired, anything else → unknown. Midtrans
// sends 200 for captures and settlements but also for refunds and
// chargebacks, which only the unsigned transaction_status tells apart; so
// no event id is given (a capture and the settlement that follows carry
// the same signed fields), and the handler keys replays on the body digest.
type Midtrans struct {
	// Secrets are the merchant's server keys (sandbox or production); the
	// first one signs, any one verifies. Use placeholders: {env.NAME} or
	// {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	keys [][]byte
}

// CaddyModule returns the Caddy module information.
func (Midtrans) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.midtrans",
		New: func() caddy.Module { return new(Midtrans) },
	}
}

// Provision resolves the server keys.
func (v *Midtrans) Provision(caddy.Context) error {
	keys, err := v.Secrets.ResolveRequired("midtrans")
	if err != nil {
		return err
	}
	v.keys = keys
	return nil
}

// notification is what a notification signs.
type notification struct {
	fields [3]string
	sig    string
	hasSig bool
}

// digest is SHA-512(order_id + status_code + gross_amount + key).
func (n *notification) digest(key []byte) [sha512.Size]byte {
	h := sha512.New()
	for _, f := range n.fields {
		h.Write([]byte(f))
	}
	h.Write(key)
	var sum [sha512.Size]byte
	h.Sum(sum[:0])
	return sum
}

// parse reads the signed fields and the signature of a body.
func parse(body []byte) (*notification, error) {
	if !webhookverify.IsJSONObject(body) {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	n := &notification{}
	var seen [3]bool
	var err error
	gjson.ParseBytes(body).ForEach(func(key, val gjson.Result) bool {
		k := key.Str
		if k == fieldSignature {
			if val.Type != gjson.String {
				err = fmt.Errorf("%w: %s is not a string", webhookverify.ErrMalformedSignature, fieldSignature)
				return false
			}
			n.sig, n.hasSig = val.Str, val.Str != ""
			return true
		}
		for i, name := range signedFields {
			if k == name {
				if val.Type != gjson.String {
					err = fmt.Errorf("%w: %s is not a string", webhookverify.ErrMalformedBody, name)
					return false
				}
				n.fields[i], seen[i] = val.Str, true
				return true
			}
		}
		for _, name := range append(signedFields[:], fieldSignature) {
			if strings.EqualFold(k, name) {
				err = fmt.Errorf("%w: a key differs from %s only in case", webhookverify.ErrMalformedBody, name)
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("%w: no %s", webhookverify.ErrMalformedBody, signedFields[i])
		}
	}
	if !validStatusCode(n.fields[1]) {
		return nil, fmt.Errorf("%w: %s is not a three-digit code", webhookverify.ErrMalformedBody, fieldStatusCode)
	}
	if !validAmount(n.fields[2]) {
		return nil, fmt.Errorf("%w: %s is not a plain decimal number", webhookverify.ErrMalformedBody, fieldGrossAmount)
	}
	return n, nil
}

// validStatusCode reports whether s is 100 to 599.
func validStatusCode(s string) bool {
	return len(s) == 3 && s[0] >= '1' && s[0] <= '5' && isDigits(s[1:])
}

// validAmount reports whether s is digits, without a leading zero unless
// it is the only integer digit, optionally followed by '.' and digits.
func validAmount(s string) bool {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if !isDigits(whole) || (len(whole) > 1 && whole[0] == '0') {
		return false
	}
	return !hasFrac || isDigits(frac)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Verify checks the method and the signature, and returns the signed facts.
func (v *Midtrans) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Midtrans"); err != nil {
		return webhookverify.Event{}, err
	}
	n, err := parse(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if !n.hasSig {
		return webhookverify.Event{}, fmt.Errorf("%w: body field %s", webhookverify.ErrMissingSignature, fieldSignature)
	}
	var sig [sha512.Size]byte
	if len(n.sig) != 2*sha512.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: %s must be %d hex digits", webhookverify.ErrMalformedSignature, fieldSignature, 2*sha512.Size)
	}
	if _, err := hex.Decode(sig[:], []byte(n.sig)); err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not hex", webhookverify.ErrMalformedSignature, fieldSignature)
	}
	ok := 0
	for _, k := range v.keys {
		d := n.digest(k)
		ok |= subtle.ConstantTimeCompare(d[:], sig[:])
	}
	if ok != 1 {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return webhookverify.Event{
		Type:      TypeNotification,
		Subject:   n.fields[0],
		Reference: n.fields[0],
		Amount:    n.fields[2],
		Status:    NormalizeStatus(n.fields[1]),
	}, nil
}

// NormalizeStatus maps a status_code: 200 → succeeded, 201 → pending, 202
// → failed, 407 → expired, anything else → unknown; "" → no status.
func NormalizeStatus(code string) webhookverify.PaymentStatus {
	switch code {
	case "":
		return ""
	case "200":
		return webhookverify.StatusSucceeded
	case "201":
		return webhookverify.StatusPending
	case "202":
		return webhookverify.StatusFailed
	case "407":
		return webhookverify.StatusExpired
	}
	return webhookverify.StatusUnknown
}

// Sign returns body with signature_key set as Midtrans would, with the
// first server key. The body is re-encoded (key order and spacing change,
// values do not); it must be a notification with the three signed fields.
func (v *Midtrans) Sign(_ *http.Request, body []byte, _ time.Time) ([]byte, error) {
	n, err := parse(body)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	}
	d := n.digest(v.keys[0])
	doc[fieldSignature] = hex.EncodeToString(d[:])
	return json.Marshal(doc)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify midtrans {
//	    secret <server key>...     # required, e.g. {env.MIDTRANS_SERVER_KEY}
//	}
func (v *Midtrans) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d,
		"unrecognized subdirective %q for provider midtrans: use secret",
		"midtrans needs the merchant's server key: add 'secret {env.MIDTRANS_SERVER_KEY}'")
}

// Covers implements webhookverify.Coverer: three fields are signed, which
// neither make an event id nor cover the body.
func (v *Midtrans) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Midtrans)(nil)
	_ webhookverify.Coverer  = (*Midtrans)(nil)
	_ webhookverify.Signer   = (*Midtrans)(nil)
	_ caddy.Provisioner      = (*Midtrans)(nil)
	_ caddyfile.Unmarshaler  = (*Midtrans)(nil)
)
