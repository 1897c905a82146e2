/*
 * Offers (配租通知): one unit offered to one household of a batch.  The
 * household answers through the operator's staff: it accepts (the unit is
 * allocated to it and its application leaves the waitlist as allocated),
 * refuses, or does not come (no-show, which counts as a refusal).  A
 * refused unit goes to the next household of the batch's drawn order.  The
 * bureau may withdraw an offer, also an accepted one until the lease is
 * signed.  Offers past their respond_by day lapse as no-shows
 * (allocation_sweep).
 */
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "household/household.h"
#include "housing/housing.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/allocation.h"

#define OFFER_SELECT                                                                               \
	"SELECT o.id, o.batch_id, b.title, o.entry_id, o.application_id, o.household_id,"          \
	" be.name_masked, o.unit_id, bu.number, bu.layout, bu.floor_area, o.community_id,"         \
	" o.state, o.offered_at, o.respond_by, o.responded_at, o.responded_by, o.reason, b.method" \
	" FROM offer o JOIN allocation_batch b ON b.id = o.batch_id"                               \
	" JOIN batch_entry be ON be.id = o.entry_id"                                               \
	" JOIN batch_unit bu ON bu.batch_id = o.batch_id AND bu.unit_id = o.unit_id"

static const char *
offer_state_title(const char *s)
{
	static const char *const t[][2] = {
		{ "offered", "待答复" }, { "accepted", "已接受" },  { "refused", "已拒绝" },
		{ "no_show", "未到场" }, { "withdrawn", "已撤回" }, { NULL, NULL },
	};

	for (int k = 0; t[k][0] != NULL; k++)
		if (strcmp(t[k][0], s) == 0)
			return t[k][1];
	return s;
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
offer_row(struct db_stmt *st, void *ud)
{
	char today[DATE_FMT_LEN];
	const char *state = db_col_text(st, 12);

	(void)ud;
	date_format(date_today_shanghai(), today);
	return json_pack(
		"{s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s,"
		" s:s, s:s, s:o, s:o, s:s, s:s, s:b}",
		"id", (json_int_t)db_col_int64(st, 0), "batch_id", (json_int_t)db_col_int64(st, 1),
		"batch_title", db_col_text(st, 2), "entry_id", (json_int_t)db_col_int64(st, 3),
		"application_id", (json_int_t)db_col_int64(st, 4), "household_id",
		(json_int_t)db_col_int64(st, 5), "name", db_col_text(st, 6), "unit_id",
		(json_int_t)db_col_int64(st, 7), "unit_number", db_col_text(st, 8), "layout",
		db_col_text(st, 9), "floor_area", (json_int_t)db_col_int64(st, 10), "community_id",
		(json_int_t)db_col_int64(st, 11), "state", state, "state_title",
		offer_state_title(state), "offered_at", db_col_text(st, 13), "respond_by",
		db_col_text(st, 14), "responded_at", text_or_null(st, 15), "responded_by",
		text_or_null(st, 16), "reason", db_col_text(st, 17), "method", db_col_text(st, 18),
		"lapsed", strcmp(state, "offered") == 0 && strcmp(db_col_text(st, 14), today) < 0);
}

int
offer_list(struct db *db, const struct caller *c, const struct offer_filter *f, json_t **items,
	   int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	bool own = false;
	int rc, i;

	/* A tenant sees its own household's offers, and only by asking for
	 * them: household_community() admits a tenant to its household. */
	if (c != NULL && c->role == ROLE_TENANT) {
		if (f->household_id == 0)
			return anju_fail(e, ANJU_EINVAL, "household_required", "household_id",
					 "请指定家庭");
		if ((rc = household_community(db, c, f->household_id, &community, e)) != 0)
			return rc;
		own = true;
	}
	rc = db_prepare(db,
			OFFER_SELECT " WHERE (? = 0 OR o.id < ?) AND (? = 0 OR o.household_id = ?)"
				     " AND (? = 0 OR o.batch_id = ?) AND (CAST(? AS TEXT) IS NULL"
				     " OR o.state = ?) AND (? = 1 OR " SCOPE_SQL(
					     "o.community_id") ") ORDER BY o.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->before_id);
	db_bind_int64(st, 2, f->before_id);
	db_bind_int64(st, 3, f->household_id);
	db_bind_int64(st, 4, f->household_id);
	db_bind_int64(st, 5, f->batch_id);
	db_bind_int64(st, 6, f->batch_id);
	db_bind_cstr(st, 7, f->state);
	db_bind_cstr(st, 8, f->state);
	db_bind_int64(st, 9, own ? 1 : 0);
	i = allocation_scope_bind(st, 10, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, offer_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
offer_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t household = 0, community;
	int rc;

	rc = db_prepare(db, OFFER_SELECT " WHERE o.id = ? AND " SCOPE_SQL("o.community_id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	/* A tenant: its household's offer, found without the scope. */
	if (c != NULL && c->role == ROLE_TENANT) {
		struct db_stmt *h;

		if ((rc = db_prepare(db, "SELECT household_id FROM offer WHERE id = ?", &h)) != 0)
			return db_fail(db, rc, e);
		db_bind_int64(h, 1, id);
		if ((rc = db_step(h)) == DB_ROW)
			household = db_col_int64(h, 0);
		db_reset(h);
		if (rc < 0)
			return db_fail(db, rc, e);
		if (household == 0 || household_community(db, c, household, &community, e) != 0)
			return anju_fail(e, ANJU_ENOTFOUND, "offer_not_found", NULL,
					 "没有这份配租通知");
		rc = db_prepare(db, OFFER_SELECT " WHERE o.id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, id);
	} else {
		db_bind_int64(st, 1, id);
		allocation_scope_bind(st, 2, c);
	}
	*out = NULL;
	if ((rc = db_step(st)) == DB_ROW)
		*out = offer_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "offer_not_found", NULL, "没有这份配租通知");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* What a change needs of an offer. */
struct offer_row {
	int64_t id, batch_id, entry_id, application_id, household_id, unit_id, bu_id;
	char state[16], method[16], batch_state[16], number[64];
};

static int
offer_load(struct db *db, const struct caller *c, int64_t id, struct offer_row *o,
	   struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT o.id, o.batch_id, o.entry_id, o.application_id, o.household_id,"
			" o.unit_id, bu.id, o.state, b.method, b.state, bu.number FROM offer o"
			" JOIN allocation_batch b ON b.id = o.batch_id"
			" JOIN batch_unit bu ON bu.batch_id = o.batch_id AND bu.unit_id = o.unit_id"
			" WHERE o.id = ? AND " SCOPE_SQL("o.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	allocation_scope_bind(st, 2, c);
	memset(o, 0, sizeof(*o));
	if ((rc = db_step(st)) == DB_ROW) {
		o->id = db_col_int64(st, 0);
		o->batch_id = db_col_int64(st, 1);
		o->entry_id = db_col_int64(st, 2);
		o->application_id = db_col_int64(st, 3);
		o->household_id = db_col_int64(st, 4);
		o->unit_id = db_col_int64(st, 5);
		o->bu_id = db_col_int64(st, 6);
		snprintf(o->state, sizeof(o->state), "%s", db_col_text(st, 7));
		snprintf(o->method, sizeof(o->method), "%s", db_col_text(st, 8));
		snprintf(o->batch_state, sizeof(o->batch_state), "%s", db_col_text(st, 9));
		snprintf(o->number, sizeof(o->number), "%s", db_col_text(st, 10));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "offer_not_found", NULL, "没有这份配租通知");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Loads the offer after applying the batch's lapses, so that an answer
 * after the last day finds the offer already lapsed. */
static int
offer_fresh(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	    struct offer_row *o, struct anju_err *e)
{
	int n = 0, rc;

	if ((rc = offer_load(db, c, id, o, e)) != 0)
		return rc;
	if (c != NULL && (rc = allocation_sweep(db, who, o->batch_id, &n, e)) != 0)
		return rc;
	return n > 0 ? offer_load(db, c, id, o, e) : 0;
}

static int
offer_state_conflict(const struct offer_row *o, const char *doing, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "offer_state", "state", "配租通知当前为“%s”，不能%s",
			 offer_state_title(o->state), doing);
}

/* Sets the offer's state and answer, audited on the offer. */
static int
offer_set(struct db *db, const struct audit_actor *who, const struct offer_row *o,
	  const char *action, const char *to, const char *reason, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	json_t *before, *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE offer SET state = ?, responded_at = ?, responded_by = ?, reason = ?,"
		" updated_at = ? WHERE id = ? AND state = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, to);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 4, reason ? reason : "");
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, o->id);
	db_bind_cstr(st, 7, o->state);
	rc = db_step(st);
	if (rc == DB_DONE && db_changes(st) != 1)
		rc = ANJU_ECONFLICT;
	db_reset(st);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "offer_state", "state",
				 "配租通知的状态刚刚被改变，请刷新后再试");
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = db_prepare(db, "UPDATE batch_entry SET state = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, to);
	db_bind_int64(st, 2, o->entry_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)o->id);
	before = json_pack("{s:s}", "state", o->state);
	after = json_pack("{s:s, s:s, s:I, s:I, s:s}", "state", to, "reason", reason ? reason : "",
			  "household_id", (json_int_t)o->household_id, "unit_id",
			  (json_int_t)o->unit_id, "unit_number", o->number);
	rc = audit_write(db, who, action, "offer", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

static int
exec_id(struct db *db, const char *sql, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
offer_accept(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	     struct anju_err *e)
{
	struct offer_row o;
	int rc;

	if ((rc = offer_fresh(db, c, who, id, &o, e)) != 0)
		return rc;
	if (strcmp(o.state, "offered") != 0)
		return offer_state_conflict(&o, "接受", e);
	if ((rc = unit_transition(db, o.unit_id, UNIT_VACANT, UNIT_ALLOCATED, "配租通知已接受", who,
				  e)) != 0 ||
	    (rc = allocation_application_move(db, who, o.application_id, "approved", "allocated",
					      o.id, e)) != 0 ||
	    (rc = exec_id(db, "UPDATE batch_unit SET state = 'taken', reserved = NULL WHERE id = ?",
			  o.bu_id, e)) != 0 ||
	    (rc = offer_set(db, who, &o, "offer.accept", "accepted", NULL, e)) != 0)
		return rc;
	return allocation_close_if_done(db, who, o.batch_id, e);
}

int
offer_decline(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	      const char *outcome, const char *reason, struct anju_err *e)
{
	struct offer_row o;
	int rc;

	if (outcome == NULL || (strcmp(outcome, "refused") != 0 && strcmp(outcome, "no_show") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "outcome",
				 "结果应为 refused（拒绝）或 no_show（未到场）");
	if ((rc = offer_fresh(db, c, who, id, &o, e)) != 0)
		return rc;
	if (strcmp(o.state, "offered") != 0)
		return offer_state_conflict(
			&o, strcmp(outcome, "refused") == 0 ? "登记拒绝" : "登记未到场", e);
	if ((rc = offer_set(db, who, &o,
			    strcmp(outcome, "refused") == 0 ? "offer.refuse" : "offer.no_show",
			    outcome, reason, e)) != 0 ||
	    (rc = allocation_count_refusal(db, who, o.application_id, outcome, e)) != 0 ||
	    (rc = exec_id(db, "UPDATE batch_unit SET state = 'open' WHERE id = ?", o.bu_id, e)) !=
		    0)
		return rc;
	/* The unit goes to the next household of the drawn order. */
	return allocation_pass_unit(db, who, o.batch_id, o.bu_id, e);
}

int
offer_withdraw(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	       const char *reason, struct anju_err *e)
{
	struct offer_row o;
	bool offering;
	int rc;

	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = offer_load(db, c, id, &o, e)) != 0)
		return rc;
	offering = strcmp(o.batch_state, "offering") == 0;
	if (strcmp(o.state, "accepted") == 0) {
		/* Before the lease only: the application is still allocated. */
		if ((rc = allocation_application_move(db, who, o.application_id, "allocated",
						      "approved", o.id, e)) != 0 ||
		    (rc = unit_transition(db, o.unit_id, UNIT_ALLOCATED, UNIT_VACANT,
					  "配租通知撤回", who, e)) != 0)
			return rc;
	} else if (strcmp(o.state, "offered") != 0) {
		return offer_state_conflict(&o, "撤回", e);
	}
	if ((rc = offer_set(db, who, &o, "offer.withdraw", "withdrawn", reason, e)) != 0)
		return rc;
	if (!offering)
		return exec_id(db,
			       "UPDATE batch_unit SET state = 'released', reserved = NULL"
			       " WHERE id = ?",
			       o.bu_id, e);
	if ((rc = exec_id(db, "UPDATE batch_unit SET state = 'open', reserved = 1 WHERE id = ?",
			  o.bu_id, e)) != 0)
		return rc;
	if (strcmp(o.method, "lottery") == 0)
		return allocation_pass_unit(db, who, o.batch_id, o.bu_id, e);
	/* Choice: the unit is open again for the households still to choose. */
	return allocation_close_if_done(db, who, o.batch_id, e);
}
