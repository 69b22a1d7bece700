package generic

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// GitHub's published example ("Validating webhook deliveries", section
// "Testing the webhook payload validation"):
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const (
	ghSecret    = "It's a Secret to Everybody"
	ghBody      = "Hello, World!"
	ghSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

// Slack's published example ("Verifying requests from Slack"):
// https://api.slack.com/authentication/verifying-requests-from-slack
const (
	slackSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTimestamp = "1531420618"
	slackBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// The Standard Webhooks specification's test vector (also in the Svix
// libraries' tests). The key is the base64 text after "whsec_", decoded.
const (
	swSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swTimestamp = "1614265330"
	swBody      = `{"test": 2432232314}`
	swSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var now = time.Unix(1700000000, 0)

// provisioned provisions a copy of v, failing the test on error.
func provisioned(t testing.TB, v HMAC) *HMAC {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return &v
}

// githubStyle is the GitHub-like configuration used by most cases.
func githubStyle(secrets ...string) HMAC {
	return HMAC{Secrets: secrets, Header: "X-Hub-Signature-256", Prefix: "sha256="}
}

// slackStyle signs "v0:{timestamp}:{body}".
func slackStyle(secrets ...string) HMAC {
	return HMAC{Secrets: secrets, Header: "X-Slack-Signature", Prefix: "v0=",
		TimestampHeader: "X-Slack-Request-Timestamp", Payload: "v0:{timestamp}:{body}"}
}

// standardWebhooksStyle signs "{webhook-id}.{timestamp}.{body}", base64.
func standardWebhooksStyle(secrets ...string) HMAC {
	return HMAC{Secrets: secrets, Header: "webhook-signature", Prefix: "v1,", Encoding: webhookverify.Base64,
		TimestampHeader: "webhook-timestamp", Payload: "{header.webhook-id}.{timestamp}.{body}"}
}

// hmacOf computes an HMAC independently of the code under test.
func hmacOf(newHash func() hash.Hash, key, msg string) []byte {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexMAC(key, msg string) string { return hex.EncodeToString(hmacOf(sha256.New, key, msg)) }

type hdr struct{ name, value string }

func post(body string, headers ...hdr) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	return r
}

func TestHMACAlgorithmsAndEncodings(t *testing.T) {
	algorithms := []struct {
		name webhookverify.Algorithm
		new  func() hash.Hash
	}{
		{webhookverify.SHA1, sha1.New},
		{webhookverify.SHA256, sha256.New},
		{webhookverify.SHA512, sha512.New},
		{webhookverify.SHA3512, func() hash.Hash { return sha3.New512() }},
	}
	encodings := []struct {
		name   webhookverify.Encoding
		encode []func([]byte) string // every form a sender may use
	}{
		{webhookverify.Hex, []func([]byte) string{hex.EncodeToString, func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }}},
		{webhookverify.Base64, []func([]byte) string{base64.StdEncoding.EncodeToString, base64.RawStdEncoding.EncodeToString}},
		{webhookverify.Base64URL, []func([]byte) string{base64.RawURLEncoding.EncodeToString, base64.URLEncoding.EncodeToString}},
	}
	const secret, body = "s3cr3t", `{"id":"evt_1","amount":"10.00"}`
	for _, a := range algorithms {
		for _, e := range encodings {
			t.Run(string(a.name)+"/"+string(e.name), func(t *testing.T) {
				v := provisioned(t, HMAC{Secrets: []string{secret}, Header: "X-Sig", Algorithm: a.name, Encoding: e.name})
				mac := hmacOf(a.new, secret, body)
				for i, enc := range e.encode {
					if _, err := v.Verify(post(body, hdr{"X-Sig", enc(mac)}), []byte(body), now); err != nil {
						t.Errorf("form %d (%s): %v", i, enc(mac), err)
					}
				}
				// Another algorithm's MAC of the same body never verifies.
				other := hmacOf(sha1.New, secret, body)
				if a.name == webhookverify.SHA1 {
					other = hmacOf(sha256.New, secret, body)
				}
				if _, err := v.Verify(post(body, hdr{"X-Sig", e.encode[0](other)}), []byte(body), now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
					t.Errorf("other algorithm's MAC: err = %v", err)
				}
				// Sign produces the canonical encoding of the same MAC.
				r := post(body)
				if _, err := v.Sign(r, []byte(body), now); err != nil {
					t.Fatal(err)
				}
				if got, want := r.Header.Get("X-Sig"), e.encode[0](mac); got != want {
					t.Errorf("Sign: %q, want %q", got, want)
				}
			})
		}
	}
}

func TestHMACVerify(t *testing.T) {
	valid := ghSignature
	validHex := strings.TrimPrefix(ghSignature, "sha256=")
	junk16 := strings.TrimSpace(strings.Repeat("sha256=00 ", maxSignatures))
	tests := []struct {
		name    string
		config  HMAC
		body    string
		headers []hdr
		wantErr error
	}{
		{name: "published vector", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid}}},
		{name: "header name in any case", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"x-hub-signature-256", valid}}},
		{name: "uppercase hex", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=" + strings.ToUpper(validHex)}}},
		{name: "wrong secret", config: githubStyle("not the secret"), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "rotated: second secret verifies", config: githubStyle("the new secret", ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid}}},
		{name: "tampered body", config: githubStyle(ghSecret), body: "Hello, World?",
			headers: []hdr{{"X-Hub-Signature-256", valid}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "empty body, signature of the real body", config: githubStyle(ghSecret), body: "",
			headers: []hdr{{"X-Hub-Signature-256", valid}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "missing header", config: githubStyle(ghSecret), body: ghBody,
			wantErr: webhookverify.ErrMissingSignature},
		{name: "signature in another header", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature", valid}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "empty header", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", ""}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "blank header", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "  \t "}}, wantErr: webhookverify.ErrMissingSignature},
		{name: "prefix only", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256="}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "non-hex", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=" + strings.Repeat("zz", 32)}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "truncated to an odd length", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid[:len(valid)-1]}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "truncated by one byte", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid[:len(valid)-2]}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "one byte too long", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid + "00"}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "wrong prefix", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha1=" + validHex}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "no prefix", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", validHex}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "prefix in another case", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "SHA256=" + validHex}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "no prefix configured, prefix sent", config: HMAC{Secrets: []string{ghSecret}, Header: "X-Sig"}, body: ghBody,
			headers: []hdr{{"X-Sig", valid}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "several, space separated, valid last", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=00ff sha256=zz " + valid}}},
		{name: "several, comma separated, valid first", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", valid + ",sha256=00ff,sha256=zz"}}},
		{name: "several, comma and space", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=00ff, " + valid}}},
		{name: "several header lines", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=00ff"}, {"X-Hub-Signature-256", valid}}},
		{name: "several, none valid", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=00ff sha256=" + hexMAC("guess", ghBody)}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "several, none decodable", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", "sha256=zz,sha256=q"}}, wantErr: webhookverify.ErrMalformedSignature},
		{name: "valid one beyond the signature limit", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", junk16 + " " + valid}}, wantErr: webhookverify.ErrInvalidSignature},
		{name: "valid one at the signature limit", config: githubStyle(ghSecret), body: ghBody,
			headers: []hdr{{"X-Hub-Signature-256", strings.TrimSuffix(junk16, " sha256=00") + " " + valid}}},

		// Slack: "v0:{timestamp}:{body}" with a timestamp header.
		{name: "slack published vector", config: slackStyle(slackSecret), body: slackBody,
			headers: []hdr{{"X-Slack-Signature", slackSignature}, {"X-Slack-Request-Timestamp", slackTimestamp}}},
		{name: "slack: signed timestamp replaced", config: slackStyle(slackSecret), body: slackBody,
			headers: []hdr{{"X-Slack-Signature", slackSignature}, {"X-Slack-Request-Timestamp", "1531420619"}},
			wantErr: webhookverify.ErrInvalidSignature},

		// Standard Webhooks: "{webhook-id}.{timestamp}.{body}", base64, "v1,".
		{name: "standard webhooks published vector", config: standardWebhooksStyle(swKey()), body: swBody,
			headers: []hdr{{"webhook-id", swID}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", swSignature}}},
		{name: "standard webhooks: the Caddyfile adapter's long header placeholder", config: func() HMAC {
			c := standardWebhooksStyle(swKey())
			c.Payload = "{http.request.header.webhook-id}.{timestamp}.{body}"
			return c
		}(), body: swBody,
			headers: []hdr{{"webhook-id", swID}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", swSignature}}},
		{name: "standard webhooks: several signatures, one valid", config: standardWebhooksStyle(swKey()), body: swBody,
			headers: []hdr{{"webhook-id", swID}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", "v1,bm9wZQ== v2,abc " + swSignature}}},
		{name: "standard webhooks: unpadded", config: standardWebhooksStyle(swKey()), body: swBody,
			headers: []hdr{{"webhook-id", swID}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", strings.TrimRight(swSignature, "=")}}},
		{name: "standard webhooks: other id", config: standardWebhooksStyle(swKey()), body: swBody,
			headers: []hdr{{"webhook-id", "msg_other"}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", swSignature}},
			wantErr: webhookverify.ErrInvalidSignature},
		{name: "standard webhooks: id missing", config: standardWebhooksStyle(swKey()), body: swBody,
			headers: []hdr{{"webhook-timestamp", swTimestamp}, {"webhook-signature", swSignature}},
			wantErr: webhookverify.ErrMissingSignature},
		{name: "standard webhooks: the whsec_ text is not the key", config: standardWebhooksStyle(swSecret), body: swBody,
			headers: []hdr{{"webhook-id", swID}, {"webhook-timestamp", swTimestamp}, {"webhook-signature", swSignature}},
			wantErr: webhookverify.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := provisioned(t, tt.config)
			at := now
			if tt.config.TimestampHeader != "" {
				ts, _ := strconv.ParseInt(post("", tt.headers...).Header.Get(tt.config.TimestampHeader), 10, 64)
				at = time.Unix(ts, 0).Add(30 * time.Second)
			}
			_, err := v.Verify(post(tt.body, tt.headers...), []byte(tt.body), at)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				for _, s := range tt.config.Secrets {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q contains a secret", err)
					}
				}
			}
		})
	}
}

// swKey is the Standard Webhooks vector's key: the base64 after whsec_.
func swKey() string {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(swSecret, "whsec_"))
	if err != nil {
		panic(err)
	}
	return string(k)
}

// A binary key such as a Standard Webhooks secret can come from a file.
func TestHMACStandardWebhooksKeyFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(swKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	v := provisioned(t, standardWebhooksStyle("{file."+file+"}"))
	r := post(swBody, hdr{"webhook-id", swID}, hdr{"webhook-timestamp", swTimestamp}, hdr{"webhook-signature", swSignature})
	if _, err := v.Verify(r, []byte(swBody), time.Unix(1614265330, 0)); err != nil {
		t.Fatal(err)
	}
	// And Sign reproduces the published signature.
	r = post(swBody, hdr{"webhook-id", swID})
	if _, err := v.Sign(r, []byte(swBody), time.Unix(1614265330, 0)); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("webhook-signature"); got != swSignature {
		t.Errorf("Sign: %q, want %q", got, swSignature)
	}
}

func TestHMACTimestamp(t *testing.T) {
	const secret, body = "ts-secret", `{"id":1}`
	sign := func(ts string) string { return "v0=" + hexMAC(secret, "v0:"+ts+":"+body) }
	sec := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	tests := []struct {
		name    string
		millis  bool
		ts      string // "" leaves the header out
		wantErr error
	}{
		{name: "now", ts: sec(now)},
		{name: "4m59s old", ts: sec(now.Add(-299 * time.Second))},
		{name: "4m59s ahead", ts: sec(now.Add(299 * time.Second))},
		{name: "too old", ts: sec(now.Add(-301 * time.Second)), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "too new", ts: sec(now.Add(301 * time.Second)), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "zero", ts: "0", wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "missing", wantErr: webhookverify.ErrMissingTimestamp},
		{name: "not a number", ts: "yesterday", wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "fraction", ts: sec(now) + ".5", wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "sign", ts: "+" + sec(now), wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "negative", ts: "-" + sec(now), wantErr: webhookverify.ErrMalformedTimestamp},
		{name: "huge", ts: strings.Repeat("9", 40), wantErr: webhookverify.ErrMalformedTimestamp},
		// Centuries away: beyond what a time.Duration holds.
		{name: "far future", ts: strings.Repeat("9", 16), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "far future millis", millis: true, ts: strings.Repeat("9", 16), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "seconds read as millis", millis: true, ts: sec(now), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "millis", millis: true, ts: ms(now.Add(-time.Minute))},
		{name: "millis too old", millis: true, ts: ms(now.Add(-301 * time.Second)), wantErr: webhookverify.ErrTimestampOutOfTolerance},
		{name: "millis read as seconds", ts: ms(now), wantErr: webhookverify.ErrTimestampOutOfTolerance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := slackStyle(secret)
			cfg.TimestampMillis = tt.millis
			v := provisioned(t, cfg)
			r := post(body, hdr{"X-Slack-Signature", sign(tt.ts)})
			if tt.ts != "" {
				r.Header.Set("X-Slack-Request-Timestamp", tt.ts)
			}
			_, err := v.Verify(r, []byte(body), now)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}

	t.Run("custom tolerance", func(t *testing.T) {
		cfg := slackStyle(secret)
		cfg.Tolerance = caddy.Duration(10 * time.Second)
		v := provisioned(t, cfg)
		for age, want := range map[time.Duration]error{9 * time.Second: nil, 11 * time.Second: webhookverify.ErrTimestampOutOfTolerance} {
			ts := sec(now.Add(-age))
			r := post(body, hdr{"X-Slack-Signature", sign(ts)}, hdr{"X-Slack-Request-Timestamp", ts})
			if _, err := v.Verify(r, []byte(body), now); !errors.Is(err, want) && (want != nil || err != nil) {
				t.Errorf("age %s: err = %v, want %v", age, err, want)
			}
		}
	})

	t.Run("default payload with a timestamp is {timestamp}.{body}", func(t *testing.T) {
		v := provisioned(t, HMAC{Secrets: []string{secret}, Header: "X-Sig", TimestampHeader: "X-Ts"})
		ts := sec(now)
		r := post(body, hdr{"X-Sig", hexMAC(secret, ts+"."+body)}, hdr{"X-Ts", ts})
		if _, err := v.Verify(r, []byte(body), now); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHMACSign(t *testing.T) {
	t.Run("rotation: the first secret signs", func(t *testing.T) {
		v := provisioned(t, githubStyle("first", "second"))
		r := post(ghBody)
		out, err := v.Sign(r, []byte(ghBody), now)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != ghBody {
			t.Errorf("Sign changed the body: %q", out)
		}
		if got, want := r.Header.Get("X-Hub-Signature-256"), "sha256="+hexMAC("first", ghBody); got != want {
			t.Errorf("signature %q, want %q", got, want)
		}
	})
	t.Run("published vector", func(t *testing.T) {
		v := provisioned(t, githubStyle(ghSecret))
		r := post(ghBody)
		if _, err := v.Sign(r, []byte(ghBody), now); err != nil {
			t.Fatal(err)
		}
		if got := r.Header.Get("X-Hub-Signature-256"); got != ghSignature {
			t.Errorf("signature %q, want %q", got, ghSignature)
		}
	})
	t.Run("slack: timestamp header and published signature", func(t *testing.T) {
		v := provisioned(t, slackStyle(slackSecret))
		r := post(slackBody)
		if _, err := v.Sign(r, []byte(slackBody), time.Unix(1531420618, 0)); err != nil {
			t.Fatal(err)
		}
		if got := r.Header.Get("X-Slack-Request-Timestamp"); got != slackTimestamp {
			t.Errorf("timestamp %q", got)
		}
		if got := r.Header.Get("X-Slack-Signature"); got != slackSignature {
			t.Errorf("signature %q, want %q", got, slackSignature)
		}
	})
	t.Run("millis", func(t *testing.T) {
		cfg := slackStyle("k")
		cfg.TimestampMillis = true
		v := provisioned(t, cfg)
		r := post("{}")
		if _, err := v.Sign(r, []byte("{}"), now); err != nil {
			t.Fatal(err)
		}
		if got, want := r.Header.Get("X-Slack-Request-Timestamp"), strconv.FormatInt(now.UnixMilli(), 10); got != want {
			t.Errorf("timestamp %q, want %q", got, want)
		}
	})
}

// TestHMACRoundTrip signs and verifies with every configuration variant.
func TestHMACRoundTrip(t *testing.T) {
	millis := slackStyle("a", "b")
	millis.TimestampMillis = true
	literalOnly := HMAC{Secrets: []string{"a"}, Header: "X-Sig", Payload: "prefix:{body}:suffix"}
	configs := map[string]HMAC{
		"github":            githubStyle("a", "b"),
		"slack":             slackStyle("a", "b"),
		"standard webhooks": standardWebhooksStyle("a", "b"),
		"millis":            millis,
		"literals":          literalOnly,
	}
	for _, alg := range []webhookverify.Algorithm{"sha1", "sha256", "sha512", "sha3-512"} {
		for _, enc := range []webhookverify.Encoding{"hex", "base64", "base64url"} {
			configs[string(alg)+"/"+string(enc)] = HMAC{Secrets: []string{"a", "b"}, Header: "X-Sig", Algorithm: alg, Encoding: enc}
		}
	}
	bodies := []string{"", "x", `{"id":"evt_1"}`, "\x00\xff binary\r\n"}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			v := provisioned(t, cfg)
			for _, body := range bodies {
				r := post(body, hdr{"webhook-id", "msg_1"})
				signed, err := v.Sign(r, []byte(body), now)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := v.Verify(r, signed, now); err != nil {
					t.Fatalf("body %q: %v (headers %v)", body, err, r.Header)
				}
				if len(signed) > 0 {
					tampered := []byte(body)
					tampered[0] ^= 0x20
					if _, err := v.Verify(r, tampered, now); !errors.Is(err, webhookverify.ErrInvalidSignature) {
						t.Errorf("tampered %q: err = %v", tampered, err)
					}
				}
			}
		})
	}
}

func TestHMACEvent(t *testing.T) {
	cfg := githubStyle("k")
	cfg.FieldPaths = webhookverify.FieldPaths{EventID: "id", Type: "type", Status: "data.status", Amount: "data.amount",
		Currency: "data.currency", Reference: "data.ref", StatusMap: map[string]webhookverify.PaymentStatus{"DONE": webhookverify.StatusSucceeded}}
	v := provisioned(t, cfg)
	body := `{"id":"evt_9","type":"payment.updated","data":{"status":"DONE","amount":"1000.50","currency":"NGN","ref":"order-1"}}`
	ev, err := v.Verify(post(body, hdr{"X-Hub-Signature-256", "sha256=" + hexMAC("k", body)}), []byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	// The MAC of the body alone is the body's digest (Event.BodyMAC).
	mac, _ := hex.DecodeString(hexMAC("k", body))
	want := webhookverify.Event{ID: "evt_9", Type: "payment.updated", Status: webhookverify.StatusSucceeded,
		Amount: "1000.50", Currency: "NGN", Reference: "order-1", BodyMAC: string(mac)}
	if ev != want {
		t.Errorf("event %+v, want %+v", ev, want)
	}
	// Without field paths nothing is invented.
	v = provisioned(t, githubStyle("k"))
	ev, err = v.Verify(post(body, hdr{"X-Hub-Signature-256", "sha256=" + hexMAC("k", body)}), []byte(body), now)
	if err != nil || ev != (webhookverify.Event{BodyMAC: string(mac)}) {
		t.Errorf("event %+v, err %v; want empty but for the MAC", ev, err)
	}
	// Signed with the second secret (a rotation), the digest is still the
	// MAC under the first: one body, one id, whichever secret signed.
	v = provisioned(t, HMAC{Secrets: webhookverify.Secrets{"k", "old"}, Header: "X-Hub-Signature-256", Prefix: "sha256="})
	ev, err = v.Verify(post(body, hdr{"X-Hub-Signature-256", "sha256=" + hexMAC("old", body)}), []byte(body), now)
	if err != nil || ev.BodyMAC != string(mac) {
		t.Errorf("signed with the second secret: BodyMAC %x, err %v; want the MAC under the first", ev.BodyMAC, err)
	}
	// A MAC over a timestamp as well is no digest of the body: a retry
	// signed anew would get another one.
	ts := strconv.FormatInt(now.Unix(), 10)
	v = provisioned(t, HMAC{Secrets: webhookverify.Secrets{"k"}, Header: "X-Sig", TimestampHeader: "X-Ts"})
	ev, err = v.Verify(post(body, hdr{"X-Sig", hexMAC("k", ts+"."+body)}, hdr{"X-Ts", ts}), []byte(body), now)
	if err != nil || ev.BodyMAC != "" {
		t.Errorf("timestamped: BodyMAC %x, err %v; want none", ev.BodyMAC, err)
	}
}

func TestHMACProvisionErrors(t *testing.T) {
	tests := []struct {
		name   string
		config HMAC
		want   string // in the error
	}{
		{"no header", HMAC{Secrets: []string{"k"}}, "header <name>"},
		{"no secret", HMAC{Header: "X-Sig"}, "no secret configured"},
		{"unset env secret", HMAC{Header: "X-Sig", Secrets: []string{"{env.WEBHOOK_VERIFY_TEST_UNSET_VAR}"}}, "secret #1"},
		{"empty secret", HMAC{Header: "X-Sig", Secrets: []string{"k", ""}}, "secret #2 is empty"},
		{"unknown algorithm", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Algorithm: "md5"}, "use sha1, sha256"},
		{"unknown encoding", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Encoding: "base32"}, "use hex, base64"},
		{"negative tolerance", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Tolerance: -1}, "positive"},
		{"payload without body", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Payload: "{header.X-Id}"}, "does not include {body}"},
		{"payload unclosed", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Payload: "{body}.{header.X"}, "unclosed"},
		{"payload unknown placeholder", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Payload: "{method}.{body}"}, "unknown placeholder {method}"},
		{"payload empty header name", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Payload: "{header.}.{body}"}, "unknown placeholder"},
		{"{timestamp} without timestamp_header", HMAC{Header: "X-Sig", Secrets: []string{"k"}, Payload: "{timestamp}.{body}"}, "timestamp_header"},
	}
	os.Unsetenv("WEBHOOK_VERIFY_TEST_UNSET_VAR")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.config
			err := v.Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}

	t.Run("env secret resolved", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_SECRET", ghSecret)
		v := provisioned(t, githubStyle("{env.WEBHOOK_VERIFY_TEST_SECRET}"))
		if _, err := v.Verify(post(ghBody, hdr{"X-Hub-Signature-256", ghSignature}), []byte(ghBody), now); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		v := provisioned(t, HMAC{Secrets: []string{"k"}, Header: "X-Sig"})
		if v.Algorithm != "sha256" || v.Encoding != "hex" || v.Payload != "{body}" || time.Duration(v.Tolerance) != 5*time.Minute {
			t.Errorf("defaults: %+v", v)
		}
	})
}

