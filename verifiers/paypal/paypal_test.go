package paypal_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"hash/crc32"
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
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/paypal"
)

// The PayPal Java SDK's vector (paypal/PayPal-Java-SDK @2a34212,
// rest-api-sdk/src/test/java/com/paypal/base/ValidateCertTest.java 50–59,
// the certificate rest-api-sdk/src/test/resources/testClientCert.crt).
// The certificate was valid from 2017-02-18 to 2019-04-26: the tests'
// clock is in 2017.
const (
	vectorID        = "071f7d20-1584-11e7-abf0-6b62a8a99ac4"
	vectorTime      = "2017-03-30T20:04:05Z"
	vectorWebhookID = "96605875FF6516633"
	vectorCertURL   = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77" // the test serves the vector's certificate here
	vectorSig       = "aBjgm5/xljRYu3G64Q0axISrP2xcy7WbW1u4UTCKnQvyprOZ1a1BBmqn2Jdr6ce8E76I3Ti/AL9y4VYSHyGSEaoE6dVQcCDebLbOXLH0fjTAbTc1/rmfdWmsk0DPltW84Y8W8jOHe3CLWDOwg5zmozyt+AceG2x5eOiw7mLSycaEoj/5RG+dOIWXnmWcLEArbG3VFshy0wuhZrKuGa9C/bD4Ku+Y9gK7Bv5I5IuGRVnTGpcFnVG0KxOyJxccLGyBVCIUMY5IZS7LkmJszQ3HZZFDTNihvgJHECSLwLhzUaysIye5G6CbbLdtAmeeb6wiDciEAvr2dFf+SplOR4Lrng=="
)

var vectorNow = time.Date(2017, 3, 30, 20, 5, 0, 0, time.UTC)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// certServer serves PEM certificates by path from PayPal's sandbox host,
// trusting DigiCert's EV root (for the SDK's certificate) and ca's, and
// counts requests.
type certServer struct {
	mu    sync.Mutex
	certs map[string][]byte
	hits  atomic.Int64
	ca    *keysourcetest.CA
}

func newCertServer(t testing.TB) *certServer {
	t.Helper()
	s := &certServer{certs: map[string][]byte{}, ca: keysourcetest.NewCA(t)}
	roots := x509.NewCertPool()
	roots.AddCert(s.ca.Cert)
	if !roots.AppendCertsFromPEM(read(t, "digicert-high-assurance-ev-root.pem")) {
		t.Fatal("no DigiCert root")
	}
	now := time.Now()
	leaf := s.ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "api.sandbox.paypal.com", "api.paypal.com")
	keysourcetest.StartTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		switch r.URL.Path {
		case "/v1/notifications/certs/CERT-redirect":
			http.Redirect(w, r, "https://api.paypal.com/v1/notifications/certs/CERT-1", http.StatusFound)
			return
		case "/slow":
			<-r.Context().Done()
			return
		}
		s.mu.Lock()
		pemBytes, ok := s.certs[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(pemBytes)
	}), roots, leaf)
	s.certs["/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"] = read(t, "java-sdk-cert.pem")
	return s
}

// issue makes a signing certificate for cn from the server's CA, valid
// around now, and serves it at path; it returns the private key (base64
// PKCS #8) and the certificate's URL.
func (s *certServer) issue(t testing.TB, path, cn string, notBefore, notAfter time.Time) (string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca.Cert, &key.PublicKey, s.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.certs[path] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	s.mu.Unlock()
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	return pemBase64(priv), "https://api.sandbox.paypal.com" + path
}

func pemBase64(der []byte) string { return webhookverify.Base64.Encode(der) }

func headers(id, ts, sig, certURL, algo string) [][2]string {
	return [][2]string{
		{"Paypal-Transmission-Id", id}, {"Paypal-Transmission-Time", ts}, {"Paypal-Transmission-Sig", sig},
		{"Paypal-Cert-Url", certURL}, {"Paypal-Auth-Algo", algo},
	}
}

