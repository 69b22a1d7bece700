package tokenio

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Token.io's published API-only callback examples (seed 003, and the
// Payments v2 considerations page).
const (
	docRedirectQuery    = "request-id=rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq&request_id=rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq"
	docRedirectJSON     = `{"request-id": "rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq", "request_id": "rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq"}`
	docErrorQuery       = "request-id=rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq&request_id=rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq&trace-id=idm45Ag1X8D8Kvdw&error=14&message=Bank+is+unavailable"
	docErrorJSON        = `{"request-id": "rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq", "request_id": "rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq", "trace-id": "idm45Ag1X8D8Kvdw", "error": 14, "message": "Bank is unavailable"}`
	docEmbeddedFields   = "eyJmaWVsZHMiOlt7ImRlc2NyaXB0aW9uIjoiT25lLXRpbWUgcGFzc2NvZGUiLCJpZCI6Im90cCJ9XX0"
	docEmbeddedQuery    = "request-id=rq:43hA2P34BC9a1jwYmyjmDYBrTETA:5zKtXEAq&request_id=rq:43hA2P34BC9a1jwYmyjmDYBrTETA:5zKtXEAq&credential-fields=" + docEmbeddedFields
	docDecoupledFields  = "eyJmaWVsZHMiOlt7ImRlc2NyaXB0aW9uIjoiUGxlYXNlLCBhdXRob3JpemUgcGF5bWVudCB1c2luZyBtb2JpbGUgZGV2aWNlLiIsInR5cGUiOiJERUNPVVBMRUQifV19"
	docDecoupledJSON    = `{"request-id": "rq:3smDYdTPr4gejc9g6MrHFnAAssg8:5zKtXEAq", "request_id": "rq:3smDYdTPr4gejc9g6MrHFnAAssg8:5zKtXEAq", "credential-fields": "` + docDecoupledFields + `"}`
	docV2Query          = "member-id=m:33V1ykzKwHbkWqt7fDz2WPPdH2Zt:5zKtXEAq&payment-id=pm2:24YYrAZ34sTo4A6C47rYandHke2L:2gFUX1NDgoi&state=CallbackState1725556043"
	docV2JSON           = `{"member-id": "m:33V1ykzKwHbkWqt7fDz2WPPdH2Zt:5zKtXEAq", "payment-id": "pm2:24YYrAZ34sTo4A6C47rYandHke2L:2gFUX1NDgoi", "state": "CallbackState1725556043"}`
	docRequestID        = "rq:3SVzgJtzu2DvaZSgRGznpdknT3dq:5zKtXEAq"
	docDecoupledRequest = "rq:3smDYdTPr4gejc9g6MrHFnAAssg8:5zKtXEAq"
)

func TestDocumentedCredentialFields(t *testing.T) {
	// Independent check of the documented decodings.
	for enc, want := range map[string]string{
		docEmbeddedFields:  `{"fields":[{"description":"One-time passcode","id":"otp"}]}`,
		docDecoupledFields: `{"fields":[{"description":"Please, authorize payment using mobile device.","type":"DECOUPLED"}]}`,
	} {
		b, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil || string(b) != want {
			t.Errorf("decode %s = %q, %v", enc, b, err)
		}
	}
}

