// Package nomba verifies Nomba webhooks: nomba-signature is the base64
// HMAC-SHA256, under the webhook signature key, of eight body fields and
// the nomba-timestamp header joined with ':'.
package nomba

import (
	"crypto/sha256"
	"encoding/base64"
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
	caddy.RegisterModule(Nomba{})
}

// The headers.
const (
	// HeaderSignature carries the base64 signature.
	HeaderSignature = "Nomba-Signature"
	// HeaderSigValue is a copy of the signature some deliveries also carry;
	// it is read only when nomba-signature is absent.
	HeaderSigValue = "Nomba-Sig-Value"
	// HeaderAlgorithm names the algorithm; when present it must be HmacSHA256.
	HeaderAlgorithm = "Nomba-Signature-Algorithm"
	// HeaderTimestamp is the RFC 3339 time of sending, signed.
	HeaderTimestamp = "Nomba-Timestamp"
)

// The event types.
const (
	// TypePrefix prefixes the event type: "com.nomba." + event_type
	// (com.nomba.payment_success).
	TypePrefix = "com.nomba."
	// TypeWebhook is the type of a webhook whose event_type is not a plain
	// token.
	TypeWebhook = "com.nomba.webhook"
)

// The signed fields, in signing order.
const (
	fEventType = iota
	fRequestID
	fUserID
	fWalletID
	fTransactionID
	fType
	fTime
	fResponseCode
	nFields
)

// fieldNames are the signed fields' paths, for messages.
var fieldNames = [nFields]string{"event_type", "requestId", "data.merchant.userId", "data.merchant.walletId",
	"data.transaction.transactionId", "data.transaction.type", "data.transaction.time", "data.transaction.responseCode"}

// Nomba verifies Nomba webhooks.
//
// nomba-signature is the base64 HMAC-SHA256, keyed with the webhook
// signature key set on the Nomba dashboard, of
//
//	event_type:requestId:data.merchant.userId:data.merchant.walletId:data.transaction.transactionId:data.transaction.type:data.transaction.time:data.transaction.responseCode:<nomba-timestamp>
//
// where an absent or null field is empty and a responseCode of "null" is
// empty too (as Nomba's sample code does). nomba-sig-value, which carries
// the same value, is read when nomba-signature is absent; a
// nomba-signature-algorithm other than HmacSHA256 is refused.
// nomba-timestamp is RFC 3339 and must be within Tolerance of now, in both
// directions (Nomba documents no tolerance: 5 minutes by default).
//
// ONLY THOSE FIELDS ARE SIGNED: the amount, the order, the customer and the
// rest of the body are not, and none of them reaches the event. Fetch the
// transaction from Nomba's API before giving value. Because the signature
// covers parsed fields, the body must be one JSON object with no repeated
// key and no key that differs from a signed one only in case; a signed
// field must be a string, an integer, a boolean or null (400). The signed
// string has no escaping, so a ':' is refused in every signed field but
// data.transaction.time (400): the other fields are then split apart
// unambiguously, and the timestamp, parsed as RFC 3339, closes the string.
// Nomba only POSTs: other methods get 405.
//
// Event mapping: id = requestId; type "com.nomba." + event_type; time =
// data.transaction.time (when RFC 3339); subject and reference =
// data.transaction.transactionId; status from event_type (see
// NormalizeStatus). Amount and currency are not signed and are left out.
type Nomba struct {
	// Secrets are the webhook signature keys; the first one signs, any one
	// verifies (rotation). Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far nomba-timestamp may be from now, in either
	// direction. Default 5m; Nomba documents none: if retries are refused
	// with timestamp_out_of_tolerance, raise it and deduplicate.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Nomba) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.nomba",
		New: func() caddy.Module { return new(Nomba) },
	}
}

