package webhookverify_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/tokenio"
)

// A Token.io redirect carries no credential: it passes a shape check that
// anyone can pass, so the application gets Webhook-Verified: unsigned, not
// true, and the gateway does not sign it with forward_signature, in every
// envelope mode, for a GET and a POST callback.
func TestHandlerUnsignedIsNotVerified(t *testing.T) {
	const rq = "request-id=rq:5f2b9a&request_id=rq:5f2b9a"
	for _, envelope := range []string{"binary", "structured", "off"} {
		h, _ := newHandler(t, fmt.Sprintf(`{"verifier":{"provider":"tokenio"},"envelope":%q,"forward_signature":[%q]}`, envelope, gatewayNew))
		post := webhook(`{"request-id":"rq:5f2b9a","request_id":"rq:5f2b9a"}`)
		for name, r := range map[string]*http.Request{
			"GET":  httptest.NewRequest(http.MethodGet, "/cb?"+rq, nil),
			"POST": post,
		} {
			t.Run(envelope+"/"+name, func(t *testing.T) {
				r.Header.Set("Webhook-Verified", "true") // forged: removed
				s := serve(h, r)
				if s.err != nil || !s.next.called {
					t.Fatalf("a well-formed redirect was not forwarded: %v", s.err)
				}
				if v := s.next.req.Header.Values("Webhook-Verified"); len(v) != 1 || v[0] != "unsigned" {
					t.Errorf("Webhook-Verified %q, want unsigned", v)
				}
				if v := s.placeholder("verified"); v != "unsigned" {
					t.Errorf("{http.webhook.verified} = %q, want unsigned", v)
				}
				for _, h := range []string{"Webhook-Signature", "Webhook-Id", "Webhook-Timestamp"} {
					if v := s.next.req.Header.Get(h); v != "" {
						t.Errorf("%s = %q: the gateway signed a request nobody authenticated", h, v)
					}
				}
			})
		}
	}
}

// A shared token is a credential: a token verifier's requests stay
// Webhook-Verified: true.
func TestHandlerSharedTokenIsVerified(t *testing.T) {
	h, _ := newHandler(t, tokenConfig+`}`)
	s := serve(h, webhook(payment, "X-Token", "new-token"))
	if v := s.next.req.Header.Get("Webhook-Verified"); v != "true" || s.placeholder("verified") != "true" {
		t.Errorf("Webhook-Verified %q, placeholder %q; want true", v, s.placeholder("verified"))
	}
}

// Unsigned requests are counted apart from verified ones.
func TestHandlerUnsignedIsCountedApart(t *testing.T) {
	h, ctx := newHandler(t, `{"verifier":{"provider":"tokenio"},"source":"/test/unsigned-metric"}`)
	serve(h, httptest.NewRequest(http.MethodGet, "/cb?request-id=rq:1&request_id=rq:1", nil))
	if got := counter(t, ctx, "tokenio", "unsigned", ""); got != 1 {
		t.Errorf("outcome unsigned = %v, want 1", got)
	}
	if got := counter(t, ctx, "tokenio", "verified", ""); got != 0 {
		t.Errorf("outcome verified = %v, want 0", got)
	}
}
