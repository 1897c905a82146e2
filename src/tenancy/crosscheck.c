/*
 * The cross-check (智能审核, 联审): a household's head's and active members'
 * ID numbers against the newest active dataset of each source, through the
 * blind index, and each conflict with the rule of the household's category
 * (in force today) that it breaks:
 *   property   owns_housing (any registered housing when the category
 *              allows none), area_per_person (the registered area per person
 *              not below the standard);
 *   vehicle    vehicle_value (the registered vehicles' value above the limit);
 *   business   business (a registered business when none is allowed);
 *   insurance  income_understated (the wages on record above the declared
 *              monthly income), insurance_months (months on record below the
 *              requirement);
 *   assistance no conflict: 低保/特困 status is listed among the facts, as
 *              priority information.
 * One query finds every record of every member (dataset_facts()), so the
 * recheck can run it for a hundred thousand households.  See tenancy.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

struct hh {
	char category[40];
	int64_t income_fen, members;
	int64_t head_id;
	char head_label[160];
};

static int
load(struct db *db, int64_t id, struct hh *h, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT h.category, h.monthly_income_fen,"
			" (SELECT COUNT(*) FROM member c WHERE c.household_id = h.id"
			" AND c.left_at IS NULL), hm.person_id, hp.name FROM household h"
			" LEFT JOIN member hm ON hm.household_id = h.id AND hm.left_at IS NULL"
			" AND hm.relationship = 'head' LEFT JOIN person hp ON hp.id = hm.person_id"
			" WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(h->category, sizeof(h->category), "%s", db_col_text(st, 0));
		h->income_fen = db_col_int64(st, 1);
		h->members = db_col_int64(st, 2);
		h->head_id = db_col_int64(st, 3);
		tenancy_member_label("head", db_col_text(st, 4), h->head_label,
				     sizeof(h->head_label));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static void conflict(json_t *list, enum dataset_source s, int64_t person_id, const char *member,
		     const char *rule, json_t *detail, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void
conflict(json_t *list, enum dataset_source s, int64_t person_id, const char *member,
	 const char *rule, json_t *detail, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:o}", "source",
					      dataset_source_name(s), "source_name",
					      dataset_source_title(s), "person_id",
					      person_id > 0 ? json_integer(person_id) : json_null(),
					      "member", member, "rule", rule, "text", text,
					      "detail", detail ? detail : json_object()));
}

/* Per member of one kind of fact: its sum and count, in the facts' order
 * (head first). */
struct per_member {
	int64_t person_id;
	const char *label;
	int64_t sum, count;
	const char *text;
};

static size_t
gather(const struct member_fact *f, size_t n, const char *kind, struct per_member *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (strcmp(f[i].kind, kind) != 0)
			continue;
		for (j = 0; j < k && out[j].person_id != f[i].person_id; j++)
			;
		if (j == k) {
			out[k++] =
				(struct per_member){ f[i].person_id, f[i].label, 0, 0, f[i].text };
		}
		if (money_add(out[j].sum, f[i].value_int, &out[j].sum) != 0)
			out[j].sum = INT64_MAX;
		out[j].count++;
	}
	return k;
}

/* The member with the largest sum, and the household's total. */
static const struct per_member *
largest(const struct per_member *m, size_t k, int64_t *total)
{
	const struct per_member *best = NULL;

	*total = 0;
	for (size_t i = 0; i < k; i++) {
		if (money_add(*total, m[i].sum, total) != 0)
			*total = INT64_MAX;
		if (best == NULL || m[i].sum > best->sum)
			best = &m[i];
	}
	return best;
}

static bool
body_int(json_t *body, const char *key, int64_t *v)
{
	json_t *x = json_object_get(body, key);

	if (!json_is_integer(x))
		return false;
	*v = json_integer_value(x);
	return true;
}

static int
body_bool(json_t *body, const char *key)
{
	json_t *x = json_object_get(body, key);

	return json_is_boolean(x) ? json_is_true(x) : -1;
}

