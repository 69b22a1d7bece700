// Command caddy is Caddy with its standard modules and webhook_verify.
//
// It is the quick way to build the binary used by `make run` and the
// integration tests; `make xcaddy` builds the same thing the way users do.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-webhook-verify/caddy-webhook-verify"
)

func main() {
	caddycmd.Main()
}
