/*
 * The city's tenancy policy and the eligibility rules of each household
 * category, as effective-dated versions in tenancy_rule: the version in
 * force on a date is the row with the latest effective_from not after it.
 * A version is never changed; the bureau adds one that starts today or
 * later.  See eligibility.h and tenancy.h (struct tenancy_policy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/eligibility.h"

#define AMOUNT_MAX     INT64_C(1000000000000000)
#define NOTE_MAX       500
#define GROUPS_MAX     32
#define GROUP_NAME_MAX 32

/* A key of a rule body: an integer in [min, max], or a boolean. */
struct rule_key {
	const char *name;
	bool boolean;
	int64_t min, max;
	int64_t dflt; /* policy: the value when the key is absent */
};

static const struct rule_key policy_keys[] = {
	{ "publicity_days", false, 1, 90, 7 },
	{ "max_wait_months", false, 1, 600, 60 },
	{ "wait_warning_months", false, 0, 120, 6 },
	{ "refusal_limit", false, 1, 20, 2 },
	{ "choice_window_hours", false, 1, 720, 48 },
	{ "offer_response_days", false, 1, 90, 7 },
	{ "lease_max_months", false, 1, 120, 60 },
	{ "filing_days", false, 1, 365, 30 },
	{ "renewal_window_months", false, 1, 24, 3 },
	{ "vacate_days", false, 1, 730, 90 },
	{ "market_rent_fen_m2", false, 0, 10000000, 2000 },
	{ "ban_years", false, 1, 20, 5 },
	{ NULL },
};

static const struct rule_key eligibility_keys[] = {
	{ "income_per_person_max_fen", false, 0, AMOUNT_MAX, 0 },
	{ "assets_max_fen", false, 0, AMOUNT_MAX, 0 },
	{ "area_per_person_max_centi", false, 1, 100000000, 0 },
	{ "local_hukou_required", true, 0, 1, 0 },
	{ "insurance_months_min", false, 0, 600, 0 },
	{ "owns_housing_allowed", true, 0, 1, 0 },
	{ "vehicle_value_max_fen", false, 0, AMOUNT_MAX, 0 },
	{ "business_allowed", true, 0, 1, 0 },
	{ "ban_applies", true, 0, 1, 0 },
	{ NULL },
};

/* The special groups of a policy version that lists none (the seed's). */
static const char default_groups[] =
	"[{\"code\":\"veteran\",\"name\":\"优抚对象\",\"priority\":10},"
	"{\"code\":\"disabled\",\"name\":\"残疾人家庭\",\"priority\":20},"
	"{\"code\":\"elderly\",\"name\":\"老年人家庭\",\"priority\":30},"
	"{\"code\":\"model_worker\",\"name\":\"劳动模范\",\"priority\":40},"
	"{\"code\":\"single_parent\",\"name\":\"单亲家庭\",\"priority\":50},"
	"{\"code\":\"serious_illness\",\"name\":\"大病患者家庭\",\"priority\":60}]";

static const char *
today_text(char out[DATE_FMT_LEN])
{
	date_format(date_today_shanghai(), out);
	return out;
}

static int
special_groups_validate(json_t *v, struct anju_err *e)
{
	json_t *g;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > GROUPS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "body.special_groups",
				 "特殊群体应为列表，最多 %d 项", GROUPS_MAX);
	json_array_foreach (v, i, g) {
		const char *code = json_string_value(json_object_get(g, "code"));
		const char *name = json_string_value(json_object_get(g, "name"));
		json_t *prio = json_object_get(g, "priority");

		if (!json_is_object(g) || json_object_size(g) != 3 || !text_is_code(code))
			return anju_fail(
				e, ANJU_EINVAL, "invalid_value", "body.special_groups",
				"第 %zu 个特殊群体的代码应为 2 到 32 个小写字母、数字或下划线",
				i + 1);
		if (name == NULL || name[0] == '\0' || strlen(name) > GROUP_NAME_MAX * 4)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "body.special_groups",
					 "第 %zu 个特殊群体应有名称", i + 1);
		if (!json_is_integer(prio) || json_integer_value(prio) < 0 ||
		    json_integer_value(prio) > 100000)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "body.special_groups",
					 "第 %zu 个特殊群体的优先级应为 0 到 100000 的整数", i + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp(code, json_string_value(json_object_get(json_array_get(v, k),
									   "code"))) == 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_value",
						 "body.special_groups", "特殊群体代码“%s”重复",
						 code);
	}
	return 0;
}

