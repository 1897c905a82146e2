/*
 * Patrol rounds (issue 8 part A): the schedule "patrol_rounds" makes, for
 * every active plan due on a day, one round that copies the plan's route,
 * the points' checklists and the inspectors, so that later changes of the
 * plan do not rewrite what was asked that day; the inspector checks in at
 * each point by scanning its label (the server's time, the browser's
 * location when granted) and enters each item's result as it goes.  An
 * item not fine is a finding, which opens a work order (part C) or a
 * suspected violation (part B) through upkeep.h when its item (or its
 * severity) says so.  See patrol.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/rows.h"
#include "store/page.h"
#include "upkeep/patrol.h"
#include "upkeep/upkeep.h"
#include "upkeep/violation.h"

/* Serialises the generation of rounds across processes ("patrgen"). */
#define GENERATE_LOCK_KEY INT64_C(0x7061747267656e00)

static const struct audit_actor schedule_actor = { "system", "patrol_rounds", NULL, NULL, NULL };

static const char *
by(const struct audit_actor *who)
{
	return who && who->principal ? who->principal : "system";
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

/* Runs sql with the parameters binds (ints when text is NULL) to its end;
 * *changes the rows it changed (may be NULL). */
struct bindv {
	const char *text;
	int64_t v;
};

static int
run(struct db *db, const char *sql, const struct bindv *b, int n, int64_t *changes,
    struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++) {
		if (b[i].text != NULL)
			db_bind_cstr(st, i + 1, b[i].text);
		else
			db_bind_int64(st, i + 1, b[i].v);
	}
	rc = db_step(st);
	if (rc == DB_DONE && changes != NULL)
		*changes = db_changes(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* Audits a change to (type, oid) with after (taken). */
static int
audit_after(struct db *db, const struct audit_actor *who, const char *action, const char *type,
	    const char *oid, json_t *after, struct anju_err *e)
{
	int rc = audit_write(db, who, action, type, oid, NULL, after, e);

	json_decref(after);
	return rc;
}

/*
 * Generation.
 */

int
patrol_rounds_generate(struct db *db, const char *due_on, const struct audit_actor *who,
		       int64_t *made, int64_t *missed, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct date d;
	struct db_stmt *st;
	int64_t first = 0, n_made = 0, n_missed = 0;
	int last, rc;

	if (due_on == NULL || date_parse(str_c(due_on), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "due_on",
				 "日期应为有效日期 YYYY-MM-DD");
	last = date_cmp(d, period_last_day(period_of(d))) == 0;
	time_format_utc(time_now_us(), now);
	if ((rc = db_tx_lock(db, GENERATE_LOCK_KEY)) != 0)
		return db_fail(db, rc, e);
	/* A round of an earlier day that is not done is missed: its day ended. */
	rc = run(db,
		 "UPDATE patrol_round SET state = 'missed', updated_at = ?"
		 " WHERE state IN ('assigned', 'in_progress') AND due_on < ?",
		 (struct bindv[]){ { now, 0 }, { due_on, 0 } }, 2, &n_missed, e);
	if (rc != 0)
		return rc;
	rc = db_prepare(db, "SELECT COALESCE(MAX(id), 0) FROM patrol_round", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW)
		first = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* The plans due that day; the unique (plan_id, due_on) makes a re-run
	 * (or a race the lock did not cover) make nothing. */
	rc = run(db,
		 "INSERT INTO patrol_round (plan_id, community_id, plan_name, due_on, state,"
		 " created_at, updated_at) SELECT p.id, p.community_id, p.name, ?, 'assigned', ?, ?"
		 " FROM patrol_plan p WHERE p.active = 1 AND (p.frequency = 'daily'"
		 " OR (p.frequency = 'weekly' AND p.weekday = ?)"
		 " OR (p.frequency IN ('monthly', 'quarterly') AND (p.month_day = ?"
		 " OR (? = 1 AND p.month_day > ?))"
		 " AND (p.frequency = 'monthly' OR p.quarter_month = ?)))"
		 " AND NOT EXISTS (SELECT 1 FROM patrol_round r WHERE r.plan_id = p.id"
		 " AND r.due_on = ?)"
		 " AND EXISTS (SELECT 1 FROM patrol_plan_point pp JOIN patrol_point pt"
		 " ON pt.id = pp.point_id WHERE pp.plan_id = p.id AND pt.active = 1)"
		 " ORDER BY p.id",
		 (struct bindv[]){ { due_on, 0 },
				   { now, 0 },
				   { now, 0 },
				   { NULL, date_weekday(d) },
				   { NULL, d.d },
				   { NULL, last },
				   { NULL, d.d },
				   { NULL, (d.m - 1) % 3 + 1 },
				   { due_on, 0 } },
		 9, &n_made, e);
	if (rc != 0)
		return rc;
	if (n_made > 0) {
		const struct bindv after[] = { { NULL, first } };

		if ((rc = run(db,
			      "INSERT INTO patrol_round_point (round_id, seq, point_id, name)"
			      " SELECT r.id, pp.seq, pp.point_id, pt.name FROM patrol_round r"
			      " JOIN patrol_plan_point pp ON pp.plan_id = r.plan_id"
			      " JOIN patrol_point pt ON pt.id = pp.point_id"
			      " WHERE r.id > ? AND pt.active = 1",
			      after, 1, NULL, e)) != 0 ||
		    (rc = run(db,
			      "INSERT INTO patrol_round_item (round_point_id, seq, item_id, name,"
			      " severity) SELECT rp.id, pi.seq, pi.item_id, i.name, i.severity"
			      " FROM patrol_round_point rp"
			      " JOIN patrol_point_item pi ON pi.point_id = rp.point_id"
			      " JOIN patrol_item i ON i.id = pi.item_id"
			      " WHERE rp.round_id > ? AND i.retired_at IS NULL",
			      after, 1, NULL, e)) != 0 ||
		    (rc = run(db,
			      "INSERT INTO patrol_round_inspector (round_id, account_id)"
			      " SELECT r.id, pi.account_id FROM patrol_round r"
			      " JOIN patrol_plan_inspector pi ON pi.plan_id = r.plan_id"
			      " WHERE r.id > ?",
			      after, 1, NULL, e)) != 0)
			return rc;
	}
	if (made)
		*made = n_made;
	if (missed)
		*missed = n_missed;
	if (n_made == 0 && n_missed == 0)
		return 0;
	return audit_after(db, who, "patrol.rounds_generate", "patrol_round", due_on,
			   json_pack_ex(NULL, 0, "{s:s, s:I, s:I}", "due_on", due_on, "made",
					(json_int_t)n_made, "missed", (json_int_t)n_missed),
			   e);
}

static const struct field rounds_params[] = {
	{ "date", F_DATE, false, .desc = "巡查日期（默认今天）" },
	{ NULL },
};

static int
rounds_run(struct job_ctx *ctx, struct anju_err *e)
{
	const char *date = json_string_value(json_object_get(job_params(ctx), "date"));
	char today[DATE_FMT_LEN];
	int64_t made = 0, missed = 0;
	int rc;

	if (date == NULL) {
		date_format(date_today_shanghai(), today);
		date = today;
	}
	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = patrol_rounds_generate(job_db(ctx), date, &schedule_actor, &made, &missed, e)) !=
	    0) {
		job_chunk_abort(ctx);
		return rc;
	}
	if ((rc = job_chunk_end(ctx, made, made, "", "巡查任务已生成", e)) != 0)
		return rc;
	job_set_result(ctx, json_pack("{s:s, s:I, s:I}", "date", date, "made", (json_int_t)made,
				      "missed", (json_int_t)missed));
	return 0;
}

const struct job_kind job_kind_patrol_rounds = { "patrol_rounds",
						 "生成当天巡查任务（逾期的记为漏巡）",
						 rounds_params, rounds_run };

/*
 * Reads.
 */

#define ROUND_COLS                                                                                 \
	"r.id, r.plan_id, r.plan_name, r.community_id, c.name, r.due_on, r.state, r.started_at,"   \
	" r.finished_at, r.created_at, r.updated_at,"                                              \
	" (SELECT COUNT(*) FROM patrol_round_point rp WHERE rp.round_id = r.id),"                  \
	" (SELECT COUNT(*) FROM patrol_round_point rp WHERE rp.round_id = r.id"                    \
	" AND rp.checked_in_at IS NOT NULL),"                                                      \
	" (SELECT COUNT(*) FROM patrol_result x WHERE x.round_id = r.id"                           \
	" AND x.outcome = 'not_fine')"

static json_t *
round_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I}",
			 "id", (json_int_t)db_col_int64(st, 0), "plan_id",
			 (json_int_t)db_col_int64(st, 1), "plan_name", db_col_text(st, 2),
			 "community_id", (json_int_t)db_col_int64(st, 3), "community_name",
			 db_col_text(st, 4), "due_on", db_col_text(st, 5), "state",
			 db_col_text(st, 6), "started_at", text_or_null(st, 7), "finished_at",
			 text_or_null(st, 8), "created_at", db_col_text(st, 9), "updated_at",
			 db_col_text(st, 10), "points_total", (json_int_t)db_col_int64(st, 11),
			 "points_checked", (json_int_t)db_col_int64(st, 12), "findings",
			 (json_int_t)db_col_int64(st, 13));
}

