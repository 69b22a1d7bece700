package integration

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var envPlaceholder = regexp.MustCompile(`\{env\.([A-Za-z0-9_]+)\}`)

// exampleEnv gives every {env.X} in a Caddyfile a value: a public key for
// names ending in PUBLIC_KEY, user:password for names ending in _AUTH
// (HTTP basic credentials), hex for names holding HMAC_KEY, a test secret
// otherwise.
func exampleEnv(config []byte) []string {
	pub, _, _ := ed25519.GenerateKey(nil)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	var env []string
	for _, m := range envPlaceholder.FindAllSubmatch(config, -1) {
		name := string(m[1])
		// whsec_<base64> is what Standard Webhooks needs; any other
		// verifier takes it as an opaque secret.
		value := "whsec_" + base64.StdEncoding.EncodeToString([]byte("test-secret-for-"+name))
		switch {
		case strings.HasSuffix(name, "PUBLIC_KEY"):
			value = base64.RawURLEncoding.EncodeToString(pub)
		case strings.HasSuffix(name, "VERIFICATION_KEY"): // SendGrid's: ECDSA P-256, base64 DER
			value = base64.StdEncoding.EncodeToString(ecDER)
		case strings.HasSuffix(name, "_AUTH"):
			value = "webhook-user:test-password-for-" + name
		case strings.Contains(name, "HMAC_KEY"): // hex, as Adyen shows its keys
			value = fmt.Sprintf("%x", "test-hmac-key-for-"+name)
		}
		env = append(env, name+"="+value)
	}
	return env
}

// adaptValidate runs `caddy adapt --validate` on a Caddyfile.
func adaptValidate(t *testing.T, file string, env []string) (string, error) {
	t.Helper()
	cmd := exec.Command(caddyBin, "adapt", "--validate", "--adapter", "caddyfile", "--config", file)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCaddyfileExamplesAdaptAndValidate(t *testing.T) {
	files, err := filepath.Glob("../caddyfile-examples/*.Caddyfile")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			config, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := adaptValidate(t, file, exampleEnv(config))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, kv := range exampleEnv(config) {
				if value := kv[strings.IndexByte(kv, '=')+1:]; strings.Contains(out, value) {
					t.Errorf("a resolved secret appears in the adapted JSON")
				}
			}
		})
	}
}

