package webhookverify_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Two gateway secrets, as an operator would make them, in rotation.
var (
	gatewayNew = "whsec_" + base64.StdEncoding.EncodeToString([]byte("gateway-secret-new-0123456789ab"))
	gatewayOld = "whsec_" + base64.StdEncoding.EncodeToString([]byte("gateway-secret-old-0123456789ab"))
)

// What the upstream receives verifies with the official Standard Webhooks
// library, under each configured secret, in every envelope mode; the id is
// the event's.
func TestForwardSignatureVerifiesWithTheStandardWebhooksLibrary(t *testing.T) {
	for _, envelope := range []string{"binary", "structured", "off"} {
		t.Run(envelope, func(t *testing.T) {
			h, _ := newHandler(t, fmt.Sprintf(`{"verifier":{"provider":"token","header":"X-Token","secrets":["tok"],"event_id_path":"id"},
				"envelope":%q,"forward_signature":[%q,%q]}`, envelope, gatewayNew, gatewayOld))
			r := webhook(payment, "X-Token", "tok", "Webhook-Signature", "v1,c3Bvb2Zl", "Webhook-Id", "msg_spoofed")
			s := serve(h, r)
			if s.err != nil || !s.next.called {
				t.Fatalf("not forwarded: %v", s.err)
			}
			got := s.next.req.Header
			if id := got.Get("Webhook-Id"); id != "evt_1" {
				t.Errorf("webhook-id %q, want the event id evt_1 (a spoofed inbound one must not survive)", id)
			}
			if n := len(strings.Fields(got.Get("Webhook-Signature"))); n != 2 {
				t.Errorf("%d signatures, want one per secret: %q", n, got.Get("Webhook-Signature"))
			}
			for _, secret := range []string{gatewayNew, gatewayOld} {
				wh, err := standardwebhooks.NewWebhook(secret)
				if err != nil {
					t.Fatal(err)
				}
				if err := wh.Verify(s.next.body, got); err != nil {
					t.Errorf("the library refuses what the upstream got: %v", err)
				}
				if err := wh.Verify(append([]byte(" "), s.next.body...), got); err == nil {
					t.Error("the library accepts another body")
				}
			}
			other, _ := standardwebhooks.NewWebhook("whsec_" + base64.StdEncoding.EncodeToString([]byte("not-the-gateway-secret")))
			if err := other.Verify(s.next.body, got); err == nil {
				t.Error("another secret verifies")
			}
		})
	}
}

// Requests forwarded unverified (enforce off) are not signed, and a
// sender's own webhook-* headers never reach the upstream.
func TestForwardSignatureNotOnUnverified(t *testing.T) {
	h, _ := newHandler(t, fmt.Sprintf(`{"verifier":{"provider":"token","header":"X-Token","secrets":["tok"]},
		"enforce":false,"forward_signature":[%q]}`, gatewayNew))
	s := serve(h, webhook(payment, "X-Token", "wrong", "Webhook-Signature", "v1,c3Bvb2Zl", "Webhook-Id", "x", "Webhook-Timestamp", "1"))
	if !s.next.called {
		t.Fatal("shadow mode must forward")
	}
	for _, name := range []string{"Webhook-Signature", "Webhook-Id", "Webhook-Timestamp"} {
		if v := s.next.req.Header.Get(name); v != "" {
			t.Errorf("%s = %q on an unverified request", name, v)
		}
	}
}

func TestForwardSignatureRefusesBadSecrets(t *testing.T) {
	for _, secret := range []string{"gateway-secret", "whsec_", "whsec_!!notbase64", "{env.NOT_SET_ANYWHERE}"} {
		var h webhookverify.Handler
		h.VerifierRaw = []byte(`{"provider":"token","header":"X-Token","secrets":["tok"]}`)
		h.ForwardSignature = webhookverify.Secrets{secret}
		err := provision(&h)
		if err == nil || !strings.Contains(err.Error(), "forward_signature") {
			t.Errorf("%q: %v", secret, err)
		}
		if err != nil && len(secret) > 8 && strings.Contains(err.Error(), secret[6:]) && !strings.HasPrefix(secret, "{") {
			t.Errorf("%q: the error shows the secret: %v", secret, err)
		}
	}
}
