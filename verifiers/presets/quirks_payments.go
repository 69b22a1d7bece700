package presets

import (
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// What data cannot say about the payment providers of payments.go: how
// their events are named, and which events carry a payment status. Each
// function returns or is a Row.Event.

// named returns the Event hook of a provider whose body names its event:
//
//   - the type is prefix + "." + the type the field paths found, lowercased
//     and with ':' read as '.' (Coinbase's "charge:confirmed"), when that is
//     a plain token; prefix + ".webhook" otherwise;
//   - a payment status is kept only for the types (as sent, lowercased) that
//     begin with one of payments, when some are given: the other events of
//     these providers carry the status of something else (a subscription, a
//     refund seen from its payment), or none;
//   - the other facts are kept as the field paths found them.
func named(prefix string, payments ...string) EventFunc {
	return func(ev webhookverify.Event, _ *http.Request, _ []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
		typ := strings.ReplaceAll(strings.ToLower(ev.Type), ":", ".")
		if len(payments) > 0 && !hasAnyPrefix(typ, payments) {
			ev.Status = ""
		}
		ev.Type = prefix + ".webhook"
		if webhookverify.IsTypeToken(typ) {
			ev.Type = prefix + "." + typ
		}
		return ev, nil
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// monnifyEvent: Monnify's ids are the transaction's reference, which a
// payment and its refund share, so the event id is
// "<eventType>:<transactionReference>"; collections and disbursements
// carry a payment status, refunds, settlements and mandates do not.
func monnifyEvent(ev webhookverify.Event, r *http.Request, body []byte, paths *webhookverify.FieldPaths) (webhookverify.Event, error) {
	typ := ev.Type
	ev, _ = monnifyNamed(ev, r, body, paths)
	if ev.ID != "" && webhookverify.IsTypeToken(typ) {
		ev.ID = typ + ":" + ev.ID
	}
	return ev, nil
}

var monnifyNamed = named("com.monnify", "successful_transaction", "successful_disbursement", "failed_disbursement", "reversed_disbursement")

// gocardlessEvent: GoCardless sends its events in batches
// ({"events":[…]}), each event a resource_type and an action. A delivery of
// one event is named com.gocardless.<resource_type>.<action> and keeps what
// the field paths read from it (events.0), its status only when it is a
// payment's; a batch of several is com.gocardless.webhook and keeps only
// the id (that of its first event, which names the delivery and its
// retries), since one event's facts would misdescribe the others.
func gocardlessEvent(ev webhookverify.Event, _ *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	events := gjson.GetBytes(body, "events")
	if !events.IsArray() || len(events.Array()) != 1 {
		return webhookverify.Event{ID: ev.ID, Type: "com.gocardless.webhook"}, nil
	}
	resource := gjson.GetBytes(body, "events.0.resource_type")
	out := ev
	out.Type = "com.gocardless.webhook"
	if resource.Type == gjson.String && webhookverify.IsTypeToken(resource.Str) {
		out.Type = "com.gocardless." + resource.Str
		if webhookverify.IsTypeToken(ev.Type) {
			out.Type += "." + ev.Type
		}
	}
	if resource.Str != "payments" {
		out.Status = ""
	}
	return out, nil
}
