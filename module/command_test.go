package webhookverify_test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/tokenio"
)

// runWebhook runs `caddy webhook <args>` as registered, with stdin, and
// returns what it printed.
func runWebhook(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	c, ok := caddycmd.Commands()["webhook"]
	if !ok {
		t.Fatal("command webhook is not registered")
	}
	root := &cobra.Command{Use: "webhook", SilenceUsage: true, SilenceErrors: true}
	c.CobraFunc(root)
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetIn(strings.NewReader(stdin))
	err := root.Execute()
	return out.String(), err
}

func signHMACHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// parseRaw reads the printed raw request back with net/http.
func signParseRaw(t *testing.T, out string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(out)))
	if err != nil {
		t.Fatalf("output is not an HTTP request: %v\n%s", err, out)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func signProvision(t *testing.T, m caddy.Provisioner) {
	t.Helper()
	if err := m.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
}

func TestSignHMACRaw(t *testing.T) {
	body := `{"id":"evt_1","status":"paid"}`
	out, err := runWebhook(t, "", "sign", "hmac", "--secret", "s3cr3t", "--set", "header X-Signature", "--data", body)
	if err != nil {
		t.Fatal(err)
	}
	want := "POST / HTTP/1.1\r\n" +
		"Host: 127.0.0.1:8080\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Signature: " + signHMACHex("s3cr3t", body) + "\r\n" +
		"\r\n" + body
	if out != want {
		t.Fatalf("output:\n%q\nwant:\n%q", out, want)
	}
	r, got := signParseRaw(t, out)
	v := &generic.HMAC{Secrets: webhookverify.Secrets{"s3cr3t"}, Header: "X-Signature"}
	signProvision(t, v)
	if _, err := v.Verify(r, got, time.Now()); err != nil {
		t.Fatalf("printed request does not verify: %v", err)
	}
}

func TestSignHMACTimestampEnvSecret(t *testing.T) {
	t.Setenv("CWV_SIGN_TEST_SECRET", "env-secret-value")
	body := "amount=10&currency=EUR"
	out, err := runWebhook(t, "", "sign", "hmac",
		"--secret", "{env.CWV_SIGN_TEST_SECRET}", "--secret", "old-secret",
		"--set", "header X-Sig", "--set", "encoding base64", "--set", "prefix v1=",
		"--set", "timestamp_header X-Timestamp",
		"--header", "X-Trace: abc", "--time", "1700000000",
		"--url", "https://example.com/hooks/pay?x=1", "--data", body)
	if err != nil {
		t.Fatal(err)
	}
	r, got := signParseRaw(t, out)
	if r.Host != "example.com" || r.RequestURI != "/hooks/pay?x=1" || r.Header.Get("X-Trace") != "abc" {
		t.Fatalf("request = %s %s %v", r.Host, r.RequestURI, r.Header)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	m := hmac.New(sha256.New, []byte("env-secret-value"))
	m.Write([]byte("1700000000." + body))
	if want := "v1=" + base64.StdEncoding.EncodeToString(m.Sum(nil)); r.Header.Get("X-Sig") != want {
		t.Fatalf("X-Sig = %q, want %q", r.Header.Get("X-Sig"), want)
	}
	v := &generic.HMAC{Secrets: webhookverify.Secrets{"env-secret-value"}, Header: "X-Sig", Encoding: "base64", Prefix: "v1=", TimestampHeader: "X-Timestamp"}
	signProvision(t, v)
	if _, err := v.Verify(r, got, time.Unix(1700000060, 0)); err != nil {
		t.Fatalf("printed request does not verify: %v", err)
	}
}

func TestSignTokenQuery(t *testing.T) {
	out, err := runWebhook(t, "", "sign", "token", "--secret", "tok en", "--set", "query token",
		"--method", "GET", "--url", "http://127.0.0.1:8080/callback?b=2")
	if err != nil {
		t.Fatal(err)
	}
	want := "GET /callback?b=2&token=tok+en HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
	if out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	r, body := signParseRaw(t, out)
	// A GET callback: the token verifier accepts only POST unless told.
	v := &generic.Token{Secrets: webhookverify.Secrets{"tok en"}, Query: "token", Methods: []string{http.MethodGet}}
	signProvision(t, v)
	if _, err := v.Verify(r, body, time.Now()); err != nil {
		t.Fatalf("printed request does not verify: %v", err)
	}
}

func TestSignBodyFromFileAndStdin(t *testing.T) {
	body := "{\"line\":1}\n{\"line\":2}\n"
	path := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"file":  {"--body", path},
		"stdin": {"--body", "-"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := runWebhook(t, body, append([]string{"sign", "hmac", "--secret", "k", "--set", "header X-Sig"}, args...)...)
			if err != nil {
				t.Fatal(err)
			}
			r, got := signParseRaw(t, out)
			if string(got) != body || r.Header.Get("X-Sig") != signHMACHex("k", body) {
				t.Fatalf("body %q, X-Sig %q", got, r.Header.Get("X-Sig"))
			}
		})
	}
}

