/*
 * The tenancy source of the dossiers' timelines (dossier/timeline.h): the
 * audit rows of the tenancy objects that belong to a unit, a household or
 * a person, so that the unit's and household's dossiers (一房一档, 一户一档)
 * show every application, offer, lease, handover, recheck and eviction
 * event without a second history table.
 *
 *   household  application, offer, lease, handover, recheck_result,
 *              eviction, tenancy_signal (by household_id)
 *   unit       offer, lease, handover, eviction (by unit_id)
 *   person     lease (the tenant who signed: tenant_person_id)
 *
 * One query per ref: a UNION ALL of one indexed join per table (the
 * table's household, unit or tenant index, then audit_log's (object_type,
 * object_id, id) index), newest first, at most limit rows.  An audit row
 * found through two refs of one dossier (a lease through the household and
 * its tenant) is shown once.  The event's object is the ref; the tenancy
 * object is in its detail, with the audit row's before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "dossier/timeline.h"
#include "store/db.h"

#define AUDIT_COLS                                                                                 \
	"a.id, a.at, a.action, a.object_type, a.object_id, a.actor_name, a.before_json,"           \
	" a.after_json"

/* The audit rows of table x's rows whose column col is the ref's id.  A
 * CROSS JOIN, which SQLite never reorders: x's index finds the few rows,
 * then audit_log_object each one's audit rows.  Joined as the planner
 * likes, and with the LIMIT a parameter, SQLite read a tenant's lease audit
 * rows by scanning the whole audit trail newest first to spare the sort (a
 * household's dossier took 70 ms at 350,000 audit rows). */
#define PART(table, col)                                                                           \
	"SELECT " AUDIT_COLS " FROM " table " x CROSS JOIN audit_log a WHERE x." col " = ?"        \
	" AND a.object_type = '" table "' AND a.object_id = CAST(x.id AS TEXT)"

#define BY_HOUSEHOLD(table) PART(table, "household_id")
#define BY_UNIT(table)      PART(table, "unit_id")
#define UNION               " UNION ALL "
#define NEWEST              " ORDER BY 1 DESC LIMIT ?"

static const char household_sql[] =
	BY_HOUSEHOLD("application") UNION BY_HOUSEHOLD("offer") UNION BY_HOUSEHOLD("lease")
		UNION BY_HOUSEHOLD("handover") UNION BY_HOUSEHOLD("recheck_result")
			UNION BY_HOUSEHOLD("eviction") UNION BY_HOUSEHOLD("tenancy_signal") NEWEST;
static const int household_parts = 7;

static const char unit_sql[] = BY_UNIT("offer") UNION BY_UNIT("lease") UNION BY_UNIT("handover")
	UNION BY_UNIT("eviction") NEWEST;
static const int unit_parts = 4;

static const char person_sql[] = PART("lease", "tenant_person_id") NEWEST;
static const int person_parts = 1;

struct seen {
	int64_t *ids;
	size_t n, cap;
};

/* Whether id was added before; adds it. */
static bool
seen_add(struct seen *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->ids = xrealloc(s->ids, s->cap * sizeof(*s->ids));
	}
	s->ids[s->n++] = id;
	return false;
}

static json_t *
event_of(struct db_stmt *st, const struct timeline_ref *ref)
{
	json_error_t jerr;
	const char *b = db_col_text(st, 6), *a = db_col_text(st, 7), *oid = db_col_text(st, 4);
	json_t *detail = json_pack("{s:s, s:I}", "object_type", db_col_text(st, 3), "object_id",
				   (json_int_t)strtoll(oid ? oid : "0", NULL, 10));

	if (b != NULL)
		json_object_set_new(detail, "before", json_loads(b, 0, &jerr));
	if (a != NULL)
		json_object_set_new(detail, "after", json_loads(a, 0, &jerr));
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:o}", "at", db_col_text(st, 1), "source",
			 "tenancy", "action", db_col_text(st, 2), "object_type", ref->type,
			 "object_id", (json_int_t)ref->id, "actor", db_col_text(st, 5), "detail",
			 detail);
}

static int
tenancy_collect(struct db *db, const struct caller *c, const struct timeline_ref *refs, int nrefs,
		int limit, json_t *events, struct anju_err *e)
{
	struct seen seen = { 0 };
	int rc = 0;

	(void)c; /* the dossier decided the subject is seen; these rows are its own */
	for (int i = 0; i < nrefs && rc == 0; i++) {
		const char *sql;
		struct db_stmt *st;
		int parts;

		if (strcmp(refs[i].type, "household") == 0) {
			sql = household_sql;
			parts = household_parts;
		} else if (strcmp(refs[i].type, "unit") == 0) {
			sql = unit_sql;
			parts = unit_parts;
		} else if (strcmp(refs[i].type, "person") == 0) {
			sql = person_sql;
			parts = person_parts;
		} else {
			continue;
		}
		if ((rc = db_prepare(db, sql, &st)) != 0)
			break;
		for (int k = 1; k <= parts; k++)
			db_bind_int64(st, k, refs[i].id);
		db_bind_int64(st, parts + 1, limit);
		while ((rc = db_step(st)) == DB_ROW)
			if (!seen_add(&seen, db_col_int64(st, 0)))
				json_array_append_new(events, event_of(st, &refs[i]));
		db_reset(st);
		rc = rc == DB_DONE ? 0 : rc;
	}
	free(seen.ids);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

const struct timeline_source timeline_source_tenancy = { "tenancy", tenancy_collect };
