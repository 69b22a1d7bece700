package presets_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Revolut publishes no signed example: its docs ("Webhook signature
// verification", Merchant API and Business API) give a signing secret, a
// Revolut-Request-Timestamp and a body but not their signature. The
// signatures are computed here by the documented formula,
// "v1=" + hex(HMAC-SHA256(secret, "v1." + timestamp + "." + body)), and
// pinned.
const (
	revolutSecret    = "wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8"
	revolutTimestamp = "1683650202360"
	revolutOrderBody = `{"event": "ORDER_COMPLETED","order_id": "9fc01989-3f61-4484-a5d9-ffe768531be9","merchant_order_ext_ref": "Test #3928"}`
	revolutOrderSig  = "v1=281b1f1aebe9357b7b128fd6a3aae0fe202c901add4ce75e6d038e498871d7fd"
	revolutTxBody    = `{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}`
	revolutTxSig     = "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0"
)

// revolutSig signs as Revolut documents.
func revolutSig(secret, ts, body string) string {
	return "v1=" + hex.EncodeToString(payMAC(sha256.New, secret, "v1.", ts, ".", body))
}

func revolutHeader(sig, ts string) [][2]string {
	return [][2]string{{"Revolut-Signature", sig}, {"Revolut-Request-Timestamp", ts}}
}

func TestRevolutDocumentedInputs(t *testing.T) {
	if got := revolutSig(revolutSecret, revolutTimestamp, revolutOrderBody); got != revolutOrderSig {
		t.Fatalf("the formula gives %s for the merchant example, pinned %s", got, revolutOrderSig)
	}
	if got := revolutSig(revolutSecret, revolutTimestamp, revolutTxBody); got != revolutTxSig {
		t.Fatalf("the formula gives %s for the business example, pinned %s", got, revolutTxSig)
	}
	sentAt := time.UnixMilli(1683650202360)
	completed := &webhookverify.Event{
		Type:      "com.revolut.order_completed",
		Status:    webhookverify.StatusSucceeded,
		Reference: "Test #3928",
		Subject:   "Test #3928",
	}
	seconds := revolutSig(revolutSecret, "1683650202", revolutOrderBody)
	payRun(t, verifiertest.Load(t, payBlock("revolut", []string{revolutSecret})), payAt(sentAt.Add(time.Second), []verifiertest.Case{
		{Name: "merchant example", Body: revolutOrderBody, Header: revolutHeader(revolutOrderSig, revolutTimestamp), Event: completed},
		{Name: "business example", Body: revolutTxBody, Header: revolutHeader(revolutTxSig, revolutTimestamp),
			Event: &webhookverify.Event{Type: "com.revolut.transactionstatechanged", Time: time.Date(2023, 5, 9, 16, 36, 38, 28960000, time.UTC)}},
		{Name: "rotation: two signatures, the second valid", Body: revolutOrderBody,
			Header: revolutHeader("v1="+strings.Repeat("ab", 32)+","+revolutOrderSig, revolutTimestamp), Event: completed},
		{Name: "4 minutes late", Body: revolutOrderBody, Header: revolutHeader(revolutOrderSig, revolutTimestamp), Now: sentAt.Add(4 * time.Minute), Event: completed},
		{Name: "6 minutes late", Body: revolutOrderBody, Header: revolutHeader(revolutOrderSig, revolutTimestamp), Now: sentAt.Add(6 * time.Minute),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "a timestamp in seconds is read as milliseconds", Body: revolutOrderBody, Header: revolutHeader(seconds, "1683650202"),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "no timestamp", Body: revolutOrderBody, Header: [][2]string{{"Revolut-Signature", revolutOrderSig}}, Err: webhookverify.ErrMissingTimestamp},
		{Name: "without v1=", Body: revolutOrderBody, Header: revolutHeader(revolutOrderSig[3:], revolutTimestamp), Err: webhookverify.ErrMalformedSignature},
		{Name: "the body alone signed", Body: revolutOrderBody,
			Header: revolutHeader("v1="+hex.EncodeToString(payMAC(sha256.New, revolutSecret, revolutOrderBody)), revolutTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered", Body: strings.Replace(revolutOrderBody, "Test #3928", "Test #3929", 1),
			Header: revolutHeader(revolutOrderSig, revolutTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "another timestamp", Body: revolutOrderBody, Header: revolutHeader(revolutOrderSig, "1683650202361"), Err: webhookverify.ErrInvalidSignature},
	}), revolutSecret)
}

func TestRevolutEventMapping(t *testing.T) {
	const secret = "wsk_test"
	ts := "1700000000000"
	now := time.UnixMilli(1700000000000)
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"declined", `{"event":"ORDER_PAYMENT_DECLINED","order_id":"o-2","merchant_order_ext_ref":"inv-2"}`,
			webhookverify.Event{Type: "com.revolut.order_payment_declined", Status: webhookverify.StatusFailed, Reference: "inv-2", Subject: "inv-2"}},
		{"authorised", `{"event":"ORDER_AUTHORISED","order_id":"o-3"}`,
			webhookverify.Event{Type: "com.revolut.order_authorised", Status: webhookverify.StatusPending}},
		{"payouts are not payments", `{"event":"PAYOUT_COMPLETED","payout_id":"p-1"}`,
			webhookverify.Event{Type: "com.revolut.payout_completed"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: revolutHeader(revolutSig(secret, ts, tt.body), ts), Now: now, Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("revolut", []string{secret})), cases, secret)
}
