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
#include "files/files.h"
#include "store/page.h"
#include "core/buf.h"
#include "money/money.h"
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

/*
 * Visibility: an operator role, the bureau or the assessor within its
 * communities; a tenant the orders of the household it is an active member
 * of.  Three parameters, bound by visible_bind().
 */
#define VISIBLE_SQL(w)                                                                             \
	"(" SCOPE_SQL(w ".community_id") " OR EXISTS (SELECT 1 FROM member t"                      \
					 " WHERE t.household_id = " w ".household_id"              \
					 " AND t.person_id = ? AND t.left_at IS NULL))"

static int
visible_bind(struct db_stmt *st, int i, const struct caller *c)
{
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, c != NULL && c->role == ROLE_TENANT ? c->person_id : 0);
	return i + 1;
}

static int
not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "work_order_not_found", NULL, "没有这个维修工单");
}

static const char *
state_title(const char *s)
{
	static const char *const titles[] = { "已报修", "已派单", "维修中", "已完工", "已确认" };

	for (int i = 0; work_order_states[i] != NULL; i++)
		if (strcmp(work_order_states[i], s) == 0)
			return titles[i];
	return s;
}

/* What a transition needs of the order. */
struct wo_row {
	int64_t id, community_id, household_id, assignee_id, cost_fen;
	char state[16];
	char description[4096];
};

