// Package generic provides the configurable verifiers: hmac, for any
// provider that signs the body with an HMAC, and token, for any provider
// that sends a static shared secret.
package generic

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

func init() {
	caddy.RegisterModule(HMAC{})
}

// maxSignatures bounds how many signatures one header may carry.
const maxSignatures = 16

// HMAC verifies an HMAC signature of the body, optionally bound to a
// timestamp, sent in a header. It covers GitHub-, Shopify-, Slack- and
// Standard-Webhooks-style schemes and most others by configuration. With
// KeyType set, the same template is signed with the provider's private key
// instead and verified with its public keys (Wise, SendGrid, Discord).
type HMAC struct {
	// Secrets are the HMAC keys; the first one signs, any one verifies.
	// Use placeholders: {env.NAME} or {file./path}. Not with KeyType.
	Secrets webhookverify.Secrets `json:"secrets,omitempty"`

	// KeyType, when set, makes the signatures public-key signatures:
	// "ed25519" (of the signed bytes themselves), "ecdsa" (P-256, ASN.1
	// DER signatures of their Algorithm hash) or "rsa" (PKCS #1 v1.5 of
	// their Algorithm hash, keys of 2048 bits or more). PublicKeys then
	// replace Secrets.
	KeyType webhookverify.KeyType `json:"key_type,omitempty"`

	// PublicKeys are the provider's public keys, for KeyType: a PEM block,
	// the base64 of a DER public key or, for Ed25519, 32 bytes in hex or
	// base64; or a placeholder such as {file./etc/provider.pem}. Any one
	// verifies (several allow rotation). Degenerate keys are refused.
	PublicKeys []string `json:"public_keys,omitempty"`

	// PrivateKey signs, with KeyType, for tests and `caddy webhook sign`
	// only: its public key must be one of PublicKeys. Use a placeholder:
	// {env.NAME} or {file./path}.
	PrivateKey string `json:"private_key,omitempty"`

	// Header carries the signature, e.g. "X-Hub-Signature-256". Required.
	// It may hold several signatures separated by spaces or commas; the
	// request passes when any of them is valid.
	Header string `json:"header,omitempty"`

	// Algorithm is the hash: sha1, sha256 (default), sha512 or sha3-512.
	Algorithm webhookverify.Algorithm `json:"algorithm,omitempty"`

	// Encoding of the signature: hex (default), base64 or base64url.
	Encoding webhookverify.Encoding `json:"encoding,omitempty"`

	// Prefix precedes each signature, e.g. "sha256=" or "v1,". When set, a
	// signature without it is malformed, unless PrefixOptional.
	Prefix string `json:"prefix,omitempty"`

	// PrefixOptional accepts each signature with or without Prefix, for a
	// provider that documents the prefix as optional (Mollie's "sha256=").
	// Needs Prefix and the list format.
	PrefixOptional bool `json:"prefix_optional,omitempty"`

	// TimestampHeader names the header with the signing time in Unix
	// seconds. When set, requests without it are rejected and the time
	// must be within Tolerance of now, in both directions.
	TimestampHeader string `json:"timestamp_header,omitempty"`

	// TimestampMillis reads the timestamp as Unix milliseconds. Same as
	// timestamp_format unix_ms.
	TimestampMillis bool `json:"timestamp_millis,omitempty"`

	// TimestampFormat is how the timestamp is written: "unix" (seconds,
	// default), "unix_ms" (milliseconds) or "rfc3339".
	TimestampFormat string `json:"timestamp_format,omitempty"`

	// SignatureFormat is how the header holds the signatures: "list"
	// (default: one or more signatures, each after Prefix, separated by
	// spaces or commas); "kv": key=value parts separated by
	// PartSeparator, the signatures under SignatureKey and, when
	// TimestampKey is set, the signed timestamp under it (Stripe's
	// "t=…,v1=…", Paddle's "ts=…;h1=…"); or "positional": parts
	// separated by PartSeparator, the first the signed timestamp and the
	// others signatures (Recurly's "<ts>,<sig>,<sig>"). In kv and
	// positional format the header must be sent once.
	SignatureFormat string `json:"signature_format,omitempty"`

	// PartSeparator separates the parts of a kv or positional header.
	// Default ",".
	PartSeparator string `json:"part_separator,omitempty"`

	// SetSeparator, in kv format, separates several whole key=value sets
	// in the header, each with its own timestamp and signatures, as
	// Persona sends during a secret rotation ("t=…,v1=… t=…,v1=…", with
	// set_separator " "). A malformed set makes the header malformed;
	// otherwise the request passes when any set verifies, its timestamp
	// within Tolerance. At most 4 sets. Default: the header is one set.
	SetSeparator string `json:"set_separator,omitempty"`

	// SignatureKey names the signature parts of a kv header, e.g. "v1".
	SignatureKey string `json:"signature_key,omitempty"`

	// TimestampKey names the timestamp part of a kv header, e.g. "t".
	// It takes the place of timestamp_header.
	TimestampKey string `json:"timestamp_key,omitempty"`

	// SkipBadSignatures skips a signature that does not decode to a MAC of
	// the algorithm's size, as Stripe's and Standard Webhooks' libraries
	// do, instead of refusing the header. The header is then malformed
	// when signatures were sent but none decodes, and carries no signature
	// when none was sent (in list format: no entry with Prefix; others,
	// such as Standard Webhooks' v1a, are versions this check does not
	// read). More than 16 entries are malformed. kv and list formats.
	SkipBadSignatures bool `json:"skip_bad_signatures,omitempty"`

	// SecretPrefix, when set, is how the provider's secrets start (Stripe's
	// "whsec_"): a secret without it loads, with a warning that it is most
	// likely cut short (the whole string is the key).
	SecretPrefix string `json:"secret_prefix,omitempty"`

	// KeyEncoding is how each secret is turned into the HMAC key: "raw"
	// (default: its bytes), "hex" (hex-decoded, as Adyen's) or "whsec"
	// (base64 after an optional "whsec_", as Standard Webhooks').
	KeyEncoding string `json:"key_encoding,omitempty"`

	// Values are configured values the payload template can include as
	// {value.NAME}, e.g. the notification URL Square signs.
	Values map[string]string `json:"values,omitempty"`

	// Methods are the HTTP methods the provider uses; others are refused
	// with 405. Default: POST (the hmac verifier). Presets set the
	// provider's, and a preset without any accepts any method (see
	// ProvisionScheme).
	Methods []string `json:"methods,omitempty"`

	// Tolerance is how far the timestamp may be from now. Default 5m.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// Payload is the template of the signed bytes. {body} is the raw body,
	// {timestamp} the timestamp header's value, {header.Name} any request
	// header's value. Default "{body}", or "{timestamp}.{body}" when
	// timestamp_header is set.
	Payload string `json:"payload,omitempty"`

	// Field paths promote values of a JSON body into the envelope.
	webhookverify.FieldPaths

	keys *webhookverify.HMACKeys
	pubs *webhookverify.PublicKeys // with KeyType, in place of keys
	// macOfBody: the signed bytes are the body and constant text only,
	// so the HMAC that verified is a digest of the body (Event.BodyMAC).
	macOfBody bool
	macSize   int // the algorithm's MAC size
	payload   []payloadPart
	header    string   // Header in canonical form
	methods   []string // accepted methods; nil: any
	tsHeader  string   // TimestampHeader in canonical form
	tsFormat  string
	format    sigFormat
}

