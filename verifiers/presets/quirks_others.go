package presets

import (
	"net/http"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// What data cannot say for the rows of others.go (see quirks.go for the
// idea). Each function is a Row.Event.

// signedHeaderID returns an Event hook that takes the event id from a
// request header. Use it only for a header the row's payload template
// signs ({header.Name}): an unsigned header could be set by anyone. Twitch
// keeps its message id across retries, so the id is also the key that
// dedup needs.
func signedHeaderID(name string) EventFunc {
	name = http.CanonicalHeaderKey(name)
	return func(ev webhookverify.Event, r *http.Request, _ []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
		if id := r.Header.Get(name); webhookverify.IsTypeToken(id) {
			ev.ID = id
		}
		return ev, nil
	}
}

// linearEvent: Linear names the entity ("Issue") and the action ("create")
// in two fields; the type is <type>.<action>, e.g. Issue.create.
func linearEvent(ev webhookverify.Event, _ *http.Request, body []byte, _ *webhookverify.FieldPaths) (webhookverify.Event, error) {
	action := gjson.GetBytes(body, "action")
	if webhookverify.IsTypeToken(ev.Type) && action.Type == gjson.String && webhookverify.IsTypeToken(action.Str) {
		ev.Type += "." + action.Str
	}
	return ev, nil
}

// standardWebhooksEvent: the id is the signed message id header
// (webhook-id, or svix-id when the request carries Svix's names) unless
// event_id_path reads it from the body; without a time in the body, the
// time is the signed timestamp header's.
func standardWebhooksEvent(ev webhookverify.Event, r *http.Request, _ []byte, paths *webhookverify.FieldPaths) (webhookverify.Event, error) {
	id, ts := r.Header.Get("Webhook-Id"), r.Header.Get("Webhook-Timestamp")
	if id == "" {
		id, ts = r.Header.Get("Svix-Id"), r.Header.Get("Svix-Timestamp")
	}
	if paths.EventID == "" {
		ev.ID = id
	}
	if ev.Time.IsZero() {
		if t, err := webhookverify.ParseUnixTimestamp(ts, false); err == nil {
			ev.Time = t.UTC()
		}
	}
	return ev, nil
}
