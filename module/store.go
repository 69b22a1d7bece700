package webhookverify

import (
	"context"
	"encoding/hex"
	"time"
)

// StoreNamespace is the Caddy module namespace of dedup stores.
const StoreNamespace = "http.webhook_verify.stores"

// Key identifies one webhook for replay protection: a hash of the route's
// source, the provider and the event's signed id (or a digest of its body).
// Stores keep keys, never the event itself.
type Key [16]byte

// String is the key in hex, as stores that need text (Redis) write it.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// Claim is what Reserve found for a key.
type Claim int

// The answers of Reserve.
const (
	// Reserved: the key was free and now belongs to the caller's token for
	// the reservation's lifetime. Forward the webhook, then Commit or Release.
	Reserved Claim = iota
	// Delivered: a webhook with this key reached the upstream and was
	// committed within the window. Do not forward it again.
	Delivered
	// InFlight: another request holds a live reservation for this key.
	InFlight
)

func (c Claim) String() string {
	switch c {
	case Reserved:
		return "reserved"
	case Delivered:
		return "delivered"
	case InFlight:
		return "in_flight"
	}
	return "unknown"
}

// Store remembers which webhooks were delivered, for replay protection and
// exactly-once forwarding. Stores are Caddy modules in the namespace
// http.webhook_verify.stores (memory and redis ship with this module); a
// backend can be added from any Go module by registering one there.
//
// A store must be safe for concurrent use, by one Caddy or, for a shared
// backend, by several. Every operation is atomic. Token is chosen at random
// by the caller for each request, so that only the request that reserved a
// key can renew, release or (by mistake) overwrite its reservation.
//
// Stores must not dial anything in Provision (it also runs under
// caddy validate): connect on first use. Errors mean the store could not
// answer; they must not contain a password.
type Store interface {
	// Reserve claims key for token for ttl if the key is neither reserved
	// nor delivered, and says what it found.
	Reserve(ctx context.Context, key Key, token uint64, ttl time.Duration) (Claim, error)

	// Renew extends token's reservation of key to ttl from now. It does
	// nothing when the reservation is no longer token's.
	Renew(ctx context.Context, key Key, token uint64, ttl time.Duration) error

	// Commit records key as delivered for window, whoever holds it: the
	// webhook did reach the upstream.
	Commit(ctx context.Context, key Key, token uint64, window time.Duration) error

	// Release deletes token's reservation of key, so that the provider's
	// retry is forwarded. It never deletes another token's reservation nor
	// a delivered key.
	Release(ctx context.Context, key Key, token uint64) error
}
