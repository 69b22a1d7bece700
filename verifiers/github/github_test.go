package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// GitHub's published example ("Validating webhook deliveries", section
// "Testing the webhook payload validation"):
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const (
	docSecret    = "It's a Secret to Everybody"
	docBody      = "Hello, World!"
	docSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

var now = time.Unix(1700000000, 0)

func newVerifier(t testing.TB, secrets ...string) *GitHub {
	t.Helper()
	v := &GitHub{Secrets: secrets}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// mac computes the expected header value independently of the code under test.
func mac(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type header struct{ name, value string }

func request(method, body string, headers ...header) *http.Request {
	r := httptest.NewRequest(method, "/hooks/github", strings.NewReader(body))
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestVerify(t *testing.T) {
	jsonBody := `{"action":"opened","issue":{"number":1}}`
	formBody := "payload=" + url.QueryEscape(`{"action":"created","zen":"Keep it logically awesome."}`)
	tests := []struct {
		name     string
		secrets  []string
		method   string
		body     string
		headers  []header
		wantErr  error
		wantType string
	}{
		{name: "published vector", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, docSignature}}, wantType: "com.github.webhook"},
		{name: "published vector, uppercase hex", secrets: []string{docSecret}, body: docBody,
			headers:  []header{{SignatureHeader, "sha256=" + strings.ToUpper(strings.TrimPrefix(docSignature, "sha256="))}},
			wantType: "com.github.webhook"},
		{name: "lowercase header name", secrets: []string{docSecret}, body: docBody,
			headers: []header{{"x-hub-signature-256", docSignature}}, wantType: "com.github.webhook"},
		{name: "wrong secret", secrets: []string{"not the secret"}, body: docBody,
			headers: []header{{SignatureHeader, docSignature}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "rotated: second secret verifies", secrets: []string{"new secret", docSecret}, body: docBody,
			headers: []header{{SignatureHeader, docSignature}}, wantType: "com.github.webhook"},
		{name: "tampered body", secrets: []string{docSecret}, body: "Hello, World?",
			headers: []header{{SignatureHeader, docSignature}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "truncated signature", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, docSignature[:len(docSignature)-2]}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "missing header", secrets: []string{docSecret}, body: docBody,
			wantErr: webhookverify.ErrMissingSignature},
		{name: "empty header", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, " "}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "only the legacy sha1 header", secrets: []string{docSecret}, body: docBody,
			headers: []header{{"X-Hub-Signature", "sha1=" + strings.Repeat("0", 40)}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "not hex", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, "sha256=zz"}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "no prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, strings.TrimPrefix(docSignature, "sha256=")}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "wrong prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, "sha1=" + strings.TrimPrefix(docSignature, "sha256=")}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "uppercase prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, "SHA256=" + strings.TrimPrefix(docSignature, "sha256=")}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "repeated header, one valid", secrets: []string{docSecret}, body: docBody,
			headers:  []header{{SignatureHeader, "sha256=" + strings.Repeat("00", 32)}, {SignatureHeader, docSignature}},
			wantType: "com.github.webhook"},
		{name: "repeated header, none valid", secrets: []string{docSecret}, body: docBody,
			headers: []header{{SignatureHeader, mac("other", docBody)}, {SignatureHeader, "sha256=" + strings.Repeat("00", 32)}},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "GET", secrets: []string{docSecret}, method: http.MethodGet, body: docBody,
			headers: []header{{SignatureHeader, docSignature}}, wantErr: webhookverify.ErrMethodNotAllowed},
		{name: "JSON action", secrets: []string{"s3cret"}, body: jsonBody,
			headers: []header{{SignatureHeader, mac("s3cret", jsonBody)}}, wantType: "com.github.webhook.opened"},
		{name: "form-encoded action", secrets: []string{"s3cret"}, body: formBody,
			headers:  []header{{SignatureHeader, mac("s3cret", formBody)}, {"Content-Type", "application/x-www-form-urlencoded"}},
			wantType: "com.github.webhook.created"},
		{name: "form body without form content type", secrets: []string{"s3cret"}, body: formBody,
			headers: []header{{SignatureHeader, mac("s3cret", formBody)}}, wantType: "com.github.webhook"},
		{name: "action that is not a token", secrets: []string{"s3cret"}, body: `{"action":"a b"}`,
			headers: []header{{SignatureHeader, mac("s3cret", `{"action":"a b"}`)}}, wantType: "com.github.webhook"},
		{name: "action that is not a string", secrets: []string{"s3cret"}, body: `{"action":{"x":1}}`,
			headers: []header{{SignatureHeader, mac("s3cret", `{"action":{"x":1}}`)}}, wantType: "com.github.webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.secrets...)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			ev, err := v.Verify(request(method, tt.body, tt.headers...), []byte(tt.body), now)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if ev != (webhookverify.Event{}) {
					t.Errorf("event on failure = %+v, want zero", ev)
				}
				for _, s := range tt.secrets {
					if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), mac(s, tt.body)[7:]) {
						t.Errorf("error %q reveals a secret or an expected signature", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			want := webhookverify.Event{Type: tt.wantType}
			if ev != want {
				t.Errorf("event = %+v, want %+v", ev, want)
			}
		})
	}
}

