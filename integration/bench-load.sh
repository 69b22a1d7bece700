#!/usr/bin/env bash
# Load benchmark: the same Caddy binary under the same load, (a) as a bare
# reverse_proxy, (f) as a bare reverse_proxy that adds the same headers
# webhook_verify adds (header_up: the honest floor for the header work),
# and (b) with webhook_verify in front of the reverse_proxy,
# for each provider and body size. `make bench-load` runs it with CADDY_BIN
# set; it is not part of `make test`.
#
# Setup (2 cores assumed):
#   core CADDY_CPU (0): the Caddy under test, alone (GOMAXPROCS follows the
#                       affinity, so it runs with one P).
#   core LOAD_CPU  (1): wrk (one thread, CONNECTIONS keep-alive connections)
#                       and the upstream: a second process of the same caddy
#                       binary answering `respond 200` without reading the
#                       body. The upstream is a separate process on the load
#                       generator's core so that every CPU cycle spent on
#                       core 0 is the proxy's; its cost is the same in (a)
#                       and (b).
# One Caddy process serves every site: (a) on one port, (b) on one port per
# provider, so (a) and (b) share the warm process. Every wrk run sends the
# same signed request (the bytes of `caddy webhook sign`, or for hmac an
# openssl-signed one when that command is missing) to (a) or (b).
# Rounds alternate the order of (a) and (b); the table shows medians.
#
# Replay protection: the rows token, dedup-memory and dedup-redis are the
# same token-verified route without dedup, with dedup on the memory store
# and with dedup on a redis-server started here on 127.0.0.1 (on the load
# core). Every request of those rows carries a new body (a sequence number
# written by wrk's Lua script), so each one is a new event that dedup
# reserves and commits: compare their b rows with each other.
#
# Environment (defaults in brackets):
#   CADDY_BIN    caddy binary to test [bin/caddy, built when missing]
#   DURATION     one measured run [5s]      WARMUP  warm-up run [1s]
#   ROUNDS       A/B rounds [3]             CONNECTIONS  [64]
#   SIZES        body sizes in bytes ["1024 65536"]
#   PROVIDERS    ["hmac numipay opay token dedup-memory dedup-redis"]; one
#                missing from the binary is skipped (dedup-redis also needs
#                redis-server)
#   CADDY_CPU, LOAD_CPU  cores [0, 1]
#   OUT          directory for the raw wrk output and logs [a temp dir]
#
# Columns: req/s, p50 and p99 latency (wrk, as seen by the client), Caddy
# CPU-µs per request (utime+stime of the Caddy under test from
# /proc/<pid>/stat over the run, divided by the requests completed), b/a
# (throughput of b over a, same provider and size), b/f (over the header
# floor) and, for hmac, b/(a+h) and b/(f+h): the bare proxy's and the
# header floor's CPU per request plus one HMAC-SHA256 pass over the body
# (h, go test -bench on Caddy's core), over b's: what webhook_verify costs
# beyond the work it cannot avoid (1.00: nothing more).
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SIZES=${SIZES:-"1024 65536"}
PROVIDERS=${PROVIDERS:-"hmac numipay opay token dedup-memory dedup-redis"}
CADDY_CPU=${CADDY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

log() { printf '%s\n' "$*" >&2; }
die() { log "bench-load: $*"; exit 1; }

# --- tools -----------------------------------------------------------------

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null 2>&1; then sudo "$@"
	else die "need root to run: $*"
	fi
}

