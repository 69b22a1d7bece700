package jsonstringify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// nodeScript reads lines of 'd' followed by base64, one document each, and prints for each a
// base64 line of the UTF-8 bytes of JSON.stringify(JSON.parse(doc)), or "!"
// if JSON.parse throws.
const nodeScript = `
const fs = require('fs');
const lines = fs.readFileSync(process.argv[2], 'latin1').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const doc = Buffer.from(line.slice(1), 'base64').toString('utf8');
  let r;
  try {
    r = Buffer.from(JSON.stringify(JSON.parse(doc)), 'utf8').toString('base64');
  } catch (e) {
    r = '!';
  }
  out.push(r);
}
process.stdout.write(out.join('\n') + '\n');
`

// nodeStringify runs Node once over docs. ok[i] is false where JSON.parse
// threw.
func nodeStringify(t *testing.T, docs []string) (out []string, ok []bool) {
	t.Helper()
	nodePath, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("JSONSTRINGIFY_SKIP_NODE") == "1" {
			t.Skip("node not found and JSONSTRINGIFY_SKIP_NODE=1")
		}
		t.Fatalf("node is required for the differential test (set JSONSTRINGIFY_SKIP_NODE=1 to skip): %v", err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "stringify.js")
	corpus := filepath.Join(dir, "corpus.txt")
	var buf bytes.Buffer
	for _, d := range docs {
		buf.WriteByte('d') // keeps the line of an empty document non-empty
		buf.WriteString(base64.StdEncoding.EncodeToString([]byte(d)))
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(script, []byte(nodeScript), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corpus, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodePath, script, corpus)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "!" {
			out = append(out, "")
			ok = append(ok, false)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			t.Fatalf("bad node output line %q: %v", line, err)
		}
		out = append(out, string(b))
		ok = append(ok, true)
	}
	if len(out) != len(docs) {
		t.Fatalf("node returned %d results for %d documents", len(out), len(docs))
	}
	return out, ok
}

