package presets_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Clerk and Resend sign with Svix: svix-signature "v1,<base64>" (several,
// space-separated), HMAC-SHA256 over "<svix-id>.<svix-timestamp>.<body>"
// keyed with the base64 after "whsec_". The published vector is Standard
// Webhooks' (standard-webhooks libraries/go webhook_test.go), sent here
// under the svix-* names both SDKs read.
const (
	svixSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	svixID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	svixTimestamp = 1614265330
	svixBody      = `{"test": 2432232314}`
	svixSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func svixHeaders(id string, ts int64, sig string) [][2]string {
	return [][2]string{{"svix-id", id}, {"svix-timestamp", strconv.FormatInt(ts, 10)}, {"svix-signature", sig}}
}

// svixSign is "v1," and the base64 HMAC-SHA256 of id.ts.body under the
// decoded whsec_ key.
func svixSign(secret, id string, ts int64, body string) string {
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		panic(err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(othersMAC(sha256.New, string(key), id, ".", strconv.FormatInt(ts, 10), ".", body))
}

func TestSvixRows(t *testing.T) {
	sent := time.Unix(svixTimestamp, 0)
	for _, c := range []struct{ name, body, timePath string }{
		{"clerk", `{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC"},"object":"event","type":"user.created","timestamp":1654012591835}`, "ms"},
		{"resend", `{"type":"email.sent","created_at":"2024-02-22T23:41:12.126Z","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618"}}`, "rfc3339"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := verifiertest.Load(t, c.name+" {\n secret "+svixSecret+"\n}")
			vector := &webhookverify.Event{ID: svixID}
			now := verifiertest.Now
			sig := svixSign(svixSecret, "msg_2LJZ", now.Unix(), c.body)
			want := &webhookverify.Event{ID: "msg_2LJZ"}
			if c.name == "clerk" {
				want.Type, want.Time = "user.created", time.UnixMilli(1654012591835).UTC()
			} else {
				want.Type, want.Time = "email.sent", time.Date(2024, 2, 22, 23, 41, 12, 126000000, time.UTC)
			}
			verifiertest.Run(t, v, []verifiertest.Case{
				{Name: "published vector", Body: svixBody, Header: svixHeaders(svixID, svixTimestamp, svixSignature), Now: sent, Event: vector},
				{Name: "rotation list", Body: svixBody, Header: svixHeaders(svixID, svixTimestamp, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "+svixSignature), Now: sent, Event: vector},
				{Name: "other svix-id", Body: svixBody, Header: svixHeaders("msg_p5jXN8AQM9LWM0D4loKWxJeK", svixTimestamp, svixSignature), Now: sent, Err: webhookverify.ErrInvalidSignature},
				{Name: "webhook-* headers only", Body: svixBody, Header: [][2]string{{"webhook-id", svixID}, {"webhook-timestamp", "1614265330"}, {"webhook-signature", svixSignature}},
					Now: sent, Err: webhookverify.ErrMissingSignature},
				{Name: "too old", Body: svixBody, Header: svixHeaders(svixID, svixTimestamp, svixSignature), Now: sent.Add(6 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
				{Name: "signed event", Body: c.body, Header: svixHeaders("msg_2LJZ", now.Unix(), sig), Event: want},
				{Name: "key not decoded", Body: c.body, Header: svixHeaders("msg_2LJZ", now.Unix(),
					"v1,"+base64.StdEncoding.EncodeToString(othersMAC(sha256.New, svixSecret, "msg_2LJZ.", strconv.FormatInt(now.Unix(), 10), ".", c.body))), Err: webhookverify.ErrInvalidSignature},
			})
		})
	}
}
