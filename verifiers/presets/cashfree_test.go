package presets_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Cashfree publishes no signed example. Its docs ("Signature
// verification") and its SDK (cashfree/cashfree-pg configuration.go,
// PGVerifyWebhookSignature) sign x-webhook-timestamp + raw body, with no
// separator, with HMAC-SHA256 under the client secret, base64. The
// timestamp is the docs' example (milliseconds); the body has the shape of
// the PAYMENT_SUCCESS_WEBHOOK example. Signatures are computed here with
// crypto/hmac.
const (
	cashfreeSecret    = "cfsk_ma_test_0123456789abcdef"
	cashfreeTimestamp = "1617695238078"
	cashfreeBody      = `{"data":{"order":{"order_id":"order_OFR_2","order_amount":2.00,"order_currency":"INR","order_tags":null},"payment":{"cf_payment_id":1107253891,"payment_status":"SUCCESS","payment_amount":2.00,"payment_currency":"INR","payment_message":"Transaction Success","payment_time":"2021-10-07T19:42:40+05:30","bank_reference":"1903772466","auth_id":null,"payment_method":{"upi":{"channel":"collect","upi_id":"testsuccess@gocash"}},"payment_group":"upi"},"customer_details":{"customer_name":null,"customer_id":"7112AAA812234","customer_email":"john@example.com","customer_phone":"9908734801"}},"event_time":"2021-10-07T19:42:44+05:30","type":"PAYMENT_SUCCESS_WEBHOOK"}`
)

func cashfreeSig(secret, ts, body string) string {
	return base64.StdEncoding.EncodeToString(payMAC(sha256.New, secret, ts, body))
}

func cashfreeHeader(sig, ts string) [][2]string {
	return [][2]string{{"x-webhook-signature", sig}, {"x-webhook-timestamp", ts}}
}

func TestCashfreeSignedByTheDocumentedScheme(t *testing.T) {
	sentAt := time.UnixMilli(1617695238078)
	success := webhookverify.Event{
		Type:      "com.cashfree.payment_success_webhook",
		Time:      time.Date(2021, 10, 7, 14, 12, 44, 0, time.UTC),
		Status:    webhookverify.StatusSucceeded,
		Amount:    "2.00",
		Currency:  "INR",
		Reference: "order_OFR_2",
		Subject:   "order_OFR_2",
	}
	sig := cashfreeSig(cashfreeSecret, cashfreeTimestamp, cashfreeBody)
	v := verifiertest.Load(t, payBlock("cashfree", []string{cashfreeSecret}))
	payEvent(t, v, verifiertest.Case{Name: "PAYMENT_SUCCESS_WEBHOOK", Body: cashfreeBody, Header: cashfreeHeader(sig, cashfreeTimestamp),
		Now: sentAt.Add(3 * time.Second)}, success)
	payRun(t, v, payAt(sentAt.Add(3*time.Second), []verifiertest.Case{
		{Name: "signed with a '.' between", Body: cashfreeBody,
			Header: cashfreeHeader(cashfreeSig(cashfreeSecret, cashfreeTimestamp+".", cashfreeBody), cashfreeTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "the body alone signed", Body: cashfreeBody,
			Header: cashfreeHeader(cashfreeSig(cashfreeSecret, "", cashfreeBody), cashfreeTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "hex", Body: cashfreeBody,
			Header: cashfreeHeader(hex.EncodeToString(payMAC(sha256.New, cashfreeSecret, cashfreeTimestamp, cashfreeBody)), cashfreeTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "another timestamp", Body: cashfreeBody, Header: cashfreeHeader(sig, "1617695238079"), Err: webhookverify.ErrInvalidSignature},
		{Name: "a timestamp in seconds is read as milliseconds", Body: cashfreeBody,
			Header: cashfreeHeader(cashfreeSig(cashfreeSecret, "1617695238", cashfreeBody), "1617695238"), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "6 minutes late", Body: cashfreeBody, Header: cashfreeHeader(sig, cashfreeTimestamp), Now: sentAt.Add(6 * time.Minute),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "no timestamp", Body: cashfreeBody, Header: [][2]string{{"x-webhook-signature", sig}}, Err: webhookverify.ErrMissingTimestamp},
		{Name: "tampered", Body: strings.Replace(cashfreeBody, `"payment_amount":2.00`, `"payment_amount":200`, 1),
			Header: cashfreeHeader(sig, cashfreeTimestamp), Err: webhookverify.ErrInvalidSignature},
	}), cashfreeSecret)
}

func TestCashfreeEventMapping(t *testing.T) {
	ts := "1700000000000"
	now := time.UnixMilli(1700000000000)
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"user dropped", `{"data":{"order":{"order_id":"o-3"},"payment":{"payment_status":"USER_DROPPED","payment_amount":10,"payment_currency":"INR"}},"type":"PAYMENT_USER_DROPPED_WEBHOOK"}`,
			webhookverify.Event{Type: "com.cashfree.payment_user_dropped_webhook", Status: webhookverify.StatusExpired, Amount: "10", Currency: "INR",
				Reference: "o-3", Subject: "o-3"}},
		{"a refund's status is not a payment's", `{"data":{"refund":{"refund_status":"SUCCESS"},"payment":{"payment_status":"SUCCESS"}},"type":"REFUND_STATUS_WEBHOOK"}`,
			webhookverify.Event{Type: "com.cashfree.refund_status_webhook"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: cashfreeHeader(cashfreeSig(cashfreeSecret, ts, tt.body), ts), Now: now, Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("cashfree", []string{cashfreeSecret})), cases, cashfreeSecret)
}
