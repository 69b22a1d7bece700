package tokenio

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// RFC 8032 section 7.1, Ed25519 test vectors 1 (empty message) and 2.
var (
	rfc1Seed = mustHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	rfc1Pub  = mustHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	rfc1Sig  = mustHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
	rfc2Seed = mustHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
	rfc2Pub  = mustHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
	rfc2Msg  = mustHex("72")
	rfc2Sig  = mustHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// A webhook body in the shape assumed from Token.io's Payments v2 objects.
const webhookBody = `{"id":"whk:9a8b7c","type":"PAYMENT_STATUS_CHANGED","createdAtMs":"1717171717171","payment":{"id":"pm2:4QpHsY5Gk:2gFUX1NDgoi","memberId":"m:33V1ykzKwHbkWqt7fDz2WPPdH2Zt:5zKtXEAq","status":"INITIATION_COMPLETED","bankPaymentStatus":"ACSC","initiation":{"refId":"order-1001","amount":{"value":"10.23","currency":"EUR"}}}}`

func provisioned(t testing.TB, v *TokenIO) *TokenIO {
	t.Helper()
	if err := v.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return v
}

func signedRequest(body string, header string, sig []byte, enc *base64.Encoding) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/tokenio/webhook", strings.NewReader(body))
	if sig != nil {
		r.Header.Set(header, enc.EncodeToString(sig))
	}
	return r
}

func TestRFC8032Vectors(t *testing.T) {
	// The published vectors, through every key format the config accepts.
	pemPub := func(pub []byte) string {
		der, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(pub))
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	for name, key := range map[string]string{
		"hex":       hex.EncodeToString(rfc2Pub),
		"base64":    base64.StdEncoding.EncodeToString(rfc2Pub),
		"base64url": b64url(rfc2Pub),
		"PEM":       pemPub(rfc2Pub),
	} {
		t.Run(name, func(t *testing.T) {
			v := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{key}})
			if _, err := v.Verify(signedRequest(string(rfc2Msg), DefaultHeader, rfc2Sig, base64.RawURLEncoding), rfc2Msg, time.Now()); err != nil {
				t.Fatalf("RFC 8032 test 2: %v", err)
			}
		})
	}
	v := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}})
	if _, err := v.Verify(signedRequest("", DefaultHeader, rfc1Sig, base64.RawURLEncoding), nil, time.Now()); err != nil {
		t.Fatalf("RFC 8032 test 1 (empty message): %v", err)
	}
	// The seed derives the published public key, and Sign reproduces the
	// published (deterministic) signature.
	s := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub)}, PrivateKey: hex.EncodeToString(rfc2Seed)})
	r := signedRequest(string(rfc2Msg), DefaultHeader, nil, nil)
	if _, err := s.Sign(r, rfc2Msg, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get(DefaultHeader); got != b64url(rfc2Sig) {
		t.Errorf("Sign = %s, want the RFC 8032 signature %s", got, b64url(rfc2Sig))
	}
}

