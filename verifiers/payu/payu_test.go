package payu_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/payu"
)

// No vector is published: signatures are computed here as PayU's PHP SDK
// verifies them (OpenPayU_Util::verifySignature: md5($body . $secondKey)),
// apart from the code under test.
const (
	key    = "b6ca15b0d1020e8094d9b5f8d163db54"
	other  = "0123456789abcdef0123456789abcdef"
	order  = `{"order":{"orderId":"LDLW5N7MF4140324GUEST000P01","extOrderId":"shop-42","orderCreateDate":"2012-12-31T12:00:00","notifyUrl":"http://tempuri.org/notify","customerIp":"127.0.0.1","merchantPosId":"145227","description":"New order","currencyCode":"PLN","totalAmount":"200","status":"COMPLETED","products":[{"name":"Product 1","unitPrice":"200","quantity":"1"}]},"localReceiptDateTime":"2016-03-02T12:58:14.101+01:00","properties":[{"name":"PAYMENT_ID","value":"151471228"}]}`
	refund = `{"orderId":"2DVZMPMFPN140219GUEST000P01","extOrderId":"shop-43","refund":{"refundId":"912128","amount":"15516","currencyCode":"PLN","status":"FINALIZED","statusDateTime":"2014-08-20T19:43:26.133+02:00","reason":"refund","reasonDescription":"on customer's request","refundDate":"2014-08-20T19:43:26.133+02:00"}}`
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hdr(sig, alg string) [][2]string {
	return [][2]string{{"OpenPayu-Signature", "sender=checkout;signature=" + sig + ";algorithm=" + alg + ";content=DOCUMENT"}}
}

func TestVerifyMD5(t *testing.T) {
	v := verifiertest.Load(t, "payu {\n secret "+other+" "+key+"\n}")
	sig := md5Hex(order + key)
	orderEvent := &webhookverify.Event{ID: "LDLW5N7MF4140324GUEST000P01:COMPLETED", Type: payu.TypeOrder, Subject: "shop-42", Reference: "shop-42", Amount: "200", Currency: "PLN", Status: webhookverify.StatusSucceeded}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "order, rotated key second", Header: hdr(sig, "MD5"), Body: order, Event: orderEvent},
		{Name: "uppercase hex, trailing ';', X- header", Header: [][2]string{{"X-OpenPayU-Signature", "sender=checkout;signature=" + strings.ToUpper(sig) + ";algorithm=MD5;"}}, Body: order, Event: orderEvent},
		{Name: "refund", Header: hdr(md5Hex(refund+other), "MD5"), Body: refund, Event: &webhookverify.Event{ID: "912128:FINALIZED", Type: payu.TypeRefund, Subject: "shop-43", Reference: "shop-43", Amount: "15516", Currency: "PLN", Status: webhookverify.StatusRefunded}},
		{Name: "not JSON, signed", Header: hdr(md5Hex("x"+key), "MD5"), Body: "x", Event: &webhookverify.Event{Type: payu.TypeOrder}},

		{Name: "wrong method", Method: http.MethodGet, Header: hdr(sig, "MD5"), Body: order, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong key", Header: hdr(md5Hex(order+"x"), "MD5"), Body: order, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Header: hdr(sig, "MD5"), Body: strings.Replace(order, `"200"`, `"201"`, 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "key first", Header: hdr(md5Hex(key+order), "MD5"), Body: order, Err: webhookverify.ErrInvalidSignature},
		{Name: "request names another algorithm", Header: hdr(sha256Hex(order+key), "SHA-256"), Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "no algorithm part", Header: [][2]string{{"OpenPayu-Signature", "sender=checkout;signature=" + sig}}, Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "unknown algorithm", Header: hdr(sig, "CRC32"), Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "missing header", Body: order, Err: webhookverify.ErrMissingSignature},
		{Name: "no signature part", Header: [][2]string{{"OpenPayu-Signature", "sender=checkout;algorithm=MD5"}}, Body: order, Err: webhookverify.ErrMissingSignature},
		{Name: "two signature parts", Header: [][2]string{{"OpenPayu-Signature", "signature=" + sig + ";signature=" + sig + ";algorithm=MD5"}}, Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "part without =", Header: [][2]string{{"OpenPayu-Signature", "signature=" + sig + ";algorithm=MD5;junk"}}, Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "not hex", Header: hdr(strings.Repeat("z", 32), "MD5"), Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "SHA-256 length with MD5", Header: hdr(sha256Hex(order+key), "MD5"), Body: order, Err: webhookverify.ErrMalformedSignature},
	})
}

func TestVerifySHA256(t *testing.T) {
	v := verifiertest.Load(t, "payu {\n secret "+key+"\n algorithm sha256\n}")
	sig := sha256Hex(order + key)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "SHA-256", Header: hdr(sig, "SHA-256"), Body: order},
		{Name: "SHA256", Header: hdr(sig, "SHA256"), Body: order},
		{Name: "MD5 refused", Header: hdr(md5Hex(order+key), "MD5"), Body: order, Err: webhookverify.ErrMalformedSignature},
		{Name: "tampered", Header: hdr(sig, "SHA-256"), Body: order + " ", Err: webhookverify.ErrInvalidSignature},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{"payu", "payu {\n}", "payu {\n secret x\n algorithm crc\n}", "payu {\n secret x\n header y\n}", "payu {\n secret {env.PAYU_TEST_UNSET}\n}"} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	if c := verifiertest.Load(t, "payu {\n secret x\n}").(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true, Body: true}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, key, "payu {\n secret "+key+"\n}", []verifiertest.Case{
		{Name: "tampered", Header: hdr(md5Hex(order+key), "MD5"), Body: order + "x"},
		{Name: "wrong algorithm", Header: hdr(md5Hex(order+key), key), Body: order},
	}, "payu {\n secret "+key+"\n algorithm x\n}")
}

func FuzzPayU(f *testing.F) {
	vs := []webhookverify.Verifier{
		verifiertest.Load(f, "payu {\n secret "+key+" "+other+"\n}"),
		verifiertest.Load(f, "payu {\n secret "+key+"\n algorithm sha256\n}"),
		verifiertest.Load(f, "payu {\n secret "+key+"\n algorithm sha1\n}"),
	}
	verifiertest.FuzzSigned(f, vs, order, refund, "")
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "payu {\n secret "+key+"\n}")
	body := order[:len(order)-1] + `,"pad":"` + strings.Repeat("p", 1024-len(order)-9) + `"}`
	r := verifiertest.Case{Header: hdr(md5Hex(body+key), "MD5")}.Request()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
