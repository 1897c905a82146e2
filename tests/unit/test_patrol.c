/*
 * Unit tests of patrols (src/upkeep/patrol.c, round.c, labels_pdf.c) on a
 * real database (both engines): the library and its retirement, points and
 * their labels (a reprint voids the old token), plans and their checks,
 * rounds made once per plan and day by frequency, missed rounds, check-ins
 * with a wrong, voided or another point's label, results only after the
 * check-in and saved once however often they are sent, findings that open
 * a work order or a suspected violation case once, and a round done when
 * everything is entered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "jobs/job.h"
#include "jobs/schedule.h"
#include "store/migrate.h"
#include "upkeep/patrol.h"
#include "testdb.h"
#include "testkeys.h"
#include "testjob.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, other_community, building, unit, inspector, inspector2;
	int64_t items[3]; /* 消防通道堵塞, 楼道堆物, 疑似转租转借 */
	int64_t point_a, point_b, point_c, plan;
	struct caller insp, insp2;
	char principal[32], principal2[32];
};

static const struct audit_actor who = { "account:4", "mgr", "operator_manager", "::1", NULL };
static struct caller manager = {
	CALLER_ACCOUNT, 4, ROLE_OPERATOR_MANAGER, "mgr", "account:4", true
};
static struct caller bureau = { CALLER_ACCOUNT, 5, ROLE_BUREAU, "bur", "account:5", true };
/* Operator staff of no community. */
static struct caller stranger = { CALLER_ACCOUNT, 6,           ROLE_OPERATOR_STAFF,
				  "other",        "account:6", false };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("patrol", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
day(char out[DATE_FMT_LEN], int days)
{
	date_format(date_add_days(date_today_shanghai(), days), out);
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
grant(struct db *db, int64_t account, int64_t community)
{
	char p[32];
	struct db_stmt *st;

	snprintf(p, sizeof(p), "account:%lld", (long long)account);
	ok(db,
	   db_prepare(db, "INSERT INTO scope_grant (principal, community_id) VALUES (?, ?)", &st));
	db_bind_cstr(st, 1, p);
	db_bind_int64(st, 2, community);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static int64_t
point(struct ctx *c, const char *name, const char *location, const int64_t *items, int n)
{
	struct patrol_point_in in = { name,
				      { .location = location,
					.community_id = c->community,
					.building_id = c->building,
					.unit_id = c->unit,
					.entrance = 1,
					.place = "东侧" },
				      items,
				      n,
				      1 };
	struct anju_err e;
	int64_t id;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_point_save(c->db, &manager, 0, &in, &who, &id, &e);
	if (rc != 0)
		print_error("%s %s %s\n", e.key, e.field, e.msg);
	ok(c->db, rc);
	ok(c->db, db_commit(c->db));
	return id;
}

static int64_t
plan(struct ctx *c, const char *freq, int weekday, int month_day, int quarter_month,
     const int64_t *points, int n, int *rc_out)
{
	int64_t insp[] = { c->inspector, c->inspector2 };
	struct patrol_plan_in in = {
		c->community, "日常巡查", freq, weekday, month_day, quarter_month,
		points,       n,          insp, 2,       1
	};
	struct anju_err e;
	int64_t id = 0;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_plan_save(c->db, &manager, 0, &in, &who, &id, &e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	if (rc_out)
		*rc_out = rc;
	else
		ok(c->db, rc);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct building_in b = { 0, "1栋", 6, 2, false };
	struct unit_in u = { 0, 1, 1, "1-1-101", "一室一厅", 5000, 4000, "南" };
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->community = tm_community(c->db, "南苑公租房");
	c->other_community = tm_community(c->db, "肖桥公租房");
	b.community_id = c->community;
	ok(c->db, db_begin(c->db));
	ok(c->db, building_create(c->db, &b, &who, &c->building, &e));
	u.building_id = c->building;
	ok(c->db, unit_create(c->db, &u, &who, &c->unit, &e));
	ok(c->db, db_commit(c->db));
	c->inspector = tm_account(c->db, "xuncha1", "巡查员甲", "inspector", "active");
	c->inspector2 = tm_account(c->db, "xuncha2", "巡查员乙", "inspector", "active");
	grant(c->db, c->inspector, c->community);
	grant(c->db, c->inspector2, c->community);
	snprintf(c->principal, sizeof(c->principal), "account:%lld", (long long)c->inspector);
	snprintf(c->principal2, sizeof(c->principal2), "account:%lld", (long long)c->inspector2);
	c->insp = (struct caller){ CALLER_ACCOUNT, c->inspector, ROLE_INSPECTOR,
				   "xuncha1",      c->principal, false };
	c->insp2 = (struct caller){ CALLER_ACCOUNT, c->inspector2, ROLE_INSPECTOR,
				    "xuncha2",      c->principal2, false };
	c->items[0] = item_named(c->db, "消防通道堵塞");
	c->items[1] = item_named(c->db, "楼道堆物");
	c->items[2] = item_named(c->db, "疑似转租转借");
	c->point_a = point(c, "1栋1单元楼道", "entrance", c->items, 2);
	c->point_b = point(c, "1-1-101", "unit", c->items + 2, 1);
	c->point_c = point(c, "小区东门", "community", c->items, 1);
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

/* Issues labels of one point (0: every point) and returns the QR texts. */
static int
labels(struct ctx *c, int64_t point_id, struct patrol_label **out, int *n)
{
	char community[128];
	struct anju_err e;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_labels_issue(c->db, &manager, c->community, point_id, &who, out, n, community,
				 &e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static char *
qr_of(struct ctx *c, int64_t point_id)
{
	struct patrol_label *l = NULL;
	char *qr;
	int n = 0;

	ok(c->db, labels(c, point_id, &l, &n));
	assert_int_equal(n, 1);
	qr = xstrdup(l[0].qr);
	free(l);
	return qr;
}

static int
generate(struct ctx *c, const char *dayv, int64_t *made, int64_t *missed)
{
	struct anju_err e;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_rounds_generate(c->db, dayv, &who, made, missed, &e);
	ok(c->db, rc);
	ok(c->db, db_commit(c->db));
	return rc;
}

static int64_t
round_of(struct ctx *c, int64_t plan_id, const char *dayv)
{
	struct db_stmt *st;
	int64_t id = 0;

	ok(c->db,
	   db_prepare(c->db, "SELECT id FROM patrol_round WHERE plan_id = ? AND due_on = ?", &st));
	db_bind_int64(st, 1, plan_id);
	db_bind_cstr(st, 2, dayv);
	if (db_step(st) == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static char *
round_state(struct ctx *c, int64_t id)
{
	static char s[16];
	struct db_stmt *st;

	ok(c->db, db_prepare(c->db, "SELECT state FROM patrol_round WHERE id = ?", &st));
	db_bind_int64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(s, sizeof(s), "%s", db_col_text(st, 0));
	db_reset(st);
	return s;
}

static int
visit(struct ctx *c, const struct caller *as, int64_t round, const char *token, int64_t point_id,
      struct anju_err *e)
{
	struct patrol_visit_in in = { token, point_id, "31.2304", "121.4737", 12 };
	struct audit_actor a = { as->principal, as->name, role_name(as->role), "::1", NULL };
	int64_t got;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_visit(c->db, as, round, &in, &a, &got, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static int
result(struct ctx *c, const struct caller *as, int64_t round, int64_t point_id, int64_t item,
       const char *outcome, struct anju_err *e)
{
	struct audit_actor a = { as->principal, as->name, role_name(as->role), "::1", NULL };
	int64_t id;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = patrol_result_save(c->db, as, round, point_id, item, outcome, "说明", &a, &id, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static void
test_library(void **state)
{
	struct ctx *c = *state;
	struct patrol_item_in in = { "电动车楼道充电", "high", "work_order", "electricity", NULL };
	struct anju_err e;
	json_t *items = NULL, *it = NULL;
	int64_t id, again;
	size_t n;

	ok(c->db, patrol_item_list(c->db, false, &items, &e));
	n = json_array_size(items);
	assert_true(n >= 9);
	json_decref(items);
	ok(c->db, db_begin(c->db));
	ok(c->db, patrol_item_save(c->db, 0, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	/* The same name twice is refused. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(patrol_item_save(c->db, 0, &in, &who, &again, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "patrol_item_exists");
	db_rollback(c->db);
	in.severity = "extreme";
	ok(c->db, db_begin(c->db));
	assert_int_equal(patrol_item_save(c->db, id, &in, &who, &again, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "severity");
	db_rollback(c->db);
	/* A retired item stays, is listed only with the retired, and no point takes it. */
	ok(c->db, db_begin(c->db));
	ok(c->db, patrol_item_retire(c->db, id, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, patrol_item_get(c->db, id, &it, &e));
	assert_true(json_is_true(json_object_get(it, "retired")));
	json_decref(it);
	ok(c->db, patrol_item_list(c->db, false, &items, &e));
	assert_int_equal(json_array_size(items), n);
	json_decref(items);
	ok(c->db, patrol_item_list(c->db, true, &items, &e));
	assert_int_equal(json_array_size(items), n + 1);
	json_decref(items);
	{
		struct patrol_point_in p = {
			"屋面", { .location = "building", .building_id = c->building }, &id, 1, 1
		};
		int64_t pid;

		ok(c->db, db_begin(c->db));
		assert_int_equal(patrol_point_save(c->db, &manager, 0, &p, &who, &pid, &e),
				 ANJU_ECONFLICT);
		assert_string_equal(e.key, "patrol_item_retired");
		db_rollback(c->db);
	}
	/* The severity's action. */
	ok(c->db, db_begin(c->db));
	ok(c->db, patrol_severity_action_set(c->db, "medium", "violation", &who, &e));
	assert_int_equal(patrol_severity_action_set(c->db, "medium", "explode", &who, &e),
			 ANJU_EINVAL);
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		query_int(c->db,
			  "SELECT COUNT(*) FROM patrol_severity_action WHERE action = 'violation'"),
		1);
}

static void
test_points_and_scope(void **state)
{
	struct ctx *c = *state;
	struct patrol_point_in in = {
		"X", { .location = "unit", .unit_id = 999999 }, c->items, 1, 1
	};
	struct anju_err e;
	json_t *p = NULL, *list = NULL;
	int64_t id;

	ok(c->db, patrol_point_get(c->db, &bureau, c->point_a, &p, &e));
	assert_int_equal(json_integer_value(json_object_get(p, "short_no")), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(p, "place"), "location")),
		"entrance");
	assert_int_equal(json_array_size(json_object_get(p, "items")), 2);
	json_decref(p);
	assert_int_equal(patrol_point_get(c->db, &stranger, c->point_a, &p, &e), ANJU_ENOTFOUND);
	ok(c->db, patrol_point_list(c->db, &manager, c->community, false, &list, &e));
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);
	assert_int_equal(patrol_point_list(c->db, &stranger, c->community, false, &list, &e),
			 ANJU_ENOTFOUND);
	/* A place that does not exist, a point of a community out of scope. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(patrol_point_save(c->db, &manager, 0, &in, &who, &id, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.field, "unit_id");
	in.place = (struct housing_place){ .location = "community", .community_id = c->community };
	assert_int_equal(patrol_point_save(c->db, &stranger, 0, &in, &who, &id, &e),
			 ANJU_ENOTFOUND);
	in.nitems = 0;
	assert_int_equal(patrol_point_save(c->db, &manager, 0, &in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "items");
	db_rollback(c->db);
}

static void
test_labels(void **state)
{
	struct ctx *c = *state;
	struct patrol_label *l = NULL;
	struct anju_err e;
	struct buf pdf;
	char prefix[40];
	char *old, *fresh;
	int64_t pid;
	int n = 0, gen;

	ok(c->db, labels(c, 0, &l, &n));
	assert_int_equal(n, 3);
	snprintf(prefix, sizeof(prefix), "anju:p:%lld:", (long long)c->point_a);
	assert_int_equal(strncmp(l[0].qr, prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(l[0].qr), strlen(prefix) + PATROL_TOKEN_LEN);
	assert_int_equal(l[0].gen, 1);
	/* The sheet: a PDF. */
	buf_init(&pdf, 0);
	ok(c->db, patrol_labels_pdf("南苑公租房", l, n, "2026-05-01", &pdf, &e));
	assert_true(pdf.n > 1000);
	assert_memory_equal(pdf.p, "%PDF-", 5);
	buf_free(&pdf);
	old = xstrdup(l[0].qr);
	free(l);
	/* Only the MAC is stored, never the token. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM patrol_point WHERE"
					  " LENGTH(token_mac) = 64"),
			 3);
	ok(c->db, patrol_label_point(c->db, old, &pid, &gen, &e));
	assert_int_equal(pid, c->point_a);
	ok(c->db, patrol_label_point(c->db, old + strlen(prefix), &pid, &gen, &e));
	assert_int_equal(pid, c->point_a);
	/* A token with the wrong point id in front. */
	{
		char forged[128];

		snprintf(forged, sizeof(forged), "anju:p:%lld:%s", (long long)c->point_b,
			 old + strlen(prefix));
		assert_int_equal(patrol_label_point(c->db, forged, &pid, &gen, &e),
				 ANJU_EFORBIDDEN);
	}
	/* Reprinting one point voids its old label. */
	fresh = qr_of(c, c->point_a);
	assert_string_not_equal(fresh, old);
	assert_int_equal(patrol_label_point(c->db, old, &pid, &gen, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "label_invalid");
	ok(c->db, patrol_label_point(c->db, fresh, &pid, &gen, &e));
	assert_int_equal(gen, 2);
	assert_int_equal(patrol_label_point(c->db, "anju:p:1:AAAA", &pid, &gen, &e),
			 ANJU_EFORBIDDEN);
	free(old);
	free(fresh);
	/* Printing is audited, without the token. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE action ="
					  " 'patrol.labels_print'"),
			 2);
}

static void
test_plans(void **state)
{
	struct ctx *c = *state;
	int64_t route[] = { c->point_a, c->point_b };
	int64_t foreign[] = { c->point_a, 999999 };
	struct anju_err e;
	json_t *p = NULL;
	int rc;

	plan(c, "weekly", 0, 0, 0, route, 2, &rc);
	assert_int_equal(rc, ANJU_EINVAL);
	plan(c, "quarterly", 0, 5, 4, route, 2, &rc);
	assert_int_equal(rc, ANJU_EINVAL);
	plan(c, "daily", 0, 0, 0, foreign, 2, &rc);
	assert_int_equal(rc, ANJU_ENOTFOUND);
	/* An inspector without the community in scope. */
	assert_int_equal(run_int(c->db,
				 "DELETE FROM scope_grant WHERE principal = 'account:' ||"
				 " CAST(? AS TEXT)",
				 c->inspector2),
			 DB_DONE);
	plan(c, "daily", 0, 0, 0, route, 2, &rc);
	assert_int_equal(rc, ANJU_EUNPROCESSABLE);
	grant(c->db, c->inspector2, c->community);
	c->plan = plan(c, "daily", 0, 0, 0, route, 2, NULL);
	ok(c->db, patrol_plan_get(c->db, &bureau, c->plan, &p, &e));
	assert_int_equal(json_array_size(json_object_get(p, "points")), 2);
	assert_int_equal(json_array_size(json_object_get(p, "inspectors")), 2);
	assert_true(json_is_null(json_object_get(p, "weekday")));
	json_decref(p);
	assert_int_equal(patrol_plan_get(c->db, &stranger, c->plan, &p, &e), ANJU_ENOTFOUND);
}

static void
test_generate_by_frequency(void **state)
{
	struct ctx *c = *state;
	int64_t route[] = { c->point_a, c->point_b };
	char d[DATE_FMT_LEN];
	struct date t = date_today_shanghai(), last;
	int64_t daily, weekly, other_weekday, monthly, quarterly, made = 0, missed = 0;
	int wd = date_weekday(t);

	daily = plan(c, "daily", 0, 0, 0, route, 2, NULL);
	weekly = plan(c, "weekly", wd, 0, 0, route, 2, NULL);
	other_weekday = plan(c, "weekly", wd % 7 + 1, 0, 0, route, 2, NULL);
	/* Day 31 falls on the month's last day when the month is shorter. */
	last = period_last_day(period_of(t));
	monthly = plan(c, "monthly", 0, 31, 0, route, 2, NULL);
	quarterly = plan(c, "quarterly", 0, 31, (last.m - 1) % 3 + 1, route, 2, NULL);
	date_format(last, d);
	generate(c, d, &made, &missed);
	assert_true(round_of(c, daily, d) > 0);
	assert_true(round_of(c, monthly, d) > 0);
	assert_true(round_of(c, quarterly, d) > 0);
	assert_int_equal(made, 3 + (date_weekday(last) == wd) + (date_weekday(last) == wd % 7 + 1));
	/* A re-run makes nothing. */
	generate(c, d, &made, &missed);
	assert_int_equal(made, 0);
	/* Today: the daily and the weekly plan of today's weekday. */
	day(d, 0);
	generate(c, d, &made, &missed);
	assert_true(round_of(c, weekly, d) > 0);
	assert_int_equal(round_of(c, other_weekday, d), 0);
	/* A round copies the route and the items: 2 + 1 of them. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM patrol_round_item ri JOIN patrol_round_point"
				 " rp ON rp.id = ri.round_point_id WHERE rp.round_id = ?",
				 round_of(c, daily, d)),
			 3);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM patrol_round_inspector WHERE round_id = ?",
				 round_of(c, daily, d)),
			 2);
	/* A plan changed later does not change the round. */
	assert_int_equal(run_int(c->db, "DELETE FROM patrol_plan_point WHERE plan_id = ?", daily),
			 DB_DONE);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM patrol_round_point WHERE round_id = ?",
				 round_of(c, daily, d)),
			 2);
}

static void
test_round_walk(void **state)
{
	struct ctx *c = *state;
	int64_t route[] = { c->point_a, c->point_b };
	char today[DATE_FMT_LEN], tomorrow[DATE_FMT_LEN], yesterday[DATE_FMT_LEN];
	struct anju_err e;
	json_t *r = NULL, *list = NULL;
	struct patrol_round_filter f = { 0 };
	char *qa, *qb, *qc;
	int64_t round, made = 0, missed = 0, next = 0, old_round;

	day(today, 0);
	day(tomorrow, 1);
	day(yesterday, -1);
	c->plan = plan(c, "daily", 0, 0, 0, route, 2, NULL);
	qa = qr_of(c, c->point_a);
	qb = qr_of(c, c->point_b);
	qc = qr_of(c, c->point_c);
	generate(c, yesterday, &made, &missed);
	old_round = round_of(c, c->plan, yesterday);
	generate(c, today, &made, &missed);
	assert_int_equal(made, 1);
	assert_int_equal(missed, 1); /* yesterday's, never walked */
	assert_string_equal(round_state(c, old_round), "missed");
	round = round_of(c, c->plan, today);
	assert_string_equal(round_state(c, round), "assigned");
	/* The inspector's rounds for today. */
	f.due_on = today;
	f.mine = true;
	f.limit = 50;
	ok(c->db, patrol_round_list(c->db, &c->insp, &f, &list, &next, &e));
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	ok(c->db, patrol_round_list(c->db, &manager, &f, &list, &next, &e));
	assert_int_equal(json_array_size(list), 0); /* not assigned to the manager */
	json_decref(list);
	/* Results before the check-in; a missed round; a stranger. */
	assert_int_equal(result(c, &c->insp, round, c->point_a, c->items[0], "fine", &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "not_checked_in");
	assert_int_equal(visit(c, &c->insp, old_round, qa, 0, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "round_state");
	assert_int_equal(visit(c, &stranger, round, qa, 0, &e), ANJU_ENOTFOUND);
	{
		struct caller staff = { CALLER_ACCOUNT, 77,  ROLE_OPERATOR_STAFF, "s",
					"account:77",   true };

		assert_int_equal(visit(c, &staff, round, qa, 0, &e), ANJU_EFORBIDDEN);
		assert_string_equal(e.key, "not_round_inspector");
	}
	/* Wrong labels: garbage, another point's (not on the route), another
	 * point's for the point named. */
	assert_int_equal(visit(c, &c->insp, round,
			       "anju:p:1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFG", 0, &e),
			 ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "label_invalid");
	assert_int_equal(visit(c, &c->insp, round, qc, 0, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "label_other_point");
	assert_int_equal(visit(c, &c->insp, round, qb, c->point_a, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "label_other_point");
	assert_string_equal(round_state(c, round), "assigned");
	/* The first point. */
	ok(c->db, visit(c, &c->insp, round, qa, c->point_a, &e));
	assert_string_equal(round_state(c, round), "in_progress");
	ok(c->db, visit(c, &c->insp, round, qa, 0, &e)); /* again: the first visit stays */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE action ="
					  " 'patrol.visit'"),
			 1);
	/* Items: saved as entered, a resend is the same row. */
	ok(c->db, result(c, &c->insp, round, c->point_a, c->items[0], "not_fine", &e));
	ok(c->db, result(c, &c->insp, round, c->point_a, c->items[0], "not_fine", &e));
	ok(c->db, result(c, &c->insp2, round, c->point_a, c->items[1], "fine", &e));
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM patrol_result WHERE round_id = ?", round), 2);
	assert_int_equal(query_int(c->db,
				   "SELECT COUNT(*) FROM patrol_result WHERE"
				   " outcome = 'not_fine' AND finding_action = 'work_order'"),
			 1);
	assert_int_equal(result(c, &c->insp, round, c->point_a, c->items[2], "fine", &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(result(c, &c->insp, round, c->point_a, c->items[0], "maybe", &e),
			 ANJU_EINVAL);
	/* The second point (the manager may check in too), then done. */
	ok(c->db, visit(c, &manager, round, qb, 0, &e));
	assert_string_equal(round_state(c, round), "in_progress");
	ok(c->db, result(c, &c->insp, round, c->point_b, c->items[2], "not_fine", &e));
	assert_string_equal(round_state(c, round), "done");
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM patrol_result WHERE"
					  " finding_action = 'violation'"),
			 1);
	assert_int_equal(visit(c, &c->insp, round, qb, 0, &e), ANJU_ECONFLICT);
	/* The findings opened one work order (消防通道堵塞, urgent) and one
	 * suspected case (疑似转租转借) in their transactions, each once
	 * however often the result was sent, and keep them on the results. */
	assert_int_equal(query_int(c->db,
				   "SELECT COUNT(*) FROM work_order WHERE source = 'patrol'"
				   " AND source_type = 'patrol_result' AND category = 'other'"
				   " AND urgency = 'urgent' AND state = 'reported'"),
			 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM violation_case WHERE source ="
					  " 'patrol' AND type = 'sublet' AND state = 'suspected'"
					  " AND unit_id IS NOT NULL"),
			 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM patrol_result x JOIN work_order w"
					  " ON w.id = x.work_order_id AND w.source_id = x.id"),
			 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM patrol_result x JOIN"
					  " violation_case v ON v.id = x.violation_id"
					  " AND v.source_id = x.id"),
			 1);
	/* The detail in route order with the findings. */
	ok(c->db, patrol_round_get(c->db, &bureau, round, &r, &e));
	assert_int_equal(json_integer_value(json_object_get(r, "findings")), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(r, "points"), 0), "point_id")),
			 c->point_a);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r, "points"), 0), "lat")),
			    "31.2304");
	json_decref(r);
	ok(c->db, patrol_finding_list(c->db, &bureau, c->community, 50, 0, &list, &next, &e));
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	{
		int64_t com = 0, rid = tm_qint(c->db,
					       "SELECT MIN(id) FROM patrol_result WHERE"
					       " round_id = ?",
					       round);

		ok(c->db, patrol_result_community(c->db, &c->insp, rid, &com, &e));
		assert_int_equal(com, c->community);
		assert_int_equal(patrol_result_community(c->db, &stranger, rid, &com, &e),
				 ANJU_ENOTFOUND);
	}
	/* Tomorrow's round cannot be walked today. */
	generate(c, tomorrow, &made, &missed);
	assert_int_equal(visit(c, &c->insp, round_of(c, c->plan, tomorrow), qa, 0, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "round_not_today");
	free(qa);
	free(qb);
	free(qc);
}

/* 违规装修 at a unit opens a damage case, unless the unit has a renovation
 * request approved for the day (art. 26): then the finding opens none. */
static void
test_renovation_finding(void **state)
{
	struct ctx *c = *state;
	int64_t reno = item_named(c->db, "违规装修");
	int64_t pt = point(c, "1-1-101 室内", "unit", &reno, 1);
	char today[DATE_FMT_LEN], from[DATE_FMT_LEN], to[DATE_FMT_LEN];
	struct db_stmt *st;
	int64_t made = 0, missed = 0, first, second, round;
	struct anju_err e;
	char *q;

	day(today, 0);
	day(from, -1);
	day(to, 1);
	first = plan(c, "daily", 0, 0, 0, &pt, 1, NULL);
	q = qr_of(c, pt);
	generate(c, today, &made, &missed);
	round = round_of(c, first, today);
	ok(c->db, visit(c, &c->insp, round, q, 0, &e));
	ok(c->db, result(c, &c->insp, round, pt, reno, "not_fine", &e));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM violation_case WHERE type ="
					  " 'damage' AND source = 'patrol'"),
			 1);
	/* The tenant's request approved for these days: the next round's same
	 * finding opens no second case. */
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO renovation_request (unit_id, community_id, household_id,"
			     " description, planned_from, planned_to, state, requested_at,"
			     " requested_by, requested_by_name, decided_at, decided_by,"
			     " decided_by_name, updated_at) VALUES (?, ?, ?, '更换地板', ?, ?,"
			     " 'approved', '2026-01-10T02:00:00.000000Z', 'account:4', '专员',"
			     " '2026-01-12T02:00:00.000000Z', 'account:2', '住建局',"
			     " '2026-01-12T02:00:00.000000Z')",
			     &st));
	db_bind_int64(st, 1, c->unit);
	db_bind_int64(st, 2, c->community);
	db_bind_int64(st, 3, tm_household(c->db, c->community));
	db_bind_cstr(st, 4, from);
	db_bind_cstr(st, 5, to);
	assert_int_equal(step_to_end(st), DB_DONE);
	second = plan(c, "daily", 0, 0, 0, &pt, 1, NULL);
	generate(c, today, &made, &missed);
	round = round_of(c, second, today);
	ok(c->db, visit(c, &c->insp, round, q, 0, &e));
	ok(c->db, result(c, &c->insp, round, pt, reno, "not_fine", &e));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM violation_case WHERE type ="
					  " 'damage' AND source = 'patrol'"),
			 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM patrol_result WHERE round_id = ? AND"
				 " outcome = 'not_fine' AND violation_id IS NULL",
				 round),
			 1);
	free(q);
}

