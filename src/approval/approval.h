/*
 * Two-person approvals: one mechanism for every action that needs a second
 * person (account creation now; refunds, deposit deductions, eligibility
 * decisions, voided receipts and assessment results later).  A request
 * records who asked, what and why; an account of a role the kind names, and
 * never the one who asked, approves or rejects; the action runs only on
 * approval, in the same transaction as the decision; everything is audited.
 */
#ifndef ANJU_APPROVAL_APPROVAL_H
#define ANJU_APPROVAL_APPROVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/role.h"
#include "core/err.h"

struct db;
struct field;
struct audit_actor;

struct approval_kind {
	const char *name;            /* "account.create" */
	const char *title;           /* zh-CN: "创建账号" */
	unsigned requester_roles;    /* ROLE_BIT()s that may ask */
	unsigned approver_roles;     /* ROLE_BIT()s that may decide */
	const struct field *payload; /* validated when asked */
	/* Checks a payload beyond its fields (a rule, a conflict) when asked, so a
	 * request that could never run is refused at once.  May be NULL. */
	int (*check)(struct db *db, json_t *payload, struct anju_err *e);
	/* Carries the action out in the decision's transaction.  *result is kept
	 * (never a secret); *shown_once (may stay NULL) goes to the approver only. */
	int (*execute)(struct db *db, json_t *payload, const struct audit_actor *approver,
		       json_t **result, json_t **shown_once, struct anju_err *e);
	/* Runs in the transaction that ends a request without approval (how:
	 * "rejected" by the approver, "canceled" by the requester), for a kind
	 * that put something on hold when asked.  May be NULL. */
	int (*on_end)(struct db *db, json_t *payload, const char *how,
		      const struct audit_actor *who, const char *note, struct anju_err *e);
};

/* The kinds, NULL-terminated (approval/kinds.c). */
extern const struct approval_kind *const approval_kinds[];
const struct approval_kind *approval_kind_find(const char *name);

/* Records a request in the caller's transaction.  ANJU_EFORBIDDEN when c's
 * role may not ask for kind; ANJU_EINVAL for a bad payload. */
int approval_request(struct db *db, const struct caller *c, const struct audit_actor *who,
		     const char *kind, json_t *payload, const char *reason, const char *object_type,
		     const char *object_id, int64_t *id, struct anju_err *e);
/* Approves (running the action) or rejects, in the caller's transaction.
 * ANJU_ENOTFOUND (not visible), ANJU_EFORBIDDEN ("self_approval" or a role
 * that may not decide), ANJU_ECONFLICT (already decided).  *shown_once (may
 * be NULL) receives what only the approver sees. */
int approval_decide(struct db *db, const struct caller *c, const struct audit_actor *who,
		    int64_t id, bool approve, const char *note, json_t **shown_once,
		    struct anju_err *e);
/* The requester withdraws a pending request. */
int approval_cancel(struct db *db, const struct caller *c, const struct audit_actor *who,
		    int64_t id, struct anju_err *e);
/* One request as c sees it (can_decide, can_cancel), or ANJU_ENOTFOUND when c
 * neither asked nor may decide it. */
int approval_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e);
/* Requests c asked or may decide (mine: only those c asked), newest first. */
int approval_list(struct db *db, const struct caller *c, const char *state, bool mine,
		  int64_t before_id, int limit, json_t **items, int64_t *next, struct anju_err *e);
/* The roles that may ask for or decide anything: for route contracts. */
unsigned approval_roles(void);

#endif
