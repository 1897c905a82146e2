/*
 * xlsx cells.  See xlsx.h.
 */
#include "transfer/xlsx.h"

void
xlsx_write_fen(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t fen, lxw_format *format)
{
	worksheet_write_number(ws, row, col, (double)fen / 100.0, format);
}
