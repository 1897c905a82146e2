/*
 * A household's eligibility on a date: its facts (income, assets, members,
 * housing area, hukou, local insurance months), its members' bans, and what
 * the newest department datasets say where the household declares nothing
 * (vehicles, businesses, insurance months on record) against the
 * eligibility rules of its category in force on that date.  Each rule the
 * version sets is one entry of the explanation, in words a clerk
 * understands, with the numbers.  See tenancy.h.
 *
 * Comparisons are exact in integers: income per person within the limit
 * means income <= limit * members; area per person below the standard
 * means area < standard * members.  The per-person figures shown are
 * rounded half up to the fen or the hundredth of a square metre.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/money.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

void
tenancy_member_label(const char *relationship, const char *name, char *out, size_t cap)
{
	static const struct {
		const char *code, *title;
	} titles[] = {
		{ "head", "户主" },   { "spouse", "配偶" },      { "child", "子女" },
		{ "parent", "父母" }, { "sibling", "兄弟姐妹" }, { "other", "其他成员" },
		{ NULL, NULL },
	};
	const char *t = "成员";

	for (int i = 0; relationship != NULL && titles[i].code != NULL; i++)
		if (strcmp(titles[i].code, relationship) == 0)
			t = titles[i].title;
	snprintf(out, cap, "%s %s", t, name != NULL ? name : "");
}

struct household_facts {
	char category[40];
	char category_name[200];
	char state[16];
	int64_t income_fen, assets_fen, area_centi;
	bool local_hukou;
	int64_t insurance_months;
	int64_t members;
};

static int
load_household(struct db *db, int64_t id, struct household_facts *h, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT h.category, hc.name, h.state, h.monthly_income_fen, h.assets_fen,"
			" h.housing_area_centi, h.local_hukou, h.insurance_months,"
			" (SELECT COUNT(*) FROM member m WHERE m.household_id = h.id"
			" AND m.left_at IS NULL)"
			" FROM household h JOIN household_category hc ON hc.code = h.category"
			" WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(h->category, sizeof(h->category), "%s", db_col_text(st, 0));
		snprintf(h->category_name, sizeof(h->category_name), "%s", db_col_text(st, 1));
		snprintf(h->state, sizeof(h->state), "%s", db_col_text(st, 2));
		h->income_fen = db_col_int64(st, 3);
		h->assets_fen = db_col_int64(st, 4);
		h->area_centi = db_col_int64(st, 5);
		h->local_hukou = db_col_int64(st, 6) != 0;
		h->insurance_months = db_col_int64(st, 7);
		h->members = db_col_int64(st, 8);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Appends one rule's outcome. */
static void add_rule(json_t *rules, const char *rule, bool passed, json_t *limit, json_t *actual,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
add_rule(json_t *rules, const char *rule, bool passed, json_t *limit, json_t *actual,
	 const char *fmt, ...)
{
	char text[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, "：%s", passed ? "符合" : "不符合");
	json_array_append_new(rules,
			      json_pack("{s:s, s:b, s:o, s:o, s:s}", "rule", rule, "passed", passed,
					"limit", limit ? limit : json_null(), "actual",
					actual ? actual : json_null(), "text", text));
}

/* An integer key of a rule body: true with *v when present. */
static bool
rule_int(json_t *body, const char *key, int64_t *v)
{
	json_t *x = json_object_get(body, key);

	if (!json_is_integer(x))
		return false;
	*v = json_integer_value(x);
	return true;
}

/* A boolean key: 1 true, 0 false, -1 absent. */
static int
rule_bool(json_t *body, const char *key)
{
	json_t *x = json_object_get(body, key);

	return json_is_boolean(x) ? json_is_true(x) : -1;
}

/* The rules that read the department datasets, from the facts. */
struct dataset_view {
	int64_t active[DATASET_NSOURCES];
	char as_of[DATASET_NSOURCES][11];
	int64_t insurance_months; /* -1: no record */
	int64_t vehicle_fen;
	int vehicles, businesses;
	char business_text[200];
};

static void
view_facts(struct dataset_view *v, const struct member_fact *f, size_t n)
{
	v->insurance_months = -1;
	v->vehicle_fen = 0;
	v->vehicles = v->businesses = 0;
	v->business_text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].kind, "insurance_months") == 0 &&
		    f[i].value_int > v->insurance_months)
			v->insurance_months = f[i].value_int;
		else if (strcmp(f[i].kind, "vehicle") == 0) {
			v->vehicles++;
			if (money_add(v->vehicle_fen, f[i].value_int, &v->vehicle_fen) != 0)
				v->vehicle_fen = INT64_MAX;
		} else if (strcmp(f[i].kind, "business") == 0) {
			if (v->businesses++ == 0)
				snprintf(v->business_text, sizeof(v->business_text), "%s（%s）",
					 f[i].label, f[i].text);
		}
	}
}

