package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Slack's worked example ("Verifying requests from Slack", step-by-step
// walk-through): https://docs.slack.dev/authentication/verifying-requests-from-slack
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

var docTime = time.Unix(1531420618, 0)

func newVerifier(t testing.TB, tolerance time.Duration, secrets ...string) *Slack {
	t.Helper()
	v := &Slack{Secrets: secrets, Tolerance: caddy.Duration(tolerance)}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// mac computes the expected header value independently of the code under test.
func mac(key, ts, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("v0:" + ts + ":" + body))
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

type header struct{ name, value string }

func request(method, body string, headers ...header) *http.Request {
	r := httptest.NewRequest(method, "/hooks/slack", strings.NewReader(body))
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestVerify(t *testing.T) {
	ts := header{TimestampHeader, docTimestamp}
	sig := header{SignatureHeader, docSignature}
	plain := webhookverify.Event{Type: "com.slack.event"}
	tests := []struct {
		name      string
		secrets   []string
		tolerance time.Duration
		method    string
		body      string
		headers   []header
		now       time.Time
		wantErr   error
		want      webhookverify.Event
	}{
		{name: "published example", secrets: []string{docSecret}, body: docBody, headers: []header{ts, sig}, want: plain},
		{name: "uppercase hex", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, "v0=" + strings.ToUpper(docSignature[3:])}}, want: plain},
		{name: "wrong secret", secrets: []string{"not-the-secret"}, body: docBody, headers: []header{ts, sig},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "rotated: second secret verifies", secrets: []string{"new-secret", docSecret}, body: docBody,
			headers: []header{ts, sig}, want: plain},
		{name: "tampered body", secrets: []string{docSecret}, body: strings.Replace(docBody, "roadrunner", "roadrunnex", 1),
			headers: []header{ts, sig}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "timestamp changed by one second", secrets: []string{docSecret}, body: docBody,
			headers: []header{{TimestampHeader, "1531420619"}, sig}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "missing signature", secrets: []string{docSecret}, body: docBody, headers: []header{ts},
			wantErr: webhookverify.ErrMissingSignature},
		{name: "missing timestamp", secrets: []string{docSecret}, body: docBody, headers: []header{sig},
			wantErr: webhookverify.ErrMissingTimestamp},
		{name: "timestamp not a number", secrets: []string{docSecret}, body: docBody,
			headers: []header{{TimestampHeader, "yesterday"}, sig}, wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "timestamp with sign", secrets: []string{docSecret}, body: docBody,
			headers: []header{{TimestampHeader, "+" + docTimestamp}, sig}, wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "timestamp with fraction", secrets: []string{docSecret}, body: docBody,
			headers: []header{{TimestampHeader, docTimestamp + ".5"}, sig}, wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "5 minutes old", secrets: []string{docSecret}, body: docBody, headers: []header{ts, sig},
			now: docTime.Add(5 * time.Minute), want: plain},
		{name: "5 minutes and 1 second old", secrets: []string{docSecret}, body: docBody, headers: []header{ts, sig},
			now: docTime.Add(5*time.Minute + time.Second), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "5 minutes and 1 second in the future", secrets: []string{docSecret}, body: docBody, headers: []header{ts, sig},
			now: docTime.Add(-5*time.Minute - time.Second), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "6 minutes old, tolerance 10m", secrets: []string{docSecret}, tolerance: 10 * time.Minute, body: docBody,
			headers: []header{ts, sig}, now: docTime.Add(6 * time.Minute), want: plain},
		{name: "31 seconds old, tolerance 30s", secrets: []string{docSecret}, tolerance: 30 * time.Second, body: docBody,
			headers: []header{ts, sig}, now: docTime.Add(31 * time.Second), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "no prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, docSignature[3:]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "wrong prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, "v1=" + docSignature[3:]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "uppercase prefix", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, "V0=" + docSignature[3:]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "not hex", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, "v0=xyz"}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "repeated signature, one valid", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, "v0=" + strings.Repeat("0", 64)}, sig}, want: plain},
		{name: "repeated signature, none valid", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {SignatureHeader, mac("x", docTimestamp, docBody)}, {SignatureHeader, "v0=" + strings.Repeat("0", 64)}},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "repeated timestamp, signed one first", secrets: []string{docSecret}, body: docBody,
			headers: []header{ts, {TimestampHeader, "1531420600"}, sig}, want: plain},
		{name: "repeated timestamp, signed one second", secrets: []string{docSecret}, body: docBody,
			headers: []header{{TimestampHeader, "1531420600"}, ts, sig}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "GET", secrets: []string{docSecret}, method: http.MethodGet, body: docBody, headers: []header{ts, sig},
			wantErr: webhookverify.ErrMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.tolerance, tt.secrets...)
			method, now := tt.method, tt.now
			if method == "" {
				method = http.MethodPost
			}
			if now.IsZero() {
				now = docTime
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
					if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), mac(s, docTimestamp, tt.body)[3:]) {
						t.Errorf("error %q reveals a secret or an expected signature", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if ev != tt.want {
				t.Errorf("event = %+v, want %+v", ev, tt.want)
			}
		})
	}
}

func TestEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{name: "event_callback",
			body: `{"token":"x","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"app_mention","user":"U1","text":"hi","ts":"1515449522.000016","channel":"C1"},"type":"event_callback","event_id":"Ev123ABC456","event_time":1515449522}`,
			want: webhookverify.Event{ID: "Ev123ABC456", Type: "com.slack.event.event_callback", Time: time.Unix(1515449522, 0).UTC()}},
		{name: "url_verification", body: `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			want: webhookverify.Event{Type: "com.slack.event.url_verification"}},
		{name: "interactivity payload (form)", body: "payload=%7B%22type%22%3A%22block_actions%22%7D",
			want: webhookverify.Event{Type: "com.slack.event"}},
		{name: "type that is not a token", body: `{"type":"a b","event_id":"Ev 1"}`,
			want: webhookverify.Event{Type: "com.slack.event"}},
		{name: "empty body", body: "", want: webhookverify.Event{Type: "com.slack.event"}},
	}
	v := newVerifier(t, 0, "s")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(http.MethodPost, tt.body, header{TimestampHeader, docTimestamp}, header{SignatureHeader, mac("s", docTimestamp, tt.body)})
			ev, err := v.Verify(r, []byte(tt.body), docTime)
			if err != nil {
				t.Fatal(err)
			}
			if ev != tt.want {
				t.Errorf("event = %+v, want %+v", ev, tt.want)
			}
		})
	}
}

func TestSignUsesFirstSecret(t *testing.T) {
	body := `{"type":"event_callback","event_id":"Ev1","event_time":1700000000}`
	now := time.Unix(1700000001, 0)
	v := newVerifier(t, 0, "new-secret", "old-secret")
	r := request(http.MethodPost, body)
	out, err := v.Sign(r, []byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != body {
		t.Errorf("Sign changed the body")
	}
	if got := r.Header.Get(TimestampHeader); got != "1700000001" {
		t.Errorf("timestamp = %q, want 1700000001", got)
	}
	if got, want := r.Header.Get(SignatureHeader), mac("new-secret", "1700000001", body); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if _, err := v.Verify(r, out, now); err != nil {
		t.Errorf("round trip: %v", err)
	}
	if _, err := newVerifier(t, 0, "old-secret").Verify(r, out, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

// TestSignVerifyRoundTrip covers each configuration: default and custom
// tolerance, at the edges of the window.
func TestSignVerifyRoundTrip(t *testing.T) {
	for _, tol := range []time.Duration{0, 30 * time.Second, time.Hour} {
		v := newVerifier(t, tol, "k")
		window := time.Duration(v.Tolerance)
		for _, body := range []string{"", docBody, `{"type":"event_callback"}`} {
			signedAt := time.Unix(1700000000, 0)
			r := request(http.MethodPost, body)
			out, err := v.Sign(r, []byte(body), signedAt)
			if err != nil {
				t.Fatal(err)
			}
			for _, now := range []time.Time{signedAt.Add(-window), signedAt, signedAt.Add(window)} {
				if _, err := v.Verify(r, out, now); err != nil {
					t.Errorf("tolerance %v, now %+v: %v", window, now.Sub(signedAt), err)
				}
			}
			if _, err := v.Verify(r, out, signedAt.Add(window+time.Second)); !errors.Is(err, webhookverify.ErrTimestampOutOfTolerance) {
				t.Errorf("tolerance %v: a request older than the window passed: %v", window, err)
			}
		}
	}
}

func TestProvision(t *testing.T) {
	tests := []struct {
		name      string
		secrets   []string
		tolerance time.Duration
		want      string
	}{
		{"no secret", nil, 0, "no secret configured"},
		{"unset environment variable", []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_SLACK}"}, 0, "secret #1"},
		{"negative tolerance", []string{"s"}, -time.Second, "tolerance must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Slack{Secrets: tt.secrets, Tolerance: caddy.Duration(tt.tolerance)}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "slack: ") {
				t.Fatalf("err = %v, want a slack error mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("defaults and environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_SLACK", docSecret)
		v := &Slack{Secrets: webhookverify.Secrets{"{env.WEBHOOK_VERIFY_TEST_SLACK}"}}
		if err := v.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		if time.Duration(v.Tolerance) != 5*time.Minute {
			t.Errorf("default tolerance = %v, want 5m", time.Duration(v.Tolerance))
		}
		r := request(http.MethodPost, docBody, header{TimestampHeader, docTimestamp}, header{SignatureHeader, docSignature})
		if _, err := v.Verify(r, []byte(docBody), docTime); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, wantJSON, wantErr string
	}{
		{name: "secret only", input: "slack {\n secret {env.SLACK_SIGNING_SECRET}\n}",
			wantJSON: `{"secrets":["{env.SLACK_SIGNING_SECRET}"]}`},
		{name: "rotation and tolerance", input: "slack {\n secret {env.SLACK_NEW} {env.SLACK_OLD}\n tolerance 2m30s\n}",
			wantJSON: `{"secrets":["{env.SLACK_NEW}","{env.SLACK_OLD}"],"tolerance":` + strconv.FormatInt(int64(150*time.Second), 10) + `}`},
		{name: "no secret", input: "slack {\n tolerance 1m\n}", wantErr: "secret {env.SLACK_SIGNING_SECRET}"},
		{name: "secret without value", input: "slack {\n secret\n}", wantErr: "Testfile:2"},
		{name: "tolerance without value", input: "slack {\n secret x\n tolerance\n}", wantErr: "tolerance needs a value|Testfile:3"},
		{name: "tolerance not a duration", input: "slack {\n secret x\n tolerance soon\n}", wantErr: `tolerance "soon" is not a positive duration|Testfile:3`},
		{name: "tolerance zero", input: "slack {\n secret x\n tolerance 0s\n}", wantErr: "not a positive duration|Testfile:3"},
		{name: "tolerance two values", input: "slack {\n secret x\n tolerance 1m 2m\n}", wantErr: "tolerance takes one value|Testfile:3"},
		{name: "unknown subdirective", input: "slack {\n secret x\n header X-Sig\n}",
			wantErr: `unrecognized subdirective "header" for provider slack|Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Slack
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

func TestHandlerCaddyfile(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser("webhook_verify slack {\n secret {env.SLACK_SIGNING_SECRET}\n tolerance 1m\n enforce off\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"slack","secrets":["{env.SLACK_SIGNING_SECRET}"],"tolerance":60000000000}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier = %s, want %s", h.VerifierRaw, want)
	}
}
