package integration

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

// keyServer is a local TLS server standing in for providers' key hosts
// (by name: its certificate names them, from a throwaway CA), for a Caddy
// built with test hooks (testHooksCaddy). It counts requests.
type keyServer struct {
	*httptest.Server
	hits   atomic.Int64
	caFile string // the throwaway CA, plus extra roots, as WEBHOOK_VERIFY_TEST_KEY_CA
}

// newKeyServer serves files by path, as hosts, trusting the throwaway CA
// and extraRoots (PEM) for the certificate chains it serves.
func newKeyServer(t *testing.T, files map[string][]byte, extraRoots []byte, hosts ...string) *keyServer {
	t.Helper()
	ca := keysourcetest.NewCA(t)
	now := time.Now()
	s := &keyServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		b, ok := files[r.Host+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), hosts...)}}
	s.StartTLS()
	t.Cleanup(s.Close)
	s.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(s.caFile, append(ca.PEM(), extraRoots...), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// env is the test hooks' environment that sends key fetches here.
func (s *keyServer) env(now string) []string {
	env := []string{"WEBHOOK_VERIFY_TEST_KEY_SERVER=" + s.Listener.Addr().String(), "WEBHOOK_VERIFY_TEST_KEY_CA=" + s.caFile}
	if now != "" {
		env = append(env, "WEBHOOK_VERIFY_TEST_NOW="+now)
	}
	return env
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PayPal's published vector (the PayPal Java SDK's, whose certificate
// expired in 2019) end to end: the certificate is fetched once from
// PayPal's sandbox host (here the key server, by name, under the test
// hooks) and the webhook reaches the upstream verified; a certificate URL
// on another host is refused without a fetch; when the key host is down
// PayPal is told to retry (503, Retry-After).
func TestPayPalVectorEndToEnd(t *testing.T) {
	const dir = "../verifiers/paypal/testdata/"
	body := readFile(t, dir+"java-sdk-body.json")
	ks := newKeyServer(t, map[string][]byte{
		"api.sandbox.paypal.com/v1/notifications/test": readFile(t, dir+"java-sdk-cert.pem"),
	}, readFile(t, dir+"digicert-high-assurance-ev-root.pem"), "api.sandbox.paypal.com")
	up := newUpstream(t)
	site := "\twebhook_verify paypal {\n\t\twebhook_id 96605875FF6516633\n\t}\n\treverse_proxy {UPSTREAM}\n"
	c := startCaddyBin(t, testHooksCaddy(t), "", site, up.Addr, ks.env("2017-03-30T20:05:00Z")...)
	vector := func(certURL string) http.Header {
		return h("Content-Type", "application/json",
			"Paypal-Transmission-Id", "071f7d20-1584-11e7-abf0-6b62a8a99ac4",
			"Paypal-Transmission-Time", "2017-03-30T20:04:05Z",
			"Paypal-Transmission-Sig", "aBjgm5/xljRYu3G64Q0axISrP2xcy7WbW1u4UTCKnQvyprOZ1a1BBmqn2Jdr6ce8E76I3Ti/AL9y4VYSHyGSEaoE6dVQcCDebLbOXLH0fjTAbTc1/rmfdWmsk0DPltW84Y8W8jOHe3CLWDOwg5zmozyt+AceG2x5eOiw7mLSycaEoj/5RG+dOIWXnmWcLEArbG3VFshy0wuhZrKuGa9C/bD4Ku+Y9gK7Bv5I5IuGRVnTGpcFnVG0KxOyJxccLGyBVCIUMY5IZS7LkmJszQ3HZZFDTNihvgJHECSLwLhzUaysIye5G6CbbLdtAmeeb6wiDciEAvr2dFf+SplOR4Lrng==",
			"Paypal-Cert-Url", certURL,
			"Paypal-Auth-Algo", "SHA256withRSA")
	}
	for i := range 2 {
		if status, got := send(t, http.MethodPost, c.URL+"/", body, vector("https://api.sandbox.paypal.com/v1/notifications/test")); status != http.StatusOK || got != "upstream 200" {
			t.Fatalf("vector #%d: %d %q", i+1, status, got)
		}
	}
	if got := up.Received(); len(got) != 2 || got[0].Header.Get("Webhook-Verified") != "true" || got[0].Header.Get("Ce-Id") != "071f7d20-1584-11e7-abf0-6b62a8a99ac4" {
		t.Fatalf("upstream received %+v", got)
	}
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("the certificate was fetched %d times, want once", n)
	}
	for _, u := range []string{"https://evil.test/cert.pem", "https://api.sandbox.paypal.com.evil.test/v1/notifications/test", "http://api.sandbox.paypal.com/v1/notifications/test"} {
		if status, _ := send(t, http.MethodPost, c.URL+"/", body, vector(u)); status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", u, status)
		}
	}
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("refused certificate URLs caused %d more fetches", n-1)
	}
	if !strings.Contains(c.logs.String(), "key_url_not_allowed") {
		t.Error("the log does not give key_url_not_allowed")
	}
	if status, got := send(t, http.MethodGet, c.AdminURL+"/metrics", nil, nil); status != http.StatusOK ||
		!strings.Contains(got, `caddy_webhook_verify_key_fetch_total{outcome="fetched",provider="paypal"} 1`) {
		t.Errorf("metrics: %d, no fetched count for paypal", status)
	}

	ks.Close() // the key host is down: a new certificate cannot be fetched
	req, _ := http.NewRequest(http.MethodPost, c.URL+"/", strings.NewReader(string(body)))
	req.Header = vector("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-other")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("key host down: %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// The production binary has no test hooks: the same environment does not
// send PayPal's certificate fetch to the local server.
func TestProductionBinaryIgnoresTestHooks(t *testing.T) {
	ks := newKeyServer(t, map[string][]byte{}, nil, "api.sandbox.paypal.com")
	up := newUpstream(t)
	site := "\twebhook_verify paypal {\n\t\twebhook_id 96605875FF6516633\n\t}\n\treverse_proxy {UPSTREAM}\n"
	c := startCaddy(t, "", site, up.Addr, ks.env("2017-03-30T20:05:00Z")...)
	hd := h("Paypal-Transmission-Id", "id-1", "Paypal-Transmission-Time", time.Now().UTC().Format(time.RFC3339),
		"Paypal-Transmission-Sig", "AAAA", "Paypal-Cert-Url", "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
		"Paypal-Auth-Algo", "SHA256withRSA")
	status, _ := send(t, http.MethodPost, c.URL+"/", []byte(`{}`), hd)
	if status == http.StatusOK || ks.hits.Load() != 0 {
		t.Fatalf("status %d, %d requests reached the local key server", status, ks.hits.Load())
	}
	if strings.Contains(c.logs.String(), "TEST HOOKS ACTIVE") {
		t.Fatal("the production binary announces test hooks")
	}
}