func TestVerifyRedirect(t *testing.T) {
	get := func(query string) *http.Request { return httptest.NewRequest(http.MethodGet, "/cb?"+query, nil) }
	post := func(query, body string) (*http.Request, string) {
		target := "/cb"
		if query != "" {
			target += "?" + query
		}
		return httptest.NewRequest(http.MethodPost, target, strings.NewReader(body)), body
	}
	cf := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	rq := "request-id=rq:a:b&request_id=rq:a:b"

	tests := []struct {
		name string
		req  *http.Request
		body string
		want error
		ev   webhookverify.Event
	}{
		{name: "documented redirect (query)", req: get(docRedirectQuery),
			ev: webhookverify.Event{ID: docRequestID, Type: TypeRedirect}},
		{name: "documented redirect (JSON)", req: must(post("", docRedirectJSON)), body: docRedirectJSON,
			ev: webhookverify.Event{ID: docRequestID, Type: TypeRedirect}},
		{name: "documented error (query)", req: get(docErrorQuery),
			ev: webhookverify.Event{ID: docRequestID, Type: "io.token.callback.error.unavailable", Status: webhookverify.StatusFailed}},
		{name: "documented error (JSON)", req: must(post("", docErrorJSON)), body: docErrorJSON,
			ev: webhookverify.Event{ID: docRequestID, Type: "io.token.callback.error.unavailable", Status: webhookverify.StatusFailed}},
		{name: "documented embedded (query)", req: get(docEmbeddedQuery),
			ev: webhookverify.Event{ID: "rq:43hA2P34BC9a1jwYmyjmDYBrTETA:5zKtXEAq", Type: TypeCredentials, Status: webhookverify.StatusPending}},
		{name: "documented decoupled (JSON)", req: must(post("", docDecoupledJSON)), body: docDecoupledJSON,
			ev: webhookverify.Event{ID: docDecoupledRequest, Type: TypeCredentials, Status: webhookverify.StatusPending}},
		{name: "documented v2 (query)", req: get(docV2Query),
			ev: webhookverify.Event{ID: "pm2:24YYrAZ34sTo4A6C47rYandHke2L:2gFUX1NDgoi", Type: TypeRedirect}},
		{name: "documented v2 (JSON)", req: must(post("", docV2JSON)), body: docV2JSON,
			ev: webhookverify.Event{ID: "pm2:24YYrAZ34sTo4A6C47rYandHke2L:2gFUX1NDgoi", Type: TypeRedirect}},
		{name: "error as a JSON string", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","error":"5"}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","error":"5"}`,
			ev:   webhookverify.Event{ID: "rq:a:b", Type: "io.token.callback.error.not_found", Status: webhookverify.StatusFailed}},
		{name: "error 16", req: get(rq + "&error=16"),
			ev: webhookverify.Event{ID: "rq:a:b", Type: "io.token.callback.error.unauthenticated", Status: webhookverify.StatusFailed}},
		// error=0 is gRPC's OK: no error, no failed status.
		{name: "error 0 (OK) is no failure", req: get(rq + "&error=0"),
			ev: webhookverify.Event{ID: "rq:a:b", Type: TypeRedirect}},
		{name: "error 0 (OK) as a JSON number", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","error":0}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","error":0}`, ev: webhookverify.Event{ID: "rq:a:b", Type: TypeRedirect}},
		{name: "v2 without state", req: get("member-id=m:1&payment-id=pm2:2"),
			ev: webhookverify.Event{ID: "pm2:2", Type: TypeRedirect}},
		{name: "padded credential-fields", req: get(rq + "&credential-fields=" + base64.URLEncoding.EncodeToString([]byte(`{"fields":[]}`))),
			ev: webhookverify.Event{ID: "rq:a:b", Type: TypeCredentials, Status: webhookverify.StatusPending}},
		{name: "unknown parameters are ignored", req: get(rq + "&utm_source=x&utm_source=y&status=PAID"),
			ev: webhookverify.Event{ID: "rq:a:b", Type: TypeRedirect}},
		{name: "unknown JSON members are ignored", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","x":{"y":[1,null]}}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","x":{"y":[1,null]}}`, ev: webhookverify.Event{ID: "rq:a:b", Type: TypeRedirect}},
		{name: "POST with unrelated query", req: must(post("route=1", docRedirectJSON)), body: docRedirectJSON,
			ev: webhookverify.Event{ID: docRequestID, Type: TypeRedirect}},

		{name: "PUT", req: httptest.NewRequest(http.MethodPut, "/cb?"+rq, nil), want: webhookverify.ErrMethodNotAllowed},
		{name: "no parameters", req: get(""), want: webhookverify.ErrMalformedRequest},
		{name: "only request-id", req: get("request-id=rq:a:b"), want: webhookverify.ErrMalformedRequest},
		{name: "only request_id", req: get("request_id=rq:a:b"), want: webhookverify.ErrMalformedRequest},
		{name: "ids differ", req: get("request-id=rq:a:b&request_id=rq:a:c"), want: webhookverify.ErrMalformedRequest},
		{name: "no rq: prefix", req: get("request-id=a:b&request_id=a:b"), want: webhookverify.ErrMalformedRequest},
		{name: "empty id", req: get("request-id=rq:&request_id=rq:"), want: webhookverify.ErrMalformedRequest},
		{name: "bad id charset", req: get("request-id=rq:a%3Cb&request_id=rq:a%3Cb"), want: webhookverify.ErrMalformedRequest},
		{name: "id too long", req: get("request-id=rq:" + strings.Repeat("a", 300) + "&request_id=rq:" + strings.Repeat("a", 300)), want: webhookverify.ErrMalformedRequest},
		{name: "repeated request-id", req: get(rq + "&request-id=rq:a:b"), want: webhookverify.ErrMalformedRequest},
		{name: "bad query encoding", req: get(rq + "&message=%zz"), want: webhookverify.ErrMalformedRequest},
		{name: "error 17", req: get(rq + "&error=17"), want: webhookverify.ErrMalformedRequest},
		{name: "error -1", req: get(rq + "&error=-1"), want: webhookverify.ErrMalformedRequest},
		{name: "error 014", req: get(rq + "&error=014"), want: webhookverify.ErrMalformedRequest},
		{name: "error name", req: get(rq + "&error=UNAVAILABLE"), want: webhookverify.ErrMalformedRequest},
		{name: "error empty", req: get(rq + "&error="), want: webhookverify.ErrMalformedRequest},
		{name: "error 14.0 in JSON", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","error":14.0}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","error":14.0}`, want: webhookverify.ErrMalformedRequest},
		{name: "error and credential-fields", req: get(rq + "&error=3&credential-fields=" + cf(`{"fields":[]}`)), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields not base64url", req: get(rq + "&credential-fields=eyJm+/"), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields not JSON", req: get(rq + "&credential-fields=" + cf(`fields`)), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields without fields", req: get(rq + "&credential-fields=" + cf(`{"field":[]}`)), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields fields not an array", req: get(rq + "&credential-fields=" + cf(`{"fields":{}}`)), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields duplicate key", req: get(rq + "&credential-fields=" + cf(`{"fields":[],"fields":{}}`)), want: webhookverify.ErrMalformedRequest},
		{name: "credential-fields empty", req: get(rq + "&credential-fields="), want: webhookverify.ErrMalformedRequest},
		{name: "v1 and v2 together", req: get(rq + "&payment-id=pm2:1&member-id=m:1"), want: webhookverify.ErrMalformedRequest},
		{name: "v2 without member-id", req: get("payment-id=pm2:1&state=s"), want: webhookverify.ErrMalformedRequest},
		{name: "v2 bad payment-id", req: get("payment-id=pm:1&member-id=m:1"), want: webhookverify.ErrMalformedRequest},
		{name: "GET with a body", req: httptest.NewRequest(http.MethodGet, "/cb?"+rq, strings.NewReader("x")), body: "x", want: webhookverify.ErrMalformedRequest},
		{name: "POST with ids in the query too", req: must(post(rq, docRedirectJSON)), body: docRedirectJSON, want: webhookverify.ErrMalformedRequest},
		{name: "POST with ids only in the query", req: must(post(rq, "")), body: "", want: webhookverify.ErrMalformedRequest},
		{name: "POST empty body", req: must(post("", "")), body: "", want: webhookverify.ErrMalformedBody},
		{name: "POST form body", req: must(post("", rq)), body: rq, want: webhookverify.ErrMalformedBody},
		{name: "POST JSON array", req: must(post("", "["+docRedirectJSON+"]")), body: "[" + docRedirectJSON + "]", want: webhookverify.ErrMalformedBody},
		{name: "POST duplicate key", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","request-id":"rq:x:y"}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","request-id":"rq:x:y"}`, want: webhookverify.ErrDuplicateKey},
		{name: "POST id as a number", req: must(post("", `{"request-id":1,"request_id":1}`)), body: `{"request-id":1,"request_id":1}`, want: webhookverify.ErrMalformedRequest},
		{name: "POST null message", req: must(post("", `{"request-id":"rq:a:b","request_id":"rq:a:b","message":null}`)),
			body: `{"request-id":"rq:a:b","request_id":"rq:a:b","message":null}`, want: webhookverify.ErrMalformedRequest},
		{name: "POST invalid UTF-8", req: must(post("", "{\"request-id\":\"rq:a:b\",\"request_id\":\"rq:a:b\",\"message\":\"\xff\"}")),
			body: "{\"request-id\":\"rq:a:b\",\"request_id\":\"rq:a:b\",\"message\":\"\xff\"}", want: webhookverify.ErrMalformedBody},
		// The JSON example in the documentation lacks a comma; it is not JSON.
		{name: "documented error JSON as printed", req: must(post("", strings.Replace(docErrorJSON, `5zKtXEAq", "trace-id"`, `5zKtXEAq" "trace-id"`, 1))),
			body: strings.Replace(docErrorJSON, `5zKtXEAq", "trace-id"`, `5zKtXEAq" "trace-id"`, 1), want: webhookverify.ErrMalformedBody},
	}
	v := provisioned(t, &TokenIO{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := v.Verify(tc.req, []byte(tc.body), time.Now())
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify error = %v, want %v", err, tc.want)
				}
				if strings.Contains(err.Error(), "rq:a") || strings.Contains(err.Error(), "Bank") {
					t.Fatalf("error %q contains request data", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ev != tc.ev {
				t.Errorf("Event = %+v\nwant %+v", ev, tc.ev)
			}
		})
	}
}

func must(r *http.Request, _ string) *http.Request { return r }

func TestGRPCCodeName(t *testing.T) {
	for n, want := range map[int]string{-1: "", 0: "OK", 5: "NOT_FOUND", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED", 17: ""} {
		if got := GRPCCodeName(n); got != want {
			t.Errorf("GRPCCodeName(%d) = %q, want %q", n, got, want)
		}
	}
}

// Redirect callbacks carry no credential: the handler must not forward
// them as verified.
func TestCoversRedirectIsUnsigned(t *testing.T) {
	if c := provisioned(t, &TokenIO{}).Covers(); c != (webhookverify.Coverage{Unsigned: true}) {
		t.Errorf("redirect Covers() = %+v, want Unsigned only", c)
	}
}
