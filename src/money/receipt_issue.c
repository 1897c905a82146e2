/*
 * Taking receipt numbers: the clerk's open paper book for counter
 * payments, the channel's electronic series for the year for the others.
 * A number is taken by moving the book's next_no on only if it still holds
 * the value read, so two transactions can never take the same number (on
 * PostgreSQL the second waits for the first's row lock, then reads again);
 * it is taken in the payment's transaction, so a rollback gives it back and
 * no gap is left.  See receipt.h.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "money/receipt.h"
#include "store/db.h"

#define TAKE_TRIES 8

struct book {
	int64_t id;
	int64_t next_no;
	int64_t last_no; /* 0: no end (electronic) */
};

/* The book a number comes from, as it is now. */
static int
book_open(struct db *db, bool at_counter, int64_t clerk, int64_t book_id, const char *series,
	  struct book *b, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if (at_counter)
		rc = db_prepare(db,
				"SELECT id, next_no, last_no FROM receipt_book WHERE kind = 'paper'"
				" AND clerk_account_id = ? AND state = 'open' AND (? = 0 OR id = ?)"
				" ORDER BY id LIMIT 1",
				&st);
	else
		rc = db_prepare(db,
				"SELECT id, next_no, last_no FROM receipt_book WHERE series = ?"
				" AND kind = 'electronic'",
				&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if (at_counter) {
		db_bind_int64(st, 1, clerk);
		db_bind_int64(st, 2, book_id);
		db_bind_int64(st, 3, book_id);
	} else {
		db_bind_cstr(st, 1, series);
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		b->id = db_col_int64(st, 0);
		b->next_no = db_col_int64(st, 1);
		b->last_no = db_col_null(st, 2) ? 0 : db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ANJU_ENOTFOUND;
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The electronic series of a channel and year, made on first use. */
static int
series_make(struct db *db, const char *series, struct anju_err *e)
{
	char now[TIME_FMT_LEN], today[DATE_FMT_LEN];
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	date_format(date_today_shanghai(), today);
	rc = db_prepare(db,
			"INSERT INTO receipt_book (kind, series, first_no, last_no, next_no,"
			" received_on, received_by, state, created_at)"
			" VALUES ('electronic', ?, 1, NULL, 1, ?, 'system', 'open', ?)"
			" ON CONFLICT (series) DO NOTHING",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, series);
	db_bind_cstr(st, 2, today);
	db_bind_cstr(st, 3, now);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* Moves the book on from b->next_no; *taken false when another
 * transaction took that number first. */
static int
book_take(struct db *db, const struct book *b, bool *taken, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"UPDATE receipt_book SET next_no = next_no + 1,"
			" state = CASE WHEN last_no IS NOT NULL AND next_no + 1 > last_no"
			" THEN 'used_up' ELSE state END WHERE id = ? AND next_no = ?"
			" AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, b->id);
	db_bind_int64(st, 2, b->next_no);
	rc = db_step(st);
	*taken = rc == DB_DONE && db_changes(st) == 1;
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static const char *
series_code(const char *channel)
{
	if (strcmp(channel, "bank_transfer") == 0)
		return "YH";
	if (strcmp(channel, "withholding") == 0)
		return "DK";
	if (strcmp(channel, "online") == 0)
		return "XS";
	return "QT";
}

int
receipt_issue(struct db *db, int64_t payment_id, const char *channel, bool at_counter,
	      int64_t clerk_account_id, int64_t book_id, const struct audit_actor *who,
	      int64_t *receipt_id, struct anju_err *e)
{
	char series[40], now[TIME_FMT_LEN], token[RECEIPT_TOKEN_LEN + 1], oid[24];
	unsigned char raw[RECEIPT_TOKEN_LEN / 2];
	struct db_stmt *st;
	struct book b = { 0 };
	bool taken = false;
	json_t *after;
	int rc = 0;

	*receipt_id = 0;
	if (!at_counter) {
		snprintf(series, sizeof(series), "E%04d%s", date_today_shanghai().y,
			 series_code(channel));
		if ((rc = series_make(db, series, e)) != 0)
			return rc;
	}
	for (int i = 0; i < TAKE_TRIES && !taken; i++) {
		rc = book_open(db, at_counter, clerk_account_id, book_id,
			       at_counter ? NULL : series, &b, e);
		if (rc == ANJU_ENOTFOUND && book_id > 0)
			return anju_fail(e, ANJU_EUNPROCESSABLE, "receipt_book_not_yours",
					 "receipt_book_id",
					 "这本票据不是发给您的，或已用完、已收回");
		if (rc == ANJU_ENOTFOUND)
			return anju_fail(e, ANJU_ECONFLICT, "no_receipt_book", NULL,
					 "您没有可用的票据本，请先向财务领用票据");
		if (rc != 0)
			return rc;
		if ((rc = book_take(db, &b, &taken, e)) != 0)
			return rc;
	}
	if (!taken)
		return anju_fail(e, ANJU_EBUSY, "receipt_busy", NULL, "票据号被占用，请重试");
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), token);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO receipt (book_id, number, payment_id, token, state, issued_at,"
			" issued_by) VALUES (?, ?, ?, ?, 'issued', ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, b.id);
	db_bind_int64(st, 2, b.next_no);
	db_bind_int64(st, 3, payment_id);
	db_bind_cstr(st, 4, token);
	db_bind_cstr(st, 5, now);
	db_bind_cstr(st, 6, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		*receipt_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)*receipt_id);
	after = json_pack("{s:I, s:I, s:I}", "book_id", (json_int_t)b.id, "number",
			  (json_int_t)b.next_no, "payment_id", (json_int_t)payment_id);
	rc = audit_write(db, who, "receipt.issue", "receipt", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
receipt_void(struct db *db, int64_t payment_id, const char *reason, const struct audit_actor *who,
	     struct anju_err *e)
{
	char now[TIME_FMT_LEN], oid[24];
	struct db_stmt *st;
	int64_t id = 0;
	json_t *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE receipt SET state = 'voided', voided_at = ?, void_reason = ?"
			" WHERE payment_id = ? AND state = 'issued' RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, reason);
	db_bind_int64(st, 3, payment_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ECONFLICT, "receipt_not_issued", NULL,
				 "这笔收款没有可作废的票据");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	after = json_pack("{s:s, s:s}", "state", "voided", "reason", reason);
	rc = audit_write(db, who, "receipt.void", "receipt", oid, NULL, after, e);
	json_decref(after);
	return rc;
}
