package presets

import (
	"net/http"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	"github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
)

func init() {
	Register(Table...)
}

// post is the method of almost every provider.
var post = []string{http.MethodPost}

// Table is every provider whose scheme is data, payments first. The
// README's provider table is generated from it (go generate ./...).
var Table = slices.Concat(payments, others, signedWithKeys)

func minutes(n int) caddy.Duration { return caddy.Duration(time.Duration(n) * time.Minute) }

func ptr[T any](v T) *T { return &v }

// standardWebhooks is the Standard Webhooks scheme (standardwebhooks.com)
// under the header names that start with prefix ("Webhook-", or Svix's
// "Svix-"): "v1,<base64>" signatures, several separated by spaces, each an
// HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed with the base64 after
// whsec_; other versions (v1a) are passed over; 5 minutes of tolerance.
func standardWebhooks(prefix string, paths webhookverify.FieldPaths) generic.HMAC {
	return generic.HMAC{
		Header: prefix + "Signature", Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64,
		Prefix: "v1,", SkipBadSignatures: true,
		TimestampHeader: prefix + "Timestamp", Tolerance: minutes(5),
		Payload:     "{header." + prefix + "Id}.{timestamp}.{body}",
		KeyEncoding: "whsec",
		Methods:     post,
		FieldPaths:  paths,
	}
}

// shopifyScheme is Shopify's: the base64 HMAC-SHA256 of the body, in
// header (X-Shopify-Hmac-Sha256, or Shopify-Hmac-Sha256 for its Events
// webhooks).
func shopifyScheme(header string) generic.HMAC {
	return generic.HMAC{
		Header: header, Algorithm: webhookverify.SHA256, Encoding: webhookverify.Base64,
		Methods: post,
		FieldPaths: webhookverify.FieldPaths{
			Status: "financial_status", StatusMap: shopifyStatus, Amount: "total_price", Currency: "currency",
		},
	}
}

// withTolerance is s with another tolerance.
func withTolerance(s generic.HMAC, t caddy.Duration) generic.HMAC {
	s.Tolerance = t
	return s
}

var paystackStatus = map[string]webhookverify.PaymentStatus{
	"success":    webhookverify.StatusSucceeded,
	"failed":     webhookverify.StatusFailed,
	"abandoned":  webhookverify.StatusExpired,
	"reversed":   webhookverify.StatusRefunded,
	"processed":  webhookverify.StatusRefunded, // refund.processed
	"ongoing":    webhookverify.StatusPending,
	"pending":    webhookverify.StatusPending,
	"processing": webhookverify.StatusPending,
	"queued":     webhookverify.StatusPending,
	"otp":        webhookverify.StatusPending,
	"received":   webhookverify.StatusPending,
	"blocked":    webhookverify.StatusFailed,
	"rejected":   webhookverify.StatusFailed,
}

var shopifyStatus = map[string]webhookverify.PaymentStatus{
	"pending":            webhookverify.StatusPending,
	"authorized":         webhookverify.StatusPending,
	"partially_paid":     webhookverify.StatusPending,
	"paid":               webhookverify.StatusSucceeded,
	"partially_refunded": webhookverify.StatusRefunded,
	"refunded":           webhookverify.StatusRefunded,
	"voided":             webhookverify.StatusFailed,
	"expired":            webhookverify.StatusExpired,
}
