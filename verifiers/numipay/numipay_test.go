package numipay

import (
	"crypto/hmac"
	"crypto/sha1"
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

// The published example of Numipay's webhook documentation (seed 002,
// providers.md): payload, signature password and the resulting signature.
const (
	vectorBody     = `{"transaction_id":"r21nmrtpcmrcava","user_id":"1111222","tracking_id":"b8f04416-116a-11ed-861d-0242ac120002","status":"rejected","currency":"GBP","amount":"200.00","transaction_type":"withdrawal"}`
	vectorPassword = "spg_test_companyxxxxQyGAheyMqcHVmp8ZMQtkYcev27sCu7RF"
	vectorSig      = "5FDDA8F46411C132DCFBEE53C39BA06298CB48BC"
)

// vectorPretty is the same document, laid out as in the documentation.
const vectorPretty = `
    {
      "transaction_id":"r21nmrtpcmrcava",
      "user_id":"1111222",
      "tracking_id":"b8f04416-116a-11ed-861d-0242ac120002",
      "status":"rejected",
      "currency":"GBP",
      "amount":"200.00",
      "transaction_type":"withdrawal"
    }
`

// sha1Hex is the expected signature, computed independently.
func sha1Hex(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func provisioned(t testing.TB, v Numipay) *Numipay {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return &v
}

func req(method string, headers map[string]string) *http.Request {
	r := httptest.NewRequest(method, "/webhooks/numipay", nil)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

func TestPublishedVector(t *testing.T) {
	if got := sha1Hex(vectorBody, vectorPassword); got != vectorSig {
		t.Fatalf("the test's own SHA-1 gives %s, want the published %s", got, vectorSig)
	}
	v := provisioned(t, Numipay{Secrets: []string{vectorPassword}})
	for _, sig := range []string{vectorSig, strings.ToLower(vectorSig)} {
		if _, err := v.Verify(req("POST", map[string]string{"x-signature": sig}), []byte(vectorBody), time.Now()); err != nil {
			t.Fatalf("published vector with %s: %v", sig, err)
		}
	}
	r := req("POST", nil)
	if _, err := v.Sign(r, []byte(vectorBody), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-Signature"); got != vectorSig {
		t.Fatalf("Sign = %s, want the published %s", got, vectorSig)
	}
}

func TestVerify(t *testing.T) {
	v := provisioned(t, Numipay{Secrets: []string{vectorPassword}})
	rotated := provisioned(t, Numipay{Secrets: []string{"new-password", vectorPassword}})
	custom := provisioned(t, Numipay{Secrets: []string{vectorPassword}, Header: "X-Numipay-Signature"})

	sig := map[string]string{"x-signature": vectorSig}
	signed := func(body string) map[string]string {
		return map[string]string{"x-signature": sha1Hex(body, vectorPassword)}
	}
	mac := hmac.New(sha1.New, []byte(vectorPassword))
	mac.Write([]byte(vectorBody))
	hmacSig := hex.EncodeToString(mac.Sum(nil))

	// A duplicate key placed at the first occurrence's position: JSON.parse
	// keeps the last value there, so the re-serialization is the signed
	// text, while a first-wins parser would read "successful".
	dupAttack := strings.Replace(vectorBody, `"status":"rejected"`, `"status":"successful","status":"rejected"`, 1)

	tests := []struct {
		name    string
		v       *Numipay
		method  string
		headers map[string]string
		body    string
		want    *webhookverify.Failure
	}{
		{"published vector", v, "POST", sig, vectorBody, nil},
		{"lowercase hex", v, "POST", map[string]string{"x-signature": strings.ToLower(vectorSig)}, vectorBody, nil},
		{"mixed-case hex, spaces around", v, "POST", map[string]string{"x-signature": " 5fdda8F46411C132DCFBEE53C39BA06298CB48BC "}, vectorBody, nil},
		{"pretty-printed as in the docs (re-serialized)", v, "POST", sig, vectorPretty, nil},
		{"CRLF and tabs (re-serialized)", v, "POST", sig, strings.ReplaceAll(strings.ReplaceAll(vectorPretty, "\n", "\r\n"), "    ", "\t"), nil},
		{"escaped characters (re-serialized)", v, "POST", sig, strings.Replace(vectorBody, `"rejected"`, `"\u0072ejected"`, 1), nil},
		{"escaped key (re-serialized)", v, "POST", sig, strings.Replace(vectorBody, `"currency"`, `"curr\u0065ncy"`, 1), nil},
		{"pretty with a changed amount", v, "POST", sig, strings.Replace(vectorPretty, "200.00", "201.00", 1), webhookverify.ErrInvalidSignature},
		{"pretty with the amount as a number", v, "POST", sig, strings.Replace(vectorPretty, `"200.00"`, `200.00`, 1), webhookverify.ErrInvalidSignature},
		{"pretty with the keys reordered", v, "POST", sig, strings.Replace(vectorPretty, `"status":"rejected",
      "currency":"GBP",`, `"currency":"GBP",
      "status":"rejected",`, 1), webhookverify.ErrInvalidSignature},
		{"tampered body (one byte)", v, "POST", sig, strings.Replace(vectorBody, "200.00", "200.01", 1), webhookverify.ErrInvalidSignature},
		{"tampered body still JSON, status", v, "POST", sig, strings.Replace(vectorBody, "rejected", "rejectee", 1), webhookverify.ErrInvalidSignature},
		{"wrong password", v, "POST", map[string]string{"x-signature": sha1Hex(vectorBody, "wrong")}, vectorBody, webhookverify.ErrInvalidSignature},
		{"password first", v, "POST", map[string]string{"x-signature": sha1Hex(vectorPassword, vectorBody)}, vectorBody, webhookverify.ErrInvalidSignature},
		{"HMAC-SHA1 instead of the plain hash", v, "POST", map[string]string{"x-signature": hmacSig}, vectorBody, webhookverify.ErrInvalidSignature},
		{"hash of the pretty text", v, "POST", signed(vectorPretty), vectorBody, webhookverify.ErrInvalidSignature},
		{"second password verifies (rotation)", rotated, "POST", sig, vectorBody, nil},
		{"second password, pretty (rotation)", rotated, "POST", sig, vectorPretty, nil},
		{"rotation, wrong password", rotated, "POST", map[string]string{"x-signature": sha1Hex(vectorBody, "old")}, vectorBody, webhookverify.ErrInvalidSignature},
		{"missing header", v, "POST", nil, vectorBody, webhookverify.ErrMissingSignature},
		{"empty header", v, "POST", map[string]string{"x-signature": "  "}, vectorBody, webhookverify.ErrMissingSignature},
		{"39 hex digits", v, "POST", map[string]string{"x-signature": vectorSig[1:]}, vectorBody, webhookverify.ErrMalformedSignature},
		{"41 hex digits", v, "POST", map[string]string{"x-signature": vectorSig + "0"}, vectorBody, webhookverify.ErrMalformedSignature},
		{"not hex", v, "POST", map[string]string{"x-signature": "G" + vectorSig[1:]}, vectorBody, webhookverify.ErrMalformedSignature},
		{"prefixed", v, "POST", map[string]string{"x-signature": "sha1=" + vectorSig}, vectorBody, webhookverify.ErrMalformedSignature},
		{"SHA-256 length", v, "POST", map[string]string{"x-signature": vectorSig + vectorSig[:24]}, vectorBody, webhookverify.ErrMalformedSignature},
		{"custom header", custom, "POST", map[string]string{"X-Numipay-Signature": vectorSig}, vectorBody, nil},
		{"custom header: default not read", custom, "POST", sig, vectorBody, webhookverify.ErrMissingSignature},
		{"GET", v, "GET", sig, vectorBody, webhookverify.ErrMethodNotAllowed},
		{"PUT", v, "PUT", sig, vectorBody, webhookverify.ErrMethodNotAllowed},
		{"not JSON, wrong signature", v, "POST", sig, "transaction_id=r21nmrtpcmrcava", webhookverify.ErrMalformedBody},
		{"trailing garbage, wrong signature", v, "POST", sig, vectorBody + "x", webhookverify.ErrMalformedBody},
		{"empty body, wrong signature", v, "POST", sig, "", webhookverify.ErrMalformedBody},
		{"not JSON, signed as is", v, "POST", signed("transaction_id=1"), "transaction_id=1", nil},
		{"compact JSON, wrong signature, is a 401", v, "POST", map[string]string{"x-signature": sha1Hex("x")}, vectorBody, webhookverify.ErrInvalidSignature},
		{"duplicate key hiding behind the signed value", v, "POST", sig, dupAttack, webhookverify.ErrDuplicateKey},
		{"duplicate key in a body signed as is", v, "POST", signed(dupAttack), dupAttack, webhookverify.ErrDuplicateKey},
		{"duplicate key, wrong signature", v, "POST", map[string]string{"x-signature": sha1Hex("x")}, dupAttack, webhookverify.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(req(tt.method, tt.headers), []byte(tt.body), time.Now())
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
			for _, s := range []string{vectorPassword, vectorSig, strings.ToLower(vectorSig), "successful"} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error %q reveals a secret, a signature or body data", err)
				}
			}
		})
	}
}

