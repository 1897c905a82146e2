/*
 * Part B of the upkeep module (issue 8): violation cases (违规), their
 * evidence and the bureau's decisions, the evidence package, and renovation
 * requests (art. 26).  violation_report() is the contract in upkeep.h; this
 * header declares the rest, for the part's API and the lead's wiring.
 * Owns violation_penalty, violation_case, violation_event,
 * violation_evidence and renovation_request (sql/026_violation.sql).  See
 * docs/upkeep.md (Part B) and docs/upkeep-violation.md.
 *
 * Every function runs in the caller's transaction and audits its own
 * changes there.  Decisions (confirm, dismiss, refer, approving or refusing
 * a renovation) are the bureau's: anyone else gets ANJU_EFORBIDDEN
 * ("bureau_only").  A case or request outside the caller's scope is
 * ANJU_ENOTFOUND.
 */
#ifndef ANJU_UPKEEP_VIOLATION_H
#define ANJU_UPKEEP_VIOLATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "upkeep/upkeep.h"

struct db;
struct caller;
struct audit_actor;
struct buf;

#define VIOLATION_SUMMARY_MAX 500
#define VIOLATION_REASON_MAX  500

/* NULL-terminated, for route enums: the types (the five of art. 27, then
 * "other"), the sources, the states, the evidence kinds. */
extern const char *const violation_types[];
extern const char *const violation_sources[];
extern const char *const violation_states[];
extern const char *const violation_evidence_kinds[];
/* Whether type is one of art. 27's five (a confirm sanctions it). */
bool violation_type_sanctioned(const char *type);

/* The case's community if c may see it (its finder for the files owner
 * registry): 0 or ANJU_ENOTFOUND ("violation_not_found").  Tenants see
 * none. */
int violation_case_community(struct db *db, const struct caller *c, int64_t id,
			     int64_t *community_id, struct anju_err *e);

/* The public reporter of a case (a report from the public): name and
 * contact (either may be NULL), sealed at rest.  Audited with both masked. */
int violation_set_reporter(struct db *db, int64_t id, const char *name, const char *contact,
			   const struct audit_actor *who, struct anju_err *e);

#endif
