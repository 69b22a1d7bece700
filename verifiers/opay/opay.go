// Package opay verifies OPay payment notification callbacks: the v1 scheme,
// whose HMAC-SHA3-512 signature travels in the body's sha512 field and
// covers a string built from selected payload fields, and the v2 scheme,
// whose HMAC-SHA512 signature travels in the Authorization header and covers
// the RequestTimestamp header followed by the raw body.
package opay

import (
	"bytes"
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
	caddy.RegisterModule(OPay{})
}

// The schemes and v1 payload variants.
const (
	SchemeV1 = "v1"
	SchemeV2 = "v2"

	PayloadTransaction = "transaction"
	PayloadBetting     = "betting"

	// UnitMillis and UnitSeconds are the v2 RequestTimestamp units.
	UnitMillis  = "ms"
	UnitSeconds = "s"
)

// The event types reported in the envelope.
const (
	// TypeTransactionStatus is the type of v1 transaction callbacks.
	TypeTransactionStatus = "com.opay.transaction-status"
	// TypeBettingAirtimeStatus is the type of v1 betting and airtime callbacks.
	TypeBettingAirtimeStatus = "com.opay.betting-airtime-status"
	// TypeCallback is the type of v2 callbacks whose body has no usable
	// type; otherwise the v2 type is "com.opay." followed by the body's
	// type, lowercased (e.g. com.opay.macquiring_callback).
	TypeCallback = "com.opay.callback"
)

// v2 request headers.
const (
	headerAuthorization = "Authorization"
	headerMerchantID    = "MerchantId"
	headerTimestamp     = "RequestTimestamp"
)

// ErrMerchantMismatch: merchant_id is configured and the MerchantId header
// is absent or names another merchant (401).
var ErrMerchantMismatch = webhookverify.NewFailure(http.StatusUnauthorized, "merchant_id_mismatch")

// macSize is the size of an HMAC-SHA3-512 or HMAC-SHA512 in bytes.
const macSize = 64

