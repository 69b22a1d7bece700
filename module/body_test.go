package webhookverify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

// stalledBody is a body that sends nothing until released, as a client
// that declared a Content-Length and went quiet. reading is told when the
// handler first waits for it.
type stalledBody struct {
	release chan struct{}
	reading *sync.WaitGroup
	once    *sync.Once
}

func (s stalledBody) Read([]byte) (int, error) {
	s.once.Do(s.reading.Done)
	<-s.release
	return 0, io.ErrUnexpectedEOF
}

// A declared Content-Length reserves no memory before the bytes arrive:
// many idle connections claiming 1 MiB each cost a few KiB each.
func TestReadBodyIdleConnectionsCostLittle(t *testing.T) {
	const conns, declared = 200, 1 << 20
	release := make(chan struct{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var reading, done sync.WaitGroup
	for range conns {
		reading.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Body = io.NopCloser(stalledBody{release, &reading, new(sync.Once)})
			r.ContentLength = declared
			if b, err := readBody(httptest.NewRecorder(), r, 2<<20); err == nil {
				b.release()
			}
		}()
	}
	reading.Wait() // every handler waits for its body: its buffer is made
	runtime.ReadMemStats(&after)
	close(release)
	done.Wait()
	perConn := (after.TotalAlloc - before.TotalAlloc) / conns
	if perConn > 64<<10 {
		t.Fatalf("%d bytes allocated per idle connection that declared %d: memory is reserved before the body arrives", perConn, declared)
	}
	t.Logf("%d bytes allocated per idle connection declaring 1 MiB", perConn)
}
