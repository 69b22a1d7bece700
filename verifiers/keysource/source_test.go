package keysource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const certURL = "https://api.paypal.com/cert"

func TestNotFoundIsRemembered(t *testing.T) {
	srv := serve(t, status(http.StatusNotFound))
	clock := newClock()
	cfg := paypalConfig()
	cfg.Now = clock.Now
	src := newSource(t, cfg, nil)
	for range 5 {
		_, err := get(src, certURL)
		wantErr(t, err, ErrNotFound)
	}
	if n := srv.hitCount("/cert"); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	clock.Advance(DefaultNegativeTTL - 1)
	_, err := get(src, certURL)
	wantErr(t, err, ErrNotFound)
	if n := srv.hitCount("/cert"); n != 1 {
		t.Fatalf("%d fetches within NegativeTTL, want 1", n)
	}
	clock.Advance(1)
	_, err = get(src, certURL)
	wantErr(t, err, ErrNotFound)
	if n := srv.hitCount("/cert"); n != 2 {
		t.Fatalf("%d fetches after NegativeTTL, want 2", n)
	}
}

func TestNegativeTTLOff(t *testing.T) {
	srv := serve(t, status(http.StatusNotFound))
	cfg := paypalConfig()
	cfg.NegativeTTL = -1
	src := newSource(t, cfg, nil)
	get(src, certURL)
	get(src, certURL)
	if n := srv.hitCount("/cert"); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

func TestUnavailableIsNotCached(t *testing.T) {
	srv := serve(t, status(http.StatusInternalServerError))
	src := newSource(t, paypalConfig(), nil)
	for range 3 {
		_, err := get(src, certURL)
		wantErr(t, err, ErrUnavailable)
	}
	if n := srv.hitCount("/cert"); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}

func TestNotAllowedIsNotCachedAndCostsNothing(t *testing.T) {
	srv := serve(t, status(http.StatusOK))
	reg := prometheus.NewRegistry()
	src := newSource(t, paypalConfig(), reg)
	for range 3 {
		_, err := get(src, "https://evil.test/cert")
		wantErr(t, err, ErrNotAllowed)
	}
	if n := fetchCount(t, reg, "paypal", "not_allowed"); n != 3 {
		t.Fatalf("not_allowed counted %v times, want 3", n)
	}
	if n := srv.conns.Load(); n != 0 {
		t.Fatalf("%d connections, want 0", n)
	}
}

func TestTTL(t *testing.T) {
	srv := serve(t, text("K"))
	clock := newClock()
	fetchTTL := func(ttl time.Duration) FetchFunc {
		return func(ctx context.Context, c *Client) (any, time.Duration, error) {
			b, err := c.Get(ctx, certURL, nil)
			return string(b), ttl, err
		}
	}
	check := func(src *Source, id string, ttl time.Duration, wantFetches int64) {
		t.Helper()
		before := srv.hitCount("/cert")
		if _, err := src.Get(context.Background(), id, fetchTTL(ttl)); err != nil {
			t.Fatal(err)
		}
		if n := srv.hitCount("/cert") - before; n != wantFetches {
			t.Fatalf("%s: %d fetches, want %d", id, n, wantFetches)
		}
	}

	cfg := paypalConfig() // TTL 1h
	cfg.Now = clock.Now
	src := newSource(t, cfg, nil)
	check(src, "config", 0, 1)
	clock.Advance(time.Hour - 1)
	check(src, "config", 0, 0)
	clock.Advance(1)
	check(src, "config", 0, 1) // expired: refetched

	check(src, "own", 10*time.Second, 1) // the fetch's TTL wins
	clock.Advance(10*time.Second - 1)
	check(src, "own", 10*time.Second, 0)
	clock.Advance(1)
	check(src, "own", 10*time.Second, 1)

	check(src, "once", -1, 1) // not kept
	check(src, "once", -1, 1)

	cfg.TTL = 0 // forever
	forever := newSource(t, cfg, nil)
	check(forever, "k", 0, 1)
	clock.Advance(100 * 365 * 24 * time.Hour)
	check(forever, "k", 0, 0)
}

func TestMaxEntries(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path[1] == 'u' { // /unknown-N
			w.WriteHeader(http.StatusNotFound)
		}
	})
	cfg := paypalConfig()
	cfg.MaxEntries = 2
	src := newSource(t, cfg, nil)
	u := func(p string) string { return "https://api.paypal.com/" + p }
	for _, p := range []string{"a", "b", "c"} { // c evicts a, the oldest
		if _, err := get(src, u(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"b", "c", "a"} { // a is fetched again, evicting b
		get(src, u(p))
	}
	for p, want := range map[string]int64{"a": 2, "b": 1, "c": 1} {
		if n := srv.hitCount("/" + p); n != want {
			t.Errorf("%s fetched %d times, want %d", p, n, want)
		}
	}
	// Unknown ids are bounded apart: they do not push known keys out.
	for i := range 10 {
		_, err := get(src, u(fmt.Sprint("unknown-", i)))
		wantErr(t, err, ErrNotFound)
	}
	get(src, u("c"))
	get(src, u("a"))
	if srv.hitCount("/a") != 2 || srv.hitCount("/c") != 1 {
		t.Fatal("unknown ids evicted known keys")
	}
	get(src, u("unknown-9")) // remembered
	get(src, u("unknown-0")) // forgotten: only 2 remembered
	if srv.hitCount("/unknown-9") != 1 || srv.hitCount("/unknown-0") != 2 {
		t.Fatal("not-found ids not bounded by MaxEntries")
	}
	if got := len(src.c.items); got != 4 {
		t.Fatalf("%d entries, want 4", got)
	}
}

func TestFetchResults(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newSource(t, Config{Provider: "jwks", Hosts: []string{"keys.example"}}, reg)
	parseErr := errors.New("bad JWKS")
	calls := 0
	for _, tc := range []struct {
		fetch FetchFunc
		want  []error
	}{
		{func(context.Context, *Client) (any, time.Duration, error) { return nil, 0, parseErr }, []error{ErrUnavailable, parseErr}},
		{func(context.Context, *Client) (any, time.Duration, error) { return nil, 0, nil }, []error{ErrUnavailable}},
		{func(context.Context, *Client) (any, time.Duration, error) { panic("boom") }, []error{ErrUnavailable}},
		{func(context.Context, *Client) (any, time.Duration, error) {
			calls++
			return nil, 0, fmt.Errorf("kid k1: %w", ErrNotFound)
		}, []error{ErrNotFound}},
	} {
		for range 2 {
			_, err := src.Get(context.Background(), "k1", tc.fetch)
			for _, w := range tc.want {
				wantErr(t, err, w)
			}
		}
	}
	if calls != 1 {
		t.Fatalf("a fetch's ErrNotFound not remembered (%d calls)", calls)
	}
	for outcome, want := range map[string]float64{"fetched": 0, "unavailable": 6, "not_found": 1, "not_allowed": 0} {
		if n := fetchCount(t, reg, "jwks", outcome); n != want {
			t.Errorf("%s: %v, want %v", outcome, n, want)
		}
	}
}

// gate returns a channel that open closes (once).
func gate() (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// waitJoined returns a channel that receives each time a Get of src waits
// for a fetch.
func waitJoined(src *Source) <-chan string {
	ch := make(chan string, 4096)
	src.c.mu.Lock()
	src.c.joined = func(id string) { ch <- id }
	src.c.mu.Unlock()
	return ch
}

func TestSingleFlight(t *testing.T) {
	release, open := gate()
	defer open()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusNotFound)
	})
	reg := prometheus.NewRegistry()
	src := newSource(t, paypalConfig(), reg)
	joined := waitJoined(src)

	const n = 1000
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := get(src, certURL)
			errs <- err
		}()
	}
	for range n { // every Get is waiting for the one fetch
		<-joined
	}
	open()
	for range n {
		wantErr(t, <-errs, ErrNotFound)
	}
	if got := srv.hitCount("/cert"); got != 1 {
		t.Fatalf("%d fetches, want 1", got)
	}

	var wg sync.WaitGroup
	for range n { // within NegativeTTL
		wg.Go(func() {
			_, err := get(src, certURL)
			if !errors.Is(err, ErrNotFound) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.hitCount("/cert"); got != 1 {
		t.Fatalf("%d fetches, want 1", got)
	}
	if got := fetchCount(t, reg, "paypal", "not_found"); got != 1 {
		t.Fatalf("not_found counted %v times, want 1", got)
	}
}

func TestCancelledCallerDoesNotCancelOthers(t *testing.T) {
	release, open := gate()
	defer open()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte("CERT"))
	})
	src := newSource(t, paypalConfig(), nil)
	joined := waitJoined(src)

	type result struct {
		v   any
		err error
	}
	first, second := make(chan result, 1), make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // starts the fetch
		v, err := src.Get(ctx, certURL, getURL(certURL))
		first <- result{v, err}
	}()
	<-joined
	go func() {
		v, err := get(src, certURL)
		second <- result{v, err}
	}()
	<-joined

	cancel()
	r := <-first // returns before the fetch ends
	wantErr(t, r.err, ErrUnavailable)
	wantErr(t, r.err, context.Canceled)

	open()
	if r := <-second; r.err != nil || r.v != "CERT" {
		t.Fatalf("second caller got %v, %v", r.v, r.err)
	}
	if v, err := get(src, certURL); err != nil || v != "CERT" {
		t.Fatalf("cached: %v, %v", v, err)
	}
	if n := srv.hitCount("/cert"); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

