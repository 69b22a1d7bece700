package presets_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Paddle's published vectors: PaddleHQ/paddle-go-sdk @7f86494,
// webhook_verifier_test.go lines 17–19 (Paddle-Signature, payload, the
// whole pdl_ntfset_… secret as the key), and PaddleHQ/paddle-node-sdk
// @b8ee4b1, src/__tests__/notifications/webhooks-validator.node.test.ts
// (secret VALID_SECRET; one h1, and two h1 with an unknown h2).
const (
	paddleSecret    = "pdl_ntfset_01hsdn8d43dt7mezr1ef2jtbaw_hKkRiCGyyRhbFwIUuqiTBgI7gnWoV0Gr"
	paddleSignature = "ts=1710929255;h1=6c05ef8fa83c44d751be6d259ec955ce5638e2c54095bf128e408e2fce1589c8"
	paddleBody      = `{"data":{"id":"pri_01hsdn96k2hxjzsq5yerecdj9j","name":null,"status":"active","quantity":{"maximum":999999,"minimum":1},"tax_mode":"account_setting","product_id":"pro_01hsdn8qp7yydry3x1yeg6a9rv","unit_price":{"amount":"1000","currency_code":"USD"},"custom_data":null,"description":"testing","import_meta":null,"trial_period":null,"billing_cycle":{"interval":"month","frequency":1},"unit_price_overrides":[]},"event_id":"evt_01hsdn97563968dy0szkmgjwh3","event_type":"price.created","occurred_at":"2024-03-20T10:07:35.590857Z","notification_id":"ntf_01hsdn977e920kbgzt6r6c9rqc"}`

	paddleNodeSecret = "VALID_SECRET"
	paddleNodeBody   = `{"data": ["1", "2"]}`
	paddleNodeSig    = "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9"
	paddleNodeBody2  = `{"data": "value"}`
	paddleNodeSig2   = "ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH"
)

func paddleHeader(sig string) [][2]string { return [][2]string{{"Paddle-Signature", sig}} }

func TestPaddleVectors(t *testing.T) {
	signedAt := time.Unix(1710929255, 0)
	price := &webhookverify.Event{
		ID:   "evt_01hsdn97563968dy0szkmgjwh3",
		Type: "com.paddle.price.created",
		Time: time.Date(2024, 3, 20, 10, 7, 35, 590857000, time.UTC),
	}
	h1 := paddleSignature[len("ts=1710929255;h1="):]
	payRun(t, verifiertest.Load(t, payBlock("paddle", []string{paddleSecret})), payAt(signedAt.Add(2*time.Second), []verifiertest.Case{
		{Name: "published vector", Body: paddleBody, Header: paddleHeader(paddleSignature), Event: price},
		{Name: "published vector, 5 minutes late", Body: paddleBody, Header: paddleHeader(paddleSignature), Now: signedAt.Add(5 * time.Minute), Event: price},
		{Name: "6 minutes late", Body: paddleBody, Header: paddleHeader(paddleSignature), Now: signedAt.Add(6 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "another timestamp", Body: paddleBody, Header: paddleHeader("ts=1710929256;h1=" + h1), Err: webhookverify.ErrInvalidSignature},
		{Name: "timestamp not signed with ':'", Body: paddleBody,
			Header: paddleHeader("ts=1710929255;h1=" + hex.EncodeToString(payMAC(sha256.New, paddleSecret, "1710929255.", paddleBody))), Err: webhookverify.ErrInvalidSignature},
		{Name: "the secret's last part as the key", Body: paddleBody,
			Header: paddleHeader("ts=1710929255;h1=" + hex.EncodeToString(payMAC(sha256.New, "hKkRiCGyyRhbFwIUuqiTBgI7gnWoV0Gr", "1710929255:", paddleBody))), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: strings.Replace(paddleBody, "price.created", "price.updated", 1), Header: paddleHeader(paddleSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "',' between the parts", Body: paddleBody, Header: paddleHeader("ts=1710929255,h1=" + h1), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "no ts", Body: paddleBody, Header: paddleHeader("h1=" + h1), Err: webhookverify.ErrMissingTimestamp},
		{Name: "not hex", Body: paddleBody, Header: paddleHeader("ts=1710929255;h1=invalid_signature"), Err: webhookverify.ErrMalformedSignature},
		{Name: "rotation: a wrong h1 then the right one", Body: paddleBody,
			Header: paddleHeader("ts=1710929255;h1=" + strings.Repeat("0", 64) + ";h1=" + h1), Event: price},
	}), paddleSecret)

	nodeTime := time.Date(2023, 11, 1, 0, 0, 1, 0, time.UTC)
	untyped := &webhookverify.Event{Type: "com.paddle.webhook"}
	payRun(t, verifiertest.Load(t, payBlock("paddle", []string{paddleNodeSecret})), payAt(nodeTime, []verifiertest.Case{
		{Name: "Node SDK vector", Body: paddleNodeBody, Header: paddleHeader(paddleNodeSig), Event: untyped},
		{Name: "Node SDK vector with two h1 and an h2", Body: paddleNodeBody2, Header: paddleHeader(paddleNodeSig2), Event: untyped},
		{Name: "Node SDK: more spaces in the body", Body: `{ "data": [ "1", "2" ]}`, Header: paddleHeader(paddleNodeSig), Err: webhookverify.ErrInvalidSignature},
	}), paddleNodeSecret)
	payRun(t, verifiertest.Load(t, payBlock("paddle", []string{"INVALID_VALID_SECRET"})), payAt(nodeTime, []verifiertest.Case{
		{Name: "Node SDK: invalid secret", Body: paddleNodeBody, Header: paddleHeader(paddleNodeSig), Err: webhookverify.ErrInvalidSignature},
	}), "INVALID_VALID_SECRET")
}

// A transaction.completed event of Paddle's documented shape, signed here
// as Paddle signs.
func TestPaddleEventMapping(t *testing.T) {
	const secret = "pdl_ntfset_01test_secret"
	now := time.Unix(1700000000, 0)
	ts := "1700000000"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"transaction.completed",
			`{"event_id":"evt_1","event_type":"transaction.completed","occurred_at":"2023-11-14T22:13:20.000000Z","notification_id":"ntf_1","data":{"id":"txn_1","status":"completed","currency_code":"EUR","details":{"totals":{"grand_total":"2999"}}}}`,
			webhookverify.Event{ID: "evt_1", Type: "com.paddle.transaction.completed", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
				Status: webhookverify.StatusSucceeded, Amount: "2999", Currency: "EUR"}},
		{"transaction.past_due",
			`{"event_id":"evt_2","event_type":"transaction.past_due","data":{"status":"past_due","currency_code":"USD"}}`,
			webhookverify.Event{ID: "evt_2", Type: "com.paddle.transaction.past_due", Status: webhookverify.StatusFailed, Currency: "USD"}},
		{"a subscription's status is not a payment's",
			`{"event_id":"evt_3","event_type":"subscription.canceled","data":{"status":"canceled","currency_code":"USD"}}`,
			webhookverify.Event{ID: "evt_3", Type: "com.paddle.subscription.canceled", Currency: "USD"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		sig := "ts=" + ts + ";h1=" + hex.EncodeToString(payMAC(sha256.New, secret, ts, ":", tt.body))
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: paddleHeader(sig), Now: now, Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("paddle", []string{secret})), cases, secret)
}
