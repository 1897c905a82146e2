/*
 * Unit tests of the bureau's reports on the housing's use
 * (upkeep/report.h) on a real database, both engines.  Two communities;
 * units moved through the housing module's own operations (repair,
 * disabling, acceptance, allocation), so the audit trail holds what
 * production writes; a household changed through the household module
 * (a member in and out, a new head, a new phone); a move-out and an
 * eviction's move-out recorded as the tenancy module keeps them.  Checked:
 * the vacant units' order, days, reasons, counts and pages; the vacated
 * units with their cause; each change with its before and after; masking;
 * the caller's scope and bad queries; the workbooks.
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

#include "access/person.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "household/household.h"
#include "housing/housing.h"
#include "store/migrate.h"
#include "upkeep/report.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t ca, cb;                 /* communities 南苑, 肖桥 */
	int64_t old, rep, dis, acc, ub; /* units */
	int64_t occ;                    /* an occupied unit */
	int64_t hh, spouse, child;      /* a household of 南苑 and two members */
	int64_t moved, evicted;         /* move-out handovers */
};

static const struct audit_actor who = { "account:1", "管理员甲", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau", "account:1", true };
static struct caller mgr_a = {
	CALLER_ACCOUNT, 5, ROLE_OPERATOR_MANAGER, "mgr", "account:5", false
};
static char TODAY[DATE_FMT_LEN];

static int
group_setup(void **state)
{
	(void)state;
	date_format(date_today_shanghai(), TODAY);
	return testkeys_setup("upkeeprep", true);
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
	if (db_step(st) != DB_ROW)
		fail_msg("%s: %s", sql, db_errmsg(db));
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* A unit in status, since the instant since. */
static int64_t
unit_at(struct db *db, int64_t community, int64_t building, const char *number, const char *status,
	const char *since)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(db,
		      "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		      " layout, floor_area, usable_area, status, status_since, created_at,"
		      " updated_at) VALUES (?, ?, 1, 2, ?, '一室一厅', 5012, 4200, ?, ?, " TM_TIME
		      ", " TM_TIME ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, building);
	db_bind_cstr(st, 3, number);
	db_bind_cstr(st, 4, status);
	db_bind_cstr(st, 5, since);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
building_of(struct db *db, int64_t community)
{
	return ins(db,
		   "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		   " VALUES (?, '1', 6, 1, " TM_TIME ") RETURNING id",
		   &community, 1, NULL);
}

/* A lease chain and lease of household hh on unit, and its move-out
 * handover done on done_on; the handover's id. */
static int64_t
moved_out(struct db *db, int64_t hh, int64_t unit, int64_t community, const char *done_on,
	  const char *end_reason)
{
	int64_t v[] = { hh, unit, community };
	int64_t chain =
		ins(db,
		    "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		    " started_on, created_at) VALUES (?, ?, ?, 'ended', '2020-01-01', " TM_TIME
		    ") RETURNING id",
		    v, 3, NULL);
	int64_t w[] = { chain, hh, unit, community, hh };
	int64_t lease, h;
	char token[40];
	struct db_stmt *st;

	snprintf(token, sizeof(token), "%032lld", (long long)chain);
	lease = ins(db,
		    "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id,"
		    " tenant_person_id, community_name, unit_number, state, starts_on, ends_on,"
		    " monthly_rent_fen, deposit_fen, contract_template, created_by, created_at,"
		    " updated_at, verify_token) VALUES (?, 1, 'new', ?, ?, ?,"
		    " COALESCE((SELECT MIN(person_id) FROM member WHERE household_id = ?),"
		    " (SELECT MIN(id) FROM person)), '小区', '1-1-201',"
		    " 'ended', '2020-01-01', '2030-12-31', 50000, 0, 'v1', 'system', " TM_TIME
		    ", " TM_TIME ", ?) RETURNING id",
		    w, 5, token);
	ok(db, db_prepare(db, "UPDATE lease SET end_reason = ?, ended_on = ? WHERE id = ?", &st));
	db_bind_cstr(st, 1, end_reason);
	db_bind_cstr(st, 2, done_on);
	db_bind_int64(st, 3, lease);
	assert_int_equal(step_to_end(st), 0);
	ok(db, db_prepare(db,
			  "INSERT INTO handover (lease_id, chain_id, household_id, unit_id,"
			  " community_id, kind, state, done_on, done_by, created_by, created_at,"
			  " updated_at) VALUES (?, ?, ?, ?, ?, 'move_out', 'done', ?, 'account:1',"
			  " 'account:1', " TM_TIME ", " TM_TIME ") RETURNING id",
			  &st));
	db_bind_int64(st, 1, lease);
	db_bind_int64(st, 2, chain);
	db_bind_int64(st, 3, hh);
	db_bind_int64(st, 4, unit);
	db_bind_int64(st, 5, community);
	db_bind_cstr(st, 6, done_on);
	assert_int_equal(db_step(st), DB_ROW);
	h = db_col_int64(st, 0);
	db_reset(st);
	return h;
}

static void
tx(struct ctx *c, int rc, const struct anju_err *e)
{
	if (rc != 0)
		fail_msg("%d %s %s %s", rc, e->key, e->field, e->msg);
	ok(c->db, db_commit(c->db));
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct member_in sp = { { "李芳", "110101199003077774", NULL }, "spouse" };
	struct member_in ch = { { "王小明", "110101201503070018", NULL }, "child" };
	struct acceptance_item_in item = { "客厅", "墙面", 0, "good", NULL };
	struct anju_err e;
	int64_t ba, bb, check, head, hh2, h2;
	char yesterday[DATE_FMT_LEN];

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	date_format(date_add_days(date_today_shanghai(), -1), yesterday);
	c->ca = tm_community(c->db, "南苑公租房");
	c->cb = tm_community(c->db, "肖桥公租房");
	ba = building_of(c->db, c->ca);
	bb = building_of(c->db, c->cb);
	/* Vacant since 2025-06-01 08:00 in Shanghai, with no change recorded. */
	c->old = unit_at(c->db, c->ca, ba, "1-1-201", "vacant", "2025-06-01T00:00:00.000000Z");
	c->rep = unit_at(c->db, c->ca, ba, "1-1-202", "vacant", "2025-07-01T00:00:00.000000Z");
	c->acc = unit_at(c->db, c->ca, ba, "1-1-203", "pending_acceptance",
			 "2025-01-01T00:00:00.000000Z");
	c->occ = unit_at(c->db, c->ca, ba, "1-1-204", "occupied", "2025-01-01T00:00:00.000000Z");
	c->dis = unit_at(c->db, c->cb, bb, "2-1-301", "vacant", "2025-08-01T00:00:00.000000Z");
	c->ub = unit_at(c->db, c->cb, bb, "2-1-302", "vacant", "2025-09-01T00:00:00.000000Z");
	ok(c->db,
	   run_int(c->db,
		   "INSERT INTO scope_grant (principal, community_id) VALUES ('account:5', ?)",
		   c->ca));

	/* The changes, through the housing module. */
	ok(c->db, db_begin(c->db));
	tx(c, unit_repair(c->db, c->rep, "卫生间漏水", &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, unit_repair_done(c->db, c->rep, "防水已重做", &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, unit_disable(c->db, c->dis, "结构检测", &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, acceptance_open(c->db, c->acc, &item, 1, NULL, &who, &check, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, acceptance_sign(c->db, check, &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, acceptance_confirm(c->db, check, &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c,
	   unit_transition(c->db, c->ub, UNIT_VACANT, UNIT_ALLOCATED, "配租通知已接受", &who, &e),
	   &e);
	ok(c->db, db_begin(c->db));
	tx(c,
	   unit_transition(c->db, c->ub, UNIT_ALLOCATED, UNIT_VACANT, "承租人放弃入住", &who, &e),
	   &e);

	/* A household of 南苑 with its head, then changed through the
	 * household module. */
	c->hh = tm_household(c->db, c->ca);
	head = tm_insert_id(
		c->db, "INSERT INTO person (name, created_at) VALUES (?, " TM_TIME ") RETURNING id",
		"王伟");
	ins(c->db,
	    "INSERT INTO member (household_id, person_id, relationship, joined_at)"
	    " VALUES (?, ?, 'head', '2025-01-01T00:00:00.000000Z') RETURNING id",
	    (int64_t[]){ c->hh, head }, 2, NULL);
	ok(c->db, db_begin(c->db));
	tx(c, member_add(c->db, c->hh, &sp, &who, &c->spouse, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, member_add(c->db, c->hh, &ch, &who, &c->child, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c, household_set_head(c->db, c->hh, c->spouse, "spouse", &who, &e), &e);
	ok(c->db, db_begin(c->db));
	tx(c,
	   person_update(c->db,
			 tm_qint(c->db, "SELECT person_id FROM member WHERE id = ?", c->spouse),
			 NULL, "13812345678", &who, &e),
	   &e);
	ok(c->db, db_begin(c->db));
	tx(c, member_leave(c->db, c->hh, c->child, &who, &e), &e);

	/* Two move-outs in 南苑 yesterday, one after an eviction; one in
	 * 肖桥 two years ago. */
	c->moved = moved_out(c->db, c->hh, c->old, c->ca, yesterday, "退房交接");
	hh2 = tm_household(c->db, c->ca);
	c->evicted = moved_out(c->db, hh2, c->occ, c->ca, yesterday, "清退");
	ins(c->db,
	    "INSERT INTO eviction (chain_id, lease_id, household_id, unit_id, community_id,"
	    " basis, basis_id, reason, state, decided_at, decided_on, decided_by, handover_id,"
	    " created_at, updated_at) SELECT chain_id, lease_id, household_id, unit_id,"
	    " community_id, 'arrears', 1, '累计欠缴6个月', 'closed', " TM_TIME ", '2026-01-01',"
	    " 'account:1', id, " TM_TIME ", " TM_TIME " FROM handover WHERE id = ? RETURNING id",
	    &c->evicted, 1, NULL);
	h2 = tm_household(c->db, c->cb);
	moved_out(c->db, h2, c->ub, c->cb, "2024-03-01", "退房交接");
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

static json_t *
build(struct ctx *c, const struct caller *by, enum upkeep_report_kind k,
      const struct upkeep_report_query *q)
{
	struct anju_err e;
	json_t *out = NULL;
	int rc = upkeep_report_build(c->db, by, k, q, &out, &e);

	if (rc != 0)
		fail_msg("report %s: %d %s %s %s", upkeep_report_name(k), rc, e.key, e.field,
			 e.msg);
	return out;
}

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t
iget(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* The item of items whose key is id, or NULL. */
static json_t *
find(json_t *items, const char *key, int64_t id)
{
	size_t i;
	json_t *o;

	json_array_foreach (items, i, o)
		if (iget(o, key) == id)
			return o;
	return NULL;
}

static void
test_vacant(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .limit = 50 };
	json_t *r = build(c, &bureau, UPKEEP_REPORT_VACANT, &q), *items, *it, *bc;
	int64_t want[4];
	char cursor[48];
	size_t n = 0;

	/* Vacant now: old, rep (repaired), acc (accepted), ub (given back);
	 * dis is disabled, occ occupied. */
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 4);
	assert_int_equal(iget(r, "total"), 4);
	bc = json_object_get(r, "by_community");
	assert_int_equal(json_array_size(bc), 2);
	assert_int_equal(iget(json_array_get(bc, 0), "vacant"), 2 + 1);
	assert_int_equal(iget(json_array_get(bc, 1), "vacant"), 1);
	assert_true(json_is_null(json_object_get(r, "next")));
	/* Longest vacant first: old has been vacant since 2025-06-01. */
	it = json_array_get(items, 0);
	assert_int_equal(iget(it, "unit_id"), c->old);
	assert_string_equal(sget(it, "vacant_on"), "2025-06-01");
	{
		struct date d0 = { 2025, 6, 1 };

		assert_int_equal(iget(it, "days_vacant"),
				 date_to_days(date_today_shanghai()) - date_to_days(d0));
	}
	assert_true(json_is_null(json_object_get(it, "reason")));
	assert_int_equal(iget(it, "floor_area"), 5012);
	/* The others became vacant now, in the order they did. */
	assert_int_equal(iget(json_array_get(items, 1), "unit_id"), c->rep);
	assert_int_equal(iget(json_array_get(items, 2), "unit_id"), c->acc);
	assert_int_equal(iget(json_array_get(items, 3), "unit_id"), c->ub);
	it = json_array_get(items, 1);
	assert_string_equal(sget(it, "reason"), "防水已重做");
	assert_string_equal(sget(it, "from_status"), "under_repair");
	assert_string_equal(sget(it, "from_status_title"), "维修中");
	assert_int_equal(iget(it, "days_vacant"), 0);
	assert_string_equal(sget(json_array_get(items, 2), "reason"), "分户核验已确认");
	assert_string_equal(sget(json_array_get(items, 3), "reason"), "承租人放弃入住");
	for (int i = 0; i < 4; i++)
		want[i] = iget(json_array_get(items, (size_t)i), "unit_id");
	json_decref(r);

	/* The same four, a page at a time. */
	q.limit = 1;
	cursor[0] = '\0';
	do {
		snprintf(q.cursor, sizeof(q.cursor), "%s", cursor);
		r = build(c, &bureau, UPKEEP_REPORT_VACANT, &q);
		items = json_object_get(r, "items");
		assert_int_equal(json_array_size(items), 1);
		assert_true(n < 4);
		assert_int_equal(iget(json_array_get(items, 0), "unit_id"), want[n++]);
		snprintf(cursor, sizeof(cursor), "%s",
			 json_is_string(json_object_get(r, "next")) ? sget(r, "next") : "");
		json_decref(r);
	} while (cursor[0]);
	assert_int_equal(n, 4);

	/* One community; the manager's scope. */
	q = (struct upkeep_report_query){ .community_id = c->cb, .limit = 50 };
	r = build(c, &bureau, UPKEEP_REPORT_VACANT, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(iget(r, "total"), 1);
	assert_int_equal(iget(r, "community_id"), c->cb);
	json_decref(r);
	q.community_id = 0;
	r = build(c, &mgr_a, UPKEEP_REPORT_VACANT, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 3);
	assert_int_equal(iget(r, "total"), 3);
	assert_null(find(json_object_get(r, "items"), "unit_id", c->ub));
	json_decref(r);
}

static void
test_vacated(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .limit = 50 };
	json_t *r, *items, *it;
	char from[DATE_FMT_LEN];

	date_format(date_add_days(date_today_shanghai(), -30), from);
	snprintf(q.from, sizeof(q.from), "%s", from);
	r = build(c, &bureau, UPKEEP_REPORT_VACATED, &q);
	items = json_object_get(r, "items");
	/* The 2024 move-out is outside the period. */
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(sget(r, "to"), TODAY);
	it = find(items, "handover_id", c->moved);
	assert_non_null(it);
	assert_string_equal(sget(it, "cause"), "move_out");
	assert_string_equal(sget(it, "reason"), "退房交接");
	assert_string_equal(sget(it, "head_name"), "李*"); /* the head now, masked */
	assert_int_equal(iget(it, "unit_id"), c->old);
	assert_int_equal(iget(it, "household_id"), c->hh);
	assert_int_equal(iget(it, "days_vacant"), 1); /* vacant still, since yesterday */
	it = find(items, "handover_id", c->evicted);
	assert_non_null(it);
	assert_string_equal(sget(it, "cause"), "eviction");
	assert_string_equal(sget(it, "reason"), "清退（欠缴租金）：累计欠缴6个月");
	assert_true(json_is_integer(json_object_get(it, "eviction_id")));
	assert_true(json_is_null(json_object_get(it, "days_vacant"))); /* occupied again */
	/* Newest first, a page at a time. */
	json_decref(r);
	q.limit = 1;
	r = build(c, &bureau, UPKEEP_REPORT_VACATED, &q);
	assert_int_equal(iget(json_array_get(json_object_get(r, "items"), 0), "handover_id"),
			 c->evicted);
	snprintf(q.cursor, sizeof(q.cursor), "%s", sget(r, "next"));
	json_decref(r);
	r = build(c, &bureau, UPKEEP_REPORT_VACATED, &q);
	assert_int_equal(iget(json_array_get(json_object_get(r, "items"), 0), "handover_id"),
			 c->moved);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);
	/* 肖桥's in 2024, and not for the manager of 南苑. */
	q = (struct upkeep_report_query){ .limit = 50, .from = "2024-01-01", .to = "2024-12-31" };
	r = build(c, &bureau, UPKEEP_REPORT_VACATED, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	r = build(c, &mgr_a, UPKEEP_REPORT_VACATED, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
}

static void
test_unit_changes(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .limit = 50 };
	json_t *r = build(c, &bureau, UPKEEP_REPORT_UNIT, &q), *items, *it;
	size_t i, repairs = 0, acceptance = 0;
	int64_t last = INT64_MAX;

	items = json_object_get(r, "items");
	/* repair, repair done, disable, acceptance confirm and its unit.status,
	 * two transitions. */
	assert_int_equal(json_array_size(items), 7);
	json_array_foreach (items, i, it) {
		assert_true(iget(it, "id") < last); /* newest first */
		last = iget(it, "id");
		assert_string_equal(sget(it, "actor_name"), "管理员甲");
		if (strcmp(sget(it, "kind"), "repair") == 0) {
			repairs++;
			assert_int_equal(iget(it, "unit_id"), c->rep);
			assert_string_equal(sget(it, "before"), "空置");
			assert_string_equal(sget(it, "after"), "维修中");
			assert_string_equal(sget(it, "note"), "卫生间漏水");
		}
		if (strcmp(sget(it, "kind"), "acceptance") == 0) {
			acceptance++;
			assert_int_equal(iget(it, "unit_id"), c->acc);
			assert_string_equal(sget(it, "after"), "核验通过（已确认）");
		}
		if (strcmp(sget(it, "kind"), "disable") == 0) {
			assert_int_equal(iget(it, "unit_id"), c->dis);
			assert_string_equal(sget(it, "community_name"), "肖桥公租房");
		}
	}
	assert_int_equal(repairs, 1);
	assert_int_equal(acceptance, 1);
	assert_non_null(find(items, "unit_id", c->ub));
	json_decref(r);

	/* The manager sees 南苑's four. */
	r = build(c, &mgr_a, UPKEEP_REPORT_UNIT, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 4);
	json_decref(r);
	/* A period before any of it. */
	snprintf(q.from, sizeof(q.from), "2025-01-01");
	snprintf(q.to, sizeof(q.to), "2025-12-31");
	r = build(c, &bureau, UPKEEP_REPORT_UNIT, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
}

static void
test_household_changes(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .limit = 50 };
	json_t *r = build(c, &bureau, UPKEEP_REPORT_HOUSEHOLD, &q), *items, *it;
	char *dump;

	items = json_object_get(r, "items");
	/* spouse in, child in, new head, phone, child out (newest first). */
	assert_int_equal(json_array_size(items), 5);
	it = json_array_get(items, 0);
	assert_string_equal(sget(it, "kind"), "member_out");
	assert_string_equal(sget(it, "person_name"), "王**");
	assert_string_equal(sget(it, "before"), "王**（子女）");
	it = json_array_get(items, 1);
	assert_string_equal(sget(it, "kind"), "contact_change");
	assert_int_equal(iget(it, "household_id"), c->hh);
	assert_string_equal(sget(it, "after"), "电话 138****5678");
	it = json_array_get(items, 2);
	assert_string_equal(sget(it, "kind"), "head_change");
	assert_string_equal(sget(it, "before"), "户主 王*");
	assert_string_equal(sget(it, "after"), "户主 李*");
	it = json_array_get(items, 4);
	assert_string_equal(sget(it, "kind"), "member_in");
	assert_string_equal(sget(it, "after"), "李*（配偶） 110***********7774");
	/* Nothing unmasked anywhere. */
	dump = json_dumps(r, 0);
	assert_null(strstr(dump, "13812345678"));
	assert_null(strstr(dump, "李芳"));
	assert_null(strstr(dump, "110101199003077774"));
	free(dump);
	json_decref(r);
	/* 肖桥 has none; the manager may not ask for it. */
	q.community_id = c->cb;
	r = build(c, &bureau, UPKEEP_REPORT_HOUSEHOLD, &q);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
}

static void
test_bad_queries(void **state)
{
	struct ctx *c = *state;
	struct upkeep_report_query q = { .limit = 50, .community_id = 0 };
	struct anju_err e;
	json_t *r = NULL;

	q.community_id = c->cb;
	assert_int_equal(upkeep_report_build(c->db, &mgr_a, UPKEEP_REPORT_VACANT, &q, &r, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(upkeep_report_build(c->db, &mgr_a, UPKEEP_REPORT_UNIT, &q, &r, &e),
			 ANJU_ENOTFOUND);
	q.community_id = 0;
	snprintf(q.cursor, sizeof(q.cursor), "nonsense");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_VACANT, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "cursor");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_UNIT, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "cursor");
	q.cursor[0] = '\0';
	snprintf(q.from, sizeof(q.from), "2026-05-02");
	snprintf(q.to, sizeof(q.to), "2026-05-01");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_VACATED, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "to");
	snprintf(q.from, sizeof(q.from), "2024-01-01");
	snprintf(q.to, sizeof(q.to), "2025-01-01");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_HOUSEHOLD, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "period_too_long");
	snprintf(q.from, sizeof(q.from), "2024-02-30");
	assert_int_equal(upkeep_report_build(c->db, &bureau, UPKEEP_REPORT_UNIT, &q, &r, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "from");
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
test_xlsx(void **state)
{
	struct ctx *c = *state;
	static const struct {
		enum upkeep_report_kind k;
		const char *sheet, *text;
	} want[] = {
		{ UPKEEP_REPORT_VACANT, "空置房", "1-1-201" },
		{ UPKEEP_REPORT_VACATED, "腾退房源", "清退（欠缴租金）：累计欠缴6个月" },
		{ UPKEEP_REPORT_UNIT, "房屋异动", "卫生间漏水" },
		{ UPKEEP_REPORT_HOUSEHOLD, "住户变动", "138****5678" },
	};
	/* limit 1: the workbook has every row anyway. */
	struct upkeep_report_query q = { .limit = 1 };
	struct anju_err e;

	date_format(date_add_days(date_today_shanghai(), -30), q.from);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct buf x;
		char *wb, *strings;

		buf_init(&x, 0);
		ok(c->db, upkeep_report_xlsx(c->db, &bureau, want[i].k, &q, &x, &e));
		assert_memory_equal(x.p, "PK\x03\x04", 4);
		wb = unzip(&x, "xl/workbook.xml");
		strings = unzip(&x, "xl/sharedStrings.xml");
		assert_non_null(wb);
		assert_non_null(strings);
		assert_non_null(strstr(wb, want[i].sheet));
		assert_non_null(strstr(strings, want[i].text));
		if (want[i].k == UPKEEP_REPORT_VACANT) {
			assert_non_null(strstr(strings, "2-1-302")); /* past the page */
			assert_non_null(strstr(strings, "共 4 套"));
		}
		free(wb);
		free(strings);
		buf_free(&x);
	}
	/* The manager's workbook keeps to its scope. */
	{
		struct buf x;
		char *strings;

		buf_init(&x, 0);
		ok(c->db, upkeep_report_xlsx(c->db, &mgr_a, UPKEEP_REPORT_VACANT, &q, &x, &e));
		strings = unzip(&x, "xl/sharedStrings.xml");
		assert_null(strstr(strings, "2-1-302"));
		free(strings);
		buf_free(&x);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vacant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vacated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_household_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
