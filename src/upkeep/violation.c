/*
 * Violation cases (违规): the report that opens one from any source, the
 * case's finder for scope, the public reporter sealed at rest.  See
 * upkeep.h, violation.h and docs/upkeep-violation.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "store/db.h"
#include "store/keys.h"
#include "upkeep/violation.h"
#include "upkeep/violation_int.h"

const char *const violation_types[] = { "sublet", "change_of_use", "damage", "illegal_activity",
					"idle",   "other",         NULL };
const char *const violation_sources[] = { "patrol", "public", "staff", "door", NULL };
const char *const violation_states[] = {
	"suspected", "investigating", "confirmed", "dismissed", "rectification_ordered",
	"rectified", "referred",      NULL
};

bool
violation_in_list(const char *const *list, const char *s)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool
violation_type_sanctioned(const char *type)
{
	return violation_in_list(violation_types, type) && strcmp(type, "other") != 0;
}

int
violation_event_add(struct db *db, int64_t case_id, const char *action, const char *from_state,
		    const char *to_state, const char *note, const char *at,
		    const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO violation_event (case_id, action, from_state, to_state, note,"
			" at, actor, actor_name, actor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, case_id);
	db_bind_cstr(st, 2, action);
	db_bind_cstr(st, 3, from_state);
	db_bind_cstr(st, 4, to_state);
	db_bind_cstr(st, 5, note != NULL ? note : "");
	db_bind_cstr(st, 6, at);
	db_bind_cstr(st, 7, violation_principal(who));
	db_bind_cstr(st, 8, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 9, who != NULL ? who->role : NULL);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

const char *
violation_principal(const struct audit_actor *who)
{
	return who != NULL && who->principal != NULL ? who->principal : "system";
}

/* The household whose lease is in force today on the unit; 0 when none. */
static int
unit_tenant(struct db *db, int64_t unit_id, int64_t *household_id, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc;

	*household_id = 0;
	date_format(date_today_shanghai(), today);
	rc = db_prepare(db,
			"SELECT household_id FROM lease WHERE unit_id = ?"
			" AND state IN ('signed', 'in_force') AND starts_on <= ?"
			" AND COALESCE(ended_on, ends_on) >= ? ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	db_bind_cstr(st, 2, today);
	db_bind_cstr(st, 3, today);
	if ((rc = db_step(st)) == DB_ROW)
		*household_id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
household_exists(struct db *db, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT 1 FROM household WHERE id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				 "没有这个住户");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The case already opened by (source_type, source_id): its id, 0 when none. */
static int
by_source(struct db *db, const char *source_type, int64_t source_id, int64_t *id,
	  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(db, "SELECT id FROM violation_case WHERE source_type = ? AND source_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, source_type);
	db_bind_int64(st, 2, source_id);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
report_check(const struct violation_report_in *in, struct anju_err *e)
{
	struct date d, today = date_today_shanghai();
	size_t n;

	if (!violation_in_list(violation_types, in->type))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "type",
				 "违规类型应为 sublet、change_of_use、damage、illegal_activity、"
				 "idle 或 other");
	if (!violation_in_list(violation_sources, in->source))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source",
				 "来源应为 patrol、public、staff 或 door");
	if (in->source_id < 0 ||
	    (in->source_id > 0 && (in->source_type == NULL || in->source_type[0] == '\0' ||
				   strlen(in->source_type) > 32)))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type",
				 "有来源记录时应说明其类型（不超过 32 个字符）");
	n = in->summary != NULL ? text_chars(in->summary) : 0;
	if (n < 1 || n > VIOLATION_SUMMARY_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "summary",
				 "情况说明应为 1 到 %d 个字符", VIOLATION_SUMMARY_MAX);
	if (in->started_on != NULL && in->started_on[0] != '\0') {
		if (date_parse(str_c(in->started_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "started_on",
					 "违规开始日期应为 YYYY-MM-DD 格式");
		if (date_cmp(d, today) > 0)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "started_on",
					 "违规开始日期不能晚于今天");
	}
	if (in->place.location != NULL && strcmp(in->place.location, "asset") == 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "location",
				 "违规案件的位置应为房屋或公共部位，不能是设施设备");
	return 0;
}

int
violation_report(struct db *db, const struct violation_report_in *in, const struct audit_actor *who,
		 int64_t *id, bool *created, struct anju_err *e)
{
	struct housing_place p = in->place;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int64_t household = in->household_id;
	json_t *after;
	int rc;

	*id = 0;
	*created = false;
	if ((rc = report_check(in, e)) != 0)
		return rc;
	if (in->source_id > 0) {
		if ((rc = by_source(db, in->source_type, in->source_id, id, e)) != 0)
			return rc;
		if (*id > 0)
			return 0;
	}
	if ((rc = housing_place_resolve(db, &p, false, e)) != 0)
		return rc;
	if (household > 0 && (rc = household_exists(db, household, e)) != 0)
		return rc;
	if (household == 0 && p.unit_id > 0 &&
	    (rc = unit_tenant(db, p.unit_id, &household, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO violation_case (type, state, source, source_type, source_id,"
		" location, community_id, building_id, entrance, unit_id, place,"
		" household_id, summary, started_on, reported_at, reported_by,"
		" reported_by_name, updated_at) VALUES (?, 'suspected', ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->type);
	db_bind_cstr(st, 2, in->source);
	db_bind_cstr(st, 3, in->source_id > 0 ? in->source_type : NULL);
	if (in->source_id > 0)
		db_bind_int64(st, 4, in->source_id);
	else
		db_bind_null(st, 4);
	db_bind_cstr(st, 5, p.location);
	db_bind_int64(st, 6, p.community_id);
	violation_bind_id(st, 7, p.building_id);
	violation_bind_id(st, 8, p.entrance);
	violation_bind_id(st, 9, p.unit_id);
	db_bind_cstr(st, 10, p.place != NULL ? p.place : "");
	violation_bind_id(st, 11, household);
	db_bind_cstr(st, 12, in->summary);
	db_bind_cstr(st, 13,
		     in->started_on != NULL && in->started_on[0] != '\0' ? in->started_on : NULL);
	db_bind_cstr(st, 14, now);
	db_bind_cstr(st, 15, violation_principal(who));
	db_bind_cstr(st, 16, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 17, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = violation_event_add(db, *id, "report", NULL, "suspected", in->summary, now, who,
				      e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:s}", "type", in->type, "state",
		"suspected", "source", in->source, "source_type",
		in->source_id > 0 ? json_string(in->source_type) : json_null(), "source_id",
		in->source_id > 0 ? json_integer(in->source_id) : json_null(), "community_id",
		(json_int_t)p.community_id, "place", housing_place_json(&p), "household_id",
		household > 0 ? json_integer(household) : json_null(), "summary", in->summary);
	rc = audit_write(db, who, "violation.report", "violation_case", oid, NULL, after, e);
	json_decref(after);
	if (rc != 0)
		return rc;
	*created = true;
	return 0;
}

void
violation_bind_id(struct db_stmt *st, int i, int64_t v)
{
	if (v > 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

int
violation_case_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			 struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*community_id = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return violation_not_found(e);
	rc = db_prepare(db,
			"SELECT community_id FROM violation_case WHERE id = ? AND " SCOPE_SQL(
				"community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		*community_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return violation_not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
violation_not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "violation_not_found", NULL, "没有这个违规案件");
}

void
violation_mask_name(const char *name, char *out, size_t cap)
{
	size_t n = 1;

	out[0] = '\0';
	if (name == NULL || name[0] == '\0')
		return;
	while (name[n] != '\0' && ((unsigned char)name[n] & 0xC0) == 0x80)
		n++;
	snprintf(out, cap, "%.*s**", (int)n, name);
}

static int
seal(const char *plain, char **out, struct anju_err *e)
{
	*out = NULL;
	if (plain == NULL || plain[0] == '\0')
		return 0;
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL, "未加载密钥");
	if (pii_seal(keys_current(), plain, strlen(plain), out) != 0)
		return anju_fail(e, ANJU_ETOOBIG, "too_long", NULL, "内容过长");
	return 0;
}

int
violation_set_reporter(struct db *db, int64_t id, const char *name, const char *contact,
		       const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char *sname = NULL, *scontact = NULL, oid[24], mname[32], mcontact[64];
	json_t *after;
	int rc;

	if (name != NULL && text_chars(name) > 50)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reporter_name",
				 "举报人姓名不超过 50 个字符");
	if (contact != NULL && text_chars(contact) > 100)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reporter_contact",
				 "联系方式不超过 100 个字符");
	if ((rc = seal(name, &sname, e)) != 0 || (rc = seal(contact, &scontact, e)) != 0)
		goto out;
	rc = db_prepare(db,
			"UPDATE violation_case SET reporter_name_sealed = ?,"
			" reporter_contact_sealed = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, sname);
	db_bind_cstr(st, 2, scontact);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	violation_mask_name(name, mname, sizeof(mname));
	mcontact[0] = '\0';
	if (scontact != NULL)
		person_mask_sealed(scontact, mcontact, sizeof(mcontact));
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	after = json_pack("{s:s, s:s}", "reporter_name", mname, "reporter_contact", mcontact);
	rc = audit_write(db, who, "violation.reporter", "violation_case", oid, NULL, after, e);
	json_decref(after);
out:
	free(sname);
	free(scontact);
	return rc;
}
