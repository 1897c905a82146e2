/*
 * Units (房源): creation and the checks of a unit's facts, the reads of the
 * API (one indexed lookup for a unit, keyset pages for lists), the
 * iteration of exports, the number search, and every status change: the
 * repair flag, disabling, and the transitions of later issues.  Each status
 * change is one audit row "unit.status" with the old and new status and the
 * reason.  See housing.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "housing/housing_int.h"
#include "store/db.h"
#include "store/page.h"

#define NUMBER_MAX     32 /* bytes */
#define AREA_MAX       100000
#define ENTRANCES_MAX  50
#define FLOORS_MAX     200
#define BASEMENT_MIN   (-5)
#define REASON_MAX     200
#define STATUS_NAME_SZ 24

/* The Unit's members of UNIT_SELECT's row into the object open in w: the
 * one definition of a Unit's shape. */
static void
unit_write_members(struct jw *w, struct db_stmt *st)
{
	enum unit_status s = UNIT_PENDING_ACCEPTANCE;

	unit_status_parse(db_col_text(st, 12), &s);
	jw_member_integer(w, "id", db_col_int64(st, 0));
	jw_member_integer(w, "community_id", db_col_int64(st, 1));
	jw_member_string(w, "community_name", db_col_text(st, 2));
	jw_member_integer(w, "building_id", db_col_int64(st, 3));
	jw_member_string(w, "building_name", db_col_text(st, 4));
	jw_member_integer(w, "entrance", db_col_int64(st, 5));
	jw_member_integer(w, "floor", db_col_int64(st, 6));
	jw_member_string(w, "number", db_col_text(st, 7));
	jw_member_string(w, "layout", db_col_text(st, 8));
	jw_member_integer(w, "floor_area", db_col_int64(st, 9));
	jw_member_integer(w, "usable_area", db_col_int64(st, 10));
	jw_member_string(w, "orientation", db_col_text(st, 11));
	jw_member_string(w, "status", db_col_text(st, 12));
	jw_member_string(w, "status_title", unit_status_title(s));
	jw_member_string(w, "status_since", db_col_text(st, 13));
	jw_member_string(w, "status_before", db_col_text(st, 14));
	jw_member_string(w, "created_at", db_col_text(st, 15));
	jw_member_string(w, "updated_at", db_col_text(st, 16));
}

static void
unit_members(struct jw *w, void *st)
{
	unit_write_members(w, st);
}

json_t *
housing_unit_json(struct db_stmt *st)
{
	return jw_object_tree(unit_members, st);
}

static int
areas_ok(int64_t floor_area, int64_t usable_area, struct anju_err *e)
{
	if (floor_area < 1 || floor_area > AREA_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "floor_area",
				 "建筑面积应在 0.01 到 %d 平方米之间", AREA_MAX / 100);
	if (usable_area < 1 || usable_area > floor_area)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "usable_area",
				 "使用面积应大于 0 且不超过建筑面积");
	return 0;
}

int
unit_validate(const struct unit_in *in, struct anju_err *e)
{
	size_t n = in->number ? strlen(in->number) : 0;
	int rc;

	if (in->building_id < 1)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "building_id", "请选择楼栋");
	if (in->entrance < 1 || in->entrance > ENTRANCES_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "entrance",
				 "单元号应在 1 到 %d 之间", ENTRANCES_MAX);
	if (in->floor < BASEMENT_MIN || in->floor > FLOORS_MAX || in->floor == 0)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "floor",
				 "楼层应在 %d 到 %d 之间且不为 0", BASEMENT_MIN, FLOORS_MAX);
	if ((rc = housing_text_ok(in->number, "number", "房号", NUMBER_MAX, true, false, e)) != 0)
		return rc;
	if (n > NUMBER_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "number",
				 "房号不能超过 %d 个字节", NUMBER_MAX);
	if (in->number[0] == ' ' || in->number[n - 1] == ' ')
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "number", "房号首尾不能有空格");
	if ((rc = housing_text_ok(in->layout, "layout", "户型", 32, false, false, e)) != 0 ||
	    (rc = housing_text_ok(in->orientation, "orientation", "朝向", 16, false, false, e)) !=
		    0)
		return rc;
	return areas_ok(in->floor_area, in->usable_area, e);
}

