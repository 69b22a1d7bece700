// Package jsonstringify re-serializes JSON text exactly the way JavaScript's
// JSON.stringify(JSON.parse(text)) does (as implemented by V8/Node.js), and
// detects duplicate object keys.
//
// Webhook providers that sign JSON.stringify(payload) leave the receiver with
// a body whose bytes may differ from what was signed (pretty-printing,
// escaping, number spelling, key order). Compact rebuilds the signed text
// from the received body so that it can be hashed.
//
// The reproduced behaviour is:
//
//   - all insignificant whitespace is removed;
//   - object members keep document order, except that keys that are
//     ECMAScript array indices (canonical decimal integers "0" through
//     "4294967294") come first, in ascending numeric order;
//   - when an object repeats a key, the member keeps the position of the
//     key's first occurrence and the value of its last occurrence;
//   - strings are written with only '"', '\\' and U+0000 to U+001F escaped
//     (\b \t \n \f \r in short form, the others as lowercase \u00xx); every
//     other character, including '/', '<', '>', '&', U+2028 and U+2029, is
//     written as raw UTF-8; unpaired surrogate escapes such as \ud800 are
//     written back as lowercase \uXXXX escapes;
//   - numbers are converted to IEEE-754 doubles and written with ECMAScript's
//     Number::toString rules (shortest round-trip digits; fixed notation for
//     magnitudes in [1e-7, 1e21), otherwise exponent notation such as 1e+21);
//     -0 is written as 0 and numbers that overflow to ±Infinity as null;
//   - true, false and null are unchanged, and any value is accepted at the
//     top level.
//
// Deliberate differences from Node: input that is not valid UTF-8 is
// rejected (Node would first decode the bytes, replacing invalid sequences
// with U+FFFD, and then parse), and nesting deeper than MaxDepth is rejected.
// The accepted grammar is otherwise that of RFC 8259, which is also what
// JSON.parse accepts: no byte order mark, no comments, no trailing commas,
// whitespace limited to space, tab, line feed and carriage return.
package jsonstringify

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects that Compact and
// DuplicateKey accept. A document whose containers nest more deeply than
// this is rejected with an error wrapping ErrTooDeep.
const MaxDepth = 512

// ErrTooDeep is wrapped by the error returned for documents whose nesting
// exceeds MaxDepth.
var ErrTooDeep = errors.New("nesting exceeds MaxDepth")

// ErrInvalidUTF8 is wrapped by the error returned for documents that contain
// bytes that are not valid UTF-8.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

// SyntaxError reports why and where a document was rejected.
type SyntaxError struct {
	// Offset is the byte offset in the input at which the problem was found.
	Offset int
	// Msg describes the problem.
	Msg string
	// Err is ErrTooDeep or ErrInvalidUTF8 when one of those is the cause,
	// and nil otherwise.
	Err error
}

// Error implements the error interface.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonstringify: %s at offset %d", e.Msg, e.Offset)
}

// Unwrap returns e.Err so that errors.Is can match ErrTooDeep and
// ErrInvalidUTF8.
func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

// Compact appends to dst the text that JSON.stringify(JSON.parse(src))
// produces in JavaScript and returns the extended buffer.
//
// It returns an error, together with dst, if src is not a single valid JSON
// text (RFC 8259, optionally surrounded by whitespace), if src is not valid
// UTF-8, or if it nests deeper than MaxDepth; dst's contents are then
// unchanged, although its spare capacity may have been written to. src and
// dst must not overlap.
//
// Compact reads src once and writes the output as it goes. Only when some
// object has duplicate keys, or array-index keys out of JavaScript order, is
// a second pass needed, and the output is then rearranged in linear time.
// In the common case no memory is allocated beyond the growth of dst,
// unless an object has more than 64 members or a number is very long.
func Compact(dst, src []byte) ([]byte, error) {
	return compact(dst, src, false)
}

// ErrInexactNumber is returned by CompactExact for a number whose value
// JSON.stringify would change.
var ErrInexactNumber = errors.New("jsonstringify: a number's value does not survive JSON.stringify")

// CompactExact is Compact, but it fails with ErrInexactNumber when a number
// in src would come out with another value: more digits than a double
// holds (12345678901234567891 becomes 12345678901234567000), an overflow to
// null, an underflow to 0. Numbers written differently but equal in value
// (1.0 and 1, 1E3 and 1000) are fine. A verifier that hashes the output
// uses it so that two documents that parsers may read differently never
// share a signature.
func CompactExact(dst, src []byte) ([]byte, error) {
	return compact(dst, src, true)
}

