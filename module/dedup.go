package webhookverify

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"github.com/zeebo/blake3"
	"go.uber.org/zap"
)

// Dedup defaults.
const (
	DefaultWindow   = 72 * time.Hour
	DefaultInFlight = 60 * time.Second
)

// retryAfter is the Retry-After, in seconds, of a 409 (the same webhook is
// being delivered) and of a 503 (the store cannot answer).
const retryAfter = "10"

// The values of {http.webhook.dedup} and of the Webhook-Dedup header.
const (
	dedupNew       = "new"
	dedupDuplicate = "duplicate"
	dedupInFlight  = "in_flight"
	dedupUnchecked = "unchecked"
	dedupOff       = "off"
)

// Dedup is replay protection and exactly-once forwarding. A verified webhook
// is reserved under a key made from what its credential covers, forwarded,
// and then committed (the upstream answered 2xx: remembered as delivered
// for Window) or released (anything else: the provider's retry is
// forwarded). A webhook already delivered is answered 200 with an empty
// body and not forwarded; one still being delivered is answered 409 with
// Retry-After.
type Dedup struct {
	// StoreRaw is where keys are kept: a module in the namespace
	// http.webhook_verify.stores named by "backend". Default:
	// {"backend": "memory"}, this Caddy's memory. Use
	// {"backend": "redis", …} to share keys between Caddy instances.
	StoreRaw json.RawMessage `json:"store,omitempty" caddy:"namespace=http.webhook_verify.stores inline_key=backend"`

	// Window is how long a delivered webhook is remembered. It must be at
	// least the verifier's timestamp tolerance, and should cover the
	// provider's retry horizon (Stripe retries for 3 days). Default: 72h.
	Window caddy.Duration `json:"window,omitempty"`

	// InFlight is how long a reservation lives without renewal. While the
	// upstream is working, the reservation is renewed every third of it,
	// so it only matters when Caddy dies mid-delivery: the provider's
	// retries get 409 until it expires. Default: 60s.
	InFlight caddy.Duration `json:"in_flight,omitempty"`

	// OnStoreError is what happens when the store cannot answer: "open"
	// (default) forwards the webhook with Webhook-Dedup: unchecked;
	// "closed" answers 503 with Retry-After, so the provider retries.
	OnStoreError string `json:"on_store_error,omitempty"`

	// KeyJSON is a gjson path into the body whose value keys the webhook,
	// e.g. "data.id", instead of the verifier's event id or a digest of
	// the body. Only for providers whose signature covers the whole body.
	// When the path is absent from a body, the digest of the body is used.
	KeyJSON string `json:"key_json,omitempty"`

	store    Store
	backend  string
	window   time.Duration
	inFlight time.Duration
	closed   bool
	renewals renewals
}

// provision loads the store and checks the settings against what the
// verifier's credential covers.
func (d *Dedup) provision(ctx caddy.Context, provider string, cov Coverage) error {
	if d.StoreRaw == nil {
		d.StoreRaw = json.RawMessage(`{"backend":"memory"}`)
	}
	mod, err := ctx.LoadModule(d, "StoreRaw")
	if err != nil {
		return fmt.Errorf("dedup: %w", err) // Caddy says "loading module '<backend>': …"
	}
	store, ok := mod.(Store)
	if !ok {
		return fmt.Errorf("dedup: module %T is not a dedup store", mod)
	}
	d.store = store
	d.backend = mod.(caddy.Module).CaddyModule().ID.Name()
	d.renewals.ctx = ctx

	d.window, d.inFlight = time.Duration(d.Window), time.Duration(d.InFlight)
	switch {
	case d.window < 0 || d.inFlight < 0:
		return fmt.Errorf("dedup: window and in_flight must be positive durations, e.g. window 72h, in_flight 60s")
	case d.window == 0:
		d.window = DefaultWindow
	}
	if d.inFlight == 0 {
		d.inFlight = DefaultInFlight
	}
	if d.inFlight < time.Second {
		return fmt.Errorf("dedup: in_flight %s is too short to renew a reservation: use at least 1s (default 60s)", d.inFlight)
	}
	if d.window < cov.Tolerance {
		return fmt.Errorf("dedup: window %s is shorter than %s's timestamp tolerance %s, so a replay could outlive the memory of the original: set window to at least %s (default 72h)",
			d.window, provider, cov.Tolerance, cov.Tolerance)
	}
	switch d.OnStoreError {
	case "", "open":
	case "closed":
		d.closed = true
	default:
		return fmt.Errorf("dedup: on_store_error %q: use open (forward, marked unchecked) or closed (answer 503)", d.OnStoreError)
	}
	if d.KeyJSON != "" {
		if !cov.Body {
			return fmt.Errorf("dedup: key json needs a provider whose signature covers the body; %s's credential does not, so a replay could change the field: remove key json (the key is then %s)",
				provider, cov.defaultKey())
		}
	}
	return nil
}

