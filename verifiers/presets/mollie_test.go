package presets_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Mollie publishes no vector. Its docs: X-Mollie-Signature is the hex
// HMAC-SHA256 of the raw body under the webhook's signing secret; its PHP
// SDK (src/Webhooks/SignatureValidator.php) strips an optional "sha256="
// and accepts any of several signature values. The signatures here are
// computed with crypto/hmac.
func TestMollie(t *testing.T) {
	const secret = "mollie-signing-secret-0123456789"
	body := `{"resource":"event","id":"event_GvJ8WHrp5isUdRub9CJyH","type":"payment-link.paid","entityId":"pl_qng5gbbv8NAZ5gpM5ZYgx",` +
		`"createdAt":"2023-11-14T22:13:20.0Z","_links":{"self":{"href":"https://api.mollie.com/v2/events/event_GvJ8WHrp5isUdRub9CJyH","type":"application/hal+json"}}}`
	v := verifiertest.Load(t, "mollie {\n secret "+secret+"\n}")
	sig := func(values ...string) [][2]string {
		var h [][2]string
		for _, s := range values {
			h = append(h, [2]string{"X-Mollie-Signature", s})
		}
		return h
	}
	good := othersSHA256Hex(secret, body)
	other := othersSHA256Hex("previous-secret", body)
	paid := &webhookverify.Event{ID: "event_GvJ8WHrp5isUdRub9CJyH", Type: "payment-link.paid", Subject: "pl_qng5gbbv8NAZ5gpM5ZYgx",
		Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "hex, no prefix", Body: body, Header: sig(good), Event: paid},
		{Name: "with sha256=", Body: body, Header: sig("sha256=" + good), Event: paid},
		{Name: "uppercase hex", Body: body, Header: sig(strings.ToUpper(good)), Event: paid},
		{Name: "several values, the valid one second", Body: body, Header: sig("sha256="+other, good), Event: paid},
		{Name: "several in one value", Body: body, Header: sig(other + ",sha256=" + good), Event: paid},
		{Name: "another secret", Body: body, Header: sig(other), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: strings.Replace(body, "paid", "failed", 1), Header: sig(good), Err: webhookverify.ErrInvalidSignature},
		{Name: "another prefix", Body: body, Header: sig("sha512=" + good), Err: webhookverify.ErrMalformedSignature},
		{Name: "base64", Body: body, Header: sig(othersSHA256Base64(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "classic webhook: unsigned", Body: "id=tr_WDqYK6vllg", Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: "GET", Body: body, Header: sig(good), Err: webhookverify.ErrMethodNotAllowed},
	})
}
