/*
 * The ledger check.  See check.h.
 *
 * Every pass is one or two statements that aggregate whole tables and
 * return only the rows that break an invariant, so the work is a few scans
 * whatever the size of the book, and the rows read back are the failures.
 * A failure's text names the row a person has to look at, with the two
 * figures that disagree.
 */
#include "money/check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"

static const char *const invariant_names[LEDGER_INV_COUNT] = {
	[LEDGER_INV_JOURNAL] = "journal",     [LEDGER_INV_BALANCE] = "balance",
	[LEDGER_INV_CHARGE] = "charge",       [LEDGER_INV_PAYMENT] = "payment",
	[LEDGER_INV_HOUSEHOLD] = "household", [LEDGER_INV_DEPOSIT] = "deposit",
	[LEDGER_INV_RECEIPT] = "receipt",     [LEDGER_INV_ALLOCATION] = "allocation",
};

const char *
ledger_invariant_name(enum ledger_invariant inv)
{
	return (unsigned)inv < LEDGER_INV_COUNT ? invariant_names[inv] : "unknown";
}

struct journal_acc;

struct check {
	struct db *db;
	ledger_check_fn report;
	void *ud;
	struct ledger_check_stats *stats;
	struct anju_err *e;
	struct journal_acc *journal; /* pass 1's journal being gathered */
};

static void fail(struct check *k, enum ledger_invariant inv, const char *table, int64_t id,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Counts a failure and reports it while its invariant is under the cap. */
static void
fail(struct check *k, enum ledger_invariant inv, const char *table, int64_t id, const char *fmt,
     ...)
{
	struct ledger_failure f = { inv, table, id, NULL };
	char text[512];
	va_list ap;

	k->stats->failures++;
	if (++k->stats->by_invariant[inv] > LEDGER_CHECK_MAX_REPORTS || k->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f.text = text;
	k->report(k->ud, &f);
}

static long long
ll(int64_t v)
{
	return (long long)v;
}

/* Runs sql (no parameters) and hands each row to fn. */
static int
each_row(struct check *k, const char *sql, void (*fn)(struct check *k, struct db_stmt *st))
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(k->db, sql, &st)) != 0)
		return db_fail(k->db, rc, k->e);
	while ((rc = db_step(st)) == DB_ROW)
		fn(k, st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(k->db, rc, k->e);
}

/* An account's code for a failure's text ("receivable:12"), or "?". */
static void
account_code(struct check *k, int64_t id, char *out, size_t n)
{
	struct db_stmt *st;

	snprintf(out, n, "?");
	if (db_prepare(k->db, "SELECT code FROM ledger_account WHERE id = ?", &st) != 0)
		return;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(out, n, "%s", db_col_text(st, 0));
	db_reset(st);
}

/* ---- the size of the book, for the summary ---- */

static int
pass_counts(struct check *k)
{
	struct ledger_check_stats *s = k->stats;
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		k->db,
		"SELECT (SELECT COUNT(*) FROM journal_entry), (SELECT COUNT(*) FROM journal),"
		" (SELECT COUNT(*) FROM ledger_account), (SELECT COUNT(*) FROM charge),"
		" (SELECT COUNT(*) FROM payment), (SELECT COUNT(*) FROM allocation),"
		" (SELECT COUNT(*) FROM receipt), (SELECT COUNT(*) FROM receipt_book),"
		" (SELECT COUNT(*) FROM (SELECT DISTINCT period FROM ledger_balance) p)",
		&st);
	if (rc != 0)
		return db_fail(k->db, rc, k->e);
	rc = db_step(st);
	if (rc == DB_ROW) {
		s->entries = db_col_int64(st, 0);
		s->journals = db_col_int64(st, 1);
		s->accounts = db_col_int64(st, 2);
		s->charges = db_col_int64(st, 3);
		s->payments = db_col_int64(st, 4);
		s->allocations = db_col_int64(st, 5);
		s->receipts = db_col_int64(st, 6);
		s->books = db_col_int64(st, 7);
		s->periods = db_col_int64(st, 8);
	}
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(k->db, rc, k->e);
}

/* ---- 1. journals ---- */