func TestJavaSDKVector(t *testing.T) {
	srv := newCertServer(t)
	body := string(read(t, "java-sdk-body.json"))
	if crc := crc32.ChecksumIEEE([]byte(body)); crc != 3494065244 {
		t.Fatalf("the vector's body has CRC-32 %d, want 3494065244", crc)
	}
	v := verifiertest.Load(t, "paypal {\n webhook_id "+vectorWebhookID+"\n}")
	good := headers(vectorID, vectorTime, vectorSig, vectorCertURL, "SHA256withRSA")
	with := func(name, value string) [][2]string {
		out := append([][2]string(nil), good...)
		for i := range out {
			if strings.EqualFold(out[i][0], name) {
				out[i][1] = value
			}
		}
		return out
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: body, Header: good, Now: vectorNow, Event: &webhookverify.Event{
			ID: vectorID, Type: "com.paypal.webhook", Time: time.Date(2017, 3, 30, 20, 4, 5, 0, time.UTC),
		}},
		{Name: "a byte of the body changed", Body: strings.Replace(body, `"value":"1"`, `"value":"9"`, 1), Header: good, Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "another transmission id", Body: body, Header: with("Paypal-Transmission-Id", "071f7d20-1584-11e7-abf0-6b62a8a99ac5"), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "SHA1withRSA", Body: body, Header: with("Paypal-Auth-Algo", "SHA1withRSA"), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "no signature", Body: body, Header: with("Paypal-Transmission-Sig", ""), Now: vectorNow, Err: webhookverify.ErrMissingSignature},
		{Name: "no time", Body: body, Header: with("Paypal-Transmission-Time", ""), Now: vectorNow, Err: webhookverify.ErrMissingTimestamp},
		{Name: "no cert URL", Body: body, Header: with("Paypal-Cert-Url", ""), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated id", Body: body, Header: append(good, [2]string{"Paypal-Transmission-Id", vectorID}), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "signature not base64", Body: body, Header: with("Paypal-Transmission-Sig", "%%%"), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "four days later", Body: body, Header: good, Now: vectorNow.Add(96 * time.Hour), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "the certificate expired", Body: body, Header: with("Paypal-Transmission-Time", "2019-05-01T00:00:00Z"), Now: time.Date(2019, 5, 1, 0, 1, 0, 0, time.UTC), Err: webhookverify.ErrUnknownKey},
		{Name: "GET", Method: http.MethodGet, Body: body, Header: good, Now: vectorNow, Err: webhookverify.ErrMethodNotAllowed},
	})
	other := verifiertest.Load(t, "paypal {\n webhook_id 1JE4291016473214C\n}")
	verifiertest.Run(t, other, []verifiertest.Case{
		{Name: "another webhook's id", Body: body, Header: good, Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
	})
	if hits := srv.hits.Load(); hits != 1 {
		t.Errorf("the certificate was fetched %d times, want once (then cached)", hits)
	}
}

// PayPal signs the body only through its CRC-32: another body with the
// same CRC verifies under the same signature. This is why the event id is
// the signed transmission id (dedup refuses the second use of a
// transmission whatever its body) and why the body is not covered.
func TestCRCForgeryIsWhyTheBodyIsNotCovered(t *testing.T) {
	newCertServer(t)
	body := read(t, "java-sdk-body.json")
	forged := append([]byte(strings.Replace(string(body), `"value":"1"`, `"value":"9999"`, 1)), ' ', 0, 0, 0, 0)
	forged = fixCRC(forged, crc32.ChecksumIEEE(body))
	v := verifiertest.Load(t, "paypal {\n webhook_id "+vectorWebhookID+"\n}")
	good := headers(vectorID, vectorTime, vectorSig, vectorCertURL, "SHA256withRSA")
	ev, err := v.Verify(verifiertest.Case{Body: string(forged), Header: good}.Request(), forged, vectorNow)
	if err != nil {
		t.Fatalf("a CRC-preserving forgery was refused (%v): if PayPal's scheme changed, revisit Covers", err)
	}
	if ev.ID != vectorID {
		t.Errorf("event id = %q, want the transmission id", ev.ID)
	}
	if cov := v.(webhookverify.Coverer).Covers(); cov.Body || !cov.EventID || cov.Tolerance != 72*time.Hour {
		t.Errorf("Covers() = %+v, want the event id and a 72h tolerance, not the body", cov)
	}
}