// sigFormat is a provisioned SignatureFormat.
type sigFormat byte

const (
	formatList sigFormat = iota
	formatKV
	formatPositional
)

// maxSets bounds how many key=value sets one header may carry: each set
// costs a MAC of the body per secret.
const maxSets = 4

// maxPayloadParts is how many template parts a message holds without a
// heap allocation; longer templates still work.
const maxPayloadParts = 8

// payloadPart is one piece of the payload template: literal text, the body,
// the timestamp or a header.
type payloadPart struct {
	kind   byte // 'l' literal (also a configured value), 'b' body, 't' timestamp, 'h' header
	text   []byte
	header string
}

// CaddyModule returns the Caddy module information.
func (HMAC) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.hmac",
		New: func() caddy.Module { return new(HMAC) },
	}
}

// Provision resolves the secrets and checks the configuration. Without
// Methods, only POST is accepted.
func (v *HMAC) Provision(ctx caddy.Context) error {
	if err := v.ProvisionScheme(ctx); err != nil {
		return err
	}
	if len(v.methods) == 0 {
		v.methods = []string{http.MethodPost}
	}
	return nil
}

// ProvisionScheme is Provision for a preset's scheme: without Methods,
// any method is accepted (the preset's row says which its provider uses).
func (v *HMAC) ProvisionScheme(caddy.Context) error {
	v.methods = v.Methods
	if v.Header == "" {
		return fmt.Errorf("hmac: no signature header: add 'header <name>', e.g. header X-Signature")
	}
	if v.Algorithm == "" {
		v.Algorithm = webhookverify.SHA256
	}
	newHash, err := v.Algorithm.New()
	if err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	if v.Encoding == "" {
		v.Encoding = webhookverify.Hex
	}
	if err := v.Encoding.Check(); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	if err := webhookverify.ProvisionTolerance(&v.Tolerance); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	if err := v.provisionFormat(); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	v.tsFormat = v.TimestampFormat
	switch {
	case v.tsFormat == "" && v.TimestampMillis:
		v.tsFormat = "unix_ms"
	case v.tsFormat == "":
		v.tsFormat = "unix"
	case v.tsFormat != "unix" && v.tsFormat != "unix_ms" && v.tsFormat != "rfc3339":
		return fmt.Errorf("hmac: unknown timestamp_format %q: use unix, unix_ms or rfc3339", v.TimestampFormat)
	}
	signsTime := v.SignsTime()
	if v.Payload == "" {
		v.Payload = "{body}"
		if signsTime {
			v.Payload = "{timestamp}.{body}"
		}
	}
	v.macSize = newHash().Size()
	if v.payload, err = parsePayload(v.Payload, signsTime, v.Values); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	v.macOfBody = !signsTime
	for _, p := range v.payload {
		v.macOfBody = v.macOfBody && (p.kind == 'l' || p.kind == 'b')
	}
	if err := webhookverify.CheckMethods(v.Methods); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	// Canonical names make each request's header lookup allocation-free.
	v.header = http.CanonicalHeaderKey(v.Header)
	v.tsHeader = http.CanonicalHeaderKey(v.TimestampHeader)
	if v.KeyType != "" {
		return v.provisionPublicKeys()
	}
	if len(v.PublicKeys) > 0 || v.PrivateKey != "" {
		return fmt.Errorf("hmac: public_key and private_key need key_type ed25519, ecdsa or rsa")
	}
	keys, err := v.Secrets.ResolveRequired("hmac")
	if err != nil {
		return err
	}
	for i, k := range keys {
		if v.SecretPrefix != "" && !bytes.HasPrefix(k, []byte(v.SecretPrefix)) {
			caddy.Log().Named("webhook_verify").Warn("a secret does not start with "+v.SecretPrefix+
				": the whole secret the provider shows is the key; it may have been cut short", zap.Int("secret", i+1))
		}
		if keys[i], err = decodeKey(k, v.KeyEncoding); err != nil {
			return fmt.Errorf("hmac: secret #%d %w", i+1, err)
		}
	}
	v.keys = webhookverify.NewHMACKeys(newHash, keys)
	return nil
}

