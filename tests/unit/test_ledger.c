/*
 * Unit tests of the ledger check (money/check.h) on a real database (both
 * engines): an empty book passes; a small book made through the money
 * functions (charges, counter and bank payments, a refund, a cancelled
 * charge, a reversed payment) passes; then, for each invariant, one row is
 * corrupted the way a bug or a hand in the database would, the check fails
 * and names that row, and once the row is put back the check passes again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/mem.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

/* The book's rows, as made in setup_book. */
struct book {
	int64_t hh1, hh2;
	int64_t deposit, rent, other, repair, open; /* charges */
	int64_t cash, bank, reversed;               /* payments */
	int64_t paper;                              /* the clerk's paper book */
	char period[PERIOD_FMT_LEN];                /* the current one */
};

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, clerk;
	struct book b;
};

/* What one run of the check reported. */
struct seen {
	int n;
	struct {
		enum ledger_invariant inv;
		char table[24];
		int64_t id;
		char text[512];
	} f[64];
	char last[512]; /* the last line reported */
	struct ledger_check_stats stats;
	int rc;
};

static const struct audit_actor who = { "account:1", "clerk", "finance", "::1", NULL };
static struct caller clerk = { CALLER_ACCOUNT, 0, ROLE_FINANCE, "c", "account:1", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("ledger", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

/* Runs one statement in a transaction of its own (a corruption or its
 * repair); types says each parameter's type, 'i' (int64_t) or 's' (text). */
static void
sql(struct ctx *c, const char *text, const char *types, ...)
{
	struct db_stmt *st;
	va_list ap;

	ok(c->db, db_begin(c->db));
	ok(c->db, db_prepare(c->db, text, &st));
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++)
		if (types[i] == 'i')
			db_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			db_bind_cstr(st, i + 1, va_arg(ap, const char *));
	va_end(ap);
	assert_int_equal(step_to_end(st), DB_DONE);
	ok(c->db, db_commit(c->db));
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

static int64_t
raise(struct ctx *c, int64_t hh, enum charge_kind kind, int64_t fen, const char *due,
      const char *period, int64_t source)
{
	struct charge_in in = { hh,     kind, fen, due, period, source ? "lease_chain" : "manual",
				source, NULL };
	struct anju_err e;
	int64_t id;
	bool created;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
	ok(c->db, db_commit(c->db));
	assert_true(created);
	return id;
}

static int64_t
pay(struct ctx *c, int64_t hh, int64_t fen, enum payment_channel ch, const char *ref)
{
	struct payment_in in = { hh, fen, ch, ref, 0, NULL };
	struct anju_err e;
	json_t *out = NULL;
	int64_t id;

	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &clerk, &in, &who, &id, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	return id;
}

/* A small book with every kind of row the check looks at:
 *   household 1: a deposit (500 yuan, due first) and January's rent (1000
 *   yuan); 1200 yuan in cash (the deposit and 700 of rent, receipt from the
 *   clerk's paper book); 800 by bank transfer (the rest of the rent, 500
 *   credit, an electronic receipt); 100 of the credit refunded; a charge of
 *   200 settled from the credit, then cancelled (its allocation reversed);
 *   household 2: a repair of 300 paid in cash, the payment then reversed
 *   (allocation reversed, receipt voided), and an open charge of 70. */
static void
setup_book(struct ctx *c)
{
	struct book *b = &c->b;
	struct anju_err e;
	int64_t refund;

	ok(c->db, db_begin(c->db));
	b->hh1 = tm_household(c->db, c->community);
	b->hh2 = tm_household(c->db, c->community);
	b->paper = tm_book(c->db, "A2026", 1, 50, 0);
	ok(c->db, db_commit(c->db));
	sql(c, "UPDATE receipt_book SET clerk_account_id = ? WHERE id = ?", "ii", c->clerk,
	    b->paper);
	ledger_current_period(b->period);

	b->deposit = raise(c, b->hh1, CHARGE_DEPOSIT, 50000, "2026-01-01", NULL, 1);
	b->rent = raise(c, b->hh1, CHARGE_RENT, 100000, "2026-01-05", "2026-01", 1);
	b->cash = pay(c, b->hh1, 120000, CHANNEL_CASH, NULL);
	b->bank = pay(c, b->hh1, 80000, CHANNEL_BANK_TRANSFER, "BT-0001");
	ok(c->db, db_begin(c->db));
	ok(c->db, refund_pay(c->db, b->hh1, 10000, CHANNEL_CASH, "多缴退还", &who, &refund, &e));
	ok(c->db, db_commit(c->db));
	b->other = raise(c, b->hh1, CHARGE_OTHER, 20000, "2026-01-20", "2026-01", 0);
	ok(c->db, db_begin(c->db));
	ok(c->db, charge_cancel(c->db, b->other, "误收", &who, &e));
	ok(c->db, db_commit(c->db));

	b->repair = raise(c, b->hh2, CHARGE_REPAIR, 30000, "2026-01-10", NULL, 0);
	b->reversed = pay(c, b->hh2, 30000, CHANNEL_CASH, NULL);
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_reverse(c->db, b->reversed, "假币", &who, &e));
	ok(c->db, db_commit(c->db));
	b->open = raise(c, b->hh2, CHARGE_OTHER, 7000, "2026-02-01", "2026-02", 0);
}

static int
setup_with_book(void **state)
{
	int rc = setup(state);

	if (rc == 0)
		setup_book(*state);
	return rc;
}

static void
collect(void *ud, const struct ledger_failure *f)
{
	struct seen *s = ud;

	snprintf(s->last, sizeof(s->last), "%s", f->text);
	if (s->n == (int)(sizeof(s->f) / sizeof(s->f[0])))
		return;
	s->f[s->n].inv = f->invariant;
	snprintf(s->f[s->n].table, sizeof(s->f[s->n].table), "%s", f->table);
	s->f[s->n].id = f->id;
	snprintf(s->f[s->n].text, sizeof(s->f[s->n].text), "%s", f->text);
	s->n++;
}

static void
run_check(struct ctx *c, struct seen *s)
{
	struct anju_err e;

	memset(s, 0, sizeof(*s));
	s->rc = ledger_check(c->db, collect, s, &s->stats, NULL, NULL, &e);
	assert_false(db_in_tx(c->db));
}

static void
print_seen(const struct seen *s)
{
	for (int i = 0; i < s->n; i++)
		print_error("  [%s] %s %lld: %s\n", ledger_invariant_name(s->f[i].inv),
			    s->f[i].table, (long long)s->f[i].id, s->f[i].text);
}

/* The check passes. */
static void
sound(struct ctx *c)
{
	struct seen s;

	run_check(c, &s);
	if (s.rc != 0 || s.n != 0) {
		print_seen(&s);
		fail_msg("the check failed (rc %d, %lld failures)", s.rc,
			 (long long)s.stats.failures);
	}
}

/* The check fails and one failure names (inv, table, id) with text
 * containing want; *out (may be NULL) keeps the whole report. */
static void
fails(struct ctx *c, enum ledger_invariant inv, const char *table, int64_t id, const char *want,
      struct seen *out)
{
	struct seen s;

