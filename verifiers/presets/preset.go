// Package presets holds the providers whose scheme is data: a MAC over a
// template of the body, headers, timestamp and configured values. Each row
// of Table is a Caddy module, http.webhook_verify.verifiers.<name>, that
// runs the generic hmac verifier with the provider's scheme, so that the
// Caddyfile says only `webhook_verify <name> { secret … }`.
package presets

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

// Row describes one provider.
type Row struct {
	// Name is the module name and the Caddyfile's provider name.
	Name string
	// Title is the provider as people write it, e.g. "GitHub".
	Title string
	// Docs is the provider's page on verifying its webhooks.
	Docs string
	// Proof says what proves the row in the tests: a published vector and
	// where it is, or the official SDK cross-checked; or, when there is
	// neither, "no published vector" and what is assumed.
	Proof string
	// Secret names the secret as the provider does, and the environment
	// variable the examples use, e.g. "webhook secret", "GITHUB_WEBHOOK_SECRET".
	// For a public-key row (Scheme.KeyType set), it names the public key.
	Secret, SecretEnv string

	// Keys are the public keys the provider publishes, by the name a
	// configuration may give in their place (public_key wise_sandbox), for
	// a public-key row. A row without Keys takes the account's own key.
	Keys map[string]string

	// Scheme is the provider's scheme: header, algorithm, encoding,
	// prefix or key=value format, timestamp and its tolerance, payload
	// template, key encoding, methods and the default field paths. Secrets
	// and Values are left empty: they come from the configuration.
	Scheme generic.HMAC

	// Values are the configured values the payload needs, each a
	// Caddyfile subdirective of the provider (e.g. "notification_url").
	Values []string

	// Event, when set, turns what the field paths found into the
	// provider's event: the few quirks data cannot say.
	Event EventFunc

	// SourceIPs are the addresses the provider documents sending from,
	// for the README and the error that suggests allow_ips.
	SourceIPs []string

	// Token, when set, makes the row a token provider: the request carries
	// a shared secret (or, with Basic, "user:password"), checked by
	// Token.Check, and no signature. Scheme then gives only the methods and
	// the field paths, and the credential covers nothing of the request.
	Token *webhookverify.TokenSource

	// EnforceSourceIPs makes SourceIPs the default allow_ips, for a
	// provider that signs nothing: the handler refuses other addresses
	// unless allow_ips replaces the list.
	EnforceSourceIPs bool

	// Challenge, when set, answers the provider's challenge at the edge,
	// so that the application never sees it.
	Challenge *Challenge

	// Alternate, when set, is the same scheme under other header names
	// (Svix's svix-* beside Standard Webhooks' webhook-*): a request that
	// carries none of Scheme's headers and some of Alternate's is checked
	// by Alternate. The configuration applies to both.
	Alternate *generic.HMAC

	// SignAlternate makes Sign write Alternate's headers.
	SignAlternate bool
}

// EventFunc shapes a verified request's event: ev is what the field paths
// found, paths the paths in effect (the row's, with the configuration's in
// their place). It may refuse the request (e.g. a body of the wrong shape).
type EventFunc func(ev webhookverify.Event, r *http.Request, body []byte, paths *webhookverify.FieldPaths) (webhookverify.Event, error)

// Challenge is how a row answers its provider's challenge (see
// webhookverify.Challenger and webhookverify.UnsignedChallenger).
type Challenge struct {
	// Signed answers a challenge that is signed like a webhook. The
	// handler calls it only once the request verified. It returns nil and
	// no error for a request that is no challenge. key returns the secret
	// the request verified with (raw: the row's key encoding must be
	// none), for an answer that is a MAC under it; call it only for a
	// challenge, since finding it costs a verification per secret.
	Signed func(r *http.Request, body []byte, key func() []byte) (*webhookverify.ChallengeResponse, error)

	// Unsigned answers a challenge that is not signed, before any
	// verification: it must return nil for anything but the challenge's
	// exact shape (method, a bounded value of a safe character set).
	Unsigned func(r *http.Request, body []byte) *webhookverify.ChallengeResponse

	// Text says, for the README, what is answered and how.
	Text string
}

