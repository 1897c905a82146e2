/*
 * The ledger benchmark's fixture: fills a data directory made by `anju init`
 * with a book of ENTRIES journal entries (a multiple of 8) that satisfies
 * every invariant `anju ledger check` proves, written straight into the
 * tables in big transactions (no audit rows: a fixture, not history).
 *
 *   ledger_fill DATA ENTRIES
 *
 * The book is a year (2025-01 .. 2025-12) of households paying their month
 * at once.  Each household-month is two journals of four entries:
 *   charge   receivable +(R+X+D)  rent income -R  other income -X
 *            deposits billed -D            (rent R, a service charge X and a
 *                                           deposit instalment D raised together)
 *   payment  cash or special rent +(R+X+D)  receivable -(R+X+D)
 *            deposits billed +D  deposit liability -D   (settling all three)
 * with the three charges (paid), the payment (fully allocated), its three
 * allocations, its receipt (cash from paper books of 10,000 numbers, bank
 * transfers from the year's electronic series) and the stored balances.
 * Deterministic: the same arguments give the same rows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/datadir.h"
#include "store/db.h"

#define MONTHS    12
#define BOOK_SIZE 10000
#define PER_TX    20000 /* household-months per transaction */

static const char *const now = "2026-01-05T00:00:00.000000Z";

/* The fixed accounts, in this order. */
enum { A_CASH, A_SPECIAL_RENT, A_RENT_INCOME, A_OTHER_INCOME, A_DEPOSIT_BILLED, A_DEPOSIT, NFIXED };
static const char *const fixed[NFIXED][2] = {
	{ "cash", "库存现金" },
	{ "special_rent", "保障房租金专户" },
	{ "rent_income", "租金收入" },
	{ "other_income", "其他收入" },
	{ "deposit_billed", "应收履约保证金" },
	{ "deposit", "履约保证金" },
};

static struct db *db;

static void
die(const char *what)
{
	fprintf(stderr, "ledger_fill: %s: %s\n", what, db ? db_errmsg(db) : "");
	exit(1);
}

static struct db_stmt *
prep(const char *sql)
{
	struct db_stmt *st;

	if (db_prepare(db, sql, &st) != 0)
		die("prepare");
	return st;
}

static int64_t
run(struct db_stmt *st)
{
	int64_t id = 0;
	int rc = db_step(st);

	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	else if (rc != DB_DONE)
		die("insert");
	db_reset(st);
	return id;
}

static void
commit_begin(void)
{
	if (db_commit(db) != 0 || db_begin(db) != 0)
		die("commit");
}

/* An account row; its id. */
static int64_t
account(const char *code, const char *kind, const char *name, int64_t household)
{
	struct db_stmt *st = prep("INSERT INTO ledger_account (code, kind, name, household_id,"
				  " created_at) VALUES (?, ?, ?, ?, ?) RETURNING id");

	db_bind_cstr(st, 1, code);
	db_bind_cstr(st, 2, kind);
	db_bind_cstr(st, 3, name);
	if (household > 0)
		db_bind_int64(st, 4, household);
	else
		db_bind_null(st, 4);
	db_bind_cstr(st, 5, now);
	return run(st);
}

static int64_t
book(const char *kind, const char *series, int64_t last)
{
	struct db_stmt *st = prep("INSERT INTO receipt_book (kind, series, first_no, last_no,"
				  " next_no, received_on, received_by, state, created_at)"
				  " VALUES (?, ?, 1, ?, 1, '2025-01-02', 'bench', 'open', ?)"
				  " RETURNING id");

	db_bind_cstr(st, 1, kind);
	db_bind_cstr(st, 2, series);
	if (last > 0)
		db_bind_int64(st, 3, last);
	else
		db_bind_null(st, 3);
	db_bind_cstr(st, 4, now);
	return run(st);
}

static void
book_done(int64_t id, int64_t next, bool used_up)
{
	struct db_stmt *st = prep("UPDATE receipt_book SET next_no = ?, state = ? WHERE id = ?");

	db_bind_int64(st, 1, next);
	db_bind_cstr(st, 2, used_up ? "used_up" : "open");
	db_bind_int64(st, 3, id);
	run(st);
}

