/*
 * Preventive plans (预防性维护): an asset, or every asset of a type in a
 * community, looked after at a frequency in the schedule module's words
 * (weekly on an ISO weekday, monthly or quarterly on a day, clamped to the
 * month's last day).  The daily job raises each due plan's work orders
 * through work_order_raise with a preventive_occurrence as the source
 * record, unique on (plan, date, asset): a re-run of a day raises nothing.
 * See work_order.h and docs/upkeep-work-order.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/page.h"
#include "upkeep/work_order.h"

const char *const preventive_freqs[] = { "weekly", "monthly", "quarterly", NULL };

bool
preventive_due(const char *freq, int day, const char *date)
{
	struct date d;
	int last;

	if (freq == NULL || date == NULL || date_parse(str_c(date), &d) != 0)
		return false;
	if (strcmp(freq, "weekly") == 0)
		return date_weekday(d) == day;
	if (strcmp(freq, "quarterly") == 0 && (d.m - 1) % 3 != 0)
		return false;
	if (strcmp(freq, "monthly") != 0 && strcmp(freq, "quarterly") != 0)
		return false;
	last = date_days_in_month(d.y, d.m);
	return d.d == (day < last ? day : last);
}

static int
plan_check(const struct preventive_plan_in *in, bool create, struct anju_err *e)
{
	int rc;

	if ((rc = work_order_text_ok(in->name, "name", "计划名称", 64, create, e)) != 0 ||
	    (rc = work_order_text_ok(in->description, "description", "维护内容", 900, create, e)) !=
		    0)
		return rc;
	if (create && !work_order_in_list(work_order_categories, in->category))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "category", "类别无效");
	if (in->urgency != NULL && !work_order_in_list(work_order_urgencies, in->urgency))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "urgency", "紧急程度无效");
	if ((create || in->freq != NULL) && !work_order_in_list(preventive_freqs, in->freq))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "freq",
				 "频次应为 weekly、monthly 或 quarterly");
	if (in->freq != NULL &&
	    (in->day < 1 || in->day > (strcmp(in->freq, "weekly") == 0 ? 7 : 31)))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "day",
				 "每周的计划应为星期 1 到 7，其余为每月 1 到 31 日");
	return 0;
}

/* The community of a plan's place, in c's scope: an asset's, or the one
 * given for a type. */
static int
in_scope(struct db *db, const struct caller *c, int64_t community_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT 1 FROM community WHERE id = ? AND " SCOPE_SQL("id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
plan_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	   json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "preventive_plan", oid, before, after, e);
}

