// Package sns verifies Amazon SNS messages delivered to HTTPS endpoints:
// an RSA signature (SHA1withRSA for SignatureVersion 1, SHA256withRSA for
// 2) over the message's own fields, by the certificate the message names
// by URL. The URL is fetched only from SNS hosts
// (sns.<region>.amazonaws.com[.cn]), and only the topics configured are
// accepted. Subscription confirmations can be forwarded to the
// application or confirmed at the edge.
package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/jsonstringify"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource"
)

func init() {
	caddy.RegisterModule(SNS{})
}

// The headers SNS sends with every message (AWS Developer Guide, "Parsing
// message formats"). None is signed: when present, each must repeat the
// signed value of the body.
const (
	HeaderMessageType = "X-Amz-Sns-Message-Type"
	HeaderMessageID   = "X-Amz-Sns-Message-Id"
	HeaderTopicArn    = "X-Amz-Sns-Topic-Arn"
)

// The message types, the body's Type.
const (
	TypeNotification             = "Notification"
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// TypePrefix starts every event type: com.amazonaws.sns.notification,
// com.amazonaws.sns.subscriptionconfirmation and
// com.amazonaws.sns.unsubscribeconfirmation.
const TypePrefix = "com.amazonaws.sns."

// The values of Subscription.
const (
	// SubscriptionForward forwards a verified SubscriptionConfirmation to
	// the application, which confirms it (GET SubscribeURL, or the
	// ConfirmSubscription API with Token).
	SubscriptionForward = "forward"
	// SubscriptionConfirm has the gateway confirm it: GET SubscribeURL,
	// answer 200 and forward nothing.
	SubscriptionConfirm = "confirm"
)

// CertTTL is how long a signing certificate is kept after it is fetched
// (less when it expires sooner).
const CertTTL = 24 * time.Hour

// ErrTopicNotAllowed is the failure of a message, signed or not, from a
// topic that is not configured (403): someone subscribed this endpoint to
// another topic, or sends a message of another one.
var ErrTopicNotAllowed = webhookverify.NewFailure(http.StatusForbidden, "topic_not_allowed")

// hostPattern is sns.<region>.amazonaws.com (GovCloud and ISO regions
// included) and sns.<region>.amazonaws.com.cn, the region spelled as AWS
// spells regions (us-east-2, us-gov-west-1, cn-north-1). AWS's own
// validators (PHP, JS, Ruby, .NET) take any label of three characters or
// more there, which S3's older endpoints also match
// (sns.s3-external-1.amazonaws.com is the bucket named sns): this rule
// does not. RE2's $ is the end of the text, so a trailing newline does
// not slip through as it does in PCRE.
var hostPattern = regexp.MustCompile(`^sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+\.amazonaws\.com(\.cn)?$`)

// AllowedHost reports whether host is an SNS host that a SigningCertURL
// or a SubscribeURL may name.
func AllowedHost(host string) bool { return hostPattern.MatchString(host) }

// The names of the body that are read: a key that differs from one of
// them only in case is refused, since an application decoding case
// insensitively (Go's encoding/json does) could take it for the signed one.
var knownNames = []string{
	"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
	"SignatureVersion", "Signature", "SigningCertURL", "Token", "SubscribeURL",
}

// The signed names of each type, in byte order (AWS Developer Guide,
// "Verifying the signatures of Amazon SNS messages", step 5). Subject is
// signed when it is present.
var (
	notificationNames = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	confirmationNames = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
)

// SNS verifies Amazon SNS messages to an HTTPS subscription.
//
// SNS POSTs a JSON object: Type (Notification, SubscriptionConfirmation or
// UnsubscribeConfirmation), MessageId, TopicArn, Message, Timestamp,
// Subject (a Notification's, optional), Token and SubscribeURL (the
// confirmations'), SignatureVersion, Signature and SigningCertURL. The
// signature, SHA1withRSA (version 1, SNS's default) or SHA256withRSA
// (version 2), covers "Name\nvalue\n" for each signed name in byte order:
// Message, MessageId, Subject (if present), Timestamp, TopicArn and Type
// for a Notification; Message, MessageId, SubscribeURL, Timestamp, Token,
// TopicArn and Type for the confirmations, the values as JSON decodes
// them. The certificate is fetched from SigningCertURL, which must be
// https://sns.<region>.amazonaws.com[.cn]/….pem (AWS's validators' rule),
// redirects not followed; it is kept for a day, its key must be RSA of
// 2048 bits or more, and it must be valid when the message is verified.
// Like AWS's validators, it relies on HTTPS to the SNS host and checks no
// chain of its own.
//
// The body must be valid UTF-8 JSON without any repeated key and without
// a key that differs from a field above only in case (400); a
// Notification carries no Token or SubscribeURL. The x-amz-sns-message-type,
// x-amz-sns-message-id and x-amz-sns-topic-arn headers, when present, must
// equal the body's Type, MessageId and TopicArn (400). Only the topics in
// TopicArns are accepted (403, before anything is fetched).
//
// What is not signed — UnsubscribeURL, MessageAttributes, a Notification's
// other keys — can be changed by whoever relays a message, so the body is
// not covered. SNS resends a message it failed to deliver with the same
// MessageId, Timestamp and signature, and anyone who captured one can
// replay it: use dedup (the event id is the signed MessageId).
//
// Event mapping: id = MessageId; type = com.amazonaws.sns.<Type
// lowercased>; time = Timestamp; subject = Subject.
type SNS struct {
	// TopicArns are the ARNs of the topics whose messages are accepted,
	// e.g. arn:aws:sns:us-east-2:123456789012:orders (placeholders such as
	// {env.SNS_TOPIC_ARN} are resolved). Any other topic's message is
	// refused with topic_not_allowed (403). Required.
	TopicArns []string `json:"topic_arns,omitempty"`

	// Subscription says what happens to a verified
	// SubscriptionConfirmation: "forward" (the default) forwards it to the
	// application, which confirms the subscription itself; "confirm" has
	// the gateway GET its SubscribeURL (https, an SNS host, as for
	// certificates) and answer 200 "confirmed" without forwarding it. A
	// confirmation that fails is answered 503 (key_unavailable), so that
	// SNS sends it again. UnsubscribeConfirmation is always forwarded.
	Subscription string `json:"subscription,omitempty"`

	// Tolerance, when set, is how far a message's Timestamp (the time it
	// was published, kept by every retry) may be from now. Default none:
	// SNS retries a failed delivery with the same signed message for as
	// long as the subscription's delivery policy says, so a tolerance must
	// exceed it. Use dedup instead, or as well, with a window at least as
	// long.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`

	// PrivateKey and CertURL sign, for tests and `caddy webhook sign`
	// only: an RSA key (a placeholder such as {file./path/key.pem}) and
	// the URL of its certificate, which must be served from an SNS host to
	// verify.
	PrivateKey string `json:"private_key,omitempty"`
	CertURL    string `json:"cert_url,omitempty"`

	topics map[string]bool
	keys   *keysource.Source
	signer *webhookverify.PublicKeys
}

// CaddyModule returns the Caddy module information.
func (SNS) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.webhook_verify.verifiers.sns",
		New: func() caddy.Module { return new(SNS) },
	}
}

