package keysource

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

func TestAllowedFetchIsCached(t *testing.T) {
	srv := serve(t, text("CERT"))
	src := newSource(t, paypalConfig(), nil)
	for range 3 {
		v, err := get(src, "https://api.paypal.com/v1/notifications/certs/CERT-1")
		if err != nil {
			t.Fatal(err)
		}
		if v != "CERT" {
			t.Fatalf("value %v, want CERT", v)
		}
	}
	// Host names match case-insensitively, and :443 is the default port.
	if _, err := get(src, "https://API.PAYPAL.COM:443/v1/notifications/certs/CERT-2"); err != nil {
		t.Fatal(err)
	}
	if n := srv.hitCount("/v1/notifications/certs/CERT-1"); n != 1 {
		t.Fatalf("CERT-1 fetched %d times, want 1", n)
	}
}

func TestKeysourcetestNewServer(t *testing.T) {
	keysourcetest.NewServer(t, text("JWKS"), "keys.fireblocks.io")
	src := newSource(t, Config{Provider: "fireblocks", Hosts: []string{"keys.fireblocks.io"}}, nil)
	v, err := get(src, "https://keys.fireblocks.io/.well-known/jwks.json")
	if err != nil || v != "JWKS" {
		t.Fatalf("got %v, %v; want JWKS", v, err)
	}
}

func TestAllowHostPattern(t *testing.T) {
	ca := keysourcetest.NewCA(t)
	now := time.Now()
	keysourcetest.StartTLS(t, text("SNS"), ca.Pool, ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "sns.eu-west-1.amazonaws.com"))
	src := newSource(t, Config{Provider: "sns", AllowHost: func(host string) bool {
		region, ok := strings.CutPrefix(host, "sns.")
		region, ok2 := strings.CutSuffix(region, ".amazonaws.com")
		return ok && ok2 && region != "" && !strings.Contains(region, ".")
	}}, nil)
	if v, err := get(src, "https://SNS.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem"); err != nil || v != "SNS" {
		t.Fatalf("got %v, %v; want SNS", v, err)
	}
	for _, u := range []string{
		"https://sns.eu-west-1.amazonaws.com.evil.test/x.pem",
		"https://sns.evil.test.amazonaws.com.evil.test/x.pem",
		"https://sns.a.b.amazonaws.com/x.pem",
	} {
		_, err := get(src, u)
		wantErr(t, err, ErrNotAllowed)
	}
}

func TestRefusedURLs(t *testing.T) {
	srv := serve(t, text("CERT"))
	src := newSource(t, paypalConfig(), nil)
	for _, u := range []string{
		"http://api.paypal.com/cert",
		"HTTP://api.paypal.com/cert",
		"ftp://api.paypal.com/cert",
		"https://evil.test/cert",
		"https://api.paypal.com.evil.test/cert",
		"https://api.paypal.com./cert",
		"https://paypal.com/cert",
		"https://xapi.paypal.com/cert",
		"https://user:secret-pass@api.paypal.com/cert",
		"https://api.paypal.com@evil.test/cert",
		"https://evil.test#@api.paypal.com/cert",
		"https://evil.test\\@api.paypal.com/cert",
		"https://api.paypal.com:8443/cert",
		"https://api.paypal.com:80/cert",
		"https://api.paypal.com:0443/cert",
		"https://127.0.0.1/cert",
		"https://[::1]/cert",
		"https:api.paypal.com/cert",
		"//api.paypal.com/cert",
		"/cert",
		"",
	} {
		_, err := get(src, u)
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%q: error %v, want ErrNotAllowed", u, err)
		} else if strings.Contains(err.Error(), "secret-pass") {
			t.Errorf("%q: error shows the password: %v", u, err)
		}
	}
	// Had a refused URL connected, its connection would have been accepted
	// before this one's.
	if _, err := get(newSource(t, paypalConfig(), nil), "https://api.paypal.com/cert"); err != nil {
		t.Fatal(err)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1 (the allowed request's)", n)
	}
}

