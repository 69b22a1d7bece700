package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Intercom's docs give an example signature but not its secret. The scheme:
// X-Hub-Signature is "sha1=" and the hex HMAC-SHA1 of the body, keyed with
// the app's client secret.
func TestIntercom(t *testing.T) {
	const secret = "intercom-client-secret-0123456789"
	body := `{"type":"notification_event","app_id":"a86dr8yl","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"user.created",` +
		`"created_at":1700000000,"data":{"type":"notification_event_data","item":{"type":"user","id":"530370b477ad7120001d","user_id":"25"}}}`
	v := verifiertest.Load(t, "intercom {\n secret "+secret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-Hub-Signature", s}} }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig("sha1=" + othersSHA1Hex(secret, body)), Event: &webhookverify.Event{
			ID: "notif_78c122d0-23ba-11e4-9464-79b01267cc2e", Type: "user.created", Time: time.Unix(1700000000, 0).UTC(),
		}},
		{Name: "tampered body", Body: body + " ", Header: sig("sha1=" + othersSHA1Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "no prefix", Body: body, Header: sig(othersSHA1Hex(secret, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "SHA-256", Body: body, Header: sig("sha1=" + othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "X-Hub-Signature-256", Body: body, Header: [][2]string{{"X-Hub-Signature-256", "sha1=" + othersSHA1Hex(secret, body)}}, Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: "GET", Body: body, Header: sig("sha1=" + othersSHA1Hex(secret, body)), Err: webhookverify.ErrMethodNotAllowed},
	})
}