int
unit_create(struct db *db, const struct unit_in *in, const struct audit_actor *who, int64_t *id,
	    struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t community_id = 0, floors = 0, entrances = 0;
	json_t *after;
	int rc;

	if ((rc = unit_validate(in, e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT community_id, floors, entrances FROM building WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->building_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		community_id = db_col_int64(st, 0);
		floors = db_col_int64(st, 1);
		entrances = db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "building", "building_id");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (in->entrance > entrances)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "entrance",
				 "该楼栋只有 %lld 个单元", (long long)entrances);
	if (in->floor > floors)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "floor", "该楼栋只有 %lld 层",
				 (long long)floors);
	/* Checked before the insert: on PostgreSQL a failed insert would abort
	 * the caller's whole transaction. */
	rc = db_prepare(db, "SELECT id FROM unit WHERE community_id = ? AND number = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_cstr(st, 2, in->number);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "unit_number_taken", "number",
				 "该小区已有房号为 %s 的房屋", in->number);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			" layout, floor_area, usable_area, orientation, status, status_since,"
			" created_at, updated_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending_acceptance', ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_int64(st, 2, in->building_id);
	db_bind_int64(st, 3, in->entrance);
	db_bind_int64(st, 4, in->floor);
	db_bind_cstr(st, 5, in->number);
	db_bind_cstr(st, 6, in->layout ? in->layout : "");
	db_bind_int64(st, 7, in->floor_area);
	db_bind_int64(st, 8, in->usable_area);
	db_bind_cstr(st, 9, in->orientation ? in->orientation : "");
	db_bind_cstr(st, 10, now);
	db_bind_cstr(st, 11, now);
	db_bind_cstr(st, 12, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:I, s:I, s:i, s:i, s:s, s:s, s:I, s:I, s:s, s:s}", "community_id",
			  (json_int_t)community_id, "building_id", (json_int_t)in->building_id,
			  "entrance", in->entrance, "floor", in->floor, "number", in->number,
			  "layout", in->layout ? in->layout : "", "floor_area",
			  (json_int_t)in->floor_area, "usable_area", (json_int_t)in->usable_area,
			  "orientation", in->orientation ? in->orientation : "", "status",
			  "pending_acceptance");
	rc = housing_audit(db, who, "unit.create", "unit", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
unit_find(struct db *db, int64_t community_id, const char *number, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT id FROM unit WHERE community_id = ? AND number = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_cstr(st, 2, number ? number : "");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "unit", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
housing_unit_community(struct db *db, const struct caller *c, int64_t unit_id,
		       int64_t *community_id, struct anju_err *e)
{
	return housing_scoped_community(db, c, HOUSING_COMMUNITY_OF("unit"), unit_id, "unit",
					community_id, e);
}

/* The unit's row in c's scope, stepped to in *st (the caller reads it, then
 * resets *st): 0, ANJU_ENOTFOUND, or a storage error. */
static int
unit_row_of(struct db *db, const struct caller *c, int64_t id, struct db_stmt **st,
	    struct anju_err *e)
{
	int rc;

	rc = db_prepare(db, UNIT_SELECT " WHERE u.id = ? AND " SCOPE_SQL("u.community_id"), st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(*st, 1, id);
	scope_bind(*st, 2, c);
	if ((rc = db_step(*st)) == DB_ROW)
		return 0;
	db_reset(*st);
	if (rc == DB_DONE)
		return housing_not_found(e, "unit", NULL);
	return db_fail(db, rc, e);
}

int
unit_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = unit_row_of(db, c, id, &st, e)) != 0)
		return rc;
	*out = housing_unit_json(st);
	db_reset(st);
	return *out != NULL ? 0
			    : anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "unit %lld: no JSON",
					(long long)id);
}

