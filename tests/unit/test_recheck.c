/*
 * Unit tests of the recheck, signals and evictions (tenancy/recheck.h) on a
 * real database (both engines): the outcome for an eligible, an ineligible,
 * a conflicting, a signalled and a held-over household; a job stopped after
 * a chunk resumes without duplicates; only the bureau decides; the
 * eviction's states, vacate period, overdue marking and overstay dates; the
 * notice PDF's text; and the tenancy events on the dossiers' timelines.
 *
 * Leases and datasets are set up with SQL (their parts' columns, as
 * docs/tenancy.md lists them); the households through the household module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "dossier/timeline.h"
#include "files/files.h"
#include "household/household.h"
#include "jobs/job.h"
#include "store/migrate.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"
#include "testdb.h"
#include "testmoney.h"
#include "testjob.h"
#include "testkeys.h"

#define T0 "'2026-01-01T00:00:00.000000Z'"

struct ctx {
	struct testdb t;
	struct db *db;
	char files[128];
	int64_t community, community2, building;
	int units, people;
	char today[DATE_FMT_LEN];
};

static const struct audit_actor who = { "account:1", "bureau1", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau1", "account:1", true };
static struct caller manager = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_MANAGER, "mgr", "account:2", true
};
/* Operator staff who see only the second community. */
static struct caller staff2 = {
	CALLER_ACCOUNT, 3, ROLE_OPERATOR_STAFF, "staff", "account:3", false
};

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("recheck", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
days_from_today(const struct ctx *c, int days, char out[DATE_FMT_LEN])
{
	struct date d;

	assert_int_equal(date_parse(str_c(c->today), &d), 0);
	date_format(date_add_days(d, days), out);
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	if (tm_ground_open("recheck", &c->t, &c->db, c->files, c->today, &c->community,
			   &c->community2, &c->building) != 0)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	tm_ground_close(&c->t, c->db, c->files);
	free(c);
	return 0;
}

/* A household of one head in the first community: local hukou, no
 * housing, income fen a month. */
static int64_t
household(struct ctx *c, const char *name, int64_t income)
{
	struct member_in m = { 0 };
	struct household_in in = { 0 };
	struct anju_err e;
	char idn[19];
	int64_t id = 0;

	tm_idnum(++c->people, idn);
	m.person.name = name;
	m.person.id_number = idn;
	m.relationship = "head";
	in.community_id = c->community;
	in.category = "low_income";
	in.monthly_income_fen = income;
	in.members = &m;
	in.nmembers = 1;
	in.local_hukou = true;
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

static int64_t
head_of(struct ctx *c, int64_t hh)
{
	return tm_qint(
		c->db,
		"SELECT person_id FROM member WHERE household_id = ? AND relationship = 'head'"
		" AND left_at IS NULL",
		hh);
}

/* An occupied unit of the first community. */
static int64_t
unit(struct ctx *c)
{
	struct db_stmt *st;
	char number[16];
	int64_t id;

	snprintf(number, sizeof(number), "3-1-%d", 101 + c->units++);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			     " floor_area, usable_area, status, status_since, created_at,"
			     " updated_at) VALUES (?, ?, 1, 1, ?, 6500, 5200, 'occupied', " T0
			     ", " T0 ", " T0 ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, c->community);
	db_bind_int64(st, 2, c->building);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* A lease row (the columns the lease part requires) of chain ch; its id. */
static int64_t
lease_row(struct ctx *c, int64_t ch, int64_t hh, int64_t u, int64_t person, const char *state,
	  const char *starts_on, const char *ends_on, const char *token)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id,"
		      " community_id, tenant_person_id, community_name, unit_number, state,"
		      " starts_on, ends_on, monthly_rent_fen, deposit_fen, contract_template,"
		      " verify_token, created_by, created_at, updated_at)"
		      " SELECT ?, 1, 'new', ?, u.id, u.community_id, ?, m.name, u.number, ?,"
		      " ?, ?, 60000, 120000, 'v1', ?, 'system', " T0 ", " T0 " FROM unit u"
		      " JOIN community m ON m.id = u.community_id WHERE u.id = ? RETURNING id",
		      &st));
	db_bind_int64(st, 1, ch);
	db_bind_int64(st, 2, hh);
	db_bind_int64(st, 3, person);
	db_bind_cstr(st, 4, state);
	db_bind_cstr(st, 5, starts_on);
	db_bind_cstr(st, 6, ends_on);
	db_bind_cstr(st, 7, token);
	db_bind_int64(st, 8, u);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* A lease (and its chain) of hh in a new unit from starts_on to ends_on in
 * state; the lease's id, the chain's into *chain. */
static int64_t
lease(struct ctx *c, int64_t hh, const char *starts_on, const char *ends_on, const char *state,
      int64_t *chain)
{
	struct db_stmt *st;
	int64_t u = unit(c), ch, id, person = head_of(c, hh);
	char token[40];

	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		      " started_on, created_at) VALUES (?, ?, ?, 'open', ?, " T0 ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, u);
	db_bind_int64(st, 3, c->community);
	db_bind_cstr(st, 4, starts_on);
	assert_int_equal(db_step(st), DB_ROW);
	ch = db_col_int64(st, 0);
	db_reset(st);
	snprintf(token, sizeof(token), "%032lld", (long long)ch);
	id = lease_row(c, ch, hh, u, person, state, starts_on, ends_on, token);
	if (chain != NULL)
		*chain = ch;
	return id;
}

