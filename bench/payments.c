/*
 * The counter-payments benchmark (issue 5 §7): PAYMENTS cash payments taken
 * at the counter through the service layer (payment_take, each in its own
 * transaction as a clerk's request is), beside bare inserts of the same rows
 * into the same tables, one transaction per payment, in the same run.  The
 * target: the service at most 2x as long.  Both sides commit with
 * synchronous=FULL, one fsync per payment (about 0.2 ms here), so the ratio
 * shows the service's own work per payment on top of its commit.
 *
 *   payments [PAYMENTS [HOUSEHOLDS]]      (20,000 and 2,000)
 *
 * In a temporary folder under TMPDIR, removed at the end:
 *   1. a data directory as `anju init` makes it (keys, the audit key), its
 *      SQLite database opened and migrated as `anju serve` does (WAL,
 *      synchronous=FULL: production settings, on both sides); a community,
 *      HOUSEHOLDS households with one open rent charge each (charge_raise),
 *      a clerk account with paper receipt books of 10,000 numbers;
 *   2. a copy of that database (VACUUM INTO): the bare side's, the same
 *      schema, fixture and settings;
 *   3. the service: the payments, households in turn, in amounts that settle
 *      some charges fully, some partly and leave credit on others;
 *   4. read back per payment (not timed): every row the service wrote: the
 *      payment as it ended, its journal and entries with the balances'
 *      upserts, its allocations with the charges' updates, its receipt with
 *      the book's update, its audit rows, and the ledger accounts it made;
 *   5. the bare side: those rows into the copy, one transaction per payment
 *      of plain prepared INSERTs (the UPSERT of balances, the UPDATEs of
 *      charges and books), no domain logic;
 *   6. both databases compared, every table by a digest of its rows: the two
 *      sides wrote the same rows; and `anju ledger check`'s proof of the
 *      service's book.
 * Steps 3 to 5 take turns, 200 payments at a time: the disk is shared and
 * its sync time drifts by a factor of several within a minute, so each side
 * meets the same disk.  The user CPU time of each side is printed too: the
 * service's own work, which the disk does not blur.
 *
 * Prints the figure beside its target; exits 0 (a missed target too), 1
 * when it could not measure.
 */
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/err.h"
#include "core/mem.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "store/datadir.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/migrate.h"

#define RATIO_TARGET 2.0
#define BOOK_SIZE    10000
#define MAX_ALLOCS   16 /* a payment's allocations: here one charge per household */
#define MAX_AUDITS   8
#define ROUND        200 /* payments per side's turn */

static const char *const stamp = "2026-01-02T00:00:00.000000Z";

static char folder[256];

/* ---- housekeeping ---- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
cleanup(void)
{
	if (folder[0] != '\0')
		nftw(folder, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static _Noreturn void
die(const char *what, const char *why)
{
	fprintf(stderr, "payments: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	exit(1);
}

static _Noreturn void
die_db(const char *what, struct db *db)
{
	die(what, db_errmsg(db));
}

static int64_t
clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* This process's user CPU time: its own work, which the disk does not slow
 * (an fsync's time is the kernel's). */
static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000;
}

/* n with thousands separators, in one of four rotating buffers. */
static const char *
commas(int64_t n)
{
	static char bufs[4][32];
	static int k;
	char raw[24], *out = bufs[k++ % 4];
	int len, j = 0;

	len = snprintf(raw, sizeof(raw), "%lld", (long long)n);
	for (int i = 0; i < len; i++) {
		out[j++] = raw[i];
		if (raw[i] != '-' && (len - i - 1) % 3 == 0 && i < len - 1)
			out[j++] = ',';
	}
	out[j] = '\0';
	return out;
}

static int64_t
count_arg(const char *s, int64_t min)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end != '\0' || v < min || v > 10000000)
		die("bad count", s);
	return v;
}

/* The first column of a one-row statement with an optional int64 argument. */
static int64_t
qint(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v = 0;
	int rc;

	if (db_prepare(db, sql, &st) != 0)
		die_db("prepare", db);
	if (strchr(sql, '?') != NULL)
		db_bind_int64(st, 1, arg);
	rc = db_step(st);
	if (rc == DB_ROW)
		v = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		die_db(sql, db);
	return v;
}

/* ---- the fixture ---- */

