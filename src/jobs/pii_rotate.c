/*
 * The key-rotation job ("pii_rotate"): after `anju keys rotate` has made a
 * new personal-data key current, re-seals every sealed column that
 * access/pii.h's pii_tables lists under it, so the old keys can eventually
 * be retired.
 *
 * Table by table, in chunks of rows in id order (keyset paging), each chunk
 * one transaction that also records the checkpoint "<table>:<last id>".
 * Values already under the target kid are left alone, so a chunk redone
 * after a crash, a resumed job or a second run changes nothing twice.  A
 * value is replaced only if it is still the one that was read (compare and
 * set), so a concurrent edit is never overwritten with older data.
 *
 * The job needs the keyring of the process that runs it (keys_current()),
 * and that keyring must have the target kid current: a server started before
 * the rotation does not, and the job then fails saying so rather than
 * re-sealing under the old key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/keys.h"

#define DEFAULT_CHUNK 500
#define MAX_COLUMNS   16

static const struct field params[] = {
	{ "kid", F_INT, true, 1, 999999999, .desc = "重新加密到的密钥编号（当前密钥）" },
	{ "chunk", F_INT, false, 1, 10000, .desc = "每个提交块的行数（默认 500）" },
	{ NULL },
};

struct row {
	int64_t id;
	char *values[MAX_COLUMNS];
};

struct rotation {
	struct job_ctx *ctx;
	const struct keyring *kr;
	int kid;
	int64_t chunk;
	int64_t done, total, resealed;
};

static size_t
ncolumns(const struct pii_table *t)
{
	size_t n = 0;

	while (t->columns[n] != NULL)
		n++;
	return n;
}

/* The registry's names go into SQL text: each must be a plain identifier. */
static int
check_table(const struct pii_table *t, struct anju_err *e)
{
	bool ok = db_identifier_ok(t->table) && db_identifier_ok(t->id_column) && ncolumns(t) > 0 &&
		  ncolumns(t) <= MAX_COLUMNS;

	for (size_t i = 0; ok && t->columns[i] != NULL; i++)
		ok = db_identifier_ok(t->columns[i]);
	if (!ok)
		return anju_fail(e, ANJU_EINTERNAL, "bad_identifier", NULL,
				 "pii_tables has an impossible entry for table %s", t->table);
	return 0;
}

/* Rows of t: all of them (upto < 0) or those with id <= upto. */
static int
count_rows(struct db *db, const struct pii_table *t, int64_t upto, int64_t *n)
{
	struct db_stmt *st;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT COUNT(*) FROM %s", t->table);
	if (upto >= 0)
		buf_printf(&sql, " WHERE %s <= ?", t->id_column);
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return rc;
	if (upto >= 0)
		db_bind_int64(st, 1, upto);
	rc = db_step(st);
	*n = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : (rc < 0 ? rc : ANJU_EDB);
}

/* Reads the next chunk of rows after after_id into rows (from a). */
static int
read_chunk(struct rotation *r, const struct pii_table *t, int64_t after_id, struct arena *a,
	   struct row *rows, size_t *nrows)
{
	struct db *db = job_db(r->ctx);
	size_t ncol = ncolumns(t);
	struct db_stmt *st;
	struct buf sql;
	int rc;

	*nrows = 0;
	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT %s", t->id_column);
	for (size_t c = 0; c < ncol; c++)
		buf_printf(&sql, ", %s", t->columns[c]);
	buf_printf(&sql, " FROM %s WHERE %s > ? ORDER BY %s LIMIT ?", t->table, t->id_column,
		   t->id_column);
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, r->chunk);
	while ((rc = db_step(st)) == DB_ROW && *nrows < (size_t)r->chunk) {
		struct row *row = &rows[(*nrows)++];

		row->id = db_col_int64(st, 0);
		for (size_t c = 0; c < ncol; c++)
			row->values[c] = db_col_null(st, (int)c + 1)
						 ? NULL
						 : arena_strdup(a, db_col_text(st, (int)c + 1));
	}
	db_reset(st);
	return rc < 0 ? rc : 0;
}

/* Re-seals one value under the target kid, if it is not already. */
static int
reseal_value(struct rotation *r, const struct pii_table *t, const char *column, int64_t id,
	     const char *old, struct anju_err *e)
{
	struct db *db = job_db(r->ctx);
	char *plain = NULL, *sealed = NULL;
	size_t n = 0;
	struct db_stmt *st;
	struct buf sql;
	int rc, kid = pii_kid(old);

	if (kid == r->kid)
		return 0;
	rc = pii_open(r->kr, old, &plain, &n);
	if (rc != 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "pii_unreadable", NULL,
				 "%s.%s of %s %lld cannot be opened (%s): fix or restore it, then "
				 "run the job again",
				 t->table, column, t->id_column, (long long)id,
				 rc == ANJU_ENOTFOUND ? "its key is not in keys/pii"
						      : "malformed or altered");
	rc = pii_seal(r->kr, plain, n, &sealed);
	pii_plain_free(plain, n);
	if (rc != 0)
		return anju_fail(e, rc, "pii_too_big", NULL, "%s.%s of %s %lld is too large",
				 t->table, column, t->id_column, (long long)id);
	buf_init(&sql, 0);
	buf_printf(&sql, "UPDATE %s SET %s = ? WHERE %s = ? AND %s = ?", t->table, column,
		   t->id_column, column);
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc == 0) {
		db_bind_cstr(st, 1, sealed);
		db_bind_int64(st, 2, id);
		db_bind_cstr(st, 3, old);
		rc = db_step(st);
		if (rc >= 0) {
			r->resealed += db_changes(st);
			rc = 0;
		}
		db_reset(st);
	}
	free(sealed);
	return rc != 0 ? job_db_fail(r->ctx, rc, e) : 0;
}

