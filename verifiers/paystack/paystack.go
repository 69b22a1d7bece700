// Package paystack provides the paystack verifier: Paystack webhook events
// signed with the integration's secret key in x-paystack-signature.
package paystack

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

func init() {
	caddy.RegisterModule(Paystack{})
}

// SignatureHeader carries Paystack's signature: the hex HMAC-SHA512 of the
// raw body, keyed with the secret key.
const SignatureHeader = "X-Paystack-Signature"

// TypePrefix is the prefix of every event type this verifier reports.
const TypePrefix = "com.paystack."

// SourceIPs are the addresses Paystack documents as the only sources of its
// webhooks, the same in test and live mode. The verifier does not check
// them: IP filtering is the handler's allow_ips.
var SourceIPs = []string{"52.31.139.75", "52.49.173.169", "52.214.14.220"}

// statusMap maps Paystack's status words (transactions, transfers,
// refunds, invoices, payment requests) to canonical statuses.
var statusMap = map[string]webhookverify.PaymentStatus{
	"success":    webhookverify.StatusSucceeded,
	"failed":     webhookverify.StatusFailed,
	"abandoned":  webhookverify.StatusExpired,
	"reversed":   webhookverify.StatusRefunded,
	"processed":  webhookverify.StatusRefunded, // refund.processed
	"ongoing":    webhookverify.StatusPending,
	"pending":    webhookverify.StatusPending,
	"processing": webhookverify.StatusPending,
	"queued":     webhookverify.StatusPending,
	"otp":        webhookverify.StatusPending,
	"received":   webhookverify.StatusPending,
	"blocked":    webhookverify.StatusFailed,
	"rejected":   webhookverify.StatusFailed,
}

// paymentEvents are the event families whose data.status is the status of
// a payment. Other events (disputes, subscriptions, customer
// identification, dedicated accounts) carry statuses of other things.
var paymentEvents = []string{"charge.", "transfer.", "refund.", "invoice.", "paymentrequest."}

// Paystack verifies Paystack webhooks: a POST with a JSON body
// {"event": "...", "data": {...}} whose x-paystack-signature header is the
// hex HMAC-SHA512 of the raw body under the integration's secret key
// (sk_live_… or sk_test_…). Paystack has no separate webhook secret.
// Uppercase hex is accepted. Any other method is rejected with 405; a
// verified body that is not a JSON object with a string "event" is
// rejected with 400.
//
// Paystack sends webhooks only from 52.31.139.75, 52.49.173.169 and
// 52.214.14.220 (test and live). This verifier does not check the source;
// add the handler's allow-list next to the secret:
//
//	webhook_verify paystack {
//	    secret {env.PAYSTACK_SECRET_KEY}
//	    allow_ips 52.31.139.75 52.49.173.169 52.214.14.220
//	}
//
// The whole body is signed, so every field below is covered:
//
//   - type: "com.paystack." + event, e.g. "com.paystack.charge.success",
//     "com.paystack.transfer.failed", "com.paystack.refund.processed".
//   - id: event + ":" + data.id, e.g. "charge.success:302961". A retried
//     delivery keeps its id. Empty (the envelope then uses a digest) when
//     data.id is absent.
//   - status: data.status, for charge.* (not charge.dispute.*), transfer.*,
//     refund.*, invoice.* and paymentrequest.* events only: success →
//     succeeded; failed, blocked, rejected → failed; abandoned → expired;
//     reversed, processed (refunds) → refunded; pending, ongoing,
//     processing, queued, otp, received → pending; other words → the common
//     mapping, else unknown.
//   - amount: data.amount unchanged, in the currency's minor unit (kobo
//     for NGN, pesewas for GHS, cents for ZAR, KES and USD): 10000 is
//     NGN 100.00.
//   - currency: data.currency, e.g. "NGN".
//   - reference and subject: data.reference, the transaction reference
//     (the merchant's own when it supplied one).
//   - time: data.paid_at, else data.created_at.
type Paystack struct {
	// Secrets are the Paystack secret keys; the first one signs, any one
	// verifies (rotation). Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	hmac *generic.HMAC
}

// CaddyModule returns the Caddy module information.
func (Paystack) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.paystack",
		New: func() caddy.Module { return new(Paystack) },
	}
}

// Provision resolves the secrets.
func (v *Paystack) Provision(ctx caddy.Context) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("paystack: no secret configured: add 'secret {env.PAYSTACK_SECRET_KEY}' to the webhook_verify block (JSON: \"secrets\")")
	}
	v.hmac = &generic.HMAC{
		Secrets:   v.Secrets,
		Header:    SignatureHeader,
		Algorithm: webhookverify.SHA512,
		Encoding:  webhookverify.Hex,
		FieldPaths: webhookverify.FieldPaths{
			Type:      "event",
			EventID:   "data.id",
			Status:    "data.status",
			StatusMap: statusMap,
			Amount:    "data.amount",
			Currency:  "data.currency",
			Reference: "data.reference",
			Subject:   "data.reference",
			Time:      "data.paid_at",
		},
	}
	if err := v.hmac.Provision(ctx); err != nil {
		return fmt.Errorf("paystack: %w", err)
	}
	return nil
}

// Verify checks the method, the signature and the body's shape, and reads
// the event.
func (v *Paystack) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if r.Method != http.MethodPost {
		return webhookverify.Event{}, fmt.Errorf("%w: paystack sends POST, got %s", webhookverify.ErrMethodNotAllowed, r.Method)
	}
	ev, err := v.hmac.Verify(r, body, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	// ev.Type is the "event" string; FieldPaths leaves it empty when the
	// body is not JSON or has no "event".
	event := ev.Type
	if !webhookverify.IsTypeToken(event) || gjson.GetBytes(body, "event").Type != gjson.String {
		return webhookverify.Event{}, fmt.Errorf("%w: paystack sends a JSON object with a string \"event\"", webhookverify.ErrMalformedBody)
	}
	ev.Type = TypePrefix + event
	if ev.ID != "" {
		ev.ID = event + ":" + ev.ID
	}
	if !isPaymentEvent(event) {
		ev.Status = ""
	}
	if ev.Time.IsZero() {
		ev.Time = webhookverify.ParseEventTime(gjson.GetBytes(body, "data.created_at").String())
	}
	return ev, nil
}

func isPaymentEvent(event string) bool {
	if strings.HasPrefix(event, "charge.dispute.") {
		return false
	}
	for _, p := range paymentEvents {
		if strings.HasPrefix(event, p) {
			return true
		}
	}
	return false
}

// Sign sets x-paystack-signature as Paystack would, with the first secret.
func (v *Paystack) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	return v.hmac.Sign(r, body, now)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify paystack {
//	    secret <value>...   # required; the secret key; several = rotation
//	}
//
// Add "allow_ips 52.31.139.75 52.49.173.169 52.214.14.220" (a handler
// subdirective) to accept only Paystack's documented sources.
func (v *Paystack) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d, "unrecognized subdirective %q for provider paystack: it takes only 'secret <value>' (the scheme is fixed); restrict sources with 'allow_ips "+strings.Join(SourceIPs, " ")+"'",
		"paystack needs the secret key: add 'secret {env.PAYSTACK_SECRET_KEY}'")
}

// Covers implements webhookverify.Coverer: the HMAC covers the raw
// body, from which the event id is read.
func (v *Paystack) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Paystack)(nil)
	_ webhookverify.Coverer  = (*Paystack)(nil)
	_ webhookverify.Signer   = (*Paystack)(nil)
	_ caddy.Provisioner      = (*Paystack)(nil)
	_ caddyfile.Unmarshaler  = (*Paystack)(nil)
)
