// Package paypal verifies PayPal webhooks: an RSA signature (SHA256withRSA)
// of "<transmission id>|<transmission time>|<webhook id>|<CRC-32 of the
// body>" by a PayPal certificate that the request names by URL. The URL is
// fetched only from PayPal's API hosts, and the certificate must chain to
// a trusted root and be issued to messageverificationcerts*.paypal.com.
package paypal

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource"
)

func init() {
	caddy.RegisterModule(PayPal{})
}

// The headers PayPal sends (PayPal-Java-SDK Constants.java).
const (
	HeaderTransmissionID   = "Paypal-Transmission-Id"
	HeaderTransmissionTime = "Paypal-Transmission-Time"
	HeaderTransmissionSig  = "Paypal-Transmission-Sig"
	HeaderCertURL          = "Paypal-Cert-Url"
	HeaderAuthAlgo         = "Paypal-Auth-Algo"
)

// DefaultTolerance is how far the transmission time may be from now.
const DefaultTolerance = 72 * time.Hour

// EventType is the type of every PayPal webhook: its event_type is in the
// body, which is not signed (see PayPal).
const EventType = "com.paypal.webhook"

// AuthAlgo is the only signature algorithm accepted: PayPal's, and the
// only one its SDKs map to a strong hash.
const AuthAlgo = "SHA256withRSA"

// digiCertEVServerCA is DigiCert's SHA2 Extended Validation Server CA,
// the intermediate PayPal's SDKs pin (PayPal-Java-SDK, rest-api-sdk/src/
// main/resources): added to what the URL serves, in case it serves the
// signing certificate alone.
//
//go:embed digicert-sha2-ev-server-ca.pem
var digiCertEVServerCA []byte

// Hosts are the hosts a PAYPAL-CERT-URL may name: PayPal's REST API hosts,
// live and sandbox. PayPal publishes no list (its SDKs fetch any URL);
// these are the hosts its SDKs and docs call.
var Hosts = []string{"api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com", "api-m.sandbox.paypal.com"}

// PayPal verifies PayPal webhooks (REST API notifications).
//
// A webhook carries PAYPAL-TRANSMISSION-ID, -TIME (RFC 3339), -SIG
// (base64), -CERT-URL and -AUTH-ALGO (SHA256withRSA). The signed string is
// "<id>|<time>|<webhook id>|<CRC-32 (IEEE) of the raw body, unsigned
// decimal>", the webhook id being the one configured (PayPal's id of the
// webhook): a webhook sent to another listener does not verify here. The
// certificate at the URL is fetched over HTTPS from PayPal's API hosts
// only (redirects not followed), cached until it expires (at most a day),
// and must chain to a root the system trusts and be issued to
// messageverificationcerts.paypal.com or its sandbox twin, as PayPal's
// SDKs check.
//
// The body is signed only through its CRC-32, which is no cryptographic
// hash: whoever captured one genuine transmission can make another body
// with the same CRC and send it under the same signature. So the event id
// (and the dedup key) is the signed PAYPAL-TRANSMISSION-ID, not a field of
// the body, the body is not taken as covered (no dedup key json), and the
// transmission time is held to a tolerance (72h by default: PayPal retries
// for up to three days and does not say whether a retry is signed anew).
// Use dedup, with a window at least as long, so that a transmission is
// accepted once.
//
// Event mapping: id = PAYPAL-TRANSMISSION-ID, type com.paypal.webhook,
// time = PAYPAL-TRANSMISSION-TIME; nothing is read from the body, whose
// facts (event_type, amounts, PayPal's event id WH-…) the application
// must take from PayPal (GET /v1/notifications/webhooks-events/{id}) or
// treat as claims, not from the gateway's envelope.
type PayPal struct {
	// WebhookID is PayPal's id of the webhook (Developer Dashboard, or the
	// id the webhooks API returned). It is part of what PayPal signs.
	// Required.
	WebhookID string `json:"webhook_id,omitempty"`

	// Tolerance is how far the transmission time may be from now. Default
	// 72h: PayPal retries for up to three days and does not say whether a
	// retry is signed anew. Lower it if yours are.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// PrivateKey and CertURL sign, for tests and `caddy webhook sign`
	// only: an RSA key (a placeholder such as {file./path/key.pem}) and
	// the URL of its certificate, which must be served from PayPal's
	// hosts to verify.
	PrivateKey string `json:"private_key,omitempty"`
	CertURL    string `json:"cert_url,omitempty"`

	certs  *keysource.Source
	signer *webhookverify.PublicKeys
}

// CaddyModule returns the Caddy module information.
func (PayPal) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.paypal",
		New: func() caddy.Module { return new(PayPal) },
	}
}

