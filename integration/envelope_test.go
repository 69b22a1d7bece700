package integration

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
)

// providerCase is one provider's genuine webhook: how the route is
// configured, how `caddy webhook sign` signs it, and the CloudEvent the
// application must receive.
type providerCase struct {
	name     string   // route name
	provider string   // webhook_verify <provider>
	block    string   // subdirectives, secrets as {env.X}
	sign     []string // `caddy webhook sign` flags (secrets, --set …)
	method   string   // default POST
	query    string   // appended to the URL
	body     string
	// want holds the expected attributes (specversion, id, source, type,
	// subject) and extensions; an empty value means "absent".
	want map[string]string
	// unsigned: the provider sends no credential (Token.io's redirects):
	// the application gets Webhook-Verified: unsigned and no gateway
	// signature.
	unsigned bool
}

// envEnv is the environment every provider case's secrets come from.
var envelopeEnv = []string{
	"HMAC_SECRET=hmac-secret", "TOKEN_SECRET=token-secret",
	"GATEWAY_SECRET=" + gatewaySecret, "GATEWAY_SECRET_OLD=" + gatewaySecretOld,
	"STRIPE_SECRET=whsec_stripe-test-secret", "SW_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}

var providerCases = []providerCase{
	{
		name: "hmac", provider: "hmac",
		block: "secret {env.HMAC_SECRET}\nheader X-Signature\nprefix sha256=\nevent_id_path id\ntype_path type\n" +
			"time_path created\nstatus_path data.status\namount_path data.amount\ncurrency_path data.currency\n" +
			"reference_path data.reference\nsubject_path data.reference",
		sign: []string{"--secret", "hmac-secret", "--set", "header X-Signature", "--set", "prefix sha256="},
		body: `{"id":"evt_42","type":"payment.failed","created":"2026-01-02T03:04:05Z","data":{"status":"declined","amount":"19.99","currency":"EUR","reference":"order-7"}}`,
		want: map[string]string{"id": "evt_42", "type": "payment.failed", "subject": "order-7", "time": "2026-01-02T03:04:05Z",
			"provider": "hmac", "paymentstatus": "failed", "amount": "19.99", "currency": "EUR", "reference": "order-7"},
	},
	{
		name: "token", provider: "token",
		block: "secret {env.TOKEN_SECRET}\nheader Authorization\nstatus_path state\nstatus_map DONE succeeded",
		sign:  []string{"--secret", "token-secret", "--set", "header Authorization"},
		body:  "state=DONE&amount=1", // not JSON: travels as data_base64 in structured mode
		want:  map[string]string{"type": "token.webhook", "provider": "token", "paymentstatus": "", "amount": ""},
	},
	{
		name: "stripe", provider: "stripe",
		block: "secret {env.STRIPE_SECRET}",
		sign:  []string{"--secret", "whsec_stripe-test-secret"},
		body: `{"id":"evt_1Nq","object":"event","type":"payment_intent.succeeded","created":1700000000,` +
			`"data":{"object":{"object":"payment_intent","id":"pi_1","amount":2000,"currency":"usd","status":"succeeded","metadata":{"order_id":"ord_9"}}}}`,
		want: map[string]string{"id": "evt_1Nq", "type": "com.stripe.payment_intent.succeeded", "subject": "pi_1",
			"time": "2023-11-14T22:13:20Z", "provider": "stripe", "paymentstatus": "succeeded", "amount": "2000",
			"currency": "usd", "reference": "ord_9"},
	},
	{
		name: "standardwebhooks", provider: "standardwebhooks",
		block: "secret {env.SW_SECRET}\nstatus_path data.status\nreference_path data.ref",
		sign:  []string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--header", "webhook-id: msg_2LJZ"},
		body:  `{"type":"invoice.paid","timestamp":"2026-03-04T05:06:07Z","data":{"status":"paid","ref":"inv_5"}}`,
		want: map[string]string{"id": "msg_2LJZ", "type": "invoice.paid", "time": "2026-03-04T05:06:07Z",
			"provider": "standardwebhooks", "paymentstatus": "succeeded", "reference": "inv_5"},
	},
}

// The gateway's own secrets, with which every envelope route signs what it
// forwards (forward_signature), two of them as during a rotation.
const (
	gatewaySecret    = "whsec_Z2F0ZXdheS1zaWduaW5nLXNlY3JldC1uZXctMDEyMzQ1Njc="
	gatewaySecretOld = "whsec_Z2F0ZXdheS1zaWduaW5nLXNlY3JldC1vbGQtMDEyMzQ1Njc="
)

// envelopeSite has two routes per provider case, one per envelope mode.
func envelopeSite(cases []providerCase) string {
	var b strings.Builder
	for _, c := range cases {
		for _, mode := range []string{"binary", "structured"} {
			fmt.Fprintf(&b, "\thandle /%s/%s {\n\t\twebhook_verify %s {\n\t\t\t%s\n\t\t\tenvelope %s\n\t\t\tsource /test/%s\n"+
				"\t\t\tforward_signature {env.GATEWAY_SECRET} {env.GATEWAY_SECRET_OLD}\n\t\t}\n\t\treverse_proxy {UPSTREAM}\n\t}\n",
				c.name, mode, c.provider, strings.ReplaceAll(c.block, "\n", "\n\t\t\t"), mode, c.name)
		}
	}
	return b.String() + errorsAsText
}

// signedRequest asks `caddy webhook sign` for the provider's request.
func signedRequest(t *testing.T, c providerCase, url string) *http.Request {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	args := append([]string{"webhook", "sign", c.provider, "--method", method, "--url", url}, c.sign...)
	if c.body != "" {
		args = append(args, "--data", c.body)
	}
	cmd := exec.Command(caddyBin, args...)
	cmd.Env = os.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("caddy %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	parsed, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(out)))
	if err != nil {
		t.Fatalf("sign output is not an HTTP request: %v\n%s", err, out)
	}
	var body bytes.Buffer
	body.ReadFrom(parsed.Body)
	req, err := http.NewRequest(method, url, bytes.NewReader(body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if body.Len() == 0 {
		req.Body = http.NoBody
	}
	req.Header = parsed.Header
	req.URL.RawQuery = parsed.URL.RawQuery
	return req
}

func TestEnvelopeEveryProviderCloudEvents(t *testing.T) {
	cases := append(append([]providerCase(nil), providerCases...), moreProviderCases...)
	env := append(append([]string(nil), envelopeEnv...), moreEnvelopeEnv...)
	up := newUpstream(t)
	c := startCaddy(t, "", envelopeSite(cases), up.Addr, env...)
	for _, pc := range cases {
		for _, mode := range []string{"binary", "structured"} {
			t.Run(pc.name+"/"+mode, func(t *testing.T) {
				up.Reset()
				req := signedRequest(t, pc, c.URL+"/"+pc.name+"/"+mode+pc.query)
				sent := readAll(t, req)
				req.Header.Set("Ce-Id", "forged-by-client")
				req.Header.Set("Ce-Forged", "1")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d for a request signed by caddy webhook sign", resp.StatusCode)
				}
				got := up.Received()
				if len(got) != 1 {
					t.Fatalf("upstream received %d requests", len(got))
				}
				r := got[0]
				if r.Header.Get("Ce-Forged") != "" || r.Header.Get("Ce-Id") == "forged-by-client" {
					t.Errorf("inbound ce-* headers survived: %v", r.Header)
				}
				if r.Method != req.Method || !strings.HasSuffix(r.URI, pc.query) {
					t.Errorf("method/query changed: %s %s", r.Method, r.URI)
				}
				structured := mode == "structured" && len(sent) > 0
				if !structured && !bytes.Equal(r.Body, sent) {
					t.Errorf("body changed:\n got %q\nwant %q", r.Body, sent)
				}

				// A request that carried no credential is marked so, and the
				// gateway does not vouch for it with its signature.
				if pc.unsigned {
					if v := r.Header.Values("Webhook-Verified"); len(v) != 1 || v[0] != "unsigned" {
						t.Errorf("Webhook-Verified %q, want unsigned", v)
					}
					for _, name := range []string{"Webhook-Signature", "Webhook-Id", "Webhook-Timestamp"} {
						if v := r.Header.Get(name); v != "" {
							t.Errorf("%s %q: the gateway signed a request that carried no credential", name, v)
						}
					}
				} else if v := r.Header.Values("Webhook-Verified"); len(v) != 1 || v[0] != "true" {
					t.Errorf("Webhook-Verified %q, want true", v)
				}

				// The application verifies one scheme, whatever the provider:
				// the official Standard Webhooks library accepts what it got,
				// under either gateway secret, and the id is the event's.
				for _, secret := range []string{gatewaySecret, gatewaySecretOld} {
					if pc.unsigned {
						break
					}
					wh, err := standardwebhooks.NewWebhook(secret)
					if err != nil {
						t.Fatal(err)
					}
					if err := wh.Verify(r.Body, r.Header); err != nil {
						t.Errorf("Standard Webhooks library: %v (headers %v)", err, r.Header)
					}
				}

				upReq := httptest.NewRequest(r.Method, r.URI, bytes.NewReader(r.Body))
				upReq.Header = r.Header
				event, err := cehttp.NewEventFromHTTPRequest(upReq)
				if err != nil {
					t.Fatalf("the CloudEvents SDK cannot read the request: %v\nheaders %v\nbody %s", err, r.Header, r.Body)
				}
				if err := event.Validate(); err != nil {
					t.Fatalf("invalid CloudEvent: %v", err)
				}
				if !bytes.Equal(event.Data(), sent) {
					t.Errorf("event data:\n got %q\nwant %q", event.Data(), sent)
				}
				if structured && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/cloudevents+json") {
					t.Errorf("structured content-type %q", r.Header.Get("Content-Type"))
				}
				attrs := map[string]string{
					"specversion": event.SpecVersion(), "id": event.ID(), "source": event.Source(),
					"type": event.Type(), "subject": event.Subject(),
				}
				if !event.Time().IsZero() {
					attrs["time"] = event.Time().UTC().Format("2006-01-02T15:04:05Z")
				}
				for k, v := range event.Extensions() {
					attrs[k] = fmt.Sprint(v)
				}
				want := map[string]string{"specversion": "1.0", "source": "/test/" + pc.name}
				for k, v := range pc.want {
					want[k] = v
				}
				for k, v := range want {
					if attrs[k] != v {
						t.Errorf("%s = %q, want %q", k, attrs[k], v)
					}
				}
				if attrs["id"] == "" || attrs["time"] == "" {
					t.Errorf("id and time are always set: %v", attrs)
				}
				if id := r.Header.Get("Webhook-Id"); !pc.unsigned && id != attrs["id"] {
					t.Errorf("webhook-id %q, want ce-id %q", id, attrs["id"])
				}
			})
		}
	}
}

func readAll(t *testing.T, r *http.Request) []byte {
	t.Helper()
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var b bytes.Buffer
	b.ReadFrom(r.Body)
	r.Body.Close()
	data := b.Bytes()
	r.Body = nopBody{bytes.NewReader(data)}
	r.ContentLength = int64(len(data))
	return data
}

type nopBody struct{ *bytes.Reader }

func (nopBody) Close() error { return nil }

func TestEnvelopeRoutingOnPaymentStatus(t *testing.T) {
	ok, failures := newUpstream(t), newUpstream(t)
	site := strings.ReplaceAll(`
	webhook_verify hmac {
		secret {env.HMAC_SECRET}
		header X-Signature
		prefix sha256=
		status_path status
	}
	@failed vars {http.webhook.status} failed
	reverse_proxy @failed FAILURES
	reverse_proxy {UPSTREAM}`, "FAILURES", failures.Addr)
	c := startCaddy(t, "", site, ok.Addr, envelopeEnv...)
	for _, status := range []string{"paid", "declined", "pending"} {
		body := []byte(`{"status":"` + status + `"}`)
		code, _ := send(t, http.MethodPost, c.URL+"/", body, h("X-Signature", githubStyle("hmac-secret", body)))
		if code != 200 {
			t.Fatalf("%s: %d", status, code)
		}
	}
	if len(failures.Received()) != 1 || len(ok.Received()) != 2 {
		t.Fatalf("failures got %d, others %d; want 1 and 2", len(failures.Received()), len(ok.Received()))
	}
	if !strings.Contains(string(failures.Received()[0].Body), "declined") {
		t.Errorf("the failed payment went elsewhere")
	}
}

// rawBodySigned names the provider cases whose credential covers every
// byte of the body.
var rawBodySigned = map[string]bool{
	"hmac": true, "stripe": true, "standardwebhooks": true, "svix": true, "opay-v2": true,
	"tokenio-webhook": true, "oktopay-pix-hmac": true, "github": true, "paystack": true,
	"shopify": true, "slack": true,
}

// `caddy webhook verify`, given what `caddy webhook sign` prints and the
// same provider flags, verifies it for every provider; one byte more of
// body and it does not (exit status 1), and says what differs.
func TestVerifyCommandEveryProvider(t *testing.T) {
	cases := append(append([]providerCase(nil), providerCases...), moreProviderCases...)
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) {
			method := pc.method
			if method == "" {
				method = http.MethodPost
			}
			args := append([]string{"webhook", "sign", pc.provider, "--method", method, "--url", "http://127.0.0.1:8080/hooks" + pc.query}, pc.sign...)
			if pc.body != "" {
				args = append(args, "--data", pc.body)
			}
			signed, err := exec.Command(caddyBin, args...).Output()
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			verify := func(request []byte) (string, int) {
				cmd := exec.Command(caddyBin, append([]string{"webhook", "verify", pc.provider}, pc.sign...)...)
				cmd.Stdin = bytes.NewReader(request)
				out, err := cmd.Output()
				code := 0
				if exit, ok := err.(*exec.ExitError); ok {
					code = exit.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return string(out), code
			}
			want := "verified: yes"
			if pc.unsigned {
				want = "verified: unsigned"
			}
			if out, code := verify(signed); code != 0 || !strings.HasPrefix(out, want) {
				t.Fatalf("exit %d, want %q:\n%s", code, want, out)
			}
			// Only a credential over the raw body refuses one byte more of
			// it: a token covers no body, OPay v1 and Numipay sign fields.
			if pc.body == "" || !rawBodySigned[pc.name] {
				return
			}
			out, code := verify(append(bytes.Clone(signed), '\n'))
			if code != 1 || !strings.HasPrefix(out, "verified: no") {
				t.Fatalf("a byte more of body: exit %d:\n%s", code, out)
			}
			for _, s := range pc.sign {
				if len(s) > 8 && !strings.HasPrefix(s, "--") && strings.Contains(out, s) && strings.Contains(strings.Join(pc.sign, " "), "--secret "+s) {
					t.Errorf("the output shows a secret:\n%s", out)
				}
			}
		})
	}
}

