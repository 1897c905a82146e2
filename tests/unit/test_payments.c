/*
 * Unit tests of the money core on a real database (both engines): charges
 * raised once per source, payments allocated oldest due first with the rest
 * kept as credit, credit used by the next charge, receipts numbered without
 * gaps, reversals, cancellations and refunds, closed periods, and the
 * ledger staying balanced through all of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, hh, hh2;
	int64_t clerk; /* an account with a receipt book */
};

static const struct audit_actor who = { "account:1", "clerk", "finance", "::1", NULL };
static struct caller clerk = { CALLER_ACCOUNT, 0, ROLE_FINANCE, "c", "account:1", true };
static struct caller key = { CALLER_API_KEY, 9, ROLE_FINANCE, "k", "apikey:9", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("payments", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->community = tm_community(c->db, "南苑公租房");
	c->clerk = tm_account(c->db, "clerk1", "收款员", "finance", "active");
	clerk.id = c->clerk;
	c->hh = tm_household(c->db, c->community);
	c->hh2 = tm_household(c->db, c->community);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

static void
print_failure(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	print_error("ledger check: %s\n", f->text);
}

/* Every journal balances and every stored balance equals its entries; and
 * the whole ledger check (money/check.h) finds nothing. */
static void
assert_ledger_sound(struct db *db)
{
	struct ledger_check_stats stats;
	struct anju_err e;

	ok(db, ledger_check(db, print_failure, NULL, &stats, NULL, NULL, &e));
	assert_int_equal(stats.failures, 0);
	assert_int_equal(tm_qint(db,
				 "SELECT COUNT(*) FROM (SELECT journal_id FROM journal_entry"
				 " GROUP BY journal_id HAVING SUM(amount_fen) <> 0) x",
				 0),
			 0);
	assert_int_equal(
		tm_qint(db,
			"SELECT COUNT(*) FROM ledger_balance b WHERE b.debit_fen - b.credit_fen"
			" <> (SELECT COALESCE(SUM(e.amount_fen), 0) FROM journal_entry e"
			" WHERE e.account_id = b.account_id AND e.period = b.period)",
			0),
		0);
	assert_int_equal(tm_qint(db,
				 "SELECT COUNT(*) FROM journal j WHERE NOT EXISTS"
				 " (SELECT 1 FROM journal_entry e WHERE e.journal_id = j.id)",
				 0),
			 0);
}

static int
raise(struct ctx *c, int64_t hh, enum charge_kind kind, int64_t fen, const char *due,
      const char *period, int64_t source, int64_t *id, bool *created, struct anju_err *e)
{
	struct charge_in in = { hh,     kind, fen, due, period, source ? "lease_chain" : "manual",
				source, NULL };
	int rc;

	ok(c->db, db_begin(c->db));
	rc = charge_raise(c->db, &in, &who, id, created, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static int
pay(struct ctx *c, const struct caller *by, int64_t hh, int64_t fen, enum payment_channel ch,
    const char *ref, int64_t *id, struct anju_err *e)
{
	struct payment_in in = { hh, fen, ch, ref, 0, NULL };
	json_t *out = NULL;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = payment_take(c->db, by, &in, &who, id, &out, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	json_decref(out);
	return rc;
}

static int64_t
balance_of(struct ctx *c, enum ledger_kind k, int64_t hh)
{
	struct anju_err e;
	int64_t id, fen;

	ok(c->db, db_begin(c->db));
	ok(c->db, ledger_account(c->db, k, hh, &id, &e));
	ok(c->db, ledger_balance(c->db, id, &fen, &e));
	ok(c->db, db_commit(c->db));
	return fen;
}

static int64_t
credit_of(struct ctx *c, int64_t hh)
{
	struct anju_err e;
	int64_t fen;

	ok(c->db, money_credit(c->db, hh, &fen, &e));
	return fen;
}

static void
test_charge_once_per_source(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id, again;
	bool created;

	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 50000, "2026-01-05", "2026-01", 7, &id, &created, &e));
	assert_true(created);
	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 50000, "2026-01-05", "2026-01", 7, &again, &created, &e));
	assert_false(created);
	assert_int_equal(again, id);
	/* The same source, kind and period with another amount is a conflict. */
	assert_int_equal(raise(c, c->hh, CHARGE_RENT, 50001, "2026-01-05", "2026-01", 7, &again,
			       &created, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "charge_exists_different");
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge WHERE source_id = 7", 0), 1);
	/* Owed: the receivable; earned: rent income. */
	assert_int_equal(balance_of(c, LEDGER_RECEIVABLE, c->hh), 50000);
	assert_int_equal(balance_of(c, LEDGER_RENT_INCOME, 0), -50000);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'charge.raise'", 0),
		1);
	/* Bad input: nothing written. */
	assert_int_equal(raise(c, c->hh, CHARGE_RENT, 0, "2026-01-05", NULL, 0, &id, &created, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "amount_fen");
	assert_int_equal(raise(c, c->hh, CHARGE_RENT, -5, "2026-01-05", NULL, 0, &id, &created, &e),
			 ANJU_EINVAL);
	assert_int_equal(raise(c, c->hh, CHARGE_RENT, MONEY_AMOUNT_MAX + 1, "2026-01-05", NULL, 0,
			       &id, &created, &e),
			 ANJU_EINVAL);
	assert_int_equal(
		raise(c, c->hh, CHARGE_RENT, 100, "2026-02-30", NULL, 0, &id, &created, &e),
		ANJU_EINVAL);
	assert_string_equal(e.field, "due_on");
	assert_int_equal(
		raise(c, 999999, CHARGE_RENT, 100, "2026-02-01", NULL, 0, &id, &created, &e),
		ANJU_ENOTFOUND);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge", 0), 1);
	assert_ledger_sound(c->db);
}

static void
test_allocation_oldest_first_and_credit(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t feb, jan, mar, p1, p2;
	bool created;

	/* Raised out of order: February first, then January. */
	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 30000, "2026-02-05", "2026-02", 1, &feb, &created, &e));
	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 30000, "2026-01-05", "2026-01", 1, &jan, &created, &e));
	/* 400 yuan settles January whole and 100 yuan of February. */
	ok(c->db, pay(c, &key, c->hh, 40000, CHANNEL_BANK_TRANSFER, "BT-001", &p1, &e));
	assert_int_equal(tm_qint(c->db, "SELECT paid_fen FROM charge WHERE id = ?", jan), 30000);
	assert_int_equal(tm_qint(c->db, "SELECT paid_fen FROM charge WHERE id = ?", feb), 10000);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM charge WHERE state = 'paid'", 0), 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM allocation WHERE payment_id = ?"
				 " AND policy = 'oldest_due_first'",
				 p1),
			 2);
	assert_int_equal(credit_of(c, c->hh), 0);
	/* 500 yuan: February's 200 and 300 of credit. */
	ok(c->db, pay(c, &key, c->hh, 50000, CHANNEL_ONLINE, "WX-778", &p2, &e));
	assert_int_equal(credit_of(c, c->hh), 30000);
	assert_int_equal(balance_of(c, LEDGER_CREDIT, c->hh), -30000);
	assert_int_equal(balance_of(c, LEDGER_RECEIVABLE, c->hh), 0);
	assert_int_equal(balance_of(c, LEDGER_SPECIAL_RENT, 0), 90000);
	/* The next charge takes the credit by itself. */
	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 30000, "2026-03-05", "2026-03", 1, &mar, &created, &e));
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'paid' THEN 1 ELSE 0 END FROM charge "
				 "WHERE id = ?",
				 mar),
			 1);
	assert_int_equal(credit_of(c, c->hh), 0);
	/* Electronic receipts, one per payment, numbered per channel and year. */
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM receipt", 0), 2);
	assert_int_equal(
		tm_qint(c->db, "SELECT r.number FROM receipt r WHERE r.payment_id = ?", p2), 1);
	/* A channel reference is taken once. */
	assert_int_equal(pay(c, &key, c->hh, 100, CHANNEL_ONLINE, "WX-778", &p2, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "channel_ref_taken");
	assert_int_equal(pay(c, &key, c->hh, 100, CHANNEL_ONLINE, NULL, &p2, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "channel_ref");
	assert_int_equal(pay(c, &key, c->hh, 0, CHANNEL_ONLINE, "X-1", &p2, &e), ANJU_EINVAL);
	assert_int_equal(pay(c, &key, c->hh, MONEY_AMOUNT_MAX + 1, CHANNEL_ONLINE, "X-1", &p2, &e),
			 ANJU_EINVAL);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 2);
	assert_ledger_sound(c->db);
}

