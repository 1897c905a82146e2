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

/*
 * The case's life.  action:
 *   investigate          suspected -> investigating (operator's people,
 *                        inspectors, the bureau)
 *   propose              an operator's proposal (proposal: confirm or
 *                        dismiss while investigating, refer once
 *                        confirmed) with its reason; the state stays
 *   confirm, dismiss     investigating -> confirmed | dismissed (bureau);
 *                        a confirm of an art. 27 type raises the
 *                        sanctions of violation_preview() in the same
 *                        transaction and stores them on the case
 *   order_rectification  confirmed -> rectification_ordered, rectify_by a
 *                        date from today (bureau)
 *   rectify              rectification_ordered -> rectified (operator's
 *                        people, inspectors, the bureau)
 *   refer                confirmed -> referred (bureau): opens the tenancy
 *                        module's eviction (eviction_open, basis
 *                        "violation")
 * reason: 2..500 characters, required but for investigate and rectify.
 * ANJU_EFORBIDDEN ("bureau_only") for a decision by anyone else, checked
 * before the state; ANJU_ECONFLICT ("violation_state", naming the current
 * state) for any other transition.  Each step is a violation_event row and
 * an audit row "violation.<action>" with the server's time.
 */
struct violation_action_in {
	const char *action;
	const char *proposal;   /* propose: confirm, dismiss, refer */
	const char *reason;     /* see above */
	const char *rectify_by; /* order_rectification: YYYY-MM-DD, today or later */
};
extern const char *const violation_actions[];
extern const char *const violation_proposals[];
int violation_act(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const struct violation_action_in *in, struct anju_err *e);

/* What the bureau's confirm would raise today, for a case investigating:
 * {sanctioned, household_id, unit_id, breach_from, breach_to, days,
 *  policy_version, market_rent_fen_m2, floor_area, market_fen,
 *  rent_billed_fen, back_charge_fen, penalty_fen, ban_years, ban_from,
 *  members: [{person_id, name}], months: [{period, days, days_in_month,
 *  market_fen, rent_billed_fen}]}.  The back charge is the market rent
 * (market_rent_fen_m2 x floor area, prorated by days of each month like
 * billing, half up) from the breach's start (started_on, else the day it
 * was reported; never before the household's tenancy of the unit) to the
 * decision date, less the rent its lease chains billed for those days; the
 * penalty is violation_penalty's amount for the type in force on the
 * date.  Nothing is raised for "other", nor without a household.
 * ANJU_ECONFLICT ("violation_state") unless investigating. */
int violation_preview(struct db *db, const struct caller *c, int64_t id, json_t **out,
		      struct anju_err *e);

/* The Violation JSON of a case c may see, with its history ("events"),
 * evidence ("evidence") and the public reporter masked. */
int violation_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e);

struct violation_filter {
	const char *state, *type;                    /* NULL: any */
	int64_t community_id, household_id, unit_id; /* 0: any */
	int64_t after_id;                            /* keyset: ids below it, 0: from the newest */
	int limit;
};
/* A page of ViolationSummary JSON within c's scope, newest first. */
int violation_list(struct db *db, const struct caller *c, const struct violation_filter *f,
		   json_t **items, int64_t *next, struct anju_err *e);
/* The board's counts within c's scope (community_id 0: all in scope):
 * {"by_state": {state: n}, "by_type": {type: n}, "total": n}. */
int violation_counts(struct db *db, const struct caller *c, int64_t community_id, json_t **out,
		     struct anju_err *e);

/*
 * Evidence (evidence.c): append-only.  A photo (JPEG or PNG: 415
 * otherwise) or document (JPEG, PNG or PDF) is stored as an attachment of
 * the case (owner "violation_case", which refuses removal) with its SHA-256
 * copied to the evidence row; a statement is text (1..2000 characters),
 * hashed as its UTF-8 bytes.  taken_at: the given ISO time, else a JPEG's
 * EXIF DateTimeOriginal (read as Asia/Shanghai time), else null; stored_at
 * is the server's.  Not on a dismissed, rectified or referred case
 * (ANJU_ECONFLICT "violation_state").  Audited "violation.evidence_add".
 * Nothing changes or removes a row.
 */