/* Household i's charge: 500 to 2,250 yuan. */
static int64_t
charge_of(int64_t i)
{
	return 50000 + (i % 8) * 25000;
}

/* Household i's payment in round r: 50 to 450 yuan, so that a charge is
 * paid over a few payments, the one that ends it leaves credit, and later
 * ones go to credit whole. */
static int64_t
amount_of(int64_t i, int64_t r)
{
	return 5000 + ((i * 7 + r * 3) % 9) * 5000;
}

struct fixture {
	int64_t *households;
	int64_t nhouseholds;
	int64_t clerk;
	int64_t books;
};

static void
make_fixture(struct db *db, struct fixture *f, int64_t npayments)
{
	const struct audit_actor who = { "system", "system", NULL, NULL, NULL };
	char period[PERIOD_FMT_LEN], due[DATE_FMT_LEN + 8];
	struct anju_err e = { 0 };
	struct db_stmt *st;
	int64_t community;

	ledger_current_period(period);
	snprintf(due, sizeof(due), "%s-05", period);
	if (db_begin(db) != 0)
		die_db("begin", db);
	community = qint(db,
			 "INSERT INTO community (name, address, district, created_at, updated_at)"
			 " VALUES ('基准小区', '', '咸安区', '2026-01-01T00:00:00.000000Z',"
			 " '2026-01-01T00:00:00.000000Z') RETURNING id",
			 0);
	f->clerk =
		qint(db,
		     "INSERT INTO account (username, display_name, role, state, password_hash,"
		     " created_at, created_by, updated_at, password_changed_at) VALUES ('clerk1',"
		     " '收款员', 'finance', 'active', 'x', '2026-01-01T00:00:00.000000Z',"
		     " 'system', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
		     " RETURNING id",
		     0);
	f->households = xcalloc((size_t)f->nhouseholds, sizeof(int64_t));
	for (int64_t i = 0; i < f->nhouseholds; i++) {
		struct charge_in in = { 0 };
		int64_t charge;
		bool created;

		f->households[i] =
			qint(db,
			     "INSERT INTO household (community_id, category, state,"
			     " created_at, updated_at) VALUES (?, 'low_income', 'active',"
			     " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
			     " RETURNING id",
			     community);
		in.household_id = f->households[i];
		in.kind = CHARGE_RENT;
		in.amount_fen = charge_of(i);
		in.due_on = due;
		in.period = period;
		in.source_type = "lease_chain";
		in.source_id = i + 1;
		if (charge_raise(db, &in, &who, &charge, &created, &e) != 0 || !created)
			die("charge_raise", e.msg);
	}
	/* Paper books of 10,000 numbers handed to the clerk, enough for every
	 * payment and a book to spare. */
	f->books = npayments / BOOK_SIZE + 1;
	if (db_prepare(db,
		       "INSERT INTO receipt_book (kind, series, first_no, last_no, next_no,"
		       " received_on, received_by, clerk_account_id, handed_at, state, created_at)"
		       " VALUES ('paper', ?, ?, ?, ?, '2026-01-02', '财务 张三', ?, ?, 'open', ?)",
		       &st) != 0)
		die_db("prepare", db);
	for (int64_t b = 0; b < f->books; b++) {
		char series[32];

		snprintf(series, sizeof(series), "基准%02lld", (long long)b + 1);
		db_bind_cstr(st, 1, series);
		db_bind_int64(st, 2, b * BOOK_SIZE + 1);
		db_bind_int64(st, 3, (b + 1) * BOOK_SIZE);
		db_bind_int64(st, 4, b * BOOK_SIZE + 1);
		db_bind_int64(st, 5, f->clerk);
		db_bind_cstr(st, 6, stamp);
		db_bind_cstr(st, 7, stamp);
		if (db_step(st) != DB_DONE)
			die_db("receipt book", db);
		db_reset(st);
	}
	if (db_commit(db) != 0)
		die_db("commit", db);
}

/* ---- the rows the bare side replays ---- */

enum op_kind {
	OP_ACCOUNT,
	OP_PAYMENT,
	OP_JOURNAL,
	OP_ALLOCATION,
	OP_CHARGE,
	OP_ENTRY,
	OP_BALANCE,
	OP_BOOK,
	OP_RECEIPT,
	OP_AUDIT,
	OP_COUNT,
};