// signsTime reports whether the scheme signs a timestamp.
func (r *Row) signsTime() bool {
	return r.Scheme.SignsTime()
}

// Register makes each row a Caddy module.
func Register(rows ...*Row) {
	for _, row := range rows {
		caddy.RegisterModule(&Preset{row: row})
	}
}

// Preset is the verifier of one row. Its configuration is what the
// provider leaves to the user.
type Preset struct {
	// Secrets are the provider's signing secrets; the first one signs,
	// any one verifies. Use placeholders: {env.NAME} or {file./path}.
	// Not for a provider that signs with a private key: see PublicKeys.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// PublicKeys are the provider's public keys, for a provider that signs
	// with a private key (see the README): a name the provider's row
	// knows (e.g. wise_production), a PEM block, the base64 of a DER
	// public key or, for Ed25519, 32 bytes in hex; or a placeholder such
	// as {file./etc/key.pem}. Any one verifies (several allow rotation).
	PublicKeys []string `json:"public_keys,omitempty"`

	// PrivateKey signs, for a provider that signs with a private key, in
	// tests and `caddy webhook sign` only; its public key must be one of
	// PublicKeys. Use a placeholder: {env.NAME} or {file./path}.
	PrivateKey string `json:"private_key,omitempty"`

	// Tolerance is how far the signed timestamp may be from now, in either
	// direction. Default: the provider's (see the README). Only for
	// providers that sign a timestamp.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// Values are the provider's configured values that its signature
	// covers, by name, e.g. {"notification_url": "https://…"} for Square.
	Values map[string]string `json:"values,omitempty"`

	// Field paths override where the event's facts are read from.
	webhookverify.FieldPaths

	row  *Row
	hmac generic.HMAC
	alt  *generic.HMAC // the row's Alternate, provisioned

	// A token row's keys and field paths.
	keys  [][]byte
	paths webhookverify.FieldPaths

	// A signed-challenge row's raw keys and, with several secrets, one
	// verifier per secret, to tell which one a challenge verified with.
	challengeKeys [][]byte
	perKey        []generic.HMAC
}

// CaddyModule returns the Caddy module information.
func (p *Preset) CaddyModule() caddy.ModuleInfo {
	row := p.row
	return caddy.ModuleInfo{
		ID:  caddy.ModuleID(webhookverify.VerifierNamespace + "." + row.Name),
		New: func() caddy.Module { return &Preset{row: row} },
	}
}

// Provision builds the provider's verifier from its row and the
// configuration.
func (p *Preset) Provision(ctx caddy.Context) error {
	row := p.row
	if row.Scheme.KeyType != "" {
		if len(p.Secrets) > 0 {
			return fmt.Errorf("%s: %s signs with a private key and shares no secret: replace secret with 'public_key %s'", row.Name, row.Title, row.keyHint())
		}
		if len(p.PublicKeys) == 0 {
			return fmt.Errorf("%s: no public key configured: add 'public_key %s' to the webhook_verify block (JSON: \"public_keys\")", row.Name, row.keyHint())
		}
	} else if len(p.Secrets) == 0 {
		return fmt.Errorf("%s: no secret configured: add 'secret {env.%s}' to the webhook_verify block (JSON: \"secrets\")", row.Name, row.SecretEnv)
	} else if len(p.PublicKeys) > 0 || p.PrivateKey != "" {
		return fmt.Errorf("%s: %s signs with a shared secret: remove public_key and private_key", row.Name, row.Title)
	}
	if p.Tolerance != 0 && !row.signsTime() {
		return fmt.Errorf("%s: tolerance: %s signs no timestamp", row.Name, row.Title)
	}
	for _, name := range row.Values {
		if p.Values[name] == "" {
			return fmt.Errorf("%s: %s is required: add '%s <value>' to the webhook_verify block (JSON: \"values\": {\"%s\": …})", row.Name, name, name, name)
		}
	}
	for name := range p.Values {
		if !slices.Contains(row.Values, name) {
			return fmt.Errorf("%s: unknown value %q", row.Name, name)
		}
	}
	if row.Token != nil {
		return p.provisionToken()
	}
	var err error
	if p.hmac, err = p.provisionScheme(ctx, row.Scheme); err != nil {
		return err
	}
	if row.Alternate != nil {
		alt, err := p.provisionScheme(ctx, *row.Alternate)
		if err != nil {
			return err
		}
		p.alt = &alt
	}
	if row.Challenge != nil && row.Challenge.Signed != nil && row.Scheme.KeyType == "" {
		return p.provisionChallenge(ctx)
	}
	return nil
}

