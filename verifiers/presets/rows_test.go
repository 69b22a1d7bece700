package presets_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
)

// rowBody is a JSON webhook every row's event hook accepts.
const rowBody = `{"id":"evt_1","event":"charge.success","type":"payment","data":{"id":42,"status":"success","amount":"10.00","currency":"NGN","reference":"order-1"}}`

// rowBlock is the Caddyfile block of a row with the given secrets (as
// whsec_ keys for rows that take them) and every value it needs.
func rowBlock(row *presets.Row, secrets ...string) string {
	var b strings.Builder
	b.WriteString(row.Name + " {\n")
	if row.Scheme.KeyType != "" { // a key pair stands for each secret
		for _, s := range secrets {
			b.WriteString(" public_key " + publicKeyFor(row.Scheme.KeyType, s) + "\n")
		}
		b.WriteString(" private_key " + privateKeyFor(row.Scheme.KeyType, secrets[0]) + "\n")
		secrets = nil
	}
	for _, s := range secrets {
		if row.Scheme.KeyEncoding == "whsec" {
			s = "whsec_" + base64.StdEncoding.EncodeToString([]byte(s))
		}
		if row.Token != nil && row.Token.Basic {
			s = "hook-user:" + s
		}
		b.WriteString(" secret " + s + "\n")
	}
	for _, v := range row.Values {
		b.WriteString(" " + v + " https://example.com/hooks\n")
	}
	b.WriteString("}")
	return b.String()
}

// signed returns a request for body signed by v at now.
func signed(t *testing.T, v webhookverify.Verifier, body string, now time.Time) *http.Request {
	t.Helper()
	r := verifiertest.Case{Body: body}.Request()
	r.Header.Set("Content-Type", "application/json")
	out, err := v.(webhookverify.Signer).Sign(r, []byte(body), now)
	if err != nil || string(out) != body {
		t.Fatalf("sign: %v", err)
	}
	return r
}

// credential returns where the row's credential is (a header or a query
// parameter) and a function that sets it to values (none: removes it).
func credential(row *presets.Row) (string, func(r *http.Request, values ...string)) {
	name := row.Scheme.Header
	if row.SignAlternate {
		name = row.Alternate.Header // what Sign wrote
	}
	if row.Token != nil && len(row.Token.Headers) > 0 {
		name = row.Token.Headers[0]
	}
	if row.Token != nil && len(row.Token.Headers) == 0 {
		return row.Token.Query, func(r *http.Request, values ...string) {
			q := r.URL.Query()
			q[row.Token.Query] = values
			r.URL.RawQuery = q.Encode()
		}
	}
	return name, func(r *http.Request, values ...string) {
		r.Header.Del(name)
		for _, v := range values {
			r.Header.Add(name, v)
		}
	}
}

