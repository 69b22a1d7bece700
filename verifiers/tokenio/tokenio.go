// Package tokenio verifies Token.io callbacks: the unsigned API-only
// redirect callbacks, whose shape is checked strictly (mode redirect), and
// the server-to-server webhooks signed with Ed25519 (mode webhook).
package tokenio

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(TokenIO{})
}

// The modes.
const (
	ModeRedirect = "redirect"
	ModeWebhook  = "webhook"
)

// DefaultHeader is the webhook signature header used when none is set.
const DefaultHeader = "token-signature"

// The event types of redirect callbacks. An error callback's type is
// TypeRedirectError followed by "." and the gRPC code's name in lower case,
// e.g. io.token.callback.error.unavailable for error=14.
const (
	TypeRedirect      = "io.token.callback.redirect"
	TypeCredentials   = "io.token.callback.credentials"
	TypeRedirectError = "io.token.callback.error"
	// TypeWebhook is the type of a webhook whose body names no usable
	// type; otherwise the type is TypeWebhook + "." + the body's type in
	// lower case, e.g. io.token.webhook.payment_status_changed.
	TypeWebhook = "io.token.webhook"
)

// TokenIO verifies Token.io callbacks. The mode is fixed by the
// configuration.
//
// Mode redirect (default) checks the API-only redirect callbacks that
// Token.io sends through the user's browser. They are NOT signed (Token.io
// documents them as unsigned): anyone can forge one, so the verifier only
// guarantees their shape, and the application must fetch the result
// server-to-server (GET /token-requests/{id}/result for v1, GET
// /v2/payments/{id} for v2) before acting. No secret or key is configured.
// A callback is a GET with the parameters in the query (the body must be
// empty), or a POST whose body is a JSON object carrying them (the query
// must then carry none of them). Other methods get 405. The rules:
//
//   - v1: request-id and request_id are both required and equal, and
//     match rq:[A-Za-z0-9][A-Za-z0-9:._-]* (at most 256 bytes).
//   - v2: payment-id (pm2:…) and member-id (m:…) are both required, same
//     charset and length; state (the application's callback state) is
//     optional and any text. v1 and v2 parameters together are malformed.
//   - credential-fields, if present, is base64url (padding optional) of a
//     JSON object whose "fields" is an array.
//   - error, if present, is a gRPC status code 0–16 in decimal (a JSON
//     number or string in a body); it cannot be combined with
//     credential-fields. trace-id and message are free text.
//   - A known parameter repeated, or of the wrong JSON type, is malformed;
//     a body that repeats a JSON key is rejected (duplicate_json_key).
//     Unknown parameters are allowed and ignored (Token.io may add some).
//
// Malformed callbacks get 400 (malformed_request, or malformed_body /
// duplicate_json_key for a POST body).
//
// Event mapping, redirect (none of it is authenticated): id = request-id
// (v1) or payment-id (v2); type io.token.callback.redirect, or
// io.token.callback.credentials when credential-fields is present (status
// pending: more credentials are needed), or
// io.token.callback.error.<grpc code name> when error is present (status
// failed, e.g. io.token.callback.error.not_found for 5; error=0, gRPC's
// OK, is no error: io.token.callback.redirect, no status); otherwise no
// status: the callback does not carry the payment's result. The handler
// forwards redirect callbacks with Webhook-Verified: unsigned (see
// Covers).
//
// Mode webhook checks Token.io's server-to-server webhooks (POST): an
// Ed25519 signature of the raw body in the token-signature header,
// base64url-encoded, verified against the configured Token.io public keys
// (any one verifies; several allow rotation). Token.io does not publish the
// algorithm: Ed25519 over the raw body is an assumption, and so are the
// header name and encoding, which header and encoding override. No
// timestamp is signed outside the body and Token.io retries for up to
// 72 hours, so deduplicate on the event id.
//
// Event mapping, webhook (all of it signed): id = id; type
// io.token.webhook.<type or eventType, lowercased> (e.g.
// io.token.webhook.payment_status_changed); time = createdAtMs (Unix ms);
// status from payment.status (Payments v2), else status (v1 transfer
// status) — see NormalizeStatus; reference and subject = payment.initiation.refId,
// else payment.refId, else refId; amount and currency =
// payment.initiation.amount.value and .currency. These paths are assumed
// from Token.io's payment objects; the field path options (event_id_path,
// type_path, time_path, subject_path, status_path, amount_path,
// currency_path, reference_path, status_map) override them.
type TokenIO struct {
	// Mode is "redirect" (default; unsigned browser callbacks, shape
	// check only) or "webhook" (Ed25519-signed server-to-server webhooks).
	Mode string `json:"mode,omitempty"`

	// PublicKeys are Token.io's Ed25519 public keys for mode webhook: the
	// 32-byte key in base64, base64url or hex, or a PEM "PUBLIC KEY"
	// block. Placeholders such as {file./etc/tokenio.pem} or {env.X} are
	// resolved when the config loads. Any one verifies. Required in mode
	// webhook.
	PublicKeys []string `json:"public_keys,omitempty"`

	// PrivateKey is an Ed25519 private key (a 32-byte seed in base64,
	// base64url or hex, or a PEM "PRIVATE KEY" block), used only by Sign:
	// for tests and `caddy webhook sign`. Production configs need only
	// public keys. Use a placeholder: {env.NAME} or {file./path}. Its
	// public key must be one of PublicKeys. Mode webhook only.
	PrivateKey string `json:"private_key,omitempty"`

	// Header carries the webhook signature. Default "token-signature".
	// Mode webhook only.
	Header string `json:"header,omitempty"`

	// Encoding of the webhook signature: base64url (default) or base64.
	// Both accept values with or without padding. Mode webhook only.
	Encoding webhookverify.Encoding `json:"encoding,omitempty"`

	// Field paths override where the webhook's facts are read from.
	// Mode webhook only.
	webhookverify.FieldPaths

	pubs []ed25519.PublicKey
	priv ed25519.PrivateKey
}