static int
wo_load(struct db *db, const struct caller *c, int64_t id, struct wo_row *w, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(w, 0, sizeof(*w));
	rc = db_prepare(db,
			"SELECT w.id, w.community_id, COALESCE(w.household_id, 0),"
			" COALESCE(w.assignee_id, 0), w.state, w.description, w.cost_fen"
			" FROM work_order w WHERE w.id = ? AND " VISIBLE_SQL("w"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	visible_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW) {
		w->id = db_col_int64(st, 0);
		w->community_id = db_col_int64(st, 1);
		w->household_id = db_col_int64(st, 2);
		w->assignee_id = db_col_int64(st, 3);
		snprintf(w->state, sizeof(w->state), "%s", db_col_text(st, 4));
		snprintf(w->description, sizeof(w->description), "%s", db_col_text(st, 5));
		w->cost_fen = db_col_int64(st, 6);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
work_order_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		     struct anju_err *e)
{
	struct wo_row w;
	int rc = wo_load(db, c, id, &w, e);

	*community_id = rc == 0 ? w.community_id : 0;
	return rc;
}

static int
state_conflict(const struct wo_row *w, const char *what, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "work_order_state", "state",
			 "工单当前状态为“%s”（%s），不能%s", state_title(w->state), w->state, what);
}

bool
work_order_may_confirm(const struct caller *c)
{
	return c != NULL &&
	       (c->role == ROLE_BUREAU || c->role == ROLE_ASSESSOR || c->role == ROLE_TENANT);
}

/* A step from the order's state to another: the state, the step's time
 * column, the history row and the audit row.  The step's other columns are
 * the caller's to set after it.  update is the whole statement, made by
 * STEP_SQL with the step's time column (parameters: the new state, the
 * time twice, the id, the state it leaves). */
#define STEP_SQL(time_col)                                                                         \
	"UPDATE work_order SET state = ?, updated_at = ?, " time_col " = ?"                        \
	" WHERE id = ? AND state = ?"
struct step {
	const char *to, *action, *note;
	const char *update; /* STEP_SQL("assigned_at") ... */
	json_t *after;      /* lent, may be NULL */
};

static int
step_apply(struct db *db, struct wo_row *w, const struct step *s, const struct audit_actor *who,
	   struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before, *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db, s->update, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, s->to);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, w->id);
	db_bind_cstr(st, 5, w->state);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = work_order_event_add(db, w->id, w->state, s->to, now, who, s->note, e)) != 0)
		return rc;
	before = json_pack("{s:s}", "state", w->state);
	after = s->after ? json_deep_copy(s->after) : json_object();
	json_object_set_new(after, "state", json_string(s->to));
	json_object_set_new(after, "at", json_string(now));
	if (s->note != NULL && s->note[0] != '\0')
		json_object_set_new(after, "note", json_string(s->note));
	rc = work_order_audit(db, who, s->action, w->id, before, after, e);
	json_decref(before);
	json_decref(after);
	if (rc == 0)
		snprintf(w->state, sizeof(w->state), "%s", s->to);
	return rc;
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int
work_order_assign(struct db *db, const struct caller *c, int64_t id, int64_t assignee_id,
		  const char *note, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	struct wo_row w;
	char principal[32];
	int64_t ok_id = 0;
	json_t *after;
	int rc;

	if ((rc = work_order_text_ok(note, "note", "备注", 500, false, e)) != 0 ||
	    (rc = wo_load(db, c, id, &w, e)) != 0)
		return rc;
	if (!is(w.state, "reported") && !is(w.state, "assigned"))
		return state_conflict(&w, "派单", e);
	/* The assignee: an active account of the operator's people who may see
	 * the order's community. */
	snprintf(principal, sizeof(principal), "account:%lld", (long long)assignee_id);
	rc = db_prepare(db,
			"SELECT a.id FROM account a WHERE a.id = ? AND a.state = 'active'"
			" AND a.role IN ('operator_staff', 'operator_manager')"
			" AND EXISTS (SELECT 1 FROM scope_grant g WHERE g.principal = ?"
			" AND g.community_id = ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, assignee_id);
	db_bind_cstr(st, 2, principal);
	db_bind_int64(st, 3, w.community_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		ok_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (ok_id == 0)
		return anju_fail(e, ANJU_EINVAL, "assignee_invalid", "assignee_id",
				 "维修人员应为负责该小区的承接主体在用账号");
	after = json_pack("{s:I}", "assignee_id", (json_int_t)assignee_id);
	rc = step_apply(db, &w,
			&(struct step){ .to = "assigned",
					.action = "work_order.assign",
					.note = note,
					.update = STEP_SQL("assigned_at"),
					.after = after },
			who, e);
	json_decref(after);
	if (rc != 0)
		return rc;
	/* The step's own column. */
	rc = db_prepare(db, "UPDATE work_order SET assignee_id = ? WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, assignee_id);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
work_order_start(struct db *db, const struct caller *c, int64_t id, const char *note,
		 const struct audit_actor *who, struct anju_err *e)
{
	struct wo_row w;
	int rc;

	if ((rc = work_order_text_ok(note, "note", "备注", 500, false, e)) != 0 ||
	    (rc = wo_load(db, c, id, &w, e)) != 0)
		return rc;
	if (!is(w.state, "assigned"))
		return state_conflict(&w, "开始维修", e);
	return step_apply(db, &w,
			  &(struct step){ .to = "in_progress",
					  .action = "work_order.start",
					  .note = note,
					  .update = STEP_SQL("started_at") },
			  who, e);
}

#define COST_MAX     INT64_C(1000000000)
#define QUANTITY_MAX 100000

static int
done_check(const struct work_order_done_in *in, struct anju_err *e)
{
	int64_t sum = 0;
	int rc;

	if (!work_order_in_list(work_order_responsibilities, in->responsibility))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "responsibility",
				 "责任方应为 operator、tenant、warranty 或 owner");
	if (in->cost_fen < 0 || in->cost_fen > COST_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "cost_fen",
				 "费用应在 0 到 10000000 元之间");
	if (in->nmaterials < 0 || in->nmaterials > WORK_ORDER_MATERIALS_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "materials", "材料最多 %d 项",
				 WORK_ORDER_MATERIALS_MAX);
	if ((rc = work_order_text_ok(in->note, "note", "完工说明", 500, false, e)) != 0)
		return rc;
	for (int i = 0; i < in->nmaterials; i++) {
		const struct work_order_material_in *m = &in->materials[i];

		if ((rc = work_order_text_ok(m->name, "materials.name", "材料名称", 64, true, e)) !=
			    0 ||
		    (rc = work_order_text_ok(m->unit, "materials.unit", "单位", 8, false, e)) != 0)
			return rc;
		if (m->quantity < 1 || m->quantity > QUANTITY_MAX)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "materials.quantity",
					 "材料数量应在 1 到 %d 之间", QUANTITY_MAX);
		if (m->amount_fen < 0 || m->amount_fen > COST_MAX)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "materials.amount_fen",
					 "材料金额无效");
		sum += m->amount_fen;
	}
	if (sum > in->cost_fen)
		return anju_fail(e, ANJU_EINVAL, "materials_exceed_cost", "cost_fen",
				 "费用不能少于材料金额之和");
	return 0;
}

int
work_order_done(struct db *db, const struct caller *c, int64_t id,
		const struct work_order_done_in *in, const struct audit_actor *who,
		struct anju_err *e)
{
	struct db_stmt *st;
	struct wo_row w;
	char today[DATE_FMT_LEN], note[160];
	bool tenant_pays =
		in->responsibility != NULL && is(in->responsibility, "tenant") && in->cost_fen > 0;
	int64_t charge_id = 0;
	bool created = false;
	json_t *after;
	int rc;

	if ((rc = done_check(in, e)) != 0 || (rc = wo_load(db, c, id, &w, e)) != 0)
		return rc;
	if (!is(w.state, "in_progress"))
		return state_conflict(&w, "完工", e);
	if (tenant_pays && w.household_id == 0)
		return anju_fail(e, ANJU_EINVAL, "household_required", "responsibility",
				 "该工单未关联住户，不能由住户承担费用");
	/* A finish after a reopening replaces the materials. */
	rc = db_prepare(db, "DELETE FROM work_order_material WHERE work_order_id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	for (int i = 0; i < in->nmaterials; i++) {
		const struct work_order_material_in *m = &in->materials[i];

		rc = db_prepare(db,
				"INSERT INTO work_order_material (work_order_id, name, quantity,"
				" unit, amount_fen) VALUES (?, ?, ?, ?, ?)",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, id);
		db_bind_cstr(st, 2, m->name);
		db_bind_int64(st, 3, m->quantity);
		db_bind_cstr(st, 4, m->unit ? m->unit : "");
		db_bind_int64(st, 5, m->amount_fen);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
	}
	if (tenant_pays) {
		struct charge_in ch = { 0 };

		date_format(date_today_shanghai(), today);
		snprintf(note, sizeof(note), "维修工单 %lld 住户承担的维修费", (long long)id);
		ch.household_id = w.household_id;
		ch.kind = CHARGE_REPAIR;
		ch.amount_fen = in->cost_fen;
		ch.due_on = today;
		ch.source_type = "work_order";
		ch.source_id = id;
		ch.note = note;
		if ((rc = charge_raise(db, &ch, who, &charge_id, &created, e)) != 0)
			return rc;
	}
	rc = db_prepare(db,
			"UPDATE work_order SET responsibility = ?, cost_fen = ?, done_note = ?,"
			" done_by = ?, charge_id = COALESCE(?, charge_id) WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->responsibility);
	db_bind_int64(st, 2, in->cost_fen);
	db_bind_cstr(st, 3, in->note ? in->note : "");
	db_bind_cstr(st, 4, who && who->principal ? who->principal : "system");
	bind_id(st, 5, charge_id);
	db_bind_int64(st, 6, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:I, s:i, s:o}", "responsibility", in->responsibility, "cost_fen",
			  (json_int_t)in->cost_fen, "materials", in->nmaterials, "charge_id",
			  charge_id ? json_integer(charge_id) : json_null());
	rc = step_apply(db, &w,
			&(struct step){ .to = "done",
					.action = "work_order.done",
					.note = in->note,
					.update = STEP_SQL("done_at"),
					.after = after },
			who, e);
	json_decref(after);
	return rc;
}

/* Who may confirm or reopen: 403 for everyone else (the operator's people
 * above all: they never confirm their own work). */
static int
confirmer_check(const struct caller *c, const char *what, struct anju_err *e)
{
	if (!work_order_may_confirm(c))
		return anju_fail(e, ANJU_EFORBIDDEN, "callback_only", NULL,
				 "只有住房保障部门、第三方评估机构回访或住户本人才能%s", what);
	return 0;
}

int
work_order_confirm(struct db *db, const struct caller *c, int64_t id, int satisfaction,
		   const char *note, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	struct wo_row w;
	const char *channel = c != NULL && c->role == ROLE_TENANT ? "tenant" : "callback";
	json_t *after;
	int rc;

	if ((rc = wo_load(db, c, id, &w, e)) != 0 ||
	    (rc = confirmer_check(c, "确认维修结果", e)) != 0)
		return rc;
	if (satisfaction < 1 || satisfaction > 5)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "satisfaction",
				 "满意度应为 1 到 5 分");
	if ((rc = work_order_text_ok(note, "note", "回访记录", 500, false, e)) != 0)
		return rc;
	if (!is(w.state, "done"))
		return state_conflict(&w, "确认", e);
	rc = db_prepare(db,
			"UPDATE work_order SET confirmed_by = ?, confirm_channel = ?,"
			" satisfaction = ?, confirm_note = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 2, channel);
	db_bind_int64(st, 3, satisfaction);
	db_bind_cstr(st, 4, note ? note : "");
	db_bind_int64(st, 5, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = json_pack("{s:i, s:s}", "satisfaction", satisfaction, "channel", channel);
	rc = step_apply(db, &w,
			&(struct step){ .to = "confirmed",
					.action = "work_order.confirm",
					.note = note,
					.update = STEP_SQL("confirmed_at"),
					.after = after },
			who, e);
	json_decref(after);
	return rc;
}

int
work_order_reopen(struct db *db, const struct caller *c, int64_t id, const char *note,
		  const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	struct wo_row w;
	int rc;

	if ((rc = wo_load(db, c, id, &w, e)) != 0 ||
	    (rc = confirmer_check(c, "退回重修", e)) != 0 ||
	    (rc = work_order_text_ok(note, "note", "退回原因", 500, true, e)) != 0)
		return rc;
	if (!is(w.state, "done"))
		return state_conflict(&w, "退回重修", e);
	rc = db_prepare(db, "UPDATE work_order SET reopened = reopened + 1 WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	return step_apply(db, &w,
			  &(struct step){ .to = "assigned",
					  .action = "work_order.reopen",
					  .note = note,
					  .update = STEP_SQL("assigned_at") },
			  who, e);
}

/*
 * Reads.
 */

#define OPEN_STATES "('reported', 'assigned', 'in_progress')"
/* The WorkOrder columns (27) of order w. */
#define WO_SELECT                                                                                  \
	"SELECT w.id, w.community_id, c.name, w.location, COALESCE(w.building_id, 0),"             \
	" COALESCE(w.entrance, 0), COALESCE(w.unit_id, 0), COALESCE(w.asset_id, 0), w.place,"      \
	" u.number, w.category, w.urgency, w.description, w.source, w.state, w.deadline_at,"       \
	" CASE WHEN w.state IN " OPEN_STATES " AND w.deadline_at < ? THEN 1 ELSE 0 END,"           \
	" w.reported_at, w.household_id, w.assignee_id, a.display_name, w.responsibility,"         \
	" w.cost_fen, w.satisfaction, w.contact_sealed, w.done_at, w.confirmed_at, w.updated_at,"  \
	" b.name, s.type"
#define WO_FROM                                                                                    \
	" FROM work_order w JOIN community c ON c.id = w.community_id"                             \
	" LEFT JOIN unit u ON u.id = w.unit_id LEFT JOIN building b ON b.id = w.building_id"       \
	" LEFT JOIN account a ON a.id = w.assignee_id LEFT JOIN asset s ON s.id = w.asset_id"

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

static json_t *
wo_json(struct db_stmt *st)
{
	struct housing_place p = { .location = db_col_text(st, 3),
				   .community_id = db_col_int64(st, 1),
				   .building_id = db_col_int64(st, 4),
				   .entrance = (int)db_col_int64(st, 5),
				   .unit_id = db_col_int64(st, 6),
				   .asset_id = db_col_int64(st, 7),
				   .place = db_col_text(st, 8) };
	char masked[80] = "";
	json_t *contact = json_null();

	if (!db_col_null(st, 24) &&
	    person_mask_sealed(db_col_text(st, 24), masked, sizeof(masked)) == 0)
		contact = json_string(masked);
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:b,"
			 " s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0), "community_id",
			 (json_int_t)db_col_int64(st, 1), "community_name", db_col_text(st, 2),
			 "place", housing_place_json(&p), "unit_number", text_or_null(st, 9),
			 "building_name", text_or_null(st, 28), "asset_type", text_or_null(st, 29),
			 "category", db_col_text(st, 10), "urgency", db_col_text(st, 11),
			 "description", db_col_text(st, 12), "source", db_col_text(st, 13), "state",
			 db_col_text(st, 14), "deadline_at", db_col_text(st, 15), "overdue",
			 db_col_int64(st, 16) != 0, "reported_at", db_col_text(st, 17),
			 "household_id", int_or_null(st, 18), "assignee_id", int_or_null(st, 19),
			 "assignee_name", text_or_null(st, 20), "responsibility",
			 text_or_null(st, 21), "cost_fen", (json_int_t)db_col_int64(st, 22),
			 "satisfaction", int_or_null(st, 23), "contact", contact, "done_at",
			 text_or_null(st, 25), "confirmed_at", text_or_null(st, 26), "updated_at",
			 db_col_text(st, 27));
}

static json_t *
wo_row_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return wo_json(st);
}

