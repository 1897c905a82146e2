/*
 * Unit tests of violation cases (upkeep part B: upkeep.h violation_report,
 * upkeep/violation.h) on a real database (both engines): a report from any
 * source opens a suspected case on a unit (its tenant household found) or a
 * common part, once per source record; bad input names its field; the
 * public reporter is sealed at rest; scope hides other communities' cases.
 *
 * Leases are set up with SQL (the columns docs/tenancy.md lists),
 * households through their module.
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
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "files/files.h"
#include "household/household.h"
#include "money/money.h"
#include "store/migrate.h"
#include "tenancy/tenancy.h"
#include "upkeep/upkeep.h"
#include "upkeep/violation.h"
#include "testdb.h"
#include "testmoney.h"
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
static const struct audit_actor staff_who = { "account:3", "staff", "operator_staff", "::1", NULL };
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
	return testkeys_setup("violation", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
day(const struct ctx *c, int days, char out[DATE_FMT_LEN])
{
	struct date d;

	assert_int_equal(date_parse(str_c(c->today), &d), 0);
	date_format(date_add_days(d, days), out);
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	if (tm_ground_open("violation", &c->t, &c->db, c->files, c->today, &c->community,
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

/* A household in community of a head and, when spouse, a second member. */
static int64_t
household(struct ctx *c, int64_t community, bool spouse)
{
	struct member_in m[2] = { 0 };
	struct household_in in = { 0 };
	struct anju_err e;
	char idn[2][19], name[2][32];
	int64_t id = 0;

	for (int i = 0; i < 2; i++) {
		tm_idnum(++c->people, idn[i]);
		snprintf(name[i], sizeof(name[i]), "张%d", c->people);
		m[i].person.name = name[i];
		m[i].person.id_number = idn[i];
		m[i].relationship = i == 0 ? "head" : "spouse";
	}
	in.community_id = community;
	in.category = "low_income";
	in.monthly_income_fen = 100000;
	in.members = m;
	in.nmembers = spouse ? 2 : 1;
	in.local_hukou = true;
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

/* A unit of 65 m² in community (its building for the first community). */
static int64_t
unit(struct ctx *c, int64_t community)
{
	struct db_stmt *st;
	char number[16];
	int64_t u, b = c->building;

	if (community != c->community)
		b = tm_qint(
			c->db,
			"INSERT INTO building (community_id, name, floors, entrances, created_at)"
			" VALUES (?, '9', 6, 1, " T0 ") RETURNING id",
			community);
	snprintf(number, sizeof(number), "3-1-%d", 101 + c->units++);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			     " floor_area, usable_area, status, status_since, created_at,"
			     " updated_at) VALUES (?, ?, 1, 1, ?, 6500, 5200, 'occupied', " T0
			     ", " T0 ", " T0 ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, b);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	u = db_col_int64(st, 0);
	db_reset(st);
	return u;
}

/* A lease of hh on unit u in force from `from` (days from today) for three
 * years, 600 yuan a month, with its chain: the chain's id. */
static int64_t
lease(struct ctx *c, int64_t hh, int64_t u, int from_days)
{
	struct db_stmt *st;
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN], token[40];
	int64_t ch;

	day(c, from_days, from);
	day(c, from_days + 3 * 365, to);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
			     " started_on, created_at) SELECT ?, id, community_id, 'open', ?, " T0
			     " FROM unit WHERE id = ? RETURNING id",
			     &st));
	db_bind_int64(st, 1, hh);
	db_bind_cstr(st, 2, from);
	db_bind_int64(st, 3, u);
	assert_int_equal(db_step(st), DB_ROW);
	ch = db_col_int64(st, 0);
	db_reset(st);
	snprintf(token, sizeof(token), "%032lld", (long long)ch);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id,"
		      " community_id, tenant_person_id, community_name, unit_number, state,"
		      " starts_on, ends_on, monthly_rent_fen, deposit_fen, contract_template,"
		      " verify_token, created_by, created_at, updated_at)"
		      " SELECT ?, 1, 'new', ?, u.id, u.community_id, (SELECT person_id FROM member"
		      " WHERE household_id = ? AND relationship = 'head'), m.name, u.number,"
		      " 'in_force', ?, ?, 60000, 120000, 'v1', ?, 'system', " T0 ", " T0
		      " FROM unit u JOIN community m ON m.id = u.community_id WHERE u.id = ?"
		      " RETURNING id",
		      &st));
	db_bind_int64(st, 1, ch);
	db_bind_int64(st, 2, hh);
	db_bind_int64(st, 3, hh);
	db_bind_cstr(st, 4, from);
	db_bind_cstr(st, 5, to);
	db_bind_cstr(st, 6, token);
	db_bind_int64(st, 7, u);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);
	return ch;
}

