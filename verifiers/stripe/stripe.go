// Package stripe provides the stripe verifier: Stripe's signed webhooks
// (the Stripe-Signature header).
package stripe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Stripe{})
}

// SignatureHeader is the header that carries Stripe's signature.
const SignatureHeader = "Stripe-Signature"

// DefaultTolerance is how far the signed timestamp may be from now when
// tolerance is not set; it is the default of Stripe's own libraries.
const DefaultTolerance = webhookverify.DefaultTolerance

// maxSignatures bounds how many v1 signatures one header may carry.
const maxSignatures = 16

// secretPrefix starts every Stripe webhook signing secret.
const secretPrefix = "whsec_"

// Stripe verifies Stripe webhooks. Stripe sends a POST with the header
//
//	Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]
//
// where each v1 is the lowercase hex HMAC-SHA256, keyed with the
// endpoint's signing secret (the whole "whsec_…" string, used as it is),
// of "<t>.<raw body>". The request passes when any v1 matches any
// configured secret (Stripe sends two v1 values while a rolled secret is
// still valid) and t is within the tolerance of now, in both directions.
// Other schemes (v0, test-mode extras) are ignored. The body must be a JSON
// object (400 otherwise); other methods than POST get 405.
//
// The whole body is signed, so every value of the event comes from
// Stripe. The Event is filled from the body as follows; each path can be
// overridden with the field-path subdirectives:
//
//   - ID: "id" (the event id, evt_…).
//   - Type: "com.stripe." + "type", e.g. com.stripe.payment_intent.succeeded.
//   - Time: "created" (Unix seconds; an RFC 3339 string is read too).
//   - Subject: "data.object.id", the id of the object the event is about
//     (pi_…, ch_…, cs_…, in_…, re_…).
//   - Amount: "data.object.amount", else "data.object.amount_total"
//     (Checkout Sessions), as the JSON number text. Stripe amounts are in
//     the currency's minor unit: "2000" with currency "usd" is $20.00.
//   - Currency: "data.object.currency", as Stripe writes it ("usd").
//   - Reference: "data.object.metadata.order_id" (a metadata key that the
//     merchant sets when creating the payment; an assumption, not a Stripe
//     field), else "data.object.client_reference_id" (Checkout Sessions).
//     Set reference_path to your own metadata key, e.g.
//     data.object.metadata.invoice_ref.
//   - Status: only for payment objects (data.object.object is
//     payment_intent, charge, refund, checkout.session, invoice or payout),
//     from data.object.status: succeeded, paid → succeeded;
//     requires_payment_method, canceled, failed, void, uncollectible →
//     failed; processing, pending, in_transit, requires_action,
//     requires_confirmation, requires_capture, open, draft → pending;
//     refunded → refunded; expired → expired; anything else → unknown. A
//     refund that succeeded is refunded; a charge with "refunded": true is
//     refunded; a Checkout Session uses payment_status (paid,
//     no_payment_required → succeeded; unpaid → pending, or expired when the
//     session expired). status_map entries (keyed by the Stripe word)
//     take precedence. With status_path set, the value at that path is
//     mapped with status_map, then the table above, for any object.
type Stripe struct {
	// Secrets are the endpoint signing secrets ("whsec_…", as shown in the
	// Dashboard or by `stripe listen`), used whole as the HMAC key; the
	// first one signs, any one verifies. A secret without the whsec_
	// prefix is accepted with a warning. Use placeholders:
	// {env.STRIPE_WEBHOOK_SECRET} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far the signed timestamp t may be from now, in
	// either direction. Default: 5m.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// Field paths override where the Event's values are read from the
	// body (gjson paths); empty ones keep the defaults described above.
	webhookverify.FieldPaths

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (Stripe) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.stripe",
		New: func() caddy.Module { return new(Stripe) },
	}
}

