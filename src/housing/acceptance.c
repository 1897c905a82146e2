/*
 * Acceptance checks (分户核验): when a community is handed to the operator,
 * its staff look at every unit, room by room and asset by asset, and sign
 * the check off; the bureau confirms it (and only then is the unit vacant,
 * ready to be let) or returns it to draft with a note.  One check per unit:
 * draft → signed → confirmed, signed → draft when returned.  See housing.h.
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

#define ITEMS_MAX 200

static const struct {
	const char *name, *title;
} states[] = {
	{ "draft", "草稿" },
	{ "signed", "已签字" },
	{ "confirmed", "已确认" },
};

static const char *
state_title(const char *name)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, name) == 0)
			return states[i].title;
	return name;
}

static int
item_ok(struct db *db, int64_t unit_id, const struct acceptance_item_in *it, int i,
	const char **item, struct anju_err *e)
{
	char path[48];
	struct db_stmt *st;
	int rc;

	snprintf(path, sizeof(path), "items[%d].room", i);
	if ((rc = housing_text_ok(it->room, path, "房间", 32, true, false, e)) != 0)
		return rc;
	snprintf(path, sizeof(path), "items[%d].item", i);
	if ((rc = housing_text_ok(it->item, path, "核验项目", 64, it->asset_id == 0, false, e)) !=
	    0)
		return rc;
	snprintf(path, sizeof(path), "items[%d].condition", i);
	if (!housing_condition_ok(it->condition))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", path,
				 "状况应为 good、fair、poor 或 broken");
	snprintf(path, sizeof(path), "items[%d].notes", i);
	if ((rc = housing_text_ok(it->notes, path, "备注", 500, false, true, e)) != 0)
		return rc;
	*item = it->item;
	if (it->asset_id == 0)
		return 0;
	/* An asset looked at must be one of this unit's; without a name the
	 * line is called by the asset's type. */
	snprintf(path, sizeof(path), "items[%d].asset_id", i);
	rc = db_prepare(db, "SELECT type FROM asset WHERE id = ? AND unit_id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, it->asset_id);
	db_bind_int64(st, 2, unit_id);
	rc = db_step(st);
	if (rc == DB_ROW && (*item == NULL || (*item)[0] == '\0'))
		*item = NULL; /* taken from the asset by the insert */
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_EINVAL, "asset_not_in_unit", path,
				 "该设施设备不属于这套房屋");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
acceptance_open(struct db *db, int64_t unit_id, const struct acceptance_item_in *items, int n,
		const char *notes, const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], status[24] = "";
	int64_t community_id = 0;
	json_t *after = NULL, *logged = NULL;
	const char **names = NULL;
	int rc;

	if ((rc = housing_text_ok(notes, "notes", "备注", 1000, false, true, e)) != 0)
		return rc;
	if (n < 1 || n > ITEMS_MAX || items == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "items",
				 "核验项目应有 1 到 %d 条", ITEMS_MAX);
	rc = db_prepare(db,
			"SELECT u.community_id, u.status, k.id FROM unit u"
			" LEFT JOIN acceptance_check k ON k.unit_id = u.id WHERE u.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		community_id = db_col_int64(st, 0);
		snprintf(status, sizeof(status), "%s", db_col_text(st, 1));
		if (!db_col_null(st, 2))
			rc = ANJU_ECONFLICT;
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "unit", NULL);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "acceptance_exists", NULL,
				 "这套房屋已有分户核验");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (strcmp(status, "pending_acceptance") != 0) {
		enum unit_status s = UNIT_PENDING_ACCEPTANCE;

		unit_status_parse(status, &s);
		return anju_fail(e, ANJU_ECONFLICT, "unit_status", "status",
				 "房屋当前状态为「%s」，不需要分户核验", unit_status_title(s));
	}
	/* Every line is checked before anything is written. */
	names = xcalloc((size_t)n, sizeof(*names));
	for (int i = 0; i < n; i++)
		if ((rc = item_ok(db, unit_id, &items[i], i, &names[i], e)) != 0)
			goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO acceptance_check (unit_id, community_id, state, notes,"
			" created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, unit_id);
	db_bind_int64(st, 2, community_id);
	db_bind_cstr(st, 3, notes ? notes : "");
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	logged = json_array();
	for (int i = 0; i < n; i++) {
		const char *item = names[i];

		rc = db_prepare(db,
				"INSERT INTO acceptance_item (check_id, seq, room, item, asset_id,"
				" condition, notes) VALUES (?, ?, ?, COALESCE(CAST(? AS TEXT),"
				" (SELECT type FROM asset WHERE id = ?)), ?, ?, ?)",
				&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, *id);
		db_bind_int64(st, 2, i + 1);
		db_bind_cstr(st, 3, items[i].room);
		db_bind_cstr(st, 4, item);
		db_bind_int64(st, 5, items[i].asset_id);
		if (items[i].asset_id != 0)
			db_bind_int64(st, 6, items[i].asset_id);
		else
			db_bind_null(st, 6);
		db_bind_cstr(st, 7, items[i].condition);
		db_bind_cstr(st, 8, items[i].notes ? items[i].notes : "");
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		json_array_append_new(
			logged,
			json_pack("{s:s, s:s?, s:o, s:s}", "room", items[i].room, "item", item,
				  "asset_id",
				  items[i].asset_id ? json_integer(items[i].asset_id) : json_null(),
				  "condition", items[i].condition));
	}
	after = json_pack("{s:I, s:s, s:s, s:O}", "unit_id", (json_int_t)unit_id, "state", "draft",
			  "notes", notes ? notes : "", "items", logged);
	rc = housing_audit(db, who, "acceptance.open", "acceptance_check", *id, NULL, after, e);
out:
	free(names);
	json_decref(after);
	json_decref(logged);
	return rc;
}

