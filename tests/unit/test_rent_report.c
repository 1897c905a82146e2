/*
 * Unit tests of the rent reports, the dashboard and the timeline source
 * "rent" (rent/report.h, rent/timeline.c) on a real database, both
 * engines.  A small known book: two communities, three lease chains, rent
 * raised with charge_raise and recorded in rent_line as the billing run
 * would, payments taken with payment_take and allocated oldest first.
 * Every figure is checked exactly: due, collected, owed and the rate of
 * the ledger and the collection report, the arrears' months and buckets
 * (from part B's arrears_scan), the bureau's monthly report with its
 * receipts issued and voided, the bank's report by channel; the caller's
 * scope; the xlsx workbooks (a zip with the sheet and its strings); and
 * the events of the household's and the unit's timelines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "dossier/timeline.h"
#include "money/money.h"
#include "rent/rent.h"
#include "rent/report.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

/* The periods billed: P6..P9 are four months before this one. */
static char P[4][PERIOD_FMT_LEN];
static char DUE[4][DATE_FMT_LEN];
static char TODAY[DATE_FMT_LEN];

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t ca, cb;        /* communities 南苑, 肖桥 */
	int64_t ua1, ua2, ub1; /* units */
	int64_t h1, h2, h3;    /* households */
	int64_t k1, k2, k3;    /* lease chains */
	int64_t run;           /* the billing run */
	int64_t pay1, pay3;    /* payments */
};

static const struct audit_actor who = { "account:1", "clerk", "finance", "::1", NULL };
static struct caller fin = { CALLER_ACCOUNT, 1, ROLE_FINANCE, "fin", "account:1", true };
static struct caller mgr_a = {
	CALLER_ACCOUNT, 5, ROLE_OPERATOR_MANAGER, "mgr", "account:5", false
};