// OPay verifies OPay callbacks. The configuration fixes the scheme; the
// request never chooses it.
//
// Scheme v1 (default; body {"payload":{…},"sha512":"<hex>","type":"…"}):
// sha512 is the lowercase hex HMAC-SHA3-512, keyed with the merchant's
// private (secret) key, of a string built from payload fields:
//
//	payload transaction (default):
//	{Amount:"…",Currency:"…",Reference:"…",Refunded:t|f,Status:"…",Timestamp:"…",Token:"…",TransactionID:"…"}
//	payload betting (betting and airtime top-ups):
//	{orderNo:"…",merchantOrderNo:"…",merchantId:"…",orderAmount:"<integer>",serviceType:"…",orderStatus:"…"}
//
// Each value is the field's decoded JSON string inserted without escaping.
// Every signed field must be present with the JSON type the documentation's
// example shows: refunded a boolean, orderAmount an integer number, every
// other signed field a string; a null, absent or differently typed signed
// field is 400 malformed_body. The signed string renders false, "false",
// null and absent alike (Refunded:f), and "", null and absent alike, so
// without this rule one sha512 would vouch for bodies that a reader could
// take differently (a JavaScript reader takes "false" as true). Field
// names match exactly; a payload key that differs from a signed field only
// in case is rejected. Refunded is t when payload.refunded is true, f when
// it is false. Hex of either case is
// accepted. Because the signature covers parsed fields and not the bytes, a
// body that repeats a JSON key anywhere is rejected (400
// duplicate_json_key), as is a body that is not valid UTF-8 JSON: a forged
// second "amount" must not hide behind the signed one. Everything else in
// the body (type, fee, channel, country, instrumentType, updated_at, …) is
// NOT signed, and is not promoted to the envelope.
//
// Scheme v2 (headers Authorization, MerchantId, RequestTimestamp):
// Authorization is the lowercase hex HMAC-SHA512, keyed with the private
// key, of the RequestTimestamp header's text followed directly by the raw
// body; a "Bearer " prefix and hex of either case are accepted.
// RequestTimestamp is Unix time in the configured unit, written with
// exactly that unit's digit count (ms, the default: 13 digits; s: 10), and
// must be within tolerance of now. The whole body is signed, and must be a
// JSON object (its first byte '{'), else 400 malformed_body. Both rules
// matter because nothing separates the header from the body in the signed
// text: were the unit read from the length, or could the body start with
// a digit, digits could move between the header and the body under the
// same MAC ("1633411815591"+"{…}" is also "1633411815"+"591{…}").
//
// OPay only POSTs callbacks: other methods get 405. A 2xx answer
// acknowledges a callback; OPay retries anything else for 72 hours. v1
// signs no sending time, so a captured v1 callback can be replayed
// forever: the upstream must deduplicate on the event id. OPay advises
// accepting callbacks only from its IPs but publishes no list: use the
// handler's allow_ips with the ranges OPay gives you.
//
// Event mapping, v1 payload transaction: type com.opay.transaction-status;
// id "<transactionId>:<status>", with ":refunded" appended when refunded
// (the normalized sha512 hex when transactionId is empty), which is the same
// for every retry of one notification; subject and reference = reference;
// amount and currency exactly as OPay sends them; time = payload.timestamp
// (the transaction's time, not the sending time).
//
// Event mapping, v1 payload betting: type com.opay.betting-airtime-status;
// id "<orderNo>:<orderStatus>"; subject and reference = merchantOrderNo;
// amount = orderAmount (in kobo, per the SDK); no currency or time (those
// fields are not signed).
//
// Event mapping, v2: type "com.opay." + lowercased body type (e.g.
// com.opay.macquiring_callback; com.opay.callback when absent); id =
// notifyId; subject and reference = reference; amount = amount.total and
// currency = amount.currency; time = timestamp (Unix ms).
//
// Status mapping (all schemes, case-insensitive): SUCCESS, SUCCESSFUL →
// succeeded; FAIL, FAILED → failed; PENDING, INITIAL, PROCESSING → pending;
// CLOSE, CLOSED → expired; anything else → unknown. In v1 transaction
// callbacks, refunded true → refunded whatever the status.
type OPay struct {
	// Secrets are the merchant's OPay private (secret) keys, OPAYPRV…; the
	// first one signs, any one verifies. Use placeholders: {env.NAME} or
	// {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Scheme is "v1" (default: the signature is the body's sha512 field)
	// or "v2" (the signature is the Authorization header).
	Scheme string `json:"scheme,omitempty"`

	// Payload selects the v1 signed string: "transaction" (default;
	// payment and transfer status callbacks) or "betting" (betting and
	// airtime top-up callbacks). v1 only.
	Payload string `json:"payload,omitempty"`

	// Tolerance is how far the v2 RequestTimestamp may be from now, in
	// either direction. Default 5m. It assumes that OPay signs every retry
	// afresh; if retries of an old callback are rejected with
	// timestamp_out_of_tolerance, raise it (up to 72h, OPay's retry
	// window) and deduplicate on the event id. v2 only.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// TimestampUnit is the unit of the v2 RequestTimestamp header: "ms"
	// (default; OPay's callbacks send Unix milliseconds, 13 digits) or "s"
	// (Unix seconds, 10 digits). The header must have exactly the unit's
	// digit count. v2 only.
	TimestampUnit string `json:"timestamp_unit,omitempty"`

	// MerchantID, when set, must equal the v2 MerchantId header. The
	// header is not signed, so this is a routing check, not
	// authentication. v2 only.
	MerchantID string `json:"merchant_id,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (OPay) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.opay",
		New: func() caddy.Module { return new(OPay) },
	}
}

// Provision checks the configuration and resolves the secrets.
func (v *OPay) Provision(caddy.Context) error {
	if err := v.check(); err != nil {
		return fmt.Errorf("opay: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("opay")
	if err != nil {
		return err
	}
	alg := webhookverify.SHA3512
	if v.Scheme == SchemeV2 {
		alg = webhookverify.SHA512
	}
	newHash, err := alg.New()
	if err != nil {
		return fmt.Errorf("opay: %w", err)
	}
	v.keys = webhookverify.NewHMACKeys(newHash, keys)
	return nil
}

// check fills in defaults and validates the scheme-specific options.
func (v *OPay) check() error {
	if v.Scheme == "" {
		v.Scheme = SchemeV1
	}
	switch v.Scheme {
	case SchemeV1:
		if v.Payload == "" {
			v.Payload = PayloadTransaction
		}
		if v.Payload != PayloadTransaction && v.Payload != PayloadBetting {
			return fmt.Errorf("unknown payload %q: use transaction or betting", v.Payload)
		}
		if v.Tolerance != 0 || v.MerchantID != "" || v.TimestampUnit != "" {
			return fmt.Errorf("tolerance, timestamp_unit and merchant_id apply to scheme v2 only: remove them, or set scheme v2")
		}
	case SchemeV2:
		if v.Payload != "" {
			return fmt.Errorf("payload applies to scheme v1 only: remove it, or set scheme v1")
		}
		if v.TimestampUnit == "" {
			v.TimestampUnit = UnitMillis
		}
		if v.TimestampUnit != UnitMillis && v.TimestampUnit != UnitSeconds {
			return fmt.Errorf("unknown timestamp_unit %q: use ms (Unix milliseconds, OPay's callbacks) or s (Unix seconds)", v.TimestampUnit)
		}
		if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown scheme %q: use v1 or v2", v.Scheme)
	}
	return nil
}

// Verify checks the callback's signature and returns the signed facts.
func (v *OPay) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "OPay"); err != nil {
		return webhookverify.Event{}, err
	}
	if v.Scheme == SchemeV2 {
		return v.verifyV2(r, body, now)
	}
	return v.verifyV1(body)
}

// verifyV1 checks the body-embedded signature.
func (v *OPay) verifyV1(body []byte) (webhookverify.Event, error) {
	cb, err := v.parseV1(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if !cb.hasSig {
		return webhookverify.Event{}, fmt.Errorf("%w: body field sha512", webhookverify.ErrMissingSignature)
	}
	var sig [macSize]byte
	if len(cb.sig) != 2*macSize {
		return webhookverify.Event{}, fmt.Errorf("%w: body field sha512 must be %d hex digits", webhookverify.ErrMalformedSignature, 2*macSize)
	}
	if _, err := hex.Decode(sig[:], []byte(cb.sig)); err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: body field sha512 is not hex", webhookverify.ErrMalformedSignature)
	}
	var buf [512]byte
	if !v.keys.Match([][]byte{sig[:]}, cb.message(buf[:0])) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return cb.event(sig[:]), nil
}

// verifyV2 checks the header signature.
func (v *OPay) verifyV2(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	ts := r.Header.Get(headerTimestamp)
	t, err := parseRequestTimestamp(ts, v.TimestampUnit)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", err, headerTimestamp)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	if v.MerchantID != "" && r.Header.Get(headerMerchantID) != v.MerchantID {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", ErrMerchantMismatch, headerMerchantID)
	}
	auth := webhookverify.TrimBearer(strings.TrimSpace(r.Header.Get(headerAuthorization)))
	if auth == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, headerAuthorization)
	}
	var sig [macSize]byte
	if len(auth) != 2*macSize {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s must be %d hex digits", webhookverify.ErrMalformedSignature, headerAuthorization, 2*macSize)
	}
	if _, err := hex.Decode(sig[:], []byte(auth)); err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not hex", webhookverify.ErrMalformedSignature, headerAuthorization)
	}
	if err := checkV2Body(body); err != nil {
		return webhookverify.Event{}, err
	}
	if !v.keys.Match([][]byte{sig[:]}, []byte(ts), body) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return eventV2(body), nil
}

// checkV2Body requires a v2 body to be a JSON object whose first byte is
// '{': the signed text is RequestTimestamp ‖ body with no separator, so a
// body starting with a digit would let digits move across the boundary.
func checkV2Body(body []byte) error {
	if len(body) == 0 || body[0] != '{' || !gjson.ValidBytes(body) {
		return fmt.Errorf("%w: a v2 callback body must be a JSON object starting with '{'", webhookverify.ErrMalformedBody)
	}
	return nil
}

// parseRequestTimestamp reads RequestTimestamp in the configured unit: it
// must be exactly 13 decimal digits for ms and 10 for s (Unix times from
// 2001 to 2286), no sign, no padding. The unit is never guessed from the
// length: the signature covers the header's text directly followed by the
// body, so a header that could be shorter or longer would let digits move
// between the two under the same MAC.
func parseRequestTimestamp(s, unit string) (time.Time, error) {
	if s == "" {
		return time.Time{}, webhookverify.ErrMissingTimestamp
	}
	want := 13
	if unit == UnitSeconds {
		want = 10
	}
	if len(s) != want {
		return time.Time{}, fmt.Errorf("%w: must be %d digits (Unix time in %s)", webhookverify.ErrMalformedTimestamp, want, unit)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, fmt.Errorf("%w: must be %d digits (Unix time in %s)", webhookverify.ErrMalformedTimestamp, want, unit)
		}
	}
	return webhookverify.ParseUnixTimestamp(s, unit != UnitSeconds)
}

// Sign produces what OPay would send, with the first secret. For v1 it
// returns body with its top-level sha512 field set (added when absent); the
// body must be a JSON object with a payload object. For v2 it sets the
// Authorization, RequestTimestamp (in timestamp_unit) and, when merchant_id is set,
// MerchantId headers, and returns body unchanged; the body must be a JSON
// object.
func (v *OPay) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if v.Scheme == SchemeV2 {
		if err := checkV2Body(body); err != nil {
			return nil, fmt.Errorf("opay: cannot sign: %w", err)
		}
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		if v.TimestampUnit == UnitSeconds {
			ts = strconv.FormatInt(now.Unix(), 10)
		}
		r.Header.Set(headerTimestamp, ts)
		if v.MerchantID != "" {
			r.Header.Set(headerMerchantID, v.MerchantID)
		}
		r.Header.Set(headerAuthorization, hex.EncodeToString(v.keys.Sign([]byte(ts), body)))
		return body, nil
	}
	cb, err := v.parseV1(body)
	if err != nil {
		return nil, fmt.Errorf("opay: cannot sign: %w", err)
	}
	sig := `"` + hex.EncodeToString(v.keys.Sign(cb.message(nil))) + `"`
	out := make([]byte, 0, len(body)+len(sig)+12)
	if existing := gjson.GetBytes(body, "sha512"); existing.Exists() {
		if existing.Index <= 0 {
			return nil, fmt.Errorf("opay: cannot sign: cannot locate the sha512 field")
		}
		out = append(out, body[:existing.Index]...)
		out = append(out, sig...)
		return v.checkSigned(sig, append(out, body[existing.Index+len(existing.Raw):]...))
	}
	end := bytes.LastIndexByte(body, '}')
	out = append(out, body[:end]...)
	out = append(out, `,"sha512":`...)
	out = append(out, sig...)
	return v.checkSigned(sig, append(out, body[end:]...))
}

// checkSigned returns the body produced by Sign once it has been read back
// with the signature sig (quoted) in place.
func (v *OPay) checkSigned(sig string, out []byte) ([]byte, error) {
	cb, err := v.parseV1(out)
	if err != nil || !cb.hasSig || `"`+cb.sig+`"` != sig {
		return nil, fmt.Errorf("opay: cannot sign: cannot place the sha512 field in this body")
	}
	return out, nil
}

// v1Callback holds the signed fields of a v1 callback.
type v1Callback struct {
	betting  bool
	sig      string // the sha512 field, undecoded
	hasSig   bool
	refunded bool
	seen     uint16 // bit i: fields[i] (names index) was present; bit seenExtra: refunded or orderAmount
	amount   string // betting: orderAmount as a decimal integer
	// transaction: amount, currency, reference, status, timestamp, token,
	// transactionId; betting: orderNo, merchantOrderNo, merchantId,
	// serviceType, orderStatus.
	fields [7]string
}

// seenExtra is the v1Callback.seen bit of refunded or orderAmount.
const seenExtra = 15

// The payload fields, in the index order of v1Callback.fields.
var (
	transactionFields = [...]string{"amount", "currency", "reference", "status", "timestamp", "token", "transactionId"}
	bettingFields     = [...]string{"orderNo", "merchantOrderNo", "merchantId", "serviceType", "orderStatus"}
)

// parseV1 reads a v1 body. It rejects duplicate keys, invalid JSON and
// signed fields of the wrong type or with ambiguous names.
func (v *OPay) parseV1(body []byte) (*v1Callback, error) {
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not valid UTF-8 JSON, or nested too deeply", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return nil, fmt.Errorf("%w: the body is not a JSON object", webhookverify.ErrMalformedBody)
	}
	cb := &v1Callback{betting: v.Payload == PayloadBetting}
	var payload gjson.Result
	var err error
	root.ForEach(func(key, val gjson.Result) bool {
		switch k := key.String(); {
		case k == "payload":
			payload = val
		case k == "sha512":
			if val.Type != gjson.String {
				err = fmt.Errorf("%w: body field sha512 is not a string", webhookverify.ErrMalformedSignature)
				return false
			}
			cb.sig, cb.hasSig = jsonString(val), true
		case strings.EqualFold(k, "payload") || strings.EqualFold(k, "sha512"):
			err = fmt.Errorf("%w: a top-level key differs from payload or sha512 only in case", webhookverify.ErrMalformedBody)
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if !payload.IsObject() {
		return nil, fmt.Errorf("%w: no payload object", webhookverify.ErrMalformedBody)
	}
	names := transactionFields[:]
	if cb.betting {
		names = bettingFields[:]
	}
	payload.ForEach(func(key, val gjson.Result) bool {
		err = cb.setField(names, key.String(), val)
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if cb.seen&(1<<seenExtra) == 0 {
		return nil, fmt.Errorf("%w: payload.%s is missing: every signed field must be present", webhookverify.ErrMalformedBody, cb.extraField())
	}
	for i, name := range names {
		if cb.seen&(1<<i) == 0 {
			return nil, fmt.Errorf("%w: payload.%s is missing: every signed field must be present", webhookverify.ErrMalformedBody, name)
		}
	}
	return cb, nil
}

// setField records one payload member if it is a signed field, refusing
// any JSON type but the documented one (null included).
func (cb *v1Callback) setField(names []string, k string, val gjson.Result) error {
	if cb.betting && k == "orderAmount" {
		if val.Type != gjson.Number {
			return fmt.Errorf("%w: payload.orderAmount is not a number", webhookverify.ErrMalformedBody)
		}
		// The SDK decodes orderAmount into an int and prints it with %d.
		n, err := strconv.ParseInt(val.Raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: payload.orderAmount is not an integer", webhookverify.ErrMalformedBody)
		}
		cb.amount = strconv.FormatInt(n, 10)
		cb.seen |= 1 << seenExtra
		return nil
	}
	if !cb.betting && k == "refunded" {
		switch val.Type {
		case gjson.True:
			cb.refunded = true
		case gjson.False:
			cb.refunded = false
		default:
			return fmt.Errorf("%w: payload.refunded is not a boolean (true or false)", webhookverify.ErrMalformedBody)
		}
		cb.seen |= 1 << seenExtra
		return nil
	}
	for i, name := range names {
		if k == name {
			if val.Type != gjson.String {
				return fmt.Errorf("%w: payload.%s is not a string", webhookverify.ErrMalformedBody, name)
			}
			cb.fields[i] = jsonString(val)
			cb.seen |= 1 << i
			return nil
		}
	}
	// A key that differs from a signed field only in case would be read as
	// that field by a case-insensitive decoder (Go's encoding/json, which
	// OPay's SDK uses), so it must not pass unsigned.
	for _, name := range names {
		if strings.EqualFold(k, name) {
			return fmt.Errorf("%w: a payload key differs from %s only in case", webhookverify.ErrMalformedBody, name)
		}
	}
	if extra := cb.extraField(); strings.EqualFold(k, extra) {
		return fmt.Errorf("%w: a payload key differs from %s only in case", webhookverify.ErrMalformedBody, extra)
	}
	return nil
}

// extraField is the signed field that is not a string: orderAmount or
// refunded.
func (cb *v1Callback) extraField() string {
	if cb.betting {
		return "orderAmount"
	}
	return "refunded"
}

// jsonString decodes a JSON string value exactly as encoding/json (and so
// OPay's Go SDK) does.
func jsonString(val gjson.Result) string {
	raw := val.Raw
	if len(raw) >= 2 && strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return val.Str
	}
	return s
}

// message appends the signed string to dst.
func (cb *v1Callback) message(dst []byte) []byte {
	f := &cb.fields
	if cb.betting {
		amount := cb.amount
		dst = append(dst, `{orderNo:"`...)
		dst = append(dst, f[0]...)
		dst = append(dst, `",merchantOrderNo:"`...)
		dst = append(dst, f[1]...)
		dst = append(dst, `",merchantId:"`...)
		dst = append(dst, f[2]...)
		dst = append(dst, `",orderAmount:"`...)
		dst = append(dst, amount...)
		dst = append(dst, `",serviceType:"`...)
		dst = append(dst, f[3]...)
		dst = append(dst, `",orderStatus:"`...)
		dst = append(dst, f[4]...)
		return append(dst, `"}`...)
	}
	refunded := "f"
	if cb.refunded {
		refunded = "t"
	}
	dst = append(dst, `{Amount:"`...)
	dst = append(dst, f[0]...)
	dst = append(dst, `",Currency:"`...)
	dst = append(dst, f[1]...)
	dst = append(dst, `",Reference:"`...)
	dst = append(dst, f[2]...)
	dst = append(dst, `",Refunded:`...)
	dst = append(dst, refunded...)
	dst = append(dst, `,Status:"`...)
	dst = append(dst, f[3]...)
	dst = append(dst, `",Timestamp:"`...)
	dst = append(dst, f[4]...)
	dst = append(dst, `",Token:"`...)
	dst = append(dst, f[5]...)
	dst = append(dst, `",TransactionID:"`...)
	dst = append(dst, f[6]...)
	return append(dst, `"}`...)
}

