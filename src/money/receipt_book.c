/*
 * Receipt books (票据本): paper books received from the finance bureau,
 * handed to a clerk, closed, and written off (核销) with the list of their
 * numbers issued, voided and unused; and the electronic series, which are
 * listed with them but never handed, closed or written off.  The numbers
 * themselves are taken in receipt_issue.c.  See receipt.h.
 *
 * A paper book moves stock → open (handed to a clerk) → used_up (its last
 * number taken, or closed early: the numbers left stay unused) →
 * written_off.  Each move is one UPDATE conditioned on the state it leaves,
 * so of two requests racing on a book only one moves it.
 *
 * The write-off sheet is an xlsx made with libxlsxwriter in a private
 * temporary file (this version cannot write into memory), read back and
 * removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "access/account.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/money.h"
#include "money/receipt.h"
#include "store/db.h"
#include "store/page.h"
#include "transfer/xlsx.h"

#define SERIES_MAX      32 /* characters */
#define RECEIVED_BY_MAX 64

void
receipt_number_text(const char *series, int64_t number, char out[RECEIPT_TEXT_MAX])
{
	snprintf(out, RECEIPT_TEXT_MAX, "%s-%08lld", series ? series : "", (long long)number);
}

static const char *
state_title(const char *state)
{
	static const char *const map[][2] = {
		{ "stock", "未领用" },
		{ "open", "使用中" },
		{ "used_up", "已用完" },
		{ "written_off", "已核销" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], state) == 0)
			return map[i][1];
	return state;
}

/* Whether s is one printable character (a code point) at p, of n bytes:
 * well-formed UTF-8 (jansson checks that), no C0 or C1 control. */
static bool
printable_at(const unsigned char *p, size_t n)
{
	if (n == 1)
		return *p >= 0x20 && *p != 0x7f;
	/* U+0080..U+009F are C1 controls: C2 80 .. C2 9F. */
	return !(n == 2 && p[0] == 0xC2 && p[1] < 0xA0);
}

static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Whether the code point at p is white space: ASCII space or U+3000. */
static bool
space_at(const unsigned char *p, size_t n)
{
	return (n == 1 && *p == ' ') || (n == 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80);
}

/* A one-line text of 1..max characters, printable, without white space at
 * either end: 0 or ANJU_EINVAL with field. */
static int
text_ok(const char *s, size_t max, const char *field, const char *title, struct anju_err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, len = s ? strlen(s) : 0, n = 0;
	json_t *probe;

	if (len == 0)
		return anju_fail(e, ANJU_EINVAL, "missing_field", field, "请填写%s", title);
	probe = json_string(s);
	if (probe == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s不是有效的 UTF-8 文本",
				 title);
	json_decref(probe);
	for (size_t i = 0; i < len; i += n, chars++) {
		n = utf8_len(p[i]);
		if (!printable_at(p + i, n))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s含有控制字符",
					 title);
		if ((i == 0 || i + n == len) && space_at(p + i, n))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", field,
					 "%s的首尾不能是空格", title);
	}
	if (chars > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "%s不能超过 %zu 个字符",
				 title, max);
	return 0;
}

