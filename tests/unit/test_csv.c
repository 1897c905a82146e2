/*
 * Unit tests of core/csv.c: RFC 4180 quoting, line breaks, blank lines, the
 * BOM, GB18030 decoding and its detection, errors with their line numbers,
 * the caller's limits, and a random write-then-read round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/mem.h"

/* Opens s (a C string) or fails the test. */
static struct csv *
open_str(const char *s, enum csv_encoding enc, const struct csv_limits *lim)
{
	struct csv *c = NULL;
	struct anju_err e;

	anju_err_clear(&e);
	if (csv_open(s, strlen(s), enc, lim, &c, &e) != 0)
		fail_msg("csv_open: %s %s", e.key, e.msg);
	assert_non_null(c);
	return c;
}

static void
assert_field(const struct csv_row *row, size_t i, const char *want)
{
	size_t n = strlen(want);

	assert_true(i < row->n);
	if (row->fields[i].n != n || memcmp(row->fields[i].p, want, n) != 0)
		fail_msg("line %zu field %zu: \"%.*s\", want \"%s\"", row->line, i,
			 (int)row->fields[i].n, row->fields[i].p, want);
}

/* Reads the next row and checks its line and its fields (NULL-terminated). */
static void
expect_row(struct csv *c, size_t line, ...)
{
	struct csv_row row;
	struct anju_err e;
	va_list ap;
	const char *want;
	size_t i = 0;
	int rc;

	anju_err_clear(&e);
	rc = csv_next(c, &row, &e);
	if (rc != 1)
		fail_msg("csv_next: %d %s %s, want a row at line %zu", rc, e.key, e.msg, line);
	assert_int_equal(row.line, line);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL)
		assert_field(&row, i++, want);
	va_end(ap);
	assert_int_equal(row.n, i);
}

static void
expect_end(struct csv *c)
{
	struct csv_row row;
	struct anju_err e;

	assert_int_equal(csv_next(c, &row, &e), 0);
	assert_int_equal(csv_next(c, &row, &e), 0); /* and stays there */
}

/* Expects an error with key and "第<line>行" in the message, twice. */
static void
expect_error(struct csv *c, int code, const char *key, size_t line)
{
	struct csv_row row;
	struct anju_err e;
	char where[32];

	snprintf(where, sizeof(where), "第%zu行", line);
	for (int i = 0; i < 2; i++) {
		anju_err_clear(&e);
		assert_int_equal(csv_next(c, &row, &e), code);
		assert_string_equal(e.key, key);
		assert_int_equal(e.code, code);
		if (strstr(e.msg, where) == NULL)
			fail_msg("message \"%s\" does not name %s", e.msg, where);
	}
}

