#!/bin/sh
# `make bench`, counter payments (issue 5 §7): BENCH_PAYMENTS (20,000) cash
# payments through the service layer, each in its own transaction, beside
# bare inserts of the same rows, one transaction per payment, in the same run
# (bench/payments.c): the service at most 2x as long.  Both sides run on
# SQLite with the production settings (WAL, synchronous=FULL) in a scratch
# folder on the same disk, so both are bound by its sync time.
#
# Figures only: a missed target prints "below target" and the script exits 0;
# it exits 1 only when it cannot measure.  BENCH_HOUSEHOLDS (2,000): the
# households the payments go to in turn.
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PAYMENTS=$BUILD/bench/payments

. bench/lib.sh

[ -x "$PAYMENTS" ] || die "$PAYMENTS not found: make $PAYMENTS"

TMPDIR=$tmp "$PAYMENTS" "${BENCH_PAYMENTS:-20000}" "${BENCH_HOUSEHOLDS:-2000}" ||
	die "the counter payments could not be measured"
exit 0
