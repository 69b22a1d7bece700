// Package plaid verifies Plaid webhooks: the Plaid-Verification header is
// a JWT signed with ES256 by a key that Plaid's API serves by key id
// (POST /webhook_verification_key/get, with the account's client id and
// secret); its claims carry the signing time and the SHA-256 of the body.
package plaid

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource"
)

func init() {
	caddy.RegisterModule(Plaid{})
}

// HeaderVerification carries the JWT (its canonical spelling; header
// names match in any case).
const HeaderVerification = "Plaid-Verification"

// Alg is the only JWT algorithm accepted, as Plaid's docs require.
const Alg = "ES256"

// DefaultTolerance is how far the JWT's iat may be from now: Plaid's docs
// say to refuse a webhook more than 5 minutes old.
const DefaultTolerance = 5 * time.Minute

// Hosts maps the environment setting to Plaid's API host (plaid-openapi's
// servers).
var Hosts = map[string]string{
	"production": "production.plaid.com",
	"sandbox":    "sandbox.plaid.com",
}

// DefaultEnvironment is the environment used when none is configured.
const DefaultEnvironment = "production"

// keyPath is the path of Plaid's key endpoint.
const keyPath = "/webhook_verification_key/get"

// keyTTL is how long a fetched key is kept: an hour, so that a key Plaid
// marks expired is noticed within one.
const keyTTL = time.Hour

// Bounds on what is parsed before the signature is checked.
const (
	maxJWT     = 4096 // the whole header value
	maxJWTPart = 2048 // the JOSE header and the claims, base64url
	sigLen     = 64   // r || s, 32 bytes each
)

// Plaid verifies Plaid webhooks.
//
// A webhook is a POST whose Plaid-Verification header is a compact JWT:
// its JOSE header must say alg ES256 (anything else, "none" included, is
// refused before any key is fetched) and name the key (kid, 1 to 64
// letters, digits, '-', '_' or '.'); its signature is the 64-byte r||s of
// ECDSA P-256 over SHA-256 of "<header>.<claims>"; its claims hold iat
// (Unix seconds, within Tolerance of now, either way) and
// request_body_sha256 (the hex SHA-256 of the raw body, compared in
// constant time). The key is fetched, once an hour, from POST https://
// {production|sandbox}.plaid.com/webhook_verification_key/get with the
// client id and secret; a key whose expired_at is set, or that is not an
// EC P-256 ES256 key on the curve, is refused (unknown_key), as Plaid's
// tutorial refuses expired keys. Plaid answers an unknown key id with 400:
// it is an unknown key, remembered for a minute (wrong credentials get
// 400 too: the log shows the status).
//
// The whole body is signed (through its SHA-256) and so is the time.
// Plaid sends no event id: the envelope's id is a digest of the body.
//
// Event mapping, from the body: type = com.plaid.<webhook_type>.
// <webhook_code>, lowercased (e.g. com.plaid.transactions.
// sync_updates_available); no id, time or payment facts.
type Plaid struct {
	// ClientID is the Plaid client id (Dashboard → Keys), e.g.
	// {env.PLAID_CLIENT_ID}. Required.
	ClientID string `json:"client_id,omitempty"`

	// Secret is the Plaid API secret of the environment. A secret: use a
	// placeholder, {env.PLAID_SECRET} or {file./path}. Required.
	Secret string `json:"secret,omitempty"`

	// Environment is the Plaid environment whose keys are fetched:
	// production (default) or sandbox.
	Environment string `json:"environment,omitempty"`

	// Tolerance is how far the JWT's iat may be from now, either way.
	// Default 5m, as Plaid's docs say.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// PrivateKey signs, for tests and `caddy webhook sign` only: an ECDSA
	// P-256 key (a placeholder such as {file./path/key.pem}). What it
	// signs verifies only against a test key server serving its public
	// key as KeyID.
	PrivateKey string `json:"private_key,omitempty"`

	// KeyID is the kid PrivateKey signs as (1 to 64 letters, digits, '-',
	// '_' or '.'). Required with PrivateKey.
	KeyID string `json:"key_id,omitempty"`

	keys     *keysource.Source
	keyURL   string
	clientID string // resolved
	secret   string // resolved
	signer   *ecdsa.PrivateKey
}

// CaddyModule returns the Caddy module information.
func (Plaid) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.plaid",
		New: func() caddy.Module { return new(Plaid) },
	}
}

