package webhookverify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/maypok86/otter/v2"
)

func init() {
	caddy.RegisterModule(MemoryStore{})
}

// DefaultMaxKeys bounds the memory store when max_keys is not set.
const DefaultMaxKeys = 1_000_000

// memoryCaches holds one cache per max_keys, shared by every handler of
// the process and kept across config reloads for as long as a config uses it.
var memoryCaches = caddy.NewUsagePool()

// MemoryStore keeps dedup keys in this Caddy process: the default store.
// It survives `caddy reload` (the cache is shared between the old and the
// new config) but not a restart, and is not shared between Caddy
// instances: use the redis store for a cluster.
//
// Delivered keys are bounded by max_keys: beyond it, the least useful keys
// are evicted before their window ends. Reservations of requests in flight
// are never evicted.
type MemoryStore struct {
	// MaxKeys is the largest number of delivered keys remembered.
	// Default: 1,000,000 (about 100 MB).
	MaxKeys int `json:"max_keys,omitempty"`

	cache   *otter.Cache[Key, memoryEntry]
	poolKey string
}

// memoryEntry is a reservation (token ≠ 0) or a delivered key (token 0),
// with the lifetime it was written with.
type memoryEntry struct {
	token uint64
	ttl   time.Duration
}

type memoryCache struct{ *otter.Cache[Key, memoryEntry] }

func (memoryCache) Destruct() error { return nil }

// CaddyModule returns the Caddy module information.
func (MemoryStore) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  StoreNamespace + ".memory",
		New: func() caddy.Module { return new(MemoryStore) },
	}
}

// Provision gets the process's cache for max_keys, or makes it.
func (s *MemoryStore) Provision(caddy.Context) error {
	switch {
	case s.MaxKeys < 0:
		return fmt.Errorf("max_keys %d is negative: give a number of keys, e.g. max_keys 1000000", s.MaxKeys)
	case s.MaxKeys == 0:
		s.MaxKeys = DefaultMaxKeys
	}
	s.poolKey = "memory/" + strconv.Itoa(s.MaxKeys)
	c, _, err := memoryCaches.LoadOrNew(s.poolKey, func() (caddy.Destructor, error) {
		return memoryCache{newMemoryCache(s.MaxKeys)}, nil
	})
	if err != nil {
		return err
	}
	s.cache = c.(memoryCache).Cache
	return nil
}

func newMemoryCache(maxKeys int) *otter.Cache[Key, memoryEntry] {
	return otter.Must(&otter.Options[Key, memoryEntry]{
		MaximumWeight: uint64(maxKeys),
		// Reservations weigh nothing, so size-based eviction never takes them.
		Weigher: func(_ Key, e memoryEntry) uint32 {
			if e.token != 0 {
				return 0
			}
			return 1
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[Key, memoryEntry]) time.Duration {
			return e.Value.ttl
		}),
	})
}

// Cleanup lets go of the cache; the last config to use it frees it.
func (s *MemoryStore) Cleanup() error {
	if s.poolKey == "" {
		return nil
	}
	_, err := memoryCaches.Delete(s.poolKey)
	return err
}

// Reserve implements Store.
func (s *MemoryStore) Reserve(_ context.Context, key Key, token uint64, ttl time.Duration) (Claim, error) {
	claim := Reserved
	s.cache.Compute(key, func(old memoryEntry, found bool) (memoryEntry, otter.ComputeOp) {
		switch {
		case !found:
			return memoryEntry{token: token, ttl: ttl}, otter.WriteOp
		case old.token == 0:
			claim = Delivered
		default:
			claim = InFlight
		}
		return old, otter.CancelOp
	})
	return claim, nil
}

// Renew implements Store.
func (s *MemoryStore) Renew(_ context.Context, key Key, token uint64, ttl time.Duration) error {
	s.cache.ComputeIfPresent(key, func(old memoryEntry) (memoryEntry, otter.ComputeOp) {
		if old.token != token {
			return old, otter.CancelOp
		}
		return memoryEntry{token: token, ttl: ttl}, otter.WriteOp
	})
	return nil
}

// Commit implements Store.
func (s *MemoryStore) Commit(_ context.Context, key Key, _ uint64, window time.Duration) error {
	s.cache.Set(key, memoryEntry{ttl: window})
	return nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, key Key, token uint64) error {
	s.cache.ComputeIfPresent(key, func(old memoryEntry) (memoryEntry, otter.ComputeOp) {
		if old.token != token {
			return old, otter.CancelOp
		}
		return old, otter.InvalidateOp
	})
	return nil
}

// UnmarshalCaddyfile sets up the store from Caddyfile tokens:
//
//	memory {
//	    max_keys <n>
//	}
func (s *MemoryStore) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // store name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "max_keys":
			if err := parseMaxKeys(d, &s.MaxKeys); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q in store memory: use max_keys", d.Val())
		}
	}
	return nil
}

// parseMaxKeys reads the argument of max_keys.
func parseMaxKeys(d *caddyfile.Dispenser, dst *int) error {
	if !d.NextArg() {
		return d.Errf("max_keys needs a number of keys, e.g. max_keys 1000000")
	}
	n, err := strconv.Atoi(d.Val())
	if err != nil || n <= 0 {
		return d.Errf("max_keys %q is not a positive number of keys, e.g. max_keys 1000000", d.Val())
	}
	*dst = n
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// Interface guards
var (
	_ Store                 = (*MemoryStore)(nil)
	_ caddy.Provisioner     = (*MemoryStore)(nil)
	_ caddy.CleanerUpper    = (*MemoryStore)(nil)
	_ caddyfile.Unmarshaler = (*MemoryStore)(nil)
)
