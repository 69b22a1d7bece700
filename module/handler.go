// Package webhookverify is the webhook_verify HTTP handler for Caddy: it
// lets through only genuine webhooks and callbacks, checked at the edge by a
// verifier module, and hands them on, body untouched, to the next handler
// (usually reverse_proxy).
package webhookverify

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// DefaultMaxBody is the largest body accepted when max_body is not set.
const DefaultMaxBody = 1 << 20

// Handler verifies webhooks and callbacks before they reach the next
// handler. In order, it checks the client IP against allow_ips, limits the
// body to max_body, reads the body once, has the verifier check it, and
// restores it byte for byte for the next handler. It removes inbound
// Webhook-* and Ce-* headers (the handler owns them) and any request
// trailers (providers send none), sets Webhook-Verified, and adds the
// canonical envelope.
//
// A provider's challenge (see Challenger) is answered by the handler and
// not forwarded: a signed one only once it verified, an unsigned one
// (Dropbox's GET ?challenge=…) only in its exact shape.
//
// A rejected request gets the status of its Failure (403, 413, 401, 400 or
// 405) and never reaches the next handler, unless enforce is false (shadow
// mode): then it is logged, counted and forwarded with
// Webhook-Verified: false. The body size limit applies in both modes.
// A request whose verifier checks no credential (Coverage.Unsigned:
// Token.io's browser redirects) is forwarded, once its shape passed, with
// Webhook-Verified: unsigned, and is not signed with forward_signature.
// A shared token (see CredentialRemover) is removed from a verified
// request before it is forwarded, in enforce mode only.
type Handler struct {
	// VerifierRaw is the verifier for the provider, a module in the
	// http.webhook_verify.verifiers namespace named by "provider", e.g.
	// {"provider": "hmac", "header": "X-Signature", "secrets": ["{env.S}"]}.
	VerifierRaw json.RawMessage `json:"verifier,omitempty" caddy:"namespace=http.webhook_verify.verifiers inline_key=provider"`

	// AllowIPs lists the IP addresses and CIDR ranges (IPv4 and IPv6) that
	// may send. Empty allows any address, except for a provider that signs
	// nothing and whose verifier gives default addresses (see
	// SourceIPDefaulter, e.g. mpesa): then those are enforced, and AllowIPs
	// replaces them. The client IP is Caddy's, so the
	// server's trusted_proxies setting decides whether X-Forwarded-For counts.
	AllowIPs []string `json:"allow_ips,omitempty"`

	// MaxBody is the largest request body in bytes. Default: 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// Enforce rejects requests that fail verification. Default: true. Set
	// false for shadow mode: failures are logged and counted, and the
	// request is forwarded with Webhook-Verified: false.
	Enforce *bool `json:"enforce,omitempty"`

	// Envelope is how the verified webhook is presented to the upstream:
	// "binary" (default; CloudEvents 1.0 ce-* headers, body unchanged),
	// "structured" (the body becomes a CloudEvents JSON document holding
	// the provider's body) or "off" (only Webhook-Verified).
	Envelope string `json:"envelope,omitempty"`

	// Source is the CloudEvents source attribute. Default:
	// "/webhook_verify/<provider>". Set it to tell routes apart.
	Source string `json:"source,omitempty"`

	// Dedup turns on replay protection and exactly-once forwarding: a
	// verified webhook already delivered within the window is answered 200
	// and not forwarded again. Off when absent; {} uses the defaults (this
	// Caddy's memory, a 72h window).
	Dedup *Dedup `json:"dedup,omitempty"`

	// ForwardSignature are whsec_ secrets with which the handler signs
	// every request it forwards as verified, with Standard Webhooks
	// headers (webhook-id = ce-id, webhook-timestamp, webhook-signature:
	// one "v1,<sig>" per secret, for rotation) over exactly the body the
	// upstream receives, so that the application verifies one scheme
	// whatever the provider. Placeholders such as {env.GATEWAY_SECRET} are
	// resolved when the config loads. Requests forwarded unverified (enforce
	// off) are not signed, nor are those of a verifier that checks no
	// credential (Webhook-Verified: unsigned, e.g. Token.io's redirects):
	// the gateway cannot vouch for who sent them.
	ForwardSignature Secrets `json:"forward_signature,omitempty"`

	provider    string
	coverage    Coverage
	forwardSig  *forwardSigner
	leftmost    *leftmostWarning
	defaultType string // ce-type when the verifier gives none
	verifier    Verifier
	challenger  Challenger         // nil unless the verifier answers signed challenges
	unsigned    UnsignedChallenger // nil unless it answers unsigned ones
	remover     CredentialRemover  // nil unless the credential is a shared token
	credHeaders []string           // the signature headers, removed in structured mode
	allow       []netip.Prefix
	enforce     bool
	maxBody     int64
	logger      *zap.Logger
	metrics     *metrics
	now         func() time.Time
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.webhook_verify",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision loads the verifier and prepares the handler.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if h.now == nil {
		h.now = clock
	}
	if h.VerifierRaw == nil {
		return fmt.Errorf("no verifier: name a provider, e.g. 'webhook_verify hmac { … }' (JSON: \"verifier\": {\"provider\": \"hmac\", …})")
	}
	mod, err := ctx.LoadModule(h, "VerifierRaw")
	if err != nil {
		return err // Caddy says "loading module '<provider>': …"
	}
	v, ok := mod.(Verifier)
	if !ok {
		return fmt.Errorf("module %T is not a webhook verifier", mod)
	}
	h.verifier = v
	h.provider = mod.(caddy.Module).CaddyModule().ID.Name()
	h.defaultType = h.provider + ".webhook"
	if c, ok := v.(Coverer); ok {
		h.coverage = c.Covers()
	}
	h.challenger, _ = v.(Challenger)
	h.unsigned, _ = v.(UnsignedChallenger)
	h.remover, _ = v.(CredentialRemover)
	if c, ok := v.(CredentialHeaderer); ok {
		h.credHeaders = c.CredentialHeaders()
	}

	allow := h.AllowIPs
	if d, ok := v.(SourceIPDefaulter); ok && len(allow) == 0 {
		allow = d.DefaultAllowIPs()
	}
	h.leftmost = new(leftmostWarning)
	h.allow, err = ParseAllowIPs(allow)
	if err != nil {
		return err
	}
	h.enforce = h.Enforce == nil || *h.Enforce
	h.maxBody = h.MaxBody
	switch {
	case h.maxBody < 0:
		return fmt.Errorf("max_body %d is negative: give a size such as 1MiB", h.maxBody)
	case h.maxBody == 0:
		h.maxBody = DefaultMaxBody
	}
	if err := checkEnvelopeMode(h.Envelope); err != nil {
		return err
	}
	if h.Source == "" {
		h.Source = "/webhook_verify/" + h.provider
	}
	if h.Dedup != nil {
		if err := h.Dedup.provision(ctx, h.provider, h.coverage); err != nil {
			return err
		}
	}
	if len(h.ForwardSignature) > 0 {
		if h.forwardSig, err = newForwardSigner(h.ForwardSignature); err != nil {
			return err
		}
		if h.coverage.Unsigned {
			h.logger.Warn("forward_signature is set, but this provider's requests carry no credential: they are forwarded unsigned, with Webhook-Verified: unsigned",
				zap.String("provider", h.provider))
		}
	}
	h.metrics, err = newMetrics(ctx.GetMetricsRegistry())
	return err
}

