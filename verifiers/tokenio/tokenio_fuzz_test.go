package tokenio

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzVerifyTokenIO feeds arbitrary queries, bodies and signature headers to
// both modes and checks that nothing panics, that a webhook body signed by
// Sign verifies, and that flipping any one byte of it makes verification
// fail.
func FuzzVerifyTokenIO(f *testing.F) {
	f.Add([]byte(docRedirectJSON), docErrorQuery, "", uint(7))
	f.Add([]byte(webhookBody), docV2Query, b64url(rfc2Sig), uint(100))
	f.Add([]byte(""), docEmbeddedQuery, "=", uint(0))

	redirect := provisioned(f, &TokenIO{})
	webhook := provisioned(f, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub), b64url(rfc1Pub)}, PrivateKey: b64url(rfc1Seed)})
	now := time.Now()

	f.Fuzz(func(t *testing.T, body []byte, query, sig string, flip uint) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			r := httptest.NewRequest(method, "/cb", nil)
			r.URL.RawQuery = query
			_, _ = redirect.Verify(r, body, now)
			r.Header.Set(DefaultHeader, sig)
			_, _ = webhook.Verify(r, body, now)
		}

		r := httptest.NewRequest(http.MethodPost, "/webhook", nil)
		signed, err := webhook.Sign(r, body, now)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if _, err := webhook.Verify(r, signed, now); err != nil {
			t.Fatalf("Verify(Sign(%q)) = %v", body, err)
		}
		if len(signed) == 0 {
			return
		}
		mutated := append([]byte(nil), signed...)
		i := int(flip % uint(len(mutated)))
		mutated[i] ^= 1
		if _, err := webhook.Verify(r, mutated, now); err == nil {
			t.Fatalf("Verify accepted a body with byte %d flipped", i)
		}
	})
}
