// Package payu verifies PayU (EMEA, REST API "OpenPayU") notifications: the
// OpenPayU-Signature header's signature is the hex hash (MD5 or SHA-256,
// fixed by the configuration) of the raw body followed by the second key.
package payu

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(PayU{})
}

// The headers that carry the signature, in order of preference.
const (
	HeaderSignature  = "OpenPayu-Signature"
	HeaderXSignature = "X-OpenPayU-Signature"
)

// The event types.
const (
	TypeOrder  = "com.payu.order"
	TypeRefund = "com.payu.refund"
)

// The algorithms, as configured.
const (
	AlgorithmMD5    = "md5"
	AlgorithmSHA1   = "sha1"
	AlgorithmSHA256 = "sha256"
)

// PayU verifies PayU notifications.
//
// OpenPayU-Signature (or X-OpenPayU-Signature) is
// "sender=…;signature=<hex>;algorithm=<MD5|SHA-256|…>;content=DOCUMENT";
// signature is the hex hash of the raw body followed directly by the POS's
// second key (MD5), a plain hash, not an HMAC. The configuration fixes the
// algorithm: the header's algorithm must name the configured one (MD5;
// SHA-256, SHA256 or SHA for sha256; SHA1 or SHA-1 for sha1), otherwise the
// request is refused (401 malformed_signature). Hex of either case is
// accepted; the digests are compared in constant time.
//
// The whole body is signed; PayU signs no time, so a captured notification
// can be replayed: deduplicate on the event id. PayU only POSTs: other
// methods get 405.
//
// Event mapping, order notification ({"order":{…}}): id
// "<orderId>:<status>"; type com.payu.order; subject and reference =
// extOrderId; amount = totalAmount (minor units), currency = currencyCode;
// status COMPLETED → succeeded, CANCELED → failed, PENDING and
// WAITING_FOR_CONFIRMATION → pending, other → unknown. Refund notification
// ({"orderId":…,"refund":{…}}): id "<refundId>:<status>"; type
// com.payu.refund; subject and reference = extOrderId; amount and currency
// from refund; status FINALIZED → refunded, CANCELED → failed, PENDING →
// pending.
type PayU struct {
	// Secrets are the POS's second keys (MD5); the first one signs, any
	// one verifies. Use placeholders: {env.NAME} or {file./path}.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// Algorithm is md5 (default), sha256 or sha1: the hash PayU uses for
	// this POS. A notification that names another one is refused.
	Algorithm string `json:"algorithm,omitempty"`

	keys    [][]byte
	newHash func() hash.Hash
}

// CaddyModule returns the Caddy module information.
func (PayU) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.payu",
		New: func() caddy.Module { return new(PayU) },
	}
}

// Provision checks the algorithm and resolves the keys.
func (v *PayU) Provision(caddy.Context) error {
	if v.Algorithm == "" {
		v.Algorithm = AlgorithmMD5
	}
	switch v.Algorithm {
	case AlgorithmMD5:
		v.newHash = md5.New
	case AlgorithmSHA1:
		v.newHash = sha1.New
	case AlgorithmSHA256:
		v.newHash = sha256.New
	default:
		return fmt.Errorf("payu: unknown algorithm %q: use md5, sha256 or sha1", v.Algorithm)
	}
	keys, err := v.Secrets.ResolveRequired("payu")
	if err != nil {
		return err
	}
	v.keys = keys
	return nil
}

// headerAlgorithm maps the header's algorithm name to a configured one.
func headerAlgorithm(s string) string {
	switch strings.ToUpper(s) {
	case "MD5":
		return AlgorithmMD5
	case "SHA-256", "SHA256", "SHA":
		return AlgorithmSHA256
	case "SHA1", "SHA-1":
		return AlgorithmSHA1
	}
	return ""
}

// parseHeader returns the signature and algorithm parts.
func parseHeader(h string) (sig, alg string, err error) {
	var haveSig, haveAlg bool
	for _, part := range strings.Split(strings.TrimRight(h, ";"), ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", "", fmt.Errorf("%w: a signature header part has no '='", webhookverify.ErrMalformedSignature)
		}
		switch strings.TrimSpace(k) {
		case "signature":
			if haveSig {
				return "", "", fmt.Errorf("%w: two signature parts", webhookverify.ErrMalformedSignature)
			}
			sig, haveSig = strings.TrimSpace(val), true
		case "algorithm":
			if haveAlg {
				return "", "", fmt.Errorf("%w: two algorithm parts", webhookverify.ErrMalformedSignature)
			}
			alg, haveAlg = strings.TrimSpace(val), true
		}
	}
	if sig == "" {
		return "", "", fmt.Errorf("%w: no signature part", webhookverify.ErrMissingSignature)
	}
	return sig, alg, nil
}

// digest is H(body ‖ key).
func (v *PayU) digest(body, key []byte) []byte {
	h := v.newHash()
	h.Write(body)
	h.Write(key)
	return h.Sum(nil)
}

