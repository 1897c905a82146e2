/*
 * A household's account page: what it owes, what it paid, how each payment
 * was allocated, its credit and refunds.  See money.h.
 */
#include <stdlib.h>
#include <string.h>

#include "household/household.h"
#include "money/internal.h"
#include "store/db.h"

#define ACCOUNT_ROWS 500 /* the newest rows of each kind on the page */

static int
charges_of(struct db *db, int64_t household_id, json_t *out, int64_t *owed, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " MONEY_CHARGE_COLUMNS " FROM charge c WHERE c.household_id = ?"
			" ORDER BY c.due_on DESC, c.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, ACCOUNT_ROWS);
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *c = money_charge_json(st);

		*owed += json_integer_value(json_object_get(c, "owed_fen"));
		json_array_append_new(out, c);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
refunds_of(struct db *db, int64_t household_id, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT id, amount_fen, channel, reason, paid_at, paid_by FROM refund"
			" WHERE household_id = ? ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, ACCOUNT_ROWS);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(
			out, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id",
				       (json_int_t)db_col_int64(st, 0), "amount_fen",
				       (json_int_t)db_col_int64(st, 1), "channel",
				       db_col_text(st, 2), "reason", db_col_text(st, 3), "paid_at",
				       db_col_text(st, 4), "paid_by", db_col_text(st, 5)));
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
payments_of(struct db *db, const struct caller *c, int64_t household_id, json_t *out,
	    struct anju_err *e)
{
	struct db_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	rc = db_prepare(
		db, "SELECT id FROM payment WHERE household_id = ? ORDER BY id DESC LIMIT ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, ACCOUNT_ROWS);
	ids = calloc(ACCOUNT_ROWS, sizeof(*ids));
	if (ids == NULL)
		abort();
	while ((rc = db_step(st)) == DB_ROW && n < ACCOUNT_ROWS)
		ids[n++] = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW) {
		free(ids);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *p = NULL;

		if ((rc = payment_get(db, c, ids[i], &p, e)) == 0)
			json_array_append_new(out, p);
	}
	free(ids);
	return rc;
}

int
money_account(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
	      struct anju_err *e)
{
	json_t *charges = json_array(), *payments = json_array(), *refunds = json_array();
	int64_t community = 0, owed = 0, credit = 0;
	int rc;

	*out = NULL;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0 ||
	    (rc = charges_of(db, household_id, charges, &owed, e)) != 0 ||
	    (rc = payments_of(db, c, household_id, payments, e)) != 0 ||
	    (rc = refunds_of(db, household_id, refunds, e)) != 0 ||
	    (rc = money_credit(db, household_id, &credit, e)) != 0) {
		json_decref(charges);
		json_decref(payments);
		json_decref(refunds);
		return rc;
	}
	*out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "household_id",
			 (json_int_t)household_id, "community_id", (json_int_t)community,
			 "owed_fen", (json_int_t)owed, "credit_fen", (json_int_t)credit, "charges",
			 charges, "payments", payments, "refunds", refunds);
	return 0;
}