int
tenancy_rule_validate(const char *kind, json_t *body, struct anju_err *e)
{
	const struct rule_key *keys;
	const char *name;
	json_t *v;
	char field[80];

	if (kind != NULL && strcmp(kind, "policy") == 0)
		keys = policy_keys;
	else if (kind != NULL && strcmp(kind, "eligibility") == 0)
		keys = eligibility_keys;
	else
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind",
				 "规则类型应为 policy 或 eligibility");
	if (!json_is_object(body))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "body", "规则内容应为对象");
	json_object_foreach (body, name, v) {
		const struct rule_key *k = keys;

		snprintf(field, sizeof(field), "body.%.60s", name);
		if (keys == policy_keys && strcmp(name, "special_groups") == 0) {
			int rc = special_groups_validate(v, e);

			if (rc != 0)
				return rc;
			continue;
		}
		while (k->name != NULL && strcmp(k->name, name) != 0)
			k++;
		if (k->name == NULL)
			return anju_fail(e, ANJU_EINVAL, "unknown_field", field,
					 "规则内容中没有“%s”这一项", name);
		if (k->boolean && !json_is_boolean(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", field,
					 "“%s”应为是或否（true/false）", name);
		if (!k->boolean && (!json_is_integer(v) || json_integer_value(v) < k->min ||
				    json_integer_value(v) > k->max))
			return anju_fail(e, ANJU_EINVAL, "out_of_range", field,
					 "“%s”应为 %lld 到 %lld 的整数", name, (long long)k->min,
					 (long long)k->max);
	}
	return 0;
}

static json_t *
rule_row(struct db_stmt *st, void *ud)
{
	json_t *body = json_loads(db_col_text(st, 4), 0, NULL);
	json_t *r;

	(void)ud;
	r = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "category",
		      db_col_text(st, 2), "effective_from", db_col_text(st, 3), "body",
		      body ? body : json_object(), "note", db_col_text(st, 5), "created_by",
		      db_col_text(st, 6), "created_at", db_col_text(st, 7));
	return r;
}

#define RULE_COLS "id, kind, category, effective_from, body, note, created_by, created_at"

