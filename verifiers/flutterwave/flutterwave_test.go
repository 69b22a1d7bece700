package flutterwave

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

// The secret hash is whatever the merchant typed on the dashboard; the body
// has the shape of the v3 charge.completed example in
// https://developer.flutterwave.com/docs/integration-guides/webhooks.
const (
	hash       = "d4f0c7a1-flw-secret-hash-2b9e"
	chargeBody = `{"event":"charge.completed","data":{"id":285959875,"tx_ref":"Links-616626414629","flw_ref":"PeterEkene/FLW270177170","device_fingerprint":"a42937f4a73ce8bb8b8df14e63a2df31","amount":100,"currency":"NGN","charged_amount":100,"app_fee":1.4,"merchant_fee":0,"processor_response":"Approved by Financial Institution","auth_model":"PIN","ip":"197.210.64.96","narration":"CARD Transaction ","status":"successful","payment_type":"card","created_at":"2020-07-06T19:17:04.000Z","account_id":17321,"customer":{"id":215604089,"name":"Yemi Desola","email":"user@example.com"}},"event.type":"CARD_TRANSACTION"}`
)

var now = time.Date(2020, 7, 6, 19, 17, 10, 0, time.UTC)

var chargeEvent = webhookverify.Event{
	ID:        "charge.completed:285959875",
	Type:      "com.flutterwave.charge.completed",
	Time:      time.Date(2020, 7, 6, 19, 17, 4, 0, time.UTC),
	Subject:   "Links-616626414629",
	Status:    webhookverify.StatusSucceeded,
	Amount:    "100",
	Currency:  "NGN",
	Reference: "Links-616626414629",
}

func newVerifier(t testing.TB, secrets ...string) *Flutterwave {
	t.Helper()
	v := &Flutterwave{Secrets: secrets}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

type header struct{ name, value string }

func request(method, body string, headers ...header) *http.Request {
	r := httptest.NewRequest(method, "/hooks/flutterwave", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		method  string
		body    string
		headers []header
		wantErr error
		want    webhookverify.Event
	}{
		{name: "charge.completed", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", hash}}, want: chargeEvent},
		{name: "canonical header name", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"Verif-Hash", hash}}, want: chargeEvent},
		{name: "wrong hash", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", "not-the-hash"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "prefix of the hash", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", hash[:len(hash)-1]}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "hash with a trailing space", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", hash + " "}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "uppercased hash", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", strings.ToUpper(hash)}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "Bearer is not stripped", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", "Bearer " + hash}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "rotated: second hash verifies", secrets: []string{"new-hash", hash}, body: chargeBody,
			headers: []header{{"verif-hash", hash}}, want: chargeEvent},
		{name: "missing header", secrets: []string{hash}, body: chargeBody,
			wantErr: webhookverify.ErrMissingToken},
		{name: "empty header", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", ""}}, wantErr: webhookverify.ErrMissingToken},
		{name: "header of spaces", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", "  "}}, wantErr: webhookverify.ErrMissingToken},
		{name: "hash with a leading space", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", " " + hash}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "hash in another header", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"Authorization", hash}}, wantErr: webhookverify.ErrMissingToken},
		{name: "repeated header, one valid", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", "guess"}, {"verif-hash", hash}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "repeated header, both valid", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", hash}, {"verif-hash", hash}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "repeated header, first empty", secrets: []string{hash}, body: chargeBody,
			headers: []header{{"verif-hash", ""}, {"verif-hash", hash}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "GET", secrets: []string{hash}, method: http.MethodGet, body: chargeBody,
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrMethodNotAllowed},
		{name: "valid hash, body not JSON", secrets: []string{hash}, body: "event=charge.completed",
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrMalformedBody},
		{name: "valid hash, truncated JSON", secrets: []string{hash}, body: chargeBody[:len(chargeBody)-1],
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrMalformedBody},
		{name: "valid hash, JSON array", secrets: []string{hash}, body: "[" + chargeBody + "]",
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrMalformedBody},
		{name: "valid hash, empty body", secrets: []string{hash}, body: "",
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrMalformedBody},
		{name: "valid hash, repeated top-level key", secrets: []string{hash}, body: `{"event":"charge.completed","data":{"id":1},"data":{"id":2}}`,
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrDuplicateKey},
		{name: "valid hash, repeated key in data", secrets: []string{hash}, body: `{"event":"charge.completed","data":{"status":"failed","status":"successful"}}`,
			headers: []header{{"verif-hash", hash}}, wantErr: webhookverify.ErrDuplicateKey},
		{name: "wrong hash, body not JSON", secrets: []string{hash}, body: "x",
			headers: []header{{"verif-hash", "nope"}}, wantErr: webhookverify.ErrInvalidToken},
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
				if strings.Contains(err.Error(), hash) {
					t.Errorf("error %q reveals the secret hash", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if ev != tt.want {
				t.Errorf("event =\n %+v, want\n %+v", ev, tt.want)
			}
		})
	}
}

func TestEventMapping(t *testing.T) {
	tests := []struct {
		name string
		body string
		want webhookverify.Event
	}{
		{name: "transfer with uppercase status",
			body: `{"event":"transfer.completed","event.type":"Transfer","data":{"id":33286,"currency":"NGN","amount":50,"status":"SUCCESSFUL","reference":"tr-ref","created_at":"2020-06-24T11:21:14.000Z"}}`,
			want: webhookverify.Event{ID: "transfer.completed:33286", Type: "com.flutterwave.transfer.completed", Status: webhookverify.StatusSucceeded,
				Amount: "50", Currency: "NGN", Reference: "tr-ref", Subject: "tr-ref", Time: time.Date(2020, 6, 24, 11, 21, 14, 0, time.UTC)}},
		{name: "failed charge, decimal amount",
			body: `{"event":"charge.completed","data":{"id":1,"tx_ref":"r","amount":99.5,"currency":"KES","status":"failed"}}`,
			want: webhookverify.Event{ID: "charge.completed:1", Type: "com.flutterwave.charge.completed", Status: webhookverify.StatusFailed,
				Amount: "99.5", Currency: "KES", Reference: "r", Subject: "r"}},
		{name: "refund completed",
			body: `{"event":"refund.completed","data":{"id":"rf_1","status":"completed"}}`,
			want: webhookverify.Event{ID: "refund.completed:rf_1", Type: "com.flutterwave.refund.completed", Status: webhookverify.StatusRefunded}},
		{name: "newer API names: type, reference, created_datetime",
			body: `{"type":"charge.completed","data":{"id":"chg_e1f3","amount":25000,"currency":"NGN","status":"succeeded","reference":"order_1","created_datetime":"2026-05-24T15:34:09.001Z"}}`,
			want: webhookverify.Event{ID: "charge.completed:chg_e1f3", Type: "com.flutterwave.charge.completed", Status: webhookverify.StatusSucceeded,
				Amount: "25000", Currency: "NGN", Reference: "order_1", Subject: "order_1", Time: time.Date(2026, 5, 24, 15, 34, 9, 1e6, time.UTC)}},
		{name: "no event", body: `{"data":{"id":7,"status":"pending"}}`,
			want: webhookverify.Event{Type: "com.flutterwave.webhook", Status: webhookverify.StatusPending}},
		{name: "event is not a token", body: `{"event":"charge completed","data":{"id":7}}`,
			want: webhookverify.Event{Type: "com.flutterwave.webhook"}},
		{name: "event is a number", body: `{"event":12,"data":{"id":7}}`,
			want: webhookverify.Event{Type: "com.flutterwave.webhook"}},
		{name: "unknown status word", body: `{"event":"charge.completed","data":{"status":"weird"}}`,
			want: webhookverify.Event{Type: "com.flutterwave.charge.completed", Status: webhookverify.StatusUnknown}},
		{name: "repeated keys that are not read", body: `{"event":"charge.completed","x":1,"x":2,"data":{"meta":{},"meta":{}}}`,
			want: webhookverify.Event{Type: "com.flutterwave.charge.completed"}},
		{name: "data is not an object", body: `{"event":"charge.completed","data":"x"}`,
			want: webhookverify.Event{Type: "com.flutterwave.charge.completed"}},
	}
	v := newVerifier(t, hash)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := v.Verify(request(http.MethodPost, tt.body, header{"verif-hash", hash}), []byte(tt.body), now)
			if err != nil {
				t.Fatal(err)
			}
			if ev != tt.want {
				t.Errorf("event =\n %+v, want\n %+v", ev, tt.want)
			}
		})
	}
}

