package presets_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Chargebee protects a webhook with HTTP basic authentication: the
// username and password set for the webhook (chargebee.com/docs/2.0/
// webhook_settings.html). The body is an event of Chargebee's API v2
// (id, occurred_at, event_type, content), here payment_succeeded with its
// transaction.
const (
	chargebeeAuth = "cb-hooks:S3cret-password:with-colon"
	chargebeeBody = `{"id":"ev_16BPgETyVrQbiGhA","occurred_at":1700000000,"source":"system","object":"event","api_version":"v2",` +
		`"content":{"transaction":{"id":"txn_AzZhUGSPAkLskJQo","customer_id":"cust_42","subscription_id":"sub_1",` +
		`"type":"payment","date":1700000000,"status":"success","amount":2500,"currency_code":"USD","object":"transaction"},` +
		`"customer":{"id":"cust_42","object":"customer"}},"event_type":"payment_succeeded","webhook_status":"scheduled"}`
)

func basicAuth(userPassword string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPassword))
}

func TestChargebee(t *testing.T) {
	block := "chargebee {\n secret " + chargebeeAuth + "\n}"
	v := verifiertest.Load(t, block)
	auth := func(values ...string) [][2]string {
		var h [][2]string
		for _, s := range values {
			h = append(h, [2]string{"Authorization", s})
		}
		return h
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "right credentials", Body: chargebeeBody, Header: auth(basicAuth(chargebeeAuth)), Event: &webhookverify.Event{
			ID: "ev_16BPgETyVrQbiGhA", Type: "com.chargebee.payment_succeeded", Time: time.Unix(1700000000, 0).UTC(),
			Subject: "cust_42", Status: webhookverify.StatusSucceeded, Amount: "2500", Currency: "USD", Reference: "txn_AzZhUGSPAkLskJQo",
		}},
		{Name: "failed payment", Body: `{"id":"ev_2","event_type":"payment_failed","content":{"transaction":{"status":"failure"}}}`,
			Header: auth(basicAuth(chargebeeAuth)), Event: &webhookverify.Event{ID: "ev_2", Type: "com.chargebee.payment_failed", Status: webhookverify.StatusFailed}},
		{Name: "wrong password", Body: chargebeeBody, Header: auth(basicAuth("cb-hooks:S3cret-password")), Err: webhookverify.ErrInvalidToken},
		{Name: "wrong user", Body: chargebeeBody, Header: auth(basicAuth("other:S3cret-password:with-colon")), Err: webhookverify.ErrInvalidToken},
		{Name: "the credentials not encoded", Body: chargebeeBody, Header: auth("Basic " + chargebeeAuth), Err: webhookverify.ErrInvalidToken},
		{Name: "as a bearer token", Body: chargebeeBody, Header: auth("Bearer " + chargebeeAuth), Err: webhookverify.ErrInvalidToken},
		{Name: "missing", Body: chargebeeBody, Err: webhookverify.ErrMissingToken},
		{Name: "Basic alone", Body: chargebeeBody, Header: auth("Basic"), Err: webhookverify.ErrMissingToken},
		{Name: "repeated", Body: chargebeeBody, Header: auth(basicAuth(chargebeeAuth), basicAuth(chargebeeAuth)), Err: webhookverify.ErrInvalidToken},
		{Name: "GET", Method: "GET", Body: chargebeeBody, Header: auth(basicAuth(chargebeeAuth)), Err: webhookverify.ErrMethodNotAllowed},
	})
	verifiertest.SecretsStayHidden(t, "S3cret-password", block, []verifiertest.Case{
		{Name: "wrong", Body: chargebeeBody, Header: auth(basicAuth("cb-hooks:x"))},
		{Name: "malformed", Body: chargebeeBody, Header: auth("Basic %%%")},
	}, "chargebee {\n secret S3cret-password\n}")
	// The secret is user:password; one without a colon is refused at load.
	if _, err := verifiertest.TryLoad("chargebee {\n secret S3cret-password\n}"); err == nil {
		t.Error("a secret without user: was accepted")
	} else {
		checkErr(t, err, "write the secret as user:password")
	}
	// Rotation: either pair passes.
	rotated := verifiertest.Load(t, "chargebee {\n secret cb-hooks:new-password "+chargebeeAuth+"\n}")
	verifiertest.Run(t, rotated, []verifiertest.Case{
		{Name: "old pair", Body: chargebeeBody, Header: auth(basicAuth(chargebeeAuth))},
		{Name: "new pair", Body: chargebeeBody, Header: auth(basicAuth("cb-hooks:new-password"))},
	})
}
