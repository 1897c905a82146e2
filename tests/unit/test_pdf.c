/*
 * Unit tests of pdf/pdf.c and money/receipt_pdf.c.  The PDFs are read back
 * with poppler's pdftotext and pdfinfo, and the receipt's QR code is rendered
 * with pdftoppm and decoded with zbarimg (scripts/setup.sh installs both), so
 * the checks are on what a reader of the file sees, not on what we meant to
 * draw.  Not a database suite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "money/receipt_pdf.h"
#include "pdf/pdf.h"

#define URL "https://anju.example.cn/r/Qm9vbGVhbkZhbHNlVG9rZW4xMjM0"

static const struct receipt_item three_items[] = {
	{ "租金 2026-11", "2026-11-01 至 2026-11-30", 100000 },
	{ "物业服务费 2026-11", "2026-11", 20000 },
	{ "水费 2026-10", "", 3450 },
};

static struct receipt_doc
sample(void)
{
	return (struct receipt_doc){
		.organisation = "某市住房保障服务中心",
		.number = "NY2026-0000123",
		.issued_date = "2026-11-28",
		.payer = "张*明",
		.unit = "南苑公租房 3-2-1502",
		.channel = "现金",
		.clerk = "李收款",
		.items = three_items,
		.n_items = 3,
		.total_fen = 123450,
		.verify_url = URL,
	};
}

/* Writes b to a new temporary file; returns its path (free it, unlink it). */
static char *
save(const struct buf *b)
{
	char *path = xstrdup("/tmp/anju-pdf-XXXXXX");
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->n, f), b->n);
	assert_int_equal(fclose(f), 0);
	return path;
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
	if (out.p == NULL)
		return xstrdup("");
	return buf_take(&out, NULL);
}

/* The text pdftotext -layout reads from the PDF in b (free it). */
static char *
text_of(const struct buf *b)
{
	char *path = save(b), *text = run("pdftotext -layout -enc UTF-8 '%s' -", path);

	unlink(path);
	free(path);
	return text;
}

/* A line of pdfinfo's output, e.g. "Pages", without its label (free it). */
static char *
info_of(const struct buf *b, const char *label)
{
	char *path = save(b), *info = run("pdfinfo -enc UTF-8 '%s'", path), *at, *end, *v;
	size_t n = strlen(label);

	unlink(path);
	free(path);
	for (at = info; at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL)
		if (strncmp(at, label, n) == 0 && at[n] == ':')
			break;
	if (at == NULL)
		fail_msg("pdfinfo has no \"%s\" line:\n%s", label, info);
	at += n + 1;
	at += strspn(at, " ");
	end = strchr(at, '\n');
	v = xstrndup(at, end ? (size_t)(end - at) : strlen(at));
	free(info);
	return v;
}

static int
pages_of(const struct buf *b)
{
	char *v = info_of(b, "Pages");
	int n = atoi(v);

	free(v);
	return n;
}

static void
has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("\"%s\" is missing from the PDF's text:\n%s", want, text);
}

static void
lacks(const char *text, const char *unwanted)
{
	if (strstr(text, unwanted) != NULL)
		fail_msg("\"%s\" should not be in the PDF's text:\n%s", unwanted, text);
}

static int
count(const char *text, const char *s)
{
	int n = 0;

	for (const char *at = strstr(text, s); at; at = strstr(at + strlen(s), s))
		n++;
	return n;
}

static double first_render_ms; /* the first in the process loads the fonts */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
render(const struct receipt_doc *d, struct buf *out)
{
	struct anju_err e = { 0 };
	double t0 = now_ms();
	int rc;

	buf_init(out, 0);
	rc = receipt_pdf(d, out, &e);
	if (first_render_ms == 0)
		first_render_ms = now_ms() - t0;
	if (rc != 0)
		fail_msg("receipt_pdf: %d %s %s %s", rc, e.key, e.field, e.msg);
	assert_true(out->n > 1000);
	assert_memory_equal(out->p, "%PDF-", 5);
}

