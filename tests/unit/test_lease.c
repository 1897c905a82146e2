/*
 * Unit tests of leases on a real database (both engines): the overlap rule
 * for a unit and for a household (an ended lease counts), the term limit,
 * a renewal starting exactly the day after, the renewal window, states by
 * date through the daily work and lease_in_force() on past dates, the
 * deposit charged once (and a renewal's increase once more), the contract
 * PDF stored once with the same bytes on every download and a new version
 * when the draft's content or a change makes one, the public verification
 * without personal data, a change that splits the lease without overlap,
 * the unit swap kept for the bureau, lease_end, and the ledger sound after
 * it all.
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
#include "files/files.h"
#include "household/household.h"
#include "housing/housing.h"
#include "money/check.h"
#include "pdf/pdf.h"
#include "rent/billing.h"
#include "store/migrate.h"
#include "tenancy/lease.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	char files[256];
	int64_t a, b;             /* communities */
	int64_t u1, u2, u3, ub;   /* vacant units of a (u1..u3) and of b */
	int64_t h1, h2;           /* households of a */
	int64_t h1_spouse_member; /* h1's spouse: member id */
	int64_t h1_child;         /* a child of h1, 2015 */
	int64_t standard;         /* the rent standard of a, from today */
};

/* The rent of a's units (60.25 m²) for h1, a low-income household: 9 yuan a
 * m², half for its category (27112.5 rounded half up). */
#define H1_RENT 27113

static const struct audit_actor who = { "account:1", "staff", "operator_staff", "::1", NULL };
static struct caller staff = { CALLER_ACCOUNT, 0, ROLE_OPERATOR_STAFF, "staff", NULL, false };
static struct caller manager = { CALLER_ACCOUNT, 0, ROLE_OPERATOR_MANAGER, "mgr", NULL, false };
static struct caller bureau = { CALLER_ACCOUNT, 0, ROLE_BUREAU, "bureau", NULL, true };
static char staff_p[32], manager_p[32], bureau_p[32];

static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0,
				     0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 1,
				     0,    0,   0,   1,   8,    6,    0,    0,    0 };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("lease", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	pdf_shutdown();
	return 0;
}

static const char *
idn(char out[19], const char *digits17)
{
	memcpy(out, digits17, 17);
	out[17] = idnum_check_char(digits17);
	out[18] = '\0';
	return out;
}

static int64_t
unit(struct db *db, int64_t community, int64_t building, const char *number)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(
		   db,
		   "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		   " layout, floor_area, usable_area, status, status_since, created_at,"
		   " updated_at) VALUES (?, ?, 1, 3, ?, '两室一厅', 6025, 5200, 'vacant', " TM_TIME
		   ", " TM_TIME ", " TM_TIME ") RETURNING id",
		   &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, building);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
