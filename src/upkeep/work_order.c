/*
 * Work orders (维修养护): raised from the counter, the API, a patrol finding
 * or a preventive plan, with a deadline from the configured hours of their
 * urgency, then assigned, started, done (materials, cost, responsibility; a
 * tenant-paid repair raises its charge) and confirmed by someone other than
 * the operator: a bureau or assessor call-back (回访), or the tenant.  Every
 * step keeps the server's time and who in work_order_event and the audit
 * trail.  See upkeep.h, work_order.h and docs/upkeep-work-order.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "store/db.h"
#include "store/keys.h"
#include "upkeep/upkeep.h"
#include "upkeep/work_order.h"

#define DESCRIPTION_MAX 1000
#define CONTACT_MAX     64
#define PLACE_MAX       64

const char *const work_order_categories[] = { "water",     "electricity", "lift", "roof",
					      "door_lock", "other",       NULL };
const char *const work_order_urgencies[] = { "emergency", "urgent", "normal", NULL };
const char *const work_order_sources[] = { "staff", "api", "patrol", "preventive", "tenant", NULL };
const char *const work_order_states[] = { "reported", "assigned",  "in_progress",
					  "done",     "confirmed", NULL };
const char *const work_order_responsibilities[] = { "operator", "tenant", "warranty", "owner",
						    NULL };

bool
work_order_in_list(const char *const *list, const char *s)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

int
work_order_text_ok(const char *s, const char *field, const char *title, size_t max, bool required,
		   struct anju_err *e)
{
	json_t *probe;
	size_t n;

	if (s == NULL || s[0] == '\0') {
		if (required)
			return anju_fail(e, ANJU_EINVAL, "required", field, "请填写%s", title);
		return 0;
	}
	/* jansson refuses text that is not UTF-8. */
	if ((probe = json_string(s)) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_utf8", field, "%s不是有效的文字", title);
	json_decref(probe);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return anju_fail(e, ANJU_EINVAL, "invalid_text", field, "%s含有控制字符",
					 title);
	n = text_chars(s);
	if (n > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "%s不能超过 %zu 个字",
				 title, max);
	return 0;
}

int
work_order_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
		 json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "work_order", oid, before, after, e);
}

int
work_order_event_add(struct db *db, int64_t id, const char *from, const char *to, const char *now,
		     const struct audit_actor *who, const char *note, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"INSERT INTO work_order_event (work_order_id, from_state, to_state, at, actor,"
		" actor_name, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_cstr(st, 2, from);
	db_bind_cstr(st, 3, to);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 6, who && who->name ? who->name : "");
	db_bind_cstr(st, 7, note ? note : "");
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The first integer of the one row of sql with one integer parameter; 0
 * when there is none. */