// provisionPublicKeys loads the public keys (and the private key) of a
// public-key scheme.
func (v *HMAC) provisionPublicKeys() error {
	if err := v.KeyType.Check(); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	if len(v.Secrets) > 0 || v.KeyEncoding != "" {
		return fmt.Errorf("hmac: key_type %s verifies with public keys: remove secret and key_encoding, and add 'public_key <key>'", v.KeyType)
	}
	if len(v.PublicKeys) == 0 {
		return fmt.Errorf("hmac: key_type %s needs the provider's public key: add 'public_key <PEM or base64 key>' or 'public_key {file./path/key.pem}'", v.KeyType)
	}
	pubs := make([]crypto.PublicKey, len(v.PublicKeys))
	for i, raw := range v.PublicKeys {
		var err error
		if pubs[i], err = webhookverify.LoadPublicKey(raw, v.KeyType); err != nil {
			return fmt.Errorf("hmac: public key #%d: %w", i+1, err)
		}
	}
	var priv crypto.Signer
	if v.PrivateKey != "" {
		var err error
		if priv, err = webhookverify.LoadPrivateKey(v.PrivateKey, v.KeyType); err != nil {
			return fmt.Errorf("hmac: private_key: %w", err)
		}
	}
	var err error
	if v.pubs, err = webhookverify.NewPublicKeys(v.KeyType, v.Algorithm, pubs, priv); err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	return nil
}

// provisionFormat checks the signature format and its options.
func (v *HMAC) provisionFormat() error {
	if v.PartSeparator == "" {
		v.PartSeparator = ","
	}
	switch v.SignatureFormat {
	case "", "list":
		v.format = formatList
		if v.TimestampKey != "" || v.SignatureKey != "" || v.SetSeparator != "" {
			return fmt.Errorf("timestamp_key, signature_key and set_separator need signature_format kv")
		}
		if v.SkipBadSignatures && v.Prefix == "" {
			return fmt.Errorf("skip_bad_signatures in signature_format list needs a prefix (e.g. v1,): it tells a signature from other entries")
		}
	case "kv":
		v.format = formatKV
		if v.SignatureKey == "" {
			return fmt.Errorf("signature_format kv needs signature_key, e.g. signature_key v1")
		}
		if v.TimestampKey != "" && v.TimestampHeader != "" {
			return fmt.Errorf("set timestamp_key or timestamp_header, not both")
		}
		if v.SetSeparator != "" && strings.TrimSpace(v.SetSeparator) == strings.TrimSpace(v.PartSeparator) {
			return fmt.Errorf("set_separator %q must differ from part_separator %q", v.SetSeparator, v.PartSeparator)
		}
	case "positional":
		v.format = formatPositional
		if v.TimestampKey != "" || v.SignatureKey != "" || v.SetSeparator != "" || v.TimestampHeader != "" {
			return fmt.Errorf("signature_format positional reads the timestamp from the header's first part: " +
				"remove timestamp_key, signature_key, set_separator and timestamp_header")
		}
	default:
		return fmt.Errorf("unknown signature_format %q: use list, kv or positional", v.SignatureFormat)
	}
	if v.PrefixOptional && (v.Prefix == "" || v.format != formatList) {
		return fmt.Errorf("prefix_optional needs a prefix and signature_format list")
	}
	return nil
}

// SignsTime reports whether the configuration signs a timestamp: a
// timestamp header, a kv timestamp key or the positional format.
func (v *HMAC) SignsTime() bool {
	return v.TimestampHeader != "" || v.TimestampKey != "" || v.SignatureFormat == "positional"
}

// decodeKey turns a resolved secret into an HMAC key. Errors never quote
// the secret.
func decodeKey(secret []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "", "raw":
		return secret, nil
	case "hex":
		k, err := hex.DecodeString(strings.TrimSpace(string(secret)))
		if err != nil || len(k) == 0 {
			return nil, fmt.Errorf("is not hex: give the key as the provider shows it (hex digits)")
		}
		return k, nil
	case "whsec":
		s := strings.TrimPrefix(strings.TrimSpace(string(secret)), "whsec_")
		k, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(k) == 0 {
			return nil, fmt.Errorf("is not whsec_<base64>: give it as the provider shows it, whsec_ followed by base64")
		}
		return k, nil
	}
	return nil, fmt.Errorf("unknown key_encoding %q: use raw, hex or whsec", encoding)
}

// parsePayload splits a payload template into parts.
func parsePayload(template string, haveTimestamp bool, values map[string]string) ([]payloadPart, error) {
	var parts []payloadPart
	tmpl := template
	hasBody := false
	for tmpl != "" {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			parts = append(parts, payloadPart{kind: 'l', text: []byte(tmpl)})
			break
		}
		if open > 0 {
			parts = append(parts, payloadPart{kind: 'l', text: []byte(tmpl[:open])})
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("payload %q: unclosed '{'", tmpl)
		}
		name := tmpl[open+1 : open+end]
		switch {
		case name == "body":
			parts = append(parts, payloadPart{kind: 'b'})
			hasBody = true
		case name == "timestamp":
			if !haveTimestamp {
				return nil, fmt.Errorf("payload uses {timestamp}: also set timestamp_header <name>")
			}
			parts = append(parts, payloadPart{kind: 't'})
		case headerPlaceholder(name) != "":
			parts = append(parts, payloadPart{kind: 'h', header: headerPlaceholder(name)})
		case strings.HasPrefix(name, "value."):
			val, ok := values[strings.TrimPrefix(name, "value.")]
			if !ok || val == "" {
				return nil, fmt.Errorf("payload uses {%s}: configure %s", name, strings.TrimPrefix(name, "value."))
			}
			parts = append(parts, payloadPart{kind: 'l', text: []byte(val)})
		default:
			return nil, fmt.Errorf("payload: unknown placeholder {%s}: use {body}, {timestamp}, {header.Name} or {value.NAME}", name)
		}
		tmpl = tmpl[open+end+1:]
	}
	if !hasBody {
		return nil, fmt.Errorf("payload %q does not include {body}: the body would be unsigned", template)
	}
	return parts, nil
}

