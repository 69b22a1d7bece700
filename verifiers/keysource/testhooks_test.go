//go:build webhookverify_testhooks

package keysource

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/internal/override"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

func TestEnvironmentOverride(t *testing.T) {
	if os.Getenv(TestServerEnv) == "" && override.Get() != nil {
		t.Fatal("override active without the environment")
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	for name, args := range map[string][2]string{
		"no CA":      {"127.0.0.1:1", ""},
		"no server":  {"", caFile},
		"bad server": {"127.0.0.1", caFile},
		"no file":    {"127.0.0.1:1", filepath.Join(dir, "missing.pem")},
		"not PEM":    {"127.0.0.1:1", filepath.Join(dir, "junk.pem")},
	} {
		os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("junk"), 0o600)
		if _, err := testTarget(args[0], args[1]); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	// What a Caddy built with the tag does: the server and the CA file.
	ca := keysourcetest.NewCA(t)
	if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	srv := keysourcetest.StartTLS(t, text("CERT"), nil, ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), paypal))
	target, err := testTarget(srv.Listener.Addr().String(), caFile)
	if err != nil {
		t.Fatal(err)
	}
	prev := override.Set(target) // replaces StartTLS's, restored at cleanup
	t.Cleanup(func() { override.Set(prev) })
	src := newSource(t, paypalConfig(), nil)
	if v, err := get(src, certURL); err != nil || v != "CERT" {
		t.Fatalf("got %v, %v", v, err)
	}
	_, err = get(src, "https://evil.test/cert")
	wantErr(t, err, ErrNotAllowed)
}
