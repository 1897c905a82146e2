/*
 * Part B of the rent module beyond its contracts in rent.h: the arrears
 * worklist, dunning levels and cases (催缴), the actions recorded as
 * evidence, notices (催缴通知书), the referral of six months' arrears to
 * the bureau, and the SMS outbox with its webhook sender.  Tables:
 * sql/021_dunning.sql; rules: docs/rent-dunning.md.
 *
 * Every write runs in the caller's transaction and writes its audit rows
 * there; reads take the caller and answer ANJU_ENOTFOUND outside its scope.
 */
#ifndef ANJU_RENT_DUNNING_H
#define ANJU_RENT_DUNNING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "rent/rent.h"

struct db;
struct caller;
struct audit_actor;

/* The channels of an action; dunning_channels_staff: those staff record. */
extern const char *const dunning_channels[];
extern const char *const dunning_channels_staff[];
extern const char *const dunning_case_states[];
extern const char *const referral_states[];
extern const char *const outbox_states[];

/* The bucket of a charge days_past due days late (0 .. ARREARS_BUCKETS-1):
 * 0-30, 31-90, 91-180, over 180. */
int arrears_bucket(int64_t days_past_due);

/* An as-of date from a caller ("" or NULL: today in Asia/Shanghai) into
 * out: 0 or ANJU_EINVAL ("invalid_date", field). */
int arrears_as_of(const char *in, const char *field, char out[11], struct anju_err *e);

/*
 * The worklist: the chains owing at as_of that c may see, with their
 * household, unit, open dunning case and last action, in chain id order
 * after after_chain; at most limit items (*next: the chain id to continue
 * after, 0 at the end).  min_months and level (a level code, "none" for
 * chains without a level) filter.
 */
struct arrears_filter {
	int64_t community_id;
	const char *as_of; /* YYYY-MM-DD */
	int min_months;
	const char *level;
	int64_t after_chain;
	int limit;
};
int arrears_list(struct db *db, const struct caller *c, const struct arrears_filter *f,
		 json_t **items, int64_t *next, struct anju_err *e);
/* The arrears of one chain c may see, as JSON ({chain_id, household_id,
 * community_id, as_of, months_owed, owed_fen, buckets{...}, oldest_due_on,
 * charges: [...]}).  ANJU_ENOTFOUND outside c's scope. */
int arrears_chain_json(struct db *db, const struct caller *c, int64_t chain_id, const char *as_of,
		       json_t **out, struct anju_err *e);
/* The arrears of each of a household's chains and their total. */
int arrears_household_json(struct db *db, const struct caller *c, int64_t household_id,
			   const char *as_of, json_t **out, struct anju_err *e);
/* The Arrears JSON of a (the API's schema). */
json_t *arrears_json(const struct rent_arrears *a, const char *as_of);

/*
 * Levels (dunning_level) and the policy (dunning_policy).
 */
struct dunning_level_in {
	const char *code; /* create only: [a-z][a-z0-9_]{1,31} */
	const char *name;
	int days_past_due; /* < 0: unchanged (update) */
	const char *channel;
	const char *template;
	int active; /* < 0: unchanged (update) */
};
int dunning_level_list(struct db *db, json_t **out, struct anju_err *e);
/* Creates (id 0) or changes a level; audited "dunning_level.create" /
 * ".update".  ANJU_EINVAL with the field; ANJU_ECONFLICT ("level_exists",
 * "level_days_taken": two active levels on the same day). */
int dunning_level_save(struct db *db, int64_t id, const struct dunning_level_in *in,
		       const struct audit_actor *who, int64_t *out_id, struct anju_err *e);
int dunning_level_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
int dunning_policy_get(struct db *db, json_t **out, struct anju_err *e);
/* referral_months 1..60; audited "dunning_policy.update". */
int dunning_policy_set(struct db *db, int referral_months, const struct audit_actor *who,
		       struct anju_err *e);

/*
 * Cases.  dunning_refresh() brings a chain's case up to date as of today
 * (YYYY-MM-DD): opens it when the oldest unpaid rent reaches the first
 * level, escalates it (an SMS level enqueues the message through the
 * outbox), closes it when the chain owes nothing, and proposes, updates
 * or withdraws the referral to the bureau.  *case_id: the open case, 0
 * when none.  Audited.
 */
int dunning_refresh(struct db *db, int64_t chain_id, const char *today,
		    const struct audit_actor *who, int64_t *case_id, struct anju_err *e);
/* Refreshes every chain owing at today or with an open case or a proposed
 * referral: the daily job's work, in chunks (see dunning.c). */
struct dunning_case_filter {
	const char *state;
	const char *level;
	int64_t community_id;
	int64_t household_id;
	int64_t after_id;
	int limit;
};
int dunning_case_list(struct db *db, const struct caller *c, const struct dunning_case_filter *f,
		      json_t **items, int64_t *next, struct anju_err *e);
/* The case with its arrears, actions, notices and referrals, after a
 * refresh (a case that owes nothing any more closes as it is read; the
 * refresh runs in its own transaction when none is open). */
