package webhookverify

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Algorithm names a hash function for HMAC signatures.
type Algorithm string

// The supported algorithms.
const (
	SHA1    Algorithm = "sha1"
	SHA256  Algorithm = "sha256"
	SHA512  Algorithm = "sha512"
	SHA3512 Algorithm = "sha3-512"
)

// New returns the hash constructor, or an error naming the valid choices.
func (a Algorithm) New() (func() hash.Hash, error) {
	switch a {
	case SHA1:
		return sha1.New, nil
	case SHA256:
		return sha256.New, nil
	case SHA512:
		return sha512.New, nil
	case SHA3512:
		return func() hash.Hash { return sha3.New512() }, nil
	}
	return nil, fmt.Errorf("unknown algorithm %q: use sha1, sha256, sha512 or sha3-512", string(a))
}

// Encoding names how a binary signature is written as text.
type Encoding string

// The supported encodings.
const (
	Hex       Encoding = "hex"
	Base64    Encoding = "base64"
	Base64URL Encoding = "base64url"
)

// Check returns an error naming the valid choices if e is not supported.
func (e Encoding) Check() error {
	switch e {
	case Hex, Base64, Base64URL:
		return nil
	}
	return fmt.Errorf("unknown encoding %q: use hex, base64 or base64url", string(e))
}

// Decode decodes a signature. Hex is case-insensitive; base64 and
// base64url accept values with or without padding.
func (e Encoding) Decode(s string) ([]byte, error) {
	switch e {
	case Hex:
		return hex.DecodeString(s)
	case Base64:
		return base64.StdEncoding.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "="))
	case Base64URL:
		return base64.URLEncoding.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "="))
	}
	return nil, e.Check()
}

// Encode writes a signature as text: lowercase hex, or padded base64 /
// unpadded base64url.
func (e Encoding) Encode(b []byte) string {
	switch e {
	case Base64:
		return base64.StdEncoding.EncodeToString(b)
	case Base64URL:
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// MACs computes the HMAC of message under each key, one result per key.
func MACs(newHash func() hash.Hash, keys [][]byte, message []byte) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		m := hmac.New(newHash, k)
		m.Write(message)
		out[i] = m.Sum(nil)
	}
	return out
}

// MatchAny reports whether got equals one of want, comparing in constant
// time for each candidate.
func MatchAny(want [][]byte, got []byte) bool {
	ok := false
	for _, w := range want {
		if hmac.Equal(w, got) {
			ok = true
		}
	}
	return ok
}
