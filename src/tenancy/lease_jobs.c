/*
 * The daily lease job ("lease_daily", scheduled at 00:30 Asia/Shanghai):
 * moves leases between states by date (lease_daily() in lease.c, in chunks
 * of LEASE_CHUNK leases, each chunk its own transaction, so a killed job
 * redoes at most one chunk: the rows a chunk changed no longer match) and
 * records the filing reminder: how many signed leases still wait for
 * their filing, due and overdue (GET /api/v1/leases/filing-due lists
 * them).  as_of defaults to today; a job missed for days catches up, as
 * every lease whose day has come is changed whatever the day was.
 */
#include "core/date.h"
#include "audit/audit.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "tenancy/lease.h"

#define LEASE_CHUNK 200

static const struct field params[] = {
	{ "as_of", F_DATE, false, .desc = "按哪一天处理（默认今天）" },
	{ NULL },
};

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	static const struct audit_actor who = { "system", "lease_daily", "system", NULL, NULL };
	struct db *db = job_db(ctx);
	const char *as_of = json_string_value(json_object_get(job_params(ctx), "as_of"));
	char today[DATE_FMT_LEN];
	int64_t changed = 0, done = 0, due = 0, overdue = 0;
	int rc;

	if (as_of == NULL) {
		date_format(date_today_shanghai(), today);
		as_of = today;
	}
	do {
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		if ((rc = lease_daily(db, as_of, &who, LEASE_CHUNK, &changed, e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		done += changed;
		if ((rc = job_chunk_end(ctx, done, done, "leases", "合同状态已按日期更新", e)) != 0)
			return rc;
	} while (changed > 0);
	if ((rc = lease_filing_counts(db, as_of, &due, &overdue, e)) != 0)
		return rc;
	job_set_result(ctx, json_pack("{s:s, s:I, s:I, s:I}", "as_of", as_of, "changed",
				      (json_int_t)done, "filing_due", (json_int_t)due,
				      "filing_overdue", (json_int_t)overdue));
	return job_progress(ctx, done, done, "备案提醒已更新", e);
}

const struct job_kind job_kind_lease_daily = { "lease_daily", "租赁合同按日期生效、到期与备案提醒",
					       params, run };
