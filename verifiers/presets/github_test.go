package presets_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// GitHub's published example ("Validating webhook deliveries", section
// "Testing the webhook payload validation"):
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const (
	githubSecret    = "It's a Secret to Everybody"
	githubBody      = "Hello, World!"
	githubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	githubHeader    = "X-Hub-Signature-256"
	githubType      = "com.github.webhook"
)

func githubBlock(secrets ...string) string { return block("github", secrets) }

// githubSig is the X-Hub-Signature-256 value of body under secret.
func githubSig(secret, body string) string { return "sha256=" + hmacHex(secret, body) }

// githubHide: a refusal shows neither a secret nor the signature it makes.
func githubHide(secrets ...string) func(string) []string {
	return func(body string) []string {
		var out []string
		for _, s := range secrets {
			out = append(out, s, hmacHex(s, body))
		}
		return out
	}
}

func TestGitHubVerify(t *testing.T) {
	sig := func(s string) [2]string { return [2]string{githubHeader, s} }
	typ := func(t string) *webhookverify.Event { return &webhookverify.Event{Type: t} }
	hexSig := strings.TrimPrefix(githubSignature, "sha256=")

	v := verifiertest.Load(t, githubBlock(githubSecret))
	run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: githubBody, Header: [][2]string{sig(githubSignature)}, Event: typ(githubType)},
		{Name: "published vector, uppercase hex", Body: githubBody, Header: [][2]string{sig("sha256=" + strings.ToUpper(hexSig))}, Event: typ(githubType)},
		{Name: "lowercase header name", Body: githubBody, Header: [][2]string{{"x-hub-signature-256", githubSignature}}, Event: typ(githubType)},
		{Name: "tampered body", Body: "Hello, World?", Header: [][2]string{sig(githubSignature)}, Err: webhookverify.ErrInvalidSignature},
		{Name: "truncated signature", Body: githubBody, Header: [][2]string{sig(githubSignature[:len(githubSignature)-2])}, Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: githubBody, Err: webhookverify.ErrMissingSignature},
		{Name: "empty header", Body: githubBody, Header: [][2]string{sig(" ")}, Err: webhookverify.ErrMissingSignature},
		{Name: "only the legacy sha1 header", Body: githubBody, Header: [][2]string{{"X-Hub-Signature", "sha1=" + strings.Repeat("0", 40)}}, Err: webhookverify.ErrMissingSignature},
		{Name: "not hex", Body: githubBody, Header: [][2]string{sig("sha256=zz")}, Err: webhookverify.ErrMalformedSignature},
		{Name: "no prefix", Body: githubBody, Header: [][2]string{sig(hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "wrong prefix", Body: githubBody, Header: [][2]string{sig("sha1=" + hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "uppercase prefix", Body: githubBody, Header: [][2]string{sig("SHA256=" + hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated header, one valid", Body: githubBody,
			Header: [][2]string{sig("sha256=" + strings.Repeat("00", 32)), sig(githubSignature)}, Event: typ(githubType)},
		{Name: "repeated header, none valid", Body: githubBody,
			Header: [][2]string{sig(githubSig("other", githubBody)), sig("sha256=" + strings.Repeat("00", 32))}, Err: webhookverify.ErrInvalidSignature},
		{Name: "GET", Method: http.MethodGet, Body: githubBody, Header: [][2]string{sig(githubSignature)}, Err: webhookverify.ErrMethodNotAllowed},
	}, githubHide(githubSecret))

	wrong := []string{"not the secret"}
	run(t, verifiertest.Load(t, githubBlock(wrong...)), []verifiertest.Case{
		{Name: "wrong secret", Body: githubBody, Header: [][2]string{sig(githubSignature)}, Err: webhookverify.ErrInvalidSignature},
	}, githubHide(wrong...))
	verifiertest.Run(t, verifiertest.Load(t, githubBlock("new secret", githubSecret)), []verifiertest.Case{
		{Name: "rotated: second secret verifies", Body: githubBody, Header: [][2]string{sig(githubSignature)}, Event: typ(githubType)},
	})
}

// TestGitHubEventMapping: the type is com.github.webhook[.<action>], the
// action read from a JSON body or from a form body's payload field.
func TestGitHubEventMapping(t *testing.T) {
	const secret = "s3cret"
	typ := func(t string) *webhookverify.Event { return &webhookverify.Event{Type: t} }
	jsonBody := `{"action":"opened","issue":{"number":1}}`
	formBody := "payload=" + url.QueryEscape(`{"action":"created","zen":"Keep it logically awesome."}`)
	signed := func(body string, more ...[2]string) [][2]string {
		return append([][2]string{{githubHeader, githubSig(secret, body)}}, more...)
	}
	form := [2]string{"Content-Type", "application/x-www-form-urlencoded"}
	verifiertest.Run(t, verifiertest.Load(t, githubBlock(secret)), []verifiertest.Case{
		{Name: "JSON action", Body: jsonBody, Header: signed(jsonBody), Event: typ("com.github.webhook.opened")},
		{Name: "form-encoded action", Body: formBody, Header: signed(formBody, form), Event: typ("com.github.webhook.created")},
		{Name: "form-encoded action, charset", Body: formBody,
			Header: signed(formBody, [2]string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}), Event: typ("com.github.webhook.created")},
		{Name: "form body without form content type", Body: formBody, Header: signed(formBody), Event: typ(githubType)},
		{Name: "action that is not a token", Body: `{"action":"a b"}`, Header: signed(`{"action":"a b"}`), Event: typ(githubType)},
		{Name: "action that is not a string", Body: `{"action":{"x":1}}`, Header: signed(`{"action":{"x":1}}`), Event: typ(githubType)},
		{Name: "form payload action that is not a string", Body: "payload=%7B%22action%22%3A1%7D",
			Header: signed("payload=%7B%22action%22%3A1%7D", form), Event: typ(githubType)},
	})
}

// TestGitHubFieldPaths: GitHub's row reads only the action, but field
// paths configured in the block are read from the signed body and kept.
func TestGitHubFieldPaths(t *testing.T) {
	const secret = "s3cret"
	body := `{"action":"opened","hook_id":123,"hook":{"type":"Repository"},"repository":{"full_name":"octocat/Hello-World"}}`
	h := [][2]string{{githubHeader, githubSig(secret, body)}}
	verifiertest.Run(t, verifiertest.Load(t, block("github", []string{secret}, "event_id_path hook_id", "subject_path repository.full_name")), []verifiertest.Case{
		{Name: "id and subject", Body: body, Header: h,
			Event: &webhookverify.Event{ID: "123", Type: "com.github.webhook.opened", Subject: "octocat/Hello-World"}},
	})
	verifiertest.Run(t, verifiertest.Load(t, block("github", []string{secret}, "type_path hook.type")), []verifiertest.Case{
		{Name: "type path in place of action", Body: body, Header: h, Event: &webhookverify.Event{Type: "com.github.webhook.Repository"}},
	})
}

func TestGitHubSignUsesFirstSecret(t *testing.T) {
	body := `{"action":"completed","check_run":{"id":4}}`
	v := verifiertest.Load(t, githubBlock("new secret", "old secret"))
	r := sign(t, v, body, verifiertest.Now)
	if got, want := r.Header.Get(githubHeader), githubSig("new secret", body); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if ev, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil || ev.Type != "com.github.webhook.completed" {
		t.Errorf("round trip: %+v, %v", ev, err)
	}
	if _, err := verifiertest.Load(t, githubBlock("old secret")).Verify(r, []byte(body), verifiertest.Now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

func TestGitHubSignVerifyRoundTrip(t *testing.T) {
	v := verifiertest.Load(t, githubBlock("k"))
	for _, body := range []string{"", githubBody, `{"action":"opened"}`, strings.Repeat("x", 5000)} {
		r := sign(t, v, body, verifiertest.Now)
		if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
			t.Errorf("body %.20q: %v", body, err)
		}
	}
}

func TestGitHubProvision(t *testing.T) {
	t.Run("no secret", func(t *testing.T) {
		_, err := provisionJSON("github", `{}`)
		checkErr(t, err, "github: |no secret configured|secret {env.GITHUB_WEBHOOK_SECRET}")
	})
	for _, tt := range []struct{ name, block, want string }{
		{"unset environment variable", githubBlock("{env.WEBHOOK_VERIFY_TEST_UNSET_GH}"), "secret #1"},
		{"unset second secret", githubBlock("ok", "{env.WEBHOOK_VERIFY_TEST_UNSET_GH}"), "secret #2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifiertest.TryLoad(tt.block)
			checkErr(t, err, tt.want)
			if !strings.HasPrefix(err.Error(), "github: ") {
				t.Errorf("err = %v, want a github error", err)
			}
		})
	}
	t.Run("tolerance without a timestamp", func(t *testing.T) {
		_, err := provisionJSON("github", `{"secrets":["s"],"tolerance":60000000000}`)
		checkErr(t, err, "github: tolerance: GitHub signs no timestamp")
	})
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_GH", githubSecret)
		verifiertest.Run(t, verifiertest.Load(t, githubBlock("{env.WEBHOOK_VERIFY_TEST_GH}")), []verifiertest.Case{
			{Name: "published vector", Body: githubBody, Header: [][2]string{{githubHeader, githubSignature}}},
		})
	})
}

