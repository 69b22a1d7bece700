// Package fireblocks verifies Fireblocks webhooks: v2's detached JWS
// (RS512, Fireblocks-Webhook-Signature) against the keys Fireblocks
// publishes as a JWKS per environment, and v1's RSA SHA-512 signature
// (Fireblocks-Signature) against Fireblocks' published public keys.
package fireblocks

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"slices"
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
	caddy.RegisterModule(Fireblocks{})
}

// The signature headers: v2's detached JWS and v1's signature. During
// Fireblocks' migration both are sent.
const (
	HeaderJWS = "Fireblocks-Webhook-Signature"
	HeaderV1  = "Fireblocks-Signature"
)

// JWKSHosts are the hosts of Fireblocks' key sets, by environment
// (developers.fireblocks.com, "Validating webhooks"; the US production
// host is documented, the others as Fireblocks' SDKs and integrations
// use them).
var JWKSHosts = map[string]string{
	"production": "keys.fireblocks.io",
	"eu":         "eu-keys.fireblocks.io",
	"eu2":        "eu2-keys.fireblocks.io",
	"sandbox":    "sandbox-keys.fireblocks.io",
}

// Keys are Fireblocks' published v1 public keys, by the name public_key
// takes (developers.fireblocks.com, "Validating webhooks"): production
// US, production EU and EU2, and the developer sandbox.
var Keys = map[string]string{
	"fireblocks_production":    productionKey,
	"fireblocks_production_eu": productionEUKey,
	"fireblocks_sandbox":       sandboxKey,
}

// Fireblocks verifies Fireblocks webhooks.
//
// v2 (the default): Fireblocks-Webhook-Signature is a JWS with a detached
// payload, "<header>..<signature>": the header must say alg RS512 and a
// kid; the signature is RSA PKCS #1 v1.5 SHA-512 of "<header>." followed
// by the base64url of the raw body, by the key of that kid in the JWKS of
// the configured environment (https://<env host>/.well-known/jwks.json,
// fetched from that host only, cached for an hour; an unknown kid makes the
// set be fetched again at most once a minute).
//
// v1 (configured with public_key): Fireblocks-Signature is the base64 RSA
// SHA-512 signature of the raw body by one of the given keys. Fireblocks
// is retiring v1 in 2026; with both configured, a request carrying a JWS
// is verified by it, any other by v1.
//
// Nothing but the body is signed (no timestamp): use dedup. Event mapping
// (all signed): type = type (e.g. TRANSACTION_STATUS_UPDATED), time =
// timestamp (Unix ms), status = data.status (COMPLETED → succeeded;
// CANCELLED, REJECTED, BLOCKED, FAILED → failed; SUBMITTED, QUEUED,
// PENDING_*, BROADCASTING, CONFIRMING → pending), amount = data.amount,
// currency = data.assetId, reference = data.externalTxId. No event id:
// Fireblocks sends several events of one transaction with one data.id,
// so the envelope digests the body.
type Fireblocks struct {
	// Environment chooses the JWKS v2 signatures are checked against:
	// production (default), eu, eu2 or sandbox. "off" turns v2 off (v1
	// only; needs public_key).
	Environment string `json:"environment,omitempty"`

	// PublicKeys are v1 keys: fireblocks_production, fireblocks_production_eu,
	// fireblocks_sandbox, or a PEM / base64 DER RSA key (or a placeholder
	// such as {file./etc/fireblocks.pem}). Set them while Fireblocks still
	// sends v1 signatures you rely on.
	PublicKeys []string `json:"public_keys,omitempty"`

	// PrivateKey and KeyID sign v2 (and, with PublicKeys, v1) for tests
	// and `caddy webhook sign` only: an RSA key (placeholder) and the kid
	// a test key server serves it under.
	PrivateKey string `json:"private_key,omitempty"`
	KeyID      string `json:"key_id,omitempty"`

	jwksURL string
	keys    *keysource.Source
	v1      *webhookverify.PublicKeys
	priv    crypto.Signer
	paths   webhookverify.FieldPaths
}