static void
test_simple(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str("a,b,c\n1,2,3\n", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_UTF8);
	expect_row(c, 1, "a", "b", "c", NULL);
	expect_row(c, 2, "1", "2", "3", NULL);
	expect_end(c);
	csv_close(c);

	/* No newline at the end. */
	c = open_str("a,b\n1,2", CSV_UTF8, NULL);
	expect_row(c, 1, "a", "b", NULL);
	expect_row(c, 2, "1", "2", NULL);
	expect_end(c);
	csv_close(c);

	/* CRLF, and a lone CR as old Mac exports write. */
	c = open_str("a,b\r\n1,2\r\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "b", NULL);
	expect_row(c, 2, "1", "2", NULL);
	expect_end(c);
	csv_close(c);
	c = open_str("a\rb\r\nc\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", NULL);
	expect_row(c, 2, "b", NULL);
	expect_row(c, 3, "c", NULL);
	expect_end(c);
	csv_close(c);

	/* Spaces belong to the field. */
	c = open_str(" a , b ", CSV_AUTO, NULL);
	expect_row(c, 1, " a ", " b ", NULL);
	expect_end(c);
	csv_close(c);

	/* Nothing at all. */
	c = open_str("", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_UTF8);
	expect_end(c);
	csv_close(c);
	c = open_str("\r\n\n\r\n", CSV_AUTO, NULL);
	expect_end(c);
	csv_close(c);
	csv_close(NULL);
}

static void
test_empty_fields(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str(",,\na,,b\n\"\"\n\"\",\"\"\na,\n,a\n", CSV_AUTO, NULL);
	expect_row(c, 1, "", "", "", NULL);
	expect_row(c, 2, "a", "", "b", NULL);
	expect_row(c, 3, "", NULL);
	expect_row(c, 4, "", "", NULL);
	expect_row(c, 5, "a", "", NULL);
	expect_row(c, 6, "", "a", NULL);
	expect_end(c);
	csv_close(c);

	/* A trailing comma at the very end still makes an empty field. */
	c = open_str("a,", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "", NULL);
	expect_end(c);
	csv_close(c);
	c = open_str(",", CSV_AUTO, NULL);
	expect_row(c, 1, "", "", NULL);
	expect_end(c);
	csv_close(c);
}

static void
test_quotes(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str("\"a\",\"b,c\",\"d\"\"e\",\"\"\"\",\"x\"\"\"\"y\"\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "b,c", "d\"e", "\"", "x\"\"y", NULL);
	expect_end(c);
	csv_close(c);

	/* Line breaks inside quotes stay in the field, byte for byte, and
	 * count for the lines of the rows after. */
	c = open_str("x,\"line1\nline2\",y\nnext,\"a\r\nb\r\nc\"\nlast,\"\n\"\r\nend", CSV_AUTO,
		     NULL);
	expect_row(c, 1, "x", "line1\nline2", "y", NULL);
	expect_row(c, 3, "next", "a\r\nb\r\nc", NULL);
	expect_row(c, 6, "last", "\n", NULL);
	expect_row(c, 8, "end", NULL);
	expect_end(c);
	csv_close(c);

	/* A quoted field at the very end, and one that is only commas. */
	c = open_str("a,\"b\"", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "b", NULL);
	expect_end(c);
	csv_close(c);
	c = open_str("\",,,\"\r\n", CSV_AUTO, NULL);
	expect_row(c, 1, ",,,", NULL);
	expect_end(c);
	csv_close(c);

	/* UTF-8 in quotes and out. */
	c = open_str("小区,房号\n\"南苑公租房\",\"1-2-301，东\"\n", CSV_AUTO, NULL);
	expect_row(c, 1, "小区", "房号", NULL);
	expect_row(c, 2, "南苑公租房", "1-2-301，东", NULL);
	expect_end(c);
	csv_close(c);
}

static void
test_blank_lines(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str("a\n\nb\n\n\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", NULL);
	expect_row(c, 3, "b", NULL);
	expect_end(c);
	csv_close(c);

	/* The blank last line Excel leaves. */
	c = open_str("a,b\r\n1,2\r\n\r\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "b", NULL);
	expect_row(c, 2, "1", "2", NULL);
	expect_end(c);
	csv_close(c);

	/* Leading blank lines. */
	c = open_str("\n\r\n\ra,b", CSV_AUTO, NULL);
	expect_row(c, 4, "a", "b", NULL);
	expect_end(c);
	csv_close(c);
}

static void
test_bom(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str("\xEF\xBB\xBFname,unit\n张三,101\n", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_UTF8);
	expect_row(c, 1, "name", "unit", NULL);
	expect_row(c, 2, "张三", "101", NULL);
	expect_end(c);
	csv_close(c);

	c = open_str("\xEF\xBB\xBF", CSV_AUTO, NULL);
	expect_end(c);
	csv_close(c);

	c = open_str("\xEF\xBB\xBF\"q\",x", CSV_UTF8, NULL);
	expect_row(c, 1, "q", "x", NULL);
	expect_end(c);
	csv_close(c);

	/* Only at the very start is it a BOM. */
	c = open_str("a,\xEF\xBB\xBF"
		     "b",
		     CSV_AUTO, NULL);
	expect_row(c, 1, "a",
		   "\xEF\xBB\xBF"
		   "b",
		   NULL);
	csv_close(c);

	/* GB18030's own BOM (84 31 95 33) decodes to U+FEFF and goes too. */
	c = open_str("\x84\x31\x95\x33\xC4\xCF\xD4\xB7,1\r\n", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_GB18030);
	expect_row(c, 1, "南苑", "1", NULL);
	expect_end(c);
	csv_close(c);
}

/* UTF-8 text to GB18030 bytes with iconv, independent of the reader. */
static char *
to_gb18030(const char *utf8, size_t *n)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t inleft = strlen(utf8), cap = inleft * 2 + 16, outleft = cap;
	char *out = xmalloc(cap), *ip = (char *)utf8, *op = out;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1);
	assert_int_equal(inleft, 0);
	iconv_close(cd);
	*n = (size_t)(op - out);
	return out;
}

