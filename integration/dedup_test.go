package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/redistest"
)

// The dedup tests run the real caddy (and, where stated, a real
// redis-server) and check replay protection end to end: a verified webhook
// is reserved, forwarded, and remembered once the upstream answered 2xx; a
// replay gets 200 with an empty body and is not forwarded, a copy arriving
// while the first is being delivered gets 409 in_flight with Retry-After.
// They use nolossSite (one secret, max_body 8KiB, errorsAsText), with the
// dedup subdirective as its %s.

// dedupReply is what a client saw for one send.
type dedupReply struct {
	status     int
	body       string
	dedup      string // the Webhook-Dedup response header
	retryAfter string
	err        error
}

// The kinds of answer a client may get with dedup on.
const (
	kindDelivered = "delivered"   // the upstream's 200
	kindDuplicate = "duplicate"   // 200, empty body, Webhook-Dedup: duplicate
	kindInFlight  = "in_flight"   // 409 in_flight with Retry-After
	kindFailed503 = "upstream503" // the upstream's 503, passed on
)

// kind classifies a reply, or explains why it is none of the expected
// answers.
func (r dedupReply) kind() (string, error) {
	switch {
	case r.err != nil:
		return "", fmt.Errorf("client error: %v", r.err)
	case r.status == 200 && r.body == "upstream 200" && r.dedup == "":
		return kindDelivered, nil
	case r.status == 200 && r.body == "" && r.dedup == "duplicate":
		return kindDuplicate, nil
	case r.status == 409 && r.body == "409 in_flight":
		if n, err := strconv.Atoi(r.retryAfter); err != nil || n <= 0 {
			return "", fmt.Errorf("409 in_flight with Retry-After %q, want a number of seconds", r.retryAfter)
		}
		return kindInFlight, nil
	case r.status == 503 && r.body == "upstream 503":
		return kindFailed503, nil
	}
	return "", fmt.Errorf("unexpected answer: status %d, body %.60q, Webhook-Dedup %q, Retry-After %q",
		r.status, r.body, r.dedup, r.retryAfter)
}

// dedupRetryRounds bounds how often the tests resend what did not get 200,
// waiting a little longer each time: a copy answered 409 while its twin
// was in flight is resent, and on a loaded machine that may take a few
// rounds.
const dedupRetryRounds = 10

// dedupSend posts body signed for nolossSite and records the answer.
func dedupSend(ctx context.Context, c *http.Client, url string, body []byte) dedupReply {
	req, err := nolossRequest(ctx, url, body)
	if err != nil {
		return dedupReply{err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return dedupReply{err: err}
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	return dedupReply{
		status:     resp.StatusCode,
		body:       string(text),
		dedup:      resp.Header.Get("Webhook-Dedup"),
		retryAfter: resp.Header.Get("Retry-After"),
		err:        err,
	}
}

// dedupSendT is dedupSend for one request of a test, with the shared
// client's 30s timeout.
func dedupSendT(url string, body []byte) dedupReply {
	return dedupSend(context.Background(), client, url, body)
}

// wantKind fails the test unless r is of kind want.
func wantKind(t *testing.T, what string, r dedupReply, want string) {
	t.Helper()
	got, err := r.kind()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: got %s (status %d, body %q, Webhook-Dedup %q), want %s", what, got, r.status, r.body, r.dedup, want)
	}
}

// redisDedup is a dedup block on the redis server at addr, keys under a
// prefix of the test's own; more goes into the dedup block.
func redisDedup(t *testing.T, addr string, storeMore, more string) string {
	prefix := "wvtest:" + strings.NewReplacer("/", ":", " ", "_").Replace(t.Name()) + ":"
	return fmt.Sprintf(`dedup {
			store redis {
				address %s
				key_prefix %s
				%s
			}
			%s
		}`, addr, prefix, storeMore, more)
}

// dedupMetrics reads caddy_webhook_verify_dedup_total for provider hmac
// from the admin endpoint, by outcome.
func dedupMetrics(t *testing.T, c *caddyProc) map[string]float64 {
	t.Helper()
	resp, err := client.Get(c.AdminURL + "/metrics")
	if err != nil {
		t.Fatalf("reading metrics: %v", err)
	}
	defer resp.Body.Close()
	line := regexp.MustCompile(`^caddy_webhook_verify_dedup_total\{outcome="([a-z_]+)",provider="hmac"\} (\S+)$`)
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", sc.Text(), err)
			}
			out[m[1]] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading metrics: %v", err)
	}
	return out
}