static void
evaluate_rules(const struct household_facts *h, json_t *body, const struct dataset_view *v,
	       bool banned, const char *until, const char *ban_reason, json_t *rules)
{
	char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], c[MONEY_FMT_MAX];
	int64_t lim, prod, n = h->members > 0 ? h->members : 1;
	int flag;

	if (strcmp(h->state, "active") != 0)
		add_rule(rules, "household_active", false, NULL, json_string(h->state),
			 "家庭已注销");
	if (rule_int(body, "income_per_person_max_fen", &lim)) {
		bool ok = money_mul(lim, n, &prod) != 0 || h->income_fen <= prod;

		money_format(h->income_fen, a);
		money_format(div_round(h->income_fen, n, ROUND_HALF_UP), b);
		money_format(lim, c);
		add_rule(rules, "income_per_person", ok, json_integer(lim),
			 json_integer(div_round(h->income_fen, n, ROUND_HALF_UP)),
			 "家庭月收入 %s 元，%lld 人，人均 %s 元，%s %s 元的标准", a, (long long)n,
			 b, ok ? "不高于" : "高于", c);
	}
	if (rule_int(body, "assets_max_fen", &lim)) {
		bool ok = h->assets_fen <= lim;

		money_format(h->assets_fen, a);
		money_format(lim, c);
		add_rule(rules, "assets", ok, json_integer(lim), json_integer(h->assets_fen),
			 "家庭资产 %s 元，%s %s 元的标准", a, ok ? "不高于" : "高于", c);
	}
	if (rule_int(body, "area_per_person_max_centi", &lim)) {
		bool ok = money_mul(lim, n, &prod) != 0 || h->area_centi < prod;

		money_format(h->area_centi, a);
		money_format(div_round(h->area_centi, n, ROUND_HALF_UP), b);
		money_format(lim, c);
		add_rule(rules, "area_per_person", ok, json_integer(lim),
			 json_integer(div_round(h->area_centi, n, ROUND_HALF_UP)),
			 "自有住房 %s 平方米，%lld 人，人均 %s 平方米，%s %s 平方米的标准", a,
			 (long long)n, b, ok ? "低于" : "不低于", c);
	}
	if (rule_bool(body, "owns_housing_allowed") == 0) {
		bool ok = h->area_centi == 0;

		money_format(h->area_centi, a);
		if (ok)
			add_rule(rules, "no_own_housing", true, json_false(), json_false(),
				 "无自有住房");
		else
			add_rule(rules, "no_own_housing", false, json_false(), json_true(),
				 "有自有住房 %s 平方米，本类别要求无自有住房", a);
	}
	if (rule_bool(body, "local_hukou_required") == 1)
		add_rule(rules, "local_hukou", h->local_hukou, json_true(),
			 json_boolean(h->local_hukou), "%s",
			 h->local_hukou ? "本地户籍" : "非本地户籍，本类别要求本地户籍");
	if (rule_int(body, "insurance_months_min", &lim)) {
		bool on_record = v->insurance_months >= 0;
		int64_t months = on_record ? v->insurance_months : h->insurance_months;
		bool ok = months >= lim;

		add_rule(rules, "insurance_months", ok, json_integer(lim), json_integer(months),
			 "本地社保缴纳 %lld 个月（%s），%s %lld 个月的要求", (long long)months,
			 on_record ? "人社数据" : "申报", ok ? "不少于" : "少于", (long long)lim);
	}
	if (rule_int(body, "vehicle_value_max_fen", &lim)) {
		bool ok = v->vehicle_fen <= lim;

		money_format(v->vehicle_fen, a);
		money_format(lim, c);
		if (v->active[DATASET_VEHICLE] == 0)
			add_rule(rules, "vehicle_value", true, json_integer(lim), NULL,
				 "未导入车辆登记数据，车辆价值未核对");
		else
			add_rule(rules, "vehicle_value", ok, json_integer(lim),
				 json_integer(v->vehicle_fen),
				 "车辆登记（%s）%d 辆，价值合计 %s 元，%s %s 元的标准",
				 v->as_of[DATASET_VEHICLE], v->vehicles, a, ok ? "不高于" : "高于",
				 c);
	}
	if (rule_bool(body, "business_allowed") == 0) {
		if (v->active[DATASET_BUSINESS] == 0)
			add_rule(rules, "no_business", true, json_false(), NULL,
				 "未导入市场主体登记数据，经营情况未核对");
		else if (v->businesses == 0)
			add_rule(rules, "no_business", true, json_false(), json_false(),
				 "市场主体登记（%s）中无家庭成员登记的企业",
				 v->as_of[DATASET_BUSINESS]);
		else
			add_rule(rules, "no_business", false, json_false(), json_true(),
				 "市场主体登记（%s）中有 %d 条家庭成员的企业登记，如 %s；"
				 "本类别不允许经营企业",
				 v->as_of[DATASET_BUSINESS], v->businesses, v->business_text);
	}
	flag = rule_bool(body, "ban_applies");
	if (flag != 0) {
		if (banned)
			add_rule(rules, "ban", false, NULL, json_string(until),
				 "申请禁止期至 %s（%s），期间不得申请", until, ban_reason);
		else
			add_rule(rules, "ban", true, NULL, NULL, "无申请禁止期");
	}
}