/* A lease in force from a year ago for two more years. */
static int64_t
lease_now(struct ctx *c, int64_t hh, int64_t *chain)
{
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN];

	days_from_today(c, -365, from);
	days_from_today(c, 730, to);
	return lease(c, hh, from, to, "in_force", chain);
}

/* An active dataset of source holding one record of kind for person. */
static void
dataset(struct ctx *c, const char *source, const char *kind, int64_t person, int64_t value)
{
	struct db_stmt *st;
	int64_t ds;

	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO dataset (source, as_of, name, encoding, state, rows,"
		      " created_by, created_at) VALUES (?, ?, '测试数据', 'utf8', 'active', 1,"
		      " 'system', " T0 ") RETURNING id",
		      &st));
	db_bind_cstr(st, 1, source);
	db_bind_cstr(st, 2, c->today);
	assert_int_equal(db_step(st), DB_ROW);
	ds = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO dataset_record (dataset_id, id_index, kind, value_int)"
			     " SELECT ?, id_number_index, ?, ? FROM person WHERE id = ?",
			     &st));
	db_bind_int64(st, 1, ds);
	db_bind_cstr(st, 2, kind);
	db_bind_int64(st, 3, value);
	db_bind_int64(st, 4, person);
	assert_int_equal(step_to_end(st), DB_DONE);
}

/* Runs a queued recheck job here to its end (stop: NULL, or the flag a
 * progress callback sets). */
static void
run_job(struct ctx *c, int64_t job, struct seen *seen, volatile bool *stop)
{
	struct anju_err e;
	int64_t claimed = 0;

	assert_int_equal(job_claim(c->db, "test", job, &claimed, &e), 1);
	ok(c->db, job_run(c->db, job, "test", stop, on_progress, seen, &e));
}

/* Starts a recheck and runs it: the run's id. */
static int64_t
recheck(struct ctx *c)
{
	struct anju_err e;
	struct seen seen = { 0 };
	int64_t run = 0, job = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, recheck_start(c->db, &who, NULL, &run, &job, &e));
	ok(c->db, db_commit(c->db));
	run_job(c, job, &seen, NULL);
	return run;
}

static int64_t
result_of(struct ctx *c, int64_t run, int64_t hh)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db, "SELECT id FROM recheck_result WHERE run_id = ? AND household_id = ?",
		      &st));
	db_bind_int64(st, 1, run);
	db_bind_int64(st, 2, hh);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* Whether the result's reasons hold one with code (and weight). */
static bool
has_reason(struct ctx *c, int64_t result, const char *code, const char *weight)
{
	struct anju_err e;
	json_t *r = NULL, *x;
	bool found = false;
	size_t i;

	ok(c->db, recheck_result_get(c->db, &bureau, result, &r, &e));
	json_array_foreach (json_object_get(r, "reasons"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "code")), code) == 0 &&
		    (weight == NULL ||
		     strcmp(json_string_value(json_object_get(x, "weight")), weight) == 0))
			found = true;
	json_decref(r);
	return found;
}

static void
outcome_is(struct ctx *c, int64_t result, const char *outcome, const char *decision)
{
	char s[32];

	tm_qtext(c->db, "SELECT outcome FROM recheck_result WHERE id = ?", result, s, sizeof(s));
	assert_string_equal(s, outcome);
	tm_qtext(c->db, "SELECT COALESCE(decision, '') FROM recheck_result WHERE id = ?", result, s,
		 sizeof(s));
	assert_string_equal(s, decision);
}

/* Runs f in a transaction that is committed when it succeeds, else rolled
 * back; returns f's code. */
#define IN_TX(c, call)                                                                             \
	({                                                                                         \
		int rc_;                                                                           \
		ok((c)->db, db_begin((c)->db));                                                    \
		rc_ = (call);                                                                      \
		if (rc_ == 0)                                                                      \
			ok((c)->db, db_commit((c)->db));                                           \
		else                                                                               \
			db_rollback((c)->db);                                                      \
		rc_;                                                                               \
	})

/*
 * Signals.
 */

