package webhookverify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// hmacDedupConfig signs the body with HMAC-SHA256 (so the body and its
// "id" are covered); %s is the source and %s more handler fields.
const hmacDedupConfig = `{"verifier":{"provider":"hmac","header":"X-Signature","secrets":["dedup-secret"],"event_id_path":"id"},
	"source":%q,%s}`

func sign(body string) string {
	m := hmac.New(sha256.New, []byte("dedup-secret"))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// dedupHandler is a handler with dedup on this Caddy's memory; each test
// has its own source, so keys never meet across tests.
func dedupHandler(t *testing.T, extra string) (*webhookverify.Handler, caddy.Context) {
	t.Helper()
	if extra == "" {
		extra = `"dedup":{}`
	}
	return newHandler(t, fmt.Sprintf(hmacDedupConfig, "/test/"+t.Name(), extra))
}

// upstreamFunc is a next handler answering with a function.
type upstreamFunc func(w http.ResponseWriter, r *http.Request) error

func (f upstreamFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) error { return f(w, r) }

// answering returns a next handler that counts calls and answers status.
func answering(calls *atomic.Int32, status int) upstreamFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		return nil
	}
}

type outcome struct {
	status int // the response's, or the handler error's
	dedup  string
	header http.Header
	err    error
}

// deliver sends one signed webhook through h to next.
func deliver(h *webhookverify.Handler, body string, next caddyhttp.Handler, header ...string) outcome {
	r := webhook(body, append([]string{"X-Signature", sign(body)}, header...)...)
	repl := caddy.NewReplacer()
	w := httptest.NewRecorder()
	r = caddyhttp.PrepareRequest(r, repl, w, &caddyhttp.Server{})
	err := h.ServeHTTP(w, r, next)
	o := outcome{status: w.Code, header: w.Header(), err: err}
	var he caddyhttp.HandlerError
	if errors.As(err, &he) {
		o.status = he.StatusCode
	}
	o.dedup, _ = repl.GetString("http.webhook.dedup")
	return o
}

func TestDedupForwardsOnceThenAnswers200(t *testing.T) {
	h, _ := dedupHandler(t, "")
	var calls atomic.Int32
	var seen string
	next := upstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
		seen = r.Header.Get("Webhook-Dedup")
		return answering(&calls, http.StatusOK)(w, r)
	})
	body := `{"id":"evt_1","amount":"5.00"}`
	first := deliver(h, body, next)
	if first.err != nil || first.status != 200 || first.dedup != "new" || seen != "new" {
		t.Fatalf("first delivery: %+v, upstream saw Webhook-Dedup %q", first, seen)
	}
	for i := range 3 {
		again := deliver(h, body, next, "X-Extra", fmt.Sprint(i)) // unsigned headers change nothing
		if again.err != nil || again.status != 200 || again.dedup != "duplicate" || again.header.Get("Webhook-Dedup") != "duplicate" {
			t.Fatalf("replay %d: %+v", i, again)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("upstream called %d times, want 1", n)
	}
}

// The id is signed (inside a signed body), so another body with the same
// id is the same event; a body with another id is a new one.
func TestDedupKeysOnSignedEventID(t *testing.T) {
	h, _ := dedupHandler(t, "")
	var calls atomic.Int32
	next := answering(&calls, http.StatusOK)
	deliver(h, `{"id":"evt_7","attempt":1}`, next)
	if o := deliver(h, `{"id":"evt_7","attempt":2}`, next); o.dedup != "duplicate" {
		t.Errorf("same signed id, other body: %+v", o)
	}
	if o := deliver(h, `{"id":"evt_8","attempt":1}`, next); o.dedup != "new" {
		t.Errorf("another id: %+v", o)
	}
	if calls.Load() != 2 {
		t.Errorf("upstream called %d times, want 2", calls.Load())
	}
}

