package webhookverify

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"
)

// FieldPaths says where the payment facts are in a JSON body, as gjson
// paths (https://github.com/tidwall/gjson/blob/master/SYNTAX.md). The
// generic verifiers use it so that any provider can be normalized without
// code. Empty paths are skipped.
type FieldPaths struct {
	// EventID is the path of the provider's event id, e.g. "id".
	EventID string `json:"event_id_path,omitempty"`
	// Type is the path of the event type, e.g. "type" or "event".
	Type string `json:"type_path,omitempty"`
	// Time is the path of the event time: an RFC 3339 string, or a number
	// of Unix seconds (milliseconds when it is above 10^12).
	Time string `json:"time_path,omitempty"`
	// Subject is the path of the merchant's reference for the payment.
	Subject string `json:"subject_path,omitempty"`
	// Status is the path of the provider's payment status. Its value is
	// mapped with StatusMap first, then with the common status words
	// (success, paid, failed, pending, expired, refunded, …).
	Status string `json:"status_path,omitempty"`
	// Amount is the path of the amount; its text is kept unchanged.
	Amount string `json:"amount_path,omitempty"`
	// Currency is the path of the currency code.
	Currency string `json:"currency_path,omitempty"`
	// Reference is the path of the payment reference.
	Reference string `json:"reference_path,omitempty"`
	// StatusMap maps the provider's status values (exact text) to canonical
	// statuses: succeeded, failed, pending, expired, refunded or unknown.
	StatusMap map[string]PaymentStatus `json:"status_map,omitempty"`
}

// Extract reads the mapped fields from a JSON body. A body that is not
// JSON, or a path that is absent, yields empty fields.
func (p *FieldPaths) Extract(body []byte) Event {
	var ev Event
	if p == nil || !p.any() || !gjson.ValidBytes(body) {
		return ev
	}
	get := func(path string) string {
		if path == "" {
			return ""
		}
		return Scalar(gjson.GetBytes(body, path))
	}
	ev.ID = get(p.EventID)
	ev.Type = get(p.Type)
	ev.Subject = get(p.Subject)
	ev.Amount = get(p.Amount)
	ev.Currency = get(p.Currency)
	ev.Reference = get(p.Reference)
	ev.Time = ParseEventTime(get(p.Time))
	if s := get(p.Status); s != "" {
		if m, ok := p.StatusMap[s]; ok {
			ev.Status = m
		} else {
			ev.Status = NormalizeStatus(s)
		}
	}
	return ev
}

// Scalar returns a JSON scalar as text: a string's value, a number's JSON
// text unchanged (e.g. "12.50", "1e3"), "true" or "false"; and "" when r is
// absent, null, an object or an array. The result shares r's memory: copy
// it (strings.Clone) when r was parsed from a borrowed buffer.
func Scalar(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		return r.Raw
	case gjson.True:
		return "true"
	case gjson.False:
		return "false"
	}
	return ""
}

// IsJSONObject reports whether body is one valid JSON value that is an
// object.
func IsJSONObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && gjson.ValidBytes(body)
}

// CheckStatusMap fails when StatusMap maps a value to something that is
// not a canonical status. The Caddyfile parser refuses one already; a
// JSON config can hold any text, so Provision checks it.
func (p *FieldPaths) CheckStatusMap() error {
	for k, s := range p.StatusMap {
		if _, ok := ParsePaymentStatus(string(s)); !ok {
			return fmt.Errorf("status_map %q: unknown status %q: use succeeded, failed, pending, expired, refunded or unknown", k, s)
		}
	}
	return nil
}

// any reports whether a path is set.
func (p *FieldPaths) any() bool {
	return p.EventID != "" || p.Type != "" || p.Time != "" || p.Subject != "" ||
		p.Status != "" || p.Amount != "" || p.Currency != "" || p.Reference != ""
}

// IsTypeToken reports whether s is safe to append to an event type or use
// as an id taken from a request: 1 to 64 ASCII letters, digits, '_', '-'
// or '.'.
func IsTypeToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// ParseEventTime parses an RFC 3339 time or a Unix time in seconds (or in
// milliseconds, when above 10^12). It returns the zero time when s is empty
// or not a time.
func ParseEventTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if n > 1e12 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// UnmarshalCaddyfileOption parses one field-mapping subdirective at the
// dispenser's current token, if it is one: event_id_path, type_path,
// time_path, subject_path, status_path, amount_path, currency_path,
// reference_path (one argument each) or status_map <provider value>
// <canonical status>. It reports whether the subdirective was one of them.
func (p *FieldPaths) UnmarshalCaddyfileOption(d *caddyfile.Dispenser) (bool, error) {
	targets := map[string]*string{
		"event_id_path": &p.EventID, "type_path": &p.Type, "time_path": &p.Time,
		"subject_path": &p.Subject, "status_path": &p.Status, "amount_path": &p.Amount,
		"currency_path": &p.Currency, "reference_path": &p.Reference,
	}
	name := d.Val()
	if dst, ok := targets[name]; ok {
		if !d.NextArg() {
			return true, d.Errf("%s needs a gjson path, e.g. %s data.id", name, name)
		}
		*dst = d.Val()
		if d.NextArg() {
			return true, d.ArgErr()
		}
		return true, nil
	}
	if name != "status_map" {
		return false, nil
	}
	args := d.RemainingArgs()
	if len(args) != 2 {
		return true, d.Errf("status_map takes two arguments: <provider status> <succeeded|failed|pending|expired|refunded|unknown>")
	}
	st, ok := ParsePaymentStatus(args[1])
	if !ok {
		return true, d.Errf("status_map: unknown status %q: use succeeded, failed, pending, expired, refunded or unknown", args[1])
	}
	if p.StatusMap == nil {
		p.StatusMap = map[string]PaymentStatus{}
	}
	p.StatusMap[args[0]] = st
	return true, nil
}
