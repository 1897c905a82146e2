/*
 * Unit tests of the housing stock on a real database (both engines):
 * validation (credit codes, units' facts against their building), the
 * uniqueness rules, unit statuses and every transition, the acceptance flow
 * that alone makes a unit vacant, scope (in scope found, outside it not
 * found), the grid, lists and counts, the number search, the dossier, and
 * the audit rows every change leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/idnum.h"
#include "core/jsonw.h"
#include "housing/housing.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t owner, operator, agreement;
	int64_t ca, cb;   /* two communities */
	int64_t ba, bb;   /* a building in each */
	int64_t ua1, ua2; /* units in ca */
	int64_t ub1;      /* a unit in cb */
};

static const struct audit_actor who = { "system", "test", "bureau", "::1", NULL };
/* A bureau clerk for every community, operator staff for ca only, a finance
 * clerk with no communities, and the system administrator. */
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
static struct caller staff = { CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "s", "account:2", false };
static struct caller nobody = { CALLER_ACCOUNT, 3, ROLE_FINANCE, "f", "account:3", false };
static struct caller admin = { CALLER_ACCOUNT, 4, ROLE_ADMIN, "a", "account:4", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("housing", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

/* A valid credit code: prefix17 and its check character. */
static void
code_of(const char *prefix17, char out[19])
{
	memcpy(out, prefix17, 17);
	out[17] = credit_code_check_char(prefix17);
	out[18] = '\0';
	assert_true(out[17] != 0);
}

static int64_t
add_unit(struct db *db, int64_t building, int entrance, int floor, const char *number)
{
	struct unit_in u = { building, entrance, floor, number, "一室一厅", 4500, 3600, "南" };
	struct anju_err e;
	int64_t id = 0;

	if (unit_create(db, &u, &who, &id, &e) != 0)
		fail_msg("unit_create %s: %s %s", number, e.key, e.msg);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;
	char code[19];
	int64_t ids[1];

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	ok(c->db, db_begin(c->db));
	{
		struct party_in o = { "咸宁市城市建设投资集团", "91310115591693856A", "张经理" };
		struct party_in p = { "安居物业服务有限公司", NULL, NULL };
		struct community_in ca = { "南苑公租房", "咸安区南苑路1号", "咸安区" };
		struct community_in cb = { "肖桥公租房", "咸安区肖桥路2号", "咸安区" };
		struct building_in ba = { 0, "1", 18, 2, true }, bb = { 0, "1", 6, 1, false };

		code_of("91421200731123456", code);
		p.credit_code = code;
		ok(c->db, owner_create(c->db, &o, &who, &c->owner, &e));
		ok(c->db, operator_create(c->db, &p, &who, &c->operator, & e));
		ca.owner_id = c->owner;
		ca.operator_id = c->operator;
		ok(c->db, community_create(c->db, &ca, &who, &c->ca, &e));
		ok(c->db, community_create(c->db, &cb, &who, &c->cb, &e));
		ba.community_id = c->ca;
		bb.community_id = c->cb;
		ok(c->db, building_create(c->db, &ba, &who, &c->ba, &e));
		ok(c->db, building_create(c->db, &bb, &who, &c->bb, &e));
		c->ua1 = add_unit(c->db, c->ba, 1, 15, "1-1-1501");
		c->ua2 = add_unit(c->db, c->ba, 2, 15, "1-2-1501");
		c->ub1 = add_unit(c->db, c->bb, 1, 3, "1-1-301");
		ids[0] = c->ca;
		ok(c->db, scope_set(c->db, staff.principal, ids, 1, &e));
	}
	ok(c->db, db_commit(c->db));
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

/* Audit rows of action about (type, id). */
static int64_t
audit_rows(struct db *db, const char *action, const char *type, int64_t id)
{
	struct db_stmt *st;
	char oid[24];
	int64_t n;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ok(db, db_prepare(db,
			  "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_type = ?"
			  " AND object_id = ?",
			  &st));
	db_bind_cstr(st, 1, action);
	db_bind_cstr(st, 2, type);
	db_bind_cstr(st, 3, oid);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

/* The after JSON of the newest audit row of action about a unit. */
static json_t *
last_after(struct db *db, const char *action, const char *type, int64_t id)
{
	struct db_stmt *st;
	char oid[24];
	json_t *j = NULL;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ok(db, db_prepare(db,
			  "SELECT after_json, before_json FROM audit_log WHERE action = ?"
			  " AND object_type = ? AND object_id = ? ORDER BY id DESC LIMIT 1",
			  &st));
	db_bind_cstr(st, 1, action);
	db_bind_cstr(st, 2, type);
	db_bind_cstr(st, 3, oid);
	if (db_step(st) == DB_ROW) {
		j = json_pack(
			"{s:o, s:o}", "after", json_loads(db_col_text(st, 0), 0, NULL), "before",
			db_col_null(st, 1) ? json_null() : json_loads(db_col_text(st, 1), 0, NULL));
	}
	db_reset(st);
	assert_non_null(j);
	return j;
}

static const char *
status_of(struct db *db, int64_t unit)
{
	static char s[32];
	struct anju_err e;
	json_t *u = NULL;

	ok(db, unit_get(db, &bureau, unit, &u, &e));
	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(u, "status")));
	json_decref(u);
	return s;
}

static void
test_status_names(void **state)
{
	enum unit_status s;

	(void)state;
	for (int i = 0; i < UNIT_STATUS_COUNT; i++) {
		assert_non_null(unit_status_name((enum unit_status)i));
		assert_non_null(unit_status_title((enum unit_status)i));
		assert_int_equal(unit_status_parse(unit_status_name((enum unit_status)i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(unit_status_title(UNIT_UNDER_REPAIR), "维修中");
	assert_null(unit_status_name(UNIT_STATUS_COUNT));
	assert_int_equal(unit_status_parse("leased", &s), -1);
	assert_int_equal(unit_status_parse(NULL, &s), -1);
}

static void
test_parties(void **state)
{
	struct ctx *c = *state;
	struct party_in bad = { "某公司", "91310115591693856B", NULL };
	struct party_in dup = { "另一公司", " 91310115591693856a ", NULL };
	struct party_in noname = { "", "91310115591693856A", NULL };
	struct anju_err e;
	json_t *items = NULL;
	int64_t id = 0, next = 0;

	ok(c->db, db_begin(c->db));
	/* A wrong check character is refused by the rule: 422 with the field. */
	assert_int_equal(owner_create(c->db, &bad, &who, &id, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.field, "credit_code");
	assert_string_equal(e.key, "credit_code_check_digit");
	bad.credit_code = "9131011559169385";
	assert_int_equal(operator_create(c->db, &bad, &who, &id, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "credit_code_length");
	assert_int_equal(owner_create(c->db, &noname, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "name");
	/* The same code, however written, is one owner. */
	assert_int_equal(owner_create(c->db, &dup, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "credit_code_taken");
	db_rollback(c->db);

	ok(c->db, owner_list(c->db, 0, 10, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "credit_code")),
		"91310115591693856A");
	assert_int_equal(next, 0);
	json_decref(items);
	assert_int_equal(audit_rows(c->db, "owner.create", "owner", c->owner), 1);
	assert_int_equal(audit_rows(c->db, "operator.create", "operator", c->operator), 1);
}

static void
test_agreement(void **state)
{
	struct ctx *c = *state;
	struct agreement_item_in services[] = { { "房屋巡查", "每日巡查一次", -1 },
						{ "租金收缴", "收缴率不低于95%", -1 } };
	struct agreement_item_in breaches[] = { { "巡查缺失", "每缺一次", 50000 },
						{ "投诉未处理", "超过时限", -1 } };
	struct agreement_in in = { "XNZJ-2026-001", c->operator, c->owner,
				   "2026-01-01",    "2026-12-31",
				   120000000,       "咸宁市公租房运营考核办法",
				   services,        2,
				   breaches,        2 };
	struct anju_err e;
	json_t *a = NULL, *b;
	int64_t id = 0, other = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, agreement_create(c->db, &in, &who, &id, &e));
	assert_int_equal(agreement_create(c->db, &in, &who, &other, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "agreement_code_taken");
	in.code = "XNZJ-2026-002";
	in.ends_on = "2025-12-31";
	assert_int_equal(agreement_create(c->db, &in, &who, &other, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "ends_on");
	in.ends_on = "2026-12-31";
	in.operator_id = 999;
	assert_int_equal(agreement_create(c->db, &in, &who, &other, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.field, "operator_id");
	in.operator_id = c->operator;
	services[1].name = "";
	assert_int_equal(agreement_create(c->db, &in, &who, &other, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "services[1].name");
	ok(c->db, db_commit(c->db));

	ok(c->db, agreement_get(c->db, id, &a, &e));
	assert_int_equal(json_integer_value(json_object_get(a, "annual_fee_fen")), 120000000);
	assert_string_equal(json_string_value(json_object_get(a, "owner_name")),
			    "咸宁市城市建设投资集团");
	assert_int_equal(json_array_size(json_object_get(a, "services")), 2);
	b = json_object_get(a, "breaches");
	assert_int_equal(json_array_size(b), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(b, 0), "deduction_fen")),
			 50000);
	assert_true(json_is_null(json_object_get(json_array_get(b, 1), "deduction_fen")));
	json_decref(a);
	assert_int_equal(agreement_get(c->db, id + 100, &a, &e), ANJU_ENOTFOUND);
	assert_int_equal(audit_rows(c->db, "agreement.create", "agreement", id), 1);
}

static void
test_communities_and_buildings(void **state)
{
	struct ctx *c = *state;
	struct community_in dup = { "南苑公租房" };
	struct building_in b = { 0, "1", 18, 2, true };
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	assert_int_equal(community_create(c->db, &dup, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "community_name_taken");
	dup.name = "长安花苑公租房";
	dup.owner_id = 777;
	assert_int_equal(community_create(c->db, &dup, &who, &id, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.field, "owner_id");
	b.community_id = c->ca;
	assert_int_equal(building_create(c->db, &b, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "building_name_taken");
	b.name = "2";
	b.floors = 201;
	assert_int_equal(building_create(c->db, &b, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "floors");
	b.floors = 6;
	b.entrances = 0;
	assert_int_equal(building_create(c->db, &b, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "entrances");
	b.entrances = 1;
	b.community_id = 999;
	assert_int_equal(building_create(c->db, &b, &who, &id, &e), ANJU_ENOTFOUND);
	db_rollback(c->db);

	ok(c->db, community_find(c->db, "肖桥公租房", &id, &e));
	assert_int_equal(id, c->cb);
	assert_int_equal(community_find(c->db, "没有", &id, &e), ANJU_ENOTFOUND);
	ok(c->db, building_find(c->db, c->cb, "1", &id, &e));
	assert_int_equal(id, c->bb);
	assert_int_equal(building_find(c->db, c->cb, "2", &id, &e), ANJU_ENOTFOUND);
	assert_int_equal(audit_rows(c->db, "community.create", "community", c->ca), 1);
	assert_int_equal(audit_rows(c->db, "building.create", "building", c->ba), 1);
}

static void
test_unit_validation(void **state)
{
	struct ctx *c = *state;
	struct unit_in ok_in = { c->ba, 1, 3, "1-1-301", "两室一厅", 5600, 4400, "南北" };
	struct unit_in u;
	struct anju_err e;
	int64_t id = 0;
	char longnum[40];

	assert_int_equal(unit_validate(&ok_in, &e), 0);
#define BAD(mutation, fld)                                                                         \
	do {                                                                                       \
		u = ok_in;                                                                         \
		mutation;                                                                          \
		assert_int_equal(unit_validate(&u, &e), ANJU_EINVAL);                              \
		assert_string_equal(e.field, fld);                                                 \
	} while (0)
	BAD(u.building_id = 0, "building_id");
	BAD(u.entrance = 0, "entrance");
	BAD(u.entrance = 51, "entrance");
	BAD(u.floor = 0, "floor");
	BAD(u.floor = -6, "floor");
	BAD(u.floor = 201, "floor");
	BAD(u.number = "", "number");
	BAD(u.number = NULL, "number");
	BAD(u.number = " 1-1-301", "number");
	BAD(u.number = "1-1\n301", "number");
	memset(longnum, '9', 33);
	longnum[33] = '\0';
	BAD(u.number = longnum, "number");
	BAD(u.number = "\xff\xfe", "number");
	BAD(u.floor_area = 0, "floor_area");
	BAD(u.floor_area = 100001, "floor_area");
	BAD(u.usable_area = 0, "usable_area");
	BAD(u.usable_area = 5601, "usable_area");
	BAD(u.layout = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
	    "layout");
#undef BAD

	ok(c->db, db_begin(c->db));
	/* Checked against the building: its entrances and floors. */
	u = ok_in;
	u.entrance = 3;
	assert_int_equal(unit_create(c->db, &u, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "entrance");
	u = ok_in;
	u.floor = 19;
	assert_int_equal(unit_create(c->db, &u, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "floor");
	u = ok_in;
	u.building_id = 999;
	assert_int_equal(unit_create(c->db, &u, &who, &id, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "building_not_found");
	assert_string_equal(e.field, "building_id");
	/* A number is unique in its community, not across communities. */
	u = ok_in;
	u.number = "1-1-1501";
	assert_int_equal(unit_create(c->db, &u, &who, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "unit_number_taken");
	assert_string_equal(e.field, "number");
	u = ok_in;
	u.building_id = c->bb;
	u.number = "1-1-1501";
	ok(c->db, unit_create(c->db, &u, &who, &id, &e));
	/* The failed attempts left the transaction usable (PostgreSQL). */
	ok(c->db, db_commit(c->db));
	assert_string_equal(status_of(c->db, id), "pending_acceptance");
	ok(c->db, unit_find(c->db, c->cb, "1-1-1501", &id, &e));
	assert_int_equal(unit_find(c->db, c->ca, "1-1-301", &id, &e), ANJU_ENOTFOUND);
	assert_int_equal(audit_rows(c->db, "unit.create", "unit", c->ua1), 1);
}

/* Runs one status operation in its own transaction: its code. */
static int
op(struct db *db,
   int (*f)(struct db *, int64_t, const char *, const struct audit_actor *, struct anju_err *),
   int64_t unit, const char *reason, struct anju_err *e)
{
	int rc;

	ok(db, db_begin(db));
	rc = f(db, unit, reason, &who, e);
	if (rc == 0)
		ok(db, db_commit(db));
	else
		db_rollback(db);
	return rc;
}

static int
transition(struct db *db, int64_t unit, enum unit_status from, enum unit_status to,
	   struct anju_err *e)
{
	int rc;

	ok(db, db_begin(db));
	rc = unit_transition(db, unit, from, to, "测试", &who, e);
	if (rc == 0)
		ok(db, db_commit(db));
	else
		db_rollback(db);
	return rc;
}

static void
test_statuses(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *j;

	/* Pending acceptance: no repair, but it may be disabled and enabled. */
	assert_int_equal(op(c->db, unit_repair, c->ua1, "漏水", &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "unit_status");
	assert_non_null(strstr(e.msg, "待核验"));
	ok(c->db, op(c->db, unit_disable, c->ua1, "结构检测", &e));
	assert_string_equal(status_of(c->db, c->ua1), "disabled");
	assert_int_equal(op(c->db, unit_disable, c->ua1, "再次", &e), ANJU_ECONFLICT);
	ok(c->db, op(c->db, unit_enable, c->ua1, "检测合格", &e));
	assert_string_equal(status_of(c->db, c->ua1), "pending_acceptance");
	/* A reason is required. */
	assert_int_equal(op(c->db, unit_disable, c->ua1, "", &e), ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	assert_int_equal(op(c->db, unit_disable, c->ua1, NULL, &e), ANJU_EINVAL);

	/* Later issues' transitions check the status they start from. */
	ok(c->db, transition(c->db, c->ua1, UNIT_PENDING_ACCEPTANCE, UNIT_VACANT, &e));
	assert_int_equal(transition(c->db, c->ua1, UNIT_PENDING_ACCEPTANCE, UNIT_VACANT, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "unit_status");
	assert_non_null(strstr(e.msg, "空置"));
	assert_int_equal(transition(c->db, 99999, UNIT_VACANT, UNIT_ALLOCATED, &e), ANJU_ENOTFOUND);

	/* Repair: vacant → under_repair → vacant. */
	ok(c->db, op(c->db, unit_repair, c->ua1, "卫生间漏水", &e));
	assert_string_equal(status_of(c->db, c->ua1), "under_repair");
	assert_int_equal(op(c->db, unit_repair, c->ua1, "again", &e), ANJU_ECONFLICT);
	/* Disabled during the repair, enabled back under repair, then done. */
	ok(c->db, op(c->db, unit_disable, c->ua1, "暂停使用", &e));
	assert_int_equal(op(c->db, unit_repair_done, c->ua1, "修好", &e), ANJU_ECONFLICT);
	ok(c->db, op(c->db, unit_enable, c->ua1, "恢复", &e));
	assert_string_equal(status_of(c->db, c->ua1), "under_repair");
	ok(c->db, op(c->db, unit_repair_done, c->ua1, "已修复", &e));
	assert_string_equal(status_of(c->db, c->ua1), "vacant");
	assert_int_equal(op(c->db, unit_repair_done, c->ua1, "已修复", &e), ANJU_ECONFLICT);

	/* A let unit is never disabled here. */
	ok(c->db, transition(c->db, c->ua1, UNIT_VACANT, UNIT_ALLOCATED, &e));
	assert_int_equal(op(c->db, unit_disable, c->ua1, "停用", &e), ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "已分配"));
	assert_int_equal(op(c->db, unit_repair, c->ua1, "修", &e), ANJU_ECONFLICT);
	ok(c->db, transition(c->db, c->ua1, UNIT_ALLOCATED, UNIT_OCCUPIED, &e));
	assert_int_equal(op(c->db, unit_disable, c->ua1, "停用", &e), ANJU_ECONFLICT);
	assert_int_equal(op(c->db, unit_repair, 99999, "修", &e), ANJU_ENOTFOUND);

	/* Each change is one unit.status row with both statuses and the reason. */
	j = last_after(c->db, "unit.status", "unit", c->ua1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "before"), "status")),
		"allocated");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "after"), "status")),
		"occupied");
	json_decref(j);
	assert_int_equal(audit_rows(c->db, "unit.status", "unit", c->ua1), 9);
	j = NULL;
	ok(c->db, unit_get(c->db, &bureau, c->ua1, &j, &e));
	assert_true(json_is_null(json_object_get(j, "status_before")));
	assert_string_equal(json_string_value(json_object_get(j, "status_title")), "已入住");
	json_decref(j);
}

static void
test_acceptance(void **state)
{
	struct ctx *c = *state;
	struct asset_in a = { 0, "unit", 0, c->ua1, 0, NULL, "热水器", "美的", "F60", 1, "good" };
	struct asset_in other = { 0, "unit", 0, c->ua2, 0, NULL, "空调", "格力", "", 1, "fair" };
	struct acceptance_item_in items[] = {
		{ "客厅", "墙面", 0, "good", NULL },
		{ "卫生间", NULL, 0, "fair", "热水器外壳有划痕" },
	};
	struct anju_err e;
	int64_t asset = 0, foreign = 0, check = 0, id = 0;
	json_t *k = NULL, *j;

	ok(c->db, db_begin(c->db));
	ok(c->db, asset_create(c->db, &a, &who, &asset, &e));
	ok(c->db, asset_create(c->db, &other, &who, &foreign, &e));
	/* An item is a room and what was looked at, or one of the unit's assets. */
	items[1].asset_id = foreign;
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 2, "交付核验", &who, &check, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "items[1].asset_id");
	items[1].asset_id = 0;
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 2, NULL, &who, &check, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "items[1].item");
	items[1].asset_id = asset;
	items[0].condition = "excellent";
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 2, NULL, &who, &check, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "items[0].condition");
	items[0].condition = "good";
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 0, NULL, &who, &check, &e),
			 ANJU_EINVAL);
	assert_int_equal(acceptance_open(c->db, 99999, items, 2, NULL, &who, &check, &e),
			 ANJU_ENOTFOUND);
	ok(c->db, acceptance_open(c->db, c->ua1, items, 2, "交付核验", &who, &check, &e));
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 2, NULL, &who, &id, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "acceptance_exists");
	ok(c->db, db_commit(c->db));

	ok(c->db, acceptance_get(c->db, &staff, check, &k, &e));
	assert_string_equal(json_string_value(json_object_get(k, "state")), "draft");
	j = json_object_get(k, "items");
	assert_int_equal(json_array_size(j), 2);
	/* The asset's line is called by its type. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "item")),
			    "热水器");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "asset_id")),
			 asset);
	json_decref(k);

	/* The bureau confirms only what operator staff signed. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(acceptance_confirm(c->db, check, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "acceptance_state");
	assert_int_equal(acceptance_return(c->db, check, "不对", &who, &e), ANJU_ECONFLICT);
	ok(c->db, acceptance_sign(c->db, check, &who, &e));
	assert_int_equal(acceptance_sign(c->db, check, &who, &e), ANJU_ECONFLICT);
	assert_int_equal(acceptance_return(c->db, check, "", &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "note");
	ok(c->db, acceptance_return(c->db, check, "卫生间照片缺失", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_string_equal(status_of(c->db, c->ua1), "pending_acceptance");
	k = NULL;
	ok(c->db, acceptance_get(c->db, &bureau, check, &k, &e));
	assert_string_equal(json_string_value(json_object_get(k, "state")), "draft");
	assert_string_equal(json_string_value(json_object_get(k, "returned_note")),
			    "卫生间照片缺失");
	assert_true(json_is_null(json_object_get(k, "signed_by")));
	json_decref(k);

	ok(c->db, db_begin(c->db));
	ok(c->db, acceptance_sign(c->db, check, &who, &e));
	/* Still pending until the bureau confirms. */
	ok(c->db, db_commit(c->db));
	assert_string_equal(status_of(c->db, c->ua1), "pending_acceptance");
	ok(c->db, db_begin(c->db));
	ok(c->db, acceptance_confirm(c->db, check, &who, &e));
	assert_int_equal(acceptance_confirm(c->db, check, &who, &e), ANJU_ECONFLICT);
	ok(c->db, db_commit(c->db));
	assert_string_equal(status_of(c->db, c->ua1), "vacant");
	k = NULL;
	ok(c->db, acceptance_get(c->db, &bureau, check, &k, &e));
	assert_string_equal(json_string_value(json_object_get(k, "state")), "confirmed");
	assert_string_equal(json_string_value(json_object_get(k, "confirmed_by")), "test");
	json_decref(k);

	/* A unit no longer pending takes no new check. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(acceptance_open(c->db, c->ua1, items, 1, NULL, &who, &id, &e),
			 ANJU_ECONFLICT);
	db_rollback(c->db);

	assert_int_equal(audit_rows(c->db, "acceptance.open", "acceptance_check", check), 1);
	assert_int_equal(audit_rows(c->db, "acceptance.sign", "acceptance_check", check), 2);
	assert_int_equal(audit_rows(c->db, "acceptance.return", "acceptance_check", check), 1);
	assert_int_equal(audit_rows(c->db, "acceptance.confirm", "acceptance_check", check), 1);
	assert_int_equal(audit_rows(c->db, "asset.create", "asset", asset), 1);
	j = last_after(c->db, "unit.status", "unit", c->ua1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "after"), "status")),
		"vacant");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "after"), "reason")),
		"分户核验已确认");
	json_decref(j);
	j = last_after(c->db, "acceptance.return", "acceptance_check", check);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "after"), "note")),
			    "卫生间照片缺失");
	json_decref(j);
}

/* unit_search_number's array, written and parsed back: want units. */
static json_t *
number_search(struct db *db, const struct caller *c, const char *prefix, size_t want,
	      struct anju_err *e)
{
	struct buf b;
	struct jw w;
	json_t *v;

	buf_init(&b, 0);
	jw_init(&w, &b);
	ok(db, unit_search_number(db, c, prefix, 20, &w, e));
	assert_int_equal(w.rc, 0);
	v = json_loadb(b.p, b.n, 0, NULL);
	buf_free(&b);
	assert_non_null(v);
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), want);
	return v;
}

static void
test_scope(void **state)
{
	struct ctx *c = *state;
	struct asset_in a = { 0, "unit", 0, c->ub1, 0, NULL, "门锁", "", "", 1, "good" };
	struct acceptance_item_in item = { "客厅", "墙面", 0, "good", NULL };
	struct unit_filter f = { .limit = 50 };
	struct anju_err e;
	int64_t cid = 0, asset = 0, check = 0, next = 0;
	json_t *items = NULL, *u = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db, asset_create(c->db, &a, &who, &asset, &e));
	ok(c->db, acceptance_open(c->db, c->ub1, &item, 1, NULL, &who, &check, &e));
	ok(c->db, db_commit(c->db));

	/* In scope: found, with its community. */
	ok(c->db, housing_unit_community(c->db, &staff, c->ua1, &cid, &e));
	assert_int_equal(cid, c->ca);
	ok(c->db, housing_unit_community(c->db, &bureau, c->ub1, &cid, &e));
	assert_int_equal(cid, c->cb);
	ok(c->db, housing_community_visible(c->db, &staff, c->ca, &e));
	ok(c->db, housing_building_community(c->db, &staff, c->ba, &cid, &e));
	ok(c->db, housing_asset_community(c->db, &bureau, asset, &cid, &e));
	assert_int_equal(cid, c->cb);
	ok(c->db, housing_check_community(c->db, &bureau, check, &cid, &e));
	assert_int_equal(cid, c->cb);
	/* Outside it, or for a role without one: not found. */
	assert_int_equal(housing_unit_community(c->db, &staff, c->ub1, &cid, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "unit_not_found");
	assert_int_equal(housing_unit_community(c->db, &nobody, c->ua1, &cid, &e), ANJU_ENOTFOUND);
	assert_int_equal(housing_unit_community(c->db, &admin, c->ua1, &cid, &e), ANJU_ENOTFOUND);
	assert_int_equal(housing_unit_community(c->db, NULL, c->ua1, &cid, &e), ANJU_ENOTFOUND);
	assert_int_equal(housing_community_visible(c->db, &staff, c->cb, &e), ANJU_ENOTFOUND);
	assert_int_equal(housing_building_community(c->db, &staff, c->bb, &cid, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(housing_asset_community(c->db, &staff, asset, &cid, &e), ANJU_ENOTFOUND);
	assert_int_equal(housing_check_community(c->db, &staff, check, &cid, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "acceptance_not_found");
	assert_int_equal(unit_get(c->db, &staff, c->ub1, &u, &e), ANJU_ENOTFOUND);
	assert_int_equal(acceptance_get(c->db, &staff, check, &u, &e), ANJU_ENOTFOUND);
	assert_int_equal(asset_get(c->db, &staff, asset, &u, &e), ANJU_ENOTFOUND);
	assert_int_equal(unit_dossier(c->db, &staff, c->ub1, 10, &u, &e), ANJU_ENOTFOUND);
	assert_int_equal(building_grid(c->db, &staff, c->bb, &u, &e), ANJU_ENOTFOUND);

	/* Lists hold only what is in scope. */
	ok(c->db, unit_list(c->db, &staff, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	ok(c->db, unit_list(c->db, &nobody, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	ok(c->db, community_list(c->db, &staff, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	ok(c->db, building_list(c->db, &staff, 0, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	{
		struct asset_filter af = { .limit = 50 };
		struct acceptance_filter kf = { .limit = 50 };

		ok(c->db, asset_list(c->db, &staff, &af, &items, &next, &e));
		assert_int_equal(json_array_size(items), 0);
		json_decref(items);
		ok(c->db, asset_list(c->db, &bureau, &af, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		json_decref(items);
		ok(c->db, acceptance_list(c->db, &staff, &kf, &items, &next, &e));
		assert_int_equal(json_array_size(items), 0);
		json_decref(items);
		kf.state = "draft";
		ok(c->db, acceptance_list(c->db, &bureau, &kf, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		json_decref(items);
		kf.state = "confirmed";
		ok(c->db, acceptance_list(c->db, &bureau, &kf, &items, &next, &e));
		assert_int_equal(json_array_size(items), 0);
		json_decref(items);
	}
	/* The number search too: in scope, by prefix, Unit objects in number order. */
	json_decref(number_search(c->db, &staff, "1-1-", 1, &e));
	items = number_search(c->db, &bureau, "1-1-", 2, &e);
	assert_true(strcmp(json_string_value(json_object_get(json_array_get(items, 0), "number")),
			   json_string_value(json_object_get(json_array_get(items, 1), "number"))) <
		    0);
	assert_non_null(json_object_get(json_array_get(items, 0), "status_title"));
	json_decref(items);
	json_decref(number_search(c->db, &bureau, "2-", 0, &e));
	json_decref(number_search(c->db, &bureau, "", 0, &e));
}

/* unit_each's callback: keeps the rows. */
static int
collect(void *ud, json_t *row)
{
	return json_array_append(ud, row);
}

static void
test_lists_and_counts(void **state)
{
	struct ctx *c = *state;
	struct unit_filter f = { .limit = 2 };
	struct anju_err e;
	json_t *items = NULL, *cm, *units;
	int64_t next = 0;

	ok(c->db, transition(c->db, c->ua1, UNIT_PENDING_ACCEPTANCE, UNIT_VACANT, &e));
	ok(c->db, transition(c->db, c->ua2, UNIT_PENDING_ACCEPTANCE, UNIT_VACANT, &e));
	ok(c->db, transition(c->db, c->ua2, UNIT_VACANT, UNIT_OCCUPIED, &e));

	/* Keyset pages: two, then one. */
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(next, c->ua2);
	json_decref(items);
	f.after_id = next;
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, 0);
	json_decref(items);
	/* Each filter, and all of them together. */
	f = (struct unit_filter){ .community_id = c->ca, .status = "vacant", .limit = 50 };
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
			 c->ua1);
	json_decref(items);
	f = (struct unit_filter){ .building_id = c->bb, .limit = 50 };
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	f = (struct unit_filter){
		.community_id = c->ca, .building_id = c->ba, .status = "occupied", .limit = 50
	};
	ok(c->db, unit_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	f.status = "rented";
	assert_int_equal(unit_list(c->db, &bureau, &f, &items, &next, &e), ANJU_EINVAL);

	/* Communities count their units per status: ca 1 vacant + 1 occupied. */
	ok(c->db, community_list(c->db, &bureau, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	cm = json_array_get(items, 0);
	units = json_object_get(cm, "units");
	assert_int_equal(json_integer_value(json_object_get(units, "total")), 2);
	assert_int_equal(json_integer_value(json_object_get(units, "vacant")), 1);
	assert_int_equal(json_integer_value(json_object_get(units, "occupied")), 1);
	assert_int_equal(json_integer_value(json_object_get(units, "disabled")), 0);
	assert_int_equal(json_integer_value(json_object_get(cm, "occupancy_permille")), 500);
	assert_string_equal(json_string_value(json_object_get(cm, "operator_name")),
			    "安居物业服务有限公司");
	units = json_object_get(json_array_get(items, 1), "units");
	assert_int_equal(json_integer_value(json_object_get(units, "pending_acceptance")), 1);
	json_decref(items);
	cm = NULL;
	ok(c->db, community_get(c->db, &bureau, c->cb, &cm, &e));
	assert_int_equal(json_integer_value(json_object_get(cm, "occupancy_permille")), 0);
	assert_int_equal(json_array_size(json_object_get(cm, "buildings")), 1);
	json_decref(cm);
	assert_int_equal(community_get(c->db, &staff, c->cb, &cm, &e), ANJU_ENOTFOUND);

	/* Exports see every unit in scope. */
	items = json_array();
	ok(c->db, unit_each(c->db, &bureau, 0, collect, items, &e));
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	items = json_array();
	ok(c->db, unit_each(c->db, &staff, 0, collect, items, &e));
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
}

static int
stop_after_one(void *ud, json_t *row)
{
	(void)row;
	return ++*(int *)ud >= 1 ? 7 : 0;
}

static void
test_each_stops(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int n = 0;

	assert_int_equal(unit_each(c->db, &bureau, c->ca, stop_after_one, &n, &e), 7);
	assert_int_equal(n, 1);
}

static void
test_grid(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *g = NULL, *floors, *f, *units, *entrances;

	ok(c->db, db_begin(c->db));
	add_unit(c->db, c->ba, 1, 15, "1-1-1502");
	add_unit(c->db, c->ba, 1, 2, "1-1-201");
	add_unit(c->db, c->ba, 2, -1, "1-2-B101");
	ok(c->db, db_commit(c->db));
	ok(c->db, building_grid(c->db, &bureau, c->ba, &g, &e));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(g, "building"), "name")), "1");
	floors = json_object_get(g, "floors");
	/* 18 floors above ground, top first, and the basement. */
	assert_int_equal(json_array_size(floors), 19);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(floors, 0), "floor")),
			 18);
	assert_int_equal(json_array_size(json_object_get(json_array_get(floors, 0), "units")), 0);
	f = json_array_get(floors, 3);
	assert_int_equal(json_integer_value(json_object_get(f, "floor")), 15);
	units = json_object_get(f, "units");
	assert_int_equal(json_array_size(units), 3);
	/* By entrance, then number; columns count within an entrance. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(units, 0), "number")),
			    "1-1-1501");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(units, 1), "column")),
			 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(units, 2), "number")),
			    "1-2-1501");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(units, 2), "column")),
			 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(floors, 17), "floor")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(floors, 18), "floor")),
			 -1);
	entrances = json_object_get(g, "entrances");
	assert_int_equal(json_array_size(entrances), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(entrances, 0), "columns")), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(entrances, 1), "columns")), 1);
	json_decref(g);
	assert_int_equal(building_grid(c->db, &bureau, 9999, &g, &e), ANJU_ENOTFOUND);
}

static void
test_updates(void **state)
{
	struct ctx *c = *state;
	struct unit_patch p = { .layout = "两室一厅", .floor_area = 6000, .usable_area = 4800 };
	struct asset_in a = { 0,      "entrance", c->ba, 0, 2,      "2单元",
			      "电梯", "奥的斯",   "",    1, "good", "2030-06-30" };
	struct asset_patch ap = { .condition = "poor", .quantity = 2 };
	struct anju_err e;
	int64_t asset = 0;
	json_t *j = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db, unit_update(c->db, c->ua1, &p, &who, &e));
	p = (struct unit_patch){ .usable_area = 6001 };
	assert_int_equal(unit_update(c->db, c->ua1, &p, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "usable_area");
	assert_int_equal(unit_update(c->db, 99999, &p, &who, &e), ANJU_ENOTFOUND);
	/* Nothing that changes: no audit row. */
	p = (struct unit_patch){ .layout = "两室一厅" };
	ok(c->db, unit_update(c->db, c->ua1, &p, &who, &e));
	/* Assets: an entrance needs one of the building's entrances. */
	a.entrance = 3;
	assert_int_equal(asset_create(c->db, &a, &who, &asset, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "entrance");
	a.entrance = 2;
	a.quantity = 0;
	assert_int_equal(asset_create(c->db, &a, &who, &asset, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "quantity");
	a.quantity = 1;
	a.warranty_end = "2030-02-30";
	assert_int_equal(asset_create(c->db, &a, &who, &asset, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "warranty_end");
	a.warranty_end = "2030-06-30";
	a.location = "roof";
	assert_int_equal(asset_create(c->db, &a, &who, &asset, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "location");
	a.location = "entrance";
	ok(c->db, asset_create(c->db, &a, &who, &asset, &e));
	ok(c->db, asset_update(c->db, asset, &ap, &who, &e));
	ap = (struct asset_patch){ .condition = "bad" };
	assert_int_equal(asset_update(c->db, asset, &ap, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "condition");
	ap = (struct asset_patch){ .clear_warranty = true };
	ok(c->db, asset_update(c->db, asset, &ap, &who, &e));
	ok(c->db, db_commit(c->db));

	ok(c->db, unit_get(c->db, &staff, c->ua1, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "layout")), "两室一厅");
	assert_int_equal(json_integer_value(json_object_get(j, "floor_area")), 6000);
	assert_string_equal(json_string_value(json_object_get(j, "orientation")), "南");
	json_decref(j);
	assert_int_equal(audit_rows(c->db, "unit.update", "unit", c->ua1), 1);
	j = last_after(c->db, "unit.update", "unit", c->ua1);
	/* Only what changed. */
	assert_null(json_object_get(json_object_get(j, "after"), "orientation"));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "before"), "floor_area")),
		4500);
	json_decref(j);
	j = NULL;
	ok(c->db, asset_get(c->db, &staff, asset, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "condition")), "poor");
	assert_int_equal(json_integer_value(json_object_get(j, "quantity")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "building_id")), c->ba);
	assert_true(json_is_null(json_object_get(j, "warranty_end")));
	assert_true(json_is_null(json_object_get(j, "unit_id")));
	json_decref(j);
	assert_int_equal(audit_rows(c->db, "asset.update", "asset", asset), 2);
}

static void
test_dossier(void **state)
{
	struct ctx *c = *state;
	struct asset_in a = { 0, "unit", 0, c->ua2, 0, "厨房", "燃气灶", "方太", "", 1, "good" };
	struct acceptance_item_in item = { "厨房", NULL, 0, "good", NULL };
	struct anju_err e;
	int64_t asset = 0, check = 0;
	json_t *d = NULL, *tl;
	bool saw_unit = false, saw_asset = false, saw_check = false;
	size_t i;
	json_t *ev;

	ok(c->db, db_begin(c->db));
	ok(c->db, asset_create(c->db, &a, &who, &asset, &e));
	item.asset_id = asset;
	ok(c->db, acceptance_open(c->db, c->ua2, &item, 1, NULL, &who, &check, &e));
	ok(c->db, acceptance_sign(c->db, check, &who, &e));
	ok(c->db, db_commit(c->db));

	ok(c->db, unit_dossier(c->db, &staff, c->ua2, 100, &d, &e));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(d, "unit"), "number")),
		"1-2-1501");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(d, "community"), "name")),
		"南苑公租房");
	assert_int_equal(json_array_size(json_object_get(d, "assets")), 1);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(d, "acceptance"), "id")), check);
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(d, "acceptance"), "items")), 1);
	assert_true(json_is_array(json_object_get(d, "attachments")));
	tl = json_object_get(d, "timeline");
	json_array_foreach (tl, i, ev) {
		const char *action = json_string_value(json_object_get(ev, "action"));

		saw_unit |= strcmp(action, "unit.create") == 0;
		saw_asset |= strcmp(action, "asset.create") == 0;
		saw_check |= strcmp(action, "acceptance.sign") == 0;
	}
	assert_true(saw_unit && saw_asset && saw_check);
	/* Newest first: the signature came last. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 0), "action")),
			    "acceptance.sign");
	json_decref(d);

	/* A unit without a check, limited timeline. */
	d = NULL;
	ok(c->db, unit_dossier(c->db, &bureau, c->ub1, 1, &d, &e));
	assert_true(json_is_null(json_object_get(d, "acceptance")));
	assert_int_equal(json_array_size(json_object_get(d, "timeline")), 1);
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test_setup_teardown(test_parties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_communities_and_buildings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acceptance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dossier, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