// Provision checks the tolerance and resolves the keys.
func (v *Nomba) Provision(caddy.Context) error {
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("nomba: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("nomba")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// fields are the signed values of a body.
type fields [nFields]string

// message appends the signed string to dst.
func (f *fields) message(dst []byte, ts string) []byte {
	for _, s := range f {
		dst = append(dst, s...)
		dst = append(dst, ':')
	}
	return append(dst, ts...)
}

// member finds the value of key in obj. A key that differs from key only
// in case is an error: a reader that matches keys without regard to case
// could see another value than the one signed.
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

// object finds the object at key in obj: absent or null is an empty
// result, anything else but an object an error.
func object(obj gjson.Result, key, path string) (gjson.Result, error) {
	val, err := member(obj, key, path)
	if err != nil || !val.Exists() || val.Type == gjson.Null {
		return gjson.Result{}, err
	}
	if !val.IsObject() {
		return gjson.Result{}, fmt.Errorf("%w: %s is not an object", webhookverify.ErrMalformedBody, path)
	}
	return val, nil
}

// scalar reads a signed value: a string, an integer, true or false; absent
// or null is empty.
func scalar(obj gjson.Result, key, path string) (string, error) {
	if !obj.Exists() {
		return "", nil
	}
	val, err := member(obj, key, path)
	if err != nil {
		return "", err
	}
	switch val.Type {
	case gjson.Null:
		return "", nil
	case gjson.String:
		return val.Str, nil
	case gjson.True, gjson.False:
		return val.Raw, nil
	case gjson.Number:
		if isInteger(val.Raw) {
			return val.Raw, nil
		}
	}
	if !val.Exists() {
		return "", nil
	}
	return "", fmt.Errorf("%w: %s is not a string, an integer, a boolean or null", webhookverify.ErrMalformedBody, path)
}

// isInteger reports whether s is an optional '-' and digits.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
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

// parse reads the signed fields of a body.
func parse(body []byte) (*fields, error) {
	if !webhookverify.IsJSONObject(body) {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	root := gjson.ParseBytes(body)
	var f fields
	var err error
	if f[fEventType], err = scalar(root, "event_type", "event_type"); err != nil {
		return nil, err
	}
	if f[fRequestID], err = scalar(root, "requestId", "requestId"); err != nil {
		return nil, err
	}
	data, err := object(root, "data", "data")
	if err != nil {
		return nil, err
	}
	var merchant, tx gjson.Result
	if data.Exists() {
		if merchant, err = object(data, "merchant", "data.merchant"); err != nil {
			return nil, err
		}
		if tx, err = object(data, "transaction", "data.transaction"); err != nil {
			return nil, err
		}
	}
	for i, p := range []struct {
		obj gjson.Result
		key string
	}{fUserID: {merchant, "userId"}, fWalletID: {merchant, "walletId"}, fTransactionID: {tx, "transactionId"},
		fType: {tx, "type"}, fTime: {tx, "time"}, fResponseCode: {tx, "responseCode"}} {
		if p.key == "" {
			continue
		}
		if f[i], err = scalar(p.obj, p.key, fieldNames[i]); err != nil {
			return nil, err
		}
	}
	if f[fResponseCode] == "null" {
		f[fResponseCode] = ""
	}
	for i, s := range f {
		if i != fTime && strings.IndexByte(s, ':') >= 0 {
			return nil, fmt.Errorf("%w: %s contains ':'", webhookverify.ErrMalformedBody, fieldNames[i])
		}
	}
	return &f, nil
}

// Verify checks the method, the timestamp and the signature, and returns
// the signed facts.
func (v *Nomba) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Nomba"); err != nil {
		return webhookverify.Event{}, err
	}
	value := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if value == "" {
		value = strings.TrimSpace(r.Header.Get(HeaderSigValue))
	}
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	if alg := r.Header.Get(HeaderAlgorithm); alg != "" && !strings.EqualFold(strings.TrimSpace(alg), "HmacSHA256") {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not HmacSHA256", webhookverify.ErrMalformedSignature, HeaderAlgorithm)
	}
	var sig [sha256.Size]byte
	if len(value) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	if n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(value)); err != nil || n != sha256.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	ts := strings.TrimSpace(r.Header.Get(HeaderTimestamp))
	if ts == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingTimestamp, HeaderTimestamp)
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not RFC 3339", webhookverify.ErrMalformedTimestamp, HeaderTimestamp)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	f, err := parse(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	var buf [512]byte
	if !v.keys.Match([][]byte{sig[:]}, f.message(buf[:0], ts)) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return f.event(), nil
}

// event maps the signed fields.
func (f *fields) event() webhookverify.Event {
	ev := webhookverify.Event{
		ID:        f[fRequestID],
		Type:      TypeWebhook,
		Subject:   f[fTransactionID],
		Reference: f[fTransactionID],
		Status:    NormalizeStatus(f[fEventType]),
	}
	if webhookverify.IsTypeToken(f[fEventType]) {
		ev.Type = TypePrefix + strings.ToLower(f[fEventType])
	}
	if t, err := time.Parse(time.RFC3339Nano, f[fTime]); err == nil {
		ev.Time = t
	}
	return ev
}

// NormalizeStatus maps an event_type: payment_success and payout_success
// → succeeded; payment_failed and payout_failed → failed;
// payment_reversal and payout_refund → refunded; other → unknown; "" → no
// status.
func NormalizeStatus(eventType string) webhookverify.PaymentStatus {
	switch strings.ToLower(eventType) {
	case "":
		return ""
	case "payment_success", "payout_success":
		return webhookverify.StatusSucceeded
	case "payment_failed", "payout_failed":
		return webhookverify.StatusFailed
	case "payment_reversal", "payout_refund":
		return webhookverify.StatusRefunded
	}
	return webhookverify.StatusUnknown
}

// Sign sets nomba-timestamp (now, RFC 3339 in UTC) and nomba-signature as
// Nomba would, with the first key. body is returned unchanged.
func (v *Nomba) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	f, err := parse(body)
	if err != nil {
		return nil, err
	}
	ts := now.UTC().Format(time.RFC3339)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(v.keys.Sign(f.message(nil, ts))))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify nomba {
//	    secret <signature key>...   # required, e.g. {env.NOMBA_WEBHOOK_KEY}
//	    tolerance <duration>        # default 5m
//	}
func (v *Nomba) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalSecretsAndTolerance(d, &v.Tolerance,
		"unrecognized subdirective %q for provider nomba: use secret or tolerance",
		"nomba needs the webhook signature key: add 'secret {env.NOMBA_WEBHOOK_KEY}'")
}

// Covers implements webhookverify.Coverer: requestId (the event id) and
// the time are signed; the rest of the body is not.
func (v *Nomba) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Tolerance: time.Duration(v.Tolerance)}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature, its copy, its algorithm and its timestamp.
func (v *Nomba) CredentialHeaders() []string {
	return []string{HeaderSignature, HeaderSigValue, HeaderAlgorithm, HeaderTimestamp}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Nomba)(nil)
	_ webhookverify.CredentialHeaderer = (*Nomba)(nil)
	_ webhookverify.Coverer            = (*Nomba)(nil)
	_ webhookverify.Signer             = (*Nomba)(nil)
	_ caddy.Provisioner                = (*Nomba)(nil)
	_ caddyfile.Unmarshaler            = (*Nomba)(nil)
)
