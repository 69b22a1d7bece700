package redistest

import (
	"testing"
)

func TestServerLifecycle(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("started server: PING: %v", err)
	}

	s.Pause()
	if err := ping(s.Addr); err == nil {
		t.Fatal("paused server answered PING")
	}
	s.Resume()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("resumed server: PING: %v", err)
	}

	s.Pause()
	s.Stop() // stops a paused server too
	if err := ping(s.Addr); err == nil {
		t.Fatal("stopped server answered PING")
	}
	s.Stop() // idempotent, as the test's cleanup calls it again
}

func TestServersAreIndependent(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers share the address %s", a.Addr)
	}
	a.Pause()
	if err := ping(b.Addr); err != nil {
		t.Fatalf("pausing one server stopped the other: %v", err)
	}
	// a is still paused: cleanup must stop it anyway.
}
