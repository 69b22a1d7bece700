package opay

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// FuzzVerifyOPay feeds arbitrary bodies and headers to every scheme and
// checks that nothing panics, that whatever Sign produces verifies, and that
// flipping any one byte of a signed body makes verification fail.
func FuzzVerifyOPay(f *testing.F) {
	f.Add([]byte(docBody), "", "", uint(10))
	f.Add([]byte(docV2Body), "Bearer 00", "1633411815591", uint(3))
	f.Add([]byte(`{"payload":{"orderNo":"1","orderAmount":-0},"sha512":"`+docSig+`"}`), "", "", uint(0))
	f.Add([]byte(`{"payload":{"amount":"1","amount":"2"}}`), "x", "1", uint(1))

	secrets := webhookverify.Secrets{docKey, otherKey}
	verifiers := []*OPay{
		provisioned(f, &OPay{Secrets: secrets}),
		provisioned(f, &OPay{Secrets: secrets, Payload: PayloadBetting}),
		provisioned(f, &OPay{Secrets: secrets, Scheme: SchemeV2, MerchantID: "256612345678901"}),
	}
	v1, v2 := verifiers[0], verifiers[2]
	now := time.UnixMilli(1633411815591)

	mustFailFlipped := func(t *testing.T, v *OPay, r *http.Request, signed []byte, flip uint) {
		t.Helper()
		if len(signed) == 0 {
			return
		}
		mutated := append([]byte(nil), signed...)
		i := int(flip % uint(len(mutated)))
		mutated[i] ^= 1
		if _, err := v.Verify(r, mutated, now); err == nil {
			t.Fatalf("Verify accepted a body with byte %d flipped:\n%q\n%q", i, signed, mutated)
		}
	}

	f.Fuzz(func(t *testing.T, body []byte, auth, ts string, flip uint) {
		// Arbitrary input: no panic, whatever the scheme.
		for _, v := range verifiers {
			r := post("")
			r.Header.Set("Authorization", auth)
			r.Header.Set("RequestTimestamp", ts)
			r.Header.Set("MerchantId", "256612345678901")
			_, _ = v.Verify(r, body, now)
			// Whatever Sign accepts, Verify accepts.
			r = post("")
			if signed, err := v.Sign(r, body, now); err == nil {
				if _, err := v.Verify(r, signed, now); err != nil {
					t.Fatalf("Verify(Sign(%q)) = %v", body, err)
				}
			}
		}

		// v2 signs the raw body of a JSON object: every byte counts.
		r := post("")
		signed, err := v2.Sign(r, body, now)
		if err == nil {
			mustFailFlipped(t, v2, r, signed, flip)
		} else if checkV2Body(body) == nil {
			t.Fatalf("v2 Sign(%q): %v", body, err)
		}

		// v1 signs fields: build a body of signed fields only (non-empty
		// values, refunded true, so that no flip can fall back to a
		// default) and flip one byte.
		payload := struct {
			Amount        string `json:"amount"`
			Currency      string `json:"currency"`
			Reference     string `json:"reference"`
			Refunded      bool   `json:"refunded"`
			Status        string `json:"status"`
			Timestamp     string `json:"timestamp"`
			Token         string `json:"token"`
			TransactionID string `json:"transactionId"`
		}{"x" + string(body), "x" + auth, "x" + ts, true, "xSUCCESS", "x", "x" + auth, "x" + ts}
		raw, err := json.Marshal(map[string]any{"payload": payload})
		if err != nil {
			t.Fatal(err)
		}
		r = post("")
		signed, err = v1.Sign(r, raw, now)
		if err != nil {
			t.Fatalf("v1 Sign(%s): %v", raw, err)
		}
		if _, err := v1.Verify(r, signed, now); err != nil {
			t.Fatalf("v1 Verify(Sign(%s)): %v", raw, err)
		}
		mustFailFlipped(t, v1, r, signed, flip)
	})
}