static void
check(const struct hh *h, json_t *body, const int64_t active[DATASET_NSOURCES], char as_of[][11],
      const struct member_fact *f, size_t n, json_t *conflicts, json_t *facts)
{
	struct per_member *m = xcalloc(n ? n : 1, sizeof(*m));
	const struct per_member *top;
	char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], c[MONEY_FMT_MAX];
	int64_t lim, total, prod, members = h->members > 0 ? h->members : 1;
	size_t k;

	/* Property. */
	k = gather(f, n, "area", m);
	if (body_bool(body, "owns_housing_allowed") == 0)
		for (size_t i = 0; i < k; i++) {
			money_format(m[i].sum, a);
			conflict(conflicts, DATASET_PROPERTY, m[i].person_id, m[i].label,
				 "owns_housing",
				 json_pack("{s:I, s:I}", "area_centi", (json_int_t)m[i].sum,
					   "properties", (json_int_t)m[i].count),
				 "%s 在不动产登记（%s）中有住房 %lld 处，共 %s 平方米；"
				 "本类别要求无自有住房",
				 m[i].label, as_of[DATASET_PROPERTY], (long long)m[i].count, a);
		}
	top = largest(m, k, &total);
	if (top != NULL && body_int(body, "area_per_person_max_centi", &lim) &&
	    money_mul(lim, members, &prod) == 0 && total >= prod) {
		money_format(total, a);
		money_format(div_round(total, members, ROUND_HALF_UP), b);
		money_format(lim, c);
		conflict(conflicts, DATASET_PROPERTY, top->person_id, top->label, "area_per_person",
			 json_pack("{s:I, s:I, s:I, s:I}", "area_centi", (json_int_t)total,
				   "members", (json_int_t)members, "per_person_centi",
				   (json_int_t)div_round(total, members, ROUND_HALF_UP), "limit",
				   (json_int_t)lim),
			 "不动产登记（%s）中家庭成员名下住房共 %s 平方米，%lld 人，人均 %s "
			 "平方米，不低于 %s 平方米的标准",
			 as_of[DATASET_PROPERTY], a, (long long)members, b, c);
	}
	/* Vehicles. */
	k = gather(f, n, "vehicle", m);
	top = largest(m, k, &total);
	if (top != NULL && body_int(body, "vehicle_value_max_fen", &lim) && total > lim) {
		money_format(total, a);
		money_format(lim, c);
		conflict(conflicts, DATASET_VEHICLE, top->person_id, top->label, "vehicle_value",
			 json_pack("{s:I, s:I}", "value_fen", (json_int_t)total, "limit",
				   (json_int_t)lim),
			 "机动车登记（%s）中家庭成员名下车辆价值合计 %s 元，高于 %s 元的标准",
			 as_of[DATASET_VEHICLE], a, c);
	}
	/* Businesses. */
	k = gather(f, n, "business", m);
	if (body_bool(body, "business_allowed") == 0)
		for (size_t i = 0; i < k; i++)
			conflict(conflicts, DATASET_BUSINESS, m[i].person_id, m[i].label,
				 "business",
				 json_pack("{s:s, s:I}", "company", m[i].text, "businesses",
					   (json_int_t)m[i].count),
				 "%s 在市场主体登记（%s）中登记有企业“%s”%s；本类别不允许经营企业",
				 m[i].label, as_of[DATASET_BUSINESS], m[i].text,
				 m[i].count > 1 ? "等" : "");
	/* Insurance and wages. */
	k = gather(f, n, "monthly_wage", m);
	top = largest(m, k, &total);
	if (top != NULL && total > h->income_fen) {
		money_format(total, a);
		money_format(h->income_fen, b);
		conflict(conflicts, DATASET_INSURANCE, top->person_id, top->label,
			 "income_understated",
			 json_pack("{s:I, s:I}", "wages_fen", (json_int_t)total, "declared_fen",
				   (json_int_t)h->income_fen),
			 "社保缴费记录（%s）中家庭成员月工资合计 %s 元，高于申报的家庭月收入 %s 元",
			 as_of[DATASET_INSURANCE], a, b);
	}
	if (active[DATASET_INSURANCE] != 0 && body_int(body, "insurance_months_min", &lim)) {
		int64_t best = -1, pid = h->head_id;
		const char *label = h->head_label;

		for (size_t i = 0; i < n; i++)
			if (strcmp(f[i].kind, "insurance_months") == 0 && f[i].value_int > best) {
				best = f[i].value_int;
				pid = f[i].person_id;
				label = f[i].label;
			}
		if (best < 0)
			conflict(conflicts, DATASET_INSURANCE, pid, label, "insurance_months",
				 json_pack("{s:I, s:I}", "months", (json_int_t)0, "limit",
					   (json_int_t)lim),
				 "社保缴费记录（%s）中没有家庭成员的本地社保记录，"
				 "本类别要求缴纳不少于 %lld 个月",
				 as_of[DATASET_INSURANCE], (long long)lim);
		else if (best < lim)
			conflict(conflicts, DATASET_INSURANCE, pid, label, "insurance_months",
				 json_pack("{s:I, s:I}", "months", (json_int_t)best, "limit",
					   (json_int_t)lim),
				 "社保缴费记录（%s）中本地社保最多缴纳 %lld 个月，"
				 "少于本类别要求的 %lld 个月",
				 as_of[DATASET_INSURANCE], (long long)best, (long long)lim);
	}
	/* Assistance: facts, not conflicts. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].kind, "assistance") == 0) {
			bool dibao = strcmp(f[i].text, "dibao") == 0;
			char text[300];

			snprintf(text, sizeof(text), "%s 在民政救助数据（%s）中为%s", f[i].label,
				 as_of[DATASET_ASSISTANCE],
				 dibao ? "最低生活保障对象（低保）" : "特困供养人员（特困）");
			json_array_append_new(
				facts,
				json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "source", "assistance",
					  "source_name", dataset_source_title(DATASET_ASSISTANCE),
					  "person_id", (json_int_t)f[i].person_id, "member",
					  f[i].label, "status", f[i].text, "text", text));
		}
	free(m);
}

int
crosscheck_household(struct db *db, int64_t household_id, json_t **out, int *nconflicts,
		     struct anju_err *e)
{
	struct hh h;
	struct member_fact *f = NULL;
	size_t n = 0;
	int64_t active[DATASET_NSOURCES];
	char as_of[DATASET_NSOURCES][11], now[TIME_FMT_LEN];
	json_t *datasets = NULL, *rule = NULL, *conflicts, *facts;
	int rc;

	if ((rc = load(db, household_id, &h, e)) != 0 ||
	    (rc = dataset_active(db, active, as_of, &datasets, e)) != 0 ||
	    (rc = dataset_facts(db, household_id, &f, &n, e)) != 0)
		goto out;
	rc = tenancy_rule_get(db, "eligibility", h.category, NULL, &rule, e);
	if (rc != 0 && rc != ANJU_ENOTFOUND)
		goto out;
	conflicts = json_array();
	facts = json_array();
	/* Without rules for the category only the facts can be said. */
	check(&h, rule ? json_object_get(rule, "body") : NULL, active, as_of, f, n, conflicts,
	      facts);
	time_format_utc(time_now_us(), now);
	*nconflicts = (int)json_array_size(conflicts);
	*out = json_pack("{s:s, s:I, s:s, s:o, s:O, s:o, s:o}", "checked_at", now, "household_id",
			 (json_int_t)household_id, "category", h.category, "rule_version",
			 rule ? json_integer(json_integer_value(json_object_get(rule, "id")))
			      : json_null(),
			 "datasets", datasets, "conflicts", conflicts, "facts", facts);
	rc = 0;