/* Reports a case; the return code, its id in *id. */
static int
report(struct ctx *c, const struct violation_report_in *in, int64_t *id, bool *created,
       struct anju_err *e)
{
	int rc;

	ok(c->db, db_begin(c->db));
	rc = violation_report(c->db, in, &staff_who, id, created, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

/* A suspected sublet case on unit u reported by staff, the breach from
 * started_on (NULL: unknown). */
static int64_t
case_on(struct ctx *c, int64_t u, const char *started_on)
{
	struct violation_report_in in = { 0 };
	struct anju_err e;
	int64_t id = 0;
	bool created = false;

	in.type = "sublet";
	in.source = "staff";
	in.place.location = "unit";
	in.place.unit_id = u;
	in.summary = "邻居反映该房屋已转租他人";
	in.started_on = started_on;
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_true(created);
	return id;
}

/*
 * Reports.
 */

static void
test_report_unit(void **state)
{
	struct ctx *c = *state;
	int64_t hh = household(c, c->community, false), u = unit(c, c->community), id;
	char text[64], since[DATE_FMT_LEN];

	lease(c, hh, u, -200);
	day(c, -30, since);
	id = case_on(c, u, since);
	tm_qtext(c->db, "SELECT state FROM violation_case WHERE id = ?", id, text, sizeof(text));
	assert_string_equal(text, "suspected");
	/* The tenant household in force on the unit, and the unit's community. */
	assert_int_equal(tm_qint(c->db, "SELECT household_id FROM violation_case WHERE id = ?", id),
			 hh);
	assert_int_equal(tm_qint(c->db, "SELECT community_id FROM violation_case WHERE id = ?", id),
			 c->community);
	assert_int_equal(tm_qint(c->db, "SELECT building_id FROM violation_case WHERE id = ?", id),
			 c->building);
	tm_qtext(c->db, "SELECT started_on FROM violation_case WHERE id = ?", id, text,
		 sizeof(text));
	assert_string_equal(text, since);
	tm_qtext(c->db, "SELECT reported_by FROM violation_case WHERE id = ?", id, text,
		 sizeof(text));
	assert_string_equal(text, "account:3");
	/* Its history starts with the report, and the audit row is there. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM violation_event WHERE case_id = ?"
				 " AND action = 'report' AND to_state = 'suspected'",
				 id),
			 1);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'violation.report'"
			" AND object_type = 'violation_case' AND object_id = CAST(? AS TEXT)",
			id),
		1);
	/* No sanction is automatic: nothing charged, nobody banned. */
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge", 0), 0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM application_ban", 0), 0);
}

/* A common part has no household; a unit without a lease neither. */
static void
test_report_common_part(void **state)
{
	struct ctx *c = *state;
	struct violation_report_in in = { 0 };
	struct anju_err e;
	int64_t id, u = unit(c, c->community);
	bool created;

	in.type = "change_of_use";
	in.source = "patrol";
	in.place.location = "entrance";
	in.place.building_id = c->building;
	in.place.entrance = 2;
	in.place.place = "2单元一楼楼道";
	in.summary = "楼道被改作仓库";
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_true(created);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM violation_case WHERE id = ?"
				 " AND household_id IS NULL AND unit_id IS NULL AND entrance = 2"
				 " AND location = 'entrance'",
				 id),
			 1);
	in.place.location = "unit";
	in.place.unit_id = u;
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM violation_case WHERE id = ? AND household_id IS NULL",
			id),
		1);
	/* A household named is kept, not the unit's tenant. */
	in.household_id = household(c, c->community, false);
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_int_equal(tm_qint(c->db, "SELECT household_id FROM violation_case WHERE id = ?", id),
			 in.household_id);
}