static void
test_signals(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *list = NULL;
	int64_t hh = household(c, "李四", 100000);

	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 7, "累计欠租 3 个月",
						       &who, &e)),
			 0);
	/* The same source again updates it; nothing new is no change. */
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 7, "累计欠租 4 个月",
						       &who, &e)),
			 0);
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 7, "累计欠租 4 个月",
						       &who, &e)),
			 0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM tenancy_signal", 0), 1);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE object_type = 'tenancy_signal'", 0),
		2);
	assert_int_equal(
		IN_TX(c, tenancy_signal_raise(c->db, hh, "violation", 3, "疑似转租", &who, &e)), 0);
	ok(c->db, tenancy_signal_list(c->db, &bureau, hh, &list, &e));
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	/* Cleared: kept as history, not open; clearing again does nothing. */
	assert_int_equal(IN_TX(c, tenancy_signal_clear(c->db, "arrears", 7, &who, &e)), 0);
	assert_int_equal(IN_TX(c, tenancy_signal_clear(c->db, "arrears", 7, &who, &e)), 0);
	assert_int_equal(IN_TX(c, tenancy_signal_clear(c->db, "arrears", 999, &who, &e)), 0);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM tenancy_signal WHERE cleared_at IS NULL", 0),
		1);
	ok(c->db, tenancy_signal_list(c->db, &bureau, hh, &list, &e));
	assert_int_equal(json_array_size(list), 2);
	assert_true(json_is_true(json_object_get(json_array_get(list, 0), "open")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "summary")),
			    "累计欠租 4 个月");
	assert_true(json_is_false(json_object_get(json_array_get(list, 1), "open")));
	json_decref(list);
	/* Raising a cleared one again reopens it. */
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 7, "累计欠租 6 个月",
						       &who, &e)),
			 0);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM tenancy_signal WHERE cleared_at IS NULL", 0),
		2);
	/* Bad input. */
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "Arrears!", 1, "x", &who, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "source_type");
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 0, "x", &who, &e)),
			 ANJU_EINVAL);
	assert_int_equal(IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 8, "", &who, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "summary");
	assert_int_equal(
		IN_TX(c, tenancy_signal_raise(c->db, hh, "arrears", 8, "\xff\xfe", &who, &e)),
		ANJU_EINVAL);
	assert_int_equal(
		IN_TX(c, tenancy_signal_raise(c->db, 999999, "arrears", 8, "欠租", &who, &e)),
		ANJU_ENOTFOUND);
	/* Out of the caller's scope, the household's signals are not found. */
	assert_int_equal(tenancy_signal_list(c->db, &staff2, hh, &list, &e), ANJU_ENOTFOUND);
}

/*
 * The recheck's outcomes.
 */