#define ACCOUNT_COLS "id, code, kind, name, household_id, created_at"
#define PAYMENT_COLS                                                                               \
	"id, household_id, amount_fen, channel, channel_ref, received_at, period, taken_by,"       \
	" allocated_fen, state, note, reversed_at, reverse_reason"
#define JOURNAL_COLS                                                                               \
	"id, period, event, object_type, object_id, reverses_id, memo, posted_at, posted_by"
#define ALLOCATION_COLS                                                                            \
	"id, payment_id, charge_id, refund_id, amount_fen, policy, reverses_id, journal_id,"       \
	" created_at"
#define ENTRY_COLS "id, journal_id, account_id, period, amount_fen"
#define RECEIPT_COLS                                                                               \
	"id, book_id, number, payment_id, token, state, issued_at, issued_by, voided_at,"          \
	" void_reason"
#define AUDIT_COLS                                                                                 \
	"id, at, actor, actor_name, actor_role, client, request_id, action, object_type,"          \
	" object_id, before_json, after_json, mac"

/* Each kind of row: what the report calls it, the bare statement, and its
 * parameters' types ('i' integer, 't' text; either may be NULL). */
static const struct {
	const char *name;
	const char *sql;
	const char *types;
} kinds[OP_COUNT] = {
	[OP_ACCOUNT] = { "ledger_account",
			 "INSERT INTO ledger_account (" ACCOUNT_COLS ") VALUES (?, ?, ?, ?, ?, ?)",
			 "itttit" },
	[OP_PAYMENT] = { "payment",
			 "INSERT INTO payment (" PAYMENT_COLS
			 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			 "iiitttttitttt" },
	[OP_JOURNAL] = { "journal",
			 "INSERT INTO journal (" JOURNAL_COLS
			 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			 "itttiittt" },
	[OP_ALLOCATION] = { "allocation",
			    "INSERT INTO allocation (" ALLOCATION_COLS
			    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    "iiiiitiit" },
	[OP_CHARGE] = { "charge update", "UPDATE charge SET paid_fen = ?, state = ? WHERE id = ?",
			"iti" },
	[OP_ENTRY] = { "journal_entry",
		       "INSERT INTO journal_entry (" ENTRY_COLS ") VALUES (?, ?, ?, ?, ?)",
		       "iiiti" },
	[OP_BALANCE] = { "ledger_balance upsert",
			 "INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen)"
			 " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, period) DO UPDATE SET"
			 " debit_fen = ledger_balance.debit_fen + excluded.debit_fen,"
			 " credit_fen = ledger_balance.credit_fen + excluded.credit_fen",
			 "itii" },
	[OP_BOOK] = { "receipt_book update",
		      "UPDATE receipt_book SET next_no = ?, state = ? WHERE id = ?", "iti" },
	[OP_RECEIPT] = { "receipt",
			 "INSERT INTO receipt (" RECEIPT_COLS
			 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			 "iiiitttttt" },
	[OP_AUDIT] = { "audit_log",
		       "INSERT INTO audit_log (" AUDIT_COLS
		       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "itttttttttttt" },
};

struct val {
	bool null;
	int64_t i;
	const char *s;
};

struct op {
	enum op_kind kind;
	const struct val *v;
};

struct replay {
	struct arena *arena;
	struct op *ops;
	size_t nops, cap;
	size_t *start; /* payment k's ops: start[k] .. start[k + 1] */
	int64_t *made; /* ledger accounts made by the service, replayed so far */
	size_t nmade;
	int64_t count[OP_COUNT];
	/* The mix of payments. */
	int64_t settled, partly, credit_whole, left_credit;
};

static void
push(struct replay *r, enum op_kind k, const struct val *v)
{
	if (r->nops == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->ops = xrealloc(r->ops, r->cap * sizeof(*r->ops));
	}
	r->ops[r->nops].kind = k;
	r->ops[r->nops].v = v;
	r->nops++;
	r->count[k]++;
}

/* The current row of st, its columns typed as kind k's parameters. */
static struct val *
row_of(struct replay *r, struct db_stmt *st, enum op_kind k)
{
	const char *types = kinds[k].types;
	size_t n = strlen(types);
	struct val *v = arena_alloc(r->arena, n * sizeof(*v));

	for (size_t c = 0; c < n; c++) {
		v[c].null = db_col_null(st, (int)c);
		if (v[c].null)
			continue;
		if (types[c] == 'i')
			v[c].i = db_col_int64(st, (int)c);
		else
			v[c].s = arena_strndup(r->arena, db_col_text(st, (int)c),
					       db_col_len(st, (int)c));
	}
	return v;
}

