package twilio_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/twilio"
)

// The published vectors: twilio/twilio-go client/request_validator_test.go.
const (
	token    = "12345"
	otherTok = "0123456789abcdef0123456789abcdef"
	path     = "/myapp.php?foo=1&bar=2"
	testURL  = "https://mycompany.com" + path
	// of testURL with the five params below
	sigHTTPS         = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	sigHTTPSWithPort = "kvajT1Ptam85bY51eRf/AJRuM3w=" // https://mycompany.com:443/…
	sigHTTP80        = "0ZXoZLH/DfblKGATFgpif+LLRf4=" // http://mycompany.com:80/…
	sigHTTP1234      = "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
	// with ReasonConferenceEnded=test and Reason=Participant added (an
	// older revision of the same test)
	sigHTTPS7 = "vOEb5UThFn24KEfnOFLQY2AE5FY="
	sigHTTP7  = "n2xBNyzSW7rfYStDtOFiFMv7qNo="

	jsonBody       = `{"property": "value", "boolean": true}`
	bodyHash       = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	sigBody        = "a9nBmqA0ju/hNViExpshrM61xv4=" // testURL + "&bodySHA256=" + bodyHash
	sigBodyNoParam = "y77kIzt2vzLz71DgmJGsen2scGs=" // https://mycompany.com/myapp.php?bodySHA256=…
)

// form is the vector's five parameters, form-encoded.
const form = "Digits=1234&CallSid=CA1234567890ABCDE&To=%2B18005551212&Caller=%2B14158675309&From=%2B14158675309"

const form7 = form + "&ReasonConferenceEnded=test&Reason=Participant"

