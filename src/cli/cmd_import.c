/*
 * `anju import units|households --data DIR FILE`: imports a CSV file (UTF-8
 * or GB18030) as the API does (transfer/transfer.h), running the job here
 * with a progress bar.  When rows are bad nothing is imported: the report
 * (row, column, reason) is printed and the exit status is 1.
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
#include "jobs/job.h"
#include "store/db.h"
#include "transfer/transfer.h"

/* Reads path whole, refusing anything over TRANSFER_MAX_INPUT. */
static int
read_file(const char *path, struct buf *b, struct anju_err *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return anju_fail(e, ANJU_EIO, "cannot_open", NULL, "cannot open %s: %s", path,
				 strerror(errno));
	buf_init(b, TRANSFER_MAX_INPUT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n) != 0) {
			fclose(f);
			return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL,
					 "%s is larger than %d MiB", path,
					 TRANSFER_MAX_INPUT >> 20);
		}
	if (ferror(f)) {
		fclose(f);
		return anju_fail(e, ANJU_EIO, NULL, NULL, "cannot read %s", path);
	}
	fclose(f);
	return 0;
}

/* Prints the report of a refused import, a page at a time. */
static int
print_report(struct db *db, int64_t id, struct anju_err *e)
{
	int64_t cursor = 0, next = 0, total = 0;
	int rc;

	do {
		json_t *items = NULL, *it;
		size_t i;

		rc = transfer_errors(db, caller_system(), id, cursor, 200, &items, &next, &total,
				     e);
		if (rc != 0)
			return rc;
		if (cursor == 0)
			printf("%-8s %-16s %s\n", "行号", "列", "原因");
		json_array_foreach (items, i, it)
			printf("%-8lld %-16s %s\n",
			       (long long)json_integer_value(json_object_get(it, "row")),
			       json_string_value(json_object_get(it, "column")),
			       json_string_value(json_object_get(it, "reason")));
		json_decref(items);
		cursor = next;
	} while (next > 0);
	printf("共 %lld 处错误，未导入任何数据。\n", (long long)total);
	return 0;
}

/* Waits for a job a server's worker took first. */
static int
follow(struct db *db, int64_t id, struct progress *p, struct anju_err *e)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	for (;;) {
		json_t *j = NULL, *pr;
		const char *state;
		bool end;
		int rc = job_get(db, id, &j, e);

		if (rc != 0)
			return rc;
		pr = json_object_get(j, "progress");
		state = json_string_value(json_object_get(j, "state"));
		progress_update(p, json_integer_value(json_object_get(pr, "done")),
				json_integer_value(json_object_get(pr, "total")),
				json_string_value(json_object_get(pr, "note")));
		end = strcmp(state, "queued") != 0 && strcmp(state, "running") != 0;
		json_decref(j);
		if (end)
			return 0;
		nanosleep(&ts, NULL);
	}
}

static int
run_import(const struct cli_command *c, struct cli_args *a)
{
	enum transfer_what what;
	struct anju_err e;
	struct audit_actor who;
	struct progress p;
	struct db *db = NULL;
	struct buf data = { 0 };
	json_t *j = NULL;
	const char *state;
	int64_t id = 0;
	int rc;

	anju_err_clear(&e);
	if (a->npos >= 1 && strcmp(a->pos[0], "dataset") == 0)
		return cli_import_dataset(c, a);
	if (transfer_what_parse(a->pos[0], &what) != 0 || a->npos != 2) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if (read_file(a->pos[1], &data, &e) != 0)
		goto fail;
	if (cli_open_db(a, true, &db, &e) != 0)
		goto fail;
	audit_actor_of(&who, caller_system(), NULL, NULL);
	if (db_begin(db) != 0 ||
	    transfer_import_create(db, what, TRANSFER_CSV, data.p, data.n, caller_system(), &who,
				   &id, &e) != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		if (e.code == 0)
			anju_fail(&e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
		goto fail;
	}
	progress_init(&p, what == TRANSFER_UNITS ? "导入房源" : "导入住户");
	rc = job_claim(db, job_worker_name(), id, &id, &e);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		/* The file is still here: the job need not open its sealed copy. */
		transfer_input_lend(id, data.p, data.n);
		rc = job_run(db, id, job_worker_name(), NULL, progress_update, &p, &e);
		transfer_input_lend(0, NULL, 0);
		if (rc != 0)
			goto fail;
	} else if (follow(db, id, &p, &e) != 0) {
		goto fail;
	}
	if (data.p != NULL)
		explicit_bzero(data.p, data.n);
	buf_free(&data);
	if (job_get(db, id, &j, &e) != 0)
		goto fail;
	state = json_string_value(json_object_get(j, "state"));
	progress_done(&p, state);
	if (strcmp(state, "succeeded") == 0) {
		json_t *r = json_object_get(j, "result");

		printf("导入完成：共 %lld 条，新增 %lld 条，已存在未变 %lld 条",
		       (long long)json_integer_value(json_object_get(r, "rows")),
		       (long long)json_integer_value(json_object_get(r, "created")),
		       (long long)json_integer_value(json_object_get(r, "unchanged")));
		if (what == TRANSFER_UNITS)
			printf("，新建楼栋 %lld 栋", (long long)json_integer_value(json_object_get(
							     r, "buildings_created")));
		printf("。\n");
		json_decref(j);
		return 0;
	}
	fprintf(stderr, "anju import: %s\n",
		json_is_string(json_object_get(j, "error"))
			? json_string_value(json_object_get(j, "error"))
			: state);
	json_decref(j);
	if (print_report(db, id, &e) != 0)
		return cli_fail(&e);
	return 1;
fail:
	if (data.p != NULL)
		explicit_bzero(data.p, data.n);
	buf_free(&data);
	return cli_fail(&e);
}

/* The flags of `anju import dataset` (cmd_crosscheck.c). */
static const struct cli_flag import_flags[] = {
	{ "source", true, "dataset: property, vehicle, business, insurance or assistance" },
	{ "as-of", true, "dataset: the date the data is as of (YYYY-MM-DD)" },
	{ "name", true, "dataset: a name (default: the source and the date)" },
	{ "encoding", true, "dataset: auto (default), utf8 or gb18030" },
	{ NULL },
};

const struct cli_command cmd_import = {
	"import",
	"anju import units|households --data DIR FILE\n"
	"       anju import dataset --data DIR --source S --as-of DATE FILE",
	"import units, or households with their members, from a CSV file (all rows or none);"
	" or a department's dataset for cross-checks (good rows kept, bad rows listed)",
	import_flags,
	2,
	2,
	true,
	run_import,
};
