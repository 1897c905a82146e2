/*
 * Bank statements (rent part D): our bank accounts, each bank's statement
 * layout as data, and the import of a statement file as a job.  See
 * reconcile.h and docs/rent-reconciliation.md.
 *
 * An import stores the file sealed (it holds tenants' account numbers) and
 * queues "bank_statement_import".  The job reads the whole file and
 * validates every row before anything is written: a file with any bad row
 * publishes nothing, its report names each row, column and reason.  A good
 * file's lines are added in one transaction, each under its identity (the
 * bank's serial number, or a hash of the line with its occurrence among
 * identical lines of the file), so a re-import or an overlapping export adds
 * only what is new; the new lines are matched (match.c) in the same
 * transaction.  Then the payments of the exact matches are taken in chunks
 * of their own, and what is left unmatched goes into suspense with the last
 * chunk, which also drops the file.  A job taken over after a crash finds
 * its place from its checkpoint: "" (nothing published), "p" (published:
 * posting), or the statement's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/text.h"
#include "http/http.h"
#include "jobs/job.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "rent/rent.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

/* Lines per multi-row INSERT (17 parameters each), tokens per INSERT. */
#define LINE_BATCH  100
#define TOKEN_BATCH 400
/* Matched lines whose payments one chunk takes. */
#define POST_CHUNK 500
/* Tokens kept of one remark. */
#define TOKENS_MAX    8
#define TOKEN_MIN     3
#define TOKEN_MAX     64
#define SERIAL_MAX    48
#define NAME_MAX      200
#define REMARK_MAX    500
#define FILE_NAME_MAX 200
/* A payer account number: digits (spaces and dashes ignored). */
#define ACCOUNT_MIN_DIGITS 6
#define ACCOUNT_MAX_DIGITS 32

static const char *const date_formats[] = { "YYYY-MM-DD", "YYYYMMDD", "YYYY/MM/DD", NULL };
static const char *const encodings[] = { "auto", "utf8", "gb18030", NULL };
static const char *const ledger_kinds[] = { "special_rent", "bank", NULL };

/* The column numbers of a format, in the order of col_names. */
enum col {
	C_SERIAL,
	C_DATE,
	C_AMOUNT,
	C_CREDIT,
	C_DEBIT,
	C_CP_ACCOUNT,
	C_CP_NAME,
	C_REMARK,
	C_BALANCE,
	C_COUNT,
};

static const char *const col_names[C_COUNT] = {
	"col_serial",
	"col_date",
	"col_amount",
	"col_credit",
	"col_debit",
	"col_counterparty_account",
	"col_counterparty_name",
	"col_remark",
	"col_balance",
};

static const char *const col_titles[C_COUNT] = {
	"流水号",   "交易日期", "金额", "贷方金额", "借方金额",
	"对方账号", "对方户名", "摘要", "余额",
};

static bool
one_of(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *
jstr(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

/* The row of sql whose id (its one parameter) is id, made by row(); when
 * there is none, ANJU_ENOTFOUND with key and msg. */
static int
get_row(struct db *db, const char *sql, int64_t id, page_row_fn row, json_t **out, const char *key,
	const char *msg, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_row_json(db, st, row, out, key, msg, e);
}

/* ---- formats ---- */

#define FORMAT_COLS                                                                                \
	"id, bank_code, bank_name, encoding, skip_rows, date_format, col_serial, col_date,"        \
	" col_amount, col_credit, col_debit, col_counterparty_account, col_counterparty_name,"     \
	" col_remark, col_balance, created_at, updated_at"

static json_t *
format_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "bank_code", db_col_text(st, 1),
			      "bank_name", db_col_text(st, 2), "encoding", db_col_text(st, 3),
			      "skip_rows", (json_int_t)db_col_int64(st, 4), "date_format",
			      db_col_text(st, 5), "created_at", db_col_text(st, 15), "updated_at",
			      db_col_text(st, 16));

	(void)ud;
	for (int c = 0; c < C_COUNT; c++)
		json_object_set_new(o, col_names[c], int_or_null(st, 6 + c));
	return o;
}

int
bank_format_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t next;
	int rc = db_prepare(db, "SELECT " FORMAT_COLS " FROM bank_format ORDER BY id", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	rc = page_collect(st, 1000, format_row, NULL, items, &next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bank_format_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	return get_row(db, "SELECT " FORMAT_COLS " FROM bank_format WHERE id = ?", id, format_row,
		       out, "bank_format_not_found", "没有这种对账单格式", e);
}

/* Audits a saved row of table ("<table>.update" or "<table>.create"): the
 * row read back with get, against before (freed here), without the times. */
static int
audit_saved(struct db *db, const struct audit_actor *who, const char *table, bool update,
	    int (*get)(struct db *, int64_t, json_t **, struct anju_err *), int64_t id,
	    json_t *before, struct anju_err *e)
{
	json_t *after = NULL, *d;
	char action[48], oid[24];
	int rc;

	if ((rc = get(db, id, &after, e)) != 0) {
		json_decref(before);
		return rc;
	}
	json_object_del(after, "updated_at");
	json_object_del(after, "created_at");
	if (before != NULL) {
		json_object_del(before, "updated_at");
		json_object_del(before, "created_at");
	}
	d = audit_diff(before, after);
	snprintf(action, sizeof(action), "%s.%s", table, update ? "update" : "create");
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, table, oid, json_object_get(d, "before"),
			 json_object_get(d, "after"), e);
	json_decref(d);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* The rules of a format beyond its fields' shapes. */
static int
format_check(json_t *in, struct anju_err *e)
{
	int64_t at[C_COUNT];
	const char *code = jstr(in, "bank_code");

	for (const char *p = code; p != NULL && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "bank_code",
					 "银行代码只能由小写字母、数字和下划线组成");
	if (!one_of(jstr(in, "date_format"), date_formats))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "date_format",
				 "日期格式应为 YYYY-MM-DD、YYYYMMDD 或 YYYY/MM/DD");
	for (int c = 0; c < C_COUNT; c++) {
		json_t *v = json_object_get(in, col_names[c]);

		at[c] = json_is_integer(v) ? json_integer_value(v) : 0;
		for (int d = 0; d < c; d++)
			if (at[c] > 0 && at[c] == at[d])
				return anju_fail(e, ANJU_EINVAL, "column_used_twice", col_names[c],
						 "第 %lld 列同时用作%s和%s", (long long)at[c],
						 col_titles[d], col_titles[c]);
	}
	if (at[C_AMOUNT] > 0 && (at[C_CREDIT] > 0 || at[C_DEBIT] > 0))
		return anju_fail(e, ANJU_EINVAL, "amount_columns", "col_amount",
				 "金额列与贷方、借方列只能二选一");
	if (at[C_AMOUNT] == 0 && (at[C_CREDIT] == 0 || at[C_DEBIT] == 0))
		return anju_fail(e, ANJU_EINVAL, "amount_columns", "col_amount",
				 "需要金额列，或者贷方（收入）和借方（支出）两列");
	return 0;
}