func compact(dst, src []byte, exact bool) ([]byte, error) {
	s := state{dst: dst, exact: exact}
	if err := s.run(src); err != nil {
		return dst, err
	}
	if len(s.reorders) > 0 {
		s.assemble(len(dst))
	}
	return s.dst, nil
}

// DuplicateKey reports the first object key in src that repeats a key of the
// same object, or "" if no object has a repeated key. Keys are compared after
// unescaping, as JavaScript compares them: "a" and "\u0061" are the same key,
// while equal keys in different objects are not duplicates. "First" means the
// repetition that appears earliest in the document.
//
// The key is returned unescaped; an unpaired surrogate in it is returned as
// U+FFFD. Because a repeated empty key is reported as "", callers that must
// tell it apart from "no duplicate" should use FindDuplicateKey.
//
// DuplicateKey returns an error under the same conditions as Compact.
func DuplicateKey(src []byte) (string, error) {
	key, _, err := FindDuplicateKey(src)
	return key, err
}

// FindDuplicateKey is like DuplicateKey but also reports, in found, whether
// any duplicate was found, which distinguishes a repeated empty key from the
// absence of duplicates.
func FindDuplicateKey(src []byte) (key string, found bool, err error) {
	s := state{dst: make([]byte, 0, len(src)), trackDup: true}
	if err := s.run(src); err != nil {
		return "", false, err
	}
	if !s.dupFound {
		return "", false, nil
	}
	// dupKey holds the key as Compact writes it, quotes included.
	return unquote(s.dupKey), true, nil
}

// frame is an open array or object.
type frame struct {
	obj     bool
	reorder bool  // object has a key that is an array index
	mem     int32 // index of the object's first member in run's members
}

// member is an object member already written to state.dst. The key occupies
// dst[keyStart:keyEnd] (quotes included), a ':' follows, and the value runs
// up to dst[valEnd].
type member struct {
	keyStart, keyEnd, valEnd int
	srcOff                   int // offset of the key in the input
	hash                     uint32
	index                    bool // the key is an array index
}

// reordered is an object, occupying dst[start:end] between its braces,
// whose members must be written in the order spans[m0:m1].
type reordered struct {
	start, end int
	m0, m1     int
}

// span locates a member's key, quotes included, and value in dst.
type span struct {
	keyStart, keyEnd, valStart, valEnd int
}

type state struct {
	dst []byte

	// objects whose members must be reordered, with their members in
	// final order in spans[m0:m1]
	reorders []reordered
	spans    []span

	// scratch space for the rare objects that must be reordered
	first []int32
	win   []int32
	ord   []int32
	idx   []int32
	iv    []int64

	exact    bool // fail on numbers whose value changes
	trackDup bool
	dupFound bool
	dupOff   int
	dupKey   []byte
}

// ws marks the four JSON whitespace bytes.
var ws = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// plain marks bytes that are copied unchanged inside strings without further
// inspection: printable ASCII other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func skipWS(src []byte, i int) int {
	for i < len(src) && ws[src[i]] {
		i++
	}
	return i
}

