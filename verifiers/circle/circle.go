// Package circle verifies Circle's v2 webhook notifications (Wallets,
// Contracts, Gateway, Digital Asset Accounts, CPN, StableFX): an ECDSA
// P-256 / SHA-256 signature of the raw body, by a key that the request
// names by id and that is fetched, with the account's API key, from
// Circle's API (or pinned in the config).
package circle

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/tidwall/gjson"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource"
)

func init() {
	caddy.RegisterModule(Circle{})
}

// The headers Circle sends (developers.circle.com, "Verify webhook
// signatures").
const (
	// HeaderSignature is the base64 ASN.1 DER ECDSA signature of the body.
	HeaderSignature = "X-Circle-Signature"
	// HeaderKeyID is the UUID of the public key that signed.
	HeaderKeyID = "X-Circle-Key-Id"
)

// Algorithm is the only algorithm a fetched key may be for.
const Algorithm = "ECDSA_SHA_256"

// DefaultAPIHost is the API host keys are fetched from by default.
const DefaultAPIHost = "api.circle.com"

// APIHosts are the hosts api_host may name: Circle's API, live and
// sandbox, and Gateway's, mainnet and testnet (the servers of Circle's
// OpenAPI documents for the public key endpoints).
var APIHosts = []string{"api.circle.com", "api-sandbox.circle.com", "gateway-api.circle.com", "gateway-api-testnet.circle.com"}

// Endpoints maps the endpoint setting to the path of the public key
// endpoint, the key id appended: notifications for Wallets, Contracts,
// Gateway and Digital Asset Accounts, cpn for the Circle Payments Network,
// stablefx for StableFX.
var Endpoints = map[string]string{
	"notifications": "/v2/notifications/publicKey/",
	"cpn":           "/v2/cpn/notifications/publicKey/",
	"stablefx":      "/v2/stablefx/notifications/publicKey/",
}

// DefaultEndpoint is the endpoint used when none is configured.
const DefaultEndpoint = "notifications"

// maxSignatureText bounds the signature header: a DER P-256 signature is
// at most 72 bytes, 96 base64 characters.
const maxSignatureText = 256

// Circle verifies Circle's v2 webhook notifications.
//
// A notification is a POST carrying X-Circle-Key-Id (the UUID of Circle's
// signing key) and X-Circle-Signature (the base64 ASN.1 DER ECDSA P-256
// signature of the SHA-256 of the raw body). The key is pinned in the
// config (PublicKeys) or fetched, once, from GET https://<api host>
// /v2/[cpn/|stablefx/]notifications/publicKey/<key id> with the
// account's API key as a bearer token, and kept for good: Circle says a
// key id's key never changes. An id Circle does not know is remembered
// for a minute. The key id is checked to be a UUID before anything is
// fetched; the key must be for ECDSA_SHA_256 on P-256.
//
// Circle validates a subscription's URL with a HEAD request, which is not
// signed: it is answered 200 at the edge, with no body, and not forwarded
// (see UnsignedChallenge).
//
// The whole body is signed; Circle signs no time, so a captured
// notification can be replayed: use dedup (the event id is
// notificationId, which Circle keeps across retries).
//
// Event mapping, from the body: id = notificationId; type =
// com.circle.<notificationType lowercased> (e.g. com.circle.webhooks.test,
// com.circle.transactions.inbound); time = timestamp. For Wallets'
// transaction notifications (notificationType transactions.*): status
// from notification.state (COMPLETE → succeeded; FAILED, CANCELED,
// CANCELLED, DENIED → failed; INITIATED, QUEUED, SENT, CONFIRMED → pending:
// CONFIRMED is still awaiting its confirmations; anything else → unknown),
// amount = notification.amounts[0] when it is the only one (Circle gives a
// token id, not a currency, so currency stays empty) and reference =
// notification.refId. For any notification whose notification.amount is
// an {"amount", "currency"} object, amount and currency are read from it.
type Circle struct {
	// APIKey is the Circle API key that fetches the public keys (keys are
	// per account). A secret: use a placeholder, {env.CIRCLE_API_KEY} or
	// {file./path}. Required unless every key Circle signs with is pinned
	// in PublicKeys; without it, a key id not pinned is an unknown key.
	APIKey string `json:"api_key,omitempty"`

	// APIHost is the host the keys are fetched from: api.circle.com
	// (default), api-sandbox.circle.com, gateway-api.circle.com or
	// gateway-api-testnet.circle.com. No other host is accepted.
	APIHost string `json:"api_host,omitempty"`

	// Endpoint chooses the product's public key endpoint: notifications
	// (default: Wallets, Contracts, Gateway, Digital Asset Accounts), cpn
	// or stablefx.
	Endpoint string `json:"endpoint,omitempty"`

	// PublicKeys pins keys offline, by key id (a UUID): the base64 of the
	// DER key (Circle's publicKey field), a PEM block, or a placeholder
	// such as {file./etc/circle-key.pem}. A pinned id is never fetched.
	PublicKeys map[string]string `json:"public_keys,omitempty"`

	// PrivateKey signs, for tests and `caddy webhook sign` only: an ECDSA
	// P-256 key (a placeholder such as {file./path/key.pem}). It signs as
	// SigningKeyID, which must be pinned with its public key or served by
	// a test key server to verify.
	PrivateKey string `json:"private_key,omitempty"`

	// SigningKeyID is the key id (a UUID) that PrivateKey signs as.
	// Required with PrivateKey.
	SigningKeyID string `json:"signing_key_id,omitempty"`

	keys   *keysource.Source // nil without an API key
	pinned map[string]*webhookverify.PublicKeys
	apiKey string // resolved
	prefix string // https://<host><endpoint path>
	signer *webhookverify.PublicKeys
	signID string
}

