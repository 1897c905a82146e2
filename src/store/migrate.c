/*
 * Applies the numbered migrations compiled into the binary and records them
 * in schema_migrations.  Several servers may start at once against one
 * PostgreSQL: each migration runs in a transaction holding one advisory lock
 * (on SQLite the write lock of BEGIN IMMEDIATE does the same) and checks again,
 * under the lock, that nobody applied it meanwhile.  So each migration is
 * applied exactly once, whole or not at all.
 */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "store/db.h"

/* "anjumigr" in ASCII: one key for every process migrating this database. */
#define MIGRATE_LOCK_KEY INT64_C(0x616e6a756d696772)

static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				 " version INTEGER PRIMARY KEY,"
				 " name TEXT NOT NULL,"
				 " applied_at TEXT NOT NULL)";

/* The present in UTC as 2026-11-28T07:03:11.123456Z (DESIGN.md "Storage").
 * Kept here rather than in core/date.c so that storage depends on nothing
 * but itself. */
static void
utc_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000));
}

static int
fail(struct db *db, struct anju_err *e, const char *what)
{
	return anju_fail(e, ANJU_EDB, "migration_failed", NULL, "%s: %s", what, db_errmsg(db));
}

/* Whether version is recorded; a recorded name that differs means the
 * database was migrated by a different history of sql/ and is refused. */
static int
recorded(struct db *db, const struct migration *m, bool *found, struct anju_err *e)
{
	struct db_stmt *st = NULL;
	int rc;

	*found = false;
	rc = db_prepare(db, "SELECT name FROM schema_migrations WHERE version = ?", &st);
	if (rc != 0) {
		rc = fail(db, e, "reading schema_migrations");
		goto out;
	}
	db_bind_int64(st, 1, m->version);
	rc = db_step(st);
	if (rc < 0) {
		rc = fail(db, e, "reading schema_migrations");
		goto out;
	}
	if (rc == DB_ROW) {
		const char *name = db_col_text(st, 0);

		if (name == NULL || strcmp(name, m->name) != 0) {
			rc = anju_fail(
				e, ANJU_EDB, "migration_mismatch", NULL,
				"migration %d is recorded as \"%s\", this program has \"%s\"",
				m->version, name ? name : "", m->name);
			goto out;
		}
		*found = true;
	}
	rc = 0;
out:
	db_reset(st);
	return rc;
}

static int
ensure_table(struct db *db, struct anju_err *e)
{
	int rc;

	/* Under the lock: two PostgreSQL sessions racing on CREATE TABLE IF NOT
	 * EXISTS can both pass the check and one then fails. */
	rc = db_begin(db);
	if (rc == 0)
		rc = db_tx_lock(db, MIGRATE_LOCK_KEY);
	if (rc == 0)
		rc = db_exec(db, create_sql);
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0) {
		rc = fail(db, e, "creating schema_migrations");
		db_rollback(db);
	}
	return rc;
}

/* Applies m unless it is already recorded; *done tells which. */
static int
apply(struct db *db, const struct migration *m, bool *done, struct anju_err *e)
{
	struct db_stmt *st = NULL;
	char what[96], now[64];
	bool found;
	int rc;

	*done = false;
	snprintf(what, sizeof(what), "migration %d (%s)", m->version, m->name);
	rc = db_begin(db);
	if (rc == 0)
		rc = db_tx_lock(db, MIGRATE_LOCK_KEY);
	if (rc != 0) {
		rc = fail(db, e, what);
		goto out;
	}
	/* Another process may have applied it while this one waited. */
	rc = recorded(db, m, &found, e);
	if (rc != 0)
		goto out;
	if (found) {
		rc = db_commit(db);
		if (rc != 0)
			rc = fail(db, e, what);
		goto out;
	}
	rc = db_exec(db, m->sql);
	if (rc != 0) {
		rc = fail(db, e, what);
		goto out;
	}
	rc = db_prepare(
		db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		&st);
	if (rc == 0) {
		utc_now(now, sizeof(now));
		db_bind_int64(st, 1, m->version);
		db_bind_cstr(st, 2, m->name);
		db_bind_cstr(st, 3, now);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc == DB_DONE)
		rc = db_commit(db);
	if (rc != 0) {
		rc = fail(db, e, what);
		goto out;
	}
	*done = true;
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}

int
db_migrate_list(struct db *db, const struct migration *list, int count, int *applied,
		struct anju_err *e)
{
	int rc, n = 0;

	/* The list comes from file names; 10_x.sql sorting before 9_y.sql would
	 * apply them out of order. */
	for (int i = 0; i < count; i++) {
		if (list[i].version <= 0 || (i > 0 && list[i].version <= list[i - 1].version)) {
			rc = anju_fail(e, ANJU_EDB, "migration_order", NULL,
				       "migration %d (%s) is out of order", list[i].version,
				       list[i].name);
			goto out;
		}
	}
	rc = ensure_table(db, e);
	if (rc != 0)
		goto out;
	for (int i = 0; i < count; i++) {
		bool found, done;

		/* Most starts have nothing to do: look before taking the lock. */
		rc = recorded(db, &list[i], &found, e);
		if (rc != 0)
			goto out;
		if (found)
			continue;
		rc = apply(db, &list[i], &done, e);
		if (rc != 0)
			goto out;
		if (done)
			n++;
	}
out:
	if (applied != NULL)
		*applied = n;
	return rc;
}

int
db_migrate(struct db *db, int *applied, struct anju_err *e)
{
	return db_migrate_list(db, migrations, migration_count, applied, e);
}

int
db_schema_version(struct db *db, int *version, struct anju_err *e)
{
	struct db_stmt *st = NULL;
	char **names = NULL;
	size_t n = 0;
	bool exists = false;
	int rc;

	*version = 0;
	/* Asked before anything was migrated, the table may not exist, and a
	 * failed SELECT would spoil a PostgreSQL transaction. */
	rc = db_tables(db, &names, &n);
	if (rc != 0) {
		rc = fail(db, e, "listing tables");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		exists = exists || strcmp(names[i], "schema_migrations") == 0;
	if (!exists)
		goto out;
	rc = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);
	if (rc == 0)
		rc = db_step(st);
	if (rc != DB_ROW) {
		rc = fail(db, e, "reading schema_migrations");
		goto out;
	}
	*version = (int)db_col_int64(st, 0);
	rc = 0;
out:
	db_reset(st);
	free(names);
	return rc;
}

const char *const migrate_seeded_tables[] = {
	"household_category", "tenancy_rule",        "dunning_level",
	"dunning_policy",     "outbox_sender",       "match_rule",
	"match_policy",       "work_order_deadline", NULL
};