// Provision checks the configuration and takes SNS's certificate cache
// (shared by every SNS route, kept across reloads). It fetches nothing.
func (v *SNS) Provision(ctx caddy.Context) error {
	repl := caddy.NewReplacer()
	if len(v.TopicArns) == 0 {
		return fmt.Errorf("sns: topic_arns is required: add 'topic_arn <the ARN of each topic subscribed>'")
	}
	v.topics = make(map[string]bool, len(v.TopicArns))
	for i, arn := range v.TopicArns {
		val, err := repl.ReplaceOrErr(arn, true, true)
		if err != nil {
			return fmt.Errorf("sns: topic_arn: %v", err)
		}
		val = strings.TrimSpace(val)
		if err := checkTopicArn(val); err != nil {
			return fmt.Errorf("sns: topic_arn %q: %v", val, err)
		}
		v.TopicArns[i] = val
		v.topics[val] = true
	}
	switch v.Subscription {
	case "":
		v.Subscription = SubscriptionForward
	case SubscriptionForward, SubscriptionConfirm:
	default:
		return fmt.Errorf("sns: subscription %q: use confirm or forward", v.Subscription)
	}
	if v.Tolerance < 0 {
		return fmt.Errorf("sns: tolerance must be positive")
	}
	if v.PrivateKey != "" {
		if v.CertURL == "" {
			return fmt.Errorf("sns: private_key signs only with cert_url, the URL of its certificate")
		}
		if err := checkURL(v.CertURL, true); err != nil {
			return fmt.Errorf("sns: cert_url: %v", err)
		}
		priv, err := webhookverify.LoadPrivateKey(v.PrivateKey, webhookverify.KeyRSA)
		if err != nil {
			return fmt.Errorf("sns: private_key: %w", err)
		}
		if v.signer, err = webhookverify.NewPublicKeys(webhookverify.KeyRSA, webhookverify.SHA256, []crypto.PublicKey{priv.Public()}, priv); err != nil {
			return fmt.Errorf("sns: private_key: %w", err)
		}
	}
	var err error
	v.keys, err = keysource.Acquire(ctx, keysource.Config{
		Provider: "sns", AllowHost: AllowedHost, TTL: CertTTL, MaxEntries: 100,
	}, "sns")
	return err
}

