/*
 * Renovation requests (art. 26): staff ask for a tenant, the operator's
 * manager checks, the bureau approves or refuses, the operator records the
 * work done.  See violation.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "store/db.h"
#include "store/rows.h"
#include "upkeep/violation.h"
#include "upkeep/violation_int.h"

const char *const renovation_states[] = { "requested", "checked", "approved",
					  "refused",   "done",    NULL };
const char *const renovation_actions[] = { "check", "approve", "refuse", "done", NULL };

static int
not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "renovation_not_found", NULL, "没有这个装修申请");
}

int
renovation_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		     struct anju_err *e)
{
	*community_id = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return not_found(e);
	return db_int_by_id(
		db,
		"SELECT community_id FROM renovation_request WHERE id = ? AND " SCOPE_SQL(
			"community_id"),
		id, c, scope_bind, community_id, "renovation_not_found", "没有这个装修申请", e);
}

int
renovation_create(struct db *db, const struct caller *c, const struct renovation_in *in,
		  const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	struct date from, to;
	char now[TIME_FMT_LEN], today[DATE_FMT_LEN], oid[24];
	int64_t community = 0, household = in->household_id;
	size_t n = in->description != NULL ? text_chars(in->description) : 0;
	json_t *after;
	int rc;

	*id = 0;
	if (n < 2 || n > 1000)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "description",
				 "装修内容应为 2 到 1000 个字符");
	if (in->planned_from == NULL || date_parse(str_c(in->planned_from), &from) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "planned_from",
				 "计划开工日期应为 YYYY-MM-DD 格式");
	if (in->planned_to == NULL || date_parse(str_c(in->planned_to), &to) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "planned_to",
				 "计划完工日期应为 YYYY-MM-DD 格式");
	if (date_cmp(from, to) > 0)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "planned_to",
				 "计划完工日期不能早于开工日期");
	rc = db_prepare(db,
			"SELECT community_id FROM unit WHERE id = ? AND " SCOPE_SQL("community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->unit_id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		community = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "unit_not_found", "unit_id", "没有这套房屋");
	/* The household: the one given must hold a lease of the unit; none
	 * given, the one in force today. */
	date_format(date_today_shanghai(), today);
	rc = db_prepare(db,
			"SELECT household_id FROM lease WHERE unit_id = ? AND (? = 0 OR"
			" household_id = ?) AND state IN ('signed', 'in_force') AND"
			" COALESCE(ended_on, ends_on) >= ? ORDER BY starts_on LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->unit_id);
	db_bind_int64(st, 2, household);
	db_bind_int64(st, 3, household);
	db_bind_cstr(st, 4, today);
	household = 0;
	if ((rc = db_step(st)) == DB_ROW)
		household = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (household == 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "no_tenant", "household_id",
				 "该房屋没有在租的承租家庭");
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO renovation_request (unit_id, community_id, household_id,"
			" description, planned_from, planned_to, state, requested_at, requested_by,"
			" requested_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'requested', ?,"
			" ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->unit_id);
	db_bind_int64(st, 2, community);
	db_bind_int64(st, 3, household);
	db_bind_cstr(st, 4, in->description);
	db_bind_cstr(st, 5, in->planned_from);
	db_bind_cstr(st, 6, in->planned_to);
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, violation_principal(who));
	db_bind_cstr(st, 9, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 10, now);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "unit_id", (json_int_t)in->unit_id,
			  "household_id", (json_int_t)household, "description", in->description,
			  "planned_from", in->planned_from, "planned_to", in->planned_to, "state",
			  "requested");
	rc = audit_write(db, who, "renovation.request", "renovation_request", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
renovation_act(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	       const char *action, const char *note, const char *done_on, struct anju_err *e)
{
	static const struct {
		const char *action, *from, *to;
	} steps[] = {
		{ "check", "requested", "checked" },
		{ "approve", "checked", "approved" },
		{ "refuse", "checked", "refused" },
		{ "done", "approved", "done" },
	};
	struct db_stmt *st;
	struct date d;
	char state[24] = "", now[TIME_FMT_LEN], today[DATE_FMT_LEN], oid[24], act[40];
	int64_t community;
	int step = -1, rc;
	size_t n = note != NULL ? text_chars(note) : 0;
	json_t *before, *after;

	for (int i = 0; i < 4; i++)
		if (action != NULL && strcmp(steps[i].action, action) == 0)
			step = i;
	if (step < 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "action", "没有这个操作");
	if ((rc = renovation_community(db, c, id, &community, e)) != 0)
		return rc;
	if ((step == 1 || step == 2) && c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "只有住房保障部门可以批准或不批准装修申请");
	if (step == 0 && c->role != ROLE_OPERATOR_MANAGER)
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "装修申请由运营方经理审核");
	if ((step == 2 && n == 0) || (n > 0 && (n < 2 || n > VIOLATION_REASON_MAX)))
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note",
				 "说明应为 2 到 %d 个字符", VIOLATION_REASON_MAX);
	date_format(date_today_shanghai(), today);
	if (step == 3 && done_on != NULL) {
		struct date t;

		if (date_parse(str_c(done_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "done_on",
					 "完工日期应为 YYYY-MM-DD 格式");
		date_parse(str_c(today), &t);
		if (date_cmp(d, t) > 0)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "done_on",
					 "完工日期不能晚于今天");
	}
	if ((rc = db_prepare(db, "SELECT state FROM renovation_request WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		snprintf(state, sizeof(state), "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (strcmp(state, steps[step].from) != 0)
		return anju_fail(e, ANJU_ECONFLICT, "renovation_state", "state",
				 "申请当前状态为 %s，不能进行此操作", state);
	time_format_utc(time_now_us(), now);
	if (step == 0)
		rc = db_prepare(
			db,
			"UPDATE renovation_request SET state = ?, checked_at = ?,"
			" checked_by = ?, checked_by_name = ?, check_note = ?, updated_at = ?"
			" WHERE id = ? AND state = ?",
			&st);
	else if (step < 3)
		rc = db_prepare(db,
				"UPDATE renovation_request SET state = ?, decided_at = ?,"
				" decided_by = ?, decided_by_name = ?, decision_reason = ?,"
				" updated_at = ? WHERE id = ? AND state = ?",
				&st);
	else
		rc = db_prepare(
			db,
			"UPDATE renovation_request SET state = ?, done_at = ?, done_by = ?,"
			" done_on = CAST(? AS TEXT), updated_at = ? WHERE id = ? AND state = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, steps[step].to);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, violation_principal(who));
	if (step == 3) {
		db_bind_cstr(st, 4, done_on != NULL ? done_on : today);
		db_bind_cstr(st, 5, now);
		db_bind_int64(st, 6, id);
		db_bind_cstr(st, 7, state);
	} else {
		db_bind_cstr(st, 4, who != NULL ? who->name : NULL);
		db_bind_cstr(st, 5, note);
		db_bind_cstr(st, 6, now);
		db_bind_int64(st, 7, id);
		db_bind_cstr(st, 8, state);
	}
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	snprintf(act, sizeof(act), "renovation.%s", steps[step].action);
	before = json_pack("{s:s}", "state", state);
	after = json_pack("{s:s, s:o}", "state", steps[step].to, "note",
			  note != NULL ? json_string(note) : json_null());
	rc = audit_write(db, who, act, "renovation_request", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

#define RENO_COLS                                                                                  \
	"r.id, r.unit_id, u.number, r.community_id, m.name, r.household_id, r.description,"        \
	" r.planned_from, r.planned_to, r.state, r.requested_at, r.requested_by,"                  \
	" r.requested_by_name, r.checked_at, r.checked_by_name, r.check_note, r.decided_at,"       \
	" r.decided_by_name, r.decision_reason, r.done_on, r.done_at, r.updated_at"                \
	" FROM renovation_request r JOIN unit u ON u.id = r.unit_id"                               \
	" JOIN community m ON m.id = r.community_id"

static json_t *
reno_row(struct db_stmt *st)
{
	static const char *const names[] = {
		"id",
		"unit_id",
		"unit_number",
		"community_id",
		"community_name",
		"household_id",
		"description",
		"planned_from",
		"planned_to",
		"state",
		"requested_at",
		"requested_by",
		"requested_by_name",
		"checked_at",
		"checked_by_name",
		"check_note",
		"decided_at",
		"decided_by_name",
		"decision_reason",
		"done_on",
		"done_at",
		"updated_at",
	};
	json_t *o = json_object();

	for (int i = 0; i < 22; i++) {
		json_t *v;

		if (db_col_null(st, i))
			v = json_null();
		else if (i == 0 || i == 1 || i == 3 || i == 5)
			v = json_integer(db_col_int64(st, i));
		else
			v = json_string(db_col_text(st, i));
		json_object_set_new(o, names[i], v);
	}
	return o;
}

int
renovation_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if (c == NULL || c->role == ROLE_TENANT)
		return not_found(e);
	rc = db_prepare(db, "SELECT " RENO_COLS " WHERE r.id = ? AND " SCOPE_SQL("r.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		*out = reno_row(st);
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
renovation_list(struct db *db, const struct caller *c, const struct renovation_filter *f,
		json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t last = 0;
	int rc, n = 0, limit = f->limit > 0 ? f->limit : 50;

	*items = json_array();
	*next = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return 0;
	rc = db_prepare(db,
			"SELECT " RENO_COLS " WHERE " SCOPE_SQL(
				"r.community_id") " AND (? = 0 OR r.id < ?) AND (CAST(? AS TEXT) "
						  "IS NULL OR r.state = ?)"
						  " AND (? = 0 OR r.community_id = ?) AND (? = 0 "
						  "OR r.unit_id = ?)"
						  " ORDER BY r.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	scope_bind(st, 1, c);
	db_bind_int64(st, 3, f->after_id);
	db_bind_int64(st, 4, f->after_id);
	db_bind_cstr(st, 5, f->state);
	db_bind_cstr(st, 6, f->state);
	db_bind_int64(st, 7, f->community_id);
	db_bind_int64(st, 8, f->community_id);
	db_bind_int64(st, 9, f->unit_id);
	db_bind_int64(st, 10, f->unit_id);
	db_bind_int64(st, 11, limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == limit) {
			*next = last;
			break;
		}
		last = db_col_int64(st, 0);
		json_array_append_new(*items, reno_row(st));
		n++;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
renovation_approved_on(struct db *db, int64_t unit_id, const char *date, bool *yes,
		       struct anju_err *e)
{
	struct db_stmt *st;
	struct date d;
	int rc;

	*yes = false;
	if (date == NULL || date_parse(str_c(date), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "date",
				 "日期应为 YYYY-MM-DD 格式");
	rc = db_prepare(db,
			"SELECT 1 FROM renovation_request WHERE unit_id = ?"
			" AND state IN ('approved', 'done') AND planned_from <= ?"
			" AND COALESCE(done_on, planned_to) >= ? LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	db_bind_cstr(st, 2, date);
	db_bind_cstr(st, 3, date);
	rc = db_step(st);
	*yes = rc == DB_ROW;
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}