// CaddyModule returns the Caddy module information.
func (Fireblocks) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.fireblocks",
		New: func() caddy.Module { return new(Fireblocks) },
	}
}

// Provision loads v1 keys and takes the JWKS cache of the environment
// (shared, kept across reloads). It fetches nothing.
func (v *Fireblocks) Provision(ctx caddy.Context) error {
	v.paths = webhookverify.FieldPaths{
		Type: "type", Time: "timestamp", Status: "data.status", StatusMap: statusMap,
		Amount: "data.amount", Currency: "data.assetId", Reference: "data.externalTxId",
	}
	if v.Environment == "" {
		v.Environment = "production"
	}
	if v.PrivateKey != "" {
		var err error
		if v.priv, err = webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyRSA); err != nil {
			return fmt.Errorf("fireblocks: private_key: %w", err)
		}
	}
	if len(v.PublicKeys) > 0 {
		pubs := make([]crypto.PublicKey, len(v.PublicKeys))
		for i, raw := range v.PublicKeys {
			s := raw
			if named, ok := Keys[raw]; ok {
				s = named
			}
			var err error
			if pubs[i], err = webhookverify.LoadPublicKey(s, webhookverify.KeyRSA); err != nil {
				return fmt.Errorf("fireblocks: public key #%d: %v (names: %s)", i+1, err, strings.Join(slices.Sorted(maps.Keys(Keys)), ", "))
			}
		}
		var err error
		var signer crypto.Signer
		if v.priv != nil && slices.ContainsFunc(pubs, func(p crypto.PublicKey) bool { return v.priv.Public().(*rsa.PublicKey).Equal(p) }) {
			signer = v.priv
		}
		if v.v1, err = webhookverify.NewPublicKeys(webhookverify.KeyRSA, webhookverify.SHA512, pubs, signer); err != nil {
			return fmt.Errorf("fireblocks: %w", err)
		}
	}
	if v.Environment == "off" {
		if v.v1 == nil {
			return fmt.Errorf("fireblocks: environment off turns v2 signatures off: add 'public_key fireblocks_production' for v1, or choose an environment")
		}
		return nil
	}
	host, ok := JWKSHosts[v.Environment]
	if !ok {
		return fmt.Errorf("fireblocks: unknown environment %q: use production, eu, eu2, sandbox (or off, for v1 only)", v.Environment)
	}
	v.jwksURL = "https://" + host + "/.well-known/jwks.json"
	var err error
	v.keys, err = keysource.Acquire(ctx, keysource.Config{
		Provider: "fireblocks", Hosts: []string{host}, TTL: 24 * time.Hour, MaxEntries: 100,
	}, "fireblocks|"+host)
	return err
}

// Cleanup releases the JWKS cache.
func (v *Fireblocks) Cleanup() error {
	if v.keys == nil {
		return nil
	}
	return v.keys.Release()
}

// Verify checks the v2 JWS, or the v1 signature.
func (v *Fireblocks) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Fireblocks"); err != nil {
		return webhookverify.Event{}, err
	}
	var err error
	switch {
	case len(r.Header.Values(HeaderJWS)) > 0 && v.keys != nil:
		err = v.verifyJWS(r, body)
	case v.v1 != nil:
		err = v.verifyV1(r, body)
	default:
		err = fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderJWS)
	}
	if err != nil {
		return webhookverify.Event{}, err
	}
	return v.paths.Extract(body), nil
}

// verifyV1 checks Fireblocks-Signature.
func (v *Fireblocks) verifyV1(r *http.Request, body []byte) error {
	text, err := webhookverify.SignatureHeader(r, HeaderV1)
	if err != nil {
		return err
	}
	sig, err := webhookverify.Base64.Decode(text)
	if err != nil {
		return fmt.Errorf("%w: header %s is not base64", webhookverify.ErrMalformedSignature, HeaderV1)
	}
	if !v.v1.Match([][]byte{sig}, body) {
		return webhookverify.ErrInvalidSignature
	}
	return nil
}

// jwsHeader is the protected header of a v2 signature.
type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// maxKid bounds a key id.
const maxKid = 128

