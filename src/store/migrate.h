/*
 * Numbered schema migrations.  sql/NNN_name.sql files are compiled into the
 * binary (scripts/embed-sql.sh); each runs in its own transaction on both
 * engines, after db_dialect() substitution, and is recorded in
 * schema_migrations (version, name, applied_at).  Landed migrations are never
 * edited.
 */
#ifndef ANJU_STORE_MIGRATE_H
#define ANJU_STORE_MIGRATE_H

#include "core/err.h"

struct db;

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const int migration_count;

/* Applies every pending migration in order under db_tx_lock(), so that
 * several processes starting at once apply each exactly once.  *applied
 * (may be NULL) counts what this call applied.  0 or ANJU_EDB with e. */
int db_migrate(struct db *db, int *applied, struct anju_err *e);
/* Highest applied version, 0 for an empty database. */
int db_schema_version(struct db *db, int *version, struct anju_err *e);
/* Applies migrations from an explicit list (tests use their own). */
int db_migrate_list(struct db *db, const struct migration *list, int count, int *applied,
		    struct anju_err *e);

/* Tables a migration fills with default rows (sql/006's household
 * categories): a freshly migrated database has them, so a restore into it
 * does not count them as data and replaces them with the backup's rows.
 * NULL-terminated. */
extern const char *const migrate_seeded_tables[];

#endif