// headerPlaceholder returns the header named by {header.Name}, or by
// {http.request.header.Name}, which is what the Caddyfile adapter turns
// the short form into.
func headerPlaceholder(name string) string {
	for _, prefix := range []string{"header.", "http.request.header."} {
		if h, ok := strings.CutPrefix(name, prefix); ok && h != "" {
			return http.CanonicalHeaderKey(h)
		}
	}
	return ""
}

// appendMessage appends the signed bytes' parts for a request to msg.
func (v *HMAC) appendMessage(msg [][]byte, r *http.Request, body []byte, ts string) [][]byte {
	for _, p := range v.payload {
		switch p.kind {
		case 'l':
			msg = append(msg, p.text)
		case 'b':
			msg = append(msg, body)
		case 't':
			msg = append(msg, []byte(ts))
		case 'h':
			msg = append(msg, []byte(r.Header.Get(p.header)))
		}
	}
	return msg
}

// Verify checks the signature header against the body.
func (v *HMAC) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.MethodIn(r, v.methods); err != nil {
		return webhookverify.Event{}, err
	}
	values := r.Header[v.header] // v.header is canonical: no lookup cost
	if len(values) == 0 || strings.TrimSpace(strings.Join(values, "")) == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: header %s", webhookverify.ErrMissingSignature, v.Header)
	}
	if err := v.checkSignedHeadersOnce(r); err != nil {
		return webhookverify.Event{}, err
	}
	for _, p := range v.payload {
		if p.kind == 'h' && strings.TrimSpace(r.Header.Get(p.header)) == "" {
			return webhookverify.Event{}, fmt.Errorf("%w: signed header %s is missing", webhookverify.ErrMissingSignature, p.header)
		}
	}
	var err error
	var mac []byte
	switch {
	case v.format == formatKV:
		err = v.verifyKV(r, body, now, values[0])
	case v.format == formatPositional:
		err = v.verifySet(r, body, now, values[0])
	case v.SkipBadSignatures:
		var (
			bufArray  [4 * 64]byte
			spanArray [maxSignatures]span
		)
		buf, spans, sent, ok := v.decodeEntries(bufArray[:0], spanArray[:0], values)
		if !ok {
			return webhookverify.Event{}, fmt.Errorf("%w: header %s has more than %d signatures", webhookverify.ErrMalformedSignature, v.Header, maxSignatures)
		}
		mac, err = v.check(r, body, now, "", buf, spans, sent)
	default:
		var (
			bufArray  [4 * 64]byte // room for four SHA-512-sized signatures
			spanArray [maxSignatures]span
		)
		buf, spans := decodeSignatures(bufArray[:0], spanArray[:0], values, v.Prefix, v.PrefixOptional, v.Encoding)
		mac, err = v.check(r, body, now, "", buf, spans, true)
	}
	if err != nil {
		return webhookverify.Event{}, err
	}
	ev := v.Extract(body)
	if v.macOfBody && mac != nil {
		ev.BodyMAC = string(mac)
	}
	return ev, nil
}

// check verifies decoded signatures: the timestamp, when one is signed,
// within Tolerance of now (ts is a kv or positional header's; a
// timestamp header replaces it), then any signature against the MAC of
// the signed bytes under any secret. When the signed bytes are the body
// alone (macOfBody), it returns their HMAC under the first secret: a
// digest of the body (Event.BodyMAC).
//
// sent says whether signatures were sent, readable or not; without any
// readable one the header is then malformed, else it carries none.
func (v *HMAC) check(r *http.Request, body []byte, now time.Time, ts string, buf []byte, spans []span, sent bool) ([]byte, error) {
	if v.TimestampHeader != "" {
		ts = r.Header.Get(v.tsHeader)
	}
	if v.SignsTime() {
		t, err := parseTimestamp(ts, v.tsFormat)
		if err != nil {
			return nil, fmt.Errorf("%w: %s", err, v.timestampSource())
		}
		if err := webhookverify.CheckTimestamp(t, now, time.Duration(v.Tolerance)); err != nil {
			return nil, err
		}
	}
	if len(spans) == 0 {
		if !sent { // no signature of the kind checked was sent
			return nil, fmt.Errorf("%w: header %s has no %s signature", webhookverify.ErrMissingSignature, v.Header, v.signatureName())
		}
		return nil, fmt.Errorf("%w: header %s", webhookverify.ErrMalformedSignature, v.Header)
	}
	var candidates [maxSignatures][]byte
	for i, sp := range spans {
		candidates[i] = buf[sp.start:sp.end]
	}
	var parts [maxPayloadParts][]byte
	msg := v.appendMessage(parts[:0], r, body, ts)
	if v.pubs != nil {
		if len(spans) > maxKeySignatures {
			return nil, fmt.Errorf("%w: header %s has more than %d signatures", webhookverify.ErrMalformedSignature, v.Header, maxKeySignatures)
		}
		if !v.pubs.Match(candidates[:len(spans)], msg...) {
			return nil, webhookverify.ErrInvalidSignature
		}
		return nil, nil
	}
	i, key := v.keys.MatchIndex(candidates[:len(spans)], msg...)
	if i < 0 {
		return nil, webhookverify.ErrInvalidSignature
	}
	if !v.macOfBody {
		return nil, nil
	}
	if key != 0 {
		// Signed with another secret (a rotation): the digest is the MAC
		// under the first, so that the same body keeps one id whichever
		// secret signed it.
		return v.keys.SignWith(0, msg...), nil
	}
	return candidates[i], nil
}

