/*
 * The printed receipt (收款收据): an A5 landscape PDF made from values the
 * caller has already prepared for display (the payer's name masked, titles in
 * Chinese), so this file needs no database and shows only what it is given.
 */
#ifndef ANJU_MONEY_RECEIPT_PDF_H
#define ANJU_MONEY_RECEIPT_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define RECEIPT_PDF_MAX_ITEMS 200 /* lines on one receipt */
#define RECEIPT_PDF_TEXT_MAX  200 /* bytes in any one text below, the reason excepted */
#define RECEIPT_PDF_NOTE_MAX  1000

struct receipt_item {
	const char *title;  /* "租金 2026-11" */
	const char *period; /* "2026-11-01 至 2026-11-30", or "" / NULL */
	int64_t amount_fen;
};

struct receipt_doc {
	const char *organisation; /* 收款单位 */
	const char *number;       /* series and number as printed: "NY2026-0000123" */
	const char *issued_date;  /* YYYY-MM-DD */
	const char *payer;        /* already masked: "张*" */
	const char *unit;         /* "南苑公租房 3-2-1502", or "" / NULL */
	const char *channel;      /* 现金, POS刷卡, 银行转账, 代扣, 线上支付 */
	const char *clerk;        /* who took the money, or "" / NULL for electronic receipts */
	const struct receipt_item *items;
	size_t n_items;    /* 1 to RECEIPT_PDF_MAX_ITEMS */
	int64_t total_fen; /* must equal the sum of the items */
	bool voided;
	const char *void_reason; /* required when voided */
	const char *verify_url;  /* into the QR code: "https://host/r/TOKEN" */
};

/* Renders d and appends the PDF to out: page 1 has the QR code, the title, the
 * number and the parties; the items run over as many pages as they need
 * (each page numbered, "第1页/共2页"); the last has the total in figures
 * and in 人民币大写, the channel, the clerk and the date.  A voided receipt
 * carries a 作废 stamp on every page and its reason.  The PDF's date is the
 * issued date, so the same d gives the same bytes.  0, or ANJU_EINVAL (a
 * missing or over-long field, a bad date, no items or too many, a total that
 * is not the sum, a URL a QR code cannot hold), or ANJU_ETOOBIG. */
int receipt_pdf(const struct receipt_doc *d, struct buf *out, struct anju_err *e);

#endif