int dunning_case_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		     struct anju_err *e);

struct dunning_action_in {
	const char *channel;   /* sms, phone, letter, visit */
	const char *result;    /* 2..500 bytes */
	const char *note;      /* may be NULL */
	int64_t attachment_id; /* 0: none; else an attachment of this case or its household */
};
/* Records what a person did on an open case (refreshed first): 409
 * "dunning_case_closed" naming the state.  Audited "dunning_action.record". */
int dunning_action_record(struct db *db, const struct caller *c, const struct audit_actor *who,
			  int64_t case_id, const struct dunning_action_in *in, int64_t *id,
			  struct anju_err *e);
/* Prints the case's notice (催缴通知书) at its level as of today, stores
 * it as an attachment of the case and records a "letter" action.  *id:
 * the dunning_notice row.  Audited "dunning_notice.issue". */
int dunning_notice_issue(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t case_id, int64_t *id, struct anju_err *e);
int dunning_notice_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		       struct anju_err *e);
/* Opens a notice's PDF (*fd read-only, the caller closes it). */
int dunning_notice_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
			struct anju_err *e);

/* The notice's values, masked already; dunning_pdf.c draws them. */
struct dunning_notice_doc {
	const char *number;    /* 催缴〔2026〕第 12 号 */
	const char *household; /* the head's name, masked */
	const char *community;
	const char *unit;
	const char *level;     /* the level's name */
	const char *text;      /* the level's template, filled */
	const char *as_of;     /* YYYY-MM-DD */
	const char *issued_on; /* YYYY-MM-DD */
	const char *oldest_due_on;
	int months_owed;
	int64_t owed_fen;
	const char *const *periods; /* the unpaid periods, "YYYY-MM" */
	const int64_t *period_fen;  /* what each still owes */
	int nperiods;
	const char *issuer; /* the operator */
};
int dunning_notice_pdf(const struct dunning_notice_doc *n, struct buf *out, struct anju_err *e);

/*
 * Referrals (arrears_referral): proposed by the refresh; only the bureau
 * decides.  decision "refer" opens the eviction (eviction_open, basis
 * "arrears"); "dismiss" keeps the household and clears the signal.
 * ANJU_EFORBIDDEN ("bureau_only"), ANJU_ECONFLICT ("referral_decided"
 * naming the state).
 */
struct referral_filter {
	const char *state;
	int64_t community_id;
	int64_t household_id;
	int64_t after_id;
	int limit;
};
int referral_list(struct db *db, const struct caller *c, const struct referral_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e);
int referral_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e);
int referral_decide(struct db *db, const struct caller *c, const struct audit_actor *who,
		    int64_t id, const char *decision, const char *reason, int64_t *eviction_id,
		    struct anju_err *e);

/* Starts the dunning_daily job now (as of today): *job_id.  409
 * "dunning_running" while one is queued or running. */
int dunning_run_start(struct db *db, const struct audit_actor *who, int64_t *job_id,
		      struct anju_err *e);

/* The community of a case c may see (the files module's owner lookup for
 * attachments of owner type "dunning_case"): 0 or ANJU_ENOTFOUND. */
int dunning_case_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			   struct anju_err *e);

/*
 * The outbox (sms.c).
 */
struct outbox_filter {
	const char *state;
	int64_t after_id; /* keyset: newest first, ids below it; 0 from the newest */
	int limit;
};
int outbox_list(struct db *db, const struct caller *c, const struct outbox_filter *f,
		json_t **items, int64_t *next, struct anju_err *e);
int outbox_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);
/* A failed message goes back to pending with its attempts reset, and the
 * sender job is queued.  409 "outbox_not_failed" naming the state.
 * Audited "outbox.retry". */
int outbox_retry(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		 struct anju_err *e);
/* Queues the sender job unless one is queued already; *job_id (0 when one
 * was waiting already). */
int outbox_kick(struct db *db, const char *created_by, int64_t *job_id, struct anju_err *e);

struct outbox_sender_in {
	const char *url;     /* NULL: unchanged; "": not configured */
	const char *secret;  /* NULL: unchanged; "": removed */
	int timeout_seconds; /* < 0: unchanged */
	int max_attempts;
	int backoff_seconds;
	int enabled; /* < 0: unchanged */
};
/* The SMS sender's settings (the secret only as whether it is set). */
int outbox_sender_get(struct db *db, json_t **out, struct anju_err *e);
/* Audited "outbox_sender.update" (the secret never in the audit row). */
int outbox_sender_set(struct db *db, const struct outbox_sender_in *in,
		      const struct audit_actor *who, struct anju_err *e);
/* Sends the due messages once each (the job's work; also for tests):
 * *sent, *failed count outcomes; *wait_us: microseconds until the next
 * retry is due (-1: none waiting).  Each send is its own short
 * transactions around the HTTP request, never inside one. */
int outbox_send_due(struct db *db, int max_messages, int *sent, int *failed, int64_t *wait_us,
		    struct anju_err *e);

#endif
