package generic

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jsonBody returns a realistic payment webhook of exactly size bytes: a
// JSON event whose metadata note is padded to the size.
func jsonBody(size int) []byte {
	head := `{"id":"evt_01HZX3K9Q2","type":"payment.updated","created_at":"2025-05-07T06:20:46Z","data":{"reference":"order-10023","status":"SUCCESS","amount":"49160.00","currency":"NGN","channel":"Web","customer":{"email":"buyer@example.com","name":"Ada Obi"},"note":"`
	tail := `"}}`
	return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
}

var (
	body1KiB  = jsonBody(1 << 10)
	body64KiB = jsonBody(64 << 10)
)

const benchSecret = "whsec-bench-0123456789abcdef"

// benchmarkVerify measures Verify of a request signed by Sign.
func benchmarkVerify(b *testing.B, cfg HMAC, body []byte) {
	v := provisioned(b, cfg)
	r := post("", hdr{"webhook-id", "msg_2b7a"})
	at := time.Now()
	if _, err := v.Sign(r, body, at); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, at); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkBareHMAC is the primitive alone: a keyed HMAC-SHA256 of the
// same bytes, reused across iterations, and a constant-time compare.
func benchmarkBareHMAC(b *testing.B, body []byte) {
	m := hmac.New(sha256.New, []byte(benchSecret))
	m.Write(body)
	want := m.Sum(nil)
	var sum [sha256.Size]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		m.Reset()
		m.Write(body)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkVerifyHMACSHA256_1KiB is the GitHub-style configuration: hex,
// "sha256=" prefix, the body alone signed.
func BenchmarkVerifyHMACSHA256_1KiB(b *testing.B) {
	benchmarkVerify(b, githubStyle(benchSecret), body1KiB)
}

func BenchmarkBareHMACSHA256_1KiB(b *testing.B) { benchmarkBareHMAC(b, body1KiB) }

func BenchmarkVerifyHMACSHA256_64KiB(b *testing.B) {
	benchmarkVerify(b, githubStyle(benchSecret), body64KiB)
}

func BenchmarkBareHMACSHA256_64KiB(b *testing.B) { benchmarkBareHMAC(b, body64KiB) }

// BenchmarkBareHMACSHA256Size is one HMAC-SHA256 pass over
// $BENCH_BODY_SIZE bytes: the hash floor integration/bench-load.sh adds to
// the header floor. Skipped without the variable.
func BenchmarkBareHMACSHA256Size(b *testing.B) {
	n, err := strconv.Atoi(os.Getenv("BENCH_BODY_SIZE"))
	if err != nil || n <= 0 {
		b.Skip("set BENCH_BODY_SIZE")
	}
	benchmarkBareHMAC(b, make([]byte, n))
}

// BenchmarkVerifyHMACStandardWebhooks_1KiB adds a payload template (id
// header, timestamp, body), a timestamp check and base64.
func BenchmarkVerifyHMACStandardWebhooks_1KiB(b *testing.B) {
	benchmarkVerify(b, standardWebhooksStyle(benchSecret), body1KiB)
}

// BenchmarkVerifyHMACRotated_1KiB signs with the second of two secrets:
// both keys are tried, so it costs about two MACs.
func BenchmarkVerifyHMACRotated_1KiB(b *testing.B) {
	v := provisioned(b, githubStyle("old-secret-0123456789"))
	r := post("")
	if _, err := v.Sign(r, body1KiB, now); err != nil {
		b.Fatal(err)
	}
	v = provisioned(b, githubStyle(benchSecret, "old-secret-0123456789"))
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyToken_1KiB checks a header token; the body is not read.
func BenchmarkVerifyToken_1KiB(b *testing.B) {
	v := provisionedToken(b, Token{Secrets: []string{benchSecret}, Header: "Verif-Hash"})
	r := post("", hdr{"Verif-Hash", benchSecret})
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareToken_1KiB is the bare primitive: reading the header and a
// constant-time compare of equal-length tokens (which, unlike the
// verifier's hashed compare, reveals the token's length).
func BenchmarkBareToken_1KiB(b *testing.B) {
	r := post("", hdr{"Verif-Hash", benchSecret})
	want := []byte(benchSecret)
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Verif-Hash")), want) != 1 {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkSignHMACSHA256_1KiB is what `caddy webhook sign` and the tests
// pay per request.
func BenchmarkSignHMACSHA256_1KiB(b *testing.B) {
	v := provisioned(b, githubStyle(benchSecret))
	r, _ := http.NewRequest(http.MethodPost, "/", nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Sign(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
	if !strings.HasPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=") {
		b.Fatal("no signature")
	}
}

// Ensure the benchmark bodies are what they claim.
func TestBenchBodies(t *testing.T) {
	if len(body1KiB) != 1024 || len(body64KiB) != 65536 || !json.Valid(body1KiB) || !json.Valid(body64KiB) {
		t.Fatalf("sizes %d, %d, or not JSON", len(body1KiB), len(body64KiB))
	}
}

// BenchmarkVerifyHMACKV_1KiB is the Stripe-style key=value header
// ("t=…,v1=…", hex), its timestamp signed.
func BenchmarkVerifyHMACKV_1KiB(b *testing.B) {
	benchmarkVerify(b, HMAC{Secrets: []string{benchSecret}, Header: "X-Sig", SignatureFormat: "kv", SignatureKey: "v1", TimestampKey: "t"}, body1KiB)
}