// A shared token covers nothing of the body, so the body's "id" must not
// be the key: the key is the digest of the body.
func TestDedupIgnoresUncoveredEventID(t *testing.T) {
	h, _ := newHandler(t, fmt.Sprintf(`{"verifier":{"provider":"token","header":"X-Token","secrets":["tok"],"event_id_path":"id"},"source":%q,"dedup":{}}`, "/test/"+t.Name()))
	var calls atomic.Int32
	next := answering(&calls, http.StatusOK)
	send := func(body string) outcome {
		r := webhook(body, "X-Token", "tok")
		repl := caddy.NewReplacer()
		w := httptest.NewRecorder()
		r = caddyhttp.PrepareRequest(r, repl, w, &caddyhttp.Server{})
		err := h.ServeHTTP(w, r, next)
		d, _ := repl.GetString("http.webhook.dedup")
		return outcome{status: w.Code, dedup: d, err: err}
	}
	if o := send(`{"id":"evt_1","n":1}`); o.dedup != "new" {
		t.Fatalf("first: %+v", o)
	}
	if o := send(`{"id":"evt_1","n":2}`); o.dedup != "new" {
		t.Errorf("another body with the same unsigned id must be keyed by its digest: %+v", o)
	}
	if o := send(`{"id":"evt_1","n":2}`); o.dedup != "duplicate" {
		t.Errorf("the same body again: %+v", o)
	}
}

// A failed first delivery releases the key: the provider's retry is
// forwarded, and only a 2xx commits.
func TestDedupReleasesWhenTheUpstreamFails(t *testing.T) {
	failures := map[string]upstreamFunc{
		"500": func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(500); return nil },
		"302": func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(302); return nil },
		"handler error 502": func(http.ResponseWriter, *http.Request) error {
			return caddyhttp.Error(http.StatusBadGateway, errors.New("dial tcp: connection refused"))
		},
		"client gone": func(_ http.ResponseWriter, r *http.Request) error {
			return caddyhttp.Error(499, context.Canceled)
		},
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			h, _ := dedupHandler(t, "")
			body := `{"id":"evt_` + name + `"}`
			first := deliver(h, body, fail)
			if first.dedup != "new" {
				t.Fatalf("first: %+v", first)
			}
			var calls atomic.Int32
			if retry := deliver(h, body, answering(&calls, 204)); retry.dedup != "new" || calls.Load() != 1 {
				t.Fatalf("retry after %s was not forwarded: %+v", name, retry)
			}
			if again := deliver(h, body, answering(&calls, 204)); again.dedup != "duplicate" || calls.Load() != 1 {
				t.Fatalf("after a 2xx the key must be committed: %+v", again)
			}
		})
	}
}

func TestDedupReleasesOnPanic(t *testing.T) {
	h, _ := dedupHandler(t, "")
	body := `{"id":"evt_panic"}`
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		deliver(h, body, upstreamFunc(func(http.ResponseWriter, *http.Request) error { panic("upstream handler bug") }))
	}()
	var calls atomic.Int32
	if retry := deliver(h, body, answering(&calls, 200)); retry.dedup != "new" || calls.Load() != 1 {
		t.Fatalf("retry after a panic: %+v", retry)
	}
}

// deliverSlowly starts delivering body to an upstream that answers 200
// only when release is closed; it returns once the upstream has the
// request, with that upstream (to try copies against) and the outcome to
// come.
func deliverSlowly(h *webhookverify.Handler, body string, calls *atomic.Int32) (slow upstreamFunc, done chan outcome, release chan struct{}) {
	release = make(chan struct{})
	entered := make(chan struct{})
	slow = func(w http.ResponseWriter, r *http.Request) error {
		calls.Add(1)
		close(entered)
		<-release
		w.WriteHeader(200)
		return nil
	}
	done = make(chan outcome)
	go func() { done <- deliver(h, body, slow) }()
	<-entered
	return slow, done, release
}

