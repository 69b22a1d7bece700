package okra

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

const (
	token1 = "okra-webhook-token-1"
	token2 = "okra-webhook-token-2"
)

// identityBody has the shape of the IDENTITY callback in Okra's webhook
// documentation (seed 004), trimmed.
const identityBody = `{"method":"IDENTITY","callback_type":"IDENTITY","callback_code":"PRODUCT_IS_READY","type":"CALLBACK","code":"PRODUCT_IS_READY","callbackURL":"https://webhook","env":"production","status":"is_success","started_at":"2021-02-15T06:43:50.554Z","ended_at":"2021-02-15T06:43:51.554Z","message":"Record callback started!","bankName":"Kuda Bank","bankType":"ind","bankId":"5f0cf73e8a8bcc18b8156ad7","bankSlug":"kuda-bank","record":"602a1807b9fdfa599cd3a0b5","login_type":"bank","customerId":"5f636ad0894dbb43795c4e8e","options":{}}`

// paymentBody has the shape of the failed PAYMENT callback of seed 004.
const paymentBody = `{"method":"PAYMENT","callback_type":"PAYMENT_RECURRING","schedule":{"interval":"monthly","startDate":"2021-02-01","endDate":null,"history":[],"current_amount":1000},"callback_code":"PAYMENT_FAILED","type":"CALLBACK","code":"PAYMENT_FAILED","env":"production-sandbox","status":"is_failed","started_at":"2021-02-17T14:18:37.608Z","ended_at":"2021-02-17T14:18:40.083Z","record":"60b7be20ca7ce542d906e029"}`

