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
#include "core/buf.h"
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
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau1", "account:1", true };
/* Operator staff of the first community (scope set in setup). */
static struct caller staff = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "staff1", "account:2", false
};
/* Operator staff of the second community only. */
static struct caller staff2 = {
	CALLER_ACCOUNT, 3, ROLE_OPERATOR_STAFF, "staff2", "account:3", false
};
static struct caller manager = {
	CALLER_ACCOUNT, 4, ROLE_OPERATOR_MANAGER, "mgr", "account:4", false
};
static struct caller assessor = { CALLER_ACCOUNT, 5, ROLE_ASSESSOR, "assessor", "account:5", true };

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

/* A step in its own transaction. */
#define TX(c, call)                                                                                \
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

static void
state_is(struct ctx *c, int64_t id, const char *want)
{
	char got[32];

	text_of(c->db, "SELECT state FROM work_order WHERE id = ?", id, got, sizeof(got));
	assert_string_equal(got, want);
}

static void
test_lifecycle_tenant_pays(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct work_order_material_in m[2] = { { "阀芯", 1, "个", 3000 },
					       { "生料带", 2, "卷", 400 } };
	struct work_order_done_in d = { "tenant", 8000, m, 2, "更换阀芯" };
	struct anju_err e;
	json_t *o = NULL;
	int64_t id;
	bool created;

	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	/* Out of order: 409 naming the current state. */
	assert_int_equal(TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "work_order_state");
	assert_non_null(strstr(e.msg, "reported"));
	/* The assignee must be the operator's and see the community. */
	assert_int_equal(TX(c, work_order_assign(c->db, &staff, id, 3, NULL, &who, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "assignee_id");
	assert_int_equal(TX(c, work_order_assign(c->db, &staff, id, 1, NULL, &who, &e)),
			 ANJU_EINVAL);
	/* Out of scope: not found. */
	assert_int_equal(
		TX(c, work_order_assign(c->db, &staff2, id, c->staff_account, NULL, &who, &e)),
		ANJU_ENOTFOUND);
	ok(c->db,
	   TX(c, work_order_assign(c->db, &manager, id, c->staff_account, "请尽快处理", &who, &e)));
	state_is(c, id, "assigned");
	assert_int_equal(tm_qint(c->db, "SELECT assignee_id FROM work_order WHERE id = ?", id),
			 c->staff_account);
	ok(c->db, TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)));
	state_is(c, id, "in_progress");
	/* Materials above the cost are refused. */
	d.cost_fen = 3000;
	assert_int_equal(TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)), ANJU_EINVAL);
	assert_string_equal(e.field, "cost_fen");
	d.cost_fen = 8000;
	d.responsibility = "landlord";
	assert_int_equal(TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)), ANJU_EINVAL);
	assert_string_equal(e.field, "responsibility");
	d.responsibility = "tenant";
	ok(c->db, TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)));
	state_is(c, id, "done");
	/* The tenant's repair charge, through the money core. */
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM charge WHERE kind = 'repair' AND"
			" source_type = 'work_order' AND source_id = ? AND amount_fen = 8000",
			id),
		1);
	assert_int_equal(tm_qint(c->db, "SELECT household_id FROM charge WHERE source_id = ?", id),
			 c->household);
	assert_int_equal(tm_qint(c->db, "SELECT charge_id FROM work_order WHERE id = ?", id),
			 tm_qint(c->db,
				 "SELECT id FROM charge WHERE source_type = 'work_order'"
				 " AND source_id = ?",
				 id));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order_material WHERE work_order_id = ?",
				 id),
			 2);
	/* The operator's people never confirm their own work. */
	assert_int_equal(TX(c, work_order_confirm(c->db, &staff, id, 5, NULL, &who, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(TX(c, work_order_confirm(c->db, &manager, id, 5, NULL, &who, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(TX(c, work_order_reopen(c->db, &manager, id, "没修好", &who, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(TX(c, work_order_confirm(c->db, &bureau, id, 6, NULL, &bureau_who, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "satisfaction");
	/* The bureau's call-back reopens; fixed again; the assessor confirms. */
	ok(c->db, TX(c, work_order_reopen(c->db, &bureau, id, "回访：仍有滴水", &bureau_who, &e)));
	state_is(c, id, "assigned");
	ok(c->db, TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)));
	m[0].amount_fen = 2000;
	d.nmaterials = 1;
	ok(c->db, TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order_material WHERE work_order_id = ?",
				 id),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge WHERE source_id = ?", id), 1);
	ok(c->db, TX(c, work_order_confirm(c->db, &assessor, id, 4, "回访满意", &who, &e)));
	state_is(c, id, "confirmed");
	assert_int_equal(tm_qint(c->db, "SELECT satisfaction FROM work_order WHERE id = ?", id), 4);
	assert_int_equal(TX(c, work_order_reopen(c->db, &bureau, id, "再看看", &bureau_who, &e)),
			 ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "confirmed"));
	/* The history: every step with who and when; audited. */
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM work_order_event WHERE work_order_id = ?", id),
		8);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM audit_log WHERE object_type = 'work_order'"
				 " AND object_id = CAST(? AS TEXT)",
				 id),
			 8);
	ok(c->db, work_order_get(c->db, &bureau, id, time_now_us(), &o, &e));
	assert_int_equal(json_array_size(json_object_get(o, "history")), 8);
	assert_string_equal(json_string_value(json_object_get(o, "contact")), "139****5678");
	assert_int_equal(json_integer_value(json_object_get(o, "reopened")), 1);
	json_decref(o);
	assert_int_equal(work_order_get(c->db, &staff2, id, time_now_us(), &o, &e), ANJU_ENOTFOUND);
}

static void
test_done_without_household(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = { 0 };
	struct work_order_done_in d = { "tenant", 500, NULL, 0, NULL };
	struct anju_err e;
	int64_t id;
	bool created;

	in.place.location = "asset";
	in.place.asset_id = c->asset;
	in.category = "lift";
	in.urgency = "normal";
	in.description = "电梯按钮失灵";
	in.source = "api";
	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	ok(c->db, TX(c, work_order_assign(c->db, &staff, id, c->staff_account, NULL, &who, &e)));
	ok(c->db, TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)));
	assert_int_equal(TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)), ANJU_EINVAL);
	assert_string_equal(e.key, "household_required");
	d.responsibility = "warranty";
	ok(c->db, TX(c, work_order_done(c->db, &staff, id, &d, &who, &e)));
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge", 0), 0);
}

