package webhookverify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash"
	"strings"
	"sync"

	"filippo.io/edwards25519"
	"github.com/caddyserver/caddy/v2"
)

// KeyType names the kind of public key a provider signs with.
type KeyType string

// The supported key types.
const (
	// Ed25519 signs the message itself (no separate hash).
	KeyEd25519 KeyType = "ed25519"
	// KeyECDSA is ECDSA on P-256; signatures are ASN.1 DER.
	KeyECDSA KeyType = "ecdsa"
	// KeyRSA is RSA with PKCS #1 v1.5 signatures, at least 2048 bits.
	KeyRSA KeyType = "rsa"
)

// MinRSABits is the smallest RSA modulus accepted.
const MinRSABits = 2048

// Check returns an error naming the valid choices if t is not supported.
func (t KeyType) Check() error {
	switch t {
	case KeyEd25519, KeyECDSA, KeyRSA:
		return nil
	}
	return fmt.Errorf("unknown key type %q: use ed25519, ecdsa or rsa", string(t))
}

// ParsePublicKey reads a public key of type t as providers publish them:
// a PEM block ("PUBLIC KEY", "RSA PUBLIC KEY" or a "CERTIFICATE", whose
// key is taken), the base64 of a DER SubjectPublicKeyInfo, or, for
// Ed25519, the 32-byte key in hex, base64 or base64url. It refuses a key
// of another type and degenerate keys (see CheckPublicKey). Errors never
// quote the value.
func ParsePublicKey(s string, t KeyType) (crypto.PublicKey, error) {
	pub, err := parsePublicKey(strings.TrimSpace(s), t)
	if err != nil {
		return nil, err
	}
	if err := CheckPublicKey(pub, t); err != nil {
		return nil, err
	}
	return pub, nil
}

func parsePublicKey(s string, t KeyType) (crypto.PublicKey, error) {
	if strings.HasPrefix(s, "-----BEGIN") {
		block, rest := pem.Decode([]byte(s))
		if block == nil || len(bytes.TrimSpace(rest)) > 0 {
			return nil, fmt.Errorf("not one PEM block")
		}
		switch block.Type {
		case "PUBLIC KEY":
			if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
				return pub, nil
			}
		case "RSA PUBLIC KEY":
			if pub, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
				return pub, nil
			}
		case "CERTIFICATE":
			if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
				return cert.PublicKey, nil
			}
		default:
			return nil, fmt.Errorf("PEM block %q: use a PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE block", block.Type)
		}
		return nil, fmt.Errorf("PEM %s block could not be parsed", block.Type)
	}
	if t == KeyEd25519 {
		if raw, ok := decodeEd25519(s); ok {
			return ed25519.PublicKey(raw), nil
		}
	}
	if der, err := Base64.Decode(s); err == nil {
		if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
			return pub, nil
		}
	}
	if t == KeyEd25519 {
		return nil, fmt.Errorf("not a 32-byte Ed25519 key in hex, base64 or base64url, nor a PEM block or the base64 of a DER public key")
	}
	return nil, fmt.Errorf("not a PEM block, nor the base64 of a DER public key (SubjectPublicKeyInfo)")
}

// decodeEd25519 decodes 32 bytes written in hex, base64 or base64url.
// The lengths do not overlap: hex is 64 digits, base64 43 or 44
// characters.
func decodeEd25519(s string) ([]byte, bool) {
	const size = ed25519.PublicKeySize // = ed25519.SeedSize
	var b []byte
	var err error
	switch {
	case len(s) == 2*size:
		b, err = hex.DecodeString(s)
	case strings.ContainsAny(s, "-_"):
		b, err = Base64URL.Decode(s)
	default:
		b, err = Base64.Decode(s)
	}
	return b, err == nil && len(b) == size
}

