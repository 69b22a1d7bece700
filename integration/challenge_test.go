package integration

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Providers' challenges through the real binary: a verified Zoom
// endpoint.url_validation and a well-shaped Dropbox GET ?challenge= are
// answered by Caddy and never reach the upstream; a forged Zoom challenge
// is refused and learns nothing; the providers' webhooks still pass.
func TestChallengesAnsweredAtTheEdge(t *testing.T) {
	const zoomSecret, dropboxSecret, plain = "zoom-secret-token-0123456789", "dropbox-app-secret-0123", "qgg8vlvZRS6UYooatFL8Aw"
	up := newUpstream(t)
	site := `	handle /zoom {
		webhook_verify zoom {
			secret {env.ZOOM_WEBHOOK_SECRET_TOKEN}
		}
		reverse_proxy {UPSTREAM}
	}
	handle /dropbox {
		webhook_verify dropbox {
			secret {env.DROPBOX_APP_SECRET}
		}
		reverse_proxy {UPSTREAM}
	}`
	c := startCaddy(t, "", site, up.Addr, "ZOOM_WEBHOOK_SECRET_TOKEN="+zoomSecret, "DROPBOX_APP_SECRET="+dropboxSecret)
	mac := func(key, msg string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(msg))
		return hex.EncodeToString(m.Sum(nil))
	}
	zoom := func(key, body string) (int, string, http.Header) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, c.URL+"/zoom", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Zm-Request-Timestamp", ts)
		req.Header.Set("X-Zm-Signature", "v0="+mac(key, "v0:"+ts+":"+body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	validation := `{"payload":{"plainToken":"` + plain + `"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`
	encrypted := mac(zoomSecret, plain)

	status, body, header := zoom(zoomSecret, validation)
	if want := `{"plainToken":"` + plain + `","encryptedToken":"` + encrypted + `"}`; status != http.StatusOK || body != want {
		t.Fatalf("zoom url_validation: %d %q, want 200 %q", status, body, want)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("zoom answer Content-Type %q", ct)
	}
	status, body, _ = zoom("forged-secret-token-0123456789", validation)
	if status != http.StatusUnauthorized || strings.Contains(body, encrypted) || strings.Contains(body, plain) {
		t.Fatalf("forged zoom url_validation: %d %q, want 401 and no answer", status, body)
	}
	if got := up.Received(); len(got) != 0 {
		t.Fatalf("the upstream received %d challenge request(s): %+v", len(got), got)
	}
	event := `{"event":"meeting.started","event_ts":1700000000000,"payload":{"object":{"id":"1234567890"}}}`
	if status, body, _ := zoom(zoomSecret, event); status != http.StatusOK || body != "upstream 200" {
		t.Fatalf("zoom event: %d %q", status, body)
	}

	req, _ := http.NewRequest(http.MethodGet, c.URL+"/dropbox?challenge=abc123", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(answer) != "abc123" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("dropbox challenge: %d %q %v", resp.StatusCode, answer, resp.Header)
	}
	if status, body := send(t, http.MethodGet, c.URL+"/dropbox?challenge=%3Cscript%3E", nil, nil); status != http.StatusMethodNotAllowed || strings.Contains(body, "<script>") {
		t.Fatalf("dropbox hostile challenge: %d %q", status, body)
	}
	hook := `{"delta":{"users":[12345678]}}`
	if status, body := send(t, http.MethodPost, c.URL+"/dropbox", []byte(hook), h("X-Dropbox-Signature", mac(dropboxSecret, hook))); status != http.StatusOK || body != "upstream 200" {
		t.Fatalf("dropbox webhook: %d %q", status, body)
	}
	got := up.Received()
	if len(got) != 2 || string(got[0].Body) != event || string(got[1].Body) != hook {
		t.Fatalf("the upstream received %d request(s), want the two webhooks only", len(got))
	}
	if !strings.Contains(c.Logs(), "webhook challenge answered") {
		t.Errorf("no info line for the answered challenges")
	}
	if status, body := send(t, http.MethodGet, c.AdminURL+"/metrics", nil, nil); status != http.StatusOK ||
		!strings.Contains(body, `caddy_webhook_verify_requests_total{outcome="challenge",provider="zoom",reason=""} 1`) ||
		!strings.Contains(body, `caddy_webhook_verify_requests_total{outcome="challenge",provider="dropbox",reason="unsigned"} 1`) {
		t.Errorf("metrics: %d, no challenge counts", status)
	}
}

// Discord's PING through the real binary: signed by the application's key
// it is answered with PONG by Caddy and never forwarded; a PING signed by
// another key is refused; an application command is forwarded as verified.
func TestDiscordPingAnsweredAtTheEdge(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	up := newUpstream(t)
	site := "\twebhook_verify discord {\n\t\tpublic_key {env.DISCORD_PUBLIC_KEY}\n\t}\n\treverse_proxy {UPSTREAM}\n"
	c := startCaddy(t, "", site, up.Addr, "DISCORD_PUBLIC_KEY="+hex.EncodeToString(pub))
	send := func(key ed25519.PrivateKey, body string) (int, string, http.Header) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, c.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(ts+body))))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	ping := `{"id":"787053080478613555","token":"ThisIsATokenFromDiscordThatIsVeryLong","type":1,"version":1}`
	status, body, header := send(priv, ping)
	if status != http.StatusOK || body != `{"type":1}` || header.Get("Content-Type") != "application/json" {
		t.Fatalf("PING: %d %q %q, want 200 {\"type\":1} application/json", status, body, header.Get("Content-Type"))
	}
	if status, body, _ := send(other, ping); status != http.StatusUnauthorized || body == `{"type":1}` {
		t.Fatalf("a PING signed by another key: %d %q, want 401", status, body)
	}
	if got := up.Received(); len(got) != 0 {
		t.Fatalf("the upstream received %d PING(s)", len(got))
	}
	command := `{"id":"1100000000000000001","type":2,"data":{"name":"pay"}}`
	if status, body, _ := send(priv, command); status != http.StatusOK || body != "upstream 200" {
		t.Fatalf("an application command: %d %q", status, body)
	}
	if got := up.Received(); len(got) != 1 || got[0].Header.Get("Webhook-Verified") != "true" {
		t.Fatalf("the upstream received %+v, want the command, verified", got)
	}
}