// verifySet checks one kv set or a positional header.
func (v *HMAC) verifySet(r *http.Request, body []byte, now time.Time, set string) error {
	var (
		bufArray  [4 * 64]byte
		spanArray [maxSignatures]span
	)
	buf, spans, ts, skipped, ok := v.decodeSet(bufArray[:0], spanArray[:0], set)
	if !ok {
		return fmt.Errorf("%w: header %s", webhookverify.ErrMalformedSignature, v.Header)
	}
	// A positional header without signatures is malformed; a kv set
	// without any signature part carries none.
	sent := skipped || len(spans) > 0 || v.format == formatPositional
	_, err := v.check(r, body, now, ts, buf, spans, sent)
	return err
}

// verifyKV checks a kv header: one set, or with SetSeparator up to
// maxSets. Every set must be well formed; then the request passes when
// any set verifies. Otherwise the error is an invalid signature if any
// set got as far as its MAC, else the first set's (e.g. its timestamp's).
func (v *HMAC) verifyKV(r *http.Request, body []byte, now time.Time, header string) error {
	if v.SetSeparator == "" {
		return v.verifySet(r, body, now, header)
	}
	sets := 0
	for set := range strings.SplitSeq(header, v.SetSeparator) {
		if strings.TrimSpace(set) == "" {
			continue
		}
		var scratch [4 * 64]byte
		var spans [maxSignatures]span
		if _, _, _, _, ok := v.decodeSet(scratch[:0], spans[:0], set); !ok {
			return fmt.Errorf("%w: header %s", webhookverify.ErrMalformedSignature, v.Header)
		}
		if sets++; sets > maxSets {
			return fmt.Errorf("%w: header %s has more than %d signature sets", webhookverify.ErrMalformedSignature, v.Header, maxSets)
		}
	}
	if sets == 0 {
		return fmt.Errorf("%w: header %s", webhookverify.ErrMalformedSignature, v.Header)
	}
	var first error
	for set := range strings.SplitSeq(header, v.SetSeparator) {
		if strings.TrimSpace(set) == "" {
			continue
		}
		err := v.verifySet(r, body, now, set)
		if err == nil {
			return nil
		}
		if first == nil || errors.Is(err, webhookverify.ErrInvalidSignature) {
			first = err
		}
	}
	return first
}

// checkSignedHeadersOnce refuses a request that repeats a signed header:
// one copy would be verified and both forwarded. A kv or positional
// signature header counts as signed (it carries the timestamp).
func (v *HMAC) checkSignedHeadersOnce(r *http.Request) error {
	if v.format != formatList && len(r.Header[v.header]) > 1 {
		return fmt.Errorf("%w: header %s is repeated", webhookverify.ErrMalformedSignature, v.Header)
	}
	if v.tsHeader != "" && len(r.Header[v.tsHeader]) > 1 {
		return fmt.Errorf("%w: header %s is repeated", webhookverify.ErrMalformedTimestamp, v.TimestampHeader)
	}
	for _, p := range v.payload {
		if p.kind == 'h' && len(r.Header[p.header]) > 1 {
			return fmt.Errorf("%w: signed header %s is repeated", webhookverify.ErrMalformedRequest, p.header)
		}
	}
	return nil
}

func (v *HMAC) timestampSource() string {
	switch {
	case v.TimestampKey != "":
		return "part " + v.TimestampKey + " of header " + v.Header
	case v.format == formatPositional:
		return "first part of header " + v.Header
	}
	return "header " + v.TimestampHeader
}

// decodeSet reads one kv set or a positional header, appending the
// signatures' bytes to buf and their places to spans; skipped reports
// signatures passed over (SkipBadSignatures).
func (v *HMAC) decodeSet(buf []byte, spans []span, set string) (_ []byte, _ []span, ts string, skipped, ok bool) {
	if v.format == formatPositional {
		buf, spans, ts, ok = v.decodePositional(buf, spans, set)
		return buf, spans, ts, false, ok
	}
	return v.decodeKV(buf, spans, set)
}

// decodeKV reads a key=value signature set: every part under
// SignatureKey is a signature, the one under TimestampKey the timestamp.
// Unknown keys are skipped (providers add versions); a part without "=",
// a repeated timestamp, more than maxSignatures signatures or (unless
// SkipBadSignatures) an undecodable signature is malformed.
func (v *HMAC) decodeKV(buf []byte, spans []span, header string) (_ []byte, _ []span, ts string, skipped, ok bool) {
	haveTS, seen := false, 0
	for part := range strings.SplitSeq(header, v.PartSeparator) {
		key, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return buf, spans, "", false, false
		}
		switch key {
		case v.TimestampKey:
			if haveTS {
				return buf, spans, "", false, false
			}
			ts, haveTS = val, true
		case v.SignatureKey:
			if seen++; seen > maxSignatures {
				return buf, spans, "", false, false
			}
			start := len(buf)
			var decoded bool
			buf, decoded = appendSignature(buf, val, v.Encoding)
			switch {
			case decoded && (!v.SkipBadSignatures || v.sizeOK(len(buf)-start)):
				spans = append(spans, span{start, len(buf)})
			case v.SkipBadSignatures:
				buf, skipped = buf[:start], true
			default:
				return buf, spans, "", false, false
			}
		}
	}
	return buf, spans, ts, skipped, true
}