building(struct db *db, int64_t community)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db,
			  "INSERT INTO building (community_id, name, floors, entrances, created_at)"
			  " VALUES (?, '3号楼', 18, 2, " TM_TIME ") RETURNING id",
			  &st));
	db_bind_int64(st, 1, community);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	char h1[19], s1[19], k1[19], h2[19];
	struct member_in m1[3] = {
		{ { "张三丰", idn(h1, "99010119850307001"), NULL }, "head" },
		{ { "李芳", idn(s1, "99010119901231002"), NULL }, "spouse" },
		{ { "张小宝", idn(k1, "99010120150601003"), NULL }, "child" },
	};
	struct member_in m2[1] = {
		{ { "王五", idn(h2, "99010119700101004"), NULL }, "head" },
	};
	struct household_in in = { .category = "low_income", .members = m1, .nmembers = 3 };
	struct anju_err e;
	int64_t owner, op, acct, bld, bldb;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	if (testdb_mkdtemp(c->files, sizeof(c->files), "anju-lease-files") != 0)
		return -1;
	files_set_root(c->files);
	owner = tm_insert_id(c->db,
			     "INSERT INTO owner (name, credit_code, created_at) VALUES"
			     " ('咸宁市城市建设投资集团', ?, " TM_TIME ") RETURNING id",
			     "91310115591693856A");
	op = tm_insert_id(c->db,
			  "INSERT INTO operator (name, credit_code, created_at) VALUES"
			  " ('安居物业服务有限公司', ?, " TM_TIME ") RETURNING id",
			  "91420000000000000X");
	c->a = tm_community(c->db, "南苑公租房");
	c->b = tm_community(c->db, "肖桥公租房");
	{
		struct db_stmt *st;

		ok(c->db, db_prepare(c->db,
				     "UPDATE community SET owner_id = ?, operator_id = ?,"
				     " address = '咸宁市咸安区南苑路 1 号'",
				     &st));
		db_bind_int64(st, 1, owner);
		db_bind_int64(st, 2, op);
		assert_int_equal(step_to_end(st), DB_DONE);
	}
	bld = building(c->db, c->a);
	bldb = building(c->db, c->b);
	c->u1 = unit(c->db, c->a, bld, "3-1-301");
	c->u2 = unit(c->db, c->a, bld, "3-1-302");
	c->u3 = unit(c->db, c->a, bld, "3-1-303");
	c->ub = unit(c->db, c->b, bldb, "3-1-301");
	acct = tm_account(c->db, "staff1", "经办员甲", "operator_staff", "active");
	staff.id = acct;
	snprintf(staff_p, sizeof(staff_p), "account:%lld", (long long)acct);
	staff.principal = staff_p;
	acct = tm_account(c->db, "mgr1", "运营主管", "operator_manager", "active");
	manager.id = acct;
	snprintf(manager_p, sizeof(manager_p), "account:%lld", (long long)acct);
	manager.principal = manager_p;
	acct = tm_account(c->db, "bureau1", "住建局", "bureau", "active");
	bureau.id = acct;
	snprintf(bureau_p, sizeof(bureau_p), "account:%lld", (long long)acct);
	bureau.principal = bureau_p;
	in.community_id = c->a;
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, staff_p, &c->a, 1, &e));
	ok(c->db, scope_set(c->db, manager_p, &c->a, 1, &e));
	ok(c->db, household_create(c->db, &in, &who, &c->h1, &e));
	in.members = m2;
	in.nmembers = 1;
	ok(c->db, household_create(c->db, &in, &who, &c->h2, &e));
	{
		/* New leases and renewals take their rent from it (rent/rent.h). */
		char today[DATE_FMT_LEN];
		json_t *red = json_loads("[{\"code\":\"low\",\"name\":\"低收入减半\","
					 "\"kind\":\"category\",\"match\":\"low_income\","
					 "\"share_ppm\":500000}]",
					 0, NULL);
		struct rent_standard_in rs = { .community_id = c->a,
					       .layout = "*",
					       .mode = "per_m2",
					       .price_fen_m2 = 900,
					       .reductions = red };

		date_format(date_today_shanghai(), today);
		rs.effective_from = today;
		ok(c->db, rent_standard_create(c->db, &bureau, &rs, &who, &c->standard, &e));
		json_decref(red);
	}
	ok(c->db, db_commit(c->db));
	c->h1_spouse_member =
		tm_qint(c->db,
			"SELECT m.id FROM member m JOIN person p ON p.id = m.person_id"
			" WHERE m.household_id = ? AND m.relationship = 'spouse'",
			c->h1);
	config_reset();
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	testdb_rmtree(c->files);
	free(c);
	return 0;
}

/* A date n days from today, as text in out. */
static const char *
day(char out[DATE_FMT_LEN], int n)
{
	date_format(date_add_days(date_today_shanghai(), n), out);
	return out;
}

/* Drafts an existing paper lease (manager) of household on unit from
 * starts for months; returns its id. */
