package okra

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyOkra feeds arbitrary methods, header values and bodies to
// Verify, which must never panic and must fail only with a Failure. It
// also checks the invariants: a request signed by Sign verifies exactly
// when its body is a JSON object; flipping a byte of the token makes it
// fail; and, since the token does not cover the body, flipping a byte of
// the body can only change the outcome to a 400 (not JSON any more, or a
// key read into the event now repeated).
func FuzzVerifyOkra(f *testing.F) {
	f.Add("POST", "Bearer "+token1, "", []byte(identityBody), uint(3), byte(1))
	f.Add("GET", "", token1, []byte(`{}`), uint(0), byte(0x80))
	f.Add("POST", "bearer", "Bearer", []byte(`[`), uint(1), byte(0xff))
	// The second secret differs from the first in more than one byte, so
	// that flipping one byte of the first can never produce it.
	v := newVerifier(f, nil, token1, "rotated-okra-secret-two")
	f.Fuzz(func(t *testing.T, method, authorization, okraAuth string, body []byte, pos uint, mask byte) {
		// Arbitrary input: no panic, and every error is a Failure.
		r := &http.Request{Method: method, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		r.Header.Set("Authorization", authorization)
		r.Header.Set("Okra-Auth", okraAuth)
		if _, err := v.Verify(r, body, time.Now()); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}

		// Sign → Verify.
		r = &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		signed, err := v.Sign(r, body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(r, signed, time.Now())
		wantOK := isObject(signed)
		switch {
		case wantOK && errors.Is(err, webhookverify.ErrDuplicateKey):
			if !repeatsPromotedKey(signed) {
				t.Fatalf("signed JSON object without repeated keys rejected: %v", err)
			}
		case wantOK && err != nil:
			t.Fatalf("signed JSON object rejected: %v", err)
		case !wantOK && !errors.Is(err, webhookverify.ErrMalformedBody):
			t.Fatalf("signed body that is not a JSON object: got %v, want %v", err, webhookverify.ErrMalformedBody)
		}

		if mask == 0 {
			mask = 1
		}
		// Flip one byte of the token.
		tok := []byte(r.Header.Get("Okra-Auth"))
		tok[int(pos%uint(len(tok)))] ^= mask
		r2 := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		r2.Header.Set("Okra-Auth", string(tok))
		if _, err := v.Verify(r2, signed, time.Now()); err == nil {
			t.Fatalf("token %q with one byte flipped verified", tok)
		}

		// Flip one byte of the body.
		if len(signed) > 0 {
			tampered := append([]byte(nil), signed...)
			tampered[int(pos%uint(len(tampered)))] ^= mask
			_, err = v.Verify(r, tampered, time.Now())
			if errors.Is(err, webhookverify.ErrDuplicateKey) && isObject(tampered) && repeatsPromotedKey(tampered) {
				return
			}
			if err != nil && !errors.Is(err, webhookverify.ErrMalformedBody) {
				t.Fatalf("tampered body: %v, want success or %v", err, webhookverify.ErrMalformedBody)
			}
			if (err == nil) != isObject(tampered) {
				t.Fatalf("tampered body %q: Verify error %v disagrees with the JSON check", tampered, err)
			}
		}
	})
}

// isObject is an independent check (encoding/json) that b is one JSON
// object. encoding/json does not validate UTF-8 inside strings, so neither
// does it require it here.
func isObject(b []byte) bool {
	t := strings.TrimLeft(string(b), " \t\r\n")
	return len(t) > 0 && t[0] == '{' && json.Valid(b)
}

// repeatsPromotedKey is an independent check (encoding/json's tokenizer)
// that the top-level object of b repeats one of the promoted keys.
func repeatsPromotedKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		switch key {
		case "callback_type", "type", "status", "record", "ended_at", "started_at":
			if seen[key] {
				return true
			}
			seen[key] = true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// body1KiB is a realistic Okra callback of exactly 1 KiB.
func body1KiB(tb testing.TB) []byte {
	tb.Helper()
	const prefix = `{"method":"IDENTITY","callback_type":"IDENTITY","callback_code":"PRODUCT_IS_READY","type":"CALLBACK","code":"PRODUCT_IS_READY","callbackURL":"https://example.com/okra","env":"production","status":"is_success","started_at":"2021-02-15T06:43:50.554Z","ended_at":"2021-02-15T06:43:51.554Z","message":"Record callback started!","bankName":"Kuda Bank","bankType":"ind","bankId":"5f0cf73e8a8bcc18b8156ad7","bankSlug":"kuda-bank","record":"602a1807b9fdfa599cd3a0b5","login_type":"bank","customerId":"5f636ad0894dbb43795c4e8e","identity":{"id":"5f636ad074b8fde585241eb6","firstname":"Gaven","lastname":"Belson","address":["9, Huli Blvd."],"details":"`
	const suffix = `"}}`
	b := []byte(prefix + strings.Repeat("x", 1024-len(prefix)-len(suffix)) + suffix)
	if len(b) != 1024 || !gjson.ValidBytes(b) {
		tb.Fatalf("bad benchmark body (%d bytes)", len(b))
	}
	return b
}

func BenchmarkVerifyOkra(b *testing.B) {
	v := newVerifier(b, nil, token1)
	body := body1KiB(b)
	r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	r.Header.Set("Authorization", "Bearer "+token1)
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareGJSONValid_1KiB is the JSON validation Verify does on the
// same bytes.
func BenchmarkBareGJSONValid_1KiB(b *testing.B) {
	body := body1KiB(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !gjson.ValidBytes(body) {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkBareEqualToken is the constant-time token comparison alone.
func BenchmarkBareEqualToken(b *testing.B) {
	keys := [][]byte{[]byte(token1)}
	got := []byte(token1)
	b.ReportAllocs()
	for b.Loop() {
		if !webhookverify.EqualToken(keys, got) {
			b.Fatal("no match")
		}
	}
}