// Provision resolves the secrets and checks the configuration.
func (v *Stripe) Provision(caddy.Context) error {
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("stripe: %w", err)
	}
	if err := v.CheckStatusMap(); err != nil {
		return fmt.Errorf("stripe: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("stripe")
	if err != nil {
		return err
	}
	for i, k := range keys {
		if !bytes.HasPrefix(k, []byte(secretPrefix)) {
			// Stripe's secrets all start with whsec_, and the whole string
			// is the key: a secret without it is most likely cut short.
			caddy.Log().Named("webhook_verify.stripe").Warn("secret does not start with whsec_: use the whole signing secret shown for the endpoint in the Dashboard (or by `stripe listen`)",
				zap.Int("secret", i+1))
		}
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// signedHeader is a parsed Stripe-Signature header.
type signedHeader struct {
	timestamp  string   // t, as sent: it is part of the signed bytes
	signatures [][]byte // decodable v1 values
	undecoded  int      // v1 values that are not 32 bytes of hex
}

// parseHeader parses a Stripe-Signature value: comma-separated key=value
// pairs. It fails on an item without "=", on a repeated t, and on more
// than maxSignatures v1 values; unknown keys are ignored.
func parseHeader(value string) (signedHeader, error) {
	var sh signedHeader
	haveT := false
	for item := range strings.SplitSeq(value, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return sh, fmt.Errorf("%w: header %s: item without '='", webhookverify.ErrMalformedSignature, SignatureHeader)
		}
		switch key {
		case "t":
			if haveT {
				return sh, fmt.Errorf("%w: header %s: t given twice", webhookverify.ErrMalformedSignature, SignatureHeader)
			}
			haveT = true
			sh.timestamp = val
		case "v1":
			if len(sh.signatures)+sh.undecoded >= maxSignatures {
				return sh, fmt.Errorf("%w: header %s: more than %d v1 signatures", webhookverify.ErrMalformedSignature, SignatureHeader, maxSignatures)
			}
			if len(val) != 2*sha256.Size {
				sh.undecoded++
				continue
			}
			sig, err := hex.DecodeString(val)
			if err != nil {
				sh.undecoded++
				continue
			}
			sh.signatures = append(sh.signatures, sig)
		}
	}
	if !haveT {
		return sh, fmt.Errorf("%w: header %s has no t=", webhookverify.ErrMissingTimestamp, SignatureHeader)
	}
	return sh, nil
}

// Verify checks the Stripe-Signature header against the body.
func (v *Stripe) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Stripe"); err != nil {
		return webhookverify.Event{}, err
	}
	values := r.Header.Values(SignatureHeader)
	if len(values) == 0 || strings.TrimSpace(values[0]) == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, SignatureHeader)
	}
	if len(values) > 1 {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s given %d times", webhookverify.ErrMalformedSignature, SignatureHeader, len(values))
	}
	sh, err := parseHeader(values[0])
	if err != nil {
		return webhookverify.Event{}, err
	}
	t, err := webhookverify.ParseUnixTimestamp(sh.timestamp, false)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s, t=", err, SignatureHeader)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	if len(sh.signatures) == 0 {
		if sh.undecoded > 0 {
			return webhookverify.Event{}, fmt.Errorf("%w: header %s: no v1 value is 64 hex digits", webhookverify.ErrMalformedSignature, SignatureHeader)
		}
		return webhookverify.Event{}, fmt.Errorf("%w: header %s has no v1 signature", webhookverify.ErrMissingSignature, SignatureHeader)
	}
	if !v.keys.Match(sh.signatures, []byte(sh.timestamp), []byte{'.'}, body) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	if !webhookverify.IsJSONObject(body) {
		return webhookverify.Event{}, fmt.Errorf("%w: a Stripe event is a JSON object", webhookverify.ErrMalformedBody)
	}
	return v.event(body), nil
}

// event builds the Event of a verified Stripe body. A configured path is
// read from the whole body; the defaults are read from the top level and
// from data.object, which is located once.
func (v *Stripe) event(body []byte) webhookverify.Event {
	js := string(body) // one copy; the values below are substrings of it
	obj := gjson.Get(js, "data.object")
	top := func(configured, key string) string {
		if configured != "" {
			key = configured
		}
		return webhookverify.Scalar(gjson.Get(js, key))
	}
	inObject := func(configured string, keys ...string) string {
		if configured != "" {
			return webhookverify.Scalar(gjson.Get(js, configured))
		}
		for _, k := range keys {
			if s := webhookverify.Scalar(obj.Get(k)); s != "" {
				return s
			}
		}
		return ""
	}
	ev := webhookverify.Event{
		ID:        top(v.EventID, "id"),
		Time:      webhookverify.ParseEventTime(top(v.Time, "created")),
		Subject:   inObject(v.Subject, "id"),
		Amount:    inObject(v.Amount, "amount", "amount_total"),
		Currency:  inObject(v.Currency, "currency"),
		Reference: inObject(v.Reference, "metadata.order_id", "client_reference_id"),
	}
	if typ := top(v.Type, "type"); typ != "" {
		ev.Type = "com.stripe." + typ
	}
	if v.Status != "" {
		ev.Status = v.mapStatus(webhookverify.Scalar(gjson.Get(js, v.Status)), "")
	} else {
		word, kind := statusWord(obj)
		ev.Status = v.mapStatus(word, kind)
	}
	return ev
}

