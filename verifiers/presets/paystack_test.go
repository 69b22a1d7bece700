package presets_test

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Paystack publishes no signed example, so expected signatures are computed
// here with crypto/hmac directly. The body has the shape of the
// charge.success example in https://paystack.com/docs/payments/webhooks/.
const (
	paystackSecret = "sk_test_0123456789abcdef0123456789abcdef01234567"
	paystackCharge = `{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx","amount":10000,"message":null,"gateway_response":"Approved by Financial Institution","paid_at":"2016-09-30T21:10:19.000Z","created_at":"2016-09-30T21:09:56.000Z","channel":"card","currency":"NGN","ip_address":"41.242.49.37","customer":{"id":68324,"email":"customer@example.com","customer_code":"CUS_qo38as2hpsgk2r0"}}}`
	paystackHeader = "X-Paystack-Signature"
)

// paystackIPs are the sources Paystack documents.
const paystackIPs = "52.31.139.75 52.49.173.169 52.214.14.220"

var paystackNow = time.Date(2016, 9, 30, 21, 10, 30, 0, time.UTC)

func paystackBlock(secrets ...string) string { return block("paystack", secrets) }

// paystackSig is the x-paystack-signature of body under secret.
func paystackSig(secret, body string) string {
	return hex.EncodeToString(hmacSum(sha512.New, secret, body))
}

func paystackHide(secrets ...string) func(string) []string {
	return func(body string) []string {
		var out []string
		for _, s := range secrets {
			out = append(out, s, paystackSig(s, body))
		}
		return out
	}
}

// paystackCases sets every case's time to paystackNow and JSON content type.
func paystackCases(cases []verifiertest.Case) []verifiertest.Case {
	for i := range cases {
		cases[i].Now = paystackNow
		cases[i].Header = append([][2]string{{"Content-Type", "application/json"}}, cases[i].Header...)
	}
	return cases
}

func TestPaystackSignatureFormula(t *testing.T) {
	// Sanity check of the helper against RFC 4231 test case 2 (HMAC-SHA-512).
	const want = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
	if got := paystackSig("Jefe", "what do ya want for nothing?"); got != want {
		t.Fatalf("HMAC-SHA512 = %s, want %s", got, want)
	}
}

func TestPaystackVerify(t *testing.T) {
	sig := paystackSig(paystackSecret, paystackCharge)
	h := func(v string) [][2]string { return [][2]string{{paystackHeader, v}} }
	charge := &webhookverify.Event{
		ID:        "charge.success:302961",
		Type:      "com.paystack.charge.success",
		Time:      time.Date(2016, 9, 30, 21, 10, 19, 0, time.UTC),
		Subject:   "qTPrJoy9Bx",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "10000",
		Currency:  "NGN",
		Reference: "qTPrJoy9Bx",
	}
	v := verifiertest.Load(t, paystackBlock(paystackSecret))
	run(t, v, paystackCases([]verifiertest.Case{
		{Name: "charge.success", Body: paystackCharge, Header: h(sig), Event: charge},
		{Name: "lowercase header name", Body: paystackCharge, Header: [][2]string{{"x-paystack-signature", sig}}, Event: charge},
		{Name: "uppercase hex", Body: paystackCharge, Header: h(strings.ToUpper(sig)), Event: charge},
		{Name: "tampered body", Body: strings.Replace(paystackCharge, "10000", "90000", 1), Header: h(sig), Err: webhookverify.ErrInvalidSignature},
		{Name: "HMAC-SHA256 instead of SHA512", Body: paystackCharge, Header: h(sig[:64]), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: paystackCharge, Err: webhookverify.ErrMissingSignature},
		{Name: "empty header", Body: paystackCharge, Header: h(""), Err: webhookverify.ErrMissingSignature},
		{Name: "not hex", Body: paystackCharge, Header: h("g" + sig[1:]), Err: webhookverify.ErrMalformedSignature},
		{Name: "odd length", Body: paystackCharge, Header: h(sig[1:]), Err: webhookverify.ErrMalformedSignature},
		{Name: "unexpected prefix", Body: paystackCharge, Header: h("sha512=" + sig), Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated header, one valid", Body: paystackCharge,
			Header: [][2]string{{paystackHeader, paystackSig("x", paystackCharge)}, {paystackHeader, sig}}, Event: charge},
		{Name: "repeated header, none valid", Body: paystackCharge,
			Header: [][2]string{{paystackHeader, paystackSig("x", paystackCharge)}, {paystackHeader, paystackSig("y", paystackCharge)}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "GET", Method: http.MethodGet, Body: paystackCharge, Header: h(sig), Err: webhookverify.ErrMethodNotAllowed},
	}), paystackHide(paystackSecret))

	wrong := []string{"sk_test_other"}
	run(t, verifiertest.Load(t, paystackBlock(wrong...)), paystackCases([]verifiertest.Case{
		{Name: "wrong secret", Body: paystackCharge, Header: h(sig), Err: webhookverify.ErrInvalidSignature},
	}), paystackHide(wrong...))
	verifiertest.Run(t, verifiertest.Load(t, paystackBlock("sk_live_new", paystackSecret)), paystackCases([]verifiertest.Case{
		{Name: "rotated: second secret verifies", Body: paystackCharge, Header: h(sig), Event: charge},
	}))
}

// TestPaystackEventMapping checks the body → Event mapping of other events
// and the body's shape.
func TestPaystackEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		err        error
		want       webhookverify.Event
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
		{name: "not JSON", body: `event=charge.success`, err: webhookverify.ErrMalformedBody},
		{name: "empty body", body: ``, err: webhookverify.ErrMalformedBody},
		{name: "truncated JSON", body: `{"event":"charge.success","data":{`, err: webhookverify.ErrMalformedBody},
		{name: "no event", body: `{"data":{"id":1}}`, err: webhookverify.ErrMalformedBody},
		{name: "event is a number", body: `{"event":5,"data":{"id":1}}`, err: webhookverify.ErrMalformedBody},
		{name: "event is not a token", body: `{"event":"charge success"}`, err: webhookverify.ErrMalformedBody},
		{name: "array", body: `[{"event":"charge.success"}]`, err: webhookverify.ErrMalformedBody},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: [][2]string{{paystackHeader, paystackSig(paystackSecret, tt.body)}}, Err: tt.err, Event: &want})
	}
	run(t, verifiertest.Load(t, paystackBlock(paystackSecret)), paystackCases(cases), paystackHide(paystackSecret))
}

