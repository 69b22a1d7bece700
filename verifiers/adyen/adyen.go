// Package adyen verifies Adyen webhooks: standard notifications (payments),
// whose notification items each carry an HMAC-SHA256 of eight of their
// fields in additionalData.hmacSignature, and, with scheme banking, the
// Balance Platform and Management webhooks, whose HmacSignature header is an
// HMAC-SHA256 of the raw body.
package adyen

import (
	"crypto/sha256"
	"encoding/base64"
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
	caddy.RegisterModule(Adyen{})
}

// The schemes.
const (
	// SchemeNotification: standard notifications, one signature per
	// notification item, in the body.
	SchemeNotification = "notification"
	// SchemeBanking: Balance Platform (banking) and Management webhooks,
	// one signature of the raw body in the HmacSignature header.
	SchemeBanking = "banking"
)

// HeaderHmacSignature carries the banking scheme's signature.
const HeaderHmacSignature = "HmacSignature"

// The event types.
const (
	// TypePrefix prefixes every type: a standard notification's type is
	// "com.adyen." + lowercased eventCode (com.adyen.authorisation); a
	// banking webhook's is "com.adyen." + its type (com.adyen.balanceplatform.transfer.updated).
	TypePrefix = "com.adyen."
	// TypeNotification is the type of a notification whose eventCode is not
	// a plain token.
	TypeNotification = "com.adyen.notification"
	// TypeWebhook is the type of a banking webhook without a usable type.
	TypeWebhook = "com.adyen.webhook"
)

// macSize is the size of an HMAC-SHA256.
const macSize = sha256.Size

