/*
 * Rent standards (租金标准) and quotes: what a household pays for a unit on
 * a date.  A standard is a version per row for a community and a layout,
 * in force from its date until the next version; the quote takes the unit's
 * floor area (hundredths of m²) times the price per m² (or the fixed
 * amount), then the share of the reduction the household matches, each
 * step rounded by the standard's named rounding rule.  See rent.h,
 * billing.h and docs/rent-billing.md.
 *
 * The unit's area and layout and the household's category, special groups,
 * income and members are read here in one row each: the quote is asked for
 * by lease drafting and renewal inside their transaction, and the housing
 * and household modules have no function that returns those few facts
 * without a caller's scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/money.h"
#include "core/text.h"
#include "household/household.h"
#include "rent/billing.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/eligibility.h"

static const char *const modes[] = { "per_m2", "fixed", NULL };
static const char *const reduction_kinds[] = { "category", "special_group", "income_tier", NULL };

static bool
in_list(const char *const *list, const char *s)
{
	for (int i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Scope for rent rows: the system (a schedule, the command line) sees every
 * community; anyone else as scope_bind() says. */
static int
rent_scope_bind(struct db_stmt *st, int i, const struct caller *c)
{
	if (c != NULL && c->kind == CALLER_SYSTEM) {
		db_bind_int64(st, i, 1);
		db_bind_cstr(st, i + 1, "");
		return i + 2;
	}
	return scope_bind(st, i, c);
}

static void
today_text(char out[DATE_FMT_LEN])
{
	date_format(date_today_shanghai(), out);
}

/*
 * Quotes.
 */

struct unit_facts {
	int64_t community_id, area_centi;
	char layout[64];
	char community[128];
};

