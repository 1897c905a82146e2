/*
 * The money core (issue 5): one way to owe (charges), one way to pay
 * (payments, allocated to charges oldest-first; the rest is the household's
 * credit, used by its next charge), refunds of credit, and receipts.  Every
 * function here runs inside the caller's write transaction, posts its
 * balanced journal (money/ledger.h) and writes its audit row in it, and
 * leaves nothing behind when it fails (the caller rolls back).
 *
 * Later modules raise charges only through charge_raise(), with their own
 * source, so raising one again is a no-op.
 */
#ifndef ANJU_MONEY_MONEY_H
#define ANJU_MONEY_MONEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* The largest single amount: 100 million yuan. */
#define MONEY_AMOUNT_MAX ((int64_t)10000000000)

enum charge_kind {
	CHARGE_RENT,
	CHARGE_DEPOSIT,
	CHARGE_OVERSTAY_RENT,
	CHARGE_BACK_CHARGE,
	CHARGE_PENALTY,
	CHARGE_REPAIR,
	CHARGE_OTHER,
	CHARGE_KIND_COUNT,
};

const char *charge_kind_name(enum charge_kind k);
const char *charge_kind_title(enum charge_kind k); /* zh-CN: 租金 ... */
int charge_kind_parse(const char *name, enum charge_kind *out);
extern const char *const charge_kind_names[]; /* NULL-terminated, for route enums */

struct charge_in {
	int64_t household_id;
	enum charge_kind kind;
	int64_t amount_fen;      /* 1 .. MONEY_AMOUNT_MAX */
	const char *due_on;      /* YYYY-MM-DD */
	const char *period;      /* YYYY-MM, or NULL / "" when it has none */
	const char *source_type; /* lease_chain, violation, work_order ...; "manual" for staff */
	int64_t source_id;       /* 0: none (staff's own charges) */
	const char *note;
};

/* Raises a charge: posts receivable against income (or, for a deposit,
 * against deposits billed), then settles the household's open charges from
 * its credit.  When a charge with the same (source, kind, period) exists,
 * nothing changes and *created is false (ANJU_ECONFLICT
 * "charge_exists_different" when its amount or household differ). */
int charge_raise(struct db *db, const struct charge_in *in, const struct audit_actor *who,
		 int64_t *id, bool *created, struct anju_err *e);
/* Cancels an open or paid charge (the execution of an approved request):
 * its allocations are reversed (their money becomes credit again), its
 * journal is reversed, and the household's credit settles what is open. */
int charge_cancel(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		  struct anju_err *e);
/* Whether a charge may still be cancelled (for the approval request). */
int charge_cancellable(struct db *db, int64_t id, struct anju_err *e);
int charge_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);

enum payment_channel {
	CHANNEL_CASH,
	CHANNEL_POS,
	CHANNEL_BANK_TRANSFER,
	CHANNEL_WITHHOLDING,
	CHANNEL_ONLINE,
	CHANNEL_COUNT,
};

const char *channel_name(enum payment_channel c);
const char *channel_title(enum payment_channel c); /* zh-CN: 现金 ... */
int channel_parse(const char *name, enum payment_channel *out);
extern const char *const channel_names[];
/* Counter channels take a number from the clerk's paper book; the others
 * an electronic receipt. */
bool channel_at_counter(enum payment_channel c);

struct payment_in {
	int64_t household_id;
	int64_t amount_fen; /* 1 .. MONEY_AMOUNT_MAX */
	enum payment_channel channel;
	const char *channel_ref; /* required except for cash */
	int64_t received_at_us;  /* 0: now; never in the future */
	const char *note;
	int64_t receipt_book_id; /* counter channels: the clerk's book to write in (0: oldest) */
};

/* Takes a payment from the caller (the clerk): posts it into the
 * household's credit, allocates it to open charges oldest due first, and
 * issues its receipt (the clerk's open paper book for counter channels,
 * else the channel's electronic series).  *out: the payment with its
 * allocations and receipt. */
int payment_take(struct db *db, const struct caller *c, const struct payment_in *in,
		 const struct audit_actor *who, int64_t *id, json_t **out, struct anju_err *e);
/* Reverses a payment (the execution of an approved request): its
 * allocations are undone, its journal reversed, its receipt voided with the
 * reason.  ANJU_ECONFLICT when part of it was refunded. */
int payment_reverse(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		    struct anju_err *e);
int payment_reversible(struct db *db, int64_t id, struct anju_err *e);
int payment_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		struct anju_err *e);

/* The household's credit: what its payments have not yet settled. */
int money_credit(struct db *db, int64_t household_id, int64_t *fen, struct anju_err *e);
/* Settles the household's open charges, oldest due first, from its credit
 * (the oldest payment's money first), in a journal of its own. */
