// Package keysourcetest lets unit tests serve providers' keys from a local
// TLS server: it makes keysource dial that server for every allowed host,
// trusting only a throwaway CA, for the duration of a test. URLs are still
// checked against the Config's allowed hosts, and the server's certificate
// must name the host in the URL.
//
//	srv := keysourcetest.NewServer(t, handler, "api.paypal.com")
//	// keysource fetches of https://api.paypal.com/... now reach handler.
//
// The redirection is process-wide: tests that use it must not run in
// parallel with each other. Its functions fail outside a test binary.
package keysourcetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/internal/override"
)

// CA is a throwaway certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	Pool *x509.CertPool // holding Cert only
}

// NewCA makes a CA valid from 2000 until a day from now, so that it can
// also issue certificates that tests check at a fixed time in the past
// (verifiertest.Now, a published vector's date).
func NewCA(t testing.TB) *CA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "keysourcetest CA"},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: key, Pool: pool}
}

// PEM returns the CA's certificate in PEM, as WEBHOOK_VERIFY_TEST_KEY_CA
// expects.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Leaf issues a server certificate for hosts, valid between notBefore and
// notAfter.
func (ca *CA) Leaf(t testing.TB, notBefore, notAfter time.Time, hosts ...string) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Override makes keysource dial addr instead of every allowed host and
// trust roots only, until the test ends. It fails the test if another
// override is active.
func Override(t testing.TB, addr string, roots *x509.CertPool) {
	t.Helper()
	if !testing.Testing() {
		panic("keysourcetest: used outside a test binary")
	}
	if prev := override.Set(&override.Target{Addr: addr, Roots: roots}); prev != nil {
		override.Set(prev)
		t.Fatalf("keysourcetest: an override (to %s) is already active; tests using keysourcetest must not run in parallel", prev.Addr)
	}
	t.Cleanup(func() { override.Set(nil) })
}

// NewServer starts a TLS server running h with a certificate for hosts
// from a new CA, and overrides keysource to reach it (see Override) until
// the test ends, when it is closed.
func NewServer(t testing.TB, h http.Handler, hosts ...string) *httptest.Server {
	t.Helper()
	ca := NewCA(t)
	now := time.Now()
	return StartTLS(t, h, ca.Pool, ca.Leaf(t, now.Add(-time.Hour), now.Add(time.Hour), hosts...))
}

// StartTLS starts a TLS server running h with cert and overrides keysource
// to reach it, trusting roots only, until the test ends. It serves tests
// of bad certificates; NewServer is the usual way.
func StartTLS(t testing.TB, h http.Handler, roots *x509.CertPool, cert tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	Override(t, srv.Listener.Addr().String(), roots)
	return srv
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