if ! command -v wrk >/dev/null 2>&1; then
	log "installing wrk (Debian package)…"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
		{ as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
		die "could not install wrk: apt-get install wrk"
fi
command -v taskset >/dev/null 2>&1 || die "taskset (util-linux) is missing"

if [ -z "${CADDY_BIN:-}" ]; then
	CADDY_BIN=$PWD/bin/caddy
	[ -x "$CADDY_BIN" ] || go build -o "$CADDY_BIN" ./cmd/caddy
fi
[ -x "$CADDY_BIN" ] || die "CADDY_BIN=$CADDY_BIN is not executable"

ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
	log "warning: $ncpu CPU: Caddy and the load generator share it"
	CADDY_CPU=0 LOAD_CPU=0
fi

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/bench-load.XXXXXX")}
mkdir -p "$OUT"
CLK_TCK=$(getconf CLK_TCK)

# --- processes ---------------------------------------------------------------

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port sets $port to a free port (not in a subshell: it counts on).
# Below the kernel's ephemeral range (32768 and up), where a connection
# elsewhere may hold a port between the check and the bind.
next_port=$((10000 + RANDOM % 20000))
free_port() {
	while ! port_free "$next_port"; do next_port=$((next_port + 1)); done
	port=$next_port
	next_port=$((next_port + 1))
}

# wait_port <port> <pid>
wait_port() {
	for _ in $(seq 100); do
		port_free "$1" || return 0
		kill -0 "$2" 2>/dev/null || die "caddy exited: $(tail -3 "$OUT"/*.log)"
		sleep 0.1
	done
	die "nothing listens on port $1; see $OUT/*.log"
}

# Secrets for this benchmark only.
export BENCH_HMAC_SECRET=bench-hmac-secret-0123456789
export BENCH_NUMIPAY_SECRET=spg_test_benchxxxxxxxxxxxxxxxxxxxxxxxxxxxx
export BENCH_OPAY_SECRET=OPAYPRV16498196872570.13953388019021462
export BENCH_TOKEN=bench-token-0123456789abcdef
# The Go caches stay the user's: hash_us builds a benchmark after HOME moves.
GO_CACHES=("GOCACHE=$(go env GOCACHE 2>/dev/null || true)" "GOMODCACHE=$(go env GOMODCACHE 2>/dev/null || true)" "GOPATH=$(go env GOPATH 2>/dev/null || true)")
export HOME=$OUT XDG_CONFIG_HOME=$OUT XDG_DATA_HOME=$OUT

# Providers present in the binary.
modules=$("$CADDY_BIN" list-modules 2>/dev/null)
have_sign=false
"$CADDY_BIN" webhook sign --help >/dev/null 2>&1 && have_sign=true
# verifier <row> is the provider module behind a row.
verifier() {
	case $1 in
	dedup-*) echo token ;;
	*) echo "$1" ;;
	esac
}
# unique <row>: does every request of the row carry a new body?
unique() { [ "$(verifier "$1")" = token ]; }

providers=()
for p in $PROVIDERS; do
	if [ "$p" = dedup-redis ] && ! command -v redis-server >/dev/null 2>&1; then
		log "skipping $p: redis-server is missing (apt-get install redis-server)"
		continue
	fi
	if grep -qx "http.webhook_verify.verifiers.$(verifier "$p")" <<<"$modules"; then
		if [ "$p" != hmac ] && ! unique "$p" && ! $have_sign; then
			log "skipping $p: this caddy has no 'webhook sign' command"
			continue
		fi
		providers+=("$p")
	else
		log "skipping $p: not in $CADDY_BIN (add it to imports.go)"
	fi
done
[ ${#providers[@]} -gt 0 ] || die "no provider to benchmark"

# Caddyfile subdirectives of each provider, also given to `webhook sign`.
provider_lines() {
	case $1 in
	hmac) printf '%s\n' "header X-Signature" "prefix sha256=" ;;
	numipay | opay) ;;
	token) printf '%s\n' "header X-Token" ;;
	dedup-memory) printf '%s\n' "header X-Token" "dedup" ;;
	dedup-redis) printf '%s\n' "header X-Token" "dedup {" "	store redis {" "		address 127.0.0.1:$redis_port" "	}" "}" ;;
	*) die "unknown provider $1" ;;
	esac
}
provider_secret() {
	case $1 in
	hmac) echo '{env.BENCH_HMAC_SECRET}' ;;
	numipay) echo '{env.BENCH_NUMIPAY_SECRET}' ;;
	opay) echo '{env.BENCH_OPAY_SECRET}' ;;
	token | dedup-*) echo '{env.BENCH_TOKEN}' ;;
	esac
}

redis_port=
if [[ " ${providers[*]} " == *" dedup-redis "* ]]; then
	free_port
	redis_port=$port
	taskset -c "$LOAD_CPU" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$OUT" >"$OUT/redis.log" 2>&1 &
	pids+=("$!")
	wait_port "$redis_port" "$!"
fi

free_port
upstream_port=$port
cat >"$OUT/upstream.Caddyfile" <<EOF
{
	admin off
	persist_config off
}
http://127.0.0.1:$upstream_port {
	bind 127.0.0.1
	respond 200
}
EOF

