package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Alchemy publishes no vector. Its docs (Webhooks quickstart,
// isValidSignatureForStringBody): X-Alchemy-Signature is the hex
// HMAC-SHA256 of the raw body, keyed with the webhook's signing key.
func TestAlchemy(t *testing.T) {
	const key = "whsec_test_alchemy_signing_key"
	body := `{"webhookId":"wh_octjglnywaupz6th","id":"whevt_ogrc5v64myey69ux","createdAt":"2022-02-28T17:48:53.306Z","type":"ADDRESS_ACTIVITY",` +
		`"event":{"network":"MATIC_MAINNET","activity":[{"fromAddress":"0x503828976d22510aad0201ac7ec88293211d23da","value":293.092129}]}}`
	v := verifiertest.Load(t, "alchemy {\n secret "+key+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-Alchemy-Signature", s}} }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(othersSHA256Hex(key, body)), Event: &webhookverify.Event{
			ID: "whevt_ogrc5v64myey69ux", Type: "ADDRESS_ACTIVITY", Time: time.Date(2022, 2, 28, 17, 48, 53, 306000000, time.UTC),
		}},
		{Name: "tampered body", Body: body + " ", Header: sig(othersSHA256Hex(key, body)), Err: webhookverify.ErrInvalidSignature},
		// The whsec_ key is used as it is, not base64-decoded.
		{Name: "key decoded", Body: body, Header: sig(othersSHA256Hex("\xc2\x1b\x1e\xd7\xad\x25", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "sha256= prefix", Body: body, Header: sig("sha256=" + othersSHA256Hex(key, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