static int64_t
account_of(const struct caller *c)
{
	return c != NULL && c->kind == CALLER_ACCOUNT ? c->id : -1;
}

int
patrol_round_list(struct db *db, const struct caller *c, const struct patrol_round_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(
		db,
		"SELECT " ROUND_COLS " FROM patrol_round r JOIN community c"
		" ON c.id = r.community_id WHERE " SCOPE_SQL(
			"r.community_id") " AND (? = '' OR r.due_on = ?) AND (? = '' OR r.state = "
					  "?)"
					  " AND (? = 0 OR r.community_id = ?) AND (? = 0 OR "
					  "r.plan_id = ?)"
					  " AND (? = 0 OR EXISTS (SELECT 1 FROM "
					  "patrol_round_inspector ri"
					  " WHERE ri.round_id = r.id AND ri.account_id = ?))"
					  " AND (? = 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	int i = scope_bind(st, 1, c);
	db_bind_cstr(st, i++, f->due_on ? f->due_on : "");
	db_bind_cstr(st, i++, f->due_on ? f->due_on : "");
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->plan_id);
	db_bind_int64(st, i++, f->plan_id);
	db_bind_int64(st, i++, f->mine ? 1 : 0);
	db_bind_int64(st, i++, account_of(c));
	db_bind_int64(st, i++, f->after_id);
	db_bind_int64(st, i++, f->after_id);
	db_bind_int64(st, i, f->limit + 1);
	rc = page_collect(st, f->limit, round_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

/* What a round's write needs to know of it. */
struct round_row {
	int64_t id, community_id;
	char state[16], due_on[DATE_FMT_LEN];
};

static void
round_read(struct db_stmt *st, void *out)
{
	struct round_row *r = out;

	r->id = db_col_int64(st, 0);
	r->community_id = db_col_int64(st, 1);
	snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 2));
	snprintf(r->due_on, sizeof(r->due_on), "%s", db_col_text(st, 3));
}

