package webhookverify_test

import (
	"bytes"
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
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

// newHandler provisions a handler from JSON, as Caddy would.
func newHandler(t *testing.T, config string) (*webhookverify.Handler, caddy.Context) {
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

// provision provisions h with a context that lives as long as the test
// binary.
func provision(h *webhookverify.Handler) error {
	ctx, _ := caddy.NewContext(caddy.Context{Context: context.Background()})
	return h.Provision(ctx)
}

const tokenConfig = `{"verifier":{"provider":"token","header":"X-Token","secrets":["new-token","old-token"],
	"event_id_path":"id","status_path":"status","amount_path":"amount","reference_path":"ref"}`

// recorder is the next handler: it keeps what it received.
type recorder struct {
	called bool
	req    *http.Request
	body   []byte
}

func (n *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) error {
	n.called = true
	n.req = r
	var err error
	n.body, err = io.ReadAll(r.Body)
	r.Body.Close()
	w.WriteHeader(http.StatusNoContent)
	return err
}

type served struct {
	next *recorder
	repl *caddy.Replacer
	err  error
}

// serve runs one request through the handler.
func serve(h *webhookverify.Handler, r *http.Request) served {
	repl := caddy.NewReplacer()
	r = caddyhttp.PrepareRequest(r, repl, httptest.NewRecorder(), &caddyhttp.Server{})
	next := &recorder{}
	err := h.ServeHTTP(httptest.NewRecorder(), r, next)
	return served{next: next, repl: repl, err: err}
}

func (s served) placeholder(name string) string {
	v, _ := s.repl.GetString("http.webhook." + name)
	return v
}

func (s served) status() int {
	var he caddyhttp.HandlerError
	if errors.As(s.err, &he) {
		return he.StatusCode
	}
	if s.err != nil {
		return -1
	}
	return http.StatusOK
}

func webhook(body string, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
	r.RemoteAddr = "198.51.100.7:4000"
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

const payment = `{"id":"evt_1","status":"paid","amount":"10.50","ref":"order-9"}`

func TestHandlerForwardsVerifiedBodyUnchanged(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`}`)
	body := payment + "\n  " // trailing bytes must survive too
	r := webhook(body, "X-Token", "new-token", "Ce-Type", "forged", "Webhook-Verified", "true", "WEBHOOK-ID", "x")
	s := serve(h, r)
	if s.err != nil {
		t.Fatalf("unexpected error: %v", s.err)
	}
	if !s.next.called || string(s.next.body) != body {
		t.Fatalf("next got %q, want %q", s.next.body, body)
	}
	got := s.next.req
	if got.ContentLength != int64(len(body)) || got.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("content length %d, want %d", got.ContentLength, len(body))
	}
	if got.Header.Get("Webhook-Verified") != "true" {
		t.Errorf("Webhook-Verified = %q", got.Header.Get("Webhook-Verified"))
	}
	if got.Header.Get("Webhook-Id") != "" {
		t.Errorf("inbound Webhook-Id header survived")
	}
	if got.Header.Get("Ce-Type") != "token.webhook" {
		t.Errorf("ce-type = %q, want the module's own value", got.Header.Get("Ce-Type"))
	}
	want := map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "evt_1", "Ce-Source": "/webhook_verify/token",
		"Ce-Provider": "token", "Ce-Paymentstatus": "succeeded", "Ce-Amount": "10.50", "Ce-Reference": "order-9"}
	for k, v := range want {
		if got.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Header.Get(k), v)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, got.Header.Get("Ce-Time")); err != nil {
		t.Errorf("ce-time %q: %v", got.Header.Get("Ce-Time"), err)
	}
	for name, want := range map[string]string{"provider": "token", "verified": "true", "error": "",
		"event_id": "evt_1", "status": "succeeded", "reference": "order-9", "type": "token.webhook"} {
		if v := s.placeholder(name); v != want {
			t.Errorf("{http.webhook.%s} = %q, want %q", name, v, want)
		}
	}
}

func TestHandlerRotatedSecret(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`}`)
	if s := serve(h, webhook(payment, "X-Token", "Bearer old-token")); s.err != nil || !s.next.called {
		t.Fatalf("the second secret should verify: %v", s.err)
	}
}