// paymentObjects are the Stripe object types whose status is a payment
// status.
var paymentObjects = map[string]bool{
	"payment_intent": true, "charge": true, "refund": true,
	"checkout.session": true, "invoice": true, "payout": true,
}

// statusWord returns the Stripe word that says how a payment object
// stands, and the object's type; "" for other objects.
func statusWord(obj gjson.Result) (word, kind string) {
	kind = obj.Get("object").String()
	if !paymentObjects[kind] {
		return "", kind
	}
	status := obj.Get("status").String()
	switch kind {
	case "checkout.session":
		ps := obj.Get("payment_status").String()
		if status == "expired" && ps != "paid" && ps != "no_payment_required" {
			return "expired", kind
		}
		return ps, kind
	case "charge":
		if obj.Get("refunded").Bool() {
			return "refunded", kind
		}
	}
	return status, kind
}

// stripeStatuses maps Stripe's status words to canonical statuses.
var stripeStatuses = map[string]webhookverify.PaymentStatus{
	"succeeded": webhookverify.StatusSucceeded, "paid": webhookverify.StatusSucceeded,
	"no_payment_required": webhookverify.StatusSucceeded,

	"requires_payment_method": webhookverify.StatusFailed, "canceled": webhookverify.StatusFailed,
	"failed": webhookverify.StatusFailed, "void": webhookverify.StatusFailed,
	"uncollectible": webhookverify.StatusFailed,

	"processing": webhookverify.StatusPending, "pending": webhookverify.StatusPending,
	"in_transit": webhookverify.StatusPending, "requires_action": webhookverify.StatusPending,
	"requires_confirmation": webhookverify.StatusPending, "requires_capture": webhookverify.StatusPending,
	"open": webhookverify.StatusPending, "draft": webhookverify.StatusPending,
	"unpaid": webhookverify.StatusPending,

	"refunded": webhookverify.StatusRefunded,
	"expired":  webhookverify.StatusExpired,
}

// mapStatus maps a Stripe status word: status_map first, then Stripe's
// table. An empty word is no status.
func (v *Stripe) mapStatus(word, kind string) webhookverify.PaymentStatus {
	if word == "" {
		return ""
	}
	if s, ok := v.StatusMap[word]; ok {
		return s
	}
	if kind == "refund" && word == "succeeded" {
		return webhookverify.StatusRefunded
	}
	if s, ok := stripeStatuses[word]; ok {
		return s
	}
	return webhookverify.StatusUnknown
}

// Sign sets the Stripe-Signature header as Stripe would, with the first
// secret and the time now.
func (v *Stripe) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := v.keys.Sign([]byte(ts), []byte{'.'}, body)
	r.Header.Set(SignatureHeader, "t="+ts+",v1="+hex.EncodeToString(mac))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify stripe {
//	    secret <whsec_…>...       # required; several = rotation
//	    tolerance <duration>      # default 5m
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <stripe status> <canonical status>
//	}
func (v *Stripe) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if ok, err := v.FieldPaths.UnmarshalCaddyfileOption(d); ok {
			if err != nil {
				return err
			}
			continue
		}
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider stripe: use secret, tolerance, a field path (reference_path …) or status_map", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("stripe needs the endpoint's signing secret: add 'secret {env.STRIPE_WEBHOOK_SECRET}'")
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer.
func (v *Stripe) CredentialHeaders() []string { return []string{SignatureHeader} }

// Covers implements webhookverify.Coverer: the signature covers the
// timestamp and the raw body, from which the event id is read.
func (v *Stripe) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Stripe)(nil)
	_ webhookverify.Coverer            = (*Stripe)(nil)
	_ webhookverify.CredentialHeaderer = (*Stripe)(nil)
	_ webhookverify.Signer             = (*Stripe)(nil)
	_ caddy.Provisioner                = (*Stripe)(nil)
	_ caddyfile.Unmarshaler            = (*Stripe)(nil)
)
