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
		Name: "fireblocks", Title: "Fireblocks",
		Docs: "https://developers.fireblocks.com/reference/validating-webhooks",
		Proof: "published vector (fireblocks/ncw-backend-demo src/middleware/webhook.test.ts: a VAULT_ACCOUNT_ADDED body signed by " +
			"the sandbox key Fireblocks listed in 2023); Fireblocks' published production (US; EU and EU2) and current sandbox keys by name; " +
			"webhooks v1 (Fireblocks-Signature, which Fireblocks is retiring in 2026 for v2's JWS)",
		Secret: "public key", SecretEnv: "FIREBLOCKS_PUBLIC_KEY",
		Keys: map[string]string{
			"fireblocks_production": fireblocksProduction, "fireblocks_production_eu": fireblocksProductionEU,
			"fireblocks_sandbox": fireblocksSandbox,
		},
		Scheme: generic.HMAC{
			Header: "Fireblocks-Signature", KeyType: webhookverify.KeyRSA, Algorithm: webhookverify.SHA512, Encoding: webhookverify.Base64,
			Methods: post,
			FieldPaths: webhookverify.FieldPaths{
				Type: "type", Time: "timestamp", Status: "data.status", StatusMap: fireblocksStatus,
				Amount: "data.amount", Currency: "data.assetId", Reference: "data.externalTxId",
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

var fireblocksStatus = map[string]webhookverify.PaymentStatus{
	"SUBMITTED":             webhookverify.StatusPending,
	"QUEUED":                webhookverify.StatusPending,
	"PENDING_AUTHORIZATION": webhookverify.StatusPending,
	"PENDING_SIGNATURE":     webhookverify.StatusPending,
	"BROADCASTING":          webhookverify.StatusPending,
	"CONFIRMING":            webhookverify.StatusPending,
	"COMPLETED":             webhookverify.StatusSucceeded,
	"CANCELLED":             webhookverify.StatusFailed,
	"REJECTED":              webhookverify.StatusFailed,
	"BLOCKED":               webhookverify.StatusFailed,
	"FAILED":                webhookverify.StatusFailed,
}

// The keys providers publish. Wise: docs.wise.com ("Event handling",
// signature verification), as in transferwise/digital-signatures-examples.
// Fireblocks: developers.fireblocks.com ("Validating webhooks").
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
	fireblocksProduction = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA0+6wd9OJQpK60ZI7qnZG
jjQ0wNFUHfRv85Tdyek8+ahlg1Ph8uhwl4N6DZw5LwLXhNjzAbQ8LGPxt36RUZl5
YlxTru0jZNKx5lslR+H4i936A4pKBjgiMmSkVwXD9HcfKHTp70GQ812+J0Fvti/v
4nrrUpc011Wo4F6omt1QcYsi4GTI5OsEbeKQ24BtUd6Z1Nm/EP7PfPxeb4CP8KOH
clM8K7OwBUfWrip8Ptljjz9BNOZUF94iyjJ/BIzGJjyCntho64ehpUYP8UJykLVd
CGcu7sVYWnknf1ZGLuqqZQt4qt7cUUhFGielssZP9N9x7wzaAIFcT3yQ+ELDu1SZ
dE4lZsf2uMyfj58V8GDOLLE233+LRsRbJ083x+e2mW5BdAGtGgQBusFfnmv5Bxqd
HgS55hsna5725/44tvxll261TgQvjGrTxwe7e5Ia3d2Syc+e89mXQaI/+cZnylNP
SwCCvx8mOM847T0XkVRX3ZrwXtHIA25uKsPJzUtksDnAowB91j7RJkjXxJcz3Vh1
4k182UFOTPRW9jzdWNSyWQGl/vpe9oQ4c2Ly15+/toBo4YXJeDdDnZ5c/O+KKadc
IMPBpnPrH/0O97uMPuED+nI6ISGOTMLZo35xJ96gPBwyG5s2QxIkKPXIrhgcgUnk
tSM7QYNhlftT4/yVvYnk0YcCAwEAAQ==
-----END PUBLIC KEY-----`
	fireblocksProductionEU = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA6hLRQL0jPf5OEuaDYGjO
xSyaYIlv08S0+4giiwgKSfV3Onc5hn03mvE0znzaUq2ReSxi9KYDdMYFfzf1uwF7
7kYy2MY0oTYGdQb+PS4Ym4R4tgZ2otuoAXt8YRKq2maWyguFiaowMcYwwAVQv8JB
afIm6Jq1nI6v1mEDVX065ePlBlAt+BGAqr6ahPxnaIz3L4eztpuNrt5nTbSxs7eF
aqQx1p56W1nl3Hl0V3tLkaXbuVtbFNR/mGMInrkPnpsG+mt35b9vmqAOvLPI0Cx1
59uVeEs62Hj1AOCRyT6SuwIaFynRj2KnD42ioQtkodHQ0xDtgdiYGsxuwQ9vTIe7
5oLsL8gBDeX5gdcTfSZhfGjZ7RggLNJ7vCAbYKMuUOdgWVMYnJfrhNLCq3zDSZPO
+H0x5m/Yeq/Hn5o7xCmLNT3qARfwDd5IHfQyXqVYB6TMU75xqH5fdSRw0iMdoPyL
ALnr9/JT0av3qssNMRdWCXr+j9Ys3NkfcbU/a49657mg8e2QGSkl9w39csEKojnr
omUz25szIL8CcXLmc5cAmnimFCe4L7UT4mvVP3+fOo+cbc/82zqA8tsSwd2Y93/6
ueGnNZD9V5rewrKjmdPfrwoI2gntzc8QJUu+nxAWhoqHV91AQeglu6WIF/DiEJC5
WPoNk2SdlAuA6RYmgB2YyikCAwEAAQ==
-----END PUBLIC KEY-----`
	fireblocksSandbox = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApZE6wL2+7P1ohvVYSpCd
gSgtmyGwiLbUC1UoGJhn1zwfY7ZWbNH7Pg8Osk8OzZTZHSG/arcgE8HnGCmGKtbE
QBkf2XlBRBQ01FcCMlZuJQJ3nElCPaMl9N6fq0VKNEIlVSVUpDCgvag5kFhDKS/L
p3YYJLFR46/hDlVLn+vM84diO3xGyMc16YJGNz7Z4jb8dmSZQE5E2XaQMDXW6uxC
c2ChjWJ3X5H70MzRG35JsN0j58SQTwbf4Pxm0aJfhPuaIBn3mJuZL5etsuFihoFG
FDnT+qWRcgD/pRNulBFAFhJeUnFrE4fFTJ1iaHhjBrStBCrxJk6QI0pGznoapTgA
2QIDAQAB
-----END PUBLIC KEY-----`
)
