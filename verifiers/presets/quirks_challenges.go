package presets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// The challenges of the rows of others.go: requests by which a provider
// checks an endpoint before it delivers webhooks there, answered by the
// handler and never forwarded (see Challenge).

// maxChallenge bounds a challenge value that is echoed back.
const maxChallenge = 256

// zoomChallenge answers Zoom's endpoint.url_validation (signed like any
// event): 200 and {"plainToken": <payload.plainToken>, "encryptedToken":
// <hex HMAC-SHA256 of plainToken keyed with the secret token>} (Zoom's
// docs, "Validate your webhook endpoint"; zoom/webhook-sample index.js).
// The answer is a MAC under the secret: it is given only to a request that
// verified, whose plainToken Zoom itself signed.
var zoomChallenge = &Challenge{
	Text: "`endpoint.url_validation` (signed): answered, once verified, with `{\"plainToken\", \"encryptedToken\"}` " +
		"(hex HMAC-SHA256 of plainToken with the secret token)",
	Signed: func(_ *http.Request, body []byte, key func() []byte) (*webhookverify.ChallengeResponse, error) {
		if ev := gjson.GetBytes(body, "event"); ev.Type != gjson.String || ev.Str != "endpoint.url_validation" {
			return nil, nil
		}
		token := gjson.GetBytes(body, "payload.plainToken")
		if token.Type != gjson.String || token.Str == "" || len(token.Str) > maxChallenge {
			return nil, fmt.Errorf("%w: endpoint.url_validation without a payload.plainToken string of 1 to %d bytes",
				webhookverify.ErrMalformedRequest, maxChallenge)
		}
		m := hmac.New(sha256.New, key())
		m.Write([]byte(token.Str))
		answer, err := json.Marshal(struct {
			PlainToken     string `json:"plainToken"`
			EncryptedToken string `json:"encryptedToken"`
		}{token.Str, hex.EncodeToString(m.Sum(nil))})
		if err != nil {
			return nil, err
		}
		return &webhookverify.ChallengeResponse{ContentType: "application/json", Body: answer}, nil
	},
}

// twitchChallenge answers Twitch EventSub's webhook_callback_verification
// (signed like any message): 200, text/plain, the body's challenge value
// verbatim (Twitch's docs, "Responding to a challenge request").
var twitchChallenge = &Challenge{
	Text: "`webhook_callback_verification` (signed): answered, once verified, with the `challenge` value as text/plain",
	Signed: func(r *http.Request, body []byte, _ func() []byte) (*webhookverify.ChallengeResponse, error) {
		kind := r.Header.Values("Twitch-Eventsub-Message-Type")
		if len(kind) == 0 || kind[0] != "webhook_callback_verification" {
			return nil, nil
		}
		challenge := gjson.GetBytes(body, "challenge")
		switch {
		case len(kind) > 1:
			return nil, fmt.Errorf("%w: Twitch-Eventsub-Message-Type repeated", webhookverify.ErrMalformedRequest)
		case challenge.Type != gjson.String || challenge.Str == "" || len(challenge.Str) > maxChallenge:
			return nil, fmt.Errorf("%w: webhook_callback_verification without a challenge string of 1 to %d bytes",
				webhookverify.ErrMalformedRequest, maxChallenge)
		}
		return textAnswer(challenge.Str), nil
	},
}

// dropboxChallenge answers Dropbox's verification request, which is not
// signed: GET ?challenge=<x>, answered 200 with <x> as text/plain and
// X-Content-Type-Options: nosniff, the headers Dropbox asks for against
// reflected XSS (Dropbox's webhooks reference, "The verification
// request"). Since anyone can send it, only its exact shape is answered:
// GET, no body, one challenge value of 1 to maxChallenge characters of
// A-Z a-z 0-9 - _ . ~ + / =. Anything else is verified as a webhook (and a
// GET refused).
var dropboxChallenge = &Challenge{
	Text: "verification `GET ?challenge=…` (unsigned): answered with the value as text/plain, " +
		"`X-Content-Type-Options: nosniff`, when it is 1 to 256 characters of `A-Za-z0-9-_.~+/=`; webhooks stay POST",
	Unsigned: func(r *http.Request, body []byte) *webhookverify.ChallengeResponse {
		if r.Method != http.MethodGet || len(body) != 0 {
			return nil
		}
		values := r.URL.Query()["challenge"]
		if len(values) != 1 || !safeChallenge(values[0]) {
			return nil
		}
		return textAnswer(values[0])
	},
}

// textAnswer echoes a challenge as text/plain, never sniffed as anything
// else.
func textAnswer(s string) *webhookverify.ChallengeResponse {
	return &webhookverify.ChallengeResponse{
		ContentType: "text/plain",
		Header:      http.Header{"X-Content-Type-Options": {"nosniff"}},
		Body:        []byte(s),
	}
}

// safeChallenge reports whether s is 1 to maxChallenge characters of
// A-Z a-z 0-9 - _ . ~ + / =: nothing markup, a header or a terminal could
// make anything of.
func safeChallenge(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == '~', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

// discordPing answers Discord's PING interaction (type 1, signed like any
// interaction), by which Discord checks an interactions endpoint when it
// is saved and from time to time after: 200, application/json, {"type":1}
// (PONG; Discord's docs, "Receiving an interaction").
var discordPing = &Challenge{
	Text: "PING (`\"type\": 1`, signed): answered, once verified, with PONG `{\"type\":1}`",
	Signed: func(_ *http.Request, body []byte, _ func() []byte) (*webhookverify.ChallengeResponse, error) {
		if typ := gjson.GetBytes(body, "type"); typ.Type != gjson.Number || typ.Raw != "1" {
			return nil, nil
		}
		return &webhookverify.ChallengeResponse{ContentType: "application/json", Body: []byte(`{"type":1}`)}, nil
	},
}
