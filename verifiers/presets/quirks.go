package presets

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// What data cannot say: how some providers' events are named and which of
// their fields count. Each function is a Row.Event.

// typeWithSuffix returns an Event hook that names the event prefix, or
// prefix + "." + the type the field paths found when it is a plain token,
// and keeps the other facts as the field paths found them (the row's
// paths, or those configured in their place).
func typeWithSuffix(prefix string) EventFunc {
	return func(ev webhookverify.Event, _ *http.Request, _ []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
		return withTypeSuffix(ev, prefix, ev.Type), nil
	}
}

// withTypeSuffix returns ev named prefix, or prefix + "." + suffix when
// suffix is a plain token.
func withTypeSuffix(ev webhookverify.Event, prefix, suffix string) webhookverify.Event {
	ev.Type = prefix
	if webhookverify.IsTypeToken(suffix) {
		ev.Type += "." + suffix
	}
	return ev
}

// githubEvent: GitHub signs only the body; its event name and delivery id
// are in unsigned headers, so the type is com.github.webhook[.<action>],
// the action read from a JSON body or a form body's payload field. The row
// reads no other fact; configured field paths are kept.
func githubEvent(ev webhookverify.Event, r *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	action := ev.Type
	if action == "" {
		action = formAction(r, body)
	}
	return withTypeSuffix(ev, "com.github.webhook", action), nil
}

// formAction reads "action" from a form-encoded delivery (payload=<json>).
func formAction(r *http.Request, body []byte) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return ""
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	a := gjson.Get(form.Get("payload"), "action")
	if a.Type != gjson.String {
		return ""
	}
	return a.Str
}

// paystackEvent: the type is com.paystack.<event>, the id <event>:<data.id>,
// and only payment events carry a payment status. A body without a string
// "event" is not Paystack's.
func paystackEvent(ev webhookverify.Event, _ *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	event := ev.Type
	if !webhookverify.IsTypeToken(event) || gjson.GetBytes(body, "event").Type != gjson.String {
		return webhookverify.Event{}, fmt.Errorf("%w: paystack sends a JSON object with a string \"event\"", webhookverify.ErrMalformedBody)
	}
	ev.Type = "com.paystack." + event
	if ev.ID != "" {
		ev.ID = event + ":" + ev.ID
	}
	if !paystackPaymentEvent(event) {
		ev.Status = ""
	}
	if ev.Time.IsZero() {
		ev.Time = webhookverify.ParseEventTime(gjson.GetBytes(body, "data.created_at").String())
	}
	return ev, nil
}

func paystackPaymentEvent(event string) bool {
	if strings.HasPrefix(event, "charge.dispute.") {
		return false
	}
	for _, p := range []string{"charge.", "transfer.", "refund.", "invoice.", "paymentrequest."} {
		if strings.HasPrefix(event, p) {
			return true
		}
	}
	return false
}

// shopifyEvent: the topic is only in an unsigned header, so the type is
// com.shopify.webhook (with a suffix only when a type_path is configured);
// the order's financial status, total and currency are kept.
var shopifyEvent = typeWithSuffix("com.shopify.webhook")

// slackEvent: com.slack.event[.<type>], the Events API's event_id (when it
// is a plain token) and event_time.
func slackEvent(ev webhookverify.Event, r *http.Request, body []byte, paths *webhookverify.FieldPaths) (webhookverify.Event, error) {
	if !webhookverify.IsTypeToken(ev.ID) {
		ev.ID = ""
	}
	return typeWithSuffix("com.slack.event")(ev, r, body, paths)
}