// CaddyModule returns the Caddy module information.
func (TokenIO) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.tokenio",
		New: func() caddy.Module { return new(TokenIO) },
	}
}

// Provision checks the configuration and loads the keys.
func (v *TokenIO) Provision(caddy.Context) error {
	if v.Mode == "" {
		v.Mode = ModeRedirect
	}
	switch v.Mode {
	case ModeRedirect:
		if len(v.PublicKeys) > 0 || v.PrivateKey != "" || v.Header != "" || v.Encoding != "" || !pathsEmpty(&v.FieldPaths) {
			return fmt.Errorf("tokenio: redirect callbacks are unsigned and take no keys, header, encoding or field paths: remove them, or set mode webhook")
		}
		return nil
	case ModeWebhook:
	default:
		return fmt.Errorf("tokenio: unknown mode %q: use redirect or webhook", v.Mode)
	}
	if v.Header == "" {
		v.Header = DefaultHeader
	}
	if v.Encoding == "" {
		v.Encoding = webhookverify.Base64URL
	}
	if v.Encoding != webhookverify.Base64URL && v.Encoding != webhookverify.Base64 {
		return fmt.Errorf("tokenio: encoding %q: use base64url or base64", v.Encoding)
	}
	if len(v.PublicKeys) == 0 {
		return fmt.Errorf("tokenio: mode webhook needs Token.io's public key: add 'public_key <base64 key>' or 'public_key {file./path/tokenio.pem}'")
	}
	v.pubs = make([]ed25519.PublicKey, 0, len(v.PublicKeys))
	for i, raw := range v.PublicKeys {
		pub, err := webhookverify.LoadPublicKey(raw, webhookverify.KeyEd25519)
		if err != nil {
			return fmt.Errorf("tokenio: public key #%d: %w", i+1, err)
		}
		v.pubs = append(v.pubs, pub.(ed25519.PublicKey))
	}
	if v.PrivateKey != "" {
		priv, err := webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyEd25519)
		if err != nil {
			return fmt.Errorf("tokenio: private_key: %w", err)
		}
		v.priv = priv.(ed25519.PrivateKey)
		pub := v.priv.Public().(ed25519.PublicKey)
		found := false
		for _, p := range v.pubs {
			found = found || p.Equal(pub)
		}
		if !found {
			return fmt.Errorf("tokenio: private_key does not match any public_key: add 'public_key %s'", base64.RawURLEncoding.EncodeToString(pub))
		}
	}
	return nil
}

