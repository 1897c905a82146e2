/*
 * The ledger.  See ledger.h.
 */
#include "money/ledger.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/money.h"
#include "store/db.h"
#include "store/page.h"

static const struct {
	const char *name;
	const char *title;
	bool per_household;
} kinds[LEDGER_KIND_COUNT] = {
	[LEDGER_CASH] = { "cash", "库存现金", false },
	[LEDGER_BANK] = { "bank", "银行存款", false },
	[LEDGER_SPECIAL_RENT] = { "special_rent", "保障房租金专户", false },
	[LEDGER_DEPOSIT] = { "deposit", "履约保证金", false },
	[LEDGER_DEPOSIT_BILLED] = { "deposit_billed", "应收履约保证金", false },
	[LEDGER_RENT_INCOME] = { "rent_income", "租金收入", false },
	[LEDGER_OTHER_INCOME] = { "other_income", "其他收入", false },
	[LEDGER_SUSPENSE] = { "suspense", "待查明款项", false },
	[LEDGER_OPERATOR_FEES] = { "operator_fees", "应付运营服务费", false },
	[LEDGER_RECEIVABLE] = { "receivable", "应收住户款", true },
	[LEDGER_CREDIT] = { "credit", "住户预收款", true },
};

const char *
ledger_kind_name(enum ledger_kind k)
{
	return (unsigned)k < LEDGER_KIND_COUNT ? kinds[k].name : NULL;
}

int
ledger_kind_parse(const char *name, enum ledger_kind *out)
{
	for (int k = 0; name != NULL && k < LEDGER_KIND_COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0) {
			*out = (enum ledger_kind)k;
			return 0;
		}
	return -1;
}