	run_check(c, &s);
	assert_int_equal(s.rc, ANJU_EUNPROCESSABLE);
	assert_true(s.stats.failures >= 1);
	for (int i = 0; i < s.n; i++)
		if (s.f[i].inv == inv && strcmp(s.f[i].table, table) == 0 && s.f[i].id == id &&
		    strstr(s.f[i].text, want) != NULL) {
			if (out != NULL)
				*out = s;
			return;
		}
	print_seen(&s);
	fail_msg("no [%s] failure of %s %lld saying \"%s\"", ledger_invariant_name(inv), table,
		 (long long)id, want);
}

/* Like fails(), and nothing else failed. */
static void
fails_only(struct ctx *c, enum ledger_invariant inv, const char *table, int64_t id,
	   const char *want)
{
	struct seen s;

	fails(c, inv, table, id, want, &s);
	if (s.stats.failures != 1) {
		print_seen(&s);
		fail_msg("%lld failures, expected only one", (long long)s.stats.failures);
	}
}

static int64_t
account_of(struct ctx *c, const char *code)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db, db_prepare(c->db, "SELECT id FROM ledger_account WHERE code = ?", &st));
	db_bind_cstr(st, 1, code);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* The journal an event posted for an object. */
static int64_t
journal_of(struct ctx *c, const char *event, int64_t object)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db, "SELECT MIN(id) FROM journal WHERE event = ? AND object_id = ?", &st));
	db_bind_cstr(st, 1, event);
	db_bind_int64(st, 2, object);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	assert_true(id > 0);
	return id;
}

