package webhookverify

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// The memory store keeps at most max_keys delivered keys, forgetting the
// oldest first, and forgets expired ones as new ones arrive.
func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	m := newMemoryKeys(128) // two keys per shard
	inShard0 := func(i byte) Key { return Key{0, i} }
	for i := range byte(3) {
		m.Commit(ctx, inShard0(i), 1, time.Hour)
	}
	claims := []Claim{}
	for i := range byte(3) {
		c, _ := m.Reserve(ctx, inShard0(i), 7, time.Minute)
		claims = append(claims, c)
	}
	if claims[0] != Reserved || claims[1] != Delivered || claims[2] != Delivered {
		t.Fatalf("after three commits into a shard of two: %v, want the oldest forgotten", claims)
	}

	for range 100_000 {
		var k Key
		for i := range k {
			k[i] = byte(rand.Uint32())
		}
		m.Commit(ctx, k, 1, time.Hour)
	}
	total := 0
	for i := range m.shards {
		sh := &m.shards[i]
		if len(sh.delivered) > sh.max || sh.n > sh.max || len(sh.order) > sh.max {
			t.Fatalf("shard %d holds %d keys, %d in its ring of %d; max %d", i, len(sh.delivered), sh.n, len(sh.order), sh.max)
		}
		total += len(sh.delivered)
	}
	if total > 128 {
		t.Fatalf("%d delivered keys kept, max 128", total)
	}

	// Expired deliveries go before a new one is recorded.
	m = newMemoryKeys(1 << 20)
	for i := range byte(100) {
		m.Commit(ctx, inShard0(i), 1, time.Nanosecond)
	}
	time.Sleep(time.Millisecond)
	m.Commit(ctx, inShard0(200), 1, time.Hour)
	if sh := &m.shards[0]; len(sh.delivered) != 1 || sh.n != 1 {
		t.Fatalf("expired deliveries kept: %d keys, %d in the ring", len(sh.delivered), sh.n)
	}
}
