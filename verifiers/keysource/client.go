package keysource

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/internal/override"
)

// Client is the only way a fetch reaches the network. It speaks HTTPS, on
// port 443, to allowed hosts only; follows no redirect; verifies the
// server's certificate against the system roots; bounds the time and the
// size of every exchange; and ignores proxy settings from the environment.
// Its errors wrap ErrNotAllowed, ErrNotFound or ErrUnavailable and never
// show request headers, request bodies or URL queries. A Client is safe for
// concurrent use.
type Client struct {
	provider string
	allowed  func(host string) bool
	timeout  time.Duration
	maxBody  int64
	hc       *http.Client
	tr       *http.Transport
}

// userAgent is sent unless the caller sets one.
const userAgent = "caddy-webhook-verify-keysource/1"

func newClient(cfg *Config) *Client {
	c := &Client{
		provider: cfg.Provider,
		allowed:  cfg.allowed,
		timeout:  cfg.Timeout,
		maxBody:  cfg.MaxResponseBytes,
	}
	c.tr = &http.Transport{
		Proxy: nil, // never from the environment
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, fmt.Errorf("%w: plain-text connection", ErrNotAllowed)
		},
		DialTLSContext:         c.dialTLS, // the request's context bounds it, and all the rest
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
	}
	c.hc = &http.Client{
		Transport: guard{c},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is returned, then refused
		},
	}
	return c
}

// Get fetches url with the given extra header (which may be nil) and
// returns the response body.
func (c *Client) Get(ctx context.Context, url string, header http.Header) ([]byte, error) {
	return c.do(ctx, http.MethodGet, url, header, nil)
}

// Post sends body to url with the given header (set Content-Type there) and
// returns the response body.
func (c *Client) Post(ctx context.Context, url string, header http.Header, body []byte) ([]byte, error) {
	return c.do(ctx, http.MethodPost, url, header, body)
}

func (c *Client) do(ctx context.Context, method, rawURL string, header http.Header, body []byte) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the URL, which may hold userinfo.
		return nil, fmt.Errorf("keysource %s: %s: %w: malformed URL", c.provider, method, ErrNotAllowed)
	}
	where := method + " " + redact(u)
	if err := c.check(u); err != nil {
		return nil, fmt.Errorf("keysource %s: %s: %w", c.provider, where, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("keysource %s: %s: %w: bad request", c.provider, where, ErrUnavailable)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL; say it our way.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		if errors.Is(err, ErrNotAllowed) {
			return nil, fmt.Errorf("keysource %s: %s: %w", c.provider, where, err)
		}
		return nil, fmt.Errorf("keysource %s: %s: %w: %w", c.provider, where, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, c.maxBody)) // lets the connection be reused
		return nil, &StatusError{Provider: c.provider, Method: method, URL: redact(u), StatusCode: resp.StatusCode}
	}
	if resp.ContentLength > c.maxBody {
		return nil, fmt.Errorf("keysource %s: %s: %w: response of %d bytes exceeds %d", c.provider, where, ErrUnavailable, resp.ContentLength, c.maxBody)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("keysource %s: %s: %w: reading response: %w", c.provider, where, ErrUnavailable, err)
	}
	if int64(len(b)) > c.maxBody {
		return nil, fmt.Errorf("keysource %s: %s: %w: response exceeds %d bytes", c.provider, where, ErrUnavailable, c.maxBody)
	}
	return b, nil
}

// check refuses a URL that is not https://allowed-host[:443]/...
func (c *Client) check(u *url.URL) error {
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q, want https", ErrNotAllowed, u.Scheme)
	case u.Opaque != "":
		return fmt.Errorf("%w: opaque URL", ErrNotAllowed)
	case u.User != nil:
		return fmt.Errorf("%w: URL carries userinfo", ErrNotAllowed)
	}
	return c.checkHost(u.Hostname(), u.Port())
}

func (c *Client) checkHost(host, port string) error {
	if port != "" && port != "443" {
		return fmt.Errorf("%w: port %q, want 443", ErrNotAllowed, port)
	}
	if host == "" || !c.allowed(strings.ToLower(host)) {
		return fmt.Errorf("%w: host %q is not an allowed host", ErrNotAllowed, host)
	}
	return nil
}

// guard checks every request the http.Client sends, whoever built it.
type guard struct{ c *Client }

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.c.check(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return g.c.tr.RoundTrip(req)
}

// dialTLS dials an allowed host on port 443, refusing addresses that are
// not public, and verifies its certificate (system roots, TLS 1.2+). Under
// a test override it dials the override's address and trusts its roots
// only, still verifying the allowed host's name.
func (c *Client) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q", ErrNotAllowed, addr)
	}
	if err := c.checkHost(host, port); err != nil {
		return nil, err
	}
	conf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	dialer := &net.Dialer{Timeout: c.timeout, Control: refuseNonPublic}
	if o := override.Get(); o != nil {
		addr, conf.RootCAs = o.Addr, o.Roots
		dialer.Control = nil
	}
	raw, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, conf)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}

// nonPublic are the ranges a key server is never in, beside loopback,
// private, link-local (cloud metadata) and multicast: "this network",
// shared address space, IETF protocol assignments, benchmarking, reserved
// and broadcast, Azure's wireserver, and the IPv6 prefixes that carry an
// IPv4 address (NAT64, 6to4, Teredo), which could reach any of those.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("168.63.129.16/32"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
}

// refuseNonPublic is the dialer's last word, after DNS resolution.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrNotAllowed, address)
	}
	ip := ap.Addr().Unmap()
	bad := ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast()
	for _, p := range nonPublic {
		bad = bad || p.Contains(ip)
	}
	if bad {
		return fmt.Errorf("%w: %s is not a public address", ErrNotAllowed, ip)
	}
	return nil
}

// redact shows a URL without userinfo or query.
func redact(u *url.URL) string {
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// StatusError is the error for a response whose status is not 2xx. It
// wraps ErrNotFound for 404 and 410, ErrUnavailable for anything else
// (redirects included). A fetch can inspect StatusCode with errors.As, for
// instance to treat a provider's 400 for an unknown id as ErrNotFound.
type StatusError struct {
	Provider   string
	Method     string
	URL        string // without query
	StatusCode int
}

// Error names the provider, the request and the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("keysource %s: %s %s: %v: status %d", e.Provider, e.Method, e.URL, e.Unwrap(), e.StatusCode)
}

// Unwrap returns ErrNotFound or ErrUnavailable.
func (e *StatusError) Unwrap() error {
	if e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone {
		return ErrNotFound
	}
	return ErrUnavailable
}