static void
test_empty(void **state)
{
	struct ctx *c = *state;
	struct seen s;

	run_check(c, &s);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.stats.entries, 0);
	assert_int_equal(s.stats.journals, 0);
	assert_int_equal(s.stats.periods, 0);
	assert_int_equal(s.stats.payments, 0);
	assert_int_equal(s.stats.failures, 0);
}

static void
progress(void *ud, int64_t done, int64_t total, const char *note)
{
	int64_t *calls = ud;

	assert_true(done >= 0 && done <= total);
	assert_non_null(note);
	(*calls)++;
}

static void
test_sound_book(void **state)
{
	struct ctx *c = *state;
	struct ledger_check_stats st;
	struct anju_err e;
	int64_t calls = 0;

	sound(c);
	assert_int_equal(ledger_check(c->db, NULL, NULL, &st, progress, &calls, &e), 0);
	assert_true(calls >= 2);
	assert_int_equal(st.entries, tm_qint(c->db, "SELECT COUNT(*) FROM journal_entry", 0));
	assert_int_equal(st.journals, tm_qint(c->db, "SELECT COUNT(*) FROM journal", 0));
	assert_int_equal(st.periods,
			 tm_qint(c->db, "SELECT COUNT(DISTINCT period) FROM journal_entry", 0));
	assert_int_equal(st.charges, 5);
	assert_int_equal(st.payments, 3);
	assert_int_equal(st.receipts, 3);
	assert_true(st.allocations >= 8);
	/* The book has what the invariants are about. */
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM allocation WHERE reverses_id IS NOT NULL", 0),
		2);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM allocation WHERE refund_id IS NOT NULL", 0),
		1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM receipt WHERE state = 'voided'", 0),
			 1);
}

/* 1: every journal balances, has two entries or more, none of 0 fen, all
 * in its period; a journal without entries is named too. */
static void
test_journal(void **state)
{
	struct ctx *c = *state;
	int64_t j = journal_of(c, "charge", c->b.rent), e, id;
	char want[160];
	struct seen s;

	e = tm_qint(c->db, "SELECT MIN(id) FROM journal_entry WHERE journal_id = ?", j);
	sql(c, "UPDATE journal_entry SET amount_fen = amount_fen + 5 WHERE id = ?", "i", e);
	snprintf(want, sizeof(want), "journal %lld: entries sum to 5 fen, not 0", (long long)j);
	fails(c, LEDGER_INV_JOURNAL, "journal", j, want, NULL);
	sql(c, "UPDATE journal_entry SET amount_fen = amount_fen - 5 WHERE id = ?", "i", e);
	sound(c);

	/* An entry moved to another period is named, and its journal, which
	 * still sums to 0, is not said to be unbalanced. */
	sql(c, "UPDATE journal_entry SET period = '2020-01' WHERE id = ?", "i", e);
	snprintf(want, sizeof(want), "journal %lld: in period %s, but has entries in 2020-01",
		 (long long)j, c->b.period);
	fails(c, LEDGER_INV_JOURNAL, "journal", j, want, &s);
	for (int i = 0; i < s.n; i++)
		assert_false(s.f[i].inv == LEDGER_INV_JOURNAL && s.f[i].id == j &&
			     strstr(s.f[i].text, "sum") != NULL);
	sql(c, "UPDATE journal_entry SET period = ? WHERE id = ?", "si", c->b.period, e);
	sound(c);

	/* An entry of 0 fen (the balances do not move). */
	sql(c,
	    "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
	    " SELECT journal_id, account_id, period, 0 FROM journal_entry WHERE id = ?",
	    "i", e);
	snprintf(want, sizeof(want), "journal %lld: 1 entries of 0 fen", (long long)j);
	fails_only(c, LEDGER_INV_JOURNAL, "journal", j, want);
	sql(c, "DELETE FROM journal_entry WHERE amount_fen = 0", "");
	sound(c);

	/* A journal without entries, then with one. */
	ok(c->db, db_begin(c->db));
	id = tm_insert_id(c->db,
			  "INSERT INTO journal (period, event, object_type, object_id, memo,"
			  " posted_at, posted_by) VALUES ('2026-01', 'test', 'charge', 1, '',"
			  " '2026-01-01T00:00:00.000000Z', 'test') RETURNING id",
			  NULL);
	ok(c->db, db_commit(c->db));
	snprintf(want, sizeof(want), "journal %lld: no entries", (long long)id);
	fails_only(c, LEDGER_INV_JOURNAL, "journal", id, want);
	sql(c,
	    "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
	    " SELECT ?, account_id, '2026-01', 0 FROM journal_entry WHERE id = ?",
	    "ii", id, e);
	snprintf(want, sizeof(want), "journal %lld: 1 entry, a journal has at least two",
		 (long long)id);
	fails(c, LEDGER_INV_JOURNAL, "journal", id, want, NULL);
	sql(c, "DELETE FROM journal_entry WHERE journal_id = ?", "i", id);
	sql(c, "DELETE FROM journal WHERE id = ?", "i", id);
	sound(c);
}

