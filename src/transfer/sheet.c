/*
 * The sheet an import reads: a header row and data rows of text cells, from
 * a CSV file (core/csv.h: RFC 4180, UTF-8 or GB18030) or from the JSON rows
 * the console makes of an .xlsx with exceljs.  Also the error report being
 * built.  No database here.
 *
 * Row numbers are the file's: for CSV the line a row starts on (the header
 * is line 1; empty lines count, as a text editor shows them); for JSON rows
 * rows[i] is row i + 2, as in the spreadsheet whose first row is the header
 * (so the console sends empty rows as [] rather than leaving them out).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/csv.h"
#include "core/mem.h"
#include "transfer/transfer_int.h"

void
report_init(struct report *r, struct arena *a)
{
	memset(r, 0, sizeof(*r));
	r->a = a;
}

void
report_free(struct report *r)
{
	free(r->items);
	free(r->recs);
	r->items = NULL;
	r->recs = NULL;
	r->n = r->cap = 0;
}

void
report_add(struct report *r, int64_t rec, int64_t row, const char *col, const char *fmt, ...)
{
	va_list ap;

	if (r->n >= TRANSFER_MAX_ERRORS) {
		r->full = true;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
		r->recs = xrealloc(r->recs, r->cap * sizeof(*r->recs));
	}
	va_start(ap, fmt);
	r->items[r->n].reason = arena_vprintf(r->a, fmt, ap);
	va_end(ap);
	r->items[r->n].row = row;
	r->items[r->n].col = arena_strdup(r->a, col ? col : "");
	r->recs[r->n] = rec;
	r->n++;
}

void
sheet_free(struct sheet *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}

/* Whether a cell holds a control character other than a tab or a line
 * break (which a quoted CSV cell may hold). */
static bool
has_control(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

static const char *
header_title(const struct sheet *s, size_t i)
{
	if (i < s->header.n && s->header.cells[i][0] != '\0')
		return s->header.cells[i];
	return arena_printf(s->a, "第%zu列", i + 1);
}

/* Adds one row of n cells (slices, trimmed here) to s; the header when
 * header.cells is still NULL.  Checks each cell. */
static void
add_row(struct sheet *s, size_t *cap, int64_t line, const struct str *cells, size_t n,
	struct report *r)
{
	struct sheet_row row = { .line = line, .n = n };
	bool empty = true;

	row.cells = arena_alloc(s->a, (n ? n : 1) * sizeof(*row.cells));
	for (size_t i = 0; i < n; i++) {
		struct str c = str_trim(cells[i]);

		if (has_control(c.p, c.n)) {
			report_add(r, -1, line, header_title(s, i), "含有不可见的控制字符");
			c.n = 0;
		}
		row.cells[i] = arena_strndup(s->a, c.p, c.n);
		empty &= c.n == 0;
	}
	if (s->header.cells == NULL) {
		s->header = row;
		return;
	}
	if (empty)
		return;
	for (size_t i = s->header.n; i < n; i++)
		if (row.cells[i][0] != '\0') {
			report_add(r, -1, line, header_title(s, i), "此列没有表头");
			break;
		}
	if (s->nrows == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		s->rows = xrealloc(s->rows, *cap * sizeof(*s->rows));
	}
	s->rows[s->nrows++] = row;
}

static void
sheet_init(struct sheet *s, struct arena *a)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
}

int
sheet_from_csv(struct sheet *s, const char *data, size_t n, struct arena *a, struct report *r)
{
	static const struct csv_limits lim = {
		.max_field = SHEET_MAX_CELL,
		.max_fields = SHEET_MAX_CELLS,
		.max_rows = TRANSFER_MAX_ROWS,
	};
	struct csv *c = NULL;
	struct csv_row row;
	struct anju_err e;
	size_t cap = 0;
	int rc;

	sheet_init(s, a);
	if (n > TRANSFER_MAX_INPUT) {
		report_add(r, -1, 0, "", "文件超过 %d MiB 的上限", TRANSFER_MAX_INPUT >> 20);
		return -1;
	}
	if (csv_open(data, n, CSV_AUTO, &lim, &c, &e) != 0) {
		report_add(r, -1, 0, "", "文件编码无法识别（应为 UTF-8 或 GB18030 的 CSV）");
		return -1;
	}
	while ((rc = csv_next(c, &row, &e)) == 1)
		add_row(s, &cap, (int64_t)row.line, row.fields, row.n, r);
	csv_close(c);
	if (rc < 0) {
		/* e.msg names the line ("第N行：引号没有闭合"). */
		report_add(r, -1, 0, "", "CSV 格式错误：%s", e.msg);
		return -1;
	}
	if (s->header.cells == NULL) {
		report_add(r, -1, 0, "", "文件是空的");
		return -1;
	}
	return 0;
}

/* A cell of the JSON rows: text, a number written as text, or empty. */
static bool
cell_text(json_t *v, char *num, size_t cap, struct str *out)
{
	if (json_is_string(v)) {
		*out = (struct str){ json_string_value(v), json_string_length(v) };
	} else if (json_is_integer(v)) {
		snprintf(num, cap, "%lld", (long long)json_integer_value(v));
		*out = str_c(num);
	} else if (json_is_real(v)) {
		snprintf(num, cap, "%.15g", json_real_value(v));
		*out = str_c(num);
	} else if (json_is_null(v)) {
		*out = (struct str){ "", 0 };
	} else {
		return false;
	}
	return out->n <= SHEET_MAX_CELL;
}

int
sheet_from_rows(struct sheet *s, const char *text, size_t n, struct arena *a, struct report *r)
{
	json_t *doc, *header, *rows, *row, *v;
	json_error_t jerr;
	struct str cells[SHEET_MAX_CELLS];
	char nums[SHEET_MAX_CELLS][32];
	size_t cap = 0, i, k;
	int rc = -1;

	sheet_init(s, a);
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	header = json_object_get(doc, "header");
	rows = json_object_get(doc, "rows");
	if (!json_is_array(header) || !json_is_array(rows)) {
		report_add(r, -1, 0, "", "数据应为 {\"header\": [...], \"rows\": [[...], ...]}");
		goto out;
	}
	if (json_array_size(rows) + 1 > TRANSFER_MAX_ROWS) {
		report_add(r, -1, 0, "", "行数超过 %d 行的上限", TRANSFER_MAX_ROWS);
		goto out;
	}
	for (i = 0; i <= json_array_size(rows); i++) {
		json_t *cellv = i == 0 ? header : json_array_get(rows, i - 1);
		size_t ncell = json_is_array(cellv) ? json_array_size(cellv) : 0;

		if (!json_is_array(cellv) || ncell > SHEET_MAX_CELLS) {
			report_add(r, -1, (int64_t)i + 1, "", "这一行应为不超过 %d 个单元格的数组",
				   SHEET_MAX_CELLS);
			if (i == 0)
				goto out;
			continue;
		}
		row = cellv;
		json_array_foreach (row, k, v) {
			if (!cell_text(v, nums[k], sizeof(nums[k]), &cells[k])) {
				report_add(r, -1, (int64_t)i + 1, "",
					   "第%zu个单元格应为不超过 %d 字节的文字或数字", k + 1,
					   SHEET_MAX_CELL);
				cells[k] = (struct str){ "", 0 };
			}
		}
		add_row(s, &cap, (int64_t)i + 1, cells, ncell, r);
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}
