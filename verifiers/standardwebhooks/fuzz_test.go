package standardwebhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyStandardWebhooks feeds arbitrary id, timestamp and signature
// headers and bodies to Verify, which must not panic, and checks that a
// body signed by Sign verifies and stops verifying when any one byte of it
// changes.
func FuzzVerifyStandardWebhooks(f *testing.F) {
	f.Add(msgID, "1700000000", sig(secretA, msgID, now.Unix(), body), []byte(body), uint(5))
	f.Add("", "", "v1,", []byte(nil), uint(0))
	f.Add("a.b", "-1", "v1a,xx v1,=== v1,"+strings.Repeat("A", 43), []byte("{\"type\":1}"), uint(300))
	v := provisioned(f, &StandardWebhooks{Secrets: []string{secretB, secretA}})
	f.Fuzz(func(t *testing.T, id, ts, signature string, body []byte, flip uint) {
		_, _ = v.Verify(req(http.MethodPost, "webhook-id", id, "webhook-timestamp", ts, "webhook-signature", signature), body, now)
		_, _ = v.Verify(req(http.MethodPost, "svix-id", id, "svix-timestamp", ts, "svix-signature", signature), body, now)

		r := req(http.MethodPost)
		out, err := v.Sign(r, body, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, out, now); err != nil {
			t.Fatalf("signed body does not verify: %v", err)
		}
		if len(out) == 0 {
			return
		}
		tampered := append([]byte(nil), out...)
		tampered[flip%uint(len(tampered))] ^= byte(flip>>8) | 1
		if _, err := v.Verify(r, tampered, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
			t.Fatalf("tampered body: error %v, want invalid signature", err)
		}
	})
}

// body1KiB is a realistic 1 KiB Standard Webhooks payload.
var body1KiB = func() []byte {
	b := `{"type":"invoice.paid","timestamp":"2023-11-14T22:13:15.344522Z","data":{"id":"in_1f81eb52-5198-4599-803e-771906343485",` +
		`"customer":{"id":"cus_7d9a1c","name":"John Smith","email":"john@example.com"},"status":"paid","amount":"129.90","currency":"EUR",` +
		`"lines":[{"sku":"SKU-1","qty":2,"price":"39.95"},{"sku":"SKU-2","qty":1,"price":"50.00"}],"ref":"ORD-2023-0042","notes":"`
	b += strings.Repeat("n", 1024-len(b)-3) + `"}}`
	return []byte(b)
}()

func BenchmarkVerifyStandardWebhooks(b *testing.B) {
	v := provisioned(b, &StandardWebhooks{Secrets: []string{secretA}})
	r := req(http.MethodPost, "webhook-id", msgID, "webhook-timestamp", "1700000000", "webhook-signature", sig(secretA, msgID, now.Unix(), string(body1KiB)))
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA256_1KiB is the primitive alone on the same bytes:
// a new HMAC-SHA256 over "<id>.<timestamp>.<body>" and a constant-time
// comparison.
func BenchmarkBareHMACSHA256_1KiB(b *testing.B) {
	key := []byte("secret-a-24-bytes-long-key")
	prefix := []byte(msgID + ".1700000000.")
	m := hmac.New(sha256.New, key)
	m.Write(prefix)
	m.Write(body1KiB)
	expected := m.Sum(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(prefix)
		m.Write(body1KiB)
		if !hmac.Equal(m.Sum(nil), expected) {
			b.Fatal("mismatch")
		}
	}
}
