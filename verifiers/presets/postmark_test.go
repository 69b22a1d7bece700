package presets_test

import (
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Postmark authenticates a webhook with HTTP basic credentials put in its
// URL (https://user:password@host/…, postmarkapp.com/developer/webhooks/
// webhooks-overview) or in the API's HttpAuth. The bodies are Postmark's
// bounce and delivery webhook examples.
const (
	postmarkAuth   = "pm-hooks:Pa55word-0123456789"
	postmarkBounce = `{"RecordType":"Bounce","MessageStream":"outbound","ID":42,"Type":"HardBounce","TypeCode":1,"Name":"Hard bounce",` +
		`"Tag":"Test","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483",` +
		`"Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).",` +
		`"Details":"Test bounce details","Email":"john@example.com","From":"sender@example.com",` +
		`"BouncedAt":"2014-08-01T13:28:10.2735393-04:00","DumpAvailable":true,"Inactive":true,"CanActivate":true,"Subject":"Test subject"}`
	postmarkDelivery = `{"RecordType":"Delivery","ServerID":23,"MessageStream":"outbound","MessageID":"00000000-0000-0000-0000-000000000000",` +
		`"Recipient":"john@example.com","Tag":"welcome-email","DeliveredAt":"2021-02-21T16:34:52Z","Details":"Test delivery webhook details"}`
)

func TestPostmark(t *testing.T) {
	block := "postmark {\n secret " + postmarkAuth + "\n}"
	v := verifiertest.Load(t, block)
	auth := func(values ...string) [][2]string {
		var h [][2]string
		for _, s := range values {
			h = append(h, [2]string{"Authorization", s})
		}
		return h
	}
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "delivery", Body: postmarkDelivery, Header: auth(basicAuth(postmarkAuth)), Event: &webhookverify.Event{
			Type: "com.postmark.Delivery", Subject: "00000000-0000-0000-0000-000000000000", Time: time.Date(2021, 2, 21, 16, 34, 52, 0, time.UTC),
		}},
		{Name: "wrong password", Body: postmarkDelivery, Header: auth(basicAuth("pm-hooks:Pa55word-012345678")), Err: webhookverify.ErrInvalidToken},
		{Name: "missing", Body: postmarkDelivery, Err: webhookverify.ErrMissingToken},
		{Name: "empty", Body: postmarkDelivery, Header: auth(""), Err: webhookverify.ErrMissingToken},
		{Name: "repeated", Body: postmarkDelivery, Header: auth(basicAuth(postmarkAuth), basicAuth(postmarkAuth)), Err: webhookverify.ErrInvalidToken},
		{Name: "GET", Method: "GET", Body: postmarkDelivery, Header: auth(basicAuth(postmarkAuth)), Err: webhookverify.ErrMethodNotAllowed},
	})

	// A bounce: its ID is the event id, its time BouncedAt (with an offset).
	r := verifiertest.Case{Body: postmarkBounce, Header: auth(basicAuth(postmarkAuth))}.Request()
	ev, err := v.Verify(r, []byte(postmarkBounce), verifiertest.Now)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2014, 8, 1, 17, 28, 10, 273539300, time.UTC)
	if ev.ID != "Bounce-42" || ev.Type != "com.postmark.Bounce" || ev.Subject != "883953f4-6105-42a2-a16a-77a8eac79483" || !ev.Time.Equal(want) {
		t.Errorf("bounce event %+v", ev)
	}
	verifiertest.SecretsStayHidden(t, "Pa55word", block, []verifiertest.Case{
		{Name: "wrong", Body: postmarkDelivery, Header: auth(basicAuth("pm-hooks:x"))},
	}, "postmark {\n secret Pa55word-0123456789\n}")
}
