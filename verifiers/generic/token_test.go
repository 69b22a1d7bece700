package generic

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func provisionedToken(t testing.TB, v Token) *Token {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return &v
}

func TestTokenVerify(t *testing.T) {
	inHeader := Token{Secrets: []string{"tok-new", "tok-old"}, Header: "Verif-Hash"}
	inQuery := Token{Secrets: []string{"tok-new", "tok-old"}, Query: "token"}
	tests := []struct {
		name    string
		config  Token
		target  string
		headers []hdr
		wantErr error
	}{
		{name: "header", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-new"}}},
		{name: "header name in any case", config: inHeader, headers: []hdr{{"verif-hash", "tok-new"}}},
		{name: "rotated: second token", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-old"}}},
		{name: "Bearer prefix", config: inHeader, headers: []hdr{{"Verif-Hash", "Bearer tok-new"}}},
		{name: "bearer prefix, any case", config: inHeader, headers: []hdr{{"Verif-Hash", "bEARER tok-old"}}},
		{name: "wrong", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-guess"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "prefix of the token", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-ne"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "token plus a byte", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-new!"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "other case", config: inHeader, headers: []hdr{{"Verif-Hash", "TOK-NEW"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "both tokens in one value", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-new tok-old"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "missing", config: inHeader, wantErr: webhookverify.ErrMissingToken},
		{name: "empty", config: inHeader, headers: []hdr{{"Verif-Hash", ""}}, wantErr: webhookverify.ErrMissingToken},
		{name: "Bearer alone", config: inHeader, headers: []hdr{{"Verif-Hash", "Bearer  "}}, wantErr: webhookverify.ErrMissingToken},
		{name: "in the query, header configured", config: inHeader, target: "/hooks?Verif-Hash=tok-new", wantErr: webhookverify.ErrMissingToken},
		{name: "repeated header, one right", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-guess"}, {"Verif-Hash", "tok-new"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "repeated header, both right", config: inHeader, headers: []hdr{{"Verif-Hash", "tok-new"}, {"Verif-Hash", "tok-new"}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "surrounding space is not trimmed", config: inHeader, headers: []hdr{{"Verif-Hash", "Bearer tok-new "}}, wantErr: webhookverify.ErrInvalidToken},
		{name: "Bearer without its space", config: inHeader, headers: []hdr{{"Verif-Hash", "Bearer"}}, wantErr: webhookverify.ErrMissingToken},

		{name: "query", config: inQuery, target: "/hooks?token=tok-new"},
		{name: "query, rotated", config: inQuery, target: "/hooks?a=1&token=tok-old"},
		{name: "query, percent-encoded", config: inQuery, target: "/hooks?token=tok%2Dnew"},
		{name: "query, wrong", config: inQuery, target: "/hooks?token=tok-guess", wantErr: webhookverify.ErrInvalidToken},
		{name: "query, missing", config: inQuery, target: "/hooks?other=tok-new", wantErr: webhookverify.ErrMissingToken},
		{name: "query, empty", config: inQuery, target: "/hooks?token=", wantErr: webhookverify.ErrMissingToken},
		{name: "query, only in a header", config: inQuery, headers: []hdr{{"Token", "tok-new"}}, wantErr: webhookverify.ErrMissingToken},
		{name: "query, repeated, one right", config: inQuery, target: "/hooks?token=tok-guess&token=tok-new", wantErr: webhookverify.ErrInvalidToken},
		{name: "query, Bearer is not removed", config: inQuery, target: "/hooks?token=Bearer%20tok-new", wantErr: webhookverify.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := provisionedToken(t, tt.config)
			target := tt.target
			if target == "" {
				target = "/hooks"
			}
			r := httptest.NewRequest(http.MethodPost, target, strings.NewReader("{}"))
			for _, h := range tt.headers {
				r.Header.Add(h.name, h.value)
			}
			_, err := v.Verify(r, []byte("{}"), now)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "tok-") {
				t.Errorf("error %q contains a token", err)
			}
		})
	}
}

func TestTokenSignRoundTrip(t *testing.T) {
	t.Run("header", func(t *testing.T) {
		v := provisionedToken(t, Token{Secrets: []string{"first", "second"}, Header: "X-Token"})
		r := httptest.NewRequest(http.MethodPost, "/hooks", nil)
		body, err := v.Sign(r, []byte("{}"), now)
		if err != nil || string(body) != "{}" {
			t.Fatalf("Sign: %q, %v", body, err)
		}
		if got := r.Header.Get("X-Token"); got != "first" {
			t.Errorf("header %q, want the first token", got)
		}
		if _, err := v.Verify(r, body, now); err != nil {
			t.Error(err)
		}
	})
	t.Run("query keeps other parameters", func(t *testing.T) {
		v := provisionedToken(t, Token{Secrets: []string{"a b&c", "second"}, Query: "key"})
		r := httptest.NewRequest(http.MethodPost, "/hooks?ref=9", nil)
		if _, err := v.Sign(r, nil, now); err != nil {
			t.Fatal(err)
		}
		q := r.URL.Query()
		if q.Get("key") != "a b&c" || q.Get("ref") != "9" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		if _, err := v.Verify(r, nil, now); err != nil {
			t.Error(err)
		}
	})
}

func TestTokenEvent(t *testing.T) {
	v := provisionedToken(t, Token{Secrets: []string{"k"}, Header: "X-Token",
		FieldPaths: webhookverify.FieldPaths{EventID: "id", Status: "status", Amount: "amount"}})
	body := `{"id":"evt_2","status":"failed","amount":12.5}`
	r := httptest.NewRequest(http.MethodPost, "/hooks", nil)
	r.Header.Set("X-Token", "k")
	ev, err := v.Verify(r, []byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (webhookverify.Event{ID: "evt_2", Status: webhookverify.StatusFailed, Amount: "12.5"}); ev != want {
		t.Errorf("event %+v, want %+v", ev, want)
	}
}

func TestTokenProvisionErrors(t *testing.T) {
	os.Unsetenv("WEBHOOK_VERIFY_TEST_UNSET_VAR")
	tests := []struct {
		name   string
		config Token
		want   string
	}{
		{"header and query", Token{Secrets: []string{"k"}, Header: "X-Token", Query: "token"}, "exactly one"},
		{"neither header nor query", Token{Secrets: []string{"k"}}, "exactly one"},
		{"no secret", Token{Header: "X-Token"}, "no secret configured"},
		{"unset env secret", Token{Header: "X-Token", Secrets: []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_VAR}"}}, "secret #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.config
			if err := v.Provision(caddy.Context{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("env secret resolved", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_TOKEN", "from-env")
		v := provisionedToken(t, Token{Header: "X-Token", Secrets: []string{"{env.WEBHOOK_VERIFY_TEST_TOKEN}"}})
		r := httptest.NewRequest(http.MethodPost, "/hooks", nil)
		r.Header.Set("X-Token", "from-env")
		if _, err := v.Verify(r, nil, now); err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Token", "{env.WEBHOOK_VERIFY_TEST_TOKEN}")
		if _, err := v.Verify(r, nil, now); !errors.Is(err, webhookverify.ErrInvalidToken) {
			t.Fatalf("the placeholder text itself: err = %v", err)
		}
	})
}

func TestTokenUnmarshalCaddyfile(t *testing.T) {
	good := []struct{ name, input, want string }{
		{"header", "token {\n secret {env.A} {env.B}\n header verif-hash\n}", `{"secrets":["{env.A}","{env.B}"],"header":"verif-hash"}`},
		{"query", "token {\n query key\n secret {env.A}\n reference_path data.ref\n}", `{"secrets":["{env.A}"],"query":"key","reference_path":"data.ref"}`},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			var v Token
			if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v)
			if string(got) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	bad := []struct {
		name, input, want string
		line              int
	}{
		{"header and query", "token {\n secret {env.A}\n header X-Token\n query key\n}", "exactly one", 5}, // end-of-block checks name the closing brace
		{"neither", "token {\n secret {env.A}\n}", "exactly one", 3},
		{"missing secret", "token {\n header X-Token\n}", "needs a secret", 3},
		{"unknown subdirective", "token {\n secret {env.A}\n header X-Token\n prefix Bearer\n}", `unrecognized subdirective "prefix"`, 4},
		{"header without value", "token {\n secret {env.A}\n header\n}", "header needs a value", 3},
		{"query with two values", "token {\n secret {env.A}\n query a b\n}", "query takes one value", 3},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var v Token
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if at := fmt.Sprintf("Testfile:%d", tt.line); !strings.Contains(err.Error(), at) {
				t.Errorf("error %q does not name the line (%s)", err, at)
			}
		})
	}
}
