/*
 * The data directory: the database (for SQLite), files/ (content-addressed
 * documents), keys/ (secrets, mode 0700/0600, backed up separately) and
 * anju.conf.  `anju init` creates it; every other command opens it.
 */
#ifndef ANJU_STORE_DATADIR_H
#define ANJU_STORE_DATADIR_H

#include "core/err.h"

/* Creates dir with its layout and fresh keys (keys_create, store/keys.h), or
 * with a copy of the keys folder keys_from (a restore needs the keys the
 * backup was made with);
 * db_url NULL means SQLite in dir.  Refuses a directory that exists and is
 * not empty.  0 or an error. */
int datadir_create(const char *dir, const char *db_url, const char *keys_from, struct anju_err *e);
/* Checks dir's layout and loads its anju.conf and the environment into the
 * configuration.  0, or ANJU_ENOTFOUND/ANJU_EINVAL with e. */
int datadir_open(const char *dir, struct anju_err *e);
/* The database URL: the "db" setting, or sqlite:DIR/anju.db; lent until the
 * next call. */
const char *datadir_db_url(const char *dir);
/* DIR/rel as a new string the caller frees. */
char *datadir_path(const char *dir, const char *rel);

#endif