func TestHMACUnmarshalCaddyfile(t *testing.T) {
	good := []struct {
		name, input, want string
	}{
		{"github style", `hmac {
			secret {env.NEW} {env.OLD}
			header X-Hub-Signature-256
			prefix sha256=
		}`, `{"secrets":["{env.NEW}","{env.OLD}"],"header":"X-Hub-Signature-256","prefix":"sha256="}`},
		{"every option", `hmac {
			secret {env.A}
			secret {file./run/secrets/b}
			header webhook-signature
			algorithm sha512
			encoding base64url
			prefix v1,
			timestamp_header webhook-timestamp
			timestamp_millis
			tolerance 90s
			payload "{header.webhook-id}.{timestamp}.{body}"
			event_id_path data.id
			status_path data.status
			status_map DONE succeeded
		}`, `{"secrets":["{env.A}","{file./run/secrets/b}"],"header":"webhook-signature","algorithm":"sha512","encoding":"base64url","prefix":"v1,","timestamp_header":"webhook-timestamp","timestamp_millis":true,"tolerance":90000000000,"payload":"{header.webhook-id}.{timestamp}.{body}","event_id_path":"data.id","status_path":"data.status","status_map":{"DONE":"succeeded"}}`},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			var v HMAC
			if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", got, tt.want)
			}
		})
	}

	bad := []struct {
		name, input, want string
		line              int
	}{
		{"unknown subdirective", "hmac {\n secret {env.S}\n header X-Sig\n digest sha256\n}", `unrecognized subdirective "digest"`, 4},
		{"missing secret", "hmac {\n header X-Sig\n}", "needs a secret", 3},
		{"missing header", "hmac {\n secret {env.S}\n}", "needs the signature header", 3},
		{"empty block", "hmac", "needs the signature header", 1},
		{"secret without value", "hmac {\n secret\n header X-Sig\n}", "secret needs a value", 2},
		{"empty secret", "hmac {\n secret \"\"\n header X-Sig\n}", "secret is empty", 2},
		{"header with two values", "hmac {\n secret {env.S}\n header X-A X-B\n}", "header takes one value", 3},
		{"header without value", "hmac {\n secret {env.S}\n header\n}", "header needs a value", 3},
		{"bad algorithm", "hmac {\n secret {env.S}\n header X-Sig\n algorithm md5\n}", "unknown algorithm", 4},
		{"bad encoding", "hmac {\n secret {env.S}\n header X-Sig\n encoding base32\n}", "unknown encoding", 4},
		{"bad tolerance", "hmac {\n secret {env.S}\n header X-Sig\n tolerance soon\n}", "not a positive duration", 4},
		{"negative tolerance", "hmac {\n secret {env.S}\n header X-Sig\n tolerance -5m\n}", "not a positive duration", 4},
		{"timestamp_millis with a value", "hmac {\n secret {env.S}\n header X-Sig\n timestamp_millis yes\n}", "wrong argument count", 4},
		{"bad status_map", "hmac {\n secret {env.S}\n header X-Sig\n status_map DONE great\n}", "unknown status", 4},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var v HMAC
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if at := fmt.Sprintf("Testfile:%d", tt.line); !strings.Contains(err.Error(), at) {
				t.Errorf("error %q does not name the line (%s)", err, at)
			}
		})
	}
}

