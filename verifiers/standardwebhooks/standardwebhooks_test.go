package standardwebhooks

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

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Published vector: standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go (TestWebhookSign).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// Two more secrets, base64 of 26 and 31 bytes of text.
const (
	secretA = "whsec_c2VjcmV0LWEtMjQtYnl0ZXMtbG9uZy1rZXk="
	secretB = "whsec_cm90YXRlZC1zZWNyZXQtYi0zMi1ieXRlcy1sb25nIQ=="
)

var now = time.Unix(1700000000, 0)

const msgID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"

const body = `{"type":"invoice.paid","timestamp":"2023-11-14T22:13:15Z","data":{"id":"in_1","status":"paid","amount":"12.50","currency":"EUR","ref":"ORD-9"}}`

// sig computes a v1 signature independently of the code under test.
func sig(secret, id string, ts int64, body string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func provisioned(t testing.TB, v *StandardWebhooks) *StandardWebhooks {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

// req builds a POST with the given headers; an empty value adds nothing.
func req(method string, kv ...string) *http.Request {
	r := httptest.NewRequest(method, "/hooks", nil)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	return r
}

func TestPublishedVector(t *testing.T) {
	v := provisioned(t, &StandardWebhooks{Secrets: webhookverify.Secrets{vectorSecret}})
	at := time.Unix(vectorTimestamp, 0)
	ev, err := v.Verify(req(http.MethodPost, "webhook-id", vectorID, "webhook-timestamp", "1614265330", "webhook-signature", vectorSignature), []byte(vectorBody), at)
	if err != nil {
		t.Fatalf("published vector does not verify: %v", err)
	}
	want := webhookverify.Event{ID: vectorID, Time: at.UTC()}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event = %+v, want %+v", ev, want)
	}
	// Sign reproduces it, keeping the given id.
	r := req(http.MethodPost, "webhook-id", vectorID)
	if _, err := v.Sign(r, []byte(vectorBody), at); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("webhook-signature"); got != vectorSignature {
		t.Fatalf("Sign = %q, want %q", got, vectorSignature)
	}
	if got := r.Header.Get("webhook-timestamp"); got != "1614265330" {
		t.Fatalf("timestamp = %q", got)
	}
	// The same key without the whsec_ prefix.
	v2 := provisioned(t, &StandardWebhooks{Secrets: webhookverify.Secrets{strings.TrimPrefix(vectorSecret, "whsec_")}})
	if _, err := v2.Verify(req(http.MethodPost, "webhook-id", vectorID, "webhook-timestamp", "1614265330", "webhook-signature", vectorSignature), []byte(vectorBody), at); err != nil {
		t.Fatalf("unprefixed secret: %v", err)
	}
}

func TestVerify(t *testing.T) {
	good := sig(secretA, msgID, now.Unix(), body)
	ts := strconv.FormatInt(now.Unix(), 10)
	tampered := []byte(body)
	tampered[10] ^= 0x20
	var many []string
	for range maxSignatures + 1 {
		many = append(many, "v1,"+strings.Repeat("A", 43)+"=")
	}
	tests := []struct {
		name    string
		secrets []string
		tol     time.Duration
		method  string
		headers []string
		body    string
		at      time.Time
		want    error
	}{
		{name: "valid", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "valid without padding", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", strings.TrimRight(good, "=")}},
		{name: "several signatures, v1a ignored", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts,
			"webhook-signature", "v1," + strings.Repeat("A", 43) + "= v2,xyz v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " + good}},
		{name: "signature split over two header lines", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", "v1,bm9wZQ==", "webhook-signature", good}},
		{name: "svix headers", secrets: []string{secretA}, headers: []string{"svix-id", msgID, "svix-timestamp", ts, "svix-signature", good}},
		{name: "webhook- headers win over svix-", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "svix-signature", good}, want: webhookverify.ErrMissingSignature},
		{name: "rotated: second secret verifies", secrets: []string{secretB, secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "wrong secret", secrets: []string{secretB}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "tampered body", secrets: []string{secretA}, body: string(tampered), headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "other id", secrets: []string{secretA}, headers: []string{"webhook-id", msgID + "x", "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "other timestamp", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", strconv.FormatInt(now.Unix()+1, 10), "webhook-signature", good}, want: webhookverify.ErrInvalidSignature},
		{name: "missing id", secrets: []string{secretA}, headers: []string{"webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMissingSignature},
		{name: "missing timestamp", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-signature", good}, want: webhookverify.ErrMissingTimestamp},
		{name: "missing signature", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts}, want: webhookverify.ErrMissingSignature},
		{name: "no headers at all", secrets: []string{secretA}, want: webhookverify.ErrMissingSignature},
		{name: "empty signature", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", "  "}, want: webhookverify.ErrMissingSignature},
		{name: "only v1a", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", "v1a,abc"}, want: webhookverify.ErrMissingSignature},
		{name: "v1 not base64", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", "v1," + strings.Repeat("*", 44)}, want: webhookverify.ErrMalformedSignature},
		{name: "v1 wrong length", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", "v1,bm9wZQ=="}, want: webhookverify.ErrMalformedSignature},
		{name: "v1 without comma", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", strings.TrimPrefix(good, "v1,")}, want: webhookverify.ErrMissingSignature},
		{name: "too many signatures", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", strings.Join(many, " ")}, want: webhookverify.ErrMalformedSignature},
		{name: "timestamp not a number", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", "yesterday", "webhook-signature", good}, want: webhookverify.ErrMalformedTimestamp},
		{name: "timestamp in milliseconds", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts + "000", "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "id twice", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-id", "msg_other", "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMalformedRequest},
		{name: "timestamp twice", secrets: []string{secretA}, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMalformedRequest},
		{name: "5 min old is in tolerance", secrets: []string{secretA}, at: now.Add(5 * time.Minute), headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}},
		{name: "too old", secrets: []string{secretA}, at: now.Add(5*time.Minute + time.Second), headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "too far in the future", secrets: []string{secretA}, at: now.Add(-5*time.Minute - time.Second), headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "custom tolerance", secrets: []string{secretA}, tol: 30 * time.Second, at: now.Add(31 * time.Second), headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrTimestampOutOfTolerance},
		{name: "GET", secrets: []string{secretA}, method: http.MethodGet, headers: []string{"webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", good}, want: webhookverify.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provisioned(t, &StandardWebhooks{Secrets: tc.secrets, Tolerance: caddy.Duration(tc.tol)})
			method, at, b := tc.method, tc.at, tc.body
			if method == "" {
				method = http.MethodPost
			}
			if at.IsZero() {
				at = now
			}
			if b == "" {
				b = body
			}
			_, err := v.Verify(req(method, tc.headers...), []byte(b), at)
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

func TestEvent(t *testing.T) {
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name string
		cfg  StandardWebhooks
		body string
		want webhookverify.Event
	}{
		{name: "defaults", body: body, want: webhookverify.Event{ID: msgID, Type: "invoice.paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC)}},
		{name: "no timestamp in body: header time", body: `{"type":"contact.created"}`, want: webhookverify.Event{ID: msgID, Type: "contact.created", Time: now.UTC()}},
		{name: "not JSON", body: "plain text", want: webhookverify.Event{ID: msgID, Time: now.UTC()}},
		{name: "mapped fields", body: body, cfg: StandardWebhooks{FieldPaths: webhookverify.FieldPaths{
			Status: "data.status", Amount: "data.amount", Currency: "data.currency", Reference: "data.ref", Subject: "data.id",
			StatusMap: map[string]webhookverify.PaymentStatus{"paid": webhookverify.StatusSucceeded}}},
			want: webhookverify.Event{ID: msgID, Type: "invoice.paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC),
				Subject: "in_1", Status: webhookverify.StatusSucceeded, Amount: "12.50", Currency: "EUR", Reference: "ORD-9"}},
		{name: "event_id_path and type_path", body: body, cfg: StandardWebhooks{FieldPaths: webhookverify.FieldPaths{EventID: "data.id", Type: "data.status"}},
			want: webhookverify.Event{ID: "in_1", Type: "paid", Time: time.Date(2023, 11, 14, 22, 13, 15, 0, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Secrets = webhookverify.Secrets{secretA}
			v := provisioned(t, &cfg)
			ev, err := v.Verify(req(http.MethodPost, "webhook-id", msgID, "webhook-timestamp", ts, "webhook-signature", sig(secretA, msgID, now.Unix(), tc.body)), []byte(tc.body), now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev, tc.want) {
				t.Fatalf("event = %+v\nwant    %+v", ev, tc.want)
			}
			if cfg.Type != tc.cfg.Type || cfg.Time != tc.cfg.Time {
				t.Fatal("Provision changed the configured paths")
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, name := range []string{"standardwebhooks", "svix"} {
		for cfgName, secrets := range map[string][]string{"one secret": {secretA}, "rotation": {secretB, secretA}} {
			t.Run(name+"/"+cfgName, func(t *testing.T) {
				var v *StandardWebhooks
				prefix := "webhook-"
				if name == "svix" {
					s := Svix{}.CaddyModule().New().(*Svix)
					s.Secrets = secrets
					v = &s.StandardWebhooks
					prefix = "svix-"
				} else {
					v = &StandardWebhooks{Secrets: secrets}
				}
				provisioned(t, v)
				r := req(http.MethodPost)
				out, err := v.Sign(r, []byte(body), now)
				if err != nil {
					t.Fatal(err)
				}
				id := r.Header.Get(prefix + "id")
				if !strings.HasPrefix(id, "msg_") || r.Header.Get(prefix+"timestamp") != "1700000000" {
					t.Fatalf("headers = %v", r.Header)
				}
				// Signed with the first secret, checked independently.
				if got, want := r.Header.Get(prefix+"signature"), sig(secrets[0], id, now.Unix(), body); got != want {
					t.Fatalf("signature = %q, want %q", got, want)
				}
				ev, err := v.Verify(r, out, now.Add(time.Minute))
				if err != nil {
					t.Fatalf("Verify after Sign: %v", err)
				}
				if ev.ID != id {
					t.Fatalf("event id = %q, want %q", ev.ID, id)
				}
				// The same input gives the same id.
				r2 := req(http.MethodPost)
				_, _ = v.Sign(r2, []byte(body), now)
				if r2.Header.Get(prefix+"id") != id {
					t.Fatal("Sign is not deterministic")
				}
			})
		}
	}
}

func TestProvision(t *testing.T) {
	tests := []struct {
		name string
		v    StandardWebhooks
		want string
	}{
		{name: "ok", v: StandardWebhooks{Secrets: webhookverify.Secrets{secretA}}},
		{name: "no secret", v: StandardWebhooks{}, want: "no secret configured"},
		{name: "unset env secret", v: StandardWebhooks{Secrets: webhookverify.Secrets{"{env.CWV_TEST_UNSET_SW_SECRET}"}}, want: "secret #1"},
		{name: "not base64", v: StandardWebhooks{Secrets: webhookverify.Secrets{"whsec_not base64!"}}, want: "secret #1 is not whsec_<base64>"},
		{name: "empty after prefix", v: StandardWebhooks{Secrets: webhookverify.Secrets{"whsec_"}}, want: "secret #1 is not whsec_<base64>"},
		{name: "second secret bad", v: StandardWebhooks{Secrets: webhookverify.Secrets{secretA, "whsec_%%"}}, want: "secret #2"},
		{name: "negative tolerance", v: StandardWebhooks{Secrets: webhookverify.Secrets{secretA}, Tolerance: caddy.Duration(-1)}, want: "tolerance must be positive"},
		{name: "bad status_map", v: StandardWebhooks{Secrets: webhookverify.Secrets{secretA}, FieldPaths: webhookverify.FieldPaths{StatusMap: map[string]webhookverify.PaymentStatus{"a": "b"}}}, want: "unknown status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Provision(caddy.Context{})
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
	s := Svix{}.CaddyModule().New().(*Svix)
	if err := s.Provision(caddy.Context{}); err == nil || !strings.HasPrefix(err.Error(), "svix:") {
		t.Fatalf("svix error = %v", err)
	}
}

func TestProvisionEnvSecret(t *testing.T) {
	t.Setenv("CWV_TEST_SW_SECRET", vectorSecret)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	v := &StandardWebhooks{Secrets: webhookverify.Secrets{"{env.CWV_TEST_SW_SECRET}"}}
	if err := v.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	r := req(http.MethodPost, "webhook-id", vectorID, "webhook-timestamp", "1614265330", "webhook-signature", vectorSignature)
	if _, err := v.Verify(r, []byte(vectorBody), time.Unix(vectorTimestamp, 0)); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
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
			var v StandardWebhooks
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
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
func TestHandlerCaddyfile(t *testing.T) {
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
	t.Setenv("CWV_TEST_SW_SECRET", secretA)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	mod, err := ctx.LoadModuleByID("http.webhook_verify.verifiers.svix", json.RawMessage(`{"secrets":["{env.CWV_TEST_SW_SECRET}"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := mod.(*Svix)
	if !ok {
		t.Fatalf("loaded %T", mod)
	}
	r := req(http.MethodPost)
	if _, err := s.Sign(r, []byte(body), now); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("svix-signature") == "" || r.Header.Get("webhook-signature") != "" {
		t.Fatalf("svix Sign headers = %v", r.Header)
	}
}
