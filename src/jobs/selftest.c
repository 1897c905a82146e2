/*
 * The self-test job: a diagnostic an operator runs on a new deployment
 * (`anju selftest`, or POST /api/v1/jobs) to prove that storage, chunked
 * commits, resumption and staged publication work on this database.  It
 * writes `rows` rows with a known value each, either directly in chunks
 * ("fill") or staged and then published in one transaction ("staged"), and
 * reports the count and the sum, which anyone can check:
 * sum = Σ (n * 7919 mod 1000003) for n in [0, rows).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"

static const char *const modes[] = { "fill", "staged", NULL };

static const struct field params[] = {
	{ "rows", F_INT, true, 1, 10000000, .desc = "要写入的行数" },
	{ "chunk", F_INT, false, 1, 100000, .desc = "每个提交块的行数（默认 1000）" },
	{ "mode", F_ENUM, false, .enums = modes,
	  .desc = "fill 分块直接写入；staged 暂存后一次发布" },
	{ "pause_ms", F_INT, false, 0, 1000, .desc = "每块之后暂停的毫秒数（用于观察进度）" },
	{ NULL },
};

static int64_t
value_of(int64_t n)
{
	return n * 7919 % 1000003;
}

static int64_t
param_int(json_t *p, const char *name, int64_t def)
{
	json_t *v = json_object_get(p, name);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

static void
pause_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

static int
fail_db(struct job_ctx *ctx, int rc, struct anju_err *e)
{
	job_chunk_abort(ctx);
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "database: %s",
			 db_errmsg(job_db(ctx)));
}

static int
write_chunk(struct job_ctx *ctx, bool staged, int64_t from, int64_t to, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	int rc;

	if (staged) {
		for (int64_t n = from; n < to; n++) {
			char payload[24];

			snprintf(payload, sizeof(payload), "%lld", (long long)value_of(n));
			if ((rc = job_stage(ctx, n, payload, e)) != 0) {
				job_chunk_abort(ctx);
				return rc;
			}
		}
		return 0;
	}
	rc = db_prepare(db,
			"INSERT INTO selftest_row (job_id, n, value) VALUES (?, ?, ?)"
			" ON CONFLICT (job_id, n) DO NOTHING",
			&st);
	if (rc != 0)
		return fail_db(ctx, rc, e);
	for (int64_t n = from; n < to; n++) {
		db_bind_int64(st, 1, job_id(ctx));
		db_bind_int64(st, 2, n);
		db_bind_int64(st, 3, value_of(n));
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return fail_db(ctx, rc, e);
	}
	return 0;
}

static int
publish(struct job_ctx *ctx, int64_t rows, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"INSERT INTO selftest_row (job_id, n, value) SELECT job_id, seq,"
			" CAST(payload AS BIGINT) FROM job_staging WHERE job_id = ?"
			" ON CONFLICT (job_id, n) DO NOTHING",
			&st);
	if (rc != 0)
		return fail_db(ctx, rc, e);
	db_bind_int64(st, 1, job_id(ctx));
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return fail_db(ctx, rc, e);
	if ((rc = db_prepare(db, "DELETE FROM job_staging WHERE job_id = ?", &st)) != 0)
		return fail_db(ctx, rc, e);
	db_bind_int64(st, 1, job_id(ctx));
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return fail_db(ctx, rc, e);
	return job_chunk_end(ctx, rows, rows, "published", "已发布", e);
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	json_t *p = job_params(ctx);
	int64_t rows = param_int(p, "rows", 0), chunk = param_int(p, "chunk", 1000);
	int64_t pause = param_int(p, "pause_ms", 0), next = 0;
	json_t *mode_j = json_object_get(p, "mode");
	bool staged = json_is_string(mode_j) && strcmp(json_string_value(mode_j), "staged") == 0;
	const char *resume = job_resume_at(ctx);
	struct db_stmt *st;
	int rc;

	if (strcmp(resume, "published") != 0) {
		if (resume[0] != '\0' && str_to_int64(str_c(resume), 0, rows, &next) != 0)
			return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
					 "checkpoint \"%s\" is not a row number", resume);
		while (next < rows) {
			int64_t to = next + chunk < rows ? next + chunk : rows;
			char at[24];

			if ((rc = job_chunk_begin(ctx, e)) != 0)
				return rc;
			if ((rc = write_chunk(ctx, staged, next, to, e)) != 0)
				return rc;
			snprintf(at, sizeof(at), "%lld", (long long)to);
			if ((rc = job_chunk_end(ctx, to, rows, at, staged ? "暂存中" : "写入中",
						e)) != 0)
				return rc;
			next = to;
			pause_ms(pause);
		}
		if (staged && (rc = publish(ctx, rows, e)) != 0)
			return rc;
	}
	rc = db_prepare(
		job_db(ctx),
		"SELECT COUNT(*), COALESCE(SUM(value), 0) FROM selftest_row WHERE job_id = ?", &st);
	if (rc != 0)
		return anju_fail(e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(job_db(ctx)));
	db_bind_int64(st, 1, job_id(ctx));
	rc = db_step(st);
	if (rc == DB_ROW)
		job_set_result(ctx,
			       json_pack("{s:I, s:I, s:s}", "rows", (json_int_t)db_col_int64(st, 0),
					 "sum", (json_int_t)db_col_int64(st, 1), "mode",
					 staged ? "staged" : "fill"));
	db_reset(st);
	return rc == DB_ROW ? 0 : anju_fail(e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(job_db(ctx)));
}

const struct job_kind job_kind_selftest = { "selftest", "系统自检（分块写入与恢复）", params, run };
