package korapay_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/korapay"
)

// No vector is published: signatures are computed here as Korapay's docs
// do (crypto.createHmac('sha256', key).update(JSON.stringify(req.body.data))),
// apart from the code under test.
const (
	key   = "sk_test_4gVwSJ4qYfMMpVrbpkgHYKrTGNfC6E7jVyB1pTvX"
	other = "sk_live_0000000000000000000000000000000000000000"
	data  = `{"reference":"KPY-CA-Yj7JbC8Vsw5mZ0Ln","currency":"NGN","amount":1000,"fee":15,"status":"success"}`
	body  = `{"event":"charge.success","data":` + data + `}`
)

func hmacHex(k, msg string) string {
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func hdr(sig string) [][2]string { return [][2]string{{"x-korapay-signature", sig}} }

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "korapay {\n secret "+other+" "+key+"\n}")
	sig := hmacHex(key, data)
	ev := &webhookverify.Event{ID: "KPY-CA-Yj7JbC8Vsw5mZ0Ln:success", Type: korapay.TypeTransaction, Subject: "KPY-CA-Yj7JbC8Vsw5mZ0Ln", Reference: "KPY-CA-Yj7JbC8Vsw5mZ0Ln", Status: webhookverify.StatusSucceeded, Amount: "1000", Currency: "NGN"}
	pretty := "{\n  \"event\": \"charge.success\",\n  \"data\": {\n    \"reference\": \"KPY-CA-Yj7JbC8Vsw5mZ0Ln\",\n    \"currency\": \"NGN\",\n    \"amount\": 1000.0,\n    \"fee\": 15,\n    \"status\": \"success\"\n  }\n}"
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed data, rotated key second", Header: hdr(sig), Body: body, Event: ev},
		{Name: "uppercase hex", Header: hdr(strings.ToUpper(sig)), Body: body, Event: ev},
		{Name: "pretty-printed: JSON.stringify of data", Header: hdr(sig), Body: pretty, Event: ev},
		{Name: "event is not signed", Header: hdr(sig), Body: strings.Replace(body, "charge.success", "transfer.success", 1), Event: ev},
		{Name: "failed", Header: hdr(hmacHex(other, `{"reference":"r1","status":"failed","amount":"5.50","currency":"KES"}`)), Body: `{"event":"transfer.failed","data":{"reference":"r1","status":"failed","amount":"5.50","currency":"KES"}}`,
			Event: &webhookverify.Event{ID: "r1:failed", Type: korapay.TypeTransaction, Subject: "r1", Reference: "r1", Status: webhookverify.StatusFailed, Amount: "5.50", Currency: "KES"}},

		{Name: "wrong method", Method: http.MethodGet, Header: hdr(sig), Body: body, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong key", Header: hdr(hmacHex("sk_test_x", data)), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered amount", Header: hdr(sig), Body: strings.Replace(body, "1000", "9000", 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered status", Header: hdr(sig), Body: strings.Replace(body, `"status":"success"`, `"status":"failed"`, 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "keys reordered", Header: hdr(sig), Body: `{"event":"charge.success","data":{"currency":"NGN","reference":"KPY-CA-Yj7JbC8Vsw5mZ0Ln","amount":1000,"fee":15,"status":"success"}}`, Err: webhookverify.ErrInvalidSignature},
		{Name: "signature over the whole body", Header: hdr(hmacHex(key, body)), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "repeated key in data", Header: hdr(sig), Body: strings.Replace(body, `"fee":15`, `"fee":15,"amount":1`, 1), Err: webhookverify.ErrDuplicateKey},
		{Name: "repeated data", Header: hdr(sig), Body: `{"data":{"status":"failed"},` + body[1:], Err: webhookverify.ErrDuplicateKey},
		{Name: "no data", Header: hdr(sig), Body: `{"event":"charge.success"}`, Err: webhookverify.ErrMalformedBody},
		{Name: "data not an object", Header: hdr(sig), Body: `{"data":"x"}`, Err: webhookverify.ErrMalformedBody},
		{Name: "not JSON", Header: hdr(sig), Body: `data=1`, Err: webhookverify.ErrMalformedBody},
		{Name: "inexact number", Header: hdr(sig), Body: strings.Replace(body, "1000", "12345678901234567891", 1), Err: webhookverify.ErrMalformedBody},
		{Name: "missing signature", Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "short signature", Header: hdr(sig[:60]), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "not hex", Header: hdr(strings.Repeat("x", 64)), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "sha256= prefix", Header: hdr("sha256=" + sig[7:]), Body: body, Err: webhookverify.ErrMalformedSignature},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{"korapay", "korapay {\n}", "korapay {\n secret x\n header y\n}", "korapay {\n secret {env.KORAPAY_TEST_UNSET}\n}"} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	if c := verifiertest.Load(t, "korapay {\n secret x\n}").(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, key, "korapay {\n secret "+key+"\n}", []verifiertest.Case{
		{Name: "tampered", Header: hdr(hmacHex(key, data)), Body: strings.Replace(body, "1000", "1", 1)},
		{Name: "malformed", Header: hdr("zz"), Body: body},
	}, "korapay {\n secret "+key+"\n bogus\n}")
}

func TestSign(t *testing.T) {
	v := verifiertest.Load(t, "korapay {\n secret "+key+"\n}")
	r := verifiertest.Case{}.Request()
	if _, err := v.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-Korapay-Signature"); got != hmacHex(key, data) {
		t.Fatalf("Sign = %s", got)
	}
}

// FuzzKorapay: a body whose data is built from arbitrary values, once
// signed, verifies; any change of a data value fails; arbitrary bytes never
// panic. (FuzzSigned does not fit: only data is signed.)
func FuzzKorapay(f *testing.F) {
	f.Add("KPY-1", "success", "1000", "NGN", []byte(body))
	f.Add("\u2028\"<", "", "-0", "", []byte(`{"data":{"a":[1e400]}}`))
	v := verifiertest.Load(f, "korapay {\n secret "+key+" "+other+"\n}")
	s := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, ref, status, amount, currency string, arbitrary []byte) {
		r := verifiertest.Case{Header: hdr(hmacHex(key, string(arbitrary)))}.Request()
		if _, err := v.Verify(r, arbitrary, verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		d := map[string]string{"reference": ref, "status": status, "amount": amount, "currency": currency}
		raw, _ := json.Marshal(map[string]any{"event": "charge.success", "data": d})
		r = verifiertest.Case{}.Request()
		if _, err := s.Sign(r, raw, verifiertest.Now); err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if _, err := v.Verify(r, raw, verifiertest.Now); err != nil {
			t.Fatalf("Verify(Sign()) = %v", err)
		}
		d["amount"] = amount + "0"
		tampered, _ := json.Marshal(map[string]any{"event": "charge.success", "data": d})
		if _, err := v.Verify(r, tampered, verifiertest.Now); err == nil {
			t.Fatal("changed data verified")
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "korapay {\n secret "+key+"\n}")
	d := `{"reference":"KPY-CA-Yj7JbC8Vsw5mZ0Ln","currency":"NGN","amount":1000,"fee":15,"status":"success","pad":"` + strings.Repeat("p", 900) + `"}`
	payload := []byte(`{"event":"charge.success","data":` + d + `}`)
	r := verifiertest.Case{Header: hdr(hmacHex(key, d))}.Request()
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