// checkDelivered fails the test unless the upstream received exactly
// bodies, in order, verified and with Webhook-Dedup dedup.
func checkDelivered(t *testing.T, got []received, dedup string, bodies ...[]byte) {
	t.Helper()
	if len(got) != len(bodies) {
		t.Fatalf("upstream received %d requests, want %d", len(got), len(bodies))
	}
	for i, r := range got {
		if string(r.Body) != string(bodies[i]) {
			t.Errorf("upstream request %d: body %q, want %q", i, r.Body, bodies[i])
		}
		if r.Header.Get("Webhook-Verified") != "true" || r.Header.Get("Webhook-Dedup") != dedup {
			t.Errorf("upstream request %d: Webhook-Verified %q, Webhook-Dedup %q; want true, %s",
				i, r.Header.Get("Webhook-Verified"), r.Header.Get("Webhook-Dedup"), dedup)
		}
	}
}

// dedupSameWebhookConcurrently sends one signed webhook 50 times at once
// to a caddy running site and checks that it was delivered exactly once.
// The upstream holds the first delivery until some copy has been answered
// 409 (at most 10s), so that copies really arrive while it is in flight.
func dedupSameWebhookConcurrently(t *testing.T, site string) {
	up := newUpstream(t)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseUpstream := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseUpstream)
	var calls atomic.Int32
	up.Status = func(*http.Request, []byte) int {
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		return http.StatusOK
	}
	c := startCaddy(t, "", site, up.Addr, secretsEnv...)
	url := c.URL + "/hooks"
	body := []byte("{\"id\":\"evt_concurrent\",\"amount\":\"12.00\"}\r\n\x00\xff")

	const copies = 50
	replies := make([]dedupReply, copies)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = dedupSendT(url, body)
			if replies[i].status == http.StatusConflict {
				releaseUpstream()
			}
		}()
	}
	close(start)
	wg.Wait()

	kinds := map[string]int{}
	for i, r := range replies {
		k, err := r.kind()
		if err != nil {
			t.Errorf("copy %d: %v", i, err)
			continue
		}
		kinds[k]++
	}
	t.Logf("%d concurrent copies: %v", copies, kinds)
	if kinds[kindDelivered] != 1 || kinds[kindFailed503] != 0 || kinds[kindDelivered]+kinds[kindDuplicate]+kinds[kindInFlight] != copies {
		t.Fatalf("answers %v: want exactly one delivered and every other copy in_flight or duplicate", kinds)
	}
	if kinds[kindInFlight] == 0 {
		t.Fatalf("no copy was answered 409 in_flight while the upstream held the first for up to 10s")
	}
	checkDelivered(t, up.Received(), "new", body)

	// A replay after the delivery: 200, empty body, not forwarded.
	r := dedupSendT(url, body)
	wantKind(t, "replay after delivery", r, kindDuplicate)
	checkDelivered(t, up.Received(), "new", body)

	m := dedupMetrics(t, c)
	if m["new"] != 1 || m["in_flight"] != float64(kinds[kindInFlight]) || m["duplicate"] != float64(kinds[kindDuplicate]+1) {
		t.Errorf("caddy_webhook_verify_dedup_total %v, want new 1, in_flight %d, duplicate %d",
			m, kinds[kindInFlight], kinds[kindDuplicate]+1)
	}
}

func TestDedupMemoryConcurrentCopiesDeliveredOnce(t *testing.T) {
	dedupSameWebhookConcurrently(t, fmt.Sprintf(nolossSite, "dedup"))
}

func TestDedupRedisConcurrentCopiesDeliveredOnce(t *testing.T) {
	rs := redistest.Start(t)
	dedupSameWebhookConcurrently(t, fmt.Sprintf(nolossSite, redisDedup(t, rs.Addr, "", "")))
}