// Verify checks the method and the signature, and returns the event.
func (v *PayU) Verify(r *http.Request, body []byte, _ time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "PayU"); err != nil {
		return webhookverify.Event{}, err
	}
	name := HeaderSignature
	h := strings.TrimSpace(r.Header.Get(name))
	if h == "" {
		name = HeaderXSignature
		h = strings.TrimSpace(r.Header.Get(name))
	}
	if h == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, HeaderSignature)
	}
	sigHex, alg, err := parseHeader(h)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("header %s: %w", name, err)
	}
	if alg == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s has no algorithm part", webhookverify.ErrMalformedSignature, name)
	}
	if headerAlgorithm(alg) != v.Algorithm {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s names another algorithm than the configured %s", webhookverify.ErrMalformedSignature, name, v.Algorithm)
	}
	size := v.newHash().Size()
	if len(sigHex) != 2*size {
		return webhookverify.Event{}, fmt.Errorf("%w: the signature must be %d hex digits", webhookverify.ErrMalformedSignature, 2*size)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: the signature is not hex", webhookverify.ErrMalformedSignature)
	}
	ok := 0
	for _, k := range v.keys {
		ok |= subtle.ConstantTimeCompare(v.digest(body, k), sig)
	}
	if ok != 1 {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return event(body), nil
}

// event reads the facts of a verified body.
func event(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: TypeOrder}
	if !webhookverify.IsJSONObject(body) {
		return ev
	}
	doc := gjson.ParseBytes(body)
	if refund := doc.Get("refund"); refund.IsObject() {
		ev.Type = TypeRefund
		id, status := webhookverify.Scalar(refund.Get("refundId")), webhookverify.Scalar(refund.Get("status"))
		if id != "" {
			ev.ID = id + ":" + status
		}
		ev.Subject = webhookverify.Scalar(doc.Get("extOrderId"))
		ev.Reference = ev.Subject
		ev.Amount = webhookverify.Scalar(refund.Get("amount"))
		ev.Currency = webhookverify.Scalar(refund.Get("currencyCode"))
		ev.Status = mapStatus(status, refundStatuses)
		return ev
	}
	order := doc.Get("order")
	if !order.IsObject() {
		return ev
	}
	id, status := webhookverify.Scalar(order.Get("orderId")), webhookverify.Scalar(order.Get("status"))
	if id != "" {
		ev.ID = id + ":" + status
	}
	ev.Subject = webhookverify.Scalar(order.Get("extOrderId"))
	ev.Reference = ev.Subject
	ev.Amount = webhookverify.Scalar(order.Get("totalAmount"))
	ev.Currency = webhookverify.Scalar(order.Get("currencyCode"))
	ev.Status = mapStatus(status, orderStatuses)
	return ev
}

var orderStatuses = map[string]webhookverify.PaymentStatus{
	"COMPLETED":                webhookverify.StatusSucceeded,
	"CANCELED":                 webhookverify.StatusFailed,
	"PENDING":                  webhookverify.StatusPending,
	"WAITING_FOR_CONFIRMATION": webhookverify.StatusPending,
	"NEW":                      webhookverify.StatusPending,
}

var refundStatuses = map[string]webhookverify.PaymentStatus{
	"FINALIZED": webhookverify.StatusRefunded,
	"CANCELED":  webhookverify.StatusFailed,
	"PENDING":   webhookverify.StatusPending,
}

func mapStatus(s string, m map[string]webhookverify.PaymentStatus) webhookverify.PaymentStatus {
	if s == "" {
		return ""
	}
	if p, ok := m[strings.ToUpper(s)]; ok {
		return p
	}
	return webhookverify.StatusUnknown
}

// headerName is the algorithm as PayU writes it.
func (v *PayU) headerName() string {
	switch v.Algorithm {
	case AlgorithmSHA256:
		return "SHA-256"
	case AlgorithmSHA1:
		return "SHA1"
	}
	return "MD5"
}

// Sign sets OpenPayU-Signature as PayU would, with the first key.
func (v *PayU) Sign(r *http.Request, body []byte, _ time.Time) ([]byte, error) {
	r.Header.Set(HeaderSignature, "sender=checkout;signature="+hex.EncodeToString(v.digest(body, v.keys[0]))+";algorithm="+v.headerName()+";content=DOCUMENT")
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify payu {
//	    secret <second key>...          # required, e.g. {env.PAYU_SECOND_KEY}
//	    algorithm md5|sha256|sha1       # default md5
//	}
func (v *PayU) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "algorithm":
			if err := webhookverify.StringArg(d, &v.Algorithm); err != nil {
				return err
			}
			if v.Algorithm != AlgorithmMD5 && v.Algorithm != AlgorithmSHA256 && v.Algorithm != AlgorithmSHA1 {
				return d.Errf("algorithm %q: use md5, sha256 or sha1", v.Algorithm)
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider payu: use secret or algorithm", d.Val())
		}
	}
	if len(v.Secrets) == 0 {
		return d.Errf("payu needs the POS's second key: add 'secret {env.PAYU_SECOND_KEY}'")
	}
	return nil
}

// Covers implements webhookverify.Coverer: the whole body is signed.
func (v *PayU) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the signature, under either name.
func (v *PayU) CredentialHeaders() []string {
	return []string{HeaderSignature, HeaderXSignature}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*PayU)(nil)
	_ webhookverify.CredentialHeaderer = (*PayU)(nil)
	_ webhookverify.Coverer            = (*PayU)(nil)
	_ webhookverify.Signer             = (*PayU)(nil)
	_ caddy.Provisioner                = (*PayU)(nil)
	_ caddyfile.Unmarshaler            = (*PayU)(nil)
)
