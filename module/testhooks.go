//go:build webhookverify_testhooks

package webhookverify

import (
	"fmt"
	"os"
	"time"
)

// TestNowEnv names the time (RFC 3339) a Caddy built with -tags
// webhookverify_testhooks starts its handlers' clock at, for end-to-end
// tests of published vectors signed long ago. Production builds have no
// such code.
const TestNowEnv = "WEBHOOK_VERIFY_TEST_NOW"

func init() {
	s := os.Getenv(TestNowEnv)
	if s == "" {
		return
	}
	start, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", TestNowEnv, err))
	}
	offset := time.Until(start)
	clock = func() time.Time { return time.Now().Add(offset) }
	fmt.Fprintf(os.Stderr, "webhook_verify: TEST HOOKS ACTIVE: the handlers' clock starts at %s\n", s)
}
