/*
 * What the files of part B (violation.c, evidence.c, package.c,
 * renovation.c) share and nobody else calls.
 */
#ifndef ANJU_UPKEEP_VIOLATION_INT_H
#define ANJU_UPKEEP_VIOLATION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct db_stmt;
struct audit_actor;

bool violation_in_list(const char *const *list, const char *s);
/* who's principal, "system" when none. */
const char *violation_principal(const struct audit_actor *who);
/* Binds v at i, or NULL when v <= 0. */
void violation_bind_id(struct db_stmt *st, int i, int64_t v);
/* ANJU_ENOTFOUND "violation_not_found". */
int violation_not_found(struct anju_err *e);
/* A name masked for display: its first character, then "**". */
void violation_mask_name(const char *name, char *out, size_t cap);
/* Appends one row to the case's history (violation_event). */
int violation_event_add(struct db *db, int64_t case_id, const char *action, const char *from_state,
			const char *to_state, const char *note, const char *at,
			const struct audit_actor *who, struct anju_err *e);

#endif