/* The schedule "patrol_rounds" is due every day at 00:20 and starts the job
 * of that name, which makes today's rounds; its result counts them. */
static void
test_schedule_job(void **state)
{
	struct ctx *c = *state;
	int64_t route[] = { c->point_a };
	struct seen seen = { 0 };
	struct anju_err e;
	const struct schedule *sch = NULL;
	char today[DATE_FMT_LEN];
	int64_t job = 0, claimed = 0;
	int started = 0;
	json_t *j = NULL;

	for (const struct schedule *x = schedules; x->name != NULL; x++)
		if (strcmp(x->name, "patrol_rounds") == 0)
			sch = x;
	assert_non_null(sch);
	assert_string_equal(sch->job_kind, "patrol_rounds");
	c->plan = plan(c, "daily", 0, 0, 0, route, 1, NULL);
	{
		const struct schedule only[] = { *sch, { NULL } };

		ok(c->db, schedule_tick(c->db, only, time_now_us(), &started, &e));
		assert_int_equal(started, 1);
		ok(c->db, schedule_tick(c->db, only, time_now_us(), &started, &e));
		assert_int_equal(started, 0);
	}
	job = query_int(c->db, "SELECT MAX(id) FROM job WHERE kind = 'patrol_rounds'");
	assert_int_equal(job_claim(c->db, "test", job, &claimed, &e), 1);
	ok(c->db, job_run(c->db, job, "test", NULL, on_progress, &seen, &e));
	ok(c->db, job_get(c->db, job, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "state")), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "made")),
			 1);
	json_decref(j);
	day(today, 0);
	assert_true(round_of(c, c->plan, today) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_points_and_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generate_by_frequency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renovation_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_job, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
