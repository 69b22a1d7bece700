package plaid_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/plaid"
)

// Plaid publishes no signed webhook: the tests make their own ES256 key,
// serve it as Plaid's key endpoint would (its response shape is the one
// of Plaid's docs and plaid-openapi), and sign JWTs here, apart from the
// code under test.
const (
	testClientID = "5f0c1a2b3c4d5e6f7a8b9c0d"
	testSecret   = "0123456789abcdef0123456789abcd"
	testKid      = "bfbd5111-8e33-4643-8ced-b2e642a72f3c"
)

const body = `{
  "environment": "production",
  "item_id": "wz666MBjYWTp2PDzzggYhM6oWWmBb",
  "webhook_code": "SYNC_UPDATES_AVAILABLE",
  "webhook_type": "TRANSACTIONS",
  "initial_update_complete": true,
  "historical_update_complete": false
}`

var b64 = base64.RawURLEncoding.EncodeToString

// keyServer answers POST /webhook_verification_key/get for the keys it
// holds, when the request carries the test credentials; it answers 400,
// as Plaid does, for an unknown key id or wrong credentials.
type keyServer struct {
	mu      sync.Mutex
	keys    map[string]map[string]any // kid → the "key" object
	hits    atomic.Int64
	kidHits map[string]int
	hosts   map[string]int
	status  int // when not 0, every answer's status
}

func newKeyServer(t testing.TB) *keyServer {
	t.Helper()
	s := &keyServer{keys: map[string]map[string]any{}, kidHits: map[string]int{}, hosts: map[string]int{}}
	keysourcetest.NewServer(t, http.HandlerFunc(s.serve), "production.plaid.com", "sandbox.plaid.com")
	return s
}

// jwk is the JWK of pub as Plaid serves it.
func jwk(kid string, pub *ecdsa.PublicKey) map[string]any {
	raw, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	return map[string]any{
		"alg": "ES256", "created_at": 1560466150, "crv": "P-256", "expired_at": nil, "kid": kid,
		"kty": "EC", "use": "sig", "x": b64(raw[1:33]), "y": b64(raw[33:]),
	}
}

func (s *keyServer) add(kid string, key map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[kid] = key
}

func (s *keyServer) fetches(kid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kidHits[kid]
}

func (s *keyServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/webhook_verification_key/get" || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var req map[string]string
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.kidHits[req["key_id"]]++
	s.hosts[r.Host]++
	key, ok := s.keys[req["key_id"]]
	status := s.status
	s.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if req["client_id"] != testClientID || req["secret"] != testSecret {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error_type":"INVALID_INPUT","error_code":"INVALID_API_KEYS","error_message":"invalid client_id or secret provided","request_id":"r1"}`)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error_type":"INVALID_INPUT","error_code":"INVALID_WEBHOOK_VERIFICATION_KEY_ID","error_message":"invalid key_id provided","request_id":"r2"}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"key": key, "request_id": "RZ6Omi1bzzwDaLo"})
}

// sign makes a compact JWT of the header and claims JSON with key (ES256,
// r||s), independently of the code under test.
func sign(t *testing.T, key *ecdsa.PrivateKey, header, claims string) string {
	t.Helper()
	signed := b64([]byte(header)) + "." + b64([]byte(claims))
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + b64(sig)
}

func hdr(kid string) string { return `{"alg":"ES256","kid":"` + kid + `","typ":"JWT"}` }

func claims(iat time.Time, b string) string {
	sum := sha256.Sum256([]byte(b))
	return fmt.Sprintf(`{"iat":%d,"request_body_sha256":"%s"}`, iat.Unix(), hex.EncodeToString(sum[:]))
}

func verification(jwt string) [][2]string { return [][2]string{{"Plaid-Verification", jwt}} }