func TestHandlerRejections(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"allow_ips":["198.51.100.0/24","2001:db8::/32"],"max_body":100}`)
	big := strings.Repeat("x", 101)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		reason string
	}{
		{"missing token", func() *http.Request { return webhook(payment) }, 401, "missing_token"},
		{"wrong token", func() *http.Request { return webhook(payment, "X-Token", "guess") }, 401, "invalid_token"},
		{"ip not allowed", func() *http.Request {
			r := webhook(payment, "X-Token", "new-token")
			r.RemoteAddr = "203.0.113.9:1234"
			return r
		}, 403, "ip_not_allowed"},
		{"ipv6 not allowed", func() *http.Request {
			r := webhook(payment, "X-Token", "new-token")
			r.RemoteAddr = "[2001:db9::1]:1234"
			return r
		}, 403, "ip_not_allowed"},
		{"too large by content-length", func() *http.Request {
			r := webhook(big, "X-Token", "new-token")
			r.Body = io.NopCloser(failingReader{})
			return r
		}, 413, "body_too_large"},
		{"too large without content-length", func() *http.Request {
			r := webhook(big, "X-Token", "new-token")
			r.ContentLength = -1
			return r
		}, 413, "body_too_large"},
		{"body read error", func() *http.Request {
			r := webhook(payment, "X-Token", "new-token")
			r.ContentLength = -1
			r.Body = io.NopCloser(failingReader{})
			return r
		}, 400, "body_unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(h, tt.req())
			if s.status() != tt.status {
				t.Fatalf("status %d (%v), want %d", s.status(), s.err, tt.status)
			}
			if s.next.called {
				t.Fatal("a rejected request reached the next handler")
			}
			if r := s.placeholder("error"); r != tt.reason {
				t.Errorf("{http.webhook.error} = %q, want %q", r, tt.reason)
			}
			if v := s.placeholder("verified"); v != "false" {
				t.Errorf("{http.webhook.verified} = %q", v)
			}
			if strings.Contains(s.err.Error(), "new-token") {
				t.Errorf("error reveals the secret: %v", s.err)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("the body must not be read") }

func TestHandlerAllowIPs(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"allow_ips":["198.51.100.0/24","2001:db8::/32","192.0.2.1"]}`)
	for _, addr := range []string{"198.51.100.7:1", "[2001:db8::5]:1", "192.0.2.1:1", "[::ffff:198.51.100.9]:1"} {
		r := webhook(payment, "X-Token", "new-token")
		r.RemoteAddr = addr
		if s := serve(h, r); s.err != nil {
			t.Errorf("%s: %v", addr, s.err)
		}
	}
	for _, addr := range []string{"192.0.2.2:1", "[2001:db9::5]:1", "[::1]:1", "127.0.0.1:1"} {
		r := webhook(payment, "X-Token", "new-token")
		r.RemoteAddr = addr
		if s := serve(h, r); s.status() != 403 {
			t.Errorf("%s: status %d, want 403", addr, s.status())
		}
	}
}

func TestHandlerShadowMode(t *testing.T) {
	h, ctx := newHandler(t, tokenConfig+`,"enforce":false,"allow_ips":["192.0.2.0/24"]}`)
	for _, r := range []*http.Request{webhook(payment, "X-Token", "guess"), webhook(payment, "X-Token", "new-token")} {
		s := serve(h, r)
		if s.err != nil || !s.next.called {
			t.Fatalf("shadow mode must forward: %v", s.err)
		}
		if v := s.next.req.Header.Get("Webhook-Verified"); v != "false" {
			t.Errorf("Webhook-Verified = %q, want false", v)
		}
		if s.next.req.Header.Get("Ce-Id") != "" {
			t.Error("an unverified request got an envelope")
		}
		if string(s.next.body) != payment {
			t.Errorf("body changed: %q", s.next.body)
		}
	}
	count := (counter(t, ctx, "token", "unverified_forwarded", "ip_not_allowed"))
	if count != 2 {
		t.Errorf("unverified_forwarded count = %v, want 2", count)
	}
}