// CaddyModule returns the Caddy module information.
func (Circle) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.circle",
		New: func() caddy.Module { return new(Circle) },
	}
}

// Provision checks the configuration, reads the pinned keys and, with an
// API key, takes the account's key cache (kept across reloads). It
// fetches nothing.
func (v *Circle) Provision(ctx caddy.Context) error {
	if v.APIHost == "" {
		v.APIHost = DefaultAPIHost
	}
	if !knownHost(v.APIHost) {
		return fmt.Errorf("circle: api_host %q: use one of %s", v.APIHost, strings.Join(APIHosts, ", "))
	}
	if v.Endpoint == "" {
		v.Endpoint = DefaultEndpoint
	}
	path, ok := Endpoints[v.Endpoint]
	if !ok {
		return fmt.Errorf("circle: endpoint %q: use notifications, cpn or stablefx", v.Endpoint)
	}
	v.prefix = "https://" + v.APIHost + path

	v.pinned = make(map[string]*webhookverify.PublicKeys, len(v.PublicKeys))
	pubs := make(map[string]crypto.PublicKey, len(v.PublicKeys))
	for rawID, raw := range v.PublicKeys {
		id, ok := keyID(rawID)
		if !ok {
			return fmt.Errorf("circle: public_key %q: the key id must be a UUID, as in X-Circle-Key-Id", rawID)
		}
		if _, dup := pubs[id]; dup {
			return fmt.Errorf("circle: public_key %s is pinned twice", id)
		}
		var err error
		if pubs[id], err = webhookverify.LoadPublicKey(raw, webhookverify.KeyECDSA); err != nil {
			return fmt.Errorf("circle: public_key %s: %w", id, err)
		}
		if v.pinned[id], err = webhookverify.NewPublicKeys(webhookverify.KeyECDSA, webhookverify.SHA256, []crypto.PublicKey{pubs[id]}, nil); err != nil {
			return fmt.Errorf("circle: public_key %s: %w", id, err)
		}
	}

	if err := v.provisionSigner(pubs); err != nil {
		return err
	}

	if v.APIKey == "" {
		if len(v.pinned) == 0 {
			return fmt.Errorf("circle: api_key is required to fetch Circle's keys: add 'api_key {env.CIRCLE_API_KEY}' (or pin every key with 'public_key <key id> <key>')")
		}
		return nil // pinned keys only
	}
	vals, err := webhookverify.Secrets{v.APIKey}.Resolve()
	if err != nil {
		return fmt.Errorf("circle: api_key: %w", err)
	}
	v.apiKey = strings.TrimSpace(string(vals[0]))
	if strings.ContainsFunc(v.apiKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("circle: api_key holds spaces or control characters: give the key alone (PREFIX:ID:SECRET)")
	}
	sum := sha256.Sum256([]byte(v.apiKey))
	v.keys, err = keysource.Acquire(ctx, keysource.Config{
		Provider: "circle", Hosts: []string{v.APIHost}, TTL: 0, MaxEntries: 100,
	}, "circle|"+v.APIHost+path+hex.EncodeToString(sum[:]))
	return err
}

