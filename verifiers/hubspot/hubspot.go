// Package hubspot verifies HubSpot requests signed with the v3 signature:
// X-HubSpot-Signature-v3, the base64 HMAC-SHA256 under the app's client
// secret of the method, the full URI, the body and the
// X-HubSpot-Request-Timestamp header.
package hubspot

import (
	"crypto/sha256"
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
	caddy.RegisterModule(HubSpot{})
}

// The request headers.
const (
	HeaderSignature = "X-HubSpot-Signature-v3"
	HeaderTimestamp = "X-HubSpot-Request-Timestamp"
)

// The event types.
const (
	// TypePrefix prefixes a webhook event's subscriptionType:
	// com.hubspot.contact.creation.
	TypePrefix = "com.hubspot."
	// TypeRequest is the type of any other signed request (workflow
	// actions, CRM cards, …).
	TypeRequest = "com.hubspot.request"
)

// HubSpot verifies HubSpot's v3 request signature.
//
// X-HubSpot-Signature-v3 is the base64 HMAC-SHA256, keyed with the app's
// client secret, of the HTTP method, the URI, the raw body and the
// X-HubSpot-Request-Timestamp header's text, concatenated with no
// separators. The URI is the full URL HubSpot called: PublicURL (or the
// connection's scheme and Host header) followed by the request target as
// Caddy received it, in which the percent-escapes HubSpot's documentation
// lists (%3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C ,
// %3B ;) are decoded. The timestamp is Unix milliseconds and must be within
// tolerance of now, in either direction. The method is signed, so any
// method is accepted (webhooks POST; CRM cards GET).
//
// The v1 and v2 signatures (X-HubSpot-Signature) are not checked: they
// sign no time, and v3 is sent with them.
//
// Event mapping, for a webhook body (a JSON array of events; the first
// event's facts): id "<subscriptionId>:<eventId>" when the array has one
// event (HubSpot's eventId alone is not documented as unique; attemptNumber
// is left out, so retries keep the id), none for several (the body digest
// is used: every byte is signed); type "com.hubspot." + subscriptionType
// (com.hubspot.contact.creation); time = occurredAt (Unix ms). Any other
// body: type com.hubspot.request and nothing else.
type HubSpot struct {
	// Secrets are the app's client secrets; the first one signs, any one
	// verifies. Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// PublicURL is the scheme, host and optional port HubSpot calls, e.g.
	// https://hooks.example.com; the request's path and query are appended
	// to it. Default: the connection's scheme and Host header.
	PublicURL string `json:"public_url,omitempty"`

	// Tolerance is how far the timestamp may be from now, in either
	// direction. Default 5m, HubSpot's documented maximum age.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	keys *webhookverify.HMACKeys
	base string
}

// CaddyModule returns the Caddy module information.
func (HubSpot) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.hubspot",
		New: func() caddy.Module { return new(HubSpot) },
	}
}

// Provision checks the options and resolves the secrets.
func (v *HubSpot) Provision(caddy.Context) error {
	if v.PublicURL != "" {
		base, err := webhookverify.ParsePublicURL(v.PublicURL)
		if err != nil {
			return fmt.Errorf("hubspot: public_url %q: %w", v.PublicURL, err)
		}
		v.base = base
	}
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("hubspot: %w", err)
	}
	keys, err := v.Secrets.ResolveRequired("hubspot")
	if err != nil {
		return err
	}
	v.keys = webhookverify.NewHMACKeys(sha256.New, keys)
	return nil
}

// decodedEscapes are the escapes HubSpot decodes in the signed URI.
var decodedEscapes = map[string]byte{
	"3A": ':', "2F": '/', "3F": '?', "40": '@', "21": '!', "24": '$',
	"27": '\'', "28": '(', "29": ')', "2A": '*', "2C": ',', "3B": ';',
}

// SignedURI returns u with the escapes HubSpot decodes decoded (either
// case of hex digit); every other byte is unchanged.
func SignedURI(u string) string {
	if strings.IndexByte(u, '%') < 0 {
		return u
	}
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		if u[i] == '%' && i+2 < len(u) {
			if c, ok := decodedEscapes[strings.ToUpper(u[i+1:i+3])]; ok {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(u[i])
	}
	return b.String()
}

// Verify checks the timestamp and the signature, and returns the event.
func (v *HubSpot) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	ts := r.Header.Get(HeaderTimestamp)
	t, err := webhookverify.ParseUnixTimestamp(ts, true)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", err, HeaderTimestamp)
	}
	if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	value := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if value == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	var sig [sha256.Size]byte
	if len(value) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	if n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(value)); err != nil || n != sha256.Size {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is not a base64 HMAC-SHA256", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	uri := SignedURI(webhookverify.PublicRequestURL(r, v.base))
	if !v.keys.Match([][]byte{sig[:]}, []byte(r.Method), []byte(uri), body, []byte(ts)) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return event(body), nil
}

// event reads the facts of a verified body.
func event(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: TypeRequest}
	if !gjson.ValidBytes(body) {
		return ev
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsArray() {
		return ev
	}
	events := doc.Array()
	if len(events) == 0 || !events[0].IsObject() {
		return ev
	}
	first := events[0]
	if typ := webhookverify.Scalar(first.Get("subscriptionType")); webhookverify.IsTypeToken(typ) {
		ev.Type = TypePrefix + typ
	}
	if ms := webhookverify.Scalar(first.Get("occurredAt")); ms != "" {
		if t, err := webhookverify.ParseUnixTimestamp(ms, true); err == nil {
			ev.Time = t.UTC()
		}
	}
	if len(events) == 1 {
		sub, id := webhookverify.Scalar(first.Get("subscriptionId")), webhookverify.Scalar(first.Get("eventId"))
		if id != "" {
			ev.ID = sub + ":" + id
		}
	}
	return ev
}

// Sign produces what HubSpot would send, with the first secret: the
// timestamp (now, in ms) and the signature of r's method and URL with body.
func (v *HubSpot) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	ts := fmt.Sprint(now.UnixMilli())
	uri := SignedURI(webhookverify.PublicRequestURL(r, v.base))
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(v.keys.Sign([]byte(r.Method), []byte(uri), body, []byte(ts))))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify hubspot {
//	    secret <client secret>...              # required, e.g. {env.HUBSPOT_CLIENT_SECRET}
//	    public_url <scheme://host[:port]>      # what HubSpot calls; default: the request's scheme and Host
//	    tolerance <duration>                   # default 5m
//	}
func (v *HubSpot) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "public_url":
			if err := webhookverify.PublicURLArg(d, &v.PublicURL); err != nil {
				return err
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider hubspot: use secret, public_url or tolerance", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("hubspot needs the app's client secret: add 'secret {env.HUBSPOT_CLIENT_SECRET}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: the method, URI, body and
// timestamp are signed.
func (v *HubSpot) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true, Tolerance: time.Duration(v.Tolerance)}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature and its timestamp.
func (v *HubSpot) CredentialHeaders() []string {
	return []string{HeaderSignature, HeaderTimestamp}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*HubSpot)(nil)
	_ webhookverify.CredentialHeaderer = (*HubSpot)(nil)
	_ webhookverify.Coverer            = (*HubSpot)(nil)
	_ webhookverify.Signer             = (*HubSpot)(nil)
	_ caddy.Provisioner                = (*HubSpot)(nil)
	_ caddyfile.Unmarshaler            = (*HubSpot)(nil)
)
