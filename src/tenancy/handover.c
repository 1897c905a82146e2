/*
 * Move-in and move-out checklists (入住, 退出): opened from the unit's asset
 * register or from the move-in, edited as drafts on the spot, completed
 * once, when the unit changes hands.  The deposit settlement a move-out
 * asks for is in deposit.c.  See handover.h.
 */
#include "tenancy/handover.h"

#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/money.h"
#include "core/text.h"
#include "housing/housing.h"
#include "money/money.h"
#include "store/db.h"
#include "store/page.h"

const char *const handover_conditions[] = { "good", "worn", "damaged", "missing", NULL };
const char *const handover_refund_channels[] = { "cash", "bank_transfer", NULL };

static const char *const meter_names[] = { "water", "electricity", "gas", NULL };

/* The module reads a unit's asset register for functions that have no
 * caller (the eviction's move-out): every community, as the system. */
static const struct caller handover_system = {
	.kind = CALLER_SYSTEM,
	.role = ROLE_BUREAU,
	.name = "system",
	.principal = "system",
	.all_communities = true,
};

struct lease_row {
	int64_t id, chain_id, household_id, unit_id, deposit_fen;
	char state[16], starts_on[DATE_FMT_LEN], ends_on[DATE_FMT_LEN];
};

struct ho_row {
	int64_t id, lease_id, chain_id, household_id, unit_id, community_id;
	char kind[12], state[8], done_on[DATE_FMT_LEN], refund_channel[16];
	int keys_handed, tenant_agrees, repair; /* tenant_agrees -1: not asked */
};

static bool
is_move_in(const struct ho_row *h)
{
	return strcmp(h->kind, "move_in") == 0;
}

