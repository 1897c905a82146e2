/*
 * Scope: which communities a caller may see.  Every query over rows that
 * belong to a community adds SCOPE_SQL on the row's community column and
 * binds its two parameters with scope_bind(), so no handler can forget the
 * condition; outside the scope a row simply is not found (404).
 *
 *   "SELECT ... FROM unit u WHERE u.id = ? AND " SCOPE_SQL("u.community_id")
 *   db_bind_int64(st, 1, id); scope_bind(st, 2, caller);
 */
#ifndef ANJU_ACCESS_SCOPE_H
#define ANJU_ACCESS_SCOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/role.h"
#include "core/err.h"

struct db;
struct db_stmt;

#define SCOPE_SQL(col)                                                                             \
	"(? = 1 OR " col " IN (SELECT community_id FROM scope_grant WHERE principal = ?))"

/* Binds SCOPE_SQL's two parameters at i and i+1; returns i + 2.  A NULL
 * caller, or one without a scope (admin, security, auditor, and tenants, who
 * are limited by their household instead), matches nothing. */
int scope_bind(struct db_stmt *st, int i, const struct caller *c);
/* Replaces principal's community grants (in the caller's transaction). */
int scope_set(struct db *db, const char *principal, const int64_t *ids, int n, struct anju_err *e);
/* {"all": bool, "communities": [ids]} for principal. */
int scope_json(struct db *db, const char *principal, bool all, json_t **out, struct anju_err *e);
/* Validates a scope for role: scoped roles need all or a non-empty set
 * (operator-side roles and inspectors a set, never all); others none.
 * 0 or ANJU_EINVAL (field "communities"). */
int scope_validate(enum role role, bool all, int n, struct anju_err *e);

#endif
