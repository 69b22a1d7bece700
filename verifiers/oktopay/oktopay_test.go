package oktopay

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
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
	secret1 = "okto-notification-secret-1"
	secret2 = "okto-notification-secret-2"
	body    = `{"transactionId":"tx-1","status":"COMPLETED","amount":"10.00","currency":"EUR"}`
)

func provisioned(t testing.TB, v Oktopay) *Oktopay {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return &v
}

// mac computes the expected signature independently of the verifier.
func mac(h func() hash.Hash, key, msg string) []byte {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func req(target string, headers map[string]string) *http.Request {
	r := httptest.NewRequest("POST", target, nil)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// TestRFC4231 checks hmac mode against the published HMAC test vectors of
// RFC 4231, test case 2 (key "Jefe").
func TestRFC4231(t *testing.T) {
	const msg = "what do ya want for nothing?"
	for _, tt := range []struct {
		alg  webhookverify.Algorithm
		want string
	}{
		{webhookverify.SHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{webhookverify.SHA512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			v := provisioned(t, Oktopay{Mode: ModeHMAC, Algorithm: tt.alg, Secrets: []string{"Jefe"}})
			r := req("/cb", map[string]string{"X-Signature": tt.want})
			if _, err := v.Verify(r, []byte(msg), time.Now()); err != nil {
				t.Fatalf("published vector: %v", err)
			}
			r = req("/cb", nil)
			if _, err := v.Sign(r, []byte(msg), time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Get("X-Signature"); got != tt.want {
				t.Fatalf("Sign = %s, want %s", got, tt.want)
			}
		})
	}
}

// In key mode a repeated header or query parameter is refused, even when
// every copy holds the secret.
func TestVerifyKeyRepeated(t *testing.T) {
	key := provisioned(t, Oktopay{Secrets: []string{secret1}})
	keyQuery := provisioned(t, Oktopay{Secrets: []string{secret1}, Query: "apiKey"})
	r := req("/cb", nil)
	r.Header.Add("apiKey", "nope")
	r.Header.Add("apiKey", secret1)
	if _, err := key.Verify(r, []byte(body), time.Now()); !errors.Is(err, webhookverify.ErrInvalidToken) {
		t.Errorf("repeated header: %v, want %v", err, webhookverify.ErrInvalidToken)
	}
	r = req("/cb?apiKey="+secret1+"&apiKey="+secret1, nil)
	if _, err := keyQuery.Verify(r, []byte(body), time.Now()); !errors.Is(err, webhookverify.ErrInvalidToken) {
		t.Errorf("repeated query parameter: %v, want %v", err, webhookverify.ErrInvalidToken)
	}
}

func TestVerify(t *testing.T) {
	key := provisioned(t, Oktopay{Secrets: []string{secret1}})
	keyRotated := provisioned(t, Oktopay{Secrets: []string{secret1, secret2}})
	keyQuery := provisioned(t, Oktopay{Secrets: []string{secret1}, Query: "apiKey"})
	keyAuth := provisioned(t, Oktopay{Secrets: []string{secret1}, Header: "Authorization", Variant: VariantPix})
	h256 := provisioned(t, Oktopay{Mode: ModeHMAC, Secrets: []string{secret1, secret2}})
	h512b64 := provisioned(t, Oktopay{Mode: ModeHMAC, Algorithm: "sha512", Encoding: "base64", Header: "X-Okto-Signature", Secrets: []string{secret1}})

	sig256 := hex.EncodeToString(mac(sha256.New, secret1, body))
	sig256second := hex.EncodeToString(mac(sha256.New, secret2, body))
	sig512 := base64.StdEncoding.EncodeToString(mac(sha512.New, secret1, body))
	tampered := strings.Replace(body, "10.00", "90.00", 1)

	tests := []struct {
		name    string
		v       *Oktopay
		target  string
		headers map[string]string
		body    string
		want    *webhookverify.Failure
	}{
		{"key: apiKey header", key, "/cb", map[string]string{"apiKey": secret1}, body, nil},
		{"key: header name is case-insensitive", key, "/cb", map[string]string{"APIKEY": secret1}, body, nil},
		{"key: Bearer prefix", key, "/cb", map[string]string{"apiKey": "Bearer " + secret1}, body, nil},
		{"key: wrong secret", key, "/cb", map[string]string{"apiKey": "okto-notification-secret-X"}, body, webhookverify.ErrInvalidToken},
		{"key: missing header", key, "/cb", nil, body, webhookverify.ErrMissingToken},
		{"key: empty header", key, "/cb", map[string]string{"apiKey": "  "}, body, webhookverify.ErrMissingToken},
		{"key: surrounding spaces are not trimmed", key, "/cb", map[string]string{"apiKey": " " + secret1 + " "}, body, webhookverify.ErrInvalidToken},
		{"key: secret in the query is not read in header mode", key, "/cb?apiKey=" + secret1, nil, body, webhookverify.ErrMissingToken},
		{"key: body not covered", key, "/cb", map[string]string{"apiKey": secret1}, tampered, nil},
		{"key: second secret (rotation)", keyRotated, "/cb", map[string]string{"apiKey": secret2}, body, nil},
		{"key: query", keyQuery, "/cb?apiKey=" + secret1, nil, body, nil},
		{"key: query wrong", keyQuery, "/cb?apiKey=nope", nil, body, webhookverify.ErrInvalidToken},
		{"key: query missing", keyQuery, "/cb", map[string]string{"apiKey": secret1}, body, webhookverify.ErrMissingToken},
		{"key: Authorization Bearer (pix)", keyAuth, "/cb/pix", map[string]string{"Authorization": "Bearer " + secret1}, body, nil},
		{"key: Authorization wrong (pix)", keyAuth, "/cb/pix", map[string]string{"Authorization": "Bearer " + secret2}, body, webhookverify.ErrInvalidToken},

		{"hmac: sha256 hex", h256, "/cb", map[string]string{"X-Signature": sig256}, body, nil},
		{"hmac: uppercase hex", h256, "/cb", map[string]string{"X-Signature": strings.ToUpper(sig256)}, body, nil},
		{"hmac: second secret (rotation)", h256, "/cb", map[string]string{"X-Signature": sig256second}, body, nil},
		{"hmac: wrong secret", h256, "/cb", map[string]string{"X-Signature": hex.EncodeToString(mac(sha256.New, "other", body))}, body, webhookverify.ErrInvalidSignature},
		{"hmac: tampered body (one byte)", h256, "/cb", map[string]string{"X-Signature": sig256}, tampered, webhookverify.ErrInvalidSignature},
		{"hmac: empty body", h256, "/cb", map[string]string{"X-Signature": sig256}, "", webhookverify.ErrInvalidSignature},
		{"hmac: missing header", h256, "/cb", nil, body, webhookverify.ErrMissingSignature},
		{"hmac: the key itself is not accepted", h256, "/cb", map[string]string{"X-Signature": secret1}, body, webhookverify.ErrMalformedSignature},
		{"hmac: not hex", h256, "/cb", map[string]string{"X-Signature": "zz" + sig256[2:]}, body, webhookverify.ErrMalformedSignature},
		{"hmac: odd length", h256, "/cb", map[string]string{"X-Signature": sig256[1:]}, body, webhookverify.ErrMalformedSignature},
		{"hmac: truncated", h256, "/cb", map[string]string{"X-Signature": sig256[:32]}, body, webhookverify.ErrInvalidSignature},
		{"hmac: prefixed", h256, "/cb", map[string]string{"X-Signature": "sha256=" + sig256}, body, webhookverify.ErrMalformedSignature},
		{"hmac: too long", h256, "/cb", map[string]string{"X-Signature": strings.Repeat(sig256, 5)}, body, webhookverify.ErrMalformedSignature},
		{"hmac: sha512 base64", h512b64, "/cb", map[string]string{"X-Okto-Signature": sig512}, body, nil},
		{"hmac: base64 without padding", h512b64, "/cb", map[string]string{"X-Okto-Signature": strings.TrimRight(sig512, "=")}, body, nil},
		{"hmac: sha256 where sha512 is configured", h512b64, "/cb", map[string]string{"X-Okto-Signature": base64.StdEncoding.EncodeToString(mac(sha256.New, secret1, body))}, body, webhookverify.ErrInvalidSignature},
		{"hmac: hex where base64 is configured", h512b64, "/cb", map[string]string{"X-Okto-Signature": hex.EncodeToString(mac(sha512.New, secret1, body))}, body, webhookverify.ErrInvalidSignature},
		{"hmac: default header not read when another is configured", h512b64, "/cb", map[string]string{"X-Signature": sig512}, body, webhookverify.ErrMissingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(req(tt.target, tt.headers), []byte(tt.body), time.Now())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if f := webhookverify.FailureOf(err); f.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", f.Status)
			}
			for _, s := range []string{secret1, secret2, sig256, sig512} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error %q reveals a secret or signature", err)
				}
			}
		})
	}
}

