package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyStripe feeds arbitrary Stripe-Signature headers and bodies to
// Verify, which must not panic, and checks that a body signed by Sign
// verifies (or, not being a JSON object, is a malformed body) and stops
// verifying when any one byte of it changes.
func FuzzVerifyStripe(f *testing.F) {
	f.Add(header(secretA, now.Unix(), piBody), []byte(piBody), uint(7))
	f.Add("t=1700000000,v1=zz,v1=", []byte(`{}`), uint(0))
	f.Add("t=,t=1,v0=00", []byte("not json"), uint(3))
	v := newStripe(f, &Stripe{Secrets: webhookverify.Secrets{secretB, secretA}})
	f.Fuzz(func(t *testing.T, sig string, body []byte, flip uint) {
		r := request(http.MethodPost, sig)
		_, _ = v.Verify(r, body, now)

		r = request(http.MethodPost)
		out, err := v.Sign(r, body, now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(r, out, now)
		if webhookverify.IsJSONObject(out) {
			if err != nil {
				t.Fatalf("signed body does not verify: %v", err)
			}
		} else if !errors.Is(err, webhookverify.ErrMalformedBody) {
			t.Fatalf("signed non-object body: error %v, want malformed body", err)
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

// body1KiB is a realistic 1 KiB Stripe event.
var body1KiB = func() []byte {
	b := `{"id":"evt_3PqRsT2eZvKYlo2C1a2b3c4d","object":"event","api_version":"2024-06-20","created":1699999990,` +
		`"data":{"object":{"id":"pi_3PqRsT2eZvKYlo2C0x1y2z3a","object":"payment_intent","amount":2000,"amount_received":2000,` +
		`"capture_method":"automatic","client_secret":"pi_3PqRsT2eZvKYlo2C0x1y2z3a_secret_abcdefghijklmnopqrstu","confirmation_method":"automatic",` +
		`"created":1699999980,"currency":"usd","customer":"cus_PqRsTuVwXyZ012","description":"Order ORD-42","livemode":false,` +
		`"metadata":{"order_id":"ORD-42"},"payment_method":"pm_1PqRsT2eZvKYlo2CaBcDeFgH","payment_method_types":["card"],` +
		`"status":"succeeded"}},"livemode":false,"pending_webhooks":1,"request":{"id":"req_AbCdEfGhIjKlMn","idempotency_key":"8f14e45f-ceea-467f-a9b8-1a2b3c4d5e6f"},` +
		`"type":"payment_intent.succeeded","padding":"`
	b += strings.Repeat("x", 1024-len(b)-2) + `"}`
	return []byte(b)
}()

func BenchmarkVerifyStripe(b *testing.B) {
	v := newStripe(b, &Stripe{Secrets: webhookverify.Secrets{secretA}})
	r := request(http.MethodPost, header(secretA, now.Unix(), string(body1KiB)))
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA256_1KiB is the primitive alone on the same bytes:
// a new HMAC-SHA256 over "<t>.<body>" and a constant-time comparison.
func BenchmarkBareHMACSHA256_1KiB(b *testing.B) {
	key := []byte(secretA)
	ts := []byte("1700000000.")
	want := hmac.New(sha256.New, key)
	want.Write(ts)
	want.Write(body1KiB)
	expected := want.Sum(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body1KiB)))
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(ts)
		m.Write(body1KiB)
		if !hmac.Equal(m.Sum(nil), expected) {
			b.Fatal("mismatch")
		}
	}
}
