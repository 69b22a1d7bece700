package webhookverify_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/redistest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/stores/redis"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

// The handler benchmarks run a request the way Caddy's server does
// (caddyhttp.PrepareRequest, then the handler, then a next handler that
// drains the body as reverse_proxy would), in a lean loop: a reused
// response writer, no recorder. BenchmarkHandlerBaseline_* is the same
// loop without webhook_verify, so the handler's own cost is the difference.

const benchSecret = "bench-secret-0123456789abcdef"

func benchConfigHMAC(envelope string) string {
	return `{"verifier":{"provider":"hmac","header":"X-Signature","prefix":"sha256=","secrets":["` + benchSecret + `"]},"envelope":"` + envelope + `"}`
}

var benchConfigToken = `{"verifier":{"provider":"token","header":"X-Token","secrets":["` + benchSecret + `"]}}`

// benchBody is a realistic JSON payment webhook of exactly size bytes.
func benchBody(size int) []byte {
	head := `{"id":"evt_01HZX3K9Q2","type":"payment.updated","created_at":"2025-05-07T06:20:46Z","data":{"reference":"order-10023","status":"SUCCESS","amount":"49160.00","currency":"NGN","channel":"Web","customer":{"email":"buyer@example.com","name":"Ada Obi"},"note":"`
	tail := `"}}`
	return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
}

// benchHandler provisions a handler from JSON, as Caddy would.
func benchHandler(b *testing.B, config string) *webhookverify.Handler {
	b.Helper()
	var h webhookverify.Handler
	if err := json.Unmarshal([]byte(config), &h); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	b.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		b.Fatalf("provision: %v", err)
	}
	return &h
}

// benchWriter is a reusable response writer that discards.
type benchWriter struct {
	header http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }

// benchNext drains and closes the body, as reverse_proxy's transport does.
type benchNext struct{ n int64 }

func (n *benchNext) ServeHTTP(_ http.ResponseWriter, r *http.Request) error {
	c, err := io.Copy(io.Discard, r.Body)
	r.Body.Close()
	n.n = c
	return err
}

// benchmarkHandler runs b.N requests with body and header through h; a nil
// h runs the same loop with only the next handler.
func benchmarkHandler(b *testing.B, h *webhookverify.Handler, body []byte, header http.Header) {
	u, _ := url.Parse("http://127.0.0.1/hooks")
	srv := &caddyhttp.Server{}
	w := &benchWriter{header: http.Header{}}
	next := &benchNext{}
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rd.Reset(body)
		r := benchRequest(u, header, rd, len(body), w, srv)
		var err error
		if h == nil {
			err = next.ServeHTTP(w, r)
		} else {
			err = h.ServeHTTP(w, r, next)
		}
		if err != nil || next.n != int64(len(body)) {
			b.Fatalf("err %v, next read %d of %d bytes", err, next.n, len(body))
		}
	}
}

// benchRequest is a request as Caddy's server prepares it.
func benchRequest(u *url.URL, header http.Header, body io.Reader, n int, w http.ResponseWriter, srv *caddyhttp.Server) *http.Request {
	r := &http.Request{
		Method: http.MethodPost, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header.Clone(), Body: io.NopCloser(body), ContentLength: int64(n),
		Host: "127.0.0.1", RemoteAddr: "198.51.100.7:4000", RequestURI: "/hooks",
	}
	return caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, srv)
}

func hmacHeader(body []byte) http.Header {
	m := hmac.New(sha256.New, []byte(benchSecret))
	m.Write(body)
	return http.Header{
		"Content-Type":   {"application/json"},
		"Content-Length": {strconv.Itoa(len(body))},
		"User-Agent":     {"Provider-Hookshot/1.0"},
		"X-Signature":    {"sha256=" + hex.EncodeToString(m.Sum(nil))},
	}
}

func tokenHeader(body []byte) http.Header {
	return http.Header{
		"Content-Type":   {"application/json"},
		"Content-Length": {strconv.Itoa(len(body))},
		"User-Agent":     {"Provider-Hookshot/1.0"},
		"X-Token":        {benchSecret},
	}
}

var (
	benchBody1KiB  = benchBody(1 << 10)
	benchBody64KiB = benchBody(64 << 10)
)

