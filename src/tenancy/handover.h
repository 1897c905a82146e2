/*
 * Handover (part D2 of the tenancy module, issue 6 §5): move-in (入住) and
 * move-out (退出) checklists of a lease, and the settlement of the deposit
 * (履约保证金) at exit.  Tables: handover, handover_item, deposit_settlement
 * (sql/018_handover.sql).  See docs/tenancy.md.
 *
 * A checklist is opened from the unit's asset register (move-in) or from
 * the move-in checklist (move-out, so each line shows its condition then
 * and now), edited as a draft, and completed once:
 *   move-in   the lease in force on the day, the deposit fully paid;
 *             the unit allocated → occupied;
 *   move-out  the lease ends on the day (unless already ended, as by an
 *             eviction); the unit occupied → vacant, then under repair
 *             when asked; the deposit settlement is requested.
 * The settlement (deposit.c) runs when a second person approves it
 * (approval kind "deposit.settle", handover_approvals.c): the deductions
 * become a charge, the deposit goes back into the household's credit
 * (deposit_release), the credit settles the open charges only when the
 * tenant agreed (else only the deductions), and what remains is refunded.
 *
 * Every function runs inside the caller's write transaction and audits its
 * changes there.  Functions that take a caller apply its scope: outside it
 * a lease or a handover does not exist (ANJU_ENOTFOUND).
 */
#ifndef ANJU_TENANCY_HANDOVER_H
#define ANJU_TENANCY_HANDOVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "tenancy/tenancy.h"

struct db;
struct caller;
struct audit_actor;
struct approval_kind;

/* "deposit.settle" (handover_approvals.c), listed in approval/kinds.c. */
extern const struct approval_kind handover_deposit_settle_kind;

#define HANDOVER_ITEMS_MAX 200
#define HANDOVER_TEXT_MAX  200 /* an item's name and note, in characters */
#define HANDOVER_NOTE_MAX  600

/* Conditions of an item, NULL-terminated: good, worn, damaged, missing
 * (完好, 有磨损, 损坏, 缺失). */
extern const char *const handover_conditions[];
/* The refund channels, NULL-terminated: cash, bank_transfer. */
extern const char *const handover_refund_channels[];

struct handover_item_in {
	int64_t asset_id; /* 0: not an asset of the register */
	const char *name;
	const char *condition;
	const char *note;      /* may be NULL */
	int64_t deduction_fen; /* move-out only: the deduction proposed for it */
};

/* What PATCH changes: NULL pointers and -1 stay as they are. */
struct handover_patch {
	json_t *meters;  /* {"water", "electricity", "gas"}: readings as text
			    ("1234.5") or null */
	int keys_handed; /* 0 .. 99 */
	const char *note;
	int tenant_agrees;          /* move-out: 0 or 1 */
	int repair;                 /* move-out: 0 or 1 */
	const char *refund_channel; /* move-out: cash, bank_transfer */
};

/* The community of a handover the caller may see: the files module's owner
 * lookup ("handover" attachments: photos).  0 or ANJU_ENOTFOUND. */
int handover_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		       struct anju_err *e);

/* Opens the move-in checklist of a lease (signed or in force) in the
 * caller's scope, prefilled from the unit's assets with the condition the
 * acceptance check (or the asset row) gives.  ANJU_ENOTFOUND
 * ("lease_not_found"), ANJU_ECONFLICT ("lease_state"; "handover_exists"). */
int handover_move_in_open(struct db *db, const struct caller *c, const struct audit_actor *who,
			  int64_t lease_id, int64_t *id, struct anju_err *e);
/* handover_move_out_open (tenancy.h) for a lease in the caller's scope;
 * *created false when the checklist existed. */
int handover_move_out_open_scoped(struct db *db, const struct caller *c,
				  const struct audit_actor *who, int64_t lease_id, int64_t *id,
				  bool *created, struct anju_err *e);

/* Changes a draft: ANJU_EINVAL (field), ANJU_ECONFLICT ("handover_done"). */
int handover_update(struct db *db, const struct caller *c, const struct audit_actor *who,
		    int64_t id, const struct handover_patch *p, struct anju_err *e);
/* Replaces a draft's items (at most HANDOVER_ITEMS_MAX); a move-out line
 * keeps the move-in condition of the line with the same asset, or else the
 * same name. */
