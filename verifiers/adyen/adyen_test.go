package adyen_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/adyen"
)

// The published vectors: Adyen/adyen-go-api-library,
// src/hmacvalidator/hmacvalidator_test.go.
const (
	vectorKey = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
	// of pspReference:originalReference:merchantAccount:reference:1000:EUR:EVENT:true
	vectorSig = "ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc="
	// payloadAsString, byte for byte (4-space indent, \n line ends, and
	// invalid JSON: a quote is missing before YOUR_MERCHANT_ACCOUNT).
	bankingPayload = `{
    "type": "merchant.created",
    "environment": "test",
    "createdAt": "01-01-2024",
    "data": {
        "capabilities": {
            "sendToTransferInstrument": {
                "requested": true,
                "requestedLevel": "notApplicable"
            }
        },
        "companyId": "YOUR_COMPANY_ID",
        "merchantId": YOUR_MERCHANT_ACCOUNT",
        "status": "PreActive"
    }
}`
	bankingSig = "yitBTPnDGtbAMG9rTxUa1e6lFGpa4PnrD6rErOmEhJ8="

	otherKey = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
)

// vectorItem is the SDK test's NotificationRequestItem as Adyen sends it.
const vectorItem = `{"NotificationRequestItem":{"additionalData":{"hmacSignature":"` + vectorSig + `"},"amount":{"currency":"EUR","value":1000},"eventCode":"EVENT","eventDate":"1970-01-01T00:00:00Z","merchantAccountCode":"merchantAccount","merchantReference":"reference","originalReference":"originalReference","paymentMethod":"VISA","pspReference":"pspReference","reason":"reason","success":"true"}}`

func notification(items ...string) string {
	return `{"live":"false","notificationItems":[` + strings.Join(items, ",") + `]}`
}