static void
test_gb18030(void **state)
{
	static const char text[] = "小区,楼栋,房号,备注\r\n"
				   "南苑公租房,1栋,101,\"有逗号，和\"\"引号\"\"\"\r\n"
				   "肖桥公租房,2栋,202,\"两行\r\n说明\"\r\n"
				   "长安花苑公租房,3栋,303,€ 䶮 😀\r\n";
	struct csv *c = NULL;
	struct anju_err e;
	char *gb;
	size_t n;

	(void)state;
	/* The hand-made bytes of 南苑. */
	c = open_str("\xC4\xCF\xD4\xB7", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_GB18030);
	expect_row(c, 1, "南苑", NULL);
	expect_end(c);
	csv_close(c);
	c = open_str("\xC4\xCF\xD4\xB7", CSV_GB18030, NULL);
	assert_int_equal(csv_encoding(c), CSV_GB18030);
	expect_row(c, 1, "南苑", NULL);
	csv_close(c);

	gb = to_gb18030(text, &n);
	assert_false(n == strlen(text) && memcmp(gb, text, n) == 0);
	for (int enc = CSV_AUTO; enc <= CSV_GB18030; enc += 2) {
		anju_err_clear(&e);
		assert_int_equal(csv_open(gb, n, (enum csv_encoding)enc, NULL, &c, &e), 0);
		assert_int_equal(csv_encoding(c), CSV_GB18030);
		expect_row(c, 1, "小区", "楼栋", "房号", "备注", NULL);
		expect_row(c, 2, "南苑公租房", "1栋", "101", "有逗号，和\"引号\"", NULL);
		expect_row(c, 3, "肖桥公租房", "2栋", "202", "两行\r\n说明", NULL);
		expect_row(c, 5, "长安花苑公租房", "3栋", "303", "€ 䶮 😀", NULL);
		expect_end(c);
		csv_close(c);
	}
	/* Told it is UTF-8, the same bytes are refused. */
	c = (struct csv *)1;
	anju_err_clear(&e);
	assert_int_equal(csv_open(gb, n, CSV_UTF8, NULL, &c, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "csv_encoding");
	assert_null(c);
	free(gb);

	/* Valid UTF-8 stays UTF-8 under CSV_AUTO. */
	c = open_str("南苑,1", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_UTF8);
	expect_row(c, 1, "南苑", "1", NULL);
	csv_close(c);
	/* Forced GB18030 on ASCII is harmless. */
	c = open_str("a,b", CSV_GB18030, NULL);
	expect_row(c, 1, "a", "b", NULL);
	csv_close(c);
}

static void
test_bad_encoding(void **state)
{
	static const char *const not_gb[] = {
		"\xFF\xFF",     /* 0xFF never starts a GB18030 character */
		"ab\xC4",       /* cut in the middle of a character */
		"\x81\x30\x81", /* cut four-byte sequence */
		"\x80",
	};
	static const char *const not_utf8[] = {
		"\xC0\xAF",         /* overlong '/' */
		"\xE0\x80\xAF",     /* overlong */
		"\xED\xA0\x80",     /* surrogate */
		"\xF4\x90\x80\x80", /* above U+10FFFF */
		"\xE5\xBC",         /* cut */
		"\xC4\xCF\xD4\xB7", /* GB18030 */
	};
	struct csv *c;
	struct anju_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(not_gb) / sizeof(not_gb[0]); i++) {
		for (int enc = CSV_AUTO; enc <= CSV_GB18030; enc += 2) {
			c = (struct csv *)1;
			anju_err_clear(&e);
			assert_int_equal(csv_open(not_gb[i], strlen(not_gb[i]),
						  (enum csv_encoding)enc, NULL, &c, &e),
					 ANJU_EINVAL);
			assert_string_equal(e.key, "csv_encoding");
			assert_null(c);
		}
	}
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		anju_err_clear(&e);
		assert_int_equal(csv_open(not_utf8[i], strlen(not_utf8[i]), CSV_UTF8, NULL, &c, &e),
				 ANJU_EINVAL);
		assert_string_equal(e.key, "csv_encoding");
	}
	/* Beyond the BMP and at U+10FFFF: valid UTF-8. */
	c = open_str("\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF", CSV_AUTO, NULL);
	assert_int_equal(csv_encoding(c), CSV_UTF8);
	csv_close(c);
	/* NULL data with no bytes is an empty file. */
	assert_int_equal(csv_open(NULL, 0, CSV_AUTO, NULL, &c, NULL), 0);
	expect_end(c);
	csv_close(c);
	assert_int_equal(csv_open(NULL, 0, CSV_GB18030, NULL, &c, NULL), 0);
	expect_end(c);
	csv_close(c);
}