out:
	free(f);
	json_decref(rule);
	json_decref(datasets);
	return rc;
}

#define ALL_PAGE 1000

int
crosscheck_all(struct db *db, crosscheck_progress_fn progress, void *ud, json_t **summary,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int64_t *ids = xmalloc(ALL_PAGE * sizeof(*ids)), after = 0, total = 0, done = 0;
	int64_t with = 0, nconf = 0;
	json_t *by_rule = json_object();
	int n, rc;

	if ((rc = db_prepare(db, "SELECT COUNT(*) FROM household WHERE state = 'active'", &st)) !=
	    0)
		goto dbfail;
	rc = db_step(st);
	total = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		goto dbfail;
	do {
		if ((rc = db_begin_snapshot(db)) != 0)
			goto dbfail;
		rc = db_prepare(db,
				"SELECT id FROM household WHERE id > ? AND state = 'active'"
				" ORDER BY id LIMIT ?",
				&st);
		if (rc != 0) {
			db_rollback(db);
			goto dbfail;
		}
		db_bind_int64(st, 1, after);
		db_bind_int64(st, 2, ALL_PAGE);
		n = 0;
		while ((rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int64(st, 0);
		db_reset(st);
		if (rc != DB_DONE) {
			db_rollback(db);
			goto dbfail;
		}
		for (int i = 0; i < n; i++) {
			json_t *r = NULL, *c;
			int k = 0;
			size_t j;

			if ((rc = crosscheck_household(db, ids[i], &r, &k, e)) != 0) {
				db_rollback(db);
				goto out;
			}
			if (k > 0)
				with++;
			nconf += k;
			json_array_foreach (json_object_get(r, "conflicts"), j, c) {
				const char *rule = json_string_value(json_object_get(c, "rule"));

				json_object_set_new(by_rule, rule,
						    json_integer(json_integer_value(json_object_get(
									 by_rule, rule)) +
								 1));
			}
			json_decref(r);
		}
		db_rollback(db); /* read only */
		done += n;
		if (n > 0)
			after = ids[n - 1];
		if (progress != NULL)
			progress(ud, done, total, "正在比对");
	} while (n == ALL_PAGE);
	*summary =
		json_pack("{s:I, s:I, s:I, s:O}", "households", (json_int_t)done, "with_conflicts",
			  (json_int_t)with, "conflicts", (json_int_t)nconf, "by_rule", by_rule);
	rc = 0;
	goto out;
dbfail:
	rc = db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
out:
	free(ids);
	json_decref(by_rule);
	return rc;
}