static void
test_receipt_text(void **state)
{
	struct receipt_doc d = sample();
	struct buf pdf;
	char *text, *v;

	(void)state;
	render(&d, &pdf);
	text = text_of(&pdf);
	has(text, "收款收据");
	has(text, "NY2026-0000123");
	has(text, "某市住房保障服务中心");
	has(text, "张*明");
	has(text, "南苑公租房 3-2-1502");
	has(text, "壹仟贰佰叁拾肆元伍角整");
	has(text, "1,234.50");
	has(text, "1,000.00");
	has(text, "200.00");
	has(text, "34.50");
	has(text, "租金 2026-11");
	has(text, "物业服务费 2026-11");
	has(text, "水费 2026-10");
	has(text, "2026-11-01 至 2026-11-30");
	has(text, "现金");
	has(text, "李收款");
	has(text, "开票日期：2026-11-28");
	has(text, "扫码验真");
	lacks(text, "作废");
	lacks(text, "第1页");
	free(text);
	assert_int_equal(pages_of(&pdf), 1);
	v = info_of(&pdf, "Title");
	assert_string_equal(v, "收款收据 NY2026-0000123");
	free(v);
	v = info_of(&pdf, "Creator");
	assert_string_equal(v, "anju");
	free(v);
	v = info_of(&pdf, "Page size");
	assert_non_null(strstr(v, "595.276 x 419.528")); /* A5 landscape, in points */
	free(v);
	buf_free(&pdf);
}

/* No unit, no clerk: the lines that would carry them say so and nothing breaks. */
static void
test_receipt_electronic(void **state)
{
	struct receipt_doc d = sample();
	struct buf pdf;
	char *text;

	(void)state;
	d.unit = "";
	d.clerk = NULL;
	d.channel = "线上支付";
	/* 60 characters: more than the line holds at the normal size. */
	d.organisation = "某某市某某区住房和城乡建设局公共租赁住房保障服务中心南苑分中心"
			 "收费管理科第一收费窗口电子收款专用账户代收点";
	render(&d, &pdf);
	text = text_of(&pdf);
	has(text, d.organisation);
	has(text, "线上支付");
	has(text, "收款人：—");
	lacks(text, "房屋：");
	lacks(text, "李收款");
	free(text);
	buf_free(&pdf);
}

static void
test_receipt_void(void **state)
{
	struct receipt_doc d = sample();
	struct buf pdf;
	char *text;

	(void)state;
	d.voided = true;
	d.void_reason = "重复收款，款项已原路退回";
	render(&d, &pdf);
	text = text_of(&pdf);
	has(text, "作废原因：重复收款，款项已原路退回");
	/* The stamp, apart from the reason line: 作 and 废 once more each. */
	assert_int_equal(count(text, "作"), 2);
	assert_int_equal(count(text, "废"), 2);
	has(text, "NY2026-0000123");
	has(text, "壹仟贰佰叁拾肆元伍角整");
	free(text);
	buf_free(&pdf);
}

/* n items titled 项目01 ..., 1000 fen each. */
static struct receipt_item *
many(size_t n, char (*titles)[32])
{
	struct receipt_item *items = xcalloc(n, sizeof(*items));

	for (size_t i = 0; i < n; i++) {
		snprintf(titles[i], 32, "项目%02zu", i + 1);
		items[i].title = titles[i];
		items[i].period = "2026-11";
		items[i].amount_fen = 1000;
	}
	return items;
}