static void
test_outcomes(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *run_j = NULL, *items = NULL;
	struct recheck_filter f = { 0 };
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN];
	int64_t ok_hh = household(c, "王一", 100000);
	int64_t rich = household(c, "王二", 900000);
	int64_t owner = household(c, "王三", 100000);
	int64_t wages = household(c, "王四", 100000);
	int64_t owing = household(c, "王五", 100000);
	int64_t late = household(c, "王六", 100000);
	int64_t future = household(c, "王七", 100000);
	int64_t gone = household(c, "王八", 100000);
	int64_t run, r, next = 0;

	lease_now(c, ok_hh, NULL);
	lease_now(c, rich, NULL);
	lease_now(c, owner, NULL);
	lease_now(c, wages, NULL);
	lease_now(c, owing, NULL);
	/* Past its end and never ended: held over without a renewal. */
	days_from_today(c, -800, from);
	days_from_today(c, -35, to);
	lease(c, late, from, to, "in_force", NULL);
	/* Not started yet, and ended: neither is checked. */
	days_from_today(c, 30, from);
	days_from_today(c, 400, to);
	lease(c, future, from, to, "signed", NULL);
	days_from_today(c, -800, from);
	days_from_today(c, -100, to);
	lease(c, gone, from, to, "ended", NULL);
	/* 85.30 m² registered for a household of one: over 15 m² a person. */
	dataset(c, "property", "area", head_of(c, owner), 8530);
	/* Wages on record above the declared income. */
	dataset(c, "insurance", "monthly_wage", head_of(c, wages), 600000);
	assert_int_equal(
		IN_TX(c, tenancy_signal_raise(c->db, owing, "arrears", 1,
					      "累计欠租 6 个月，合计 3,600.00 元", &who, &e)),
		0);

	run = recheck(c);
	ok(c->db, recheck_run_get(c->db, run, &run_j, &e));
	assert_string_equal(json_string_value(json_object_get(run_j, "state")), "finished");
	assert_int_equal(json_integer_value(json_object_get(run_j, "total")), 6);
	assert_int_equal(json_integer_value(json_object_get(run_j, "eligible")), 1);
	assert_int_equal(json_integer_value(json_object_get(run_j, "propose_exit")), 3);
	assert_int_equal(json_integer_value(json_object_get(run_j, "investigate")), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(run_j, "decisions"), "pending")),
		5);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(run_j, "job"), "state")),
		"succeeded");
	json_decref(run_j);

	r = result_of(c, run, ok_hh);
	outcome_is(c, r, "eligible", "");
	r = result_of(c, run, rich);
	outcome_is(c, r, "propose_exit", "pending");
	assert_true(has_reason(c, r, "ineligible", "exit"));
	r = result_of(c, run, owner);
	outcome_is(c, r, "propose_exit", "pending");
	assert_true(has_reason(c, r, "conflict", "exit"));
	r = result_of(c, run, wages);
	outcome_is(c, r, "investigate", "pending");
	assert_true(has_reason(c, r, "conflict", "investigate"));
	r = result_of(c, run, owing);
	outcome_is(c, r, "investigate", "pending");
	assert_true(has_reason(c, r, "signal", "investigate"));
	r = result_of(c, run, late);
	outcome_is(c, r, "propose_exit", "pending");
	assert_true(has_reason(c, r, "lease_expired", "exit"));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM recheck_result WHERE household_id = ?",
				 future),
			 0);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM recheck_result WHERE household_id = ?", gone),
		0);
	/* Each result is on the audit trail, and the run's start and end. */
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'recheck_result.record'", 0),
		6);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'recheck.finish'", 0),
		1);

	/* The list: filtered, masked, scoped. */
	f.run_id = run;
	f.outcome = "propose_exit";
	f.limit = 2;
	ok(c->db, recheck_result_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	assert_true(next > 0);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "head_name")), "王*");
	assert_non_null(strstr(
		json_string_value(json_object_get(json_array_get(items, 0), "head_id_number")),
		"*******"));
	json_decref(items);
	f.after_id = next;
	ok(c->db, recheck_result_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, 0);
	json_decref(items);
	f.after_id = 0;
	f.outcome = NULL;
	f.limit = 50;
	ok(c->db, recheck_result_list(c->db, &staff2, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	assert_int_equal(recheck_result_get(c->db, &staff2, result_of(c, run, rich), &items, &e),
			 ANJU_ENOTFOUND);
	f.run_id = 999999;
	assert_int_equal(recheck_result_list(c->db, &bureau, &f, &items, &next, &e),
			 ANJU_ENOTFOUND);

	/* A second run may start once the first is over, not while one waits. */
	{
		int64_t run2 = 0, job2 = 0, run3 = 0, job3 = 0;
		char tomorrow[DATE_FMT_LEN];

		assert_int_equal(IN_TX(c, recheck_start(c->db, &who, NULL, &run2, &job2, &e)), 0);
		assert_int_equal(IN_TX(c, recheck_start(c->db, &who, NULL, &run3, &job3, &e)),
				 ANJU_ECONFLICT);
		assert_string_equal(e.key, "recheck_running");
		days_from_today(c, 1, tomorrow);
		assert_int_equal(IN_TX(c, job_cancel(c->db, job2, &e)), 0);
		assert_int_equal(IN_TX(c, recheck_start(c->db, &who, tomorrow, &run3, &job3, &e)),
				 ANJU_EINVAL);
		assert_string_equal(e.field, "as_of");
	}
}

/*
 * Resuming.
 */

static void
test_resume(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct seen seen = { 0 };
	volatile bool stop = false;
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN], at[48];
	int64_t base = household(c, "张三", 100000), person = head_of(c, base);
	int64_t run = 0, job = 0;
	json_t *run_j = NULL;
	const int n = 450;

	days_from_today(c, -30, from);
	days_from_today(c, 300, to);
	for (int i = 0; i < n; i++) {
		struct db_stmt *st;
		int64_t hh, u = unit(c), ch;

		hh = tm_qint(c->db,
			     "INSERT INTO household (community_id, category, local_hukou, state,"
			     " created_at, updated_at) VALUES (?, 'low_income', 1, 'active', " T0
			     ", " T0 ") RETURNING id",
			     c->community);
		ok(c->db,
		   db_prepare(c->db,
			      "INSERT INTO lease_chain (household_id, unit_id, community_id,"
			      " state, started_on, created_at) VALUES (?, ?, ?, 'open', ?, " T0
			      ") RETURNING id",
			      &st));
		db_bind_int64(st, 1, hh);
		db_bind_int64(st, 2, u);
		db_bind_int64(st, 3, c->community);
		db_bind_cstr(st, 4, from);
		assert_int_equal(db_step(st), DB_ROW);
		ch = db_col_int64(st, 0);
		db_reset(st);
		snprintf(at, sizeof(at), "r%031d", i);
		lease_row(c, ch, hh, u, person, "in_force", from, to, at);
	}
	assert_int_equal(IN_TX(c, recheck_start(c->db, &who, c->today, &run, &job, &e)), 0);
	/* Stopped after the first chunk (progress: the start, then each chunk). */
	seen.stop_after = (volatile bool *)&stop;
	seen.stop_at = 2;
	run_job(c, job, &seen, &stop);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM recheck_result WHERE run_id = ?", run), 200);
	tm_qtext(c->db, "SELECT state FROM job WHERE id = ?", job, at, sizeof(at));
	assert_string_equal(at, "queued");
	tm_qtext(c->db, "SELECT resume_at FROM job WHERE id = ?", job, at, sizeof(at));
	assert_non_null(strstr(at, ":200"));
	/* A worker that died before its checkpoint redoes committed chains. */
	ok(c->db, db_exec(c->db, "UPDATE job SET resume_at = '0:0'"));
	stop = false;
	memset(&seen, 0, sizeof(seen));
	run_job(c, job, &seen, NULL);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM recheck_result WHERE run_id = ?", run), n);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(DISTINCT chain_id) FROM recheck_result WHERE run_id = ?",
			run),
		n);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'recheck_result.record'", 0),
		n);
	ok(c->db, recheck_run_get(c->db, run, &run_j, &e));
	assert_string_equal(json_string_value(json_object_get(run_j, "state")), "finished");
	assert_int_equal(json_integer_value(json_object_get(run_j, "total")), n);
	assert_int_equal(json_integer_value(json_object_get(run_j, "eligible")) +
				 json_integer_value(json_object_get(run_j, "propose_exit")) +
				 json_integer_value(json_object_get(run_j, "investigate")),
			 n);
	json_decref(run_j);
}

