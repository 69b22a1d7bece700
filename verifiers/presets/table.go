package presets

import (
	"net/http"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"

	webhookverify "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
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
