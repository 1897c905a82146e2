/*
 * xlsx cells, and workbooks made in memory.  See xlsx.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transfer/xlsx.h"

void
xlsx_write_fen(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t fen, lxw_format *format)
{
	worksheet_write_number(ws, row, col, (double)fen / 100.0, format);
}

lxw_workbook *
xlsx_temp_new(char path[XLSX_TEMP_PATH_MAX], struct anju_err *e)
{
	const char *tmp = getenv("TMPDIR");
	lxw_workbook *wb;
	int fd;

	snprintf(path, XLSX_TEMP_PATH_MAX, "%s/anju-xlsx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		anju_fail(e, ANJU_EIO, NULL, NULL, "mkstemp: %s", strerror(errno));
		return NULL;
	}
	close(fd);
	if ((wb = workbook_new(path)) == NULL) {
		unlink(path);
		anju_fail(e, ANJU_EIO, NULL, NULL, "cannot start the workbook");
	}
	return wb;
}

int
xlsx_temp_finish(lxw_workbook *wb, const char *path, struct buf *out, struct anju_err *e)
{
	char chunk[65536];
	ssize_t n;
	int fd = -1, rc = 0;

	if (workbook_close(wb) != LXW_NO_ERROR) {
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "the workbook could not be written");
		goto out;
	}
	/* libxlsxwriter wrote the file by its name: read what is there now. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "open: %s", strerror(errno));
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = anju_fail(e, ANJU_EIO, NULL, NULL, "read: %s", strerror(errno));
			goto out;
		}
		if (buf_add(out, chunk, (size_t)n) != 0) {
			rc = anju_fail(e, ANJU_ETOOBIG, "report_too_large", NULL,
				       "报表过大，请缩小范围");
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return rc;
}
