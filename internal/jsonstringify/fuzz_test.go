package jsonstringify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzCompact(f *testing.F) {
	for _, tc := range compactCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(webhookDoc))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Compact(nil, src)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with non-nil output %q", err, out)
			}
			// encoding/json is laxer only about UTF-8 and depth.
			if json.Valid(src) && utf8.Valid(src) && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("Compact(%q) rejected valid JSON: %v", src, err)
			}
			return
		}
		if !json.Valid(src) {
			t.Fatalf("Compact(%q) accepted invalid JSON", src)
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("Compact(%q) = %q, not valid JSON", src, out)
		}
		again, err := Compact(nil, out)
		if err != nil {
			t.Fatalf("Compact(Compact(%q)) failed: %v", src, err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent for %q:\n once  %q\n twice %q", src, out, again)
		}
		if _, dup, _ := FindDuplicateKey(out); dup {
			t.Fatalf("Compact(%q) = %q has duplicate keys", src, out)
		}
		if _, dup, _ := FindDuplicateKey(src); dup {
			return
		}
		var a, b any
		if err := json.Unmarshal(src, &a); err != nil {
			return // e.g. a number out of float64 range
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("json.Unmarshal(%q): %v", out, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed:\n in  %q\n out %q\n %#v\n %#v", src, out, a, b)
		}
	})
}

// refDuplicateKey is a simple reference for DuplicateKey built on the
// encoding/json tokenizer. It compares keys as Go strings, so unpaired
// surrogates (all decoded to U+FFFD) may compare equal where JavaScript's
// strings differ.
func refDuplicateKey(src []byte) (string, bool, error) {
	if !json.Valid(src) {
		return "", false, errors.New("invalid")
	}
	type obj struct {
		keys      map[string]bool
		expectKey bool
	}
	var stack []*obj
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber() // numbers beyond float64 range are valid JSON
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		var top *obj
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.keys != nil && !top.expectKey {
					top.expectKey = true // the container is this member's value
				}
				o := &obj{}
				if d == '{' {
					o.keys, o.expectKey = map[string]bool{}, true
				}
				stack = append(stack, o)
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || top.keys == nil {
			continue
		}
		if !top.expectKey {
			top.expectKey = true // a scalar member value
			continue
		}
		k := tok.(string)
		if top.keys[k] {
			return k, true, nil
		}
		top.keys[k] = true
		top.expectKey = false
	}
}

func FuzzDuplicateKey(f *testing.F) {
	seeds := []string{
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"a":1}}`, `[{"a":1},{"a":2}]`,
		`{"a":1,"b":{"x":1,"x":2},"a":2}`, `{"":1,"":2}`, `{"\ud800":1,"\ud801":2}`,
		`{"a":[{"b":1,"b":2}],"c":3}`, `{"1":1,"01":2}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		key, found, err := FindDuplicateKey(src)
		if k2, err2 := DuplicateKey(src); k2 != key || (err2 == nil) != (err == nil) {
			t.Fatalf("DuplicateKey and FindDuplicateKey disagree on %q", src)
		}
		if err != nil {
			if _, cerr := Compact(nil, src); cerr == nil {
				t.Fatalf("FindDuplicateKey(%q) failed (%v) but Compact succeeded", src, err)
			}
			return
		}
		if !found && key != "" {
			t.Fatalf("FindDuplicateKey(%q) = %q without found", src, key)
		}
		rkey, rfound, rerr := refDuplicateKey(src)
		if rerr != nil {
			t.Fatalf("reference rejected %q: %v", src, rerr)
		}
		if rkey == key && rfound == found {
			return
		}
		// The reference cannot tell unpaired surrogates apart.
		if bytes.Contains(bytes.ToLower(src), []byte(`\ud`)) {
			return
		}
		t.Fatalf("FindDuplicateKey(%q) = %q, %v; reference says %q, %v", src, key, found, rkey, rfound)
	})
}