static void
test_errors(void **state)
{
	struct csv *c;

	(void)state;
	c = open_str("a,b\nc,\"d\ne,f\n", CSV_AUTO, NULL);
	expect_row(c, 1, "a", "b", NULL);
	expect_error(c, ANJU_EINVAL, "csv_unterminated_quote", 2);
	csv_close(c);

	/* The line where the quote opened, after a multi-line row. */
	c = open_str("h\n\"x\ny\",z\n\n\"open\nmore\nmore", CSV_AUTO, NULL);
	expect_row(c, 1, "h", NULL);
	expect_row(c, 2, "x\ny", "z", NULL);
	expect_error(c, ANJU_EINVAL, "csv_unterminated_quote", 5);
	csv_close(c);

	c = open_str("\"", CSV_AUTO, NULL);
	expect_error(c, ANJU_EINVAL, "csv_unterminated_quote", 1);
	csv_close(c);
	c = open_str("a,\"b\"\"", CSV_AUTO, NULL);
	expect_error(c, ANJU_EINVAL, "csv_unterminated_quote", 1);
	csv_close(c);

	/* Junk after a closing quote, on the line where it is. */
	c = open_str("ok\n\"a\"b,c\n", CSV_AUTO, NULL);
	expect_row(c, 1, "ok", NULL);
	expect_error(c, ANJU_EINVAL, "csv_bad_quote", 2);
	csv_close(c);
	c = open_str("\"a\" ,b", CSV_AUTO, NULL);
	expect_error(c, ANJU_EINVAL, "csv_bad_quote", 1);
	csv_close(c);
	c = open_str("x,\"two\nlines\"junk", CSV_AUTO, NULL);
	expect_error(c, ANJU_EINVAL, "csv_bad_quote", 2);
	csv_close(c);
	/* A quote inside an unquoted field. */
	c = open_str("1,ab\"c\n", CSV_AUTO, NULL);
	expect_error(c, ANJU_EINVAL, "csv_bad_quote", 1);
	csv_close(c);
	c = open_str("a\n\n b \"c\",d", CSV_AUTO, NULL);
	expect_row(c, 1, "a", NULL);
	expect_error(c, ANJU_EINVAL, "csv_bad_quote", 3);
	csv_close(c);
}

