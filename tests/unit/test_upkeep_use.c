/*
 * Unit tests of the monthly use report (upkeep/report.h, UPKEEP_REPORT_USE)
 * and of the dossier timeline source "upkeep" (upkeep/timeline.c) on a real
 * database, both engines.  Two communities; a day's patrol rounds walked
 * through the patrol module (check-ins by label, findings that open a work
 * order and a suspected case), a staff case taken to the bureau's confirm
 * with its sanctions, a renovation request through its steps, and a
 * staff work order with a contact, all through their domain functions.
 * Checked: every figure of the report per community and in total, the
 * caller's scope, a bad month, the workbook; the unit's and household's
 * timelines in order, with what belongs elsewhere left out and contacts
 * never shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "dossier/timeline.h"
#include "household/household.h"
#include "store/migrate.h"
#include "upkeep/patrol.h"
#include "upkeep/report.h"
#include "upkeep/upkeep.h"
#include "upkeep/work_order.h"
#include "upkeep/violation.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

#define CONTACT "13812345678"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t ca, cb, building, unit, unit2, hh, inspector;
	int64_t fire, sublet, junk; /* patrol items */
	int64_t point_u, point_e, point_b, plan_a, plan_b;
	int64_t case_staff, case_b, reno, order_staff, order_fire, order_junk;
	char today[DATE_FMT_LEN], yesterday[DATE_FMT_LEN], month[PERIOD_FMT_LEN];
	bool yesterday_here; /* yesterday is in this month */
	struct caller insp;
	char principal[32];
};

static const struct audit_actor who = { "account:1", "科员甲", "bureau", "::1", NULL };
static const struct audit_actor mgr_who = { "account:2", "经理乙", "operator_manager", "::1",
					    NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau1", "account:1", true };
static struct caller manager = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_MANAGER, "mgr", "account:2", true
};
/* An operator manager of the second community only. */
static struct caller mgr_b = {
	CALLER_ACCOUNT, 3, ROLE_OPERATOR_MANAGER, "mgrb", "account:3", false
};

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("upkeepuse", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
grant(struct db *db, const char *principal, int64_t community)
{
	struct db_stmt *st;

	ok(db,
	   db_prepare(db, "INSERT INTO scope_grant (principal, community_id) VALUES (?, ?)", &st));
	db_bind_cstr(st, 1, principal);
	db_bind_int64(st, 2, community);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static int64_t
item_named(struct db *db, const char *name)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db, "SELECT id FROM patrol_item WHERE name = ?", &st));
	db_bind_cstr(st, 1, name);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static void
done(struct ctx *c, int rc, const struct anju_err *e)
{
	if (rc != 0)
		fail_msg("%d %s %s %s", rc, e->key, e->field ? e->field : "", e->msg);
	ok(c->db, db_commit(c->db));
}

