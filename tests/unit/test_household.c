/*
 * Unit tests of households, members and people on a real database (both
 * engines): validation with the member's field, one head, a person in one
 * household at a time, birth date and sex from the ID number, masked JSON,
 * the reveal's rate limit and audit row, scope and the tenant's own
 * household, categories, head changes and leaving, the dossier's timeline,
 * and the search box's look-ups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/idnum.h"
#include "household/household.h"
#include "search/search.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, b; /* two communities */
};

static const struct audit_actor who = { "account:1", "tester", "bureau", "::1", NULL };

/* Callers: bureau with every community, operator staff with community a
 * (principal account:2, granted in setup), finance with none, a tenant. */
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
static struct caller staff = { CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "s", "account:2", false };
static struct caller finance = { CALLER_ACCOUNT, 3, ROLE_FINANCE, "f", "account:3", false };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("household", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int64_t
add_community(struct db *db, const char *name)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(db,
		      "INSERT INTO community (name, created_at, updated_at)"
		      " VALUES (?, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
		      " RETURNING id",
		      &st));
	db_bind_cstr(st, 1, name);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->a = add_community(c->db, "南苑公租房");
	c->b = add_community(c->db, "肖桥公租房");
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, "account:2", &c->a, 1, &e));
	ok(c->db, db_commit(c->db));
	config_reset();
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

/* A valid ID number from 17 digits: the check character appended. */
static const char *
idn(char out[19], const char *digits17)
{
	memcpy(out, digits17, 17);
	out[17] = idnum_check_char(digits17);
	out[18] = '\0';
	return out;
}

/* ID numbers of the tests: region 99 (nobody's), born 1985-03-07 (male, 17th
 * digit odd) or 1990-12-31 (female). */
static char id_head[19], id_spouse[19], id_child[19], id_other[19], id_fifth[19];

static void
ids_init(void)
{
	idn(id_head, "99010119850307001");
	idn(id_spouse, "99010119901231002");
	idn(id_child, "99010120150601003");
	idn(id_other, "99020119700101005");
	idn(id_fifth, "99020119800202007");
}

/* Creates a household in community with a head and maybe a spouse, in one
 * transaction; the rc of household_create (rolled back unless 0). */
