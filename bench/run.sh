#!/bin/sh
# `make bench`: anju's HTTP throughput beside a bare libmicrohttpd server in
# the same mode (bench/bare.c), and the memory of an idle server, each printed
# beside its target.  Run from the repository root after `make all`.
#
# The machine is small and shared (2 cores carry server and client alike), so
# absolute figures move 15-25% between runs (NOTES-performance.md): the target
# is the ratio anju/bare measured in one run.  The two servers alternate
# (bare, anju, bare, anju) and the better run of each counts.
#
# Benchmarks measure; they do not fail the build.  A missed target prints
# "below target" and the script still exits 0.  It exits 1 only when it
# cannot measure (no binary, no wrk, a server that does not start).
#
# Environment: BUILD (build), BENCH_SECONDS (10 per run), BENCH_CONNECTIONS (50).
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ANJU=$BUILD/anju
BARE=$BUILD/bench/bare
CC=${CC:-cc}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
# What `anju serve` picks on SQLite when threads is left at 0 (one per CPU);
# the bare server gets the same number.
THREADS=${BENCH_THREADS:-$(nproc)}
HEALTH=/api/v1/health
RATIO_TARGET=80		# percent: anju at least this share of bare's req/s
RSS_TARGET=20		# MB: an idle server stays under this

. bench/lib.sh

[ -x "$ANJU" ] || die "$ANJU not found: run make all first"
command -v wrk >/dev/null 2>&1 || die "wrk not found (scripts/setup.sh installs it)"
command -v pkg-config >/dev/null 2>&1 || die "pkg-config not found"

# The baseline, with the release build's flags.
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
$CC -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fstack-protector-strong -fPIE \
	-D_FORTIFY_SOURCE=2 $(pkg-config --cflags libmicrohttpd) -pie -Wl,-z,relro,-z,now \
	-o "$BARE" bench/bare.c $(pkg-config --libs libmicrohttpd) -lpthread ||
	die "cannot build $BARE"


# A few single requests, as a client would send before the server goes idle.
few_requests() {
	if command -v curl >/dev/null 2>&1; then
		for path in $HEALTH $HEALTH /api/v1/openapi.json $HEALTH /api/v1/nonexistent; do
			curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$1$path" || true
		done
	else
		timeout 10 wrk -t1 -c1 -d1s "http://127.0.0.1:$1$HEALTH" >/dev/null 2>&1 || true
	fi
}

# A fresh data directory and a fresh server.
"$ANJU" init --data "$tmp/data" >"$tmp/init.out" 2>&1 || {
	sed 's/^/  /' "$tmp/init.out" >&2
	die "anju init failed"
}
start anju "$ANJU" serve --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn \
	--threads "$THREADS"
anju_port=$port
anju_pid=$pid

# Idle memory first, while the server is fresh: a few requests, then quiet.
few_requests "$anju_port"
sleep 1
idle_kb=$(vmrss_kb "$anju_pid")

start bare "$BARE" 0 "$THREADS"
bare_port=$port

echo "bench: warm-up 2 s each, then 2 x ${SECONDS_PER_RUN} s per server, alternating" >&2
load "$bare_port" 2 "$tmp/warm-bare.txt"
load "$anju_port" 2 "$tmp/warm-anju.txt"

best_bare=0
best_anju=0
for round in 1 2; do
	load "$bare_port" "$SECONDS_PER_RUN" "$tmp/bare-$round.txt"
	check_errors bare "$tmp/bare-$round.txt"
	load "$anju_port" "$SECONDS_PER_RUN" "$tmp/anju-$round.txt"
	check_errors anju "$tmp/anju-$round.txt"
	r=$(rps "$tmp/bare-$round.txt")
	if [ "${r:-0}" -gt "$best_bare" ]; then
		best_bare=$r
		bare_p99=$(p99 "$tmp/bare-$round.txt")
	fi
	r=$(rps "$tmp/anju-$round.txt")
	if [ "${r:-0}" -gt "$best_anju" ]; then
		best_anju=$r
		anju_p99=$(p99 "$tmp/anju-$round.txt")
	fi
