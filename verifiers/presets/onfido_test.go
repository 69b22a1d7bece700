package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Onfido's published vectors: onfido/onfido-node @2b9faec,
// test/classic-webhook-event-verifier.test.ts and
// test/studio-webhook-event-verifier.test.ts. X-SHA2-Signature is the hex
// HMAC-SHA256 of the body, keyed with the webhook token.
const (
	onfidoToken     = "_ABC123abc123ABC123abc123ABC123_"
	onfidoBody      = `{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"check-123","status":"complete","completed_at_iso8601":"2020-01-01T00:00:00Z","href":"https://api.onfido.com/v3/checks/check-123"}}}`
	onfidoSignature = "a0082d7481f9f0a2907583dbe1f344d6d4c0d9989df2fd804f98479f60cd760e"

	onfidoStudioToken     = "YKOC6mkBxi6yK2zlUIrLMvsJMFEZObP5"
	onfidoStudioBody      = `{"payload":{"resource_type":"workflow_task","action":"workflow_task.started","object":{"id":"profile_1eb92","task_spec_id":"profile_1eb92","task_def_id":"profile_data","workflow_run_id":"bc77c6e5-753a-4580-96a6-aaed3e5a8d19","status":"started","started_at_iso8601":"2024-07-10T12:49:09Z","href":"https://api.eu.onfido.com/v3.6/workflow_runs/bc77c6e5-753a-4580-96a6-aaed3e5a8d19/tasks/profile_1eb92"},"resource":{"created_at":"2024-07-10T12:49:09Z","id":"profile_1eb92","workflow_run_id":"bc77c6e5-753a-4580-96a6-aaed3e5a8d19","updated_at":"2024-07-10T12:49:09Z","input":{},"task_def_version":null,"task_def_id":"profile_data","output":null}}}`
	onfidoStudioSignature = "c95a5b785484f6fa1bc25f381b5595d66bf85cb442eefb06aa007802ee6a4dfa"
)

func TestOnfidoVectors(t *testing.T) {
	v := verifiertest.Load(t, "onfido {\n secret "+onfidoToken+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-SHA2-Signature", s}} }
	check := &webhookverify.Event{Type: "check.completed", Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: onfidoBody, Header: sig(onfidoSignature), Event: check},
		// The SDK's negative case: the first digit changed.
		{Name: "invalid signature", Body: onfidoBody, Header: sig("b0082d7481f9f0a2907583dbe1f344d6d4c0d9989df2fd804f98479f60cd760e"), Err: webhookverify.ErrInvalidSignature},
		{Name: "tampered body", Body: onfidoBody[:len(onfidoBody)-3] + " }}", Header: sig(onfidoSignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "SHA-1", Body: onfidoBody, Header: sig(othersSHA1Hex(onfidoToken, onfidoBody)), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: onfidoBody, Header: sig(othersSHA256Base64(onfidoToken, onfidoBody)), Err: webhookverify.ErrMalformedSignature},
		{Name: "missing header", Body: onfidoBody, Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: "GET", Body: onfidoBody, Header: sig(onfidoSignature), Err: webhookverify.ErrMethodNotAllowed},
	})

	studio := verifiertest.Load(t, "onfido {\n secret "+onfidoStudioToken+"\n}")
	verifiertest.Run(t, studio, []verifiertest.Case{
		{Name: "studio vector", Body: onfidoStudioBody, Header: sig(onfidoStudioSignature), Event: &webhookverify.Event{Type: "workflow_task.started"}},
		{Name: "studio, other token", Body: onfidoBody, Header: sig(onfidoSignature), Err: webhookverify.ErrInvalidSignature},
	})
}
