package presets_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// Published vector: standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go (TestWebhookSign).
const (
	swVectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swVectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swVectorTimestamp = 1614265330
	swVectorBody      = `{"test": 2432232314}`
	swVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// Two more secrets, base64 of 26 and 31 bytes of text.
const (
	swSecretA = "whsec_c2VjcmV0LWEtMjQtYnl0ZXMtbG9uZy1rZXk="
	swSecretB = "whsec_cm90YXRlZC1zZWNyZXQtYi0zMi1ieXRlcy1sb25nIQ=="
)

var swNow = time.Unix(1700000000, 0)

const swMsgID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"

const swBody = `{"type":"invoice.paid","timestamp":"2023-11-14T22:13:15Z","data":{"id":"in_1","status":"paid","amount":"12.50","currency":"EUR","ref":"ORD-9"}}`

// sig computes a v1 signature independently of the code under test.
func swSig(secret, id string, ts int64, swBody string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + swBody))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// swConfig is the JSON configuration of the standardwebhooks and svix
// verifiers.
type swConfig struct {
	Secrets   []string       `json:"secrets,omitempty"`
	Tolerance caddy.Duration `json:"tolerance,omitempty"`
	webhookverify.FieldPaths
}

// swVerifier is a loaded standardwebhooks or svix verifier.
type swVerifier interface {
	webhookverify.Verifier
	webhookverify.Signer
}

// loadSW loads verifier name (standardwebhooks or svix) from its JSON
// configuration, as Caddy does.
func loadSW(name string, cfg *swConfig) (swVerifier, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	v, err := verifiertest.TryLoadJSON(name, string(raw))
	if err != nil {
		return nil, err
	}
	return v.(swVerifier), nil
}

func swProvisioned(t testing.TB, cfg *swConfig) swVerifier {
	t.Helper()
	v, err := loadSW("standardwebhooks", cfg)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// req builds a POST with the given headers; an empty value adds nothing.
func swReq(method string, kv ...string) *http.Request {
	r := httptest.NewRequest(method, "/hooks", nil)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	return r
}

func TestSWPublishedVector(t *testing.T) {
	v := swProvisioned(t, &swConfig{Secrets: []string{swVectorSecret}})
	at := time.Unix(swVectorTimestamp, 0)
	ev, err := v.Verify(swReq(http.MethodPost, "webhook-id", swVectorID, "webhook-timestamp", "1614265330", "webhook-signature", swVectorSignature), []byte(swVectorBody), at)
	if err != nil {
		t.Fatalf("published vector does not verify: %v", err)
	}
	want := webhookverify.Event{ID: swVectorID, Time: at.UTC()}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event = %+v, want %+v", ev, want)
	}
	// Sign reproduces it, keeping the given id.
	r := swReq(http.MethodPost, "webhook-id", swVectorID)
	if _, err := v.Sign(r, []byte(swVectorBody), at); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("webhook-signature"); got != swVectorSignature {
		t.Fatalf("Sign = %q, want %q", got, swVectorSignature)
	}
	if got := r.Header.Get("webhook-timestamp"); got != "1614265330" {
		t.Fatalf("timestamp = %q", got)
	}
	// The same key without the whsec_ prefix.
	v2 := swProvisioned(t, &swConfig{Secrets: []string{strings.TrimPrefix(swVectorSecret, "whsec_")}})
	if _, err := v2.Verify(swReq(http.MethodPost, "webhook-id", swVectorID, "webhook-timestamp", "1614265330", "webhook-signature", swVectorSignature), []byte(swVectorBody), at); err != nil {
		t.Fatalf("unprefixed secret: %v", err)
	}
}

