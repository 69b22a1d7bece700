package webhookverify

import (
	"strings"
	"testing"
)

// Blank secrets are empty; a literal with braces is never echoed.
func TestResolveRefusesBlankAndNeverEchoes(t *testing.T) {
	t.Setenv("WV_BLANK_SECRET", " \t\n")
	for _, raw := range []string{"   ", "\t", "{env.WV_BLANK_SECRET}"} {
		if _, err := (Secrets{raw}).Resolve(); err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("%q: %v, want an empty-secret error", raw, err)
		}
	}
	_, err := Secrets{"s3cr{et-part}x"}.Resolve()
	if err == nil || strings.Contains(err.Error(), "et-part") {
		t.Errorf("a literal secret with braces: %v (must fail without quoting it)", err)
	}
	_, err = Secrets{"{env.WV_NOT_SET_ANYWHERE}"}.Resolve()
	if err == nil || !strings.Contains(err.Error(), "{env.WV_NOT_SET_ANYWHERE}") {
		t.Errorf("an unset placeholder is named: %v", err)
	}
}

func TestSecretWeaknesses(t *testing.T) {
	t.Setenv("WV_LONG_SECRET", "a-long-enough-secret-0123456789")
	t.Setenv("WV_SHORT_SECRET", "Zq9#k")
	s := Secrets{"{env.WV_LONG_SECRET}", "{env.WV_SHORT_SECRET}", "literal-and-long-enough-0123"}
	keys, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(s.weaknesses(keys), "\n")
	for _, want := range []string{"secret #2 is shorter than 16 bytes", "secret #3 is written literally"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret #1") {
		t.Errorf("a long placeholder secret is not weak:\n%s", got)
	}
	for _, k := range keys {
		if strings.Contains(got, string(k)) {
			t.Errorf("a warning shows a secret:\n%s", got)
		}
	}
}

// A placeholder that resolves to nothing gives an error that leads with
// the fix and names the variable or the file.
func TestResolveErrorLeadsWithTheFix(t *testing.T) {
	t.Setenv("WV_BLANK_SECRET", " ")
	tests := []struct{ raw, want string }{
		{"{env.WV_NOT_SET_ANYWHERE}", "export WV_NOT_SET_ANYWHERE: secret #1 is {env.WV_NOT_SET_ANYWHERE}, which is unset or empty (or use {file./path})"},
		{"{env.WV_BLANK_SECRET}", "export WV_BLANK_SECRET: secret #1 is {env.WV_BLANK_SECRET}, which is empty (only whitespace)"},
		{"{file./nonexistent/wv-secret}", "put the secret in /nonexistent/wv-secret: secret #1 is {file./nonexistent/wv-secret}, which is missing, unreadable or empty"},
		{"{$WV_SECRET}", "write {env.WV_SECRET}: secret #1 is {$WV_SECRET}, which is substituted only while a Caddyfile is read"},
		{"pre-{env.WV_NOT_SET_ANYWHERE}", `write {env.NAME} or {file./path}, or escape a literal brace as \{: secret #1 has an unknown or empty placeholder`},
	}
	for _, tt := range tests {
		_, err := Secrets{tt.raw}.Resolve()
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.raw, err, tt.want)
		}
	}
	_, err := Secrets{"{env.WV_NOT_SET_ANYWHERE}"}.ResolveRequired("hmac")
	if want := "hmac: export WV_NOT_SET_ANYWHERE: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ResolveRequired: %v, want it to begin %q", err, want)
	}
}
