package mailgun_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/mailgun"
)

// Mailgun publishes no vector (its docs' sample signature is a
// placeholder): signatures are computed here as its docs do
// (createHmac('sha256', signingKey).update(timestamp.concat(token)).digest('hex')),
// apart from the code under test.
const (
	key    = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
	parent = "key-parent0000000000000000000000000000"
	ts     = "1700000000" // verifiertest.Now
	token  = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
)

func mac(k, msg string) string {
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func body(sigObj string) string {
	return `{"signature":` + sigObj + `,"event-data":{"event":"delivered","id":"CPgfbmQMTCKtHW6uIWtuVe","timestamp":1700000000.123,"recipient":"alice@example.com"}}`
}

func sigObj(t, tok, sig string) string {
	return `{"timestamp":"` + t + `","token":"` + tok + `","signature":"` + sig + `"}`
}

func TestVerify(t *testing.T) {
	v := verifiertest.Load(t, "mailgun {\n secret "+parent+" "+key+"\n}")
	sig := mac(key, ts+token)
	ok := body(sigObj(ts, token, sig))
	ev := &webhookverify.Event{ID: token, Type: mailgun.TypeWebhook, Time: verifiertest.Now.UTC()}
	later := verifiertest.Now.Add(5 * time.Minute)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "signed, rotated key second", Body: ok, Event: ev},
		{Name: "event-data is not signed", Body: strings.Replace(ok, "delivered", "failed", 1), Event: ev},
		{Name: "uppercase hex", Body: body(sigObj(ts, token, strings.ToUpper(sig))), Event: ev},
		{Name: "integer timestamp", Body: body(`{"timestamp":` + ts + `,"token":"` + token + `","signature":"` + sig + `"}`), Event: ev},
		{Name: "parent-signature of a subaccount", Body: body(`{"timestamp":"` + ts + `","token":"` + token + `","signature":"` + mac("key-subaccount", ts+token) + `","parent-signature":"` + mac(parent, ts+token) + `"}`), Event: ev},
		{Name: "5m old", Body: ok, Now: later, Event: ev},

		{Name: "wrong method", Method: http.MethodGet, Body: ok, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "wrong key", Body: body(sigObj(ts, token, mac("key-other", ts+token))), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered token", Body: body(sigObj(ts, token[:49]+"4", sig)), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered timestamp", Body: body(sigObj("1700000001", token, sig)), Err: webhookverify.ErrInvalidSignature},
		// timestamp+token has no separator, but moving a digit changes the
		// time by decades: the tolerance refuses it.
		{Name: "digits moved from timestamp to token", Body: body(sigObj("170000000", "0"+token, sig)), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "too old", Body: ok, Now: later.Add(time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "in the future", Body: ok, Now: verifiertest.Now.Add(-5*time.Minute - time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "missing signature object", Body: `{"event-data":{}}`, Err: webhookverify.ErrMissingSignature},
		{Name: "missing signature", Body: body(`{"timestamp":"` + ts + `","token":"` + token + `"}`), Err: webhookverify.ErrMissingSignature},
		{Name: "missing timestamp", Body: body(`{"token":"` + token + `","signature":"` + sig + `"}`), Err: webhookverify.ErrMissingTimestamp},
		{Name: "missing token", Body: body(`{"timestamp":"` + ts + `","signature":"` + sig + `"}`), Err: webhookverify.ErrMalformedSignature},
		{Name: "token with a space", Body: body(sigObj(ts, "a b", mac(key, ts+"a b"))), Err: webhookverify.ErrMalformedSignature},
		{Name: "fractional timestamp", Body: body(sigObj(ts+".5", token, sig)), Err: webhookverify.ErrMalformedTimestamp},
		{Name: "short signature", Body: body(sigObj(ts, token, sig[:62])), Err: webhookverify.ErrMalformedSignature},
		{Name: "not hex", Body: body(sigObj(ts, token, strings.Repeat("z", 64))), Err: webhookverify.ErrMalformedSignature},
		{Name: "signature not an object", Body: `{"signature":"` + sig + `"}`, Err: webhookverify.ErrMalformedSignature},
		{Name: "repeated token", Body: body(`{"timestamp":"` + ts + `","token":"` + token + `","token":"x","signature":"` + sig + `"}`), Err: webhookverify.ErrDuplicateKey},
		{Name: "case variant of token", Body: body(`{"timestamp":"` + ts + `","token":"` + token + `","Token":"x","signature":"` + sig + `"}`), Err: webhookverify.ErrMalformedBody},
		{Name: "case variant of signature", Body: `{"Signature":{},` + ok[1:], Err: webhookverify.ErrMalformedBody},
		{Name: "legacy form", Body: "timestamp=" + ts + "&token=" + token + "&signature=" + sig, Err: webhookverify.ErrMalformedBody},
	})
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{"mailgun", "mailgun {\n}", "mailgun {\n secret x\n tolerance -1s\n}", "mailgun {\n secret x\n header y\n}", "mailgun {\n secret {env.MAILGUN_TEST_UNSET}\n}"} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	c := verifiertest.Load(t, "mailgun {\n secret x\n}").(webhookverify.Coverer).Covers()
	if c != (webhookverify.Coverage{EventID: true, Tolerance: 5 * time.Minute}) {
		t.Fatalf("coverage %+v", c)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, key, "mailgun {\n secret "+key+"\n}", []verifiertest.Case{
		{Name: "tampered", Body: body(sigObj("1700000001", token, mac(key, ts+token)))},
		{Name: "malformed", Body: body(sigObj(ts, token, "zz"))},
		{Name: "old", Body: body(sigObj("1", token, mac(key, "1"+token)))},
	}, "mailgun {\n secret "+key+"\n bogus\n}")
}