func TestSWVerify(t *testing.T) {
	good := swSig(swSecretA, swMsgID, swNow.Unix(), swBody)
	ts := strconv.FormatInt(swNow.Unix(), 10)
	tampered := []byte(swBody)
	tampered[10] ^= 0x20
	var many []string
	for range 16 + 1 { // more than the 16 signatures a request may carry
		many = append(many, "v1,"+strings.Repeat("A", 43)+"=")
	}
	tests := []struct {
		name    string
		secrets []string
		tol     time.Duration
		method  string
		headers []string
		swBody  string
		at      time.Time
		want    error
	}{
		{name: "valid", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "valid without padding", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", strings.TrimRight(good, "=")}},
		{name: "several signatures, v1a ignored", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts,
			"webhook-signature", "v1," + strings.Repeat("A", 43) + "= v2,xyz v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " + good}},
		{name: "signature split over two header lines", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", "v1,bm9wZQ==", "webhook-signature", good}},
		{name: "svix headers", secrets: []string{swSecretA}, headers: []string{"svix-id", swMsgID, "svix-timestamp", ts, "svix-signature", good}},
		{name: "webhook- headers win over svix-", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "svix-signature", good}, want: webhookverify.ErrMissingSignature},
		{name: "rotated: second secret verifies", secrets: []string{swSecretB, swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "wrong secret", secrets: []string{swSecretB}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "tampered body", secrets: []string{swSecretA}, swBody: string(tampered), headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "other id", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID + "x", "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "other timestamp", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", strconv.FormatInt(swNow.Unix()+1, 10), "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "missing id", secrets: []string{swSecretA}, headers: []string{"webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMissingSignature},
		{name: "missing timestamp", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-signature", good}, want: webhookverify.ErrMissingTimestamp},
		{name: "missing signature", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts}, want: webhookverify.ErrMissingSignature},
		{name: "no headers at all", secrets: []string{swSecretA}, want: webhookverify.ErrMissingSignature},
		{name: "empty signature", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", "  "}, want: webhookverify.ErrMissingSignature},
		{name: "only v1a", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", "v1a,abc"}, want: webhookverify.ErrMissingSignature},
		{name: "v1 not base64", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", "v1," + strings.Repeat("*", 44)}, want: webhookverify.ErrMalformedSignature},
		{name: "v1 wrong length", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", "v1,bm9wZQ=="}, want: webhookverify.ErrMalformedSignature},
		{name: "v1 without comma", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", strings.TrimPrefix(good, "v1,")}, want: webhookverify.ErrMissingSignature},
		{name: "too many signatures", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", strings.Join(many, " ")}, want: webhookverify.ErrMalformedSignature},
		{name: "timestamp not a number", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", "yesterday", "webhook-signature", good}, want: webhookverify.ErrMalformedTimestamp},
		{name: "timestamp in milliseconds", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts + "000", "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "id twice", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-id", "msg_other", "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMalformedRequest},
		{name: "timestamp twice", secrets: []string{swSecretA}, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMalformedTimestamp},
		{name: "5 min old is in tolerance", secrets: []string{swSecretA}, at: swNow.Add(5 * time.Minute), headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "too old", secrets: []string{swSecretA}, at: swNow.Add(5*time.Minute + time.Second), headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "too far in the future", secrets: []string{swSecretA}, at: swNow.Add(-5*time.Minute - time.Second), headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "custom tolerance", secrets: []string{swSecretA}, tol: 30 * time.Second, at: swNow.Add(31 * time.Second), headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "GET", secrets: []string{swSecretA}, method: http.MethodGet, headers: []string{"webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := swProvisioned(t, &swConfig{Secrets: tc.secrets, Tolerance: caddy.Duration(tc.tol)})
			method, at, b := tc.method, tc.at, tc.swBody
			if method == "" {
				method = http.MethodPost
			}
			if at.IsZero() {
				at = swNow
			}
			if b == "" {
				b = swBody
			}
			_, err := v.Verify(swReq(method, tc.headers...), []byte(b), at)
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
				if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), strings.TrimPrefix(good, "v1,")) {
					t.Fatalf("error %q reveals a secret or an expected signature", err)
				}
			}
		})
	}
}

func TestSWEvent(t *testing.T) {
	ts := strconv.FormatInt(swNow.Unix(), 10)
	tests := []struct {
		name   string
		cfg    swConfig
		swBody string
		want   webhookverify.Event
	}{
		{name: "defaults", swBody: swBody, want: webhookverify.Event{ID: swMsgID, Type: "invoice.paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC)}},
		{name: "no timestamp in the body: header time", swBody: `{"type":"contact.created"}`, want: webhookverify.Event{ID: swMsgID, Type: "contact.created", Time: swNow.UTC()}},
		{name: "not JSON", swBody: "plain text", want: webhookverify.Event{ID: swMsgID, Time: swNow.UTC()}},
		{name: "mapped fields", swBody: swBody, cfg: swConfig{FieldPaths: webhookverify.FieldPaths{
			Status: "data.status", Amount: "data.amount", Currency: "data.currency", Reference: "data.ref", Subject: "data.id",
			StatusMap: map[string]webhookverify.PaymentStatus{"paid": webhookverify.StatusSucceeded}}},
			want: webhookverify.Event{ID: swMsgID, Type: "invoice.paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC),
				Subject: "in_1", Status: webhookverify.StatusSucceeded, Amount: "12.50", Currency: "EUR", Reference: "ORD-9"}},
		{name: "event_id_path and type_path", swBody: swBody, cfg: swConfig{FieldPaths: webhookverify.FieldPaths{EventID: "data.id", Type: "data.status"}},
			want: webhookverify.Event{ID: "in_1", Type: "paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Secrets = []string{swSecretA}
			v := swProvisioned(t, &cfg)
			ev, err := v.Verify(swReq(http.MethodPost, "webhook-id", swMsgID, "webhook-timestamp", ts, "webhook-signature", swSig(swSecretA, swMsgID, swNow.Unix(), tc.swBody)), []byte(tc.swBody), swNow)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev, tc.want) {
				t.Fatalf("event = %+v\nwant    %+v", ev, tc.want)
			}
		})
	}
}

func TestSWSignVerifyRoundTrip(t *testing.T) {
	for _, name := range []string{"standardwebhooks", "svix"} {
		for cfgName, secrets := range map[string][]string{"one secret": {swSecretA}, "rotation": {swSecretB, swSecretA}} {
			t.Run(name+"/"+cfgName, func(t *testing.T) {
				prefix := "webhook-"
				if name == "svix" {
					prefix = "svix-"
				}
				v, err := loadSW(name, &swConfig{Secrets: secrets})
				if err != nil {
					t.Fatal(err)
				}
				r := swReq(http.MethodPost)
				out, err := v.Sign(r, []byte(swBody), swNow)
				if err != nil {
					t.Fatal(err)
				}
				id := r.Header.Get(prefix + "id")
				if !strings.HasPrefix(id, "msg_") || r.Header.Get(prefix+"timestamp") != "1700000000" {
					t.Fatalf("headers = %v", r.Header)
				}
				// Signed with the first secret, checked independently.
				if got, want := r.Header.Get(prefix+"signature"), swSig(secrets[0], id, swNow.Unix(), swBody); got != want {
					t.Fatalf("signature = %q, want %q", got, want)
				}
				ev, err := v.Verify(r, out, swNow.Add(time.Minute))
				if err != nil {
					t.Fatalf("Verify after Sign: %v", err)
				}
				if ev.ID != id {
					t.Fatalf("event id = %q, want %q", ev.ID, id)
				}
				// The same input gives the same id.
				r2 := swReq(http.MethodPost)
				_, _ = v.Sign(r2, []byte(swBody), swNow)
				if r2.Header.Get(prefix+"id") != id {
					t.Fatal("Sign is not deterministic")
				}
			})
		}
	}
}

func TestSWProvision(t *testing.T) {
	tests := []struct {
		name string
		v    swConfig
		want string
	}{
		{name: "ok", v: swConfig{Secrets: []string{swSecretA}}},
		{name: "no secret", v: swConfig{}, want: "no secret configured"},
		{name: "unset env secret", v: swConfig{Secrets: []string{"{env.CWV_TEST_UNSET_SW_SECRET}"}}, want: "secret #1"},
		{name: "not base64", v: swConfig{Secrets: []string{"whsec_not base64!"}}, want: "secret #1 is not whsec_<base64>"},
		{name: "empty after prefix", v: swConfig{Secrets: []string{"whsec_"}}, want: "secret #1 is not whsec_<base64>"},
		{name: "second secret bad", v: swConfig{Secrets: []string{swSecretA, "whsec_%%"}}, want: "secret #2"},
		{name: "negative tolerance", v: swConfig{Secrets: []string{swSecretA}, Tolerance: caddy.Duration(-1)}, want: "tolerance must be positive"},
		{name: "bad status_map", v: swConfig{Secrets: []string{swSecretA}, FieldPaths: webhookverify.FieldPaths{StatusMap: map[string]webhookverify.PaymentStatus{"a": "b"}}}, want: "unknown status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadSW("standardwebhooks", &tc.v)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "not base64!") {
				t.Fatalf("error %q reveals the secret", err)
			}
		})
	}
	// The svix name appears in svix's errors.
	if _, err := loadSW("svix", &swConfig{}); err == nil || !strings.Contains(err.Error(), "svix: no secret configured") {
		t.Fatalf("svix error = %v", err)
	}
}

func TestSWProvisionEnvSecret(t *testing.T) {
	t.Setenv("CWV_TEST_SW_SECRET", swVectorSecret)
	v := swProvisioned(t, &swConfig{Secrets: []string{"{env.CWV_TEST_SW_SECRET}"}})
	r := swReq(http.MethodPost, "webhook-id", swVectorID, "webhook-timestamp", "1614265330", "webhook-signature", swVectorSignature)
	if _, err := v.Verify(r, []byte(swVectorBody), time.Unix(swVectorTimestamp, 0)); err != nil {
		t.Fatal(err)
	}
}

func TestSWUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name, input, want, err string
	}{
		{name: "minimal", input: "standardwebhooks {\n secret {env.WEBHOOK_SECRET}\n}", want: `{"secrets":["{env.WEBHOOK_SECRET}"]}`},
		{name: "full", input: `svix {
			secret {env.NEW}
			secret {env.OLD}
			tolerance 10m
			status_path data.status
			status_map paid succeeded
			amount_path data.amount
		}`, want: `{"secrets":["{env.NEW}","{env.OLD}"],"tolerance":600000000000,"status_path":"data.status","amount_path":"data.amount","status_map":{"paid":"succeeded"}}`},
		{name: "unknown subdirective", input: "standardwebhooks {\n secret {env.S}\n header X\n}", err: `unrecognized subdirective "header" for provider standardwebhooks`},
		{name: "unknown subdirective, svix", input: "svix {\n secret {env.S}\n prefix v1\n}", err: `for provider svix`},
		{name: "missing secret", input: "standardwebhooks {\n tolerance 1m\n}", err: "standardwebhooks needs the endpoint's signing secret"},
		{name: "bad tolerance", input: "standardwebhooks {\n secret {env.S}\n tolerance -1m\n}", err: "not a positive duration"},
		{name: "path without value", input: "standardwebhooks {\n secret {env.S}\n type_path\n}", err: "type_path needs a gjson path"},
		{name: "extra argument", input: "standardwebhooks foo {\n secret {env.S}\n}", err: "wrong argument count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, _, _ := strings.Cut(strings.TrimSpace(tc.input), " ")
			info, err := caddy.GetModule(webhookverify.VerifierNamespace + "." + name)
			if err != nil {
				t.Fatal(err)
			}
			v := info.New()
			err = v.(caddyfile.Unmarshaler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "Testfile:") {
					t.Fatalf("error = %v, want it to contain %q and the line", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v)
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

// TestHandlerCaddyfile checks both module names through the handler's
// parser, and that svix's JSON loads back into a Svix.
func TestSWHandlerCaddyfile(t *testing.T) {
	for _, name := range []string{"standardwebhooks", "svix"} {
		var h webhookverify.Handler
		d := caddyfile.NewTestDispenser("webhook_verify " + name + " {\n secret {env.S}\n enforce off\n type_path event\n}")
		if err := h.UnmarshalCaddyfile(d); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(h.VerifierRaw, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"provider": name, "secrets": []any{"{env.S}"}, "type_path": "event"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: verifier JSON = %v, want %v", name, got, want)
		}
	}
	t.Setenv("CWV_TEST_SW_SECRET", swSecretA)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	mod, err := ctx.LoadModuleByID("http.webhook_verify.verifiers.svix", json.RawMessage(`{"secrets":["{env.CWV_TEST_SW_SECRET}"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := mod.(webhookverify.Signer)
	if !ok {
		t.Fatalf("loaded %T", mod)
	}
	r := swReq(http.MethodPost)
	if _, err := s.Sign(r, []byte(swBody), swNow); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("svix-signature") == "" || r.Header.Get("webhook-signature") != "" {
		t.Fatalf("svix Sign headers = %v", r.Header)
	}
}