static int
round_load(struct db *db, const struct caller *c, int64_t id, struct round_row *r,
	   struct anju_err *e)
{
	return db_row_by_id(db,
			    "SELECT id, community_id, state, due_on FROM patrol_round"
			    " WHERE id = ? AND " SCOPE_SQL("community_id"),
			    id, c, scope_bind, round_read, r, "patrol_round_not_found",
			    "没有这个巡查任务", e);
}

static const char *
state_title(const char *s)
{
	return strcmp(s, "assigned") == 0      ? "待巡查"
	       : strcmp(s, "in_progress") == 0 ? "巡查中"
	       : strcmp(s, "done") == 0        ? "已完成"
					       : "漏巡";
}

static int
items_of_point(struct db *db, int64_t round_point_id, json_t *items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(
		db,
		"SELECT ri.item_id, ri.name, ri.severity, x.id, x.outcome, x.note, x.saved_at,"
		" x.updated_at, x.updated_by, x.finding_action, x.work_order_id, x.violation_id,"
		" (SELECT COUNT(*) FROM attachment a WHERE a.owner_type = 'patrol_result'"
		" AND a.owner_id = x.id AND a.removed_at IS NULL)"
		" FROM patrol_round_item ri LEFT JOIN patrol_result x"
		" ON x.round_point_id = ri.round_point_id AND x.item_id = ri.item_id"
		" WHERE ri.round_point_id = ? ORDER BY ri.seq",
		&st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, round_point_id);
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *res = json_null();

		if (!db_col_null(st, 3))
			res = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I}", "id",
					(json_int_t)db_col_int64(st, 3), "outcome",
					db_col_text(st, 4), "note", db_col_text(st, 5), "saved_at",
					db_col_text(st, 6), "updated_at", db_col_text(st, 7),
					"updated_by", db_col_text(st, 8), "finding_action",
					text_or_null(st, 9), "work_order_id", int_or_null(st, 10),
					"violation_id", int_or_null(st, 11), "photos",
					(json_int_t)db_col_int64(st, 12));
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:o}", "item_id",
						       (json_int_t)db_col_int64(st, 0), "name",
						       db_col_text(st, 1), "severity",
						       db_col_text(st, 2), "result", res));
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
patrol_round_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e)
{
	struct db_stmt *st;
	json_t *points, *inspectors, *p;
	size_t i;
	int rc = db_json_by_id(
		db,
		"SELECT " ROUND_COLS " FROM patrol_round r JOIN community c"
		" ON c.id = r.community_id WHERE r.id = ? AND " SCOPE_SQL("r.community_id"),
		id, c, scope_bind, round_json, out, "patrol_round_not_found", "没有这个巡查任务",
		e);

	if (rc != 0)
		return rc;
	points = json_array();
	inspectors = json_array();
	json_object_set_new(*out, "points", points);
	json_object_set_new(*out, "inspectors", inspectors);
	rc = db_prepare(db,
			"SELECT a.id, CASE WHEN a.display_name = '' THEN a.username ELSE "
			"a.display_name END FROM patrol_round_inspector"
			" ri JOIN account a ON a.id = ri.account_id WHERE ri.round_id = ?"
			" ORDER BY a.id",
			&st);
	if (rc != 0)
		goto fail;
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(inspectors,
				      json_pack("{s:I, s:s}", "id", (json_int_t)db_col_int64(st, 0),
						"name", db_col_text(st, 1)));
	db_reset(st);
	if (rc != DB_DONE)
		goto fail;
	rc = db_prepare(
		db,
		"SELECT rp.id, rp.seq, rp.point_id, rp.name, p.short_no, p.location,"
		" COALESCE(p.building_id, 0), COALESCE(p.entrance, 0), COALESCE(p.unit_id, 0),"
		" COALESCE(p.asset_id, 0), p.place, p.community_id, rp.checked_in_at,"
		" rp.checked_in_by, rp.label_gen, rp.lat, rp.lng, rp.accuracy"
		" FROM patrol_round_point rp JOIN patrol_point p ON p.id = rp.point_id"
		" WHERE rp.round_id = ? ORDER BY rp.seq",
		&st);
	if (rc != 0)
		goto fail;
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct housing_place pl = {
			.location = db_col_text(st, 5),
			.building_id = db_col_int64(st, 6),
			.entrance = (int)db_col_int64(st, 7),
			.unit_id = db_col_int64(st, 8),
			.asset_id = db_col_int64(st, 9),
			.place = db_col_text(st, 10),
			.community_id = db_col_int64(st, 11),
		};

		json_array_append_new(
			points,
			json_pack("{s:I, s:i, s:I, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
				  " s:[]}",
				  "round_point_id", (json_int_t)db_col_int64(st, 0), "seq",
				  (int)db_col_int64(st, 1), "point_id",
				  (json_int_t)db_col_int64(st, 2), "name", db_col_text(st, 3),
				  "short_no", (int)db_col_int64(st, 4), "place",
				  housing_place_json(&pl), "checked_in_at", text_or_null(st, 12),
				  "checked_in_by", text_or_null(st, 13), "label_generation",
				  int_or_null(st, 14), "lat", text_or_null(st, 15), "lng",
				  text_or_null(st, 16), "accuracy", int_or_null(st, 17), "items"));
	}
	db_reset(st);
	if (rc != DB_DONE)
		goto fail;
	json_array_foreach (points, i, p) {
		rc = items_of_point(db, json_integer_value(json_object_get(p, "round_point_id")),
				    json_object_get(p, "items"), e);
		if (rc != 0) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return db_fail(db, rc, e);
}

