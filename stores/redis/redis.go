// Package redisstore is the redis dedup store of webhook_verify: delivered
// webhooks are remembered in Redis, so that several Caddy instances behind
// one load balancer forward each webhook once.
package redisstore

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/redis/go-redis/v9"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(Store{})
}

// Defaults of the configuration.
const (
	DefaultAddress   = "127.0.0.1:6379"
	DefaultKeyPrefix = "webhook_verify:"
	DefaultTimeout   = 250 * time.Millisecond
)

// Values stored in Redis: a reservation is "r:<token>", a delivered key "d".
const (
	reservationPrefix = "r:"
	delivered         = "d"
)

// clients holds one Redis client per distinct configuration, shared by
// every handler of the process and kept across config reloads for as long
// as a config uses it.
var clients = caddy.NewUsagePool()

// Store keeps dedup keys in Redis (7.0 or later): standalone, Redis Cluster
// or behind Sentinel. Every Caddy instance that uses the same Redis and key
// prefix shares the keys. Each operation is one atomic command or script.
//
// Nothing is dialled when the config loads: the first webhook connects. An
// operation that takes longer than timeout fails, and the handler decides
// what a failing store means for the webhook.
type Store struct {
	// Addresses of Redis, as host:port. One address is a standalone server;
	// several are the seed nodes of a Redis Cluster, or the Sentinels when
	// sentinel is set. Default: ["127.0.0.1:6379"].
	Addresses []string `json:"addresses,omitempty"`

	// Username for Redis ACLs (AUTH). Placeholders such as {env.NAME} are
	// resolved when the config loads.
	Username string `json:"username,omitempty"`

	// Password for Redis (AUTH). Use a placeholder, {env.REDIS_PASSWORD} or
	// {file./run/secrets/redis}: it is resolved when the config loads and
	// never written into the JSON config. An unset variable or an empty file
	// is an error. A literal brace must be escaped as \{. With sentinel, the
	// password is the master's; the Sentinels are reached without one.
	Password string `json:"password,omitempty"`

	// DB is the database number. Default: 0, the only one in Redis Cluster.
	DB int `json:"db,omitempty"`

	// TLS connects over TLS, verifying the server's certificate against the
	// system roots.
	TLS bool `json:"tls,omitempty"`

	// Sentinel is the name of the master monitored by the Sentinels at
	// addresses, e.g. "mymaster". Empty: no Sentinel.
	Sentinel string `json:"sentinel,omitempty"`

	// KeyPrefix starts every Redis key, followed by the dedup key in hex.
	// Default: "webhook_verify:".
	KeyPrefix string `json:"key_prefix,omitempty"`

	// Timeout bounds each Redis operation, connecting included.
	// Default: 250ms.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	client  redis.UniversalClient
	timeout time.Duration
	poolKey string
}

// CaddyModule returns the Caddy module information.
func (Store) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  webhookverify.StoreNamespace + ".redis",
		New: func() caddy.Module { return new(Store) },
	}
}

// clientConfig is everything that makes one Redis client differ from
// another. Its hash keys the client pool.
type clientConfig struct {
	Addresses []string
	Username  string
	Password  string
	DB        int
	TLS       bool
	Sentinel  string
	Timeout   time.Duration
}

// pooledClient is a client in the pool, closed when the last config using
// it is cleaned up.
type pooledClient struct{ redis.UniversalClient }

func (c pooledClient) Destruct() error { return c.Close() }

