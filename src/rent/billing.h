/*
 * Rent, part A: rent standards (standard.c) and the billing run
 * (billing.c), beyond the rent_quote() contract of rent.h.  Owns
 * rent_standard, rent_lease_quote, billing_run and rent_line
 * (sql/020_rent.sql); docs/rent-billing.md.
 *
 * Only the bureau edits standards (ANJU_EFORBIDDEN "bureau_only"); finance
 * and the operator's managers start billing runs.  Every function runs in
 * the caller's transaction and audits its own changes there.
 */
#ifndef ANJU_RENT_BILLING_H
#define ANJU_RENT_BILLING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"
#include "core/err.h"
#include "rent/rent.h"

struct db;
struct caller;
struct audit_actor;

#define RENT_PPM             1000000               /* a share of 100% */
#define RENT_PRICE_MAX_FEN   ((int64_t)100000)     /* 1,000 yuan per m² a month */
#define RENT_FIXED_MAX_FEN   ((int64_t)100000000)  /* 1 million yuan a month */
#define RENT_INCOME_MAX_FEN  ((int64_t)1000000000) /* an income tier's limit per person */
#define RENT_REDUCTIONS_MAX  20
#define RENT_LAYOUT_ANY      "*"
#define RENT_DUE_DAY_DEFAULT 5
#define BILL_CHUNK_DEFAULT   2000 /* chains per committed chunk */
#define BILL_CHAINS_MAX      1000 /* chains named in one catch-up */

/*
 * Standards (standard.c).
 */
struct rent_standard_in {
	int64_t community_id;
	const char *layout;         /* as on unit.layout, or "*" */
	const char *effective_from; /* YYYY-MM-DD, today or later */
	const char *mode;           /* per_m2, fixed */
	int64_t price_fen_m2;       /* per_m2: 1 .. RENT_PRICE_MAX_FEN */
	int64_t fixed_fen;          /* fixed: 1 .. RENT_FIXED_MAX_FEN */
	const char *rounding;       /* NULL: half_up */
	int due_day;                /* 1..28; 0: RENT_DUE_DAY_DEFAULT */
	json_t *reductions;         /* lent; NULL: none */
	const char *note;
	int64_t replaces_id; /* a version still to come that this one corrects (withdrawn) */
};

/* A new version (bureau only), after its checks: ANJU_EINVAL (field),
 * ANJU_EFORBIDDEN ("bureau_only"), ANJU_ENOTFOUND (community, replaced
 * version), ANJU_ECONFLICT ("standard_exists": a version of the same
 * community and layout from the same date; "standard_in_force": the
 * replaced one is in force already).  Audited "rent_standard.create". */
int rent_standard_create(struct db *db, const struct caller *c, const struct rent_standard_in *in,
			 const struct audit_actor *who, int64_t *id, struct anju_err *e);
/* Withdraws a version not yet in force (bureau only), with its reason:
 * ANJU_ECONFLICT ("standard_in_force", "standard_withdrawn").  Audited
 * "rent_standard.withdraw". */
int rent_standard_withdraw(struct db *db, const struct caller *c, int64_t id, const char *reason,
			   const struct audit_actor *who, struct anju_err *e);
/* The RentStandard JSON of a version the caller may see (its community in
 * scope), with in_force today and its successor's date.  ANJU_ENOTFOUND
 * ("rent_standard_not_found"). */
int rent_standard_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		      struct anju_err *e);

struct rent_standard_filter {
	int64_t community_id;   /* 0: any in scope */
	const char *layout;     /* NULL: any */
	bool include_withdrawn; /* withdrawn versions too */
	int64_t after_id;
	int limit;
};
/* A page of RentStandard JSON within the caller's scope, newest first
 * (ids below after_id; 0: from the newest). */
int rent_standard_list(struct db *db, const struct caller *c, const struct rent_standard_filter *f,
		       json_t **items, int64_t *next, struct anju_err *e);

/* The JSON of a quote (for the API and the lease screen). */
json_t *rent_quote_json(const struct rent_quote *q);
/* rent_quote() for a unit and household the caller may see (404
 * otherwise); on NULL: today. */
int rent_quote_for(struct db *db, const struct caller *c, int64_t unit_id, int64_t household_id,
		   const char *on, struct rent_quote *q, struct anju_err *e);
/* Keeps the quote a lease's rent came from (lease.c, when it drafts a new
 * lease or a renewal), replacing an earlier one of the same lease. */
int rent_quote_record(struct db *db, int64_t lease_id, const char *on, const struct rent_quote *q,
		      struct anju_err *e);
/* The same quote for a lease that keeps another's rent (a change of
 * members, tenant or unit without a new amount); nothing when it had none. */
int rent_quote_copy(struct db *db, int64_t from_lease_id, int64_t to_lease_id, struct anju_err *e);

/*
 * The billing run (billing.c).
 */

/* Checks a period for billing on today (YYYY-MM-DD in Asia/Shanghai):
 * ANJU_EINVAL ("invalid_period", field period), ANJU_EUNPROCESSABLE
 * ("period_too_far": after next month; "period_past": before this month
 * without chains named), ANJU_ECONFLICT ("period_closed"). */
int bill_period_check(struct db *db, const char *period, const char *today, bool catch_up,
		      struct anju_err *e);

/* Starts a billing run of period (every chain, or the chains named: a
 * catch-up, which may bill an earlier month) in the caller's transaction:
 * the run (running) and its "rent_bill" job.  c (NULL: the system) must
 * see each named chain (404 "chain_not_found").  ANJU_ECONFLICT
 * ("billing_running") while a run of the same period is unfinished.
 * Audited "billing_run.start". */
int bill_start(struct db *db, const struct caller *c, const char *period, const int64_t *chains,
	       int nchains, const struct audit_actor *who, int64_t *run_id, int64_t *job_id,
	       struct anju_err *e);
/* A whole month's run for every chain in the caller's transaction, without
 * a job or chunks (no period check either): for the demo's past months,
 * which are few thousand chains.  *run_id: the run, done. */
int bill_now(struct db *db, const char *period, const struct audit_actor *who, int64_t *run_id,
	     struct anju_err *e);
/* An unfinished run of period whose job waits in the queue (a run whose
 * process died and was handed back): *run_id and *job_id, 0 when none. */
int bill_resumable(struct db *db, const char *period, int64_t *run_id, int64_t *job_id,
		   struct anju_err *e);
/* The BillingRun JSON (counts, state, its job with progress). */
int bill_run_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Runs newest first, ids below before_id (0: from the newest). */
int bill_run_list(struct db *db, const char *period, int64_t before_id, int limit, json_t **items,
		  int64_t *next, struct anju_err *e);

/* Whether c may see a lease chain (its community in scope; NULL or the
 * system: every chain): 0 or ANJU_ENOTFOUND ("chain_not_found"). */
int bill_chain_visible(struct db *db, const struct caller *c, int64_t chain_id, struct anju_err *e);

/* The rent of one chain for one month as the run computes it, without
 * writing: for tests and the console's preview.  *out (new) is a list of
 * {kind, amount_fen, days_billed, days_in_month, monthly_fen, ...}. */
int bill_chain_preview(struct db *db, int64_t chain_id, const char *period, json_t **out,
		       struct anju_err *e);

/* Chains per committed chunk (tests and the benchmark lower or raise it;
 * 0 restores the default). */
void bill_set_chunk(int chains);

#endif