/* The failing (journal, period) groups of one journal, gathered before it
 * is judged: an entry moved to another period splits its journal in two
 * groups, and only their sum says whether the journal balances. */
struct journal_acc {
	int64_t id;
	char period[16], other[16]; /* the journal's; the first other period */
	bool own;                   /* a group in the journal's own period came */
	int64_t n, total;           /* over the groups that came */
	int others;                 /* groups in other periods */
};

static void
journal_judge(struct check *k, struct journal_acc *a)
{
	if (a->id == 0)
		return;
	if (a->others > 0)
		fail(k, LEDGER_INV_JOURNAL, "journal", a->id,
		     "journal %lld: in period %s, but has entries in %s%s", ll(a->id), a->period,
		     a->other, a->others > 1 ? " and other periods" : "");
	/* A group of the own period that did not come is sound (two entries or
	 * more, summing to 0); one of another period always comes. */
	if (a->own && a->n < 2)
		fail(k, LEDGER_INV_JOURNAL, "journal", a->id,
		     "journal %lld: %lld entry, a journal has at least two", ll(a->id), ll(a->n));
	if (a->total != 0)
		fail(k, LEDGER_INV_JOURNAL, "journal", a->id,
		     "journal %lld: entries sum to %lld fen, not 0", ll(a->id), ll(a->total));
	memset(a, 0, sizeof(*a));
}

static void
journal_group(struct check *k, struct db_stmt *st)
{
	struct journal_acc *a = k->journal;
	int64_t id = db_col_int64(st, 0);
	const char *period = db_col_text(st, 1), *group = db_col_text(st, 2);

	if (id != a->id) {
		journal_judge(k, a);
		a->id = id;
		snprintf(a->period, sizeof(a->period), "%s", period);
	}
	if (strcmp(group, period) == 0)
		a->own = true;
	else if (a->others++ == 0)
		snprintf(a->other, sizeof(a->other), "%s", group);
	a->n += db_col_int64(st, 3);
	a->total += db_col_int64(st, 4);
}

static void
journal_empty(struct check *k, struct db_stmt *st)
{
	fail(k, LEDGER_INV_JOURNAL, "journal", db_col_int64(st, 0), "journal %lld: no entries",
	     ll(db_col_int64(st, 0)));
}

static void
journal_zeros(struct check *k, struct db_stmt *st)
{
	fail(k, LEDGER_INV_JOURNAL, "journal", db_col_int64(st, 0),
	     "journal %lld: %lld entries of 0 fen", ll(db_col_int64(st, 0)),
	     ll(db_col_int64(st, 1)));
}

static int
pass_journals(struct check *k)
{
	struct journal_acc acc = { 0 };
	int rc;

	/* The entries grouped by journal and period in one scan of the index
	 * journal_entry_journal (sql/013), each group's journal by its key. */
	k->journal = &acc;
	rc = each_row(
		k,
		"SELECT s.journal_id, j.period, s.period, s.n, s.total FROM (SELECT journal_id,"
		" period, COUNT(*) AS n, SUM(amount_fen) AS total FROM journal_entry"
		" GROUP BY journal_id, period) s JOIN journal j ON j.id = s.journal_id"
		" WHERE s.n < 2 OR s.total <> 0 OR s.period <> j.period"
		" ORDER BY s.journal_id, s.period",
		journal_group);
	journal_judge(k, &acc);
	k->journal = NULL;
	if (rc != 0)
		return rc;
	/* Entries of 0 fen: none are indexed (journal_entry_zero, sql/013). */
	rc = each_row(k,
		      "SELECT journal_id, COUNT(*) FROM journal_entry WHERE amount_fen = 0"
		      " GROUP BY journal_id ORDER BY journal_id",
		      journal_zeros);
	if (rc != 0)
		return rc;
	return each_row(k,
			"SELECT j.id FROM journal j WHERE NOT EXISTS"
			" (SELECT 1 FROM journal_entry e WHERE e.journal_id = j.id) ORDER BY j.id",
			journal_empty);
}

/* ---- 2. stored balances ---- */