// ParseAllowIPs parses IP addresses and CIDR ranges. IPv4-mapped IPv6
// addresses are treated as IPv4.
func ParseAllowIPs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("allow_ips: %q is not an IP address or CIDR range (e.g. 203.0.113.0/24 or 2001:db8::/32)", s)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allow_ips: %q is not an IP address or CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24)", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ServeHTTP verifies the request and passes it on, or rejects it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	repl.Set("http.webhook.provider", h.provider)
	repl.Set("http.webhook.verified", false)
	repl.Set("http.webhook.challenge", false)

	failed := h.checkIP(r)
	if failed != nil && h.enforce {
		return h.reject(r, repl, failed)
	}

	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return h.reject(r, repl, err)
	}
	defer body.release()
	// Providers never send trailers, and a trailer (Webhook-Verified,
	// Ce-Type, …) would reach the upstream after the checks: the body is
	// read, so they are dropped, in both modes.
	r.Trailer = nil
	r.Header.Del("Trailer")

	// An unsigned challenge (Dropbox's GET ?challenge=…) is answered
	// before verification, since nothing of it can be verified; the
	// verifier answers only its exact shape, and a signed one only after
	// the request verified.
	if failed == nil && h.unsigned != nil {
		if answer := h.unsigned.UnsignedChallenge(r, body.bytes()); answer != nil {
			return h.answerChallenge(w, r, repl, answer, false)
		}
	}

	var ev Event
	var answer *ChallengeResponse
	if failed == nil {
		now := h.now()
		start := time.Now()
		ev, failed = h.verifier.Verify(r, body.bytes(), now)
		h.metrics.duration.WithLabelValues(h.provider).Observe(time.Since(start).Seconds())
		if failed == nil && h.challenger != nil {
			answer, failed = h.challenger.Challenge(r, body.bytes(), ev, now)
		}
	}
	if failed == nil && answer != nil {
		repl.Set("http.webhook.verified", true)
		return h.answerChallenge(w, r, repl, answer, true)
	}

	removeOwnedHeaders(r.Header)
	forward := body.bytes()
	if failed != nil {
		if h.enforce {
			if FailureOf(failed).Status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", retryAfter) // e.g. a key that could not be fetched
			}
			return h.reject(r, repl, failed)
		}
		f := FailureOf(failed)
		repl.Set("http.webhook.error", f.Code)
		h.metrics.requests.WithLabelValues(h.provider, "unverified_forwarded", f.Code).Inc()
		h.logger.Warn("webhook failed verification; forwarded (enforce off)", h.logFields(r, f, failed)...)
		r.Header.Set("Webhook-Verified", "false")
		r.Header.Set("Webhook-Error", f.Code)
		body.forward(r, forward)
		return next.ServeHTTP(w, r)
	}

	// Only a checked credential makes a request verified; one that
	// carries none passed a shape check, which anyone can pass.
	verified, outcome := "true", "verified"
	if h.coverage.Unsigned {
		verified, outcome = "unsigned", "unsigned"
	}
	repl.Set("http.webhook.verified", verified)
	h.metrics.requests.WithLabelValues(h.provider, outcome, "").Inc()
	if h.remover != nil && h.enforce {
		// A shared token is the whole proof: it stops here.
		h.remover.RemoveCredential(r)
	}
	r.Header.Set("Webhook-Verified", verified)
	// The envelope's id is a digest of the body, made when first needed:
	// from the verified MAC of the body when there is one (no second pass
	// over the body). The dedup key is the body's own digest, which no
	// change of secrets alters (a MAC changes with the first secret, and a
	// replay must not pass because the secrets were reordered).
	digest := &bodyDigest{provider: h.provider, r: r, body: forward, mac: ev.BodyMAC}
	var key Key
	if h.Dedup != nil {
		key = h.dedupKey(ev, forward, &bodyDigest{provider: h.provider, r: r, body: forward})
	} else {
		repl.Set("http.webhook.dedup", dedupOff)
	}
	forward = h.applyEnvelope(r, repl, ev, digest, forward)
	if h.forwardSig != nil && !h.coverage.Unsigned {
		h.forwardSig.sign(r.Header, forwardID(ev, digest), h.now(), forward)
	}
	body.forward(r, forward)
	if h.Dedup == nil {
		return next.ServeHTTP(w, r)
	}
	return h.deliver(w, r, repl, key, next)
}

