/*
 * The reconciliation benchmark (issue 7 §9): a bank statement of LINES
 * lines matched against CHARGES open charges; target: the matching step
 * under 2 s.  The import (read, validate, identities, payer look-ups,
 * sealed counterparties, inserts) and the posting (the exact matches'
 * payments, the rest into suspense) are printed beside it.
 *
 *   reconcile [LINES [HOUSEHOLDS]]        (100,000 and 100,000; 10 charges each)
 *
 * In a temporary folder under TMPDIR, removed at the end: a key folder and a
 * SQLite database with the production settings, migrated.  The fixture is
 * written with INSERT ... SELECT over recursive CTEs (fixture code may
 * write tables directly): communities, a building each, HOUSEHOLDS
 * households each with a head, a unit and an open lease chain, and ten
 * open rent charges per household over ten months (the last due three days
 * ago).  Half of the households' payer accounts are known
 * (payer_account_learn, part C's contract).  The statement's lines, each
 * for a different household:
 *   50%  a known payer account, the amount what the household owes (exact)
 *   10%  the community and the unit number in the remark, the amount owed (exact)
 *   10%  the unit number alone, another amount (a rule's suggestion)
 *   10%  the payer named as the household's head, another amount (a rule's)
 *   10%  the amount owed give or take 0.50, no other clue (tolerance)
 *   10%  an amount nobody owes (left for a person)
 * Prints each figure beside its target; exits 0 (a missed target too), 1
 * when it could not measure.
 */
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/date.h"
#include "core/err.h"
#include "core/mem.h"
#include "rent/reconcile.h"
#include "rent/rent.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/migrate.h"

#define TARGET_S    2.0
#define MONTHS      10
#define COMMUNITIES 10

static char folder[256];

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
cleanup(void)
{
	if (getenv("BENCH_KEEP") != NULL) {
		fprintf(stderr, "kept %s\n", folder);
		return;
	}
	if (folder[0] != '\0')
		nftw(folder, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static _Noreturn void
die(const char *what, const char *why)
{
	fprintf(stderr, "reconcile: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU time: its own work, which other load on the machine
 * does not add to. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
exec_or_die(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != 0)
		die(sql, db_errmsg(db));
}

static void
run_or_die(struct db *db, const char *sql, int n, const int64_t *v)
{
	struct db_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) != 0)
		die(sql, db_errmsg(db));
	for (int i = 0; i < n; i++)
		db_bind_int64(st, i + 1, v[i]);
	while ((rc = db_step(st)) == DB_ROW)
		;
	db_reset(st);
	if (rc < 0)
		die(sql, db_errmsg(db));
}

static int64_t
count_arg(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end != '\0' || v < 100 || v > 10000000)
		die("bad count", s);
	return v;
}

/* Household h's monthly rent: 200 to 2,000 yuan to the fen, as areas
 * times prices make them. */
static int64_t
monthly(int64_t h)
{
	return 20000 + (h * 7919) % 180000;
}

static void
unit_number(int64_t h, char *out, size_t cap)
{
	snprintf(out, cap, "%lld-%lld-%lld", (long long)(h / 1000), (long long)(h / 100 % 10),
		 (long long)(h % 100 + 1000));
}

