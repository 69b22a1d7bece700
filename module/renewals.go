package webhookverify

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// renewals keeps the reservations of one route alive while their
// upstreams work: every third of in_flight, one goroutine renews each
// reservation still held. Every second, it also retries the release of orphans:
// reservations whose Reserve or Release failed, which may exist in the
// store without anyone to release them, until they would have expired.
// The goroutine starts with the first reservation (never under caddy
// validate) and stops when the config is unloaded.
type renewals struct {
	ctx     context.Context // the config's: done when it is unloaded
	mu      sync.Mutex
	held    map[uint64]Key    // token → key
	orphans map[uint64]orphan // token → what to release, and until when
	start   sync.Once
}

type orphan struct {
	key   Key
	until time.Time
}

func (rs *renewals) add(token uint64, key Key) {
	rs.mu.Lock()
	if rs.held == nil {
		rs.held = make(map[uint64]Key)
	}
	rs.held[token] = key
	rs.mu.Unlock()
}

// orphan asks for token's reservation of key to be released, in the
// background, until it would have expired by itself.
func (rs *renewals) orphan(token uint64, key Key, inFlight time.Duration) {
	rs.mu.Lock()
	if rs.orphans == nil {
		rs.orphans = make(map[uint64]orphan)
	}
	rs.orphans[token] = orphan{key, time.Now().Add(inFlight)}
	rs.mu.Unlock()
}

func (rs *renewals) remove(token uint64) {
	rs.mu.Lock()
	delete(rs.held, token)
	rs.mu.Unlock()
}

// run starts the renewing goroutine of h's route, once.
func (rs *renewals) run(h *Handler) {
	rs.start.Do(func() { go rs.loop(h) })
}

func (rs *renewals) loop(h *Handler) {
	d := h.Dedup
	// Orphans are retried every second, reservations renewed every third
	// of in_flight.
	every := d.inFlight / 3
	tick := time.NewTicker(min(every, time.Second))
	defer tick.Stop()
	renewed := time.Now()
	type held struct {
		token uint64
		key   Key
	}
	var batch, orphans []held
	for {
		select {
		case <-rs.ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		rs.mu.Lock()
		batch, orphans = batch[:0], orphans[:0]
		if now.Sub(renewed) >= every-every/10 {
			renewed = now
			for token, key := range rs.held {
				batch = append(batch, held{token, key})
			}
		}
		for token, o := range rs.orphans {
			if now.After(o.until) {
				delete(rs.orphans, token)
				continue
			}
			orphans = append(orphans, held{token, o.key})
		}
		rs.mu.Unlock()
		ctx := context.WithoutCancel(rs.ctx)
		// A reservation settled meanwhile is left alone: Renew only
		// touches the token's own reservation.
		for _, r := range batch {
			start := time.Now()
			err := d.store.Renew(ctx, r.key, r.token, d.inFlight)
			h.metrics.storeDuration.WithLabelValues(d.backend, "renew").Observe(time.Since(start).Seconds())
			if err != nil {
				h.countDedup("renew_error")
				h.logger.Error("dedup: renewing a reservation failed",
					zap.String("provider", h.provider), zap.String("key", r.key.String()), zap.Error(err))
			}
		}
		for _, r := range orphans {
			if d.store.Release(ctx, r.key, r.token) == nil {
				rs.mu.Lock()
				delete(rs.orphans, r.token)
				rs.mu.Unlock()
			}
		}
	}
}