func TestEvent(t *testing.T) {
	paths := webhookverify.FieldPaths{
		EventID: "transactionId", Type: "kind", Status: "status", Amount: "amount",
		Currency: "currency", Reference: "merchantRef",
		StatusMap: map[string]webhookverify.PaymentStatus{"COMPLETED": webhookverify.StatusSucceeded},
	}
	const b = `{"transactionId":"tx-9","kind":"deposit","status":"COMPLETED","amount":12.50,"currency":"BRL","merchantRef":"order-7"}`
	tests := []struct {
		name string
		v    Oktopay
		want webhookverify.Event
	}{
		{"wallet, no paths", Oktopay{}, webhookverify.Event{Type: TypeWallet}},
		{"pix, no paths", Oktopay{Variant: VariantPix}, webhookverify.Event{Type: TypePix}},
		{"pix, with paths", Oktopay{Variant: VariantPix, FieldPaths: paths}, webhookverify.Event{
			ID: "tx-9", Type: "com.oktopay.pix.callback.deposit", Status: webhookverify.StatusSucceeded,
			Amount: "12.50", Currency: "BRL", Reference: "order-7",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.Secrets = []string{secret1}
			v := provisioned(t, tt.v)
			got, err := v.Verify(req("/cb", map[string]string{"apiKey": secret1}), []byte(b), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("event %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSignRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		v     Oktopay
		check func(t *testing.T, r *http.Request)
	}{
		{"key header", Oktopay{}, func(t *testing.T, r *http.Request) {
			if got := r.Header.Get("apiKey"); got != secret1 {
				t.Fatalf("apiKey = %q, want the first secret", got)
			}
		}},
		{"key query", Oktopay{Query: "token", Variant: VariantPix}, func(t *testing.T, r *http.Request) {
			if got := r.URL.Query().Get("token"); got != secret1 {
				t.Fatalf("token = %q, want the first secret", got)
			}
			if got := r.URL.Query().Get("keep"); got != "1" {
				t.Fatalf("Sign lost the other query parameters")
			}
		}},
		{"hmac sha256 hex", Oktopay{Mode: ModeHMAC}, func(t *testing.T, r *http.Request) {
			if got, want := r.Header.Get("X-Signature"), hex.EncodeToString(mac(sha256.New, secret1, body)); got != want {
				t.Fatalf("X-Signature = %s, want %s", got, want)
			}
		}},
		{"hmac sha512 base64", Oktopay{Mode: ModeHMAC, Algorithm: "sha512", Encoding: "base64", Header: "Signature"}, func(t *testing.T, r *http.Request) {
			if got, want := r.Header.Get("Signature"), base64.StdEncoding.EncodeToString(mac(sha512.New, secret1, body)); got != want {
				t.Fatalf("Signature = %s, want %s", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.Secrets = []string{secret1, secret2}
			v := provisioned(t, tt.v)
			r := req("/cb?keep=1", nil)
			out, err := v.Sign(r, []byte(body), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != body {
				t.Fatal("Sign changed the body")
			}
			tt.check(t, r)
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
		want    string
		wantErr string
	}{
		{"minimal", "oktopay {\n\tsecret {env.OKTO}\n}", `{"secrets":["{env.OKTO}"]}`, ""},
		{"pix, query", "oktopay {\n\tsecret {env.PIX} {env.PIX_OLD}\n\tvariant pix\n\tmode key\n\tquery token\n}",
			`{"secrets":["{env.PIX}","{env.PIX_OLD}"],"variant":"pix","mode":"key","query":"token"}`, ""},
		{"hmac with paths", "oktopay {\n\tsecret {env.OKTO}\n\tmode hmac\n\theader X-Okto-Signature\n\talgorithm sha512\n\tencoding base64\n\tevent_id_path transactionId\n\tstatus_map COMPLETED succeeded\n}",
			`{"secrets":["{env.OKTO}"],"mode":"hmac","header":"X-Okto-Signature","algorithm":"sha512","encoding":"base64","event_id_path":"transactionId","status_map":{"COMPLETED":"succeeded"}}`, ""},
		{"unknown subdirective", "oktopay {\n\tsecret {env.OKTO}\n\tprefix sha256=\n}", "", `unrecognized subdirective "prefix" for provider oktopay`},
		{"missing secret (wallet)", "oktopay {\n\tmode key\n}", "", "apiKey registered with the webhook URL"},
		{"missing secret (pix)", "oktopay {\n\tvariant pix\n}", "", "notificationToken"},
		{"bad variant", "oktopay {\n\tsecret {env.OKTO}\n\tvariant cash\n}", "", `variant "cash": use wallet`},
		{"bad mode", "oktopay {\n\tsecret {env.OKTO}\n\tmode jwt\n}", "", `mode "jwt": use key`},
		{"bad algorithm", "oktopay {\n\tsecret {env.OKTO}\n\tmode hmac\n\talgorithm sha1\n}", "", `algorithm "sha1": use sha256 or sha512`},
		{"bad encoding", "oktopay {\n\tsecret {env.OKTO}\n\tmode hmac\n\tencoding base64url\n}", "", `encoding "base64url": use hex or base64`},
		{"algorithm in key mode", "oktopay {\n\tsecret {env.OKTO}\n\talgorithm sha512\n}", "", "apply to mode hmac only"},
		{"query in hmac mode", "oktopay {\n\tsecret {env.OKTO}\n\tmode hmac\n\tquery sig\n}", "", "query applies to mode key only"},
		{"header and query", "oktopay {\n\tsecret {env.OKTO}\n\theader apiKey\n\tquery apiKey\n}", "", "set header or query, not both"},
		{"header without value", "oktopay {\n\tsecret {env.OKTO}\n\theader\n}", "", "header needs a value"},
		{"bad status_map", "oktopay {\n\tsecret {env.OKTO}\n\tstatus_map OK great\n}", "", "unknown status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Oktopay
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
				t.Fatalf("JSON %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCaddyfileThroughHandler(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser("webhook_verify oktopay {\n\tsecret {env.PIX}\n\tvariant pix\n\tenforce off\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.VerifierRaw, &got); err != nil {
		t.Fatal(err)
	}
	if got["provider"] != "oktopay" || got["variant"] != "pix" || len(got) != 3 {
		t.Fatalf("verifier JSON %s", h.VerifierRaw)
	}
}

func TestProvision(t *testing.T) {
	t.Setenv("OKTO_TEST_SECRET", secret1)
	tests := []struct {
		name    string
		v       Oktopay
		wantErr string
	}{
		{"env secret", Oktopay{Secrets: []string{"{env.OKTO_TEST_SECRET}"}}, ""},
		{"env secret, hmac", Oktopay{Mode: ModeHMAC, Secrets: []string{"{env.OKTO_TEST_SECRET}"}}, ""},
		{"unset env secret", Oktopay{Secrets: []string{"{env.OKTO_TEST_UNSET_51C2}"}}, "secret #1"},
		{"no secret, wallet", Oktopay{}, "apiKey registered with the webhook URL"},
		{"no secret, pix", Oktopay{Variant: VariantPix}, "notificationToken"},
		{"bad variant", Oktopay{Variant: "cash", Secrets: []string{"x"}}, "unknown variant"},
		{"bad mode", Oktopay{Mode: "jwt", Secrets: []string{"x"}}, "unknown mode"},
		{"sha1 refused", Oktopay{Mode: ModeHMAC, Algorithm: "sha1", Secrets: []string{"x"}}, "use sha256 or sha512"},
		{"base64url refused", Oktopay{Mode: ModeHMAC, Encoding: "base64url", Secrets: []string{"x"}}, "use hex or base64"},
		{"header and query", Oktopay{Header: "a", Query: "b", Secrets: []string{"x"}}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Provision(caddy.Context{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				r := req("/cb", nil)
				if _, err := tt.v.Sign(r, []byte(body), time.Now()); err != nil {
					t.Fatal(err)
				}
				if r.Header.Get("apiKey")+r.Header.Get("X-Signature") == "" {
					t.Fatal("Sign set no credential")
				}
				if _, err := tt.v.Verify(r, []byte(body), time.Now()); err != nil {
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
