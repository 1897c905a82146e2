#!/bin/sh
# `make bench`, reconciliation (issue 7 §9): a bank statement of
# BENCH_RECONCILE_LINES (100,000) lines matched against 10 open charges for
# each of BENCH_RECONCILE_HOUSEHOLDS (100,000) households, 1,000,000 open
# charges, on SQLite with the production settings (bench/reconcile.c).
# Target: the matching step under 2 s; the import and the posting of the
# exact matches' payments are printed beside it.
#
# Figures only: a missed target prints "below target" and the script exits
# 0; it exits 1 only when it cannot measure.
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
RECONCILE=$BUILD/bench/reconcile

. bench/lib.sh

[ -x "$RECONCILE" ] || die "$RECONCILE not found: make $RECONCILE"

TMPDIR=$tmp "$RECONCILE" "${BENCH_RECONCILE_LINES:-100000}" "${BENCH_RECONCILE_HOUSEHOLDS:-100000}" ||
	die "the reconciliation could not be measured"
exit 0
