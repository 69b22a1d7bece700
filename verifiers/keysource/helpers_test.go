package keysource

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

const paypal = "api.paypal.com"

// server is a local TLS server for api.paypal.com (and its sandbox) that
// keysource reaches through the test override.
type server struct {
	*httptest.Server
	ca    *keysourcetest.CA
	conns atomic.Int64 // connections accepted
	hits  sync.Map     // path → *atomic.Int64
}

// serve starts h on a server whose certificate, from a test CA, names
// api.paypal.com and api.sandbox.paypal.com, and points keysource at it.
func serve(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{ca: keysourcetest.NewCA(t)}
	now := time.Now()
	leaf := s.ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), paypal, "api.sandbox.paypal.com")
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counter(r.URL.Path).Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew { // called on the accepting goroutine, in order
			s.conns.Add(1)
		}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = newTLSConfig(leaf)
	s.StartTLS()
	t.Cleanup(s.Close)
	keysourcetest.Override(t, s.Listener.Addr().String(), s.ca.Pool)
	return s
}

func (s *server) counter(path string) *atomic.Int64 {
	c, _ := s.hits.LoadOrStore(path, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// hitCount is how many requests reached path.
func (s *server) hitCount(path string) int64 { return s.counter(path).Load() }

// text answers every request with body.
func text(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
}

// status answers every request with code.
func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

// fakeClock is a Config.Now that tests move.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// paypalConfig allows PayPal's hosts.
func paypalConfig() Config {
	return Config{
		Provider: "paypal",
		Hosts:    []string{"API.PayPal.com", "api.sandbox.paypal.com"},
		TTL:      time.Hour,
	}
}

// newSource returns a Source of its own for cfg, released at the end of t.
func newSource(t *testing.T, cfg Config, reg prometheus.Registerer) *Source {
	t.Helper()
	s, err := New(cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Release() })
	return s
}

// getURL fetches url and keeps its body as a string.
func getURL(url string) FetchFunc {
	return func(ctx context.Context, c *Client) (any, time.Duration, error) {
		b, err := c.Get(ctx, url, nil)
		if err != nil {
			return nil, 0, err
		}
		return string(b), 0, nil
	}
}

// get is src.Get(id) with getURL(id).
func get(src *Source, id string) (any, error) {
	return src.Get(context.Background(), id, getURL(id))
}

// wantErr fails t unless err wraps want.
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// fetchCount reads the fetch counter of provider and outcome from reg.
func fetchCount(t *testing.T, reg prometheus.Gatherer, provider, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "caddy_webhook_verify_key_fetch_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label(m, "provider") == provider && label(m, "outcome") == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no caddy_webhook_verify_key_fetch_total{provider=%q,outcome=%q}", provider, outcome)
	return 0
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func newTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}