// TestPaystackFieldPaths: paths and status words configured in the block
// take the place of the row's, under the same quirks (the id is
// "<event>:<id>").
func TestPaystackFieldPaths(t *testing.T) {
	v := verifiertest.Load(t, block("paystack", []string{paystackSecret}, "event_id_path data.customer.customer_code", "status_map success pending"))
	verifiertest.Run(t, v, paystackCases([]verifiertest.Case{
		{Name: "charge.success", Body: paystackCharge, Header: [][2]string{{paystackHeader, paystackSig(paystackSecret, paystackCharge)}},
			Event: &webhookverify.Event{
				ID: "charge.success:CUS_qo38as2hpsgk2r0", Type: "com.paystack.charge.success", Time: time.Date(2016, 9, 30, 21, 10, 19, 0, time.UTC),
				Subject: "qTPrJoy9Bx", Status: webhookverify.StatusPending, Amount: "10000", Currency: "NGN", Reference: "qTPrJoy9Bx",
			}},
	}))
}

func TestPaystackSignUsesFirstSecret(t *testing.T) {
	v := verifiertest.Load(t, paystackBlock("sk_live_new", "sk_live_old"))
	r := sign(t, v, paystackCharge, paystackNow, [2]string{"Content-Type", "application/json"})
	if got, want := r.Header.Get(paystackHeader), paystackSig("sk_live_new", paystackCharge); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if _, err := v.Verify(r, []byte(paystackCharge), paystackNow); err != nil {
		t.Errorf("round trip: %v", err)
	}
	if _, err := verifiertest.Load(t, paystackBlock("sk_live_old")).Verify(r, []byte(paystackCharge), paystackNow); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

func TestPaystackProvision(t *testing.T) {
	t.Run("no secret", func(t *testing.T) {
		_, err := provisionJSON("paystack", `{}`)
		checkErr(t, err, "paystack: |no secret configured|secret {env.PAYSTACK_SECRET_KEY}")
	})
	t.Run("unset environment variable", func(t *testing.T) {
		_, err := verifiertest.TryLoad(paystackBlock("{env.WEBHOOK_VERIFY_TEST_UNSET_PS}"))
		checkErr(t, err, "secret #1")
		if !strings.HasPrefix(err.Error(), "paystack: ") {
			t.Errorf("err = %v, want a paystack error", err)
		}
	})
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_PS", paystackSecret)
		verifiertest.Run(t, verifiertest.Load(t, paystackBlock("{env.WEBHOOK_VERIFY_TEST_PS}")), paystackCases([]verifiertest.Case{
			{Name: "charge.success", Body: paystackCharge, Header: [][2]string{{paystackHeader, paystackSig(paystackSecret, paystackCharge)}}},
		}))
	})
}

