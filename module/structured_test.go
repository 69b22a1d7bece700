package webhookverify_test

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

const structuredHMAC = `{"verifier":{"provider":"hmac","header":"X-Signature","timestamp_header":"X-Timestamp","payload":"{timestamp}.{body}",
	"secrets":["structured-test-secret-0123456789"]},"envelope":"structured"}`

func structuredSigned(t *testing.T, body []byte, header ...string) served {
	t.Helper()
	h, _ := newHandler(t, structuredHMAC)
	ts := fmt.Sprint(time.Now().Unix())
	mac := hmac.New(sha256.New, []byte("structured-test-secret-0123456789"))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	r := webhook(string(body), append([]string{"X-Signature", hex.EncodeToString(mac.Sum(nil)), "X-Timestamp", ts}, header...)...)
	s := serve(h, r)
	if s.err != nil || !s.next.called {
		t.Fatalf("not forwarded: %v", s.err)
	}
	return s
}

func structuredDoc(t *testing.T, s served) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(s.next.body, &doc); err != nil {
		t.Fatalf("the structured body is not JSON: %v\n%q", err, s.next.body)
	}
	return doc
}

// The structured body is a new document: the headers that described the
// provider's bytes (Content-Encoding, digests) no longer apply and are
// removed; a gzip body travels as sent, in data_base64, with the encoding
// in the contentencoding extension.
func TestStructuredEncodedBody(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(payment))
	zw.Close()
	s := structuredSigned(t, gz.Bytes(), "Content-Encoding", "gzip", "Content-MD5", "x", "Digest", "sha-256=x", "Content-Digest", "sha-256=:x:")
	for _, name := range []string{"Content-Encoding", "Content-Md5", "Digest", "Content-Digest"} {
		if v := s.next.req.Header.Get(name); v != "" {
			t.Errorf("%s %q describes the old body", name, v)
		}
	}
	doc := structuredDoc(t, s)
	if doc["contentencoding"] != "gzip" || doc["datacontenttype"] != "application/json" {
		t.Errorf("contentencoding %v, datacontenttype %v", doc["contentencoding"], doc["datacontenttype"])
	}
	raw, err := base64.StdEncoding.DecodeString(fmt.Sprint(doc["data_base64"]))
	if err != nil || !bytes.Equal(raw, gz.Bytes()) {
		t.Errorf("data_base64 is not the body as sent: %v", err)
	}
	if _, ok := doc["data"]; ok {
		t.Error("data and data_base64 together")
	}
}

// json.Valid accepts a string that is not UTF-8; a JSON document may not
// hold one: such a body travels as bytes in data_base64.
func TestStructuredInvalidUTF8(t *testing.T) {
	body := []byte("{\"name\":\"Jos\xe9\"}")
	s := structuredSigned(t, body)
	doc := structuredDoc(t, s)
	raw, err := base64.StdEncoding.DecodeString(fmt.Sprint(doc["data_base64"]))
	if err != nil || !bytes.Equal(raw, body) {
		t.Errorf("data_base64 %v is not the body as sent (%v); data %v", doc["data_base64"], err, doc["data"])
	}
}

// The provider's signature and timestamp sign a body the upstream no
// longer receives: in structured mode they are removed; in binary mode,
// body unchanged, they are kept.
func TestStructuredRemovesProviderSignature(t *testing.T) {
	s := structuredSigned(t, []byte(payment))
	for _, name := range []string{"X-Signature", "X-Timestamp"} {
		if v := s.next.req.Header.Get(name); v != "" {
			t.Errorf("%s %q reached the upstream with a body it does not sign", name, v)
		}
	}
	if doc := structuredDoc(t, s); doc["data"] == nil {
		t.Errorf("a JSON body is not in data: %s", s.next.body)
	}
}
