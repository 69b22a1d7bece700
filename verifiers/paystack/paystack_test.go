package paystack

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
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

// Paystack publishes no signed example, so expected signatures are computed
// here with crypto/hmac directly. The body has the shape of the
// charge.success example in https://paystack.com/docs/payments/webhooks/.
const (
	secret     = "sk_test_0123456789abcdef0123456789abcdef01234567"
	chargeBody = `{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx","amount":10000,"message":null,"gateway_response":"Approved by Financial Institution","paid_at":"2016-09-30T21:10:19.000Z","created_at":"2016-09-30T21:09:56.000Z","channel":"card","currency":"NGN","ip_address":"41.242.49.37","customer":{"id":68324,"email":"customer@example.com","customer_code":"CUS_qo38as2hpsgk2r0"}}}`
)

var now = time.Date(2016, 9, 30, 21, 10, 30, 0, time.UTC)

func newVerifier(t testing.TB, secrets ...string) *Paystack {
	t.Helper()
	v := &Paystack{Secrets: secrets}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// mac computes the expected header value independently of the code under test.
func mac(key, body string) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

type header struct{ name, value string }

func request(method, body string, headers ...header) *http.Request {
	r := httptest.NewRequest(method, "/hooks/paystack", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestSignatureFormula(t *testing.T) {
	// Sanity check of the helper against RFC 4231 test case 2 (HMAC-SHA-512).
	const want = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
	if got := mac("Jefe", "what do ya want for nothing?"); got != want {
		t.Fatalf("HMAC-SHA512 = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	sig := mac(secret, chargeBody)
	chargeEvent := webhookverify.Event{
		ID:        "charge.success:302961",
		Type:      "com.paystack.charge.success",
		Time:      time.Date(2016, 9, 30, 21, 10, 19, 0, time.UTC),
		Subject:   "qTPrJoy9Bx",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "10000",
		Currency:  "NGN",
		Reference: "qTPrJoy9Bx",
	}
	tests := []struct {
		name    string
		secrets []string
		method  string
		body    string
		headers []header
		wantErr error
		want    webhookverify.Event
	}{
		{name: "charge.success", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, sig}}, want: chargeEvent},
		{name: "lowercase header name", secrets: []string{secret}, body: chargeBody,
			headers: []header{{"x-paystack-signature", sig}}, want: chargeEvent},
		{name: "uppercase hex", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, strings.ToUpper(sig)}}, want: chargeEvent},
		{name: "wrong secret", secrets: []string{"sk_test_other"}, body: chargeBody,
			headers: []header{{SignatureHeader, sig}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "rotated: second secret verifies", secrets: []string{"sk_live_new", secret}, body: chargeBody,
			headers: []header{{SignatureHeader, sig}}, want: chargeEvent},
		{name: "tampered body", secrets: []string{secret}, body: strings.Replace(chargeBody, "10000", "90000", 1),
			headers: []header{{SignatureHeader, sig}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "HMAC-SHA256 instead of SHA512", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, sig[:64]}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "missing header", secrets: []string{secret}, body: chargeBody,
			wantErr: webhookverify.ErrMissingSignature},
		{name: "empty header", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, ""}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "not hex", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, "g" + sig[1:]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "odd length", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, sig[1:]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "unexpected prefix", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, "sha512=" + sig}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "repeated header, one valid", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, mac("x", chargeBody)}, {SignatureHeader, sig}}, want: chargeEvent},
		{name: "repeated header, none valid", secrets: []string{secret}, body: chargeBody,
			headers: []header{{SignatureHeader, mac("x", chargeBody)}, {SignatureHeader, mac("y", chargeBody)}},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "GET", secrets: []string{secret}, method: http.MethodGet, body: chargeBody,
			headers: []header{{SignatureHeader, sig}}, wantErr: webhookverify.ErrMethodNotAllowed},
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
					if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), mac(s, tt.body)) {
						t.Errorf("error %q reveals a secret or an expected signature", err)
					}
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