// decodePositional reads a positional header: the first part is the
// timestamp, every other part a signature (at most maxSignatures are
// kept). A header without a signature, or with an undecodable one, is
// malformed.
func (v *HMAC) decodePositional(buf []byte, spans []span, header string) ([]byte, []span, string, bool) {
	ts, rest, _ := strings.Cut(header, v.PartSeparator)
	for part := range strings.SplitSeq(rest, v.PartSeparator) {
		start := len(buf)
		var ok bool
		if buf, ok = appendSignature(buf, strings.TrimSpace(part), v.Encoding); !ok {
			return buf, spans, "", false
		}
		if len(spans) < maxSignatures {
			spans = append(spans, span{start, len(buf)})
		} else {
			buf = buf[:start]
		}
	}
	return buf, spans, strings.TrimSpace(ts), true
}

// decodeEntries reads the whitespace-separated entries of a list header
// for SkipBadSignatures: those with Prefix that decode to a MAC of the
// algorithm's size are kept (at most maxSignatures entries of any kind;
// ok is false past that); sent reports whether any entry had the prefix.
func (v *HMAC) decodeEntries(buf []byte, spans []span, values []string) (_ []byte, _ []span, sent, ok bool) {
	n := 0
	for _, value := range values {
		for entry := range strings.FieldsSeq(value) {
			if n++; n > maxSignatures {
				return buf, spans, sent, false
			}
			rest, found := strings.CutPrefix(entry, v.Prefix)
			if !found {
				continue // another version or scheme
			}
			sent = true
			start := len(buf)
			var decoded bool
			if buf, decoded = appendSignature(buf, rest, v.Encoding); decoded && v.sizeOK(len(buf)-start) {
				spans = append(spans, span{start, len(buf)})
			} else {
				buf = buf[:start]
			}
		}
	}
	return buf, spans, sent, true
}

// sizeOK reports whether n bytes can be a signature of the scheme: a MAC
// of the algorithm's size, or any size for a public-key signature.
func (v *HMAC) sizeOK(n int) bool {
	return v.pubs != nil || n == v.macSize
}

// maxKeySignatures bounds the public-key signatures one request makes the
// gateway check: each costs a verification per key.
const maxKeySignatures = 4

// signatureName names the signatures checked, for errors: "v1=" or "v1,".
func (v *HMAC) signatureName() string {
	if v.format == formatKV {
		return v.SignatureKey + "="
	}
	return v.Prefix
}

// appendSignature appends the bytes of signature text s to buf; ok is
// false, and buf unchanged, when s is empty or undecodable. Base64 is
// decoded strictly (one spelling per MAC) and, like hex, without a heap
// allocation.
func appendSignature(buf []byte, s string, enc webhookverify.Encoding) ([]byte, bool) {
	start, ok := len(buf), false
	if enc == webhookverify.Hex {
		buf, ok = appendHex(buf, s)
	} else {
		var err error
		buf, err = enc.AppendDecode(buf, s)
		ok = err == nil
	}
	return buf, ok && len(buf) > start
}

// parseTimestamp reads a signed timestamp in the configured format.
func parseTimestamp(s, format string) (time.Time, error) {
	switch format {
	case "rfc3339":
		if s == "" {
			return time.Time{}, webhookverify.ErrMissingTimestamp
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, webhookverify.ErrMalformedTimestamp
		}
		return t, nil
	case "unix_ms":
		return webhookverify.ParseUnixTimestamp(s, true)
	}
	return webhookverify.ParseUnixTimestamp(s, false)
}

// formatTimestamp writes now in the configured format.
func formatTimestamp(now time.Time, format string) string {
	switch format {
	case "rfc3339":
		return now.UTC().Format(time.RFC3339)
	case "unix_ms":
		return strconv.FormatInt(now.UnixMilli(), 10)
	}
	return strconv.FormatInt(now.Unix(), 10)
}

// span locates one decoded signature in a buffer.
type span struct{ start, end int }

// decodeSignatures decodes the signatures in header values (at most
// maxSignatures), appending their bytes to buf and their places in buf to
// spans; undecodable ones are skipped, and so are those without prefix
// unless prefixOptional. A value may hold several, separated
// by spaces; a comma-separated list is also read, so that "v1,<sig>" and
// "sha256=<a>,sha256=<b>" both work. Spans rather than slices keep a
// caller's stack buffer on the stack, and hex is decoded in place, so a
// verification allocates nothing here.
func decodeSignatures(buf []byte, spans []span, values []string, prefix string, prefixOptional bool, enc webhookverify.Encoding) ([]byte, []span) {
	try := func(s string) {
		if len(spans) >= maxSignatures || s == "" {
			return
		}
		if prefix != "" {
			rest, found := strings.CutPrefix(s, prefix)
			if !found && !prefixOptional {
				return
			}
			s = rest
		}
		start := len(buf)
		var ok bool
		if buf, ok = appendSignature(buf, s, enc); ok {
			spans = append(spans, span{start, len(buf)})
		}
	}
	field := func(f string) {
		before := len(spans)
		try(f)
		if len(spans) == before && strings.Contains(f, ",") {
			for part := range strings.SplitSeq(f, ",") {
				try(part)
			}
		}
	}
	for _, value := range values {
		if oneField(value) { // the usual case, without the rune-by-rune split
			field(value)
			continue
		}
		for f := range strings.FieldsSeq(value) {
			field(f)
		}
	}
	return buf, spans
}