// Adyen verifies Adyen webhooks. The configuration fixes the scheme; the
// request never chooses it.
//
// Scheme notification (default): the body is a standard notification,
// {"live":"…","notificationItems":[{"NotificationRequestItem":{…}},…]}.
// Each item's additionalData.hmacSignature is the base64 HMAC-SHA256,
// keyed with the hex-decoded HMAC key, of
//
//	pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:amount.currency:eventCode:success
//
// where an absent (or null) field is empty and amount.value is the integer
// in minor units, in decimal. Every item must verify. Only those eight
// fields are signed: eventDate, reason, paymentMethod, the rest of
// additionalData and everything outside the items are not, and none of them
// reaches the event. The signed string has no escaping, so a ':' inside a
// field could move text from one field to the next; the verifier therefore
// refuses a ':' in any signed field but merchantReference (Adyen's own
// references never contain one), which keeps the fields apart. Because the
// signature covers parsed fields and not the bytes, a body that repeats a
// JSON key, a signed key written in another case, a non-integer
// amount.value or a signed field of the wrong JSON type is refused (400).
//
// Scheme banking: the HmacSignature header is the base64 HMAC-SHA256,
// keyed with the hex-decoded HMAC key, of the raw body. Every byte is
// signed; the body need not be JSON.
//
// Adyen signs no sending time, so a captured webhook can be replayed at any
// time: deduplicate on the event id. Adyen only POSTs: other methods get
// 405.
//
// Event mapping, notification (from the first item; all items verified):
// id "<pspReference>:<eventCode>:<success>" for one item, which every retry
// of that notification keeps, and for several items "batch:" followed by a
// digest of every item's id; type "com.adyen." + lowercased eventCode;
// subject and reference = merchantReference; amount = amount.value (minor
// units) and currency = amount.currency; status from eventCode and success
// (see NormalizeStatus). No time: eventDate is not signed.
//
// Event mapping, banking: type "com.adyen." + the body's type, lowercased;
// time = the body's timestamp, else createdAt (when RFC 3339); no id (the
// body digest is used: every byte is signed).
type Adyen struct {
	// Secrets are the HMAC keys from the Customer Area (webhook settings),
	// as the hex strings Adyen shows; the first one signs, any one
	// verifies (rotation). Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Scheme is "notification" (default; standard notifications, the
	// signature in each item) or "banking" (Balance Platform and Management
	// webhooks, the signature in the HmacSignature header).
	Scheme string `json:"scheme,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Adyen) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.adyen",
		New: func() caddy.Module { return new(Adyen) },
	}
}

// Provision checks the scheme and resolves and hex-decodes the keys.
func (v *Adyen) Provision(caddy.Context) error {
	if v.Scheme == "" {
		v.Scheme = SchemeNotification
	}
	if v.Scheme != SchemeNotification && v.Scheme != SchemeBanking {
		return fmt.Errorf("adyen: unknown scheme %q: use notification or banking", v.Scheme)
	}
	raw, err := v.Secrets.ResolveRequired("adyen")
	if err != nil {
		return err
	}
	keys := make([][]byte, len(raw))
	for i, s := range raw {
		k, err := hex.DecodeString(strings.TrimSpace(string(s)))
		if err != nil || len(k) == 0 {
			// Never show the value: it is the key.
			return fmt.Errorf("adyen: secret #%d is not a hex HMAC key: give the key exactly as the Customer Area shows it (hex digits)", i+1)
		}
		keys[i] = k
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// Verify checks the method and the signatures, and returns the signed facts.
func (v *Adyen) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Adyen"); err != nil {
		return webhookverify.Event{}, err
	}
	if v.Scheme == SchemeBanking {
		return v.verifyBanking(r, body)
	}
	return v.verifyNotification(body)
}

// decodeSig decodes a base64 HMAC-SHA256 (standard alphabet, padded).
func decodeSig(s string, dst *[macSize]byte) bool {
	if len(s) != base64.StdEncoding.EncodedLen(macSize) {
		return false
	}
	n, err := base64.StdEncoding.Strict().Decode(dst[:], []byte(s))
	return err == nil && n == macSize
}

// verifyBanking checks the HmacSignature header over the raw body.
func (v *Adyen) verifyBanking(r *http.Request, body []byte) (webhookverify.Event, error) {
	value := strings.TrimSpace(r.Header.Get(HeaderHmacSignature))
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderHmacSignature)
	}
	var sig [macSize]byte
	if !decodeSig(value, &sig) {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, HeaderHmacSignature)
	}
	if !v.keys.Match([][]byte{sig[:]}, body) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return bankingEvent(body), nil
}

// bankingEvent reads the type and time of a verified banking body.
func bankingEvent(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: TypeWebhook}
	if !webhookverify.IsJSONObject(body) {
		return ev
	}
	var typ, ts, created string
	gjson.ParseBytes(body).ForEach(func(key, val gjson.Result) bool {
		switch key.Str {
		case "type":
			typ = webhookverify.Scalar(val)
		case "timestamp":
			ts = webhookverify.Scalar(val)
		case "createdAt":
			created = webhookverify.Scalar(val)
		}
		return true
	})
	if webhookverify.IsTypeToken(typ) {
		ev.Type = TypePrefix + strings.ToLower(typ)
	}
	if ev.Time = parseTime(ts); ev.Time.IsZero() {
		ev.Time = parseTime(created)
	}
	return ev
}

// parseTime parses an RFC 3339 time; anything else is no time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// The signed fields of a notification item, in signing order; value and
// currency live in the amount object.
const (
	fPSP = iota
	fOriginal
	fMerchantAccount
	fMerchantRef
	fValue
	fCurrency
	fEventCode
	fSuccess
	nFields
)

// itemKeys are the signed top-level keys of an item (value and currency
// are read from amount).
var itemKeys = [nFields]string{"pspReference", "originalReference", "merchantAccountCode", "merchantReference", "", "", "eventCode", "success"}

// item is one parsed notification item.
type item struct {
	f      [nFields]string
	sig    [macSize]byte
	hasSig bool
}

// message appends the signed string to dst.
func (it *item) message(dst []byte) []byte {
	for i, s := range it.f {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, s...)
	}
	return dst
}

// id is the item's event id.
func (it *item) id() string {
	return it.f[fPSP] + ":" + it.f[fEventCode] + ":" + it.f[fSuccess]
}

// verifyNotification checks every item of a standard notification.
func (v *Adyen) verifyNotification(body []byte) (webhookverify.Event, error) {
	items, err := parseNotification(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	for i := range items {
		if !items[i].hasSig {
			return webhookverify.Event{}, fmt.Errorf("%w: notificationItems[%d] has no additionalData.hmacSignature", webhookverify.ErrMissingSignature, i)
		}
	}
	var buf [512]byte
	for i := range items {
		if !v.keys.Match([][]byte{items[i].sig[:]}, items[i].message(buf[:0])) {
			return webhookverify.Event{}, fmt.Errorf("%w: notificationItems[%d]", webhookverify.ErrInvalidSignature, i)
		}
	}
	return notificationEvent(items), nil
}

// parseNotification reads the items of a standard notification. The
// signature of an item is decoded here; a malformed one fails at once.
func parseNotification(body []byte) ([]item, error) {
	if !webhookverify.IsJSONObject(body) {
		return nil, fmt.Errorf("%w: not a JSON object", webhookverify.ErrMalformedBody)
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	var list gjson.Result
	var err error
	gjson.ParseBytes(body).ForEach(func(key, val gjson.Result) bool {
		switch {
		case key.Str == "notificationItems":
			list = val
		case strings.EqualFold(key.Str, "notificationItems"):
			err = fmt.Errorf("%w: a key differs from notificationItems only in case", webhookverify.ErrMalformedBody)
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if !list.IsArray() {
		return nil, fmt.Errorf("%w: no notificationItems array", webhookverify.ErrMalformedBody)
	}
	var items []item
	list.ForEach(func(_, wrapper gjson.Result) bool {
		var it item
		it, err = parseItem(wrapper, len(items))
		items = append(items, it)
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: notificationItems is empty", webhookverify.ErrMalformedBody)
	}
	return items, nil
}

// parseItem reads {"NotificationRequestItem":{…}}.
func parseItem(wrapper gjson.Result, n int) (item, error) {
	var it item
	if !wrapper.IsObject() {
		return it, fmt.Errorf("%w: notificationItems[%d] is not an object", webhookverify.ErrMalformedBody, n)
	}
	var nri gjson.Result
	var err error
	wrapper.ForEach(func(key, val gjson.Result) bool {
		switch {
		case key.Str == "NotificationRequestItem":
			nri = val
		case strings.EqualFold(key.Str, "NotificationRequestItem"):
			err = fmt.Errorf("%w: notificationItems[%d]: a key differs from NotificationRequestItem only in case", webhookverify.ErrMalformedBody, n)
		}
		return err == nil
	})
	if err != nil {
		return it, err
	}
	if !nri.IsObject() {
		return it, fmt.Errorf("%w: notificationItems[%d] has no NotificationRequestItem object", webhookverify.ErrMalformedBody, n)
	}
	var amount, additional gjson.Result
	nri.ForEach(func(key, val gjson.Result) bool {
		k := key.Str
		switch k {
		case "amount":
			amount = val
			return true
		case "additionalData":
			additional = val
			return true
		}
		for i, name := range itemKeys {
			if name == "" {
				continue
			}
			if k == name {
				it.f[i], err = stringField(val, n, name)
				return err == nil
			}
			if strings.EqualFold(k, name) {
				err = fmt.Errorf("%w: notificationItems[%d]: a key differs from %s only in case", webhookverify.ErrMalformedBody, n, name)
				return false
			}
		}
		if strings.EqualFold(k, "amount") || strings.EqualFold(k, "additionalData") {
			err = fmt.Errorf("%w: notificationItems[%d]: a key differs from %s only in case", webhookverify.ErrMalformedBody, n, k)
			return false
		}
		return true
	})
	if err != nil {
		return it, err
	}
	if err := it.readAmount(amount, n); err != nil {
		return it, err
	}
	for i, s := range it.f {
		if i != fMerchantRef && strings.IndexByte(s, ':') >= 0 {
			return it, fmt.Errorf("%w: notificationItems[%d]: a signed field other than merchantReference contains ':'", webhookverify.ErrMalformedBody, n)
		}
	}
	if err := it.readSignature(additional, n); err != nil {
		return it, err
	}
	return it, nil
}

// stringField reads a signed string field: a string, or null (empty).
func stringField(val gjson.Result, n int, name string) (string, error) {
	switch val.Type {
	case gjson.String:
		return val.Str, nil
	case gjson.Null:
		return "", nil
	}
	return "", fmt.Errorf("%w: notificationItems[%d].%s is not a string", webhookverify.ErrMalformedBody, n, name)
}

// readAmount reads amount.value (an integer, printed in decimal) and
// amount.currency. An absent amount or value is empty.
func (it *item) readAmount(amount gjson.Result, n int) error {
	switch {
	case !amount.Exists() || amount.Type == gjson.Null:
		return nil
	case !amount.IsObject():
		return fmt.Errorf("%w: notificationItems[%d].amount is not an object", webhookverify.ErrMalformedBody, n)
	}
	var err error
	amount.ForEach(func(key, val gjson.Result) bool {
		switch key.Str {
		case "value":
			switch val.Type {
			case gjson.Null:
			case gjson.Number:
				v, perr := strconv.ParseInt(val.Raw, 10, 64)
				if perr != nil {
					err = fmt.Errorf("%w: notificationItems[%d].amount.value is not an integer", webhookverify.ErrMalformedBody, n)
					return false
				}
				it.f[fValue] = strconv.FormatInt(v, 10)
			default:
				err = fmt.Errorf("%w: notificationItems[%d].amount.value is not a number", webhookverify.ErrMalformedBody, n)
			}
		case "currency":
			it.f[fCurrency], err = stringField(val, n, "amount.currency")
		default:
			if strings.EqualFold(key.Str, "value") || strings.EqualFold(key.Str, "currency") {
				err = fmt.Errorf("%w: notificationItems[%d].amount: a key differs from %s only in case", webhookverify.ErrMalformedBody, n, strings.ToLower(key.Str))
			}
		}
		return err == nil
	})
	return err
}

// readSignature decodes additionalData.hmacSignature, if present.
func (it *item) readSignature(additional gjson.Result, n int) error {
	if !additional.IsObject() {
		return nil
	}
	sig := additional.Get("hmacSignature")
	switch sig.Type {
	case gjson.Null:
		return nil
	case gjson.String:
	default:
		return fmt.Errorf("%w: notificationItems[%d].additionalData.hmacSignature is not a string", webhookverify.ErrMalformedSignature, n)
	}
	if sig.Str == "" {
		return nil
	}
	if !decodeSig(sig.Str, &it.sig) {
		return fmt.Errorf("%w: notificationItems[%d].additionalData.hmacSignature is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, n)
	}
	it.hasSig = true
	return nil
}

// notificationEvent returns the facts of verified items: the first item's,
// with an id that names every item.
func notificationEvent(items []item) webhookverify.Event {
	first := &items[0]
	ev := webhookverify.Event{
		ID:        first.id(),
		Type:      TypeNotification,
		Subject:   first.f[fMerchantRef],
		Reference: first.f[fMerchantRef],
		Amount:    first.f[fValue],
		Currency:  first.f[fCurrency],
		Status:    NormalizeStatus(first.f[fEventCode], first.f[fSuccess]),
	}
	if code := first.f[fEventCode]; webhookverify.IsTypeToken(code) {
		ev.Type = TypePrefix + strings.ToLower(code)
	}
	if len(items) > 1 {
		h := sha256.New()
		for i := range items {
			h.Write([]byte(items[i].id()))
			h.Write([]byte{'\n'})
		}
		ev.ID = "batch:" + hex.EncodeToString(h.Sum(nil)[:16])
	}
	return ev
}

// Event codes by the status they give when success is "true".
var statusOnSuccess = map[string]webhookverify.PaymentStatus{
	"AUTHORISATION":                     webhookverify.StatusSucceeded,
	"CAPTURE":                           webhookverify.StatusSucceeded,
	"ORDER_CLOSED":                      webhookverify.StatusSucceeded,
	"AUTHORISATION_ADJUSTMENT":          webhookverify.StatusSucceeded,
	"PENDING":                           webhookverify.StatusPending,
	"ORDER_OPENED":                      webhookverify.StatusPending,
	"REFUND":                            webhookverify.StatusRefunded,
	"REFUND_WITH_DATA":                  webhookverify.StatusRefunded,
	"CANCEL_OR_REFUND":                  webhookverify.StatusRefunded,
	"CHARGEBACK":                        webhookverify.StatusRefunded,
	"CANCELLATION":                      webhookverify.StatusFailed,
	"TECHNICAL_CANCEL":                  webhookverify.StatusFailed,
	"CAPTURE_FAILED":                    webhookverify.StatusFailed,
	"REFUND_FAILED":                     webhookverify.StatusFailed,
	"OFFER_CLOSED":                      webhookverify.StatusExpired,
	"EXPIRE":                            webhookverify.StatusExpired,
	"MANUAL_REVIEW_REJECT":              webhookverify.StatusFailed,
	"MANUAL_REVIEW_ACCEPT":              webhookverify.StatusSucceeded,
	"SECOND_CHARGEBACK":                 webhookverify.StatusRefunded,
	"CHARGEBACK_REVERSED":               webhookverify.StatusSucceeded,
	"PREARBITRATION_WON":                webhookverify.StatusSucceeded,
	"PREARBITRATION_LOST":               webhookverify.StatusRefunded,
	"REFUNDED_REVERSED":                 webhookverify.StatusSucceeded,
	"VOID_PENDING_REFUND":               webhookverify.StatusFailed,
	"ISSUER_RESPONSE_TIMEFRAME_EXPIRED": webhookverify.StatusExpired,
}

// NormalizeStatus maps an eventCode and success flag to a canonical
// status: success "false" → failed (the operation the event reports did
// not happen); success "true" → by event code (AUTHORISATION, CAPTURE,
// ORDER_CLOSED → succeeded; REFUND, CANCEL_OR_REFUND, REFUND_WITH_DATA,
// CHARGEBACK → refunded; CANCELLATION, TECHNICAL_CANCEL, CAPTURE_FAILED,
// REFUND_FAILED → failed; OFFER_CLOSED, EXPIRE → expired; PENDING →
// pending; …); any other code → unknown. Empty when eventCode is empty.
func NormalizeStatus(eventCode, success string) webhookverify.PaymentStatus {
	if eventCode == "" {
		return ""
	}
	switch strings.ToLower(success) {
	case "false":
		return webhookverify.StatusFailed
	case "true":
		if s, ok := statusOnSuccess[strings.ToUpper(eventCode)]; ok {
			return s
		}
	}
	return webhookverify.StatusUnknown
}

// Sign produces what Adyen would send, with the first key. Scheme banking
// sets the HmacSignature header over body. Scheme notification returns the
// body with additionalData.hmacSignature set in every item (the body is
// re-encoded: key order and spacing change, values do not); it fails when
// body is not a standard notification.
func (v *Adyen) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	if v.Scheme == SchemeBanking {
		r.Header.Set(HeaderHmacSignature, base64.StdEncoding.EncodeToString(v.keys.Sign(body)))
		return body, nil
	}
	items, err := parseNotification(body)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: not JSON", webhookverify.ErrMalformedBody)
	}
	list, _ := doc["notificationItems"].([]any)
	for i := range items {
		wrapper, _ := list[i].(map[string]any)
		nri, _ := wrapper["NotificationRequestItem"].(map[string]any)
		if nri == nil {
			return nil, fmt.Errorf("%w: notificationItems[%d]", webhookverify.ErrMalformedBody, i)
		}
		add, _ := nri["additionalData"].(map[string]any)
		if add == nil {
			add = map[string]any{}
			nri["additionalData"] = add
		}
		var buf [512]byte
		add["hmacSignature"] = base64.StdEncoding.EncodeToString(v.keys.Sign(items[i].message(buf[:0])))
	}
	return json.Marshal(doc)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify adyen {
//	    secret <hex key>...            # required; the HMAC key(s), e.g. {env.ADYEN_HMAC_KEY}
//	    scheme notification|banking    # default notification
//	}
func (v *Adyen) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
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
			if v.Scheme != SchemeNotification && v.Scheme != SchemeBanking {
				return d.Errf("scheme %q: use notification (standard notifications, signature in each item) or banking (HmacSignature header)", v.Scheme)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider adyen: use secret or scheme", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("adyen needs the webhook's HMAC key: add 'secret {env.ADYEN_HMAC_KEY}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: notifications sign the fields
// that make the event id, not the body; banking webhooks sign the body.
func (v *Adyen) Covers() webhookverify.Coverage {
	if v.Scheme == SchemeBanking {
		return webhookverify.Coverage{Body: true}
	}
	return webhookverify.Coverage{EventID: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the banking scheme's signature header.
func (v *Adyen) CredentialHeaders() []string {
	if v.Scheme == SchemeBanking {
		return []string{HeaderHmacSignature}
	}
	return nil // notifications carry theirs in the body
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Adyen)(nil)
	_ webhookverify.CredentialHeaderer = (*Adyen)(nil)
	_ webhookverify.Coverer            = (*Adyen)(nil)
	_ webhookverify.Signer             = (*Adyen)(nil)
	_ caddy.Provisioner                = (*Adyen)(nil)
	_ caddyfile.Unmarshaler            = (*Adyen)(nil)
)
