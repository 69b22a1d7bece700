package presets_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// The challenges of Zoom, Twitch and Dropbox, through the handler: a
// verified (or, for Dropbox, well-shaped) challenge gets the provider's
// exact answer and never reaches the next handler; anything else is
// verified as a webhook, so a forged challenge is refused and no answer
// leaks; the providers' webhooks still pass.

// challengeHandler provisions a webhook_verify handler from JSON, as Caddy
// would, with its own metrics registry.
func challengeHandler(t *testing.T, config string) (*webhookverify.Handler, caddy.Context) {
	t.Helper()
	var h webhookverify.Handler
	if err := json.Unmarshal([]byte(config), &h); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return &h, ctx
}

// exchange is one request through the handler.
type exchange struct {
	status int
	resp   *httptest.ResponseRecorder
	next   []byte // what the next handler received; nil when not called
	repl   *caddy.Replacer
	err    error
}

func (e exchange) placeholder(name string) string {
	v, _ := e.repl.GetString("http.webhook." + name)
	return v
}

func through(h *webhookverify.Handler, r *http.Request) exchange {
	e := exchange{resp: httptest.NewRecorder(), repl: caddy.NewReplacer()}
	r = caddyhttp.PrepareRequest(r, e.repl, e.resp, &caddyhttp.Server{})
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		e.next, _ = io.ReadAll(r.Body)
		if e.next == nil {
			e.next = []byte{}
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	e.err = h.ServeHTTP(e.resp, r, next)
	var he caddyhttp.HandlerError
	switch {
	case e.err == nil:
		e.status = e.resp.Code
	case errors.As(e.err, &he):
		e.status = he.StatusCode
	default:
		e.status = -1
	}
	return e
}

// requestsTotal reads caddy_webhook_verify_requests_total for the labels.
func requestsTotal(t *testing.T, ctx caddy.Context, provider, outcome, reason string) float64 {
	t.Helper()
	families, err := ctx.GetMetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "caddy_webhook_verify_requests_total" {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			want := map[string]string{"provider": provider, "outcome": outcome, "reason": reason}
			for _, l := range m.GetLabel() {
				if want[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// answered checks that e is the challenge's answer and nothing was
// forwarded.
func answered(t *testing.T, e exchange, contentType, body string) {
	t.Helper()
	if e.err != nil || e.status != http.StatusOK {
		t.Fatalf("status %d, err %v; want 200", e.status, e.err)
	}
	if e.next != nil {
		t.Errorf("the challenge was forwarded: %q", e.next)
	}
	if got := e.resp.Body.String(); got != body {
		t.Errorf("answer %q, want %q", got, body)
	}
	if got := e.resp.Header().Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type %q, want %q", got, contentType)
	}
	if got := e.resp.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, want %d", got, len(body))
	}
	if got := e.placeholder("challenge"); got != "true" {
		t.Errorf("{http.webhook.challenge} = %q, want true", got)
	}
}

// refused checks that e was refused with status, nothing forwarded and
// nothing of leak (an answer) written.
func refused(t *testing.T, e exchange, status int, leak ...string) {
	t.Helper()
	if e.status != status {
		t.Fatalf("status %d (err %v), want %d", e.status, e.err, status)
	}
	if e.next != nil {
		t.Errorf("forwarded: %q", e.next)
	}
	for _, s := range leak {
		if s != "" && (strings.Contains(e.resp.Body.String(), s) || e.err != nil && strings.Contains(e.err.Error(), s)) {
			t.Errorf("the answer %q leaked", s)
		}
	}
	if got := e.placeholder("challenge"); got == "true" {
		t.Errorf("{http.webhook.challenge} = true on a refusal")
	}
}

func zoomRequest(secret, body string, at time.Time) *http.Request {
	ts := strconv.FormatInt(at.Unix(), 10)
	r := httptest.NewRequest(http.MethodPost, "/hooks/zoom", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Zm-Request-Timestamp", ts)
	if secret != "" {
		r.Header.Set("X-Zm-Signature", "v0="+othersSHA256Hex(secret, "v0:", ts, ":", body))
	}
	return r
}

// Zoom's endpoint.url_validation, as its docs show it and
// zoom/webhook-sample answers it: {"plainToken": plainToken,
// "encryptedToken": hex HMAC-SHA256 of plainToken keyed with the secret
// token}, computed here with crypto/hmac.
func TestChallengeZoom(t *testing.T) {
	const secret, old, plain = "zoom-secret-token-0123456789", "zoom-old-token-0123456789", "qgg8vlvZRS6UYooatFL8Aw"
	validation := `{"payload":{"plainToken":"` + plain + `"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`
	want := `{"plainToken":"` + plain + `","encryptedToken":"` + othersSHA256Hex(secret, plain) + `"}`
	oracle := []string{othersSHA256Hex(secret, plain), othersSHA256Hex(old, plain)}
	h, ctx := challengeHandler(t, `{"verifier":{"provider":"zoom","secrets":["`+secret+`"]},"dedup":{}}`)
	now := time.Now()

	e := through(h, zoomRequest(secret, validation, now))
	answered(t, e, "application/json", want)
	if got := e.placeholder("verified"); got != "true" {
		t.Errorf("{http.webhook.verified} = %q, want true", got)
	}
	if got := e.resp.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	// Dedup records no challenge: the same one is answered again.
	answered(t, through(h, zoomRequest(secret, validation, now)), "application/json", want)
	if c := requestsTotal(t, ctx, "zoom", "challenge", ""); c != 2 {
		t.Errorf("challenge count %v, want 2", c)
	}

	t.Run("forged: unsigned", func(t *testing.T) {
		refused(t, through(h, zoomRequest("", validation, now)), http.StatusUnauthorized, oracle...)
	})
	t.Run("forged: another secret", func(t *testing.T) {
		refused(t, through(h, zoomRequest("not-the-secret-token", validation, now)), http.StatusUnauthorized, oracle...)
	})
	t.Run("forged: another plainToken under a captured signature", func(t *testing.T) {
		r := zoomRequest(secret, validation, now)
		other := strings.Replace(validation, plain, "attacker-chosen-token", 1)
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(other)), int64(len(other))
		refused(t, through(h, r), http.StatusUnauthorized, othersSHA256Hex(secret, "attacker-chosen-token"))
	})
	t.Run("stale", func(t *testing.T) {
		refused(t, through(h, zoomRequest(secret, validation, now.Add(-10*time.Minute))), http.StatusUnauthorized, oracle...)
	})
	t.Run("verified, no plainToken", func(t *testing.T) {
		body := `{"payload":{},"event_ts":1654503849680,"event":"endpoint.url_validation"}`
		refused(t, through(h, zoomRequest(secret, body, now)), http.StatusBadRequest)
	})
	t.Run("rotation: answered with the secret that verified", func(t *testing.T) {
		h, _ := challengeHandler(t, `{"verifier":{"provider":"zoom","secrets":["`+old+`","`+secret+`"]}}`)
		answered(t, through(h, zoomRequest(secret, validation, now)), "application/json", want)
		answered(t, through(h, zoomRequest(old, validation, now)), "application/json",
			`{"plainToken":"`+plain+`","encryptedToken":"`+othersSHA256Hex(old, plain)+`"}`)
	})
	t.Run("a webhook still forwards", func(t *testing.T) {
		body := `{"event":"meeting.started","event_ts":1700000000000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890"}}}`
		e := through(h, zoomRequest(secret, body, now))
		if e.err != nil || string(e.next) != body {
			t.Fatalf("err %v, next got %q", e.err, e.next)
		}
		if e.placeholder("challenge") != "false" || e.placeholder("verified") != "true" {
			t.Errorf("challenge %q verified %q", e.placeholder("challenge"), e.placeholder("verified"))
		}
	})
}

func twitchRequest(secret, kind, body string, at time.Time) *http.Request {
	return twitchMessage(secret, "e76c6bd4-55c9-4987-8304-da1588d8988b", kind, body, at)
}

func twitchMessage(secret, id, kind, body string, at time.Time) *http.Request {
	ts := at.UTC().Format(time.RFC3339Nano)
	r := httptest.NewRequest(http.MethodPost, "/hooks/twitch", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Twitch-Eventsub-Message-Id", id)
	r.Header.Set("Twitch-Eventsub-Message-Timestamp", ts)
	r.Header.Set("Twitch-Eventsub-Message-Type", kind)
	r.Header.Set("Twitch-Eventsub-Message-Signature", "sha256="+othersSHA256Hex(secret, id, ts, body))
	return r
}

// Twitch EventSub's webhook_callback_verification: 200, the raw challenge
// value as the body, Content-Type text/plain (Twitch's docs, "Responding
// to a challenge request").
func TestChallengeTwitch(t *testing.T) {
	const secret, challenge = "twitch-eventsub-secret-0123", "pogchamp-kappa-360noscope-vohiyo"
	verification := `{"challenge":"` + challenge + `","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4",` +
		`"status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","cost":0,"created_at":"2019-11-16T10:11:12.634234626Z"}}`
	h, ctx := challengeHandler(t, `{"verifier":{"provider":"twitch","secrets":["`+secret+`"]},"dedup":{}}`)
	now := time.Now()

	e := through(h, twitchRequest(secret, "webhook_callback_verification", verification, now))
	answered(t, e, "text/plain", challenge)
	if e.placeholder("verified") != "true" {
		t.Errorf("{http.webhook.verified} = %q, want true", e.placeholder("verified"))
	}
	answered(t, through(h, twitchRequest(secret, "webhook_callback_verification", verification, now)), "text/plain", challenge)
	if c := requestsTotal(t, ctx, "twitch", "challenge", ""); c != 2 {
		t.Errorf("challenge count %v, want 2", c)
	}

	t.Run("forged: another secret", func(t *testing.T) {
		refused(t, through(h, twitchRequest("not-the-secret", "webhook_callback_verification", verification, now)), http.StatusUnauthorized, challenge)
	})
	t.Run("forged: unsigned", func(t *testing.T) {
		r := twitchRequest(secret, "webhook_callback_verification", verification, now)
		r.Header.Del("Twitch-Eventsub-Message-Signature")
		refused(t, through(h, r), http.StatusUnauthorized, challenge)
	})
	t.Run("verified, no challenge", func(t *testing.T) {
		body := `{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow"}}`
		refused(t, through(h, twitchRequest(secret, "webhook_callback_verification", body, now)), http.StatusBadRequest)
	})
	t.Run("a challenge field in a notification is no challenge", func(t *testing.T) {
		e := through(h, twitchRequest(secret, "notification", verification, now))
		if e.err != nil || string(e.next) != verification || e.resp.Body.String() == challenge {
			t.Fatalf("err %v, next got %q, answer %q", e.err, e.next, e.resp.Body.String())
		}
	})
	t.Run("a notification still forwards", func(t *testing.T) {
		body := `{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2"},"event":{"user_id":"1234"}}`
		// Another message id: dedup delivered the one above.
		e := through(h, twitchMessage(secret, "f76c6bd4-55c9-4987-8304-da1588d8988b", "notification", body, now))
		if e.err != nil || string(e.next) != body || e.placeholder("challenge") != "false" {
			t.Fatalf("err %v, next got %q, challenge %q", e.err, e.next, e.placeholder("challenge"))
		}
	})
}

// Dropbox's verification request: an unsigned GET ?challenge=<x>, answered
// 200 with <x>, Content-Type: text/plain and X-Content-Type-Options:
// nosniff (Dropbox's webhooks reference, "The verification request").
func TestChallengeDropbox(t *testing.T) {
	const secret = "dropbox-app-secret-0123"
	h, ctx := challengeHandler(t, `{"verifier":{"provider":"dropbox","secrets":["`+secret+`"]},"dedup":{}}`)
	get := func(target string) *http.Request { return httptest.NewRequest(http.MethodGet, target, nil) }

	e := through(h, get("/hooks/dropbox?challenge=abc123"))
	answered(t, e, "text/plain", "abc123")
	if got := e.resp.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if e.placeholder("verified") != "false" {
		t.Errorf("{http.webhook.verified} = %q on an unsigned challenge, want false", e.placeholder("verified"))
	}
	if c := requestsTotal(t, ctx, "dropbox", "challenge", "unsigned"); c != 1 {
		t.Errorf("challenge count %v, want 1", c)
	}
	long := strings.Repeat("a", 256)
	answered(t, through(h, get("/hooks/dropbox?challenge="+long)), "text/plain", long)
	answered(t, through(h, get("/hooks/dropbox?challenge=Zm9v-_.~%2B/%3D")), "text/plain", "Zm9v-_.~+/=")

	for _, c := range []struct{ name, target, leak string }{
		{"markup", "/hooks/dropbox?challenge=%3Cscript%3Ealert(1)%3C/script%3E", "<script>"},
		{"a space", "/hooks/dropbox?challenge=a%20b", "a b"},
		{"a newline", "/hooks/dropbox?challenge=ab%0D%0Acd", "ab\r\ncd"},
		{"too long", "/hooks/dropbox?challenge=" + long + "b", long},
		{"empty", "/hooks/dropbox?challenge=", ""},
		{"twice", "/hooks/dropbox?challenge=abc&challenge=def", "abc"},
		{"no challenge", "/hooks/dropbox", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			refused(t, through(h, get(c.target)), http.StatusMethodNotAllowed, c.leak)
		})
	}
	t.Run("GET with a body", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/hooks/dropbox?challenge=abc123", strings.NewReader("x"))
		refused(t, through(h, r), http.StatusMethodNotAllowed, "abc123")
	})
	t.Run("POST", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/dropbox?challenge=abc123", nil)
		refused(t, through(h, r), http.StatusUnauthorized, "abc123")
	})
	t.Run("from an address allow_ips refuses", func(t *testing.T) {
		h, _ := challengeHandler(t, `{"verifier":{"provider":"dropbox","secrets":["`+secret+`"]},"allow_ips":["203.0.113.0/24"]}`)
		refused(t, through(h, get("/hooks/dropbox?challenge=abc123")), http.StatusForbidden, "abc123")
	})
	t.Run("a webhook still forwards", func(t *testing.T) {
		body := `{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345678]}}`
		r := httptest.NewRequest(http.MethodPost, "/hooks/dropbox", strings.NewReader(body))
		r.Header.Set("X-Dropbox-Signature", othersSHA256Hex(secret, body))
		e := through(h, r)
		if e.err != nil || string(e.next) != body || e.placeholder("challenge") != "false" {
			t.Fatalf("err %v, next got %q, challenge %q", e.err, e.next, e.placeholder("challenge"))
		}
	})
}
