package adyen_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzBanking: whatever the banking scheme signs verifies, and one flipped
// bit of the body fails.
func FuzzBanking(f *testing.F) {
	v := verifiertest.Load(f, "adyen {\n secret "+vectorKey+" "+otherKey+"\n scheme banking\n}")
	verifiertest.FuzzSigned(f, []webhookverify.Verifier{v}, bankingPayload, "", `{"type":"balancePlatform.transfer.updated"}`)
}

// FuzzNotification builds an item from arbitrary fields, signs it, checks
// that it verifies (or is refused as a malformed body, e.g. a ':' in a
// field), that arbitrary bytes never panic, and that changing any signed
// field fails.
func FuzzNotification(f *testing.F) {
	f.Add("pspReference", "originalReference", "merchantAccount", "reference", int64(1000), "EUR", "EVENT", "true", uint8(0))
	f.Add("", "", "", "a:b", int64(-1), "", "", "false", uint8(3))
	f.Add("x\u2028", "\"", "\\", "é", int64(0), "\x00", "A", "", uint8(7))
	v := verifiertest.Load(f, "adyen {\n secret "+vectorKey+" "+otherKey+"\n}")
	signer := v.(webhookverify.Signer)
	f.Fuzz(func(t *testing.T, psp, orig, account, ref string, value int64, currency, code, success string, which uint8) {
		item := map[string]any{
			"pspReference": psp, "originalReference": orig, "merchantAccountCode": account,
			"merchantReference": ref, "amount": map[string]any{"value": value, "currency": currency},
			"eventCode": code, "success": success,
		}
		doc := map[string]any{"live": "false", "notificationItems": []any{map[string]any{"NotificationRequestItem": item}}}
		body, err := json.Marshal(doc)
		if err != nil {
			t.Skip()
		}
		// Arbitrary bytes: no panic, only Failures.
		if _, err := v.Verify(verifiertest.Case{}.Request(), []byte(strings.ReplaceAll(string(body), "EUR", psp)), verifiertest.Now); err != nil && webhookverify.FailureOf(err) == webhookverify.ErrUnknown {
			t.Fatalf("error without a Failure: %v", err)
		}
		r := verifiertest.Case{}.Request()
		signed, err := signer.Sign(r, body, verifiertest.Now)
		if err != nil {
			if errors.Is(err, webhookverify.ErrMalformedBody) {
				return
			}
			t.Fatalf("Sign: %v", err)
		}
		if _, err := v.Verify(r, signed, verifiertest.Now); err != nil {
			t.Fatalf("Verify(Sign()) = %v\n%s", err, signed)
		}
		// Change one signed field.
		var back map[string]any
		dec := json.NewDecoder(strings.NewReader(string(signed)))
		dec.UseNumber()
		if err := dec.Decode(&back); err != nil {
			t.Fatal(err)
		}
		nri := back["notificationItems"].([]any)[0].(map[string]any)["NotificationRequestItem"].(map[string]any)
		keys := []string{"pspReference", "originalReference", "merchantAccountCode", "merchantReference", "eventCode", "success"}
		switch k := int(which) % (len(keys) + 2); {
		case k < len(keys):
			nri[keys[k]] = nri[keys[k]].(string) + "x"
		case k == len(keys):
			nri["amount"].(map[string]any)["value"] = json.Number(strconv.FormatInt(value^1, 10))
		default:
			nri["amount"].(map[string]any)["currency"] = currency + "X"
		}
		tampered, _ := json.Marshal(back)
		if _, err := v.Verify(r, tampered, verifiertest.Now); err == nil {
			t.Fatalf("a changed signed field verified:\n%s\n%s", signed, tampered)
		}
	})
}

// notification1KiB is a signed AUTHORISATION padded to 1 KiB with an
// unsigned field.
func notification1KiB() []byte {
	item := authItem(vectorKey, "8535296650153317", "order-42", "2500", "true")
	prefix := `{"live":"false","notificationItems":[` + item + `],"pad":"`
	return []byte(prefix + strings.Repeat("p", 1024-len(prefix)-len(`"}`)) + `"}`)
}

func BenchmarkVerifyNotification(b *testing.B) {
	v := verifiertest.Load(b, "adyen {\n secret "+vectorKey+"\n}")
	body := notification1KiB()
	r := verifiertest.Case{}.Request()
	if _, err := v.Verify(r, body, verifiertest.Now); err != nil || len(body) != 1024 {
		b.Fatal(err, len(body))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBanking(b *testing.B) {
	v := verifiertest.Load(b, "adyen {\n secret "+vectorKey+"\n scheme banking\n}")
	body := []byte(strings.Repeat("b", 1024))
	r := verifiertest.Case{Header: [][2]string{{"HmacSignature", sign(vectorKey, string(body))}}}.Request()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(r, body, verifiertest.Now); err != nil {
			b.Fatal(err)
		}
	}
}
