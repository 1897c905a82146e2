/*
 * `anju bill --data DIR --period YYYY-MM [--chain ID]... [--detach]`: the
 * monthly billing run (计租) from the command line.  It takes back runs of
 * this host whose process died (a run killed at any moment resumes at its
 * last committed chunk), resumes the period's run waiting in the queue or
 * starts a new one as the system, runs its job here with a progress bar
 * (or, with --detach, leaves it to a running server) and prints the counts.
 * --chain names chains to catch up (an earlier month is allowed for them).
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/config.h"
#include "jobs/job.h"
#include "rent/billing.h"
#include "store/db.h"

static const struct audit_actor cli_actor = {
	.principal = "system",
	.name = "命令行",
};

/* --chain ID, repeatable: collected from argv since flags hold one value. */
static int
chains_of(const struct cli_args *a, int64_t *ids, int *n)
{
	*n = 0;
	for (int i = 2; i < a->argc; i++) {
		const char *v = NULL;

		if (strcmp(a->argv[i], "--chain") == 0 && i + 1 < a->argc)
			v = a->argv[++i];
		else if (strncmp(a->argv[i], "--chain=", 8) == 0)
			v = a->argv[i] + 8;
		if (v == NULL)
			continue;
		if (*n >= BILL_CHAINS_MAX || str_to_int64(str_c(v), 1, INT64_MAX, &ids[*n]) != 0) {
			fprintf(stderr, "anju bill: --chain takes a lease chain id (at most %d)\n",
				BILL_CHAINS_MAX);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

static int
run_bill(const struct cli_command *c, struct cli_args *a)
{
	static int64_t chains[BILL_CHAINS_MAX];
	const char *period = cli_value(c, a, "period"), *chunk = cli_value(c, a, "chunk");
	struct anju_err e;
	struct db *db = NULL;
	struct progress p;
	json_t *run = NULL;
	int64_t run_id = 0, job = 0, claimed = 0, size;
	int nchains = 0, recovered = 0, rc;

	anju_err_clear(&e);
	if (period == NULL) {
		fprintf(stderr, "anju bill: --period YYYY-MM is required\n");
		return 2;
	}
	if (chains_of(a, chains, &nchains) != 0)
		return 2;
	if (chunk != NULL) {
		if (str_to_int64(str_c(chunk), 1, 100000, &size) != 0) {
			fprintf(stderr, "anju bill: --chunk takes 1 .. 100000 chains\n");
			return 2;
		}
		bill_set_chunk((int)size);
	}
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	/* A run of this host whose process died goes back to the queue. */
	if (job_recover(db, config_int("job_stale_seconds") * INT64_C(1000000), &recovered, &e) !=
	    0)
		return cli_fail(&e);
	if (nchains == 0 && bill_resumable(db, period, &run_id, &job, &e) != 0)
		return cli_fail(&e);
	if (run_id != 0) {
		printf("billing run %lld (%s): resuming job %lld\n", (long long)run_id, period,
		       (long long)job);
	} else {
		if (db_begin(db) != 0) {
			anju_fail(&e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
			return cli_fail(&e);
		}
		if (bill_start(db, NULL, period, chains, nchains, &cli_actor, &run_id, &job, &e) !=
			    0 ||
		    db_commit(db) != 0) {
			db_rollback(db);
			if (e.code == 0)
				anju_fail(&e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
			return cli_fail(&e);
		}
		printf("billing run %lld (%s): job %lld created\n", (long long)run_id, period,
		       (long long)job);
	}
	fflush(stdout);
	if (cli_given(c, a, "detach"))
		return 0; /* a server's job workers will run it */
	rc = job_claim(db, job_worker_name(), job, &claimed, &e);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 0) {
		fprintf(stderr,
			"anju bill: a server took job %lld; follow it with `anju jobs wait %lld`\n",
			(long long)job, (long long)job);
		return 0;
	}
	progress_init(&p, "计租");
	if (job_run(db, job, job_worker_name(), NULL, progress_update, &p, &e) != 0)
		return cli_fail(&e);
	progress_done(&p, NULL);
	if (bill_run_get(db, run_id, &run, &e) != 0)
		return cli_fail(&e);
	rc = strcmp(json_string_value(json_object_get(run, "state")), "done") == 0 ? 0 : 1;
	if (rc == 0) {
		char yuan[32];
		int64_t fen = json_integer_value(json_object_get(run, "total_fen"));

		snprintf(yuan, sizeof(yuan), "%lld.%02lld", (long long)(fen / 100),
			 (long long)(fen % 100));
		printf("billing run %lld (%s): %lld chains, %lld charges raised (%s yuan), "
		       "%lld existed already\n",
		       (long long)run_id, period,
		       (long long)json_integer_value(json_object_get(run, "chains_seen")),
		       (long long)json_integer_value(json_object_get(run, "charges")), yuan,
		       (long long)json_integer_value(json_object_get(run, "skipped")));
	} else {
		fprintf(stderr, "anju bill: %s: %s\n",
			json_string_value(json_object_get(run, "state")),
			json_string_value(json_object_get(json_object_get(run, "job"), "error"))
				?: "");
	}
	json_decref(run);
	return rc;
}

static const struct cli_flag bill_flags[] = {
	{ "period", true, "the month to bill (YYYY-MM: this month or the next)" },
	{ "chain", true, "a lease chain to catch up (repeatable; allows an earlier month)" },
	{ "chunk", true, "chains per committed chunk (default 2000)" },
	{ "detach", false, "only queue the job for a running server" },
	{ NULL },
};

const struct cli_command cmd_bill = {
	"bill",
	"anju bill --data DIR --period YYYY-MM [--chain ID]... [--detach]",
	"the monthly billing run: one rent charge per lease chain in force (计租)",
	bill_flags,
	0,
	0,
	true,
	run_bill,
};