func TestEvent(t *testing.T) {
	v := provisioned(t, Numipay{Secrets: []string{vectorPassword}})
	tests := []struct {
		name string
		body string // signed as is
		sig  string // when set, the signature to send instead
		want webhookverify.Event
	}{
		{"published vector", vectorBody, "", webhookverify.Event{
			ID: "r21nmrtpcmrcava:rejected", Type: "com.numipay.transaction.withdrawal",
			Status: webhookverify.StatusFailed, Amount: "200.00", Currency: "GBP",
			Subject: "b8f04416-116a-11ed-861d-0242ac120002", Reference: "b8f04416-116a-11ed-861d-0242ac120002",
		}},
		{"pretty, read from the re-serialization", vectorPretty, vectorSig, webhookverify.Event{
			ID: "r21nmrtpcmrcava:rejected", Type: "com.numipay.transaction.withdrawal",
			Status: webhookverify.StatusFailed, Amount: "200.00", Currency: "GBP",
			Subject: "b8f04416-116a-11ed-861d-0242ac120002", Reference: "b8f04416-116a-11ed-861d-0242ac120002",
		}},
		{"documentation's payload example", `{"transaction_id":"bbds7128hdha","user_id":"123","tracking_id":"kshdhay6381623","status":"successful","currency":"EUR","amount":"200.00","transaction_type":"withdrawal"}`, "", webhookverify.Event{
			ID: "bbds7128hdha:successful", Type: "com.numipay.transaction.withdrawal",
			Status: webhookverify.StatusSucceeded, Amount: "200.00", Currency: "EUR",
			Subject: "kshdhay6381623", Reference: "kshdhay6381623",
		}},
		{"deposit pending", `{"transaction_id":"t1","status":"pending","transaction_type":"Deposit"}`, "", webhookverify.Event{
			ID: "t1:pending", Type: "com.numipay.transaction.deposit", Status: webhookverify.StatusPending,
		}},
		{"expired", `{"transaction_id":"t1","status":"expired"}`, "", webhookverify.Event{
			ID: "t1:expired", Type: "com.numipay.transaction", Status: webhookverify.StatusExpired,
		}},
		{"unknown status", `{"transaction_id":"t1","status":"chargeback"}`, "", webhookverify.Event{
			ID: "t1:chargeback", Type: "com.numipay.transaction", Status: webhookverify.StatusUnknown,
		}},
		{"common word that Numipay does not use", `{"status":"paid"}`, "", webhookverify.Event{
			Type: "com.numipay.transaction", Status: webhookverify.StatusUnknown,
		}},
		{"no status, no transaction id", `{"amount":"1.00"}`, "", webhookverify.Event{
			Type: "com.numipay.transaction", Amount: "1.00",
		}},
		{"numbers keep their signed text", `{"transaction_id":17,"amount":200.5}`, "", webhookverify.Event{
			ID: "17:", Type: "com.numipay.transaction", Amount: "200.5",
		}},
		// The pretty body spells the number 1.0e1; the signed text has 10.
		{"re-serialized numbers are read as signed", `{ "transaction_id": 1.0e1 }`, sha1Hex(`{"transaction_id":10}`, vectorPassword), webhookverify.Event{
			ID: "10:", Type: "com.numipay.transaction",
		}},
		{"nested and non-scalar values are not promoted", `{"data":{"transaction_id":"x"},"status":null,"amount":{"v":1},"currency":["EUR"]}`, "", webhookverify.Event{
			Type: "com.numipay.transaction",
		}},
		{"not JSON, signed as is", `amount=1`, "", webhookverify.Event{Type: "com.numipay.transaction"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := tt.sig
			if sig == "" {
				sig = sha1Hex(tt.body, vectorPassword)
			}
			got, err := v.Verify(req("POST", map[string]string{"x-signature": sig}), []byte(tt.body), time.Now())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Fatalf("event %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSignRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		v      Numipay
		header string
	}{
		{"default header", Numipay{Secrets: []string{"first", "second"}}, "X-Signature"},
		{"custom header", Numipay{Secrets: []string{"first"}, Header: "X-Numipay-Signature"}, "X-Numipay-Signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := provisioned(t, tt.v)
			r := req("POST", nil)
			out, err := v.Sign(r, []byte(vectorBody), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != vectorBody {
				t.Fatal("Sign changed the body")
			}
			if got, want := r.Header.Get(tt.header), sha1Hex(vectorBody, "first"); got != want {
				t.Fatalf("%s = %s, want %s (the first password)", tt.header, got, want)
			}
			if _, err := v.Verify(r, out, time.Now()); err != nil {
				t.Fatalf("Verify after Sign: %v", err)
			}
			if _, err := v.Verify(r, []byte(vectorPretty), time.Now()); err != nil {
				t.Fatalf("Verify of the pretty body after Sign: %v", err)
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
		{"secret", "numipay {\n\tsecret {env.NUMIPAY_PASSWORD}\n}", `{"secrets":["{env.NUMIPAY_PASSWORD}"]}`, ""},
		{"rotation and header", "numipay {\n\tsecret {env.NEW} {file./run/secrets/numipay_old}\n\theader X-Numipay-Signature\n}",
			`{"secrets":["{env.NEW}","{file./run/secrets/numipay_old}"],"header":"X-Numipay-Signature"}`, ""},
		{"unknown subdirective", "numipay {\n\tsecret {env.P}\n\talgorithm sha256\n}", "", `unrecognized subdirective "algorithm" for provider numipay`},
		{"missing secret", "numipay {\n\theader x-signature\n}", "", "numipay needs the signature password"},
		{"no block", "numipay", "", "numipay needs the signature password"},
		{"header without value", "numipay {\n\tsecret {env.P}\n\theader\n}", "", "header needs a value"},
		{"header with two values", "numipay {\n\tsecret {env.P}\n\theader a b\n}", "", "header takes one value"},
		{"secret without value", "numipay {\n\tsecret\n}", "", "secret needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Numipay
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
	d := caddyfile.NewTestDispenser("webhook_verify numipay {\n\tsecret {env.NUMIPAY_PASSWORD}\n\tallow_ips 203.0.113.0/24\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.VerifierRaw, &got); err != nil {
		t.Fatal(err)
	}
	if got["provider"] != "numipay" || len(got) != 2 {
		t.Fatalf("verifier JSON %s", h.VerifierRaw)
	}
}

func TestProvision(t *testing.T) {
	t.Setenv("NUMIPAY_TEST_PASSWORD", vectorPassword)
	tests := []struct {
		name    string
		v       Numipay
		wantErr string
	}{
		{"env secret", Numipay{Secrets: []string{"{env.NUMIPAY_TEST_PASSWORD}"}}, ""},
		{"unset env secret", Numipay{Secrets: []string{"{env.NUMIPAY_TEST_UNSET_0B9E}"}}, "secret #1"},
		{"second of two unset", Numipay{Secrets: []string{"{env.NUMIPAY_TEST_PASSWORD}", "{env.NUMIPAY_TEST_UNSET_0B9E}"}}, "secret #2"},
		{"no secret", Numipay{}, "Settings > Credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Provision(caddy.Context{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tt.v.Verify(req("POST", map[string]string{"x-signature": vectorSig}), []byte(vectorBody), time.Now()); err != nil {
					t.Fatalf("Verify with the resolved secret: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), vectorPassword) {
				t.Fatalf("error reveals the secret")
			}
		})
	}
}

// TestSameDocumentOtherSpelling shows the limit of what the signature
// protects: the JavaScript document, not its spelling. A one-byte change
// that keeps the same document (1e+21 and 1e021 are the same number)
// verifies; one that changes it does not.
func TestSameDocumentOtherSpelling(t *testing.T) {
	v := provisioned(t, Numipay{Secrets: []string{vectorPassword}})
	const signedText = `{"a":1e+21}`
	r := req("POST", map[string]string{"x-signature": sha1Hex(signedText, vectorPassword)})
	for body, want := range map[string]error{
		`{"a":1e021}`: nil,
		`{"a":1E+21}`: nil,
		`{"a":1e+22}`: webhookverify.ErrInvalidSignature,
		`{"a":1e-21}`: webhookverify.ErrInvalidSignature,
	} {
		if _, err := v.Verify(r, []byte(body), time.Now()); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", body, err, want)
		}
	}
}