/* One case per source record, however often it is reported. */
static void
test_report_idempotent(void **state)
{
	struct ctx *c = *state;
	struct violation_report_in in = { 0 };
	struct anju_err e;
	int64_t first, again, other;
	bool created;

	in.type = "damage";
	in.source = "patrol";
	in.source_type = "patrol_result";
	in.source_id = 77;
	in.place.location = "community";
	in.place.community_id = c->community;
	in.summary = "绿地被私自圈占";
	assert_int_equal(report(c, &in, &first, &created, &e), 0);
	assert_true(created);
	assert_int_equal(report(c, &in, &again, &created, &e), 0);
	assert_false(created);
	assert_int_equal(again, first);
	in.source_id = 78;
	assert_int_equal(report(c, &in, &other, &created, &e), 0);
	assert_true(created);
	assert_true(other != first);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM violation_case", 0), 2);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE action = 'violation.report'",
				 0),
			 2);
}

static void
expect_bad(struct ctx *c, const struct violation_report_in *in, int code, const char *field)
{
	struct anju_err e;
	int64_t id;
	bool created;

	memset(&e, 0, sizeof(e));
	assert_int_equal(report(c, in, &id, &created, &e), code);
	if (field != NULL)
		assert_string_equal(e.field, field);
	assert_false(created);
}

static void
test_report_bad_input(void **state)
{
	struct ctx *c = *state;
	struct violation_report_in in = { 0 }, bad;
	char tomorrow[DATE_FMT_LEN];
	char big[VIOLATION_SUMMARY_MAX * 3 + 8];

	in.type = "idle";
	in.source = "staff";
	in.place.location = "unit";
	in.place.unit_id = unit(c, c->community);
	in.summary = "长期无人居住";
	bad = in;
	bad.type = "noise";
	expect_bad(c, &bad, ANJU_EINVAL, "type");
	bad = in;
	bad.source = "rumour";
	expect_bad(c, &bad, ANJU_EINVAL, "source");
	bad = in;
	bad.summary = "";
	expect_bad(c, &bad, ANJU_EINVAL, "summary");
	memset(big, 'x', VIOLATION_SUMMARY_MAX + 1);
	big[VIOLATION_SUMMARY_MAX + 1] = '\0';
	bad.summary = big;
	expect_bad(c, &bad, ANJU_EINVAL, "summary");
	bad = in;
	bad.started_on = "2026-13-01";
	expect_bad(c, &bad, ANJU_EINVAL, "started_on");
	day(c, 1, tomorrow);
	bad.started_on = tomorrow;
	expect_bad(c, &bad, ANJU_EINVAL, "started_on");
	bad = in;
	bad.source_id = 5;
	expect_bad(c, &bad, ANJU_EINVAL, "source_type");
	bad = in;
	bad.place.location = "asset";
	bad.place.asset_id = 1;
	expect_bad(c, &bad, ANJU_EINVAL, "location");
	bad = in;
	bad.place.unit_id = 999999;
	expect_bad(c, &bad, ANJU_ENOTFOUND, "unit_id");
	bad = in;
	bad.household_id = 999999;
	expect_bad(c, &bad, ANJU_ENOTFOUND, "household_id");
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM violation_case", 0), 0);
}

/* The public reporter is sealed at rest and audited masked. */
static void
test_reporter_sealed(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = case_on(c, unit(c, c->community), NULL);
	char text[512];

	ok(c->db, db_begin(c->db));
	ok(c->db, violation_set_reporter(c->db, id, "李小明", "13912345678", &staff_who, &e));
	ok(c->db, db_commit(c->db));
	tm_qtext(c->db, "SELECT reporter_contact_sealed FROM violation_case WHERE id = ?", id, text,
		 sizeof(text));
	assert_memory_equal(text, "v1.", 3);
	assert_null(strstr(text, "13912345678"));
	tm_qtext(c->db, "SELECT reporter_name_sealed FROM violation_case WHERE id = ?", id, text,
		 sizeof(text));
	assert_memory_equal(text, "v1.", 3);
	tm_qtext(c->db,
		 "SELECT after_json FROM audit_log WHERE action = 'violation.reporter'"
		 " AND object_id = CAST(? AS TEXT)",
		 id, text, sizeof(text));
	assert_null(strstr(text, "13912345678"));
	assert_null(strstr(text, "李小明"));
	assert_non_null(strstr(text, "139****5678"));
	assert_non_null(strstr(text, "李**"));
}

