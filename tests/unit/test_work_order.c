/*
 * Unit tests of work orders (upkeep/upkeep.h work_order_raise,
 * upkeep/work_order.h) on a real database (both engines): raising with a
 * deadline from the configured hours, the place and household, the sealed
 * contact, one order per source record; the states and who may move them
 * (a call-back confirms, an operator role may not; 409 naming the state);
 * a tenant-paid repair's charge; overdue; scope; preventive plans raising
 * their orders once per day; the maintenance ledger and its xlsx.
 *
 * Communities, buildings, units, accounts and leases are set up with SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "store/migrate.h"
#include "upkeep/upkeep.h"
#include "upkeep/work_order.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, community2, building, unit, asset, household, staff_account;
	int64_t person;
};

static const struct audit_actor who = { "account:2", "staff1", "operator_staff", "::1", NULL };
static const struct audit_actor bureau_who = { "account:1", "bureau1", "bureau", "::1", NULL };
static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("work-order", true);
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
	int64_t grant;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->community = tm_community(c->db, "南苑公租房");
	c->community2 = tm_community(c->db, "肖桥公租房");
	c->building = tm_qint(c->db,
			      "INSERT INTO building (community_id, name, floors, entrances,"
			      " has_lift, created_at) VALUES (?, '3', 18, 2, 1, " TM_TIME
			      ") RETURNING id",
			      c->community);
	c->unit = tm_qint(
		c->db,
		"INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		" floor_area, usable_area, status, status_since, created_at, updated_at)"
		" SELECT community_id, id, 2, 15, '3-2-1502', 4550, 3600, 'occupied', " TM_TIME
		", " TM_TIME ", " TM_TIME " FROM building WHERE id = ? RETURNING id",
		c->building);
	c->asset =
		tm_qint(c->db,
			"INSERT INTO asset (community_id, location, building_id, entrance, place,"
			" type, condition, created_at, updated_at) SELECT community_id,"
			" 'entrance', id, 1, '1单元电梯', '电梯', 'good', " TM_TIME ", " TM_TIME
			" FROM building WHERE id = ? RETURNING id",
			c->building);
	c->household = tm_household(c->db, c->community);
	c->person = tm_insert_id(
		c->db, "INSERT INTO person (name, created_at) VALUES (?, " TM_TIME ") RETURNING id",
		"张三");
	tm_qint(c->db,
		"INSERT INTO member (household_id, person_id, relationship, joined_at)"
		" SELECT ?, id, 'head', " TM_TIME " FROM person RETURNING id",
		c->household);
	tm_qint(c->db,
		"INSERT INTO lease_chain (household_id, unit_id, community_id, state, started_on,"
		" created_at) SELECT ?, u.id, u.community_id, 'open', '2025-01-01', " TM_TIME
		" FROM unit u RETURNING id",
		c->household);
	tm_account(c->db, "bureau1", "局端", "bureau", "active");
	c->staff_account = tm_account(c->db, "staff1", "维修员", "operator_staff", "active");
	tm_account(c->db, "staff2", "肖桥维修员", "operator_staff", "active");
	tm_account(c->db, "mgr", "经理", "operator_manager", "active");
	tm_account(c->db, "assessor", "评估员", "assessor", "active");
	grant = c->community;
	ok(c->db, scope_set(c->db, "account:2", &grant, 1, &e));
	ok(c->db, scope_set(c->db, "account:4", &grant, 1, &e));
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
	free(c);
	return 0;
}

/* A raise in its own transaction: the return code (e filled). */
static int
raise_tx(struct ctx *c, const struct work_order_in *in, int64_t *id, bool *created,
	 struct anju_err *e)
{
	int rc;

	ok(c->db, db_begin(c->db));
	rc = work_order_raise(c->db, in, &who, id, created, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static struct work_order_in
unit_order(const struct ctx *c)
{
	struct work_order_in in = { 0 };

	in.place.location = "unit";
	in.place.unit_id = c->unit;
	in.place.place = "厨房";
	in.category = "water";
	in.urgency = "emergency";
	in.description = "厨房水管爆裂，正在漏水";
	in.source = "staff";
	in.contact = "13912345678";
	return in;
}

static void
text_of(struct db *db, const char *sql, int64_t arg, char *out, size_t cap)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, cap, "%s", db_col_null(st, 0) ? "" : db_col_text(st, 0));
	db_reset(st);
}

