package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// Shopify publishes no signed example, so expected signatures are computed
// here with crypto/hmac directly.
const (
	secret    = "shpss_0123456789abcdef0123456789abcdef"
	orderBody = `{"id":820982911946154508,"email":"jon@example.com","created_at":"2024-01-01T10:00:00-05:00","currency":"USD","financial_status":"paid","name":"#9999","total_price":"403.00","line_items":[{"id":866550311766439020,"price":"199.00","quantity":1}]}`
)

var now = time.Unix(1704121200, 0)

var orderEvent = webhookverify.Event{
	Type:     "com.shopify.webhook",
	Status:   webhookverify.StatusSucceeded,
	Amount:   "403.00",
	Currency: "USD",
}

func newVerifier(t testing.TB, secrets ...string) *Shopify {
	t.Helper()
	v := &Shopify{Secrets: secrets}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// mac computes the expected header value independently of the code under test.
func mac(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type header struct{ name, value string }

func request(method, body string, headers ...header) *http.Request {
	r := httptest.NewRequest(method, "/hooks/shopify", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Shopify-Topic", "orders/paid")
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestVerify(t *testing.T) {
	sig := mac(secret, orderBody)
	// The same MAC written as (uppercase) hex: valid base64 characters, but
	// it decodes to 48 bytes that match nothing.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(orderBody))
	hexSig := strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
	tests := []struct {
		name    string
		secrets []string
		method  string
		body    string
		headers []header
		wantErr error
		want    webhookverify.Event
	}{
		{name: "order", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, sig}}, want: orderEvent},
		{name: "header name as Shopify spells it", secrets: []string{secret}, body: orderBody,
			headers: []header{{"X-Shopify-Hmac-SHA256", sig}}, want: orderEvent},
		{name: "unpadded base64", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, strings.TrimRight(sig, "=")}}, want: orderEvent},
		{name: "wrong secret", secrets: []string{"shpss_other"}, body: orderBody,
			headers: []header{{SignatureHeader, sig}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "rotated: second secret verifies", secrets: []string{"shpss_new", secret}, body: orderBody,
			headers: []header{{SignatureHeader, sig}}, want: orderEvent},
		{name: "tampered body", secrets: []string{secret}, body: strings.Replace(orderBody, "403.00", "4.00", 1),
			headers: []header{{SignatureHeader, sig}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "missing header", secrets: []string{secret}, body: orderBody,
			wantErr: webhookverify.ErrMissingSignature},
		{name: "empty header", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, ""}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "not base64", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, "!!!!"}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "base64url alphabet", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, strings.NewReplacer("+", "-", "/", "_").Replace(sig) + "-_"}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "unexpected prefix", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, "sha256=" + sig}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "hex instead of base64", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, hexSig}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "case-changed base64", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, swapCase(sig)}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "repeated header, one valid", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, mac("x", orderBody)}, {SignatureHeader, sig}}, want: orderEvent},
		{name: "repeated header, none valid", secrets: []string{secret}, body: orderBody,
			headers: []header{{SignatureHeader, mac("x", orderBody)}, {SignatureHeader, mac("y", orderBody)}},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "GET", secrets: []string{secret}, method: http.MethodGet, body: orderBody,
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

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

func TestEventMapping(t *testing.T) {
	tests := []struct {
		name string
		body string
		want webhookverify.Event
	}{
		{name: "refunded order", body: `{"id":1,"currency":"EUR","financial_status":"partially_refunded","total_price":"10.50"}`,
			want: webhookverify.Event{Type: EventType, Status: webhookverify.StatusRefunded, Amount: "10.50", Currency: "EUR"}},
		{name: "authorized order", body: `{"financial_status":"authorized","total_price":"1.00","currency":"CAD"}`,
			want: webhookverify.Event{Type: EventType, Status: webhookverify.StatusPending, Amount: "1.00", Currency: "CAD"}},
		{name: "voided order", body: `{"financial_status":"voided"}`,
			want: webhookverify.Event{Type: EventType, Status: webhookverify.StatusFailed}},
		{name: "unknown financial status", body: `{"financial_status":"something_new"}`,
			want: webhookverify.Event{Type: EventType, Status: webhookverify.StatusUnknown}},
		{name: "product, no payment facts", body: `{"id":632910392,"title":"IPod Nano - 8GB","variants":[{"price":"199.00"}]}`,
			want: webhookverify.Event{Type: EventType}},
		{name: "XML body", body: `<?xml version="1.0" encoding="UTF-8"?><order><financial-status>paid</financial-status></order>`,
			want: webhookverify.Event{Type: EventType}},
		{name: "empty body", body: ``, want: webhookverify.Event{Type: EventType}},
	}
	v := newVerifier(t, secret)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := v.Verify(request(http.MethodPost, tt.body, header{SignatureHeader, mac(secret, tt.body)}), []byte(tt.body), now)
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
	v := newVerifier(t, "shpss_new", "shpss_old")
	r := request(http.MethodPost, orderBody)
	out, err := v.Sign(r, []byte(orderBody), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != orderBody {
		t.Errorf("Sign changed the body")
	}
	if got, want := r.Header.Get(SignatureHeader), mac("shpss_new", orderBody); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if ev, err := v.Verify(r, out, now); err != nil || ev != orderEvent {
		t.Errorf("round trip: %+v, %v", ev, err)
	}
	if _, err := newVerifier(t, "shpss_old").Verify(r, out, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
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
		{"unset environment variable", []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_SHOPIFY}"}, "secret #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Shopify{Secrets: tt.secrets}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "shopify: ") {
				t.Fatalf("err = %v, want a shopify error mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_SHOPIFY", secret)
		v := &Shopify{Secrets: webhookverify.Secrets{"{env.WEBHOOK_VERIFY_TEST_SHOPIFY}"}}
		if err := v.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(request(http.MethodPost, orderBody, header{SignatureHeader, mac(secret, orderBody)}), []byte(orderBody), now); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, wantJSON, wantErr string
	}{
		{name: "one secret", input: "shopify {\n secret {env.SHOPIFY_API_SECRET}\n}",
			wantJSON: `{"secrets":["{env.SHOPIFY_API_SECRET}"]}`},
		{name: "rotation", input: "shopify {\n secret {env.SHOPIFY_NEW} {file./run/secrets/shopify_old}\n}",
			wantJSON: `{"secrets":["{env.SHOPIFY_NEW}","{file./run/secrets/shopify_old}"]}`},
		{name: "no secret", input: "shopify {\n}", wantErr: "secret {env.SHOPIFY_API_SECRET}"},
		{name: "secret without value", input: "shopify {\n secret\n}", wantErr: "Testfile:2"},
		{name: "unknown subdirective", input: "shopify {\n secret x\n encoding hex\n}",
			wantErr: `unrecognized subdirective "encoding" for provider shopify|Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Shopify
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
	d := caddyfile.NewTestDispenser("webhook_verify shopify {\n secret {env.SHOPIFY_API_SECRET}\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"shopify","secrets":["{env.SHOPIFY_API_SECRET}"]}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier = %s, want %s", h.VerifierRaw, want)
	}
}
