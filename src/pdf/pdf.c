/*
 * The PDF writer: one cairo PDF surface streaming into a bounded memory
 * buffer, a cairo context scaled so that user units are millimetres, and one
 * pango context per document for the text.  See pdf.h.
 *
 * Text is laid out with hinting off and glyph positions unrounded, so a
 * layout measures the same whatever the scale and the output is the same
 * bytes for the same input (with a fixed date).  Errors are sticky: live() is false after the
 * first, and every drawing function then returns at once.
 */
#include "pdf/pdf.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "core/date.h"
#include "core/mem.h"

#define PT_PER_MM      (72.0 / 25.4)
#define SANS           "Noto Sans CJK SC"
#define SERIF          "Noto Serif CJK SC"
#define COORD_MAX      10000.0 /* mm: anything beyond is a caller's mistake */
#define QR_QUIET       4       /* modules of white around a QR code */
#define RED_R          0.80
#define RED_G          0.07
#define RED_B          0.07
#define SHADE_GRAY     0.90
#define FAINT_ALPHA    0.35
#define DEFAULT_MARGIN 20.0
#define SHRINK_MIN     0.5 /* PDF_SHRINK goes down to half the size */

/* Finishing a document embeds its fonts, and cairo copies the whole CFF
 * table of a CJK font (about 16 MB for Noto Sans CJK) to subset it: a gate
 * keeps a burst of concurrent documents from holding many copies at once. */
#define FINISH_AT_ONCE 4
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static int finishing;

/* Documents alive in the process, so that pdf_shutdown() never pulls the
 * font caches from under one (cairo asserts when it would). */
static atomic_int documents;

struct pdf {
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *ctx;
	PangoFontDescription *sans;
	PangoFontDescription *serif;
	struct buf bytes; /* what cairo has written so far */
	double w, h;      /* page, mm */
	double top, right, bottom, left;
	double y; /* the flowing cursor */
	double gray;
	int pages;
	bool finished;
	bool in_hook;
	void (*on_page)(struct pdf *p, void *arg);
	void *on_page_arg;
	struct anju_err err; /* the sticky error; code 0 while none */
};

static bool
live(const struct pdf *p)
{
	return p != NULL && p->err.code == 0 && !p->finished && p->cr != NULL;
}

/* Records the first error; later ones are dropped (they follow from it). */
static int
fail(struct pdf *p, int code, const char *key, const char *field, const char *msg)
{
	if (p->err.code == 0)
		anju_fail(&p->err, code, key, field, "%s", msg);
	return code;
}

/* Copies the sticky error into e and returns its code; a document without
 * one is finished (or NULL). */
static int
report(const struct pdf *p, struct anju_err *e)
{
	if (p == NULL)
		return anju_fail(e, ANJU_EINVAL, "pdf_failed", "", "PDF 文档无效");
	if (p->err.code == 0)
		return anju_fail(e, ANJU_EINVAL, "pdf_finished", "", "PDF 文档已结束");
	return anju_fail(e, p->err.code, p->err.key, p->err.field, "%s", p->err.msg);
}

/* Whether every value is a usable coordinate or length; sets the error if not. */
static bool
sane(struct pdf *p, int n, const double *v)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]) || fabs(v[i]) > COORD_MAX) {
			fail(p, ANJU_EINVAL, "pdf_coordinates", "", "PDF 坐标或尺寸无效");
			return false;
		}
	return true;
}

static cairo_status_t
write_bytes(void *closure, const unsigned char *data, unsigned int length)
{
	struct pdf *p = closure;

	return buf_add(&p->bytes, data, length) == 0 ? CAIRO_STATUS_SUCCESS
						     : CAIRO_STATUS_WRITE_ERROR;
}

static PangoFontDescription *
font(const char *family)
{
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family_static(fd, family);
	return fd;
}