// CheckPublicKey refuses a key that is not of type t, or under which
// signatures mean little: an RSA modulus under MinRSABits or an unusual
// exponent, an ECDSA key off P-256, an Ed25519 key that is not the
// canonical encoding of a point or whose point has small order (one of the
// 8 points that the cofactor sends to the identity, the all-zero key among
// them: crypto/ed25519 accepts them, and under the identity R = identity,
// S = 0 verifies any message). No genuine key is any of these.
func CheckPublicKey(pub crypto.PublicKey, t KeyType) error {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if t != KeyEd25519 {
			break
		}
		return checkEd25519(k)
	case *ecdsa.PublicKey:
		if t != KeyECDSA {
			break
		}
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("ECDSA key on %s: the provider signs on P-256", k.Curve.Params().Name)
		}
		return nil
	case *rsa.PublicKey:
		if t != KeyRSA {
			break
		}
		if k.N.BitLen() < MinRSABits {
			return fmt.Errorf("RSA key of %d bits: at least %d are needed", k.N.BitLen(), MinRSABits)
		}
		if k.E < 3 || k.E%2 == 0 {
			return fmt.Errorf("RSA key with exponent %d: not a valid signing key", k.E)
		}
		return nil
	default:
		return fmt.Errorf("unsupported key type %T: use an Ed25519, ECDSA P-256 or RSA key", pub)
	}
	return fmt.Errorf("the key is not an %s key: use the provider's %s public key", t, t)
}

func checkEd25519(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("not an Ed25519 public key: %d bytes, not 32", len(pub))
	}
	p, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return fmt.Errorf("not an Ed25519 public key: the 32 bytes encode no curve point")
	}
	if !bytes.Equal(p.Bytes(), pub) {
		return fmt.Errorf("not an Ed25519 public key: a non-canonical point encoding")
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return fmt.Errorf("degenerate Ed25519 public key of small order (e.g. all zeros), under which forged signatures verify: use the provider's real public key")
	}
	return nil
}

// ParsePrivateKey reads a private key of type t, to sign as the provider
// would (tests and `caddy webhook sign`): a PEM "PRIVATE KEY" (PKCS #8),
// "RSA PRIVATE KEY" or "EC PRIVATE KEY" block, the base64 of a PKCS #8
// DER key, or, for Ed25519, a 32-byte seed in hex, base64 or base64url.
// Errors never quote the value.
func ParsePrivateKey(s string, t KeyType) (crypto.Signer, error) {
	s = strings.TrimSpace(s)
	var key any
	var err error
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, fmt.Errorf("not a PEM block")
		}
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			return nil, fmt.Errorf("PEM block %q: use a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM %s could not be parsed", block.Type)
		}
	} else if seed, ok := decodeEd25519(s); ok && t == KeyEd25519 {
		key = ed25519.NewKeyFromSeed(seed)
	} else if der, derr := Base64.Decode(s); derr == nil {
		if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
			return nil, fmt.Errorf("the base64 value is no PKCS #8 private key")
		}
	} else {
		return nil, fmt.Errorf("not a PEM private key block, nor the base64 of a PKCS #8 one (nor, for ed25519, a 32-byte seed in hex, base64 or base64url)")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key")
	}
	if err := CheckPublicKey(signer.Public(), t); err != nil {
		return nil, err
	}
	return signer, nil
}

// LoadPublicKey resolves a public_key setting's placeholders (e.g.
// {file./etc/keys/provider.pem}, when the config loads) and parses it as a
// key of type t (see ParsePublicKey).
func LoadPublicKey(value string, t KeyType) (crypto.PublicKey, error) {
	s, err := caddy.NewReplacer().ReplaceOrErr(value, true, true)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(s, t)
}

// LoadPrivateKey resolves a private_key setting (a placeholder such as
// {file./path/key.pem} or {env.NAME}, as secrets are) and parses it as a
// key of type t (see ParsePrivateKey). Errors never quote the key.
func LoadPrivateKey(value string, t KeyType) (crypto.Signer, error) {
	vals, err := Secrets{value}.Resolve()
	if err != nil {
		return nil, err
	}
	return ParsePrivateKey(string(vals[0]), t)
}

