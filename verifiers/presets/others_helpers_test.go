package presets_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
)

// The signatures of the tests of others.go's rows, computed with the
// standard library, apart from the code under test: each provider's
// documented formula is spelled out in the test that uses these.

// mac is the HMAC of the concatenated parts under key.
func othersMAC(newHash func() hash.Hash, key string, parts ...string) []byte {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(strings.Join(parts, "")))
	return m.Sum(nil)
}

func othersSHA256Hex(key string, parts ...string) string {
	return hex.EncodeToString(othersMAC(sha256.New, key, parts...))
}

func othersSHA256Base64(key string, parts ...string) string {
	return base64.StdEncoding.EncodeToString(othersMAC(sha256.New, key, parts...))
}

func othersSHA1Hex(key string, parts ...string) string {
	return hex.EncodeToString(othersMAC(sha1.New, key, parts...))
}
