/*
 * Administration commands: init (with --demo, the pilot's demo data loaded
 * as a job, its accounts' passwords printed once), migrate, backup, restore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "demo/demo.h"
#include "jobs/job.h"
#include "store/backup.h"
#include "store/datadir.h"
#include "store/db.h"
#include "store/migrate.h"

/* The three powers (三权分立), each its own person, with initial passwords
 * to be changed at the first sign-in. */
static int
create_powers(struct db *db, struct anju_err *e)
{
	static const struct {
		const char *username, *name;
		enum role role;
	} powers[] = {
		{ "admin", "系统管理员", ROLE_ADMIN },
		{ "security", "安全管理员", ROLE_SECURITY },
		{ "auditor", "审计员", ROLE_AUDITOR },
	};
	struct audit_actor who;
	int rc;

	audit_actor_of(&who, caller_system(), "cli", NULL);
	if ((rc = db_begin(db)) != 0)
		return anju_fail(e, ANJU_EDB, NULL, NULL, "begin: %s", db_errmsg(db));
	for (size_t i = 0; i < sizeof(powers) / sizeof(powers[0]); i++) {
		struct account_new n = { .username = powers[i].username,
					 .display_name = powers[i].name,
					 .role = powers[i].role };
		int64_t id = 0;

		if ((rc = account_create(db, &n, &who, &id, e)) != 0) {
			db_rollback(db);
			return rc;
		}
		printf("  %-9s %-10s initial password: %s\n", powers[i].username,
		       role_title(n.role), n.generated_password);
		explicit_bzero(n.generated_password, sizeof(n.generated_password));
	}
	if (db_commit(db) != 0)
		return anju_fail(e, ANJU_EDB, NULL, NULL, "commit: %s", db_errmsg(db));
	return 0;
}

/* A demo account's line, in the table create_powers prints, kept until the
 * passwords are committed. */
static void
add_password_line(void *ud, const struct demo_account *a, const char *password)
{
	buf_printf(ud, "  %-16s %-10s initial password: %s\n", a->username, role_title(a->role),
		   password);
}

