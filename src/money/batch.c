/*
 * Many charges at once (the billing run's chunks): what charge_raise() does
 * for one charge, done for a batch in a few statements, so raising a
 * million charges costs about as much as inserting their rows.  See the
 * batch section of money.h.
 *
 * The batch's new charges are inserted with multi-row statements that skip
 * the keys that exist (ON CONFLICT DO NOTHING); one journal posts them all:
 * each household's receivable is debited with the sum of its new charges
 * and each income account credited with its kinds' sum; the stored balances
 * move by one statement grouped over the journal's entries.  Then the few
 * households that hold credit have it settle their open charges
 * (money_settle, a journal each), and one audit row names the batch's
 * charges.  Everything runs in the caller's transaction, so a batch is
 * posted whole or not at all.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "money/internal.h"
#include "store/db.h"

/* Rows per multi-row statement: a full statement, then halves for the rest,
 * so a connection caches a handful of statement texts per kind. */
#define ROWS_MAX 256

/* The size of the next statement for left rows. */
static size_t
rows_next(size_t left)
{
	size_t k = ROWS_MAX;

	while (k > left)
		k /= 2;
	return k;
}

/* "INSERT ... VALUES (row), (row) ... tail" for k rows. */
static char *
multi_sql(const char *head, const char *row, size_t k, const char *tail)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, head);
	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		buf_adds(&b, row);
	}
	buf_adds(&b, tail);
	return buf_take(&b, NULL);
}

static int
items_check(const struct charge_batch *b, const struct charge_batch_item *items, size_t n,
	    struct anju_err *e)
{
	struct period p;
	struct date d;

	if (b->source_type == NULL || b->source_type[0] == '\0' || strlen(b->source_type) > 32)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type", "费用来源不正确");
	if (b->period != NULL && b->period[0] != '\0' && period_parse(str_c(b->period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "period",
				 "所属期间应为 YYYY-MM 格式");
	for (size_t i = 0; i < n; i++) {
		const struct charge_batch_item *it = &items[i];

		if ((unsigned)it->kind >= CHARGE_KIND_COUNT)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind",
					 "没有这种费用类型");
		if (it->amount_fen <= 0 || it->amount_fen > MONEY_AMOUNT_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_amount", "amount_fen",
					 "金额应在 0.01 元到 1 亿元之间");
		if (it->due_on == NULL || date_parse(str_c(it->due_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "due_on",
					 "应缴日期应为 YYYY-MM-DD 格式");
		if (it->household_id <= 0 || it->source_id <= 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_id",
					 "批量费用应有家庭和来源");
	}
	return 0;
}

/* Finds the item of (source_id, kind) among those not yet matched.  Items
 * usually come in source order, so the search starts where the last one
 * ended. */
static struct charge_batch_item *
item_of(struct charge_batch_item *items, size_t n, size_t *hint, int64_t source_id,
	enum charge_kind kind)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = (*hint + k) % n;

		if (items[i].source_id == source_id && items[i].kind == kind && items[i].id == 0) {
			*hint = i + 1;
			return &items[i];
		}
	}
	return NULL;
}

/* Inserts the charges, k rows a statement; fills each new one's id. */
static int
insert_charges(struct db *db, const struct charge_batch *b, struct charge_batch_item *items,
	       size_t n, const char *now, const char *by, struct anju_err *e)
{
	size_t done = 0, hint = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		items[i].id = 0;
	while (done < n) {
		size_t k = rows_next(n - done);
		char *sql =
			multi_sql("INSERT INTO charge (household_id, kind, amount_fen, paid_fen,"
				  " due_on, period, source_type, source_id, state, note,"
				  " created_at, created_by) VALUES ",
				  "(?, ?, ?, 0, ?, ?, ?, ?, 'open', '', ?, ?)", k,
				  " ON CONFLICT (source_type, source_id, kind, period) DO NOTHING"
				  " RETURNING id, source_id, kind");
		struct db_stmt *st;
		int p = 1;

		rc = db_prepare(db, sql, &st);
		free(sql);
		if (rc != 0)
			return db_fail(db, rc, e);
		for (size_t i = done; i < done + k; i++) {
			/* The texts outlive the statement's run: bound, not copied. */
			db_bind_int64(st, p++, items[i].household_id);
			db_bind_static(st, p++, charge_kind_name(items[i].kind));
			db_bind_int64(st, p++, items[i].amount_fen);
			db_bind_static(st, p++, items[i].due_on);
			db_bind_static(st, p++, b->period ? b->period : "");
			db_bind_static(st, p++, b->source_type);
			db_bind_int64(st, p++, items[i].source_id);
			db_bind_static(st, p++, now);
			db_bind_static(st, p++, by);
		}
		while ((rc = db_step(st)) == DB_ROW) {
			enum charge_kind kind = CHARGE_OTHER;
			struct charge_batch_item *it;

			charge_kind_parse(db_col_text(st, 2), &kind);
			it = item_of(items + done, k, &hint, db_col_int64(st, 1), kind);
			if (it != NULL)
				it->id = db_col_int64(st, 0);
		}
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
		done += k;
		hint = 0;
	}
	return 0;
}

struct hh_sum {
	int64_t household_id, fen, account_id;
};

static int
cmp_hh(const void *a, const void *b)
{
	int64_t x = ((const struct hh_sum *)a)->household_id,
		y = ((const struct hh_sum *)b)->household_id;

	return x < y ? -1 : x > y;
}

/* Fills h[i].account_id from rows of (household_id, id). */
static int
accounts_read(struct db_stmt *st, struct hh_sum *h, size_t k)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		struct hh_sum key = { db_col_int64(st, 0), 0, 0 };
		struct hh_sum *x = bsearch(&key, h, k, sizeof(*h), cmp_hh);

