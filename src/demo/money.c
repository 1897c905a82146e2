/*
 * The demo's money (issue 5): a receipt book for each clerk (the operator's
 * staff and finance), three months of rent for the first DEMO_MONEY_HOUSEHOLDS
 * households (their deposits came with their leases), and their payments: a third paid in cash
 * at the counter, a third partly by bank transfer, a third not at all (so
 * the counter and the arrears have something to show).  Through the money
 * module's functions only.
 */
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "core/date.h"
#include "demo/demo.h"
#include "household/household.h"
#include "money/money.h"
#include "money/receipt.h"

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

static int
household_money(struct db *db, const struct caller *clerk, const struct audit_actor *system, int i,
		struct anju_err *e)
{
	struct period now = period_of(date_today_shanghai());
	struct demo_household h;
	int64_t hh = 0, rent = 30000 + (i % 7) * 4500, id = 0, owed = 0;
	bool created;
	int rc;

	demo_household_make(i, &h);
	if ((rc = household_find_by_head(db, h.members[0].id_number, &hh, e)) != 0)
		return rc;
	for (int back = 3; back >= 1; back--) {
		struct period p = period_add(now, -back);
		char period[PERIOD_FMT_LEN], due[DATE_FMT_LEN];
		struct charge_in in = { hh, CHARGE_RENT, rent, due, period, "demo", i + 1, NULL };

		period_format(p, period);
		date_format((struct date){ p.y, p.m, 5 }, due);
		if ((rc = charge_raise(db, &in, system, &id, &created, e)) != 0)
			return rc;
		owed += rent;
	}
	if (i % 3 == 0) {
		struct payment_in in = { hh, owed, CHANNEL_CASH, NULL, 0, "柜台缴费" };
		json_t *out = NULL;

		rc = payment_take(db, clerk, &in, system, &id, &out, e);
		json_decref(out);
		return rc;
	}
	if (i % 3 == 1) {
		char ref[32];
		struct payment_in in = { hh, rent + rent / 2, CHANNEL_BANK_TRANSFER, ref, 0, NULL };
		json_t *out = NULL;

		snprintf(ref, sizeof(ref), "DEMO-BT-%05d", i + 1);
		rc = payment_take(db, caller_system(), &in, system, &id, &out, e);
		json_decref(out);
		return rc;
	}
	return 0;
}

int
demo_money_load(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	struct caller clerk;
	char principal[32];
	int rc;

	if ((rc = book_for(db, "鄂财收A2026", "operator_staff", who, e)) != 0 ||
	    (rc = book_for(db, "鄂财收B2026", "finance", who, e)) != 0 ||
	    (rc = clerk_of(db, &clerk, principal, sizeof(principal), e)) != 0)
		return rc;
	for (int i = 0; i < DEMO_MONEY_HOUSEHOLDS; i++)
		if ((rc = household_money(db, &clerk, who, i, e)) != 0)
			return rc;
	return 0;
}
