/*
 * The owners' side of reconciliation (rent part D): the monthly statement
 * of each owner (产权单位), cash remitted to the special account, and
 * payments out of the special account, kept apart from its income
 * (收支两条线).  See reconcile.h and docs/rent-reconciliation.md.
 *
 * An owner's rent is the rent and overstay rent of its communities: the
 * charges raised on lease chains (source_type lease_chain) whose community
 * the owner owns.  Due, paid and owed are the period's charges as they
 * stand; collected is what allocations posted in the period settled of the
 * owner's rent of any period, apart by cash (which the operator must remit)
 * and into the special account.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/money.h"
#include "core/text.h"
#include "money/ledger.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "store/db.h"
#include "store/page.h"
#include "transfer/xlsx.h"

#define TEXT_MAX 200

static int
owner_name(struct db *db, int64_t owner_id, char *name, size_t cap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT name FROM owner WHERE id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, owner_id);
	rc = db_step(st);
	if (rc == DB_ROW && name != NULL)
		snprintf(name, cap, "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "owner_not_found", NULL, "没有这个产权单位");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The first and last day of a period, for paid_on ranges. */
static int
period_days(const char *period, char first[DATE_FMT_LEN], char last[DATE_FMT_LEN],
	    struct anju_err *e)
{
	struct period p;

	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period",
				 "期间应为 YYYY-MM 格式");
	date_format(period_first_day(p), first);
	date_format(period_last_day(p), last);
	return 0;
}

static json_t *
remittance_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "owner_id",
			      (json_int_t)db_col_int64(st, 1), "owner_name", db_col_text(st, 2),
			      "period", db_col_text(st, 3), "amount_fen",
			      (json_int_t)db_col_int64(st, 4), "remitted_on", db_col_text(st, 5),
			      "reference", db_col_text(st, 6), "note", db_col_text(st, 7),
			      "created_by", db_col_text(st, 10), "created_at", db_col_text(st, 11));

	(void)ud;
	json_object_set_new(o, "bank_line_id",
			    db_col_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)));
	json_object_set_new(o, "journal_id",
			    db_col_null(st, 9) ? json_null() : json_integer(db_col_int64(st, 9)));
	return o;
}

static json_t *
disbursement_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "purpose", db_col_text(st, 1),
			      "debit_kind", db_col_text(st, 2), "payee", db_col_text(st, 5),
			      "amount_fen", (json_int_t)db_col_int64(st, 6), "paid_on",
			      db_col_text(st, 7), "reference", db_col_text(st, 8), "note",
			      db_col_text(st, 9), "created_by", db_col_text(st, 11), "created_at",
			      db_col_text(st, 12));

	(void)ud;
	json_object_set_new(o, "owner_id",
			    db_col_null(st, 3) ? json_null() : json_integer(db_col_int64(st, 3)));
	json_object_set_new(o, "owner_name",
			    db_col_null(st, 4) ? json_null() : json_string(db_col_text(st, 4)));
	json_object_set_new(o, "journal_id",
			    db_col_null(st, 10) ? json_null() : json_integer(db_col_int64(st, 10)));
	return o;
}

#define REMITTANCE_SELECT                                                                          \
	"SELECT r.id, r.owner_id, o.name, r.period, r.amount_fen, r.remitted_on, r.reference,"     \
	" r.note, r.bank_line_id, r.journal_id, r.created_by, r.created_at FROM remittance r"      \
	" JOIN owner o ON o.id = r.owner_id"
#define DISBURSEMENT_SELECT                                                                        \
	"SELECT d.id, d.purpose, d.debit_kind, d.owner_id, o.name, d.payee, d.amount_fen,"         \
	" d.paid_on, d.reference, d.note, d.journal_id, d.created_by, d.created_at"                \
	" FROM disbursement d LEFT JOIN owner o ON o.id = d.owner_id"

