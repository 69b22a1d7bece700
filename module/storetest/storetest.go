// Package storetest is the contract every dedup store must meet: the
// semantics of webhookverify.Store, checked by Run against a real backend.
// It is for tests only; non-test code must not import it.
package storetest

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Run checks the Store contract, one parallel subtest per rule. newStore
// makes a ready store (provisioned, with its cleanup registered on the t it
// is given); it is called once per subtest. Every subtest uses fresh random
// keys, so stores may share one backend.
//
// The expiry rules sleep for up to about 600ms; the suite as a whole takes
// about that long. Timings have wide margins: they check semantics, not
// speed.
func Run(t *testing.T, newStore func(t *testing.T) webhookverify.Store) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s webhookverify.Store)
	}{
		{"ReserveFreeKey", testReserveFreeKey},
		{"ConcurrentReserveHasOneWinner", testConcurrentReserve},
		{"CommitIsFinal", testCommitIsFinal},
		{"CommitWithoutReservation", testCommitWithoutReservation},
		{"ReleaseByOwnerOnly", testRelease},
		{"RenewByOwnerExtends", testRenewByOwner},
		{"RenewByOtherDoesNotExtend", testRenewByOther},
		{"RenewDoesNotCreate", testRenewDoesNotCreate},
		{"ReservationExpires", testReservationExpires},
		{"DeliveredExpires", testDeliveredExpires},
		{"KeysAreIndependent", testKeysAreIndependent},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore(t))
		})
	}
}

// long is a lifetime that no subtest outlives.
const long = time.Minute

func testReserveFreeKey(t *testing.T, s webhookverify.Store) {
	key, a, b := newKey(), newToken(), newToken()
	expect(t, s, key, a, webhookverify.Reserved, "first Reserve of a free key")
	expect(t, s, key, b, webhookverify.InFlight, "Reserve by another token while the key is reserved")
	expect(t, s, key, a, webhookverify.InFlight, "second Reserve by the same token (reservations are not re-entrant)")
}

func testConcurrentReserve(t *testing.T, s webhookverify.Store) {
	const n = 100
	key := newKey()
	claims := make([]webhookverify.Claim, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			claims[i], errs[i] = s.Reserve(t.Context(), key, uint64(i)+1, long)
		})
	}
	close(start) // all at once, for as much contention as possible
	wg.Wait()

	count := map[webhookverify.Claim]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Reserve by goroutine %d: %v", i, errs[i])
		}
		count[claims[i]]++
	}
	if count[webhookverify.Reserved] != 1 || count[webhookverify.InFlight] != n-1 {
		t.Fatalf("%d concurrent Reserves of one key: got %d reserved, %d in_flight, %d delivered; want exactly 1 reserved and %d in_flight",
			n, count[webhookverify.Reserved], count[webhookverify.InFlight], count[webhookverify.Delivered], n-1)
	}
}

func testCommitIsFinal(t *testing.T, s webhookverify.Store) {
	key, owner := newKey(), newToken()
	expect(t, s, key, owner, webhookverify.Reserved, "Reserve of a free key")
	commit(t, s, key, owner, long)
	expect(t, s, key, newToken(), webhookverify.Delivered, "Reserve by another token after Commit")
	expect(t, s, key, owner, webhookverify.Delivered, "Reserve by the committer after Commit")

	release(t, s, key, owner)
	expect(t, s, key, newToken(), webhookverify.Delivered, "Reserve after the owner's Release of a committed key (Release must not delete a delivered key)")

	renew(t, s, key, owner, long)
	expect(t, s, key, newToken(), webhookverify.Delivered, "Reserve after the owner's Renew of a committed key (Renew must not turn it back into a reservation)")
}

func testCommitWithoutReservation(t *testing.T, s webhookverify.Store) {
	// Nobody holds the key.
	free := newKey()
	commit(t, s, free, newToken(), long)
	expect(t, s, free, newToken(), webhookverify.Delivered, "Reserve after a Commit of a key nobody reserved")

	// Another token holds the key (e.g. the committer's reservation expired
	// and a retry reserved it): the webhook did reach the upstream.
	held, holder, committer := newKey(), newToken(), newToken()
	expect(t, s, held, holder, webhookverify.Reserved, "Reserve of a free key")
	commit(t, s, held, committer, long)
	expect(t, s, held, newToken(), webhookverify.Delivered, "Reserve after a Commit by a token that did not hold the reservation")
	release(t, s, held, holder)
	expect(t, s, held, newToken(), webhookverify.Delivered, "Reserve after the former holder's Release of a committed key")
}

func testRelease(t *testing.T, s webhookverify.Store) {
	key, owner, other := newKey(), newToken(), newToken()
	release(t, s, key, owner) // a free key: nothing to do, no error
	expect(t, s, key, owner, webhookverify.Reserved, "Reserve of a free key")

	release(t, s, key, other)
	expect(t, s, key, newToken(), webhookverify.InFlight, "Reserve after a Release by a token that does not hold the reservation")

	release(t, s, key, owner)
	expect(t, s, key, other, webhookverify.Reserved, "Reserve after the owner's Release")
}