// TestEventMapping checks the body → Event mapping of other events and the
// body's shape.
func TestEventMapping(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
		want    webhookverify.Event
	}{
		{name: "transfer.failed",
			body: `{"event":"transfer.failed","data":{"id":37272,"amount":20000,"currency":"NGN","reference":"tr-1","status":"failed","created_at":"2021-01-02T03:04:05.000Z"}}`,
			want: webhookverify.Event{ID: "transfer.failed:37272", Type: "com.paystack.transfer.failed", Status: webhookverify.StatusFailed,
				Amount: "20000", Currency: "NGN", Reference: "tr-1", Subject: "tr-1", Time: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{name: "refund.processed",
			body: `{"event":"refund.processed","data":{"status":"processed","amount":"5000","currency":"GHS","transaction_reference":"x"}}`,
			want: webhookverify.Event{Type: "com.paystack.refund.processed", Status: webhookverify.StatusRefunded, Amount: "5000", Currency: "GHS"}},
		{name: "abandoned charge", body: `{"event":"charge.success","data":{"id":"9","status":"abandoned","paid_at":null}}`,
			want: webhookverify.Event{ID: "charge.success:9", Type: "com.paystack.charge.success", Status: webhookverify.StatusExpired}},
		{name: "unknown status word", body: `{"event":"charge.success","data":{"status":"mystery"}}`,
			want: webhookverify.Event{Type: "com.paystack.charge.success", Status: webhookverify.StatusUnknown}},
		{name: "dispute status is not a payment status",
			body: `{"event":"charge.dispute.create","data":{"id":358950,"status":"awaiting-merchant-feedback","currency":"NGN"}}`,
			want: webhookverify.Event{ID: "charge.dispute.create:358950", Type: "com.paystack.charge.dispute.create", Currency: "NGN"}},
		{name: "subscription status is not a payment status",
			body: `{"event":"subscription.disable","data":{"id":1,"status":"complete","amount":50000}}`,
			want: webhookverify.Event{ID: "subscription.disable:1", Type: "com.paystack.subscription.disable", Amount: "50000"}},
		{name: "unix created_at", body: `{"event":"invoice.create","data":{"status":"pending","created_at":1700000000}}`,
			want: webhookverify.Event{Type: "com.paystack.invoice.create", Status: webhookverify.StatusPending, Time: time.Unix(1700000000, 0).UTC()}},
		{name: "data is not an object", body: `{"event":"charge.success","data":[1,2]}`,
			want: webhookverify.Event{Type: "com.paystack.charge.success"}},
		{name: "not JSON", body: `event=charge.success`, wantErr: webhookverify.ErrMalformedBody},
		{name: "empty body", body: ``, wantErr: webhookverify.ErrMalformedBody},
		{name: "truncated JSON", body: `{"event":"charge.success","data":{`, wantErr: webhookverify.ErrMalformedBody},
		{name: "no event", body: `{"data":{"id":1}}`, wantErr: webhookverify.ErrMalformedBody},
		{name: "event is a number", body: `{"event":5,"data":{"id":1}}`, wantErr: webhookverify.ErrMalformedBody},
		{name: "event is not a token", body: `{"event":"charge success"}`, wantErr: webhookverify.ErrMalformedBody},
		{name: "array", body: `[{"event":"charge.success"}]`, wantErr: webhookverify.ErrMalformedBody},
	}
	v := newVerifier(t, secret)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(http.MethodPost, tt.body, header{SignatureHeader, mac(secret, tt.body)})
			ev, err := v.Verify(r, []byte(tt.body), now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if ev != tt.want {
				t.Errorf("event =\n %+v, want\n %+v", ev, tt.want)
			}
		})
	}
}

func TestSignUsesFirstSecret(t *testing.T) {
	v := newVerifier(t, "sk_live_new", "sk_live_old")
	r := request(http.MethodPost, chargeBody)
	out, err := v.Sign(r, []byte(chargeBody), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != chargeBody {
		t.Errorf("Sign changed the body")
	}
	if got, want := r.Header.Get(SignatureHeader), mac("sk_live_new", chargeBody); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if _, err := v.Verify(r, out, now); err != nil {
		t.Errorf("round trip: %v", err)
	}
	if _, err := newVerifier(t, "sk_live_old").Verify(r, out, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

func TestProvision(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		want    string
	}{
		{"no secret", nil, "no secret configured"},
		{"unset environment variable", []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_PS}"}, "secret #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Paystack{Secrets: tt.secrets}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "paystack: ") {
				t.Fatalf("err = %v, want a paystack error mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_PS", secret)
		v := &Paystack{Secrets: webhookverify.Secrets{"{env.WEBHOOK_VERIFY_TEST_PS}"}}
		if err := v.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		r := request(http.MethodPost, chargeBody, header{SignatureHeader, mac(secret, chargeBody)})
		if _, err := v.Verify(r, []byte(chargeBody), now); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, wantJSON, wantErr string
	}{
		{name: "one secret", input: "paystack {\n secret {env.PAYSTACK_SECRET_KEY}\n}",
			wantJSON: `{"secrets":["{env.PAYSTACK_SECRET_KEY}"]}`},
		{name: "rotation", input: "paystack {\n secret {env.PS_NEW} {env.PS_OLD}\n}",
			wantJSON: `{"secrets":["{env.PS_NEW}","{env.PS_OLD}"]}`},
		{name: "no secret", input: "paystack {\n}", wantErr: "secret {env.PAYSTACK_SECRET_KEY}"},
		{name: "secret without value", input: "paystack {\n secret\n}", wantErr: "Testfile:2"},
		{name: "unknown subdirective", input: "paystack {\n secret x\n algorithm sha256\n}",
			wantErr: `unrecognized subdirective "algorithm" for provider paystack|Testfile:3|allow_ips 52.31.139.75 52.49.173.169 52.214.14.220`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Paystack
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

// TestHandlerCaddyfile checks the provider name, and that the recommended
// allow_ips line goes to the handler while the secret goes to the verifier.
func TestHandlerCaddyfile(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser("webhook_verify paystack {\n secret {env.PAYSTACK_SECRET_KEY}\n allow_ips " + strings.Join(SourceIPs, " ") + "\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"paystack","secrets":["{env.PAYSTACK_SECRET_KEY}"]}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier = %s, want %s", h.VerifierRaw, want)
	}
	if strings.Join(h.AllowIPs, " ") != "52.31.139.75 52.49.173.169 52.214.14.220" {
		t.Errorf("allow_ips = %v", h.AllowIPs)
	}
}
