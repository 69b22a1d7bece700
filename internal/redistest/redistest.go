// Package redistest starts a throwaway redis-server for tests: on
// 127.0.0.1, on a free port, without persistence, stopped when the test
// ends. Package tests use it through a Redis client; integration tests hand
// its address to a real Caddy.
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server started by Start.
type Server struct {
	// Addr is the server's address, 127.0.0.1:<port>.
	Addr string

	t      testing.TB
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited and been reaped
	stop   sync.Once
}

// Start starts a redis-server and waits until it answers PING. It is
// stopped when the test ends. Start fails the test when redis-server is not
// installed or does not come up within 10 seconds.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found: install it (apt-get install redis-server); .ci/run does")
	}
	dir := t.TempDir()
	// Another process can take the free port before redis-server binds it:
	// try a few ports.
	for attempt := 1; ; attempt++ {
		s, err := start(t, bin, dir)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		if attempt == 3 {
			t.Fatalf("redistest: %v", err)
		}
	}
}

func start(t testing.TB, bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		t:      t,
		exited: make(chan struct{}),
	}
	var out bytes.Buffer // read only once the process has exited
	s.cmd = exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--loglevel", "warning",
	)
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for ping(s.Addr) != nil {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("redis-server on %s exited at start: %s", s.Addr, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("redis-server on %s did not answer PING within 10s: %s", s.Addr, out.String())
		}
	}
	return s, nil
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends an inline PING and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Pause freezes the server (SIGSTOP): it keeps accepting TCP connections,
// as a hung server does, but answers nothing until Resume.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: pausing redis-server: %v", err)
	}
	// The signal is asynchronous: wait until the process is stopped, so
	// that no command sent after Pause is answered.
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if state, ok := procState(s.cmd.Process.Pid); !ok || state == 'T' {
			return
		}
	}
	s.t.Fatal("redistest: redis-server did not stop within 1s of SIGSTOP")
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("redistest: resuming redis-server: %v", err)
	}
}

// Stop stops the server, paused or not, and waits for it to exit. It is
// called when the test ends; calling it earlier simulates a Redis outage.
func (s *Server) Stop() {
	s.stop.Do(func() {
		// A paused process acts on SIGTERM only once continued.
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// procState is the state letter of a process in /proc/<pid>/stat ('T' when
// stopped). ok is false where /proc is not available.
func procState(pid int) (state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// "<pid> (<comm>) <state> …"; comm may contain spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0, false
	}
	return b[i+2], true
}