static int
create(struct ctx *c, int64_t community, const char *head_name, const char *head_id,
       const char *phone, const char *spouse_id, int64_t *id, struct anju_err *e)
{
	struct member_in m[2] = {
		{ { head_name, head_id, phone }, "head" },
		{ { "李芳", spouse_id, NULL }, "spouse" },
	};
	struct household_in in = {
		.community_id = community,
		.category = "low_income",
		.hukou = "咸宁市咸安区",
		.employer = "咸宁市某公司",
		.monthly_income_fen = 250000,
		.assets_fen = 0,
		.members = m,
		.nmembers = spouse_id ? 2 : 1,
	};
	int rc;

	ok(c->db, db_begin(c->db));
	rc = household_create(c->db, &in, &who, id, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static int64_t
count_audit(struct db *db, const char *action)
{
	struct db_stmt *st;
	int64_t n;

	ok(db, db_prepare(db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", &st));
	db_bind_cstr(st, 1, action);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

/* The count of a query with one text parameter. */
static int64_t
count_text(struct db *db, const char *sql, const char *text)
{
	struct db_stmt *st;
	int64_t n;

	ok(db, db_prepare(db, sql, &st));
	db_bind_cstr(st, 1, text);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static void
test_validate(void **state)
{
	struct anju_err e;
	char bad[19];
	struct member_in m[3] = {
		{ { "王伟", id_head, "13800138000" }, "head" },
		{ { "李芳", id_spouse, NULL }, "spouse" },
		{ { "王小明", id_child, NULL }, "child" },
	};
	struct household_in in = {
		.community_id = 1, .category = "low_income", .members = m, .nmembers = 3
	};

	(void)state;
	ok(NULL, household_validate(&in, &e));
	/* A wrong check character: refused by the rule (422), on the member's field. */
	memcpy(bad, id_spouse, sizeof(bad));
	bad[17] = bad[17] == '0' ? '1' : '0';
	m[1].person.id_number = bad;
	assert_int_equal(household_validate(&in, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.field, "members[1].id_number");
	assert_string_equal(e.key, "id_number_check_digit");
	m[1].person.id_number = id_spouse;
	/* Two heads, then none. */
	m[2].relationship = "head";
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members[2].relationship");
	m[0].relationship = m[2].relationship = "child";
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "head_required");
	m[0].relationship = "head";
	/* The same person twice; a bad phone; a bad relationship; no name. */
	m[2].person.id_number = id_head;
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members[2].id_number");
	assert_string_equal(e.key, "duplicate_id_number");
	m[2].person.id_number = id_child;
	m[0].person.phone = "12-34";
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members[0].phone");
	m[0].person.phone = NULL;
	m[1].relationship = "cousin";
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members[1].relationship");
	m[1].relationship = "spouse";
	m[2].person.name = "";
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members[2].name");
	m[2].person.name = "王小明";
	in.nmembers = 0;
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "members");
	in.nmembers = 3;
	in.monthly_income_fen = -1;
	assert_int_equal(household_validate(&in, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "monthly_income_fen");
}

/* Every audit row's images are as audit_write() would store them: compact,
 * members in key order at every depth.  The household module writes its
 * hot images as text (audit_write_text()), so this is what keeps their key
 * order honest.  The rows checked, at least min. */
static void
assert_images_canonical(struct db *db, int min)
{
	struct db_stmt *st;
	int rows = 0;

	ok(db, db_prepare(db, "SELECT before_json, after_json FROM audit_log ORDER BY id", &st));
	while (db_step(st) == DB_ROW) {
		for (int col = 0; col < 2; col++) {
			json_t *v;
			char *want;

			if (db_col_null(st, col))
				continue;
			v = json_loads(db_col_text(st, col), 0, NULL);
			assert_non_null(v);
			want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
			assert_string_equal(db_col_text(st, col), want);
			free(want);
			json_decref(v);
		}
		rows++;
	}
	db_reset(st);
	assert_true(rows >= min);
}

/* The after image of the newest row of action (new). */
static json_t *
newest_after(struct db *db, const char *action)
{
	struct db_stmt *st;
	json_t *v = NULL;

	ok(db, db_prepare(db,
			  "SELECT after_json FROM audit_log WHERE action = ? ORDER BY id DESC"
			  " LIMIT 1",
			  &st));
	db_bind_cstr(st, 1, action);
	if (db_step(st) == DB_ROW)
		v = json_loads(db_col_text(st, 0), 0, NULL);
	db_reset(st);
	assert_non_null(v);
	return v;
}

static void
test_create_and_show(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *h = NULL, *p = NULL, *m;
	int64_t id = 0, found = 0, pid;
	char mask[40];

	ok(c->db, create(c, c->a, "王伟", id_head, "138-0013-8000", id_spouse, &id, &e));
	/* Birth date and sex come from the ID number; the name is its key. */
	ok(c->db, person_find(c->db, id_head, &pid, &e));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE birth_date ="
					  " '1985-03-07' AND sex = 'male' AND name_key = '王伟'"),
			 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE sex = 'female'"
					  " AND birth_date = '1990-12-31'"),
			 1);
	/* Shown masked: the first 3 and last 4 only, the phone too. */
	ok(c->db, household_get(c->db, &bureau, id, &h, &e));
	assert_int_equal(json_integer_value(json_object_get(h, "member_count")), 2);
	assert_string_equal(json_string_value(json_object_get(h, "community_name")), "南苑公租房");
	assert_string_equal(json_string_value(json_object_get(h, "category_name")),
			    "城镇中等偏下收入住房困难家庭");
	m = json_array_get(json_object_get(h, "members"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "relationship")), "head");
	assert_int_equal(json_integer_value(json_object_get(h, "head_member_id")),
			 json_integer_value(json_object_get(m, "id")));
	idnum_mask(id_head, mask, sizeof(mask));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(m, "person"), "id_number")),
		mask);
	assert_int_equal(strncmp(mask, "990***********", 14), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(m, "person"), "phone")),
		"138****8000");
	assert_false(household_role_sees_pii(ROLE_BUREAU));
	{
		char *text = json_dumps(h, 0);

		/* No clear value anywhere in the answer. */
		assert_null(strstr(text, id_head));
		assert_null(strstr(text, "13800138000"));
		free(text);
	}
	json_decref(h);
	ok(c->db, household_person_get(c->db, &bureau, pid, &p, &e));
	assert_string_equal(json_string_value(json_object_get(p, "birth_date")), "1985-03-07");
	assert_int_equal(json_integer_value(json_object_get(p, "household_id")), id);
	json_decref(p);
	/* Audited: the household, each new person; the head is its natural key. */
	assert_int_equal(count_audit(c->db, "household.create"), 1);
	assert_int_equal(count_audit(c->db, "person.create"), 2);
	assert_int_equal(count_text(c->db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE ?",
				    "%13800138000%"),
			 0);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE"
					  " '%138****8000%'"),
			 1);
	ok(c->db, household_find_by_head(c->db, id_head, &found, &e));
	assert_int_equal(found, id);
	assert_int_equal(household_find_by_head(c->db, id_spouse, &found, &e), ANJU_ENOTFOUND);
	/* The household's row: its fields, and each member masked. */
	h = newest_after(c->db, "household.create");
	assert_int_equal(json_integer_value(json_object_get(h, "monthly_income_fen")), 250000);
	assert_string_equal(json_string_value(json_object_get(h, "category")), "low_income");
	assert_true(json_is_false(json_object_get(h, "local_hukou")));
	m = json_object_get(h, "members");
	assert_int_equal(json_array_size(m), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "id_number")),
			    mask);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(m, 1), "relationship")), "spouse");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 0), "person_id")),
			 pid);
	json_decref(h);
	p = newest_after(c->db, "person.create");
	assert_string_equal(json_string_value(json_object_get(p, "name")), "李芳");
	assert_null(json_object_get(p, "phone"));
	assert_string_equal(json_string_value(json_object_get(p, "sex")), "female");
	json_decref(p);
	assert_images_canonical(c->db, 3);
}

