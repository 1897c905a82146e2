/*
 * Two-person approvals.  See approval.h.
 */
#include "approval/approval.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "http/http.h"
#include "store/db.h"
#include "store/page.h"

#define APPROVAL_COLS                                                                              \
	"id, kind, object_type, object_id, payload, reason, state, requested_by,"                  \
	" requested_by_name, requested_role, requested_at, decided_by, decided_by_name,"           \
	" decided_at, note, result"

const struct approval_kind *
approval_kind_find(const char *name)
{
	for (const struct approval_kind *const *k = approval_kinds; name && *k != NULL; k++)
		if (strcmp((*k)->name, name) == 0)
			return *k;
	return NULL;
}

unsigned
approval_roles(void)
{
	unsigned roles = 0;

	for (const struct approval_kind *const *k = approval_kinds; *k != NULL; k++)
		roles |= (*k)->requester_roles | (*k)->approver_roles;
	return roles;
}

static int
audit_approval(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	       json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "approval", oid, NULL, after, e);
}

int
approval_request(struct db *db, const struct caller *c, const struct audit_actor *who,
		 const char *kind, json_t *payload, const char *reason, const char *object_type,
		 const char *object_id, int64_t *id, struct anju_err *e)
{
	const struct approval_kind *k = approval_kind_find(kind);
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *text;
	json_t *after;
	int rc;

	if (k == NULL)
		return anju_fail(e, ANJU_EINVAL, "unknown_approval_kind", "kind",
				 "没有这种审批事项");
	if (!(k->requester_roles & ROLE_BIT(c->role)))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "当前角色不能申请%s",
				 k->title);
	if (reason == NULL || reason[0] == '\0')
		return anju_fail(e, ANJU_EINVAL, "missing_field", "reason", "请填写申请理由");
	if (k->payload != NULL && (rc = fields_validate(k->payload, payload, e)) != 0)
		return rc;
	if (k->check != NULL && (rc = k->check(db, payload, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	rc = db_prepare(
		db,
		"INSERT INTO approval (kind, object_type, object_id, payload, reason, state,"
		" requested_by, requested_by_name, requested_role, requested_at)"
		" VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, kind);
		db_bind_cstr(st, 2, object_type ? object_type : "");
		db_bind_cstr(st, 3, object_id ? object_id : "");
		db_bind_cstr(st, 4, text);
		db_bind_cstr(st, 5, reason);
		db_bind_cstr(st, 6, c->principal);
		db_bind_cstr(st, 7, c->name);
		db_bind_cstr(st, 8, role_name(c->role));
		db_bind_cstr(st, 9, now);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	free(text);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:O, s:s}", "kind", kind, "payload", payload, "reason", reason);
	rc = audit_approval(db, who, "approval.request", *id, after, e);
	json_decref(after);
	return rc;
}

struct row {
	const struct approval_kind *kind;
	char state[16];
	char requested_by[64];
	json_t *payload;
};

static int
load(struct db *db, int64_t id, struct row *r, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(
		db, "SELECT kind, state, requested_by, payload FROM approval WHERE id = ?", &st);

	memset(r, 0, sizeof(*r));
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		r->kind = approval_kind_find(db_col_text(st, 0));
		snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 1));
		snprintf(r->requested_by, sizeof(r->requested_by), "%s", db_col_text(st, 2));
		r->payload = json_loads(db_col_text(st, 3), 0, NULL);
	}
	db_reset(st);
	if (rc == DB_DONE || (rc == DB_ROW && (r->kind == NULL || r->payload == NULL))) {
		json_decref(r->payload);
		return anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	}
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static bool
may_see(const struct caller *c, const struct row *r)
{
	return strcmp(c->principal, r->requested_by) == 0 ||
	       (r->kind->approver_roles & ROLE_BIT(c->role));
}

static int
finish(struct db *db, int64_t id, const char *state, const struct caller *c, const char *note,
       json_t *result, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN],
		*text = result ? json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int64_t changed = 0;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE approval SET state = ?, decided_by = ?, decided_by_name = ?,"
			" decided_at = ?, note = ?, result = ? WHERE id = ? AND state = 'pending'",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, state);
		db_bind_cstr(st, 2, c->principal);
		db_bind_cstr(st, 3, c->name);
		db_bind_cstr(st, 4, now);
		db_bind_cstr(st, 5, note);
		db_bind_cstr(st, 6, text);
		db_bind_int64(st, 7, id);
		rc = db_step(st);
		changed = db_changes(st);
		db_reset(st);
	}
	free(text);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (changed == 0)
		return anju_fail(e, ANJU_ECONFLICT, "approval_decided", NULL, "该审批已处理");
	return 0;
}