free_port
bare_port=$port
free_port
floor_port=$port
declare -A verify_port
for p in "${providers[@]}"; do
	free_port
	verify_port[$p]=$port
done
{
	printf '{\n\tadmin off\n\tpersist_config off\n}\n'
	printf 'http://127.0.0.1:%s {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:%s\n}\n' "$bare_port" "$upstream_port"
	# The header floor: a bare reverse_proxy that adds the headers
	# webhook_verify adds (binary envelope), with header_up.
	printf 'http://127.0.0.1:%s {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:%s {\n' "$floor_port" "$upstream_port"
	for hdr in "Webhook-Verified true" "Ce-Specversion 1.0" "Ce-Id evt_01HZX3K9Q2" "Ce-Source /webhook_verify/hmac" \
		"Ce-Type payment.updated" "Ce-Time 2025-05-07T06:20:46Z" "Ce-Provider hmac" "Ce-Paymentstatus succeeded" \
		"Ce-Amount 49160.00" "Ce-Currency NGN" "Ce-Reference order-10023"; do
		printf '\t\theader_up %s\n' "$hdr"
	done
	printf '\t}\n}\n'
	for p in "${providers[@]}"; do
		printf 'http://127.0.0.1:%s {\n\tbind 127.0.0.1\n\twebhook_verify %s {\n\t\tsecret %s\n' "${verify_port[$p]}" "$(verifier "$p")" "$(provider_secret "$p")"
		provider_lines "$p" | sed 's/^/\t\t/'
		printf '\t}\n\treverse_proxy 127.0.0.1:%s\n}\n' "$upstream_port"
	done
} >"$OUT/caddy.Caddyfile"

taskset -c "$LOAD_CPU" "$CADDY_BIN" run --adapter caddyfile --config "$OUT/upstream.Caddyfile" >"$OUT/upstream.log" 2>&1 &
upstream_pid=$!
pids+=("$upstream_pid")
taskset -c "$CADDY_CPU" "$CADDY_BIN" run --adapter caddyfile --config "$OUT/caddy.Caddyfile" >"$OUT/caddy.log" 2>&1 &
caddy_pid=$!
pids+=("$caddy_pid")
wait_port "$upstream_port" "$upstream_pid"
wait_port "$bare_port" "$caddy_pid"
wait_port "$floor_port" "$caddy_pid"
for p in "${providers[@]}"; do wait_port "${verify_port[$p]}" "$caddy_pid"; done

# --- requests ----------------------------------------------------------------

