// Package keysource is how verifiers fetch the public keys and certificates
// that some providers sign webhooks with (PayPal, AWS SNS, Circle, Plaid,
// Fireblocks): safely, once, and cached.
//
// A verifier acquires a Source when it is provisioned and releases it at
// cleanup:
//
//	src, err := keysource.Acquire(ctx, keysource.Config{
//		Provider: "paypal",
//		Hosts:    []string{"api.paypal.com", "api.sandbox.paypal.com"},
//		TTL:      24 * time.Hour,
//	}, "paypal")
//	...
//	defer src.Release() // in Cleanup
//
// and asks it for a key by id, with the function that fetches it when the
// key is not cached:
//
//	v, err := src.Get(r.Context(), certURL, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
//		body, err := c.Get(ctx, certURL, nil)
//		if err != nil {
//			return nil, 0, err
//		}
//		cert, err := parse(body)
//		return cert, 0, err
//	})
//
// Safety. A fetch reaches the network only through its Client: HTTPS to
// port 443 of an allowed host (Config.Hosts or Config.AllowHost), checked
// on every request and again when dialing, to public addresses only, with
// the system roots, no redirects, no proxy, bounded time and size.
//
// Errors. Every error from Get wraps one of ErrNotAllowed, ErrNotFound and
// ErrUnavailable. Only ErrNotFound is cached (for Config.NegativeTTL).
//
// Sharing. Concurrent Gets of one id share a single fetch, which runs to its
// own timeout even when the callers that wait for it give up. Sources are
// pooled by key across `caddy reload`, so a new config keeps the old one's
// cache.
//
// Tests. Nothing in a Caddy config can point the Client elsewhere. Unit
// tests of any package use the keysourcetest package, which starts a local
// TLS server with a throwaway CA and sends every allowed host's connections
// to it (and refuses to run outside a test binary). End-to-end tests build
// Caddy with -tags webhookverify_testhooks and set
// WEBHOOK_VERIFY_TEST_KEY_SERVER (host:port dialed instead of every allowed
// host) and WEBHOOK_VERIFY_TEST_KEY_CA (PEM file of the only trusted root);
// production builds contain no code that reads them. In both cases URLs are
// still checked against the allowed hosts and the server's certificate must
// name the allowed host.
package keysource

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// The errors of Get and of Client, to be tested with errors.Is.
var (
	// ErrNotAllowed is a URL refused before connecting: not https, a host
	// not allowed, a port other than 443, userinfo, a non-public address.
	ErrNotAllowed = errors.New("URL not allowed")
	// ErrNotFound means the provider says the key does not exist (404 or
	// 410, or a fetch's own finding, such as a JWKS without the kid).
	ErrNotFound = errors.New("key not found")
	// ErrUnavailable is any other failure: network, TLS, timeout, a status
	// other than 2xx, 404 and 410, an oversized response, a parse error.
	ErrUnavailable = errors.New("key source unavailable")
)

// Defaults for the zero values of Config.
const (
	DefaultNegativeTTL      = time.Minute
	DefaultMaxEntries       = 1000
	DefaultTimeout          = 5 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	DefaultFetchesPerMinute = 60
)

// Config says where a provider's keys may be fetched from and how long they
// are kept. Provider and one of Hosts or AllowHost are required.
type Config struct {
	// Provider names the provider in errors and metrics, e.g. "paypal".
	Provider string
	// Hosts are the host names that may be fetched from, matched exactly
	// (case-insensitively).
	Hosts []string
	// AllowHost, if set, also allows the (lower-case) hosts it returns true
	// for, e.g. sns.<region>.amazonaws.com.
	AllowHost func(host string) bool
	// TTL is how long a fetched value is kept, unless its fetch says
	// otherwise. 0 keeps it until evicted.
	TTL time.Duration
	// NegativeTTL is how long an ErrNotFound is remembered. Default 1m;
	// negative: not remembered.
	NegativeTTL time.Duration
	// MaxEntries bounds the values kept, the oldest going first, and
	// separately the ids remembered as not found, so that unknown ids
	// cannot push known keys out. Default 1000.
	MaxEntries int
	// Timeout bounds a whole fetch and every request in it. Default 5s.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body. Default 64 KiB.
	MaxResponseBytes int64
	// Now is the clock of expiry, time.Now by default (tests move it).
	Now func() time.Time
	// FetchesPerMinute bounds the fetches a Source starts (of ids neither
	// cached nor in flight): requests naming ever new URLs or key ids
	// cannot make the gateway hammer the provider. Past it, Get fails at
	// once with ErrUnavailable (the provider retries the webhook later).
	// Default 60, with bursts of as many; negative: no bound.
	FetchesPerMinute int

	allowed func(host string) bool
}