static int64_t
id_of(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
unit_in(struct ctx *c, int64_t community, int64_t building, const char *number)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db, db_prepare(c->db,
			     "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			     " floor_area, usable_area, status, status_since, created_at,"
			     " updated_at) VALUES (?, ?, 1, 1, ?, 6500, 5200, 'occupied', " TM_TIME
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

/* A household of two in community, through the household module. */
static int64_t
household(struct ctx *c, int64_t community)
{
	struct member_in m[2] = { 0 };
	struct household_in in = { 0 };
	struct anju_err e;
	char idn[2][19];
	int64_t id = 0;

	tm_idnum(71, idn[0]);
	tm_idnum(72, idn[1]);
	m[0].person.name = "张建国";
	m[0].person.id_number = idn[0];
	m[0].relationship = "head";
	m[1].person.name = "李秀英";
	m[1].person.id_number = idn[1];
	m[1].relationship = "spouse";
	in.community_id = community;
	in.category = "low_income";
	in.monthly_income_fen = 100000;
	in.members = m;
	in.nmembers = 2;
	in.local_hukou = true;
	ok(c->db, db_begin(c->db));
	done(c, household_create(c->db, &in, &who, &id, &e), &e);
	return id;
}

/* A lease of hh on unit u in force since 100 days ago, 600 yuan a month,
 * with its chain, as docs/tenancy.md lists the columns. */
static void
lease(struct ctx *c, int64_t hh, int64_t u)
{
	struct db_stmt *st;
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN], token[40];
	int64_t ch;

	date_format(date_add_days(date_today_shanghai(), -100), from);
	date_format(date_add_days(date_today_shanghai(), 900), to);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		      " started_on, created_at) SELECT ?, id, community_id, 'open', ?, " TM_TIME
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
		      " 'in_force', ?, ?, 60000, 120000, 'v1', ?, 'system', " TM_TIME ", " TM_TIME
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
}

static int64_t
point(struct ctx *c, const char *name, const char *location, int64_t community,
      const int64_t *items, int n)
{
	struct patrol_point_in in = { name,
				      { .location = location,
					.community_id = community,
					.building_id = c->building,
					.unit_id = c->unit,
					.entrance = 1,
					.place = "东侧" },
				      items,
				      n,
				      1 };
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	done(c, patrol_point_save(c->db, &manager, 0, &in, &mgr_who, &id, &e), &e);
	return id;
}

static int64_t
plan(struct ctx *c, int64_t community, const int64_t *points, int n)
{
	struct patrol_plan_in in = { community, "日常巡查", "daily",       0, 0, 0,
				     points,    n,          &c->inspector, 1, 1 };
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	done(c, patrol_plan_save(c->db, &manager, 0, &in, &mgr_who, &id, &e), &e);
	return id;
}

static char *
qr_of(struct ctx *c, int64_t point_id)
{
	struct patrol_label *l = NULL;
	struct anju_err e;
	char community[128], *qr;
	int n = 0;

	ok(c->db, db_begin(c->db));
	done(c,
	     patrol_labels_issue(c->db, &manager, c->ca, point_id, &mgr_who, &l, &n, community, &e),
	     &e);
	assert_int_equal(n, 1);
	qr = xstrdup(l[0].qr);
	free(l);
	return qr;
}

static int64_t
round_of(struct ctx *c, int64_t plan_id, const char *due)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db, "SELECT id FROM patrol_round WHERE plan_id = ? AND due_on = ?", &st));
	db_bind_int64(st, 1, plan_id);
	db_bind_cstr(st, 2, due);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* The inspector checks in at a point and enters its items' outcomes. */
static void
walk(struct ctx *c, int64_t round, int64_t point_id, const int64_t *items, int n,
     const char *outcome)
{
	struct audit_actor a = { c->principal, "巡查员甲", "inspector", "::1", NULL };
	char *qr = qr_of(c, point_id);
	struct patrol_visit_in in = { qr, 0, NULL, NULL, -1 };
	struct anju_err e;
	int64_t got, rid;

	ok(c->db, db_begin(c->db));
	done(c, patrol_visit(c->db, &c->insp, round, &in, &a, &got, &e), &e);
	assert_int_equal(got, point_id);
	for (int i = 0; i < n; i++) {
		ok(c->db, db_begin(c->db));
		done(c,
		     patrol_result_save(c->db, &c->insp, round, point_id, items[i], outcome,
					"有杂物堵塞", &a, &rid, &e),
		     &e);
	}
	free(qr);
}

