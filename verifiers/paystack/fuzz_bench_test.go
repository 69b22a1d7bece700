package paystack

import (
	"crypto/hmac"
	"crypto/sha512"
	"errors"
	"net/http"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyPaystack feeds arbitrary signature headers and bodies to Verify
// (it must never panic), then checks that a body signed by Sign passes the
// signature check (it may still be rejected as not Paystack's shape, 400),
// and that flipping any one byte of it fails the signature check.
func FuzzVerifyPaystack(f *testing.F) {
	v := newVerifier(f, secret)
	f.Add([]byte(chargeBody), mac(secret, chargeBody), uint16(0))
	f.Add([]byte(`{"event":"transfer.success","data":{"id":"1","status":"success","paid_at":1700000000}}`), "00 11,zz", uint16(9))
	f.Add([]byte(`not json`), "", uint16(3))
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
		switch {
		case err == nil:
			if !strings.HasPrefix(ev.Type, TypePrefix) {
				t.Fatalf("type %q", ev.Type)
			}
		case !errors.Is(err, webhookverify.ErrMalformedBody):
			t.Fatalf("signed body rejected: %v", err)
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

// body1KiB is a realistic 1 KiB charge.success event.
var body1KiB = func() []byte {
	head := `{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx","amount":10000,"gateway_response":"Approved","paid_at":"2016-09-30T21:10:19.000Z","created_at":"2016-09-30T21:09:56.000Z","channel":"card","currency":"NGN","metadata":{"note":"`
	tail := `"},"customer":{"id":68324,"email":"customer@example.com","customer_code":"CUS_qo38as2hpsgk2r0"}}}`
	return []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
}()

func BenchmarkVerifyPaystack(b *testing.B) {
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

// BenchmarkBareHMACSHA512_1KiB is the primitive alone: a keyed HMAC-SHA512
// of the same bytes and a constant-time compare.
func BenchmarkBareHMACSHA512_1KiB(b *testing.B) {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write(body1KiB)
	want := m.Sum(nil)
	var sum [sha512.Size]byte
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
