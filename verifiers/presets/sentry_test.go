package presets_test

import (
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Sentry publishes no vector. Its docs and getsentry/integration-platform-example
// (verifySentrySignature): Sentry-Hook-Signature is the hex HMAC-SHA256 of
// the body, which Sentry sends as compact JSON, keyed with the
// integration's client secret. Sentry-Hook-Timestamp is not signed.
func TestSentry(t *testing.T) {
	const secret = "sentry-client-secret-0123456789abcdef"
	body := `{"action":"created","installation":{"uuid":"7a485448-a9e2-4c85-8a3c-4f44175783c9"},` +
		`"data":{"issue":{"id":"1170820242","shortId":"APP-1","status":"unresolved"}},"actor":{"type":"application","id":"sentry","name":"Sentry"}}`
	v := verifiertest.Load(t, "sentry {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string {
		return [][2]string{{"Request-ID", "a1b2c3"}, {"Sentry-Hook-Resource", "issue"}, {"Sentry-Hook-Timestamp", "1700000000"}, {"Sentry-Hook-Signature", s}}
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA256Hex(secret, body)), Event: &webhookverify.Event{}},
		{Name: "tampered body", Body: body + " ", Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "timestamp is not signed", Body: body, Header: sig(othersSHA256Hex(secret, "1700000000", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "SHA-1", Body: body, Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong secret", Body: body, Header: sig(othersSHA256Hex("other", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
