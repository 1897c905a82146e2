#!/bin/sh
# Runs every test and ends with one summary line, "N passed, N failed":
#   1. unit tests (cmocka) of the ASan/UBSan build;
#   2. the storage-facing unit suites again on a private PostgreSQL cluster;
#   3. the API tests against a real `anju serve`, on SQLite and on PostgreSQL;
#   4. the browser tests of the web console (web/dist, built by `make web`) in
#      Debian's headless Chromium, against a real `anju serve` on SQLite.
#      Their screenshots are left in build/screenshots/.
# Exits non-zero when anything failed.  Called by `make test` after the builds.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ASAN_BIN=build/asan
TMP=$(mktemp -d /tmp/anju-test.XXXXXX)
# The PostgreSQL cluster inside runs as another user, who must reach its folder.
chmod 711 "$TMP"
OUT=$TMP/out
mkdir -p "$OUT"
passed=0
failed=0
failures=""
export ANJU_PASSWORD_MEMLIMIT_KIB=8192 ANJU_PASSWORD_OPSLIMIT=1
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Suites that talk to a database; they run again on PostgreSQL.
DB_SUITES="test_store test_backup test_jobs test_http test_pii test_audit test_access test_files test_housing test_household test_transfer test_demo test_payments test_receipt test_ledger test_application test_eligibility test_crosscheck test_recheck test_allocation test_handover test_lease test_rent_report test_rent_billing test_dunning test_collection test_reconcile test_patrol test_violation test_work_order test_upkeep_report test_upkeep_use"

cleanup() {
	[ -n "${ANJU_TEST_PG_DIR:-}" ] && sh tests/pg.sh stop "$TMP/pg" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# count LOG: adds cmocka's or node's counts from LOG to the totals.
count() {
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^ℹ pass \([0-9]*\)$/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^ℹ fail \([0-9]*\)$/\1/p' "$1" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

# suite NAME LOG CMD...: runs one suite, shows its output, counts it.
suite() {
	name=$1
	log=$2
	shift 2
	echo "== $name"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$log"
	# A check without a test runner counts as one test.
	if ! grep -q '^\[  PASSED  \]\|^\[  FAILED  \]\|^ℹ pass' "$log"; then
		[ $rc -eq 0 ] && passed=$((passed + 1))
	fi
	if [ $rc -ne 0 ]; then
		# A crash or sanitizer report may leave no count behind: count it as a failure.
		if ! grep -q '^\[  FAILED  \]\|^ℹ fail [1-9]' "$log"; then failed=$((failed + 1)); fi
		failures="$failures $name"
	fi
	echo "== $name: exit $rc in $(( $(date +%s) - start ))s"
}

suite "format (clang-format)" "$OUT/format.log" make -s check-fmt

for t in $ASAN_BIN/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	suite "unit $n (sqlite)" "$OUT/$n.log" "$t"
done

echo "== starting a private PostgreSQL cluster"
if eval "$(sh tests/pg.sh start "$TMP/pg")" && [ -n "${ANJU_TEST_PG_URL:-}" ]; then
	for n in $DB_SUITES; do
		[ -x "$ASAN_BIN/tests/$n" ] || continue
		suite "unit $n (postgresql)" "$OUT/$n.pg.log" env ANJU_TEST_DB_URL="$ANJU_TEST_PG_URL" "$ASAN_BIN/tests/$n"
	done
else
	echo "could not start PostgreSQL"
	failed=$((failed + 1))
	failures="$failures postgresql-cluster"
fi

for engine in sqlite postgresql; do
	if [ $engine = postgresql ] && [ -z "${ANJU_TEST_PG_URL:-}" ]; then continue; fi
	suite "api ($engine)" "$OUT/api.$engine.log" env ANJU_TEST_ENGINE=$engine ANJU_BIN="$ROOT/$ASAN_BIN/anju" \
		node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec tests/api/
done

suite "browser (sqlite)" "$OUT/browser.log" env ANJU_TEST_ENGINE=sqlite ANJU_BIN="$ROOT/$ASAN_BIN/anju" \
	node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec tests/browser/

echo
[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$failures" ]
