package presets_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-webhook-verify/caddy-webhook-verify/internal/verifiertest"
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
)

// Daraja signs nothing: the callback URL carries a secret of the user's
// (?token=…) and the request must come from one of Safaricom's published
// addresses. The body is Daraja's M-Pesa Express (STK push) result sample.
const (
	mpesaToken = "mp-9f8e7d6c5b4a39281706f5e4"
	mpesaBody  = `{"Body":{"stkCallback":{"MerchantRequestID":"19465-780693-1","CheckoutRequestID":"ws_CO_27072017154747416",` +
		`"ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[` +
		`{"Name":"Amount","Value":1},{"Name":"MpesaReceiptNumber","Value":"LGR7OWQX0R"},{"Name":"Balance"},` +
		`{"Name":"TransactionDate","Value":20170727154800},{"Name":"PhoneNumber","Value":254721566839}]}}}}`
	mpesaCancelled = `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",` +
		`"ResultCode":1032,"ResultDesc":"Request cancelled by user."}}}`
	mpesaC2B = `{"TransactionType":"Pay Bill","TransID":"RKTQDM7W6S","TransTime":"20191122063845","TransAmount":"10",` +
		`"BusinessShortCode":"600638","BillRefNumber":"invoice008","InvoiceNumber":"","OrgAccountBalance":"",` +
		`"ThirdPartyTransID":"","MSISDN":"25470****149","FirstName":"John"}`
)

func TestMpesa(t *testing.T) {
	v := verifiertest.Load(t, "mpesa {\n secret "+mpesaToken+"\n}")
	at := func(q string) string { return "/daraja/result?" + q }
	verifiertest.Run(t, v, []verifiertest.Case{
		{Name: "STK result", Target: at("token=" + mpesaToken), Body: mpesaBody, Event: &webhookverify.Event{
			ID: "ws_CO_27072017154747416", Type: "com.safaricom.mpesa.stk_callback", Subject: "19465-780693-1",
			Status: webhookverify.StatusSucceeded, Amount: "1", Reference: "LGR7OWQX0R",
		}},
		{Name: "cancelled by the user", Target: at("token=" + mpesaToken), Body: mpesaCancelled, Event: &webhookverify.Event{
			ID: "ws_CO_191220191020363925", Type: "com.safaricom.mpesa.stk_callback", Subject: "29115-34620561-1",
			Status: webhookverify.StatusFailed,
		}},
		{Name: "C2B confirmation", Target: at("token=" + mpesaToken), Body: mpesaC2B, Event: &webhookverify.Event{
			ID: "RKTQDM7W6S", Type: "com.safaricom.mpesa.c2b", Amount: "10", Reference: "invoice008",
		}},
		{Name: "among other parameters", Target: at("order=7&token=" + mpesaToken), Body: mpesaBody},
		{Name: "wrong token", Target: at("token=mp-guess"), Body: mpesaBody, Err: webhookverify.ErrInvalidToken},
		{Name: "missing", Target: at("order=7"), Body: mpesaBody, Err: webhookverify.ErrMissingToken},
		{Name: "in a header only", Target: at(""), Header: [][2]string{{"Token", mpesaToken}}, Body: mpesaBody, Err: webhookverify.ErrMissingToken},
		{Name: "empty", Target: at("token="), Body: mpesaBody, Err: webhookverify.ErrMissingToken},
		{Name: "repeated", Target: at("token=" + mpesaToken + "&token=" + mpesaToken), Body: mpesaBody, Err: webhookverify.ErrInvalidToken},
		{Name: "GET", Method: "GET", Target: at("token=" + mpesaToken), Body: mpesaBody, Err: webhookverify.ErrMethodNotAllowed},
	})
	verifiertest.SecretsStayHidden(t, mpesaToken, "mpesa {\n secret "+mpesaToken+"\n}", []verifiertest.Case{
		{Name: "wrong", Target: at("token=x" + mpesaToken), Body: mpesaBody},
	})
	ips := v.(webhookverify.SourceIPDefaulter).DefaultAllowIPs()
	if len(ips) != 12 || ips[0] != "196.201.214.200" {
		t.Errorf("default source IPs %v", ips)
	}
	if _, err := webhookverify.ParseAllowIPs(ips); err != nil {
		t.Error(err)
	}
	// Rows that do not enforce their addresses give none.
	if ips := verifiertest.Load(t, "paystack {\n secret s\n}").(webhookverify.SourceIPDefaulter).DefaultAllowIPs(); ips != nil {
		t.Errorf("paystack enforces %v", ips)
	}
}

// Through the handler: Safaricom's addresses are enforced when allow_ips
// is not set, and allow_ips replaces them.
func TestMpesaSourceIPs(t *testing.T) {
	serve := func(t *testing.T, block, remote string) int {
		t.Helper()
		var h webhookverify.Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(block)); err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(&h)
		if err != nil {
			t.Fatal(err)
		}
		h = webhookverify.Handler{}
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		defer cancel()
		if err := h.Provision(ctx); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/daraja/result?token="+mpesaToken, strings.NewReader(mpesaBody))
		r.RemoteAddr = remote
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), httptest.NewRecorder(), &caddyhttp.Server{})
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error { w.WriteHeader(http.StatusNoContent); return nil })
		err = h.ServeHTTP(httptest.NewRecorder(), r, next)
		var he caddyhttp.HandlerError
		switch {
		case err == nil:
			return http.StatusOK
		case errors.As(err, &he):
			return he.StatusCode
		}
		t.Fatal(err)
		return 0
	}
	def := "webhook_verify mpesa {\n secret " + mpesaToken + "\n}"
	own := "webhook_verify mpesa {\n secret " + mpesaToken + "\n allow_ips 203.0.113.0/24\n}"
	anyIP := "webhook_verify mpesa {\n secret " + mpesaToken + "\n allow_ips 0.0.0.0/0 ::/0\n}"
	for _, c := range []struct {
		name, block, remote string
		want                int
	}{
		{"Safaricom", def, "196.201.214.200:443", http.StatusOK},
		{"another Safaricom address", def, "196.201.212.69:1234", http.StatusOK},
		{"IPv4-mapped IPv6", def, "[::ffff:196.201.213.44]:1234", http.StatusOK},
		{"a neighbour", def, "196.201.214.201:443", http.StatusForbidden},
		{"anyone", def, "198.51.100.7:443", http.StatusForbidden},
		{"allow_ips replaces: listed", own, "203.0.113.9:443", http.StatusOK},
		{"allow_ips replaces: Safaricom is no longer in", own, "196.201.214.200:443", http.StatusForbidden},
		{"allow_ips any", anyIP, "198.51.100.7:443", http.StatusOK},
		{"allow_ips any, IPv6", anyIP, "[2001:db8::1]:443", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := serve(t, c.block, c.remote); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}
	// The row's own subdirective hint names the default.
	if _, err := verifiertest.TryLoad("mpesa {\n secret s\n colour blue\n}"); err == nil || !strings.Contains(err.Error(), "allow_ips defaults to") {
		t.Errorf("hint: %v", err)
	}
}
