/*
 * `anju jobs list|show ID|cancel ID|wait ID` and `anju selftest`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "jobs/job.h"
#include "store/db.h"

static void
print_job(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	printf("%s\n", s);
	free(s);
}

static int
job_arg(struct cli_args *a, int64_t *id)
{
	if (a->npos < 2 || str_to_int64(str_c(a->pos[1]), 1, INT64_MAX, id) != 0) {
		fprintf(stderr, "anju jobs: %s needs a job id\n", a->pos[0]);
		return 2;
	}
	return 0;
}

/* Follows a job run by a server, drawing its progress, until it ends. */
static int
wait_job(struct db *db, int64_t id, struct anju_err *e)
{
	struct progress p;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	json_t *j = NULL;
	const char *state;
	int rc;

	progress_init(&p, "任务");
	for (;;) {
		json_t *pr;

		if ((rc = job_get(db, id, &j, e)) != 0)
			return rc;
		pr = json_object_get(j, "progress");
		state = json_string_value(json_object_get(j, "state"));
		progress_update(&p, json_integer_value(json_object_get(pr, "done")),
				json_integer_value(json_object_get(pr, "total")),
				json_string_value(json_object_get(pr, "note")));
		if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0)
			break;
		json_decref(j);
		nanosleep(&ts, NULL);
	}
	progress_done(&p, state);
	print_job(j);
	rc = strcmp(state, "succeeded") == 0 ? 0 : 1;
	json_decref(j);
	return rc;
}

static int
run_jobs(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0];
	struct anju_err e;
	struct db *db = NULL;
	json_t *j = NULL;
	int64_t id = 0, next = 0;
	int rc;

	(void)c;
	anju_err_clear(&e);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "cancel") != 0 &&
	    strcmp(sub, "wait") != 0) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if (strcmp(sub, "list") != 0 && (rc = job_arg(a, &id)) != 0)
		return rc;
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	if (strcmp(sub, "list") == 0) {
		size_t i;
		json_t *item;

		if (job_list(db, NULL, 0, 50, &j, &next, &e) != 0)
			return cli_fail(&e);
		printf("%-8s %-10s %-10s %8s  %s\n", "ID", "KIND", "STATE", "PROGRESS", "CREATED");
		json_array_foreach (j, i, item) {
			json_t *pr = json_object_get(item, "progress");

			printf("%-8lld %-10s %-10s %7lld%%  %s\n",
			       (long long)json_integer_value(json_object_get(item, "id")),
			       json_string_value(json_object_get(item, "kind")),
			       json_string_value(json_object_get(item, "state")),
			       (long long)json_integer_value(json_object_get(pr, "percent")),
			       json_string_value(json_object_get(item, "created_at")));
		}
		json_decref(j);
		return 0;
	}
	if (strcmp(sub, "wait") == 0)
		return wait_job(db, id, &e) == 0 ? 0 : (e.code ? cli_fail(&e) : 1);
	if (strcmp(sub, "cancel") == 0) {
		if (db_begin(db) != 0 || job_cancel(db, id, &e) != 0) {
			db_rollback(db);
			return cli_fail(&e);
		}
		if (db_commit(db) != 0)
			return cli_fail(&e);
	}
	if (job_get(db, id, &j, &e) != 0)
		return cli_fail(&e);
	print_job(j);
	json_decref(j);
	return 0;
}

const struct cli_command cmd_jobs = {
	"jobs",
	"anju jobs list|show ID|cancel ID|wait ID --data DIR",
	"list, show, cancel or follow long jobs",
	NULL,
	1,
	2,
	true,
	run_jobs,
};

static int
run_selftest(const struct cli_command *c, struct cli_args *a)
{
	struct anju_err e;
	struct db *db = NULL;
	json_t *params = json_object(), *j = NULL;
	struct progress p;
	const char *v;
	int64_t id = 0, n;
	int rc;

	anju_err_clear(&e);
	v = cli_value(c, a, "rows");
	if (str_to_int64(str_c(v ? v : "100000"), 1, 10000000, &n) != 0) {
		fprintf(stderr, "anju selftest: --rows must be 1..10000000\n");
		return 2;
	}
	json_object_set_new(params, "rows", json_integer(n));
	if ((v = cli_value(c, a, "chunk")) != NULL) {
		if (str_to_int64(str_c(v), 1, 100000, &n) != 0) {
			fprintf(stderr, "anju selftest: --chunk must be 1..100000\n");
			return 2;
		}
		json_object_set_new(params, "chunk", json_integer(n));
	}
	if ((v = cli_value(c, a, "pause-ms")) != NULL) {
		if (str_to_int64(str_c(v), 0, 1000, &n) != 0) {
			fprintf(stderr, "anju selftest: --pause-ms must be 0..1000\n");
			return 2;
		}
		json_object_set_new(params, "pause_ms", json_integer(n));
	}
	json_object_set_new(params, "mode",
			    json_string(cli_given(c, a, "staged") ? "staged" : "fill"));
	if (cli_open_db(a, true, &db, &e) != 0)
		goto fail;
	if (db_begin(db) != 0 || job_create(db, "selftest", params, "cli", &id, &e) != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	json_decref(params);
	params = NULL;
	printf("job %lld created\n", (long long)id);
	fflush(stdout);
	if (cli_given(c, a, "detach"))
		return 0; /* a server's job workers will run it */
	rc = job_claim(db, job_worker_name(), id, &id, &e);
	if (rc < 0)
		goto fail;
	if (rc == 0) /* a server took it first: follow it */
		return wait_job(db, id, &e) == 0 ? 0 : 1;
	progress_init(&p, "系统自检");
	if (job_run(db, id, job_worker_name(), NULL, progress_update, &p, &e) != 0)
		goto fail;
	progress_done(&p, NULL);
	if (job_get(db, id, &j, &e) != 0)
		goto fail;
	print_job(j);
	rc = strcmp(json_string_value(json_object_get(j, "state")), "succeeded") == 0 ? 0 : 1;
	json_decref(j);
	return rc;
fail:
	json_decref(params);
	return cli_fail(&e);
}

static const struct cli_flag selftest_flags[] = {
	{ "rows", true, "rows to write (default 100000)" },
	{ "chunk", true, "rows per committed chunk (default 1000)" },
	{ "staged", false, "stage every row, then publish them in one transaction" },
	{ "pause-ms", true, "pause after each chunk, to watch progress" },
	{ "detach", false, "only queue the job for a running server" },
	{ NULL },
};

const struct cli_command cmd_selftest = {
	"selftest",
	"anju selftest --data DIR [--rows N] [--chunk N] [--staged] [--detach]",
	"check storage, chunked commits and resumption with a verifiable job",
	selftest_flags,
	0,
	0,
	true,
	run_selftest,
};