// FuzzVerifyHMAC feeds arbitrary signature, timestamp and id headers and
// bodies to Verify under a GitHub-style (hex, prefix, body only) and a
// Standard-Webhooks-style (base64, several signatures, id and timestamp
// signed) configuration: it must never panic. Then a body signed by Sign
// must verify, and flipping any one bit of it must make Verify fail.
func FuzzVerifyHMAC(f *testing.F) {
	verifiers := []*HMAC{
		provisioned(f, githubStyle(ghSecret, "old")),
		provisioned(f, standardWebhooksStyle(swKey(), "old")),
	}
	at := time.Unix(1614265330, 0)
	f.Add([]byte(ghBody), ghSignature, "", "", uint16(0))
	f.Add([]byte(swBody), swSignature, swTimestamp, swID, uint16(5))
	f.Add([]byte(`{"id":"evt_1"}`), "sha256=00,sha256=zz v1,bm9wZQ== v1,", "99999999999999999", "msg_\x00", uint16(300))
	f.Fuzz(func(t *testing.T, body []byte, sig, ts, id string, flip uint16) {
		for _, v := range verifiers {
			r := post("", hdr{v.Header, sig}, hdr{"webhook-timestamp", ts}, hdr{"webhook-id", id})
			_, _ = v.Verify(r, body, at)

			// The allocation-free parser reads what the plain one reads.
			values := []string{sig, id}
			buf, spans := decodeSignatures(nil, nil, values, v.Prefix, v.PrefixOptional, v.Encoding)
			want := referenceDecodeSignatures(values, v.Prefix, v.Encoding)
			if len(spans) != len(want) {
				t.Fatalf("%q: %d signatures, reference %d", values, len(spans), len(want))
			}
			for i, sp := range spans {
				if !bytes.Equal(buf[sp.start:sp.end], want[i]) {
					t.Fatalf("%q: signature %d is %x, reference %x", values, i, buf[sp.start:sp.end], want[i])
				}
			}

			r = post("", hdr{"webhook-id", id})
			signed, err := v.Sign(r, body, at)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(r, signed, at); err != nil {
				t.Fatalf("%s: signed body rejected: %v", v.Header, err)
			}
			if len(signed) == 0 {
				continue
			}
			tampered := append([]byte(nil), signed...)
			tampered[int(flip)%len(tampered)] ^= 1 << (flip % 8)
			if _, err := v.Verify(r, tampered, at); !errors.Is(err, webhookverify.ErrInvalidSignature) {
				t.Fatalf("%s: tampered body: err = %v, want invalid signature", v.Header, err)
			}
		}
	})
}

