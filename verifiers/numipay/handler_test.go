package numipay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// TestThroughHandler loads the verifier from JSON into the webhook_verify
// handler and checks that a pretty-printed webhook reaches the next
// handler byte for byte, with the event's id and type, and that a forged
// one does not.
func TestThroughHandler(t *testing.T) {
	t.Setenv("NUMIPAY_TEST_PASSWORD", vectorPassword)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &webhookverify.Handler{
		VerifierRaw: json.RawMessage(`{"provider":"numipay","secrets":["{env.NUMIPAY_TEST_PASSWORD}"]}`),
	}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}

	serve := func(body, sig string) (int, *http.Request, string) {
		var got *http.Request
		var gotBody string
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			got = r
			b, _ := io.ReadAll(r.Body)
			gotBody = string(b)
			return nil
		})
		r := httptest.NewRequest("POST", "/webhooks/numipay", strings.NewReader(body))
		r.Header.Set("X-Signature", sig)
		w := httptest.NewRecorder()
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
		err := h.ServeHTTP(w, r, next)
		if err != nil {
			var he caddyhttp.HandlerError
			if errors.As(err, &he) {
				return he.StatusCode, nil, ""
			}
			t.Fatalf("ServeHTTP: %v", err)
		}
		return http.StatusOK, got, gotBody
	}

	status, r, body := serve(vectorPretty, vectorSig)
	if status != http.StatusOK || r == nil {
		t.Fatalf("status %d, want the request passed on", status)
	}
	if body != vectorPretty {
		t.Fatalf("body changed on the way: %q", body)
	}
	if got := r.Header.Get("Ce-Id"); got != "r21nmrtpcmrcava:rejected" {
		t.Errorf("Ce-Id = %q", got)
	}
	if got := r.Header.Get("Ce-Type"); got != "com.numipay.transaction.withdrawal" {
		t.Errorf("Ce-Type = %q", got)
	}
	if got := r.Header.Get("Ce-Paymentstatus"); got != "failed" {
		t.Errorf("Ce-Paymentstatus = %q", got)
	}

	if status, r, _ := serve(strings.Replace(vectorPretty, "200.00", "2000.00", 1), vectorSig); status != http.StatusUnauthorized || r != nil {
		t.Fatalf("forged amount: status %d, passed on: %v", status, r != nil)
	}
}
