/*
 * The idempotency_key table.  See idempotency.h.
 */
#include "store/idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/db.h"

static void
cutoff(int64_t max_age_us, char out[TIME_FMT_LEN])
{
	time_format_utc(time_now_us() - max_age_us, out);
}

int
idem_lookup(struct db *db, const char *caller, const char *key, int64_t max_age_us,
	    struct idem_record *rec)
{
	struct db_stmt *st;
	char since[TIME_FMT_LEN];
	int rc;

	memset(rec, 0, sizeof(*rec));
	cutoff(max_age_us, since);
	rc = db_prepare(db,
			"SELECT body_hash, method, path, status, response FROM idempotency_key"
			" WHERE caller = ? AND idem_key = ? AND created_at > ?",
			&st);
	if (rc != 0)
		return rc;
	db_bind_cstr(st, 1, caller);
	db_bind_cstr(st, 2, key);
	db_bind_cstr(st, 3, since);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(rec->body_hash, sizeof(rec->body_hash), "%s", db_col_text(st, 0));
		snprintf(rec->method, sizeof(rec->method), "%s", db_col_text(st, 1));
		rec->path = xstrdup(db_col_text(st, 2));
		rec->status = (int)db_col_int64(st, 3);
		rec->response = xstrdup(db_col_text(st, 4));
		rc = 1;
	}
	db_reset(st);
	return rc;
}

int
idem_store(struct db *db, const char *caller, const char *key, int64_t max_age_us,
	   const char *method, const char *path, const char *body_hash, int status,
	   const char *response)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], since[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	cutoff(max_age_us, since);
	/* An expired record of the same key may still be there until the purge. */
	rc = db_prepare(db,
			"DELETE FROM idempotency_key WHERE caller = ? AND idem_key = ?"
			" AND created_at <= ?",
			&st);
	if (rc != 0)
		return rc;
	db_bind_cstr(st, 1, caller);
	db_bind_cstr(st, 2, key);
	db_bind_cstr(st, 3, since);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"INSERT INTO idempotency_key (caller, idem_key, method, path, body_hash,"
			" status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return rc;
	db_bind_cstr(st, 1, caller);
	db_bind_cstr(st, 2, key);
	db_bind_cstr(st, 3, method);
	db_bind_cstr(st, 4, path);
	db_bind_cstr(st, 5, body_hash);
	db_bind_int64(st, 6, status);
	db_bind_cstr(st, 7, response);
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? rc : 0;
}

int
idem_purge(struct db *db, int64_t max_age_us, int64_t *deleted)
{
	struct db_stmt *st;
	char since[TIME_FMT_LEN];
	int rc;

	cutoff(max_age_us, since);
	rc = db_prepare(db, "DELETE FROM idempotency_key WHERE created_at <= ?", &st);
	if (rc != 0)
		return rc;
	db_bind_cstr(st, 1, since);
	rc = db_step(st);
	if (rc >= 0 && deleted != NULL)
		*deleted = db_changes(st);
	db_reset(st);
	return rc < 0 ? rc : 0;
}

void
idem_record_free(struct idem_record *rec)
{
	free(rec->path);
	free(rec->response);
	rec->path = rec->response = NULL;
}