// Provision checks the configuration and takes PayPal's certificate cache
// (shared by every PayPal route, kept across reloads). It fetches nothing.
func (v *PayPal) Provision(ctx caddy.Context) error {
	repl := caddy.NewReplacer()
	id, err := repl.ReplaceOrErr(v.WebhookID, true, true)
	if err != nil {
		return fmt.Errorf("paypal: webhook_id: %v", err)
	}
	if v.WebhookID = strings.TrimSpace(id); v.WebhookID == "" {
		return fmt.Errorf("paypal: webhook_id is required: add 'webhook_id <the webhook's id in PayPal's dashboard>'")
	}
	if strings.Contains(v.WebhookID, "|") {
		return fmt.Errorf("paypal: webhook_id %q: PayPal's ids hold no '|'", v.WebhookID)
	}
	if v.Tolerance < 0 {
		return fmt.Errorf("paypal: tolerance must be positive")
	}
	if v.Tolerance == 0 {
		v.Tolerance = caddy.Duration(DefaultTolerance)
	}
	if v.PrivateKey != "" {
		if v.CertURL == "" {
			return fmt.Errorf("paypal: private_key signs only with cert_url, the URL of its certificate")
		}
		priv, err := webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyRSA)
		if err != nil {
			return fmt.Errorf("paypal: private_key: %w", err)
		}
		if v.signer, err = webhookverify.NewPublicKeys(webhookverify.KeyRSA, webhookverify.SHA256, []crypto.PublicKey{priv.Public()}, priv); err != nil {
			return fmt.Errorf("paypal: private_key: %w", err)
		}
	}
	v.certs, err = keysource.Acquire(ctx, keysource.Config{
		Provider: "paypal", Hosts: Hosts, TTL: 24 * time.Hour, MaxEntries: 100,
	}, "paypal")
	return err
}

// Cleanup releases the certificate cache.
func (v *PayPal) Cleanup() error {
	if v.certs == nil {
		return nil
	}
	return v.certs.Release()
}

// Verify checks the transmission signature.
func (v *PayPal) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "PayPal"); err != nil {
		return webhookverify.Event{}, err
	}
	var h [5]string
	for i, name := range []string{HeaderTransmissionSig, HeaderTransmissionID, HeaderTransmissionTime, HeaderCertURL, HeaderAuthAlgo} {
		val, err := webhookverify.OneHeader(r, name)
		if err != nil {
			return webhookverify.Event{}, err
		}
		if val == "" {
			missing := webhookverify.ErrMalformedSignature
			switch name {
			case HeaderTransmissionSig:
				missing = webhookverify.ErrMissingSignature
			case HeaderTransmissionTime:
				missing = webhookverify.ErrMissingTimestamp
			}
			return webhookverify.Event{}, fmt.Errorf("%w: header %s", missing, name)
		}
		h[i] = val
	}
	sigText, id, ts, certURL, algo := h[0], h[1], h[2], h[3], h[4]
	if algo != AuthAlgo {
		return webhookverify.Event{}, fmt.Errorf("%w: %s %q: only %s is accepted", webhookverify.ErrMalformedSignature, HeaderAuthAlgo, algo, AuthAlgo)
	}
	if strings.Contains(id, "|") {
		return webhookverify.Event{}, fmt.Errorf("%w: %s holds a '|'", webhookverify.ErrMalformedSignature, HeaderTransmissionID)
	}
	sent, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not RFC 3339", webhookverify.ErrMalformedTimestamp, HeaderTransmissionTime)
	}
	if err := webhookverify.CheckTimestamp(sent, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	sig, err := webhookverify.Base64.Decode(sigText)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not base64", webhookverify.ErrMalformedSignature, HeaderTransmissionSig)
	}
	pub, err := v.certificate(r.Context(), certURL, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	digest := sha256.Sum256([]byte(signedString(id, ts, v.WebhookID, body)))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	// Only what is signed: the body is signed through its CRC-32 alone,
	// which can be forged (see PayPal), so nothing is read from it.
	return webhookverify.Event{ID: id, Type: EventType, Time: sent.UTC()}, nil
}

// signedString is what PayPal signs.
func signedString(id, ts, webhookID string, body []byte) string {
	return id + "|" + ts + "|" + webhookID + "|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
}

// certificate returns the public key of the certificate at url, fetched
// (once, then cached) from PayPal's hosts, its chain verified at now.
func (v *PayPal) certificate(ctx context.Context, url string, now time.Time) (*rsa.PublicKey, error) {
	if err := certPath(url); err != nil {
		return nil, err
	}
	if err := v.certs.CheckURL(url); err != nil {
		return nil, keysource.Failure(err)
	}
	val, err := v.certs.Get(ctx, url, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		pemBytes, err := c.Get(ctx, url, nil)
		if err != nil {
			return nil, 0, err
		}
		leaf, err := verifyChain(pemBytes, now, keysource.Roots())
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", keysource.ErrNotFound, err)
		}
		return leaf, min(leaf.NotAfter.Sub(now), 24*time.Hour), nil
	})
	if err != nil {
		return nil, keysource.Failure(err)
	}
	leaf := val.(*x509.Certificate)
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%w: PayPal's certificate is not valid at %s", webhookverify.ErrUnknownKey, now.UTC().Format(time.RFC3339))
	}
	return leaf.PublicKey.(*rsa.PublicKey), nil
}

