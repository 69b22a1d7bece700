package presets_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Published vector: stripe-dotnet, src/StripeTests/EventUtilityTest.cs and
// src/StripeTests/Resources/event_test_signature.json (the file ends with a
// newline). Secret "webhook_secret", t=1533204620.
const (
	stripeVectorSecret = "webhook_secret"
	stripeVectorT      = 1533204620
	stripeVectorHeader = "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef"
	stripeVectorBody   = `{
  "id": "evt_123",
  "object": "event",
  "account": "acct_123",
  "api_version": "2017-05-25",
  "created": 1533204620,
  "data": {
    "object": {
      "id": "cus_123",
      "object": "customer",
      "created": 123456789,
      "email": "test@stripe.com",
      "livemode": false,
      "metadata": {}
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {
    "id": "req_123",
    "idempotency_key": "idempotency-key-123"
  },
  "type": "customer.created"
}
`
)

const (
	stripeSecretA = "whsec_test_A1b2C3d4E5f6G7h8"
	stripeSecretB = "whsec_test_rolled_Z9y8X7w6"
)

var stripeNow = time.Unix(1700000000, 0)

const stripePIBody = `{"id":"evt_3Pq","object":"event","created":1699999990,"type":"payment_intent.succeeded",` +
	`"data":{"object":{"id":"pi_3Pq","object":"payment_intent","amount":2000,"currency":"usd","status":"succeeded","metadata":{"order_id":"ORD-42"}}}}`

// macHex computes Stripe's v1 independently of the code under test.
func stripeMACHex(secret string, t int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10) + "." + body))
	return hex.EncodeToString(m.Sum(nil))
}

func stripeHeader(secret string, t int64, body string) string {
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + stripeMACHex(secret, t, body)
}

// stripeConfig is the JSON configuration of the stripe verifier.
type stripeConfig struct {
	Secrets   []string       `json:"secrets,omitempty"`
	Tolerance caddy.Duration `json:"tolerance,omitempty"`
	webhookverify.FieldPaths
}