int
work_order_list(struct db *db, const struct caller *c, const struct work_order_filter *f,
		int64_t now_us, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	struct buf sql;
	int rc, i = 1;

	if (f->state != NULL && !work_order_in_list(work_order_states, f->state))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "state", "状态无效");
	time_format_utc(now_us, now);
	buf_init(&sql, 0);
	buf_adds(&sql, WO_SELECT WO_FROM " WHERE w.id > ?");
	if (f->community_id != 0)
		buf_adds(&sql, " AND w.community_id = ?");
	if (f->state != NULL)
		buf_adds(&sql, " AND w.state = ?");
	if (f->category != NULL)
		buf_adds(&sql, " AND w.category = ?");
	if (f->urgency != NULL)
		buf_adds(&sql, " AND w.urgency = ?");
	if (f->household_id != 0)
		buf_adds(&sql, " AND w.household_id = ?");
	if (f->overdue)
		buf_adds(&sql, " AND w.state IN " OPEN_STATES " AND w.deadline_at < ?");
	buf_adds(&sql, " AND " VISIBLE_SQL("w") " ORDER BY w.id LIMIT ?");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, i++, now);
	db_bind_int64(st, i++, f->after_id);
	if (f->community_id != 0)
		db_bind_int64(st, i++, f->community_id);
	if (f->state != NULL)
		db_bind_cstr(st, i++, f->state);
	if (f->category != NULL)
		db_bind_cstr(st, i++, f->category);
	if (f->urgency != NULL)
		db_bind_cstr(st, i++, f->urgency);
	if (f->household_id != 0)
		db_bind_int64(st, i++, f->household_id);
	if (f->overdue)
		db_bind_cstr(st, i++, now);
	i = visible_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, wo_row_json, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
