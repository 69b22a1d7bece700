// Package slack provides the slack verifier: requests from Slack (Events
// API, slash commands, interactivity) signed with the app's signing secret.
package slack

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
	caddy.RegisterModule(Slack{})
}

// The headers Slack signs with.
const (
	// SignatureHeader is "v0=" and the hex HMAC-SHA256 of
	// "v0:<timestamp>:<body>" under the signing secret.
	SignatureHeader = "X-Slack-Signature"
	// TimestampHeader is the signing time in Unix seconds.
	TimestampHeader = "X-Slack-Request-Timestamp"
)

// TypePrefix is the prefix of every event type this verifier reports.
const TypePrefix = "com.slack.event"

// DefaultTolerance is how far the timestamp may be from now by default, as
// Slack recommends.
const DefaultTolerance = 5 * time.Minute

// Slack verifies requests from Slack: a POST with X-Slack-Request-Timestamp
// (Unix seconds) within Tolerance of now, in either direction, and
// X-Slack-Signature "v0=" followed by the hex HMAC-SHA256 of
// "v0:<timestamp>:<raw body>" under the app's signing secret (Basic
// Information → App Credentials; not the deprecated verification token).
// Uppercase hex is accepted. Any other method is rejected with 405. This
// covers the Events API (JSON), slash commands and interactivity
// (form-encoded); any body whose signature verifies passes.
//
// The timestamp is signed, so a captured request is refused once it is
// older than the tolerance. Headers such as X-Slack-Retry-Num are not
// signed and are not used. Event mapping:
//
//   - type: "com.slack.event", or "com.slack.event.<type>" for an Events
//     API body with a top-level "type", e.g.
//     "com.slack.event.event_callback",
//     "com.slack.event.url_verification".
//   - id: the Events API's event_id (e.g. "Ev0PV52K21"), which Slack keeps
//     when it retries; otherwise empty, and the envelope uses a digest.
//   - time: the Events API's event_time (Unix seconds); otherwise empty.
//   - subject, status, amount, currency, reference: empty.
type Slack struct {
	// Secrets are the signing secrets; the first one signs, any one
	// verifies (rotation). Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far X-Slack-Request-Timestamp may be from now, in
	// either direction. Default: 5m.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	hmac *generic.HMAC
}

// CaddyModule returns the Caddy module information.
func (Slack) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.slack",
		New: func() caddy.Module { return new(Slack) },
	}
}

// Provision resolves the secrets and checks the tolerance.
func (v *Slack) Provision(ctx caddy.Context) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("slack: no secret configured: add 'secret {env.SLACK_SIGNING_SECRET}' to the webhook_verify block (JSON: \"secrets\")")
	}
	if v.Tolerance < 0 {
		return fmt.Errorf("slack: tolerance must be positive, e.g. tolerance 5m")
	}
	if v.Tolerance == 0 {
		v.Tolerance = caddy.Duration(DefaultTolerance)
	}
	v.hmac = &generic.HMAC{
		Secrets:         v.Secrets,
		Header:          SignatureHeader,
		Algorithm:       webhookverify.SHA256,
		Encoding:        webhookverify.Hex,
		Prefix:          "v0=",
		TimestampHeader: TimestampHeader,
		Tolerance:       v.Tolerance,
		Payload:         "v0:{timestamp}:{body}",
		FieldPaths: webhookverify.FieldPaths{
			Type:    "type",
			EventID: "event_id",
			Time:    "event_time",
		},
	}
	if err := v.hmac.Provision(ctx); err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	return nil
}

// Verify checks the method, the timestamp and the signature, and reads the
// Events API's id, type and time.
func (v *Slack) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if r.Method != http.MethodPost {
		return webhookverify.Event{}, fmt.Errorf("%w: slack sends POST, got %s", webhookverify.ErrMethodNotAllowed, r.Method)
	}
	ev, err := v.hmac.Verify(r, body, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	out := webhookverify.Event{Type: TypePrefix, Time: ev.Time}
	if webhookverify.IsTypeToken(ev.Type) {
		out.Type += "." + ev.Type
	}
	if webhookverify.IsTypeToken(ev.ID) {
		out.ID = ev.ID
	}
	return out, nil
}

// Sign sets X-Slack-Request-Timestamp to now and X-Slack-Signature as
// Slack would, with the first secret.
func (v *Slack) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	return v.hmac.Sign(r, body, now)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify slack {
//	    secret <value>...       # required; the signing secret; several = rotation
//	    tolerance <duration>    # default 5m
//	}
func (v *Slack) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "tolerance":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			dur, err := caddy.ParseDuration(s)
			if err != nil || dur <= 0 {
				return d.Errf("tolerance %q is not a positive duration: use e.g. 5m", s)
			}
			v.Tolerance = caddy.Duration(dur)
		default:
			return d.Errf("unrecognized subdirective %q for provider slack: use 'secret <value>' or 'tolerance <duration>'", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("slack needs the signing secret: add 'secret {env.SLACK_SIGNING_SECRET}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: the signature covers the
// timestamp and the raw body, from which the event id is read.
func (v *Slack) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier = (*Slack)(nil)
	_ webhookverify.Coverer  = (*Slack)(nil)
	_ webhookverify.Signer   = (*Slack)(nil)
	_ caddy.Provisioner      = (*Slack)(nil)
	_ caddyfile.Unmarshaler  = (*Slack)(nil)
)