/*
 * Writes of the inspector.
 */

/* c may work on round r: one of its inspectors, or an operator manager of
 * its community (scope was checked when r was loaded); and r is open
 * today. */
static int
may_work(struct db *db, const struct caller *c, const struct round_row *r, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	struct db_stmt *st;
	int rc;

	if (c->role != ROLE_OPERATOR_MANAGER) {
		rc = db_prepare(db,
				"SELECT 1 FROM patrol_round_inspector WHERE round_id = ?"
				" AND account_id = ?",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, r->id);
		db_bind_int64(st, 2, account_of(c));
		rc = db_step(st);
		db_reset(st);
		if (rc == DB_DONE)
			return anju_fail(e, ANJU_EFORBIDDEN, "not_round_inspector", NULL,
					 "这不是分派给您的巡查任务");
		if (rc != DB_ROW)
			return db_fail(db, rc, e);
	}
	if (strcmp(r->state, "done") == 0 || strcmp(r->state, "missed") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "round_state", NULL, "巡查任务当前状态为「%s」",
				 state_title(r->state));
	date_format(date_today_shanghai(), today);
	if (strcmp(r->due_on, today) != 0)
		return anju_fail(e, ANJU_ECONFLICT, "round_not_today", NULL,
				 "这是 %s 的巡查任务，只能在当天巡查", r->due_on);
	return 0;
}

