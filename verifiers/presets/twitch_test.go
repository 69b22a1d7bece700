package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Twitch publishes no vector. Its docs ("Verifying the event message"):
// Twitch-Eventsub-Message-Signature is "sha256=" and the hex HMAC-SHA256 of
// Twitch-Eventsub-Message-Id + Twitch-Eventsub-Message-Timestamp + body,
// keyed with the subscription's secret; a message older than 10 minutes is
// a replay. The timestamp is RFC 3339 with nanoseconds.
func TestTwitch(t *testing.T) {
	const (
		secret = "twitch-eventsub-secret-0123"
		id     = "e76c6bd4-55c9-4987-8304-da1588d8988b"
	)
	body := `{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled","cost":0,` +
		`"condition":{"broadcaster_user_id":"1337","moderator_user_id":"1337"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},` +
		`"created_at":"2019-11-16T10:11:12.634234626Z"},"event":{"user_id":"1234","user_login":"cool_user","broadcaster_user_id":"1337","followed_at":"2023-11-14T22:13:19.123456789Z"}}`
	challenge := `{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending",` +
		`"type":"channel.follow","version":"2","cost":0,"created_at":"2019-11-16T10:11:12.634234626Z"}}`
	v := verifiertest.Load(t, "twitch {\n secret "+secret+"\n}")
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	msg := func(kind, msgID, ts, sig string) [][2]string {
		return [][2]string{
			{"Twitch-Eventsub-Message-Id", msgID}, {"Twitch-Eventsub-Message-Retry", "0"}, {"Twitch-Eventsub-Message-Type", kind},
			{"Twitch-Eventsub-Message-Signature", sig}, {"Twitch-Eventsub-Message-Timestamp", ts},
			{"Twitch-Eventsub-Subscription-Type", "channel.follow"}, {"Twitch-Eventsub-Subscription-Version", "2"},
		}
	}
	now := verifiertest.Now
	ts := stamp(now.Add(-123456789 * time.Nanosecond))
	signed := func(b, ts string) string { return "sha256=" + othersSHA256Hex(secret, id, ts, b) }
	follow := &webhookverify.Event{ID: id, Type: "channel.follow"}
	late := func(d time.Duration) string { return stamp(now.Add(-d)) }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "notification", Body: body, Header: msg("notification", id, ts, signed(body, ts)), Event: follow},
		// The challenge is signed too: it verifies like any message, and the
		// handler then answers it (challenge_test.go).
		{Name: "challenge verifies", Body: challenge, Header: msg("webhook_callback_verification", id, ts, signed(challenge, ts)), Event: follow},
		{Name: "other message id", Body: body, Header: msg("notification", "f76c6bd4-55c9-4987-8304-da1588d8988b", ts, signed(body, ts)), Err: webhookverify.ErrInvalidSignature},
		{Name: "repeated message id", Body: body, Header: append(msg("notification", id, ts, signed(body, ts)), [2]string{"Twitch-Eventsub-Message-Id", "x"}),
			Err: webhookverify.ErrMalformedRequest},
		{Name: "other timestamp", Body: body, Header: msg("notification", id, stamp(now), signed(body, ts)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: body + " ", Header: msg("notification", id, ts, signed(body, ts)), Err: webhookverify.ErrInvalidSignature},
		{Name: "no prefix", Body: body, Header: msg("notification", id, ts, othersSHA256Hex(secret, id, ts, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "nine minutes late", Body: body, Header: msg("notification", id, late(9*time.Minute), signed(body, late(9*time.Minute))), Event: follow},
		{Name: "eleven minutes late", Body: body, Header: msg("notification", id, late(11*time.Minute), signed(body, late(11*time.Minute))),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "Unix timestamp", Body: body, Header: msg("notification", id, "1700000000", signed(body, "1700000000")), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "missing signature", Body: body, Header: [][2]string{{"Twitch-Eventsub-Message-Id", id}, {"Twitch-Eventsub-Message-Timestamp", ts}},
			Err: webhookverify.ErrMissingSignature},
	})
}