func TestVerifyWebhook(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(rfc1Seed)
	sig := ed25519.Sign(priv, []byte(webhookBody))
	other := ed25519.NewKeyFromSeed(rfc2Seed)
	otherSig := ed25519.Sign(other, []byte(webhookBody))

	tests := []struct {
		name   string
		v      TokenIO
		method string
		body   string
		req    *http.Request
		want   error
	}{
		{name: "valid", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding)},
		{name: "padded base64url", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.URLEncoding)},
		{name: "rotated: second key verifies", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub), b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding)},
		{name: "wrong key", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding), want: webhookverify.ErrInvalidSignature},
		{name: "signed by another key", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, otherSig, base64.RawURLEncoding), want: webhookverify.ErrInvalidSignature},
		{name: "tampered body", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			body: strings.Replace(webhookBody, "10.23", "10.24", 1),
			req:  signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding), want: webhookverify.ErrInvalidSignature},
		{name: "missing header", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, nil, nil), want: webhookverify.ErrMissingSignature},
		{name: "other header", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, "X-Signature", sig, base64.RawURLEncoding), want: webhookverify.ErrMissingSignature},
		{name: "custom header", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, Header: "X-Signature"},
			req: signedRequest(webhookBody, "X-Signature", sig, base64.RawURLEncoding)},
		{name: "base64 configured", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, Encoding: webhookverify.Base64},
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.StdEncoding)},
		{name: "base64 sent, base64url configured", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, []byte{0xfb, 0xff}, base64.StdEncoding), want: webhookverify.ErrMalformedSignature},
		{name: "truncated signature", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, sig[:63], base64.RawURLEncoding), want: webhookverify.ErrMalformedSignature},
		{name: "long signature", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}},
			req: signedRequest(webhookBody, DefaultHeader, append(sig, 0), base64.RawURLEncoding), want: webhookverify.ErrMalformedSignature},
		{name: "GET", v: TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}}, method: http.MethodGet,
			req: signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding), want: webhookverify.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provisioned(t, &tc.v)
			body := tc.body
			if body == "" {
				body = webhookBody
			}
			if tc.method != "" {
				tc.req.Method = tc.method
			}
			_, err := v.Verify(tc.req, []byte(body), time.Now())
			if tc.want == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("repeated header", func(t *testing.T) {
		v := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}})
		r := signedRequest(webhookBody, DefaultHeader, sig, base64.RawURLEncoding)
		r.Header.Add(DefaultHeader, b64url(sig))
		if _, err := v.Verify(r, []byte(webhookBody), time.Now()); !errors.Is(err, webhookverify.ErrMalformedSignature) {
			t.Fatalf("Verify error = %v", err)
		}
	})
}

func TestWebhookEvent(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(rfc1Seed)
	verify := func(t *testing.T, v *TokenIO, body string) webhookverify.Event {
		t.Helper()
		ev, err := provisioned(t, v).Verify(signedRequest(body, DefaultHeader, ed25519.Sign(priv, []byte(body)), base64.RawURLEncoding), []byte(body), time.Now())
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return ev
	}
	ev := verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}}, webhookBody)
	want := webhookverify.Event{
		ID:        "whk:9a8b7c",
		Type:      "io.token.webhook.payment_status_changed",
		Time:      time.UnixMilli(1717171717171).UTC(),
		Subject:   "order-1001",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "10.23",
		Currency:  "EUR",
		Reference: "order-1001",
	}
	if ev != want {
		t.Errorf("Event = %+v\nwant %+v", ev, want)
	}

	v1 := `{"id":"n1","eventType":"TRANSFER_STATUS_CHANGED","createdAtMs":1717171717171,"transferId":"t:1","refId":"r-7","status":"FAILURE_DECLINED"}`
	ev = verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}}, v1)
	if ev.Type != "io.token.webhook.transfer_status_changed" || ev.Status != webhookverify.StatusFailed || ev.Reference != "r-7" || ev.ID != "n1" || ev.Time.IsZero() {
		t.Errorf("v1 webhook: %+v", ev)
	}

	ev = verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}}, `not json`)
	if ev != (webhookverify.Event{Type: TypeWebhook}) {
		t.Errorf("non-JSON body: %+v", ev)
	}
	ev = verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}}, `{"type":"A B"}`)
	if ev.Type != TypeWebhook {
		t.Errorf("unusable type: %q", ev.Type)
	}

	// Field paths override the assumed shape.
	custom := `{"event":{"uid":"e-5","kind":"VRP_STATUS_CHANGED","at":"2024-06-01T00:00:00Z"},"vrp":{"status":"AUTHORIZED","ref":"x9","amount":{"value":"1.00","currency":"GBP"}},"payment":{"status":"INITIATION_COMPLETED"}}`
	ev = verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, FieldPaths: webhookverify.FieldPaths{
		EventID: "event.uid", Type: "event.kind", Time: "event.at", Status: "vrp.status", Reference: "vrp.ref",
		Subject: "vrp.ref", Amount: "vrp.amount.value", Currency: "vrp.amount.currency",
		StatusMap: map[string]webhookverify.PaymentStatus{"AUTHORIZED": webhookverify.StatusSucceeded},
	}}, custom)
	want = webhookverify.Event{ID: "e-5", Type: "io.token.webhook.vrp_status_changed", Time: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		Subject: "x9", Status: webhookverify.StatusSucceeded, Amount: "1.00", Currency: "GBP", Reference: "x9"}
	if !ev.Time.Equal(want.Time) {
		t.Errorf("Time = %v", ev.Time)
	}
	ev.Time = want.Time
	if ev != want {
		t.Errorf("with field paths: %+v\nwant %+v", ev, want)
	}
	// status_map alone applies to the default status.
	ev = verify(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, FieldPaths: webhookverify.FieldPaths{
		StatusMap: map[string]webhookverify.PaymentStatus{"INITIATION_COMPLETED": webhookverify.StatusPending},
	}}, webhookBody)
	if ev.Status != webhookverify.StatusPending {
		t.Errorf("status_map alone: %q", ev.Status)
	}
}

