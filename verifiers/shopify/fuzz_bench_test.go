package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyShopify feeds arbitrary signature headers and bodies to Verify
// (it must never panic), then checks that a body signed by Sign verifies
// and that flipping any one byte of it makes Verify fail.
func FuzzVerifyShopify(f *testing.F) {
	v := newVerifier(f, secret)
	f.Add([]byte(orderBody), mac(secret, orderBody), uint16(0))
	f.Add([]byte(`{"financial_status":"paid","total_price":12.5,"currency":["USD"]}`), "AAAA==,====", uint16(11))
	f.Add([]byte(`<order/>`), "a b c", uint16(4))
	f.Fuzz(func(t *testing.T, body []byte, sig string, flip uint16) {
		r := request(http.MethodPost, "")
		r.Header.Set(SignatureHeader, sig)
		_, _ = v.Verify(r, body, now)

		r = request(http.MethodPost, "")
		signed, err := v.Sign(r, body, now)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := v.Verify(r, signed, now)
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if ev.Type != EventType {
			t.Fatalf("type %q", ev.Type)
		}
		if len(signed) == 0 {
			return
		}
		tampered := append([]byte(nil), signed...)
		tampered[int(flip)%len(tampered)] ^= 1 << (flip % 8)
		if _, err := v.Verify(r, tampered, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
			t.Fatalf("tampered body: err = %v, want invalid signature", err)
		}
	})
}

// body1KiB is a realistic 1 KiB orders/paid delivery.
var body1KiB = func() []byte {
	head := `{"id":820982911946154508,"email":"jon@example.com","created_at":"2024-01-01T10:00:00-05:00","currency":"USD","financial_status":"paid","name":"#9999","total_price":"403.00","note":"`
	tail := `","line_items":[{"id":866550311766439020,"price":"199.00","quantity":1}],"customer":{"id":115310627314723954,"email":"jon@example.com"}}`
	return []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
}()

func BenchmarkVerifyShopify(b *testing.B) {
	v := newVerifier(b, secret)
	r := request(http.MethodPost, "")
	if _, err := v.Sign(r, body1KiB, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA256_1KiB is the primitive alone: a keyed HMAC-SHA256
// of the same bytes and a constant-time compare.
func BenchmarkBareHMACSHA256_1KiB(b *testing.B) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body1KiB)
	want := m.Sum(nil)
	var sum [sha256.Size]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		m.Reset()
		m.Write(body1KiB)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("mismatch")
		}
	}
}