func TestSignUsesFirstSecret(t *testing.T) {
	body := `{"action":"completed","check_run":{"id":4}}`
	v := newVerifier(t, "new secret", "old secret")
	r := request(http.MethodPost, body)
	out, err := v.Sign(r, []byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != body {
		t.Errorf("Sign changed the body")
	}
	if got, want := r.Header.Get(SignatureHeader), mac("new secret", body); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if _, err := v.Verify(r, out, now); err != nil {
		t.Errorf("round trip: %v", err)
	}
	if _, err := newVerifier(t, "old secret").Verify(r, out, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, body := range []string{"", docBody, `{"action":"opened"}`, strings.Repeat("x", 5000)} {
		v := newVerifier(t, "k")
		r := request(http.MethodPost, body)
		out, err := v.Sign(r, []byte(body), now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, out, now); err != nil {
			t.Errorf("body %.20q: %v", body, err)
		}
	}
}

func TestProvision(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		want    string
	}{
		{"no secret", nil, "no secret configured"},
		{"unset environment variable", []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_GH}"}, "secret #1"},
		{"unset second secret", []string{"ok", "{env.WEBHOOK_VERIFY_TEST_UNSET_GH}"}, "secret #2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&GitHub{Secrets: tt.secrets}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "github: ") {
				t.Fatalf("err = %v, want a github error mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_GH", docSecret)
		v := &GitHub{Secrets: webhookverify.Secrets{"{env.WEBHOOK_VERIFY_TEST_GH}"}}
		if err := v.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		r := request(http.MethodPost, docBody, header{SignatureHeader, docSignature})
		if _, err := v.Verify(r, []byte(docBody), now); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, wantJSON, wantErr string
	}{
		{name: "one secret", input: "github {\n secret {env.GH_SECRET}\n}",
			wantJSON: `{"secrets":["{env.GH_SECRET}"]}`},
		{name: "rotation", input: "github {\n secret {env.GH_NEW} {env.GH_OLD}\n secret {file./run/secrets/gh}\n}",
			wantJSON: `{"secrets":["{env.GH_NEW}","{env.GH_OLD}","{file./run/secrets/gh}"]}`},
		{name: "no block", input: "github", wantErr: "Testfile:1"},
		{name: "no secret", input: "github {\n}", wantErr: "secret {env.GITHUB_WEBHOOK_SECRET}"},
		{name: "secret without value", input: "github {\n secret\n}", wantErr: "Testfile:2"},
		{name: "unknown subdirective", input: "github {\n secret x\n header X-Sig\n}", wantErr: `unrecognized subdirective "header" for provider github|Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v GitHub
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.wantErr != "" {
				for _, want := range strings.Split(tt.wantErr, "|") {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("err = %v, want it to mention %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v)
			if string(got) != tt.wantJSON {
				t.Errorf("JSON = %s, want %s", got, tt.wantJSON)
			}
		})
	}
}

// TestHandlerCaddyfile checks the provider name and that the handler hands
// the secret to this verifier.
func TestHandlerCaddyfile(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser("webhook_verify github {\n secret {env.GITHUB_WEBHOOK_SECRET}\n max_body 256KiB\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"github","secrets":["{env.GITHUB_WEBHOOK_SECRET}"]}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier = %s, want %s", h.VerifierRaw, want)
	}
}