func BenchmarkHandlerBaseline_1KiB(b *testing.B) {
	benchmarkHandler(b, nil, benchBody1KiB, hmacHeader(benchBody1KiB))
}

func BenchmarkHandlerBaseline_64KiB(b *testing.B) {
	benchmarkHandler(b, nil, benchBody64KiB, hmacHeader(benchBody64KiB))
}

func BenchmarkHandlerHMAC_1KiB(b *testing.B) {
	benchmarkHandler(b, benchHandler(b, benchConfigHMAC("binary")), benchBody1KiB, hmacHeader(benchBody1KiB))
}

func BenchmarkHandlerHMAC_64KiB(b *testing.B) {
	benchmarkHandler(b, benchHandler(b, benchConfigHMAC("binary")), benchBody64KiB, hmacHeader(benchBody64KiB))
}

// BenchmarkHandlerHMACEnvelopeOff_1KiB shows what the CloudEvents headers cost.
func BenchmarkHandlerHMACEnvelopeOff_1KiB(b *testing.B) {
	benchmarkHandler(b, benchHandler(b, benchConfigHMAC("off")), benchBody1KiB, hmacHeader(benchBody1KiB))
}

func BenchmarkHandlerToken_1KiB(b *testing.B) {
	benchmarkHandler(b, benchHandler(b, benchConfigToken), benchBody1KiB, tokenHeader(benchBody1KiB))
}

func BenchmarkHandlerToken_64KiB(b *testing.B) {
	benchmarkHandler(b, benchHandler(b, benchConfigToken), benchBody64KiB, tokenHeader(benchBody64KiB))
}

// The dedup benchmarks deliver a new event every iteration (a sequence
// number in a fixed-width "id", signed afresh), so each one reserves and
// commits a key. BenchmarkDedupOff_1KiB is the same loop on the same route
// without dedup: the difference is what dedup costs.

func benchConfigDedup(dedup string) string {
	return `{"verifier":{"provider":"hmac","header":"X-Signature","prefix":"sha256=","event_id_path":"id","secrets":["` +
		benchSecret + `"]},"source":"/bench/` + strconv.FormatInt(time.Now().UnixNano(), 36) + `"` + dedup + `}`
}

func benchmarkDedup(b *testing.B, h *webhookverify.Handler) {
	body := benchBody1KiB
	body = append([]byte(`{"id":"evt_0000000000000000",`), body[bytes.IndexByte(body, ',')+1:]...)
	idAt := len(`{"id":"evt_`)
	u, _ := url.Parse("http://127.0.0.1/hooks")
	srv := &caddyhttp.Server{}
	w := &benchWriter{header: http.Header{}}
	next := &benchNext{}
	rd := bytes.NewReader(body)
	mac := hmac.New(sha256.New, []byte(benchSecret))
	header := hmacHeader(body)
	sig := make([]byte, 0, 7+64)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	seq := uint64(0)
	for b.Loop() {
		seq++
		strconv.AppendUint(body[:idAt], seq+1<<60, 16) // 16 hex digits: fixed width
		mac.Reset()
		mac.Write(body)
		sig = hex.AppendEncode(append(sig[:0], "sha256="...), mac.Sum(nil))
		header["X-Signature"][0] = string(sig)
		rd.Reset(body)
		r := benchRequest(u, header, rd, len(body), w, srv)
		if err := h.ServeHTTP(w, r, next); err != nil || next.n != int64(len(body)) {
			b.Fatalf("err %v, next read %d of %d bytes", err, next.n, len(body))
		}
	}
}

func BenchmarkDedupOff_1KiB(b *testing.B) {
	benchmarkDedup(b, benchHandler(b, benchConfigDedup("")))
}

func BenchmarkDedupMemory_1KiB(b *testing.B) {
	benchmarkDedup(b, benchHandler(b, benchConfigDedup(`,"dedup":{}`)))
}

// BenchmarkDedupRedis_1KiB reserves and commits in a real redis-server on
// 127.0.0.1: two round trips per webhook, one before forwarding, one after.
func BenchmarkDedupRedis_1KiB(b *testing.B) {
	redis := redistest.Start(b)
	benchmarkDedup(b, benchHandler(b, benchConfigDedup(`,"dedup":{"store":{"backend":"redis","addresses":["`+redis.Addr+`"]}}`)))
}
