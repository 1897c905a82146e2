/*
 * The receipt PDF (收款收据), A5 landscape.  The caller hands over display
 * values; this file checks them, lays the items out over pages (measured
 * first, so every page can say how many there are and the total never
 * stands alone on a page without items when it can be helped), and draws.
 * See receipt_pdf.h.
 *
 * Page 1: the QR code with 扫码验真 top left, the title centred, the number
 * and the date top right, the organisation, payer and unit, then the item
 * table.
 * Later pages: a shorter head (收款收据（续）, the number) and the table.
 * The last page: the total row (大写 and figures), channel and clerk, and for
 * a voided receipt its reason; a voided receipt has a faint 作废 stamp
 * across every page.
 *
 * One face only, Noto Sans CJK SC regular (no bold, no serif): each face a
 * PDF embeds costs about 8 ms, as cairo copies the font's whole CFF table to
 * subset it, and a receipt is printed while the payer waits.
 */
#include "money/receipt_pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "pdf/pdf.h"

#define PAGE_W    210.0 /* A5 landscape */
#define PAGE_H    148.0
#define X0        12.0
#define CONTENT_W (PAGE_W - 2 * X0)
#define LIMIT     (PAGE_H - 10.0) /* nothing below this */
#define QR_SIZE   24.0
#define INFO_X    (X0 + QR_SIZE + 4.0)
#define TOP_FIRST 38.0 /* where the table starts on page 1 */
#define TOP_NEXT  22.0 /* and on later pages */
#define TEXT_PT   9.5
#define TABLE_PT  9.0
#define URL_MAX   1024

static const struct pdf_col item_cols[] = {
	{ 12.0, PDF_CENTER },
	{ 78.0, PDF_LEFT },
	{ 56.0, PDF_CENTER },
	{ CONTENT_W - 12.0 - 78.0 - 56.0, PDF_RIGHT },
};

static const struct pdf_col total_cols[] = {
	{ 12.0 + 78.0 + 56.0, PDF_LEFT },
	{ CONTENT_W - 12.0 - 78.0 - 56.0, PDF_RIGHT },
};

static const struct pdf_table items_table = {
	.cols = item_cols,
	.ncols = 4,
	.x_mm = X0,
	.size_pt = TABLE_PT,
	.pad_mm = 1.0,
	.line_mm = 0.25,
};

static const struct pdf_table total_table = {
	.cols = total_cols,
	.ncols = 2,
	.x_mm = X0,
	.size_pt = TABLE_PT,
	.pad_mm = 1.2,
	.line_mm = 0.25,
};

static const char *const head_cells[] = { "序号", "收费项目", "所属期间", "金额（元）" };

/* Checks one text field: present when required, at most max bytes. */
static int
check_text(const char *s, bool required, size_t max, const char *field, const char *title,
	   struct anju_err *e)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	if (required && n == 0)
		return anju_fail(e, ANJU_EINVAL, "receipt_field", field, "收据缺少%s", title);
	if (n > max)
		return anju_fail(e, ANJU_EINVAL, "receipt_field", field, "收据的%s过长", title);
	return 0;
}

static int
check(const struct receipt_doc *d, struct anju_err *e)
{
	struct date date;
	int64_t sum = 0;
	int rc;

	if ((rc = check_text(d->organisation, true, RECEIPT_PDF_TEXT_MAX, "organisation",
			     "收款单位", e)) != 0 ||
	    (rc = check_text(d->number, true, RECEIPT_PDF_TEXT_MAX, "number", "票据号码", e)) !=
		    0 ||
	    (rc = check_text(d->payer, true, RECEIPT_PDF_TEXT_MAX, "payer", "交款人", e)) != 0 ||
	    (rc = check_text(d->unit, false, RECEIPT_PDF_TEXT_MAX, "unit", "房屋", e)) != 0 ||
	    (rc = check_text(d->channel, true, RECEIPT_PDF_TEXT_MAX, "channel", "收款方式", e)) !=
		    0 ||
	    (rc = check_text(d->clerk, false, RECEIPT_PDF_TEXT_MAX, "clerk", "收款人", e)) != 0 ||
	    (rc = check_text(d->verify_url, true, URL_MAX, "verify_url", "验真地址", e)) != 0 ||
	    (rc = check_text(d->void_reason, d->voided, RECEIPT_PDF_NOTE_MAX, "void_reason",
			     "作废原因", e)) != 0)
		return rc;
	if (d->issued_date == NULL || date_parse(str_c(d->issued_date), &date) != 0)
		return anju_fail(e, ANJU_EINVAL, "receipt_field", "issued_date",
				 "收据的开票日期无效");
	if (d->n_items == 0 || d->n_items > RECEIPT_PDF_MAX_ITEMS || d->items == NULL)
		return anju_fail(e, ANJU_EINVAL, "receipt_items", "items",
				 "收据须有 1 至 %d 个收费项目", RECEIPT_PDF_MAX_ITEMS);
	for (size_t i = 0; i < d->n_items; i++) {
		const struct receipt_item *it = &d->items[i];

		if ((rc = check_text(it->title, true, RECEIPT_PDF_TEXT_MAX, "items", "收费项目",
				     e)) != 0 ||
		    (rc = check_text(it->period, false, RECEIPT_PDF_TEXT_MAX, "items", "所属期间",
				     e)) != 0)
			return rc;
		if (money_add(sum, it->amount_fen, &sum) != 0)
			return anju_fail(e, ANJU_EINVAL, "receipt_total", "total_fen",
					 "收据金额超出范围");
	}
	if (sum != d->total_fen)
		return anju_fail(e, ANJU_EINVAL, "receipt_total", "total_fen",
				 "收据合计金额与各项之和不符");
	return 0;
}