func TestNormalizeStatus(t *testing.T) {
	for in, want := range map[string]webhookverify.PaymentStatus{
		"INITIATION_COMPLETED": webhookverify.StatusSucceeded, "SETTLEMENT_COMPLETED": webhookverify.StatusSucceeded,
		"SUCCESS": webhookverify.StatusSucceeded, "INITIATION_PENDING": webhookverify.StatusPending,
		"INITIATION_PENDING_REDIRECT_AUTH": webhookverify.StatusPending, "PENDING_EXTERNAL_AUTHORIZATION": webhookverify.StatusPending,
		"PROCESSING": webhookverify.StatusPending, "INITIATION_REJECTED": webhookverify.StatusFailed,
		"INITIATION_FAILED": webhookverify.StatusFailed, "FAILURE_DECLINED": webhookverify.StatusFailed,
		"FAILURE_EXPIRED": webhookverify.StatusExpired, "INITIATION_EXPIRED": webhookverify.StatusExpired,
		"INITIATION_NO_FINAL_STATUS_AVAILABLE": webhookverify.StatusUnknown, "INITIATED": webhookverify.StatusUnknown,
		"": "",
	} {
		if got := NormalizeStatus(in); got != want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSign(t *testing.T) {
	now := time.Now()
	for name, v := range map[string]*TokenIO{
		"base64url":                {Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub), b64url(rfc1Pub)}, PrivateKey: b64url(rfc1Seed)},
		"base64 and custom header": {Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, PrivateKey: hex.EncodeToString(rfc1Seed), Header: "X-Token-Sig", Encoding: webhookverify.Base64},
	} {
		t.Run(name, func(t *testing.T) {
			provisioned(t, v)
			r := signedRequest(webhookBody, "", nil, nil)
			out, err := v.Sign(r, []byte(webhookBody), now)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != webhookBody {
				t.Errorf("Sign changed the body")
			}
			enc := base64.RawURLEncoding
			if v.Encoding == webhookverify.Base64 {
				enc = base64.StdEncoding
			}
			sig, err := enc.DecodeString(r.Header.Get(v.Header))
			if err != nil {
				t.Fatalf("header %s: %v", v.Header, err)
			}
			// Independent check with the public key.
			if !ed25519.Verify(rfc1Pub, []byte(webhookBody), sig) {
				t.Fatal("Sign's signature does not verify with crypto/ed25519")
			}
			if _, err := v.Verify(r, out, now); err != nil {
				t.Fatalf("Verify(Sign(body)): %v", err)
			}
		})
	}

	v := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}})
	if _, err := v.Sign(signedRequest("", "", nil, nil), []byte(webhookBody), now); err == nil || !strings.Contains(err.Error(), "add 'private_key") {
		t.Errorf("Sign without a private key: %v", err)
	}

	red := provisioned(t, &TokenIO{})
	cb := `{"request-id":"rq:1:2","request_id":"rq:1:2"}`
	r := httptest.NewRequest(http.MethodPost, "/cb", strings.NewReader(cb))
	out, err := red.Sign(r, []byte(cb), now)
	if err != nil || string(out) != cb || len(r.Header) != 0 {
		t.Errorf("redirect Sign: %q, %v, %v", out, err, r.Header)
	}
	if _, err := red.Verify(r, out, now); err != nil {
		t.Errorf("redirect Verify(Sign(callback)): %v", err)
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{name: "redirect default", input: `tokenio`, want: `{}`},
		{name: "redirect explicit", input: "tokenio {\n mode redirect\n}", want: `{"mode":"redirect"}`},
		{name: "webhook", input: `tokenio {
			mode webhook
			public_key ` + b64url(rfc1Pub) + ` {file./etc/tokenio/old.pem}
			public_key ` + hex.EncodeToString(rfc2Pub) + `
			private_key {env.TOKENIO_TEST_KEY}
			header X-Token-Signature
			encoding base64
			status_path payment.status
			status_map AUTHORIZED succeeded
		}`, want: `{"mode":"webhook","public_keys":["` + b64url(rfc1Pub) + `","{file./etc/tokenio/old.pem}","` + hex.EncodeToString(rfc2Pub) +
			`"],"private_key":"{env.TOKENIO_TEST_KEY}","header":"X-Token-Signature","encoding":"base64","status_path":"payment.status","status_map":{"AUTHORIZED":"succeeded"}}`},
		{name: "secret", input: "tokenio {\n secret {env.X}\n}", wantErr: "tokenio takes no secret: redirect callbacks are unsigned, and webhooks are verified with 'public_key <Token.io public key>' under 'mode webhook', at Testfile:2"},
		{name: "unknown subdirective", input: "tokenio {\n mode webhook\n public_key " + b64url(rfc1Pub) + "\n algorithm ed25519\n}", wantErr: `unrecognized subdirective "algorithm" for provider tokenio`},
		{name: "bad mode", input: "tokenio {\n mode signed\n}", wantErr: `mode "signed": use redirect (unsigned browser callbacks) or webhook (signed server-to-server webhooks), at Testfile:2`},
		{name: "public_key in redirect mode", input: "tokenio {\n public_key " + b64url(rfc1Pub) + "\n}", wantErr: "public_key applies to mode webhook only: add 'mode webhook'"},
		{name: "field path in redirect mode", input: "tokenio {\n event_id_path id\n}", wantErr: "event_id_path applies to mode webhook only"},
		{name: "webhook without public key", input: "tokenio {\n mode webhook\n}", wantErr: "needs Token.io's public key: add 'public_key"},
		{name: "bad public key", input: "tokenio {\n mode webhook\n public_key abc\n}", wantErr: "public_key: not a 32-byte Ed25519 key in hex, base64 or base64url, nor a PEM block or the base64 of a DER public key, at Testfile:3"},
		{name: "public key without value", input: "tokenio {\n mode webhook\n public_key\n}", wantErr: "Testfile:3"},
		{name: "bad encoding", input: "tokenio {\n mode webhook\n public_key " + b64url(rfc1Pub) + "\n encoding hex\n}", wantErr: `encoding "hex": use base64url or base64, at Testfile:4`},
		{name: "adapt-time private key", input: "tokenio {\n mode webhook\n public_key " + b64url(rfc1Pub) + "\n private_key \"{$TOKENIO_KEY}\"\n}", wantErr: "Testfile:4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v TokenIO
			err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalCaddyfile: %v", err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("JSON = %s\nwant   %s", got, tc.want)
			}
		})
	}
}

