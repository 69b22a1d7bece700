package presets

import (
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// stripeEvent: Stripe's events are JSON objects (anything else is refused
// once it verified); the type is com.stripe.<type>; the payment status is
// read from payment objects only (data.object.object is payment_intent,
// charge, refund, checkout.session, invoice or payout): their status, a
// Checkout Session's payment_status (expired when the session expired
// unpaid), a charge with "refunded": true is refunded, a refund that
// succeeded is refunded. With status_path, the word at that path, for any
// object. status_map entries (by Stripe's word) come first, then Stripe's
// table.
func stripeEvent(ev webhookverify.Event, _ *http.Request, body []byte, paths *webhookverify.FieldPaths) (webhookverify.Event, error) {
	if !webhookverify.IsJSONObject(body) {
		return webhookverify.Event{}, fmt.Errorf("%w: a Stripe event is a JSON object", webhookverify.ErrMalformedBody)
	}
	if ev.Type != "" {
		ev.Type = "com.stripe." + ev.Type
	}
	if paths.Status != "" {
		ev.Status = stripeStatus(webhookverify.Scalar(gjson.GetBytes(body, paths.Status)), "", paths.StatusMap)
	} else {
		word, kind := stripeStatusWord(gjson.GetBytes(body, "data.object"))
		ev.Status = stripeStatus(word, kind, paths.StatusMap)
	}
	return ev, nil
}

// stripePaymentObjects are the Stripe object types whose status is a
// payment status.
var stripePaymentObjects = map[string]bool{
	"payment_intent": true, "charge": true, "refund": true,
	"checkout.session": true, "invoice": true, "payout": true,
}

// stripeStatusWord returns the Stripe word that says how a payment object
// stands, and the object's type; "" for other objects.
func stripeStatusWord(obj gjson.Result) (word, kind string) {
	kind = obj.Get("object").String()
	if !stripePaymentObjects[kind] {
		return "", kind
	}
	status := obj.Get("status").String()
	switch kind {
	case "checkout.session":
		ps := obj.Get("payment_status").String()
		if status == "expired" && ps != "paid" && ps != "no_payment_required" {
			return "expired", kind
		}
		return ps, kind
	case "charge":
		if obj.Get("refunded").Bool() {
			return "refunded", kind
		}
	}
	return status, kind
}

// stripeStatuses maps Stripe's status words to canonical statuses.
var stripeStatuses = map[string]webhookverify.PaymentStatus{
	"succeeded": webhookverify.StatusSucceeded, "paid": webhookverify.StatusSucceeded,
	"no_payment_required": webhookverify.StatusSucceeded,

	"requires_payment_method": webhookverify.StatusFailed, "canceled": webhookverify.StatusFailed,
	"failed": webhookverify.StatusFailed, "void": webhookverify.StatusFailed,
	"uncollectible": webhookverify.StatusFailed,

	"processing": webhookverify.StatusPending, "pending": webhookverify.StatusPending,
	"in_transit": webhookverify.StatusPending, "requires_action": webhookverify.StatusPending,
	"requires_confirmation": webhookverify.StatusPending, "requires_capture": webhookverify.StatusPending,
	"open": webhookverify.StatusPending, "draft": webhookverify.StatusPending,
	"unpaid": webhookverify.StatusPending,

	"refunded": webhookverify.StatusRefunded,
	"expired":  webhookverify.StatusExpired,
}

// stripeStatus maps a Stripe status word: status_map first, then Stripe's
// table. An empty word is no status.
func stripeStatus(word, kind string, statusMap map[string]webhookverify.PaymentStatus) webhookverify.PaymentStatus {
	if word == "" {
		return ""
	}
	if s, ok := statusMap[word]; ok {
		return s
	}
	if kind == "refund" && word == "succeeded" {
		return webhookverify.StatusRefunded
	}
	if s, ok := stripeStatuses[word]; ok {
		return s
	}
	return webhookverify.StatusUnknown
}