// Every row of the preset table: what `caddy webhook sign` prints,
// `caddy webhook verify` with the same flags verifies.
func TestSignVerifyEveryRow(t *testing.T) {
	for _, row := range presets.Table {
		t.Run(row.Name, func(t *testing.T) {
			secret := "row-secret-0123456789abcdef"
			switch {
			case row.Scheme.KeyEncoding == "whsec":
				secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte(secret))
			case row.Scheme.KeyEncoding == "hex":
				secret = fmt.Sprintf("%x", secret)
			case row.Token != nil && row.Token.Basic:
				secret = "hook-user:" + secret
			}
			flags := []string{"--secret", secret}
			if row.Scheme.KeyType != "" { // a test key pair: the provider keeps its private key
				pub, priv := testKeyPair(t, row.Scheme.KeyType)
				flags = []string{"--set", "public_key " + pub, "--set", "private_key " + priv}
			}
			for _, v := range row.Values {
				flags = append(flags, "--set", v+" https://example.com/hooks")
			}
			sign := exec.Command(caddyBin, append([]string{"webhook", "sign", row.Name, "--data", `{"id":"evt_1","type":"x","event":"charge.success"}`}, flags...)...)
			signed, err := sign.Output()
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			verify := exec.Command(caddyBin, append([]string{"webhook", "verify", row.Name}, flags...)...)
			verify.Stdin = bytes.NewReader(signed)
			out, err := verify.Output()
			if err != nil || !strings.HasPrefix(string(out), "verified: yes") {
				t.Fatalf("verify: %v\n%s\nof\n%s", err, out, signed)
			}
		})
	}
}