// event returns the signed facts of a verified v1 callback.
func (cb *v1Callback) event(sig []byte) webhookverify.Event {
	f := &cb.fields
	if cb.betting {
		ev := webhookverify.Event{
			Type:      TypeBettingAirtimeStatus,
			Subject:   f[1],
			Reference: f[1],
			Amount:    cb.amount,
			Status:    NormalizeStatus(f[4]),
		}
		if f[0] != "" {
			ev.ID = f[0] + ":" + f[4]
		} else {
			ev.ID = hex.EncodeToString(sig)
		}
		return ev
	}
	ev := webhookverify.Event{
		Type:      TypeTransactionStatus,
		Time:      webhookverify.ParseEventTime(f[4]),
		Subject:   f[2],
		Reference: f[2],
		Amount:    f[0],
		Currency:  f[1],
		Status:    NormalizeStatus(f[3]),
	}
	if f[6] != "" {
		ev.ID = f[6] + ":" + f[3]
		if cb.refunded {
			ev.ID += ":refunded"
		}
	} else {
		ev.ID = hex.EncodeToString(sig)
	}
	if cb.refunded {
		ev.Status = webhookverify.StatusRefunded
	}
	return ev
}

// eventV2 reads the facts of a verified v2 body, in one pass over its
// top-level members. All of it is signed. A body that is not a JSON object
// yields only the default type.
func eventV2(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: TypeCallback}
	if !gjson.ValidBytes(body) {
		return ev
	}
	var ts, currency string
	var amount gjson.Result
	gjson.ParseBytes(body).ForEach(func(key, val gjson.Result) bool {
		switch key.Str {
		case "notifyId":
			ev.ID = webhookverify.Scalar(val)
		case "type":
			if t := webhookverify.Scalar(val); webhookverify.IsTypeToken(t) {
				ev.Type = "com.opay." + strings.ToLower(t)
			}
		case "reference":
			ev.Subject = webhookverify.Scalar(val)
			ev.Reference = ev.Subject
		case "status":
			ev.Status = NormalizeStatus(webhookverify.Scalar(val))
		case "timestamp":
			ts = webhookverify.Scalar(val)
		case "amount":
			amount = val
		case "currency":
			currency = webhookverify.Scalar(val)
		}
		return true
	})
	if ts != "" {
		if t, err := webhookverify.ParseUnixTimestamp(ts, len(ts) >= 13); err == nil {
			ev.Time = t.UTC()
		} else {
			ev.Time = webhookverify.ParseEventTime(ts)
		}
	}
	if amount.IsObject() {
		ev.Amount = webhookverify.Scalar(amount.Get("total"))
		ev.Currency = webhookverify.Scalar(amount.Get("currency"))
	} else {
		ev.Amount = webhookverify.Scalar(amount)
		ev.Currency = currency
	}
	return ev
}

