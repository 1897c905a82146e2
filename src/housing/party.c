/*
 * The parties of the housing stock: owners (产权单位), operators (承接主体)
 * and the purchase agreement (购买服务合同) between the bureau and an
 * operator, kept as data (period, annual fee, service items with their
 * standards, the assessment rules' reference, breach clauses) for the
 * assessment issue to read.  See housing.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/idnum.h"
#include "housing/housing.h"
#include "housing/housing_int.h"
#include "store/db.h"
#include "store/page.h"

#define AGREEMENT_ITEMS_MAX 100

/* Owners and operators are the same shape in two tables. */
struct party_table {
	const char *what; /* housing_not_found() and the audit action's prefix */
	const char *title;
	const char *taken_sql, *insert_sql, *list_sql, *exists_sql;
	const char *create_action;
};

static const struct party_table owners = {
	"owner",
	"产权单位",
	"SELECT id FROM owner WHERE credit_code = ?",
	"INSERT INTO owner (name, credit_code, contact, created_at) VALUES (?, ?, ?, ?)"
	" RETURNING id",
	"SELECT id, name, credit_code, contact, created_at FROM owner WHERE id > ?"
	" ORDER BY id LIMIT ?",
	"SELECT id FROM owner WHERE id = ?",
	"owner.create",
};

static const struct party_table operators = {
	"operator",
	"承接主体",
	"SELECT id FROM operator WHERE credit_code = ?",
	"INSERT INTO operator (name, credit_code, contact, created_at) VALUES (?, ?, ?, ?)"
	" RETURNING id",
	"SELECT id, name, credit_code, contact, created_at FROM operator WHERE id > ?"
	" ORDER BY id LIMIT ?",
	"SELECT id FROM operator WHERE id = ?",
	"operator.create",
};

/* Whether a row with that id exists: 0, ANJU_ENOTFOUND (field) or a
 * storage error. */
static int
exists(struct db *db, const char *sql, int64_t id, const char *what, const char *field,
       struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, what, field);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