// provisionScheme is the row's scheme s with the configuration in it,
// provisioned.
func (p *Preset) provisionScheme(ctx caddy.Context, s generic.HMAC) (generic.HMAC, error) {
	row := p.row
	s.Secrets = p.Secrets
	s.PrivateKey = p.PrivateKey
	s.PublicKeys = nil
	for _, k := range p.PublicKeys {
		if named, ok := row.Keys[k]; ok {
			k = named
		}
		s.PublicKeys = append(s.PublicKeys, k)
	}
	s.Values = maps.Clone(p.Values)
	if p.Tolerance != 0 {
		s.Tolerance = p.Tolerance
	}
	s.FieldPaths = override(s.FieldPaths, p.FieldPaths)
	if err := s.FieldPaths.CheckStatusMap(); err != nil {
		return s, fmt.Errorf("%s: %w", row.Name, err)
	}
	if err := s.ProvisionScheme(ctx); err != nil {
		return s, fmt.Errorf("%s: %s", row.Name, strings.TrimPrefix(err.Error(), "hmac: "))
	}
	return s, nil
}

// scheme returns the scheme that checks r: the row's, or its Alternate
// when r carries the alternate's headers and none of the row's.
func (p *Preset) scheme(r *http.Request) *generic.HMAC {
	if p.alt != nil && !p.hmac.Sent(r) && p.alt.Sent(r) {
		return p.alt
	}
	return &p.hmac
}

// keyHint is what a public-key row's errors suggest as public_key: the
// published keys' names, or the environment variable of the examples.
func (r *Row) keyHint() string {
	if len(r.Keys) == 0 {
		return "{env." + r.SecretEnv + "}"
	}
	return strings.Join(slices.Sorted(maps.Keys(r.Keys)), " or ")
}

// provisionChallenge prepares what finds the secret a signed challenge
// verified with.
func (p *Preset) provisionChallenge(ctx caddy.Context) error {
	row := p.row
	if e := row.Scheme.KeyEncoding; e != "" && e != "raw" {
		return fmt.Errorf("%s: a signed challenge needs raw keys, not %s", row.Name, row.Scheme.KeyEncoding)
	}
	keys, err := p.Secrets.ResolveRequired(row.Name)
	if err != nil {
		return err
	}
	p.challengeKeys = keys
	if len(p.Secrets) < 2 {
		return nil
	}
	p.perKey = make([]generic.HMAC, len(p.Secrets))
	for i, s := range p.Secrets {
		one := p.hmac
		one.Secrets = webhookverify.Secrets{s}
		if err := one.ProvisionScheme(ctx); err != nil {
			return fmt.Errorf("%s: %s", row.Name, strings.TrimPrefix(err.Error(), "hmac: "))
		}
		p.perKey[i] = one
	}
	return nil
}

// provisionToken resolves a token row's secrets.
func (p *Preset) provisionToken() error {
	row := p.row
	keys, err := p.Secrets.ResolveRequired(row.Name)
	if err != nil {
		return err
	}
	for i, k := range keys {
		if row.Token.Basic && !strings.Contains(string(k), ":") {
			return fmt.Errorf("%s: secret #%d: %s sends HTTP basic credentials: write the secret as user:password", row.Name, i+1, row.Title)
		}
	}
	p.keys = keys
	p.paths = override(row.Scheme.FieldPaths, p.FieldPaths)
	if err := p.paths.CheckStatusMap(); err != nil {
		return fmt.Errorf("%s: %w", row.Name, err)
	}
	return nil
}

