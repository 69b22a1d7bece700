package presets_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// GoCardless's published vector: gocardless/gocardless-pro-go @553b873,
// testdata/webhook_request.json (383 bytes, ending in a newline) signed
// with secret "testing" as webhooks_test.go's
// TestWebhookFailsWithValidSignature sends it.
const (
	gocardlessSecret    = "testing"
	gocardlessSignature = "243f3efa57743c24eec7c5e10edc475b547830d256d5b583745afe319dd90936"
	gocardlessBody      = `{"events":[{"id":"EVTESTNE86TNZS","created_at":"2017-03-20T17:57:02.292Z","resource_type":"payments","action":"failed","links":{"payment":"index_ID_123"},"details":{"origin":"bank","cause":"test_failure","scheme":"sepa_core","reason_code":"TEST","description":"GoCardless has marked this payment as failed in sandbox to enable testing of payment failure webhooks."},"metadata":{}}]}` + "\n"
)

func gocardlessHeader(sig string) [][2]string { return [][2]string{{"Webhook-Signature", sig}} }

func TestGoCardlessVectors(t *testing.T) {
	if len(gocardlessBody) != 383 {
		t.Fatalf("the vector's body is %d bytes, want 383", len(gocardlessBody))
	}
	failed := &webhookverify.Event{
		ID:        "EVTESTNE86TNZS",
		Type:      "com.gocardless.payments.failed",
		Time:      time.Date(2017, 3, 20, 17, 57, 2, 292e6, time.UTC),
		Status:    webhookverify.StatusFailed,
		Reference: "index_ID_123",
	}
	payRun(t, verifiertest.Load(t, payBlock("gocardless", []string{gocardlessSecret})), []verifiertest.Case{
		{Name: "published vector", Body: gocardlessBody, Header: gocardlessHeader(gocardlessSignature), Event: failed},
		{Name: "without the trailing newline", Body: gocardlessBody[:382], Header: gocardlessHeader(gocardlessSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "not hex", Body: gocardlessBody, Header: gocardlessHeader("sha256=" + gocardlessSignature), Err: webhookverify.ErrMalformedSignature},
	}, gocardlessSecret)
	payRun(t, verifiertest.Load(t, payBlock("gocardless", []string{"testing2"})), []verifiertest.Case{
		{Name: "wrong secret", Body: gocardlessBody, Header: gocardlessHeader(gocardlessSignature), Err: webhookverify.ErrInvalidSignature},
	}, "testing2")
}

// Deliveries of the shape of GoCardless's example, signed here by the
// documented scheme.
func TestGoCardlessEventMapping(t *testing.T) {
	const secret = "gc-endpoint-secret"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"a mandate's event has no payment status",
			`{"events":[{"id":"EV123","created_at":"2014-08-04T12:00:00.000Z","action":"cancelled","resource_type":"mandates","links":{"mandate":"MD123"}}]}`,
			webhookverify.Event{ID: "EV123", Type: "com.gocardless.mandates.cancelled", Time: time.Date(2014, 8, 4, 12, 0, 0, 0, time.UTC)}},
		{"a paid-out payment",
			`{"events":[{"id":"EV2","created_at":"2020-01-01T00:00:00.000Z","action":"paid_out","resource_type":"payments","links":{"payment":"PM2"}}],"meta":{"webhook_id":"WB2"}}`,
			webhookverify.Event{ID: "EV2", Type: "com.gocardless.payments.paid_out", Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
				Status: webhookverify.StatusSucceeded, Reference: "PM2"}},
		{"a batch of several events is named as a whole",
			`{"events":[{"id":"EV3","action":"confirmed","resource_type":"payments","links":{"payment":"PM3"}},{"id":"EV4","action":"failed","resource_type":"payments","links":{"payment":"PM4"}}]}`,
			webhookverify.Event{ID: "EV3", Type: "com.gocardless.webhook"}},
		{"no events", `{"events":[]}`, webhookverify.Event{Type: "com.gocardless.webhook"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: gocardlessHeader(hex.EncodeToString(payMAC(sha256.New, secret, tt.body))), Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("gocardless", []string{secret})), cases, secret)
}
