package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// PagerDuty's published vector: PagerDuty/go-pagerduty @d34fb98,
// webhookv3/webhookv3_test.go. X-PagerDuty-Signature holds one or more
// "v1=<hex HMAC-SHA256 of the body>", comma-separated (one per secret while
// a secret rotates).
const (
	pagerdutySecret    = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK" // #nosec G101 -- published test secret
	pagerdutyBody      = `{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}`
	pagerdutySignature = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"
	pagerdutyMismatch  = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5"
)

func TestPagerDutyVectors(t *testing.T) {
	v := verifiertest.Load(t, "pagerduty {\n secret "+pagerdutySecret+"\n}")
	sig := func(s string) [][2]string { return [][2]string{{"X-PagerDuty-Signature", s}} }
	updated := &webhookverify.Event{
		ID: "01BWDWL3NYY7LUFPZCC28QUCMK", Type: "incident.priority_updated",
		Time: time.Date(2021, 4, 26, 17, 36, 27, 458000000, time.UTC),
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "published vector", Body: pagerdutyBody, Header: sig(pagerdutySignature), Event: updated},
		{Name: "published mismatch", Body: pagerdutyBody, Header: sig(pagerdutyMismatch), Err: webhookverify.ErrInvalidSignature},
		{Name: "rotation: old first", Body: pagerdutyBody, Header: sig(pagerdutyMismatch + "," + pagerdutySignature), Event: updated},
		{Name: "rotation: new first", Body: pagerdutyBody, Header: sig(pagerdutySignature + "," + pagerdutyMismatch), Event: updated},
		{Name: "unknown version", Body: pagerdutyBody, Header: sig("v2=" + pagerdutySignature[3:]), Err: webhookverify.ErrMalformedSignature},
		{Name: "tampered body", Body: pagerdutyBody[:len(pagerdutyBody)-1] + " }", Header: sig(pagerdutySignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "missing header", Body: pagerdutyBody, Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: "GET", Body: pagerdutyBody, Header: sig(pagerdutySignature), Err: webhookverify.ErrMethodNotAllowed},
	})
}
