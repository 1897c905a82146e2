/*
 * Online backup and restore.  A backup is one tar archive holding
 *   manifest.json     format, anju version, schema version, engine, time,
 *                     each table's row count and SHA-256 of its data file
 *   db/<table>.jsonl  every row of every anju table, one JSON array per line,
 *                     read inside one snapshot transaction (consistent while
 *                     the server keeps serving)
 *   files/...         the content-addressed files folder
 * Keys are never inside: they are copied separately (keys/ of the data
 * directory).  The format is the same for both engines, so a SQLite pilot can
 * be restored onto PostgreSQL.
 */
#ifndef ANJU_STORE_BACKUP_H
#define ANJU_STORE_BACKUP_H

#include <stdint.h>

#include "core/err.h"

struct db;

typedef void (*backup_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);

/* Writes the archive to path (created exclusively, mode 0600; removed again
 * on failure).  progress may be NULL.  0 or an error with e. */
int backup_write(struct db *db, const char *files_dir, const char *path,
		 backup_progress_fn progress, void *ud, struct anju_err *e);

/* Restores the archive at path into db and files_dir.  The database must be
 * migrated (db_migrate) and hold no rows in any anju table other than
 * schema_migrations; its schema version must equal the archive's.  Every
 * checksum is verified before anything is written; rows are inserted in one
 * transaction.  0 or an error with e (ANJU_ECONFLICT: not empty; ANJU_EINVAL:
 * not an anju backup, corrupt, or another schema version). */
int backup_restore(struct db *db, const char *files_dir, const char *path,
		   backup_progress_fn progress, void *ud, struct anju_err *e);

#endif