// override returns the row's field paths with the configured ones in
// their place.
func override(row, conf webhookverify.FieldPaths) webhookverify.FieldPaths {
	for _, f := range []struct{ dst, src *string }{
		{&row.EventID, &conf.EventID}, {&row.Type, &conf.Type}, {&row.Time, &conf.Time},
		{&row.Subject, &conf.Subject}, {&row.Status, &conf.Status}, {&row.Amount, &conf.Amount},
		{&row.Currency, &conf.Currency}, {&row.Reference, &conf.Reference},
	} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	if len(conf.StatusMap) > 0 {
		row.StatusMap = maps.Clone(row.StatusMap)
		if row.StatusMap == nil {
			row.StatusMap = map[string]webhookverify.PaymentStatus{}
		}
		maps.Copy(row.StatusMap, conf.StatusMap)
	}
	return row
}

// Verify checks the request with the provider's scheme.
func (p *Preset) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	var ev webhookverify.Event
	var err error
	paths := &p.paths
	if p.row.Token != nil {
		ev, err = p.verifyToken(r, body)
	} else {
		s := p.scheme(r)
		ev, err = s.Verify(r, body, now)
		paths = &s.FieldPaths
	}
	if err != nil || p.row.Event == nil {
		return ev, err
	}
	return p.row.Event(ev, r, body, paths)
}

// verifyToken checks a token row's method and credential.
func (p *Preset) verifyToken(r *http.Request, body []byte) (webhookverify.Event, error) {
	if err := webhookverify.MethodIn(r, p.row.Scheme.Methods); err != nil {
		return webhookverify.Event{}, err
	}
	if err := p.row.Token.Check(r, p.keys); err != nil {
		return webhookverify.Event{}, err
	}
	return p.paths.Extract(body), nil
}

// Sign signs as the provider would, with the first secret; a token row
// sets its credential.
func (p *Preset) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if p.row.Token != nil {
		p.row.Token.Set(r, p.keys[0])
		return body, nil
	}
	if p.row.SignAlternate && p.alt != nil {
		return p.alt.Sign(r, body, now)
	}
	return p.hmac.Sign(r, body, now)
}