/* The round is done once every point is checked in and every item has a
 * result. */
static int
maybe_done(struct db *db, int64_t round_id, const char *now, struct anju_err *e)
{
	return run(db,
		   "UPDATE patrol_round SET state = 'done', finished_at = ?, updated_at = ?"
		   " WHERE id = ? AND state = 'in_progress' AND NOT EXISTS (SELECT 1 FROM"
		   " patrol_round_point rp WHERE rp.round_id = ? AND rp.checked_in_at IS NULL)"
		   " AND NOT EXISTS (SELECT 1 FROM patrol_round_item ri JOIN patrol_round_point"
		   " rp ON rp.id = ri.round_point_id WHERE rp.round_id = ? AND NOT EXISTS"
		   " (SELECT 1 FROM patrol_result x WHERE x.round_point_id = ri.round_point_id"
		   " AND x.item_id = ri.item_id))",
		   (struct bindv[]){ { now, 0 },
				     { now, 0 },
				     { NULL, round_id },
				     { NULL, round_id },
				     { NULL, round_id } },
		   5, NULL, e);
}

/* A coordinate in decimal degrees within [-limit, limit]: the text kept as
 * sent, at most 20 characters. */
static int
coord_ok(const char *s, double limit, const char *field, struct anju_err *e)
{
	char *end;
	double v;

	if (s == NULL)
		return 0;
	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || strlen(s) > 20 || !isfinite(v) || fabs(v) > limit)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				 "坐标应为 -%g 到 %g 之间的十进制度数", limit, limit);
	return 0;
}

