package presets_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Zoom publishes no vector. Its docs and zoom/webhook-sample: x-zm-signature
// is "v0=" and the hex HMAC-SHA256 of "v0:<x-zm-request-timestamp>:<body>",
// keyed with the app's secret token; the timestamp is in Unix seconds.
func TestZoom(t *testing.T) {
	const secret = "zoom-secret-token-0123456789"
	body := `{"event":"meeting.started","event_ts":1700000000000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","topic":"My Meeting"}}}`
	validation := `{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`
	v := verifiertest.Load(t, "zoom {\n secret "+secret+"\n}")
	now := verifiertest.Now
	headers := func(ts, sig string) [][2]string {
		return [][2]string{{"x-zm-request-timestamp", ts}, {"x-zm-signature", sig}}
	}
	at := func(t time.Time, b string) [][2]string {
		ts := strconv.FormatInt(t.Unix(), 10)
		return headers(ts, "v0="+othersSHA256Hex(secret, "v0:", ts, ":", b))
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	started := &webhookverify.Event{Type: "meeting.started", Time: time.UnixMilli(1700000000000).UTC()}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: at(now, body), Event: started},
		// url_validation is signed too: it verifies like any event, and the
		// handler then answers it (challenge_test.go).
		{Name: "url validation verifies", Body: validation, Header: at(now, validation), Event: &webhookverify.Event{
			Type: "endpoint.url_validation", Time: time.UnixMilli(1654503849680).UTC(),
		}},
		{Name: "tampered body", Body: body + " ", Header: at(now, body), Err: webhookverify.ErrInvalidSignature},
		{Name: "other timestamp", Body: body, Header: headers(strconv.FormatInt(now.Unix()+1, 10), "v0="+othersSHA256Hex(secret, "v0:", ts, ":", body)),
			Err: webhookverify.ErrInvalidSignature},
		{Name: "no v0: in the message", Body: body, Header: headers(ts, "v0="+othersSHA256Hex(secret, ts, ":", body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "no prefix", Body: body, Header: headers(ts, othersSHA256Hex(secret, "v0:", ts, ":", body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "milliseconds", Body: body, Header: headers(strconv.FormatInt(now.UnixMilli(), 10),
			"v0="+othersSHA256Hex(secret, "v0:", strconv.FormatInt(now.UnixMilli(), 10), ":", body)), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "too old", Body: body, Header: at(now.Add(-6*time.Minute), body), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "missing timestamp", Body: body, Header: [][2]string{{"x-zm-signature", "v0=" + othersSHA256Hex(secret, "v0:", ts, ":", body)}}, Err: webhookverify.ErrMissingTimestamp},
		{Name: "GET", Method: "GET", Body: body, Header: at(now, body), Err: webhookverify.ErrMethodNotAllowed},
	})
}