static int
unit_facts(struct db *db, int64_t unit_id, struct unit_facts *u, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = db_prepare(db,
			"SELECT u.community_id, u.layout, u.floor_area, c.name FROM unit u"
			" JOIN community c ON c.id = u.community_id WHERE u.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	if ((rc = db_step(st)) == DB_ROW) {
		u->community_id = db_col_int64(st, 0);
		snprintf(u->layout, sizeof(u->layout), "%s", db_col_text(st, 1));
		u->area_centi = db_col_int64(st, 2);
		snprintf(u->community, sizeof(u->community), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "unit_not_found", "unit_id", "没有这套房屋");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

struct household_facts {
	char category[48];
	char special_groups[512];
	int64_t income_fen, members;
};

static int
household_facts(struct db *db, int64_t household_id, struct household_facts *h, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = db_prepare(db,
			"SELECT h.category, h.special_groups, h.monthly_income_fen,"
			" (SELECT COUNT(*) FROM member m WHERE m.household_id = h.id"
			" AND m.left_at IS NULL) FROM household h WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(h->category, sizeof(h->category), "%s", db_col_text(st, 0));
		snprintf(h->special_groups, sizeof(h->special_groups), "%s", db_col_text(st, 1));
		h->income_fen = db_col_int64(st, 2);
		h->members = db_col_int64(st, 3);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				 "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Whether code is one of a comma-separated list. */
static bool
has_code(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len == n && n > 0 && memcmp(p, code, n) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* Whether a household matches one reduction. */
static bool
reduction_matches(json_t *r, const struct household_facts *h)
{
	const char *kind = json_string_value(json_object_get(r, "kind"));
	const char *match = json_string_value(json_object_get(r, "match"));

	if (kind == NULL)
		return false;
	if (strcmp(kind, "category") == 0)
		return match != NULL && strcmp(match, h->category) == 0;
	if (strcmp(kind, "special_group") == 0)
		return match != NULL && has_code(h->special_groups, match);
	if (strcmp(kind, "income_tier") == 0) {
		int64_t limit = json_integer_value(json_object_get(r, "income_max_fen")), cap;
		int64_t members = h->members > 0 ? h->members : 1;

		/* Income per person at most the limit, exactly in integers. */
		return money_mul(limit, members, &cap) != 0 || h->income_fen <= cap;
	}
	return false;
}

int
rent_quote(struct db *db, int64_t unit_id, int64_t household_id, const char *on,
	   struct rent_quote *q, struct anju_err *e)
{
	char today[DATE_FMT_LEN], mode[16];
	struct unit_facts u;
	struct household_facts h;
	struct db_stmt *st;
	struct date d;
	enum rounding r = ROUND_HALF_UP;
	json_t *reductions = NULL, *it;
	size_t i;
	int rc;

	memset(q, 0, sizeof(*q));
	if (on == NULL) {
		today_text(today);
		on = today;
	}
	if (date_parse(str_c(on), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "on", "日期应为 YYYY-MM-DD 格式");
	if ((rc = unit_facts(db, unit_id, &u, e)) != 0)
		return rc;
	if (household_id > 0 && (rc = household_facts(db, household_id, &h, e)) != 0)
		return rc;
	/* The unit's own layout first, then the community's standard for every
	 * layout; of each, the newest version in force on the date. */
	rc = db_prepare(db,
			"SELECT id, mode, price_fen_m2, fixed_fen, rounding, reductions"
			" FROM rent_standard WHERE community_id = ? AND state = 'active'"
			" AND effective_from <= ? AND (layout = ? OR layout = '*')"
			" ORDER BY CASE WHEN layout = '*' THEN 1 ELSE 0 END, effective_from DESC,"
			" id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, u.community_id);
	db_bind_cstr(st, 2, on);
	db_bind_cstr(st, 3, u.layout);
	if ((rc = db_step(st)) == DB_ROW) {
		q->standard_id = db_col_int64(st, 0);
		snprintf(mode, sizeof(mode), "%s", db_col_text(st, 1));
		q->price_fen_m2 = db_col_int64(st, 2);
		q->fixed_fen = db_col_int64(st, 3);
		snprintf(q->rounding, sizeof(q->rounding), "%s", db_col_text(st, 4));
		reductions = json_loads(db_col_text(st, 5), 0, NULL);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE)
		return anju_fail(
			e, ANJU_ENOTFOUND, "rent_standard_missing", "unit_id",
			"%s的户型“%s”在 %s 没有生效的租金标准，请住房保障部门先制定租金标准",
			u.community, u.layout[0] ? u.layout : "（未填写）", on);
	rounding_parse(q->rounding, &r);
	q->area_centi = u.area_centi;
	if (strcmp(mode, "fixed") == 0) {
		q->price_fen_m2 = 0;
		q->base_fen = q->fixed_fen;
	} else {
		q->fixed_fen = 0;
		if (money_mul_rate(q->price_fen_m2, u.area_centi, 100, r, &q->base_fen) != 0) {
			json_decref(reductions);
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "租金超出范围");
		}
	}
	q->share_ppm = RENT_PPM;
	/* The smallest share among the reductions the household matches; the
	 * first of equal ones. */
	json_array_foreach (household_id > 0 ? reductions : NULL, i, it) {
		int64_t share = json_integer_value(json_object_get(it, "share_ppm"));

		if (reduction_matches(it, &h) && share < q->share_ppm) {
			q->share_ppm = share;
			snprintf(q->reduction, sizeof(q->reduction), "%s",
				 json_string_value(json_object_get(it, "code")) ?: "");
		}
	}
	json_decref(reductions);
	if (money_mul_rate(q->base_fen, q->share_ppm, RENT_PPM, r, &q->monthly_fen) != 0)
		return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "租金超出范围");
	if (q->monthly_fen <= 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "rent_zero", "unit_id",
				 "按租金标准 #%lld 计算的月租金为 0，请检查标准的单价和减免比例",
				 (long long)q->standard_id);
	return 0;
}

json_t *
rent_quote_json(const struct rent_quote *q)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I}", "standard_id",
			 (json_int_t)q->standard_id, "area_centi", (json_int_t)q->area_centi,
			 "price_fen_m2", (json_int_t)q->price_fen_m2, "fixed_fen",
			 (json_int_t)q->fixed_fen, "base_fen", (json_int_t)q->base_fen, "share_ppm",
			 (json_int_t)q->share_ppm, "reduction", q->reduction, "rounding",
			 q->rounding, "monthly_fen", (json_int_t)q->monthly_fen);
}

int
rent_quote_for(struct db *db, const struct caller *c, int64_t unit_id, int64_t household_id,
	       const char *on, struct rent_quote *q, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT (SELECT 1 FROM unit u WHERE u.id = ? AND " SCOPE_SQL(
				"u.community_id") "), (SELECT 1 FROM household h WHERE h.id = ?"
						  " AND " SCOPE_SQL("h.community_id") ")",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	rent_scope_bind(st, 2, c);
	db_bind_int64(st, 4, household_id);
	rent_scope_bind(st, 5, c);
	rc = db_step(st);
	if (rc == DB_ROW && db_col_null(st, 0))
		rc = anju_fail(e, ANJU_ENOTFOUND, "unit_not_found", "unit_id", "没有这套房屋");
	else if (rc == DB_ROW && household_id > 0 && db_col_null(st, 1))
		rc = anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
			       "没有这个家庭");
	else
		rc = rc == DB_ROW ? 0 : db_fail(db, rc, e);
	db_reset(st);
	if (rc != 0)
		return rc;
	return rent_quote(db, unit_id, household_id, on, q, e);
}

int
rent_quote_record(struct db *db, int64_t lease_id, const char *on, const struct rent_quote *q,
		  struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO rent_lease_quote (lease_id, standard_id, quoted_on, area_centi,"
		" price_fen_m2, fixed_fen, base_fen, share_ppm, reduction, rounding, monthly_fen,"
		" created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (lease_id)"
		" DO UPDATE SET standard_id = excluded.standard_id, quoted_on = excluded.quoted_on,"
		" area_centi = excluded.area_centi, price_fen_m2 = excluded.price_fen_m2,"
		" fixed_fen = excluded.fixed_fen, base_fen = excluded.base_fen,"
		" share_ppm = excluded.share_ppm, reduction = excluded.reduction,"
		" rounding = excluded.rounding, monthly_fen = excluded.monthly_fen,"
		" created_at = excluded.created_at",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, lease_id);
	db_bind_int64(st, 2, q->standard_id);
	db_bind_cstr(st, 3, on);
	db_bind_int64(st, 4, q->area_centi);
	db_bind_int64(st, 5, q->price_fen_m2);
	db_bind_int64(st, 6, q->fixed_fen);
	db_bind_int64(st, 7, q->base_fen);
	db_bind_int64(st, 8, q->share_ppm);
	db_bind_cstr(st, 9, q->reduction);
	db_bind_cstr(st, 10, q->rounding);
	db_bind_int64(st, 11, q->monthly_fen);
	db_bind_cstr(st, 12, now);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
rent_quote_copy(struct db *db, int64_t from_lease_id, int64_t to_lease_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"INSERT INTO rent_lease_quote (lease_id, standard_id, quoted_on, area_centi,"
		" price_fen_m2, fixed_fen, base_fen, share_ppm, reduction, rounding,"
		" monthly_fen, created_at) SELECT CAST(? AS BIGINT), standard_id, quoted_on,"
		" area_centi, price_fen_m2, fixed_fen, base_fen, share_ppm, reduction,"
		" rounding, monthly_fen, created_at FROM rent_lease_quote WHERE lease_id = ?"
		" ON CONFLICT (lease_id) DO NOTHING",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, to_lease_id);
	db_bind_int64(st, 2, from_lease_id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/*
 * Versions.
 */

static bool
code_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Checks the reductions and returns them in their stored shape (new). */
static int
reductions_check(struct db *db, json_t *in, json_t **out, struct anju_err *e)
{
	json_t *list = json_array(), *it, *groups = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (in != NULL && !json_is_array(in)) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "reductions", "减免应为列表");
		goto out;
	}
	if (json_array_size(in) > RENT_REDUCTIONS_MAX) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_length", "reductions", "减免最多 %d 项",
			       RENT_REDUCTIONS_MAX);
		goto out;
	}
	json_array_foreach (in, i, it) {
		const char *code = json_string_value(json_object_get(it, "code"));
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *kind = json_string_value(json_object_get(it, "kind"));
		const char *match = json_string_value(json_object_get(it, "match"));
		json_t *share = json_object_get(it, "share_ppm");
		json_t *income = json_object_get(it, "income_max_fen");
		json_t *row;
		char field[64];
		size_t k;
		json_t *prev;

		snprintf(field, sizeof(field), "reductions[%zu]", i);
		if (!code_ok(code)) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				       "减免代码应为 1 到 40 个小写字母、数字或下划线");
			goto out;
		}
		json_array_foreach (list, k, prev)
			if (strcmp(json_string_value(json_object_get(prev, "code")), code) == 0) {
				rc = anju_fail(e, ANJU_EINVAL, "duplicate_value", field,
					       "减免代码“%s”重复", code);
				goto out;
			}
		if (name == NULL || text_chars(name) < 1 || text_chars(name) > 60) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				       "请填写减免名称（最多 60 字）");
			goto out;
		}
		if (!in_list(reduction_kinds, kind)) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				       "减免依据应为家庭类别、特殊群体或收入档次");
			goto out;
		}
		if (!json_is_integer(share) || json_integer_value(share) < 1 ||
		    json_integer_value(share) > RENT_PPM) {
			rc = anju_fail(
				e, ANJU_EINVAL, "out_of_range", field,
				"应缴比例应在 0.0001%% 到 100%% 之间（百万分数 1 到 1000000）");
			goto out;
		}
		row = json_pack("{s:s, s:s, s:s, s:I}", "code", code, "name", name, "kind", kind,
				"share_ppm", (json_int_t)json_integer_value(share));
		json_array_append_new(list, row);
		if (strcmp(kind, "income_tier") == 0) {
			if (!json_is_integer(income) || json_integer_value(income) < 1 ||
			    json_integer_value(income) > RENT_INCOME_MAX_FEN) {
				rc = anju_fail(e, ANJU_EINVAL, "out_of_range", field,
					       "收入档次应填写人均月收入上限（分）");
				goto out;
			}
			json_object_set(row, "income_max_fen", income);
			continue;
		}
		if (match == NULL || match[0] == '\0') {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				       "请填写适用的家庭类别或特殊群体代码");
			goto out;
		}
		if (strcmp(kind, "category") == 0) {
			json_t *cat = NULL;

			rc = household_category_get(db, match, &cat, e);
			json_decref(cat);
			if (rc == ANJU_ENOTFOUND)
				rc = anju_fail(e, ANJU_EINVAL, "category_unknown", field,
					       "没有家庭类别“%s”", match);
			if (rc != 0)
				goto out;
		} else {
			bool found = false;
			json_t *g;
			size_t j;

			if (groups == NULL &&
			    (rc = tenancy_special_groups(db, NULL, &groups, e)) != 0)
				goto out;
			json_array_foreach (groups, j, g)
				found |= strcmp(json_string_value(json_object_get(g, "code")) ?: "",
						match) == 0;
			if (!found) {
				rc = anju_fail(e, ANJU_EINVAL, "special_group_unknown", field,
					       "没有特殊群体“%s”", match);
				goto out;
			}
		}
		json_object_set_new(row, "match", json_string(match));
	}
	*out = list;
	list = NULL;