func (s *state) run(src []byte) error {
	// The open containers and the members of open objects are kept in
	// local slices, which start out on the stack.
	var stackBuf [32]frame
	var memBuf [64]member
	stack, members := stackBuf[:0], memBuf[:0]
	i := skipWS(src, 0)
	for {
		// A value starts at i.
		if i >= len(src) {
			return syntaxErr(i, "unexpected end of input")
		}
		var err error
		switch c := src[i]; c {
		case '{', '[':
			if len(stack) >= MaxDepth {
				return &SyntaxError{Offset: i, Msg: "nesting too deep", Err: ErrTooDeep}
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			s.dst = append(s.dst, c)
			i = skipWS(src, i+1)
			if i < len(src) && src[i] == closer {
				s.dst = append(s.dst, closer)
				i++
				break
			}
			stack = append(stack, frame{obj: c == '{', mem: int32(len(members))})
			if c == '{' {
				var m member
				if m, i, err = s.key(src, i); err != nil {
					return err
				}
				members = append(members, m)
				stack[len(stack)-1].reorder = m.index
			}
			continue // parse the first element
		case '"':
			if i, err = s.str(src, i); err != nil {
				return err
			}
		case 't':
			if i, err = s.literal(src, i, "true"); err != nil {
				return err
			}
		case 'f':
			if i, err = s.literal(src, i, "false"); err != nil {
				return err
			}
		case 'n':
			if i, err = s.literal(src, i, "null"); err != nil {
				return err
			}
		default:
			if i, err = s.number(src, i); err != nil {
				return err
			}
		}

		// A value ended just before i; close containers until the next
		// value is due.
	after:
		for {
			i = skipWS(src, i)
			if len(stack) == 0 {
				if i != len(src) {
					return syntaxErr(i, "unexpected data after top-level value")
				}
				return nil
			}
			top := &stack[len(stack)-1]
			if top.obj {
				members[len(members)-1].valEnd = len(s.dst)
			}
			if i >= len(src) {
				return syntaxErr(i, "unexpected end of input")
			}
			switch c := src[i]; {
			case c == ',':
				s.dst = append(s.dst, ',')
				i = skipWS(src, i+1)
				if top.obj {
					var m member
					if m, i, err = s.key(src, i); err != nil {
						return err
					}
					members = append(members, m)
					top.reorder = top.reorder || m.index
				}
				break after
			case c == '}' && top.obj:
				s.closeObject(top.reorder, members[top.mem:])
				members = members[:top.mem]
				s.dst = append(s.dst, '}')
				stack = stack[:len(stack)-1]
				i++
			case c == ']' && !top.obj:
				s.dst = append(s.dst, ']')
				stack = stack[:len(stack)-1]
				i++
			default:
				if top.obj {
					return syntaxErr(i, "expected ',' or '}' after object member")
				}
				return syntaxErr(i, "expected ',' or ']' after array element")
			}
		}
	}
}

// key parses an object key at i together with the following ':', and
// returns the new member and the offset of its value.
func (s *state) key(src []byte, i int) (member, int, error) {
	if i >= len(src) || src[i] != '"' {
		return member{}, i, syntaxErr(i, "expected string for object key")
	}
	start := len(s.dst)
	j, err := s.str(src, i)
	if err != nil {
		return member{}, j, err
	}
	k := s.dst[start:]
	// A cheap fingerprint that rules out most unequal keys before their
	// bytes are compared: length and the first, middle and last bytes.
	h := uint32(len(k))<<16 ^ uint32(k[1])<<24 ^ uint32(k[len(k)-2])<<8 ^ uint32(k[len(k)/2])
	m := member{keyStart: start, keyEnd: len(s.dst), srcOff: i, hash: h}
	if c := k[1]; c >= '0' && c <= '9' {
		_, m.index = arrayIndex(k[1 : len(k)-1])
	}
	j = skipWS(src, j)
	if j >= len(src) || src[j] != ':' {
		return member{}, j, syntaxErr(j, "expected ':' after object key")
	}
	s.dst = append(s.dst, ':')
	return m, skipWS(src, j+1), nil
}

// arrayIndex reports whether the key k (as written by Compact, without
// quotes) is an ECMAScript array index, a canonical decimal integer below
// 2^32-1, and returns its value.
func arrayIndex(k []byte) (int64, bool) {
	if len(k) == 0 || len(k) > 10 {
		return 0, false
	}
	if k[0] == '0' {
		return 0, len(k) == 1
	}
	var v int64
	for _, c := range k {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, v <= math.MaxUint32-1
}

func (s *state) literal(src []byte, i int, lit string) (int, error) {
	if !bytes.HasPrefix(src[i:], []byte(lit)) {
		return i, syntaxErr(i, "invalid literal")
	}
	s.dst = append(s.dst, lit...)
	return i + len(lit), nil
}

// str parses the string starting with the quote at src[i], writes its
// JSON.stringify form and returns the offset after the closing quote.
func (s *state) str(src []byte, i int) (int, error) {
	s.dst = append(s.dst, '"')
	i++
	start := i
	for {
		for i < len(src) && plain[src[i]] {
			i++
		}
		if i >= len(src) {
			return i, syntaxErr(i, "unterminated string")
		}
		switch c := src[i]; {
		case c == '"':
			s.dst = append(s.dst, src[start:i]...)
			s.dst = append(s.dst, '"')
			return i + 1, nil
		case c == '\\':
			s.dst = append(s.dst, src[start:i]...)
			var err error
			if i, err = s.escape(src, i); err != nil {
				return i, err
			}
			start = i
		case c < 0x20:
			return i, syntaxErr(i, "control character in string")
		default:
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				return i, &SyntaxError{Offset: i, Msg: "invalid UTF-8 in string", Err: ErrInvalidUTF8}
			}
			i += size
		}
	}
}

const hexDigits = "0123456789abcdef"

// escape decodes the escape sequence whose backslash is at src[i], writes
// the character as JSON.stringify would and returns the offset after it.
func (s *state) escape(src []byte, i int) (int, error) {
	if i+1 >= len(src) {
		return i, syntaxErr(i, "unterminated string")
	}
	switch src[i+1] {
	case '"':
		s.dst = append(s.dst, '\\', '"')
	case '\\':
		s.dst = append(s.dst, '\\', '\\')
	case '/':
		s.dst = append(s.dst, '/')
	case 'b':
		s.dst = append(s.dst, '\\', 'b')
	case 'f':
		s.dst = append(s.dst, '\\', 'f')
	case 'n':
		s.dst = append(s.dst, '\\', 'n')
	case 'r':
		s.dst = append(s.dst, '\\', 'r')
	case 't':
		s.dst = append(s.dst, '\\', 't')
	case 'u':
		r, ok := hex4(src, i+2)
		if !ok {
			return i, syntaxErr(i, "invalid \\u escape")
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			// A high surrogate pairs only with an escaped low surrogate
			// immediately after it; raw UTF-8 cannot encode one.
			if i+7 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' {
				if lo, ok := hex4(src, i+8); ok && lo >= 0xDC00 && lo < 0xE000 {
					s.dst = utf8.AppendRune(s.dst, 0x10000+(r-0xD800)<<10+(lo-0xDC00))
					return i + 12, nil
				}
			}
			s.appendU(r)
		case r >= 0xDC00 && r < 0xE000:
			s.appendU(r)
		case r < 0x20:
			s.appendControl(byte(r))
		case r == '"' || r == '\\':
			s.dst = append(s.dst, '\\', byte(r))
		default:
			s.dst = utf8.AppendRune(s.dst, r)
		}
		return i + 6, nil
	default:
		return i, syntaxErr(i, "invalid escape sequence")
	}
	return i + 2, nil
}

