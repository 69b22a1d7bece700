# Caddy with webhook_verify, built the way the Caddy image documents for
# plugins: xcaddy in the official builder image, the result copied into the
# official Caddy image. Build from a checkout of this repository:
#
#   docker build -t caddy-webhook-verify .
#
# The module is not published yet, so xcaddy takes it from the build
# context (the =path form); the Caddy version is pinned with the Makefile's.
ARG CADDY_VERSION=2.11.9

FROM caddy:${CADDY_VERSION}-builder AS builder
ARG CADDY_VERSION
COPY . /src/caddy-webhook-verify
RUN xcaddy build v${CADDY_VERSION} \
	--with github.com/caddy-webhook-verify/caddy-webhook-verify=/src/caddy-webhook-verify \
	--output /usr/bin/caddy \
	&& /usr/bin/caddy list-modules | grep -q '^http.handlers.webhook_verify$'

FROM caddy:${CADDY_VERSION}
COPY --from=builder /usr/bin/caddy /usr/bin/caddy