static int
one_int(struct db *db, const char *sql, int64_t arg, const char *text, int64_t *out,
	struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = 0;
	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if (text != NULL) {
		db_bind_cstr(st, 1, text);
		db_bind_int64(st, 2, arg);
	} else {
		db_bind_int64(st, 1, arg);
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The deadline of an order of urgency raised at now_us. */
static int
deadline_of(struct db *db, const char *urgency, int64_t now_us, char out[TIME_FMT_LEN],
	    struct anju_err *e)
{
	struct db_stmt *st;
	int64_t hours = 0;
	int rc;

	rc = db_prepare(db, "SELECT hours FROM work_order_deadline WHERE urgency = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, urgency);
	rc = db_step(st);
	if (rc == DB_ROW)
		hours = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (hours <= 0)
		return anju_fail(e, ANJU_EINTERNAL, "deadline_missing", "urgency",
				 "未配置该紧急程度的时限");
	time_format_utc(now_us + hours * 3600 * INT64_C(1000000), out);
	return 0;
}

static void
bind_id(struct db_stmt *st, int i, int64_t v)
{
	if (v != 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

int
work_order_raise(struct db *db, const struct work_order_in *in, const struct audit_actor *who,
		 int64_t *id, bool *created, struct anju_err *e)
{
	struct housing_place p = in->place;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], deadline[TIME_FMT_LEN], *sealed = NULL;
	const char *source_type = in->source_id > 0 ? in->source_type : NULL;
	bool contact_given = in->contact != NULL && in->contact[0] != '\0';
	int64_t now_us, household = in->household_id, found;
	json_t *after;
	int rc;

	*id = 0;
	*created = false;
	if (!work_order_in_list(work_order_categories, in->category))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "category",
				 "类别应为 water、electricity、lift、roof、door_lock 或 other");
	if (!work_order_in_list(work_order_urgencies, in->urgency))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "urgency",
				 "紧急程度应为 emergency、urgent 或 normal");
	if (!work_order_in_list(work_order_sources, in->source))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source",
				 "来源应为 staff、api、patrol、preventive 或 tenant");
	if (in->source_id > 0 && !text_is_code(source_type))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type",
				 "来源记录类型无效");
	if ((rc = work_order_text_ok(in->description, "description", "问题描述", DESCRIPTION_MAX,
				     true, e)) != 0 ||
	    (rc = work_order_text_ok(p.place, "place", "具体位置", PLACE_MAX, false, e)) != 0 ||
	    (rc = work_order_text_ok(in->contact, "contact", "联系方式", CONTACT_MAX, false, e)) !=
		    0)
		return rc;
	/* A source record raises one order, however often it is retried. */
	if (in->source_id > 0) {
		rc = one_int(db,
			     "SELECT id FROM work_order WHERE source_type = ? AND source_id = ?",
			     in->source_id, source_type, &found, e);
		if (rc != 0)
			return rc;
		if (found != 0) {
			*id = found;
			return 0;
		}
	}
	if ((rc = housing_place_resolve(db, &p, true, e)) != 0)
		return rc;
	if (household > 0) {
		rc = one_int(db, "SELECT community_id FROM household WHERE id = ?", household, NULL,
			     &found, e);
		if (rc != 0)
			return rc;
		if (found == 0)
			return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
					 "没有这个住户");
		if (found != p.community_id)
			return anju_fail(e, ANJU_EINVAL, "household_other_community",
					 "household_id", "住户不在该小区");
	} else if (p.unit_id > 0) {
		/* A unit's order concerns the household whose tenancy is open on it. */
		rc = one_int(db,
			     "SELECT household_id FROM lease_chain WHERE unit_id = ?"
			     " AND state = 'open' ORDER BY id DESC LIMIT 1",
			     p.unit_id, NULL, &household, e);
		if (rc != 0)
			return rc;
	}
	if (contact_given) {
		if (keys_current() == NULL)
			return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL, "密钥未加载");
		if (pii_seal(keys_current(), in->contact, strlen(in->contact), &sealed) != 0)
			return anju_fail(e, ANJU_EINTERNAL, "seal_failed", NULL, "加密失败");
	}
	now_us = time_now_us();
	time_format_utc(now_us, now);
	if ((rc = deadline_of(db, in->urgency, now_us, deadline, e)) != 0)
		goto out;
	rc = db_prepare(
		db,
		"INSERT INTO work_order (community_id, location, building_id, entrance,"
		" unit_id, asset_id, place, category, urgency, description, source,"
		" source_type, source_id, household_id, contact_sealed, state, deadline_at,"
		" reported_at, reported_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, p.community_id);
	db_bind_cstr(st, 2, p.location);
	bind_id(st, 3, p.building_id);
	bind_id(st, 4, p.entrance);
	bind_id(st, 5, p.unit_id);
	bind_id(st, 6, p.asset_id);
	db_bind_cstr(st, 7, p.place ? p.place : "");
	db_bind_cstr(st, 8, in->category);
	db_bind_cstr(st, 9, in->urgency);
	db_bind_cstr(st, 10, in->description);
	db_bind_cstr(st, 11, in->source);
	db_bind_cstr(st, 12, source_type);
	bind_id(st, 13, in->source_id > 0 ? in->source_id : 0);
	bind_id(st, 14, household);
	db_bind_cstr(st, 15, sealed);
	db_bind_cstr(st, 16, deadline);
	db_bind_cstr(st, 17, now);
	db_bind_cstr(st, 18, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 19, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	*created = true;
	if ((rc = work_order_event_add(db, *id, NULL, "reported", now, who, NULL, e)) != 0)
		goto out;
	/* Whether a contact was given, never the contact itself. */
	after = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:b, s:s}", "place",
			  housing_place_json(&p), "category", in->category, "urgency", in->urgency,
			  "description", in->description, "source", in->source, "source_type",
			  source_type, "source_id",
			  in->source_id > 0 ? json_integer(in->source_id) : json_null(),
			  "household_id", household > 0 ? json_integer(household) : json_null(),
			  "contact_given", contact_given, "deadline_at", deadline);
	rc = work_order_audit(db, who, "work_order.raise", *id, NULL, after, e);
	json_decref(after);
out:
	free(sealed);
	return rc;
}

int
work_order_deadlines(struct db *db, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr;
	int rc;

	rc = db_prepare(db,
			"SELECT urgency, hours, updated_at, updated_by FROM work_order_deadline"
			" ORDER BY hours, id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	arr = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(
			arr, json_pack("{s:s, s:I, s:s, s:s}", "urgency", db_col_text(st, 0),
				       "hours", (json_int_t)db_col_int64(st, 1), "updated_at",
				       db_col_text(st, 2), "updated_by", db_col_text(st, 3)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

int
work_order_deadline_set(struct db *db, const char *urgency, int hours,
			const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t before = 0;
	json_t *b, *a;
	int rc;

	if (!work_order_in_list(work_order_urgencies, urgency))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "urgency",
				 "紧急程度应为 emergency、urgent 或 normal");
	if (hours < 1 || hours > 8760)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "hours",
				 "时限应在 1 到 8760 小时之间");
	rc = one_int(db, "SELECT hours FROM work_order_deadline WHERE urgency = ? AND 0 = ?", 0,
		     urgency, &before, e);
	if (rc != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE work_order_deadline SET hours = ?, updated_at = ?, updated_by = ?"
			" WHERE urgency = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, hours);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 4, urgency);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	b = json_pack("{s:s, s:I}", "urgency", urgency, "hours", (json_int_t)before);
	a = json_pack("{s:s, s:i}", "urgency", urgency, "hours", hours);
	rc = audit_write(db, who, "work_order.deadline", "work_order_deadline", urgency, b, a, e);
	json_decref(b);
	json_decref(a);
	return rc;
}
