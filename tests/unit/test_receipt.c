/*
 * Unit tests of receipt books and receipts on a real database (both
 * engines): receiving a book with every kind of bad input, handing it to a
 * clerk, closing and writing it off, and each refusal; numbers taken
 * through payment_take in order, given back by a rolled-back transaction,
 * moving on to the clerk's next book, refused without a book, and
 * electronic series per channel and year; the list as each role sees it;
 * the write-off's lines and totals as JSON and xlsx; the staff's view with
 * the payer masked, the printed receipt's text and QR code, and the public
 * verification that shows nothing personal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "household/household.h"
#include "money/money.h"
#include "money/receipt.h"
#include "pdf/pdf.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, b;                    /* communities */
	int64_t hh;                      /* a household of a, head 张三丰 */
	int64_t clerk, staff, boss, off; /* accounts: finance, operator_staff, bureau, disabled */
};

static const struct audit_actor who = { "account:1", "finance", "finance", "::1", NULL };
/* Callers, their ids set in setup: the finance clerk (every community),
 * operator staff with community a, bureau. */
static struct caller clerk = { CALLER_ACCOUNT, 0, ROLE_FINANCE, "c", NULL, true };
static struct caller staff = { CALLER_ACCOUNT, 0, ROLE_OPERATOR_STAFF, "s", NULL, false };
static struct caller bureau = { CALLER_ACCOUNT, 0, ROLE_BUREAU, "b", NULL, true };
static char clerk_principal[32], staff_principal[32], bureau_principal[32];

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("receipt", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	pdf_shutdown();
	return 0;
}

/* The text of a one-row query with one integer parameter (free it). */
static char *
qtext(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	char *v;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	v = xstrdup(db_col_text(st, 0) ? db_col_text(st, 0) : "");
	db_reset(st);
	return v;
}

/* A valid ID number from 17 digits: the check character appended. */
static const char *
idn(char out[19], const char *digits17)
{
	memcpy(out, digits17, 17);
	out[17] = idnum_check_char(digits17);
	out[18] = '\0';
	return out;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	char head[19], spouse[19];
	struct member_in m[2] = {
		{ { "张三丰", idn(head, "99010119850307001"), NULL }, "head" },
		{ { "李芳", idn(spouse, "99010119901231002"), NULL }, "spouse" },
	};
	struct household_in in = { .category = "low_income", .members = m, .nmembers = 2 };
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->a = tm_community(c->db, "南苑公租房");
	c->b = tm_community(c->db, "肖桥公租房");
	c->clerk = tm_account(c->db, "clerk1", "收款员甲", "finance", "active");
	c->staff = tm_account(c->db, "staff1", "", "operator_staff", "active");
	c->boss = tm_account(c->db, "boss1", "局领导", "bureau", "active");
	c->off = tm_account(c->db, "gone1", "离职人员", "operator_staff", "disabled");
	clerk.id = c->clerk;
	staff.id = c->staff;
	bureau.id = c->boss;
	snprintf(clerk_principal, sizeof(clerk_principal), "account:%lld", (long long)c->clerk);
	snprintf(staff_principal, sizeof(staff_principal), "account:%lld", (long long)c->staff);
	snprintf(bureau_principal, sizeof(bureau_principal), "account:%lld", (long long)c->boss);
	clerk.principal = clerk_principal;
	staff.principal = staff_principal;
	bureau.principal = bureau_principal;
	in.community_id = c->a;
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, staff_principal, &c->a, 1, &e));
	ok(c->db, household_create(c->db, &in, &who, &c->hh, &e));
	ok(c->db, db_commit(c->db));
	config_reset();
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

/* Asserts an error: its code, key and field (NULL: none), at the caller's
 * line. */
#define expect(rc, e, code, key, field) expect_at((rc), (e), (code), (key), (field), __LINE__)

static void
expect_at(int rc, const struct anju_err *e, int code, const char *key, const char *field, int line)
{
	if (rc != code || strcmp(e->key, key) != 0 || strcmp(e->field, field ? field : "") != 0)
		fail_msg("line %d: got %d %s (%s), want %d %s (%s)", line, rc, e->key, e->field,
			 code, key, field ? field : "");
}