// Provision checks the configuration, resolves the credentials and gets
// the client for it, or makes one. It does not connect.
func (s *Store) Provision(caddy.Context) error {
	if len(s.Addresses) == 0 {
		s.Addresses = []string{DefaultAddress}
	}
	for _, a := range s.Addresses {
		if err := checkAddress(a); err != nil {
			return err
		}
	}
	if s.DB < 0 {
		return fmt.Errorf("redis db %d is negative: give a database number, e.g. db 0", s.DB)
	}
	if s.DB != 0 && len(s.Addresses) > 1 && s.Sentinel == "" {
		return fmt.Errorf("redis db %d: several addresses mean Redis Cluster, which has only db 0: remove db, or give one address", s.DB)
	}
	switch {
	case s.Timeout < 0:
		return fmt.Errorf("redis timeout %s is negative: give a duration, e.g. timeout 250ms", time.Duration(s.Timeout))
	case s.Timeout == 0:
		s.Timeout = caddy.Duration(DefaultTimeout)
	}
	if s.KeyPrefix == "" {
		s.KeyPrefix = DefaultKeyPrefix
	}
	s.timeout = time.Duration(s.Timeout)

	cfg := clientConfig{
		Addresses: s.Addresses,
		DB:        s.DB,
		TLS:       s.TLS,
		Sentinel:  s.Sentinel,
		Timeout:   s.timeout,
	}
	var err error
	if cfg.Username, err = resolve("username", s.Username); err != nil {
		return err
	}
	if cfg.Password, err = resolve("password", s.Password); err != nil {
		return err
	}
	// The key holds a hash of the password, never the password; a changed
	// password makes a new client.
	h := sha256.New()
	fmt.Fprintf(h, "%#v", cfg) // Go syntax: strings quoted, unambiguous
	s.poolKey = "redis/" + hex.EncodeToString(h.Sum(nil))
	c, _, err := clients.LoadOrNew(s.poolKey, func() (caddy.Destructor, error) {
		return pooledClient{newClient(cfg)}, nil
	})
	if err != nil {
		return err
	}
	s.client = c.(pooledClient).UniversalClient
	return nil
}

// newClient makes a client; go-redis connects on first use.
func newClient(cfg clientConfig) redis.UniversalClient {
	opts := &redis.UniversalOptions{
		Addrs:      cfg.Addresses,
		Username:   cfg.Username,
		Password:   cfg.Password,
		DB:         cfg.DB,
		MasterName: cfg.Sentinel,

		DialTimeout:  cfg.Timeout,
		ReadTimeout:  cfg.Timeout,
		WriteTimeout: cfg.Timeout,
		// Honour the deadline of each call's context.
		ContextTimeoutEnabled: true,
		// Retry once, for a pooled connection that broke (e.g. Redis
		// restarted); go-redis reads 0 as its default of 3.
		MaxRetries: 1,
		// Dial once: a stopped Redis fails at once, not after go-redis's
		// default of 5 dials 100ms apart.
		DialerRetries: 1,
	}
	if cfg.TLS {
		// The server name is taken from each node's address.
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return redis.NewUniversalClient(opts)
}

// checkAddress accepts host:port with a port in 1–65535.
func checkAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("redis address %q has no port: write host:port, e.g. 127.0.0.1:6379 or [::1]:6379", addr)
	}
	if host == "" {
		return fmt.Errorf("redis address %q has no host: write host:port, e.g. 127.0.0.1:6379", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("redis address %q: port %q is not a number from 1 to 65535: write host:port, e.g. 127.0.0.1:6379", addr, port)
	}
	return nil
}

// resolve replaces the placeholders of a credential. An unknown placeholder
// or an empty result is an error. The error names the field only: the
// replacer's own message would quote the braced part of a literal value.
func resolve(field, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	val, err := caddy.NewReplacer().ReplaceOrErr(raw, true, true)
	if err != nil {
		return "", fmt.Errorf("redis %s: a placeholder is unknown or empty: export the variable for {env.NAME}, or create a non-empty file for {file./path}", field)
	}
	return val, nil
}

// Cleanup lets go of the client; the last config to use it closes it.
// Calling it again does nothing.
func (s *Store) Cleanup() error {
	if s.poolKey == "" {
		return nil
	}
	_, err := clients.Delete(s.poolKey)
	s.poolKey = ""
	return err
}

func (s *Store) key(k webhookverify.Key) string { return s.KeyPrefix + k.String() }

func reservation(token uint64) string {
	return reservationPrefix + strconv.FormatUint(token, 10)
}

// atLeastMs keeps a lifetime positive in Redis terms: go-redis sends no
// expiry at all for 0, and the key would stay forever.
func atLeastMs(d time.Duration) time.Duration { return max(d, time.Millisecond) }

