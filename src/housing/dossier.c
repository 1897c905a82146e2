/*
 * The unit dossier (一房一档): everything known about one unit in one
 * answer, and its timeline from every registered source (dossier/
 * timeline.h), so later issues add leases, money, patrols and door data to
 * it without changing this file.  Every part is an indexed lookup by the
 * unit's id; nothing here grows with the size of the housing stock.
 */
#include <stdlib.h>

#include "dossier/timeline.h"
#include "files/files.h"
#include "housing/housing.h"
#include "housing/housing_int.h"
#include "core/mem.h"
#include "store/db.h"

/* A unit has a handful of assets; the dossier shows at most this many (and
 * the asset list of the API pages through the rest). */
#define DOSSIER_ASSETS_MAX 200

static int
unit_assets(struct db *db, int64_t unit_id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, ASSET_SELECT " WHERE a.unit_id = ? ORDER BY a.id LIMIT ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	db_bind_int64(st, 2, DOSSIER_ASSETS_MAX);
	*out = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(*out, housing_asset_json(st));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

int
unit_dossier(struct db *db, const struct caller *c, int64_t id, int timeline_limit, json_t **out,
	     struct anju_err *e)
{
	json_t *unit = NULL, *building = NULL, *assets = NULL, *acceptance = NULL;
	json_t *attachments = NULL, *timeline = NULL, *a;
	struct timeline_ref *refs = NULL;
	int nrefs = 0, rc;
	size_t i;

	if ((rc = unit_get(db, c, id, &unit, e)) != 0)
		return rc;
	if ((rc = building_get(db, c, json_integer_value(json_object_get(unit, "building_id")),
			       &building, e)) != 0 ||
	    (rc = unit_assets(db, id, &assets, e)) != 0 ||
	    (rc = housing_acceptance_of_unit(db, id, &acceptance, e)) != 0 ||
	    (rc = attachment_list(db, "unit", id, &attachments, e)) != 0)
		goto out;
	/* The timeline covers the unit, each of its assets and its check. */
	refs = xcalloc(json_array_size(assets) + 2, sizeof(*refs));
	refs[nrefs++] = (struct timeline_ref){ "unit", id };
	json_array_foreach (assets, i, a)
		refs[nrefs++] =
			(struct timeline_ref){ "asset",
					       json_integer_value(json_object_get(a, "id")) };
	if (json_is_object(acceptance))
		refs[nrefs++] = (struct timeline_ref){
			"acceptance_check", json_integer_value(json_object_get(acceptance, "id"))
		};
	if ((rc = timeline_build(db, c, refs, nrefs, timeline_limit, &timeline, e)) != 0)
		goto out;
	*out = json_pack("{s:O, s:O, s:{s:O, s:O}, s:O, s:O, s:O, s:O}", "unit", unit, "building",
			 building, "community", "id", json_object_get(unit, "community_id"), "name",
			 json_object_get(unit, "community_name"), "assets", assets, "acceptance",
			 acceptance, "attachments", attachments, "timeline", timeline);
out:
	free(refs);
	json_decref(timeline);
	json_decref(attachments);
	json_decref(acceptance);
	json_decref(assets);
	json_decref(building);
	json_decref(unit);
	return rc;
}
