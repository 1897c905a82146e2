/*
 * Rows as JSON and one row by id that a caller may see.  See rows.h.
 */
#include "store/rows.h"

#include "store/db.h"

int
db_rows_json(struct db *db, struct db_stmt *st, page_row_fn row, json_t **items, struct anju_err *e)
{
	int rc;

	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(*items, row(st, NULL));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

int
db_row_json(struct db *db, struct db_stmt *st, page_row_fn row, json_t **out, const char *key,
	    const char *msg, struct anju_err *e)
{
	int rc;

	*out = NULL;
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, key, NULL, "%s", msg);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
db_row_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
	     row_scope_binder *bind, void (*read)(struct db_stmt *st, void *out), void *out,
	     const char *key, const char *msg, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		read(st, out);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, key, NULL, "%s", msg);
	return 0;
}

static void
read_int(struct db_stmt *st, void *out)
{
	*(int64_t *)out = db_col_int64(st, 0);
}

int
db_int_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
	     row_scope_binder *bind, int64_t *out, const char *key, const char *msg,
	     struct anju_err *e)
{
	*out = 0;
	return db_row_by_id(db, sql, id, c, bind, read_int, out, key, msg, e);
}

int
db_json_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
	      row_scope_binder *bind, page_row_fn row, json_t **out, const char *key,
	      const char *msg, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	bind(st, 2, c);
	if ((rc = db_row_json(db, st, row, out, key, msg, e)) == 0 && *out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, key, NULL, "%s", msg);
	return rc;
}
