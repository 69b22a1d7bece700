package oktopay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyOktopay feeds arbitrary header values, query strings and
// bodies to every mode, which must never panic and must fail only with a
// Failure. Invariants: a request signed by Sign verifies; in hmac mode,
// flipping any one byte of the body makes it fail with an invalid
// signature; in key mode (which does not cover the body), flipping any one
// byte of the secret makes it fail.
func FuzzVerifyOktopay(f *testing.F) {
	f.Add("Bearer alpha-notification-secret", "deadbeef", "apiKey=x&token=y", []byte(`{"status":"COMPLETED"}`), uint(2), byte(1))
	f.Add("", "", "", []byte{}, uint(0), byte(0))
	f.Add(" ", "=====", "%zz", []byte("\xff\x00"), uint(9), byte(0x80))

	// The two secrets differ in more than one byte, so a one-byte flip of
	// the first never yields the second.
	secrets := webhookverify.Secrets{"alpha-notification-secret", "zulu-rotated-key"}
	paths := webhookverify.FieldPaths{EventID: "id", Type: "type", Status: "status", Time: "time", Amount: "amount"}
	configs := []*Oktopay{
		provisioned(f, Oktopay{Secrets: secrets, FieldPaths: paths}),
		provisioned(f, Oktopay{Secrets: secrets, Query: "token", Variant: VariantPix}),
		provisioned(f, Oktopay{Secrets: secrets, Mode: ModeHMAC, FieldPaths: paths}),
		provisioned(f, Oktopay{Secrets: secrets, Mode: ModeHMAC, Algorithm: "sha512", Encoding: "base64", Header: "apiKey"}),
	}
	f.Fuzz(func(t *testing.T, apiKey, signature, rawQuery string, body []byte, pos uint, mask byte) {
		if mask == 0 {
			mask = 1
		}
		for _, v := range configs {
			r := &http.Request{Method: "POST", URL: &url.URL{Path: "/cb", RawQuery: rawQuery}, Header: http.Header{}}
			r.Header.Set("apiKey", apiKey)
			r.Header.Set("X-Signature", signature)
			if _, err := v.Verify(r, body, time.Now()); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
				t.Fatalf("error without a Failure: %v", err)
			}

			r = &http.Request{Method: "POST", URL: &url.URL{Path: "/cb"}, Header: http.Header{}}
			signed, err := v.Sign(r, body, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(r, signed, time.Now()); err != nil {
				t.Fatalf("mode %s: signed request rejected: %v", v.Mode, err)
			}

			if v.Mode == ModeHMAC {
				if v.Algorithm == webhookverify.SHA256 {
					m := hmac.New(sha256.New, []byte(secrets[0]))
					m.Write(signed)
					if got, want := r.Header.Get(v.header), hex.EncodeToString(m.Sum(nil)); got != want {
						t.Fatalf("signature %q, want %q", got, want)
					}
				}
				if len(signed) == 0 {
					continue
				}
				tampered := append([]byte(nil), signed...)
				tampered[int(pos%uint(len(tampered)))] ^= mask
				if _, err := v.Verify(r, tampered, time.Now()); !errors.Is(err, webhookverify.ErrInvalidSignature) {
					t.Fatalf("mode hmac: tampered body: %v, want %v", err, webhookverify.ErrInvalidSignature)
				}
				continue
			}
			tok := []byte(secrets[0])
			tok[int(pos%uint(len(tok)))] ^= mask
			r = &http.Request{Method: "POST", URL: &url.URL{Path: "/cb"}, Header: http.Header{}}
			if v.Query != "" {
				r.URL.RawQuery = url.Values{v.Query: {string(tok)}}.Encode()
			} else {
				r.Header.Set(v.header, string(tok))
			}
			if _, err := v.Verify(r, signed, time.Now()); err == nil {
				t.Fatalf("mode key: secret with one byte flipped (%q) verified", tok)
			}
		}
	})
}

// body1KiB is a JSON callback body of exactly 1 KiB.
func body1KiB(tb testing.TB) []byte {
	tb.Helper()
	const prefix = `{"transactionId":"8055348521276-1","type":"deposit","status":"COMPLETED","amount":"100.00","currency":"EUR","time":"2024-05-07T06:20:46Z","merchantReference":"order-10023","details":"`
	const suffix = `"}`
	b := []byte(prefix + strings.Repeat("x", 1024-len(prefix)-len(suffix)) + suffix)
	if len(b) != 1024 {
		tb.Fatalf("bad benchmark body (%d bytes)", len(b))
	}
	return b
}

func benchVerify(b *testing.B, v *Oktopay) {
	body := body1KiB(b)
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/cb"}, Header: http.Header{}}
	if _, err := v.Sign(r, body, time.Now()); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyOktopayKey(b *testing.B) {
	benchVerify(b, provisioned(b, Oktopay{Secrets: []string{secret1}}))
}

func BenchmarkVerifyOktopayHMACSHA256(b *testing.B) {
	benchVerify(b, provisioned(b, Oktopay{Secrets: []string{secret1}, Mode: ModeHMAC}))
}

// BenchmarkBareHMACSHA256_1KiB is the primitive of hmac mode on the same
// bytes.
func BenchmarkBareHMACSHA256_1KiB(b *testing.B) {
	body := body1KiB(b)
	key := []byte(secret1)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(body)
		m.Sum(nil)
	}
}

// BenchmarkBareEqualToken is the primitive of key mode.
func BenchmarkBareEqualToken(b *testing.B) {
	keys := [][]byte{[]byte(secret1)}
	got := []byte(secret1)
	b.ReportAllocs()
	for b.Loop() {
		if !webhookverify.EqualToken(keys, got) {
			b.Fatal("no match")
		}
	}
}