/* 2: the stored balance of each (account, period) equals its entries, and
 * neither is there without the other. */
static void
test_balance(void **state)
{
	struct ctx *c = *state;
	int64_t rcv, cash, debit, credit;
	char code[48], want[200];
	struct db_stmt *st;

	snprintf(code, sizeof(code), "receivable:%lld", (long long)c->b.hh1);
	rcv = account_of(c, code);
	cash = account_of(c, "cash");
	debit = tm_qint(c->db, "SELECT debit_fen FROM ledger_balance WHERE account_id = ?", rcv);
	sql(c, "UPDATE ledger_balance SET debit_fen = debit_fen + 100 WHERE account_id = ?", "i",
	    rcv);
	snprintf(want, sizeof(want),
		 "balance of account %s (id %lld) in %s: stored debit %lld, entries %lld", code,
		 (long long)rcv, c->b.period, (long long)debit + 100, (long long)debit);
	fails(c, LEDGER_INV_BALANCE, "ledger_balance", rcv, want, NULL);
	sql(c, "UPDATE ledger_balance SET debit_fen = debit_fen - 100 WHERE account_id = ?", "i",
	    rcv);
	sound(c);

	ok(c->db,
	   db_prepare(c->db,
		      "SELECT debit_fen, credit_fen FROM ledger_balance WHERE account_id = ?",
		      &st));
	db_bind_int64(st, 1, cash);
	assert_int_equal(db_step(st), DB_ROW);
	debit = db_col_int64(st, 0);
	credit = db_col_int64(st, 1);
	db_reset(st);
	sql(c, "UPDATE ledger_balance SET credit_fen = credit_fen + 7 WHERE account_id = ?", "i",
	    cash);
	snprintf(want, sizeof(want),
		 "balance of account cash (id %lld) in %s: stored credit %lld, entries %lld",
		 (long long)cash, c->b.period, (long long)credit + 7, (long long)credit);
	fails_only(c, LEDGER_INV_BALANCE, "ledger_balance", cash, want);
	sql(c, "UPDATE ledger_balance SET credit_fen = credit_fen - 7 WHERE account_id = ?", "i",
	    cash);

	/* A balance deleted, then one without entries. */
	sql(c, "DELETE FROM ledger_balance WHERE account_id = ?", "i", cash);
	snprintf(want, sizeof(want),
		 "balance of account cash (id %lld) in %s: entries debit %lld, credit %lld, but no"
		 " stored balance",
		 (long long)cash, c->b.period, (long long)debit, (long long)credit);
	fails_only(c, LEDGER_INV_BALANCE, "ledger_balance", cash, want);
	sql(c,
	    "INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen)"
	    " VALUES (?, ?, ?, ?)",
	    "isii", cash, c->b.period, debit, credit);
	sound(c);
	sql(c,
	    "INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen)"
	    " VALUES (?, '2020-01', 5, 0)",
	    "i", cash);
	snprintf(want, sizeof(want),
		 "balance of account cash (id %lld) in 2020-01: stored debit 5, credit 0, but no"
		 " entries",
		 (long long)cash);
	fails_only(c, LEDGER_INV_BALANCE, "ledger_balance", cash, want);
	sql(c, "DELETE FROM ledger_balance WHERE period = '2020-01'", "");
	sound(c);
}