int
patrol_visit(struct db *db, const struct caller *c, int64_t round_id,
	     const struct patrol_visit_in *in, const struct audit_actor *who, int64_t *point_id,
	     struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct round_row r;
	struct db_stmt *st;
	int64_t rp = 0, changed = 0;
	int gen = 0, rc;
	bool checked = false;

	*point_id = 0;
	if ((rc = coord_ok(in->lat, 90, "lat", e)) != 0 ||
	    (rc = coord_ok(in->lng, 180, "lng", e)) != 0)
		return rc;
	if ((in->lat == NULL) != (in->lng == NULL))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", in->lat ? "lng" : "lat",
				 "经纬度应同时提供");
	if ((rc = round_load(db, c, round_id, &r, e)) != 0 || (rc = may_work(db, c, &r, e)) != 0 ||
	    (rc = patrol_label_point(db, in->token, point_id, &gen, e)) != 0)
		return rc;
	if (in->point_id != 0 && in->point_id != *point_id)
		return anju_fail(e, ANJU_ECONFLICT, "label_other_point", "token",
				 "这是另一个巡查点的标签，请扫描本巡查点的标签");
	rc = db_prepare(db,
			"SELECT id, CASE WHEN checked_in_at IS NULL THEN 0 ELSE 1 END"
			" FROM patrol_round_point"
			" WHERE round_id = ? AND point_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, round_id);
	db_bind_int64(st, 2, *point_id);
	if ((rc = db_step(st)) == DB_ROW) {
		rp = db_col_int64(st, 0);
		checked = db_col_int64(st, 1) != 0;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (rp == 0)
		return anju_fail(e, ANJU_ECONFLICT, "label_other_point", "token",
				 "这是不在本次巡查路线上的巡查点的标签");
	if (checked)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE patrol_round_point SET checked_in_at = ?, checked_in_by = ?,"
			" label_gen = ?, lat = ?, lng = ?, accuracy = ? WHERE id = ?"
			" AND checked_in_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, by(who));
	db_bind_int64(st, 3, gen);
	db_bind_cstr(st, 4, in->lat);
	db_bind_cstr(st, 5, in->lng);
	if (in->accuracy >= 0)
		db_bind_int64(st, 6, in->accuracy);
	else
		db_bind_null(st, 6);
	db_bind_int64(st, 7, rp);
	rc = db_step(st);
	if (rc == DB_DONE)
		changed = db_changes(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (changed == 0)
		return 0;
	if ((rc = run(db,
		      "UPDATE patrol_round SET state = 'in_progress', started_at = ?,"
		      " updated_at = ? WHERE id = ? AND state = 'assigned'",
		      (struct bindv[]){ { now, 0 }, { now, 0 }, { NULL, round_id } }, 3, NULL,
		      e)) != 0 ||
	    (rc = maybe_done(db, round_id, now, e)) != 0)
		return rc;
	char oid[24];
	snprintf(oid, sizeof(oid), "%lld", (long long)round_id);
	return audit_after(db, who, "patrol.visit", "patrol_round", oid,
			   json_pack("{s:I, s:i, s:o, s:o, s:o}", "point_id", (json_int_t)*point_id,
				     "label_generation", gen, "lat",
				     in->lat ? json_string(in->lat) : json_null(), "lng",
				     in->lng ? json_string(in->lng) : json_null(), "accuracy",
				     in->accuracy >= 0 ? json_integer(in->accuracy) : json_null()),
			   e);
}

/* What a finding of item opens: the item's own action, else its
 * severity's. */
static int
finding_action(struct db *db, int64_t item_id, char action[16], struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT COALESCE(i.finding_action, s.action, 'none') FROM patrol_item i"
			    " LEFT JOIN patrol_severity_action s ON s.severity = i.severity"
			    " WHERE i.id = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, item_id);
	rc = db_step(st);
	snprintf(action, 16, "%s", rc == DB_ROW ? db_col_text(st, 0) : "none");
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The point and item of a result, for the record a finding opens. */
struct finding {
	struct housing_place place;
	char location[16], place_text[260], summary[1600];
	char category[24], vtype[24], severity[16];
	int64_t work_order_id, violation_id;
};

static int
finding_load(struct db *db, int64_t result_id, struct finding *f, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(
		db,
		"SELECT p.location, p.community_id, COALESCE(p.building_id, 0),"
		" COALESCE(p.entrance, 0), COALESCE(p.unit_id, 0), COALESCE(p.asset_id, 0),"
		" p.place, ri.name, rp.name, x.note, x.severity,"
		" COALESCE(i.work_order_category, 'other'), COALESCE(i.violation_type, 'other'),"
		" COALESCE(x.work_order_id, 0), COALESCE(x.violation_id, 0)"
		" FROM patrol_result x JOIN patrol_point p ON p.id = x.point_id"
		" JOIN patrol_round_point rp ON rp.id = x.round_point_id"
		" JOIN patrol_round_item ri ON ri.round_point_id = x.round_point_id"
		" AND ri.item_id = x.item_id JOIN patrol_item i ON i.id = x.item_id WHERE x.id = ?",
		&st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, result_id);
	if ((rc = db_step(st)) == DB_ROW) {
		const char *note = db_col_text(st, 9);

		snprintf(f->location, sizeof(f->location), "%s", db_col_text(st, 0));
		snprintf(f->place_text, sizeof(f->place_text), "%s", db_col_text(st, 6));
		f->place = (struct housing_place){ .location = f->location,
						   .community_id = db_col_int64(st, 1),
						   .building_id = db_col_int64(st, 2),
						   .entrance = (int)db_col_int64(st, 3),
						   .unit_id = db_col_int64(st, 4),
						   .asset_id = db_col_int64(st, 5),
						   .place = f->place_text };
		snprintf(f->summary, sizeof(f->summary), "巡查发现「%s」（%s）%s%s",
			 db_col_text(st, 7), db_col_text(st, 8), note[0] ? "：" : "", note);
		snprintf(f->severity, sizeof(f->severity), "%s", db_col_text(st, 10));
		snprintf(f->category, sizeof(f->category), "%s", db_col_text(st, 11));
		snprintf(f->vtype, sizeof(f->vtype), "%s", db_col_text(st, 12));
		f->work_order_id = db_col_int64(st, 13);
		f->violation_id = db_col_int64(st, 14);
	}
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Cuts s to at most max characters at a character boundary. */
static void
cut_chars(char *s, size_t max)
{
	size_t n = 0;

	for (char *p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == max) {
			*p = '\0';
			return;
		}
	}
}

/* Opens what a finding's action says, through the interfaces of upkeep.h,
 * in the caller's transaction: a work order (the item's category, urgent
 * for a high severity) or a suspected violation case (the item's type; an
 * asset's case is placed where the asset is).  Both are unique on the
 * result ("patrol_result", its id), so a result sent again opens nothing
 * more; the id is kept on the result. */
static int
finding_open(struct db *db, int64_t result_id, const char *action, const struct audit_actor *who,
	     struct anju_err *e)
{
	struct finding f;
	int64_t id = 0;
	bool created = false;
	int rc;

	if (strcmp(action, "work_order") != 0 && strcmp(action, "violation") != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	if ((rc = finding_load(db, result_id, &f, e)) != 0)
		return rc;
	if (action[0] == 'w') {
		struct work_order_in in = {
			.place = f.place,
			.category = f.category,
			.urgency = strcmp(f.severity, "high") == 0 ? "urgent" : "normal",
			.description = f.summary,
			.source = "patrol",
			.source_type = "patrol_result",
			.source_id = result_id,
		};

		if (f.work_order_id != 0)
			return 0;
		cut_chars(f.summary, 1000);
		if ((rc = work_order_raise(db, &in, who, &id, &created, e)) != 0)
			return rc;
		return run(db, "UPDATE patrol_result SET work_order_id = ? WHERE id = ?",
			   (struct bindv[]){ { NULL, id }, { NULL, result_id } }, 2, NULL, e);
	}
	if (f.violation_id != 0)
		return 0;
	/* Work in a unit under an approved renovation request (art. 26) is
	 * no breach: a damage finding there opens no case. */
	if (strcmp(f.vtype, "damage") == 0 && strcmp(f.location, "unit") == 0) {
		char today[DATE_FMT_LEN];
		bool approved = false;

		date_format(date_today_shanghai(), today);
		if ((rc = renovation_approved_on(db, f.place.unit_id, today, &approved, e)) != 0)
			return rc;
		if (approved)
			return 0;
	}
	if (strcmp(f.location, "asset") == 0) {
		f.place.location = f.place.unit_id ? "unit"
				   : f.place.building_id
					   ? (f.place.entrance ? "entrance" : "building")
					   : "community";
		f.place.asset_id = 0;
	}
	cut_chars(f.summary, 500);
	struct violation_report_in vin = {
		.type = f.vtype,
		.source = "patrol",
		.source_type = "patrol_result",
		.source_id = result_id,
		.place = f.place,
		.summary = f.summary,
	};
	if ((rc = violation_report(db, &vin, who, &id, &created, e)) != 0)
		return rc;
	return run(db, "UPDATE patrol_result SET violation_id = ? WHERE id = ?",
		   (struct bindv[]){ { NULL, id }, { NULL, result_id } }, 2, NULL, e);
}

int
patrol_result_save(struct db *db, const struct caller *c, int64_t round_id, int64_t point_id,
		   int64_t item_id, const char *outcome, const char *note,
		   const struct audit_actor *who, int64_t *result_id, struct anju_err *e)
{
	char now[TIME_FMT_LEN], action[16] = "", severity[16] = "";
	struct round_row r;
	struct db_stmt *st;
	int64_t rp = 0, existing = 0;
	bool checked = false, had_action = false;
	json_t *before = NULL;
	int rc;

	*result_id = 0;
	if (outcome == NULL || (strcmp(outcome, "fine") != 0 && strcmp(outcome, "not_fine") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "outcome",
				 "结果应为 fine（正常）或 not_fine（有问题）");
	if (note != NULL && text_chars(note) > 500)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "说明最多 500 个字符");
	if ((rc = round_load(db, c, round_id, &r, e)) != 0)
		return rc;
	if (strcmp(r.state, "done") == 0) /* a late correction on the day is kept */
		snprintf(r.state, sizeof(r.state), "%s", "in_progress");
	if ((rc = may_work(db, c, &r, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT rp.id, CASE WHEN rp.checked_in_at IS NULL THEN 0 ELSE 1 END, "
			"ri.severity, x.id, x.outcome,"
			" x.note, x.finding_action FROM patrol_round_point rp"
			" JOIN patrol_round_item ri ON ri.round_point_id = rp.id AND ri.item_id = ?"
			" LEFT JOIN patrol_result x ON x.round_point_id = rp.id AND x.item_id = ?"
			" WHERE rp.round_id = ? AND rp.point_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, item_id);
	db_bind_int64(st, 3, round_id);
	db_bind_int64(st, 4, point_id);
	if ((rc = db_step(st)) == DB_ROW) {
		rp = db_col_int64(st, 0);
		checked = db_col_int64(st, 1) != 0;
		snprintf(severity, sizeof(severity), "%s", db_col_text(st, 2));
		existing = db_col_int64(st, 3);
		if (existing != 0) {
			before = json_pack("{s:s, s:s}", "outcome", db_col_text(st, 4), "note",
					   db_col_text(st, 5));
			had_action = !db_col_null(st, 6);
			if (had_action)
				snprintf(action, sizeof(action), "%s", db_col_text(st, 6));
		}
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (rp == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "patrol_item_not_found", NULL,
				 "本次巡查的这个巡查点没有这个巡查项目");
	if (!checked) {
		json_decref(before);
		return anju_fail(e, ANJU_ECONFLICT, "not_checked_in", NULL,
				 "请先扫描本巡查点的标签签到，再登记巡查结果");
	}
	if (!had_action && strcmp(outcome, "not_fine") == 0 &&
	    (rc = finding_action(db, item_id, action, e)) != 0) {
		json_decref(before);
		return rc;
	}
	time_format_utc(time_now_us(), now);
	if (existing != 0)
		rc = db_prepare(
			db,
			"UPDATE patrol_result SET outcome = ?, note = ?, finding_action = ?,"
			" updated_at = ?, updated_by = ? WHERE id = ? RETURNING id",
			&st);
	else
		rc = db_prepare(
			db,
			"INSERT INTO patrol_result (outcome, note, finding_action, updated_at,"
			" updated_by, round_id, round_point_id, point_id, item_id,"
			" community_id, severity, saved_at, saved_by)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, outcome);
	db_bind_cstr(st, 2, note ? note : "");
	db_bind_cstr(st, 3, action[0] ? action : NULL);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, by(who));
	if (existing != 0) {
		db_bind_int64(st, 6, existing);
	} else {
		db_bind_int64(st, 6, round_id);
		db_bind_int64(st, 7, rp);
		db_bind_int64(st, 8, point_id);
		db_bind_int64(st, 9, item_id);
		db_bind_int64(st, 10, r.community_id);
		db_bind_cstr(st, 11, severity);
		db_bind_cstr(st, 12, now);
		db_bind_cstr(st, 13, by(who));
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		*result_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	if ((strcmp(outcome, "not_fine") == 0 &&
	     (rc = finding_open(db, *result_id, action, who, e)) != 0) ||
	    (rc = maybe_done(db, round_id, now, e)) != 0) {
		json_decref(before);
		return rc;
	}
	char oid[24];
	snprintf(oid, sizeof(oid), "%lld", (long long)*result_id);
	json_t *after = json_pack("{s:I, s:I, s:I, s:s, s:s, s:o}", "round_id",
				  (json_int_t)round_id, "point_id", (json_int_t)point_id, "item_id",
				  (json_int_t)item_id, "outcome", outcome, "note", note ? note : "",
				  "finding_action", action[0] ? json_string(action) : json_null());
	rc = audit_write(db, who, "patrol.result", "patrol_result", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
patrol_result_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			struct anju_err *e)
{
	*community_id = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return anju_fail(e, ANJU_ENOTFOUND, "patrol_result_not_found", NULL,
				 "没有这个巡查结果");
	return db_int_by_id(db,
			    "SELECT community_id FROM patrol_result WHERE id = ? AND " SCOPE_SQL(
				    "community_id"),
			    id, c, scope_bind, community_id, "patrol_result_not_found",
			    "没有这个巡查结果", e);
}

static json_t *
finding_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack(
		"{s:I, s:I, s:s, s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o,"
		" s:s, s:s}",
		"id", (json_int_t)db_col_int64(st, 0), "round_id", (json_int_t)db_col_int64(st, 1),
		"due_on", db_col_text(st, 2), "community_id", (json_int_t)db_col_int64(st, 3),
		"community_name", db_col_text(st, 4), "point_id", (json_int_t)db_col_int64(st, 5),
		"point_name", db_col_text(st, 6), "item_id", (json_int_t)db_col_int64(st, 7),
		"item_name", db_col_text(st, 8), "severity", db_col_text(st, 9), "note",
		db_col_text(st, 10), "finding_action", text_or_null(st, 11), "work_order_id",
		int_or_null(st, 12), "violation_id", int_or_null(st, 13), "saved_at",
		db_col_text(st, 14), "saved_by", db_col_text(st, 15));
}

int
patrol_finding_list(struct db *db, const struct caller *c, int64_t community_id, int limit,
		    int64_t after_id, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			"SELECT x.id, x.round_id, r.due_on, x.community_id, c.name, x.point_id,"
			" p.name, x.item_id, ri.name, x.severity, x.note, x.finding_action,"
			" x.work_order_id, x.violation_id, x.saved_at, x.saved_by"
			" FROM patrol_result x JOIN patrol_round r ON r.id = x.round_id"
			" JOIN community c ON c.id = x.community_id"
			" JOIN patrol_round_point p ON p.id = x.round_point_id"
			" JOIN patrol_round_item ri ON ri.round_point_id = x.round_point_id"
			" AND ri.item_id = x.item_id"
			" WHERE x.outcome = 'not_fine' AND " SCOPE_SQL(
				"x.community_id") " AND (? = 0 OR x.community_id = ?) AND (? = 0 "
						  "OR x.id < ?)"
						  " ORDER BY x.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	i = scope_bind(st, 1, c);
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, after_id);
	db_bind_int64(st, i++, after_id);
	db_bind_int64(st, i, limit + 1);
	rc = page_collect(st, limit, finding_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}