// While the first delivery is in flight, copies get 409 with Retry-After
// and never reach the upstream.
func TestDedupConcurrentCopiesGet409(t *testing.T) {
	h, _ := dedupHandler(t, "")
	body := `{"id":"evt_concurrent"}`
	var calls atomic.Int32
	slow, done, release := deliverSlowly(h, body, &calls)

	const copies = 50
	var wg sync.WaitGroup
	results := make([]outcome, copies)
	for i := range copies {
		wg.Go(func() { results[i] = deliver(h, body, slow) })
	}
	wg.Wait()
	close(release)
	if first := <-done; first.status != 200 || first.dedup != "new" {
		t.Fatalf("first: %+v", first)
	}
	for i, o := range results {
		if o.status != http.StatusConflict || o.dedup != "in_flight" || o.header.Get("Retry-After") == "" {
			t.Fatalf("copy %d: %+v, want 409 in_flight with Retry-After", i, o)
		}
		if webhookverify.FailureOf(o.err) != webhookverify.ErrInFlight {
			t.Fatalf("copy %d: error %v", i, o.err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("upstream called %d times, want 1", calls.Load())
	}
}

// A slow upstream keeps its reservation past in_flight: it is renewed.
func TestDedupRenewsReservationOfSlowUpstream(t *testing.T) {
	h, _ := dedupHandler(t, `"dedup":{"in_flight":"1s"}`)
	body := `{"id":"evt_slow"}`
	var calls atomic.Int32
	_, done, release := deliverSlowly(h, body, &calls)
	time.Sleep(2500 * time.Millisecond) // more than twice in_flight
	copyOf := deliver(h, body, answering(&calls, 200))
	close(release)
	<-done
	if copyOf.status != http.StatusConflict {
		t.Fatalf("a copy while a slow upstream works: %+v (the reservation expired: not renewed)", copyOf)
	}
	if calls.Load() != 1 {
		t.Fatalf("upstream called %d times, want 1", calls.Load())
	}
}

// Shadow mode never blocks: duplicates are forwarded, marked.
func TestDedupShadowModeForwardsDuplicates(t *testing.T) {
	h, _ := dedupHandler(t, `"enforce":false,"dedup":{}`)
	var calls atomic.Int32
	var marks []string
	next := upstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
		marks = append(marks, r.Header.Get("Webhook-Dedup"))
		return answering(&calls, 200)(w, r)
	})
	body := `{"id":"evt_shadow"}`
	deliver(h, body, next)
	deliver(h, body, next)
	if calls.Load() != 2 || strings.Join(marks, ",") != "new,duplicate" {
		t.Fatalf("upstream called %d times with %v, want 2 with new,duplicate", calls.Load(), marks)
	}
}

// Unverified requests never touch the store: a forgery cannot reserve
// the genuine webhook's key.
func TestDedupForgeryCannotBlockTheGenuineWebhook(t *testing.T) {
	h, _ := dedupHandler(t, "")
	body := `{"id":"evt_target"}`
	var calls atomic.Int32
	r := webhook(body, "X-Signature", sign(body+"x"))
	if s := serve(h, r); s.status() != 401 {
		t.Fatalf("forgery: %d", s.status())
	}
	if o := deliver(h, body, answering(&calls, 200)); o.dedup != "new" || calls.Load() != 1 {
		t.Fatalf("the genuine webhook after a forgery: %+v", o)
	}
}

// Routes are namespaced by source: the same webhook on two routes is new
// on each.
func TestDedupKeysAreNamespacedBySource(t *testing.T) {
	a, _ := newHandler(t, fmt.Sprintf(hmacDedupConfig, "/test/a/"+t.Name(), `"dedup":{}`))
	b, _ := newHandler(t, fmt.Sprintf(hmacDedupConfig, "/test/b/"+t.Name(), `"dedup":{}`))
	var calls atomic.Int32
	body := `{"id":"evt_routes"}`
	if deliver(a, body, answering(&calls, 200)).dedup != "new" || deliver(b, body, answering(&calls, 200)).dedup != "new" {
		t.Fatal("the same webhook on two sources must be new on each")
	}
}

