/*
 * Part C of the upkeep module beyond its contract in upkeep.h
 * (work_order_raise): work orders (维修养护) through their states, the
 * overdue list, the configured deadlines, preventive plans and their daily
 * job, and the maintenance ledger (维修台账) with its xlsx.  Tables:
 * sql/027_work_order.sql; rules: docs/upkeep-work-order.md.
 *
 * Every write runs in the caller's transaction and writes its audit rows
 * there; reads take the caller: operator roles see their communities'
 * orders, a tenant its own household's, and anything else is
 * ANJU_ENOTFOUND.
 */
#ifndef ANJU_UPKEEP_WORK_ORDER_H
#define ANJU_UPKEEP_WORK_ORDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "upkeep/upkeep.h"

struct db;
struct caller;
struct audit_actor;

/* NULL-terminated vocabularies, for route enums. */
extern const char *const work_order_categories[];
extern const char *const work_order_urgencies[];
extern const char *const work_order_sources[];
extern const char *const work_order_states[];
extern const char *const work_order_responsibilities[];
extern const char *const preventive_freqs[];

/* The roles that confirm or reopen an order (a call-back, 回访): the
 * bureau and the assessor; and the tenant for its own household's. */
bool work_order_may_confirm(const struct caller *c);

/* The configured deadlines: [{urgency, hours, updated_at, updated_by}]. */
int work_order_deadlines(struct db *db, json_t **out, struct anju_err *e);
/* Sets an urgency's hours (1..8760) for orders raised from now on; audited
 * "work_order.deadline".  ANJU_EINVAL (field urgency or hours). */
int work_order_deadline_set(struct db *db, const char *urgency, int hours,
			    const struct audit_actor *who, struct anju_err *e);

/* The community of an order c may see (the files owner registry's and the
 * routes' scope check): 0 or ANJU_ENOTFOUND. */
int work_order_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			 struct anju_err *e);

/*
 * Transitions.  Each checks the order is visible to c (else
 * ANJU_ENOTFOUND), that it is in a state the step starts from (else
 * ANJU_ECONFLICT "work_order_state", the message naming the current
 * state), records the step with the server's time and who in the order's
 * history, and audits it ("work_order.<step>").
 */
/* reported or assigned (again) → assigned to an active account of an
 * operator role that may see the community.  ANJU_EINVAL (field
 * assignee_id). */
int work_order_assign(struct db *db, const struct caller *c, int64_t id, int64_t assignee_id,
		      const char *note, const struct audit_actor *who, struct anju_err *e);
/* assigned → in_progress. */
int work_order_start(struct db *db, const struct caller *c, int64_t id, const char *note,
		     const struct audit_actor *who, struct anju_err *e);

struct work_order_material_in {
	const char *name; /* 1..64 characters */
	int quantity;     /* 1..100000 */
	const char *unit; /* NULL or up to 8 characters */
	int64_t amount_fen;
};
#define WORK_ORDER_MATERIALS_MAX 50
struct work_order_done_in {
	const char *responsibility; /* operator, tenant, warranty, owner */
	int64_t cost_fen;           /* 0 .. 10^9; at least the materials' sum */
	const struct work_order_material_in *materials;
	int nmaterials;
	const char *note; /* NULL or up to 500 characters */
};
/* in_progress → done.  A tenant-paid repair (responsibility tenant, cost >
 * 0, the order's household known; ANJU_EINVAL "household_required"
 * otherwise) raises its repair charge through charge_raise (source
 * "work_order", the order) in the caller's transaction. */
int work_order_done(struct db *db, const struct caller *c, int64_t id,
		    const struct work_order_done_in *in, const struct audit_actor *who,
		    struct anju_err *e);
/* done → confirmed with a satisfaction 1..5 and a note, by a call-back
 * (bureau, assessor) or the tenant for its own household's order; an
 * operator role gets ANJU_EFORBIDDEN. */
int work_order_confirm(struct db *db, const struct caller *c, int64_t id, int satisfaction,
		       const char *note, const struct audit_actor *who, struct anju_err *e);
/* done → assigned (to the same account), by those who may confirm; note
 * (1..500 characters) says what is still wrong. */
int work_order_reopen(struct db *db, const struct caller *c, int64_t id, const char *note,
		      const struct audit_actor *who, struct anju_err *e);

