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

// Checkout.com publishes no signed example. Its docs say Cko-Signature is
// the hex HMAC-SHA256 of the payload under the webhook's signature key; the
// bodies are its payment_captured examples (webhook event types, the
// previous and the current shape), compacted, and the signatures are
// computed here with crypto/hmac.
const (
	checkoutSecret   = "ab1c2d3e-cko-signature-key"
	checkoutCaptured = `{"id":"evt_6aznipgxbuaure3qen5qbzyswy","type":"payment_captured","created_on":"2019-06-07T08:25:22Z","data":{"action_id":"act_gse7gcrhleuedmzhq25n3mhweq","response_code":"10000","response_summary":"Approved","amount":10000,"processing":{"acquirer_transaction_id":"8137549557","acquirer_reference_number":"000220552364"},"id":"pay_waji5li3mqtetnaor77xmow4bq","currency":"EUR","processed_on":"2019-06-07T08:25:22Z","reference":"ORD-5023-4E89"},"_links":{"self":{"href":"https://api.sandbox.checkout.com/events/evt_6aznipgxbuaure3qen5qbzyswy"},"payment":{"href":"https://api.sandbox.checkout.com/payments/pay_waji5li3mqtetnaor77xmow4bq"}}}`
	checkoutWorkflow = `{"id":"evt_fkfqht6yonme7bk7jawrgzbbxq","source":"gwc_notifier1","type":"payment_captured","timestamp":"2023-05-24T09:12:32.357+00:00","version":"1.0.29","data":{"id":"pay_vti5layihapu5bhbn5tjtk6eem","action_id":"act_uqlj3642dyyuroivzdwfg2fysq","reference":"ORD-5023-4E89","amount":20,"processed_on":"2023-05-24T09:12:27.4695512Z","response_code":"10000","response_summary":"Approved","currency":"EUR"}}`
)

func checkoutSig(secret, body string) string {
	return hex.EncodeToString(payMAC(sha256.New, secret, body))
}

func checkoutHeader(sig string) [][2]string { return [][2]string{{"Cko-Signature", sig}} }

func TestCheckoutSignedByTheDocumentedScheme(t *testing.T) {
	captured := &webhookverify.Event{
		ID:        "evt_6aznipgxbuaure3qen5qbzyswy",
		Type:      "com.checkout.payment_captured",
		Time:      time.Date(2019, 6, 7, 8, 25, 22, 0, time.UTC),
		Status:    webhookverify.StatusSucceeded,
		Amount:    "10000",
		Currency:  "EUR",
		Reference: "ORD-5023-4E89",
		Subject:   "ORD-5023-4E89",
	}
	sig := checkoutSig(checkoutSecret, checkoutCaptured)
	v := verifiertest.Load(t, payBlock("checkout", []string{checkoutSecret}))
	payEvent(t, v, verifiertest.Case{Name: "workflow shape: time from timestamp", Body: checkoutWorkflow,
		Header: checkoutHeader(checkoutSig(checkoutSecret, checkoutWorkflow))},
		webhookverify.Event{ID: "evt_fkfqht6yonme7bk7jawrgzbbxq", Type: "com.checkout.payment_captured",
			Time: time.Date(2023, 5, 24, 9, 12, 32, 357e6, time.UTC), Status: webhookverify.StatusSucceeded,
			Amount: "20", Currency: "EUR", Reference: "ORD-5023-4E89", Subject: "ORD-5023-4E89"})
	payRun(t, v, []verifiertest.Case{
		{Name: "payment_captured", Body: checkoutCaptured, Header: checkoutHeader(sig), Event: captured},
		{Name: "lowercase header name", Body: checkoutCaptured, Header: [][2]string{{"cko-signature", sig}}, Event: captured},
		{Name: "tampered amount", Body: strings.Replace(checkoutCaptured, `"amount":10000`, `"amount":90000`, 1), Header: checkoutHeader(sig),
			Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: checkoutCaptured, Header: checkoutHeader(base64.StdEncoding.EncodeToString(payMAC(sha256.New, checkoutSecret, checkoutCaptured))),
			Err: webhookverify.ErrMalformedSignature},
		{Name: "the Authorization header is not the signature", Body: checkoutCaptured, Header: [][2]string{{"Authorization", sig}},
			Err: webhookverify.ErrMissingSignature},
	}, checkoutSecret)
}

func TestCheckoutEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"declined", `{"id":"evt_2","type":"payment_declined","created_on":"2024-01-01T00:00:00Z","data":{"id":"pay_2","amount":500,"currency":"GBP","reference":"o-2"}}`,
			webhookverify.Event{ID: "evt_2", Type: "com.checkout.payment_declined", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
				Status: webhookverify.StatusFailed, Amount: "500", Currency: "GBP", Reference: "o-2", Subject: "o-2"}},
		{"refunded", `{"id":"evt_3","type":"payment_refunded","data":{"amount":500,"currency":"GBP"}}`,
			webhookverify.Event{ID: "evt_3", Type: "com.checkout.payment_refunded", Status: webhookverify.StatusRefunded, Amount: "500", Currency: "GBP"}},
		{"a dispute is not a payment status", `{"id":"evt_4","type":"dispute_received","data":{"amount":500,"currency":"GBP"}}`,
			webhookverify.Event{ID: "evt_4", Type: "com.checkout.dispute_received", Amount: "500", Currency: "GBP"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: checkoutHeader(checkoutSig(checkoutSecret, tt.body)), Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("checkout", []string{checkoutSecret})), cases, checkoutSecret)
}
