/*
 * libFuzzer target for the row validation of imports (transfer/): the
 * first byte picks units or households and CSV or JSON rows, the rest is
 * the file.  It is read into a sheet (sheet.c) and parsed into records
 * (rows.c), which runs the domain modules' own unit_validate and
 * household_validate on every clean row: everything an import does before
 * it touches the database.
 *
 * Besides the sanitizers, it checks the report's contracts: an unusable
 * file is reported, never silent; every error has a reason and a column in
 * valid UTF-8 and a row that is not negative and, for a record's error, is
 * one of that record's rows; no report passes TRANSFER_MAX_ERRORS; a
 * record without errors has what publishing needs (a unit's number and
 * areas, a household of 1 to 20 members with its head first).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "transfer/transfer_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_import: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = s[i];
		size_t len = b < 0x80                 ? 1
			     : b >= 0xC2 && b <= 0xDF ? 2
			     : b >= 0xE0 && b <= 0xEF ? 3
			     : b >= 0xF0 && b <= 0xF4 ? 4
						      : 0;

		if (len == 0 || n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static void
check_report(const struct report *r)
{
	if (r->n > TRANSFER_MAX_ERRORS)
		broken("%zu errors kept", r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct report_item *it = &r->items[i];

		if (it->reason == NULL || it->reason[0] == '\0' || it->col == NULL)
			broken("error %zu has no reason or column", i);
		if (!utf8_ok((const unsigned char *)it->reason, strlen(it->reason)) ||
		    !utf8_ok((const unsigned char *)it->col, strlen(it->col)))
			broken("error %zu is not UTF-8", i);
		if (it->row < 0)
			broken("error %zu names row %lld", i, (long long)it->row);
	}
}

static void
check_units(const struct unit_sheet *u, const struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->recs[i] >= 0 && (size_t)r->recs[i] < u->n &&
		    r->items[i].row != u->recs[r->recs[i]].line)
			broken("unit %lld's error is on row %lld, not %lld", (long long)r->recs[i],
			       (long long)r->items[i].row, (long long)u->recs[r->recs[i]].line);
	for (size_t i = 0; i < u->n; i++) {
		const struct unit_rec *rec = &u->recs[i];

		if (rec->errors > 0)
			continue;
		if (rec->in.number == NULL || rec->in.number[0] == '\0' ||
		    rec->community[0] == '\0' || rec->building[0] == '\0' ||
		    rec->in.usable_area < 1 || rec->in.usable_area > rec->in.floor_area)
			broken("unit on row %lld passed without what it needs",
			       (long long)rec->line);
	}
}

static void
check_households(const struct household_sheet *h, const struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct household_rec *rec;
		int found = 0;

		if (r->recs[i] < 0 || (size_t)r->recs[i] >= h->n)
			continue;
		rec = &h->recs[r->recs[i]];
		for (int k = 0; k < rec->in.nmembers; k++)
			found |= rec->lines[k] == r->items[i].row;
		if (!found && rec->in.nmembers < 20)
			broken("household %lld's error is on row %lld, none of its rows",
			       (long long)r->recs[i], (long long)r->items[i].row);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct household_rec *rec = &h->recs[i];

		if (rec->errors > 0)
			continue;
		if (rec->in.nmembers < 1 || rec->in.nmembers > 20 ||
		    strcmp(rec->members[0].relationship, "head") != 0 || rec->key[0] == '\0')
			broken("household %s passed without a head first", rec->key);
		for (int k = 1; k < rec->in.nmembers; k++)
			if (strcmp(rec->members[k].relationship, "head") == 0)
				broken("household %s passed with two heads", rec->key);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct sheet s;
	struct report r;
	int households, rows, rc;

	if (size < 1)
		return 0;
	households = data[0] & 1;
	rows = data[0] & 2;
	data++;
	size--;
	a = arena_new();
	report_init(&r, a);
	rc = rows ? sheet_from_rows(&s, (const char *)data, size, a, &r)
		  : sheet_from_csv(&s, (const char *)data, size, a, &r);
	if (rc != 0 && r.n == 0)
		broken("an unusable file without an error");
	check_report(&r);
	if (rc == 0) {
		if (households) {
			struct household_sheet h;

			rc = households_parse(&s, &h, &r);
			if (rc == 0)
				check_households(&h, &r);
		} else {
			struct unit_sheet u;

			rc = units_parse(&s, &u, &r);
			if (rc == 0)
				check_units(&u, &r);
		}
		if (rc != 0 && r.n == 0)
			broken("an unusable header without an error");
		check_report(&r);
	}
	sheet_free(&s);
	report_free(&r);
	arena_free(a);
	return 0;
}