/*
 * Reads.  now_us decides what is overdue: past its deadline and not done.
 */
struct work_order_filter {
	int64_t community_id;
	const char *state;
	const char *category;
	const char *urgency;
	int64_t household_id;
	bool overdue;
	int64_t after_id;
	int limit;
};
int work_order_list(struct db *db, const struct caller *c, const struct work_order_filter *f,
		    int64_t now_us, json_t **items, int64_t *next, struct anju_err *e);
/* The board's counts: {by_state: {reported: n ...}, overdue: n} over the
 * orders c may see (community 0: all of them). */
int work_order_counts(struct db *db, const struct caller *c, int64_t community_id, int64_t now_us,
		      json_t **out, struct anju_err *e);
/* One order with its materials, history, charge and photos. */
int work_order_get(struct db *db, const struct caller *c, int64_t id, int64_t now_us, json_t **out,
		   struct anju_err *e);
/* The reporter's contact in clear, for a caller of an operator role or the
 * bureau; audited "work_order.reveal".  *out is new. */
int work_order_contact_reveal(struct db *db, const struct caller *c, int64_t id,
			      const struct audit_actor *who, char **out, struct anju_err *e);

/*
 * Preventive plans (preventive.c).
 */
struct preventive_plan_in {
	int64_t community_id;   /* taken from the asset when asset_id > 0 */
	int64_t asset_id;       /* one asset, or */
	const char *asset_type; /* every asset of this type in the community */
	const char *name;       /* 1..64 characters */
	const char *category;
	const char *urgency; /* NULL: normal */
	const char *description;
	const char *freq; /* weekly, monthly, quarterly */
	int day;          /* weekly 1..7, else 1..31 */
	int active;       /* update: < 0 unchanged */
};
int preventive_plan_create(struct db *db, const struct caller *c,
			   const struct preventive_plan_in *in, const struct audit_actor *who,
			   int64_t *id, struct anju_err *e);
/* Changes name, description, urgency, freq, day and active (NULL, < 0:
 * unchanged); the place stays. */
int preventive_plan_update(struct db *db, const struct caller *c, int64_t id,
			   const struct preventive_plan_in *in, const struct audit_actor *who,
			   struct anju_err *e);
int preventive_plan_list(struct db *db, const struct caller *c, int64_t community_id,
			 int64_t after_id, int limit, json_t **items, int64_t *next,
			 struct anju_err *e);
int preventive_plan_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
			struct anju_err *e);
/* Whether a plan of freq and day falls on date d (YYYY-MM-DD). */
bool preventive_due(const char *freq, int day, const char *date);
/* Raises the work orders of every active plan due on date (YYYY-MM-DD),
 * one per plan and asset, unique on (plan, date, asset): a re-run raises
 * nothing.  *raised counts the new orders.  In the caller's transaction. */
int preventive_run(struct db *db, const char *date, const struct audit_actor *who, int *raised,
		   struct anju_err *e);

/*
 * The maintenance ledger (ledger.c): a community's orders done in a month
 * (YYYY-MM, Asia/Shanghai), with their costs by responsibility and totals.
 */
int maintenance_ledger(struct db *db, const struct caller *c, int64_t community_id,
		       const char *period, json_t **out, struct anju_err *e);
/* The same as an xlsx workbook appended to out. */
int maintenance_ledger_xlsx(struct db *db, const struct caller *c, int64_t community_id,
			    const char *period, struct buf *out, struct anju_err *e);

/*
 * Shared by the part's files (work_order.c, preventive.c, ledger.c), not
 * for other modules.
 */
bool work_order_in_list(const char *const *list, const char *s);
/* Free text: UTF-8 without control characters (newline and tab allowed),
 * at most max characters, non-empty when required.  0 or ANJU_EINVAL. */
int work_order_text_ok(const char *s, const char *field, const char *title, size_t max,
		       bool required, struct anju_err *e);
/* audit_write on ("work_order", id); before and after lent. */
int work_order_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
		     json_t *before, json_t *after, struct anju_err *e);
/* Appends a step to the order's history. */
int work_order_event_add(struct db *db, int64_t id, const char *from, const char *to,
			 const char *now, const struct audit_actor *who, const char *note,
			 struct anju_err *e);

#endif
