package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Box's published vector: box/box-node-sdk @7dcf9c2,
// tests/lib/managers/webhooks-test.js (validateMessage), also on Box's
// "Signature verification" page. BOX-SIGNATURE-PRIMARY is the base64
// HMAC-SHA256 of the body followed by BOX-DELIVERY-TIMESTAMP (RFC 3339),
// keyed with the primary key; the secondary header, keyed with the
// secondary key, is not checked.
const (
	boxPrimaryKey   = "SamplePrimaryKey"
	boxSecondaryKey = "SampleSecondaryKey"
	boxBody         = `{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Test.txt"}}`
	boxTimestamp    = "2020-01-01T00:00:00-07:00"
	boxPrimary      = "6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI="
	boxSecondary    = "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo="
)

func boxHeaders(timestamp, primary string) [][2]string {
	return [][2]string{
		{"BOX-DELIVERY-ID", "f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f"},
		{"BOX-DELIVERY-TIMESTAMP", timestamp},
		{"BOX-SIGNATURE-ALGORITHM", "HmacSHA256"},
		{"BOX-SIGNATURE-PRIMARY", primary},
		{"BOX-SIGNATURE-SECONDARY", boxSecondary},
		{"BOX-SIGNATURE-VERSION", "1"},
	}
}

func TestBoxVectors(t *testing.T) {
	v := verifiertest.Load(t, "box {\n secret "+boxPrimaryKey+"\n}")
	sent := time.Date(2020, 1, 1, 7, 0, 0, 0, time.UTC) // boxTimestamp
	uploaded := &webhookverify.Event{Type: "FILE.UPLOADED"}

	// A full V2 payload: the event id (stable across retries), trigger and
	// time are read from it.
	full := `{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec","created_at":"2023-11-14T22:13:20Z",` +
		`"trigger":"FILE.UPLOADED","webhook":{"id":"1234567890"},"created_by":{"type":"user","id":"2"},"source":{"id":"1234567890","type":"file"}}`
	fullTS := "2023-11-14T22:13:20Z"
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent.Add(time.Minute), Event: uploaded},
		{Name: "other timestamp", Body: boxBody, Header: boxHeaders("2020-01-01T00:00:01-07:00", boxPrimary), Now: sent.Add(time.Minute), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: boxBody + " ", Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent.Add(time.Minute), Err: webhookverify.ErrInvalidSignature},
		{Name: "secondary signature in the primary header", Body: boxBody, Header: boxHeaders(boxTimestamp, boxSecondary), Now: sent.Add(time.Minute), Err: webhookverify.ErrInvalidSignature},
		// Box's tolerance is 10 minutes (5 would refuse the first case).
		{Name: "nine minutes late", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent.Add(9 * time.Minute), Event: uploaded},
		{Name: "eleven minutes late", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent.Add(11 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "from the future", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent.Add(-11 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "Unix timestamp", Body: boxBody, Header: boxHeaders("1577862000", othersSHA256Base64(boxPrimaryKey, boxBody, "1577862000")), Now: sent, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "timestamp first", Body: boxBody, Header: boxHeaders(boxTimestamp, othersSHA256Base64(boxPrimaryKey, boxTimestamp, boxBody)), Now: sent, Err: webhookverify.ErrInvalidSignature},
		{Name: "missing timestamp", Body: boxBody, Header: [][2]string{{"BOX-SIGNATURE-PRIMARY", boxPrimary}}, Now: sent, Err: webhookverify.ErrMissingTimestamp},
		{Name: "missing signature", Body: boxBody, Header: [][2]string{{"BOX-DELIVERY-TIMESTAMP", boxTimestamp}}, Now: sent, Err: webhookverify.ErrMissingSignature},
		{Name: "full payload", Body: full, Header: boxHeaders(fullTS, othersSHA256Base64(boxPrimaryKey, full, fullTS)), Event: &webhookverify.Event{
			ID: "eb0c4e06-751f-442c-86f8-fd5bb404dbec", Type: "FILE.UPLOADED", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
		}},
	})

	// The secondary key alone does not verify: only the primary header is
	// read. Rotation is the old and the new primary key.
	secondary := verifiertest.Load(t, "box {\n secret "+boxSecondaryKey+"\n}")
	rotated := verifiertest.Load(t, "box {\n secret NewPrimaryKey\n secret "+boxPrimaryKey+"\n}")
	verifiertest.Run(t, secondary, []verifiertest.Case{
		{Name: "secondary key", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent, Err: webhookverify.ErrInvalidSignature},
	})
	verifiertest.Run(t, rotated, []verifiertest.Case{
		{Name: "old primary key second", Body: boxBody, Header: boxHeaders(boxTimestamp, boxPrimary), Now: sent, Event: uploaded},
	})
}
