/*
 * The patrol library, points, labels and plans (issue 8 part A).  The
 * checklist items a point is checked against, with their severity and what
 * a finding opens; the points, each a housing_place with its checklist and
 * a printed QR label whose secret token proves that the inspector stood
 * there; the plans that say when a community's route is walked.  The rounds
 * made from the plans are round.c's.  See patrol.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "store/db.h"
#include "store/rows.h"
#include "store/keys.h"
#include "upkeep/patrol.h"

const char *const patrol_severities[] = { "low", "medium", "high", NULL };
const char *const patrol_finding_actions[] = { "none", "work_order", "violation", NULL };
const char *const patrol_frequencies[] = { "daily", "weekly", "monthly", "quarterly", NULL };
const char *const patrol_round_states[] = { "assigned", "in_progress", "done", "missed", NULL };
const char *const patrol_outcomes[] = { "fine", "not_fine", NULL };
const char *const patrol_wo_categories[] = { "water",     "electricity", "lift", "roof",
					     "door_lock", "other",       NULL };
const char *const patrol_violation_types[] = {
	"sublet", "change_of_use", "damage", "illegal_activity", "idle", "other", NULL
};

#define LABEL_DOMAIN "patrol_label"
#define QR_PREFIX    "anju:p:"

static bool
one_of(const char *v, const char *const *list)
{
	for (int i = 0; v != NULL && list[i] != NULL; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

static int
text_ok(const char *s, const char *field, const char *title, size_t max, struct anju_err *e)
{
	size_t n = s ? text_chars(s) : 0;

	if (s == NULL || n == 0 || n > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "%s应为 1 到 %zu 个字符",
				 title, max);
	return 0;
}

static const char *
by(const struct audit_actor *who)
{
	return who && who->principal ? who->principal : "system";
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static void
bind_or_null(struct db_stmt *st, int i, int64_t v)
{
	if (v != 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

static int
audit_id(struct db *db, const struct audit_actor *who, const char *action, const char *type,
	 int64_t id, json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, type, oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* Runs a statement with one id parameter to its end. */
static int
exec_id(struct db *db, const char *sql, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
patrol_community_name(struct db *db, const struct caller *c, int64_t id, char name[128],
		      struct anju_err *e)
{
	struct db_stmt *st;
	int rc =
		db_prepare(db, "SELECT name FROM community WHERE id = ? AND " SCOPE_SQL("id"), &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW && name != NULL)
		snprintf(name, 128, "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/*
 * The library.
 */

#define ITEM_COLS                                                                                  \
	"id, name, severity, finding_action, work_order_category, violation_type, retired_at,"     \
	" created_at, updated_at, updated_by"

static json_t *
item_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:s, s:s, s:s}", "id",
			 (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1), "severity",
			 db_col_text(st, 2), "finding_action", text_or_null(st, 3),
			 "work_order_category", text_or_null(st, 4), "violation_type",
			 text_or_null(st, 5), "retired_at", text_or_null(st, 6), "retired",
			 !db_col_null(st, 6), "created_at", db_col_text(st, 7), "updated_at",
			 db_col_text(st, 8), "updated_by", db_col_text(st, 9));
}

int
patrol_item_list(struct db *db, bool with_retired, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	rc = db_prepare(db,
			with_retired ? "SELECT " ITEM_COLS " FROM patrol_item ORDER BY id"
				     : "SELECT " ITEM_COLS " FROM patrol_item"
				       " WHERE retired_at IS NULL ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	return db_rows_json(db, st, item_json, items, e);
}

int
patrol_item_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT " ITEM_COLS " FROM patrol_item WHERE id = ?", &st);

	*out = NULL;
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_row_json(db, st, item_json, out, "patrol_item_not_found", "没有这个巡查项目", e);
}

static int
item_in_ok(const struct patrol_item_in *in, struct anju_err *e)
{
	int rc;

	if ((rc = text_ok(in->name, "name", "巡查项目名称", 40, e)) != 0)
		return rc;
	if (!one_of(in->severity, patrol_severities))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "severity",
				 "严重程度应为 low、medium 或 high");
	if (in->finding_action != NULL && !one_of(in->finding_action, patrol_finding_actions))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "finding_action",
				 "发现问题时的处理应为 none、work_order 或 violation");
	if (in->work_order_category != NULL &&
	    !one_of(in->work_order_category, patrol_wo_categories))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "work_order_category",
				 "维修类别不正确");
	if (in->violation_type != NULL && !one_of(in->violation_type, patrol_violation_types))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "violation_type",
				 "违规类型不正确");
	return 0;
}