// withDefaults validates c and returns it with defaults set.
func (c Config) withDefaults() (Config, error) {
	if c.Provider == "" {
		return c, errors.New("keysource: Config.Provider is required")
	}
	if len(c.Hosts) == 0 && c.AllowHost == nil {
		return c, fmt.Errorf("keysource %s: Config.Hosts or Config.AllowHost is required", c.Provider)
	}
	if c.TTL < 0 || c.MaxEntries < 0 || c.Timeout < 0 || c.MaxResponseBytes < 0 {
		return c, fmt.Errorf("keysource %s: negative TTL, MaxEntries, Timeout or MaxResponseBytes", c.Provider)
	}
	hosts := make([]string, len(c.Hosts))
	for i, h := range c.Hosts {
		h = strings.ToLower(h)
		if h == "" || strings.ContainsAny(h, ":/@?#[] ") {
			return c, fmt.Errorf("keysource %s: invalid host %q", c.Provider, h)
		}
		hosts[i] = h
	}
	slices.Sort(hosts)
	c.Hosts = slices.Compact(hosts)
	if c.NegativeTTL == 0 {
		c.NegativeTTL = DefaultNegativeTTL
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.FetchesPerMinute == 0 {
		c.FetchesPerMinute = DefaultFetchesPerMinute
	}
	exact, pattern := c.Hosts, c.AllowHost
	c.allowed = func(host string) bool {
		_, ok := slices.BinarySearch(exact, host)
		return ok || (pattern != nil && pattern(host))
	}
	return c, nil
}

// staleRetry is how long an expired value is served, after a failed
// refresh, before the next attempt.
const staleRetry = time.Minute

// FetchFunc fetches the value of an id with c, within ctx's deadline. It
// returns the value and how long to keep it: 0 for Config.TTL, negative not
// to keep it. Its error should wrap ErrNotFound when the key does not
// exist, as the Client's errors for 404 and 410 do; an error that wraps
// none of the package's errors counts as ErrUnavailable.
type FetchFunc func(ctx context.Context, c *Client) (value any, ttl time.Duration, err error)

// Source is a cache of one provider's keys with its fetcher. Get it from
// Acquire (or New in tests) and Release it when done; it is safe for
// concurrent use.
type Source struct {
	c        *cache
	counters [numOutcomes]prometheus.Counter
	pooled   string // pool key, "" from New
	released atomic.Bool
}

// Get returns the value cached for id or, if there is none, the value that
// fetch finds. Concurrent Gets of an id share one fetch; if ctx ends first,
// Get returns ErrUnavailable while the fetch goes on for the others.
//
// A key found before whose time is up is fetched again without counting
// against FetchesPerMinute (requests naming new ids cannot starve it),
// and while the provider cannot be reached (ErrUnavailable) the old value
// is served, a minute at a time.
func (s *Source) Get(ctx context.Context, id string, fetch FetchFunc) (any, error) {
	c := s.c
	c.mu.Lock()
	e, fresh := c.lookup(id)
	if fresh {
		c.mu.Unlock()
		return e.val, e.err
	}
	cl, ok := c.calls[id]
	if !ok && e == nil && c.limit != nil && !c.limit.AllowN(c.cfg.Now(), 1) {
		c.mu.Unlock()
		s.counters[limited].Inc()
		return nil, fmt.Errorf("keysource %s: %w: more than %d fetches a minute", c.cfg.Provider, ErrUnavailable, c.cfg.FetchesPerMinute)
	}
	if !ok {
		cl = &call{done: make(chan struct{})}
		c.calls[id] = cl
		go c.run(context.WithoutCancel(ctx), id, cl, fetch, &s.counters)
	}
	if c.joined != nil {
		c.joined(id)
	}
	c.mu.Unlock()
	select {
	case <-cl.done:
		if e != nil && errors.Is(cl.err, ErrUnavailable) {
			return e.val, nil // stale, but the provider's: see run
		}
		return cl.val, cl.err
	case <-ctx.Done():
		return nil, fmt.Errorf("keysource %s: %w: %w", c.cfg.Provider, ErrUnavailable, context.Cause(ctx))
	}
}

// CheckURL fails with ErrNotAllowed, at no cost, when rawURL may not be
// fetched (see Client): a verifier calls it before Get, so that refused
// URLs do not count against FetchesPerMinute.
func (s *Source) CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("keysource %s: %w: the URL does not parse", s.c.cfg.Provider, ErrNotAllowed)
	}
	if err := s.c.client.check(u); err != nil {
		return fmt.Errorf("keysource %s: %w", s.c.cfg.Provider, err)
	}
	return nil
}