/* 3: a charge's paid amount is its allocations' sum (a cancelled one's is
 * 0), and its state follows from it. */
static void
test_charge(void **state)
{
	struct ctx *c = *state;
	char want[160];

	sql(c, "UPDATE charge SET paid_fen = paid_fen - 1 WHERE id = ?", "i", c->b.rent);
	snprintf(want, sizeof(want), "charge %lld: paid_fen 99999, its allocations sum to 100000",
		 (long long)c->b.rent);
	fails(c, LEDGER_INV_CHARGE, "charge", c->b.rent, want, NULL);
	sql(c, "UPDATE charge SET paid_fen = paid_fen + 1 WHERE id = ?", "i", c->b.rent);
	sound(c);

	sql(c, "UPDATE charge SET state = 'open' WHERE id = ?", "i", c->b.deposit);
	snprintf(want, sizeof(want),
		 "charge %lld: state open, but 50000 of 50000 fen paid (should be paid)",
		 (long long)c->b.deposit);
	fails_only(c, LEDGER_INV_CHARGE, "charge", c->b.deposit, want);

	sql(c, "UPDATE charge SET state = 'cancelled' WHERE id = ?", "i", c->b.deposit);
	snprintf(want, sizeof(want),
		 "charge %lld: cancelled, but its allocations sum to 50000 fen, not 0",
		 (long long)c->b.deposit);
	fails_only(c, LEDGER_INV_CHARGE, "charge", c->b.deposit, want);
	sql(c, "UPDATE charge SET state = 'paid' WHERE id = ?", "i", c->b.deposit);
	sound(c);
}

/* 4: a payment's allocated amount is its allocations' sum, within 0 .. its
 * amount; a reversed payment keeps nothing on charges. */
static void
test_payment(void **state)
{
	struct ctx *c = *state;
	char want[160];

	sql(c, "UPDATE payment SET allocated_fen = allocated_fen - 1 WHERE id = ?", "i", c->b.bank);
	snprintf(want, sizeof(want),
		 "payment %lld: allocated_fen 39999, its allocations sum to 40000",
		 (long long)c->b.bank);
	fails(c, LEDGER_INV_PAYMENT, "payment", c->b.bank, want, NULL);
	sql(c, "UPDATE payment SET allocated_fen = allocated_fen + 1 WHERE id = ?", "i", c->b.bank);
	sound(c);

	sql(c, "UPDATE payment SET amount_fen = 119999 WHERE id = ?", "i", c->b.cash);
	snprintf(want, sizeof(want),
		 "payment %lld: allocated_fen 120000 is outside 0 .. its amount 119999",
		 (long long)c->b.cash);
	fails(c, LEDGER_INV_PAYMENT, "payment", c->b.cash, want, NULL);
	sql(c, "UPDATE payment SET amount_fen = 120000 WHERE id = ?", "i", c->b.cash);
	sound(c);

	sql(c, "UPDATE payment SET state = 'reversed' WHERE id = ?", "i", c->b.cash);
	snprintf(want, sizeof(want),
		 "payment %lld: reversed, but its allocations to charges sum to 120000 fen, not 0",
		 (long long)c->b.cash);
	fails(c, LEDGER_INV_PAYMENT, "payment", c->b.cash, want, NULL);
	sql(c, "UPDATE payment SET state = 'posted' WHERE id = ?", "i", c->b.cash);
	sound(c);
}

/* 5: a household's credit account holds what its payments leave
 * unallocated, its receivable what its charges leave unpaid. */
