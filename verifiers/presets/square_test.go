package presets_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Square's published vectors: square/square-go-sdk @3f484c5,
// webhooks/client/verify_signature_test.go (lines 12–48): signature key,
// notification URL, body and x-square-hmacsha256-signature.
const (
	squareKey  = "Ibxx_5AKakO-3qeNVR61Dw"
	squareURL  = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
	squareBody = `{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}`
	squareSig  = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="

	squareKey2       = "signature-key"
	squareURL2       = "https://webhook.site/webhooks"
	squareBody2      = `{"data":{"type":"webhooks","id":"fake_id"}}`
	squareSig2       = "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="
	squareBodyEscape = `{"data":{"type":"webhooks","id":">id<"}}`
	squareSigEscape  = "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U="
)

func squareHeader(sig string) [][2]string {
	return [][2]string{{"X-Square-Hmacsha256-Signature", sig}}
}

func squareBlock(key, url string) string {
	return payBlock("square", []string{key}, "notification_url "+url)
}

func TestSquareVectors(t *testing.T) {
	test := &webhookverify.Event{
		ID:   "ac3ac95b-f97d-458c-a6e6-18981597e05f",
		Type: "com.square.webhooks.test_notification",
		Time: time.Date(2022, 7, 13, 20, 30, 59, 37339943, time.UTC),
	}
	sha1Sig := base64.StdEncoding.EncodeToString(payMAC(sha1.New, squareKey, squareURL+squareBody))
	bodyOnly := base64.StdEncoding.EncodeToString(payMAC(sha256.New, squareKey, squareBody))
	hexSig := hex.EncodeToString(payMAC(sha256.New, squareKey, squareURL+squareBody))
	payRun(t, verifiertest.Load(t, squareBlock(squareKey, squareURL)), []verifiertest.Case{
		{Name: "published vector", Body: squareBody, Header: squareHeader(squareSig), Event: test},
		{Name: "lowercase header name", Body: squareBody, Header: [][2]string{{"x-square-hmacsha256-signature", squareSig}}, Event: test},
		{Name: "request body mismatch", Body: strings.Replace(squareBody, "2022-07-13", "2022-06-13", 1),
			Header: squareHeader(squareSig), Err: webhookverify.ErrInvalidSignature},
		{Name: "the body alone signed", Body: squareBody, Header: squareHeader(bodyOnly), Err: webhookverify.ErrInvalidSignature},
		{Name: "HMAC-SHA1 (the legacy x-square-signature)", Body: squareBody, Header: squareHeader(sha1Sig), Err: webhookverify.ErrInvalidSignature},
		{Name: "hex", Body: squareBody, Header: squareHeader(hexSig), Err: webhookverify.ErrInvalidSignature},
		{Name: "legacy header only", Body: squareBody, Header: [][2]string{{"X-Square-Signature", sha1Sig}}, Err: webhookverify.ErrMissingSignature},
	}, squareKey)

	payRun(t, verifiertest.Load(t, squareBlock(squareKey, "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9")), []verifiertest.Case{
		{Name: "notification URL mismatch", Body: squareBody, Header: squareHeader(squareSig), Err: webhookverify.ErrInvalidSignature},
	}, squareKey)
	payRun(t, verifiertest.Load(t, squareBlock("MCmhFRxGX82xMwg5FsaoQA", squareURL)), []verifiertest.Case{
		{Name: "invalid signature key", Body: squareBody, Header: squareHeader(squareSig), Err: webhookverify.ErrInvalidSignature},
	}, "MCmhFRxGX82xMwg5FsaoQA")

	untyped := &webhookverify.Event{Type: "com.square.webhook"}
	payRun(t, verifiertest.Load(t, squareBlock(squareKey2, squareURL2)), []verifiertest.Case{
		{Name: "published vector 2", Body: squareBody2, Header: squareHeader(squareSig2), Event: untyped},
		{Name: "published vector, escaped characters", Body: squareBodyEscape, Header: squareHeader(squareSigEscape), Event: untyped},
	}, squareKey2)
}

func TestSquareNeedsNotificationURL(t *testing.T) {
	_, err := verifiertest.TryLoad(payBlock("square", []string{squareKey}))
	if err == nil || !strings.Contains(err.Error(), "notification_url is required") {
		t.Fatalf("without notification_url: %v", err)
	}
}

// A payment.updated event (the shape of Square's example), signed here by
// the documented scheme, for the mapping.
func TestSquareEventMapping(t *testing.T) {
	const key, url = "sq-signature-key", "https://example.com/square/hooks"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"payment.updated, completed",
			`{"merchant_id":"M1","type":"payment.updated","event_id":"e-1","created_at":"2024-01-02T03:04:05Z","data":{"type":"payment","id":"p1","object":{"payment":{"id":"p1","status":"COMPLETED","amount_money":{"amount":1050,"currency":"USD"},"order_id":"o1","reference_id":"inv-7"}}}}`,
			webhookverify.Event{ID: "e-1", Type: "com.square.payment.updated", Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
				Status: webhookverify.StatusSucceeded, Amount: "1050", Currency: "USD", Reference: "inv-7", Subject: "inv-7"}},
		{"payment.created, approved",
			`{"type":"payment.created","event_id":"e-2","data":{"object":{"payment":{"status":"APPROVED","amount_money":{"amount":5,"currency":"GBP"}}}}}`,
			webhookverify.Event{ID: "e-2", Type: "com.square.payment.created", Status: webhookverify.StatusPending, Amount: "5", Currency: "GBP"}},
		{"a refund's status is not a payment's",
			`{"type":"refund.updated","event_id":"e-3","data":{"object":{"refund":{"status":"COMPLETED"},"payment":{"status":"COMPLETED"}}}}`,
			webhookverify.Event{ID: "e-3", Type: "com.square.refund.updated"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		sig := base64.StdEncoding.EncodeToString(payMAC(sha256.New, key, url, tt.body))
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body, Header: squareHeader(sig), Event: &want})
	}
	payRun(t, verifiertest.Load(t, squareBlock(key, url)), cases, key)
}
