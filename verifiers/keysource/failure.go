package keysource

import (
	"crypto/x509"
	"errors"
	"fmt"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/internal/override"
)

// Failure turns an error of Get into the handler's reason: a URL refused
// is key_url_not_allowed (401), a key the provider does not have is
// unknown_key (401), anything else key_unavailable (503 with Retry-After,
// so that the provider retries the webhook later).
func Failure(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotAllowed):
		return fmt.Errorf("%w: %v", webhookverify.ErrKeyURLNotAllowed, err)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %v", webhookverify.ErrUnknownKey, err)
	}
	return fmt.Errorf("%w: %v", webhookverify.ErrKeyUnavailable, err)
}

// Roots are the roots a provider's certificate chain is verified against
// (PayPal's): nil, the system's, except under the test override, whose
// CA then stands in for the public ones.
func Roots() *x509.CertPool {
	if t := override.Get(); t != nil {
		return t.Roots
	}
	return nil
}