struct pdf *
pdf_new(double width_mm, double height_mm)
{
	struct pdf *p = xcalloc(1, sizeof(*p));
	cairo_font_options_t *fo;

	atomic_fetch_add(&documents, 1);
	buf_init(&p->bytes, PDF_MAX_BYTES);
	p->top = p->right = p->bottom = p->left = DEFAULT_MARGIN;
	p->y = p->top;
	p->pages = 1;
	if (!isfinite(width_mm) || !isfinite(height_mm) || width_mm < PDF_MIN_MM ||
	    height_mm < PDF_MIN_MM || width_mm > PDF_MAX_MM || height_mm > PDF_MAX_MM) {
		fail(p, ANJU_EINVAL, "pdf_page_size", "", "PDF 页面尺寸无效");
		return p;
	}
	p->w = width_mm;
	p->h = height_mm;
	p->surface = cairo_pdf_surface_create_for_stream(write_bytes, p, width_mm * PT_PER_MM,
							 height_mm * PT_PER_MM);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "anju");
	p->cr = cairo_create(p->surface);
	cairo_scale(p->cr, PT_PER_MM, PT_PER_MM);
	cairo_set_source_rgb(p->cr, 0, 0, 0);

	p->ctx = pango_cairo_create_context(p->cr);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(p->ctx, fo);
	cairo_font_options_destroy(fo);
	/* User units are millimetres: glyph positions rounded to whole units
	 * would squeeze or stretch every line. */
	pango_context_set_round_glyph_positions(p->ctx, FALSE);
	pango_context_set_language(p->ctx, pango_language_from_string("zh-cn"));
	p->sans = font(SANS);
	p->serif = font(SERIF);
	if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS ||
	    cairo_status(p->cr) != CAIRO_STATUS_SUCCESS)
		fail(p, ANJU_EINTERNAL, "pdf_failed", "", "无法创建 PDF 文档");
	return p;
}

void
pdf_free(struct pdf *p)
{
	if (p == NULL)
		return;
	if (p->sans)
		pango_font_description_free(p->sans);
	if (p->serif)
		pango_font_description_free(p->serif);
	if (p->ctx)
		g_object_unref(p->ctx);
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surface)
		cairo_surface_destroy(p->surface);
	buf_free(&p->bytes);
	free(p);
	atomic_fetch_sub(&documents, 1);
}

/* A metadata text: bounded and valid UTF-8 (cairo writes it as given). */
static void
set_metadata(struct pdf *p, cairo_pdf_metadata_t what, const char *s)
{
	char *valid;

	if (!live(p) || s == NULL)
		return;
	valid = g_utf8_make_valid(s, (gssize)strnlen(s, 1024));
	cairo_pdf_surface_set_metadata(p->surface, what, valid);
	g_free(valid);
}

void
pdf_set_title(struct pdf *p, const char *title)
{
	set_metadata(p, CAIRO_PDF_METADATA_TITLE, title);
}

void
pdf_set_date(struct pdf *p, const char *yyyy_mm_dd)
{
	char iso[DATE_FMT_LEN + 16];
	struct date d;

	if (!live(p) || yyyy_mm_dd == NULL)
		return;
	if (date_parse(str_c(yyyy_mm_dd), &d) != 0) {
		fail(p, ANJU_EINVAL, "pdf_date", "", "PDF 日期无效");
		return;
	}
	date_format(d, iso);
	memcpy(iso + 10, "T00:00:00", 10);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, iso);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_MOD_DATE, iso);
}

void
pdf_set_margins(struct pdf *p, double top, double right, double bottom, double left)
{
	double v[] = { top, right, bottom, left };

	if (!live(p) || !sane(p, 4, v))
		return;
	if (top < 0 || right < 0 || bottom < 0 || left < 0 || top + bottom >= p->h - 5 ||
	    left + right >= p->w - 5) {
		fail(p, ANJU_EINVAL, "pdf_margins", "", "PDF 页边距无效");
		return;
	}
	p->top = top;
	p->right = right;
	p->bottom = bottom;
	p->left = left;
	if (p->y < top)
		p->y = top;
}

void
pdf_on_page(struct pdf *p, void (*fn)(struct pdf *p, void *arg), void *arg)
{
	if (p == NULL)
		return;
	p->on_page = fn;
	p->on_page_arg = arg;
}