static void
act(struct ctx *c, struct caller *by, int64_t id, const char *action, const char *proposal,
    const char *reason)
{
	struct violation_action_in in = { action, proposal, reason, NULL };
	struct audit_actor a = { by->principal, by->name, role_name(by->role), "::1", NULL };
	struct anju_err e;

	ok(c->db, db_begin(c->db));
	done(c, violation_act(c->db, by, &a, id, &in, &e), &e);
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;
	int64_t items_u[2], items_e[1], route_a[2], route_b[1], bb, made = 0;
	struct date today = date_today_shanghai();

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	date_format(today, c->today);
	date_format(date_add_days(today, -1), c->yesterday);
	period_format(period_of(today), c->month);
	c->yesterday_here = strncmp(c->yesterday, c->month, 7) == 0;
	c->ca = tm_community(c->db, "南苑公租房");
	c->cb = tm_community(c->db, "肖桥公租房");
	c->building = id_of(c->db,
			    "INSERT INTO building (community_id, name, floors, entrances,"
			    " created_at) VALUES (?, '3', 18, 2, " TM_TIME ") RETURNING id",
			    c->ca);
	bb = id_of(c->db,
		   "INSERT INTO building (community_id, name, floors, entrances,"
		   " created_at) VALUES (?, '9', 6, 1, " TM_TIME ") RETURNING id",
		   c->cb);
	c->unit = unit_in(c, c->ca, c->building, "3-1-101");
	c->unit2 = unit_in(c, c->ca, c->building, "3-1-102");
	(void)unit_in(c, c->cb, bb, "9-1-101");
	c->hh = household(c, c->ca);
	lease(c, c->hh, c->unit);
	c->inspector = tm_account(c->db, "xuncha1", "巡查员甲", "inspector", "active");
	snprintf(c->principal, sizeof(c->principal), "account:%lld", (long long)c->inspector);
	grant(c->db, c->principal, c->ca);
	grant(c->db, c->principal, c->cb);
	grant(c->db, "account:3", c->cb);
	c->insp = (struct caller){ CALLER_ACCOUNT, c->inspector, ROLE_INSPECTOR,
				   "xuncha1",      c->principal, false };

	/* Patrols: the unit's point (a blocked passage, a suspected sublet),
	 * the entrance's (things piled up), the other community's grounds. */
	c->fire = item_named(c->db, "消防通道堵塞");
	c->sublet = item_named(c->db, "疑似转租转借");
	c->junk = item_named(c->db, "楼道堆物");
	items_u[0] = c->fire;
	items_u[1] = c->sublet;
	items_e[0] = c->junk;
	c->point_u = point(c, "3-1-101 门前", "unit", c->ca, items_u, 2);
	c->point_e = point(c, "3栋1单元楼道", "entrance", c->ca, items_e, 1);
	{
		struct patrol_point_in in = {
			"肖桥东门",
			{ .location = "community", .community_id = c->cb, .place = "东门" },
			&c->fire,
			1,
			1
		};
		ok(c->db, db_begin(c->db));
		done(c, patrol_point_save(c->db, &manager, 0, &in, &mgr_who, &c->point_b, &e), &e);
	}
	route_a[0] = c->point_u;
	route_a[1] = c->point_e;
	route_b[0] = c->point_b;
	c->plan_a = plan(c, c->ca, route_a, 2);
	c->plan_b = plan(c, c->cb, route_b, 1);
	/* Yesterday's rounds (missed once today's are made), then today's. */
	ok(c->db, db_begin(c->db));
	done(c, patrol_rounds_generate(c->db, c->yesterday, &who, &made, NULL, &e), &e);
	assert_int_equal(made, 2);
	ok(c->db, db_begin(c->db));
	done(c, patrol_rounds_generate(c->db, c->today, &who, &made, NULL, &e), &e);
	assert_int_equal(made, 2);
	walk(c, round_of(c, c->plan_a, c->today), c->point_u, items_u, 2, "not_fine");
	walk(c, round_of(c, c->plan_a, c->today), c->point_e, items_e, 1, "not_fine");
	c->order_fire = id_of(c->db,
			      "SELECT work_order_id FROM patrol_result WHERE point_id = ?"
			      " AND work_order_id IS NOT NULL",
			      c->point_u);
	c->order_junk = id_of(c->db, "SELECT work_order_id FROM patrol_result WHERE point_id = ?",
			      c->point_e);

	/* A staff case of the household, to the bureau's confirm. */
	{
		struct violation_report_in in = {
			.type = "sublet",
			.source = "staff",
			.place = { .location = "unit", .unit_id = c->unit },
			.household_id = c->hh,
			.summary = "邻居反映房屋由他人居住",
		};
		bool created;

		ok(c->db, db_begin(c->db));
		done(c, violation_report(c->db, &in, &mgr_who, &c->case_staff, &created, &e), &e);
		in.type = "other";
		in.place = (struct housing_place){ .location = "community",
						   .community_id = c->cb,
						   .place = "东门" };
		in.household_id = 0;
		in.summary = "东门私搭乱建";
		ok(c->db, db_begin(c->db));
		done(c, violation_report(c->db, &in, &mgr_who, &c->case_b, &created, &e), &e);
		ok(c->db, db_begin(c->db));
		done(c,
		     violation_set_reporter(c->db, c->case_staff, "王举报", "13900001111", &who,
					    &e),
		     &e);
	}
	act(c, &manager, c->case_staff, "investigate", NULL, NULL);
	act(c, &manager, c->case_staff, "propose", "confirm", "租客承认转租");
	act(c, &bureau, c->case_staff, "confirm", NULL, "证据确凿，认定转租");

	/* A renovation request through its steps. */
	{
		struct renovation_in in = { c->unit, c->hh, "更换卫生间地砖", c->today, c->today };

		ok(c->db, db_begin(c->db));
		done(c, renovation_create(c->db, &manager, &in, &mgr_who, &c->reno, &e), &e);
		ok(c->db, db_begin(c->db));
		done(c,
		     renovation_act(c->db, &manager, &mgr_who, c->reno, "check", "不涉及承重结构",
				    NULL, &e),
		     &e);
		ok(c->db, db_begin(c->db));
		done(c, renovation_act(c->db, &bureau, &who, c->reno, "approve", "同意", NULL, &e),
		     &e);
		ok(c->db, db_begin(c->db));
		done(c, renovation_act(c->db, &manager, &mgr_who, c->reno, "done", NULL, NULL, &e),
		     &e);
	}

	/* A staff work order for the household with a contact to call back,
	 * overdue; then assigned. */
	{
		struct work_order_in in = {
			.place = { .location = "unit", .unit_id = c->unit },
			.category = "water",
			.urgency = "emergency",
			.description = "厨房水管漏水",
			.source = "staff",
			.household_id = c->hh,
			.contact = CONTACT,
		};
		bool created;
		char fixer_principal[32];
		int64_t fixer;
		struct db_stmt *st;

		ok(c->db, db_begin(c->db));
		done(c, work_order_raise(c->db, &in, &mgr_who, &c->order_staff, &created, &e), &e);
		ok(c->db,
		   db_prepare(c->db,
			      "UPDATE work_order SET deadline_at = '2020-01-01T00:00:00.000000Z'"
			      " WHERE id = ?",
			      &st));
		db_bind_int64(st, 1, c->order_staff);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
		fixer = tm_account(c->db, "weixiu1", "维修员丙", "operator_staff", "active");
		snprintf(fixer_principal, sizeof(fixer_principal), "account:%lld",
			 (long long)fixer);
		grant(c->db, fixer_principal, c->ca);
		ok(c->db, db_begin(c->db));
		done(c,
		     work_order_assign(c->db, &manager, c->order_staff, fixer, "派给水电班",
				       &mgr_who, &e),
		     &e);
	}
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
num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	if (!json_is_integer(json_object_get(o, path)))
		fail_msg("no figure %s", path);
	return json_integer_value(json_object_get(o, path));
}

