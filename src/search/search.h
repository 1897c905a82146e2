/*
 * The search box: one query string, answered with the households, people
 * and units it names, each only through an index and each within the
 * caller's scope.  What q is taken for:
 *   - a resident ID number (18 characters, or a legacy 15, passing GB 11643):
 *     that person, exactly, through the blind index;
 *   - 7 to 15 digits (spaces, '-' and '+' allowed between them): the people
 *     with that phone, exactly, and the units whose number starts with q;
 *   - letters, digits and '-' with at least one digit ("3-2-1502", "3-2"):
 *     the units whose number starts with q;
 *   - anything else: the people whose name starts with q.
 * The households are the active households of the people found.  Tenants do
 * not search; a person is seen as household.h says.
 */
#ifndef ANJU_SEARCH_SEARCH_H
#define ANJU_SEARCH_SEARCH_H

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;

/* At most this many of each kind. */
#define SEARCH_LIMIT 20
/* The longest query, in bytes. */
#define SEARCH_Q_MAX 64

/* What q is taken for (see above). */
enum search_kind {
	SEARCH_ID_NUMBER,
	SEARCH_PHONE,
	SEARCH_UNIT,
	SEARCH_NAME,
};
/* Classifies q (trimmed) and normalises it into norm (an ID number as
 * idnum_parse() gives it, a phone's digits, or q trimmed). */
enum search_kind search_classify(const char *q, char norm[SEARCH_Q_MAX + 1]);

/* {"kind": ..., "persons": [Person], "households": [HouseholdSummary],
 * "units": [Unit]} for q, written as JSON text to out (a search's reply is
 * written as it is read: see core/jsonw.h).  0, ANJU_EINVAL (an empty or
 * too long q), or a storage error; out holds a partial text then. */
int search_run(struct db *db, const struct caller *c, const char *q, struct buf *out,
	       struct anju_err *e);

#endif