/* A check's state and unit: 0, ANJU_ENOTFOUND. */
static int
load(struct db *db, int64_t id, char state[16], int64_t *unit_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT state, unit_id FROM acceptance_check WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(state, 16, "%s", db_col_text(st, 0));
		*unit_id = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "acceptance", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static const char *
actor_name(const struct audit_actor *who)
{
	if (who == NULL)
		return "system";
	return who->name ? who->name : who->principal ? who->principal : "system";
}

/* Moves check id from state from with sql, an UPDATE whose parameters are
 * vals[0..n-1] and then the id; ANJU_ECONFLICT ("acceptance_state") from
 * another state. */
static int
move(struct db *db, int64_t id, const char *from, const char *sql, const char *const *vals, int n,
     int64_t *unit_id, struct anju_err *e)
{
	struct db_stmt *st;
	char state[16];
	int64_t changed;
	int rc;

	if ((rc = load(db, id, state, unit_id, e)) != 0)
		return rc;
	if (strcmp(state, from) != 0)
		return anju_fail(e, ANJU_ECONFLICT, "acceptance_state", NULL,
				 "分户核验当前为「%s」，不能进行此操作", state_title(state));
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++)
		db_bind_cstr(st, i + 1, vals[i]);
	db_bind_int64(st, n + 1, id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (changed == 0) /* changed since it was read */
		return anju_fail(e, ANJU_ECONFLICT, "acceptance_state", NULL,
				 "分户核验的状态已变化，请刷新后重试");
	return 0;
}

static int
audit_state(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	    const char *from, const char *to, const char *note, struct anju_err *e)
{
	json_t *b = json_pack("{s:s}", "state", from);
	json_t *a = json_pack("{s:s, s:s?}", "state", to, "note", note);
	int rc = housing_audit(db, who, action, "acceptance_check", id, b, a, e);

	json_decref(b);
	json_decref(a);
	return rc;
}

int
acceptance_sign(struct db *db, int64_t check_id, const struct audit_actor *who, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	const char *vals[3] = { actor_name(who), now, now };
	int64_t unit_id;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = move(db, check_id, "draft",
		  "UPDATE acceptance_check SET state = 'signed', signed_by = ?, signed_at = ?,"
		  " updated_at = ? WHERE id = ? AND state = 'draft'",
		  vals, 3, &unit_id, e);
	if (rc != 0)
		return rc;
	return audit_state(db, who, "acceptance.sign", check_id, "draft", "signed", NULL, e);
}

int
acceptance_confirm(struct db *db, int64_t check_id, const struct audit_actor *who,
		   struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	const char *vals[3] = { actor_name(who), now, now };
	int64_t unit_id;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = move(db, check_id, "signed",
		  "UPDATE acceptance_check SET state = 'confirmed', confirmed_by = ?,"
		  " confirmed_at = ?, updated_at = ? WHERE id = ? AND state = 'signed'",
		  vals, 3, &unit_id, e);
	if (rc != 0)
		return rc;
	/* Only now is the unit ready to be let. */
	if ((rc = unit_transition(db, unit_id, UNIT_PENDING_ACCEPTANCE, UNIT_VACANT,
				  "分户核验已确认", who, e)) != 0)
		return rc;
	return audit_state(db, who, "acceptance.confirm", check_id, "signed", "confirmed", NULL, e);
}

int
acceptance_return(struct db *db, int64_t check_id, const char *note, const struct audit_actor *who,
		  struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	const char *vals[2] = { note, now };
	int64_t unit_id;
	int rc;

	if ((rc = housing_text_ok(note, "note", "退回意见", 500, true, true, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	/* Back to draft: the signature no longer stands. */
	rc = move(db, check_id, "signed",
		  "UPDATE acceptance_check SET state = 'draft', signed_by = NULL,"
		  " signed_at = NULL, returned_note = ?, updated_at = ?"
		  " WHERE id = ? AND state = 'signed'",
		  vals, 2, &unit_id, e);
	if (rc != 0)
		return rc;
	return audit_state(db, who, "acceptance.return", check_id, "signed", "draft", note, e);
}

int
housing_check_community(struct db *db, const struct caller *c, int64_t check_id,
			int64_t *community_id, struct anju_err *e)
{
	return housing_scoped_community(db, c, HOUSING_COMMUNITY_OF("acceptance_check"), check_id,
					"acceptance", community_id, e);
}

#define CHECK_SELECT                                                                               \
	"SELECT k.id, k.unit_id, u.number, k.community_id, k.state, k.notes, k.signed_by,"         \
	" k.signed_at, k.confirmed_by, k.confirmed_at, k.returned_note, k.created_at,"             \
	" k.updated_at FROM acceptance_check k JOIN unit u ON u.id = k.unit_id"

static json_t *
check_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack(
		"{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "id",
		(json_int_t)db_col_int64(st, 0), "unit_id", (json_int_t)db_col_int64(st, 1),
		"unit_number", db_col_text(st, 2), "community_id", (json_int_t)db_col_int64(st, 3),
		"state", db_col_text(st, 4), "state_title", state_title(db_col_text(st, 4)),
		"notes", db_col_text(st, 5), "signed_by", housing_col_text(st, 6), "signed_at",
		housing_col_text(st, 7), "confirmed_by", housing_col_text(st, 8), "confirmed_at",
		housing_col_text(st, 9), "returned_note", housing_col_text(st, 10), "created_at",
		db_col_text(st, 11), "updated_at", db_col_text(st, 12));
}

int
acceptance_list(struct db *db, const struct caller *c, const struct acceptance_filter *f,
		json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	struct buf sql;
	int rc, i = 1;

	buf_init(&sql, 0);
	buf_adds(&sql, CHECK_SELECT " WHERE k.id > ?");
	if (f->community_id != 0)
		buf_adds(&sql, " AND k.community_id = ?");
	if (f->state != NULL)
		buf_adds(&sql, " AND k.state = ?");
	buf_adds(&sql, " AND " SCOPE_SQL("k.community_id") " ORDER BY k.id LIMIT ?");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	if (f->community_id != 0)
		db_bind_int64(st, i++, f->community_id);
	if (f->state != NULL)
		db_bind_cstr(st, i++, f->state);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, check_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

/* Adds items[] to a check's JSON. */
static int
add_items(struct db *db, json_t *check, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items = json_array();
	int rc;

	json_object_set_new(check, "items", items);
	rc = db_prepare(
		db,
		"SELECT id, seq, room, item, asset_id, condition, notes FROM acceptance_item"
		" WHERE check_id = ? ORDER BY seq",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, json_integer_value(json_object_get(check, "id")));
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items,
				      json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s}", "id",
						(json_int_t)db_col_int64(st, 0), "seq",
						(json_int_t)db_col_int64(st, 1), "room",
						db_col_text(st, 2), "item", db_col_text(st, 3),
						"asset_id", housing_col_int(st, 4), "condition",
						db_col_text(st, 5), "notes", db_col_text(st, 6)));
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* One check read with sql (one id parameter, then maybe the scope's). */
static int
get_one(struct db *db, const char *sql, int64_t id, const struct caller *c, bool scoped,
	json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *k = NULL;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if (scoped)
		scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		k = check_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE) {
		*out = NULL;
		return 0;
	}
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = add_items(db, k, e)) != 0) {
		json_decref(k);
		return rc;
	}
	*out = k;
	return 0;
}

int
acceptance_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	int rc = get_one(db, CHECK_SELECT " WHERE k.id = ? AND " SCOPE_SQL("k.community_id"), id, c,
			 true, out, e);

	if (rc == 0 && *out == NULL)
		return housing_not_found(e, "acceptance", NULL);
	return rc;
}

int
housing_acceptance_of_unit(struct db *db, int64_t unit_id, json_t **out, struct anju_err *e)
{
	int rc = get_one(db, CHECK_SELECT " WHERE k.unit_id = ?", unit_id, NULL, false, out, e);

	if (rc == 0 && *out == NULL)
		*out = json_null();
	return rc;
}
