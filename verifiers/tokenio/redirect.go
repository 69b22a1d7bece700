package tokenio

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// The redirect callback parameters, in the index order of callback.vals.
const (
	pRequestID = iota
	pRequestIDUnderscore
	pCredentialFields
	pError
	pTraceID
	pMessage
	pMemberID
	pPaymentID
	pState
	numParams
)

var paramNames = [numParams]string{
	pRequestID:           "request-id",
	pRequestIDUnderscore: "request_id",
	pCredentialFields:    "credential-fields",
	pError:               "error",
	pTraceID:             "trace-id",
	pMessage:             "message",
	pMemberID:            "member-id",
	pPaymentID:           "payment-id",
	pState:               "state",
}

// maxIDLength bounds request, payment and member ids.
const maxIDLength = 256

// grpcCodes are the names of the gRPC status codes, by number.
var grpcCodes = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// GRPCCodeName returns the name of gRPC status code n (e.g. 5 → NOT_FOUND),
// or "" when n is not a code.
func GRPCCodeName(n int) string {
	if n < 0 || n >= len(grpcCodes) {
		return ""
	}
	return grpcCodes[n]
}

// callback holds the known parameters of a redirect callback.
type callback struct {
	vals [numParams]string
	has  [numParams]bool
}

// verifyRedirect checks the shape of an (unsigned) redirect callback.
func verifyRedirect(r *http.Request, body []byte) (webhookverify.Event, error) {
	var cb callback
	switch r.Method {
	case http.MethodGet:
		if len(body) != 0 {
			return webhookverify.Event{}, fmt.Errorf("%w: a GET callback has no body", webhookverify.ErrMalformedRequest)
		}
		if err := cb.fromQuery(r.URL.RawQuery); err != nil {
			return webhookverify.Event{}, err
		}
	case http.MethodPost:
		var q callback
		if err := q.fromQuery(r.URL.RawQuery); err != nil {
			return webhookverify.Event{}, err
		}
		for i := range q.has {
			if q.has[i] {
				return webhookverify.Event{}, fmt.Errorf("%w: a POST callback carries %s in the query as well as the body",
					webhookverify.ErrMalformedRequest, paramNames[i])
			}
		}
		if err := cb.fromJSON(body); err != nil {
			return webhookverify.Event{}, err
		}
	default:
		return webhookverify.Event{}, fmt.Errorf("%w: Token.io redirect callbacks are GET (query) or POST (JSON body)", webhookverify.ErrMethodNotAllowed)
	}
	return cb.check()
}

// fromQuery reads the known parameters of a query string. A known
// parameter may appear only once.
func (cb *callback) fromQuery(raw string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return fmt.Errorf("%w: the query string is not well-formed", webhookverify.ErrMalformedRequest)
	}
	for i, name := range paramNames {
		vals, ok := q[name]
		if !ok {
			continue
		}
		if len(vals) != 1 {
			return fmt.Errorf("%w: query parameter %s is repeated", webhookverify.ErrMalformedRequest, name)
		}
		cb.vals[i], cb.has[i] = vals[0], true
	}
	return nil
}

// fromJSON reads the known parameters of a JSON object body. Values are
// strings; error may also be a number.
func (cb *callback) fromJSON(body []byte) error {
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return fmt.Errorf("%w: a POST callback's body must be a JSON object (valid UTF-8)", webhookverify.ErrMalformedBody)
	} else if dup {
		return fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return fmt.Errorf("%w: a POST callback's body must be a JSON object", webhookverify.ErrMalformedBody)
	}
	var err error
	root.ForEach(func(key, val gjson.Result) bool {
		for i, name := range paramNames {
			if key.Str != name {
				continue
			}
			switch {
			case val.Type == gjson.String:
				cb.vals[i] = val.Str
			case val.Type == gjson.Number && i == pError:
				cb.vals[i] = val.Raw
			default:
				err = fmt.Errorf("%w: parameter %s has the wrong JSON type", webhookverify.ErrMalformedRequest, name)
				return false
			}
			cb.has[i] = true
		}
		return true
	})
	return err
}

