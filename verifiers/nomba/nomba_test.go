package nomba_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/nomba"
)

// No vector is published: signatures are computed here as Nomba's docs do
// (crypto.createHmac('sha256', key).update(hashingPayload).digest('base64')),
// apart from the code under test. The body is the shape of a delivery
// Nomba made (nomba-timestamp 2026-02-06T04:23:07Z), with its values
// changed.
const (
	key   = "NombaSignatureKey-test-0001"
	other = "NombaSignatureKey-rotated-0002"
	ts    = "2023-11-14T22:13:20Z" // verifiertest.Now
	body  = `{"event_type":"payment_success","requestId":"eaa0a4f8-f746-4a6f-b09f-ce6e8b4f7648","data":{"merchant":{"walletId":"N/A","walletBalance":"N/A","userId":"282aa572-5efc-4a47-ab5b-2ddaab7db41e"},"terminal":{},"transaction":{"fee":0.28,"type":"online_checkout","transactionId":"WEB-ONLINE_C-282aa5-6729bdbe","responseCode":"","originatingFrom":"web","merchantTxRef":"txref-1770351786","transactionAmount":300,"time":"2023-11-14T22:13:19Z"},"order":{"amount":300,"currency":"NGN"}}}`
	// signed is the hashing payload of body at ts, written out by hand.
	signed = "payment_success:eaa0a4f8-f746-4a6f-b09f-ce6e8b4f7648:282aa572-5efc-4a47-ab5b-2ddaab7db41e:N/A:WEB-ONLINE_C-282aa5-6729bdbe:online_checkout:2023-11-14T22:13:19Z::" + ts
)

