package webhookverify

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"regexp"
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
// with an empty key. Errors lead with the fix (the variable to export, the
// file to fill) and name the secret by position and placeholder, never by
// value.
func (s Secrets) Resolve() ([][]byte, error) {
	repl := caddy.NewReplacer()
	keys := make([][]byte, 0, len(s))
	for i, raw := range s {
		val, err := repl.ReplaceOrErr(raw, true, true)
		if err != nil {
			// The replacer's message quotes the braced text, which is part
			// of the secret when the secret is a literal: name the
			// placeholder only when the value is nothing else.
			if fix, ok := placeholderFix(raw); ok {
				return nil, fmt.Errorf("%s: secret #%d is %s, which is %s", fix.action, i+1, raw, fix.unset)
			}
			return nil, fmt.Errorf("write {env.NAME} or {file./path}, or escape a literal brace as \\{: secret #%d has an unknown or empty placeholder", i+1)
		}
		if strings.TrimSpace(val) == "" {
			if fix, ok := placeholderFix(raw); ok {
				return nil, fmt.Errorf("%s: secret #%d is %s, which is empty (only whitespace)", fix.action, i+1, raw)
			}
			return nil, fmt.Errorf("secret #%d is empty: give a non-empty value, e.g. secret {env.WEBHOOK_SECRET}", i+1)
		}
		keys = append(keys, []byte(val))
	}
	if !QuietSecretWarnings {
		for _, w := range s.weaknesses(keys) {
			caddy.Log().Named("http.handlers.webhook_verify").Warn(w)
		}
	}
	return keys, nil
}

// placeholderOnly matches a value that is one placeholder and nothing
// else: {env.X}, {file.X} or an adapt-time {$X} left unsubstituted.
var placeholderOnly = regexp.MustCompile(`^\{(?:(env|file)\.([^{}]+)|\$([A-Za-z_][A-Za-z0-9_]*))\}$`)

// A secretFix says how to give a placeholder secret its value: the action
// that leads the error, and what is wrong when it resolved to nothing.
type secretFix struct{ action, unset string }

// placeholderFix is the fix for a secret that is one placeholder and
// nothing else; ok is false for any other value.
func placeholderFix(raw string) (fix secretFix, ok bool) {
	m := placeholderOnly.FindStringSubmatch(raw)
	switch {
	case m == nil:
		return fix, false
	case m[1] == "env":
		return secretFix{"export " + m[2], "unset or empty (or use {file./path})"}, true
	case m[1] == "file":
		return secretFix{"put the secret in " + m[2], "missing, unreadable or empty"}, true
	default: // {$X}, which only a Caddyfile substitutes, when it is read
		return secretFix{"write {env." + m[3] + "}", "substituted only while a Caddyfile is read"}, true
	}
}

// QuietSecretWarnings turns off the load-time warnings about weak and
// literal secrets: the command-line tools, which take secrets on their
// command line, set it.
var QuietSecretWarnings bool

// weaknesses says what is weak about the secrets: shorter than 16 bytes
// (guessable), or written literally in the config (then they are in the
// JSON config and the admin API). Never the secret itself.
func (s Secrets) weaknesses(keys [][]byte) []string {
	var out []string
	for i, raw := range s {
		if i < len(keys) && len(keys[i]) < 16 {
			out = append(out, fmt.Sprintf("secret #%d is shorter than 16 bytes: a short secret can be guessed; use the provider's full secret", i+1))
		}
		if !strings.Contains(raw, "{") {
			out = append(out, fmt.Sprintf("secret #%d is written literally in the config, so it is in the JSON config and the admin API ({$VAR} puts it there too): use {env.NAME} or {file./path}", i+1))
		}
	}
	return out
}

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
	return s.UnmarshalSecretsAndTolerance(d, nil, unknown, missing)
}

// UnmarshalSecretsAndTolerance is UnmarshalOnlySecrets for a verifier that
// also takes `tolerance <duration>` into tolerance (none when nil).
func (s *Secrets) UnmarshalSecretsAndTolerance(d *caddyfile.Dispenser, tolerance *caddy.Duration, unknown, missing string) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch {
		case d.Val() == "secret":
			if err := s.UnmarshalSecret(d); err != nil {
				return err
			}
		case d.Val() == "tolerance" && tolerance != nil:
			if err := DurationArg(d, tolerance); err != nil {
				return err
			}
		default:
			return d.Errf(unknown, d.Val())
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