// load is verifiertest.Load, releasing the verifier's key cache when the
// test ends (the cache is pooled by account across loads).
func load(t *testing.T, block string) webhookverify.Verifier {
	t.Helper()
	v := verifiertest.Load(t, block)
	t.Cleanup(func() { v.(caddy.CleanerUpper).Cleanup() })
	return v
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const config = "plaid {\n client_id {env.PLAID_CLIENT_ID}\n secret {env.PLAID_SECRET}\n}"

func setCredentials(t *testing.T) {
	t.Setenv("PLAID_CLIENT_ID", testClientID)
	t.Setenv("PLAID_SECRET", testSecret)
}

func TestVerify(t *testing.T) {
	srv := newKeyServer(t)
	setCredentials(t)
	key, other := newKey(t), newKey(t)
	srv.add(testKid, jwk(testKid, &key.PublicKey))
	v := load(t, config)
	now := verifiertest.Now
	good := sign(t, key, hdr(testKid), claims(now, body))
	want := &webhookverify.Event{Type: "com.plaid.transactions.sync_updates_available"}
	bodySum := sha256.Sum256([]byte(body))

	// JWTs that never lead to a fetch: their kid is served nowhere, so a
	// fetch would show in the server's count for it.
	const neverKid = "never-fetched"
	hs256 := func() string {
		signed := b64([]byte(`{"alg":"HS256","kid":"`+neverKid+`","typ":"JWT"}`)) + "." + b64([]byte(claims(now, body)))
		m := hmac.New(sha256.New, []byte(testSecret))
		m.Write([]byte(signed))
		return signed + "." + b64(m.Sum(nil))
	}()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs256 := func() string {
		signed := b64([]byte(`{"alg":"RS256","kid":"`+neverKid+`","typ":"JWT"}`)) + "." + b64([]byte(claims(now, body)))
		digest := sha256.Sum256([]byte(signed))
		sig, _ := rsaKey.Sign(rand.Reader, digest[:], crypto256)
		return signed + "." + b64(sig)
	}()
	parts := strings.Split(good, ".")
	derSig := func() string {
		signed := parts[0] + "." + parts[1]
		digest := sha256.Sum256([]byte(signed))
		sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
		return signed + "." + b64(sig)
	}()

	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "valid", Body: body, Header: verification(good), Event: want},
		{Name: "again, from the cache", Body: body, Header: verification(good), Event: want},
		{Name: "header name in lower case", Body: body, Header: [][2]string{{"plaid-verification", good}}, Event: want},
		{Name: "hash in upper-case hex", Body: body, Header: verification(sign(t, key, hdr(testKid), fmt.Sprintf(`{"iat":%d,"request_body_sha256":"%s"}`, now.Unix(), strings.ToUpper(hex.EncodeToString(bodySum[:]))))), Event: want},
		{Name: "4 minutes old", Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now.Add(-4*time.Minute), body))), Event: want},
		{Name: "body one byte off", Body: strings.Replace(body, "TRANSACTIONS", "TRANSACTIONZ", 1), Header: verification(good), Err: webhookverify.ErrInvalidSignature},
		{Name: "body with a trailing newline", Body: body + "\n", Header: verification(good), Err: webhookverify.ErrInvalidSignature},
		{Name: "6 minutes old", Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now.Add(-6*time.Minute), body))), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "6 minutes in the future", Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now.Add(6*time.Minute), body))), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "signed by another key", Body: body, Header: verification(sign(t, other, hdr(testKid), claims(now, body))), Err: webhookverify.ErrInvalidSignature},
		{Name: "claims changed", Body: body, Header: verification(parts[0] + "." + b64([]byte(claims(now.Add(time.Second), body))) + "." + parts[2]), Err: webhookverify.ErrInvalidSignature},
		{Name: "signature bit flipped", Body: body, Header: verification(parts[0] + "." + parts[1] + "." + flip(parts[2])), Err: webhookverify.ErrInvalidSignature},
		{Name: "no header", Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "empty header", Body: body, Header: verification(" "), Err: webhookverify.ErrMissingSignature},
		{Name: "repeated header", Body: body, Header: append(verification(good), verification(good)...), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg none", Body: body, Header: verification(b64([]byte(`{"alg":"none","kid":"`+neverKid+`"}`)) + "." + b64([]byte(claims(now, body))) + "."), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg none with a signature", Body: body, Header: verification(b64([]byte(`{"alg":"none","kid":"`+neverKid+`"}`)) + "." + b64([]byte(claims(now, body))) + "." + parts[2]), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg HS256", Body: body, Header: verification(hs256), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg RS256", Body: body, Header: verification(rs256), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg es256", Body: body, Header: verification(sign(t, key, `{"alg":"es256","kid":"`+neverKid+`"}`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "alg in capitals as key", Body: body, Header: verification(sign(t, key, `{"ALG":"ES256","kid":"`+neverKid+`"}`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "no kid", Body: body, Header: verification(sign(t, key, `{"alg":"ES256"}`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "kid with a slash", Body: body, Header: verification(sign(t, key, hdr("../"+neverKid), claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "kid too long", Body: body, Header: verification(sign(t, key, hdr(strings.Repeat("k", 65)), claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "kid a number", Body: body, Header: verification(sign(t, key, `{"alg":"ES256","kid":7}`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "crit", Body: body, Header: verification(sign(t, key, `{"alg":"ES256","kid":"`+neverKid+`","crit":["b64"],"b64":false}`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "two parts", Body: body, Header: verification(parts[0] + "." + parts[1]), Err: webhookverify.ErrMalformedSignature},
		{Name: "four parts", Body: body, Header: verification(good + "." + parts[2]), Err: webhookverify.ErrMalformedSignature},
		{Name: "header not base64url", Body: body, Header: verification("%%%." + parts[1] + "." + parts[2]), Err: webhookverify.ErrMalformedSignature},
		{Name: "header in standard base64", Body: body, Header: verification(strings.NewReplacer("-", "+", "_", "/").Replace(parts[0]) + "+/." + parts[1] + "." + parts[2]), Err: webhookverify.ErrMalformedSignature},
		{Name: "header not JSON", Body: body, Header: verification(sign(t, key, `alg=ES256`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "header a JSON array", Body: body, Header: verification(sign(t, key, `["ES256"]`, claims(now, body))), Err: webhookverify.ErrMalformedSignature},
		{Name: "claims not JSON", Body: body, Header: verification(sign(t, key, hdr(neverKid), `iat`)), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature not base64url", Body: body, Header: verification(parts[0] + "." + parts[1] + ".***"), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature of 63 bytes", Body: body, Header: verification(parts[0] + "." + parts[1] + "." + b64(make([]byte, 63))), Err: webhookverify.ErrMalformedSignature},
		{Name: "an ASN.1 signature", Body: body, Header: verification(derSig), Err: webhookverify.ErrMalformedSignature},
		{Name: "too long", Body: body, Header: verification(sign(t, key, hdr(testKid), `{"pad":"`+strings.Repeat("x", 5000)+`"}`)), Err: webhookverify.ErrMalformedSignature},
		{Name: "no iat", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"request_body_sha256":"00"}`)), Err: webhookverify.ErrMissingTimestamp},
		{Name: "iat a string", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"iat":"1700000000","request_body_sha256":"00"}`)), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "claims with spaces and a fractional iat", Body: body, Header: verification(sign(t, key, hdr(testKid), fmt.Sprintf(`{ "iat" : %d.25 , "request_body_sha256" : "%x" }`, now.Unix(), bodySum[:]))), Event: want},
		{Name: "iat null", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"iat":null,"request_body_sha256":"00"}`)), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "iat negative", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"iat":-5,"request_body_sha256":"00"}`)), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "no body hash", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"iat":1700000000}`)), Err: webhookverify.ErrMalformedSignature},
		{Name: "body hash not hex", Body: body, Header: verification(sign(t, key, hdr(neverKid), `{"iat":1700000000,"request_body_sha256":"`+strings.Repeat("g", 64)+`"}`)), Err: webhookverify.ErrMalformedSignature},
		{Name: "GET", Method: http.MethodGet, Body: body, Header: verification(good), Err: webhookverify.ErrMethodNotAllowed},
	})
	if n := srv.fetches(neverKid); n != 0 {
		t.Errorf("refused JWTs caused %d fetches", n)
	}
	if n := srv.fetches(testKid); n != 1 {
		t.Errorf("the key was fetched %d times, want once (then kept)", n)
	}

	// Unknown kid: Plaid answers 400; a thousand requests, one fetch.
	unknownJWT := sign(t, key, hdr("6c5d9e0f-0000-4000-8000-000000000000"), claims(now, body))
	var wg sync.WaitGroup
	var unknown atomic.Int64
	for range 1000 {
		wg.Go(func() {
			_, err := v.Verify(verifiertest.Case{Body: body, Header: verification(unknownJWT)}.Request(), []byte(body), now)
			if errors.Is(err, webhookverify.ErrUnknownKey) {
				unknown.Add(1)
			}
		})
	}
	wg.Wait()
	if n := srv.fetches("6c5d9e0f-0000-4000-8000-000000000000"); n != 1 || unknown.Load() != 1000 {
		t.Fatalf("1000 requests for an unknown kid: %d fetches, %d unknown_key; want 1 and 1000", n, unknown.Load())
	}

	cov := v.(webhookverify.Coverer).Covers()
	if !cov.Body || cov.EventID || cov.Tolerance != 5*time.Minute || cov.Unsigned {
		t.Errorf("Covers() = %+v", cov)
	}
	if got := v.(webhookverify.CredentialHeaderer).CredentialHeaders(); len(got) != 1 || got[0] != "Plaid-Verification" {
		t.Errorf("CredentialHeaders() = %v", got)
	}
}

const crypto256 = crypto.SHA256

func bigInt(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

func flip(s string) string {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	b[10] ^= 1
	return b64(b)
}

// Keys that Plaid's endpoint might serve but that are not usable: expired,
// of another kind, off the curve. And a key server that fails.
func TestServedKeys(t *testing.T) {
	srv := newKeyServer(t)
	setCredentials(t)
	key := newKey(t)
	now := verifiertest.Now
	with := func(kid string, change func(map[string]any)) string {
		k := jwk(kid, &key.PublicKey)
		change(k)
		srv.add(kid, k)
		return kid
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	raw384, _ := p384.PublicKey.Bytes()
	bad := []string{
		with("expired", func(k map[string]any) { k["expired_at"] = 1700000000 }),
		with("expired-string", func(k map[string]any) { k["expired_at"] = "2024-01-01" }),
		with("rsa", func(k map[string]any) { k["kty"] = "RSA" }),
		with("p384", func(k map[string]any) { k["crv"] = "P-384"; k["x"] = b64(raw384[1:49]); k["y"] = b64(raw384[49:]) }),
		with("hs256", func(k map[string]any) { k["alg"] = "HS256" }),
		with("enc", func(k map[string]any) { k["use"] = "enc" }),
		with("off-curve", func(k map[string]any) {
			y, _ := base64.RawURLEncoding.DecodeString(k["y"].(string))
			y[31] ^= 1
			k["y"] = b64(y)
		}),
		with("short-x", func(k map[string]any) { k["x"] = k["x"].(string)[:40] }),
		with("other-kid", func(k map[string]any) { k["kid"] = "someone-else" }),
	}
	v := load(t, config)
	for _, kid := range bad {
		_, err := v.Verify(verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr(kid), claims(now, body)))}.Request(), []byte(body), now)
		if !errors.Is(err, webhookverify.ErrUnknownKey) {
			t.Errorf("key %s: err = %v, want unknown_key", kid, err)
		}
	}
	// A key served with no expired_at at all is taken as not expired.
	with("no-expiry", func(k map[string]any) { delete(k, "expired_at") })
	if _, err := v.Verify(verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr("no-expiry"), claims(now, body)))}.Request(), []byte(body), now); err != nil {
		t.Errorf("a key without expired_at: %v", err)
	}

	srv.mu.Lock()
	srv.status = http.StatusInternalServerError
	srv.mu.Unlock()
	srv.add(testKid, jwk(testKid, &key.PublicKey))
	_, err := v.Verify(verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now, body)))}.Request(), []byte(body), now)
	if !errors.Is(err, webhookverify.ErrKeyUnavailable) {
		t.Errorf("a failing key server: err = %v, want key_unavailable", err)
	}
	srv.mu.Lock()
	srv.status = 0
	srv.mu.Unlock()
	if _, err := v.Verify(verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now, body)))}.Request(), []byte(body), now); err != nil {
		t.Errorf("once the key server is back: %v", err)
	}
}

// The key server checks the credentials; wrong ones get Plaid's 400, which
// reads as an unknown key. The sandbox environment asks the sandbox host.
func TestCredentialsAndEnvironment(t *testing.T) {
	srv := newKeyServer(t)
	key := newKey(t)
	srv.add(testKid, jwk(testKid, &key.PublicKey))
	now := verifiertest.Now
	req := func() *http.Request {
		return verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now, body)))}.Request()
	}
	t.Setenv("PLAID_CLIENT_ID", testClientID)
	t.Setenv("PLAID_SECRET", "not-the-secret-0123456789")
	wrong := load(t, config)
	if _, err := wrong.Verify(req(), []byte(body), now); !errors.Is(err, webhookverify.ErrUnknownKey) {
		t.Errorf("wrong secret: err = %v, want unknown_key", err)
	} else if strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("the error shows the secret: %v", err)
	}
	t.Setenv("PLAID_SECRET", testSecret)
	sandbox := load(t, "plaid {\n client_id {env.PLAID_CLIENT_ID}\n secret {env.PLAID_SECRET}\n environment sandbox\n tolerance 10m\n}")
	if _, err := sandbox.Verify(req(), []byte(body), now); err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	// tolerance 10m: 6 minutes old passes.
	if _, err := sandbox.Verify(verifiertest.Case{Body: body, Header: verification(sign(t, key, hdr(testKid), claims(now.Add(-6*time.Minute), body)))}.Request(), []byte(body), now); err != nil {
		t.Errorf("6 minutes old, tolerance 10m: %v", err)
	}
	srv.mu.Lock()
	hosts := fmt.Sprint(srv.hosts)
	srv.mu.Unlock()
	if hosts != "map[production.plaid.com:1 sandbox.plaid.com:1]" {
		t.Errorf("hosts asked: %s", hosts)
	}
}

func TestSignVerify(t *testing.T) {
	srv := newKeyServer(t)
	setCredentials(t)
	key := newKey(t)
	srv.add("test-key-1", jwk("test-key-1", &key.PublicKey))
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	v := load(t, "plaid {\n client_id {env.PLAID_CLIENT_ID}\n secret {env.PLAID_SECRET}\n private_key "+base64.StdEncoding.EncodeToString(priv)+"\n key_id test-key-1\n}")
	for _, b := range []string{body, `{"webhook_type":"ITEM","webhook_code":"ERROR","item_id":"x"}`, `not json`, ``} {
		r := verifiertest.Case{Body: b}.Request()
		if _, err := v.(webhookverify.Signer).Sign(r, []byte(b), verifiertest.Now); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, []byte(b), verifiertest.Now); err != nil {
			t.Errorf("what Sign signed (%q): %v", b, err)
		}
		if _, err := v.Verify(r, []byte(b+" "), verifiertest.Now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
			t.Errorf("a changed body (%q): %v", b, err)
		}
		// Checked apart from the code under test.
		parts := strings.Split(r.Header.Get("Plaid-Verification"), ".")
		h, _ := base64.RawURLEncoding.DecodeString(parts[0])
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if string(h) != `{"alg":"ES256","kid":"test-key-1","typ":"JWT"}` || len(sig) != 64 ||
			!ecdsa.Verify(&key.PublicKey, digest[:], bigInt(sig[:32]), bigInt(sig[32:])) {
			t.Errorf("Sign's JWT is not ES256 by the key: header %s", h)
		}
	}
	r := verifiertest.Case{Body: body}.Request()
	v.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now)
	ev, _ := v.Verify(r, []byte(body), verifiertest.Now)
	if ev != (webhookverify.Event{Type: "com.plaid.transactions.sync_updates_available"}) {
		t.Errorf("event = %+v", ev)
	}
	noSigner := load(t, config)
	if _, err := noSigner.(webhookverify.Signer).Sign(verifiertest.Case{}.Request(), nil, verifiertest.Now); err == nil || !strings.Contains(err.Error(), "private_key") {
		t.Errorf("Sign without a key: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for name, c := range map[string]struct{ block, want string }{
		"nothing":         {"plaid {\n}", "add 'client_id {env.PLAID_CLIENT_ID}' and 'secret {env.PLAID_SECRET}'"},
		"no secret":       {"plaid {\n client_id c\n}", "secret {env.PLAID_SECRET}"},
		"misspelled":      {"plaid {\n client_id c\n secret s\n enviroment sandbox\n}", "use client_id, secret, environment, tolerance, private_key or key_id"},
		"development":     {"plaid {\n client_id c\n secret s\n environment development\n}", "use production or sandbox"},
		"two secrets":     {"plaid {\n client_id c\n secret a b\n}", "secret takes one value"},
		"bad tolerance":   {"plaid {\n client_id c\n secret s\n tolerance soon\n}", "not a positive duration"},
		"private key":     {"plaid {\n client_id c\n secret s\n private_key {env.K}\n}", "go together"},
		"bad key id":      {"plaid {\n client_id c\n secret s\n key_id a/b\n}", "key_id \"a/b\""},
		"secret unset":    {"plaid {\n client_id c\n secret {env.PLAID_TEST_UNSET_SECRET}\n}", "export PLAID_TEST_UNSET_SECRET"},
		"client id unset": {"plaid {\n client_id {env.PLAID_TEST_UNSET_ID}\n secret s\n}", "client_id"},
	} {
		if _, err := verifiertest.TryLoad(c.block); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	for name, c := range map[string]struct{ json, want string }{
		"no client id": {`{"secret":"s"}`, "client_id is required"},
		"no secret":    {`{"client_id":"c"}`, "secret is required"},
		"bad env":      {`{"client_id":"c","secret":"s","environment":"development"}`, "use production or sandbox"},
		"key id alone": {`{"client_id":"c","secret":"s","key_id":"k"}`, "only with private_key"},
		"negative":     {`{"client_id":"c","secret":"s","tolerance":-1}`, "tolerance must be positive"},
	} {
		_, err := verifiertest.TryLoadJSON("plaid", c.json)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestSecretsStayHidden(t *testing.T) {
	newKeyServer(t) // answers 400 to these credentials
	key := newKey(t)
	const secret = "hidden-plaid-secret-5ec2e7a1b2c3d4e5"
	good := sign(t, key, hdr(testKid), claims(verifiertest.Now, body))
	verifiertest.SecretsStayHidden(t, secret, "plaid {\n client_id "+testClientID+"\n secret "+secret+"\n}", []verifiertest.Case{
		{Name: "fetch refused", Body: body, Header: verification(good)},
		{Name: "malformed", Body: body, Header: verification("a.b")},
	},
		"plaid {\n client_id c\n secret "+secret+"\n environment x\n}",
		"plaid {\n client_id c\n secret "+secret+" extra\n}",
		"plaid {\n client_id c\n secret "+secret+"\n bogus\n}",
	)
}

// FuzzSignVerify: what Sign signs verifies (its key served by the test
// key server), and a body one bit off does not.
func FuzzSignVerify(f *testing.F) {
	srv := newKeyServer(f)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	srv.add("fuzz-key", jwk("fuzz-key", &key.PublicKey))
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	f.Setenv("PLAID_CLIENT_ID", testClientID)
	f.Setenv("PLAID_SECRET", testSecret)
	v := verifiertest.Load(f, "plaid {\n client_id {env.PLAID_CLIENT_ID}\n secret {env.PLAID_SECRET}\n private_key "+
		base64.StdEncoding.EncodeToString(priv)+"\n key_id fuzz-key\n}")
	f.Cleanup(func() { v.(caddy.CleanerUpper).Cleanup() })
	verifiertest.FuzzSigned(f, []webhookverify.Verifier{v}, `{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE"}`, "", "x")
}
