package integration

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A shared token is the whole proof of a token provider: whoever holds it
// can send any webhook. These tests check that it stops at the edge: the
// header or query parameter that carried it is not forwarded, and an
// access-log filter keeps it out of Caddy's access log.

const (
	credToken = "cred-token-5e1f0a"
	credBasic = "cred-user:cred-pass-77b2"
)

var credEnv = []string{"CRED_TOKEN=" + credToken, "CRED_BASIC=" + credBasic}

// credRoutes are the token providers, each with a genuine request.
var credRoutes = []struct {
	path, provider, block string
	header                http.Header
	query                 string // the token's query parameter, if any
	body                  string
}{
	{"/token-header", "token", "secret {env.CRED_TOKEN}\nheader X-Token", h("X-Token", credToken), "", `{"a":1}`},
	{"/token-query", "token", "secret {env.CRED_TOKEN}\nquery key", nil, "key", `{"a":1}`},
	{"/okra", "okra", "secret {env.CRED_TOKEN}", h("Authorization", "Bearer "+credToken), "", hostileOkraBody},
	{"/okra-own", "okra", "secret {env.CRED_TOKEN}", h("Okra-Auth", credToken), "", hostileOkraBody},
	{"/oktopay", "oktopay", "secret {env.CRED_TOKEN}", h("apiKey", credToken), "", `{"a":1}`},
	{"/oktopay-query", "oktopay", "secret {env.CRED_TOKEN}\nquery apiKey", nil, "apiKey", `{"a":1}`},
	{"/flutterwave", "flutterwave", "secret {env.CRED_TOKEN}", h("Verif-Hash", credToken), "", hostileFlwBody},
	{"/xendit", "xendit", "secret {env.CRED_TOKEN}", h("X-Callback-Token", credToken), "", `{"id":"x1"}`},
	{"/gitlab", "gitlab", "secret {env.CRED_TOKEN}", h("X-Gitlab-Token", credToken), "", `{"object_kind":"push"}`},
	{"/chargebee", "chargebee", "secret {env.CRED_BASIC}", h("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(credBasic))), "", `{"id":"ev_1"}`},
	{"/postmark", "postmark", "secret {env.CRED_BASIC}", h("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(credBasic))), "", `{"RecordType":"Delivery"}`},
	{"/mpesa", "mpesa", "secret {env.CRED_TOKEN}\nallow_ips 127.0.0.1", nil, "token", `{"Body":{}}`},
}

func credSite(extra string) string {
	var b strings.Builder
	for _, r := range credRoutes {
		b.WriteString("\thandle " + r.path + " {\n\t\twebhook_verify " + r.provider + " {\n\t\t\t" +
			strings.ReplaceAll(r.block+extra, "\n", "\n\t\t\t") + "\n\t\t}\n\t\treverse_proxy {UPSTREAM}\n\t}\n")
	}
	return b.String() + errorsAsText
}

// credTarget is the route's path with an unrelated query (which must
// arrive unchanged) and the token's query parameter, if any, in between.
func credTarget(path, query string) (target, without string) {
	if query == "" {
		return path + "?a=1&b=%20x", path + "?a=1&b=%20x"
	}
	return path + "?a=1&" + query + "=" + credToken + "&b=%20x", path + "?a=1&b=%20x"
}

func TestTokenCredentialNotForwarded(t *testing.T) {
	mods := hostileModules(t)
	for _, mode := range []string{"enforce", "shadow"} {
		t.Run(mode, func(t *testing.T) {
			extra := ""
			if mode == "shadow" {
				extra = "\nenforce off"
			}
			up := newUpstream(t)
			c := startCaddy(t, "", credSite(extra), up.Addr, credEnv...)
			for _, r := range credRoutes {
				if !mods[r.provider] {
					t.Logf("skipped (module %s not in this binary): %s", r.provider, r.path)
					continue
				}
				t.Run(r.path, func(t *testing.T) {
					up.Reset()
					target, without := credTarget(r.path, r.query)
					hd := h("X-Other", "kept")
					for k, v := range r.header {
						hd[k] = v
					}
					status, text := hostileRequest{target: target, header: hd, body: []byte(r.body)}.do(t, c.URL)
					got := up.Received()
					if status != 200 || len(got) != 1 {
						t.Fatalf("got %d %q and %d upstream request(s), want 200 and 1", status, text, len(got))
					}
					g := got[0]
					if g.Header.Get("Webhook-Verified") != "true" || g.Header.Get("X-Other") != "kept" {
						t.Errorf("upstream headers %v", g.Header)
					}
					if mode == "shadow" {
						// Shadow mode forwards the request as it came:
						// the application still checks the token itself.
						if g.URI != target {
							t.Errorf("upstream URI %q, want %q", g.URI, target)
						}
						for k := range r.header {
							if g.Header.Get(k) == "" {
								t.Errorf("shadow mode: header %s was removed", k)
							}
						}
						return
					}
					if g.URI != without {
						t.Errorf("upstream URI %q, want %q", g.URI, without)
					}
					for k := range r.header {
						if v := g.Header.Values(k); len(v) > 0 {
							t.Errorf("the upstream received the credential header %s", k)
						}
					}
					for k, v := range g.Header {
						if strings.Contains(strings.Join(v, " "), credToken) || strings.Contains(strings.Join(v, " "), base64.StdEncoding.EncodeToString([]byte(credBasic))) {
							t.Errorf("the upstream received the token in header %s", k)
						}
					}
				})
			}
		})
	}
}

// TestTokenAccessLogFilter checks the README's access-log filter: Caddy's
// access log records the request as it arrived (before any handler), so
// without the filter the token is written there for every request,
// verified or rejected; with it, never.
func TestTokenAccessLogFilter(t *testing.T) {
	for _, filtered := range []bool{false, true} {
		name := "without filter"
		if filtered {
			name = "with filter"
		}
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t)
			logFile := filepath.Join(t.TempDir(), "access.log")
			format := "json"
			if filtered {
				format = "filter {\n\t\t\trequest>headers>X-Token delete\n\t\t\trequest>uri query {\n\t\t\t\tdelete key\n\t\t\t}\n\t\t}"
			}
			site := "\tlog {\n\t\toutput file " + logFile + "\n\t\tformat " + format + "\n\t}\n" +
				"\thandle /h {\n\t\twebhook_verify token {\n\t\t\tsecret {env.CRED_TOKEN}\n\t\t\theader X-Token\n\t\t}\n\t\treverse_proxy {UPSTREAM}\n\t}\n" +
				"\thandle /q {\n\t\twebhook_verify token {\n\t\t\tsecret {env.CRED_TOKEN}\n\t\t\tquery key\n\t\t}\n\t\treverse_proxy {UPSTREAM}\n\t}\n" + errorsAsText
			c := startCaddy(t, "", site, up.Addr, credEnv...)
			wrong := credToken + "-wrong"
			reqs := []struct {
				target string
				header http.Header
				status int
			}{
				{"/h", h("X-Token", credToken), 200},
				{"/h", h("X-Token", wrong), 401},
				{"/q?key=" + credToken + "&a=1", nil, 200},
				{"/q?a=1&key=" + wrong, nil, 401},
			}
			for _, r := range reqs {
				if status, text := (hostileRequest{target: r.target, header: r.header, body: []byte(`{}`)}).do(t, c.URL); status != r.status {
					t.Fatalf("%s: got %d %q, want %d", r.target, status, text, r.status)
				}
			}
			var logs string
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				b, _ := os.ReadFile(logFile)
				if logs = string(b); strings.Count(logs, `"uri":`) >= len(reqs) {
					break
				}
			}
			if n := strings.Count(logs, `"uri":`); n != len(reqs) {
				t.Fatalf("%d access log entries, want %d:\n%s", n, len(reqs), logs)
			}
			if has := strings.Contains(logs, credToken); has == filtered {
				t.Errorf("token in the access log: %v, want %v:\n%s", has, !filtered, logs)
			}
			if filtered && !strings.Contains(logs, `"uri":"/q?a=1"`) {
				t.Errorf("the filtered uri lost its other parameters:\n%s", logs)
			}
		})
	}
}