// statuses maps OPay's status words, uppercased.
var statuses = map[string]webhookverify.PaymentStatus{
	"SUCCESS":    webhookverify.StatusSucceeded,
	"SUCCESSFUL": webhookverify.StatusSucceeded,
	"FAIL":       webhookverify.StatusFailed,
	"FAILED":     webhookverify.StatusFailed,
	"PENDING":    webhookverify.StatusPending,
	"INITIAL":    webhookverify.StatusPending,
	"PROCESSING": webhookverify.StatusPending,
	"CLOSE":      webhookverify.StatusExpired,
	"CLOSED":     webhookverify.StatusExpired,
}

// NormalizeStatus maps an OPay status to a canonical status: "" when s is
// empty, unknown when OPay's word is not known.
func NormalizeStatus(s string) webhookverify.PaymentStatus {
	if s == "" {
		return ""
	}
	if p, ok := statuses[strings.ToUpper(s)]; ok {
		return p
	}
	return webhookverify.StatusUnknown
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify opay {
//	    secret <value>...              # required; OPay private key(s), e.g. {env.OPAY_SECRET_KEY}
//	    scheme v1|v2                   # default v1
//	    payload transaction|betting    # v1 only; default transaction
//	    tolerance <duration>           # v2 only; default 5m
//	    timestamp_unit ms|s            # v2 only; RequestTimestamp unit, default ms (13 digits; s: 10)
//	    merchant_id <id>               # v2 only; checked against the MerchantId header
//	}
func (v *OPay) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "scheme":
			if err := webhookverify.StringArg(d, &v.Scheme); err != nil {
				return err
			}
			if v.Scheme != SchemeV1 && v.Scheme != SchemeV2 {
				return d.Errf("scheme %q: use v1 (signature in the body's sha512 field) or v2 (Authorization header)", v.Scheme)
			}
		case "payload":
			if err := webhookverify.StringArg(d, &v.Payload); err != nil {
				return err
			}
			if v.Payload != PayloadTransaction && v.Payload != PayloadBetting {
				return d.Errf("payload %q: use transaction or betting", v.Payload)
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		case "merchant_id":
			if err := webhookverify.StringArg(d, &v.MerchantID); err != nil {
				return err
			}
		case "timestamp_unit":
			if err := webhookverify.StringArg(d, &v.TimestampUnit); err != nil {
				return err
			}
			if v.TimestampUnit != UnitMillis && v.TimestampUnit != UnitSeconds {
				return d.Errf("timestamp_unit %q: use ms (Unix milliseconds, 13 digits; OPay's callbacks) or s (Unix seconds, 10 digits)", v.TimestampUnit)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider opay: use secret, scheme, payload, tolerance, timestamp_unit or merchant_id", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("opay needs the merchant's private key: add 'secret {env.OPAY_SECRET_KEY}'")
	}
	if v.Scheme == SchemeV2 && v.Payload != "" {
		return d.Errf("opay: payload applies to scheme v1 only: remove it, or use scheme v1")
	}
	if v.Scheme != SchemeV2 && (v.Tolerance != 0 || v.MerchantID != "" || v.TimestampUnit != "") {
		return d.Errf("opay: tolerance, timestamp_unit and merchant_id apply to scheme v2 only: add 'scheme v2' or remove them")
	}
	return nil
}

// Covers implements webhookverify.Coverer: v1 signs the fields
// that make the event id, not the whole body; v2 signs the timestamp and the
// raw body.
func (v *OPay) Covers() webhookverify.Coverage {
	if v.Scheme == SchemeV2 {
		return webhookverify.Coverage{EventID: true, Body: true, Tolerance: time.Duration(v.Tolerance)}
	}
	return webhookverify.Coverage{EventID: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: v2's signature and timestamp.
func (v *OPay) CredentialHeaders() []string {
	if v.Scheme != SchemeV2 {
		return nil // v1 signs fields of the body
	}
	return []string{headerAuthorization, headerTimestamp}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*OPay)(nil)
	_ webhookverify.CredentialHeaderer = (*OPay)(nil)
	_ webhookverify.Coverer            = (*OPay)(nil)
	_ webhookverify.Signer             = (*OPay)(nil)
	_ caddy.Provisioner                = (*OPay)(nil)
	_ caddyfile.Unmarshaler            = (*OPay)(nil)
)
