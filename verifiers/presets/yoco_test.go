package presets_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Yoco signs as Standard Webhooks does (developer.yoco.com, "Verifying the
// events"): webhook-signature "v1,<base64 HMAC-SHA256>" of
// "<webhook-id>.<webhook-timestamp>.<body>", keyed with the base64 after
// whsec_. Yoco publishes no vector of its own; this is Standard Webhooks'
// (svix/svix-webhooks @4fc0cfb, go/webhook_test.go, TestWebhookSign).
const (
	yocoSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	yocoMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	yocoTimestamp = "1614265330"
	yocoBody      = `{"test": 2432232314}`
	yocoSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

	// Yoco's payment.succeeded example ("Successful payment"), compacted.
	yocoPayment = `{"id":"evt_1EAwK8Mjy2DT38WIWntiZWxm","type":"payment.succeeded","createdDate":"2024-06-15T15:51:55.260284Z","payload":{"id":"p_bx4bY9JA6r4UwAKFyAjHY2bE","type":"payment","createdDate":"2024-06-15T17:51:54.405141Z","amount":900,"currency":"ZAR","paymentMethodDetails":{"type":"card","card":{"expiryMonth":2,"expiryYear":30,"maskedCard":"************1111","scheme":"visa"}},"status":"succeeded","mode":"live","metadata":{"checkoutId":"ch_9LVKD8GnAj7f39DFbn4F16bE"}}}`
)

// yocoSig signs as Standard Webhooks documents, apart from the code under
// test.
func yocoSig(secret, id, ts, body string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(payMAC(sha256.New, string(key), id, ".", ts, ".", body))
}

func yocoHeader(id, ts, sig string) [][2]string {
	return [][2]string{{"webhook-id", id}, {"webhook-timestamp", ts}, {"webhook-signature", sig}}
}

func TestYocoVectors(t *testing.T) {
	if got := yocoSig(yocoSecret, yocoMsgID, yocoTimestamp, yocoBody); got != yocoSignature {
		t.Fatalf("the test's signer gives %s, the published vector %s", got, yocoSignature)
	}
	signedAt := time.Unix(1614265330, 0)
	untyped := &webhookverify.Event{Type: "com.yoco.webhook"}
	payRun(t, verifiertest.Load(t, payBlock("yoco", []string{yocoSecret})), payAt(signedAt.Add(time.Second), []verifiertest.Case{
		{Name: "published vector", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, yocoSignature), Event: untyped},
		{Name: "two signatures, the second valid", Body: yocoBody,
			Header: yocoHeader(yocoMsgID, yocoTimestamp, "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32))+" "+yocoSignature), Event: untyped},
		{Name: "2m59s late", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, yocoSignature), Now: signedAt.Add(179 * time.Second), Event: untyped},
		{Name: "3m01s late", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, yocoSignature), Now: signedAt.Add(181 * time.Second),
			Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "another message id", Body: yocoBody, Header: yocoHeader("msg_other", yocoTimestamp, yocoSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "no message id", Body: yocoBody, Header: [][2]string{{"webhook-timestamp", yocoTimestamp}, {"webhook-signature", yocoSignature}},
			Err: webhookverify.ErrMissingSignature},
		{Name: "another timestamp", Body: yocoBody, Header: yocoHeader(yocoMsgID, "1614265331", yocoSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "without v1,", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, yocoSignature[3:]), Err: webhookverify.ErrMissingSignature},
		{Name: "v1a (asymmetric) is not read", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, "v1a,"+yocoSignature[3:]),
			Err: webhookverify.ErrMissingSignature},
		{Name: "tampered", Body: `{"test": 2432232315}`, Header: yocoHeader(yocoMsgID, yocoTimestamp, yocoSignature), Err: webhookverify.ErrInvalidSignature},
	}), yocoSecret)

	// The whole "whsec_…" string as a raw key would sign otherwise.
	raw := "v1," + base64.StdEncoding.EncodeToString(payMAC(sha256.New, yocoSecret, yocoMsgID, ".", yocoTimestamp, ".", yocoBody))
	payRun(t, verifiertest.Load(t, payBlock("yoco", []string{yocoSecret})), payAt(signedAt, []verifiertest.Case{
		{Name: "the secret is base64-decoded", Body: yocoBody, Header: yocoHeader(yocoMsgID, yocoTimestamp, raw), Err: webhookverify.ErrInvalidSignature},
	}), yocoSecret)
	if _, err := verifiertest.TryLoad(payBlock("yoco", []string{"not base64!"})); err == nil || !strings.Contains(err.Error(), "whsec_") {
		t.Errorf("a secret that is not whsec_<base64>: %v", err)
	}
}

func TestYocoEventMapping(t *testing.T) {
	const secret = "whsec_c2VjcmV0LWtleS1mb3IteW9jby10ZXN0cw=="
	ts := "1718466716"
	now := time.Unix(1718466716, 0)
	sig := yocoSig(secret, "msg_1", ts, yocoPayment)
	payRun(t, verifiertest.Load(t, payBlock("yoco", []string{secret})), []verifiertest.Case{
		{Name: "payment.succeeded", Body: yocoPayment, Header: yocoHeader("msg_1", ts, sig), Now: now, Event: &webhookverify.Event{
			ID: "evt_1EAwK8Mjy2DT38WIWntiZWxm", Type: "com.yoco.payment.succeeded", Time: time.Date(2024, 6, 15, 15, 51, 55, 260284000, time.UTC),
			Status: webhookverify.StatusSucceeded, Amount: "900", Currency: "ZAR",
			Reference: "ch_9LVKD8GnAj7f39DFbn4F16bE", Subject: "ch_9LVKD8GnAj7f39DFbn4F16bE"}},
		{Name: "refund.succeeded", Body: `{"id":"evt_2","type":"refund.succeeded","payload":{"amount":900,"currency":"ZAR","status":"succeeded"}}`,
			Header: yocoHeader("msg_2", ts, yocoSig(secret, "msg_2", ts, `{"id":"evt_2","type":"refund.succeeded","payload":{"amount":900,"currency":"ZAR","status":"succeeded"}}`)),
			Now:    now, Event: &webhookverify.Event{ID: "evt_2", Type: "com.yoco.refund.succeeded", Status: webhookverify.StatusRefunded, Amount: "900", Currency: "ZAR"}},
	}, secret)
}
