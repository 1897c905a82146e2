/*
 * Unit tests of rent standards, quotes and the billing run on a real
 * database (both engines): the quote per m² and fixed, each rounding rule,
 * the reductions (category, special group, income tier; the smallest share
 * wins), a layout's own standard before the community's, versions by date,
 * a missing standard, the bureau alone editing and nothing edited once in
 * force; a new lease and a renewal taking their rent from the standard;
 * the run: a full month exactly, a partial month prorated by days, a change
 * of lease inside a month billed once (rates summed by days), idempotence,
 * chunks, the catch-up of an earlier month and a closed period, the period
 * checks, overstay after an eviction's vacate period (and after a month's
 * rent was billed already), credit settling a new charge, and the ledger
 * check after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "household/household.h"
#include "jobs/job.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "rent/billing.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, bld;
	int64_t policy;
	int seq; /* for unique unit numbers and ID numbers */
};

static const struct audit_actor who = { "account:1", "bureau", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau", "account:1", true };
static struct caller staff = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "staff", "account:2", false
};

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("rentbill", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;
	struct db_stmt *st;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->a = tm_community(c->db, "南苑公租房");
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO building (community_id, name, floors, entrances,"
			     " created_at) VALUES (?, '1号楼', 18, 2, " TM_TIME ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, c->a);
	assert_int_equal(db_step(st), DB_ROW);
	c->bld = db_col_int64(st, 0);
	db_reset(st);
	c->policy = tm_qint(c->db, "SELECT MIN(id) FROM tenancy_rule WHERE kind = 'policy'", 0);
	bill_set_chunk(0);
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

static void
print_failure(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	print_error("ledger check: %s\n", f->text);
}

static void
assert_ledger_sound(struct db *db)
{
	struct ledger_check_stats stats;
	struct anju_err e;

	ok(db, ledger_check(db, print_failure, NULL, &stats, NULL, NULL, &e));
	assert_int_equal(stats.failures, 0);
}

static int64_t
unit(struct ctx *c, const char *layout, int64_t area)
{
	struct db_stmt *st;
	char number[32];
	int64_t id;

	snprintf(number, sizeof(number), "1-1-%d", 100 + ++c->seq);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			     " layout, floor_area, usable_area, status, status_since, created_at,"
			     " updated_at) VALUES (?, ?, 1, 1, ?, ?, ?, ?, 'occupied', " TM_TIME
			     ", " TM_TIME ", " TM_TIME ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, c->a);
	db_bind_int64(st, 2, c->bld);
	db_bind_cstr(st, 3, number);
	db_bind_cstr(st, 4, layout);
	db_bind_int64(st, 5, area);
	db_bind_int64(st, 6, area);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* A household of category with members people, monthly income and special
 * groups, made by the household module. */
static int64_t
household(struct ctx *c, const char *category, int members, int64_t income, const char *groups)
{
	static const char *const rel[] = { "head", "spouse", "child", "parent" };
	struct member_in m[4];
	char ids[4][19], names[4][16], digits[18];
	struct household_in in = { .community_id = c->a, .category = category };
	struct anju_err e;
	struct db_stmt *st;
	int64_t id = 0;

	for (int i = 0; i < members; i++) {
		unsigned k = (unsigned)++c->seq;

		snprintf(digits, sizeof(digits), "990101198%u01%02u%03u", (unsigned)i % 10,
			 k % 28 + 1, k % 1000);
		memcpy(ids[i], digits, 17);
		ids[i][17] = idnum_check_char(digits);
		ids[i][18] = '\0';
		snprintf(names[i], sizeof(names[i]), "住户%d", c->seq);
		m[i] = (struct member_in){ { names[i], ids[i], NULL }, rel[i] };
	}
	in.members = m;
	in.nmembers = members;
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, db_prepare(c->db,
			     "UPDATE household SET monthly_income_fen = ?, special_groups = ?"
			     " WHERE id = ?",
			     &st));
	db_bind_int64(st, 1, income);
	db_bind_cstr(st, 2, groups ? groups : "");
	db_bind_int64(st, 3, id);
	assert_int_equal(step_to_end(st), DB_DONE);
	return id;
}

static const char *
day(char out[DATE_FMT_LEN], struct date d)
{
	date_format(d, out);
	return out;
}