// TestEnvelopeStructuredBodyIsNew: in envelope structured the upstream
// receives a new body, so nothing that described or signed the provider's
// bytes may come with it. A gzip body arrives as sent in data_base64, with
// contentencoding gzip and no Content-Encoding header; a JSON body that is
// not UTF-8 arrives in data_base64, never re-encoded in data; the
// provider's signature header is gone, and the gateway's signature covers
// the document.
func TestEnvelopeStructuredBodyIsNew(t *testing.T) {
	up := newUpstream(t)
	site := "\twebhook_verify hmac {\n\t\tsecret {env.HMAC_SECRET}\n\t\theader X-Signature\n\t\tprefix sha256=\n\t\tenvelope structured\n" +
		"\t\tforward_signature {env.GATEWAY_SECRET}\n\t}\n\treverse_proxy {UPSTREAM}\n"
	c := startCaddy(t, "", site, up.Addr, envelopeEnv...)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"id":"evt_gz","status":"paid"}`))
	zw.Close()
	for _, tc := range []struct {
		name     string
		body     []byte
		header   []string
		encoding string
		inData   bool
	}{
		{"gzip", gz.Bytes(), []string{"Content-Encoding", "gzip", "Content-MD5", "bm90LXRoZS1uZXctYm9keQ=="}, "gzip", false},
		{"JSON not UTF-8", []byte("{\"id\":\"evt_latin1\",\"name\":\"Jos\xe9\"}"), nil, "", false},
		{"JSON", []byte(`{"id":"evt_plain"}`), nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up.Reset()
			hd := h(append([]string{"Content-Type", "application/json", "X-Signature", githubStyle("hmac-secret", tc.body)}, tc.header...)...)
			if code, text := send(t, http.MethodPost, c.URL+"/", tc.body, hd); code != 200 {
				t.Fatalf("got %d %q", code, text)
			}
			got := up.Received()
			if len(got) != 1 {
				t.Fatalf("the upstream got %d requests", len(got))
			}
			r := got[0]
			for _, name := range []string{"Content-Encoding", "Content-Md5", "X-Signature"} {
				if v := r.Header.Get(name); v != "" {
					t.Errorf("%s %q reached the upstream, which does not get the body it describes", name, v)
				}
			}
			wh, _ := standardwebhooks.NewWebhook(gatewaySecret)
			if err := wh.Verify(r.Body, r.Header); err != nil {
				t.Errorf("gateway signature: %v", err)
			}
			upReq := httptest.NewRequest(r.Method, r.URI, bytes.NewReader(r.Body))
			upReq.Header = r.Header
			event, err := cehttp.NewEventFromHTTPRequest(upReq)
			if err != nil {
				t.Fatalf("the CloudEvents SDK cannot read it: %v\n%s", err, r.Body)
			}
			if !bytes.Equal(event.Data(), tc.body) {
				t.Errorf("event data %q, want the body as sent %q", event.Data(), tc.body)
			}
			if enc := fmt.Sprint(event.Extensions()["contentencoding"]); tc.encoding != "" && enc != tc.encoding {
				t.Errorf("contentencoding %q, want %q", enc, tc.encoding)
			}
			if tc.encoding == "" && event.Extensions()["contentencoding"] != nil {
				t.Errorf("contentencoding %v on a body sent without one", event.Extensions()["contentencoding"])
			}
			if in := bytes.Contains(r.Body, []byte(`"data":`)); in != tc.inData {
				t.Errorf("body in data: %v, want %v: %s", in, tc.inData, r.Body)
			}
		})
	}
}

// testKeyPair returns a new key pair of type kt: the base64 DER public key
// and the base64 PKCS #8 private key.
func testKeyPair(t *testing.T, kt webhookverify.KeyType) (pub, priv string) {
	t.Helper()
	var key crypto.Signer
	var err error
	switch kt {
	case webhookverify.KeyEd25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case webhookverify.KeyECDSA:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(pubDER), base64.StdEncoding.EncodeToString(privDER)
}
