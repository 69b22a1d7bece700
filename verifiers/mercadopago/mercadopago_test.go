package mercadopago_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/mercadopago"
)

// No vector is published: signatures are computed here by the documented
// template, apart from the code under test.
const (
	secret = "e8a1f2c3d4b5a6978812345678abcdef"
	other  = "0000000000000000000000000000000f"
	reqID  = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
	ts     = "1700000000"
	body   = `{"action":"payment.updated","api_version":"v1","data":{"id":"123456"},"date_created":"2023-11-14T22:13:20Z","id":12345,"live_mode":false,"type":"payment","user_id":44444}`
	target = "/hooks?data.id=123456&type=payment"
)

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func hdr(sigHeader, requestID string) [][2]string {
	h := [][2]string{{"x-signature", sigHeader}}
	if requestID != "" {
		h = append(h, [2]string{"x-request-id", requestID})
	}
	return h
}

var good = "ts=" + ts + ",v1=" + hmacHex(secret, "id:123456;request-id:"+reqID+";ts:"+ts+";")

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "mercadopago {\n secret "+other+" "+secret+"\n}")
	ev := &webhookverify.Event{ID: reqID, Type: mercadopago.TypeNotification, Time: time.Unix(1700000000, 0).UTC()}
	alnum := "ts=" + ts + ",v1=" + hmacHex(secret, "id:abc123;request-id:"+reqID+";ts:"+ts+";")
	msTS := "1700000000123"
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed, rotated secret second", Target: target, Header: hdr(good, reqID), Body: body, Event: ev},
		{Name: "parts reordered, spaces", Target: target, Header: hdr(" v1="+good[len("ts="+ts+",v1="):]+" , ts="+ts, reqID), Body: body, Event: ev},
		{Name: "body is not signed", Target: target, Header: hdr(good, reqID), Body: strings.Replace(body, "payment.updated", "payment.created", 1), Event: ev},
		{Name: "alphanumeric data.id is lowercased (the docs)", Target: "/hooks?data.id=ABC123", Header: hdr(alnum, reqID), Body: body},
		// The official SDK (mercadopago@3.6.1 WebhookSignatureValidator)
		// signs data.id as sent: that verifies too.
		{Name: "alphanumeric data.id as sent (the SDK)", Target: "/hooks?data.id=ABC123", Body: body,
			Header: hdr("ts="+ts+",v1="+hmacHex(secret, "id:ABC123;request-id:"+reqID+";ts:"+ts+";"), reqID)},
		{Name: "data.id in another case is another id", Target: "/hooks?data.id=ABC123", Body: body,
			Header: hdr("ts="+ts+",v1="+hmacHex(secret, "id:Abc123;request-id:"+reqID+";ts:"+ts+";"), reqID), Err: webhookverify.ErrInvalidSignature},
		{Name: "no data.id: left out", Target: "/hooks", Header: hdr("ts="+ts+",v1="+hmacHex(secret, "request-id:"+reqID+";ts:"+ts+";"), reqID), Body: body},
		{Name: "no request id: left out", Target: target, Header: hdr("ts="+ts+",v1="+hmacHex(secret, "id:123456;ts:"+ts+";"), ""), Body: body,
			Event: &webhookverify.Event{Type: mercadopago.TypeNotification, Time: time.Unix(1700000000, 0).UTC()}},
		{Name: "ts in milliseconds", Target: target, Header: hdr("ts="+msTS+",v1="+hmacHex(secret, "id:123456;request-id:"+reqID+";ts:"+msTS+";"), reqID), Body: body},
		{Name: "unknown part ignored", Target: target, Header: hdr(good+",v2=abc", reqID), Body: body},

		{Name: "wrong secret", Target: target, Header: hdr("ts="+ts+",v1="+hmacHex("x", "id:123456;request-id:"+reqID+";ts:"+ts+";"), reqID), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "other data.id", Target: "/hooks?data.id=123457", Header: hdr(good, reqID), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "data.id removed", Target: "/hooks", Header: hdr(good, reqID), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "other request id", Target: target, Header: hdr(good, reqID+"x"), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "request id removed", Target: target, Header: hdr(good, ""), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "request id moved into data.id", Target: "/hooks?data.id=123456%3Brequest-id:" + reqID, Header: hdr(good, ""), Body: body, Err: webhookverify.ErrMalformedRequest},
		{Name: "other ts", Target: target, Header: hdr(strings.Replace(good, ts, "1700000001", 1), reqID), Body: body, Err: webhookverify.ErrInvalidSignature},
		{Name: "too old", Target: target, Header: hdr(good, reqID), Body: body, Now: verifiertest.Now.Add(5*time.Minute + time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "in the future", Target: target, Header: hdr(good, reqID), Body: body, Now: verifiertest.Now.Add(-5*time.Minute - time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "wrong method", Method: http.MethodGet, Target: target, Header: hdr(good, reqID), Err: webhookverify.ErrMethodNotAllowed},
		{Name: "missing header", Target: target, Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "no v1", Target: target, Header: hdr("ts="+ts, reqID), Body: body, Err: webhookverify.ErrMissingSignature},
		{Name: "no ts", Target: target, Header: hdr(good[len("ts="+ts+","):], reqID), Body: body, Err: webhookverify.ErrMissingTimestamp},
		{Name: "ts not a number", Target: target, Header: hdr(strings.Replace(good, ts, "soon", 1), reqID), Body: body, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "two v1", Target: target, Header: hdr(good+",v1="+strings.Repeat("0", 64), reqID), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "v1 not hex", Target: target, Header: hdr("ts="+ts+",v1="+strings.Repeat("z", 64), reqID), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "v1 short", Target: target, Header: hdr("ts="+ts+",v1=abcd", reqID), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "part without =", Target: target, Header: hdr(good+",junk", reqID), Body: body, Err: webhookverify.ErrMalformedSignature},
		{Name: "two data.id", Target: target + "&data.id=1", Header: hdr(good, reqID), Body: body, Err: webhookverify.ErrMalformedRequest},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"mercadopago",
		"mercadopago {\n}",
		"mercadopago {\n secret " + secret + "\n tolerance -1s\n}",
		"mercadopago {\n secret " + secret + "\n header x\n}",
		"mercadopago {\n secret {env.MP_TEST_UNSET_VARIABLE}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	if c := verifiertest.Load(t, "mercadopago {\n secret x\n tolerance 1h\n}").(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true, Tolerance: time.Hour}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, secret, "mercadopago {\n secret "+secret+"\n}", []verifiertest.Case{
		{Name: "forged", Target: target, Header: hdr(strings.Replace(good, ts, "1700000001", 1), reqID), Body: body},
		{Name: "malformed", Target: target, Header: hdr("ts=1,v1=zz", reqID)},
	}, "mercadopago {\n secret "+secret+"\n bogus\n}")
}

func FuzzMercadoPago(f *testing.F) {
	vs := []webhookverify.Verifier{
		verifiertest.Load(f, "mercadopago {\n secret "+secret+" "+other+"\n}"),
		verifiertest.Load(f, "mercadopago {\n secret "+other+"\n tolerance 1m\n}"),
	}
	verifiertest.FuzzSigned(f, vs, body, "", "x")
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "mercadopago {\n secret "+secret+"\n}")
	payload := []byte(body + strings.Repeat(" ", 1024-len(body)))
	r := verifiertest.Case{Target: target, Header: hdr(good, reqID)}.Request()
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