func TestSignUsesFirstSecret(t *testing.T) {
	v := newVerifier(t, "new-hash", "old-hash")
	r := request(http.MethodPost, chargeBody)
	out, err := v.Sign(r, []byte(chargeBody), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != chargeBody {
		t.Errorf("Sign changed the body")
	}
	if got := r.Header.Values("verif-hash"); len(got) != 1 || got[0] != "new-hash" {
		t.Errorf("verif-hash = %q, want the first secret", got)
	}
	if ev, err := v.Verify(r, out, now); err != nil || ev != chargeEvent {
		t.Errorf("round trip: %+v, %v", ev, err)
	}
	if _, err := newVerifier(t, "old-hash").Verify(r, out, now); !errors.Is(err, webhookverify.ErrInvalidToken) {
		t.Errorf("a verifier with only the second secret accepted the first: %v", err)
	}
}

func TestProvision(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		want    string
	}{
		{"no secret", nil, "no secret configured"},
		{"unset environment variable", []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_FLW}"}, "secret #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Flutterwave{Secrets: tt.secrets}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "flutterwave: ") {
				t.Fatalf("err = %v, want a flutterwave error mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_FLW", hash)
		v := &Flutterwave{Secrets: webhookverify.Secrets{"{env.WEBHOOK_VERIFY_TEST_FLW}"}}
		if err := v.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(request(http.MethodPost, chargeBody, header{"verif-hash", hash}), []byte(chargeBody), now); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, wantJSON, wantErr string
	}{
		{name: "one secret", input: "flutterwave {\n secret {env.FLUTTERWAVE_SECRET_HASH}\n}",
			wantJSON: `{"secrets":["{env.FLUTTERWAVE_SECRET_HASH}"]}`},
		{name: "rotation", input: "flutterwave {\n secret {env.FLW_NEW}\n secret {env.FLW_OLD}\n}",
			wantJSON: `{"secrets":["{env.FLW_NEW}","{env.FLW_OLD}"]}`},
		{name: "no secret", input: "flutterwave {\n}", wantErr: "secret {env.FLUTTERWAVE_SECRET_HASH}"},
		{name: "secret without value", input: "flutterwave {\n secret\n}", wantErr: "Testfile:2"},
		{name: "unknown subdirective", input: "flutterwave {\n secret x\n header flutterwave-signature\n}",
			wantErr: `unrecognized subdirective "header" for provider flutterwave|Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Flutterwave
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
	d := caddyfile.NewTestDispenser("webhook_verify flutterwave {\n secret {env.FLUTTERWAVE_SECRET_HASH}\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"flutterwave","secrets":["{env.FLUTTERWAVE_SECRET_HASH}"]}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier = %s, want %s", h.VerifierRaw, want)
	}
}