// sign is Twilio's signature, computed apart from the code under test: the
// URL, then each name+value sorted by name.
func sign(tok, u string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	s := u
	for _, k := range names {
		vals := append([]string(nil), params[k]...)
		sort.Strings(vals)
		for i, v := range vals {
			if i > 0 && vals[i-1] == v {
				continue
			}
			s += k + v
		}
	}
	m := hmac.New(sha1.New, []byte(tok))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func parse(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func hdr(sig string) [][2]string {
	return [][2]string{{"X-Twilio-Signature", sig}, {"Content-Type", "application/x-www-form-urlencoded"}}
}

func TestVectorsIndependently(t *testing.T) {
	for _, c := range []struct{ url, body, want string }{
		{testURL, form, sigHTTPS},
		{"https://mycompany.com:443" + path, form, sigHTTPSWithPort},
		{"http://mycompany.com:80" + path, form, sigHTTP80},
		{"http://mycompany.com:1234" + path, form, sigHTTP1234},
		{testURL, form7, sigHTTPS7},
		{"http://mycompany.com" + path, form7, sigHTTP7},
		{testURL + "&bodySHA256=" + bodyHash, "", sigBody},
		{"https://mycompany.com/myapp.php?bodySHA256=" + bodyHash, "", sigBodyNoParam},
	} {
		if got := sign(token, c.url, parse(c.body)); got != c.want {
			t.Errorf("%s %s: independent HMAC = %s, want the published %s", c.url, c.body, got, c.want)
		}
	}
	if sum := sha256.Sum256([]byte(jsonBody)); hex.EncodeToString(sum[:]) != bodyHash {
		t.Fatal("body hash differs from the published one")
	}
}

func TestPublishedVectors(t *testing.T) {
	https := verifiertest.Load(t, "twilio {\n secret "+otherTok+" "+token+"\n public_url https://mycompany.com\n}")
	callEvent := func(u, body string) *webhookverify.Event {
		return &webhookverify.Event{ID: id(u, body), Type: twilio.TypeCall}
	}
	verifiertest.Run(t, https, []verifiertest.Case{
		{Name: "form, rotated token second", Target: path, Header: hdr(sigHTTPS), Body: form, Event: callEvent(testURL, form)},
		{Name: "form, parameters in another order", Target: path, Header: hdr(sigHTTPS), Body: "To=%2B18005551212&" + strings.Replace(form, "&To=%2B18005551212", "", 1)},
		{Name: "form, seven parameters", Target: path, Header: hdr(sigHTTPS7), Body: form7},
		{Name: "form, signed with the default port", Target: path, Header: hdr(sigHTTPSWithPort), Body: form, Event: callEvent("https://mycompany.com:443"+path, form)},
		{Name: "JSON body", Target: path + "&bodySHA256=" + bodyHash, Header: hdr(sigBody), Body: jsonBody,
			Event: &webhookverify.Event{ID: id(testURL+"&bodySHA256="+bodyHash, ""), Type: twilio.TypeWebhook}},
		{Name: "JSON body, bodySHA256 alone", Target: "/myapp.php?bodySHA256=" + bodyHash, Header: hdr(sigBodyNoParam), Body: jsonBody},
		{Name: "JSON body, uppercase hex digest", Target: "/myapp.php?bodySHA256=" + strings.ToUpper(bodyHash), Header: hdr(sign(token, "https://mycompany.com/myapp.php?bodySHA256="+strings.ToUpper(bodyHash), nil)), Body: jsonBody},
	})
	http1234 := verifiertest.Load(t, "twilio {\n secret "+token+"\n public_url http://mycompany.com:1234\n}")
	verifiertest.Run(t, http1234, []verifiertest.Case{
		{Name: "http with port", Target: path, Header: hdr(sigHTTP1234), Body: form},
		{Name: "https signature on http", Target: path, Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrInvalidSignature},
	})
	http80 := verifiertest.Load(t, "twilio {\n secret "+token+"\n public_url http://mycompany.com\n}")
	verifiertest.Run(t, http80, []verifiertest.Case{
		{Name: "http, signed with the default port", Target: path, Header: hdr(sigHTTP80), Body: form},
		{Name: "http, seven parameters", Target: path, Header: hdr(sigHTTP7), Body: form7},
	})
	https1234 := verifiertest.Load(t, "twilio {\n secret "+token+"\n public_url https://mycompany.com:1234\n}")
	verifiertest.Run(t, https1234, []verifiertest.Case{
		{Name: "https with port, signed without it", Target: path, Header: hdr(sigHTTPS), Body: form},
	})
}

// id is the event id the verifier gives: a digest of the signed text.
func id(u, body string) string {
	var params string
	if body != "" {
		p := parse(body)
		names := make([]string, 0, len(p))
		for k := range p {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			params += k + p[k][0]
		}
	}
	sum := sha256.Sum256([]byte(u + params))
	return hex.EncodeToString(sum[:16])
}

func TestDefaultBaseURL(t *testing.T) {
	v := verifiertest.Load(t, "twilio {\n secret "+token+"\n}")
	verifiertest.Run(t, v, []verifiertest.Case{
		// httptest marks an https:// target as TLS, with Host mycompany.com.
		{Name: "TLS request", Target: testURL, Header: hdr(sigHTTPS), Body: form},
		{Name: "plain request", Target: "http://mycompany.com" + path, Header: hdr(sigHTTP80), Body: form},
		{Name: "plain request, https signature", Target: "http://mycompany.com" + path, Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrInvalidSignature},
		{Name: "X-Forwarded-Proto is not trusted", Target: "http://mycompany.com" + path, Header: append(hdr(sigHTTPS), [2]string{"X-Forwarded-Proto", "https"}), Body: form, Err: webhookverify.ErrInvalidSignature},
		{Name: "another Host", Target: "https://evil.example" + path, Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrInvalidSignature},
	})
}

func TestRejections(t *testing.T) {
	v := verifiertest.Load(t, "twilio {\n secret "+token+"\n public_url https://mycompany.com\n}")
	msg := "MessageSid=SM1&SmsStatus=received&Body=Hello+there&From=%2B15551234567&Body=Hello+there&Body=a"
	msgSig := sign(token, testURL, parse(msg))
	getURL := "/status?CallSid=CA1&CallStatus=completed"
	getSig := sign(token, "https://mycompany.com"+getURL, nil)
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "message with repeated values", Target: path, Header: hdr(msgSig), Body: msg, Event: &webhookverify.Event{ID: idOf(testURL, "BodyHello thereBodyaFrom+15551234567MessageSidSM1SmsStatusreceived"), Type: twilio.TypeMessage}},
		{Name: "GET with the parameters in the query", Method: http.MethodGet, Target: getURL, Header: hdr(getSig), Event: &webhookverify.Event{ID: idOf("https://mycompany.com"+getURL, ""), Type: twilio.TypeCall}},
		{Name: "GET with a body", Method: http.MethodGet, Target: getURL, Header: hdr(getSig), Body: "x=1", Err: webhookverify.ErrMalformedBody},
		{Name: "GET with a changed query", Method: http.MethodGet, Target: getURL + "&x=1", Header: hdr(getSig), Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong token", Target: path, Header: hdr(sign("54321", testURL, parse(form))), Body: form, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered value", Target: path, Header: hdr(sigHTTPS), Body: strings.Replace(form, "1234&", "1235&", 1), Err: webhookverify.ErrInvalidSignature},
		{Name: "parameter added", Target: path, Header: hdr(sigHTTPS), Body: form + "&Extra=1", Err: webhookverify.ErrInvalidSignature},
		{Name: "parameter removed", Target: path, Header: hdr(sigHTTPS), Body: strings.Replace(form, "Digits=1234&", "", 1), Err: webhookverify.ErrInvalidSignature},
		// Twilio's scheme joins names and values with no separator, so the
		// boundary between a name and its value is not signed.
		{Name: "value moved into the name verifies (Twilio's scheme)", Target: path, Header: hdr(sign(token, testURL, parse("Digits=1234"))), Body: "Digits1=234"},
		{Name: "query changed", Target: "/myapp.php?foo=1&bar=3", Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrInvalidSignature},
		{Name: "path changed", Target: "/myapp2.php?foo=1&bar=2", Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrInvalidSignature},
		{Name: "wrong method", Method: http.MethodPut, Target: path, Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrMethodNotAllowed},
		{Name: "missing signature", Target: path, Body: form, Err: webhookverify.ErrMissingSignature},
		{Name: "empty signature", Target: path, Header: hdr(" "), Body: form, Err: webhookverify.ErrMissingSignature},
		{Name: "not base64", Target: path, Header: hdr(strings.Repeat("*", 28)), Body: form, Err: webhookverify.ErrMalformedSignature},
		{Name: "truncated", Target: path, Header: hdr(sigHTTPS[:20]), Body: form, Err: webhookverify.ErrMalformedSignature},
		{Name: "hex", Target: path, Header: hdr(strings.Repeat("0", 40)), Body: form, Err: webhookverify.ErrMalformedSignature},
		{Name: "not a form", Target: path, Header: hdr(sigHTTPS), Body: "a=%zz", Err: webhookverify.ErrMalformedBody},
		{Name: "JSON tampered", Target: path + "&bodySHA256=" + bodyHash, Header: hdr(sigBody), Body: jsonBody + " ", Err: webhookverify.ErrInvalidSignature},
		{Name: "JSON body without bodySHA256", Target: path, Header: hdr(sigBody), Body: jsonBody, Err: webhookverify.ErrInvalidSignature},
		{Name: "bodySHA256 not hex", Target: path + "&bodySHA256=" + strings.Repeat("z", 64), Header: hdr(sigBody), Body: jsonBody, Err: webhookverify.ErrMalformedSignature},
		{Name: "bodySHA256 short", Target: path + "&bodySHA256=" + bodyHash[:10], Header: hdr(sigBody), Body: jsonBody, Err: webhookverify.ErrMalformedSignature},
		{Name: "bodySHA256 twice", Target: path + "&bodySHA256=" + bodyHash + "&bodySHA256=" + bodyHash, Header: hdr(sigBody), Body: jsonBody, Err: webhookverify.ErrMalformedRequest},
		{Name: "query not valid", Target: "/myapp.php?a=%zz", Header: hdr(sigHTTPS), Body: form, Err: webhookverify.ErrMalformedRequest},
	})
}

