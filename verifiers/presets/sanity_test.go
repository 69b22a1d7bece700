package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Sanity's published vectors: sanity-io/webhook-toolkit @649f5ad,
// test/signature.test.ts. The signature is "t=<unix ms>,v1=<base64url, no
// padding, of HMAC-SHA256(secret, "<t>.<body>")>".
const (
	sanitySecret    = "test"
	sanityBody      = `{"_id":"resume"}` // JSON.stringify({_id: 'resume'})
	sanityTimestamp = 1633519811129
	sanitySignature = "t=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0"
)

func TestSanityVectors(t *testing.T) {
	v := verifiertest.Load(t, "sanity {\n secret "+sanitySecret+"\n}")
	sent := time.UnixMilli(sanityTimestamp)
	at := sent.Add(time.Minute)
	sig := func(s string) [][2]string { return [][2]string{{"Sanity-Webhook-Signature", s}} }
	none := &webhookverify.Event{} // the body is the webhook's projection: nothing is read from it
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: sanityBody, Header: sig(sanitySignature), Now: at, Event: none},
		{Name: "space after the comma", Body: sanityBody, Header: sig("t=1633519811129, v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0"), Now: at, Event: none},
		{Name: "any method", Method: "PUT", Body: sanityBody, Header: sig(sanitySignature), Now: at, Event: none},
		// The toolkit's own negative cases.
		{Name: "other timestamp", Body: sanityBody, Header: sig("t=1633519811128,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0"), Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "other payload", Body: `{"_id":"structure"}`, Header: sig(sanitySignature), Now: at, Err: webhookverify.ErrInvalidSignature},
		{Name: "v5 instead of v1", Body: sanityBody, Header: sig("t=1633519811129,v5=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0"), Now: at, Err: webhookverify.ErrMissingSignature},
		// "…N1" differs from "…N0" only in the last character's two unused
		// bits: a lax base64url decoder reads the same MAC. Strict decoding
		// refuses it (one spelling per signature).
		{Name: "non-canonical last character", Body: sanityBody, Header: sig("t=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N1"), Now: at, Err: webhookverify.ErrMalformedSignature},
		{Name: "tampered signature", Body: sanityBody, Header: sig("t=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0M0"), Now: at, Err: webhookverify.ErrInvalidSignature},
		// t is in milliseconds: read as seconds it would be 51 000 years away.
		{Name: "just in time", Body: sanityBody, Header: sig(sanitySignature), Now: sent.Add(5*time.Minute - time.Second), Event: none},
		{Name: "too old", Body: sanityBody, Header: sig(sanitySignature), Now: sent.Add(5*time.Minute + time.Second), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "from the future", Body: sanityBody, Header: sig(sanitySignature), Now: sent.Add(-6 * time.Minute), Err: webhookverify.ErrTimestampOutOfTolerance},
		{Name: "missing header", Body: sanityBody, Now: at, Err: webhookverify.ErrMissingSignature},
	})

	// encodeSignatureHeader's vector, same file.
	v = verifiertest.Load(t, "sanity {\n secret try-me\n}")
	body := `{"title":"GROQ-Hooks are neat"}`
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "encodeSignatureHeader vector", Body: body, Header: sig("t=1633518820676,v1=e7C9h2sfbFfc4V7TEz7PSOp4IoNzl0UdVsBV-1wgdeA"),
			Now: time.UnixMilli(1633518820676), Event: none},
		{Name: "wrong secret", Body: sanityBody, Header: sig(sanitySignature), Now: at, Err: webhookverify.ErrInvalidSignature},
	})
}