/* One chunk of table ti after *after_id: read, re-seal, checkpoint, commit.
 * *finished when the table has no rows left. */
static int
do_chunk(struct rotation *r, size_t ti, int64_t *after_id, bool *finished, struct anju_err *e)
{
	const struct pii_table *t = &pii_tables[ti];
	struct arena *a = arena_new();
	struct row *rows = arena_alloc(a, (size_t)r->chunk * sizeof(*rows));
	size_t nrows = 0;
	struct buf at;
	int rc;

	buf_init(&at, 0);
	if ((rc = job_chunk_begin(r->ctx, e)) != 0)
		goto out;
	if ((rc = read_chunk(r, t, *after_id, a, rows, &nrows)) != 0) {
		rc = job_db_fail(r->ctx, rc, e);
		goto abort;
	}
	for (size_t i = 0; i < nrows; i++)
		for (size_t c = 0; t->columns[c] != NULL; c++)
			if (rows[i].values[c] != NULL &&
			    (rc = reseal_value(r, t, t->columns[c], rows[i].id, rows[i].values[c],
					       e)) != 0)
				goto abort;
	r->done += (int64_t)nrows;
	*finished = nrows < (size_t)r->chunk;
	if (nrows > 0)
		*after_id = rows[nrows - 1].id;
	if (!*finished)
		buf_printf(&at, "%s:%lld", t->table, (long long)*after_id);
	else if (pii_tables[ti + 1].table != NULL)
		buf_printf(&at, "%s:0", pii_tables[ti + 1].table);
	else
		buf_adds(&at, "done");
	rc = job_chunk_end(r->ctx, r->done, r->total > r->done ? r->total : r->done, at.p,
			   "重新加密中", e);
	goto out;
abort:
	job_chunk_abort(r->ctx);
out:
	buf_free(&at);
	arena_free(a);
	return rc;
}

/* Parses the checkpoint into the table to continue with and the last id
 * done there; ti is the end of pii_tables for "done". */
static int
parse_checkpoint(const char *resume, size_t *ti, int64_t *after_id, struct anju_err *e)
{
	struct str s = str_c(resume), name;

	*ti = 0;
	*after_id = 0;
	if (resume[0] == '\0')
		return 0;
	if (strcmp(resume, "done") == 0) {
		while (pii_tables[*ti].table != NULL)
			(*ti)++;
		return 0;
	}
	if (str_cut(&s, ':', &name) && str_to_int64(s, 0, INT64_MAX, after_id) == 0)
		for (*ti = 0; pii_tables[*ti].table != NULL; (*ti)++)
			if (str_eq_c(name, pii_tables[*ti].table))
				return 0;
	return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
			 "checkpoint \"%s\" names no table of this version", resume);
}

static int64_t
param_int(json_t *p, const char *name, int64_t def)
{
	json_t *v = json_object_get(p, name);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct rotation r = { .ctx = ctx, .kr = keys_current() };
	struct db *db = job_db(ctx);
	size_t ti = 0;
	int64_t after_id = 0;
	int rc;

	r.kid = (int)param_int(job_params(ctx), "kid", 0);
	r.chunk = param_int(job_params(ctx), "chunk", DEFAULT_CHUNK);
	if (r.kr == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "本进程未载入密钥（keys/），无法重新加密");
	if (keys_pii_current(r.kr) != r.kid)
		return anju_fail(e, ANJU_ECONFLICT, "keyring_outdated", NULL,
				 "本进程的当前个人信息密钥是 %d，任务要求 %d：请重启 anju serve "
				 "以载入新密钥，再运行 anju keys reseal",
				 keys_pii_current(r.kr), r.kid);
	for (size_t i = 0; pii_tables[i].table != NULL; i++)
		if ((rc = check_table(&pii_tables[i], e)) != 0)
			return rc;
	if ((rc = parse_checkpoint(job_resume_at(ctx), &ti, &after_id, e)) != 0)
		return rc;
	/* Progress: every row of every table; on resumption, what was done. */
	for (size_t i = 0; pii_tables[i].table != NULL; i++) {
		int64_t n = 0;

		if ((rc = count_rows(db, &pii_tables[i], -1, &n)) != 0)
			return job_db_fail(ctx, rc, e);
		r.total += n;
		if (i < ti)
			r.done += n;
		else if (i == ti && after_id > 0) {
			if ((rc = count_rows(db, &pii_tables[i], after_id, &n)) != 0)
				return job_db_fail(ctx, rc, e);
			r.done += n;
		}
	}
	for (; pii_tables[ti].table != NULL; ti++, after_id = 0) {
		bool finished = false;

		while (!finished)
			if ((rc = do_chunk(&r, ti, &after_id, &finished, e)) != 0)
				return rc;
	}
	job_set_result(ctx, json_pack("{s:i, s:I, s:I}", "kid", r.kid, "rows", (json_int_t)r.done,
				      "resealed", (json_int_t)r.resealed));
	return 0;
}

const struct job_kind job_kind_pii_rotate = { "pii_rotate", "个人信息重新加密（密钥轮换）", params,
					      run };
