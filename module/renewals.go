package webhookverify

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// renewals keeps the reservations of one route alive while their
// upstreams work: every third of in_flight, one goroutine renews each
// reservation still held. The goroutine starts with the first reservation
// (never under caddy validate) and stops when the config is unloaded.
type renewals struct {
	ctx   context.Context // the config's: done when it is unloaded
	mu    sync.Mutex
	held  map[uint64]Key // token → key
	start sync.Once
}

func (rs *renewals) add(token uint64, key Key) {
	rs.mu.Lock()
	if rs.held == nil {
		rs.held = make(map[uint64]Key)
	}
	rs.held[token] = key
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
	tick := time.NewTicker(d.inFlight / 3)
	defer tick.Stop()
	type held struct {
		token uint64
		key   Key
	}
	var batch []held
	for {
		select {
		case <-rs.ctx.Done():
			return
		case <-tick.C:
		}
		rs.mu.Lock()
		batch = batch[:0]
		for token, key := range rs.held {
			batch = append(batch, held{token, key})
		}
		rs.mu.Unlock()
		// A reservation settled meanwhile is left alone: Renew only
		// touches the token's own reservation.
		for _, r := range batch {
			start := time.Now()
			err := d.store.Renew(context.WithoutCancel(rs.ctx), r.key, r.token, d.inFlight)
			h.metrics.storeDuration.WithLabelValues(d.backend, "renew").Observe(time.Since(start).Seconds())
			if err != nil {
				h.countDedup("renew_error")
				h.logger.Error("dedup: renewing a reservation failed",
					zap.String("provider", h.provider), zap.String("key", r.key.String()), zap.Error(err))
			}
		}
	}
}