/* A derived row of three values: (int, text, int). */
static struct val *
row3(struct replay *r, int64_t a, const char *b, int64_t c)
{
	struct val *v = arena_alloc(r->arena, 3 * sizeof(*v));

	v[0].i = a;
	v[1].s = b;
	v[2].i = c;
	return v;
}

/* Rows of sql (bound to one int64, or to two when arg2 >= 0 as text) into
 * out, at most max; returns how many. */
static size_t
rows_of(struct db *db, struct replay *r, const char *sql, enum op_kind k, int64_t arg, int64_t arg2,
	struct val **out, size_t max)
{
	struct db_stmt *st;
	size_t n = 0;
	int rc;

	if (db_prepare(db, sql, &st) != 0)
		die_db("prepare", db);
	if (arg2 >= 0) {
		char a[24], b[24];

		snprintf(a, sizeof(a), "%lld", (long long)arg);
		snprintf(b, sizeof(b), "%lld", (long long)arg2);
		db_bind_cstr(st, 1, a);
		db_bind_cstr(st, 2, b);
	} else {
		db_bind_int64(st, 1, arg);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == max)
			die("read back", "more rows for one payment than expected");
		out[n++] = row_of(r, st, k);
	}
	db_reset(st);
	if (rc != DB_DONE)
		die_db("read back", db);
	return n;
}

/* Reads back what the service wrote for payments from .. to - 1, in the
 * order the service wrote it.  accounts_before: the largest ledger_account
 * id before the service ran (a newer one was made on first use). */
static void
read_back(struct db *db, const int64_t *pids, int64_t from, int64_t to, int64_t accounts_before,
	  struct replay *r)
{
	for (int64_t k = from; k < to; k++) {
		struct val *pay[1], *jnl[2], *alloc[MAX_ALLOCS], *entry[JOURNAL_MAX_LINES],
			*rcpt[2], *aud[MAX_AUDITS];
		size_t na, ne, nr, nu;
		bool any_settled = false;

		r->start[k] = r->nops;
		if (rows_of(db, r, "SELECT " PAYMENT_COLS " FROM payment WHERE id = ?", OP_PAYMENT,
			    pids[k], -1, pay, 1) != 1 ||
		    rows_of(db, r,
			    "SELECT " JOURNAL_COLS " FROM journal WHERE object_type = 'payment'"
			    " AND object_id = ? ORDER BY id",
			    OP_JOURNAL, pids[k], -1, jnl, 2) != 1)
			die("read back", "a payment without its row or its one journal");
		na = rows_of(db, r,
			     "SELECT " ALLOCATION_COLS " FROM allocation WHERE payment_id = ?"
			     " ORDER BY id",
			     OP_ALLOCATION, pids[k], -1, alloc, MAX_ALLOCS);
		ne = rows_of(db, r,
			     "SELECT " ENTRY_COLS " FROM journal_entry WHERE journal_id = ?"
			     " ORDER BY id",
			     OP_ENTRY, jnl[0][0].i, -1, entry, JOURNAL_MAX_LINES);
		nr = rows_of(db, r, "SELECT " RECEIPT_COLS " FROM receipt WHERE payment_id = ?",
			     OP_RECEIPT, pids[k], -1, rcpt, 2);
		if (nr != 1)
			die("read back", "a payment without exactly one receipt");
		nu = rows_of(db, r,
			     "SELECT " AUDIT_COLS " FROM audit_log WHERE (object_type = 'receipt'"
			     " AND object_id = ?) OR (object_type = 'payment' AND object_id = ?)"
			     " ORDER BY id",
			     OP_AUDIT, rcpt[0][0].i, pids[k], aud, MAX_AUDITS);

		/* Ledger accounts the payment made on first use, then its rows in
		 * the order the service writes them. */
		for (size_t i = 0; i < ne; i++) {
			int64_t account = entry[i][2].i;
			bool seen = false;
			struct val *a[1];

			for (size_t m = 0; m < r->nmade; m++)
				seen = seen || r->made[m] == account;
			if (account <= accounts_before || seen)
				continue;
			if (rows_of(db, r,
				    "SELECT " ACCOUNT_COLS " FROM ledger_account WHERE id = ?",
				    OP_ACCOUNT, account, -1, a, 1) != 1)
				die("read back", "an entry on an account that is not there");
			r->made = xrealloc(r->made, (r->nmade + 1) * sizeof(*r->made));
			r->made[r->nmade++] = account;
			push(r, OP_ACCOUNT, a[0]);
		}
		push(r, OP_PAYMENT, pay[0]);
		push(r, OP_JOURNAL, jnl[0]);
		for (size_t i = 0; i < na; i++) {
			int64_t charge = alloc[i][2].i, paid, amount;

			if (alloc[i][7].i != jnl[0][0].i)
				die("read back", "an allocation outside its payment's journal");
			push(r, OP_ALLOCATION, alloc[i]);
			/* The charge as this allocation left it. */
			paid = qint(
				db,
				"SELECT SUM(a.amount_fen) FROM allocation me JOIN allocation a"
				" ON a.charge_id = me.charge_id AND a.id <= me.id WHERE me.id = ?",
				alloc[i][0].i);
			amount = qint(db, "SELECT amount_fen FROM charge WHERE id = ?", charge);
			any_settled = any_settled || paid >= amount;
			push(r, OP_CHARGE, row3(r, paid, paid >= amount ? "paid" : "open", charge));
		}
		for (size_t i = 0; i < ne; i++) {
			int64_t fen = entry[i][4].i;

			push(r, OP_ENTRY, entry[i]);
			{
				struct val *v = arena_alloc(r->arena, 4 * sizeof(*v));

				v[0].i = entry[i][2].i;
				v[1].s = entry[i][3].s;
				v[2].i = fen > 0 ? fen : 0;
				v[3].i = fen < 0 ? -fen : 0;
				push(r, OP_BALANCE, v);
			}
		}
		/* The book moved on past this receipt's number. */
		{
			int64_t book = rcpt[0][1].i, next = rcpt[0][2].i + 1;
			int64_t last =
				qint(db, "SELECT last_no FROM receipt_book WHERE id = ?", book);

			push(r, OP_BOOK, row3(r, next, next > last ? "used_up" : "open", book));
		}
		push(r, OP_RECEIPT, rcpt[0]);
		for (size_t i = 0; i < nu; i++)
			push(r, OP_AUDIT, aud[i]);
		/* The mix: allocated is column 8, the amount column 2. */
		if (na == 0)
			r->credit_whole++;
		else if (any_settled)
			r->settled++;
		else
			r->partly++;
		r->left_credit += pay[0][8].i < pay[0][2].i;
		r->start[k + 1] = r->nops;
	}
}