func TestBadConfigsAreRejectedWithTheFix(t *testing.T) {
	tests := []struct {
		name, block string
		env         []string
		want        []string
	}{
		{"unknown subdirective", "webhook_verify hmac {\n secret {env.S}\n header X\n colour blue\n}", nil,
			[]string{`unrecognized subdirective \"colour\"`, "Caddyfile:8"}},
		{"missing secret", "webhook_verify hmac {\n header X\n}", nil,
			[]string{"secret {env.WEBHOOK_SECRET}", "Caddyfile:7"}},
		{"unset env secret", "webhook_verify hmac {\n secret {env.NOT_SET_ANYWHERE}\n header X\n}", nil,
			[]string{"provision http.handlers.webhook_verify: loading module 'hmac': provision http.webhook_verify.verifiers.hmac: hmac: export NOT_SET_ANYWHERE: secret #1 is {env.NOT_SET_ANYWHERE}, which is unset or empty"}},
		{"missing secret file", "webhook_verify hmac {\n secret {file./nonexistent/webhook-secret}\n header X\n}", nil,
			[]string{"hmac: put the secret in /nonexistent/webhook-secret: secret #1 is {file./nonexistent/webhook-secret}, which is missing"}},
		{"empty secret", "webhook_verify hmac {\n secret \"\"\n header X\n}", nil,
			[]string{"secret is empty", "Caddyfile:6"}},
		{"bad CIDR", "webhook_verify hmac {\n secret {env.S}\n header X\n allow_ips 10.0.0.0/33\n}", nil,
			[]string{"allow_ips", "10.0.0.0/33", "CIDR", "Caddyfile:8"}},
		{"unknown provider", "webhook_verify paypol {\n secret {env.S}\n}", nil,
			[]string{`unknown provider \"paypol\"`, "available:", "hmac", "token"}},
		{"no provider", "webhook_verify", nil, []string{"needs a provider"}},
		{"bad algorithm", "webhook_verify hmac {\n secret {env.S}\n header X\n algorithm md5\n}", nil,
			[]string{"sha1, sha256, sha512 or sha3-512"}},
		{"bad enforce", "webhook_verify hmac {\n secret {env.S}\n header X\n enforce maybe\n}", nil,
			[]string{"use on or off"}},
		{"bad max_body", "webhook_verify hmac {\n secret {env.S}\n header X\n max_body lots\n}", nil,
			[]string{"max_body", "1MiB"}},
		{"bad envelope", "webhook_verify hmac {\n secret {env.S}\n header X\n envelope xml\n}", nil,
			[]string{"binary, structured or off"}},
		{"token without header", "webhook_verify token {\n secret {env.S}\n}", nil,
			[]string{"header <name>", "query <param>"}},
		{"dedup window shorter than tolerance", "webhook_verify stripe {\n secret {env.S}\n tolerance 10m\n dedup {\n  window 5m\n }\n}", nil,
			[]string{"window 5m0s is shorter than stripe's timestamp tolerance 10m0s", "set window to at least 10m0s"}},
		{"dedup redis address without port", "webhook_verify hmac {\n secret {env.S}\n header X\n dedup {\n  store redis {\n   address localhost\n  }\n }\n}", nil,
			[]string{`redis address \"localhost\" has no port`, "host:port", "127.0.0.1:6379", "Caddyfile:10"}},
		{"dedup unknown store", "webhook_verify hmac {\n secret {env.S}\n header X\n dedup {\n  store mongo\n }\n}", nil,
			[]string{`unknown dedup store \"mongo\"`, "available: memory, redis", "Caddyfile:9"}},
		{"dedup bad on_store_error", "webhook_verify hmac {\n secret {env.S}\n header X\n dedup {\n  on_store_error maybe\n }\n}", nil,
			[]string{`on_store_error \"maybe\"`, "use open", "or closed", "Caddyfile:9"}},
		{"dedup in_flight too short", "webhook_verify hmac {\n secret {env.S}\n header X\n dedup {\n  in_flight 500ms\n }\n}", nil,
			[]string{"in_flight 500ms is too short", "at least 1s"}},
		{"dedup max_keys with redis", "webhook_verify hmac {\n secret {env.S}\n header X\n dedup {\n  store redis\n  max_keys 10\n }\n}", nil,
			[]string{"max_keys bounds the memory store", "remove max_keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "Caddyfile")
			config := "{\n\tadmin off\n}\nhttp://127.0.0.1:9 {\n" + tt.block + "\nrespond ok\n}\n"
			if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := adaptValidate(t, file, append([]string{"S=set"}, tt.env...))
			if err == nil {
				t.Fatalf("accepted:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("error does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestListModules(t *testing.T) {
	out, err := exec.Command(caddyBin, "list-modules").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"http.handlers.webhook_verify", "http.webhook_verify.verifiers.hmac", "http.webhook_verify.verifiers.token",
		"http.webhook_verify.stores.memory", "http.webhook_verify.stores.redis"} {
		if !strings.Contains(string(out), m+"\n") {
			t.Errorf("list-modules lacks %s", m)
		}
	}
}

// The Dockerfile builds the Caddy version the module is built and tested
// with (go.mod, the Makefile's xcaddy target).
func TestDockerfileCaddyVersion(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile("../" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	docker := regexp.MustCompile(`ARG CADDY_VERSION=(\S+)`).FindStringSubmatch(read("Dockerfile"))
	make := regexp.MustCompile(`CADDY_VERSION := v(\S+)`).FindStringSubmatch(read("Makefile"))
	mod := regexp.MustCompile(`github.com/caddyserver/caddy/v2 v(\S+)`).FindStringSubmatch(read("go.mod"))
	if docker == nil || make == nil || mod == nil || docker[1] != make[1] || docker[1] != mod[1] {
		t.Fatalf("Caddy versions differ: Dockerfile %v, Makefile %v, go.mod %v", docker, make, mod)
	}
}

// Every verifier in the binary has a validated example: some file of
// caddyfile-examples/ uses it.
func TestEveryProviderHasAnExample(t *testing.T) {
	out, err := exec.Command(caddyBin, "list-modules").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../caddyfile-examples/*.Caddyfile")
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	use := regexp.MustCompile(`webhook_verify\s+([a-z0-9_]+)`)
	used := map[string]bool{}
	for _, m := range use.FindAllStringSubmatch(all.String(), -1) {
		used[m[1]] = true
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		name, ok := strings.CutPrefix(strings.TrimSpace(line), "http.webhook_verify.verifiers.")
		if !ok {
			continue
		}
		n++
		if !used[name] {
			t.Errorf("no example in caddyfile-examples/ uses webhook_verify %s", name)
		}
	}
	if n < 63 {
		t.Errorf("%d verifiers in the binary, want at least 63", n)
	}
}
