package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Typeform publishes no vector. Its docs ("Secure your webhooks"):
// Typeform-Signature is "sha256=" and the base64 HMAC-SHA256 of the body,
// keyed with the webhook's secret.
func TestTypeform(t *testing.T) {
	const secret = "typeform-secret-0123456789abcdef"
	body := `{"event_id":"01HFB6T2N5RJ0Z7MZJ3J8Q2D4E","event_type":"form_response","form_response":{"form_id":"lT4Z3j",` +
		`"token":"a3a12ec67a1365927098a606107fac15","landed_at":"2023-11-14T22:12:00Z","submitted_at":"2023-11-14T22:13:20Z","answers":[]}}`
	v := verifiertest.Load(t, "typeform {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"Typeform-Signature", s}} }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig("sha256=" + othersSHA256Base64(secret, body)), Event: &webhookverify.Event{
			ID: "01HFB6T2N5RJ0Z7MZJ3J8Q2D4E", Type: "form_response", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
		}},
		{Name: "tampered body", Body: body + " ", Header: sig("sha256=" + othersSHA256Base64(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "hex", Body: body, Header: sig("sha256=" + othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "no prefix", Body: body, Header: sig(othersSHA256Base64(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "wrong secret", Body: body, Header: sig("sha256=" + othersSHA256Base64("other", body)), Err: webhookverify.ErrInvalidSignature},
	})
}