int
bank_format_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		 int64_t *out_id, struct anju_err *e)
{
	json_t *before = NULL;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = format_check(in, e)) != 0)
		return rc;
	if (id > 0 && (rc = bank_format_get(db, id, &before, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		id > 0 ? "UPDATE bank_format SET bank_code = ?, bank_name = ?, encoding = ?,"
			 " skip_rows = ?, date_format = ?, col_serial = ?, col_date = ?,"
			 " col_amount = ?, col_credit = ?, col_debit = ?,"
			 " col_counterparty_account = ?, col_counterparty_name = ?,"
			 " col_remark = ?, col_balance = ?, updated_at = ? WHERE id = ?"
			 " RETURNING id"
		       : "INSERT INTO bank_format (bank_code, bank_name, encoding, skip_rows,"
			 " date_format, col_serial, col_date, col_amount, col_credit,"
			 " col_debit, col_counterparty_account, col_counterparty_name,"
			 " col_remark, col_balance, updated_at, created_at)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, jstr(in, "bank_code"));
	db_bind_cstr(st, 2, jstr(in, "bank_name"));
	db_bind_cstr(st, 3, jstr(in, "encoding") ? jstr(in, "encoding") : "auto");
	db_bind_int64(st, 4, json_integer_value(json_object_get(in, "skip_rows")));
	db_bind_cstr(st, 5, jstr(in, "date_format"));
	for (int c = 0; c < C_COUNT; c++) {
		json_t *v = json_object_get(in, col_names[c]);

		if (json_is_integer(v))
			db_bind_int64(st, 6 + c, json_integer_value(v));
		else
			db_bind_null(st, 6 + c);
	}
	db_bind_cstr(st, 15, now);
	if (id > 0)
		db_bind_int64(st, 16, id);
	else
		db_bind_cstr(st, 16, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT) {
		json_decref(before);
		return anju_fail(e, ANJU_ECONFLICT, "bank_code_taken", "bank_code",
				 "银行代码 %s 已有对账单格式", jstr(in, "bank_code"));
	}
	if (rc != DB_ROW) {
		json_decref(before);
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	}
	return audit_saved(db, who, "bank_format", id > 0, bank_format_get, *out_id, before, e);
}

/* ---- accounts ---- */

#define ACCOUNT_COLS                                                                               \
	"a.id, a.name, a.account_no, a.format_id, f.bank_code, f.bank_name, a.ledger_kind,"        \
	" a.active, a.created_at, a.updated_at"

static json_t *
account_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:s, s:s}", "id",
			 (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1), "account_no",
			 db_col_text(st, 2), "format_id", (json_int_t)db_col_int64(st, 3),
			 "bank_code", db_col_text(st, 4), "bank_name", db_col_text(st, 5),
			 "ledger_kind", db_col_text(st, 6), "active", db_col_int64(st, 7) != 0,
			 "created_at", db_col_text(st, 8), "updated_at", db_col_text(st, 9));
}

