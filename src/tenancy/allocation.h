/*
 * Tenancy, the allocation part: the waitlist (轮候, waitlist.c), allocation
 * batches with the verifiable lottery (摇号) and order of choice (选房,
 * allocation.c), and the offers (offer.c).  Owns allocation_batch,
 * batch_unit, batch_entry, commitment and offer (sql/016_allocation.sql);
 * reads application (part B) by the columns docs/tenancy.md lists and sets
 * its state approved <-> allocated, refusals and queue_at.  The lottery's
 * arithmetic is core/lottery.h; docs/lottery.md publishes it and
 * docs/tenancy-allocation.md the rest.
 *
 * Every change runs in the caller's transaction and is audited there, on
 * allocation_batch/id ("allocation.create", ".publish", ".commit",
 * ".reveal", ".draw", ".publicity", ".open_offers", ".choose", ".turn",
 * ".close", ".cancel"), offer/id ("offer.create", ".accept", ".refuse",
 * ".no_show", ".withdraw") and application/id ("application.allocate",
 * ".unallocate", ".refusal", ".send_to_back").
 *
 * Only the bureau decides (建保〔2018〕92号): publishing the list, the draw,
 * publicity, opening offers, closing, cancelling a published batch and
 * withdrawing an offer answer ANJU_EFORBIDDEN ("bureau_only") to anyone but
 * the bureau (and the system: the command line, the demo).  The operator's
 * manager may prepare a draft and record a party's commitment; its staff
 * record what households answer.  Scope: a batch, its entries and offers
 * belong to the batch's community; outside the caller's scope they do not
 * exist (ANJU_ENOTFOUND).  An action in the wrong state is ANJU_ECONFLICT
 * ("allocation_state", "offer_state") naming the current state.
 */
#ifndef ANJU_TENANCY_ALLOCATION_H
#define ANJU_TENANCY_ALLOCATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* Limits on what a batch may hold. */
#define ALLOCATION_UNITS_MAX   500
#define ALLOCATION_INVITE_MAX  2000
#define ALLOCATION_PARTIES_MIN 2
#define ALLOCATION_PARTIES_MAX 5
#define ALLOCATION_VALUE_MIN   8 /* bytes of a party's secret value */
#define ALLOCATION_VALUE_MAX   256

/*
 * The waitlist (waitlist.c): the applications in state approved, ordered by
 * the category's priority (household_category.priority, smaller first), then
 * the best priority among the household's special groups (the policy's
 * list; a household in no group after every group), then queue_at, then the
 * application id.  The order is city-wide; a caller sees the rows of its
 * communities, each with its city-wide position.
 */
struct waitlist_item {
	int64_t application_id, household_id, community_id;
	char category[40];
	int64_t category_priority, group_priority; /* INT64_MAX: no special group */
	char queue_at[32], approved_at[32];
	int64_t refusals;
	int64_t position; /* 1-based, city-wide */
};

struct waitlist {
	struct waitlist_item *items; /* in waitlist order; free with waitlist_free() */
	size_t n;
};

/* Every approved application in waitlist order.  0 or a storage error. */
int waitlist_load(struct db *db, struct waitlist *w, struct anju_err *e);
void waitlist_free(struct waitlist *w);

struct waitlist_filter {
	int64_t community_id; /* 0: every community in scope */
	const char *category; /* NULL: any */
	int64_t after;        /* keyset cursor: positions above; 0: from the top */
	int limit;            /* 1..200 */
};
/* A page of WaitlistEntry JSON ({position, category_position,
 * application_id, household_id, community_id, name (the head's, masked),
 * category, category_name, special_groups, queue_at, approved_at,
 * wait_days, wait_months, warning ("near" | "over" | null), refusals,
 * batch_id (an open batch it is invited to, or null)}) into *items; *next
 * the cursor (a position), 0 at the end. */
int waitlist_list(struct db *db, const struct caller *c, const struct waitlist_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e);
/* The household's place: {household_id, on_waitlist, application_id,
 * application_state, entry (the WaitlistEntry when on the waitlist, else
 * null), total, max_wait_months, wait_warning_months}.  0 or
 * ANJU_ENOTFOUND (household out of scope). */
int waitlist_position(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
		      struct anju_err *e);

