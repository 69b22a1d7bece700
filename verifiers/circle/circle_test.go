package circle_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/circle"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
)

// Circle's documented example (developers.circle.com, "Verify webhook
// signatures" and the Wallets notifications quickstart): the key, and the
// test notification with its signature. The body is testdata/
// example-body.json, 238 bytes, no trailing newline.
const (
	vectorKeyID = "879dc113-5ca4-4ff7-a6b7-54652083fcf8"
	vectorKey   = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESl76SZPBJemW0mJNN4KTvYkLT8bOT4UGhFhzNk3fJqf6iuPlLQLq533FelXwczJbjg2U1PHTvQTK7qOQnDL2Tg=="
	vectorSig   = "MEQCIBlJPX7t0FDOcozsRK6qIQwik5Fq6mhAtCSSgIB/yQO7AiB9U5lVpdufKvPhk3cz4TH2f5MP7ArnmPRBmhPztpsIFQ=="
	vectorSHA   = "6d42b923b21be62f036cd8f5c56b1893d46b944c635268c8aec99628552135b1"
)

// testAPIKey is shaped like Circle's keys (PREFIX:ID:SECRET).
const testAPIKey = "TEST_API_KEY:0f1e2d3c4b5a69788796a5b4c3d2e1f0:9a8b7c6d5e4f30211203f4e5d6c7b8a9"

func vectorBody(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/example-body.json")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); len(b) != 238 || hex.EncodeToString(sum[:]) != vectorSHA {
		t.Fatalf("testdata/example-body.json is not Circle's example (%d bytes)", len(b))
	}
	return string(b)
}

var vectorEvent = webhookverify.Event{
	ID:   "00000000-0000-0000-0000-000000000000",
	Type: "com.circle.webhooks.test",
	Time: time.Date(2024, 1, 26, 18, 22, 19, 779834211, time.UTC),
}

func headers(sig, keyID string) [][2]string {
	return [][2]string{{"X-Circle-Signature", sig}, {"X-Circle-Key-Id", keyID}}
}

// load is verifiertest.Load, releasing the verifier's key cache when the
// test ends (the cache is pooled by API key across loads).
func load(t *testing.T, block string) webhookverify.Verifier {
	t.Helper()
	v := verifiertest.Load(t, block)
	t.Cleanup(func() { v.(caddy.CleanerUpper).Cleanup() })
	return v
}

// keyServer serves Circle's public key endpoint for the keys it holds,
// answering only requests with the bearer API key, and counts requests.
type keyServer struct {
	mu   sync.Mutex
	keys map[string]map[string]string // path prefix → key id → data
	hits atomic.Int64
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	s := &keyServer{keys: map[string]map[string]string{}}
	keysourcetest.NewServer(t, http.HandlerFunc(s.serve),
		"api.circle.com", "api-sandbox.circle.com", "gateway-api.circle.com", "gateway-api-testnet.circle.com")
	return s
}

// add serves key id under path (e.g. /v2/notifications/publicKey/) with
// the given algorithm and publicKey.
func (s *keyServer) add(path, id, algorithm, publicKey string) {
	data, _ := json.Marshal(map[string]any{"data": map[string]string{
		"id": id, "algorithm": algorithm, "publicKey": publicKey, "createDate": "2026-01-15T21:47:35.107250Z",
	}})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[path] == nil {
		s.keys[path] = map[string]string{}
	}
	s.keys[path][id] = string(data)
}

func (s *keyServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testAPIKey {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":401,"message":"Malformed authorization."}`))
		return
	}
	i := strings.LastIndexByte(r.URL.Path, '/')
	path, id := r.URL.Path[:i+1], r.URL.Path[i+1:]
	s.mu.Lock()
	data, ok := s.keys[path][id]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":404,"message":"Not found."}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(data))
}

const notificationsPath = "/v2/notifications/publicKey/"

