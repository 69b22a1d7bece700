package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyGitHub feeds arbitrary signature headers and bodies to Verify
// (it must never panic), then checks that a body signed by Sign verifies
// and that flipping any one byte of it makes Verify fail.
func FuzzVerifyGitHub(f *testing.F) {
	v := newVerifier(f, docSecret)
	f.Add([]byte(docBody), docSignature, "application/json", uint16(0))
	f.Add([]byte(`{"action":"opened"}`), "sha256=ZZ,sha256=", "application/x-www-form-urlencoded", uint16(7))
	f.Add([]byte("payload=%7B%22action%22%3A%22x%22%7D"), "sha256= sha256=00", "application/x-www-form-urlencoded; charset=utf-8", uint16(3))
	f.Fuzz(func(t *testing.T, body []byte, sig, contentType string, flip uint16) {
		r := request(http.MethodPost, "")
		r.Header.Set(SignatureHeader, sig)
		r.Header.Set("Content-Type", contentType)
		_, _ = v.Verify(r, body, now)

		r = request(http.MethodPost, "")
		r.Header.Set("Content-Type", contentType)
		signed, err := v.Sign(r, body, now)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := v.Verify(r, signed, now)
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if !strings.HasPrefix(ev.Type, TypePrefix) {
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

// body1KiB is a realistic 1 KiB GitHub delivery.
var body1KiB = func() []byte {
	b := `{"action":"opened","number":42,"pull_request":{"id":1,"title":"Fix the widget","user":{"login":"octocat","id":583231},"head":{"ref":"fix","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},"base":{"ref":"main"},"body":"`
	tail := `"},"repository":{"id":1296269,"full_name":"octocat/Hello-World","private":false},"sender":{"login":"octocat","id":583231}}`
	return []byte(b + strings.Repeat("a", 1024-len(b)-len(tail)) + tail)
}()

func BenchmarkVerifyGitHub(b *testing.B) {
	v := newVerifier(b, docSecret)
	r := request(http.MethodPost, "")
	r.Header.Set("Content-Type", "application/json")
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
	m := hmac.New(sha256.New, []byte(docSecret))
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
