/*
 * Signals (tenancy.h, recheck.h): what other modules know about a household
 * in a lease that the recheck must weigh.  The rent issue raises an
 * "arrears" signal when the months owed pass its threshold and clears it
 * when they are paid; the upkeep issue raises a "violation" signal for a
 * case under investigation and clears it when the case is dismissed.  A
 * signal is one row per (source_type, source_id); raising it again updates
 * its summary (and reopens a cleared one), clearing keeps it as history.
 * An open signal makes the recheck ask a person to look (investigate); it
 * never decides anything by itself.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "household/household.h"
#include "store/db.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"

#define SUMMARY_MAX 500

static int
audit_signal(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	     json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "tenancy_signal", oid, before, after, e);
}

int
tenancy_signal_raise(struct db *db, int64_t household_id, const char *source_type,
		     int64_t source_id, const char *summary, const struct audit_actor *who,
		     struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *probe, *before = NULL, *after = NULL;
	int64_t id = 0, old_hh = 0;
	char old_summary[SUMMARY_MAX + 1] = "";
	bool exists = false, was_open = false;
	int rc;

	if (!text_is_code(source_type))
		return anju_fail(e, ANJU_EINVAL, "invalid_source_type", "source_type",
				 "信号来源类型应为小写英文代码");
	if (source_id <= 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_source_id", "source_id",
				 "信号来源编号应为正整数");
	/* jansson refuses text that is not UTF-8: the audit trail needs it. */
	probe = summary ? json_string(summary) : NULL;
	if (probe == NULL || summary[0] == '\0' || strlen(summary) > SUMMARY_MAX) {
		json_decref(probe);
		return anju_fail(e, ANJU_EINVAL, "invalid_summary", "summary",
				 "信号摘要应为 1 到 %d 字节的 UTF-8 文字", SUMMARY_MAX);
	}
	json_decref(probe);
	if ((rc = db_prepare(db, "SELECT 1 FROM household WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				 "没有这个家庭");
	rc = db_prepare(db,
			"SELECT id, household_id, summary, cleared_at FROM tenancy_signal"
			" WHERE source_type = ? AND source_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, source_type);
	db_bind_int64(st, 2, source_id);
	if ((rc = db_step(st)) == DB_ROW) {
		exists = true;
		id = db_col_int64(st, 0);
		old_hh = db_col_int64(st, 1);
		snprintf(old_summary, sizeof(old_summary), "%s", db_col_text(st, 2));
		was_open = db_col_null(st, 3);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (exists && was_open && old_hh == household_id && strcmp(old_summary, summary) == 0)
		return 0; /* nothing new */
	time_format_utc(time_now_us(), now);
	if (exists) {
		rc = db_prepare(
			db,
			"UPDATE tenancy_signal SET household_id = ?, summary = ?,"
			" updated_at = ?, cleared_at = NULL, cleared_by = NULL WHERE id = ?",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, household_id);
		db_bind_cstr(st, 2, summary);
		db_bind_cstr(st, 3, now);
		db_bind_int64(st, 4, id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		before = json_pack("{s:I, s:s, s:b}", "household_id", (json_int_t)old_hh, "summary",
				   old_summary, "open", was_open);
	} else {
		rc = db_prepare(
			db,
			"INSERT INTO tenancy_signal (household_id, source_type, source_id,"
			" summary, raised_at, raised_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, household_id);
		db_bind_cstr(st, 2, source_type);
		db_bind_int64(st, 3, source_id);
		db_bind_cstr(st, 4, summary);
		db_bind_cstr(st, 5, now);
		db_bind_cstr(st, 6, who && who->principal ? who->principal : "system");
		db_bind_cstr(st, 7, now);
		if ((rc = db_step(st)) == DB_ROW)
			id = db_col_int64(st, 0);
		db_reset(st);
		if (rc != DB_ROW)
			return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	}
	after = json_pack("{s:I, s:s, s:I, s:s, s:b}", "household_id", (json_int_t)household_id,
			  "source_type", source_type, "source_id", (json_int_t)source_id, "summary",
			  summary, "open", 1);
	rc = audit_signal(db, who, exists ? "signal.update" : "signal.raise", id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
tenancy_signal_clear(struct db *db, const char *source_type, int64_t source_id,
		     const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *after;
	int64_t id = 0, hh = 0;
	int rc;

	if (!text_is_code(source_type))
		return anju_fail(e, ANJU_EINVAL, "invalid_source_type", "source_type",
				 "信号来源类型应为小写英文代码");
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE tenancy_signal SET cleared_at = ?, cleared_by = ?, updated_at = ?"
			" WHERE source_type = ? AND source_id = ? AND cleared_at IS NULL"
			" RETURNING id, household_id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, source_type);
	db_bind_int64(st, 5, source_id);
	if ((rc = db_step(st)) == DB_ROW) {
		id = db_col_int64(st, 0);
		hh = db_col_int64(st, 1);
		rc = db_step(st);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (id == 0)
		return 0; /* none open: clearing is idempotent */
	after = json_pack("{s:I, s:s, s:I, s:b}", "household_id", (json_int_t)hh, "source_type",
			  source_type, "source_id", (json_int_t)source_id, "open", 0);
	rc = audit_signal(db, who, "signal.clear", id, NULL, after, e);
	json_decref(after);
	return rc;
}

static json_t *
signal_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s?, s:s?, s:b}", "id",
			 (json_int_t)db_col_int64(st, 0), "household_id",
			 (json_int_t)db_col_int64(st, 1), "source_type", db_col_text(st, 2),
			 "source_id", (json_int_t)db_col_int64(st, 3), "summary",
			 db_col_text(st, 4), "raised_at", db_col_text(st, 5), "updated_at",
			 db_col_text(st, 6), "cleared_at", db_col_text(st, 7), "cleared_by",
			 db_col_text(st, 8), "open", db_col_null(st, 7));
}

#define SIGNAL_COLS                                                                                \
	"id, household_id, source_type, source_id, summary, raised_at, updated_at, cleared_at,"    \
	" cleared_by"

int
tenancy_signal_list(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
		    struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " SIGNAL_COLS " FROM tenancy_signal WHERE household_id = ?"
			" ORDER BY CASE WHEN cleared_at IS NULL THEN 0 ELSE 1 END, id DESC",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	arr = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(arr, signal_json(st));
	db_reset(st);
	if (rc < 0) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

int
tenancy_signal_open(struct db *db, int64_t household_id, json_t *arr, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT id, source_type, source_id, summary, raised_at FROM tenancy_signal"
			" WHERE household_id = ? AND cleared_at IS NULL ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:s, s:s}", "id",
						     (json_int_t)db_col_int64(st, 0), "source_type",
						     db_col_text(st, 1), "source_id",
						     (json_int_t)db_col_int64(st, 2), "summary",
						     db_col_text(st, 3), "raised_at",
						     db_col_text(st, 4)));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}