// newStripe loads the stripe verifier from its JSON configuration, as
// Caddy does.
func newStripe(t testing.TB, cfg *stripeConfig) webhookverify.Verifier {
	t.Helper()
	v, err := loadStripe(cfg)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

func loadStripe(cfg *stripeConfig) (webhookverify.Verifier, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return verifiertest.TryLoadJSON("stripe", string(raw))
}

const stripeSignatureHeader = "Stripe-Signature"

func stripeRequest(method string, sigs ...string) *http.Request {
	r := httptest.NewRequest(method, "/stripe", nil)
	for _, s := range sigs {
		r.Header.Add(stripeSignatureHeader, s)
	}
	return r
}

func TestStripeVerify(t *testing.T) {
	tampered := []byte(stripePIBody)
	tampered[len(tampered)-5] ^= 0x01
	many := "t=1700000000"
	for range 16 + 1 { // more than the 16 v1 values a header may carry
		many += ",v1=" + strings.Repeat("ab", 32)
	}
	tests := []struct {
		name      string
		secrets   []string
		tol       time.Duration
		method    string
		sigs      []string
		body      string
		stripeNow time.Time
		want      error // nil: verifies
	}{
		{name: "published vector (stripe-dotnet)", secrets: []string{stripeVectorSecret}, sigs: []string{stripeVectorHeader}, body: stripeVectorBody, stripeNow: time.Unix(stripeVectorT+100, 0)},
		{name: "published vector, wrong secret", secrets: []string{"whsec_other"}, sigs: []string{stripeVectorHeader}, body: stripeVectorBody, stripeNow: time.Unix(stripeVectorT+100, 0), want: webhookverify.ErrInvalidSignature},
		{name: "published vector, too old", secrets: []string{stripeVectorSecret}, sigs: []string{stripeVectorHeader}, body: stripeVectorBody, stripeNow: time.Unix(stripeVectorT+301, 0), want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "valid", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody},
		{name: "valid with spaces after commas", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000, v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody},
		{name: "any v1 may match", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v1=" + strings.Repeat("00", 32) + ",v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody) + ",v0=deadbeef,x=1"}, body: stripePIBody},
		{name: "undecodable v1 beside a good one", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v1=zz,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody},
		{name: "rotated: second secret verifies", secrets: []string{stripeSecretB, stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody},
		{name: "wrong secret", secrets: []string{stripeSecretB}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrInvalidSignature},
		{name: "secret without whsec_ prefix is a different key", secrets: []string{strings.TrimPrefix(stripeSecretA, "whsec_")}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrInvalidSignature},
		{name: "tampered body", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: string(tampered), want: webhookverify.ErrInvalidSignature},
		{name: "timestamp changed", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000001,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrInvalidSignature},
		{name: "v0 only", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v0=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMissingSignature},
		{name: "missing header", secrets: []string{stripeSecretA}, body: stripePIBody, want: webhookverify.ErrMissingSignature},
		{name: "empty header", secrets: []string{stripeSecretA}, sigs: []string{" "}, body: stripePIBody, want: webhookverify.ErrMissingSignature},
		{name: "header twice", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody), stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "no t", secrets: []string{stripeSecretA}, sigs: []string{"v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMissingTimestamp},
		{name: "empty t", secrets: []string{stripeSecretA}, sigs: []string{"t=,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMissingTimestamp},
		{name: "t not a number", secrets: []string{stripeSecretA}, sigs: []string{"t=abc,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMalformedTimestamp},
		{name: "t negative", secrets: []string{stripeSecretA}, sigs: []string{"t=-5,v1=00"}, body: stripePIBody, want: webhookverify.ErrMalformedTimestamp},
		{name: "t twice", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,t=1700000000,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "item without =", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v1"}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "old format v1,t", secrets: []string{stripeSecretA}, sigs: []string{"v1,t=1"}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "v1 not hex", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v1=" + strings.Repeat("zz", 32)}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "v1 too short", secrets: []string{stripeSecretA}, sigs: []string{"t=1700000000,v1=" + stripeMACHex(stripeSecretA, stripeNow.Unix(), stripePIBody)[:62]}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "too many v1", secrets: []string{stripeSecretA}, sigs: []string{many}, body: stripePIBody, want: webhookverify.ErrMalformedSignature},
		{name: "300 s old is in tolerance", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix()-300, stripePIBody)}, body: stripePIBody},
		{name: "301 s old", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix()-301, stripePIBody)}, body: stripePIBody, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "301 s in the future", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix()+301, stripePIBody)}, body: stripePIBody, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "custom tolerance", secrets: []string{stripeSecretA}, tol: 10 * time.Second, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix()-11, stripePIBody)}, body: stripePIBody, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "GET", secrets: []string{stripeSecretA}, method: http.MethodGet, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)}, body: stripePIBody, want: webhookverify.ErrMethodNotAllowed},
		{name: "signed body that is not JSON", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), "hello")}, body: "hello", want: webhookverify.ErrMalformedBody},
		{name: "signed JSON array", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), "[1]")}, body: "[1]", want: webhookverify.ErrMalformedBody},
		{name: "signed empty body", secrets: []string{stripeSecretA}, sigs: []string{stripeHeader(stripeSecretA, stripeNow.Unix(), "")}, body: "", want: webhookverify.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newStripe(t, &stripeConfig{Secrets: tc.secrets, Tolerance: caddy.Duration(tc.tol)})
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			at := tc.stripeNow
			if at.IsZero() {
				at = stripeNow
			}
			_, err := v.Verify(stripeRequest(method, tc.sigs...), []byte(tc.body), at)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), stripeMACHex(s, stripeNow.Unix(), tc.body)) {
					t.Fatalf("error %q reveals a secret or an expected MAC", err)
				}
			}
		})
	}
}