func TestGitHubCaddyfile(t *testing.T) {
	runCaddyfile(t, []caddyfileCase{
		{name: "one secret", input: "github {\n secret {env.GH_SECRET}\n}",
			wantJSON: `{"secrets":["{env.GH_SECRET}"]}`},
		{name: "rotation", input: "github {\n secret {env.GH_NEW} {env.GH_OLD}\n secret {file./run/secrets/gh}\n}",
			wantJSON: `{"secrets":["{env.GH_NEW}","{env.GH_OLD}","{file./run/secrets/gh}"]}`},
		{name: "field path", input: "github {\n secret s\n type_path hook.type\n}",
			wantJSON: `{"secrets":["s"],"type_path":"hook.type"}`},
		{name: "no block", input: "github", wantErr: "Testfile:1|secret {env.GITHUB_WEBHOOK_SECRET}"},
		{name: "no secret", input: "github {\n}", wantErr: "github needs the webhook secret|secret {env.GITHUB_WEBHOOK_SECRET}"},
		{name: "secret without value", input: "github {\n secret\n}", wantErr: "Testfile:2|secret needs a value"},
		// The scheme is fixed: the message says what the block takes.
		{name: "unknown subdirective", input: "github {\n secret x\n header X-Sig\n}",
			wantErr: `unrecognized subdirective "header" for provider github|Testfile:3|use secret or a field path`},
		{name: "no timestamp to tolerate", input: "github {\n secret x\n tolerance 5m\n}",
			wantErr: `unrecognized subdirective "tolerance" for provider github|Testfile:3`},
	})
}

