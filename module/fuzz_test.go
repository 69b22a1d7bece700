package webhookverify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

const fuzzHMACConfig = `{"verifier":{"provider":"hmac","header":"X-Sig","secrets":["fuzz-key"],
	"event_id_path":"id","type_path":"type","status_path":"status","amount_path":"amount","reference_path":"ref"}`

func fuzzSign(body []byte) string {
	m := hmac.New(sha256.New, []byte("fuzz-key"))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// FuzzEnvelope checks, for any body: what the handler accepts in binary
// mode reaches the next handler unchanged with well-formed ce-* headers;
// in structured mode the provider's body can be recovered exactly from the
// envelope and verifies again; and a one-byte change is rejected.
func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","type":"charge.succeeded","status":"paid","amount":"10.50","ref":"o-1"}`), "application/json")
	f.Add([]byte(`{"id":"é \" %","ref":"\u2028"}`), "application/json")
	f.Add([]byte("a=1&b=2"), "application/x-www-form-urlencoded")
	f.Add([]byte("\xff\xfe binary"), "")
	f.Add([]byte(`[1,2,{"id":1e400}]`), "text/plain")
	f.Add([]byte(`{"id":{"nested":true},"status":["x"]}`), "application/json")
	binary, _ := newHandlerF(f, fuzzHMACConfig+`}`)
	structured, _ := newHandlerF(f, fuzzHMACConfig+`,"envelope":"structured"}`)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		if len(body) == 0 {
			return
		}
		sig := fuzzSign(body)
		headers := []string{"X-Sig", sig}
		if contentType != "" && !strings.ContainsAny(contentType, "\r\n\x00") {
			headers = append(headers, "Content-Type", contentType)
		}

		s := serve(binary, webhook(string(body), headers...))
		if s.err != nil {
			t.Fatalf("signed body rejected: %v", s.err)
		}
		if !bytes.Equal(s.next.body, body) {
			t.Fatalf("binary mode changed the body")
		}
		for name, values := range s.next.req.Header {
			if !strings.HasPrefix(name, "Ce-") {
				continue
			}
			v := values[0]
			for i := 0; i < len(v); i++ {
				if v[i] <= ' ' || v[i] >= 0x7f || v[i] == '"' {
					t.Fatalf("%s has an unencoded byte: %q", name, v)
				}
			}
			if _, err := url.PathUnescape(v); err != nil {
				t.Fatalf("%s is not percent-decodable: %q", name, v)
			}
		}

		s = serve(structured, webhook(string(body), headers...))
		if s.err != nil {
			t.Fatalf("structured: %v", s.err)
		}
		var ev struct {
			SpecVersion string          `json:"specversion"`
			ID          string          `json:"id"`
			Data        json.RawMessage `json:"data"`
			DataBase64  *string         `json:"data_base64"`
		}
		if err := json.Unmarshal(s.next.body, &ev); err != nil {
			t.Fatalf("structured envelope is not JSON: %v\n%q", err, s.next.body)
		}
		if ev.SpecVersion != "1.0" || ev.ID == "" {
			t.Fatalf("envelope attributes missing: %q", s.next.body)
		}
		recovered := []byte(ev.Data)
		if ev.DataBase64 != nil {
			var err error
			if recovered, err = base64.StdEncoding.DecodeString(*ev.DataBase64); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(recovered, body) {
			t.Fatalf("body not recoverable from the envelope:\n got %q\nwant %q", recovered, body)
		}
		if s := serve(binary, webhook(string(recovered), headers...)); s.err != nil {
			t.Fatalf("the recovered body no longer verifies: %v", s.err)
		}

		for _, i := range []int{0, len(body) / 2, len(body) - 1} {
			changed := bytes.Clone(body)
			changed[i] ^= 0x01
			if s := serve(binary, webhook(string(changed), headers...)); s.err == nil || s.next.called {
				t.Fatalf("a one-byte change at %d was accepted", i)
			}
		}
	})
}

// FuzzAllowIPs checks that parsing allow_ips never panics and that every
// parsed range contains its own address.
func FuzzAllowIPs(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "::ffff:10.0.0.1", "2001:db8::/32", "1.2.3.4", "::ffff:0:0/96", "fe80::1%eth0", "300.1.1.1", "1.2.3.4/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefixes, err := webhookverify.ParseAllowIPs([]string{s})
		if err != nil {
			return
		}
		for _, p := range prefixes {
			if !p.Contains(p.Addr()) || p.Addr().Is4In6() {
				t.Fatalf("%q parsed to %v", s, p)
			}
		}
	})
}

func newHandlerF(f *testing.F, config string) (*webhookverify.Handler, error) {
	var h webhookverify.Handler
	if err := json.Unmarshal([]byte(config), &h); err != nil {
		f.Fatal(err)
	}
	if err := provision(&h); err != nil {
		f.Fatal(err)
	}
	return &h, nil
}
