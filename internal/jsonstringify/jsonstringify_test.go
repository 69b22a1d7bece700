package jsonstringify

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// compactCases pairs inputs with what JSON.stringify(JSON.parse(input))
// returns in Node. The Node differential test re-checks every entry.
var compactCases = []struct{ in, want string }{
	// whitespace and structure
	{` { "a" : 1 , "b" : [ 1 , 2 , { } , [ ] ] } `, `{"a":1,"b":[1,2,{},[]]}`},
	{"{\r\n\t\"a\":\t[\r\n\t\ttrue,\r\n\t\tfalse,\r\n\t\tnull\r\n\t]\r\n}\r\n", `{"a":[true,false,null]}`},
	{`[]`, `[]`},
	{`{}`, `{}`},
	{`[ ]`, `[]`},
	{`{ }`, `{}`},
	{`[[[[]]]]`, `[[[[]]]]`},
	{` 1 `, `1`},
	{`"x"`, `"x"`},
	{`true`, `true`},
	{`false`, `false`},
	{`null`, `null`},

	// key order: array indices first, ascending, then document order
	{`{"b":1,"2":2,"a":3,"1":4}`, `{"1":4,"2":2,"b":1,"a":3}`},
	{`{"01":1,"1":2,"4294967295":3,"4294967294":4,"-1":5,"0":6,"10":7,"9":8}`,
		`{"0":6,"1":2,"9":8,"10":7,"4294967294":4,"01":1,"4294967295":3,"-1":5}`},
	{`{"\u0031":1,"a":2,"0":3}`, `{"0":3,"1":1,"a":2}`},
	{`{"1.0":1,"1e1":2,"+1":3," 1":4,"1":5}`, `{"1":5,"1.0":1,"1e1":2,"+1":3," 1":4}`},
	{`{"9999999999":1,"10000000000":2,"5":3}`, `{"5":3,"9999999999":1,"10000000000":2}`},

	// duplicates: first position, last value
	{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
	{`{"a":1,"1":2,"a":3,"1":4}`, `{"1":4,"a":3}`},
	{`{"a":1,"\u0061":2}`, `{"a":2}`},
	{`{"x":{"a":1,"a":2},"x":[1]}`, `{"x":[1]}`},
	{`{"x":{"a":1,"a":2},"y":{"b":1,"2":3}}`, `{"x":{"a":2},"y":{"2":3,"b":1}}`},
	{`{"a":1,"a":2,"a":3,"b":4,"a":5}`, `{"a":5,"b":4}`},
	{`{"":1,"":2}`, `{"":2}`},
	{`[{"k":1,"k":2},{"k":3}]`, `[{"k":2},{"k":3}]`},
	{`{"a":{"2":1,"1":2},"a":{"3":0,"b":1,"0":9}}`, `{"a":{"0":9,"3":0,"b":1}}`},
	{`{"b":{"2":1,"1":2},"1":[{"1":1,"0":0}],"b":{"x":{"1":1,"0":0}}}`, `{"1":[{"0":0,"1":1}],"b":{"x":{"0":0,"1":1}}}`},
	{`{"0":"a","1":"b","2":"c","x":1}`, `{"0":"a","1":"b","2":"c","x":1}`},
	{`{"1":1,"0":0}`, `{"0":0,"1":1}`},
	{`[{"x":1,"5":{"y":2,"4":{"z":3,"3":[]}}},{"2":0}]`, `[{"5":{"4":{"3":[],"z":3},"y":2},"x":1},{"2":0}]`},

	// strings
	{`"\/ < > & \u003c\u003E\u0026 \u002f"`, `"/ < > & <>& /"`},
	{`"\u2028\u2029"`, "\"\u2028\u2029\""},
	{"\"\u2028\u2029\"", "\"\u2028\u2029\""},
	{`"\u0000\u0001\u0008\u0009\u000a\u000B\u000c\u000D\u001f\u0020\u007f"`,
		`"\u0000\u0001\b\t\n\u000b\f\r\u001f ` + "\x7f\""},
	{`"\b\f\n\r\t\"\\"`, `"\b\f\n\r\t\"\\"`},
	{`"\u0022\u005C\u005c"`, `"\"\\\\"`},
	{`"\u00e9\u00E9é"`, `"ééé"`},
	{`"\ud83d\ude00 😀 \uD83D\uDE00"`, `"😀 😀 😀"`},
	{`"\ud800"`, `"\ud800"`},
	{`"\uDBFF"`, `"\udbff"`},
	{`"\udc00\ud800"`, `"\udc00\ud800"`},
	{`"\ud800\u0041"`, `"\ud800A"`},
	{`"\ud800\ud800\udc00"`, `"\ud800𐀀"`},
	{`"\ud800\n"`, `"\ud800\n"`},
	{`"\ud800x\udc00"`, `"\ud800x\udc00"`},
	{`"\uFFFF\uFFFE\uFEFF"`, "\"\uffff\ufffe\ufeff\""},
	{"\"\xef\xbf\xbd\"", "\"\ufffd\""},

	// numbers
	{`200.00`, `200`},
	{`1.0`, `1`},
	{`-0`, `0`},
	{`-0.0`, `0`},
	{`0e10`, `0`},
	{`1e21`, `1e+21`},
	{`1E+21`, `1e+21`},
	{`1e-7`, `1e-7`},
	{`1e-6`, `0.000001`},
	{`0.000001`, `0.000001`},
	{`123e-9`, `1.23e-7`},
	{`1e20`, `100000000000000000000`},
	{`123456789012345678901234567890`, `1.2345678901234568e+29`},
	{`12345678901234567890`, `12345678901234567000`},
	{`9007199254740993`, `9007199254740992`},
	{`999999999999999`, `999999999999999`},
	{`-999999999999999`, `-999999999999999`},
	{`1e400`, `null`},
	{`-1e400`, `null`},
	{`1e-400`, `0`},
	{`-1e-400`, `0`},
	{`5e-324`, `5e-324`},
	{`2e-324`, `0`},
	{`1.7976931348623157e308`, `1.7976931348623157e+308`},
	{`0.1`, `0.1`},
	{`100e-2`, `1`},
	{`0.1e1`, `1`},
	{`-1.5E-10`, `-1.5e-10`},
	{`1.25e+2`, `125`},
	{`[0.30000000000000004,1e-323,4.35,2.5e25]`, `[0.30000000000000004,1e-323,4.35,2.5e+25]`},
}

func TestCompactTable(t *testing.T) {
	for _, tc := range compactCases {
		got, err := Compact(nil, []byte(tc.in))
		if err != nil {
			t.Errorf("Compact(%q): %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Compact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestCompactAppends(t *testing.T) {
	dst := []byte("prefix:")
	got, err := Compact(dst, []byte(`{"b":1,"2":2,"b":3}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `prefix:{"2":2,"b":3}`; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	got, err = Compact(dst, []byte(`{"b":1`))
	if err == nil || string(got) != "prefix:" {
		t.Fatalf("on error got %q, %v; want dst unchanged and an error", got, err)
	}
}

// invalidCases are rejected by JSON.parse; the Node test re-checks them.
var invalidCases = []string{
	``, ` `, "\ufeff1", `[1,]`, `{"a":1,}`, `01`, `-01`, `1.`, `.5`, `+1`, `-`, `1e`, `1e+`,
	`1.e5`, "\v1", "\f1", "\u00a01", `["` + "\t" + `"]`, `"` + "\x00" + `"`, `"` + "\x1f" + `"`,
	`[1]x`, `[1 2]`, `{"a" 1}`, `{"a":}`, `{a:1}`, `{'a':1}`, `['a']`, `"\x"`, `"\U0041"`,
	`"\u00zz"`, `"\u12"`, `"abc`, `"\`, `"\u`, `[`, `{`, `{"a":1`, `[1,`, `]`, `}`,
	`tru`, `truee`, `nul`, `NaN`, `Infinity`, `-Infinity`, `0x10`, `1_000`, `[1,,2]`,
	`{"a":1,,"b":2}`, `{,}`, `[,]`, `1 2`, `{}{}`, `// c` + "\n1", `/* c */1`, `"a"b`,
	`{"a":1 "b":2}`, `[1:2]`, `{"a",1}`, `-a`, `--1`, `1e1.5`, `00`,
}

var invalidUTF8Cases = []string{
	"\"\xff\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"a\x80b\"",
	"{\"\xfe\":1}", "\xef\xbb", "[\xe2\x80]",
}

func TestCompactInvalid(t *testing.T) {
	for _, in := range append(append([]string{}, invalidCases...), invalidUTF8Cases...) {
		got, err := Compact(nil, []byte(in))
		if err == nil {
			t.Errorf("Compact(%q) = %q, want error", in, got)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compact(%q) error %v is not a *SyntaxError", in, err)
		}
		if _, err := DuplicateKey([]byte(in)); err == nil {
			t.Errorf("DuplicateKey(%q) succeeded, want error", in)
		}
	}
	for _, in := range invalidUTF8Cases[:6] {
		if _, err := Compact(nil, []byte(in)); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("Compact(%q) error %v, want ErrInvalidUTF8", in, err)
		}
	}
}

func TestDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Compact(nil, []byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	okObj := strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth)
	if got, err := Compact(nil, []byte(okObj)); err != nil || string(got) != okObj {
		t.Fatalf("object depth %d: %v", MaxDepth, err)
	}
	tooDeep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if _, err := Compact(nil, []byte(tooDeep)); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("depth %d: err = %v, want ErrTooDeep", MaxDepth+1, err)
	}

	const huge = 100000
	docs := []string{
		strings.Repeat("[", huge) + strings.Repeat("]", huge),
		strings.Repeat(`{"a":`, huge) + "1" + strings.Repeat("}", huge),
		strings.Repeat(`[{"a":`, huge/2) + "1" + strings.Repeat("}]", huge/2),
		strings.Repeat("[", huge), // also truncated
	}
	for _, d := range docs {
		start := time.Now()
		_, err := Compact(nil, []byte(d))
		if !errors.Is(err, ErrTooDeep) {
			t.Errorf("Compact(%.20q...): err = %v, want ErrTooDeep", d, err)
		}
		_, err = DuplicateKey([]byte(d))
		if !errors.Is(err, ErrTooDeep) {
			t.Errorf("DuplicateKey(%.20q...): err = %v, want ErrTooDeep", d, err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("deep document took %v", el)
		}
	}
}

// TestDeepReorder checks that objects needing reordering at every level of
// a maximally deep document are handled correctly and in linear time (an
// implementation that moved bytes at each level would copy the large string
// MaxDepth times).
func TestDeepReorder(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	in := strings.Repeat(`{"a":1,"b":`, MaxDepth) + `"` + big + `"` + strings.Repeat(`,"1":0,"a":2}`, MaxDepth)
	want := strings.Repeat(`{"1":0,"a":2,"b":`, MaxDepth) + `"` + big + `"` + strings.Repeat(`}`, MaxDepth)
	start := time.Now()
	got, err := Compact(nil, []byte(in))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("wrong output (len %d, want len %d)", len(got), len(want))
	}
	if elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestDuplicateKey(t *testing.T) {
	cases := []struct {
		in    string
		key   string
		found bool
	}{
		{`{"a":1,"b":2}`, "", false},
		{`{"a":1,"a":2}`, "a", true},
		{`{"a":1,"\u0061":2}`, "a", true},
		{`{"\u00e9":1,"é":2}`, "é", true},
		{`{"\ud83d\ude00":1,"😀":2}`, "😀", true},
		{`{"\/":1,"/":2}`, "/", true},
		{`{"\n":1,"\u000a":2}`, "\n", true},
		{`{"\"":1,"\u0022":2}`, `"`, true},
		{`{"a":1,"A":2}`, "", false},
		{`{"a":1,"a ":2}`, "", false},
		{`{"\ud800":1,"\ud801":2}`, "", false},
		{`{"\ud800":1,"\uD800":2}`, "\ufffd", true},
		{`{"":1,"":2}`, "", true},
		{`{"1":1,"01":2}`, "", false},
		{`{"a":{"b":1},"c":{"b":2}}`, "", false},
		{`{"a":{"a":1}}`, "", false},
		{`[{"a":1},{"a":2}]`, "", false},
		{`{"a":{"x":1,"x":2},"b":1}`, "x", true},
		{`{"a":1,"b":{"x":1,"x":2},"a":2}`, "x", true},
		{`{"a":1,"a":2,"b":{"x":1,"x":2}}`, "a", true},
		{`{"a":1,"b":2,"b":3,"a":4}`, "b", true},
		{`{"a":{"b":{"c":1,"c":2}},"a":3}`, "c", true},
		{`[1,"a",{"k":[{"z":1,"z":1}]}]`, "z", true},
		{`"a"`, "", false},
		{`[]`, "", false},
	}
	// a large object takes the sorting path
	var big strings.Builder
	big.WriteString("{")
	for i := range 200 {
		if i > 0 {
			big.WriteString(",")
		}
		big.WriteString(`"k` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `":1`)
	}
	cases = append(cases,
		struct {
			in    string
			key   string
			found bool
		}{big.String() + "}", "", false},
		struct {
			in    string
			key   string
			found bool
		}{big.String() + `,"kz":2,"kb":3}`, "kz", true},
	)
	for _, tc := range cases {
		key, found, err := FindDuplicateKey([]byte(tc.in))
		if err != nil {
			t.Errorf("FindDuplicateKey(%q): %v", tc.in, err)
			continue
		}
		if key != tc.key || found != tc.found {
			t.Errorf("FindDuplicateKey(%.60q) = %q, %v; want %q, %v", tc.in, key, found, tc.key, tc.found)
		}
		if k, _ := DuplicateKey([]byte(tc.in)); k != tc.key {
			t.Errorf("DuplicateKey(%.60q) = %q, want %q", tc.in, k, tc.key)
		}
	}
}

// TestLargeObjects exercises the sorting path against the pairwise path by
// building objects with many members, array-index keys and duplicates.
func TestLargeObjects(t *testing.T) {
	var in, want strings.Builder
	in.WriteString("{")
	want.WriteString(`{"0":"last0","7":7,"100":100,`)
	for i := range 150 {
		k := "key" + strings.Repeat("z", i%7) + string(rune('A'+i/7))
		in.WriteString(`"` + k + `":` + `"v",`)
		want.WriteString(`"` + k + `":"v",`)
	}
	in.WriteString(`"100":100,"0":0,"7":7,"keyA":"dup","0":"last0"}`)
	w := strings.Replace(want.String(), `"keyA":"v"`, `"keyA":"dup"`, 1)
	w = strings.TrimSuffix(w, ",") + "}"
	got, err := Compact(nil, []byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != w {
		t.Fatalf("got  %s\nwant %s", got, w)
	}
	k, found, err := FindDuplicateKey([]byte(in.String()))
	if err != nil || !found || k != "keyA" {
		t.Fatalf("FindDuplicateKey = %q, %v, %v; want keyA", k, found, err)
	}
}

func TestAppendNumber(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1, "1"}, {-1, "-1"}, {0.5, "0.5"}, {1e21, "1e+21"}, {1e-7, "1e-7"}, {123e-20, "1.23e-18"},
		{1.5e300, "1.5e+300"}, {-2.5e-300, "-2.5e-300"}, {1e100, "1e+100"}, {123456.789, "123456.789"},
		{999999999999999900000, "999999999999999900000"}, {0.00001234, "0.00001234"},
	}
	for _, tc := range cases {
		if got := string(appendNumber(nil, tc.f)); got != tc.want {
			t.Errorf("appendNumber(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestCompactAllocs(t *testing.T) {
	src := []byte(webhookDoc)
	dst := make([]byte, 0, 2*len(src))
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if dst, err = Compact(dst[:0], src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Compact allocated %v times per run, want 0", allocs)
	}
	if bytes.ContainsAny(dst, "\n\t") {
		t.Errorf("output contains whitespace: %s", dst)
	}
}

// webhookDoc resembles a pretty-printed payment notification of about 1 KiB.
const webhookDoc = `{
    "event": "payment.succeeded",
    "id": "evt_01HV8Q3K7Z4M2N9P5R6S8T0W1X",
    "created_at": "2024-05-17T09:41:23.512Z",
    "livemode": true,
    "data": {
        "payment_id": "pay_7f3c2a91b8e64d0f",
        "merchant_id": "mch_102938",
        "order_id": "ORD-2024-000123",
        "amount": 1500.00,
        "amount_refunded": 0,
        "fee": 43.5,
        "currency": "EUR",
        "status": "succeeded",
        "description": "Order #123 \u2013 \"Deluxe\" plan <monthly> & extras \/ VAT incl.",
        "customer": {
            "id": "cus_88213",
            "email": "jane.doe@example.com",
            "name": "Jan\u00e9 D\u00f6e",
            "phone": "+33 6 12 34 56 78",
            "address": {
                "line1": "12 rue de la Paix",
                "city": "Paris",
                "postal_code": "75002",
                "country": "FR"
            }
        },
        "payment_method": {
            "type": "card",
            "brand": "visa",
            "last4": "4242",
            "exp_month": 12,
            "exp_year": 2027,
            "three_d_secure": false
        },
        "metadata": {
            "cart_id": "c-5521",
            "campaign": null,
            "items": 3
        },
        "items": [
            {"sku": "SKU-1", "qty": 1, "unit_price": 1000.0},
            {"sku": "SKU-2", "qty": 2, "unit_price": 250.00}
        ],
        "risk_score": 0.125,
        "captured": true
    },
    "attempt": 1
}
`

func BenchmarkCompact(b *testing.B) {
	src := []byte(webhookDoc)
	dst := make([]byte, 0, 2*len(src))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var err error
		if dst, err = Compact(dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompactNewBuffer(b *testing.B) {
	src := []byte(webhookDoc)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Compact(nil, src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDuplicateKey(b *testing.B) {
	src := []byte(webhookDoc)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := DuplicateKey(src); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCompactExact(t *testing.T) {
	same := map[string]string{
		`[1.0,200.00,1E3,-0,0.1,1e21,5e-324,12345678901234567000,1.5e300]`: `[1,200,1000,0,0.1,1e+21,5e-324,12345678901234567000,1.5e+300]`,
		`{"amount":"12345678901234567891"}`:                                `{"amount":"12345678901234567891"}`,
	}
	for in, want := range same {
		got, err := CompactExact(nil, []byte(in))
		if err != nil || string(got) != want {
			t.Errorf("CompactExact(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{`[12345678901234567891]`, `{"a":1e400}`, `[1e-400]`, `[0.30000000000000000001]`,
		`[1e9999999999]`, `[9007199254740993]`} {
		if _, err := CompactExact(nil, []byte(in)); !errors.Is(err, ErrInexactNumber) {
			t.Errorf("CompactExact(%s): %v, want ErrInexactNumber", in, err)
		}
		if _, err := Compact(nil, []byte(in)); err != nil {
			t.Errorf("Compact(%s) must still succeed: %v", in, err)
		}
	}
}
