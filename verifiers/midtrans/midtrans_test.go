package midtrans_test

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/midtrans"
)

// The documentation's inputs (Midtrans docs, "Verifying notification
// authenticity"); the digest is computed, none is published with them.
const (
	serverKey = "askvnoibnosifnboseofinbofinfgbiufglnbfg"
	docSig    = "edc076b21793ebe3e17926350f5b8ae67d902fe657b3d0aa31b932d5c127e2375d308a2bc94f3265ac2d80a1f181a79b997ac178a236fcff35af263fc4d4c231"
	otherKey  = "SB-Mid-server-0000000000000000000000"
)

// docBody is a Core API card notification for those inputs.
const docBody = `{"transaction_time":"2020-01-09 18:27:19","transaction_status":"capture","transaction_id":"57d5293c-e65f-4a29-95e4-5959c3fa335b","status_message":"midtrans payment notification","status_code":"200","signature_key":"` + docSig + `","payment_type":"credit_card","order_id":"1111","merchant_id":"G141532850","masked_card":"48111111-1114","gross_amount":"100000.00","fraud_status":"accept","eci":"05","currency":"IDR","channel_response_message":"Approved","channel_response_code":"00","card_type":"credit","bank":"bni","approval_code":"1578569243927"}`

// sha is the signature, computed apart from the code under test.
func sha(order, code, amount, key string) string {
	sum := sha512.Sum512([]byte(order + code + amount + key))
	return hex.EncodeToString(sum[:])
}

func with(old, new string) string {
	if !strings.Contains(docBody, old) {
		panic(old)
	}
	return strings.Replace(docBody, old, new, 1)
}

func TestDocumentedInputs(t *testing.T) {
	if got := sha("1111", "200", "100000.00", serverKey); got != docSig {
		t.Fatalf("SHA-512 = %s, want %s", got, docSig)
	}
}

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "midtrans {\n secret "+otherKey+" "+serverKey+"\n}")
	docEvent := &webhookverify.Event{Type: midtrans.TypeNotification, Subject: "1111", Reference: "1111", Amount: "100000.00", Status: webhookverify.StatusSucceeded}
	pending := `{"order_id":"ORD-7","status_code":"201","gross_amount":"0.00","transaction_status":"pending","signature_key":"` + strings.ToUpper(sha("ORD-7", "201", "0.00", otherKey)) + `"}`
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "documented inputs, rotated key second", Body: docBody, Event: docEvent},
		{Name: "unsigned fields changed", Body: with(`"transaction_status":"capture"`, `"transaction_status":"refund"`), Event: docEvent},
		{Name: "pending, uppercase hex, first key", Body: pending, Event: &webhookverify.Event{Type: midtrans.TypeNotification, Subject: "ORD-7", Reference: "ORD-7", Amount: "0.00", Status: webhookverify.StatusPending}},

		{Name: "wrong method", Method: http.MethodGet, Body: docBody, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong key", Body: with(docSig, sha("1111", "200", "100000.00", "x")), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered amount", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"100000.01"`), Err: webhookverify.ErrInvalidSignature},
		{Name: "amount reformatted", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"100000"`), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered status code", Body: with(`"status_code":"200"`, `"status_code":"202"`), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered order", Body: with(`"order_id":"1111"`, `"order_id":"1112"`), Err: webhookverify.ErrInvalidSignature},
		{Name: "digits moved across fields", Body: with(`"order_id":"1111"`, `"order_id":"111"`), Err: webhookverify.ErrInvalidSignature},
		{Name: "status code not three digits", Body: with(`"status_code":"200"`, `"status_code":"20"`), Err: webhookverify.ErrMalformedBody},
		{Name: "amount with a leading zero", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"0100000.00"`), Err: webhookverify.ErrMalformedBody},
		{Name: "amount not a number", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"1e5"`), Err: webhookverify.ErrMalformedBody},
		{Name: "amount a JSON number", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":100000.00`), Err: webhookverify.ErrMalformedBody},
		{Name: "status code a JSON number", Body: with(`"status_code":"200"`, `"status_code":200`), Err: webhookverify.ErrMalformedBody},
		{Name: "no order id", Body: with(`"order_id":"1111",`, ``), Err: webhookverify.ErrMalformedBody},
		{Name: "repeated key", Body: with(`"order_id":"1111"`, `"order_id":"1111","order_id":"2222"`), Err: webhookverify.ErrDuplicateKey},
		{Name: "key in another case", Body: with(`"eci":"05"`, `"Order_ID":"2222"`), Err: webhookverify.ErrMalformedBody},
		{Name: "signature key in another case", Body: with(`"eci":"05"`, `"Signature_Key":"x"`), Err: webhookverify.ErrMalformedBody},
		{Name: "missing signature", Body: with(`"signature_key":"`+docSig+`",`, ``), Err: webhookverify.ErrMissingSignature},
		{Name: "empty signature", Body: with(docSig, ``), Err: webhookverify.ErrMissingSignature},
		{Name: "signature not a string", Body: with(`"`+docSig+`"`, `1`), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature truncated", Body: with(docSig, docSig[:126]), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature not hex", Body: with(docSig, strings.Repeat("g", 128)), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature base64", Body: with(docSig, strings.Repeat("A", 86)+"=="), Err: webhookverify.ErrMalformedSignature},
		{Name: "HMAC instead of a plain hash", Body: with(docSig, strings.Repeat("0", 128)), Err: webhookverify.ErrInvalidSignature},
		{Name: "not JSON", Body: "order_id=1111", Err: webhookverify.ErrMalformedBody},
		{Name: "JSON array", Body: "[" + docBody + "]", Err: webhookverify.ErrMalformedBody},
		{Name: "empty", Body: "", Err: webhookverify.ErrMalformedBody},
	})
}