func TestDedupKeyJSON(t *testing.T) {
	h, _ := dedupHandler(t, `"dedup":{"key_json":"data.ref"}`)
	var calls atomic.Int32
	next := answering(&calls, 200)
	deliver(h, `{"id":"a","data":{"ref":"r1"}}`, next)
	if o := deliver(h, `{"id":"b","data":{"ref":"r1"}}`, next); o.dedup != "duplicate" {
		t.Errorf("same key_json value: %+v", o)
	}
	// Without the field, the body's digest keys it.
	deliver(h, `{"id":"c"}`, next)
	if o := deliver(h, `{"id":"c"}`, next); o.dedup != "duplicate" {
		t.Errorf("same body without the field: %+v", o)
	}
	if o := deliver(h, `{"id":"c","n":1}`, next); o.dedup != "new" {
		t.Errorf("another body without the field: %+v", o)
	}
}

// failingStore is a store whose backend is down.
type failingStore struct{ commit bool }

func (failingStore) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.webhook_verify.stores.test_failing", New: func() caddy.Module { return new(failingStore) }}
}

var errDown = errors.New("store down")

func (s *failingStore) Reserve(context.Context, webhookverify.Key, uint64, time.Duration) (webhookverify.Claim, error) {
	if s.commit {
		return webhookverify.Reserved, nil
	}
	return 0, errDown
}
func (failingStore) Renew(context.Context, webhookverify.Key, uint64, time.Duration) error {
	return errDown
}
func (failingStore) Commit(context.Context, webhookverify.Key, uint64, time.Duration) error {
	return errDown
}
func (failingStore) Release(context.Context, webhookverify.Key, uint64) error { return errDown }

func init() { caddy.RegisterModule(failingStore{}) }

func TestDedupStoreErrors(t *testing.T) {
	t.Run("open forwards, marked unchecked", func(t *testing.T) {
		h, ctx := dedupHandler(t, `"dedup":{"store":{"backend":"test_failing"}}`)
		var calls atomic.Int32
		var mark string
		next := upstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
			mark = r.Header.Get("Webhook-Dedup")
			return answering(&calls, 200)(w, r)
		})
		o := deliver(h, `{"id":"x"}`, next)
		if o.status != 200 || o.dedup != "unchecked" || mark != "unchecked" || calls.Load() != 1 {
			t.Fatalf("%+v, upstream saw %q", o, mark)
		}
		if c := dedupCounter(t, ctx, "hmac", "unchecked"); c < 1 {
			t.Errorf("dedup_total{outcome=unchecked} = %v", c)
		}
	})
	t.Run("closed answers 503", func(t *testing.T) {
		h, _ := dedupHandler(t, `"dedup":{"store":{"backend":"test_failing"},"on_store_error":"closed"}`)
		var calls atomic.Int32
		o := deliver(h, `{"id":"x"}`, answering(&calls, 200))
		if o.status != 503 || o.header.Get("Retry-After") == "" || calls.Load() != 0 {
			t.Fatalf("%+v, upstream called %d times", o, calls.Load())
		}
		if webhookverify.FailureOf(o.err) != webhookverify.ErrStoreUnavailable {
			t.Fatalf("error %v", o.err)
		}
	})
	t.Run("a failed commit keeps the upstream's answer", func(t *testing.T) {
		h, ctx := dedupHandler(t, `"dedup":{"store":{"backend":"test_failing","commit":true}}`)
		var calls atomic.Int32
		o := deliver(h, `{"id":"x"}`, answering(&calls, 201))
		if o.status != 201 || o.err != nil {
			t.Fatalf("%+v", o)
		}
		if c := dedupCounter(t, ctx, "hmac", "commit_error"); c < 1 {
			t.Errorf("dedup_total{outcome=commit_error} = %v", c)
		}
	})
}

func (s *failingStore) UnmarshalJSON(b []byte) error {
	var v struct{ Commit bool }
	err := json.Unmarshal(b, &v)
	s.commit = v.Commit
	return err
}