static void
fill(const char *dir, int64_t entries)
{
	struct anju_err e = { 0 };
	int64_t units = entries / 8, households = (units + MONTHS - 1) / MONTHS;
	int64_t acc[NFIXED], *receivable, hh0 = 0, community;
	int64_t sums[NFIXED][MONTHS][2] = { { { 0 } } }; /* debit, credit */
	int64_t paper = 0, paper_next = 1, paper_books = 0, elec, elec_next = 1;
	struct db_stmt *h, *ch, *jn, *en, *pay, *al, *rc, *bal;

	if (datadir_open(dir, &e) != 0 || db_open(datadir_db_url(dir), &db, &e) != 0) {
		fprintf(stderr, "ledger_fill: %s\n", e.msg);
		exit(1);
	}
	if (db_engine(db) == DB_SQLITE)
		db_exec(db, "PRAGMA cache_size = -524288");
	receivable = calloc((size_t)households, sizeof(*receivable));
	if (receivable == NULL)
		die("out of memory");
	if (db_begin(db) != 0)
		die("begin");
	community = run(prep("INSERT INTO community (name, created_at, updated_at)"
			     " VALUES ('账务基准小区', '2026-01-01T00:00:00.000000Z',"
			     " '2026-01-01T00:00:00.000000Z') RETURNING id"));
	h = prep("INSERT INTO household (community_id, category, state, created_at, updated_at)"
		 " VALUES (?, 'low_income', 'active', ?, ?) RETURNING id");
	for (int i = 0; i < NFIXED; i++)
		acc[i] = account(fixed[i][0], fixed[i][0], fixed[i][1], 0);
	for (int64_t i = 0; i < households; i++) {
		char code[48], name[96];
		int64_t id;

		db_bind_int64(h, 1, community);
		db_bind_cstr(h, 2, now);
		db_bind_cstr(h, 3, now);
		id = run(h);
		if (i == 0)
			hh0 = id;
		snprintf(code, sizeof(code), "receivable:%lld", (long long)id);
		snprintf(name, sizeof(name), "应收住户款（住户 %lld）", (long long)id);
		receivable[i] = account(code, "receivable", name, id);
		snprintf(code, sizeof(code), "credit:%lld", (long long)id);
		snprintf(name, sizeof(name), "住户预收款（住户 %lld）", (long long)id);
		account(code, "credit", name, id);
		if ((i + 1) % 50000 == 0)
			commit_begin();
	}
	elec = book("electronic", "E2025YH", 0);

	ch = prep("INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on, period,"
		  " source_type, source_id, state, note, created_at, created_by)"
		  " VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, 'paid', '', ?, 'bench') RETURNING id");
	jn = prep("INSERT INTO journal (period, event, object_type, object_id, memo, posted_at,"
		  " posted_by) VALUES (?, ?, ?, ?, '', ?, 'bench') RETURNING id");
	en = prep("INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		  " VALUES (?, ?, ?, ?)");
	pay = prep("INSERT INTO payment (household_id, amount_fen, channel, channel_ref,"
		   " received_at, period, taken_by, allocated_fen, state, note)"
		   " VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, 'posted', '') RETURNING id");
	al = prep("INSERT INTO allocation (payment_id, charge_id, refund_id, amount_fen, policy,"
		  " reverses_id, journal_id, created_at)"
		  " VALUES (?, ?, NULL, ?, 'oldest_due_first', NULL, ?, ?)");
	rc = prep("INSERT INTO receipt (book_id, number, payment_id, token, state, issued_at,"
		  " issued_by) VALUES (?, ?, ?, ?, 'issued', ?, 'bench')");
	bal = prep("INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen)"
		   " VALUES (?, ?, ?, ?)");
	for (int64_t u = 0; u < units; u++) {
		int64_t i = u % households, m = u / households, hid = hh0 + i;
		int64_t amt[3] = { 50000 + (i % 300) * 100, 2000 + (i % 7) * 100, 10000 };
		int64_t total = amt[0] + amt[1] + amt[2], charge[3], j, p, bookid, number;
		static const char *const kinds[3] = { "rent", "other", "deposit" };
		char period[16], due[24], at[40], ref[24], token[33];
		bool cash = i % 2 == 0;

		snprintf(period, sizeof(period), "2025-%02d", (int)(m % MONTHS) + 1);
		snprintf(due, sizeof(due), "%s-05", period);
		snprintf(at, sizeof(at), "%s-10T02:00:00.000000Z", period);

		/* The charges and their journal. */
		j = 0;
		for (int k = 0; k < 3; k++) {
			db_bind_int64(ch, 1, hid);
			db_bind_cstr(ch, 2, kinds[k]);
			db_bind_int64(ch, 3, amt[k]);
			db_bind_int64(ch, 4, amt[k]);
			db_bind_cstr(ch, 5, due);
			db_bind_cstr(ch, 6, period);
			db_bind_int64(ch, 7, hid);
			db_bind_cstr(ch, 8, at);
			charge[k] = run(ch);
		}
		db_bind_cstr(jn, 1, period);
		db_bind_cstr(jn, 2, "charge");
		db_bind_cstr(jn, 3, "charge");
		db_bind_int64(jn, 4, charge[0]);
		db_bind_cstr(jn, 5, at);
		j = run(jn);
		{
			int64_t acct[4] = { receivable[i], acc[A_RENT_INCOME], acc[A_OTHER_INCOME],
					    acc[A_DEPOSIT_BILLED] };
			int64_t fen[4] = { total, -amt[0], -amt[1], -amt[2] };

			for (int k = 0; k < 4; k++) {
				db_bind_int64(en, 1, j);
				db_bind_int64(en, 2, acct[k]);
				db_bind_cstr(en, 3, period);
				db_bind_int64(en, 4, fen[k]);
				run(en);
			}
			sums[A_RENT_INCOME][m][1] += amt[0];
			sums[A_OTHER_INCOME][m][1] += amt[1];
			sums[A_DEPOSIT_BILLED][m][1] += amt[2];
		}

		/* The payment, its journal, allocations and receipt. */
		db_bind_int64(pay, 1, hid);
		db_bind_int64(pay, 2, total);
		db_bind_cstr(pay, 3, cash ? "cash" : "bank_transfer");
		if (cash) {
			db_bind_null(pay, 4);
		} else {
			snprintf(ref, sizeof(ref), "B%012lld", (long long)u);
			db_bind_cstr(pay, 4, ref);
		}
		db_bind_cstr(pay, 5, at);
		db_bind_cstr(pay, 6, period);
		db_bind_int64(pay, 7, total);
		p = run(pay);
		db_bind_cstr(jn, 1, period);
		db_bind_cstr(jn, 2, "payment");
		db_bind_cstr(jn, 3, "payment");
		db_bind_int64(jn, 4, p);
		db_bind_cstr(jn, 5, at);
		j = run(jn);
		{
			int in = cash ? A_CASH : A_SPECIAL_RENT;
			int64_t acct[4] = { acc[in], receivable[i], acc[A_DEPOSIT_BILLED],
					    acc[A_DEPOSIT] };
			int64_t fen[4] = { total, -total, amt[2], -amt[2] };

			for (int k = 0; k < 4; k++) {
				db_bind_int64(en, 1, j);
				db_bind_int64(en, 2, acct[k]);
				db_bind_cstr(en, 3, period);
				db_bind_int64(en, 4, fen[k]);
				run(en);
			}
			sums[in][m][0] += total;
			sums[A_DEPOSIT_BILLED][m][0] += amt[2];
			sums[A_DEPOSIT][m][1] += amt[2];
		}
		for (int k = 0; k < 3; k++) {
			db_bind_int64(al, 1, p);
			db_bind_int64(al, 2, charge[k]);
			db_bind_int64(al, 3, amt[k]);
			db_bind_int64(al, 4, j);
			db_bind_cstr(al, 5, at);
			run(al);
		}
		if (cash) {
			if (paper == 0 || paper_next > BOOK_SIZE) {
				char series[40];

				if (paper != 0)
					book_done(paper, paper_next, true);
				snprintf(series, sizeof(series), "A2025-%05lld",
					 (long long)++paper_books);
				paper = book("paper", series, BOOK_SIZE);
				paper_next = 1;
			}
			bookid = paper;
			number = paper_next++;
		} else {
			bookid = elec;
			number = elec_next++;
		}
		snprintf(token, sizeof(token), "%032llx", (unsigned long long)u * 2654435761u);
		db_bind_int64(rc, 1, bookid);
		db_bind_int64(rc, 2, number);
		db_bind_int64(rc, 3, p);
		db_bind_cstr(rc, 4, token);
		db_bind_cstr(rc, 5, at);
		run(rc);

		/* The household's receivable moved by total both ways this month. */
		db_bind_int64(bal, 1, receivable[i]);
		db_bind_cstr(bal, 2, period);
		db_bind_int64(bal, 3, total);
		db_bind_int64(bal, 4, total);
		run(bal);
		if ((u + 1) % PER_TX == 0) {
			commit_begin();
			fprintf(stderr, "\rledger_fill: %lld / %lld entries",
				(long long)(u + 1) * 8, (long long)units * 8);
		}
	}
	for (int i = 0; i < NFIXED; i++)
		for (int m = 0; m < MONTHS; m++) {
			char period[16];

			if (sums[i][m][0] == 0 && sums[i][m][1] == 0)
				continue;
			snprintf(period, sizeof(period), "2025-%02d", m + 1);
			db_bind_int64(bal, 1, acc[i]);
			db_bind_cstr(bal, 2, period);
			db_bind_int64(bal, 3, sums[i][m][0]);
			db_bind_int64(bal, 4, sums[i][m][1]);
			run(bal);
		}
	if (paper != 0)
		book_done(paper, paper_next, paper_next > BOOK_SIZE);
	book_done(elec, elec_next, false);
	if (db_commit(db) != 0)
		die("commit");
	db_exec(db, "ANALYZE");
	fprintf(stderr, "\n");
	printf("filled %lld entries in %lld journals: %lld households, %lld months, %lld charges,"
	       " %lld payments, %lld paper books\n",
	       (long long)units * 8, (long long)units * 2, (long long)households, (long long)MONTHS,
	       (long long)units * 3, (long long)units, (long long)paper_books);
	free(receivable);
	db_close(db);
}

int
main(int argc, char **argv)
{
	char *end = NULL;
	long long n = argc == 3 ? strtoll(argv[2], &end, 10) : 0;

	if (argc != 3 || *end != '\0' || n < 8 || n % 8 != 0 || n > 400000000) {
		fprintf(stderr, "usage: ledger_fill DATA ENTRIES (a multiple of 8)\n");
		return 2;
	}
	fill(argv[1], n);
	return 0;
}