static json_t *
use_report(struct ctx *c, struct caller *by, int64_t community, const char *month)
{
	struct upkeep_report_query q = { .community_id = community };
	struct anju_err e;
	json_t *r = NULL;
	int rc;

	snprintf(q.month, sizeof(q.month), "%s", month ? month : "");
	rc = upkeep_report_build(c->db, by, UPKEEP_REPORT_USE, &q, &r, &e);
	if (rc != 0)
		fail_msg("%d %s %s", rc, e.key, e.msg);
	return r;
}

static void
test_use_figures(void **state)
{
	struct ctx *c = *state;
	json_t *r = use_report(c, &bureau, 0, NULL), *a, *b, *t;
	int64_t planned = c->yesterday_here ? 2 : 1;

	assert_string_equal(json_string_value(json_object_get(r, "month")), c->month);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	a = json_array_get(json_object_get(r, "items"), 0);
	b = json_array_get(json_object_get(r, "items"), 1);
	assert_int_equal(num(a, "community_id"), c->ca);
	assert_string_equal(json_string_value(json_object_get(a, "community_name")), "南苑公租房");
	/* Patrols: today's round done, yesterday's missed when in this month. */
	assert_int_equal(num(a, "rounds.planned"), planned);
	assert_int_equal(num(a, "rounds.done"), 1);
	assert_int_equal(num(a, "rounds.missed"), planned - 1);
	assert_int_equal(num(a, "rounds.open"), 0);
	assert_int_equal(num(a, "rounds.points"), 2 * planned);
	assert_int_equal(num(a, "rounds.points_checked"), 2);
	assert_int_equal(num(a, "findings.high"), 2);
	assert_int_equal(num(a, "findings.medium"), 1);
	assert_int_equal(num(a, "findings.low"), 0);
	/* The patrol's suspected sublet and the staff's confirmed one. */
	assert_int_equal(num(a, "violations.opened"), 2);
	assert_int_equal(num(a, "violations.by_type.sublet"), 2);
	assert_int_equal(num(a, "violations.by_type.other"), 0);
	assert_int_equal(num(a, "violations.by_state.suspected"), 1);
	assert_int_equal(num(a, "violations.by_state.confirmed"), 1);
	assert_int_equal(num(a, "renovations.requested"), 1);
	assert_int_equal(num(a, "renovations.by_state.done"), 1);
	/* Two orders from the findings, one from staff (assigned, overdue). */
	assert_int_equal(num(a, "work_orders.raised"), 3);
	assert_int_equal(num(a, "work_orders.by_state.reported"), 2);
	assert_int_equal(num(a, "work_orders.by_state.assigned"), 1);
	assert_int_equal(num(a, "work_orders.overdue"), 1);
	/* The other community: a round not walked yet, a case of its own. */
	assert_int_equal(num(b, "community_id"), c->cb);
	assert_int_equal(num(b, "rounds.planned"), planned);
	assert_int_equal(num(b, "rounds.open"), 1);
	assert_int_equal(num(b, "rounds.points_checked"), 0);
	assert_int_equal(num(b, "findings.high"), 0);
	assert_int_equal(num(b, "violations.by_type.other"), 1);
	assert_int_equal(num(b, "work_orders.raised"), 0);
	t = json_object_get(r, "total");
	assert_int_equal(num(t, "rounds.planned"), 2 * planned);
	assert_int_equal(num(t, "violations.opened"), 3);
	assert_int_equal(num(t, "work_orders.overdue"), 1);
	assert_null(json_object_get(t, "community_id"));
	json_decref(r);

	/* Last month: yesterday's rounds are there when it was last month. */
	{
		char last[PERIOD_FMT_LEN];

		period_format(period_add(period_of(date_today_shanghai()), -1), last);
		r = use_report(c, &bureau, c->ca, last);
		assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
		a = json_array_get(json_object_get(r, "items"), 0);
		assert_int_equal(num(a, "rounds.planned"), c->yesterday_here ? 0 : 1);
		assert_int_equal(num(a, "rounds.missed"), c->yesterday_here ? 0 : 1);
		assert_int_equal(num(a, "violations.opened"), 0);
		assert_int_equal(num(a, "work_orders.raised"), 0);
		/* Overdue is now, whatever the month. */
		assert_int_equal(num(a, "work_orders.overdue"), 1);
		json_decref(r);
	}
}