// nodeCorpus is hand-picked input that is valid for both Node and Compact.
func nodeCorpus() []string {
	docs := []string{
		`{"b":1,"2":2,"a":3,"1":4}`,
		`{"01":1,"1":2,"4294967295":3,"4294967294":4,"-1":5,"0":6,"10":7,"9":8,"4294967296":9,"00":10}`,
		`{"a":1,"b":2,"a":3}`,
		`{"a":1,"1":2,"a":3,"1":4,"b":{"c":1,"c":{"d":2}},"b":5}`,
		`{"x":{"a":1,"a":2},"y":[{"3":1,"2":2,"z":3,"3":4}]}`,
		`{"__proto__":1,"a":2}`,
		`{"__proto__":{"x":1},"constructor":2,"toString":3,"length":4}`,
		`{"\u0031":1,"a":2,"0":3,"\u0030":4}`,
		`{"1":1,"1.0":2,"1e0":3,"+1":4," 1":5,"1 ":6,"-0":7,"0x1":8}`,
		`{"4294967294":1,"4294967295":2,"4294967293":3,"2147483648":4,"9007199254740993":5}`,
		`{"":1,"":2," ":3}`,
		`"\/ < > & \u003c\u003E\u0026 \u002f </script>"`,
		`"\u2028\u2029"`,
		"\"raw \u2028 \u2029\"",
		`"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"`,
		`"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u0020\u007f\u0080\u009f\u00a0"`,
		"\"\x7f\u0080\u00a0\u00ad\u061c\u200b\u200e\ufeff\ufffd\uffff\"",
		`"\b\f\n\r\t\"\\\/"`,
		`"\ud800"`, `"\udbff"`, `"\udc00"`, `"\udfff"`, `"\ud800\udc00"`, `"\udbff\udfff"`,
		`"\uD834\uDD1E \ud834\udd1e 𝄞"`,
		`"\ud800\ud800\udc00\udc00"`,
		`"\ud800\u0041\udc00"`,
		`"x\ud800"`, `"\ud800\"\udc00"`,
		`{"\ud800":1,"\udc00":2,"\ud800\udc00":3,"𐀀":4}`,
		`"\u00e9 \u00E9 é e\u0301 \u4e2d\u6587 中文 🎉 \uD83C\uDF89"`,
		`"日本語テキスト with emoji 👩‍👩‍👧‍👦 and RTL עברית"`,
		`[1.0,-0,-0.0,0.0,0e0,0E-5,1e21,1E+21,1e-7,1E-7,0.000001,1e-6]`,
		`[123456789012345678901234567890,12345678901234567890,9007199254740993,9007199254740992,18446744073709551616]`,
		`[0.1,0.2,0.3,0.30000000000000004,1.1,2.675,1.005,100.10,99.99]`,
		`[5e-324,4.9e-324,2.4703282292062327e-324,2.4703282292062328e-324,1e-323,2.2250738585072014e-308,2.2250738585072011e-308]`,
		`[1.7976931348623157e308,1.7976931348623158e308,1.7976931348623159e308,1e308,1e309,1e400,-1e400,1e-400,-1e-400]`,
		`[1e20,1e21,1e22,123e18,1234e18,999999999999999999999,100000000000000000000.5]`,
		`[1.5e-7,1.5e-6,0.00000123,0.0000001,0.00000009999,1e-5,12e-7]`,
		`[-1,-1.5,-1e-10,-1e21,-123.456e5,-0.000001,-9.87654321e-8]`,
		`[200.00,1500.50,0.01,19.99,1e2,1E2,1e+2,1e-0,10e-1,0.5e1]`,
		`[3.141592653589793,2.718281828459045,1.4142135623730951,6.02214076e23,6.62607015e-34]`,
		`[0.1e-6,0.1e-7,0.1e22,0.1e21,123456789.123456789,0.000000000000000000000000001]`,
		"1" + strings.Repeat("0", 400),
		"0." + strings.Repeat("0", 400) + "1",
		"1." + strings.Repeat("9", 30),
		"4.5" + strings.Repeat("0", 800) + "1",
		`true`, `false`, `null`, `0`, `-0`, `""`, `"x"`, `[]`, `{}`, ` [ ] `, ` { } `,
		`[[],{},[{}],{"a":[]},[[[]]],{"a":{"b":{}}}]`,
		"{\r\n\t\"a\" :\t1 ,\r\n\t\"b\" : [\r\n\t\t2 ,\r\n\t\t3\r\n\t]\r\n}\r\n",
		"\n\n  {  \"pretty\" : true ,  \"nested\" : {  \"x\" : null  }  }  \n",
		"\t\r\n 42 \t\r\n",
		strings.Repeat("[", 200) + "1" + strings.Repeat("]", 200),
		strings.Repeat(`{"k":`, 200) + `"v"` + strings.Repeat("}", 200),
		strings.Repeat(`{"2":[{"1":0,"a":`, 100) + "0" + strings.Repeat("}]}", 100),
		webhookDoc,
	}
	// big object with a duplicate and index keys, exercising the sort path
	var b strings.Builder
	b.WriteString("{")
	for i := range 300 {
		b.WriteString(`"f` + strconv.Itoa((i*7919)%300) + `":` + strconv.Itoa(i) + ",")
		if i%50 == 0 {
			b.WriteString(`"` + strconv.Itoa(1000-i) + `":` + strconv.Itoa(i) + ",")
		}
	}
	b.WriteString(`"f17":"dup","950":"dupidx"}`)
	docs = append(docs, b.String())
	for _, tc := range compactCases {
		docs = append(docs, tc.in)
	}
	return docs
}

