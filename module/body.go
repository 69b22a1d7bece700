package webhookverify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// maxPooledBuffer is the largest body buffer kept for reuse: larger ones
// (rare, big webhooks) are left to the garbage collector, so the pool never
// holds more than this per idle buffer.
const maxPooledBuffer = 256 << 10

// firstRead is the most a body buffer grows to before any of the body has
// arrived: it grows further only as data comes in, so a declared
// Content-Length costs nothing until the bytes are sent.
const firstRead = 16 << 10

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// requestBody is a request body read into a pooled buffer. The buffer goes
// back to the pool once both the handler and the forwarded body reader are
// done with it: a transport may still read the body after the next handler
// returns, and closes it when it has finished.
type requestBody struct {
	bytes.Reader
	buf    *bytes.Buffer
	refs   atomic.Int32
	closed atomic.Bool
}

// readBody reads the whole body, at most limit bytes. A Content-Length
// above the limit is refused without reading.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (*requestBody, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	b := &requestBody{buf: bufferPool.Get().(*bytes.Buffer)}
	b.buf.Reset()
	b.refs.Store(1)
	if r.Body == nil || r.Body == http.NoBody {
		return b, nil
	}
	if r.ContentLength > 0 {
		b.buf.Grow(int(min(r.ContentLength, firstRead)) + bytes.MinRead)
	}
	_, err := b.buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		b.release()
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: body exceeds %d bytes", ErrBodyTooLarge, limit)
		}
		return nil, fmt.Errorf("%w: %v", ErrBodyUnreadable, err)
	}
	return b, nil
}

func (b *requestBody) bytes() []byte { return b.buf.Bytes() }

// forward makes data the body of r. When data is the buffer itself, the
// reader holds a reference to the buffer until it is closed.
func (b *requestBody) forward(r *http.Request, data []byte) {
	setContentLength(r, len(data))
	switch {
	case len(data) == 0:
		r.Body = http.NoBody
	case len(data) == b.buf.Len() && &data[0] == &b.buf.Bytes()[0]:
		b.refs.Add(1)
		b.Reset(data)
		r.Body = b
	default:
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	r.GetBody = nil
}

// Close releases the forwarded body's reference to the buffer.
func (b *requestBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.release()
	}
	return nil
}

func (b *requestBody) release() {
	if b.refs.Add(-1) == 0 && b.buf.Cap() <= maxPooledBuffer {
		buf := b.buf
		b.buf = nil
		bufferPool.Put(buf)
	}
}
