package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Zendesk publishes no vector. Its docs ("Verifying webhook authenticity"):
// X-Zendesk-Webhook-Signature is base64(HMAC-SHA256(secret, TIMESTAMP+BODY)),
// TIMESTAMP being X-Zendesk-Webhook-Signature-Timestamp, an RFC 3339 time
// such as 2021-03-25T05:09:27Z, joined to the body with no separator.
func TestZendesk(t *testing.T) {
	const secret = "zendesk-signing-secret-0123456789"
	body := `{"account_id":123456,"detail":{"id":"35436","role":"end-user"},"event":{},"id":"cbe4028c-7239-495d-b020-f22348516046",` +
		`"subject":"zen:user:35436","time":"2023-11-14T22:13:20Z","type":"zen:event-type:user.created","zendesk_event_version":"2022-11-06"}`
	v := verifiertest.Load(t, "zendesk {\n secret "+secret+"\n}")
	now := verifiertest.Now
	headers := func(ts, sig string) [][2]string {
		return [][2]string{{"X-Zendesk-Webhook-Signature", sig}, {"X-Zendesk-Webhook-Signature-Timestamp", ts}}
	}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	ts := stamp(now)
	created := &webhookverify.Event{ID: "cbe4028c-7239-495d-b020-f22348516046", Type: "zen:event-type:user.created", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: headers(ts, othersSHA256Base64(secret, ts, body)), Event: created},
		{Name: "tampered body", Body: body + " ", Header: headers(ts, othersSHA256Base64(secret, ts, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "other timestamp", Body: body, Header: headers(stamp(now.Add(time.Second)), othersSHA256Base64(secret, ts, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "dot between", Body: body, Header: headers(ts, othersSHA256Base64(secret, ts, ".", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "body first", Body: body, Header: headers(ts, othersSHA256Base64(secret, body, ts)), Err: webhookverify.ErrInvalidSignature},
		{Name: "hex", Body: body, Header: headers(ts, othersSHA256Hex(secret, ts, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "Unix timestamp", Body: body, Header: headers("1700000000", othersSHA256Base64(secret, "1700000000", body)), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "too old", Body: body, Header: headers(stamp(now.Add(-6*time.Minute)), othersSHA256Base64(secret, stamp(now.Add(-6*time.Minute)), body)), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "missing timestamp", Body: body, Header: [][2]string{{"X-Zendesk-Webhook-Signature", othersSHA256Base64(secret, ts, body)}}, Err: webhookverify.ErrMissingTimestamp},
		// A webhook for a trigger may use any method; a GET has no body.
		{Name: "GET without a body", Method: "GET", Header: headers(ts, othersSHA256Base64(secret, ts)), Event: &webhookverify.Event{}},
		{Name: "PATCH", Method: "PATCH", Body: body, Header: headers(ts, othersSHA256Base64(secret, ts, body)), Event: created},
	})
}