func TestPublishedVectorPinned(t *testing.T) {
	body := vectorBody(t)
	v := load(t, "circle {\n public_key "+vectorKeyID+" "+vectorKey+"\n}")
	good := headers(vectorSig, vectorKeyID)
	flipped := []byte(body)
	flipped[100] ^= 1
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: body, Header: good, Event: &vectorEvent},
		{Name: "key id in capitals", Body: body, Header: headers(vectorSig, strings.ToUpper(vectorKeyID)), Event: &vectorEvent},
		{Name: "signature without padding", Body: body, Header: headers(strings.TrimRight(vectorSig, "="), vectorKeyID), Event: &vectorEvent},
		{Name: "one byte changed", Body: string(flipped), Header: good, Err: webhookverify.ErrInvalidSignature},
		{Name: "pretty-printed", Body: "{\n" + body[1:], Header: good, Err: webhookverify.ErrInvalidSignature},
		{Name: "a trailing newline", Body: body + "\n", Header: good, Err: webhookverify.ErrInvalidSignature},
		{Name: "the docs' header example", Body: body, Header: headers("MEYCIQCA9EvPbdEJiy7Cw0eY+KQZA/oFi5ZEInPs8CYpyaJexgIhAKtRNnDz9QRQmFKx8QFrvawp+8b9Bs2dQ03xD+XaWVDE", vectorKeyID), Err: webhookverify.ErrInvalidSignature},
		{Name: "no signature", Body: body, Header: [][2]string{{"X-Circle-Key-Id", vectorKeyID}}, Err: webhookverify.ErrMissingSignature},
		{Name: "no key id", Body: body, Header: [][2]string{{"X-Circle-Signature", vectorSig}}, Err: webhookverify.ErrMalformedSignature},
		{Name: "signature not base64", Body: body, Header: headers("%%%", vectorKeyID), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature too long", Body: body, Header: headers(strings.Repeat("A", 400), vectorKeyID), Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated signature", Body: body, Header: append(good, [2]string{"X-Circle-Signature", vectorSig}), Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated key id", Body: body, Header: append(good, [2]string{"X-Circle-Key-Id", vectorKeyID}), Err: webhookverify.ErrMalformedSignature},
		{Name: "not pinned, no api_key", Body: body, Header: headers(vectorSig, "11111111-2222-3333-4444-555555555555"), Err: webhookverify.ErrUnknownKey},
		{Name: "GET", Method: http.MethodGet, Body: body, Header: good, Err: webhookverify.ErrMethodNotAllowed},
	})
}

func TestPublishedVectorFetched(t *testing.T) {
	srv := newKeyServer(t)
	srv.add(notificationsPath, vectorKeyID, "ECDSA_SHA_256", vectorKey)
	t.Setenv("CIRCLE_API_KEY", testAPIKey)
	body := vectorBody(t)
	v := load(t, "circle {\n api_key {env.CIRCLE_API_KEY}\n}")
	good := headers(vectorSig, vectorKeyID)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: body, Header: good, Event: &vectorEvent},
		{Name: "again, from the cache", Body: body, Header: good, Event: &vectorEvent},
		{Name: "one byte changed", Body: strings.Replace(body, "world", "World", 1), Header: good, Err: webhookverify.ErrInvalidSignature},
	})
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("the key was fetched %d times, want once (then kept)", n)
	}

	// Key ids that are not UUIDs never reach a URL.
	for _, id := range []string{
		"../../v1/x", vectorKeyID + "/..", vectorKeyID[:35], vectorKeyID + "0", "879dc113-5ca4-4ff7-a6b7-54652083fcfg",
		"879dc113x5ca4-4ff7-a6b7-54652083fcf8", "879dc113-5ca4-4ff7-a6b7-54652083fc%2", "{879dc113-5ca4-4ff7-a6b7-54652083fc}",
	} {
		_, err := v.Verify(verifiertest.Case{Body: body, Header: headers(vectorSig, id)}.Request(), []byte(body), verifiertest.Now)
		if !errors.Is(err, webhookverify.ErrMalformedSignature) {
			t.Errorf("key id %q: err = %v, want malformed_signature", id, err)
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("malformed key ids caused %d fetches", n-1)
	}

	// A thousand requests naming an id Circle does not know: one fetch,
	// then the negative cache.
	const unknownID = "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
	var wg sync.WaitGroup
	var unknown atomic.Int64
	for range 1000 {
		wg.Go(func() {
			_, err := v.Verify(verifiertest.Case{Body: body, Header: headers(vectorSig, unknownID)}.Request(), []byte(body), verifiertest.Now)
			if errors.Is(err, webhookverify.ErrUnknownKey) {
				unknown.Add(1)
			}
		})
	}
	wg.Wait()
	if n := srv.hits.Load() - 1; n != 1 || unknown.Load() != 1000 {
		t.Fatalf("1000 requests for an unknown key: %d fetches, %d unknown_key; want 1 and 1000", n, unknown.Load())
	}
}