// provisionSigner reads PrivateKey and SigningKeyID. When the id is
// pinned, the private key must be the pinned key's.
func (v *Circle) provisionSigner(pinned map[string]crypto.PublicKey) error {
	if v.PrivateKey == "" {
		if v.SigningKeyID != "" {
			return fmt.Errorf("circle: signing_key_id signs only with private_key (a test key)")
		}
		return nil
	}
	id, ok := keyID(v.SigningKeyID)
	if !ok {
		return fmt.Errorf("circle: private_key needs 'signing_key_id <UUID>', the key id it signs as")
	}
	priv, err := webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyECDSA)
	if err != nil {
		return fmt.Errorf("circle: private_key: %w", err)
	}
	pub := priv.Public()
	if p, ok := pinned[id]; ok {
		pub = p // NewPublicKeys refuses a private key that is not its pair
	}
	if v.signer, err = webhookverify.NewPublicKeys(webhookverify.KeyECDSA, webhookverify.SHA256, []crypto.PublicKey{pub}, priv); err != nil {
		return fmt.Errorf("circle: private_key (signing as %s): %w", id, err)
	}
	v.signID = id
	return nil
}

// Cleanup releases the key cache.
func (v *Circle) Cleanup() error {
	if v.keys == nil {
		return nil
	}
	return v.keys.Release()
}

func knownHost(host string) bool {
	for _, h := range APIHosts {
		if host == h {
			return true
		}
	}
	return false
}

// keyID returns a key id in canonical (lower-case) form, and whether it is
// a UUID: 8-4-4-4-12 hex digits. Only then may it go into a URL path.
func keyID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

// Verify checks the signature of the body by the key the request names.
func (v *Circle) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "Circle"); err != nil {
		return webhookverify.Event{}, err
	}
	sigText, err := webhookverify.SignatureHeader(r, HeaderSignature)
	if err != nil {
		return webhookverify.Event{}, err
	}
	idText, err := webhookverify.OneHeader(r, HeaderKeyID)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if idText == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s is missing", webhookverify.ErrMalformedSignature, HeaderKeyID)
	}
	id, ok := keyID(idText)
	if !ok {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not a UUID", webhookverify.ErrMalformedSignature, HeaderKeyID)
	}
	if len(sigText) > maxSignatureText {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is too long for an ECDSA P-256 signature", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	sig, err := webhookverify.Base64.Decode(sigText)
	if err != nil || len(sig) == 0 {
		return webhookverify.Event{}, fmt.Errorf("%w: %s is not base64", webhookverify.ErrMalformedSignature, HeaderSignature)
	}
	keys, err := v.key(r.Context(), id)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if !keys.Match([][]byte{sig}, body) {
		return webhookverify.Event{}, webhookverify.ErrInvalidSignature
	}
	return event(body), nil
}

// key returns the key of id: pinned, or fetched (once, then kept) from
// Circle's API.
func (v *Circle) key(ctx context.Context, id string) (*webhookverify.PublicKeys, error) {
	if k, ok := v.pinned[id]; ok {
		return k, nil
	}
	if v.keys == nil {
		return nil, fmt.Errorf("%w: key %s is not pinned, and without api_key no key is fetched", webhookverify.ErrUnknownKey, id)
	}
	val, err := v.keys.Get(ctx, id, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		b, err := c.Get(ctx, v.prefix+id, http.Header{
			"Authorization": {"Bearer " + v.apiKey},
			"Accept":        {"application/json"},
		})
		if err != nil {
			return nil, 0, err
		}
		k, err := parseKeyResponse(b, id)
		return k, 0, err
	})
	if err != nil {
		return nil, keysource.Failure(err)
	}
	return val.(*webhookverify.PublicKeys), nil
}