// A delivery the upstream answers 503 is not remembered: the provider's
// retry is forwarded, and only once that one got 200 is the webhook a
// duplicate.
func TestDedupUpstreamFailureIsForwardedAgain(t *testing.T) {
	up := newUpstream(t)
	var calls atomic.Int32
	up.Status = func(*http.Request, []byte) int {
		if calls.Add(1) == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, "dedup"), up.Addr, secretsEnv...)
	url := c.URL + "/hooks"
	body := []byte(`{"id":"evt_retry","amount":"5.00"}`)

	wantKind(t, "first send (upstream 503)", dedupSendT(url, body), kindFailed503)
	checkDelivered(t, up.Received(), "new", body)
	wantKind(t, "retry", dedupSendT(url, body), kindDelivered)
	checkDelivered(t, up.Received(), "new", body, body)
	wantKind(t, "third send", dedupSendT(url, body), kindDuplicate)
	checkDelivered(t, up.Received(), "new", body, body)

	if m := dedupMetrics(t, c); m["new"] != 2 || m["duplicate"] != 1 || m["in_flight"] != 0 {
		t.Errorf("caddy_webhook_verify_dedup_total %v, want new 2, duplicate 1", m)
	}
}

// `caddy reload` with a real change keeps the memory store: a webhook
// delivered before the reload is a duplicate after it.
func TestDedupMemoryStoreSurvivesReload(t *testing.T) {
	up := newUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, "dedup"), up.Addr, secretsEnv...)
	url := c.URL + "/hooks"
	before := []byte(`{"id":"evt_before_reload"}`)
	wantKind(t, "before the reload", dedupSendT(url, before), kindDelivered)

	if out, err := c.reload(c.configWithSecondSecret(t)); err != nil {
		t.Fatalf("caddy reload: %v\n%s", err, out)
	}
	// The new config is live: the second secret verifies.
	after := []byte(`{"id":"evt_after_reload"}`)
	if status, text := send(t, http.MethodPost, url, after, h("X-Signature", githubStyle("old-secret", after))); status != 200 || text != "upstream 200" {
		t.Fatalf("second secret after the reload: %d %q: the reload did not take effect", status, text)
	}

	wantKind(t, "the webhook delivered before the reload, sent again after it", dedupSendT(url, before), kindDuplicate)
	wantKind(t, "the webhook delivered after the reload, sent again", dedupSendT(url, after), kindDuplicate)
	checkDelivered(t, up.Received(), "new", before, after)
}

