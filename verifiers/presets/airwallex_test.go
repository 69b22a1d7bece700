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

// Airwallex publishes no signed example. Its docs ("Listen for webhook
// events" and its Java code example) sign x-timestamp (Unix milliseconds)
// followed by the raw body, with no separator, with HMAC-SHA256 under the
// webhook's secret, hex, in x-signature. The body is its
// payment_intent.succeeded envelope with the documented PaymentIntent;
// signatures are computed here with crypto/hmac.
const (
	airwallexSecret    = "whsec_airwallex_endpoint_secret"
	airwallexTimestamp = "1357872222592"
	airwallexBody      = `{"id":"evt_100_2019102201549020043_8321220011893766","name":"payment_intent.succeeded","account_id":"78814faa-1b30-4598-a9c8-f0583db8d09d","data":{"object":{"request_id":"d6a92e2a-02e5-c37b-c977-13796ec7443a","id":"int_aaaat9w2hgh8mzi1111","merchant_order_id":"0000000000","amount":16.66,"currency":"USD","captured_amount":16.66,"status":"SUCCEEDED","created_at":"2023-01-13T07:32:05+0000","updated_at":"2023-01-13T07:32:05+0000"}},"created_at":"2023-01-13T07:32:06+0000","version":"2024-02-22"}`
)

func airwallexSig(secret, ts, body string) string {
	return hex.EncodeToString(payMAC(sha256.New, secret, ts, body))
}

func airwallexHeader(sig, ts string) [][2]string {
	return [][2]string{{"x-signature", sig}, {"x-timestamp", ts}}
}

func TestAirwallexSignedByTheDocumentedScheme(t *testing.T) {
	sentAt := time.UnixMilli(1357872222592)
	succeeded := &webhookverify.Event{
		ID:        "evt_100_2019102201549020043_8321220011893766",
		Type:      "com.airwallex.payment_intent.succeeded",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "16.66",
		Currency:  "USD",
		Reference: "0000000000",
		Subject:   "0000000000",
	}
	sig := airwallexSig(airwallexSecret, airwallexTimestamp, airwallexBody)
	payRun(t, verifiertest.Load(t, payBlock("airwallex", []string{airwallexSecret})), payAt(sentAt.Add(2*time.Second), []verifiertest.Case{
		{Name: "payment_intent.succeeded", Body: airwallexBody, Header: airwallexHeader(sig, airwallexTimestamp), Event: succeeded},
		{Name: "signed with a '.' between", Body: airwallexBody,
			Header: airwallexHeader(airwallexSig(airwallexSecret, airwallexTimestamp+".", airwallexBody), airwallexTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "the body alone signed", Body: airwallexBody,
			Header: airwallexHeader(airwallexSig(airwallexSecret, "", airwallexBody), airwallexTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: airwallexBody,
			Header: airwallexHeader(base64.StdEncoding.EncodeToString(payMAC(sha256.New, airwallexSecret, airwallexTimestamp, airwallexBody)), airwallexTimestamp),
			Err:    webhookverify.ErrMalformedSignature},
		{Name: "the secret's whsec_ is part of the key", Body: airwallexBody,
			Header: airwallexHeader(airwallexSig("airwallex_endpoint_secret", airwallexTimestamp, airwallexBody), airwallexTimestamp), Err: webhookverify.ErrInvalidSignature},
		{Name: "a timestamp in seconds is read as milliseconds", Body: airwallexBody,
			Header: airwallexHeader(airwallexSig(airwallexSecret, "1357872222", airwallexBody), "1357872222"), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "6 minutes late", Body: airwallexBody, Header: airwallexHeader(sig, airwallexTimestamp), Now: sentAt.Add(6 * time.Minute),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "tampered", Body: strings.Replace(airwallexBody, `"amount":16.66`, `"amount":1666`, 1),
			Header: airwallexHeader(sig, airwallexTimestamp), Err: webhookverify.ErrInvalidSignature},
	}), airwallexSecret)
}

func TestAirwallexEventMapping(t *testing.T) {
	ts := "1700000000000"
	now := time.UnixMilli(1700000000000)
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"refund.settled", `{"id":"evt_2","name":"refund.settled","data":{"object":{"id":"rfd_1","amount":5,"currency":"AUD","status":"SETTLED"}}}`,
			webhookverify.Event{ID: "evt_2", Type: "com.airwallex.refund.settled", Status: webhookverify.StatusRefunded, Amount: "5", Currency: "AUD"}},
		{"payment_intent.requires_capture", `{"id":"evt_3","name":"payment_intent.requires_capture","data":{"object":{"amount":7,"currency":"HKD","merchant_order_id":"m-3","status":"REQUIRES_CAPTURE"}}}`,
			webhookverify.Event{ID: "evt_3", Type: "com.airwallex.payment_intent.requires_capture", Status: webhookverify.StatusPending,
				Amount: "7", Currency: "HKD", Reference: "m-3", Subject: "m-3"}},
		{"a payout is not a payment status", `{"id":"evt_4","name":"payout.transfer.paid","data":{"object":{"amount":9,"currency":"USD","status":"PAID"}}}`,
			webhookverify.Event{ID: "evt_4", Type: "com.airwallex.payout.transfer.paid", Amount: "9", Currency: "USD"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: airwallexHeader(airwallexSig(airwallexSecret, ts, tt.body), ts), Now: now, Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("airwallex", []string{airwallexSecret})), cases, airwallexSecret)
}
