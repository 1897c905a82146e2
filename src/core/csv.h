/*
 * CSV reader (RFC 4180): quoted fields with commas, doubled quotes and line
 * breaks, CRLF or LF, an optional UTF-8 BOM.  Files from Excel on Chinese
 * Windows come in GB18030: csv_open() decodes them to UTF-8 through iconv,
 * either because the caller says so or, with CSV_AUTO, because the data is not
 * valid UTF-8.  Limits on field size, fields per row and rows are the
 * caller's, checked before anything grows.
 */
#ifndef ANJU_CORE_CSV_H
#define ANJU_CORE_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum csv_encoding {
	CSV_AUTO, /* UTF-8 if it is valid UTF-8, else GB18030 */
	CSV_UTF8,
	CSV_GB18030,
};

struct csv_limits {
	size_t max_field;  /* bytes in one field (after decoding) */
	size_t max_fields; /* fields in one row */
	size_t max_rows;   /* rows in the file, header included */
};

struct csv_row {
	size_t line;        /* 1-based line where the row starts */
	size_t n;           /* number of fields */
	struct str *fields; /* valid until the next csv_next() or csv_close() */
};

struct csv;

/* Opens a reader over data (copied or decoded; data may be freed after).
 * lim NULL, or a zero member, means the default: 1 MiB per field, 1000
 * fields, 1,000,000 rows.  CSV_UTF8 data must be valid UTF-8.
 * 0, or ANJU_EINVAL ("csv_encoding": not decodable). */
int csv_open(const char *data, size_t n, enum csv_encoding enc, const struct csv_limits *lim,
	     struct csv **out, struct anju_err *e);
/* Reads the next row: 1 with *row filled, 0 at the end, or a negative code
 * with e->key "csv_unterminated_quote", "csv_bad_quote" (text after a closing
 * quote, or a quote inside an unquoted field): ANJU_EINVAL; "csv_field_too_long",
 * "csv_too_many_fields", "csv_too_many_rows": ANJU_ETOOBIG; and e->msg naming
 * the line ("第N行").  Lines end in CRLF, LF or a lone CR; empty lines are
 * skipped but counted (a row of one empty field is written as "").  After an
 * error every later call returns the same error. */
int csv_next(struct csv *c, struct csv_row *row, struct anju_err *e);
/* The encoding found (CSV_UTF8 or CSV_GB18030). */
enum csv_encoding csv_encoding(const struct csv *c);
void csv_close(struct csv *c);

#endif
