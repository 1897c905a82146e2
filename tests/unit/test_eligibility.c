/*
 * Unit tests of the tenancy policy and eligibility rules on a real database
 * (both engines): the seeded versions, the version in force on a date, a
 * new version only by the bureau and never in the past, every key of a
 * body validated; each eligibility rule passing and failing at its limit,
 * with its words; the art. 36 ban's window and idempotence; the household's
 * new facts.
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
#include "core/date.h"
#include "core/idnum.h"
#include "household/household.h"
#include "store/migrate.h"
#include "tenancy/eligibility.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community;
};

static const struct audit_actor who = { "account:1", "tester", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
static struct caller manager = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_MANAGER, "m", "account:2", false
};

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("eligibility", false);
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
	struct db_stmt *st;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO community (name, created_at, updated_at) VALUES"
			     " ('南苑公租房', '2026-01-01T00:00:00.000000Z',"
			     " '2026-01-01T00:00:00.000000Z') RETURNING id",
			     &st));
	assert_int_equal(db_step(st), DB_ROW);
	c->community = db_col_int64(st, 0);
	db_reset(st);
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

/* A valid ID number from 17 digits. */
static const char *
idn(char out[19], const char *digits17)
{
	memcpy(out, digits17, 17);
	out[17] = idnum_check_char(digits17);
	out[18] = '\0';
	return out;
}

/* A household of category with members people (1..3): head, spouse, child. */
static int64_t
household(struct ctx *c, const char *category, int people, int64_t income, int64_t assets,
	  int64_t area, bool hukou, int64_t months, const char *seed)
{
	char ids[3][19], d17[24];
	static const char *const names[] = { "王伟", "李芳", "王小明" };
	static const char *const rel[] = { "head", "spouse", "child" };
	struct member_in m[3];
	struct household_in in = {
		.community_id = c->community,
		.category = category,
		.monthly_income_fen = income,
		.assets_fen = assets,
		.members = m,
		.nmembers = people,
		.housing_area_centi = area,
		.local_hukou = hukou,
		.insurance_months = months,
	};
	struct anju_err e;
	int64_t id = 0;

	for (int i = 0; i < people; i++) {
		/* seed: 3 digits that keep each household's people apart. */
		snprintf(d17, sizeof(d17), "99%.3s1198%c0101%03d", seed, '5' + i, (i + 1) % 1000);
		m[i] = (struct member_in){ { names[i], idn(ids[i], d17), NULL }, rel[i] };
	}
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

/* The explanation's entry for rule, or NULL. */
static json_t *
rule_of(json_t *explain, const char *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach (json_object_get(explain, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "rule")), rule) == 0)
			return r;
	return NULL;
}

static bool
passed(json_t *explain, const char *rule)
{
	json_t *r = rule_of(explain, rule);

	assert_non_null(r);
	return json_is_true(json_object_get(r, "passed"));
}

static const char *
text_of(json_t *explain, const char *rule)
{
	json_t *r = rule_of(explain, rule);

	assert_non_null(r);
	return json_string_value(json_object_get(r, "text"));
}

static json_t *
evaluate(struct ctx *c, int64_t hh, const char *on, bool *eligible)
{
	struct anju_err e;
	int64_t version = -1;
	json_t *x = NULL;

	ok(c->db, eligibility_evaluate(c->db, hh, on, eligible, &version, &x, &e));
	assert_true(version > 0);
	assert_int_equal(json_integer_value(json_object_get(x, "rule_version")), version);
	return x;
}

/* Inserts a rule version directly (the past cannot be added through the
 * API, but tests need a history). */
static int64_t
put_rule(struct ctx *c, const char *kind, const char *category, const char *from, const char *body)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db, db_prepare(c->db,
			     "INSERT INTO tenancy_rule (kind, category, effective_from, body, note,"
			     " created_by, created_at) VALUES (?, ?, ?, ?, '', 'test',"
			     " '2026-01-01T00:00:00.000000Z') RETURNING id",
			     &st));
	db_bind_cstr(st, 1, kind);
	db_bind_cstr(st, 2, category);
	db_bind_cstr(st, 3, from);
	db_bind_cstr(st, 4, body);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static void