// Two caddies sharing one redis-server, both proxying to one upstream: 200
// webhooks, each sent to both at once (and every fourth one twice to the
// first), are delivered exactly once each.
func TestDedupRedisTwoCaddiesDeliverOnce(t *testing.T) {
	rs := redistest.Start(t)
	up := newUpstream(t)
	// A little upstream latency, so that copies overlap.
	up.Status = func(*http.Request, []byte) int {
		time.Sleep(5 * time.Millisecond)
		return http.StatusOK
	}
	site := fmt.Sprintf(nolossSite, redisDedup(t, rs.Addr, "", ""))
	caddies := []*caddyProc{
		startCaddy(t, "", site, up.Addr, secretsEnv...),
		startCaddy(t, "", site, up.Addr, secretsEnv...),
	}
	urls := []string{caddies[0].URL + "/hooks", caddies[1].URL + "/hooks"}

	const n = 200
	type copySent struct {
		seq, caddy int
		reply      dedupReply
	}
	var sends []*copySent
	for seq := range n {
		// Alternate which caddy is asked first.
		first := seq % 2
		sends = append(sends, &copySent{seq: seq, caddy: first}, &copySent{seq: seq, caddy: 1 - first})
		if seq%4 == 0 {
			sends = append(sends, &copySent{seq: seq, caddy: 0})
		}
	}
	bySeq := make([][]*copySent, n)
	for _, s := range sends {
		bySeq[s.seq] = append(bySeq[s.seq], s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Round 0 sends every copy of a webhook at once, 16 webhooks at a
	// time; later rounds retry what did not get 200, as a provider would.
	kinds := map[string]int{}
	deliveredBy := [2]int{}
	pending := bySeq
	for round := 0; len(pending) > 0; round++ {
		if round > dedupRetryRounds {
			t.Fatalf("%d webhooks still without 200 after %d retry rounds", len(pending), dedupRetryRounds)
		}
		if round > 0 {
			time.Sleep(time.Duration(round) * 200 * time.Millisecond) // backing off, as providers do
		}
		work := make(chan []*copySent)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for group := range work {
					var g sync.WaitGroup
					for _, s := range group {
						g.Add(1)
						go func() {
							defer g.Done()
							s.reply = dedupSend(ctx, client, urls[s.caddy], nolossBody(s.seq))
						}()
					}
					g.Wait()
				}
			}()
		}
		for _, group := range pending {
			work <- group
		}
		close(work)
		wg.Wait()

		var next [][]*copySent
		for _, group := range pending {
			var again []*copySent
			for _, s := range group {
				k, err := s.reply.kind()
				if err != nil {
					t.Fatalf("round %d, webhook %d to caddy %d: %v", round, s.seq, s.caddy, err)
				}
				kinds[k]++
				switch k {
				case kindDelivered:
					deliveredBy[s.caddy]++
				case kindInFlight:
					again = append(again, s)
				case kindFailed503:
					t.Fatalf("round %d, webhook %d: upstream 503, but the upstream never answers 503 here", round, s.seq)
				}
			}
			if again != nil {
				next = append(next, again)
			}
		}
		t.Logf("round %d: %d webhooks sent, answers so far %v", round, len(pending), kinds)
		pending = next
	}
	t.Logf("delivered through caddy 0: %d, through caddy 1: %d", deliveredBy[0], deliveredBy[1])

	got := up.Received()
	results := make([]nolossResult, n)
	for seq := range results {
		results[seq] = nolossResult{status: http.StatusOK}
	}
	nolossCheck(t, results, got, func(int) int { return http.StatusOK })
	if kinds[kindDelivered] != n || len(got) != n {
		t.Errorf("%d sends answered by the upstream and %d requests received, want %d each", kinds[kindDelivered], len(got), n)
	}
	for _, r := range got {
		if r.Header.Get("Webhook-Dedup") != "new" {
			t.Fatalf("upstream got Webhook-Dedup %q, want new", r.Header.Get("Webhook-Dedup"))
		}
	}

	// Every webhook is now a duplicate at both caddies, whichever
	// delivered it: the keys are shared.
	for seq := range n {
		for i, url := range urls {
			r := dedupSend(ctx, client, url, nolossBody(seq))
			if k, err := r.kind(); err != nil || k != kindDuplicate {
				t.Fatalf("webhook %d sent again to caddy %d: %s %v, want duplicate", seq, i, k, err)
			}
		}
	}
	if len(up.Received()) != n {
		t.Fatalf("upstream received %d requests after the replays, want %d", len(up.Received()), n)
	}
}

