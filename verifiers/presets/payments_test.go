package presets_test

import (
	"crypto/hmac"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Helpers of the payment providers' vector tests (razorpay_test.go …
// yoco_test.go).

// payMAC is the HMAC of the concatenated parts under key, computed with
// crypto/hmac apart from the code under test.
func payMAC(h func() hash.Hash, key string, parts ...string) []byte {
	m := hmac.New(h, []byte(key))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// payBlock is the Caddyfile block of a provider: its secrets, quoted, then
// the given lines.
func payBlock(name string, secrets []string, lines ...string) string {
	var b strings.Builder
	b.WriteString(name + " {\n")
	for _, s := range secrets {
		b.WriteString(" secret \"" + s + "\"\n")
	}
	for _, l := range lines {
		b.WriteString(" " + l + "\n")
	}
	b.WriteString("}")
	return b.String()
}

// payRun runs the cases, and checks that no refusal returns an event or
// shows a secret.
func payRun(t *testing.T, v webhookverify.Verifier, cases []verifiertest.Case, secrets ...string) {
	t.Helper()
	verifiertest.Run(t, v, cases)
	for _, c := range cases {
		if c.Err == nil {
			continue
		}
		now := c.Now
		if now.IsZero() {
			now = verifiertest.Now
		}
		ev, err := v.Verify(c.Request(), []byte(c.Body), now)
		if err != nil && ev != (webhookverify.Event{}) {
			t.Errorf("%s: event on failure = %+v", c.Name, ev)
		}
		for _, s := range secrets {
			if err != nil && strings.Contains(err.Error(), s) {
				t.Errorf("%s: the error shows a secret: %v", c.Name, err)
			}
		}
	}
}

// payAt sets the time of every case that has none to now.
func payAt(now time.Time, cases []verifiertest.Case) []verifiertest.Case {
	for i := range cases {
		if cases[i].Now.IsZero() {
			cases[i].Now = now
		}
	}
	return cases
}

// payEvent checks the event of a request that must pass, comparing the
// times with Equal: times with an offset that is not a whole hour (India's
// +05:30) parse into distinct locations, which == tells apart.
func payEvent(t *testing.T, v webhookverify.Verifier, c verifiertest.Case, want webhookverify.Event) {
	t.Helper()
	now := c.Now
	if now.IsZero() {
		now = verifiertest.Now
	}
	got, err := v.Verify(c.Request(), []byte(c.Body), now)
	if err != nil {
		t.Fatalf("%s: rejected: %v", c.Name, err)
	}
	if !got.Time.Equal(want.Time) {
		t.Errorf("%s: time %v, want %v", c.Name, got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	got.BodyMAC = "" // not an event fact
	if got != want {
		t.Errorf("%s: event\n got %+v\nwant %+v", c.Name, got, want)
	}
}