static int64_t
draft_existing(struct ctx *c, int64_t household, int64_t unit_id, const char *starts, int months,
	       int64_t deposit)
{
	struct lease_in in = {
		.household_id = household,
		.unit_id = unit_id,
		.starts_on = starts,
		.term_months = months,
		.monthly_rent_fen = 52300,
		.deposit_fen = deposit,
		.existing = true,
		.existing_reason = "试点前已签纸质合同",
	};
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, lease_create(c->db, &manager, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

/* Uploads a signature PNG for the lease; its attachment id. */
static int64_t
signature(struct ctx *c, int64_t lease)
{
	struct attachment_in in = {
		"lease", lease, "contract", "sign.png", NULL, png, sizeof(png)
	};
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, attachment_add(c->db, &staff, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

/* Signs lease on signed_on (NULL: today): the return code, committed when 0. */
static int
sign(struct ctx *c, int64_t lease, const char *signed_on, struct anju_err *e)
{
	struct lease_sign_in in = { "onscreen", signature(c, lease), signed_on };
	int rc;

	ok(c->db, db_begin(c->db));
	rc = lease_sign(c->db, &manager, lease, &in, &who, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static char *
qtext(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	char *v;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	v = xstrdup(db_col_text(st, 0) ? db_col_text(st, 0) : "");
	db_reset(st);
	return v;
}

static void
assert_text(struct db *db, const char *sql, int64_t arg, const char *want)
{
	char *v = qtext(db, sql, arg);

	assert_string_equal(v, want);
	free(v);
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

static void
run_daily(struct ctx *c, const char *as_of)
{
	struct anju_err e;
	int64_t changed;

	do {
		ok(c->db, db_begin(c->db));
		ok(c->db, lease_daily(c->db, as_of, &who, 2, &changed, &e));
		ok(c->db, db_commit(c->db));
	} while (changed > 0);
}

static void
test_overlap(void **state)
{
	struct ctx *c = *state;
	struct lease_in in = { 0 };
	struct anju_err e;
	char d[DATE_FMT_LEN], d2[DATE_FMT_LEN];
	int64_t l1, l2, id = 0;

	/* h1 on u1 for 12 months from 100 days ago. */
	l1 = draft_existing(c, c->h1, c->u1, day(d, -100), 12, 100000);
	ok(c->db, sign(c, l1, day(d, -100), &e));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l1, "in_force");
	/* The unit is taken: h2 on u1 overlapping is refused at drafting. */
	in = (struct lease_in){ c->h2, c->u1, day(d, -10), 12, NULL, 50000, 0, true, "纸质合同" };
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "lease_overlaps");
	assert_string_equal(e.field, "unit_id");
	db_rollback(c->db);
	/* h2 on u1 after h1's term is fine (adjacent, not overlapping). */
	in.starts_on = qtext(c->db, "SELECT ends_on FROM lease WHERE id = ?", l1);
	{
		struct date x;

		date_parse(str_c(in.starts_on), &x);
		free((char *)in.starts_on);
		in.starts_on = day(d2, (int)(date_to_days(date_add_days(x, 1)) -
					     date_to_days(date_today_shanghai())));
	}
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_create(c->db, &manager, &in, &who, &l2, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, sign(c, l2, day(d, 0), &e));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l2, "signed");

	/* The household: h1 ends its lease (move-out), and a lease of h1 on u2
	 * over days the ended one still covered is refused for the household. */
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_end(c->db, l1, day(d, -5), "move_out", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_text(c->db,
		    "SELECT state FROM lease_chain WHERE id = (SELECT chain_id FROM lease"
		    " WHERE id = ?)",
		    l1, "ended");
	in = (struct lease_in){ c->h1, c->u2, day(d, -20), 6, NULL, 50000, 0, true, "纸质合同" };
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "lease_overlaps");
	assert_string_equal(e.field, "household_id");
	db_rollback(c->db);
	/* From the day after it ended: fine. */
	in.starts_on = day(d, -4);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_create(c->db, &manager, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	/* A second draft while the chain is open is refused. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "tenancy_open");
	db_rollback(c->db);
	/* A new tenancy without an accepted offer is refused. */
	in = (struct lease_in){ c->h2, c->u3, day(d, 0), 12, NULL, 50000, 0, false, NULL };
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "unit_status"); /* u3 is vacant, not allocated */
	db_rollback(c->db);
	/* Staff may not enter existing leases. */
	in.existing = true;
	in.existing_reason = "纸质合同";
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &id, &e), ANJU_EFORBIDDEN);
	db_rollback(c->db);
	assert_ledger_sound(c->db);
}

static void
test_term_and_input(void **state)
{
	struct ctx *c = *state;
	struct lease_in in = { c->h2, c->u3, NULL, 61, NULL, 50000, 0, true, "纸质合同" };
	struct anju_err e;
	char d[DATE_FMT_LEN];
	int64_t id = 0;

	in.starts_on = day(d, 0);
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "term_too_long");
	in.term_months = 0;
	in.ends_on = "2020-01-01";
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "ends_on");
	in.ends_on = NULL;
	in.term_months = 60; /* exactly the limit */
	in.monthly_rent_fen = 0;
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "monthly_rent_fen");
	in.monthly_rent_fen = 50000;
	in.existing_reason = NULL;
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	in.existing_reason = "纸质合同";
	in.unit_id = c->ub; /* outside the manager's scope */
	assert_int_equal(lease_create(c->db, &manager, &in, &who, &id, &e), ANJU_ENOTFOUND);
	in.unit_id = c->u3;
	ok(c->db, lease_create(c->db, &manager, &in, &who, &id, &e));
	db_rollback(c->db);
	/* Signing a lease that is not a draft names its state. */
	id = draft_existing(c, c->h2, c->u3, day(d, 0), 12, 0);
	ok(c->db, sign(c, id, NULL, &e));
	assert_int_equal(sign(c, id, NULL, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "lease_state");
	assert_non_null(strstr(e.msg, "履行中"));
}

