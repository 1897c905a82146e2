/*
 * A small PDF document writer for everything anju prints: receipts, write-off
 * sheets, lease contracts, dunning notices, evidence summaries and QR label
 * sheets.  Cairo draws into a PDF kept in memory, pango lays out the text in
 * Noto Sans CJK SC (Noto Serif CJK SC with PDF_SERIF), libqrencode makes QR
 * codes.  Positions and lengths are millimetres from the top-left corner of
 * the page; font sizes are points.
 *
 * Errors are sticky, as in cairo: the first failure (a bad size, a QR text too
 * long, a document over its size cap) is kept, later drawing does nothing, and
 * pdf_finish() reports it.  Nothing here aborts on bad input.
 *
 * A document belongs to one thread at a time.  Fonts are loaded once per
 * thread (the first document of a thread is slower); pdf_shutdown() frees the
 * font caches at exit.
 */
#ifndef ANJU_PDF_PDF_H
#define ANJU_PDF_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define PDF_MIN_MM     20.0   /* smallest page side */
#define PDF_MAX_MM     1200.0 /* largest page side (A0 is 841 x 1189) */
#define PDF_TEXT_MAX   65536  /* bytes in one call of pdf_text() or pdf_para() */
#define PDF_QR_MAX     4096   /* bytes pdf_qr() takes; level M holds at most 2331 */
#define PDF_MAX_PAGES  2000
#define PDF_MAX_BYTES  (32u << 20) /* the finished file */
#define PDF_TABLE_COLS 16

/* Common page sizes in millimetres, portrait; swap for landscape. */
#define PDF_A4_W 210.0
#define PDF_A4_H 297.0
#define PDF_A5_W 148.0
#define PDF_A5_H 210.0

/* Text flags: one alignment, plus style bits. */
enum {
	PDF_LEFT = 0,
	PDF_CENTER = 1,
	PDF_RIGHT = 2,
	PDF_JUSTIFY = 3,
	PDF_ALIGN = 3,          /* mask of the alignment */
	PDF_BOLD = 1 << 2,      /* bold weight */
	PDF_SERIF = 1 << 3,     /* Noto Serif CJK SC instead of Noto Sans CJK SC */
	PDF_ONE_LINE = 1 << 4,  /* no wrapping: too long text ends in "…" */
	PDF_RED = 1 << 5,       /* the red of seals and marks instead of the current colour */
	PDF_SHADE = 1 << 6,     /* table cells: a light grey background (headers) */
	PDF_NO_BORDER = 1 << 7, /* table rows: no cell borders */
	PDF_SHRINK = 1 << 8,    /* one line, the size lowered (to half) until it fits */
	PDF_FAINT = 1 << 9,     /* text at 35 % opacity: a stamp over other text */
};

struct pdf;

/* A new document with one empty page of width_mm x height_mm (PDF_MIN_MM to
 * PDF_MAX_MM, else the sticky error is set).  Never NULL; free with pdf_free(). */
struct pdf *pdf_new(double width_mm, double height_mm);
void pdf_free(struct pdf *p);

/* The document's title (PDF metadata; the creator is always "anju"), and its
 * creation date as "YYYY-MM-DD", so that the same input gives the same bytes
 * (without it cairo writes the time of rendering). */
void pdf_set_title(struct pdf *p, const char *title);
void pdf_set_date(struct pdf *p, const char *yyyy_mm_dd);

/* Margins for the flowing text of pdf_para() and the cursor (default 20 mm). */
void pdf_set_margins(struct pdf *p, double top, double right, double bottom, double left);
/* Called after every page break made by pdf_new_page(), pdf_need() or
 * pdf_para(), to draw running heads or page numbers; it may move the cursor. */
void pdf_on_page(struct pdf *p, void (*fn)(struct pdf *p, void *arg), void *arg);

/* Ends the current page and starts another of the same size; the cursor goes
 * to the top margin.  0, or the sticky error (PDF_MAX_PAGES). */