/* Scope: operator staff of another community do not find the case. */
static void
test_case_scope(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = case_on(c, unit(c, c->community), NULL), other, community;

	other = case_on(c, unit(c, c->community2), NULL);
	ok(c->db, violation_case_community(c->db, &bureau, id, &community, &e));
	assert_int_equal(community, c->community);
	ok(c->db, violation_case_community(c->db, &manager, id, &community, &e));
	assert_int_equal(violation_case_community(c->db, &staff2, id, &community, &e),
			 ANJU_ENOTFOUND);
	ok(c->db, violation_case_community(c->db, &staff2, other, &community, &e));
	assert_int_equal(community, c->community2);
}

/*
 * Decisions.
 */

static int
act(struct ctx *c, struct caller *by, int64_t id, const char *action, const char *reason,
    struct anju_err *e)
{
	struct violation_action_in in = { action, NULL, reason, NULL };
	struct audit_actor a = { by->principal, by->name, role_name(by->role), "::1", NULL };
	int rc;

	if (strcmp(action, "order_rectification") == 0) {
		static char by_day[DATE_FMT_LEN];

		day(c, 30, by_day);
		in.rectify_by = by_day;
	}
	ok(c->db, db_begin(c->db));
	rc = violation_act(c->db, by, &a, id, &in, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

/* The bureau's confirm: market rent for the breach's days less the rent
 * billed for them, the type's fine, a ban for each member, a signal. */
static void
test_confirm_sanctions(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->community, true), u = unit(c, c->community), ch, id;
	char since[DATE_FMT_LEN], text[64], period[PERIOD_FMT_LEN];
	struct date d;
	json_t *pv = NULL, *m;
	int64_t market = 0, billed = 0, days = 0;
	size_t i;

	ch = lease(c, hh, u, -400);
	day(c, -70, since);
	id = case_on(c, u, since);
	/* Rent billed for the breach's first month, by hand (a whole month). */
	assert_int_equal(date_parse(str_c(since), &d), 0);
	period_format(period_of(d), period);
	{
		struct charge_in in = { hh,     CHARGE_RENT,   60000, since,
					period, "lease_chain", ch,    NULL };
		int64_t cid;
		bool created;

		ok(c->db, db_begin(c->db));
		ok(c->db, charge_raise(c->db, &in, &who, &cid, &created, &e));
		ok(c->db, db_commit(c->db));
	}
	/* Not before investigating: no preview, no confirm. */
	assert_int_equal(violation_preview(c->db, &bureau, id, &pv, &e), ANJU_ECONFLICT);
	assert_int_equal(act(c, &bureau, id, "confirm", "证据确凿", &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "violation_state");
	assert_non_null(strstr(e.msg, "suspected"));
	ok(c->db, act(c, &manager, id, "investigate", NULL, &e));
	/* The operator proposes; deciding is the bureau's (403 before 409). */
	{
		struct violation_action_in in = { "propose", "confirm", "租客承认转租", NULL };
		struct audit_actor a = { "account:2", "mgr", "operator_manager", "::1", NULL };

		ok(c->db, db_begin(c->db));
		ok(c->db, violation_act(c->db, &manager, &a, id, &in, &e));
		ok(c->db, db_commit(c->db));
	}
	assert_int_equal(act(c, &manager, id, "confirm", "证据确凿", &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(act(c, &manager, id, "refer", "证据确凿", &e), ANJU_EFORBIDDEN);
	tm_qtext(c->db, "SELECT proposal FROM violation_case WHERE id = ?", id, text, sizeof(text));
	assert_string_equal(text, "confirm");
	/* The preview: 65 m² at 20 yuan = 1,300 yuan a month, by days. */
	ok(c->db, violation_preview(c->db, &bureau, id, &pv, &e));
	assert_true(json_is_true(json_object_get(pv, "sanctioned")));
	assert_string_equal(json_string_value(json_object_get(pv, "breach_from")), since);
	assert_string_equal(json_string_value(json_object_get(pv, "breach_to")), c->today);
	assert_int_equal(json_integer_value(json_object_get(pv, "days")), 71);
	assert_int_equal(json_integer_value(json_object_get(pv, "penalty_fen")), 100000);
	assert_int_equal(json_array_size(json_object_get(pv, "members")), 2);
	json_array_foreach (json_object_get(pv, "months"), i, m) {
		int64_t md = json_integer_value(json_object_get(m, "days"));
		int64_t dim = json_integer_value(json_object_get(m, "days_in_month"));

		assert_int_equal(json_integer_value(json_object_get(m, "market_fen")),
				 (130000 * md * 2 + dim) / (2 * dim));
		market += json_integer_value(json_object_get(m, "market_fen"));
		billed += json_integer_value(json_object_get(m, "rent_billed_fen"));
		days += md;
		if (i == 0)
			assert_int_equal(json_integer_value(json_object_get(m, "rent_billed_fen")),
					 (60000 * md * 2 + dim) / (2 * dim));
		else
			assert_int_equal(json_integer_value(json_object_get(m, "rent_billed_fen")),
					 0);
	}
	assert_int_equal(days, 71);
	assert_int_equal(json_integer_value(json_object_get(pv, "market_fen")), market);
	assert_int_equal(json_integer_value(json_object_get(pv, "back_charge_fen")),
			 market - billed);
	assert_true(billed > 0);
	/* The decision stores and raises what the preview showed. */
	ok(c->db, act(c, &bureau, id, "confirm", "证据确凿，认定转租", &e));
	assert_int_equal(
		tm_qint(c->db, "SELECT back_charge_fen FROM violation_case WHERE id = ?", id),
		market - billed);
	assert_int_equal(tm_qint(c->db,
				 "SELECT amount_fen FROM charge WHERE source_type = 'violation'"
				 " AND source_id = ? AND kind = 'back_charge'",
				 id),
			 market - billed);
	assert_int_equal(tm_qint(c->db,
				 "SELECT amount_fen FROM charge WHERE source_type = 'violation'"
				 " AND source_id = ? AND kind = 'penalty'",
				 id),
			 100000);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM application_ban WHERE source_type = 'violation'"
			" AND source_id = ?",
			id),
		2);
	{
		bool banned = false;
		char until[11];

		ok(c->db, ban_household(c->db, hh, c->today, &banned, until, &e));
		assert_true(banned);
	}
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM tenancy_signal WHERE source_type = 'violation'"
			" AND source_id = ?",
			id),
		1);
	tm_qtext(c->db, "SELECT decided_by FROM violation_case WHERE id = ?", id, text,
		 sizeof(text));
	assert_string_equal(text, "account:1");
	/* Once only: confirmed is not investigating. */
	assert_int_equal(act(c, &bureau, id, "confirm", "再次认定", &e), ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "confirmed"));
	/* Rectification: ordered by the bureau, recorded by the operator. */
	assert_int_equal(act(c, &manager, id, "order_rectification", "限期整改", &e),
			 ANJU_EFORBIDDEN);
	ok(c->db, act(c, &bureau, id, "order_rectification", "限期收回转租", &e));
	assert_int_equal(act(c, &bureau, id, "refer", "拒不整改", &e), ANJU_ECONFLICT);
	ok(c->db, act(c, &manager, id, "rectify", NULL, &e));
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM violation_event WHERE case_id = ?", id), 6);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE object_type = 'violation_case'"
			" AND object_id = CAST(? AS TEXT) AND action LIKE 'violation.%'",
			id),
		6);
	json_decref(pv);
}

