// Package standardwebhooks provides the standardwebhooks verifier, for
// webhooks signed as the Standard Webhooks specification says
// (https://www.standardwebhooks.com), and the svix verifier, the same
// scheme under Svix's header names.
package standardwebhooks

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(StandardWebhooks{})
	caddy.RegisterModule(Svix{})
}

// DefaultTolerance is how far webhook-timestamp may be from now when
// tolerance is not set, as the specification's libraries do.
const DefaultTolerance = webhookverify.DefaultTolerance

// maxSignatures bounds how many signatures one request may carry.
const maxSignatures = 16

// SecretPrefix starts a serialized Standard Webhooks secret.
const SecretPrefix = "whsec_"

// The header name prefixes: the specification's, and Svix's.
const (
	prefixStandard = "webhook-"
	prefixSvix     = "svix-"
)

// StandardWebhooks verifies webhooks signed as the Standard Webhooks
// specification says (Svix and the providers built on it, among others).
// The sender POSTs with three headers:
//
//	webhook-id: <message id>
//	webhook-timestamp: <unix seconds>
//	webhook-signature: v1,<base64> [v1,<base64>…]
//
// Each v1 signature is the base64 HMAC-SHA256 of "<id>.<timestamp>.<raw
// body>", keyed with the secret's bytes: a secret is serialized as
// "whsec_<base64>", and the part after whsec_ (or the whole value, without
// the prefix) is base64-decoded to get the key. The request passes when any
// v1 signature matches any configured secret and the timestamp is within
// the tolerance of now, in both directions. Asymmetric (v1a) and unknown
// signature versions are ignored. When none of the webhook-* headers is
// present, the svix-id, svix-timestamp and svix-signature headers are read
// instead. Methods other than POST get 405. The body may be anything; JSON
// values are read from it only when it is JSON.
//
// Everything used below is signed: the id and timestamp headers, and the
// whole body. The Event:
//
//   - ID: the webhook-id header (the same for every retry of a message);
//     event_id_path reads it from the body instead.
//   - Type: the body's "type" as sent (e.g. "invoice.paid"); type_path
//     overrides the path.
//   - Time: the body's "timestamp" (the specification's event time), else
//     the webhook-timestamp header (the time of the attempt); time_path
//     overrides the path.
//   - Subject, Status, Amount, Currency, Reference: empty unless mapped
//     with subject_path, status_path (with status_map), amount_path,
//     currency_path and reference_path, since payloads differ per sender.
type StandardWebhooks struct {
	// Secrets are the endpoint's signing secrets, "whsec_<base64>" (or the
	// base64 alone); the first one signs, any one verifies. Use
	// placeholders: {env.WEBHOOK_SECRET} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far webhook-timestamp may be from now, in either
	// direction. Default: 5m.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// Field paths promote values of a JSON body into the Event; type_path
	// defaults to "type" and time_path to "timestamp".
	webhookverify.FieldPaths

	// name is the provider name in errors; prefix the header name prefix
	// that Sign writes.
	name   string
	prefix string
	paths  webhookverify.FieldPaths // FieldPaths with the defaults
	keys   *webhookverify.HMACKeys
}

// Svix is the standardwebhooks verifier registered under the name svix.
// It verifies the same way, reading either the webhook-* or the svix-*
// headers, and its Sign writes svix-id, svix-timestamp and
// svix-signature. Its configuration is that of StandardWebhooks.
type Svix struct {
	StandardWebhooks
}

// CaddyModule returns the Caddy module information.
func (StandardWebhooks) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.standardwebhooks",
		New: func() caddy.Module { return new(StandardWebhooks) },
	}
}

// CaddyModule returns the Caddy module information.
func (Svix) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.svix",
		New: func() caddy.Module { return &Svix{StandardWebhooks{name: "svix", prefix: prefixSvix}} },
	}
}

