// Package shopify provides the shopify verifier: Shopify webhooks signed
// with the app's client secret in X-Shopify-Hmac-Sha256.
package shopify

import (
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

func init() {
	caddy.RegisterModule(Shopify{})
}

// SignatureHeader carries Shopify's signature: the base64 HMAC-SHA256 of
// the raw body, keyed with the app's client secret.
const SignatureHeader = "X-Shopify-Hmac-Sha256"

// EventType is the type of every event this verifier reports.
const EventType = "com.shopify.webhook"

// statusMap maps an order's financial_status to canonical statuses.
var statusMap = map[string]webhookverify.PaymentStatus{
	"pending":            webhookverify.StatusPending,
	"authorized":         webhookverify.StatusPending,
	"partially_paid":     webhookverify.StatusPending,
	"paid":               webhookverify.StatusSucceeded,
	"partially_refunded": webhookverify.StatusRefunded,
	"refunded":           webhookverify.StatusRefunded,
	"voided":             webhookverify.StatusFailed,
	"expired":            webhookverify.StatusExpired,
}

// Shopify verifies Shopify webhooks: a POST whose X-Shopify-Hmac-Sha256
// header is the base64 HMAC-SHA256 of the raw body, keyed with the app's
// client secret (API secret key), or, for webhooks created in the store
// admin, the signing key shown there. Base64 with or without padding is
// accepted. Any other method is rejected with 405. Bodies in JSON and in
// XML (the other format Shopify offers) verify alike.
//
// Shopify signs only the body. X-Shopify-Topic, X-Shopify-Webhook-Id,
// X-Shopify-Event-Id, X-Shopify-Shop-Domain and X-Shopify-Triggered-At are
// not covered, so none of them is promoted into the envelope:
//
//   - type: "com.shopify.webhook" (the topic is only in the unsigned
//     X-Shopify-Topic header).
//   - id: empty, so the envelope uses the digest of the body; a retried
//     delivery (same body) keeps the same id.
//   - status: the order's financial_status, when the body is a JSON object
//     with one (order topics): paid → succeeded; pending, authorized,
//     partially_paid → pending; refunded, partially_refunded → refunded;
//     voided → failed; expired → expired; other words → the common
//     mapping, else unknown.
//   - amount: the top-level total_price unchanged, a decimal string in the
//     shop currency's major unit (e.g. "199.00"), when present.
//   - currency: the top-level currency (e.g. "USD"), when present.
//   - time, subject, reference: empty.
type Shopify struct {
	// Secrets are the client secrets (or admin signing keys); the first one
	// signs, any one verifies (rotation). Use placeholders: {env.NAME} or
	// {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	hmac *generic.HMAC
}

// CaddyModule returns the Caddy module information.
func (Shopify) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.shopify",
		New: func() caddy.Module { return new(Shopify) },
	}
}

// Provision resolves the secrets.
func (v *Shopify) Provision(ctx caddy.Context) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("shopify: no secret configured: add 'secret {env.SHOPIFY_API_SECRET}' to the webhook_verify block (JSON: \"secrets\")")
	}
	v.hmac = &generic.HMAC{
		Secrets:   v.Secrets,
		Header:    SignatureHeader,
		Algorithm: webhookverify.SHA256,
		Encoding:  webhookverify.Base64,
		FieldPaths: webhookverify.FieldPaths{
			Status:    "financial_status",
			StatusMap: statusMap,
			Amount:    "total_price",
			Currency:  "currency",
		},
	}
	if err := v.hmac.Provision(ctx); err != nil {
		return fmt.Errorf("shopify: %w", err)
	}
	return nil
}

// Verify checks the method and the signature, and reads the order's
// payment facts.
func (v *Shopify) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if r.Method != http.MethodPost {
		return webhookverify.Event{}, fmt.Errorf("%w: shopify sends POST, got %s", webhookverify.ErrMethodNotAllowed, r.Method)
	}
	ev, err := v.hmac.Verify(r, body, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	return webhookverify.Event{
		Type:     EventType,
		Status:   ev.Status,
		Amount:   ev.Amount,
		Currency: ev.Currency,
	}, nil
}

// Sign sets X-Shopify-Hmac-Sha256 as Shopify would, with the first secret.
func (v *Shopify) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	return v.hmac.Sign(r, body, now)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify shopify {
//	    secret <value>...   # required; the client secret; several = rotation
//	}
func (v *Shopify) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d, "unrecognized subdirective %q for provider shopify: it takes only 'secret <value>' (the scheme is fixed)",
		"shopify needs the client secret: add 'secret {env.SHOPIFY_API_SECRET}'")
}

// Covers implements webhookverify.Coverer: the HMAC covers the raw
// body, from which the event id is read.
func (v *Shopify) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Shopify)(nil)
	_ webhookverify.Coverer  = (*Shopify)(nil)
	_ webhookverify.Signer   = (*Shopify)(nil)
	_ caddy.Provisioner      = (*Shopify)(nil)
	_ caddyfile.Unmarshaler  = (*Shopify)(nil)
)