static void
test_receipt_pages(void **state)
{
	char titles[RECEIPT_PDF_MAX_ITEMS + 1][32];
	struct receipt_item *items = many(RECEIPT_PDF_MAX_ITEMS + 1, titles);
	struct receipt_doc d = sample();
	struct anju_err e = { 0 };
	struct buf pdf;
	char *text;

	(void)state;
	/* Ten fit on one page. */
	d.items = items;
	d.n_items = 10;
	d.total_fen = 10000;
	render(&d, &pdf);
	assert_int_equal(pages_of(&pdf), 1);
	buf_free(&pdf);

	/* Twenty-five take two, each numbered, every item and the total present. */
	d.n_items = 25;
	d.total_fen = 25000;
	d.voided = true;
	d.void_reason = "测试作废";
	render(&d, &pdf);
	assert_int_equal(pages_of(&pdf), 2);
	text = text_of(&pdf);
	for (size_t i = 0; i < 25; i++)
		has(text, titles[i]);
	lacks(text, "项目26");
	has(text, "第1页/共2页");
	has(text, "第2页/共2页");
	has(text, "收款收据（续）");
	has(text, "贰佰伍拾元整");
	has(text, "250.00");
	/* The total and the reason are on the last page, after the last item. */
	assert_true(strstr(text, "贰佰伍拾元整") > strstr(text, "项目25"));
	assert_true(strstr(text, "测试作废") > strstr(text, "第2页"));
	free(text);
	buf_free(&pdf);

	/* The most a receipt takes, and one more. */
	d.n_items = RECEIPT_PDF_MAX_ITEMS;
	d.total_fen = 1000 * RECEIPT_PDF_MAX_ITEMS;
	d.voided = false;
	render(&d, &pdf);
	assert_true(pages_of(&pdf) > 5);
	text = text_of(&pdf);
	has(text, "项目200");
	free(text);
	buf_free(&pdf);
	d.n_items = RECEIPT_PDF_MAX_ITEMS + 1;
	d.total_fen = 1000 * (RECEIPT_PDF_MAX_ITEMS + 1);
	buf_init(&pdf, 0);
	assert_int_equal(receipt_pdf(&d, &pdf, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "receipt_items");
	assert_int_equal(pdf.n, 0);
	buf_free(&pdf);
	free(items);
}

/* Whichever number of items, the total never lands on a page of its own
 * when it can share one, and no page is left without items before it. */
static void
test_receipt_page_edges(void **state)
{
	char titles[32][32];
	struct receipt_item *items = many(32, titles);
	struct receipt_doc d = sample();
	int prev = 1;

	(void)state;
	d.items = items;
	/* Around both page breaks (13 and 29 items with these rows). */
	for (size_t n = 10; n <= 32; n++) {
		struct buf pdf;
		char *text, *last_page, *end;
		int pages;

		d.n_items = n;
		d.total_fen = 1000 * (int64_t)n;
		render(&d, &pdf);
		pages = pages_of(&pdf);
		assert_true(pages >= prev && pages <= prev + 1);
		prev = pages;
		text = text_of(&pdf);
		has(text, titles[n - 1]);
		/* The last page has the last item (pdftotext ends each page with \f). */
		end = text + strlen(text);
		while (end > text && (end[-1] == '\f' || end[-1] == '\n'))
			end--;
		*end = '\0';
		last_page = strrchr(text, '\f') ? strrchr(text, '\f') + 1 : text;
		has(last_page, titles[n - 1]);
		has(last_page, "合计（人民币大写）");
		free(text);
		buf_free(&pdf);
	}
	assert_true(prev >= 3);
	free(items);
}

static void
test_receipt_qr_decodes(void **state)
{
	struct receipt_doc d = sample();
	char *path, *decoded;
	struct buf pdf;

	(void)state;
	render(&d, &pdf);
	path = save(&pdf);
	free(run("pdftoppm -r 200 -f 1 -l 1 -png '%s' '%s-page'", path, path));
	/* zbarimg's image library complains on stderr when there is no D-Bus. */
	decoded = run("zbarimg -q --raw '%s-page-1.png' 2>/dev/null", path);
	assert_string_equal(decoded, URL "\n");
	free(decoded);
	free(run("rm -f '%s-page-1.png'", path));
	unlink(path);
	free(path);
	buf_free(&pdf);
}

static void
refused(const struct receipt_doc *d, const char *key, const char *field)
{
	struct anju_err e = { 0 };
	struct buf pdf;
	int rc;

	buf_init(&pdf, 0);
	rc = receipt_pdf(d, &pdf, &e);
	if (rc != ANJU_EINVAL || strcmp(e.key, key) != 0 || strcmp(e.field, field) != 0)
		fail_msg("want %s/%s, got %d %s/%s", key, field, rc, e.key, e.field);
	assert_int_equal(pdf.n, 0);
	assert_true(e.msg[0] != '\0');
	buf_free(&pdf);
}

static void
test_receipt_bad_input(void **state)
{
	struct receipt_item items[2] = { three_items[0], three_items[1] };
	char long_text[RECEIPT_PDF_TEXT_MAX + 2], url[2000];
	struct receipt_doc d;

	(void)state;
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	memcpy(url, "https://h/r/", 12);
	memset(url + 12, 'a', sizeof(url) - 13);
	url[sizeof(url) - 1] = '\0';

	d = sample(), d.organisation = NULL;
	refused(&d, "receipt_field", "organisation");
	d = sample(), d.number = "";
	refused(&d, "receipt_field", "number");
	d = sample(), d.payer = long_text;
	refused(&d, "receipt_field", "payer");
	d = sample(), d.unit = long_text;
	refused(&d, "receipt_field", "unit");
	d = sample(), d.channel = NULL;
	refused(&d, "receipt_field", "channel");
	d = sample(), d.issued_date = "2026-13-01";
	refused(&d, "receipt_field", "issued_date");
	d = sample(), d.issued_date = NULL;
	refused(&d, "receipt_field", "issued_date");
	d = sample(), d.verify_url = url;
	refused(&d, "receipt_field", "verify_url");
	d = sample(), d.verify_url = NULL;
	refused(&d, "receipt_field", "verify_url");
	d = sample(), d.voided = true;
	refused(&d, "receipt_field", "void_reason");
	d = sample(), d.n_items = 0;
	refused(&d, "receipt_items", "items");
	d = sample(), d.items = NULL;
	refused(&d, "receipt_items", "items");
	d = sample(), d.total_fen = 123451;
	refused(&d, "receipt_total", "total_fen");
	d = sample(), d.items = items, d.n_items = 2, d.total_fen = 120000, items[1].title = "";
	refused(&d, "receipt_field", "items");
	items[0].amount_fen = INT64_MAX, items[1].title = "x";
	refused(&d, "receipt_total", "total_fen");

	/* Bytes that are not UTF-8 are printed as U+FFFD, not refused. */
	{
		struct buf pdf;
		char *text;

		d = sample();
		d.payer = "张\xff\xfe明";
		render(&d, &pdf);
		text = text_of(&pdf);
		has(text, "张\xef\xbf\xbd");
		free(text);
		buf_free(&pdf);
	}
	/* An output buffer too small for the PDF: ANJU_ETOOBIG, nothing appended. */
	{
		struct anju_err e = { 0 };
		struct buf pdf;

		d = sample();
		buf_init(&pdf, 4000);
		assert_int_equal(buf_adds(&pdf, "kept"), 0);
		assert_int_equal(receipt_pdf(&d, &pdf, &e), ANJU_ETOOBIG);
		assert_string_equal(e.key, "pdf_too_big");
		assert_string_equal(pdf.p, "kept");
		buf_free(&pdf);
	}
}

/* The same receipt gives the same bytes (its date is the issued date). */
static void
test_receipt_deterministic(void **state)
{
	struct receipt_doc d = sample();
	struct buf a, b;

	(void)state;
	render(&d, &a);
	render(&d, &b);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.p, b.p, a.n);
	buf_free(&b);
	d.total_fen = 123450;
	d.payer = "王*";
	render(&d, &b);
	assert_false(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
	buf_free(&a);
	buf_free(&b);
}

/* Prints how long a receipt takes; the budget (20 ms after the first, which
 * loads the fonts) is for the optimised build, where most of it is cairo
 * copying the font's CFF table, which ASan's memcpy makes about ten times
 * slower.  The assertion only catches something gone badly wrong. */
static void
test_receipt_timing(void **state)
{
	struct receipt_doc d = sample();
	struct buf pdf;
	double t0, each;
	int n = 20;

	(void)state;
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		render(&d, &pdf);
		buf_free(&pdf);
	}
	each = (now_ms() - t0) / n;
	print_message("receipt PDF: the first in this process %.1f ms, then %.1f ms each (%s)\n",
		      first_render_ms, each,
#if defined(__SANITIZE_ADDRESS__)
		      "ASan build"
#else
		      "optimised build"
#endif
	);
	assert_true(each < 2000);
}