static void
balance_row(struct check *k, struct db_stmt *st)
{
	int64_t account = db_col_int64(st, 0);
	const char *period = db_col_text(st, 1);
	bool stored = !db_col_null(st, 2), entries = !db_col_null(st, 4);
	char code[64];

	account_code(k, account, code, sizeof(code));
	if (!stored) {
		fail(k, LEDGER_INV_BALANCE, "ledger_balance", account,
		     "balance of account %s (id %lld) in %s: entries debit %lld, credit %lld,"
		     " but no stored balance",
		     code, ll(account), period, ll(db_col_int64(st, 4)), ll(db_col_int64(st, 5)));
		return;
	}
	if (!entries) {
		fail(k, LEDGER_INV_BALANCE, "ledger_balance", account,
		     "balance of account %s (id %lld) in %s: stored debit %lld, credit %lld,"
		     " but no entries",
		     code, ll(account), period, ll(db_col_int64(st, 2)), ll(db_col_int64(st, 3)));
		return;
	}
	if (db_col_int64(st, 2) != db_col_int64(st, 4))
		fail(k, LEDGER_INV_BALANCE, "ledger_balance", account,
		     "balance of account %s (id %lld) in %s: stored debit %lld, entries %lld", code,
		     ll(account), period, ll(db_col_int64(st, 2)), ll(db_col_int64(st, 4)));
	if (db_col_int64(st, 3) != db_col_int64(st, 5))
		fail(k, LEDGER_INV_BALANCE, "ledger_balance", account,
		     "balance of account %s (id %lld) in %s: stored credit %lld, entries %lld",
		     code, ll(account), period, ll(db_col_int64(st, 3)), ll(db_col_int64(st, 5)));
}

static int
pass_balances(struct check *k)
{
	/* The entries by (account, period) in one scan of the index
	 * journal_entry_account (sql/013): their net sum and their debits (the
	 * credits are the difference), beside the stored row, either side
	 * possibly missing. */
	return each_row(
		k,
		"SELECT COALESCE(s.account_id, b.account_id), COALESCE(s.period, b.period),"
		" b.debit_fen, b.credit_fen, s.debit, s.debit - s.net"
		" FROM (SELECT account_id, period, SUM(amount_fen) AS net,"
		" COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen END), 0) AS debit"
		" FROM journal_entry GROUP BY account_id, period) s"
		" FULL JOIN ledger_balance b ON b.account_id = s.account_id AND b.period = s.period"
		" WHERE s.account_id IS NULL OR b.account_id IS NULL OR b.debit_fen <> s.debit"
		" OR b.credit_fen <> s.debit - s.net ORDER BY 1, 2",
		balance_row);
}

/* ---- 3. charges ---- */

static void
charge_row(struct check *k, struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0), amount = db_col_int64(st, 1), paid = db_col_int64(st, 2),
		sum = db_col_int64(st, 4);
	const char *state = db_col_text(st, 3);
	/* Off the books: cancelled, or a deposit released at move-out. */
	bool cancelled = strcmp(state, "cancelled") == 0 || strcmp(state, "released") == 0;
	const char *want = paid >= amount ? "paid" : "open";

	if (paid != sum)
		fail(k, LEDGER_INV_CHARGE, "charge", id,
		     "charge %lld: paid_fen %lld, its allocations sum to %lld", ll(id), ll(paid),
		     ll(sum));
	if (cancelled && sum != 0)
		fail(k, LEDGER_INV_CHARGE, "charge", id,
		     "charge %lld: %s, but its allocations sum to %lld fen, not 0", ll(id), state,
		     ll(sum));
	if (!cancelled && strcmp(state, want) != 0)
		fail(k, LEDGER_INV_CHARGE, "charge", id,
		     "charge %lld: state %s, but %lld of %lld fen paid (should be %s)", ll(id),
		     state, ll(paid), ll(amount), want);
}

static int
pass_charges(struct check *k)
{
	/* Each charge with the sum of its allocations, read from the index
	 * allocation_charge alone (sql/013). */
	return each_row(
		k,
		"SELECT id, amount_fen, paid_fen, state, total FROM (SELECT c.id, c.amount_fen,"
		" c.paid_fen, c.state, (SELECT COALESCE(SUM(a.amount_fen), 0) FROM allocation a"
		" WHERE a.charge_id = c.id) AS total FROM charge c) x"
		" WHERE paid_fen <> total OR (state IN ('cancelled', 'released') AND total <> 0)"
		" OR (state NOT IN ('cancelled', 'released') AND state <> CASE WHEN paid_fen >= "
		"amount_fen"
		" THEN 'paid' ELSE 'open' END) ORDER BY id",
		charge_row);
}