func TestStripePublishedVectorEvent(t *testing.T) {
	v := newStripe(t, &stripeConfig{Secrets: []string{stripeVectorSecret}})
	ev, err := v.Verify(stripeRequest(http.MethodPost, stripeVectorHeader), []byte(stripeVectorBody), time.Unix(stripeVectorT, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := webhookverify.Event{
		ID: "evt_123", Type: "com.stripe.customer.created",
		Time: time.Unix(1533204620, 0).UTC(), Subject: "cus_123",
	}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event = %+v, want %+v", ev, want)
	}

	// Sign reproduces the published v1.
	r := stripeRequest(http.MethodPost)
	if _, err := v.(webhookverify.Signer).Sign(r, []byte(stripeVectorBody), time.Unix(stripeVectorT, 0)); err != nil {
		t.Fatal(err)
	}
	wantHeader := stripeVectorHeader[:strings.Index(stripeVectorHeader, ",v0=")]
	if got := r.Header.Get(stripeSignatureHeader); got != wantHeader {
		t.Fatalf("Sign header = %q, want %q", got, wantHeader)
	}
}

func TestStripeEventMapping(t *testing.T) {
	obj := func(fields string) string {
		return `{"id":"evt_1","created":1700000000,"type":"x.y","data":{"object":{"id":"obj_1",` + fields + `}}}`
	}
	tests := []struct {
		name string
		cfg  stripeConfig
		body string
		want webhookverify.Event
	}{
		{name: "payment_intent.succeeded", body: stripePIBody, want: webhookverify.Event{
			ID: "evt_3Pq", Type: "com.stripe.payment_intent.succeeded", Time: time.Unix(1699999990, 0).UTC(),
			Subject: "pi_3Pq", Status: webhookverify.StatusSucceeded, Amount: "2000", Currency: "usd", Reference: "ORD-42"}},
		{name: "payment_intent requires_payment_method", body: obj(`"object":"payment_intent","status":"requires_payment_method","amount":150,"currency":"eur"`),
			want: webhookverify.Event{Status: webhookverify.StatusFailed, Amount: "150", Currency: "eur"}},
		{name: "payment_intent processing", body: obj(`"object":"payment_intent","status":"processing"`), want: webhookverify.Event{Status: webhookverify.StatusPending}},
		{name: "payment_intent canceled", body: obj(`"object":"payment_intent","status":"canceled"`), want: webhookverify.Event{Status: webhookverify.StatusFailed}},
		{name: "payment_intent requires_capture", body: obj(`"object":"payment_intent","status":"requires_capture"`), want: webhookverify.Event{Status: webhookverify.StatusPending}},
		{name: "payment_intent unknown word", body: obj(`"object":"payment_intent","status":"brand_new"`), want: webhookverify.Event{Status: webhookverify.StatusUnknown}},
		{name: "charge failed", body: obj(`"object":"charge","status":"failed"`), want: webhookverify.Event{Status: webhookverify.StatusFailed}},
		{name: "charge refunded flag", body: obj(`"object":"charge","status":"succeeded","refunded":true`), want: webhookverify.Event{Status: webhookverify.StatusRefunded}},
		{name: "refund succeeded", body: obj(`"object":"refund","status":"succeeded","amount":500`), want: webhookverify.Event{Status: webhookverify.StatusRefunded, Amount: "500"}},
		{name: "refund pending", body: obj(`"object":"refund","status":"pending"`), want: webhookverify.Event{Status: webhookverify.StatusPending}},
		{name: "checkout paid", body: obj(`"object":"checkout.session","status":"complete","payment_status":"paid","amount_total":999,"client_reference_id":"cart-7"`),
			want: webhookverify.Event{Status: webhookverify.StatusSucceeded, Amount: "999", Reference: "cart-7"}},
		{name: "checkout complete but unpaid", body: obj(`"object":"checkout.session","status":"complete","payment_status":"unpaid"`), want: webhookverify.Event{Status: webhookverify.StatusPending}},
		{name: "checkout expired", body: obj(`"object":"checkout.session","status":"expired","payment_status":"unpaid"`), want: webhookverify.Event{Status: webhookverify.StatusExpired}},
		{name: "invoice paid", body: obj(`"object":"invoice","status":"paid"`), want: webhookverify.Event{Status: webhookverify.StatusSucceeded}},
		{name: "subscription has no payment status", body: obj(`"object":"subscription","status":"canceled"`), want: webhookverify.Event{}},
		{name: "status_map overrides", cfg: stripeConfig{FieldPaths: webhookverify.FieldPaths{StatusMap: map[string]webhookverify.PaymentStatus{"requires_capture": webhookverify.StatusSucceeded}}},
			body: obj(`"object":"payment_intent","status":"requires_capture"`), want: webhookverify.Event{Status: webhookverify.StatusSucceeded}},
		{name: "status_path for any object", cfg: stripeConfig{FieldPaths: webhookverify.FieldPaths{Status: "data.object.status"}},
			body: obj(`"object":"subscription","status":"canceled"`), want: webhookverify.Event{Status: webhookverify.StatusFailed}},
		{name: "reference_path and subject_path", cfg: stripeConfig{FieldPaths: webhookverify.FieldPaths{Reference: "data.object.metadata.invoice_ref", Subject: "data.object.customer"}},
			body: obj(`"object":"payment_intent","customer":"cus_9","metadata":{"order_id":"no","invoice_ref":"INV-1"}`), want: webhookverify.Event{Subject: "cus_9", Reference: "INV-1"}},
		{name: "thin event with RFC 3339 created", body: `{"id":"evt_t","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2025-10-04T15:13:32.232Z"}`,
			want: webhookverify.Event{ID: "evt_t", Type: "com.stripe.v1.billing.meter.error_report_triggered", Time: time.Date(2025, 10, 4, 15, 13, 32, 232000000, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Secrets = []string{stripeSecretA}
			v := newStripe(t, &cfg)
			ev, err := v.Verify(stripeRequest(http.MethodPost, stripeHeader(stripeSecretA, stripeNow.Unix(), tc.body)), []byte(tc.body), stripeNow)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if strings.HasPrefix(tc.body, `{"id":"evt_1"`) {
				// The common envelope of obj().
				want.ID, want.Type, want.Time = "evt_1", "com.stripe.x.y", time.Unix(1700000000, 0).UTC()
				if want.Subject == "" {
					want.Subject = "obj_1"
				}
			}
			if !reflect.DeepEqual(ev, want) {
				t.Fatalf("event = %+v\nwant    %+v", ev, want)
			}
		})
	}
}

func TestStripeSignVerifyRoundTrip(t *testing.T) {
	configs := map[string]*stripeConfig{
		"default":   {Secrets: []string{stripeSecretA}},
		"rotation":  {Secrets: []string{stripeSecretB, stripeSecretA}},
		"tolerance": {Secrets: []string{stripeSecretA}, Tolerance: caddy.Duration(time.Minute)},
		"paths":     {Secrets: []string{stripeSecretA}, FieldPaths: webhookverify.FieldPaths{Reference: "data.object.id"}},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			v := newStripe(t, cfg)
			r := stripeRequest(http.MethodPost)
			out, err := v.(webhookverify.Signer).Sign(r, []byte(stripePIBody), stripeNow)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != stripePIBody {
				t.Fatal("Sign changed the body")
			}
			// Sign uses the first secret, checked independently.
			if got, want := r.Header.Get(stripeSignatureHeader), stripeHeader(cfg.Secrets[0], stripeNow.Unix(), stripePIBody); got != want {
				t.Fatalf("header = %q, want %q", got, want)
			}
			if _, err := v.Verify(r, out, stripeNow.Add(30*time.Second)); err != nil {
				t.Fatalf("Verify after Sign: %v", err)
			}
		})
	}
}

