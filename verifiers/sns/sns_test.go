package sns_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/keysource/keysourcetest"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/sns"
)

// The published vectors: aws/aws-php-sns-message-validator @01f1049,
// tests/FunctionalValidationsTest.php (testdata/php-fixture-{1..4}.json,
// the certificate testdata/php-test-cert-sns.us-east-2.pem, valid from
// 2021-09-07 to 2022-08-17: the tests' clock is in 2022).
const (
	snsHost     = "sns.us-east-2.amazonaws.com"
	vectorPath  = "/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
	testTopic   = "arn:aws:sns:us-east-2:123456789012:orders"
	testCertURL = "https://" + snsHost + "/SimpleNotificationService-test.pem"
)

var vectorNow = time.Date(2022, 7, 29, 0, 0, 0, 0, time.UTC)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture returns a vector's fields.
func fixture(t *testing.T, n string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(read(t, "php-fixture-"+n+".json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// with returns a copy of m with name set to val, or removed when val is
// nil.
func with(m map[string]any, name string, val any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	if val == nil {
		delete(out, name)
	} else {
		out[name] = val
	}
	return out
}

func encode(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// load is verifiertest.Load, releasing the verifier's certificate cache
// when the test ends, so that every test starts with an empty one.
func load(t *testing.T, block string) webhookverify.Verifier {
	t.Helper()
	v := verifiertest.Load(t, block)
	t.Cleanup(func() { v.(caddy.CleanerUpper).Cleanup() })
	return v
}

// server serves, as sns.us-east-2.amazonaws.com, certificates by path and
// subscription confirmations (GET /?Action=ConfirmSubscription), and
// counts requests.
type server struct {
	mu            sync.Mutex
	files         map[string][]byte
	hits          map[string]int
	confirmStatus atomic.Int64
	total         atomic.Int64
	confirms      atomic.Int64
	lastToken     atomic.Value
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{files: map[string][]byte{vectorPath: read(t, "php-test-cert-sns.us-east-2.pem")}, hits: map[string]int{}}
	s.confirmStatus.Store(http.StatusOK)
	keysourcetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		s.mu.Lock()
		s.hits[r.URL.Path]++
		body, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/" && r.URL.Query().Get("Action") == "ConfirmSubscription":
			s.confirms.Add(1)
			s.lastToken.Store(r.URL.Query().Get("Token"))
			w.WriteHeader(int(s.confirmStatus.Load()))
			w.Write([]byte(`<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"></ConfirmSubscriptionResponse>`))
		case r.URL.Path == "/redirect.pem":
			http.Redirect(w, r, "https://"+snsHost+vectorPath, http.StatusFound)
		case ok:
			w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}), snsHost)
	return s
}

func (s *server) serve(path string, body []byte) {
	s.mu.Lock()
	s.files[path] = body
	s.mu.Unlock()
}

func (s *server) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// issue makes an SNS-like signing certificate for key, valid between
// notBefore and notAfter, issued by a throwaway CA.
func issue(t *testing.T, key any, notBefore, notAfter time.Time) []byte {
	t.Helper()
	ca := keysourcetest.NewCA(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// signingKey serves the certificate of a new RSA key at testCertURL and
// returns the key as the base64 of its PKCS #8 form.
func signingKey(t *testing.T, s *server) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.serve("/SimpleNotificationService-test.pem", issue(t, key, now.Add(-time.Hour), now.Add(time.Hour)))
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return webhookverify.Base64.Encode(der)
}

// vectorsBlock accepts the four vectors' topics: two on one line, two
// on another.
func vectorsBlock(t *testing.T, extra string) string {
	var arns []string
	for _, n := range []string{"1", "2", "3", "4"} {
		arns = append(arns, fixture(t, n)["TopicArn"].(string))
	}
	return "sns {\n topic_arn " + arns[0] + " " + arns[1] + "\n topic_arn " + arns[2] + " " + arns[3] + "\n" + extra + "}"
}

func TestPublishedVectors(t *testing.T) {
	srv := newServer(t)
	v := load(t, vectorsBlock(t, ""))
	f1, f2, f3 := fixture(t, "1"), fixture(t, "2"), fixture(t, "3")
	var cases []verifiertest.Case
	for _, n := range []string{"1", "2", "3", "4"} {
		f := fixture(t, n)
		subject, _ := f["Subject"].(string)
		ts, err := time.Parse(time.RFC3339, f["Timestamp"].(string))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, verifiertest.Case{
			Name: "vector " + n + " (SignatureVersion " + f["SignatureVersion"].(string) + ")",
			Body: string(read(t, "php-fixture-"+n+".json")), Now: vectorNow,
			Event: &webhookverify.Event{ID: f["MessageId"].(string), Type: "com.amazonaws.sns.notification", Time: ts, Subject: subject},
		})
	}
	snsHeaders := func(typ, id, topic string) [][2]string {
		return [][2]string{{"x-amz-sns-message-type", typ}, {"x-amz-sns-message-id", id}, {"x-amz-sns-topic-arn", topic}}
	}
	id1, topic1 := f1["MessageId"].(string), f1["TopicArn"].(string)
	body1 := encode(t, f1)
	cases = append(cases, []verifiertest.Case{
		{Name: "with SNS's headers", Body: body1, Header: snsHeaders("Notification", id1, topic1), Now: vectorNow},
		{Name: "unsigned UnsubscribeURL changed", Body: encode(t, with(f1, "UnsubscribeURL", "https://"+snsHost+"/?Action=Unsubscribe&SubscriptionArn=other")), Now: vectorNow},
		{Name: "unsigned MessageAttributes added", Body: encode(t, with(f1, "MessageAttributes", map[string]any{"a": map[string]any{"Type": "String", "Value": "x"}})), Now: vectorNow},

		{Name: "Message changed", Body: encode(t, with(f1, "Message", "Hello world!")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "Subject changed", Body: encode(t, with(f3, "Subject", "Hello World")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "Subject added", Body: encode(t, with(f1, "Subject", "Hello world")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "Subject removed", Body: encode(t, with(f3, "Subject", nil)), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "TopicArn changed to another allowed topic", Body: encode(t, with(f1, "TopicArn", f2["TopicArn"])), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "MessageId changed", Body: encode(t, with(f1, "MessageId", "792cda85-518f-5dd3-9163-81d851212f3b")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "Timestamp changed", Body: encode(t, with(f1, "Timestamp", "2022-07-28T21:23:59.317Z")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "SignatureVersion 2 said to be 1", Body: encode(t, with(f2, "SignatureVersion", "1")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},
		{Name: "SignatureVersion 1 said to be 2", Body: encode(t, with(f1, "SignatureVersion", "2")), Now: vectorNow, Err: webhookverify.ErrInvalidSignature},

		{Name: "topic not allowed", Body: encode(t, with(f1, "TopicArn", "arn:aws:sns:us-east-2:295079676684:other")), Now: vectorNow, Err: sns.ErrTopicNotAllowed},
		{Name: "SignatureVersion 3", Body: encode(t, with(f1, "SignatureVersion", "3")), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "no SignatureVersion", Body: encode(t, with(f1, "SignatureVersion", nil)), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "no Signature", Body: encode(t, with(f1, "Signature", nil)), Now: vectorNow, Err: webhookverify.ErrMissingSignature},
		{Name: "Signature not base64", Body: encode(t, with(f1, "Signature", "%%%")), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "no SigningCertURL", Body: encode(t, with(f1, "SigningCertURL", nil)), Now: vectorNow, Err: webhookverify.ErrMalformedSignature},
		{Name: "no MessageId", Body: encode(t, with(f1, "MessageId", nil)), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "no Type", Body: encode(t, with(f1, "Type", nil)), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "unknown Type", Body: encode(t, with(f1, "Type", "Notice")), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "said to be an UnsubscribeConfirmation", Body: encode(t, with(f1, "Type", "UnsubscribeConfirmation")), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "a Notification with a SubscribeURL", Body: encode(t, with(f1, "SubscribeURL", "https://"+snsHost+"/?Action=ConfirmSubscription")), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "Message a number", Body: encode(t, with(f1, "Message", 7)), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "Subject null", Body: strings.Replace(body1, "{", `{"Subject":null,`, 1), Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "Timestamp not RFC 3339", Body: encode(t, with(f1, "Timestamp", "28/07/2022")), Now: vectorNow, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "Message repeated", Body: strings.Replace(body1, "{", `{"Message":"Goodbye world",`, 1), Now: vectorNow, Err: webhookverify.ErrDuplicateKey},
		{Name: "Message repeated after", Body: strings.Replace(body1, "}", `,"Message":"Goodbye world"}`, 1), Now: vectorNow, Err: webhookverify.ErrDuplicateKey},
		{Name: "message beside Message", Body: strings.Replace(body1, "{", `{"message":"Goodbye world",`, 1), Now: vectorNow, Err: webhookverify.ErrDuplicateKey},
		{Name: "not JSON", Body: "Hello world", Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "JSON null", Body: "null", Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "an array", Body: "[" + body1 + "]", Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "trailing data", Body: body1 + "{}", Now: vectorNow, Err: webhookverify.ErrMalformedBody},
		{Name: "type header says SubscriptionConfirmation", Body: body1, Header: snsHeaders("SubscriptionConfirmation", id1, topic1), Now: vectorNow, Err: webhookverify.ErrMalformedRequest},
		{Name: "message id header differs", Body: body1, Header: snsHeaders("Notification", "other", topic1), Now: vectorNow, Err: webhookverify.ErrMalformedRequest},
		{Name: "topic header differs", Body: body1, Header: snsHeaders("Notification", id1, f2["TopicArn"].(string)), Now: vectorNow, Err: webhookverify.ErrMalformedRequest},
		{Name: "type header repeated", Body: body1, Header: append(snsHeaders("Notification", id1, topic1), [2]string{"x-amz-sns-message-type", "Notification"}), Now: vectorNow, Err: webhookverify.ErrMalformedRequest},
		{Name: "GET", Method: http.MethodGet, Body: body1, Now: vectorNow, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "the certificate expired", Body: body1, Now: time.Date(2022, 8, 18, 0, 0, 0, 0, time.UTC), Err: webhookverify.ErrUnknownKey},
		{Name: "the certificate not yet valid", Body: body1, Now: time.Date(2021, 9, 6, 0, 0, 0, 0, time.UTC), Err: webhookverify.ErrUnknownKey},
	}...)
	verifiertest.Run(t, v, cases)
	if n := srv.hitsOf(vectorPath); n != 1 {
		t.Errorf("the certificate was fetched %d times, want once (then cached)", n)
	}

	cov := v.(webhookverify.Coverer).Covers()
	if !cov.EventID || cov.Body || cov.Tolerance != 0 {
		t.Errorf("Covers() = %+v, want the event id only, no tolerance", cov)
	}
	if _, ok := v.(webhookverify.CredentialHeaderer); ok {
		t.Errorf("SNS signs in the body: no credential header")
	}

	// With a tolerance, the Timestamp (kept by every retry) must be near.
	tol := load(t, vectorsBlock(t, " tolerance 1h\n"))
	verifiertest.Run(t, tol, []verifiertest.Case{
		{Name: "within tolerance", Body: body1, Now: time.Date(2022, 7, 28, 21, 30, 0, 0, time.UTC)},
		{Name: "out of tolerance", Body: body1, Now: vectorNow, Err: webhookverify.ErrTimestampOutOfTolerance},
	})
	if cov := tol.(webhookverify.Coverer).Covers(); cov.Tolerance != time.Hour {
		t.Errorf("Covers().Tolerance = %v, want 1h", cov.Tolerance)
	}
}

// Hostile certificate URLs are refused without a request; what an SNS
// host serves must be a valid RSA certificate of 2048 bits or more.
func TestCertificateURLs(t *testing.T) {
	srv := newServer(t)
	v := load(t, vectorsBlock(t, ""))
	f1 := fixture(t, "1")
	try := func(certURL string) error {
		b, _ := json.Marshal(with(f1, "SigningCertURL", certURL))
		_, err := v.Verify(verifiertest.Case{Body: string(b)}.Request(), b, vectorNow)
		return err
	}
	for _, u := range []string{
		"https://evil.test/SimpleNotificationService-1.pem",
		"https://sns.us-east-2.amazonaws.com.evil.test" + vectorPath,
		"https://evil.test/sns.us-east-2.amazonaws.com" + vectorPath,
		"http://" + snsHost + vectorPath,
		"https://" + snsHost + "/SimpleNotificationService-1.txt",
		"https://" + snsHost + "/SimpleNotificationService-1",
		"https://" + snsHost + "/x?.pem",
		"https://" + snsHost + vectorPath + "?x=1",
		"https://user@" + snsHost + vectorPath,
		"https://user:pass@" + snsHost + vectorPath,
		"https://" + snsHost + ":8443" + vectorPath,
		"https://sns.amazonaws.com" + vectorPath,
		"https://sqs.us-east-2.amazonaws.com" + vectorPath,
		"https://sns.us-east-2.amazonaws.com.\n" + vectorPath,
		"https://3.5.1.2" + vectorPath,
		"//" + snsHost + vectorPath,
		"not a URL",
		"https://sns.us-east-2.amazonaws.com%2f@evil.test/x.pem",
	} {
		if err := try(u); !errors.Is(err, webhookverify.ErrKeyURLNotAllowed) {
			t.Errorf("%q: err = %v, want key_url_not_allowed", u, err)
		}
	}
	if n := srv.total.Load(); n != 0 {
		t.Fatalf("refused URLs caused %d requests", n)
	}

	// Each region's and partition's hosts are SNS hosts; S3's older
	// endpoints, which AWS's validators' rule lets through (the bucket
	// named sns), are not.
	for _, host := range []string{"sns.eu-west-1.amazonaws.com", "sns.us-gov-west-1.amazonaws.com", "sns.cn-north-1.amazonaws.com.cn",
		"sns.ap-southeast-7.amazonaws.com", "sns.us-isob-east-1.amazonaws.com"} {
		if !sns.AllowedHost(host) {
			t.Errorf("%s is refused", host)
		}
	}
	for _, host := range []string{"sns.s3-external-1.amazonaws.com", "sns.s3-us-west-2.amazonaws.com", "sns.s3-accelerate.amazonaws.com",
		"sns.amazonaws.com", "sns.US-EAST-1.amazonaws.com", "sns.us-east-1.amazonaws.com.evil.test"} {
		if sns.AllowedHost(host) {
			t.Errorf("%s is allowed", host)
		}
	}

	if err := try("https://" + snsHost + "/redirect.pem"); !errors.Is(err, webhookverify.ErrKeyUnavailable) {
		t.Errorf("a redirect: err = %v, want key_unavailable", err)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv.serve("/small.pem", issue(t, small, vectorNow.Add(-time.Hour), vectorNow.Add(time.Hour)))
	srv.serve("/ecdsa.pem", issue(t, ec, vectorNow.Add(-time.Hour), vectorNow.Add(time.Hour)))
	srv.serve("/garbage.pem", []byte("<html>not a certificate</html>"))
	for _, path := range []string{"/small.pem", "/ecdsa.pem", "/garbage.pem"} {
		if err := try("https://" + snsHost + path); !errors.Is(err, webhookverify.ErrUnknownKey) {
			t.Errorf("%s: err = %v, want unknown_key", path, err)
		}
	}

	// A thousand requests naming a certificate that does not exist: one
	// fetch, then the negative cache.
	const missing = "/SimpleNotificationService-none.pem"
	var wg sync.WaitGroup
	var unknown atomic.Int64
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errors.Is(try("https://"+snsHost+missing), webhookverify.ErrUnknownKey) {
				unknown.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := srv.hitsOf(missing); n != 1 || unknown.Load() != 1000 {
		t.Fatalf("1000 requests for a missing certificate: %d fetches, %d unknown_key; want 1 and 1000", n, unknown.Load())
	}
}

// What Sign signs with a test key and its certificate verifies.
func TestSignVerify(t *testing.T) {
	srv := newServer(t)
	priv := signingKey(t, srv)
	v := load(t, "sns {\n topic_arn "+testTopic+"\n private_key "+priv+"\n cert_url "+testCertURL+"\n}")
	now := time.Now()
	body := `{"Message":"{\"order\":\"<42>\"}","Subject":"paid"}`
	r := verifiertest.Case{Body: body}.Request()
	signed, err := v.(webhookverify.Signer).Sign(r, []byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := v.Verify(r, signed, now)
	if err != nil {
		t.Fatalf("what Sign signed: %v\n%s", err, signed)
	}
	var doc map[string]string
	if err := json.Unmarshal(signed, &doc); err != nil {
		t.Fatal(err)
	}
	if ev.ID == "" || ev.ID != doc["MessageId"] || ev.Type != "com.amazonaws.sns.notification" || ev.Subject != "paid" || !ev.Time.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("event = %+v", ev)
	}
	if doc["SignatureVersion"] != "2" || doc["SigningCertURL"] != testCertURL || doc["TopicArn"] != testTopic || doc["Message"] != `{"order":"<42>"}` {
		t.Errorf("signed body = %s", signed)
	}
	if r.Header.Get("x-amz-sns-message-type") != "Notification" || r.Header.Get("x-amz-sns-message-id") != doc["MessageId"] {
		t.Errorf("headers = %v", r.Header)
	}
	doc["Subject"] = "pain"
	tampered, _ := json.Marshal(doc)
	if _, err := v.Verify(r, tampered, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("tampered: err = %v, want invalid_signature", err)
	}
	// Two hours later, the certificate (valid for an hour) has expired.
	if _, err := v.Verify(r, signed, now.Add(2*time.Hour)); !errors.Is(err, webhookverify.ErrUnknownKey) {
		t.Errorf("after the certificate expired: err = %v, want unknown_key", err)
	}
	for _, bad := range []string{`"just text"`, `{"Type":"SubscriptionConfirmation","Message":"m"}`, `{"Subject":"s"}`} {
		if _, err := v.(webhookverify.Signer).Sign(verifiertest.Case{}.Request(), []byte(bad), now); err == nil {
			t.Errorf("signing %s: no error", bad)
		}
	}
}

func TestConfig(t *testing.T) {
	for block, want := range map[string]string{
		"sns {\n}":             "topic_arn",
		"sns {\n topic_arn\n}": "topic_arn needs",
		"sns {\n topic_arn arn:aws:sqs:us-east-2:1:q\n}":                                              "not a topic ARN",
		"sns {\n topic_arn arn:aws:sns:us-east-2:1:*\n}":                                              "wildcards",
		"sns {\n topic_arn " + testTopic + "\n subscription maybe\n}":                                 "confirm",
		"sns {\n topic_arn " + testTopic + "\n secret s\n}":                                           "takes no secret",
		"sns {\n topic_arn " + testTopic + "\n tolerance -1s\n}":                                      "positive",
		"sns {\n topic_arn " + testTopic + "\n private_key abc\n}":                                    "cert_url",
		"sns {\n topic_arn " + testTopic + "\n private_key abc\n cert_url https://evil.test/x.pem\n}": "cert_url",
		"sns {\n topic_arn " + testTopic + "\n topics x\n}":                                           "unrecognized",
	} {
		if _, err := verifiertest.TryLoad(block); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want one mentioning %q", block, err, want)
		}
	}
}

// confirmation is a SubscriptionConfirmation whose SubscribeURL carries
// token.
func confirmation(subscribeURL, token string) string {
	b, _ := json.Marshal(map[string]string{
		"Type":         "SubscriptionConfirmation",
		"Message":      "You have chosen to subscribe to the topic " + testTopic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		"Token":        token,
		"SubscribeURL": subscribeURL,
	})
	return string(b)
}

// deliver does what the handler does: Verify, then Challenge only when
// the request verified.
func deliver(v webhookverify.Verifier, r *http.Request, body []byte, now time.Time) (*webhookverify.ChallengeResponse, error) {
	ev, err := v.Verify(r, body, now)
	if err != nil {
		return nil, err
	}
	return v.(webhookverify.Challenger).Challenge(r, body, ev, now)
}

func TestSubscriptionConfirm(t *testing.T) {
	srv := newServer(t)
	priv := signingKey(t, srv)
	block := "sns {\n topic_arn " + testTopic + "\n private_key " + priv + "\n cert_url " + testCertURL + "\n%s}"
	confirm := load(t, strings.Replace(block, "%s", " subscription confirm\n", 1))
	forward := load(t, strings.Replace(block, "%s", "", 1))
	now := time.Now()
	sign := func(v webhookverify.Verifier, body string) (*http.Request, []byte) {
		t.Helper()
		r := verifiertest.Case{Body: body}.Request()
		signed, err := v.(webhookverify.Signer).Sign(r, []byte(body), now)
		if err != nil {
			t.Fatal(err)
		}
		return r, signed
	}
	subscribe := "https://" + snsHost + "/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=tok-1"

	// Verified: confirmed with one GET of SubscribeURL, answered 200.
	r, signed := sign(confirm, confirmation(subscribe, "tok-1"))
	answer, err := deliver(confirm, r, signed, now)
	if err != nil || answer == nil {
		t.Fatalf("a signed confirmation: answer %v, err %v", answer, err)
	}
	if (answer.Status != 0 && answer.Status != http.StatusOK) || string(answer.Body) != "confirmed" || !strings.HasPrefix(answer.ContentType, "text/plain") {
		t.Errorf("answer = %+v", answer)
	}
	if n, tok := srv.confirms.Load(), srv.lastToken.Load(); n != 1 || tok != "tok-1" {
		t.Fatalf("%d confirmations (token %v), want 1 (tok-1)", n, tok)
	}

	// A Subject added to a confirmation is not signed there: it verifies
	// (the signature ignores it) but is not taken as the event's subject.
	withSubject := strings.Replace(string(signed), `"Type"`, `"Subject":"pay the attacker","Type"`, 1)
	if ev, err := forward.Verify(r, []byte(withSubject), now); err != nil || ev.Subject != "" {
		t.Errorf("an unsigned Subject on a confirmation: subject %q, err %v; want no subject", ev.Subject, err)
	}

	// Forged: another SubscribeURL under the same signature never
	// verifies, so is never fetched.
	forged := strings.Replace(string(signed), "tok-1", "tok-2", -1)
	if _, err := deliver(confirm, r, []byte(forged), now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("forged: err = %v, want invalid_signature", err)
	}
	if n := srv.confirms.Load(); n != 1 {
		t.Errorf("a forged confirmation was confirmed (%d GETs)", n)
	}

	// Signed, but with a SubscribeURL that is not an SNS host's https
	// URL: refused without a request.
	before := srv.total.Load()
	for _, u := range []string{
		"https://evil.test/?Action=ConfirmSubscription&Token=tok-3",
		"http://" + snsHost + "/?Action=ConfirmSubscription&Token=tok-3",
		"https://" + snsHost + ":8443/?Action=ConfirmSubscription&Token=tok-3",
		"https://user@" + snsHost + "/?Action=ConfirmSubscription&Token=tok-3",
		"https://" + snsHost + ".evil.test/?Action=ConfirmSubscription&Token=tok-3",
	} {
		r, signed := sign(confirm, confirmation(u, "tok-3"))
		if _, err := deliver(confirm, r, signed, now); !errors.Is(err, webhookverify.ErrKeyURLNotAllowed) {
			t.Errorf("SubscribeURL %q: err = %v, want key_url_not_allowed", u, err)
		}
	}
	if n := srv.total.Load() - before; n != 0 {
		t.Errorf("refused SubscribeURLs caused %d requests", n)
	}

	// SNS's answer is an error: 503 (SNS sends the confirmation again),
	// nothing remembered, so that the next attempt GETs again.
	for _, status := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusForbidden} {
		srv.confirmStatus.Store(int64(status))
		if _, err := deliver(confirm, r, signed, now); !errors.Is(err, webhookverify.ErrKeyUnavailable) {
			t.Errorf("SNS answers %d: err = %v, want key_unavailable", status, err)
		}
	}
	srv.confirmStatus.Store(http.StatusOK)
	r, signed = sign(confirm, confirmation(subscribe, "tok-1"))
	if answer, err := deliver(confirm, r, signed, now); err != nil || answer == nil {
		t.Errorf("again after failures: answer %v, err %v", answer, err)
	}
	if n := srv.confirms.Load(); n != 5 {
		t.Errorf("%d confirmations, want 5 (1 + 3 failed + 1)", n)
	}

	// A Notification and an UnsubscribeConfirmation are no challenge.
	for _, body := range []string{
		`{"Message":"hello"}`,
		`{"Type":"UnsubscribeConfirmation","Message":"bye","Token":"t","SubscribeURL":"` + subscribe + `"}`,
	} {
		r, signed := sign(confirm, body)
		if answer, err := deliver(confirm, r, signed, now); err != nil || answer != nil {
			t.Errorf("%s: answer %v, err %v; want neither", body, answer, err)
		}
	}

	// Forward mode: verified and forwarded, never confirmed here.
	r, signed = sign(forward, confirmation(subscribe, "tok-1"))
	ev, err := forward.Verify(r, signed, now)
	if err != nil || ev.Type != "com.amazonaws.sns.subscriptionconfirmation" {
		t.Fatalf("forward: event %+v, err %v", ev, err)
	}
	if answer, err := forward.(webhookverify.Challenger).Challenge(r, signed, ev, now); answer != nil || err != nil {
		t.Errorf("forward: answer %v, err %v; want neither", answer, err)
	}
	if n := srv.confirms.Load(); n != 5 {
		t.Errorf("forward mode confirmed (%d GETs)", n)
	}
}