// checkTopicArn accepts arn:<partition>:sns:<region>:<account>:<topic>.
func checkTopicArn(arn string) error {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" {
		return fmt.Errorf("not a topic ARN: use arn:aws:sns:<region>:<account id>:<topic name>")
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\r\n*?") {
			return fmt.Errorf("not a topic ARN: every part is needed, without spaces or wildcards")
		}
	}
	return nil
}

// Cleanup releases the certificate cache.
func (v *SNS) Cleanup() error {
	if v.keys == nil {
		return nil
	}
	return v.keys.Release()
}

// message holds the string fields of a body that were present.
type message map[string]string

// parse reads a body: one JSON object, valid UTF-8, with no repeated key
// and no case variant of a known name, whose known names hold strings.
func parse(body []byte) (message, error) {
	if _, dup, err := jsonstringify.FindDuplicateKey(body); err != nil {
		return nil, fmt.Errorf("%w: SNS sends a JSON object", webhookverify.ErrMalformedBody)
	} else if dup {
		return nil, fmt.Errorf("%w: the body repeats an object key", webhookverify.ErrDuplicateKey)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("%w: SNS sends a JSON object", webhookverify.ErrMalformedBody)
	}
	return fromDoc(doc)
}

// fromDoc reads the known names of a decoded object.
func fromDoc(doc map[string]json.RawMessage) (message, error) {
	m := message{}
	for key := range doc {
		for _, name := range knownNames {
			if key != name && strings.EqualFold(key, name) {
				return nil, fmt.Errorf("%w: key %q differs from %s only in case", webhookverify.ErrDuplicateKey, key, name)
			}
		}
	}
	for _, name := range knownNames {
		raw, ok := doc[name]
		if !ok {
			continue
		}
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return nil, fmt.Errorf("%w: %s is not a string", webhookverify.ErrMalformedBody, name)
		}
		m[name] = s
	}
	return m, nil
}

// signedNames returns the signed names of the message's type.
func (m message) signedNames() ([]string, error) {
	typ, ok := m["Type"]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: no Type", webhookverify.ErrMalformedBody)
	case typ == TypeNotification:
		if _, ok := m["Token"]; ok {
			return nil, fmt.Errorf("%w: a Notification carries no Token", webhookverify.ErrMalformedBody)
		}
		if _, ok := m["SubscribeURL"]; ok {
			return nil, fmt.Errorf("%w: a Notification carries no SubscribeURL", webhookverify.ErrMalformedBody)
		}
		return notificationNames, nil
	case typ == TypeSubscriptionConfirmation, typ == TypeUnsubscribeConfirmation:
		return confirmationNames, nil
	}
	return nil, fmt.Errorf("%w: Type is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation", webhookverify.ErrMalformedBody)
}