int
pdf_new_page(struct pdf *p)
{
	if (!live(p))
		return p && p->err.code ? p->err.code : ANJU_EINVAL;
	if (p->pages >= PDF_MAX_PAGES)
		return fail(p, ANJU_ETOOBIG, "pdf_pages", "", "PDF 页数超过上限");
	cairo_show_page(p->cr);
	p->pages++;
	p->y = p->top;
	if (p->on_page && !p->in_hook) {
		p->in_hook = true;
		p->on_page(p, p->on_page_arg);
		p->in_hook = false;
	}
	return p->err.code;
}

int
pdf_page_count(const struct pdf *p)
{
	return p ? p->pages : 0;
}

double
pdf_width(const struct pdf *p)
{
	return p ? p->w : 0;
}

double
pdf_height(const struct pdf *p)
{
	return p ? p->h : 0;
}

double
pdf_y(const struct pdf *p)
{
	return p ? p->y : 0;
}

void
pdf_set_y(struct pdf *p, double y_mm)
{
	if (live(p) && sane(p, 1, &y_mm))
		p->y = y_mm;
}

void
pdf_need(struct pdf *p, double h_mm)
{
	if (!live(p) || !sane(p, 1, &h_mm))
		return;
	/* At the top of a page already, a new page would not give more room. */
	if (p->y + h_mm > p->h - p->bottom && p->y > p->top + 0.01)
		pdf_new_page(p);
}

void
pdf_gray(struct pdf *p, double level)
{
	if (!live(p) || !sane(p, 1, &level))
		return;
	p->gray = level < 0 ? 0 : level > 1 ? 1 : level;
	cairo_set_source_rgb(p->cr, p->gray, p->gray, p->gray);
}

static void
color(struct pdf *p, unsigned flags)
{
	double a = flags & PDF_FAINT ? FAINT_ALPHA : 1.0;

	if (flags & PDF_RED)
		cairo_set_source_rgba(p->cr, RED_R, RED_G, RED_B, a);
	else
		cairo_set_source_rgba(p->cr, p->gray, p->gray, p->gray, a);
}