func (v *StandardWebhooks) providerName() string {
	if v.name == "" {
		return "standardwebhooks"
	}
	return v.name
}

// DecodeSecret returns the HMAC key of a serialized secret: the base64
// after "whsec_", or the whole value as base64 when it has no prefix.
// Padding is optional.
func DecodeSecret(secret []byte) ([]byte, error) {
	s := strings.TrimPrefix(string(secret), SecretPrefix)
	key, err := webhookverify.Base64.Decode(s)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("not whsec_<base64>")
	}
	return key, nil
}

// Provision resolves and decodes the secrets and checks the configuration.
func (v *StandardWebhooks) Provision(caddy.Context) error {
	name := v.providerName()
	if v.prefix == "" {
		v.prefix = prefixStandard
	}
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := v.CheckStatusMap(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	v.paths = v.FieldPaths
	if v.paths.Type == "" {
		v.paths.Type = "type"
	}
	if v.paths.Time == "" {
		v.paths.Time = "timestamp"
	}
	secrets, err := v.Secrets.ResolveRequired(name)
	if err != nil {
		return err
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if keys[i], err = DecodeSecret(s); err != nil {
			return fmt.Errorf("%s: secret #%d is %v: use the endpoint's signing secret as the sender shows it, e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", name, i+1, err)
		}
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// headers returns the id, timestamp and signature header names in use: the
// webhook-* ones when any of them is present, else the svix-* ones.
func headers(h http.Header) (id, ts, sig string) {
	if h["Webhook-Id"] == nil && h["Webhook-Timestamp"] == nil && h["Webhook-Signature"] == nil &&
		(h["Svix-Id"] != nil || h["Svix-Timestamp"] != nil || h["Svix-Signature"] != nil) {
		return "Svix-Id", "Svix-Timestamp", "Svix-Signature"
	}
	return "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"
}

// single returns the only value of header name, or an error when it is
// absent, empty or repeated.
func single(h http.Header, name string) (string, error) {
	values := h.Values(name)
	switch {
	case len(values) == 0 || values[0] == "":
		return "", fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, name)
	case len(values) > 1:
		return "", fmt.Errorf("%w: header %s given %d times", webhookverify.ErrMalformedRequest, name, len(values))
	}
	return values[0], nil
}

// Verify checks the signature headers against the body.
func (v *StandardWebhooks) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, v.providerName()); err != nil {
		return webhookverify.Event{}, err
	}
	idName, tsName, sigName := headers(r.Header)
	id, err := single(r.Header, idName)
	if err != nil {
		return webhookverify.Event{}, err
	}
	ts := r.Header.Values(tsName)
	if len(ts) > 1 {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s given %d times", webhookverify.ErrMalformedRequest, tsName, len(ts))
	}
	var tsValue string
	if len(ts) == 1 {
		tsValue = ts[0]
	}
	t, err := webhookverify.ParseUnixTimestamp(tsValue, false)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", err, tsName)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	values := r.Header.Values(sigName)
	if len(values) == 0 || strings.TrimSpace(strings.Join(values, "")) == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, sigName)
	}
	candidates, v1, err := parseSignatures(values)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", err, sigName)
	}
	if len(candidates) == 0 {
		if v1 > 0 {
			return webhookverify.Event{}, fmt.Errorf("%w: header %s: no v1 signature is base64 of 32 bytes", webhookverify.ErrMalformedSignature, sigName)
		}
		return webhookverify.Event{}, fmt.Errorf("%w: header %s has no v1 signature (v1a is not supported)", webhookverify.ErrMissingSignature, sigName)
	}
	if !v.keys.Match(candidates, []byte(id), []byte{'.'}, []byte(tsValue), []byte{'.'}, body) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	ev := v.paths.Extract(body)
	if v.EventID == "" {
		ev.ID = id
	}
	if ev.Time.IsZero() {
		ev.Time = t.UTC()
	}
	return ev, nil
}

