package presets_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// testdata reads a vector's body from testdata/keys, byte for byte.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Wise's published vector: transferwise/digital-signatures-examples
// @c29c362, verify-webhook-signature/verify-signature.js 14–15 (body, no
// trailing newline; signature), signed by Wise's sandbox key.
const wiseSignature = "wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ=="

func TestWiseVector(t *testing.T) {
	body := testdata(t, "wise_body.json")
	sig := [][2]string{{"X-Signature-SHA256", wiseSignature}}
	v := verifiertest.Load(t, "wise {\n public_key wise_sandbox\n}")
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: body, Header: sig, Event: &webhookverify.Event{
			Type: "transfers#state-change", Time: time.Date(2021, 8, 23, 10, 12, 50, 0, time.UTC), Status: webhookverify.StatusPending,
		}},
		{Name: "a trailing newline", Body: body + "\n", Header: sig, Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered state", Body: strings.Replace(body, "incoming_payment_waiting", "outgoing_payment_sent", 1), Header: sig, Err: webhookverify.ErrInvalidSignature},
		{Name: "the signature in the legacy header", Body: body, Header: [][2]string{{"X-Signature", wiseSignature}}, Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: http.MethodGet, Body: body, Header: sig, Err: webhookverify.ErrMethodNotAllowed},
	})
	rotated := verifiertest.Load(t, "wise {\n public_key wise_production wise_sandbox\n}")
	verifiertest.Run(t, rotated, []verifiertest.Case{{Name: "sandbox after production", Body: body, Header: sig}})
	production := verifiertest.Load(t, "wise {\n public_key wise_production\n}")
	verifiertest.Run(t, production, []verifiertest.Case{{Name: "the production key", Body: body, Header: sig, Err: webhookverify.ErrInvalidSignature}})

	for block, want := range map[string]string{
		"wise {\n public_key wise_staging\n}": "public key #1: not a PEM block",
		"wise {\n secret s\n}":                "Wise signs with a private key and shares no secret: use 'public_key wise_production or wise_sandbox'",
		"wise {\n}":                           "add 'public_key wise_production or wise_sandbox'",
		"wise {\n public_key wise_sandbox\n private_key \"{$K}\"\n}": "private_key is empty",
	} {
		if _, err := verifiertest.TryLoad(block); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", block, err, want)
		}
	}
}

// SendGrid's published vectors: sendgrid/sendgrid-go @0f2bb79,
// helpers/eventwebhook/eventwebhook_test.go 13–38 (one event; the payload
// ends with CRLF), and sendgrid/sendgrid-nodejs @498e2329,
// packages/eventwebhook/src/eventwebhook.spec.js 21–68 (several events,
// one per CRLF-ended line).
func TestSendGridVectors(t *testing.T) {
	for _, c := range []struct {
		key, ts, sig, file string
	}{
		{"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
			"1600112502", "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=", "sendgrid_payload.json"},
		{"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==",
			"1619651159", "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5", "sendgrid_payload2.json"},
	} {
		body := testdata(t, c.file)
		sec, _ := strconv.ParseInt(c.ts, 10, 64)
		at := time.Unix(sec, 0)
		headers := func(ts string) [][2]string {
			return [][2]string{{"X-Twilio-Email-Event-Webhook-Signature", c.sig}, {"X-Twilio-Email-Event-Webhook-Timestamp", ts}}
		}
		v := verifiertest.Load(t, "sendgrid {\n public_key "+c.key+"\n}")
		verifiertest.Run(t, v, []verifiertest.Case{
			{Name: c.file + " published vector", Body: body, Header: headers(c.ts), Now: at.Add(time.Minute)},
			{Name: c.file + " without the final CRLF", Body: strings.TrimSuffix(body, "\r\n"), Header: headers(c.ts), Now: at, Err: webhookverify.ErrInvalidSignature},
			{Name: c.file + " another timestamp", Body: body, Header: headers(strconv.FormatInt(sec+1, 10)), Now: at, Err: webhookverify.ErrInvalidSignature},
			{Name: c.file + " an old delivery", Body: body, Header: headers(c.ts), Now: at.Add(73 * time.Hour), Err: webhookverify.ErrTimestampOutOfTolerance},
			{Name: c.file + " no timestamp", Body: body, Header: headers("")[:1], Now: at, Err: webhookverify.ErrMissingTimestamp},
		})
	}
}

// Discord publishes no vector: this one is signed with RFC 8032's first
// test key (section 7.1, TEST 1) over discord-interactions' own PING
// body, and discord-interactions@4.4.0 verifyKey accepts it (the SDK
// cross-check signs and verifies further requests both ways).
func TestDiscordVector(t *testing.T) {
	const (
		seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
		pub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
		sig  = "f0bd878adcef1f6d475c9644421905bd02b5de38e0d3ecfc6f58a711962c69ccc8dd7c9db312f9bdf08b1e1b8182e27a844da728c5e0dbb5507bf9931c1ed80b"
	)
	seedBytes, _ := hex.DecodeString(seed)
	if got := hex.EncodeToString(ed25519.NewKeyFromSeed(seedBytes).Public().(ed25519.PublicKey)); got != pub {
		t.Fatalf("RFC 8032 TEST 1 public key = %s", got)
	}
	body := testdata(t, "discord_ping.json")
	at := time.Unix(1700000000, 0)
	headers := [][2]string{{"X-Signature-Ed25519", sig}, {"X-Signature-Timestamp", "1700000000"}}
	v := verifiertest.Load(t, "discord {\n public_key "+pub+"\n}")
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "vector", Body: body, Header: headers, Now: at, Event: &webhookverify.Event{ID: "787053080478613555"}},
		{Name: "uppercase hex signature", Body: body, Header: [][2]string{{"X-Signature-Ed25519", strings.ToUpper(sig)}, {"X-Signature-Timestamp", "1700000000"}}, Now: at},
		{Name: "tampered", Body: strings.Replace(body, `"type":1`, `"type":2`, 1), Header: headers, Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "ten minutes late", Body: body, Header: headers, Now: at.Add(10 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
	})
	ch, err := v.(webhookverify.Challenger).Challenge(verifiertest.Case{Body: body}.Request(), []byte(body), webhookverify.Event{}, at)
	if err != nil || ch == nil || string(ch.Body) != `{"type":1}` || ch.ContentType != "application/json" {
		t.Fatalf("PING answer = %+v, %v; want PONG", ch, err)
	}
	command := `{"id":"1","type":2,"data":{"name":"pay"}}`
	if ch, err := v.(webhookverify.Challenger).Challenge(verifiertest.Case{Body: command}.Request(), []byte(command), webhookverify.Event{}, at); ch != nil || err != nil {
		t.Fatalf("an application command was answered at the edge: %+v, %v", ch, err)
	}
	if _, err := verifiertest.TryLoad("discord {\n public_key " + strings.Repeat("00", 32) + "\n}"); err == nil || !strings.Contains(err.Error(), "small order") {
		t.Fatalf("the all-zero key: %v", err)
	}
}
