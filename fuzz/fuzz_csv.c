/*
 * libFuzzer target for CSV imports: csv_open() with CSV_AUTO (UTF-8, else
 * GB18030 through iconv) and small limits, then csv_next() to the end or the
 * first error.  Small limits make the limit paths as reachable as the
 * parsing ones.
 *
 * Besides the sanitizers, it checks csv.h's contracts: every field is read
 * whole (ASan sees a slice that runs past its buffer) and is valid UTF-8; no
 * field, row or file passes its limit; line numbers only go forward; an
 * error carries a key and is repeated by the next call; the end stays the end.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct csv_limits limits = {
	.max_field = 64,
	.max_fields = 16,
	.max_rows = 32,
};

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF): what
 * every field must be once the reader has decoded the file. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = s[i];
		size_t len = 0;
		uint32_t cp;

		if (b < 0x80)
			len = 1;
		else if (b >= 0xC2 && b <= 0xDF)
			len = 2;
		else if (b >= 0xE0 && b <= 0xEF)
			len = 3;
		else if (b >= 0xF0 && b <= 0xF4)
			len = 4;
		if (len == 0 || n - i < len)
			return 0;
		cp = len == 1 ? b : b & (0x7F >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* A broken contract: says which, then stops the run as a crash. */
static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_csv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv *c = NULL;
	struct csv_row row;
	struct anju_err e, again;
	size_t rows = 0, last_line = 0;
	int rc;

	anju_err_clear(&e);
	if (csv_open((const char *)data, size, CSV_AUTO, &limits, &c, &e) != 0) {
		if (c != NULL || strcmp(e.key, "csv_encoding") != 0)
			broken("csv_open() failed with key \"%s\"", e.key);
		return 0;
	}
	if (csv_encoding(c) != CSV_UTF8 && csv_encoding(c) != CSV_GB18030)
		broken("csv_encoding() is %d", (int)csv_encoding(c));
	while ((rc = csv_next(c, &row, &e)) == 1) {
		if (++rows > limits.max_rows)
			broken("row %zu passes max_rows", rows);
		if (row.n == 0 || row.n > limits.max_fields)
			broken("row %zu has %zu fields", rows, row.n);
		if (row.line <= last_line)
			broken("row %zu starts on line %zu after line %zu", rows, row.line,
			       last_line);
		last_line = row.line;
		for (size_t i = 0; i < row.n; i++) {
			if (row.fields[i].n > limits.max_field)
				broken("line %zu field %zu has %zu bytes", row.line, i,
				       row.fields[i].n);
			if (!utf8_ok((const unsigned char *)row.fields[i].p, row.fields[i].n))
				broken("line %zu field %zu is not UTF-8", row.line, i);
		}
	}
	if (rc == 0) {
		if (csv_next(c, &row, &e) != 0)
			broken("csv_next() after the end did not return 0");
	} else {
		if (rc > 0 || strncmp(e.key, "csv_", 4) != 0)
			broken("csv_next() returned %d with key \"%s\"", rc, e.key);
		anju_err_clear(&again);
		if (csv_next(c, &row, &again) != rc || strcmp(again.key, e.key) != 0)
			broken("csv_next() did not repeat its error \"%s\"", e.key);
	}
	csv_close(c);
	return 0;
}
