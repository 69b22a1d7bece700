package webhookverify

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestParsePublicURL(t *testing.T) {
	good := map[string]string{
		"https://hooks.example.com":  "https://hooks.example.com",
		"https://hooks.example.com/": "https://hooks.example.com",
		"http://example.com:8080":    "http://example.com:8080",
		"https://[2001:db8::1]:8443": "https://[2001:db8::1]:8443",
		"https://Example.COM":        "https://Example.COM",
	}
	for in, want := range good {
		got, err := ParsePublicURL(in)
		if err != nil || got != want {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "example.com", "ftp://example.com", "https://", "https://:443",
		"https://user:pw@example.com", "https://example.com/path", "https://example.com?x=1",
		"https://example.com/#f", "https://example.com:http", "https://example.com?",
		"mailto:a@example.com", "https://exa mple.com",
	} {
		if got, err := ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestPublicRequestURL(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://internal:9000/hooks/a%3Ab?x=1&y=%20", nil)
	if got, want := PublicRequestURL(r, "https://hooks.example.com"), "https://hooks.example.com/hooks/a%3Ab?x=1&y=%20"; got != want {
		t.Errorf("configured base: %q, want %q", got, want)
	}
	r = httptest.NewRequest(http.MethodPost, "/hooks?x=1", nil)
	r.Host = "example.com:8080"
	if got, want := PublicRequestURL(r, ""), "http://example.com:8080/hooks?x=1"; got != want {
		t.Errorf("plain request: %q, want %q", got, want)
	}
	r.TLS = &tls.ConnectionState{}
	r.Header.Set("X-Forwarded-Proto", "http")
	r.Header.Set("X-Forwarded-Host", "evil.example")
	if got, want := PublicRequestURL(r, ""), "https://example.com:8080/hooks?x=1"; got != want {
		t.Errorf("TLS request: %q, want %q (forwarded headers are ignored)", got, want)
	}

	// A rewrite by Caddy (handle_path) does not change the signed target.
	orig := httptest.NewRequest(http.MethodPost, "/prefix/hooks?x=1", nil)
	r = httptest.NewRequest(http.MethodPost, "/hooks?x=1", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.OriginalRequestCtxKey, *orig))
	if got, want := PublicRequestURL(r, "https://a.example"), "https://a.example/prefix/hooks?x=1"; got != want {
		t.Errorf("rewritten request: %q, want %q", got, want)
	}

	// No RequestURI (a client-side request): the URL's own.
	r = httptest.NewRequest(http.MethodGet, "/x?y=1", nil)
	r.RequestURI = ""
	if got, want := PublicRequestURL(r, "https://a.example"), "https://a.example/x?y=1"; got != want {
		t.Errorf("no RequestURI: %q, want %q", got, want)
	}
	// Absolute-form target: only path and query.
	r.RequestURI = "http://other.example/z?q=2"
	if got, want := PublicRequestURL(r, "https://a.example"), "https://a.example/z?q=2"; got != want {
		t.Errorf("absolute-form: %q, want %q", got, want)
	}
}