func TestNodeDifferential(t *testing.T) {
	var docs []string
	docs = append(docs, nodeCorpus()...)
	nValid := len(docs)
	docs = append(docs, invalidCases...)
	nInvalid := len(docs) - nValid
	rng := rand.New(rand.NewPCG(20240517, 1))
	for range 1000 {
		docs = append(docs, genDoc(rng))
	}
	if len(docs)-nInvalid < 560 {
		t.Fatalf("corpus too small: %d", len(docs))
	}

	want, ok := nodeStringify(t, docs)
	changed, dups := 0, 0
	for i, d := range docs {
		got, err := Compact(nil, []byte(d))
		switch {
		case !ok[i] && err == nil:
			t.Errorf("doc %d %.200q: JSON.parse throws but Compact returned %.200q", i, d, got)
		case ok[i] && err != nil:
			t.Errorf("doc %d %.200q: Compact: %v; node gives %.200q", i, d, err, want[i])
		case ok[i] && string(got) != want[i]:
			t.Errorf("doc %d %.300q:\n got %.300q\nnode %.300q", i, d, got, want[i])
		}
		if (i < nValid || i >= nValid+nInvalid) && !ok[i] {
			t.Errorf("doc %d %.200q meant to be valid, but rejected by node", i, d)
		}
		if i >= nValid && i < nValid+nInvalid && ok[i] {
			t.Errorf("doc %d %.200q meant to be invalid, but accepted by node", i, d)
		}
		if i >= nValid+nInvalid && err == nil {
			if !bytes.Equal(got, []byte(d)) {
				changed++
			}
			if _, dup, _ := FindDuplicateKey([]byte(d)); dup {
				dups++
			}
		}
	}
	t.Logf("%d documents; of the %d random ones, %d re-serialized differently and %d have duplicate keys",
		len(docs), len(docs)-nValid-nInvalid, changed, dups)
}

// genDoc builds a random valid JSON document, valid UTF-8, within MaxDepth.
func genDoc(r *rand.Rand) string {
	var b strings.Builder
	g := gen{r: r, b: &b}
	g.space()
	g.value(0)
	g.space()
	return b.String()
}

type gen struct {
	r *rand.Rand
	b *strings.Builder
}

func (g gen) space() {
	if g.r.IntN(3) != 0 {
		return
	}
	for range g.r.IntN(4) {
		g.b.WriteByte(" \t\r\n"[g.r.IntN(4)])
	}
}

func (g gen) value(depth int) {
	k := g.r.IntN(10)
	if depth == 0 {
		k = min(k, 3) // mostly containers at the top
	}
	if depth > 6 {
		k += 3 // scalars only
	}
	switch {
	case k < 2:
		g.object(depth)
	case k < 3:
		g.array(depth)
	case k < 6:
		g.str(8)
	case k < 9:
		g.number()
	default:
		g.b.WriteString([]string{"true", "false", "null"}[g.r.IntN(3)])
	}
}

func (g gen) object(depth int) {
	g.b.WriteByte('{')
	n := g.r.IntN(7)
	var keys []string
	for i := range n {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.space()
		if len(keys) > 0 && g.r.IntN(6) == 0 {
			// repeat an earlier key, possibly spelled differently
			g.b.WriteString(respell(g.r, keys[g.r.IntN(len(keys))]))
		} else {
			start := g.b.Len()
			g.key()
			keys = append(keys, g.b.String()[start:])
		}
		g.space()
		g.b.WriteByte(':')
		g.space()
		g.value(depth + 1)
		g.space()
	}
	g.b.WriteByte('}')
}

func (g gen) array(depth int) {
	g.b.WriteByte('[')
	n := g.r.IntN(6)
	for i := range n {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.space()
		g.value(depth + 1)
		g.space()
	}
	g.b.WriteByte(']')
}

var indexLikeKeys = []string{
	"0", "1", "2", "3", "9", "10", "11", "42", "100", "01", "00", "-1", "1.5", "1e3", "+5",
	"4294967294", "4294967295", "4294967296", "2147483647", "2147483648", "99999999999", " 7",
}

func (g gen) key() {
	switch g.r.IntN(4) {
	case 0, 1:
		g.b.WriteString(`"` + indexLikeKeys[g.r.IntN(len(indexLikeKeys))] + `"`)
	case 2:
		g.b.WriteString(`"` + string(rune('a'+g.r.IntN(5))) + `"`)
	default:
		g.str(4)
	}
}