func dedupCounter(t *testing.T, ctx caddy.Context, provider, outcome string) float64 {
	t.Helper()
	families, err := ctx.GetMetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "caddy_webhook_verify_dedup_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["provider"] == provider && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestDedupProvisionErrors(t *testing.T) {
	tests := []struct{ config, want string }{
		{`{"verifier":{"provider":"hmac","header":"X-S","secrets":["s"],"timestamp_header":"X-T","tolerance":"10m"},"dedup":{"window":"5m"}}`,
			"shorter than hmac's timestamp tolerance 10m0s"},
		{`{"verifier":{"provider":"hmac","header":"X-S","secrets":["s"]},"dedup":{"on_store_error":"maybe"}}`,
			`on_store_error "maybe": use open`},
		{`{"verifier":{"provider":"token","header":"X-T","secrets":["s"]},"dedup":{"key_json":"id"}}`,
			"key json needs a provider whose signature covers the body"},
		{`{"verifier":{"provider":"hmac","header":"X-S","secrets":["s"]},"dedup":{"in_flight":"100ms"}}`,
			"use at least 1s"},
		{`{"verifier":{"provider":"hmac","header":"X-S","secrets":["s"]},"dedup":{"store":{"backend":"nope"}}}`,
			"dedup: loading module 'nope'"},
		{`{"verifier":{"provider":"hmac","header":"X-S","secrets":["s"]},"dedup":{"store":{"backend":"memory","max_keys":-1}}}`,
			"max_keys -1 is negative"},
	}
	for _, tt := range tests {
		var h webhookverify.Handler
		if err := json.Unmarshal([]byte(tt.config), &h); err != nil {
			t.Fatal(err)
		}
		err := provision(&h)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s:\n got %v\nwant …%s…", tt.config, err, tt.want)
		}
	}
}

func TestDedupCaddyfile(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"dedup", `"dedup":{}`, ""},
		{"dedup {\n window 24h\n in_flight 30s\n on_store_error closed\n key json data.id\n}",
			`"dedup":{"window":86400000000000,"in_flight":30000000000,"on_store_error":"closed","key_json":"data.id"}`, ""},
		{"dedup {\n max_keys 5000\n}", `"dedup":{"store":{"backend":"memory","max_keys":5000}}`, ""},
		{"dedup {\n store memory {\n max_keys 10\n }\n}", `"dedup":{"store":{"backend":"memory","max_keys":10}}`, ""},
		{"dedup {\n window soon\n}", "", `window "soon" is not a positive duration`},
		{"dedup {\n in_flight -1s\n}", "", `in_flight "-1s" is not a positive duration`},
		{"dedup {\n key header X-Id\n}", "", "key takes 'json <gjson path>'"},
		{"dedup {\n store nope\n}", "", `unknown dedup store "nope": available:`},
		{"dedup {\n windw 1h\n}", "", `unrecognized dedup subdirective "windw"`},
		{"dedup {\n max_keys lots\n}", "", `max_keys "lots" is not a positive number`},
		{"dedup {\n on_store_error maybe\n}", "", `on_store_error "maybe"`},
		{"dedup on", "", "dedup takes no arguments"},
	}
	for _, tt := range tests {
		config := "webhook_verify hmac {\n secret {env.S}\n header X-S\n " + tt.in + "\n}"
		var h webhookverify.Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(config))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want …%s…", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		out, _ := json.Marshal(h)
		if !strings.Contains(string(out), tt.want) {
			t.Errorf("%q:\n got %s\nwant …%s…", tt.in, out, tt.want)
		}
	}
}

// laggingStore is the memory store whose first Reserve of each key lands
// but reports an error, as a Redis command sent just before Redis hung
// does once it resumes.
type laggingStore struct {
	webhookverify.MemoryStore
	mu   sync.Mutex
	seen map[webhookverify.Key]bool
}

func (*laggingStore) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.webhook_verify.stores.test_lagging", New: func() caddy.Module { return new(laggingStore) }}
}

