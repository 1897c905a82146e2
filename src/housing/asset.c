/*
 * Assets (设施设备): equipment in a unit or in a common part (a building,
 * one of its entrances, the community's grounds), with its condition and
 * warranty.  An asset's community and building come from what it is in, so
 * scope and the building's lists follow it.  See housing.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "housing/housing_int.h"
#include "store/db.h"
#include "store/page.h"

#define QUANTITY_MAX 10000

json_t *
housing_asset_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:s,"
			 " s:s}",
			 "id", (json_int_t)db_col_int64(st, 0), "community_id",
			 (json_int_t)db_col_int64(st, 1), "location", db_col_text(st, 2),
			 "building_id", housing_col_int(st, 3), "entrance", housing_col_int(st, 4),
			 "unit_id", housing_col_int(st, 5), "place", db_col_text(st, 6), "type",
			 db_col_text(st, 7), "brand", db_col_text(st, 8), "model",
			 db_col_text(st, 9), "quantity", (json_int_t)db_col_int64(st, 10),
			 "condition", db_col_text(st, 11), "warranty_end", housing_col_text(st, 12),
			 "created_at", db_col_text(st, 13), "updated_at", db_col_text(st, 14));
}

/* The free-text facts shared by creation and update. */
static int
facts_ok(const char *place, const char *brand, const char *model, int quantity,
	 const char *condition, const char *warranty_end, struct anju_err *e)
{
	int rc;

	if ((rc = housing_text_ok(place, "place", "位置", 64, false, false, e)) != 0 ||
	    (rc = housing_text_ok(brand, "brand", "品牌", 64, false, false, e)) != 0 ||
	    (rc = housing_text_ok(model, "model", "型号", 64, false, false, e)) != 0)
		return rc;
	if (quantity < 1 || quantity > QUANTITY_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "quantity",
				 "数量应在 1 到 %d 之间", QUANTITY_MAX);
	if (!housing_condition_ok(condition))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "condition",
				 "状况应为 good、fair、poor 或 broken");
	if (warranty_end != NULL && warranty_end[0] != '\0' && !housing_date_ok(warranty_end))
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "warranty_end",
				 "保修截止日期应为有效日期 YYYY-MM-DD");
	return 0;
}

/* Where the asset is: its community, building and entrance from the unit or
 * building it is in.  0, ANJU_EINVAL, ANJU_ENOTFOUND (with the field). */
static int
place_of(struct db *db, const struct asset_in *in, int64_t *community_id, int64_t *building_id,
	 int64_t *entrance, struct anju_err *e)
{
	struct housing_place p = { .location = in->location,
				   .community_id = in->community_id,
				   .building_id = in->building_id,
				   .unit_id = in->unit_id,
				   .entrance = in->entrance };
	int rc;

	*community_id = *building_id = *entrance = 0;
	if ((rc = housing_place_resolve(db, &p, false, e)) != 0)
		return rc;
	*community_id = p.community_id;
	*building_id = p.building_id;
	*entrance = p.entrance;
	return 0;
}