// stringToSign is what SNS signs: "Name\nvalue\n" for each signed name,
// in byte order. Every signed name but a Notification's Subject is
// required.
func (m message) stringToSign() (string, error) {
	names, err := m.signedNames()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, name := range names {
		val, ok := m[name]
		if !ok {
			if name == "Subject" {
				continue
			}
			return "", fmt.Errorf("%w: %s is missing", webhookverify.ErrMalformedBody, name)
		}
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(val)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// header returns the one value of a header ("" when absent), refusing a
// repeated one.
func header(r *http.Request, name string) (string, error) {
	vals := r.Header.Values(name)
	if len(vals) > 1 {
		return "", fmt.Errorf("%w: header %s is repeated", webhookverify.ErrMalformedRequest, name)
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

// checkHeaders refuses SNS's headers when they say something other than
// the (signed) body.
func checkHeaders(r *http.Request, m message) error {
	for _, h := range [...]struct{ header, name string }{
		{HeaderMessageType, "Type"}, {HeaderMessageID, "MessageId"}, {HeaderTopicArn, "TopicArn"},
	} {
		val, err := header(r, h.header)
		if err != nil {
			return err
		}
		if val != "" && val != m[h.name] {
			return fmt.Errorf("%w: header %s differs from the body's %s", webhookverify.ErrMalformedRequest, h.header, h.name)
		}
	}
	return nil
}

// checkURL refuses a URL that is not https://<SNS host>[:443]/…, and for a
// certificate (pem) one whose path does not end in .pem or that has a
// query or fragment. The URL is not quoted: it may carry userinfo.
func checkURL(raw string, pem bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: a malformed URL", webhookverify.ErrKeyURLNotAllowed)
	case u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q, want https", webhookverify.ErrKeyURLNotAllowed, u.Scheme)
	case u.Opaque != "" || u.User != nil:
		return fmt.Errorf("%w: an opaque URL or one with userinfo", webhookverify.ErrKeyURLNotAllowed)
	case u.Port() != "" && u.Port() != "443":
		return fmt.Errorf("%w: port %q, want 443", webhookverify.ErrKeyURLNotAllowed, u.Port())
	case !AllowedHost(u.Hostname()):
		return fmt.Errorf("%w: host %q is not sns.<region>.amazonaws.com[.cn]", webhookverify.ErrKeyURLNotAllowed, u.Hostname())
	case pem && (!strings.HasSuffix(u.Path, ".pem") || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""):
		return fmt.Errorf("%w: a certificate URL's path ends in .pem, without query", webhookverify.ErrKeyURLNotAllowed)
	}
	return nil
}

// Verify checks the message's shape, its headers and its topic, then its
// signature, fetching the certificate when it is not cached.
func (v *SNS) Verify(r *http.Request, body []byte, now time.Time) (webhookverify.Event, error) {
	if err := webhookverify.RequirePost(r, "SNS"); err != nil {
		return webhookverify.Event{}, err
	}
	m, err := parse(body)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if _, err := m.signedNames(); err != nil {
		return webhookverify.Event{}, err
	}
	if err := checkHeaders(r, m); err != nil {
		return webhookverify.Event{}, err
	}
	sigText := m["Signature"]
	if sigText == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: no Signature", webhookverify.ErrMissingSignature)
	}
	version := m["SignatureVersion"]
	if version != "1" && version != "2" {
		return webhookverify.Event{}, fmt.Errorf("%w: SignatureVersion %q: only 1 and 2 exist", webhookverify.ErrMalformedSignature, version)
	}
	certURL, ok := m["SigningCertURL"]
	if !ok || certURL == "" {
		return webhookverify.Event{}, fmt.Errorf("%w: no SigningCertURL", webhookverify.ErrMalformedSignature)
	}
	signed, err := m.stringToSign()
	if err != nil {
		return webhookverify.Event{}, err
	}
	sent, err := time.Parse(time.RFC3339Nano, m["Timestamp"])
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: Timestamp is not RFC 3339", webhookverify.ErrMalformedTimestamp)
	}
	if !v.topics[m["TopicArn"]] {
		return webhookverify.Event{}, fmt.Errorf("%w: the message's topic is not one of topic_arn", ErrTopicNotAllowed)
	}
	if v.Tolerance > 0 {
		if err := webhookverify.CheckTimestamp(sent, now, time.Duration(v.Tolerance)); err != nil {
			return webhookverify.Event{}, err
		}
	}
	sig, err := webhookverify.Base64.Decode(sigText)
	if err != nil {
		return webhookverify.Event{}, fmt.Errorf("%w: Signature is not base64", webhookverify.ErrMalformedSignature)
	}
	if err := checkURL(certURL, true); err != nil {
		return webhookverify.Event{}, fmt.Errorf("SigningCertURL: %w", err)
	}
	pub, err := v.certificate(r.Context(), certURL, now)
	if err != nil {
		return webhookverify.Event{}, err
	}
	if err := verifySignature(pub, version, signed, sig); err != nil {
		return webhookverify.Event{}, err
	}
	ev := webhookverify.Event{
		ID:   m["MessageId"],
		Type: TypePrefix + strings.ToLower(m["Type"]),
		Time: sent,
	}
	if m["Type"] == TypeNotification {
		ev.Subject = m["Subject"] // signed only in a Notification
	}
	return ev, nil
}

// verifySignature checks an RSA PKCS #1 v1.5 signature of signed: SHA-1
// for version 1, SHA-256 for version 2.
func verifySignature(pub *rsa.PublicKey, version, signed string, sig []byte) error {
	var err error
	if version == "1" {
		digest := sha1.Sum([]byte(signed))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, digest[:], sig)
	} else {
		digest := sha256.Sum256([]byte(signed))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
	if err != nil {
		return webhookverify.ErrInvalidSignature
	}
	return nil
}

// certificate returns the key of the certificate at certURL, fetched
// (once, then cached) from an SNS host, if the certificate is valid at now.
func (v *SNS) certificate(ctx context.Context, certURL string, now time.Time) (*rsa.PublicKey, error) {
	val, err := v.keys.Get(ctx, certURL, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		pemBytes, err := c.Get(ctx, certURL, nil)
		if err != nil {
			return nil, 0, err
		}
		cert, err := parseCertificate(pemBytes)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", keysource.ErrNotFound, err)
		}
		// Kept for CertTTL, or until it expires if sooner. An expired
		// one is kept too (it never becomes valid again), so that
		// requests naming it do not fetch it again.
		var ttl time.Duration
		if left := cert.NotAfter.Sub(now); left > 0 && left < CertTTL {
			ttl = left
		}
		return cert, ttl, nil
	})
	if err != nil {
		return nil, keysource.Failure(err)
	}
	cert := val.(*x509.Certificate)
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("%w: the signing certificate is not valid at %s", webhookverify.ErrUnknownKey, now.UTC().Format(time.RFC3339))
	}
	return cert.PublicKey.(*rsa.PublicKey), nil
}