// RemoveCredential implements webhookverify.CredentialRemover: a token
// row's header or query parameter is not forwarded. A signature is left
// in place.
func (p *Preset) RemoveCredential(r *http.Request) {
	if p.row.Token != nil {
		p.row.Token.Remove(r)
	}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the
// row's signature and timestamp headers (a token row's credential is
// removed by RemoveCredential instead).
func (p *Preset) CredentialHeaders() []string {
	if p.row.Token != nil {
		return nil
	}
	names := p.hmac.CredentialHeaders()
	if p.alt != nil {
		names = append(names, p.alt.CredentialHeaders()...)
	}
	return names
}

// Covers implements webhookverify.Coverer: a token covers nothing.
func (p *Preset) Covers() webhookverify.Coverage {
	if p.row.Token != nil {
		return webhookverify.Coverage{}
	}
	return p.hmac.Covers()
}

// Challenge implements webhookverify.Challenger: the answer to the
// provider's signed challenge, for a request that verified.
func (p *Preset) Challenge(r *http.Request, body []byte, _ webhookverify.Event, now time.Time) (*webhookverify.ChallengeResponse, error) {
	c := p.row.Challenge
	if c == nil || c.Signed == nil {
		return nil, nil
	}
	if p.row.Scheme.KeyType != "" {
		return c.Signed(r, body, nil) // no shared secret to answer with
	}
	return c.Signed(r, body, func() []byte { return p.verifiedKey(r, body, now) })
}

// verifiedKey is the secret r verified with: the one secret, or the first
// of several whose verifier accepts r.
func (p *Preset) verifiedKey(r *http.Request, body []byte, now time.Time) []byte {
	if len(p.perKey) == 0 {
		return p.challengeKeys[0]
	}
	for i := range p.perKey {
		if _, err := p.perKey[i].Verify(r, body, now); err == nil {
			return p.challengeKeys[i]
		}
	}
	return p.challengeKeys[0] // not reached: r verified under one of them
}

// UnsignedChallenge implements webhookverify.UnsignedChallenger: the
// answer to the provider's unsigned challenge, for a request of its exact
// shape.
func (p *Preset) UnsignedChallenge(r *http.Request, body []byte) *webhookverify.ChallengeResponse {
	c := p.row.Challenge
	if c == nil || c.Unsigned == nil {
		return nil
	}
	return c.Unsigned(r, body)
}

// DefaultAllowIPs implements webhookverify.SourceIPDefaulter: the
// provider's published addresses, when the row enforces them.
func (p *Preset) DefaultAllowIPs() []string {
	if !p.row.EnforceSourceIPs {
		return nil
	}
	return slices.Clone(p.row.SourceIPs)
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify <provider> {
//	    secret <value>...        # required; several = rotation
//	    public_key <key>...      # in place of secret, for providers that sign with a private key
//	    private_key <key>        # those only, to sign in tests and caddy webhook sign
//	    tolerance <duration>     # providers that sign a timestamp
//	    <value name> <value>     # e.g. notification_url, where the provider signs one
//	    event_id_path|type_path|…|reference_path <gjson path>
//	    status_map <provider status> <canonical status>
//	}
func (p *Preset) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	row := p.row
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if ok, err := p.FieldPaths.UnmarshalCaddyfileOption(d); ok {
			if err != nil {
				return err
			}
			continue
		}
		name := d.Val()
		switch {
		case name == "secret" && row.Scheme.KeyType != "":
			return d.Errf("%s signs with a private key and shares no secret: use 'public_key %s'", row.Title, row.keyHint())
		case name == "secret":
			if err := p.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case name == "public_key" && row.Scheme.KeyType != "":
			if err := generic.PublicKeyArgs(d, &p.PublicKeys); err != nil {
				return err
			}
		case name == "private_key" && row.Scheme.KeyType != "":
			if err := generic.PrivateKeyArg(d, &p.PrivateKey); err != nil {
				return err
			}
		case name == "tolerance" && row.signsTime():
			if err := webhookverify.DurationArg(d, &p.Tolerance); err != nil {
				return err
			}
		case slices.Contains(row.Values, name):
			var v string
			if err := webhookverify.StringArg(d, &v); err != nil {
				return err
			}
			if p.Values == nil {
				p.Values = map[string]string{}
			}
			p.Values[name] = v
		default:
			return d.Errf("unrecognized subdirective %q for provider %s: use %s", name, row.Name, p.subdirectives())
		}
	}
	switch {
	case row.Scheme.KeyType != "" && len(p.PublicKeys) == 0:
		return d.Errf("%s needs the %s: add 'public_key %s'", row.Name, row.Secret, row.keyHint())
	case row.Scheme.KeyType == "" && len(p.Secrets) == 0:
		return d.Errf("%s needs the %s: add 'secret {env.%s}'", row.Name, row.Secret, row.SecretEnv)
	}
	return nil
}

// subdirectives lists what the provider's block takes, for errors.
func (p *Preset) subdirectives() string {
	names := []string{"secret"}
	if p.row.Scheme.KeyType != "" {
		names = []string{"public_key", "private_key"}
	}
	if p.row.signsTime() {
		names = append(names, "tolerance")
	}
	names = append(names, p.row.Values...)
	text := strings.Join(names, ", ") + " or a field path (event_id_path …, status_map)"
	switch {
	case p.row.EnforceSourceIPs:
		text += "; allow_ips defaults to " + p.row.Title + "'s published addresses (" + strings.Join(p.row.SourceIPs, " ") + ") and replaces them when set"
	case len(p.row.SourceIPs) > 0:
		text += "; restrict sources with 'allow_ips " + strings.Join(p.row.SourceIPs, " ") + "'"
	}
	return text
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Preset)(nil)
	_ webhookverify.Signer             = (*Preset)(nil)
	_ webhookverify.Coverer            = (*Preset)(nil)
	_ webhookverify.SourceIPDefaulter  = (*Preset)(nil)
	_ webhookverify.Challenger         = (*Preset)(nil)
	_ webhookverify.UnsignedChallenger = (*Preset)(nil)
	_ webhookverify.CredentialRemover  = (*Preset)(nil)
	_ webhookverify.CredentialHeaderer = (*Preset)(nil)
	_ caddy.Provisioner                = (*Preset)(nil)
	_ caddyfile.Unmarshaler            = (*Preset)(nil)
)