func testRenewByOwner(t *testing.T, s webhookverify.Store) {
	key, owner := newKey(), newToken()
	begin := time.Now()
	reserveFor(t, s, key, owner, 300*time.Millisecond)
	sleepUntil(begin.Add(150 * time.Millisecond))
	renew(t, s, key, owner, 2*time.Second)
	sleepUntil(begin.Add(600 * time.Millisecond))
	expect(t, s, key, newToken(), webhookverify.InFlight,
		"Reserve 600ms after a 300ms reservation that its owner renewed for 2s at 150ms")
}

func testRenewByOther(t *testing.T, s webhookverify.Store) {
	key, owner := newKey(), newToken()
	begin := time.Now()
	reserveFor(t, s, key, owner, 300*time.Millisecond)
	renew(t, s, key, newToken(), 2*time.Second)
	expect(t, s, key, newToken(), webhookverify.InFlight, "Reserve after another token's Renew")
	sleepUntil(begin.Add(600 * time.Millisecond))
	expect(t, s, key, newToken(), webhookverify.Reserved,
		"Reserve 600ms after a 300ms reservation that only another token renewed (its Renew must not extend it)")
}

func testRenewDoesNotCreate(t *testing.T, s webhookverify.Store) {
	key := newKey()
	renew(t, s, key, newToken(), long)
	expect(t, s, key, newToken(), webhookverify.Reserved, "Reserve after a Renew of a free key (Renew must not create a reservation)")
}

func testReservationExpires(t *testing.T, s webhookverify.Store) {
	key := newKey()
	begin := time.Now()
	reserveFor(t, s, key, newToken(), 200*time.Millisecond)
	sleepUntil(begin.Add(400 * time.Millisecond))
	expect(t, s, key, newToken(), webhookverify.Reserved, "Reserve 400ms after a 200ms reservation")
}

func testDeliveredExpires(t *testing.T, s webhookverify.Store) {
	key, owner := newKey(), newToken()
	expect(t, s, key, owner, webhookverify.Reserved, "Reserve of a free key")
	begin := time.Now()
	commit(t, s, key, owner, 300*time.Millisecond)
	expect(t, s, key, newToken(), webhookverify.Delivered, "Reserve right after a Commit with a 300ms window")
	sleepUntil(begin.Add(600 * time.Millisecond))
	expect(t, s, key, newToken(), webhookverify.Reserved, "Reserve 600ms after a Commit with a 300ms window")
}

func testKeysAreIndependent(t *testing.T, s webhookverify.Store) {
	k1, k2, a, b := newKey(), newKey(), newToken(), newToken()
	expect(t, s, k1, a, webhookverify.Reserved, "Reserve of free key 1")
	expect(t, s, k2, b, webhookverify.Reserved, "Reserve of free key 2 while key 1 is reserved")

	commit(t, s, k1, a, long)
	expect(t, s, k2, newToken(), webhookverify.InFlight, "Reserve of key 2 after a Commit of key 1")

	release(t, s, k2, b)
	expect(t, s, k1, newToken(), webhookverify.Delivered, "Reserve of key 1 after a Release of key 2")
	expect(t, s, k2, newToken(), webhookverify.Reserved, "Reserve of key 2 after its owner's Release")
}

// newKey is a random key, so that stores sharing a backend do not collide.
func newKey() webhookverify.Key {
	var k webhookverify.Key
	_, _ = rand.Read(k[:]) // never fails
	return k
}

// newToken is a random non-zero token, as the handler draws them.
func newToken() uint64 {
	for {
		if t := mrand.Uint64(); t != 0 {
			return t
		}
	}
}

// expect reserves key for token (for long) and fails unless the store
// answers want. what says what is being checked.
func expect(t *testing.T, s webhookverify.Store, key webhookverify.Key, token uint64, want webhookverify.Claim, what string) {
	t.Helper()
	got, err := s.Reserve(t.Context(), key, token, long)
	if err != nil {
		t.Fatalf("%s: Reserve: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: got %s, want %s", what, got, want)
	}
}

// reserveFor reserves a free key for ttl.
func reserveFor(t *testing.T, s webhookverify.Store, key webhookverify.Key, token uint64, ttl time.Duration) {
	t.Helper()
	got, err := s.Reserve(t.Context(), key, token, ttl)
	if err != nil {
		t.Fatalf("Reserve of a free key for %s: %v", ttl, err)
	}
	if got != webhookverify.Reserved {
		t.Fatalf("Reserve of a free key for %s: got %s, want %s", ttl, got, webhookverify.Reserved)
	}
}

func renew(t *testing.T, s webhookverify.Store, key webhookverify.Key, token uint64, ttl time.Duration) {
	t.Helper()
	if err := s.Renew(t.Context(), key, token, ttl); err != nil {
		t.Fatalf("Renew: %v", err)
	}
}

func commit(t *testing.T, s webhookverify.Store, key webhookverify.Key, token uint64, window time.Duration) {
	t.Helper()
	if err := s.Commit(t.Context(), key, token, window); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func release(t *testing.T, s webhookverify.Store, key webhookverify.Key, token uint64) {
	t.Helper()
	if err := s.Release(t.Context(), key, token); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// sleepUntil sleeps until deadline. Deadlines are set from the time a
// reservation was made, so slow store calls do not shift them.
func sleepUntil(deadline time.Time) {
	time.Sleep(time.Until(deadline))
}