static const char *
lease_state_title(const char *s)
{
	static const struct {
		const char *name, *title;
	} t[] = {
		{ "draft", "草稿" },   { "signed", "已签订" }, { "in_force", "履行中" },
		{ "ended", "已终止" }, { "void", "已作废" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].title;
	return s;
}

static const char *
condition_title(const char *c)
{
	static const char *const titles[] = { "完好", "有磨损", "损坏", "缺失" };

	for (int i = 0; handover_conditions[i] != NULL; i++)
		if (c != NULL && strcmp(handover_conditions[i], c) == 0)
			return titles[i];
	return NULL;
}

static int
text_ok(const char *s, const char *field, size_t max, bool required, struct anju_err *e)
{
	if (s == NULL || s[0] == '\0')
		return required ? anju_fail(e, ANJU_EINVAL, "missing_field", field, "请填写%s",
					    strcmp(field, "name") == 0 ? "项目名称" : field)
				: 0;
	if (text_chars(s) > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "内容过长（至多 %zu 字）",
				 max);
	return 0;
}

static int
lease_load(struct db *db, int64_t id, struct lease_row *l, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = db_prepare(db,
			"SELECT id, chain_id, household_id, unit_id, deposit_fen, state, starts_on,"
			" ends_on FROM lease WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		l->id = db_col_int64(st, 0);
		l->chain_id = db_col_int64(st, 1);
		l->household_id = db_col_int64(st, 2);
		l->unit_id = db_col_int64(st, 3);
		l->deposit_fen = db_col_int64(st, 4);
		snprintf(l->state, sizeof(l->state), "%s", db_col_text(st, 5));
		snprintf(l->starts_on, sizeof(l->starts_on), "%s", db_col_text(st, 6));
		snprintf(l->ends_on, sizeof(l->ends_on), "%s", db_col_text(st, 7));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份租赁合同");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The lease and its community, when c (NULL: the system) may see it. */
static int
lease_visible(struct db *db, const struct caller *c, int64_t id, struct lease_row *l,
	      int64_t *community, struct anju_err *e)
{
	int rc;

	if ((rc = lease_load(db, id, l, e)) != 0)
		return rc;
	rc = housing_unit_community(db, c ? c : &handover_system, l->unit_id, community, e);
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份租赁合同");
	return rc;
}

#define HO_COLUMNS                                                                                 \
	"id, lease_id, chain_id, household_id, unit_id, community_id, kind, state, keys_handed,"   \
	" tenant_agrees, repair, done_on, refund_channel"

static void
ho_read(struct db_stmt *st, struct ho_row *h)
{
	memset(h, 0, sizeof(*h));
	h->id = db_col_int64(st, 0);
	h->lease_id = db_col_int64(st, 1);
	h->chain_id = db_col_int64(st, 2);
	h->household_id = db_col_int64(st, 3);
	h->unit_id = db_col_int64(st, 4);
	h->community_id = db_col_int64(st, 5);
	snprintf(h->kind, sizeof(h->kind), "%s", db_col_text(st, 6));
	snprintf(h->state, sizeof(h->state), "%s", db_col_text(st, 7));
	h->keys_handed = (int)db_col_int64(st, 8);
	h->tenant_agrees = db_col_null(st, 9) ? -1 : (int)db_col_int64(st, 9);
	h->repair = (int)db_col_int64(st, 10);
	snprintf(h->done_on, sizeof(h->done_on), "%s",
		 db_col_null(st, 11) ? "" : db_col_text(st, 11));
	snprintf(h->refund_channel, sizeof(h->refund_channel), "%s",
		 db_col_null(st, 12) ? "" : db_col_text(st, 12));
}

/* A handover c (NULL: the system) may see. */
static int
ho_load(struct db *db, const struct caller *c, int64_t id, struct ho_row *h, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " HO_COLUMNS
			" FROM handover WHERE id = ? AND " SCOPE_SQL("community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c ? c : &handover_system);
	rc = db_step(st);
	if (rc == DB_ROW)
		ho_read(st, h);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "handover_not_found", NULL, "没有这份交接清单");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* A draft c may change. */
static int
ho_draft(struct db *db, const struct caller *c, int64_t id, struct ho_row *h, struct anju_err *e)
{
	int rc;

	if ((rc = ho_load(db, c, id, h, e)) != 0)
		return rc;
	if (strcmp(h->state, "draft") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "handover_done", "state",
				 "交接清单已于 %s 完成，不能再修改", h->done_on);
	return 0;
}

int
handover_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		   struct anju_err *e)
{
	struct ho_row h;
	int rc;

	if ((rc = ho_load(db, c, id, &h, e)) != 0)
		return rc;
	*community_id = h.community_id;
	return 0;
}

int
handover_audit(struct db *db, const struct audit_actor *who, const char *action,
	       const char *object_type, int64_t id, json_t *before, json_t *after,
	       struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, object_type, oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

static int
audit_ho(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	 json_t *before, json_t *after, struct anju_err *e)
{
	return handover_audit(db, who, action, "handover", id, before, after, e);
}

static int
touch(struct db *db, int64_t id, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	if ((rc = db_prepare(db, "UPDATE handover SET updated_at = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* ---- items ---- */

static int
item_insert(struct db *db, int64_t handover_id, int seq, int64_t asset_id, const char *name,
	    const char *condition, const char *before_condition, const char *before_note,
	    const char *note, int64_t deduction_fen, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO handover_item (handover_id, seq, asset_id, name, condition,"
			" before_condition, before_note, note, deduction_fen)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, handover_id);
	db_bind_int64(st, 2, seq);
	if (asset_id > 0)
		db_bind_int64(st, 3, asset_id);
	else
		db_bind_null(st, 3);
	db_bind_cstr(st, 4, name);
	db_bind_cstr(st, 5, condition);
	db_bind_cstr(st, 6, before_condition);
	db_bind_cstr(st, 7, before_note ? before_note : "");
	db_bind_cstr(st, 8, note ? note : "");
	db_bind_int64(st, 9, deduction_fen);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static const char *
asset_condition(const char *c)
{
	/* The register's scale (good, fair, poor, broken) on the checklist's. */
	if (c == NULL || strcmp(c, "good") == 0)
		return "good";
	if (strcmp(c, "broken") == 0)
		return "damaged";
	return "worn";
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The lines of a new move-in checklist: the unit's assets, each with the
 * condition its acceptance-check line gives (else the asset's own), then
 * the other lines of the acceptance check (walls, doors ...). */
static int
items_from_register(struct db *db, int64_t handover_id, int64_t unit_id, int *n, struct anju_err *e)
{
	json_t *dossier = NULL, *assets, *checks, *a, *ci;
	size_t i, k;
	int rc;

	*n = 0;
	if ((rc = unit_dossier(db, &handover_system, unit_id, 1, &dossier, e)) != 0)
		return rc;
	assets = json_object_get(dossier, "assets");
	checks = json_object_get(json_object_get(dossier, "acceptance"), "items");
	json_array_foreach (assets, i, a) {
		int64_t asset = json_integer_value(json_object_get(a, "id"));
		const char *cond = asset_condition(jstr(a, "condition")), *note = "";
		struct buf name;

		json_array_foreach (checks, k, ci)
			if (json_integer_value(json_object_get(ci, "asset_id")) == asset) {
				cond = asset_condition(jstr(ci, "condition"));
				note = jstr(ci, "notes");
			}
		buf_init(&name, 0);
		buf_printf(&name, "%s", jstr(a, "type"));
		if (*jstr(a, "brand") || *jstr(a, "model"))
			buf_printf(&name, " %s%s", jstr(a, "brand"), jstr(a, "model"));
		if (*jstr(a, "place"))
			buf_printf(&name, "（%s）", jstr(a, "place"));
		if (json_integer_value(json_object_get(a, "quantity")) > 1)
			buf_printf(&name, " ×%lld",
				   (long long)json_integer_value(json_object_get(a, "quantity")));
		rc = item_insert(db, handover_id, ++*n, asset, name.p, cond, NULL, NULL, note, 0,
				 e);
		buf_free(&name);
		if (rc != 0)
			goto out;
	}
	json_array_foreach (checks, k, ci) {
		struct buf name;

		if (!json_is_null(json_object_get(ci, "asset_id")))
			continue;
		buf_init(&name, 0);
		buf_printf(&name, "%s（%s）", jstr(ci, "item"), jstr(ci, "room"));
		rc = item_insert(db, handover_id, ++*n, 0, name.p,
				 asset_condition(jstr(ci, "condition")), NULL, NULL,
				 jstr(ci, "notes"), 0, e);
		buf_free(&name);
		if (rc != 0)
			goto out;
	}
out:
	json_decref(dossier);
	return rc;
}

/* The done move-in of the chain for the same unit, or 0. */
static int
move_in_of(struct db *db, int64_t chain_id, int64_t unit_id, bool done_only, int64_t *id,
	   struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(
		db,
		"SELECT id FROM handover WHERE chain_id = ? AND unit_id = ?"
		" AND kind = 'move_in' AND (state = 'done' OR ? = 0) ORDER BY id DESC LIMIT 1",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	db_bind_int64(st, 2, unit_id);
	db_bind_int64(st, 3, done_only ? 1 : 0);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The lines of a new move-out checklist: the move-in's, each with its
 * condition then as the condition before and as the starting point now. */
static int
items_from_move_in(struct db *db, int64_t handover_id, int64_t move_in, int *n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	/* One statement copies them, so the copy is whole or nothing. */
	rc = db_prepare(db,
			"INSERT INTO handover_item (handover_id, seq, asset_id, name, condition,"
			" before_condition, before_note, note, deduction_fen)"
			" SELECT ?, seq, asset_id, name, condition, condition, note, '', 0"
			" FROM handover_item WHERE handover_id = ? ORDER BY seq",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, handover_id);
	db_bind_int64(st, 2, move_in);
	rc = db_step(st);
	*n = (int)db_changes(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* ---- opening ---- */

static int
ho_insert(struct db *db, const struct lease_row *l, int64_t community, const char *kind,
	  const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO handover (lease_id, chain_id, household_id, unit_id, "
			"community_id, kind,"
			" state, meters, keys_handed, note, created_by, created_at, updated_at)"
			" VALUES (?, ?, ?, ?, ?, ?, 'draft', '{}', 0, '', ?, ?, ?)"
			" ON CONFLICT (lease_id, kind) DO NOTHING RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, l->id);
	db_bind_int64(st, 2, l->chain_id);
	db_bind_int64(st, 3, l->household_id);
	db_bind_int64(st, 4, l->unit_id);
	db_bind_int64(st, 5, community);
	db_bind_cstr(st, 6, kind);
	db_bind_cstr(st, 7, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 8, now);
	db_bind_cstr(st, 9, now);
	rc = db_step(st);
	*id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
ho_existing(struct db *db, int64_t lease_id, const char *kind, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(db, "SELECT id FROM handover WHERE lease_id = ? AND kind = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, lease_id);
	db_bind_cstr(st, 2, kind);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
audit_open(struct db *db, const struct audit_actor *who, int64_t id, const struct lease_row *l,
	   const char *kind, int nitems, int64_t from, struct anju_err *e)
{
	json_t *after =
		json_pack("{s:s, s:I, s:I, s:I, s:i, s:s}", "kind", kind, "lease_id",
			  (json_int_t)l->id, "household_id", (json_int_t)l->household_id, "unit_id",
			  (json_int_t)l->unit_id, "items", nitems, "state", "draft");

	if (from > 0)
		json_object_set_new(after, "from_move_in", json_integer(from));
	return audit_ho(db, who, "handover.open", id, NULL, after, e);
}

int
handover_move_in_open(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t lease_id, int64_t *id, struct anju_err *e)
{
	struct lease_row l;
	int64_t community, other;
	int n = 0, rc;

	*id = 0;
	if ((rc = lease_visible(db, c, lease_id, &l, &community, e)) != 0)
		return rc;
	if (strcmp(l.state, "signed") != 0 && strcmp(l.state, "in_force") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "lease_state", "state",
				 "合同当前状态为「%s」，只有已签订或履行中的合同可以办理入住",
				 lease_state_title(l.state));
	/* One move-in per unit of a chain: a renewal does not move in again. */
	if ((rc = move_in_of(db, l.chain_id, l.unit_id, false, &other, e)) != 0)
		return rc;
	if (other > 0)
		return anju_fail(e, ANJU_ECONFLICT, "handover_exists", NULL,
				 "该合同已有入住交接清单（编号 %lld）", (long long)other);
	if ((rc = ho_insert(db, &l, community, "move_in", who, id, e)) != 0)
		return rc;
	if (*id == 0)
		return anju_fail(e, ANJU_ECONFLICT, "handover_exists", NULL,
				 "该合同已有入住交接清单");
	if ((rc = items_from_register(db, *id, l.unit_id, &n, e)) != 0)
		return rc;
	return audit_open(db, who, *id, &l, "move_in", n, 0, e);
}

static int
move_out_open(struct db *db, const struct caller *c, const struct audit_actor *who,
	      int64_t lease_id, int64_t *id, bool *created, struct anju_err *e)
{
	struct lease_row l;
	int64_t community, move_in;
	int n = 0, rc;

	*id = 0;
	*created = false;
	if ((rc = lease_visible(db, c, lease_id, &l, &community, e)) != 0)
		return rc;
	if ((rc = ho_existing(db, lease_id, "move_out", id, e)) != 0 || *id > 0)
		return rc;
	/* An eviction ends the lease before the household hands the keys back. */
	if (strcmp(l.state, "signed") != 0 && strcmp(l.state, "in_force") != 0 &&
	    strcmp(l.state, "ended") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "lease_state", "state",
				 "合同当前状态为「%s」，不能办理退房", lease_state_title(l.state));
	if ((rc = move_in_of(db, l.chain_id, l.unit_id, true, &move_in, e)) != 0 ||
	    (rc = ho_insert(db, &l, community, "move_out", who, id, e)) != 0)
		return rc;
	if (*id == 0) /* opened by someone else meanwhile */
		return ho_existing(db, lease_id, "move_out", id, e);
	*created = true;
	rc = move_in > 0 ? items_from_move_in(db, *id, move_in, &n, e)
			 : items_from_register(db, *id, l.unit_id, &n, e);
	if (rc != 0)
		return rc;
	return audit_open(db, who, *id, &l, "move_out", n, move_in, e);
}

int
handover_move_out_open(struct db *db, int64_t lease_id, const struct audit_actor *who,
		       int64_t *handover_id, struct anju_err *e)
{
	bool created;

	return move_out_open(db, NULL, who, lease_id, handover_id, &created, e);
}

int
handover_move_out_open_scoped(struct db *db, const struct caller *c, const struct audit_actor *who,
			      int64_t lease_id, int64_t *id, bool *created, struct anju_err *e)
{
	return move_out_open(db, c, who, lease_id, id, created, e);
}

/* ---- editing ---- */

/* A meter reading: up to 9 digits, a point and up to 3 more. */
static bool
reading_ok(const char *s)
{
	size_t i = 0, d = 0, f = 0;

	while (s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++, f++;
		if (f == 0)
			return false;
	}
	return s[i] == '\0' && d >= 1 && d <= 9 && f <= 3;
}

static int
meters_check(json_t *m, struct anju_err *e)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return anju_fail(e, ANJU_EINVAL, "invalid_type", "meters", "表读数格式不正确");
	json_object_foreach (m, k, v) {
		bool known = false;

		for (int i = 0; meter_names[i] != NULL; i++)
			known = known || strcmp(meter_names[i], k) == 0;
		if (!known)
			return anju_fail(e, ANJU_EINVAL, "unknown_field", "meters",
					 "没有「%s」这种表（只有水、电、燃气）", k);
		if (!json_is_null(v) && (!json_is_string(v) || !reading_ok(json_string_value(v))))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "meters",
					 "表读数应为数字，如 1234.5");
	}
	return 0;
}

int
handover_update(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		const struct handover_patch *p, struct anju_err *e)
{
	struct ho_row h;
	struct db_stmt *st;
	char *meters = NULL;
	json_t *after;
	int rc;

	if ((rc = ho_draft(db, c, id, &h, e)) != 0)
		return rc;
	if (p->meters != NULL && (rc = meters_check(p->meters, e)) != 0)
		return rc;
	if (p->keys_handed != -1 && (p->keys_handed < 0 || p->keys_handed > 99))
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "keys_handed",
				 "钥匙数量应在 0 到 99 之间");
	if ((rc = text_ok(p->note, "note", HANDOVER_NOTE_MAX, false, e)) != 0)
		return rc;
	if (is_move_in(&h) && (p->tenant_agrees != -1 || p->repair != -1 || p->refund_channel))
		return anju_fail(e, ANJU_EINVAL, "move_out_only",
				 p->tenant_agrees != -1 ? "tenant_agrees"
				 : p->repair != -1      ? "repair"
							: "refund_channel",
				 "此项只在退房交接时填写");
	if (p->refund_channel != NULL && strcmp(p->refund_channel, "cash") != 0 &&
	    strcmp(p->refund_channel, "bank_transfer") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "refund_channel",
				 "退款只能以现金或银行转账支付");
	if (p->meters != NULL) {
		/* A null reading is no reading: not stored. */
		json_t *kept = json_object(), *v;
		const char *k;

		json_object_foreach (p->meters, k, v)
			if (!json_is_null(v))
				json_object_set(kept, k, v);
		meters = json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(kept);
	}
	rc = db_prepare(db,
			"UPDATE handover SET meters = COALESCE(?, meters),"
			" keys_handed = CASE WHEN ? >= 0 THEN ? ELSE keys_handed END,"
			" note = COALESCE(?, note),"
			" tenant_agrees = CASE WHEN ? >= 0 THEN ? ELSE tenant_agrees END,"
			" repair = CASE WHEN ? >= 0 THEN ? ELSE repair END,"
			" refund_channel = COALESCE(?, refund_channel), updated_at = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0) {
		free(meters);
		return db_fail(db, rc, e);
	}
	{
		char now[TIME_FMT_LEN];

		time_format_utc(time_now_us(), now);
		db_bind_cstr(st, 1, meters);
		db_bind_int64(st, 2, p->keys_handed);
		db_bind_int64(st, 3, p->keys_handed);
		db_bind_cstr(st, 4, p->note);
		db_bind_int64(st, 5, p->tenant_agrees);
		db_bind_int64(st, 6, p->tenant_agrees);
		db_bind_int64(st, 7, p->repair);
		db_bind_int64(st, 8, p->repair);
		db_bind_cstr(st, 9, p->refund_channel);
		db_bind_cstr(st, 10, now);
		db_bind_int64(st, 11, id);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE) {
		free(meters);
		return db_fail(db, rc, e);
	}
	after = json_object();
	if (p->meters != NULL)
		json_object_set(after, "meters", p->meters);
	if (p->keys_handed != -1)
		json_object_set_new(after, "keys_handed", json_integer(p->keys_handed));
	if (p->note != NULL)
		json_object_set_new(after, "note", json_string(p->note));
	if (p->tenant_agrees != -1)
		json_object_set_new(after, "tenant_agrees", json_boolean(p->tenant_agrees));
	if (p->repair != -1)
		json_object_set_new(after, "repair", json_boolean(p->repair));
	if (p->refund_channel != NULL)
		json_object_set_new(after, "refund_channel", json_string(p->refund_channel));
	free(meters);
	return audit_ho(db, who, "handover.update", id, NULL, after, e);
}

static int
item_check(const struct ho_row *h, const struct handover_item_in *it, int i, struct anju_err *e)
{
	char field[64];
	int rc;

	snprintf(field, sizeof(field), "items[%d].name", i);
	if ((rc = text_ok(it->name, field, HANDOVER_TEXT_MAX, true, e)) != 0)
		return rc;
	snprintf(field, sizeof(field), "items[%d].note", i);
	if ((rc = text_ok(it->note, field, HANDOVER_TEXT_MAX, false, e)) != 0)
		return rc;
	if (condition_title(it->condition) == NULL) {
		snprintf(field, sizeof(field), "items[%d].condition", i);
		return anju_fail(e, ANJU_EINVAL, "invalid_value", field,
				 "状况应为完好、有磨损、损坏或缺失");
	}
	snprintf(field, sizeof(field), "items[%d].deduction_fen", i);
	if (it->deduction_fen < 0 || it->deduction_fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_amount", field,
				 "扣款金额应在 0 到 1 亿元之间");
	if (it->deduction_fen > 0 && is_move_in(h))
		return anju_fail(e, ANJU_EINVAL, "move_out_only", field, "入住交接没有扣款");
	return 0;
}

/* The move-in line a move-out line is compared with: the same asset, else
 * the same name. */
static int
before_of(struct db *db, int64_t move_in, const struct handover_item_in *it, char cond[16],
	  struct buf *note, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	cond[0] = '\0';
	if (move_in == 0)
		return 0;
	rc = db_prepare(
		db,
		"SELECT condition, note FROM handover_item WHERE handover_id = ?"
		" AND ((? > 0 AND asset_id = ?) OR (? = 0 AND name = ?)) ORDER BY seq LIMIT 1",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, move_in);
	db_bind_int64(st, 2, it->asset_id);
	db_bind_int64(st, 3, it->asset_id);
	db_bind_int64(st, 4, it->asset_id);
	db_bind_cstr(st, 5, it->name);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(cond, 16, "%s", db_col_text(st, 0));
		buf_printf(note, "%s", db_col_text(st, 1));
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
handover_items_set(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   const struct handover_item_in *items, int n, struct anju_err *e)
{
	struct ho_row h;
	struct db_stmt *st;
	int64_t move_in = 0, total = 0;
	int rc;

	if ((rc = ho_draft(db, c, id, &h, e)) != 0)
		return rc;
	if (n < 0 || n > HANDOVER_ITEMS_MAX)
		return anju_fail(e, ANJU_EINVAL, "too_many_items", "items", "一份清单至多 %d 项",
				 HANDOVER_ITEMS_MAX);
	for (int i = 0; i < n; i++)
		if ((rc = item_check(&h, &items[i], i, e)) != 0)
			return rc;
	if (!is_move_in(&h) && (rc = move_in_of(db, h.chain_id, h.unit_id, true, &move_in, e)) != 0)
		return rc;
	if ((rc = db_prepare(db, "DELETE FROM handover_item WHERE handover_id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++) {
		char cond[16];
		struct buf note;

		buf_init(&note, 0);
		rc = before_of(db, move_in, &items[i], cond, &note, e);
		if (rc == 0)
			rc = item_insert(db, id, i + 1, items[i].asset_id, items[i].name,
					 items[i].condition, cond[0] ? cond : NULL,
					 note.p ? note.p : "", items[i].note,
					 items[i].deduction_fen, e);
		buf_free(&note);
		if (rc != 0)
			return rc;
		total += items[i].deduction_fen;
	}
	if ((rc = touch(db, id, e)) != 0)
		return rc;
	return audit_ho(db, who, "handover.items", id, NULL,
			json_pack("{s:i, s:I}", "items", n, "deductions_fen", (json_int_t)total),
			e);
}

int
handover_item_update(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, int64_t item_id, const char *condition, const char *note,
		     int64_t deduction_fen, struct anju_err *e)
{
	struct handover_item_in it = { 0, "-", condition ? condition : "good", note,
				       deduction_fen > 0 ? deduction_fen : 0 };
	struct ho_row h;
	struct db_stmt *st;
	int64_t changed;
	json_t *after;
	int rc;

	if ((rc = ho_draft(db, c, id, &h, e)) != 0 || (rc = item_check(&h, &it, 0, e)) != 0) {
		/* Name the one field this route takes. */
		if (rc == ANJU_EINVAL && strncmp(e->field, "items[0].", 9) == 0)
			memmove(e->field, e->field + 9, strlen(e->field + 9) + 1);
		return rc;
	}
	rc = db_prepare(db,
			"UPDATE handover_item SET condition = COALESCE(?, condition),"
			" note = COALESCE(?, note),"
			" deduction_fen = CASE WHEN ? >= 0 THEN ? ELSE deduction_fen END"
			" WHERE id = ? AND handover_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, condition);
	db_bind_cstr(st, 2, note);
	db_bind_int64(st, 3, deduction_fen);
	db_bind_int64(st, 4, deduction_fen);
	db_bind_int64(st, 5, item_id);
	db_bind_int64(st, 6, id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (changed == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "item_not_found", NULL, "清单中没有这一项");
	if ((rc = touch(db, id, e)) != 0)
		return rc;
	after = json_pack("{s:I, s:s?, s:s?}", "item_id", (json_int_t)item_id, "condition",
			  condition, "note", note);
	if (deduction_fen >= 0)
		json_object_set_new(after, "deduction_fen", json_integer(deduction_fen));
	return audit_ho(db, who, "handover.item", id, NULL, after, e);
}

/* ---- completing ---- */

static int
deductions_of(struct db *db, int64_t id, int64_t *fen, int *damaged, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT COALESCE(SUM(deduction_fen), 0), COALESCE(SUM(CASE WHEN condition"
			" IN ('damaged', 'missing') THEN 1 ELSE 0 END), 0) FROM handover_item"
			" WHERE handover_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*fen = db_col_int64(st, 0);
		*damaged = (int)db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (*fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "invalid_amount", "deduction_fen",
				 "扣款合计超过 1 亿元");
	return 0;
}

static int
mark_done(struct db *db, int64_t id, const char *done_on, const struct audit_actor *who,
	  struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int64_t changed;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE handover SET state = 'done', done_on = ?, done_by = ?, updated_at = ?"
		" WHERE id = ? AND state = 'draft'",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, done_on);
	db_bind_cstr(st, 2, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	return changed == 1
		       ? 0
		       : anju_fail(e, ANJU_ECONFLICT, "handover_done", "state", "交接清单已经完成");
}

static int
audit_lease(struct db *db, const struct audit_actor *who, const char *action, int64_t lease_id,
	    json_t *after, struct anju_err *e)
{
	return handover_audit(db, who, action, "lease", lease_id, NULL, after, e);
}

static int
complete_move_in(struct db *db, const struct ho_row *h, const struct lease_row *l,
		 const char *done_on, const struct audit_actor *who, struct anju_err *e)
{
	struct deposit_info d;
	int64_t in_force = 0;
	int rc;

	if ((rc = lease_in_force(db, l->chain_id, done_on, &in_force, e)) != 0)
		return rc;
	if (in_force != l->id)
		return anju_fail(e, ANJU_ECONFLICT, "lease_not_in_force", "done_on",
				 "合同（%s，%s 至 %s）在 %s 不在有效期内，不能入住",
				 lease_state_title(l->state), l->starts_on, l->ends_on, done_on);
	if ((rc = deposit_find(db, "lease_chain", l->chain_id, &d, e)) != 0)
		return rc;
	if ((d.charge_id > 0 && strcmp(d.state, "paid") != 0) ||
	    (d.charge_id == 0 && l->deposit_fen > 0)) {
		char due[MONEY_FMT_MAX], paid[MONEY_FMT_MAX];

		money_format(d.charge_id ? d.amount_fen : l->deposit_fen, due);
		money_format(d.paid_fen, paid);
		return anju_fail(e, ANJU_ECONFLICT, "deposit_unpaid", NULL,
				 "履约保证金尚未缴清（应缴 %s 元，已缴 %s 元），不能办理入住", due,
				 paid);
	}
	if (h->keys_handed < 1)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "keys_required", "keys_handed",
				 "请填写交给承租人的钥匙数量");
	if ((rc = unit_transition(db, l->unit_id, UNIT_ALLOCATED, UNIT_OCCUPIED, "入住交接", who,
				  e)) != 0 ||
	    (rc = mark_done(db, h->id, done_on, who, e)) != 0)
		return rc;
	return audit_lease(db, who, "lease.move_in", l->id,
			   json_pack("{s:I, s:s, s:i}", "handover_id", (json_int_t)h->id, "done_on",
				     done_on, "keys_handed", h->keys_handed),
			   e);
}

/* occupied → vacant, or allocated → vacant when the household never moved
 * in through a checklist (a lease entered from paper); then under repair
 * when asked. */
static int
vacate_unit(struct db *db, int64_t unit_id, bool repair, const struct audit_actor *who,
	    struct anju_err *e)
{
	struct anju_err first;
	int rc;

	rc = unit_transition(db, unit_id, UNIT_OCCUPIED, UNIT_VACANT, "退房交接", who, e);
	if (rc == ANJU_ECONFLICT) {
		first = *e;
		anju_err_clear(e);
		rc = unit_transition(db, unit_id, UNIT_ALLOCATED, UNIT_VACANT, "退房交接", who, e);
		if (rc == ANJU_ECONFLICT)
			*e = first; /* names the status the unit is in */
	}
	if (rc != 0 || !repair)
		return rc;
	return unit_repair(db, unit_id, "退房交接发现损坏，需维修", who, e);
}

static int
complete_move_out(struct db *db, const struct caller *c, const struct ho_row *h,
		  const struct lease_row *l, const char *done_on, const struct audit_actor *who,
		  int64_t *approval_id, struct anju_err *e)
{
	int64_t move_in = 0, deductions = 0;
	int damaged = 0, rc;
	bool ended_here = false;

	if (h->tenant_agrees < 0)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "tenant_agrees",
				 "请确认承租人是否同意以履约保证金结清欠费");
	if (h->refund_channel[0] == '\0')
		return anju_fail(e, ANJU_EINVAL, "missing_field", "refund_channel",
				 "请选择退款方式（现金或银行转账）");
	if ((rc = move_in_of(db, h->chain_id, h->unit_id, true, &move_in, e)) != 0 ||
	    (rc = deductions_of(db, h->id, &deductions, &damaged, e)) != 0)
		return rc;
	if (strcmp(done_on, l->starts_on) < 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "done_on",
				 "退房日期不能早于合同开始日期 %s", l->starts_on);
	if (move_in > 0) {
		struct ho_row in;

		if ((rc = ho_load(db, NULL, move_in, &in, e)) != 0)
			return rc;
		if (strcmp(done_on, in.done_on) < 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "done_on",
					 "退房日期不能早于入住日期 %s", in.done_on);
	}
	/* The lease ends with the move-out, unless an eviction (or its term)
	 * ended it already. */
	if (strcmp(l->state, "signed") == 0 || strcmp(l->state, "in_force") == 0) {
		if ((rc = lease_end(db, l->id, done_on, "退房交接", who, e)) != 0)
			return rc;
		ended_here = true;
	} else if (strcmp(l->state, "ended") != 0) {
		return anju_fail(e, ANJU_ECONFLICT, "lease_state", "state",
				 "合同当前状态为「%s」，不能办理退房", lease_state_title(l->state));
	}
	if ((rc = vacate_unit(db, h->unit_id, h->repair == 1, who, e)) != 0 ||
	    (rc = mark_done(db, h->id, done_on, who, e)) != 0)
		return rc;
	if ((rc = audit_lease(db, who, "lease.move_out", l->id,
			      json_pack("{s:I, s:s, s:b, s:I, s:i}", "handover_id",
					(json_int_t)h->id, "done_on", done_on, "lease_ended",
					ended_here, "deductions_fen", (json_int_t)deductions,
					"damaged_items", damaged),
			      e)) != 0)
		return rc;
	return deposit_settlement_request(db, c, who, h->id, NULL, "退房交接：履约保证金结算",
					  approval_id, e);
}

int
handover_complete(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const char *done_on, int64_t *approval_id, struct anju_err *e)
{
	char today[DATE_FMT_LEN], day[DATE_FMT_LEN];
	struct ho_row h;
	struct lease_row l;
	struct date d;
	int rc;

	*approval_id = 0;
	date_format(date_today_shanghai(), today);
	if (done_on == NULL || done_on[0] == '\0') {
		snprintf(day, sizeof(day), "%s", today);
	} else {
		if (date_parse(str_c(done_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "done_on",
					 "日期应为 YYYY-MM-DD 格式");
		date_format(d, day);
		if (strcmp(day, today) > 0)
			return anju_fail(e, ANJU_EINVAL, "future_date", "done_on",
					 "交接日期不能晚于今天");
	}
	if ((rc = ho_draft(db, c, id, &h, e)) != 0 || (rc = lease_load(db, h.lease_id, &l, e)) != 0)
		return rc;
	rc = is_move_in(&h) ? complete_move_in(db, &h, &l, day, who, e)
			    : complete_move_out(db, c, &h, &l, day, who, approval_id, e);
	if (rc != 0)
		return rc;
	return audit_ho(
		db, who, "handover.complete", id, json_pack("{s:s}", "state", "draft"),
		json_pack("{s:s, s:s, s:s}", "state", "done", "kind", h.kind, "done_on", day), e);
}

/* ---- reading ---- */

static json_t *
items_json(struct db *db, int64_t id, int64_t *deductions, struct anju_err *e, int *rcp)
{
	struct db_stmt *st;
	json_t *items = json_array();
	int rc;

	*deductions = 0;
	rc = db_prepare(
		db,
		"SELECT id, seq, asset_id, name, condition, before_condition, before_note,"
		" note, deduction_fen FROM handover_item WHERE handover_id = ? ORDER BY seq",
		&st);
	if (rc != 0) {
		*rcp = db_fail(db, rc, e);
		return items;
	}
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *before = db_col_null(st, 5) ? NULL : db_col_text(st, 5);
		json_t *o = json_pack(
			"{s:I, s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I}", "id",
			(json_int_t)db_col_int64(st, 0), "seq", (json_int_t)db_col_int64(st, 1),
			"asset_id",
			db_col_null(st, 2) ? json_null() : json_integer(db_col_int64(st, 2)),
			"name", db_col_text(st, 3), "condition", db_col_text(st, 4),
			"condition_title",
			condition_title(db_col_text(st, 4)) ? condition_title(db_col_text(st, 4))
							    : "",
			"before_condition", before ? json_string(before) : json_null(),
			"before_condition_title",
			before && condition_title(before) ? json_string(condition_title(before))
							  : json_null(),
			"before_note", db_col_text(st, 6), "note", db_col_text(st, 7),
			"deduction_fen", (json_int_t)db_col_int64(st, 8));

		*deductions += db_col_int64(st, 8);
		json_array_append_new(items, o);
	}
	db_reset(st);
	*rcp = rc == DB_DONE ? 0 : db_fail(db, rc, e);
	return items;
}

static json_t *
lease_json(const struct lease_row *l)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)l->id, "chain_id",
			 (json_int_t)l->chain_id, "state", l->state, "starts_on", l->starts_on,
			 "ends_on", l->ends_on, "deposit_fen", (json_int_t)l->deposit_fen);
}

int
handover_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct lease_row l;
	json_t *o = NULL, *items = NULL, *unit = NULL, *settlement = NULL, *meters;
	int64_t deductions = 0;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT " HO_COLUMNS ", meters, note, done_by, created_by, created_at,"
			" updated_at FROM handover WHERE id = ? AND " SCOPE_SQL("community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW) {
		struct ho_row h;

		ho_read(st, &h);
		meters = json_loads(db_col_text(st, 13), 0, NULL);
		o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:i, s:s, s:o, s:b,"
			      " s:o, s:o, s:o, s:s, s:s, s:s}",
			      "id", (json_int_t)h.id, "lease_id", (json_int_t)h.lease_id,
			      "chain_id", (json_int_t)h.chain_id, "household_id",
			      (json_int_t)h.household_id, "unit_id", (json_int_t)h.unit_id,
			      "community_id", (json_int_t)h.community_id, "kind", h.kind, "state",
			      h.state, "meters", meters ? meters : json_object(), "keys_handed",
			      h.keys_handed, "note", db_col_text(st, 14), "tenant_agrees",
			      h.tenant_agrees < 0 ? json_null() : json_boolean(h.tenant_agrees),
			      "repair", h.repair == 1, "refund_channel",
			      h.refund_channel[0] ? json_string(h.refund_channel) : json_null(),
			      "done_on", h.done_on[0] ? json_string(h.done_on) : json_null(),
			      "done_by",
			      db_col_null(st, 15) ? json_null() : json_string(db_col_text(st, 15)),
			      "created_by", db_col_text(st, 16), "created_at", db_col_text(st, 17),
			      "updated_at", db_col_text(st, 18));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "handover_not_found", NULL, "没有这份交接清单");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	items = items_json(db, id, &deductions, e, &rc);
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "deductions_fen", json_integer(deductions));
	if (rc != 0 ||
	    (rc = lease_load(db, json_integer_value(json_object_get(o, "lease_id")), &l, e)) != 0 ||
	    (rc = unit_get(db, &handover_system, json_integer_value(json_object_get(o, "unit_id")),
			   &unit, e)) != 0 ||
	    (rc = deposit_settlement_json(db, id, &settlement, e)) != 0)
		goto out;
	json_object_set_new(o, "lease", lease_json(&l));
	json_object_set_new(o, "unit_number", json_copy(json_object_get(unit, "number")));
	json_object_set_new(o, "community_name",
			    json_copy(json_object_get(unit, "community_name")));
	json_object_set_new(o, "unit_status", json_copy(json_object_get(unit, "status")));
	json_object_set_new(o, "settlement", settlement);
	settlement = NULL;
	*out = o;
	o = NULL;
out:
	json_decref(unit);
	json_decref(o);
	return rc;
}

int
handover_list_of_lease(struct db *db, const struct caller *c, int64_t lease_id, json_t **items,
		       struct anju_err *e)
{
	struct lease_row l;
	struct db_stmt *st;
	int64_t community, ids[8];
	int n = 0, rc;

	*items = NULL;
	if ((rc = lease_visible(db, c, lease_id, &l, &community, e)) != 0)
		return rc;
	/* The move-in may be on an earlier lease of the chain (a renewal). */
	rc = db_prepare(db,
			"SELECT id FROM handover WHERE chain_id = ? AND unit_id = ? ORDER BY id"
			" LIMIT 8",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, l.chain_id);
	db_bind_int64(st, 2, l.unit_id);
	while ((rc = db_step(st)) == DB_ROW && n < 8)
		ids[n++] = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return db_fail(db, rc, e);
	*items = json_array();
	for (int i = 0; i < n; i++) {
		json_t *h = NULL;

		if ((rc = handover_get(db, c, ids[i], &h, e)) != 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
		json_array_append_new(*items, h);
	}
	return 0;
}

static json_t *
summary_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:s, s:s}", "id",
			 (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "state",
			 db_col_text(st, 2), "lease_id", (json_int_t)db_col_int64(st, 3),
			 "household_id", (json_int_t)db_col_int64(st, 4), "unit_id",
			 (json_int_t)db_col_int64(st, 5), "community_id",
			 (json_int_t)db_col_int64(st, 6), "done_on",
			 db_col_null(st, 7) ? json_null() : json_string(db_col_text(st, 7)),
			 "created_at", db_col_text(st, 8), "updated_at", db_col_text(st, 9));
}

int
handover_list(struct db *db, const struct caller *c, const struct handover_filter *f,
	      json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *h;
	size_t i;
	int rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			"SELECT id, kind, state, lease_id, household_id, unit_id, community_id,"
			" done_on, created_at, updated_at FROM handover WHERE (? = 0 OR id < ?)"
			" AND (? = 0 OR community_id = ?) AND (CAST(? AS TEXT) = '' OR kind = ?)"
			" AND (CAST(? AS TEXT) = '' OR state = ?) AND " SCOPE_SQL(
				"community_id") " ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->before_id);
	db_bind_int64(st, 2, f->before_id);
	db_bind_int64(st, 3, f->community_id);
	db_bind_int64(st, 4, f->community_id);
	db_bind_cstr(st, 5, f->kind ? f->kind : "");
	db_bind_cstr(st, 6, f->kind ? f->kind : "");
	db_bind_cstr(st, 7, f->state ? f->state : "");
	db_bind_cstr(st, 8, f->state ? f->state : "");
	scope_bind(st, 9, c);
	db_bind_int64(st, 11, f->limit + 1);
	if ((rc = page_collect(st, f->limit, summary_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	/* The unit's number, as people name a flat. */
	json_array_foreach (*items, i, h) {
		json_t *unit = NULL;

		if (unit_get(db, &handover_system,
			     json_integer_value(json_object_get(h, "unit_id")), &unit, e) == 0)
			json_object_set(h, "unit_number", json_object_get(unit, "number"));
		else
			json_object_set_new(h, "unit_number", json_null());
		json_decref(unit);
	}
	return 0;
}