func idOf(u, params string) string {
	sum := sha256.Sum256([]byte(u + params))
	return hex.EncodeToString(sum[:16])
}

func TestLoad(t *testing.T) {
	for _, bad := range []string{
		"twilio",
		"twilio {\n}",
		"twilio {\n secret " + token + "\n public_url mycompany.com\n}",
		"twilio {\n secret " + token + "\n public_url https://mycompany.com/path\n}",
		"twilio {\n secret " + token + "\n public_url https://mycompany.com?x=1\n}",
		"twilio {\n secret " + token + "\n public_url\n}",
		"twilio {\n secret " + token + "\n tolerance 5m\n}",
		"twilio {\n secret {env.TWILIO_TEST_UNSET_VARIABLE}\n}",
	} {
		if _, err := verifiertest.TryLoad(bad); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
}

func TestSecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, otherTok, "twilio {\n secret "+otherTok+"\n public_url https://mycompany.com\n}", []verifiertest.Case{
		{Name: "form", Target: path, Header: hdr(sigHTTPS), Body: form},
		{Name: "json", Target: path + "&bodySHA256=" + bodyHash, Header: hdr(sigBody), Body: jsonBody},
		{Name: "json tampered", Target: path + "&bodySHA256=" + bodyHash, Header: hdr(sigBody), Body: jsonBody + "x"},
		{Name: "no signature", Target: path, Body: form},
	}, "twilio {\n secret "+otherTok+"\n public_url x\n}")
}

