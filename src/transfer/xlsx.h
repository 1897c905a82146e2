/*
 * Cells of xlsx workbooks (libxlsxwriter) shared by the exports and the
 * receipt books' write-off sheet.
 */
#ifndef ANJU_TRANSFER_XLSX_H
#define ANJU_TRANSFER_XLSX_H

#include <stdint.h>
#include <xlsxwriter.h>

#include "core/buf.h"
#include "core/err.h"

/* An amount in fen as a number of yuan (format it with "0.00").  An xlsx
 * number is an IEEE double: this is the one place money leaves int64 fen,
 * on its way out of the system; every amount below 2^53 fen (45 trillion
 * yuan) is written exactly to the fen.  Nothing reads it back. */
void xlsx_write_fen(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t fen,
		    lxw_format *format);

/* A workbook written into memory.  libxlsxwriter writes only to a named
 * file: xlsx_temp_new() makes one under $TMPDIR (its name into path) and
 * starts the workbook there, or returns NULL with e filled;
 * xlsx_temp_finish() closes the workbook, appends the file's bytes to out
 * (ANJU_ETOOBIG "report_too_large" past out's cap) and removes the file,
 * whatever happens. */
#define XLSX_TEMP_PATH_MAX 4096
lxw_workbook *xlsx_temp_new(char path[XLSX_TEMP_PATH_MAX], struct anju_err *e);
int xlsx_temp_finish(lxw_workbook *wb, const char *path, struct buf *out, struct anju_err *e);

#endif
