// Package oktopay provides the oktopay verifier: callbacks from Oktopay
// (OktoCash and OktoWallet) and OKTO.PIX, authenticated with the
// notification secret registered together with the callback URL.
package oktopay

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Oktopay{})
}

// The variants: which Oktopay product sends the callbacks.
const (
	// VariantWallet is OktoCash / OktoWallet: the secret is the apiKey
	// (PaymentIQ's notificationSecret) registered with the webhook URL
	// through POST /api/integration/webhook.
	VariantWallet = "wallet"
	// VariantPix is OKTO.PIX: the secret is the notificationToken (the
	// "signature key") set through the Operator API. Unless it was set,
	// it equals the apiKey.
	VariantPix = "pix"
)

// The modes: how the callback carries the credential.
const (
	// ModeKey: the secret itself is sent in a header or query parameter.
	ModeKey = "key"
	// ModeHMAC: an HMAC of the raw body, keyed with the secret, is sent in
	// a header.
	ModeHMAC = "hmac"
)

// Defaults. They are assumptions: Oktopay does not publish them.
const (
	// DefaultKeyHeader is the default header of key mode, named after the
	// apiKey field of Oktopay's webhook registration.
	DefaultKeyHeader = "apiKey"
	// DefaultHMACHeader is the default header of hmac mode.
	DefaultHMACHeader = "X-Signature"
)

// The event types.
const (
	TypeWallet = "com.oktopay.callback"
	TypePix    = "com.oktopay.pix.callback"
)

// maxSignatureLen bounds the signature header read in hmac mode (a base64
// HMAC-SHA512 is 88 characters; hex is 128).
const maxSignatureLen = 256

// Oktopay verifies callbacks from Oktopay (OktoCash, OktoWallet; variant
// wallet, the default) and OKTO.PIX (variant pix).
//
// What is confirmed (PaymentIQ's Oktopay integration guide): the merchant
// registers the callback URL together with a notification secret, sent as
// the form field apiKey (OktoCash/OktoWallet) or as the notificationToken,
// a "signature key" that by default equals the apiKey (OKTO.PIX). What is
// NOT public: how a callback carries that secret (which header or query
// parameter, whether it is sent as is or used as an HMAC key), the body's
// fields and statuses, and the source IPs. Every default here is therefore
// an assumption; check a real callback and configure accordingly:
//
//   - mode key (default): the secret is expected as is, in the header
//     named "apiKey" (assumed; change with `header`), with an optional
//     "Bearer " prefix, or in a query parameter (`query`), and is
//     compared in constant time; a repeated header or parameter is
//     refused (see webhookverify.TokenSource).
//   - mode hmac: the header "X-Signature" (assumed; change with `header`)
//     holds the HMAC of the raw body keyed with the secret, SHA-256 by
//     default (`algorithm sha512`), in hex by default (`encoding base64`).
//
// Only POST is accepted by default (assumed: no method is documented);
// change it with `methods`. For other signature layouts (a prefix, a
// timestamp) use the generic hmac verifier.
//
// Event mapping: the body is not documented, so nothing is promoted unless
// configured with the field-path subdirectives (event_id_path, type_path,
// status_path, …; see webhookverify.FieldPaths). Type is
// "com.oktopay.callback" (variant wallet) or "com.oktopay.pix.callback"
// (variant pix); with type_path, the value found is appended after a dot,
// e.g. "com.oktopay.pix.callback.deposit". The other fields are the values
// found at their paths, empty by default; without event_id_path the
// envelope id is a digest of the body.
type Oktopay struct {
	// Secrets are the notification secrets: the apiKey registered with the
	// webhook URL (variant wallet; PaymentIQ calls it notificationSecret)
	// or the OKTO.PIX notificationToken (variant pix). Any one verifies;
	// the first signs. Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Variant is "wallet" (OktoCash/OktoWallet, default) or "pix"
	// (OKTO.PIX). It changes the event type and the naming of the secret
	// in messages, not the verification.
	Variant string `json:"variant,omitempty"`

	// Mode is "key" (default: the secret is sent as is) or "hmac" (an
	// HMAC of the raw body keyed with the secret). Both are assumptions.
	Mode string `json:"mode,omitempty"`

	// Header carries the credential. Default "apiKey" in key mode and
	// "X-Signature" in hmac mode (both assumptions). In key mode, set at
	// most one of Header and Query.
	Header string `json:"header,omitempty"`

	// Query is the query parameter that carries the secret (key mode
	// only), instead of a header.
	Query string `json:"query,omitempty"`

	// Algorithm is the HMAC hash in hmac mode: sha256 (default) or sha512.
	Algorithm webhookverify.Algorithm `json:"algorithm,omitempty"`

	// Encoding of the HMAC in hmac mode: hex (default, either case) or
	// base64 (padding optional).
	Encoding webhookverify.Encoding `json:"encoding,omitempty"`

	// Methods are the HTTP methods the provider uses; others are refused
	// with 405 (method_not_allowed). Default: POST.
	Methods []string `json:"methods,omitempty"`

	// Field paths promote values of a JSON body into the event; none by
	// default, since Oktopay's callback body is not documented.
	webhookverify.FieldPaths

	keys     [][]byte
	hmacKeys *webhookverify.HMACKeys
	header   string
	src      webhookverify.TokenSource // key mode
	typ      string
}