static void
test_states_by_date(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char d[DATE_FMT_LEN], end1[DATE_FMT_LEN], after[DATE_FMT_LEN];
	int64_t l, chain, found = 0;
	char *ends;

	/* A paper lease starting in 10 days stays signed until then. */
	l = draft_existing(c, c->h2, c->u2, day(d, 10), 1, 0);
	ok(c->db, sign(c, l, NULL, &e));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "signed");
	chain = tm_qint(c->db, "SELECT chain_id FROM lease WHERE id = ?", l);
	run_daily(c, day(d, 9));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "signed");
	ok(c->db, lease_in_force(c->db, chain, day(d, 9), &found, &e));
	assert_int_equal(found, 0);
	ok(c->db, lease_in_force(c->db, chain, day(d, 10), &found, &e));
	assert_int_equal(found, l);
	run_daily(c, day(d, 10));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "in_force");
	/* After its last day it ends, and so does its chain (no renewal). */
	ends = qtext(c->db, "SELECT ends_on FROM lease WHERE id = ?", l);
	snprintf(end1, sizeof(end1), "%s", ends);
	free(ends);
	run_daily(c, end1);
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "in_force");
	{
		struct date x;

		date_parse(str_c(end1), &x);
		date_format(date_add_days(x, 1), after);
	}
	run_daily(c, after);
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "ended");
	assert_text(c->db, "SELECT end_reason FROM lease WHERE id = ?", l, "expired");
	assert_text(c->db, "SELECT state FROM lease_chain WHERE id = ?", chain, "ended");
	/* Still the lease of its past days. */
	ok(c->db, lease_in_force(c->db, chain, end1, &found, &e));
	assert_int_equal(found, l);
	ok(c->db, lease_in_force(c->db, chain, after, &found, &e));
	assert_int_equal(found, 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE object_type = 'lease' AND"
				 " object_id = CAST(? AS TEXT) AND action IN ('lease.in_force',"
				 " 'lease.end')",
				 l),
			 2);
}

static void
test_renewal_and_deposit(void **state)
{
	struct ctx *c = *state;
	struct lease_renew_in rin = { 12, 55000, 120000, NULL };
	struct anju_err e;
	char d[DATE_FMT_LEN], far[DATE_FMT_LEN];
	int64_t l, r = 0, r2 = 0, chain;
	json_t *check = NULL;
	char *ends, *starts;
	struct date x;

	/* 12 months from 11 months ago: 1 month left, in the 3-month window. */
	date_format(date_add_months(date_today_shanghai(), -11), d);
	l = draft_existing(c, c->h1, c->u1, d, 12, 100000);
	ok(c->db, sign(c, l, d, &e));
	chain = tm_qint(c->db, "SELECT chain_id FROM lease WHERE id = ?", l);
	/* The deposit is charged once, due on the signing date. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM charge WHERE source_type = 'lease_chain'"
				 " AND source_id = ? AND kind = 'deposit'",
				 chain),
			 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT amount_fen FROM charge WHERE source_type = 'lease_chain'"
				 " AND source_id = ? AND kind = 'deposit'",
				 chain),
			 100000);
	/* Outside the window (asked as if a year earlier): refused. */
	date_format(date_add_months(date_today_shanghai(), -10), far);
	rin.on_date = far;
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_renew(c->db, &staff, l, &rin, &who, &r, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "renewal_window");
	db_rollback(c->db);
	rin.on_date = NULL;
	ok(c->db, lease_renewal_check(c->db, &staff, l, NULL, &check, &e));
	assert_true(json_is_true(json_object_get(check, "in_window")));
	json_decref(check);
	/* Not eligible (the category asks for a local hukou): refused, with the
	 * rule in the clerk's words. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_renew(c->db, &staff, l, &rin, &who, &r, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "renewal_not_eligible");
	assert_non_null(strstr(e.msg, "户籍"));
	db_rollback(c->db);
	assert_int_equal(run_int(c->db, "UPDATE household SET local_hukou = 1 WHERE id = ?", c->h1),
			 DB_DONE);
	ok(c->db, db_begin(c->db));
	{
		int rc = lease_renew(c->db, &staff, l, &rin, &who, &r, &e);

		if (rc != 0)
			print_error("renew: %s %s\n", e.key, e.msg);
		ok(c->db, rc);
	}
	ok(c->db, db_commit(c->db));
	/* Exactly the day after: no gap, no overlap; the same chain. */
	ends = qtext(c->db, "SELECT ends_on FROM lease WHERE id = ?", l);
	starts = qtext(c->db, "SELECT starts_on FROM lease WHERE id = ?", r);
	date_parse(str_c(ends), &x);
	date_format(date_add_days(x, 1), d);
	assert_string_equal(starts, d);
	free(ends);
	free(starts);
	assert_int_equal(tm_qint(c->db, "SELECT chain_id FROM lease WHERE id = ?", r), chain);
	assert_text(c->db, "SELECT kind FROM lease WHERE id = ?", r, "renewal");
	/* Its rent is the standard's on its first day, not the clerk's figure. */
	assert_int_equal(tm_qint(c->db, "SELECT monthly_rent_fen FROM lease WHERE id = ?", r),
			 H1_RENT);
	assert_int_equal(tm_qint(c->db, "SELECT rent_rule_version FROM lease WHERE id = ?", r),
			 c->standard);
	assert_int_equal(
		tm_qint(c->db, "SELECT share_ppm FROM rent_lease_quote WHERE lease_id = ?", r),
		500000);
	/* A second renewal of the same lease is refused. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_renew(c->db, &staff, l, &rin, &who, &r2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "renewal_exists");
	db_rollback(c->db);
	/* Signing it charges the deposit's increase (with its own key), once. */
	ok(c->db, sign(c, r, NULL, &e));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", r, "signed");
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM charge WHERE source_type = 'lease_chain'"
				 " AND source_id = ? AND kind = 'deposit'",
				 chain),
			 2);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT SUM(amount_fen) FROM charge WHERE source_type = 'lease_chain'"
			" AND source_id = ? AND kind = 'deposit'",
			chain),
		120000);
	/* The old lease runs out, the renewal takes over, the chain stays open. */
	ends = qtext(c->db, "SELECT starts_on FROM lease WHERE id = ?", r);
	run_daily(c, ends);
	free(ends);
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "ended");
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", r, "in_force");
	assert_text(c->db, "SELECT state FROM lease_chain WHERE id = ?", chain, "open");
	assert_ledger_sound(c->db);
}

