package webhookverify

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
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
// Delivered keys are bounded by max_keys: beyond it, the keys delivered
// first are forgotten first, before their window ends. Reservations of
// requests in flight are kept apart and never evicted. Keys are held in
// tables without pointers, which the garbage collector does not scan.
type MemoryStore struct {
	// MaxKeys is the largest number of delivered keys remembered.
	// Default: 1,000,000 (about 70 MB when full).
	MaxKeys int `json:"max_keys,omitempty"`

	*memoryKeys
	poolKey string
}

// memoryKeys is the state shared by every MemoryStore with the same
// max_keys, across config reloads: 64 shards, chosen by the key's first
// byte (keys are hashes).
type memoryKeys struct {
	shards [64]memoryShard
}

// memoryShard holds the delivered keys and the reservations of its keys.
// One lock orders everything that happens to a key.
type memoryShard struct {
	mu        sync.Mutex
	delivered map[Key]int64 // key → when it expires, Unix nanoseconds
	order     []delivery    // a ring of the deliveries, oldest at head; n of them, at most max
	head, n   int
	max       int
	held      map[Key]reservation
}

type delivery struct {
	key     Key
	expires int64
}

type reservation struct {
	token   uint64
	expires int64
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
	m := new(memoryKeys)
	perShard := max(1, (maxKeys+len(m.shards)-1)/len(m.shards))
	for i := range m.shards {
		m.shards[i].delivered = make(map[Key]int64)
		m.shards[i].held = make(map[Key]reservation)
		m.shards[i].max = perShard
	}
	return m
}

// Cleanup lets go of the keys; the last config to use them frees them.
func (s *MemoryStore) Cleanup() error {
	if s.poolKey == "" {
		return nil
	}
	_, err := memoryStores.Delete(s.poolKey)
	s.poolKey = ""
	return err
}

func (m *memoryKeys) shard(key Key) *memoryShard {
	return &m.shards[int(key[0])%len(m.shards)]
}

// Reserve implements Store.
func (m *memoryKeys) Reserve(_ context.Context, key Key, token uint64, ttl time.Duration) (Claim, error) {
	sh := m.shard(key)
	now := time.Now().UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if expires, ok := sh.delivered[key]; ok && now < expires {
		return Delivered, nil
	}
	if r, ok := sh.held[key]; ok && now < r.expires {
		return InFlight, nil
	}
	sh.held[key] = reservation{token: token, expires: now + int64(ttl)}
	return Reserved, nil
}

// Renew implements Store.
func (m *memoryKeys) Renew(_ context.Context, key Key, token uint64, ttl time.Duration) error {
	sh := m.shard(key)
	sh.mu.Lock()
	if r, ok := sh.held[key]; ok && r.token == token {
		sh.held[key] = reservation{token: token, expires: time.Now().UnixNano() + int64(ttl)}
	}
	sh.mu.Unlock()
	return nil
}

// Commit implements Store.
func (m *memoryKeys) Commit(_ context.Context, key Key, token uint64, window time.Duration) error {
	sh := m.shard(key)
	now := time.Now().UnixNano()
	sh.mu.Lock()
	sh.remember(delivery{key, now + int64(window)}, now)
	if r, ok := sh.held[key]; ok && r.token == token {
		delete(sh.held, key)
	}
	sh.mu.Unlock()
	return nil
}

// remember records a delivery, after forgetting the oldest ones that have
// expired, and the oldest one when the shard is full.
func (sh *memoryShard) remember(d delivery, now int64) {
	for sh.n > 0 && sh.order[sh.head].expires <= now {
		sh.forget(sh.pop())
	}
	if sh.n >= sh.max {
		sh.forget(sh.pop())
	}
	sh.delivered[d.key] = d.expires
	sh.push(d)
}

// push appends to the ring of deliveries, growing it up to max.
func (sh *memoryShard) push(d delivery) {
	if sh.n == len(sh.order) {
		grown := make([]delivery, min(sh.max, max(8, 2*len(sh.order))))
		for i := range sh.n {
			grown[i] = sh.order[(sh.head+i)%len(sh.order)]
		}
		sh.order, sh.head = grown, 0
	}
	sh.order[(sh.head+sh.n)%len(sh.order)] = d
	sh.n++
}

// pop takes the oldest delivery off the ring.
func (sh *memoryShard) pop() delivery {
	d := sh.order[sh.head]
	sh.head = (sh.head + 1) % len(sh.order)
	sh.n--
	return d
}

// forget deletes a delivered key, unless it was delivered again since.
func (sh *memoryShard) forget(d delivery) {
	if sh.delivered[d.key] == d.expires {
		delete(sh.delivered, d.key)
	}
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
