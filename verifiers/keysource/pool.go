package keysource

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// caches holds the cache of every pool key in use, kept across config
// reloads for as long as a config uses it.
var caches = caddy.NewUsagePool()

// Acquire returns a Source for cfg, sharing its cache with every other
// Source acquired with the same key and an equal Config (Now and AllowHost
// aside), in this config or the one it replaces; fetches are counted on
// ctx's metrics registry. key must tell accounts apart where keys are per
// account: the provider plus a hash of the account's credentials ("" means
// cfg.Provider). Acquire fetches nothing. Release the Source at cleanup.
func Acquire(ctx caddy.Context, cfg Config, key string) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if key == "" {
		key = cfg.Provider
	}
	var reg prometheus.Registerer
	if r := ctx.GetMetricsRegistry(); r != nil { // nil in a bare caddy.Context
		reg = r
	}
	counters, err := newCounters(reg, cfg.Provider)
	if err != nil {
		return nil, err
	}
	pk := poolKey(key, cfg)
	v, _, err := caches.LoadOrNew(pk, func() (caddy.Destructor, error) { return newCache(cfg), nil })
	if err != nil {
		return nil, err
	}
	return &Source{c: v.(*cache), counters: counters, pooled: pk}, nil
}

// New returns a Source of its own, outside the pool, counting fetches on
// reg (nil: nowhere). It is meant for tests and tools; Caddy modules use
// Acquire.
func New(cfg Config, reg prometheus.Registerer) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	counters, err := newCounters(reg, cfg.Provider)
	if err != nil {
		return nil, err
	}
	return &Source{c: newCache(cfg), counters: counters}, nil
}

// Release gives the Source back. The cache is dropped, and its fetches in
// flight cancelled, once every Source that shares it is released. Further
// calls do nothing; the Source must not be used afterwards.
func (s *Source) Release() error {
	if s.released.Swap(true) {
		return nil
	}
	if s.pooled == "" {
		return s.c.Destruct()
	}
	_, err := caches.Delete(s.pooled)
	return err
}

// poolKey is key plus the settings of cfg, so that a reload that changes
// them gets a fresh cache.
func poolKey(key string, cfg Config) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%v %v %d %v %d %d", key, cfg.Provider, strings.Join(cfg.Hosts, ","),
		cfg.TTL, cfg.NegativeTTL, cfg.MaxEntries, cfg.Timeout, cfg.MaxResponseBytes, cfg.FetchesPerMinute)
}

// outcome is the result of a fetch, a label of the fetch counter.
type outcome int

const (
	fetched outcome = iota
	notFound
	unavailable
	notAllowed
	limited
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"fetched", "not_found", "unavailable", "not_allowed", "limited"}

// newCounters returns the fetch counters of provider on reg, registering
// the counter vector unless it already is (every Source of a config shares
// it). A nil reg gets a private registry.
func newCounters(reg prometheus.Registerer, provider string) ([numOutcomes]prometheus.Counter, error) {
	var counters [numOutcomes]prometheus.Counter
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	vec, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "webhook_verify",
		Name:      "key_fetch_total",
		Help:      "Fetches of providers' public keys by provider and outcome: fetched, not_found, unavailable, not_allowed, limited (over FetchesPerMinute; cache hits are not counted).",
	}, []string{"provider", "outcome"}))
	if err != nil {
		return counters, err
	}
	for o, name := range outcomeNames {
		counters[o] = vec.WithLabelValues(provider, name) // present at 0 from the start
	}
	return counters, nil
}

// register registers c, or returns the collector already registered under
// the same name (as module/metrics.go does).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