static void
test_counter_receipts(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t p, book2;

	/* No book: refused, nothing written. */
	assert_int_equal(pay(c, &clerk, c->hh, 1000, CHANNEL_CASH, NULL, &p, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "no_receipt_book");
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 0);
	/* An API key is no clerk: it has no book either. */
	assert_int_equal(pay(c, &key, c->hh, 1000, CHANNEL_POS, "POS-1", &p, &e), ANJU_ECONFLICT);
	tm_book(c->db, "A2026", 101, 102, c->clerk);
	book2 = tm_book(c->db, "B2026", 500, 600, c->clerk);
	ok(c->db, pay(c, &clerk, c->hh, 1000, CHANNEL_CASH, NULL, &p, &e));
	assert_int_equal(tm_qint(c->db, "SELECT number FROM receipt WHERE payment_id = ?", p), 101);
	/* A failed payment takes no number: the next one is 102. */
	assert_int_equal(pay(c, &clerk, c->hh, -1, CHANNEL_CASH, NULL, &p, &e), ANJU_EINVAL);
	ok(c->db, pay(c, &clerk, c->hh, 1000, CHANNEL_POS, "POS-77", &p, &e));
	assert_int_equal(tm_qint(c->db, "SELECT number FROM receipt WHERE payment_id = ?", p), 102);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM receipt_book WHERE state = 'used_up'", 0), 1);
	/* A clerk writes only in a book handed to them. */
	{
		int64_t other =
			tm_account(c->db, "clerk2", "另一收款员", "operator_staff", "active");
		int64_t theirs = tm_book(c->db, "C2026", 1, 50, other);
		struct payment_in in = { c->hh, 1000, CHANNEL_CASH, NULL, 0, NULL, theirs };
		json_t *out = NULL;

		ok(c->db, db_begin(c->db));
		assert_int_equal(payment_take(c->db, &clerk, &in, &who, &p, &out, &e),
				 ANJU_EUNPROCESSABLE);
		assert_string_equal(e.key, "receipt_book_not_yours");
		assert_string_equal(e.field, "receipt_book_id");
		db_rollback(c->db);
		/* Naming one's own later book writes in it, not in the oldest. */
		in.receipt_book_id = book2;
		in.amount_fen = 500;
		ok(c->db, db_begin(c->db));
		ok(c->db, payment_take(c->db, &clerk, &in, &who, &p, &out, &e));
		ok(c->db, db_commit(c->db));
		json_decref(out);
		assert_int_equal(
			tm_qint(c->db, "SELECT number FROM receipt WHERE payment_id = ?", p), 500);
		/* Not for a bank transfer. */
		in.channel = CHANNEL_BANK_TRANSFER;
		in.channel_ref = "BT-BOOK";
		ok(c->db, db_begin(c->db));
		assert_int_equal(payment_take(c->db, &clerk, &in, &who, &p, &out, &e), ANJU_EINVAL);
		db_rollback(c->db);
	}
	/* The used-up book hands over to the next. */
	ok(c->db, pay(c, &clerk, c->hh, 1000, CHANNEL_CASH, NULL, &p, &e));
	assert_int_equal(tm_qint(c->db, "SELECT book_id FROM receipt WHERE payment_id = ?", p),
			 book2);
	assert_int_equal(tm_qint(c->db, "SELECT number FROM receipt WHERE payment_id = ?", p), 501);
	assert_int_equal(balance_of(c, LEDGER_CASH, 0), 2500);
	assert_int_equal(credit_of(c, c->hh), 3500);
	assert_ledger_sound(c->db);
}