// CaddyModule returns the Caddy module information.
func (Oktopay) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.oktopay",
		New: func() caddy.Module { return new(Oktopay) },
	}
}

// secretHint names the secret of a variant, for error messages.
func secretHint(variant string) string {
	if variant == VariantPix {
		return "the OKTO.PIX notificationToken (by default equal to the apiKey), e.g. secret {env.OKTOPIX_NOTIFICATION_TOKEN}"
	}
	return "the apiKey registered with the webhook URL (notificationSecret), e.g. secret {env.OKTOPAY_NOTIFICATION_SECRET}"
}

// check validates the configuration; it does not touch secrets.
func (v *Oktopay) check() error {
	switch v.Variant {
	case "", VariantWallet, VariantPix:
	default:
		return fmt.Errorf("unknown variant %q: use wallet (OktoCash/OktoWallet) or pix (OKTO.PIX)", v.Variant)
	}
	switch v.Mode {
	case "", ModeKey:
		if v.Header != "" && v.Query != "" {
			return fmt.Errorf("set header or query, not both")
		}
		if v.Algorithm != "" || v.Encoding != "" {
			return fmt.Errorf("algorithm and encoding apply to mode hmac only: add 'mode hmac' or remove them")
		}
	case ModeHMAC:
		if v.Query != "" {
			return fmt.Errorf("query applies to mode key only: in mode hmac the signature is in a header (header <name>)")
		}
		switch v.Algorithm {
		case "", webhookverify.SHA256, webhookverify.SHA512:
		default:
			return fmt.Errorf("unknown algorithm %q: use sha256 or sha512", string(v.Algorithm))
		}
		switch v.Encoding {
		case "", webhookverify.Hex, webhookverify.Base64:
		default:
			return fmt.Errorf("unknown encoding %q: use hex or base64", string(v.Encoding))
		}
	default:
		return fmt.Errorf("unknown mode %q: use key or hmac", v.Mode)
	}
	return webhookverify.CheckMethods(v.Methods)
}

// Provision checks the configuration, applies the defaults and resolves
// the secrets.
func (v *Oktopay) Provision(caddy.Context) error {
	if err := v.check(); err != nil {
		return fmt.Errorf("oktopay: %w", err)
	}
	if v.Variant == "" {
		v.Variant = VariantWallet
	}
	v.typ = TypeWallet
	if v.Variant == VariantPix {
		v.typ = TypePix
	}
	if v.Mode == "" {
		v.Mode = ModeKey
	}
	if len(v.Secrets) == 0 {
		return fmt.Errorf("oktopay (variant %s): no secret configured: add %s (JSON: \"secrets\")", v.Variant, secretHint(v.Variant))
	}
	keys, err := v.Secrets.Resolve()
	if err != nil {
		return fmt.Errorf("oktopay (variant %s): %w", v.Variant, err)
	}
	v.keys = keys
	v.header = v.Header
	if v.Mode == ModeKey {
		if v.Header == "" && v.Query == "" {
			v.header = DefaultKeyHeader
		}
		v.src = webhookverify.TokenSource{Query: v.Query, Bearer: true}
		if v.header != "" {
			v.src.Headers = []string{v.header}
		}
		return nil
	}
	if v.header == "" {
		v.header = DefaultHMACHeader
	}
	if v.Algorithm == "" {
		v.Algorithm = webhookverify.SHA256
	}
	if v.Encoding == "" {
		v.Encoding = webhookverify.Hex
	}
	newHash, err := v.Algorithm.New()
	if err != nil {
		return fmt.Errorf("oktopay: %w", err)
	}
	v.hmacKeys = webhookverify.NewHMACKeys(newHash, keys)
	return nil
}

// Verify checks the credential and returns the configured fields.
func (v *Oktopay) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.AllowMethod(r, v.Methods); err != nil {
		return webhookverify.Event{}, err
	}
	var err error
	if v.Mode == ModeHMAC {
		err = v.verifyHMAC(r, body)
	} else {
		err = v.verifyKey(r)
	}
	if err != nil {
		return webhookverify.Event{}, err
	}
	ev := v.Extract(body) // nothing, and no parsing, unless paths are set
	if ev.Type == "" {
		ev.Type = v.typ
	} else {
		ev.Type = v.typ + "." + ev.Type
	}
	return ev, nil
}

func (v *Oktopay) verifyKey(r *http.Request) error {
	return v.src.Check(r, v.keys)
}