static int
account_id_of(struct db *db, const char *code, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT id FROM ledger_account WHERE code = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return ANJU_ENOTFOUND;
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

void
ledger_account_names(enum ledger_kind k, int64_t household_id, char code[LEDGER_CODE_LEN],
		     char name[LEDGER_NAME_LEN])
{
	if (household_id > 0) {
		snprintf(code, LEDGER_CODE_LEN, "%s:%lld", kinds[k].name, (long long)household_id);
		snprintf(name, LEDGER_NAME_LEN, "%s（住户 %lld）", kinds[k].title,
			 (long long)household_id);
	} else {
		snprintf(code, LEDGER_CODE_LEN, "%s", kinds[k].name);
		snprintf(name, LEDGER_NAME_LEN, "%s", kinds[k].title);
	}
}

int
ledger_account(struct db *db, enum ledger_kind k, int64_t household_id, int64_t *id,
	       struct anju_err *e)
{
	char code[LEDGER_CODE_LEN], name[LEDGER_NAME_LEN], now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	if ((unsigned)k >= LEDGER_KIND_COUNT || kinds[k].per_household != (household_id > 0))
		return anju_fail(e, ANJU_EINTERNAL, "ledger_account", NULL, "账户类型与住户不符");
	ledger_account_names(k, household_id, code, name);
	rc = account_id_of(db, code, id, e);
	if (rc != ANJU_ENOTFOUND)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO ledger_account (code, kind, name, household_id, created_at)"
			" VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	db_bind_cstr(st, 2, kinds[k].name);
	db_bind_cstr(st, 3, name);
	if (household_id > 0)
		db_bind_int64(st, 4, household_id);
	else
		db_bind_null(st, 4);
	db_bind_cstr(st, 5, now);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	return account_id_of(db, code, id, e);
}

void
ledger_current_period(char period[PERIOD_FMT_LEN])
{
	period_format(period_of(date_today_shanghai()), period);
}

int
ledger_period_closed(struct db *db, const char *period, bool *closed, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*closed = false;
	if ((rc = db_prepare(db, "SELECT state FROM ledger_period WHERE period = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	rc = db_step(st);
	if (rc == DB_ROW)
		*closed = strcmp(db_col_text(st, 0), "closed") == 0;
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
ledger_close_period(struct db *db, const char *period, const struct audit_actor *who,
		    struct anju_err *e)
{
	struct period p, now = period_of(date_today_shanghai());
	char now_text[TIME_FMT_LEN];
	struct db_stmt *st;
	int64_t open_before = 0;
	bool closed;
	json_t *after;
	int rc;

	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "period",
				 "会计期间应为 YYYY-MM 格式");
	if (period_cmp(p, now) >= 0)
		return anju_fail(e, ANJU_ECONFLICT, "period_not_ended", "period",
				 "会计期间 %s 尚未结束，不能结账", period);
	if ((rc = ledger_period_closed(db, period, &closed, e)) != 0)
		return rc;
	if (closed)
		return anju_fail(e, ANJU_ECONFLICT, "period_closed", "period", "会计期间 %s 已结账",
				 period);
	/* An earlier period with entries that is still open must close first. */
	rc = db_prepare(db,
			"SELECT COUNT(*) FROM journal j WHERE j.period < ? AND NOT EXISTS"
			" (SELECT 1 FROM ledger_period p WHERE p.period = j.period"
			" AND p.state = 'closed')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	rc = db_step(st);
	if (rc == DB_ROW)
		open_before = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (open_before > 0)
		return anju_fail(e, ANJU_ECONFLICT, "earlier_period_open", "period",
				 "%s 之前还有未结账的会计期间，请先结账", period);
	time_format_utc(time_now_us(), now_text);
	rc = db_prepare(db,
			"INSERT INTO ledger_period (period, state, closed_at, closed_by)"
			" VALUES (?, 'closed', ?, ?) ON CONFLICT (period) DO UPDATE SET"
			" state = 'closed', closed_at = excluded.closed_at,"
			" closed_by = excluded.closed_by",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	db_bind_cstr(st, 2, now_text);
	db_bind_cstr(st, 3, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:s}", "period", period, "state", "closed");
	rc = audit_write(db, who, "ledger.close", "ledger_period", period, NULL, after, e);
	json_decref(after);
	return rc;
}

int
journal_begin(struct db *db, struct journal *j, const char *period, const char *event,
	      const char *object_type, int64_t object_id, int64_t reverses_id, const char *memo,
	      const struct audit_actor *who, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	bool closed;
	int rc;

	memset(j, 0, sizeof(*j));
	if (period != NULL)
		snprintf(j->period, sizeof(j->period), "%s", period);
	else
		ledger_current_period(j->period);
	if ((rc = ledger_period_closed(db, j->period, &closed, e)) != 0)
		return rc;
	if (closed)
		return anju_fail(e, ANJU_ECONFLICT, "period_closed", NULL,
				 "会计期间 %s 已结账，不能再记账", j->period);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
			" memo, posted_at, posted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, j->period);
	db_bind_cstr(st, 2, event);
	db_bind_cstr(st, 3, object_type);
	db_bind_int64(st, 4, object_id);
	if (reverses_id > 0)
		db_bind_int64(st, 5, reverses_id);
	else
		db_bind_null(st, 5);
	db_bind_cstr(st, 6, memo ? memo : "");
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		j->id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
journal_add(struct journal *j, int64_t account_id, int64_t amount_fen, struct anju_err *e)
{
	for (int i = 0; i < j->n; i++)
		if (j->lines[i].account_id == account_id) {
			if (money_add(j->lines[i].amount_fen, amount_fen,
				      &j->lines[i].amount_fen) != 0)
				return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL,
						 "金额超出范围");
			return 0;
		}
	if (j->n == JOURNAL_MAX_LINES)
		return anju_fail(e, ANJU_EINTERNAL, "journal_full", NULL, "一笔凭证的分录过多");
	j->lines[j->n++] = (struct journal_line){ account_id, amount_fen };
	return 0;
}

int
journal_move(struct journal *j, int64_t debit_account, int64_t credit_account, int64_t amount_fen,
	     struct anju_err *e)
{
	int rc;

	if (amount_fen <= 0)
		return anju_fail(e, ANJU_EINTERNAL, "journal_amount", NULL, "分录金额必须为正");
	if ((rc = journal_add(j, debit_account, amount_fen, e)) != 0)
		return rc;
	return journal_add(j, credit_account, -amount_fen, e);
}

static int
balance_move(struct db *db, int64_t account_id, const char *period, int64_t amount_fen,
	     struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen)"
			" VALUES (?, ?, ?, ?) ON CONFLICT (account_id, period) DO UPDATE SET"
			" debit_fen = ledger_balance.debit_fen + excluded.debit_fen,"
			" credit_fen = ledger_balance.credit_fen + excluded.credit_fen",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, period);
	db_bind_int64(st, 3, amount_fen > 0 ? amount_fen : 0);
	db_bind_int64(st, 4, amount_fen < 0 ? -amount_fen : 0);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
journal_post(struct db *db, struct journal *j, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t sum = 0;
	int rc, lines = 0;

	for (int i = 0; i < j->n; i++) {
		if (money_add(sum, j->lines[i].amount_fen, &sum) != 0)
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "金额超出范围");
		lines += j->lines[i].amount_fen != 0;
	}
	if (sum != 0 || lines == 0)
		return anju_fail(e, ANJU_EINTERNAL, "journal_unbalanced", NULL,
				 "凭证借贷不平衡（差额 %lld 分）", (long long)sum);
	for (int i = 0; i < j->n; i++) {
		if (j->lines[i].amount_fen == 0)
			continue;
		rc = db_prepare(
			db,
			"INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
			" VALUES (?, ?, ?, ?)",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, j->id);
		db_bind_int64(st, 2, j->lines[i].account_id);
		db_bind_cstr(st, 3, j->period);
		db_bind_int64(st, 4, j->lines[i].amount_fen);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
		if ((rc = balance_move(db, j->lines[i].account_id, j->period,
				       j->lines[i].amount_fen, e)) != 0)
			return rc;
	}
	return 0;
}

int
journal_reverse(struct db *db, int64_t id, const char *event, const char *memo,
		const struct audit_actor *who, int64_t *reversal_id, struct anju_err *e)
{
	struct journal j;
	struct db_stmt *st;
	char object_type[32];
	int64_t object_id = 0;
	int rc;

	rc = db_prepare(db, "SELECT object_type, object_id FROM journal WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(object_type, sizeof(object_type), "%s", db_col_text(st, 0));
		object_id = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "journal_not_found", NULL, "没有这笔凭证");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = journal_begin(db, &j, NULL, event, object_type, object_id, id, memo, who, e)) !=
	    0)
		return rc;
	rc = db_prepare(db,
			"SELECT account_id, amount_fen FROM journal_entry WHERE journal_id = ?"
			" ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		if ((rc = journal_add(&j, db_col_int64(st, 0), -db_col_int64(st, 1), e)) != 0)
			break;
	db_reset(st);
	if (rc != DB_DONE)
		return rc < 0 ? rc : db_fail(db, rc, e);
	if ((rc = journal_post(db, &j, e)) != 0)
		return rc;
	if (reversal_id != NULL)
		*reversal_id = j.id;
	return 0;
}

int
ledger_balance(struct db *db, int64_t account_id, int64_t *fen, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*fen = 0;
	rc = db_prepare(db,
			"SELECT COALESCE(SUM(debit_fen), 0) - COALESCE(SUM(credit_fen), 0)"
			" FROM ledger_balance WHERE account_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*fen = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Whose account page a journal is shown on. */
struct journal_view {
	struct db *db;
	int64_t household_id;
};

/* A batch journal (many households' charges at once, money/batch.c) shows a
 * household only its own lines, and its share of the other side when that
 * is one account, so the page reads as if the household's charges had a
 * journal of their own and nobody sees another household's amounts. */
static void
batch_lines(struct db *db, int64_t journal_id, int64_t household_id, json_t *arr)
{
	struct db_stmt *st;
	int64_t own = 0, others = 0;
	char code[64] = "", kind[32] = "", name[96] = "";

	if (db_prepare(db,
		       "SELECT a.code, a.kind, a.name, e.amount_fen, a.household_id FROM"
		       " journal_entry e JOIN ledger_account a ON a.id = e.account_id"
		       " WHERE e.journal_id = ? AND (a.household_id = ? OR a.household_id IS NULL)"
		       " ORDER BY e.id",
		       &st) != 0)
		return;
	db_bind_int64(st, 1, journal_id);
	db_bind_int64(st, 2, household_id);
	while (db_step(st) == DB_ROW) {
		if (!db_col_null(st, 4)) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "account",
							     db_col_text(st, 0), "kind",
							     db_col_text(st, 1), "name",
							     db_col_text(st, 2), "amount_fen",
							     (json_int_t)db_col_int64(st, 3)));
			own += db_col_int64(st, 3);
		} else if (others++ == 0) {
			snprintf(code, sizeof(code), "%s", db_col_text(st, 0));
			snprintf(kind, sizeof(kind), "%s", db_col_text(st, 1));
			snprintf(name, sizeof(name), "%s", db_col_text(st, 2));
		}
	}
	db_reset(st);
	if (others == 1 && own != 0)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "account", code,
						     "kind", kind, "name", name, "amount_fen",
						     (json_int_t)-own));
}