int
preventive_plan_create(struct db *db, const struct caller *c, const struct preventive_plan_in *in,
		       const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t community = in->community_id;
	json_t *after;
	int rc;

	if ((rc = plan_check(in, true, e)) != 0)
		return rc;
	if ((in->asset_id > 0) == (in->asset_type != NULL && in->asset_type[0] != '\0'))
		return anju_fail(e, ANJU_EINVAL, "asset_or_type", "asset_id",
				 "请指定一台设施设备或一种设施设备类型（二选一）");
	if ((rc = work_order_text_ok(in->asset_type, "asset_type", "设施设备类型", 32, false, e)) !=
	    0)
		return rc;
	if (in->asset_id > 0) {
		rc = db_prepare(db, "SELECT community_id FROM asset WHERE id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, in->asset_id);
		rc = db_step(st);
		community = rc == DB_ROW ? db_col_int64(st, 0) : 0;
		db_reset(st);
		if (rc == DB_DONE)
			return anju_fail(e, ANJU_ENOTFOUND, "asset_not_found", "asset_id",
					 "没有这个设施设备");
		if (rc != DB_ROW)
			return db_fail(db, rc, e);
	}
	if ((rc = in_scope(db, c, community, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO preventive_plan (community_id, asset_id, asset_type, name,"
			" category, urgency, description, freq, day, active, created_at,"
			" created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community);
	if (in->asset_id > 0) {
		db_bind_int64(st, 2, in->asset_id);
		db_bind_null(st, 3);
	} else {
		db_bind_null(st, 2);
		db_bind_cstr(st, 3, in->asset_type);
	}
	db_bind_cstr(st, 4, in->name);
	db_bind_cstr(st, 5, in->category);
	db_bind_cstr(st, 6, in->urgency ? in->urgency : "normal");
	db_bind_cstr(st, 7, in->description);
	db_bind_cstr(st, 8, in->freq);
	db_bind_int64(st, 9, in->day);
	db_bind_int64(st, 10, in->active == 0 ? 0 : 1);
	db_bind_cstr(st, 11, now);
	db_bind_cstr(st, 12, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 13, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:I, s:o, s:s?, s:s, s:s, s:s, s:i}", "community_id",
			  (json_int_t)community, "asset_id",
			  in->asset_id > 0 ? json_integer(in->asset_id) : json_null(), "asset_type",
			  in->asset_id > 0 ? NULL : in->asset_type, "name", in->name, "category",
			  in->category, "freq", in->freq, "day", in->day);
	rc = plan_audit(db, who, "preventive_plan.create", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

#define PLAN_SELECT                                                                                \
	"SELECT p.id, p.community_id, c.name, p.asset_id, p.asset_type, s.type, s.place, p.name,"  \
	" p.category, p.urgency, p.description, p.freq, p.day, p.active, p.created_at,"            \
	" p.updated_at FROM preventive_plan p JOIN community c ON c.id = p.community_id"           \
	" LEFT JOIN asset s ON s.id = p.asset_id"

static json_t *
plan_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack(
		"{s:I, s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:s,"
		" s:s}",
		"id", (json_int_t)db_col_int64(st, 0), "community_id",
		(json_int_t)db_col_int64(st, 1), "community_name", db_col_text(st, 2), "asset_id",
		db_col_null(st, 3) ? json_null() : json_integer(db_col_int64(st, 3)), "asset_type",
		db_col_null(st, 4)
			? (db_col_null(st, 5) ? json_null() : json_string(db_col_text(st, 5)))
			: json_string(db_col_text(st, 4)),
		"asset_place", db_col_null(st, 6) ? json_null() : json_string(db_col_text(st, 6)),
		"name", db_col_text(st, 7), "category", db_col_text(st, 8), "urgency",
		db_col_text(st, 9), "description", db_col_text(st, 10), "freq", db_col_text(st, 11),
		"day", (json_int_t)db_col_int64(st, 12), "active", db_col_int64(st, 13) != 0,
		"created_at", db_col_text(st, 14), "updated_at", db_col_text(st, 15));
}

int
preventive_plan_list(struct db *db, const struct caller *c, int64_t community_id, int64_t after_id,
		     int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i = 3;

	rc = db_prepare(db,
			PLAN_SELECT
			" WHERE p.id > ? AND (? = 0 OR p.community_id = ?) AND " SCOPE_SQL(
				"p.community_id") " ORDER BY p.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, community_id);
	db_bind_int64(st, i++, community_id);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, limit + 1);
	if ((rc = page_collect(st, limit, plan_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
preventive_plan_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, PLAN_SELECT " WHERE p.id = ? AND " SCOPE_SQL("p.community_id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = plan_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "plan_not_found", NULL,
				 "没有这个预防性维护计划");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
preventive_plan_update(struct db *db, const struct caller *c, int64_t id,
		       const struct preventive_plan_in *in, const struct audit_actor *who,
		       struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before = NULL, *after, *d;
	int rc;

	if ((rc = preventive_plan_get(db, c, id, &before, e)) != 0)
		return rc;
	after = json_deep_copy(before);
	if (in->name != NULL)
		json_object_set_new(after, "name", json_string(in->name));
	if (in->description != NULL)
		json_object_set_new(after, "description", json_string(in->description));
	if (in->urgency != NULL)
		json_object_set_new(after, "urgency", json_string(in->urgency));
	if (in->freq != NULL) {
		json_object_set_new(after, "freq", json_string(in->freq));
		json_object_set_new(after, "day", json_integer(in->day));
	}
	if (in->active >= 0)
		json_object_set_new(after, "active", json_boolean(in->active));
	{
		struct preventive_plan_in chk = {
			.name = json_string_value(json_object_get(after, "name")),
			.description = json_string_value(json_object_get(after, "description")),
			.urgency = json_string_value(json_object_get(after, "urgency")),
			.freq = json_string_value(json_object_get(after, "freq")),
			.day = (int)json_integer_value(json_object_get(after, "day")),
			.category = json_string_value(json_object_get(after, "category")),
		};
		if ((rc = plan_check(&chk, true, e)) != 0)
			goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE preventive_plan SET name = ?, description = ?, urgency = ?,"
			" freq = ?, day = ?, active = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, json_string_value(json_object_get(after, "name")));
	db_bind_cstr(st, 2, json_string_value(json_object_get(after, "description")));
	db_bind_cstr(st, 3, json_string_value(json_object_get(after, "urgency")));
	db_bind_cstr(st, 4, json_string_value(json_object_get(after, "freq")));
	db_bind_int64(st, 5, json_integer_value(json_object_get(after, "day")));
	db_bind_int64(st, 6, json_is_true(json_object_get(after, "active")) ? 1 : 0);
	db_bind_cstr(st, 7, now);
	db_bind_int64(st, 8, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	d = audit_diff(before, after);
	if (d != NULL)
		rc = plan_audit(db, who, "preventive_plan.update", id, json_object_get(d, "before"),
				json_object_get(d, "after"), e);
	json_decref(d);
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

/* One occurrence: the row (plan, date, asset), and its order. */
static int
occur(struct db *db, int64_t plan, int64_t community, const char *date, int64_t asset,
      const char *category, const char *urgency, const char *name, const char *description,
      const struct audit_actor *who, int *raised, struct anju_err *e)
{
	struct work_order_in in = { 0 };
	struct db_stmt *st;
	char now[TIME_FMT_LEN], text[1100];
	int64_t occ = 0, order = 0;
	bool created = false;
	int rc;

	(void)community;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO preventive_occurrence (plan_id, due_on, asset_id, created_at)"
			" VALUES (?, ?, ?, ?) ON CONFLICT (plan_id, due_on, asset_id) DO NOTHING"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, plan);
	db_bind_cstr(st, 2, date);
	db_bind_int64(st, 3, asset);
	db_bind_cstr(st, 4, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		occ = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (occ == 0)
		return 0; /* this day's order of the plan and asset exists */
	snprintf(text, sizeof(text), "%s（%s）：%s", name, date, description);
	in.place.location = "asset";
	in.place.asset_id = asset;
	in.category = category;
	in.urgency = urgency;
	in.description = text;
	in.source = "preventive";
	in.source_type = "preventive_occurrence";
	in.source_id = occ;
	if ((rc = work_order_raise(db, &in, who, &order, &created, e)) != 0)
		return rc;
	rc = db_prepare(db, "UPDATE preventive_occurrence SET work_order_id = ? WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, order);
	db_bind_int64(st, 2, occ);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (created)
		(*raised)++;
	return 0;
}

int
preventive_run(struct db *db, const char *date, const struct audit_actor *who, int *raised,
	       struct anju_err *e)
{
	struct db_stmt *st;
	struct due {
		int64_t plan, community, asset;
		char category[16], urgency[16], name[256], description[4096];
	} *list = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*raised = 0;
	/* Each active plan's assets: its own, or its type's in its community. */
	rc = db_prepare(db,
			"SELECT p.id, p.community_id, s.id, p.category, p.urgency, p.name,"
			" p.description, p.freq, p.day FROM preventive_plan p"
			" JOIN asset s ON (p.asset_id IS NOT NULL AND s.id = p.asset_id)"
			" OR (p.asset_id IS NULL AND s.community_id = p.community_id"
			" AND s.type = p.asset_type)"
			" WHERE p.active = 1 ORDER BY p.id, s.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		if (!preventive_due(db_col_text(st, 7), (int)db_col_int64(st, 8), date))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[n].plan = db_col_int64(st, 0);
		list[n].community = db_col_int64(st, 1);
		list[n].asset = db_col_int64(st, 2);
		snprintf(list[n].category, sizeof(list[n].category), "%s", db_col_text(st, 3));
		snprintf(list[n].urgency, sizeof(list[n].urgency), "%s", db_col_text(st, 4));
		snprintf(list[n].name, sizeof(list[n].name), "%s", db_col_text(st, 5));
		snprintf(list[n].description, sizeof(list[n].description), "%s",
			 db_col_text(st, 6));
		n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(list);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = occur(db, list[i].plan, list[i].community, date, list[i].asset,
			   list[i].category, list[i].urgency, list[i].name, list[i].description,
			   who, raised, e);
	free(list);
	return rc;
}

/*
 * The daily job ("preventive_orders", scheduled at 00:40 Asia/Shanghai):
 * raises the orders of the plans due on as_of (default today) in one
 * transaction; a re-run or a second server raises nothing more.
 */
static const struct field job_params_fields[] = {
	{ "as_of", F_DATE, false, .desc = "按哪一天生成（默认今天）" },
	{ NULL },
};

static int
orders_job_run(struct job_ctx *ctx, struct anju_err *e)
{
	static const struct audit_actor who = { "system", "preventive_orders", "system", NULL,
						NULL };
	const char *as_of = json_string_value(json_object_get(job_params(ctx), "as_of"));
	char today[DATE_FMT_LEN];
	int raised = 0, rc;

	if (as_of == NULL) {
		date_format(date_today_shanghai(), today);
		as_of = today;
	}
	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = preventive_run(job_db(ctx), as_of, &who, &raised, e)) != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	if ((rc = job_chunk_end(ctx, raised, raised, "work_orders", "预防性维护工单已生成", e)) !=
	    0)
		return rc;
	job_set_result(ctx, json_pack("{s:s, s:i}", "as_of", as_of, "raised", raised));
	return 0;
}

const struct job_kind job_kind_preventive_orders = { "preventive_orders",
						     "按预防性维护计划生成维修工单",
						     job_params_fields, orders_job_run };