/* The bytes of an attachment. */
static char *
attachment_bytes(struct ctx *c, struct caller *who_, int64_t id, size_t *n)
{
	json_t *meta = NULL;
	int64_t size = 0;
	int fd = -1;
	char *p;
	struct anju_err e;

	ok(c->db, attachment_open(c->db, who_, id, &fd, &size, &meta, &e));
	p = xmalloc((size_t)size + 1);
	assert_int_equal(read(fd, p, (size_t)size), size);
	close(fd);
	json_decref(meta);
	*n = (size_t)size;
	return p;
}

static char *
pdf_text_of(const char *p, size_t n)
{
	char path[] = "/tmp/anju-lease-pdf-XXXXXX";
	int fd = mkstemp(path);
	struct buf cmd, out;
	FILE *f;
	char chunk[4096];
	size_t k;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
	buf_init(&cmd, 0);
	buf_printf(&cmd, "pdftotext -enc UTF-8 '%s' -", path);
	f = popen(cmd.p, "r");
	assert_non_null(f);
	buf_init(&out, 0);
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&out, chunk, k);
	pclose(f);
	unlink(path);
	buf_free(&cmd);
	buf_addc(&out, '\0');
	return buf_take(&out, NULL);
}

static void
test_contract_and_verify(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char d[DATE_FMT_LEN], *token, *text, *hash;
	int64_t l, a1 = 0, a2 = 0, cur = 0;
	char *b1, *b2;
	size_t n1, n2;
	json_t *v = NULL;

	l = draft_existing(c, c->h1, c->u1, day(d, -30), 24, 123450);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_contract_issue(c->db, &staff, l, "https://anju.example/", &who, &a1, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, lease_contract_current(c->db, &staff, l, "https://anju.example", &cur, &e));
	assert_int_equal(cur, a1);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_contract_issue(c->db, &staff, l, "https://anju.example", &who, &a2, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(a1, a2); /* nothing changed: the same document */
	b1 = attachment_bytes(c, &staff, a1, &n1);
	b2 = attachment_bytes(c, &bureau, a2, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	hash = qtext(c->db, "SELECT contract_hash FROM lease WHERE id = ?", l);
	assert_int_equal(strlen(hash), 64);
	text = pdf_text_of(b1, n1);
	assert_non_null(strstr(text, "公共租赁住房租赁合同"));
	assert_non_null(strstr(text, "壹仟贰佰叁拾肆元伍角整")); /* the deposit */
	assert_non_null(strstr(text, "伍佰贰拾叁元整"));         /* the rent */
	assert_non_null(strstr(text, "990***********"));
	assert_null(strstr(text, "99010119850307001")); /* never in full */
	assert_non_null(strstr(text, "咸宁市城市建设投资集团"));
	assert_non_null(strstr(text, "安居物业服务有限公司"));
	assert_non_null(strstr(text, "张小宝"));
	assert_non_null(strstr(text, "累计 6 个月"));
	assert_non_null(strstr(text, "连续 6 个月以上闲置"));
	assert_non_null(strstr(text, "第1版"));
	free(text);
	free(b2);

	/* The unit's layout is corrected before signing: the draft's contract
	 * is issued again as the next version; the first stays as it was. */
	{
		struct unit_patch up = { .layout = "三室一厅" };

		ok(c->db, db_begin(c->db));
		ok(c->db, unit_update(c->db, c->u1, &up, &who, &e));
		ok(c->db, db_commit(c->db));
	}
	ok(c->db, lease_contract_current(c->db, &staff, l, "https://anju.example", &cur, &e));
	assert_int_equal(cur, 0);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_contract_issue(c->db, &staff, l, "https://anju.example", &who, &a2, &e));
	ok(c->db, db_commit(c->db));
	assert_true(a2 != a1);
	assert_int_equal(tm_qint(c->db, "SELECT contract_version FROM lease WHERE id = ?", l), 2);
	b2 = attachment_bytes(c, &staff, a1, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1); /* version 1 is kept as it was */
	free(b2);
	/* A member joins before signing: the lease is signed with the members
	 * of that day, and the contract signed is version 3. */
	{
		char nid[19];
		struct member_in m = { { "张二宝", idn(nid, "99010120180301005"), NULL }, "child" };
		int64_t mid;

		ok(c->db, db_begin(c->db));
		ok(c->db, member_add(c->db, c->h1, &m, &who, &mid, &e));
		ok(c->db, db_commit(c->db));
	}
	ok(c->db, sign(c, l, day(d, -30), &e));
	assert_int_equal(tm_qint(c->db, "SELECT contract_version FROM lease WHERE id = ?", l), 3);
	a2 = tm_qint(c->db, "SELECT contract_attachment_id FROM lease WHERE id = ?", l);
	b2 = attachment_bytes(c, &staff, a2, &n2);
	text = pdf_text_of(b2, n2);
	assert_non_null(strstr(text, "张二宝"));
	assert_non_null(strstr(text, "三室一厅"));
	assert_non_null(strstr(text, "第3版"));
	free(text);
	free(b2);
	/* Signed: frozen, whatever changes afterwards. */
	{
		struct unit_patch up = { .layout = "一室一厅" };

		ok(c->db, db_begin(c->db));
		ok(c->db, unit_update(c->db, c->u1, &up, &who, &e));
		ok(c->db, db_commit(c->db));
	}
	ok(c->db, lease_contract_current(c->db, &staff, l, "https://anju.example", &cur, &e));
	assert_int_equal(cur, a2);
	free(hash);

	/* The public verification: where, when, whether in force; no person. */
	token = qtext(c->db, "SELECT verify_token FROM lease WHERE id = ?", l);
	ok(c->db, lease_verify(c->db, token, &v, &e));
	assert_string_equal(json_string_value(json_object_get(v, "community")), "南苑公租房");
	assert_string_equal(json_string_value(json_object_get(v, "unit_number")), "3-1-301");
	assert_true(json_is_true(json_object_get(v, "in_force_today")));
	assert_null(json_object_get(v, "household_id"));
	assert_null(json_object_get(v, "tenant_name"));
	{
		char *dump = json_dumps(v, 0);

		assert_null(strstr(dump, "张"));
		assert_null(strstr(dump, "990"));
		free(dump);
	}
	json_decref(v);
	token[0] = token[0] == 'a' ? 'b' : 'a';
	assert_int_equal(lease_verify(c->db, token, &v, &e), ANJU_ENOTFOUND);
	assert_int_equal(lease_verify(c->db, "../../etc", &v, &e), ANJU_ENOTFOUND);
	free(token);
	free(b1);
}

static void
test_change(void **state)
{
	struct ctx *c = *state;
	struct lease_change_in ch = { 0 };
	struct anju_err e;
	char d[DATE_FMT_LEN], today[DATE_FMT_LEN], yesterday[DATE_FMT_LEN];
	int64_t l, n = 0, n2 = 0, a = 0, head;
	char *v1;

	l = draft_existing(c, c->h1, c->u1, day(d, -60), 24, 100000);
	ok(c->db, sign(c, l, day(d, -60), &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_contract_issue(c->db, &staff, l, NULL, &who, &a, &e));
	ok(c->db, db_commit(c->db));
	v1 = qtext(c->db, "SELECT contract_hash FROM lease WHERE id = ?", l);

	/* A unit swap is the bureau's. */
	ch = (struct lease_change_in){
		"unit", NULL, 0, NULL, c->u2, 0, "家庭人口增加，调换大户型"
	};
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_change(c->db, &staff, l, &ch, &who, &n, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(lease_change(c->db, &manager, l, &ch, &who, &n, &e), ANJU_EFORBIDDEN);
	db_rollback(c->db);

	/* The spouse becomes the tenant from today. */
	ch = (struct lease_change_in){ "tenant", NULL, c->h1_spouse_member,           "spouse",
				       0,        0,    "原承租人外出务工，由配偶承租" };
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_change(c->db, &staff, l, &ch, &who, &n, &e));
	ok(c->db, db_commit(c->db));
	assert_text(c->db, "SELECT kind FROM lease WHERE id = ?", n, "change");
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "in_force");
	/* Signing splits: the old ends yesterday, the new starts today. */
	ok(c->db, sign(c, n, NULL, &e));
	day(today, 0);
	day(yesterday, -1);
	assert_text(c->db, "SELECT ended_on FROM lease WHERE id = ?", l, yesterday);
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "ended");
	assert_text(c->db, "SELECT end_reason FROM lease WHERE id = ?", l, "changed");
	assert_text(c->db, "SELECT starts_on FROM lease WHERE id = ?", n, today);
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", n, "in_force");
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM lease a JOIN lease b ON"
				 " a.chain_id = b.chain_id AND a.id < b.id WHERE a.chain_id ="
				 " (SELECT chain_id FROM lease WHERE id = ?) AND a.state IN"
				 " ('signed', 'in_force', 'ended') AND b.state IN ('signed',"
				 " 'in_force', 'ended') AND a.starts_on <= COALESCE(b.ended_on,"
				 " b.ends_on) AND b.starts_on <= COALESCE(a.ended_on, a.ends_on)",
				 l),
			 0);
	assert_text(c->db,
		    "SELECT state FROM lease_chain WHERE id = (SELECT chain_id FROM lease"
		    " WHERE id = ?)",
		    n, "open");
	head = tm_qint(c->db, "SELECT person_id FROM member WHERE id = ?", c->h1_spouse_member);
	assert_int_equal(tm_qint(c->db, "SELECT tenant_person_id FROM lease WHERE id = ?", n),
			 head);
	assert_text(c->db, "SELECT relationship FROM member WHERE id = ?", c->h1_spouse_member,
		    "head");
	/* The change's contract is the chain's next version, not the first. */
	assert_int_equal(tm_qint(c->db, "SELECT contract_version FROM lease WHERE id = ?", n), 2);
	{
		char *v2 = qtext(c->db, "SELECT contract_hash FROM lease WHERE id = ?", n);

		assert_string_not_equal(v1, v2);
		free(v2);
	}
	assert_text(c->db, "SELECT contract_hash FROM lease WHERE id = ?", l, v1);
	free(v1);
	/* No deposit charge for a change. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM charge WHERE source_type = 'lease_chain'"
				 " AND source_id = (SELECT chain_id FROM lease WHERE id = ?)",
				 n),
			 1);
	/* The old lease cannot be changed again; the bureau swaps the unit of
	 * the new one. */
	ch = (struct lease_change_in){ "unit", NULL, 0, NULL, c->u2, 0, "调换" };
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_change(c->db, &bureau, l, &ch, &who, &n2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "lease_state");
	db_rollback(c->db);
	assert_ledger_sound(c->db);
}