int pdf_new_page(struct pdf *p);
int pdf_page_count(const struct pdf *p); /* pages started so far */
double pdf_width(const struct pdf *p);   /* of the page, mm */
double pdf_height(const struct pdf *p);

/* The flowing cursor: where pdf_para() writes next. */
double pdf_y(const struct pdf *p);
void pdf_set_y(struct pdf *p, double y_mm);
/* Starts a new page when less than h_mm is left above the bottom margin. */
void pdf_need(struct pdf *p, double h_mm);

/* Gray level (0 black .. 1 white) for lines, rectangles and text without PDF_RED. */
void pdf_gray(struct pdf *p, double level);

/* Draws UTF-8 text (invalid bytes become U+FFFD) in a box width_mm wide whose
 * top is at y_mm, wrapped at word or CJK character boundaries; line breaks in
 * the text are kept.  Returns the height used in mm (0 after an error). */
double pdf_text(struct pdf *p, double x_mm, double y_mm, double width_mm, double size_pt,
		unsigned flags, const char *utf8);
/* The height pdf_text() would use, without drawing. */
double pdf_text_height(struct pdf *p, double width_mm, double size_pt, unsigned flags,
		       const char *utf8);
/* Text rotated by deg degrees (counter-clockwise) around the centre of its one
 * line, for stamps such as 作废. */
void pdf_text_rotated(struct pdf *p, double cx_mm, double cy_mm, double deg, double size_pt,
		      unsigned flags, const char *utf8);
/* A paragraph at the cursor across the margins, split over pages line by line
 * as needed; then the cursor moves below it plus after_mm. */
void pdf_para(struct pdf *p, double size_pt, unsigned flags, double after_mm, const char *utf8);

void pdf_line(struct pdf *p, double x1_mm, double y1_mm, double x2_mm, double y2_mm,
	      double width_mm);
/* A rectangle: its outline when line_mm > 0, filled with the current gray when fill. */
void pdf_rect(struct pdf *p, double x_mm, double y_mm, double w_mm, double h_mm, double line_mm,
	      bool fill);

/* A QR code (error correction level M, as many modules as text needs) drawn
 * as filled squares in a size_mm square that includes the 4-module quiet
 * zone.  0, or ANJU_EINVAL ("qr_text": empty, over PDF_QR_MAX, or more than a
 * QR code holds), which also becomes the sticky error. */
int pdf_qr(struct pdf *p, double x_mm, double y_mm, double size_mm, const char *text,
	   struct anju_err *e);

/* Rows of bordered cells.  The caller fills cols, ncols (1 to PDF_TABLE_COLS)
 * and the look; rows are drawn at a y the caller chooses, so each document
 * decides where its pages break (pdf_table_row_height() first). */
struct pdf_col {
	double width_mm;
	unsigned flags; /* alignment and style of this column's cells */
};

struct pdf_table {
	const struct pdf_col *cols;
	size_t ncols;
	double x_mm;
	double size_pt;
	double pad_mm;  /* inside each cell, all four sides */
	double line_mm; /* border width */
};

/* The total width of t's columns. */
double pdf_table_width(const struct pdf_table *t);
/* The height of a row of t->ncols cells (NULL cells are empty). */
double pdf_table_row_height(struct pdf *p, const struct pdf_table *t, const char *const *cells,
			    unsigned flags);
/* Draws a row whose top is at y_mm; flags (PDF_BOLD, PDF_SHADE, PDF_NO_BORDER,
 * PDF_RED) add to each column's.  Returns the row's height. */
double pdf_table_row(struct pdf *p, const struct pdf_table *t, double y_mm,
		     const char *const *cells, unsigned flags);

/* Ends the document and appends its bytes to out.  0, or the sticky error, or
 * ANJU_ETOOBIG when out refuses them; out is unchanged on error.  Drawing
 * after it does nothing. */
int pdf_finish(struct pdf *p, struct buf *out, struct anju_err *e);

/* Frees the calling thread's font map and cairo's caches, for leak checkers
 * at exit; does nothing while any document is alive. */
void pdf_shutdown(void);

#endif