func TestStripeProvision(t *testing.T) {
	tests := []struct {
		name string
		v    stripeConfig
		want string // "" = no error
	}{
		{name: "literal secret", v: stripeConfig{Secrets: []string{stripeSecretA}}},
		{name: "secret without prefix is accepted (warning)", v: stripeConfig{Secrets: []string{"webhook_secret"}}},
		{name: "no secret", v: stripeConfig{}, want: "no secret configured"},
		{name: "unset env secret", v: stripeConfig{Secrets: []string{"{env.CWV_TEST_UNSET_STRIPE_SECRET}"}}, want: "secret #1"},
		{name: "negative tolerance", v: stripeConfig{Secrets: []string{stripeSecretA}, Tolerance: caddy.Duration(-time.Second)}, want: "tolerance must be positive"},
		{name: "bad status_map value", v: stripeConfig{Secrets: []string{stripeSecretA}, FieldPaths: webhookverify.FieldPaths{StatusMap: map[string]webhookverify.PaymentStatus{"x": "great"}}}, want: "unknown status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := loadStripe(&tc.v)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Provision: %v", err)
				}
				if got := v.(webhookverify.Coverer).Covers().Tolerance; got != 5*time.Minute {
					t.Fatalf("tolerance default = %v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Provision error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestStripeProvisionEnvSecret(t *testing.T) {
	t.Setenv("CWV_TEST_STRIPE_SECRET", stripeSecretA)
	cfg := &stripeConfig{Secrets: []string{"{env.CWV_TEST_STRIPE_SECRET}"}}
	v := newStripe(t, cfg)
	if _, err := v.Verify(stripeRequest(http.MethodPost, stripeHeader(stripeSecretA, stripeNow.Unix(), stripePIBody)), []byte(stripePIBody), stripeNow); err != nil {
		t.Fatalf("Verify with env secret: %v", err)
	}
	// The placeholder stays unresolved in the config.
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), stripeSecretA) {
		t.Fatalf("JSON config %s contains the resolved secret", b)
	}
}

func TestStripeUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // JSON; "" when an error is expected
		err   string
	}{
		{name: "minimal", input: `stripe {
			secret {env.STRIPE_WEBHOOK_SECRET}
		}`, want: `{"secrets":["{env.STRIPE_WEBHOOK_SECRET}"]}`},
		{name: "full", input: `stripe {
			secret {env.NEW} {env.OLD}
			tolerance 2m
			reference_path data.object.metadata.invoice_ref
			status_map requires_capture succeeded
		}`, want: `{"secrets":["{env.NEW}","{env.OLD}"],"tolerance":120000000000,"reference_path":"data.object.metadata.invoice_ref","status_map":{"requires_capture":"succeeded"}}`},
		{name: "unknown subdirective", input: "stripe {\n secret {env.S}\n header X\n}", err: `unrecognized subdirective "header" for provider stripe`},
		{name: "missing secret", input: "stripe {\n tolerance 5m\n}", err: "needs the endpoint's signing secret"},
		{name: "no block", input: "stripe", err: "needs the endpoint's signing secret"},
		{name: "bad tolerance", input: "stripe {\n secret {env.S}\n tolerance soon\n}", err: `tolerance "soon" is not a positive duration`},
		{name: "zero tolerance", input: "stripe {\n secret {env.S}\n tolerance 0s\n}", err: "not a positive duration"},
		{name: "bad status", input: "stripe {\n secret {env.S}\n status_map paid great\n}", err: `unknown status "great"`},
		{name: "argument after provider", input: "stripe extra {\n secret {env.S}\n}", err: "wrong argument count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := caddy.GetModule(webhookverify.VerifierNamespace + ".stripe")
			if err != nil {
				t.Fatal(err)
			}
			v := info.New()
			err = v.(caddyfile.Unmarshaler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.err)
				}
				if !strings.Contains(err.Error(), "Testfile:") {
					t.Fatalf("error %q does not name the line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			_ = json.Unmarshal(got, &gotV)
			if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotV, wantV) {
				t.Fatalf("JSON = %s\nwant   %s", got, tc.want)
			}
		})
	}
}

// TestHandlerCaddyfile checks that the handler hands the block to the
// verifier and names the provider.
func TestStripeHandlerCaddyfile(t *testing.T) {
	var h webhookverify.Handler
	d := caddyfile.NewTestDispenser("webhook_verify stripe {\n secret {env.S}\n max_body 64KiB\n tolerance 1m\n}")
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.VerifierRaw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"provider": "stripe", "secrets": []any{"{env.S}"}, "tolerance": float64(time.Minute)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("verifier JSON = %v, want %v", got, want)
	}
}
