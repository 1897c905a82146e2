/*
 * The publicity_close job, run daily by schedule (jobs/schedule.c): every
 * application whose publicity (公示) ended before today with no open
 * objection is approved and joins the waitlist, and decision requests the
 * second bureau person rejected (or the proposer withdrew) send their
 * applications back to first_reviewed.  One transaction: the applications
 * in publicity on a day are few.
 */
#include <stdio.h>

#include "access/account.h"
#include "audit/audit.h"
#include "http/http.h"
#include "jobs/job.h"
#include "tenancy/application.h"

static const struct field params[] = {
	{ "today", F_DATE, false, .desc = "按此日期结束公示（默认今天）" },
	{ NULL },
};

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct audit_actor who;
	char request_id[32];
	const char *today = json_string_value(json_object_get(job_params(ctx), "today"));
	int approved = 0, rc;

	/* The system closes; the audit rows name the job. */
	snprintf(request_id, sizeof(request_id), "job-%lld", (long long)job_id(ctx));
	audit_actor_of(&who, caller_system(), NULL, request_id);
	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = publicity_close_due(job_db(ctx), today, &who, &approved, e)) != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	job_set_result(ctx, json_pack("{s:i}", "approved", approved));
	return job_chunk_end(ctx, 1, 1, "done", "公示期满的申请已核准轮候", e);
}

const struct job_kind job_kind_publicity_close = { "publicity_close", "结束期满的公示", params,
						   run };