static void
bind_or_null(struct db_stmt *st, int i, int64_t v)
{
	if (v != 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

int
asset_create(struct db *db, const struct asset_in *in, const struct audit_actor *who, int64_t *id,
	     struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	const char *warranty = in->warranty_end && in->warranty_end[0] ? in->warranty_end : NULL;
	int64_t community_id, building_id, entrance;
	json_t *after;
	int rc;

	if ((rc = housing_text_ok(in->type, "type", "设施设备类型", 32, true, false, e)) != 0 ||
	    (rc = facts_ok(in->place, in->brand, in->model, in->quantity, in->condition, warranty,
			   e)) != 0 ||
	    (rc = place_of(db, in, &community_id, &building_id, &entrance, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO asset (community_id, location, building_id, entrance, unit_id,"
		" place, type, brand, model, quantity, condition, warranty_end, created_at,"
		" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_cstr(st, 2, in->location);
	bind_or_null(st, 3, building_id);
	bind_or_null(st, 4, entrance);
	bind_or_null(st, 5, strcmp(in->location, "unit") == 0 ? in->unit_id : 0);
	db_bind_cstr(st, 6, in->place ? in->place : "");
	db_bind_cstr(st, 7, in->type);
	db_bind_cstr(st, 8, in->brand ? in->brand : "");
	db_bind_cstr(st, 9, in->model ? in->model : "");
	db_bind_int64(st, 10, in->quantity);
	db_bind_cstr(st, 11, in->condition);
	db_bind_cstr(st, 12, warranty);
	db_bind_cstr(st, 13, now);
	db_bind_cstr(st, 14, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack(
		"{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:s?}", "community_id",
		(json_int_t)community_id, "location", in->location, "building_id",
		building_id ? json_integer(building_id) : json_null(), "entrance",
		entrance ? json_integer(entrance) : json_null(), "unit_id",
		strcmp(in->location, "unit") == 0 ? json_integer(in->unit_id) : json_null(),
		"place", in->place ? in->place : "", "type", in->type, "brand",
		in->brand ? in->brand : "", "model", in->model ? in->model : "", "quantity",
		in->quantity, "condition", in->condition, "warranty_end", warranty);
	rc = housing_audit(db, who, "asset.create", "asset", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
housing_asset_community(struct db *db, const struct caller *c, int64_t asset_id,
			int64_t *community_id, struct anju_err *e)
{
	return housing_scoped_community(db, c, HOUSING_COMMUNITY_OF("asset"), asset_id, "asset",
					community_id, e);
}

static json_t *
asset_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return housing_asset_json(st);
}

int
asset_list(struct db *db, const struct caller *c, const struct asset_filter *f, json_t **items,
	   int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	struct buf sql;
	int rc, i = 1;

	/* One statement text per combination of filters, each with its index:
	 * (unit_id), (building_id, id) or (community_id, location, id). */
	buf_init(&sql, 0);
	buf_adds(&sql, ASSET_SELECT " WHERE a.id > ?");
	if (f->unit_id != 0)
		buf_adds(&sql, " AND a.unit_id = ?");
	if (f->building_id != 0)
		buf_adds(&sql, " AND a.building_id = ?");
	if (f->community_id != 0)
		buf_adds(&sql, " AND a.community_id = ?");
	buf_adds(&sql, " AND " SCOPE_SQL("a.community_id") " ORDER BY a.id LIMIT ?");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	if (f->unit_id != 0)
		db_bind_int64(st, i++, f->unit_id);
	if (f->building_id != 0)
		db_bind_int64(st, i++, f->building_id);
	if (f->community_id != 0)
		db_bind_int64(st, i++, f->community_id);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, asset_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
asset_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, ASSET_SELECT " WHERE a.id = ? AND " SCOPE_SQL("a.community_id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = housing_asset_json(st);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "asset", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
asset_update(struct db *db, int64_t id, const struct asset_patch *p, const struct audit_actor *who,
	     struct anju_err *e)
{
	static const char *const keys[] = { "place", "brand", "model", "condition",
					    "warranty_end" };
	const char *set[5] = { p->place, p->brand, p->model, p->condition, p->warranty_end };
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before = NULL, *after = NULL, *d = NULL;
	const char *v[5];
	int quantity, rc;

	/* The new text is checked first (UTF-8 above all), then the whole
	 * asset as it would be. */
	if ((rc = housing_text_ok(p->place, "place", "位置", 64, false, false, e)) != 0 ||
	    (rc = housing_text_ok(p->brand, "brand", "品牌", 64, false, false, e)) != 0 ||
	    (rc = housing_text_ok(p->model, "model", "型号", 64, false, false, e)) != 0 ||
	    (rc = housing_text_ok(p->condition, "condition", "状况", 16, false, false, e)) != 0 ||
	    (rc = housing_text_ok(p->warranty_end, "warranty_end", "保修截止日期", 10, false, false,
				  e)) != 0)
		return rc;
	if (p->clear_warranty || (p->warranty_end != NULL && p->warranty_end[0] == '\0'))
		set[4] = NULL;
	rc = db_prepare(db,
			"SELECT place, brand, model, condition, warranty_end, quantity FROM asset"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		before = json_object();
		for (int k = 0; k < 5; k++)
			json_object_set_new(before, keys[k], housing_col_text(st, k));
		json_object_set_new(before, "quantity", json_integer(db_col_int64(st, 5)));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "asset", NULL);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_deep_copy(before);
	for (int k = 0; k < 5; k++)
		if (set[k] != NULL)
			json_object_set_new(after, keys[k], json_string(set[k]));
	if (set[4] == NULL && (p->clear_warranty || p->warranty_end != NULL))
		json_object_set_new(after, "warranty_end", json_null());
	if (p->quantity != 0)
		json_object_set_new(after, "quantity", json_integer(p->quantity));
	for (int k = 0; k < 5; k++)
		v[k] = json_string_value(json_object_get(after, keys[k]));
	quantity = (int)json_integer_value(json_object_get(after, "quantity"));
	if ((rc = facts_ok(v[0], v[1], v[2], quantity, v[3], v[4], e)) != 0)
		goto out;
	if ((d = audit_diff(before, after)) == NULL)
		goto out; /* nothing changes */
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE asset SET place = ?, brand = ?, model = ?, condition = ?,"
			" warranty_end = ?, quantity = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	for (int k = 0; k < 5; k++)
		db_bind_cstr(st, k + 1, v[k]);
	db_bind_int64(st, 6, quantity);
	db_bind_cstr(st, 7, now);
	db_bind_int64(st, 8, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = housing_audit(db, who, "asset.update", "asset", id, json_object_get(d, "before"),
			   json_object_get(d, "after"), e);
out:
	json_decref(d);
	json_decref(after);
	json_decref(before);
	return rc;
}