# make_body <provider> <size> writes a provider-shaped JSON body of about
# <size> bytes (exactly, before a provider that embeds its signature adds it).
make_body() {
	local head tail pad
	case $1 in
	hmac | token | dedup-*)
		head='{"id":"evt_01HZX3K9Q2","type":"payment.updated","created_at":"2025-05-07T06:20:46Z","data":{"reference":"order-10023","status":"SUCCESS","amount":"49160.00","currency":"NGN","note":"'
		tail='"}}' ;;
	numipay)
		head='{"transaction_id":"r21nmrtpcmrcava","user_id":"1111222","tracking_id":"b8f04416-116a-11ed-861d-0242ac120002","status":"successful","currency":"GBP","amount":"200.00","transaction_type":"deposit","note":"'
		tail='"}' ;;
	opay)
		head='{"payload":{"amount":"49160","channel":"Web","country":"NG","currency":"NGN","displayedFailure":"","fee":"737","feeCurrency":"NGN","instrumentType":"BankCard","reference":"10023","refunded":false,"status":"SUCCESS","timestamp":"2022-05-07T06:20:46Z","token":"220507145660712931829","transactionId":"220507145660712931829","updated_at":"2022-05-07T07:20:46Z","note":"'
		tail='"},"type":"transaction-status"}' ;;
	esac
	pad=$(($2 - ${#head} - ${#tail}))
	[ "$pad" -ge 0 ] || pad=0
	{
		printf '%s' "$head"
		head -c "$pad" /dev/zero | tr '\0' x
		printf '%s' "$tail"
	}
}

# sign <provider> <body file> <out file>: the raw signed HTTP request.
sign() {
	local p=$1 body=$2 out=$3 args=()
	if unique "$p"; then
		{
			printf 'POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
			printf 'X-Token: %s\r\n\r\n' "$BENCH_TOKEN"
			cat "$body"
		} >"$out"
		return
	fi
	if $have_sign; then
		args=(--secret "$(provider_secret "$p")")
		while IFS= read -r line; do args+=(--set "$line"); done < <(provider_lines "$p")
		"$CADDY_BIN" webhook sign "$p" "${args[@]}" --body "$body" --url "http://127.0.0.1/hooks" >"$out" 2>>"$OUT/sign.log" ||
			die "webhook sign $p failed: $(tail -3 "$OUT/sign.log")"
		return
	fi
	# hmac without the sign command: the same request, signed by openssl.
	local sig
	sig=$(openssl dgst -sha256 -hmac "$BENCH_HMAC_SECRET" -hex <"$body" | sed 's/^.*= *//')
	{
		printf 'POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
		printf 'X-Signature: sha256=%s\r\n\r\n' "$sig"
		cat "$body"
	} >"$out"
}

# wrk sends the raw request file named by BENCH_REQUEST, unchanged (wrk sets
# Host and Content-Length itself).
cat >"$OUT/request.lua" <<'EOF'
local f = assert(io.open(os.getenv("BENCH_REQUEST"), "rb"))
local raw = f:read("*a")
f:close()
local s, e = raw:find("\r\n\r\n", 1, true)
if not s then s, e = raw:find("\n\n", 1, true) end
local head, body = raw:sub(1, s - 1), raw:sub(e + 1)
local headers, first = {}, true
for line in head:gmatch("[^\r\n]+") do
	if first then
		local method, target = line:match("^(%u+)%s+(%S+)%s+HTTP/")
		wrk.method = method
		wrk.path = target:gsub("^https?://[^/]+", "")
		first = false
	else
		local name, value = line:match("^([^:]+):%s*(.*)$")
		local lower = name:lower()
		if lower ~= "host" and lower ~= "content-length" then headers[name] = value end
	end
end
wrk.headers = headers
wrk.body = body

-- BENCH_UNIQUE=<run id>: every request gets a new body of the same length,
-- its first bytes replaced by {"id":"<run id>-<sequence number>",
local run = os.getenv("BENCH_UNIQUE")
if run and run ~= "" then
	local rest = body:sub(body:find(",", 1, true) + 1)
	local n = 0
	request = function()
		n = n + 1
		return wrk.format(nil, nil, nil, string.format('{"id":"%s-%012d",', run, n) .. rest)
	end
end
EOF

cpu_ticks() { awk '{print $14 + $15}' "/proc/$caddy_pid/stat"; }

# to_ms <wrk duration> prints milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.3f", n }'
}

# run <request file> <port> <duration> <raw output> [unique]: prints
# "req/s p50ms p99ms cpu_us_per_req". With unique, every request carries a
# new body.
run() {
	local before after unique_id=
	[ -n "${5:-}" ] && unique_id=$(date +%s%N) # runs are in subshells: no counter
	before=$(cpu_ticks)
	BENCH_UNIQUE=$unique_id BENCH_REQUEST=$1 taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$3" --latency -s "$OUT/request.lua" \
		"http://127.0.0.1:$2" >"$4" 2>&1 || die "wrk failed: $(cat "$4")"
	after=$(cpu_ticks)
	local requests rps p50 p99 bad
	requests=$(awk '/requests in/ {print $1}' "$4")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$4")
	p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$4")")
	p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$4")")
	bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$4")
	[ -z "$bad" ] || die "$bad responses were not 2xx in $4: the request is not accepted"
	if grep -q "Socket errors" "$4"; then log "note: $(grep 'Socket errors' "$4") in $4"; fi
	[ "${requests:-0}" -gt 0 ] || die "no request completed: $4"
	echo "$rps $p50 $p99 $(awk -v d=$((after - before)) -v n="$requests" -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}')"
}

# median reads numbers, one a line.
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

log "caddy under test: pid $caddy_pid on core $CADDY_CPU; wrk and upstream on core $LOAD_CPU"
log "runs: $DURATION each, $ROUNDS rounds, $CONNECTIONS connections; raw output in $OUT"