func TestReleaseEndsFetches(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // before the server's Close, which waits for the handler
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	src, err := New(paypalConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	joined := waitJoined(src)
	done := make(chan error, 1)
	go func() {
		_, err := get(src, certURL)
		done <- err
	}()
	<-joined
	src.Release()
	err = <-done
	wantErr(t, err, ErrUnavailable)
	wantErr(t, err, context.Canceled)
}

// Requests naming ever new ids cannot make the gateway hammer the
// provider: past FetchesPerMinute (a burst of as many, then one every
// 60/n seconds) Get fails at once, without a connection; cached ids and
// refused URLs do not count.
func TestFetchesPerMinute(t *testing.T) {
	srv := serve(t, status(http.StatusNotFound))
	clock := newClock()
	cfg := paypalConfig()
	cfg.Now, cfg.FetchesPerMinute = clock.Now, 6
	reg := prometheus.NewRegistry()
	src := newSource(t, cfg, reg)
	id := func(i int) string { return certURL + "?n=" + strconv.Itoa(i) }
	for i := range 6 {
		_, err := get(src, id(i))
		wantErr(t, err, ErrNotFound)
	}
	_, err := get(src, id(6))
	wantErr(t, err, ErrUnavailable)
	if _, err := get(src, id(0)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a remembered id: %v, want it answered from the cache", err)
	}
	if err := src.CheckURL("https://evil.test/cert"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("CheckURL of another host: %v", err)
	}
	if err := src.CheckURL(certURL); err != nil {
		t.Fatalf("CheckURL of an allowed URL: %v", err)
	}
	if n := srv.hitCount("/cert"); n != 6 {
		t.Fatalf("%d fetches, want 6", n)
	}
	if n := fetchCount(t, reg, "paypal", "limited"); n != 1 {
		t.Fatalf("limited counted %v times, want 1", n)
	}
	clock.Advance(10 * time.Second)
	_, err = get(src, id(7))
	wantErr(t, err, ErrNotFound)
}

// A key found before is not starved by requests naming new ids: when its
// time is up it is fetched again even with no fetches left this minute;
// while the provider answers 500 the old value is served, and fetched
// again once a minute; a key the provider says is gone is not served.
func TestKnownKeysOutliveTheLimitAndOutages(t *testing.T) {
	var mode atomic.Int32 // 0: the key, 1: 500, 2: 404
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("n") != "":
			http.NotFound(w, r)
		case mode.Load() == 1:
			w.WriteHeader(http.StatusInternalServerError)
		case mode.Load() == 2:
			http.NotFound(w, r)
		default:
			io.WriteString(w, "the key")
		}
	})
	clock := newClock()
	cfg := paypalConfig()
	cfg.Now, cfg.FetchesPerMinute, cfg.TTL = clock.Now, 3, time.Hour
	src := newSource(t, cfg, nil)
	if v, err := get(src, certURL); err != nil || v != "the key" {
		t.Fatalf("first fetch: %v, %v", v, err)
	}
	for i := range 2 { // new ids use up the minute's other fetches
		get(src, certURL+"?n="+strconv.Itoa(i))
	}
	if _, err := get(src, certURL+"?n=x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a new id past the limit: %v, want unavailable", err)
	}
	clock.Advance(time.Hour)
	if v, err := get(src, certURL); err != nil || v != "the key" || srv.hitCount("/cert") != 4 {
		t.Fatalf("the known key after its hour, no fetches left: %v, %v, %d requests; want it fetched again", v, err, srv.hitCount("/cert"))
	}

	clock.Advance(time.Hour)
	mode.Store(1)
	for range 3 {
		if v, err := get(src, certURL); err != nil || v != "the key" {
			t.Fatalf("the provider down: %v, %v; want the old key", v, err)
		}
	}
	if n := srv.hitCount("/cert"); n != 5 {
		t.Fatalf("%d requests, want one refresh attempt a minute (5)", n)
	}
	clock.Advance(time.Minute)
	mode.Store(2)
	if _, err := get(src, certURL); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the key gone at the provider: %v, want not found", err)
	}
}