static void
test_limits(void **state)
{
	struct csv_limits lim = { 5, 3, 2 };
	struct csv *c;

	(void)state;
	c = open_str("12345,\"ab\"\"cd\",x\n", CSV_AUTO, &lim);
	expect_row(c, 1, "12345", "ab\"cd", "x", NULL);
	expect_end(c);
	csv_close(c);

	c = open_str("a\n12345,123456\n", CSV_AUTO, &lim);
	expect_row(c, 1, "a", NULL);
	expect_error(c, ANJU_ETOOBIG, "csv_field_too_long", 2);
	csv_close(c);
	/* Too long after unescaping, and for a field that spans lines. */
	c = open_str("\"ab\"\"cde\"", CSV_AUTO, &lim);
	expect_error(c, ANJU_ETOOBIG, "csv_field_too_long", 1);
	csv_close(c);
	c = open_str("x\n\"a\nb\ncdef\"", CSV_AUTO, &lim);
	expect_row(c, 1, "x", NULL);
	expect_error(c, ANJU_ETOOBIG, "csv_field_too_long", 2);
	csv_close(c);

	c = open_str("a,b,c\na,b,c,d\n", CSV_AUTO, &lim);
	expect_row(c, 1, "a", "b", "c", NULL);
	expect_error(c, ANJU_ETOOBIG, "csv_too_many_fields", 2);
	csv_close(c);
	c = open_str(",,,", CSV_AUTO, &lim);
	expect_error(c, ANJU_ETOOBIG, "csv_too_many_fields", 1);
	csv_close(c);

	c = open_str("h\n1\n\n2\n", CSV_AUTO, &lim);
	expect_row(c, 1, "h", NULL);
	expect_row(c, 2, "1", NULL);
	expect_error(c, ANJU_ETOOBIG, "csv_too_many_rows", 4);
	csv_close(c);
	/* Exactly max_rows rows, then blank lines: no error. */
	c = open_str("h\n1\n\n\r\n", CSV_AUTO, &lim);
	expect_row(c, 1, "h", NULL);
	expect_row(c, 2, "1", NULL);
	expect_end(c);
	csv_close(c);

	/* Zero members take the defaults. */
	lim = (struct csv_limits){ 0, 0, 0 };
	c = open_str("a,b", CSV_AUTO, &lim);
	expect_row(c, 1, "a", "b", NULL);
	csv_close(c);
}

/* With no limits given, 1000 fields are fine and 1001 are not. */
static void
test_default_limits(void **state)
{
	struct csv_row row;
	struct anju_err e;
	struct csv *c;
	char *s = xmalloc(4000);

	(void)state;
	for (int i = 0; i < 1000; i++) {
		s[2 * i] = (char)('a' + i % 26);
		s[2 * i + 1] = ',';
	}
	s[1999] = '\n';
	assert_int_equal(csv_open(s, 2000, CSV_AUTO, NULL, &c, &e), 0);
	assert_int_equal(csv_next(c, &row, &e), 1);
	assert_int_equal(row.n, 1000);
	assert_field(&row, 999, "l");
	csv_close(c);
	s[1999] = ',';
	s[2000] = 'x';
	assert_int_equal(csv_open(s, 2001, CSV_AUTO, NULL, &c, &e), 0);
	assert_int_equal(csv_next(c, &row, &e), ANJU_ETOOBIG);
	assert_string_equal(e.key, "csv_too_many_fields");
	csv_close(c);
	free(s);
}

