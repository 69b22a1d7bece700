package presets_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Monnify's published vector: developers.monnify.com, Webhooks, "Computing
// Request Validation Hash" — the sample client secret, the stringified
// request body of its Node.js sample, and the "Hashed Value". (The prose
// there says SHA-512(secret + body); the sample, and the value, are
// HMAC-SHA512 of the body under the secret.)
const (
	monnifySecret = "91MUDL9N6U3BQRXBQ2PJ9M0PW4J22M1Y"
	monnifyBody   = `{"eventData":{"product":{"reference":"111222333","type":"OFFLINE_PAYMENT_AGENT"},"transactionReference":"MNFY|76|20211117154810|000001","paymentReference":"0.01462001097368737","paidOn":"17/11/2021 3:48:10 PM","paymentDescription":"Mockaroo Jesse","metaData":{},"destinationAccountInformation":{},"paymentSourceInformation":{},"amountPaid":78000,"totalPayable":78000,"offlineProductInformation":{"code":"41470","type":"DYNAMIC"},"cardDetails":{},"paymentMethod":"CASH","currency":"NGN","settlementAmount":77600,"paymentStatus":"PAID","customer":{"name":"Mockaroo Jesse","email":"111222333@ZZAMZ4WT4Y3E.monnify"}},"eventType":"SUCCESSFUL_TRANSACTION"}`
	monnifyHash   = "f04fb635e04d71648bd3cc7999003da6861483342c856d05ddfa9b2dafacb873b0de1d0f8f67405d0010b4348b721c49fa171d317972618debba6b638aedcd3c"
)

func monnifyHeader(sig string) [][2]string { return [][2]string{{"monnify-signature", sig}} }

func TestMonnifyVectors(t *testing.T) {
	paid := &webhookverify.Event{
		ID:        "SUCCESSFUL_TRANSACTION:MNFY|76|20211117154810|000001",
		Type:      "com.monnify.successful_transaction",
		Status:    webhookverify.StatusSucceeded,
		Amount:    "78000",
		Currency:  "NGN",
		Reference: "0.01462001097368737",
		Subject:   "0.01462001097368737",
	}
	plain := sha512.Sum512([]byte(monnifySecret + monnifyBody))
	sha256Hex := hex.EncodeToString(payMAC(sha256.New, monnifySecret, monnifyBody))
	payRun(t, verifiertest.Load(t, payBlock("monnify", []string{monnifySecret})), []verifiertest.Case{
		{Name: "published vector", Body: monnifyBody, Header: monnifyHeader(monnifyHash), Event: paid},
		{Name: "tampered amount", Body: strings.Replace(monnifyBody, `"amountPaid":78000`, `"amountPaid":98000`, 1),
			Header: monnifyHeader(monnifyHash), Err: webhookverify.ErrInvalidSignature},
		{Name: "the docs' prose: plain SHA-512 of secret+body", Body: monnifyBody, Header: monnifyHeader(hex.EncodeToString(plain[:])),
			Err: webhookverify.ErrInvalidSignature},
		{Name: "HMAC-SHA256", Body: monnifyBody, Header: monnifyHeader(sha256Hex), Err: webhookverify.ErrInvalidSignature},
		{Name: "the pretty-printed sample body", Body: strings.Replace(monnifyBody, `{"eventData":{`, "{\n  \"eventData\": {", 1),
			Header: monnifyHeader(monnifyHash), Err: webhookverify.ErrInvalidSignature},
	}, monnifySecret)
}

// Other event types, of the shapes in Monnify's webhook docs, signed here
// by the same scheme.
func TestMonnifyEventMapping(t *testing.T) {
	const secret = "MONNIFY-CLIENT-SECRET"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"successful disbursement",
			`{"eventType":"SUCCESSFUL_DISBURSEMENT","eventData":{"amount":10.00,"transactionReference":"MFDS20210317032332A","fee":8.00,"transactionDescription":"Approved or completed successfully","destinationAccountNumber":"0068687503","sessionId":"090405210317032336726272127483","createdOn":"17/03/2021 3:23:32 AM","destinationAccountName":"DAMILARE SAMUEL OGUNNAIKE","reference":"ref1615947809583","destinationBankCode":"232","completedOn":"17/03/2021 3:23:37 AM","narration":"Test transfer","currency":"NGN","destinationBankName":"Sterling bank","status":"SUCCESS"}}`,
			webhookverify.Event{ID: "SUCCESSFUL_DISBURSEMENT:MFDS20210317032332A", Type: "com.monnify.successful_disbursement",
				Status: webhookverify.StatusSucceeded, Amount: "10.00", Currency: "NGN", Reference: "ref1615947809583", Subject: "ref1615947809583"}},
		{"partially paid", `{"eventType":"SUCCESSFUL_TRANSACTION","eventData":{"transactionReference":"MNFY|1","paymentReference":"p1","amountPaid":"50.00","currency":"NGN","paymentStatus":"PARTIALLY_PAID"}}`,
			webhookverify.Event{ID: "SUCCESSFUL_TRANSACTION:MNFY|1", Type: "com.monnify.successful_transaction", Status: webhookverify.StatusPending,
				Amount: "50.00", Currency: "NGN", Reference: "p1", Subject: "p1"}},
		{"a mandate's status is not a payment's", `{"eventType":"MANDATE_UPDATE","eventData":{"status":"ACTIVE"}}`,
			webhookverify.Event{Type: "com.monnify.mandate_update"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: monnifyHeader(hex.EncodeToString(payMAC(sha512.New, secret, tt.body))), Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("monnify", []string{secret})), cases, secret)
}