// appendHex must accept exactly what hex.DecodeString (the Hex encoding)
// accepts, with the same bytes: every pair of byte values, and a few
// lengths.
func TestAppendHexMatchesEncodingHex(t *testing.T) {
	check := func(s string) {
		want, err := webhookverify.Hex.Decode(s)
		prefix := []byte("kept")
		got, ok := appendHex(prefix, s)
		if ok != (err == nil) {
			t.Fatalf("%q: ok %v, DecodeString err %v", s, ok, err)
		}
		if !ok && string(got) != "kept" {
			t.Fatalf("%q: failed decode changed dst to %q", s, got)
		}
		if ok && string(got) != "kept"+string(want) {
			t.Fatalf("%q: %x, want %x", s, got[4:], want)
		}
	}
	for a := range 256 {
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	for _, s := range []string{"", "0", "000", "0123456789abcdefABCDEF", strings.Repeat("ff", 300), "00é1", "0x00", " 00", "00 "} {
		check(s)
	}
}

// oneField is a shortcut for strings.Fields: when it says yes, Fields must
// return the value whole.
func TestOneField(t *testing.T) {
	check := func(s string) {
		if f := strings.Fields(s); oneField(s) && (len(f) != 1 || f[0] != s) {
			t.Fatalf("oneField(%q) but Fields gives %q", s, f)
		}
	}
	for a := range 256 {
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	for _, s := range []string{"", "sha256=ab", "a\u00a0b", "a\u0085b", "a\u2003b", "a\u3000", "\u1680x", "v1,abc=="} {
		check(s)
	}
	if !oneField(ghSignature) || oneField("a b") || oneField("") {
		t.Error("oneField misjudges plain cases")
	}
}

// referenceDecodeSignatures is the straightforward form of
// decodeSignatures, kept to check it.
func referenceDecodeSignatures(values []string, prefix string, enc webhookverify.Encoding) [][]byte {
	var out [][]byte
	try := func(s string) {
		if len(out) >= maxSignatures || s == "" {
			return
		}
		if prefix != "" {
			var ok bool
			if s, ok = strings.CutPrefix(s, prefix); !ok {
				return
			}
		}
		if b, err := enc.Decode(s); err == nil && len(b) > 0 {
			out = append(out, b)
		}
	}
	for _, value := range values {
		for _, field := range strings.Fields(value) {
			before := len(out)
			try(field)
			if len(out) == before && strings.Contains(field, ",") {
				for _, part := range strings.Split(field, ",") {
					try(part)
				}
			}
		}
	}
	return out
}

// lastBitsSet returns s (base64 or base64url text, optionally padded)
// with its last character's lowest bit set: the bit is unused padding
// when the encoded length is not a multiple of 3, so a lax decoder reads
// the same bytes from both texts.
func lastBitsSet(s string, alphabet string) string {
	body := strings.TrimRight(s, "=")
	last := strings.IndexByte(alphabet, body[len(body)-1])
	return body[:len(body)-1] + string(alphabet[last|1]) + s[len(body):]
}

const (
	stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// A base64 signature has one spelling: a last character that differs
// only in unused bits (which a lax decoder ignores, giving the same MAC)
// is malformed, in the list and kv formats, padded or not. Before strict
// decoding these were accepted: signature malleability.
func TestHMACStrictBase64(t *testing.T) {
	const secret, body = "s3cr3t", `{"id":"evt_1"}`
	mac := hmacOf(sha256.New, secret, body) // 32 bytes: 2 unused bits in base64
	for _, tc := range []struct {
		name      string
		enc       webhookverify.Encoding
		canonical []string
		alphabet  string
		lax       *base64.Encoding
	}{
		{"base64", webhookverify.Base64, []string{base64.StdEncoding.EncodeToString(mac), base64.RawStdEncoding.EncodeToString(mac)}, stdAlphabet, base64.RawStdEncoding},
		{"base64url", webhookverify.Base64URL, []string{base64.URLEncoding.EncodeToString(mac), base64.RawURLEncoding.EncodeToString(mac)}, urlAlphabet, base64.RawURLEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := provisioned(t, HMAC{Secrets: []string{secret}, Header: "X-Sig", Encoding: tc.enc})
			kv := provisioned(t, HMAC{Secrets: []string{secret}, Header: "X-Sig", Encoding: tc.enc, SignatureFormat: "kv", SignatureKey: "v1"})
			for _, sig := range tc.canonical {
				mall := lastBitsSet(sig, tc.alphabet)
				// The malleated text means the same MAC to a lax decoder.
				if b, err := tc.lax.DecodeString(strings.TrimRight(mall, "=")); err != nil || !bytes.Equal(b, mac) {
					t.Fatalf("%s: not a malleated spelling of the MAC (%x, %v)", mall, b, err)
				}
				for name, v := range map[string]*HMAC{"list": list, "kv": kv} {
					header := sig
					if name == "kv" {
						header = "v1=" + sig
					}
					if _, err := v.Verify(post(body, hdr{"X-Sig", header}), []byte(body), now); err != nil {
						t.Errorf("%s %s: canonical: %v", name, sig, err)
					}
					if _, err := v.Verify(post(body, hdr{"X-Sig", strings.Replace(header, sig, mall, 1)}), []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
						t.Errorf("%s %s: non-canonical last character: err = %v, want malformed", name, mall, err)
					}
				}
			}
			// Padding is the right amount or none.
			padded := tc.canonical[0] // 32 bytes: one "="
			for _, bad := range []string{padded + "=", padded + "==", strings.TrimRight(padded, "=") + "==", "=" + padded} {
				if _, err := list.Verify(post(body, hdr{"X-Sig", bad}), []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
					t.Errorf("%q: err = %v, want malformed", bad, err)
				}
			}
		})
	}
	// Encoding.Decode is strict too, for the verifiers that call it.
	for _, enc := range []webhookverify.Encoding{webhookverify.Base64, webhookverify.Base64URL} {
		alphabet := stdAlphabet
		if enc == webhookverify.Base64URL {
			alphabet = urlAlphabet
		}
		sig := enc.Encode(mac)
		if _, err := enc.Decode(lastBitsSet(sig, alphabet)); err == nil {
			t.Errorf("%s: Decode accepted a non-canonical last character", enc)
		}
		if _, err := enc.Decode(sig[:10] + "\n" + sig[10:]); err == nil {
			t.Errorf("%s: Decode accepted a newline", enc)
		}
		if b, err := enc.Decode(strings.TrimRight(sig, "=")); err != nil || !bytes.Equal(b, mac) {
			t.Errorf("%s: unpadded: %x, %v", enc, b, err)
		}
	}
}

// prefix_optional: Mollie's "sha256=" may be sent or not.
func TestHMACPrefixOptional(t *testing.T) {
	cfg := githubStyle(ghSecret)
	cfg.PrefixOptional = true
	validHex := strings.TrimPrefix(ghSignature, "sha256=")
	other := "sha256=" + hexMAC("guess", ghBody)
	v := provisioned(t, cfg)
	for _, tt := range []struct {
		name, header string
		want         error
	}{
		{"with the prefix", ghSignature, nil},
		{"without the prefix", validHex, nil},
		{"several, mixed, valid last without prefix", other + "," + validHex, nil},
		{"several, mixed, valid first with prefix", ghSignature + " " + strings.TrimPrefix(other, "sha256="), nil},
		{"another prefix", "sha1=" + validHex, webhookverify.ErrMalformedSignature},
		{"prefix in another case", "SHA256=" + validHex, webhookverify.ErrMalformedSignature},
		{"prefix only", "sha256=", webhookverify.ErrMalformedSignature},
		{"prefix twice", "sha256=" + ghSignature, webhookverify.ErrMalformedSignature},
		{"wrong MAC without prefix", strings.TrimPrefix(other, "sha256="), webhookverify.ErrInvalidSignature},
	} {
		_, err := v.Verify(post(ghBody, hdr{"X-Hub-Signature-256", tt.header}), []byte(ghBody), now)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Sign keeps writing the prefix.
	r := post(ghBody)
	if _, err := v.Sign(r, []byte(ghBody), now); err != nil || r.Header.Get("X-Hub-Signature-256") != ghSignature {
		t.Errorf("Sign: %q, %v", r.Header.Get("X-Hub-Signature-256"), err)
	}
}

// personaStyle: "t=<unix>,v1=<hex of t.body>", several sets separated by
// a space during a secret rotation.
func personaStyle(secrets ...string) HMAC {
	return HMAC{Secrets: secrets, Header: "Persona-Signature", SignatureFormat: "kv", SignatureKey: "v1", TimestampKey: "t", SetSeparator: " "}
}

func TestHMACSetSeparator(t *testing.T) {
	const secret, old, body = "wbhsec_new", "wbhsec_old", `{"data":{"id":"inq_1"}}`
	v := provisioned(t, personaStyle(secret))
	set := func(key string, at time.Time) string {
		ts := strconv.FormatInt(at.Unix(), 10)
		return "t=" + ts + ",v1=" + hexMAC(key, ts+"."+body)
	}
	fresh, stale := now.Add(-time.Minute), now.Add(-10*time.Minute)
	freshTS := strconv.FormatInt(fresh.Unix(), 10)
	staleTS := strconv.FormatInt(stale.Unix(), 10)
	for _, tt := range []struct {
		name, header string
		want         error
	}{
		{"one set", set(secret, fresh), nil},
		{"rotation: valid set second", set(old, fresh) + " " + set(secret, fresh), nil},
		{"rotation: valid set first", set(secret, fresh) + " " + set(old, fresh), nil},
		{"extra spaces around sets", "  " + set(old, fresh) + "   " + set(secret, fresh) + " ", nil},
		{"sets with different times, the valid one fresh", set(old, stale) + " " + set(secret, fresh), nil},
		{"no set valid", set(old, fresh) + " " + set("other", fresh), webhookverify.ErrInvalidSignature},
		{"valid set too old, the other fresh but wrong", set(secret, stale) + " " + set(old, fresh), webhookverify.ErrInvalidSignature},
		{"every set too old", set(secret, stale) + " " + set(old, stale), webhookverify.ErrTimestampOutOfTolerance},
		// A set's signature covers its own timestamp: a fresh t cannot lend
		// itself to a signature of a stale one.
		{"fresh t with a stale set's signature", "t=" + freshTS + ",v1=" + hexMAC(secret, staleTS+"."+body), webhookverify.ErrInvalidSignature},
		{"stale set, then fresh t alone", set(secret, stale) + " t=" + freshTS, webhookverify.ErrTimestampOutOfTolerance},
		{"a malformed set beside a valid one", set(secret, fresh) + " t=" + freshTS + ",v1=zz", webhookverify.ErrMalformedSignature},
		{"a set without '='", set(secret, fresh) + " junk", webhookverify.ErrMalformedSignature},
		{"a set without timestamp", "v1=" + hexMAC(secret, freshTS+"."+body), webhookverify.ErrMissingTimestamp},
		{"four sets", set(old, fresh) + " " + set(old, fresh) + " " + set(old, fresh) + " " + set(secret, fresh), nil},
		{"five sets", set(old, fresh) + " " + set(old, fresh) + " " + set(old, fresh) + " " + set(old, fresh) + " " + set(secret, fresh), webhookverify.ErrMalformedSignature},
		{"separators only", "   ", webhookverify.ErrMissingSignature},
	} {
		_, err := v.Verify(post(body, hdr{"Persona-Signature", tt.header}), []byte(body), now)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Without set_separator two sets are one malformed set.
	one := personaStyle(secret)
	one.SetSeparator = ""
	if _, err := provisioned(t, one).Verify(post(body, hdr{"Persona-Signature", set(old, fresh) + " " + set(secret, fresh)}), []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
		t.Errorf("two sets, no set_separator: err = %v", err)
	}
	// The header must be sent once.
	r := post(body, hdr{"Persona-Signature", set(secret, fresh)}, hdr{"Persona-Signature", set(secret, fresh)})
	if _, err := v.Verify(r, []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
		t.Errorf("repeated header: err = %v", err)
	}
}

// recurlyStyle: "<unix ms>,<hex of ts.body>[,<hex>]".
func recurlyStyle(secrets ...string) HMAC {
	return HMAC{Secrets: secrets, Header: "Recurly-Signature", SignatureFormat: "positional", TimestampFormat: "unix_ms"}
}

func TestHMACPositional(t *testing.T) {
	const secret, body = "recurly-key", `{"id":"rb1","object_type":"account"}`
	v := provisioned(t, recurlyStyle(secret))
	ms := strconv.FormatInt(now.Add(-time.Minute).UnixMilli(), 10)
	good := hexMAC(secret, ms+"."+body)
	other := hexMAC("previous-key", ms+"."+body)
	for _, tt := range []struct {
		name, header string
		want         error
	}{
		{"one signature", ms + "," + good, nil},
		{"rotation: valid second", ms + "," + other + "," + good, nil},
		{"rotation: valid first", ms + "," + good + "," + other, nil},
		{"spaces around parts", ms + ", " + other + " , " + good, nil},
		{"wrong signature", ms + "," + other, webhookverify.ErrInvalidSignature},
		{"another timestamp", strconv.FormatInt(now.Add(-time.Minute).UnixMilli()+1, 10) + "," + good, webhookverify.ErrInvalidSignature},
		{"timestamp only", ms, webhookverify.ErrMalformedSignature},
		{"timestamp and a comma", ms + ",", webhookverify.ErrMalformedSignature},
		{"an empty signature between", ms + ",," + good, webhookverify.ErrMalformedSignature},
		{"an undecodable signature", ms + "," + good + ",zz", webhookverify.ErrMalformedSignature},
		{"no timestamp", "," + good, webhookverify.ErrMissingTimestamp},
		{"signature first", good + "," + ms, webhookverify.ErrMalformedSignature},
		{"kv form", "t=" + ms + ",v1=" + good, webhookverify.ErrMalformedSignature},
		{"seconds, not milliseconds", strconv.FormatInt(now.Unix(), 10) + "," + hexMAC(secret, strconv.FormatInt(now.Unix(), 10)+"."+body), webhookverify.ErrTimestampOutOfTolerance},
	} {
		_, err := v.Verify(post(body, hdr{"Recurly-Signature", tt.header}), []byte(body), now)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	old := strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10)
	if _, err := v.Verify(post(body, hdr{"Recurly-Signature", old + "," + hexMAC(secret, old+"."+body)}), []byte(body), now); !errors.Is(err, webhookverify.ErrTimestampOutOfTolerance) {
		t.Errorf("six minutes old: err = %v", err)
	}
	r := post(body, hdr{"Recurly-Signature", ms + "," + good}, hdr{"Recurly-Signature", ms + "," + good})
	if _, err := v.Verify(r, []byte(body), now); !errors.Is(err, webhookverify.ErrMalformedSignature) {
		t.Errorf("repeated header: err = %v", err)
	}
	// Sign writes "<ms>,<hex>"; it verifies.
	r = post(body)
	if _, err := v.Sign(r, []byte(body), now); err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatInt(now.UnixMilli(), 10) + "," + hexMAC(secret, strconv.FormatInt(now.UnixMilli(), 10)+"."+body)
	if got := r.Header.Get("Recurly-Signature"); got != want {
		t.Errorf("Sign: %q, want %q", got, want)
	}
	if cov := v.Covers(); !cov.Body || cov.Tolerance != 5*time.Minute {
		t.Errorf("Covers: %+v", cov)
	}
}

func TestHMACNewOptionsProvisionErrors(t *testing.T) {
	base := HMAC{Secrets: []string{"k"}, Header: "X-Sig"}
	with := func(f func(*HMAC)) HMAC { c := base; f(&c); return c }
	for _, tt := range []struct {
		name string
		cfg  HMAC
		want string
	}{
		{"prefix_optional without prefix", with(func(c *HMAC) { c.PrefixOptional = true }), "prefix_optional needs a prefix"},
		{"prefix_optional in kv", with(func(c *HMAC) {
			c.PrefixOptional, c.Prefix, c.SignatureFormat, c.SignatureKey = true, "x", "kv", "v1"
		}), "prefix_optional needs a prefix and signature_format list"},
		{"set_separator in list", with(func(c *HMAC) { c.SetSeparator = " " }), "need signature_format kv"},
		{"set_separator same as part_separator", with(func(c *HMAC) {
			c.SignatureFormat, c.SignatureKey, c.SetSeparator = "kv", "v1", ","
		}), "must differ"},
		{"positional with timestamp_header", with(func(c *HMAC) { c.SignatureFormat, c.TimestampHeader = "positional", "X-Ts" }), "positional reads the timestamp"},
		{"positional with keys", with(func(c *HMAC) { c.SignatureFormat, c.SignatureKey = "positional", "v1" }), "positional reads the timestamp"},
		{"unknown format", with(func(c *HMAC) { c.SignatureFormat = "json" }), "use list, kv or positional"},
	} {
		c := tt.cfg
		if err := c.Provision(caddy.Context{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	// positional signs a timestamp: {timestamp} is allowed and the default payload.
	v := provisioned(t, with(func(c *HMAC) { c.SignatureFormat = "positional" }))
	if v.Payload != "{timestamp}.{body}" || !v.SignsTime() {
		t.Errorf("positional payload %q", v.Payload)
	}
}

func TestHMACNewOptionsCaddyfile(t *testing.T) {
	for _, tt := range []struct{ input, want string }{
		{"hmac {\n secret {env.S}\n header X-Mollie-Signature\n prefix sha256=\n prefix_optional\n}",
			`{"secrets":["{env.S}"],"header":"X-Mollie-Signature","prefix":"sha256=","prefix_optional":true}`},
		{"hmac {\n secret {env.S}\n header Persona-Signature\n signature_format kv\n signature_key v1\n timestamp_key t\n set_separator \" \"\n}",
			`{"secrets":["{env.S}"],"header":"Persona-Signature","signature_format":"kv","set_separator":" ","signature_key":"v1","timestamp_key":"t"}`},
		{"hmac {\n secret {env.S}\n header recurly-signature\n signature_format positional\n timestamp_format unix_ms\n}",
			`{"secrets":["{env.S}"],"header":"recurly-signature","timestamp_format":"unix_ms","signature_format":"positional"}`},
	} {
		var v HMAC
		if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(v); string(got) != tt.want {
			t.Errorf("JSON\n got %s\nwant %s", got, tt.want)
		}
	}
	var v HMAC
	if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("hmac {\n secret {env.S}\n header X\n prefix_optional yes\n}")); err == nil || !strings.Contains(err.Error(), "Testfile:4") {
		t.Errorf("prefix_optional with a value: %v", err)
	}
}