/*
 * Allocation batches (allocation.c).
 */
struct allocation_in {
	int64_t community_id;
	const char *title;    /* 1..100 characters */
	const char *method;   /* "lottery", "choice" */
	const char *category; /* NULL: every category */
	const int64_t *unit_ids;
	int nunits;                 /* 1..ALLOCATION_UNITS_MAX */
	int invite_count;           /* 0: twice the units */
	const char *const *parties; /* lottery: 2..5 distinct names, in seed order */
	int nparties;               /* choice: 0 */
	int choice_window_hours;    /* 0: the policy's */
	int publicity_days;         /* < 0: the policy's */
	const char *note;           /* may be NULL */
};
/* Creates a draft and reserves its units (each vacant, in the community, in
 * no other open batch).  0, ANJU_EINVAL (field), ANJU_ENOTFOUND
 * (community or unit out of scope), ANJU_ECONFLICT ("unit_not_vacant",
 * "unit_reserved"). */
int allocation_create(struct db *db, const struct caller *c, const struct audit_actor *who,
		      const struct allocation_in *in, int64_t *id, struct anju_err *e);

/* The Allocation JSON: the batch with units[], entries[] (after
 * publication), commitments[] (lottery), offers[], turn (choice: the
 * household whose turn it is, its window and whether it lapsed) and the
 * draw (seed, order) once drawn.  0 or ANJU_ENOTFOUND. */
int allocation_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e);

struct allocation_filter {
	int64_t community_id; /* 0: any in scope */
	const char *state;    /* NULL: any */
	int64_t before_id;    /* newest first; 0: from the newest */
	int limit;
};
/* A page of AllocationSummary JSON, newest first. */
int allocation_list(struct db *db, const struct caller *c, const struct allocation_filter *f,
		    json_t **items, int64_t *next, struct anju_err *e);

/* draft -> published: the input list frozen (the top invite_count of the
 * waitlist among the community's applications, of the category if set, not
 * invited to another open batch), its canonical text and SM3 stored.
 * Bureau only.  ANJU_EUNPROCESSABLE ("no_candidates"). */
int allocation_publish(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t id, struct anju_err *e);
/* A party's commitment (SM3 hex of its value) while published; the last
 * one moves the batch to committed.  ANJU_ENOTFOUND ("party_not_found"),
 * ANJU_ECONFLICT ("already_committed"), ANJU_EINVAL (not 64 hex digits). */
int allocation_commit(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, const char *party, const char *commit_hash, struct anju_err *e);
/* A party reveals its value while committed: ANJU_EUNPROCESSABLE
 * ("commitment_mismatch") when its SM3 is not the commitment.  The last
 * reveal runs the draw (-> drawn).  Bureau only.  *drawn tells whether it
 * did. */
int allocation_reveal(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, const char *party, const char *value, bool *drawn,
		      struct anju_err *e);
/* drawn -> publicity (from today for the batch's publicity days).  Bureau. */
int allocation_start_publicity(struct db *db, const struct caller *c, const struct audit_actor *who,
			       int64_t id, struct anju_err *e);
/* Lottery: publicity (ended) -> offering, the first households of the drawn
 * order offered the units of the drawn unit order, one to one.  Choice:
 * published -> offering, the first household's turn opens.  Bureau.
 * ANJU_ECONFLICT ("publicity_running") before the publicity ends. */
int allocation_open_offers(struct db *db, const struct caller *c, const struct audit_actor *who,
			   int64_t id, struct anju_err *e);
/* Choice: the household whose turn it is picks an open unit: an accepted
 * offer, the unit allocated, the application allocated, the next turn.
 * ANJU_ECONFLICT ("not_your_turn", "unit_taken", "unit_not_vacant"). */
int allocation_choose(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, int64_t household_id, int64_t unit_id, int64_t *offer_id,
		      struct anju_err *e);
/* Choice: the household whose turn it is did not come ("no_show") or
 * declined to pick ("refused"): counted as a refusal; the next turn. */
int allocation_turn_pass(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t id, int64_t household_id, const char *outcome, const char *reason,
			 struct anju_err *e);
/* offering -> closed: open offers withdrawn, remaining units released.
 * Bureau. */
