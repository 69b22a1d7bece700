# caddy-webhook-verify
#
#   make run     build Caddy with the module and serve the demo on 127.0.0.1:8080
#   make test    every test: unit, Caddyfile examples, fuzz seeds, end-to-end
#
# Other targets: build, generate, xcaddy, bench, bench-load, fuzz, lint, clean.

GO        ?= go
CADDY     := bin/caddy
MODULE    := github.com/caddy-webhook-verify/caddy-webhook-verify
CADDY_VERSION := v2.11.9
# The module's version that `caddy webhook version` prints for a build from
# this checkout (a published dependency reports its own).
MODULE_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS   := -X $(MODULE)/module.linkedVersion=$(MODULE_VERSION)
FUZZTIME  ?= 60s
BENCHTIME ?= 1s

# Demo-only secrets for `make run`. Never use them anywhere else.
DEMO_ENV := DEMO_HMAC_SECRET=demo-hmac-secret-do-not-use DEMO_TOKEN=demo-token-do-not-use

.PHONY: build run test unit integration generate bench bench-load fuzz xcaddy lint clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(CADDY) ./cmd/caddy

run: build
	@echo "demo on http://127.0.0.1:8080 (echo upstream on :8081); see the README for the curls"
	$(DEMO_ENV) ./$(CADDY) run --adapter caddyfile --config caddyfile-examples/demo.Caddyfile

test: lint build
	CADDY_BIN=$(CURDIR)/$(CADDY) $(GO) test -count=1 -timeout 45m ./...

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)

integration: build
	CADDY_BIN=$(CURDIR)/$(CADDY) $(GO) test -count=1 -timeout 45m -v ./integration/

# Regenerates the README's provider table from verifiers/presets (make test
# fails when it is stale).
generate:
	$(GO) generate ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $$($(GO) list ./... | grep -v /integration)

# Caddy with and without webhook_verify under the same load; see the README.
bench-load: build
	CADDY_BIN=$(CURDIR)/$(CADDY) ./integration/bench-load.sh

# Runs every fuzz target for FUZZTIME each (their seeds also run in `make test`).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Builds Caddy the way users do, with xcaddy and this checkout as the plugin.
# XCADDY_GO_BUILD_FLAGS replaces xcaddy's default flags, so they are repeated
# here with the version added.
xcaddy:
	XCADDY_GO_BUILD_FLAGS="-ldflags '-w -s $(LDFLAGS)' -trimpath -tags nobadger,nomysql,nopgx" \
	$(GO) tool xcaddy build $(CADDY_VERSION) --output bin/caddy-xcaddy \
		--with $(MODULE)@v0.0.0-00010101000000-000000000000=./
	./bin/caddy-xcaddy list-modules | grep webhook_verify
	./bin/caddy-xcaddy webhook version

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