/* ---- 4. payments ---- */

static void
payment_row(struct check *k, struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0), amount = db_col_int64(st, 1),
		allocated = db_col_int64(st, 2), sum = db_col_int64(st, 4),
		to_charges = db_col_int64(st, 5);
	const char *state = db_col_text(st, 3);

	if (allocated != sum)
		fail(k, LEDGER_INV_PAYMENT, "payment", id,
		     "payment %lld: allocated_fen %lld, its allocations sum to %lld", ll(id),
		     ll(allocated), ll(sum));
	if (allocated < 0 || allocated > amount)
		fail(k, LEDGER_INV_PAYMENT, "payment", id,
		     "payment %lld: allocated_fen %lld is outside 0 .. its amount %lld", ll(id),
		     ll(allocated), ll(amount));
	if (strcmp(state, "posted") != 0 && strcmp(state, "reversed") != 0)
		fail(k, LEDGER_INV_PAYMENT, "payment", id, "payment %lld: unknown state \"%s\"",
		     ll(id), state);
	if (strcmp(state, "reversed") == 0 && to_charges != 0)
		fail(k, LEDGER_INV_PAYMENT, "payment", id,
		     "payment %lld: reversed, but its allocations to charges sum to %lld fen,"
		     " not 0",
		     ll(id), ll(to_charges));
}

static int
pass_payments(struct check *k)
{
	/* Each payment with the sum of its allocations (index
	 * allocation_payment alone, sql/013); a reversed one's to charges. */
	return each_row(
		k,
		"SELECT id, amount_fen, allocated_fen, state, total, to_charges FROM (SELECT p.id,"
		" p.amount_fen, p.allocated_fen, p.state, (SELECT COALESCE(SUM(a.amount_fen), 0)"
		" FROM allocation a WHERE a.payment_id = p.id) AS total,"
		" CASE WHEN p.state = 'reversed' THEN (SELECT COALESCE(SUM(a.amount_fen), 0)"
		" FROM allocation a WHERE a.payment_id = p.id AND a.charge_id IS NOT NULL)"
		" ELSE 0 END AS to_charges FROM payment p) x"
		" WHERE allocated_fen <> total OR allocated_fen < 0 OR allocated_fen > amount_fen"
		" OR state NOT IN ('posted', 'reversed') OR to_charges <> 0 ORDER BY id",
		payment_row);
}

/* ---- 5. households' credit and receivable accounts ---- */

static void
household_row(struct check *k, struct db_stmt *st)
{
	int64_t household = db_col_int64(st, 0), account = db_col_int64(st, 2),
		balance = db_col_int64(st, 3), want = db_col_int64(st, 4);
	bool credit = strcmp(db_col_text(st, 1), "credit") == 0;
	char code[64];

	if (account > 0)
		account_code(k, account, code, sizeof(code));
	else
		snprintf(code, sizeof(code), "%s:%lld (missing)", db_col_text(st, 1),
			 ll(household));
	if (credit)
		fail(k, LEDGER_INV_HOUSEHOLD, "ledger_account", account,
		     "household %lld: credit account %s (id %lld) balance %lld fen, but its posted"
		     " payments leave %lld fen unallocated (expected balance %lld)",
		     ll(household), code, ll(account), ll(balance), ll(-want), ll(want));
	else
		fail(k, LEDGER_INV_HOUSEHOLD, "ledger_account", account,
		     "household %lld: receivable account %s (id %lld) balance %lld fen, but its"
		     " charges leave %lld fen unpaid",
		     ll(household), code, ll(account), ll(balance), ll(want));
}

