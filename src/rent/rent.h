/*
 * Rent (issue 7): the contracts between the parts of the rent module and
 * the functions other modules call.  docs/rent.md maps the parts, the
 * tables each owns and the columns the others may read.
 *
 *   A  standard.c billing.c      rent standards, quotes, the billing run
 *                                (sql/020_rent.sql)
 *   B  arrears.c dunning.c sms.c arrears, dunning, the SMS outbox
 *                                (sql/021_dunning.sql)
 *   C  payer.c withholding.c callback.c  payer bank accounts, batch
 *                                withholding, online payment callbacks
 *                                (sql/022_collection.sql)
 *   D  statement.c match.c owner.c  bank statements and their matching,
 *                                owner statements, remittances and payments
 *                                out (sql/023_reconciliation.sql)
 *   E  report.c timeline.c       reports, the finance dashboard, the
 *                                dossier timeline source "rent"
 *
 * Rent is money of the money core (src/money/money.h): every rent charge is
 * a charge of kind rent (or overstay_rent) raised with source_type
 * "lease_chain", source_id the chain and period "YYYY-MM", and every
 * payment, whatever its channel, is a payment of the money core.  There is
 * one ledger and no second one.
 */
#ifndef ANJU_RENT_RENT_H
#define ANJU_RENT_RENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/*
 * Part A.  The rent a household pays for a unit on a date, from the
 * standard in force for the unit's community and layout (effective-dated,
 * each version its own row), with the reduction that matches the household
 * (category, special group or income tier), rounded by the standard's
 * named rounding rule (core/money.h).  The tenancy module's lease signing
 * and renewal call it (a lease stores monthly_rent_fen and
 * rent_rule_version = standard_id).  ANJU_ENOTFOUND ("rent_standard_missing",
 * naming the community and layout) when no standard is in force.
 */
struct rent_quote {
	int64_t standard_id;  /* the rent_standard row: the version used */
	int64_t area_centi;   /* the unit's floor area, hundredths of m² */
	int64_t price_fen_m2; /* per m² of floor area per month; 0 for a fixed amount */
	int64_t fixed_fen;    /* the fixed monthly amount; 0 for a per-m² standard */
	int64_t base_fen;     /* before any reduction, rounded */
	int64_t share_ppm;    /* what the household pays of the base, parts per million */
	char reduction[64];   /* the reduction's code, "" for none */
	char rounding[16];    /* the rounding rule's name: half_up, down, up, half_even */
	int64_t monthly_fen;  /* what a full month costs: base × share, rounded */
};
int rent_quote(struct db *db, int64_t unit_id, int64_t household_id, const char *on,
	       struct rent_quote *q, struct anju_err *e);

/*
 * Part B.  Arrears (欠缴) of a lease chain at an as-of date.  Months owed
 * counts the billing months (the periods of rent and overstay_rent charges
 * of the chain, due on or before as_of) that are not fully paid, over the
 * whole chain: cumulative, not consecutive (art. 29).  Ageing buckets the
 * unpaid amount of each such charge by days past its due date: 0-30, 31-90,
 * 91-180, over 180.  Charges are read from the money core's charge table
 * (kind rent / overstay_rent, source_type lease_chain, state open).
 */
enum { ARREARS_BUCKETS = 4 };
struct rent_arrears {
	int64_t chain_id;
	int64_t household_id;
	int64_t community_id;
	int months_owed;
	int64_t owed_fen;                    /* unpaid rent and overstay due by as_of */
	int64_t bucket_fen[ARREARS_BUCKETS]; /* 0-30, 31-90, 91-180, >180 days */
	char oldest_due_on[11];              /* "" when nothing is owed */
};
int arrears_of_chain(struct db *db, int64_t chain_id, const char *as_of, struct rent_arrears *out,
		     struct anju_err *e);
/* Every chain that owes something at as_of, in chain id order, in
 * community community_id (0: all), restricted to what caller c may see
 * (NULL: the system, everything).  One aggregate query, never a query per
 * chain.  fn's first non-zero return stops the scan and is returned. */
typedef int (*arrears_fn)(void *ud, const struct rent_arrears *a);
int arrears_scan(struct db *db, const struct caller *c, int64_t community_id, const char *as_of,
		 arrears_fn fn, void *ud, struct anju_err *e);

/* A dunning action recorded by another part (a failed withholding: channel
 * "withholding", result the bank's reason), on the household's open dunning
 * case, opening one when it has none and owes rent.  Audited.  0 also when
 * the household owes nothing (the note is then kept on no case: *case_id 0). */
int dunning_note(struct db *db, int64_t household_id, const char *channel, const char *result,
		 const struct audit_actor *who, int64_t *case_id, struct anju_err *e);

/* A message to a person through the outbox (channel "sms"): stored in the
 * caller's transaction, sent after commit by the outbox job through the
 * configured sender, retried with back-off.  The phone is the person's own
 * (sealed, read when sending); text at most 500 bytes. */
int outbox_enqueue(struct db *db, const char *channel, int64_t person_id, const char *text,
		   const char *source_type, int64_t source_id, int64_t *id, struct anju_err *e);

/*
 * Part C.  Payer bank accounts (a household's own accounts, for
 * withholding and for recognising its transfers).  The number is personal
 * data: sealed (access/pii.h), found through its blind index
 * pii_index("bank_account", digits), shown masked (first 4, last 4).
 */
/* The household whose payer account number (digits only, spaces ignored)
 * this is: ANJU_ENOTFOUND ("payer_account_unknown") when none;
 * ANJU_ECONFLICT ("payer_account_shared") when two households have it. */
int payer_account_household(struct db *db, const char *number, int64_t *household_id,
			    struct anju_err *e);
/* Records a number as the household's (a confirmed bank match teaches it;
 * source "statement"), unless known already.  Audited. */
int payer_account_learn(struct db *db, int64_t household_id, const char *number,
			const char *bank_name, const char *source, const struct audit_actor *who,
			struct anju_err *e);
/* Removes what payer_account_learn() taught from a statement when the match
 * that taught it is undone (the caller knows no other match of the household
 * came from the number): nothing when the account was entered by staff, is
 * used for withholding or has its authorisation (*forgot says which).
 * Audited. */
int payer_account_forget(struct db *db, int64_t household_id, const char *number,
			 const struct audit_actor *who, bool *forgot, struct anju_err *e);

#endif
