// Package mercadopago verifies Mercado Pago webhook notifications: the
// x-signature header's v1 part is the hex HMAC-SHA256, under the
// application's webhook secret, of a manifest of the data.id query
// parameter, the x-request-id header and the header's ts part.
package mercadopago

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(MercadoPago{})
}

// The request headers and the query parameter that are signed.
const (
	HeaderSignature = "X-Signature"
	HeaderRequestID = "X-Request-Id"
	ParamDataID     = "data.id"
)

// TypeNotification is the type of every notification: the notification's
// type (payment, merchant_order, …) is not signed.
const TypeNotification = "com.mercadopago.notification"

// MercadoPago verifies Mercado Pago webhook notifications.
//
// x-signature is "ts=<timestamp>,v1=<hex>" (parts in any order, spaces
// around them ignored); v1 is the hex HMAC-SHA256, keyed with the
// application's secret signature, of the manifest
//
//	id:<data.id>;request-id:<x-request-id>;ts:<ts>;
//
// where data.id is the query parameter of the notification URL (as sent,
// which is what the official SDK signs, or lowercased when it is
// alphanumeric, which is what Mercado Pago's docs say: either verifies)
// and a part whose
// value is absent is left out, as the docs say. A ';' in data.id or
// x-request-id is refused (400), so that no manifest reads as another. ts is Unix seconds (or
// milliseconds, with 13 digits or more) and must be within tolerance of now.
//
// THE BODY IS NOT SIGNED: only the resource id, the request id and the time
// are. Whoever captures a notification can resend it within the tolerance
// with any body; fetch the resource (GET /v1/payments/<data.id>) with your
// access token and act on that, never on the body. Mercado Pago only
// POSTs: other methods get 405.
//
// Event mapping: id = x-request-id (signed; empty when absent); type
// com.mercadopago.notification; time = ts; nothing else is signed.
type MercadoPago struct {
	// Secrets are the application's secret signatures (Your integrations >
	// Webhooks); the first one signs, any one verifies. Use placeholders:
	// {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Tolerance is how far ts may be from now, in either direction.
	// Default 5m. Mercado Pago documents none; if retries are refused with
	// timestamp_out_of_tolerance, raise it and deduplicate.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	keys *webhookverify.HMACKeys
}

// CaddyModule returns the Caddy module information.
func (MercadoPago) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.mercadopago",
		New: func() caddy.Module { return new(MercadoPago) },
	}
}