static struct period
this_month(int add)
{
	return period_add(period_of(date_today_shanghai()), add);
}

static const char *
ptext(char out[PERIOD_FMT_LEN], struct period p)
{
	period_format(p, out);
	return out;
}

/* A standard from today (the bureau), its id. */
static int64_t
standard(struct ctx *c, const char *layout, const char *mode, int64_t price, int64_t fixed,
	 const char *rounding, const char *reductions)
{
	char today[DATE_FMT_LEN];
	json_t *red = reductions ? json_loads(reductions, 0, NULL) : NULL;
	struct rent_standard_in in = { .community_id = c->a,
				       .layout = layout,
				       .effective_from = day(today, date_today_shanghai()),
				       .mode = mode,
				       .price_fen_m2 = price,
				       .fixed_fen = fixed,
				       .rounding = rounding,
				       .reductions = red };
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, rent_standard_create(c->db, &bureau, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	json_decref(red);
	return id;
}

/* A chain with one lease (state, from, to, monthly) of household on unit,
 * written as fixture rows; *lease its lease. */
static int64_t
chain(struct ctx *c, int64_t hh, int64_t u, const char *state, const char *from, const char *to,
      int64_t monthly, int64_t *lease)
{
	struct db_stmt *st;
	int64_t id, person, l;
	char token[40];

	person = tm_qint(c->db,
			 "SELECT person_id FROM member WHERE household_id = ?"
			 " AND relationship = 'head'",
			 hh);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
			     " started_on, ended_on, created_at) VALUES (?, ?, ?, ?, ?, ?, " TM_TIME
			     ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, u);
	db_bind_int64(st, 3, c->a);
	db_bind_cstr(st, 4, strcmp(state, "ended") == 0 ? "ended" : "open");
	db_bind_cstr(st, 5, from);
	db_bind_cstr(st, 6, strcmp(state, "ended") == 0 ? to : NULL);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	snprintf(token, sizeof(token), "%032d", ++c->seq);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id,"
		      " community_id, tenant_person_id, community_name, unit_number, state,"
		      " starts_on, ends_on, monthly_rent_fen, deposit_fen, contract_template,"
		      " verify_token, created_by, created_at, updated_at) VALUES (?, 1, 'new',"
		      " ?, ?, ?, ?, '南苑公租房', '1-1-1', ?, ?, ?, ?, 0, 'v1', ?, 'test', " TM_TIME
		      ", " TM_TIME ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, hh);
	db_bind_int64(st, 3, u);
	db_bind_int64(st, 4, c->a);
	db_bind_int64(st, 5, person);
	db_bind_cstr(st, 6, state);
	db_bind_cstr(st, 7, from);
	db_bind_cstr(st, 8, to);
	db_bind_int64(st, 9, monthly);
	db_bind_cstr(st, 10, token);
	assert_int_equal(db_step(st), DB_ROW);
	l = db_col_int64(st, 0);
	db_reset(st);
	if (lease != NULL)
		*lease = l;
	return id;
}

/* A next lease of a chain (a change from from; the previous one ended the
 * day before by the caller). */
static int64_t
next_lease(struct ctx *c, int64_t chain_id, int seq, const char *from, const char *to,
	   int64_t monthly)
{
	struct db_stmt *st;
	char token[40];
	int64_t id;

	snprintf(token, sizeof(token), "%032d", ++c->seq);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id,"
		      " tenant_person_id, community_name, unit_number, state, starts_on, ends_on,"
		      " monthly_rent_fen, deposit_fen, contract_template, verify_token, created_by,"
		      " created_at, updated_at) SELECT chain_id, ?, 'change', household_id,"
		      " unit_id, community_id, tenant_person_id, community_name, unit_number,"
		      " 'in_force', ?, ?, ?, 0, 'v1', ?, 'test', created_at, updated_at FROM lease"
		      " WHERE chain_id = ? AND seq = 1 RETURNING id",
		      &st));
	db_bind_int64(st, 1, seq);
	db_bind_cstr(st, 2, from);
	db_bind_cstr(st, 3, to);
	db_bind_int64(st, 4, monthly);
	db_bind_cstr(st, 5, token);
	db_bind_int64(st, 6, chain_id);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* Starts a run (the system; chains may be NULL) and runs its job here: 0 or
 * bill_start's error.  *run_id the run. */