// What the key server answers decides: another algorithm, a key off
// P-256 or not a key at all is no Circle key; an API key Circle refuses
// is a key source that cannot be reached (503, so that Circle retries).
func TestFetchedKeys(t *testing.T) {
	srv := newKeyServer(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	ids := map[string][2]string{
		"10000000-0000-4000-8000-000000000001": {"RSA_SHA_256", vectorKey},
		"10000000-0000-4000-8000-000000000002": {"ECDSA_SHA_256", base64.StdEncoding.EncodeToString(der384)},
		"10000000-0000-4000-8000-000000000003": {"ECDSA_SHA_256", "QFkwewylAoZIzj0CBQYIKoZIzj0DAQcDQgAEEext6d7AimvYFDAKBwsUsGXrhqmRHNPYum7V/BwfvJLmJeSMe2V0b9eWKPuFxAEH8HCY/MSZdBI+q/E6IdPnSg=="},
		"10000000-0000-4000-8000-000000000004": {"", vectorKey},
	}
	for id, k := range ids {
		srv.add(notificationsPath, id, k[0], k[1])
	}
	body := vectorBody(t)
	v := load(t, "circle {\n api_key "+testAPIKey+"\n}")
	for id := range ids {
		_, err := v.Verify(verifiertest.Case{Body: body, Header: headers(vectorSig, id)}.Request(), []byte(body), verifiertest.Now)
		if !errors.Is(err, webhookverify.ErrUnknownKey) {
			t.Errorf("%s (%s): err = %v, want unknown_key", id, ids[id][0], err)
		}
	}

	// The key is served for the vector's id, but under CPN's path: the
	// default endpoint does not find it, the cpn endpoint on the sandbox
	// host does.
	srv.add("/v2/cpn/notifications/publicKey/", vectorKeyID, "ECDSA_SHA_256", vectorKey)
	req := func() *http.Request {
		return verifiertest.Case{Body: body, Header: headers(vectorSig, vectorKeyID)}.Request()
	}
	if _, err := v.Verify(req(), []byte(body), verifiertest.Now); !errors.Is(err, webhookverify.ErrUnknownKey) {
		t.Errorf("the notifications endpoint: err = %v, want unknown_key", err)
	}
	cpn := load(t, "circle {\n api_key "+testAPIKey+"\n api_host api-sandbox.circle.com\n endpoint cpn\n}")
	if _, err := cpn.Verify(req(), []byte(body), verifiertest.Now); err != nil {
		t.Errorf("the cpn endpoint: %v", err)
	}

	wrongKey := load(t, "circle {\n api_key TEST_API_KEY:wrong:key\n}")
	srv.add(notificationsPath, vectorKeyID, "ECDSA_SHA_256", vectorKey)
	_, err := wrongKey.Verify(req(), []byte(body), verifiertest.Now)
	if !errors.Is(err, webhookverify.ErrKeyUnavailable) {
		t.Errorf("an API key Circle refuses: err = %v, want key_unavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong:key") {
		t.Errorf("the error shows the API key: %v", err)
	}
}

// A pinned key id is never fetched, even with an API key.
func TestPinnedIsNeverFetched(t *testing.T) {
	srv := newKeyServer(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	srv.add(notificationsPath, vectorKeyID, "ECDSA_SHA_256", vectorKey)
	body := vectorBody(t)
	v := load(t, "circle {\n api_key "+testAPIKey+"\n public_key "+vectorKeyID+" "+base64.StdEncoding.EncodeToString(der)+"\n}")
	_, err := v.Verify(verifiertest.Case{Body: body, Header: headers(vectorSig, vectorKeyID)}.Request(), []byte(body), verifiertest.Now)
	if !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("err = %v, want invalid_signature (the pinned key, not the served one)", err)
	}
	if n := srv.hits.Load(); n != 0 {
		t.Fatalf("a pinned key id was fetched (%d requests)", n)
	}
}

func TestSignVerifyAndEvent(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	const id = "5e3c1a2b-7d4f-4e6a-9b8c-0d1e2f3a4b5c"
	pub, privB64 := base64.StdEncoding.EncodeToString(der), base64.StdEncoding.EncodeToString(priv)
	v := load(t, "circle {\n public_key "+id+" "+pub+"\n private_key "+privB64+"\n signing_key_id "+id+"\n}")

	for _, tc := range []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"outbound complete", `{"subscriptionId":"s","notificationId":"n-1","notificationType":"transactions.outbound","notification":{"id":"t","state":"COMPLETE","amounts":["12.5"],"refId":"order-7","tokenId":"tok"},"timestamp":"2024-06-01T10:00:00Z","version":2}`,
			webhookverify.Event{ID: "n-1", Type: "com.circle.transactions.outbound", Time: time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC), Status: webhookverify.StatusSucceeded, Amount: "12.5", Reference: "order-7"}},
		{"inbound confirmed", `{"notificationId":"n-2","notificationType":"transactions.inbound","notification":{"state":"CONFIRMED","amounts":["1","2"]}}`,
			webhookverify.Event{ID: "n-2", Type: "com.circle.transactions.inbound", Status: webhookverify.StatusPending}},
		{"outbound failed", `{"notificationId":"n-3","notificationType":"transactions.outbound","notification":{"state":"FAILED"}}`,
			webhookverify.Event{ID: "n-3", Type: "com.circle.transactions.outbound", Status: webhookverify.StatusFailed}},
		{"an amount object", `{"notificationId":"n-4","notificationType":"deposits.complete","notification":{"amount":{"amount":"100.00","currency":"USD"},"status":"complete"}}`,
			webhookverify.Event{ID: "n-4", Type: "com.circle.deposits.complete", Amount: "100.00", Currency: "USD"}},
		{"a challenge is no payment", `{"notificationId":"n-5","notificationType":"challenges.accelerateTransaction","notification":{"status":"COMPLETE"}}`,
			webhookverify.Event{ID: "n-5", Type: "com.circle.challenges.acceleratetransaction"}},
		{"not JSON", `hello`, webhookverify.Event{Type: "com.circle.notification"}},
		{"an unsafe type", `{"notificationId":"n-6","notificationType":"a b"}`, webhookverify.Event{ID: "n-6", Type: "com.circle.notification"}},
	} {
		r := verifiertest.Case{Body: tc.body}.Request()
		if _, err := v.(webhookverify.Signer).Sign(r, []byte(tc.body), verifiertest.Now); err != nil {
			t.Fatal(err)
		}
		if got := r.Header.Get("X-Circle-Key-Id"); got != id {
			t.Fatalf("signed as %q, want %s", got, id)
		}
		ev, err := v.Verify(r, []byte(tc.body), verifiertest.Now)
		if err != nil {
			t.Fatalf("%s: what Sign signed: %v", tc.name, err)
		}
		if ev != tc.want {
			t.Errorf("%s: event\n got %+v\nwant %+v", tc.name, ev, tc.want)
		}
		// Verified apart from the code under test.
		sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("X-Circle-Signature"))
		digest := sha256.Sum256([]byte(tc.body))
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			t.Errorf("%s: Sign's signature is not ASN.1 ECDSA of SHA-256 of the body", tc.name)
		}
	}

	cov := v.(webhookverify.Coverer).Covers()
	if !cov.Body || !cov.EventID || cov.Tolerance != 0 || cov.Unsigned {
		t.Errorf("Covers() = %+v", cov)
	}
	if got := v.(webhookverify.CredentialHeaderer).CredentialHeaders(); strings.Join(got, ",") != "X-Circle-Signature,X-Circle-Key-Id" {
		t.Errorf("CredentialHeaders() = %v", got)
	}
	noSigner := load(t, "circle {\n public_key "+id+" "+pub+"\n}")
	if _, err := noSigner.(webhookverify.Signer).Sign(verifiertest.Case{}.Request(), nil, verifiertest.Now); err == nil || !strings.Contains(err.Error(), "private_key") {
		t.Errorf("Sign without a key: %v", err)
	}
}

