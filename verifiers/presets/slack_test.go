package presets_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Slack's worked example ("Verifying requests from Slack", step-by-step
// walk-through): https://docs.slack.dev/authentication/verifying-requests-from-slack
const (
	slackSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTimestamp = "1531420618"
	slackBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	slackSigHeader = "X-Slack-Signature"
	slackTSHeader  = "X-Slack-Request-Timestamp"
	slackType      = "com.slack.event"
)

var slackTime = time.Unix(1531420618, 0)

func slackBlock(secrets []string, lines ...string) string { return block("slack", secrets, lines...) }

// slackSig is the X-Slack-Signature of body signed at ts under secret.
func slackSig(secret, ts, body string) string {
	return "v0=" + hmacHex(secret, "v0:"+ts+":"+body)
}

func slackHide(secrets ...string) func(string) []string {
	return func(body string) []string {
		var out []string
		for _, s := range secrets {
			out = append(out, s, slackSig(s, slackTimestamp, body)[3:])
		}
		return out
	}
}

// slackCases sets every case's time to slackTime unless it has one.
func slackCases(cases []verifiertest.Case) []verifiertest.Case {
	for i := range cases {
		if cases[i].Now.IsZero() {
			cases[i].Now = slackTime
		}
	}
	return cases
}

func TestSlackVerify(t *testing.T) {
	ts := [2]string{slackTSHeader, slackTimestamp}
	sig := [2]string{slackSigHeader, slackSignature}
	sigOf := func(v string) [2]string { return [2]string{slackSigHeader, v} }
	plain := &webhookverify.Event{Type: slackType}
	hexSig := slackSignature[3:]

	v := verifiertest.Load(t, slackBlock([]string{slackSecret}))
	run(t, v, slackCases([]verifiertest.Case{
		{Name: "published example", Body: slackBody, Header: [][2]string{ts, sig}, Event: plain},
		{Name: "uppercase hex", Body: slackBody, Header: [][2]string{ts, sigOf("v0=" + strings.ToUpper(hexSig))}, Event: plain},
		{Name: "tampered body", Body: strings.Replace(slackBody, "roadrunner", "roadrunnex", 1), Header: [][2]string{ts, sig}, Err: webhookverify.ErrInvalidSignature},
		{Name: "timestamp changed by one second", Body: slackBody, Header: [][2]string{{slackTSHeader, "1531420619"}, sig}, Err: webhookverify.ErrInvalidSignature},
		{Name: "missing signature", Body: slackBody, Header: [][2]string{ts}, Err: webhookverify.ErrMissingSignature},
		{Name: "missing timestamp", Body: slackBody, Header: [][2]string{sig}, Err: webhookverify.ErrMissingTimestamp},
		{Name: "timestamp not a number", Body: slackBody, Header: [][2]string{{slackTSHeader, "yesterday"}, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "timestamp with sign", Body: slackBody, Header: [][2]string{{slackTSHeader, "+" + slackTimestamp}, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "timestamp with fraction", Body: slackBody, Header: [][2]string{{slackTSHeader, slackTimestamp + ".5"}, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "5 minutes old", Body: slackBody, Header: [][2]string{ts, sig}, Now: slackTime.Add(5 * time.Minute), Event: plain},
		{Name: "5 minutes and 1 second old", Body: slackBody, Header: [][2]string{ts, sig},
			Now: slackTime.Add(5*time.Minute + time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "5 minutes and 1 second in the future", Body: slackBody, Header: [][2]string{ts, sig},
			Now: slackTime.Add(-5*time.Minute - time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "no prefix", Body: slackBody, Header: [][2]string{ts, sigOf(hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "wrong prefix", Body: slackBody, Header: [][2]string{ts, sigOf("v1=" + hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "uppercase prefix", Body: slackBody, Header: [][2]string{ts, sigOf("V0=" + hexSig)}, Err: webhookverify.ErrMalformedSignature},
		{Name: "not hex", Body: slackBody, Header: [][2]string{ts, sigOf("v0=xyz")}, Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated signature, one valid", Body: slackBody,
			Header: [][2]string{ts, sigOf("v0=" + strings.Repeat("0", 64)), sig}, Event: plain},
		{Name: "repeated signature, none valid", Body: slackBody,
			Header: [][2]string{ts, sigOf(slackSig("x", slackTimestamp, slackBody)), sigOf("v0=" + strings.Repeat("0", 64))}, Err: webhookverify.ErrInvalidSignature},
		// A repeated signed header is refused: one copy would be checked
		// and both forwarded.
		{Name: "repeated timestamp, signed one first", Body: slackBody,
			Header: [][2]string{ts, {slackTSHeader, "1531420600"}, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "repeated timestamp, signed one second", Body: slackBody,
			Header: [][2]string{{slackTSHeader, "1531420600"}, ts, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "repeated timestamp, same value", Body: slackBody,
			Header: [][2]string{ts, ts, sig}, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "GET", Method: http.MethodGet, Body: slackBody, Header: [][2]string{ts, sig}, Err: webhookverify.ErrMethodNotAllowed},
	}), slackHide(slackSecret))

	wrong := []string{"not-the-secret"}
	run(t, verifiertest.Load(t, slackBlock(wrong)), slackCases([]verifiertest.Case{
		{Name: "wrong secret", Body: slackBody, Header: [][2]string{ts, sig}, Err: webhookverify.ErrInvalidSignature},
	}), slackHide(wrong...))
	verifiertest.Run(t, verifiertest.Load(t, slackBlock([]string{"new-secret", slackSecret})), slackCases([]verifiertest.Case{
		{Name: "rotated: second secret verifies", Body: slackBody, Header: [][2]string{ts, sig}, Event: plain},
	}))
	verifiertest.Run(t, verifiertest.Load(t, slackBlock([]string{slackSecret}, "tolerance 10m")), slackCases([]verifiertest.Case{
		{Name: "6 minutes old, tolerance 10m", Body: slackBody, Header: [][2]string{ts, sig}, Now: slackTime.Add(6 * time.Minute), Event: plain},
	}))
	run(t, verifiertest.Load(t, slackBlock([]string{slackSecret}, "tolerance 30s")), slackCases([]verifiertest.Case{
		{Name: "31 seconds old, tolerance 30s", Body: slackBody, Header: [][2]string{ts, sig},
			Now: slackTime.Add(31 * time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
	}), slackHide(slackSecret))
}

func TestSlackEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{name: "event_callback",
			body: `{"token":"x","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"app_mention","user":"U1","text":"hi","ts":"1515449522.000016","channel":"C1"},"type":"event_callback","event_id":"Ev123ABC456","event_time":1515449522}`,
			want: webhookverify.Event{ID: "Ev123ABC456", Type: "com.slack.event.event_callback", Time: time.Unix(1515449522, 0).UTC()}},
		{name: "url_verification", body: `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			want: webhookverify.Event{Type: "com.slack.event.url_verification"}},
		{name: "interactivity payload (form)", body: "payload=%7B%22type%22%3A%22block_actions%22%7D",
			want: webhookverify.Event{Type: slackType}},
		{name: "type that is not a token", body: `{"type":"a b","event_id":"Ev 1"}`,
			want: webhookverify.Event{Type: slackType}},
		{name: "empty body", body: "", want: webhookverify.Event{Type: slackType}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: [][2]string{{slackTSHeader, slackTimestamp}, {slackSigHeader, slackSig("s", slackTimestamp, tt.body)}}, Event: &want})
	}
	verifiertest.Run(t, verifiertest.Load(t, slackBlock([]string{"s"})), slackCases(cases))
}

// TestSlackFieldPaths: paths configured in the block are read from the
// signed body; an id is still kept only when it is a plain token.
func TestSlackFieldPaths(t *testing.T) {
	v := verifiertest.Load(t, slackBlock([]string{"s"}, "subject_path team_id", "event_id_path event.ts"))
	var cases []verifiertest.Case
	for _, c := range []struct {
		name, body string
		want       webhookverify.Event
	}{
		{name: "subject and id", body: `{"type":"event_callback","team_id":"T1","event":{"ts":"1515449522.000016"},"event_time":1515449522}`,
			want: webhookverify.Event{ID: "1515449522.000016", Type: "com.slack.event.event_callback", Subject: "T1", Time: time.Unix(1515449522, 0).UTC()}},
		{name: "id that is not a token", body: `{"type":"event_callback","team_id":"T1","event":{"ts":"a b"}}`,
			want: webhookverify.Event{Type: "com.slack.event.event_callback", Subject: "T1"}},
	} {
		want := c.want
		cases = append(cases, verifiertest.Case{Name: c.name, Body: c.body,
			Header: [][2]string{{slackTSHeader, slackTimestamp}, {slackSigHeader, slackSig("s", slackTimestamp, c.body)}}, Event: &want})
	}
	verifiertest.Run(t, v, slackCases(cases))
}

func TestSlackSignUsesFirstSecret(t *testing.T) {
	body := `{"type":"event_callback","event_id":"Ev1","event_time":1700000000}`
	now := time.Unix(1700000001, 0)
	v := verifiertest.Load(t, slackBlock([]string{"new-secret", "old-secret"}))
	r := sign(t, v, body, now)
	if got := r.Header.Get(slackTSHeader); got != "1700000001" {
		t.Errorf("timestamp = %q, want 1700000001", got)
	}
	if got, want := r.Header.Get(slackSigHeader), slackSig("new-secret", "1700000001", body); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	want := webhookverify.Event{ID: "Ev1", Type: "com.slack.event.event_callback", Time: time.Unix(1700000000, 0).UTC()}
	if ev, err := v.Verify(r, []byte(body), now); err != nil || ev != want {
		t.Errorf("round trip: %+v, %v", ev, err)
	}
	if _, err := verifiertest.Load(t, slackBlock([]string{"old-secret"})).Verify(r, []byte(body), now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

// TestSlackSignVerifyRoundTrip covers each configuration: default and
// custom tolerance, at the edges of the window.
func TestSlackSignVerifyRoundTrip(t *testing.T) {
	for _, tol := range []time.Duration{0, 30 * time.Second, time.Hour} {
		var lines []string
		if tol != 0 {
			lines = append(lines, "tolerance "+tol.String())
		}
		v := verifiertest.Load(t, slackBlock([]string{"k"}, lines...))
		window := v.(webhookverify.Coverer).Covers().Tolerance
		want := tol
		if tol == 0 {
			want = 5 * time.Minute // Slack's recommendation, the default
		}
		if window != want {
			t.Errorf("tolerance %v: the window is %v, want %v", tol, window, want)
		}
		for _, body := range []string{"", slackBody, `{"type":"event_callback"}`} {
			signedAt := time.Unix(1700000000, 0)
			r := sign(t, v, body, signedAt)
			for _, now := range []time.Time{signedAt.Add(-window), signedAt, signedAt.Add(window)} {
				if _, err := v.Verify(r, []byte(body), now); err != nil {
					t.Errorf("tolerance %v, now %+v: %v", window, now.Sub(signedAt), err)
				}
			}
			if _, err := v.Verify(r, []byte(body), signedAt.Add(window+time.Second)); !errors.Is(err, webhookverify.ErrTimestampOutOfTolerance) {
				t.Errorf("tolerance %v: a request older than the window passed: %v", window, err)
			}
		}
	}
}

func TestSlackProvision(t *testing.T) {
	t.Run("no secret", func(t *testing.T) {
		_, err := provisionJSON("slack", `{}`)
		checkErr(t, err, "slack: |no secret configured|secret {env.SLACK_SIGNING_SECRET}")
	})
	t.Run("unset environment variable", func(t *testing.T) {
		_, err := verifiertest.TryLoad(slackBlock([]string{"{env.WEBHOOK_VERIFY_TEST_UNSET_SLACK}"}))
		checkErr(t, err, "secret #1")
		if !strings.HasPrefix(err.Error(), "slack: ") {
			t.Errorf("err = %v, want a slack error", err)
		}
	})
	t.Run("negative tolerance", func(t *testing.T) {
		_, err := provisionJSON("slack", `{"secrets":["s"],"tolerance":-1000000000}`)
		checkErr(t, err, "tolerance must be positive")
		if !strings.HasPrefix(err.Error(), "slack: ") {
			t.Errorf("err = %v, want a slack error", err)
		}
	})
	t.Run("defaults and environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_SLACK", slackSecret)
		v := verifiertest.Load(t, slackBlock([]string{"{env.WEBHOOK_VERIFY_TEST_SLACK}"}))
		if got := v.(webhookverify.Coverer).Covers().Tolerance; got != 5*time.Minute {
			t.Errorf("default tolerance = %v, want 5m", got)
		}
		verifiertest.Run(t, v, slackCases([]verifiertest.Case{
			{Name: "published example", Body: slackBody, Header: [][2]string{{slackTSHeader, slackTimestamp}, {slackSigHeader, slackSignature}}},
		}))
	})
}

func TestSlackCaddyfile(t *testing.T) {
	runCaddyfile(t, []caddyfileCase{
		{name: "secret only", input: "slack {\n secret {env.SLACK_SIGNING_SECRET}\n}",
			wantJSON: `{"secrets":["{env.SLACK_SIGNING_SECRET}"]}`},
		{name: "rotation and tolerance", input: "slack {\n secret {env.SLACK_NEW} {env.SLACK_OLD}\n tolerance 2m30s\n}",
			wantJSON: `{"secrets":["{env.SLACK_NEW}","{env.SLACK_OLD}"],"tolerance":` + strconv.FormatInt(int64(150*time.Second), 10) + `}`},
		{name: "no secret", input: "slack {\n tolerance 1m\n}", wantErr: "slack needs the signing secret|secret {env.SLACK_SIGNING_SECRET}"},
		{name: "secret without value", input: "slack {\n secret\n}", wantErr: "Testfile:2"},
		// DurationArg's wording: "needs a duration", "takes one duration".
		{name: "tolerance without value", input: "slack {\n secret x\n tolerance\n}", wantErr: "tolerance needs a|Testfile:3"},
		{name: "tolerance not a duration", input: "slack {\n secret x\n tolerance soon\n}", wantErr: `tolerance "soon" is not a positive duration|Testfile:3`},
		{name: "tolerance zero", input: "slack {\n secret x\n tolerance 0s\n}", wantErr: "not a positive duration|Testfile:3"},
		{name: "tolerance negative", input: "slack {\n secret x\n tolerance -1m\n}", wantErr: "not a positive duration|Testfile:3"},
		{name: "tolerance two values", input: "slack {\n secret x\n tolerance 1m 2m\n}", wantErr: "tolerance takes one|Testfile:3"},
		{name: "unknown subdirective", input: "slack {\n secret x\n header X-Sig\n}",
			wantErr: `unrecognized subdirective "header" for provider slack|Testfile:3|use secret, tolerance or a field path`},
	})
}

// No Caddyfile error, nor load error, shows the secret.
func TestSlackSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, slackSecret, slackBlock([]string{slackSecret}), nil,
		slackBlock([]string{slackSecret}, "header X-Sig"), slackBlock([]string{slackSecret}, "tolerance soon"),
		slackBlock([]string{slackSecret}, "tolerance 1m 2m"))
}

func TestSlackHandlerCaddyfile(t *testing.T) {
	_, got := handlerVerifierJSON(t, "webhook_verify slack {\n secret {env.SLACK_SIGNING_SECRET}\n tolerance 1m\n enforce off\n}")
	if want := `{"provider":"slack","secrets":["{env.SLACK_SIGNING_SECRET}"],"tolerance":60000000000}`; got != want {
		t.Errorf("verifier = %s, want %s", got, want)
	}
}

// FuzzVerifySlack feeds arbitrary timestamp and signature headers and
// bodies to Verify (it must never panic, and what passes is a Slack
// event), then checks that a signed body verifies a minute later with a
// com.slack.event type. Sign → verify → flip one bit is FuzzEveryRow's.
func FuzzVerifySlack(f *testing.F) {
	v := verifiertest.Load(f, slackBlock([]string{slackSecret}))
	f.Add([]byte(slackBody), slackTimestamp, slackSignature)
	f.Add([]byte(`{"type":"event_callback","event_id":"Ev1","event_time":1531420618}`), "-1", "v0=,v0=00 v0")
	f.Add([]byte(`{"type":"url_verification","challenge":"c"}`), "99999999999999999999", "v0=ZZ")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		r := verifiertest.Case{Header: [][2]string{{slackTSHeader, ts}, {slackSigHeader, sig}}}.Request()
		if ev, err := v.Verify(r, body, slackTime); err == nil && !strings.HasPrefix(ev.Type, slackType) {
			t.Fatalf("type %q", ev.Type)
		}
		r = sign(t, v, string(body), slackTime)
		ev, err := v.Verify(r, body, slackTime.Add(time.Minute))
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if !strings.HasPrefix(ev.Type, slackType) {
			t.Fatalf("type %q", ev.Type)
		}
	})
}

// slackBody1KiB is a realistic 1 KiB Events API delivery.
var slackBody1KiB = body1KiB(
	`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"message","channel":"C123ABC456","user":"U123ABC456","ts":"1355517523.000005","text":"`,
	`"},"type":"event_callback","authorizations":[{"team_id":"T123ABC456","user_id":"U123ABC456","is_bot":true}],"event_id":"Ev123ABC456","event_time":1531420618}`)

func BenchmarkVerifySlack(b *testing.B) {
	benchVerify(b, verifiertest.Load(b, slackBlock([]string{slackSecret})), slackBody1KiB, slackTime)
}

// BenchmarkBareHMACSHA256Slack is the primitive alone: a keyed HMAC-SHA256
// of "v0:<ts>:" and the same bytes, and a constant-time compare.
func BenchmarkBareHMACSHA256Slack(b *testing.B) {
	benchBareHMAC(b, sha256.New, slackSecret, []byte("v0:"+slackTimestamp+":"), slackBody1KiB)
}