int allocation_close(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, const char *reason, struct anju_err *e);
/* Before the draw (draft, published, committed) -> cancelled, units
 * released.  A draft by the bureau or the operator's manager; later the
 * bureau only. */
int allocation_cancel(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, const char *reason, struct anju_err *e);
/* The public record of a lottery batch once published (docs/lottery.md):
 * {algorithm, batch_id, title, community, method, state, list_text,
 * list_hash, parties: [{seq, party, commit_hash, committed_at, value,
 * revealed_at}], seed, order, unit_order, matches, drawn_at}, personal data
 * masked only.  c NULL: the public (no scope); otherwise scoped.
 * ANJU_ENOTFOUND for a draft, a choice batch, or out of scope. */
int allocation_draw_record(struct db *db, const struct caller *c, int64_t id, json_t **out,
			   struct anju_err *e);
/* Applies lapses up to now: offers past their respond_by become no_show and
 * their units pass on; a choice turn past its window passes as a no-show.
 * batch_id 0: every batch that is offering.  *n counts the lapses. */
int allocation_sweep(struct db *db, const struct audit_actor *who, int64_t batch_id, int *n,
		     struct anju_err *e);

/*
 * Offers (offer.c).  Offer JSON: {id, batch_id, batch_title, entry_id,
 * application_id, household_id, name, unit_id, unit_number, layout,
 * floor_area, community_id, state, offered_at, respond_by, responded_at,
 * responded_by, reason, lapsed}.
 */
struct offer_filter {
	int64_t household_id, batch_id; /* 0: any */
	const char *state;              /* NULL: any */
	int64_t before_id;
	int limit;
};
/* Newest first.  A tenant sees only its own household's (household_id
 * required). */
int offer_list(struct db *db, const struct caller *c, const struct offer_filter *f, json_t **items,
	       int64_t *next, struct anju_err *e);
int offer_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);
/* offered -> accepted: the unit vacant -> allocated, the application
 * approved -> allocated. */
int offer_accept(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		 struct anju_err *e);
/* offered -> refused or no_show (outcome), with a reason: the household's
 * refusals counted (at the policy's refusal_limit it goes to the back of the
 * waitlist), the unit offered to the next household of the batch's order. */
int offer_decline(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const char *outcome, const char *reason, struct anju_err *e);
/* offered or accepted (before a lease) -> withdrawn, bureau only: an
 * accepted unit back to vacant and the application back to approved; the
 * unit passes on while the batch is offering. */
int offer_withdraw(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   const char *reason, struct anju_err *e);

/*
 * Shared by allocation.c and offer.c (not for other parts).
 */
/* Binds SCOPE_SQL's two parameters at i (returns i + 2); the system and
 * internal calls (c NULL) see every community. */
struct db_stmt;
int allocation_scope_bind(struct db_stmt *st, int i, const struct caller *c);
/* The application from -> to ("approved" <-> "allocated"), audited
 * "application.allocate" or ".unallocate" on it with the offer.
 * ANJU_ECONFLICT "lease_signed" when it is housed, "application_state"
 * when it is in another state. */
int allocation_application_move(struct db *db, const struct audit_actor *who, int64_t app,
				const char *from, const char *to, int64_t offer,
				struct anju_err *e);
/* 0 when the caller is the bureau or the system; else ANJU_EFORBIDDEN. */
int allocation_bureau_only(const struct caller *c, struct anju_err *e);
/* Offers the unit (batch_unit row bu_id) to the next waiting household of
 * the batch's order (lottery), or leaves it open; then closes the batch
 * when nothing is left to offer.  today is YYYY-MM-DD. */
int allocation_pass_unit(struct db *db, const struct audit_actor *who, int64_t batch_id,
			 int64_t bu_id, struct anju_err *e);
/* Counts a refusal or no-show of an application; at the policy's
 * refusal_limit it goes to the back of the waitlist (queue_at now,
 * refusals 0). */
int allocation_count_refusal(struct db *db, const struct audit_actor *who, int64_t application_id,
			     const char *outcome, struct anju_err *e);
/* Closes an offering batch when no offer is open and no choice turn is
 * running, releasing its open units. */
int allocation_close_if_done(struct db *db, const struct audit_actor *who, int64_t batch_id,
			     struct anju_err *e);

#endif