// fixCRC overwrites the last 4 bytes of b so that its CRC-32 is want
// (CRC-32 is linear: four bytes set any value).
func fixCRC(b []byte, want uint32) []byte {
	n := len(b) - 4
	// Run the CRC register backwards from want over the last 4 bytes.
	table := crc32.MakeTable(crc32.IEEE)
	var rev [256]uint32 // index by the top byte of a table entry
	var idx [256]byte
	for i := 0; i < 256; i++ {
		rev[table[i]>>24] = table[i]
		idx[table[i]>>24] = byte(i)
	}
	reg := ^want
	for i := 0; i < 4; i++ {
		top := byte(reg >> 24)
		reg = (reg ^ rev[top]) << 8
		reg |= uint32(idx[top])
	}
	// reg is now the register needed before the 4 bytes, combined with them.
	pre := ^crc32.ChecksumIEEE(b[:n])
	binary.LittleEndian.PutUint32(b[n:], reg^pre)
	return b
}

// Hostile certificate URLs: another host, a look-alike, plain http,
// userinfo or another port are refused without a connection; a redirect
// is not followed; a certificate not chained to a trusted root, or issued
// to another name, is not PayPal's.
func TestCertificateURLs(t *testing.T) {
	srv := newCertServer(t)
	v := verifiertest.Load(t, "paypal {\n webhook_id WH-CONFIGURED\n}")
	body := `{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}`
	now := time.Now()
	try := func(certURL string) error {
		r := verifiertest.Case{Body: body, Header: headers("id-1", now.UTC().Format(time.RFC3339), vectorSig, certURL, "SHA256withRSA")}.Request()
		_, err := v.Verify(r, []byte(body), now)
		return err
	}
	for _, u := range []string{
		"https://evil.test/cert.pem",
		"https://api.sandbox.paypal.com.evil.test/v1/notifications/certs/CERT-1",
		"http://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
		"https://user@api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
		"https://api.sandbox.paypal.com:8443/v1/notifications/certs/CERT-1",
		"https://paypal.com/v1/notifications/certs/CERT-1",
		"not a URL",
		// PayPal's hosts, but not a certificate's path, or with a query.
		"https://api.sandbox.paypal.com/v1/notifications/test",
		"https://api.paypal.com/v1/oauth2/token",
		"https://api.paypal.com/v1/notifications/certs/",
		"https://api.paypal.com/v1/notifications/certs/CERT-1?x=1",
		"https://api.paypal.com/v1/notifications/certs/CERT-1#f",
		"https://api.paypal.com/v1/notifications/certs/../../oauth2/token",
	} {
		if err := try(u); !errors.Is(err, webhookverify.ErrKeyURLNotAllowed) {
			t.Errorf("%s: err = %v, want key_url_not_allowed", u, err)
		}
	}
	if hits := srv.hits.Load(); hits != 0 {
		t.Fatalf("refused URLs caused %d requests", hits)
	}
	if err := try("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-redirect"); !errors.Is(err, webhookverify.ErrKeyUnavailable) {
		t.Errorf("a redirect: err = %v, want key_unavailable", err)
	}
	// Self-issued by the test CA, which is a root here: chained, but to
	// another name.
	_, otherName := srv.issue(t, "/v1/notifications/certs/CERT-other-name", "messageverificationcerts.paypal.com.evil.test", now.Add(-time.Hour), now.Add(time.Hour))
	if err := try(otherName); !errors.Is(err, webhookverify.ErrUnknownKey) {
		t.Errorf("a certificate for another name: err = %v, want unknown_key", err)
	}
	self, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "messageverificationcerts.paypal.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &self.PublicKey, self)
	srv.mu.Lock()
	srv.certs["/v1/notifications/certs/CERT-self-signed"] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	srv.mu.Unlock()
	if err := try("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-self-signed"); !errors.Is(err, webhookverify.ErrUnknownKey) {
		t.Errorf("a self-signed certificate: err = %v, want unknown_key", err)
	}

	// A thousand requests naming a certificate that does not exist: one
	// fetch, then the negative cache.
	before := srv.hits.Load()
	var wg sync.WaitGroup
	var unknown atomic.Int64
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errors.Is(try("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-none"), webhookverify.ErrUnknownKey) {
				unknown.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := srv.hits.Load() - before; n != 1 || unknown.Load() != 1000 {
		t.Fatalf("1000 requests for a missing certificate: %d fetches, %d unknown_key; want 1 and 1000", n, unknown.Load())
	}
}

// What Sign signs with a test key and its certificate verifies; signed by
// a certificate for another name, it does not.
func TestSignVerify(t *testing.T) {
	srv := newCertServer(t)
	now := time.Now()
	priv, certURL := srv.issue(t, "/v1/notifications/certs/CERT-test", "messageverificationcerts.sandbox.paypal.com", now.Add(-time.Hour), now.Add(time.Hour))
	signer := verifiertest.Load(t, "paypal {\n webhook_id WH-TEST\n private_key "+priv+"\n cert_url "+certURL+"\n}")
	body := `{"id":"WH-2","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"amount":{"value":"5.00","currency_code":"EUR"},"invoice_id":"inv-9"}}`
	r := verifiertest.Case{Body: body}.Request()
	if _, err := signer.(webhookverify.Signer).Sign(r, []byte(body), now); err != nil {
		t.Fatal(err)
	}
	ev, err := signer.Verify(r, []byte(body), now)
	if err != nil {
		t.Fatalf("what Sign signed: %v", err)
	}
	// Nothing is read from the body: only the CRC signs it.
	if ev.ID != r.Header.Get("Paypal-Transmission-Id") || ev.Type != "com.paypal.webhook" || ev.Status != "" || ev.Amount != "" || ev.Reference != "" {
		t.Errorf("event = %+v, want the transmission id and no fact of the body", ev)
	}
	if _, err := verifiertest.TryLoad("paypal {\n}"); err == nil || !strings.Contains(err.Error(), "webhook_id") {
		t.Errorf("no webhook_id: %v", err)
	}
	if _, err := verifiertest.TryLoad("paypal {\n webhook_id W\n secret s\n}"); err == nil || !strings.Contains(err.Error(), "takes no secret") {
		t.Errorf("a secret: %v", err)
	}
}

// FuzzSignVerify: what Sign signs verifies with its certificate served
// from PayPal's host. PayPal signs the body only through its CRC, which
// the verifier does not take as covering it, so a changed body says
// nothing (see TestCRCForgeryIsWhyTheBodyIsNotCovered).
func FuzzSignVerify(f *testing.F) {
	srv := newCertServer(f)
	now := verifiertest.Now
	priv, certURL := srv.issue(f, "/v1/notifications/certs/CERT-fuzz", "messageverificationcerts.paypal.com", now.Add(-time.Hour), now.Add(time.Hour))
	v := verifiertest.Load(f, "paypal {\n webhook_id WH-FUZZ\n private_key "+priv+"\n cert_url "+certURL+"\n}")
	verifiertest.FuzzSigned(f, []webhookverify.Verifier{v}, `{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}`, "", "x")
}