/* Dismissal raises nothing; "other" is not sanctioned; a referral opens
 * the eviction. */
static void
test_dismiss_and_refer(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->community, false), u = unit(c, c->community), id, id2;
	char since[DATE_FMT_LEN];

	lease(c, hh, u, -400);
	day(c, -10, since);
	id = case_on(c, u, since);
	ok(c->db, act(c, &manager, id, "investigate", NULL, &e));
	assert_int_equal(act(c, &bureau, id, "dismiss", "", &e), ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	ok(c->db, act(c, &bureau, id, "dismiss", "经核实为亲属短期探望", &e));
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge", 0), 0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM application_ban", 0), 0);
	assert_int_equal(act(c, &manager, id, "investigate", NULL, &e), ANJU_ECONFLICT);
	/* Confirmed, then referred: the eviction opens. */
	id2 = case_on(c, u, since);
	ok(c->db, act(c, &manager, id2, "investigate", NULL, &e));
	ok(c->db, act(c, &bureau, id2, "confirm", "认定转租", &e));
	ok(c->db, act(c, &bureau, id2, "refer", "转租拒不改正，决定收回", &e));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM eviction WHERE basis = 'violation'"
				 " AND basis_id = ?",
				 id2),
			 1);
	assert_true(tm_qint(c->db, "SELECT eviction_id FROM violation_case WHERE id = ?", id2) > 0);
	/* Out of scope: not found, whatever the role. */
	assert_int_equal(act(c, &staff2, id2, "rectify", NULL, &e), ANJU_ENOTFOUND);
}

/*
 * Evidence.
 */