static void
replay_one(struct db *db, const struct op *o)
{
	const char *types = kinds[o->kind].types;
	struct db_stmt *st;
	int rc;

	if (db_prepare(db, kinds[o->kind].sql, &st) != 0)
		die_db("prepare", db);
	for (int c = 0; types[c] != '\0'; c++) {
		if (o->v[c].null)
			db_bind_null(st, c + 1);
		else if (types[c] == 'i')
			db_bind_int64(st, c + 1, o->v[c].i);
		else
			db_bind_cstr(st, c + 1, o->v[c].s);
	}
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		die_db(kinds[o->kind].name, db);
}

/* ---- the comparison ---- */

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* An order-free digest of a table's rows: the sum of each row's hash. */
static void
digest(struct db *db, const char *table, int64_t *rows, uint64_t *sum)
{
	char sql[128];
	struct db_stmt *st;
	int rc;

	*rows = 0;
	*sum = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	if (db_prepare(db, sql, &st) != 0)
		die_db("prepare", db);
	while ((rc = db_step(st)) == DB_ROW) {
		uint64_t h = 0xcbf29ce484222325ull;

		for (int c = 0; c < db_col_count(st); c++) {
			const unsigned char *s;
			size_t len;

			if (db_col_null(st, c)) {
				h = (h ^ 0x1ff) * 0x100000001b3ull;
				continue;
			}
			s = (const unsigned char *)db_col_text(st, c);
			len = db_col_len(st, c);
			for (size_t i = 0; i < len; i++)
				h = (h ^ s[i]) * 0x100000001b3ull;
			h = (h ^ 0x100) * 0x100000001b3ull;
		}
		*sum += mix(h);
		(*rows)++;
	}
	db_reset(st);
	if (rc != DB_DONE)
		die_db(table, db);
}

