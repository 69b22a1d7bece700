package webhookverify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func spki(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParsePublicKeyForms(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsaKey.PublicKey, rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	ok := []struct {
		name, value string
		typ         webhookverify.KeyType
	}{
		{"rsa PEM PUBLIC KEY", pemOf("PUBLIC KEY", spki(t, &rsaKey.PublicKey)), webhookverify.KeyRSA},
		{"rsa PEM RSA PUBLIC KEY", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)), webhookverify.KeyRSA},
		{"rsa certificate", pemOf("CERTIFICATE", certDER), webhookverify.KeyRSA},
		{"rsa base64 DER", base64.StdEncoding.EncodeToString(spki(t, &rsaKey.PublicKey)), webhookverify.KeyRSA},
		{"ecdsa base64 DER", base64.StdEncoding.EncodeToString(spki(t, &ecKey.PublicKey)), webhookverify.KeyECDSA},
		{"ecdsa PEM, indented", "  " + pemOf("PUBLIC KEY", spki(t, &ecKey.PublicKey)) + "\n", webhookverify.KeyECDSA},
		{"ed25519 hex", hex.EncodeToString(edPub), webhookverify.KeyEd25519},
		{"ed25519 base64url", base64.RawURLEncoding.EncodeToString(edPub), webhookverify.KeyEd25519},
		{"ed25519 PEM", pemOf("PUBLIC KEY", spki(t, edPub)), webhookverify.KeyEd25519},
	}
	for _, c := range ok {
		if _, err := webhookverify.ParsePublicKey(c.value, c.typ); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	identity := make([]byte, 32)
	identity[0] = 1 // the neutral point: every message verifies under R = identity, S = 0
	bad := []struct {
		name, value string
		typ         webhookverify.KeyType
		want        string
	}{
		{"rsa 1024", pemOf("PUBLIC KEY", spki(t, &small.PublicKey)), webhookverify.KeyRSA, "RSA key of 1024 bits: at least 2048"},
		{"ecdsa P-384", pemOf("PUBLIC KEY", spki(t, &p384.PublicKey)), webhookverify.KeyECDSA, "ECDSA key on P-384"},
		{"rsa where ecdsa is signed", pemOf("PUBLIC KEY", spki(t, &rsaKey.PublicKey)), webhookverify.KeyECDSA, "not an ecdsa key"},
		{"ecdsa where ed25519 is signed", pemOf("PUBLIC KEY", spki(t, &ecKey.PublicKey)), webhookverify.KeyEd25519, "not an ed25519 key"},
		{"ed25519 all zero", strings.Repeat("00", 32), webhookverify.KeyEd25519, "small order"},
		{"ed25519 identity", hex.EncodeToString(identity), webhookverify.KeyEd25519, "small order"},
		{"private key block", pemOf("PRIVATE KEY", []byte("x")), webhookverify.KeyRSA, `PEM block "PRIVATE KEY"`},
		{"two blocks", pemOf("PUBLIC KEY", spki(t, &ecKey.PublicKey)) + pemOf("PUBLIC KEY", spki(t, &ecKey.PublicKey)), webhookverify.KeyECDSA, "not one PEM block"},
		{"garbage", "not a key", webhookverify.KeyRSA, "not a PEM block, nor the base64 of a DER public key"},
		{"truncated DER", base64.StdEncoding.EncodeToString(spki(t, &ecKey.PublicKey)[:40]), webhookverify.KeyECDSA, "not a PEM block"},
	}
	for _, c := range bad {
		_, err := webhookverify.ParsePublicKey(c.value, c.typ)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// Each key type signs what verifies, under any of its keys, and nothing
// else verifies: another key, another message, a changed signature.
func TestPublicKeysMatchAndSign(t *testing.T) {
	rsa1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa2, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed1, _ := ed25519.GenerateKey(rand.Reader)
	_, ed2, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		typ         webhookverify.KeyType
		alg         webhookverify.Algorithm
		priv, other crypto.Signer
	}{
		{webhookverify.KeyRSA, webhookverify.SHA256, rsa1, rsa2},
		{webhookverify.KeyRSA, webhookverify.SHA512, rsa1, rsa2},
		{webhookverify.KeyECDSA, webhookverify.SHA256, ec1, ec2},
		{webhookverify.KeyEd25519, "", ed1, ed2},
	} {
		name := string(c.typ) + "/" + string(c.alg)
		signer, err := webhookverify.NewPublicKeys(c.typ, c.alg, []crypto.PublicKey{c.other.Public(), c.priv.Public()}, c.priv)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sig, err := signer.Sign([]byte("1600112502"), []byte(`{"a":1}`))
		if err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		if !signer.Match([][]byte{[]byte("junk"), sig}, []byte("1600112502"), []byte(`{"a":1}`)) {
			t.Errorf("%s: the signature does not verify", name)
		}
		if !signer.Match([][]byte{sig}, []byte(`1600112502{"a":1}`)) {
			t.Errorf("%s: the same bytes split otherwise do not verify", name)
		}
		if signer.Match([][]byte{sig}, []byte("1600112503"), []byte(`{"a":1}`)) {
			t.Errorf("%s: another message verifies", name)
		}
		flipped := append([]byte(nil), sig...)
		flipped[len(flipped)/2] ^= 1
		if signer.Match([][]byte{flipped}, []byte("1600112502"), []byte(`{"a":1}`)) {
			t.Errorf("%s: a changed signature verifies", name)
		}
		onlyOther, err := webhookverify.NewPublicKeys(c.typ, c.alg, []crypto.PublicKey{c.other.Public()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if onlyOther.Match([][]byte{sig}, []byte("1600112502"), []byte(`{"a":1}`)) {
			t.Errorf("%s: another key verifies", name)
		}
		if _, err := onlyOther.Sign([]byte("x")); err == nil || !strings.Contains(err.Error(), "private_key") {
			t.Errorf("%s: signing without a private key: %v", name, err)
		}
		if _, err := webhookverify.NewPublicKeys(c.typ, c.alg, []crypto.PublicKey{c.other.Public()}, c.priv); err == nil {
			t.Errorf("%s: a private key of none of the public keys was accepted", name)
		}
	}
	if _, err := webhookverify.NewPublicKeys(webhookverify.KeyRSA, webhookverify.SHA3512, []crypto.PublicKey{rsa1.Public()}, nil); err == nil {
		t.Error("RSA with SHA3-512 was accepted")
	}
}

func TestParsePrivateKeyForms(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	for name, s := range map[string]string{
		"PKCS #8 PEM":    pemOf("PRIVATE KEY", der),
		"EC PEM":         pemOf("EC PRIVATE KEY", sec1),
		"PKCS #8 base64": base64.StdEncoding.EncodeToString(der),
	} {
		k, err := webhookverify.ParsePrivateKey(s, webhookverify.KeyECDSA)
		if err != nil || !ec.PublicKey.Equal(k.Public()) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := webhookverify.ParsePrivateKey(base64.StdEncoding.EncodeToString(der), webhookverify.KeyRSA); err == nil {
		t.Error("an ECDSA private key was accepted as RSA")
	}
	if _, err := webhookverify.ParsePrivateKey("not a key", webhookverify.KeyECDSA); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Errorf("garbage: %v (and the error must not quote it)", err)
	}
}