// Reserve implements webhookverify.Store with one SET NX GET: it writes the
// reservation if the key is absent and returns what was there.
func (s *Store) Reserve(ctx context.Context, key webhookverify.Key, token uint64, ttl time.Duration) (webhookverify.Claim, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	old, err := s.client.SetArgs(ctx, s.key(key), reservation(token), redis.SetArgs{
		Mode: "NX",
		TTL:  atLeastMs(ttl),
		Get:  true,
	}).Result()
	switch {
	case errors.Is(err, redis.Nil): // the key was absent: it is ours now
		return webhookverify.Reserved, nil
	case err != nil:
		// InFlight is the answer that forwards nothing if misread.
		return webhookverify.InFlight, fmt.Errorf("redis reserve: %w", err)
	case old == delivered:
		return webhookverify.Delivered, nil
	default:
		return webhookverify.InFlight, nil
	}
}

// renewScript extends a reservation only if it is still the caller's.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes a reservation only if it is still the caller's.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Renew implements webhookverify.Store.
func (s *Store) Renew(ctx context.Context, key webhookverify.Key, token uint64, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := renewScript.Run(ctx, s.client, []string{s.key(key)}, reservation(token), atLeastMs(ttl).Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis renew: %w", err)
	}
	return nil
}

// Commit implements webhookverify.Store: the key becomes delivered,
// whoever held it.
func (s *Store) Commit(ctx context.Context, key webhookverify.Key, _ uint64, window time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Set(ctx, s.key(key), delivered, atLeastMs(window)).Err(); err != nil {
		return fmt.Errorf("redis commit: %w", err)
	}
	return nil
}

// Release implements webhookverify.Store.
func (s *Store) Release(ctx context.Context, key webhookverify.Key, token uint64) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := releaseScript.Run(ctx, s.client, []string{s.key(key)}, reservation(token)).Err(); err != nil {
		return fmt.Errorf("redis release: %w", err)
	}
	return nil
}

// UnmarshalCaddyfile sets up the store from Caddyfile tokens:
//
//	redis {
//	    address <host:port>...     # repeatable; several = cluster seeds, or sentinels
//	    username <value>
//	    password <value>           # e.g. {env.REDIS_PASSWORD}
//	    db <n>
//	    tls
//	    sentinel <master name>
//	    key_prefix <prefix>        # default webhook_verify:
//	    timeout <duration>         # per operation; default 250ms
//	}
//
// Credentials should be placeholders such as {env.X} or {file./path}: they
// are resolved when the config loads, never written into the JSON config.
func (s *Store) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // store name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "address":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("address needs host:port, e.g. address 127.0.0.1:6379")
			}
			for _, a := range args {
				if err := checkAddress(a); err != nil {
					return d.Err(err.Error())
				}
			}
			s.Addresses = append(s.Addresses, args...)
		case "username":
			if err := webhookverify.StringArg(d, &s.Username); err != nil {
				return err
			}
		case "password":
			if err := webhookverify.StringArg(d, &s.Password); err != nil {
				return err
			}
		case "db":
			if !d.NextArg() {
				return d.Errf("db needs a database number, e.g. db 0")
			}
			n, err := strconv.Atoi(d.Val())
			if err != nil || n < 0 {
				return d.Errf("db %q is not a database number, e.g. db 0", d.Val())
			}
			s.DB = n
			if d.NextArg() {
				return d.ArgErr()
			}
		case "tls":
			if d.NextArg() {
				return d.ArgErr()
			}
			s.TLS = true
		case "sentinel":
			if err := webhookverify.StringArg(d, &s.Sentinel); err != nil {
				return err
			}
		case "key_prefix":
			if err := webhookverify.StringArg(d, &s.KeyPrefix); err != nil {
				return err
			}
		case "timeout":
			if err := webhookverify.DurationArg(d, &s.Timeout); err != nil {
				return err
			}
		default:
			return d.Errf("unrecognized subdirective %q in store redis: use address, username, password, db, tls, sentinel, key_prefix or timeout", d.Val())
		}
	}
	return nil
}

// Interface guards
var (
	_ webhookverify.Store   = (*Store)(nil)
	_ caddy.Provisioner     = (*Store)(nil)
	_ caddy.CleanerUpper    = (*Store)(nil)
	_ caddyfile.Unmarshaler = (*Store)(nil)
)