/*
 * Decisions.
 */

static void
test_decisions(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t ok_hh = household(c, "钱一", 100000), rich = household(c, "钱二", 900000);
	int64_t wages = household(c, "钱三", 100000), wages2 = household(c, "钱四", 100000);
	int64_t nolease = household(c, "钱五", 100000);
	int64_t run, r_ok, r_rich, r_wages, r_wages2, ev = 0, ev2 = 0, id = 0;
	json_t *x = NULL;
	char s[32];

	lease_now(c, ok_hh, NULL);
	lease_now(c, rich, NULL);
	lease_now(c, wages, NULL);
	lease_now(c, wages2, NULL);
	dataset(c, "insurance", "monthly_wage", head_of(c, wages), 600000);
	/* The newest insurance dataset holds both. */
	ok(c->db, db_exec(c->db, "UPDATE dataset SET state = 'superseded'"));
	dataset(c, "insurance", "monthly_wage", head_of(c, wages2), 600000);
	ok(c->db,
	   db_exec(c->db, "INSERT INTO dataset_record (dataset_id, id_index, kind, value_int)"
			  " SELECT (SELECT MAX(id) FROM dataset), id_index, kind, value_int"
			  " FROM dataset_record WHERE dataset_id = (SELECT MIN(id) FROM dataset)"));
	run = recheck(c);
	r_ok = result_of(c, run, ok_hh);
	r_rich = result_of(c, run, rich);
	r_wages = result_of(c, run, wages);
	r_wages2 = result_of(c, run, wages2);
	outcome_is(c, r_wages, "investigate", "pending");
	outcome_is(c, r_wages2, "investigate", "pending");

	/* Only the bureau decides. */
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &manager, &who, r_rich, true,
							"同意清退", &ev, &e)),
			 ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &staff2, &who, r_rich, false,
							"不同意", &ev, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(
		IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_ok, true, "确认", &ev, &e)),
		ANJU_ECONFLICT);
	assert_string_equal(e.key, "recheck_result_eligible");
	assert_int_equal(
		IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_rich, true, "", &ev, &e)),
		ANJU_EINVAL);
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &bureau, &who, 999999, true,
							"确认清退", &ev, &e)),
			 ANJU_ENOTFOUND);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM eviction", 0), 0);

	/* Confirming a proposal opens the eviction in the same transaction. */
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_rich, true,
							"收入超标，确认清退", &ev, &e)),
			 0);
	assert_true(ev > 0);
	outcome_is(c, r_rich, "propose_exit", "confirmed");
	assert_int_equal(
		tm_qint(c->db, "SELECT eviction_id FROM recheck_result WHERE id = ?", r_rich), ev);
	ok(c->db, eviction_get(c->db, &bureau, ev, &x, &e));
	assert_string_equal(json_string_value(json_object_get(x, "state")), "decided");
	assert_string_equal(json_string_value(json_object_get(x, "basis")), "recheck");
	assert_int_equal(json_integer_value(json_object_get(x, "basis_id")), r_rich);
	assert_int_equal(json_integer_value(json_object_get(x, "household_id")), rich);
	json_decref(x);
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_rich, false,
							"改为否决", &ev2, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "recheck_result_decided");
	assert_non_null(strstr(e.msg, "confirmed"));

	/* An investigation resolved as eligible, and one escalated to an exit. */
	assert_int_equal(
		IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_wages, false,
					       "经核实工资含加班补贴，收入未超标", &ev2, &e)),
		0);
	assert_int_equal(ev2, 0);
	outcome_is(c, r_wages, "investigate", "overturned");
	tm_qtext(c->db, "SELECT decision_note FROM recheck_result WHERE id = ?", r_wages, s,
		 sizeof(s));
	assert_non_null(strstr(s, "经核实"));
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &bureau, &who, r_wages2, true,
							"经核实隐瞒收入，清退", &ev2, &e)),
			 0);
	assert_true(ev2 > 0 && ev2 != ev);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE action IN"
				 " ('recheck_result.confirm', 'recheck_result.overturn')",
				 0),
			 3);

	/* eviction_open's own rules. */
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, rich, "violation", 4, "转租",
						&id, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "eviction_open");
	assert_int_equal(IN_TX(c, eviction_open(c->db, &manager, &who, ok_hh, "violation", 4,
						"转租他人", &id, &e)),
			 ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, nolease, "arrears", 4,
						"累计欠租六个月", &id, &e)),
			 ANJU_ENOTFOUND);
	assert_int_equal(
		IN_TX(c, eviction_open(c->db, &bureau, &who, ok_hh, "whim", 4, "不喜欢", &id, &e)),
		ANJU_EINVAL);
	assert_string_equal(e.field, "basis");
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, ok_hh, "arrears", 0,
						"累计欠租六个月", &id, &e)),
			 ANJU_EINVAL);
}

/*
 * Evictions.
 */