results=$OUT/results.txt
: >"$results"
for size in $SIZES; do
	for p in "${providers[@]}"; do
		make_body "$p" "$size" >"$OUT/body-$p-$size"
		# Warm both modes up (and fail early if the request is refused).
		sign "$p" "$OUT/body-$p-$size" "$OUT/req-$p-$size.http"
		u=; unique "$p" && u=unique
		run "$OUT/req-$p-$size.http" "$bare_port" "$WARMUP" "$OUT/warm-$p-$size-a.txt" $u >/dev/null
		run "$OUT/req-$p-$size.http" "$floor_port" "$WARMUP" "$OUT/warm-$p-$size-f.txt" $u >/dev/null
		run "$OUT/req-$p-$size.http" "${verify_port[$p]}" "$WARMUP" "$OUT/warm-$p-$size-b.txt" $u >/dev/null
	done
done
for round in $(seq "$ROUNDS"); do
	modes="a f b"
	[ $((round % 2)) -eq 0 ] && modes="b f a"
	for size in $SIZES; do
		for p in "${providers[@]}"; do
			# Sign afresh each round, for providers with a signed timestamp.
			sign "$p" "$OUT/body-$p-$size" "$OUT/req-$p-$size.http"
			for mode in $modes; do
				case $mode in
				a) port=$bare_port ;;
				f) port=$floor_port ;;
				b) port=${verify_port[$p]} ;;
				esac
				u=; unique "$p" && u=unique
				line=$(run "$OUT/req-$p-$size.http" "$port" "$DURATION" "$OUT/run-$round-$p-$size-$mode.txt" $u)
				echo "$p $size $mode $round $line" >>"$results"
				log "round $round: $p $size $mode: $line"
			done
		done
	done
done

# --- table -------------------------------------------------------------------

# hash_us <size>: CPU-µs of one HMAC-SHA256 pass over size bytes, on
# Caddy's core.
hash_us() {
	env "${GO_CACHES[@]}" BENCH_BODY_SIZE="$1" taskset -c "$CADDY_CPU" go test -run '^$' -bench 'BareHMACSHA256Size$' -benchtime 20000x ./verifiers/generic 2>/dev/null |
		awk '/ns\/op/ {for (i = 1; i < NF; i++) if ($(i + 1) == "ns/op") printf "%.1f", $i / 1000}'
}

declare -A med
printf '\n%-12s %6s  %-19s %9s %9s %9s %12s %6s %6s  %s\n' provider body mode "req/s" "p50 ms" "p99 ms" "CPU-us/req" "b/a" "b/f" "b/(a+h) b/(f+h)"
for p in "${providers[@]}"; do
	for size in $SIZES; do
		label=$((size / 1024))KiB
		for mode in a f b; do
			for col in 5 6 7 8; do
				med[$mode$col]=$(awk -v p="$p" -v s="$size" -v m="$mode" -v c="$col" '$1 == p && $2 == s && $3 == m {print $c}' "$results" | median)
			done
		done
		ratio=$(awk -v a="${med[a5]}" -v b="${med[b5]}" 'BEGIN {printf "%.2f", b / a}')
		floor=$(awk -v f="${med[f5]}" -v b="${med[b5]}" 'BEGIN {printf "%.2f", b / f}')
		hashed=
		if [ "$p" = hmac ] && h=$(hash_us "$size") && [ -n "$h" ]; then
			hashed=$(awk -v a="${med[a8]}" -v f="${med[f8]}" -v h="$h" -v b="${med[b8]}" 'BEGIN {printf "%.2f %.2f", (a + h) / b, (f + h) / b}')
			hashed="$hashed (h=${h}us)"
		fi
		printf '%-12s %6s  %-19s %9.0f %9.2f %9.2f %12.1f %6s %6s %8s\n' "$p" "$label" "a reverse_proxy" "${med[a5]}" "${med[a6]}" "${med[a7]}" "${med[a8]}" "" "" ""
		printf '%-12s %6s  %-19s %9.0f %9.2f %9.2f %12.1f %6s %6s %8s\n' "$p" "$label" "f +header_up floor" "${med[f5]}" "${med[f6]}" "${med[f7]}" "${med[f8]}" "" "" ""
		printf '%-12s %6s  %-19s %9.0f %9.2f %9.2f %12.1f %6s %6s %8s\n' "$p" "$label" "b +webhook_verify" "${med[b5]}" "${med[b6]}" "${med[b7]}" "${med[b8]}" "$ratio" "$floor" "$hashed"
	done
done
printf '\nmedians of %s rounds of %s; %s connections; Caddy on core %s, wrk and upstream on core %s\n' \
	"$ROUNDS" "$DURATION" "$CONNECTIONS" "$CADDY_CPU" "$LOAD_CPU"