static void
test_end(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char d[DATE_FMT_LEN];
	int64_t l, chain, found = 0;

	l = draft_existing(c, c->h2, c->u3, day(d, -30), 12, 0);
	/* A draft cannot end. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_end(c->db, l, day(d, 0), "move_out", &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "lease_state");
	db_rollback(c->db);
	ok(c->db, sign(c, l, day(d, -30), &e));
	chain = tm_qint(c->db, "SELECT chain_id FROM lease WHERE id = ?", l);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_end(c->db, l, day(d, 0), "eviction", &who, &e));
	/* Again with a later date: already over, nothing to do. */
	ok(c->db, lease_end(c->db, l, day(d, 3), "eviction", &who, &e));
	assert_int_equal(lease_end(c->db, l, day(d, -3), "eviction", &who, &e), ANJU_ECONFLICT);
	ok(c->db, db_commit(c->db));
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "ended");
	assert_text(c->db, "SELECT state FROM lease_chain WHERE id = ?", chain, "ended");
	ok(c->db, lease_in_force(c->db, chain, day(d, 0), &found, &e));
	assert_int_equal(found, l);
	ok(c->db, lease_in_force(c->db, chain, day(d, 1), &found, &e));
	assert_int_equal(found, 0);
	assert_int_equal(lease_in_force(c->db, chain, "2026-02-30", &found, &e), ANJU_EINVAL);
}

