package integration

// moreProviderCases are the payment providers' cases; see providerCases.
// Secrets are test values; the keys of the tokenio case are RFC 8032's
// first Ed25519 test vector.
var moreProviderCases = []providerCase{
	{
		name: "opay-v1", provider: "opay",
		block: "secret {env.OPAY_KEY}",
		sign:  []string{"--secret", opayKey},
		body:  `{"payload":` + opayPayload + `,"type":"transaction-status"}`,
		want: map[string]string{"id": "220507145660712931829:SUCCESS", "type": "com.opay.transaction-status",
			"subject": "10023", "time": "2022-05-07T06:20:46Z", "provider": "opay", "paymentstatus": "succeeded",
			"amount": "49160", "currency": "NGN", "reference": "10023"},
	},
	{
		name: "opay-v2", provider: "opay",
		block: "secret {env.OPAY_KEY}\nscheme v2",
		sign:  []string{"--secret", opayKey, "--set", "scheme v2"},
		body: `{"notifyId":"ntf_77","type":"MACQUIRING_CALLBACK","reference":"ord-77","status":"FAIL",` +
			`"amount":{"total":1500,"currency":"NGN"},"timestamp":1700000000000}`,
		want: map[string]string{"id": "ntf_77", "type": "com.opay.macquiring_callback", "subject": "ord-77",
			"time": "2023-11-14T22:13:20Z", "provider": "opay", "paymentstatus": "failed", "amount": "1500",
			"currency": "NGN", "reference": "ord-77"},
	},
	{
		name: "tokenio-redirect", provider: "tokenio", method: "GET",
		query: "?request-id=rq:5f2b9a&request_id=rq:5f2b9a",
		want: map[string]string{"id": "rq:5f2b9a", "type": "io.token.callback.redirect", "provider": "tokenio",
			"paymentstatus": ""},
		unsigned: true,
	},
	{
		name: "tokenio-redirect-error", provider: "tokenio", method: "GET",
		query:    "?request-id=rq:5f2b9b&request_id=rq:5f2b9b&error=14&trace-id=t1&message=down",
		want:     map[string]string{"id": "rq:5f2b9b", "type": "io.token.callback.error.unavailable", "paymentstatus": "failed"},
		unsigned: true,
	},
	{
		// error=0 is gRPC's OK: not a failure.
		name: "tokenio-redirect-error-0", provider: "tokenio", method: "GET",
		query:    "?request-id=rq:5f2b9c&request_id=rq:5f2b9c&error=0",
		want:     map[string]string{"id": "rq:5f2b9c", "type": "io.token.callback.redirect", "paymentstatus": ""},
		unsigned: true,
	},
	{
		name: "tokenio-webhook", provider: "tokenio",
		block: "mode webhook\npublic_key {env.TOKENIO_PUBLIC_KEY}",
		sign:  []string{"--set", "mode webhook", "--set", "public_key " + tokenioPublic, "--set", "private_key " + tokenioSeed},
		body: `{"id":"wh_1","type":"PAYMENT_STATUS_CHANGED","createdAtMs":"1700000000000",` +
			`"payment":{"status":"INITIATION_COMPLETED","initiation":{"refId":"ref-9","amount":{"value":"10.00","currency":"GBP"}}}}`,
		want: map[string]string{"id": "wh_1", "type": "io.token.webhook.payment_status_changed", "provider": "tokenio",
			"time": "2023-11-14T22:13:20Z", "paymentstatus": "succeeded", "amount": "10.00", "currency": "GBP",
			"reference": "ref-9", "subject": "ref-9"},
	},
	{
		name: "numipay", provider: "numipay",
		block: "secret {env.NUMIPAY_PASSWORD}",
		sign:  []string{"--secret", numipayPassword},
		body:  `{"transaction_id":"r21nmrtpcmrcava","user_id":"1111222","tracking_id":"b8f04416-116a-11ed-861d-0242ac120002","status":"rejected","currency":"GBP","amount":"200.00","transaction_type":"withdrawal"}`,
		want: map[string]string{"id": "r21nmrtpcmrcava:rejected", "type": "com.numipay.transaction.withdrawal",
			"subject": "b8f04416-116a-11ed-861d-0242ac120002", "reference": "b8f04416-116a-11ed-861d-0242ac120002",
			"provider": "numipay", "paymentstatus": "failed", "amount": "200.00", "currency": "GBP"},
	},
	{
		name: "okra", provider: "okra",
		block: "secret {env.OKRA_TOKEN}",
		sign:  []string{"--secret", "okra-token"},
		body:  `{"method":"IDENTITY","callback_type":"IDENTITY","status":"is_success","record":"rec_1","ended_at":"2026-01-01T00:00:00Z"}`,
		want: map[string]string{"type": "com.okra.callback.identity", "subject": "rec_1", "reference": "rec_1",
			"time": "2026-01-01T00:00:00Z", "provider": "okra", "paymentstatus": "succeeded"},
	},
	{
		name: "oktopay", provider: "oktopay",
		block: "secret {env.OKTOPAY_KEY}",
		sign:  []string{"--secret", "okto-key"},
		body:  `{"transactionId":"tx9","status":"APPROVED"}`,
		want:  map[string]string{"type": "com.oktopay.callback", "provider": "oktopay", "paymentstatus": ""},
	},
	{
		name: "oktopay-pix-hmac", provider: "oktopay",
		block: "secret {env.OKTOPAY_KEY}\nvariant pix\nmode hmac\nreference_path txid",
		sign:  []string{"--secret", "okto-key", "--set", "variant pix", "--set", "mode hmac"},
		body:  `{"txid":"pix-1"}`,
		want:  map[string]string{"type": "com.oktopay.pix.callback", "reference": "pix-1"},
	},
	{
		name: "github", provider: "github",
		block: "secret {env.GITHUB_SECRET}",
		sign:  []string{"--secret", "gh-secret"},
		body:  `{"action":"completed","check_run":{"id":1}}`,
		want:  map[string]string{"type": "com.github.webhook.completed", "provider": "github"},
	},
	{
		name: "paystack", provider: "paystack",
		block: "secret {env.PAYSTACK_SECRET}",
		sign:  []string{"--secret", "sk_test_paystack"},
		body:  `{"event":"charge.success","data":{"id":302961,"reference":"ref_1","amount":20000,"currency":"NGN","status":"success","paid_at":"2026-01-01T00:00:00Z"}}`,
		want: map[string]string{"id": "charge.success:302961", "type": "com.paystack.charge.success", "subject": "ref_1",
			"reference": "ref_1", "amount": "20000", "currency": "NGN", "paymentstatus": "succeeded", "time": "2026-01-01T00:00:00Z"},
	},
	{
		name: "flutterwave", provider: "flutterwave",
		block: "secret {env.FLW_HASH}",
		sign:  []string{"--secret", "flw-hash"},
		body:  `{"event":"charge.completed","data":{"id":285959875,"tx_ref":"tx-1","amount":100,"currency":"NGN","status":"successful","created_at":"2026-01-01T00:00:00.000Z"}}`,
		want: map[string]string{"id": "charge.completed:285959875", "type": "com.flutterwave.charge.completed", "subject": "tx-1",
			"reference": "tx-1", "amount": "100", "currency": "NGN", "paymentstatus": "succeeded", "time": "2026-01-01T00:00:00Z"},
	},
	{
		name: "shopify", provider: "shopify",
		block: "secret {env.SHOPIFY_SECRET}",
		sign:  []string{"--secret", "shpss"},
		body:  `{"id":820982911946154508,"total_price":"10.00","currency":"USD","financial_status":"paid"}`,
		want:  map[string]string{"type": "com.shopify.webhook", "amount": "10.00", "currency": "USD", "paymentstatus": "succeeded"},
	},
	{
		name: "slack", provider: "slack",
		block: "secret {env.SLACK_SECRET}",
		sign:  []string{"--secret", "slack-secret"},
		body:  `{"type":"event_callback","event_id":"Ev1","event_time":1700000000,"event":{"type":"app_mention"}}`,
		want:  map[string]string{"id": "Ev1", "time": "2023-11-14T22:13:20Z", "provider": "slack"},
	},
	{
		name: "svix", provider: "svix",
		block: "secret {env.SW_SECRET}",
		sign:  []string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--header", "svix-id: msg_svix_1"},
		body:  `{"type":"payment.created"}`,
		want:  map[string]string{"id": "msg_svix_1", "type": "payment.created", "provider": "svix"},
	},
}

const (
	opayKey         = "OPAYPRV16498196872570.13953388019021462"
	opayPayload     = `{"amount":"49160","channel":"Web","country":"NG","currency":"NGN","displayedFailure":"","fee":"737","feeCurrency":"NGN","instrumentType":"BankCard","reference":"10023","refunded":false,"status":"SUCCESS","timestamp":"2022-05-07T06:20:46Z","token":"220507145660712931829","transactionId":"220507145660712931829","updated_at":"2022-05-07T07:20:46Z"}`
	tokenioSeed     = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	numipayPassword = "spg_test_companyxxxxQyGAheyMqcHVmp8ZMQtkYcev27sCu7RF"
	tokenioPublic   = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

var moreEnvelopeEnv = []string{"OPAY_KEY=" + opayKey, "TOKENIO_PUBLIC_KEY=" + tokenioPublic,
	"NUMIPAY_PASSWORD=" + numipayPassword, "OKRA_TOKEN=okra-token", "OKTOPAY_KEY=okto-key", "GITHUB_SECRET=gh-secret",
	"PAYSTACK_SECRET=sk_test_paystack", "FLW_HASH=flw-hash", "SHOPIFY_SECRET=shpss", "SLACK_SECRET=slack-secret"}