func TestProvision(t *testing.T) {
	dir := t.TempDir()
	der, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(rfc1Pub))
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(dir, "tokenio.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(rfc1Seed))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKENIO_TEST_PRIVATE_PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	t.Setenv("TOKENIO_TEST_PUB", b64url(rfc1Pub))

	v := provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{"{file." + pemFile + "}"}, PrivateKey: "{env.TOKENIO_TEST_PRIVATE_PEM}"})
	r := signedRequest(webhookBody, "", nil, nil)
	if _, err := v.Sign(r, []byte(webhookBody), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, []byte(webhookBody), time.Now()); err != nil {
		t.Fatalf("PEM files: %v", err)
	}
	provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{"{env.TOKENIO_TEST_PUB}"}})
	red := provisioned(t, &TokenIO{})
	if red.Mode != ModeRedirect {
		t.Errorf("default mode %q", red.Mode)
	}

	for name, tc := range map[string]struct {
		v       TokenIO
		wantErr string
	}{
		"unset private key variable": {TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, PrivateKey: "{env.TOKENIO_TEST_UNSET}"}, "TOKENIO_TEST_UNSET"},
		"unset public key variable":  {TokenIO{Mode: ModeWebhook, PublicKeys: []string{"{env.TOKENIO_TEST_UNSET}"}}, "public key #1"},
		"missing public key file":    {TokenIO{Mode: ModeWebhook, PublicKeys: []string{"{file." + filepath.Join(dir, "nope.pem") + "}"}}, "public key #1"},
		"private key mismatch": {TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc2Pub)}, PrivateKey: b64url(rfc1Seed)},
			"private_key does not match any public_key: add 'public_key " + b64url(rfc1Pub) + "'"},
		"bad private key":     {TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, PrivateKey: "short"}, "private_key: not a PEM private key block, nor the base64 of a PKCS #8 one"},
		"no public key":       {TokenIO{Mode: ModeWebhook}, "add 'public_key"},
		"bad public key":      {TokenIO{Mode: ModeWebhook, PublicKeys: []string{"AAAA"}}, "public key #1: not a 32-byte"},
		"RSA PEM public key":  {TokenIO{Mode: ModeWebhook, PublicKeys: []string{"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"}}, "PEM RSA PUBLIC KEY block could not be parsed"},
		"unknown mode":        {TokenIO{Mode: "signed"}, `unknown mode "signed"`},
		"bad encoding":        {TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub)}, Encoding: webhookverify.Hex}, `encoding "hex"`},
		"key in redirect":     {TokenIO{PublicKeys: []string{b64url(rfc1Pub)}}, "set mode webhook"},
		"paths in redirect":   {TokenIO{FieldPaths: webhookverify.FieldPaths{EventID: "id"}}, "set mode webhook"},
		"private in redirect": {TokenIO{Mode: ModeRedirect, PrivateKey: "{env.X}"}, "set mode webhook"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.v.Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Provision error = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), hex.EncodeToString(rfc1Seed)) || strings.Contains(err.Error(), b64url(rfc1Seed)) {
				t.Fatalf("error reveals the private key: %v", err)
			}
		})
	}
}