// verifyJWS checks a detached JWS: "<header>..<signature>".
func (v *Fireblocks) verifyJWS(r *http.Request, body []byte) error {
	jws, err := webhookverify.SignatureHeader(r, HeaderJWS)
	if err != nil {
		return err
	}
	headerB64, sigB64, ok := strings.Cut(jws, "..")
	if !ok || headerB64 == "" || sigB64 == "" || strings.Contains(sigB64, ".") {
		return fmt.Errorf("%w: %s is not a detached JWS (<header>..<signature>)", webhookverify.ErrMalformedSignature, HeaderJWS)
	}
	raw, err := webhookverify.Base64URL.Decode(headerB64)
	var hdr jwsHeader
	if err != nil || json.Unmarshal(raw, &hdr) != nil {
		return fmt.Errorf("%w: %s: the JWS header is not base64url JSON", webhookverify.ErrMalformedSignature, HeaderJWS)
	}
	if hdr.Alg != "RS512" {
		return fmt.Errorf("%w: %s: alg %q, want RS512", webhookverify.ErrMalformedSignature, HeaderJWS, hdr.Alg)
	}
	if !safeKid(hdr.Kid) {
		return fmt.Errorf("%w: %s: no kid, or one of unexpected characters", webhookverify.ErrMalformedSignature, HeaderJWS)
	}
	sig, err := webhookverify.Base64URL.Decode(sigB64)
	if err != nil {
		return fmt.Errorf("%w: %s: the signature is not base64url", webhookverify.ErrMalformedSignature, HeaderJWS)
	}
	pub, err := v.key(r.Context(), hdr.Kid)
	if err != nil {
		return err
	}
	h := sha512.New()
	h.Write([]byte(headerB64))
	h.Write([]byte{'.'})
	h.Write([]byte(webhookverify.Base64URL.Encode(body)))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA512, h.Sum(nil), sig) != nil {
		return webhookverify.ErrInvalidSignature
	}
	return nil
}

// safeKid reports whether a key id is of a bounded, safe character set.
func safeKid(kid string) bool {
	if kid == "" || len(kid) > maxKid {
		return false
	}
	for _, c := range []byte(kid) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// The key set is kept setTTL; a kid it lacks makes it be fetched again,
// at most once a minute (Fireblocks may have added a key), however many
// kids requests name.
const setTTL = time.Hour

// key returns the RSA key of kid from the environment's key set.
func (v *Fireblocks) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	set, err := v.keySet(ctx, "jwks", 0)
	if err == nil {
		if k, ok := set[kid]; ok {
			return k, nil
		}
		minute := strconv.FormatInt(time.Now().Unix()/60, 10)
		set, err = v.keySet(ctx, "jwks@"+minute, time.Minute)
	}
	if err != nil {
		return nil, keysource.Failure(err)
	}
	if k, ok := set[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: no RS512 signing key %s of 2048 bits or more in Fireblocks' key set", webhookverify.ErrUnknownKey, kid)
}

// keySet returns the environment's keys by kid, cached under id for ttl
// (0: setTTL).
func (v *Fireblocks) keySet(ctx context.Context, id string, ttl time.Duration) (map[string]*rsa.PublicKey, error) {
	val, err := v.keys.Get(ctx, id, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		b, err := c.Get(ctx, v.jwksURL, nil)
		if err != nil {
			return nil, 0, err
		}
		set, err := parseKeySet(b)
		return set, ttl, err
	})
	if err != nil {
		return nil, err
	}
	return val.(map[string]*rsa.PublicKey), nil
}

// jwk is one key of a JWKS.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// parseKeySet reads the RS512 signing keys of a JWKS document by kid.
// Keys of another type or algorithm, or weak ones, are left out (a
// request naming them gets unknown_key).
func parseKeySet(doc []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, fmt.Errorf("the JWKS is not JSON: %v", err)
	}
	out := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Alg != "" && k.Alg != "RS512") || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := webhookverify.Base64URL.Decode(k.N)
		e, err2 := webhookverify.Base64URL.Decode(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if webhookverify.CheckPublicKey(pub, webhookverify.KeyRSA) != nil {
			continue
		}
		out[k.Kid] = pub
	}
	return out, nil
}