// A paused Redis (SIGSTOP: it accepts connections and answers nothing)
// with timeout 100ms: on_store_error open forwards the webhook marked
// unchecked; closed answers 503 store_unavailable with Retry-After and
// forwards nothing. Once Redis is resumed, delivery works again.
func TestDedupRedisPausedOpenAndClosed(t *testing.T) {
	rs := redistest.Start(t)
	up := newUpstream(t)
	route := func(path, mode string) string {
		return fmt.Sprintf(`
	handle %s {
		webhook_verify hmac {
			secret {env.TEST_SECRET_NEW}
			header X-Signature
			prefix sha256=
			%s
		}
		reverse_proxy {UPSTREAM}
	}`, path, redisDedup(t, rs.Addr, "timeout 100ms", "in_flight 2s\n\t\t\ton_store_error "+mode))
	}
	c := startCaddy(t, "", route("/open", "open")+route("/closed", "closed")+errorsAsText, up.Addr, secretsEnv...)
	open, closed := c.URL+"/open", c.URL+"/closed"
	// The client's own timeout bounds every request; nothing tighter is
	// asserted.
	bounded := &http.Client{Timeout: 10 * time.Second}
	sendB := func(url string, body []byte) (dedupReply, time.Duration) {
		start := time.Now()
		r := dedupSend(context.Background(), bounded, url, body)
		return r, time.Since(start)
	}

	// Both routes work, and have connected to Redis.
	warmOpen, warmClosed := []byte(`{"id":"evt_warm_open"}`), []byte(`{"id":"evt_warm_closed"}`)
	r, _ := sendB(open, warmOpen)
	wantKind(t, "open, Redis running", r, kindDelivered)
	r, _ = sendB(closed, warmClosed)
	wantKind(t, "closed, Redis running", r, kindDelivered)
	checkDelivered(t, up.Received(), "new", warmOpen, warmClosed)
	up.Reset()

	rs.Pause()
	paused := true
	defer func() {
		if paused {
			rs.Resume()
		}
	}()
	pausedOpen, pausedClosed := []byte(`{"id":"evt_paused_open"}`), []byte(`{"id":"evt_paused_closed"}`)
	r, took := sendB(open, pausedOpen)
	t.Logf("open, Redis paused: %d %q in %s", r.status, r.body, took.Round(time.Millisecond))
	wantKind(t, "open, Redis paused", r, kindDelivered)
	checkDelivered(t, up.Received(), "unchecked", pausedOpen)
	up.Reset()

	r, took = sendB(closed, pausedClosed)
	t.Logf("closed, Redis paused: %d %q in %s", r.status, r.body, took.Round(time.Millisecond))
	if r.err != nil || r.status != http.StatusServiceUnavailable || r.body != "503 store_unavailable" {
		t.Fatalf("closed, Redis paused: status %d, body %q, error %v; want 503 store_unavailable", r.status, r.body, r.err)
	}
	if n, err := strconv.Atoi(r.retryAfter); err != nil || n <= 0 {
		t.Errorf("closed, Redis paused: Retry-After %q, want a number of seconds", r.retryAfter)
	}
	if got := up.Received(); len(got) != 0 {
		t.Fatalf("closed, Redis paused: the upstream received %d requests, want none", len(got))
	}
	// A replay of a delivered webhook cannot be recognised either.
	r, _ = sendB(closed, warmClosed)
	if r.status != http.StatusServiceUnavailable || r.body != "503 store_unavailable" {
		t.Errorf("closed, Redis paused, replay of a delivered webhook: %d %q, want 503 store_unavailable", r.status, r.body)
	}

	rs.Resume()
	paused = false
	// Delivery works again: a new webhook on each route is delivered, and
	// replays are duplicates. Redis may need a moment to work through what
	// was queued while it was stopped, so the first send is retried on 503
	// (at most 20 times, 250ms apart), as a provider would.
	fresh := []byte(`{"id":"evt_after_resume"}`)
	unavailable := 2 // the two 503s above
	for i := 0; ; i++ {
		r, _ = sendB(closed, fresh)
		if r.status != http.StatusServiceUnavailable || i == 20 {
			break
		}
		unavailable++
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("new webhook after the resume: %d answers 503 store_unavailable before it was delivered", unavailable-2)
	wantKind(t, "closed, Redis resumed, new webhook", r, kindDelivered)
	r, _ = sendB(closed, fresh)
	wantKind(t, "closed, Redis resumed, replay", r, kindDuplicate)
	r, _ = sendB(closed, warmClosed)
	wantKind(t, "closed, Redis resumed, replay of the webhook delivered before the pause", r, kindDuplicate)
	r, _ = sendB(open, warmOpen)
	wantKind(t, "open, Redis resumed, replay of the webhook delivered before the pause", r, kindDuplicate)
	checkDelivered(t, up.Received(), "new", fresh)
	up.Reset()

	// The provider's retry of the webhook refused during the pause is
	// delivered; so is a retry of the one forwarded unchecked, which the
	// store never learnt was delivered. A Reserve that timed out may still
	// have reached Redis (written to the socket before the pause was
	// noticed, executed on resume) and left a reservation behind: then the
	// retry gets 409 in_flight until it expires (in_flight 2s), and is
	// retried, as a provider would, for at most 15s.
	untilNot409 := func(url string, body []byte) (dedupReply, int) {
		deadline := time.Now().Add(15 * time.Second)
		for conflicts := 0; ; conflicts++ {
			r, _ := sendB(url, body)
			if r.status != http.StatusConflict || time.Now().After(deadline) {
				return r, conflicts
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	r, conflicts := untilNot409(closed, pausedClosed)
	t.Logf("closed: retry of the webhook refused during the pause: %d answers 409 in_flight before it was delivered", conflicts)
	wantKind(t, "closed, Redis resumed, retry of the webhook refused during the pause", r, kindDelivered)
	r, conflicts = untilNot409(open, pausedOpen)
	t.Logf("open: retry of the webhook forwarded unchecked during the pause: %d answers 409 in_flight before it was delivered", conflicts)
	wantKind(t, "open, Redis resumed, retry of the webhook forwarded unchecked during the pause", r, kindDelivered)
	checkDelivered(t, up.Received(), "new", pausedClosed, pausedOpen)

	if m := dedupMetrics(t, c); m["unchecked"] != 1 || m["store_unavailable"] != float64(unavailable) {
		t.Errorf("caddy_webhook_verify_dedup_total %v, want unchecked 1, store_unavailable %d", m, unavailable)
	}
}

// dedupLedger is what a no-loss upstream answered: 503 the first time it
// sees a webhook whose seq is a multiple of 7, 200 otherwise.
type dedupLedger struct {
	mu        sync.Mutex
	seen      map[int]int
	delivered []received // the requests answered 2xx
	failed    int        // requests answered 503
	strange   int        // bodies that are no webhook of the run
}

func dedupLoadUpstream(t *testing.T) (*upstream, *dedupLedger) {
	up := newUpstream(t)
	l := &dedupLedger{seen: map[int]int{}}
	up.Status = func(r *http.Request, body []byte) int {
		seq, ok := nolossSeq(body)
		l.mu.Lock()
		defer l.mu.Unlock()
		if !ok {
			l.strange++
			return http.StatusBadRequest
		}
		l.seen[seq]++
		if seq%7 == 0 && l.seen[seq] == 1 {
			l.failed++
			return http.StatusServiceUnavailable
		}
		l.delivered = append(l.delivered, received{r.Method, r.RequestURI, r.Header.Clone(), body})
		return http.StatusOK
	}
	return up, l
}

// dedupNoLoss sends webhooks 0..n-1, each twice at once (copy 0 to urls[0],
// copy 1 to urls[1]) from 64 workers, then retries every send that did not
// get 200, up to dedupRetryRounds rounds, backing off, as a provider would. It then checks
// that every send ended with 200, that the upstream answered 2xx exactly
// once per webhook, byte for byte, and 503 exactly once per seq%7 == 0.
func dedupNoLoss(t *testing.T, up *upstream, l *dedupLedger, urls [2]string, n int) {
	t.Helper()
	transport := &http.Transport{
		MaxIdleConns:        2 * nolossConcurrency,
		MaxIdleConnsPerHost: 2 * nolossConcurrency,
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	c := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	type sendID struct{ seq, copy int }
	replies := make([][2]dedupReply, n)
	perSeq := make([]map[string]int, n) // answers of every round, by kind
	for seq := range perSeq {
		perSeq[seq] = map[string]int{}
	}
	const maxReports = 10
	reports := 0
	report := func(format string, args ...any) {
		if reports < maxReports {
			t.Errorf(format, args...)
		}
		reports++
	}

	start := time.Now()
	var pending [][]sendID // the sends of one webhook, sent at once
	for seq := range n {
		pending = append(pending, []sendID{{seq, 0}, {seq, 1}})
	}
	for round := 0; len(pending) > 0 && round <= dedupRetryRounds; round++ {
		if round > 0 {
			time.Sleep(time.Duration(round) * 200 * time.Millisecond) // backing off, as providers do
		}
		work := make(chan []sendID)
		var wg sync.WaitGroup
		for range nolossConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for group := range work {
					var g sync.WaitGroup
					for _, id := range group {
						g.Add(1)
						go func() {
							defer g.Done()
							replies[id.seq][id.copy] = dedupSend(ctx, c, urls[id.copy], nolossBody(id.seq))
						}()
					}
					g.Wait()
				}
			}()
		}
		for _, group := range pending {
			select {
			case work <- group:
			case <-ctx.Done():
			}
		}
		close(work)
		wg.Wait()

		kinds := map[string]int{}
		sent := 0
		var next [][]sendID
		for _, group := range pending {
			var again []sendID
			for _, id := range group {
				sent++
				r := replies[id.seq][id.copy]
				k, err := r.kind()
				if err != nil {
					report("round %d, webhook %d, copy %d: %v", round, id.seq, id.copy, err)
					k = "unexpected"
				}
				kinds[k]++
				perSeq[id.seq][k]++
				if r.err != nil || r.status != http.StatusOK {
					again = append(again, id)
				}
			}
			if again != nil {
				next = append(next, again)
			}
		}
		t.Logf("round %d: %d sends of %d webhooks: %v (%s)", round, sent, len(pending), kinds, time.Since(start).Round(time.Millisecond))
		pending = next
	}
	if len(pending) > 0 {
		report("%d webhooks still had a send without 200 after %d retry rounds", len(pending), dedupRetryRounds)
	}

	// Every send ended with 200, the upstream's or a duplicate's.
	merged := make([]nolossResult, n)
	wantFailed := 0
	for seq := range n {
		merged[seq] = nolossResult{status: http.StatusOK}
		for _, r := range replies[seq] {
			if r.err != nil || r.status != http.StatusOK {
				merged[seq] = nolossResult{status: r.status, err: r.err}
			}
		}
		want503 := 0
		if seq%7 == 0 {
			want503 = 1
			wantFailed++
		}
		if k := perSeq[seq]; k[kindDelivered] != 1 || k[kindFailed503] != want503 {
			report("webhook %d: the clients got the upstream's 200 %d times and its 503 %d times, want 1 and %d (answers %v)",
				seq, k[kindDelivered], k[kindFailed503], want503, k)
		}
	}
	// Each webhook reached the upstream and was answered 2xx exactly once,
	// byte for byte.
	l.mu.Lock()
	delivered, failed, strange := l.delivered, l.failed, l.strange
	l.mu.Unlock()
	nolossCheck(t, merged, delivered, func(int) int { return http.StatusOK })
	for _, r := range up.Received() {
		if r.Header.Get("Webhook-Dedup") != "new" {
			report("upstream got Webhook-Dedup %q, want new", r.Header.Get("Webhook-Dedup"))
		}
	}
	total := len(up.Received())
	t.Logf("%d webhooks sent twice each in %s: upstream received %d requests, %d answered 2xx, %d answered 503 (want %d)",
		n, time.Since(start).Round(time.Millisecond), total, len(delivered), failed, wantFailed)
	if failed != wantFailed || strange != 0 || total != n+wantFailed {
		report("upstream received %d requests (%d answered 503, %d not of this run); want %d, of which %d answered 503",
			total, failed, strange, n+wantFailed, wantFailed)
	}
	if reports > maxReports {
		t.Errorf("… and %d more problems", reports-maxReports)
	}
}

// The no-loss load with dedup on the memory store: every webhook is sent
// twice at once, the upstream fails some the first time, the clients
// retry, and every webhook reaches the upstream with a 2xx exactly once.
func TestNoLossDedupMemory(t *testing.T) {
	n := nolossCount(t)
	up, l := dedupLoadUpstream(t)
	c := startCaddy(t, "", fmt.Sprintf(nolossSite, "dedup"), up.Addr, secretsEnv...)
	dedupNoLoss(t, up, l, [2]string{c.URL + "/hooks", c.URL + "/hooks"}, n)
}

// The same with the redis store and two caddies sharing it: the two copies
// of each webhook go to different caddies.
func TestNoLossDedupRedisTwoCaddies(t *testing.T) {
	n := nolossCount(t)
	rs := redistest.Start(t)
	up, l := dedupLoadUpstream(t)
	site := fmt.Sprintf(nolossSite, redisDedup(t, rs.Addr, "", ""))
	a := startCaddy(t, "", site, up.Addr, secretsEnv...)
	b := startCaddy(t, "", site, up.Addr, secretsEnv...)
	dedupNoLoss(t, up, l, [2]string{a.URL + "/hooks", b.URL + "/hooks"}, n)
}

// {http.webhook.dedup} is new, duplicate, in_flight, unchecked or off, and
// the upstream's Webhook-Dedup header is the handler's alone: a client's is
// removed. The placeholder is shown in a deferred response header for
// answers that pass, and by handle_errors for rejections.
func TestDedupPlaceholderAndHeader(t *testing.T) {
	rs := redistest.Start(t)
	up := newUpstream(t)
	slow := []byte(`{"id":"evt_slow"}`)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseUpstream := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseUpstream)
	up.Status = func(_ *http.Request, body []byte) int {
		if string(body) == string(slow) {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		return http.StatusOK
	}
	route := func(path, dedup string) string {
		return fmt.Sprintf(`
	handle %s {
		header >X-Dedup-Placeholder "{http.webhook.dedup}"
		webhook_verify hmac {
			secret {env.TEST_SECRET_NEW}
			header X-Signature
			prefix sha256=
			%s
		}
		reverse_proxy {UPSTREAM}
	}`, path, dedup)
	}
	site := route("/dedup", "dedup") + route("/off", "") +
		route("/open", redisDedup(t, rs.Addr, "timeout 100ms", "on_store_error open")) + `
	handle_errors {
		respond "{http.error.status_code} {http.webhook.error} dedup={http.webhook.dedup}" {http.error.status_code}
	}`
	c := startCaddy(t, "", site, up.Addr, secretsEnv...)
	// post sends body to path with a forged inbound Webhook-Dedup header;
	// do is post for the test's goroutine.
	post := func(path string, body []byte) (status int, text, placeholder string, err error) {
		req, err := nolossRequest(context.Background(), c.URL+path, body)
		if err != nil {
			return 0, "", "", err
		}
		req.Header.Set("Webhook-Dedup", "forged")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("X-Dedup-Placeholder"), err
	}
	do := func(path string, body []byte) (int, string, string) {
		t.Helper()
		status, text, placeholder, err := post(path, body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return status, text, placeholder
	}
	check := func(what string, status int, text, placeholder string, wantStatus int, wantText, wantPlaceholder string) {
		t.Helper()
		if status != wantStatus || text != wantText || placeholder != wantPlaceholder {
			t.Errorf("%s: %d %q, placeholder %q; want %d %q, placeholder %q", what, status, text, placeholder, wantStatus, wantText, wantPlaceholder)
		}
	}
	lastDedupHeader := func() []string {
		got := up.Received()
		return got[len(got)-1].Header.Values("Webhook-Dedup")
	}

	body := []byte(`{"id":"evt_placeholder"}`)
	s, text, p := do("/dedup", body)
	check("new", s, text, p, 200, "upstream 200", "new")
	if v := lastDedupHeader(); len(v) != 1 || v[0] != "new" {
		t.Errorf("new: upstream got Webhook-Dedup %q, want just new", v)
	}
	s, text, p = do("/dedup", body)
	check("duplicate", s, text, p, 200, "", "duplicate")

	s, text, p = do("/off", body)
	check("off", s, text, p, 200, "upstream 200", "off")
	if v := lastDedupHeader(); len(v) != 0 {
		t.Errorf("off: upstream got Webhook-Dedup %q, want none (the client's is removed)", v)
	}

	// in_flight: a copy sent while the upstream holds the first.
	type answer struct {
		status            int
		text, placeholder string
		err               error
	}
	first := make(chan answer, 1)
	go func() {
		s, text, p, err := post("/dedup", slow)
		first <- answer{s, text, p, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(up.Received()) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the slow webhook did not reach the upstream within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s, text, p = do("/dedup", slow)
	check("in_flight", s, text, p, 409, "409 in_flight dedup=in_flight", "")
	releaseUpstream()
	select {
	case r := <-first:
		if r.err != nil {
			t.Fatalf("the slow webhook: %v", r.err)
		}
		check("the slow webhook", r.status, r.text, r.placeholder, 200, "upstream 200", "new")
	case <-time.After(20 * time.Second):
		t.Fatal("the slow webhook got no answer within 20s")
	}

	// unchecked: Redis paused, on_store_error open.
	s, text, p = do("/open", body)
	check("redis running", s, text, p, 200, "upstream 200", "new")
	rs.Pause()
	s, text, p = do("/open", []byte(`{"id":"evt_unchecked"}`))
	rs.Resume()
	check("unchecked", s, text, p, 200, "upstream 200", "unchecked")
	if v := lastDedupHeader(); len(v) != 1 || v[0] != "unchecked" {
		t.Errorf("unchecked: upstream got Webhook-Dedup %q, want just unchecked", v)
	}
	if n := len(up.Received()); n != 5 {
		t.Errorf("upstream received %d requests, want 5 (new, off, slow, redis running, unchecked)", n)
	}
}
