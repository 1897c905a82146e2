/*
 * What the transfer module's files share and nobody else uses: the sheet an
 * import reads (from CSV or from JSON rows), its columns, the records made
 * from its rows, and the error report being built.  Everything here is pure
 * (no database), so the fuzz target (fuzz/fuzz_import.c) runs it whole.
 */
#ifndef ANJU_TRANSFER_TRANSFER_INT_H
#define ANJU_TRANSFER_TRANSFER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "household/household.h"
#include "housing/housing.h"
#include "transfer/transfer.h"

struct arena;

/* Bytes in one cell, after decoding; cells in one row. */
#define SHEET_MAX_CELL  TRANSFER_MAX_CELL
#define SHEET_MAX_CELLS TRANSFER_MAX_COLUMNS

/* One row of the file: the line it starts on (the header is 1), its cells
 * trimmed of ASCII white space, NUL-terminated, from the sheet's arena. */
struct sheet_row {
	int64_t line;
	size_t n;
	const char **cells;
};

struct sheet {
	struct arena *a;
	struct sheet_row header;
	struct sheet_row *rows; /* the data rows; rows whose every cell is empty are left out */
	size_t nrows;
};

/* One error of the report. */
struct report_item {
	int64_t row;        /* 0: the file as a whole */
	const char *col;    /* as the file names it, or the column's Chinese name; "" */
	const char *reason; /* zh-CN, never a full ID number */
};

/* Errors per record (rec >= 0) or of the whole file (rec -1), in order. */
struct report {
	struct arena *a;
	struct report_item *items;
	int64_t *recs;
	size_t n, cap;
	bool full; /* TRANSFER_MAX_ERRORS reached: later errors are dropped */
};

void report_init(struct report *r, struct arena *a);
void report_free(struct report *r);
void report_add(struct report *r, int64_t rec, int64_t row, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Reads a CSV file (UTF-8 or GB18030) or the JSON of {"header", "rows"}
 * into s (allocated from a).  A file that cannot be read (bad encoding, a
 * broken quote, too big) is reported as one error and gives -1; else 0. */
int sheet_from_csv(struct sheet *s, const char *data, size_t n, struct arena *a, struct report *r);
int sheet_from_rows(struct sheet *s, const char *json, size_t n, struct arena *a, struct report *r);
/* Frees the rows array (the cells live in the arena). */
void sheet_free(struct sheet *s);

/* The columns of an import: Chinese header, English header, required. */
struct column_def {
	const char *zh, *en;
	bool required;
};

enum unit_column {
	UC_COMMUNITY,
	UC_BUILDING,
	UC_ENTRANCE,
	UC_FLOOR,
	UC_NUMBER,
	UC_LAYOUT,
	UC_FLOOR_AREA,
	UC_USABLE_AREA,
	UC_ORIENTATION,
	UC_COUNT,
};

enum household_column {
	HC_KEY,
	HC_COMMUNITY,
	HC_CATEGORY,
	HC_HUKOU,
	HC_EMPLOYER,
	HC_INCOME,
	HC_ASSETS,
	HC_ASSETS_NOTE,
	HC_HOUSING,
	HC_NAME,
	HC_ID_NUMBER,
	HC_PHONE,
	HC_RELATIONSHIP,
	HC_COUNT,
};

#define COLUMNS_MAX 16

extern const struct column_def unit_columns[UC_COUNT];
extern const struct column_def household_columns[HC_COUNT];

/* Where each column is in the file (-1: absent) and what the file calls it. */
struct column_map {
	const struct column_def *defs;
	int ndefs;
	int at[COLUMNS_MAX];
	const char *title[COLUMNS_MAX];
};

/* A unit row: the names it gives and the unit it describes (building_id 0
 * until looked up). */
struct unit_rec {
	int64_t line;
	const char *community, *building;
	struct unit_in in;
	int errors; /* reported so far */
};

/* A household: the rows of one 户号, its head first. */
struct household_rec {
	const char *key;
	const char *community, *category; /* as written: a category's name or code */
	struct household_in in;           /* community_id 0 and category NULL until looked up */
	struct member_in *members;
	int64_t *lines; /* each member's row */
	int errors;
};

struct unit_sheet {
	struct column_map cols;
	struct unit_rec *recs;
	size_t n;
};

struct household_sheet {
	struct column_map cols;
	struct household_rec *recs;
	size_t n;
};

/* Maps the header, parses every row and checks what needs no database:
 * the values (unit_validate, household_validate), one head per household,
 * a unit number or an ID number given twice in the file.  Errors go to r
 * by record.  -1 when the header is unusable (reported), else 0 (records
 * may have errors: their errors member counts them). */
int units_parse(const struct sheet *s, struct unit_sheet *out, struct report *r);
int households_parse(const struct sheet *s, struct household_sheet *out, struct report *r);

/* The column a domain module's error field names ("floor_area",
 * "members[2].id_number"), for the report: its title and the row.  A
 * field it does not know is the record's first row with column "". */
const char *unit_field_column(const struct unit_sheet *u, const char *field);
void household_field_place(const struct household_sheet *h, const struct household_rec *rec,
			   const char *field, const char **col, int64_t *row);

/* "12.5" yuan or m², at most two decimals, into hundredths (fen or
 * hundredths of m²).  0 or -1. */
int hundredths_parse(const char *s, int64_t *out);

#endif