// respell rewrites a quoted key with some characters \u-escaped.
func respell(r *rand.Rand, quoted string) string {
	inner := quoted[1 : len(quoted)-1]
	if strings.Contains(inner, `\`) || r.IntN(2) == 0 {
		return quoted
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range inner {
		if c < 0x10000 && r.IntN(2) == 0 {
			b.WriteString(`\u` + strconv.FormatInt(0x10000+int64(c), 16)[1:])
		} else {
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (g gen) str(maxLen int) {
	g.b.WriteByte('"')
	for range g.r.IntN(maxLen + 1) {
		g.char()
	}
	g.b.WriteByte('"')
}

func (g gen) char() {
	r := g.r
	switch r.IntN(12) {
	case 0, 1, 2:
		c := byte(0x20 + r.IntN(0x5f)) // printable ASCII
		if c == '"' || c == '\\' {
			g.b.WriteByte('\\')
		}
		g.b.WriteByte(c)
	case 3:
		g.b.WriteString([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`}[r.IntN(8)])
	case 4:
		// \u escape of any BMP code unit, including surrogates
		u := r.IntN(0x10000)
		if r.IntN(2) == 0 {
			u = r.IntN(0x100)
		}
		g.b.WriteString(hexEscape(u, r.IntN(2) == 0))
	case 5:
		// escaped surrogate pair, or a deliberately broken one
		c := 0x10000 + r.IntN(0x100000)
		hi, lo := 0xD800+(c-0x10000)>>10, 0xDC00+(c-0x10000)&0x3FF
		switch r.IntN(4) {
		case 0:
			g.b.WriteString(hexEscape(lo, false) + hexEscape(hi, true))
		case 1:
			g.b.WriteString(hexEscape(hi, false) + "x" + hexEscape(lo, false))
		default:
			g.b.WriteString(hexEscape(hi, r.IntN(2) == 0) + hexEscape(lo, r.IntN(2) == 0))
		}
	case 6:
		g.b.WriteRune([]rune{0x2028, 0x2029, 0x7f, 0x80, 0xa0, 0xe9, 0xfeff, 0xfffd, 0xffff, 0x1f600, 0x10ffff, '<', '>', '&', '/', '\''}[r.IntN(16)])
	case 7:
		// any valid scalar value
		for {
			c := rune(r.IntN(0x110000))
			if utf8.ValidRune(c) && c >= 0x20 {
				g.b.WriteRune(c)
				return
			}
		}
	default:
		g.b.WriteByte(byte('a' + r.IntN(26)))
	}
}

func hexEscape(u int, upper bool) string {
	s := strconv.FormatInt(0x10000+int64(u), 16)[1:]
	if upper {
		s = strings.ToUpper(s)
	}
	return `\u` + s
}

func (g gen) number() {
	r := g.r
	switch r.IntN(6) {
	case 0:
		g.b.WriteString(strconv.FormatInt(r.Int64N(1<<62)>>r.IntN(62)-r.Int64N(1000), 10))
	case 1:
		// random bit pattern written with shortest or 17 digits
		f := math.Float64frombits(r.Uint64())
		if math.IsInf(f, 0) || math.IsNaN(f) {
			f = 1.5
		}
		prec := -1
		if r.IntN(2) == 0 {
			prec = 17
		}
		g.b.WriteString(strconv.FormatFloat(f, []byte{'e', 'E', 'g'}[r.IntN(3)], prec, 64))
	case 2:
		// mantissa and exponent spelled freely
		if r.IntN(2) == 0 {
			g.b.WriteByte('-')
		}
		if r.IntN(3) == 0 {
			g.b.WriteByte('0')
		} else {
			g.b.WriteString(strconv.Itoa(1 + r.IntN(999999)))
		}
		if r.IntN(2) == 0 {
			g.b.WriteString("." + strconv.Itoa(r.IntN(1000000)))
		}
		if r.IntN(2) == 0 {
			g.b.WriteString([]string{"e", "E"}[r.IntN(2)] + []string{"", "+", "-"}[r.IntN(3)] + strconv.Itoa(r.IntN(330)))
		}
	case 3:
		// near the fixed/exponent boundaries
		e := []int{-8, -7, -6, -5, 19, 20, 21, 22}[r.IntN(8)]
		g.b.WriteString(strconv.Itoa(1+r.IntN(99)) + "e" + strconv.Itoa(e))
	case 4:
		// money-like
		g.b.WriteString(strconv.Itoa(r.IntN(100000)) + "." + strconv.Itoa(r.IntN(10)) + strconv.Itoa(r.IntN(10)))
	default:
		g.b.WriteString([]string{"0", "-0", "0.0", "1.0", "1e400", "-1e400", "1e-400", "5e-324", "1.7976931348623157e308", "0.1", "1e21", "1e-7"}[r.IntN(12)])
	}
}
