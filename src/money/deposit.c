/*
 * Deposits at exit: the deposit a household paid for its lease chain goes
 * back into its credit at move-out, from where it settles what the tenant
 * agreed to and is refunded.  The release is a cancellation of the paid
 * deposit charge under its own name (money_charge_undo, shared with
 * charge_cancel).  See money.h.
 */
#include <stdio.h>
#include <string.h>

#include "money/internal.h"
#include "store/db.h"

/* The live (open or paid) deposit charges of a source, oldest first, at
 * most DEPOSIT_CHARGES_MAX: a chain's first deposit and each renewal's
 * increase. */
#define DEPOSIT_CHARGES_MAX 64

static int
deposit_charges(struct db *db, const char *source_type, int64_t source_id, struct deposit_info *out,
		int64_t ids[DEPOSIT_CHARGES_MAX], int *n, struct anju_err *e)
{
	struct db_stmt *st;
	bool released = false;
	int open = 0, live = 0, rc;

	memset(out, 0, sizeof(*out));
	*n = 0;
	rc = db_prepare(db,
			"SELECT id, household_id, amount_fen, paid_fen, state FROM charge"
			" WHERE source_type = ? AND source_id = ? AND kind = 'deposit' ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, source_type);
	db_bind_int64(st, 2, source_id);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *state = db_col_text(st, 4);

		if (out->charge_id == 0) {
			out->charge_id = db_col_int64(st, 0);
			out->household_id = db_col_int64(st, 1);
		}
		released = released || strcmp(state, "released") == 0;
		if (strcmp(state, "open") != 0 && strcmp(state, "paid") != 0)
			continue;
		live++;
		open += strcmp(state, "open") == 0;
		out->amount_fen += db_col_int64(st, 2);
		out->paid_fen += db_col_int64(st, 3);
		if (*n < DEPOSIT_CHARGES_MAX)
			ids[(*n)++] = db_col_int64(st, 0);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (out->charge_id > 0)
		snprintf(out->state, sizeof(out->state), "%s",
			 live == 0  ? (released ? "released" : "cancelled")
			 : open > 0 ? "open"
				    : "paid");
	return 0;
}

int
deposit_find(struct db *db, const char *source_type, int64_t source_id, struct deposit_info *out,
	     struct anju_err *e)
{
	int64_t ids[DEPOSIT_CHARGES_MAX];
	int n;

	return deposit_charges(db, source_type, source_id, out, ids, &n, e);
}

int
deposit_release(struct db *db, const char *source_type, int64_t source_id, bool settle_all,
		int64_t only_id, const char *reason, const struct audit_actor *who,
		int64_t *released_fen, struct anju_err *e)
{
	struct deposit_info d;
	int64_t ids[DEPOSIT_CHARGES_MAX], one;
	int n, rc;

	*released_fen = 0;
	if ((rc = deposit_charges(db, source_type, source_id, &d, ids, &n, e)) != 0)
		return rc;
	if (d.charge_id == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "deposit_not_found", NULL,
				 "该合同没有履约保证金");
	if (n == 0)
		return strcmp(d.state, "released") == 0
			       ? anju_fail(e, ANJU_ECONFLICT, "charge_released", NULL,
					   "这笔履约保证金已经转回预收款")
			       : anju_fail(e, ANJU_ECONFLICT, "charge_cancelled", NULL,
					   "这笔履约保证金已经撤销");
	/* Each charge of the deposit goes back; the credit settles once, after
	 * the last. */
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;

		if ((rc = money_charge_undo(db, ids[i], "released", "deposit.release", reason,
					    last && settle_all, last ? only_id : 0, who, &one,
					    e)) != 0)
			return rc;
		*released_fen += one;
	}
	return 0;
}

int
money_owed(struct db *db, int64_t household_id, int64_t *fen, struct anju_err *e)
{
	return money_household_sum(db,
				   "SELECT COALESCE(SUM(amount_fen - paid_fen), 0) FROM charge"
				   " WHERE household_id = ? AND state = 'open'",
				   household_id, fen, e);
}