static int
pass_households(struct check *k)
{
	/* Each side grouped by household first (the stored balances, proved
	 * equal to the entries by pass 2; the charges; the payments), then
	 * the three small results by (household, kind). */
	return each_row(
		k,
		"SELECT h, kind, MAX(account_id), SUM(balance), SUM(expected) FROM ("
		" SELECT a.household_id AS h, a.kind AS kind, a.id AS account_id,"
		" SUM(b.debit_fen - b.credit_fen) AS balance, 0 AS expected"
		" FROM ledger_account a JOIN ledger_balance b ON b.account_id = a.id"
		" WHERE a.kind IN ('credit', 'receivable') GROUP BY a.id"
		" UNION ALL SELECT household_id, 'receivable', 0, 0, SUM(amount_fen - paid_fen)"
		" FROM charge WHERE state NOT IN ('cancelled', 'released') GROUP BY household_id"
		" UNION ALL SELECT household_id, 'credit', 0, 0, SUM(allocated_fen - amount_fen)"
		" FROM payment WHERE state = 'posted' GROUP BY household_id) x"
		" GROUP BY h, kind HAVING SUM(balance) <> SUM(expected) ORDER BY h, kind",
		household_row);
}

/* ---- 6. deposits ---- */

static void
deposit_row(struct check *k, struct db_stmt *st)
{
	int64_t account = db_col_int64(st, 0), balance = db_col_int64(st, 1),
		allocated = db_col_int64(st, 2);

	if (balance != -allocated)
		fail(k, LEDGER_INV_DEPOSIT, "ledger_account", account,
		     "deposit account deposit (id %lld): balance %lld fen, but allocations to"
		     " deposit charges sum to %lld fen (expected balance %lld)",
		     ll(account), ll(balance), ll(allocated), ll(-allocated));
}

static int
pass_deposits(struct check *k)
{
	return each_row(
		k,
		"SELECT (SELECT MAX(id) FROM ledger_account WHERE kind = 'deposit'),"
		" (SELECT COALESCE(SUM(b.debit_fen - b.credit_fen), 0) FROM ledger_balance b"
		" JOIN ledger_account a ON a.id = b.account_id WHERE a.kind = 'deposit'),"
		" (SELECT COALESCE(SUM(al.amount_fen), 0) FROM charge c"
		" JOIN allocation al ON al.charge_id = c.id WHERE c.kind = 'deposit')",
		deposit_row);
}

/* ---- 7. receipts ---- */

static void
receipt_row(struct check *k, struct db_stmt *st)
{
	int64_t payment = db_col_int64(st, 0), id = db_col_int64(st, 2), number, first, next;
	const char *pstate = db_col_text(st, 1), *rstate, *series;

	if (db_col_null(st, 2)) {
		fail(k, LEDGER_INV_RECEIPT, "payment", payment, "payment %lld: no receipt",
		     ll(payment));
		return;
	}
	number = db_col_int64(st, 3);
	rstate = db_col_text(st, 4);
	series = db_col_text(st, 6);
	first = db_col_int64(st, 7);
	next = db_col_int64(st, 9);
	if (number < first || number >= next ||
	    (!db_col_null(st, 8) && number > db_col_int64(st, 8)))
		fail(k, LEDGER_INV_RECEIPT, "receipt", id,
		     "receipt %lld (payment %lld): number %lld is outside book %s (id %lld), which"
		     " has issued %lld .. %lld",
		     ll(id), ll(payment), ll(number), series, ll(db_col_int64(st, 5)), ll(first),
		     ll(next - 1));
	if (strcmp(pstate, "reversed") == 0 && strcmp(rstate, "voided") != 0)
		fail(k, LEDGER_INV_RECEIPT, "receipt", id,
		     "receipt %lld: payment %lld is reversed, but its receipt is %s, not voided",
		     ll(id), ll(payment), rstate);
	if (strcmp(pstate, "reversed") != 0 && strcmp(rstate, "voided") == 0)
		fail(k, LEDGER_INV_RECEIPT, "receipt", id,
		     "receipt %lld: voided, but its payment %lld is %s, not reversed", ll(id),
		     ll(payment), pstate);
}

