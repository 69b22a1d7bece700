package keysource

import (
	"context"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// newCaddyContext is the context of a loaded config, with its own metrics
// registry (as each config has).
func newCaddyContext(t *testing.T) caddy.Context {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return ctx
}

func acquire(t *testing.T, ctx caddy.Context, cfg Config, key string) *Source {
	t.Helper()
	src, err := Acquire(ctx, cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestAcquireSharesAcrossReload(t *testing.T) {
	srv := serve(t, text("CERT"))
	const key = "paypal-shared-test"
	oldCfg, newCfg := newCaddyContext(t), newCaddyContext(t)
	a := acquire(t, oldCfg, paypalConfig(), key)
	b := acquire(t, newCfg, paypalConfig(), key) // the new config, during a reload
	if a.c != b.c {
		t.Fatal("same key, different caches")
	}
	if n := srv.conns.Load(); n != 0 {
		t.Fatal("Acquire fetched")
	}
	if refs, _ := caches.References(a.pooled); refs != 2 {
		t.Fatalf("%d references, want 2", refs)
	}

	if _, err := get(b, certURL); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(); err != nil { // the old config is unloaded
		t.Fatal(err)
	}
	a.Release() // again: nothing
	if refs, _ := caches.References(b.pooled); refs != 1 {
		t.Fatalf("%d references, want 1", refs)
	}
	c := acquire(t, newCaddyContext(t), paypalConfig(), key) // and reloaded again
	if _, err := get(c, certURL); err != nil {
		t.Fatal(err)
	}
	if n := srv.hitCount("/cert"); n != 1 {
		t.Fatalf("%d fetches, want 1: the cache did not survive the reload", n)
	}
	if got := fetchCount(t, newCfg.GetMetricsRegistry(), "paypal", "fetched"); got != 1 {
		t.Fatalf("fetched %v on the registry of the config that fetched, want 1", got)
	}
	if got := fetchCount(t, oldCfg.GetMetricsRegistry(), "paypal", "fetched"); got != 0 {
		t.Fatalf("fetched %v on another config's registry, want 0", got)
	}
	b.Release()
	c.Release()
	if _, ok := caches.References(b.pooled); ok {
		t.Fatal("cache kept after the last Release")
	}
}

func TestAcquireKeysAndConfigs(t *testing.T) {
	ctx := newCaddyContext(t)
	base := acquire(t, ctx, paypalConfig(), "paypal-keys-test")
	defer base.Release()
	other := paypalConfig()
	other.TTL = 2 * time.Hour
	for name, src := range map[string]*Source{
		"another key":   acquire(t, ctx, paypalConfig(), "paypal-keys-test-2"),
		"another TTL":   acquire(t, ctx, other, "paypal-keys-test"),
		"another hosts": acquire(t, ctx, Config{Provider: "paypal", Hosts: []string{"api.paypal.com"}, TTL: time.Hour}, "paypal-keys-test"),
	} {
		if src.c == base.c {
			t.Errorf("%s: shares the cache", name)
		}
		src.Release()
	}
	// Hosts are compared as a set, case aside.
	same := paypalConfig()
	same.Hosts = []string{"api.sandbox.paypal.com", "api.paypal.com", "api.paypal.com"}
	src := acquire(t, ctx, same, "paypal-keys-test")
	defer src.Release()
	if src.c != base.c {
		t.Error("equal configs do not share the cache")
	}
}

func TestAcquireWithBareContext(t *testing.T) {
	serve(t, text("CERT"))
	src := acquire(t, caddy.Context{}, paypalConfig(), "paypal-bare-test") // no registry
	defer src.Release()
	if _, err := get(src, certURL); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no provider":    {Hosts: []string{"api.paypal.com"}},
		"no hosts":       {Provider: "paypal"},
		"host with port": {Provider: "paypal", Hosts: []string{"api.paypal.com:443"}},
		"host with path": {Provider: "paypal", Hosts: []string{"api.paypal.com/x"}},
		"empty host":     {Provider: "paypal", Hosts: []string{""}},
		"negative TTL":   {Provider: "paypal", Hosts: []string{"api.paypal.com"}, TTL: -1},
	} {
		if _, err := Acquire(caddy.Context{}, cfg, ""); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
