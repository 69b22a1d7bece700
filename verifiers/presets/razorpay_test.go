package presets_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Razorpay's published vector: razorpay/razorpay-go @5763826,
// documents/paymentVerification.md, "Verify webhook verification" (the
// body is line 88's raw string, the signature and secret lines 90–91).
const (
	razorpaySecret    = "123456"
	razorpaySignature = "56df260ab4647b07b729b0b48d2a95b71de42f109884949e5ec387a2bb8b6919"
	razorpayBody      = `{"entity":"event","account_id":"acc_HVFD0PFnHPAzKj","event":"payment.authorized","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_JUEM4c0pSLpFEW","entity":"payment","amount":12300,"currency":"INR","status":"authorized","order_id":"order_JUELuT6cFaHkvd","invoice_id":null,"international":false,"method":"netbanking","amount_refunded":0,"refund_status":null,"captured":false,"description":"#JUELZ1z1EC0pwi","card_id":null,"bank":"SBIN","wallet":null,"vpa":null,"email":"gaurav.kumar@example.com","contact":"+919999999999","notes":[],"fee":null,"tax":null,"error_code":null,"error_description":null,"error_source":null,"error_step":null,"error_reason":null,"acquirer_data":{"bank_transaction_id":"6416615"},"created_at":1652339804}}},"created_at":1652339806}`
)

func razorpayHeader(sig string) [][2]string { return [][2]string{{"X-Razorpay-Signature", sig}} }

func TestRazorpayVectors(t *testing.T) {
	v := verifiertest.Load(t, payBlock("razorpay", []string{razorpaySecret}))
	authorized := &webhookverify.Event{
		Type:      "com.razorpay.payment.authorized",
		Time:      time.Unix(1652339806, 0).UTC(),
		Status:    webhookverify.StatusPending,
		Amount:    "12300",
		Currency:  "INR",
		Reference: "order_JUELuT6cFaHkvd",
	}
	sha512Hex := hex.EncodeToString(payMAC(sha512.New, razorpaySecret, razorpayBody))
	b64 := base64.StdEncoding.EncodeToString(payMAC(sha256.New, razorpaySecret, razorpayBody))
	payRun(t, v, []verifiertest.Case{
		{Name: "published vector", Body: razorpayBody, Header: razorpayHeader(razorpaySignature), Event: authorized},
		{Name: "uppercase hex", Body: razorpayBody, Header: razorpayHeader(strings.ToUpper(razorpaySignature)), Event: authorized},
		{Name: "tampered amount", Body: strings.Replace(razorpayBody, `"amount":12300`, `"amount":12301`, 1),
			Header: razorpayHeader(razorpaySignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "trailing newline added", Body: razorpayBody + "\n", Header: razorpayHeader(razorpaySignature), Err: webhookverify.ErrInvalidSignature},
		{Name: "HMAC-SHA512", Body: razorpayBody, Header: razorpayHeader(sha512Hex), Err: webhookverify.ErrInvalidSignature},
		{Name: "base64", Body: razorpayBody, Header: razorpayHeader(b64), Err: webhookverify.ErrMalformedSignature},
		{Name: "prefixed", Body: razorpayBody, Header: razorpayHeader("sha256=" + razorpaySignature), Err: webhookverify.ErrMalformedSignature},
		{Name: "another header", Body: razorpayBody, Header: [][2]string{{"X-Signature", razorpaySignature}}, Err: webhookverify.ErrMissingSignature},
		{Name: "GET", Method: http.MethodGet, Body: razorpayBody, Header: razorpayHeader(razorpaySignature), Err: webhookverify.ErrMethodNotAllowed},
	}, razorpaySecret)

	wrong := verifiertest.Load(t, payBlock("razorpay", []string{"654321"}))
	payRun(t, wrong, []verifiertest.Case{
		{Name: "wrong secret", Body: razorpayBody, Header: razorpayHeader(razorpaySignature), Err: webhookverify.ErrInvalidSignature},
	}, "654321")
	rotated := verifiertest.Load(t, payBlock("razorpay", []string{"654321", razorpaySecret}))
	verifiertest.Run(t, rotated, []verifiertest.Case{
		{Name: "second secret verifies", Body: razorpayBody, Header: razorpayHeader(razorpaySignature), Event: authorized},
	})
}

// Events signed here by the documented scheme (HMAC-SHA256 hex of the
// body), for the mapping of other event kinds.
func TestRazorpayEventMapping(t *testing.T) {
	const secret = "rzp-webhook-secret"
	tests := []struct {
		name, body string
		want       webhookverify.Event
	}{
		{"payment.captured",
			`{"entity":"event","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_1","amount":50000,"currency":"INR","status":"captured","order_id":"order_1"}}},"created_at":1700000000}`,
			webhookverify.Event{Type: "com.razorpay.payment.captured", Time: time.Unix(1700000000, 0).UTC(), Status: webhookverify.StatusSucceeded,
				Amount: "50000", Currency: "INR", Reference: "order_1"}},
		{"order.paid carries the merchant's receipt",
			`{"entity":"event","event":"order.paid","contains":["payment","order"],"payload":{"payment":{"entity":{"id":"pay_2","amount":100,"currency":"INR","status":"captured","order_id":"order_2"}},"order":{"entity":{"id":"order_2","receipt":"rcpt-42","status":"paid"}}},"created_at":1700000001}`,
			webhookverify.Event{Type: "com.razorpay.order.paid", Time: time.Unix(1700000001, 0).UTC(), Status: webhookverify.StatusSucceeded,
				Amount: "100", Currency: "INR", Reference: "order_2", Subject: "rcpt-42"}},
		{"payment.failed",
			`{"entity":"event","event":"payment.failed","payload":{"payment":{"entity":{"status":"failed","amount":1,"currency":"INR"}}},"created_at":1700000002}`,
			webhookverify.Event{Type: "com.razorpay.payment.failed", Time: time.Unix(1700000002, 0).UTC(), Status: webhookverify.StatusFailed,
				Amount: "1", Currency: "INR"}},
		{"a refund's payment status is not the refund's",
			`{"entity":"event","event":"refund.processed","payload":{"refund":{"entity":{"id":"rfnd_1","status":"processed"}},"payment":{"entity":{"status":"captured","amount":100,"currency":"INR"}}},"created_at":1700000003}`,
			webhookverify.Event{Type: "com.razorpay.refund.processed", Time: time.Unix(1700000003, 0).UTC(), Amount: "100", Currency: "INR"}},
		{"no event", `{"payload":{}}`, webhookverify.Event{Type: "com.razorpay.webhook"}},
	}
	var cases []verifiertest.Case
	for _, tt := range tests {
		want := tt.want
		cases = append(cases, verifiertest.Case{Name: tt.name, Body: tt.body,
			Header: razorpayHeader(hex.EncodeToString(payMAC(sha256.New, secret, tt.body))), Event: &want})
	}
	payRun(t, verifiertest.Load(t, payBlock("razorpay", []string{secret})), cases, secret)
}
