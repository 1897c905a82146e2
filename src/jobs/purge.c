/*
 * The purge job, run daily by schedule: forgets idempotency keys past their
 * time and staging rows of jobs that have ended, and deletes import inputs,
 * error reports and exports whose time is up (transfer/transfer.h).
 */
#include "core/config.h"
#include "core/date.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/idempotency.h"
#include "transfer/transfer.h"

static const struct field params[] = { { NULL } };

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	int64_t keys = 0, staged = 0, transfers = 0;
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	rc = idem_purge(db, config_int("idempotency_hours") * 3600 * INT64_C(1000000), &keys);
	if (rc == 0)
		rc = db_prepare(db,
				"DELETE FROM job_staging WHERE job_id IN (SELECT id FROM job WHERE"
				" state IN ('succeeded', 'failed', 'canceled'))",
				&st);
	if (rc == 0) {
		rc = db_step(st);
		staged = db_changes(st);
		db_reset(st);
	}
	if (rc >= 0)
		rc = transfer_purge(db, time_now_us(), &transfers, e);
	if (rc < 0) {
		job_chunk_abort(ctx);
		return anju_fail(e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
	}
	job_set_result(ctx, json_pack("{s:I, s:I, s:I}", "idempotency_keys", (json_int_t)keys,
				      "staging_rows", (json_int_t)staged, "transfers",
				      (json_int_t)transfers));
	return job_chunk_end(ctx, 1, 1, "done", "已清理", e);
}

const struct job_kind job_kind_purge = { "purge", "清理过期的幂等键与暂存数据", params, run };
