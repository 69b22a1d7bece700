// Package okra provides the okra verifier: Okra webhooks (callbacks),
// authenticated by the static bearer token set with the webhook URL in the
// Okra dashboard.
package okra

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Okra{})
}

// DefaultHeaders are the headers searched for the token when none is
// configured: Okra-Auth (the header Okra's sample code checks) and
// Authorization (where a bearer token is usually sent).
var DefaultHeaders = []string{"Okra-Auth", "Authorization"}

// TypePrefix is the prefix of every Okra event type.
const TypePrefix = "com.okra.callback"

// Okra verifies Okra webhooks. Okra signs nothing: the dashboard takes a
// webhook URL and an optional static bearer token, and sends that token
// with every webhook. The verifier looks for it in the configured headers
// (default: Okra-Auth, then Authorization), accepts an optional "Bearer "
// prefix, and compares it in constant time with every configured secret.
// Every searched header that the request carries must hold a configured
// token, once: a repeated header, or two headers of which one holds a
// wrong token, is refused (see webhookverify.TokenSource).
// The request must be a POST (405 otherwise) and its body a JSON object
// (400 otherwise) in which none of the keys read into the event is
// repeated (400).
//
// Which header carries the token is not settled by Okra's public
// documentation: its sample code reads Okra-Auth, and the dashboard calls
// the value a bearer token, which suggests Authorization. Both are
// searched by default; `header` narrows the search to the named headers.
//
// Because the token authenticates the whole request, fields of the body
// are promoted into the event:
//
//   - Type: "com.okra.callback.<callback_type>", lowercased, e.g.
//     "com.okra.callback.identity" or "com.okra.callback.payment_recurring";
//     "type" (usually "CALLBACK") is used when callback_type is absent, and
//     "com.okra.callback" when both are.
//   - Status: from "status": is_success → succeeded, is_failed → failed;
//     other words go through the common status words (success, pending,
//     …) and otherwise give unknown; absent → no status. The status is
//     that of the product callback (the data is ready, the payment
//     failed, …), not always of a payment.
//   - Reference and Subject: "record", Okra's record id, which is what the
//     callback is about and what GET /v2/callback?record=… takes.
//   - Time: "ended_at" (RFC 3339), else "started_at".
//   - ID: empty. Okra sends no event id, so the envelope uses a digest of
//     the body, which a retried delivery keeps. Applications that dedup
//     themselves should key on (record, method, callback_code).
//   - Amount and Currency: empty (callbacks carry no reliable amount).
type Okra struct {
	// Secrets are the accepted webhook tokens (the "Token" of the webhook
	// configuration in the Okra dashboard); any one passes. Use
	// placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Headers are the request headers searched for the token, in order.
	// At least one must be present, and each one present must hold a
	// configured token, once, with or without a "Bearer " prefix.
	// Default: ["Okra-Auth", "Authorization"] (an assumption: see the
	// type's documentation).
	Headers []string `json:"headers,omitempty"`

	keys    [][]byte
	headers []string
}

// CaddyModule returns the Caddy module information.
func (Okra) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.okra",
		New: func() caddy.Module { return new(Okra) },
	}
}

// Provision resolves the secrets and checks the configuration.
func (v *Okra) Provision(caddy.Context) error {
	v.headers = v.Headers
	if len(v.headers) == 0 {
		v.headers = DefaultHeaders
	}
	canon := make([]string, 0, len(v.headers))
	for _, h := range v.headers {
		if strings.TrimSpace(h) == "" {
			return fmt.Errorf("okra: empty header name: give header names such as Okra-Auth or Authorization")
		}
		canon = append(canon, http.CanonicalHeaderKey(h))
	}
	v.headers = canon
	keys, err := v.Secrets.ResolveRequired("okra")
	if err != nil {
		return err
	}
	v.keys = keys
	return nil
}

// Verify checks the method, the token and the body's shape, in that order.
func (v *Okra) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "okra"); err != nil {
		return webhookverify.Event{}, err
	}
	if err := (webhookverify.TokenSource{Headers: v.headers, Bearer: true}).Check(r, v.keys); err != nil {
		return webhookverify.Event{}, err
	}
	if !webhookverify.IsJSONObject(body) {
		return webhookverify.Event{}, fmt.Errorf("%w: okra sends a JSON object", webhookverify.ErrMalformedBody)
	}
	ev, ok := event(body)
	if !ok {
		return webhookverify.Event{}, fmt.Errorf("%w: a top-level key read into the event is repeated", webhookverify.ErrDuplicateKey)
	}
	return ev, nil
}

