package webhookverify

import (
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
			return err
		}
	} else if len(verifierTokens) > 1 {
		return d.Errf("provider %q takes no subdirectives in the Caddyfile", provider)
	}
	var warnings []caddyconfig.Warning
	h.VerifierRaw = caddyconfig.JSONModuleObject(mod, "provider", provider, &warnings)
	return nil
}

// available lists the names of the modules in a namespace.
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
