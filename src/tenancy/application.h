/*
 * Applications (申报), their staged review (审核), the bureau's eligibility
 * decision, publicity (公示) and objections: part B of the tenancy module
 * (docs/tenancy.md, docs/tenancy-application.md).  Owns application and
 * objection (sql/015_application.sql).
 *
 *   draft → submitted → first_reviewed → deciding → publicity → approved
 *             ↑  │ return (初审)            │ refuse      │ objection upheld
 *          returned                       rejected ◄──────┘
 *   withdrawn: from any state before approved.  allocated and housed are set
 *   by the allocation and lease parts.
 *
 * The operator's people take applications and do the first review; the
 * eligibility decision, the objections' resolution and the end of
 * publicity are the bureau's (建保〔2018〕92号): any other role gets
 * ANJU_EFORBIDDEN "bureau_only".  A decision is a two-person action: a
 * bureau person proposes (the application is "deciding") and another
 * bureau person approves it through the approvals (kind
 * "application.decide"); a rejected or withdrawn request sends the
 * application back to first_reviewed at once (the kind's on_end).
 *
 * Every function runs in the caller's transaction and audits there, on
 * object_type "application" (actions "application.create", ".submit",
 * ".first_review", ".return", ".propose", ".grant", ".refuse",
 * ".decision_withdrawn", ".withdraw", ".objection", ".objection_resolve",
 * ".reject", ".approve").  An illegal transition is ANJU_ECONFLICT
 * "application_state" whose message names the current state in Chinese.
 * Outside the caller's scope an application does not exist
 * (ANJU_ENOTFOUND "application_not_found"); a tenant sees only its own
 * household's.
 */
#ifndef ANJU_TENANCY_APPLICATION_H
#define ANJU_TENANCY_APPLICATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "approval/approval.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* The states, NULL-terminated, and their zh-CN titles ("草稿" ...); NULL
 * for an unknown state. */
extern const char *const application_states[];
const char *application_state_title(const char *state);

/* Creates a draft for a household the caller may see (scope; a tenant its
 * own): category NULL takes the household's.  ANJU_ENOTFOUND (household,
 * category), ANJU_ECONFLICT "household_closed", "application_open" (the
 * household has an application not rejected, withdrawn or housed). */
int application_create(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t household_id, const char *category, const char *note, int64_t *id,
		       struct anju_err *e);

/* The Application JSON with everything the detail page shows into *out
 * (new): the facts (the submitted snapshot, or the household's current
 * facts before submission), eligibility (live until decided, then the
 * stored one), crosscheck, ban, objections, the decision's approval request,
 * the household's documents and allowed_actions for c. */
int application_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		    struct anju_err *e);

struct application_filter {
	const char *state;    /* NULL: any */
	int64_t community_id; /* 0: every community in scope */
	const char *category; /* NULL: any */
	const char *q;        /* ID number, phone, name prefix of a member; or an application id */
	int64_t after_id;     /* keyset cursor */
	int limit;            /* 1..200 */
};
/* A page of ApplicationSummary JSON (head's masked name and ID number,
 * category and state titles, days in state) in id order into *items (new);
 * *next the cursor, 0 at the end.  Scoped; not for tenants. */
int application_list(struct db *db, const struct caller *c, const struct application_filter *f,
		     json_t **items, int64_t *next, struct anju_err *e);
/* {"draft": n, "submitted": n, ...} of the applications in c's scope
 * (community_id 0: all of them), every state present. */
int application_counts(struct db *db, const struct caller *c, int64_t community_id, json_t **out,
		       struct anju_err *e);

/* draft or returned → submitted, with the household's facts taken as they
 * are now (the snapshot the review sees). */
int application_submit(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t id, struct anju_err *e);
/* 初审 by the operator: submitted → first_reviewed (pass) or returned (with
 * reason, required).  ANJU_EFORBIDDEN for roles other than the operator's. */
int application_first_review(struct db *db, const struct caller *c, const struct audit_actor *who,
			     int64_t id, bool pass, const char *reason, struct anju_err *e);
/* 复审: a bureau person proposes grant or refuse with a reason:
 * first_reviewed → deciding, with the eligibility explanation, cross-check,
 * rule and policy versions recorded, and an approval request of kind
 * "application.decide" whose id goes to *approval_id.  A grant is refused
 * (ANJU_EUNPROCESSABLE "household_banned" during an art. 36 ban,
 * "not_eligible" when a rule fails).  ANJU_EFORBIDDEN "bureau_only". */
int application_decide(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t id, bool grant, const char *reason, int64_t *approval_id,
		       struct anju_err *e);
/* Withdrawn at the household's wish (reason required), from any state
 * before approved. */
int application_withdraw(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t id, const char *reason, struct anju_err *e);
/* The bureau ends publicity now: publicity → approved (approved_at and
 * queue_at now).  ANJU_ECONFLICT "objections_open" while an objection is
 * open, "publicity_not_ended" before the day after publicity_until. */
int application_close_publicity(struct db *db, const struct caller *c,
				const struct audit_actor *who, int64_t id, struct anju_err *e);
/* eligibility_evaluate() for the application's household today, into *out
 * (new): the explanation with "banned" and "ban_until" added. */
int application_eligibility(struct db *db, const struct caller *c, int64_t id, json_t **out,
			    struct anju_err *e);

/* An objection to an application in publicity.  c NULL: the public (the
 * application must be in publicity, else ANJU_ENOTFOUND).  objector NULL or
 * "": "anonymous"; contact (may be NULL) is sealed.  *id receives its id. */
int objection_add(struct db *db, const struct caller *c, const struct audit_actor *who,
		  int64_t application_id, const char *objector, const char *contact,
		  const char *content, int64_t *id, struct anju_err *e);
/* The bureau resolves an open objection: upheld rejects the application with
 * the objection as reason; dismissed leaves it in publicity.  The
 * application's JSON (application_get) goes to *out (new, may be NULL). */
int objection_resolve(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t objection_id, bool upheld, const char *resolution, json_t **out,
		      struct anju_err *e);

/* A page of the applications in publicity for staff (masked names, the
 * days left, open and total objections), by id. */
int publicity_list(struct db *db, const struct caller *c, int64_t after_id, int limit,
		   json_t **items, int64_t *next, struct anju_err *e);
/* The public notice: only the head's masked name, the category's and the
 * community's names, the publicity dates and the application's number, by
 * id. */
int publicity_public(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
		     struct anju_err *e);

/* The daily close (publicity.c's job, in one transaction of the caller):
 * approves every application whose publicity ended before today (Shanghai;
 * NULL: today) with no open objection.  *approved counts them. */
int publicity_close_due(struct db *db, const char *today, const struct audit_actor *who,
			int *approved, struct anju_err *e);

/* The approval kind "application.decide" (application_approvals.c),
 * registered in approval/kinds.c, and its two halves in application.c:
 * the check when asked (the application is first_reviewed) and the
 * decision carried out when approved. */
extern const struct approval_kind application_decide_kind;
int application_decision_check(struct db *db, int64_t id, struct anju_err *e);
int application_decision_execute(struct db *db, int64_t id, bool grant, const char *reason,
				 const struct audit_actor *approver, json_t **result,
				 struct anju_err *e);
/* The request ended without approval (how: "rejected" or "canceled"): a
 * deciding application goes back to first_reviewed. */
int application_decision_ended(struct db *db, int64_t id, const char *how,
			       const struct audit_actor *who, const char *note, struct anju_err *e);

#endif