// Provision checks the configuration, resolves the credentials and takes
// the account's key cache (kept across reloads). It fetches nothing.
func (v *Plaid) Provision(ctx caddy.Context) error {
	if v.Environment == "" {
		v.Environment = DefaultEnvironment
	}
	host, ok := Hosts[v.Environment]
	if !ok {
		return fmt.Errorf("plaid: environment %q: use production or sandbox", v.Environment)
	}
	v.keyURL = "https://" + host + keyPath
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("plaid: %w", err)
	}
	if v.ClientID == "" {
		return fmt.Errorf("plaid: client_id is required: add 'client_id {env.PLAID_CLIENT_ID}'")
	}
	if v.Secret == "" {
		return fmt.Errorf("plaid: secret is required: add 'secret {env.PLAID_SECRET}'")
	}
	id, err := caddy.NewReplacer().ReplaceOrErr(v.ClientID, true, true)
	if err != nil {
		return fmt.Errorf("plaid: client_id: %v", err)
	}
	if v.clientID = strings.TrimSpace(id); v.clientID == "" {
		return fmt.Errorf("plaid: client_id is empty: add 'client_id {env.PLAID_CLIENT_ID}'")
	}
	vals, err := webhookverify.Secrets{v.Secret}.Resolve()
	if err != nil {
		return fmt.Errorf("plaid: secret: %w", err)
	}
	v.secret = strings.TrimSpace(string(vals[0]))
	if err := v.provisionSigner(); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(v.clientID + "\x00" + v.secret))
	v.keys, err = keysource.Acquire(ctx, keysource.Config{
		Provider: "plaid", Hosts: []string{host}, TTL: keyTTL, MaxEntries: 100,
	}, "plaid|"+v.Environment+hex.EncodeToString(sum[:]))
	return err
}

// provisionSigner reads PrivateKey and KeyID.
func (v *Plaid) provisionSigner() error {
	if v.PrivateKey == "" {
		if v.KeyID != "" {
			return fmt.Errorf("plaid: key_id signs only with private_key (a test key)")
		}
		return nil
	}
	if !webhookverify.IsTypeToken(v.KeyID) {
		return fmt.Errorf("plaid: private_key needs 'key_id <kid>', the key id it signs as (1 to 64 letters, digits, '-', '_' or '.')")
	}
	priv, err := webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyECDSA)
	if err != nil {
		return fmt.Errorf("plaid: private_key: %w", err)
	}
	k, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		return fmt.Errorf("plaid: private_key: not an ECDSA key")
	}
	v.signer = k
	return nil
}

// Cleanup releases the key cache.
func (v *Plaid) Cleanup() error {
	if v.keys == nil {
		return nil
	}
	return v.keys.Release()
}

// token is what a Plaid-Verification JWT says, parsed but not yet
// verified.
type token struct {
	signed []byte // "<header>.<claims>", as sent
	sig    []byte // r || s
	kid    string
	iat    time.Time
	hash   []byte // request_body_sha256
}

// Verify checks the JWT, then its time and the body's hash.
func (v *Plaid) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Plaid"); err != nil {
		return webhookverify.Event{}, err
	}
	jwt, err := webhookverify.SignatureHeader(r, HeaderVerification)
	if err != nil {
		return webhookverify.Event{}, err
	}
	tok, err := parseJWT(jwt)
	if err != nil {
		return webhookverify.Event{}, err
	}
	pub, err := v.key(r.Context(), tok.kid)
	if err != nil {
		return webhookverify.Event{}, err
	}
	digest := sha256.Sum256(tok.signed)
	rr, ss := new(big.Int).SetBytes(tok.sig[:32]), new(big.Int).SetBytes(tok.sig[32:])
	if !ecdsa.Verify(pub, digest[:], rr, ss) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	if err := webhookverify.CheckTimestamp(tok.iat, now, time.Duration(v.Tolerance)); err != nil {
		return webhookverify.Event{}, err
	}
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(sum[:], tok.hash) != 1 {
		return webhookverify.Event{}, fmt.Errorf("%w: the body's SHA-256 is not the JWT's request_body_sha256", webhookverify.ErrInvalidSignature)
	}
	return event(body), nil
}