/* Receives a book in a transaction of its own. */
static int
receive(struct ctx *c, const char *series, int64_t first, int64_t last, const char *on,
	const char *by, int64_t *id, struct anju_err *e)
{
	struct receipt_book_in in = { series, first, last, on, by };
	int64_t ignored;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = receipt_book_receive(c->db, &in, &who, id ? id : &ignored, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

enum book_op { OP_HAND, OP_CLOSE, OP_WRITE_OFF };

static int
book_op(struct ctx *c, enum book_op op, int64_t book, int64_t account, struct anju_err *e)
{
	int rc;

	ok(c->db, db_begin(c->db));
	switch (op) {
	case OP_HAND: rc = receipt_book_hand(c->db, book, account, &who, e); break;
	case OP_CLOSE: rc = receipt_book_close(c->db, book, &who, e); break;
	default: rc = receipt_book_write_off(c->db, book, &who, e); break;
	}
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

/* A book received and handed to account. */
static int64_t
open_book(struct ctx *c, const char *series, int64_t first, int64_t last, int64_t account)
{
	struct anju_err e;
	int64_t id;

	ok(c->db, receive(c, series, first, last, "2026-01-02", "财务 王五", &id, &e));
	ok(c->db, book_op(c, OP_HAND, id, account, &e));
	return id;
}

/* A payment taken by a caller in a transaction of its own; commit false
 * rolls it back.  The receipt's id into *receipt. */
static int
pay(struct ctx *c, const struct caller *by, int64_t fen, enum payment_channel ch, const char *ref,
    bool commit, int64_t *receipt, struct anju_err *e)
{
	struct payment_in in = { c->hh, fen, ch, ref, 0, NULL };
	json_t *out = NULL;
	int64_t id = 0;
	int rc;

	ok(c->db, db_begin(c->db));
	rc = payment_take(c->db, by, &in, &who, &id, &out, e);
	if (rc == 0 && receipt != NULL)
		*receipt =
			json_integer_value(json_object_get(json_object_get(out, "receipt"), "id"));
	if (rc == 0 && commit)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	json_decref(out);
	return rc;
}

/* The receipt's "series-number". */
static char *
number_of(struct ctx *c, int64_t receipt)
{
	return qtext(c->db,
		     "SELECT b.series || '-' || CAST(r.number AS TEXT) FROM receipt r"
		     " JOIN receipt_book b ON b.id = r.book_id WHERE r.id = ?",
		     receipt);
}

static int64_t
count_audit(struct db *db, const char *action)
{
	struct db_stmt *st;
	int64_t n;

	ok(db, db_prepare(db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", &st));
	db_bind_cstr(st, 1, action);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static void
test_receive(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char tomorrow[DATE_FMT_LEN], today[DATE_FMT_LEN];
	int64_t id;
	json_t *b;

	date_format(date_add_days(date_today_shanghai(), 1), tomorrow);
	date_format(date_today_shanghai(), today);
	expect(receive(c, "", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL, "missing_field",
	       "series");
	expect(receive(c, NULL, 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL, "missing_field",
	       "series");
	/* 32 characters are fine, 33 are not (characters, not bytes). */
	ok(c->db, receive(c, "鄂财收字第一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午", 1,
			  1, today, "王五", NULL, &e));
	expect(receive(c, "鄂财收字第一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未", 1,
		       1, today, "王五", NULL, &e),
	       &e, ANJU_EINVAL, "invalid_length", "series");
	expect(receive(c, " A2026", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_value", "series");
	expect(receive(c, "A2026\xe3\x80\x80", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_value", "series");
	expect(receive(c, "A\t2026", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_value", "series");
	expect(receive(c, "A\xc2\x85", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_value", "series");
	expect(receive(c, "A\xff", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_value", "series");
	/* The electronic series' own names. */
	expect(receive(c, "E2026YH", 1, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "series_reserved", "series");
	ok(c->db, receive(c, "E2026Y", 1, 10, today, "王五", NULL, &e));
	/* Ranges. */
	expect(receive(c, "A1", 0, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL, "out_of_range",
	       "first_no");
	expect(receive(c, "A1", -5, 100, today, "王五", NULL, &e), &e, ANJU_EINVAL, "out_of_range",
	       "first_no");
	expect(receive(c, "A1", 1000000000, 1000000000, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "out_of_range", "first_no");
	expect(receive(c, "A1", 100, 99, today, "王五", NULL, &e), &e, ANJU_EINVAL, "out_of_range",
	       "last_no");
	expect(receive(c, "A1", 999999990, 1000000000, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "out_of_range", "last_no");
	expect(receive(c, "A1", 1, 10001, today, "王五", NULL, &e), &e, ANJU_EINVAL,
	       "book_too_large", "last_no");
	ok(c->db, receive(c, "A-max", 999990000, 999999999, today, "王五", NULL, &e));
	/* Dates. */
	expect(receive(c, "A1", 1, 100, "2026-02-30", "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_date", "received_on");
	expect(receive(c, "A1", 1, 100, "2026/01/02", "王五", NULL, &e), &e, ANJU_EINVAL,
	       "invalid_date", "received_on");
	expect(receive(c, "A1", 1, 100, NULL, "王五", NULL, &e), &e, ANJU_EINVAL, "invalid_date",
	       "received_on");
	expect(receive(c, "A1", 1, 100, tomorrow, "王五", NULL, &e), &e, ANJU_EINVAL, "future_date",
	       "received_on");
	/* Who received it. */
	expect(receive(c, "A1", 1, 100, today, "", NULL, &e), &e, ANJU_EINVAL, "missing_field",
	       "received_by");
	expect(receive(c, "A1", 1, 100, today,
		       "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七"
		       "八"
		       "九十一二三四五六七八九十一二三四五六七八九十一二三四五",
		       NULL, &e),
	       &e, ANJU_EINVAL, "invalid_length", "received_by");
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM receipt_book", 0), 3);
	/* A good one: in stock, its first number next. */
	ok(c->db, receive(c, "A2026", 101, 200, today, "财务 王五", &id, &e));
	ok(c->db, receipt_book_get(c->db, &clerk, id, &b, &e));
	assert_string_equal(json_string_value(json_object_get(b, "kind")), "paper");
	assert_string_equal(json_string_value(json_object_get(b, "state")), "stock");
	assert_int_equal(json_integer_value(json_object_get(b, "next_no")), 101);
	assert_int_equal(json_integer_value(json_object_get(b, "last_no")), 200);
	assert_int_equal(json_integer_value(json_object_get(b, "unused")), 100);
	assert_int_equal(json_integer_value(json_object_get(b, "issued")), 0);
	assert_true(json_is_null(json_object_get(b, "clerk_account_id")));
	assert_string_equal(json_string_value(json_object_get(b, "first_text")), "A2026-00000101");
	json_decref(b);
	/* A series once. */
	expect(receive(c, "A2026", 1, 100, today, "王五", NULL, &e), &e, ANJU_ECONFLICT,
	       "series_taken", "series");
	assert_int_equal(count_audit(c->db, "receipt_book.receive"), 4);
	assert_int_equal(receipt_book_get(c->db, &clerk, 999999, &b, &e), ANJU_ENOTFOUND);
}

static void
test_hand_close_write_off(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id, other, receipt;
	json_t *b;

	ok(c->db, receive(c, "B2026", 1, 50, "2026-01-02", "王五", &id, &e));
	ok(c->db, receive(c, "C2026", 1, 50, "2026-01-02", "王五", &other, &e));
	/* Not in use yet: neither closed nor written off. */
	expect(book_op(c, OP_CLOSE, id, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_state", NULL);
	expect(book_op(c, OP_WRITE_OFF, id, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_state", NULL);
	/* Handed only to an active clerk. */
	expect(book_op(c, OP_HAND, 999999, c->clerk, &e), &e, ANJU_ENOTFOUND,
	       "receipt_book_not_found", NULL);
	expect(book_op(c, OP_HAND, id, 999999, &e), &e, ANJU_EUNPROCESSABLE, "clerk_not_found",
	       "account_id");
	expect(book_op(c, OP_HAND, id, 0, &e), &e, ANJU_EUNPROCESSABLE, "clerk_not_found",
	       "account_id");
	expect(book_op(c, OP_HAND, id, c->boss, &e), &e, ANJU_EUNPROCESSABLE, "clerk_role",
	       "account_id");
	expect(book_op(c, OP_HAND, id, c->off, &e), &e, ANJU_EUNPROCESSABLE, "clerk_inactive",
	       "account_id");
	ok(c->db, book_op(c, OP_HAND, id, c->staff, &e));
	ok(c->db, receipt_book_get(c->db, &clerk, id, &b, &e));
	assert_string_equal(json_string_value(json_object_get(b, "state")), "open");
	assert_int_equal(json_integer_value(json_object_get(b, "clerk_account_id")), c->staff);
	/* No display name: the username. */
	assert_string_equal(json_string_value(json_object_get(b, "clerk_name")), "staff1");
	assert_true(json_is_string(json_object_get(b, "handed_at")));
	json_decref(b);
	expect(book_op(c, OP_HAND, id, c->clerk, &e), &e, ANJU_ECONFLICT, "receipt_book_state",
	       NULL);
	expect(book_op(c, OP_WRITE_OFF, id, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_state", NULL);
	/* Two numbers used, then closed early: the other 48 stay unused. */
	ok(c->db, pay(c, &staff, 1000, CHANNEL_CASH, NULL, true, &receipt, &e));
	ok(c->db, pay(c, &staff, 2000, CHANNEL_CASH, NULL, true, &receipt, &e));
	ok(c->db, book_op(c, OP_CLOSE, id, 0, &e));
	ok(c->db, receipt_book_get(c->db, &clerk, id, &b, &e));
	assert_string_equal(json_string_value(json_object_get(b, "state")), "used_up");
	assert_int_equal(json_integer_value(json_object_get(b, "issued")), 2);
	assert_int_equal(json_integer_value(json_object_get(b, "unused")), 48);
	json_decref(b);
	/* A closed book gives no more numbers. */
	expect(pay(c, &staff, 1000, CHANNEL_CASH, NULL, true, &receipt, &e), &e, ANJU_ECONFLICT,
	       "no_receipt_book", NULL);
	expect(book_op(c, OP_CLOSE, id, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_state", NULL);
	ok(c->db, book_op(c, OP_WRITE_OFF, id, 0, &e));
	ok(c->db, receipt_book_get(c->db, &clerk, id, &b, &e));
	assert_string_equal(json_string_value(json_object_get(b, "state")), "written_off");
	assert_true(json_is_string(json_object_get(b, "written_off_at")));
	json_decref(b);
	expect(book_op(c, OP_WRITE_OFF, id, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_state", NULL);
	expect(book_op(c, OP_HAND, id, c->staff, &e), &e, ANJU_ECONFLICT, "receipt_book_state",
	       NULL);
	/* The other book was never touched. */
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM receipt_book WHERE id = ? AND state = 'stock'",
			other),
		1);
	assert_int_equal(count_audit(c->db, "receipt_book.hand"), 1);
	assert_int_equal(count_audit(c->db, "receipt_book.close"), 1);
	assert_int_equal(count_audit(c->db, "receipt_book.write_off"), 1);
}

static void
test_numbering(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char series[16], *n;
	int64_t a, b, r1, r2, r3, r4;
	int year = date_today_shanghai().y;

	/* No book yet: refused, and nothing written. */
	expect(pay(c, &clerk, 1000, CHANNEL_CASH, NULL, true, &r1, &e), &e, ANJU_ECONFLICT,
	       "no_receipt_book", NULL);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 0);
	/* Two books: the older is used first, to its end, then the next. */
	a = open_book(c, "N1", 1, 2, c->clerk);
	b = open_book(c, "N2", 101, 103, c->clerk);
	ok(c->db, pay(c, &clerk, 1000, CHANNEL_CASH, NULL, true, &r1, &e));
	n = number_of(c, r1);
	assert_string_equal(n, "N1-1");
	free(n);
	/* A payment that rolls back gives its number back: no gap. */
	ok(c->db, pay(c, &clerk, 1000, CHANNEL_POS, "POS-1", false, &r2, &e));
	ok(c->db, pay(c, &clerk, 1000, CHANNEL_POS, "POS-1", true, &r2, &e));
	n = number_of(c, r2);
	assert_string_equal(n, "N1-2");
	free(n);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM receipt_book WHERE id = ? AND state = 'used_up'", a),
		1);
	ok(c->db, pay(c, &clerk, 1000, CHANNEL_CASH, NULL, true, &r3, &e));
	n = number_of(c, r3);
	assert_string_equal(n, "N2-101");
	free(n);
	assert_int_equal(tm_qint(c->db, "SELECT next_no FROM receipt_book WHERE id = ?", b), 102);
	/* Another clerk's books are not this one's. */
	expect(pay(c, &staff, 1000, CHANNEL_CASH, NULL, true, &r4, &e), &e, ANJU_ECONFLICT,
	       "no_receipt_book", NULL);
	/* Electronic receipts: one series per channel and year, from 1. */
	ok(c->db, pay(c, &clerk, 5000, CHANNEL_BANK_TRANSFER, "BT-1", true, &r1, &e));
	ok(c->db, pay(c, &clerk, 5000, CHANNEL_BANK_TRANSFER, "BT-2", false, &r2, &e));
	ok(c->db, pay(c, &clerk, 5000, CHANNEL_BANK_TRANSFER, "BT-3", true, &r2, &e));
	ok(c->db, pay(c, &clerk, 5000, CHANNEL_ONLINE, "WX-1", true, &r3, &e));
	ok(c->db, pay(c, &staff, 5000, CHANNEL_WITHHOLDING, "DK-1", true, &r4, &e));
	snprintf(series, sizeof(series), "E%04dYH-1", year);
	n = number_of(c, r1);
	assert_string_equal(n, series);
	free(n);
	snprintf(series, sizeof(series), "E%04dYH-2", year);
	n = number_of(c, r2);
	assert_string_equal(n, series);
	free(n);
	snprintf(series, sizeof(series), "E%04dXS-1", year);
	n = number_of(c, r3);
	assert_string_equal(n, series);
	free(n);
	snprintf(series, sizeof(series), "E%04dDK-1", year);
	n = number_of(c, r4);
	assert_string_equal(n, series);
	free(n);
	/* Exactly one receipt per payment, and no number twice in a book. */
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM payment p WHERE (SELECT COUNT(*) FROM receipt r"
			" WHERE r.payment_id = p.id) <> 1",
			0),
		0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM receipt", 0), 7);
	/* An electronic series is never handed, closed or written off. */
	a = tm_qint(c->db, "SELECT MIN(id) FROM receipt_book WHERE kind = 'electronic'", 0);
	expect(book_op(c, OP_HAND, a, c->clerk, &e), &e, ANJU_ECONFLICT, "receipt_book_electronic",
	       NULL);
	expect(book_op(c, OP_CLOSE, a, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_electronic", NULL);
	expect(book_op(c, OP_WRITE_OFF, a, 0, &e), &e, ANJU_ECONFLICT, "receipt_book_electronic",
	       NULL);
	{
		json_t *w = NULL;

		expect(receipt_book_writeoff(c->db, a, &w, &e), &e, ANJU_ECONFLICT,
		       "receipt_book_electronic", NULL);
		assert_null(w);
	}
}

/* The series of each book in a list page, in order, joined by ','. */
static void
series_of(json_t *items, char *out, size_t cap)
{
	json_t *b;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach (items, i, b)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "," : "",
				      json_string_value(json_object_get(b, "series")));
}

static void
test_list(void **state)
{
	struct ctx *c = *state;
	struct caller key = { CALLER_API_KEY, 5, ROLE_OPERATOR_STAFF, "k", "apikey:5", false };
	struct anju_err e;
	json_t *items, *b;
	int64_t next, mine, r;
	char s[256];

	ok(c->db, receive(c, "L1", 1, 10, "2026-01-02", "王五", NULL, &e));
	mine = open_book(c, "L2", 1, 10, c->staff);
	open_book(c, "L3", 1, 10, c->clerk);
	ok(c->db, pay(c, &clerk, 100, CHANNEL_ONLINE, "WX-9", true, &r, &e));
	/* Finance sees every book, the electronic series too. */
	ok(c->db, receipt_book_list(c->db, &clerk, NULL, 0, 50, &items, &next, &e));
	series_of(items, s, sizeof(s));
	assert_int_equal(next, 0);
	assert_int_equal(strncmp(s, "L1,L2,L3,E", 10), 0);
	b = json_array_get(items, 3);
	assert_string_equal(json_string_value(json_object_get(b, "kind")), "electronic");
	assert_true(json_is_null(json_object_get(b, "last_no")));
	assert_true(json_is_null(json_object_get(b, "unused")));
	assert_int_equal(json_integer_value(json_object_get(b, "issued")), 1);
	json_decref(items);
	/* Pages of one. */
	ok(c->db, receipt_book_list(c->db, &bureau, NULL, 0, 1, &items, &next, &e));
	series_of(items, s, sizeof(s));
	assert_string_equal(s, "L1");
	json_decref(items);
	ok(c->db, receipt_book_list(c->db, &bureau, NULL, next, 1, &items, &next, &e));
	series_of(items, s, sizeof(s));
	assert_string_equal(s, "L2");
	json_decref(items);
	/* By state. */
	ok(c->db, receipt_book_list(c->db, &clerk, "stock", 0, 50, &items, &next, &e));
	series_of(items, s, sizeof(s));
	assert_string_equal(s, "L1");
	json_decref(items);
	/* Operator staff: only the books handed to them; a key has none. */
	ok(c->db, receipt_book_list(c->db, &staff, NULL, 0, 50, &items, &next, &e));
	series_of(items, s, sizeof(s));
	assert_string_equal(s, "L2");
	json_decref(items);
	ok(c->db, receipt_book_get(c->db, &staff, mine, &b, &e));
	json_decref(b);
	assert_int_equal(receipt_book_get(c->db, &staff, mine + 1, &b, &e), ANJU_ENOTFOUND);
	ok(c->db, receipt_book_list(c->db, &key, NULL, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	assert_int_equal(receipt_book_list(c->db, &clerk, NULL, 0, 0, &items, &next, &e),
			 ANJU_EINVAL);
}

/* The bytes of one member of a zip (an xlsx) in b, NUL-terminated (free
 * it); NULL when absent. */
static char *
unzip(const struct buf *b, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct buf out;
	char chunk[8192];
	ssize_t n;
	char *res = NULL;

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, b->p, b->n), ARCHIVE_OK);
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(ent), name) != 0) {
			archive_read_data_skip(a);
			continue;
		}
		buf_init(&out, 0);
		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			assert_int_equal(buf_add(&out, chunk, (size_t)n), 0);
		assert_int_equal(n, 0);
		res = out.p ? buf_take(&out, NULL) : xstrdup("");
		break;
	}
	archive_read_free(a);
	return res;
}

static void
test_writeoff(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t book, r1, r2, r3, pid;
	json_t *w, *lines, *l, *t;
	struct buf x;
	char *strings, *sheet;

	book = open_book(c, "W2026", 11, 20, c->clerk);
	ok(c->db, pay(c, &clerk, 1234, CHANNEL_CASH, NULL, true, &r1, &e));
	ok(c->db, pay(c, &clerk, 50000, CHANNEL_CASH, NULL, true, &r2, &e));
	ok(c->db, pay(c, &clerk, 700, CHANNEL_POS, "POS-77", true, &r3, &e));
	/* The second is voided, keeping its number. */
	pid = tm_qint(c->db, "SELECT payment_id FROM receipt WHERE id = ?", r2);
	ok(c->db, db_begin(c->db));
	ok(c->db, receipt_void(c->db, pid, "金额有误 <重开>", &who, &e));
	ok(c->db, db_commit(c->db));
	/* While open, the rest of the book shows as unused. */
	ok(c->db, receipt_book_writeoff(c->db, book, &w, &e));
	lines = json_object_get(w, "lines");
	assert_int_equal(json_array_size(lines), 4);
	l = json_array_get(lines, 0);
	assert_int_equal(json_integer_value(json_object_get(l, "number")), 11);
	assert_string_equal(json_string_value(json_object_get(l, "number_text")), "W2026-00000011");
	assert_string_equal(json_string_value(json_object_get(l, "state")), "issued");
	assert_int_equal(json_integer_value(json_object_get(l, "amount_fen")), 1234);
	assert_int_equal(json_integer_value(json_object_get(l, "household_id")), c->hh);
	assert_true(json_is_null(json_object_get(l, "void_reason")));
	l = json_array_get(lines, 1);
	assert_string_equal(json_string_value(json_object_get(l, "state")), "voided");
	assert_string_equal(json_string_value(json_object_get(l, "void_reason")),
			    "金额有误 <重开>");
	assert_int_equal(json_integer_value(json_object_get(l, "payment_id")), pid);
	l = json_array_get(lines, 3);
	assert_string_equal(json_string_value(json_object_get(l, "state")), "unused");
	assert_int_equal(json_integer_value(json_object_get(l, "number")), 14);
	assert_int_equal(json_integer_value(json_object_get(l, "number_to")), 20);
	assert_int_equal(json_integer_value(json_object_get(l, "count")), 7);
	assert_string_equal(json_string_value(json_object_get(l, "number_text")),
			    "W2026-00000014 至 W2026-00000020");
	assert_true(json_is_null(json_object_get(l, "amount_fen")));
	t = json_object_get(w, "totals");
	assert_int_equal(json_integer_value(json_object_get(t, "issued")), 2);
	assert_int_equal(json_integer_value(json_object_get(t, "issued_fen")), 1934);
	assert_int_equal(json_integer_value(json_object_get(t, "voided")), 1);
	assert_int_equal(json_integer_value(json_object_get(t, "voided_fen")), 50000);
	assert_int_equal(json_integer_value(json_object_get(t, "unused")), 7);
	json_decref(w);
	/* Closed and written off: the same sheet, the book's state with it. */
	ok(c->db, book_op(c, OP_CLOSE, book, 0, &e));
	ok(c->db, book_op(c, OP_WRITE_OFF, book, 0, &e));
	ok(c->db, receipt_book_writeoff(c->db, book, &w, &e));
	assert_string_equal(json_string_value(json_object_get(json_object_get(w, "book"), "state")),
			    "written_off");
	assert_int_equal(json_array_size(json_object_get(w, "lines")), 4);
	json_decref(w);
	/* A book with nothing used is one unused range. */
	ok(c->db, receive(c, "W-empty", 1, 1, "2026-01-02", "王五", &book, &e));
	ok(c->db, receipt_book_writeoff(c->db, book, &w, &e));
	assert_int_equal(json_array_size(json_object_get(w, "lines")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(w, "lines"), 0), "number_text")),
			    "W-empty-00000001");
	json_decref(w);
	assert_int_equal(receipt_book_writeoff(c->db, 999999, &w, &e), ANJU_ENOTFOUND);
	/* The xlsx: zh-CN headers, each number, yuan with decimals, totals. */
	book = tm_qint(c->db, "SELECT id FROM receipt_book WHERE series = 'W2026'", 0);
	buf_init(&x, 0);
	ok(c->db, receipt_book_writeoff_xlsx(c->db, book, &x, &e));
	assert_true(x.n > 1000);
	assert_memory_equal(x.p, "PK\x03\x04", 4);
	strings = unzip(&x, "xl/sharedStrings.xml");
	assert_non_null(strings);
	{
		static const char *const want[] = {
			"票号",
			"状态",
			"金额(元)",
			"缴款家庭",
			"开票时间",
			"作废原因",
			"W2026-00000011",
			"已开具",
			"已作废",
			"金额有误 &lt;重开&gt;",
			"W2026-00000014 至 W2026-00000020",
			"未使用 7 张",
			"合计：W2026",
			"已开具 2 张",
			"已作废 1 张",
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (strstr(strings, want[i]) == NULL)
				fail_msg("the sheet has no \"%s\"", want[i]);
	}
	free(strings);
	/* Amounts are numbers in yuan: 12.34, 500, 7 and the totals 19.34 and 500. */
	sheet = unzip(&x, "xl/worksheets/sheet1.xml");
	assert_non_null(sheet);
	assert_non_null(strstr(sheet, "<v>12.34</v>"));
	assert_non_null(strstr(sheet, "<v>500</v>"));
	assert_non_null(strstr(sheet, "<v>7</v>"));
	assert_non_null(strstr(sheet, "<v>19.34</v>"));
	free(sheet);
	buf_free(&x);
	buf_init(&x, 0);
	assert_int_equal(receipt_book_writeoff_xlsx(c->db, 999999, &x, &e), ANJU_ENOTFOUND);
	assert_int_equal(x.n, 0);
	buf_free(&x);
}

/* Runs a shell command and returns what it printed (free it); fails the
 * test when the command fails. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
run(const char *fmt, ...)
{
	struct buf cmd, out;
	char chunk[4096];
	va_list ap;
	FILE *f;
	size_t n;
	int rc;

	buf_init(&cmd, 0);
	buf_init(&out, 0);
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	f = popen(cmd.p, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&out, chunk, n), 0);
	rc = pclose(f);
	if (rc != 0)
		fail_msg("\"%s\" exited with %d", cmd.p, rc);
	buf_free(&cmd);
	return out.p ? buf_take(&out, NULL) : xstrdup("");
}

/* Saves b into a new temporary file; its path (free it). */
static char *
save(const struct buf *b)
{
	char *path = xstrdup("/tmp/anju-receipt-XXXXXX");
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->n, f), b->n);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
has(const char *text, const char *what)
{
	if (strstr(text, what) == NULL)
		fail_msg("no \"%s\" in:\n%s", what, text);
}

/* Gives community a an operator, whose name then is the organisation. */
static int
operator_set(struct ctx *c)
{
	int64_t op =
		tm_insert_id(c->db,
			     "INSERT INTO operator (name, credit_code, created_at) VALUES (?,"
			     " '91421200MA4A000000', '2026-01-01T00:00:00.000000Z') RETURNING id",
			     "咸宁安居物业服务有限公司");
	struct db_stmt *st;

	ok(c->db, db_prepare(c->db, "UPDATE community SET operator_id = ? WHERE id = ?", &st));
	db_bind_int64(st, 1, op);
	db_bind_int64(st, 2, c->a);
	return step_to_end(st) == DB_DONE ? 0 : -1;
}

static void
test_views(void **state)
{
	struct ctx *c = *state;
	struct charge_in rent = { c->hh,     CHARGE_RENT,   50000, "2026-01-05",
				  "2026-01", "lease_chain", 1,     NULL };
	struct caller other = { CALLER_ACCOUNT, 77, ROLE_OPERATOR_STAFF, "o", "account:77", false };
	struct anju_err e;
	int64_t id, r, pid;
	bool created;
	json_t *x, *v;
	struct buf pdf;
	char *token, *text, *path, *url, *dump, words[MONEY_WORDS_MAX];
	const char *key;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &rent, &who, &id, &created, &e));
	ok(c->db, db_commit(c->db));
	open_book(c, "V2026", 1, 100, c->clerk);
	/* 600 yuan: January's rent and 100 yuan of credit. */
	ok(c->db, pay(c, &clerk, 60000, CHANNEL_CASH, NULL, true, &r, &e));
	ok(c->db, receipt_get(c->db, &staff, r, &x, &e));
	assert_string_equal(json_string_value(json_object_get(x, "number_text")), "V2026-00000001");
	assert_int_equal(json_integer_value(json_object_get(x, "number")), 1);
	assert_string_equal(json_string_value(json_object_get(x, "payer")), "张**");
	assert_string_equal(json_string_value(json_object_get(x, "state")), "issued");
	assert_string_equal(json_string_value(json_object_get(x, "channel_title")), "现金");
	assert_string_equal(json_string_value(json_object_get(x, "clerk")), "收款员甲");
	assert_string_equal(json_string_value(json_object_get(x, "organisation")),
			    "公共租赁住房运营管理");
	assert_string_equal(json_string_value(json_object_get(x, "amount_words")), "陆佰元整");
	assert_int_equal(json_integer_value(json_object_get(x, "household_id")), c->hh);
	assert_true(json_is_null(json_object_get(x, "void_reason")));
	token = xstrdup(json_string_value(json_object_get(x, "token")));
	assert_int_equal(strlen(token), RECEIPT_TOKEN_LEN);
	json_decref(x);
	/* Outside the caller's communities it does not exist. */
	assert_int_equal(receipt_get(c->db, &other, r, &x, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "receipt_not_found");
	assert_int_equal(receipt_get(c->db, &staff, 999999, &x, &e), ANJU_ENOTFOUND);
	buf_init(&pdf, 0);
	assert_int_equal(receipt_pdf_of(c->db, &other, r, "http://x", &pdf, &e), ANJU_ENOTFOUND);
	assert_int_equal(pdf.n, 0);

	/* The printed receipt: items as settled, the credit, the payer masked,
	 * the amount in words, and a QR code to the verification page. */
	ok(c->db, receipt_pdf_of(c->db, &clerk, r, "http://anju.example/", &pdf, &e));
	assert_memory_equal(pdf.p, "%PDF", 4);
	path = save(&pdf);
	text = run("pdftotext -layout -enc UTF-8 '%s' -", path);
	has(text, "V2026-00000001");
	has(text, "张**");
	has(text, "租金 2026-01");
	has(text, "2026-01-01 至 2026-01-31");
	has(text, "500.00");
	has(text, "预收款");
	has(text, "100.00");
	has(text, "陆佰元整");
	has(text, "收款员甲");
	has(text, "公共租赁住房运营管理");
	assert_null(strstr(text, "张三丰"));
	free(text);
	free(run("pdftoppm -r 200 -f 1 -l 1 -png '%s' '%s-page'", path, path));
	text = run("zbarimg -q --raw '%s-page-1.png' 2>/dev/null", path);
	url = xmalloc(strlen(token) + 64);
	snprintf(url, strlen(token) + 64, "http://anju.example/r/%s\n", token);
	assert_string_equal(text, url);
	free(url);
	free(text);
	free(run("rm -f '%s-page-1.png'", path));
	unlink(path);
	free(path);
	buf_free(&pdf);

	/* The public verification: number, amount, date, organisation, state,
	 * and nothing about the household. */
	ok(c->db, db_begin(c->db));
	ok(c->db, operator_set(c));
	ok(c->db, db_commit(c->db));
	ok(c->db, receipt_verify(c->db, token, &v, &e));
	assert_int_equal(json_object_size(v), 7);
	json_object_foreach (v, key, x)
		assert_non_null(strstr(" number amount_fen amount_words issued_date organisation"
				       " state state_title ",
				       key));
	assert_string_equal(json_string_value(json_object_get(v, "number")), "V2026-00000001");
	assert_int_equal(json_integer_value(json_object_get(v, "amount_fen")), 60000);
	money_in_words(60000, words);
	assert_string_equal(json_string_value(json_object_get(v, "amount_words")), words);
	assert_string_equal(json_string_value(json_object_get(v, "organisation")),
			    "咸宁安居物业服务有限公司");
	assert_string_equal(json_string_value(json_object_get(v, "state")), "issued");
	{
		char today[DATE_FMT_LEN];

		date_format(date_today_shanghai(), today);
		assert_string_equal(json_string_value(json_object_get(v, "issued_date")), today);
	}
	dump = json_dumps(v, 0);
	assert_null(strstr(dump, "张"));
	assert_null(strstr(dump, "李"));
	free(dump);
	json_decref(v);
	/* Unknown, malformed and upper-case tokens are simply not found. */
	assert_int_equal(receipt_verify(c->db, "0123456789abcdef0123456789abcdef", &v, &e),
			 ANJU_ENOTFOUND);
	assert_string_equal(e.key, "receipt_not_found");
	assert_int_equal(receipt_verify(c->db, "' OR 1=1 --", &v, &e), ANJU_ENOTFOUND);
	assert_int_equal(receipt_verify(c->db, "", &v, &e), ANJU_ENOTFOUND);
	assert_int_equal(receipt_verify(c->db, NULL, &v, &e), ANJU_ENOTFOUND);
	for (char *p = token; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strpbrk(token, "ABCDEF") != NULL)
		assert_int_equal(receipt_verify(c->db, token, &v, &e), ANJU_ENOTFOUND);
	free(token);

	/* A voided receipt says so, everywhere, with its reason. */
	pid = tm_qint(c->db, "SELECT payment_id FROM receipt WHERE id = ?", r);
	ok(c->db, db_begin(c->db));
	ok(c->db, receipt_void(c->db, pid, "收款方式有误", &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, receipt_get(c->db, &bureau, r, &x, &e));
	assert_string_equal(json_string_value(json_object_get(x, "state")), "voided");
	assert_string_equal(json_string_value(json_object_get(x, "void_reason")), "收款方式有误");
	token = xstrdup(json_string_value(json_object_get(x, "token")));
	json_decref(x);
	ok(c->db, receipt_verify(c->db, token, &v, &e));
	assert_string_equal(json_string_value(json_object_get(v, "state")), "voided");
	assert_string_equal(json_string_value(json_object_get(v, "state_title")), "已作废");
	json_decref(v);
	free(token);
	buf_init(&pdf, 0);
	ok(c->db, receipt_pdf_of(c->db, &clerk, r, "http://anju.example", &pdf, &e));
	path = save(&pdf);
	text = run("pdftotext -layout -enc UTF-8 '%s' -", path);
	has(text, "收款方式有误");
	free(text);
	unlink(path);
	free(path);
	buf_free(&pdf);

	/* An electronic receipt has no clerk; a payment that settled nothing
	 * is all credit. */
	ok(c->db, pay(c, &clerk, 999, CHANNEL_BANK_TRANSFER, "BT-V1", true, &r, &e));
	ok(c->db, receipt_get(c->db, &clerk, r, &x, &e));
	assert_true(json_is_null(json_object_get(x, "clerk")));
	assert_string_equal(json_string_value(json_object_get(x, "book_kind")), "electronic");
	json_decref(x);
	buf_init(&pdf, 0);
	ok(c->db, receipt_pdf_of(c->db, &clerk, r, "http://anju.example", &pdf, &e));
	path = save(&pdf);
	text = run("pdftotext -layout -enc UTF-8 '%s' -", path);
	has(text, "预收款");
	has(text, "9.99");
	has(text, "玖元玖角玖分");
	assert_null(strstr(text, "租金"));
	free(text);
	unlink(path);
	free(path);
	buf_free(&pdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hand_close_write_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
