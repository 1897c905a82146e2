/*
 * The quarterly recheck (动态复核), signals, and exit and eviction (清退, 腾退):
 * part E of the tenancy module (sql/019_recheck.sql).  The contracts other
 * parts and later issues call (tenancy_signal_raise, tenancy_signal_clear,
 * eviction_open) are in tenancy.h; this header is what the API, the command
 * line, the jobs and the rent issue use besides.
 *
 *   recheck.c   the "recheck" job over every lease chain in force, runs and
 *               results, the bureau's confirm and overturn
 *   signal.c    tenancy_signal: arrears and violations raised by other modules
 *   eviction.c  evictions: open, notice, vacate period, overdue, vacated,
 *               cancel, close; overstays for the rent issue; the daily job
 *   eviction_pdf.c  the notice (清退通知书)
 *   timeline.c  the "tenancy" source of the dossiers' timelines
 *
 * Only the bureau decides (建保〔2018〕92号): confirming or overturning a
 * result, opening, cancelling and closing an eviction answer ANJU_EFORBIDDEN
 * ("bureau_only") to any other role.  The operator's people start runs,
 * record the notice's service and the day the household left.  Every change
 * runs in the caller's transaction and is audited on its own object
 * (recheck_run, recheck_result, tenancy_signal, eviction).
 */
#ifndef ANJU_TENANCY_RECHECK_H
#define ANJU_TENANCY_RECHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/*
 * Runs.
 */

/* Queues a recheck as of as_of (YYYY-MM-DD; NULL: today in Asia/Shanghai)
 * in the caller's transaction: the run (queued) and its "recheck" job.
 * ANJU_EINVAL ("invalid_date", field as_of; a date after today), ANJU_ECONFLICT
 * ("recheck_running") while another run is queued or running.  Audited
 * "recheck.start" on the run. */
int recheck_start(struct db *db, const struct audit_actor *who, const char *as_of, int64_t *run_id,
		  int64_t *job_id, struct anju_err *e);

/* The RecheckRun JSON of a run (its counts, and the job's state and
 * progress) into *out (new): 0 or ANJU_ENOTFOUND ("recheck_not_found"). */
int recheck_run_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Runs newest first, ids below before_id (0: from the newest). */
int recheck_run_list(struct db *db, int64_t before_id, int limit, json_t **items, int64_t *next,
		     struct anju_err *e);

struct recheck_filter {
	int64_t run_id;
	const char *outcome;  /* eligible, propose_exit, investigate; NULL: any */
	const char *decision; /* pending, confirmed, overturned; NULL: any */
	int64_t community_id; /* 0: every community in scope */
	int64_t after_id;     /* keyset cursor */
	int limit;            /* 1..200 */
};
/* A page of RecheckResult JSON of a run within c's scope (head's name and
 * ID number masked, the unit's number, the reasons), in id order.  0 or
 * ANJU_ENOTFOUND (no such run). */
int recheck_result_list(struct db *db, const struct caller *c, const struct recheck_filter *f,
			json_t **items, int64_t *next, struct anju_err *e);
/* One result c may see, with its eligibility and crosscheck JSON: 0 or
 * ANJU_ENOTFOUND ("recheck_result_not_found"). */
int recheck_result_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		       struct anju_err *e);
/* The bureau decides a pending result (note 2..500 characters).  Confirming
 * a propose_exit, or an investigate escalated to an exit, opens the eviction
 * (basis "recheck") in the same transaction: *eviction_id (0 when none).
 * Overturning keeps the household and records why.  ANJU_EFORBIDDEN
 * ("bureau_only"), ANJU_ENOTFOUND, ANJU_ECONFLICT ("recheck_result_decided"
 * naming the decision, "recheck_result_eligible"), and eviction_open()'s
 * errors.  Audited "recheck_result.confirm" / ".overturn". */
int recheck_result_decide(struct db *db, const struct caller *c, const struct audit_actor *who,
			  int64_t id, bool confirm, const char *note, int64_t *eviction_id,
			  struct anju_err *e);

/* A household's signals, open first then newest, as JSON into *out (new
 * array): 0 or ANJU_ENOTFOUND (household not visible to c). */
int tenancy_signal_list(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
			struct anju_err *e);
/* The open signals of a household (no scope) appended to arr as
 * {id, source_type, source_id, summary, raised_at}. */
int tenancy_signal_open(struct db *db, int64_t household_id, json_t *arr, struct anju_err *e);

/*
 * Evictions.
 */

/* The states, NULL-terminated, and whether one is open (decided,
 * notice_served, vacating, overdue). */
extern const char *const eviction_states[];
bool eviction_state_open(const char *state);

