package opay

import (
	"crypto/hmac"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
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

// The documentation's own v1 example (providers.md, OPay v1 vector).
const (
	docKey     = "OPAYPRV16498196872570.13953388019021462"
	docPayload = `{"amount":"49160","channel":"Web","country":"NG","currency":"NGN","displayedFailure":"","fee":"737","feeCurrency":"NGN","instrumentType":"BankCard","reference":"10023","refunded":false,"status":"SUCCESS","timestamp":"2022-05-07T06:20:46Z","token":"220507145660712931829","transactionId":"220507145660712931829","updated_at":"2022-05-07T07:20:46Z"}`
	docSig     = "9f605d69f04e94172875dc156537071cead060bbcaeaca94a7b8805af9f89611e2fdf6836713c9c90b028ca7e4470b1356e996975f2abc862315aaa9b7f2ae2d"
	docBody    = `{"payload":` + docPayload + `,"sha512":"` + docSig + `","type":"transaction-status"}`
	otherKey   = "OPAYPRV00000000000000.11111111111111111"
)

// The v2 callback example from OPay's "callback-signature-v2" page (a
// missing comma before "extras" added).
const docV2Body = `{"amount":{"currency":"EGP","total":400},"country":"EG","failureCode":"01582","failureReason":"Invalid CVV/CVC.","notifyId":"68d9b42c1e694ebc921af92b76804d23","orderNo":"211005140885652282","reference":"92631092","status":"FAIL","timestamp":1633411815591,"type":"MACQUIRING_CALLBACK","extras":{}}`

func hmacHex(newHash func() hash.Hash, key, msg string) string {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func sha3512() hash.Hash { return sha3.New512() }

// sdkTransactionString builds the v1 signed string the way OPay's Go SDK
// does (sdk/ips/define.go), independently of the code under test.
func sdkTransactionString(amount, currency, reference string, refunded bool, status, timestamp, token, txID string) string {
	flag := "f"
	if refunded {
		flag = "t"
	}
	return fmt.Sprintf("{Amount:\"%s\",Currency:\"%s\",Reference:\"%s\",Refunded:%s,Status:\"%s\",Timestamp:\"%s\",Token:\"%s\",TransactionID:\"%s\"}",
		amount, currency, reference, flag, status, timestamp, token, txID)
}

func sdkBettingString(orderNo, merchantOrderNo, merchantID string, orderAmount int, serviceType, orderStatus string) string {
	return fmt.Sprintf("{orderNo:\"%s\",merchantOrderNo:\"%s\",merchantId:\"%s\",orderAmount:\"%d\",serviceType:\"%s\",orderStatus:\"%s\"}",
		orderNo, merchantOrderNo, merchantID, orderAmount, serviceType, orderStatus)
}

func provisioned(t testing.TB, v *OPay) *OPay {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

func post(body string) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/opay", strings.NewReader(body))
}

func TestDocumentationVector(t *testing.T) {
	// Independent check: the signed string built as the SDK does gives the
	// documented signature.
	got := hmacHex(sha3512, docKey, sdkTransactionString("49160", "NGN", "10023", false, "SUCCESS",
		"2022-05-07T06:20:46Z", "220507145660712931829", "220507145660712931829"))
	if got != docSig {
		t.Fatalf("independent HMAC-SHA3-512 = %s, want the documented %s", got, docSig)
	}
	// Plain HMAC-SHA-512 of the same string must not match (providers.md).
	if hmacHex(sha512.New, docKey, sdkTransactionString("49160", "NGN", "10023", false, "SUCCESS",
		"2022-05-07T06:20:46Z", "220507145660712931829", "220507145660712931829")) == docSig {
		t.Fatal("HMAC-SHA-512 unexpectedly matches")
	}

	v := provisioned(t, &OPay{Secrets: webhookverify.Secrets{docKey}})
	ev, err := v.Verify(post(docBody), []byte(docBody), time.Now())
	if err != nil {
		t.Fatalf("Verify(documentation vector): %v", err)
	}
	want := webhookverify.Event{
		ID:        "220507145660712931829:SUCCESS",
		Type:      TypeTransactionStatus,
		Time:      time.Date(2022, 5, 7, 6, 20, 46, 0, time.UTC),
		Subject:   "10023",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "49160",
		Currency:  "NGN",
		Reference: "10023",
	}
	if !ev.Time.Equal(want.Time) {
		t.Errorf("Time = %v, want %v", ev.Time, want.Time)
	}
	ev.Time = want.Time
	if ev != want {
		t.Errorf("Event = %+v\nwant %+v", ev, want)
	}
}

func TestVerifyV1(t *testing.T) {
	tamperedSigned := strings.Replace(docBody, `"amount":"49160"`, `"amount":"49161"`, 1)
	tamperedUnsigned := strings.Replace(docBody, `"fee":"737"`, `"fee":"738"`, 1)
	upperSig := strings.Replace(docBody, docSig, strings.ToUpper(docSig), 1)
	refundedBody := func(refunded string) string {
		p := strings.Replace(docPayload, `"refunded":false`, `"refunded":`+refunded, 1)
		sig := hmacHex(sha3512, docKey, sdkTransactionString("49160", "NGN", "10023", true, "SUCCESS",
			"2022-05-07T06:20:46Z", "220507145660712931829", "220507145660712931829"))
		return `{"payload":` + p + `,"sha512":"` + sig + `"}`
	}
	minimal := func(payload string, refunded bool, fields ...string) string {
		sig := hmacHex(sha3512, docKey, sdkTransactionString(fields[0], fields[1], fields[2], refunded, fields[3], fields[4], fields[5], fields[6]))
		return `{"payload":` + payload + `,"sha512":"` + sig + `"}`
	}

	tests := []struct {
		name    string
		secrets []string
		method  string
		body    string
		want    error
		check   func(t *testing.T, ev webhookverify.Event)
	}{
		{name: "documentation vector", secrets: []string{docKey}, body: docBody},
		{name: "uppercase hex", secrets: []string{docKey}, body: upperSig},
		{name: "rotated: second secret verifies", secrets: []string{otherKey, docKey}, body: docBody},
		{name: "wrong secret", secrets: []string{otherKey}, body: docBody, want: webhookverify.ErrInvalidSignature},
		{name: "tampered signed field", secrets: []string{docKey}, body: tamperedSigned, want: webhookverify.ErrInvalidSignature},
		{name: "unsigned field is not covered", secrets: []string{docKey}, body: tamperedUnsigned,
			check: func(t *testing.T, ev webhookverify.Event) {
				if ev.Amount != "49160" {
					t.Errorf("Amount = %q", ev.Amount)
				}
			}},
		{name: "tampered signature", secrets: []string{docKey}, body: strings.Replace(docBody, docSig[:4], "0000", 1), want: webhookverify.ErrInvalidSignature},
		{name: "GET", secrets: []string{docKey}, method: http.MethodGet, body: docBody, want: webhookverify.ErrMethodNotAllowed},
		{name: "missing sha512", secrets: []string{docKey}, body: `{"payload":` + docPayload + `}`, want: webhookverify.ErrMissingSignature},
		{name: "sha512 not a string", secrets: []string{docKey}, body: `{"payload":` + docPayload + `,"sha512":12}`, want: webhookverify.ErrMalformedSignature},
		{name: "sha512 short", secrets: []string{docKey}, body: `{"payload":` + docPayload + `,"sha512":"9f60"}`, want: webhookverify.ErrMalformedSignature},
		{name: "sha512 not hex", secrets: []string{docKey}, body: strings.Replace(docBody, docSig[:2], "zz", 1), want: webhookverify.ErrMalformedSignature},
		{name: "empty sha512", secrets: []string{docKey}, body: `{"payload":` + docPayload + `,"sha512":""}`, want: webhookverify.ErrMalformedSignature},
		{name: "missing payload", secrets: []string{docKey}, body: `{"sha512":"` + docSig + `"}`, want: webhookverify.ErrMalformedBody},
		{name: "payload not an object", secrets: []string{docKey}, body: `{"payload":"x","sha512":"` + docSig + `"}`, want: webhookverify.ErrMalformedBody},
		{name: "not JSON", secrets: []string{docKey}, body: `payload=1`, want: webhookverify.ErrMalformedBody},
		{name: "empty body", secrets: []string{docKey}, body: ``, want: webhookverify.ErrMalformedBody},
		{name: "JSON array", secrets: []string{docKey}, body: `[` + docBody + `]`, want: webhookverify.ErrMalformedBody},
		{name: "invalid UTF-8", secrets: []string{docKey}, body: strings.Replace(docBody, `"channel":"Web"`, "\"channel\":\"W\xffb\"", 1), want: webhookverify.ErrMalformedBody},
		{name: "forged duplicate amount after the genuine one", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"amount":"49160","amount":"1",`, 1), want: webhookverify.ErrDuplicateKey},
		{name: "forged duplicate amount before the genuine one", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"amount":"1","amount":"49160",`, 1), want: webhookverify.ErrDuplicateKey},
		{name: "escaped duplicate key", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"amount":"49160","\u0061mount":"1",`, 1), want: webhookverify.ErrDuplicateKey},
		{name: "escaped key names the signed field", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"\u0061mount":"49160",`, 1)},
		{name: "escaped case variant", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"amount":"49160","\u0041mount":"1",`, 1), want: webhookverify.ErrMalformedBody},
		{name: "duplicate top-level payload", secrets: []string{docKey},
			body: `{"payload":{"amount":"1"},` + docBody[1:], want: webhookverify.ErrDuplicateKey},
		{name: "duplicate in unsigned nested object", secrets: []string{docKey},
			body: strings.Replace(docBody, `"type":"transaction-status"`, `"x":{"a":1,"a":2}`, 1), want: webhookverify.ErrDuplicateKey},
		{name: "case variant of a signed field", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160",`, `"amount":"49160","Amount":"1",`, 1), want: webhookverify.ErrMalformedBody},
		{name: "case variant of refunded", secrets: []string{docKey},
			body: strings.Replace(docBody, `"refunded":false,`, `"refunded":false,"Refunded":true,`, 1), want: webhookverify.ErrMalformedBody},
		{name: "case variant of sha512", secrets: []string{docKey},
			body: strings.Replace(docBody, `"sha512"`, `"SHA512"`, 1), want: webhookverify.ErrMalformedBody},
		{name: "amount as a number", secrets: []string{docKey},
			body: strings.Replace(docBody, `"amount":"49160"`, `"amount":49160`, 1), want: webhookverify.ErrMalformedBody},
		{name: "refunded as a number", secrets: []string{docKey},
			body: strings.Replace(docBody, `"refunded":false`, `"refunded":0`, 1), want: webhookverify.ErrMalformedBody},
		{name: "refunded true", secrets: []string{docKey}, body: refundedBody("true"),
			check: func(t *testing.T, ev webhookverify.Event) {
				if ev.Status != webhookverify.StatusRefunded || ev.ID != "220507145660712931829:SUCCESS:refunded" {
					t.Errorf("Status %q, ID %q", ev.Status, ev.ID)
				}
			}},
		{name: "refunded as the string true", secrets: []string{docKey}, body: refundedBody(`"true"`), want: webhookverify.ErrMalformedBody},
		{name: "refunded true does not verify a false signature", secrets: []string{docKey},
			body: strings.Replace(docBody, `"refunded":false`, `"refunded":true`, 1), want: webhookverify.ErrInvalidSignature},
		{name: "missing and null fields are malformed", secrets: []string{docKey},
			body: minimal(`{"amount":"5","currency":null,"refunded":false,"status":"FAIL","transactionId":"77"}`, false, "5", "", "", "FAIL", "", "", "77"),
			want: webhookverify.ErrMalformedBody},
		{name: "empty fields", secrets: []string{docKey},
			body: minimal(`{"amount":"5","currency":"","reference":"","refunded":false,"status":"FAIL","timestamp":"","token":"","transactionId":"77"}`, false, "5", "", "", "FAIL", "", "", "77"),
			check: func(t *testing.T, ev webhookverify.Event) {
				want := webhookverify.Event{ID: "77:FAIL", Type: TypeTransactionStatus, Status: webhookverify.StatusFailed, Amount: "5"}
				if ev != want {
					t.Errorf("Event = %+v, want %+v", ev, want)
				}
			}},
		{name: "escaped values are signed decoded", secrets: []string{docKey},
			body: minimal(`{"amount":"5","currency":"","reference":"a\"b\u00e9\/<","refunded":false,"status":"SUCCESS","timestamp":"","token":"","transactionId":"1"}`, false, "5", "", "a\"bé/<", "SUCCESS", "", "", "1"),
			check: func(t *testing.T, ev webhookverify.Event) {
				if ev.Reference != "a\"bé/<" {
					t.Errorf("Reference = %q", ev.Reference)
				}
			}},
		{name: "no transactionId: id is the signature", secrets: []string{docKey},
			body: minimal(`{"amount":"","currency":"","reference":"","refunded":false,"status":"PENDING","timestamp":"","token":"","transactionId":""}`, false, "", "", "", "PENDING", "", "", ""),
			check: func(t *testing.T, ev webhookverify.Event) {
				if len(ev.ID) != 128 || ev.Status != webhookverify.StatusPending {
					t.Errorf("ID %q, Status %q", ev.ID, ev.Status)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provisioned(t, &OPay{Secrets: tc.secrets})
			r := post(tc.body)
			if tc.method != "" {
				r.Method = tc.method
			}
			ev, err := v.Verify(r, []byte(tc.body), time.Now())
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify error = %v, want %v", err, tc.want)
				}
				if strings.Contains(err.Error(), docKey) || strings.Contains(strings.ToLower(err.Error()), docSig[:16]) {
					t.Fatalf("error %q reveals a secret or signature", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.check != nil {
				tc.check(t, ev)
			}
		})
	}
}

func TestVerifyV1Betting(t *testing.T) {
	payload := `{"serviceType":"betting","feeAmount":0,"orderAmount":150000,"orderNo":"211123148998712734","createTime":"2021-11-23T08:00:00Z","merchantId":"256620112018025","orderStatus":"SUCCESS","currency":"NGN","payChannel":"BalancePayment","merchantOrderNo":"bet-42","errorMsg":""}`
	sig := hmacHex(sha3512, docKey, sdkBettingString("211123148998712734", "bet-42", "256620112018025", 150000, "betting", "SUCCESS"))
	body := `{"payload":` + payload + `,"sha512":"` + sig + `","type":"betting"}`

	v := provisioned(t, &OPay{Secrets: webhookverify.Secrets{docKey}, Payload: PayloadBetting})
	ev, err := v.Verify(post(body), []byte(body), time.Now())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := webhookverify.Event{ID: "211123148998712734:SUCCESS", Type: TypeBettingAirtimeStatus, Subject: "bet-42",
		Reference: "bet-42", Amount: "150000", Status: webhookverify.StatusSucceeded}
	if ev != want {
		t.Errorf("Event = %+v\nwant %+v", ev, want)
	}

	// The transaction variant does not accept a betting callback: the
	// configuration, not the body, chooses the signed string (and the
	// transaction fields are missing).
	vt := provisioned(t, &OPay{Secrets: webhookverify.Secrets{docKey}})
	if _, err := vt.Verify(post(body), []byte(body), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
		t.Errorf("transaction variant on a betting body: %v", err)
	}

	bad := map[string]string{
		"orderAmount as a string": strings.Replace(body, `"orderAmount":150000`, `"orderAmount":"150000"`, 1),
		"orderAmount fractional":  strings.Replace(body, `"orderAmount":150000`, `"orderAmount":1500.5`, 1),
		"orderAmount exponent":    strings.Replace(body, `"orderAmount":150000`, `"orderAmount":15e4`, 1),
		"orderNo as a number":     strings.Replace(body, `"orderNo":"211123148998712734"`, `"orderNo":211123148998712734`, 1),
		"case variant":            strings.Replace(body, `"orderAmount":150000`, `"orderAmount":150000,"OrderAmount":1`, 1),
	}
	for name, b := range bad {
		if _, err := v.Verify(post(b), []byte(b), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
			t.Errorf("%s: %v, want malformed_body", name, err)
		}
	}
	tampered := strings.Replace(body, `"orderAmount":150000`, `"orderAmount":150001`, 1)
	if _, err := v.Verify(post(tampered), []byte(tampered), time.Now()); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("tampered orderAmount: %v", err)
	}
	// A missing orderAmount would be signed as 0, the SDK's int zero
	// value, like an orderAmount of 0: it is refused (TestV1SignedFieldTypes).
	noAmount := `{"payload":{"orderNo":"1","merchantOrderNo":"","merchantId":"","serviceType":"","orderStatus":"FAIL"},"sha512":"` +
		hmacHex(sha3512, docKey, sdkBettingString("1", "", "", 0, "", "FAIL")) + `"}`
	if _, err = v.Verify(post(noAmount), []byte(noAmount), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
		t.Errorf("missing orderAmount: %v", err)
	}
}

func v2Request(t testing.TB, key, body, ts string) *http.Request {
	t.Helper()
	r := post(body)
	r.Header.Set("RequestTimestamp", ts)
	r.Header.Set("MerchantId", "256612345678901")
	r.Header.Set("Authorization", hmacHex(sha512.New, key, ts+body))
	return r
}

func TestVerifyV2(t *testing.T) {
	now := time.UnixMilli(1633411815591 + 1500)
	ts := strconv.FormatInt(1633411815591, 10)
	tests := []struct {
		name     string
		v        OPay
		req      func() *http.Request
		body     string
		want     error
		wantType string
	}{
		{name: "valid", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }},
		{name: "bearer prefix", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", "Bearer "+r.Header.Get("Authorization"))
				return r
			}},
		{name: "uppercase hex", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", strings.ToUpper(r.Header.Get("Authorization")))
				return r
			}},
		{name: "seconds timestamp with timestamp_unit s", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, TimestampUnit: UnitSeconds}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "1633411817") }},
		{name: "seconds timestamp with the default unit ms", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "1633411817") }, want: webhookverify.ErrMalformedTimestamp},
		{name: "milliseconds timestamp with timestamp_unit s", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, TimestampUnit: UnitSeconds}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }, want: webhookverify.ErrMalformedTimestamp},
		{name: "14-digit timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "0"+ts) }, want: webhookverify.ErrMalformedTimestamp},
		{name: "timestamp with a sign", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "+"+ts[1:]) }, want: webhookverify.ErrMalformedTimestamp},
		{name: "rotated: second secret verifies", v: OPay{Secrets: []string{otherKey, docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }},
		{name: "merchant id matches", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, MerchantID: "256612345678901"}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }},
		{name: "merchant id differs", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, MerchantID: "256600000000000"}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }, want: ErrMerchantMismatch},
		{name: "merchant id missing", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, MerchantID: "256612345678901"}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Del("MerchantId")
				return r
			}, want: ErrMerchantMismatch},
		{name: "wrong secret", v: OPay{Secrets: []string{otherKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, ts) }, want: webhookverify.ErrInvalidSignature},
		{name: "HMAC-SHA3-512 is not v2", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", hmacHex(sha3512, docKey, ts+docV2Body))
				return r
			}, want: webhookverify.ErrInvalidSignature},
		{name: "tampered body", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2},
			body: strings.Replace(docV2Body, `"total":400`, `"total":401`, 1),
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Body = http.NoBody
				return r
			}, want: webhookverify.ErrInvalidSignature},
		{name: "tampered timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("RequestTimestamp", "1633411815592")
				return r
			}, want: webhookverify.ErrInvalidSignature},
		{name: "missing signature", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Del("Authorization")
				return r
			}, want: webhookverify.ErrMissingSignature},
		{name: "bearer only", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", "Bearer ")
				return r
			}, want: webhookverify.ErrMissingSignature},
		{name: "malformed signature", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", "sha512="+r.Header.Get("Authorization")[7:])
				return r
			}, want: webhookverify.ErrMalformedSignature},
		{name: "short signature", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Set("Authorization", "abcd")
				return r
			}, want: webhookverify.ErrMalformedSignature},
		{name: "missing timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Header.Del("RequestTimestamp")
				return r
			}, want: webhookverify.ErrMissingTimestamp},
		{name: "malformed timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "2021-10-05T05:30:15Z") }, want: webhookverify.ErrMalformedTimestamp},
		{name: "negative timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "-1633411815591") }, want: webhookverify.ErrMalformedTimestamp},
		{name: "old timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "1633411000000") }, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "future timestamp", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "1633412900000") }, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "wider tolerance", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2, Tolerance: caddy.Duration(time.Hour)}, body: docV2Body,
			req: func() *http.Request { return v2Request(t, docKey, docV2Body, "1633411000000") }},
		{name: "GET", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: docV2Body,
			req: func() *http.Request {
				r := v2Request(t, docKey, docV2Body, ts)
				r.Method = http.MethodGet
				return r
			}, want: webhookverify.ErrMethodNotAllowed},
		{name: "body without type", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: `{"status":"SUCCESS"}`,
			req: func() *http.Request { return v2Request(t, docKey, `{"status":"SUCCESS"}`, ts) }, wantType: TypeCallback},
		{name: "signed non-JSON body", v: OPay{Secrets: []string{docKey}, Scheme: SchemeV2}, body: `ok`,
			req: func() *http.Request { return v2Request(t, docKey, `ok`, ts) }, want: webhookverify.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provisioned(t, &tc.v)
			ev, err := v.Verify(tc.req(), []byte(tc.body), now)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify error = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.wantType != "" && ev.Type != tc.wantType {
				t.Errorf("Type = %q, want %q", ev.Type, tc.wantType)
			}
		})
	}
}