test_policy_versions(void **state)
{
	struct ctx *c = *state;
	struct tenancy_policy p, q;
	struct anju_err e;
	json_t *groups = NULL;
	int64_t v2;

	ok(c->db, tenancy_policy_get(c->db, "2020-01-01", &p, &e));
	assert_true(p.version > 0);
	assert_int_equal(p.publicity_days, 7);
	assert_int_equal(p.max_wait_months, 60);
	assert_int_equal(p.wait_warning_months, 6);
	assert_int_equal(p.refusal_limit, 2);
	assert_int_equal(p.choice_window_hours, 48);
	assert_int_equal(p.offer_response_days, 7);
	assert_int_equal(p.lease_max_months, 60);
	assert_int_equal(p.filing_days, 30);
	assert_int_equal(p.renewal_window_months, 3);
	assert_int_equal(p.vacate_days, 90);
	assert_int_equal(p.market_rent_fen_m2, 2000);
	assert_int_equal(p.ban_years, 5);
	/* Before the first version there is none. */
	assert_int_equal(tenancy_policy_get(c->db, "1999-12-31", &q, &e), ANJU_ENOTFOUND);
	/* A later version: in force from its date, the older one before it;
	 * a key it leaves out takes the default. */
	v2 = put_rule(c, "policy", "", "2026-03-01", "{\"publicity_days\":10,\"ban_years\":3}");
	ok(c->db, tenancy_policy_get(c->db, "2026-02-28", &q, &e));
	assert_int_equal(q.version, p.version);
	assert_int_equal(q.publicity_days, 7);
	ok(c->db, tenancy_policy_get(c->db, "2026-03-01", &q, &e));
	assert_int_equal(q.version, v2);
	assert_int_equal(q.publicity_days, 10);
	assert_int_equal(q.ban_years, 3);
	assert_int_equal(q.lease_max_months, 60);
	assert_int_equal(tenancy_policy_get(c->db, "2026-3-1", &q, &e), ANJU_EINVAL);
	/* The special groups of the seeded policy. */
	ok(c->db, tenancy_special_groups(c->db, "2020-01-01", &groups, &e));
	assert_true(json_array_size(groups) >= 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(groups, 0), "code")),
			    "veteran");
	json_decref(groups);
	ok(c->db, tenancy_special_groups_check(c->db, "veteran,disabled", "g", &e));
	assert_int_equal(tenancy_special_groups_check(c->db, "veteran,martian", "g", &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "special_group_unknown");
}

