/*
 * CSV reader (RFC 4180) over a private copy of the input, decoded to UTF-8.
 * See csv.h.
 *
 * Because the reader owns its copy, fields are unescaped in place: a quoted
 * field only ever shrinks ("" becomes "), so the bytes written never pass the
 * bytes still to be read.  Fields are then slices of that copy and nothing is
 * allocated per field; only the array of slices grows, up to max_fields.
 *
 * Line breaks are CRLF, LF or a lone CR (old Mac exports).  Inside quotes they
 * belong to the field, byte for byte.  Empty lines between rows are skipped,
 * but every line break counts for the line numbers in errors.
 */
#include "core/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define CSV_DEFAULT_FIELD  ((size_t)1 << 20)
#define CSV_DEFAULT_FIELDS ((size_t)1000)
#define CSV_DEFAULT_ROWS   ((size_t)1000000)

struct csv {
	char *data; /* decoded UTF-8, BOM removed */
	size_t n, pos;
	size_t line; /* line of data[pos] */
	size_t rows; /* rows returned so far */
	struct csv_limits lim;
	enum csv_encoding enc;
	struct str *fields;
	size_t fcap;
	struct anju_err err; /* a failure, repeated by later csv_next() */
};

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Anything looser would let GB18030 bytes pass as UTF-8 more often.
 */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* GB18030 to UTF-8 into a new buffer; false if the bytes are not GB18030. */
static bool
gb18030_decode(const char *in, size_t n, char **out, size_t *outn)
{
	iconv_t cd;
	char *buf = NULL, *ip = (char *)in, *op; /* iconv() wants char **; it only reads */
	size_t cap, used, inleft = n, outleft;
	bool ok = false;

	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return false;
	/* A GB18030 character never takes more than 1.5 times its bytes in
	 * UTF-8, so this is enough; grow anyway rather than trust it. */
	cap = n / 2 * 3 + 16;
	if (cap < n)
		goto out;
	buf = xmalloc(cap);
	op = buf;
	outleft = cap;
	while (inleft > 0) {
		if (iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1)
			continue;
		if (errno != E2BIG)
			goto out; /* EILSEQ, or EINVAL: a character cut at the end */
		used = (size_t)(op - buf);
		if (cap > SIZE_MAX / 2)
			goto out;
		cap *= 2;
		buf = xrealloc(buf, cap);
		op = buf + used;
		outleft = cap - used;
	}
	*out = buf;
	*outn = (size_t)(op - buf);
	buf = NULL;
	ok = true;
out:
	free(buf);
	iconv_close(cd);
	return ok;
}

int
csv_open(const char *data, size_t n, enum csv_encoding enc, const struct csv_limits *lim,
	 struct csv **out, struct anju_err *e)
{
	struct csv *c = NULL;
	char *buf = NULL;
	size_t bufn = 0;
	bool utf8;

	*out = NULL;
	if (data == NULL)
		n = 0;
	utf8 = n == 0 || utf8_valid((const unsigned char *)data, n);
	if (enc == CSV_AUTO)
		enc = utf8 ? CSV_UTF8 : CSV_GB18030;
	if (enc == CSV_UTF8) {
		if (!utf8)
			return anju_fail(e, ANJU_EINVAL, "csv_encoding", NULL,
					 "文件不是有效的UTF-8编码");
		buf = xmalloc(n + 1);
		if (n)
			memcpy(buf, data, n);
		bufn = n;
	} else if (enc == CSV_GB18030) {
		if (!gb18030_decode(n ? data : "", n, &buf, &bufn))
			return anju_fail(e, ANJU_EINVAL, "csv_encoding", NULL,
					 "文件不是有效的GB18030编码");
	} else {
		return anju_fail(e, ANJU_EINVAL, "csv_encoding", NULL, "未知的文件编码");
	}

