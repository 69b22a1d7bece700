package webhookverify

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Verifier checks that a request is a genuine webhook or callback from one
// provider. Verifiers are Caddy modules in the namespace
// http.webhook_verify.verifiers; a provider can be added from any Go module
// by registering one there.
//
// Verify receives the request, its raw body (already read and size-limited;
// it must not be modified or kept after Verify returns) and the current time.
// It returns the payment facts covered by the provider's credential, or an
// error. Errors should wrap one of this package's sentinel errors (see
// ErrInvalidSignature and its siblings) so that the handler answers with the
// right status code and reason; any other error is treated as an invalid
// signature. An error must never contain a secret or an expected signature.
type Verifier interface {
	Verify(r *http.Request, body []byte, now time.Time) (Event, error)
}

// Signer is implemented by verifiers that can produce what the provider
// would send: it is what `caddy webhook sign` and the tests use, and it signs
// with the first configured secret. Sign adds the credential to r (headers or
// query) and returns the body to send, which differs from body only for
// providers that embed the signature in the body.
type Signer interface {
	Sign(r *http.Request, body []byte, now time.Time) ([]byte, error)
}

// Coverage says what a verifier's credential covers. Replay protection keys
// a webhook only on covered material: otherwise a captured webhook could be
// replayed with a changed id and walk past it.
type Coverage struct {
	// EventID: Event.ID is covered by the credential (a signed header, or
	// a field of a signed body), so it may key the webhook.
	EventID bool

	// Body: every byte of the body is covered, so a digest of the body, or
	// a field of it, may key the webhook.
	Body bool

	// Tolerance is how long a signed timestamp stays acceptable; zero when
	// no time is signed. The dedup window must be at least as long.
	Tolerance time.Duration

	// Unsigned: the request carries no credential at all (Token.io's
	// browser redirects): the verifier checks only its shape, so anyone
	// can send one that passes. The handler forwards such a request with
	// Webhook-Verified: unsigned and {http.webhook.verified} "unsigned",
	// never "true", and does not sign it with forward_signature: the
	// gateway cannot vouch for who sent it. A shared token or an allowed
	// source address is a credential: this is false for them.
	Unsigned bool
}

// Coverer is implemented by verifiers whose credential covers anything of
// the request, or that check no credential (Coverage.Unsigned). A verifier
// that does not implement it is taken to cover nothing: a shared token,
// which anyone who holds it can send with any body.
type Coverer interface {
	Covers() Coverage
}

// SourceIPDefaulter is implemented by verifiers of providers that sign
// nothing and publish the addresses they send from, so that where a
// request comes from is part of its check. When allow_ips is not set, the
// handler enforces DefaultAllowIPs instead of allowing any address;
// allow_ips, when set, replaces them (allow_ips 0.0.0.0/0 ::/0 allows any
// address).
type SourceIPDefaulter interface {
	DefaultAllowIPs() []string
}

// Event holds what a verifier learned about a verified webhook, in the same
// shape for every provider. Verifiers fill only values the provider's
// credential covers and leave the rest empty; nothing is invented.
type Event struct {
	// ID is the provider's own event or transaction-update id. When empty,
	// the envelope uses a digest of the provider name and the raw body, so a
	// retried delivery keeps its id.
	ID string

	// Type is the event type, documented per provider, for example
	// "com.numipay.transaction.withdrawal".
	Type string

	// Time is when the provider says the event happened. Zero means the time
	// of receipt.
	Time time.Time

	// Subject is the merchant's reference for the payment, when there is one.
	Subject string

	// Status is one of the PaymentStatus values, mapped from the provider's
	// own status. Empty when the webhook carries no payment status.
	Status PaymentStatus

	// Amount is the provider's decimal amount string, unchanged.
	Amount string

	// Currency is the currency code as the provider sent it.
	Currency string

	// Reference is the payment reference (usually the merchant's order id).
	Reference string

	// BodyMAC, when set, is the MAC of exactly the body (with at most
	// constant text around it) under the first configured secret: when the
	// provider signed with that secret, the signature that passed. It is a
	// digest of the body that costs nothing more, so the handler derives
	// the envelope's id and the dedup key from it instead of digesting the
	// body once more. Leave it empty unless the credential is such a MAC
	// (not when a timestamp or a header is signed with the body: a retry
	// signed anew would get another id). Never forwarded or logged.
	BodyMAC string
}