/* The rows of parts B and C a new tenancy starts from, in SQL: household's
 * application allocated, a batch, its entry and the accepted offer of unit;
 * the unit allocated.  Returns the application. */
static int64_t
accepted_offer(struct ctx *c, int64_t household, int64_t unit_id)
{
	struct db_stmt *st;
	int64_t app, batch, entry;

	ok(c->db, db_prepare(c->db,
			     "INSERT INTO application (household_id, community_id, category, state,"
			     " state_at, created_by, created_at, updated_at) VALUES (?, ?,"
			     " 'low_income', 'allocated', " TM_TIME ", 'test', " TM_TIME
			     ", " TM_TIME ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, household);
	db_bind_int64(st, 2, c->a);
	assert_int_equal(db_step(st), DB_ROW);
	app = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO allocation_batch (community_id, title, method, state,"
		      " invite_count, parties, choice_window_hours, offer_response_days,"
		      " publicity_days, created_by, created_at, updated_at) VALUES (?, '第一批',"
		      " 'lottery', 'offering', 1, '[]', 48, 7, 7, 'test', " TM_TIME ", " TM_TIME
		      ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, c->a);
	assert_int_equal(db_step(st), DB_ROW);
	batch = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO batch_entry (batch_id, position, application_id, household_id,"
		      " name_masked, category, queue_at, state) VALUES (?, 1, ?, ?, '张**',"
		      " 'low_income', " TM_TIME ", 'accepted') RETURNING id",
		      &st));
	db_bind_int64(st, 1, batch);
	db_bind_int64(st, 2, app);
	db_bind_int64(st, 3, household);
	assert_int_equal(db_step(st), DB_ROW);
	entry = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO offer (batch_id, entry_id, application_id, household_id,"
			     " unit_id, community_id, state, offered_at, respond_by, updated_at)"
			     " VALUES (?, ?, ?, ?, ?, ?, 'accepted', " TM_TIME
			     ", '2099-01-01', " TM_TIME ")",
			     &st));
	db_bind_int64(st, 1, batch);
	db_bind_int64(st, 2, entry);
	db_bind_int64(st, 3, app);
	db_bind_int64(st, 4, household);
	db_bind_int64(st, 5, unit_id);
	db_bind_int64(st, 6, c->a);
	assert_int_equal(step_to_end(st), DB_DONE);
	assert_int_equal(
		run_int(c->db, "UPDATE unit SET status = 'allocated' WHERE id = ?", unit_id),
		DB_DONE);
	return app;
}