int
approval_decide(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		bool approve, const char *note, json_t **shown_once, struct anju_err *e)
{
	struct row r;
	json_t *result = NULL, *once = NULL, *after;
	int rc;

	if ((rc = load(db, id, &r, e)) != 0)
		return rc;
	if (!may_see(c, &r)) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
		goto out;
	}
	if (strcmp(c->principal, r.requested_by) == 0) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "self_approval", NULL, "不能审批自己提出的申请");
		goto out;
	}
	if (!(r.kind->approver_roles & ROLE_BIT(c->role))) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "当前角色不能审批%s",
			       r.kind->title);
		goto out;
	}
	if (strcmp(r.state, "pending") != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "approval_decided", NULL, "该审批已处理");
		goto out;
	}
	if (!approve && (note == NULL || note[0] == '\0')) {
		rc = anju_fail(e, ANJU_EINVAL, "missing_field", "note", "驳回时请填写理由");
		goto out;
	}
	if (approve && (rc = r.kind->execute(db, r.payload, who, &result, &once, e)) != 0)
		goto out;
	if (!approve && r.kind->on_end != NULL &&
	    (rc = r.kind->on_end(db, r.payload, "rejected", who, note, e)) != 0)
		goto out;
	if ((rc = finish(db, id, approve ? "approved" : "rejected", c, note, result, e)) != 0)
		goto out;
	after = json_pack("{s:s, s:s?, s:O?}", "decision", approve ? "approved" : "rejected",
			  "note", note, "result", result);
	rc = audit_approval(db, who, approve ? "approval.approve" : "approval.reject", id, after,
			    e);
	json_decref(after);
	if (rc == 0 && shown_once != NULL) {
		*shown_once = once;
		once = NULL;
	}
out:
	json_decref(r.payload);
	json_decref(result);
	json_decref(once);
	return rc;
}

int
approval_cancel(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		struct anju_err *e)
{
	struct row r;
	int rc;

	if ((rc = load(db, id, &r, e)) != 0)
		return rc;
	if (!may_see(c, &r))
		rc = anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	else if (strcmp(c->principal, r.requested_by) != 0)
		rc = anju_fail(e, ANJU_EFORBIDDEN, "not_requester", NULL, "只有申请人可以撤回");
	else if ((r.kind->on_end == NULL ||
		  (rc = r.kind->on_end(db, r.payload, "canceled", who, NULL, e)) == 0) &&
		 (rc = finish(db, id, "canceled", c, NULL, NULL, e)) == 0)
		rc = audit_approval(db, who, "approval.cancel", id, NULL, e);
	json_decref(r.payload);
	return rc;
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
row_json(struct db_stmt *st, const struct caller *c)
{
	const struct approval_kind *k = approval_kind_find(db_col_text(st, 1));
	bool pending = strcmp(db_col_text(st, 6), "pending") == 0;
	bool mine = strcmp(db_col_text(st, 7), c->principal) == 0;
	json_t *payload = json_loads(db_col_text(st, 4), 0, NULL);
	json_t *result = db_col_null(st, 15) ? NULL : json_loads(db_col_text(st, 15), 0, NULL);

	return json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o,"
		" s:o, s:o, s:o, s:b, s:b}",
		"id", (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "title",
		k ? k->title : db_col_text(st, 1), "object_type", db_col_text(st, 2), "object_id",
		db_col_text(st, 3), "payload", payload ? payload : json_null(), "reason",
		db_col_text(st, 5), "state", db_col_text(st, 6), "requested_by", db_col_text(st, 7),
		"requested_by_name", db_col_text(st, 8), "requested_role", db_col_text(st, 9),
		"requested_at", db_col_text(st, 10), "decided_by", text_or_null(st, 11),
		"decided_by_name", text_or_null(st, 12), "decided_at", text_or_null(st, 13), "note",
		text_or_null(st, 14), "result", result ? result : json_null(), "can_decide",
		pending && !mine && k && (k->approver_roles & ROLE_BIT(c->role)), "can_cancel",
		pending && mine);
}

static json_t *
item(struct db_stmt *st, void *c)
{
	return row_json(st, c);
}

/* The kinds c may decide, as a comma-separated list for an IN (...) test
 * written as instr(): kinds are few and fixed, so they are bound one by one. */
/* The most kinds one role may decide (the list query has a slot for each). */
#define APPROVAL_KINDS_PER_ROLE 16

static int
visible_clause(const struct caller *c, char kinds[][40], int max)
{
	int n = 0;

	for (const struct approval_kind *const *k = approval_kinds; *k && n < max; k++)
		if ((*k)->approver_roles & ROLE_BIT(c->role))
			snprintf(kinds[n++], 40, "%s", (*k)->name);
	return n;
}

int
approval_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct row r;
	int rc;

	if ((rc = load(db, id, &r, e)) != 0)
		return rc;
	json_decref(r.payload);
	if (!may_see(c, &r))
		return anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	if ((rc = db_prepare(db, "SELECT " APPROVAL_COLS " FROM approval WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = row_json(st, c);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
approval_list(struct db *db, const struct caller *c, const char *state, bool mine,
	      int64_t before_id, int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	char kinds[APPROVAL_KINDS_PER_ROLE][40];
	int nk = mine ? 0 : visible_clause(c, kinds, APPROVAL_KINDS_PER_ROLE), rc;
	struct db_stmt *st;

	/* Up to APPROVAL_KINDS_PER_ROLE kinds a role may decide; the statement
	 * text stays fixed and unused slots bind NULL. */
	rc = db_prepare(db,
			"SELECT " APPROVAL_COLS " FROM approval WHERE id < ?"
			" AND (CAST(? AS TEXT) IS NULL OR state = ?)"
			" AND (requested_by = ? OR kind IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			"?, ?, ?))"
			" ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	db_bind_cstr(st, 2, state);
	db_bind_cstr(st, 3, state);
	db_bind_cstr(st, 4, c->principal);
	for (int k = 0; k < APPROVAL_KINDS_PER_ROLE; k++)
		db_bind_cstr(st, 5 + k, k < nk ? kinds[k] : NULL);
	db_bind_int64(st, 5 + APPROVAL_KINDS_PER_ROLE, limit + 1);
	if ((rc = page_collect(st, limit, item, (void *)c, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}