int
tenancy_rule_get(struct db *db, const char *kind, const char *category, const char *on_date,
		 json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	struct date d;
	int rc;

	if (on_date == NULL)
		on_date = today_text(today);
	else if (date_parse(str_c(on_date), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "on", "日期应为 YYYY-MM-DD 格式");
	rc = db_prepare(db,
			"SELECT " RULE_COLS " FROM tenancy_rule WHERE kind = ? AND category = ?"
			" AND effective_from <= ? ORDER BY effective_from DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, kind);
	db_bind_cstr(st, 2, category != NULL ? category : "");
	db_bind_cstr(st, 3, on_date);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = rule_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "rule_not_found", NULL, "%s 没有生效的%s",
				 on_date, strcmp(kind, "policy") == 0 ? "政策" : "资格标准");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Marks the rows of a page: in force today, or upcoming. */
static int
mark_in_force(struct db *db, json_t *items, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	json_t *r;
	size_t i;

	today_text(today);
	json_array_foreach (items, i, r) {
		json_t *cur = NULL;
		const char *from = json_string_value(json_object_get(r, "effective_from"));
		int rc = tenancy_rule_get(db, json_string_value(json_object_get(r, "kind")),
					  json_string_value(json_object_get(r, "category")), today,
					  &cur, e);

		if (rc != 0 && rc != ANJU_ENOTFOUND)
			return rc;
		json_object_set_new(
			r, "in_force",
			json_boolean(cur != NULL &&
				     json_integer_value(json_object_get(cur, "id")) ==
					     json_integer_value(json_object_get(r, "id"))));
		json_object_set_new(r, "upcoming", json_boolean(strcmp(from, today) > 0));
		json_decref(cur);
	}
	return 0;
}

int
tenancy_rule_list(struct db *db, const char *kind, const char *category, int64_t before_id,
		  int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " RULE_COLS " FROM tenancy_rule WHERE (? = 0 OR id < ?)"
			" AND (CAST(? AS TEXT) IS NULL OR kind = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR category = ?) ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id);
	db_bind_int64(st, 2, before_id);
	db_bind_cstr(st, 3, kind);
	db_bind_cstr(st, 4, kind);
	db_bind_cstr(st, 5, category);
	db_bind_cstr(st, 6, category);
	db_bind_int64(st, 7, limit + 1);
	if ((rc = page_collect(st, limit, rule_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	if ((rc = mark_in_force(db, *items, e)) != 0) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

static int
category_exists(struct db *db, const char *code, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT 1 FROM household_category WHERE code = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "category_not_found", "category",
				 "没有这个家庭类别");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
tenancy_rule_add(struct db *db, const struct caller *c, const struct audit_actor *who,
		 const struct tenancy_rule_in *in, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], oid[24];
	const char *category = in->category != NULL ? in->category : "";
	char *body = NULL;
	json_t *after = NULL;
	struct date d;
	int rc;

	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "政策和资格标准只能由住房保障主管部门制定");
	if ((rc = tenancy_rule_validate(in->kind, in->body, e)) != 0)
		return rc;
	if (in->effective_from == NULL || date_parse(str_c(in->effective_from), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "effective_from",
				 "生效日期应为 YYYY-MM-DD 格式");
	if (strcmp(in->effective_from, today_text(today)) < 0)
		return anju_fail(e, ANJU_EINVAL, "effective_in_past", "effective_from",
				 "生效日期不能早于今天（%s）：已生效的标准不能改写", today);
	if (in->note != NULL && strlen(in->note) > NOTE_MAX * 4)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "说明过长");
	if (strcmp(in->kind, "policy") == 0 && category[0] != '\0')
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "category",
				 "政策不分家庭类别，category 应为空");
	if (strcmp(in->kind, "eligibility") == 0) {
		if (category[0] == '\0')
			return anju_fail(e, ANJU_EINVAL, "missing_field", "category",
					 "请选择家庭类别");
		if ((rc = category_exists(db, category, e)) != 0)
			return rc;
	}
	body = json_dumps(in->body, JSON_COMPACT | JSON_SORT_KEYS);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO tenancy_rule (kind, category, effective_from, body, note,"
			" created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, in->kind);
		db_bind_cstr(st, 2, category);
		db_bind_cstr(st, 3, in->effective_from);
		db_bind_cstr(st, 4, body);
		db_bind_cstr(st, 5, in->note != NULL ? in->note : "");
		db_bind_cstr(st, 6, c->principal);
		db_bind_cstr(st, 7, now);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	if (rc == ANJU_ECONFLICT) {
		rc = anju_fail(e, ANJU_ECONFLICT, "rule_exists", "effective_from",
			       "%s 已有一个版本：请选择另一个生效日期", in->effective_from);
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	after = json_pack("{s:s, s:s, s:s, s:O, s:s}", "kind", in->kind, "category", category,
			  "effective_from", in->effective_from, "body", in->body, "note",
			  in->note != NULL ? in->note : "");
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	rc = audit_write(db, who, "tenancy_rule.add", "tenancy_rule", oid, NULL, after, e);
out:
	free(body);
	json_decref(after);
	return rc;
}

/* The body of the policy in force on on_date (NULL: today) and its id. */
static int
policy_body(struct db *db, const char *on_date, json_t **body, int64_t *version, struct anju_err *e)
{
	json_t *r = NULL;
	int rc = tenancy_rule_get(db, "policy", "", on_date, &r, e);

	if (rc != 0)
		return rc;
	*version = json_integer_value(json_object_get(r, "id"));
	*body = json_incref(json_object_get(r, "body"));
	json_decref(r);
	return 0;
}

int
tenancy_policy_get(struct db *db, const char *on_date, struct tenancy_policy *out,
		   struct anju_err *e)
{
	json_t *body = NULL;
	int64_t v[12];
	int rc;

	if ((rc = policy_body(db, on_date, &body, &out->version, e)) != 0)
		return rc;
	for (int i = 0; policy_keys[i].name != NULL; i++) {
		json_t *x = json_object_get(body, policy_keys[i].name);

		v[i] = json_is_integer(x) ? json_integer_value(x) : policy_keys[i].dflt;
	}
	json_decref(body);
	out->publicity_days = (int)v[0];
	out->max_wait_months = (int)v[1];
	out->wait_warning_months = (int)v[2];
	out->refusal_limit = (int)v[3];
	out->choice_window_hours = (int)v[4];
	out->offer_response_days = (int)v[5];
	out->lease_max_months = (int)v[6];
	out->filing_days = (int)v[7];
	out->renewal_window_months = (int)v[8];
	out->vacate_days = (int)v[9];
	out->market_rent_fen_m2 = v[10];
	out->ban_years = (int)v[11];
	return 0;
}

json_t *
tenancy_policy_json(const struct tenancy_policy *p)
{
	return json_pack(
		"{s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:i}", "version",
		(json_int_t)p->version, "publicity_days", p->publicity_days, "max_wait_months",
		p->max_wait_months, "wait_warning_months", p->wait_warning_months, "refusal_limit",
		p->refusal_limit, "choice_window_hours", p->choice_window_hours,
		"offer_response_days", p->offer_response_days, "lease_max_months",
		p->lease_max_months, "filing_days", p->filing_days, "renewal_window_months",
		p->renewal_window_months, "vacate_days", p->vacate_days, "market_rent_fen_m2",
		(json_int_t)p->market_rent_fen_m2, "ban_years", p->ban_years);
}

int
tenancy_special_groups(struct db *db, const char *on_date, json_t **out, struct anju_err *e)
{
	json_t *body = NULL, *groups;
	int64_t version;
	int rc;

	if ((rc = policy_body(db, on_date, &body, &version, e)) != 0)
		return rc;
	groups = json_object_get(body, "special_groups");
	*out = json_is_array(groups) ? json_deep_copy(groups) : json_loads(default_groups, 0, NULL);
	json_decref(body);
	return 0;
}

int
tenancy_special_groups_check(struct db *db, const char *codes, const char *field,
			     struct anju_err *e)
{
	json_t *groups = NULL;
	struct str s = str_c(codes), head;
	int rc;

	if (codes == NULL || codes[0] == '\0')
		return 0;
	if ((rc = tenancy_special_groups(db, NULL, &groups, e)) != 0)
		return rc;
	while (rc == 0 && s.n > 0) {
		bool found = false;
		json_t *g;
		size_t i;

		str_cut(&s, ',', &head);
		json_array_foreach (groups, i, g)
			if (str_eq_c(head, json_string_value(json_object_get(g, "code"))))
				found = true;
		if (!found)
			rc = anju_fail(e, ANJU_EINVAL, "special_group_unknown", field,
				       "没有“%.*s”这一特殊群体", (int)(head.n > 32 ? 32 : head.n),
				       head.p);
	}
	json_decref(groups);
	return rc;
}