static void
test_raise(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct anju_err e;
	char reported[64], deadline[64], contact[256];
	int64_t id = 0, r_us, d_us;
	bool created = false;

	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	assert_true(created);
	assert_true(id > 0);
	/* The unit gives the community, building and entrance; the open
	 * tenancy gives the household. */
	assert_int_equal(tm_qint(c->db, "SELECT community_id FROM work_order WHERE id = ?", id),
			 c->community);
	assert_int_equal(tm_qint(c->db, "SELECT building_id FROM work_order WHERE id = ?", id),
			 c->building);
	assert_int_equal(tm_qint(c->db, "SELECT entrance FROM work_order WHERE id = ?", id), 2);
	assert_int_equal(tm_qint(c->db, "SELECT household_id FROM work_order WHERE id = ?", id),
			 c->household);
	/* Emergency: 24 hours from the server's time of the report. */
	text_of(c->db, "SELECT reported_at FROM work_order WHERE id = ?", id, reported,
		sizeof(reported));
	text_of(c->db, "SELECT deadline_at FROM work_order WHERE id = ?", id, deadline,
		sizeof(deadline));
	ok(c->db, time_parse_utc(str_c(reported), &r_us));
	ok(c->db, time_parse_utc(str_c(deadline), &d_us));
	assert_true(d_us - r_us == INT64_C(24) * 3600 * 1000000);
	assert_true(r_us <= time_now_us() && r_us > time_now_us() - INT64_C(60) * 1000000);
	/* The contact is sealed, never in clear. */
	text_of(c->db, "SELECT contact_sealed FROM work_order WHERE id = ?", id, contact,
		sizeof(contact));
	assert_true(strncmp(contact, "v1.", 3) == 0);
	assert_null(strstr(contact, "13912345678"));
	/* History and audit, without the contact. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order_event WHERE work_order_id = ?"
				 " AND from_state IS NULL AND to_state = 'reported'",
				 id),
			 1);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'work_order.raise'"
			" AND object_id = CAST(? AS TEXT) AND after_json NOT LIKE '%1391234%'",
			id),
		1);
	assert_string_equal((text_of(c->db, "SELECT state FROM work_order WHERE id = ?", id,
				     contact, sizeof(contact)),
			     contact),
			    "reported");
}

static void
test_raise_configured_deadline(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct anju_err e;
	char reported[64], deadline[64];
	int64_t id, r_us, d_us;
	bool created;

	ok(c->db, db_begin(c->db));
	ok(c->db, work_order_deadline_set(c->db, "normal", 48, &bureau_who, &e));
	ok(c->db, db_commit(c->db));
	in.urgency = "normal";
	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	text_of(c->db, "SELECT reported_at FROM work_order WHERE id = ?", id, reported,
		sizeof(reported));
	text_of(c->db, "SELECT deadline_at FROM work_order WHERE id = ?", id, deadline,
		sizeof(deadline));
	ok(c->db, time_parse_utc(str_c(reported), &r_us));
	ok(c->db, time_parse_utc(str_c(deadline), &d_us));
	assert_true(d_us - r_us == INT64_C(48) * 3600 * 1000000);
	ok(c->db, db_begin(c->db));
	assert_int_equal(work_order_deadline_set(c->db, "normal", 0, &bureau_who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "hours");
	assert_int_equal(work_order_deadline_set(c->db, "someday", 5, &bureau_who, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "urgency");
	db_rollback(c->db);
}

static void
test_raise_bad_input(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in;
	struct anju_err e;
	int64_t id;
	bool created;
	char longtext[1100];

	in = unit_order(c);
	in.category = "plumbing";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "category");
	in = unit_order(c);
	in.urgency = "asap";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "urgency");
	in = unit_order(c);
	in.source = "rumour";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "source");
	in = unit_order(c);
	in.description = "";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "description");
	memset(longtext, 'a', 1001);
	longtext[1001] = '\0';
	in.description = longtext;
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "description");
	in = unit_order(c);
	in.description = "bad \x01 text";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	in = unit_order(c);
	in.place.unit_id = 999999;
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.field, "unit_id");
	in = unit_order(c);
	in.place.location = "roofline";
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "location");
	in = unit_order(c);
	in.household_id = 999999;
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.field, "household_id");
	in = unit_order(c);
	in.household_id = tm_household(c->db, c->community2);
	assert_int_equal(raise_tx(c, &in, &id, &created, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "household_id");
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM work_order", 0), 0);
}

static void
test_raise_source_once(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = { 0 };
	struct anju_err e;
	int64_t id1, id2, id3;
	bool created;

	/* A lift in common parts, from a patrol result: no household. */
	in.place.location = "asset";
	in.place.asset_id = c->asset;
	in.category = "lift";
	in.urgency = "urgent";
	in.description = "电梯异响";
	in.source = "patrol";
	in.source_type = "patrol_result";
	in.source_id = 77;
	ok(c->db, raise_tx(c, &in, &id1, &created, &e));
	assert_true(created);
	assert_int_equal(tm_qint(c->db, "SELECT community_id FROM work_order WHERE id = ?", id1),
			 c->community);
	assert_int_equal(tm_qint(c->db, "SELECT asset_id FROM work_order WHERE id = ?", id1),
			 c->asset);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order WHERE id = ?"
				 " AND household_id IS NULL AND contact_sealed IS NULL",
				 id1),
			 1);
	/* The same finding again: the same order, nothing new. */
	ok(c->db, raise_tx(c, &in, &id2, &created, &e));
	assert_false(created);
	assert_int_equal(id2, id1);
	/* Another record of the same id but another type is another source. */
	in.source_type = "other_record";
	ok(c->db, raise_tx(c, &in, &id3, &created, &e));
	assert_true(created);
	assert_true(id3 != id1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM work_order", 0), 2);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE action = 'work_order.raise'",
				 0),
			 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_configured_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_source_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