done
if [ "$best_bare" -eq 0 ] || [ "$best_anju" -eq 0 ]; then
	die "wrk reported no throughput"
fi
loaded_kb=$(vmrss_kb "$anju_pid")

# Authenticated: GET /api/v1/me with an API key and with a session cookie.
key=$("$ANJU" apikey create --data "$tmp/data" --role finance --name bench --all-communities |
	tail -n 1)
"$ANJU" user add --data "$tmp/data" --username benchuser --role finance --all-communities \
	--generate-password >"$tmp/user.out" 2>&1 || die "anju user add failed: $(cat "$tmp/user.out")"
pw=$(sed -n 's/^initial password.*: //p' "$tmp/user.out")
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"benchuser\",\"password\":\"$pw\"}" \
	"http://127.0.0.1:$anju_port/api/v1/session" | sed -n 's/^[Ss]et-[Cc]ookie: \(anju_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || die "could not sign in for the cookie run"
best "$anju_port" me-key /api/v1/me "Authorization: Bearer $key"
me_key=$best
me_key_p99=$best_p99
best "$anju_port" me-cookie /api/v1/me "Cookie: $cookie"
me_cookie=$best
me_cookie_p99=$best_p99

# The report: one line per figure beside its target.
awk -v anju="$best_anju" -v bare="$best_bare" -v ap99="${anju_p99:-?}" \
	-v bp99="${bare_p99:-?}" -v idle="$idle_kb" -v loaded="$loaded_kb" \
	-v rt="$RATIO_TARGET" -v mt="$RSS_TARGET" -v conns="$CONNECTIONS" -v th="$THREADS" \
	-v mk="$me_key" -v mkp="$me_key_p99" -v mc="$me_cookie" -v mcp="$me_cookie_p99" -v at=50 '
function commas(n,   s) {
	s = sprintf("%d", n)
	while (s ~ /[0-9][0-9][0-9][0-9]/)
		sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return s
}
BEGIN {
	ratio = 100 * anju / bare
	idle_mb = idle / 1024
	missed = 0
	printf "anju bench: wrk -t1 -c%d on 127.0.0.1, %d server threads, best of 2 runs\n", conns, th
	printf "%-15s %-14s p99 %s ms\n", "health", commas(anju) " req/s", ap99
	printf "%-15s %-14s p99 %s ms\n", "bare MHD", commas(bare) " req/s", bp99
	ok = ratio >= rt
	missed += !ok
	printf "%-15s %-14s target >= %d%%   %s\n", "health / bare", sprintf("%d%%", ratio), rt,
	       ok ? "ok" : "below target"
	ok = idle_mb < mt
	missed += !ok
	printf "%-15s %-14s target < %d MB  %s\n", "idle RSS", sprintf("%.1f MB", idle_mb), mt,
	       ok ? "ok" : "below target (too much memory)"
	printf "%-15s %-14s (after the runs; no target)\n", "loaded RSS",
	       sprintf("%.1f MB", loaded / 1024)
	printf "%-15s %-14s p99 %s ms\n", "me (API key)", commas(mk) " req/s", mkp
	ok = 100 * mk / bare >= at
	missed += !ok
	printf "%-15s %-14s target >= %d%%   %s\n", "me key / bare", sprintf("%d%%", 100 * mk / bare),
	       at, ok ? "ok" : "below target"
	printf "%-15s %-14s p99 %s ms\n", "me (cookie)", commas(mc) " req/s", mcp
	ok = 100 * mc / bare >= at
	missed += !ok
	printf "%-15s %-14s target >= %d%%   %s\n", "me cookie/bare", sprintf("%d%%", 100 * mc / bare),
	       at, ok ? "ok" : "below target"
	if (missed)
		printf "bench: %d figure(s) below target\n", missed
}'
exit 0
