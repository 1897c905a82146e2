# Shared by the benchmark scripts (sourced): starting servers and reading
# wrk's figures.  The caller sets ANJU, CONNECTIONS, SECONDS_PER_RUN and
# HEALTH first, and gets $tmp, a scratch folder removed on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anju-bench.XXXXXX")
pids=""

die() {
	echo "bench: $*" >&2
	exit 1
}

# Stops every server this script started: SIGTERM, then SIGKILL after 5 s.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $pids; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pids=""
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# start NAME CMD...: runs CMD in the background, waits (10 s at most) for its
# "listening on port N" line, and sets $port and $pid.
start() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	port=""
	n=0
	while [ $n -lt 100 ]; do
		port=$(sed -n 's/^listening on port \([0-9][0-9]*\)$/\1/p' "$tmp/$name.out")
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	sed 's/^/  /' "$tmp/$name.err" >&2
	die "$name did not start listening"
}

# load PORT SECONDS OUT [PATH [HEADER]]: one wrk run (the health path by
# default), bounded.
load() {
	if [ -n "${5:-}" ]; then
		timeout $(($2 + 30)) wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency -H "$5" \
			"http://127.0.0.1:$1${4:-$HEALTH}" >"$3" 2>&1 || die "wrk failed: $(cat "$3")"
	else
		timeout $(($2 + 30)) wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency \
			"http://127.0.0.1:$1${4:-$HEALTH}" >"$3" 2>&1 || die "wrk failed: $(cat "$3")"
	fi
}

# best PORT NAME PATH HEADER: the best of two runs of an authenticated path;
# sets $best and $best_p99.
best() {
	best=0
	best_p99="?"
	for round in 1 2; do
		load "$1" "$SECONDS_PER_RUN" "$tmp/$2-$round.txt" "$3" "$4"
		check_errors "$2" "$tmp/$2-$round.txt"
		r=$(rps "$tmp/$2-$round.txt")
		if [ "${r:-0}" -gt "$best" ]; then
			best=$r
			best_p99=$(p99 "$tmp/$2-$round.txt")
		fi
	done
}

# Requests/sec of a wrk output, as a whole number.
rps() {
	awk '/^Requests\/sec:/ { printf "%d\n", $2 + 0.5 }' "$1"
}

# The 99th percentile latency of a wrk --latency output, in ms.
p99() {
	awk '$1 == "99%" {
		v = $2 + 0
		if ($2 ~ /us$/) v /= 1000
		else if ($2 ~ /ms$/) v = v
		else if ($2 ~ /m$/) v *= 60000
		else if ($2 ~ /s$/) v *= 1000
		printf "%.2f\n", v
	}' "$1"
}

# Warns when a run saw errors: its throughput would not be the health path's.
check_errors() {
	if grep -q -e 'Non-2xx' -e 'Socket errors' "$2"; then
		echo "bench: warning: $1 run had errors:" >&2
		grep -e 'Non-2xx' -e 'Socket errors' "$2" | sed 's/^/  /' >&2
	fi
}

vmrss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

