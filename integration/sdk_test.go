package integration

import (
	"bufio"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/adyen"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/braintree"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/hubspot"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/mercadopago"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/twilio"
)

// The SDK cross-check proves the verifiers against the providers' official
// SDKs, run by Node in integration/sdk (crosscheck.mjs; the versions are
// pinned in package.json and package-lock.json). For each provider:
//
//   - where the SDK can sign, the SDK signs a body and our verifier, loaded
//     from a Caddyfile block with the same secret, accepts it with the
//     expected event id and type;
//   - our Signer signs the body and the SDK's verify accepts it;
//   - the body with one byte changed is refused by both (for Mercado Pago,
//     whose signature does not cover the body, the data.id of the URL).
//
// Some Signers put the signature in the body (Adyen's notifications,
// Braintree's form) or the URL (Twilio's bodySHA256): what is sent, and
// tampered with, is the body and target as signed.
//
// No caddy binary is needed: the verifiers run in-process.

// sdkMarker is in every body; its first byte is the one the tampered body
// changes (s → r), which keeps the body valid JSON.
const sdkMarker = "sdk-crosscheck"

// sdkProvider is one provider under the cross-check.
type sdkProvider struct {
	name   string // the provider in crosscheck.mjs
	label  string // the subtest's name, when it is not name
	pkg    string // the official package, as pinned in integration/sdk/package.json
	module string // our verifier's Caddyfile name, when it is not name
	extra  string // more lines of our verifier's Caddyfile block
	secret string
	url    string // Square's notification URL
	// publicURL is our public_url (Twilio, HubSpot): the SDK is given
	// publicURL + the request target as the URL.
	publicURL string
	// target is the request target (default /hooks).
	target string
	// publicKey is Braintree's public key, or the public key of a provider
	// that signs with a private key, as the SDK takes it.
	publicKey string
	// keyBlock, for a provider that signs with a private key, replaces the
	// secret line of our block: a test key pair (public_key and
	// private_key).
	keyBlock string
	body     string
	// tamperURL: the one byte changed is data.id's in the target, not one
	// of the body (Mercado Pago does not sign the body).
	tamperURL bool
	// header is sent as is with every request (e.g. GitHub's event name).
	header [][2]string
	// idHeader, when set, is the message id header: set before our Signer
	// signs (the rows sign it as sent) and given to the SDK's sign.
	idHeader, id string
	// sdkSigns: the SDK has a signing function; otherwise only our
	// signature is checked by the SDK.
	sdkSigns bool
	// wantID and wantType are our verifier's event id and type (empty: not
	// checked).
	wantID, wantType string
	// sdkID and sdkType are what the SDK reads from the verified body, for
	// the SDKs whose verify returns the event (empty: not checked).
	sdkID, sdkType string
}

// sdkCase and sdkResult are crosscheck.mjs's input and output.
type sdkCase struct {
	Provider string            `json:"provider"`
	Op       string            `json:"op"`
	Secret   string            `json:"secret"`
	Body     string            `json:"body"`
	Headers  map[string]string `json:"headers,omitempty"`
	Now      int64             `json:"now"`
	ID       string            `json:"id,omitempty"`
	URL      string            `json:"url,omitempty"`
	Target   string            `json:"target,omitempty"`
	// PublicKey is Braintree's public key.
	PublicKey string `json:"public_key,omitempty"`
}