func TestSignRoundTrip(t *testing.T) {
	v := verifiertest.Load(t, "twilio {\n secret "+token+"\n public_url https://mycompany.com\n}")
	s := v.(webhookverify.Signer)
	r := verifiertest.Case{Target: path, Header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}}.Request()
	if _, err := s.Sign(r, []byte(form), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-Twilio-Signature"); got != sigHTTPS {
		t.Fatalf("Sign = %s, want the published %s", got, sigHTTPS)
	}
	r = verifiertest.Case{Target: path}.Request()
	if _, err := s.Sign(r, []byte(jsonBody), verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, []byte(jsonBody), verifiertest.Now); err != nil {
		t.Fatalf("JSON Sign→Verify: %v (%s)", err, r.RequestURI)
	}
	if !strings.Contains(r.RequestURI, "bodySHA256="+bodyHash) {
		t.Fatalf("Sign set %s", r.RequestURI)
	}
}

func TestCovers(t *testing.T) {
	if c := verifiertest.Load(t, "twilio {\n secret x\n}").(webhookverify.Coverer).Covers(); c != (webhookverify.Coverage{EventID: true}) {
		t.Fatalf("coverage %+v", c)
	}
}

// jsonMode is a Twilio verifier as FuzzSigned uses it: its requests have no
// form Content-Type, so Sign signs them as JSON (bodySHA256), which covers
// every byte of the body. (Twilio's own Covers says Body false, because a
// form body is signed as decoded parameters.)
type jsonMode struct{ webhookverify.Verifier }

func (j jsonMode) Sign(r *http.Request, body []byte, now time.Time) ([]byte, error) {
	return j.Verifier.(webhookverify.Signer).Sign(r, body, now)
}

func (jsonMode) Covers() webhookverify.Coverage {
	return webhookverify.Coverage{EventID: true, Body: true}
}

func FuzzTwilio(f *testing.F) {
	vs := []webhookverify.Verifier{
		jsonMode{verifiertest.Load(f, "twilio {\n secret "+token+" "+otherTok+"\n}")},
		jsonMode{verifiertest.Load(f, "twilio {\n secret "+token+"\n public_url https://mycompany.com:8443\n}")},
	}
	verifiertest.FuzzSigned(f, vs, jsonBody, "", form)
}

// FuzzForm: a signed form verifies, and any change to its parameters fails.
func FuzzForm(f *testing.F) {
	f.Add("Digits", "1234", "CallSid", "CA1", "x")
	f.Add("", "", "a b", "é&=", "")
	v := verifiertest.Load(f, "twilio {\n secret "+token+"\n public_url https://mycompany.com\n}")
	s := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, extra string) {
		vals := url.Values{}
		vals.Add(k1, v1)
		vals.Add(k2, v2)
		body := []byte(vals.Encode())
		r := verifiertest.Case{Target: path, Header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}}.Request()
		if _, err := s.Sign(r, body, verifiertest.Now); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
			t.Fatalf("signed form rejected: %v", err)
		}
		if k2 == k1+"x" {
			return // the added value could repeat one already signed
		}
		vals.Add(k1+"x", extra)
		if _, err := v.Verify(r, []byte(vals.Encode()), verifiertest.Now); err == nil {
			t.Fatal("a form with an added parameter verified")
		}
		vals.Del(k1 + "x")
		vals.Set(k2, v2+"x")
		if _, err := v.Verify(r, []byte(vals.Encode()), verifiertest.Now); err == nil {
			t.Fatal("a form with a changed value verified")
		}
	})
}

func BenchmarkVerifyForm(b *testing.B) {
	v := verifiertest.Load(b, "twilio {\n secret "+token+"\n public_url https://mycompany.com\n}")
	body := form7 + "&Pad=" + strings.Repeat("p", 1024-len(form7)-len("&Pad="))
	r := verifiertest.Case{Target: path, Header: hdr(sign(token, testURL, parse(body)))}.Request()
	if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, []byte(body), verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