// check validates the parameters and returns the event.
func (cb *callback) check() (webhookverify.Event, error) {
	v1 := cb.has[pRequestID] || cb.has[pRequestIDUnderscore]
	v2 := cb.has[pPaymentID] || cb.has[pMemberID]
	var ev webhookverify.Event
	switch {
	case v1 && v2:
		return ev, fmt.Errorf("%w: request-id (Payments v1) and payment-id/member-id (v2) together", webhookverify.ErrMalformedRequest)
	case v1:
		for _, i := range []int{pRequestID, pRequestIDUnderscore} {
			if !validID(cb.vals[i], "rq:") {
				return ev, fmt.Errorf("%w: %s is missing or not a Token.io request id (rq:…)", webhookverify.ErrMalformedRequest, paramNames[i])
			}
		}
		if cb.vals[pRequestID] != cb.vals[pRequestIDUnderscore] {
			return ev, fmt.Errorf("%w: request-id and request_id differ", webhookverify.ErrMalformedRequest)
		}
		ev.ID = cb.vals[pRequestID]
	case v2:
		if !validID(cb.vals[pPaymentID], "pm2:") {
			return ev, fmt.Errorf("%w: payment-id is missing or not a Token.io payment id (pm2:…)", webhookverify.ErrMalformedRequest)
		}
		if !validID(cb.vals[pMemberID], "m:") {
			return ev, fmt.Errorf("%w: member-id is missing or not a Token.io member id (m:…)", webhookverify.ErrMalformedRequest)
		}
		ev.ID = cb.vals[pPaymentID]
	default:
		return ev, fmt.Errorf("%w: neither request-id nor payment-id is present", webhookverify.ErrMalformedRequest)
	}

	ev.Type = TypeRedirect
	if cb.has[pCredentialFields] {
		if cb.has[pError] {
			return ev, fmt.Errorf("%w: error and credential-fields together", webhookverify.ErrMalformedRequest)
		}
		if !validCredentialFields(cb.vals[pCredentialFields]) {
			return ev, fmt.Errorf("%w: credential-fields is not base64url JSON with a fields array", webhookverify.ErrMalformedRequest)
		}
		ev.Type = TypeCredentials
		ev.Status = webhookverify.StatusPending
	}
	if cb.has[pError] {
		code := parseCode(cb.vals[pError])
		name := GRPCCodeName(code)
		switch {
		case name == "":
			return ev, fmt.Errorf("%w: error is not a gRPC status code (0 to 16)", webhookverify.ErrMalformedRequest)
		case code != 0:
			ev.Type = TypeRedirectError + "." + strings.ToLower(name)
			ev.Status = webhookverify.StatusFailed
		}
		// error=0 is gRPC's OK: no error, so the callback is a plain
		// redirect, with no status.
	}
	return ev, nil
}

// validID reports whether s is prefix followed by an id: an alphanumeric
// character, then alphanumerics and ":._-", at most maxIDLength bytes in
// all.
func validID(s, prefix string) bool {
	if len(s) > maxIDLength || len(s) <= len(prefix) || !strings.HasPrefix(s, prefix) {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == len(prefix) || (c != ':' && c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

// parseCode reads a gRPC code written in canonical decimal (no sign, no
// leading zero, at most two digits); -1 when s is not one.
func parseCode(s string) int {
	if len(s) == 0 || len(s) > 2 || (len(s) == 2 && s[0] == '0') {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// validCredentialFields reports whether s is base64url (padding optional)
// of a JSON object, without repeated keys, whose "fields" is an array.
func validCredentialFields(s string) bool {
	b, err := webhookverify.Base64URL.Decode(s)
	if err != nil || len(b) == 0 {
		return false
	}
	if _, dup, err := jsonstringify.FindDuplicateKey(b); err != nil || dup {
		return false
	}
	root := gjson.ParseBytes(b)
	return root.IsObject() && root.Get("fields").IsArray()
}
