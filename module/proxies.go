package webhookverify

import (
	"net"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// leftmostWarning is said once per handler: allow_ips is checked against
// a client IP that Caddy took from X-Forwarded-For without
// trusted_proxies_strict, i.e. from the left-most entry, which the client
// writes: "X-Forwarded-For: <allowed ip>, <attacker>" would pass.
type leftmostWarning struct{ once sync.Once }

// check warns when r's client IP came from a forwarded header read
// left-most. Caddy stays the single source of the client IP; this only
// says when its setting makes allow_ips spoofable.
func (w *leftmostWarning) check(h *Handler, r *http.Request) {
	srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv.TrustedProxiesStrict > 0 {
		return
	}
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || clientIP(r) == peer {
		return
	}
	w.once.Do(func() {
		h.logger.Warn("allow_ips is checked against a client IP taken from the left-most X-Forwarded-For entry, which the client writes: "+
			"set trusted_proxies_strict in the server options (global { servers { trusted_proxies_strict } }) so that Caddy reads it right to left",
			zap.String("provider", h.provider))
	})
}
