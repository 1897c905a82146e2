#!/bin/sh
# `make bench`, the bureau's vacancy report (issue 8 §7): with BENCH_ROWS
# (1,000,000) generated units (bench/fill.c, every one vacant) on SQLite,
# the time of GET /api/v1/reports/vacant-units: the first page (50 units,
# longest vacant first, with the count of vacant units per community in
# scope) for the bureau over every community, and for one community.
# Target: under 1 s, the first request after start (cold) included.
#
# Figures only: a missed target prints "below target" and the script exits
# 0; it exits 1 only when it cannot measure.  BENCH_DATA=DIR reuses the
# filled data directory of bench/housing.sh (filling takes minutes).
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ANJU=$BUILD/anju
FILL=$BUILD/bench/fill
ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-5}
HEALTH=/api/v1/health

. bench/lib.sh

[ -x "$ANJU" ] || die "$ANJU not found: run make all first"
[ -x "$FILL" ] || die "$FILL not found: make $FILL"

data=${BENCH_DATA:-$tmp/big}
if [ ! -f "$data/filled" ]; then
	rm -rf "$data"
	"$ANJU" init --data "$data" >"$tmp/init.out" 2>&1 || die "anju init failed: $(cat "$tmp/init.out")"
	echo "bench: filling $ROWS units and $ROWS households (takes a few minutes)" >&2
	"$FILL" db "$data" "$ROWS" "$ROWS" >"$data/samples" || die "fill failed"
	touch "$data/filled"
fi
key=$("$ANJU" apikey create --data "$data" --role bureau --name "vacancy-$$" --all-communities |
	tail -n 1)
units=$(sqlite3 "$data/anju.db" "SELECT COUNT(*) FROM unit" 2>/dev/null || echo "$ROWS")

start anju "$ANJU" serve --data "$data" --listen 127.0.0.1:0 --log-level warn --threads 2

# timed PATH: seconds for one GET (fails on anything but 200).
timed() {
	out=$(curl -s -o "$tmp/body.json" -w '%{http_code} %{time_total}' --max-time 60 \
		-H "Authorization: Bearer $key" "http://127.0.0.1:$port$1") || die "curl $1 failed"
	[ "${out%% *}" = 200 ] || die "$1: HTTP ${out%% *}: $(head -c 300 "$tmp/body.json")"
	echo "${out#* }"
}

# slowest PATH: the first (cold) time and the slowest of RUNS more.
slowest() {
	cold=$(timed "$1")
	worst=0
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t=$(timed "$1")
		worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
		i=$((i + 1))
	done
	echo "$cold $worst"
}

# shellcheck disable=SC2046 # two words: cold and slowest warm
set -- $(slowest /api/v1/reports/vacant-units)
all_cold=$1
all_warm=$2
total=$(sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$tmp/body.json")
# shellcheck disable=SC2046
set -- $(slowest "/api/v1/reports/vacant-units?community_id=1")
one_cold=$1
one_warm=$2

awk -v units="$units" -v total="${total:-?}" -v ac="$all_cold" -v aw="$all_warm" \
	-v oc="$one_cold" -v ow="$one_warm" -v runs="$RUNS" '
function status(ok) { missed += !ok; return ok ? "ok" : "below target" }
BEGIN {
	printf "anju vacancy report bench: %d units (SQLite), %s vacant; cold, then slowest of %d\n",
	       units, total, runs
	printf "%-26s cold %6.0f ms  warm %6.0f ms  target < 1000 ms  %s\n",
	       "vacant units, first page", ac * 1000, aw * 1000, status(ac < 1 && aw < 1)
	printf "%-26s cold %6.0f ms  warm %6.0f ms  target < 1000 ms  %s\n",
	       "  one community", oc * 1000, ow * 1000, status(oc < 1 && ow < 1)
	if (missed)
		printf "bench: %d figure(s) below target\n", missed
}'
exit 0
