/*
 * Merging the timeline sources' events.  See timeline.h.
 */
#include <stdlib.h>
#include <string.h>

#include "dossier/timeline.h"

static int
newest_first(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *ax = json_string_value(json_object_get(x, "at"));
	const char *ay = json_string_value(json_object_get(y, "at"));
	int c = strcmp(ay ? ay : "", ax ? ax : "");

	if (c != 0)
		return c;
	/* Same instant: keep a stable, reproducible order. */
	return strcmp(json_string_value(json_object_get(y, "action")) ?: "",
		      json_string_value(json_object_get(x, "action")) ?: "");
}

int
timeline_build(struct db *db, const struct caller *c, const struct timeline_ref *refs, int nrefs,
	       int limit, json_t **out, struct anju_err *e)
{
	json_t *events = json_array(), *sorted;
	json_t **v = NULL;
	size_t n, i;
	int rc;

	*out = NULL;
	if (limit < 1 || limit > TIMELINE_MAX)
		limit = TIMELINE_MAX;
	for (const struct timeline_source *const *s = timeline_sources; *s != NULL; s++) {
		if ((rc = (*s)->collect(db, c, refs, nrefs, limit, events, e)) != 0) {
			json_decref(events);
			return rc;
		}
	}
	n = json_array_size(events);
	if (n > 0) {
		v = calloc(n, sizeof *v);
		if (v == NULL)
			abort();
		for (i = 0; i < n; i++)
			v[i] = json_array_get(events, i);
		qsort(v, n, sizeof *v, newest_first);
	}
	sorted = json_array();
	for (i = 0; i < n && i < (size_t)limit; i++)
		json_array_append(sorted, v[i]);
	free(v);
	json_decref(events);
	*out = sorted;
	return 0;
}
