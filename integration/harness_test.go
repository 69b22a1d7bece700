// Package integration runs the real caddy binary built from this
// repository against real upstreams on 127.0.0.1.
package integration

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// caddyBin is the binary under test: $CADDY_BIN, or one built by TestMain.
var caddyBin string

func TestMain(m *testing.M) {
	caddyBin = os.Getenv("CADDY_BIN")
	if caddyBin == "" {
		dir, err := os.MkdirTemp("", "webhook-verify-caddy")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		caddyBin = filepath.Join(dir, "caddy")
		build := exec.Command("go", "build", "-o", caddyBin, "../cmd/caddy")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building caddy:", err)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.RemoveAll(testHooksDir)
		os.Exit(code)
	}
	code := m.Run()
	os.RemoveAll(testHooksDir)
	os.Exit(code)
}

var (
	testHooksOnce sync.Once
	testHooksBin  string
	testHooksDir  string // removed by TestMain
	testHooksErr  error
)

// testHooksCaddy is Caddy built with -tags webhookverify_testhooks, once
// per test run ($CADDY_TESTHOOKS_BIN when set): the production binary plus
// the hooks that let a test point the key hosts of providers that fetch
// keys at a local TLS server (and trust its CA), and start the handlers'
// clock in the past. Production builds contain none of it.
func testHooksCaddy(t testing.TB) string {
	t.Helper()
	testHooksOnce.Do(func() {
		if testHooksBin = os.Getenv("CADDY_TESTHOOKS_BIN"); testHooksBin != "" {
			return
		}
		dir, err := os.MkdirTemp("", "webhook-verify-caddy-testhooks")
		if err != nil {
			testHooksErr = err
			return
		}
		testHooksDir, testHooksBin = dir, filepath.Join(dir, "caddy")
		out, err := exec.Command("go", "build", "-tags", "webhookverify_testhooks", "-o", testHooksBin, "../cmd/caddy").CombinedOutput()
		if err != nil {
			testHooksErr = fmt.Errorf("building caddy with test hooks: %v\n%s", err, out)
		}
	})
	if testHooksErr != nil {
		t.Fatal(testHooksErr)
	}
	return testHooksBin
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// received is one request as the upstream saw it.
type received struct {
	Method string
	URI    string
	Header http.Header
	Body   []byte
}

// upstream is a real HTTP server that records what it receives. Status
// decides the response status per request (default 200).
type upstream struct {
	URL    string
	Addr   string
	mu     sync.Mutex
	got    []received
	Status func(r *http.Request, body []byte) int
	srv    *http.Server
}

func newUpstream(t testing.TB) *upstream {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{Addr: l.Addr().String(), URL: "http://" + l.Addr().String()}
	u.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		u.mu.Lock()
		u.got = append(u.got, received{r.Method, r.RequestURI, r.Header.Clone(), body})
		status := u.Status
		u.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			code = status(r, body)
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "upstream %d", code)
	})}
	go u.srv.Serve(l)
	t.Cleanup(func() { u.srv.Close() })
	return u
}

// Received returns a copy of what the upstream has received so far.
func (u *upstream) Received() []received {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]received(nil), u.got...)
}

// Reset forgets what was received.
func (u *upstream) Reset() {
	u.mu.Lock()
	u.got = nil
	u.mu.Unlock()
}

// caddyProc is a running caddy.
type caddyProc struct {
	URL       string // http://127.0.0.1:<port>
	AdminURL  string
	Dir       string
	cmd       *exec.Cmd
	logs      *syncBuffer
	done      chan struct{}
	adminPort int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCaddy writes the site body into a Caddyfile with a fresh port and
// admin endpoint, runs caddy with env, and waits until it serves.
// In site, {UPSTREAM} is replaced by upstreamAddr. globals go into the
// global options block.
func startCaddy(t testing.TB, globals, site, upstreamAddr string, env ...string) *caddyProc {
	t.Helper()
	return startCaddyBin(t, caddyBin, globals, site, upstreamAddr, env...)
}

// startCaddyBin is startCaddy with another binary (see testHooksCaddy).
func startCaddyBin(t testing.TB, bin, globals, site, upstreamAddr string, env ...string) *caddyProc {
	t.Helper()
	port, admin := freePort(t), freePort(t)
	config := fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tmetrics\n%s\n}\n\nhttp://127.0.0.1:%d {\n\tbind 127.0.0.1\n%s\n}\n",
		admin, globals, port, strings.ReplaceAll(site, "{UPSTREAM}", upstreamAddr))
	dir := t.TempDir()
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProc{
		URL:       fmt.Sprintf("http://127.0.0.1:%d", port),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", admin),
		Dir:       dir,
		logs:      &syncBuffer{},
		done:      make(chan struct{}),
		adminPort: admin,
	}
	p.cmd = exec.Command(bin, "run", "--adapter", "caddyfile", "--config", file)
	p.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("caddy config:\n%s\ncaddy log:\n%s", config, p.logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("caddy exited:\n%s", p.logs.String())
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not start serving within 20s:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *caddyProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Logs returns what caddy has logged so far.
func (p *caddyProc) Logs() string { return p.logs.String() }

// client does not follow redirects and has bounded timeouts.
var client = &http.Client{
	Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// send makes a request and returns the status and response body.
func send(t testing.TB, method, url string, body []byte, header http.Header) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// h builds a header from name, value pairs.
func h(kv ...string) http.Header {
	out := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}