int
bank_account_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t next;
	int rc = db_prepare(db,
			    "SELECT " ACCOUNT_COLS " FROM bank_account a"
			    " JOIN bank_format f ON f.id = a.format_id ORDER BY a.id",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	rc = page_collect(st, 1000, account_row, NULL, items, &next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bank_account_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	return get_row(db,
		       "SELECT " ACCOUNT_COLS " FROM bank_account a"
		       " JOIN bank_format f ON f.id = a.format_id WHERE a.id = ?",
		       id, account_row, out, "bank_account_not_found", "没有这个银行账户", e);
}

int
bank_account_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		  int64_t *out_id, struct anju_err *e)
{
	const char *no = jstr(in, "account_no"), *kind = jstr(in, "ledger_kind");
	int64_t format = json_integer_value(json_object_get(in, "format_id"));
	json_t *before = NULL, *f = NULL, *active = json_object_get(in, "active");
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	size_t n = no != NULL ? strlen(no) : 0;
	int rc;

	if (n < ACCOUNT_MIN_DIGITS || n > ACCOUNT_MAX_DIGITS || strspn(no, "0123456789") != n)
		return anju_fail(e, ANJU_EINVAL, "invalid_account_no", "account_no",
				 "账号应为 %d 到 %d 位数字", ACCOUNT_MIN_DIGITS,
				 ACCOUNT_MAX_DIGITS);
	if (kind == NULL)
		kind = "special_rent";
	if (!one_of(kind, ledger_kinds))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "ledger_kind",
				 "对应的账簿科目应为 special_rent 或 bank");
	if ((rc = bank_format_get(db, format, &f, e)) != 0)
		return rc == ANJU_ENOTFOUND ? anju_fail(e, ANJU_EINVAL, "bank_format_not_found",
							"format_id", "没有这种对账单格式")
					    : rc;
	json_decref(f);
	if (id > 0 && (rc = bank_account_get(db, id, &before, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		id > 0 ? "UPDATE bank_account SET name = ?, account_no = ?, format_id = ?,"
			 " ledger_kind = ?, active = ?, updated_at = ? WHERE id = ? RETURNING id"
		       : "INSERT INTO bank_account (name, account_no, format_id, ledger_kind,"
			 " active, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
			 " RETURNING id",
		&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, jstr(in, "name"));
	db_bind_cstr(st, 2, no);
	db_bind_int64(st, 3, format);
	db_bind_cstr(st, 4, kind);
	db_bind_int64(st, 5, active == NULL || json_is_true(active) ? 1 : 0);
	db_bind_cstr(st, 6, now);
	if (id > 0)
		db_bind_int64(st, 7, id);
	else
		db_bind_cstr(st, 7, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT) {
		json_decref(before);
		return anju_fail(e, ANJU_ECONFLICT, "account_no_taken", "account_no",
				 "账号 %s 已经登记", no);
	}
	if (rc != DB_ROW) {
		json_decref(before);
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	}
	return audit_saved(db, who, "bank_account", id > 0, bank_account_get, *out_id, before, e);
}

/* ---- creating an import ---- */

/* The uploaded file of statement id, kept sealed until its job has read it. */
static struct pii_parts
input_parts(int64_t id)
{
	return (struct pii_parts){
		"INSERT INTO bank_statement_part (statement_id, seq, sealed) VALUES (?, ?, ?)",
		"SELECT sealed FROM bank_statement_part WHERE statement_id = ? ORDER BY seq",
		"DELETE FROM bank_statement_part WHERE statement_id = ?",
		id,
		NULL,
		"statement",
	};
}

int
statement_import_create(struct db *db, const struct caller *c, const struct audit_actor *who,
			int64_t account_id, const char *file_name, const char *encoding,
			const char *data, size_t n, int64_t *statement_id, int64_t *job_id,
			struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	json_t *account = NULL, *params, *after;
	struct pii_parts parts;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int rc;

	if (encoding != NULL && !one_of(encoding, encodings))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "encoding",
				 "编码应为 auto、utf8 或 gb18030");
	if (file_name != NULL && text_chars(file_name) > FILE_NAME_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "file_name", "文件名过长");
	if ((rc = bank_account_get(db, account_id, &account, e)) != 0)
		return rc;
	if (!json_is_true(json_object_get(account, "active"))) {
		json_decref(account);
		return anju_fail(e, ANJU_ECONFLICT, "bank_account_inactive", NULL,
				 "这个银行账户已停用");
	}
	json_decref(account);
	if (n == 0)
		return anju_fail(e, ANJU_EINVAL, "empty_file", NULL, "文件是空的");
	if (n > STATEMENT_MAX_INPUT)
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "文件超过 %d MiB 的上限",
				 STATEMENT_MAX_INPUT >> 20);
	if (kr == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "the personal-data keys are not loaded");
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO bank_statement (bank_account_id, file_name, encoding, state,"
			" size, created_by, created_by_name, created_at)"
			" VALUES (?, ?, COALESCE(?, (SELECT f.encoding FROM bank_account a"
			" JOIN bank_format f ON f.id = a.format_id WHERE a.id = ?)), 'importing',"
			" ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, file_name != NULL ? file_name : "");
	db_bind_cstr(st, 3, encoding);
	db_bind_int64(st, 4, account_id);
	db_bind_int64(st, 5, (int64_t)n);
	db_bind_cstr(st, 6, c->principal);
	db_bind_cstr(st, 7, c->name != NULL ? c->name : c->principal);
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*statement_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	parts = input_parts(*statement_id);
	if ((rc = pii_parts_put(db, &parts, data, n, e)) != 0)
		return rc;
	params = json_pack("{s:I}", "statement_id", (json_int_t)*statement_id);
	rc = job_create(db, "bank_statement_import", params, c->principal, job_id, e);
	json_decref(params);
	if (rc != 0)
		return rc;
	if ((rc = db_prepare(db, "UPDATE bank_statement SET job_id = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, *job_id);
	db_bind_int64(st, 2, *statement_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	after = json_pack("{s:I, s:s, s:I, s:I}", "bank_account_id", (json_int_t)account_id,
			  "file_name", file_name != NULL ? file_name : "", "size", (json_int_t)n,
			  "job_id", (json_int_t)*job_id);
	snprintf(oid, sizeof(oid), "%lld", (long long)*statement_id);
	rc = audit_write(db, who, "bank_statement.import", "bank_statement", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

/* ---- reading a file ---- */

/* A string-keyed table (open addressing) for occurrences and payer look-ups. */
struct slot {
	char *key;
	int64_t v;
};

struct table {
	struct slot *s;
	size_t cap, n;
};

static uint64_t
hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

static struct slot *
table_find(struct table *t, const char *key)
{
	size_t i;

	if (t->cap == 0 || t->n * 2 >= t->cap) {
		struct table bigger = { xcalloc(t->cap ? t->cap * 2 : 256, sizeof(struct slot)),
					t->cap ? t->cap * 2 : 256, t->n };

		for (size_t j = 0; j < t->cap; j++) {
			if (t->s[j].key == NULL)
				continue;
			for (i = hash_str(t->s[j].key) & (bigger.cap - 1); bigger.s[i].key != NULL;
			     i = (i + 1) & (bigger.cap - 1))
				;
			bigger.s[i] = t->s[j];
		}
		free(t->s);
		*t = bigger;
	}
	for (i = hash_str(key) & (t->cap - 1); t->s[i].key != NULL; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->s[i].key, key) == 0)
			return &t->s[i];
	return &t->s[i]; /* empty: the caller fills key */
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->s[i].key);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* One good line of a file, before it is stored. */
struct pline {
	int64_t row_no, amount_fen, balance_fen;
	bool has_balance;
	char posted_on[DATE_FMT_LEN];
	char *serial, *cp_digits, *cp_name, *remark;
	char identity[112];
	char cp_index[PII_INDEX_LEN + 1];
	int64_t payer_household_id;
	char *tokens[TOKENS_MAX];
	int ntokens;
};

struct reader {
	struct db *db;
	int64_t statement_id, account_id;
	char account_no[40], ledger_kind[16], encoding[16];
	int skip_rows;
	char date_format[16];
	int at[C_COUNT]; /* 0-based column index, -1 when none */
	struct pline *lines;
	size_t n, cap;
	int64_t errors;
	struct date today;
};

static int
put_error(struct reader *rd, int64_t row_no, const char *col, const char *reason,
	  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rd->errors++;
	if (rd->errors > STATEMENT_MAX_ERRORS)
		return 0;
	rc = db_prepare(rd->db,
			"INSERT INTO bank_statement_error (statement_id, seq, row_no, col, reason)"
			" VALUES (?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return db_fail(rd->db, rc, e);
	db_bind_int64(st, 1, rd->statement_id);
	db_bind_int64(st, 2, rd->errors);
	db_bind_int64(st, 3, row_no);
	db_bind_cstr(st, 4, col);
	db_bind_cstr(st, 5, reason);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(rd->db, rc, e) : 0;
}

/* The trimmed text of column c of row, copied (NULL when the format has no
 * such column; "" when the row is too short). */
static char *
cell(const struct csv_row *row, const struct reader *rd, enum col c)
{
	struct str s;

	if (rd->at[c] < 0)
		return NULL;
	if ((size_t)rd->at[c] >= row->n)
		return xstrdup("");
	s = str_trim(row->fields[rd->at[c]]);
	return xstrndup(s.p, s.n);
}

static bool
parse_date(const char *fmt, const char *s, struct date *d)
{
	char buf[DATE_FMT_LEN];
	size_t n = strcspn(s, " \tT");

	if (strcmp(fmt, "YYYYMMDD") == 0) {
		if (n != 8 || strspn(s, "0123456789") < 8)
			return false;
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	} else {
		if (n != 10)
			return false;
		memcpy(buf, s, 10);
		buf[10] = '\0';
		if (strcmp(fmt, "YYYY/MM/DD") == 0) {
			if (buf[4] != '/' || buf[7] != '/')
				return false;
			buf[4] = buf[7] = '-';
		}
	}
	return date_parse(str_c(buf), d) == 0;
}

/* Money text of a statement: "1,234.56", "+1234.5", "-20.00"; "" is none. */
static int
parse_money(const char *s, bool *present, int64_t *fen)
{
	*present = false;
	*fen = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (*s == '+')
		s++;
	if (money_parse(str_c(s), fen) != 0)
		return -1;
	*present = true;
	return 0;
}

static bool
token_char(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       ch == '-' || ch == '_' || ch == ':' || ch == '/' || ch == '.';
}

/* The remark's words that may be references: runs of letters, digits and
 * - _ : / . with a digit in them, TOKEN_MIN..TOKEN_MAX long, each once. */
static void
remark_tokens(struct pline *l)
{
	const char *p = l->remark;

	while (*p && l->ntokens < TOKENS_MAX) {
		const char *q = p;
		bool digit = false;
		size_t n;

		if (!token_char((unsigned char)*p)) {
			p++;
			continue;
		}
		while (*q && token_char((unsigned char)*q)) {
			digit |= *q >= '0' && *q <= '9';
			q++;
		}
		/* Trailing punctuation is not part of a reference. */
		n = (size_t)(q - p);
		while (n > 0 &&
		       (p[n - 1] == '.' || p[n - 1] == '-' || p[n - 1] == ':' || p[n - 1] == '/'))
			n--;
		if (digit && n >= TOKEN_MIN && n <= TOKEN_MAX) {
			bool seen = false;

			for (int i = 0; i < l->ntokens; i++)
				seen |= strlen(l->tokens[i]) == n &&
					memcmp(l->tokens[i], p, n) == 0;
			if (!seen)
				l->tokens[l->ntokens++] = xstrndup(p, n);
		}
		p = q;
	}
}

static bool
serial_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static void
pline_free(struct pline *l)
{
	free(l->serial);
	free(l->cp_digits);
	free(l->cp_name);
	free(l->remark);
	for (int i = 0; i < l->ntokens; i++)
		free(l->tokens[i]);
}

/* Validates one row into rd->lines (or its errors into the report).  A row
 * of empty fields only is skipped. */
static int
read_row(struct reader *rd, const struct csv_row *row, struct anju_err *e)
{
	char *v[C_COUNT] = { 0 };
	struct pline l = { .row_no = (int64_t)row->line };
	struct date d;
	bool present, credit, debit, blank = true, bad = false;
	int64_t in = 0, out = 0;
	int rc = 0;

	for (size_t i = 0; i < row->n; i++)
		blank &= str_trim(row->fields[i]).n == 0;
	if (blank)
		return 0;
	for (int c = 0; c < C_COUNT; c++)
		v[c] = cell(row, rd, c);
#define BAD(col, msg)                                                                              \
	do {                                                                                       \
		bad = true;                                                                        \
		if ((rc = put_error(rd, l.row_no, col_titles[col], msg, e)) != 0)                  \
			goto out;                                                                  \
	} while (0)
	if (v[C_DATE][0] == '\0')
		BAD(C_DATE, "缺少交易日期");
	else if (!parse_date(rd->date_format, v[C_DATE], &d))
		BAD(C_DATE, "交易日期格式不正确");
	else if (date_cmp(d, rd->today) > 0)
		BAD(C_DATE, "交易日期晚于今天");
	else
		date_format(d, l.posted_on);
	if (rd->at[C_AMOUNT] >= 0) {
		if (parse_money(v[C_AMOUNT], &present, &in) != 0)
			BAD(C_AMOUNT, "金额不是有效的数字（最多两位小数）");
		else if (!present || in == 0)
			BAD(C_AMOUNT, "金额为空或为 0");
		else if (in > MONEY_AMOUNT_MAX || in < -MONEY_AMOUNT_MAX)
			BAD(C_AMOUNT, "金额超出范围");
		else
			l.amount_fen = in;
	} else {
		int brc = parse_money(v[C_CREDIT], &credit, &in);

		if (brc != 0)
			BAD(C_CREDIT, "贷方金额不是有效的数字（最多两位小数）");
		if (parse_money(v[C_DEBIT], &debit, &out) != 0)
			BAD(C_DEBIT, "借方金额不是有效的数字（最多两位小数）");
		else if (brc == 0) {
			credit &= in != 0;
			debit &= out != 0;
			if (credit == debit)
				BAD(C_CREDIT,
				    credit ? "贷方和借方同时有金额" : "贷方和借方都没有金额");
			else if (in < 0 || out < 0)
				BAD(credit ? C_CREDIT : C_DEBIT, "金额不能为负数");
			else if (in > MONEY_AMOUNT_MAX || out > MONEY_AMOUNT_MAX)
				BAD(credit ? C_CREDIT : C_DEBIT, "金额超出范围");
			else
				l.amount_fen = credit ? in : -out;
		}
	}
	if (v[C_SERIAL] != NULL) {
		if (!serial_ok(v[C_SERIAL]))
			BAD(C_SERIAL, "流水号应为 1 到 48 个字母、数字、- 或 _");
		else
			l.serial = xstrdup(v[C_SERIAL]);
	}
	if (v[C_CP_ACCOUNT] != NULL && v[C_CP_ACCOUNT][0] != '\0') {
		char digits[ACCOUNT_MAX_DIGITS + 1];
		size_t n = 0;
		bool ok = true;

		for (const char *p = v[C_CP_ACCOUNT]; *p && ok; p++) {
			if (*p == ' ' || *p == '-')
				continue;
			if (*p < '0' || *p > '9' || n >= ACCOUNT_MAX_DIGITS)
				ok = false;
			else
				digits[n++] = *p;
		}
		digits[n] = '\0';
		if (!ok || n < ACCOUNT_MIN_DIGITS)
			BAD(C_CP_ACCOUNT, "对方账号应为 6 到 32 位数字");
		else
			l.cp_digits = xstrdup(digits);
	}
	if (v[C_CP_NAME] != NULL && text_chars(v[C_CP_NAME]) > NAME_MAX)
		BAD(C_CP_NAME, "对方户名过长");
	if (v[C_REMARK] != NULL && text_chars(v[C_REMARK]) > REMARK_MAX)
		BAD(C_REMARK, "摘要过长");
	if (v[C_BALANCE] != NULL && v[C_BALANCE][0] != '\0') {
		if (parse_money(v[C_BALANCE], &present, &l.balance_fen) != 0)
			BAD(C_BALANCE, "余额不是有效的数字（最多两位小数）");
		l.has_balance = present;
	}
#undef BAD
	if (bad)
		goto out;
	l.cp_name = xstrdup(v[C_CP_NAME] != NULL ? v[C_CP_NAME] : "");
	l.remark = xstrdup(v[C_REMARK] != NULL ? v[C_REMARK] : "");
	remark_tokens(&l);
	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? rd->cap * 2 : 1024;
		rd->lines = xrealloc(rd->lines, rd->cap * sizeof(*rd->lines));
	}
	rd->lines[rd->n++] = l;
	memset(&l, 0, sizeof(l));
out:
	pline_free(&l);
	for (int c = 0; c < C_COUNT; c++)
		free(v[c]);
	return rc;
}

static int
load_reader(struct reader *rd, char *state, size_t scap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(rd->db,
			    "SELECT s.bank_account_id, s.state, s.encoding, a.account_no,"
			    " a.ledger_kind, f.skip_rows, f.date_format, f.col_serial, f.col_date,"
			    " f.col_amount, f.col_credit, f.col_debit, f.col_counterparty_account,"
			    " f.col_counterparty_name, f.col_remark, f.col_balance"
			    " FROM bank_statement s JOIN bank_account a ON a.id = s.bank_account_id"
			    " JOIN bank_format f ON f.id = a.format_id WHERE s.id = ?",
			    &st);

	if (rc != 0)
		return db_fail(rd->db, rc, e);
	db_bind_int64(st, 1, rd->statement_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		rd->account_id = db_col_int64(st, 0);
		snprintf(state, scap, "%s", db_col_text(st, 1));
		snprintf(rd->encoding, sizeof(rd->encoding), "%s", db_col_text(st, 2));
		snprintf(rd->account_no, sizeof(rd->account_no), "%s", db_col_text(st, 3));
		snprintf(rd->ledger_kind, sizeof(rd->ledger_kind), "%s", db_col_text(st, 4));
		rd->skip_rows = (int)db_col_int64(st, 5);
		snprintf(rd->date_format, sizeof(rd->date_format), "%s", db_col_text(st, 6));
		for (int c = 0; c < C_COUNT; c++)
			rd->at[c] = db_col_null(st, 7 + c) ? -1 : (int)db_col_int64(st, 7 + c) - 1;
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "bank_statement_not_found", NULL,
				 "没有这份对账单");
	return rc == DB_ROW ? 0 : db_fail(rd->db, rc, e);
}

/* Identities, occurrences, sealing and payer households of the good lines. */
static int
resolve_lines(struct reader *rd, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct table occ = { 0 }, payer = { 0 };
	int rc = 0;

	for (size_t i = 0; i < rd->n; i++) {
		struct pline *l = &rd->lines[i];
		char amount[32], hex[2 * SM3_LEN + 1], cp_mac[65] = "";
		uint8_t digest[SM3_LEN];
		struct buf m;
		struct slot *s;

		l->cp_index[0] = '\0';
		if (l->cp_digits != NULL) {
			pii_index_mac(kr, "bank_account", l->cp_digits, cp_mac);
			pii_index_cut(cp_mac, l->cp_index);
		}
		if (l->serial != NULL) {
			snprintf(l->identity, sizeof(l->identity), "s:%s", l->serial);
			s = table_find(&occ, l->identity);
			if (s->key != NULL) {
				if ((rc = put_error(rd, l->row_no, col_titles[C_SERIAL],
						    "流水号在文件中重复", e)) != 0)
					goto out;
				continue;
			}
			s->key = xstrdup(l->identity);
			occ.n++;
		} else {
			/* Equal lines hash alike; their occurrence keeps them apart.
			 * The hash takes the index's whole HMAC, as it did before
			 * the stored index was cut (sql/032): a statement imported
			 * before and again after keeps its lines' identities. */
			buf_init(&m, 0);
			snprintf(amount, sizeof(amount), "%lld", (long long)l->amount_fen);
			buf_add(&m, rd->account_no, strlen(rd->account_no) + 1);
			buf_add(&m, l->posted_on, strlen(l->posted_on) + 1);
			buf_add(&m, amount, strlen(amount) + 1);
			buf_add(&m, cp_mac, strlen(cp_mac) + 1);
			buf_add(&m, l->remark, strlen(l->remark));
			sm3(m.p, m.n, digest);
			buf_free(&m);
			hex_encode(digest, 16, hex);
			hex[32] = '\0';
			s = table_find(&occ, hex);
			if (s->key == NULL) {
				s->key = xstrdup(hex);
				occ.n++;
			}
			s->v++;
			snprintf(l->identity, sizeof(l->identity), "h:%s:%lld", hex,
				 (long long)s->v);
		}
		l->payer_household_id = 0;
		if (l->cp_digits != NULL && l->amount_fen > 0) {
			s = table_find(&payer, l->cp_index);
			if (s->key == NULL) {
				struct anju_err pe;
				int64_t hh = 0;
				int prc = payer_account_household(rd->db, l->cp_digits, &hh, &pe);

				/* A number no payer account can have (shorter than
				 * one, EINVAL) is no household's, like an unknown one. */
				if (prc != 0 && prc != ANJU_ENOTFOUND && prc != ANJU_ECONFLICT &&
				    prc != ANJU_EINVAL) {
					*e = pe;
					rc = prc;
					goto out;
				}
				s->key = xstrdup(l->cp_index);
				s->v = prc == 0 ? hh : 0;
				payer.n++;
			}
			l->payer_household_id = s->v;
		}
	}
out:
	table_free(&occ);
	table_free(&payer);
	return rc;
}

static void
mask_account(const char *digits, char *out, size_t cap)
{
	size_t n = strlen(digits), k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++)
		out[k++] = i < 4 || i + 4 >= n ? digits[i] : '*';
	out[k] = '\0';
}

/* Adds the lines whose identity is new, in multi-row INSERTs; their tokens
 * too.  res->added and res->known counted. */
static int
insert_lines(struct reader *rd, struct statement_result *res, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	bool descending =
		rd->n > 1 && strcmp(rd->lines[0].posted_on, rd->lines[rd->n - 1].posted_on) > 0;
	const char *state = strcmp(rd->ledger_kind, "special_rent") == 0 ? "unmatched" : "ignored";
	char now[TIME_FMT_LEN];
	struct buf sql, tsql;
	int64_t *ids = xcalloc(rd->n ? rd->n : 1, sizeof(int64_t));
	int rc = 0;

	time_format_utc(time_now_us(), now);
	buf_init(&sql, 0);
	buf_init(&tsql, 0);
	for (size_t at = 0; at < rd->n; at += LINE_BATCH) {
		size_t k = rd->n - at < LINE_BATCH ? rd->n - at : LINE_BATCH, p = 1;
		char **sealed = xcalloc(k, sizeof(char *));
		struct db_stmt *st;

		buf_reset(&sql);
		buf_adds(&sql,
			 "INSERT INTO bank_line (bank_account_id, statement_id, identity, row_no,"
			 " line_seq, serial, posted_on, amount_fen, balance_fen,"
			 " counterparty_sealed, counterparty_index, counterparty_masked,"
			 " counterparty_name, remark, payer_household_id, state, created_at)"
			 " VALUES ");
		for (size_t i = 0; i < k; i++)
			buf_adds(&sql, i ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
					 : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		buf_adds(&sql, " ON CONFLICT (bank_account_id, identity) DO NOTHING"
			       " RETURNING id, line_seq");
		if ((rc = db_prepare(rd->db, sql.p, &st)) != 0) {
			free(sealed);
			rc = db_fail(rd->db, rc, e);
			goto out;
		}
		for (size_t i = 0; i < k; i++) {
			struct pline *l = &rd->lines[at + i];
			size_t seq = descending ? rd->n - (at + i) : at + i + 1;
			char masked[ACCOUNT_MAX_DIGITS + 1];

			db_bind_int64(st, (int)p++, rd->account_id);
			db_bind_int64(st, (int)p++, rd->statement_id);
			db_bind_cstr(st, (int)p++, l->identity);
			db_bind_int64(st, (int)p++, l->row_no);
			db_bind_int64(st, (int)p++, (int64_t)seq);
			db_bind_cstr(st, (int)p++, l->serial);
			db_bind_cstr(st, (int)p++, l->posted_on);
			db_bind_int64(st, (int)p++, l->amount_fen);
			if (l->has_balance)
				db_bind_int64(st, (int)p++, l->balance_fen);
			else
				db_bind_null(st, (int)p++);
			if (l->cp_digits != NULL &&
			    pii_seal(kr, l->cp_digits, strlen(l->cp_digits), &sealed[i]) != 0) {
				db_reset(st);
				for (size_t j = 0; j < i; j++)
					free(sealed[j]);
				free(sealed);
				rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "cannot seal");
				goto out;
			}
			db_bind_cstr(st, (int)p++, sealed[i]);
			db_bind_cstr(st, (int)p++, l->cp_digits != NULL ? l->cp_index : NULL);
			masked[0] = '\0';
			if (l->cp_digits != NULL)
				mask_account(l->cp_digits, masked, sizeof(masked));
			db_bind_cstr(st, (int)p++, masked);
			db_bind_cstr(st, (int)p++, l->cp_name);
			db_bind_cstr(st, (int)p++, l->remark);
			if (l->payer_household_id > 0)
				db_bind_int64(st, (int)p++, l->payer_household_id);
			else
				db_bind_null(st, (int)p++);
			db_bind_cstr(st, (int)p++, l->amount_fen > 0 ? state : "ignored");
			db_bind_cstr(st, (int)p++, now);
		}
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t seq = db_col_int64(st, 1);
			size_t i = descending ? rd->n - (size_t)seq : (size_t)seq - 1;

			ids[i] = db_col_int64(st, 0);
			res->added++;
		}
		db_reset(st);
		for (size_t i = 0; i < k; i++)
			free(sealed[i]);
		free(sealed);
		if (rc < 0) {
			rc = db_fail(rd->db, rc, e);
			goto out;
		}
		rc = 0;
	}
	res->known = (int64_t)rd->n - res->added;
	/* The tokens of the new lines. */
	for (size_t i = 0; i < rd->n;) {
		struct db_stmt *st;
		size_t k = 0, p = 1, j;

		buf_reset(&tsql);
		buf_adds(&tsql, "INSERT INTO bank_line_token (line_id, token) VALUES ");
		for (j = i; j < rd->n && k + TOKENS_MAX <= TOKEN_BATCH; j++)
			for (int t = 0; ids[j] > 0 && t < rd->lines[j].ntokens; t++, k++)
				buf_adds(&tsql, k ? ", (?, ?)" : "(?, ?)");
		if (k > 0) {
			if ((rc = db_prepare(rd->db, tsql.p, &st)) != 0) {
				rc = db_fail(rd->db, rc, e);
				goto out;
			}
			for (size_t x = i; x < j; x++)
				for (int t = 0; ids[x] > 0 && t < rd->lines[x].ntokens; t++) {
					db_bind_int64(st, (int)p++, ids[x]);
					db_bind_cstr(st, (int)p++, rd->lines[x].tokens[t]);
				}
			rc = db_step(st);
			db_reset(st);
			if (rc < 0) {
				rc = db_fail(rd->db, rc, e);
				goto out;
			}
			rc = 0;
		}
		i = j;
	}
out:
	free(ids);
	buf_free(&sql);
	buf_free(&tsql);
	return rc;
}

int
statement_publish(struct db *db, int64_t statement_id, const char *data, size_t n,
		  struct statement_result *res, struct anju_err *e)
{
	struct reader rd = { .db = db, .statement_id = statement_id };
	struct csv_limits lim = { 4096, 256, STATEMENT_MAX_ROWS };
	enum csv_encoding enc = CSV_AUTO;
	struct csv *csv = NULL;
	struct csv_row row;
	struct db_stmt *st;
	char state[24];
	int rc, got;

	memset(res, 0, sizeof(*res));
	rd.today = date_today_shanghai();
	if ((rc = load_reader(&rd, state, sizeof(state), e)) != 0)
		return rc;
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "the personal-data keys are not loaded");
	if (strcmp(rd.encoding, "utf8") == 0)
		enc = CSV_UTF8;
	else if (strcmp(rd.encoding, "gb18030") == 0)
		enc = CSV_GB18030;
	snprintf(res->encoding, sizeof(res->encoding), "%s", rd.encoding);
	if (csv_open(data, n, enc, &lim, &csv, e) != 0) {
		rc = put_error(&rd, 0, "",
			       enc == CSV_UTF8
				       ? "文件不是有效的 UTF-8 编码：请选择 GB18030 或自动识别"
				       : "文件编码无法识别（应为 UTF-8 或 GB18030）",
			       e);
		if (rc != 0)
			goto out;
		got = 0;
	} else {
		snprintf(res->encoding, sizeof(res->encoding), "%s",
			 csv_encoding(csv) == CSV_GB18030 ? "gb18030" : "utf8");
		got = 1;
	}
	for (int skipped = 0; csv != NULL && (got = csv_next(csv, &row, e)) == 1;) {
		if (skipped < rd.skip_rows) {
			skipped++;
			continue;
		}
		if ((rc = read_row(&rd, &row, e)) != 0)
			goto out;
		if (rd.errors >= STATEMENT_MAX_ERRORS)
			break;
	}
	if (got < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		if ((rc = put_error(&rd, 0, "", why, e)) != 0)
			goto out;
	}
	if (rd.errors == 0 && rd.n == 0 &&
	    (rc = put_error(&rd, 0, "", "文件中没有交易明细", e)) != 0)
		goto out;
	if (rd.errors == 0 && (rc = resolve_lines(&rd, e)) != 0)
		goto out;
	res->rows = (int64_t)rd.n;
	if (rd.errors == 0 && (rc = insert_lines(&rd, res, e)) != 0)
		goto out;
	rc = db_prepare(db,
			"UPDATE bank_statement SET encoding = ?, rows_read = ?, lines_new = ?,"
			" error_rows = ?, first_on = ?, last_on = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, res->encoding);
	db_bind_int64(st, 2, res->rows);
	db_bind_int64(st, 3, res->added);
	db_bind_int64(st, 4, rd.errors);
	if (rd.n > 0) {
		const char *a = rd.lines[0].posted_on, *b = rd.lines[rd.n - 1].posted_on;

		db_bind_cstr(st, 5, strcmp(a, b) <= 0 ? a : b);
		db_bind_cstr(st, 6, strcmp(a, b) <= 0 ? b : a);
	} else {
		db_bind_null(st, 5);
		db_bind_null(st, 6);
	}
	db_bind_int64(st, 7, statement_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	res->errors = rd.errors;
	if (rd.errors > 0)
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "statement_rows_invalid", NULL,
			       "对账单有 %lld 行错误，未导入任何一行", (long long)rd.errors);
out:
	res->errors = rd.errors;
	csv_close(csv);
	for (size_t i = 0; i < rd.n; i++)
		pline_free(&rd.lines[i]);
	free(rd.lines);
	return rc;
}

/* ---- the job ---- */

/* Ends the import: state, figures, the file dropped. */
static int
finish(struct db *db, int64_t id, const char *state, const char *failure, int64_t matched,
       int64_t suspense_fen, struct anju_err *e)
{
	const struct pii_parts parts = input_parts(id);
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE bank_statement SET state = ?, failure = ?, matched = ?,"
			" suspense_fen = ?, finished_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, failure);
	db_bind_int64(st, 3, matched);
	db_bind_int64(st, 4, suspense_fen);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	return pii_parts_drop(db, &parts, e);
}

static int
statement_actor(struct db *db, int64_t id, struct arena *a, struct audit_actor *who, char *state,
		size_t scap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT created_by, created_by_name, state FROM bank_statement"
			    " WHERE id = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		who->principal = arena_strdup(a, db_col_text(st, 0));
		who->name = arena_strdup(a, db_col_text(st, 1));
		who->role = "finance";
		snprintf(state, scap, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "bank_statement_not_found", NULL,
				 "没有这份对账单");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The exact matches of the statement still waiting for their payments. */
static int64_t
count_pending(struct db *db, int64_t id)
{
	struct db_stmt *st;
	int64_t n = 0;

	if (db_prepare(db,
		       "SELECT COUNT(*) FROM bank_match_pending p JOIN bank_line l"
		       " ON l.id = p.line_id WHERE l.statement_id = ?",
		       &st) != 0)
		return 0;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW)
		n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static int64_t
count_matched(struct db *db, int64_t id)
{
	struct db_stmt *st;
	int64_t n = 0;

	if (db_prepare(
		    db,
		    "SELECT COUNT(*) FROM bank_line WHERE statement_id = ? AND state = 'matched'",
		    &st) != 0)
		return 0;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW)
		n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static int
run_import(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	int64_t id = json_integer_value(json_object_get(job_params(ctx), "statement_id"));
	const struct pii_parts parts = input_parts(id);
	struct arena *a = arena_new();
	struct audit_actor who = { 0 };
	struct statement_result res;
	struct match_stats ms;
	struct buf data;
	char state[24], why[sizeof(e->msg)];
	int64_t total = 0, done = 0, fen = 0;
	int rc, posted;

	buf_init(&data, STATEMENT_MAX_INPUT + 1);
	if ((rc = statement_actor(db, id, a, &who, state, sizeof(state), e)) != 0)
		goto out;
	if (strcmp(state, "importing") != 0)
		goto out; /* finished by an earlier run */
	if (job_resume_at(ctx)[0] == '\0') {
		if ((rc = job_progress(ctx, 0, 0, "正在校验", e)) != 0 ||
		    (rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		if ((rc = pii_parts_load(db, &parts, &data, e)) != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		rc = statement_publish(db, id, data.p, data.n, &res, e);
		buf_free(&data);
		if (rc == ANJU_EUNPROCESSABLE) {
			/* Keep the report, publish nothing, fail the job. */
			snprintf(why, sizeof(why), "%s", e->msg);
			if ((rc = finish(db, id, "failed", why, 0, 0, e)) != 0 ||
			    (rc = job_chunk_end(ctx, 1, 1, "done", "导入失败", e)) != 0) {
				job_chunk_abort(ctx);
				goto out;
			}
			rc = anju_fail(e, ANJU_EUNPROCESSABLE, "statement_rows_invalid", NULL, "%s",
				       why);
			goto out;
		}
		if (rc != 0 || (rc = match_run(db, id, &ms, e)) != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		if ((rc = job_chunk_end(ctx, 0, ms.exact - ms.linked, "p", "正在入账", e)) != 0)
			goto out;
	}
	/* The payments of the exact matches, a chunk at a time. */
	total = count_pending(db, id);
	do {
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		if ((rc = match_post(db, id, POST_CHUNK, &who, &posted, e)) != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		done += posted;
		if (posted < POST_CHUNK) {
			if ((rc = match_suspend(db, id, &who, &fen, e)) != 0 ||
			    (rc = finish(db, id, "done", NULL, count_matched(db, id), fen, e)) !=
				    0) {
				job_chunk_abort(ctx);
				goto out;
			}
		}
		rc = job_chunk_end(ctx, posted < POST_CHUNK ? total : done, total,
				   posted < POST_CHUNK ? "done" : "p",
				   posted < POST_CHUNK ? "导入完成" : "正在入账", e);
		if (rc != 0)
			goto out;
	} while (posted == POST_CHUNK);
	job_set_result(ctx, json_pack("{s:I}", "statement_id", (json_int_t)id));
out:
	buf_free(&data);
	arena_free(a);
	return rc;
}

const struct job_kind job_kind_bank_statement_import = {
	"bank_statement_import",
	"导入银行对账单",
	(const struct field[]){ { "statement_id", F_INT, true, 1, INT64_MAX }, { NULL } },
	run_import,
};

/* ---- reading ---- */

#define STATEMENT_COLS                                                                             \
	"s.id, s.bank_account_id, a.name, s.file_name, s.encoding, s.state, s.size, s.rows_read,"  \
	" s.lines_new, s.error_rows, s.matched, s.suspense_fen, s.first_on, s.last_on,"            \
	" s.failure, s.job_id, s.created_by_name, s.created_at, s.finished_at"

static json_t *
statement_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack(
		"{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s,"
		" s:s}",
		"id", (json_int_t)db_col_int64(st, 0), "bank_account_id",
		(json_int_t)db_col_int64(st, 1), "bank_account_name", db_col_text(st, 2),
		"file_name", db_col_text(st, 3), "encoding", db_col_text(st, 4), "state",
		db_col_text(st, 5), "size", (json_int_t)db_col_int64(st, 6), "rows",
		(json_int_t)db_col_int64(st, 7), "lines_new", (json_int_t)db_col_int64(st, 8),
		"error_rows", (json_int_t)db_col_int64(st, 9), "matched",
		(json_int_t)db_col_int64(st, 10), "suspense_fen", (json_int_t)db_col_int64(st, 11),
		"created_by", db_col_text(st, 16), "created_at", db_col_text(st, 17));

	(void)ud;
	json_object_set_new(o, "first_on", text_or_null(st, 12));
	json_object_set_new(o, "last_on", text_or_null(st, 13));
	json_object_set_new(o, "failure", text_or_null(st, 14));
	json_object_set_new(o, "job_id", int_or_null(st, 15));
	json_object_set_new(o, "finished_at", text_or_null(st, 18));
	return o;
}

/* An import whose job ended without finishing it is shown failed, with the
 * job's error; its progress comes from the job. */
static int
with_job(struct db *db, json_t *s, struct anju_err *e)
{
	json_t *j = NULL, *p;
	const char *js;
	int rc;

	if (!json_is_integer(json_object_get(s, "job_id"))) {
		json_object_set_new(s, "progress", json_null());
		return 0;
	}
	rc = job_get(db, json_integer_value(json_object_get(s, "job_id")), &j, e);
	if (rc == ANJU_ENOTFOUND) {
		json_object_set_new(s, "progress", json_null());
		return 0;
	}
	if (rc != 0)
		return rc;
	js = json_string_value(json_object_get(j, "state"));
	if (strcmp(json_string_value(json_object_get(s, "state")), "importing") == 0 && js &&
	    (strcmp(js, "failed") == 0 || strcmp(js, "canceled") == 0)) {
		json_object_set_new(s, "state", json_string("failed"));
		if (json_is_string(json_object_get(j, "error")))
			json_object_set(s, "failure", json_object_get(j, "error"));
	}
	p = json_object_get(j, "progress");
	json_object_set_new(s, "progress",
			    json_pack("{s:O, s:O, s:O}", "done", json_object_get(p, "done"),
				      "total", json_object_get(p, "total"), "note",
				      json_object_get(p, "note")));
	json_decref(j);
	return 0;
}

int
statement_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	int rc;

	*out = NULL;
	if ((rc = get_row(db,
			  "SELECT " STATEMENT_COLS " FROM bank_statement s"
			  " JOIN bank_account a ON a.id = s.bank_account_id WHERE s.id = ?",
			  id, statement_row, out, "bank_statement_not_found", "没有这份对账单",
			  e)) != 0)
		return rc;
	if ((rc = with_job(db, *out, e)) != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
statement_list(struct db *db, int64_t account_id, int64_t before_id, int limit, json_t **items,
	       int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	size_t i;
	json_t *s;
	int rc = db_prepare(db,
			    "SELECT " STATEMENT_COLS " FROM bank_statement s"
			    " JOIN bank_account a ON a.id = s.bank_account_id"
			    " WHERE (? = 0 OR s.bank_account_id = ?) AND (? = 0 OR s.id < ?)"
			    " ORDER BY s.id DESC LIMIT ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, account_id);
	db_bind_int64(st, 3, before_id);
	db_bind_int64(st, 4, before_id);
	db_bind_int64(st, 5, limit + 1);
	if ((rc = page_collect(st, limit, statement_row, NULL, items, next)) < 0)
		return db_fail(db, rc, e);
	json_array_foreach (*items, i, s)
		if ((rc = with_job(db, s, e)) != 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	return 0;
}

static json_t *
error_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:I, s:s, s:s}", "seq", (json_int_t)db_col_int64(st, 0), "row",
			 (json_int_t)db_col_int64(st, 1), "column", db_col_text(st, 2), "reason",
			 db_col_text(st, 3));
}

int
statement_errors(struct db *db, int64_t id, int64_t after_seq, int limit, json_t **items,
		 int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *s = NULL;
	int rc;

	if ((rc = statement_get(db, id, &s, e)) != 0)
		return rc;
	json_decref(s);
	rc = db_prepare(db,
			"SELECT seq, row_no, col, reason FROM bank_statement_error"
			" WHERE statement_id = ? AND seq > ? ORDER BY seq LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, after_seq);
	db_bind_int64(st, 3, limit + 1);
	rc = page_collect(st, limit, error_row, NULL, items, next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}
