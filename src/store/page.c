/*
 * Keyset pages.  See page.h.
 */
#include "store/page.h"

#include "store/db.h"

int
page_collect(struct db_stmt *st, int limit, page_row_fn row, void *ud, json_t **items,
	     int64_t *next)
{
	int64_t last = 0;
	int n = 0, rc;

	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW && n < limit) {
		last = db_col_int64(st, 0);
		json_array_append_new(*items, row(st, ud));
		n++;
	}
	*next = rc == DB_ROW ? last : 0;
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}