// hex4 decodes four hexadecimal digits at src[i:].
func hex4(src []byte, i int) (rune, bool) {
	if i+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range src[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (s *state) appendU(r rune) {
	s.dst = append(s.dst, '\\', 'u',
		hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

func (s *state) appendControl(c byte) {
	switch c {
	case '\b':
		s.dst = append(s.dst, '\\', 'b')
	case '\t':
		s.dst = append(s.dst, '\\', 't')
	case '\n':
		s.dst = append(s.dst, '\\', 'n')
	case '\f':
		s.dst = append(s.dst, '\\', 'f')
	case '\r':
		s.dst = append(s.dst, '\\', 'r')
	default:
		s.appendU(rune(c))
	}
}

// number parses the number at src[i], writes its ECMAScript form and
// returns the offset after it.
func (s *state) number(src []byte, i int) (int, error) {
	start := i
	if src[i] == '-' {
		i++
	}
	if i >= len(src) {
		return i, syntaxErr(i, "invalid number")
	}
	switch c := src[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i++
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		return i, syntaxErr(i, "invalid value")
	}
	simple := true
	if i < len(src) && src[i] == '.' {
		i++
		d := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == d {
			return i, syntaxErr(i, "expected digit after decimal point")
		}
		simple = false
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		d := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == d {
			return i, syntaxErr(i, "expected digit in exponent")
		}
		simple = false
	}
	lit := src[start:i]
	// Integers of at most 15 digits are exact doubles whose ECMAScript
	// form is the literal itself; only "-0" differs.
	if simple && len(lit) <= 15 && !(len(lit) == 2 && lit[0] == '-' && lit[1] == '0') {
		s.dst = append(s.dst, lit...)
		return i, nil
	}
	// The syntax has been checked, so the only possible error is ErrRange,
	// which comes with ±Inf (or 0 on underflow) as the right value anyway.
	f, _ := strconv.ParseFloat(string(lit), 64)
	at := len(s.dst)
	s.dst = appendNumber(s.dst, f)
	if s.exact && !sameDecimal(lit, s.dst[at:]) {
		return i, ErrInexactNumber
	}
	return i, nil
}

// sameDecimal reports whether two JSON number texts have the same decimal
// value. Zero equals negative zero. Texts with absurd exponents or lengths
// are reported as different rather than compared.
func sameDecimal(a, b []byte) bool {
	na, oka := normalizeDecimal(a)
	nb, okb := normalizeDecimal(b)
	return oka && okb && na == nb
}

// decimal is a number as sign, significant digits and power of ten.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

func normalizeDecimal(t []byte) (decimal, bool) {
	var d decimal
	if len(t) > 400 {
		return d, false
	}
	if len(t) > 0 && t[0] == '-' {
		d.neg = true
		t = t[1:]
	}
	mant, exp := t, 0
	if e := bytes.IndexAny(t, "eE"); e >= 0 {
		mant = t[:e]
		x := t[e+1:]
		neg := false
		if len(x) > 0 && (x[0] == '+' || x[0] == '-') {
			neg = x[0] == '-'
			x = x[1:]
		}
		if len(x) == 0 || len(x) > 6 {
			return d, false
		}
		for _, c := range x {
			exp = exp*10 + int(c-'0')
		}
		if neg {
			exp = -exp
		}
	}
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		switch {
		case c == '.':
			exp -= len(mant) - bytes.IndexByte(mant, '.') - 1
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		default:
			return d, false
		}
	}
	digits = bytes.TrimLeft(digits, "0")
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	if len(digits) == 0 {
		return decimal{}, true // zero, either sign
	}
	d.digits = string(digits)
	d.exp = exp
	return d, true
}

// appendNumber appends the result of JSON.stringify(f): ECMAScript's
// Number::toString(f) for finite f, and null otherwise.
func appendNumber(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // [-]d[.ddd]e±xx
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	e := bytes.IndexByte(b, 'e')
	var digits [24]byte
	k := 0
	for _, c := range b[:e] {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	d := digits[:k]
	exp, _ := strconv.Atoi(string(b[e+1:]))
	// With the ECMAScript spec's names: the value is 0.d × 10^n.
	n := exp + 1
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp >= 0 {
			dst = append(dst, '+')
		} else {
			dst = append(dst, '-')
			exp = -exp
		}
		dst = strconv.AppendInt(dst, int64(exp), 10)
	}
	return dst
}

// smallObject is the largest member count for which keys are compared
// pairwise (by hash first) instead of by sorting.
const smallObject = 64

func (s *state) keyOf(m *member) []byte { return s.dst[m.keyStart:m.keyEnd] }

func (s *state) sameKey(a, b *member) bool {
	return a.hash == b.hash && bytes.Equal(s.keyOf(a), s.keyOf(b))
}

// closeObject is called when the innermost object ends, before its '}' is
// written. It checks for duplicate keys and records the object for
// reordering if its document order differs from JavaScript property order. mem are the object's members; reorder
// tells whether a key is an array index.
func (s *state) closeObject(reorder bool, mem []member) {
	n := len(mem)
	if n < 2 {
		return
	}
	second := -1 // earliest member whose key repeats an earlier one
	sorted := false
	if n <= smallObject {
	outer:
		for i := 1; i < n; i++ {
			for j := range i {
				if s.sameKey(&mem[i], &mem[j]) {
					second = i
					break outer
				}
			}
		}
	} else {
		s.groupSorted(mem)
		sorted = true
		for i, fi := range s.first {
			if int(fi) != i {
				second = i
				break
			}
		}
	}
	if second >= 0 && s.trackDup && (!s.dupFound || mem[second].srcOff < s.dupOff) {
		s.dupFound = true
		s.dupOff = mem[second].srcOff
		s.dupKey = append(s.dupKey[:0], s.keyOf(&mem[second])...)
	}
	if s.trackDup || (second < 0 && (!reorder || s.inOrder(mem))) {
		return
	}
	if !sorted {
		s.groupPairwise(mem)
	}
	s.record(mem)
}

// groupPairwise sets s.first[i] to the index of the first member whose key
// equals that of mem[i].
func (s *state) groupPairwise(mem []member) {
	s.first = s.first[:0]
	for i := range mem {
		fi := int32(i)
		for j := range i {
			if s.sameKey(&mem[i], &mem[j]) {
				fi = int32(j)
				break
			}
		}
		s.first = append(s.first, fi)
	}
}

// groupSorted computes the same as groupPairwise by sorting, for large
// objects.
func (s *state) groupSorted(mem []member) {
	s.idx = s.idx[:0]
	for i := range mem {
		s.idx = append(s.idx, int32(i))
	}
	slices.SortFunc(s.idx, func(a, b int32) int {
		if c := bytes.Compare(s.keyOf(&mem[a]), s.keyOf(&mem[b])); c != 0 {
			return c
		}
		return int(a - b)
	})
	s.first = slices.Grow(s.first[:0], len(mem))[:len(mem)]
	head := s.idx[0]
	for _, x := range s.idx {
		if !bytes.Equal(s.keyOf(&mem[x]), s.keyOf(&mem[head])) {
			head = x
		}
		s.first[x] = head
	}
}

// record notes the members mem in JavaScript property order, given s.first
// from groupPairwise or groupSorted: one member per distinct key, at the
// position of its first occurrence and with the value of its last, and
// array-index keys first in numeric order. The bytes stay where they are;
// assemble moves them once the whole document has been read, so that the
// work stays linear however deeply reordered objects nest.
func (s *state) record(mem []member) {
	n := len(mem)
	s.win = slices.Grow(s.win[:0], n)[:n]
	s.iv = slices.Grow(s.iv[:0], n)[:n]
	s.ord = s.ord[:0]
	for i := range n {
		fi := s.first[i]
		s.win[fi] = int32(i)
		if int(fi) == i {
			s.ord = append(s.ord, int32(i))
			s.iv[i] = -1
			if m := &mem[i]; m.index {
				s.iv[i], _ = arrayIndex(s.dst[m.keyStart+1 : m.keyEnd-1])
			}
		}
	}
	slices.SortStableFunc(s.ord, func(a, b int32) int {
		va, vb := s.iv[a], s.iv[b]
		switch {
		case va >= 0 && vb >= 0:
			return cmp.Compare(va, vb)
		case va >= 0:
			return -1
		case vb >= 0:
			return 1
		}
		return 0
	})
	r := reordered{start: mem[0].keyStart, end: mem[n-1].valEnd, m0: len(s.spans)}
	for _, i := range s.ord {
		k, v := &mem[i], &mem[s.win[i]]
		s.spans = append(s.spans, span{k.keyStart, k.keyEnd, v.keyEnd + 1, v.valEnd})
	}
	r.m1 = len(s.spans)
	s.reorders = append(s.reorders, r)
}

// inOrder reports whether the members mem, whose keys are distinct, are
// already in JavaScript property order.
func (s *state) inOrder(mem []member) bool {
	prev := int64(-1)
	for i := range mem {
		m := &mem[i]
		if !m.index {
			continue
		}
		if i > 0 && !mem[i-1].index {
			return false // an array index after a string key
		}
		v, _ := arrayIndex(s.dst[m.keyStart+1 : m.keyEnd-1])
		if v < prev {
			return false
		}
		prev = v
	}
	return true
}

// assemble rewrites s.dst[from:] with the recorded objects' members in
// their final order.
func (s *state) assemble(from int) {
	// Objects were recorded as they closed, inner ones first; sorting by
	// start puts each before the objects nested in it.
	slices.SortFunc(s.reorders, func(a, b reordered) int { return cmp.Compare(a.start, b.start) })
	out := s.emit(make([]byte, 0, len(s.dst)-from), from, len(s.dst))
	s.dst = append(s.dst[:from], out...)
}

// emit appends s.dst[lo:hi] to out, replacing each recorded object within
// it by its members in final order. Recursion is bounded by MaxDepth.
func (s *state) emit(out []byte, lo, hi int) []byte {
	for {
		// The recorded object that starts first in [lo, hi) is not nested in
		// another one there, and lies entirely within the range.
		j, _ := slices.BinarySearchFunc(s.reorders, lo, func(r reordered, off int) int { return cmp.Compare(r.start, off) })
		if j == len(s.reorders) || s.reorders[j].start >= hi {
			return append(out, s.dst[lo:hi]...)
		}
		r := s.reorders[j]
		out = append(out, s.dst[lo:r.start]...)
		for k, m := range s.spans[r.m0:r.m1] {
			if k > 0 {
				out = append(out, ',')
			}
			out = append(out, s.dst[m.keyStart:m.keyEnd]...)
			out = append(out, ':')
			out = s.emit(out, m.valStart, m.valEnd)
		}
		lo = r.end
	}
}

// unquote decodes a JSON string as written by Compact (only the escapes
// \" \\ \b \f \n \r \t and \uXXXX occur). Unpaired surrogates become U+FFFD.
func unquote(q []byte) string {
	q = q[1 : len(q)-1]
	out := make([]byte, 0, len(q))
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch q[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(q, i+1)
			out = utf8.AppendRune(out, r) // surrogates encode as U+FFFD
			i += 4
		default: // '"' or '\\'
			out = append(out, q[i])
		}
	}
	return string(out)
}
