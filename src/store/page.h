/*
 * Keyset pages of rows as JSON: the one loop behind every list endpoint.
 * The statement is ordered by id (column 0) and bound with LIMIT limit + 1,
 * so one extra row tells whether another page follows.
 */
#ifndef ANJU_STORE_PAGE_H
#define ANJU_STORE_PAGE_H

#include <jansson.h>
#include <stdint.h>

struct db_stmt;

/* Makes one item of the page from the current row. */
typedef json_t *(*page_row_fn)(struct db_stmt *st, void *ud);

/* Steps st into *items (a new array of at most limit items made by row) and
 * resets it; *next is the id of the last item when more rows follow, else 0.
 * 0, or db_step's negative code (then *items is NULL). */
int page_collect(struct db_stmt *st, int limit, page_row_fn row, void *ud, json_t **items,
		 int64_t *next);

#endif