// defaultKey says in words what keys a webhook when key json is not set.
func (c Coverage) defaultKey() string {
	if c.EventID {
		return "the signed event id, else a digest of the body"
	}
	return "a digest of the body"
}

// dedupKey is the key of a verified webhook: the route's source, the
// provider and, by preference, the value at key_json, the event id when
// the credential covers it, or the digest of the body.
func (h *Handler) dedupKey(ev Event, body []byte, digest *bodyDigest) Key {
	var kind string
	var value []byte
	if h.Dedup.KeyJSON != "" {
		if r := gjson.GetBytes(body, h.Dedup.KeyJSON); r.Exists() && r.Type != gjson.Null {
			kind, value = "json", []byte(r.Raw)
		}
	} else if h.coverage.EventID && ev.ID != "" {
		kind, value = "id", []byte(ev.ID)
	}
	if kind == "" {
		kind, value = "body", digest.get()[:]
	}
	var buf [256]byte
	b := append(buf[:0], h.Source...)
	b = append(b, 0)
	b = append(b, h.provider...)
	b = append(b, 0)
	b = append(b, kind...)
	b = append(b, 0)
	b = append(b, value...)
	sum := blake3.Sum256(b)
	var k Key
	copy(k[:], sum[:])
	return k
}

// deliver runs the dedup protocol around next for a verified webhook:
// reserve, forward, then commit or release.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, repl *caddy.Replacer, key Key, next caddyhttp.Handler) error {
	d := h.Dedup
	token := rand.Uint64() | 1 // never 0, which the memory store uses for "delivered"
	start := time.Now()
	claim, err := d.store.Reserve(r.Context(), key, token, d.inFlight)
	h.metrics.storeDuration.WithLabelValues(d.backend, "reserve").Observe(time.Since(start).Seconds())

	var outcome any // boxed once: the placeholder and the header share it
	switch {
	case err != nil:
		outcome = dedupUnchecked
		h.logger.Error("dedup store unavailable", h.dedupFields(r, key, zap.Error(err), zap.Bool("closed", d.closed))...)
		// The reservation may still land once the store answers (a
		// command sent before it hung): release it then, so that it does
		// not hold the provider's retries off for in_flight.
		d.renewals.orphan(token, key, d.inFlight)
		d.renewals.run(h)
	case claim == Delivered:
		outcome = dedupDuplicate
		h.logger.Info("duplicate webhook", h.dedupFields(r, key, zap.Bool("forwarded", !h.enforce))...)
	case claim == InFlight:
		outcome = dedupInFlight
		h.logger.Info("webhook already being delivered", h.dedupFields(r, key, zap.Bool("forwarded", !h.enforce))...)
	default:
		outcome = dedupNew
	}
	repl.Set("http.webhook.dedup", outcome)
	if h.enforce {
		switch {
		case err != nil && d.closed:
			h.countDedup("store_unavailable")
			w.Header().Set("Retry-After", retryAfter)
			return h.reject(r, repl, fmt.Errorf("%w: %v", ErrStoreUnavailable, err))
		case claim == Delivered && err == nil:
			h.countDedup(dedupDuplicate)
			w.Header().Set("Webhook-Dedup", dedupDuplicate)
			w.WriteHeader(http.StatusOK)
			return nil
		case claim == InFlight && err == nil:
			h.countDedup(dedupInFlight)
			w.Header().Set("Retry-After", retryAfter)
			return h.reject(r, repl, ErrInFlight)
		}
	}
	h.countDedup(outcome.(string))
	r.Header.Set("Webhook-Dedup", outcome.(string))
	if err != nil || claim != Reserved {
		return next.ServeHTTP(w, r)
	}

	// The reservation is ours: renew it while the upstream works, and
	// settle it however next ends, a panic included.
	d.renewals.add(token, key)
	d.renewals.run(h)
	rec := caddyhttp.NewResponseRecorder(w, nil, nil)
	status := 0
	defer func() {
		d.renewals.remove(token)
		h.settle(r, key, token, status)
	}()
	err = next.ServeHTTP(rec, r)
	status = rec.Status()
	if status == 0 && err == nil {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	return err
}

// settle commits the key when the upstream answered 2xx, and releases it
// otherwise (an error, a non-2xx status, a panic, no answer), so that the
// provider's retry is forwarded. It runs even when the client has gone.
func (h *Handler) settle(r *http.Request, key Key, token uint64, status int) {
	d := h.Dedup
	ctx := context.WithoutCancel(r.Context())
	op, err := "commit", error(nil)
	start := time.Now()
	if status >= 200 && status <= 299 {
		err = d.store.Commit(ctx, key, token, d.window)
	} else {
		op = "release"
		err = d.store.Release(ctx, key, token)
	}
	h.metrics.storeDuration.WithLabelValues(d.backend, op).Observe(time.Since(start).Seconds())
	if err != nil {
		h.countDedup(op + "_error")
		h.logger.Error("dedup: "+op+" failed", h.dedupFields(r, key, zap.Int("upstream_status", status), zap.Error(err))...)
		if op == "release" {
			d.renewals.orphan(token, key, d.inFlight) // retried until it expires by itself
		}
	}
}

