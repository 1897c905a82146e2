/*
 * What the housing module's files share and nobody else uses: the audit
 * call every change ends with, the checks of free text that reaches the
 * database from the API, imports and the command line alike, and the
 * column readers of its JSON.
 */
#ifndef ANJU_HOUSING_HOUSING_INT_H
#define ANJU_HOUSING_HOUSING_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct db_stmt;
struct caller;
struct audit_actor;

/* Writes the audit row of a change to (object_type, id); before and after
 * are lent and may be NULL. */
int housing_audit(struct db *db, const struct audit_actor *who, const char *action,
		  const char *object_type, int64_t id, json_t *before, json_t *after,
		  struct anju_err *e);

/* Free text: valid UTF-8 without control characters (tab and newlines
 * allowed only when multiline), at most max characters, non-empty when
 * required (NULL counts as empty).  0 or ANJU_EINVAL with field. */
int housing_text_ok(const char *s, const char *field, const char *title, size_t max, bool required,
		    bool multiline, struct anju_err *e);
/* good, fair, poor, broken. */
bool housing_condition_ok(const char *s);
/* A strict YYYY-MM-DD. */
bool housing_date_ok(const char *s);

/* A column as JSON: text or null, integer or null. */
json_t *housing_col_text(struct db_stmt *st, int col);
json_t *housing_col_int(struct db_stmt *st, int col);
/* The error of a row that is not there (or outside the caller's scope):
 * what is "unit", "building", "community", "asset", "acceptance", "owner",
 * "operator" or "agreement"; the key is what + "_not_found".  field may be
 * NULL (the path's object) or the body's field that named it. */
int housing_not_found(struct anju_err *e, const char *what, const char *field);
/* The community of row id when it is in the caller's scope, by sql (a
 * fixed text, HOUSING_COMMUNITY_OF(table)): 0, or ANJU_ENOTFOUND naming
 * what.  The one look-up behind housing_*_community(). */
#define HOUSING_COMMUNITY_OF(table)                                                                \
	"SELECT community_id FROM " table " WHERE id = ? AND " SCOPE_SQL("community_id")
int housing_scoped_community(struct db *db, const struct caller *c, const char *sql, int64_t id,
			     const char *what, int64_t *community_id, struct anju_err *e);

/* The Unit JSON of a row read with UNIT_SELECT. */
#define UNIT_SELECT                                                                                \
	"SELECT u.id, u.community_id, c.name, u.building_id, b.name, u.entrance, u.floor,"         \
	" u.number, u.layout, u.floor_area, u.usable_area, u.orientation, u.status,"               \
	" u.status_since, u.status_before, u.created_at, u.updated_at FROM unit u"                 \
	" JOIN building b ON b.id = u.building_id JOIN community c ON c.id = u.community_id"
json_t *housing_unit_json(struct db_stmt *st);

/* The Asset JSON of a row read with ASSET_SELECT. */
#define ASSET_SELECT                                                                               \
	"SELECT a.id, a.community_id, a.location, a.building_id, a.entrance, a.unit_id,"           \
	" a.place, a.type, a.brand, a.model, a.quantity, a.condition, a.warranty_end,"             \
	" a.created_at, a.updated_at FROM asset a"
json_t *housing_asset_json(struct db_stmt *st);

/* The acceptance check of a unit with its items, or JSON null (no scope:
 * the caller has seen the unit). */
int housing_acceptance_of_unit(struct db *db, int64_t unit_id, json_t **out, struct anju_err *e);

#endif
