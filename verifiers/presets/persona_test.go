package presets_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Persona publishes no vector. Its docs: Persona-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>", and while
// a secret rotates the header carries two such sets separated by a space.
// The signatures here are computed with crypto/hmac.
func TestPersona(t *testing.T) {
	const secret, previous = "wbhsec_0123456789abcdef", "wbhsec_previous0123456789"
	body := `{"data":{"type":"event","id":"evt_XGuYWp6bD8PXaYDJJwrJLJdm","attributes":{"name":"inquiry.completed",` +
		`"payload":{"data":{"type":"inquiry","id":"inq_2CVZ4HyVg7qaboXz2PUHknAn"}},"created-at":"2023-11-14T22:13:20.000Z"}}}`
	v := verifiertest.Load(t, "persona {\n secret "+secret+"\n}")
	now := verifiertest.Now
	set := func(key string, at time.Time) string {
		ts := strconv.FormatInt(at.Unix(), 10)
		return "t=" + ts + ",v1=" + othersSHA256Hex(key, ts, ".", body)
	}
	sig := func(s string) [][2]string { return [][2]string{{"Persona-Signature", s}} }
	completed := &webhookverify.Event{ID: "evt_XGuYWp6bD8PXaYDJJwrJLJdm", Type: "inquiry.completed", Subject: "inq_2CVZ4HyVg7qaboXz2PUHknAn",
		Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	ts := strconv.FormatInt(now.Unix(), 10)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(set(secret, now)), Event: completed},
		{Name: "rotation: the new secret's set second", Body: body, Header: sig(set(previous, now) + " " + set(secret, now)), Event: completed},
		{Name: "rotation: the new secret's set first", Body: body, Header: sig(set(secret, now) + " " + set(previous, now)), Event: completed},
		{Name: "rotation, not configured: neither set", Body: body, Header: sig(set(previous, now) + " " + set("other", now)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: body[:len(body)-1] + " }", Header: sig(set(secret, now)), Err: webhookverify.ErrInvalidSignature},
		{Name: "body only signed", Body: body, Header: sig("t=" + ts + ",v1=" + othersSHA256Hex(secret, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "four minutes late", Body: body, Header: sig(set(secret, now.Add(-4*time.Minute))), Event: completed},
		{Name: "six minutes late", Body: body, Header: sig(set(secret, now.Add(-6*time.Minute))), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "a stale valid set and a fresh wrong one", Body: body, Header: sig(set(secret, now.Add(-6*time.Minute)) + " " + set(previous, now)), Err: webhookverify.ErrInvalidSignature},
		{Name: "a malformed set beside a valid one", Body: body, Header: sig(set(secret, now) + " t=" + ts + ",v1=nothex"), Err: webhookverify.ErrMalformedSignature},
		{Name: "no timestamp", Body: body, Header: sig("v1=" + othersSHA256Hex(secret, ts, ".", body)), Err: webhookverify.ErrMissingTimestamp},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
