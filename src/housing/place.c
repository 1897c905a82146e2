/*
 * Places in the housing stock: a unit, a common part (a building, one of its
 * entrances, the community's grounds) or an asset.  Assets, patrol points
 * and work orders are placed so; the record a place names gives its
 * community, which scopes it.  See housing.h.
 */
#include <string.h>

#include "housing/housing.h"
#include "housing/housing_int.h"
#include "store/db.h"

/* Reads up to four integer columns of the one row sql (with one id
 * parameter) returns into out[]: 0, ANJU_ENOTFOUND naming what and field. */
static int
row_of(struct db *db, const char *sql, int64_t id, int64_t *out, int n, const char *what,
       const char *field, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		for (int i = 0; i < n; i++)
			out[i] = db_col_int64(st, i);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, what, field);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
housing_place_resolve(struct db *db, struct housing_place *p, bool allow_asset, struct anju_err *e)
{
	const char *loc = p->location ? p->location : "";
	int64_t v[4] = { 0 };
	int rc;

	if (strcmp(loc, "unit") == 0) {
		rc = row_of(db, "SELECT community_id, building_id, entrance FROM unit WHERE id = ?",
			    p->unit_id, v, 3, "unit", "unit_id", e);
		if (rc != 0)
			return rc;
		p->community_id = v[0];
		p->building_id = v[1];
		p->entrance = (int)v[2];
		p->asset_id = 0;
		return 0;
	}
	if (strcmp(loc, "building") == 0 || strcmp(loc, "entrance") == 0) {
		rc = row_of(db, "SELECT community_id, entrances FROM building WHERE id = ?",
			    p->building_id, v, 2, "building", "building_id", e);
		if (rc != 0)
			return rc;
		if (loc[0] == 'e' && (p->entrance < 1 || p->entrance > v[1]))
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "entrance",
					 "该楼栋只有 %lld 个单元", (long long)v[1]);
		if (loc[0] == 'b')
			p->entrance = 0;
		p->community_id = v[0];
		p->unit_id = p->asset_id = 0;
		return 0;
	}
	if (strcmp(loc, "community") == 0) {
		rc = row_of(db, "SELECT id FROM community WHERE id = ?", p->community_id, v, 1,
			    "community", "community_id", e);
		if (rc != 0)
			return rc;
		p->building_id = p->unit_id = p->asset_id = 0;
		p->entrance = 0;
		return 0;
	}
	if (allow_asset && strcmp(loc, "asset") == 0) {
		rc = row_of(db,
			    "SELECT community_id, COALESCE(building_id, 0), COALESCE(entrance, 0),"
			    " COALESCE(unit_id, 0) FROM asset WHERE id = ?",
			    p->asset_id, v, 4, "asset", "asset_id", e);
		if (rc != 0)
			return rc;
		p->community_id = v[0];
		p->building_id = v[1];
		p->entrance = (int)v[2];
		p->unit_id = v[3];
		return 0;
	}
	return anju_fail(e, ANJU_EINVAL, "invalid_value", "location",
			 allow_asset ? "位置应为 unit、building、entrance、community 或 asset"
				     : "位置应为 unit、building、entrance 或 community");
}

static json_t *
id_or_null(int64_t v)
{
	return v != 0 ? json_integer(v) : json_null();
}

json_t *
housing_place_json(const struct housing_place *p)
{
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:s}", "location",
			 p->location ? p->location : "", "community_id",
			 (json_int_t)p->community_id, "building_id", id_or_null(p->building_id),
			 "entrance", id_or_null(p->entrance), "unit_id", id_or_null(p->unit_id),
			 "asset_id", id_or_null(p->asset_id), "place", p->place ? p->place : "");
}