out:
	json_decref(list);
	json_decref(groups);
	return rc;
}

static int
bureau_only(const struct caller *c, struct anju_err *e)
{
	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "租金标准只能由住房保障主管部门制定");
	return 0;
}

struct standard_row {
	int64_t id, community_id;
	char layout[64], effective_from[DATE_FMT_LEN], state[16];
};

static int
standard_load(struct db *db, int64_t id, struct standard_row *s, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_prepare(db,
			"SELECT id, community_id, layout, effective_from, state FROM rent_standard"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		s->id = db_col_int64(st, 0);
		s->community_id = db_col_int64(st, 1);
		snprintf(s->layout, sizeof(s->layout), "%s", db_col_text(st, 2));
		snprintf(s->effective_from, sizeof(s->effective_from), "%s", db_col_text(st, 3));
		snprintf(s->state, sizeof(s->state), "%s", db_col_text(st, 4));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "rent_standard_not_found", NULL,
				 "没有这个租金标准");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
audit_standard(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	       json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "rent_standard", oid, before, after, e);
}

/* Withdraws a version still to come; the caller checked the role. */
static int
withdraw(struct db *db, const struct standard_row *s, const char *reason,
	 const struct audit_actor *who, struct anju_err *e)
{
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN];
	struct db_stmt *st;
	json_t *before, *after;
	int rc;

	today_text(today);
	if (strcmp(s->state, "withdrawn") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "standard_withdrawn", NULL,
				 "租金标准 #%lld 已经撤回（当前状态：已撤回）", (long long)s->id);
	if (strcmp(s->effective_from, today) <= 0)
		return anju_fail(e, ANJU_ECONFLICT, "standard_in_force", NULL,
				 "租金标准 #%lld 自 %s 起已生效，不能再修改或撤回，请制定新版本",
				 (long long)s->id, s->effective_from);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE rent_standard SET state = 'withdrawn', withdrawn_at = ?,"
			" withdrawn_by = ?, withdraw_reason = ? WHERE id = ? AND state = 'active'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 3, reason);
	db_bind_int64(st, 4, s->id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	before = json_pack("{s:s}", "state", s->state);
	after = json_pack("{s:s, s:s}", "state", "withdrawn", "reason", reason);
	rc = audit_standard(db, who, "rent_standard.withdraw", s->id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
rent_standard_withdraw(struct db *db, const struct caller *c, int64_t id, const char *reason,
		       const struct audit_actor *who, struct anju_err *e)
{
	struct standard_row s;
	json_t *seen = NULL;
	int rc;

	if ((rc = rent_standard_get(db, c, id, &seen, e)) != 0)
		return rc;
	json_decref(seen);
	if ((rc = bureau_only(c, e)) != 0 || (rc = standard_load(db, id, &s, e)) != 0)
		return rc;
	if (reason == NULL || text_chars(reason) < 2 || text_chars(reason) > 200)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason",
				 "请填写撤回理由（2 到 200 字）");
	return withdraw(db, &s, reason, who, e);
}

static int
community_exists(struct db *db, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT 1 FROM community WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
rent_standard_create(struct db *db, const struct caller *c, const struct rent_standard_in *in,
		     const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], *text = NULL;
	const char *rounding = in->rounding ? in->rounding : "half_up";
	int due_day = in->due_day ? in->due_day : RENT_DUE_DAY_DEFAULT;
	bool fixed = in->mode != NULL && strcmp(in->mode, "fixed") == 0;
	struct standard_row old;
	struct db_stmt *st;
	enum rounding r;
	struct date d;
	json_t *reductions = NULL, *after = NULL;
	int rc;

	*id = 0;
	today_text(today);
	if ((rc = bureau_only(c, e)) != 0)
		return rc;
	if (in->layout == NULL || text_chars(in->layout) < 1 || text_chars(in->layout) > 30)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "layout",
				 "请填写户型（与房屋登记的户型一致，或 * 表示全部户型）");
	if (in->effective_from == NULL || date_parse(str_c(in->effective_from), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "effective_from",
				 "生效日期应为 YYYY-MM-DD 格式");
	if (strcmp(in->effective_from, today) < 0)
		return anju_fail(e, ANJU_EINVAL, "effective_in_past", "effective_from",
				 "新版本只能从今天（%s）或以后生效；已生效的标准不能追溯修改",
				 today);
	if (!in_list(modes, in->mode))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "mode",
				 "计租方式应为 per_m2（按建筑面积）或 fixed（固定月租）");
	if (!fixed && (in->price_fen_m2 < 1 || in->price_fen_m2 > RENT_PRICE_MAX_FEN))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "price_fen_m2",
				 "按面积计租时请填写每平方米月租金（0.01 到 1000 元）");
	if (fixed && (in->fixed_fen < 1 || in->fixed_fen > RENT_FIXED_MAX_FEN))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "fixed_fen",
				 "固定月租时请填写月租金（0.01 元到 100 万元）");
	if (rounding_parse(rounding, &r) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "rounding",
				 "舍入规则应为 half_up、half_even、down、up、floor 或 ceiling");
	if (due_day < 1 || due_day > 28)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "due_day",
				 "缴租日应为每月 1 到 28 日");
	if (in->note != NULL && text_chars(in->note) > 200)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "说明最多 200 字");
	if ((rc = community_exists(db, in->community_id, e)) != 0 ||
	    (rc = reductions_check(db, in->reductions, &reductions, e)) != 0)
		return rc;
	if (in->replaces_id > 0) {
		if ((rc = standard_load(db, in->replaces_id, &old, e)) != 0)
			goto out;
		if (old.community_id != in->community_id || strcmp(old.layout, in->layout) != 0) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "replaces_id",
				       "被更正的标准应属于同一小区和户型");
			goto out;
		}
		if ((rc = withdraw(db, &old, "由新版本更正", who, e)) != 0)
			goto out;
	}
	text = json_dumps(reductions, JSON_COMPACT);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO rent_standard (community_id, layout, effective_from, mode,"
		" price_fen_m2, fixed_fen, rounding, due_day, reductions, note, state,"
		" replaces_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" 'active', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, in->community_id);
	db_bind_cstr(st, 2, in->layout);
	db_bind_cstr(st, 3, in->effective_from);
	db_bind_cstr(st, 4, in->mode);
	db_bind_int64(st, 5, fixed ? 0 : in->price_fen_m2);
	db_bind_int64(st, 6, fixed ? in->fixed_fen : 0);
	db_bind_cstr(st, 7, rounding_name(r));
	db_bind_int64(st, 8, due_day);
	db_bind_cstr(st, 9, text);
	db_bind_cstr(st, 10, in->note ? in->note : "");
	if (in->replaces_id > 0)
		db_bind_int64(st, 11, in->replaces_id);
	else
		db_bind_null(st, 11);
	db_bind_cstr(st, 12, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 13, now);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE) {
		rc = anju_fail(
			e, ANJU_ECONFLICT, "standard_exists", "effective_from",
			"该小区户型“%s”已有 %s 起生效的租金标准；要更正尚未生效的版本，请指明"
			"被更正的标准",
			in->layout, in->effective_from);
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	after = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:i, s:O}", "community_id",
			  (json_int_t)in->community_id, "layout", in->layout, "effective_from",
			  in->effective_from, "mode", in->mode, "price_fen_m2",
			  (json_int_t)(fixed ? 0 : in->price_fen_m2), "fixed_fen",
			  (json_int_t)(fixed ? in->fixed_fen : 0), "rounding", rounding_name(r),
			  "due_day", due_day, "reductions", reductions);
	if (in->replaces_id > 0)
		json_object_set_new(after, "replaces_id", json_integer(in->replaces_id));
	rc = audit_standard(db, who, "rent_standard.create", *id, NULL, after, e);
