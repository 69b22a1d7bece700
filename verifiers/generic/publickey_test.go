package generic_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// With key_type, the hmac verifier checks a public-key signature of the
// same template: an ECDSA signature made apart from the code under test
// verifies; a changed timestamp or body, another key, or a secret where a
// public key is needed do not.
func TestHMACPublicKeySignatures(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b64 := base64.StdEncoding.EncodeToString
	pubOf := func(k *ecdsa.PrivateKey) string {
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		return b64(der)
	}
	block := func(lines ...string) string {
		return "hmac {\n key_type ecdsa\n header X-Sig\n encoding base64\n timestamp_header X-Ts\n payload {timestamp}.{body}\n" +
			strings.Join(lines, "\n") + "\n}"
	}
	const body = `{"id":"evt_1"}`
	ts := strconv.FormatInt(verifiertest.Now.Unix(), 10)
	digest := sha256.Sum256([]byte(ts + "." + body))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(sig []byte, ts string) [][2]string { return [][2]string{{"X-Sig", b64(sig)}, {"X-Ts", ts}} }
	v := verifiertest.Load(t, block(" public_key "+pubOf(other)+" "+pubOf(key)))
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed apart", Body: body, Header: hdr(sig, ts)},
		{Name: "another timestamp", Body: body, Header: hdr(sig, strconv.FormatInt(verifiertest.Now.Unix()+1, 10)), Err: webhookverify.ErrInvalidSignature},
		{Name: "another body", Body: `{"id":"evt_2"}`, Header: hdr(sig, ts), Err: webhookverify.ErrInvalidSignature},
	})
	onlyOther := verifiertest.Load(t, block(" public_key "+pubOf(other)))
	if _, err := onlyOther.Verify(verifiertest.Case{Body: body, Header: hdr(sig, ts)}.Request(), []byte(body), verifiertest.Now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("another key: %v", err)
	}

	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	signer := verifiertest.Load(t, block(" public_key "+pubOf(key), " private_key "+b64(priv)))
	r := verifiertest.Case{Body: body}.Request()
	if _, err := signer.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
		t.Errorf("what Sign signed: %v", err)
	}

	for name, c := range map[string]struct{ block, want string }{
		"secret with key_type":     {block(" public_key "+pubOf(key), " secret s3cret-0123456789abcdef"), "verifies with public keys: remove secret"},
		"no public key":            {block(), "needs the provider's public key"},
		"public key without type":  {"hmac {\n header X-Sig\n secret s3cret-0123456789abcdef\n public_key " + pubOf(key) + "\n}", "need key_type"},
		"an ECDSA key for rsa":     {strings.Replace(block(" public_key "+pubOf(key)), "key_type ecdsa", "key_type rsa", 1), "not an rsa key"},
		"an unknown key type":      {strings.Replace(block(" public_key "+pubOf(key)), "key_type ecdsa", "key_type dsa", 1), `unknown key type "dsa"`},
		"a private key of no pair": {block(" public_key "+pubOf(other), " private_key "+b64(priv)), "private_key does not match"},
	} {
		if _, err := verifiertest.TryLoad(c.block); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

// A public-key signature is not held to a MAC's size under
// skip_bad_signatures, and a request may not make the gateway check more
// than 4 of them.
func TestHMACPublicKeyLimits(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	b64 := base64.StdEncoding.EncodeToString
	v := verifiertest.Load(t, "hmac {\n key_type ecdsa\n header X-Sig\n encoding base64\n prefix v1,\n skip_bad_signatures\n public_key "+
		b64(der)+"\n private_key "+b64(priv)+"\n}")
	const body = `{"id":"evt_1"}`
	r := verifiertest.Case{Body: body}.Request()
	if _, err := v.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatalf("an ECDSA signature with skip_bad_signatures: %v", err)
	}
	good := r.Header.Get("X-Sig")
	r.Header.Set("X-Sig", strings.Repeat("v1,"+b64([]byte("not a signature"))+" ", 4)+good)
	if _, err := v.Verify(r, []byte(body), verifiertest.Now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
		t.Fatalf("five signatures: %v, want malformed", err)
	}
}