/* One item's cells; amount and index live in the caller's buffers. */
static void
item_cells(const struct receipt_doc *d, size_t i, char idx[24], char amount[MONEY_FMT_MAX],
	   const char *cells[4])
{
	snprintf(idx, 24, "%zu", i + 1);
	money_format(d->items[i].amount_fen, amount);
	cells[0] = idx;
	cells[1] = d->items[i].title;
	cells[2] = d->items[i].period ? d->items[i].period : "";
	cells[3] = amount;
}

/* The cells of the total row. */
struct totals {
	char figures[MONEY_FMT_MAX + 8];
	char text[MONEY_WORDS_MAX + 64];
	const char *cells[2];
};

static void
totals_make(const struct receipt_doc *d, struct totals *t)
{
	char fmt[MONEY_FMT_MAX], words[MONEY_WORDS_MAX];

	money_format(d->total_fen, fmt);
	money_in_words(d->total_fen, words);
	snprintf(t->figures, sizeof(t->figures), "¥%s", fmt);
	snprintf(t->text, sizeof(t->text), "合计（人民币大写）：%s", words);
	t->cells[0] = t->text;
	t->cells[1] = t->figures;
}

/* The text of the void line, owned by the caller (free it). */
static char *
void_line(const struct receipt_doc *d)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "作废原因：%s", d->void_reason);
	return buf_take(&b, NULL);
}

static double
footer_height(struct pdf *p, const struct receipt_doc *d, const struct totals *t,
	      const char *voided)
{
	double h = pdf_table_row_height(p, &total_table, t->cells, 0) + 2.0 +
		   pdf_text_height(p, 0, TEXT_PT, PDF_ONE_LINE, "收款方式");

	if (d->voided)
		h += 1.5 + pdf_text_height(p, CONTENT_W, TEXT_PT, PDF_RED, voided);
	return h;
}

/* Lays the items out: starts[k] is the first item of page k, starts[pages]
 * is n_items; returns the number of pages.  starts has n_items + 2 slots. */
static int
paginate(const struct receipt_doc *d, const double *rows, double head, double footer,
	 size_t *starts)
{
	int pages = 1;
	double y = TOP_FIRST + head;

	starts[0] = 0;
	for (size_t i = 0; i < d->n_items; i++) {
		if (y + rows[i] > LIMIT && i > starts[pages - 1]) {
			starts[pages++] = i;
			y = TOP_NEXT + head;
		}
		y += rows[i];
	}
	if (y + footer > LIMIT) {
		/* The total goes to a new page; it takes the last item along
		 * when the page it leaves keeps one. */
		size_t last = d->n_items - 1;

		if (last > starts[pages - 1])
			starts[pages++] = last;
		else
			starts[pages++] = d->n_items;
	}
	starts[pages] = d->n_items;
	return pages;
}

/* Drawn last, faint, so that it marks the page without hiding anything. */
static void
stamp(struct pdf *p, const struct receipt_doc *d)
{
	if (d->voided)
		pdf_text_rotated(p, PAGE_W / 2, PAGE_H / 2 + 8, 18, 72, PDF_RED | PDF_FAINT,
				 "作 废");
}

static void
page_head(struct pdf *p, const struct receipt_doc *d, int page, int pages)
{
	char no[RECEIPT_PDF_TEXT_MAX + 16], date[64], count[64];

	snprintf(no, sizeof(no), "No. %s", d->number);
	snprintf(date, sizeof(date), "开票日期：%s", d->issued_date);
	snprintf(count, sizeof(count), "第%d页/共%d页", page, pages);
	pdf_text(p, PAGE_W - X0 - 70, 8, 70, 11, PDF_RIGHT | PDF_RED | PDF_SHRINK, no);
	pdf_text(p, PAGE_W - X0 - 70, 14, 70, 8.5, PDF_RIGHT | PDF_ONE_LINE, date);
	if (pages > 1)
		pdf_text(p, PAGE_W - X0 - 70, 18.5, 70, 8, PDF_RIGHT | PDF_ONE_LINE, count);
	if (page > 1) {
		pdf_text(p, X0, 8, CONTENT_W, 14, PDF_CENTER, "收款收据（续）");
		return;
	}
	pdf_text(p, X0, 7, CONTENT_W, 22, PDF_CENTER, "收款收据");
	pdf_line(p, PAGE_W / 2 - 26, 20.2, PAGE_W / 2 + 26, 20.2, 0.35);
	pdf_line(p, PAGE_W / 2 - 26, 21.1, PAGE_W / 2 + 26, 21.1, 0.2);
	pdf_text(p, X0, 8 + QR_SIZE + 0.3, QR_SIZE, 8, PDF_CENTER | PDF_ONE_LINE, "扫码验真");
}

