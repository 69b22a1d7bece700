package integration

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// errorsAsText makes a rejection's status and reason visible to the client:
// "<status> <reason>", the reason being {http.webhook.error}.
const errorsAsText = `
	handle_errors {
		respond "{http.error.status_code} {http.webhook.error}" {http.error.status_code}
	}`

const hmacSite = `
	webhook_verify hmac {
		secret {env.TEST_SECRET_NEW}
		secret {env.TEST_SECRET_OLD}
		header X-Signature
		prefix sha256=
		max_body 4KiB
		%s
	}
	reverse_proxy {UPSTREAM}` + errorsAsText

var secretsEnv = []string{"TEST_SECRET_NEW=new-secret", "TEST_SECRET_OLD=old-secret"}

func githubStyle(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestEndToEndHMAC(t *testing.T) {
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(hmacSite, ""), up.Addr, secretsEnv...)
	body := []byte("{\"id\":\"evt_1\",\"amount\":\"12.00\"}\r\n\t\x00 binary-safe \xff")

	tests := []struct {
		name   string
		body   []byte
		header http.Header
		status int
		reason string
	}{
		{"valid", body, h("X-Signature", githubStyle("new-secret", body)), 200, ""},
		{"rotated secret", body, h("X-Signature", githubStyle("old-secret", body)), 200, ""},
		{"wrong secret", body, h("X-Signature", githubStyle("guess", body)), 401, "invalid_signature"},
		{"tampered body", append(bytes.Clone(body), '!'), h("X-Signature", githubStyle("new-secret", body)), 401, "invalid_signature"},
		{"missing signature", body, nil, 401, "missing_signature"},
		{"malformed signature", body, h("X-Signature", "sha256=zz"), 401, "malformed_signature"},
		{"wrong prefix", body, h("X-Signature", strings.Replace(githubStyle("new-secret", body), "sha256=", "sha1=", 1)), 401, "malformed_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up.Reset()
			status, text := send(t, http.MethodPost, c.URL+"/hooks", tt.body, tt.header)
			if status != tt.status {
				t.Fatalf("status %d (%q), want %d", status, text, tt.status)
			}
			got := up.Received()
			if tt.status != 200 {
				if len(got) != 0 {
					t.Fatalf("a rejected request reached the upstream")
				}
				if want := fmt.Sprintf("%d %s", tt.status, tt.reason); text != want {
					t.Errorf("response %q, want %q", text, want)
				}
				return
			}
			if len(got) != 1 || !bytes.Equal(got[0].Body, tt.body) {
				t.Fatalf("upstream got %v, want the body byte-exact", got)
			}
			if got[0].Header.Get("Webhook-Verified") != "true" || got[0].Header.Get("Ce-Specversion") != "1.0" {
				t.Errorf("headers %v", got[0].Header)
			}
			if got[0].Header.Get("Content-Length") != fmt.Sprint(len(tt.body)) {
				t.Errorf("content-length %q", got[0].Header.Get("Content-Length"))
			}
		})
	}
	if !strings.Contains(c.Logs(), `"reason":"invalid_signature"`) || strings.Contains(c.Logs(), "new-secret") {
		t.Errorf("want one log line per rejection with its reason and no secret")
	}
}

func TestEndToEndStripsOwnedHeaders(t *testing.T) {
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(hmacSite, ""), up.Addr, secretsEnv...)
	body := []byte(`{"id":"a"}`)
	hdr := h("X-Signature", githubStyle("new-secret", body), "Ce-Id", "forged", "ce-type", "forged",
		"Webhook-Verified", "true", "WEBHOOK-ERROR", "x", "Ce-Madeup", "1")
	if status, text := send(t, http.MethodPost, c.URL+"/", body, hdr); status != 200 {
		t.Fatalf("status %d %s", status, text)
	}
	got := up.Received()[0].Header
	if got.Get("Ce-Id") == "forged" || got.Get("Ce-Type") == "forged" || got.Get("Ce-Madeup") != "" || got.Get("Webhook-Error") != "" {
		t.Errorf("inbound Ce-*/Webhook-* headers survived: %v", got)
	}
	if got.Get("Webhook-Verified") != "true" {
		t.Errorf("Webhook-Verified %q", got.Get("Webhook-Verified"))
	}
}

func TestEndToEndBodyLimit(t *testing.T) {
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(hmacSite, ""), up.Addr, secretsEnv...)
	big := bytes.Repeat([]byte("a"), 5000)
	sig := h("X-Signature", githubStyle("new-secret", big))

	if status, text := send(t, http.MethodPost, c.URL+"/", big, sig); status != 413 || text != "413 body_too_large" {
		t.Errorf("with Content-Length: %d %q", status, text)
	}
	// Without Content-Length: a chunked body.
	req, _ := http.NewRequest(http.MethodPost, c.URL+"/", struct{ *bytes.Reader }{bytes.NewReader(big)})
	req.Header = sig
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || req.ContentLength != 0 && req.ContentLength != -1 {
		t.Errorf("chunked: status %d", resp.StatusCode)
	}
	if len(up.Received()) != 0 {
		t.Error("an oversize body reached the upstream")
	}
	// Just under the limit passes, chunked too.
	ok := big[:4096]
	req, _ = http.NewRequest(http.MethodPost, c.URL+"/", struct{ *bytes.Reader }{bytes.NewReader(ok)})
	req.Header = h("X-Signature", githubStyle("new-secret", ok))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(up.Received()) != 1 || !bytes.Equal(up.Received()[0].Body, ok) {
		t.Errorf("4 KiB chunked body: status %d", resp.StatusCode)
	}
}