/* The text pdftotext reads from a PDF file (free it). */
static char *
pdf_text_of_fd(int fd)
{
	char path[] = "/tmp/anju-notice-XXXXXX", cmd[128], buf[4096];
	struct buf out;
	ssize_t n;
	FILE *p;
	int tmp = mkstemp(path);

	assert_true(tmp >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		assert_int_equal(write(tmp, buf, (size_t)n), n);
	close(tmp);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	buf_init(&out, 0);
	while ((n = (ssize_t)fread(buf, 1, sizeof(buf), p)) > 0)
		buf_add(&out, buf, (size_t)n);
	pclose(p);
	unlink(path);
	buf_addc(&out, '\0');
	return buf_take(&out, NULL);
}

static json_t *
ev_get(struct ctx *c, int64_t id)
{
	struct anju_err e;
	json_t *x = NULL;

	ok(c->db, eviction_get(c->db, &bureau, id, &x, &e));
	return x;
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
test_eviction_flow(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, "赵六", 100000), chain, lease_id, id = 0, size = 0;
	char tomorrow[DATE_FMT_LEN], yesterday[DATE_FMT_LEN], vacate_by[DATE_FMT_LEN];
	char hash[65], sha[65], s[64], cn[32];
	json_t *x;
	char *text;
	int fd = -1;
	struct buf bytes;

	lease_id = lease_now(c, hh, &chain);
	days_from_today(c, 1, tomorrow);
	days_from_today(c, -1, yesterday);
	days_from_today(c, 90, vacate_by);
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, hh, "violation", 5,
						"将承租住房转租他人，经查属实", &id, &e)),
			 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "decided");
	assert_true(json_is_null(json_object_get(x, "vacate_by")));
	assert_int_equal(json_integer_value(json_object_get(x, "lease_id")), lease_id);
	assert_string_equal(jstr(x, "head_name"), "赵*");
	json_decref(x);
	assert_int_equal(eviction_notice_open(c->db, &bureau, id, &fd, &size, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "notice_not_served");

	/* The notice: not in the future, not before the decision. */
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &manager, &who, id, tomorrow, &e)),
			 ANJU_EINVAL);
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &manager, &who, id, yesterday, &e)),
			 ANJU_EINVAL);
	assert_int_equal(
		IN_TX(c, eviction_serve_notice(c->db, &manager, &who, id, "2026-02-30", &e)),
		ANJU_EINVAL);
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &manager, &who, id, c->today, &e)),
			 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "notice_served");
	assert_string_equal(jstr(x, "vacate_by"), vacate_by);
	assert_int_equal(json_integer_value(json_object_get(x, "days_left")), 90);
	assert_int_equal(json_integer_value(json_object_get(x, "vacate_days")), 90);
	assert_true(json_is_true(json_object_get(x, "notice_pdf")));
	json_decref(x);
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &bureau, &who, id, c->today, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "eviction_state");
	assert_non_null(strstr(e.msg, "notice_served"));
	/* The household's documents keep it. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM attachment WHERE owner_type = 'household'"
				 " AND owner_id = ?",
				 hh),
			 1);

	/* The stored notice is the one its hash names, and says what it must. */
	tm_qtext(c->db, "SELECT notice_pdf_hash FROM eviction WHERE id = ?", id, hash,
		 sizeof(hash));
	ok(c->db, eviction_notice_open(c->db, &bureau, id, &fd, &size, &e));
	buf_init(&bytes, 0);
	{
		char b[4096];
		ssize_t n;

		while ((n = read(fd, b, sizeof(b))) > 0)
			buf_add(&bytes, b, (size_t)n);
	}
	assert_int_equal((int64_t)bytes.n, size);
	sha256_hex(bytes.p, bytes.n, sha);
	assert_string_equal(sha, hash);
	assert_memory_equal(bytes.p, "%PDF-", 5);
	buf_free(&bytes);
	lseek(fd, 0, SEEK_SET);
	text = pdf_text_of_fd(fd);
	close(fd);
	assert_non_null(strstr(text, "清退通知书"));
	assert_non_null(strstr(text, "赵*"));
	assert_non_null(strstr(text, "3-1-"));
	assert_non_null(strstr(text, "南苑公租房"));
	assert_non_null(strstr(text, "第二十七条"));
	assert_non_null(strstr(text, "将承租住房转租他人"));
	assert_non_null(strstr(text, "市住房和城乡建设局"));
	snprintf(cn, sizeof(cn), "%.4s年%.2s月%.2s日", vacate_by, vacate_by + 5, vacate_by + 8);
	assert_non_null(strstr(text, cn));
	assert_null(strstr(text, "990101"));
	free(text);

	/* The household leaves: the lease ends, the move-out opens. */
	assert_int_equal(IN_TX(c, eviction_vacated(c->db, &manager, &who, id, tomorrow, &e)),
			 ANJU_EINVAL);
	assert_int_equal(IN_TX(c, eviction_vacated(c->db, &manager, &who, id, c->today, &e)), 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "vacated");
	assert_true(json_is_null(json_object_get(x, "overstay_from")));
	assert_true(json_integer_value(json_object_get(x, "handover_id")) > 0);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM handover WHERE lease_id = ? AND kind = 'move_out'",
			lease_id),
		1);
	json_decref(x);
	tm_qtext(c->db, "SELECT state FROM lease WHERE id = ?", lease_id, s, sizeof(s));
	assert_string_equal(s, "ended");
	tm_qtext(c->db, "SELECT ended_on FROM lease WHERE id = ?", lease_id, s, sizeof(s));
	assert_string_equal(s, c->today);
	tm_qtext(c->db, "SELECT state FROM lease_chain WHERE id = ?", chain, s, sizeof(s));
	assert_string_equal(s, "ended");

	/* After: no cancelling; the bureau closes. */
	assert_int_equal(IN_TX(c, eviction_cancel(c->db, &bureau, &who, id, "家庭已恢复资格", &e)),
			 ANJU_ECONFLICT);
	assert_int_equal(IN_TX(c, eviction_close(c->db, &manager, &who, id, NULL, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(IN_TX(c, eviction_close(c->db, &bureau, &who, id, "退房交接已完成", &e)),
			 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "closed");
	json_decref(x);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE object_type = 'eviction' "
				 "AND action IN"
				 " ('eviction.open', 'eviction.notice', 'eviction.vacated', "
				 "'eviction.close')",
				 0),
			 4);
	/* Out of scope, it does not exist. */
	assert_int_equal(eviction_get(c->db, &staff2, id, &x, &e), ANJU_ENOTFOUND);
}

