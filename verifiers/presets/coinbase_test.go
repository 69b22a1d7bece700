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

// Coinbase Commerce's published vector: coinbase/coinbase-commerce-node
// @d46c596, test/testWebhook.spec.js lines 12–14 (secret, payload,
// X-CC-Webhook-Signature), and line 23's wrong secret.
const (
	coinbaseSecret      = "30291a20-0bd1-4267-9b0f-e6e7b123c0bf"
	coinbaseWrongSecret = "30291a20-0bd1-4267-9b0f-e6e7b123c0bg"
	coinbaseSignature   = "8be7742c7d372f08a6a3224edadf18a22b65fa9e28f3f2de97376cdaa092590d"
	coinbaseBody        = `{"id":1,"scheduled_for":"2017-01-31T20:50:02Z","attempt_number":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","type":"charge:created","api_version":"2018-03-22","created_at":"2017-01-31T20:49:02Z","data":{"code":"66BEOV2A","name":"The Sovereign Individual","description":"Mastering the Transition to the Information Age","hosted_url":"https://commerce.coinbase.com/charges/66BEOV2A","created_at":"2017-01-31T20:49:02Z","expires_at":"2017-01-31T21:04:02Z","timeline":[{"time":"2017-01-31T20:49:02Z","status":"NEW"}],"metadata":{},"pricing_type":"no_price","payments":[],"addresses":{"bitcoin":"0000000000000000000000000000000000","ethereum":"0x0000000000000000000000000000000000000000","litecoin":"3000000000000000000000000000000000","bitcoincash":"bitcoincash:000000000000000000000000000000000000000000"}}}}`
)

func coinbaseHeader(sig string) [][2]string { return [][2]string{{"X-CC-Webhook-Signature", sig}} }

func TestCoinbaseVectors(t *testing.T) {
	created := &webhookverify.Event{
		ID:        "24934862-d980-46cb-9402-43c81b0cdba6",
		Type:      "com.coinbase.commerce.charge.created",
		Time:      time.Date(2017, 1, 31, 20, 49, 2, 0, time.UTC),
		Status:    webhookverify.StatusPending,
		Reference: "66BEOV2A",
	}
	payRun(t, verifiertest.Load(t, payBlock("coinbase", []string{coinbaseSecret})), []verifiertest.Case{
		{Name: "published vector", Body: coinbaseBody, Header: coinbaseHeader(coinbaseSignature), Event: created},
		{Name: "tampered", Body: strings.Replace(coinbaseBody, "charge:created", "charge:confirmed", 1),
			Header: coinbaseHeader(coinbaseSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: coinbaseBody, Err: webhookverify.ErrMissingSignature},
	}, coinbaseSecret)
	payRun(t, verifiertest.Load(t, payBlock("coinbase", []string{coinbaseWrongSecret})), []verifiertest.Case{
		{Name: "published wrong secret", Body: coinbaseBody, Header: coinbaseHeader(coinbaseSignature), Err: webhookverify.ErrInvalidSignature},
	}, coinbaseWrongSecret)
}

// Events of the shape of Coinbase's webhook-fields example, signed here by
// the documented scheme.
func TestCoinbaseEventMapping(t *testing.T) {
	const secret = "cc-shared-secret"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"charge:confirmed",
			`{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2023-08-30T19:29:20Z","data":{"id":"2aee9dd1","code":"XA6G6ZFR","pricing":{"local":{"amount":"1.00","currency":"USD"},"settlement":{"amount":"1","currency":"USDC"}}},"id":"ev-9","resource":"event","type":"charge:confirmed"},"id":"wh-1"}`,
			webhookverify.Event{ID: "ev-9", Type: "com.coinbase.commerce.charge.confirmed", Time: time.Date(2023, 8, 30, 19, 29, 20, 0, time.UTC),
				Status: webhookverify.StatusSucceeded, Amount: "1.00", Currency: "USD", Reference: "XA6G6ZFR"}},
		{"charge:failed", `{"event":{"id":"ev-10","type":"charge:failed","data":{"code":"C2"}}}`,
			webhookverify.Event{ID: "ev-10", Type: "com.coinbase.commerce.charge.failed", Status: webhookverify.StatusFailed, Reference: "C2"}},
		{"an unknown event type", `{"event":{"id":"ev-11","type":"charge:mystery"}}`,
			webhookverify.Event{ID: "ev-11", Type: "com.coinbase.commerce.charge.mystery", Status: webhookverify.StatusUnknown}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: coinbaseHeader(hex.EncodeToString(payMAC(sha256.New, secret, tt.body))), Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("coinbase", []string{secret})), cases, secret)
}
