package numipay

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyNumipay feeds arbitrary signatures and bodies to Verify, which
// must never panic and must fail only with a Failure. Invariants: a body
// signed by Sign verifies (unless it repeats an object key: 400); and
// after flipping any one byte, it verifies only if JavaScript would
// re-serialize the changed body to exactly the signed text (for example
// 1e+21 and 1E+21 are the same number), never otherwise.
func FuzzVerifyNumipay(f *testing.F) {
	f.Add(vectorSig, []byte(vectorBody), uint(0), byte(1))
	f.Add(vectorSig, []byte(vectorPretty), uint(40), byte(0x20))
	f.Add("", []byte(`{"a":1e+21,"b":"\u2028</script>"}`), uint(7), byte(0x2b^'0'))

	// Two passwords: Sign uses the first, Verify tries both.
	v := provisioned(f, Numipay{Secrets: []string{vectorPassword, "second-password"}})
	f.Fuzz(func(t *testing.T, sig string, body []byte, pos uint, mask byte) {
		r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{}}
		r.Header.Set("X-Signature", sig)
		if _, err := v.Verify(r, body, time.Now()); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}

		r = &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{}}
		signed, err := v.Sign(r, body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(r, signed, time.Now())
		if _, dup, derr := jsonstringify.FindDuplicateKey(signed); derr == nil && dup {
			if !errors.Is(err, webhookverify.ErrDuplicateKey) {
				t.Fatalf("signed body with a repeated key: %v, want %v", err, webhookverify.ErrDuplicateKey)
			}
			return
		}
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if len(signed) == 0 {
			return
		}
		if mask == 0 {
			mask = 1
		}
		tampered := append([]byte(nil), signed...)
		tampered[int(pos%uint(len(tampered)))] ^= mask
		if _, err := v.Verify(r, tampered, time.Now()); err == nil {
			again, cerr := jsonstringify.Compact(nil, tampered)
			if cerr != nil || !bytes.Equal(again, signed) {
				t.Fatalf("tampered body %q verified, but it does not re-serialize to the signed %q", tampered, signed)
			}
		}
	})
}

// body1KiB is a compact Numipay webhook of exactly 1 KiB, as Numipay
// would send it, padded with an extra field.
func body1KiB(tb testing.TB) []byte {
	tb.Helper()
	const prefix = `{"transaction_id":"r21nmrtpcmrcava","user_id":"1111222","tracking_id":"b8f04416-116a-11ed-861d-0242ac120002","status":"successful","currency":"GBP","amount":"200.00","transaction_type":"deposit","description":"`
	const suffix = `"}`
	b := []byte(prefix + strings.Repeat("x", 1024-len(prefix)-len(suffix)) + suffix)
	if len(b) != 1024 {
		tb.Fatalf("bad benchmark body (%d bytes)", len(b))
	}
	return b
}

// pretty1KiB is the same document, pretty-printed (longer than 1 KiB).
func pretty1KiB(tb testing.TB) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(body1KiB(tb), []byte(`",`), []byte("\",\n  ")), []byte(`{`), []byte("{\n  "))
}

func benchVerify(b *testing.B, body []byte, signedText []byte) {
	v := provisioned(b, Numipay{Secrets: []string{vectorPassword}})
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{}}
	r.Header.Set("X-Signature", sha1Hex(string(signedText), vectorPassword))
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyNumipay is the usual case: the body is the signed text.
func BenchmarkVerifyNumipay(b *testing.B) {
	benchVerify(b, body1KiB(b), body1KiB(b))
}

// BenchmarkVerifyNumipayReserialized is the fallback: a pretty-printed
// body, hashed once as is and once re-serialized.
func BenchmarkVerifyNumipayReserialized(b *testing.B) {
	benchVerify(b, pretty1KiB(b), body1KiB(b))
}

// BenchmarkBareSHA1_1KiB is the primitive on the same bytes: SHA-1 of the
// body followed by the password.
func BenchmarkBareSHA1_1KiB(b *testing.B) {
	body := body1KiB(b)
	key := []byte(vectorPassword)
	var sum [sha1.Size]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		h := sha1.New()
		h.Write(body)
		h.Write(key)
		h.Sum(sum[:0])
	}
}