// TestHandlerCaddyfile parses full webhook_verify blocks: the handler keeps
// its own subdirectives and hands the rest to this verifier.
func TestHandlerCaddyfile(t *testing.T) {
	for input, want := range map[string]string{
		"webhook_verify tokenio": `{"provider":"tokenio"}`,
		"webhook_verify tokenio {\n max_body 64KiB\n mode webhook\n public_key {file./etc/tokenio.pem}\n}": `{"mode":"webhook","provider":"tokenio","public_keys":["{file./etc/tokenio.pem}"]}`,
	} {
		var h webhookverify.Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
			t.Fatalf("UnmarshalCaddyfile(%q): %v", input, err)
		}
		if string(h.VerifierRaw) != want {
			t.Errorf("verifier JSON = %s\nwant %s", h.VerifierRaw, want)
		}
	}
	var h webhookverify.Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("webhook_verify tokenio {\n secret {env.X}\n}")); err == nil {
		t.Error("a secret in mode redirect was accepted")
	}
	mod, err := caddy.GetModule("http.webhook_verify.verifiers.tokenio")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mod.New().(*TokenIO); !ok {
		t.Errorf("New returns %T", mod.New())
	}
}

// TestDegeneratePublicKeys: an Ed25519 public key of small order (or a
// non-canonical encoding) makes signatures meaningless: for the identity
// point, R = identity and S = 0 verify any message, and for the all-zero
// key (a point of order 4) such a signature verifies one message in four.
// Provision refuses them, with a message that names the problem.
func TestDegeneratePublicKeys(t *testing.T) {
	identity := mustHex("0100000000000000000000000000000000000000000000000000000000000000")
	trivial := append(append([]byte(nil), identity...), make([]byte, 32)...)
	if !ed25519.Verify(identity, []byte(webhookBody), trivial) {
		t.Fatal("test premise: the trivial signature should verify under the identity key")
	}
	zero := make([]byte, 32)
	forged := 0
	for i := 0; i < 64; i++ {
		body := []byte(webhookBody + strings.Repeat(" ", i))
		for _, r := range [][]byte{identity, zero, mustHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), mustHex("0000000000000000000000000000000000000000000000000000000000000080")} {
			if ed25519.Verify(zero, body, append(append([]byte(nil), r...), make([]byte, 32)...)) {
				forged++
				break
			}
		}
	}
	if forged == 0 {
		t.Fatal("test premise: S = 0 signatures should verify under the all-zero key for some bodies")
	}

	for name, key := range map[string]string{
		"all-zero key (order 4)":              hex.EncodeToString(zero),
		"all-zero key in base64url":           b64url(zero),
		"identity (order 1)":                  hex.EncodeToString(identity),
		"order 2 (y = -1)":                    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"order 8":                             "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"order 8, other sign":                 "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
		"identity, non-canonical (y = p + 1)": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		t.Run(name, func(t *testing.T) {
			err := (&TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub), key}}).Provision(caddy.Context{})
			if err == nil || !strings.Contains(err.Error(), "public key #2") {
				t.Fatalf("Provision error = %v, want public key #2 refused", err)
			}
			if _, err := ParsePublicKey(key); err == nil {
				t.Fatalf("ParsePublicKey accepted %s", key)
			}
			var v TokenIO
			if err := v.UnmarshalCaddyfile(caddyfile.NewTestDispenser("tokenio {\n mode webhook\n public_key " + key + "\n}")); err == nil {
				t.Fatalf("UnmarshalCaddyfile accepted %s", key)
			}
		})
	}
	err := (&TokenIO{Mode: ModeWebhook, PublicKeys: []string{hex.EncodeToString(zero)}}).Provision(caddy.Context{})
	if err == nil || !strings.Contains(err.Error(), "small order") {
		t.Errorf("all-zero key: %v, want a message naming the small order", err)
	}
	// Every non-canonical encoding (y = p + k for k = 0…18, either sign of
	// x) is refused, whether or not it decodes to a point.
	for k := 0; k <= 18; k++ {
		for _, sign := range []byte{0, 0x80} {
			enc := make([]byte, 32)
			enc[0] = byte(0xed + k)
			for i := 1; i < 31; i++ {
				enc[i] = 0xff
			}
			enc[31] = 0x7f | sign
			if _, err := ParsePublicKey(hex.EncodeToString(enc)); err == nil {
				t.Errorf("non-canonical encoding %x accepted", enc)
			}
		}
	}
	// Not a point on the curve at all.
	if _, err := ParsePublicKey("0200000000000000000000000000000000000000000000000000000000000000"); err == nil {
		t.Error("a y with no point accepted")
	}
	// Real keys load.
	provisioned(t, &TokenIO{Mode: ModeWebhook, PublicKeys: []string{b64url(rfc1Pub), hex.EncodeToString(rfc2Pub)}})
}