func (s *laggingStore) Reserve(ctx context.Context, key webhookverify.Key, token uint64, ttl time.Duration) (webhookverify.Claim, error) {
	claim, err := s.MemoryStore.Reserve(ctx, key, token, ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[key] {
		if s.seen == nil {
			s.seen = map[webhookverify.Key]bool{}
		}
		s.seen[key] = true
		return 0, errDown
	}
	return claim, err
}

func init() { caddy.RegisterModule(new(laggingStore)) }

// A reservation made by a Reserve that reported an error is released in
// the background, so the provider's retry is not held off for in_flight.
func TestDedupReleasesReservationOfFailedReserve(t *testing.T) {
	h, _ := dedupHandler(t, `"dedup":{"store":{"backend":"test_lagging"},"on_store_error":"closed"}`)
	body := `{"id":"evt_lagging"}`
	var calls atomic.Int32
	if o := deliver(h, body, answering(&calls, 200)); o.status != 503 || o.dedup != "unchecked" {
		t.Fatalf("first: %+v", o)
	}
	deadline := time.Now().Add(5 * time.Second) // in_flight is 60s
	for {
		o := deliver(h, body, answering(&calls, 200))
		if o.dedup == "new" && calls.Load() == 1 {
			return
		}
		if o.status != http.StatusConflict || time.Now().After(deadline) {
			t.Fatalf("retry: %+v; the stray reservation was not released", o)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A misspelled handler subdirective is named, and the handler's
// subdirectives are listed beside the provider's.
func TestCaddyfileSuggestsHandlerSubdirectives(t *testing.T) {
	for _, tt := range []struct{ line, want, not string }{
		{"envelop structured", `did you mean envelope? unrecognized subdirective "envelop"`, ""},
		{"allow_ip 10.0.0.1", "did you mean allow_ips?", ""},
		{"colour blue", "every provider also takes the handler's allow_ips, max_body, enforce, envelope, source, dedup, forward_signature", "did you mean"},
	} {
		var h webhookverify.Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("webhook_verify hmac {\n secret s\n header X\n " + tt.line + "\n}"))
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.not != "" && strings.Contains(err.Error(), tt.not)) {
			t.Errorf("%q: %v", tt.line, err)
		}
	}
}

// With allow_ips, a client IP that Caddy took from X-Forwarded-For without
// trusted_proxies_strict is warned about, once.
func TestAllowIPsWarnsAboutLeftmostForwardedFor(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	h, _ := newHandler(t, `{"verifier":{"provider":"token","header":"X-Token","secrets":["tok"]},"allow_ips":["203.0.113.7"]}`)
	webhookverify.SetLogger(h, zap.New(core))
	for _, strict := range []int{1, 0, 0} {
		r := webhook(payment, "X-Token", "tok")
		r.RemoteAddr = "10.0.0.2:4000"
		repl := caddy.NewReplacer()
		r = caddyhttp.PrepareRequest(r, repl, httptest.NewRecorder(), &caddyhttp.Server{TrustedProxiesStrict: strict})
		caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, "203.0.113.7") // what Caddy took from X-Forwarded-For
		h.ServeHTTP(httptest.NewRecorder(), r, &recorder{})
	}
	if n := logs.FilterMessageSnippet("trusted_proxies_strict").Len(); n != 1 {
		t.Fatalf("%d warnings, want 1 (none while strict, then once)", n)
	}
}

// The dedup key does not change when the secrets are reordered (a rotation
// that puts a new secret first): a webhook delivered under one order is a
// duplicate under the other, whichever secret signed it, so a replay
// cannot pass because the configuration changed.
func TestDedupKeyOutlivesSecretOrder(t *testing.T) {
	const cfg = `{"verifier":{"provider":"hmac","header":"X-Signature","secrets":%s},"source":%q,"dedup":{}}`
	source := "/test/" + t.Name()
	before, _ := newHandler(t, fmt.Sprintf(cfg, `["dedup-secret"]`, source))
	after, _ := newHandler(t, fmt.Sprintf(cfg, `["new-secret-0123456789","dedup-secret"]`, source))
	var calls atomic.Int32
	body := `{"amount":"5.00","note":"no event id: keyed on the body"}`
	if o := deliver(before, body, answering(&calls, http.StatusOK)); o.dedup != "new" {
		t.Fatalf("first delivery: %+v", o)
	}
	if o := deliver(after, body, answering(&calls, http.StatusOK)); o.dedup != "duplicate" {
		t.Fatalf("the same webhook after the secrets were reordered: %+v, want duplicate", o)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("upstream called %d times, want 1", n)
	}
}
