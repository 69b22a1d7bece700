package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifySlack feeds arbitrary timestamp and signature headers and
// bodies to Verify (it must never panic), then checks that a body signed by
// Sign verifies and that flipping any one byte of it makes Verify fail.
func FuzzVerifySlack(f *testing.F) {
	v := newVerifier(f, 0, docSecret)
	f.Add([]byte(docBody), docTimestamp, docSignature, uint16(0))
	f.Add([]byte(`{"type":"event_callback","event_id":"Ev1","event_time":1531420618}`), "-1", "v0=,v0=00 v0", uint16(17))
	f.Add([]byte(`{"type":"url_verification","challenge":"c"}`), "99999999999999999999", "v0=ZZ", uint16(2))
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string, flip uint16) {
		r := request(http.MethodPost, "")
		r.Header.Set(TimestampHeader, ts)
		r.Header.Set(SignatureHeader, sig)
		_, _ = v.Verify(r, body, docTime)

		r = request(http.MethodPost, "")
		signed, err := v.Sign(r, body, docTime)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := v.Verify(r, signed, docTime.Add(time.Minute))
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
		if _, err := v.Verify(r, tampered, docTime); !errors.Is(err, webhookverify.ErrInvalidSignature) {
			t.Fatalf("tampered body: err = %v, want invalid signature", err)
		}
	})
}

// body1KiB is a realistic 1 KiB Events API delivery.
var body1KiB = func() []byte {
	head := `{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"message","channel":"C123ABC456","user":"U123ABC456","ts":"1355517523.000005","text":"`
	tail := `"},"type":"event_callback","authorizations":[{"team_id":"T123ABC456","user_id":"U123ABC456","is_bot":true}],"event_id":"Ev123ABC456","event_time":1531420618}`
	return []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
}()

func BenchmarkVerifySlack(b *testing.B) {
	v := newVerifier(b, 0, docSecret)
	r := request(http.MethodPost, "")
	if _, err := v.Sign(r, body1KiB, docTime); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, docTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA256_1KiB is the primitive alone: a keyed HMAC-SHA256
// of "v0:<ts>:" and the same bytes, and a constant-time compare.
func BenchmarkBareHMACSHA256_1KiB(b *testing.B) {
	prefix := []byte("v0:" + docTimestamp + ":")
	m := hmac.New(sha256.New, []byte(docSecret))
	m.Write(prefix)
	m.Write(body1KiB)
	want := m.Sum(nil)
	var sum [sha256.Size]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		m.Reset()
		m.Write(prefix)
		m.Write(body1KiB)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("mismatch")
		}
	}
}
