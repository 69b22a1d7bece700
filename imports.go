// Package caddywebhookverify is the root of the caddy-webhook-verify
// module. Importing it, as `xcaddy build --with` does, registers the
// webhook_verify handler, every verifier and every dedup store.
package caddywebhookverify

import (
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/module"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/stores/redis"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/adyen"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/braintree"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/circle"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/fireblocks"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/flutterwave"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/generic"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/hubspot"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/korapay"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/mailgun"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/mercadopago"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/midtrans"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/nomba"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/numipay"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/okra"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/oktopay"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/opay"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/paypal"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/payu"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/plaid"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/presets"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/sns"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/tokenio"
	_ "github.com/caddy-webhook-verify/caddy-webhook-verify/verifiers/twilio"
)
