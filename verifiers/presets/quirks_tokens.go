package presets

import (
	"net/http"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// What data cannot say for the token rows (see quirks.go for the idea).
// A token covers nothing of the request, so these facts are as good as
// the token's holder: the handler's dedup does not trust them by default.

// gitlabEvent: com.gitlab.<object_kind>, and the id of the
// Idempotency-Key header, which GitLab keeps across the retries of one
// event (GitLab 17.4 and later; older versions send none).
func gitlabEvent(ev webhookverify.Event, r *http.Request, _ []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	if id := r.Header.Get("Idempotency-Key"); ev.ID == "" && webhookverify.IsTypeToken(id) {
		ev.ID = id
	}
	return withTypeSuffix(ev, "com.gitlab", ev.Type), nil
}

// postmarkEvent: com.postmark.<RecordType> (Bounce, Delivery, Open, Click,
// SpamComplaint, SubscriptionChange), the time of the record's kind, and a
// bounce's ID as the event id (the other records carry none).
func postmarkEvent(ev webhookverify.Event, _ *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	record := ev.Type
	if ev.Time.IsZero() {
		for _, path := range []string{"BouncedAt", "DeliveredAt", "ReceivedAt", "ChangedAt"} {
			if t := gjson.GetBytes(body, path); t.Type == gjson.String {
				ev.Time = webhookverify.ParseEventTime(t.Str)
				break
			}
		}
	}
	if id := gjson.GetBytes(body, "ID"); ev.ID == "" && (record == "Bounce" || record == "SpamComplaint") && id.Type == gjson.Number {
		ev.ID = record + "-" + id.Raw
		if !webhookverify.IsTypeToken(ev.ID) {
			ev.ID = ""
		}
	}
	return withTypeSuffix(ev, "com.postmark", record), nil
}

// mpesaEvent: Daraja posts an M-Pesa Express (STK push) result as
// {"Body":{"stkCallback":…}}, named com.safaricom.mpesa.stk_callback; and
// a C2B confirmation or validation as a flat object with TransID, named
// com.safaricom.mpesa.c2b, whose id, amount and bill reference are read
// when the field paths found none. Amounts are in Kenyan shillings, which
// the body does not say, so no currency is given.
func mpesaEvent(ev webhookverify.Event, _ *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	switch {
	case gjson.GetBytes(body, "Body.stkCallback").IsObject():
		ev.Type = "com.safaricom.mpesa.stk_callback"
	case gjson.GetBytes(body, "TransID").Type == gjson.String:
		ev.Type = "com.safaricom.mpesa.c2b"
		if id := gjson.GetBytes(body, "TransID").Str; ev.ID == "" && webhookverify.IsTypeToken(id) {
			ev.ID = id
		}
		if ev.Amount == "" {
			ev.Amount = webhookverify.Scalar(gjson.GetBytes(body, "TransAmount"))
		}
		if ev.Reference == "" {
			ev.Reference = webhookverify.Scalar(gjson.GetBytes(body, "BillRefNumber"))
		}
	default:
		ev.Type = "com.safaricom.mpesa"
	}
	return ev, nil
}
