package presets_test

import (
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Veriff publishes no vector. Its docs ("HMAC Authentication and Endpoint
// Security"): X-HMAC-SIGNATURE is the hex HMAC-SHA256 of the payload body,
// keyed with the integration's shared secret key.
func TestVeriff(t *testing.T) {
	const secret = "abcdef12-abcd-abcd-abcd-abcdef012345"
	decision := `{"status":"success","verification":{"id":"12df6045-3846-3e45-946a-14fa6136d78b","code":9001,"status":"approved",` +
		`"decisionTime":"2023-11-14T22:13:20.000Z","vendorData":"12345678"},"technicalData":{"ip":"186.153.67.122"}}`
	event := `{"id":"f04bdb47-d3be-4b28-b028-a652feb060b5","attemptId":"e30122d1-740b-4764-853f-470374a7abf4","feature":"selfid","code":7002,"action":"submitted"}`
	v := verifiertest.Load(t, "veriff {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-AUTH-CLIENT", "api-key"}, {"X-HMAC-SIGNATURE", s}} }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "decision webhook", Body: decision, Header: sig(othersSHA256Hex(secret, decision)), Event: &webhookverify.Event{}},
		{Name: "event webhook", Body: event, Header: sig(othersSHA256Hex(secret, event)), Event: &webhookverify.Event{}},
		{Name: "tampered body", Body: decision + " ", Header: sig(othersSHA256Hex(secret, decision)), Err: webhookverify.ErrInvalidSignature},
		{Name: "legacy X-Signature", Body: decision, Header: [][2]string{{"X-Signature", othersSHA256Hex(secret, decision)}}, Err: webhookverify.ErrMissingSignature},
		{Name: "SHA-1", Body: decision, Header: sig(othersSHA1Hex(secret, decision)), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: decision, Header: sig(othersSHA256Base64(secret, decision)), Err: webhookverify.ErrMalformedSignature},
	})
}