// CertPathPrefix starts the path of every certificate URL PayPal sends
// (https://api.paypal.com/v1/notifications/certs/CERT-…, in its SDKs'
// samples and docs). Any other path, and any query or fragment, is
// refused: a request may not make the gateway fetch other resources of
// PayPal's API, nor new URLs for the same certificate.
const CertPathPrefix = "/v1/notifications/certs/"

// certPath refuses a certificate URL whose path is not PayPal's
// certificates' or that has a query or a fragment.
func certPath(raw string) error {
	u, err := neturl.Parse(raw)
	if err != nil || !strings.HasPrefix(u.EscapedPath(), CertPathPrefix) || len(u.EscapedPath()) == len(CertPathPrefix) ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(u.EscapedPath(), "..") {
		return fmt.Errorf("%w: %s is not a PayPal certificate URL (https://api.paypal.com%s…)", webhookverify.ErrKeyURLNotAllowed, HeaderCertURL, CertPathPrefix)
	}
	return nil
}

// verifyChain reads the PEM certificates PayPal serves (the signing
// certificate first, then intermediates) and checks what PayPal's SDKs
// check: the chain leads to roots (nil: the system's) at now, and the
// signing certificate is issued to messageverificationcerts[.sandbox].paypal.com.
// Its key must be RSA of 2048 bits or more.
func verifyChain(pemBytes []byte, now time.Time, roots *x509.CertPool) (*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("a certificate that does not parse")
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no PEM certificate at the URL")
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	inter.AppendCertsFromPEM(digiCertEVServerCA)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("the certificate does not chain to a trusted root: %v", err)
	}
	if !payPalName(leaf.Subject.CommonName) {
		return nil, fmt.Errorf("the certificate is issued to %q, not messageverificationcerts.paypal.com", leaf.Subject.CommonName)
	}
	if err := webhookverify.CheckPublicKey(leaf.PublicKey, webhookverify.KeyRSA); err != nil {
		return nil, err
	}
	return leaf, nil
}

// payPalName reports whether a certificate's common name is PayPal's
// message verification name (as PayPal's Java and Ruby SDKs check it).
func payPalName(cn string) bool {
	return strings.HasPrefix(cn, "messageverificationcerts.") && strings.HasSuffix(cn, ".paypal.com")
}

// Sign signs the body as PayPal would, with private_key, naming cert_url.
func (v *PayPal) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if v.signer == nil {
		return nil, fmt.Errorf("paypal: signing needs 'private_key {file./path/test-key.pem}' and 'cert_url <URL of its certificate>' (PayPal keeps its own key)")
	}
	id := fmt.Sprintf("%x-sign", now.UnixNano())
	ts := now.UTC().Format(time.RFC3339)
	sig, err := v.signer.Sign([]byte(signedString(id, ts, v.WebhookID, body)))
	if err != nil {
		return nil, err
	}
	r.Header.Set(HeaderTransmissionID, id)
	r.Header.Set(HeaderTransmissionTime, ts)
	r.Header.Set(HeaderTransmissionSig, webhookverify.Base64.Encode(sig))
	r.Header.Set(HeaderCertURL, v.CertURL)
	r.Header.Set(HeaderAuthAlgo, AuthAlgo)
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify paypal {
//	    webhook_id <id>               # required: PayPal's id of the webhook
//	    tolerance <duration>          # default 72h
//	    private_key <key>             # only to sign (tests, caddy webhook sign),
//	    cert_url <url>                #   with the URL of its certificate
//	}
func (v *PayPal) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "webhook_id":
			if err := webhookverify.StringArg(d, &v.WebhookID); err != nil {
				return err
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		case "private_key":
			if err := generic.PrivateKeyArg(d, &v.PrivateKey); err != nil {
				return err
			}
		case "cert_url":
			if err := webhookverify.StringArg(d, &v.CertURL); err != nil {
				return err
			}
		case "secret":
			return d.Errf("paypal takes no secret: PayPal signs with its certificate; give 'webhook_id <the webhook's id>'")
		default:
			return d.Errf("unrecognized subdirective %q for provider paypal: use webhook_id, tolerance, private_key or cert_url", d.Val())
		}
	}
	if v.WebhookID == "" {
		return d.Errf("paypal needs the webhook's id: add 'webhook_id <id from PayPal's dashboard>' (or {env.PAYPAL_WEBHOOK_ID})")
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer.
func (v *PayPal) CredentialHeaders() []string {
	return []string{HeaderTransmissionSig, HeaderTransmissionID, HeaderTransmissionTime, HeaderCertURL, HeaderAuthAlgo}
}

// Covers implements webhookverify.Coverer: the event id (the
// transmission id) and the transmission time are signed; the body only
// through its CRC-32, which can be forged, so it is not covered.
func (v *PayPal) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*PayPal)(nil)
	_ webhookverify.Signer             = (*PayPal)(nil)
	_ webhookverify.Coverer            = (*PayPal)(nil)
	_ webhookverify.CredentialHeaderer = (*PayPal)(nil)
	_ caddy.Provisioner                = (*PayPal)(nil)
	_ caddy.CleanerUpper               = (*PayPal)(nil)
	_ caddyfile.Unmarshaler            = (*PayPal)(nil)
)
