package braintree_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/braintree"
)

// The published vector: braintree/braintree_python (and the other SDKs),
// tests/unit/test_webhooks.py, test_verify_returns_a_correct_challenge_response:
// with private key integration_private_key, the challenge
// 20f9f8ed05f77439fe955c977e4c8a53 answers
// integration_public_key|d9b899556c966b3f06945ec21311865d35df3ce4. It is
// the same HMAC-SHA1 under SHA1(private key) that signs bt_payload, and the
// challenge is base64 text, so it verifies as a payload.
const (
	pub       = "integration_public_key"
	priv      = "integration_private_key"
	challenge = "20f9f8ed05f77439fe955c977e4c8a53"
	vectorSig = "d9b899556c966b3f06945ec21311865d35df3ce4"

	pub2  = "rotated_public_key"
	priv2 = "rotated_private_key"
)

// notificationXML is a notification as WebhookTesting.sample_notification
// builds it; payload is Ruby's Base64.encode64 of it (60-column lines).
const (
	notificationXML = "<notification>\n  <timestamp type=\"datetime\">2023-11-14T22:13:20Z</timestamp>\n  <kind>subscription_went_past_due</kind>\n  <subject>\n    <subscription><id>my_id</id></subscription>\n  </subject>\n</notification>\n"
	payload         = "PG5vdGlmaWNhdGlvbj4KICA8dGltZXN0YW1wIHR5cGU9ImRhdGV0aW1lIj4yMDIzLTExLTE0VDIy\nOjEzOjIwWjwvdGltZXN0YW1wPgogIDxraW5kPnN1YnNjcmlwdGlvbl93ZW50X3Bhc3RfZHVlPC9r\naW5kPgogIDxzdWJqZWN0PgogICAgPHN1YnNjcmlwdGlvbj48aWQ+bXlfaWQ8L2lkPjwvc3Vic2Ny\naXB0aW9uPgogIDwvc3ViamVjdD4KPC9ub3RpZmljYXRpb24+Cg==\n"
)

