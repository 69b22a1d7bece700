package opay

import (
	"crypto/hmac"
	"crypto/sha512"
	"strconv"
	"strings"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// bench1KiB pads a body with an unsigned field to exactly 1 KiB.
func bench1KiB(prefix, suffix string) []byte {
	pad := 1024 - len(prefix) - len(suffix) - len(`"note":"",`)
	return []byte(prefix + `"note":"` + strings.Repeat("n", pad) + `",` + suffix)
}

// v1Body1KiB is the documentation's callback padded to 1 KiB.
var v1Body1KiB = bench1KiB(`{"payload":`+docPayload[:len(docPayload)-1]+`,`, `"x":0},"sha512":"`+docSig+`","type":"transaction-status"}`)

// v2Body1KiB is the v2 example padded to 1 KiB.
var v2Body1KiB = bench1KiB(`{`, docV2Body[1:])

func BenchmarkVerifyOPayV1(b *testing.B) {
	v := provisioned(b, &OPay{Secrets: webhookverify.Secrets{docKey}})
	r := post("")
	if len(v1Body1KiB) != 1024 {
		b.Fatalf("body is %d bytes", len(v1Body1KiB))
	}
	if _, err := v.Verify(r, v1Body1KiB, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(v1Body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, v1Body1KiB, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA3512_1KiB is the v1 primitive over the same 1 KiB.
// (v1 actually MACs only the ~200-byte field string; the rest is parsing.)
func BenchmarkBareHMACSHA3512_1KiB(b *testing.B) {
	m := hmac.New(sha3512, []byte(docKey))
	var sum [64]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(v1Body1KiB)))
	for b.Loop() {
		m.Reset()
		m.Write(v1Body1KiB)
		m.Sum(sum[:0])
	}
}

func BenchmarkVerifyOPayV2(b *testing.B) {
	v := provisioned(b, &OPay{Secrets: webhookverify.Secrets{docKey}, Scheme: SchemeV2})
	now := time.Now()
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	r := v2Request(b, docKey, string(v2Body1KiB), ts)
	if len(v2Body1KiB) != 1024 {
		b.Fatalf("body is %d bytes", len(v2Body1KiB))
	}
	if _, err := v.Verify(r, v2Body1KiB, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(v2Body1KiB)))
	for b.Loop() {
		if _, err := v.Verify(r, v2Body1KiB, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA512_1KiB is the v2 primitive over the same 1 KiB.
func BenchmarkBareHMACSHA512_1KiB(b *testing.B) {
	m := hmac.New(sha512.New, []byte(docKey))
	var sum [64]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(v2Body1KiB)))
	for b.Loop() {
		m.Reset()
		m.Write(v2Body1KiB)
		m.Sum(sum[:0])
	}
}