static void
test_overdue_and_board(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct work_order_filter f = { .limit = 50 };
	struct anju_err e;
	json_t *items = NULL, *counts = NULL;
	int64_t id1, id2, next, day = INT64_C(24) * 3600 * 1000000;
	bool created;

	ok(c->db, raise_tx(c, &in, &id1, &created, &e)); /* emergency: 24 h */
	in.urgency = "normal";                           /* 168 h */
	ok(c->db, raise_tx(c, &in, &id2, &created, &e));
	/* Two days on, the emergency is overdue and the normal one is not. */
	f.overdue = true;
	ok(c->db, work_order_list(c->db, &staff, &f, time_now_us() + 2 * day, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id1);
	assert_true(json_is_true(json_object_get(json_array_get(items, 0), "overdue")));
	json_decref(items);
	ok(c->db, work_order_counts(c->db, &staff, 0, time_now_us() + 2 * day, &counts, &e));
	assert_int_equal(json_integer_value(json_object_get(counts, "overdue")), 1);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(counts, "by_state"), "reported")),
			 2);
	json_decref(counts);
	/* Now, nothing is overdue; another community's staff see nothing. */
	ok(c->db, work_order_list(c->db, &staff, &f, time_now_us(), &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	f.overdue = false;
	ok(c->db, work_order_list(c->db, &staff2, &f, time_now_us(), &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	/* Filters. */
	f.urgency = "normal";
	ok(c->db, work_order_list(c->db, &bureau, &f, time_now_us(), &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	/* A done order is never overdue. */
	ok(c->db, TX(c, work_order_assign(c->db, &staff, id1, c->staff_account, NULL, &who, &e)));
	ok(c->db, TX(c, work_order_start(c->db, &staff, id1, NULL, &who, &e)));
	ok(c->db,
	   TX(c, work_order_done(c->db, &staff, id1,
				 &(struct work_order_done_in){ "operator", 0, NULL, 0, NULL }, &who,
				 &e)));
	ok(c->db,
	   work_order_counts(c->db, &staff, c->community, time_now_us() + 2 * day, &counts, &e));
	assert_int_equal(json_integer_value(json_object_get(counts, "overdue")), 0);
	json_decref(counts);
}

static void
test_tenant_sees_own(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct caller tenant = {
		CALLER_ACCOUNT, 9, ROLE_TENANT, "t", "account:9", false, c->person
	};
	struct caller other = { CALLER_ACCOUNT, 10, ROLE_TENANT, "o", "account:10", false, 999 };
	struct work_order_filter f = { .limit = 50 };
	struct anju_err e;
	json_t *items = NULL, *o = NULL;
	int64_t id, next;
	bool created;

	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	ok(c->db, work_order_list(c->db, &tenant, &f, time_now_us(), &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	ok(c->db, work_order_list(c->db, &other, &f, time_now_us(), &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	assert_int_equal(work_order_get(c->db, &other, id, time_now_us(), &o, &e), ANJU_ENOTFOUND);
	ok(c->db, TX(c, work_order_assign(c->db, &staff, id, c->staff_account, NULL, &who, &e)));
	ok(c->db, TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)));
	ok(c->db,
	   TX(c, work_order_done(c->db, &staff, id,
				 &(struct work_order_done_in){ "operator", 0, NULL, 0, NULL }, &who,
				 &e)));
	assert_int_equal(TX(c, work_order_confirm(c->db, &other, id, 5, NULL, &who, &e)),
			 ANJU_ENOTFOUND);
	ok(c->db, TX(c, work_order_confirm(c->db, &tenant, id, 3, "还行", &who, &e)));
	text_of(c->db, "SELECT confirm_channel FROM work_order WHERE id = ?", id, (char[16]){ 0 },
		16);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order WHERE confirm_channel = 'tenant'"
				 " AND id = ?",
				 id),
			 1);
}

static void
test_preventive(void **state)
{
	struct ctx *c = *state;
	struct preventive_plan_in in = { 0 };
	struct anju_err e;
	int64_t plan, plan2, lift2;
	int raised = 0;

	assert_true(preventive_due("monthly", 31, "2026-02-28"));
	assert_false(preventive_due("monthly", 31, "2026-02-27"));
	assert_true(preventive_due("monthly", 5, "2026-03-05"));
	assert_true(preventive_due("quarterly", 5, "2026-04-05"));
	assert_false(preventive_due("quarterly", 5, "2026-05-05"));
	assert_true(preventive_due("weekly", 1, "2026-03-02")); /* a Monday */
	assert_false(preventive_due("weekly", 2, "2026-03-02"));

	lift2 = tm_qint(c->db,
			"INSERT INTO asset (community_id, location, building_id, entrance, place,"
			" type, condition, created_at, updated_at) SELECT community_id,"
			" 'entrance', id, 2, '2单元电梯', '电梯', 'good', " TM_TIME ", " TM_TIME
			" FROM building WHERE id = ? RETURNING id",
			c->building);
	in.asset_type = "电梯";
	in.community_id = c->community;
	in.name = "电梯月度保养";
	in.category = "lift";
	in.description = "按规范进行月度维护保养";
	in.freq = "monthly";
	in.day = 5;
	in.active = 1;
	assert_int_equal(TX(c, preventive_plan_create(c->db, &staff2, &in, &who, &plan, &e)),
			 ANJU_ENOTFOUND);
	in.day = 32;
	assert_int_equal(TX(c, preventive_plan_create(c->db, &manager, &in, &who, &plan, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "day");
	in.day = 5;
	ok(c->db, TX(c, preventive_plan_create(c->db, &manager, &in, &who, &plan, &e)));
	/* One asset, weekly on Mondays. */
	memset(&in, 0, sizeof(in));
	in.asset_id = c->asset;
	in.name = "1单元电梯周检";
	in.category = "lift";
	in.description = "周检";
	in.freq = "weekly";
	in.day = 4; /* 2026-03-05 is a Thursday */
	in.active = 1;
	ok(c->db, TX(c, preventive_plan_create(c->db, &manager, &in, &who, &plan2, &e)));
	/* Not due: nothing. */
	ok(c->db, TX(c, preventive_run(c->db, "2026-03-04", &who, &raised, &e)));
	assert_int_equal(raised, 0);
	/* Due: one order per lift of the type plan, one for the asset plan. */
	ok(c->db, TX(c, preventive_run(c->db, "2026-03-05", &who, &raised, &e)));
	assert_int_equal(raised, 3);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM work_order WHERE source = 'preventive'"
				 " AND category = 'lift' AND asset_id = ?",
				 lift2),
			 1);
	/* A re-run makes nothing. */
	ok(c->db, TX(c, preventive_run(c->db, "2026-03-05", &who, &raised, &e)));
	assert_int_equal(raised, 0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM work_order", 0), 3);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM preventive_occurrence"
				 " WHERE work_order_id IS NOT NULL",
				 0),
			 3);
	/* An inactive plan raises nothing. */
	ok(c->db,
	   TX(c, preventive_plan_update(c->db, &manager, plan,
					&(struct preventive_plan_in){ .active = 0 }, &who, &e)));
	ok(c->db, TX(c, preventive_run(c->db, "2026-04-05", &who, &raised, &e)));
	assert_int_equal(raised, 0);
}

static void
test_ledger(void **state)
{
	struct ctx *c = *state;
	struct work_order_in in = unit_order(c);
	struct anju_err e;
	char period[PERIOD_FMT_LEN];
	const char *resp[3] = { "tenant", "operator", "operator" };
	int64_t cost[3] = { 5000, 12000, 800 }, id;
	json_t *l = NULL;
	struct buf x;
	bool created;

	period_format(period_of(date_today_shanghai()), period);
	for (int i = 0; i < 3; i++) {
		ok(c->db, raise_tx(c, &in, &id, &created, &e));
		ok(c->db,
		   TX(c, work_order_assign(c->db, &staff, id, c->staff_account, NULL, &who, &e)));
		ok(c->db, TX(c, work_order_start(c->db, &staff, id, NULL, &who, &e)));
		ok(c->db, TX(c, work_order_done(c->db, &staff, id,
						&(struct work_order_done_in){ resp[i], cost[i],
									      NULL, 0, NULL },
						&who, &e)));
	}
	/* One not done: not in the ledger. */
	ok(c->db, raise_tx(c, &in, &id, &created, &e));
	ok(c->db, maintenance_ledger(c->db, &bureau, c->community, period, &l, &e));
	assert_int_equal(json_integer_value(json_object_get(l, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(l, "total_fen")), 17800);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(l, "by_responsibility"),
							    "operator")),
			 12800);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(l, "by_responsibility"),
							    "tenant")),
			 5000);
	json_decref(l);
	/* Another month is empty; a bad month and another's community refused. */
	ok(c->db, maintenance_ledger(c->db, &bureau, c->community, "2020-01", &l, &e));
	assert_int_equal(json_integer_value(json_object_get(l, "count")), 0);
	json_decref(l);
	assert_int_equal(maintenance_ledger(c->db, &bureau, c->community, "2020-13", &l, &e),
			 ANJU_EINVAL);
	assert_int_equal(maintenance_ledger(c->db, &staff2, c->community, period, &l, &e),
			 ANJU_ENOTFOUND);
	buf_init(&x, 16 * 1024 * 1024);
	ok(c->db, maintenance_ledger_xlsx(c->db, &staff, c->community, period, &x, &e));
	assert_true(x.n > 1000);
	assert_memory_equal(x.p, "PK", 2);
	buf_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_configured_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise_source_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle_tenant_pays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_without_household, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue_and_board, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_sees_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preventive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
