/*
 * The stored masks' job ("person_masks"): fills person.id_number_masked and
 * person.phone_masked (sql/031) on the rows written before those columns
 * existed, opening each sealed value once, so that lists, searches and
 * dossiers stop opening them on every read.  Migration 031 queues it when the
 * database already has people; the first `anju serve` runs it.
 *
 * In chunks of rows in id order (keyset paging), each chunk one transaction
 * that records the checkpoint: the last id done and the counts so far
 * ("id,rows,masks,unreadable").  A mask is written only
 * where it is still missing and the sealed value is still the one that was
 * read, so a change made meanwhile (which stores its own mask) is never
 * overwritten, and a run again changes nothing twice.  A value that cannot be
 * opened (its key is not in keys/pii, or it is damaged) is left without a
 * mask and counted: lists show it as they did, as null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/keys.h"

#define DEFAULT_CHUNK 500

static const struct field params[] = {
	{ "chunk", F_INT, false, 1, 10000, .desc = "每个提交块的行数（默认 500）" },
	{ NULL },
};

/* A row still missing a mask: its sealed values, NULL where that field
 * needs nothing (no value, or a mask already there). */
struct row {
	int64_t id;
	char *id_number, *phone;
};

struct fill {
	struct job_ctx *ctx;
	int64_t chunk;
	int64_t done, total, filled, unreadable;
};

#define MISSING                                                                                    \
	"((id_number_sealed IS NOT NULL AND id_number_masked IS NULL)"                             \
	" OR (phone_sealed IS NOT NULL AND phone_masked IS NULL))"

/* Rows missing a mask after after_id. */
static int
count_missing(struct db *db, int64_t after_id, int64_t *n)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT COUNT(*) FROM person WHERE id > ? AND " MISSING, &st);
	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, after_id);
	rc = db_step(st);
	*n = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : (rc < 0 ? rc : ANJU_EDB);
}

static char *
needed(struct arena *a, struct db_stmt *st, int sealed, int masked)
{
	if (db_col_null(st, sealed) || !db_col_null(st, masked))
		return NULL;
	return arena_strdup(a, db_col_text(st, sealed));
}

/* The next chunk of rows missing a mask after after_id, into rows (from a). */
static int
read_chunk(struct fill *f, int64_t after_id, struct arena *a, struct row *rows, size_t *nrows)
{
	struct db_stmt *st;
	int rc;

	*nrows = 0;
	rc = db_prepare(job_db(f->ctx),
			"SELECT id, id_number_sealed, id_number_masked, phone_sealed, phone_masked"
			" FROM person WHERE id > ? AND " MISSING " ORDER BY id LIMIT ?",
			&st);
	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, f->chunk);
	while ((rc = db_step(st)) == DB_ROW && *nrows < (size_t)f->chunk) {
		struct row *row = &rows[(*nrows)++];

		row->id = db_col_int64(st, 0);
		row->id_number = needed(a, st, 1, 2);
		row->phone = needed(a, st, 3, 4);
	}
	db_reset(st);
	return rc < 0 ? rc : 0;
}

/* Stores the mask of one sealed value of row id, if it is still missing and
 * the value is still sealed. */
static int
fill_value(struct fill *f, const char *sql, int64_t id, const char *sealed)
{
	char mask[PERSON_MASK_MAX];
	struct db_stmt *st;
	int rc;

	if (person_mask_sealed(sealed, mask, sizeof(mask)) != 0) {
		f->unreadable++;
		return 0;
	}
	if ((rc = db_prepare(job_db(f->ctx), sql, &st)) != 0)
		return rc;
	db_bind_cstr(st, 1, mask);
	db_bind_int64(st, 2, id);
	db_bind_cstr(st, 3, sealed);
	rc = db_step(st);
	if (rc >= 0) {
		f->filled += db_changes(st);
		rc = 0;
	}
	db_reset(st);
	return rc;
}

/* One chunk after *after_id: read, fill, checkpoint, commit.  *finished
 * when no row is left. */
static int
do_chunk(struct fill *f, int64_t *after_id, bool *finished, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct row *rows = arena_alloc(a, (size_t)f->chunk * sizeof(*rows));
	size_t nrows = 0;
	char at[96];
	int rc;

	if ((rc = job_chunk_begin(f->ctx, e)) != 0)
		goto out;
	rc = read_chunk(f, *after_id, a, rows, &nrows);
	for (size_t i = 0; rc == 0 && i < nrows; i++) {
		if (rows[i].id_number != NULL)
			rc = fill_value(f,
					"UPDATE person SET id_number_masked = ? WHERE id = ?"
					" AND id_number_sealed = ? AND id_number_masked IS NULL",
					rows[i].id, rows[i].id_number);
		if (rc == 0 && rows[i].phone != NULL)
			rc = fill_value(f,
					"UPDATE person SET phone_masked = ? WHERE id = ?"
					" AND phone_sealed = ? AND phone_masked IS NULL",
					rows[i].id, rows[i].phone);
	}
	if (rc != 0) {
		rc = job_db_fail(f->ctx, rc, e);
		job_chunk_abort(f->ctx);
		goto out;
	}
	f->done += (int64_t)nrows;
	*finished = nrows < (size_t)f->chunk;
	if (nrows > 0)
		*after_id = rows[nrows - 1].id;
	snprintf(at, sizeof(at), "%lld,%lld,%lld,%lld", (long long)*after_id, (long long)f->done,
		 (long long)f->filled, (long long)f->unreadable);
	rc = job_chunk_end(f->ctx, f->done, f->total > f->done ? f->total : f->done, at,
			   "填写脱敏号码", e);
out:
	arena_free(a);
	return rc;
}

/* The checkpoint of do_chunk() into *after_id and f's counts ("" at first). */
static int
parse_checkpoint(const char *resume, int64_t *after_id, struct fill *f)
{
	int64_t *v[] = { after_id, &f->done, &f->filled, &f->unreadable };
	struct str s = str_c(resume), head;
	size_t i = 0;

	if (resume[0] == '\0')
		return 0;
	for (; i < sizeof(v) / sizeof(v[0]); i++) {
		str_cut(&s, ',', &head);
		if (str_to_int64(head, 0, INT64_MAX, v[i]) != 0)
			return -1;
	}
	return s.n == 0 ? 0 : -1;
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct fill f = { .ctx = ctx, .chunk = DEFAULT_CHUNK };
	json_t *chunk = json_object_get(job_params(ctx), "chunk");
	const char *resume = job_resume_at(ctx);
	int64_t after_id = 0;
	bool finished = false;
	int rc;

	if (json_is_integer(chunk))
		f.chunk = json_integer_value(chunk);
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "本进程未载入密钥（keys/），无法填写脱敏号码");
	if (parse_checkpoint(resume, &after_id, &f) != 0)
		return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
				 "checkpoint \"%s\" is not this job's", resume);
	/* Progress: what earlier runs did, and the rows still missing a mask. */
	if ((rc = count_missing(job_db(ctx), after_id, &f.total)) != 0)
		return job_db_fail(ctx, rc, e);
	f.total += f.done;
	while (!finished)
		if ((rc = do_chunk(&f, &after_id, &finished, e)) != 0)
			return rc;
	job_set_result(ctx,
		       json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)f.done, "masks",
				 (json_int_t)f.filled, "unreadable", (json_int_t)f.unreadable));
	return 0;
}

const struct job_kind job_kind_person_masks = { "person_masks", "人员脱敏号码填写", params, run };