		if (x != NULL)
			x->account_id = db_col_int64(st, 1);
	}
	db_reset(st);
	return rc;
}

/* Looks up (now NULL) or makes (now: the time made) the receivable
 * accounts of h's households (sorted), k a statement.  Looked up by code,
 * the unique key ledger_account_names() gives a household's account
 * ("receivable:12": the id from the 12th character), so that the index
 * alone answers; one made meanwhile by another transaction is skipped by
 * the insert and left at 0. */
static int
accounts_find(struct db *db, struct hh_sum *h, size_t n, const char *now, struct anju_err *e)
{
	/* A statement's codes, bound in place until it has run. */
	char(*code)[LEDGER_CODE_LEN] = xcalloc(ROWS_MAX, LEDGER_CODE_LEN);
	int rc = 0;

	for (size_t done = 0; done < n && rc == 0;) {
		size_t k = rows_next(n - done);
		char *sql = now == NULL ? multi_sql("SELECT CAST(SUBSTR(code, 12) AS BIGINT), id"
						    " FROM ledger_account WHERE code IN (",
						    "?", k, ")")
					: multi_sql("INSERT INTO ledger_account (code, kind, name,"
						    " household_id, created_at) VALUES ",
						    "(?, 'receivable', ?, ?, ?)", k,
						    " ON CONFLICT (code) DO NOTHING"
						    " RETURNING household_id, id");
		struct db_stmt *st;
		int p = 1;

		rc = db_prepare(db, sql, &st);
		free(sql);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			break;
		}
		for (size_t i = done; i < done + k; i++) {
			char name[LEDGER_NAME_LEN];

			ledger_account_names(LEDGER_RECEIVABLE, h[i].household_id, code[i - done],
					     name);
			db_bind_static(st, p++, code[i - done]);
			if (now == NULL)
				continue; /* IN (?, ?, ...) */
			db_bind_cstr(st, p++, name);
			db_bind_int64(st, p++, h[i].household_id);
			db_bind_cstr(st, p++, now);
		}
		rc = accounts_read(st, h + done, k);
		rc = rc == DB_DONE ? 0 : db_fail(db, rc, e);
		done += k;
	}
	free(code);
	return rc;
}

/* The households' accounts still unknown, copied out of h (in h's order). */
static size_t
accounts_missing(const struct hh_sum *h, size_t n, struct hh_sum **out)
{
	size_t m = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (h[i].account_id == 0) {
			*out = xrealloc(*out, (m + 1) * sizeof(**out));
			(*out)[m++] = h[i];
		}
	return m;
}

/* The receivable accounts of the households (sorted): looked up, and the
 * missing ones made (at a household's first charge; its deposit usually
 * made it long before). */
