/*
 * The department datasets and cross-checks on the command line
 * (tenancy/eligibility.h):
 *   anju import dataset --data DIR --source S --as-of D [--name N]
 *        [--encoding auto|utf8|gb18030] FILE
 *     imports a department's CSV as the API does, running the import job
 *     here with a progress bar, then prints what was kept and the refused
 *     rows (the first hundred);
 *   anju crosscheck --data DIR
 *     checks every active household against the newest datasets, with a
 *     progress bar, and prints a summary: households, those with conflicts,
 *     conflicts by rule, and the time it took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/account.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/date.h"
#include "jobs/job.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

static int
read_all(const char *path, struct buf *b, struct anju_err *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return anju_fail(e, ANJU_EIO, "cannot_open", NULL, "cannot open %s: %s", path,
				 strerror(errno));
	buf_init(b, DATASET_MAX_INPUT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n) != 0) {
			fclose(f);
			return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL,
					 "%s is larger than %d MiB", path, DATASET_MAX_INPUT >> 20);
		}
	if (ferror(f)) {
		fclose(f);
		return anju_fail(e, ANJU_EIO, NULL, NULL, "cannot read %s", path);
	}
	fclose(f);
	return 0;
}

static void
print_dataset(json_t *d)
{
	json_t *x;
	size_t i;

	printf("数据 #%lld（%s，截至 %s）：%s；保留 %lld 条记录，拒绝 %lld 行，编码 %s。\n",
	       (long long)json_integer_value(json_object_get(d, "id")),
	       json_string_value(json_object_get(d, "source_name")),
	       json_string_value(json_object_get(d, "as_of")),
	       json_string_value(json_object_get(d, "state")),
	       (long long)json_integer_value(json_object_get(d, "rows")),
	       (long long)json_integer_value(json_object_get(d, "error_rows")),
	       json_string_value(json_object_get(d, "encoding")));
	if (json_array_size(json_object_get(d, "errors")) > 0)
		printf("%-8s %-12s %s\n", "行号", "列", "原因");
	json_array_foreach (json_object_get(d, "errors"), i, x) {
		if (i >= 100) {
			printf("……（共 %lld 行被拒绝，可在联审数据页面查看全部）\n",
			       (long long)json_integer_value(json_object_get(d, "error_rows")));
			break;
		}
		printf("%-8lld %-12s %s\n",
		       (long long)json_integer_value(json_object_get(x, "row")),
		       json_string_value(json_object_get(x, "column")),
		       json_string_value(json_object_get(x, "reason")));
	}
}

int
cli_import_dataset(const struct cli_command *c, struct cli_args *a)
{
	struct dataset_in in = {
		.as_of = cli_value(c, a, "as-of"),
		.name = cli_value(c, a, "name"),
		.encoding = cli_value(c, a, "encoding"),
	};
	struct anju_err e;
	struct audit_actor who;
	struct progress p;
	struct db *db = NULL;
	struct buf data = { 0 };
	json_t *d = NULL;
	int64_t id = 0, job = 0, got = 0;
	int rc;

	anju_err_clear(&e);
	if (a->npos != 2 || cli_value(c, a, "source") == NULL || in.as_of == NULL ||
	    dataset_source_parse(cli_value(c, a, "source"), &in.source) != 0) {
		fprintf(stderr, "usage: anju import dataset --data DIR --source "
				"property|vehicle|business|insurance|assistance --as-of YYYY-MM-DD"
				" [--name NAME] [--encoding auto|utf8|gb18030] FILE\n");
		return 2;
	}
	if (read_all(a->pos[1], &data, &e) != 0 || cli_open_db(a, true, &db, &e) != 0)
		goto fail;
	audit_actor_of(&who, caller_system(), NULL, NULL);
	if (db_begin(db) != 0 ||
	    dataset_import_create(db, caller_system(), &who, &in, data.p, data.n, &id, &job, &e) !=
		    0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		if (e.code == 0)
			anju_fail(&e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
		goto fail;
	}
	buf_free(&data);
	progress_init(&p, "导入联审数据");
	rc = job_claim(db, job_worker_name(), job, &got, &e);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		if (job_run(db, job, job_worker_name(), NULL, progress_update, &p, &e) != 0)
			goto fail;
	} else {
		/* A server's worker took it: follow it. */
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		for (;;) {
			json_t *x = NULL;
			bool end;

			if (dataset_get(db, id, &x, &e) != 0)
				goto fail;
			end = strcmp(json_string_value(json_object_get(x, "state")), "importing") !=
			      0;
			json_decref(x);
			if (end)
				break;
			nanosleep(&ts, NULL);
		}
	}
	if (dataset_get(db, id, &d, &e) != 0)
		goto fail;
	progress_done(&p, json_string_value(json_object_get(d, "state")));
	print_dataset(d);
	rc = strcmp(json_string_value(json_object_get(d, "state")), "failed") == 0 ? 1 : 0;
	json_decref(d);
	return rc;
fail:
	buf_free(&data);
	return cli_fail(&e);
}

static int
run_crosscheck(const struct cli_command *c, struct cli_args *a)
{
	struct anju_err e;
	struct progress p;
	struct db *db = NULL;
	json_t *sum = NULL, *datasets = NULL, *x;
	int64_t ids[DATASET_NSOURCES], started;
	char as_of[DATASET_NSOURCES][11];
	const char *rule;
	size_t i;

	(void)c;
	anju_err_clear(&e);
	if (cli_open_db(a, true, &db, &e) != 0 ||
	    dataset_active(db, ids, as_of, &datasets, &e) != 0)
		return cli_fail(&e);
	printf("比对数据：");
	if (json_array_size(datasets) == 0)
		printf("（尚未导入任何部门数据）");
	json_array_foreach (datasets, i, x)
		printf("%s%s 截至 %s", i ? "，" : "",
		       json_string_value(json_object_get(x, "source_name")),
		       json_string_value(json_object_get(x, "as_of")));
	printf("\n");
	json_decref(datasets);
	progress_init(&p, "联审比对");
	started = time_now_us();
	if (crosscheck_all(db, progress_update, &p, &sum, &e) != 0)
		return cli_fail(&e);
	progress_done(&p, NULL);
	printf("比对家庭 %lld 户，其中 %lld 户有冲突，共 %lld 处冲突；用时 %.1f 秒。\n",
	       (long long)json_integer_value(json_object_get(sum, "households")),
	       (long long)json_integer_value(json_object_get(sum, "with_conflicts")),
	       (long long)json_integer_value(json_object_get(sum, "conflicts")),
	       (double)(time_now_us() - started) / 1e6);
	json_object_foreach (json_object_get(sum, "by_rule"), rule, x)
		printf("  %-20s %lld\n", rule, (long long)json_integer_value(x));
	json_decref(sum);
	return 0;
}

const struct cli_command cmd_crosscheck = {
	"crosscheck",
	"anju crosscheck --data DIR",
	"cross-check every active household against the newest department datasets (联审)",
	NULL,
	0,
	0,
	true,
	run_crosscheck,
};
