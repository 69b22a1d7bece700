// Package github provides the github verifier: GitHub webhook deliveries
// signed with the webhook's secret in X-Hub-Signature-256.
package github

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

func init() {
	caddy.RegisterModule(GitHub{})
}

// SignatureHeader carries GitHub's signature: "sha256=" and the lowercase
// hex HMAC-SHA256 of the raw body, keyed with the webhook secret.
const SignatureHeader = "X-Hub-Signature-256"

// signaturePrefix precedes the hex signature in SignatureHeader.
const signaturePrefix = "sha256="

// TypePrefix is the prefix of every event type this verifier reports.
const TypePrefix = "com.github.webhook"

// GitHub verifies GitHub webhook deliveries (github.com and GitHub
// Enterprise Server): a POST whose X-Hub-Signature-256 header is
// "sha256=" followed by the hex HMAC-SHA256 of the raw body under the
// webhook's secret. The scheme is fixed; uppercase hex is accepted. The
// legacy SHA-1 header X-Hub-Signature is ignored. Any other method is
// rejected with 405.
//
// GitHub signs only the body. The X-GitHub-Event, X-GitHub-Delivery and
// X-GitHub-Hook-* headers are not covered by the signature: anyone who
// captured one delivery could resend its body with different headers. So
// none of them is promoted into the envelope:
//
//   - id: empty, so the envelope uses the digest of the body; a redelivery
//     (same body) keeps the same id. Route on X-GitHub-Delivery yourself if
//     you accept that it is unsigned.
//   - type: "com.github.webhook", or "com.github.webhook.<action>" when the
//     body has a top-level "action" (e.g. "com.github.webhook.opened",
//     "com.github.webhook.completed"). The event name (issues,
//     pull_request, …) is only in the unsigned X-GitHub-Event header.
//   - time, subject, status, amount, currency, reference: empty.
//
// Bodies of both content types GitHub offers are read: application/json,
// and application/x-www-form-urlencoded (payload=<json>). Any body whose
// signature verifies passes, also one that is neither.
//
// GitHub publishes its hook source ranges in the "hooks" list of
// https://api.github.com/meta; they change, so they are not built in.
type GitHub struct {
	// Secrets are the webhook secrets; the first one signs, any one
	// verifies (rotation). Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	hmac *generic.HMAC
}

// CaddyModule returns the Caddy module information.
func (GitHub) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.github",
		New: func() caddy.Module { return new(GitHub) },
	}
}

// Provision resolves the secrets.
func (v *GitHub) Provision(ctx caddy.Context) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("github: no secret configured: add 'secret {env.GITHUB_WEBHOOK_SECRET}' to the webhook_verify block (JSON: \"secrets\")")
	}
	v.hmac = &generic.HMAC{
		Secrets:   v.Secrets,
		Header:    SignatureHeader,
		Algorithm: webhookverify.SHA256,
		Encoding:  webhookverify.Hex,
		Prefix:    signaturePrefix,
		FieldPaths: webhookverify.FieldPaths{
			Type: "action",
		},
	}
	if err := v.hmac.Provision(ctx); err != nil {
		return fmt.Errorf("github: %w", err)
	}
	return nil
}

// Verify checks the method and the signature, and reports the action.
func (v *GitHub) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if r.Method != http.MethodPost {
		return webhookverify.Event{}, fmt.Errorf("%w: github sends POST, got %s", webhookverify.ErrMethodNotAllowed, r.Method)
	}
	ev, err := v.hmac.Verify(r, body, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	action := ev.Type
	if action == "" {
		action = formAction(r, body)
	}
	out := webhookverify.Event{Type: TypePrefix}
	if webhookverify.IsTypeToken(action) {
		out.Type += "." + action
	}
	return out, nil
}

// formAction reads "action" from a form-encoded delivery (payload=<json>).
func formAction(r *http.Request, body []byte) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return ""
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	a := gjson.Get(form.Get("payload"), "action")
	if a.Type != gjson.String {
		return ""
	}
	return a.Str
}

// Sign sets X-Hub-Signature-256 as GitHub would, with the first secret.
func (v *GitHub) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	return v.hmac.Sign(r, body, now)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify github {
//	    secret <value>...   # required; repeatable; several = rotation
//	}
func (v *GitHub) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalOnlySecrets(d, "unrecognized subdirective %q for provider github: it takes only 'secret <value>' (the scheme is fixed)",
		"github needs the webhook secret: add 'secret {env.GITHUB_WEBHOOK_SECRET}'")
}

// Covers implements webhookverify.Coverer: the HMAC covers the raw
// body, from which the event id is read.
func (v *GitHub) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*GitHub)(nil)
	_ webhookverify.Coverer  = (*GitHub)(nil)
	_ webhookverify.Signer   = (*GitHub)(nil)
	_ caddy.Provisioner      = (*GitHub)(nil)
	_ caddyfile.Unmarshaler  = (*GitHub)(nil)
)