int
patrol_item_save(struct db *db, int64_t id, const struct patrol_item_in *in,
		 const struct audit_actor *who, int64_t *saved, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	const char *action = in->finding_action;
	const char *cat = action && strcmp(action, "work_order") == 0
				  ? (in->work_order_category ? in->work_order_category : "other")
				  : NULL;
	const char *vtype = action && strcmp(action, "violation") == 0
				    ? (in->violation_type ? in->violation_type : "other")
				    : NULL;
	json_t *before = NULL, *after = NULL, *d;
	int rc;

	if ((rc = item_in_ok(in, e)) != 0)
		return rc;
	if (id != 0) {
		if ((rc = patrol_item_get(db, id, &before, e)) != 0)
			return rc;
		if (json_is_true(json_object_get(before, "retired"))) {
			json_decref(before);
			return anju_fail(e, ANJU_ECONFLICT, "patrol_item_retired", NULL,
					 "该巡查项目已停用，不能修改");
		}
	}
	rc = db_prepare(db, "SELECT id FROM patrol_item WHERE name = ? AND id <> ?", &st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, in->name);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(before);
		return rc == DB_ROW ? anju_fail(e, ANJU_ECONFLICT, "patrol_item_exists", "name",
						"已有同名的巡查项目")
				    : db_fail(db, rc, e);
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		id == 0 ? "INSERT INTO patrol_item (name, severity, finding_action,"
			  " work_order_category, violation_type, updated_at, updated_by,"
			  " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
			: "UPDATE patrol_item SET name = ?, severity = ?, finding_action = ?,"
			  " work_order_category = ?, violation_type = ?, updated_at = ?,"
			  " updated_by = ? WHERE id = ? RETURNING id",
		&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, in->name);
	db_bind_cstr(st, 2, in->severity);
	db_bind_cstr(st, 3, action);
	db_bind_cstr(st, 4, cat);
	db_bind_cstr(st, 5, vtype);
	db_bind_cstr(st, 6, now);
	db_bind_cstr(st, 7, by(who));
	if (id == 0)
		db_bind_cstr(st, 8, now);
	else
		db_bind_int64(st, 8, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*saved = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	if ((rc = patrol_item_get(db, *saved, &after, e)) != 0) {
		json_decref(before);
		return rc;
	}
	json_object_del(after, "updated_at");
	json_object_del(after, "created_at");
	if (before != NULL) {
		json_object_del(before, "updated_at");
		json_object_del(before, "created_at");
	}
	d = audit_diff(before, after);
	rc = audit_id(db, who, id == 0 ? "patrol_item.create" : "patrol_item.update", "patrol_item",
		      *saved, json_incref(json_object_get(d, "before")),
		      json_incref(json_object_get(d, "after")), e);
	json_decref(d);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
patrol_item_retire(struct db *db, int64_t id, const struct audit_actor *who, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	json_t *cur = NULL;
	int rc;

	if ((rc = patrol_item_get(db, id, &cur, e)) != 0)
		return rc;
	if (json_is_true(json_object_get(cur, "retired"))) {
		json_decref(cur);
		return anju_fail(e, ANJU_ECONFLICT, "patrol_item_retired", NULL,
				 "该巡查项目已停用");
	}
	json_decref(cur);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE patrol_item SET retired_at = ?, updated_at = ?, updated_by = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, by(who));
	db_bind_int64(st, 4, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	return audit_id(db, who, "patrol_item.retire", "patrol_item", id, NULL,
			json_pack("{s:s}", "retired_at", now), e);
}

int
patrol_severity_actions(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT severity, action, updated_at, updated_by"
			    " FROM patrol_severity_action ORDER BY CASE severity WHEN 'low' THEN 1"
			    " WHEN 'medium' THEN 2 ELSE 3 END",
			    &st);

	*items = NULL;
	if (rc != 0)
		return db_fail(db, rc, e);
	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(
			*items, json_pack("{s:s, s:s, s:s, s:s}", "severity", db_col_text(st, 0),
					  "action", db_col_text(st, 1), "updated_at",
					  db_col_text(st, 2), "updated_by", db_col_text(st, 3)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

int
patrol_severity_action_set(struct db *db, const char *severity, const char *action,
			   const struct audit_actor *who, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	json_t *after;
	int rc;

	if (!one_of(severity, patrol_severities))
		return anju_fail(e, ANJU_ENOTFOUND, "severity_not_found", "severity",
				 "严重程度应为 low、medium 或 high");
	if (!one_of(action, patrol_finding_actions))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "action",
				 "处理应为 none、work_order 或 violation");
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE patrol_severity_action SET action = ?, updated_at = ?,"
			" updated_by = ? WHERE severity = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, action);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, by(who));
	db_bind_cstr(st, 4, severity);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = json_pack("{s:s}", "action", action);
	rc = audit_write(db, who, "patrol_severity_action.set", "patrol_severity_action", severity,
			 NULL, after, e);
	json_decref(after);
	return rc;
}

/*
 * Points.
 */

/* The items of ids exist and are not retired. */
static int
items_ok(struct db *db, const int64_t *ids, int n, const char *field, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if (n < 1 || n > PATROL_POINT_ITEMS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "巡查项目应有 1 到 %d 项",
				 PATROL_POINT_ITEMS_MAX);
	rc = db_prepare(db,
			"SELECT CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END FROM patrol_item"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (ids[j] == ids[i]) {
				db_reset(st);
				return anju_fail(e, ANJU_EINVAL, "duplicate", field,
						 "巡查项目 %lld 重复", (long long)ids[i]);
			}
		db_bind_int64(st, 1, ids[i]);
		rc = db_step(st);
		int64_t live = rc == DB_ROW ? db_col_int64(st, 0) : 0;
		db_reset(st);
		if (rc == DB_DONE)
			return anju_fail(e, ANJU_ENOTFOUND, "patrol_item_not_found", field,
					 "没有巡查项目 %lld", (long long)ids[i]);
		if (rc != DB_ROW)
			return db_fail(db, rc, e);
		if (!live)
			return anju_fail(e, ANJU_ECONFLICT, "patrol_item_retired", field,
					 "巡查项目 %lld 已停用", (long long)ids[i]);
	}
	return 0;
}

/* The point's community when c sees it: 0 or ANJU_ENOTFOUND. */
static int
point_community(struct db *db, const struct caller *c, int64_t id, int64_t *community,
		struct anju_err *e)
{
	return db_int_by_id(
		db,
		"SELECT community_id FROM patrol_point WHERE id = ? AND " SCOPE_SQL("community_id"),
		id, c, scope_bind, community, "patrol_point_not_found", "没有这个巡查点", e);
}

int
patrol_point_save(struct db *db, const struct caller *c, int64_t id,
		  const struct patrol_point_in *in, const struct audit_actor *who, int64_t *saved,
		  struct anju_err *e)
{
	struct housing_place p = in->place;
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int64_t old_community = 0;
	json_t *before = NULL, *after = NULL, *d;
	int rc;

	if ((rc = text_ok(in->name, "name", "巡查点名称", 60, e)) != 0)
		return rc;
	if (p.place != NULL && text_chars(p.place) > 64)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "place",
				 "位置说明最多 64 个字符");
	if ((rc = housing_place_resolve(db, &p, true, e)) != 0 ||
	    (rc = patrol_community_name(db, c, p.community_id, NULL, e)) != 0)
		return rc;
	if ((rc = items_ok(db, in->items, in->nitems, "items", e)) != 0)
		return rc;
	if (id != 0) {
		if ((rc = point_community(db, c, id, &old_community, e)) != 0)
			return rc;
		if (old_community != p.community_id)
			return anju_fail(e, ANJU_EINVAL, "community_changed", "community_id",
					 "巡查点不能移到另一个小区");
		if ((rc = patrol_point_get(db, c, id, &before, e)) != 0)
			return rc;
	}
	time_format_utc(time_now_us(), now);
	if (id == 0)
		rc = db_prepare(
			db,
			"INSERT INTO patrol_point (community_id, short_no, name, location,"
			" building_id, entrance, unit_id, asset_id, place, active, created_at,"
			" updated_at, updated_by) SELECT ?,"
			" COALESCE(MAX(short_no), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
			" FROM patrol_point WHERE community_id = ? RETURNING id",
			&st);
	else
		rc = db_prepare(db,
				"UPDATE patrol_point SET community_id = ?, name = ?, location = ?,"
				" building_id = ?, entrance = ?, unit_id = ?, asset_id = ?,"
				" place = ?, active = CASE WHEN ? < 0 THEN active ELSE ? END,"
				" updated_at = ?, updated_by = ? WHERE id = ? RETURNING id",
				&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, p.community_id);
	db_bind_cstr(st, 2, in->name);
	db_bind_cstr(st, 3, p.location);
	bind_or_null(st, 4, p.building_id);
	bind_or_null(st, 5, p.entrance);
	bind_or_null(st, 6, p.unit_id);
	bind_or_null(st, 7, p.asset_id);
	db_bind_cstr(st, 8, p.place ? p.place : "");
	if (id == 0) {
		db_bind_int64(st, 9, in->active == 0 ? 0 : 1);
		db_bind_cstr(st, 10, now);
		db_bind_cstr(st, 11, now);
		db_bind_cstr(st, 12, by(who));
		db_bind_int64(st, 13, p.community_id);
	} else {
		db_bind_int64(st, 9, in->active);
		db_bind_int64(st, 10, in->active);
		db_bind_cstr(st, 11, now);
		db_bind_cstr(st, 12, by(who));
		db_bind_int64(st, 13, id);
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		*saved = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	if ((rc = exec_id(db, "DELETE FROM patrol_point_item WHERE point_id = ?", *saved, e)) !=
	    0) {
		json_decref(before);
		return rc;
	}
	rc = db_prepare(
		db, "INSERT INTO patrol_point_item (point_id, seq, item_id) VALUES (?, ?, ?)", &st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	for (int i = 0; i < in->nitems; i++) {
		db_bind_int64(st, 1, *saved);
		db_bind_int64(st, 2, i + 1);
		db_bind_int64(st, 3, in->items[i]);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			json_decref(before);
			return db_fail(db, rc, e);
		}
	}
	if ((rc = patrol_point_get(db, c, *saved, &after, e)) != 0) {
		json_decref(before);
		return rc;
	}
	json_object_del(after, "updated_at");
	json_object_del(after, "label");
	if (before) {
		json_object_del(before, "updated_at");
		json_object_del(before, "label");
	}
	d = audit_diff(before, after);
	rc = audit_id(db, who, id == 0 ? "patrol_point.create" : "patrol_point.update",
		      "patrol_point", *saved, json_incref(json_object_get(d, "before")),
		      json_incref(json_object_get(d, "after")), e);
	json_decref(d);
	json_decref(before);
	json_decref(after);
	return rc;
}

#define POINT_COLS                                                                                 \
	"p.id, p.community_id, p.short_no, p.name, p.location, COALESCE(p.building_id, 0),"        \
	" COALESCE(p.entrance, 0), COALESCE(p.unit_id, 0), COALESCE(p.asset_id, 0), p.place,"      \
	" p.active, p.token_gen, p.token_at, p.created_at, p.updated_at, p.updated_by"

static json_t *
point_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	struct housing_place pl = {
		.location = db_col_text(st, 4),
		.community_id = db_col_int64(st, 1),
		.building_id = db_col_int64(st, 5),
		.entrance = (int)db_col_int64(st, 6),
		.unit_id = db_col_int64(st, 7),
		.asset_id = db_col_int64(st, 8),
		.place = db_col_text(st, 9),
	};

	return json_pack("{s:I, s:I, s:i, s:s, s:o, s:b, s:{s:i, s:o}, s:s, s:s, s:s, s:[]}", "id",
			 (json_int_t)db_col_int64(st, 0), "community_id",
			 (json_int_t)db_col_int64(st, 1), "short_no", (int)db_col_int64(st, 2),
			 "name", db_col_text(st, 3), "place", housing_place_json(&pl), "active",
			 db_col_int64(st, 10) != 0, "label", "generation",
			 (int)db_col_int64(st, 11), "printed_at", text_or_null(st, 12),
			 "created_at", db_col_text(st, 13), "updated_at", db_col_text(st, 14),
			 "updated_by", db_col_text(st, 15), "items");
}

/* Completes each of *items with fill; on failure *items is freed and NULL. */
static int
each_fill(struct db *db, json_t **items, int (*fill)(struct db *, json_t *, struct anju_err *),
	  struct anju_err *e)
{
	json_t *o;
	size_t i;
	int rc = 0;

	json_array_foreach (*items, i, o) {
		if ((rc = fill(db, o, e)) != 0)
			break;
	}
	if (rc != 0) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

/* Appends the point's checklist to its "items". */
static int
point_items(struct db *db, json_t *point, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items = json_object_get(point, "items");
	int rc = db_prepare(db,
			    "SELECT i.id, i.name, i.severity,"
			    " CASE WHEN i.retired_at IS NULL THEN 0 ELSE 1 END"
			    " FROM patrol_point_item pi JOIN patrol_item i ON i.id = pi.item_id"
			    " WHERE pi.point_id = ? ORDER BY pi.seq",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, json_integer_value(json_object_get(point, "id")));
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items,
				      json_pack("{s:I, s:s, s:s, s:b}", "id",
						(json_int_t)db_col_int64(st, 0), "name",
						db_col_text(st, 1), "severity", db_col_text(st, 2),
						"retired", db_col_int64(st, 3) != 0));
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
patrol_point_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e)
{
	int rc = db_json_by_id(
		db,
		"SELECT " POINT_COLS
		" FROM patrol_point p WHERE p.id = ? AND " SCOPE_SQL("p.community_id"),
		id, c, scope_bind, point_json, out, "patrol_point_not_found", "没有这个巡查点", e);

	if (rc == 0 && (rc = point_items(db, *out, e)) != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
patrol_point_list(struct db *db, const struct caller *c, int64_t community_id, bool all,
		  json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	if ((rc = patrol_community_name(db, c, community_id, NULL, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " POINT_COLS " FROM patrol_point p WHERE p.community_id = ?"
			" AND (? = 1 OR p.active = 1) ORDER BY p.short_no",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_int64(st, 2, all ? 1 : 0);
	if ((rc = db_rows_json(db, st, point_json, items, e)) != 0)
		return rc;
	return each_fill(db, items, point_items, e);
}

/*
 * Labels.
 */

/* RFC 4648 base32 without padding: 24 bytes give 39 characters. */
static void
base32(const uint8_t *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = abc[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = abc[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Hex HMAC-SM3 under the index key of LABEL_DOMAIN || 0x00 || token. */
static void
token_mac(const char *token, size_t n, char out[2 * SM3_LEN + 1])
{
	struct hmac_sm3_ctx *h = hmac_sm3_new(keys_index(keys_current()), KEYS_LEN);
	uint8_t mac[SM3_LEN];

	hmac_sm3_update(h, LABEL_DOMAIN, sizeof(LABEL_DOMAIN));
	hmac_sm3_update(h, token, n);
	hmac_sm3_final(h, mac);
	hex_encode(mac, SM3_LEN, out);
}

int
patrol_labels_issue(struct db *db, const struct caller *c, int64_t community_id, int64_t point_id,
		    const struct audit_actor *who, struct patrol_label **labels, int *n,
		    char community[128], struct anju_err *e)
{
	char now[TIME_FMT_LEN], mac[2 * SM3_LEN + 1], token[PATROL_TOKEN_LEN + 1];
	struct patrol_label *l = NULL;
	struct db_stmt *st = NULL, *up = NULL;
	json_t *printed = NULL;
	int cap = 0, count = 0, rc;
	uint8_t raw[24];

	*labels = NULL;
	*n = 0;
	if ((rc = patrol_community_name(db, c, community_id, community, e)) != 0)
		return rc;
	rc = db_prepare(
		db,
		"SELECT id, short_no, name, token_gen FROM patrol_point WHERE community_id = ?"
		" AND active = 1 AND (? = 0 OR id = ?) ORDER BY short_no",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_int64(st, 2, point_id);
	db_bind_int64(st, 3, point_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			l = xrealloc(l, (size_t)cap * sizeof(*l));
		}
		memset(&l[count], 0, sizeof(*l));
		l[count].point_id = db_col_int64(st, 0);
		l[count].short_no = (int)db_col_int64(st, 1);
		snprintf(l[count].name, sizeof(l[count].name), "%s", db_col_text(st, 2));
		l[count].gen = (int)db_col_int64(st, 3) + 1;
		count++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (count == 0) {
		rc = anju_fail(e, point_id ? ANJU_ENOTFOUND : ANJU_ECONFLICT,
			       point_id ? "patrol_point_not_found" : "no_patrol_points", NULL,
			       point_id ? "该小区没有这个启用的巡查点"
					: "该小区还没有启用的巡查点");
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE patrol_point SET token_mac = ?, token_gen = ?, token_at = ?"
			" WHERE id = ?",
			&up);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	printed = json_array();
	for (int i = 0; i < count; i++) {
		random_bytes(raw, sizeof(raw));
		base32(raw, sizeof(raw), token);
		token_mac(token, strlen(token), mac);
		snprintf(l[i].qr, sizeof(l[i].qr), QR_PREFIX "%lld:%s", (long long)l[i].point_id,
			 token);
		db_bind_cstr(up, 1, mac);
		db_bind_int64(up, 2, l[i].gen);
		db_bind_cstr(up, 3, now);
		db_bind_int64(up, 4, l[i].point_id);
		rc = db_step(up);
		db_reset(up);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		json_array_append_new(printed,
				      json_pack("{s:I, s:i}", "point_id", (json_int_t)l[i].point_id,
						"generation", l[i].gen));
	}
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(token, sizeof(token));
	rc = audit_id(db, who, "patrol.labels_print", "community", community_id, NULL,
		      json_pack("{s:o}", "labels", printed), e);
	printed = NULL;
	if (rc == 0) {
		*labels = l;
		*n = count;
		l = NULL;
	}
out:
	json_decref(printed);
	if (l != NULL) {
		explicit_bzero(l, (size_t)cap * sizeof(*l));
		free(l);
	}
	return rc;
}

int
patrol_label_point(struct db *db, const char *scanned, int64_t *point_id, int *gen,
		   struct anju_err *e)
{
	const char *tok = scanned ? scanned : "";
	char mac[2 * SM3_LEN + 1], typed[PATROL_TOKEN_LEN + 2];
	int64_t named = 0, found = 0;
	struct db_stmt *st;
	size_t n;
	int rc;

	*point_id = 0;
	*gen = 0;
	if (strncmp(tok, QR_PREFIX, strlen(QR_PREFIX)) == 0) {
		struct str s = str_c(tok + strlen(QR_PREFIX)), head;

		if (!str_cut(&s, ':', &head) || str_to_int64(head, 1, INT64_MAX, &named) != 0)
			return anju_fail(e, ANJU_EFORBIDDEN, "label_invalid", "token",
					 "标签无效：请扫描本巡查点当前的二维码标签");
		tok = s.p;
	}
	/* Typed in from the label: spaces dropped, letters upper-cased. */
	for (n = 0; *tok != '\0' && n < sizeof(typed) - 1; tok++)
		if (*tok != ' ' && *tok != '-')
			typed[n++] = (char)(*tok >= 'a' && *tok <= 'z' ? *tok - 'a' + 'A' : *tok);
	typed[n] = '\0';
	tok = typed;
	if (n != PATROL_TOKEN_LEN)
		return anju_fail(e, ANJU_EFORBIDDEN, "label_invalid", "token",
				 "标签无效：请扫描本巡查点当前的二维码标签");
	token_mac(tok, n, mac);
	rc = db_prepare(db, "SELECT id, token_gen FROM patrol_point WHERE token_mac = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, mac);
	rc = db_step(st);
	if (rc == DB_ROW) {
		found = db_col_int64(st, 0);
		*gen = (int)db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (found == 0 || (named != 0 && named != found))
		return anju_fail(e, ANJU_EFORBIDDEN, "label_invalid", "token",
				 "标签无效或已作废：请扫描本巡查点当前的二维码标签");
	*point_id = found;
	return 0;
}

/*
 * Plans.
 */

static int
plan_in_ok(const struct patrol_plan_in *in, struct anju_err *e)
{
	int rc;

	if ((rc = text_ok(in->name, "name", "计划名称", 60, e)) != 0)
		return rc;
	if (!one_of(in->frequency, patrol_frequencies))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "frequency",
				 "频次应为 daily、weekly、monthly 或 quarterly");
	if (strcmp(in->frequency, "weekly") == 0 && (in->weekday < 1 || in->weekday > 7))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "weekday",
				 "每周巡查应指定星期（1 星期一 到 7 星期日）");
	if ((strcmp(in->frequency, "monthly") == 0 || strcmp(in->frequency, "quarterly") == 0) &&
	    (in->month_day < 1 || in->month_day > 31))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "month_day",
				 "每月或每季巡查应指定日期（1 到 31）");
	if (strcmp(in->frequency, "quarterly") == 0 &&
	    (in->quarter_month < 1 || in->quarter_month > 3))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "quarter_month",
				 "每季巡查应指定季度中的第几个月（1 到 3）");
	if (in->npoints < 1 || in->npoints > PATROL_ROUTE_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "points",
				 "巡查路线应有 1 到 %d 个巡查点", PATROL_ROUTE_MAX);
	if (in->ninspectors < 1 || in->ninspectors > PATROL_INSPECTORS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "inspectors",
				 "应指定 1 到 %d 名巡查人员", PATROL_INSPECTORS_MAX);
	return 0;
}

/* The route's points are active points of the community, each once; the
 * inspectors active accounts that patrol (inspector, operator staff or
 * manager) with the community in their scope. */
static int
route_ok(struct db *db, int64_t community, const struct patrol_plan_in *in, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT community_id, active FROM patrol_point WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < in->npoints; i++) {
		int64_t com = 0, active = 0;

		for (int j = 0; j < i; j++)
			if (in->points[j] == in->points[i]) {
				db_reset(st);
				return anju_fail(e, ANJU_EINVAL, "duplicate", "points",
						 "巡查点 %lld 在路线中重复",
						 (long long)in->points[i]);
			}
		db_bind_int64(st, 1, in->points[i]);
		rc = db_step(st);
		if (rc == DB_ROW) {
			com = db_col_int64(st, 0);
			active = db_col_int64(st, 1);
		}
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return db_fail(db, rc, e);
		if (com != community)
			return anju_fail(e, ANJU_ENOTFOUND, "patrol_point_not_found", "points",
					 "本小区没有巡查点 %lld", (long long)in->points[i]);
		if (!active)
			return anju_fail(e, ANJU_ECONFLICT, "patrol_point_inactive", "points",
					 "巡查点 %lld 已停用", (long long)in->points[i]);
	}
	rc = db_prepare(db,
			"SELECT a.role, a.state, (SELECT COUNT(*) FROM scope_grant g"
			" WHERE g.principal = 'account:' || CAST(a.id AS TEXT)"
			" AND g.community_id = ?) FROM account a WHERE a.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < in->ninspectors; i++) {
		bool fit = false;

		for (int j = 0; j < i; j++)
			if (in->inspectors[j] == in->inspectors[i]) {
				db_reset(st);
				return anju_fail(e, ANJU_EINVAL, "duplicate", "inspectors",
						 "巡查人员 %lld 重复",
						 (long long)in->inspectors[i]);
			}
		db_bind_int64(st, 1, community);
		db_bind_int64(st, 2, in->inspectors[i]);
		rc = db_step(st);
		if (rc == DB_ROW) {
			const char *role = db_col_text(st, 0);

			fit = (strcmp(role, "inspector") == 0 ||
			       strcmp(role, "operator_staff") == 0 ||
			       strcmp(role, "operator_manager") == 0) &&
			      strcmp(db_col_text(st, 1), "active") == 0 && db_col_int64(st, 2) != 0;
		}
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return db_fail(db, rc, e);
		if (!fit)
			return anju_fail(e, ANJU_EUNPROCESSABLE, "not_an_inspector", "inspectors",
					 "账号 %lld 不是负责本小区的巡查人员或运营人员",
					 (long long)in->inspectors[i]);
	}
	return 0;
}

/* The plan's community when c sees it. */
static int
plan_community(struct db *db, const struct caller *c, int64_t id, int64_t *community,
	       struct anju_err *e)
{
	return db_int_by_id(
		db,
		"SELECT community_id FROM patrol_plan WHERE id = ? AND " SCOPE_SQL("community_id"),
		id, c, scope_bind, community, "patrol_plan_not_found", "没有这个巡查计划", e);
}

/* Replaces a plan's route and inspectors. */
static int
plan_lists(struct db *db, int64_t id, const struct patrol_plan_in *in, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = exec_id(db, "DELETE FROM patrol_plan_point WHERE plan_id = ?", id, e)) != 0 ||
	    (rc = exec_id(db, "DELETE FROM patrol_plan_inspector WHERE plan_id = ?", id, e)) != 0)
		return rc;
	rc = db_prepare(
		db, "INSERT INTO patrol_plan_point (plan_id, seq, point_id) VALUES (?, ?, ?)", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < in->npoints; i++) {
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, i + 1);
		db_bind_int64(st, 3, in->points[i]);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
	}
	rc = db_prepare(db, "INSERT INTO patrol_plan_inspector (plan_id, account_id) VALUES (?, ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < in->ninspectors; i++) {
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, in->inspectors[i]);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
	}
	return 0;
}

int
patrol_plan_save(struct db *db, const struct caller *c, int64_t id, const struct patrol_plan_in *in,
		 const struct audit_actor *who, int64_t *saved, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int64_t community = in->community_id;
	bool weekly = strcmp(in->frequency ? in->frequency : "", "weekly") == 0;
	bool quarterly = strcmp(in->frequency ? in->frequency : "", "quarterly") == 0;
	bool monthly = quarterly || strcmp(in->frequency ? in->frequency : "", "monthly") == 0;
	json_t *before = NULL, *after = NULL, *d;
	int rc;

	if ((rc = plan_in_ok(in, e)) != 0)
		return rc;
	if (id != 0) {
		if ((rc = plan_community(db, c, id, &community, e)) != 0 ||
		    (rc = patrol_plan_get(db, c, id, &before, e)) != 0)
			return rc;
	} else if ((rc = patrol_community_name(db, c, community, NULL, e)) != 0) {
		return rc;
	}
	if ((rc = route_ok(db, community, in, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			id == 0 ? "INSERT INTO patrol_plan (name, frequency, weekday, month_day,"
				  " quarter_month, active, updated_at, updated_by, community_id,"
				  " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
				: "UPDATE patrol_plan SET name = ?, frequency = ?, weekday = ?,"
				  " month_day = ?, quarter_month = ?, active = CASE WHEN ? < 0 THEN"
				  " active ELSE ? END, updated_at = ?, updated_by = ? WHERE id = ?"
				  " RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, in->name);
	db_bind_cstr(st, 2, in->frequency);
	bind_or_null(st, 3, weekly ? in->weekday : 0);
	bind_or_null(st, 4, monthly ? in->month_day : 0);
	bind_or_null(st, 5, quarterly ? in->quarter_month : 0);
	if (id == 0) {
		db_bind_int64(st, 6, in->active == 0 ? 0 : 1);
		db_bind_cstr(st, 7, now);
		db_bind_cstr(st, 8, by(who));
		db_bind_int64(st, 9, community);
		db_bind_cstr(st, 10, now);
	} else {
		db_bind_int64(st, 6, in->active);
		db_bind_int64(st, 7, in->active);
		db_bind_cstr(st, 8, now);
		db_bind_cstr(st, 9, by(who));
		db_bind_int64(st, 10, id);
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		*saved = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if ((rc = plan_lists(db, *saved, in, e)) != 0 ||
	    (rc = patrol_plan_get(db, c, *saved, &after, e)) != 0)
		goto out;
	json_object_del(after, "updated_at");
	if (before)
		json_object_del(before, "updated_at");
	d = audit_diff(before, after);
	rc = audit_id(db, who, id == 0 ? "patrol_plan.create" : "patrol_plan.update", "patrol_plan",
		      *saved, json_incref(json_object_get(d, "before")),
		      json_incref(json_object_get(d, "after")), e);
	json_decref(d);
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

#define PLAN_COLS                                                                                  \
	"id, community_id, name, frequency, weekday, month_day, quarter_month, active,"            \
	" created_at, updated_at, updated_by"

static json_t *
plan_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:b, s:s, s:s, s:s, s:[], s:[]}",
			 "id", (json_int_t)db_col_int64(st, 0), "community_id",
			 (json_int_t)db_col_int64(st, 1), "name", db_col_text(st, 2), "frequency",
			 db_col_text(st, 3), "weekday", int_or_null(st, 4), "month_day",
			 int_or_null(st, 5), "quarter_month", int_or_null(st, 6), "active",
			 db_col_int64(st, 7) != 0, "created_at", db_col_text(st, 8), "updated_at",
			 db_col_text(st, 9), "updated_by", db_col_text(st, 10), "points",
			 "inspectors");
}

static int
plan_fill(struct db *db, json_t *plan, struct anju_err *e)
{
	int64_t id = json_integer_value(json_object_get(plan, "id"));
	json_t *points = json_object_get(plan, "points");
	json_t *inspectors = json_object_get(plan, "inspectors");
	struct db_stmt *st;
	int rc = db_prepare(
		db,
		"SELECT pp.point_id, p.short_no, p.name, p.active FROM patrol_plan_point pp"
		" JOIN patrol_point p ON p.id = pp.point_id WHERE pp.plan_id = ?"
		" ORDER BY pp.seq",
		&st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(points, json_pack("{s:I, s:i, s:s, s:b}", "id",
							(json_int_t)db_col_int64(st, 0), "short_no",
							(int)db_col_int64(st, 1), "name",
							db_col_text(st, 2), "active",
							db_col_int64(st, 3) != 0));
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	rc = db_prepare(db,
			"SELECT a.id, a.username, CASE WHEN a.display_name = '' THEN a.username "
			"ELSE a.display_name END, a.role"
			" FROM patrol_plan_inspector pi JOIN account a ON a.id = pi.account_id"
			" WHERE pi.plan_id = ? ORDER BY a.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(inspectors,
				      json_pack("{s:I, s:s, s:s, s:s}", "id",
						(json_int_t)db_col_int64(st, 0), "username",
						db_col_text(st, 1), "name", db_col_text(st, 2),
						"role", db_col_text(st, 3)));
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
patrol_plan_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	int rc = db_json_by_id(
		db,
		"SELECT " PLAN_COLS " FROM patrol_plan WHERE id = ? AND " SCOPE_SQL("community_id"),
		id, c, scope_bind, plan_json, out, "patrol_plan_not_found", "没有这个巡查计划", e);

	if (rc == 0 && (rc = plan_fill(db, *out, e)) != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
patrol_plan_list(struct db *db, const struct caller *c, int64_t community_id, json_t **items,
		 struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	if ((rc = patrol_community_name(db, c, community_id, NULL, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " PLAN_COLS " FROM patrol_plan WHERE community_id = ? ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	if ((rc = db_rows_json(db, st, plan_json, items, e)) != 0)
		return rc;
	return each_fill(db, items, plan_fill, e);
}

int
patrol_inspector_list(struct db *db, const struct caller *c, int64_t community_id, json_t **items,
		      struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	if ((rc = patrol_community_name(db, c, community_id, NULL, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT a.id, a.username, CASE WHEN a.display_name = '' THEN a.username"
			" ELSE a.display_name END, a.role FROM account a JOIN scope_grant g"
			" ON g.principal = 'account:' || CAST(a.id AS TEXT) AND g.community_id = ?"
			" WHERE a.state = 'active' AND a.role IN ('inspector', 'operator_staff',"
			" 'operator_manager') ORDER BY a.role, a.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(*items,
				      json_pack("{s:I, s:s, s:s, s:s}", "id",
						(json_int_t)db_col_int64(st, 0), "username",
						db_col_text(st, 1), "name", db_col_text(st, 2),
						"role", db_col_text(st, 3)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}