/* Gives the demo's accounts their initial passwords and prints them once. */
static int
issue_demo_passwords(struct db *db, struct anju_err *e)
{
	struct audit_actor who;
	struct buf lines;
	int rc;

	audit_actor_of(&who, caller_system(), "cli", NULL);
	buf_init(&lines, 0);
	if ((rc = db_begin(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "begin: %s", db_errmsg(db));
		goto out;
	}
	if ((rc = demo_issue_passwords(db, &who, add_password_line, &lines, e)) != 0) {
		db_rollback(db);
		goto out;
	}
	if ((rc = db_commit(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "commit: %s", db_errmsg(db));
		goto out;
	}
	printf("demo accounts (change each password at its first sign-in):\n%s",
	       lines.p ? lines.p : "");
out:
	if (lines.p != NULL)
		explicit_bzero(lines.p, lines.n);
	buf_free(&lines);
	return rc;
}

/* Loads the pilot's demo data: the "demo" job, created and claimed in one
 * transaction and run here with a progress bar. */
static int
load_demo(struct db *db, struct anju_err *e)
{
	json_t *params = json_object(), *j = NULL, *res;
	struct progress p;
	const char *state;
	int64_t id = 0, got = 0;
	int rc;

	if ((rc = db_begin(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "begin: %s", db_errmsg(db));
		goto out;
	}
	if ((rc = job_create(db, "demo", params, "cli", &id, e)) != 0 ||
	    (rc = job_claim(db, job_worker_name(), id, &got, e)) < 0) {
		db_rollback(db);
		goto out;
	}
	if ((rc = db_commit(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "commit: %s", db_errmsg(db));
		goto out;
	}
	progress_init(&p, "演示数据");
	rc = job_run(db, id, job_worker_name(), NULL, progress_update, &p, e);
	if (rc == 0)
		rc = job_get(db, id, &j, e);
	state = rc == 0 ? json_string_value(json_object_get(j, "state")) : "failed";
	progress_done(&p, strcmp(state, "succeeded") == 0 ? "完成" : state);
	if (rc != 0)
		goto out;
	if (strcmp(state, "succeeded") != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, "job_failed", NULL, "demo job %lld %s: %s",
			       (long long)id, state,
			       json_string_value(json_object_get(j, "error"))
				       ? json_string_value(json_object_get(j, "error"))
				       : "");
		goto out;
	}
	res = json_object_get(j, "result");
	printf("demo (job %lld): %lld communities, %lld buildings, %lld units (acceptance "
	       "confirmed, 85%% let), %lld households with %lld members, applications in every "
	       "stage, one lottery batch\n",
	       (long long)id, (long long)json_integer_value(json_object_get(res, "communities")),
	       (long long)json_integer_value(json_object_get(res, "buildings")),
	       (long long)json_integer_value(json_object_get(res, "units")),
	       (long long)json_integer_value(json_object_get(res, "households")),
	       (long long)json_integer_value(json_object_get(res, "persons")));
	rc = issue_demo_passwords(db, e);
out:
	json_decref(params);
	json_decref(j);
	return rc;
}

static int
run_init(const struct cli_command *c, struct cli_args *a)
{
	const char *url = cli_value(c, a, "db");
	struct anju_err e;
	struct db *db = NULL;
	int applied = 0;

	anju_err_clear(&e);
	if (url != NULL && strncmp(url, "sqlite:", 7) != 0 &&
	    strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0) {
		fprintf(stderr, "anju init: --db must be sqlite:PATH or postgresql://...\n");
		return 2;
	}
	if (datadir_create(a->data, url, NULL, &e) != 0)
		return cli_fail(&e);
	if (cli_open_db(a, false, &db, &e) != 0 || db_migrate(db, &applied, &e) != 0)
		return cli_fail(&e);
	printf("created %s (database %s, %d migrations)\n", a->data, db_engine_name(db), applied);
	printf("accounts (change each password at its first sign-in; back up keys/ separately):\n");
	if (create_powers(db, &e) != 0)
		return cli_fail(&e);
	fflush(stdout);
	if (cli_given(c, a, "demo") && load_demo(db, &e) != 0)
		return cli_fail(&e);
	return 0;
}

static const struct cli_flag init_flags[] = {
	{ "db", true, "database URL: sqlite:PATH (default DIR/anju.db) or postgresql://..." },
	{ "demo", false, "load the pilot's demo data and print its accounts' initial passwords" },
	{ NULL },
};

const struct cli_command cmd_init = {
	"init",
	"anju init --data DIR [--db URL] [--demo]",
	"create a data directory: database, files/, keys/, anju.conf",
	init_flags,
	0,
	0,
	true,
	run_init,
};

static int
run_migrate(const struct cli_command *c, struct cli_args *a)
{
	struct anju_err e;
	struct db *db = NULL;
	int applied = 0, version = 0;

	(void)c;
	anju_err_clear(&e);
	if (cli_open_db(a, false, &db, &e) != 0 || db_migrate(db, &applied, &e) != 0 ||
	    db_schema_version(db, &version, &e) != 0)
		return cli_fail(&e);
	printf("schema version %d (%d applied now)\n", version, applied);
	return 0;
}

const struct cli_command cmd_migrate = {
	"migrate",   "anju migrate --data DIR", "apply pending schema migrations", NULL, 0, 0, true,
	run_migrate,
};

typedef int (*archive_fn)(struct db *db, const char *files_dir, const char *path,
			  backup_progress_fn progress, void *ud, struct anju_err *e);

/* backup and restore: the same steps around a different archive function. */
static int
run_archive(const struct cli_command *c, struct cli_args *a, const char *flag, const char *title,
	    archive_fn fn)
{
	const char *path = cli_value(c, a, flag);
	struct anju_err e;
	struct db *db = NULL;
	struct progress p;
	char *files;
	int rc;

	anju_err_clear(&e);
	if (path == NULL) {
		fprintf(stderr, "anju %s: --%s FILE is required\n", c->name, flag);
		return 2;
	}
	files = datadir_path(a->data, "files");
	if ((rc = cli_open_db(a, true, &db, &e)) == 0) {
		progress_init(&p, title);
		rc = fn(db, files, path, progress_update, &p, &e);
		progress_done(&p, rc == 0 ? "完成" : NULL);
	}
	free(files);
	return rc == 0 ? 0 : cli_fail(&e);
}

static int
run_backup(const struct cli_command *c, struct cli_args *a)
{
	int rc = run_archive(c, a, "to", "备份", backup_write);

	if (rc == 0)
		printf("backup written to %s (keys are not inside: copy %s/keys separately)\n",
		       cli_value(c, a, "to"), a->data);
	return rc;
}

static const struct cli_flag backup_flags[] = {
	{ "to", true, "the archive to write (must not exist)" },
	{ NULL },
};

const struct cli_command cmd_backup = {
	"backup",
	"anju backup --data DIR --to FILE",
	"write a consistent online copy of the database and files (not the keys)",
	backup_flags,
	0,
	0,
	true,
	run_backup,
};

static int
run_restore(const struct cli_command *c, struct cli_args *a)
{
	const char *keys = cli_value(c, a, "keys"), *url = cli_value(c, a, "db");
	struct anju_err e;
	int rc;

	anju_err_clear(&e);
	if (keys == NULL || cli_value(c, a, "from") == NULL) {
		fprintf(stderr, "anju restore: --from FILE and --keys DIR (the keys the backup was"
				" made with) are required\n");
		return 2;
	}
	/* A restore makes its data directory, like init, but with the old keys. */
	if (datadir_create(a->data, url, keys, &e) != 0)
		return cli_fail(&e);
	rc = run_archive(c, a, "from", "恢复", backup_restore);
	if (rc == 0)
		printf("restored %s into %s\n", cli_value(c, a, "from"), a->data);
	return rc;
}

static const struct cli_flag restore_flags[] = {
	{ "from", true, "the archive to restore" },
	{ "keys", true, "the keys folder the backup was made with (copied into DIR/keys)" },
	{ "db", true, "database URL for the new data directory (default sqlite:DIR/anju.db)" },
	{ NULL },
};

const struct cli_command cmd_restore = {
	"restore",
	"anju restore --data NEWDIR --from FILE --keys OLDDIR/keys [--db URL]",
	"restore a backup into a new data directory, with the keys it was made with",
	restore_flags,
	0,
	0,
	true,
	run_restore,
};