// Sign signs as Fireblocks would: a v2 JWS with private_key under key_id
// (unless environment is off), and a v1 signature when the private key
// is one of the v1 public keys.
func (v *Fireblocks) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	if v.priv == nil {
		return nil, fmt.Errorf("fireblocks: signing needs 'private_key {file./path/test-key.pem}' and 'key_id <kid>' (Fireblocks keeps its own key)")
	}
	if v.keys != nil {
		hdr, _ := json.Marshal(jwsHeader{Alg: "RS512", Kid: v.KeyID})
		headerB64 := webhookverify.Base64URL.Encode(hdr)
		digest := sha512.Sum512([]byte(headerB64 + "." + webhookverify.Base64URL.Encode(body)))
		sig, err := v.priv.Sign(nil, digest[:], crypto.SHA512)
		if err != nil {
			return nil, err
		}
		r.Header.Set(HeaderJWS, headerB64+".."+webhookverify.Base64URL.Encode(sig))
	}
	if v.v1 != nil && v.v1.CanSign() {
		sig, err := v.v1.Sign(body)
		if err != nil {
			return nil, err
		}
		r.Header.Set(HeaderV1, webhookverify.Base64.Encode(sig))
	}
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify fireblocks {
//	    environment production|eu|eu2|sandbox|off   # v2 JWKS; default production
//	    public_key <name or key>...                 # v1: fireblocks_production, fireblocks_production_eu, fireblocks_sandbox
//	    private_key <key>                           # only to sign (tests, caddy webhook sign),
//	    key_id <kid>                                #   as this kid
//	}
func (v *Fireblocks) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "environment":
			if err := webhookverify.StringArg(d, &v.Environment); err != nil {
				return err
			}
			if _, ok := JWKSHosts[v.Environment]; !ok && v.Environment != "off" {
				return d.Errf("environment %q: use production, eu, eu2, sandbox (or off, for v1 signatures only)", v.Environment)
			}
		case "public_key":
			if err := generic.PublicKeyArgs(d, &v.PublicKeys); err != nil {
				return err
			}
		case "private_key":
			if err := generic.PrivateKeyArg(d, &v.PrivateKey); err != nil {
				return err
			}
		case "key_id":
			if err := webhookverify.StringArg(d, &v.KeyID); err != nil {
				return err
			}
		case "secret":
			return d.Errf("fireblocks takes no secret: Fireblocks signs with its private key (v2: the environment's JWKS; v1: 'public_key fireblocks_production')")
		default:
			return d.Errf("unrecognized subdirective %q for provider fireblocks: use environment, public_key, private_key or key_id", d.Val())
		}
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer.
func (v *Fireblocks) CredentialHeaders() []string { return []string{HeaderJWS, HeaderV1} }

// Covers implements webhookverify.Coverer: both versions sign the whole
// body; no time is signed.
func (v *Fireblocks) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{Body: true}
}

var statusMap = map[string]webhookverify.PaymentStatus{
	"SUBMITTED":             webhookverify.StatusPending,
	"QUEUED":                webhookverify.StatusPending,
	"PENDING_AUTHORIZATION": webhookverify.StatusPending,
	"PENDING_SIGNATURE":     webhookverify.StatusPending,
	"BROADCASTING":          webhookverify.StatusPending,
	"CONFIRMING":            webhookverify.StatusPending,
	"COMPLETED":             webhookverify.StatusSucceeded,
	"CANCELLED":             webhookverify.StatusFailed,
	"REJECTED":              webhookverify.StatusFailed,
	"BLOCKED":               webhookverify.StatusFailed,
	"FAILED":                webhookverify.StatusFailed,
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Fireblocks)(nil)
	_ webhookverify.Signer             = (*Fireblocks)(nil)
	_ webhookverify.Coverer            = (*Fireblocks)(nil)
	_ webhookverify.CredentialHeaderer = (*Fireblocks)(nil)
	_ caddy.Provisioner                = (*Fireblocks)(nil)
	_ caddy.CleanerUpper               = (*Fireblocks)(nil)
	_ caddyfile.Unmarshaler            = (*Fireblocks)(nil)
)
