package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The no-loss tests count, they never time: every signed webhook sent
// through the real caddy must reach the real upstream exactly once, byte
// for byte, and every client must see the upstream's answer. They run
// NOLOSS_COUNT requests (default 20000; 2000 under -short) at concurrency
// 64.

const nolossConcurrency = 64

// nolossSite has one secret; %s adds subdirectives (the reload adds one).
const nolossSite = `
	webhook_verify hmac {
		secret {env.TEST_SECRET_NEW}
		header X-Signature
		prefix sha256=
		max_body 8KiB
		%s
	}
	reverse_proxy {UPSTREAM}` + errorsAsText

func nolossCount(t *testing.T) int {
	if s := os.Getenv("NOLOSS_COUNT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("NOLOSS_COUNT=%q is not a positive number", s)
		}
		return n
	}
	if testing.Short() {
		return 2000
	}
	return 20000
}

// nolossBody is webhook number seq: a JSON line naming seq, then 64 to
// 2111 pseudo-random bytes of every value, so that any truncation, mix-up
// or re-encoding shows.
func nolossBody(seq int) []byte {
	rng := rand.New(rand.NewPCG(uint64(seq), 0x5eed))
	b := fmt.Appendf(nil, "{\"seq\":%d,\"id\":\"evt_%d\"}\n", seq, seq)
	for n := 64 + rng.IntN(2048); n > 0; n-- {
		b = append(b, byte(rng.Uint32()))
	}
	return b
}

// nolossSeq reads the sequence number back from a body.
func nolossSeq(body []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(body, []byte(`{"seq":`))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(rest[:end]))
	return n, err == nil
}

// nolossResult is what the client saw for one request.
type nolossResult struct {
	status int
	err    error
}

// nolossRun sends webhooks 0..n-1 from 64 workers and returns what each
// got. atThird, if set, runs once when a third of them have completed.
func nolossRun(t *testing.T, url string, n int, atThird func()) []nolossResult {
	t.Helper()
	transport := &http.Transport{
		MaxIdleConns:        nolossConcurrency,
		MaxIdleConnsPerHost: nolossConcurrency,
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	c := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	// The whole run stops by itself even if caddy hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	results := make([]nolossResult, n)
	seqs := make(chan int)
	var done atomic.Int64
	var third sync.Once
	threshold := max(int64(n/3), 1)
	var wg sync.WaitGroup
	for range nolossConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range seqs {
				results[seq] = nolossSend(ctx, c, url, seq)
				if done.Add(1) == threshold && atThird != nil {
					third.Do(func() { go atThird() })
				}
			}
		}()
	}
	for seq := range n {
		select {
		case seqs <- seq:
		case <-ctx.Done():
		}
	}
	close(seqs)
	wg.Wait()
	return results
}

// nolossSend posts one signed webhook. There are no retries: Go's
// transport does not replay a POST, so each request is sent once.
func nolossSend(ctx context.Context, c *http.Client, url string, seq int) nolossResult {
	req, err := nolossRequest(ctx, url, nolossBody(seq))
	if err != nil {
		return nolossResult{err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nolossResult{err: err}
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nolossResult{status: resp.StatusCode, err: err}
	}
	// The upstream's own answer must come back, not one made up by caddy.
	if want := fmt.Sprintf("upstream %d", resp.StatusCode); string(text) != want {
		return nolossResult{status: resp.StatusCode, err: fmt.Errorf("response %q, want %q", text, want)}
	}
	return nolossResult{status: resp.StatusCode}
}

// nolossRequest is a POST of body signed as nolossSite expects.
func nolossRequest(ctx context.Context, url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Signature", githubStyle("new-secret", body))
	return req, nil
}

// nolossCheck checks that the client saw wantStatus(seq) for every
// request and that the upstream received each body exactly once, byte
// for byte (compared by SHA-256 digest with a freshly generated body).
func nolossCheck(t *testing.T, results []nolossResult, got []received, wantStatus func(seq int) int) {
	t.Helper()
	const maxReports = 10
	reports := 0
	report := func(format string, args ...any) {
		if reports < maxReports {
			t.Errorf(format, args...)
		}
		reports++
	}
	n := len(results)
	statuses := map[int]int{}
	for seq, r := range results {
		switch {
		case r.err != nil:
			statuses[-1]++
			report("webhook %d: client error: %v (status %d)", seq, r.err, r.status)
		case r.status != wantStatus(seq):
			statuses[r.status]++
			report("webhook %d: status %d, want %d", seq, r.status, wantStatus(seq))
		default:
			statuses[r.status]++
		}
	}
	seen := make([]int, n)
	for _, rec := range got {
		seq, ok := nolossSeq(rec.Body)
		if !ok || seq < 0 || seq >= n {
			report("upstream received a body that is no webhook of this run: %.40q", rec.Body)
			continue
		}
		seen[seq]++
		if sha256.Sum256(rec.Body) != sha256.Sum256(nolossBody(seq)) {
			report("webhook %d: upstream body differs from the one sent (%d bytes, sent %d)", seq, len(rec.Body), len(nolossBody(seq)))
		}
		if rec.Header.Get("Webhook-Verified") != "true" {
			report("webhook %d: upstream got Webhook-Verified %q", seq, rec.Header.Get("Webhook-Verified"))
		}
	}
	missing, duplicated := 0, 0
	for seq, k := range seen {
		switch {
		case k == 0:
			missing++
			report("webhook %d never reached the upstream", seq)
		case k > 1:
			duplicated++
			report("webhook %d reached the upstream %d times", seq, k)
		}
	}
	t.Logf("%d webhooks: client statuses %v (-1 = transport error); upstream received %d, missing %d, duplicated %d",
		n, statuses, len(got), missing, duplicated)
	if reports > maxReports {
		t.Errorf("… and %d more problems", reports-maxReports)
	}
}

// nolossClosedConn reports whether err is a connection closed under the
// request (EOF, reset, or net/http's unexported errServerClosedIdle), as
// opposed to, say, a timeout.
func nolossClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

func TestNoLossUnderLoad(t *testing.T) {
	n := nolossCount(t)
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, ""), up.Addr, secretsEnv...)
	start := time.Now()
	results := nolossRun(t, c.URL+"/hooks", n, nil)
	t.Logf("%d webhooks in %s", n, time.Since(start).Round(time.Millisecond))
	nolossCheck(t, results, up.Received(), func(int) int { return http.StatusOK })
}