/* The first number of a book below next_no that no receipt has. */
static int64_t
first_missing(struct check *k, int64_t book, int64_t first, int64_t next)
{
	struct db_stmt *st;
	int64_t n = first;

	if (db_prepare(k->db,
		       "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM receipt WHERE book_id = ?"
		       " AND number = ?) THEN CAST(? AS BIGINT)"
		       " ELSE (SELECT MIN(r.number + 1) FROM receipt r WHERE r.book_id = ? AND "
		       "r.number >= ? AND r.number + 1 < ? AND NOT EXISTS"
		       " (SELECT 1 FROM receipt o WHERE o.book_id = r.book_id"
		       " AND o.number = r.number + 1)) END",
		       &st) != 0)
		return 0;
	db_bind_int64(st, 1, book);
	db_bind_int64(st, 2, first);
	db_bind_int64(st, 3, first);
	db_bind_int64(st, 4, book);
	db_bind_int64(st, 5, first);
	db_bind_int64(st, 6, next);
	if (db_step(st) == DB_ROW)
		n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static void
book_row(struct check *k, struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0), first = db_col_int64(st, 2), next = db_col_int64(st, 3),
		used = db_col_int64(st, 4);

	if (used < next - first)
		fail(k, LEDGER_INV_RECEIPT, "receipt_book", id,
		     "receipt book %s (id %lld): numbers %lld .. %lld issued, but %lld receipts"
		     " (%lld missing, the first %lld)",
		     db_col_text(st, 1), ll(id), ll(first), ll(next - 1), ll(used),
		     ll(next - first - used), ll(first_missing(k, id, first, next)));
	else
		fail(k, LEDGER_INV_RECEIPT, "receipt_book", id,
		     "receipt book %s (id %lld): numbers %lld .. %lld issued, but %lld receipts",
		     db_col_text(st, 1), ll(id), ll(first), ll(next - 1), ll(used));
}

static int
pass_receipts(struct check *k)
{
	int rc;

	/* Each payment with its receipt and book: none, a number out of the
	 * book, a voided state that does not match the payment's. */
	rc = each_row(
		k,
		"SELECT p.id, p.state, r.id, r.number, r.state, b.id, b.series, b.first_no,"
		" b.last_no, b.next_no FROM payment p LEFT JOIN receipt r ON r.payment_id = p.id"
		" LEFT JOIN receipt_book b ON b.id = r.book_id WHERE r.id IS NULL"
		" OR r.number < b.first_no OR r.number >= b.next_no"
		" OR (b.last_no IS NOT NULL AND r.number > b.last_no)"
		" OR (p.state = 'reversed' AND r.state <> 'voided')"
		" OR (p.state <> 'reversed' AND r.state = 'voided') ORDER BY p.id",
		receipt_row);
	if (rc != 0)
		return rc;
	/* Numbers are unique in a book: once each lies in first_no ..
	 * next_no - 1, as many receipts as numbers means no gap. */
	return each_row(k,
			"SELECT b.id, b.series, b.first_no, b.next_no, COALESCE(n.used, 0)"
			" FROM receipt_book b LEFT JOIN (SELECT book_id, COUNT(*) AS used"
			" FROM receipt GROUP BY book_id) n ON n.book_id = b.id"
			" WHERE COALESCE(n.used, 0) <> b.next_no - b.first_no ORDER BY b.id",
			book_row);
}

/* ---- 8. allocation reversals ---- */

static void
allocation_row(struct check *k, struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0), amount = db_col_int64(st, 1), of = db_col_int64(st, 5);
	bool charge = !db_col_null(st, 3), refund = !db_col_null(st, 4);

	if (charge == refund)
		fail(k, LEDGER_INV_ALLOCATION, "allocation", id, "allocation %lld: settles %s",
		     ll(id),
		     charge ? "both a charge and a refund" : "neither a charge nor a refund");
	if (db_col_null(st, 5)) {
		if (amount <= 0)
			fail(k, LEDGER_INV_ALLOCATION, "allocation", id,
			     "allocation %lld: %lld fen, but it reverses no row", ll(id),
			     ll(amount));
		return;
	}
	if (db_col_null(st, 6)) {
		fail(k, LEDGER_INV_ALLOCATION, "allocation", id,
		     "allocation %lld: reverses allocation %lld, which does not exist", ll(id),
		     ll(of));
		return;
	}
	if (amount != -db_col_int64(st, 7))
		fail(k, LEDGER_INV_ALLOCATION, "allocation", id,
		     "allocation %lld: %lld fen, but it reverses allocation %lld of %lld fen",
		     ll(id), ll(amount), ll(of), ll(db_col_int64(st, 7)));
	if (db_col_int64(st, 2) != db_col_int64(st, 8) ||
	    db_col_int64(st, 3) != db_col_int64(st, 9) ||
	    db_col_null(st, 3) != db_col_null(st, 9) ||
	    db_col_int64(st, 4) != db_col_int64(st, 10) ||
	    db_col_null(st, 4) != db_col_null(st, 10))
		fail(k, LEDGER_INV_ALLOCATION, "allocation", id,
		     "allocation %lld: reverses allocation %lld of another payment, charge"
		     " or refund",
		     ll(id), ll(of));
	if (!db_col_null(st, 11))
		fail(k, LEDGER_INV_ALLOCATION, "allocation", id,
		     "allocation %lld: reverses allocation %lld, itself a reversal", ll(id),
		     ll(of));
}

