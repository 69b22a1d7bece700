package presets_test

import (
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Bitbucket publishes no vector. Atlassian's docs: X-Hub-Signature is
// "sha256=" and the hex HMAC-SHA256 of the body, keyed with the webhook's
// secret. The event key (X-Event-Key) and the request id are not signed,
// so nothing is read from them.
func TestBitbucket(t *testing.T) {
	const secret = "bitbucket-webhook-secret-0123456789"
	body := `{"push":{"changes":[{"new":{"type":"branch","name":"main"}}]},"repository":{"type":"repository","full_name":"acme/app","uuid":"{0d2d8a0c-7d0e-4c1b-9f7e-1d7f1e2d3c4b}"}}`
	v := verifiertest.Load(t, "bitbucket {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string {
		return [][2]string{{"X-Event-Key", "repo:push"}, {"X-Request-UUID", "a1b2c3"}, {"X-Hub-Signature", s}}
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig("sha256=" + othersSHA256Hex(secret, body)), Event: &webhookverify.Event{}},
		{Name: "tampered body", Body: body + " ", Header: sig("sha256=" + othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "no prefix", Body: body, Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "sha1", Body: body, Header: sig("sha1=" + othersSHA1Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "base64", Body: body, Header: sig("sha256=" + othersSHA256Base64(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "wrong secret", Body: body, Header: sig("sha256=" + othersSHA256Hex("other", body)), Err: webhookverify.ErrInvalidSignature},
	})
}
