package hubspot_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/hubspot"
)

// The published vectors: HubSpot/hubspot-api-python
// tests/spec/utils/test_signature.py (TEST_DATA, test_get_signature__v3).
const (
	secret   = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	body     = "{'example_field':'example_value'}"
	target   = "/webhook_uri"
	public   = "https://www.example.com"
	ts       = "15000000"
	sig      = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
	tsLater  = "1693657560000" // a later revision of the same test
	sigLater = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
	other    = "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"
)

var (
	at      = time.UnixMilli(15000000)
	atLater = time.UnixMilli(1693657560000)
)

// sign is HubSpot's v3 signature, computed apart from the code under test.
func sign(key, method, uri, body, ts string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(method + uri + body + ts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hdr(sig, ts string) [][2]string {
	return [][2]string{{"X-HubSpot-Signature-v3", sig}, {"X-HubSpot-Request-Timestamp", ts}}
}

func TestVectorsIndependently(t *testing.T) {
	if got := sign(secret, "POST", public+target, body, ts); got != sig {
		t.Errorf("independent HMAC = %s, want the published %s", got, sig)
	}
	if got := sign(secret, "POST", public+target, body, tsLater); got != sigLater {
		t.Errorf("independent HMAC = %s, want the published %s", got, sigLater)
	}
}

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "hubspot {\n secret "+other+" "+secret+"\n public_url "+public+"\n}")
	events := `[{"eventId":100,"subscriptionId":12345,"portalId":62515,"appId":54321,"occurredAt":1693657500000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW"}]`
	two := `[{"eventId":1,"subscriptionId":2,"occurredAt":1693657500000,"subscriptionType":"deal.propertyChange"},{"eventId":3,"subscriptionId":2,"occurredAt":1693657500001,"subscriptionType":"deal.propertyChange"}]`
	escaped := "/hooks/a%3Ab%2fc%20d?x=%40y"
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector, rotated secret second", Target: target, Header: hdr(sig, ts), Body: body, Now: at,
			Event: &webhookverify.Event{Type: hubspot.TypeRequest}},
		{Name: "published vector, later revision", Target: target, Header: hdr(sigLater, tsLater), Body: body, Now: atLater},
		{Name: "webhook event", Target: target, Header: hdr(sign(secret, "POST", public+target, events, tsLater), tsLater), Body: events, Now: atLater.Add(-4 * time.Minute),
			Event: &webhookverify.Event{ID: "12345:100", Type: "com.hubspot.contact.creation", Time: time.UnixMilli(1693657500000).UTC()}},
		{Name: "two webhook events", Target: target, Header: hdr(sign(secret, "POST", public+target, two, tsLater), tsLater), Body: two, Now: atLater,
			Event: &webhookverify.Event{Type: "com.hubspot.deal.propertyChange", Time: time.UnixMilli(1693657500000).UTC()}},
		{Name: "GET, empty body", Method: http.MethodGet, Target: target + "?a=1", Header: hdr(sign(secret, "GET", public+target+"?a=1", "", tsLater), tsLater), Now: atLater},
		{Name: "listed escapes decoded, others kept", Target: escaped, Header: hdr(sign(secret, "POST", public+"/hooks/a:b/c%20d?x=@y", body, tsLater), tsLater), Body: body, Now: atLater},
		{Name: "escapes signed undecoded", Target: escaped, Header: hdr(sign(secret, "POST", public+escaped, body, tsLater), tsLater), Body: body, Now: atLater, Err: webhookverify.ErrInvalidSignature},

		{Name: "wrong secret", Target: target, Header: hdr(sign("x", "POST", public+target, body, ts), ts), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Target: target, Header: hdr(sig, ts), Body: body + " ", Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong method", Method: http.MethodPut, Target: target, Header: hdr(sig, ts), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "other path", Target: target + "2", Header: hdr(sig, ts), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "query added", Target: target + "?x=1", Header: hdr(sig, ts), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "other timestamp in the tolerance", Target: target, Header: hdr(sig, "15000001"), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "timestamp too old", Target: target, Header: hdr(sig, ts), Body: body, Now: at.Add(5*time.Minute + time.Millisecond), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "timestamp in the future", Target: target, Header: hdr(sig, ts), Body: body, Now: at.Add(-5*time.Minute - time.Millisecond), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "timestamp at the limit", Target: target, Header: hdr(sig, ts), Body: body, Now: at.Add(5 * time.Minute)},
		{Name: "missing timestamp", Target: target, Header: [][2]string{{"X-HubSpot-Signature-v3", sig}}, Body: body, Now: at, Err: webhookverify.ErrMissingTimestamp},
		{Name: "timestamp in seconds with a fraction", Target: target, Header: hdr(sig, "15000.000"), Body: body, Now: at, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "negative timestamp", Target: target, Header: hdr(sig, "-15000000"), Body: body, Now: at, Err: webhookverify.ErrMalformedTimestamp},
		{Name: "missing signature", Target: target, Header: [][2]string{{"X-HubSpot-Request-Timestamp", ts}}, Body: body, Now: at, Err: webhookverify.ErrMissingSignature},
		{Name: "v1 signature only", Target: target, Header: [][2]string{{"X-HubSpot-Signature", "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"}, {"X-HubSpot-Signature-Version", "v1"}, {"X-HubSpot-Request-Timestamp", ts}}, Body: body, Now: at, Err: webhookverify.ErrMissingSignature},
		{Name: "hex signature", Target: target, Header: hdr(strings.Repeat("a", 64), ts), Body: body, Now: at, Err: webhookverify.ErrMalformedSignature},
		{Name: "not base64", Target: target, Header: hdr(strings.Repeat("*", 44), ts), Body: body, Now: at, Err: webhookverify.ErrMalformedSignature},
		{Name: "unpadded", Target: target, Header: hdr(strings.TrimRight(sig, "="), ts), Body: body, Now: at, Err: webhookverify.ErrMalformedSignature},
	})

	// Without public_url, the request's own scheme and Host.
	def := verifiertest.Load(t, "hubspot {\n secret "+secret+"\n}")
	verifiertest.Run(t, def, []verifiertest.Case{
		{Name: "TLS request", Target: public + target, Header: hdr(sig, ts), Body: body, Now: at},
		{Name: "plain request", Target: "http://www.example.com" + target, Header: hdr(sig, ts), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "X-Forwarded-Proto is not trusted", Target: "http://www.example.com" + target, Header: append(hdr(sig, ts), [2]string{"X-Forwarded-Proto", "https"}), Body: body, Now: at, Err: webhookverify.ErrInvalidSignature},
	})
}

