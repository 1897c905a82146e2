/*
 * Allocation: which payment's money settles which charge.  Rows never
 * change; undoing one is a row of the opposite sign that points at it.
 * A household's money is settled under a lock of its own, so two payments
 * at once cannot both settle the same charge.
 */
#include <string.h>

#include "access/scope.h"
#include "core/date.h"
#include "core/mem.h"
#include "money/internal.h"
#include "store/db.h"

#define POLICY_OLDEST_DUE "oldest_due_first"
#define POLICY_NAMED      "named_charge"              /* money_settle_one_into */
#define HOUSEHOLD_LOCK    INT64_C(0x6d6f6e6500000000) /* "mone" + the household id */

int
money_household_exists(struct db *db, int64_t household_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT 1 FROM household WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				 "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
money_hh_accounts(struct db *db, int64_t household_id, struct hh_accounts *a, struct anju_err *e)
{
	int rc;

	/* Whoever touches a household's money first takes its lock. */
	if ((rc = db_tx_lock(db, HOUSEHOLD_LOCK + household_id)) != 0)
		return db_fail(db, rc, e);
	if ((rc = ledger_account(db, LEDGER_RECEIVABLE, household_id, &a->receivable, e)) != 0)
		return rc;
	return ledger_account(db, LEDGER_CREDIT, household_id, &a->credit, e);
}

int
money_scope_bind(struct db_stmt *st, int i, const struct caller *c)
{
	if (c != NULL && c->kind == CALLER_SYSTEM) {
		db_bind_int64(st, i, 1);
		db_bind_cstr(st, i + 1, "");
		return i + 2;
	}
	return scope_bind(st, i, c);
}

int
money_channel_account(struct db *db, enum payment_channel c, int64_t *id, struct anju_err *e)
{
	/* Cash stays on hand until banked; everything else reaches the special
	 * rent account (收支两条线). */
	return ledger_account(db, c == CHANNEL_CASH ? LEDGER_CASH : LEDGER_SPECIAL_RENT, 0, id, e);
}

struct open_item {
	int64_t id;
	int64_t left;
	bool deposit;
};

/* Rows of (id, amount left[, kind]) into a growing array. */
static int
collect(struct db *db, struct db_stmt *st, struct open_item **out, size_t *n, struct anju_err *e)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].id = db_col_int64(st, 0);
		(*out)[*n].left = db_col_int64(st, 1);
		(*out)[*n].deposit = db_col_count(st) > 2 && db_col_text(st, 2) != NULL &&
				     strcmp(db_col_text(st, 2), "deposit") == 0;
		(*n)++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

