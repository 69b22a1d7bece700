package presets_test

import (
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Dropbox publishes no vector. Its docs: X-Dropbox-Signature is the hex
// HMAC-SHA256 of the body, keyed with the app secret. The one vector found
// is third-party: hapi-dropbox-webhooks@1.1.0 test/index.js.
func TestDropbox(t *testing.T) {
	sig := func(s string) [][2]string { return [][2]string{{"X-Dropbox-Signature", s}} }

	hapi := verifiertest.Load(t, "dropbox {\n secret the_secret\n}")
	verifiertest.Run(t, hapi, []verifiertest.Case{
		{Name: "hapi-dropbox-webhooks vector", Body: `{"delta": {"users": [12345]}}`,
			Header: sig("0a8c16b085420b960dc78664279fe09e936a2a01b1f91064869d9e77dfd64529"), Event: &webhookverify.Event{}},
	})

	const secret = "dropbox-app-secret-0123"
	body := `{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345678]}}`
	v := verifiertest.Load(t, "dropbox {\n secret "+secret+"\n}")
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA256Hex(secret, body)), Event: &webhookverify.Event{}},
		{Name: "tampered body", Body: body + " ", Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: body, Header: sig(othersSHA256Base64(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "SHA-1", Body: body, Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		// The verification GET is answered by the handler before Verify
		// (UnsignedChallenge, challenge_test.go); Verify itself refuses GET.
		{Name: "challenge GET", Method: "GET", Target: "/hooks?challenge=abc123", Err: webhookverify.ErrMethodNotAllowed},
	})
}