// parseSignatures returns the decoded v1 signatures of space-separated
// "<version>,<base64>" entries, and how many v1 entries there were. Other
// versions are skipped; more than maxSignatures entries are an error.
func parseSignatures(values []string) ([][]byte, int, error) {
	var out [][]byte
	n, v1 := 0, 0
	for _, value := range values {
		for _, entry := range strings.Fields(value) {
			n++
			if n > maxSignatures {
				return nil, 0, fmt.Errorf("%w: more than %d signatures", webhookverify.ErrMalformedSignature, maxSignatures)
			}
			version, sig, ok := strings.Cut(entry, ",")
			if !ok || version != "v1" {
				continue
			}
			v1++
			// 32 bytes are 44 base64 characters with padding, 43 without.
			if len(sig) != 44 && len(sig) != 43 {
				continue
			}
			b, err := base64.StdEncoding.WithPadding(base64.NoPadding).DecodeString(strings.TrimSuffix(sig, "="))
			if err != nil || len(b) != sha256.Size {
				continue
			}
			out = append(out, b)
		}
	}
	return out, v1, nil
}

// Sign sets the id, timestamp and signature headers as a sender would,
// with the first secret and the time now. An id header already on r is
// kept; otherwise the id is derived from the timestamp and the body, so
// the same input gives the same request.
func (v *StandardWebhooks) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	prefix := v.prefix
	if prefix == "" {
		prefix = prefixStandard
	}
	idName := http.CanonicalHeaderKey(prefix + "id")
	ts := strconv.FormatInt(now.Unix(), 10)
	id := r.Header.Get(idName)
	if id == "" {
		d := sha256.New()
		d.Write([]byte(ts))
		d.Write([]byte{'.'})
		d.Write(body)
		id = "msg_" + base64.RawURLEncoding.EncodeToString(d.Sum(nil)[:18])
		r.Header.Set(idName, id)
	}
	mac := v.keys.Sign([]byte(id), []byte{'.'}, []byte(ts), []byte{'.'}, body)
	r.Header.Set(prefix+"timestamp", ts)
	r.Header.Set(prefix+"signature", "v1,"+base64.StdEncoding.EncodeToString(mac))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify standardwebhooks|svix {
//	    secret <whsec_…>...       # required; several = rotation
//	    tolerance <duration>      # default 5m
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <provider status> <canonical status>
//	}
func (v *StandardWebhooks) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	name := d.Val()
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
			return d.Errf("unrecognized subdirective %q for provider %s: use secret, tolerance, a field path (type_path …) or status_map", d.Val(), name)
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("%s needs the endpoint's signing secret: add 'secret {env.WEBHOOK_SECRET}' (whsec_…)", name)
	}
	return nil
}

// Covers implements webhookverify.Coverer: the signature covers
// webhook-id, webhook-timestamp and the raw body.
func (v *StandardWebhooks) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true, Tolerance: time.Duration(v.Tolerance)}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the
// svix-* form of the headers (the webhook-* form is removed with every
// inbound Webhook-* header).
func (v *StandardWebhooks) CredentialHeaders() []string {
	return []string{prefixSvix + "id", prefixSvix + "timestamp", prefixSvix + "signature"}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*StandardWebhooks)(nil)
	_ webhookverify.CredentialHeaderer = (*StandardWebhooks)(nil)
	_ webhookverify.Coverer            = (*StandardWebhooks)(nil)
	_ webhookverify.Signer             = (*StandardWebhooks)(nil)
	_ caddy.Provisioner                = (*StandardWebhooks)(nil)
	_ caddyfile.Unmarshaler            = (*StandardWebhooks)(nil)

	_ webhookverify.Verifier = (*Svix)(nil)
	_ webhookverify.Signer   = (*Svix)(nil)
	_ caddy.Provisioner      = (*Svix)(nil)
	_ caddyfile.Unmarshaler  = (*Svix)(nil)
)
