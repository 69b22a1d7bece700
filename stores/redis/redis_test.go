package redisstore

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/redis/go-redis/v9"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/redistest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/module/storetest"
)

// provision provisions s as Caddy would, and cleans it up after the test.
func provision(t *testing.T, s *Store) {
	t.Helper()
	if err := provisionErr(t, s); err != nil {
		t.Fatalf("provision: %v", err)
	}
}

func provisionErr(t *testing.T, s *Store) error {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	t.Cleanup(func() { _ = s.Cleanup() })
	return s.Provision(ctx)
}

func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	// Every subtest's store gets the same pooled client; keys are random.
	storetest.Run(t, func(t *testing.T) webhookverify.Store {
		s := &Store{Addresses: []string{srv.Addr}}
		provision(t, s)
		return s
	})
}

func TestStoredValues(t *testing.T) {
	srv := redistest.Start(t)
	s := &Store{Addresses: []string{srv.Addr}, KeyPrefix: "wv-test:"}
	provision(t, s)
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer raw.Close()
	ctx := t.Context()

	key := webhookverify.Key{0xab, 0xcd}
	const redisKey = "wv-test:abcd0000000000000000000000000000"
	if _, err := s.Reserve(ctx, key, 42, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := raw.Get(ctx, redisKey).Result(); err != nil || got != "r:42" {
		t.Fatalf("after Reserve with token 42: GET %s = %q, %v; want \"r:42\"", redisKey, got, err)
	}
	if ttl := raw.PTTL(ctx, redisKey).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("reservation PTTL = %s; want within (0, 1m]", ttl)
	}
	if err := s.Commit(ctx, key, 42, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := raw.Get(ctx, redisKey).Result(); err != nil || got != "d" {
		t.Fatalf("after Commit: GET %s = %q, %v; want \"d\"", redisKey, got, err)
	}
	if ttl := raw.PTTL(ctx, redisKey).Val(); ttl <= time.Minute || ttl > time.Hour {
		t.Fatalf("delivered PTTL = %s; want the 1h window", ttl)
	}
}

// Two Caddy instances have a client each; they must agree on one winner.
func TestTwoInstancesAgree(t *testing.T) {
	srv := redistest.Start(t)
	// Different timeouts make different clients, as in two processes.
	a := &Store{Addresses: []string{srv.Addr}, Timeout: caddy.Duration(time.Second)}
	b := &Store{Addresses: []string{srv.Addr}, Timeout: caddy.Duration(2 * time.Second)}
	provision(t, a)
	provision(t, b)
	if a.client == b.client {
		t.Fatal("the two stores share a client; the test needs one each")
	}

	const n = 50
	key := webhookverify.Key{1, 2, 3}
	claims := make([]webhookverify.Claim, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			claims[i], errs[i] = s.Reserve(t.Context(), key, uint64(i)+1, time.Minute)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if claims[i] == webhookverify.Reserved {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d goroutines across two instances reserved one key: %d got reserved, want exactly 1", n, winners)
	}
}

// A hung Redis must not hang webhooks: every operation fails within its
// timeout (asserted loosely).
func TestPausedServerFails(t *testing.T) {
	srv := redistest.Start(t)
	s := &Store{Addresses: []string{srv.Addr}, Timeout: caddy.Duration(100 * time.Millisecond)}
	provision(t, s)
	ctx := t.Context()
	// Connect first, so that the pause hits a live connection.
	if _, err := s.Reserve(ctx, webhookverify.Key{1}, 1, time.Minute); err != nil {
		t.Fatal(err)
	}

	srv.Pause()
	key := webhookverify.Key{2}
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"reserve", func() error { _, err := s.Reserve(ctx, key, 1, time.Minute); return err }},
		{"renew", func() error { return s.Renew(ctx, key, 1, time.Minute) }},
		{"commit", func() error { return s.Commit(ctx, key, 1, time.Minute) }},
		{"release", func() error { return s.Release(ctx, key, 1) }},
	} {
		begin := time.Now()
		err := op.run()
		took := time.Since(begin)
		if err == nil {
			t.Fatalf("%s on a paused server: no error", op.name)
		}
		t.Logf("%s on a paused server failed after %s: %v", op.name, took.Round(time.Millisecond), err)
		if !strings.HasPrefix(err.Error(), "redis "+op.name+": ") {
			t.Errorf("%s error %q does not say what failed", op.name, err)
		}
		if took > 2*time.Second {
			t.Errorf("%s on a paused server with timeout 100ms took %s", op.name, took)
		}
	}

	srv.Resume()
	if got, err := s.Reserve(ctx, webhookverify.Key{3}, 1, time.Minute); err != nil || got != webhookverify.Reserved {
		t.Fatalf("Reserve after Resume: %s, %v; want reserved", got, err)
	}
}

func TestUnreachableServerFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	s := &Store{Addresses: []string{addr}, Timeout: caddy.Duration(100 * time.Millisecond)}
	provision(t, s) // does not connect, so it succeeds
	begin := time.Now()
	_, err = s.Reserve(t.Context(), webhookverify.Key{1}, 1, time.Minute)
	if err == nil {
		t.Fatal("Reserve with nothing listening: no error")
	}
	t.Logf("Reserve with nothing listening: %v", err)
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("Reserve with nothing listening took %s", took)
	}
	if !strings.HasPrefix(err.Error(), "redis reserve: ") {
		t.Errorf("error %q does not say what failed", err)
	}
}

func TestPassword(t *testing.T) {
	srv := redistest.Start(t)
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	if err := raw.ConfigSet(t.Context(), "requirepass", "correct-horse").Err(); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	const wrongPassword = "wrong-password-never-echoed"
	t.Setenv("WEBHOOK_VERIFY_TEST_REDIS_PASSWORD", wrongPassword)
	wrong := &Store{Addresses: []string{srv.Addr}, Password: "{env.WEBHOOK_VERIFY_TEST_REDIS_PASSWORD}"}
	provision(t, wrong)
	if wrong.Password != "{env.WEBHOOK_VERIFY_TEST_REDIS_PASSWORD}" {
		t.Errorf("Provision wrote the resolved password into the config: %q", wrong.Password)
	}
	_, err := wrong.Reserve(t.Context(), webhookverify.Key{1}, 1, time.Minute)
	if err == nil {
		t.Fatal("Reserve with a wrong password: no error")
	}
	t.Logf("Reserve with a wrong password: %v", err)
	if strings.Contains(err.Error(), wrongPassword) {
		t.Fatalf("error contains the password: %v", err)
	}

	file := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(file, []byte("correct-horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	right := &Store{Addresses: []string{srv.Addr}, Password: "{file." + file + "}"}
	provision(t, right)
	if got, err := right.Reserve(t.Context(), webhookverify.Key{1}, 1, time.Minute); err != nil || got != webhookverify.Reserved {
		t.Fatalf("Reserve with the right password from a file: %s, %v; want reserved", got, err)
	}
}

func TestProvisionErrors(t *testing.T) {
	t.Setenv("WEBHOOK_VERIFY_TEST_EMPTY", "")
	for _, tc := range []struct {
		name  string
		store Store
		want  string
	}{
		{"no port", Store{Addresses: []string{"localhost"}}, `redis address "localhost" has no port: write host:port, e.g. 127.0.0.1:6379`},
		{"no host", Store{Addresses: []string{":6379"}}, "has no host"},
		{"port 0", Store{Addresses: []string{"127.0.0.1:0"}}, "not a number from 1 to 65535"},
		{"port too big", Store{Addresses: []string{"127.0.0.1:65536"}}, "not a number from 1 to 65535"},
		{"port by name", Store{Addresses: []string{"127.0.0.1:redis"}}, "not a number from 1 to 65535"},
		{"one bad among good", Store{Addresses: []string{"10.0.0.1:6379", "10.0.0.2"}}, `"10.0.0.2" has no port`},
		{"negative db", Store{DB: -1}, "redis db -1 is negative"},
		{"db in cluster", Store{Addresses: []string{"10.0.0.1:6379", "10.0.0.2:6379"}, DB: 1}, "Redis Cluster, which has only db 0"},
		{"negative timeout", Store{Timeout: caddy.Duration(-time.Second)}, "redis timeout -1s is negative"},
		{"unset password", Store{Password: "{env.WEBHOOK_VERIFY_TEST_UNSET}"}, "redis password: a placeholder is unknown or empty"},
		{"empty password", Store{Password: "{env.WEBHOOK_VERIFY_TEST_EMPTY}"}, "redis password: a placeholder is unknown or empty"},
		{"missing password file", Store{Password: "{file./nonexistent/redis-password}"}, "redis password: a placeholder is unknown or empty"},
		{"unset username", Store{Username: "{env.WEBHOOK_VERIFY_TEST_UNSET}"}, "redis username: a placeholder is unknown or empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := provisionErr(t, &tc.store)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

// A literal password with braces is not a valid placeholder; the error must
// not quote any part of it.
func TestProvisionErrorHidesPassword(t *testing.T) {
	err := provisionErr(t, &Store{Password: "hunter2{secret-part}"})
	if err == nil {
		t.Fatal("no error for an unknown placeholder in the password")
	}
	for _, part := range []string{"hunter2", "secret-part"} {
		if strings.Contains(err.Error(), part) {
			t.Fatalf("error quotes the password (%q): %v", part, err)
		}
	}
}

func TestProvisionDefaults(t *testing.T) {
	s := &Store{}
	provision(t, s)
	if !reflect.DeepEqual(s.Addresses, []string{DefaultAddress}) || s.KeyPrefix != DefaultKeyPrefix ||
		time.Duration(s.Timeout) != DefaultTimeout || s.timeout != DefaultTimeout {
		t.Fatalf("defaults: addresses %v, key_prefix %q, timeout %s", s.Addresses, s.KeyPrefix, time.Duration(s.Timeout))
	}
	// Sentinel mode takes several addresses and any db.
	provision(t, &Store{Addresses: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, Sentinel: "mymaster", DB: 3})
}

// One client per configuration, shared by stores and closed by the last.
func TestClientPool(t *testing.T) {
	// Port 1 is never dialled: Provision does not connect.
	const addr = "127.0.0.1:1"
	a := &Store{Addresses: []string{addr}}
	b := &Store{Addresses: []string{addr}, KeyPrefix: "other:"} // the prefix is not the client's
	c := &Store{Addresses: []string{addr}, Password: "another"}
	provision(t, a)
	provision(t, b)
	provision(t, c)
	if a.client != b.client {
		t.Error("stores with the same connection settings have different clients")
	}
	if c.client == a.client {
		t.Error("a store with another password shares the client")
	}
	if strings.Contains(c.poolKey, "another") {
		t.Errorf("the pool key holds the password: %q", c.poolKey)
	}

	key := a.poolKey
	if refs, _ := clients.References(key); refs != 2 {
		t.Fatalf("pool references = %d; want 2", refs)
	}
	if err := a.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if err := a.Cleanup(); err != nil { // a second Cleanup must not take b's reference
		t.Fatal(err)
	}
	if refs, _ := clients.References(key); refs != 1 {
		t.Fatalf("pool references after one Cleanup = %d; want 1", refs)
	}
	if err := b.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := clients.References(key); ok {
		t.Fatal("client still pooled after the last Cleanup")
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
	good := []struct {
		input string
		want  Store
	}{
		{"redis", Store{}},
		{"redis {\n}", Store{}},
		{`redis {
			address 127.0.0.1:6379 10.0.0.2:6379
			address [::1]:6380
			username {env.REDIS_USERNAME}
			password {env.REDIS_PASSWORD}
			db 2
			tls
			sentinel mymaster
			key_prefix wv:
			timeout 100ms
		}`, Store{
			Addresses: []string{"127.0.0.1:6379", "10.0.0.2:6379", "[::1]:6380"},
			Username:  "{env.REDIS_USERNAME}",
			Password:  "{env.REDIS_PASSWORD}",
			DB:        2,
			TLS:       true,
			Sentinel:  "mymaster",
			KeyPrefix: "wv:",
			Timeout:   caddy.Duration(100 * time.Millisecond),
		}},
	}
	for _, tc := range good {
		var s Store
		if err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input)); err != nil {
			t.Errorf("%q: %v", tc.input, err)
			continue
		}
		if !reflect.DeepEqual(s, tc.want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", tc.input, s, tc.want)
		}
	}

	bad := []struct{ input, want string }{
		{"redis 127.0.0.1:6379", "wrong argument count"},
		{"redis {\naddress\n}", "address needs host:port"},
		{"redis {\naddress localhost\n}", `redis address "localhost" has no port`},
		{"redis {\naddress 127.0.0.1:6379 127.0.0.1:99999\n}", "not a number from 1 to 65535"},
		{"redis {\nusername\n}", "username needs a value"},
		{"redis {\npassword\n}", "password needs a value"},
		{"redis {\npassword a b\n}", "password takes one value"},
		{"redis {\ndb\n}", "db needs a database number"},
		{"redis {\ndb one\n}", `db "one" is not a database number`},
		{"redis {\ndb -1\n}", `db "-1" is not a database number`},
		{"redis {\ndb 1 2\n}", "wrong argument count"},
		{"redis {\ntls yes\n}", "wrong argument count"},
		{"redis {\nsentinel\n}", "sentinel needs a value"},
		{"redis {\nkey_prefix\n}", "key_prefix needs a value"},
		{"redis {\ntimeout\n}", "timeout needs a duration"},
		{"redis {\ntimeout soon\n}", `timeout "soon" is not a positive duration`},
		{"redis {\ntimeout 0s\n}", `timeout "0s" is not a positive duration`},
		{"redis {\ntimeout 1s 2s\n}", "timeout takes one duration"},
		{"redis {\nhost 127.0.0.1\n}", `unrecognized subdirective "host" in store redis: use address, username, password, db, tls, sentinel, key_prefix or timeout`},
	}
	for _, tc := range bad {
		var s Store
		err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got error %v; want one containing %q", tc.input, err, tc.want)
		}
	}
}
