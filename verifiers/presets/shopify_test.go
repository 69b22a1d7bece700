package presets_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Shopify publishes no signed example, so expected signatures are computed
// here with crypto/hmac directly.
const (
	shopifySecret = "shpss_0123456789abcdef0123456789abcdef"
	shopifyOrder  = `{"id":820982911946154508,"email":"jon@example.com","created_at":"2024-01-01T10:00:00-05:00","currency":"USD","financial_status":"paid","name":"#9999","total_price":"403.00","line_items":[{"id":866550311766439020,"price":"199.00","quantity":1}]}`
	shopifyHeader = "X-Shopify-Hmac-Sha256"
	shopifyType   = "com.shopify.webhook"
)

var shopifyNow = time.Unix(1704121200, 0)

var shopifyOrderEvent = webhookverify.Event{
	Type:     shopifyType,
	Status:   webhookverify.StatusSucceeded,
	Amount:   "403.00",
	Currency: "USD",
}

func shopifyBlock(secrets ...string) string { return block("shopify", secrets) }

// shopifySig is the X-Shopify-Hmac-Sha256 value of body under secret.
func shopifySig(secret, body string) string {
	return base64.StdEncoding.EncodeToString(hmacSum(sha256.New, secret, body))
}

func shopifyHide(secrets ...string) func(string) []string {
	return func(body string) []string {
		var out []string
		for _, s := range secrets {
			out = append(out, s, shopifySig(s, body))
		}
		return out
	}
}

