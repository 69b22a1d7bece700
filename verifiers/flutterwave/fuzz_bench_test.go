package flutterwave

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyFlutterwave feeds arbitrary verif-hash values and bodies to
// Verify (it must never panic), then checks that a request signed by Sign
// passes the hash check (it may still be rejected as not Flutterwave's
// shape, 400), and that flipping any one byte of the hash makes Verify fail. The
// secret hash does not cover the body, so the body is not what is flipped.
func FuzzVerifyFlutterwave(f *testing.F) {
	v := newVerifier(f, hash)
	f.Add([]byte(chargeBody), hash, uint16(0))
	f.Add([]byte(`{"type":"charge.completed","data":{"id":"x","created_datetime":1700000000000}}`), "Bearer x", uint16(5))
	f.Add([]byte(`[1,2`), "", uint16(2))
	f.Fuzz(func(t *testing.T, body []byte, token string, flip uint16) {
		r := request(http.MethodPost, "")
		r.Header.Set(TokenHeader, token)
		if _, err := v.Verify(r, body, now); err == nil && token != hash {
			t.Fatalf("accepted verif-hash %q", token)
		}

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
		case !errors.Is(err, webhookverify.ErrMalformedBody) && !errors.Is(err, webhookverify.ErrDuplicateKey):
			t.Fatalf("signed request rejected: %v", err)
		}
		tampered := []byte(r.Header.Get(TokenHeader))
		tampered[int(flip)%len(tampered)] ^= 1 << (flip % 8)
		r.Header.Set(TokenHeader, string(tampered))
		if _, err := v.Verify(r, signed, now); !errors.Is(err, webhookverify.ErrInvalidToken) {
			t.Fatalf("tampered hash: err = %v, want invalid token", err)
		}
	})
}

// body1KiB is a realistic 1 KiB charge.completed event.
var body1KiB = func() []byte {
	head := chargeBody[:len(chargeBody)-len(`,"event.type":"CARD_TRANSACTION"}`)] + `,"meta":{"note":"`
	tail := `"},"event.type":"CARD_TRANSACTION"}`
	return []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
}()

func BenchmarkVerifyFlutterwave(b *testing.B) {
	v := newVerifier(b, hash)
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

// BenchmarkBareEqualToken is the credential check alone (it does not read
// the body).
func BenchmarkBareEqualToken(b *testing.B) {
	keys := [][]byte{[]byte(hash)}
	got := []byte(hash)
	b.ReportAllocs()
	for b.Loop() {
		if !webhookverify.EqualToken(keys, got) {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkBareGJSONValid_1KiB is the validation pass over the same bytes,
// the floor of reading anything from the body.
func BenchmarkBareGJSONValid_1KiB(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if !gjson.ValidBytes(body1KiB) {
			b.Fatal("invalid")
		}
	}
}