func TestSignStripe(t *testing.T) {
	body := `{"id":"evt_1","type":"payment_intent.succeeded"}`
	out, err := runWebhook(t, "", "sign", "stripe", "--secret", "whsec_demo", "--time", "1700000000", "--data", body)
	if err != nil {
		t.Fatal(err)
	}
	r, got := signParseRaw(t, out)
	if want := "t=1700000000,v1=" + signHMACHex("whsec_demo", "1700000000."+body); r.Header.Get("Stripe-Signature") != want {
		t.Fatalf("Stripe-Signature = %q, want %q", r.Header.Get("Stripe-Signature"), want)
	}
	info, err := caddy.GetModule(webhookverify.VerifierNamespace + ".stripe")
	if err != nil {
		t.Fatal(err)
	}
	m := info.New()
	if err := json.Unmarshal([]byte(`{"secrets":["whsec_demo"]}`), m); err != nil {
		t.Fatal(err)
	}
	signProvision(t, m.(caddy.Provisioner))
	if _, err := m.(webhookverify.Verifier).Verify(r, got, time.Unix(1700000100, 0)); err != nil {
		t.Fatal(err)
	}
}

func TestSignCurl(t *testing.T) {
	body := `{"name":"O'Brien","note":"a \"quoted\" $HOME & more"}`
	out, err := runWebhook(t, "", "sign", "token", "--secret", "t0k'en", "--set", "header X-Token",
		"--url", "http://127.0.0.1:8080/hook?a=1&b=2", "--data", body, "--curl")
	if err != nil {
		t.Fatal(err)
	}
	want := `curl -sS -i -X POST -H 'Content-Type: application/json' -H 'X-Token: t0k'\''en' ` +
		`--data-binary '{"name":"O'\''Brien","note":"a \"quoted\" $HOME & more"}' 'http://127.0.0.1:8080/hook?a=1&b=2'` + "\n"
	if out != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out, want)
	}

	// A POSIX shell splits it back into the intended arguments.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to check the quoting with")
	}
	script := `curl() { for a in "$@"; do printf '%s\0' "$a"; done; }; ` + out
	got, err := exec.Command(sh, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00")
	wantArgs := []string{"-sS", "-i", "-X", "POST", "-H", "Content-Type: application/json", "-H", "X-Token: t0k'en",
		"--data-binary", body, "http://127.0.0.1:8080/hook?a=1&b=2"}
	if strings.Join(args, "\n") != strings.Join(wantArgs, "\n") {
		t.Fatalf("shell words:\n%q\nwant:\n%q", args, wantArgs)
	}
}