func TestNormalizeStatus(t *testing.T) {
	for code, want := range map[string]webhookverify.PaymentStatus{
		"200": webhookverify.StatusSucceeded, "201": webhookverify.StatusPending, "202": webhookverify.StatusFailed,
		"407": webhookverify.StatusExpired, "500": webhookverify.StatusUnknown, "": "",
	} {
		if got := midtrans.NormalizeStatus(code); got != want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"midtrans",
		"midtrans {\n}",
		"midtrans {\n secret\n}",
		"midtrans {\n secret " + serverKey + "\n header x\n}",
		"midtrans {\n secret {env.MIDTRANS_TEST_UNSET_VARIABLE}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	if c := verifiertest.Load(t, "midtrans {\n secret x\n}").(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, serverKey, "midtrans {\n secret "+serverKey+"\n}", []verifiertest.Case{
		{Name: "tampered", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"1.00"`)},
		{Name: "malformed", Body: with(docSig, "zz")},
		{Name: "bad amount", Body: with(`"gross_amount":"100000.00"`, `"gross_amount":"`+serverKey+`"`)},
	}, "midtrans {\n secret "+serverKey+"\n unknown\n}")
}

func TestSign(t *testing.T) {
	v := verifiertest.Load(t, "midtrans {\n secret "+serverKey+"\n}")
	r := verifiertest.Case{}.Request()
	signed, err := v.(webhookverify.Signer).Sign(r, []byte(with(docSig, "")), verifiertest.Now)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(signed, &doc); err != nil || doc["signature_key"] != docSig {
		t.Fatalf("Sign gave %s (%v)", signed, err)
	}
	if _, err := v.Verify(r, signed, verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := v.(webhookverify.Signer).Sign(r, []byte("x"), verifiertest.Now); err == nil {
		t.Fatal("signed a body that is not a notification")
	}
}

// FuzzMidtrans signs a notification built from arbitrary fields; it must
// verify (or be refused as malformed), arbitrary bytes must never panic,
// and a change to any signed field must fail. (FuzzSigned does not fit:
// the body is not covered, only three fields.)
func FuzzMidtrans(f *testing.F) {
	f.Add("1111", "200", "100000.00", "capture", uint8(0))
	f.Add("ORD-\u2028\"", "201", "0", "", uint8(1))
	f.Add("", "407", "0.5", "x", uint8(2))
	v := verifiertest.Load(f, "midtrans {\n secret "+serverKey+" "+otherKey+"\n}")
	s := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, order, code, amount, status string, which uint8) {
		body, _ := json.Marshal(map[string]string{"order_id": order, "status_code": code, "gross_amount": amount, "transaction_status": status})
		r := verifiertest.Case{}.Request()
		if _, err := v.Verify(r, []byte(strings.Replace(string(body), "order", status, 1)), verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		signed, err := s.Sign(r, body, verifiertest.Now)
		if err != nil {
			return // not a valid notification (status code or amount format)
		}
		if _, err := v.Verify(r, signed, verifiertest.Now); err != nil {
			t.Fatalf("Verify(Sign()) = %v", err)
		}
		var doc map[string]string
		if err := json.Unmarshal(signed, &doc); err != nil {
			t.Fatal(err)
		}
		switch which % 3 {
		case 0:
			doc["order_id"] += "1"
		case 1:
			doc["status_code"] = string(rune('1'+(code[0]-'0')%5)) + code[1:]
		default:
			doc["gross_amount"] += "1"
			if !strings.Contains(amount, ".") {
				doc["gross_amount"] = amount + ".0"
			}
		}
		tampered, _ := json.Marshal(doc)
		if _, err := v.Verify(r, tampered, verifiertest.Now); err == nil {
			t.Fatalf("a changed signed field verified: %s", tampered)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "midtrans {\n secret "+serverKey+"\n}")
	body := []byte(with(`"eci":"05"`, `"eci":"05","pad":"`+strings.Repeat("p", 1024-len(docBody)-len(`,"pad":""`))+`"`))
	r := verifiertest.Case{}.Request()
	if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