// RemoveCredential implements webhookverify.CredentialRemover: the header
// that carried the token is not forwarded.
func (v *Okra) RemoveCredential(r *http.Request) {
	webhookverify.TokenSource{Headers: v.headers}.Remove(r)
}

// The promoted top-level keys.
var promoted = map[string]uint{
	"callback_type": 1 << 0, "type": 1 << 1, "status": 1 << 2,
	"record": 1 << 3, "ended_at": 1 << 4, "started_at": 1 << 5,
}

// event reads the promoted fields of a valid, non-empty JSON object in
// one pass. body is read in place (it is only borrowed for the call); the
// values kept are copied. It reports false when a promoted key is
// repeated: parsers disagree on which value wins, so the event could show
// another value than the application reads.
func event(body []byte) (webhookverify.Event, bool) {
	var ev webhookverify.Event
	var callbackType, typ, status, ended, started string
	var seen uint
	dup := false
	gjson.Parse(unsafe.String(&body[0], len(body))).ForEach(func(key, value gjson.Result) bool {
		bit, ok := promoted[key.Str]
		if !ok {
			return true
		}
		if seen&bit != 0 {
			dup = true
			return false
		}
		seen |= bit
		if value.Type != gjson.String {
			return true
		}
		switch key.Str {
		case "callback_type":
			callbackType = value.Str
		case "type":
			typ = value.Str
		case "status":
			status = value.Str
		case "record":
			ev.Reference = strings.Clone(value.Str)
		case "ended_at":
			ended = value.Str
		case "started_at":
			started = value.Str
		}
		return true
	})
	if dup {
		return webhookverify.Event{}, false
	}
	ev.Subject = ev.Reference
	ev.Type = TypePrefix
	if callbackType == "" {
		callbackType = typ
	}
	if callbackType != "" {
		ev.Type += "." + strings.ToLower(callbackType)
	}
	ev.Status = mapStatus(status)
	if ev.Time = webhookverify.ParseEventTime(ended); ev.Time.IsZero() {
		ev.Time = webhookverify.ParseEventTime(started)
	}
	return ev, true
}

// mapStatus maps Okra's callback status to the canonical status.
func mapStatus(s string) webhookverify.PaymentStatus {
	switch strings.ToLower(s) {
	case "is_success":
		return webhookverify.StatusSucceeded
	case "is_failed":
		return webhookverify.StatusFailed
	}
	return webhookverify.NormalizeStatus(s)
}

// Sign adds the first token to the request as Okra would: in the first
// configured header, with a "Bearer " prefix when that header is
// Authorization.
func (v *Okra) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	h := v.headers[0]
	tok := string(v.keys[0])
	if h == "Authorization" {
		tok = "Bearer " + tok
	}
	r.Header.Set(h, tok)
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify okra {
//	    secret <value>...       # required; several = rotation
//	    header <name>...        # repeatable; default Okra-Auth and Authorization
//	}
//
// When header is given, only the named headers are searched.
func (v *Okra) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "header":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("header needs a header name, e.g. header Okra-Auth")
			}
			for _, a := range args {
				if strings.TrimSpace(a) == "" {
					return d.Errf("header name is empty: give e.g. header Okra-Auth")
				}
			}
			v.Headers = append(v.Headers, args...)
		default:
			return d.Errf("unrecognized subdirective %q for provider okra: use secret or header", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("okra needs the webhook token: add 'secret {env.OKRA_WEBHOOK_TOKEN}'")
	}
	return nil
}

// Interface guards
var (
	_ webhookverify.Verifier          = (*Okra)(nil)
	_ webhookverify.Signer            = (*Okra)(nil)
	_ webhookverify.CredentialRemover = (*Okra)(nil)
	_ caddy.Provisioner               = (*Okra)(nil)
	_ caddyfile.Unmarshaler           = (*Okra)(nil)
)