/* Sets l's font: the family and weight of flags at size_pt. */
static void
set_font(struct pdf *p, PangoLayout *l, double size_pt, unsigned flags)
{
	PangoFontDescription *fd;

	fd = pango_font_description_copy_static(flags & PDF_SERIF ? p->serif : p->sans);
	pango_font_description_set_absolute_size(fd, size_pt / PT_PER_MM * PANGO_SCALE);
	pango_font_description_set_weight(fd, flags & PDF_BOLD ? PANGO_WEIGHT_BOLD
							       : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
}

/* A layout of utf8 for flags, or NULL (and the sticky error) when the text
 * is over PDF_TEXT_MAX or a size is bad.  width_mm <= 0: no wrapping. */
static PangoLayout *
layout_new(struct pdf *p, double width_mm, double size_pt, unsigned flags, const char *utf8)
{
	PangoLayout *l;
	size_t n;
	double v[] = { width_mm, size_pt };
	static const PangoAlignment align[] = { PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER,
						PANGO_ALIGN_RIGHT, PANGO_ALIGN_LEFT };

	if (!live(p) || !sane(p, 2, v))
		return NULL;
	if (size_pt < 1 || size_pt > 500) {
		fail(p, ANJU_EINVAL, "pdf_font_size", "", "PDF 字号无效");
		return NULL;
	}
	if (utf8 == NULL)
		utf8 = "";
	n = strnlen(utf8, PDF_TEXT_MAX + 1);
	if (n > PDF_TEXT_MAX) {
		fail(p, ANJU_ETOOBIG, "pdf_text_too_long", "", "PDF 文字过长");
		return NULL;
	}
	if (flags & PDF_SHRINK)
		flags |= PDF_ONE_LINE;
	pango_cairo_update_context(p->cr, p->ctx);
	l = pango_layout_new(p->ctx);
	if (g_utf8_validate(utf8, (gssize)n, NULL)) {
		pango_layout_set_text(l, utf8, (int)n);
	} else {
		char *valid = g_utf8_make_valid(utf8, (gssize)n);

		pango_layout_set_text(l, valid, -1);
		g_free(valid);
	}
	if (width_mm > 0) {
		pango_layout_set_width(l, (int)(width_mm * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_alignment(l, align[flags & PDF_ALIGN]);
	pango_layout_set_justify(l, (flags & PDF_ALIGN) == PDF_JUSTIFY);
	if (flags & PDF_ONE_LINE) {
		pango_layout_set_single_paragraph_mode(l, TRUE);
		if (width_mm > 0) {
			pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
			pango_layout_set_height(l, -1);
		}
	}
	set_font(p, l, size_pt, flags);
	if ((flags & PDF_SHRINK) && width_mm > 0)
		for (double s = size_pt * 0.9;
		     pango_layout_is_ellipsized(l) && s >= size_pt * SHRINK_MIN; s *= 0.9)
			set_font(p, l, s, flags);
	return l;
}

static double
layout_height(PangoLayout *l)
{
	PangoRectangle logical;

	pango_layout_get_extents(l, NULL, &logical);
	return (double)logical.height / PANGO_SCALE;
}

double
pdf_text(struct pdf *p, double x_mm, double y_mm, double width_mm, double size_pt, unsigned flags,
	 const char *utf8)
{
	double v[] = { x_mm, y_mm };
	PangoLayout *l;
	double h;

	if (!live(p) || !sane(p, 2, v))
		return 0;
	l = layout_new(p, width_mm, size_pt, flags, utf8);
	if (l == NULL)
		return 0;
	h = layout_height(l);
	color(p, flags);
	cairo_move_to(p->cr, x_mm, y_mm);
	pango_cairo_show_layout(p->cr, l);
	cairo_new_path(p->cr);
	color(p, 0);
	g_object_unref(l);
	return h;
}

double
pdf_text_height(struct pdf *p, double width_mm, double size_pt, unsigned flags, const char *utf8)
{
	PangoLayout *l = layout_new(p, width_mm, size_pt, flags, utf8);
	double h;

	if (l == NULL)
		return 0;
	h = layout_height(l);
	g_object_unref(l);
	return h;
}

void
pdf_text_rotated(struct pdf *p, double cx_mm, double cy_mm, double deg, double size_pt,
		 unsigned flags, const char *utf8)
{
	double v[] = { cx_mm, cy_mm, deg };
	PangoRectangle logical;
	PangoLayout *l;

	if (!live(p) || !sane(p, 3, v))
		return;
	l = layout_new(p, 0, size_pt, flags | PDF_ONE_LINE, utf8);
	if (l == NULL)
		return;
	pango_layout_get_extents(l, NULL, &logical);
	cairo_save(p->cr);
	cairo_translate(p->cr, cx_mm, cy_mm);
	cairo_rotate(p->cr, -deg * M_PI / 180.0);
	cairo_move_to(p->cr, -(double)logical.width / PANGO_SCALE / 2,
		      -(double)logical.height / PANGO_SCALE / 2);
	color(p, flags);
	pango_cairo_update_layout(p->cr, l);
	pango_cairo_show_layout(p->cr, l);
	cairo_new_path(p->cr);
	cairo_restore(p->cr);
	color(p, 0);
	g_object_unref(l);
}

void
pdf_para(struct pdf *p, double size_pt, unsigned flags, double after_mm, const char *utf8)
{
	PangoLayoutIter *it;
	PangoLayout *l;

	if (!live(p) || !sane(p, 1, &after_mm))
		return;
	l = layout_new(p, p->w - p->left - p->right, size_pt, flags, utf8);
	if (l == NULL)
		return;
	it = pango_layout_get_iter(l);
	do {
		PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
		PangoRectangle logical;
		double h, base;

		pango_layout_iter_get_line_extents(it, NULL, &logical);
		h = (double)logical.height / PANGO_SCALE;
		base = (double)(pango_layout_iter_get_baseline(it) - logical.y) / PANGO_SCALE;
		if (p->y + h > p->h - p->bottom && p->y > p->top + 0.01 && pdf_new_page(p) != 0)
			break;
		color(p, flags);
		cairo_move_to(p->cr, p->left + (double)logical.x / PANGO_SCALE, p->y + base);
		pango_cairo_show_layout_line(p->cr, line);
		cairo_new_path(p->cr);
		p->y += h;
	} while (pango_layout_iter_next_line(it));
	color(p, 0);
	pango_layout_iter_free(it);
	g_object_unref(l);
	p->y += after_mm;
}

void
pdf_line(struct pdf *p, double x1_mm, double y1_mm, double x2_mm, double y2_mm, double width_mm)
{
	double v[] = { x1_mm, y1_mm, x2_mm, y2_mm, width_mm };

	if (!live(p) || !sane(p, 5, v) || width_mm <= 0)
		return;
	cairo_set_line_width(p->cr, width_mm);
	cairo_move_to(p->cr, x1_mm, y1_mm);
	cairo_line_to(p->cr, x2_mm, y2_mm);
	cairo_stroke(p->cr);
}

void
pdf_rect(struct pdf *p, double x_mm, double y_mm, double w_mm, double h_mm, double line_mm,
	 bool fill)
{
	double v[] = { x_mm, y_mm, w_mm, h_mm, line_mm };

	if (!live(p) || !sane(p, 5, v))
		return;
	cairo_rectangle(p->cr, x_mm, y_mm, w_mm, h_mm);
	if (fill)
		cairo_fill_preserve(p->cr);
	if (line_mm > 0) {
		cairo_set_line_width(p->cr, line_mm);
		cairo_stroke(p->cr);
	}
	cairo_new_path(p->cr);
}

int
pdf_qr(struct pdf *p, double x_mm, double y_mm, double size_mm, const char *text,
       struct anju_err *e)
{
	double v[] = { x_mm, y_mm, size_mm };
	QRcode *qr;
	double m;
	size_t n;

	if (!live(p) || !sane(p, 3, v))
		return report(p, e);
	n = text ? strnlen(text, PDF_QR_MAX + 1) : 0;
	qr = n > 0 && n <= PDF_QR_MAX ? QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) : NULL;
	if (qr == NULL || size_mm <= 0) {
		QRcode_free(qr);
		fail(p, ANJU_EINVAL, "qr_text", "", "二维码内容为空或过长");
		return report(p, e);
	}
	m = size_mm / (qr->width + 2 * QR_QUIET);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_rectangle(p->cr, x_mm, y_mm, size_mm, size_mm);
	cairo_fill(p->cr);
	/* Dark runs of each row as one rectangle, all in one path filled once, so
	 * that no seams show between neighbouring modules. */
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width;) {
			int start;

			if (!(qr->data[r * qr->width + c] & 1)) {
				c++;
				continue;
			}
			start = c;
			while (c < qr->width && (qr->data[r * qr->width + c] & 1))
				c++;
			cairo_rectangle(p->cr, x_mm + (QR_QUIET + start) * m,
					y_mm + (QR_QUIET + r) * m, (c - start) * m, m);
		}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_fill(p->cr);
	color(p, 0);
	QRcode_free(qr);
	return 0;
}

double
pdf_table_width(const struct pdf_table *t)
{
	double w = 0;

	for (size_t i = 0; i < t->ncols && i < PDF_TABLE_COLS; i++)
		w += t->cols[i].width_mm;
	return w;
}

static bool
table_ok(struct pdf *p, const struct pdf_table *t)
{
	double v[] = { t->x_mm, t->pad_mm, t->line_mm };

	if (!live(p) || !sane(p, 3, v))
		return false;
	if (t->ncols == 0 || t->ncols > PDF_TABLE_COLS || t->pad_mm < 0) {
		fail(p, ANJU_EINVAL, "pdf_table", "", "PDF 表格定义无效");
		return false;
	}
	for (size_t i = 0; i < t->ncols; i++)
		if (!sane(p, 1, &t->cols[i].width_mm) || t->cols[i].width_mm <= 2 * t->pad_mm) {
			fail(p, ANJU_EINVAL, "pdf_table", "", "PDF 表格定义无效");
			return false;
		}
	return true;
}

/* A cell's flags: its column's alignment and style plus the row's style. */
static unsigned
cell_flags(const struct pdf_table *t, size_t i, unsigned row)
{
	return t->cols[i].flags | (row & ~(unsigned)PDF_ALIGN);
}

double
pdf_table_row_height(struct pdf *p, const struct pdf_table *t, const char *const *cells,
		     unsigned flags)
{
	double h = 0;

	if (!table_ok(p, t))
		return 0;
	for (size_t i = 0; i < t->ncols; i++) {
		double ch = pdf_text_height(p, t->cols[i].width_mm - 2 * t->pad_mm, t->size_pt,
					    cell_flags(t, i, flags), cells ? cells[i] : "");

		if (ch > h)
			h = ch;
	}
	return live(p) ? h + 2 * t->pad_mm : 0;
}

double
pdf_table_row(struct pdf *p, const struct pdf_table *t, double y_mm, const char *const *cells,
	      unsigned flags)
{
	double h = pdf_table_row_height(p, t, cells, flags), x;

	if (!live(p) || !sane(p, 1, &y_mm))
		return 0;
	if (flags & PDF_SHADE) {
		double g = p->gray;

		pdf_gray(p, SHADE_GRAY);
		pdf_rect(p, t->x_mm, y_mm, pdf_table_width(t), h, 0, true);
		pdf_gray(p, g);
	}
	x = t->x_mm;
	for (size_t i = 0; i < t->ncols; i++) {
		double cw = t->cols[i].width_mm - 2 * t->pad_mm;
		unsigned f = cell_flags(t, i, flags);
		const char *s = cells && cells[i] ? cells[i] : "";
		double th = pdf_text_height(p, cw, t->size_pt, f, s);

		/* Centred vertically, so a short cell sits beside a wrapped one. */
		pdf_text(p, x + t->pad_mm, y_mm + (h - th) / 2, cw, t->size_pt, f, s);
		if (!(flags & PDF_NO_BORDER) && t->line_mm > 0)
			pdf_rect(p, x, y_mm, t->cols[i].width_mm, h, t->line_mm, false);
		x += t->cols[i].width_mm;
	}
	return live(p) ? h : 0;
}

int
pdf_finish(struct pdf *p, struct buf *out, struct anju_err *e)
{
	cairo_status_t st;

	if (!live(p))
		return report(p, e);
	p->finished = true;
	st = cairo_status(p->cr);
	if (st == CAIRO_STATUS_SUCCESS) {
		pthread_mutex_lock(&gate_lock);
		while (finishing >= FINISH_AT_ONCE)
			pthread_cond_wait(&gate_open, &gate_lock);
		finishing++;
		pthread_mutex_unlock(&gate_lock);
		cairo_surface_finish(p->surface);
		st = cairo_surface_status(p->surface);
		pthread_mutex_lock(&gate_lock);
		finishing--;
		pthread_cond_signal(&gate_open);
		pthread_mutex_unlock(&gate_lock);
	}
	if (st == CAIRO_STATUS_WRITE_ERROR || p->bytes.over)
		fail(p, ANJU_ETOOBIG, "pdf_too_big", "", "PDF 文件过大");
	else if (st != CAIRO_STATUS_SUCCESS)
		fail(p, ANJU_EINTERNAL, "pdf_failed", "", cairo_status_to_string(st));
	else if (buf_add(out, p->bytes.p, p->bytes.n) != 0)
		fail(p, ANJU_ETOOBIG, "pdf_too_big", "", "PDF 文件过大");
	return p->err.code ? report(p, e) : 0;
}

/* Leaks inside libraries that no call of ours can free, known to the leak
 * checker of ASan builds (LeakSanitizer calls this at start when it is
 * linked in; other builds never call it):
 * - cairo 1.16 (Debian 12) forgets the FDArray index it reads in
 *   cairo_cff_font_read_cid_fontdict(), 24 bytes per font dictionary (768
 *   for Noto CJK) per CID-keyed font embedded in a finished PDF; fixed in
 *   later cairo.  Without cairo's symbols only the module can be named.
 * - fontconfig keeps a block it allocates while parsing its XML
 *   configuration, once per process.
 * Only one definition may exist per program: add other modules' here. */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\n"
	       "leak:libfontconfig.so.1\n";
}

void
pdf_shutdown(void)
{
	if (atomic_load(&documents) != 0)
		return;
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
}