func TestEndToEndShadowMode(t *testing.T) {
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(hmacSite, "enforce off"), up.Addr, secretsEnv...)
	body := []byte(`{"id":"shadow"}`)
	status, _ := send(t, http.MethodPost, c.URL+"/", body, h("X-Signature", githubStyle("guess", body)))
	if status != 200 {
		t.Fatalf("shadow mode status %d", status)
	}
	got := up.Received()
	if len(got) != 1 || got[0].Header.Get("Webhook-Verified") != "false" || got[0].Header.Get("Webhook-Error") != "invalid_signature" {
		t.Fatalf("upstream got %v", got)
	}
	if got[0].Header.Get("Ce-Id") != "" {
		t.Error("unverified request got an envelope")
	}
	if !strings.Contains(c.Logs(), "forwarded (enforce off)") {
		t.Error("shadow failure not logged")
	}
}

func TestEndToEndUpstreamFailureReachesProvider(t *testing.T) {
	up := newUpstream(t)
	up.Status = func(*http.Request, []byte) int { return http.StatusServiceUnavailable }
	c := startCaddy(t, "", fmt.Sprintf(hmacSite, ""), up.Addr, secretsEnv...)
	body := []byte(`{"id":"retry-me"}`)
	status, text := send(t, http.MethodPost, c.URL+"/", body, h("X-Signature", githubStyle("new-secret", body)))
	if status != 503 || text != "upstream 503" {
		t.Fatalf("status %d %q, want the upstream's 503 so that the provider retries", status, text)
	}
	// With the upstream down entirely, the provider sees a 502.
	up.srv.Close()
	status, _ = send(t, http.MethodPost, c.URL+"/", body, h("X-Signature", githubStyle("new-secret", body)))
	if status != 502 {
		t.Fatalf("upstream down: status %d, want 502", status)
	}
}

const ipSite = `
	webhook_verify token {
		secret {env.TEST_SECRET_NEW}
		header X-Token
		allow_ips 192.0.2.0/24 2001:db8::/32 127.0.0.2
	}
	reverse_proxy {UPSTREAM}` + errorsAsText

func TestEndToEndAllowIPs(t *testing.T) {
	up := newUpstream(t)
	body := []byte(`{}`)

	t.Run("no trusted proxies: peer address counts, X-Forwarded-For is ignored", func(t *testing.T) {
		c := startCaddy(t, "", ipSite, up.Addr, secretsEnv...)
		for _, xff := range []string{"", "192.0.2.10", "2001:db8::1"} {
			status, text := send(t, http.MethodPost, c.URL+"/", body, h("X-Token", "new-secret", "X-Forwarded-For", xff))
			if status != 403 || text != "403 ip_not_allowed" {
				t.Errorf("XFF %q from untrusted 127.0.0.1: %d %q, want 403", xff, status, text)
			}
		}
		// From 127.0.0.2, which is allowed, the peer address itself passes.
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
		c2 := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
		req, _ := http.NewRequest(http.MethodPost, c.URL+"/", bytes.NewReader(body))
		req.Header.Set("X-Token", "new-secret")
		resp, err := c2.Do(req)
		if err != nil {
			t.Skipf("cannot bind 127.0.0.2 here: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("from allowed 127.0.0.2: %d", resp.StatusCode)
		}
	})

	t.Run("trusted proxy: X-Forwarded-For decides, IPv4 and IPv6", func(t *testing.T) {
		c := startCaddy(t, "\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", ipSite, up.Addr, secretsEnv...)
		for xff, want := range map[string]int{
			"192.0.2.10":               200,
			"2001:db8::1":              200,
			"2001:db8:ffff::99":        200,
			"198.51.100.1":             403,
			"2001:db9::1":              403,
			"198.51.100.1, 192.0.2.10": 403, // Caddy takes the left-most address (unless trusted_proxies_strict)
			"192.0.2.10, 198.51.100.1": 200,
			"":                         403, // 127.0.0.1 itself is not allowed
		} {
			up.Reset()
			status, _ := send(t, http.MethodPost, c.URL+"/", body, h("X-Token", "new-secret", "X-Forwarded-For", xff))
			if status != want {
				t.Errorf("XFF %q: %d, want %d", xff, status, want)
			}
			if (len(up.Received()) == 1) != (want == 200) {
				t.Errorf("XFF %q: upstream received %d", xff, len(up.Received()))
			}
		}
	})
}