// parseKeyResponse reads Circle's answer for key id:
// {"data":{"id","algorithm","publicKey","createDate"}}. A key that is not
// Circle's kind is not found (unknown_key); an answer that is not of this
// shape is an unavailable key source.
func parseKeyResponse(b []byte, id string) (*webhookverify.PublicKeys, error) {
	var resp struct {
		Data struct {
			ID        string `json:"id"`
			Algorithm string `json:"algorithm"`
			PublicKey string `json:"publicKey"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil || resp.Data.PublicKey == "" {
		return nil, fmt.Errorf("circle: the public key response is not {\"data\":{…,\"publicKey\":…}}")
	}
	d := resp.Data
	if got, ok := keyID(d.ID); d.ID != "" && (!ok || got != id) {
		return nil, fmt.Errorf("%w: Circle answered for another key id", keysource.ErrNotFound)
	}
	if d.Algorithm != Algorithm {
		return nil, fmt.Errorf("%w: key %s is for algorithm %.40q, not %s", keysource.ErrNotFound, id, d.Algorithm, Algorithm)
	}
	pub, err := webhookverify.ParsePublicKey(d.PublicKey, webhookverify.KeyECDSA)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", keysource.ErrNotFound, id, err)
	}
	k, err := webhookverify.NewPublicKeys(webhookverify.KeyECDSA, webhookverify.SHA256, []crypto.PublicKey{pub}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", keysource.ErrNotFound, id, err)
	}
	return k, nil
}

// event reads the facts of a verified notification (see Circle).
func event(body []byte) webhookverify.Event {
	ev := webhookverify.Event{Type: "com.circle.notification"}
	if !gjson.ValidBytes(body) {
		return ev
	}
	doc := gjson.ParseBytes(body)
	ev.ID = webhookverify.Scalar(doc.Get("notificationId"))
	typ := webhookverify.Scalar(doc.Get("notificationType"))
	if webhookverify.IsTypeToken(typ) {
		ev.Type = "com.circle." + strings.ToLower(typ)
	}
	ev.Time = webhookverify.ParseEventTime(webhookverify.Scalar(doc.Get("timestamp")))
	n := doc.Get("notification")
	if amount := n.Get("amount"); amount.IsObject() {
		ev.Amount = webhookverify.Scalar(amount.Get("amount"))
		ev.Currency = webhookverify.Scalar(amount.Get("currency"))
	}
	if strings.HasPrefix(typ, "transactions.") {
		ev.Status = status(webhookverify.Scalar(n.Get("state")))
		if amounts := n.Get("amounts").Array(); len(amounts) == 1 {
			ev.Amount = webhookverify.Scalar(amounts[0])
		}
		ev.Reference = webhookverify.Scalar(n.Get("refId"))
	}
	return ev
}

// status maps the state of a Wallets transaction to a canonical status.
// CONFIRMED is pending: the transaction is onchain but still awaiting the
// required confirmations (COMPLETE is final).
func status(state string) webhookverify.PaymentStatus {
	switch state {
	case "":
		return ""
	case "COMPLETE":
		return webhookverify.StatusSucceeded
	case "FAILED", "CANCELED", "CANCELLED", "DENIED":
		return webhookverify.StatusFailed
	case "INITIATED", "QUEUED", "SENT", "CONFIRMED":
		return webhookverify.StatusPending
	}
	return webhookverify.StatusUnknown
}

// UnsignedChallenge implements webhookverify.UnsignedChallenger: Circle
// validates a subscription's URL with a HEAD request, unsigned and
// without a body, when the subscription is created or updated. It is
// answered 200 with nothing, which tells no one anything but that the
// endpoint exists. Any other request is verified.
func (v *Circle) UnsignedChallenge(r *http.Request, body []byte) *webhookverify.ChallengeResponse {
	if r.Method != http.MethodHead || len(body) != 0 {
		return nil
	}
	return &webhookverify.ChallengeResponse{}
}

// Sign signs the body as Circle would, with private_key, naming
// signing_key_id.
func (v *Circle) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if v.signer == nil {
		return nil, fmt.Errorf("circle: signing needs 'private_key {file./path/test-key.pem}' and 'signing_key_id <UUID>' (Circle keeps its own key)")
	}
	sig, err := v.signer.Sign(body)
	if err != nil {
		return nil, err
	}
	r.Header.Set(HeaderSignature, webhookverify.Base64.Encode(sig))
	r.Header.Set(HeaderKeyID, v.signID)
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify circle {
//	    api_key <key>                 # {env.CIRCLE_API_KEY}; required unless every key is pinned
//	    api_host <host>               # api.circle.com (default), api-sandbox.circle.com,
//	                                  #   gateway-api.circle.com, gateway-api-testnet.circle.com
//	    endpoint <product>            # notifications (default), cpn or stablefx
//	    public_key <key id> <key>     # repeatable: pin a key (base64 DER or PEM); never fetched
//	    private_key <key>             # only to sign (tests, caddy webhook sign),
//	    signing_key_id <key id>       #   as this key id
//	}
func (v *Circle) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "api_key":
			if err := webhookverify.StringArg(d, &v.APIKey); err != nil {
				return err
			}
			if strings.TrimSpace(v.APIKey) == "" {
				return d.Errf("api_key is empty: give your Circle API key, e.g. api_key {env.CIRCLE_API_KEY}")
			}
		case "api_host":
			if err := webhookverify.StringArg(d, &v.APIHost); err != nil {
				return err
			}
			if !knownHost(v.APIHost) {
				return d.Errf("api_host %q: use one of %s", v.APIHost, strings.Join(APIHosts, ", "))
			}
		case "endpoint":
			if err := webhookverify.StringArg(d, &v.Endpoint); err != nil {
				return err
			}
			if _, ok := Endpoints[v.Endpoint]; !ok {
				return d.Errf("endpoint %q: use notifications (Wallets, Contracts, Gateway, Digital Asset Accounts), cpn or stablefx", v.Endpoint)
			}
		case "public_key":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("public_key takes a key id and a key: public_key <UUID from X-Circle-Key-Id> <base64 DER key, PEM or {file./path}>")
			}
			id, ok := keyID(args[0])
			if !ok {
				return d.Errf("public_key %q: the key id must be a UUID, as in X-Circle-Key-Id", args[0])
			}
			if v.PublicKeys == nil {
				v.PublicKeys = map[string]string{}
			}
			if _, dup := v.PublicKeys[id]; dup {
				return d.Errf("public_key %s is given twice", id)
			}
			v.PublicKeys[id] = args[1]
		case "private_key":
			if err := generic.PrivateKeyArg(d, &v.PrivateKey); err != nil {
				return err
			}
		case "signing_key_id":
			if err := webhookverify.StringArg(d, &v.SigningKeyID); err != nil {
				return err
			}
			if _, ok := keyID(v.SigningKeyID); !ok {
				return d.Errf("signing_key_id %q: a key id is a UUID", v.SigningKeyID)
			}
		case "secret":
			return d.Errf("circle takes no secret: Circle signs with its own key; give 'api_key {env.CIRCLE_API_KEY}' to fetch it, or pin it with 'public_key <key id> <key>'")
		default:
			return d.Errf("unrecognized subdirective %q for provider circle: use api_key, api_host, endpoint, public_key, private_key or signing_key_id", d.Val())
		}
	}
	if v.APIKey == "" && len(v.PublicKeys) == 0 {
		return d.Errf("circle needs your API key to fetch Circle's signing keys: add 'api_key {env.CIRCLE_API_KEY}' (or pin every key with 'public_key <key id> <key>')")
	}
	if (v.PrivateKey == "") != (v.SigningKeyID == "") {
		return d.Errf("private_key and signing_key_id go together: a test key and the key id it signs as")
	}
	return nil
}

// CredentialHeaders implements webhookverify.CredentialHeaderer.
func (v *Circle) CredentialHeaders() []string {
	return []string{HeaderSignature, HeaderKeyID}
}

// Covers implements webhookverify.Coverer: the whole body is signed, and
// the event id is read from it. No time is signed.
func (v *Circle) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*Circle)(nil)
	_ webhookverify.Signer             = (*Circle)(nil)
	_ webhookverify.Coverer            = (*Circle)(nil)
	_ webhookverify.CredentialHeaderer = (*Circle)(nil)
	_ webhookverify.UnsignedChallenger = (*Circle)(nil)
	_ caddy.Provisioner                = (*Circle)(nil)
	_ caddy.CleanerUpper               = (*Circle)(nil)
	_ caddyfile.Unmarshaler            = (*Circle)(nil)
)