// pathsEmpty reports whether no field path or status mapping is set.
func pathsEmpty(p *webhookverify.FieldPaths) bool {
	return p.EventID == "" && p.Type == "" && p.Time == "" && p.Subject == "" && p.Status == "" &&
		p.Amount == "" && p.Currency == "" && p.Reference == "" && len(p.StatusMap) == 0
}

// ParsePublicKey reads an Ed25519 public key as webhookverify.ParsePublicKey
// does (hex, base64, base64url or PEM), refusing degenerate keys.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	pub, err := webhookverify.ParsePublicKey(s, webhookverify.KeyEd25519)
	if err != nil {
		return nil, err
	}
	return pub.(ed25519.PublicKey), nil
}

// Verify checks the callback or webhook.
func (v *TokenIO) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if v.Mode == ModeWebhook {
		return v.verifyWebhook(r, body)
	}
	return verifyRedirect(r, body)
}

// verifyWebhook checks the Ed25519 signature of the body.
func (v *TokenIO) verifyWebhook(r *http.Request, body []byte) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Token.io"); err != nil {
		return webhookverify.Event{}, err
	}
	value, err := webhookverify.SignatureHeader(r, v.Header)
	if err != nil {
		return webhookverify.Event{}, err
	}
	sig, err := v.Encoding.Decode(value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s must be a %d-byte Ed25519 signature in %s",
			webhookverify.ErrMalformedSignature, v.Header, ed25519.SignatureSize, v.Encoding)
	}
	ok := false
	for _, pub := range v.pubs {
		if ed25519.Verify(pub, body, sig) {
			ok = true
		}
	}
	if !ok {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return v.webhookEvent(body), nil
}

// Sign signs the body as a Token.io webhook with private_key (mode
// webhook). Redirect callbacks carry no credential: in mode redirect the
// request and body are returned unchanged.
func (v *TokenIO) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	if v.Mode != ModeWebhook {
		return body, nil
	}
	if v.priv == nil {
		return nil, fmt.Errorf("tokenio: signing needs a private key: add 'private_key {env.TOKENIO_TEST_PRIVATE_KEY}' (a test key; production configs need only public_key)")
	}
	r.Header.Set(v.Header, v.Encoding.Encode(ed25519.Sign(v.priv, body)))
	return body, nil
}

// webhookEvent reads the facts of a verified webhook body.
func (v *TokenIO) webhookEvent(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: TypeWebhook}
	if !gjson.ValidBytes(body) {
		return ev
	}
	var typ, eventType, status, refID string
	var payment gjson.Result
	gjson.ParseBytes(body).ForEach(func(key, val gjson.Result) bool {
		switch key.Str {
		case "id":
			ev.ID = webhookverify.Scalar(val)
		case "type":
			typ = webhookverify.Scalar(val)
		case "eventType":
			eventType = webhookverify.Scalar(val)
		case "createdAtMs":
			if t, err := webhookverify.ParseUnixTimestamp(webhookverify.Scalar(val), true); err == nil {
				ev.Time = t.UTC()
			}
		case "status":
			status = webhookverify.Scalar(val)
		case "refId":
			refID = webhookverify.Scalar(val)
		case "payment":
			payment = val
		}
		return true
	})
	if typ == "" {
		typ = eventType
	}
	if webhookverify.IsTypeToken(typ) {
		ev.Type = TypeWebhook + "." + strings.ToLower(typ)
	}
	if payment.IsObject() {
		if s := webhookverify.Scalar(payment.Get("status")); s != "" {
			status = s
		}
		initiation := payment.Get("initiation")
		if r := firstOf(initiation.Get("refId"), payment.Get("refId")); r != "" {
			refID = r
		}
		ev.Amount = webhookverify.Scalar(initiation.Get("amount.value"))
		ev.Currency = webhookverify.Scalar(initiation.Get("amount.currency"))
	}
	ev.Status = NormalizeStatus(status)
	ev.Reference = refID
	ev.Subject = refID

	// Configured paths override the defaults.
	p := &v.FieldPaths
	if pathsEmpty(p) {
		return ev
	}
	o := p.Extract(body)
	set := func(path string, dst *string, val string) {
		if path != "" {
			*dst = val
		}
	}
	set(p.EventID, &ev.ID, o.ID)
	set(p.Subject, &ev.Subject, o.Subject)
	set(p.Amount, &ev.Amount, o.Amount)
	set(p.Currency, &ev.Currency, o.Currency)
	set(p.Reference, &ev.Reference, o.Reference)
	if p.Type != "" {
		ev.Type = TypeWebhook
		if webhookverify.IsTypeToken(o.Type) {
			ev.Type += "." + strings.ToLower(o.Type)
		}
	}
	if p.Time != "" {
		ev.Time = o.Time
	}
	if p.Status != "" {
		ev.Status = o.Status
		if s := gjson.GetBytes(body, p.Status); s.Type == gjson.String {
			if m, ok := p.StatusMap[s.Str]; ok {
				ev.Status = m
			} else {
				ev.Status = NormalizeStatus(s.Str)
			}
		}
	} else if m, ok := p.StatusMap[status]; ok && status != "" {
		ev.Status = m
	}
	return ev
}