// oneField reports whether strings.Fields(s) is just s: s is not empty
// and has no byte that could start a space (every Unicode space is either
// ASCII, at most ' ', or not ASCII).
func oneField(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= utf8.RuneSelf {
			return false
		}
	}
	return s != ""
}

// appendHex appends the bytes of hex text s to dst. It accepts what
// hex.DecodeString accepts (an even number of digits, either case); on
// anything else ok is false and dst is returned unchanged.
func appendHex(dst []byte, s string) (out []byte, ok bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	n := len(dst)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := fromHexDigit(s[i])
		lo, ok2 := fromHexDigit(s[i+1])
		if !ok1 || !ok2 {
			return dst[:n], false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

func fromHexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// messageID is the id Sign gives a signed header the request lacks (a
// message id, such as webhook-id): derived from the timestamp and the
// body, so that the same input gives the same request.
func messageID(ts string, body []byte) string {
	d := sha256.New()
	d.Write([]byte(ts))
	d.Write([]byte{'.'})
	d.Write(body)
	return "msg_" + base64.RawURLEncoding.EncodeToString(d.Sum(nil)[:18])
}

// Sign sets the signature (and timestamp) headers as the provider would;
// a signed header of the payload that r lacks gets a message id.
func (v *HMAC) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	var ts string
	if v.SignsTime() {
		ts = formatTimestamp(now, v.tsFormat)
	}
	if v.TimestampHeader != "" {
		r.Header.Set(v.TimestampHeader, ts)
	}
	for _, p := range v.payload {
		if p.kind == 'h' && r.Header.Get(p.header) == "" {
			r.Header.Set(p.header, messageID(ts, body))
		}
	}
	var parts [maxPayloadParts][]byte
	msg := v.appendMessage(parts[:0], r, body, ts)
	var raw []byte
	if v.pubs != nil {
		var err error
		if raw, err = v.pubs.Sign(msg...); err != nil {
			return nil, err
		}
	} else {
		raw = v.keys.Sign(msg...)
	}
	sig := v.Encoding.Encode(raw)
	switch {
	case v.format == formatKV && v.TimestampKey != "":
		r.Header.Set(v.Header, v.TimestampKey+"="+ts+v.PartSeparator+v.SignatureKey+"="+sig)
	case v.format == formatKV:
		r.Header.Set(v.Header, v.SignatureKey+"="+sig)
	case v.format == formatPositional:
		r.Header.Set(v.Header, ts+v.PartSeparator+sig)
	default:
		r.Header.Set(v.Header, v.Prefix+sig)
	}
	return body, nil
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify hmac {
//	    secret <value>...
//	    key_type ed25519|ecdsa|rsa         # public-key signatures, in place of secret:
//	    public_key <key>...                # PEM, base64 DER, or {file./path}
//	    private_key <key>                  # only to sign (tests, caddy webhook sign)
//	    header <name>
//	    algorithm sha1|sha256|sha512|sha3-512
//	    encoding hex|base64|base64url
//	    prefix <text>
//	    prefix_optional                    # list: the prefix may be left out
//	    timestamp_header <name>
//	    timestamp_millis
//	    tolerance <duration>
//	    payload <template>                 # {body} {timestamp} {header.Name} {value.NAME}
//	    signature_format list|kv|positional # default list
//	    part_separator <text>              # kv and positional parts; default ","
//	    set_separator <text>               # kv: several sets, e.g. " "
//	    signature_key <key>                # kv: e.g. v1
//	    timestamp_key <key>                # kv: e.g. t
//	    skip_bad_signatures                # skip undecodable signatures (Stripe, Standard Webhooks)
//	    timestamp_format unix|unix_ms|rfc3339
//	    key_encoding raw|hex|whsec         # default raw
//	    value <name> <value>               # for {value.NAME}
//	    methods <method>...                # default POST
//	    event_id_path|type_path|time_path|subject_path|status_path|amount_path|currency_path|reference_path <gjson path>
//	    status_map <provider status> <canonical status>
//	}
func (v *HMAC) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	for d.NextBlock(0) {
		if ok, err := v.FieldPaths.UnmarshalCaddyfileOption(d); ok {
			if err != nil {
				return err
			}
			continue
		}
		switch d.Val() {
		case "secret":
			if err := v.Secrets.UnmarshalSecret(d); err != nil {
				return err
			}
		case "key_type":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.KeyType = webhookverify.KeyType(s)
			if err := v.KeyType.Check(); err != nil {
				return d.Err(err.Error())
			}
		case "public_key":
			if err := PublicKeyArgs(d, &v.PublicKeys); err != nil {
				return err
			}
		case "private_key":
			if err := PrivateKeyArg(d, &v.PrivateKey); err != nil {
				return err
			}
		case "header":
			if err := webhookverify.StringArg(d, &v.Header); err != nil {
				return err
			}
		case "algorithm":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.Algorithm = webhookverify.Algorithm(s)
			if _, err := v.Algorithm.New(); err != nil {
				return d.Err(err.Error())
			}
		case "encoding":
			var s string
			if err := webhookverify.StringArg(d, &s); err != nil {
				return err
			}
			v.Encoding = webhookverify.Encoding(s)
			if err := v.Encoding.Check(); err != nil {
				return d.Err(err.Error())
			}
		case "prefix":
			if err := webhookverify.StringArg(d, &v.Prefix); err != nil {
				return err
			}
		case "prefix_optional":
			if d.NextArg() {
				return d.ArgErr()
			}
			v.PrefixOptional = true
		case "set_separator":
			if err := webhookverify.StringArg(d, &v.SetSeparator); err != nil {
				return err
			}
		case "timestamp_header":
			if err := webhookverify.StringArg(d, &v.TimestampHeader); err != nil {
				return err
			}
		case "timestamp_millis":
			if d.NextArg() {
				return d.ArgErr()
			}
			v.TimestampMillis = true
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		case "payload":
			if err := webhookverify.StringArg(d, &v.Payload); err != nil {
				return err
			}
		case "signature_format":
			if err := webhookverify.StringArg(d, &v.SignatureFormat); err != nil {
				return err
			}
		case "part_separator":
			if err := webhookverify.StringArg(d, &v.PartSeparator); err != nil {
				return err
			}
		case "signature_key":
			if err := webhookverify.StringArg(d, &v.SignatureKey); err != nil {
				return err
			}
		case "timestamp_key":
			if err := webhookverify.StringArg(d, &v.TimestampKey); err != nil {
				return err
			}
		case "skip_bad_signatures":
			if d.NextArg() {
				return d.ArgErr()
			}
			v.SkipBadSignatures = true
		case "timestamp_format":
			if err := webhookverify.StringArg(d, &v.TimestampFormat); err != nil {
				return err
			}
		case "key_encoding":
			if err := webhookverify.StringArg(d, &v.KeyEncoding); err != nil {
				return err
			}
		case "value":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("value takes a name and a value, e.g. value notification_url https://example.com/hooks; the payload includes it as {value.notification_url}")
			}
			if v.Values == nil {
				v.Values = map[string]string{}
			}
			v.Values[args[0]] = args[1]
		case "methods":
			v.Methods = d.RemainingArgs()
			if len(v.Methods) == 0 {
				return d.Errf("methods needs at least one HTTP method, e.g. methods POST")
			}
		default:
			return d.Errf("unrecognized subdirective %q for provider hmac: see the README's hmac section", d.Val())
		}
	}
	if v.Header == "" {
		return d.Errf("hmac needs the signature header: add 'header <name>', e.g. header X-Signature")
	}
	if len(v.Secrets) == 0 && v.KeyType == "" {
		return d.Errf("hmac needs a secret: add 'secret {env.WEBHOOK_SECRET}' (or, for public-key signatures, 'key_type' and 'public_key')")
	}
	if v.KeyType != "" && len(v.PublicKeys) == 0 {
		return d.Errf("hmac key_type %s needs the provider's public key: add 'public_key <PEM or base64 key>' or 'public_key {file./path/key.pem}'", v.KeyType)
	}
	return nil
}

// PublicKeyArgs reads the values of a public_key subdirective (one or
// more keys; several allow rotation) and appends them to keys.
func PublicKeyArgs(d *caddyfile.Dispenser, keys *[]string) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Errf("public_key needs a value: the provider's key (PEM or base64), or {file./path/key.pem}")
	}
	*keys = append(*keys, args...)
	return nil
}

