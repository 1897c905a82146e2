#!/bin/sh
# `make fuzz`: builds the libFuzzer targets (fuzz/fuzz_*.c) against every
# library source of src/ compiled with clang, coverage, ASan and UBSan, and
# runs each briefly on a copy of its seed corpus (fuzz/corpus/NAME/).  The
# seeds in the repository are never written to; inputs the fuzzer finds go
# to a temporary corpus removed at the end.
#
# Any crash, sanitizer report, leak, timeout or out-of-memory fails the run:
# the offending input is kept under build/fuzz/artifacts/NAME/ and its path
# printed.  Replay one with: build/fuzz/fuzz_NAME PATH
#
# Environment: FUZZ_SECONDS (30 per target), FUZZ_TARGETS ("json router csv import
# withholding statement"),
# BUILD (build), FUZZ_CC (clang).
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
OUT=$BUILD/fuzz
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGETS=${FUZZ_TARGETS:-json router csv import withholding statement}
# The Makefile's PKGS: every library the sources of src/ link with.
PKGS="libmicrohttpd jansson sqlite3 libpq libcrypto libsodium libarchive xlsxwriter pangocairo libqrencode libcurl"
JOBS=$(nproc 2>/dev/null || echo 2)

die() {
	echo "fuzz: $*" >&2
	exit 1
}

case $FUZZ_SECONDS in
'' | *[!0-9]* | 0) die "FUZZ_SECONDS must be a whole number of seconds, at least 1" ;;
esac
command -v "$FUZZ_CC" >/dev/null 2>&1 || die "$FUZZ_CC not found (scripts/setup.sh installs clang)"
for t in $FUZZ_TARGETS; do
	[ -f "fuzz/fuzz_$t.c" ] || die "no target fuzz/fuzz_$t.c"
done

work=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# shellcheck disable=SC2086 # PKGS is a list
pkg_cflags=$(pkg-config --cflags $PKGS) || die "pkg-config: missing development packages"
# shellcheck disable=SC2086
pkg_libs=$(pkg-config --libs $PKGS)
# Coverage for the library, sanitizers everywhere; UB stops the run as a crash.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS_FUZZ="-std=c17 -D_GNU_SOURCE -g -O1 $SAN -Isrc -I$OUT/gen $pkg_cflags"
export FUZZ_CC CFLAGS_FUZZ OUT

# The library: every source of src/ but the command line's main(), and the
# embedded migrations.  An archive, so each target takes only what it needs.
echo "fuzz: building the library with $FUZZ_CC (ASan, UBSan, coverage)"
rm -rf "$OUT/obj" "$OUT/libanju-fuzz.a"
mkdir -p "$OUT/gen" "$OUT/obj"
sh scripts/embed-sql.sh sql/*.sql >"$OUT/gen/migrations.c.tmp"
mv "$OUT/gen/migrations.c.tmp" "$OUT/gen/migrations.c"
srcs=$(find src -name '*.c' ! -path src/cli/main.c | sort)
# shellcheck disable=SC2016,SC2086 # srcs is a list; the script expands its own $1
printf '%s\n' $srcs "$OUT/gen/migrations.c" | xargs -P "$JOBS" -n 1 sh -c '
	o="$OUT/obj/$(echo "$1" | tr / _).o"
	# shellcheck disable=SC2086
	$FUZZ_CC -DANJU_VERSION=\"fuzz\" $CFLAGS_FUZZ -fsanitize=fuzzer-no-link -w -c -o "$o" "$1" ||
		{ echo "fuzz: cannot compile $1" >&2; exit 255; }
' sh || die "the library does not compile"
ar rcs "$OUT/libanju-fuzz.a" "$OUT"/obj/*.o

for t in $FUZZ_TARGETS; do
	# shellcheck disable=SC2086
	$FUZZ_CC $CFLAGS_FUZZ -fsanitize=fuzzer -Wall -Wextra -Werror -o "$OUT/fuzz_$t" \
		"fuzz/fuzz_$t.c" "$OUT/libanju-fuzz.a" $pkg_libs -lpthread -lm ||
		die "cannot build fuzz_$t"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/anju-fuzz.XXXXXX")
if command -v llvm-symbolizer >/dev/null 2>&1; then
	ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
	export ASAN_SYMBOLIZER_PATH
fi
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

failed=0
summary=""
for t in $FUZZ_TARGETS; do
	max_len=65536
	[ "$t" = router ] && max_len=4096
	mkdir -p "$work/$t" "$OUT/artifacts/$t"
	[ -d "fuzz/corpus/$t" ] && cp -R "fuzz/corpus/$t/." "$work/$t/"
	log=$OUT/fuzz_$t.log
	echo "fuzz: $t for ${FUZZ_SECONDS} s (log: $log)"
	rc=0
	# The outer timeout only guards against a fuzzer that ignores its own.
	# Scratch files of a target go under $work, removed even after a crash.
	mkdir -p "$work/tmp"
	TMPDIR="$work/tmp" timeout -k 10 $((FUZZ_SECONDS + 300)) "$OUT/fuzz_$t" \
		-max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -max_len="$max_len" \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
		"$work/$t" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/^#[0-9].* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	files=$(find "$work/$t" -type f | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ]; then
		status=ok
	else
		failed=$((failed + 1))
		status="FAILED (exit $rc)"
		echo "fuzz: $t FAILED; the report:" >&2
		# The sanitizer's report, from its first line, bounded.
		awk '/^==[0-9]+==|runtime error|^ALARM|^fuzz_/ { on = 1 } on' "$log" |
			head -n 60 | sed 's/^/  /' >&2
		inputs=$(sed -n 's/.*Test unit written to //p' "$log")
		if [ -n "$inputs" ]; then
			for i in $inputs; do
				echo "fuzz: $t crashing input: $i (replay: $OUT/fuzz_$t $i)" >&2
			done
		else
			echo "fuzz: $t: no input was written; see $log" >&2
		fi
	fi
	summary="$summary$(printf '%-11s %12s execs  cov %-6s corpus %-6s %s' "$t" \
		"${execs:-?}" "${cov:-?}" "$files" "$status")
"
done

printf '\nfuzz: %s s per target\n%s' "$FUZZ_SECONDS" "$summary"
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed target(s) failed" >&2
	exit 1
fi
exit 0