type sdkResult struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error"`
	Headers map[string]string `json:"headers"`
	// Body and Target, when set, are what the SDK signed, where it changes
	// them (Adyen's and Braintree's body, Twilio's bodySHA256).
	Body   *string `json:"body"`
	Target string  `json:"target"`
	Event  struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"event"`
}

func sdkProviders(now time.Time) []sdkProvider {
	swKey := "whsec_" + base64.StdEncoding.EncodeToString([]byte("sdk-crosscheck-key-32-bytes-long"))
	stamp := now.UTC().Format(time.RFC3339)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	ecPriv, _ := x509.MarshalPKCS8PrivateKey(ec)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	return []sdkProvider{
		{
			name: "sendgrid", pkg: "@sendgrid/eventwebhook@8.0.0",
			publicKey: base64.StdEncoding.EncodeToString(ecPub),
			keyBlock: "\tpublic_key " + base64.StdEncoding.EncodeToString(ecPub) + "\n\tprivate_key " +
				base64.StdEncoding.EncodeToString(ecPriv) + "\n",
			body: `[{"email":"hello@example.com","event":"delivered","sg_event_id":"` + sdkMarker + `","timestamp":` + itoa(now.Unix()) + `}]` + "\r\n",
		},
		{
			name: "discord", pkg: "discord-interactions@4.4.0",
			publicKey: hex.EncodeToString(edPub),
			keyBlock:  "\tpublic_key " + hex.EncodeToString(edPub) + "\n\tprivate_key " + hex.EncodeToString(edPriv.Seed()) + "\n",
			body:      `{"id":"1100000000000000001","type":2,"data":{"name":"` + sdkMarker + `"}}`,
			wantID:    "1100000000000000001",
		},
		{
			name: "stripe", pkg: "stripe@23.2.0", secret: "whsec_sdkCrossCheckStripeSecret", sdkSigns: true,
			body: `{"id":"evt_1SdkCrossCheck","object":"event","type":"payment_intent.succeeded","created":` + itoa(now.Unix()) +
				`,"data":{"object":{"id":"pi_1SdkCrossCheck","object":"payment_intent","amount":2000,"currency":"usd","status":"succeeded","metadata":{"note":"` + sdkMarker + `"}}}}`,
			wantID: "evt_1SdkCrossCheck", wantType: "com.stripe.payment_intent.succeeded",
			sdkID: "evt_1SdkCrossCheck", sdkType: "payment_intent.succeeded",
		},
		{
			name: "svix", pkg: "svix@1.99.1", secret: swKey, sdkSigns: true,
			idHeader: "Svix-Id", id: "msg_2SdkCrossCheckSvix",
			body:   `{"type":"invoice.paid","timestamp":"` + stamp + `","data":{"note":"` + sdkMarker + `"}}`,
			wantID: "msg_2SdkCrossCheckSvix", wantType: "invoice.paid", sdkType: "invoice.paid",
		},
		{
			name: "standardwebhooks", pkg: "standardwebhooks@1.3.0", secret: swKey, sdkSigns: true,
			idHeader: "Webhook-Id", id: "msg_2SdkCrossCheckStd",
			body:   `{"type":"invoice.paid","timestamp":"` + stamp + `","data":{"note":"` + sdkMarker + `"}}`,
			wantID: "msg_2SdkCrossCheckStd", wantType: "invoice.paid", sdkType: "invoice.paid",
		},
		{
			name: "github", pkg: "@octokit/webhooks-methods@6.0.0", secret: "sdk-crosscheck-github-secret", sdkSigns: true,
			header:   [][2]string{{"X-GitHub-Event", "issues"}, {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"}},
			body:     `{"action":"opened","issue":{"number":1,"title":"` + sdkMarker + `"}}`,
			wantType: "com.github.webhook.opened",
		},
		{
			name: "razorpay", pkg: "razorpay@2.9.8", secret: "sdk-crosscheck-razorpay-secret",
			body: `{"entity":"event","account_id":"acc_Sdk","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":` +
				`{"id":"pay_Sdk","entity":"payment","amount":5000,"currency":"INR","status":"captured","order_id":"order_Sdk","notes":{"note":"` + sdkMarker + `"}}}},"created_at":` + itoa(now.Unix()) + `}`,
			wantType: "com.razorpay.payment.captured",
		},
		{
			name: "square", pkg: "square@46.0.0", secret: "Ibxx_5AKakO-3qeNVR61Dw", url: "https://example.com/hooks/square",
			body: `{"merchant_id":"MLEFBHHSJGVHD","type":"payment.updated","event_id":"6a8f5f28-sdk-crosscheck","created_at":"` + stamp +
				`","data":{"type":"payment","id":"KkAkhdMs","object":{"payment":{"id":"KkAkhdMs","status":"COMPLETED","amount_money":{"amount":100,"currency":"USD"},"note":"` + sdkMarker + `"}}}}`,
			wantID: "6a8f5f28-sdk-crosscheck", wantType: "com.square.payment.updated",
		},
		{
			name: "paddle", pkg: "@paddle/paddle-node-sdk@3.10.0", secret: "pdl_ntfset_01sdkcrosscheck_secret",
			body: `{"event_id":"evt_01sdkcrosscheck","event_type":"transaction.completed","occurred_at":"` + stamp +
				`","notification_id":"ntf_01sdkcrosscheck","data":{"id":"txn_01sdk","status":"completed","currency_code":"USD","custom_data":{"note":"` + sdkMarker + `"}}}`,
			wantID: "evt_01sdkcrosscheck", wantType: "com.paddle.transaction.completed",
		},
		{
			name: "coinbase", pkg: "coinbase-commerce-node@1.0.4", secret: "sdk-crosscheck-coinbase-secret", sdkSigns: true,
			body: `{"id":1,"scheduled_for":"` + stamp + `","event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","resource":"event","type":"charge:created","api_version":"2018-03-22","created_at":"` + stamp +
				`","data":{"code":"66BEOV2A","name":"` + sdkMarker + `","pricing":{"local":{"amount":"1.00","currency":"USD"}}}}}`,
			wantID: "24934862-d980-46cb-9402-43c81b0cdba6", wantType: "com.coinbase.commerce.charge.created",
			sdkID: "24934862-d980-46cb-9402-43c81b0cdba6", sdkType: "charge:created",
		},
		{
			name: "gocardless", pkg: "gocardless-nodejs@10.1.2", secret: "sdk-crosscheck-gocardless-secret",
			body: `{"events":[{"id":"EV0SDKCROSSCHECK","created_at":"` + stamp + `","resource_type":"payments","action":"confirmed","links":{"payment":"PM0SDK"},` +
				`"details":{"origin":"gocardless","cause":"payment_confirmed","description":"` + sdkMarker + `"}}],"meta":{"webhook_id":"WB0SDK"}}`,
			wantID: "EV0SDKCROSSCHECK", wantType: "com.gocardless.payments.confirmed",
			sdkID: "EV0SDKCROSSCHECK", sdkType: "confirmed",
		},
		{
			name: "sanity", pkg: "@sanity/webhook@4.0.4", secret: "sdk-crosscheck-sanity-secret", sdkSigns: true,
			body: `{"_id":"movie-sdk","_type":"movie","title":"` + sdkMarker + `"}`,
		},
		{
			name: "onfido", pkg: "@onfido/api@6.2.0", secret: "sdk-crosscheck-onfido-token",
			body: `{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"chk-sdk","status":"complete","completed_at_iso8601":"` + stamp +
				`","href":"https://api.eu.onfido.com/v3.6/checks/` + sdkMarker + `"}}}`,
			wantType: "check.completed", sdkType: "check.completed",
		},
		{
			name: "resend", pkg: "resend@6.38.0", secret: swKey,
			idHeader: "Svix-Id", id: "msg_2SdkCrossCheckResend",
			body:   `{"type":"email.delivered","created_at":"` + stamp + `","data":{"email_id":"e-sdk","subject":"` + sdkMarker + `"}}`,
			wantID: "msg_2SdkCrossCheckResend", wantType: "email.delivered", sdkType: "email.delivered",
		},
		{
			name: "clerk", pkg: "@clerk/backend@3.25.0", secret: swKey,
			idHeader: "Svix-Id", id: "msg_2SdkCrossCheckClerk",
			body:   `{"type":"user.created","object":"event","timestamp":` + itoa(now.UnixMilli()) + `,"data":{"id":"user_sdk","first_name":"` + sdkMarker + `"}}`,
			wantID: "msg_2SdkCrossCheckClerk", wantType: "user.created", sdkType: "user.created",
		},
		{
			// A form body: the URL and the sorted parameters are signed.
			name: "twilio", label: "twilio-form", pkg: "twilio@6.3.1", secret: "sdkcrosschecktwilioauthtoken0001", sdkSigns: true,
			publicURL: "https://example.com", target: "/hooks/sms?source=twilio",
			header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}},
			body: "AccountSid=AC0sdk&Body=" + sdkMarker + "+message&From=%2B15005550006&MessageSid=SM0sdkcrosscheck&To=%2B15005550001" +
				"&MediaUrl0=https%3A%2F%2Fexample.com%2Fa.png&MediaUrl0=https%3A%2F%2Fexample.com%2Fb.png",
			wantType: "com.twilio.message",
		},
		{
			// A JSON body: bodySHA256 in the URL, and the URL signed.
			name: "twilio", label: "twilio-json", pkg: "twilio@6.3.1", secret: "sdkcrosschecktwilioauthtoken0001", sdkSigns: true,
			publicURL: "https://example.com", target: "/hooks/events",
			body:     `{"specversion":"1.0","type":"com.twilio.messaging.message.delivered","data":{"messageSid":"SM0sdk","note":"` + sdkMarker + `"}}`,
			wantType: "com.twilio.webhook",
		},
		{
			name: "hubspot", pkg: "@hubspot/api-client@13.5.0", secret: "sdk-crosscheck-hubspot-client-secret", sdkSigns: true,
			publicURL: "https://example.com", target: "/hooks/hubspot?portal=62515",
			body: `[{"eventId":1001,"subscriptionId":2002,"portalId":62515,"appId":3003,"occurredAt":` + itoa(now.UnixMilli()) +
				`,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"` + sdkMarker + `","changeFlag":"NEW"}]`,
			wantID: "2002:1001", wantType: "com.hubspot.contact.creation",
		},
		{
			// Standard notifications: the signature is in each item.
			name: "adyen", pkg: "@adyen/api-library@32.1.0", secret: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", sdkSigns: true,
			body: `{"live":"false","notificationItems":[{"NotificationRequestItem":{"additionalData":{"authCode":"1234"},` +
				`"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","eventDate":"` + stamp + `","merchantAccountCode":"SdkMerchantECOM",` +
				`"merchantReference":"` + sdkMarker + `:order-1","paymentMethod":"visa","pspReference":"SDKCROSSCHECK0001","success":"true"}}]}`,
			wantID: "SDKCROSSCHECK0001:AUTHORISATION:true", wantType: "com.adyen.authorisation",
			sdkID: "SDKCROSSCHECK0001", sdkType: "AUTHORISATION",
		},
		{
			// Balance Platform / Management webhooks: the HmacSignature header.
			name: "adyen-banking", module: "adyen", extra: "scheme banking", pkg: "@adyen/api-library@32.1.0",
			secret: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", sdkSigns: true,
			body: `{"data":{"balancePlatform":"SdkBalancePlatform","accountHolder":{"id":"AH00000000000000000000001","description":"` + sdkMarker +
				`","status":"active"}},"environment":"test","timestamp":"` + stamp + `","type":"balancePlatform.accountHolder.updated"}`,
			wantType: "com.adyen.balanceplatform.accountholder.updated",
		},
		{
			// Our Signer base64-encodes the XML into bt_payload; the SDK
			// signs a sample notification of its own.
			name: "braintree", pkg: "braintree@3.40.0", secret: "sdkcrosscheckbraintreeprivatekey", publicKey: "sdkcrosscheckpublickey", sdkSigns: true,
			id: "sdk-crosscheck-subscription",
			body: `<notification><timestamp type="datetime">` + stamp + `</timestamp><kind>subscription_went_past_due</kind>` +
				`<subject><subscription><id>sdk-crosscheck-subscription</id><status>Past Due</status><transactions type="array"></transactions>` +
				`<add_ons type="array"></add_ons><discounts type="array"></discounts></subscription></subject></notification>`,
			wantType: "com.braintree.subscription_went_past_due",
			sdkID:    "sdk-crosscheck-subscription", sdkType: "subscription_went_past_due",
		},
		{
			name: "linear", pkg: "@linear/sdk@98.0.0", secret: "lin_wh_sdkcrosschecklinearsecret",
			body: `{"action":"create","type":"Issue","createdAt":"` + stamp + `","data":{"id":"issue-sdk","title":"` + sdkMarker +
				`"},"url":"https://linear.app/sdk/issue/SDK-1","webhookTimestamp":` + itoa(now.UnixMilli()) + `,"webhookId":"wh-sdk","organizationId":"org-sdk"}`,
			wantType: "Issue.create", sdkType: "Issue",
		},
		{
			// The signature covers data.id, x-request-id and ts, not the body.
			name: "mercadopago", pkg: "mercadopago@3.6.1", secret: "sdk-crosscheck-mercadopago-secret",
			target: "/hooks/mp?data.id=123456789&type=payment", tamperURL: true,
			header: [][2]string{{"X-Request-Id", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"}},
			body:   `{"action":"payment.updated","api_version":"v1","data":{"id":"123456789"},"date_created":"` + stamp + `","id":12345,"live_mode":false,"type":"payment","user_id":"44444"}`,
			wantID: "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", wantType: "com.mercadopago.notification",
		},
		{
			// The SDK also requires the topic, shop domain, API version and
			// webhook id headers, which Shopify sends with every webhook.
			name: "shopify", pkg: "@shopify/shopify-api@13.1.0", secret: "sdk-crosscheck-shopify-client-secret",
			header: [][2]string{
				{"X-Shopify-Topic", "orders/paid"}, {"X-Shopify-Shop-Domain", "sdk-crosscheck.myshopify.com"},
				{"X-Shopify-API-Version", "2025-10"}, {"X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"},
				{"X-Shopify-Triggered-At", stamp}, {"X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"},
			},
			body: `{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","email":"jon@example.com","created_at":"` + stamp +
				`","currency":"USD","financial_status":"paid","total_price":"403.00","note":"` + sdkMarker + `","line_items":[{"id":487817672276298554,"quantity":1,"price":"199.00"}]}`,
			wantType: "com.shopify.webhook",
			sdkID:    "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", sdkType: "ORDERS_PAID",
		},
		{
			name: "cashfree", pkg: "cashfree-pg@6.0.6", secret: "cfsk_ma_test_sdkcrosscheckcashfreesecret",
			body: `{"data":{"order":{"order_id":"order_sdk_1","order_amount":2.00,"order_currency":"INR","order_tags":null},` +
				`"payment":{"cf_payment_id":1453002795,"payment_status":"SUCCESS","payment_amount":2.00,"payment_currency":"INR","payment_message":"` + sdkMarker +
				`","payment_time":"` + stamp + `","bank_reference":"234928698581","payment_group":"upi"},` +
				`"customer_details":{"customer_id":"7112AAA812234","customer_email":"customer@example.com","customer_phone":"9908734801"}},` +
				`"event_time":"` + stamp + `","type":"PAYMENT_SUCCESS_WEBHOOK"}`,
			wantType: "com.cashfree.payment_success_webhook", sdkType: "PAYMENT_SUCCESS_WEBHOOK",
		},
		{
			// Next-gen webhooks (classic ones are unsigned).
			name: "mollie", pkg: "mollie-api-typescript@1.12.28", secret: "sdk-crosscheck-mollie-signing-secret",
			body: `{"resource":"event","id":"event_GvJ8WHrp5isUdRub9CJyH","type":"payment-link.paid","entityId":"pl_qng5gbbv8NAZ5gpM5ZYgx","createdAt":"` + stamp +
				`","_embedded":{"entity":{"resource":"payment-link","id":"pl_qng5gbbv8NAZ5gpM5ZYgx","mode":"test","description":"` + sdkMarker +
				`","amount":{"value":"10.00","currency":"EUR"}}}}`,
			wantID: "event_GvJ8WHrp5isUdRub9CJyH", wantType: "payment-link.paid",
		},
		{
			name: "slack", pkg: "@slack/bolt@5.1.0", secret: "sdkcrosscheckslacksigningsecret0",
			body: `{"token":"XXYYZZ","team_id":"T0SDK","api_app_id":"A0SDK","event":{"type":"app_mention","user":"U0SDK","text":"<@U0BOT> ` + sdkMarker +
				`","ts":"1515449522.000016","channel":"C0SDK","event_ts":"1515449522.000016"},"type":"event_callback","event_id":"Ev0SDKCROSSCHECK","event_time":` + itoa(now.Unix()) + `}`,
			wantID: "Ev0SDKCROSSCHECK", wantType: "com.slack.event.event_callback",
		},
		{
			// The SDK checks a signature only under the version and algorithm
			// headers that Box sends with it.
			name: "box", pkg: "box-node-sdk@10.12.0", secret: "SdkCrossCheckPrimaryKey",
			header: [][2]string{
				{"Box-Delivery-Id", "f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f"},
				{"Box-Signature-Version", "1"}, {"Box-Signature-Algorithm", "HmacSHA256"},
			},
			body: `{"type":"webhook_event","id":"9f2a1d3c-sdk-crosscheck","created_at":"` + stamp + `","trigger":"FILE.UPLOADED",` +
				`"webhook":{"id":"1234567890","type":"webhook"},"source":{"id":"1234567890","type":"file","name":"` + sdkMarker + `.txt"}}`,
			wantID: "9f2a1d3c-sdk-crosscheck", wantType: "FILE.UPLOADED",
		},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// tamper changes one byte of body: the first of sdkMarker.
func tamper(t *testing.T, body string) string {
	i := strings.Index(body, sdkMarker)
	if i < 0 {
		t.Fatalf("body without %q: %s", sdkMarker, body)
	}
	b := []byte(body)
	b[i] ^= 1
	return string(b)
}

// tampered is body and target with one byte changed: the first of
// sdkMarker in the body, or in the XML of Braintree's bt_payload (whose
// signature is kept), or with tamperURL the first digit of data.id.
func (p sdkProvider) tampered(t *testing.T, body, target string) (string, string) {
	t.Helper()
	if p.tamperURL {
		i := strings.Index(target, "data.id=")
		if i < 0 || i+len("data.id=") >= len(target) {
			t.Fatalf("%s: a target without data.id: %s", p.name, target)
		}
		b := []byte(target)
		b[i+len("data.id=")] ^= 1
		return body, string(b)
	}
	if strings.Contains(body, sdkMarker) {
		return tamper(t, body), target
	}
	form, err := url.ParseQuery(body)
	if err != nil || len(form["bt_payload"]) != 1 {
		t.Fatalf("%s: body without %q: %s", p.name, sdkMarker, body)
	}
	xml, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(form.Get("bt_payload"), "\n", ""))
	if err != nil {
		t.Fatalf("%s: bt_payload: %v", p.name, err)
	}
	form.Set("bt_payload", base64.StdEncoding.EncodeToString([]byte(tamper(t, string(xml)))))
	return form.Encode(), target
}

// sdkBlock is our verifier's Caddyfile block for p.
func (p sdkProvider) sdkBlock() string {
	b := cmp.Or(p.module, p.name) + " {\n\tsecret " + p.secret + "\n"
	if p.keyBlock != "" {
		return cmp.Or(p.module, p.name) + " {\n" + p.keyBlock + "}"
	}
	if p.url != "" {
		b += "\tnotification_url " + p.url + "\n"
	}
	if p.publicURL != "" {
		b += "\tpublic_url " + p.publicURL + "\n"
	}
	if p.publicKey != "" {
		b += "\tpublic_key " + p.publicKey + "\n"
	}
	if p.extra != "" {
		b += "\t" + p.extra + "\n"
	}
	return b + "}"
}

// sdkURL is the URL the SDK is given for a request to target.
func (p sdkProvider) sdkURL(target string) string {
	if p.url != "" {
		return p.url
	}
	if p.publicURL != "" {
		return p.publicURL + target
	}
	return ""
}

// sdkDir is the Node project of the official SDKs.
const sdkDir = "sdk"

// startCrosscheck starts crosscheck.mjs and waits until it has loaded the
// SDKs.
func startCrosscheck(t *testing.T) (send func([]sdkCase) []sdkResult) {
	t.Helper()
	skip := os.Getenv("SDK_CROSSCHECK_SKIP") == "1"
	nodePath, err := exec.LookPath("node")
	if err != nil {
		if skip {
			t.Skip("node not found and SDK_CROSSCHECK_SKIP=1")
		}
		t.Fatalf("node is required for the official SDK cross-check (set SDK_CROSSCHECK_SKIP=1 to skip): %v", err)
	}
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules")); err != nil {
		if skip {
			t.Skip("integration/sdk/node_modules missing and SDK_CROSSCHECK_SKIP=1")
		}
		t.Fatalf("the official SDKs are not installed: run npm ci --prefix integration/sdk (.ci/run does) (or set SDK_CROSSCHECK_SKIP=1 to skip): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, nodePath, filepath.Join(sdkDir, "crosscheck.mjs"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		_ = cmd.Wait()
		t.Fatalf("crosscheck.mjs did not start: %q, %v\n%s", line, err, stderr.String())
	}
	return func(cases []sdkCase) []sdkResult {
		t.Helper()
		if err := json.NewEncoder(stdin).Encode(cases); err != nil {
			t.Fatal(err)
		}
		stdin.Close()
		var results []sdkResult
		decErr := json.NewDecoder(out).Decode(&results)
		if err := cmd.Wait(); err != nil || decErr != nil {
			t.Fatalf("crosscheck.mjs: %v, %v\n%s", err, decErr, stderr.String())
		}
		if len(results) != len(cases) {
			t.Fatalf("crosscheck.mjs returned %d results for %d cases", len(results), len(cases))
		}
		return results
	}
}

// lowerHeaders is the first value of each header of h, by lower-case name.
func lowerHeaders(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		m[strings.ToLower(k)] = v[0]
	}
	return m
}