// answerChallenge writes the answer to a provider's challenge; the
// request is not forwarded and dedup does not record it. signed says
// whether the challenge verified (false: Dropbox's unsigned GET).
func (h *Handler) answerChallenge(w http.ResponseWriter, r *http.Request, repl *caddy.Replacer, answer *ChallengeResponse, signed bool) error {
	repl.Set("http.webhook.challenge", true)
	reason := ""
	if !signed {
		reason = "unsigned"
	}
	h.metrics.requests.WithLabelValues(h.provider, "challenge", reason).Inc()
	h.logger.Info("webhook challenge answered",
		zap.String("provider", h.provider),
		zap.Bool("signed", signed),
		zap.String("client_ip", clientIP(r)),
		zap.String("method", r.Method),
		zap.String("uri", r.URL.Path),
	)
	header := w.Header()
	for name, values := range answer.Header {
		header[http.CanonicalHeaderKey(name)] = append([]string(nil), values...)
	}
	if answer.ContentType != "" {
		header.Set("Content-Type", answer.ContentType)
	}
	header.Set("Content-Length", strconv.Itoa(len(answer.Body)))
	header.Set("Cache-Control", "no-store")
	status := answer.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(answer.Body) // a client that went away is no error of ours
	}
	return nil
}

// checkIP returns ErrIPNotAllowed when allow_ips is set and the client IP
// is not in it.
func (h *Handler) checkIP(r *http.Request) error {
	if len(h.allow) == 0 {
		return nil
	}
	h.leftmost.check(h, r)
	ip, err := netip.ParseAddr(clientIP(r))
	if err != nil {
		return fmt.Errorf("%w: client address unknown", ErrIPNotAllowed)
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range h.allow {
		if p.Contains(ip) {
			return nil
		}
	}
	return ErrIPNotAllowed
}

// clientIP is Caddy's client IP for r (which honours trusted_proxies), or
// the peer address when the server has not set one.
func clientIP(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// reject records a failure and returns the HTTP error for it.
func (h *Handler) reject(r *http.Request, repl *caddy.Replacer, err error) error {
	f := FailureOf(err)
	repl.Set("http.webhook.error", f.Code)
	h.metrics.requests.WithLabelValues(h.provider, "rejected", f.Code).Inc()
	h.logger.Warn("webhook rejected", h.logFields(r, f, err)...)
	return caddyhttp.Error(f.Status, err)
}

func (h *Handler) logFields(r *http.Request, f *Failure, err error) []zap.Field {
	fields := []zap.Field{
		zap.String("provider", h.provider),
		zap.String("reason", f.Code),
		zap.Int("status", f.Status),
		zap.String("client_ip", clientIP(r)),
		zap.String("method", r.Method),
		zap.String("uri", r.URL.Path),
	}
	if detail := err.Error(); detail != f.Code {
		fields = append(fields, zap.String("detail", detail))
	}
	return fields
}

// removeOwnedHeaders deletes inbound Webhook-* and Ce-* headers: only this
// handler may set them for the upstream.
func removeOwnedHeaders(h http.Header) {
	for name := range h {
		if hasPrefixFold(name, "Webhook-") || hasPrefixFold(name, "Ce-") {
			delete(h, name)
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// setContentLength makes the request describe a body of n bytes.
func setContentLength(r *http.Request, n int) {
	r.ContentLength = int64(n)
	r.TransferEncoding = nil
	if n == 0 {
		r.Header.Del("Content-Length")
		return
	}
	r.Header.Set("Content-Length", strconv.Itoa(n))
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