func newVerifier(t testing.TB, headers []string, secrets ...string) *Okra {
	t.Helper()
	v := &Okra{Secrets: secrets, Headers: headers}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

func request(method string, headers map[string][]string) *http.Request {
	r := httptest.NewRequest(method, "/webhooks/okra", nil)
	for k, vals := range headers {
		for _, val := range vals {
			r.Header.Add(k, val)
		}
	}
	return r
}

func TestVerify(t *testing.T) {
	def := newVerifier(t, nil, token1)
	rotated := newVerifier(t, nil, token1, token2)
	custom := newVerifier(t, []string{"X-Okra-Token"}, token1)

	tests := []struct {
		name    string
		v       *Okra
		method  string
		headers map[string][]string
		body    string
		want    *webhookverify.Failure // nil: verifies
	}{
		{"Okra-Auth raw token", def, "POST", map[string][]string{"Okra-Auth": {token1}}, identityBody, nil},
		{"Okra-Auth with Bearer", def, "POST", map[string][]string{"Okra-Auth": {"Bearer " + token1}}, identityBody, nil},
		{"Authorization Bearer", def, "POST", map[string][]string{"Authorization": {"Bearer " + token1}}, identityBody, nil},
		{"Authorization lowercase bearer", def, "POST", map[string][]string{"Authorization": {"bearer " + token1}}, identityBody, nil},
		{"Authorization without Bearer", def, "POST", map[string][]string{"Authorization": {token1}}, identityBody, nil},
		{"surrounding spaces are not trimmed", def, "POST", map[string][]string{"Okra-Auth": {"  " + token1 + " "}}, identityBody, webhookverify.ErrInvalidToken},
		{"right token in both headers", def, "POST", map[string][]string{"Okra-Auth": {token1}, "Authorization": {"Bearer " + token1}}, identityBody, nil},
		{"wrong token in one header, right in the other", def, "POST", map[string][]string{"Okra-Auth": {"nope"}, "Authorization": {"Bearer " + token1}}, identityBody, webhookverify.ErrInvalidToken},
		// Okra-Auth, when present, is the credential: an unrelated
		// Authorization (added by a proxy) does not refuse the callback.
		{"right token in Okra-Auth, another Authorization", def, "POST", map[string][]string{"Okra-Auth": {token1}, "Authorization": {"Bearer nope"}}, identityBody, nil},
		{"right token in Okra-Auth, empty Authorization", def, "POST", map[string][]string{"Okra-Auth": {token1}, "Authorization": {""}}, identityBody, nil},
		{"repeated header, one right", def, "POST", map[string][]string{"Okra-Auth": {"nope", token1}}, identityBody, webhookverify.ErrInvalidToken},
		{"repeated header, both right", def, "POST", map[string][]string{"Authorization": {"Bearer " + token1, "Bearer " + token1}}, identityBody, webhookverify.ErrInvalidToken},
		{"wrong token", def, "POST", map[string][]string{"Okra-Auth": {"okra-webhook-token-X"}}, identityBody, webhookverify.ErrInvalidToken},
		{"token prefix only", def, "POST", map[string][]string{"Okra-Auth": {token1[:len(token1)-1]}}, identityBody, webhookverify.ErrInvalidToken},
		{"token with suffix", def, "POST", map[string][]string{"Okra-Auth": {token1 + "x"}}, identityBody, webhookverify.ErrInvalidToken},
		{"second secret verifies (rotation)", rotated, "POST", map[string][]string{"Okra-Auth": {token2}}, identityBody, nil},
		{"first secret still verifies (rotation)", rotated, "POST", map[string][]string{"Okra-Auth": {token1}}, identityBody, nil},
		{"unconfigured secret with rotation", rotated, "POST", map[string][]string{"Okra-Auth": {"okra-webhook-token-3"}}, identityBody, webhookverify.ErrInvalidToken},
		{"missing headers", def, "POST", nil, identityBody, webhookverify.ErrMissingToken},
		{"empty header", def, "POST", map[string][]string{"Okra-Auth": {""}}, identityBody, webhookverify.ErrMissingToken},
		{"Bearer and nothing else", def, "POST", map[string][]string{"Authorization": {"Bearer "}}, identityBody, webhookverify.ErrMissingToken},
		{"token in an unsearched header", def, "POST", map[string][]string{"X-Token": {token1}}, identityBody, webhookverify.ErrMissingToken},
		{"custom header", custom, "POST", map[string][]string{"X-Okra-Token": {token1}}, identityBody, nil},
		{"custom header replaces the defaults", custom, "POST", map[string][]string{"Okra-Auth": {token1}}, identityBody, webhookverify.ErrMissingToken},
		{"GET", def, "GET", map[string][]string{"Okra-Auth": {token1}}, identityBody, webhookverify.ErrMethodNotAllowed},
		{"PUT", def, "PUT", map[string][]string{"Okra-Auth": {token1}}, identityBody, webhookverify.ErrMethodNotAllowed},
		{"body not JSON", def, "POST", map[string][]string{"Okra-Auth": {token1}}, "record=1&status=is_success", webhookverify.ErrMalformedBody},
		{"body a JSON array", def, "POST", map[string][]string{"Okra-Auth": {token1}}, `[{"status":"is_success"}]`, webhookverify.ErrMalformedBody},
		{"body truncated JSON", def, "POST", map[string][]string{"Okra-Auth": {token1}}, identityBody[:len(identityBody)-1], webhookverify.ErrMalformedBody},
		{"empty body", def, "POST", map[string][]string{"Okra-Auth": {token1}}, "", webhookverify.ErrMalformedBody},
		// The token does not cover the body: a one-byte change that keeps
		// the JSON valid passes, one that breaks it is a 400.
		{"tampered body still JSON", def, "POST", map[string][]string{"Okra-Auth": {token1}}, strings.Replace(identityBody, "is_success", "is_sucgess", 1), nil},
		{"tampered body (one byte) breaks JSON", def, "POST", map[string][]string{"Okra-Auth": {token1}}, strings.Replace(identityBody, `{"method"`, `{'method"`, 1), webhookverify.ErrMalformedBody},
		{"promoted key repeated", def, "POST", map[string][]string{"Okra-Auth": {token1}}, `{"status":"is_failed","record":"r","status":"is_success"}`, webhookverify.ErrDuplicateKey},
		{"promoted key repeated, escaped", def, "POST", map[string][]string{"Okra-Auth": {token1}}, `{"record":"a","rec\u006frd":"b"}`, webhookverify.ErrDuplicateKey},
		{"other key repeated", def, "POST", map[string][]string{"Okra-Auth": {token1}}, `{"status":"is_failed","env":"a","env":"b"}`, nil},
		{"nested key repeated", def, "POST", map[string][]string{"Okra-Auth": {token1}}, `{"identity":{"status":1,"status":2},"status":"is_success"}`, nil},
		{"unauthenticated non-JSON body is a 401, not a 400", def, "POST", nil, "not json", webhookverify.ErrMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(request(tt.method, tt.headers), []byte(tt.body), time.Now())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if f := webhookverify.FailureOf(err); f.Status != tt.want.Status {
				t.Fatalf("status %d, want %d", f.Status, tt.want.Status)
			}
			for _, secret := range []string{token1, token2} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q reveals a secret", err)
				}
			}
		})
	}
}