// cache is the state that Sources acquired with one pool key share.
type cache struct {
	cfg    Config
	client *Client
	life   context.Context // ends when the cache is destructed
	end    context.CancelFunc

	mu             sync.Mutex
	items          map[string]*entry
	found, missing list.List // ids in insertion order, oldest first
	calls          map[string]*call
	limit          *rate.Limiter   // nil: no bound
	joined         func(id string) // test hook: a Get waits for a fetch
}

type entry struct {
	val     any
	err     error // ErrNotFound-wrapped: a negative entry
	expires time.Time
	elem    *list.Element
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

func newCache(cfg Config) *cache {
	c := &cache{cfg: cfg, client: newClient(&cfg), items: map[string]*entry{}, calls: map[string]*call{}}
	if cfg.FetchesPerMinute > 0 {
		c.limit = rate.NewLimiter(rate.Limit(float64(cfg.FetchesPerMinute)/60), cfg.FetchesPerMinute)
	}
	c.life, c.end = context.WithCancel(context.Background())
	return c
}

// Destruct ends the fetches in flight and closes idle connections; the
// pool calls it when the last Source of a key is released.
func (c *cache) Destruct() error {
	c.end()
	c.client.tr.CloseIdleConnections()
	return nil
}

// lookup returns id's entry and whether it is fresh. An expired negative
// entry is dropped; an expired value is kept and returned, not fresh, to
// be fetched again (and served while that fails). c.mu held.
func (c *cache) lookup(id string) (*entry, bool) {
	e, ok := c.items[id]
	if !ok {
		return nil, false
	}
	if !e.expires.IsZero() && !c.cfg.Now().Before(e.expires) {
		if e.err != nil {
			c.remove(id, e)
			return nil, false
		}
		return e, false
	}
	return e, true
}

func (c *cache) remove(id string, e *entry) {
	if e.err != nil {
		c.missing.Remove(e.elem)
	} else {
		c.found.Remove(e.elem)
	}
	delete(c.items, id)
}

// store keeps a result for ttl (0: forever), evicting the oldest of its
// kind beyond MaxEntries. c.mu held.
func (c *cache) store(id string, val any, err error, ttl time.Duration) {
	if old, ok := c.items[id]; ok {
		c.remove(id, old)
	}
	e := &entry{val: val, err: err}
	if ttl > 0 {
		e.expires = c.cfg.Now().Add(ttl)
	}
	l := &c.found
	if err != nil {
		l = &c.missing
	}
	e.elem = l.PushBack(id)
	c.items[id] = e
	for l.Len() > c.cfg.MaxEntries {
		oldest := l.Front().Value.(string)
		c.remove(oldest, c.items[oldest])
	}
}

// run performs the fetch of a call, detached from its callers, and
// publishes its result.
func (c *cache) run(ctx context.Context, id string, cl *call, fetch FetchFunc, counters *[numOutcomes]prometheus.Counter) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()

	val, ttl, err := c.fetch(ctx, fetch)
	var out outcome
	switch {
	case err == nil && val == nil:
		out, err = unavailable, fmt.Errorf("keysource %s: %w: fetch returned no value", c.cfg.Provider, ErrUnavailable)
	case err == nil:
		out = fetched
		if ttl == 0 {
			ttl = c.cfg.TTL
		}
	case errors.Is(err, ErrNotAllowed):
		out, val = notAllowed, nil
	case errors.Is(err, ErrNotFound):
		out, val, ttl = notFound, nil, c.cfg.NegativeTTL
	default:
		out, val = unavailable, nil
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("keysource %s: %w: %w", c.cfg.Provider, ErrUnavailable, err)
		}
	}

	c.mu.Lock()
	if (out == fetched || out == notFound) && ttl >= 0 {
		c.store(id, val, err, ttl)
	} else if old, ok := c.items[id]; ok && old.err == nil && out == unavailable {
		// Serve the old value a minute more before trying again.
		old.expires = c.cfg.Now().Add(staleRetry)
	}
	delete(c.calls, id)
	cl.val, cl.err = val, err
	c.mu.Unlock()
	close(cl.done)
	counters[out].Inc()
}

// fetch calls f, turning a panic into an error: it runs on its own
// goroutine, where a panic would end the process.
func (c *cache) fetch(ctx context.Context, f FetchFunc) (val any, ttl time.Duration, err error) {
	defer func() {
		if p := recover(); p != nil {
			val, ttl, err = nil, 0, fmt.Errorf("keysource %s: %w: fetch panicked: %v", c.cfg.Provider, ErrUnavailable, p)
		}
	}()
	return f(ctx, c.client)
}
