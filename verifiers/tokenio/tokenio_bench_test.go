package tokenio

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// webhookBody1KiB is the sample webhook padded to 1 KiB.
var webhookBody1KiB = func() []byte {
	pad := 1024 - len(webhookBody) - len(`,"note":""`)
	return []byte(webhookBody[:len(webhookBody)-1] + `,"note":"` + strings.Repeat("n", pad) + `"}`)
}()

func BenchmarkVerifyTokenIOWebhook(b *testing.B) {
	v := provisioned(b, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}})
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(rfc1Seed), webhookBody1KiB)
	r := signedRequest("", DefaultHeader, sig, base64.RawURLEncoding)
	if len(webhookBody1KiB) != 1024 {
		b.Fatalf("body is %d bytes", len(webhookBody1KiB))
	}
	if _, err := v.Verify(r, webhookBody1KiB, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(webhookBody1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, webhookBody1KiB, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareEd25519Verify_1KiB is the primitive on the same bytes.
func BenchmarkBareEd25519Verify_1KiB(b *testing.B) {
	pub := ed25519.PublicKey(rfc1Pub)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(rfc1Seed), webhookBody1KiB)
	b.ReportAllocs()
	b.SetBytes(int64(len(webhookBody1KiB)))
	for b.Loop() {
		if !ed25519.Verify(pub, webhookBody1KiB, sig) {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkVerifyTokenIORedirect checks the documented error callback sent
// as a JSON body (redirect callbacks are small; there is no cryptographic
// primitive to compare with).
func BenchmarkVerifyTokenIORedirect(b *testing.B) {
	v := provisioned(b, &TokenIO{})
	body := []byte(docErrorJSON)
	r := httptest.NewRequest(http.MethodPost, "/cb", nil)
	if _, err := v.Verify(r, body, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