party_create(struct db *db, const struct party_table *t, const struct party_in *in,
	     const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char code[19], now[TIME_FMT_LEN];
	json_t *after;
	int rc;

	if ((rc = housing_text_ok(in->name, "name", "名称", 100, true, false, e)) != 0 ||
	    (rc = housing_text_ok(in->contact, "contact", "联系方式", 200, false, false, e)) != 0)
		return rc;
	/* A code that fails GB 32100 is well-formed input refused by a rule: 422,
	 * as for an ID number. */
	if (credit_code_parse(str_c(in->credit_code), code, e) != 0) {
		if (e != NULL)
			e->code = ANJU_EUNPROCESSABLE;
		return ANJU_EUNPROCESSABLE;
	}
	if ((rc = db_prepare(db, t->taken_sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "credit_code_taken", "credit_code",
				 "已有使用此统一社会信用代码的%s", t->title);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	if ((rc = db_prepare(db, t->insert_sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->name);
	db_bind_cstr(st, 2, code);
	db_bind_cstr(st, 3, in->contact ? in->contact : "");
	db_bind_cstr(st, 4, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:s, s:s}", "name", in->name, "credit_code", code, "contact",
			  in->contact ? in->contact : "");
	rc = housing_audit(db, who, t->create_action, t->what, *id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
owner_create(struct db *db, const struct party_in *in, const struct audit_actor *who, int64_t *id,
	     struct anju_err *e)
{
	return party_create(db, &owners, in, who, id, e);
}

int
operator_create(struct db *db, const struct party_in *in, const struct audit_actor *who,
		int64_t *id, struct anju_err *e)
{
	return party_create(db, &operators, in, who, id, e);
}

static json_t *
party_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)db_col_int64(st, 0), "name",
			 db_col_text(st, 1), "credit_code", db_col_text(st, 2), "contact",
			 db_col_text(st, 3), "created_at", db_col_text(st, 4));
}

static int
party_list(struct db *db, const struct party_table *t, int64_t after_id, int limit, json_t **items,
	   int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, t->list_sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit + 1);
	if ((rc = page_collect(st, limit, party_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
owner_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
	   struct anju_err *e)
{
	return party_list(db, &owners, after_id, limit, items, next, e);
}

int
operator_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
	      struct anju_err *e)
{
	return party_list(db, &operators, after_id, limit, items, next, e);
}

static int
items_ok(const struct agreement_item_in *items, int n, const char *field, struct anju_err *e)
{
	char path[64];
	int rc;

	if (n < 0 || n > AGREEMENT_ITEMS_MAX || (n > 0 && items == NULL))
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "条目不能超过 %d 条",
				 AGREEMENT_ITEMS_MAX);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s[%d].name", field, i);
		if ((rc = housing_text_ok(items[i].name, path, "条目名称", 100, true, false, e)) !=
		    0)
			return rc;
		snprintf(path, sizeof(path), "%s[%d].standard", field, i);
		if ((rc = housing_text_ok(items[i].standard, path, "标准", 2000, false, true, e)) !=
		    0)
			return rc;
		if (items[i].deduction_fen < -1) {
			snprintf(path, sizeof(path), "%s[%d].deduction_fen", field, i);
			return anju_fail(e, ANJU_EINVAL, "out_of_range", path,
					 "扣减金额不能为负数");
		}
	}
	return 0;
}

static int
agreement_check(struct db *db, const struct agreement_in *in, struct anju_err *e)
{
	struct date from, to;
	int rc;

	if ((rc = housing_text_ok(in->code, "code", "合同编号", 64, true, false, e)) != 0 ||
	    (rc = housing_text_ok(in->assessment_rules, "assessment_rules", "考核办法", 500, false,
				  true, e)) != 0)
		return rc;
	if (date_parse(str_c(in->starts_on), &from) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "starts_on",
				 "开始日期应为有效日期 YYYY-MM-DD");
	if (date_parse(str_c(in->ends_on), &to) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "ends_on",
				 "结束日期应为有效日期 YYYY-MM-DD");
	if (date_cmp(from, to) > 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "ends_on",
				 "结束日期不能早于开始日期");
	if (in->annual_fee_fen < 0)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "annual_fee_fen",
				 "年度服务费不能为负数");
	if ((rc = items_ok(in->services, in->nservices, "services", e)) != 0 ||
	    (rc = items_ok(in->breaches, in->nbreaches, "breaches", e)) != 0)
		return rc;
	if ((rc = exists(db, operators.exists_sql, in->operator_id, "operator", "operator_id",
			 e)) != 0)
		return rc;
	if (in->owner_id != 0 &&
	    (rc = exists(db, owners.exists_sql, in->owner_id, "owner", "owner_id", e)) != 0)
		return rc;
	return 0;
}

static int
insert_items(struct db *db, int64_t agreement_id, const char *kind,
	     const struct agreement_item_in *items, int n, json_t *log, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	for (int i = 0; i < n; i++) {
		rc = db_prepare(
			db,
			"INSERT INTO agreement_item (agreement_id, kind, seq, name, standard,"
			" deduction_fen) VALUES (?, ?, ?, ?, ?, ?)",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, agreement_id);
		db_bind_cstr(st, 2, kind);
		db_bind_int64(st, 3, i + 1);
		db_bind_cstr(st, 4, items[i].name);
		db_bind_cstr(st, 5, items[i].standard ? items[i].standard : "");
		if (items[i].deduction_fen >= 0)
			db_bind_int64(st, 6, items[i].deduction_fen);
		else
			db_bind_null(st, 6);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
		json_array_append_new(log, json_string(items[i].name));
	}
	return 0;
}