// firstOf returns the first non-empty scalar.
func firstOf(rs ...gjson.Result) string {
	for _, r := range rs {
		if s := webhookverify.Scalar(r); s != "" {
			return s
		}
	}
	return ""
}

// NormalizeStatus maps a Token.io payment status (Payments v2) or transfer
// status (Payments v1) to a canonical status:
//
//	v2: INITIATION_COMPLETED, SETTLEMENT_COMPLETED → succeeded;
//	    INITIATION_PENDING*, INITIATION_PROCESSING, SETTLEMENT_IN_PROGRESS → pending;
//	    INITIATION_REJECTED*, INITIATION_DECLINED, INITIATION_FAILED, CANCELED → failed;
//	    INITIATION_EXPIRED → expired.
//	v1: SUCCESS → succeeded; PROCESSING, PENDING, PENDING_EXTERNAL_AUTHORIZATION → pending;
//	    FAILURE_EXPIRED → expired; other FAILURE_* → failed.
//
// Anything else (INITIATION_NO_FINAL_STATUS_AVAILABLE, SETTLEMENT_INCOMPLETE,
// INITIATED, INVALID_STATUS, …) is unknown; an empty status is "".
func NormalizeStatus(s string) webhookverify.PaymentStatus {
	switch s = strings.ToUpper(s); {
	case s == "":
		return ""
	case s == "INITIATION_COMPLETED", s == "SETTLEMENT_COMPLETED", s == "SUCCESS":
		return webhookverify.StatusSucceeded
	case s == "INITIATION_PENDING", strings.HasPrefix(s, "INITIATION_PENDING_"), s == "INITIATION_PROCESSING",
		s == "SETTLEMENT_IN_PROGRESS", s == "PROCESSING", s == "PENDING", s == "PENDING_EXTERNAL_AUTHORIZATION":
		return webhookverify.StatusPending
	case s == "INITIATION_EXPIRED", s == "FAILURE_EXPIRED":
		return webhookverify.StatusExpired
	case s == "INITIATION_REJECTED", strings.HasPrefix(s, "INITIATION_REJECTED_"), s == "INITIATION_DECLINED",
		s == "INITIATION_FAILED", s == "CANCELED", s == "CANCELLED", strings.HasPrefix(s, "FAILURE_"):
		return webhookverify.StatusFailed
	}
	return webhookverify.StatusUnknown
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify tokenio {
//	    mode redirect|webhook              # default redirect
//	    # mode webhook only:
//	    public_key <key>...                # required, repeatable; base64, base64url, hex or {file./path.pem}
//	    private_key <seed or {env.X}>      # only to sign (tests, caddy webhook sign)
//	    header <name>                      # default token-signature
//	    encoding base64url|base64          # default base64url
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <Token.io status> <canonical status>
//	}
//
// Mode redirect takes no other subdirective: redirect callbacks are
// unsigned, so a secret or key there is a configuration error.
func (v *TokenIO) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	webhookOnly := ""
	for d.NextBlock(0) {
		name := d.Val()
		if ok, err := v.FieldPaths.UnmarshalCaddyfileOption(d); ok {
			if err != nil {
				return err
			}
			webhookOnly = name
			continue
		}
		switch name {
		case "mode":
			if err := webhookverify.StringArg(d, &v.Mode); err != nil {
				return err
			}
			if v.Mode != ModeRedirect && v.Mode != ModeWebhook {
				return d.Errf("mode %q: use redirect (unsigned browser callbacks) or webhook (signed server-to-server webhooks)", v.Mode)
			}
		case "secret":
			return d.Errf("tokenio takes no secret: redirect callbacks are unsigned, and webhooks are verified with 'public_key <Token.io public key>' under 'mode webhook'")
		case "public_key":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("public_key needs a value: the Ed25519 key in base64, base64url or hex, or {file./path/tokenio.pem}")
			}
			for _, a := range args {
				if !strings.Contains(a, "{") {
					if _, err := ParsePublicKey(a); err != nil {
						return d.Errf("public_key: %v", err)
					}
				}
			}
			v.PublicKeys = append(v.PublicKeys, args...)
			webhookOnly = name
		case "private_key":
			if err := webhookverify.StringArg(d, &v.PrivateKey); err != nil {
				return err
			}
			if strings.TrimSpace(v.PrivateKey) == "" {
				return d.Errf("private_key is empty: give a test key, e.g. private_key {env.TOKENIO_TEST_PRIVATE_KEY}")
			}
			if strings.HasPrefix(v.PrivateKey, "{$") {
				return d.Errf("private_key %s is expanded into the JSON config at adapt time: use {env.NAME} or {file./path} instead", v.PrivateKey)
			}
			webhookOnly = name
		case "header":
			if err := webhookverify.StringArg(d, &v.Header); err != nil {
				return err
			}
			webhookOnly = name
		case "encoding":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.Encoding = webhookverify.Encoding(s)
			if v.Encoding != webhookverify.Base64URL && v.Encoding != webhookverify.Base64 {
				return d.Errf("encoding %q: use base64url or base64", s)
			}
			webhookOnly = name
		default:
			return d.Errf("unrecognized subdirective %q for provider tokenio: use mode, public_key, private_key, header, encoding or a field path", d.Val())
		}
	}
	if v.Mode != ModeWebhook && webhookOnly != "" {
		return d.Errf("tokenio: %s applies to mode webhook only: add 'mode webhook', or remove it (redirect callbacks are unsigned)", webhookOnly)
	}
	if v.Mode == ModeWebhook && len(v.PublicKeys) == 0 {
		return d.Errf("tokenio mode webhook needs Token.io's public key: add 'public_key <base64 key>' or 'public_key {file./path/tokenio.pem}'")
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the
// signature header of mode webhook; redirect callbacks carry none.
func (v *TokenIO) CredentialHeaders() []string {
	if v.Mode == ModeWebhook {
		return []string{v.Header}
	}
	return nil
}

// Covers implements webhookverify.Coverer: webhooks are signed over
// the raw body; redirect callbacks carry no credential (Unsigned), so the
// handler forwards them with Webhook-Verified: unsigned.
func (v *TokenIO) Covers() webhookverify.Coverage {
	if v.Mode == ModeWebhook {
		return webhookverify.Coverage{EventID: true, Body: true}
	}
	return webhookverify.Coverage{Unsigned: true}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*TokenIO)(nil)
	_ webhookverify.Coverer            = (*TokenIO)(nil)
	_ webhookverify.CredentialHeaderer = (*TokenIO)(nil)
	_ webhookverify.Signer             = (*TokenIO)(nil)
	_ caddy.Provisioner                = (*TokenIO)(nil)
	_ caddyfile.Unmarshaler            = (*TokenIO)(nil)
)
