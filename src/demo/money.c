/*
 * The demo's money (issues 5 and 7): a receipt book for each clerk (the
 * operator's staff and finance); DEMO_RENT_MONTHS months of rent billed for
 * every lease chain by the billing run (the deposits came with the leases);
 * payments by every channel, most households paying everything and a tail
 * owing one, three or all months; and the dunning brought up to date, so
 * the arrears, the cases and a referral to the bureau have something to
 * show.  Through the money and rent modules' functions only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "core/date.h"
#include "core/mem.h"
#include "demo/demo.h"
#include "household/household.h"
#include "money/money.h"
#include "money/ledger.h"
#include "money/receipt.h"
#include "rent/billing.h"
#include "rent/dunning.h"
#include "store/db.h"

/* A clerk's book, received today and handed over. */
static int
book_for(struct db *db, const char *series, const char *username, const struct audit_actor *who,
	 struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	struct receipt_book_in in = { series, 1, 1000, today, "财务科 胡丽萍" };
	int64_t book = 0, account = 0;
	int rc;

	date_format(date_today_shanghai(), today);
	if ((rc = account_find(db, username, &account, e)) != 0 ||
	    (rc = receipt_book_receive(db, &in, who, &book, e)) != 0)
		return rc;
	return receipt_book_hand(db, book, account, who, e);
}

/* The staff clerk as a caller, for counter payments from its book (the
 * audit trail still says the system did it: it loaded the demo). */
static int
clerk_of(struct db *db, struct caller *c, char *principal, size_t cap, struct anju_err *e)
{
	int64_t id = 0;
	int rc;

	if ((rc = account_find(db, "operator_staff", &id, e)) != 0)
		return rc;
	snprintf(principal, cap, "account:%lld", (long long)id);
	*c = (struct caller){ .kind = CALLER_ACCOUNT,
			      .id = id,
			      .role = ROLE_OPERATOR_STAFF,
			      .name = "operator_staff",
			      .principal = principal };
	return 0;
}

/* The chains in force, with what each household owes and this month's rent. */
struct owing {
	int64_t chain, household, owed, month_fen;
};

static int
load_owing(struct db *db, const char *period, struct owing **out, size_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_prepare(
		db,
		"SELECT c.id, c.household_id, COALESCE((SELECT SUM(x.amount_fen - x.paid_fen)"
		" FROM charge x WHERE x.household_id = c.household_id AND x.state = 'open'), 0),"
		" COALESCE((SELECT r.amount_fen FROM charge r WHERE r.source_type = 'lease_chain'"
		" AND r.source_id = c.id AND r.kind = 'rent' AND r.period = ?), 0)"
		" FROM lease_chain c WHERE c.state = 'open' ORDER BY c.id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = (struct owing){ db_col_int64(st, 0), db_col_int64(st, 1),
						 db_col_int64(st, 2), db_col_int64(st, 3) };
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* How chain k's household pays: most pay everything, by every channel; a
 * tail owes this month, three months, part, or everything (so the arrears,
 * the dunning and the referral to the bureau have something to show). */
static int
household_pays(struct db *db, const struct caller *clerk, const struct audit_actor *system,
	       const struct owing *o, size_t k, struct anju_err *e)
{
	static const enum payment_channel channels[] = {
		CHANNEL_CASH,          CHANNEL_CASH,          CHANNEL_WITHHOLDING,
		CHANNEL_WITHHOLDING,   CHANNEL_WITHHOLDING,   CHANNEL_WITHHOLDING,
		CHANNEL_WITHHOLDING,   CHANNEL_WITHHOLDING,   CHANNEL_ONLINE,
		CHANNEL_ONLINE,        CHANNEL_ONLINE,        CHANNEL_ONLINE,
		CHANNEL_BANK_TRANSFER, CHANNEL_BANK_TRANSFER, CHANNEL_BANK_TRANSFER,
		CHANNEL_POS,
	};
	int pattern = (int)(k % 20);
	int64_t amount = o->owed, id = 0;
	struct payment_in in = { o->household, 0, CHANNEL_CASH, NULL, 0, NULL };
	char ref[48];
	json_t *out = NULL;
	int rc;

	if (pattern == 16 || pattern == 17)
		amount -= o->month_fen; /* this month still open */
	else if (pattern == 18)
		amount -= 3 * o->month_fen;
	else if (pattern == 19)
		amount = k % 40 == 19 ? 0 : o->owed / 2;
	if (amount <= 0)
		return 0;
	in.amount_fen = amount;
	in.channel = pattern < 16 ? channels[pattern] : CHANNEL_BANK_TRANSFER;
	switch (in.channel) {
	case CHANNEL_WITHHOLDING: snprintf(ref, sizeof(ref), "DEMO-WH-%06zu", k + 1); break;
	case CHANNEL_ONLINE: snprintf(ref, sizeof(ref), "wechat:DEMO%06zu", k + 1); break;
	case CHANNEL_POS: snprintf(ref, sizeof(ref), "DEMO-POS-%06zu", k + 1); break;
	default: snprintf(ref, sizeof(ref), "DEMO-BT-%06zu", k + 1); break;
	}
	if (in.channel != CHANNEL_CASH)
		in.channel_ref = ref;
	in.note = channel_at_counter(in.channel) ? "柜台缴费" : NULL;
	rc = payment_take(db, channel_at_counter(in.channel) ? clerk : caller_system(), &in, system,
			  &id, &out, e);
	json_decref(out);
	return rc;
}

int
demo_money_books(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	int rc;

	if ((rc = book_for(db, "鄂财收A2026", "operator_staff", who, e)) != 0)
		return rc;
	return book_for(db, "鄂财收B2026", "finance", who, e);
}

int
demo_money_bill(struct db *db, const struct audit_actor *who, int back, struct anju_err *e)
{
	char period[PERIOD_FMT_LEN];
	int64_t run = 0;

	period_format(period_add(period_of(date_today_shanghai()), -back), period);
	return bill_now(db, period, who, &run, e);
}

int
demo_money_pay(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	char period[PERIOD_FMT_LEN], today[DATE_FMT_LEN];
	struct owing *o = NULL;
	struct caller clerk;
	char principal[32];
	size_t n = 0;
	int rc;

	ledger_current_period(period);
	date_format(date_today_shanghai(), today);
	if ((rc = clerk_of(db, &clerk, principal, sizeof(principal), e)) != 0 ||
	    (rc = load_owing(db, period, &o, &n, e)) != 0)
		goto out;
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = household_pays(db, &clerk, who, &o[k], k, e);
	/* The dunning as the daily job would leave it: cases at their level,
	 * referrals proposed for the bureau. */
	for (size_t k = 0; k < n && rc == 0; k++) {
		int64_t owed = 0, case_id = 0;

		if ((rc = money_owed(db, o[k].household, &owed, e)) == 0 && owed > 0)
			rc = dunning_refresh(db, o[k].chain, today, who, &case_id, e);
	}
out:
	free(o);
	return rc;
}