static int
receivables(struct db *db, struct hh_sum *h, size_t n, const char *now, struct anju_err *e)
{
	struct hh_sum *miss;
	size_t nmiss;
	int rc;

	if ((rc = accounts_find(db, h, n, NULL, e)) != 0)
		return rc;
	if ((nmiss = accounts_missing(h, n, &miss)) == 0)
		return 0;
	rc = accounts_find(db, miss, nmiss, now, e);
	for (size_t i = 0; rc == 0 && i < nmiss; i++)
		if (miss[i].account_id == 0) { /* made meanwhile elsewhere */
			rc = accounts_find(db, miss, nmiss, NULL, e);
			break;
		}
	for (size_t i = 0, x = 0; rc == 0 && i < n; i++) {
		if (h[i].account_id != 0)
			continue;
		if ((h[i].account_id = miss[x++].account_id) == 0)
			rc = anju_fail(e, ANJU_EINTERNAL, "ledger_account", NULL,
				       "住户 %lld 的应收账户缺失", (long long)h[i].household_id);
	}
	free(miss);
	return rc;
}

/* Adds to the stored balances of the period, k accounts a statement
 * (each account once: a statement may not update one row twice). */
#define BALANCE_UPSERT                                                                             \
	" ON CONFLICT (account_id, period) DO UPDATE SET"                                          \
	" debit_fen = ledger_balance.debit_fen + excluded.debit_fen,"                              \
	" credit_fen = ledger_balance.credit_fen + excluded.credit_fen"

/* Runs one multi-row statement of k rows of (account, amount): a journal
 * entry each when entries, else the balance each moves (a positive amount
 * a debit, a negative one a credit). */