int
unit_write(struct db *db, const struct caller *c, int64_t id, struct jw *w, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = unit_row_of(db, c, id, &st, e)) != 0)
		return rc;
	jw_object(w);
	unit_write_members(w, st);
	jw_object_end(w);
	db_reset(st);
	return 0;
}

static json_t *
unit_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return housing_unit_json(st);
}

int
unit_list(struct db *db, const struct caller *c, const struct unit_filter *f, json_t **items,
	  int64_t *next, struct anju_err *e)
{
	enum unit_status s;
	struct db_stmt *st;
	struct buf sql;
	int rc, i = 1;

	if (f->status != NULL && unit_status_parse(f->status, &s) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "status", "没有这种房屋状态");
	/* One statement text per combination of filters (eight at most, each
	 * prepared once per connection), so each can use its own index:
	 * (community_id, status, id) or (building_id, ...) or the primary key. */
	buf_init(&sql, 0);
	buf_adds(&sql, UNIT_SELECT " WHERE u.id > ?");
	if (f->community_id != 0)
		buf_adds(&sql, " AND u.community_id = ?");
	if (f->building_id != 0)
		buf_adds(&sql, " AND u.building_id = ?");
	if (f->status != NULL)
		buf_adds(&sql, " AND u.status = ?");
	buf_adds(&sql, " AND " SCOPE_SQL("u.community_id") " ORDER BY u.id LIMIT ?");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	if (f->community_id != 0)
		db_bind_int64(st, i++, f->community_id);
	if (f->building_id != 0)
		db_bind_int64(st, i++, f->building_id);
	if (f->status != NULL)
		db_bind_cstr(st, i++, f->status);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, unit_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
unit_each(struct db *db, const struct caller *c, int64_t community_id, housing_row_fn fn, void *ud,
	  struct anju_err *e)
{
	struct unit_filter f = { .community_id = community_id, .limit = HOUSING_PAGE_MAX };
	int rc;

	/* Pages, so no statement stays open while fn runs and memory stays
	 * bounded however many units there are. */
	for (;;) {
		json_t *items = NULL, *row;
		int64_t next = 0;
		size_t i;

		if ((rc = unit_list(db, c, &f, &items, &next, e)) != 0)
			return rc;
		json_array_foreach (items, i, row) {
			if ((rc = fn(ud, row)) != 0)
				break;
		}
		json_decref(items);
		if (rc != 0 || next == 0)
			return rc;
		f.after_id = next;
	}
}

int
unit_search_number(struct db *db, const struct caller *c, const char *prefix, int limit,
		   struct jw *w, struct anju_err *e)
{
	struct db_stmt *st;
	char *upper;
	size_t n = prefix ? strlen(prefix) : 0;
	int rc;

	jw_array(w);
	if (n == 0 || n > NUMBER_MAX || limit < 1) {
		jw_array_end(w);
		return 0;
	}
	if (limit > HOUSING_PAGE_MAX)
		limit = HOUSING_PAGE_MAX;
	/* number is compared byte by byte ({{TEXT_C}}): the prefix's range ends
	 * below prefix + U+10FFFF, and the index on number serves it. */
	rc = db_prepare(db,
			UNIT_SELECT " WHERE u.number >= ? AND u.number < ? AND " SCOPE_SQL(
				"u.community_id") " ORDER BY u.number, u.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	upper = xmalloc(n + 5);
	memcpy(upper, prefix, n);
	memcpy(upper + n, "\xF4\x8F\xBF\xBF", 5);
	db_bind_cstr(st, 1, prefix);
	db_bind_cstr(st, 2, upper);
	scope_bind(st, 3, c);
	db_bind_int64(st, 5, limit);
	free(upper);
	while ((rc = db_step(st)) == DB_ROW) {
		jw_object(w);
		unit_write_members(w, st);
		jw_object_end(w);
	}
	db_reset(st);
	jw_array_end(w);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The facts PATCH may change, as they are now. */
struct unit_facts {
	char *layout, *orientation;
	int64_t floor_area, usable_area;
};

int
unit_update(struct db *db, int64_t id, const struct unit_patch *p, const struct audit_actor *who,
	    struct anju_err *e)
{
	struct unit_facts now = { 0 };
	struct db_stmt *st;
	const char *layout, *orientation;
	int64_t floor_area, usable_area;
	char at[TIME_FMT_LEN];
	json_t *before = NULL, *after = NULL, *d = NULL;
	int rc;

	if ((rc = housing_text_ok(p->layout, "layout", "户型", 32, false, false, e)) != 0 ||
	    (rc = housing_text_ok(p->orientation, "orientation", "朝向", 16, false, false, e)) != 0)
		return rc;
	rc = db_prepare(
		db, "SELECT layout, orientation, floor_area, usable_area FROM unit WHERE id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		now.layout = xstrdup(db_col_text(st, 0));
		now.orientation = xstrdup(db_col_text(st, 1));
		now.floor_area = db_col_int64(st, 2);
		now.usable_area = db_col_int64(st, 3);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "unit", NULL);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	layout = p->layout ? p->layout : now.layout;
	orientation = p->orientation ? p->orientation : now.orientation;
	floor_area = p->floor_area ? p->floor_area : now.floor_area;
	usable_area = p->usable_area ? p->usable_area : now.usable_area;
	if ((rc = areas_ok(floor_area, usable_area, e)) != 0)
		goto out;
	before = json_pack("{s:s, s:s, s:I, s:I}", "layout", now.layout, "orientation",
			   now.orientation, "floor_area", (json_int_t)now.floor_area, "usable_area",
			   (json_int_t)now.usable_area);
	after = json_pack("{s:s, s:s, s:I, s:I}", "layout", layout, "orientation", orientation,
			  "floor_area", (json_int_t)floor_area, "usable_area",
			  (json_int_t)usable_area);
	if ((d = audit_diff(before, after)) == NULL)
		goto out; /* nothing changes */
	time_format_utc(time_now_us(), at);
	rc = db_prepare(db,
			"UPDATE unit SET layout = ?, orientation = ?, floor_area = ?,"
			" usable_area = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, layout);
	db_bind_cstr(st, 2, orientation);
	db_bind_int64(st, 3, floor_area);
	db_bind_int64(st, 4, usable_area);
	db_bind_cstr(st, 5, at);
	db_bind_int64(st, 6, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = housing_audit(db, who, "unit.update", "unit", id, json_object_get(d, "before"),
			   json_object_get(d, "after"), e);
out:
	json_decref(d);
	json_decref(after);
	json_decref(before);
	free(now.layout);
	free(now.orientation);
	return rc;
}

/* A unit's status and the status it returns to: 0, ANJU_ENOTFOUND. */
static int
load_status(struct db *db, int64_t id, char status[STATUS_NAME_SZ], char before[STATUS_NAME_SZ],
	    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT status, status_before FROM unit WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(status, STATUS_NAME_SZ, "%s", db_col_text(st, 0));
		snprintf(before, STATUS_NAME_SZ, "%s",
			 db_col_null(st, 1) ? "" : db_col_text(st, 1));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "unit", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
status_conflict(const char *status, struct anju_err *e)
{
	enum unit_status s;

	if (unit_status_parse(status, &s) != 0)
		return anju_fail(e, ANJU_ECONFLICT, "unit_status", "status",
				 "房屋当前状态不允许此操作");
	return anju_fail(e, ANJU_ECONFLICT, "unit_status", "status",
			 "房屋当前状态为「%s」，不能进行此操作", unit_status_title(s));
}

/* Moves unit id from status from to status to, remembering before (NULL:
 * none) as the status to return to, and records it.  Only when the unit is
 * still in from: 0, ANJU_ENOTFOUND or ANJU_ECONFLICT ("unit_status"). */
static int
change_status(struct db *db, int64_t id, const char *from, const char *to, const char *before,
	      const char *reason, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], cur[STATUS_NAME_SZ], was[STATUS_NAME_SZ];
	json_t *b, *a;
	int64_t changed = 0;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE unit SET status = ?, status_before = ?, status_since = ?,"
			" updated_at = ? WHERE id = ? AND status = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, to);
	db_bind_cstr(st, 2, before);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, id);
	db_bind_cstr(st, 6, from);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (changed == 0) {
		if ((rc = load_status(db, id, cur, was, e)) != 0)
			return rc;
		return status_conflict(cur, e);
	}
	b = json_pack("{s:s}", "status", from);
	a = json_pack("{s:s, s:s?}", "status", to, "reason", reason);
	rc = housing_audit(db, who, "unit.status", "unit", id, b, a, e);
	json_decref(b);
	json_decref(a);
	return rc;
}

static int
reason_ok(const char *reason, struct anju_err *e)
{
	return housing_text_ok(reason, "reason", "原因", REASON_MAX, true, true, e);
}

int
unit_transition(struct db *db, int64_t unit_id, enum unit_status from, enum unit_status to,
		const char *reason, const struct audit_actor *who, struct anju_err *e)
{
	int rc;

	if (unit_status_name(from) == NULL || unit_status_name(to) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "status", "没有这种房屋状态");
	if ((rc = housing_text_ok(reason, "reason", "原因", REASON_MAX, false, true, e)) != 0)
		return rc;
	return change_status(db, unit_id, unit_status_name(from), unit_status_name(to), NULL,
			     reason, who, e);
}

int
unit_repair(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
	    struct anju_err *e)
{
	int rc;

	if ((rc = reason_ok(reason, e)) != 0)
		return rc;
	return change_status(db, id, "vacant", "under_repair", "vacant", reason, who, e);
}

int
unit_repair_done(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		 struct anju_err *e)
{
	char status[STATUS_NAME_SZ], before[STATUS_NAME_SZ];
	int rc;

	if ((rc = reason_ok(reason, e)) != 0 || (rc = load_status(db, id, status, before, e)) != 0)
		return rc;
	if (strcmp(status, "under_repair") != 0)
		return status_conflict(status, e);
	return change_status(db, id, "under_repair", before[0] ? before : "vacant", NULL, reason,
			     who, e);
}

int
unit_disable(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
	     struct anju_err *e)
{
	char status[STATUS_NAME_SZ], before[STATUS_NAME_SZ];
	int rc;

	if ((rc = reason_ok(reason, e)) != 0 || (rc = load_status(db, id, status, before, e)) != 0)
		return rc;
	/* A let unit is the tenancy's: it is ended there first. */
	if (strcmp(status, "allocated") == 0 || strcmp(status, "occupied") == 0 ||
	    strcmp(status, "disabled") == 0)
		return status_conflict(status, e);
	return change_status(db, id, status, "disabled", status, reason, who, e);
}

int
unit_enable(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
	    struct anju_err *e)
{
	char status[STATUS_NAME_SZ], before[STATUS_NAME_SZ];
	const char *to;
	int rc;

	if ((rc = reason_ok(reason, e)) != 0 || (rc = load_status(db, id, status, before, e)) != 0)
		return rc;
	if (strcmp(status, "disabled") != 0)
		return status_conflict(status, e);
	to = before[0] ? before : "vacant";
	/* A unit disabled during a repair goes back under repair, which returns
	 * it to vacant (the only status a repair starts from). */
	return change_status(db, id, "disabled", to,
			     strcmp(to, "under_repair") == 0 ? "vacant" : NULL, reason, who, e);
}
