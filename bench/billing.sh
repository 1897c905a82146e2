#!/bin/sh
# `make bench`, the billing run (issue 7 §9) on SQLite:
#
#   1. `anju bill` over BENCH_BILL_CHAINS (1,000,000) generated lease chains
#      (bench/billing_fixture.sh; a tenth prorated), with their ledger
#      entries, beside bare inserts of the same rows (every row the run
#      wrote: charges, rent lines, journals and entries, accounts, balances,
#      audit rows) into the same tables with their indexes, on a copy of the
#      database as it was before the run, over a connection set up as
#      anju's (WAL, foreign keys, a 256 MiB page cache), in one INSERT ...
#      SELECT per table.  Targets: the run at most 2× the bare inserts, and
#      under 15 s.
#   2. BENCH_BILL_KILLS (100) kills with BENCH_BILL_KILL_CHAINS (100,000)
#      chains: `anju bill` killed with SIGKILL at a point spread over its
#      running time, then run again to the end; each re-run must complete
#      the month (each on the database as filled), and `anju ledger check`
#      must pass after each.
#
# Figures only: a missed target prints "below target" and the script exits 0;
# it exits 1 only when it cannot measure (no binary, a failed fill, a run
# that does not complete, a ledger check that fails).
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ANJU=$BUILD/anju
CHAINS=${BENCH_BILL_CHAINS:-1000000}
KILLS=${BENCH_BILL_KILLS:-100}
KILL_CHAINS=${BENCH_BILL_KILL_CHAINS:-100000}
TARGET_S=15
TARGET_RATIO=2

. bench/lib.sh

[ -x "$ANJU" ] || die "$ANJU not found: run make all first"
command -v sqlite3 >/dev/null || die "sqlite3 (the command-line shell) is needed for the fixture"
export ANJU_PASSWORD_MEMLIMIT_KIB=8192 ANJU_PASSWORD_OPSLIMIT=1

