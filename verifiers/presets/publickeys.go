package presets

import (
	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

// signedWithKeys are the providers that sign with a private key and
// publish the public one: the same template, verified with public keys
// (public_key) instead of a shared secret. Where the provider publishes
// its keys, Keys holds them by name.
var signedWithKeys = []*Row{
	{
		Name: "wise", Title: "Wise",
		Docs: "https://docs.wise.com/api-docs/guides/webhooks/event-handling",
		Proof: "published vector (transferwise/digital-signatures-examples verify-webhook-signature: the sandbox key, " +
			"a transfers#state-change body and its signature); Wise's published production and sandbox keys by name",
		Secret: "public key", SecretEnv: "WISE_PUBLIC_KEY",
		Keys: map[string]string{"wise_production": wiseProduction, "wise_sandbox": wiseSandbox},
		Scheme: generic.HMAC{
			Header: "X-Signature-SHA256", KeyType: webhookverify.KeyRSA, Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64,
			Methods: post,
			FieldPaths: webhookverify.FieldPaths{
				Type: "event_type", Time: "data.occurred_at", Status: "data.current_state", StatusMap: wiseStatus,
			},
		},
	},
	{
		Name: "sendgrid", Title: "SendGrid (Event Webhook)",
		Docs: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features",
		Proof: "published vectors (sendgrid/sendgrid-go helpers/eventwebhook/eventwebhook_test.go, sendgrid/sendgrid-nodejs " +
			"eventwebhook.spec.js); official SDK cross-check both ways (@sendgrid/eventwebhook@8.0.0 verifySignature); " +
			"SendGrid documents no tolerance and retries for up to 72 hours without saying whether a retry is signed anew, so 72h",
		Secret: "verification key", SecretEnv: "SENDGRID_WEBHOOK_VERIFICATION_KEY",
		Scheme: generic.HMAC{
			Header: "X-Twilio-Email-Event-Webhook-Signature", KeyType: webhookverify.KeyECDSA, Algorithm: webhookverify.SHA256,
			Encoding:        webhookverify.Base64,
			TimestampHeader: "X-Twilio-Email-Event-Webhook-Timestamp", Tolerance: minutes(72 * 60),
			Payload: "{timestamp}{body}",
			Methods: post,
		},
	},
	{
		Name: "discord", Title: "Discord (interactions)",
		Docs: "https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers",
		Proof: "no published vector: one signed with RFC 8032's TEST 1 key over discord-interactions' PING body; " +
			"official SDK cross-check both ways (discord-interactions@4.4.0 verifyKey); tolerance 5 minutes: Discord documents none " +
			"and does not retry interactions; the PING interaction (type 1) is answered, once verified, with PONG at the edge",
		Secret: "application public key", SecretEnv: "DISCORD_PUBLIC_KEY",
		Scheme: generic.HMAC{
			Header: "X-Signature-Ed25519", KeyType: webhookverify.KeyEd25519, Encoding: webhookverify.Hex,
			TimestampHeader: "X-Signature-Timestamp", Tolerance: minutes(5),
			Payload:    "{timestamp}{body}",
			Methods:    post,
			FieldPaths: webhookverify.FieldPaths{EventID: "id"},
		},
		Challenge: discordPing,
	},
}

var wiseStatus = map[string]webhookverify.PaymentStatus{
	"incoming_payment_waiting":   webhookverify.StatusPending,
	"incoming_payment_initiated": webhookverify.StatusPending,
	"processing":                 webhookverify.StatusPending,
	"funds_converted":            webhookverify.StatusPending,
	"outgoing_payment_sent":      webhookverify.StatusSucceeded,
	"cancelled":                  webhookverify.StatusFailed,
	"funds_refunded":             webhookverify.StatusRefunded,
	"bounced_back":               webhookverify.StatusFailed,
	"charged_back":               webhookverify.StatusRefunded,
}

// The keys Wise publishes: docs.wise.com ("Event handling", signature
// verification), as in transferwise/digital-signatures-examples.
const (
	wiseProduction = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvO8vXV+JksBzZAY6GhSO
XdoTCfhXaaiZ+qAbtaDBiu2AGkGVpmEygFmWP4Li9m5+Ni85BhVvZOodM9epgW3F
bA5Q1SexvAF1PPjX4JpMstak/QhAgl1qMSqEevL8cmUeTgcMuVWCJmlge9h7B1CS
D4rtlimGZozG39rUBDg6Qt2K+P4wBfLblL0k4C4YUdLnpGYEDIth+i8XsRpFlogx
CAFyH9+knYsDbR43UJ9shtc42Ybd40Afihj8KnYKXzchyQ42aC8aZ/h5hyZ28yVy
Oj3Vos0VdBIs/gAyJ/4yyQFCXYte64I7ssrlbGRaco4nKF3HmaNhxwyKyJafz19e
HwIDAQAB
-----END PUBLIC KEY-----`
	wiseSandbox = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwpb91cEYuyJNQepZAVfP
ZIlPZfNUefH+n6w9SW3fykqKu938cR7WadQv87oF2VuT+fDt7kqeRziTmPSUhqPU
ys/V2Q1rlfJuXbE+Gga37t7zwd0egQ+KyOEHQOpcTwKmtZ81ieGHynAQzsn1We3j
wt760MsCPJ7GMT141ByQM+yW1Bx+4SG3IGjXWyqOWrcXsxAvIXkpUD/jK/L958Cg
nZEgz0BSEh0QxYLITnW1lLokSx/dTianWPFEhMC9BgijempgNXHNfcVirg1lPSyg
z7KqoKUN0oHqWLr2U1A+7kqrl6O2nx3CKs1bj1hToT1+p4kcMoHXA7kA+VBLUpEs
VwIDAQAB
-----END PUBLIC KEY-----`
)
