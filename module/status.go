package webhookverify

import "strings"

// PaymentStatus is the canonical status of a payment, the same for every
// provider. It is the CloudEvents extension attribute "paymentstatus" and
// the {http.webhook.status} placeholder.
type PaymentStatus string

// The canonical statuses.
const (
	StatusSucceeded PaymentStatus = "succeeded"
	StatusFailed    PaymentStatus = "failed"
	StatusPending   PaymentStatus = "pending"
	StatusExpired   PaymentStatus = "expired"
	StatusRefunded  PaymentStatus = "refunded"
	StatusUnknown   PaymentStatus = "unknown"
)

// ParsePaymentStatus returns the canonical status named s, and whether s
// is one.
func ParsePaymentStatus(s string) (PaymentStatus, bool) {
	switch p := PaymentStatus(s); p {
	case StatusSucceeded, StatusFailed, StatusPending, StatusExpired, StatusRefunded, StatusUnknown:
		return p, true
	}
	return "", false
}

// commonStatuses maps status words that providers commonly use, lowercased.
var commonStatuses = map[string]PaymentStatus{
	"succeeded": StatusSucceeded, "success": StatusSucceeded, "successful": StatusSucceeded,
	"paid": StatusSucceeded, "completed": StatusSucceeded, "complete": StatusSucceeded,
	"approved": StatusSucceeded, "settled": StatusSucceeded, "is_success": StatusSucceeded,

	"failed": StatusFailed, "fail": StatusFailed, "failure": StatusFailed, "rejected": StatusFailed,
	"declined": StatusFailed, "error": StatusFailed, "cancelled": StatusFailed,
	"canceled": StatusFailed, "is_failed": StatusFailed,

	"pending": StatusPending, "processing": StatusPending, "initial": StatusPending,
	"initiated": StatusPending, "in_progress": StatusPending, "created": StatusPending,

	"expired": StatusExpired, "timeout": StatusExpired, "timed_out": StatusExpired,
	"close": StatusExpired, "closed": StatusExpired,

	"refunded": StatusRefunded, "reversed": StatusRefunded, "refund": StatusRefunded,
}

// NormalizeStatus maps a provider's status word to a canonical status,
// ignoring case. Words it does not know give StatusUnknown; an empty
// status gives "" (no status).
func NormalizeStatus(s string) PaymentStatus {
	if s == "" {
		return ""
	}
	if p, ok := commonStatuses[strings.ToLower(strings.TrimSpace(s))]; ok {
		return p
	}
	return StatusUnknown
}
