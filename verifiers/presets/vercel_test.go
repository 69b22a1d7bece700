package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Vercel publishes no vector. Its docs: x-vercel-signature is the hex
// HMAC-SHA1 of the body, keyed with the webhook's secret (or an
// integration's client secret), with no prefix.
func TestVercel(t *testing.T) {
	const secret = "vercel-webhook-secret-0123456789"
	body := `{"id":"Ad8TLd2jh9Kd9hcSHAad","type":"deployment.created","createdAt":1700000000000,"region":"sfo1",` +
		`"payload":{"deployment":{"id":"dpl_2euZBFqxYdDMDG1jTrHFnNZ2eUVa"},"project":{"id":"prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"}}}`
	v := verifiertest.Load(t, "vercel {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"x-vercel-signature", s}} }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA1Hex(secret, body)), Event: &webhookverify.Event{
			ID: "Ad8TLd2jh9Kd9hcSHAad", Type: "deployment.created", Time: time.UnixMilli(1700000000000).UTC(),
		}},
		{Name: "tampered body", Body: body + " ", Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "SHA-256", Body: body, Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "sha1= prefix", Body: body, Header: sig("sha1=" + othersSHA1Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