static void
test_qr_errors(void **state)
{
	struct anju_err e = { 0 };
	struct pdf *p;
	struct buf out;
	char *text = xmalloc(PDF_QR_MAX + 2);

	(void)state;
	/* Within our cap but more than a level-M code holds (2331 bytes). */
	memset(text, 'a', 3000);
	text[3000] = '\0';
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_qr(p, 10, 10, 40, text, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "qr_text");
	/* The error sticks: drawing does nothing, finishing reports it. */
	assert_true(pdf_text(p, 10, 60, 100, 10, 0, "之后") == 0);
	buf_init(&out, 0);
	anju_err_clear(&e);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "qr_text");
	assert_int_equal(out.n, 0);
	pdf_free(p);

	/* Over the cap, and empty. */
	memset(text, 'b', PDF_QR_MAX + 1);
	text[PDF_QR_MAX + 1] = '\0';
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_qr(p, 10, 10, 40, text, &e), ANJU_EINVAL);
	pdf_free(p);
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_qr(p, 10, 10, 40, "", &e), ANJU_EINVAL);
	pdf_free(p);
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_qr(p, 10, 10, 40, NULL, &e), ANJU_EINVAL);
	pdf_free(p);

	/* The largest a level-M code holds still works. */
	memset(text, 'c', 2331);
	text[2331] = '\0';
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_qr(p, 10, 10, 150, text, &e), 0);
	assert_int_equal(pdf_finish(p, &out, &e), 0);
	assert_true(out.n > 1000);
	pdf_free(p);
	buf_free(&out);
	free(text);
}