static void
test_reverse_cancel_refund(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t a, b, p1, p2, r;
	bool created;

	ok(c->db,
	   raise(c, c->hh, CHARGE_RENT, 20000, "2026-01-05", "2026-01", 3, &a, &created, &e));
	ok(c->db, raise(c, c->hh, CHARGE_REPAIR, 5000, "2026-01-20", "", 0, &b, &created, &e));
	ok(c->db, pay(c, &key, c->hh, 15000, CHANNEL_BANK_TRANSFER, "R-1", &p1, &e));
	ok(c->db, pay(c, &key, c->hh, 20000, CHANNEL_BANK_TRANSFER, "R-2", &p2, &e));
	assert_int_equal(credit_of(c, c->hh), 10000);
	/* Reversing the first payment reopens 150 yuan of January; the second
	 * payment's spare 100 yuan settles part of it again. */
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_reverse(c->db, p1, "客户转账被银行退回", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		tm_qint(c->db,
			"SELECT CASE WHEN state = 'reversed' THEN 1 ELSE 0 END FROM payment "
			"WHERE id = ?",
			p1),
		1);
	assert_int_equal(tm_qint(c->db, "SELECT allocated_fen FROM payment WHERE id = ?", p1), 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'voided' THEN 1 ELSE 0 END FROM receipt "
				 "WHERE payment_id = ?",
				 p1),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT paid_fen FROM charge WHERE id = ?", a), 15000);
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'open' THEN 1 ELSE 0 END FROM charge "
				 "WHERE id = ?",
				 a),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT paid_fen FROM charge WHERE id = ?", b), 5000);
	assert_int_equal(credit_of(c, c->hh), 0);
	assert_int_equal(balance_of(c, LEDGER_RECEIVABLE, c->hh), 5000);
	ok(c->db, db_begin(c->db));
	assert_int_equal(payment_reverse(c->db, p1, "again", &who, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	/* Cancelling January gives its 150 yuan back as credit. */
	ok(c->db, db_begin(c->db));
	ok(c->db, charge_cancel(c->db, a, "合同未生效", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(tm_qint(c->db, "SELECT paid_fen FROM charge WHERE id = ?", a), 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'paid' THEN 1 ELSE 0 END FROM charge "
				 "WHERE id = ?",
				 b),
			 1);
	assert_int_equal(credit_of(c, c->hh), 15000);
	assert_int_equal(balance_of(c, LEDGER_RECEIVABLE, c->hh), 0);
	ok(c->db, db_begin(c->db));
	assert_int_equal(charge_cancellable(c->db, a, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	/* A refund larger than the credit is refused; within it, paid. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(refund_check(c->db, c->hh, 15001, CHANNEL_CASH, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "refund_exceeds_credit");
	assert_int_equal(refund_check(c->db, c->hh, 100, CHANNEL_POS, &e), ANJU_EINVAL);
	ok(c->db, refund_pay(c->db, c->hh, 15000, CHANNEL_BANK_TRANSFER, "退租结清", &who, &r, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(credit_of(c, c->hh), 0);
	assert_int_equal(balance_of(c, LEDGER_CREDIT, c->hh), 0);
	/* A payment partly refunded cannot be reversed. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(payment_reversible(c->db, p2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "payment_refunded");
	db_rollback(c->db);
	assert_ledger_sound(c->db);
}

static void
test_deposit_liability(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t d, p;
	bool created;

	ok(c->db, raise(c, c->hh2, CHARGE_DEPOSIT, 100000, "2026-01-01", "", 11, &d, &created, &e));
	/* Charged, not yet held. */
	assert_int_equal(balance_of(c, LEDGER_DEPOSIT, 0), 0);
	ok(c->db, pay(c, &key, c->hh2, 60000, CHANNEL_BANK_TRANSFER, "D-1", &p, &e));
	assert_int_equal(balance_of(c, LEDGER_DEPOSIT, 0), -60000);
	ok(c->db, pay(c, &key, c->hh2, 40000, CHANNEL_BANK_TRANSFER, "D-2", &p, &e));
	assert_int_equal(balance_of(c, LEDGER_DEPOSIT, 0), -100000);
	assert_int_equal(balance_of(c, LEDGER_DEPOSIT_BILLED, 0), 0);
	/* Reversing the second takes it back out of the deposits held. */
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_reverse(c->db, p, "重复入账", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(balance_of(c, LEDGER_DEPOSIT, 0), -60000);
	assert_ledger_sound(c->db);
}

static void
test_closed_period(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct payment_in in = { c->hh, 1000, CHANNEL_BANK_TRANSFER, "OLD-1", 0, NULL };
	struct period last = period_add(period_of(date_today_shanghai()), -1);
	char text[PERIOD_FMT_LEN], now[PERIOD_FMT_LEN];
	json_t *out = NULL;
	int64_t id;

	period_format(last, text);
	ledger_current_period(now);
	ok(c->db, db_begin(c->db));
	ok(c->db, ledger_close_period(c->db, text, &who, &e));
	ok(c->db, db_commit(c->db));
	/* The current period cannot close; the closed one cannot close again. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(ledger_close_period(c->db, now, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "period_not_ended");
	assert_int_equal(ledger_close_period(c->db, text, &who, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "period_closed");
	db_rollback(c->db);
	/* Money received in the closed month is refused. */
	in.received_at_us = shanghai_to_utc_us(period_first_day(last), 10, 0);
	ok(c->db, db_begin(c->db));
	assert_int_equal(payment_take(c->db, &key, &in, &who, &id, &out, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "period_closed");
	db_rollback(c->db);
	/* A payment dated in the future is refused. */
	in.received_at_us = time_now_us() + INT64_C(3600000000);
	ok(c->db, db_begin(c->db));
	assert_int_equal(payment_take(c->db, &key, &in, &who, &id, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "received_at");
	db_rollback(c->db);
	/* Today is fine. */
	in.received_at_us = 0;
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &key, &in, &who, &id, &out, &e));
	ok(c->db, db_commit(c->db));
	assert_string_equal(json_string_value(json_object_get(out, "period")), now);
	json_decref(out);
	assert_ledger_sound(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_charge_once_per_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_oldest_first_and_credit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_counter_receipts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_cancel_refund, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deposit_liability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_period, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
