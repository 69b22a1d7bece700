package presets_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Calendly publishes no vector. Its docs: Calendly-Webhook-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, "<t>.<body>")>", and a
// delivery older than three minutes is refused.
func TestCalendly(t *testing.T) {
	const key = "calendly-signing-key-0123456789"
	body := `{"created_at":"2023-11-14T22:13:20.000000Z","created_by":"https://api.calendly.com/users/AAAAAAAAAAAAAAAA",` +
		`"event":"invitee.created","payload":{"email":"test@example.com","uri":"https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA"}}`
	v := verifiertest.Load(t, "calendly {\n secret "+key+"\n}")
	at := func(t time.Time) [][2]string {
		ts := strconv.FormatInt(t.Unix(), 10)
		return [][2]string{{"Calendly-Webhook-Signature", "t=" + ts + ",v1=" + othersSHA256Hex(key, ts, ".", body)}}
	}
	now := verifiertest.Now
	created := &webhookverify.Event{Type: "invitee.created", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	ts := strconv.FormatInt(now.Unix(), 10)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: at(now), Event: created},
		{Name: "tampered body", Body: body[:len(body)-1] + " }", Header: at(now), Err: webhookverify.ErrInvalidSignature},
		{Name: "other timestamp", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "t=" + strconv.FormatInt(now.Unix()+1, 10) + ",v1=" + othersSHA256Hex(key, ts, ".", body)}},
			Err: webhookverify.ErrInvalidSignature},
		{Name: "no dot", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "t=" + ts + ",v1=" + othersSHA256Hex(key, ts, body)}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "body only", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "t=" + ts + ",v1=" + othersSHA256Hex(key, body)}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "t=" + ts + ",v1=" + othersSHA256Base64(key, ts, ".", body)}}, Err: webhookverify.ErrMalformedSignature},
		{Name: "two minutes fifty late", Body: body, Header: at(now.Add(-170 * time.Second)), Event: created},
		{Name: "three minutes ten late", Body: body, Header: at(now.Add(-190 * time.Second)), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "milliseconds", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "t=" + strconv.FormatInt(now.UnixMilli(), 10) + ",v1=" + othersSHA256Hex(key, strconv.FormatInt(now.UnixMilli(), 10), ".", body)}},
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "no timestamp", Body: body, Header: [][2]string{{"Calendly-Webhook-Signature", "v1=" + othersSHA256Hex(key, ts, ".", body)}}, Err: webhookverify.ErrMissingTimestamp},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