int money_settle(struct db *db, int64_t household_id, const struct audit_actor *who,
		 struct anju_err *e);

/* A refund of a household's credit (the execution of an approved
 * request): drawn from its payments' unallocated money, oldest first, and
 * paid out by channel (cash or bank_transfer).  refund_check tells at
 * request time whether it could be paid: 422 "refund_exceeds_credit". */
int refund_check(struct db *db, int64_t household_id, int64_t amount_fen,
		 enum payment_channel channel, struct anju_err *e);
int refund_pay(struct db *db, int64_t household_id, int64_t amount_fen,
	       enum payment_channel channel, const char *reason, const struct audit_actor *who,
	       int64_t *id, struct anju_err *e);

/* A household's account: open and settled charges, payments with their
 * allocations and receipts, refunds, credit and what is owed. */
int money_account(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
		  struct anju_err *e);

/*
 * Deposits at exit (src/money/deposit.c, issue 6).  At move-out the deposit
 * a household paid for its lease chain is released back into its credit:
 * the deposit charge's state becomes "released" (owed no more, never
 * settled again), its allocations are undone (the money becomes the paying
 * payments' unallocated money, i.e. credit, and leaves the deposit
 * liability), and the charge's own posting is reversed: a cancellation of
 * the deposit charge under another name.  What the credit then settles is
 * the caller's choice (the tenant's agreement at move-out).
 */
struct deposit_info {
	int64_t charge_id; /* the first deposit charge; 0: the source raised none */
	int64_t household_id;
	int64_t amount_fen; /* charged, over its open and paid deposit charges */
	int64_t paid_fen;   /* received: held in the deposit liability */
	char state[16];     /* open (one unpaid), paid (all), released, cancelled; "" when none */
};
/* The deposit of a source ("lease_chain", the chain's id): its deposit
 * charges together (the first one, and each renewal's increase); a zeroed
 * *out when it has none. */
int deposit_find(struct db *db, const char *source_type, int64_t source_id,
		 struct deposit_info *out, struct anju_err *e);
/* Releases every open or paid deposit charge of a source into its
 * household's credit (see above), then settles from the credit: every open charge oldest due first
 * when settle_all, else only charge only_id (> 0; 0: nothing), ahead of
 * older charges, which stay owed.  *released_fen: the money that was held.
 * ANJU_ENOTFOUND ("deposit_not_found"), ANJU_ECONFLICT ("charge_released",
 * "charge_cancelled"). */
int deposit_release(struct db *db, const char *source_type, int64_t source_id, bool settle_all,
		    int64_t only_id, const char *reason, const struct audit_actor *who,
		    int64_t *released_fen, struct anju_err *e);
/* What the household owes: the unpaid part of its open charges. */
int money_owed(struct db *db, int64_t household_id, int64_t *fen, struct anju_err *e);

/*
 * Many charges at once (src/money/batch.c, issue 7): the billing run's
 * chunks.  Each item is a charge of the batch's source type and period, as
 * charge_raise() would raise it, and the same key (source, kind, period) is
 * again a no-op (its id stays 0).  The new ones are posted in one journal
 * (event "charge.batch" on object_type/object_id: each household's
 * receivable debited with its new charges, each income account credited),
 * the households holding credit have it settle their open charges
 * (money_settle), and one audit row "charge.raise_batch" on
 * object_type/object_id names them (count, first and last id, total).  In
 * the caller's transaction; a batch is posted whole or not at all.  An
 * existing key is not compared: the caller's own table says why each
 * charge is what it is.
 */
struct charge_batch_item {
	int64_t household_id;
	enum charge_kind kind;
	int64_t amount_fen; /* 1 .. MONEY_AMOUNT_MAX */
	const char *due_on; /* YYYY-MM-DD */
	int64_t source_id;  /* > 0 */
	int64_t id;         /* out: the new charge; 0 when the key existed */
};

struct charge_batch {
	const char *source_type; /* every item's: "lease_chain" */
	const char *period;      /* every item's: "YYYY-MM", or "" */
	const char *object_type; /* what the journal and audit row are about: "billing_run" */
	int64_t object_id;
	const char *memo; /* the journal's */
	/* out */
	int64_t journal_id; /* 0 when nothing was new */
	int64_t created, existed, total_fen, first_id, last_id;
	int settled; /* households whose credit settled their charges */
};

int charge_raise_batch(struct db *db, struct charge_batch *b, struct charge_batch_item *items,
		       size_t n, const struct audit_actor *who, struct anju_err *e);

#endif
