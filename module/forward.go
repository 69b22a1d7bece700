package webhookverify

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// forwardSigner signs what the handler forwards as verified, with
// Standard Webhooks headers, so that the application verifies one scheme,
// with an off-the-shelf library, whatever the provider:
//
//	webhook-id:        the event's id (ce-id)
//	webhook-timestamp: the time of forwarding, Unix seconds
//	webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one
//	                   per configured secret, space-separated
//
// over exactly the body the upstream receives.
type forwardSigner struct {
	keys *HMACKeys
	n    int // how many keys: one signature each
}

// newForwardSigner resolves the whsec_ secrets of forward_signature.
func newForwardSigner(secrets Secrets) (*forwardSigner, error) {
	raw, err := secrets.Resolve()
	if err != nil {
		return nil, fmt.Errorf("forward_signature: %w", err)
	}
	keys := make([][]byte, len(raw))
	for i, s := range raw {
		b64, ok := strings.CutPrefix(strings.TrimSpace(string(s)), "whsec_")
		k, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || len(k) == 0 {
			return nil, fmt.Errorf("forward_signature: secret #%d is not a whsec_ key: give whsec_ and the base64 of 24 to 64 random bytes, e.g. whsec_$(head -c 32 /dev/urandom | base64)", i+1)
		}
		keys[i] = k
	}
	return &forwardSigner{keys: NewHMACKeys(sha256.New, keys), n: len(keys)}, nil
}

// sign sets the Standard Webhooks headers of r for body.
func (f *forwardSigner) sign(h http.Header, id string, now time.Time, body []byte) {
	ts := strconv.FormatInt(now.Unix(), 10)
	var sig strings.Builder
	for i := range f.n {
		if i > 0 {
			sig.WriteByte(' ')
		}
		sig.WriteString("v1,")
		sig.WriteString(base64.StdEncoding.EncodeToString(f.keys.SignWith(i, []byte(id), []byte{'.'}, []byte(ts), []byte{'.'}, body)))
	}
	h["Webhook-Id"] = []string{id}
	h["Webhook-Timestamp"] = []string{ts}
	h["Webhook-Signature"] = []string{sig.String()}
}

// forwardID is the id the upstream sees: the provider's, else the
// digest of the body (ce-id's rule).
func forwardID(ev Event, digest *bodyDigest) string {
	if ev.ID != "" {
		return ev.ID
	}
	return hex.EncodeToString(digest.get()[:])
}