int
main(int argc, char **argv)
{
	int64_t lines = argc > 1 ? count_arg(argv[1]) : 100000;
	int64_t households = argc > 2 ? count_arg(argv[2]) : 100000;
	const char *tmp = getenv("TMPDIR");
	struct audit_actor who = { "system", "bench", "finance", NULL, NULL };
	struct caller sys = { .kind = CALLER_SYSTEM,
			      .role = ROLE_FINANCE,
			      .name = "bench",
			      .principal = "system",
			      .all_communities = true };
	struct keyring *kr = NULL;
	struct statement_result res;
	struct match_stats ms;
	struct anju_err e;
	struct db *db = NULL;
	struct buf csv, url;
	struct date today = date_today_shanghai();
	char day[DATE_FMT_LEN];
	int64_t statement = 0, job = 0, account = 0, format = 0, fen = 0, posted = 0;
	double t0, c0, t_fixture, t_import, t_match, c_match, t_post;
	json_t *in;
	int done;

	if (lines > households)
		die("a statement line per household at most", NULL);
	snprintf(folder, sizeof(folder), "%s/anju-reconcile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(folder) == NULL)
		die("mkdtemp", NULL);
	atexit(cleanup);
	buf_init(&url, 0);
	buf_printf(&url, "%s/keys", folder);
	if (keys_create(folder, &e) != 0 || keys_load(folder, &kr, &e) != 0)
		die("keys", e.msg);
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	config_reset();
	buf_reset(&url);
	buf_printf(&url, "sqlite:%s/anju.db", folder);
	if (db_open(url.p, &db, &e) != 0 || db_migrate(db, NULL, &e) != 0)
		die("database", e.msg);

	/* ---- the fixture ---- */
	t0 = now_s();
	printf("reconciliation: %lld statement lines against %lld open charges (%lld households)\n",
	       (long long)lines, (long long)households * MONTHS, (long long)households);
	fflush(stdout);
	if (db_begin(db) != 0)
		die("begin", db_errmsg(db));
	exec_or_die(db,
		    "CREATE TEMP TABLE bf_month (i INTEGER PRIMARY KEY, period TEXT, due_on TEXT)");
	for (int m = 0; m < MONTHS; m++) {
		struct date d = date_add_months(date_add_days(today, -3), -(MONTHS - 1 - m));
		char p[PERIOD_FMT_LEN], dd[DATE_FMT_LEN];
		struct db_stmt *st;

		period_format(period_of(d), p);
		date_format(d, dd);
		if (db_prepare(db, "INSERT INTO bf_month (i, period, due_on) VALUES (?, ?, ?)",
			       &st) != 0)
			die("bf_month", db_errmsg(db));
		db_bind_int64(st, 1, m);
		db_bind_cstr(st, 2, p);
		db_bind_cstr(st, 3, dd);
		db_step(st);
		db_reset(st);
	}
	{
		int64_t v[1] = { COMMUNITIES };

		run_or_die(db,
			   "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i "
			   "+ 1 < ?)"
			   " INSERT INTO community (name, created_at, updated_at)"
			   " SELECT '第' || i || '小区公租房', '2026-01-01T00:00:00.000000Z',"
			   " '2026-01-01T00:00:00.000000Z' FROM n",
			   1, v);
		run_or_die(
			db,
			"INSERT INTO building (community_id, name, floors, entrances, created_at)"
			" SELECT id, '1', 30, 4, '2026-01-01T00:00:00.000000Z' FROM community",
			0, NULL);
	}
	{
		int64_t v[1] = { households };

		/* Households 1..N in community (h % 10) + 1, unit numbers as unit_number(). */
		run_or_die(db,
			   "WITH RECURSIVE n(h) AS (SELECT 1 UNION ALL SELECT h + 1 FROM n WHERE h "
			   "< ?)"
			   " INSERT INTO household (id, community_id, category, state, created_at,"
			   " updated_at) SELECT h, h % 10 + 1, 'low_income', 'active',"
			   " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n",
			   1, v);
		run_or_die(db,
			   "INSERT INTO person (id, name, name_key, created_at) SELECT id, '户主' "
			   "|| id,"
			   " '户主' || id, '2026-01-01T00:00:00.000000Z' FROM household",
			   0, NULL);
		run_or_die(db,
			   "INSERT INTO member (household_id, person_id, relationship, joined_at)"
			   " SELECT id, id, 'head', '2026-01-01T00:00:00.000000Z' FROM household",
			   0, NULL);
		run_or_die(
			db,
			"INSERT INTO unit (id, community_id, building_id, entrance, floor, number,"
			" floor_area, usable_area, status, status_since, created_at, updated_at)"
			" SELECT h.id, h.community_id, h.community_id, h.id % 4 + 1, 1,"
			" (h.id / 1000) || '-' || (h.id / 100 % 10) || '-' || (h.id % 100 + 1000),"
			" 6000, 5000, 'occupied', '2026-01-01T00:00:00.000000Z',"
			" '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'"
			" FROM household h",
			0, NULL);
		run_or_die(
			db,
			"INSERT INTO lease_chain (id, household_id, unit_id, community_id, state,"
			" started_on, created_at) SELECT id, id, id, community_id, 'open',"
			" '2025-01-01', '2026-01-01T00:00:00.000000Z' FROM household",
			0, NULL);
		run_or_die(db,
			   "INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on, "
			   "period,"
			   " source_type, source_id, state, created_at, created_by)"
			   " SELECT h.id, 'rent', 20000 + (h.id * 7919) % 180000, 0, m.due_on, "
			   "m.period,"
			   " 'lease_chain', h.id, 'open', '2026-01-01T00:00:00.000000Z', 'system'"
			   " FROM household h CROSS JOIN bf_month m",
			   0, NULL);
	}
	if (db_sync_id_sequence(db, "household") != 0 || db_sync_id_sequence(db, "person") != 0 ||
	    db_sync_id_sequence(db, "unit") != 0 || db_sync_id_sequence(db, "lease_chain") != 0)
		die("sequences", db_errmsg(db));
	/* Half the households' payer accounts are known: h - 1 ending in 0..4. */
	for (int64_t h = 1; h <= households; h++) {
		char number[32];

		if ((h - 1) % 10 >= 5)
			continue;
		snprintf(number, sizeof(number), "62170%011lld", (long long)h);
		if (payer_account_learn(db, h, number, "工商银行", "counter", &who, &e) != 0)
			die("payer_account_learn", e.msg);
	}
	in = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "bank_code",
		       "bench", "bank_name", "测试银行", "encoding", "utf8", "skip_rows", 1,
		       "date_format", "YYYY-MM-DD", "col_date", 1, "col_credit", 2, "col_debit", 3,
		       "col_counterparty_account", 4, "col_counterparty_name", 5, "col_remark", 6);
	if (bank_format_save(db, 0, in, &who, &format, &e) != 0)
		die("format", e.msg);
	json_decref(in);
	in = json_pack("{s:s, s:s, s:I}", "name", "保障房租金专户", "account_no",
		       "1812000000000001", "format_id", (json_int_t)format);
	if (bank_account_save(db, 0, in, &who, &account, &e) != 0)
		die("account", e.msg);
	json_decref(in);
	if (db_commit(db) != 0)
		die("commit", db_errmsg(db));
	exec_or_die(db, "ANALYZE");
	/* The fixture's pages back in the database file, as after a quiet night. */
	exec_or_die(db, "PRAGMA wal_checkpoint(TRUNCATE)");

	/* The statement: one line per household, in kinds by position. */
	date_format(date_add_days(today, -1), day);
	buf_init(&csv, 0);
	buf_adds(&csv, "交易日期,贷方金额,借方金额,对方账号,对方户名,摘要\n");
	for (int64_t i = 0; i < lines; i++) {
		int64_t h = i + 1, owes = monthly(h) * MONTHS;
		char unit[32];
		int kind = (int)(i % 10);

		unit_number(h, unit, sizeof(unit));
		if (kind < 5) {
			buf_printf(&csv, "%s,%lld.%02lld,,62170%011lld,某人,房租\n", day,
				   (long long)(owes / 100), (long long)(owes % 100), (long long)h);
		} else if (kind == 5)
			buf_printf(&csv, "%s,%lld.%02lld,,,,第%lld小区公租房%s房租\n", day,
				   (long long)(owes / 100), (long long)(owes % 100),
				   (long long)(h % 10), unit);
		else if (kind == 6)
			buf_printf(&csv, "%s,123.45,,,,%s 房租\n", day, unit);
		else if (kind == 7)
			buf_printf(&csv, "%s,234.56,,,户主%lld,转账\n", day, (long long)h);
		else if (kind == 8)
			buf_printf(&csv, "%s,%lld.%02lld,,,,转账\n", day,
				   (long long)((owes + 50) / 100), (long long)((owes + 50) % 100));
		else
			buf_printf(&csv, "%s,1.%02lld,,,,转账\n", day, (long long)(i % 100));
	}
	t_fixture = now_s() - t0;
	printf("  fixture (not timed against a target): %.1f s\n", t_fixture);

	/* ---- the import: read, validate, identities, payer look-ups, insert ---- */
	t0 = now_s();
	if (db_begin(db) != 0 ||
	    statement_import_create(db, &sys, &who, account, "bench.csv", "utf8", csv.p, csv.n,
				    &statement, &job, &e) != 0 ||
	    statement_publish(db, statement, csv.p, csv.n, &res, &e) != 0 || db_commit(db) != 0)
		die("import", e.msg);
	t_import = now_s() - t0;

	/* ---- the matching step ---- */
	t0 = now_s();
	c0 = cpu_s();
	if (db_begin(db) != 0 || match_run(db, statement, &ms, &e) != 0 || db_commit(db) != 0)
		die("match", e.msg);
	t_match = now_s() - t0;
	c_match = cpu_s() - c0;

	/* ---- posting: payments of the exact matches, the rest into suspense ---- */
	t0 = now_s();
	do {
		if (db_begin(db) != 0 || match_post(db, statement, 500, &who, &done, &e) != 0 ||
		    db_commit(db) != 0)
			die("post", e.msg);
		posted += done;
	} while (done == 500);
	if (db_begin(db) != 0 || match_suspend(db, statement, &who, &fen, &e) != 0 ||
	    db_commit(db) != 0)
		die("suspend", e.msg);
	t_post = now_s() - t0;

	printf("  import of %lld lines (%lld new):      %6.2f s   (no target; printed beside)\n",
	       (long long)res.rows, (long long)res.added, t_import);
	printf("  matching step:                        %6.2f s   target < %.1f s  %s"
	       "  (CPU %.2f s)\n",
	       t_match, TARGET_S, t_match < TARGET_S ? "ok" : "below target", c_match);
	printf("    exact %lld (linked %lld), suggested %lld, left for a person %lld\n",
	       (long long)ms.exact, (long long)ms.linked, (long long)ms.suggested,
	       (long long)ms.unmatched);
	printf("  posting %lld payments + suspense:     %6.2f s   (no target; printed beside)\n",
	       (long long)posted, t_post);
	if (ms.exact < lines * 5 / 10 || ms.suggested < lines / 4)
		die("the matching did not find what the fixture holds", NULL);
	db_close(db);
	keys_set_current(NULL);
	keys_free(kr);
	buf_free(&csv);
	buf_free(&url);
	return 0;
}
