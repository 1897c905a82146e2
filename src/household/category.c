/*
 * Household categories: the configurable list (城镇中等偏下收入住房困难家庭,
 * 新就业无房职工, 外来务工人员 ...) with each one's priority on the waitlist.
 * A category is never deleted, since households keep theirs: it is made
 * inactive, and new households cannot take it.  See household.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "audit/audit.h"
#include "household/household.h"
#include "household/internal.h"
#include "store/db.h"

#define PRIORITY_MAX 100000

static json_t *
category_row(struct db_stmt *st)
{
	return json_pack("{s:s, s:s, s:I, s:b}", "code", db_col_text(st, 0), "name",
			 db_col_text(st, 1), "priority", (json_int_t)db_col_int64(st, 2), "active",
			 db_col_int64(st, 3) != 0);
}

int
household_category_list(struct db *db, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT code, name, priority, active FROM household_category"
			" ORDER BY priority, code",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	*out = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(*out, category_row(st));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

int
household_category_get(struct db *db, const char *code, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db, "SELECT code, name, priority, active FROM household_category WHERE code = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = category_row(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "category_not_found", "category",
				 "没有这个家庭类别");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
category_usable(struct db *db, const char *code, const char *field, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	/* Asked once per household created (an import's hundred thousand):
	 * the two columns, without building the category's JSON. */
	rc = db_prepare(db, "SELECT name, active FROM household_category WHERE code = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	if (rc == DB_ROW && db_col_int64(st, 1) == 0)
		rc = anju_fail(e, ANJU_ECONFLICT, "category_inactive", field, "家庭类别“%s”已停用",
			       db_col_text(st, 0));
	else if (rc == DB_ROW)
		rc = 0;
	else if (rc == DB_DONE)
		rc = anju_fail(e, ANJU_ENOTFOUND, "category_not_found", field,
			       "没有这个家庭类别：%s", code);
	else
		rc = db_fail(db, rc, e);
	db_reset(st);
	return rc;
}

static int
check(const struct household_category_in *in, bool create, struct anju_err *e)
{
	if (create && !text_is_code(in->code))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "code",
				 "类别代码应为小写字母开头的 2 到 32 个小写字母、数字或下划线");
	if ((create || in->name != NULL) &&
	    (in->name == NULL || in->name[0] == '\0' || text_chars(in->name) > 64))
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "name",
				 "类别名称应为 1 到 64 个字符");
	if ((create || in->priority >= 0) && (in->priority < 0 || in->priority > PRIORITY_MAX))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "priority",
				 "优先级应在 0 到 %d 之间", PRIORITY_MAX);
	if (in->active > 1)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "active", "active 应为 0 或 1");
	return 0;
}

/* The one unique column besides the code: a name clash is the only
 * conflict an update can meet. */
static int
name_free(struct db *db, const char *name, const char *code, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT code FROM household_category WHERE name = ? AND code <> ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, name);
	db_bind_cstr(st, 2, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "category_name_taken", "name",
				 "已有同名的家庭类别");
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
household_category_create(struct db *db, const struct household_category_in *in,
			  const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *after = NULL, *existing = NULL;
	int active = in->active < 0 ? 1 : in->active;
	int rc;

	if ((rc = check(in, true, e)) != 0)
		return rc;
	rc = household_category_get(db, in->code, &existing, e);
	json_decref(existing);
	if (rc == 0)
		return anju_fail(e, ANJU_ECONFLICT, "category_exists", "code", "类别代码 %s 已存在",
				 in->code);
	if (rc != ANJU_ENOTFOUND)
		return rc;
	anju_err_clear(e);
	if ((rc = name_free(db, in->name, in->code, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"INSERT INTO household_category (code, name, priority, active)"
			" VALUES (?, ?, ?, ?)",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, in->code);
		db_bind_cstr(st, 2, in->name);
		db_bind_int64(st, 3, in->priority);
		db_bind_int64(st, 4, active);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:I, s:b}", "name", in->name, "priority", (json_int_t)in->priority,
			  "active", active);
	rc = audit_write(db, who, "household_category.create", "household_category", in->code, NULL,
			 after, e);
	json_decref(after);
	return rc;
}

int
household_category_update(struct db *db, const struct household_category_in *in,
			  const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *before = NULL, *after, *diff = NULL;
	int rc;

	if ((rc = check(in, false, e)) != 0)
		return rc;
	if ((rc = household_category_get(db, in->code, &before, e)) != 0)
		return rc;
	json_object_del(before, "code");
	after = json_deep_copy(before);
	if (in->name != NULL)
		json_object_set_new(after, "name", json_string(in->name));
	if (in->priority >= 0)
		json_object_set_new(after, "priority", json_integer(in->priority));
	if (in->active >= 0)
		json_object_set_new(after, "active", json_boolean(in->active));
	if ((diff = audit_diff(before, after)) == NULL)
		goto out;
	if (in->name != NULL && (rc = name_free(db, in->name, in->code, e)) != 0)
		goto out;
	rc = db_prepare(db,
			"UPDATE household_category SET name = ?, priority = ?, active = ?"
			" WHERE code = ?",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, json_string_value(json_object_get(after, "name")));
		db_bind_int64(st, 2, json_integer_value(json_object_get(after, "priority")));
		db_bind_int64(st, 3, json_is_true(json_object_get(after, "active")) ? 1 : 0);
		db_bind_cstr(st, 4, in->code);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_write(db, who, "household_category.update", "household_category", in->code,
			 json_object_get(diff, "before"), json_object_get(diff, "after"), e);
out:
	json_decref(before);
	json_decref(after);
	json_decref(diff);
	return rc;
}
