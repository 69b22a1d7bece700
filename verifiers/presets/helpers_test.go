package presets_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// hmacHex is the hex HMAC-SHA256 of body, computed apart from the code
// under test.
func hmacHex(secret, body string) string {
	return hex.EncodeToString(hmacSum(sha256.New, secret, body))
}

// hmacSum is the HMAC of msg under secret, computed with crypto/hmac apart
// from the code under test.
func hmacSum(h func() hash.Hash, secret, msg string) []byte {
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// block is the Caddyfile block of provider name: one secret line with
// each secret quoted, then the given lines.
func block(name string, secrets []string, lines ...string) string {
	var b strings.Builder
	b.WriteString(name + " {\n")
	if len(secrets) > 0 {
		b.WriteString(" secret")
		for _, s := range secrets {
			fmt.Fprintf(&b, " %q", s)
		}
		b.WriteString("\n")
	}
	for _, l := range lines {
		b.WriteString(" " + l + "\n")
	}
	b.WriteString("}")
	return b.String()
}

// run runs cases against v with verifiertest.Run, then checks what the old
// per-provider tables checked of every refusal: the event is zero, and the
// error shows none of the strings hide gives for the case's body (the
// secrets, and the signatures they would make of it).
func run(t *testing.T, v webhookverify.Verifier, cases []verifiertest.Case, hide func(body string) []string) {
	t.Helper()
	verifiertest.Run(t, v, cases)
	for _, c := range cases {
		if c.Err == nil {
			continue
		}
		now := c.Now
		if now.IsZero() {
			now = verifiertest.Now
		}
		ev, err := v.Verify(c.Request(), []byte(c.Body), now)
		if err == nil {
			continue // Run reported it
		}
		if ev != (webhookverify.Event{}) {
			t.Errorf("%s: event on failure = %+v, want zero", c.Name, ev)
		}
		for _, s := range hide(c.Body) {
			if s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q reveals a secret or an expected signature", c.Name, err)
			}
		}
	}
}

// sign signs body with v as the provider would, on a request with the
// given headers, and checks that the body is unchanged.
func sign(t testing.TB, v webhookverify.Verifier, body string, now time.Time, header ...[2]string) *http.Request {
	t.Helper()
	r := verifiertest.Case{Body: body, Header: header}.Request()
	out, err := v.(webhookverify.Signer).Sign(r, []byte(body), now)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	if string(out) != body {
		t.Fatalf("Sign changed the body")
	}
	return r
}

// caddyfileJSON parses a provider block with the provider's Caddyfile
// parser and returns the module's JSON, as the handler writes it.
func caddyfileJSON(text string) (string, error) {
	name, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	name, _, _ = strings.Cut(name, "\n")
	info, err := caddy.GetModule(webhookverify.VerifierNamespace + "." + name)
	if err != nil {
		return "", err
	}
	mod := info.New()
	if err := mod.(caddyfile.Unmarshaler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(text)); err != nil {
		return "", err
	}
	raw, err := json.Marshal(mod)
	return string(raw), err
}

// provisionJSON provisions provider name from its JSON configuration, as
// Caddy does with a JSON config (no Caddyfile parser in between).
func provisionJSON(name, raw string) (webhookverify.Verifier, error) {
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
	if err := mod.(caddy.Provisioner).Provision(ctx); err != nil {
		return nil, err
	}
	return mod.(webhookverify.Verifier), nil
}

// checkErr fails unless err mentions each of wants ("a|b" = a and b).
func checkErr(t *testing.T, err error, wants string) {
	t.Helper()
	for _, want := range strings.Split(wants, "|") {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want it to mention %q", err, want)
		}
	}
}

// caddyfileCase is one provider block and the JSON it gives, or the
// error it must fail with ("a|b": the error mentions a and b).
type caddyfileCase struct {
	name, input, wantJSON, wantErr string
}

func runCaddyfile(t *testing.T, cases []caddyfileCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := caddyfileJSON(tt.input)
			if tt.wantErr != "" {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.wantJSON {
				t.Errorf("JSON = %s, want %s", got, tt.wantJSON)
			}
		})
	}
}

// handlerVerifierJSON parses a whole webhook_verify directive and returns
// the verifier's JSON, with the handler's own subdirectives taken out.
func handlerVerifierJSON(t *testing.T, text string) (webhookverify.Handler, string) {
	t.Helper()
	var h webhookverify.Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(text)); err != nil {
		t.Fatal(err)
	}
	return h, string(h.VerifierRaw)
}

// benchVerify measures Verify of a request signed by v.
func benchVerify(b *testing.B, v webhookverify.Verifier, body []byte, now time.Time, header ...[2]string) {
	r := sign(b, v, string(body), now, header...)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBareHMAC measures the primitive alone, for comparison: a keyed HMAC
// of prefix and body, and a constant-time compare.
func benchBareHMAC(b *testing.B, h func() hash.Hash, secret string, prefix, body []byte) {
	m := hmac.New(h, []byte(secret))
	m.Write(prefix)
	m.Write(body)
	want := m.Sum(nil)
	sum := make([]byte, 0, m.Size())
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		m.Reset()
		m.Write(prefix)
		m.Write(body)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("mismatch")
		}
	}
}

// body1KiB pads head and tail with a's to a 1 KiB body.
func body1KiB(head, tail string) []byte {
	return []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
}

// withoutMAC is ev without its BodyMAC, which is no event fact.
func withoutMAC(ev webhookverify.Event) webhookverify.Event {
	ev.BodyMAC = ""
	return ev
}