static int
allocation_row(struct db *db, int64_t journal_id, int64_t payment_id, int64_t charge_id,
	       int64_t amount_fen, const char *policy, int64_t reverses_id, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO allocation (payment_id, charge_id, refund_id, amount_fen, policy,"
		" reverses_id, journal_id, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, payment_id);
	db_bind_int64(st, 2, charge_id);
	db_bind_int64(st, 3, amount_fen);
	db_bind_cstr(st, 4, policy);
	if (reverses_id > 0)
		db_bind_int64(st, 5, reverses_id);
	else
		db_bind_null(st, 5);
	db_bind_int64(st, 6, journal_id);
	db_bind_cstr(st, 7, now);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	/* The charge's and the payment's running sums move with the row. */
	rc = db_prepare(db,
			"UPDATE charge SET paid_fen = paid_fen + ?,"
			" state = CASE WHEN state IN ('cancelled', 'released') THEN state"
			" WHEN paid_fen + ? >= amount_fen THEN 'paid' ELSE 'open' END WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, amount_fen);
	db_bind_int64(st, 2, amount_fen);
	db_bind_int64(st, 3, charge_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	rc = db_prepare(db, "UPDATE payment SET allocated_fen = allocated_fen + ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, amount_fen);
	db_bind_int64(st, 2, payment_id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The journal lines of moving amount (> 0 settles, < 0 undoes) from the
 * household's credit to a charge: the receivable, and for a deposit the
 * liability it becomes once received. */
static int
allocation_lines(struct db *db, struct journal *j, const struct hh_accounts *a, bool deposit,
		 int64_t amount_fen, struct anju_err *e)
{
	int64_t billed, held;
	int rc;

	if (amount_fen > 0)
		rc = journal_move(j, a->credit, a->receivable, amount_fen, e);
	else
		rc = journal_move(j, a->receivable, a->credit, -amount_fen, e);
	if (rc != 0 || !deposit)
		return rc;
	if ((rc = ledger_account(db, LEDGER_DEPOSIT_BILLED, 0, &billed, e)) != 0 ||
	    (rc = ledger_account(db, LEDGER_DEPOSIT, 0, &held, e)) != 0)
		return rc;
	return amount_fen > 0 ? journal_move(j, billed, held, amount_fen, e)
			      : journal_move(j, held, billed, -amount_fen, e);
}

/* Settles open charges (all of the household's, oldest due first, or only
 * charge_id when > 0) from its payments' unallocated money, oldest payment
 * first, into journal j. */
static int
settle(struct db *db, struct journal *j, int64_t household_id, const struct hh_accounts *a,
       int64_t charge_id, struct anju_err *e)
{
	struct open_item *charges = NULL, *pays = NULL;
	struct db_stmt *st;
	size_t nc = 0, np = 0, ci = 0, pi = 0;
	int rc;

	if (charge_id > 0)
		rc = db_prepare(db,
				"SELECT id, amount_fen - paid_fen, kind FROM charge WHERE id = ?"
				" AND household_id = ? AND state = 'open'",
				&st);
	else
		rc = db_prepare(db,
				"SELECT id, amount_fen - paid_fen, kind FROM charge"
				" WHERE household_id = ? AND state = 'open' ORDER BY due_on, id",
				&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if (charge_id > 0) {
		db_bind_int64(st, 1, charge_id);
		db_bind_int64(st, 2, household_id);
	} else {
		db_bind_int64(st, 1, household_id);
	}
	if ((rc = collect(db, st, &charges, &nc, e)) != 0)
		return rc;
	if (nc == 0)
		goto out;
	rc = db_prepare(db,
			"SELECT id, amount_fen - allocated_fen FROM payment WHERE household_id = ?"
			" AND state = 'posted' AND allocated_fen < amount_fen ORDER BY id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, household_id);
	if ((rc = collect(db, st, &pays, &np, e)) != 0)
		goto out;
	while (ci < nc && pi < np) {
		int64_t amt = charges[ci].left < pays[pi].left ? charges[ci].left : pays[pi].left;

		if ((rc = allocation_row(db, j->id, pays[pi].id, charges[ci].id, amt,
					 charge_id > 0 ? POLICY_NAMED : POLICY_OLDEST_DUE, 0, e)) !=
			    0 ||
		    (rc = allocation_lines(db, j, a, charges[ci].deposit, amt, e)) != 0)
			goto out;
		charges[ci].left -= amt;
		pays[pi].left -= amt;
		ci += charges[ci].left == 0;
		pi += pays[pi].left == 0;
	}
out:
	free(charges);
	free(pays);
	return rc;
}

int
money_settle_into(struct db *db, struct journal *j, int64_t household_id,
		  const struct hh_accounts *a, struct anju_err *e)
{
	return settle(db, j, household_id, a, 0, e);
}

int
money_settle_one_into(struct db *db, struct journal *j, int64_t household_id,
		      const struct hh_accounts *a, int64_t charge_id, struct anju_err *e)
{
	return settle(db, j, household_id, a, charge_id, e);
}

int
money_unallocate(struct db *db, struct journal *j, const struct hh_accounts *a, int64_t payment_id,
		 int64_t charge_id, struct anju_err *e)
{
	struct db_stmt *st;
	struct {
		int64_t id, payment, charge, amount;
		bool deposit;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;

	rc = db_prepare(db,
			"SELECT a.id, a.payment_id, a.charge_id, a.amount_fen, c.kind"
			" FROM allocation a JOIN charge c ON c.id = a.charge_id"
			" WHERE (a.payment_id = ? OR a.charge_id = ?) AND a.amount_fen > 0"
			" AND NOT EXISTS (SELECT 1 FROM allocation r WHERE r.reverses_id = a.id)"
			" ORDER BY a.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, payment_id > 0 ? payment_id : -1);
	db_bind_int64(st, 2, charge_id > 0 ? charge_id : -1);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		rows[n].id = db_col_int64(st, 0);
		rows[n].payment = db_col_int64(st, 1);
		rows[n].charge = db_col_int64(st, 2);
		rows[n].amount = db_col_int64(st, 3);
		rows[n].deposit = strcmp(db_col_text(st, 4), "deposit") == 0;
		n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(rows);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = allocation_row(db, j->id, rows[i].payment, rows[i].charge, -rows[i].amount,
				    "reversal", rows[i].id, e);
		if (rc == 0)
			rc = allocation_lines(db, j, a, rows[i].deposit, -rows[i].amount, e);
	}
	free(rows);
	return rc;
}

int
money_settle(struct db *db, int64_t household_id, const struct audit_actor *who, struct anju_err *e)
{
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	int64_t credit = 0, open = 0;
	int rc;

	if ((rc = money_credit(db, household_id, &credit, e)) != 0)
		return rc;
	if (credit <= 0)
		return 0;
	rc = db_prepare(db, "SELECT COUNT(*) FROM charge WHERE household_id = ? AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		open = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (open == 0)
		return 0; /* nothing to settle: no journal */
	if ((rc = money_hh_accounts(db, household_id, &a, e)) != 0 ||
	    (rc = journal_begin(db, &j, NULL, "allocation", "household", household_id, 0,
				"以预收款冲抵欠费", who, e)) != 0 ||
	    (rc = money_settle_into(db, &j, household_id, &a, e)) != 0)
		return rc;
	return journal_post(db, &j, e);
}

int
money_household_sum(struct db *db, const char *sql, int64_t household_id, int64_t *fen,
		    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*fen = 0;
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*fen = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
money_credit(struct db *db, int64_t household_id, int64_t *fen, struct anju_err *e)
{
	return money_household_sum(
		db,
		"SELECT COALESCE(SUM(amount_fen - allocated_fen), 0) FROM payment"
		" WHERE household_id = ? AND state = 'posted'",
		household_id, fen, e);
}
