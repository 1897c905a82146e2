/*
 * The art. 36 application ban: after a violation of art. 27 a person may not
 * apply again for the policy's ban_years.  A ban runs from from_on through
 * until_on (from_on + ban_years - 1 day, with the policy in force on
 * from_on).  The upkeep issue adds bans from confirmed violation cases
 * (ban_add); the bureau may record one decided outside anju (ban_record);
 * eligibility reads them (ban_household).  See tenancy.h, eligibility.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

#define REASON_MAX 500

static int
person_exists(struct db *db, int64_t person_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT 1 FROM person WHERE id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", "person_id",
				 "没有这个人员");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
ban_add(struct db *db, int64_t person_id, const char *from_on, const char *source_type,
	int64_t source_id, const char *reason, const struct audit_actor *who, int64_t *id,
	struct anju_err *e)
{
	struct tenancy_policy pol;
	struct db_stmt *st;
	struct date from;
	char until[DATE_FMT_LEN], now[TIME_FMT_LEN], oid[24];
	json_t *after;
	int rc;

	if (from_on == NULL || date_parse(str_c(from_on), &from) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "from_on",
				 "禁止期起始日期应为 YYYY-MM-DD 格式");
	if (source_type == NULL || source_type[0] == '\0' || strlen(source_type) > 32)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type",
				 "应说明禁止申请的来源");
	if (reason == NULL || text_chars(reason) < 2 || text_chars(reason) > REASON_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason",
				 "原因应为 2 到 %d 个字符", REASON_MAX);
	if ((rc = person_exists(db, person_id, e)) != 0 ||
	    (rc = tenancy_policy_get(db, from_on, &pol, e)) != 0)
		return rc;
	date_format(date_add_days(date_add_months(from, 12 * pol.ban_years), -1), until);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO application_ban (person_id, from_on, until_on, source_type,"
		" source_id, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (person_id, source_type, source_id) DO NOTHING RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	db_bind_cstr(st, 2, from_on);
	db_bind_cstr(st, 3, until);
	db_bind_cstr(st, 4, source_type);
	db_bind_int64(st, 5, source_id);
	db_bind_cstr(st, 6, reason);
	db_bind_cstr(st, 7, who != NULL && who->principal != NULL ? who->principal : "system");
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE) {
		/* Raised again by the same cause: the first ban stands. */
		rc = db_prepare(db,
				"SELECT id FROM application_ban WHERE person_id = ?"
				" AND source_type = ? AND source_id = ?",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, person_id);
		db_bind_cstr(st, 2, source_type);
		db_bind_int64(st, 3, source_id);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
		return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	}
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I}", "person_id", (json_int_t)person_id,
			  "from_on", from_on, "until_on", until, "source_type", source_type,
			  "source_id", (json_int_t)source_id, "reason", reason, "policy_version",
			  (json_int_t)pol.version);
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	rc = audit_write(db, who, "ban.add", "application_ban", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
ban_record(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t person_id,
	   const char *from_on, const char *reason, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t next = 1;
	int rc;

	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "禁止申请只能由住房保障主管部门决定");
	/* Each manual ban is its own cause: the next number for the person. */
	rc = db_prepare(db,
			"SELECT COALESCE(MAX(source_id), 0) + 1 FROM application_ban"
			" WHERE person_id = ? AND source_type = 'manual'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		next = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	return ban_add(db, person_id, from_on, "manual", next, reason, who, id, e);
}

int
ban_household(struct db *db, int64_t household_id, const char *on_date, bool *banned,
	      char until[11], struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc;

	if (on_date == NULL) {
		date_format(date_today_shanghai(), today);
		on_date = today;
	}
	rc = db_prepare(db,
			"SELECT MAX(b.until_on) FROM application_ban b"
			" JOIN member m ON m.person_id = b.person_id"
			" WHERE m.household_id = ? AND m.left_at IS NULL"
			" AND b.from_on <= ? AND b.until_on >= ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_cstr(st, 2, on_date);
	db_bind_cstr(st, 3, on_date);
	rc = db_step(st);
	until[0] = '\0';
	if (rc == DB_ROW && !db_col_null(st, 0))
		snprintf(until, 11, "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	*banned = until[0] != '\0';
	return 0;
}

int
ban_list_household(struct db *db, int64_t household_id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *list = json_array();
	int rc;

	rc = db_prepare(db,
			"SELECT b.id, b.person_id, b.from_on, b.until_on, b.source_type,"
			" b.source_id, b.reason, b.created_at, m.relationship, p.name"
			" FROM application_ban b JOIN member m ON m.person_id = b.person_id"
			" JOIN person p ON p.id = b.person_id"
			" WHERE m.household_id = ? AND m.left_at IS NULL"
			" ORDER BY b.until_on DESC, b.id DESC",
			&st);
	if (rc != 0) {
		json_decref(list);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, household_id);
	while ((rc = db_step(st)) == DB_ROW) {
		char label[160];

		tenancy_member_label(db_col_text(st, 8), db_col_text(st, 9), label, sizeof(label));
		json_array_append_new(list,
				      json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
						"id", (json_int_t)db_col_int64(st, 0), "person_id",
						(json_int_t)db_col_int64(st, 1), "from_on",
						db_col_text(st, 2), "until_on", db_col_text(st, 3),
						"source_type", db_col_text(st, 4), "source_id",
						(json_int_t)db_col_int64(st, 5), "reason",
						db_col_text(st, 6), "created_at",
						db_col_text(st, 7), "member", label));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(list);
		return db_fail(db, rc, e);
	}
	*out = list;
	return 0;
}