struct overstays {
	int n;
	struct eviction_overstay last;
};

static int
count_overstay(void *ud, const struct eviction_overstay *o)
{
	struct overstays *s = ud;

	s->n++;
	s->last = *o;
	return 0;
}

static void
test_overdue(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct eviction_filter f = { .limit = 50 };
	struct overstays os = { 0 };
	int64_t hh = household(c, "孙七", 100000), hh2 = household(c, "孙八", 100000);
	int64_t id = 0, id2 = 0, next = 0;
	char served[DATE_FMT_LEN], from[DATE_FMT_LEN], later[DATE_FMT_LEN], s[32];
	int changed = 0;
	json_t *x, *items = NULL;

	lease_now(c, hh, NULL);
	lease_now(c, hh2, NULL);
	days_from_today(c, -100, served);
	days_from_today(c, -9, from);
	days_from_today(c, 5, later);
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, hh, "arrears", 9,
						"累计拖欠租金 6 个月", &id, &e)),
			 0);
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, hh2, "arrears", 10,
						"累计拖欠租金 7 个月", &id2, &e)),
			 0);
	/* Decided long ago, served 100 days ago: 90 days to leave, 10 over. */
	ok(c->db, run_int(c->db, "UPDATE eviction SET decided_on = '2020-01-01' WHERE id = ?", id));
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &bureau, &who, id, served, &e)), 0);
	tm_qtext(c->db, "SELECT state FROM eviction WHERE id = ?", id, s, sizeof(s));
	assert_string_equal(s, "vacating");
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "overdue");
	assert_string_equal(jstr(x, "stored_state"), "vacating");
	assert_int_equal(json_integer_value(json_object_get(x, "overdue_days")), 10);
	assert_true(json_is_null(json_object_get(x, "days_left")));
	assert_string_equal(jstr(x, "overstay_from"), from);
	json_decref(x);
	/* Served today: within its period. */
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &bureau, &who, id2, c->today, &e)),
			 0);

	/* The board: overdue ones, by state as of today. */
	f.overdue = true;
	ok(c->db, eviction_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id);
	json_decref(items);
	f.overdue = false;
	f.state = "overdue";
	ok(c->db, eviction_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	f.state = "vacating";
	ok(c->db, eviction_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	f.state = "notice_served";
	ok(c->db, eviction_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id2);
	json_decref(items);
	f.state = NULL;
	f.open = true;
	ok(c->db, eviction_list(c->db, &staff2, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* The overstay, still open, for the rent issue. */
	ok(c->db, eviction_overstays(c->db, NULL, NULL, count_overstay, &os, &e));
	assert_int_equal(os.n, 1);
	assert_int_equal(os.last.eviction_id, id);
	assert_string_equal(os.last.from, from);
	assert_string_equal(os.last.to, "");
	os.n = 0;
	ok(c->db, eviction_overstays(c->db, later, NULL, count_overstay, &os, &e));
	assert_int_equal(os.n, 0);

	/* The daily job marks it, once; the one served yesterday moves on. */
	ok(c->db, run_int(c->db,
			  "UPDATE eviction SET notice_served_on = '2020-02-01', decided_on ="
			  " '2020-01-01', vacate_by = '2099-01-01' WHERE id = ?",
			  id2));
	assert_int_equal(IN_TX(c, eviction_advance(c->db, c->today, &who, &changed, &e)), 0);
	assert_int_equal(changed, 2);
	tm_qtext(c->db, "SELECT state FROM eviction WHERE id = ?", id, s, sizeof(s));
	assert_string_equal(s, "overdue");
	tm_qtext(c->db, "SELECT overstay_from FROM eviction WHERE id = ?", id, s, sizeof(s));
	assert_string_equal(s, from);
	tm_qtext(c->db, "SELECT state FROM eviction WHERE id = ?", id2, s, sizeof(s));
	assert_string_equal(s, "vacating");
	assert_int_equal(IN_TX(c, eviction_advance(c->db, c->today, &who, &changed, &e)), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE action ="
				 " 'eviction.overdue'",
				 0),
			 1);

	/* It leaves late: the overstay closes on that day. */
	assert_int_equal(IN_TX(c, eviction_vacated(c->db, &manager, &who, id, c->today, &e)), 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "vacated");
	assert_string_equal(jstr(x, "overstay_from"), from);
	assert_string_equal(jstr(x, "overstay_to"), c->today);
	json_decref(x);
	os.n = 0;
	ok(c->db, eviction_overstays(c->db, NULL, NULL, count_overstay, &os, &e));
	assert_int_equal(os.n, 1);
	assert_string_equal(os.last.to, c->today);
}

static void
test_cancel(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, "周九", 100000), id = 0, id2 = 0;
	json_t *x;

	lease_now(c, hh, NULL);
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, hh, "arrears", 3,
						"累计拖欠租金 6 个月", &id, &e)),
			 0);
	assert_int_equal(IN_TX(c, eviction_cancel(c->db, &manager, &who, id, "已结清欠款", &e)),
			 ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(IN_TX(c, eviction_cancel(c->db, &bureau, &who, id, "x", &e)), ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	assert_int_equal(IN_TX(c, eviction_cancel(c->db, &bureau, &who, id,
						  "送达前已结清全部欠款，撤销清退", &e)),
			 0);
	x = ev_get(c, id);
	assert_string_equal(jstr(x, "state"), "cancelled");
	assert_string_equal(jstr(x, "cancel_reason"), "送达前已结清全部欠款，撤销清退");
	assert_false(json_is_null(json_object_get(x, "ended_at")));
	json_decref(x);
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &bureau, &who, id, c->today, &e)),
			 ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "cancelled"));
	/* The chain may be decided on again. */
	assert_int_equal(IN_TX(c, eviction_open(c->db, &bureau, &who, hh, "arrears", 4,
						"再次累计拖欠租金 6 个月", &id2, &e)),
			 0);
	assert_true(id2 > id);
}