static void
test_household(void **state)
{
	struct ctx *c = *state;
	char code[48], want[240];
	int64_t id;

	snprintf(code, sizeof(code), "credit:%lld", (long long)c->b.hh1);
	id = account_of(c, code);
	sql(c, "UPDATE payment SET amount_fen = amount_fen + 100 WHERE id = ?", "i", c->b.bank);
	snprintf(want, sizeof(want),
		 "household %lld: credit account %s (id %lld) balance -40000 fen, but its posted"
		 " payments leave 40100 fen unallocated (expected balance -40100)",
		 (long long)c->b.hh1, code, (long long)id);
	fails_only(c, LEDGER_INV_HOUSEHOLD, "ledger_account", id, want);
	sql(c, "UPDATE payment SET amount_fen = amount_fen - 100 WHERE id = ?", "i", c->b.bank);
	sound(c);

	snprintf(code, sizeof(code), "receivable:%lld", (long long)c->b.hh2);
	id = account_of(c, code);
	sql(c, "UPDATE charge SET amount_fen = amount_fen + 100 WHERE id = ?", "i", c->b.open);
	snprintf(want, sizeof(want),
		 "household %lld: receivable account %s (id %lld) balance 37000 fen, but its"
		 " charges leave 37100 fen unpaid",
		 (long long)c->b.hh2, code, (long long)id);
	fails_only(c, LEDGER_INV_HOUSEHOLD, "ledger_account", id, want);
	sql(c, "UPDATE charge SET amount_fen = amount_fen - 100 WHERE id = ?", "i", c->b.open);
	sound(c);
}

/* 6: the deposit liability equals the allocations to deposit charges. */
static void
test_deposit(void **state)
{
	struct ctx *c = *state;
	int64_t id = account_of(c, "deposit");
	char want[200];

	sql(c, "UPDATE charge SET kind = 'rent' WHERE id = ?", "i", c->b.deposit);
	snprintf(want, sizeof(want),
		 "deposit account deposit (id %lld): balance -50000 fen, but allocations to"
		 " deposit charges sum to 0 fen (expected balance 0)",
		 (long long)id);
	fails_only(c, LEDGER_INV_DEPOSIT, "ledger_account", id, want);
	sql(c, "UPDATE charge SET kind = 'deposit' WHERE id = ?", "i", c->b.deposit);
	sound(c);
}

/* 7: one receipt per payment, within its book, no book with a gap, voided
 * exactly when its payment is reversed. */