// Circle validates a subscription's URL with an unsigned HEAD: it is
// answered, and nothing else is.
func TestHeadChallenge(t *testing.T) {
	v := load(t, "circle {\n public_key "+vectorKeyID+" "+vectorKey+"\n}")
	c := v.(webhookverify.UnsignedChallenger)
	if a := c.UnsignedChallenge(httptest.NewRequest(http.MethodHead, "/hooks", nil), nil); a == nil || a.Status != 0 || len(a.Body) != 0 {
		t.Errorf("HEAD: %+v, want an empty 200", a)
	}
	for _, tc := range []struct {
		method, body string
	}{{http.MethodPost, ""}, {http.MethodPost, "{}"}, {http.MethodGet, ""}, {http.MethodHead, "x"}} {
		if a := c.UnsignedChallenge(httptest.NewRequest(tc.method, "/hooks", nil), []byte(tc.body)); a != nil {
			t.Errorf("%s with body %q answered: %+v", tc.method, tc.body, a)
		}
	}
}

func TestConfig(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	privB64 := base64.StdEncoding.EncodeToString(priv)
	for name, c := range map[string]struct{ block, want string }{
		"nothing":                  {"circle {\n}", "api_key {env.CIRCLE_API_KEY}"},
		"misspelled":               {"circle {\n api_kye k\n}", "use api_key, api_host, endpoint, public_key, private_key or signing_key_id"},
		"a secret":                 {"circle {\n secret s\n}", "takes no secret"},
		"another host":             {"circle {\n api_key k\n api_host api.circle.com.evil.test\n}", "api_host \"api.circle.com.evil.test\": use one of api.circle.com, api-sandbox.circle.com"},
		"another endpoint":         {"circle {\n api_key k\n endpoint payments\n}", "use notifications"},
		"a key id that is no UUID": {"circle {\n public_key key-1 " + vectorKey + "\n}", "must be a UUID"},
		"a key alone":              {"circle {\n public_key " + vectorKey + "\n}", "public_key takes a key id and a key"},
		"a key twice":              {"circle {\n public_key " + vectorKeyID + " " + vectorKey + "\n public_key " + strings.ToUpper(vectorKeyID) + " " + vectorKey + "\n}", "given twice"},
		"not a key":                {"circle {\n public_key " + vectorKeyID + " bm90IGEga2V5\n}", "public_key " + vectorKeyID},
		"private key alone":        {"circle {\n public_key " + vectorKeyID + " " + vectorKey + "\n private_key " + privB64 + "\n}", "go together"},
		"private key of another":   {"circle {\n public_key " + vectorKeyID + " " + vectorKey + "\n private_key " + privB64 + "\n signing_key_id " + vectorKeyID + "\n}", "private_key does not match"},
		"api_key unset":            {"circle {\n api_key {env.CIRCLE_TEST_UNSET_KEY}\n}", "export CIRCLE_TEST_UNSET_KEY"},
		"api_key with a newline":   {"circle {\n api_key \"TEST:a\r\nX-Injected: 1\"\n}", "spaces or control characters"},
		"api_key empty":            {"circle {\n api_key \"\"\n}", "api_key is empty"},
	} {
		if _, err := verifiertest.TryLoad(c.block); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	// The JSON config is checked as the Caddyfile is.
	for name, c := range map[string]struct{ json, want string }{
		"no key":       {`{}`, "api_key is required"},
		"bad host":     {`{"api_key":"k","api_host":"evil.test"}`, "api_host"},
		"bad endpoint": {`{"api_key":"k","endpoint":"x"}`, "endpoint"},
		"bad id":       {`{"public_keys":{"x":"` + vectorKey + `"}}`, "must be a UUID"},
		"signing id":   {`{"api_key":"k","signing_key_id":"` + vectorKeyID + `"}`, "only with private_key"},
	} {
		_, err := verifiertest.TryLoadJSON("circle", c.json)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestSecretsStayHidden(t *testing.T) {
	newKeyServer(t) // answers 401 to this key: the error must not show it
	const secret = "HIDDEN_PREFIX:5ec2e7a1b2c3d4e5f6a7b8c9d0e1f2a3:5ec2e7ffeeddccbbaa99887766554433"
	body := vectorBody(t)
	verifiertest.SecretsStayHidden(t, secret, "circle {\n api_key "+secret+"\n}", []verifiertest.Case{
		{Name: "fetch refused", Body: body, Header: headers(vectorSig, vectorKeyID)},
		{Name: "malformed", Body: body, Header: headers("%%", vectorKeyID)},
		{Name: "bad id", Body: body, Header: headers(vectorSig, "x")},
	},
		"circle {\n api_key "+secret+"\n api_host evil.test\n}",
		"circle {\n api_key "+secret+"\n endpoint x\n}",
		"circle {\n api_key "+secret+"\n bogus\n}",
		"circle {\n api_key "+secret+" extra\n}",
		"circle {\n api_key \""+secret+"\nX\"\n}",
	)
}

// FuzzSignVerify: what Sign signs verifies against the pinned key, and a
// body one bit off does not.
func FuzzSignVerify(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	const id = "5e3c1a2b-7d4f-4e6a-9b8c-0d1e2f3a4b5c"
	v := verifiertest.Load(f, "circle {\n public_key "+id+" "+base64.StdEncoding.EncodeToString(der)+
		"\n private_key "+base64.StdEncoding.EncodeToString(priv)+"\n signing_key_id "+id+"\n}")
	verifiertest.FuzzSigned(f, []webhookverify.Verifier{v}, `{"notificationId":"n-1","notificationType":"webhooks.test"}`, "", "x")
}