// No Caddyfile error, nor load error, shows the secret.
func TestGitHubSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, githubSecret, githubBlock(githubSecret), nil,
		strings.TrimSuffix(githubBlock(githubSecret), "}"), block("github", []string{githubSecret}, "header X-Sig"),
		block("github", []string{githubSecret}, "tolerance 5m"), block("github", []string{githubSecret}, "event_id_path"))
}

// TestGitHubHandlerCaddyfile checks the provider name and that the handler
// hands the secret to this verifier.
func TestGitHubHandlerCaddyfile(t *testing.T) {
	_, got := handlerVerifierJSON(t, "webhook_verify github {\n secret {env.GITHUB_WEBHOOK_SECRET}\n max_body 256KiB\n}")
	if want := `{"provider":"github","secrets":["{env.GITHUB_WEBHOOK_SECRET}"]}`; got != want {
		t.Errorf("verifier = %s, want %s", got, want)
	}
}

// FuzzVerifyGitHub feeds arbitrary signature and Content-Type headers and
// bodies to Verify (it must never panic, and what passes is a GitHub
// event), then checks that a body signed under any Content-Type verifies
// with a com.github.webhook type. Sign → verify → flip one bit is
// FuzzEveryRow's.
func FuzzVerifyGitHub(f *testing.F) {
	v := verifiertest.Load(f, githubBlock(githubSecret))
	f.Add([]byte(githubBody), githubSignature, "application/json")
	f.Add([]byte(`{"action":"opened"}`), "sha256=ZZ,sha256=", "application/x-www-form-urlencoded")
	f.Add([]byte("payload=%7B%22action%22%3A%22x%22%7D"), "sha256= sha256=00", "application/x-www-form-urlencoded; charset=utf-8")
	f.Fuzz(func(t *testing.T, body []byte, sig, contentType string) {
		r := verifiertest.Case{Header: [][2]string{{githubHeader, sig}, {"Content-Type", contentType}}}.Request()
		if ev, err := v.Verify(r, body, verifiertest.Now); err == nil && !strings.HasPrefix(ev.Type, githubType) {
			t.Fatalf("type %q", ev.Type)
		}
		r = sign(t, v, string(body), verifiertest.Now, [2]string{"Content-Type", contentType})
		ev, err := v.Verify(r, body, verifiertest.Now)
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if !strings.HasPrefix(ev.Type, githubType) {
			t.Fatalf("type %q", ev.Type)
		}
	})
}

// githubBody1KiB is a realistic 1 KiB GitHub delivery.
var githubBody1KiB = body1KiB(
	`{"action":"opened","number":42,"pull_request":{"id":1,"title":"Fix the widget","user":{"login":"octocat","id":583231},"head":{"ref":"fix","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},"base":{"ref":"main"},"body":"`,
	`"},"repository":{"id":1296269,"full_name":"octocat/Hello-World","private":false},"sender":{"login":"octocat","id":583231}}`)

func BenchmarkVerifyGitHub(b *testing.B) {
	benchVerify(b, verifiertest.Load(b, githubBlock(githubSecret)), githubBody1KiB, verifiertest.Now, [2]string{"Content-Type", "application/json"})
}

// BenchmarkBareHMACSHA256GitHub is the primitive alone: a keyed HMAC-SHA256
// of the same bytes and a constant-time compare.
func BenchmarkBareHMACSHA256GitHub(b *testing.B) {
	benchBareHMAC(b, sha256.New, githubSecret, nil, githubBody1KiB)
}