/* A JPEG with an EXIF DateTimeOriginal of 2026:01:02 10:20:30 (big-endian
 * TIFF). */
static size_t
jpeg_exif(unsigned char *p)
{
	static const unsigned char tiff[] = {
		'M',  'M',  0,   42,  0,   0,   0,   8,                      /* header, IFD0 at 8 */
		0,    1,                                                     /* IFD0: one entry */
		0x87, 0x69, 0,   4,   0,   0,   0,   1,   0,   0,   0,   26, /* ExifIFD at 26 */
		0,    0,    0,   0,                                          /* next IFD */
		0,    1, /* Exif IFD: one entry */
		0x90, 0x03, 0,   2,   0,   0,   0,   20,  0,   0,   0,   44, /* DateTimeOriginal at
										44 */
		0,    0,    0,   0,   '2', '0', '2', '6', ':', '0', '1', ':', '0',
		'2',  ' ',  '1', '0', ':', '2', '0', ':', '3', '0', 0,
	};
	size_t n = 0, len = 2 + 6 + sizeof(tiff);

	p[n++] = 0xFF;
	p[n++] = 0xD8;
	p[n++] = 0xFF;
	p[n++] = 0xE1;
	p[n++] = (unsigned char)(len >> 8);
	p[n++] = (unsigned char)len;
	memcpy(p + n, "Exif\0\0", 6);
	n += 6;
	memcpy(p + n, tiff, sizeof(tiff));
	n += sizeof(tiff);
	p[n++] = 0xFF;
	p[n++] = 0xD9;
	return n;
}

static void
test_evidence_append_only(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor a = { "account:2", "mgr", "operator_manager", "::1", NULL };
	unsigned char jpg[256];
	size_t n = jpeg_exif(jpg);
	int64_t id = case_on(c, unit(c, c->community), NULL), ev, att;
	struct violation_evidence_in photo = { "photo", "门口.jpg", jpg, n, NULL, NULL, "门口" };
	struct violation_evidence_in words = { "statement", NULL, NULL, 0, "邻居称常有陌生人出入",
					       NULL,        NULL };
	struct violation_evidence_in pdf = { "photo", "a.pdf", "%PDF-1.4\n", 9, NULL, NULL, NULL };
	char text[128];
	json_t *v = NULL, *out = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db, violation_evidence_add(c->db, &manager, &a, id, &photo, &ev, &e));
	ok(c->db, violation_evidence_add(c->db, &manager, &a, id, &words, &ev, &e));
	assert_int_equal(violation_evidence_add(c->db, &manager, &a, id, &pdf, &ev, &e),
			 ANJU_EMEDIATYPE);
	ok(c->db, db_commit(c->db));
	/* Taken time from EXIF (10:20:30 in Shanghai is 02:20:30 UTC), stored
	 * time the server's, the hash of the bytes. */
	tm_qtext(c->db,
		 "SELECT taken_at FROM violation_evidence WHERE case_id = ? AND kind = 'photo'", id,
		 text, sizeof(text));
	assert_string_equal(text, "2026-01-02T02:20:30.000000Z");
	tm_qtext(c->db,
		 "SELECT taken_source FROM violation_evidence WHERE case_id = ? AND kind = 'photo'",
		 id, text, sizeof(text));
	assert_string_equal(text, "exif");
	{
		char sha[65];

		sha256_hex(jpg, n, sha);
		tm_qtext(c->db,
			 "SELECT sha256 FROM violation_evidence WHERE case_id = ? AND kind = "
			 "'photo'",
			 id, text, sizeof(text));
		assert_string_equal(text, sha);
	}
	ok(c->db, violation_get(c->db, &bureau, id, &v, &e));
	assert_int_equal(json_array_size(json_object_get(v, "evidence")), 2);
	json_decref(v);
	/* The attachment can never be removed. */
	att = tm_qint(c->db,
		      "SELECT attachment_id FROM violation_evidence WHERE case_id = ? AND kind ="
		      " 'photo'",
		      id);
	ok(c->db, db_begin(c->db));
	assert_int_equal(attachment_remove(c->db, &manager, att, &a, &out, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "append_only");
	db_rollback(c->db);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM attachment WHERE id = ? AND removed_at"
				 " IS NULL",
				 att),
			 1);
	/* A dismissed case takes no more. */
	ok(c->db, act(c, &manager, id, "investigate", NULL, &e));
	ok(c->db, act(c, &bureau, id, "dismiss", "查无实据", &e));
	ok(c->db, db_begin(c->db));
	assert_int_equal(violation_evidence_add(c->db, &manager, &a, id, &words, &ev, &e),
			 ANJU_ECONFLICT);
	db_rollback(c->db);
}