static void
test_use_scope(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .community_id = 0 };
	struct anju_err e;
	json_t *r = use_report(c, &mgr_b, 0, NULL), *b;

	/* The second community's manager sees its community alone. */
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	b = json_array_get(json_object_get(r, "items"), 0);
	assert_int_equal(num(b, "community_id"), c->cb);
	assert_int_equal(num(json_object_get(r, "total"), "violations.opened"), 1);
	assert_int_equal(num(json_object_get(r, "total"), "work_orders.overdue"), 0);
	json_decref(r);
	r = NULL;
	q.community_id = c->ca;
	assert_int_equal(upkeep_report_build(c->db, &mgr_b, UPKEEP_REPORT_USE, &q, &r, &e),
			 ANJU_ENOTFOUND);
	assert_null(r);
	/* A bad month names its field. */
	q.community_id = 0;
	snprintf(q.month, sizeof(q.month), "2026-13");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_USE, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "month");
	assert_null(r);
}

/* The bytes of one member of a zip (an xlsx), NUL-terminated (free it). */
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
test_use_xlsx(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .community_id = 0 };
	struct anju_err e;
	struct buf x;
	char *wb, *sheet, *strings;

	buf_init(&x, 0);
	ok(c->db, upkeep_report_xlsx(c->db, &bureau, UPKEEP_REPORT_USE, &q, &x, &e));
	wb = unzip(&x, "xl/workbook.xml");
	strings = unzip(&x, "xl/sharedStrings.xml");
	sheet = unzip(&x, "xl/worksheets/sheet1.xml");
	assert_non_null(wb);
	assert_non_null(strings);
	assert_non_null(sheet);
	assert_non_null(strstr(wb, "月度使用情况"));
	assert_non_null(strstr(strings, "南苑公租房"));
	assert_non_null(strstr(strings, "肖桥公租房"));
	assert_non_null(strstr(strings, "合计"));
	assert_non_null(strstr(strings, "当前超期工单"));
	/* The header, a row per community and the total: rows 1 to 5. */
	assert_non_null(strstr(sheet, "<row r=\"5\""));
	assert_null(strstr(sheet, "<row r=\"6\""));
	free(wb);
	free(strings);
	free(sheet);
	buf_free(&x);
}