static void
test_receipt(void **state)
{
	struct ctx *c = *state;
	int64_t rid, book, number;
	char token[80], issued_at[40], issued_by[40], series[40], want[200];
	struct db_stmt *st;

	/* The bank payment's (electronic) receipt deleted, then put back. */
	ok(c->db, db_prepare(c->db,
			     "SELECT r.id, r.book_id, r.number, r.token, r.issued_at, r.issued_by,"
			     " b.series FROM receipt r JOIN receipt_book b ON b.id = r.book_id"
			     " WHERE r.payment_id = ?",
			     &st));
	db_bind_int64(st, 1, c->b.bank);
	assert_int_equal(db_step(st), DB_ROW);
	rid = db_col_int64(st, 0);
	book = db_col_int64(st, 1);
	number = db_col_int64(st, 2);
	snprintf(token, sizeof(token), "%s", db_col_text(st, 3));
	snprintf(issued_at, sizeof(issued_at), "%s", db_col_text(st, 4));
	snprintf(issued_by, sizeof(issued_by), "%s", db_col_text(st, 5));
	snprintf(series, sizeof(series), "%s", db_col_text(st, 6));
	db_reset(st);
	assert_int_equal(number, 1);
	sql(c, "DELETE FROM receipt WHERE id = ?", "i", rid);
	snprintf(want, sizeof(want), "payment %lld: no receipt", (long long)c->b.bank);
	fails(c, LEDGER_INV_RECEIPT, "payment", c->b.bank, want, NULL);
	snprintf(want, sizeof(want),
		 "receipt book %s (id %lld): numbers 1 .. 1 issued, but 0 receipts (1 missing,"
		 " the first 1)",
		 series, (long long)book);
	fails(c, LEDGER_INV_RECEIPT, "receipt_book", book, want, NULL);
	sql(c,
	    "INSERT INTO receipt (id, book_id, number, payment_id, token, state, issued_at,"
	    " issued_by) VALUES (?, ?, ?, ?, ?, 'issued', ?, ?)",
	    "iiiisss", rid, book, number, c->b.bank, token, issued_at, issued_by);
	sound(c);

	/* The cash payment's receipt (paper, number 1 of 1 .. 2 issued) given
	 * a number the book has not issued. */
	rid = tm_qint(c->db, "SELECT id FROM receipt WHERE payment_id = ?", c->b.cash);
	sql(c, "UPDATE receipt SET number = 11 WHERE id = ?", "i", rid);
	snprintf(want, sizeof(want),
		 "receipt %lld (payment %lld): number 11 is outside book A2026 (id %lld), which"
		 " has issued 1 .. 2",
		 (long long)rid, (long long)c->b.cash, (long long)c->b.paper);
	fails_only(c, LEDGER_INV_RECEIPT, "receipt", rid, want);
	sql(c, "UPDATE receipt SET number = 1 WHERE id = ?", "i", rid);
	sound(c);

	/* A number taken without a receipt: a gap. */
	sql(c, "UPDATE receipt_book SET next_no = next_no + 1 WHERE id = ?", "i", c->b.paper);
	snprintf(want, sizeof(want),
		 "receipt book A2026 (id %lld): numbers 1 .. 3 issued, but 2 receipts (1 missing,"
		 " the first 3)",
		 (long long)c->b.paper);
	fails_only(c, LEDGER_INV_RECEIPT, "receipt_book", c->b.paper, want);
	sql(c, "UPDATE receipt_book SET next_no = next_no - 1 WHERE id = ?", "i", c->b.paper);
	sound(c);

	/* The reversed payment's receipt not voided; a posted one's voided. */
	rid = tm_qint(c->db, "SELECT id FROM receipt WHERE payment_id = ?", c->b.reversed);
	sql(c, "UPDATE receipt SET state = 'issued' WHERE id = ?", "i", rid);
	snprintf(want, sizeof(want),
		 "receipt %lld: payment %lld is reversed, but its receipt is issued, not voided",
		 (long long)rid, (long long)c->b.reversed);
	fails_only(c, LEDGER_INV_RECEIPT, "receipt", rid, want);
	sql(c, "UPDATE receipt SET state = 'voided' WHERE id = ?", "i", rid);
	rid = tm_qint(c->db, "SELECT id FROM receipt WHERE payment_id = ?", c->b.cash);
	sql(c, "UPDATE receipt SET state = 'voided' WHERE id = ?", "i", rid);
	snprintf(want, sizeof(want), "receipt %lld: voided, but its payment %lld is posted",
		 (long long)rid, (long long)c->b.cash);
	fails_only(c, LEDGER_INV_RECEIPT, "receipt", rid, want);
	sql(c, "UPDATE receipt SET state = 'issued' WHERE id = ?", "i", rid);
	sound(c);
}