static int
post_rows(struct db *db, const struct journal *j, const int64_t *account, const int64_t *fen,
	  size_t k, bool entries, struct anju_err *e)
{
	char *sql = entries ? multi_sql("INSERT INTO journal_entry (journal_id, account_id,"
					" period, amount_fen) VALUES ",
					"(?, ?, ?, ?)", k, "")
			    : multi_sql("INSERT INTO ledger_balance (account_id, period,"
					" debit_fen, credit_fen) VALUES ",
					"(?, ?, ?, ?)", k, BALANCE_UPSERT);
	struct db_stmt *st;
	int p = 1, rc = db_prepare(db, sql, &st);

	free(sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (size_t i = 0; i < k; i++) {
		if (entries)
			db_bind_int64(st, p++, j->id);
		db_bind_int64(st, p++, account[i]);
		db_bind_static(st, p++, j->period);
		if (entries) {
			db_bind_int64(st, p++, fen[i]);
		} else {
			db_bind_int64(st, p++, fen[i] > 0 ? fen[i] : 0);
			db_bind_int64(st, p++, fen[i] < 0 ? -fen[i] : 0);
		}
	}
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The journal's entries, one per household receivable (debited with the
 * sum of its new charges) and one per income account (credited with its
 * kinds' sum), and the stored balances they move. */
static int
post_entries(struct db *db, const struct journal *j, const struct hh_sum *h, size_t n,
	     const int64_t income[LEDGER_KIND_COUNT], const int64_t sums[LEDGER_KIND_COUNT],
	     struct anju_err *e)
{
	int64_t account[ROWS_MAX], fen[ROWS_MAX];
	size_t k;
	int rc;

	for (size_t done = 0; done < n; done += k) {
		k = rows_next(n - done);
		for (size_t i = 0; i < k; i++) {
			account[i] = h[done + i].account_id;
			fen[i] = h[done + i].fen;
		}
		if ((rc = post_rows(db, j, account, fen, k, true, e)) != 0 ||
		    (rc = post_rows(db, j, account, fen, k, false, e)) != 0)
			return rc;
	}
	k = 0;
	for (int x = 0; x < LEDGER_KIND_COUNT; x++)
		if (sums[x] != 0) {
			account[k] = income[x];
			fen[k++] = -sums[x];
		}
	/* Kinds may share an income account: one row each all the same for
	 * the entries, but the balance rows one statement each. */
	for (size_t i = 0; i < k; i++)
		if ((rc = post_rows(db, j, &account[i], &fen[i], 1, true, e)) != 0 ||
		    (rc = post_rows(db, j, &account[i], &fen[i], 1, false, e)) != 0)
			return rc;
	return 0;
}

/* The households of the batch that hold credit: their money settles what
 * they owe, as charge_raise() does for one charge. */
static int
settle_credit(struct db *db, struct charge_batch *b, const struct hh_sum *h, size_t n,
	      const struct audit_actor *who, struct anju_err *e)
{
	int64_t *with = NULL;
	size_t done = 0, nwith = 0;
	int rc = 0;

	while (done < n) {
		size_t k = rows_next(n - done);
		char *sql =
			multi_sql("SELECT DISTINCT household_id FROM payment WHERE state ="
				  " 'posted' AND allocated_fen < amount_fen AND household_id IN (",
				  "?", k, ") ORDER BY household_id");
		struct db_stmt *st;

		rc = db_prepare(db, sql, &st);
		free(sql);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		for (size_t i = done; i < done + k; i++)
			db_bind_int64(st, (int)(i - done) + 1, h[i].household_id);
		while ((rc = db_step(st)) == DB_ROW) {
			with = xrealloc(with, (nwith + 1) * sizeof(*with));
			with[nwith++] = db_col_int64(st, 0);
		}
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		done += k;
	}
	rc = 0;
	for (size_t i = 0; i < nwith && rc == 0; i++)
		rc = money_settle(db, with[i], who, e);
	b->settled = (int)nwith;
out:
	free(with);
	return rc;
}

int
charge_raise_batch(struct db *db, struct charge_batch *b, struct charge_batch_item *items, size_t n,
		   const struct audit_actor *who, struct anju_err *e)
{
	const char *by = who && who->principal ? who->principal : "anonymous";
	int64_t income[LEDGER_KIND_COUNT] = { 0 }, sums[LEDGER_KIND_COUNT] = { 0 };
	char now[TIME_FMT_LEN], oid[24];
	struct hh_sum *h = NULL;
	struct journal j;
	size_t nh = 0;
	json_t *after;
	int rc;

	b->journal_id = b->created = b->existed = b->total_fen = 0;
	b->first_id = b->last_id = 0;
	b->settled = 0;
	if (n == 0)
		return 0;
	if ((rc = items_check(b, items, n, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	if ((rc = insert_charges(db, b, items, n, now, by, e)) != 0)
		return rc;
	/* What is new, summed per household and per income account. */
	h = xcalloc(n, sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		enum ledger_kind inc = charge_kind_income(items[i].kind);

		if (items[i].id == 0) {
			b->existed++;
			continue;
		}
		b->created++;
		if (b->first_id == 0 || items[i].id < b->first_id)
			b->first_id = items[i].id;
		if (items[i].id > b->last_id)
			b->last_id = items[i].id;
		if (money_add(b->total_fen, items[i].amount_fen, &b->total_fen) != 0 ||
		    money_add(sums[inc], items[i].amount_fen, &sums[inc]) != 0) {
			rc = anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "金额超出范围");
			goto out;
		}
		h[nh].household_id = items[i].household_id;
		h[nh++].fen = items[i].amount_fen;
	}
	if (b->created == 0)
		goto out; /* a re-run: nothing new, no journal */
	qsort(h, nh, sizeof(*h), cmp_hh);
	{
		size_t m = 0;

		for (size_t i = 0; i < nh; i++) {
			if (m > 0 && h[m - 1].household_id == h[i].household_id) {
				if (money_add(h[m - 1].fen, h[i].fen, &h[m - 1].fen) != 0) {
					rc = anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL,
						       "金额超出范围");
					goto out;
				}
				continue;
			}
			h[m++] = h[i];
		}
		nh = m;
	}
	for (int k = 0; k < LEDGER_KIND_COUNT; k++)
		if (sums[k] != 0 &&
		    (rc = ledger_account(db, (enum ledger_kind)k, 0, &income[k], e)) != 0)
			goto out;
	if ((rc = receivables(db, h, nh, now, e)) != 0 ||
	    (rc = journal_begin(db, &j, NULL, "charge.batch", b->object_type, b->object_id, 0,
				b->memo, who, e)) != 0 ||
	    (rc = post_entries(db, &j, h, nh, income, sums, e)) != 0)
		goto out;
	b->journal_id = j.id;
	if ((rc = settle_credit(db, b, h, nh, who, e)) != 0)
		goto out;
	after = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "source_type",
			  b->source_type, "period", b->period ? b->period : "", "count",
			  (json_int_t)b->created, "first_id", (json_int_t)b->first_id, "last_id",
			  (json_int_t)b->last_id, "total_fen", (json_int_t)b->total_fen,
			  "journal_id", (json_int_t)b->journal_id, "existed",
			  (json_int_t)b->existed, "settled", b->settled);
	snprintf(oid, sizeof(oid), "%lld", (long long)b->object_id);
	rc = audit_write(db, who, "charge.raise_batch", b->object_type, oid, NULL, after, e);
	json_decref(after);
out:
	free(h);
	return rc;
}