/* The events of source "upkeep" of one ref, checked newest first. */
static json_t *
upkeep_events(struct ctx *c, const char *type, int64_t id, int limit)
{
	struct timeline_ref ref = { type, id };
	struct anju_err e;
	json_t *all = NULL, *out = json_array(), *ev;
	const char *prev = NULL;
	size_t i;

	ok(c->db, timeline_build(c->db, &bureau, &ref, 1, limit, &all, &e));
	json_array_foreach (all, i, ev) {
		const char *at = json_string_value(json_object_get(ev, "at"));

		if (prev != NULL && strcmp(prev, at) < 0)
			fail_msg("not newest first: %s before %s", prev, at);
		prev = at;
		if (strcmp(json_string_value(json_object_get(ev, "source")), "upkeep") == 0)
			json_array_append(out, ev);
		else /* no other source tells the upkeep's records */
			assert_null(strstr(json_string_value(json_object_get(ev, "action")),
					   "violation."));
	}
	json_decref(all);
	return out;
}

static size_t
count_action(json_t *evs, const char *action, const char *note_has)
{
	size_t i, n = 0;
	json_t *ev;

	json_array_foreach (evs, i, ev) {
		const char *note = json_string_value(json_object_get(
			json_object_get(json_object_get(ev, "detail"), "after"), "note"));

		if (strcmp(json_string_value(json_object_get(ev, "action")), action) == 0 &&
		    (note_has == NULL || (note && strstr(note, note_has))))
			n++;
	}
	return n;
}