/* 8: allocations never change: a reversal undoes one row exactly, once. */
static void
test_allocation(void **state)
{
	struct ctx *c = *state;
	int64_t rev, orig, dep, dup;
	char want[160];

	rev = tm_qint(c->db,
		      "SELECT id FROM allocation WHERE charge_id = ? AND reverses_id IS NOT NULL",
		      c->b.other);
	orig = tm_qint(c->db, "SELECT reverses_id FROM allocation WHERE id = ?", rev);
	dep = tm_qint(c->db, "SELECT id FROM allocation WHERE charge_id = ?", c->b.deposit);

	sql(c, "UPDATE allocation SET amount_fen = amount_fen + 1 WHERE id = ?", "i", rev);
	snprintf(want, sizeof(want),
		 "allocation %lld: -19999 fen, but it reverses allocation %lld of 20000 fen",
		 (long long)rev, (long long)orig);
	fails(c, LEDGER_INV_ALLOCATION, "allocation", rev, want, NULL);
	sql(c, "UPDATE allocation SET amount_fen = amount_fen - 1 WHERE id = ?", "i", rev);
	sound(c);

	/* The same row reversed a second time. */
	ok(c->db, db_begin(c->db));
	{
		struct db_stmt *st;

		ok(c->db,
		   db_prepare(c->db,
			      "INSERT INTO allocation (payment_id, charge_id, refund_id,"
			      " amount_fen, policy, reverses_id, journal_id, created_at)"
			      " SELECT payment_id, charge_id, refund_id, amount_fen, policy,"
			      " reverses_id, journal_id, created_at FROM allocation WHERE id = ?"
			      " RETURNING id",
			      &st));
		db_bind_int64(st, 1, rev);
		assert_int_equal(db_step(st), DB_ROW);
		dup = db_col_int64(st, 0);
		db_reset(st);
	}
	ok(c->db, db_commit(c->db));
	snprintf(want, sizeof(want), "allocation %lld: reversed 2 times", (long long)orig);
	fails(c, LEDGER_INV_ALLOCATION, "allocation", orig, want, NULL);
	sql(c, "DELETE FROM allocation WHERE id = ?", "i", dup);
	sound(c);

	/* A reversal pointing at a row of another charge. */
	sql(c, "UPDATE allocation SET charge_id = ? WHERE id = ?", "ii", c->b.rent, rev);
	snprintf(want, sizeof(want),
		 "allocation %lld: reverses allocation %lld of another payment, charge or refund",
		 (long long)rev, (long long)orig);
	fails(c, LEDGER_INV_ALLOCATION, "allocation", rev, want, NULL);
	sql(c, "UPDATE allocation SET charge_id = ? WHERE id = ?", "ii", c->b.other, rev);
	sound(c);

	/* A row that settles nothing; one of a negative amount reversing
	 * nothing. */
	sql(c, "UPDATE allocation SET charge_id = NULL WHERE id = ?", "i", dep);
	snprintf(want, sizeof(want), "allocation %lld: settles neither a charge nor a refund",
		 (long long)dep);
	fails(c, LEDGER_INV_ALLOCATION, "allocation", dep, want, NULL);
	sql(c, "UPDATE allocation SET charge_id = ? WHERE id = ?", "ii", c->b.deposit, dep);
	sql(c, "UPDATE allocation SET amount_fen = -amount_fen WHERE id = ?", "i", dep);
	snprintf(want, sizeof(want), "allocation %lld: -50000 fen, but it reverses no row",
		 (long long)dep);
	fails(c, LEDGER_INV_ALLOCATION, "allocation", dep, want, NULL);
	sql(c, "UPDATE allocation SET amount_fen = -amount_fen WHERE id = ?", "i", dep);
	sound(c);
}

/* Past LEDGER_CHECK_MAX_REPORTS failures of one kind, the rest are counted
 * and summed up in one line. */
static void
test_report_cap(void **state)
{
	struct ctx *c = *state;
	int64_t n = LEDGER_CHECK_MAX_REPORTS + 5;
	struct seen s;
	char want[120];

	ok(c->db, db_begin(c->db));
	for (int64_t i = 0; i < n; i++)
		assert_int_equal(
			run_int(c->db,
				"INSERT INTO journal (period, event, object_type, object_id,"
				" memo, posted_at, posted_by) VALUES ('2026-01', 'test',"
				" 'charge', ?, '', '2026-01-01T00:00:00.000000Z', 'test')",
				i + 1),
			DB_DONE);
	ok(c->db, db_commit(c->db));
	run_check(c, &s);
	assert_int_equal(s.rc, ANJU_EUNPROCESSABLE);
	assert_int_equal(s.stats.failures, n);
	assert_int_equal(s.stats.by_invariant[LEDGER_INV_JOURNAL], n);
	snprintf(want, sizeof(want), "5 more failures of invariant 1 (journal) not shown");
	assert_string_equal(s.last, want);
	sql(c, "DELETE FROM journal WHERE event = 'test'", "");
	sound(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sound_book, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_balance, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_charge, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_payment, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_household, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_deposit, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_receipt, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_allocation, setup_with_book, teardown),
		cmocka_unit_test_setup_teardown(test_report_cap, setup_with_book, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