struct eviction_filter {
	const char *state;    /* one of eviction_states; NULL: any */
	bool overdue;         /* only those past vacate_by and not vacated */
	bool open;            /* only open ones */
	int64_t community_id; /* 0: every community in scope */
	int64_t household_id; /* 0: any */
	int64_t after_id;
	int limit;
};
/* A page of Eviction JSON within c's scope, in id order; the state as of
 * today (an eviction past its vacate_by reads overdue even before the daily
 * job marks it), days_left or overdue_days. */
int eviction_list(struct db *db, const struct caller *c, const struct eviction_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e);
/* One eviction c may see: 0 or ANJU_ENOTFOUND ("eviction_not_found"). */
int eviction_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e);

/* Records the notice served on served_on (not after today, not before the
 * decision): the vacate period (policy vacate_days on served_on) gives
 * vacate_by; the notice PDF is stored with the household's documents.
 * decided -> notice_served (vacating when served_on is before today).
 * ANJU_ENOTFOUND, ANJU_EINVAL ("invalid_date"), ANJU_ECONFLICT
 * ("eviction_state", naming the current state).  Audited
 * "eviction.notice". */
int eviction_serve_notice(struct db *db, const struct caller *c, const struct audit_actor *who,
			  int64_t id, const char *served_on, struct anju_err *e);
/* The stored notice PDF: *fd (the caller closes it) and *size.
 * ANJU_ENOTFOUND ("eviction_not_found", "notice_not_served"). */
int eviction_notice_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
			 struct anju_err *e);
/* The household left on vacated_on (not after today, not before the notice
 * or the decision): the lease ends (lease_end, reason "eviction"), the
 * move-out checklist opens (handover_move_out_open), and an overstay
 * [vacate_by + 1, vacated_on] is recorded when it was late.  Open states ->
 * vacated.  Audited "eviction.vacated". */
int eviction_vacated(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, const char *vacated_on, struct anju_err *e);
/* The bureau cancels an open eviction, with its reason (2..500).
 * ANJU_EFORBIDDEN ("bureau_only"), ANJU_ECONFLICT ("eviction_state").
 * Audited "eviction.cancel". */
int eviction_cancel(struct db *db, const struct caller *c, const struct audit_actor *who,
		    int64_t id, const char *reason, struct anju_err *e);
/* The bureau closes a vacated eviction once the move-out is done (note may
 * be NULL).  Audited "eviction.close". */
int eviction_close(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   const char *note, struct anju_err *e);
/* Moves the states on as of today (YYYY-MM-DD): notice_served -> vacating
 * after the day of service, and -> overdue after vacate_by (overstay_from =
 * vacate_by + 1), each audited.  *changed counts them.  The daily job's
 * work; reads show the same states without it. */
int eviction_advance(struct db *db, const char *today, const struct audit_actor *who, int *changed,
		     struct anju_err *e);

/*
 * Overstays, for the rent issue: it charges overstay_rent at the policy's
 * market rate (market_rent_fen_m2 of the policy_version) for each day of an
 * overstay.  One per eviction that ran past its vacate_by.
 */
struct eviction_overstay {
	int64_t eviction_id, chain_id, lease_id, household_id, unit_id;
	int64_t policy_version;
	char from[DATE_FMT_LEN]; /* the first day overstayed: vacate_by + 1 */
	char to[DATE_FMT_LEN];   /* the day the household left; "" while it is still there */
};
typedef int (*eviction_overstay_fn)(void *ud, const struct eviction_overstay *o);
/* Calls fn for every overstay that overlaps [from_on, to_on] (either NULL:
 * unbounded), as of today, in eviction id order; fn may use db (the rows are
 * read first).  Stops at fn's first non-zero return, which it returns. */
int eviction_overstays(struct db *db, const char *from_on, const char *to_on,
		       eviction_overstay_fn fn, void *ud, struct anju_err *e);

/*
 * The notice PDF (eviction_pdf.c): display values, checked and laid out on
 * A4.  Same values, same bytes.
 */
struct eviction_notice {
	const char *number;     /* "清退〔2026〕第 12 号" */
	const char *household;  /* the head's name, masked */
	const char *id_number;  /* the head's ID number, masked */
	const char *community;  /* 南苑公租房 */
	const char *unit;       /* 3-2-1502 */
	const char *lease;      /* the lease: its term */
	const char *basis;      /* what the decision rests on, in words */
	const char *reasons;    /* one reason per line */
	const char *articles;   /* the regulation's articles, one per line */
	const char *decided_on; /* YYYY-MM-DD */
	const char *served_on;  /* YYYY-MM-DD */
	const char *vacate_by;  /* YYYY-MM-DD */
	int vacate_days;
	const char *issuer; /* the bureau */
};
/* Appends the PDF to out.  0, ANJU_EINVAL (a missing or over-long value),
 * or pdf_finish()'s error. */
int eviction_notice_pdf(const struct eviction_notice *n, struct buf *out, struct anju_err *e);

#endif
