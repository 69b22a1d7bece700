package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Linear publishes no vector. Its SDK (@linear/sdk, LinearWebhookClient.verify)
// compares Linear-Signature with the hex HMAC-SHA256 of the raw body.
func TestLinear(t *testing.T) {
	const secret = "lin_wh_0123456789abcdef0123456789abcdef"
	body := `{"action":"create","type":"Issue","createdAt":"2023-11-14T22:13:20.000Z","data":{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","title":"Bug"},` +
		`"url":"https://linear.app/acme/issue/ENG-1","webhookTimestamp":1700000000000,"webhookId":"000042e3-d123-4980-b49f-8e140eef9329"}`
	noAction := `{"type":"IssueSLA","createdAt":"2023-11-14T22:13:20.000Z","webhookTimestamp":1700000000000}`
	v := verifiertest.Load(t, "linear {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"Linear-Signature", s}} }
	at := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA256Hex(secret, body)), Event: &webhookverify.Event{Type: "Issue.create", Time: at}},
		{Name: "no action", Body: noAction, Header: sig(othersSHA256Hex(secret, noAction)), Event: &webhookverify.Event{Type: "IssueSLA", Time: at}},
		{Name: "tampered body", Body: body + "\n", Header: sig(othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "sha256= prefix", Body: body, Header: sig("sha256=" + othersSHA256Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "SHA-1", Body: body, Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong secret", Body: body, Header: sig(othersSHA256Hex("other", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
