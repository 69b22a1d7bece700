package webhookverify_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func TestTokenSourceCheck(t *testing.T) {
	keys := [][]byte{[]byte("tok-one"), []byte("tok-two"), []byte("tok-three")}
	header := webhookverify.TokenSource{Headers: []string{"X-Token"}, Bearer: true}
	plain := webhookverify.TokenSource{Headers: []string{"Verif-Hash"}}
	two := webhookverify.TokenSource{Headers: []string{"Okra-Auth", "Authorization"}, Bearer: true}
	query := webhookverify.TokenSource{Query: "token", Bearer: true}
	either := webhookverify.TokenSource{Headers: []string{"X-Token"}, Query: "token"}

	type hdr struct{ name, value string }
	tests := []struct {
		name    string
		src     webhookverify.TokenSource
		target  string
		headers []hdr
		want    *webhookverify.Failure // nil: passes
		where   string                 // in the error message
	}{
		// Header.
		{name: "header", src: header, headers: []hdr{{"X-Token", "tok-one"}}},
		{name: "header name in any case", src: header, headers: []hdr{{"x-token", "tok-one"}}},
		{name: "wrong", src: header, headers: []hdr{{"X-Token", "tok-guess"}}, want: webhookverify.ErrInvalidToken, where: "header X-Token"},
		{name: "prefix of a key", src: header, headers: []hdr{{"X-Token", "tok-on"}}, want: webhookverify.ErrInvalidToken},
		{name: "key plus a byte", src: header, headers: []hdr{{"X-Token", "tok-one!"}}, want: webhookverify.ErrInvalidToken},
		{name: "other case", src: header, headers: []hdr{{"X-Token", "TOK-ONE"}}, want: webhookverify.ErrInvalidToken},
		{name: "trailing space is not trimmed", src: header, headers: []hdr{{"X-Token", "tok-one "}}, want: webhookverify.ErrInvalidToken},
		{name: "leading space is not trimmed", src: header, headers: []hdr{{"X-Token", " tok-one"}}, want: webhookverify.ErrInvalidToken},
		{name: "two keys in one value", src: header, headers: []hdr{{"X-Token", "tok-one tok-two"}}, want: webhookverify.ErrInvalidToken},
		{name: "missing", src: header, want: webhookverify.ErrMissingToken, where: "header X-Token"},
		{name: "in another header", src: header, headers: []hdr{{"Authorization", "tok-one"}}, want: webhookverify.ErrMissingToken},
		{name: "in the query, header configured", src: header, target: "/?X-Token=tok-one", want: webhookverify.ErrMissingToken},
		{name: "empty", src: header, headers: []hdr{{"X-Token", ""}}, want: webhookverify.ErrMissingToken, where: "header X-Token is empty"},
		{name: "spaces and tabs only", src: header, headers: []hdr{{"X-Token", " \t "}}, want: webhookverify.ErrMissingToken},
		{name: "repeated, one right", src: header, headers: []hdr{{"X-Token", "tok-guess"}, {"X-Token", "tok-one"}}, want: webhookverify.ErrInvalidToken, where: "header X-Token is repeated"},
		{name: "repeated, both right", src: header, headers: []hdr{{"X-Token", "tok-one"}, {"X-Token", "tok-one"}}, want: webhookverify.ErrInvalidToken, where: "is repeated"},
		{name: "repeated, first empty", src: header, headers: []hdr{{"X-Token", ""}, {"X-Token", "tok-one"}}, want: webhookverify.ErrInvalidToken, where: "is repeated"},

		// Bearer.
		{name: "Bearer", src: header, headers: []hdr{{"X-Token", "Bearer tok-one"}}},
		{name: "bearer, lower case", src: header, headers: []hdr{{"X-Token", "bearer tok-two"}}},
		{name: "BEARER, upper case", src: header, headers: []hdr{{"X-Token", "BEARER tok-two"}}},
		{name: "bEaReR, mixed case", src: header, headers: []hdr{{"X-Token", "bEaReR tok-three"}}},
		{name: "Bearer and several spaces", src: header, headers: []hdr{{"X-Token", "Bearer   tok-one"}}},
		{name: "Bearer without a space", src: header, headers: []hdr{{"X-Token", "Bearertok-one"}}, want: webhookverify.ErrInvalidToken},
		{name: "Bearer twice", src: header, headers: []hdr{{"X-Token", "Bearer Bearer tok-one"}}, want: webhookverify.ErrInvalidToken},
		{name: "Bearer, token with a trailing space", src: header, headers: []hdr{{"X-Token", "Bearer tok-one "}}, want: webhookverify.ErrInvalidToken},
		{name: "Bearer alone", src: header, headers: []hdr{{"X-Token", "Bearer"}}, want: webhookverify.ErrMissingToken, where: "is empty"},
		{name: "Bearer and spaces", src: header, headers: []hdr{{"X-Token", "Bearer   "}}, want: webhookverify.ErrMissingToken},
		{name: "Bearer not accepted", src: plain, headers: []hdr{{"Verif-Hash", "Bearer tok-one"}}, want: webhookverify.ErrInvalidToken},
		{name: "without Bearer, the value as is", src: plain, headers: []hdr{{"Verif-Hash", "tok-one"}}},

		// Several headers: every one present must hold a key, once.
		{name: "first header", src: two, headers: []hdr{{"Okra-Auth", "tok-one"}}},
		{name: "second header", src: two, headers: []hdr{{"Authorization", "Bearer tok-one"}}},
		{name: "both headers right", src: two, headers: []hdr{{"Okra-Auth", "tok-one"}, {"Authorization", "Bearer tok-two"}}},
		{name: "first wrong, second right", src: two, headers: []hdr{{"Okra-Auth", "nope"}, {"Authorization", "Bearer tok-one"}}, want: webhookverify.ErrInvalidToken, where: "header Okra-Auth"},
		// The first present header is the credential; a later one (an
		// Authorization added by a proxy) is not looked at.
		{name: "first right, second wrong", src: two, headers: []hdr{{"Okra-Auth", "tok-one"}, {"Authorization", "Basic dXNlcg=="}}},
		{name: "first right, second empty", src: two, headers: []hdr{{"Okra-Auth", "tok-one"}, {"Authorization", ""}}},
		{name: "first right, second repeated", src: two, headers: []hdr{{"Okra-Auth", "tok-one"}, {"Authorization", "tok-one"}, {"Authorization", "tok-one"}}},
		{name: "first empty, second right", src: two, headers: []hdr{{"Okra-Auth", ""}, {"Authorization", "Bearer tok-one"}}, want: webhookverify.ErrMissingToken, where: "header Okra-Auth is empty"},
		{name: "neither header", src: two, want: webhookverify.ErrMissingToken, where: "headers Okra-Auth, Authorization"},

		// Query.
		{name: "query", src: query, target: "/?token=tok-one"},
		{name: "query among other parameters", src: query, target: "/?a=1&token=tok-two&b=2"},
		{name: "query, percent-encoded", src: query, target: "/?token=tok%2Dthree"},
		{name: "query, wrong", src: query, target: "/?token=tok-guess", want: webhookverify.ErrInvalidToken, where: "query parameter token"},
		{name: "query, missing", src: query, target: "/?other=tok-one", want: webhookverify.ErrMissingToken, where: "query parameter token"},
		{name: "query, empty", src: query, target: "/?token=", want: webhookverify.ErrMissingToken, where: "query parameter token is empty"},
		{name: "query, name without value", src: query, target: "/?token", want: webhookverify.ErrMissingToken},
		{name: "query, repeated, one right", src: query, target: "/?token=tok-guess&token=tok-one", want: webhookverify.ErrInvalidToken, where: "query parameter token is repeated"},
		{name: "query, repeated, both right", src: query, target: "/?token=tok-one&token=tok-one", want: webhookverify.ErrInvalidToken, where: "is repeated"},
		{name: "query, Bearer is not removed", src: query, target: "/?token=Bearer%20tok-one", want: webhookverify.ErrInvalidToken},
		{name: "query, only in a header", src: query, headers: []hdr{{"Token", "tok-one"}}, want: webhookverify.ErrMissingToken},
		{name: "query name is case-sensitive", src: query, target: "/?Token=tok-one", want: webhookverify.ErrMissingToken},

		// Header and query: the header, when present, is the credential.
		{name: "either: header", src: either, headers: []hdr{{"X-Token", "tok-one"}}},
		{name: "either: query", src: either, target: "/?token=tok-one"},
		{name: "either: both right", src: either, target: "/?token=tok-two", headers: []hdr{{"X-Token", "tok-one"}}},
		{name: "either: query wrong", src: either, target: "/?token=nope", headers: []hdr{{"X-Token", "tok-one"}}},
		{name: "either: none", src: either, want: webhookverify.ErrMissingToken, where: "header X-Token or query parameter token"},

		// No source configured: nothing passes.
		{name: "no source", src: webhookverify.TokenSource{}, headers: []hdr{{"X-Token", "tok-one"}}, want: webhookverify.ErrMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest(http.MethodPost, target, nil)
			for _, h := range tt.headers {
				r.Header.Add(h.name, h.value)
			}
			err := tt.src.Check(r, keys)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check: %v, want %v", err, tt.want)
			}
			if f := webhookverify.FailureOf(err); f.Status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", f.Status)
			}
			if !strings.Contains(err.Error(), tt.where) {
				t.Errorf("error %q does not say %q", err, tt.where)
			}
			if strings.Contains(err.Error(), "tok-") {
				t.Errorf("error %q contains a token", err)
			}
		})
	}
}