func sign(k, msg string) string {
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hdr(sig, t string) [][2]string {
	return [][2]string{{"nomba-signature", sig}, {"nomba-signature-algorithm", "HmacSHA256"}, {"nomba-signature-version", "1.0.0"}, {"nomba-timestamp", t}}
}

var wantEvent = &webhookverify.Event{
	ID: "eaa0a4f8-f746-4a6f-b09f-ce6e8b4f7648", Type: nomba.TypePrefix + "payment_success",
	Time:    time.Date(2023, 11, 14, 22, 13, 19, 0, time.UTC),
	Subject: "WEB-ONLINE_C-282aa5-6729bdbe", Reference: "WEB-ONLINE_C-282aa5-6729bdbe",
	Status: webhookverify.StatusSucceeded,
}

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "nomba {\n secret "+other+" "+key+"\n}")
	sig := sign(key, signed)
	nullBody := `{"event_type":"payout_refund","requestId":"r-2","data":{"merchant":{"userId":null},"transaction":{"transactionId":"t-2","responseCode":null,"time":null}}}`
	nullSigned := "payout_refund:r-2:::t-2::::" + ts
	strNull := strings.Replace(nullBody, `"responseCode":null`, `"responseCode":"null"`, 1)
	later := time.Date(2023, 11, 14, 22, 18, 20, 0, time.UTC)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed, rotated key second", Header: hdr(sig, ts), Body: body, Event: wantEvent},
		{Name: "nomba-sig-value only", Header: [][2]string{{"nomba-sig-value", sig}, {"nomba-timestamp", ts}}, Body: body, Event: wantEvent},
		{Name: "unsigned amount may change", Header: hdr(sig, ts), Body: strings.Replace(body, `"transactionAmount":300`, `"transactionAmount":9000`, 1), Event: wantEvent},
		{Name: "null and absent are empty", Header: hdr(sign(other, nullSigned), ts), Body: nullBody,
			Event: &webhookverify.Event{ID: "r-2", Type: "com.nomba.payout_refund", Subject: "t-2", Reference: "t-2", Status: webhookverify.StatusRefunded}},
		{Name: "responseCode \"null\" is empty", Header: hdr(sign(other, nullSigned), ts), Body: strNull},
		{Name: "no data", Header: hdr(sign(key, "payment_failed:r3:::::::"+ts), ts), Body: `{"event_type":"payment_failed","requestId":"r3"}`},
		{Name: "integer field", Header: hdr(sign(key, "payment_failed:r3:::::2023-11-14T22:13:19Z:51:"+ts), ts), Body: `{"event_type":"payment_failed","requestId":"r3","data":{"transaction":{"responseCode":51,"time":"2023-11-14T22:13:19Z"}}}`},
		{Name: "timestamp with offset", Header: hdr(sign(key, strings.TrimSuffix(signed, ts)+"2023-11-14T23:13:20+01:00"), "2023-11-14T23:13:20+01:00"), Body: body, Event: wantEvent},
		{Name: "timestamp 5m old", Header: hdr(sig, ts), Body: body, Now: later, Event: wantEvent},

		{Name: "wrong method", Method: http.MethodGet, Header: hdr(sig, ts), Body: body, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong key", Header: hdr(sign("x", signed), ts), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered transactionId", Header: hdr(sig, ts), Body: strings.Replace(body, "WEB-ONLINE_C-282aa5-6729bdbe", "WEB-ONLINE_C-282aa5-6729bdbf", 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered event_type", Header: hdr(sig, ts), Body: strings.Replace(body, "payment_success", "payout_success", 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered responseCode", Header: hdr(sig, ts), Body: strings.Replace(body, `"responseCode":""`, `"responseCode":"00"`, 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered timestamp", Header: hdr(sig, "2023-11-14T22:13:21Z"), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "signature over the raw body", Header: hdr(sign(key, body), ts), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "hex signature", Header: hdr(strings.Repeat("ab", 32), ts), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "not base64", Header: hdr(strings.Repeat("*", 44), ts), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "other algorithm", Header: [][2]string{{"nomba-signature", sig}, {"nomba-signature-algorithm", "HmacSHA1"}, {"nomba-timestamp", ts}}, Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "missing signature", Header: [][2]string{{"nomba-timestamp", ts}}, Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "missing timestamp", Header: [][2]string{{"nomba-signature", sig}}, Body: body, Err: webhookverify.ErrMissingTimestamp},
		{Name: "unix timestamp", Header: hdr(sig, "1700000000"), Body: body, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "timestamp too old", Header: hdr(sig, ts), Body: body, Now: later.Add(time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "timestamp in the future", Header: hdr(sig, ts), Body: body, Now: verifiertest.Now.Add(-5*time.Minute - time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "':' moved into requestId", Header: hdr(sig, ts), Body: strings.Replace(body, `"requestId":"eaa0a4f8`, `"requestId":"x:eaa0a4f8`, 1), Err: webhookverify.ErrMalformedBody},
		{Name: "repeated key", Header: hdr(sig, ts), Body: strings.Replace(body, `"terminal":{}`, `"merchant":{}`, 1), Err: webhookverify.ErrDuplicateKey},
		{Name: "case variant", Header: hdr(sig, ts), Body: strings.Replace(body, `"terminal":{}`, `"Transaction":{}`, 1), Err: webhookverify.ErrMalformedBody},
		{Name: "object field", Header: hdr(sig, ts), Body: strings.Replace(body, `"responseCode":""`, `"responseCode":{}`, 1), Err: webhookverify.ErrMalformedBody},
		{Name: "fractional number", Header: hdr(sig, ts), Body: strings.Replace(body, `"responseCode":""`, `"responseCode":1.5`, 1), Err: webhookverify.ErrMalformedBody},
		{Name: "data not an object", Header: hdr(sig, ts), Body: `{"event_type":"x","data":[]}`, Err: webhookverify.ErrMalformedBody},
		{Name: "not JSON", Header: hdr(sig, ts), Body: `event_type=x`, Err: webhookverify.ErrMalformedBody},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{"nomba", "nomba {\n}", "nomba {\n secret x\n tolerance 0s\n}", "nomba {\n secret x\n header y\n}", "nomba {\n secret {env.NOMBA_TEST_UNSET}\n}"} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	c := verifiertest.Load(t, "nomba {\n secret x\n tolerance 10m\n}").(webhookverify.Coverer).Covers()
	if c != (webhookverify.Coverage{EventID: true, Tolerance: 10 * time.Minute}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, key, "nomba {\n secret "+key+"\n}", []verifiertest.Case{
		{Name: "tampered", Header: hdr(sign(key, signed), ts), Body: strings.Replace(body, "payment_success", "payout_success", 1)},
		{Name: "malformed", Header: hdr("zz", ts), Body: body},
		{Name: "old", Header: hdr(sign(key, signed), "2000-01-01T00:00:00Z"), Body: body},
	}, "nomba {\n secret "+key+"\n bogus\n}")
}

func TestSign(t *testing.T) {
	v := verifiertest.Load(t, "nomba {\n secret "+key+"\n}")
	r := verifiertest.Case{}.Request()
	if _, err := v.(webhookverify.Signer).Sign(r, []byte(body), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("nomba-timestamp") != ts || r.Header.Get("nomba-signature") != sign(key, signed) {
		t.Fatalf("Sign set %q, %q", r.Header.Get("nomba-timestamp"), r.Header.Get("nomba-signature"))
	}
}

// FuzzNomba: a body built from arbitrary signed values, once signed,
// verifies (or is refused as malformed: a ':' in a field); changing any
// signed value fails; arbitrary bytes never panic. (FuzzSigned does not
// fit: only eight fields are signed.)
func FuzzNomba(f *testing.F) {
	f.Add("payment_success", "req-1", "user", "N/A", "tx-1", "online_checkout", "2023-11-14T22:13:19Z", "00", uint8(0), []byte(body))
	f.Add("", "\u2028", "\"", "\\", "é", "null", "a:b", "null", uint8(5), []byte(`{"data":{"merchant":null}}`))
	v := verifiertest.Load(f, "nomba {\n secret "+key+" "+other+"\n}")
	s := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, event, req, user, wallet, txID, typ, tm, code string, which uint8, arbitrary []byte) {
		r := verifiertest.Case{Header: hdr(sign(key, string(arbitrary)), ts)}.Request()
		if _, err := v.Verify(r, arbitrary, verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		vals := []string{event, req, user, wallet, txID, typ, tm, code}
		build := func() []byte {
			b, _ := json.Marshal(map[string]any{"event_type": vals[0], "requestId": vals[1], "data": map[string]any{
				"merchant":    map[string]any{"userId": vals[2], "walletId": vals[3]},
				"transaction": map[string]any{"transactionId": vals[4], "type": vals[5], "time": vals[6], "responseCode": vals[7], "amount": 1},
			}})
			return b
		}
		raw := build()
		r = verifiertest.Case{}.Request()
		if _, err := s.Sign(r, raw, verifiertest.Now); err != nil {
			if webhookverify.FailureOf(err) == webhookverify.ErrMalformedBody {
				return
			}
			t.Fatalf("Sign: %v", err)
		}
		if _, err := v.Verify(r, raw, verifiertest.Now); err != nil {
			t.Fatalf("Verify(Sign()) = %v", err)
		}
		i := int(which) % len(vals)
		vals[i] += "x"
		if i == 7 && vals[7] == "nullx" {
			vals[7] = "y"
		}
		if _, err := v.Verify(r, build(), verifiertest.Now); err == nil {
			t.Fatalf("changed %d verified", i)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "nomba {\n secret "+key+"\n}")
	payload := []byte(strings.Replace(body, `"terminal":{}`, `"terminal":{"pad":"`+strings.Repeat("p", 1024-len(body)-7)+`"}`, 1))
	r := verifiertest.Case{Header: hdr(sign(key, signed), ts)}.Request()
	if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