func TestEventV2(t *testing.T) {
	ev := eventV2([]byte(docV2Body))
	want := webhookverify.Event{
		ID:        "68d9b42c1e694ebc921af92b76804d23",
		Type:      "com.opay.macquiring_callback",
		Time:      time.UnixMilli(1633411815591).UTC(),
		Subject:   "92631092",
		Status:    webhookverify.StatusFailed,
		Amount:    "400",
		Currency:  "EGP",
		Reference: "92631092",
	}
	if ev != want {
		t.Errorf("Event = %+v\nwant %+v", ev, want)
	}
	flat := eventV2([]byte(`{"amount":"10.00","currency":"NGN","type":"bad type!","timestamp":"2021-10-05T05:30:15Z"}`))
	if flat.Amount != "10.00" || flat.Currency != "NGN" || flat.Type != TypeCallback || flat.Time.IsZero() {
		t.Errorf("flat body: %+v", flat)
	}
}

func TestNormalizeStatus(t *testing.T) {
	for in, want := range map[string]webhookverify.PaymentStatus{
		"SUCCESS": webhookverify.StatusSucceeded, "success": webhookverify.StatusSucceeded,
		"FAIL": webhookverify.StatusFailed, "FAILED": webhookverify.StatusFailed,
		"PENDING": webhookverify.StatusPending, "INITIAL": webhookverify.StatusPending,
		"CLOSE": webhookverify.StatusExpired, "REVERSED": webhookverify.StatusUnknown, "": "",
	} {
		if got := NormalizeStatus(in); got != want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignRoundTrip(t *testing.T) {
	now := time.Now()
	txPayload := `{"amount":"100","currency":"NGN","reference":"r1","refunded":false,"status":"SUCCESS","timestamp":"2024-01-02T03:04:05Z","token":"t","transactionId":"x1"}`
	betPayload := `{"orderNo":"o1","merchantOrderNo":"m1","merchantId":"256","orderAmount":500,"serviceType":"airtime","orderStatus":"PENDING"}`
	tests := []struct {
		name string
		v    OPay
		body string
		// expected signature, computed independently; "" for v2 (checked below)
		want string
	}{
		{name: "v1 transaction, sha512 added", v: OPay{Secrets: []string{docKey, otherKey}},
			body: `{"payload":` + txPayload + `,"type":"transaction-status"}`,
			want: hmacHex(sha3512, docKey, sdkTransactionString("100", "NGN", "r1", false, "SUCCESS", "2024-01-02T03:04:05Z", "t", "x1"))},
		{name: "v1 transaction, sha512 replaced", v: OPay{Secrets: []string{docKey, otherKey}},
			body: `{"payload":` + txPayload + `,"sha512":"old", "type":"transaction-status"}`,
			want: hmacHex(sha3512, docKey, sdkTransactionString("100", "NGN", "r1", false, "SUCCESS", "2024-01-02T03:04:05Z", "t", "x1"))},
		{name: "v1 documentation body re-signed", v: OPay{Secrets: []string{docKey}}, body: docBody, want: docSig},
		{name: "v1 betting", v: OPay{Secrets: []string{docKey, otherKey}, Payload: PayloadBetting},
			body: `{"payload":` + betPayload + ` }`,
			want: hmacHex(sha3512, docKey, sdkBettingString("o1", "m1", "256", 500, "airtime", "PENDING"))},
		{name: "v2", v: OPay{Secrets: []string{docKey, otherKey}, Scheme: SchemeV2}, body: docV2Body},
		{name: "v2 with merchant id", v: OPay{Secrets: []string{docKey, otherKey}, Scheme: SchemeV2, MerchantID: "256612345678901"}, body: docV2Body},
		{name: "v2 in seconds", v: OPay{Secrets: []string{docKey, otherKey}, Scheme: SchemeV2, TimestampUnit: UnitSeconds}, body: docV2Body},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provisioned(t, &tc.v)
			r := post("")
			signed, err := v.Sign(r, []byte(tc.body), now)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if tc.v.Scheme == SchemeV2 {
				if string(signed) != tc.body {
					t.Errorf("v2 Sign changed the body")
				}
				ts := r.Header.Get("RequestTimestamp")
				wantTS := strconv.FormatInt(now.UnixMilli(), 10)
				if tc.v.TimestampUnit == UnitSeconds {
					wantTS = strconv.FormatInt(now.Unix(), 10)
				}
				if ts != wantTS {
					t.Errorf("RequestTimestamp = %q", ts)
				}
				if got, want := r.Header.Get("Authorization"), hmacHex(sha512.New, docKey, ts+tc.body); got != want {
					t.Errorf("Authorization = %s, want %s (first secret)", got, want)
				}
				if r.Header.Get("MerchantId") != tc.v.MerchantID {
					t.Errorf("MerchantId = %q", r.Header.Get("MerchantId"))
				}
			} else {
				var doc struct {
					SHA512 string `json:"sha512"`
				}
				if err := json.Unmarshal(signed, &doc); err != nil {
					t.Fatalf("signed body is not JSON: %v\n%s", err, signed)
				}
				if doc.SHA512 != tc.want {
					t.Errorf("sha512 = %s, want %s (first secret)", doc.SHA512, tc.want)
				}
			}
			if _, err := v.Verify(r, signed, now); err != nil {
				t.Fatalf("Verify(Sign(body)): %v\n%s", err, signed)
			}
		})
	}

	v := provisioned(t, &OPay{Secrets: []string{docKey}})
	for _, bad := range []string{``, `[]`, `{"sha512":"x"}`, `{"payload":{},"payload":{}}`} {
		if _, err := v.Sign(post(""), []byte(bad), now); err == nil {
			t.Errorf("Sign(%q) succeeded", bad)
		}
	}
	v2 := provisioned(t, &OPay{Secrets: []string{docKey}, Scheme: SchemeV2})
	for _, bad := range []string{``, `ok`, `5{}`, ` {}`, `[]`} {
		if _, err := v2.Sign(post(""), []byte(bad), now); err == nil {
			t.Errorf("v2 Sign(%q) succeeded", bad)
		}
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{name: "v1 defaults", input: `opay {
			secret {env.OPAY_SECRET_KEY}
		}`, want: `{"secrets":["{env.OPAY_SECRET_KEY}"]}`},
		{name: "v1 betting with rotation", input: `opay {
			secret {env.OPAY_NEW} {file./run/secrets/opay_old}
			scheme v1
			payload betting
		}`, want: `{"secrets":["{env.OPAY_NEW}","{file./run/secrets/opay_old}"],"scheme":"v1","payload":"betting"}`},
		{name: "v2", input: `opay {
			secret {env.OPAY_SECRET_KEY}
			scheme v2
			tolerance 10m
			merchant_id 256612345678901
		}`, want: `{"secrets":["{env.OPAY_SECRET_KEY}"],"scheme":"v2","tolerance":600000000000,"merchant_id":"256612345678901"}`},
		{name: "v2 in seconds", input: `opay {
			secret {env.OPAY_SECRET_KEY}
			scheme v2
			timestamp_unit s
		}`, want: `{"secrets":["{env.OPAY_SECRET_KEY}"],"scheme":"v2","timestamp_unit":"s"}`},
		{name: "bad timestamp_unit", input: "opay {\n secret {env.K}\n scheme v2\n timestamp_unit auto\n}", wantErr: `timestamp_unit "auto": use ms (Unix milliseconds, 13 digits; OPay's callbacks) or s (Unix seconds, 10 digits), at Testfile:4`},
		{name: "timestamp_unit with v1", input: "opay {\n secret {env.K}\n timestamp_unit ms\n}", wantErr: "add 'scheme v2' or remove them"},
		{name: "unknown subdirective", input: "opay {\n secret {env.K}\n header X-Sig\n}", wantErr: `unrecognized subdirective "header" for provider opay: use secret, scheme, payload, tolerance, timestamp_unit or merchant_id, at Testfile:3`},
		{name: "missing secret", input: "opay {\n scheme v2\n}", wantErr: "add 'secret {env.OPAY_SECRET_KEY}'"},
		{name: "no block", input: "opay", wantErr: "add 'secret {env.OPAY_SECRET_KEY}'"},
		{name: "empty secret", input: "opay {\n secret \"\"\n}", wantErr: "Testfile:2"},
		{name: "adapt-time secret", input: "opay {\n secret {$OPAY_KEY}\n}", wantErr: "Testfile:2"},
		{name: "bad scheme", input: "opay {\n secret {env.K}\n scheme v3\n}", wantErr: `scheme "v3": use v1 (signature in the body's sha512 field) or v2 (Authorization header), at Testfile:3`},
		{name: "scheme without value", input: "opay {\n secret {env.K}\n scheme\n}", wantErr: "Testfile:3"},
		{name: "scheme with two values", input: "opay {\n secret {env.K}\n scheme v1 v2\n}", wantErr: "Testfile:3"},
		{name: "bad payload", input: "opay {\n secret {env.K}\n payload refund\n}", wantErr: `payload "refund": use transaction or betting, at Testfile:3`},
		{name: "bad tolerance", input: "opay {\n secret {env.K}\n scheme v2\n tolerance soon\n}", wantErr: `tolerance "soon" is not a positive duration: use e.g. 5m, 60s or 72h, at Testfile:4`},
		{name: "negative tolerance", input: "opay {\n secret {env.K}\n scheme v2\n tolerance -5m\n}", wantErr: "Testfile:4"},
		{name: "payload with v2", input: "opay {\n secret {env.K}\n scheme v2\n payload betting\n}", wantErr: "payload applies to scheme v1 only"},
		{name: "tolerance with v1", input: "opay {\n secret {env.K}\n tolerance 5m\n}", wantErr: "add 'scheme v2' or remove them"},
		{name: "merchant_id with v1", input: "opay {\n secret {env.K}\n merchant_id 1\n}", wantErr: "add 'scheme v2' or remove them"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v OPay
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalCaddyfile: %v", err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("JSON = %s\nwant   %s", got, tc.want)
			}
		})
	}
}