static void
test_rule_add(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char today[DATE_FMT_LEN], past[DATE_FMT_LEN], future[DATE_FMT_LEN];
	json_t *body = json_pack("{s:I, s:b}", "income_per_person_max_fen", (json_int_t)180000,
				 "local_hukou_required", 1);
	struct tenancy_rule_in in = { "eligibility", "low_income", NULL, body, "上调收入线" };
	json_t *cur = NULL, *items = NULL;
	int64_t id = 0, next = 0;

	date_format(date_today_shanghai(), today);
	date_format(date_add_days(date_today_shanghai(), -1), past);
	date_format(date_add_days(date_today_shanghai(), 30), future);
	in.effective_from = future;
	/* Only the bureau decides. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(tenancy_rule_add(c->db, &manager, &who, &in, &id, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	/* Never the past. */
	in.effective_from = past;
	assert_int_equal(tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "effective_in_past");
	/* Unknown category. */
	in.effective_from = future;
	in.category = "nobody";
	assert_int_equal(tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e), ANJU_ENOTFOUND);
	in.category = "low_income";
	ok(c->db, tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e));
	/* The same date twice. */
	assert_int_equal(tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "rule_exists");
	db_rollback(c->db);
	ok(c->db, db_begin(c->db));
	ok(c->db, tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e));
	/* Today is allowed. */
	in.effective_from = today;
	in.category = "new_employee";
	ok(c->db, tenancy_rule_add(c->db, &bureau, &who, &in, &id, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE action ="
					  " 'tenancy_rule.add'"),
			 2);
	/* In force: today's for new_employee; the seeded one for low_income
	 * until the future version starts. */
	ok(c->db, tenancy_rule_get(c->db, "eligibility", "new_employee", NULL, &cur, &e));
	assert_int_equal(json_integer_value(json_object_get(cur, "id")), id);
	json_decref(cur);
	ok(c->db, tenancy_rule_get(c->db, "eligibility", "low_income", NULL, &cur, &e));
	assert_string_equal(json_string_value(json_object_get(cur, "effective_from")),
			    "2000-01-01");
	json_decref(cur);
	ok(c->db, tenancy_rule_get(c->db, "eligibility", "low_income", future, &cur, &e));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cur, "body"),
							    "income_per_person_max_fen")),
			 180000);
	json_decref(cur);
	ok(c->db, tenancy_rule_list(c->db, "eligibility", "low_income", 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	assert_true(json_is_true(json_object_get(json_array_get(items, 0), "upcoming")));
	assert_true(json_is_true(json_object_get(json_array_get(items, 1), "in_force")));
	json_decref(items);
	json_decref(body);
}

static void
test_rule_validate(void **state)
{
	struct anju_err e;
	json_t *b;

	(void)state;
	b = json_pack("{s:I}", "income_per_person_max_fen", (json_int_t)-1);
	assert_int_equal(tenancy_rule_validate("eligibility", b, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "body.income_per_person_max_fen");
	json_decref(b);
	b = json_pack("{s:s}", "local_hukou_required", "yes");
	assert_int_equal(tenancy_rule_validate("eligibility", b, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "body.local_hukou_required");
	json_decref(b);
	b = json_pack("{s:i}", "colour", 1);
	assert_int_equal(tenancy_rule_validate("eligibility", b, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "unknown_field");
	json_decref(b);
	/* A policy key is not an eligibility key, nor the reverse. */
	b = json_pack("{s:i}", "publicity_days", 7);
	assert_int_equal(tenancy_rule_validate("eligibility", b, &e), ANJU_EINVAL);
	ok(NULL, tenancy_rule_validate("policy", b, &e));
	json_decref(b);
	b = json_pack("{s:i}", "publicity_days", 0);
	assert_int_equal(tenancy_rule_validate("policy", b, &e), ANJU_EINVAL);
	json_decref(b);
	b = json_pack("{s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}]}", "special_groups", "code", "vet",
		      "name", "优抚", "priority", 1, "code", "vet", "name", "again", "priority", 2);
	assert_int_equal(tenancy_rule_validate("policy", b, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "body.special_groups");
	json_decref(b);
	b = json_pack("{s:[{s:s, s:s, s:i}]}", "special_groups", "code", "Vet", "name", "优抚",
		      "priority", 1);
	assert_int_equal(tenancy_rule_validate("policy", b, &e), ANJU_EINVAL);
	json_decref(b);
	b = json_object();
	assert_int_equal(tenancy_rule_validate("lease", b, &e), ANJU_EINVAL);
	json_decref(b);
}

static void
test_low_income_limits(void **state)
{
	struct ctx *c = *state;
	bool el;
	json_t *x;
	/* Two people: 1,500.00 yuan each is 3,000.00 yuan; 15 m² each is 30 m². */
	int64_t ok_hh = household(c, "low_income", 2, 300000, 20000000, 2999, true, 0, "101");
	int64_t over = household(c, "low_income", 2, 300001, 20000001, 3000, false, 0, "102");

	x = evaluate(c, ok_hh, "2026-01-01", &el);
	assert_true(el);
	assert_true(passed(x, "income_per_person"));
	assert_string_equal(text_of(x, "income_per_person"),
			    "家庭月收入 3,000.00 元，2 人，人均 1,500.00 元，不高于 1,500.00 "
			    "元的标准：符合");
	assert_true(passed(x, "assets"));
	assert_true(passed(x, "area_per_person"));
	assert_true(passed(x, "local_hukou"));
	assert_true(passed(x, "ban"));
	/* The rules a category does not set are not listed. */
	assert_null(rule_of(x, "insurance_months"));
	assert_null(rule_of(x, "no_own_housing"));
	assert_int_equal(json_integer_value(json_object_get(x, "members")), 2);
	json_decref(x);

	x = evaluate(c, over, "2026-01-01", &el);
	assert_false(el);
	assert_false(passed(x, "income_per_person"));
	assert_string_equal(text_of(x, "income_per_person"),
			    "家庭月收入 3,000.01 元，2 人，人均 1,500.01 元，高于 1,500.00 "
			    "元的标准：不符合");
	assert_false(passed(x, "assets"));
	assert_string_equal(text_of(x, "assets"),
			    "家庭资产 200,000.01 元，高于 200,000.00 元的标准：不符合");
	assert_false(passed(x, "area_per_person"));
	assert_string_equal(text_of(x, "area_per_person"),
			    "自有住房 30.00 平方米，2 人，人均 15.00 平方米，不低于 15.00 "
			    "平方米的标准：不符合");
	assert_false(passed(x, "local_hukou"));
	assert_string_equal(text_of(x, "local_hukou"), "非本地户籍，本类别要求本地户籍：不符合");
	json_decref(x);
}

static void
test_other_categories(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	bool el;
	json_t *x;
	int64_t owner = household(c, "new_employee", 1, 400000, 0, 1, false, 0, "201");
	int64_t none = household(c, "new_employee", 1, 400000, 0, 0, false, 0, "202");
	int64_t short_ins = household(c, "migrant_worker", 1, 300000, 0, 0, false, 11, "203");
	int64_t enough = household(c, "migrant_worker", 1, 300000, 0, 0, false, 12, "204");
	int64_t v;

	x = evaluate(c, owner, NULL, &el);
	assert_false(el);
	assert_false(passed(x, "no_own_housing"));
	assert_string_equal(text_of(x, "no_own_housing"),
			    "有自有住房 0.01 平方米，本类别要求无自有住房：不符合");
	json_decref(x);
	x = evaluate(c, none, NULL, &el);
	assert_true(el);
	assert_true(passed(x, "insurance_months"));
	json_decref(x);
	x = evaluate(c, short_ins, NULL, &el);
	assert_false(el);
	assert_string_equal(text_of(x, "insurance_months"),
			    "本地社保缴纳 11 个月（申报），少于 12 个月的要求：不符合");
	json_decref(x);
	x = evaluate(c, enough, NULL, &el);
	assert_true(el);
	json_decref(x);
	/* A new version for the category takes over from its date: the
	 * decision names it. */
	v = put_rule(c, "eligibility", "migrant_worker", "2030-01-01",
		     "{\"insurance_months_min\":24}");
	x = evaluate(c, enough, "2030-01-01", &el);
	assert_false(el);
	assert_int_equal(json_integer_value(json_object_get(x, "rule_version")), v);
	json_decref(x);
	/* A category without rules: ineligible, said so, not an error. */
	exec_ok(c->db, "INSERT INTO household_category (code, name, priority) VALUES"
		       " ('talent', '引进人才', 40)");
	exec_ok(c->db, "UPDATE household SET category = 'talent' WHERE id IN"
		       " (SELECT MAX(id) FROM household)");
	x = NULL;
	ok(c->db, eligibility_evaluate(c->db, enough, NULL, &el, &v, &x, &e));
	assert_false(el);
	assert_int_equal(v, 0);
	assert_false(passed(x, "rules_defined"));
	json_decref(x);
	assert_int_equal(eligibility_evaluate(c->db, 999999, NULL, &el, &v, &x, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(eligibility_evaluate(c->db, enough, "2026/01/01", &el, &v, &x, &e),
			 ANJU_EINVAL);
}

static int64_t
person_of(struct ctx *c, int64_t hh, const char *relationship)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db, db_prepare(c->db,
			     "SELECT person_id FROM member WHERE household_id = ? AND"
			     " relationship = ?",
			     &st));
	db_bind_int64(st, 1, hh);
	db_bind_cstr(st, 2, relationship);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static void
test_ban(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, "low_income", 2, 100000, 0, 0, true, 0, "301");
	int64_t spouse = person_of(c, hh, "spouse"), id = 0, again = 0, manual = 0;
	char until[11];
	bool banned, el;
	json_t *x, *bans = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db,
	   ban_add(c->db, spouse, "2025-05-02", "violation", 7, "转租公租房", &who, &id, &e));
	/* The same cause again: the first ban stands, nothing new. */
	ok(c->db,
	   ban_add(c->db, spouse, "2025-06-01", "violation", 7, "转租公租房", &who, &again, &e));
	assert_int_equal(again, id);
	assert_int_equal(
		ban_add(c->db, spouse, "2025-13-01", "violation", 8, "转租", &who, &again, &e),
		ANJU_EINVAL);
	assert_int_equal(
		ban_add(c->db, 999999, "2025-05-02", "violation", 8, "转租", &who, &again, &e),
		ANJU_ENOTFOUND);
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application_ban"), 1);
	assert_int_equal(
		query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'ban.add'"), 1);
	/* Five years of the policy: through 2030-05-01. */
	ok(c->db, ban_household(c->db, hh, "2025-05-01", &banned, until, &e));
	assert_false(banned);
	assert_string_equal(until, "");
	ok(c->db, ban_household(c->db, hh, "2025-05-02", &banned, until, &e));
	assert_true(banned);
	assert_string_equal(until, "2030-05-01");
	ok(c->db, ban_household(c->db, hh, "2030-05-01", &banned, until, &e));
	assert_true(banned);
	ok(c->db, ban_household(c->db, hh, "2030-05-02", &banned, until, &e));
	assert_false(banned);
	x = evaluate(c, hh, "2027-01-01", &el);
	assert_false(el);
	assert_false(passed(x, "ban"));
	assert_string_equal(text_of(x, "ban"),
			    "申请禁止期至 2030-05-01（转租公租房），期间不得申请：不符合");
	assert_int_equal(json_array_size(json_object_get(x, "bans")), 1);
	json_decref(x);
	x = evaluate(c, hh, "2030-05-02", &el);
	assert_true(el);
	json_decref(x);
	/* A policy with three years changes bans starting from its date. */
	put_rule(c, "policy", "", "2026-01-01", "{\"ban_years\":3}");
	ok(c->db, db_begin(c->db));
	assert_int_equal(
		ban_record(c->db, &manager, &who, spouse, "2026-02-01", "骗取公租房", &manual, &e),
		ANJU_EFORBIDDEN);
	ok(c->db,
	   ban_record(c->db, &bureau, &who, spouse, "2026-02-01", "骗取公租房", &manual, &e));
	ok(c->db, ban_record(c->db, &bureau, &who, spouse, "2026-03-01", "再次骗取", &again, &e));
	assert_true(again != manual);
	ok(c->db, db_commit(c->db));
	ok(c->db, ban_list_household(c->db, hh, &bans, &e));
	assert_int_equal(json_array_size(bans), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(bans, 0), "until_on")),
			    "2030-05-01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(bans, 1), "until_on")),
			    "2029-02-28");
	assert_string_equal(json_string_value(json_object_get(json_array_get(bans, 0), "member")),
			    "配偶 李芳");
	json_decref(bans);
	/* A member who left takes the ban with them. */
	exec_ok(c->db, "UPDATE member SET left_at = '2026-01-01T00:00:00.000000Z'"
		       " WHERE relationship = 'spouse'");
	ok(c->db, ban_household(c->db, hh, "2027-01-01", &banned, until, &e));
	assert_false(banned);
}

static void
test_household_facts(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, "low_income", 1, 100000, 0, 4550, true, 36, "401");
	struct household_patch p = { .special_groups = "veteran,elderly",
				     .has_local_hukou = true,
				     .local_hukou = false };
	struct household_patch bad = { .special_groups = "Veteran" };
	struct household_patch none = { .employer = NULL };
	json_t *h = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db, household_update(c->db, hh, &p, &who, &e));
	assert_int_equal(household_update(c->db, hh, &bad, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "special_groups");
	/* A patch without the facts leaves them. */
	ok(c->db, household_update(c->db, hh, &none, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, household_get(c->db, &bureau, hh, &h, &e));
	assert_int_equal(json_integer_value(json_object_get(h, "housing_area_centi")), 4550);
	assert_false(json_is_true(json_object_get(h, "local_hukou")));
	assert_int_equal(json_integer_value(json_object_get(h, "insurance_months")), 36);
	assert_int_equal(json_array_size(json_object_get(h, "special_groups")), 2);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(h, "special_groups"), 1)),
		"elderly");
	json_decref(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_add, setup, teardown),
		cmocka_unit_test(test_rule_validate),
		cmocka_unit_test_setup_teardown(test_low_income_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_categories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban, setup, teardown),
		cmocka_unit_test_setup_teardown(test_household_facts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