func TestTransportChecksEveryRequest(t *testing.T) {
	srv := serve(t, text("CERT"))
	src := newSource(t, paypalConfig(), nil)
	c := src.c.client
	for _, u := range []string{"https://evil.test/cert", "http://api.paypal.com/cert"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		_, err := c.hc.Do(req) // the http.Client's guard, without Client.do's check
		wantErr(t, err, ErrNotAllowed)
		_, err = c.tr.RoundTrip(req) // the dialers, without the guard
		wantErr(t, err, ErrNotAllowed)
	}
	if _, err := get(newSource(t, paypalConfig(), nil), "https://api.paypal.com/cert"); err != nil {
		t.Fatal(err)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestNonPublicAddressRefused(t *testing.T) {
	// No override: localhost resolves to a loopback address, which the
	// dialer refuses before connecting.
	src := newSource(t, Config{Provider: "test", Hosts: []string{"localhost"}}, nil)
	_, err := get(src, "https://localhost/cert")
	wantErr(t, err, ErrNotAllowed)

	for addr, refused := range map[string]bool{
		"127.0.0.1:443":            true,
		"10.1.2.3:443":             true,
		"172.16.0.1:443":           true,
		"192.168.1.1:443":          true,
		"169.254.169.254:443":      true,
		"100.100.100.200:443":      true,
		"0.0.0.0:443":              true,
		"0.1.2.3:443":              true,
		"224.0.0.1:443":            true,
		"[::1]:443":                true,
		"[::]:443":                 true,
		"[fd00:ec2::254]:443":      true,
		"[fe80::1]:443":            true,
		"[::ffff:127.0.0.1]:443":   true,
		"[::ffff:10.0.0.1]:443":    true,
		"192.0.0.8:443":            true,
		"198.18.0.1:443":           true,
		"240.0.0.1:443":            true,
		"255.255.255.255:443":      true,
		"168.63.129.16:443":        true,
		"[64:ff9b::a9fe:a9fe]:443": true, // NAT64 of 169.254.169.254
		"[2002:a9fe:a9fe::1]:443":  true, // 6to4
		"[2001::1]:443":            true, // Teredo
		"151.101.1.1:443":          false,
		"[2606:4700::1111]:443":    false,
	} {
		err := refuseNonPublic("tcp", addr, syscall.RawConn(nil))
		if refused != errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: error %v, want refused %v", addr, err, refused)
		}
	}
}

func TestRedirectRefused(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "https://api.sandbox.paypal.com/cert", http.StatusFound)
			return
		}
		io.WriteString(w, "CERT")
	})
	src := newSource(t, paypalConfig(), nil)
	_, err := get(src, "https://api.paypal.com/moved")
	wantErr(t, err, ErrUnavailable)
	if se, ok := errors.AsType[*StatusError](err); !ok || se.StatusCode != http.StatusFound {
		t.Fatalf("error %v, want a StatusError 302", err)
	}
	if n := srv.hitCount("/cert"); n != 0 {
		t.Fatalf("redirect followed (%d requests)", n)
	}
}

func TestBadCertificatesRefused(t *testing.T) {
	now := time.Now()
	ca, other := keysourcetest.NewCA(t), keysourcetest.NewCA(t)
	for name, cert := range map[string]tls.Certificate{
		"self-signed":      selfSigned(t, paypal),
		"another CA":       other.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), paypal),
		"expired":          ca.Leaf(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour), paypal),
		"not yet valid":    ca.Leaf(t, now.Add(24*time.Hour), now.Add(48*time.Hour), paypal),
		"another name":     ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "api.sandbox.paypal.com"),
		"look-alike name":  ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "api.paypal.com.evil.test"),
		"wildcard too far": ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "*.com"),
	} {
		t.Run(name, func(t *testing.T) {
			var hits atomic.Int64
			keysourcetest.StartTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), ca.Pool, cert)
			_, err := get(newSource(t, paypalConfig(), nil), "https://api.paypal.com/cert")
			wantErr(t, err, ErrUnavailable)
			if hits.Load() != 0 {
				t.Fatal("request sent over an unverified connection")
			}
		})
	}
}