func TestProvision(t *testing.T) {
	t.Setenv("OPAY_TEST_KEY", docKey)
	v := &OPay{Secrets: webhookverify.Secrets{"{env.OPAY_TEST_KEY}"}}
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision with a set variable: %v", err)
	}
	if _, err := v.Verify(post(docBody), []byte(docBody), time.Now()); err != nil {
		t.Fatalf("Verify with the resolved key: %v", err)
	}
	if v.Scheme != SchemeV1 || v.Payload != PayloadTransaction {
		t.Errorf("defaults: scheme %q, payload %q", v.Scheme, v.Payload)
	}
	v2 := &OPay{Secrets: webhookverify.Secrets{"{env.OPAY_TEST_KEY}"}, Scheme: SchemeV2}
	if err := v2.Provision(caddy.Context{}); err != nil || time.Duration(v2.Tolerance) != 5*time.Minute || v2.TimestampUnit != UnitMillis {
		t.Errorf("v2 default tolerance %v, timestamp_unit %q, err %v", time.Duration(v2.Tolerance), v2.TimestampUnit, err)
	}

	for name, tc := range map[string]struct {
		v       OPay
		wantErr string
	}{
		"unset variable":         {OPay{Secrets: webhookverify.Secrets{"{env.OPAY_TEST_UNSET_VARIABLE}"}}, "OPAY_TEST_UNSET_VARIABLE"},
		"no secret":              {OPay{}, "no secret configured"},
		"unknown scheme":         {OPay{Secrets: []string{"k"}, Scheme: "v3"}, `unknown scheme "v3"`},
		"unknown payload":        {OPay{Secrets: []string{"k"}, Payload: "x"}, `unknown payload "x"`},
		"payload with v2":        {OPay{Secrets: []string{"k"}, Scheme: SchemeV2, Payload: PayloadBetting}, "scheme v1 only"},
		"tolerance with v1":      {OPay{Secrets: []string{"k"}, Tolerance: caddy.Duration(time.Minute)}, "scheme v2 only"},
		"timestamp_unit with v1": {OPay{Secrets: []string{"k"}, TimestampUnit: UnitMillis}, "scheme v2 only"},
		"unknown timestamp_unit": {OPay{Secrets: []string{"k"}, Scheme: SchemeV2, TimestampUnit: "auto"}, `unknown timestamp_unit "auto"`},
		"negative tolerance": {OPay{Secrets: []string{"k"}, Scheme: SchemeV2, Tolerance: caddy.Duration(-time.Minute)},
			"tolerance must be positive"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.v.Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Provision error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestJSONConfig loads the verifier the way Caddy does, from JSON.
func TestJSONConfig(t *testing.T) {
	var v OPay
	if err := json.Unmarshal([]byte(`{"secrets":["`+docKey+`"],"scheme":"v2","tolerance":"2m"}`), &v); err != nil {
		t.Fatal(err)
	}
	provisioned(t, &v)
	if time.Duration(v.Tolerance) != 2*time.Minute {
		t.Errorf("tolerance = %v", time.Duration(v.Tolerance))
	}
}

// TestHandlerCaddyfile parses a full webhook_verify block: the handler keeps
// its own subdirectives and hands the rest to this verifier.
func TestHandlerCaddyfile(t *testing.T) {
	var h webhookverify.Handler
	err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`webhook_verify opay {
		secret {env.OPAY_SECRET_KEY}
		allow_ips 203.0.113.0/24
		scheme v2
		merchant_id 256612345678901
	}`))
	if err != nil {
		t.Fatalf("UnmarshalCaddyfile: %v", err)
	}
	want := `{"merchant_id":"256612345678901","provider":"opay","scheme":"v2","secrets":["{env.OPAY_SECRET_KEY}"]}`
	if string(h.VerifierRaw) != want {
		t.Errorf("verifier JSON = %s\nwant %s", h.VerifierRaw, want)
	}
	if len(h.AllowIPs) != 1 {
		t.Errorf("allow_ips = %v", h.AllowIPs)
	}
	mod, err := caddy.GetModule("http.webhook_verify.verifiers.opay")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mod.New().(*OPay); !ok {
		t.Errorf("New returns %T", mod.New())
	}
}

