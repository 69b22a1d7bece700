package webhookverify

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// HMACKeys computes HMACs under a set of keys (several keys allow
// rotation). Keyed hash states are reused across requests, so a
// verification allocates nothing for the MAC itself.
type HMACKeys struct {
	pools []sync.Pool
}

// keyedMAC is a pooled keyed hash with room for its sum, so that Match
// needs no heap buffer (a local array passed to hash.Hash.Sum escapes).
type keyedMAC struct {
	hash.Hash
	sum [64]byte
}

// NewHMACKeys prepares HMACs with newHash under each key.
func NewHMACKeys(newHash func() hash.Hash, keys [][]byte) *HMACKeys {
	k := &HMACKeys{pools: make([]sync.Pool, len(keys))}
	for i, key := range keys {
		key := key
		k.pools[i].New = func() any { return &keyedMAC{Hash: hmac.New(newHash, key)} }
	}
	return k
}

// Sign returns the HMAC of the concatenated parts under the first key.
func (k *HMACKeys) Sign(parts ...[]byte) []byte { return k.SignWith(0, parts...) }

// SignWith returns the HMAC of the concatenated parts under key i.
func (k *HMACKeys) SignWith(i int, parts ...[]byte) []byte {
	m := k.pools[i].Get().(*keyedMAC)
	defer k.pools[i].Put(m)
	m.Reset()
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// Match reports whether one of candidates equals the HMAC of the
// concatenated parts under one of the keys. Every comparison is constant
// time, and every key is tried whatever the outcome.
func (k *HMACKeys) Match(candidates [][]byte, parts ...[]byte) bool {
	c, _ := k.MatchIndex(candidates, parts...)
	return c >= 0
}

// MatchIndex is Match returning which candidate matched and under which
// key (the last that did), or -1, -1.
func (k *HMACKeys) MatchIndex(candidates [][]byte, parts ...[]byte) (candidate, key int) {
	match, matchKey := -1, -1
	for i := range k.pools {
		m := k.pools[i].Get().(*keyedMAC)
		m.Reset()
		for _, p := range parts {
			m.Write(p)
		}
		mac := m.Sum(m.sum[:0])
		for j, c := range candidates {
			if hmac.Equal(mac, c) {
				match, matchKey = j, i
			}
		}
		k.pools[i].Put(m) // mac aliases m.sum: compare first
	}
	return match, matchKey
}

// CheckTimestamp fails when t is further than tolerance from now, in
// either direction. It compares instants rather than a difference, which
// time.Time.Sub saturates (and negating the minimum Duration overflows):
// a timestamp centuries away must fail too.
func CheckTimestamp(t, now time.Time, tolerance time.Duration) error {
	if t.Before(now.Add(-tolerance)) {
		return fmt.Errorf("%w: %s old, tolerance %s", ErrTimestampOutOfTolerance, now.Sub(t).Round(time.Second), tolerance)
	}
	if t.After(now.Add(tolerance)) {
		return fmt.Errorf("%w: %s in the future, tolerance %s", ErrTimestampOutOfTolerance, t.Sub(now).Round(time.Second), tolerance)
	}
	return nil
}

// DefaultTolerance is how far a signed timestamp may be from now when a
// verifier's tolerance is not configured.
const DefaultTolerance = 5 * time.Minute

// ProvisionTolerance sets an unset (zero) tolerance to DefaultTolerance
// and refuses a negative one. Verifiers call it in Provision and prefix the
// error with their name; the Caddyfile parser (DurationArg) already
// refuses a tolerance that is not positive.
func ProvisionTolerance(t *caddy.Duration) error {
	if *t < 0 {
		return errors.New("tolerance must be positive, e.g. tolerance 5m")
	}
	if *t == 0 {
		*t = caddy.Duration(DefaultTolerance)
	}
	return nil
}

// ParseUnixTimestamp parses a decimal Unix time in seconds, or in
// milliseconds when millis is true. Signs, spaces and fractions are
// malformed.
func ParseUnixTimestamp(s string, millis bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, ErrMissingTimestamp
	}
	if len(s) > 16 || s[0] == '+' || s[0] == '-' {
		return time.Time{}, ErrMalformedTimestamp
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, ErrMalformedTimestamp
	}
	if millis {
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}