// PrivateKeyArg reads a private_key subdirective: a key that signs only in
// tests and `caddy webhook sign`, given as a runtime placeholder.
func PrivateKeyArg(d *caddyfile.Dispenser, key *string) error {
	if err := webhookverify.StringArg(d, key); err != nil {
		return err
	}
	if strings.TrimSpace(*key) == "" {
		return d.Errf("private_key is empty: give a test key, e.g. private_key {file./path/test-key.pem}")
	}
	if strings.HasPrefix(*key, "{$") {
		return d.Errf("private_key %s is expanded into the JSON config at adapt time: use {env.NAME} or {file./path} instead", *key)
	}
	return nil
}

// Covers implements webhookverify.Coverer: the body when the
// payload template holds {body}, the timestamp when one is configured.
func (v *HMAC) Covers() webhookverify.Coverage {
	cov := webhookverify.Coverage{}
	for _, p := range v.payload {
		cov.Body = cov.Body || p.kind == 'b'
	}
	cov.EventID = cov.Body // the id is read from the body
	if v.SignsTime() {
		cov.Tolerance = time.Duration(v.Tolerance)
	}
	return cov
}

// CredentialHeaders implements webhookverify.CredentialHeaderer: the
// signature header, the timestamp header when one is configured, and the
// headers the payload signs (a message id).
func (v *HMAC) CredentialHeaders() []string {
	var out []string
	for _, name := range []string{v.Header, v.TimestampHeader} {
		if name != "" {
			out = append(out, name)
		}
	}
	for _, p := range v.payload {
		if p.kind == 'h' {
			out = append(out, p.header)
		}
	}
	return out
}

// Sent reports whether r carries any of the scheme's headers: the
// signature, the timestamp or a signed header. A preset with an alternate
// set of header names checks a request by the set it carries.
// It reads the provisioned canonical names: no allocation per request.
func (v *HMAC) Sent(r *http.Request) bool {
	if _, ok := r.Header[v.header]; ok {
		return true
	}
	if _, ok := r.Header[v.tsHeader]; ok && v.tsHeader != "" {
		return true
	}
	for _, p := range v.payload {
		if _, ok := r.Header[p.header]; ok && p.kind == 'h' {
			return true
		}
	}
	return false
}

// Interface guards
var (
	_ webhookverify.Verifier           = (*HMAC)(nil)
	_ webhookverify.Coverer            = (*HMAC)(nil)
	_ webhookverify.CredentialHeaderer = (*HMAC)(nil)
	_ webhookverify.Signer             = (*HMAC)(nil)
	_ caddy.Provisioner                = (*HMAC)(nil)
	_ caddyfile.Unmarshaler            = (*HMAC)(nil)
)