	c = xcalloc(1, sizeof(*c));
	c->data = buf;
	c->n = bufn;
	c->enc = enc;
	c->line = 1;
	/* A GB18030 BOM (84 31 95 33) has become this UTF-8 one. */
	if (c->n >= 3 && memcmp(c->data, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
	if (lim)
		c->lim = *lim;
	if (c->lim.max_field == 0)
		c->lim.max_field = CSV_DEFAULT_FIELD;
	if (c->lim.max_fields == 0)
		c->lim.max_fields = CSV_DEFAULT_FIELDS;
	if (c->lim.max_rows == 0)
		c->lim.max_rows = CSV_DEFAULT_ROWS;
	*out = c;
	return 0;
}

/* Length of the line break at pos (2 for CRLF, 1 for LF or CR), else 0. */
static size_t
line_break(const struct csv *c, size_t pos)
{
	if (pos >= c->n)
		return 0;
	if (c->data[pos] == '\n')
		return 1;
	if (c->data[pos] == '\r')
		return pos + 1 < c->n && c->data[pos + 1] == '\n' ? 2 : 1;
	return 0;
}

/* Records the failure so that later calls repeat it, and reports it. */
static int __attribute__((format(printf, 5, 6)))
csv_fail(struct csv *c, struct anju_err *e, int code, const char *key, const char *fmt, ...)
{
	char msg[sizeof(c->err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	anju_fail(&c->err, code, key, NULL, "%s", msg);
	if (e)
		*e = c->err;
	return code;
}

static int
add_field(struct csv *c, struct anju_err *e, size_t *nf, const char *p, size_t len, size_t line)
{
	if (len > c->lim.max_field)
		return csv_fail(c, e, ANJU_ETOOBIG, "csv_field_too_long", "第%zu行：字段过长",
				line);
	if (*nf >= c->lim.max_fields)
		return csv_fail(c, e, ANJU_ETOOBIG, "csv_too_many_fields", "第%zu行：字段过多",
				line);
	if (*nf == c->fcap) {
		size_t cap = c->fcap ? c->fcap * 2 : 16;

		if (cap > c->lim.max_fields)
			cap = c->lim.max_fields;
		c->fields = xrealloc(c->fields, cap * sizeof(*c->fields));
		c->fcap = cap;
	}
	c->fields[*nf].p = p;
	c->fields[*nf].n = len;
	(*nf)++;
	return 0;
}

/*
 * Reads a quoted field starting at the opening quote, unescaping it in place
 * from dst.  On return c->pos is just past the closing quote.
 */
static int
read_quoted(struct csv *c, struct anju_err *e, char *dst, size_t *len)
{
	size_t start_line = c->line, br;
	char *w = dst;

	c->pos++;
	for (;;) {
		if (c->pos >= c->n)
			return csv_fail(c, e, ANJU_EINVAL, "csv_unterminated_quote",
					"第%zu行：引号没有闭合", start_line);
		if (c->data[c->pos] == '"') {
			if (c->pos + 1 < c->n && c->data[c->pos + 1] == '"') {
				*w++ = '"';
				c->pos += 2;
				continue;
			}
			c->pos++;
			break;
		}
		if ((br = line_break(c, c->pos)) != 0) {
			memmove(w, c->data + c->pos, br);
			w += br;
			c->pos += br;
			c->line++;
			continue;
		}
		*w++ = c->data[c->pos++];
	}
	*len = (size_t)(w - dst);
	return 0;
}

int
csv_next(struct csv *c, struct csv_row *row, struct anju_err *e)
{
	size_t nf = 0, br, row_line;
	int rc;

	if (c->err.code != 0) {
		if (e)
			*e = c->err;
		return c->err.code;
	}
	/* Empty lines are not rows. */
	while ((br = line_break(c, c->pos)) != 0) {
		c->pos += br;
		c->line++;
	}
	if (c->pos >= c->n)
		return 0;
	row_line = c->line;
	if (c->rows >= c->lim.max_rows)
		return csv_fail(c, e, ANJU_ETOOBIG, "csv_too_many_rows", "第%zu行：行数超过上限",
				row_line);

	for (;;) {
		char *start = c->data + c->pos;
		size_t len = 0, field_line = c->line;

		if (c->pos < c->n && c->data[c->pos] == '"') {
			if ((rc = read_quoted(c, e, start, &len)) != 0)
				return rc;
			if (c->pos < c->n && c->data[c->pos] != ',' && line_break(c, c->pos) == 0)
				return csv_fail(c, e, ANJU_EINVAL, "csv_bad_quote",
						"第%zu行：引号后面有多余的字符", c->line);
		} else {
			while (c->pos < c->n && c->data[c->pos] != ',' &&
			       line_break(c, c->pos) == 0) {
				if (c->data[c->pos] == '"')
					return csv_fail(c, e, ANJU_EINVAL, "csv_bad_quote",
							"第%zu行：未加引号的字段中有引号", c->line);
				c->pos++;
			}
			len = (size_t)(c->data + c->pos - start);
		}
		if ((rc = add_field(c, e, &nf, start, len, field_line)) != 0)
			return rc;
		if (c->pos < c->n && c->data[c->pos] == ',') {
			c->pos++;
			continue;
		}
		/* A line break or the end of the data ends the row. */
		if ((br = line_break(c, c->pos)) != 0) {
			c->pos += br;
			c->line++;
		}
		break;
	}
	c->rows++;
	row->line = row_line;
	row->n = nf;
	row->fields = c->fields;
	return 1;
}

enum csv_encoding
csv_encoding(const struct csv *c)
{
	return c->enc;
}

void
csv_close(struct csv *c)
{
	if (c == NULL)
		return;
	free(c->fields);
	free(c->data);
	free(c);
}
