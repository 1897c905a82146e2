/*
 * Jobs: creation, listing, cancellation, claiming, running and recovery.
 * See job.h.  Every state change is one short transaction, so the job row is
 * the truth a second server or the CLI can read at any moment.
 */
#include "jobs/job.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/db.h"
#include "store/page.h"

struct job_ctx {
	struct db *db;
	int64_t id;
	const char *worker;
	json_t *params;
	char *resume_at;
	json_t *result;
	const volatile bool *stop;
	job_progress_fn progress;
	void *ud;
	bool in_chunk;
	bool lost; /* another worker took the job over (we were silent too long) */
};

#define JOB_COLS                                                                                   \
	"id, kind, state, params, progress_done, progress_total, progress_note, result, error,"    \
	" cancel_requested, created_by, created_at, started_at, finished_at, attempts"

const struct job_kind *
job_kind_find(const char *name)
{
	for (const struct job_kind *const *k = job_kinds; *k != NULL; k++)
		if (strcmp((*k)->name, name) == 0)
			return *k;
	return NULL;
}

static void
now_text(char out[TIME_FMT_LEN])
{
	time_format_utc(time_now_us(), out);
}

const char *
job_worker_name(void)
{
	static char name[128];

	if (name[0] == '\0') {
		char host[64] = "localhost";

		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(name, sizeof(name), "%s:%ld:%lld", host, (long)getpid(),
			 (long long)(time_now_us() / 1000000));
	}
	return name;
}

int
job_create(struct db *db, const char *kind, json_t *params, const char *created_by, int64_t *id,
	   struct anju_err *e)
{
	const struct job_kind *k = job_kind_find(kind);
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *text;
	int rc;