int
eligibility_evaluate(struct db *db, int64_t household_id, const char *on_date, bool *eligible,
		     int64_t *rule_version, json_t **explain, struct anju_err *e)
{
	struct household_facts h;
	struct dataset_view v;
	struct member_fact *facts = NULL;
	size_t nfacts = 0;
	json_t *rule = NULL, *rules = json_array(), *bans = NULL, *datasets = NULL, *out = NULL, *r;
	char today[DATE_FMT_LEN], until[11] = "";
	const char *ban_reason = "";
	bool banned = false, all = true;
	struct date d;
	size_t i;
	int rc;

	if (on_date == NULL) {
		date_format(date_today_shanghai(), today);
		on_date = today;
	} else if (date_parse(str_c(on_date), &d) != 0) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "on", "日期应为 YYYY-MM-DD 格式");
		goto out;
	}
	if ((rc = load_household(db, household_id, &h, e)) != 0 ||
	    (rc = ban_household(db, household_id, on_date, &banned, until, e)) != 0 ||
	    (rc = ban_list_household(db, household_id, &bans, e)) != 0 ||
	    (rc = dataset_active(db, v.active, v.as_of, &datasets, e)) != 0 ||
	    (rc = dataset_facts(db, household_id, &facts, &nfacts, e)) != 0)
		goto out;
	view_facts(&v, facts, nfacts);
	/* The reason of the ban that lasts longest, to name it. */
	json_array_foreach (bans, i, r)
		if (banned && strcmp(json_string_value(json_object_get(r, "until_on")), until) == 0)
			ban_reason = json_string_value(json_object_get(r, "reason"));
	rc = tenancy_rule_get(db, "eligibility", h.category, on_date, &rule, e);
	if (rc == ANJU_ENOTFOUND) {
		/* A category without rules on that date is nobody's eligibility:
		 * said so, not an error, so that a recheck goes on. */
		add_rule(rules, "rules_defined", false, NULL, NULL, "“%s”在 %s 没有生效的资格标准",
			 h.category_name, on_date);
		*rule_version = 0;
	} else if (rc != 0) {
		goto out;
	} else {
		evaluate_rules(&h, json_object_get(rule, "body"), &v, banned, until, ban_reason,
			       rules);
		*rule_version = json_integer_value(json_object_get(rule, "id"));
	}
	json_array_foreach (rules, i, r)
		if (!json_is_true(json_object_get(r, "passed")))
			all = false;
	*eligible = all;
	out = json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:b, s:I, s:O, s:O, s:O}",
			"rule_version", (json_int_t)*rule_version, "category", h.category,
			"category_name", h.category_name, "on", on_date, "eligible", all, "members",
			(json_int_t)h.members, "monthly_income_fen", (json_int_t)h.income_fen,
			"assets_fen", (json_int_t)h.assets_fen, "housing_area_centi",
			(json_int_t)h.area_centi, "local_hukou", h.local_hukou, "insurance_months",
			(json_int_t)h.insurance_months, "rules", rules, "bans", bans, "datasets",
			datasets);
	*explain = out;
	rc = 0;
out:
	free(facts);
	json_decref(rule);
	json_decref(rules);
	json_decref(bans);
	json_decref(datasets);
	return rc;
}