/* Page 1, right of the QR code: who received the money, from whom, for
 * which unit.  Long values shrink to fit their line rather than wrap. */
static void
parties(struct pdf *p, const struct receipt_doc *d)
{
	double right = PAGE_W - X0;
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "收款单位：%s", d->organisation);
	pdf_text(p, INFO_X, 24.5, right - INFO_X, TEXT_PT, PDF_SHRINK, b.p);
	buf_reset(&b);
	buf_printf(&b, "交款人：%s", d->payer);
	pdf_text(p, INFO_X, 30.5, 58, TEXT_PT, PDF_SHRINK, b.p);
	if (d->unit && d->unit[0]) {
		buf_reset(&b);
		buf_printf(&b, "房屋：%s", d->unit);
		pdf_text(p, INFO_X + 60, 30.5, right - INFO_X - 60, TEXT_PT, PDF_SHRINK, b.p);
	}
	buf_free(&b);
}

static void
footer(struct pdf *p, const struct receipt_doc *d, const struct totals *t, const char *voided,
       double y)
{
	struct buf b;

	y += pdf_table_row(p, &total_table, y, t->cells, 0) + 2.0;
	buf_init(&b, 0);
	buf_printf(&b, "收款方式：%s", d->channel);
	pdf_text(p, X0, y, 80, TEXT_PT, PDF_SHRINK, b.p);
	buf_reset(&b);
	buf_printf(&b, "收款人：%s", d->clerk && d->clerk[0] ? d->clerk : "—");
	y += pdf_text(p, X0 + 84, y, 80, TEXT_PT, PDF_SHRINK, b.p);
	buf_free(&b);
	if (d->voided)
		pdf_text(p, X0, y + 1.5, CONTENT_W, TEXT_PT, PDF_RED, voided);
}

int
receipt_pdf(const struct receipt_doc *d, struct buf *out, struct anju_err *e)
{
	struct pdf *p = NULL;
	struct totals t;
	double *rows = NULL, head, foot;
	size_t *starts = NULL;
	char *voided = NULL, title[RECEIPT_PDF_TEXT_MAX + 32];
	int pages, rc;

	if ((rc = check(d, e)) != 0)
		return rc;
	p = pdf_new(PAGE_W, PAGE_H);
	snprintf(title, sizeof(title), "收款收据 %s", d->number);
	pdf_set_title(p, title);
	pdf_set_date(p, d->issued_date);
	totals_make(d, &t);
	if (d->voided)
		voided = void_line(d);

	rows = xcalloc(d->n_items, sizeof(*rows));
	starts = xcalloc(d->n_items + 2, sizeof(*starts));
	for (size_t i = 0; i < d->n_items; i++) {
		char idx[24], amount[MONEY_FMT_MAX];
		const char *cells[4];

		item_cells(d, i, idx, amount, cells);
		rows[i] = pdf_table_row_height(p, &items_table, cells, 0);
	}
	head = pdf_table_row_height(p, &items_table, head_cells, PDF_SHADE);
	foot = footer_height(p, d, &t, voided);
	pages = paginate(d, rows, head, foot, starts);

	for (int k = 0; k < pages; k++) {
		double y = k == 0 ? TOP_FIRST : TOP_NEXT;

		if (k > 0)
			pdf_new_page(p);
		page_head(p, d, k + 1, pages);
		if (k == 0) {
			if ((rc = pdf_qr(p, X0, 8, QR_SIZE, d->verify_url, e)) != 0)
				goto out;
			parties(p, d);
		}
		y += pdf_table_row(p, &items_table, y, head_cells, PDF_SHADE);
		for (size_t i = starts[k]; i < starts[k + 1]; i++) {
			char idx[24], amount[MONEY_FMT_MAX];
			const char *cells[4];

			item_cells(d, i, idx, amount, cells);
			y += pdf_table_row(p, &items_table, y, cells, 0);
		}
		if (k == pages - 1)
			footer(p, d, &t, voided, y);
		stamp(p, d);
	}
	rc = pdf_finish(p, out, e);
out:
	free(starts);
	free(rows);
	free(voided);
	pdf_free(p);
	return rc;
}
