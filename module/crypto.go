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

// Strict base64 decoders: a final character whose unused bits are not
// zero is refused, so that one MAC has one spelling (no malleable
// signatures). Each encoding accepts its padded and unpadded forms.
var (
	base64Padded    = base64.StdEncoding.Strict()
	base64Raw       = base64.RawStdEncoding.Strict()
	base64URLPadded = base64.URLEncoding.Strict()
	base64URLRaw    = base64.RawURLEncoding.Strict()
)

// Decode decodes a signature. Hex is case-insensitive; base64 and
// base64url accept values with or without (correct) padding, and are
// strict: non-zero unused bits in the last character are an error.
func (e Encoding) Decode(s string) ([]byte, error) {
	if e == Hex {
		return hex.DecodeString(s)
	}
	return e.AppendDecode(nil, s)
}

// maxStackSignature is the longest base64 text AppendDecode decodes
// without a heap allocation (a SHA-512 MAC is 88 characters).
const maxStackSignature = 128

// AppendDecode appends the bytes of a base64 or base64url signature to
// dst, as Decode reads it. On error dst is returned unchanged. Short
// values are decoded without a heap allocation.
func (e Encoding) AppendDecode(dst []byte, s string) ([]byte, error) {
	var padded, raw *base64.Encoding
	switch e {
	case Base64:
		padded, raw = base64Padded, base64Raw
	case Base64URL:
		padded, raw = base64URLPadded, base64URLRaw
	case Hex:
		b, err := hex.DecodeString(s)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	default:
		return dst, e.Check()
	}
	if strings.ContainsAny(s, "\r\n") { // the decoders would skip them
		return dst, base64.CorruptInputError(strings.IndexAny(s, "\r\n"))
	}
	enc := raw
	if strings.HasSuffix(s, "=") {
		enc = padded
	}
	var stack [maxStackSignature]byte
	src := stack[:0]
	if len(s) > len(stack) {
		src = make([]byte, 0, len(s))
	}
	src = append(src, s...)
	n := len(dst)
	out, err := enc.AppendDecode(dst, src)
	if err != nil {
		return dst[:n], err
	}
	return out, nil
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
