package presets_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Recurly publishes no fixed vector (its client libraries' specs sign at
// the current time). Its docs: recurly-signature is "<unix ms>,<hex>[,<hex>…]",
// each hex an HMAC-SHA256(secret key, "<ts>.<body>"); several while a
// regenerated key's predecessor is still valid; the client libraries
// refuse a timestamp more than 5 minutes away. The signatures here are
// computed with crypto/hmac.
func TestRecurly(t *testing.T) {
	const key, previous = "recurly-webhook-key-0123456789", "recurly-previous-key-0123456789"
	// The body of recurly-client-ruby's webhooks spec.
	body := `{"id":"rrw5o0ypxfut","object_type":"subscription","site_id":"qc326l1hl8k9","event_type":"created","event_time":"2022-09-13T21:18:40Z","account_code":"adfas23zzz14123"}`
	v := verifiertest.Load(t, "recurly {\n secret "+key+"\n}")
	now := verifiertest.Now
	at := func(k string, tm time.Time) string {
		ms := strconv.FormatInt(tm.UnixMilli(), 10)
		return ms + "," + othersSHA256Hex(k, ms, ".", body)
	}
	sig := func(s string) [][2]string { return [][2]string{{"recurly-signature", s}} }
	created := &webhookverify.Event{ID: "rrw5o0ypxfut", Type: "created", Subject: "adfas23zzz14123", Time: time.Date(2022, 9, 13, 21, 18, 40, 0, time.UTC)}
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(at(key, now)), Event: created},
		{Name: "two signatures, the valid one second", Body: body, Header: sig(ms + "," + othersSHA256Hex(previous, ms, ".", body) + "," + othersSHA256Hex(key, ms, ".", body)), Event: created},
		{Name: "another key", Body: body, Header: sig(at(previous, now)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: body[:len(body)-1] + " }", Header: sig(at(key, now)), Err: webhookverify.ErrInvalidSignature},
		{Name: "other timestamp", Body: body, Header: sig(strconv.FormatInt(now.UnixMilli()+1, 10) + "," + othersSHA256Hex(key, ms, ".", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "body only signed", Body: body, Header: sig(ms + "," + othersSHA256Hex(key, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "four minutes late", Body: body, Header: sig(at(key, now.Add(-4*time.Minute))), Event: created},
		{Name: "six minutes late", Body: body, Header: sig(at(key, now.Add(-6*time.Minute))), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "six minutes early", Body: body, Header: sig(at(key, now.Add(6*time.Minute))), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "timestamp only", Body: body, Header: sig(ms), Err: webhookverify.ErrMalformedSignature},
		{Name: "no timestamp", Body: body, Header: sig("," + othersSHA256Hex(key, ms, ".", body)), Err: webhookverify.ErrMissingTimestamp},
		{Name: "missing header", Body: body, Err: webhookverify.ErrMissingSignature},
	})
}