static json_t *
journal_row(struct db_stmt *st, void *ud)
{
	const struct journal_view *v = ud;
	struct db *db = v->db;
	struct db_stmt *lines;
	json_t *j, *arr = json_array();
	int rc;

	j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "period", db_col_text(st, 1), "event",
		      db_col_text(st, 2), "object_type", db_col_text(st, 3), "object_id",
		      (json_int_t)db_col_int64(st, 4), "memo", db_col_text(st, 5), "posted_at",
		      db_col_text(st, 6), "posted_by", db_col_text(st, 7));
	json_object_set_new(j, "reverses_id",
			    db_col_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)));
	if (strcmp(db_col_text(st, 2), "charge.batch") == 0) {
		batch_lines(db, db_col_int64(st, 0), v->household_id, arr);
		json_object_set_new(j, "lines", arr);
		return j;
	}
	rc = db_prepare(db,
			"SELECT a.code, a.kind, a.name, e.amount_fen FROM journal_entry e"
			" JOIN ledger_account a ON a.id = e.account_id WHERE e.journal_id = ?"
			" ORDER BY e.id",
			&lines);
	if (rc == 0) {
		db_bind_int64(lines, 1, db_col_int64(st, 0));
		while (db_step(lines) == DB_ROW)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "account",
							     db_col_text(lines, 0), "kind",
							     db_col_text(lines, 1), "name",
							     db_col_text(lines, 2), "amount_fen",
							     (json_int_t)db_col_int64(lines, 3)));
		db_reset(lines);
	}
	json_object_set_new(j, "lines", arr);
	return j;
}

int
ledger_household_lines(struct db *db, int64_t household_id, int64_t before_id, int limit,
		       json_t **items, int64_t *next, struct anju_err *e)
{
	struct journal_view v = { db, household_id };
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT j.id, j.period, j.event, j.object_type, j.object_id, j.memo,"
			" j.posted_at, j.posted_by, j.reverses_id FROM journal j WHERE j.id < ?"
			" AND EXISTS (SELECT 1 FROM journal_entry e JOIN ledger_account a"
			" ON a.id = e.account_id WHERE e.journal_id = j.id AND a.household_id = ?)"
			" ORDER BY j.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int64(st, 2, household_id);
	db_bind_int64(st, 3, limit + 1);
	rc = page_collect(st, limit, journal_row, &v, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}