func TestOldTLSRefused(t *testing.T) {
	ca := keysourcetest.NewCA(t)
	now := time.Now()
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), paypal)},
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS11,
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	keysourcetest.Override(t, srv.Listener.Addr().String(), ca.Pool)
	_, err := get(newSource(t, paypalConfig(), nil), "https://api.paypal.com/cert")
	wantErr(t, err, ErrUnavailable)
	if !strings.Contains(err.Error(), "version") || hits.Load() != 0 {
		t.Fatalf("error %v, %d requests; want a refused handshake", err, hits.Load())
	}
}

func TestStatuses(t *testing.T) {
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	})
	src := newSource(t, paypalConfig(), nil)
	for path, want := range map[string]error{"/404": ErrNotFound, "/410": ErrNotFound, "/400": ErrUnavailable, "/500": ErrUnavailable} {
		_, err := src.c.client.Get(context.Background(), "https://api.paypal.com"+path, nil)
		wantErr(t, err, want)
		se, ok := errors.AsType[*StatusError](err)
		if !ok || "/"+strconv.Itoa(se.StatusCode) != path {
			t.Fatalf("%s: error %v, want a StatusError", path, err)
		}
	}
	if b, err := src.c.client.Get(context.Background(), "https://api.paypal.com/204", nil); err != nil || len(b) != 0 {
		t.Fatalf("204: %q, %v", b, err)
	}
}

func TestResponseBound(t *testing.T) {
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := DefaultMaxResponseBytes
		if strings.HasSuffix(r.URL.Path, "/over") {
			n++
		}
		if strings.HasPrefix(r.URL.Path, "/chunked") {
			w.(http.Flusher).Flush() // no Content-Length
		}
		w.Write(bytes.Repeat([]byte("k"), n))
	})
	src := newSource(t, paypalConfig(), nil)
	for _, p := range []string{"/sized", "/chunked"} {
		b, err := src.c.client.Get(context.Background(), "https://api.paypal.com"+p+"/full", nil)
		if err != nil || len(b) != DefaultMaxResponseBytes {
			t.Fatalf("%s/full: %d bytes, %v", p, len(b), err)
		}
		_, err = src.c.client.Get(context.Background(), "https://api.paypal.com"+p+"/over", nil)
		wantErr(t, err, ErrUnavailable)
	}
}

func TestPost(t *testing.T) {
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || string(body) != `{"key_id":"k1"}` {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		io.WriteString(w, `{"key":{}}`)
	})
	src := newSource(t, paypalConfig(), nil)
	b, err := src.c.client.Post(context.Background(), "https://api.sandbox.paypal.com/webhook_verification_key/get",
		http.Header{"Content-Type": {"application/json"}}, []byte(`{"key_id":"k1"}`))
	if err != nil || string(b) != `{"key":{}}` {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestErrorsHideCredentials(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // before the server's Close, which waits for the handler
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, r.Header.Get("Authorization"))
	})
	cfg := paypalConfig()
	cfg.Timeout = 100 * time.Millisecond
	src := newSource(t, cfg, nil)
	header := http.Header{"Authorization": {"Bearer SECRET-TOKEN"}}
	for _, u := range []string{
		"https://api.paypal.com/v2/key?api_key=SECRET-QUERY",
		"https://evil.test/v2/key?api_key=SECRET-QUERY",
		"https://SECRET-USER:SECRET-PASS@api.paypal.com/v2/key",
		"https://api.paypal.com/slow?api_key=SECRET-QUERY",
		"https://api.paypal.com/%zz?SECRET-QUERY",
	} {
		_, err := src.c.client.Post(context.Background(), u, header, []byte("SECRET-BODY"))
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%q: error %v", u, err)
		}
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // before the server's Close, which waits for the handler
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	cfg := paypalConfig()
	cfg.Timeout = 50 * time.Millisecond
	_, err := get(newSource(t, cfg, nil), "https://api.paypal.com/cert")
	wantErr(t, err, ErrUnavailable)
	wantErr(t, err, context.DeadlineExceeded)
}

func TestNoProxyFromEnvironment(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("https_proxy", "http://127.0.0.1:1")
	serve(t, text("CERT"))
	if _, err := get(newSource(t, paypalConfig(), nil), "https://api.paypal.com/cert"); err != nil {
		t.Fatal(err)
	}
}

// selfSigned makes a certificate for host signed by its own key.
func selfSigned(t *testing.T, host string) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