func TestHandlerShadowModeStillLimitsBody(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"enforce":false,"max_body":10}`)
	if s := serve(h, webhook(payment, "X-Token", "new-token")); s.status() != 413 {
		t.Fatalf("status %d, want 413", s.status())
	}
}

func TestHandlerMetrics(t *testing.T) {
	h, ctx := newHandler(t, tokenConfig+`}`)
	serve(h, webhook(payment, "X-Token", "new-token"))
	serve(h, webhook(payment, "X-Token", "nope"))
	serve(h, webhook(payment, "X-Token", "nope"))
	if c := (counter(t, ctx, "token", "verified", "")); c != 1 {
		t.Errorf("verified = %v, want 1", c)
	}
	if c := (counter(t, ctx, "token", "rejected", "invalid_token")); c != 2 {
		t.Errorf("rejected = %v, want 2", c)
	}
	// A second handler in the same config shares the collectors.
	var h2 webhookverify.Handler
	json.Unmarshal([]byte(tokenConfig+`}`), &h2)
	if err := h2.Provision(ctx); err != nil {
		t.Fatalf("second handler: %v", err)
	}
}

// counter finds caddy_webhook_verify_requests_total for the labels.
func counter(t *testing.T, ctx caddy.Context, provider, outcome, reason string) float64 {
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

func TestHandlerStructuredEnvelope(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"envelope":"structured","source":"/payments/test"}`)
	s := serve(h, webhook(payment, "X-Token", "new-token"))
	if s.err != nil {
		t.Fatal(s.err)
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(s.next.body, &ev); err != nil {
		t.Fatalf("structured body is not JSON: %v\n%s", err, s.next.body)
	}
	if string(ev["data"]) != payment {
		t.Errorf("data = %s, want the provider's body unchanged", ev["data"])
	}
	if string(ev["source"]) != `"/payments/test"` || string(ev["specversion"]) != `"1.0"` {
		t.Errorf("attributes: %s", s.next.body)
	}
	if ct := s.next.req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/cloudevents+json") {
		t.Errorf("content-type %q", ct)
	}
	if s.next.req.ContentLength != int64(len(s.next.body)) {
		t.Errorf("content-length %d for %d bytes", s.next.req.ContentLength, len(s.next.body))
	}
}

func TestHandlerStructuredEnvelopeNonJSON(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"envelope":"structured"}`)
	s := serve(h, webhook("a=1&b=\xff", "X-Token", "new-token"))
	var ev struct {
		Data   json.RawMessage `json:"data"`
		Data64 []byte          `json:"data_base64"`
	}
	if err := json.Unmarshal(s.next.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Data != nil || !bytes.Equal(ev.Data64, []byte("a=1&b=\xff")) {
		t.Errorf("non-JSON body must travel as data_base64: %s", s.next.body)
	}
}

func TestHandlerEnvelopeOff(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`,"envelope":"off"}`)
	s := serve(h, webhook(payment, "X-Token", "new-token", "Ce-Id", "forged"))
	for k := range s.next.req.Header {
		if strings.HasPrefix(k, "Ce-") {
			t.Errorf("envelope off but %s set", k)
		}
	}
	if s.placeholder("event_id") != "evt_1" {
		t.Errorf("placeholders are set whatever the envelope")
	}
}

func TestHandlerDigestIDIsStable(t *testing.T) {
	h, _ := newHandler(t, `{"verifier":{"provider":"token","header":"X-Token","secrets":["k"]}}`)
	a := serve(h, webhook(payment, "X-Token", "k")).next.req.Header.Get("Ce-Id")
	b := serve(h, webhook(payment, "X-Token", "k")).next.req.Header.Get("Ce-Id")
	c := serve(h, webhook(payment+" ", "X-Token", "k")).next.req.Header.Get("Ce-Id")
	if a == "" || a != b || a == c {
		t.Errorf("ids %q %q %q: same body must give the same id, another body another", a, b, c)
	}
}

func TestHandlerPercentEncodesHeaderValues(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`}`)
	s := serve(h, webhook(`{"id":"é 1%\"","ref":"x"}`, "X-Token", "new-token"))
	if got := s.next.req.Header.Get("Ce-Id"); got != "%C3%A9%201%25%22" {
		t.Errorf("ce-id = %q", got)
	}
}

func TestProvisionErrors(t *testing.T) {
	tests := map[string]string{
		`{"verifier":{"provider":"token","header":"X","secrets":["{env.WEBHOOK_TEST_UNSET}"]}}`:      "WEBHOOK_TEST_UNSET",
		`{"verifier":{"provider":"token","header":"X"}}`:                                             "no secret configured",
		`{"verifier":{"provider":"token","header":"X","secrets":["k"]},"allow_ips":["10.0.0.0/33"]}`: "allow_ips",
		`{"verifier":{"provider":"token","header":"X","secrets":["k"]},"envelope":"xml"}`:            "binary, structured or off",
		`{"verifier":{"provider":"token","header":"X","secrets":["k"]},"max_body":-1}`:               "negative",
		`{}`: "no verifier",
	}
	for config, want := range tests {
		var h webhookverify.Handler
		if err := json.Unmarshal([]byte(config), &h); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		err := h.Provision(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", config, err, want)
		}
	}
}
