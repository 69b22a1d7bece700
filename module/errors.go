package webhookverify

import (
	"errors"
	"fmt"
	"net/http"
)

// Failure is a reason for rejecting a request: an HTTP status and a short,
// stable reason code. The code appears in the {http.webhook.error}
// placeholder, the log and the metrics; it never contains request data.
// Failures are used as sentinel errors: wrap them with fmt.Errorf("%w: …")
// to add detail for the log, and test for them with errors.Is.
type Failure struct {
	Status int
	Code   string
}

// NewFailure returns a Failure. Verifiers outside this package may define
// their own; keep codes few and constant, since they are metric labels.
func NewFailure(status int, code string) *Failure {
	return &Failure{Status: status, Code: code}
}

func (f *Failure) Error() string { return f.Code }

// The reasons a request is rejected.
var (
	// ErrIPNotAllowed: the client IP is not in allow_ips (403).
	ErrIPNotAllowed = NewFailure(http.StatusForbidden, "ip_not_allowed")
	// ErrBodyTooLarge: the body is larger than max_body (413).
	ErrBodyTooLarge = NewFailure(http.StatusRequestEntityTooLarge, "body_too_large")
	// ErrBodyUnreadable: the body could not be read completely (400).
	ErrBodyUnreadable = NewFailure(http.StatusBadRequest, "body_unreadable")
	// ErrMethodNotAllowed: the provider never sends this HTTP method (405).
	ErrMethodNotAllowed = NewFailure(http.StatusMethodNotAllowed, "method_not_allowed")

	// ErrMissingSignature: the signature header or field is absent or empty (401).
	ErrMissingSignature = NewFailure(http.StatusUnauthorized, "missing_signature")
	// ErrMalformedSignature: the signature cannot be decoded (401).
	ErrMalformedSignature = NewFailure(http.StatusUnauthorized, "malformed_signature")
	// ErrInvalidSignature: no configured secret produces the signature (401).
	ErrInvalidSignature = NewFailure(http.StatusUnauthorized, "invalid_signature")
	// ErrMissingToken: the shared token is absent or empty (401).
	ErrMissingToken = NewFailure(http.StatusUnauthorized, "missing_token")
	// ErrInvalidToken: the token matches no configured secret (401).
	ErrInvalidToken = NewFailure(http.StatusUnauthorized, "invalid_token")
	// ErrMissingTimestamp: a signed timestamp is required but absent (401).
	ErrMissingTimestamp = NewFailure(http.StatusUnauthorized, "missing_timestamp")
	// ErrMalformedTimestamp: the timestamp is not in the expected format (401).
	ErrMalformedTimestamp = NewFailure(http.StatusUnauthorized, "malformed_timestamp")
	// ErrTimestampOutOfTolerance: the timestamp is too old or too far in the
	// future (401).
	ErrTimestampOutOfTolerance = NewFailure(http.StatusUnauthorized, "timestamp_out_of_tolerance")

	// ErrMalformedBody: the body is not the provider's shape, for example
	// not JSON when it must be (400).
	ErrMalformedBody = NewFailure(http.StatusBadRequest, "malformed_body")
	// ErrDuplicateKey: the JSON body repeats an object key, which would let a
	// forged value hide behind a signed one (400).
	ErrDuplicateKey = NewFailure(http.StatusBadRequest, "duplicate_json_key")
	// ErrMalformedRequest: the query or headers are not the provider's shape (400).
	ErrMalformedRequest = NewFailure(http.StatusBadRequest, "malformed_request")

	// ErrInFlight: the same webhook is being delivered by another request
	// right now (409, with Retry-After). Only with dedup.
	ErrInFlight = NewFailure(http.StatusConflict, "in_flight")
	// ErrStoreUnavailable: the dedup store could not answer and
	// on_store_error is closed (503, with Retry-After).
	ErrStoreUnavailable = NewFailure(http.StatusServiceUnavailable, "store_unavailable")

	// ErrKeyURLNotAllowed: the request names a key or certificate URL
	// outside the provider's hosts (or not https); nothing is fetched (401).
	ErrKeyURLNotAllowed = NewFailure(http.StatusUnauthorized, "key_url_not_allowed")
	// ErrUnknownKey: the provider's key server has no such key, or what it
	// returned is not the provider's key (401).
	ErrUnknownKey = NewFailure(http.StatusUnauthorized, "unknown_key")
	// ErrKeyUnavailable: the provider's key could not be fetched (network,
	// timeout, an error status): 503 with Retry-After, so the provider
	// retries.
	ErrKeyUnavailable = NewFailure(http.StatusServiceUnavailable, "key_unavailable")
)

// RequirePost fails with ErrMethodNotAllowed unless r is a POST. provider
// names the sender in the message: "<provider> sends POST, got GET".
func RequirePost(r *http.Request, provider string) error {
	if r.Method == http.MethodPost {
		return nil
	}
	return fmt.Errorf("%w: %s sends POST, got %s", ErrMethodNotAllowed, provider, r.Method)
}

// ErrUnknown is the reason reported for a verifier error that wraps no Failure.
var ErrUnknown = NewFailure(http.StatusUnauthorized, "verification_failed")

// FailureOf returns the Failure that err wraps, or ErrUnknown.
func FailureOf(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return ErrUnknown
}