int handover_items_set(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t id, const struct handover_item_in *items, int n, struct anju_err *e);
/* Changes one item of a draft: condition, note and deduction (NULL and -1:
 * unchanged).  ANJU_ENOTFOUND ("item_not_found"). */
int handover_item_update(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t id, int64_t item_id, const char *condition, const char *note,
			 int64_t deduction_fen, struct anju_err *e);

/* Completes a draft on done_on (YYYY-MM-DD, not in the future; NULL: today
 * in Asia/Shanghai), as described above.  Move-in: ANJU_ECONFLICT
 * ("lease_not_in_force", "deposit_unpaid", "unit_status"),
 * ANJU_EUNPROCESSABLE ("keys_required").  Move-out: ANJU_EINVAL
 * ("missing_field": tenant_agrees, refund_channel), ANJU_ECONFLICT
 * ("lease_state", "unit_status"); the settlement request is made as c
 * (*approval_id, 0 when there is nothing to settle: no deposit held and no
 * deduction). */
int handover_complete(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, const char *done_on, int64_t *approval_id, struct anju_err *e);

/* A handover as the API shows it (the Handover schema), with its items, the
 * lease, and at move-out its settlement (a preview while a draft). */
int handover_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e);
/* Handovers in the caller's scope, newest first: a keyset page of rows
 * below before_id (0: from the newest), at most limit (1..200); *items the
 * HandoverSummary JSON, *next the cursor of the next page (0: none).
 * Zero and NULL members do not filter. */
struct handover_filter {
	int64_t community_id;
	const char *kind, *state;
	int64_t before_id;
	int limit;
};
int handover_list(struct db *db, const struct caller *c, const struct handover_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e);
/* The handovers of a lease in the caller's scope, oldest first. */
int handover_list_of_lease(struct db *db, const struct caller *c, int64_t lease_id, json_t **items,
			   struct anju_err *e);

/* The part's audit row on (object_type, id), in the caller's transaction
 * (takes before and after, either may be NULL). */
int handover_audit(struct db *db, const struct audit_actor *who, const char *action,
		   const char *object_type, int64_t id, json_t *before, json_t *after,
		   struct anju_err *e);

/*
 * The deposit settlement (deposit.c).
 */
struct settlement_figures {
	int64_t deposit_fen;    /* received and held (0: none, or released already) */
	int64_t deductions_fen; /* the checklist's */
	int64_t open_fen;       /* other charges owed (the deposit's own unpaid part aside) */
	int64_t credit_fen;     /* the household's credit */
	int64_t refund_fen;     /* what is paid back */
	int64_t owed_after_fen; /* what is still owed after */
};
/* The figures of a settlement now: when the tenant agrees, the credit and
 * the deposit settle the open charges and the deductions, and the rest is
 * refunded; when not, they settle the deductions only, the open charges
 * stay owed, and the refund is the deposit minus the deductions. */
int deposit_settlement_figures(struct db *db, int64_t chain_id, int64_t household_id,
			       int64_t deductions_fen, bool tenant_agrees,
			       struct settlement_figures *f, struct anju_err *e);
/* Records a settlement request for a completed move-out and asks for its
 * approval as c (channel NULL: the handover's).  ANJU_ECONFLICT
 * ("settlement_pending", "settlement_done", "handover_not_done"). */
int deposit_settlement_request(struct db *db, const struct caller *c, const struct audit_actor *who,
			       int64_t handover_id, const char *channel, const char *reason,
			       int64_t *approval_id, struct anju_err *e);
/* Whether settlement id may still be carried out (the approval's check). */
int deposit_settlement_check(struct db *db, int64_t id, struct anju_err *e);
/* Carries settlement id out as the approver, in the decision's transaction
 * (see above).  ANJU_ECONFLICT ("settlement_changed") when the refund or
 * the deductions are no longer what the request said.  *result (new): the
 * figures, the deduction charge and the refund. */
int deposit_settlement_execute(struct db *db, int64_t id, int64_t want_refund_fen,
			       const struct audit_actor *approver, json_t **result,
			       struct anju_err *e);
/* The settlement of a move-out handover for its JSON: the newest request,
 * or the preview of a draft.  *out null for a move-in. */
int deposit_settlement_json(struct db *db, int64_t handover_id, json_t **out, struct anju_err *e);

#endif
