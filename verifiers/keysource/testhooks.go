//go:build webhookverify_testhooks

package keysource

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/internal/override"
)

// The environment of a Caddy built with -tags webhookverify_testhooks for
// end-to-end tests. Production builds have no such code.
const (
	// TestServerEnv names the host:port dialed instead of every allowed host.
	TestServerEnv = "WEBHOOK_VERIFY_TEST_KEY_SERVER"
	// TestCAEnv names the PEM file of the only root trusted then.
	TestCAEnv = "WEBHOOK_VERIFY_TEST_KEY_CA"
)

func init() {
	addr, caFile := os.Getenv(TestServerEnv), os.Getenv(TestCAEnv)
	if addr == "" && caFile == "" {
		return
	}
	t, err := testTarget(addr, caFile)
	if err != nil {
		panic(fmt.Sprintf("keysource test hooks: %v", err))
	}
	override.Set(t)
	fmt.Fprintf(os.Stderr, "keysource: TEST HOOKS ACTIVE: every allowed key host is dialed at %s, trusting only %s\n", addr, caFile)
}

// testTarget reads the override from the environment's values: both are
// required.
func testTarget(addr, caFile string) (*override.Target, error) {
	if addr == "" || caFile == "" {
		return nil, fmt.Errorf("set both %s and %s, or neither", TestServerEnv, TestCAEnv)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%s: %w", TestServerEnv, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TestCAEnv, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in %s", TestCAEnv, caFile)
	}
	return &override.Target{Addr: addr, Roots: roots}, nil
}