/* The electronic series receipt_issue.c makes: "E" + year + two letters. */
static bool
series_reserved(const char *s)
{
	if (strlen(s) != 7 || s[0] != 'E')
		return false;
	for (int i = 1; i < 5; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[5] >= 'A' && s[5] <= 'Z' && s[6] >= 'A' && s[6] <= 'Z';
}

static int
book_validate(const struct receipt_book_in *in, struct anju_err *e)
{
	struct date d;
	int rc;

	if ((rc = text_ok(in->series, SERIES_MAX, "series", "票据字轨", e)) != 0)
		return rc;
	if (series_reserved(in->series))
		return anju_fail(e, ANJU_EINVAL, "series_reserved", "series",
				 "字轨 %s 是电子票据专用的格式（E+年份+两个字母），请换一个",
				 in->series);
	if (in->first_no < 1 || in->first_no > RECEIPT_NO_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "first_no",
				 "起始号应在 1 到 999999999 之间");
	if (in->last_no < in->first_no || in->last_no > RECEIPT_NO_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "last_no",
				 "终止号应不小于起始号，且不超过 999999999");
	if (in->last_no - in->first_no + 1 > RECEIPT_BOOK_MAX)
		return anju_fail(e, ANJU_EINVAL, "book_too_large", "last_no",
				 "一本票据至多 %d 个号码", RECEIPT_BOOK_MAX);
	if (in->received_on == NULL || date_parse(str_c(in->received_on), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "received_on",
				 "领用日期应为 YYYY-MM-DD 格式的有效日期");
	if (date_cmp(d, date_today_shanghai()) > 0)
		return anju_fail(e, ANJU_EINVAL, "future_date", "received_on",
				 "领用日期不能晚于今天");
	return text_ok(in->received_by, RECEIVED_BY_MAX, "received_by", "领用人", e);
}

static int
book_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	   json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "receipt_book", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
receipt_book_receive(struct db *db, const struct receipt_book_in *in, const struct audit_actor *who,
		     int64_t *id, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	*id = 0;
	if ((rc = book_validate(in, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO receipt_book (kind, series, first_no, last_no, next_no,"
			" received_on, received_by, state, created_at)"
			" VALUES ('paper', ?, ?, ?, ?, ?, ?, 'stock', ?)"
			" ON CONFLICT (series) DO NOTHING RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->series);
	db_bind_int64(st, 2, in->first_no);
	db_bind_int64(st, 3, in->last_no);
	db_bind_int64(st, 4, in->first_no);
	db_bind_cstr(st, 5, in->received_on);
	db_bind_cstr(st, 6, in->received_by);
	db_bind_cstr(st, 7, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ECONFLICT, "series_taken", "series",
				 "已有字轨为 %s 的票据本", in->series);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	return book_audit(db, who, "receipt_book.receive", *id, NULL,
			  json_pack("{s:s, s:I, s:I, s:s, s:s}", "series", in->series, "first_no",
				    (json_int_t)in->first_no, "last_no", (json_int_t)in->last_no,
				    "received_on", in->received_on, "received_by", in->received_by),
			  e);
}

/* What the state changes need to know of a book. */
struct book_row {
	bool electronic;
	char state[16];
	int64_t next_no, last_no;
	int64_t issued, voided;
};

static int
book_load(struct db *db, int64_t id, struct book_row *b, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT kind, state, next_no, last_no,"
			" (SELECT COUNT(*) FROM receipt r WHERE r.book_id = b.id"
			" AND r.state = 'issued'),"
			" (SELECT COUNT(*) FROM receipt r WHERE r.book_id = b.id"
			" AND r.state = 'voided') FROM receipt_book b WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		b->electronic = strcmp(db_col_text(st, 0), "electronic") == 0;
		snprintf(b->state, sizeof(b->state), "%s", db_col_text(st, 1));
		b->next_no = db_col_int64(st, 2);
		b->last_no = db_col_int64(st, 3);
		b->issued = db_col_int64(st, 4);
		b->voided = db_col_int64(st, 5);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "receipt_book_not_found", NULL, "没有这本票据");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* A paper book in state from, else the conflict that says why not. */
static int
book_expect(struct db *db, int64_t id, const char *from, struct book_row *b, struct anju_err *e)
{
	int rc;

	if ((rc = book_load(db, id, b, e)) != 0)
		return rc;
	if (b->electronic)
		return anju_fail(e, ANJU_ECONFLICT, "receipt_book_electronic", NULL,
				 "电子票据序列由系统使用，不能领用、停用或核销");
	if (strcmp(b->state, from) != 0)
		return anju_fail(e, ANJU_ECONFLICT, "receipt_book_state", NULL,
				 "这本票据%s，不能%s", state_title(b->state),
				 strcmp(from, "stock") == 0  ? "再交给收款员"
				 : strcmp(from, "open") == 0 ? "停用"
							     : "核销");
	return 0;
}

/* Runs a state change prepared with its parameters; ANJU_ECONFLICT when
 * another request moved the book first. */
static int
book_move(struct db *db, struct db_stmt *st, struct anju_err *e)
{
	int rc = db_step(st);
	int64_t n = db_changes(st);

	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (n != 1)
		return anju_fail(e, ANJU_ECONFLICT, "receipt_book_state", NULL,
				 "这本票据的状态刚刚改变，请刷新后重试");
	return 0;
}

int
receipt_book_hand(struct db *db, int64_t book_id, int64_t account_id, const struct audit_actor *who,
		  struct anju_err *e)
{
	struct book_row b;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *acct = NULL;
	const char *role, *state, *name;
	int rc;

	if ((rc = book_expect(db, book_id, "stock", &b, e)) != 0)
		return rc;
	rc = account_id > 0 ? account_get(db, account_id, &acct, e) : ANJU_ENOTFOUND;
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "clerk_not_found", "account_id",
				 "没有这个账号");
	if (rc != 0)
		return rc;
	role = json_string_value(json_object_get(acct, "role"));
	state = json_string_value(json_object_get(acct, "state"));
	name = json_string_value(json_object_get(acct, "username"));
	if (role == NULL || (strcmp(role, "operator_staff") != 0 && strcmp(role, "finance") != 0)) {
		json_decref(acct);
		return anju_fail(e, ANJU_EUNPROCESSABLE, "clerk_role", "account_id",
				 "票据只能交给运营人员或财务人员");
	}
	if (state == NULL || strcmp(state, "active") != 0) {
		json_decref(acct);
		return anju_fail(e, ANJU_EUNPROCESSABLE, "clerk_inactive", "account_id",
				 "这个账号已停用");
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE receipt_book SET state = 'open', clerk_account_id = ?, handed_at = ?"
		" WHERE id = ? AND state = 'stock' AND kind = 'paper'",
		&st);
	if (rc != 0) {
		json_decref(acct);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, now);
	db_bind_int64(st, 3, book_id);
	if ((rc = book_move(db, st, e)) == 0)
		rc = book_audit(db, who, "receipt_book.hand", book_id,
				json_pack("{s:s}", "state", "stock"),
				json_pack("{s:s, s:I, s:s}", "state", "open", "clerk_account_id",
					  (json_int_t)account_id, "clerk", name ? name : ""),
				e);
	json_decref(acct);
	return rc;
}

int
receipt_book_close(struct db *db, int64_t book_id, const struct audit_actor *who,
		   struct anju_err *e)
{
	struct book_row b;
	struct db_stmt *st;
	int rc;

	if ((rc = book_expect(db, book_id, "open", &b, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"UPDATE receipt_book SET state = 'used_up' WHERE id = ? AND state = 'open'"
			" AND kind = 'paper' AND next_no = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, book_id);
	db_bind_int64(st, 2, b.next_no);
	if ((rc = book_move(db, st, e)) != 0)
		return rc;
	return book_audit(
		db, who, "receipt_book.close", book_id, json_pack("{s:s}", "state", "open"),
		json_pack("{s:s, s:I, s:I}", "state", "used_up", "next_no", (json_int_t)b.next_no,
			  "unused", (json_int_t)(b.last_no - b.next_no + 1)),
		e);
}

int
receipt_book_write_off(struct db *db, int64_t book_id, const struct audit_actor *who,
		       struct anju_err *e)
{
	struct book_row b;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = book_expect(db, book_id, "used_up", &b, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE receipt_book SET state = 'written_off', written_off_at = ?"
			" WHERE id = ? AND state = 'used_up' AND kind = 'paper'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, book_id);
	if ((rc = book_move(db, st, e)) != 0)
		return rc;
	return book_audit(db, who, "receipt_book.write_off", book_id,
			  json_pack("{s:s}", "state", "used_up"),
			  json_pack("{s:s, s:I, s:I, s:I}", "state", "written_off", "issued",
				    (json_int_t)b.issued, "voided", (json_int_t)b.voided, "unused",
				    (json_int_t)(b.last_no - b.next_no + 1)),
			  e);
}

/* The ReceiptBook columns (17) of book b with its clerk's account a. */
#define BOOK_SELECT                                                                                \
	"SELECT b.id, b.kind, b.series, b.first_no, b.last_no, b.next_no, b.received_on,"          \
	" b.received_by, b.clerk_account_id, a.display_name, a.username, b.handed_at, b.state,"    \
	" b.written_off_at, b.created_at,"                                                         \
	" (SELECT COUNT(*) FROM receipt r WHERE r.book_id = b.id AND r.state = 'issued'),"         \
	" (SELECT COUNT(*) FROM receipt r WHERE r.book_id = b.id AND r.state = 'voided')"          \
	" FROM receipt_book b LEFT JOIN account a ON a.id = b.clerk_account_id"
/* Which books the caller sees: every one, or those handed to it.  Two
 * parameters, bound by visible_bind(). */
#define BOOK_VISIBLE "(? = 1 OR b.clerk_account_id = ?)"

static int
visible_bind(struct db_stmt *st, int i, const struct caller *c)
{
	bool all = c == NULL || c->kind == CALLER_SYSTEM || c->role == ROLE_FINANCE ||
		   c->role == ROLE_BUREAU || c->role == ROLE_OPERATOR_MANAGER;

	db_bind_int64(st, i, all ? 1 : 0);
	db_bind_int64(st, i + 1, c != NULL && c->kind == CALLER_ACCOUNT ? c->id : 0);
	return i + 2;
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
book_json(struct db_stmt *st, void *ud)
{
	bool paper = strcmp(db_col_text(st, 1), "paper") == 0;
	const char *state = db_col_text(st, 12);
	char first[RECEIPT_TEXT_MAX];
	json_t *j, *clerk = json_null();

	(void)ud;
	receipt_number_text(db_col_text(st, 2), db_col_int64(st, 3), first);
	if (!db_col_null(st, 8))
		clerk = json_string(db_col_text(st, 9)[0] != '\0' ? db_col_text(st, 9)
								  : db_col_text(st, 10));
	j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
		      (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "kind_title",
		      paper ? "纸质票据" : "电子票据", "series", db_col_text(st, 2), "first_no",
		      (json_int_t)db_col_int64(st, 3), "next_no", (json_int_t)db_col_int64(st, 5),
		      "received_on", db_col_text(st, 6), "received_by", db_col_text(st, 7), "state",
		      state, "state_title", paper ? state_title(state) : "系统使用", "created_at",
		      db_col_text(st, 14), "issued", (json_int_t)db_col_int64(st, 15), "voided",
		      (json_int_t)db_col_int64(st, 16));
	json_object_set_new(j, "last_no",
			    db_col_null(st, 4) ? json_null() : json_integer(db_col_int64(st, 4)));
	/* Numbers not yet taken: the rest of a paper book; an electronic series
	 * has no end. */
	json_object_set_new(j, "unused",
			    db_col_null(st, 4)
				    ? json_null()
				    : json_integer(db_col_int64(st, 4) - db_col_int64(st, 5) + 1));
	json_object_set_new(j, "clerk_account_id",
			    db_col_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)));
	json_object_set_new(j, "clerk_name", clerk);
	json_object_set_new(j, "handed_at", text_or_null(st, 11));
	json_object_set_new(j, "written_off_at", text_or_null(st, 13));
	json_object_set_new(j, "first_text", json_string(first));
	return j;
}

int
receipt_book_list(struct db *db, const struct caller *c, const char *state, int64_t after_id,
		  int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	*next = 0;
	if (limit < 1 || limit > 200)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "limit",
				 "limit 应在 1 到 200 之间");
	rc = db_prepare(db,
			BOOK_SELECT " WHERE b.id > ? AND (CAST(? AS TEXT) IS NULL OR b.state = ?)"
				    " AND " BOOK_VISIBLE " ORDER BY b.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_cstr(st, 2, state);
	db_bind_cstr(st, 3, state);
	visible_bind(st, 4, c);
	db_bind_int64(st, 6, limit + 1);
	if ((rc = page_collect(st, limit, book_json, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
receipt_book_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, BOOK_SELECT " WHERE b.id = ? AND " BOOK_VISIBLE, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	visible_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = book_json(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "receipt_book_not_found", NULL, "没有这本票据");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* ---- the write-off (核销) ---- */

/* An unused range first..last as a line. */
static json_t *
unused_line(const char *series, int64_t first, int64_t last)
{
	char a[RECEIPT_TEXT_MAX], b[RECEIPT_TEXT_MAX], text[2 * RECEIPT_TEXT_MAX + 8];

	receipt_number_text(series, first, a);
	receipt_number_text(series, last, b);
	if (first == last)
		snprintf(text, sizeof(text), "%s", a);
	else
		snprintf(text, sizeof(text), "%s 至 %s", a, b);
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:n}", "number",
			 (json_int_t)first, "number_to", (json_int_t)last, "count",
			 (json_int_t)(last - first + 1), "number_text", text, "state", "unused",
			 "state_title", "未使用", "payment_id", "amount_fen", "household_id",
			 "issued_at", "void_reason");
}

int
receipt_book_writeoff(struct db *db, int64_t book_id, json_t **out, struct anju_err *e)
{
	struct book_row b;
	struct db_stmt *st;
	json_t *book = NULL, *lines;
	const char *series;
	int64_t expect, issued = 0, voided = 0, unused = 0, issued_fen = 0, voided_fen = 0;
	int rc;

	*out = NULL;
	if ((rc = book_load(db, book_id, &b, e)) != 0)
		return rc;
	if (b.electronic)
		return anju_fail(e, ANJU_ECONFLICT, "receipt_book_electronic", NULL,
				 "电子票据序列由系统使用，没有核销表");
	if ((rc = receipt_book_get(db, NULL, book_id, &book, e)) != 0)
		return rc;
	series = json_string_value(json_object_get(book, "series"));
	expect = json_integer_value(json_object_get(book, "first_no"));
	lines = json_array();
	rc = db_prepare(db,
			"SELECT r.number, r.state, r.payment_id, p.amount_fen, p.household_id,"
			" r.issued_at, r.void_reason FROM receipt r JOIN payment p"
			" ON p.id = r.payment_id WHERE r.book_id = ? ORDER BY r.number",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, book_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t number = db_col_int64(st, 0), amount = db_col_int64(st, 3);
		bool void_ = strcmp(db_col_text(st, 1), "voided") == 0;
		char text[RECEIPT_TEXT_MAX];
		json_t *line;

		/* Numbers are taken in order without gaps; a gap would still be
		 * shown for what it is. */
		if (number > expect) {
			json_array_append_new(lines, unused_line(series, expect, number - 1));
			unused += number - expect;
		}
		expect = number + 1;
		receipt_number_text(series, number, text);
		line = json_pack(
			"{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "number", (json_int_t)number,
			"number_text", text, "state", void_ ? "voided" : "issued", "state_title",
			void_ ? "已作废" : "已开具", "payment_id", (json_int_t)db_col_int64(st, 2),
			"amount_fen", (json_int_t)amount, "household_id",
			(json_int_t)db_col_int64(st, 4), "issued_at", db_col_text(st, 5));
		json_object_set_new(line, "void_reason", text_or_null(st, 6));
		json_array_append_new(lines, line);
		if (void_) {
			voided++;
			voided_fen += amount;
		} else {
			issued++;
			issued_fen += amount;
		}
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (b.last_no >= expect) {
		json_array_append_new(lines, unused_line(series, expect, b.last_no));
		unused += b.last_no - expect + 1;
	}
	*out = json_pack("{s:O, s:O, s:{s:I, s:I, s:I, s:I, s:I}}", "book", book, "lines", lines,
			 "totals", "issued", (json_int_t)issued, "issued_fen",
			 (json_int_t)issued_fen, "voided", (json_int_t)voided, "voided_fen",
			 (json_int_t)voided_fen, "unused", (json_int_t)unused);
	rc = 0;
out:
	json_decref(book);
	json_decref(lines);
	return rc;
}

/* An instant as Asia/Shanghai wall time "YYYY-MM-DD HH:MM:SS" (UTC+8, no
 * daylight saving). */
static void
shanghai_time(const char *utc, char out[TIME_FMT_LEN])
{
	int64_t us;

	out[0] = '\0';
	if (utc == NULL || time_parse_utc(str_c(utc), &us) != 0)
		return;
	time_format_utc(us + 8 * 3600 * INT64_C(1000000), out);
	out[10] = ' ';
	out[19] = '\0';
}

static const char *const sheet_titles[] = {
	"票号", "状态", "金额(元)", "缴款家庭", "开票时间", "作废原因", NULL,
};
static const double sheet_widths[] = { 34, 12, 14, 12, 20, 30 };

/* Writes the sheet of w into wb. */
static void
sheet_write(lxw_workbook *wb, json_t *w)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "核销");
	lxw_format *bold = workbook_add_format(wb), *yuan = workbook_add_format(wb),
		   *bold_yuan = workbook_add_format(wb);
	json_t *book = json_object_get(w, "book"), *totals = json_object_get(w, "totals"), *line;
	lxw_row_t row = 0;
	char buf[160];
	size_t i;

	format_set_bold(bold);
	format_set_num_format(yuan, "0.00");
	format_set_bold(bold_yuan);
	format_set_num_format(bold_yuan, "0.00");
	for (lxw_col_t c = 0; sheet_titles[c] != NULL; c++) {
		worksheet_set_column(ws, c, c, sheet_widths[c], NULL);
		worksheet_write_string(ws, row, c, sheet_titles[c], bold);
	}
	worksheet_freeze_panes(ws, 1, 0);
	json_array_foreach (json_object_get(w, "lines"), i, line) {
		const char *state = json_string_value(json_object_get(line, "state"));
		json_t *amount = json_object_get(line, "amount_fen");
		json_t *hh = json_object_get(line, "household_id");
		const char *reason = json_string_value(json_object_get(line, "void_reason"));

		row++;
		worksheet_write_string(
			ws, row, 0, json_string_value(json_object_get(line, "number_text")), NULL);
		if (strcmp(state, "unused") == 0) {
			snprintf(buf, sizeof(buf), "未使用 %lld 张",
				 (long long)json_integer_value(json_object_get(line, "count")));
			worksheet_write_string(ws, row, 1, buf, NULL);
			continue;
		}
		worksheet_write_string(
			ws, row, 1, json_string_value(json_object_get(line, "state_title")), NULL);
		xlsx_write_fen(ws, row, 2, json_integer_value(amount), yuan);
		worksheet_write_number(ws, row, 3, (double)json_integer_value(hh), NULL);
		shanghai_time(json_string_value(json_object_get(line, "issued_at")), buf);
		worksheet_write_string(ws, row, 4, buf, NULL);
		if (reason != NULL)
			worksheet_write_string(ws, row, 5, reason, NULL);
	}
	/* The totals, below a blank row. */
	row += 2;
	snprintf(buf, sizeof(buf), "合计：%s", json_string_value(json_object_get(book, "series")));
	worksheet_write_string(ws, row, 0, buf, bold);
	snprintf(buf, sizeof(buf), "已开具 %lld 张",
		 (long long)json_integer_value(json_object_get(totals, "issued")));
	worksheet_write_string(ws, row, 1, buf, bold);
	xlsx_write_fen(ws, row, 2, json_integer_value(json_object_get(totals, "issued_fen")),
		       bold_yuan);
	row++;
	snprintf(buf, sizeof(buf), "已作废 %lld 张",
		 (long long)json_integer_value(json_object_get(totals, "voided")));
	worksheet_write_string(ws, row, 1, buf, bold);
	xlsx_write_fen(ws, row, 2, json_integer_value(json_object_get(totals, "voided_fen")),
		       bold_yuan);
	row++;
	snprintf(buf, sizeof(buf), "未使用 %lld 张",
		 (long long)json_integer_value(json_object_get(totals, "unused")));
	worksheet_write_string(ws, row, 1, buf, bold);
}

int
receipt_book_writeoff_xlsx(struct db *db, int64_t book_id, struct buf *out, struct anju_err *e)
{
	char path[XLSX_TEMP_PATH_MAX];
	lxw_workbook *wb;
	json_t *w = NULL;
	int rc;

	if ((rc = receipt_book_writeoff(db, book_id, &w, e)) != 0)
		return rc;
	if ((wb = xlsx_temp_new(path, e)) == NULL) {
		rc = ANJU_EIO;
		goto out;
	}
	sheet_write(wb, w);
	rc = xlsx_temp_finish(wb, path, out, e);
out:
	json_decref(w);
	return rc;
}
