package webhookverify

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// ParsePublicURL checks a configured public base URL, the scheme and host
// a provider calls ("https://hooks.example.com", "http://example.com:8080"),
// and returns it without a trailing slash. Only http and https are
// accepted, with a host and an optional port; a path other than "/", a
// query, a fragment or user info is refused: the request's own path and
// query are appended to it.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL: use scheme://host[:port], e.g. https://hooks.example.com")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("the scheme must be http or https, e.g. https://hooks.example.com")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("no host: use scheme://host[:port], e.g. https://hooks.example.com")
	case u.User != nil:
		return "", errors.New("user info is not allowed: use scheme://host[:port]")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "", u.Opaque != "":
		return "", errors.New("only scheme://host[:port] is allowed: the request's own path and query are appended")
	}
	if p := u.Port(); p != "" {
		for _, c := range p {
			if c < '0' || c > '9' {
				return "", errors.New("the port must be a number")
			}
		}
	}
	return u.Scheme + "://" + u.Host, nil
}

// RequestTarget returns the request target as the client sent it: path and
// query, before any rewrite by Caddy (handle_path, uri strip_prefix,
// rewrite), with its percent-encoding unchanged.
func RequestTarget(r *http.Request) string {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.RequestURI != "" {
		return or.RequestURI
	}
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// RequestBase returns the scheme and host a request was sent to as Caddy
// sees them: https when the connection to Caddy is TLS, else http, and the
// Host header. Forwarded headers (X-Forwarded-Proto, X-Forwarded-Host) are
// not read: behind a proxy that terminates TLS or changes the host,
// configure the public URL instead.
func RequestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// PublicRequestURL returns the absolute URL a provider called, for
// schemes that sign it (Twilio, HubSpot): base, a value returned by
// ParsePublicURL, or RequestBase(r) when base is empty, followed by
// RequestTarget(r).
func PublicRequestURL(r *http.Request, base string) string {
	if base == "" {
		base = RequestBase(r)
	}
	target := RequestTarget(r)
	if !strings.HasPrefix(target, "/") {
		// An absolute-form or asterisk target: only its path and query.
		if u, err := url.ParseRequestURI(target); err == nil {
			target = u.RequestURI()
		}
	}
	return base + target
}

// PublicURLArg reads the argument of a public_url subdirective into dst,
// checked by ParsePublicURL, with an error naming the line otherwise.
func PublicURLArg(d *caddyfile.Dispenser, dst *string) error {
	if err := StringArg(d, dst); err != nil {
		return err
	}
	if _, err := ParsePublicURL(*dst); err != nil {
		return d.Errf("public_url %q: %v", *dst, err)
	}
	return nil
}