// sign is Braintree's signature, computed apart from the code under test.
func sign(privateKey, msg string) string {
	k := sha1.Sum([]byte(privateKey))
	m := hmac.New(sha1.New, k[:])
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func form(sig, p string) string {
	return url.Values{"bt_signature": {sig}, "bt_payload": {p}}.Encode()
}

func id(p string) string {
	s := sha256.Sum256([]byte(strings.ReplaceAll(p, "\n", "")))
	return hex.EncodeToString(s[:])
}

const block = "braintree {\n secret " + priv + " " + priv2 + "\n public_key " + pub + " " + pub2 + "\n}"

func TestVectorIndependently(t *testing.T) {
	if got := sign(priv, challenge); got != vectorSig {
		t.Fatalf("independent HMAC = %s, want the published %s", got, vectorSig)
	}
	if got, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(payload, "\n", "")); string(got) != notificationXML {
		t.Fatal("payload is not the notification")
	}
}

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, block)
	sig := pub + "|" + sign(priv, payload)
	ev := &webhookverify.Event{ID: id(payload), Type: braintree.TypePrefix + "subscription_went_past_due", Time: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}
	trimmed := strings.TrimSuffix(payload, "\n")
	other := "<notification><kind>check</kind><timestamp type=\"datetime\">2024-01-02T03:04:05Z</timestamp></notification>"
	otherP := base64.StdEncoding.EncodeToString([]byte(other))
	verifiertest.Run(t, v, []verifiertest.Case{
		// Braintree's challenge answer is this same HMAC over any string:
		// the published vector's challenge, signed, is not a notification,
		// so an endpoint that answers challenges cannot be used to forge one.
		{Name: "published challenge vector is not a notification", Body: form(pub+"|"+vectorSig, challenge), Err: webhookverify.ErrMalformedBody},
		{Name: "notification", Body: form(sig, payload), Event: ev},
		{Name: "final line feed stripped in transit", Body: form(sig, trimmed), Event: &webhookverify.Event{ID: id(payload), Type: ev.Type, Time: ev.Time}},
		{Name: "several pairs, ours second", Body: form("someone_else|"+sign("x", payload)+"&"+sig, payload), Event: ev},
		{Name: "rotated pair", Body: form(pub2+"|"+sign(priv2, otherP), otherP), Event: &webhookverify.Event{ID: id(otherP), Type: "com.braintree.check", Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{Name: "uppercase hex", Body: form(pub+"|"+strings.ToUpper(sign(priv, payload)), payload), Event: ev},
		{Name: "signed but not XML", Body: form(pub+"|"+sign(priv, "AAAA"), "AAAA"), Err: webhookverify.ErrMalformedBody},

		{Name: "wrong method", Method: http.MethodGet, Body: form(sig, payload), Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong private key", Body: form(pub+"|"+sign("other_private_key", payload), payload), Err: webhookverify.ErrInvalidSignature},
		{Name: "rotated private key under the first public key", Body: form(pub+"|"+sign(priv2, payload), payload), Err: webhookverify.ErrInvalidSignature},
		{Name: "unknown public key", Body: form("bad_stuff"+sig, payload), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered payload", Body: form(sig, strings.Replace(payload, "PG5v", "PG5w", 1)), Err: webhookverify.ErrInvalidSignature},
		{Name: "modified signature", Body: form(sig[:len(sig)-1]+"0", payload), Err: webhookverify.ErrInvalidSignature},
		{Name: "signature not hex", Body: form(sig[:len(sig)-1]+"!", payload), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature short", Body: form(sig[:len(sig)-2], payload), Err: webhookverify.ErrMalformedSignature},
		{Name: "missing signature", Body: url.Values{"bt_payload": {payload}}.Encode(), Err: webhookverify.ErrMissingSignature},
		{Name: "missing payload", Body: url.Values{"bt_signature": {sig}}.Encode(), Err: webhookverify.ErrMalformedBody},
		{Name: "repeated payload", Body: form(sig, payload) + "&bt_payload=AAAA", Err: webhookverify.ErrMalformedBody},
		{Name: "payload not base64", Body: form(pub+"|"+sign(priv, "verification_token"), "verification_token"), Err: webhookverify.ErrMalformedBody},
		{Name: "not a form", Body: "bt_payload=%zz", Err: webhookverify.ErrMalformedBody},
		{Name: "too many pairs", Body: form(strings.Repeat("a|b&", 16)+sig, payload), Err: webhookverify.ErrMalformedSignature},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"braintree", "braintree {\n}", "braintree {\n secret x\n}", "braintree {\n public_key p\n}",
		"braintree {\n secret x y\n public_key p\n}", "braintree {\n secret x y\n public_key p p\n}",
		"braintree {\n secret x\n public_key a|b\n}", "braintree {\n secret x\n public_key p\n bogus\n}",
		"braintree {\n secret {env.BRAINTREE_TEST_UNSET}\n public_key p\n}",
		"braintree {\n secret x\n public_key {env.BRAINTREE_TEST_UNSET}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	if c := verifiertest.Load(t, block).(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, priv, block, []verifiertest.Case{
		{Name: "tampered", Body: form(pub+"|"+sign(priv, payload), "AAAA")},
		{Name: "malformed", Body: form(pub+"|zz", payload)},
	}, "braintree {\n secret "+priv+"\n}", "braintree {\n secret "+priv+"\n public_key a b\n}")
}

func TestSign(t *testing.T) {
	v := verifiertest.Load(t, block)
	r := verifiertest.Case{}.Request()
	got, err := v.(webhookverify.Signer).Sign(r, []byte(payload), verifiertest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != form(pub+"|"+sign(priv, payload), payload) {
		t.Fatalf("Sign = %s", got)
	}
	got, _ = v.(webhookverify.Signer).Sign(r, []byte(notificationXML), verifiertest.Now)
	if ev, err := v.Verify(r, got, verifiertest.Now); err != nil || ev.Type != braintree.TypePrefix+"subscription_went_past_due" {
		t.Fatalf("Verify(Sign(xml)) = %+v, %v", ev, err)
	}
}

// FuzzBraintree: whatever Sign makes verifies; a flipped bit in the form
// (which, but for bt_signature, is all payload) fails, or is refused as
// malformed when it breaks the form.
func FuzzBraintree(f *testing.F) {
	v := verifiertest.Load(f, block)
	s := v.(webhookverify.Signer)
	f.Add([]byte(notificationXML), uint16(3))
	f.Add([]byte(payload), uint16(70))
	f.Add([]byte(""), uint16(0))
	f.Fuzz(func(t *testing.T, body []byte, flip uint16) {
		if _, err := v.Verify(verifiertest.Case{}.Request(), body, verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		r := verifiertest.Case{}.Request()
		signed, err := s.Sign(r, body, verifiertest.Now)
		if len(body) == 0 {
			if webhookverify.FailureOf(err) != webhookverify.ErrMalformedBody {
				t.Fatalf("Sign(empty) = %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, signed, verifiertest.Now); err != nil {
			t.Fatalf("Verify(Sign()) = %v", err)
		}
		vals, _ := url.ParseQuery(string(signed))
		p := []byte(vals.Get("bt_payload"))
		p[int(flip)%len(p)] ^= 1 << (flip % 8)
		tampered := form(vals.Get("bt_signature"), string(p))
		if _, err := v.Verify(r, []byte(tampered), verifiertest.Now); err == nil {
			// Only the final line feed may go (SDK behaviour); a flip never
			// removes it, so any change must fail.
			t.Fatalf("changed payload verified: %q", p)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, block)
	xml := "<notification><timestamp type=\"datetime\">2023-11-14T22:13:20Z</timestamp><kind>subscription_charged_successfully</kind><subject>" + strings.Repeat("<x>pad</x>", 60) + "</subject></notification>"
	p := base64.StdEncoding.EncodeToString([]byte(xml))
	body := []byte(form(pub+"|"+sign(priv, p), p))
	r := verifiertest.Case{}.Request()
	if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