static void
test_timeline_unit(void **state)
{
	struct ctx *c = *state;
	json_t *evs = upkeep_events(c, "unit", c->unit, 100), *ev;
	char *dump;
	size_t i;

	/* The findings at the unit's point, not the entrance's. */
	assert_int_equal(count_action(evs, "patrol.finding", NULL), 2);
	assert_int_equal(count_action(evs, "patrol.finding", "消防通道堵塞（严重）"), 1);
	assert_int_equal(count_action(evs, "patrol.finding", "已立疑似违规案件"), 1);
	assert_int_equal(count_action(evs, "patrol.finding", "楼道堆物"), 0);
	/* Both cases of the unit, every step, the decision with its amounts. */
	assert_int_equal(count_action(evs, "violation.report", NULL), 2);
	assert_int_equal(count_action(evs, "violation.report", "巡查发现登记"), 1);
	assert_int_equal(count_action(evs, "violation.investigate", NULL), 1);
	assert_int_equal(count_action(evs, "violation.propose", "建议认定违规"), 1);
	assert_int_equal(count_action(evs, "violation.confirm", "罚款 1,000.00 元"), 1);
	json_array_foreach (evs, i, ev)
		if (strcmp(json_string_value(json_object_get(ev, "action")), "violation.confirm") ==
		    0) {
			json_t *d = json_object_get(ev, "detail");

			assert_int_equal(num(d, "penalty_fen"), 100000);
			assert_true(num(d, "back_charge_fen") >= 0);
			assert_int_equal(num(d, "bans"), 2);
			assert_int_equal(num(d, "case_id"), c->case_staff);
			assert_string_equal(json_string_value(json_object_get(ev, "actor")),
					    "bureau1");
		}
	/* The renovation's four steps. */
	assert_int_equal(count_action(evs, "renovation.request", "更换卫生间地砖"), 1);
	assert_int_equal(count_action(evs, "renovation.check", "不涉及承重结构"), 1);
	assert_int_equal(count_action(evs, "renovation.approve", NULL), 1);
	assert_int_equal(count_action(evs, "renovation.done", NULL), 1);
	/* The orders at the unit: the finding's and the staff's, not the
	 * entrance's; the staff's assignment. */
	assert_int_equal(count_action(evs, "work_order.raise", NULL), 2);
	assert_int_equal(count_action(evs, "work_order.raise", "厨房水管漏水"), 1);
	assert_int_equal(count_action(evs, "work_order.assign", "派给水电班"), 1);
	/* Contacts are never shown. */
	dump = json_dumps(evs, 0);
	assert_null(strstr(dump, CONTACT));
	assert_null(strstr(dump, "13900001111"));
	assert_null(strstr(dump, "王举报"));
	free(dump);
	/* Every event is told on the unit. */
	json_array_foreach (evs, i, ev) {
		assert_string_equal(json_string_value(json_object_get(ev, "object_type")), "unit");
		assert_int_equal(num(ev, "object_id"), c->unit);
	}
	json_decref(evs);
	/* The newest first, at most limit: the staff order's assignment. */
	evs = upkeep_events(c, "unit", c->unit, 1);
	assert_int_equal(json_array_size(evs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "action")),
			    "work_order.assign");
	json_decref(evs);
	/* The unit next door has none. */
	evs = upkeep_events(c, "unit", c->unit2, 100);
	assert_int_equal(json_array_size(evs), 0);
	json_decref(evs);
}

static void
test_timeline_household(void **state)
{
	struct ctx *c = *state;
	json_t *evs = upkeep_events(c, "household", c->hh, 100);

	/* Its cases (the patrol's found its tenancy), request and order; no
	 * patrol findings on a household. */
	assert_int_equal(count_action(evs, "patrol.finding", NULL), 0);
	assert_int_equal(count_action(evs, "violation.report", NULL), 2);
	assert_int_equal(count_action(evs, "violation.confirm", NULL), 1);
	assert_int_equal(count_action(evs, "renovation.request", NULL), 1);
	assert_int_equal(count_action(evs, "renovation.done", NULL), 1);
	assert_int_equal(count_action(evs, "work_order.raise", "厨房水管漏水"), 1);
	assert_int_equal(count_action(evs, "work_order.assign", NULL), 1);
	assert_int_equal(count_action(evs, "violation.report", "东门私搭乱建"), 0);
	json_decref(evs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_use_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_xlsx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_household, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
