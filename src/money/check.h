/*
 * The ledger check (`anju ledger check`, issue 5 §3): proves over the whole
 * book that the money tables agree with each other.
 *
 *   1. every journal balances (its entries sum to 0), has at least two
 *      entries, none of 0 fen, all in the journal's period;
 *   2. the stored balance of every (account, period) equals its entries'
 *      debits and credits, and neither exists without the other;
 *   3. every charge's paid amount equals its allocations (a cancelled
 *      charge's, or a released deposit's, sum to 0) and its state follows
 *      from them;
 *   4. every payment's allocated amount equals its allocations, within
 *      0 .. its amount (a reversed payment's to charges sum to 0);
 *   5. each household's credit and receivable accounts hold what its
 *      payments leave unallocated and its charges leave unpaid;
 *   6. the deposit liability equals the allocations to deposit charges;
 *   7. exactly one receipt per payment, numbered within its book and below
 *      the book's next number, no book with a gap, a reversed payment's
 *      receipt (and only such a one) voided;
 *   8. every allocation reversal undoes one row exactly, and no row is
 *      undone twice.
 *
 * Each pass aggregates a whole table in SQL (GROUP BY and joins, never a
 * query per row), inside one read snapshot, so a busy server's writes never
 * make a false failure.
 */
#ifndef ANJU_MONEY_CHECK_H
#define ANJU_MONEY_CHECK_H

#include <stdint.h>

#include "core/err.h"

struct db;

enum ledger_invariant {
	LEDGER_INV_JOURNAL,    /* 1 */
	LEDGER_INV_BALANCE,    /* 2 */
	LEDGER_INV_CHARGE,     /* 3 */
	LEDGER_INV_PAYMENT,    /* 4 */
	LEDGER_INV_HOUSEHOLD,  /* 5 */
	LEDGER_INV_DEPOSIT,    /* 6 */
	LEDGER_INV_RECEIPT,    /* 7 */
	LEDGER_INV_ALLOCATION, /* 8 */
	LEDGER_INV_COUNT,
};

/* "journal", "balance", "charge" ...: a short name for reports and jobs. */
const char *ledger_invariant_name(enum ledger_invariant inv);

/* One failure, lent to the callback for the duration of the call. */
struct ledger_failure {
	enum ledger_invariant invariant;
	const char *table; /* the row's table: journal, ledger_balance, charge, payment,
			    * ledger_account, receipt, receipt_book, allocation */
	int64_t id;        /* the row's id (ledger_balance: its account's); 0 for a
			    * summary line ("... and 12 more") */
	const char *text;  /* one line in English that names the row:
			    * "journal 123: entries sum to 5 fen, not 0" */
};

typedef void (*ledger_check_fn)(void *ud, const struct ledger_failure *f);
typedef void (*ledger_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);

/* At most this many failures of one invariant are reported one by one; the
 * rest are counted and reported in one summary line. */
#define LEDGER_CHECK_MAX_REPORTS 1000

struct ledger_check_stats {
	int64_t entries, journals, periods, accounts;
	int64_t charges, payments, allocations, receipts, books;
	int64_t failures;                       /* every failure found */
	int64_t by_invariant[LEDGER_INV_COUNT]; /* the same by invariant */
};

/* Checks the whole book in a read snapshot of its own (call it outside a
 * transaction).  report (may be NULL) gets each failure as found; progress
 * (may be NULL) gets (pass done, passes, pass name) before each pass.
 * *stats is always filled as far as the check got.  0 when every invariant
 * holds; ANJU_EUNPROCESSABLE ("ledger_check_failed") when any does not;
 * another code when the database could not be read. */
int ledger_check(struct db *db, ledger_check_fn report, void *ud, struct ledger_check_stats *stats,
		 ledger_progress_fn progress, void *progress_ud, struct anju_err *e);

#endif