static void
test_one_household_per_person(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id1 = 0, id2 = 0, mid = 0;
	struct member_in add = { { "李芳", id_spouse, NULL }, "spouse" };

	ok(c->db, create(c, c->a, "王伟", id_head, NULL, id_spouse, &id1, &e));
	/* The spouse as the head of another household: refused, nothing written. */
	assert_int_equal(create(c, c->b, "李芳", id_spouse, NULL, NULL, &id2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "member_active_elsewhere");
	assert_string_equal(e.field, "members[0].id_number");
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM household"), 1);
	/* Another name with a recorded ID number is a typing error. */
	assert_int_equal(create(c, c->b, "赵六", id_spouse, NULL, NULL, &id2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "person_name_mismatch");
	assert_string_equal(e.field, "members[0].name");
	/* The partial unique index is the last guard. */
	assert_true(run_int(c->db,
			    "INSERT INTO member (household_id, person_id, relationship, joined_at)"
			    " SELECT 1, person_id, 'other', 'x' FROM member WHERE id = ?",
			    1) < 0);
	/* After leaving, the person may join another household. */
	ok(c->db, db_begin(c->db));
	ok(c->db, member_leave(c->db, id1, 2, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, create(c, c->b, "李芳", id_spouse, NULL, NULL, &id2, &e));
	/* And adding someone active elsewhere fails the same way. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(member_add(c->db, id1, &add, &who, &mid, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "member_active_elsewhere");
	assert_string_equal(e.field, "id_number");
	db_rollback(c->db);
}

static void
test_members(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *h = NULL, *head = NULL;
	int64_t id = 0, child = 0, spouse_mid, head_mid;
	struct member_in add = { { "王小明", id_child, "13900000001" }, "child" };
	struct member_in as_head = { { "王二", id_other, NULL }, "head" };

	ok(c->db, create(c, c->a, "王伟", id_head, NULL, id_spouse, &id, &e));
	ok(c->db, household_get(c->db, &bureau, id, &h, &e));
	head_mid = json_integer_value(json_object_get(h, "head_member_id"));
	spouse_mid = json_integer_value(
		json_object_get(json_array_get(json_object_get(h, "members"), 1), "id"));
	json_decref(h);
	ok(c->db, db_begin(c->db));
	ok(c->db, member_add(c->db, id, &add, &who, &child, &e));
	assert_int_equal(member_add(c->db, id, &add, &who, &child, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "member_exists");
	assert_int_equal(member_add(c->db, id, &as_head, &who, &child, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "relationship");
	/* The head cannot leave while others remain. */
	assert_int_equal(member_leave(c->db, id, head_mid, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "head_cannot_leave");
	/* A new head; the former one becomes the spouse. */
	ok(c->db, household_set_head(c->db, id, spouse_mid, "spouse", &who, &e));
	assert_int_equal(household_set_head(c->db, id, spouse_mid, NULL, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "already_head");
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		query_int(c->db, "SELECT COUNT(*) FROM member WHERE relationship = 'head'"), 1);
	ok(c->db, household_find_by_head(c->db, id_spouse, &child, &e));
	assert_int_equal(child, id);
	/* Everyone leaves; the last, the head, closes the household. */
	ok(c->db, db_begin(c->db));
	ok(c->db, member_leave(c->db, id, head_mid, &who, &e));
	assert_int_equal(member_leave(c->db, id, head_mid, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "member_left");
	ok(c->db, member_leave(c->db, id, 3, &who, &e));
	ok(c->db, member_leave(c->db, id, spouse_mid, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, household_get(c->db, &bureau, id, &head, &e));
	assert_string_equal(json_string_value(json_object_get(head, "state")), "closed");
	assert_int_equal(json_integer_value(json_object_get(head, "member_count")), 0);
	json_decref(head);
	ok(c->db, db_begin(c->db));
	assert_int_equal(member_add(c->db, id, &add, &who, &child, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "household_closed");
	db_rollback(c->db);
	assert_int_equal(count_audit(c->db, "member.add"), 1);
	assert_int_equal(count_audit(c->db, "member.leave"), 3);
	/* The head change and the closing. */
	assert_int_equal(count_audit(c->db, "household.update"), 2);
	h = newest_after(c->db, "member.add");
	assert_int_equal(json_integer_value(json_object_get(h, "member_id")), 3);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "王小明");
	json_decref(h);
	h = newest_after(c->db, "person.create");
	assert_string_equal(json_string_value(json_object_get(h, "phone")), "139****0001");
	json_decref(h);
	assert_images_canonical(c->db, 9);
}

static void
test_update_and_categories(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *h = NULL, *list = NULL;
	int64_t id = 0, id2 = 0;
	struct household_patch p = { .category = "new_employee",
				     .employer = "新单位",
				     .monthly_income_fen = 300000,
				     .assets_fen = -1 };
	struct household_patch same = { .employer = "新单位",
					.monthly_income_fen = -1,
					.assets_fen = -1 };
	struct household_category_in cat = { "veteran", "优抚对象", 5, -1 };
	struct household_category_in off = { "veteran", NULL, -1, 0 };

	ok(c->db, create(c, c->a, "王伟", id_head, NULL, NULL, &id, &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, household_update(c->db, id, &p, &who, &e));
	ok(c->db, household_update(c->db, id, &same, &who, &e)); /* nothing changes */
	p.category = "nobody";
	assert_int_equal(household_update(c->db, id, &p, &who, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "category_not_found");
	ok(c->db, household_category_create(c->db, &cat, &who, &e));
	assert_int_equal(household_category_create(c->db, &cat, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "category_exists");
	cat.code = "veteran2";
	assert_int_equal(household_category_create(c->db, &cat, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "category_name_taken");
	cat.code = "Bad Code";
	assert_int_equal(household_category_create(c->db, &cat, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "code");
	ok(c->db, household_category_update(c->db, &off, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, household_get(c->db, &bureau, id, &h, &e));
	assert_string_equal(json_string_value(json_object_get(h, "category")), "new_employee");
	assert_string_equal(json_string_value(json_object_get(h, "employer")), "新单位");
	assert_int_equal(json_integer_value(json_object_get(h, "monthly_income_fen")), 300000);
	json_decref(h);
	assert_int_equal(count_audit(c->db, "household.update"), 1);
	assert_int_equal(count_audit(c->db, "household_category.create"), 1);
	assert_int_equal(count_audit(c->db, "household_category.update"), 1);
	/* The list, by priority: the new one first, inactive. */
	ok(c->db, household_category_list(c->db, &list, &e));
	assert_int_equal(json_array_size(list), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "code")),
			    "veteran");
	assert_false(json_is_true(json_object_get(json_array_get(list, 0), "active")));
	json_decref(list);
	/* An inactive category takes no new households. */
	{
		struct member_in m = { { "李芳", id_spouse, NULL }, "head" };
		struct household_in in = {
			.community_id = c->b, .category = "veteran", .members = &m, .nmembers = 1
		};

		ok(c->db, db_begin(c->db));
		assert_int_equal(household_create(c->db, &in, &who, &id2, &e), ANJU_ECONFLICT);
		assert_string_equal(e.key, "category_inactive");
		in.community_id = 9999;
		in.category = "low_income";
		db_rollback(c->db);
		ok(c->db, db_begin(c->db));
		assert_int_equal(household_create(c->db, &in, &who, &id2, &e), ANJU_ENOTFOUND);
		assert_string_equal(e.key, "community_not_found");
		db_rollback(c->db);
	}
}

static void
test_scope_and_tenant(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *h = NULL, *items = NULL, *p = NULL;
	int64_t ha = 0, hb = 0, next = 0, cid = 0, head_a, spouse_a, other_b, loner = 0;
	struct household_filter all = { .limit = 50 };
	struct caller tenant = { CALLER_ACCOUNT, 9, ROLE_TENANT, "t", "account:9", false };

	ok(c->db, create(c, c->a, "王伟", id_head, NULL, id_spouse, &ha, &e));
	ok(c->db, create(c, c->b, "张三", id_other, NULL, NULL, &hb, &e));
	ok(c->db, person_find(c->db, id_head, &head_a, &e));
	ok(c->db, person_find(c->db, id_spouse, &spouse_a, &e));
	ok(c->db, person_find(c->db, id_other, &other_b, &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, person_create(c->db, "孤独", id_fifth, NULL, &who, &loner, &e));
	ok(c->db, db_commit(c->db));
	/* Staff see community a only; outside, a household does not exist. */
	ok(c->db, household_community(c->db, &staff, ha, &cid, &e));
	assert_int_equal(cid, c->a);
	assert_int_equal(household_community(c->db, &staff, hb, &cid, &e), ANJU_ENOTFOUND);
	assert_int_equal(household_get(c->db, &staff, hb, &h, &e), ANJU_ENOTFOUND);
	assert_int_equal(household_get(c->db, &finance, ha, &h, &e), ANJU_ENOTFOUND);
	ok(c->db, household_list(c->db, &staff, &all, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "head_name")), "王伟");
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(items, 0), "member_count")), 2);
	json_decref(items);
	ok(c->db, household_list(c->db, &bureau, &all, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	all.community_id = c->b;
	ok(c->db, household_list(c->db, &bureau, &all, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	all.community_id = 0;
	all.limit = 1;
	ok(c->db, household_list(c->db, &bureau, &all, &items, &next, &e));
	assert_int_equal(next, ha);
	json_decref(items);
	/* People: through their household; without one, only with every
	 * community in scope. */
	ok(c->db, household_person_visible(c->db, &staff, spouse_a, &e));
	assert_int_equal(household_person_visible(c->db, &staff, other_b, &e), ANJU_ENOTFOUND);
	assert_int_equal(household_person_visible(c->db, &staff, loner, &e), ANJU_ENOTFOUND);
	ok(c->db, household_person_visible(c->db, &bureau, loner, &e));
	/* A tenant: its own household and its members, nothing else. */
	tenant.person_id = spouse_a;
	ok(c->db, household_get(c->db, &tenant, ha, &h, &e));
	json_decref(h);
	assert_int_equal(household_get(c->db, &tenant, hb, &h, &e), ANJU_ENOTFOUND);
	ok(c->db, household_mine(c->db, &tenant, &h, &e));
	assert_int_equal(json_integer_value(json_object_get(h, "id")), ha);
	json_decref(h);
	ok(c->db, household_person_get(c->db, &tenant, head_a, &p, &e));
	json_decref(p);
	assert_int_equal(household_person_get(c->db, &tenant, other_b, &p, &e), ANJU_ENOTFOUND);
	ok(c->db, household_list(c->db, &tenant, &all, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), ha);
	json_decref(items);
	/* A tenant without a household sees itself only. */
	tenant.person_id = loner;
	assert_int_equal(household_mine(c->db, &tenant, &h, &e), ANJU_ENOTFOUND);
	ok(c->db, household_person_visible(c->db, &tenant, loner, &e));
	assert_int_equal(household_person_visible(c->db, &tenant, head_a, &e), ANJU_ENOTFOUND);
	assert_int_equal(household_mine(c->db, &bureau, &h, &e), ANJU_ENOTFOUND);
}

static void
test_reveal(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor staff_who = { "account:2", "s", "operator_staff", "::1", NULL };
	char *v = NULL;
	size_t n = 0;
	int64_t ha = 0, hb = 0, head, other;

	ok(NULL, config_set("reveal_per_hour", "2", "test", &e));
	ok(c->db, create(c, c->a, "王伟", id_head, "13800138000", NULL, &ha, &e));
	ok(c->db, create(c, c->b, "张三", id_other, NULL, NULL, &hb, &e));
	ok(c->db, person_find(c->db, id_head, &head, &e));
	ok(c->db, person_find(c->db, id_other, &other, &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, household_person_reveal(c->db, &staff, &staff_who, head, "id_number",
					  "核对身份证件", &v, &n, &e));
	assert_string_equal(v, id_head);
	pii_plain_free(v, n);
	ok(c->db, household_person_reveal(c->db, &staff, &staff_who, head, "phone", "电话回访住户",
					  &v, &n, &e));
	assert_string_equal(v, "13800138000");
	pii_plain_free(v, n);
	ok(c->db, db_commit(c->db));
	/* The third in the hour is refused (and, rolled back, does not count). */
	ok(c->db, db_begin(c->db));
	assert_int_equal(household_person_reveal(c->db, &staff, &staff_who, head, "phone",
						 "电话回访住户", &v, &n, &e),
			 ANJU_ELIMIT);
	assert_string_equal(e.key, "rate_limited");
	assert_null(v);
	db_rollback(c->db);
	/* Another principal has its own count. */
	ok(c->db, db_begin(c->db));
	ok(c->db, household_person_reveal(c->db, &bureau, &who, other, "id_number", "复核申请材料",
					  &v, &n, &e));
	pii_plain_free(v, n);
	ok(c->db, db_commit(c->db));
	/* Outside the scope: not found; a role that may not: forbidden; a
	 * person without a phone; a short reason. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(household_person_reveal(c->db, &staff, &staff_who, other, "id_number",
						 "核对身份证件", &v, &n, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(household_person_reveal(c->db, &finance, &who, head, "id_number",
						 "核对身份证件", &v, &n, &e),
			 ANJU_EFORBIDDEN);
	assert_int_equal(household_person_reveal(c->db, &bureau, &who, other, "phone",
						 "核对联系电话", &v, &n, &e),
			 ANJU_ENOTFOUND);
	assert_string_equal(e.key, "phone_not_recorded");
	assert_int_equal(household_person_reveal(c->db, &bureau, &who, other, "id_number", "看看",
						 &v, &n, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	db_rollback(c->db);
	/* Each reveal is audited with its field and reason, never the value. */
	assert_int_equal(count_audit(c->db, "person.reveal"), 3);
	assert_int_equal(count_text(c->db,
				    "SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal'"
				    " AND (after_json LIKE ? OR before_json IS NOT NULL)",
				    "%13800138000%"),
			 0);
	{
		char pattern[24];

		snprintf(pattern, sizeof(pattern), "%%%s%%", id_head);
		assert_int_equal(
			count_text(c->db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE ?",
				   pattern),
			0);
	}
	assert_int_equal(
		query_int(
			c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal'"
			" AND actor = 'account:2' AND object_type = 'person'"
			" AND after_json LIKE '%核对身份证件%' AND after_json LIKE '%id_number%'"),
		1);
	assert_int_equal(
		query_int(c->db, "SELECT n FROM reveal_count WHERE principal = 'account:2'"), 2);
	config_reset();
}

static void
test_person_update(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *p = NULL;
	int64_t id = 0, pid;

	ok(c->db, create(c, c->a, "王伟", id_head, "13800138000", NULL, &id, &e));
	ok(c->db, person_find(c->db, id_head, &pid, &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, person_update(c->db, pid, "王伟伟", "13911112222", &who, &e));
	ok(c->db, person_update(c->db, pid, "王伟伟", "139 1111 2222", &who, &e)); /* the same */
	assert_int_equal(person_update(c->db, pid, NULL, "abc", &who, &e), ANJU_EINVAL);
	ok(c->db, db_commit(c->db));
	assert_int_equal(count_audit(c->db, "person.update"), 1);
	ok(c->db, household_person_get(c->db, &bureau, pid, &p, &e));
	assert_string_equal(json_string_value(json_object_get(p, "name")), "王伟伟");
	assert_string_equal(json_string_value(json_object_get(p, "phone")), "139****2222");
	json_decref(p);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE name_key = '王伟伟'"),
			 1);
	/* Removing the phone. */
	ok(c->db, db_begin(c->db));
	ok(c->db, person_update(c->db, pid, NULL, "", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE phone_sealed IS NULL"
					  " AND phone_index IS NULL"),
			 1);
	/* A new member with a known ID number and a new phone updates it. */
	{
		struct member_in m = { { "王伟伟", id_head, "13700000000" }, "head" };
		struct household_in in = {
			.community_id = c->b, .category = "low_income", .members = &m, .nmembers = 1
		};
		int64_t id2;

		ok(c->db, db_begin(c->db));
		ok(c->db, member_leave(c->db, id, 1, &who, &e));
		ok(c->db, household_create(c->db, &in, &who, &id2, &e));
		ok(c->db, db_commit(c->db));
		assert_int_equal(count_audit(c->db, "person.update"), 3);
		assert_int_equal(count_audit(c->db, "person.create"), 1);
	}
}

static int
count_row(void *ud, json_t *row)
{
	(*(int *)ud)++;
	assert_non_null(json_object_get(row, "members"));
	return 0;
}

static void
test_each_and_dossier(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *d = NULL, *tl;
	int64_t ha = 0, hb = 0, mid = 0;
	int n = 0;
	size_t i;
	json_t *ev;
	bool person_event = false, member_event = false;
	struct member_in add = { { "王小明", id_child, NULL }, "child" };

	ok(c->db, create(c, c->a, "王伟", id_head, NULL, id_spouse, &ha, &e));
	ok(c->db, create(c, c->b, "张三", id_other, NULL, NULL, &hb, &e));
	ok(c->db, household_each(c->db, &bureau, 0, count_row, &n, &e));
	assert_int_equal(n, 2);
	n = 0;
	ok(c->db, household_each(c->db, &staff, 0, count_row, &n, &e));
	assert_int_equal(n, 1);
	ok(c->db, db_begin(c->db));
	ok(c->db, member_add(c->db, ha, &add, &who, &mid, &e));
	ok(c->db, member_leave(c->db, ha, mid, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(household_dossier(c->db, &staff, hb, 100, &d, &e), ANJU_ENOTFOUND);
	ok(c->db, household_dossier(c->db, &staff, ha, 100, &d, &e));
	/* Former members in the dossier, active ones in the household. */
	assert_int_equal(json_array_size(json_object_get(d, "members")), 3);
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(d, "household"), "members")), 2);
	assert_int_equal(json_array_size(json_object_get(d, "attachments")), 0);
	tl = json_object_get(d, "timeline");
	json_array_foreach (tl, i, ev) {
		const char *a = json_string_value(json_object_get(ev, "action"));

		person_event |= strcmp(a, "person.create") == 0;
		member_event |= strcmp(a, "member.leave") == 0;
	}
	assert_true(person_event);
	assert_true(member_event);
	/* Newest first: the leaving was last. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 0), "action")),
			    "member.leave");
	json_decref(d);
	ok(c->db, household_dossier(c->db, &staff, ha, 2, &d, &e));
	assert_int_equal(json_array_size(json_object_get(d, "timeline")), 2);
	json_decref(d);
}

/* The search's reply, which it writes as text: it must parse. */
static json_t *
search(struct db *db, const struct caller *c, const char *q)
{
	struct anju_err e;
	struct buf out;
	json_error_t err;
	json_t *r;

	buf_init(&out, 0);
	ok(db, search_run(db, c, q, &out, &e));
	r = json_loadb(out.p, out.n, 0, &err);
	if (r == NULL)
		fail_msg("search %s: %s in %s", q, err.text, out.p);
	buf_free(&out);
	return r;
}

static size_t
found(json_t *r, const char *kind)
{
	return json_array_size(json_object_get(r, kind));
}

/* A member of the i-th household of a search's reply. */
static json_t *
household_of(json_t *r, size_t i, const char *key)
{
	return json_object_get(json_array_get(json_object_get(r, "households"), i), key);
}

/* The ID number of the first member of a Household JSON. */
static const char *
first_member_id_number(json_t *h)
{
	json_t *m = json_array_get(json_object_get(h, "members"), 0);

	return json_string_value(json_object_get(json_object_get(m, "person"), "id_number"));
}

/* The masks stored beside the sealed values (sql/031) are what lists, a
 * household and a search show, taken as they are; a row without them (one
 * written before) shows the same masks opened from its sealed values; a
 * phone's change or removal keeps its mask in step. */
static void
test_stored_masks(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char masked[PERSON_MASK_MAX];
	json_t *p = NULL, *h = NULL, *r;
	int64_t id = 0, pid;

	idnum_mask(id_head, masked, sizeof(masked));
	ok(c->db, create(c, c->a, "王伟", id_head, "13800138000", id_spouse, &id, &e));
	ok(c->db, person_find(c->db, id_head, &pid, &e));
	assert_int_equal(count_text(c->db,
				    "SELECT COUNT(*) FROM person WHERE id_number_masked = ?"
				    " AND phone_masked = '138****8000'",
				    masked),
			 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE phone_masked IS NULL"
					  " AND phone_sealed IS NULL AND id_number_masked LIKE"
					  " '990***********%'"),
			 1);

	/* Taken as stored: a mask that no sealed value gives shows. */
	exec_ok(c->db, "UPDATE person SET id_number_masked = '111***********1111'");
	ok(c->db, household_person_get(c->db, &bureau, pid, &p, &e));
	assert_string_equal(json_string_value(json_object_get(p, "id_number")),
			    "111***********1111");
	json_decref(p);
	ok(c->db, household_get(c->db, &bureau, id, &h, &e));
	assert_string_equal(first_member_id_number(h), "111***********1111");
	json_decref(h);
	r = search(c->db, &bureau, "13800138000");
	assert_string_equal(json_string_value(household_of(r, 0, "head_id_number")),
			    "111***********1111");
	json_decref(r);

	/* Without stored masks, the same as they were: opened and masked. */
	exec_ok(c->db, "UPDATE person SET id_number_masked = NULL, phone_masked = NULL");
	ok(c->db, household_person_get(c->db, &bureau, pid, &p, &e));
	assert_string_equal(json_string_value(json_object_get(p, "id_number")), masked);
	assert_string_equal(json_string_value(json_object_get(p, "phone")), "138****8000");
	json_decref(p);
	ok(c->db, household_get(c->db, &bureau, id, &h, &e));
	assert_string_equal(first_member_id_number(h), masked);
	json_decref(h);
	r = search(c->db, &bureau, "王");
	assert_string_equal(json_string_value(household_of(r, 0, "head_id_number")), masked);
	assert_string_equal(json_string_value(household_of(r, 0, "head_phone")), "138****8000");
	json_decref(r);

	/* A phone's change stores its mask; its removal removes it. */
	ok(c->db, db_begin(c->db));
	ok(c->db, person_update(c->db, pid, NULL, "13911112222", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(count_text(c->db, "SELECT COUNT(*) FROM person WHERE phone_masked = ?",
				    "139****2222"),
			 1);
	ok(c->db, db_begin(c->db));
	ok(c->db, person_update(c->db, pid, NULL, "", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db,
				   "SELECT COUNT(*) FROM person WHERE phone_masked IS NOT NULL"
				   " OR phone_sealed IS NOT NULL"),
			 0);
}

static void
test_search(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char norm[SEARCH_Q_MAX + 1];
	json_t *r;
	int64_t ha = 0, hb = 0, loner = 0;

	assert_int_equal(search_classify(id_head, norm), SEARCH_ID_NUMBER);
	assert_int_equal(search_classify(" 138-0013-8000 ", norm), SEARCH_PHONE);
	assert_string_equal(norm, "13800138000");
	assert_int_equal(search_classify("3-2-1502", norm), SEARCH_UNIT);
	assert_int_equal(search_classify("王", norm), SEARCH_NAME);
	assert_int_equal(search_classify("Wang", norm), SEARCH_NAME);
	ok(c->db, create(c, c->a, "王伟", id_head, "13800138000", id_spouse, &ha, &e));
	ok(c->db, create(c, c->b, "王小二", id_other, "13800138000", NULL, &hb, &e));
	ok(c->db, db_begin(c->db));
	ok(c->db, person_create(c->db, "王五", id_fifth, NULL, &who, &loner, &e));
	ok(c->db, db_commit(c->db));
	/* A name prefix: every 王 for the bureau, those in scope for staff. */
	r = search(c->db, &bureau, "王");
	assert_int_equal(found(r, "persons"), 3);
	assert_int_equal(found(r, "households"), 2);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "name");
	/* In name order (UTF-8 bytes: 五 < 伟 < 小), each with its household
	 * (王五 has none); a head among them is masked as found. */
	{
		json_t *p = json_object_get(r, "persons"), *h = json_object_get(r, "households");

		assert_string_equal(
			json_string_value(json_object_get(json_array_get(p, 0), "name")), "王五");
		assert_true(json_is_null(json_object_get(json_array_get(p, 0), "household_id")));
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(p, 1), "household_id")),
			ha);
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(p, 2), "household_id")),
			hb);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "id")),
				 ha);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 1), "id")),
				 hb);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(h, 0), "head_id_number")),
			json_string_value(json_object_get(json_array_get(p, 1), "id_number")));
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(h, 0), "head_phone")),
			"138****8000");
		assert_true(json_is_array(json_object_get(r, "units")));
	}
	json_decref(r);
	r = search(c->db, &staff, "王");
	assert_int_equal(found(r, "persons"), 1);
	assert_int_equal(found(r, "households"), 1);
	assert_string_equal(json_string_value(household_of(r, 0, "head_name")), "王伟");
	json_decref(r);
	r = search(c->db, &bureau, "王小");
	assert_int_equal(found(r, "persons"), 1);
	json_decref(r);
	r = search(c->db, &bureau, "李");
	assert_int_equal(found(r, "persons"), 1);
	json_decref(r);
	r = search(c->db, &bureau, "赵");
	assert_int_equal(found(r, "persons"), 0);
	json_decref(r);
	/* A phone: both people with it for the bureau, one for staff. */
	r = search(c->db, &bureau, "138 0013 8000");
	assert_int_equal(found(r, "persons"), 2);
	assert_int_equal(found(r, "households"), 2);
	json_decref(r);
	r = search(c->db, &staff, "13800138000");
	assert_int_equal(found(r, "persons"), 1);
	json_decref(r);
	/* An ID number: exact, in scope.  The spouse's household's head, not
	 * among the people found, is masked from its own sealed values. */
	r = search(c->db, &staff, id_spouse);
	assert_int_equal(found(r, "persons"), 1);
	assert_int_equal(found(r, "households"), 1);
	assert_string_equal(json_string_value(household_of(r, 0, "head_name")), "王伟");
	assert_string_equal(json_string_value(household_of(r, 0, "head_phone")), "138****8000");
	json_decref(r);
	r = search(c->db, &staff, id_other);
	assert_int_equal(found(r, "persons"), 0);
	json_decref(r);
	r = search(c->db, &finance, id_head);
	assert_int_equal(found(r, "persons"), 0);
	json_decref(r);
	/* A unit number: no people, no households. */
	r = search(c->db, &bureau, "3-2-1502");
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "unit_number");
	assert_int_equal(found(r, "persons"), 0);
	assert_int_equal(found(r, "households"), 0);
	json_decref(r);
	/* Nothing but spaces is no query. */
	{
		struct buf out;

		buf_init(&out, 0);
		assert_int_equal(search_run(c->db, &bureau, "   ", &out, &e), ANJU_EINVAL);
		assert_string_equal(e.field, "q");
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test_setup_teardown(test_create_and_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_household_per_person, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_and_categories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_and_tenant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reveal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_person_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_masks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_and_dossier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	};

	ids_init();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