static void
test_new_tenancy(void **state)
{
	struct ctx *c = *state;
	struct lease_in in = { c->h1, c->u1, NULL, 36, NULL, 52300, 150000, false, NULL };
	struct anju_err e;
	char d[DATE_FMT_LEN];
	int64_t app, l = 0, other = 0;

	in.starts_on = day(d, 0);
	/* No accepted offer yet. */
	assert_int_equal(run_int(c->db, "UPDATE unit SET status = 'allocated' WHERE id = ?", c->u1),
			 DB_DONE);
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &l, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "no_accepted_offer");
	db_rollback(c->db);
	app = accepted_offer(c, c->h1, c->u1);
	/* Not in the past. */
	in.starts_on = day(d, -1);
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &l, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "starts_on");
	db_rollback(c->db);
	in.starts_on = day(d, 0);
	/* Without a standard in force: refused, naming the community and
	 * layout. */
	assert_int_equal(run_int(c->db, "UPDATE rent_standard SET state = 'withdrawn' WHERE id = ?",
				 c->standard),
			 DB_DONE);
	ok(c->db, db_begin(c->db));
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &l, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "rent_standard_missing");
	assert_non_null(strstr(e.msg, "两室一厅"));
	db_rollback(c->db);
	assert_int_equal(run_int(c->db, "UPDATE rent_standard SET state = 'active' WHERE id = ?",
				 c->standard),
			 DB_DONE);
	ok(c->db, db_begin(c->db));
	ok(c->db, lease_create(c->db, &staff, &in, &who, &l, &e));
	ok(c->db, db_commit(c->db));
	/* The standard's rent, whatever the clerk typed (52300). */
	assert_int_equal(tm_qint(c->db, "SELECT monthly_rent_fen FROM lease WHERE id = ?", l),
			 H1_RENT);
	assert_int_equal(tm_qint(c->db, "SELECT rent_rule_version FROM lease WHERE id = ?", l),
			 c->standard);
	assert_int_equal(
		tm_qint(c->db, "SELECT monthly_fen FROM rent_lease_quote WHERE lease_id = ?", l),
		H1_RENT);
	assert_int_equal(tm_qint(c->db, "SELECT application_id FROM lease WHERE id = ?", l), app);
	/* The offer is taken: no second lease from it (another household). */
	ok(c->db, db_begin(c->db));
	in.household_id = c->h2;
	assert_int_equal(lease_create(c->db, &staff, &in, &who, &other, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "no_accepted_offer");
	db_rollback(c->db);
	/* Signing by the staff: in force today, the application housed, the
	 * deposit charged; the unit stays allocated until the move-in. */
	{
		struct lease_sign_in si = { "onscreen", signature(c, l), NULL };

		ok(c->db, db_begin(c->db));
		ok(c->db, lease_sign(c->db, &staff, l, &si, &who, &e));
		ok(c->db, db_commit(c->db));
	}
	assert_text(c->db, "SELECT state FROM lease WHERE id = ?", l, "in_force");
	assert_text(c->db, "SELECT state FROM application WHERE id = ?", app, "housed");
	assert_text(c->db, "SELECT status FROM unit WHERE id = ?", c->u1, "allocated");
	assert_text(c->db, "SELECT witness_name FROM lease WHERE id = ?", l, "经办员甲");
	assert_int_equal(
		tm_qint(c->db,
			"SELECT amount_fen FROM charge WHERE source_type = 'lease_chain' AND"
			" source_id = (SELECT chain_id FROM lease WHERE id = ?)",
			l),
		150000);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'application.housed'"
			" AND object_id = CAST(? AS TEXT)",
			app),
		1);
	assert_ledger_sound(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_term_and_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_states_by_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_and_deposit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contract_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_tenancy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