struct violation_evidence_in {
	const char *kind;     /* photo, document, statement */
	const char *filename; /* photo, document */
	const void *data;
	size_t size;
	const char *statement; /* statement */
	const char *taken_at;  /* ISO UTC time, NULL: from EXIF or unknown */
	const char *note;      /* NULL: none */
};
#define VIOLATION_STATEMENT_MAX 2000
int violation_evidence_add(struct db *db, const struct caller *c, const struct audit_actor *who,
			   int64_t case_id, const struct violation_evidence_in *in, int64_t *id,
			   struct anju_err *e);
/* The case's evidence, oldest first, appended to out as Evidence JSON (id,
 * kind, attachment_id, filename, media_type, size, sha256, statement, note,
 * taken_at, taken_source, stored_at, added_by, added_by_name).  The caller
 * has decided the case is seen. */
int violation_evidence_list(struct db *db, int64_t case_id, json_t *out, struct anju_err *e);
/* The EXIF DateTimeOriginal of a JPEG as an ISO UTC time (the camera's
 * clock read as Asia/Shanghai), into out: 0, or -1 when there is none. */
int violation_exif_taken(const void *data, size_t n, char out[28]);

/*
 * Renovation requests (renovation.c, art. 26): asked by staff for a tenant
 * household on its unit (requested), checked by the operator's manager
 * (checked), approved or refused by the bureau (403 "bureau_only" for
 * anyone else), then done (the operator's people, after approved).  Any
 * other step is ANJU_ECONFLICT "renovation_state".  Each step audited
 * "renovation.<action>".  Attachments: owner "renovation_request".
 */
struct renovation_in {
	int64_t unit_id;
	int64_t household_id;                  /* 0: the unit's tenant household in force today */
	const char *description;               /* 2..1000 characters */
	const char *planned_from, *planned_to; /* YYYY-MM-DD, from <= to */
};
extern const char *const renovation_states[];
extern const char *const renovation_actions[]; /* check, approve, refuse, done */
int renovation_create(struct db *db, const struct caller *c, const struct renovation_in *in,
		      const struct audit_actor *who, int64_t *id, struct anju_err *e);
/* note: check's note or the decision's reason (2..500; required to
 * refuse); done_on: done's date (NULL: today). */
int renovation_act(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   const char *action, const char *note, const char *done_on, struct anju_err *e);
int renovation_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e);
struct renovation_filter {
	const char *state;
	int64_t community_id, unit_id, after_id;
	int limit;
};
int renovation_list(struct db *db, const struct caller *c, const struct renovation_filter *f,
		    json_t **items, int64_t *next, struct anju_err *e);
/* The request's community if c may see it (files owner registry). */
int renovation_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			 struct anju_err *e);
/* Whether the unit has a request approved (or done) whose planned dates
 * cover date (YYYY-MM-DD): for a patrol finding "renovation without
 * approval", which opens a damage case when *yes is false. */
int renovation_approved_on(struct db *db, int64_t unit_id, const char *date, bool *yes,
			   struct anju_err *e);

/*
 * The evidence package (package.c): a zip of summary.pdf (the case, its
 * states with times and people, the decision, the evidence with hashes),
 * every evidence file under files/ and manifest.txt ("<sha256>  <name>"
 * per file, the summary's too), appended to out; *sha (65 bytes) the zip's
 * own SHA-256, audited "violation.package" in the caller's transaction.
 */
int violation_package(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, struct buf *out, char sha[65], struct anju_err *e);
/* The summary PDF alone, appended to out. */
int violation_summary_pdf(const json_t *v, struct buf *out, struct anju_err *e);

#endif
