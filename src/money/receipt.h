/*
 * Receipts (票据, issue 5 §4).  Paper receipt books are received from the
 * finance bureau (series, number range, date, who received them), handed
 * to a clerk, and used at the counter: each counter payment takes the next
 * number of its clerk's open book, in the payment's transaction, with no
 * gap and no reuse.  Payments with no clerk take an electronic receipt from
 * a series per channel and year, made on first use, equally gap-free.
 * Exactly one receipt per payment; a void keeps its number and its reason.
 * A book is written off (核销) once used up or closed: numbers issued,
 * voided and unused, with totals.
 */
#ifndef ANJU_MONEY_RECEIPT_H
#define ANJU_MONEY_RECEIPT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

#define RECEIPT_TOKEN_LEN 32                 /* hex characters of the public token */
#define RECEIPT_NO_MAX    INT64_C(999999999) /* the largest printed number */
#define RECEIPT_BOOK_MAX  10000              /* numbers in one paper book at most */
#define RECEIPT_TEXT_MAX  160 /* a number as text, with its NUL (series: 32 characters) */

/* A receipt's number as printed and shown: "A2026-00000123". */
void receipt_number_text(const char *series, int64_t number, char out[RECEIPT_TEXT_MAX]);

struct receipt_book_in {
	const char *series; /* printed on the book, e.g. "鄂财收字A2026" or "A2026"; unique */
	int64_t first_no;   /* 1 .. 999,999,999 */
	int64_t last_no;    /* first_no .. first_no + 9,999 */
	const char *received_on; /* YYYY-MM-DD, not in the future */
	const char *received_by; /* who fetched it from the finance bureau */
};

/* Records a paper book in stock.  409 "series_taken" for a series in use. */
int receipt_book_receive(struct db *db, const struct receipt_book_in *in,
			 const struct audit_actor *who, int64_t *id, struct anju_err *e);
/* Hands a book in stock to a clerk's account (operator_staff or finance):
 * it becomes the clerk's open book (a clerk may hold several; the oldest
 * open one is used first). */
int receipt_book_hand(struct db *db, int64_t book_id, int64_t account_id,
		      const struct audit_actor *who, struct anju_err *e);
/* Returns an open book's unused numbers: the book is closed for use (its
 * unused numbers are written off with it). */
int receipt_book_close(struct db *db, int64_t book_id, const struct audit_actor *who,
		       struct anju_err *e);
/* Writes off (核销) a used-up or closed paper book: used_up → written_off,
 * with written_off_at.  ANJU_ECONFLICT for a book in another state or an
 * electronic series. */
int receipt_book_write_off(struct db *db, int64_t book_id, const struct audit_actor *who,
			   struct anju_err *e);
/* One book as receipt_book_list shows it (ReceiptBook), if the caller may
 * see it (operator_staff: only books handed to them): 0 or ANJU_ENOTFOUND
 * ("receipt_book_not_found"). */
int receipt_book_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		     struct anju_err *e);
/* A page of books (ReceiptBook JSON, with the numbers issued, voided and
 * unused) in id order after after_id, state NULL: any; *next 0 at the end.
 * Finance, bureau and operator_manager see every book and electronic
 * series; operator_staff only the books handed to their own account. */
int receipt_book_list(struct db *db, const struct caller *c, const char *state, int64_t after_id,
		      int limit, json_t **items, int64_t *next, struct anju_err *e);
/* The write-off (核销) of a book: each number used with its payment and
 * amount or its void reason, the unused range, and totals. */
int receipt_book_writeoff(struct db *db, int64_t book_id, json_t **out, struct anju_err *e);
/* The same as an xlsx workbook. */
int receipt_book_writeoff_xlsx(struct db *db, int64_t book_id, struct buf *out, struct anju_err *e);

/* Issues the receipt of a payment in its transaction: a counter payment
 * from clerk_account_id's open book (ANJU_ECONFLICT "no_receipt_book" when
 * the clerk has none), another from the channel's electronic series for
 * the year.  book_id (counter payments only; 0: the clerk's oldest open
 * book) names the book the clerk is writing in: another clerk's, or one not
 * open, is ANJU_EUNPROCESSABLE "receipt_book_not_yours".  *receipt_id is
 * the new receipt's (its number reads
 * "SERIES-00000123", receipt_number_text). */
int receipt_issue(struct db *db, int64_t payment_id, const char *channel, bool at_counter,
		  int64_t clerk_account_id, int64_t book_id, const struct audit_actor *who,
		  int64_t *receipt_id, struct anju_err *e);
/* Voids the receipt of a payment, keeping its number, with the reason. */
int receipt_void(struct db *db, int64_t payment_id, const char *reason,
		 const struct audit_actor *who, struct anju_err *e);
/* A receipt as staff see it (payer masked). */
int receipt_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		struct anju_err *e);
/* The receipt's PDF (money/receipt_pdf.h). */
int receipt_pdf_of(struct db *db, const struct caller *c, int64_t id, const char *verify_base,
		   struct buf *out, struct anju_err *e);
/* The public verification of a token: number, amount, date, organisation,
 * state; no personal data.  ANJU_ENOTFOUND for an unknown token. */
int receipt_verify(struct db *db, const char *token, json_t **out, struct anju_err *e);

#endif