// Every row passes the hostile basics: what it signs verifies; a rotated
// secret verifies; a wrong secret, a tampered body, a missing, empty or
// undecodable signature, another method and (where a time is signed) an
// old or future timestamp are refused with the right reason; and no error
// shows the secret. A token row is held to what applies to a credential
// that covers no body: a wrong, missing, empty or repeated token is
// refused, and any body passes with the right one.
func TestEveryRow(t *testing.T) {
	for _, row := range presets.Table {
		t.Run(row.Name, func(t *testing.T) {
			const secret, other = "row-secret-0123456789abcdef", "other-secret-0123456789abcdef"
			v := verifiertest.Load(t, rowBlock(row, secret))
			now := verifiertest.Now
			check := func(name string, r *http.Request, body string, at time.Time, want error) {
				t.Helper()
				_, err := v.Verify(r, []byte(body), at)
				if want == nil && err != nil || want != nil && !errors.Is(err, want) {
					t.Errorf("%s: err = %v, want %v", name, err, want)
				}
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("%s: the error shows the secret", name)
				}
			}
			check("signed", signed(t, v, rowBody, now), rowBody, now, nil)

			rotated := verifiertest.Load(t, rowBlock(row, other, secret))
			if _, err := rotated.Verify(signed(t, v, rowBody, now), []byte(rowBody), now); err != nil {
				t.Errorf("rotated secrets: %v", err)
			}
			invalid, missing := webhookverify.ErrInvalidSignature, webhookverify.ErrMissingSignature
			if row.Token != nil {
				invalid, missing = webhookverify.ErrInvalidToken, webhookverify.ErrMissingToken
			}
			wrong := verifiertest.Load(t, rowBlock(row, other))
			check("wrong secret", signed(t, wrong, rowBody, now), rowBody, now, invalid)
			tampered := strings.Replace(rowBody, "10.00", "99.00", 1)
			if v.(webhookverify.Coverer).Covers().Body {
				check("tampered body", signed(t, v, rowBody, now), tampered, now, invalid)
			} else {
				check("another body, the token covers none", signed(t, v, rowBody, now), tampered, now, nil)
			}

			name, set := credential(row)
			r := signed(t, v, rowBody, now)
			sent := r.Header.Get(name)
			if row.Token != nil && len(row.Token.Headers) == 0 {
				sent = r.URL.Query().Get(name)
			}
			set(r)
			check("missing credential", r, rowBody, now, missing)
			set(r, "  ")
			check("empty credential", r, rowBody, now, missing)
			if row.Token == nil {
				bad := "%%%"
				if row.Scheme.SkipBadSignatures && row.Scheme.SignatureFormat == "" {
					bad = row.Scheme.Prefix + bad // an entry of the kind checked, undecodable
				}
				set(r, bad)
				check("undecodable signature", r, rowBody, now, webhookverify.ErrMalformedSignature)
			} else {
				set(r, sent, sent)
				check("repeated token", r, rowBody, now, webhookverify.ErrInvalidToken)
				set(r, sent)
				check("the token set back", r, rowBody, now, nil)
			}

			if len(row.Scheme.Methods) > 0 {
				r := signed(t, v, rowBody, now)
				r.Method = http.MethodPut
				check("PUT", r, rowBody, now, webhookverify.ErrMethodNotAllowed)
			}
			if tol := time.Duration(row.Scheme.Tolerance); tol > 0 {
				check("too old", signed(t, v, rowBody, now.Add(-tol-time.Minute)), rowBody, now, webhookverify.ErrTimestampOutOfTolerance)
				check("from the future", signed(t, v, rowBody, now.Add(tol+time.Minute)), rowBody, now, webhookverify.ErrTimestampOutOfTolerance)
				check("just in time", signed(t, v, rowBody, now.Add(-tol+time.Second)), rowBody, now, nil)
			}
			credLine, wantMissing := " secret s", "secret {env."+row.SecretEnv+"}"
			if row.Scheme.KeyType != "" {
				credLine, wantMissing = " public_key "+publicKeyFor(row.Scheme.KeyType, secret), "public_key "
				if _, err := verifiertest.TryLoad(row.Name + " {\n secret s\n}"); err == nil || !strings.Contains(err.Error(), "shares no secret: use 'public_key") {
					t.Errorf("a secret for a provider that signs with a private key: %v", err)
				}
			}
			if _, err := verifiertest.TryLoad(row.Name + " {\n}"); err == nil || !strings.Contains(err.Error(), wantMissing) {
				t.Errorf("a block without secret: %v", err)
			}
			if _, err := verifiertest.TryLoad(row.Name + " {\n" + credLine + "\n colour blue\n}"); err == nil || !strings.Contains(err.Error(), `unrecognized subdirective "colour"`) {
				t.Errorf("an unknown subdirective: %v", err)
			}
			if _, err := verifiertest.TryLoad(row.Name + " extra {\n" + credLine + "\n}"); err == nil || !strings.Contains(err.Error(), "wrong argument count") {
				t.Errorf("an argument after the provider: %v", err)
			}
			if _, err := verifiertest.TryLoad(row.Name + " {\n" + credLine + "\n status_path s\n status_map x great\n}"); err == nil || !strings.Contains(err.Error(), "great") {
				t.Errorf("a bad status_map value: %v", err)
			}
		})
	}
}

// FuzzEveryRow: for every row, what Sign signs verifies and any one-bit
// change of the body is refused (passes, for a token row: it covers no
// body).
func FuzzEveryRow(f *testing.F) {
	var verifiers []webhookverify.Verifier
	for _, row := range presets.Table {
		verifiers = append(verifiers, verifiertest.Load(f, rowBlock(row, "fuzz-secret")))
	}
	verifiertest.FuzzSigned(f, verifiers, rowBody, "", "payload=%7B%7D", `{"action":"opened"}`)
}

// testKeys holds one key pair per key type and secret, so that a secret
// names the same key pair throughout a test run.
var testKeys sync.Map

// keyFor returns the key pair of type kt that stands for secret.
func keyFor(kt webhookverify.KeyType, secret string) crypto.Signer {
	id := string(kt) + "/" + secret
	if k, ok := testKeys.Load(id); ok {
		return k.(crypto.Signer)
	}
	var k crypto.Signer
	var err error
	switch kt {
	case webhookverify.KeyEd25519:
		seed := sha256.Sum256([]byte(secret))
		k = ed25519.NewKeyFromSeed(seed[:])
	case webhookverify.KeyECDSA:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		panic(err)
	}
	stored, _ := testKeys.LoadOrStore(id, k)
	return stored.(crypto.Signer)
}

// publicKeyFor is the base64 DER public key standing for secret.
func publicKeyFor(kt webhookverify.KeyType, secret string) string {
	der, err := x509.MarshalPKIXPublicKey(keyFor(kt, secret).Public())
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// privateKeyFor is the base64 PKCS #8 private key standing for secret.
func privateKeyFor(kt webhookverify.KeyType, secret string) string {
	der, err := x509.MarshalPKCS8PrivateKey(keyFor(kt, secret))
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}