// parseJWT reads a compact JWT: its JOSE header (alg ES256, a kid of a
// safe character set, no crit), its claims (iat, request_body_sha256)
// and its 64-byte signature. Nothing is trusted yet; everything that does
// not parse is malformed, so that no key is fetched for it.
func parseJWT(s string) (*token, error) {
	malformed := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: "+format, append([]any{webhookverify.ErrMalformedSignature, HeaderVerification}, args...)...)
	}
	if len(s) > maxJWT {
		return nil, malformed("longer than %d bytes", maxJWT)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, malformed("not a compact JWT (header.claims.signature)")
	}
	if len(parts[0]) > maxJWTPart || len(parts[1]) > maxJWTPart {
		return nil, malformed("a part is longer than %d bytes", maxJWTPart)
	}

	var hdr map[string]json.RawMessage
	raw, err := webhookverify.Base64URL.Decode(parts[0])
	if err != nil || json.Unmarshal(raw, &hdr) != nil || hdr == nil {
		return nil, malformed("the JOSE header is not base64url JSON")
	}
	var alg, kid string
	if json.Unmarshal(hdr["alg"], &alg) != nil || alg != Alg {
		return nil, malformed("alg must be %s", Alg)
	}
	if _, ok := hdr["crit"]; ok {
		return nil, malformed("crit extensions are not understood")
	}
	if json.Unmarshal(hdr["kid"], &kid) != nil || !webhookverify.IsTypeToken(kid) {
		return nil, malformed("kid must be 1 to 64 letters, digits, '-', '_' or '.'")
	}

	var claims map[string]json.RawMessage
	raw, err = webhookverify.Base64URL.Decode(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims == nil {
		return nil, malformed("the claims are not base64url JSON")
	}
	iatRaw, ok := claims["iat"]
	if !ok {
		return nil, fmt.Errorf("%w: the JWT has no iat", webhookverify.ErrMissingTimestamp)
	}
	iat, err := numericDate(iatRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: iat: %v", webhookverify.ErrMalformedTimestamp, err)
	}
	var hashText string
	if json.Unmarshal(claims["request_body_sha256"], &hashText) != nil || len(hashText) != 2*sha256.Size {
		return nil, malformed("request_body_sha256 must be the 64 hex digits of a SHA-256")
	}
	hash, err := hex.DecodeString(hashText)
	if err != nil {
		return nil, malformed("request_body_sha256 is not hex")
	}

	sig, err := webhookverify.Base64URL.Decode(parts[2])
	if err != nil || len(sig) != sigLen {
		return nil, malformed("the signature is not the base64url of %d bytes (ES256's r||s)", sigLen)
	}
	return &token{signed: []byte(s[:len(parts[0])+1+len(parts[1])]), sig: sig, kid: kid, iat: iat, hash: hash}, nil
}

// numericDate reads a JWT NumericDate: a JSON number of seconds since
// the epoch (a fraction is allowed, as RFC 7519 does).
func numericDate(raw json.RawMessage) (time.Time, error) {
	var n json.Number // which would take a string of digits too
	if len(raw) == 0 || raw[0] < '0' || raw[0] > '9' || json.Unmarshal(raw, &n) != nil {
		return time.Time{}, errors.New("not a non-negative JSON number")
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, errors.New("not a time in Unix seconds")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// key returns Plaid's key kid, fetched (once an hour) from Plaid's API.
func (v *Plaid) key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	val, err := v.keys.Get(ctx, kid, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		req, err := json.Marshal(map[string]string{"client_id": v.clientID, "secret": v.secret, "key_id": kid})
		if err != nil {
			return nil, 0, err
		}
		b, err := c.Post(ctx, v.keyURL, http.Header{"Content-Type": {"application/json"}}, req)
		if se, ok := errors.AsType[*keysource.StatusError](err); ok && se.StatusCode == http.StatusBadRequest {
			// Plaid's answer for a key id it does not know (and, alas,
			// for wrong credentials).
			return nil, 0, fmt.Errorf("%w: Plaid answered 400 for kid %s: an unknown key id, or a wrong client_id or secret (%v)", keysource.ErrNotFound, kid, err)
		}
		if err != nil {
			return nil, 0, err
		}
		k, err := parseKeyResponse(b, kid)
		return k, 0, err
	})
	if err != nil {
		return nil, keysource.Failure(err)
	}
	return val.(*ecdsa.PublicKey), nil
}

// parseKeyResponse reads Plaid's answer for kid:
// {"key":{"alg","crv","kid","kty","use","x","y","created_at","expired_at"},
// "request_id"}. A key that is expired, of another kind or off the curve
// is not found (unknown_key); an answer of another shape is an
// unavailable key source.
func parseKeyResponse(b []byte, kid string) (*ecdsa.PublicKey, error) {
	var resp struct {
		Key *struct {
			Alg       string          `json:"alg"`
			Crv       string          `json:"crv"`
			Kid       string          `json:"kid"`
			Kty       string          `json:"kty"`
			Use       string          `json:"use"`
			X         string          `json:"x"`
			Y         string          `json:"y"`
			ExpiredAt json.RawMessage `json:"expired_at"`
		} `json:"key"`
	}
	if err := json.Unmarshal(b, &resp); err != nil || resp.Key == nil {
		return nil, fmt.Errorf("plaid: the key response is not {\"key\":{…}}")
	}
	k := resp.Key
	notFound := func(format string, args ...any) error {
		return fmt.Errorf("%w: Plaid's key %s "+format, append([]any{keysource.ErrNotFound, kid}, args...)...)
	}
	switch {
	case k.Kid != kid:
		return nil, notFound("came back under another kid")
	case len(k.ExpiredAt) > 0 && string(k.ExpiredAt) != "null":
		return nil, notFound("has expired (expired_at is set)")
	case k.Kty != "EC" || k.Crv != "P-256" || k.Alg != Alg:
		return nil, notFound("is not an EC P-256 ES256 key (kty %.10q, crv %.10q, alg %.10q)", k.Kty, k.Crv, k.Alg)
	case k.Use != "" && k.Use != "sig":
		return nil, notFound("is not a signing key (use %.10q)", k.Use)
	}
	x, errX := webhookverify.Base64URL.Decode(k.X)
	y, errY := webhookverify.Base64URL.Decode(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, notFound("has x and y that are not the base64url of 32 bytes each")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, notFound("is not a point of P-256")
	}
	if err := webhookverify.CheckPublicKey(pub, webhookverify.KeyECDSA); err != nil {
		return nil, notFound("%v", err)
	}
	return pub, nil
}