static int
bill(struct ctx *c, const char *period, const int64_t *chains, int n, int64_t *run_id,
     struct anju_err *e)
{
	int64_t job = 0, claimed = 0, rid = 0;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = bill_start(c->db, NULL, period, chains, n, &who, &rid, &job, e);
	if (rc != 0) {
		db_rollback(c->db);
		return rc;
	}
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "test", job, &claimed, e), 1);
	ok(c->db, job_run(c->db, job, "test", NULL, NULL, NULL, e));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM job WHERE id = ? AND state ="
				 " 'succeeded'",
				 job),
			 1);
	if (run_id != NULL)
		*run_id = rid;
	return 0;
}

static int64_t
charge_of(struct ctx *c, int64_t chain_id, const char *kind, const char *period)
{
	struct db_stmt *st;
	int64_t v = -1;

	ok(c->db, db_prepare(c->db,
			     "SELECT amount_fen FROM charge WHERE source_type = 'lease_chain'"
			     " AND source_id = ? AND kind = ? AND period = ?",
			     &st));
	db_bind_int64(st, 1, chain_id);
	db_bind_cstr(st, 2, kind);
	db_bind_cstr(st, 3, period);
	if (db_step(st) == DB_ROW)
		v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

static int64_t
prorate(int64_t monthly, int64_t days, int64_t dim, enum rounding r)
{
	int64_t v = 0;

	assert_int_equal(money_mul_rate(monthly, days, dim, r, &v), 0);
	return v;
}

/*
 * Standards and quotes.
 */

static void
test_quote(void **state)
{
	struct ctx *c = *state;
	int64_t u2 = unit(c, "两室一厅", 6025), u1 = unit(c, "一室一厅", 4317);
	int64_t plain = household(c, "new_employee", 1, 900000, NULL);
	int64_t low = household(c, "low_income", 3, 600000, NULL);
	int64_t veteran = household(c, "new_employee", 2, 900000, "elderly,veteran");
	int64_t poor = household(c, "new_employee", 2, 180000, NULL); /* 900 yuan a person */
	int64_t s_all, s_two;
	struct rent_quote q;
	struct anju_err e;

	/* No standard yet: named community and layout. */
	assert_int_equal(rent_quote(c->db, u2, plain, NULL, &q, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "rent_standard_missing");
	assert_non_null(strstr(e.msg, "两室一厅"));
	assert_non_null(strstr(e.msg, "南苑公租房"));
	s_all = standard(c, "*", "per_m2", 1234, 0, "down",
			 "[{\"code\":\"dibao\",\"name\":\"低收入家庭减半\",\"kind\":\"category\","
			 "\"match\":\"low_income\",\"share_ppm\":500000},"
			 "{\"code\":\"vet\",\"name\":\"优抚对象七折\",\"kind\":\"special_group\","
			 "\"match\":\"veteran\",\"share_ppm\":700000},"
			 "{\"code\":\"tier1\",\"name\":\"人均1000元以下六折\",\"kind\":"
			 "\"income_tier\",\"income_max_fen\":100000,\"share_ppm\":600000},"
			 "{\"code\":\"tier2\",\"name\":\"人均2000元以下八折\",\"kind\":"
			 "\"income_tier\",\"income_max_fen\":200000,\"share_ppm\":800000}]");
	/* 60.25 m² × 12.34 = 743.485 yuan: rounded down. */
	ok(c->db, rent_quote(c->db, u2, plain, NULL, &q, &e));
	assert_int_equal(q.standard_id, s_all);
	assert_int_equal(q.base_fen, 74348);
	assert_int_equal(q.share_ppm, RENT_PPM);
	assert_int_equal(q.monthly_fen, 74348);
	assert_string_equal(q.reduction, "");
	assert_string_equal(q.rounding, "down");
	/* The category's half: 37174; the special group's 70%: 52043.6 → 52043;
	 * 900 yuan a person matches both tiers: the smallest share (60%). */
	ok(c->db, rent_quote(c->db, u2, low, NULL, &q, &e));
	assert_string_equal(q.reduction, "dibao");
	assert_int_equal(q.monthly_fen, 37174);
	ok(c->db, rent_quote(c->db, u2, veteran, NULL, &q, &e));
	assert_string_equal(q.reduction, "vet");
	assert_int_equal(q.monthly_fen, 52043);
	ok(c->db, rent_quote(c->db, u2, poor, NULL, &q, &e));
	assert_string_equal(q.reduction, "tier1");
	assert_int_equal(q.monthly_fen, prorate(74348, 600000, RENT_PPM, ROUND_DOWN));
	/* A layout's own standard goes before the community's. */
	s_two = standard(c, "两室一厅", "fixed", 0, 80000, "half_up", NULL);
	ok(c->db, rent_quote(c->db, u2, low, NULL, &q, &e));
	assert_int_equal(q.standard_id, s_two);
	assert_int_equal(q.monthly_fen, 80000);
	assert_int_equal(q.price_fen_m2, 0);
	ok(c->db, rent_quote(c->db, u1, low, NULL, &q, &e));
	assert_int_equal(q.standard_id, s_all);
	/* 43.17 × 12.34 = 532.7178 → 53271 (down); half 26635.5 → 26635. */
	assert_int_equal(q.monthly_fen, 26635);
	/* Before the standards took effect: none. */
	{
		char y[DATE_FMT_LEN];

		assert_int_equal(rent_quote(c->db, u2, plain,
					    day(y, date_add_days(date_today_shanghai(), -1)), &q,
					    &e),
				 ANJU_ENOTFOUND);
	}
	/* Each rounding rule on 60.25 m² × 12.35 = 744.0875 and at half a fen. */
	{
		static const struct {
			const char *r;
			int64_t want;
		} cases[] = { { "half_up", 74409 },
			      { "down", 74408 },
			      { "up", 74409 },
			      { "half_even", 74409 } };
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char upd[128];

			snprintf(upd, sizeof(upd),
				 "UPDATE rent_standard SET price_fen_m2 = 1235, rounding = '%s'"
				 " WHERE id = ?",
				 cases[i].r);
			assert_int_equal(run_int(c->db, upd, s_all), DB_DONE);
			ok(c->db, rent_quote(c->db, unit(c, "三室", 6025), 0, NULL, &q, &e));
			assert_int_equal(q.base_fen, cases[i].want);
		}
		/* 50.50 m² × 10.01 = 505.505 yuan: half a fen. */
		assert_int_equal(run_int(c->db,
					 "UPDATE rent_standard SET price_fen_m2 = 1001,"
					 " rounding = 'half_even' WHERE id = ?",
					 s_all),
				 DB_DONE);
		ok(c->db, rent_quote(c->db, unit(c, "四室", 5050), 0, NULL, &q, &e));
		assert_int_equal(q.base_fen, 50550); /* 50550.5 → even */
		assert_int_equal(
			run_int(c->db, "UPDATE rent_standard SET rounding = 'half_up' WHERE id = ?",
				s_all),
			DB_DONE);
		ok(c->db, rent_quote(c->db, unit(c, "四室", 5050), 0, NULL, &q, &e));
		assert_int_equal(q.base_fen, 50551);
	}
}

static void
test_standard_rules(void **state)
{
	struct ctx *c = *state;
	char today[DATE_FMT_LEN], tomorrow[DATE_FMT_LEN], yesterday[DATE_FMT_LEN];
	struct rent_standard_in in = {
		.community_id = c->a, .layout = "*", .mode = "per_m2", .price_fen_m2 = 1000
	};
	struct anju_err e;
	int64_t now_id, later_id, fixed_id = 0, x = 0;
	json_t *j = NULL, *bad;

	day(today, date_today_shanghai());
	day(tomorrow, date_add_days(date_today_shanghai(), 1));
	day(yesterday, date_add_days(date_today_shanghai(), -1));
	/* Only the bureau. */
	in.effective_from = today;
	ok(c->db, db_begin(c->db));
	assert_int_equal(rent_standard_create(c->db, &staff, &in, &who, &x, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	/* Never in the past. */
	in.effective_from = yesterday;
	assert_int_equal(rent_standard_create(c->db, &bureau, &in, &who, &x, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "effective_in_past");
	/* A bad reduction is named by its place. */
	in.effective_from = today;
	bad = json_loads("[{\"code\":\"x\",\"name\":\"甲\",\"kind\":\"category\","
			 "\"match\":\"no_such\",\"share_ppm\":500000}]",
			 0, NULL);
	in.reductions = bad;
	assert_int_equal(rent_standard_create(c->db, &bureau, &in, &who, &x, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "reductions[0]");
	json_decref(bad);
	in.reductions = NULL;
	in.price_fen_m2 = 0;
	assert_int_equal(rent_standard_create(c->db, &bureau, &in, &who, &x, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "price_fen_m2");
	in.price_fen_m2 = 1000;
	ok(c->db, rent_standard_create(c->db, &bureau, &in, &who, &now_id, &e));
	/* The same date twice: a conflict. */
	assert_int_equal(rent_standard_create(c->db, &bureau, &in, &who, &x, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "standard_exists");
	db_rollback(c->db);
	ok(c->db, db_begin(c->db));
	ok(c->db, rent_standard_create(c->db, &bureau, &in, &who, &now_id, &e));
	in.effective_from = tomorrow;
	in.price_fen_m2 = 1100;
	ok(c->db, rent_standard_create(c->db, &bureau, &in, &who, &later_id, &e));
	ok(c->db, db_commit(c->db));
	/* In force today: neither withdrawn nor replaced. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(rent_standard_withdraw(c->db, &bureau, now_id, "错了", &who, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "standard_in_force");
	in.effective_from = today;
	in.replaces_id = now_id;
	assert_int_equal(rent_standard_create(c->db, &bureau, &in, &who, &x, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	/* Tomorrow's is corrected by a new row that replaces it. */
	ok(c->db, db_begin(c->db));
	in.effective_from = tomorrow;
	in.replaces_id = later_id;
	in.mode = "fixed";
	in.fixed_fen = 66600;
	ok(c->db, rent_standard_create(c->db, &bureau, &in, &who, &fixed_id, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, rent_standard_get(c->db, &bureau, later_id, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "withdrawn");
	json_decref(j);
	ok(c->db, rent_standard_get(c->db, &bureau, now_id, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_force");
	assert_string_equal(json_string_value(json_object_get(j, "next_from")), tomorrow);
	json_decref(j);
	ok(c->db, rent_standard_get(c->db, &bureau, fixed_id, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "future");
	json_decref(j);
	/* Withdrawing it twice names its state. */
	ok(c->db, db_begin(c->db));
	ok(c->db, rent_standard_withdraw(c->db, &bureau, fixed_id, "暂缓执行", &who, &e));
	assert_int_equal(rent_standard_withdraw(c->db, &bureau, fixed_id, "暂缓执行", &who, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "standard_withdrawn");
	assert_int_equal(rent_standard_withdraw(c->db, &staff, now_id, "暂缓执行", &who, &e),
			 ANJU_ENOTFOUND); /* staff without a scope sees no community */
	db_rollback(c->db);
	/* Audited. */
	assert_true(tm_qint(c->db,
			    "SELECT COUNT(*) FROM audit_log WHERE action = 'rent_standard.create'",
			    0) >= 3);
}

/*
 * The run.
 */

static void
test_run_month(void **state)
{
	struct ctx *c = *state;
	struct period n = this_month(1);
	struct date first = period_first_day(n), last = period_last_day(n);
	int64_t dim = last.d;
	char p[PERIOD_FMT_LEN], f[DATE_FMT_LEN], t[DATE_FMT_LEN], x[DATE_FMT_LEN];
	int64_t u[6], h[6], ch[6], l3, run1 = 0, run2 = 0;
	struct rent_quote q;
	struct anju_err e;
	json_t *run = NULL;

	ptext(p, n);
	standard(c, "*", "per_m2", 1000, 0, "half_up", NULL);
	for (int i = 0; i < 6; i++) {
		u[i] = unit(c, "两室一厅", 6025);
		h[i] = household(c, "new_employee", 1, 500000, NULL);
	}
	/* 0: the whole month at the standard's quote (recorded as lease.c does). */
	ok(c->db, rent_quote(c->db, u[0], h[0], NULL, &q, &e));
	ch[0] = chain(c, h[0], u[0], "in_force", "2020-01-01", day(t, date_add_months(last, 12)),
		      q.monthly_fen, &l3);
	{
		struct db_stmt *st;

		ok(c->db,
		   db_prepare(c->db, "UPDATE lease SET rent_rule_version = ? WHERE id = ?", &st));
		db_bind_int64(st, 1, q.standard_id);
		db_bind_int64(st, 2, l3);
		assert_int_equal(step_to_end(st), DB_DONE);
	}
	ok(c->db, rent_quote_record(c->db, l3, "2020-01-01", &q, &e));
	/* 1: starts on the 10th. */
	ch[1] = chain(c, h[1], u[1], "signed", day(f, date_add_days(first, 9)),
		      day(t, date_add_months(last, 12)), 50000, NULL);
	/* 2: a change on the 15th from 500 to 600 yuan. */
	ch[2] = chain(c, h[2], u[2], "ended", "2020-01-01", day(t, date_add_days(first, 13)), 50000,
		      &l3);
	assert_int_equal(run_int(c->db,
				 "UPDATE lease_chain SET state = 'open', ended_on = NULL"
				 " WHERE id = ?",
				 ch[2]),
			 DB_DONE);
	next_lease(c, ch[2], 2, day(f, date_add_days(first, 14)), day(t, date_add_months(last, 6)),
		   60000);
	/* 3: a change on the 20th at the same rent: one full month. */
	ch[3] = chain(c, h[3], u[3], "ended", "2020-01-01", day(t, date_add_days(first, 18)), 45000,
		      NULL);
	assert_int_equal(run_int(c->db,
				 "UPDATE lease_chain SET state = 'open', ended_on = NULL"
				 " WHERE id = ?",
				 ch[3]),
			 DB_DONE);
	next_lease(c, ch[3], 2, day(f, date_add_days(first, 19)), day(t, date_add_months(last, 6)),
		   45000);
	/* 4: ended before the month; 5: a draft. */
	ch[4] = chain(c, h[4], u[4], "ended", "2020-01-01", day(x, date_add_days(first, -1)), 40000,
		      NULL);
	ch[5] = chain(c, h[5], u[5], "draft", day(f, first), day(t, last), 40000, NULL);
	bill_set_chunk(2); /* three chunks of chains, a journal each */
	ok(c->db, bill(c, p, NULL, 0, &run1, &e));
	assert_int_equal(charge_of(c, ch[0], "rent", p), q.monthly_fen);
	assert_int_equal(charge_of(c, ch[1], "rent", p),
			 prorate(50000, dim - 9, dim, ROUND_HALF_UP));
	assert_int_equal(charge_of(c, ch[2], "rent", p),
			 prorate(50000, 14, dim, ROUND_HALF_UP) +
				 prorate(60000, dim - 14, dim, ROUND_HALF_UP));
	assert_int_equal(charge_of(c, ch[3], "rent", p), 45000);
	assert_int_equal(charge_of(c, ch[4], "rent", p), -1);
	assert_int_equal(charge_of(c, ch[5], "rent", p), -1);
	/* Why: the quote's standard and inputs; the days; the segments. */
	assert_int_equal(
		tm_qint(c->db, "SELECT standard_id FROM rent_line WHERE chain_id = ?", ch[0]),
		q.standard_id);
	assert_int_equal(
		tm_qint(c->db, "SELECT area_centi FROM rent_line WHERE chain_id = ?", ch[0]), 6025);
	assert_int_equal(
		tm_qint(c->db, "SELECT days_billed FROM rent_line WHERE chain_id = ?", ch[1]),
		dim - 9);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM rent_line WHERE chain_id = ?"
				 " AND segments IS NOT NULL",
				 ch[2]),
			 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM rent_line WHERE standard_id IS NULL"
				 " AND run_id = ?",
				 run1),
			 3);
	/* Due on the 5th; two journals for four charges (the third chunk raised
	 * nothing); one audit row each. */
	{
		char due[DATE_FMT_LEN];
		struct date d5 = first;
		struct db_stmt *st;

		d5.d = 5;
		day(due, d5);
		ok(c->db,
		   db_prepare(c->db, "SELECT COUNT(*) FROM charge WHERE period = ? AND due_on = ?",
			      &st));
		db_bind_cstr(st, 1, p);
		db_bind_cstr(st, 2, due);
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), 4);
		db_reset(st);
	}
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM journal WHERE event = 'charge.batch'"
				 " AND object_id = ?",
				 run1),
			 2);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE action ="
				 " 'charge.raise_batch'",
				 0),
			 2);
	/* A household's account page shows its own lines of a batch journal. */
	{
		json_t *items = NULL, *lines;
		int64_t next = 0;

		ok(c->db, ledger_household_lines(c->db, h[1], 0, 10, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		lines = json_object_get(json_array_get(items, 0), "lines");
		assert_int_equal(json_array_size(lines), 2);
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(lines, 0), "amount_fen")),
			charge_of(c, ch[1], "rent", p));
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(lines, 1), "account")),
			"rent_income");
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(lines, 1), "amount_fen")),
			-charge_of(c, ch[1], "rent", p));
		json_decref(items);
	}
	ok(c->db, bill_run_get(c->db, run1, &run, &e));
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(json_integer_value(json_object_get(run, "charges")), 4);
	assert_int_equal(json_integer_value(json_object_get(run, "chains_seen")), 5);
	json_decref(run);
	assert_ledger_sound(c->db);
	/* Again: nothing new, no journal. */
	bill_set_chunk(0);
	ok(c->db, bill(c, p, NULL, 0, &run2, &e));
	ok(c->db, bill_run_get(c->db, run2, &run, &e));
	assert_int_equal(json_integer_value(json_object_get(run, "charges")), 0);
	assert_int_equal(json_integer_value(json_object_get(run, "skipped")), 4);
	json_decref(run);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge WHERE kind = 'rent'", 0), 4);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM journal WHERE event = 'charge.batch'", 0), 2);
	assert_ledger_sound(c->db);
}