// ChallengeResponse is the handler's answer to a provider's challenge: a
// request by which the provider checks that the endpoint is the one it was
// given, before it delivers webhooks there. The handler writes it and does
// not forward the request.
type ChallengeResponse struct {
	// Status is the status code. Zero means 200.
	Status int

	// ContentType is the Content-Type of Body, e.g. "text/plain".
	ContentType string

	// Header holds any further response headers, e.g.
	// X-Content-Type-Options: nosniff.
	Header http.Header

	// Body is the response body, written as is.
	Body []byte
}

// Challenger is implemented by verifiers of providers whose challenge is
// signed like their webhooks (Zoom's endpoint.url_validation, Twitch
// EventSub's webhook_callback_verification). The handler calls Challenge
// only after the request verified, with the verifier's event and the time
// it verified at: a forged challenge is rejected like any forged webhook
// and never answered (an answer may be a MAC under the secret, which must
// not be handed to anyone who asks).
//
// Challenge returns nil and no error when the request is no challenge (it
// is then forwarded as usual), the answer when it is one, or an error
// (wrapping a sentinel such as ErrMalformedRequest) when it is a challenge
// that cannot be answered; the handler then rejects it.
type Challenger interface {
	Challenge(r *http.Request, body []byte, ev Event, now time.Time) (*ChallengeResponse, error)
}

// UnsignedChallenger is implemented by verifiers of providers whose
// challenge is not signed (Dropbox's GET ?challenge=…). The handler calls
// UnsignedChallenge after the allow_ips check and before verification,
// with the body (already read and size-limited). It must answer only a
// request of the challenge's exact shape (method, a bounded value of a
// safe character set, no body) and return nil for anything else, which
// is then verified as usual. Since anyone may send it, the answer must
// reveal nothing the request did not carry.
type UnsignedChallenger interface {
	UnsignedChallenge(r *http.Request, body []byte) *ChallengeResponse
}

// CredentialHeaderer is implemented by verifiers whose credential is
// carried in request headers and signs the body: the signature, and any
// signed timestamp or nonce sent beside it. CredentialHeaders names them.
// In envelope structured the upstream receives a new body (the CloudEvents
// document), which they do not sign: the handler removes them from a
// verified request before it forwards it, so that the application is not
// tempted to check them against the wrong bytes (forward_signature signs
// the new body). In binary mode the body is unchanged and they are kept.
type CredentialHeaderer interface {
	CredentialHeaders() []string
}

// CredentialRemover is implemented by verifiers of providers whose
// credential is a shared token sent as is (see TokenSource): whoever
// holds it can send any webhook, so it must not travel further than the
// edge. After a request verified, in enforce mode, the handler calls
// RemoveCredential before it forwards the request; it removes the header
// or query parameter the token was read from (and only that one). In
// shadow mode (enforce off) the request is forwarded with its credential,
// since the application behind is then expected to check it itself.
type CredentialRemover interface {
	RemoveCredential(r *http.Request)
}

// OneHeader returns the one value of a credential header, trimmed, or ""
// when it is absent. A repeated one is a malformed signature: one copy
// would be checked and both forwarded.
func OneHeader(r *http.Request, name string) (string, error) {
	vals := r.Header.Values(name)
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vals[0]), nil
	}
	return "", fmt.Errorf("%w: header %s is repeated", ErrMalformedSignature, name)
}

// SignatureHeader is OneHeader for the signature itself: absent or blank
// is a missing signature.
func SignatureHeader(r *http.Request, name string) (string, error) {
	v, err := OneHeader(r, name)
	if err == nil && v == "" {
		err = fmt.Errorf("%w: header %s", ErrMissingSignature, name)
	}
	return v, err
}