/* Bad sizes and coordinates become the sticky error, never a crash. */
static void
test_pdf_bad_input(void **state)
{
	struct anju_err e = { 0 };
	struct pdf *p;
	struct buf out;
	char *big;

	(void)state;
	buf_init(&out, 0);
	p = pdf_new(5, 5);
	pdf_text(p, 1, 1, 3, 10, 0, "x");
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_page_size");
	pdf_free(p);
	p = pdf_new(NAN, 100);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	pdf_free(p);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_line(p, 0, 0, INFINITY, 10, 0.2);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_coordinates");
	pdf_free(p);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_text(p, 10, 10, 100, 0, 0, "零号字");
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_font_size");
	pdf_free(p);

	big = xmalloc(PDF_TEXT_MAX + 2);
	memset(big, 'x', PDF_TEXT_MAX + 1);
	big[PDF_TEXT_MAX + 1] = '\0';
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_para(p, 10, 0, 0, big);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_ETOOBIG);
	assert_string_equal(e.key, "pdf_text_too_long");
	pdf_free(p);
	free(big);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_date(p, "28/11/2026");
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_date");
	pdf_free(p);
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_date(p, "2026-02-30");
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_date");
	pdf_free(p);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_margins(p, 150, 10, 150, 10);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_margins");
	pdf_free(p);

	/* A table whose columns cannot hold their padding. */
	{
		static const struct pdf_col cols[] = { { 1.0, 0 } };
		struct pdf_table t = { .cols = cols, .ncols = 1, .size_pt = 9, .pad_mm = 1 };
		const char *cells[] = { "x" };

		p = pdf_new(PDF_A4_W, PDF_A4_H);
		assert_true(pdf_table_row(p, &t, 10, cells, 0) == 0);
		assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
		assert_string_equal(e.key, "pdf_table");
		pdf_free(p);
	}

	/* Finishing twice. */
	p = pdf_new(PDF_A4_W, PDF_A4_H);
	assert_int_equal(pdf_finish(p, &out, &e), 0);
	assert_int_equal(pdf_finish(p, &out, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "pdf_finished");
	pdf_free(p);
	pdf_free(NULL);
	buf_free(&out);
}

struct heads {
	int calls;
};

static void
running_head(struct pdf *p, void *arg)
{
	struct heads *h = arg;
	char s[64];

	h->calls++;
	snprintf(s, sizeof(s), "续页页眉 %d", pdf_page_count(p));
	pdf_text(p, 20, 10, 170, 8, PDF_RIGHT, s);
}

/* The general part, as contracts and notices will use it: paragraphs
 * flowing over pages with a running head, a table, wrapped and aligned text. */
