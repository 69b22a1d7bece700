package webhookverify

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Secrets are the configured secrets of a verifier, as written in the
// config: literal values or placeholders such as {env.WEBHOOK_SECRET} and
// {file./run/secrets/webhook}. They stay unresolved in the JSON config and
// are turned into keys by Resolve when the config is provisioned. Several
// secrets are tried in turn, which allows key rotation.
type Secrets []string

// Resolve replaces the placeholders of every secret. A placeholder that is
// unknown or resolves to an empty value is an error: a verifier never runs
// with an empty key. Errors name the secret by position and placeholder,
// never by value.
func (s Secrets) Resolve() ([][]byte, error) {
	repl := caddy.NewReplacer()
	keys := make([][]byte, 0, len(s))
	for i, raw := range s {
		val, err := repl.ReplaceOrErr(raw, true, true)
		if err != nil {
			return nil, fmt.Errorf("secret #%d: %v: export the variable for {env.NAME}, or create a non-empty file for {file./path}", i+1, err)
		}
		if val == "" {
			return nil, fmt.Errorf("secret #%d is empty: give a non-empty value, e.g. secret {env.WEBHOOK_SECRET}", i+1)
		}
		keys = append(keys, []byte(val))
	}
	return keys, nil
}

// ResolveRequired is Resolve, but also fails when no secret is configured.
// provider names the verifier in the error message.
func (s Secrets) ResolveRequired(provider string) ([][]byte, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("%s: no secret configured: add 'secret {env.YOUR_SECRET}' to the webhook_verify block (JSON: \"secrets\")", provider)
	}
	keys, err := s.Resolve()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", provider, err)
	}
	return keys, nil
}

// UnmarshalSecret parses the arguments of a `secret` subdirective (one or
// more values) at the dispenser's current line and appends them to s.
// A value may be a placeholder; it is kept unresolved. An empty value is an
// error naming the line. A literal value is accepted but discouraged.
func (s *Secrets) UnmarshalSecret(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Errf("secret needs a value, e.g. secret {env.WEBHOOK_SECRET}")
	}
	for _, a := range args {
		if strings.TrimSpace(a) == "" {
			return d.Errf("secret is empty: give a non-empty value, e.g. secret {env.WEBHOOK_SECRET}")
		}
		*s = append(*s, a)
	}
	return nil
}

// UnmarshalOnlySecrets parses the block of a verifier whose only
// subdirective is secret: `<provider> { secret <value>... }`. unknown is the
// error for any other subdirective (a format with one %q for its name);
// missing is the error when no secret is given. Both name the line.
func (s *Secrets) UnmarshalOnlySecrets(d *caddyfile.Dispenser, unknown, missing string) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		if d.Val() != "secret" {
			return d.Errf(unknown, d.Val())
		}
		if err := s.UnmarshalSecret(d); err != nil {
			return err
		}
	}
	if len(*s) == 0 {
		return d.Err(missing)
	}
	return nil
}

// EqualToken reports in constant time whether got equals one of keys. Both
// sides are hashed first, so neither the content nor the length of a key is
// revealed by timing. It checks every key, whatever the outcome.
func EqualToken(keys [][]byte, got []byte) bool {
	g := sha256.Sum256(got)
	match := 0
	for _, k := range keys {
		h := sha256.Sum256(k)
		match |= subtle.ConstantTimeCompare(g[:], h[:])
	}
	return match == 1
}

// TrimBearer removes a leading "Bearer" authentication scheme (any case)
// and the spaces after it from an Authorization-style value: "Bearer abc"
// and "bearer  abc" give "abc", "Bearer" alone gives "". Any other value,
// "Bearerabc" included, is returned unchanged. Nothing else is trimmed:
// whitespace after the credentials stays, so that it fails a comparison.
func TrimBearer(v string) string {
	const scheme = "bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return v
	}
	rest := v[len(scheme):]
	if rest == "" {
		return ""
	}
	if rest[0] != ' ' {
		return v
	}
	return strings.TrimLeft(rest, " ")
}
