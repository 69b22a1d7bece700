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

// Lemon Squeezy publishes no signed example. Its docs ("Signing Requests")
// say X-Signature is the HMAC-SHA256 hex digest of the body under the
// webhook's signing secret; the body is the order_created example of
// "Webhook Requests", shortened, and the signatures are computed here with
// crypto/hmac.
const (
	lemonSecret = "ls-signing-secret"
	lemonOrder  = `{"meta":{"event_name":"order_created","custom_data":{"customer_id":25}},"data":{"type":"orders","id":"1","attributes":{"store_id":1,"customer_id":1,"identifier":"104e18a2-d755-4d4b-80c4-a6c1dcbe1c10","order_number":1,"user_name":"John Doe","currency":"USD","currency_rate":"1.0000","subtotal":999,"discount_total":0,"tax":200,"total":1199,"tax_name":"VAT","tax_rate":"20.00","status":"paid","status_formatted":"Paid","refunded":false,"refunded_at":null,"created_at":"2021-08-17T09:45:53.000000Z","updated_at":"2021-08-17T09:45:53.000000Z","test_mode":false}}}`
)

func lemonSig(secret, body string) string {
	return hex.EncodeToString(payMAC(sha256.New, secret, body))
}

func lemonHeader(sig string) [][2]string {
	return [][2]string{{"X-Event-Name", "order_created"}, {"X-Signature", sig}}
}

func TestLemonSqueezySignedByTheDocumentedScheme(t *testing.T) {
	order := &webhookverify.Event{
		Type:      "com.lemonsqueezy.order_created",
		Time:      time.Date(2021, 8, 17, 9, 45, 53, 0, time.UTC),
		Status:    webhookverify.StatusSucceeded,
		Amount:    "1199",
		Currency:  "USD",
		Reference: "104e18a2-d755-4d4b-80c4-a6c1dcbe1c10",
	}
	sig := lemonSig(lemonSecret, lemonOrder)
	payRun(t, verifiertest.Load(t, payBlock("lemonsqueezy", []string{lemonSecret})), []verifiertest.Case{
		{Name: "order_created", Body: lemonOrder, Header: lemonHeader(sig), Event: order},
		{Name: "tampered total", Body: strings.Replace(lemonOrder, `"total":1199`, `"total":1`, 1), Header: lemonHeader(sig), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: lemonOrder, Header: lemonHeader(base64.StdEncoding.EncodeToString(payMAC(sha256.New, lemonSecret, lemonOrder))),
			Err: webhookverify.ErrMalformedSignature},
		{Name: "another secret", Body: lemonOrder, Header: lemonHeader(lemonSig("other", lemonOrder)), Err: webhookverify.ErrInvalidSignature},
	}, lemonSecret)
}

func TestLemonSqueezyEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"order_refunded", `{"meta":{"event_name":"order_refunded"},"data":{"type":"orders","id":"2","attributes":{"identifier":"o-2","total":500,"currency":"EUR","status":"refunded","updated_at":"2024-02-01T10:00:00.000000Z"}}}`,
			webhookverify.Event{Type: "com.lemonsqueezy.order_refunded", Time: time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC),
				Status: webhookverify.StatusRefunded, Amount: "500", Currency: "EUR", Reference: "o-2"}},
		{"subscription_payment_failed", `{"meta":{"event_name":"subscription_payment_failed"},"data":{"type":"subscription-invoices","id":"3","attributes":{"total":999,"currency":"USD","status":"failed"}}}`,
			webhookverify.Event{Type: "com.lemonsqueezy.subscription_payment_failed", Status: webhookverify.StatusFailed, Amount: "999", Currency: "USD"}},
		{"a subscription's status is not a payment's", `{"meta":{"event_name":"subscription_cancelled"},"data":{"type":"subscriptions","id":"4","attributes":{"status":"cancelled"}}}`,
			webhookverify.Event{Type: "com.lemonsqueezy.subscription_cancelled"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: [][2]string{{"X-Signature", lemonSig(lemonSecret, tt.body)}}, Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("lemonsqueezy", []string{lemonSecret})), cases, lemonSecret)
}