# Next month in Asia/Shanghai and its 10th.
period=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-01) +1 month" +%Y-%m)
mid="$period-10"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
secs() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }
commas() { printf '%s' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

fill() { # DIR N
	rm -rf "$1"
	"$ANJU" init --data "$1" >"$tmp/init.out" 2>&1 || die "anju init failed: $(cat "$tmp/init.out")"
	sh bench/billing_fixture.sh "$1" "$2" "$mid" 2>"$tmp/fill.err" ||
		die "the fixture failed: $(cat "$tmp/fill.err")"
}

count() { # DIR SQL
	sqlite3 "$1/anju.db" "$2"
}

count_rows() { # DB: the rows of the tables the run writes to
	sqlite3 "$1" "SELECT (SELECT COUNT(*) FROM charge) + (SELECT COUNT(*) FROM rent_line) +
		(SELECT COUNT(*) FROM journal) + (SELECT COUNT(*) FROM journal_entry) +
		(SELECT COUNT(*) FROM ledger_account) + (SELECT COUNT(*) FROM ledger_balance) +
		(SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM billing_run) +
		(SELECT COUNT(*) FROM job)"
}

# --- 1. the run beside bare inserts ---
data=$tmp/bill
echo "bench: filling $(commas "$CHAINS") lease chains" >&2
fill "$data" "$CHAINS"
cp "$data/anju.db" "$tmp/before.db"
# The copy's gigabyte of dirty pages would be written back during the run.
sync
t0=$(date +%s%N)
"$ANJU" bill --data "$data" --period "$period" >"$tmp/bill.out" 2>"$tmp/bill.err" ||
	die "anju bill failed: $(tail -n 5 "$tmp/bill.err")"
run_ms=$(ms "$t0")
n=$(count "$data" "SELECT COUNT(*) FROM charge WHERE period = '$period'")
[ "$n" -eq "$CHAINS" ] || die "the run raised $n charges, not $CHAINS"
"$ANJU" ledger check --data "$data" >"$tmp/check.out" 2>&1 || die "the ledger check failed: $(head -n 20 "$tmp/check.out")"

# The same rows into the database as it was, with its indexes.
sqlite3 "$data/anju.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
rm -f "$tmp/before.db-wal" "$tmp/before.db-shm"
cat >"$tmp/bare.sql" <<EOF
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -262144;
ATTACH '$data/anju.db' AS b;
BEGIN;
INSERT INTO main.job SELECT * FROM b.job WHERE id > (SELECT COALESCE(MAX(id), 0) FROM main.job);
INSERT INTO main.billing_run SELECT * FROM b.billing_run;
INSERT INTO main.ledger_account SELECT * FROM b.ledger_account
	WHERE id > (SELECT COALESCE(MAX(id), 0) FROM main.ledger_account);
INSERT INTO main.charge SELECT * FROM b.charge;
INSERT INTO main.journal SELECT * FROM b.journal;
INSERT INTO main.journal_entry SELECT * FROM b.journal_entry;
INSERT INTO main.ledger_balance SELECT * FROM b.ledger_balance;
INSERT INTO main.rent_line SELECT * FROM b.rent_line;
INSERT INTO main.audit_log SELECT * FROM b.audit_log WHERE id > (SELECT COALESCE(MAX(id), 0) FROM main.audit_log);
COMMIT;
EOF
rows0=$(count_rows "$tmp/before.db")
sync
t0=$(date +%s%N)
sqlite3 -bail "$tmp/before.db" <"$tmp/bare.sql" >"$tmp/bare.out" 2>&1 || die "the bare inserts failed: $(cat "$tmp/bare.out")"
bare_ms=$(ms "$t0")
rows=$(($(count_rows "$tmp/before.db") - rows0))

ratio_x100=$((run_ms * 100 / (bare_ms > 0 ? bare_ms : 1)))
s1="ok"
[ "$ratio_x100" -gt $((TARGET_RATIO * 100)) ] && s1="below target"
s2="ok"
[ "$run_ms" -ge $((TARGET_S * 1000)) ] && s2="below target"
printf 'billing run of %s chains: %s s   target < %d s   %s\n' "$(commas "$CHAINS")" "$(secs "$run_ms")" "$TARGET_S" "$s2"
printf 'bare inserts of the same %s rows: %s s\n' "$(commas "$rows")" "$(secs "$bare_ms")"
printf 'billing run / bare inserts: %d.%02d×   target <= %d×   %s\n' $((ratio_x100 / 100)) $((ratio_x100 % 100)) "$TARGET_RATIO" "$s1"
rm -rf "$data" "$tmp/before.db"*

# --- 2. kills ---
data=$tmp/kill
echo "bench: $KILLS kills of anju bill over $(commas "$KILL_CHAINS") chains" >&2
fill "$data" "$KILL_CHAINS"
cp "$data/anju.db" "$tmp/pristine.db"
t0=$(date +%s%N)
"$ANJU" bill --data "$data" --period "$period" --chunk 2000 >/dev/null 2>&1 || die "the reference run failed"
took=$(ms "$t0")
[ "$took" -gt 20 ] || took=20
k=0
halfway=0
while [ "$k" -lt "$KILLS" ]; do
	# Each kill on the month unbilled: the database as filled.
	rm -f "$data/anju.db-wal" "$data/anju.db-shm"
	cp "$tmp/pristine.db" "$data/anju.db"
	delay=$((took * k / KILLS + $(od -An -N2 -tu2 /dev/urandom) % (took / KILLS + 1)))
	"$ANJU" bill --data "$data" --period "$period" --chunk 2000 >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	got=$(count "$data" "SELECT COUNT(*) FROM charge WHERE period = '$period'")
	[ "$got" -gt 0 ] && [ "$got" -lt "$KILL_CHAINS" ] && halfway=$((halfway + 1))
	"$ANJU" bill --data "$data" --period "$period" --chunk 2000 >"$tmp/rerun.out" 2>&1 ||
		die "the re-run after kill $((k + 1)) failed: $(tail -n 5 "$tmp/rerun.out")"
	got=$(count "$data" "SELECT COUNT(*) FROM charge WHERE period = '$period'")
	[ "$got" -eq "$KILL_CHAINS" ] || die "after kill $((k + 1)) the re-run left $got charges, not $KILL_CHAINS"
	lost=$(count "$data" "SELECT COUNT(*) FROM charge c WHERE NOT EXISTS (SELECT 1 FROM rent_line r WHERE r.charge_id = c.id)")
	[ "$lost" -eq 0 ] || die "after kill $((k + 1)), $lost charges have no rent line"
	"$ANJU" ledger check --data "$data" >"$tmp/check.out" 2>&1 ||
		die "the ledger check failed after kill $((k + 1)): $(head -n 20 "$tmp/check.out")"
	k=$((k + 1))
done
printf 'kills of anju bill over %s chains: %d, %d of them mid-run; each re-run completed the month; ledger check passed   target: every re-run completes, check passes   ok\n' \
	"$(commas "$KILL_CHAINS")" "$KILLS" "$halfway"
