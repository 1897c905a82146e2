/*
 * Dossier timelines (一房一档, 一户一档): what happened to a unit, a household
 * or a person, newest first, gathered from every module that knows something.
 *
 * A module adds to every timeline by registering a source in sources.c's
 * timeline_sources[] (like api_modules and job_kinds); the dossier code never
 * changes for it.  A source is asked for the events of a set of objects (a
 * household's dossier asks for the household and each of its members'
 * persons) and appends at most limit of its newest ones.  The caller has
 * already been allowed to see the dossier's subject; a source that holds
 * rows of its own with a wider scope still filters them.  See
 * docs/dossiers.md.
 */
#ifndef ANJU_DOSSIER_TIMELINE_H
#define ANJU_DOSSIER_TIMELINE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;

/* One object a timeline covers: ("unit", 12), ("person", 7) ... */
struct timeline_ref {
	const char *type;
	int64_t id;
};

/*
 * An event is a JSON object:
 *   at           the instant (storage form, UTC), by which events are sorted
 *   source       the source's name
 *   action       a dotted verb: "unit.create", "lease.sign", "payment.receive"
 *   object_type, object_id   which of the refs it is about
 *   actor        who did it (a name), or null
 *   detail       an object: what changed ({"before": ..., "after": ...} for
 *                the audit trail), personal data masked
 */
struct timeline_source {
	const char *name;
	int (*collect)(struct db *db, const struct caller *c, const struct timeline_ref *refs,
		       int nrefs, int limit, json_t *events, struct anju_err *e);
};

/* {NULL}-terminated, in sources.c. */
extern const struct timeline_source *const timeline_sources[];

#define TIMELINE_MAX 500

/* Every source's events about refs merged, newest first, at most limit
 * (1..TIMELINE_MAX) into *out (a new array).  0 or the first source's error. */
int timeline_build(struct db *db, const struct caller *c, const struct timeline_ref *refs,
		   int nrefs, int limit, json_t **out, struct anju_err *e);

#endif
