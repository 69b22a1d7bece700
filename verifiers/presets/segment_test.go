package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Segment publishes no vector. Its docs (Webhooks and Webhooks (Actions)
// destinations): X-Signature is the hex HMAC-SHA1 of the body, keyed with
// the destination's shared secret.
func TestSegment(t *testing.T) {
	const secret = "segment-shared-secret-0123"
	body := `{"type":"track","event":"Order Completed","messageId":"ajs-next-1700000000000-4bd8","timestamp":"2023-11-14T22:13:20.000Z",` +
		`"userId":"user-1","properties":{"total":10}}`
	v := verifiertest.Load(t, "segment {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-Signature", s}} }
	track := &webhookverify.Event{ID: "ajs-next-1700000000000-4bd8", Type: "track", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA1Hex(secret, body)), Event: track},
		{Name: "PUT (Webhooks Actions)", Method: "PUT", Body: body, Header: sig(othersSHA1Hex(secret, body)), Event: track},
		{Name: "tampered body", Body: body + " ", Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "SHA-256", Body: body, Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "sha1= prefix", Body: body, Header: sig("sha1=" + othersSHA1Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