func TestSDKCrossCheck(t *testing.T) {
	send := startCrosscheck(t)

	// Sign only now that the SDKs are loaded: Paddle's SDK refuses a
	// signature more than 5 s old, and the Standard Webhooks libraries
	// check the timestamp against the real clock.
	now := time.Now()
	providers := sdkProviders(now)
	type pending struct {
		p        sdkProvider
		v        webhookverify.Verifier
		ours     map[string]string // the headers our Signer set
		body     string            // the body our Signer returned
		target   string            // the request target after our Signer
		sdkSign  int               // index of the SDK's signature, or -1
		verify   int               // index of the SDK's verify of our signature
		tampered int               // index of the SDK's verify of our signature over the tampered body
	}
	var cases []sdkCase
	var runs []pending
	for _, p := range providers {
		v := verifiertest.Load(t, p.sdkBlock())
		p.target = cmp.Or(p.target, "/hooks")
		r := httptest.NewRequest(http.MethodPost, p.target, nil)
		for _, h := range p.header {
			r.Header.Set(h[0], h[1])
		}
		if p.idHeader != "" {
			r.Header.Set(p.idHeader, p.id)
		}
		sent := lowerHeaders(r.Header)
		signed, err := v.(webhookverify.Signer).Sign(r, []byte(p.body), now)
		if err != nil {
			t.Fatalf("%s: Sign: %v", p.name, err)
		}
		ours := lowerHeaders(r.Header)
		run := pending{p: p, v: v, ours: ours, body: string(signed), target: r.URL.RequestURI(), sdkSign: -1}
		base := sdkCase{Provider: p.name, Secret: p.secret, Now: now.Unix(), ID: p.id, PublicKey: p.publicKey}
		add := func(c sdkCase) int { cases = append(cases, c); return len(cases) - 1 }
		if p.sdkSigns {
			c := base
			c.Op, c.Body, c.Headers, c.URL, c.Target = "sign", p.body, sent, p.sdkURL(p.target), p.target
			run.sdkSign = add(c)
		}
		c := base
		c.Op, c.Body, c.Headers, c.URL, c.Target = "verify", run.body, ours, p.sdkURL(run.target), run.target
		run.verify = add(c)
		c.Body, c.Target = p.tampered(t, run.body, run.target)
		c.URL = p.sdkURL(c.Target)
		run.tampered = add(c)
		runs = append(runs, run)
	}
	results := send(cases)

	for _, run := range runs {
		p := run.p
		t.Run(cmp.Or(p.label, p.name), func(t *testing.T) {
			t.Logf("official SDK: %s", p.pkg)
			check := func(t *testing.T, hdr map[string]string, body, target string, wantErr error) {
				t.Helper()
				c := verifiertest.Case{Body: body, Target: target, Header: p.header}
				for k, v := range hdr {
					c.Header = append(c.Header, [2]string{k, v})
				}
				ev, err := run.v.Verify(c.Request(), []byte(body), now)
				switch {
				case wantErr == nil && err != nil:
					t.Fatalf("our verifier refused it: %v", err)
				case wantErr != nil && !errors.Is(err, wantErr):
					t.Fatalf("our verifier: err = %v, want %v", err, wantErr)
				case wantErr != nil:
					return
				}
				if p.wantID != "" && ev.ID != p.wantID {
					t.Errorf("event id = %q, want %q", ev.ID, p.wantID)
				}
				if p.wantType != "" && ev.Type != p.wantType {
					t.Errorf("event type = %q, want %q", ev.Type, p.wantType)
				}
			}
			if run.sdkSign >= 0 {
				t.Run("sdk signs, we verify", func(t *testing.T) {
					res := results[run.sdkSign]
					if !res.OK {
						t.Fatalf("%s did not sign: %s", p.pkg, res.Error)
					}
					hdr := map[string]string{}
					for k, v := range res.Headers {
						hdr[k] = v
					}
					body, target := p.body, cmp.Or(res.Target, p.target)
					if res.Body != nil {
						body = *res.Body
					}
					check(t, hdr, body, target, nil)
					tb, tt := p.tampered(t, body, target)
					t.Run("tampered", func(t *testing.T) { check(t, hdr, tb, tt, webhookverify.ErrInvalidSignature) })
				})
			} else {
				t.Run("we refuse our signature over the tampered body", func(t *testing.T) {
					tb, tt := p.tampered(t, run.body, run.target)
					check(t, run.ours, tb, tt, webhookverify.ErrInvalidSignature)
				})
			}
			t.Run("we sign, sdk verifies", func(t *testing.T) {
				res := results[run.verify]
				if !res.OK {
					t.Fatalf("%s refused our signature: %s\nheaders: %v\ntarget: %s\nbody: %s", p.pkg, res.Error, run.ours, run.target, run.body)
				}
				if p.sdkID != "" && res.Event.ID != p.sdkID {
					t.Errorf("the SDK's event id = %q, want %q", res.Event.ID, p.sdkID)
				}
				if p.sdkType != "" && res.Event.Type != p.sdkType {
					t.Errorf("the SDK's event type = %q, want %q", res.Event.Type, p.sdkType)
				}
				t.Run("tampered", func(t *testing.T) {
					res := results[run.tampered]
					if res.OK {
						t.Fatalf("%s accepted our signature over the tampered body", p.pkg)
					}
					t.Logf("%s refused it: %s", p.pkg, cmp.Or(res.Error, "verify returned false"))
				})
			})
		})
	}
}