/* The package: a zip with the summary, the files and a manifest whose
 * hashes are the files'; its own hash audited. */
static void
test_package(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor a = { "account:2", "mgr", "operator_manager", "::1", NULL };
	unsigned char jpg[256];
	size_t n = jpeg_exif(jpg);
	int64_t id = case_on(c, unit(c, c->community), NULL), ev;
	struct violation_evidence_in photo = { "photo", "门口.jpg", jpg, n, NULL, NULL, NULL };
	struct buf zip;
	char sha[65], fsha[65], line[200], text[256];

	ok(c->db, db_begin(c->db));
	ok(c->db, violation_evidence_add(c->db, &manager, &a, id, &photo, &ev, &e));
	ok(c->db, db_commit(c->db));
	buf_init(&zip, 0);
	ok(c->db, db_begin(c->db));
	ok(c->db, violation_package(c->db, &bureau, &who, id, &zip, sha, &e));
	ok(c->db, db_commit(c->db));
	assert_true(zip.n > 1000);
	assert_memory_equal(zip.p, "PK\x03\x04", 4);
	assert_non_null(memmem(zip.p, zip.n, "summary.pdf", 11));
	assert_non_null(memmem(zip.p, zip.n, "manifest.txt", 12));
	sha256_hex(jpg, n, fsha);
	snprintf(line, sizeof(line), "%s  files/%lld-门口.jpg\n", fsha, (long long)ev);
	assert_non_null(memmem(zip.p, zip.n, line, strlen(line)));
	{
		char whole[65];

		sha256_hex(zip.p, zip.n, whole);
		assert_string_equal(sha, whole);
	}
	tm_qtext(c->db,
		 "SELECT after_json FROM audit_log WHERE action = 'violation.package'"
		 " AND object_id = CAST(? AS TEXT)",
		 id, text, sizeof(text));
	assert_non_null(strstr(text, sha));
	buf_free(&zip);
}

/*
 * Renovation requests.
 */

static void
test_renovation(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->community, false), u = unit(c, c->community), id;
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN], mid[DATE_FMT_LEN], after[DATE_FMT_LEN];
	struct renovation_in in = { u, 0, "更换卫生间防水层", from, to };
	bool yes = true;

	lease(c, hh, u, -100);
	day(c, 5, from);
	day(c, 15, to);
	day(c, 10, mid);
	day(c, 16, after);
	ok(c->db, db_begin(c->db));
	ok(c->db, renovation_create(c->db, &manager, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		tm_qint(c->db, "SELECT household_id FROM renovation_request WHERE id = ?", id), hh);
	ok(c->db, renovation_approved_on(c->db, u, mid, &yes, &e));
	assert_false(yes);
	ok(c->db, db_begin(c->db));
	assert_int_equal(renovation_act(c->db, &bureau, &who, id, "approve", "同意", NULL, &e),
			 ANJU_ECONFLICT);
	ok(c->db, renovation_act(c->db, &manager, &who, id, "check", "不涉及承重结构", NULL, &e));
	assert_int_equal(renovation_act(c->db, &manager, &who, id, "approve", "同意", NULL, &e),
			 ANJU_EFORBIDDEN);
	assert_int_equal(renovation_act(c->db, &bureau, &who, id, "refuse", NULL, NULL, &e),
			 ANJU_EINVAL);
	ok(c->db, renovation_act(c->db, &bureau, &who, id, "approve", "同意", NULL, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, renovation_approved_on(c->db, u, mid, &yes, &e));
	assert_true(yes);
	ok(c->db, renovation_approved_on(c->db, u, after, &yes, &e));
	assert_false(yes);
	/* Dates backwards; a unit out of scope. */
	in.planned_from = to;
	in.planned_to = from;
	ok(c->db, db_begin(c->db));
	assert_int_equal(renovation_create(c->db, &manager, &in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "planned_to");
	in.planned_from = from;
	in.planned_to = to;
	assert_int_equal(renovation_create(c->db, &staff2, &in, &who, &id, &e), ANJU_ENOTFOUND);
	db_rollback(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_common_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reporter_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_sanctions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dismiss_and_refer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renovation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
