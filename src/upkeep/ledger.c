/*
 * The maintenance ledger (维修台账): a community's work orders finished in a
 * month (done_at within the month in Asia/Shanghai, done or confirmed
 * since), with their costs, the totals by responsibility (operator, tenant,
 * warranty, owner) and the whole; as JSON and as an xlsx workbook.  It
 * reads work_order only; a tenant's repair charge is the money core's.
 */
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "access/scope.h"
#include "core/date.h"
#include "store/db.h"
#include "transfer/xlsx.h"
#include "upkeep/work_order.h"

#define LEDGER_ROWS_MAX 100000

static const char *const category_titles[] = { "给排水", "电气", "电梯", "屋面", "门锁", "其他" };
static const char *const responsibility_titles[] = { "承接主体", "住户承担", "保修/施工单位",
						     "产权单位" };

static const char *
title_of(const char *const *names, const char *const *titles, const char *s)
{
	for (int i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return titles[i];
	return s ? s : "";
}

int
maintenance_ledger(struct db *db, const struct caller *c, int64_t community_id, const char *period,
		   json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct period p;
	char from[TIME_FMT_LEN], to[TIME_FMT_LEN], *name = NULL;
	int64_t by[4] = { 0 }, total = 0, n = 0;
	json_t *items, *byj;
	int rc;

	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period", "月份应为 YYYY-MM");
	rc = db_prepare(db, "SELECT name FROM community WHERE id = ? AND " SCOPE_SQL("id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		name = strdup(db_col_text(st, 0));
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	time_format_utc(shanghai_to_utc_us(period_first_day(p), 0, 0), from);
	time_format_utc(shanghai_to_utc_us(period_first_day(period_add(p, 1)), 0, 0), to);
	rc = db_prepare(db,
			"SELECT w.id, w.done_at, w.confirmed_at, w.location, u.number, w.place,"
			" w.category, w.urgency, w.description, w.state, w.responsibility,"
			" w.cost_fen, w.satisfaction, w.charge_id, b.name, s.type"
			" FROM work_order w LEFT JOIN unit u ON u.id = w.unit_id"
			" LEFT JOIN building b ON b.id = w.building_id"
			" LEFT JOIN asset s ON s.id = w.asset_id"
			" WHERE w.community_id = ? AND w.done_at >= ? AND w.done_at < ?"
			" AND w.state IN ('done', 'confirmed') ORDER BY w.done_at, w.id LIMIT ?",
			&st);
	if (rc != 0) {
		free(name);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, community_id);
	db_bind_cstr(st, 2, from);
	db_bind_cstr(st, 3, to);
	db_bind_int64(st, 4, LEDGER_ROWS_MAX);
	items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		const char *resp = db_col_text(st, 10);
		int64_t cost = db_col_int64(st, 11);

		for (int k = 0; work_order_responsibilities[k] != NULL; k++)
			if (resp != NULL && strcmp(resp, work_order_responsibilities[k]) == 0)
				by[k] += cost;
		total += cost;
		n++;
		json_array_append_new(
			items,
			json_pack(
				"{s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:s, s:s, s:s, s:s,"
				" s:o, s:I, s:o, s:o}",
				"id", (json_int_t)db_col_int64(st, 0), "done_at",
				db_col_text(st, 1), "confirmed_at",
				db_col_null(st, 2) ? json_null() : json_string(db_col_text(st, 2)),
				"location", db_col_text(st, 3), "unit_number",
				db_col_null(st, 4) ? json_null() : json_string(db_col_text(st, 4)),
				"place", db_col_text(st, 5), "building_name",
				db_col_null(st, 14) ? json_null()
						    : json_string(db_col_text(st, 14)),
				"asset_type",
				db_col_null(st, 15) ? json_null()
						    : json_string(db_col_text(st, 15)),
				"category", db_col_text(st, 6), "urgency", db_col_text(st, 7),
				"description", db_col_text(st, 8), "state", db_col_text(st, 9),
				"responsibility", resp ? json_string(resp) : json_null(),
				"cost_fen", (json_int_t)cost, "satisfaction",
				db_col_null(st, 12) ? json_null()
						    : json_integer(db_col_int64(st, 12)),
				"charge_id",
				db_col_null(st, 13) ? json_null()
						    : json_integer(db_col_int64(st, 13))));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(name);
		json_decref(items);
		return db_fail(db, rc, e);
	}
	byj = json_object();
	for (int k = 0; work_order_responsibilities[k] != NULL; k++)
		json_object_set_new(byj, work_order_responsibilities[k], json_integer(by[k]));
	*out = json_pack("{s:I, s:s, s:s, s:o, s:o, s:I, s:I}", "community_id",
			 (json_int_t)community_id, "community_name", name, "period", period,
			 "items", items, "by_responsibility", byj, "count", (json_int_t)n,
			 "total_fen", (json_int_t)total);
	free(name);
	return 0;
}

/* The ledger's sheet: a title, one row per order, the totals. */
static void
ledger_sheet(lxw_workbook *wb, json_t *l)
{
	static const char *const heads[] = { "工单号",     "完工时间", "位置", "类别",
					     "紧急程度",   "问题描述", "状态", "责任方",
					     "费用（元）", "满意度" };
	lxw_worksheet *ws = workbook_add_worksheet(wb, "维修台账");
	lxw_format *bold = workbook_add_format(wb), *yuan = workbook_add_format(wb);
	char title[256], where[256];
	json_t *it;
	size_t i;
	lxw_row_t row = 2;

	format_set_bold(bold);
	format_set_num_format(yuan, "#,##0.00");
	snprintf(title, sizeof(title), "%s 维修台账 %s",
		 json_string_value(json_object_get(l, "community_name")),
		 json_string_value(json_object_get(l, "period")));
	worksheet_write_string(ws, 0, 0, title, bold);
	for (int k = 0; k < 10; k++)
		worksheet_write_string(ws, 1, (lxw_col_t)k, heads[k], bold);
	json_array_foreach (json_object_get(l, "items"), i, it) {
		const char *unit = json_string_value(json_object_get(it, "unit_number"));
		const char *bld = json_string_value(json_object_get(it, "building_name"));
		const char *asset = json_string_value(json_object_get(it, "asset_type"));
		json_t *sat = json_object_get(it, "satisfaction");

		snprintf(where, sizeof(where), "%s%s%s%s%s", unit ? unit : (bld ? bld : ""),
			 bld && !unit ? "号楼" : "", asset ? asset : "",
			 json_string_value(json_object_get(it, "place"))[0] ? " " : "",
			 json_string_value(json_object_get(it, "place")));
		worksheet_write_number(ws, row, 0,
				       (double)json_integer_value(json_object_get(it, "id")), NULL);
		worksheet_write_string(ws, row, 1,
				       json_string_value(json_object_get(it, "done_at")), NULL);
		worksheet_write_string(ws, row, 2, where, NULL);
		worksheet_write_string(ws, row, 3,
				       title_of(work_order_categories, category_titles,
						json_string_value(json_object_get(it, "category"))),
				       NULL);
		worksheet_write_string(ws, row, 4,
				       json_string_value(json_object_get(it, "urgency")), NULL);
		worksheet_write_string(ws, row, 5,
				       json_string_value(json_object_get(it, "description")), NULL);
		worksheet_write_string(ws, row, 6, json_string_value(json_object_get(it, "state")),
				       NULL);
		worksheet_write_string(
			ws, row, 7,
			title_of(work_order_responsibilities, responsibility_titles,
				 json_string_value(json_object_get(it, "responsibility"))),
			NULL);
		xlsx_write_fen(ws, row, 8, json_integer_value(json_object_get(it, "cost_fen")),
			       yuan);
		if (json_is_integer(sat))
			worksheet_write_number(ws, row, 9, (double)json_integer_value(sat), NULL);
		row++;
	}
	row++;
	for (int k = 0; work_order_responsibilities[k] != NULL; k++, row++) {
		worksheet_write_string(ws, row, 7, responsibility_titles[k], bold);
		xlsx_write_fen(
			ws, row, 8,
			json_integer_value(json_object_get(json_object_get(l, "by_responsibility"),
							   work_order_responsibilities[k])),
			yuan);
	}
	worksheet_write_string(ws, row, 7, "合计", bold);
	xlsx_write_fen(ws, row, 8, json_integer_value(json_object_get(l, "total_fen")), yuan);
	worksheet_set_column(ws, 1, 1, 28, NULL);
	worksheet_set_column(ws, 2, 2, 20, NULL);
	worksheet_set_column(ws, 5, 5, 40, NULL);
}

int
maintenance_ledger_xlsx(struct db *db, const struct caller *c, int64_t community_id,
			const char *period, struct buf *out, struct anju_err *e)
{
	char path[XLSX_TEMP_PATH_MAX];
	lxw_workbook *wb;
	json_t *l = NULL;
	int rc;

	if ((rc = maintenance_ledger(db, c, community_id, period, &l, e)) != 0)
		return rc;
	if ((wb = xlsx_temp_new(path, e)) == NULL) {
		json_decref(l);
		return ANJU_EIO;
	}
	ledger_sheet(wb, l);
	rc = xlsx_temp_finish(wb, path, out, e);
	json_decref(l);
	return rc;
}