func TestSign(t *testing.T) {
	v := verifiertest.Load(t, "mailgun {\n secret "+key+"\n}")
	r := verifiertest.Case{}.Request()
	got, err := v.(webhookverify.Signer).Sign(r, []byte(body(sigObj("1", token, "x"))), verifiertest.Now)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Signature map[string]string `json:"signature"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"timestamp": ts, "token": token, "signature": mac(key, ts+token)}
	for k, w := range want {
		if doc.Signature[k] != w {
			t.Fatalf("Sign: %s = %q, want %q", k, doc.Signature[k], w)
		}
	}
	got, err = v.(webhookverify.Signer).Sign(r, []byte(`{"event-data":{}}`), verifiertest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := v.Verify(r, got, verifiertest.Now); err != nil || len(ev.ID) != 50 {
		t.Fatalf("Verify(Sign()) = %+v, %v", ev, err)
	}
}

// FuzzMailgun: any JSON object, once signed, verifies; changing the signed
// timestamp or token fails; arbitrary bytes never panic. (FuzzSigned does
// not fit: event-data is not signed.)
func FuzzMailgun(f *testing.F) {
	f.Add([]byte(body(sigObj(ts, token, "x"))), true)
	f.Add([]byte(`{"event-data":null}`), false)
	f.Add([]byte(`[1]`), false)
	v := verifiertest.Load(f, "mailgun {\n secret "+key+" "+parent+"\n}")
	s := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, raw []byte, changeToken bool) {
		if _, err := v.Verify(verifiertest.Case{}.Request(), raw, verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		r := verifiertest.Case{}.Request()
		signed, err := s.Sign(r, raw, verifiertest.Now)
		if err != nil {
			if webhookverify.FailureOf(err) == webhookverify.ErrMalformedBody {
				return
			}
			t.Fatalf("Sign: %v", err)
		}
		ev, err := v.Verify(r, signed, verifiertest.Now)
		if err != nil {
			if webhookverify.FailureOf(err) == webhookverify.ErrDuplicateKey || webhookverify.FailureOf(err) == webhookverify.ErrMalformedBody {
				return // the rest of the body repeats a key, or is not JSON Go reads alike
			}
			t.Fatalf("Verify(Sign()) = %v\n%s", err, signed)
		}
		var tampered []byte
		if changeToken {
			tampered = []byte(strings.Replace(string(signed), `"token":"`+ev.ID+`"`, `"token":"`+ev.ID+`0"`, 1))
		} else {
			tampered = []byte(strings.Replace(string(signed), `"timestamp":"`+ts+`"`, `"timestamp":"`+ts[:9]+`1"`, 1))
		}
		if _, err := v.Verify(r, tampered, verifiertest.Now); err == nil {
			t.Fatalf("changed signed field verified:\n%s", tampered)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := verifiertest.Load(b, "mailgun {\n secret "+key+"\n}")
	payload := []byte(`{"signature":` + sigObj(ts, token, mac(key, ts+token)) + `,"event-data":{"event":"delivered","pad":"` + strings.Repeat("p", 800) + `"}}`)
	r := verifiertest.Case{}.Request()
	if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := v.Verify(r, payload, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