// sign is Adyen's item signature, computed apart from the code under test.
func sign(hexKey, msg string) string {
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// authItem is a signed AUTHORISATION item; fields are psp, merchantRef,
// value, success.
func authItem(hexKey, psp, ref, value, success string) string {
	sig := sign(hexKey, psp+"::TestMerchant:"+ref+":"+value+":EUR:AUTHORISATION:"+success)
	return `{"NotificationRequestItem":{"additionalData":{"hmacSignature":"` + sig + `","authCode":"1234"},"amount":{"currency":"EUR","value":` + value + `},"eventCode":"AUTHORISATION","eventDate":"2024-01-01T01:00:00+01:00","merchantAccountCode":"TestMerchant","merchantReference":"` + ref + `","paymentMethod":"visa","pspReference":"` + psp + `","reason":"1234:7777:03/2030","success":"` + success + `"}}`
}

func TestVectorSignatureIndependently(t *testing.T) {
	if got := sign(vectorKey, "pspReference:originalReference:merchantAccount:reference:1000:EUR:EVENT:true"); got != vectorSig {
		t.Fatalf("independent HMAC = %s, want the published %s", got, vectorSig)
	}
	if got := sign(vectorKey, bankingPayload); got != bankingSig {
		t.Fatalf("independent banking HMAC = %s, want the published %s (payload %d bytes)", got, bankingSig, len(bankingPayload))
	}
	if len(bankingPayload) != 407 {
		t.Fatalf("banking payload is %d bytes, want 407", len(bankingPayload))
	}
}

func replace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("no " + old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestNotification(t *testing.T) {
	v := verifiertest.Load(t, "adyen {\n secret "+otherKey+" "+vectorKey+"\n}")
	vectorEvent := &webhookverify.Event{
		ID: "pspReference:EVENT:true", Type: "com.adyen.event",
		Subject: "reference", Reference: "reference", Amount: "1000", Currency: "EUR",
		Status: webhookverify.StatusUnknown,
	}
	auth := authItem(vectorKey, "8535296650153317", "order-42:a", "2500", "true")
	refused := authItem(vectorKey, "8535296650153318", "order-43", "100", "false")
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector, rotated key second", Body: notification(vectorItem), Event: vectorEvent},
		{Name: "lowercase eventCode type, unsigned fields changed", Body: notification(replace(replace(vectorItem, `"reason":"reason"`, `"reason":"other"`), `"eventDate":"1970-01-01T00:00:00Z"`, `"eventDate":"2030-01-01T00:00:00Z"`)), Event: vectorEvent},
		{Name: "authorisation", Body: notification(auth), Event: &webhookverify.Event{
			ID: "8535296650153317:AUTHORISATION:true", Type: "com.adyen.authorisation",
			Subject: "order-42:a", Reference: "order-42:a", Amount: "2500", Currency: "EUR", Status: webhookverify.StatusSucceeded,
		}},
		{Name: "refused authorisation", Body: notification(refused), Event: &webhookverify.Event{
			ID: "8535296650153318:AUTHORISATION:false", Type: "com.adyen.authorisation",
			Subject: "order-43", Reference: "order-43", Amount: "100", Currency: "EUR", Status: webhookverify.StatusFailed,
		}},
		{Name: "two items, first item's facts", Body: notification(auth, refused), Event: &webhookverify.Event{
			ID: "batch:" + batchID("8535296650153317:AUTHORISATION:true", "8535296650153318:AUTHORISATION:false"), Type: "com.adyen.authorisation",
			Subject: "order-42:a", Reference: "order-42:a", Amount: "2500", Currency: "EUR", Status: webhookverify.StatusSucceeded,
		}},
		{Name: "null and absent fields are empty", Body: notification(nullItem(vectorKey)), Event: &webhookverify.Event{
			ID: "psp1:REPORT_AVAILABLE:true", Type: "com.adyen.report_available", Subject: "ref", Reference: "ref", Status: webhookverify.StatusUnknown,
		}},

		{Name: "wrong method", Method: http.MethodGet, Body: notification(vectorItem), Err: webhookverify.ErrMethodNotAllowed},
		{Name: "tampered value", Body: notification(replace(vectorItem, `"value":1000`, `"value":1001`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered currency", Body: notification(replace(vectorItem, `"currency":"EUR"`, `"currency":"USD"`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered success", Body: notification(replace(vectorItem, `"success":"true"`, `"success":"false"`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered merchantReference", Body: notification(replace(vectorItem, `"merchantReference":"reference"`, `"merchantReference":"referencf"`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered eventCode", Body: notification(replace(vectorItem, `"eventCode":"EVENT"`, `"eventCode":"REFUND"`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "originalReference removed", Body: notification(replace(vectorItem, `"originalReference":"originalReference",`, ``)), Err: webhookverify.ErrInvalidSignature},
		{Name: "one good item, one forged", Body: notification(vectorItem, replace(auth, `"value":2500`, `"value":2`)), Err: webhookverify.ErrInvalidSignature},
		{Name: "one good item, one unsigned", Body: notification(vectorItem, replace(auth, `"hmacSignature"`, `"hmacSignaturX"`)), Err: webhookverify.ErrMissingSignature},
		{Name: "item signed with another key", Body: notification(authItem("A0"+otherKey[2:], "1", "r", "1", "true")), Err: webhookverify.ErrInvalidSignature},
		{Name: "a field moved across the separator", Body: notification(replace(replace(vectorItem, `"pspReference":"pspReference"`, `"pspReference":"pspReference:originalReference"`), `"originalReference":"originalReference"`, `"originalReference":""`)), Err: webhookverify.ErrMalformedBody},

		{Name: "no additionalData", Body: notification(replace(vectorItem, `"additionalData":{"hmacSignature":"`+vectorSig+`"},`, ``)), Err: webhookverify.ErrMissingSignature},
		{Name: "empty hmacSignature", Body: notification(replace(vectorItem, vectorSig, ``)), Err: webhookverify.ErrMissingSignature},
		{Name: "null hmacSignature", Body: notification(replace(vectorItem, `"`+vectorSig+`"`, `null`)), Err: webhookverify.ErrMissingSignature},
		{Name: "hmacSignature a number", Body: notification(replace(vectorItem, `"`+vectorSig+`"`, `12`)), Err: webhookverify.ErrMalformedSignature},
		{Name: "hmacSignature not base64", Body: notification(replace(vectorItem, vectorSig, strings.Repeat("!", 44))), Err: webhookverify.ErrMalformedSignature},
		{Name: "hmacSignature truncated", Body: notification(replace(vectorItem, vectorSig, vectorSig[:40])), Err: webhookverify.ErrMalformedSignature},
		{Name: "hmacSignature hex", Body: notification(replace(vectorItem, vectorSig, strings.Repeat("ab", 32))), Err: webhookverify.ErrMalformedSignature},

		{Name: "not JSON", Body: `live=false`, Err: webhookverify.ErrMalformedBody},
		{Name: "empty body", Body: ``, Err: webhookverify.ErrMalformedBody},
		{Name: "a JSON array", Body: `[` + vectorItem + `]`, Err: webhookverify.ErrMalformedBody},
		{Name: "no items", Body: `{"live":"false"}`, Err: webhookverify.ErrMalformedBody},
		{Name: "empty items", Body: notification(), Err: webhookverify.ErrMalformedBody},
		{Name: "item not wrapped", Body: notification(`{"pspReference":"x"}`), Err: webhookverify.ErrMalformedBody},
		{Name: "item not an object", Body: notification(`"x"`), Err: webhookverify.ErrMalformedBody},
		{Name: "repeated key", Body: notification(replace(vectorItem, `"value":1000`, `"value":1000,"value":1`)), Err: webhookverify.ErrDuplicateKey},
		{Name: "signed key in another case", Body: notification(replace(vectorItem, `"reason"`, `"PSPReference"`)), Err: webhookverify.ErrMalformedBody},
		{Name: "amount key in another case", Body: notification(replace(vectorItem, `"currency":"EUR"`, `"currency":"EUR","Value":5`)), Err: webhookverify.ErrMalformedBody},
		{Name: "items key in another case", Body: `{"NotificationItems":[],` + notification(vectorItem)[1:], Err: webhookverify.ErrMalformedBody},
		{Name: "value a string", Body: notification(replace(vectorItem, `"value":1000`, `"value":"1000"`)), Err: webhookverify.ErrMalformedBody},
		{Name: "value a fraction", Body: notification(replace(vectorItem, `"value":1000`, `"value":1000.0`)), Err: webhookverify.ErrMalformedBody},
		{Name: "value an exponent", Body: notification(replace(vectorItem, `"value":1000`, `"value":1e3`)), Err: webhookverify.ErrMalformedBody},
		{Name: "success a boolean", Body: notification(replace(vectorItem, `"success":"true"`, `"success":true`)), Err: webhookverify.ErrMalformedBody},
		{Name: "amount not an object", Body: notification(replace(vectorItem, `{"currency":"EUR","value":1000}`, `1000`)), Err: webhookverify.ErrMalformedBody},
	})
}

// nullItem is a signed item whose originalReference is null and whose
// amount is absent: both sign as empty strings.
func nullItem(hexKey string) string {
	sig := sign(hexKey, "psp1::TestMerchant:ref:::REPORT_AVAILABLE:true")
	return `{"NotificationRequestItem":{"additionalData":{"hmacSignature":"` + sig + `"},"eventCode":"REPORT_AVAILABLE","merchantAccountCode":"TestMerchant","merchantReference":"ref","originalReference":null,"pspReference":"psp1","success":"true"}}`
}

func batchID(ids ...string) string {
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(id + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func TestBankingCases(t *testing.T) {
	v := verifiertest.Load(t, "adyen {\n secret "+vectorKey+" "+otherKey+"\n scheme banking\n}")
	transfer := `{"data":{"id":"48TYZO5ZVURJ2FCW","status":"booked"},"environment":"test","timestamp":"2024-05-01T10:00:00+02:00","type":"balancePlatform.transfer.updated"}`
	verifiertest.Run(t, v, bankingCases(transfer))
}

func bankingCases(transfer string) []verifiertest.Case {
	return []verifiertest.Case{
		{Name: "published vector", Header: [][2]string{{"HmacSignature", bankingSig}}, Body: bankingPayload,
			Event: &webhookverify.Event{Type: adyen.TypeWebhook}},
		{Name: "JSON body, rotated key second", Header: [][2]string{{"HmacSignature", sign(otherKey, transfer)}}, Body: transfer,
			Event: &webhookverify.Event{Type: "com.adyen.balanceplatform.transfer.updated", Time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", 7200))}},
		{Name: "wrong key", Header: [][2]string{{"HmacSignature", sign("AA"+vectorKey[2:], bankingPayload)}}, Body: bankingPayload, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Header: [][2]string{{"HmacSignature", bankingSig}}, Body: strings.Replace(bankingPayload, "PreActive", "Active", 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "trailing newline", Header: [][2]string{{"HmacSignature", bankingSig}}, Body: bankingPayload + "\n", Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong method", Method: http.MethodPut, Header: [][2]string{{"HmacSignature", bankingSig}}, Body: bankingPayload, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "missing header", Body: bankingPayload, Err: webhookverify.ErrMissingSignature},
		{Name: "empty header", Header: [][2]string{{"HmacSignature", " "}}, Body: bankingPayload, Err: webhookverify.ErrMissingSignature},
		{Name: "not base64", Header: [][2]string{{"HmacSignature", strings.Repeat("*", 44)}}, Body: bankingPayload, Err: webhookverify.ErrMalformedSignature},
		{Name: "unpadded", Header: [][2]string{{"HmacSignature", strings.TrimRight(bankingSig, "=")}}, Body: bankingPayload, Err: webhookverify.ErrMalformedSignature},
		{Name: "hex", Header: [][2]string{{"HmacSignature", strings.Repeat("0", 64)}}, Body: bankingPayload, Err: webhookverify.ErrMalformedSignature},
		{Name: "signature in the body is not enough", Body: notification(vectorItem), Err: webhookverify.ErrMissingSignature},
	}
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"adyen",
		"adyen {\n}",
		"adyen {\n secret\n}",
		"adyen {\n secret " + vectorKey + "\n scheme v2\n}",
		"adyen {\n secret " + vectorKey + "\n scheme\n}",
		"adyen {\n secret " + vectorKey + "\n tolerance 5m\n}",
		"adyen {\n secret " + vectorKey + "Z\n}",
		"adyen {\n secret " + vectorKey + "0\n}",
		"adyen {\n secret {env.ADYEN_TEST_UNSET_VARIABLE}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	// Keys are hex in either case, as the Customer Area shows them.
	verifiertest.Load(t, "adyen {\n secret "+strings.ToLower(vectorKey)+"\n}")
}

func TestSecretsStayHidden(t *testing.T) {
	transfer := `{"type":"balancePlatform.transfer.updated"}`
	cases := append(bankingCases(transfer), verifiertest.Case{Name: "notification in banking", Body: notification(vectorItem)})
	verifiertest.SecretsStayHidden(t, vectorKey, "adyen {\n secret "+vectorKey+"\n scheme banking\n}", cases,
		"adyen {\n secret "+vectorKey+"Z\n}", "adyen {\n secret "+vectorKey+"\n scheme x\n}")
	verifiertest.SecretsStayHidden(t, vectorKey, "adyen {\n secret "+vectorKey+"\n}", []verifiertest.Case{
		{Name: "forged", Body: notification(replace(vectorItem, `"value":1000`, `"value":1001`))},
		{Name: "two items", Body: notification(vectorItem, replace(vectorItem, `"success":"true"`, `"success":"false"`))},
	})
}

func TestSignRoundTrip(t *testing.T) {
	for _, scheme := range []string{"notification", "banking"} {
		v := verifiertest.Load(t, "adyen {\n secret "+vectorKey+"\n scheme "+scheme+"\n}")
		body := notification(replace(authItem(otherKey, "p1", "r1", "10", "true"), `"hmacSignature":"`, `"x":"`), replace(vectorItem, `"hmacSignature":"`+vectorSig+`"`, `"a":1`))
		r := verifiertest.Case{}.Request()
		signed, err := v.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now)
		if err != nil {
			t.Fatalf("%s: Sign: %v", scheme, err)
		}
		if _, err := v.Verify(r, signed, verifiertest.Now); err != nil {
			t.Fatalf("%s: Verify(Sign()) = %v\n%s", scheme, err, signed)
		}
		if scheme == "notification" && !strings.Contains(string(signed), vectorSig) {
			t.Fatalf("Sign did not reproduce the published signature: %s", signed)
		}
	}
	v := verifiertest.Load(t, "adyen {\n secret "+vectorKey+"\n}")
	if _, err := v.(webhookverify.Signer).Sign(verifiertest.Case{}.Request(), []byte("x"), verifiertest.Now); err == nil {
		t.Fatal("Sign of a non-notification body succeeded")
	}
}

func TestCovers(t *testing.T) {
	n := verifiertest.Load(t, "adyen {\n secret "+vectorKey+"\n}").(webhookverify.Coverer).Covers()
	b := verifiertest.Load(t, "adyen {\n secret "+vectorKey+"\n scheme banking\n}").(webhookverify.Coverer).Covers()
	if n != (webhookverify.Coverage{EventID: true}) || b != (webhookverify.Coverage{Body: true}) {
		t.Fatalf("coverage: notification %+v, banking %+v", n, b)
	}
}

func TestNormalizeStatus(t *testing.T) {
	for _, c := range []struct {
		code, success string
		want          webhookverify.PaymentStatus
	}{
		{"AUTHORISATION", "true", webhookverify.StatusSucceeded},
		{"AUTHORISATION", "false", webhookverify.StatusFailed},
		{"CAPTURE", "true", webhookverify.StatusSucceeded},
		{"REFUND", "true", webhookverify.StatusRefunded},
		{"CANCELLATION", "true", webhookverify.StatusFailed},
		{"OFFER_CLOSED", "true", webhookverify.StatusExpired},
		{"PENDING", "true", webhookverify.StatusPending},
		{"REPORT_AVAILABLE", "true", webhookverify.StatusUnknown},
		{"AUTHORISATION", "", webhookverify.StatusUnknown},
		{"", "true", ""},
	} {
		if got := adyen.NormalizeStatus(c.code, c.success); got != c.want {
			t.Errorf("NormalizeStatus(%q, %q) = %q, want %q", c.code, c.success, got, c.want)
		}
	}
}
