/*
 * `anju recheck --data DIR [--as-of DATE] [--detach]`: the quarterly recheck
 * (动态复核) from the command line.  It queues the run and its "recheck" job
 * as the system, then runs the job here with a progress bar (or, with
 * --detach, leaves it to a running server) and prints the counts.  The
 * results wait in the console for the bureau's decisions.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "jobs/job.h"
#include "store/db.h"
#include "tenancy/recheck.h"

static const struct audit_actor cli_actor = {
	.principal = "system",
	.name = "命令行",
};

static int
run_recheck(const struct cli_command *c, struct cli_args *a)
{
	const char *as_of = cli_value(c, a, "as-of");
	struct anju_err e;
	struct db *db = NULL;
	struct progress p;
	json_t *run = NULL;
	int64_t run_id = 0, job = 0, claimed = 0;
	int rc;

	anju_err_clear(&e);
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	if (db_begin(db) != 0) {
		anju_fail(&e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
		return cli_fail(&e);
	}
	if (recheck_start(db, &cli_actor, as_of, &run_id, &job, &e) != 0 || db_commit(db) != 0) {
		db_rollback(db);
		if (e.code == 0)
			anju_fail(&e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
		return cli_fail(&e);
	}
	printf("recheck %lld: job %lld created\n", (long long)run_id, (long long)job);
	fflush(stdout);
	if (cli_given(c, a, "detach"))
		return 0; /* a server's job workers will run it */
	rc = job_claim(db, job_worker_name(), job, &claimed, &e);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 0) {
		fprintf(stderr,
			"anju recheck: a server took job %lld; follow it with "
			"`anju jobs wait %lld`\n",
			(long long)job, (long long)job);
		return 0;
	}
	progress_init(&p, "动态复核");
	if (job_run(db, job, job_worker_name(), NULL, progress_update, &p, &e) != 0)
		return cli_fail(&e);
	progress_done(&p, NULL);
	if (recheck_run_get(db, run_id, &run, &e) != 0)
		return cli_fail(&e);
	rc = strcmp(json_string_value(json_object_get(run, "state")), "finished") == 0 ? 0 : 1;
	if (rc == 0)
		printf("recheck %lld as of %s (%s): %lld households, %lld eligible, %lld proposed "
		       "for exit, %lld to investigate\n",
		       (long long)run_id, json_string_value(json_object_get(run, "as_of")),
		       json_string_value(json_object_get(run, "quarter")),
		       (long long)json_integer_value(json_object_get(run, "total")),
		       (long long)json_integer_value(json_object_get(run, "eligible")),
		       (long long)json_integer_value(json_object_get(run, "propose_exit")),
		       (long long)json_integer_value(json_object_get(run, "investigate")));
	else
		fprintf(stderr, "anju recheck: %s: %s\n",
			json_string_value(json_object_get(run, "state")),
			json_string_value(json_object_get(json_object_get(run, "job"), "error"))
				?: "");
	json_decref(run);
	return rc;
}

static const struct cli_flag recheck_flags[] = {
	{ "as-of", true, "the day the rules and leases are read on (YYYY-MM-DD, default today)" },
	{ "detach", false, "only queue the job for a running server" },
	{ NULL },
};

const struct cli_command cmd_recheck = {
	"recheck",
	"anju recheck --data DIR [--as-of DATE] [--detach]",
	"the quarterly recheck of every household in a lease (动态复核)",
	recheck_flags,
	0,
	0,
	true,
	run_recheck,
};