/* Every table of a and b holds the same rows; *tables and *rows counted. */
static void
compare(struct db *a, struct db *b, int64_t *tables, int64_t *rows)
{
	char **names;
	size_t n;

	if (db_tables(a, &names, &n) != 0)
		die_db("tables", a);
	*tables = (int64_t)n;
	*rows = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t ra, rb;
		uint64_t da, db_;

		if (!db_identifier_ok(names[i]))
			die("a table name", names[i]);
		digest(a, names[i], &ra, &da);
		digest(b, names[i], &rb, &db_);
		if (ra != rb || da != db_) {
			fprintf(stderr,
				"payments: table %s differs: the service's %lld rows, the bare"
				" side's %lld\n",
				names[i], (long long)ra, (long long)rb);
			exit(1);
		}
		*rows += ra;
	}
	free(names);
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
check_report(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	fprintf(stderr, "payments: ledger check: %s\n", f->text);
}

/* ---- the run ---- */

int
main(int argc, char **argv)
{
	int64_t npay = argc > 1 ? count_arg(argv[1], 1) : 20000;
	int64_t nhh = argc > 2 ? count_arg(argv[2], 1) : 2000;
	const char *tmp = getenv("TMPDIR");
	char data[300], bare_path[300], bare_url[320], sql[400], principal[32];
	struct anju_err e = { 0 };
	struct fixture f = { 0 };
	struct replay r = { 0 };
	struct keyring *kr;
	struct db *db, *bare;
	struct ledger_check_stats stats;
	struct caller clerk = { 0 };
	struct audit_actor who = { 0 };
	int64_t *pids, accounts_before, t0, c0, service_ns = 0, bare_ns = 0, tables, rows;
	int64_t service_cpu = 0, bare_cpu = 0;
	double ratio, *rounds;
	size_t nrounds = 0;
	bool check_ok;

	if (argc > 3) {
		fprintf(stderr, "usage: payments [PAYMENTS [HOUSEHOLDS]]\n");
		return 2;
	}
	snprintf(folder, sizeof(folder), "%s/anju-payments.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(folder) == NULL) {
		folder[0] = '\0';
		die("cannot make a temporary folder", NULL);
	}
	atexit(cleanup);
	snprintf(data, sizeof(data), "%s/data", folder);
	snprintf(bare_path, sizeof(bare_path), "%s/bare.db", folder);
	snprintf(bare_url, sizeof(bare_url), "sqlite:%s", bare_path);

	/* As `anju init` and `anju serve` do. */
	config_reset();
	if (datadir_create(data, NULL, NULL, &e) != 0 || datadir_open(data, &e) != 0 ||
	    keys_load(data, &kr, &e) != 0)
		die("data directory", e.msg);
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	if (db_open(datadir_db_url(data), &db, &e) != 0 || db_migrate(db, NULL, &e) != 0)
		die("database", e.msg);
	if (strcmp(db_engine_name(db), "sqlite") != 0)
		die("the benchmark runs on SQLite", db_engine_name(db));

	fprintf(stderr, "payments: %s households with a charge each, receipt books\n", commas(nhh));
	f.nhouseholds = nhh;
	make_fixture(db, &f, npay);
	/* Both sides start from the same rows, the WAL empty. */
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", bare_path);
	if (db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") != 0 || db_exec(db, sql) != 0)
		die_db("copy", db);
	accounts_before = qint(db, "SELECT COALESCE(MAX(id), 0) FROM ledger_account", 0);

	if (db_open(bare_url, &bare, &e) != 0 || db_migrate(bare, NULL, &e) != 0)
		die("bare database", e.msg);

	/* A clerk at the counter. */
	snprintf(principal, sizeof(principal), "account:%lld", (long long)f.clerk);
	clerk.kind = CALLER_ACCOUNT;
	clerk.id = f.clerk;
	clerk.role = ROLE_FINANCE;
	clerk.name = "clerk1";
	clerk.principal = principal;
	clerk.all_communities = true;
	who.principal = principal;
	who.name = "clerk1";
	who.role = "finance";
	who.client = "127.0.0.1";
	pids = xcalloc((size_t)npay, sizeof(int64_t));
	rounds = xcalloc((size_t)(npay / ROUND + 1), sizeof(double));
	r.arena = arena_new();
	r.start = xcalloc((size_t)npay + 1, sizeof(size_t));

	/* The disk is shared and its sync time drifts: the two sides take turns,
	 * ROUND payments each, so that both meet the same disk. */
	fprintf(stderr, "payments: %s through the service and bare, in rounds of %d\n",
		commas(npay), ROUND);
	for (int64_t from = 0; from < npay; from += ROUND) {
		int64_t to = from + ROUND < npay ? from + ROUND : npay, s_ns, b_ns;

		c0 = cpu_ns();
		t0 = now_ns();
		for (int64_t k = from; k < to; k++) {
			struct payment_in in = { 0 };
			json_t *out = NULL;

			in.household_id = f.households[k % nhh];
			in.amount_fen = amount_of(k % nhh, k / nhh);
			in.channel = CHANNEL_CASH;
			if (db_begin(db) != 0)
				die_db("begin", db);
			if (payment_take(db, &clerk, &in, &who, &pids[k], &out, &e) != 0) {
				db_rollback(db);
				die("payment_take", e.msg);
			}
			if (db_commit(db) != 0)
				die_db("commit", db);
			json_decref(out);
		}
		s_ns = now_ns() - t0;
		service_cpu += cpu_ns() - c0;

		read_back(db, pids, from, to, accounts_before, &r);

		c0 = cpu_ns();
		t0 = now_ns();
		for (int64_t k = from; k < to; k++) {
			if (db_begin(bare) != 0)
				die_db("begin", bare);
			for (size_t i = r.start[k]; i < r.start[k + 1]; i++)
				replay_one(bare, &r.ops[i]);
			if (db_commit(bare) != 0)
				die_db("commit", bare);
		}
		b_ns = now_ns() - t0;
		bare_cpu += cpu_ns() - c0;
		service_ns += s_ns;
		bare_ns += b_ns;
		rounds[nrounds++] = (double)s_ns / (double)b_ns;
	}
	check_ok = ledger_check(db, check_report, NULL, &stats, NULL, NULL, &e) == 0;
	compare(db, bare, &tables, &rows);

	ratio = (double)service_ns / (double)bare_ns;
	printf("counter payments: %s through the service in %.1f s (%.2f ms each), bare inserts"
	       " of the same rows %.1f s (%.2f ms each): %.1fx   target <= %.0fx   %s\n",
	       commas(npay), service_ns / 1e9, service_ns / 1e6 / (double)npay, bare_ns / 1e9,
	       bare_ns / 1e6 / (double)npay, ratio, RATIO_TARGET,
	       ratio <= RATIO_TARGET ? "ok" : "below target");
	qsort(rounds, nrounds, sizeof(double), by_value);
	printf("  %s rounds of %s: the service %.1fx as long as bare in the median round (%.1fx to"
	       " %.1fx); user CPU per payment: the service %.3f ms, bare %.3f ms\n",
	       commas((int64_t)nrounds), commas(ROUND), rounds[nrounds / 2], rounds[0],
	       rounds[nrounds - 1], service_cpu / 1e6 / (double)npay,
	       bare_cpu / 1e6 / (double)npay);
	printf("  rows per payment, replayed:");
	for (int k = 0; k < OP_COUNT; k++)
		if (k != OP_ACCOUNT)
			printf("%s %.2f %s", k == OP_PAYMENT ? "" : ",",
			       (double)r.count[k] / (double)npay, kinds[k].name);
	printf("; %s %s made on first use\n", commas(r.count[OP_ACCOUNT]), kinds[OP_ACCOUNT].name);
	printf("  payments: %s settled a charge, %s paid part of one, %s went to credit whole;"
	       " %s left credit\n",
	       commas(r.settled), commas(r.partly), commas(r.credit_whole), commas(r.left_credit));
	printf("  both databases: %s tables, %s rows, the same rows in each; ledger check of the"
	       " service's book: %s\n",
	       commas(tables), commas(rows),
	       check_ok ? "ok" : (e.msg[0] ? e.msg : "FAILED (see above)"));
	if (ratio > RATIO_TARGET)
		printf("bench: 1 figure(s) below target\n");

	db_close(bare);
	db_close(db);
	arena_free(r.arena);
	free(r.ops);
	free(r.start);
	free(r.made);
	free(pids);
	free(rounds);
	free(f.households);
	keys_set_current(NULL);
	keys_free(kr);
	return 0;
}
