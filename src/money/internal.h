/*
 * Shared inside the money module only.
 */
#ifndef ANJU_MONEY_INTERNAL_H
#define ANJU_MONEY_INTERNAL_H

#include "money/ledger.h"
#include "money/money.h"

struct db_stmt;

/* The account a kind's charge is credited to when raised (charge.c). */
enum ledger_kind charge_kind_income(enum charge_kind k);

/* A household's two ledger accounts. */
struct hh_accounts {
	int64_t receivable;
	int64_t credit;
};

int money_hh_accounts(struct db *db, int64_t household_id, struct hh_accounts *a,
		      struct anju_err *e);
/* 0, or ANJU_ENOTFOUND "household_not_found". */
int money_household_exists(struct db *db, int64_t household_id, struct anju_err *e);

/* Settles the household's open charges from its payments' unallocated
 * money, oldest due charge and oldest payment first, into journal j; a is
 * the household's accounts (money_hh_accounts, which also took its lock). */
int money_settle_into(struct db *db, struct journal *j, int64_t household_id,
		      const struct hh_accounts *a, struct anju_err *e);

/* The same for one open charge of the household only (policy
 * "named_charge"), ahead of older ones: the deductions a tenant owes from a
 * released deposit (money/deposit.c). */
int money_settle_one_into(struct db *db, struct journal *j, int64_t household_id,
			  const struct hh_accounts *a, int64_t charge_id, struct anju_err *e);

/* Takes a charge off the books (charge_cancel, deposit_release): its live
 * allocations are undone (their money becomes credit again), its state
 * becomes state ("cancelled", "released") with the reason, and its own
 * posting is reversed, in one journal of event (also the audit action);
 * the credit then settles every open charge (settle_all) or only charge
 * only_id (> 0), or nothing.  *undone_fen: what its allocations held.
 * ANJU_ECONFLICT ("charge_cancelled", "charge_released") when it is off
 * the books already. */
int money_charge_undo(struct db *db, int64_t id, const char *state, const char *event,
		      const char *reason, bool settle_all, int64_t only_id,
		      const struct audit_actor *who, int64_t *undone_fen, struct anju_err *e);

/* Undoes every live allocation of a payment (payment_id > 0) or to a
 * charge (charge_id > 0) with rows of the opposite sign, into journal j:
 * the money goes back to the payments' unallocated part. */
int money_unallocate(struct db *db, struct journal *j, const struct hh_accounts *a,
		     int64_t payment_id, int64_t charge_id, struct anju_err *e);

/* The one value of sql, a sum over a household's rows with its id as the
 * only parameter (money_credit, money_owed). */
int money_household_sum(struct db *db, const char *sql, int64_t household_id, int64_t *fen,
			struct anju_err *e);

/* scope_bind() for money rows, where the system (a bank file, a schedule,
 * the demo) sees every community. */
int money_scope_bind(struct db_stmt *st, int i, const struct caller *c);

/* The ledger account a channel's money lands in. */
int money_channel_account(struct db *db, enum payment_channel c, int64_t *id, struct anju_err *e);

/* The columns money_charge_json reads, of "charge c". */
#define MONEY_CHARGE_COLUMNS                                                                       \
	"c.id, c.household_id, c.kind, c.amount_fen, c.paid_fen, c.due_on, c.period,"              \
	" c.source_type, c.source_id, c.state, c.note, c.created_at, c.cancel_reason"
json_t *money_charge_json(struct db_stmt *st);

#endif
