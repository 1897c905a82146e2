/*
 * The patrol label sheet: A4 pages of 3 x 4 labels, each a cut-out square
 * with the point's QR code (anju:p:<point id>:<token>), the community, the
 * point's name, its short number and the label's generation, so that a
 * label found on a wall can be matched with the point and told apart from
 * a voided older print, and the token in letters for typing in.  The token is on the paper only:
 * the database keeps its MAC (patrol.c).
 */
#include <stdio.h>
#include <string.h>

#include "pdf/pdf.h"
#include "upkeep/patrol.h"

#define COLS     3
#define ROWS     4
#define MARGIN   12.0
#define CELL_W   ((PDF_A4_W - 2 * MARGIN) / COLS)
#define CELL_H   ((PDF_A4_H - 2 * MARGIN) / ROWS)
#define QR_SIZE  40.0
#define QR_TOP   7.0
#define TEXT_PAD 3.0

static int
label(struct pdf *p, double x, double y, const char *community, const struct patrol_label *l,
      struct anju_err *e)
{
	char no[48];
	int rc;

	pdf_gray(p, 0.6);
	pdf_rect(p, x + 1.5, y + 1.5, CELL_W - 3.0, CELL_H - 3.0, 0.2, false);
	pdf_gray(p, 0.0);
	pdf_text(p, x + TEXT_PAD, y + 2.5, CELL_W - 2 * TEXT_PAD, 8.5, PDF_CENTER | PDF_ONE_LINE,
		 "公租房巡查点 · 请勿撕毁");
	if ((rc = pdf_qr(p, x + (CELL_W - QR_SIZE) / 2, y + QR_TOP, QR_SIZE, l->qr, e)) != 0)
		return rc;
	snprintf(no, sizeof(no), "No. %d　第 %d 版", l->short_no, l->gen);
	pdf_text(p, x + TEXT_PAD, y + QR_TOP + QR_SIZE + 0.5, CELL_W - 2 * TEXT_PAD, 11.0,
		 PDF_CENTER | PDF_BOLD | PDF_ONE_LINE, no);
	pdf_text(p, x + TEXT_PAD, y + QR_TOP + QR_SIZE + 6.0, CELL_W - 2 * TEXT_PAD, 9.0,
		 PDF_CENTER | PDF_SHRINK, l->name);
	pdf_text(p, x + TEXT_PAD, y + QR_TOP + QR_SIZE + 10.5, CELL_W - 2 * TEXT_PAD, 8.0,
		 PDF_CENTER | PDF_SHRINK, community);
	/* For typing in when a camera cannot read the code. */
	pdf_gray(p, 0.35);
	pdf_text(p, x + TEXT_PAD, y + QR_TOP + QR_SIZE + 14.5, CELL_W - 2 * TEXT_PAD, 6.5,
		 PDF_CENTER | PDF_SHRINK, strrchr(l->qr, ':') ? strrchr(l->qr, ':') + 1 : l->qr);
	pdf_gray(p, 0.0);
	return 0;
}

int
patrol_labels_pdf(const char *community, const struct patrol_label *labels, int n, const char *date,
		  struct buf *out, struct anju_err *e)
{
	struct pdf *p = pdf_new(PDF_A4_W, PDF_A4_H);
	char title[200];
	int rc = 0;

	snprintf(title, sizeof(title), "%s 巡查点标签", community);
	pdf_set_title(p, title);
	pdf_set_date(p, date);
	for (int i = 0; i < n && rc == 0; i++) {
		int k = i % (COLS * ROWS);

		if (i > 0 && k == 0)
			pdf_new_page(p);
		rc = label(p, MARGIN + (k % COLS) * CELL_W, MARGIN + (double)(k / COLS) * CELL_H,
			   community, &labels[i], e);
	}
	if (rc == 0)
		rc = pdf_finish(p, out, e);
	pdf_free(p);
	return rc;
}