// parseCertificate reads the first PEM certificate of what the URL
// served; its key must be RSA of 2048 bits or more.
func parseCertificate(pemBytes []byte) (*x509.Certificate, error) {
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("no PEM certificate at the URL")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("a certificate that does not parse")
		}
		if err := webhookverify.CheckPublicKey(cert.PublicKey, webhookverify.KeyRSA); err != nil {
			return nil, err
		}
		return cert, nil
	}
}

// Challenge implements webhookverify.Challenger. With subscription
// confirm, a verified SubscriptionConfirmation is confirmed here: its
// SubscribeURL (https, an SNS host) is fetched with GET through the
// key source's client, and the answer is 200 "confirmed". Anything else
// is no challenge: it is forwarded.
func (v *SNS) Challenge(r *http.Request, body []byte, ev webhookverify.Event, _ time.Time) (*webhookverify.ChallengeResponse, error) {
	if v.Subscription != SubscriptionConfirm || ev.Type != TypePrefix+strings.ToLower(TypeSubscriptionConfirmation) {
		return nil, nil
	}
	m, err := parse(body)
	if err != nil {
		return nil, err
	}
	if m["Type"] != TypeSubscriptionConfirmation {
		return nil, nil
	}
	subscribeURL := m["SubscribeURL"]
	if err := checkURL(subscribeURL, false); err != nil {
		return nil, fmt.Errorf("SubscribeURL: %w", err)
	}
	// A unique id, a value not kept: concurrent deliveries of one
	// confirmation share one GET, and every later one makes its own. A
	// 404 is turned into ErrUnavailable so that it is not remembered
	// either.
	_, err = v.keys.Get(r.Context(), "subscribe\x00"+subscribeURL, func(ctx context.Context, c *keysource.Client) (any, time.Duration, error) {
		if _, err := c.Get(ctx, subscribeURL, nil); err != nil {
			if errors.Is(err, keysource.ErrNotAllowed) {
				return nil, 0, err
			}
			return nil, 0, fmt.Errorf("%w: %v", keysource.ErrUnavailable, err)
		}
		return true, -1, nil
	})
	if err != nil {
		if errors.Is(err, keysource.ErrNotAllowed) {
			return nil, fmt.Errorf("%w: SubscribeURL: %v", webhookverify.ErrKeyURLNotAllowed, err)
		}
		return nil, fmt.Errorf("%w: confirming the subscription: %v", webhookverify.ErrKeyUnavailable, err)
	}
	return &webhookverify.ChallengeResponse{
		ContentType: "text/plain; charset=utf-8",
		Header:      http.Header{"X-Content-Type-Options": {"nosniff"}},
		Body:        []byte("confirmed"),
	}, nil
}

