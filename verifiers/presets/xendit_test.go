package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Xendit sends the account's callback verification token, as is, in
// x-callback-token (docs.xendit.co/api-integration/callback/setup). The
// body is an invoice callback with the fields of xendit/xendit-php
// docs/Invoice/InvoiceCallback.md.
const (
	xenditToken = "xnd-callback-token-0123456789"
	xenditBody  = `{"id":"579c8d61f23fa4ca35e52da4","external_id":"invoice_123124123","user_id":"5781d19b2e2385880609791c",` +
		`"is_high":false,"payment_method":"BANK_TRANSFER","status":"PAID","merchant_name":"Xendit","amount":50000,` +
		`"paid_amount":50000,"bank_code":"PERMATA","paid_at":"2016-10-12T08:15:03.404Z","payer_email":"wildan@xendit.co",` +
		`"description":"This is a description","created":"2016-10-12T08:15:03.404Z","updated":"2016-10-12T08:15:03.404Z",` +
		`"currency":"IDR","payment_channel":"PERMATA","payment_destination":"888888888888"}`
)

func TestXendit(t *testing.T) {
	v := verifiertest.Load(t, "xendit {\n secret "+xenditToken+"\n}")
	tok := func(values ...string) [][2]string {
		var h [][2]string
		for _, s := range values {
			h = append(h, [2]string{"X-Callback-Token", s})
		}
		return h
	}
	paid := &webhookverify.Event{
		Type: "com.xendit", Time: time.Date(2016, 10, 12, 8, 15, 3, 404e6, time.UTC),
		Status: webhookverify.StatusSucceeded, Amount: "50000", Currency: "IDR", Reference: "invoice_123124123",
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "right token", Body: xenditBody, Header: tok(xenditToken), Event: paid},
		{Name: "header name in lower case", Body: xenditBody, Header: [][2]string{{"x-callback-token", xenditToken}}, Event: paid},
		{Name: "expired invoice", Body: `{"id":"a","external_id":"inv-2","status":"EXPIRED","amount":1,"currency":"PHP"}`, Header: tok(xenditToken),
			Event: &webhookverify.Event{Type: "com.xendit", Status: webhookverify.StatusExpired, Amount: "1", Currency: "PHP", Reference: "inv-2"}},
		{Name: "a newer callback names its event", Body: `{"event":"payment.capture","data":{"status":"SUCCEEDED"}}`, Header: tok(xenditToken),
			Event: &webhookverify.Event{Type: "com.xendit.payment.capture"}},
		{Name: "wrong token", Body: xenditBody, Header: tok("xnd-callback-token-012345678"), Err: webhookverify.ErrInvalidToken},
		{Name: "Bearer is not Xendit's", Body: xenditBody, Header: tok("Bearer " + xenditToken), Err: webhookverify.ErrInvalidToken},
		{Name: "missing", Body: xenditBody, Err: webhookverify.ErrMissingToken},
		{Name: "in another header", Body: xenditBody, Header: [][2]string{{"Authorization", xenditToken}}, Err: webhookverify.ErrMissingToken},
		{Name: "empty", Body: xenditBody, Header: tok(""), Err: webhookverify.ErrMissingToken},
		{Name: "repeated", Body: xenditBody, Header: tok(xenditToken, xenditToken), Err: webhookverify.ErrInvalidToken},
		{Name: "GET", Method: "GET", Body: xenditBody, Header: tok(xenditToken), Err: webhookverify.ErrMethodNotAllowed},
	})
	verifiertest.SecretsStayHidden(t, xenditToken, "xendit {\n secret "+xenditToken+"\n}", []verifiertest.Case{
		{Name: "wrong", Body: xenditBody, Header: tok("x" + xenditToken)},
		{Name: "repeated", Body: xenditBody, Header: tok(xenditToken, "x")},
	}, "xendit {\n secret "+xenditToken+"\n tolerance 5m\n}")
	if _, err := verifiertest.TryLoad("xendit {\n secret s\n tolerance 5m\n}"); err == nil {
		t.Error("tolerance accepted for a token")
	}
}
