/*
 * Tenancy (issue 6): the contracts between the tenancy module's parts and
 * with later issues.  The module is one domain (src/tenancy/) in parts, each
 * owning its tables and its own header:
 *
 *   rules.c, eligibility.c, dataset.c, crosscheck.c, ban.c  (eligibility.h)
 *       effective-dated policy and eligibility rules, department datasets,
 *       cross-checks, the 5-year application ban          sql/014_eligibility.sql
 *   application.c                                          (application.h)
 *       applications, staged review, publicity, objections sql/015_application.sql
 *   waitlist.c, allocation.c, lottery.c                    (allocation.h)
 *       the waitlist, allocation batches, the verifiable lottery, choice,
 *       offers                                             sql/016_allocation.sql
 *   lease.c, lease_pdf.c                                   (lease.h)
 *       lease chains, signing, renewal, change, the contract PDF, filing
 *                                                          sql/017_lease.sql
 *   handover.c, deposit.c                                  (handover.h)
 *       deposits, move-in and move-out with their checklists, the deposit
 *       settlement                                         sql/018_handover.sql
 *   recheck.c, eviction.c, signal.c, timeline.c            (recheck.h)
 *       the quarterly recheck, signals from rent and upkeep, exit and
 *       eviction, the tenancy timeline source              sql/019_recheck.sql
 *
 * Only the functions below are called across parts (and by later issues).
 * Every function runs inside the caller's transaction and audits its own
 * changes there.  Decisions that grant, refuse or end a tenancy are the
 * bureau's (建保〔2018〕92号): the functions that make them take the caller and
 * answer ANJU_EFORBIDDEN ("bureau_only") to anyone else.
 *
 * See docs/tenancy.md.
 */
#ifndef ANJU_TENANCY_TENANCY_H
#define ANJU_TENANCY_TENANCY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/*
 * Policy (rules.c): the city's effective-dated tenancy settings, one
 * version in force on any date.  Every decision stores the version it used.
 */
struct tenancy_policy {
	int64_t version;            /* tenancy_rule.id */
	int publicity_days;         /* 公示 days (default 7) */
	int max_wait_months;        /* waitlist warning (default 60) */
	int wait_warning_months;    /* warn this long before the maximum (default 6) */
	int refusal_limit;          /* refusals that send a household to the back (default 2) */
	int choice_window_hours;    /* 选房: hours each household has to pick (default 48) */
	int offer_response_days;    /* days to accept or refuse an offer (default 7) */
	int lease_max_months;       /* art. 18 (default 60) */
	int filing_days;            /* art. 17 (default 30) */
	int renewal_window_months;  /* art. 30 (default 3) */
	int vacate_days;            /* 搬迁期 after an eviction notice (default 90) */
	int64_t market_rent_fen_m2; /* market rent per m² of floor area per month, for
				       overstay and back-charges (default 2000 = 20 yuan) */
	int ban_years;              /* art. 36 (default 5) */
};
/* The policy in force on date (YYYY-MM-DD; NULL: today in Asia/Shanghai). */
int tenancy_policy_get(struct db *db, const char *on_date, struct tenancy_policy *out,
		       struct anju_err *e);

/*
 * Eligibility (eligibility.c): a household's facts against the rules of its
 * category in force on a date.  *explain (new) is
 *   {"rule_version": N, "category": "...", "eligible": bool,
 *    "rules": [{"rule": "income_per_person", "passed": bool,
 *               "limit": ..., "actual": ..., "text": "人均月收入 1,200.00 元，
 *               不高于 1,500.00 元的标准：符合"}, ...]}
 * with one entry per rule, in words a clerk understands.
 */
int eligibility_evaluate(struct db *db, int64_t household_id, const char *on_date, bool *eligible,
			 int64_t *rule_version, json_t **explain, struct anju_err *e);

/*
 * Cross-check (crosscheck.c): the household's head's and members' ID numbers
 * against the newest version of each department dataset, through the blind
 * index.  *out (new) is {"checked_at": ..., "datasets": [{"source", "id",
 * "as_of"}], "conflicts": [{"source": "property", "person_id": N,
 * "member": "配偶 张三", "rule": "owns_housing", "text": "...",
 * "detail": {...}}]}; *nconflicts counts them.
 */
int crosscheck_household(struct db *db, int64_t household_id, json_t **out, int *nconflicts,
			 struct anju_err *e);

/*
 * The art. 36 ban (ban.c): no new application for ban_years after a
 * violation.  The upkeep issue adds bans from confirmed violation cases;
 * eligibility reads them.  source_type/source_id name what caused it.
 */
int ban_add(struct db *db, int64_t person_id, const char *from_on, const char *source_type,
	    int64_t source_id, const char *reason, const struct audit_actor *who, int64_t *id,
	    struct anju_err *e);
/* Whether any active member of the household is banned on date: *until
 * (11 bytes) the latest end, "" when none. */
int ban_household(struct db *db, int64_t household_id, const char *on_date, bool *banned,
		  char until[11], struct anju_err *e);

/*
 * Leases (lease.c).  A lease is in force on a date when its state is signed,
 * in_force or (for past dates) ended and starts_on <= date <=
 * COALESCE(ended_on, ends_on).  The chain links a lease to
 * its renewals and changes; money keys on the chain ("lease_chain").
 */
/* The lease of the chain in force on date (0 in *lease_id when none). */
int lease_in_force(struct db *db, int64_t chain_id, const char *on_date, int64_t *lease_id,
		   struct anju_err *e);
/* Ends a lease on date (the move-out or the eviction's vacate), with reason;
 * the chain ends with it.  Ending an ended lease again on or after its last
 * day changes nothing. */
int lease_end(struct db *db, int64_t lease_id, const char *on_date, const char *reason,
	      const struct audit_actor *who, struct anju_err *e);

/*
 * Handover (handover.c): the move-out of a lease's unit; the eviction calls
 * it once the household has left.  Creates the move-out checklist when none
 * exists and returns its id.
 */
int handover_move_out_open(struct db *db, int64_t lease_id, const struct audit_actor *who,
			   int64_t *handover_id, struct anju_err *e);

/*
 * Signals (signal.c): what other modules know about a household in a lease
 * that the recheck must weigh: arrears (the rent issue), violations (the
 * upkeep issue).  Raising the same (source_type, source_id) again updates
 * its summary; clearing it (paid, dismissed) keeps it in the history.
 */
int tenancy_signal_raise(struct db *db, int64_t household_id, const char *source_type,
			 int64_t source_id, const char *summary, const struct audit_actor *who,
			 struct anju_err *e);
int tenancy_signal_clear(struct db *db, const char *source_type, int64_t source_id,
			 const struct audit_actor *who, struct anju_err *e);

/*
 * Eviction (eviction.c), started only by the bureau: from a recheck
 * proposal, a violation case or an arrears referral (basis "recheck",
 * "violation", "arrears"; basis_id its row).  ANJU_EFORBIDDEN
 * ("bureau_only") for any other role; ANJU_ECONFLICT ("eviction_open") when
 * the chain already has an open eviction; ANJU_ENOTFOUND when the household
 * has no lease in force nor one past its end that nobody ended (a holdover,
 * which the recheck proposes for exit).
 */
int eviction_open(struct db *db, const struct caller *c, const struct audit_actor *who,
		  int64_t household_id, const char *basis, int64_t basis_id, const char *reason,
		  int64_t *id, struct anju_err *e);

#endif