// TestV2DigitTrade: v2 signs RequestTimestamp ‖ body with no separator, so
// digits could move between the header and the body with the same MAC. A
// genuine 13-digit millisecond header "1633411815591" over body B signs
// "1633411815591"+B; the same MAC then covers the 10-digit header
// "1633411815" (read as seconds, the same instant) over "591"+B. Both the
// unit's exact digit count and the JSON-object body stop it.
func TestV2DigitTrade(t *testing.T) {
	now := time.UnixMilli(1633411815591 + 1500)
	genuine := v2Request(t, docKey, docV2Body, "1633411815591")
	auth := genuine.Header.Get("Authorization")
	v := provisioned(t, &OPay{Secrets: []string{docKey}, Scheme: SchemeV2})
	if _, err := v.Verify(genuine, []byte(docV2Body), now); err != nil {
		t.Fatalf("genuine request: %v", err)
	}
	for _, tc := range []struct {
		name, ts, body string
	}{
		{"header digits moved into the body", "1633411815", "591" + docV2Body},
		{"one header digit moved into the body", "163341181559", "1" + docV2Body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(tc.body)
			r.Header.Set("RequestTimestamp", tc.ts)
			r.Header.Set("MerchantId", "256612345678901")
			r.Header.Set("Authorization", auth)
			if hmacHex(sha512.New, docKey, tc.ts+tc.body) != auth {
				t.Fatalf("test error: the forged request does not carry the same MAC")
			}
			if _, err := v.Verify(r, []byte(tc.body), now); err == nil {
				t.Fatalf("Verify accepted RequestTimestamp %q with body %.20q…", tc.ts, tc.body)
			}
		})
	}
	// A body that is validly signed but not a JSON object (which could
	// start with a digit, e.g. "1633411815591"+"5{…}", the same signed
	// text as "16334118155915"+"{…}") is refused.
	for _, body := range []string{`5` + docV2Body, `ok`, `[]`, ` {}`, `{"a":1`, ``} {
		r := v2Request(t, docKey, body, "1633411815591")
		if _, err := v.Verify(r, []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedBody) {
			t.Errorf("body %.20q: %v, want malformed_body", body, err)
		}
	}
}