// event reads the facts of a verified webhook (see Plaid).
func event(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: "com.plaid.webhook"}
	if !gjson.ValidBytes(body) {
		return ev
	}
	doc := gjson.ParseBytes(body)
	typ := webhookverify.Scalar(doc.Get("webhook_type"))
	code := webhookverify.Scalar(doc.Get("webhook_code"))
	if webhookverify.IsTypeToken(typ) && webhookverify.IsTypeToken(code) {
		ev.Type = "com.plaid." + strings.ToLower(typ) + "." + strings.ToLower(code)
	}
	return ev
}

// Sign signs the body as Plaid would: a JWT by private_key, naming
// key_id, issued now.
func (v *Plaid) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if v.signer == nil {
		return nil, fmt.Errorf("plaid: signing needs 'private_key {file./path/test-key.pem}' and 'key_id <kid>' (Plaid keeps its own key)")
	}
	hdr, err := json.Marshal(map[string]string{"alg": Alg, "kid": v.KeyID, "typ": "JWT"})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	claims, err := json.Marshal(map[string]any{"iat": now.Unix(), "request_body_sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return nil, err
	}
	signed := webhookverify.Base64URL.Encode(hdr) + "." + webhookverify.Base64URL.Encode(claims)
	digest := sha256.Sum256([]byte(signed))
	rr, ss, err := ecdsa.Sign(rand.Reader, v.signer, digest[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, sigLen)
	rr.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	r.Header.Set(HeaderVerification, signed+"."+webhookverify.Base64URL.Encode(sig))
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify plaid {
//	    client_id <id>                # required, e.g. {env.PLAID_CLIENT_ID}
//	    secret <secret>               # required, e.g. {env.PLAID_SECRET}
//	    environment production|sandbox  # default production
//	    tolerance <duration>          # default 5m
//	    private_key <key>             # only to sign (tests, caddy webhook sign),
//	    key_id <kid>                  #   as this key id
//	}
func (v *Plaid) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "client_id":
			if err := webhookverify.StringArg(d, &v.ClientID); err != nil {
				return err
			}
		case "secret":
			if err := webhookverify.StringArg(d, &v.Secret); err != nil {
				return d.Errf("secret takes one value, the Plaid API secret, e.g. secret {env.PLAID_SECRET}")
			}
			if strings.TrimSpace(v.Secret) == "" {
				return d.Errf("secret is empty: give the Plaid API secret, e.g. secret {env.PLAID_SECRET}")
			}
		case "environment":
			if err := webhookverify.StringArg(d, &v.Environment); err != nil {
				return err
			}
			if _, ok := Hosts[v.Environment]; !ok {
				return d.Errf("environment %q: use production or sandbox", v.Environment)
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
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
			if !webhookverify.IsTypeToken(v.KeyID) {
				return d.Errf("key_id %q: use 1 to 64 letters, digits, '-', '_' or '.'", v.KeyID)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider plaid: use client_id, secret, environment, tolerance, private_key or key_id", d.Val())
		}
	}
	if v.ClientID == "" || v.Secret == "" {
		return d.Errf("plaid needs the account's credentials to fetch Plaid's keys: add 'client_id {env.PLAID_CLIENT_ID}' and 'secret {env.PLAID_SECRET}'")
	}
	if (v.PrivateKey == "") != (v.KeyID == "") {
		return d.Errf("private_key and key_id go together: a test key and the kid it signs as")
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer.
func (v *Plaid) CredentialHeaders() []string {
	return []string{HeaderVerification}
}

// Covers implements webhookverify.Coverer: the body (through its SHA-256)
// and the time (iat) are signed. Plaid sends no event id.
func (v *Plaid) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{Body: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Plaid)(nil)
	_ webhookverify.Signer             = (*Plaid)(nil)
	_ webhookverify.Coverer            = (*Plaid)(nil)
	_ webhookverify.CredentialHeaderer = (*Plaid)(nil)
	_ caddy.Provisioner                = (*Plaid)(nil)
	_ caddy.CleanerUpper               = (*Plaid)(nil)
	_ caddyfile.Unmarshaler            = (*Plaid)(nil)
)