func TestPaystackCaddyfile(t *testing.T) {
	runCaddyfile(t, []caddyfileCase{
		{name: "one secret", input: "paystack {\n secret {env.PAYSTACK_SECRET_KEY}\n}",
			wantJSON: `{"secrets":["{env.PAYSTACK_SECRET_KEY}"]}`},
		{name: "rotation", input: "paystack {\n secret {env.PS_NEW} {env.PS_OLD}\n}",
			wantJSON: `{"secrets":["{env.PS_NEW}","{env.PS_OLD}"]}`},
		{name: "status map", input: "paystack {\n secret s\n status_map awaiting failed\n}",
			wantJSON: `{"secrets":["s"],"status_map":{"awaiting":"failed"}}`},
		{name: "no secret", input: "paystack {\n}", wantErr: "paystack needs the secret key|secret {env.PAYSTACK_SECRET_KEY}"},
		{name: "secret without value", input: "paystack {\n secret\n}", wantErr: "Testfile:2"},
		// The scheme is fixed; the message names the allow_ips line for
		// Paystack's documented sources.
		{name: "unknown subdirective", input: "paystack {\n secret x\n algorithm sha256\n}",
			wantErr: `unrecognized subdirective "algorithm" for provider paystack|Testfile:3|allow_ips ` + paystackIPs},
	})
}

// No Caddyfile error, nor load error, shows the secret.
func TestPaystackSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, paystackSecret, paystackBlock(paystackSecret), nil,
		block("paystack", []string{paystackSecret}, "algorithm sha256"), block("paystack", []string{paystackSecret}, "status_map success great"))
}

// TestPaystackHandlerCaddyfile checks the provider name, and that the
// recommended allow_ips line goes to the handler while the secret goes to
// the verifier.
func TestPaystackHandlerCaddyfile(t *testing.T) {
	h, got := handlerVerifierJSON(t, "webhook_verify paystack {\n secret {env.PAYSTACK_SECRET_KEY}\n allow_ips "+paystackIPs+"\n}")
	if want := `{"provider":"paystack","secrets":["{env.PAYSTACK_SECRET_KEY}"]}`; got != want {
		t.Errorf("verifier = %s, want %s", got, want)
	}
	if strings.Join(h.AllowIPs, " ") != paystackIPs {
		t.Errorf("allow_ips = %v", h.AllowIPs)
	}
}

// FuzzVerifyPaystack feeds arbitrary signature headers and bodies to
// Verify (it must never panic, and what passes is a Paystack event), then
// checks that a signed body passes the signature check (it may still be
// refused as not Paystack's shape, 400) with a com.paystack. type. Sign →
// verify → flip one bit is FuzzEveryRow's.
func FuzzVerifyPaystack(f *testing.F) {
	v := verifiertest.Load(f, paystackBlock(paystackSecret))
	f.Add([]byte(paystackCharge), paystackSig(paystackSecret, paystackCharge))
	f.Add([]byte(`{"event":"transfer.success","data":{"id":"1","status":"success","paid_at":1700000000}}`), "00 11,zz")
	f.Add([]byte(`not json`), "")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		r := verifiertest.Case{Header: [][2]string{{paystackHeader, sig}}}.Request()
		if ev, err := v.Verify(r, body, paystackNow); err == nil && !strings.HasPrefix(ev.Type, "com.paystack.") {
			t.Fatalf("type %q", ev.Type)
		}
		r = sign(t, v, string(body), paystackNow)
		ev, err := v.Verify(r, body, paystackNow)
		switch {
		case err == nil:
			if !strings.HasPrefix(ev.Type, "com.paystack.") {
				t.Fatalf("type %q", ev.Type)
			}
		case !errors.Is(err, webhookverify.ErrMalformedBody):
			t.Fatalf("signed body rejected: %v", err)
		case ev != (webhookverify.Event{}):
			t.Fatalf("event on failure = %+v", ev)
		}
	})
}

// paystackBody1KiB is a realistic 1 KiB charge.success event.
var paystackBody1KiB = body1KiB(
	`{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx","amount":10000,"gateway_response":"Approved","paid_at":"2016-09-30T21:10:19.000Z","created_at":"2016-09-30T21:09:56.000Z","channel":"card","currency":"NGN","metadata":{"note":"`,
	`"},"customer":{"id":68324,"email":"customer@example.com","customer_code":"CUS_qo38as2hpsgk2r0"}}}`)

func BenchmarkVerifyPaystack(b *testing.B) {
	benchVerify(b, verifiertest.Load(b, paystackBlock(paystackSecret)), paystackBody1KiB, paystackNow, [2]string{"Content-Type", "application/json"})
}

// BenchmarkBareHMACSHA512Paystack is the primitive alone: a keyed
// HMAC-SHA512 of the same bytes and a constant-time compare.
func BenchmarkBareHMACSHA512Paystack(b *testing.B) {
	benchBareHMAC(b, sha512.New, paystackSecret, nil, paystackBody1KiB)
}
