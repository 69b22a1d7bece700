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
	},
	{
		name: "tokenio-redirect-error", provider: "tokenio", method: "GET",
		query: "?request-id=rq:5f2b9b&request_id=rq:5f2b9b&error=14&trace-id=t1&message=down",
		want:  map[string]string{"id": "rq:5f2b9b", "type": "io.token.callback.error.unavailable", "paymentstatus": "failed"},
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
}

const (
	opayKey       = "OPAYPRV16498196872570.13953388019021462"
	opayPayload   = `{"amount":"49160","channel":"Web","country":"NG","currency":"NGN","displayedFailure":"","fee":"737","feeCurrency":"NGN","instrumentType":"BankCard","reference":"10023","refunded":false,"status":"SUCCESS","timestamp":"2022-05-07T06:20:46Z","token":"220507145660712931829","transactionId":"220507145660712931829","updated_at":"2022-05-07T07:20:46Z"}`
	tokenioSeed   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	tokenioPublic = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

var moreEnvelopeEnv = []string{"OPAY_KEY=" + opayKey, "TOKENIO_PUBLIC_KEY=" + tokenioPublic}