func TestSignedURI(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/x":                     "https://a.example/x",
		"https://a.example/%3a%3A%2F%3F%40%21":    "https://a.example/::/?@!",
		"https://a.example/%24%27%28%29%2A%2C%3B": "https://a.example/$'()*,;",
		"https://a.example/%20%25%3D%26%2B%3":     "https://a.example/%20%25%3D%26%2B%3",
		"%":                                       "%",
	} {
		if got := hubspot.SignedURI(in); got != want {
			t.Errorf("SignedURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"hubspot",
		"hubspot {\n}",
		"hubspot {\n secret " + secret + "\n public_url www.example.com\n}",
		"hubspot {\n secret " + secret + "\n public_url https://www.example.com/webhook_uri\n}",
		"hubspot {\n secret " + secret + "\n tolerance 0s\n}",
		"hubspot {\n secret " + secret + "\n tolerance\n}",
		"hubspot {\n secret " + secret + "\n scheme v2\n}",
		"hubspot {\n secret {env.HUBSPOT_TEST_UNSET_VARIABLE}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	v := verifiertest.Load(t, "hubspot {\n secret x\n tolerance 90s\n}")
	if c := v.(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true, Body: true, Tolerance: 90 * time.Second}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, secret, "hubspot {\n secret "+secret+"\n public_url "+public+"\n}", []verifiertest.Case{
		{Name: "vector at the wrong time", Target: target, Header: hdr(sig, ts), Body: body},
		{Name: "tampered", Target: target, Header: hdr(sig, ts), Body: body + "x", Now: at},
		{Name: "no signature", Target: target, Body: body},
	}, "hubspot {\n secret "+secret+"\n public_url x\n}")
}

func TestSignReproducesVector(t *testing.T) {
	v := verifiertest.Load(t, "hubspot {\n secret "+secret+"\n public_url "+public+"\n}")
	r := verifiertest.Case{Target: target}.Request()
	if _, err := v.(webhookverify.Signer).Sign(r, []byte(body), at); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-HubSpot-Signature-v3"); got != sig {
		t.Fatalf("Sign = %s, want %s", got, sig)
	}
}

func FuzzHubSpot(f *testing.F) {
	vs := []webhookverify.Verifier{
		verifiertest.Load(f, "hubspot {\n secret "+secret+" "+other+"\n public_url "+public+"\n}"),
		verifiertest.Load(f, "hubspot {\n secret "+other+"\n}"),
	}
	verifiertest.FuzzSigned(f, vs, body, "", `[{"eventId":1,"subscriptionType":"contact.creation"}]`)
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "hubspot {\n secret "+secret+"\n public_url "+public+"\n}")
	payload := []byte(`[{"eventId":1,"subscriptionId":2,"occurredAt":1693657500000,"subscriptionType":"contact.creation","pad":"` + strings.Repeat("p", 1024-113) + `"}]`)
	r := verifiertest.Case{Target: target, Header: hdr(sign(secret, "POST", public+target, string(payload), tsLater), tsLater)}.Request()
	if _, err := v.Verify(r, payload, atLater); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := v.Verify(r, payload, atLater); err != nil {
			b.Fatal(err)
		}
	}
}