// Provision resolves the secrets.
func (v *MercadoPago) Provision(caddy.Context) error {
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("mercadopago: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("mercadopago")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// parseSignature splits x-signature into ts and the v1 signature.
func parseSignature(h string) (ts string, sig []byte, err error) {
	var v1 string
	var haveTS, haveV1 bool
	for _, part := range strings.Split(h, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, fmt.Errorf("%w: header %s has a part without '='", webhookverify.ErrMalformedSignature, HeaderSignature)
		}
		switch strings.TrimSpace(k) {
		case "ts":
			if haveTS {
				return "", nil, fmt.Errorf("%w: header %s has two ts parts", webhookverify.ErrMalformedSignature, HeaderSignature)
			}
			ts, haveTS = strings.TrimSpace(val), true
		case "v1":
			if haveV1 {
				return "", nil, fmt.Errorf("%w: header %s has two v1 parts", webhookverify.ErrMalformedSignature, HeaderSignature)
			}
			v1, haveV1 = strings.TrimSpace(val), true
		}
	}
	if !haveV1 || v1 == "" {
		return "", nil, fmt.Errorf("%w: header %s has no v1 part", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	if !haveTS || ts == "" {
		return "", nil, fmt.Errorf("%w: header %s has no ts part", webhookverify.ErrMissingTimestamp, HeaderSignature)
	}
	if len(v1) != 2*sha256.Size {
		return "", nil, fmt.Errorf("%w: v1 must be %d hex digits", webhookverify.ErrMalformedSignature, 2*sha256.Size)
	}
	sig, err = hex.DecodeString(v1)
	if err != nil {
		return "", nil, fmt.Errorf("%w: v1 is not hex", webhookverify.ErrMalformedSignature)
	}
	return ts, sig, nil
}

// dataID returns the data.id query parameter as sent, and whether it is
// present.
func dataID(r *http.Request) (string, bool, error) {
	_, raw, _ := strings.Cut(webhookverify.RequestTarget(r), "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", false, fmt.Errorf("%w: the query string is not valid", webhookverify.ErrMalformedRequest)
	}
	ids, ok := q[ParamDataID]
	switch {
	case !ok:
		return "", false, nil
	case len(ids) != 1:
		return "", false, fmt.Errorf("%w: %d %s query parameters", webhookverify.ErrMalformedRequest, len(ids), ParamDataID)
	}
	id := ids[0]
	return id, id != "", nil
}

// lowerAlnum returns an alphanumeric id in lower case, as the docs have it
// signed, and whether that differs from id.
func lowerAlnum(id string) (string, bool) {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return id, false
		}
	}
	lower := strings.ToLower(id)
	return lower, lower != id
}

// manifest appends the signed manifest to dst.
func manifest(dst []byte, id string, hasID bool, reqID, ts string) []byte {
	if hasID {
		dst = append(dst, "id:"...)
		dst = append(dst, id...)
		dst = append(dst, ';')
	}
	if reqID != "" {
		dst = append(dst, "request-id:"...)
		dst = append(dst, reqID...)
		dst = append(dst, ';')
	}
	dst = append(dst, "ts:"...)
	dst = append(dst, ts...)
	return append(dst, ';')
}

// parseTS reads ts: milliseconds with 13 digits or more, else seconds.
func parseTS(ts string) (time.Time, error) {
	return webhookverify.ParseUnixTimestamp(ts, len(ts) >= 13)
}

// Verify checks the method, the timestamp and the signature.
func (v *MercadoPago) Verify(r *http.Request, _ []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Mercado Pago"); err != nil {
		return webhookverify.Event{}, err
	}
	h := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if h == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	ts, sig, err := parseSignature(h)
	if err != nil {
		return webhookverify.Event{}, err
	}
	t, err := parseTS(ts)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: ts part of header %s", err, HeaderSignature)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	id, hasID, err := dataID(r)
	if err != nil {
		return webhookverify.Event{}, err
	}
	reqID := r.Header.Get(HeaderRequestID)
	// A ';' would let one manifest read as another (id "A;request-id:B"
	// without a request id signs as id A with request id B).
	if strings.IndexByte(id, ';') >= 0 || strings.IndexByte(reqID, ';') >= 0 {
		return webhookverify.Event{}, fmt.Errorf("%w: %s or %s contains ';'", webhookverify.ErrMalformedRequest, ParamDataID, HeaderRequestID)
	}
	var buf [256]byte
	ok := v.keys.Match([][]byte{sig}, manifest(buf[:0], id, hasID, reqID, ts))
	if lower, differs := lowerAlnum(id); !ok && differs {
		// The docs lowercase an alphanumeric data.id; the SDK does not.
		ok = v.keys.Match([][]byte{sig}, manifest(buf[:0], lower, hasID, reqID, ts))
	}
	if !ok {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return webhookverify.Event{ID: reqID, Type: TypeNotification, Time: t.UTC()}, nil
}

// Sign sets x-signature as Mercado Pago would, with the first secret, ts
// = now in Unix seconds, over r's data.id and x-request-id (set to a
// fresh value when r has none). The body is not signed.
func (v *MercadoPago) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	id, hasID, err := dataID(r)
	if err != nil {
		return nil, err
	}
	reqID := r.Header.Get(HeaderRequestID)
	if reqID == "" {
		reqID = "caddy-webhook-sign-" + strconv.FormatInt(now.UnixNano(), 36)
		r.Header.Set(HeaderRequestID, reqID)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := v.keys.Sign(manifest(nil, id, hasID, reqID, ts))
	r.Header.Set(HeaderSignature, "ts="+ts+",v1="+hex.EncodeToString(mac))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify mercadopago {
//	    secret <secret signature>...   # required, e.g. {env.MERCADOPAGO_WEBHOOK_SECRET}
//	    tolerance <duration>           # default 5m
//	}
func (v *MercadoPago) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	return v.Secrets.UnmarshalSecretsAndTolerance(d, &v.Tolerance,
		"unrecognized subdirective %q for provider mercadopago: use secret or tolerance",
		"mercadopago needs the application's secret signature: add 'secret {env.MERCADOPAGO_WEBHOOK_SECRET}'")
}

// Covers implements webhookverify.Coverer: the request id (the event id)
// and the time are signed; the body is not.
func (v *MercadoPago) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Tolerance: time.Duration(v.Tolerance)}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature.
func (v *MercadoPago) CredentialHeaders() []string {
	return []string{HeaderSignature}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*MercadoPago)(nil)
	_ webhookverify.CredentialHeaderer = (*MercadoPago)(nil)
	_ webhookverify.Coverer            = (*MercadoPago)(nil)
	_ webhookverify.Signer             = (*MercadoPago)(nil)
	_ caddy.Provisioner                = (*MercadoPago)(nil)
	_ caddyfile.Unmarshaler            = (*MercadoPago)(nil)
)
