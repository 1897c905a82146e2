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

static int64_t
insert_id(struct db *db, const char *sql, const char *text)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db, sql, &st));
	if (text != NULL)
		db_bind_cstr(st, 1, text);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
qint(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v;

	ok(db, db_prepare(db, sql, &st));
	if (strchr(sql, '?') != NULL)
		db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

static void
qtext(struct db *db, const char *sql, int64_t arg, char *out, size_t cap)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, cap, "%s", db_col_null(st, 0) ? "" : db_col_text(st, 0));
	db_reset(st);
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
	struct anju_err e;
	int64_t grant;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	snprintf(c->files, sizeof(c->files), "/tmp/anju-violation-files-XXXXXX");
	if (mkdtemp(c->files) == NULL)
		return -1;
	files_set_root(c->files);
	date_format(date_today_shanghai(), c->today);
	c->community = insert_id(c->db,
				 "INSERT INTO community (name, created_at, updated_at)"
				 " VALUES (?, " T0 ", " T0 ") RETURNING id",
				 "南苑公租房");
	c->community2 = insert_id(c->db,
				  "INSERT INTO community (name, created_at, updated_at)"
				  " VALUES (?, " T0 ", " T0 ") RETURNING id",
				  "肖桥公租房");
	c->building =
		qint(c->db,
		     "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		     " VALUES (?, '3', 18, 2, " T0 ") RETURNING id",
		     c->community);
	grant = c->community2;
	ok(c->db, scope_set(c->db, "account:3", &grant, 1, &e));
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

static void
idnum_make(int n, char out[19])
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	char tmp[40];
	int sum = 0;

	snprintf(tmp, sizeof(tmp), "9901011985%02d%02d%03d", 1 + n / 28 % 12, 1 + n % 28, n % 1000);
	memcpy(out, tmp, 17);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
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
		idnum_make(++c->people, idn[i]);
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
		b = qint(c->db,
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
	qtext(c->db, "SELECT state FROM violation_case WHERE id = ?", id, text, sizeof(text));
	assert_string_equal(text, "suspected");
	/* The tenant household in force on the unit, and the unit's community. */
	assert_int_equal(qint(c->db, "SELECT household_id FROM violation_case WHERE id = ?", id),
			 hh);
	assert_int_equal(qint(c->db, "SELECT community_id FROM violation_case WHERE id = ?", id),
			 c->community);
	assert_int_equal(qint(c->db, "SELECT building_id FROM violation_case WHERE id = ?", id),
			 c->building);
	qtext(c->db, "SELECT started_on FROM violation_case WHERE id = ?", id, text, sizeof(text));
	assert_string_equal(text, since);
	qtext(c->db, "SELECT reported_by FROM violation_case WHERE id = ?", id, text, sizeof(text));
	assert_string_equal(text, "account:3");
	/* Its history starts with the report, and the audit row is there. */
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM violation_event WHERE case_id = ?"
			      " AND action = 'report' AND to_state = 'suspected'",
			      id),
			 1);
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM audit_log WHERE action = 'violation.report'"
			      " AND object_type = 'violation_case' AND object_id = CAST(? AS TEXT)",
			      id),
			 1);
	/* No sanction is automatic: nothing charged, nobody banned. */
	assert_int_equal(qint(c->db, "SELECT COUNT(*) FROM charge", 0), 0);
	assert_int_equal(qint(c->db, "SELECT COUNT(*) FROM application_ban", 0), 0);
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
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM violation_case WHERE id = ?"
			      " AND household_id IS NULL AND unit_id IS NULL AND entrance = 2"
			      " AND location = 'entrance'",
			      id),
			 1);
	in.place.location = "unit";
	in.place.unit_id = u;
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_int_equal(
		qint(c->db,
		     "SELECT COUNT(*) FROM violation_case WHERE id = ? AND household_id IS NULL",
		     id),
		1);
	/* A household named is kept, not the unit's tenant. */
	in.household_id = household(c, c->community, false);
	assert_int_equal(report(c, &in, &id, &created, &e), 0);
	assert_int_equal(qint(c->db, "SELECT household_id FROM violation_case WHERE id = ?", id),
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
	assert_int_equal(qint(c->db, "SELECT COUNT(*) FROM violation_case", 0), 2);
	assert_int_equal(
		qint(c->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'violation.report'", 0),
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
	assert_int_equal(qint(c->db, "SELECT COUNT(*) FROM violation_case", 0), 0);
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
	qtext(c->db, "SELECT reporter_contact_sealed FROM violation_case WHERE id = ?", id, text,
	      sizeof(text));
	assert_memory_equal(text, "v1.", 3);
	assert_null(strstr(text, "13912345678"));
	qtext(c->db, "SELECT reporter_name_sealed FROM violation_case WHERE id = ?", id, text,
	      sizeof(text));
	assert_memory_equal(text, "v1.", 3);
	qtext(c->db,
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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