func (v *Oktopay) verifyHMAC(r *http.Request, body []byte) error {
	sig := strings.TrimSpace(r.Header.Get(v.header))
	if sig == "" {
		return fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, v.header)
	}
	if len(sig) > maxSignatureLen {
		return fmt.Errorf("%w: header %s is too long", webhookverify.ErrMalformedSignature, v.header)
	}
	mac, err := v.Encoding.Decode(sig)
	if err != nil || len(mac) == 0 {
		return fmt.Errorf("%w: header %s is not %s", webhookverify.ErrMalformedSignature, v.header, v.Encoding)
	}
	if !v.hmacKeys.Match([][]byte{mac}, body) {
		return webhookverify.ErrInvalidSignature
	}
	return nil
}

// RemoveCredential implements webhookverify.CredentialRemover: in key
// mode the header or query parameter that carried the secret is not
// forwarded. In hmac mode the signature is left in place.
func (v *Oktopay) RemoveCredential(r *http.Request) {
	if v.Mode == ModeKey {
		v.src.Remove(r)
	}
}

// Sign adds the credential made with the first secret: the secret itself
// in the header or query parameter (mode key), or the HMAC of the body in
// the header (mode hmac).
func (v *Oktopay) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	switch {
	case v.Mode == ModeHMAC:
		r.Header.Set(v.header, v.Encoding.Encode(v.hmacKeys.Sign(body)))
	case v.Query != "":
		q := r.URL.Query()
		q.Set(v.Query, string(v.keys[0]))
		r.URL.RawQuery = q.Encode()
	default:
		r.Header.Set(v.header, string(v.keys[0]))
	}
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify oktopay {
//	    secret <value>...              # required; several = rotation
//	    variant wallet|pix             # default wallet
//	    mode key|hmac                  # default key (assumed)
//	    header <name>                  # default apiKey (key) / X-Signature (hmac), assumed
//	    query <param>                  # key mode: read the secret from the query instead
//	    algorithm sha256|sha512        # hmac mode; default sha256
//	    encoding hex|base64            # hmac mode; default hex
//	    methods <method>...            # default POST (assumed)
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <provider status> <canonical status>
//	}
func (v *Oktopay) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
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
		case "variant":
			if err := webhookverify.StringArg(d, &v.Variant); err != nil {
				return err
			}
			if v.Variant != VariantWallet && v.Variant != VariantPix {
				return d.Errf("variant %q: use wallet (OktoCash/OktoWallet) or pix (OKTO.PIX)", v.Variant)
			}
		case "mode":
			if err := webhookverify.StringArg(d, &v.Mode); err != nil {
				return err
			}
			if v.Mode != ModeKey && v.Mode != ModeHMAC {
				return d.Errf("mode %q: use key (the secret is sent as is) or hmac (an HMAC of the body)", v.Mode)
			}
		case "header":
			if err := webhookverify.StringArg(d, &v.Header); err != nil {
				return err
			}
		case "query":
			if err := webhookverify.StringArg(d, &v.Query); err != nil {
				return err
			}
		case "algorithm":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.Algorithm = webhookverify.Algorithm(s)
			if v.Algorithm != webhookverify.SHA256 && v.Algorithm != webhookverify.SHA512 {
				return d.Errf("algorithm %q: use sha256 or sha512", s)
			}
		case "encoding":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.Encoding = webhookverify.Encoding(s)
			if v.Encoding != webhookverify.Hex && v.Encoding != webhookverify.Base64 {
				return d.Errf("encoding %q: use hex or base64", s)
			}
		case "methods":
			v.Methods = d.RemainingArgs()
			if len(v.Methods) == 0 {
				return d.Errf("methods needs at least one HTTP method, e.g. methods POST")
			}
			if err := webhookverify.CheckMethods(v.Methods); err != nil {
				return d.Errf("%s: %v", "oktopay", err)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider oktopay: use secret, variant, mode, header, query, algorithm, encoding, methods or a field path", d.Val())
		}
	}
	if err := v.check(); err != nil {
		return d.Errf("oktopay: %v", err)
	}
	if len(v.Secrets) == 0 {
		variant := v.Variant
		if variant == "" {
			variant = VariantWallet
		}
		return d.Errf("oktopay needs a secret: add %s", secretHint(variant))
	}
	return nil
}

// Covers implements webhookverify.Coverer: in hmac mode the HMAC
// covers the raw body; in key mode the secret covers nothing of the request.
func (v *Oktopay) Covers() webhookverify.Coverage {
	if v.Mode == ModeHMAC {
		return webhookverify.Coverage{EventID: true, Body: true}
	}
	return webhookverify.Coverage{}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the HMAC header in hmac mode.
func (v *Oktopay) CredentialHeaders() []string {
	if v.Mode != ModeHMAC {
		return nil // a key is a token, removed by RemoveCredential
	}
	return []string{v.header}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Oktopay)(nil)
	_ webhookverify.CredentialHeaderer = (*Oktopay)(nil)
	_ webhookverify.Coverer            = (*Oktopay)(nil)
	_ webhookverify.Signer             = (*Oktopay)(nil)
	_ webhookverify.CredentialRemover  = (*Oktopay)(nil)
	_ caddy.Provisioner                = (*Oktopay)(nil)
	_ caddyfile.Unmarshaler            = (*Oktopay)(nil)
)
