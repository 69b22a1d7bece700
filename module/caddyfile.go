package webhookverify

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
)

// VerifierNamespace is the Caddy module namespace of verifiers.
const VerifierNamespace = "http.webhook_verify.verifiers"

func init() {
	httpcaddyfile.RegisterHandlerDirective("webhook_verify", parseCaddyfile)
	// Verification is authentication: run it where basic_auth runs, before
	// request_header, respond, reverse_proxy and the rest.
	httpcaddyfile.RegisterDirectiveOrder("webhook_verify", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	webhook_verify <provider> {
//	    secret <value>...          # repeatable; several secrets = key rotation
//	    allow_ips <ip|cidr>...     # repeatable; IPv4 and IPv6
//	    max_body <size>            # default 1MiB
//	    enforce on|off             # off = shadow mode; default on
//	    envelope binary|structured|off  # default binary
//	    source <uri>               # CloudEvents source; default /webhook_verify/<provider>
//	    dedup [{ … }]              # replay protection; see Dedup.UnmarshalCaddyfile
//	    forward_signature <whsec_…>... # sign what is forwarded (Standard Webhooks); repeatable
//	    <provider-specific subdirectives>
//	}
//
// allow_ips, max_body, enforce, envelope, source, dedup and
// forward_signature belong to the handler;
// every other subdirective, secret included, is the verifier's and is
// handed to the verifier module's own Caddyfile parser. Secrets should be
// placeholders such as {env.X} or {file./path}: they are resolved when the
// config loads, never written into the JSON config.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if !d.NextArg() {
		return d.Errf("webhook_verify needs a provider, e.g. 'webhook_verify hmac { … }'; available: %s", available(VerifierNamespace))
	}
	providerTok := d.Token()
	provider := d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	info, err := caddy.GetModule(VerifierNamespace + "." + provider)
	if err != nil {
		return d.Errf("unknown provider %q: available: %s", provider, available(VerifierNamespace))
	}

	verifierTokens := []caddyfile.Token{providerTok}
	first := true
	for d.NextBlock(0) {
		if first {
			// Hand the verifier the real opening brace token.
			d.Prev()
			verifierTokens = append(verifierTokens, d.Token())
			d.Next()
			first = false
		}
		switch d.Val() {
		case "allow_ips":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("allow_ips needs at least one IP address or CIDR range, e.g. allow_ips 203.0.113.0/24 2001:db8::/32")
			}
			if _, err := ParseAllowIPs(args); err != nil {
				return d.Err(err.Error())
			}
			h.AllowIPs = append(h.AllowIPs, args...)
		case "max_body":
			if !d.NextArg() {
				return d.Errf("max_body needs a size, e.g. max_body 1MiB")
			}
			size, err := humanize.ParseBytes(d.Val())
			if err != nil || size == 0 {
				return d.Errf("max_body %q is not a size: use e.g. 256KiB or 1MiB", d.Val())
			}
			h.MaxBody = int64(size)
			if d.NextArg() {
				return d.ArgErr()
			}
		case "enforce":
			if !d.NextArg() {
				return d.Errf("enforce takes on or off")
			}
			switch d.Val() {
			case "on":
				h.Enforce = nil
			case "off":
				off := false
				h.Enforce = &off
			default:
				return d.Errf("enforce %q: use on or off", d.Val())
			}
			if d.NextArg() {
				return d.ArgErr()
			}
		case "envelope":
			if !d.NextArg() {
				return d.Errf("envelope takes binary, structured or off")
			}
			if err := checkEnvelopeMode(d.Val()); err != nil {
				return d.Err(err.Error())
			}
			h.Envelope = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
		case "forward_signature":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("forward_signature needs a whsec_ secret, e.g. forward_signature {env.GATEWAY_SIGNING_SECRET}")
			}
			h.ForwardSignature = append(h.ForwardSignature, args...)
		case "dedup":
			h.Dedup = new(Dedup)
			if err := h.Dedup.UnmarshalCaddyfile(d); err != nil {
				return err
			}
		case "source":
			if !d.NextArg() {
				return d.Errf("source needs a URI reference, e.g. source /payments/numipay")
			}
			h.Source = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
		default:
			// The verifier's subdirective, with its arguments and block.
			verifierTokens = append(verifierTokens, d.NextSegment()...)
		}
	}
	if !first {
		verifierTokens = append(verifierTokens, d.Token()) // closing brace
	}

	mod := info.New()
	if u, ok := mod.(caddyfile.Unmarshaler); ok {
		if err := u.UnmarshalCaddyfile(caddyfile.NewDispenser(verifierTokens)); err != nil {
			return withHandlerSubdirectives(err)
		}
	} else if len(verifierTokens) > 1 {
		return d.Errf("provider %q takes no subdirectives in the Caddyfile", provider)
	}
	var warnings []caddyconfig.Warning
	h.VerifierRaw = caddyconfig.JSONModuleObject(mod, "provider", provider, &warnings)
	return nil
}

// available lists the names of the modules in a namespace.
// handlerSubdirectives are the subdirectives the handler takes itself,
// whatever the provider.
var handlerSubdirectives = []string{"allow_ips", "max_body", "enforce", "envelope", "source", "dedup", "forward_signature"}

// unrecognized finds the name in a provider's "unrecognized subdirective"
// error.
var unrecognized = regexp.MustCompile(`unrecognized subdirective "([^"]*)"`)

// withHandlerSubdirectives completes a provider's "unrecognized
// subdirective" error: the provider lists only its own, so say which the
// handler takes too, and suggest the closest one when the name looks like
// a misspelling of it (envelop → envelope).
func withHandlerSubdirectives(err error) error {
	m := unrecognized.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	hint := ""
	if best, ok := closest(m[1], handlerSubdirectives); ok {
		hint = fmt.Sprintf("did you mean %s? ", best)
	}
	return fmt.Errorf("%s%w; every provider also takes the handler's %s", hint, err, strings.Join(handlerSubdirectives, ", "))
}

// closest returns the candidate within two edits of name, if any.
func closest(name string, candidates []string) (string, bool) {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func available(namespace string) string {
	var names []string
	for _, m := range caddy.GetModules(namespace) {
		names = append(names, m.ID.Name())
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// StringArg reads exactly one argument of the current subdirective into
// dst, with an error naming the subdirective otherwise.
func StringArg(d *caddyfile.Dispenser, dst *string) error {
	name := d.Val()
	if !d.NextArg() {
		return d.Errf("%s needs a value", name)
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.Errf("%s takes one value; quote a value that contains spaces", name)
	}
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
