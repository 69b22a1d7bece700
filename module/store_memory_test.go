package webhookverify_test

import (
	"context"
	"testing"

	"github.com/caddyserver/caddy/v2"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/module/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) webhookverify.Store {
		s := &webhookverify.MemoryStore{MaxKeys: 1000}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		t.Cleanup(cancel)
		if err := s.Provision(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Cleanup() })
		return s
	})
}