static void
test_periods_and_catch_up(void **state)
{
	struct ctx *c = *state;
	struct period past = this_month(-2), older = this_month(-3);
	char p[PERIOD_FMT_LEN], o[PERIOD_FMT_LEN], far[PERIOD_FMT_LEN], t[DATE_FMT_LEN];
	int64_t u = unit(c, "一室", 4000), h = household(c, "low_income", 1, 0, NULL), ch, run;
	struct anju_err e;

	ptext(p, past);
	ptext(o, older);
	ch = chain(c, h, u, "in_force", "2020-01-01",
		   day(t, date_add_months(date_today_shanghai(), 12)), 33300, NULL);
	/* Malformed, too far, earlier without chains. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(bill_period_check(c->db, "2026-13", NULL, false, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "period");
	assert_int_equal(bill_period_check(c->db, ptext(far, this_month(2)), NULL, false, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "period_too_far");
	assert_int_equal(bill_period_check(c->db, p, NULL, false, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "period_past");
	ok(c->db, bill_period_check(c->db, ptext(far, this_month(0)), NULL, false, &e));
	db_rollback(c->db);
	/* The catch-up of one chain for an earlier month. */
	ok(c->db, bill(c, p, &ch, 1, &run, &e));
	assert_int_equal(charge_of(c, ch, "rent", p), 33300);
	/* A closed period takes no billing. */
	ok(c->db, db_begin(c->db));
	ok(c->db, ledger_close_period(c->db, o, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(bill(c, o, &ch, 1, &run, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "period_closed");
	/* A chain nobody has: 404. */
	{
		int64_t none = ch + 100;

		assert_int_equal(bill(c, p, &none, 1, &run, &e), ANJU_ENOTFOUND);
	}
	assert_ledger_sound(c->db);
}

/* An eviction of a chain still in its unit, its vacate period ended on
 * vacate_by. */
static void
evict(struct ctx *c, int64_t ch, const char *vacate_by)
{
	struct db_stmt *st;

	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO eviction (chain_id, lease_id, household_id, unit_id,"
		      " community_id, basis, basis_id, reason, state, decided_at, decided_on,"
		      " decided_by, policy_version, notice_served_on, vacate_days, vacate_by,"
		      " created_at, updated_at) SELECT c.id, l.id, c.household_id, c.unit_id,"
		      " c.community_id, 'recheck', 1, '复核不合格', 'overdue', " TM_TIME
		      ", '2020-01-01', 'account:1', ?, '2020-01-01', 90, ?, " TM_TIME ", " TM_TIME
		      " FROM lease_chain c JOIN lease l ON l.chain_id = c.id WHERE c.id = ?",
		      &st));
	db_bind_int64(st, 1, c->policy);
	db_bind_cstr(st, 2, vacate_by);
	db_bind_int64(st, 3, ch);
	assert_int_equal(step_to_end(st), DB_DONE);
}

static void
test_overstay(void **state)
{
	struct ctx *c = *state;
	struct period past = this_month(-2), after = this_month(-1);
	struct date first = period_first_day(past);
	int64_t dim = period_last_day(past).d, dim2 = period_last_day(after).d;
	char p[PERIOD_FMT_LEN], p2[PERIOD_FMT_LEN], t[DATE_FMT_LEN], v[DATE_FMT_LEN];
	int64_t u1 = unit(c, "两室", 6025), u2 = unit(c, "两室", 6025);
	int64_t h1 = household(c, "low_income", 1, 0, NULL),
		h2 = household(c, "low_income", 1, 0, NULL);
	int64_t c1, c2, both[2], run, market = prorate(2000, 6025, 100, ROUND_HALF_UP);
	struct anju_err e;

	ptext(p, past);
	ptext(p2, after);
	c1 = chain(c, h1, u1, "in_force", "2020-01-01", day(t, date_add_months(first, 24)), 30000,
		   NULL);
	c2 = chain(c, h2, u2, "in_force", "2020-01-01", day(t, date_add_months(first, 24)), 30000,
		   NULL);
	/* c2's month is billed before its overstay is known. */
	ok(c->db, bill(c, p, &c2, 1, &run, &e));
	assert_int_equal(charge_of(c, c2, "rent", p), 30000);
	/* c1 overstays from the 21st, c2 from the 26th. */
	evict(c, c1, day(v, date_add_days(first, 19)));
	evict(c, c2, day(v, date_add_days(first, 24)));
	both[0] = c1;
	both[1] = c2;
	ok(c->db, bill(c, p, both, 2, &run, &e));
	assert_int_equal(charge_of(c, c1, "rent", p), prorate(30000, 20, dim, ROUND_HALF_UP));
	assert_int_equal(charge_of(c, c1, "overstay_rent", p),
			 prorate(market, dim - 20, dim, ROUND_HALF_UP));
	/* c2: the market rate's excess over the rent billed for those days. */
	assert_int_equal(charge_of(c, c2, "rent", p), 30000);
	assert_int_equal(charge_of(c, c2, "overstay_rent", p),
			 prorate(market, dim - 25, dim, ROUND_HALF_UP) -
				 prorate(30000, dim - 25, dim, ROUND_HALF_UP));
	/* The next month: all overstay, no rent. */
	ok(c->db, bill(c, p2, &c1, 1, &run, &e));
	assert_int_equal(charge_of(c, c1, "rent", p2), -1);
	assert_int_equal(charge_of(c, c1, "overstay_rent", p2), market);
	(void)dim2;
	assert_int_equal(tm_qint(c->db,
				 "SELECT price_fen_m2 FROM rent_line WHERE kind ="
				 " 'overstay_rent' AND chain_id = ? ORDER BY charge_id LIMIT 1",
				 c1),
			 2000);
	assert_ledger_sound(c->db);
}

static void
test_credit_settles(void **state)
{
	struct ctx *c = *state;
	struct period n = this_month(0);
	char p[PERIOD_FMT_LEN], t[DATE_FMT_LEN];
	int64_t u = unit(c, "一室", 4000), h = household(c, "low_income", 1, 0, NULL), ch, pay, run;
	int64_t clerk = tm_account(c->db, "clerk", "收费员", "finance", "active");
	struct caller fin = { CALLER_ACCOUNT, clerk, ROLE_FINANCE, "clerk", "account:9", true };
	struct payment_in in = { .household_id = h, .amount_fen = 50000, .channel = CHANNEL_CASH };
	struct anju_err e;
	json_t *out = NULL;

	ptext(p, n);
	tm_book(c->db, "A001", 1, 100, clerk);
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &fin, &in, &who, &pay, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	ch = chain(c, h, u, "in_force", "2020-01-01",
		   day(t, date_add_months(date_today_shanghai(), 12)), 30000, NULL);
	ok(c->db, bill(c, p, NULL, 0, &run, &e));
	assert_int_equal(tm_qint(c->db,
				 "SELECT paid_fen FROM charge WHERE source_id = ?"
				 " AND kind = 'rent'",
				 ch),
			 30000);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM charge WHERE source_id = ?"
				 " AND state = 'paid'",
				 ch),
			 1);
	assert_ledger_sound(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standard_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_month, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periods_and_catch_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overstay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_settles, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
