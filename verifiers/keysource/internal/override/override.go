// Package override holds the test redirection of keysource's connections.
// Only packages under verifiers/keysource can import it, and only two set
// it: keysourcetest (which refuses to outside a test binary) and the
// webhookverify_testhooks build of keysource. Nothing in a Caddy config
// reaches it.
package override

import (
	"crypto/x509"
	"sync/atomic"
)

// Target is where keysource dials instead of every allowed host, and the
// only roots it trusts then. Host names are still checked, and still
// verified against Roots.
type Target struct {
	Addr  string // host:port
	Roots *x509.CertPool
}

var current atomic.Pointer[Target]

// Get returns the active override, or nil (always nil in production).
func Get() *Target { return current.Load() }

// Set makes t the active override (nil clears it) and returns the
// previous one.
func Set(t *Target) (previous *Target) { return current.Swap(t) }
