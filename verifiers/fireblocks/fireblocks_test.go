package fireblocks_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/fireblocks"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Fireblocks' published v1 vector: fireblocks/ncw-backend-demo @a4752d18,
// src/middleware/webhook.test.ts 3–14, signed by the sandbox key the docs
// listed in 2023 (since replaced there by fireblocks_sandbox).
const (
	fireblocksSignature   = "fsTdduX/3kKL4WdFKrFE20k38EiPja23QhFOZcpVJczvoX//uTOXWEBDALv9tA6nBH7dXWbdaj/Kr2ktp0UyaPCh4JjjfBcYuZSp5t3lZJK8819bUKDUgXWg/So6HO2VUtbN9MFQ6Nkuss22Fsz5VJAPqWWEi9dMoPVgnpJqYIk4f6pAFWt+eBT2P0erndYBoOCx8Ao61SUlqZNXzigmksrJRtlf2pELC7PvPYwd9GBw71NtUfbeJoB0sCP8QXqSuB0cTXd3oHFgn86WMiOfvNcelMC1ZPwG7sSYdKBnTwpXpJ6xsZWUFQM6rPYEU/ZlvTLWYAg6wkbNutpJJkdfNw=="
	fireblocksSandbox2023 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw+fZuC+0vDYTf8fYnCN671iHg98lPHBmafmqZqb+TUexn9sH6qNIBZ5SgYFxFK6dYXIuJ5uoORzihREvZVZP8DphdeKOMUrMr6b+Cchb2qS8qz8WS7xtyLU9GnBn6M5mWfjkjQr1jbilH15ZvcpzECC8aPUAy2EbHpnr10if2IHkIAWLYD+0khpCjpWtsfuX+LxqzlqQVW9xc6z7tshKeCSEa6Oh8+ia7Zlu0b+2xmy2Arb6xGl+s+Rnof4lsq9tZS6f03huc+XVTmd6H2WeWxFMfGyDCX2akEg2aAvx7231/6S0vBFGiX0C+3GbXlieHDplLGoODHUt5hxbPJnKIwIDAQAB"
)

func TestFireblocksVector(t *testing.T) {
	body := string(read(t, "v1_body.json"))
	sig := [][2]string{{"Fireblocks-Signature", fireblocksSignature}}
	v := verifiertest.Load(t, "fireblocks {\n environment off\n public_key "+fireblocksSandbox2023+"\n}")
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: body, Header: sig, Event: &webhookverify.Event{
			Type: "VAULT_ACCOUNT_ADDED", Time: time.UnixMilli(1678979524804).UTC(),
		}},
		{Name: "re-serialised body", Body: strings.ReplaceAll(body, ",", ", "), Header: sig, Err: webhookverify.ErrInvalidSignature},
	})
	for _, name := range []string{"fireblocks_production", "fireblocks_production_eu", "fireblocks_sandbox"} {
		named := verifiertest.Load(t, "fireblocks {\n environment off\n public_key "+name+"\n}")
		verifiertest.Run(t, named, []verifiertest.Case{{Name: name, Body: body, Header: sig, Err: webhookverify.ErrInvalidSignature}})
	}
}

// jwksServer serves a JWKS at Fireblocks' production host and counts
// requests.
type jwksServer struct {
	mu   sync.Mutex
	keys []map[string]string
	hits atomic.Int64
}

func newJWKSServer(t *testing.T, host string) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	keysourcetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}), host)
	return s
}