// shopifyCases sets every case's time to shopifyNow and the headers
// Shopify sends beside the signature.
func shopifyCases(cases []verifiertest.Case) []verifiertest.Case {
	for i := range cases {
		cases[i].Now = shopifyNow
		cases[i].Header = append([][2]string{{"Content-Type", "application/json"}, {"X-Shopify-Topic", "orders/paid"}}, cases[i].Header...)
	}
	return cases
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

func TestShopifyVerify(t *testing.T) {
	sig := shopifySig(shopifySecret, shopifyOrder)
	// The same MAC written as (uppercase) hex: valid base64 characters, but
	// it decodes to 48 bytes that match nothing.
	hexSig := strings.ToUpper(hex.EncodeToString(hmacSum(sha256.New, shopifySecret, shopifyOrder)))
	h := func(v string) [][2]string { return [][2]string{{shopifyHeader, v}} }
	order := &shopifyOrderEvent
	v := verifiertest.Load(t, shopifyBlock(shopifySecret))
	run(t, v, shopifyCases([]verifiertest.Case{
		{Name: "order", Body: shopifyOrder, Header: h(sig), Event: order},
		{Name: "header name as Shopify spells it", Body: shopifyOrder, Header: [][2]string{{"X-Shopify-Hmac-SHA256", sig}}, Event: order},
		// Shopify's Events webhooks: the same MAC, without the X- prefix.
		{Name: "events webhook", Body: shopifyOrder, Header: [][2]string{{"shopify-hmac-sha256", sig}}, Event: order},
		{Name: "events webhook, tampered", Body: strings.Replace(shopifyOrder, "403.00", "4.00", 1), Header: [][2]string{{"shopify-hmac-sha256", sig}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "both headers: the X- one is checked", Body: shopifyOrder, Header: [][2]string{{"shopify-hmac-sha256", sig}, {shopifyHeader, "AAAA"}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "unpadded base64", Body: shopifyOrder, Header: h(strings.TrimRight(sig, "=")), Event: order},
		{Name: "tampered body", Body: strings.Replace(shopifyOrder, "403.00", "4.00", 1), Header: h(sig), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: shopifyOrder, Err: webhookverify.ErrMissingSignature},
		{Name: "empty header", Body: shopifyOrder, Header: h(""), Err: webhookverify.ErrMissingSignature},
		{Name: "not base64", Body: shopifyOrder, Header: h("!!!!"), Err: webhookverify.ErrMalformedSignature},
		{Name: "base64url alphabet", Body: shopifyOrder, Header: h(strings.NewReplacer("+", "-", "/", "_").Replace(sig) + "-_"), Err: webhookverify.ErrMalformedSignature},
		{Name: "unexpected prefix", Body: shopifyOrder, Header: h("sha256=" + sig), Err: webhookverify.ErrMalformedSignature},
		{Name: "hex instead of base64", Body: shopifyOrder, Header: h(hexSig), Err: webhookverify.ErrInvalidSignature},
		{Name: "case-changed base64", Body: shopifyOrder, Header: h(swapCase(sig)), Err: webhookverify.ErrInvalidSignature},
		{Name: "repeated header, one valid", Body: shopifyOrder,
			Header: [][2]string{{shopifyHeader, shopifySig("x", shopifyOrder)}, {shopifyHeader, sig}}, Event: order},
		{Name: "repeated header, none valid", Body: shopifyOrder,
			Header: [][2]string{{shopifyHeader, shopifySig("x", shopifyOrder)}, {shopifyHeader, shopifySig("y", shopifyOrder)}}, Err: webhookverify.ErrInvalidSignature},
		{Name: "GET", Method: http.MethodGet, Body: shopifyOrder, Header: h(sig), Err: webhookverify.ErrMethodNotAllowed},
	}), shopifyHide(shopifySecret))

	wrong := []string{"shpss_other"}
	run(t, verifiertest.Load(t, shopifyBlock(wrong...)), shopifyCases([]verifiertest.Case{
		{Name: "wrong secret", Body: shopifyOrder, Header: h(sig), Err: webhookverify.ErrInvalidSignature},
	}), shopifyHide(wrong...))
	verifiertest.Run(t, verifiertest.Load(t, shopifyBlock("shpss_new", shopifySecret)), shopifyCases([]verifiertest.Case{
		{Name: "rotated: second secret verifies", Body: shopifyOrder, Header: h(sig), Event: order},
	}))
}

func TestShopifyEventMapping(t *testing.T) {
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{name: "refunded order", body: `{"id":1,"currency":"EUR","financial_status":"partially_refunded","total_price":"10.50"}`,
			want: webhookverify.Event{Type: shopifyType, Status: webhookverify.StatusRefunded, Amount: "10.50", Currency: "EUR"}},
		{name: "authorized order", body: `{"financial_status":"authorized","total_price":"1.00","currency":"CAD"}`,
			want: webhookverify.Event{Type: shopifyType, Status: webhookverify.StatusPending, Amount: "1.00", Currency: "CAD"}},
		{name: "voided order", body: `{"financial_status":"voided"}`,
			want: webhookverify.Event{Type: shopifyType, Status: webhookverify.StatusFailed}},
		{name: "unknown financial status", body: `{"financial_status":"something_new"}`,
			want: webhookverify.Event{Type: shopifyType, Status: webhookverify.StatusUnknown}},
		{name: "product, no payment facts", body: `{"id":632910392,"title":"IPod Nano - 8GB","variants":[{"price":"199.00"}]}`,
			want: webhookverify.Event{Type: shopifyType}},
		{name: "XML body", body: `<?xml version="1.0" encoding="UTF-8"?><order><financial-status>paid</financial-status></order>`,
			want: webhookverify.Event{Type: shopifyType}},
		{name: "empty body", body: ``, want: webhookverify.Event{Type: shopifyType}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: [][2]string{{shopifyHeader, shopifySig(shopifySecret, tt.body)}}, Event: &want})
	}
	verifiertest.Run(t, verifiertest.Load(t, shopifyBlock(shopifySecret)), shopifyCases(cases))
}

// TestShopifyFieldPaths: Shopify's row reads the financial status, total
// and currency; paths and status words configured in the block are read
// from the signed body too.
func TestShopifyFieldPaths(t *testing.T) {
	v := verifiertest.Load(t, block("shopify", []string{shopifySecret},
		"event_id_path id", "reference_path name", "subject_path email", "status_map paid pending"))
	verifiertest.Run(t, v, shopifyCases([]verifiertest.Case{
		{Name: "order", Body: shopifyOrder, Header: [][2]string{{shopifyHeader, shopifySig(shopifySecret, shopifyOrder)}},
			Event: &webhookverify.Event{ID: "820982911946154508", Type: shopifyType, Subject: "jon@example.com",
				Status: webhookverify.StatusPending, Amount: "403.00", Currency: "USD", Reference: "#9999"}},
	}))
}

func TestShopifySignUsesFirstSecret(t *testing.T) {
	v := verifiertest.Load(t, shopifyBlock("shpss_new", "shpss_old"))
	r := sign(t, v, shopifyOrder, shopifyNow, [2]string{"Content-Type", "application/json"}, [2]string{"X-Shopify-Topic", "orders/paid"})
	if got, want := r.Header.Get(shopifyHeader), shopifySig("shpss_new", shopifyOrder); got != want {
		t.Errorf("signature = %q, want %q (first secret)", got, want)
	}
	if ev, err := v.Verify(r, []byte(shopifyOrder), shopifyNow); err != nil || ev.BodyMAC == "" || withoutMAC(ev) != shopifyOrderEvent {
		t.Errorf("round trip: %+v, %v", ev, err)
	}
	if _, err := verifiertest.Load(t, shopifyBlock("shpss_old")).Verify(r, []byte(shopifyOrder), shopifyNow); !errors.Is(err, webhookverify.ErrInvalidSignature) {
		t.Errorf("a verifier with only the second secret accepted the first secret's signature: %v", err)
	}
}

func TestShopifyProvision(t *testing.T) {
	t.Run("no secret", func(t *testing.T) {
		_, err := provisionJSON("shopify", `{}`)
		checkErr(t, err, "shopify: |no secret configured|secret {env.SHOPIFY_API_SECRET}")
	})
	t.Run("unset environment variable", func(t *testing.T) {
		_, err := verifiertest.TryLoad(shopifyBlock("{env.WEBHOOK_VERIFY_TEST_UNSET_SHOPIFY}"))
		checkErr(t, err, "secret #1")
		if !strings.HasPrefix(err.Error(), "shopify: ") {
			t.Errorf("err = %v, want a shopify error", err)
		}
	})
	t.Run("environment variable", func(t *testing.T) {
		t.Setenv("WEBHOOK_VERIFY_TEST_SHOPIFY", shopifySecret)
		verifiertest.Run(t, verifiertest.Load(t, shopifyBlock("{env.WEBHOOK_VERIFY_TEST_SHOPIFY}")), shopifyCases([]verifiertest.Case{
			{Name: "order", Body: shopifyOrder, Header: [][2]string{{shopifyHeader, shopifySig(shopifySecret, shopifyOrder)}}, Event: &shopifyOrderEvent},
		}))
	})
}

func TestShopifyCaddyfile(t *testing.T) {
	runCaddyfile(t, []caddyfileCase{
		{name: "one secret", input: "shopify {\n secret {env.SHOPIFY_API_SECRET}\n}",
			wantJSON: `{"secrets":["{env.SHOPIFY_API_SECRET}"]}`},
		{name: "rotation", input: "shopify {\n secret {env.SHOPIFY_NEW} {file./run/secrets/shopify_old}\n}",
			wantJSON: `{"secrets":["{env.SHOPIFY_NEW}","{file./run/secrets/shopify_old}"]}`},
		{name: "field path", input: "shopify {\n secret s\n event_id_path id\n}",
			wantJSON: `{"secrets":["s"],"event_id_path":"id"}`},
		{name: "no secret", input: "shopify {\n}", wantErr: "shopify needs the client secret|secret {env.SHOPIFY_API_SECRET}"},
		{name: "secret without value", input: "shopify {\n secret\n}", wantErr: "Testfile:2"},
		// The scheme is fixed: the message says what the block takes.
		{name: "unknown subdirective", input: "shopify {\n secret x\n encoding hex\n}",
			wantErr: `unrecognized subdirective "encoding" for provider shopify|Testfile:3|use secret or a field path`},
	})
}

// No Caddyfile error, nor load error, shows the secret.
func TestShopifySecretsStayHidden(t *testing.T) {
	verifiertest.SecretsStayHidden(t, shopifySecret, shopifyBlock(shopifySecret), nil,
		block("shopify", []string{shopifySecret}, "encoding hex"), block("shopify", []string{shopifySecret}, "tolerance 1m"))
}

func TestShopifyHandlerCaddyfile(t *testing.T) {
	_, got := handlerVerifierJSON(t, "webhook_verify shopify {\n secret {env.SHOPIFY_API_SECRET}\n}")
	if want := `{"provider":"shopify","secrets":["{env.SHOPIFY_API_SECRET}"]}`; got != want {
		t.Errorf("verifier = %s, want %s", got, want)
	}
}

// FuzzVerifyShopify feeds arbitrary signature headers and bodies to Verify
// (it must never panic, and what passes is a Shopify event), then checks
// that any signed body, JSON or not, verifies with the Shopify type. Sign →
// verify → flip one bit is FuzzEveryRow's.
func FuzzVerifyShopify(f *testing.F) {
	v := verifiertest.Load(f, shopifyBlock(shopifySecret))
	f.Add([]byte(shopifyOrder), shopifySig(shopifySecret, shopifyOrder))
	f.Add([]byte(`{"financial_status":"paid","total_price":12.5,"currency":["USD"]}`), "AAAA==,====")
	f.Add([]byte(`<order/>`), "a b c")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		r := verifiertest.Case{Header: [][2]string{{shopifyHeader, sig}}}.Request()
		if ev, err := v.Verify(r, body, shopifyNow); err == nil && ev.Type != shopifyType {
			t.Fatalf("type %q", ev.Type)
		}
		r = sign(t, v, string(body), shopifyNow)
		ev, err := v.Verify(r, body, shopifyNow)
		if err != nil {
			t.Fatalf("signed body rejected: %v", err)
		}
		if ev.Type != shopifyType {
			t.Fatalf("type %q", ev.Type)
		}
	})
}

// shopifyBody1KiB is a realistic 1 KiB orders/paid delivery.
var shopifyBody1KiB = body1KiB(
	`{"id":820982911946154508,"email":"jon@example.com","created_at":"2024-01-01T10:00:00-05:00","currency":"USD","financial_status":"paid","name":"#9999","total_price":"403.00","note":"`,
	`","line_items":[{"id":866550311766439020,"price":"199.00","quantity":1}],"customer":{"id":115310627314723954,"email":"jon@example.com"}}`)

func BenchmarkVerifyShopify(b *testing.B) {
	benchVerify(b, verifiertest.Load(b, shopifyBlock(shopifySecret)), shopifyBody1KiB, shopifyNow,
		[2]string{"Content-Type", "application/json"}, [2]string{"X-Shopify-Topic", "orders/paid"})
}

// BenchmarkBareHMACSHA256Shopify is the primitive alone: a keyed
// HMAC-SHA256 of the same bytes and a constant-time compare.
func BenchmarkBareHMACSHA256Shopify(b *testing.B) {
	benchBareHMAC(b, sha256.New, shopifySecret, nil, shopifyBody1KiB)
}