int
agreement_create(struct db *db, const struct agreement_in *in, const struct audit_actor *who,
		 int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *services = NULL, *breaches = NULL, *after;
	int rc;

	if ((rc = agreement_check(db, in, e)) != 0)
		return rc;
	if ((rc = db_prepare(db, "SELECT id FROM agreement WHERE code = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "agreement_code_taken", "code",
				 "已有此编号的购买服务合同");
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO agreement (code, operator_id, owner_id, starts_on, ends_on,"
			" annual_fee_fen, assessment_rules, created_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->code);
	db_bind_int64(st, 2, in->operator_id);
	if (in->owner_id != 0)
		db_bind_int64(st, 3, in->owner_id);
	else
		db_bind_null(st, 3);
	db_bind_cstr(st, 4, in->starts_on);
	db_bind_cstr(st, 5, in->ends_on);
	db_bind_int64(st, 6, in->annual_fee_fen);
	db_bind_cstr(st, 7, in->assessment_rules ? in->assessment_rules : "");
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	services = json_array();
	breaches = json_array();
	if ((rc = insert_items(db, *id, "service", in->services, in->nservices, services, e)) !=
		    0 ||
	    (rc = insert_items(db, *id, "breach", in->breaches, in->nbreaches, breaches, e)) != 0)
		goto out;
	after = json_pack("{s:s, s:I, s:o, s:s, s:s, s:I, s:s, s:O, s:O}", "code", in->code,
			  "operator_id", (json_int_t)in->operator_id, "owner_id",
			  in->owner_id ? json_integer(in->owner_id) : json_null(), "starts_on",
			  in->starts_on, "ends_on", in->ends_on, "annual_fee_fen",
			  (json_int_t)in->annual_fee_fen, "assessment_rules",
			  in->assessment_rules ? in->assessment_rules : "", "services", services,
			  "breaches", breaches);
	rc = housing_audit(db, who, "agreement.create", "agreement", *id, NULL, after, e);
	json_decref(after);
out:
	json_decref(services);
	json_decref(breaches);
	return rc;
}

#define AGREEMENT_SELECT                                                                           \
	"SELECT a.id, a.code, a.operator_id, p.name, a.owner_id, o.name, a.starts_on,"             \
	" a.ends_on, a.annual_fee_fen, a.assessment_rules, a.created_at FROM agreement a"          \
	" JOIN operator p ON p.id = a.operator_id LEFT JOIN owner o ON o.id = a.owner_id"

static json_t *
agreement_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:I, s:s, s:o, s:o, s:s, s:s, s:I, s:s, s:s}", "id",
			 (json_int_t)db_col_int64(st, 0), "code", db_col_text(st, 1), "operator_id",
			 (json_int_t)db_col_int64(st, 2), "operator_name", db_col_text(st, 3),
			 "owner_id", housing_col_int(st, 4), "owner_name", housing_col_text(st, 5),
			 "starts_on", db_col_text(st, 6), "ends_on", db_col_text(st, 7),
			 "annual_fee_fen", (json_int_t)db_col_int64(st, 8), "assessment_rules",
			 db_col_text(st, 9), "created_at", db_col_text(st, 10));
}

int
agreement_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, AGREEMENT_SELECT " WHERE a.id > ? ORDER BY a.id LIMIT ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit + 1);
	if ((rc = page_collect(st, limit, agreement_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
agreement_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *a = NULL, *services, *breaches;
	int rc;

	if ((rc = db_prepare(db, AGREEMENT_SELECT " WHERE a.id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		a = agreement_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "agreement", NULL);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	rc = db_prepare(db,
			"SELECT kind, seq, name, standard, deduction_fen FROM agreement_item"
			" WHERE agreement_id = ? ORDER BY kind, seq",
			&st);
	if (rc != 0) {
		json_decref(a);
		return db_fail(db, rc, e);
	}
	services = json_array();
	breaches = json_array();
	json_object_set_new(a, "services", services);
	json_object_set_new(a, "breaches", breaches);
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		bool breach = strcmp(db_col_text(st, 0), "breach") == 0;
		json_t *item =
			json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)db_col_int64(st, 1), "name",
				  db_col_text(st, 2), "standard", db_col_text(st, 3));

		if (breach)
			json_object_set_new(item, "deduction_fen", housing_col_int(st, 4));
		json_array_append_new(breach ? breaches : services, item);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(a);
		return db_fail(db, rc, e);
	}
	*out = a;
	return 0;
}