int
remittance_list(struct db *db, int64_t owner_id, const char *period, int64_t before_id, int limit,
		json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    REMITTANCE_SELECT " WHERE (? = 0 OR r.owner_id = ?)"
					      " AND (CAST(? AS TEXT) IS NULL OR r.period = ?)"
					      " AND (? = 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, owner_id);
	db_bind_int64(st, 2, owner_id);
	db_bind_cstr(st, 3, period);
	db_bind_cstr(st, 4, period);
	db_bind_int64(st, 5, before_id);
	db_bind_int64(st, 6, before_id);
	db_bind_int64(st, 7, limit + 1);
	rc = page_collect(st, limit, remittance_row, NULL, items, next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
disbursement_list(struct db *db, int64_t owner_id, const char *period, int64_t before_id, int limit,
		  json_t **items, int64_t *next, struct anju_err *e)
{
	char first[DATE_FMT_LEN] = "0000-00-00", last[DATE_FMT_LEN] = "9999-99-99";
	struct db_stmt *st;
	int rc;

	if (period != NULL && (rc = period_days(period, first, last, e)) != 0)
		return rc;
	rc = db_prepare(db,
			DISBURSEMENT_SELECT " WHERE (? = 0 OR d.owner_id = ?)"
					    " AND d.paid_on >= ? AND d.paid_on <= ?"
					    " AND (? = 0 OR d.id < ?) ORDER BY d.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, owner_id);
	db_bind_int64(st, 2, owner_id);
	db_bind_cstr(st, 3, first);
	db_bind_cstr(st, 4, last);
	db_bind_int64(st, 5, before_id);
	db_bind_int64(st, 6, before_id);
	db_bind_int64(st, 7, limit + 1);
	rc = page_collect(st, limit, disbursement_row, NULL, items, next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* Every row of a list query (no paging): for the statement. */
static int
all_rows(struct db *db, const char *sql, int64_t owner_id, const char *a, const char *b,
	 page_row_fn row, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t next;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, owner_id);
	db_bind_cstr(st, 2, a);
	db_bind_cstr(st, 3, b);
	rc = page_collect(st, 100000, row, NULL, items, &next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static void
add_to(json_t *o, const char *name, int64_t v)
{
	json_object_set_new(o, name,
			    json_integer(json_integer_value(json_object_get(o, name)) + v));
}

int
owner_statement(struct db *db, int64_t owner_id, const char *period, json_t **out,
		struct anju_err *e)
{
	char name[400], first[DATE_FMT_LEN], last[DATE_FMT_LEN];
	json_t *rows = NULL, *totals, *rems = NULL, *disbs = NULL, *r, *d;
	int64_t remitted = 0, spent = 0, fees = 0, other = 0;
	struct db_stmt *st;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = period_days(period, first, last, e)) != 0 ||
	    (rc = owner_name(db, owner_id, name, sizeof(name), e)) != 0)
		return rc;
	/* The period's rent of each community, as the charges stand. */
	rc = db_prepare(
		db,
		"SELECT cm.id, cm.name,"
		" COALESCE(SUM(CASE WHEN c.kind = 'rent' THEN c.amount_fen ELSE 0 END), 0),"
		" COALESCE(SUM(CASE WHEN c.kind = 'overstay_rent' THEN c.amount_fen"
		" ELSE 0 END), 0), COALESCE(SUM(c.paid_fen), 0)"
		" FROM community cm LEFT JOIN lease_chain lc ON lc.community_id = cm.id"
		" LEFT JOIN charge c ON c.source_type = 'lease_chain' AND c.source_id = lc.id"
		" AND c.kind IN ('rent', 'overstay_rent') AND c.period = ?"
		" AND c.state IN ('open', 'paid')"
		" WHERE cm.owner_id = ? GROUP BY cm.id, cm.name ORDER BY cm.id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	db_bind_int64(st, 2, owner_id);
	rows = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t rent = db_col_int64(st, 2), overstay = db_col_int64(st, 3),
			paid = db_col_int64(st, 4);

		json_array_append_new(
			rows, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
					"community_id", (json_int_t)db_col_int64(st, 0),
					"community_name", db_col_text(st, 1), "rent_due_fen",
					(json_int_t)rent, "overstay_due_fen", (json_int_t)overstay,
					"due_fen", (json_int_t)(rent + overstay), "paid_fen",
					(json_int_t)paid, "owed_fen",
					(json_int_t)(rent + overstay - paid), "collected_cash_fen",
					(json_int_t)0, "collected_special_fen", (json_int_t)0));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(rows);
		return db_fail(db, rc, e);
	}
	/* What the period's allocations settled of the owner's rent. */
	rc = db_prepare(
		db,
		"SELECT lc.community_id,"
		" COALESCE(SUM(CASE WHEN p.channel = 'cash' THEN a.amount_fen ELSE 0 END), 0),"
		" COALESCE(SUM(CASE WHEN p.channel <> 'cash' THEN a.amount_fen ELSE 0 END), 0)"
		" FROM allocation a JOIN journal j ON j.id = a.journal_id"
		" JOIN charge c ON c.id = a.charge_id JOIN payment p ON p.id = a.payment_id"
		" JOIN lease_chain lc ON c.source_type = 'lease_chain' AND lc.id = c.source_id"
		" JOIN community cm ON cm.id = lc.community_id"
		" WHERE j.period = ? AND cm.owner_id = ? AND c.kind IN ('rent', 'overstay_rent')"
		" GROUP BY lc.community_id",
		&st);
	if (rc != 0) {
		json_decref(rows);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, period);
	db_bind_int64(st, 2, owner_id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_foreach (rows, i, r)
			if (json_integer_value(json_object_get(r, "community_id")) ==
			    db_col_int64(st, 0)) {
				add_to(r, "collected_cash_fen", db_col_int64(st, 1));
				add_to(r, "collected_special_fen", db_col_int64(st, 2));
			}
	db_reset(st);
	if (rc < 0) {
		json_decref(rows);
		return db_fail(db, rc, e);
	}
	totals = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rent_due_fen", (json_int_t)0,
			   "overstay_due_fen", (json_int_t)0, "due_fen", (json_int_t)0, "paid_fen",
			   (json_int_t)0, "owed_fen", (json_int_t)0, "collected_cash_fen",
			   (json_int_t)0, "collected_special_fen", (json_int_t)0);
	json_array_foreach (rows, i, r) {
		const char *k;
		json_t *v;

		json_object_foreach (totals, k, v)
			add_to(totals, k, json_integer_value(json_object_get(r, k)));
	}
	if ((rc = all_rows(db,
			   REMITTANCE_SELECT " WHERE r.owner_id = ? AND r.period = ?"
					     " AND CAST(? AS TEXT) IS NULL ORDER BY r.id",
			   owner_id, period, NULL, remittance_row, &rems, e)) != 0 ||
	    (rc = all_rows(db,
			   DISBURSEMENT_SELECT " WHERE d.owner_id = ? AND d.paid_on >= ?"
					       " AND d.paid_on <= ? ORDER BY d.id",
			   owner_id, first, last, disbursement_row, &disbs, e)) != 0) {
		json_decref(rows);
		json_decref(totals);
		json_decref(rems);
		return rc;
	}
	json_array_foreach (rems, i, r)
		remitted += json_integer_value(json_object_get(r, "amount_fen"));
	json_array_foreach (disbs, i, d) {
		int64_t v = json_integer_value(json_object_get(d, "amount_fen"));

		spent += v;
		if (strcmp(json_string_value(json_object_get(d, "purpose")), "operator_fee") == 0)
			fees += v;
		else
			other += v;
	}
	*out = json_pack(
		"{s:{s:I, s:s}, s:s, s:{s:o, s:o, s:I, s:I, s:o}, s:{s:o, s:I, s:I, s:I}}", "owner",
		"id", (json_int_t)owner_id, "name", name, "period", period, "income", "communities",
		rows, "totals", totals, "remitted_fen", (json_int_t)remitted, "to_remit_fen",
		(json_int_t)(json_integer_value(json_object_get(totals, "collected_cash_fen")) -
			     remitted),
		"remittances", rems, "spending", "disbursements", disbs, "total_fen",
		(json_int_t)spent, "operator_fee_fen", (json_int_t)fees, "other_fen",
		(json_int_t)other);
	return 0;
}

/* ---- the statement as xlsx ---- */

static const char *
purpose_title(const char *p)
{
	return strcmp(p, "operator_fee") == 0 ? "运营服务费" : "其他支出";
}

static void
sheet_income(lxw_workbook *wb, json_t *s, lxw_format *bold, lxw_format *yuan, lxw_format *bold_yuan)
{
	static const char *const titles[] = { "小区",         "应收租金",     "应收逾期占用费",
					      "应收合计",     "已收",         "欠缴",
					      "本期现金收取", "本期专户收取", NULL };
	static const char *const keys[] = {
		"rent_due_fen",       "overstay_due_fen",      "due_fen", "paid_fen", "owed_fen",
		"collected_cash_fen", "collected_special_fen", NULL
	};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "收入");
	json_t *income = json_object_get(s, "income"), *r;
	lxw_row_t row = 0;
	char buf[600];
	size_t i;

	snprintf(buf, sizeof(buf), "%s  %s 租金对账单（收入）",
		 json_string_value(json_object_get(json_object_get(s, "owner"), "name")),
		 json_string_value(json_object_get(s, "period")));
	worksheet_write_string(ws, row, 0, buf, bold);
	row += 2;
	worksheet_set_column(ws, 0, 0, 24, NULL);
	worksheet_set_column(ws, 1, 7, 16, NULL);
	for (lxw_col_t c = 0; titles[c] != NULL; c++)
		worksheet_write_string(ws, row, c, titles[c], bold);
	json_array_foreach (json_object_get(income, "communities"), i, r) {
		row++;
		worksheet_write_string(
			ws, row, 0, json_string_value(json_object_get(r, "community_name")), NULL);
		for (lxw_col_t c = 0; keys[c] != NULL; c++)
			xlsx_write_fen(ws, row, c + 1,
				       json_integer_value(json_object_get(r, keys[c])), yuan);
	}
	row++;
	worksheet_write_string(ws, row, 0, "合计", bold);
	for (lxw_col_t c = 0; keys[c] != NULL; c++)
		xlsx_write_fen(ws, row, c + 1,
			       json_integer_value(
				       json_object_get(json_object_get(income, "totals"), keys[c])),
			       bold_yuan);
	row += 2;
	worksheet_write_string(ws, row, 0, "缴存专户记录", bold);
	row++;
	worksheet_write_string(ws, row, 0, "缴存日期", bold);
	worksheet_write_string(ws, row, 1, "金额", bold);
	worksheet_write_string(ws, row, 2, "凭证号", bold);
	worksheet_write_string(ws, row, 3, "备注", bold);
	json_array_foreach (json_object_get(income, "remittances"), i, r) {
		row++;
		worksheet_write_string(ws, row, 0,
				       json_string_value(json_object_get(r, "remitted_on")), NULL);
		xlsx_write_fen(ws, row, 1, json_integer_value(json_object_get(r, "amount_fen")),
			       yuan);
		worksheet_write_string(ws, row, 2,
				       json_string_value(json_object_get(r, "reference")), NULL);
		worksheet_write_string(ws, row, 3, json_string_value(json_object_get(r, "note")),
				       NULL);
	}
	row++;
	worksheet_write_string(ws, row, 0, "已缴存合计", bold);
	xlsx_write_fen(ws, row, 1, json_integer_value(json_object_get(income, "remitted_fen")),
		       bold_yuan);
	row++;
	worksheet_write_string(ws, row, 0, "现金待缴存", bold);
	xlsx_write_fen(ws, row, 1, json_integer_value(json_object_get(income, "to_remit_fen")),
		       bold_yuan);
}

static void
sheet_spending(lxw_workbook *wb, json_t *s, lxw_format *bold, lxw_format *yuan,
	       lxw_format *bold_yuan)
{
	static const char *const titles[] = { "支付日期", "用途", "收款方", "金额",
					      "凭证号",   "备注", NULL };
	lxw_worksheet *ws = workbook_add_worksheet(wb, "支出");
	json_t *spending = json_object_get(s, "spending"), *d;
	lxw_row_t row = 0;
	size_t i;

	worksheet_write_string(ws, row, 0, "专户支出（与收入分开列示）", bold);
	row += 2;
	worksheet_set_column(ws, 0, 5, 18, NULL);
	for (lxw_col_t c = 0; titles[c] != NULL; c++)
		worksheet_write_string(ws, row, c, titles[c], bold);
	json_array_foreach (json_object_get(spending, "disbursements"), i, d) {
		row++;
		worksheet_write_string(ws, row, 0, json_string_value(json_object_get(d, "paid_on")),
				       NULL);
		worksheet_write_string(
			ws, row, 1, purpose_title(json_string_value(json_object_get(d, "purpose"))),
			NULL);
		worksheet_write_string(ws, row, 2, json_string_value(json_object_get(d, "payee")),
				       NULL);
		xlsx_write_fen(ws, row, 3, json_integer_value(json_object_get(d, "amount_fen")),
			       yuan);
		worksheet_write_string(ws, row, 4,
				       json_string_value(json_object_get(d, "reference")), NULL);
		worksheet_write_string(ws, row, 5, json_string_value(json_object_get(d, "note")),
				       NULL);
	}
	row++;
	worksheet_write_string(ws, row, 0, "运营服务费合计", bold);
	xlsx_write_fen(ws, row, 3,
		       json_integer_value(json_object_get(spending, "operator_fee_fen")),
		       bold_yuan);
	row++;
	worksheet_write_string(ws, row, 0, "其他支出合计", bold);
	xlsx_write_fen(ws, row, 3, json_integer_value(json_object_get(spending, "other_fen")),
		       bold_yuan);
	row++;
	worksheet_write_string(ws, row, 0, "支出合计", bold);
	xlsx_write_fen(ws, row, 3, json_integer_value(json_object_get(spending, "total_fen")),
		       bold_yuan);
}

int
owner_statement_xlsx(struct db *db, int64_t owner_id, const char *period, struct buf *out,
		     struct anju_err *e)
{
	char path[XLSX_TEMP_PATH_MAX];
	lxw_workbook *wb;
	lxw_format *bold, *yuan, *bold_yuan;
	json_t *s = NULL;
	int rc;

	if ((rc = owner_statement(db, owner_id, period, &s, e)) != 0)
		return rc;
	if ((wb = xlsx_temp_new(path, e)) == NULL) {
		rc = ANJU_EIO;
		goto out;
	}
	bold = workbook_add_format(wb);
	yuan = workbook_add_format(wb);
	bold_yuan = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_num_format(yuan, "0.00");
	format_set_bold(bold_yuan);
	format_set_num_format(bold_yuan, "0.00");
	sheet_income(wb, s, bold, yuan, bold_yuan);
	sheet_spending(wb, s, bold, yuan, bold_yuan);
	rc = xlsx_temp_finish(wb, path, out, e);
out:
	json_decref(s);
	return rc;
}

/* ---- remittances and payments out ---- */

static int
check_day(const char *day, const char *field, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	struct date d;

	if (day == NULL || date_parse(str_c(day), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", field, "日期应为 YYYY-MM-DD 格式");
	date_format(date_today_shanghai(), today);
	if (strcmp(day, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "date_in_future", field, "日期不能晚于今天");
	return 0;
}

static int
check_text(const char *s, const char *field, struct anju_err *e)
{
	if (s != NULL && text_chars(s) > TEXT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "不能超过 %d 个字符",
				 TEXT_MAX);
	return 0;
}

/* The balance of a fixed ledger account, and a check that amount fits. */
static int
enough(struct db *db, enum ledger_kind k, int64_t amount, int64_t *account, bool *ok,
       struct anju_err *e)
{
	int64_t balance = 0;
	int rc;

	if ((rc = ledger_account(db, k, 0, account, e)) != 0 ||
	    (rc = ledger_balance(db, *account, &balance, e)) != 0)
		return rc;
	*ok = balance >= amount;
	return 0;
}

static int
check_amount(int64_t amount_fen, struct anju_err *e)
{
	if (amount_fen <= 0 || amount_fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_amount", "amount_fen",
				 "金额应在 0.01 元到 1 亿元之间");
	return 0;
}

/* The owner a remittance or payment out names exists (else 400). */
static int
check_owner(struct db *db, int64_t owner_id, struct anju_err *e)
{
	int rc = owner_name(db, owner_id, NULL, 0, e);

	return rc == ANJU_ENOTFOUND ? anju_fail(e, ANJU_EINVAL, "owner_not_found", "owner_id",
						"没有这个产权单位")
				    : rc;
}

/* Posts the journal of a remittance or payment out (table, id: the row),
 * Dr debit / Cr credit, and keeps its id on the row. */
static int
book(struct db *db, const char *table, int64_t id, const char *memo, int64_t debit, int64_t credit,
     int64_t amount_fen, const struct audit_actor *who, struct journal *j, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = journal_begin(db, j, NULL, table, table, id, 0, memo, who, e)) != 0 ||
	    (rc = journal_move(j, debit, credit, amount_fen, e)) != 0 ||
	    (rc = journal_post(db, j, e)) != 0)
		return rc;
	rc = db_prepare(db,
			strcmp(table, "remittance") == 0
				? "UPDATE remittance SET journal_id = ? WHERE id = ?"
				: "UPDATE disbursement SET journal_id = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, j->id);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
remittance_record(struct db *db, const struct remittance_in *in, const struct audit_actor *who,
		  int64_t *id, struct anju_err *e)
{
	char first[DATE_FMT_LEN], last[DATE_FMT_LEN], now[TIME_FMT_LEN], oid[24];
	int64_t cash, special;
	struct journal j;
	struct db_stmt *st;
	json_t *after;
	bool ok;
	int rc;

	if ((rc = period_days(in->period, first, last, e)) != 0 ||
	    (rc = check_day(in->remitted_on, "remitted_on", e)) != 0 ||
	    (rc = check_text(in->reference, "reference", e)) != 0 ||
	    (rc = check_text(in->note, "note", e)) != 0)
		return rc;
	if ((rc = check_amount(in->amount_fen, e)) != 0 ||
	    (rc = check_owner(db, in->owner_id, e)) != 0)
		return rc;
	/* Only cash that was collected can be remitted. */
	if ((rc = enough(db, LEDGER_CASH, in->amount_fen, &cash, &ok, e)) != 0)
		return rc;
	if (!ok)
		return anju_fail(e, ANJU_ECONFLICT, "remittance_exceeds_cash", "amount_fen",
				 "缴存金额超过账上的库存现金");
	if ((rc = ledger_account(db, LEDGER_SPECIAL_RENT, 0, &special, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO remittance (owner_id, period, amount_fen, remitted_on, reference,"
		" note, bank_line_id, created_by, created_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->owner_id);
	db_bind_cstr(st, 2, in->period);
	db_bind_int64(st, 3, in->amount_fen);
	db_bind_cstr(st, 4, in->remitted_on);
	db_bind_cstr(st, 5, in->reference ? in->reference : "");
	db_bind_cstr(st, 6, in->note ? in->note : "");
	if (in->bank_line_id > 0)
		db_bind_int64(st, 7, in->bank_line_id);
	else
		db_bind_null(st, 7);
	db_bind_cstr(st, 8, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 9, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	/* The deposit's statement line, when given, leaves suspense: its money
	 * is this remittance. */
	if (in->bank_line_id > 0 && (rc = bank_line_take_remittance(db, in->bank_line_id, *id,
								    in->amount_fen, who, e)) != 0)
		return rc;
	if ((rc = book(db, "remittance", *id, "现金缴存专户", special, cash, in->amount_fen, who,
		       &j, e)) != 0)
		return rc;
	after = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I}", "owner_id", (json_int_t)in->owner_id,
			  "period", in->period, "amount_fen", (json_int_t)in->amount_fen,
			  "remitted_on", in->remitted_on, "reference",
			  in->reference ? in->reference : "", "journal_id", (json_int_t)j.id);
	if (in->bank_line_id > 0)
		json_object_set_new(after, "bank_line_id", json_integer(in->bank_line_id));
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	rc = audit_write(db, who, "remittance.record", "remittance", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
disbursement_record(struct db *db, const struct disbursement_in *in, const struct audit_actor *who,
		    int64_t *id, struct anju_err *e)
{
	const char *kind_name = in->debit_kind;
	char now[TIME_FMT_LEN], oid[24];
	enum ledger_kind kind;
	int64_t special, debit;
	struct journal j;
	struct db_stmt *st;
	json_t *after;
	bool ok, fee;
	int rc;

	fee = in->purpose != NULL && strcmp(in->purpose, "operator_fee") == 0;
	if (!fee && (in->purpose == NULL || strcmp(in->purpose, "other") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "purpose",
				 "用途应为 operator_fee 或 other");
	if (fee && kind_name != NULL && strcmp(kind_name, "operator_fees") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "debit_kind",
				 "运营服务费记入应付运营服务费（operator_fees）");
	if (fee)
		kind_name = "operator_fees";
	if (!fee && (kind_name == NULL ||
		     (strcmp(kind_name, "bank") != 0 && strcmp(kind_name, "rent_income") != 0 &&
		      strcmp(kind_name, "other_income") != 0)))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "debit_kind",
				 "其他支出须指明借记科目：bank、rent_income 或 other_income");
	if (ledger_kind_parse(kind_name, &kind) != 0)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "unknown ledger kind %s",
				 kind_name);
	if (in->payee == NULL || text_chars(in->payee) < 1 || text_chars(in->payee) > 100)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "payee",
				 "收款方应为 1 到 100 个字符");
	if ((rc = check_day(in->paid_on, "paid_on", e)) != 0 ||
	    (rc = check_text(in->reference, "reference", e)) != 0 ||
	    (rc = check_text(in->note, "note", e)) != 0)
		return rc;
	if ((rc = check_amount(in->amount_fen, e)) != 0 ||
	    (in->owner_id > 0 && (rc = check_owner(db, in->owner_id, e)) != 0))
		return rc;
	if ((rc = enough(db, LEDGER_SPECIAL_RENT, in->amount_fen, &special, &ok, e)) != 0)
		return rc;
	if (!ok)
		return anju_fail(e, ANJU_ECONFLICT, "special_account_insufficient", "amount_fen",
				 "支出金额超过专户余额");
	if ((rc = ledger_account(db, kind, 0, &debit, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO disbursement (purpose, debit_kind, owner_id, payee, amount_fen,"
		" paid_on, reference, note, created_by, created_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, fee ? "operator_fee" : "other");
	db_bind_cstr(st, 2, kind_name);
	if (in->owner_id > 0)
		db_bind_int64(st, 3, in->owner_id);
	else
		db_bind_null(st, 3);
	db_bind_cstr(st, 4, in->payee);
	db_bind_int64(st, 5, in->amount_fen);
	db_bind_cstr(st, 6, in->paid_on);
	db_bind_cstr(st, 7, in->reference ? in->reference : "");
	db_bind_cstr(st, 8, in->note ? in->note : "");
	db_bind_cstr(st, 9, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 10, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	if ((rc = book(db, "disbursement", *id, fee ? "支付运营服务费" : "专户其他支出", debit,
		       special, in->amount_fen, who, &j, e)) != 0)
		return rc;
	after = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "purpose",
			  fee ? "operator_fee" : "other", "debit_kind", kind_name, "payee",
			  in->payee, "amount_fen", (json_int_t)in->amount_fen, "paid_on",
			  in->paid_on, "journal_id", (json_int_t)j.id);
	if (in->owner_id > 0)
		json_object_set_new(after, "owner_id", json_integer(in->owner_id));
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	rc = audit_write(db, who, "disbursement.record", "disbursement", oid, NULL, after, e);
	json_decref(after);
	return rc;
}