// Sign signs the body as SNS would, with private_key (SignatureVersion 2),
// naming cert_url. The body must be a JSON object holding at least
// Message (and, for the confirmations, Token and SubscribeURL); Type
// (default Notification), MessageId (default a random UUID), Timestamp
// (default now) and TopicArn (default the first topic_arn) are added when
// absent. It returns the body with Signature, SignatureVersion and
// SigningCertURL set, and sets SNS's headers.
func (v *SNS) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	if v.signer == nil {
		return nil, fmt.Errorf("sns: signing needs 'private_key {file./path/test-key.pem}' and 'cert_url <URL of its certificate>' (AWS keeps its own key)")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("sns: signing needs a JSON object body, e.g. {\"Message\":\"hello\"}")
	}
	set := func(name, val string) {
		doc[name], _ = json.Marshal(val)
	}
	for name, val := range map[string]string{
		"Type": TypeNotification, "MessageId": newUUID(), "Timestamp": now.UTC().Format("2006-01-02T15:04:05.000Z"), "TopicArn": v.TopicArns[0],
	} {
		if _, ok := doc[name]; !ok {
			set(name, val)
		}
	}
	set("SignatureVersion", "2")
	set("SigningCertURL", v.CertURL)
	delete(doc, "Signature")
	m, err := fromDoc(doc)
	if err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	signed, err := m.stringToSign()
	if err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	sig, err := v.signer.Sign([]byte(signed))
	if err != nil {
		return nil, err
	}
	set("Signature", webhookverify.Base64.Encode(sig))
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	r.Header.Set(HeaderMessageType, m["Type"])
	r.Header.Set(HeaderMessageID, m["MessageId"])
	r.Header.Set(HeaderTopicArn, m["TopicArn"])
	r.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	return []byte(strings.TrimSuffix(out.String(), "\n")), nil
}

// newUUID returns a random (version 4) UUID, as SNS's MessageIds are.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// UnmarshalCaddyfile sets up the verifier from Caddyfile tokens:
//
//	webhook_verify sns {
//	    topic_arn <arn>...            # required, repeatable: the topics accepted
//	    subscription confirm|forward  # default forward
//	    tolerance <duration>          # default none (use dedup)
//	    private_key <key>             # only to sign (tests, caddy webhook sign),
//	    cert_url <url>                #   with the URL of its certificate
//	}
func (v *SNS) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // provider name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "topic_arn":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("topic_arn needs the ARN of a topic, e.g. topic_arn arn:aws:sns:us-east-2:123456789012:orders")
			}
			v.TopicArns = append(v.TopicArns, args...)
		case "subscription":
			if err := webhookverify.StringArg(d, &v.Subscription); err != nil {
				return err
			}
			if v.Subscription != SubscriptionConfirm && v.Subscription != SubscriptionForward {
				return d.Errf("subscription %q: use confirm (the gateway confirms) or forward (the application does)", v.Subscription)
			}
		case "tolerance":
			if err := webhookverify.DurationArg(d, &v.Tolerance); err != nil {
				return err
			}
		case "private_key":
			if err := generic.PrivateKeyArg(d, &v.PrivateKey); err != nil {
				return err
			}
		case "cert_url":
			if err := webhookverify.StringArg(d, &v.CertURL); err != nil {
				return err
			}
		case "secret":
			return d.Errf("sns takes no secret: SNS signs with its certificate; give 'topic_arn <the topic's ARN>'")
		default:
			return d.Errf("unrecognized subdirective %q for provider sns: use topic_arn, subscription, tolerance, private_key or cert_url", d.Val())
		}
	}
	if len(v.TopicArns) == 0 {
		return d.Errf("sns needs the topics it accepts: add 'topic_arn <ARN>' (or {env.SNS_TOPIC_ARN})")
	}
	return nil
}

// Covers implements webhookverify.Coverer: MessageId and Timestamp are
// signed, the body only in part (UnsubscribeURL and MessageAttributes are
// not), so it is not covered.
func (v *SNS) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Tolerance: time.Duration(v.Tolerance)}
}

// Interface guards
var (
	_ webhookverify.Verifier   = (*SNS)(nil)
	_ webhookverify.Signer     = (*SNS)(nil)
	_ webhookverify.Coverer    = (*SNS)(nil)
	_ webhookverify.Challenger = (*SNS)(nil)
	_ caddy.Provisioner        = (*SNS)(nil)
	_ caddy.CleanerUpper       = (*SNS)(nil)
	_ caddyfile.Unmarshaler    = (*SNS)(nil)
)