static void
test_pdf_flow(void **state)
{
	static const struct pdf_col cols[] = { { 30, PDF_CENTER }, { 100, 0 }, { 40, PDF_RIGHT } };
	struct pdf_table t = {
		.cols = cols, .ncols = 3, .x_mm = 20, .size_pt = 10, .pad_mm = 1.5, .line_mm = 0.3
	};
	const char *head[] = { "条款", "内容", "金额" };
	const char *row[] = { "第一条", "承租人应按月缴纳租金，逾期按日加收滞纳金。", "1,200.00" };
	struct heads h = { 0 };
	struct anju_err e = { 0 };
	struct buf para, out;
	struct pdf *p;
	double h1, h2, y;
	char *text;

	(void)state;
	buf_init(&para, 0);
	for (int i = 0; i < 120; i++)
		buf_printf(&para, "第%d句：甲乙双方根据《公共租赁住房管理办法》订立本合同。",
			   i + 1);
	buf_adds(&para, "合同正文结束。");

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_title(p, "公共租赁住房租赁合同");
	pdf_set_margins(p, 20, 20, 20, 20);
	pdf_on_page(p, running_head, &h);
	pdf_para(p, 16, PDF_CENTER | PDF_BOLD | PDF_SERIF, 4, "公共租赁住房租赁合同");
	y = pdf_y(p);
	assert_true(y > 20 && y < 40);
	h1 = pdf_text_height(p, 100, 10, 0, row[1]);
	h2 = pdf_text_height(p, 40, 10, 0, row[1]);
	assert_true(h2 > h1 * 1.5); /* narrower wraps to more lines */
	assert_true(pdf_table_row_height(p, &t, row, 0) >= h1 + 3);
	/* One line either way; shrinking lowers it, an ellipsis does not. */
	assert_true(fabs(pdf_text_height(p, 40, 10, PDF_ONE_LINE, row[1]) - h1) < 0.01);
	assert_true(pdf_text_height(p, 40, 10, PDF_SHRINK, row[1]) < h1 * 0.9);
	assert_true(fabs(pdf_text_height(p, 100, 10, PDF_SHRINK, row[1]) - h1) < 0.01);
	y += pdf_table_row(p, &t, y, head, PDF_BOLD | PDF_SHADE);
	y += pdf_table_row(p, &t, y, row, 0);
	pdf_set_y(p, y + 5);
	pdf_para(p, 11, PDF_JUSTIFY, 3, para.p);
	pdf_need(p, 300); /* more than a page: a new page, not an endless loop */
	pdf_para(p, 11, PDF_RIGHT, 0, "甲方（盖章）");
	pdf_text_rotated(p, 105, 150, 30, 40, PDF_RED, "样稿");
	pdf_rect(p, 20, 200, 50, 20, 0.3, false);
	pdf_gray(p, 0.5);
	pdf_rect(p, 80, 200, 50, 20, 0, true);
	assert_true(pdf_page_count(p) >= 3);
	assert_int_equal(h.calls, pdf_page_count(p) - 1);
	buf_init(&out, 0);
	assert_int_equal(pdf_finish(p, &out, &e), 0);
	assert_int_equal(pages_of(&out), pdf_page_count(p));
	text = text_of(&out);
	has(text, "公共租赁住房租赁合同");
	has(text, "承租人应按月缴纳租金");
	has(text, "续页页眉 2");
	has(text, "第1句");
	has(text, "第120句");
	has(text, "合同正文结束。");
	has(text, "甲方（盖章）");
	has(text, "样"); /* rotated: pdftotext gives each character its own line */
	has(text, "稿");
	free(text);
	pdf_free(p);
	buf_free(&out);
	buf_free(&para);
}

static int
teardown(void **state)
{
	(void)state;
	pdf_shutdown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipt_text),
		cmocka_unit_test(test_receipt_electronic),
		cmocka_unit_test(test_receipt_void),
		cmocka_unit_test(test_receipt_pages),
		cmocka_unit_test(test_receipt_page_edges),
		cmocka_unit_test(test_receipt_qr_decodes),
		cmocka_unit_test(test_receipt_bad_input),
		cmocka_unit_test(test_receipt_deterministic),
		cmocka_unit_test(test_receipt_timing),
		cmocka_unit_test(test_qr_errors),
		cmocka_unit_test(test_pdf_bad_input),
		cmocka_unit_test(test_pdf_flow),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