/*
 * Timelines.
 */

/* How many events of actions has the timeline of refs. */
static int
events(struct ctx *c, const struct timeline_ref *refs, int n, const char *action)
{
	struct anju_err e;
	json_t *tl = NULL, *ev;
	size_t i;
	int k = 0;

	ok(c->db, timeline_build(c->db, &bureau, refs, n, 200, &tl, &e));
	json_array_foreach (tl, i, ev)
		if (strcmp(jstr(ev, "action"), action) == 0) {
			if (strcmp(jstr(ev, "source"), "tenancy") == 0)
				k++;
		}
	json_decref(tl);
	return k;
}

static void
test_timeline(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, "吴十", 900000), other = household(c, "郑十一", 900000);
	int64_t chain, lease_id, u, run, ev = 0;
	char oid[24];

	lease_id = lease_now(c, hh, &chain);
	lease_now(c, other, NULL);
	u = tm_qint(c->db, "SELECT unit_id FROM lease WHERE id = ?", lease_id);
	snprintf(oid, sizeof(oid), "%lld", (long long)lease_id);
	ok(c->db, db_begin(c->db));
	ok(c->db, audit_write(c->db, &who, "lease.sign", "lease", oid, NULL, NULL, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		IN_TX(c, tenancy_signal_raise(c->db, hh, "violation", 21, "疑似转租", &who, &e)),
		0);
	run = recheck(c);
	assert_int_equal(IN_TX(c, recheck_result_decide(c->db, &bureau, &who, result_of(c, run, hh),
							true, "确认清退", &ev, &e)),
			 0);
	assert_int_equal(IN_TX(c, eviction_serve_notice(c->db, &bureau, &who, ev, c->today, &e)),
			 0);
	{
		struct timeline_ref h[] = { { "household", hh }, { "person", head_of(c, hh) } };
		struct timeline_ref un[] = { { "unit", u } };
		struct timeline_ref p[] = { { "person", head_of(c, hh) } };
		struct timeline_ref o[] = { { "household", other } };

		assert_int_equal(events(c, h, 2, "recheck_result.record"), 1);
		assert_int_equal(events(c, h, 2, "recheck_result.confirm"), 1);
		assert_int_equal(events(c, h, 2, "eviction.open"), 1);
		assert_int_equal(events(c, h, 2, "eviction.notice"), 1);
		assert_int_equal(events(c, h, 2, "signal.raise"), 1);
		/* Through the household and its tenant: shown once. */
		assert_int_equal(events(c, h, 2, "lease.sign"), 1);
		assert_int_equal(events(c, p, 1, "lease.sign"), 1);
		assert_int_equal(events(c, un, 1, "eviction.notice"), 1);
		assert_int_equal(events(c, un, 1, "lease.sign"), 1);
		assert_int_equal(events(c, un, 1, "recheck_result.record"), 0);
		assert_int_equal(events(c, o, 1, "eviction.open"), 0);
		assert_int_equal(events(c, o, 1, "recheck_result.record"), 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
