/*
 * What the domain modules' reads do alike: a statement's rows made JSON,
 * and one row by id that a caller may see (404 otherwise).
 */
#ifndef ANJU_STORE_ROWS_H
#define ANJU_STORE_ROWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/page.h"

struct caller;
struct db;
struct db_stmt;

/* Steps st (prepared and bound) to its end into *items, a new array of
 * row(st, NULL) for every row, and resets it: 0, or db_fail()'s code (then
 * *items is NULL). */
int db_rows_json(struct db *db, struct db_stmt *st, page_row_fn row, json_t **items,
		 struct anju_err *e);
/* Steps st (prepared and bound) to its one row into *out (new, row(st,
 * NULL)) and resets it: 0, ANJU_ENOTFOUND (key, msg) when there is none, or
 * db_fail()'s code; *out is NULL on failure. */
int db_row_json(struct db *db, struct db_stmt *st, page_row_fn row, json_t **out, const char *key,
		const char *msg, struct anju_err *e);

/* Binds a caller's scope (SCOPE_SQL's parameters) at i onwards. */
typedef int row_scope_binder(struct db_stmt *st, int i, const struct caller *c);
/* Reads the row of sql (its parameters: the id, then the scope's, which
 * bind binds at 2 for c) with read(st, out): 0, or ANJU_ENOTFOUND with key
 * and msg when c sees no such row. */
int db_row_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
		 row_scope_binder *bind, void (*read)(struct db_stmt *st, void *out), void *out,
		 const char *key, const char *msg, struct anju_err *e);
/* The same for the row's first column, an integer (a community's id ...),
 * into *out. */
int db_int_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
		 row_scope_binder *bind, int64_t *out, const char *key, const char *msg,
		 struct anju_err *e);
/* The same, the row made JSON by row(st, NULL) (a row that makes NULL is
 * not found either). */
int db_json_by_id(struct db *db, const char *sql, int64_t id, const struct caller *c,
		  row_scope_binder *bind, page_row_fn row, json_t **out, const char *key,
		  const char *msg, struct anju_err *e);

#endif
