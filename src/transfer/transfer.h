/*
 * Imports and exports of the housing stock and of households (issue 4
 * section 7).
 *
 * An import is a job.  Its input (a CSV file in UTF-8 or GB18030, or the
 * rows of a spreadsheet the console read with exceljs) is stored sealed
 * with the job; the job validates every row, with progress, through the
 * domain modules' own checks (unit_validate, household_validate) and
 * look-ups, and stages each valid record (job_stage).  Any error refuses
 * the whole import: the job fails and its error report names each bad
 * row, column and reason; nothing is published.  Otherwise every record is
 * published in one transaction through unit_create / household_create.
 * Natural keys make a re-import a no-op: a unit is (community, number), a
 * household its head's ID number.
 *
 * An export is a job too: it writes an xlsx through unit_each /
 * household_each (masked per the maker's role) and keeps it sealed for
 * its maker.
 *
 * Reports and exports are personal data: only the principal who made the
 * transfer may read them (anyone else: ANJU_ENOTFOUND), and the daily purge
 * deletes them export_keep_hours after they were made.
 */
#ifndef ANJU_TRANSFER_TRANSFER_H
#define ANJU_TRANSFER_TRANSFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* The largest input an import takes (CSV bytes, or the JSON of its rows). */
#define TRANSFER_MAX_INPUT (64 * 1024 * 1024)
/* Rows an import takes at most, the header included. */
#define TRANSFER_MAX_ROWS 1000000
/* Errors a report keeps; validation stops at this many. */
#define TRANSFER_MAX_ERRORS 10000
/* Columns of a row, and bytes of a cell, at most. */
#define TRANSFER_MAX_COLUMNS 64
#define TRANSFER_MAX_CELL    4096

enum transfer_what {
	TRANSFER_UNITS,
	TRANSFER_HOUSEHOLDS,
};

/* "units" or "households": 0 or -1. */
int transfer_what_parse(const char *name, enum transfer_what *out);
const char *transfer_what_name(enum transfer_what w);

/* Who may import: bureau and operator_manager (and the command line). */
bool transfer_may_import(const struct caller *c);
/* Who may export: units, every business role but tenants; households,
 * bureau and operator_manager. */
bool transfer_may_export(const struct caller *c, enum transfer_what what);

enum transfer_format {
	TRANSFER_CSV,  /* RFC 4180, UTF-8 (a BOM is fine) or GB18030 */
	TRANSFER_ROWS, /* JSON {"header": [text...], "rows": [[text...]...]} */
};

/* Stores an import's input and queues its job, in the caller's transaction,
 * audited ("transfer.import").  c is who imports: bureau, operator_manager,
 * or the command line's system caller.  0, ANJU_ETOOBIG, ANJU_EINVAL
 * ("empty_file") or a storage error. */
int transfer_import_create(struct db *db, enum transfer_what what, enum transfer_format format,
			   const char *data, size_t n, const struct caller *c,
			   const struct audit_actor *who, int64_t *job_id, struct anju_err *e);

/* Lends this thread's own run of job_id the input it has just given
 * transfer_import_create() (the caller keeps data until the run ends, then
 * calls transfer_input_lend(0, NULL, 0)): the job parses those bytes instead
 * of opening its sealed copy again, which for a large file is a few percent
 * of the import.  A run in another thread or process, or a later one, opens
 * the sealed copy as always.  The command line's import uses it. */
void transfer_input_lend(int64_t job_id, const char *data, size_t n);

/* Queues an export of the units or households the caller may see
 * (community_id 0: every community in scope), audited ("transfer.export").
 * 0, ANJU_EFORBIDDEN (transfer_may_export), ANJU_ENOTFOUND (a community
 * outside the scope) or a storage error. */
int transfer_export_create(struct db *db, enum transfer_what what, int64_t community_id,
			   const struct caller *c, const struct audit_actor *who, int64_t *job_id,
			   struct anju_err *e);

/* The job of an import (export false) or export (true) that the caller
 * made, as the Job JSON of jobs/job.h: 0 or ANJU_ENOTFOUND ("import_not_found",
 * "export_not_found") for any other job and anyone else's. */
int transfer_job(struct db *db, const struct caller *c, int64_t job_id, bool export, json_t **out,
		 struct anju_err *e);

/* The error report of the caller's import: a page of {row, column, reason}
 * in the file's order after the cursor after_seq, *next the cursor of the
 * next page (0: the last), *total every error.  0 or ANJU_ENOTFOUND. */
int transfer_errors(struct db *db, const struct caller *c, int64_t job_id, int64_t after_seq,
		    int limit, json_t **items, int64_t *next, int64_t *total, struct anju_err *e);
/* The whole report as CSV (UTF-8 with a BOM, so Excel reads it; header
 * 行号,列,原因) appended to out.  0, ANJU_ENOTFOUND or ANJU_ETOOBIG. */
int transfer_errors_csv(struct db *db, const struct caller *c, int64_t job_id, struct buf *out,
			struct anju_err *e);

/* The caller's finished export: an open file descriptor positioned at the
 * start of the xlsx (the caller closes it; it is already unlinked), its
 * size, and its file name (from a).  0, ANJU_ENOTFOUND (not the caller's,
 * not finished, or purged) or ANJU_EIO. */
struct arena;
int transfer_export_open(struct db *db, const struct caller *c, int64_t job_id, struct arena *a,
			 int *fd, int64_t *size, const char **filename, struct anju_err *e);

/* Deletes every transfer (input, report, export) whose time is up at now_us
 * (export_keep_hours after it was made), for the purge job; *n counts them. */
int transfer_purge(struct db *db, int64_t now_us, int64_t *n, struct anju_err *e);

#endif