/* The reader keeps its own copy: the caller's bytes may go at once. */
static void
test_owns_copy(void **state)
{
	const char text[] = "a,\"b\"\"c\"\nd,e\n";
	char *data = xmalloc(sizeof(text));
	struct csv *c;
	struct csv_row row;
	struct str first;

	(void)state;
	memcpy(data, text, sizeof(text));
	assert_int_equal(csv_open(data, sizeof(text) - 1, CSV_UTF8, NULL, &c, NULL), 0);
	memset(data, 'z', sizeof(text));
	free(data);
	assert_int_equal(csv_next(c, &row, NULL), 1);
	first = row.fields[1];
	assert_true(first.n == 3 && memcmp(first.p, "b\"c", 3) == 0);
	expect_row(c, 2, "d", "e", NULL);
	expect_end(c);
	csv_close(c);

	/* Embedded NUL bytes are data, not ends. */
	assert_int_equal(csv_open("a\0b,c", 5, CSV_AUTO, NULL, &c, NULL), 0);
	assert_int_equal(csv_next(c, &row, NULL), 1);
	assert_int_equal(row.n, 2);
	assert_true(row.fields[0].n == 3 && memcmp(row.fields[0].p, "a\0b", 3) == 0);
	csv_close(c);
}

/* Random tables written the way Excel writes them read back the same. */
static void
test_round_trip(void **state)
{
	static const char *const atoms[] = {
		"a", "Z", "1", " ", ",", "\"", "\n", "\r\n", "南", "苑", "，", "😀", "x y", "",
	};
	uint64_t x = 0x2545F4914F6CDD1Du;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct buf out;
		char *want[20][8];
		size_t want_len[20][8], nrows, nf[20];
		struct csv *c;
		struct csv_row row;
		struct anju_err e;

		buf_init(&out, 0);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nrows = 1 + x % 20;
		for (size_t r = 0; r < nrows; r++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			nf[r] = 1 + x % 8;
			for (size_t f = 0; f < nf[r]; f++) {
				struct buf v;
				size_t natoms;
				bool quote;

				buf_init(&v, 0);
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				natoms = x % 6;
				for (size_t k = 0; k < natoms; k++) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					buf_adds(&v, atoms[x % (sizeof(atoms) / sizeof(atoms[0]))]);
				}
				/* A lone empty field would be a blank line: quote it. */
				quote = (x >> 20) & 1 || (nf[r] == 1 && v.n == 0) ||
					strpbrk(v.p ? v.p : "", ",\"\r\n") != NULL;
				if (f > 0)
					buf_addc(&out, ',');
				if (quote) {
					buf_addc(&out, '"');
					for (size_t k = 0; k < v.n; k++) {
						if (v.p[k] == '"')
							buf_addc(&out, '"');
						buf_addc(&out, v.p[k]);
					}
					buf_addc(&out, '"');
				} else if (v.n) {
					buf_add(&out, v.p, v.n);
				}
				want_len[r][f] = v.n;
				want[r][f] = buf_take(&v, NULL);
			}
			if (r + 1 < nrows || (x >> 30) & 1)
				buf_adds(&out, (x >> 31) & 1 ? "\r\n" : "\n");
		}

		assert_int_equal(csv_open(out.p, out.n, CSV_AUTO, NULL, &c, &e), 0);
		for (size_t r = 0; r < nrows; r++) {
			assert_int_equal(csv_next(c, &row, &e), 1);
			assert_int_equal(row.n, nf[r]);
			for (size_t f = 0; f < nf[r]; f++) {
				assert_int_equal(row.fields[f].n, want_len[r][f]);
				assert_memory_equal(row.fields[f].p, want[r][f], want_len[r][f]);
				free(want[r][f]);
			}
		}
		assert_int_equal(csv_next(c, &row, &e), 0);
		csv_close(c);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),       cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_quotes),       cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_bom),          cmocka_unit_test(test_gb18030),
		cmocka_unit_test(test_bad_encoding), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),       cmocka_unit_test(test_default_limits),
		cmocka_unit_test(test_owns_copy),    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