func TestEvent(t *testing.T) {
	v := newVerifier(t, nil, token1)
	tests := []struct {
		name string
		body string
		want webhookverify.Event
	}{
		{"identity callback", identityBody, webhookverify.Event{
			Type:      "com.okra.callback.identity",
			Status:    webhookverify.StatusSucceeded,
			Reference: "602a1807b9fdfa599cd3a0b5",
			Subject:   "602a1807b9fdfa599cd3a0b5",
			Time:      time.Date(2021, 2, 15, 6, 43, 51, 554e6, time.UTC),
		}},
		{"recurring payment failed", paymentBody, webhookverify.Event{
			Type:      "com.okra.callback.payment_recurring",
			Status:    webhookverify.StatusFailed,
			Reference: "60b7be20ca7ce542d906e029",
			Subject:   "60b7be20ca7ce542d906e029",
			Time:      time.Date(2021, 2, 17, 14, 18, 40, 83e6, time.UTC),
		}},
		{"type used when callback_type is absent; started_at when ended_at is absent", `{"type":"CALLBACK","status":"pending","started_at":"2021-01-15T13:14:38Z"}`, webhookverify.Event{
			Type:   "com.okra.callback.callback",
			Status: webhookverify.StatusPending,
			Time:   time.Date(2021, 1, 15, 13, 14, 38, 0, time.UTC),
		}},
		{"unknown status, no type", `{"status":"is_weird","record":""}`, webhookverify.Event{
			Type:   "com.okra.callback",
			Status: webhookverify.StatusUnknown,
		}},
		{"non-string values are ignored", `{"callback_type":7,"status":true,"record":{"id":"x"},"ended_at":12}`, webhookverify.Event{
			Type: "com.okra.callback",
		}},
		{"nested fields are not promoted", `{"identity":{"record":"r","status":"is_success"}}`, webhookverify.Event{
			Type: "com.okra.callback",
		}},
		{"escaped keys are read unescaped", `{"st\u0061tus":"is_failed","record":"r\u0031"}`, webhookverify.Event{
			Type: "com.okra.callback", Status: webhookverify.StatusFailed, Reference: "r1", Subject: "r1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request("POST", map[string][]string{"Okra-Auth": {token1}})
			got, err := v.Verify(r, []byte(tt.body), time.Now())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !got.Time.Equal(tt.want.Time) {
				t.Errorf("Time = %v, want %v", got.Time, tt.want.Time)
			}
			got.Time, tt.want.Time = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("event = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSignRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		headers    []string
		wantHeader string
		wantValue  string
	}{
		{"default headers", nil, "Okra-Auth", token1},
		{"Authorization", []string{"authorization"}, "Authorization", "Bearer " + token1},
		{"custom header", []string{"X-Okra-Token", "Okra-Auth"}, "X-Okra-Token", token1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.headers, token1, token2)
			r := request("POST", nil)
			out, err := v.Sign(r, []byte(identityBody), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != identityBody {
				t.Fatalf("Sign changed the body")
			}
			if got := r.Header.Get(tt.wantHeader); got != tt.wantValue {
				t.Fatalf("header %s = %q, want %q (signs with the first secret)", tt.wantHeader, got, tt.wantValue)
			}
			if _, err := v.Verify(r, out, time.Now()); err != nil {
				t.Fatalf("Verify after Sign: %v", err)
			}
		})
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string // JSON, when no error
		wantErr string // substring of the error
	}{
		{"secret only", `okra {
			secret {env.OKRA_TOKEN}
		}`, `{"secrets":["{env.OKRA_TOKEN}"]}`, ""},
		{"rotation and headers", `okra {
			secret {env.OKRA_TOKEN} {env.OKRA_TOKEN_OLD}
			header Okra-Auth
			header X-Token Authorization
		}`, `{"secrets":["{env.OKRA_TOKEN}","{env.OKRA_TOKEN_OLD}"],"headers":["Okra-Auth","X-Token","Authorization"]}`, ""},
		{"unknown subdirective", "okra {\n\tsecret {env.T}\n\talgorithm sha256\n}", "", `unrecognized subdirective "algorithm" for provider okra`},
		{"missing secret", "okra {\n\theader Okra-Auth\n}", "", "okra needs the webhook token"},
		{"no block", "okra", "", "okra needs the webhook token"},
		{"secret without value", "okra {\n\tsecret\n}", "", "secret needs a value"},
		{"header without value", "okra {\n\tsecret {env.T}\n\theader\n}", "", "header needs a header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Okra
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "Testfile:") {
					t.Fatalf("error %q does not name the line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v)
			if string(got) != tt.want {
				t.Fatalf("JSON %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCaddyfileThroughHandler(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser(`webhook_verify okra {
		max_body 64KiB
		secret {env.OKRA_TOKEN}
		header Okra-Auth
	}`)
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"headers":["Okra-Auth"],"provider":"okra","secrets":["{env.OKRA_TOKEN}"]}`
	var got, exp any
	_ = json.Unmarshal(h.VerifierRaw, &got)
	_ = json.Unmarshal([]byte(want), &exp)
	gb, _ := json.Marshal(got)
	eb, _ := json.Marshal(exp)
	if string(gb) != string(eb) {
		t.Fatalf("verifier JSON %s, want %s", h.VerifierRaw, want)
	}
}

func TestProvision(t *testing.T) {
	t.Setenv("OKRA_TEST_TOKEN", token1)
	t.Setenv("OKRA_TEST_EMPTY", "")
	tests := []struct {
		name    string
		v       Okra
		wantErr string
	}{
		{"env secret", Okra{Secrets: []string{"{env.OKRA_TEST_TOKEN}"}}, ""},
		{"unset env secret", Okra{Secrets: []string{"{env.OKRA_TEST_UNSET_7F3A}"}}, "secret #1"},
		{"empty env secret", Okra{Secrets: []string{"{env.OKRA_TEST_EMPTY}"}}, "secret #1"},
		{"no secret", Okra{}, "no secret configured"},
		{"empty header name", Okra{Secrets: []string{"x"}, Headers: []string{" "}}, "empty header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Provision(caddy.Context{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				r := request("POST", map[string][]string{"Okra-Auth": {token1}})
				if _, err := tt.v.Verify(r, []byte(identityBody), time.Now()); err != nil {
					t.Fatalf("Verify with the resolved secret: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestProvisionDoesNotShareDefaults(t *testing.T) {
	v := newVerifier(t, nil, token1)
	v.headers[0] = "Changed"
	if DefaultHeaders[0] != "Okra-Auth" {
		t.Fatalf("Provision aliased DefaultHeaders")
	}
}