func TestSignSecretQuoting(t *testing.T) {
	for _, secret := range []string{"with space", "back`tick and space", `back\slash`, `"dq"`, "{not a placeholder"} {
		out, err := runWebhook(t, "", "sign", "token", "--secret", secret, "--set", "header X-Token")
		if err != nil {
			t.Fatalf("secret %q: %v", secret, err)
		}
		r, _ := signParseRaw(t, out)
		if got := r.Header.Get("X-Token"); got != secret {
			t.Fatalf("secret %q came out as %q", secret, got)
		}
	}
}

func TestSignErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "unknown provider", args: []string{"sign", "nosuch", "--secret", "k"}, want: []string{`unknown provider "nosuch"`, "hmac", "token"}},
		{name: "bad provider name", args: []string{"sign", "Bad/Name"}, want: []string{"unknown provider", "available: "}},
		{name: "no provider", args: []string{"sign"}, want: []string{"accepts 1 arg"}},
		{name: "missing secret", args: []string{"sign", "hmac", "--set", "header X-Sig"}, want: []string{"hmac needs a secret"}},
		{name: "bad set", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X-Sig", "--set", "colour blue"}, want: []string{`unrecognized subdirective "colour"`, `--set "colour blue"`}},
		{name: "bad set value", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X-Sig", "--set", "algorithm md5"}, want: []string{"unknown algorithm", `--set "algorithm md5"`}},
		{name: "unset env secret", args: []string{"sign", "hmac", "--secret", "{env.CWV_SIGN_TEST_UNSET}", "--set", "header X"}, want: []string{"secret #1", "{env.CWV_SIGN_TEST_UNSET}"}},
		{name: "adapt-time secret", args: []string{"sign", "hmac", "--secret", "{$X}", "--set", "header X"}, want: []string{"secret #1", "{$X}"}},
		{name: "unquotable secret", args: []string{"sign", "hmac", "--secret", "a`b\"c", "--set", "header X"}, want: []string{"--secret #1", "{file."}},
		{name: "empty secret", args: []string{"sign", "hmac", "--secret", "", "--set", "header X"}, want: []string{"--secret #1", "empty"}},
		{name: "body and data", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--body", "x", "--data", "y"}, want: []string{"either --body or --data"}},
		{name: "missing body file", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--body", "/nonexistent/body.json"}, want: []string{"reading the body"}},
		{name: "bad url", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--url", "ftp://x/"}, want: []string{"not an http(s) URL"}},
		{name: "bad header", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--header", "NoColon"}, want: []string{`--header "NoColon"`}},
		{name: "bad time", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--time", "-3"}, want: []string{"--time -3"}},
		{name: "binary body with --curl", args: []string{"sign", "hmac", "--secret", "k", "--set", "header X", "--data", "\xff\xfe", "--curl"}, want: []string{"not UTF-8", "without --curl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runWebhook(t, "", tc.args...)
			if err == nil {
				t.Fatalf("no error; output %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
			if out != "" {
				t.Fatalf("printed %q despite the error", out)
			}
		})
	}
}

func TestSignBinaryBodyRaw(t *testing.T) {
	body := "\xff\x00\x01"
	out, err := runWebhook(t, "", "sign", "hmac", "--secret", "k", "--set", "header X-Sig", "--data", body)
	if err != nil {
		t.Fatal(err)
	}
	r, got := signParseRaw(t, out)
	if string(got) != body || r.Header.Get("Content-Type") != "application/octet-stream" || r.Header.Get("X-Sig") != signHMACHex("k", body) {
		t.Fatalf("request %v body %q", r.Header, got)
	}
}

// verifyOut runs `caddy webhook verify` on a raw request.
func verifyOut(t *testing.T, request string, args ...string) (string, error) {
	t.Helper()
	return runWebhook(t, request, append([]string{"verify"}, args...)...)
}

func TestVerifyCommand(t *testing.T) {
	hmacArgs := []string{"--set", "header X-Signature", "--set", "prefix sha256=", "--set", "event_id_path id"}
	body := `{"id":"evt_9","amount":"1.00"}`
	signed, err := runWebhook(t, "", append([]string{"sign", "hmac", "--secret", "s3cret-value", "--data", body}, hmacArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	lf := strings.ReplaceAll(signed, "\r\n", "\n")
	tests := []struct {
		name, request string
		secrets       []string
		wantErr       bool
		want          []string
	}{
		{"signed", signed, []string{"s3cret-value"}, false, []string{"verified: yes", "event id: evt_9"}},
		{"LF line endings", lf, []string{"s3cret-value"}, false, []string{"verified: yes"}},
		{"rotation: second secret", signed, []string{"other-value", "s3cret-value"}, false, []string{"verified: yes", "secret: #2 matched"}},
		{"trailing newline from the capture", signed + "\n", []string{"s3cret-value"}, true,
			[]string{"verified: no", "reason: invalid_signature (HTTP 401)", "without its trailing line break"}},
		{"re-indented JSON", strings.Replace(signed, body, "{\n  \"id\": \"evt_9\",\n  \"amount\": \"1.00\"\n}", 1), []string{"s3cret-value"}, true,
			[]string{"as compact JSON"}},
		{"wrong secret", signed, []string{"wrong-value"}, true, []string{"reason: invalid_signature", "no variant of the body verifies"}},
		{"missing signature", strings.Replace(signed, "X-Signature:", "X-Other:", 1), []string{"s3cret-value"}, true,
			[]string{"reason: missing_signature (HTTP 401)", "detail: missing_signature: header X-Signature"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"hmac"}
			for _, s := range tt.secrets {
				args = append(args, "--secret", s)
			}
			out, err := verifyOut(t, tt.request, append(args, hmacArgs...)...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, s := range tt.secrets {
				if strings.Contains(out, s) {
					t.Errorf("the output shows a secret:\n%s", out)
				}
			}
		})
	}
}

func TestVerifyCommandConfigRoute(t *testing.T) {
	t.Setenv("VERIFY_TEST_SECRET", "route-secret")
	dir := t.TempDir()
	file := dir + "/Caddyfile"
	config := `http://hooks.example.com {
	handle /pay/* {
		webhook_verify hmac {
			secret {env.VERIFY_TEST_SECRET}
			header X-Signature
		}
		respond "ok"
	}
	handle /other {
		webhook_verify token {
			secret x
			header X-Token
		}
		respond "ok"
	}
}`
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	signed, err := runWebhook(t, "", "sign", "hmac", "--secret", "route-secret", "--set", "header X-Signature",
		"--url", "http://hooks.example.com/pay/stripe", "--data", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verifyOut(t, signed, "--config", file); err != nil || !strings.Contains(out, "verified: yes") {
		t.Fatalf("the request line's URL reaches the hmac route: %v\n%s", err, out)
	}
	if out, err := verifyOut(t, signed, "--config", file, "--url", "http://hooks.example.com/other"); err == nil || !strings.Contains(out, "missing_token") {
		t.Fatalf("--url /other reaches the token route: %v\n%s", err, out)
	}
	if _, err := verifyOut(t, signed, "--config", file, "--url", "http://elsewhere.example.com/pay/x"); err == nil || !strings.Contains(err.Error(), "no webhook_verify handler") {
		t.Fatalf("another host reaches no route: %v", err)
	}
	if _, err := verifyOut(t, signed); err == nil || !strings.Contains(err.Error(), "name a provider") {
		t.Fatalf("neither provider nor config: %v", err)
	}
}

// A shape-checked callback is not called verified.
func TestVerifyCommandUnsigned(t *testing.T) {
	out, err := verifyOut(t, "GET /cb?request-id=rq:1&request_id=rq:1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "tokenio")
	if err != nil || !strings.HasPrefix(out, "verified: unsigned") {
		t.Fatalf("%v\n%s", err, out)
	}
}
