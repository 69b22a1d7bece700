package webhookverify

import "time"

// clock is the handlers' time. Only a Caddy built with -tags
// webhookverify_testhooks can move it (testhooks.go), for end-to-end tests
// of published vectors whose certificates have expired.
var clock = time.Now