out:
	free(text);
	json_decref(after);
	json_decref(reductions);
	return rc;
}

/* The version's successor (next_from) decides whether it is in force. */
#define STANDARD_SELECT                                                                            \
	"SELECT s.id, s.community_id, c.name, s.layout, s.effective_from, s.mode,"                 \
	" s.price_fen_m2, s.fixed_fen, s.rounding, s.due_day, s.reductions, s.note, s.state,"      \
	" s.replaces_id, s.created_by, s.created_at, s.withdrawn_at, s.withdraw_reason,"           \
	" (SELECT MIN(n.effective_from) FROM rent_standard n WHERE n.community_id ="               \
	" s.community_id AND n.layout = s.layout AND n.state = 'active'"                           \
	" AND n.effective_from > s.effective_from)"                                                \
	" FROM rent_standard s JOIN community c ON c.id = s.community_id"

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
standard_row(struct db_stmt *st, void *ud)
{
	const char *from = db_col_text(st, 4), *next = db_col_text(st, 18);
	const char *state = db_col_text(st, 12), *status;
	char today[DATE_FMT_LEN];
	json_t *j, *reductions;

	(void)ud;
	today_text(today);
	if (strcmp(state, "withdrawn") == 0)
		status = "withdrawn";
	else if (strcmp(from, today) > 0)
		status = "future";
	else if (next != NULL && strcmp(next, today) <= 0)
		status = "superseded";
	else
		status = "in_force";
	reductions = json_loads(db_col_text(st, 10), 0, NULL);
	if (!json_is_array(reductions)) {
		json_decref(reductions);
		reductions = json_array();
	}
	j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:o, s:s, s:s, s:s,"
		      " s:s, s:s, s:b}",
		      "id", (json_int_t)db_col_int64(st, 0), "community_id",
		      (json_int_t)db_col_int64(st, 1), "community_name", db_col_text(st, 2),
		      "layout", db_col_text(st, 3), "effective_from", from, "mode",
		      db_col_text(st, 5), "price_fen_m2", (json_int_t)db_col_int64(st, 6),
		      "fixed_fen", (json_int_t)db_col_int64(st, 7), "rounding", db_col_text(st, 8),
		      "due_day", (json_int_t)db_col_int64(st, 9), "reductions", reductions, "note",
		      db_col_text(st, 11), "state", state, "status", status, "created_by",
		      db_col_text(st, 14), "created_at", db_col_text(st, 15), "in_force",
		      strcmp(status, "in_force") == 0);
	json_object_set_new(j, "replaces_id",
			    db_col_null(st, 13) ? json_null() : json_integer(db_col_int64(st, 13)));
	json_object_set_new(j, "withdrawn_at", text_or_null(st, 16));
	json_object_set_new(j, "withdraw_reason", text_or_null(st, 17));
	json_object_set_new(j, "next_from", text_or_null(st, 18));
	return j;
}

int
rent_standard_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, STANDARD_SELECT " WHERE s.id = ? AND " SCOPE_SQL("s.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rent_scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		*out = standard_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "rent_standard_not_found", NULL,
				 "没有这个租金标准");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
rent_standard_list(struct db *db, const struct caller *c, const struct rent_standard_filter *f,
		   json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			STANDARD_SELECT
			" WHERE s.id < ? AND (? = 0 OR s.community_id = ?)"
			" AND (? = 0 OR s.layout = ?) AND (? = 1 OR s.state = 'active')"
			" AND " SCOPE_SQL("s.community_id") " ORDER BY s.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->after_id > 0 ? f->after_id : INT64_MAX);
	db_bind_int64(st, 2, f->community_id);
	db_bind_int64(st, 3, f->community_id);
	db_bind_int64(st, 4, f->layout != NULL ? 1 : 0);
	db_bind_cstr(st, 5, f->layout != NULL ? f->layout : "");
	db_bind_int64(st, 6, f->include_withdrawn ? 1 : 0);
	rent_scope_bind(st, 7, c);
	db_bind_int64(st, 9, f->limit + 1);
	rc = page_collect(st, f->limit, standard_row, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}
