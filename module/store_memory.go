package webhookverify

import (
	"context"
	"fmt"
	"strconv"
	"sync"
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

// memoryStores holds the keys of each max_keys, shared by every handler of
// the process and kept across config reloads for as long as a config uses
// them.
var memoryStores = caddy.NewUsagePool()

// MemoryStore keeps dedup keys in this Caddy process: the default store.
// It survives `caddy reload` (the old and the new config share it) but not
// a restart, and is not shared between Caddy instances: use the redis
// store for a cluster.
//
// Delivered keys are bounded by max_keys: beyond it, the least useful keys
// are evicted before their window ends. Reservations of requests in flight
// are kept apart and never evicted.
type MemoryStore struct {
	// MaxKeys is the largest number of delivered keys remembered.
	// Default: 1,000,000 (about 100 MB).
	MaxKeys int `json:"max_keys,omitempty"`

	*memoryKeys
	poolKey string
}

// memoryKeys is the state shared by every MemoryStore with the same
// max_keys, across config reloads.
type memoryKeys struct {
	delivered *otter.Cache[Key, time.Duration] // key → its window
	shards    [64]reservationShard
}

// reservationShard holds the reservations of the keys whose first byte
// falls in it. Its lock also orders a Reserve after a Commit of the same
// key: Commit writes the delivered key before it drops the reservation.
type reservationShard struct {
	mu   sync.Mutex
	held map[Key]reservation
}

type reservation struct {
	token   uint64
	expires time.Time
}

func (*memoryKeys) Destruct() error { return nil }

// CaddyModule returns the Caddy module information.
func (MemoryStore) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  StoreNamespace + ".memory",
		New: func() caddy.Module { return new(MemoryStore) },
	}
}

// Provision gets the process's keys for max_keys, or makes them.
func (s *MemoryStore) Provision(caddy.Context) error {
	switch {
	case s.MaxKeys < 0:
		return fmt.Errorf("max_keys %d is negative: give a number of keys, e.g. max_keys 1000000", s.MaxKeys)
	case s.MaxKeys == 0:
		s.MaxKeys = DefaultMaxKeys
	}
	s.poolKey = "memory/" + strconv.Itoa(s.MaxKeys)
	keys, _, err := memoryStores.LoadOrNew(s.poolKey, func() (caddy.Destructor, error) {
		return newMemoryKeys(s.MaxKeys), nil
	})
	if err != nil {
		return err
	}
	s.memoryKeys = keys.(*memoryKeys)
	return nil
}

func newMemoryKeys(maxKeys int) *memoryKeys {
	m := &memoryKeys{delivered: otter.Must(&otter.Options[Key, time.Duration]{
		MaximumSize: maxKeys,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[Key, time.Duration]) time.Duration {
			return e.Value
		}),
	})}
	for i := range m.shards {
		m.shards[i].held = make(map[Key]reservation)
	}
	return m
}

// Cleanup lets go of the keys; the last config to use them frees them.
func (s *MemoryStore) Cleanup() error {
	if s.poolKey == "" {
		return nil
	}
	_, err := memoryStores.Delete(s.poolKey)
	return err
}

func (m *memoryKeys) shard(key Key) *reservationShard {
	return &m.shards[key[0]%byte(len(m.shards))]
}

// Reserve implements Store.
func (m *memoryKeys) Reserve(_ context.Context, key Key, token uint64, ttl time.Duration) (Claim, error) {
	sh := m.shard(key)
	now := time.Now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := m.delivered.GetIfPresent(key); ok {
		return Delivered, nil
	}
	if r, ok := sh.held[key]; ok && now.Before(r.expires) {
		return InFlight, nil
	}
	sh.held[key] = reservation{token: token, expires: now.Add(ttl)}
	return Reserved, nil
}

// Renew implements Store.
func (m *memoryKeys) Renew(_ context.Context, key Key, token uint64, ttl time.Duration) error {
	sh := m.shard(key)
	sh.mu.Lock()
	if r, ok := sh.held[key]; ok && r.token == token {
		sh.held[key] = reservation{token: token, expires: time.Now().Add(ttl)}
	}
	sh.mu.Unlock()
	return nil
}

// Commit implements Store.
func (m *memoryKeys) Commit(_ context.Context, key Key, token uint64, window time.Duration) error {
	sh := m.shard(key)
	sh.mu.Lock()
	m.delivered.Set(key, window)
	if r, ok := sh.held[key]; ok && r.token == token {
		delete(sh.held, key)
	}
	sh.mu.Unlock()
	return nil
}

// Release implements Store.
func (m *memoryKeys) Release(_ context.Context, key Key, token uint64) error {
	sh := m.shard(key)
	sh.mu.Lock()
	if r, ok := sh.held[key]; ok && r.token == token {
		delete(sh.held, key)
	}
	sh.mu.Unlock()
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