func (h *Handler) countDedup(outcome string) {
	h.metrics.dedup.WithLabelValues(h.provider, outcome).Inc()
}

func (h *Handler) dedupFields(r *http.Request, key Key, more ...zap.Field) []zap.Field {
	return append([]zap.Field{
		zap.String("provider", h.provider),
		zap.String("key", key.String()),
		zap.String("client_ip", clientIP(r)),
		zap.String("uri", r.URL.Path),
	}, more...)
}

// UnmarshalCaddyfile sets up replay protection from the dedup subdirective:
//
//	dedup [{
//	    store memory|redis [{ … }]   # default memory
//	    window <duration>            # default 72h
//	    in_flight <duration>         # default 60s
//	    max_keys <n>                 # memory store bound, default 1000000
//	    on_store_error open|closed   # default open
//	    key json <gjson path>        # default: signed event id, else body digest
//	}]
func (d *Dedup) UnmarshalCaddyfile(disp *caddyfile.Dispenser) error {
	if disp.NextArg() {
		return disp.Errf("dedup takes no arguments, only a block: dedup { store redis { … } window 72h }")
	}
	var store caddyfile.Unmarshaler
	storeName := "memory"
	maxKeys := 0
	var maxKeysErr error // for a store other than memory, at the max_keys line
	for nesting := disp.Nesting(); disp.NextBlock(nesting); {
		switch disp.Val() {
		case "store":
			segment := disp.NextSegment()
			if len(segment) < 2 {
				return disp.Errf("store needs a backend: store memory, or store redis { address 127.0.0.1:6379 }")
			}
			storeName = segment[1].Text
			info, err := caddy.GetModule(StoreNamespace + "." + storeName)
			if err != nil {
				return disp.Errf("unknown dedup store %q: available: %s", storeName, available(StoreNamespace))
			}
			mod := info.New()
			u, ok := mod.(caddyfile.Unmarshaler)
			if !ok {
				return disp.Errf("store %s cannot be configured in the Caddyfile", storeName)
			}
			if err := u.UnmarshalCaddyfile(caddyfile.NewDispenser(segment[1:])); err != nil {
				return err
			}
			store = u
		case "window":
			if err := DurationArg(disp, &d.Window); err != nil {
				return err
			}
		case "in_flight":
			if err := DurationArg(disp, &d.InFlight); err != nil {
				return err
			}
		case "max_keys":
			maxKeysErr = disp.Errf("max_keys bounds the memory store; other stores are bounded by their own settings (Redis: maxmemory): remove max_keys")
			if err := parseMaxKeys(disp, &maxKeys); err != nil {
				return err
			}
		case "on_store_error":
			if err := StringArg(disp, &d.OnStoreError); err != nil {
				return err
			}
			if d.OnStoreError != "open" && d.OnStoreError != "closed" {
				return disp.Errf("on_store_error %q: use open (forward, marked unchecked) or closed (answer 503)", d.OnStoreError)
			}
		case "key":
			args := disp.RemainingArgs()
			if len(args) != 2 || args[0] != "json" {
				return disp.Errf("key takes 'json <gjson path>', e.g. key json data.id (keys are only taken from signed material: no header keys)")
			}
			d.KeyJSON = args[1]
		default:
			return disp.Errf("unrecognized dedup subdirective %q: use store, window, in_flight, max_keys, on_store_error or key", disp.Val())
		}
	}
	if maxKeys != 0 {
		if storeName != "memory" {
			return maxKeysErr
		}
		if store == nil {
			store = &MemoryStore{}
		}
		store.(*MemoryStore).MaxKeys = maxKeys
	}
	if store != nil {
		var warnings []caddyconfig.Warning
		d.StoreRaw = caddyconfig.JSONModuleObject(store, "backend", storeName, &warnings)
	}
	return nil
}

// DurationArg reads exactly one positive duration argument of the current
// subdirective into dst, with an error naming the subdirective otherwise.
func DurationArg(d *caddyfile.Dispenser, dst *caddy.Duration) error {
	name := d.Val()
	if !d.NextArg() {
		return d.Errf("%s needs a duration, e.g. %s 60s", name, name)
	}
	s := d.Val()
	if d.NextArg() {
		return d.Errf("%s takes one duration, e.g. %s 60s", name, name)
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil || dur <= 0 {
		return d.Errf("%s %q is not a positive duration: use e.g. 5m, 60s or 72h", name, s)
	}
	*dst = caddy.Duration(dur)
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Dedup)(nil)