// An upstream that fails some webhooks: the provider must see exactly
// those failures (so that it retries them) and every other success.
func TestNoLossUpstreamFailuresReachTheClient(t *testing.T) {
	n := nolossCount(t)
	want := func(seq int) int {
		if seq%7 == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	up := newUpstream(t)
	up.Status = func(_ *http.Request, body []byte) int {
		seq, ok := nolossSeq(body)
		if !ok {
			return http.StatusBadRequest
		}
		return want(seq)
	}
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, ""), up.Addr, secretsEnv...)
	start := time.Now()
	results := nolossRun(t, c.URL+"/hooks", n, nil)
	t.Logf("%d webhooks in %s", n, time.Since(start).Round(time.Millisecond))
	nolossCheck(t, results, up.Received(), want)
}

// A config reload in the middle of the run (one that really changes the
// config: a second secret) loses nothing and duplicates nothing.
func TestNoLossAcrossReload(t *testing.T) {
	n := nolossCount(t)
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, ""), up.Addr, secretsEnv...)
	changed := c.configWithSecondSecret(t)

	var reloadErr error
	var reloadOut []byte
	var reloadAt time.Duration
	reloaded := make(chan struct{})
	start := time.Now()
	results := nolossRun(t, c.URL+"/hooks", n, func() {
		defer close(reloaded)
		reloadAt = time.Since(start)
		reloadOut, reloadErr = c.reload(changed)
	})
	elapsed := time.Since(start)
	select {
	case <-reloaded:
	case <-time.After(70 * time.Second):
		t.Fatal("the reload never finished")
	}
	if reloadErr != nil {
		t.Fatalf("caddy reload: %v\n%s", reloadErr, reloadOut)
	}
	t.Logf("%d webhooks in %s; reload started after %s", n, elapsed.Round(time.Millisecond), reloadAt.Round(time.Millisecond))

	// When the old config's server shuts down, Go's http.Server closes its
	// idle keep-alive connections; a POST written onto one of them at that
	// instant gets EOF and is never read (bare reverse_proxy does the same:
	// it is not webhook_verify's). The provider sees a transport error and
	// retries. That is not a loss provided such a request never reached the
	// upstream: so retry those once, as a provider would, and require that
	// every webhook then got 200 and reached the upstream exactly once (a
	// first attempt that had been delivered would show as a duplicate).
	// At most one request per connection can be caught this way.
	retried := 0
	for seq, r := range results {
		if r.err != nil && r.status == 0 && nolossClosedConn(r.err) {
			retried++
			results[seq] = nolossSend(context.Background(), client, c.URL+"/hooks", seq)
		}
	}
	t.Logf("%d webhooks met a keep-alive connection closed by the reload (transport error, not delivered) and were retried once", retried)
	if retried > nolossConcurrency {
		t.Errorf("%d transport errors across the reload: more than one per connection (%d)", retried, nolossConcurrency)
	}
	nolossCheck(t, results, up.Received(), func(int) int { return http.StatusOK })

	// The running config is the new one.
	resp, err := client.Get(c.AdminURL + "/config/apps/http/servers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	live, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(live), "{env.TEST_SECRET_OLD}") {
		t.Errorf("after the reload the config has no second secret: %s", live)
	}
	// And it works: the second secret now verifies.
	body := []byte(`{"after":"reload"}`)
	if status, text := send(t, http.MethodPost, c.URL+"/hooks", body, h("X-Signature", githubStyle("old-secret", body))); status != 200 {
		t.Errorf("second secret after the reload: %d %q", status, text)
	}
}

// configWithSecondSecret is the running Caddyfile of a nolossSite caddy
// with a second secret added: a real change of config for `caddy reload`.
func (p *caddyProc) configWithSecondSecret(t *testing.T) []byte {
	t.Helper()
	config, err := os.ReadFile(filepath.Join(p.Dir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	const added = "secret {env.TEST_SECRET_OLD}"
	changed := strings.Replace(string(config), "header X-Signature", added+"\n\t\theader X-Signature", 1)
	if changed == string(config) {
		t.Fatal("could not change the Caddyfile")
	}
	return []byte(changed)
}

// reload writes config as the caddy's Caddyfile and runs `caddy reload`
// against its admin endpoint; the reload is killed after 60 seconds.
func (p *caddyProc) reload(config []byte) ([]byte, error) {
	file := filepath.Join(p.Dir, "Caddyfile")
	if err := os.WriteFile(file, config, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, caddyBin, "reload", "--config", file, "--adapter", "caddyfile",
		"--address", fmt.Sprintf("127.0.0.1:%d", p.adminPort))
	cmd.Env = append(os.Environ(), "HOME="+p.Dir, "XDG_DATA_HOME="+p.Dir, "XDG_CONFIG_HOME="+p.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("caddy reload did not finish within 60s: %w", err)
	}
	return out, err
}