func (s *jwksServer) add(kid string, pub *rsa.PublicKey, alg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, map[string]string{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": alg,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	})
}

// jws signs body as a detached JWS, apart from the code under test.
func jws(t *testing.T, key *rsa.PrivateKey, header, body string) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(header))
	digest := sha512.Sum512([]byte(h + "." + base64.RawURLEncoding.EncodeToString([]byte(body))))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA512, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return h + ".." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestV2DetachedJWS(t *testing.T) {
	srv := newJWKSServer(t, "keys.fireblocks.io")
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	srv.add("key-1", &key.PublicKey, "RS512")
	srv.add("weak", &small.PublicKey, "RS512")
	srv.add("rs256", &other.PublicKey, "RS256")
	v := verifiertest.Load(t, "fireblocks {\n}")
	body := `{"type":"TRANSACTION_STATUS_UPDATED","tenantId":"t-1","timestamp":1700000000000,"data":{"id":"tx-1","status":"COMPLETED","amount":1.5,"assetId":"BTC","externalTxId":"order-7"}}`
	sig := func(h string) [][2]string { return [][2]string{{"Fireblocks-Webhook-Signature", h}} }
	good := jws(t, key, `{"alg":"RS512","kid":"key-1"}`, body)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed", Body: body, Header: sig(good), Event: &webhookverify.Event{
			Type: "TRANSACTION_STATUS_UPDATED", Time: time.UnixMilli(1700000000000).UTC(), Status: webhookverify.StatusSucceeded,
			Amount: "1.5", Currency: "BTC", Reference: "order-7",
		}},
		{Name: "a byte of the body changed", Body: strings.Replace(body, "1.5", "9.5", 1), Header: sig(good), Err: webhookverify.ErrInvalidSignature},
		{Name: "signed by another key", Body: body, Header: sig(jws(t, other, `{"alg":"RS512","kid":"key-1"}`, body)), Err: webhookverify.ErrInvalidSignature},
		{Name: "alg none", Body: body, Header: sig(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"key-1"}`)) + "..AAAA"), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg RS256", Body: body, Header: sig(jws(t, key, `{"alg":"RS256","kid":"key-1"}`, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg HS512", Body: body, Header: sig(jws(t, key, `{"alg":"HS512","kid":"key-1"}`, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "no kid", Body: body, Header: sig(jws(t, key, `{"alg":"RS512"}`, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "a kid that is a path", Body: body, Header: sig(jws(t, key, `{"alg":"RS512","kid":"../../etc"}`, body)), Err: webhookverify.ErrMalformedSignature},
		{Name: "an attached payload", Body: body, Header: sig(strings.Replace(good, "..", ".e30.", 1)), Err: webhookverify.ErrMalformedSignature},
		{Name: "a weak key in the set", Body: body, Header: sig(jws(t, small, `{"alg":"RS512","kid":"weak"}`, body)), Err: webhookverify.ErrUnknownKey},
		{Name: "an RS256 key in the set", Body: body, Header: sig(jws(t, other, `{"alg":"RS512","kid":"rs256"}`, body)), Err: webhookverify.ErrUnknownKey},
		{Name: "no signature", Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "repeated", Body: body, Header: append(sig(good), sig(good)...), Err: webhookverify.ErrMalformedSignature},
	})

	// An unknown kid: a thousand requests, at most one fetch of the set (one a minute; the kids above may have made it this minute).
	before := srv.hits.Load()
	unknown := jws(t, key, `{"alg":"RS512","kid":"key-unknown"}`, body)
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Verify(verifiertest.Case{Body: body, Header: sig(unknown)}.Request(), []byte(body), verifiertest.Now)
			if errors.Is(err, webhookverify.ErrUnknownKey) {
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := srv.hits.Load() - before; n > 1 || refused.Load() != 1000 {
		t.Fatalf("1000 requests with an unknown kid: %d fetches, %d unknown_key; want 1 and 1000", n, refused.Load())
	}

	// Sign → verify, with a test key served under its kid.
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	signer := verifiertest.Load(t, "fireblocks {\n private_key "+base64.StdEncoding.EncodeToString(der)+"\n key_id key-1\n}")
	r := verifiertest.Case{Body: body}.Request()
	if _, err := signer.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatalf("what Sign signed: %v", err)
	}
}

// The sandbox environment fetches only from the sandbox's host: a
// production kid is not found there.
func TestEnvironments(t *testing.T) {
	for block, want := range map[string]string{
		"fireblocks {\n environment mars\n}":         `environment "mars"`,
		"fireblocks {\n environment off\n}":          "add 'public_key fireblocks_production'",
		"fireblocks {\n secret s\n}":                 "takes no secret",
		"fireblocks {\n public_key fireblocks_eu\n}": "names: fireblocks_production, fireblocks_production_eu, fireblocks_sandbox",
	} {
		if _, err := verifiertest.TryLoad(block); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", block, err, want)
		}
	}
	srv := newJWKSServer(t, "keys.fireblocks.io") // only production's host is served
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv.add("key-1", &key.PublicKey, "RS512")
	body := `{"type":"VAULT_ACCOUNT_ADDED"}`
	v := verifiertest.Load(t, "fireblocks {\n environment sandbox\n}")
	_, err := v.Verify(verifiertest.Case{Body: body, Header: [][2]string{{"Fireblocks-Webhook-Signature", jws(t, key, `{"alg":"RS512","kid":"key-1"}`, body)}}}.Request(), []byte(body), verifiertest.Now)
	if !errors.Is(err, webhookverify.ErrKeyUnavailable) || srv.hits.Load() != 0 {
		t.Fatalf("sandbox: %v after %d requests to production's host; want key_unavailable and none", err, srv.hits.Load())
	}
}

// FuzzSignVerify: what Sign signs (v1, with a test key) verifies, and a
// body one bit off does not.
func FuzzSignVerify(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	v := verifiertest.Load(f, "fireblocks {\n environment off\n public_key "+base64.StdEncoding.EncodeToString(der)+
		"\n private_key "+base64.StdEncoding.EncodeToString(priv)+"\n}")
	verifiertest.FuzzSigned(f, []webhookverify.Verifier{v}, `{"type":"TRANSACTION_CREATED","data":{"id":"tx-1"}}`, "", "x")
}