// Every configured key is tried: each one passes, wherever it is in the
// list, and a request that matches none fails.
func TestTokenSourceEveryKey(t *testing.T) {
	keys := [][]byte{[]byte("k-first"), []byte("k-middle"), []byte("k-last")}
	src := webhookverify.TokenSource{Headers: []string{"X-Token"}}
	for _, k := range keys {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("X-Token", string(k))
		if err := src.Check(r, keys); err != nil {
			t.Errorf("key %q: %v", k, err)
		}
		if err := src.Check(r, [][]byte{[]byte("other")}); !errors.Is(err, webhookverify.ErrInvalidToken) {
			t.Errorf("key %q against other keys: %v, want %v", k, err, webhookverify.ErrInvalidToken)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Token", "k-firs")
	if err := src.Check(r, keys); !errors.Is(err, webhookverify.ErrInvalidToken) {
		t.Errorf("prefix of a key: %v", err)
	}
	if err := src.Check(r, nil); !errors.Is(err, webhookverify.ErrInvalidToken) {
		t.Errorf("no keys: %v", err)
	}
}

func TestTrimBearer(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc":    "abc",
		"bearer abc":    "abc",
		"BEARER abc":    "abc",
		"Bearer   abc":  "abc",
		"Bearer abc ":   "abc ",
		"Bearer":        "",
		"bearer  ":      "",
		"Bearerabc":     "Bearerabc",
		"Bearer\tabc":   "Bearer\tabc",
		" Bearer abc":   " Bearer abc",
		"abc":           "abc",
		"Bear":          "Bear",
		"":              "",
		"Basic dXNlcg=": "Basic dXNlcg=",
	} {
		if got := webhookverify.TrimBearer(in); got != want {
			t.Errorf("TrimBearer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScalar(t *testing.T) {
	const doc = `{"s":"text","e":"","n":12.50,"i":-3,"x":1e3,"t":true,"f":false,"z":null,"o":{"a":1},"a":[1]}`
	for path, want := range map[string]string{
		"s": "text", "e": "", "n": "12.50", "i": "-3", "x": "1e3", "t": "true", "f": "false",
		"z": "", "o": "", "a": "", "absent": "",
	} {
		if got := webhookverify.Scalar(gjson.Get(doc, path)); got != want {
			t.Errorf("Scalar(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestIsJSONObject(t *testing.T) {
	for body, want := range map[string]bool{
		`{}`: true, ` {"a":1}`: true, "\n\t{\"a\":[]}\r\n": true,
		`[]`: false, `"s"`: false, `1`: false, ``: false, `{`: false, `{} {}`: false, `{"a":}`: false,
	} {
		if got := webhookverify.IsJSONObject([]byte(body)); got != want {
			t.Errorf("IsJSONObject(%q) = %v, want %v", body, got, want)
		}
	}
}

func TestRequirePost(t *testing.T) {
	if err := webhookverify.RequirePost(httptest.NewRequest(http.MethodPost, "/", nil), "acme"); err != nil {
		t.Fatalf("POST: %v", err)
	}
	err := webhookverify.RequirePost(httptest.NewRequest(http.MethodGet, "/", nil), "acme")
	if !errors.Is(err, webhookverify.ErrMethodNotAllowed) || err.Error() != "method_not_allowed: acme sends POST, got GET" {
		t.Fatalf("GET: %v", err)
	}
}

func TestProvisionTolerance(t *testing.T) {
	var unset caddy.Duration
	if err := webhookverify.ProvisionTolerance(&unset); err != nil || unset != caddy.Duration(webhookverify.DefaultTolerance) {
		t.Errorf("unset: %v, %v", unset, err)
	}
	set := caddy.Duration(90e9)
	if err := webhookverify.ProvisionTolerance(&set); err != nil || set != caddy.Duration(90e9) {
		t.Errorf("set: %v, %v", set, err)
	}
	negative := caddy.Duration(-1)
	if err := webhookverify.ProvisionTolerance(&negative); err == nil || !strings.Contains(err.Error(), "tolerance must be positive") {
		t.Errorf("negative: %v", err)
	}
}

func TestTokenSourceBasic(t *testing.T) {
	keys := [][]byte{[]byte("hook-user:pass-one"), []byte("hook-user:pass:with:colons")}
	src := webhookverify.TokenSource{Headers: []string{"Authorization"}, Basic: true}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		values []string // Authorization values; none: absent
		want   *webhookverify.Failure
		where  string
	}{
		{name: "right", values: []string{"Basic " + b64("hook-user:pass-one")}},
		{name: "colons in the password", values: []string{"Basic " + b64("hook-user:pass:with:colons")}},
		{name: "scheme in any case", values: []string{"bAsIc " + b64("hook-user:pass-one")}},
		{name: "several spaces", values: []string{"Basic   " + b64("hook-user:pass-one")}},
		{name: "wrong password", values: []string{"Basic " + b64("hook-user:pass-two")}, want: webhookverify.ErrInvalidToken, where: "header Authorization"},
		{name: "wrong user", values: []string{"Basic " + b64("other:pass-one")}, want: webhookverify.ErrInvalidToken},
		{name: "password only", values: []string{"Basic " + b64("pass-one")}, want: webhookverify.ErrInvalidToken},
		{name: "user only", values: []string{"Basic " + b64("hook-user:")}, want: webhookverify.ErrInvalidToken},
		{name: "trailing byte", values: []string{"Basic " + b64("hook-user:pass-one ")}, want: webhookverify.ErrInvalidToken},
		{name: "not base64", values: []string{"Basic %%%"}, want: webhookverify.ErrInvalidToken, where: "is not base64"},
		{name: "base64 without padding", values: []string{"Basic " + strings.TrimRight(b64("hook-user:pass-one1"), "=")}, want: webhookverify.ErrInvalidToken},
		{name: "the credentials in clear", values: []string{"Basic hook-user:pass-one"}, want: webhookverify.ErrInvalidToken},
		{name: "no scheme", values: []string{b64("hook-user:pass-one")}, want: webhookverify.ErrInvalidToken, where: "is not Basic credentials"},
		{name: "Bearer scheme", values: []string{"Bearer " + b64("hook-user:pass-one")}, want: webhookverify.ErrInvalidToken},
		{name: "Basic without a space", values: []string{"Basic" + b64("hook-user:pass-one")}, want: webhookverify.ErrInvalidToken},
		{name: "Basic and a tab", values: []string{"Basic\t" + b64("hook-user:pass-one")}, want: webhookverify.ErrInvalidToken},
		{name: "Basic alone", values: []string{"Basic"}, want: webhookverify.ErrMissingToken, where: "is empty"},
		{name: "Basic and spaces", values: []string{"Basic   "}, want: webhookverify.ErrMissingToken},
		{name: "empty", values: []string{""}, want: webhookverify.ErrMissingToken},
		{name: "absent", want: webhookverify.ErrMissingToken, where: "header Authorization"},
		{name: "repeated, both right", values: []string{"Basic " + b64("hook-user:pass-one"), "Basic " + b64("hook-user:pass-one")}, want: webhookverify.ErrInvalidToken, where: "is repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Authorization", v)
			}
			err := src.Check(r, keys)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check: %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.where) {
				t.Errorf("error %q does not say %q", err, tt.where)
			}
			if strings.Contains(err.Error(), "pass") || strings.Contains(err.Error(), "hook-user") {
				t.Errorf("error %q shows a credential", err)
			}
		})
	}
	// Basic applies to headers only: a query value is compared as is.
	q := webhookverify.TokenSource{Query: "auth", Basic: true}
	if err := q.Check(httptest.NewRequest(http.MethodPost, "/?auth=hook-user:pass-one", nil), keys); err != nil {
		t.Errorf("query with Basic: %v", err)
	}
}

// Set puts the credential where Check finds it, in the form a provider
// sends it.
func TestTokenSourceSet(t *testing.T) {
	key := []byte("hook-user:s3cret value&=")
	for name, src := range map[string]webhookverify.TokenSource{
		"header":         {Headers: []string{"X-Callback-Token"}},
		"first header":   {Headers: []string{"X-One", "X-Two"}, Bearer: true},
		"basic":          {Headers: []string{"Authorization"}, Basic: true},
		"query":          {Query: "token"},
		"header first":   {Headers: []string{"X-Token"}, Query: "token"},
		"basic in query": {Query: "token", Basic: true},
	} {
		r := httptest.NewRequest(http.MethodPost, "/hooks?a=1", nil)
		src.Set(r, key)
		if err := src.Check(r, [][]byte{key}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := src.Check(r, [][]byte{[]byte("other")}); !errors.Is(err, webhookverify.ErrInvalidToken) {
			t.Errorf("%s, other key: %v", name, err)
		}
		if r.URL.Query().Get("a") != "1" {
			t.Errorf("%s: the query lost a parameter: %s", name, r.URL.RawQuery)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	webhookverify.TokenSource{Headers: []string{"Authorization"}, Basic: true}.Set(r, []byte("u:p"))
	if got := r.Header.Get("Authorization"); got != "Basic dTpw" {
		t.Errorf("Basic header %q, want %q", got, "Basic dTpw")
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
		t.Errorf("net/http reads %q %q %v", u, p, ok)
	}
}

func TestTokenSourceRemove(t *testing.T) {
	okra := webhookverify.TokenSource{Headers: []string{"Okra-Auth", "Authorization"}, Bearer: true}
	query := webhookverify.TokenSource{Query: "token"}
	tests := []struct {
		name       string
		src        webhookverify.TokenSource
		target     string
		header     http.Header
		wantURI    string
		wantHeader http.Header
	}{
		{"first header read, second kept", okra, "/cb", http.Header{"Okra-Auth": {"t"}, "Authorization": {"Bearer proxy"}},
			"/cb", http.Header{"Authorization": {"Bearer proxy"}}},
		{"second header when the first is absent", okra, "/cb", http.Header{"Authorization": {"Bearer t"}, "X-Other": {"1"}},
			"/cb", http.Header{"X-Other": {"1"}}},
		{"query: the others kept byte for byte", query, "/cb?a=%2F&token=t&b=x+y&", nil, "/cb?a=%2F&b=x+y&", http.Header{}},
		{"query: an encoded name is the same parameter", query, "/cb?tok%65n=t&a=1", nil, "/cb?a=1", http.Header{}},
		{"query: the only parameter", query, "/cb?token=t", nil, "/cb", http.Header{}},
		{"query: absent, nothing changes", query, "/cb?tokens=t&a=1", nil, "/cb?tokens=t&a=1", http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.target, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			tt.src.Remove(r)
			if got := r.URL.RequestURI(); got != tt.wantURI {
				t.Errorf("URL %q, want %q", got, tt.wantURI)
			}
			if r.RequestURI != tt.wantURI {
				t.Errorf("RequestURI %q, want %q", r.RequestURI, tt.wantURI)
			}
			if len(r.Header) != len(tt.wantHeader) {
				t.Errorf("header %v, want %v", r.Header, tt.wantHeader)
			}
			for k, v := range tt.wantHeader {
				if strings.Join(r.Header[k], ",") != strings.Join(v, ",") {
					t.Errorf("header %v, want %v", r.Header, tt.wantHeader)
				}
			}
		})
	}
}