static int
group_setup(void **state)
{
	struct date today = date_today_shanghai();
	struct period now = period_of(today);

	(void)state;
	date_format(today, TODAY);
	for (int i = 0; i < 4; i++) {
		struct period p = period_add(now, i - 5); /* five .. two months ago */

		period_format(p, P[i]);
		date_format((struct date){ p.y, p.m, 5 }, DUE[i]);
	}
	return testkeys_setup("rentrep", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int64_t
ins(struct db *db, const char *sql, const int64_t *ints, int nints, const char *text)
{
	struct db_stmt *st;
	int64_t id;
	int i = 1;

	ok(db, db_prepare(db, sql, &st));
	for (int k = 0; k < nints; k++)
		db_bind_int64(st, i++, ints[k]);
	if (text != NULL)
		db_bind_cstr(st, i, text);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
unit_of(struct db *db, int64_t community, int64_t building, const char *number)
{
	int64_t v[] = { community, building };

	return ins(db,
		   "INSERT INTO unit (community_id, building_id, entrance, floor, number, layout,"
		   " floor_area, usable_area, status, status_since, created_at, updated_at)"
		   " VALUES (?, ?, 1, 2, ?, '一室一厅', 5000, 4200, 'occupied', " TM_TIME
		   ", " TM_TIME ", " TM_TIME ") RETURNING id",
		   v, 2, number);
}

/* A household with its head, in community. */
static int64_t
household_of(struct db *db, int64_t community, const char *head)
{
	int64_t hh = tm_household(db, community);
	int64_t person = tm_insert_id(
		db, "INSERT INTO person (name, created_at) VALUES (?, " TM_TIME ") RETURNING id",
		head);
	int64_t v[] = { hh, person };

	ins(db,
	    "INSERT INTO member (household_id, person_id, relationship, joined_at)"
	    " VALUES (?, ?, 'head', " TM_TIME ") RETURNING id",
	    v, 2, NULL);
	return hh;
}

/* A chain with one lease in force; *lease its lease. */
static int64_t
chain_of(struct db *db, int64_t hh, int64_t unit, int64_t community, int64_t *lease)
{
	int64_t v[] = { hh, unit, community };
	int64_t chain =
		ins(db,
		    "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		    " started_on, created_at) VALUES (?, ?, ?, 'open', '2020-01-01', " TM_TIME
		    ") RETURNING id",
		    v, 3, NULL);
	int64_t w[] = { chain, hh, unit, community, hh };
	char token[40];

	snprintf(token, sizeof(token), "%032lld", (long long)chain);
	*lease = ins(db,
		     "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id,"
		     " tenant_person_id, community_name, unit_number, state, starts_on, ends_on,"
		     " monthly_rent_fen, deposit_fen, contract_template, created_by, created_at,"
		     " updated_at, verify_token) VALUES (?, 1, 'new', ?, ?, ?,"
		     " (SELECT person_id FROM member WHERE household_id = ?), '小区', '1-1-201',"
		     " 'in_force', '2020-01-01', '2030-12-31', 50000, 0, 'v1', 'system', " TM_TIME
		     ", " TM_TIME ", ?) RETURNING id",
		     w, 5, token);
	return chain;
}

/* A rent charge of the chain for P[i], with its rent_line as the billing
 * run writes it. */
static int64_t
bill(struct ctx *c, int64_t chain, int64_t lease, int64_t hh, int64_t unit, int64_t community,
     int i, int64_t fen)
{
	struct charge_in in = { hh, CHARGE_RENT, fen, DUE[i], P[i], "lease_chain", chain, NULL };
	struct anju_err e;
	struct db_stmt *st;
	bool created;
	int64_t id;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
	assert_true(created);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO rent_line (charge_id, run_id, journal_id, chain_id, lease_id,"
		      " household_id, unit_id, community_id, period, kind, amount_fen, days_billed,"
		      " days_in_month, monthly_fen, area_centi, price_fen_m2, share_ppm, rounding)"
		      " VALUES (?, ?, (SELECT MIN(id) FROM journal WHERE object_type = 'charge'"
		      " AND object_id = ?), ?, ?, ?, ?, ?, ?, 'rent', ?, 30, 30, ?, 5000, 0,"
		      " 1000000, 'half_up')",
		      &st));
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, c->run);
	db_bind_int64(st, 3, id);
	db_bind_int64(st, 4, chain);
	db_bind_int64(st, 5, lease);
	db_bind_int64(st, 6, hh);
	db_bind_int64(st, 7, unit);
	db_bind_int64(st, 8, community);
	db_bind_cstr(st, 9, P[i]);
	db_bind_int64(st, 10, fen);
	db_bind_int64(st, 11, fen);
	assert_int_equal(step_to_end(st), DB_DONE);
	ok(c->db, db_commit(c->db));
	return id;
}

static int64_t
pay(struct ctx *c, int64_t hh, int64_t fen, enum payment_channel ch, const char *ref)
{
	struct payment_in in = { hh, fen, ch, ref, 0, NULL };
	struct anju_err e;
	json_t *out = NULL;
	int64_t id;

	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &fin, &in, &who, &id, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;
	int64_t l1, l2, l3, ba, bb;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->ca = tm_community(c->db, "南苑公租房");
	c->cb = tm_community(c->db, "肖桥公租房");
	ba = ins(c->db,
		 "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		 " VALUES (?, '1', 6, 1, " TM_TIME ") RETURNING id",
		 &c->ca, 1, NULL);
	bb = ins(c->db,
		 "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		 " VALUES (?, '1', 6, 1, " TM_TIME ") RETURNING id",
		 &c->cb, 1, NULL);
	c->ua1 = unit_of(c->db, c->ca, ba, "1-1-201");
	c->ua2 = unit_of(c->db, c->ca, ba, "1-1-202");
	c->ub1 = unit_of(c->db, c->cb, bb, "1-1-301");
	c->h1 = household_of(c->db, c->ca, "王伟");
	c->h2 = household_of(c->db, c->ca, "李芳");
	c->h3 = household_of(c->db, c->cb, "张三丰");
	c->k1 = chain_of(c->db, c->h1, c->ua1, c->ca, &l1);
	c->k2 = chain_of(c->db, c->h2, c->ua2, c->ca, &l2);
	c->k3 = chain_of(c->db, c->h3, c->ub1, c->cb, &l3);
	tm_account(c->db, "fin", "财务", "finance", "active");
	exec_ok(c->db, "INSERT INTO billing_run (period, state, started_at, created_by)"
		       " VALUES ('2026-01', 'done', " TM_TIME ", 'system')");
	c->run = tm_qint(c->db, "SELECT MAX(id) FROM billing_run", 0);
	/* The manager sees 南苑 only. */
	ok(c->db,
	   run_int(c->db,
		   "INSERT INTO scope_grant (principal, community_id) VALUES ('account:5', ?)",
		   c->ca));

	/* Chain 1: 500 yuan in P[2], P[3]; chain 2: 300 yuan in all four
	 * months; chain 3: 400 yuan in P[2], P[3]. */
	bill(c, c->k1, l1, c->h1, c->ua1, c->ca, 2, 50000);
	bill(c, c->k1, l1, c->h1, c->ua1, c->ca, 3, 50000);
	for (int i = 0; i < 4; i++)
		bill(c, c->k2, l2, c->h2, c->ua2, c->ca, i, 30000);
	bill(c, c->k3, l3, c->h3, c->ub1, c->cb, 2, 40000);
	bill(c, c->k3, l3, c->h3, c->ub1, c->cb, 3, 40000);
	/* Household 1 pays 700 yuan (P[2] whole, 200 of P[3]); household 3
	 * pays P[2] online; household 2 nothing. */
	c->pay1 = pay(c, c->h1, 70000, CHANNEL_BANK_TRANSFER, "BT-1");
	c->pay3 = pay(c, c->h3, 40000, CHANNEL_ONLINE, "WX-1");
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

static int64_t
iget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", k);
	return json_integer_value(v);
}

static json_t *
build(struct ctx *c, const struct caller *by, enum report_kind k, const struct report_query *q)
{
	struct anju_err e;
	json_t *out = NULL;
	int rc = report_build(c->db, by, k, q, &out, &e);

	if (rc != 0)
		fail_msg("report %s: %d %s %s %s", report_kind_name(k), rc, e.key, e.field, e.msg);
	return out;
}

static void
test_rent_ledger(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { .community_id = c->ca, .limit = 50 };
	json_t *r, *items, *t, *x;

	snprintf(q.period, sizeof(q.period), "%s", P[3]);
	r = build(c, &fin, REPORT_RENT_LEDGER, &q);
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	x = json_array_get(items, 0);
	assert_int_equal(iget(x, "chain_id"), c->k1);
	assert_string_equal(json_string_value(json_object_get(x, "unit_number")), "1-1-201");
	assert_string_equal(json_string_value(json_object_get(x, "head_name")), "王*");
	assert_string_equal(json_string_value(json_object_get(x, "community_name")), "南苑公租房");
	assert_int_equal(iget(x, "due_fen"), 50000);
	assert_int_equal(iget(x, "paid_fen"), 20000);
	assert_int_equal(iget(x, "owed_fen"), 30000);
	assert_string_equal(json_string_value(json_object_get(x, "state")), "open");
	x = json_array_get(items, 1);
	assert_int_equal(iget(x, "chain_id"), c->k2);
	assert_int_equal(iget(x, "paid_fen"), 0);
	t = json_object_get(r, "totals");
	assert_int_equal(iget(t, "charges"), 2);
	assert_int_equal(iget(t, "due_fen"), 80000);
	assert_int_equal(iget(t, "paid_fen"), 20000);
	assert_int_equal(iget(t, "owed_fen"), 60000);
	assert_int_equal(iget(t, "rate_bp"), 2500);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	/* Pages of one, the totals over all of them. */
	q.limit = 1;
	r = build(c, &fin, REPORT_RENT_LEDGER, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(iget(json_object_get(r, "totals"), "due_fen"), 80000);
	q.after_id = strtoll(json_string_value(json_object_get(r, "next")), NULL, 10);
	json_decref(r);
	r = build(c, &fin, REPORT_RENT_LEDGER, &q);
	assert_int_equal(iget(json_array_get(json_object_get(r, "items"), 0), "chain_id"), c->k2);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	/* Collected as of the day before the payments: nothing yet. */
	q.after_id = 0;
	q.limit = 50;
	date_format(date_add_days(date_today_shanghai(), -1), q.as_of);
	r = build(c, &fin, REPORT_RENT_LEDGER, &q);
	t = json_object_get(r, "totals");
	assert_int_equal(iget(t, "paid_fen"), 0);
	assert_int_equal(iget(t, "rate_bp"), 0);
	json_decref(r);
}

static void
test_collection(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { 0 };
	json_t *r, *rows, *x;

	snprintf(q.from, sizeof(q.from), "%s", P[2]);
	snprintf(q.to, sizeof(q.to), "%s", P[3]);
	r = build(c, &fin, REPORT_COLLECTION, &q);
	rows = json_object_get(r, "rows");
	/* 2 communities × 2 months, community by community. */
	assert_int_equal(json_array_size(rows), 4);
	{
		static const int64_t want[4][4] = {
			{ 80000, 50000, 30000, 6250 }, /* 南苑, P[2] */
			{ 80000, 20000, 60000, 2500 }, /* 南苑, P[3] */
			{ 40000, 40000, 0, 10000 },    /* 肖桥, P[2] */
			{ 40000, 0, 40000, 0 },        /* 肖桥, P[3] */
		};
		for (size_t i = 0; i < 4; i++) {
			x = json_array_get(rows, i);
			assert_string_equal(json_string_value(json_object_get(x, "period")),
					    P[2 + i % 2]);
			assert_int_equal(iget(x, "community_id"), i < 2 ? c->ca : c->cb);
			assert_int_equal(iget(x, "due_fen"), want[i][0]);
			assert_int_equal(iget(x, "collected_fen"), want[i][1]);
			assert_int_equal(iget(x, "owed_fen"), want[i][2]);
			assert_int_equal(iget(x, "rate_bp"), want[i][3]);
		}
	}
	x = json_object_get(r, "by_period");
	assert_int_equal(iget(json_array_get(x, 0), "due_fen"), 120000);
	assert_int_equal(iget(json_array_get(x, 0), "collected_fen"), 90000);
	assert_int_equal(iget(json_array_get(x, 0), "rate_bp"), 7500);
	/* 20000 / 120000 = 16.666...%: 1667 basis points, half up. */
	assert_int_equal(iget(json_array_get(x, 1), "rate_bp"), 1667);
	x = json_object_get(r, "total");
	assert_int_equal(iget(x, "due_fen"), 240000);
	assert_int_equal(iget(x, "collected_fen"), 110000);
	assert_int_equal(iget(x, "rate_bp"), 4583);
	x = json_object_get(r, "by_community");
	assert_int_equal(iget(json_array_get(x, 1), "due_fen"), 80000);
	assert_int_equal(iget(json_array_get(x, 1), "collected_fen"), 40000);
	json_decref(r);

	/* A month without rent: due 0 and no rate. */
	period_format(period_of(date_today_shanghai()), q.from);
	q.to[0] = '\0';
	r = build(c, &fin, REPORT_COLLECTION, &q);
	x = json_object_get(r, "total");
	assert_int_equal(iget(x, "due_fen"), 0);
	assert_true(json_is_null(json_object_get(x, "rate_bp")));
	json_decref(r);
}

static void
test_scope_and_bad_input(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { 0 };
	struct anju_err e;
	json_t *r = NULL;

	snprintf(q.from, sizeof(q.from), "%s", P[0]);
	snprintf(q.to, sizeof(q.to), "%s", P[3]);
	r = build(c, &mgr_a, REPORT_COLLECTION, &q);
	/* Only 南苑: 4 months of it, totals of it alone. */
	assert_int_equal(json_array_size(json_object_get(r, "rows")), 4);
	assert_int_equal(json_array_size(json_object_get(r, "by_community")), 1);
	assert_int_equal(iget(json_object_get(r, "total"), "due_fen"), 4 * 30000 + 2 * 50000);
	json_decref(r);
	q.community_id = c->cb;
	assert_int_equal(report_build(c->db, &mgr_a, REPORT_COLLECTION, &q, &r, &e),
			 ANJU_ENOTFOUND);
	assert_string_equal(e.key, "community_not_found");
	/* Arrears too: the chains of 南苑 only. */
	q = (struct report_query){ .limit = 50 };
	r = build(c, &mgr_a, REPORT_ARREARS, &q);
	assert_int_equal(iget(json_object_get(r, "totals"), "chains"), 2);
	json_decref(r);

	/* Bad input: each a 4xx with its field. */
	q = (struct report_query){ .limit = 50 };
	assert_int_equal(report_build(c->db, &fin, REPORT_RENT_LEDGER, &q, &r, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "period");
	snprintf(q.period, sizeof(q.period), "2026-13");
	assert_int_equal(report_build(c->db, &fin, REPORT_RENT_LEDGER, &q, &r, &e), ANJU_EINVAL);
	snprintf(q.from, sizeof(q.from), "%s", P[3]);
	snprintf(q.to, sizeof(q.to), "%s", P[0]);
	assert_int_equal(report_build(c->db, &fin, REPORT_COLLECTION, &q, &r, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "range_reversed");
	snprintf(q.from, sizeof(q.from), "2020-01");
	snprintf(q.to, sizeof(q.to), "2023-01");
	assert_int_equal(report_build(c->db, &fin, REPORT_COLLECTION, &q, &r, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "range_too_long");
	snprintf(q.from, sizeof(q.from), "%s", P[3]);
	q.to[0] = '\0';
	date_format(date_add_days(date_today_shanghai(), 1), q.as_of);
	assert_int_equal(report_build(c->db, &fin, REPORT_COLLECTION, &q, &r, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "as_of_future");
	q.as_of[0] = '\0';
	period_format(period_add(period_of(date_today_shanghai()), 1), q.period);
	assert_int_equal(report_build(c->db, &fin, REPORT_BUREAU, &q, &r, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "period_future");
}

/* The bucket a charge due on due falls in today (part B's rule). */
static int
bucket_of(const char *due)
{
	struct date d;
	int64_t days;

	assert_int_equal(date_parse(str_c(due), &d), 0);
	days = date_to_days(date_today_shanghai()) - date_to_days(d);
	return days <= 30 ? 0 : days <= 90 ? 1 : days <= 180 ? 2 : 3;
}

static void
test_arrears(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { .limit = 50 };
	int64_t want[ARREARS_BUCKETS] = { 0 };
	json_t *r, *items, *x, *t;

	r = build(c, &fin, REPORT_ARREARS, &q);
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 3);
	/* Chain 1 owes 300 of P[3]; chain 2 four months; chain 3 P[3]. */
	x = json_array_get(items, 0);
	assert_int_equal(iget(x, "chain_id"), c->k1);
	assert_int_equal(iget(x, "months_owed"), 1);
	assert_int_equal(iget(x, "owed_fen"), 30000);
	assert_string_equal(json_string_value(json_object_get(x, "unit_number")), "1-1-201");
	assert_string_equal(json_string_value(json_object_get(x, "head_name")), "王*");
	x = json_array_get(items, 1);
	assert_int_equal(iget(x, "months_owed"), 4);
	assert_int_equal(iget(x, "owed_fen"), 120000);
	assert_string_equal(json_string_value(json_object_get(x, "oldest_due_on")), DUE[0]);
	t = json_object_get(r, "totals");
	assert_int_equal(iget(t, "chains"), 3);
	assert_int_equal(iget(t, "households"), 3);
	assert_int_equal(iget(t, "owed_fen"), 30000 + 120000 + 40000);
	assert_int_equal(iget(t, "chains_3plus"), 1);
	assert_int_equal(iget(t, "chains_6plus"), 0);
	want[bucket_of(DUE[3])] += 30000 + 40000;
	for (int i = 0; i < 4; i++)
		want[bucket_of(DUE[i])] += 30000;
	for (int b = 0; b < ARREARS_BUCKETS; b++) {
		assert_int_equal(
			json_integer_value(json_array_get(json_object_get(t, "bucket_fen"), b)),
			want[b]);
		assert_int_equal(
			iget(json_array_get(json_object_get(r, "by_bucket"), b), "owed_fen"),
			want[b]);
	}
	x = json_object_get(r, "by_community");
	assert_int_equal(iget(json_array_get(x, 0), "owed_fen"), 150000);
	assert_int_equal(iget(json_array_get(x, 1), "owed_fen"), 40000);
	json_decref(r);

	/* At least 3 months: chain 2 alone; pages of one. */
	q.min_months = 3;
	r = build(c, &fin, REPORT_ARREARS, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(iget(json_object_get(r, "totals"), "owed_fen"), 120000);
	json_decref(r);
	q.min_months = 0;
	q.limit = 2;
	r = build(c, &fin, REPORT_ARREARS, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_int_equal(iget(json_object_get(r, "totals"), "chains"), 3);
	q.after_id = strtoll(json_string_value(json_object_get(r, "next")), NULL, 10);
	json_decref(r);
	r = build(c, &fin, REPORT_ARREARS, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(iget(json_array_get(json_object_get(r, "items"), 0), "chain_id"), c->k3);
	json_decref(r);
}

static void
test_bureau_and_bank(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { 0 };
	struct anju_err e;
	json_t *r, *t, *x;

	/* This month: no rent due, the two payments' receipts issued. */
	period_format(period_of(date_today_shanghai()), q.period);
	r = build(c, &fin, REPORT_BUREAU, &q);
	t = json_object_get(r, "total");
	assert_int_equal(iget(t, "due_fen"), 0);
	assert_int_equal(iget(t, "receipts_issued"), 2);
	assert_int_equal(iget(t, "receipts_issued_fen"), 110000);
	assert_int_equal(iget(t, "receipts_voided"), 0);
	assert_int_equal(iget(t, "arrears_fen"), 190000);
	assert_int_equal(iget(t, "households_3plus"), 1);
	assert_int_equal(iget(t, "households_6plus"), 0);
	x = json_array_get(json_object_get(r, "rows"), 1); /* 肖桥 */
	assert_int_equal(iget(x, "receipts_issued"), 1);
	assert_int_equal(iget(x, "receipts_issued_fen"), 40000);
	assert_int_equal(iget(x, "arrears_fen"), 40000);
	json_decref(r);

	/* P[2]: the month's rent and what was collected for it by now. */
	snprintf(q.period, sizeof(q.period), "%s", P[2]);
	snprintf(q.as_of, sizeof(q.as_of), "%s", TODAY);
	r = build(c, &fin, REPORT_BUREAU, &q);
	t = json_object_get(r, "total");
	assert_int_equal(iget(t, "due_fen"), 120000);
	assert_int_equal(iget(t, "collected_fen"), 90000);
	assert_int_equal(iget(t, "rate_bp"), 7500);
	assert_int_equal(iget(t, "receipts_issued"), 0);
	json_decref(r);

	/* A reversed payment voids its receipt: counted in the month it was voided. */
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_reverse(c->db, c->pay3, "重复入账", &who, &e));
	ok(c->db, db_commit(c->db));
	q.as_of[0] = '\0';
	period_format(period_of(date_today_shanghai()), q.period);
	r = build(c, &fin, REPORT_BUREAU, &q);
	t = json_object_get(r, "total");
	assert_int_equal(iget(t, "receipts_voided"), 1);
	assert_int_equal(iget(t, "receipts_voided_fen"), 40000);
	assert_int_equal(iget(t, "arrears_fen"), 230000);
	json_decref(r);

	/* The bank's report: this month's payments by channel. */
	r = build(c, &fin, REPORT_BANK, &q);
	x = json_object_get(r, "channels");
	assert_int_equal(json_array_size(x), CHANNEL_COUNT);
	for (size_t i = 0; i < json_array_size(x); i++) {
		json_t *ch = json_array_get(x, i);
		const char *name = json_string_value(json_object_get(ch, "channel"));

		if (strcmp(name, "bank_transfer") == 0) {
			assert_int_equal(iget(ch, "payments"), 1);
			assert_int_equal(iget(ch, "amount_fen"), 70000);
		} else if (strcmp(name, "online") == 0) {
			assert_int_equal(iget(ch, "payments"), 1);
			assert_int_equal(iget(ch, "reversed"), 1);
			assert_int_equal(iget(ch, "reversed_fen"), 40000);
		} else {
			assert_int_equal(iget(ch, "payments"), 0);
		}
	}
	assert_int_equal(iget(json_object_get(r, "total"), "amount_fen"), 110000);
	assert_int_equal(iget(json_object_get(r, "withholding"), "succeeded"), 0);
	assert_int_equal(iget(json_object_get(r, "suspense"), "lines"), 0);
	json_decref(r);
	/* The manager of 南苑 sees its payment only. */
	r = build(c, &mgr_a, REPORT_BANK, &q);
	assert_int_equal(iget(json_object_get(r, "total"), "amount_fen"), 70000);
	json_decref(r);
}

static void
test_dashboard(void **state)
{
	struct ctx *c = *state;
	struct report_query q = { .months = 6 };
	struct anju_err e;
	json_t *r = NULL, *h, *rows;

	ok(c->db, report_dashboard(c->db, &fin, &q, &r, &e));
	h = json_object_get(r, "headline");
	assert_int_equal(iget(h, "due_fen"), 0);
	assert_int_equal(iget(h, "arrears_fen"), 190000);
	assert_int_equal(iget(h, "chains_owing"), 3);
	assert_int_equal(iget(h, "chains_3plus"), 1);
	assert_int_equal(iget(h, "chains_6plus"), 0);
	rows = json_object_get(r, "by_period");
	assert_int_equal(json_array_size(rows), 6);
	/* The six months end with this one: P[0] is the first. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "period")),
			    P[0]);
	assert_int_equal(iget(json_array_get(rows, 2), "due_fen"), 120000);
	assert_int_equal(iget(json_array_get(rows, 2), "rate_bp"), 7500);
	assert_int_equal(json_array_size(json_object_get(r, "rows")), 12);
	assert_int_equal(json_array_size(json_object_get(r, "ageing")), 2);
	assert_int_equal(iget(json_array_get(json_object_get(r, "ageing"), 0), "owed_fen"), 150000);
	json_decref(r);
	q.months = 25;
	assert_int_equal(report_dashboard(c->db, &fin, &q, &r, &e), ANJU_EINVAL);
}

/* The bytes of one member of a zip (an xlsx), NUL-terminated (free it);
 * NULL when absent. */
static char *
unzip(const struct buf *b, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct buf out;
	char chunk[8192];
	ssize_t n;
	char *res = NULL;

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, b->p, b->n), ARCHIVE_OK);
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(ent), name) != 0) {
			archive_read_data_skip(a);
			continue;
		}
		buf_init(&out, 0);
		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			assert_int_equal(buf_add(&out, chunk, (size_t)n), 0);
		res = out.p ? buf_take(&out, NULL) : xstrdup("");
		break;
	}
	archive_read_free(a);
	return res;
}

static void
test_xlsx(void **state)
{
	struct ctx *c = *state;
	static const struct {
		enum report_kind k;
		const char *sheet, *text;
	} want[] = {
		{ REPORT_RENT_LEDGER, "租金台账", "王*" },
		{ REPORT_COLLECTION, "收缴情况", "收缴率" },
		{ REPORT_ARREARS, "欠缴明细", "180天以上" },
		{ REPORT_BUREAU, "月报", "欠6个月以上户数" },
		{ REPORT_BANK, "银行报表", "代扣成功" },
	};
	struct report_query q = { .community_id = c->ca, .limit = 1 };
	struct anju_err e;

	snprintf(q.period, sizeof(q.period), "%s", P[3]);
	snprintf(q.from, sizeof(q.from), "%s", P[0]);
	snprintf(q.to, sizeof(q.to), "%s", P[3]);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct buf x;
		char *wb, *strings, *sheet;

		buf_init(&x, 0);
		ok(c->db, report_xlsx(c->db, &fin, want[i].k, &q, &x, &e));
		assert_true(x.n > 100);
		assert_memory_equal(x.p, "PK\x03\x04", 4);
		wb = unzip(&x, "xl/workbook.xml");
		strings = unzip(&x, "xl/sharedStrings.xml");
		sheet = unzip(&x, "xl/worksheets/sheet1.xml");
		assert_non_null(wb);
		assert_non_null(strings);
		assert_non_null(sheet);
		assert_non_null(strstr(wb, want[i].sheet));
		assert_non_null(strstr(strings, want[i].text));
		if (want[i].k == REPORT_RENT_LEDGER) {
			/* Every line, not the page: both households, the totals in yuan. */
			assert_non_null(strstr(strings, "李*"));
			assert_non_null(strstr(sheet, "<v>800</v>"));
			assert_non_null(strstr(sheet, "<v>0.25</v>"));
		}
		free(wb);
		free(strings);
		free(sheet);
		buf_free(&x);
	}
}

static int
has_event(json_t *events, const char *action, const char *key, int64_t value)
{
	size_t i;
	json_t *ev;
	int n = 0;

	json_array_foreach (events, i, ev) {
		if (strcmp(json_string_value(json_object_get(ev, "action")), action) == 0 &&
		    (key == NULL || json_integer_value(json_object_get(
					    json_object_get(ev, "detail"), key)) == value))
			n++;
	}
	return n;
}

static void
test_timeline(void **state)
{
	struct ctx *c = *state;
	struct timeline_ref hh = { "household", c->h1 }, unit = { "unit", c->ua2 };
	struct anju_err e;
	json_t *ev = NULL, *x;
	int64_t kase;

	ok(c->db, timeline_build(c->db, &fin, &hh, 1, 100, &ev, &e));
	assert_int_equal(has_event(ev, "rent.charge", "chain_id", c->k1), 2);
	assert_int_equal(has_event(ev, "payment.receive", "payment_id", c->pay1), 1);
	x = NULL;
	for (size_t i = 0; i < json_array_size(ev); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(ev, i), "action")),
			   "payment.receive") == 0)
			x = json_array_get(ev, i);
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "source")), "rent");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(x, "detail"), "channel")),
		"bank_transfer");
	assert_non_null(
		json_string_value(json_object_get(json_object_get(x, "detail"), "receipt_number")));
	assert_string_equal(json_string_value(json_object_get(x, "actor")), "财务");
	json_decref(ev);

	/* A dunning action on household 2's case shows on its unit's timeline,
	 * with its four charges; a limit of 3 keeps the newest three. */
	kase = ins(c->db,
		   "INSERT INTO dunning_case (chain_id, household_id, community_id, state,"
		   " opened_on, opened_at, checked_on, updated_at) VALUES (?, ?, ?, 'open',"
		   " '2026-01-01', " TM_TIME ", '2026-01-01', " TM_TIME ") RETURNING id",
		   (int64_t[]){ c->k2, c->h2, c->ca }, 3, NULL);
	ins(c->db,
	    "INSERT INTO dunning_action (case_id, household_id, channel, result, acted_at, actor,"
	    " actor_name, created_at) VALUES (?, ?, 'phone', '无人接听', "
	    "'2099-01-01T00:00:00.000000Z',"
	    " 'account:1', '催缴员', " TM_TIME ") RETURNING id",
	    (int64_t[]){ kase, c->h2 }, 2, NULL);
	ok(c->db, timeline_build(c->db, &fin, &unit, 1, 100, &ev, &e));
	assert_int_equal(has_event(ev, "rent.charge", "chain_id", c->k2), 4);
	assert_int_equal(has_event(ev, "rent.charge", "chain_id", c->k1), 0);
	assert_int_equal(has_event(ev, "dunning.action", "case_id", kase), 1);
	assert_int_equal(has_event(ev, "payment.receive", NULL, 0), 0);
	x = json_array_get(ev, 0);
	assert_string_equal(json_string_value(json_object_get(x, "action")), "dunning.action");
	assert_string_equal(json_string_value(json_object_get(x, "actor")), "催缴员");
	assert_non_null(
		strstr(json_string_value(json_object_get(
			       json_object_get(json_object_get(x, "detail"), "after"), "note")),
		       "电话"));
	json_decref(ev);
	ok(c->db, timeline_build(c->db, &fin, &unit, 1, 3, &ev, &e));
	assert_int_equal(json_array_size(ev), 3);
	json_decref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rent_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_and_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bureau_and_bank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