work_order_counts(struct db *db, const struct caller *c, int64_t community_id, int64_t now_us,
		  json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *by = json_object();
	int64_t overdue = 0;
	int rc, i = 1;

	for (int k = 0; work_order_states[k] != NULL; k++)
		json_object_set_new(by, work_order_states[k], json_integer(0));
	time_format_utc(now_us, now);
	rc = db_prepare(
		db,
		"SELECT w.state, COUNT(*), SUM(CASE WHEN w.state IN " OPEN_STATES
		" AND w.deadline_at < ? THEN 1 ELSE 0 END) FROM work_order w"
		" WHERE (? = 0 OR w.community_id = ?) AND " VISIBLE_SQL("w") " GROUP BY w.state",
		&st);
	if (rc != 0) {
		json_decref(by);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, i++, now);
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, community_id);
	visible_bind(st, i, c);
	while ((rc = db_step(st)) == DB_ROW) {
		json_object_set_new(by, db_col_text(st, 0), json_integer(db_col_int64(st, 1)));
		overdue += db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(by);
		return db_fail(db, rc, e);
	}
	*out = json_pack("{s:o, s:I}", "by_state", by, "overdue", (json_int_t)overdue);
	return 0;
}

static int
materials_json(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr;
	int rc;

	rc = db_prepare(db,
			"SELECT name, quantity, unit, amount_fen FROM work_order_material"
			" WHERE work_order_id = ? ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	arr = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(arr,
				      json_pack("{s:s, s:I, s:s, s:I}", "name", db_col_text(st, 0),
						"quantity", (json_int_t)db_col_int64(st, 1), "unit",
						db_col_text(st, 2), "amount_fen",
						(json_int_t)db_col_int64(st, 3)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

static int
history_json(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr;
	int rc;

	rc = db_prepare(db,
			"SELECT from_state, to_state, at, actor, actor_name, note"
			" FROM work_order_event WHERE work_order_id = ? ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	arr = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(arr,
				      json_pack("{s:o, s:s, s:s, s:s, s:s, s:s}", "from_state",
						text_or_null(st, 0), "to_state", db_col_text(st, 1),
						"at", db_col_text(st, 2), "actor",
						db_col_text(st, 3), "actor_name",
						db_col_text(st, 4), "note", db_col_text(st, 5)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

int
work_order_get(struct db *db, const struct caller *c, int64_t id, int64_t now_us, json_t **out,
	       struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *o = NULL, *part = NULL;
	int rc;

	time_format_utc(now_us, now);
	rc = db_prepare(db,
			WO_SELECT ", w.source_type, w.source_id, w.charge_id, w.done_note,"
				  " w.confirm_note, w.confirm_channel, w.confirmed_by, w.reopened,"
				  " w.assigned_at, w.started_at, w.done_by" WO_FROM
				  " WHERE w.id = ? AND " VISIBLE_SQL("w"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	visible_bind(st, 3, c);
	rc = db_step(st);
	if (rc == DB_ROW) {
		o = wo_json(st);
		json_object_update_new(
			o, json_pack("{s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o}",
				     "source_type", text_or_null(st, 30), "source_id",
				     int_or_null(st, 31), "charge_id", int_or_null(st, 32),
				     "done_note", db_col_text(st, 33), "confirm_note",
				     db_col_text(st, 34), "confirm_channel", text_or_null(st, 35),
				     "confirmed_by", text_or_null(st, 36), "reopened",
				     (json_int_t)db_col_int64(st, 37), "assigned_at",
				     text_or_null(st, 38), "started_at", text_or_null(st, 39),
				     "done_by", text_or_null(st, 40)));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = materials_json(db, id, &part, e)) != 0)
		goto out;
	json_object_set_new(o, "materials", part);
	if ((rc = history_json(db, id, &part, e)) != 0)
		goto out;
	json_object_set_new(o, "history", part);
	if ((rc = attachment_list(db, "work_order", id, &part, e)) != 0)
		goto out;
	json_object_set_new(o, "photos", part);
	json_object_set_new(o, "may_confirm", json_boolean(work_order_may_confirm(c)));
	*out = o;
	o = NULL;
out:
	json_decref(o);
	return rc;
}

int
work_order_contact_reveal(struct db *db, const struct caller *c, int64_t id,
			  const struct audit_actor *who, char **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct wo_row w;
	char *plain = NULL, *sealed = NULL;
	size_t n = 0;
	json_t *after;
	int rc;

	*out = NULL;
	if ((rc = wo_load(db, c, id, &w, e)) != 0)
		return rc;
	if (c->role != ROLE_BUREAU && c->role != ROLE_OPERATOR_MANAGER &&
	    c->role != ROLE_OPERATOR_STAFF)
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "当前角色不能查看完整联系方式");
	rc = db_prepare(db, "SELECT contact_sealed FROM work_order WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW && !db_col_null(st, 0))
		sealed = strdup(db_col_text(st, 0));
	db_reset(st);
	if (rc != DB_ROW) {
		free(sealed);
		return db_fail(db, rc, e);
	}
	if (sealed == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "contact_not_recorded", NULL,
				 "该工单没有登记联系方式");
	rc = keys_current() ? pii_open(keys_current(), sealed, &plain, &n) : ANJU_EINTERNAL;
	free(sealed);
	if (rc != 0)
		return anju_fail(e, ANJU_EINTERNAL, "unsealable", NULL, "无法解密联系方式");
	*out = strdup(plain);
	pii_plain_free(plain, n);
	after = json_pack("{s:s}", "field", "contact");
	rc = work_order_audit(db, who, "work_order.reveal", id, NULL, after, e);
	json_decref(after);
	return rc;
}