static void
reversed_twice_row(struct check *k, struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0);

	fail(k, LEDGER_INV_ALLOCATION, "allocation", id, "allocation %lld: reversed %lld times",
	     ll(id), ll(db_col_int64(st, 1)));
}

static int
pass_allocations(struct check *k)
{
	int rc = each_row(
		k,
		"SELECT a.id, a.amount_fen, a.payment_id, a.charge_id, a.refund_id, a.reverses_id,"
		" o.id, o.amount_fen, o.payment_id, o.charge_id, o.refund_id, o.reverses_id"
		" FROM allocation a LEFT JOIN allocation o ON o.id = a.reverses_id"
		" WHERE (a.charge_id IS NULL) = (a.refund_id IS NULL)"
		" OR (a.reverses_id IS NULL AND a.amount_fen <= 0)"
		" OR (a.reverses_id IS NOT NULL AND (o.id IS NULL OR a.amount_fen <> -o.amount_fen"
		" OR a.payment_id <> o.payment_id OR a.charge_id IS DISTINCT FROM o.charge_id"
		" OR a.refund_id IS DISTINCT FROM o.refund_id OR o.reverses_id IS NOT NULL))"
		" ORDER BY a.id",
		allocation_row);

	if (rc != 0)
		return rc;
	return each_row(k,
			"SELECT reverses_id, COUNT(*) FROM allocation WHERE reverses_id IS NOT NULL"
			" GROUP BY reverses_id HAVING COUNT(*) > 1 ORDER BY reverses_id",
			reversed_twice_row);
}

static const struct {
	const char *name;
	int (*run)(struct check *k);
} passes[] = {
	{ "counting", pass_counts },         { "journals", pass_journals },
	{ "balances", pass_balances },       { "charges", pass_charges },
	{ "payments", pass_payments },       { "household accounts", pass_households },
	{ "deposits", pass_deposits },       { "receipts", pass_receipts },
	{ "allocations", pass_allocations },
};

#define NPASSES ((int)(sizeof(passes) / sizeof(passes[0])))

int
ledger_check(struct db *db, ledger_check_fn report, void *ud, struct ledger_check_stats *stats,
	     ledger_progress_fn progress, void *progress_ud, struct anju_err *e)
{
	struct check k = { db, report, ud, stats, e };
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if ((rc = db_begin_snapshot(db)) != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < NPASSES && rc == 0; i++) {
		if (progress != NULL)
			progress(progress_ud, i, NPASSES, passes[i].name);
		rc = passes[i].run(&k);
	}
	db_rollback(db);
	if (rc != 0)
		return rc;
	if (progress != NULL)
		progress(progress_ud, NPASSES, NPASSES, "done");
	for (int i = 0; i < LEDGER_INV_COUNT && report != NULL; i++)
		if (stats->by_invariant[i] > LEDGER_CHECK_MAX_REPORTS) {
			struct ledger_failure f = { (enum ledger_invariant)i, "", 0, NULL };
			char text[160];

			snprintf(text, sizeof(text),
				 "%lld more failures of invariant %d (%s) not shown",
				 ll(stats->by_invariant[i] - LEDGER_CHECK_MAX_REPORTS), i + 1,
				 invariant_names[i]);
			f.text = text;
			report(ud, &f);
		}
	if (stats->failures > 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "ledger_check_failed", NULL,
				 "账务校验发现 %lld 处不一致", ll(stats->failures));
	return 0;
}
