/*
 * Cells of xlsx workbooks (libxlsxwriter) shared by the exports and the
 * receipt books' write-off sheet.
 */
#ifndef ANJU_TRANSFER_XLSX_H
#define ANJU_TRANSFER_XLSX_H

#include <stdint.h>
#include <xlsxwriter.h>

/* An amount in fen as a number of yuan (format it with "0.00").  An xlsx
 * number is an IEEE double: this is the one place money leaves int64 fen,
 * on its way out of the system; every amount below 2^53 fen (45 trillion
 * yuan) is written exactly to the fen.  Nothing reads it back. */
void xlsx_write_fen(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t fen,
		    lxw_format *format);

#endif