// PublicKeys verifies signatures made with a provider's private key,
// against any of its public keys (several allow rotation), and signs with
// a private key when one is configured. It is the public-key counterpart
// of HMACKeys.
type PublicKeys struct {
	keys    []crypto.PublicKey
	t       KeyType
	hash    crypto.Hash
	newHash func() hash.Hash
	priv    crypto.Signer
	bufs    sync.Pool // *[]byte: Ed25519 messages
}

// NewPublicKeys prepares verification by keys of type t, hashing with alg
// (for ECDSA and RSA; Ed25519 signs the message itself and ignores it).
// priv, when not nil, signs; its public key must be one of keys.
func NewPublicKeys(t KeyType, alg Algorithm, keys []crypto.PublicKey, priv crypto.Signer) (*PublicKeys, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	k := &PublicKeys{keys: keys, t: t, priv: priv}
	if t != KeyEd25519 {
		var err error
		if k.newHash, err = alg.New(); err != nil {
			return nil, err
		}
		switch alg {
		case SHA1:
			k.hash = crypto.SHA1
		case SHA256:
			k.hash = crypto.SHA256
		case SHA512:
			k.hash = crypto.SHA512
		default:
			return nil, fmt.Errorf("algorithm %s: public-key signatures use sha1, sha256 or sha512", alg)
		}
	}
	for i, pub := range keys {
		if err := CheckPublicKey(pub, t); err != nil {
			return nil, fmt.Errorf("public key #%d: %w", i+1, err)
		}
	}
	if priv != nil {
		found := false
		for _, pub := range keys {
			if p, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); ok && p.Equal(priv.Public()) {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("private_key does not match any public key")
		}
	}
	return k, nil
}

// Match reports whether one of candidates is a valid signature of the
// concatenated parts by one of the keys. Every key and candidate is
// tried whatever the outcome.
func (k *PublicKeys) Match(candidates [][]byte, parts ...[]byte) bool {
	var digest []byte
	var msg *[]byte
	if k.t == KeyEd25519 {
		msg = k.message(parts)
		defer k.bufs.Put(msg)
	} else {
		h := k.newHash()
		for _, p := range parts {
			h.Write(p)
		}
		digest = h.Sum(nil)
	}
	ok := false
	for _, pub := range k.keys {
		for _, c := range candidates {
			if k.verify(pub, msg, digest, c) {
				ok = true
			}
		}
	}
	return ok
}

func (k *PublicKeys) verify(pub crypto.PublicKey, msg *[]byte, digest, sig []byte) bool {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(pub, *msg, sig)
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(pub, digest, sig)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, k.hash, digest, sig) == nil
	}
	return false
}

// message concatenates parts into a pooled buffer.
func (k *PublicKeys) message(parts [][]byte) *[]byte {
	b, _ := k.bufs.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	*b = (*b)[:0]
	for _, p := range parts {
		*b = append(*b, p...)
	}
	return b
}

// CanSign reports whether a private key is configured.
func (k *PublicKeys) CanSign() bool { return k.priv != nil }

// Sign signs the concatenated parts with the private key.
func (k *PublicKeys) Sign(parts ...[]byte) ([]byte, error) {
	if k.priv == nil {
		return nil, fmt.Errorf("signing needs the private key: add 'private_key {env.NAME}' (a test key: the provider keeps the real one)")
	}
	if k.t == KeyEd25519 {
		msg := k.message(parts)
		defer k.bufs.Put(msg)
		return k.priv.Sign(nil, *msg, crypto.Hash(0))
	}
	h := k.newHash()
	for _, p := range parts {
		h.Write(p)
	}
	return k.priv.Sign(rand.Reader, h.Sum(nil), k.hash) // ECDSA: ASN.1 DER
}
