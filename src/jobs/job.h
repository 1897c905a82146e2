/*
 * Long work as jobs (DESIGN.md): a row in `job` with its state, progress,
 * checkpoint and result.  A job kind does its writes in chunks, each a short
 * transaction whose rows carry idempotent keys, and records a checkpoint
 * (resume_at) with each chunk; a job whose process died is taken over and
 * resumes from its checkpoint, redoing at most one chunk harmlessly.
 * All-or-nothing work stages its rows in job_staging and publishes them in
 * one short transaction at the end.
 *
 * States: queued -> running -> succeeded | failed | canceled.
 */
#ifndef ANJU_JOBS_JOB_H
#define ANJU_JOBS_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct field;
struct job_ctx;

struct job_kind {
	const char *name;           /* "selftest", "purge", later "billing" ... */
	const char *title;          /* zh-CN, for people */
	const struct field *params; /* validated when the job is created */
	int (*run)(struct job_ctx *ctx, struct anju_err *e);
};

/* The registered kinds, NULL-terminated (jobs/kinds.c). */
extern const struct job_kind *const job_kinds[];
const struct job_kind *job_kind_find(const char *name);

/* Creates a queued job in the caller's transaction (params validated against
 * the kind).  0, ANJU_EINVAL (unknown kind, bad params) or a storage error. */
int job_create(struct db *db, const char *kind, json_t *params, const char *created_by, int64_t *id,
	       struct anju_err *e);
/* The job as JSON (new reference), or ANJU_ENOTFOUND. */
int job_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Jobs newest first, ids below before_id (0: from the newest); *next is the
 * cursor for the following page, 0 at the end. */
int job_list(struct db *db, const char *state, int64_t before_id, int limit, json_t **items,
	     int64_t *next, struct anju_err *e);
/* Cancels: a queued job at once, a running one at its next chunk.
 * ANJU_ENOTFOUND, or ANJU_ECONFLICT when it has already ended. */
int job_cancel(struct db *db, int64_t id, struct anju_err *e);

/* Progress reports to an interested party (the CLI's progress bar). */
typedef void (*job_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);

/* Claims a queued job (want_id 0: the oldest) for worker: 1 claimed (*id set),
 * 0 none, or a negative code. */
int job_claim(struct db *db, const char *worker, int64_t want_id, int64_t *id, struct anju_err *e);
/* Runs a claimed job to its end (succeeded, failed or canceled) unless
 * *stop becomes true, in which case it is handed back to the queue.  Returns
 * 0 when the job ran (whatever its outcome) or a storage error. */
int job_run(struct db *db, int64_t id, const char *worker, const volatile bool *stop,
	    job_progress_fn progress, void *ud, struct anju_err *e);
/* Hands back jobs left running by dead workers: those of this host whose
 * process is gone, and any without a heartbeat for stale_us.  *n counts them. */
int job_recover(struct db *db, int64_t stale_us, int *n, struct anju_err *e);
/* This process's worker name: "host:pid:start". */
const char *job_worker_name(void);

/* For job kinds. */
struct db *job_db(struct job_ctx *ctx);
int64_t job_id(struct job_ctx *ctx);
json_t *job_params(struct job_ctx *ctx);        /* lent */
const char *job_resume_at(struct job_ctx *ctx); /* the last checkpoint, "" at first */
/* A failed database call rc of a job: ANJU_ECANCELED as it is (the runner
 * stopping), a busy database as ANJU_EBUSY, anything else as ANJU_EDB, with
 * the connection's message in e. */
int job_db_fail(struct job_ctx *ctx, int rc, struct anju_err *e);
/* Starts a chunk's transaction; ANJU_ECANCELED when cancellation was asked
 * for or the runner is stopping (nothing is open then). */
int job_chunk_begin(struct job_ctx *ctx, struct anju_err *e);
/* Records progress and the checkpoint in the chunk's transaction and commits. */
int job_chunk_end(struct job_ctx *ctx, int64_t done, int64_t total, const char *resume_at,
		  const char *note, struct anju_err *e);
/* Abandons the chunk's transaction. */
void job_chunk_abort(struct job_ctx *ctx);
/* Commits progress alone, in its own short transaction (outside any chunk). */
int job_progress(struct job_ctx *ctx, int64_t done, int64_t total, const char *note,
		 struct anju_err *e);
/* Reports progress to this process's watcher only (the CLI's bar), not to
 * the job's row: for work inside one long chunk, whose writes nobody else
 * sees before its commit.  Say so in the row first (job_progress(), e.g.
 * "发布中") so that a console polling the job knows what is going on. */
void job_progress_watch(struct job_ctx *ctx, int64_t done, int64_t total, const char *note);
/* Stages a row of all-or-nothing work (within a chunk); idempotent by seq. */
int job_stage(struct job_ctx *ctx, int64_t seq, const char *payload, struct anju_err *e);
/* Sets the result stored when the job succeeds (takes the reference). */
void job_set_result(struct job_ctx *ctx, json_t *result);

/* Runs the job threads of `anju serve` (config job_workers) and the schedule
 * thread (config schedules); job_threads_stop() waits for them. */
int job_threads_start(struct anju_err *e);
void job_threads_stop(void);

#endif