// TestV1SignedFieldTypes: the v1 signed string renders "refunded": false,
// "false", null and an absent refunded alike (Refunded:f), and a null or
// absent string field like "" — so each variant would carry the genuine
// sha512. Only the documented JSON types pass: refunded a boolean, the
// other transaction fields strings, orderAmount an integer; every signed
// field present.
func TestV1SignedFieldTypes(t *testing.T) {
	v := provisioned(t, &OPay{Secrets: webhookverify.Secrets{docKey}})
	without := func(body, member string) string {
		if !strings.Contains(body, member) {
			t.Fatalf("%s not in %s", member, body)
		}
		return strings.Replace(body, member, "", 1)
	}
	// empty: the documentation's payload with currency and token "",
	// validly signed.
	emptyPayload := strings.Replace(strings.Replace(docPayload, `"currency":"NGN"`, `"currency":""`, 1),
		`"token":"220507145660712931829"`, `"token":""`, 1)
	empty := `{"payload":` + emptyPayload + `,"sha512":"` + hmacHex(sha3512, docKey, sdkTransactionString("49160", "", "10023", false, "SUCCESS",
		"2022-05-07T06:20:46Z", "", "220507145660712931829")) + `"}`
	if _, err := v.Verify(post(empty), []byte(empty), time.Now()); err != nil {
		t.Fatalf("empty currency and token: %v", err)
	}
	tx := map[string]string{
		`refunded "false"`: strings.Replace(docBody, `"refunded":false`, `"refunded":"false"`, 1),
		`refunded null`:    strings.Replace(docBody, `"refunded":false`, `"refunded":null`, 1),
		`refunded absent`:  without(docBody, `"refunded":false,`),
		`currency null`:    strings.Replace(empty, `"currency":""`, `"currency":null`, 1),
		`currency absent`:  without(empty, `"currency":"",`),
		`token null`:       strings.Replace(empty, `"token":""`, `"token":null`, 1),
		`token absent`:     without(empty, `"token":"",`),
	}
	for name, body := range tx {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(post(body), []byte(body), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
				t.Fatalf("Verify = %v, want malformed_body", err)
			}
		})
	}
	// A refunded string "true", signed as Refunded:t, is refused: the
	// type decides, not the value.
	trueStr := strings.Replace(docPayload, `"refunded":false`, `"refunded":"true"`, 1)
	trueBody := `{"payload":` + trueStr + `,"sha512":"` + hmacHex(sha3512, docKey, sdkTransactionString("49160", "NGN", "10023", true, "SUCCESS",
		"2022-05-07T06:20:46Z", "220507145660712931829", "220507145660712931829")) + `"}`
	if _, err := v.Verify(post(trueBody), []byte(trueBody), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
		t.Errorf(`refunded "true": %v, want malformed_body`, err)
	}
	unsigned := strings.Replace(docBody, `"displayedFailure":""`, `"displayedFailure":null`, 1)
	if _, err := v.Verify(post(unsigned), []byte(unsigned), time.Now()); err != nil {
		t.Errorf("an unsigned field of another type: %v", err)
	}

	payload := `{"orderNo":"1","merchantOrderNo":"m","merchantId":"","orderAmount":0,"serviceType":"airtime","orderStatus":"FAIL"}`
	sig := hmacHex(sha3512, docKey, sdkBettingString("1", "m", "", 0, "airtime", "FAIL"))
	bet := `{"payload":` + payload + `,"sha512":"` + sig + `"}`
	vb := provisioned(t, &OPay{Secrets: webhookverify.Secrets{docKey}, Payload: PayloadBetting})
	if _, err := vb.Verify(post(bet), []byte(bet), time.Now()); err != nil {
		t.Fatalf("betting with orderAmount 0: %v", err)
	}
	for name, body := range map[string]string{
		"orderAmount null":   strings.Replace(bet, `"orderAmount":0`, `"orderAmount":null`, 1),
		"orderAmount absent": without(bet, `"orderAmount":0,`),
		"merchantId null":    strings.Replace(bet, `"merchantId":""`, `"merchantId":null`, 1),
		"merchantId absent":  without(bet, `"merchantId":"",`),
	} {
		t.Run("betting/"+name, func(t *testing.T) {
			if _, err := vb.Verify(post(body), []byte(body), time.Now()); !errors.Is(err, webhookverify.ErrMalformedBody) {
				t.Fatalf("Verify = %v, want malformed_body", err)
			}
		})
	}
}
