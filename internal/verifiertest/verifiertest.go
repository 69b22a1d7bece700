// Package verifiertest is the test kit every verifier shares: it builds a
// verifier from Caddyfile text the way Caddy does (Caddyfile → JSON →
// Provision), runs a table of requests against it, checks that no error
// ever shows a secret, and fuzzes sign → verify → flip one byte.
package verifiertest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Load builds the verifier of a provider block, e.g.
// "github {\n secret s3cret\n}": parsed by the provider's Caddyfile
// parser, written to JSON and read back as Caddy does, then provisioned.
func Load(t testing.TB, block string) webhookverify.Verifier {
	t.Helper()
	v, err := TryLoad(block)
	if err != nil {
		t.Fatalf("loading %q: %v", block, err)
	}
	return v
}

// TryLoad is Load returning the error, for configurations that must fail.
func TryLoad(block string) (webhookverify.Verifier, error) {
	name, _, _ := strings.Cut(strings.TrimSpace(block), " ")
	name, _, _ = strings.Cut(name, "\n")
	info, err := caddy.GetModule(webhookverify.VerifierNamespace + "." + name)
	if err != nil {
		return nil, err
	}
	mod := info.New()
	if u, ok := mod.(caddyfile.Unmarshaler); ok {
		if err := u.UnmarshalCaddyfile(caddyfile.NewTestDispenser(block)); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(mod)
	if err != nil {
		return nil, err
	}
	return TryLoadJSON(name, string(raw))
}

// TryLoadJSON loads provider name's verifier from its JSON configuration
// (e.g. `{"secrets":["s3cret"]}`) and provisions it, as Caddy does.
func TryLoadJSON(name, raw string) (webhookverify.Verifier, error) {
	info, err := caddy.GetModule(webhookverify.VerifierNamespace + "." + name)
	if err != nil {
		return nil, err
	}
	mod := info.New()
	if err := json.Unmarshal([]byte(raw), mod); err != nil {
		return nil, err
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if p, ok := mod.(caddy.Provisioner); ok {
		if err := p.Provision(ctx); err != nil {
			return nil, err
		}
	}
	v, ok := mod.(webhookverify.Verifier)
	if !ok {
		return nil, errors.New("not a verifier")
	}
	return v, nil
}

// Case is one request and what the verifier must answer.
type Case struct {
	Name   string
	Method string      // default POST
	Target string      // default /hooks
	Header [][2]string // in order; a name may repeat
	Body   string
	Now    time.Time // default Now
	// Err is the failure wanted (errors.Is); nil means the request passes.
	Err error
	// Event, when set, is the event wanted, field by field.
	Event *webhookverify.Event
}

// Now is the default time of a Case.
var Now = time.Unix(1700000000, 0)

// Request builds the request of a case.
func (c Case) Request() *http.Request {
	method, target := c.Method, c.Target
	if method == "" {
		method = http.MethodPost
	}
	if target == "" {
		target = "/hooks"
	}
	r := httptest.NewRequest(method, target, strings.NewReader(c.Body))
	for _, h := range c.Header {
		r.Header.Add(h[0], h[1])
	}
	return r
}

// Run checks each case against v.
func Run(t *testing.T, v webhookverify.Verifier, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			now := c.Now
			if now.IsZero() {
				now = Now
			}
			ev, err := v.Verify(c.Request(), []byte(c.Body), now)
			ev.BodyMAC = "" // not an event fact: see Event.BodyMAC
			switch {
			case c.Err == nil && err != nil:
				t.Fatalf("rejected: %v", err)
			case c.Err != nil && !errors.Is(err, c.Err):
				t.Fatalf("err = %v, want %v", err, c.Err)
			case c.Event != nil && ev != *c.Event:
				t.Fatalf("event\n got %+v\nwant %+v", ev, *c.Event)
			}
		})
	}
}

// SecretsStayHidden loads block (which must configure secret) and checks
// that no rejection of the cases, nor any Caddyfile or load error of the
// bad blocks, contains the secret.
func SecretsStayHidden(t *testing.T, secret, block string, cases []Case, badBlocks ...string) {
	t.Helper()
	v := Load(t, block)
	for _, c := range cases {
		if _, err := v.Verify(c.Request(), []byte(c.Body), Now); err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the secret: %v", c.Name, err)
		}
	}
	for _, b := range badBlocks {
		if _, err := TryLoad(b); err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("loading %q: the error shows the secret: %v", b, err)
		}
	}
}

// FuzzSigned checks, for any body and any of verifiers, that what the
// verifier's Signer signs verifies (or is refused only as a malformed body:
// some providers accept JSON only), and that flipping any one bit of the
// body makes it fail with ErrInvalidSignature; or, for a verifier whose
// Covers says the body is not covered (a shared token), that the changed
// body passes as well.
func FuzzSigned(f *testing.F, verifiers []webhookverify.Verifier, seeds ...string) {
	for i, s := range seeds {
		f.Add([]byte(s), uint16(i*7), uint8(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, flip uint16, which uint8) {
		v := verifiers[int(which)%len(verifiers)]
		r := Case{}.Request()
		signed, err := v.(webhookverify.Signer).Sign(r, body, Now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, signed, Now); err != nil && !errors.Is(err, webhookverify.ErrMalformedBody) {
			t.Fatalf("signed body rejected: %v", err)
		}
		if len(signed) == 0 {
			return
		}
		tampered := append([]byte(nil), signed...)
		tampered[int(flip)%len(tampered)] ^= 1 << (flip % 8)
		if c, ok := v.(webhookverify.Coverer); ok && !c.Covers().Body {
			v.Verify(r, tampered, Now) // a credential that covers no body (a token) says nothing of it
			return
		}
		if _, err := v.Verify(r, tampered, Now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
			t.Fatalf("tampered body: err = %v, want invalid signature", err)
		}
	})
}
