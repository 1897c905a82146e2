/*
 * The timeline sources (timeline.h).  Each module that adds to the dossiers'
 * timelines adds its source here; the first is the audit trail.
 */
#include <stdio.h>

#include "dossier/timeline.h"
#include "store/db.h"

/* The audit trail: the history of every object (one write path; no second
 * history table).  Each ref's newest limit rows. */
static int
audit_collect(struct db *db, const struct caller *c, const struct timeline_ref *refs, int nrefs,
	      int limit, json_t *events, struct anju_err *e)
{
	struct db_stmt *st;
	char idbuf[24];
	int rc = 0;

	(void)c;
	if ((rc = db_prepare(db,
			     "SELECT at, action, object_type, object_id, actor_name, before_json,"
			     " after_json FROM audit_log WHERE object_type = ? AND object_id = ?"
			     " ORDER BY id DESC LIMIT ?",
			     &st)) != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < nrefs && rc == 0; i++) {
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)refs[i].id);
		db_bind_cstr(st, 1, refs[i].type);
		db_bind_cstr(st, 2, idbuf);
		db_bind_int64(st, 3, limit);
		while ((rc = db_step(st)) == DB_ROW) {
			json_error_t jerr;
			const char *b = db_col_text(st, 5), *a = db_col_text(st, 6);
			json_t *detail = json_object();
			json_t *ev;

			if (b != NULL)
				json_object_set_new(detail, "before", json_loads(b, 0, &jerr));
			if (a != NULL)
				json_object_set_new(detail, "after", json_loads(a, 0, &jerr));
			ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:o}", "at",
				       db_col_text(st, 0), "source", "audit", "action",
				       db_col_text(st, 1), "object_type", refs[i].type, "object_id",
				       (json_int_t)refs[i].id, "actor", db_col_text(st, 4),
				       "detail", detail);
			json_array_append_new(events, ev);
		}
		db_reset(st);
		rc = rc == DB_DONE ? 0 : rc;
	}
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

static const struct timeline_source audit_source = { "audit", audit_collect };
extern const struct timeline_source timeline_source_tenancy;
extern const struct timeline_source timeline_source_rent;
extern const struct timeline_source timeline_source_upkeep;

const struct timeline_source *const timeline_sources[] = {
	&audit_source,
	&timeline_source_tenancy,
	&timeline_source_rent,
	&timeline_source_upkeep, /* patrols, cases, renovations, work orders */
	NULL,
};