	if (k == NULL)
		return anju_fail(e, ANJU_EINVAL, "unknown_job_kind", "kind", "没有这种任务：%s",
				 kind);
	if (params == NULL || !json_is_object(params))
		return anju_fail(e, ANJU_EINVAL, "invalid_type", "params", "params 应为对象");
	if (k->params != NULL && (rc = fields_validate(k->params, params, e)) != 0) {
		char field[sizeof(e->field) + 8];

		snprintf(field, sizeof(field), "params.%s", e->field);
		memcpy(e->field, field, sizeof(e->field) - 1);
		e->field[sizeof(e->field) - 1] = '\0';
		return rc;
	}
	now_text(now);
	text = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	rc = db_prepare(db,
			"INSERT INTO job (kind, state, params, created_by, created_at)"
			" VALUES (?, 'queued', ?, ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, kind);
		db_bind_cstr(st, 2, text);
		db_bind_cstr(st, 3, created_by ? created_by : "");
		db_bind_cstr(st, 4, now);
		rc = db_step(st);
		if (rc == DB_ROW) {
			*id = db_col_int64(st, 0);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = ANJU_EDB;
		}
		db_reset(st);
	}
	free(text);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

static json_t *
json_or_null(const char *text)
{
	json_t *j;

	if (text == NULL)
		return json_null();
	j = json_loads(text, 0, NULL);
	return j ? j : json_null();
}

static json_t *
text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
row_json(struct db_stmt *st)
{
	const struct job_kind *k = job_kind_find(db_col_text(st, 1));
	int64_t done = db_col_int64(st, 4), total = db_col_int64(st, 5);

	return json_pack(
		"{s:I, s:s, s:s, s:s, s:o, s:{s:I, s:I, s:i, s:s}, s:o, s:o, s:b, s:s,"
		" s:s, s:o, s:o, s:I}",
		"id", (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "title",
		k ? k->title : db_col_text(st, 1), "state", db_col_text(st, 2), "params",
		json_or_null(db_col_text(st, 3)), "progress", "done", (json_int_t)done, "total",
		(json_int_t)total, "percent", total > 0 ? (int)(done * 100 / total) : 0, "note",
		db_col_text(st, 6), "result", json_or_null(db_col_text(st, 7)), "error",
		text_or_null(db_col_text(st, 8)), "cancel_requested", db_col_int64(st, 9) != 0,
		"created_by", db_col_text(st, 10), "created_at", db_col_text(st, 11), "started_at",
		text_or_null(db_col_text(st, 12)), "finished_at", text_or_null(db_col_text(st, 13)),
		"attempts", (json_int_t)db_col_int64(st, 14));
}

static json_t *
item(struct db_stmt *st, void *ud)
{
	(void)ud;
	return row_json(st);
}

int
job_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT " JOB_COLS " FROM job WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = row_json(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "job_not_found", NULL, "没有这个任务");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
job_list(struct db *db, const char *state, int64_t before_id, int limit, json_t **items,
	 int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " JOB_COLS " FROM job WHERE id < ? AND"
			" (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	db_bind_cstr(st, 2, state);
	db_bind_cstr(st, 3, state);
	db_bind_int64(st, 4, limit + 1);
	if ((rc = page_collect(st, limit, item, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
job_cancel(struct db *db, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;
	int64_t changed;

	now_text(now);
	rc = db_prepare(
		db,
		"UPDATE job SET state = CASE WHEN state = 'queued' THEN 'canceled' ELSE state"
		" END, finished_at = CASE WHEN state = 'queued' THEN ? ELSE finished_at END,"
		" cancel_requested = 1 WHERE id = ? AND state IN ('queued', 'running')",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (changed == 0) {
		json_t *j = NULL;

		if ((rc = job_get(db, id, &j, e)) != 0)
			return rc;
		json_decref(j);
		return anju_fail(e, ANJU_ECONFLICT, "job_finished", NULL, "任务已结束，无法取消");
	}
	return 0;
}

int
job_claim(struct db *db, const char *worker, int64_t want_id, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	now_text(now);
	rc = db_prepare(
		db,
		"UPDATE job SET state = 'running', worker = ?, heartbeat_at = ?,"
		" started_at = COALESCE(started_at, ?), attempts = attempts + 1"
		" WHERE state = 'queued' AND id = (SELECT id FROM job WHERE state = 'queued'"
		" AND (? = 0 OR id = ?) ORDER BY id LIMIT 1) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, worker);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, want_id);
	db_bind_int64(st, 5, want_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	return rc == DB_ROW ? 1 : 0;
}

/* Ends a job in state with error message or result; only if worker still owns it. */
static int
job_finish(struct job_ctx *ctx, const char *state, const char *error, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *result = NULL;
	int rc;

	now_text(now);
	if (ctx->result != NULL && strcmp(state, "succeeded") == 0)
		result = json_dumps(ctx->result, JSON_COMPACT | JSON_SORT_KEYS);
	if ((rc = db_begin(ctx->db)) != 0)
		goto out;
	rc = db_prepare(ctx->db,
			"UPDATE job SET state = ?, error = ?, result = ?, finished_at = ?,"
			" heartbeat_at = ?, worker = NULL WHERE id = ? AND worker = ?",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, state);
		db_bind_cstr(st, 2, error);
		db_bind_cstr(st, 3, result);
		db_bind_cstr(st, 4, now);
		db_bind_cstr(st, 5, now);
		db_bind_int64(st, 6, ctx->id);
		db_bind_cstr(st, 7, ctx->worker);
		rc = db_step(st);
		if (rc >= 0 && db_changes(st) == 0)
			ctx->lost = true;
		db_reset(st);
	}
	/* Staged rows are of no use once the job has ended, but they are the new
	 * owner's if the job was taken over. */
	if (rc >= 0 && !ctx->lost &&
	    (rc = db_prepare(ctx->db, "DELETE FROM job_staging WHERE job_id = ?", &st)) == 0) {
		db_bind_int64(st, 1, ctx->id);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc >= 0)
		rc = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
out:
	free(result);
	return rc < 0 ? db_fail(ctx->db, rc, e) : 0;
}

/* Hands the job back to the queue (the runner is stopping). */
static int
job_release(struct job_ctx *ctx, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(
		ctx->db,
		"UPDATE job SET state = 'queued', worker = NULL WHERE id = ? AND worker = ?"
		" AND state = 'running'",
		&st);

	if (rc != 0)
		return db_fail(ctx->db, rc, e);
	db_bind_int64(st, 1, ctx->id);
	db_bind_cstr(st, 2, ctx->worker);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(ctx->db, rc, e) : 0;
}

int
job_run(struct db *db, int64_t id, const char *worker, const volatile bool *stop,
	job_progress_fn progress, void *ud, struct anju_err *e)
{
	struct job_ctx ctx = {
		.db = db, .id = id, .worker = worker, .stop = stop, .progress = progress, .ud = ud
	};
	const struct job_kind *k = NULL;
	struct db_stmt *st;
	struct anju_err jerr;
	int rc;

	rc = db_prepare(db, "SELECT kind, params, resume_at FROM job WHERE id = ? AND worker = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_cstr(st, 2, worker);
	rc = db_step(st);
	if (rc == DB_ROW) {
		k = job_kind_find(db_col_text(st, 0));
		ctx.params = json_loads(db_col_text(st, 1), 0, NULL);
		ctx.resume_at = xstrdup(db_col_text(st, 2));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "job_not_found", NULL, "job %lld is not ours",
				 (long long)id);
	/* The job's lines carry its id where a request's carry the request id. */
	{
		char logid[32];

		snprintf(logid, sizeof(logid), "job-%lld", (long long)id);
		log_set_request_id(logid);
	}
	anju_err_clear(&jerr);
	if (k == NULL) {
		rc = anju_fail(&jerr, ANJU_EINVAL, "unknown_job_kind", NULL,
			       "这个版本不认识此任务类型");
	} else {
		log_info("job %lld (%s) started", (long long)id, k->name);
		rc = k->run(&ctx, &jerr);
	}
	if (ctx.in_chunk)
		job_chunk_abort(&ctx);
	if (ctx.lost) {
		/* Another worker took the job over; it is theirs to finish. */
		log_warn("job %lld was taken over by another worker", (long long)id);
		rc = 0;
	} else if (rc == 0) {
		rc = job_finish(&ctx, "succeeded", NULL, e);
		log_info("job %lld succeeded", (long long)id);
	} else if (rc == ANJU_ECANCELED && stop != NULL && *stop) {
		rc = job_release(&ctx, e);
		log_info("job %lld handed back to the queue", (long long)id);
	} else if (rc == ANJU_ECANCELED) {
		rc = job_finish(&ctx, "canceled", NULL, e);
		log_info("job %lld canceled", (long long)id);
	} else {
		log_warn("job %lld failed: %s: %s", (long long)id, jerr.key, jerr.msg);
		rc = job_finish(&ctx, "failed", jerr.msg[0] ? jerr.msg : jerr.key, e);
	}
	json_decref(ctx.params);
	json_decref(ctx.result);
	free(ctx.resume_at);
	log_set_request_id(NULL);
	return rc;
}

static bool
worker_dead(const char *worker)
{
	char host[64] = "";
	const char *mine = job_worker_name();
	const char *c1 = strchr(worker, ':'), *m1 = strchr(mine, ':');
	long pid;

	if (c1 == NULL || m1 == NULL || c1 - worker != m1 - mine ||
	    strncmp(worker, mine, (size_t)(c1 - worker)) != 0)
		return false; /* another host: only the heartbeat can tell */
	(void)host;
	if (strcmp(worker, mine) == 0)
		return false;
	pid = strtol(c1 + 1, NULL, 10);
	if (pid <= 0)
		return false;
	if (pid == (long)getpid())
		return true; /* an earlier process that had our pid */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int
job_recover(struct db *db, int64_t stale_us, int *n, struct anju_err *e)
{
	struct db_stmt *st;
	char cutoff[TIME_FMT_LEN];
	int64_t ids[64];
	int nids = 0, rc;

	*n = 0;
	time_format_utc(time_now_us() - stale_us, cutoff);
	rc = db_prepare(db,
			"SELECT id, worker, heartbeat_at FROM job WHERE state = 'running'"
			" ORDER BY id LIMIT 64",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *w = db_col_text(st, 1), *hb = db_col_text(st, 2);

		if (w == NULL || worker_dead(w) || hb == NULL || strcmp(hb, cutoff) < 0)
			ids[nids++] = db_col_int64(st, 0);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < nids; i++) {
		rc = db_prepare(db,
				"UPDATE job SET state = 'queued', worker = NULL WHERE id = ?"
				" AND state = 'running'",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, ids[i]);
		rc = db_step(st);
		if (rc >= 0 && db_changes(st) > 0) {
			(*n)++;
			log_info("job %lld taken back from a dead worker; it will resume",
				 (long long)ids[i]);
		}
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
	}
	return 0;
}

struct db *
job_db(struct job_ctx *ctx)
{
	return ctx->db;
}

int
job_db_fail(struct job_ctx *ctx, int rc, struct anju_err *e)
{
	if (rc == ANJU_ECANCELED)
		return rc;
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "database: %s",
			 db_errmsg(job_db(ctx)));
}

int64_t
job_id(struct job_ctx *ctx)
{
	return ctx->id;
}

json_t *
job_params(struct job_ctx *ctx)
{
	return ctx->params;
}

const char *
job_resume_at(struct job_ctx *ctx)
{
	return ctx->resume_at;
}

void
job_set_result(struct job_ctx *ctx, json_t *result)
{
	json_decref(ctx->result);
	ctx->result = result;
}

/* Whether cancellation was asked for (read in the current transaction). */
static int
cancel_requested(struct job_ctx *ctx, bool *yes)
{
	struct db_stmt *st;
	int rc = db_prepare(ctx->db, "SELECT cancel_requested, worker FROM job WHERE id = ?", &st);

	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, ctx->id);
	rc = db_step(st);
	/* Lost ownership (taken over as stale) counts as a stop for this runner. */
	if (rc == DB_ROW &&
	    (db_col_text(st, 1) == NULL || strcmp(db_col_text(st, 1), ctx->worker) != 0))
		ctx->lost = true;
	*yes = rc == DB_ROW && (db_col_int64(st, 0) != 0 || ctx->lost);
	db_reset(st);
	return rc < 0 ? rc : 0;
}

int
job_chunk_begin(struct job_ctx *ctx, struct anju_err *e)
{
	bool cancel = false;
	int rc;

	if (ctx->stop != NULL && *ctx->stop)
		return ANJU_ECANCELED;
	if ((rc = db_begin(ctx->db)) != 0)
		return db_fail(ctx->db, rc, e);
	if ((rc = cancel_requested(ctx, &cancel)) != 0) {
		db_rollback(ctx->db);
		return db_fail(ctx->db, rc, e);
	}
	if (cancel) {
		db_rollback(ctx->db);
		return ANJU_ECANCELED;
	}
	ctx->in_chunk = true;
	return 0;
}

static int
write_progress(struct job_ctx *ctx, int64_t done, int64_t total, const char *resume_at,
	       const char *note)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	now_text(now);
	rc = db_prepare(ctx->db,
			"UPDATE job SET progress_done = ?, progress_total = ?, progress_note = ?,"
			" resume_at = COALESCE(?, resume_at), heartbeat_at = ? WHERE id = ?"
			" AND worker = ?",
			&st);
	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, done);
	db_bind_int64(st, 2, total);
	db_bind_cstr(st, 3, note ? note : "");
	db_bind_cstr(st, 4, resume_at);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, ctx->id);
	db_bind_cstr(st, 7, ctx->worker);
	rc = db_step(st);
	if (rc >= 0 && db_changes(st) == 0) {
		/* Taken over: this chunk and its checkpoint are not ours to commit. */
		ctx->lost = true;
		rc = ANJU_ECANCELED;
	}
	db_reset(st);
	return rc < 0 ? rc : 0;
}

int
job_chunk_end(struct job_ctx *ctx, int64_t done, int64_t total, const char *resume_at,
	      const char *note, struct anju_err *e)
{
	int rc = write_progress(ctx, done, total, resume_at, note);

	if (rc == 0)
		rc = db_commit(ctx->db);
	if (rc != 0) {
		db_rollback(ctx->db);
		ctx->in_chunk = false;
		return rc == ANJU_ECANCELED ? rc : db_fail(ctx->db, rc, e);
	}
	ctx->in_chunk = false;
	if (resume_at != NULL) {
		free(ctx->resume_at);
		ctx->resume_at = xstrdup(resume_at);
	}
	if (ctx->progress)
		ctx->progress(ctx->ud, done, total, note);
	return 0;
}

void
job_chunk_abort(struct job_ctx *ctx)
{
	db_rollback(ctx->db);
	ctx->in_chunk = false;
}

int
job_progress(struct job_ctx *ctx, int64_t done, int64_t total, const char *note, struct anju_err *e)
{
	int rc;

	if ((rc = db_begin(ctx->db)) != 0)
		return db_fail(ctx->db, rc, e);
	rc = write_progress(ctx, done, total, NULL, note);
	if (rc == 0)
		rc = db_commit(ctx->db);
	if (rc != 0) {
		db_rollback(ctx->db);
		return rc == ANJU_ECANCELED ? rc : db_fail(ctx->db, rc, e);
	}
	if (ctx->progress)
		ctx->progress(ctx->ud, done, total, note);
	return 0;
}

void
job_progress_watch(struct job_ctx *ctx, int64_t done, int64_t total, const char *note)
{
	if (ctx->progress)
		ctx->progress(ctx->ud, done, total, note);
}

int
job_stage(struct job_ctx *ctx, int64_t seq, const char *payload, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(ctx->db,
			    "INSERT INTO job_staging (job_id, seq, payload) VALUES (?, ?, ?)"
			    " ON CONFLICT (job_id, seq) DO NOTHING",
			    &st);

	if (rc != 0)
		return db_fail(ctx->db, rc, e);
	db_bind_int64(st, 1, ctx->id);
	db_bind_int64(st, 2, seq);
	db_bind_cstr(st, 3, payload);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(ctx->db, rc, e) : 0;
}
