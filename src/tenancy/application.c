/*
 * Applications: the states from draft to approved, the bureau's decision
 * with its record of the rules, publicity and objections.  See
 * application.h and docs/tenancy-application.md.
 *
 * Every change is an UPDATE guarded by the state it starts from ("AND
 * state = ?"), so two clerks acting at once cannot both move the same
 * application: the second finds no row and is told the current state.
 */
#include "tenancy/application.h"

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
#include "core/idnum.h"
#include "files/files.h"
#include "household/household.h"
#include "search/search.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"
#include "tenancy/tenancy.h"

#define OPERATOR_ROLES (ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who takes an application and acts for the household. */
#define COUNTER_ROLES (OPERATOR_ROLES | ROLE_BIT(ROLE_TENANT))
/* Who records an objection for someone. */
#define OBJECTION_ROLES (OPERATOR_ROLES | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_INSPECTOR))

#define REASON_MAX   500
#define OBJECTOR_MAX 64
#define CONTACT_MAX  64
#define CONTENT_MAX  1000
#define Q_HOUSEHOLDS 20 /* households a search of the inbox matches at most */

static const struct {
	const char *name, *title;
} states[] = {
	{ "draft", "草稿" },          { "submitted", "已提交" },
	{ "returned", "已退回补正" }, { "first_reviewed", "初审通过" },
	{ "deciding", "复审审批中" }, { "publicity", "公示中" },
	{ "approved", "已核准轮候" }, { "allocated", "已配租" },
	{ "housed", "已入住" },       { "rejected", "未通过" },
	{ "withdrawn", "已撤回" },
};

const char *const application_states[] = {
	"draft",    "submitted", "returned", "first_reviewed", "deciding",  "publicity",
	"approved", "allocated", "housed",   "rejected",       "withdrawn", NULL,
};

const char *
application_state_title(const char *state)
{
	for (size_t i = 0; state != NULL && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, state) == 0)
			return states[i].title;
	return NULL;
}

static bool
is(const char *state, const char *s)
{
	return state != NULL && strcmp(state, s) == 0;
}

/* Before approved: the states a household may still withdraw from. */
static bool
withdrawable(const char *state)
{
	return is(state, "draft") || is(state, "submitted") || is(state, "returned") ||
	       is(state, "first_reviewed") || is(state, "deciding") || is(state, "publicity");
}

static bool
bureau(const struct caller *c)
{
	return c != NULL && c->role == ROLE_BUREAU;
}

static bool
role_in(const struct caller *c, unsigned roles)
{
	return c != NULL && (ROLE_BIT(c->role) & roles);
}

static int
bureau_only(struct anju_err *e)
{
	return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
			 "资格审核、异议处理和公示结束由住房保障部门决定，运营单位无权操作");
}

static int
state_conflict(struct anju_err *e, const char *state, const char *what)
{
	const char *t = application_state_title(state);

	return anju_fail(e, ANJU_ECONFLICT, "application_state", "state",
			 "申请当前状态为“%s”，不能%s", t ? t : state, what);
}

static int
not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "application_not_found", NULL, "没有这个申请");
}

static void
now_text(char out[TIME_FMT_LEN])
{
	time_format_utc(time_now_us(), out);
}

static void
today_text(char out[DATE_FMT_LEN])
{
	date_format(date_today_shanghai(), out);
}

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
json_or_null(struct db_stmt *st, int col)
{
	json_t *j = db_col_null(st, col) ? NULL : json_loads(db_col_text(st, col), 0, NULL);

	return j ? j : json_null();
}

static void
id_text(int64_t id, char out[24])
{
	snprintf(out, 24, "%lld", (long long)id);
}

/* An audit row on the application: before {state}, after {state, ...more}
 * (more is taken). */
static int
audit_app(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	  const char *from, const char *to, json_t *more, struct anju_err *e)
{
	json_t *before = from ? json_pack("{s:s}", "state", from) : NULL;
	json_t *after = more ? more : json_object();
	char oid[24];
	int rc;

	if (to != NULL)
		json_object_set_new(after, "state", json_string(to));
	id_text(id, oid);
	rc = audit_write(db, who, action, "application", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Loading.
 */

struct app {
	int64_t id, household_id, community_id, approval_id;
	char state[16];
	char publicity_until[DATE_FMT_LEN];
};

#define APP_ROW                                                                                    \
	"SELECT id, household_id, community_id, state, approval_id, publicity_until"               \
	" FROM application"

static void
app_of(struct db_stmt *st, struct app *a)
{
	a->id = db_col_int64(st, 0);
	a->household_id = db_col_int64(st, 1);
	a->community_id = db_col_int64(st, 2);
	snprintf(a->state, sizeof(a->state), "%s", db_col_text(st, 3));
	a->approval_id = db_col_int64(st, 4);
	snprintf(a->publicity_until, sizeof(a->publicity_until), "%s",
		 db_col_null(st, 5) ? "" : db_col_text(st, 5));
}

/* The application without any scope (the system, the public's checks). */
static int
app_read(struct db *db, int64_t id, struct app *a, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, APP_ROW " WHERE id = ?", &st);

	memset(a, 0, sizeof(*a));
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		app_of(st, a);
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The application as c may see it: in scope, or a tenant's own household's. */
static int
app_load(struct db *db, const struct caller *c, int64_t id, struct app *a, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	int rc;

	if (c == NULL)
		return app_read(db, id, a, e);
	if (c->role == ROLE_TENANT) {
		if ((rc = app_read(db, id, a, e)) != 0)
			return rc;
		if ((rc = household_community(db, c, a->household_id, &community, e)) != 0) {
			anju_err_clear(e);
			return rc == ANJU_ENOTFOUND ? not_found(e) : rc;
		}
		return 0;
	}
	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(db, APP_ROW " WHERE id = ? AND " SCOPE_SQL("community_id"), &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		app_of(st, a);
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Moves a from its state to to, stamping state_at; ANJU_ECONFLICT when
 * someone moved it first. */
static int
move(struct db *db, struct app *a, const char *to, const char *now, const char *what,
     struct anju_err *e)
{
	struct db_stmt *st;
	int64_t changed;
	int rc = db_prepare(db,
			    "UPDATE application SET state = ?, state_at = ?, updated_at = ?"
			    " WHERE id = ? AND state = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, to);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, a->id);
	db_bind_cstr(st, 5, a->state);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (changed != 1) {
		struct app now_a;

		if ((rc = app_read(db, a->id, &now_a, e)) != 0)
			return rc;
		return state_conflict(e, now_a.state, what);
	}
	return 0;
}

/* Sets one text column of the application (col is a literal of this file). */
static int
set_text(struct db *db, int64_t id, const char *sql, const char *v1, const char *v2,
	 struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, v1);
	db_bind_cstr(st, 2, v2);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/*
 * The decision's approval request, read through the approval module as the
 * bureau sees it (the operator's people may not read approvals themselves,
 * yet the application shows them whether a decision is pending).
 */
static const struct caller bureau_reader = {
	.kind = CALLER_SYSTEM,
	.role = ROLE_BUREAU,
	.name = "system",
	.principal = "system",
	.all_communities = true,
};

static int
approval_of(struct db *db, int64_t approval_id, json_t **out, struct anju_err *e)
{
	return approval_get(db, &bureau_reader, approval_id, out, e);
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A decision request that was rejected or withdrawn sends a deciding
 * application back to first_reviewed: the approval module calls this
 * (through the kind's on_end) in the transaction that ended the request. */
int
application_decision_ended(struct db *db, int64_t id, const char *how,
			   const struct audit_actor *who, const char *note, struct anju_err *e)
{
	struct db_stmt *st;
	struct app a;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = db_prepare(db, APP_ROW " WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		app_of(st, &a);
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : db_fail(db, rc, e);
	if (!is(a.state, "deciding"))
		return 0;
	now_text(now);
	rc = move(db, &a, "first_reviewed", now, "退回初审通过状态", e);
	if (rc == 0)
		rc = set_text(db, a.id,
			      "UPDATE application SET eligible = NULL, rule_version = NULL,"
			      " policy_version = NULL, eligibility = NULL, crosscheck = NULL,"
			      " decision_reason = CAST(? AS TEXT), updated_at = ? WHERE id = ?",
			      NULL, now, e);
	if (rc == 0)
		rc = audit_app(db, who, "application.decision_withdrawn", a.id, "deciding",
			       "first_reviewed",
			       json_pack("{s:I, s:s, s:s?}", "approval_id",
					 (json_int_t)a.approval_id, "approval_state", how, "note",
					 note),
			       e);
	return rc;
}

/*
 * The household's facts.
 */

/* The household keys a snapshot keeps, when the household has them (the
 * eligibility part adds the last four). */
static const char *const fact_keys[] = {
	"community_id", "community_name",   "category",           "category_name",
	"hukou",        "employer",         "monthly_income_fen", "assets_fen",
	"assets_note",  "current_housing",  "member_count",       "housing_area_centi",
	"local_hukou",  "insurance_months", "special_groups",     NULL,
};

/* The facts of the household as c sees them (ID numbers masked) into
 * *facts (new), with its head's masked name and ID number and its state. */
static int
facts_take(struct db *db, const struct caller *c, int64_t household_id, json_t **facts,
	   char name[80], char idm[40], char hstate[16], char category[48], struct anju_err *e)
{
	json_t *h = NULL, *f, *members, *m, *v;
	char now[TIME_FMT_LEN];
	size_t i;
	int rc;

	if ((rc = household_get(db, c, household_id, &h, e)) != 0)
		return rc;
	f = json_object();
	for (const char *const *k = fact_keys; *k; k++)
		if ((v = json_object_get(h, *k)) != NULL)
			json_object_set(f, *k, v);
	json_object_set_new(f, "household_id", json_integer(household_id));
	members = json_array();
	name[0] = idm[0] = '\0';
	json_array_foreach (json_object_get(h, "members"), i, m) {
		json_t *p = json_object_get(m, "person");
		const char *rel = jstr(m, "relationship"), *pn = jstr(p, "name"),
			   *pid = jstr(p, "id_number");

		json_array_append_new(members,
				      json_pack("{s:s?, s:s?, s:s?, s:O?, s:O?}", "relationship",
						rel, "name", pn, "id_number", pid, "birth_date",
						json_object_get(p, "birth_date"), "sex",
						json_object_get(p, "sex")));
		if (is(rel, "head")) {
			if (pn != NULL)
				mask_middle(pn, 1, 0, name, 80);
			snprintf(idm, 40, "%s", pid ? pid : "");
		}
	}
	json_object_set_new(f, "members", members);
	now_text(now);
	json_object_set_new(f, "taken_at", json_string(now));
	snprintf(hstate, 16, "%s", jstr(h, "state") ? jstr(h, "state") : "");
	snprintf(category, 48, "%s", jstr(h, "category") ? jstr(h, "category") : "");
	json_decref(h);
	*facts = f;
	return 0;
}

/*
 * Creating and submitting.
 */

/* The open application of a household, if any: *id 0 when none. */
static int
open_of(struct db *db, int64_t household_id, int64_t *id, char state[16], struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(
		db,
		"SELECT id, state FROM application WHERE household_id = ?"
		" AND state NOT IN ('rejected', 'withdrawn', 'housed') ORDER BY id LIMIT 1",
		&st);

	*id = 0;
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		snprintf(state, 16, "%s", db_col_text(st, 1));
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
open_conflict(struct anju_err *e, int64_t id, const char *state)
{
	const char *t = application_state_title(state);

	return anju_fail(e, ANJU_ECONFLICT, "application_open", "household_id",
			 "该家庭已有未办结的申请（编号 %lld，%s），不能重复申请", (long long)id,
			 t ? t : state);
}

int
application_create(struct db *db, const struct caller *c, const struct audit_actor *who,
		   int64_t household_id, const char *category, const char *note, int64_t *id,
		   struct anju_err *e)
{
	char name[80], idm[40], hstate[16], hcat[48], now[TIME_FMT_LEN], ostate[16], *text = NULL;
	json_t *facts = NULL, *cat = NULL;
	struct db_stmt *st;
	int64_t community = 0, open = 0;
	int rc;

	if (!role_in(c, COUNTER_ROLES))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "只有运营单位受理人员可以受理申请");
	if (note != NULL && strlen(note) > REASON_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "备注不能超过 %d 字节",
				 REASON_MAX);
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	if ((rc = facts_take(db, c, household_id, &facts, name, idm, hstate, hcat, e)) != 0)
		return rc;
	if (!is(hstate, "active")) {
		rc = anju_fail(e, ANJU_ECONFLICT, "household_closed", "household_id",
			       "该家庭已注销，不能申请");
		goto out;
	}
	if (category == NULL || category[0] == '\0')
		category = hcat;
	if ((rc = household_category_get(db, category, &cat, e)) != 0)
		goto out;
	if (!json_is_true(json_object_get(cat, "active")) &&
	    json_integer_value(json_object_get(cat, "active")) != 1) {
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "category_inactive", "category",
			       "该保障类别已停用");
		goto out;
	}
	if ((rc = open_of(db, household_id, &open, ostate, e)) != 0)
		goto out;
	if (open != 0) {
		rc = open_conflict(e, open, ostate);
		goto out;
	}
	now_text(now);
	text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
	rc = db_prepare(db,
			"INSERT INTO application (household_id, community_id, category, state,"
			" state_at, note, head_masked_name, head_masked_id, facts, created_by,"
			" created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, community);
	db_bind_cstr(st, 3, category);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, note ? note : "");
	db_bind_cstr(st, 6, name);
	db_bind_cstr(st, 7, idm);
	db_bind_cstr(st, 8, text);
	db_bind_cstr(st, 9, c->principal);
	db_bind_cstr(st, 10, now);
	db_bind_cstr(st, 11, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT) {
		/* The partial unique index: another clerk was faster. */
		rc = open_conflict(e, 0, "submitted");
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_app(db, who, "application.create", *id, NULL, "draft",
		       json_pack("{s:I, s:s, s:s}", "household_id", (json_int_t)household_id,
				 "category", category, "note", note ? note : ""),
		       e);
out:
	free(text);
	json_decref(facts);
	json_decref(cat);
	return rc;
}

int
application_submit(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   struct anju_err *e)
{
	char name[80], idm[40], hstate[16], hcat[48], now[TIME_FMT_LEN], *text = NULL;
	json_t *facts = NULL;
	struct db_stmt *st;
	struct app a;
	const char *from;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	if (!role_in(c, COUNTER_ROLES))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "只有运营单位受理人员可以提交申请");
	if (!is(a.state, "draft") && !is(a.state, "returned"))
		return state_conflict(e, a.state, "提交");
	from = is(a.state, "draft") ? "draft" : "returned";
	if ((rc = facts_take(db, c, a.household_id, &facts, name, idm, hstate, hcat, e)) != 0)
		return rc;
	if (!is(hstate, "active")) {
		rc = anju_fail(e, ANJU_ECONFLICT, "household_closed", "household_id",
			       "该家庭已注销，不能提交申请");
		goto out;
	}
	if (json_integer_value(json_object_get(facts, "member_count")) < 1 || name[0] == '\0') {
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "head_required", "household_id",
			       "该家庭没有户主，请先在住户中登记户主");
		goto out;
	}
	now_text(now);
	if ((rc = move(db, &a, "submitted", now, "提交", e)) != 0)
		goto out;
	text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
	rc = db_prepare(
		db,
		"UPDATE application SET facts = ?, head_masked_name = ?, head_masked_id = ?,"
		" submitted_at = ?, returned_reason = NULL WHERE id = ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, text);
	db_bind_cstr(st, 2, name);
	db_bind_cstr(st, 3, idm);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_app(db, who, "application.submit", id, from, "submitted",
		       json_pack("{s:O}", "facts", facts), e);
out:
	free(text);
	json_decref(facts);
	return rc;
}

static int
reason_check(const char *reason, bool required, struct anju_err *e)
{
	if (required && (reason == NULL || strlen(reason) < 2))
		return anju_fail(e, ANJU_EINVAL, "reason_required", "reason", "请填写理由");
	if (reason != NULL && strlen(reason) > REASON_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason", "理由不能超过 %d 字节",
				 REASON_MAX);
	return 0;
}

int
application_first_review(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t id, bool pass, const char *reason, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct app a;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	if (!role_in(c, OPERATOR_ROLES))
		return anju_fail(e, ANJU_EFORBIDDEN, "operator_only", NULL,
				 "初审由运营单位受理人员进行");
	if ((rc = reason_check(reason, !pass, e)) != 0)
		return rc;
	if (!is(a.state, "submitted"))
		return state_conflict(e, a.state, pass ? "初审通过" : "退回补正");
	now_text(now);
	if (pass) {
		if ((rc = move(db, &a, "first_reviewed", now, "初审通过", e)) != 0 ||
		    (rc = set_text(db, id,
				   "UPDATE application SET first_reviewed_at = ?,"
				   " first_reviewed_by = ? WHERE id = ?",
				   now, c->principal, e)) != 0)
			return rc;
		return audit_app(db, who, "application.first_review", id, "submitted",
				 "first_reviewed",
				 json_pack("{s:s}", "reason", reason ? reason : ""), e);
	}
	if ((rc = move(db, &a, "returned", now, "退回补正", e)) != 0 ||
	    (rc = set_text(
		     db, id,
		     "UPDATE application SET returned_reason = ?, updated_at = ? WHERE id = ?",
		     reason, now, e)) != 0)
		return rc;
	return audit_app(db, who, "application.return", id, "submitted", "returned",
			 json_pack("{s:s}", "reason", reason), e);
}

/*
 * The bureau's decision.
 */

/* What the rules say of the household today: eligibility (with the ban),
 * cross-check, policy.  Each new reference is the caller's. */
struct verdict {
	bool eligible, banned;
	int64_t rule_version;
	char ban_until[DATE_FMT_LEN];
	json_t *explain, *crosscheck;
	int nconflicts;
	struct tenancy_policy policy;
};

static void
verdict_free(struct verdict *v)
{
	json_decref(v->explain);
	json_decref(v->crosscheck);
	v->explain = v->crosscheck = NULL;
}

static int
verdict_take(struct db *db, int64_t household_id, bool with_crosscheck, struct verdict *v,
	     struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int rc;

	memset(v, 0, sizeof(*v));
	today_text(today);
	if ((rc = eligibility_evaluate(db, household_id, today, &v->eligible, &v->rule_version,
				       &v->explain, e)) != 0 ||
	    (rc = ban_household(db, household_id, today, &v->banned, v->ban_until, e)) != 0 ||
	    (rc = tenancy_policy_get(db, today, &v->policy, e)) != 0 ||
	    (with_crosscheck && (rc = crosscheck_household(db, household_id, &v->crosscheck,
							   &v->nconflicts, e)) != 0)) {
		verdict_free(v);
		return rc;
	}
	if (!json_is_object(v->explain)) {
		json_decref(v->explain);
		v->explain = json_object();
	}
	/* The ban refuses a grant whatever the category's rules say (art. 36). */
	json_object_set_new(v->explain, "banned", json_boolean(v->banned));
	json_object_set_new(v->explain, "ban_until",
			    v->banned ? json_string(v->ban_until) : json_null());
	if (v->banned)
		v->eligible = false;
	return 0;
}

static int
grant_refused(const struct verdict *v, struct anju_err *e)
{
	if (v->banned)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "household_banned", "grant",
				 "该家庭成员因违规被禁止申请，禁止期至 %s（《公共租赁住房管理办法》"
				 "第三十六条），不能核准",
				 v->ban_until);
	if (!v->eligible)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "not_eligible", "grant",
				 "该家庭不符合准入条件，不能核准（见资格审核说明）");
	return 0;
}

/* Records the rules' verdict on the application. */
static int
verdict_store(struct db *db, int64_t id, const struct verdict *v, struct anju_err *e)
{
	char *ex = json_dumps(v->explain, JSON_COMPACT | JSON_SORT_KEYS),
	     *cc = v->crosscheck ? json_dumps(v->crosscheck, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "UPDATE application SET eligible = ?, rule_version = ?,"
			    " policy_version = ?, eligibility = ?, crosscheck = ? WHERE id = ?",
			    &st);

	if (rc == 0) {
		db_bind_int64(st, 1, v->eligible ? 1 : 0);
		if (v->rule_version > 0)
			db_bind_int64(st, 2, v->rule_version);
		else
			db_bind_null(st, 2);
		db_bind_int64(st, 3, v->policy.version);
		db_bind_cstr(st, 4, ex);
		db_bind_cstr(st, 5, cc);
		db_bind_int64(st, 6, id);
		rc = db_step(st);
		db_reset(st);
	}
	free(ex);
	free(cc);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
application_decide(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   bool grant, const char *reason, int64_t *approval_id, struct anju_err *e)
{
	struct verdict v;
	char oid[24], now[TIME_FMT_LEN], aid[24];
	json_t *payload;
	struct app a;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	if (!bureau(c))
		return bureau_only(e);
	if ((rc = reason_check(reason, true, e)) != 0)
		return rc;
	if (!is(a.state, "first_reviewed"))
		return state_conflict(e, a.state, "提出审核决定");
	if ((rc = verdict_take(db, a.household_id, true, &v, e)) != 0)
		return rc;
	if (grant && (rc = grant_refused(&v, e)) != 0)
		goto out;
	id_text(id, oid);
	payload = json_pack("{s:I, s:b, s:s}", "application_id", (json_int_t)id, "grant", grant,
			    "reason", reason);
	rc = approval_request(db, c, who, "application.decide", payload, reason, "application", oid,
			      approval_id, e);
	json_decref(payload);
	if (rc != 0)
		goto out;
	now_text(now);
	if ((rc = move(db, &a, "deciding", now, "提出审核决定", e)) != 0 ||
	    (rc = verdict_store(db, id, &v, e)) != 0)
		goto out;
	id_text(*approval_id, aid);
	if ((rc = set_text(db, id,
			   "UPDATE application SET approval_id = CAST(? AS BIGINT),"
			   " decision_reason = ? WHERE id = ?",
			   aid, reason, e)) != 0)
		goto out;
	rc = audit_app(db, who, "application.propose", id, "first_reviewed", "deciding",
		       json_pack("{s:s, s:s, s:I, s:b, s:I, s:I, s:i}", "decision",
				 grant ? "grant" : "refuse", "reason", reason, "approval_id",
				 (json_int_t)*approval_id, "eligible", v.eligible, "rule_version",
				 (json_int_t)v.rule_version, "policy_version",
				 (json_int_t)v.policy.version, "conflicts", v.nconflicts),
		       e);
out:
	verdict_free(&v);
	return rc;
}

int
application_decision_check(struct db *db, int64_t id, struct anju_err *e)
{
	struct app a;
	int rc;

	if ((rc = app_read(db, id, &a, e)) != 0)
		return rc;
	if (!is(a.state, "first_reviewed"))
		return state_conflict(e, a.state, "提出审核决定");
	return 0;
}

int
application_decision_execute(struct db *db, int64_t id, bool grant, const char *reason,
			     const struct audit_actor *approver, json_t **result,
			     struct anju_err *e)
{
	char now[TIME_FMT_LEN], from[DATE_FMT_LEN], until[DATE_FMT_LEN];
	struct verdict v = { 0 };
	struct db_stmt *st;
	struct app a;
	int rc;

	if ((rc = app_read(db, id, &a, e)) != 0)
		return rc;
	if (!is(a.state, "deciding"))
		return state_conflict(e, a.state, "核准审核决定（请驳回此审批）");
	/* The rules as they stand now, when the decision is taken. */
	if ((rc = verdict_take(db, a.household_id, true, &v, e)) != 0)
		return rc;
	if (grant && (rc = grant_refused(&v, e)) != 0)
		goto out;
	now_text(now);
	if ((rc = move(db, &a, grant ? "publicity" : "rejected", now, "核准审核决定", e)) != 0 ||
	    (rc = verdict_store(db, id, &v, e)) != 0)
		goto out;
	if (grant) {
		struct date d = date_today_shanghai();
		int days = v.policy.publicity_days > 0 ? v.policy.publicity_days : 1;

		date_format(d, from);
		/* publicity_until is the last day of the notice. */
		date_format(date_add_days(d, days - 1), until);
	}
	rc = db_prepare(db,
			"UPDATE application SET decision = ?, decision_reason = ?, decided_at = ?,"
			" decided_by = ?, publicity_from = ?, publicity_until = ?,"
			" rejected_reason = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, grant ? "grant" : "refuse");
	db_bind_cstr(st, 2, reason);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, approver ? approver->principal : NULL);
	db_bind_cstr(st, 5, grant ? from : NULL);
	db_bind_cstr(st, 6, grant ? until : NULL);
	db_bind_cstr(st, 7, grant ? NULL : reason);
	db_bind_int64(st, 8, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_app(db, approver, grant ? "application.grant" : "application.refuse", id,
		       "deciding", grant ? "publicity" : "rejected",
		       grant ? json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "reason", reason,
					 "publicity_from", from, "publicity_until", until,
					 "eligible", v.eligible, "rule_version",
					 (json_int_t)v.rule_version, "policy_version",
					 (json_int_t)v.policy.version)
			     : json_pack("{s:s, s:b, s:I, s:I}", "reason", reason, "eligible",
					 v.eligible, "rule_version", (json_int_t)v.rule_version,
					 "policy_version", (json_int_t)v.policy.version),
		       e);
	if (rc == 0)
		*result = grant ? json_pack("{s:I, s:s, s:s, s:s}", "application_id",
					    (json_int_t)id, "state", "publicity", "publicity_from",
					    from, "publicity_until", until)
				: json_pack("{s:I, s:s}", "application_id", (json_int_t)id, "state",
					    "rejected");
out:
	verdict_free(&v);
	return rc;
}

int
application_withdraw(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, const char *reason, struct anju_err *e)
{
	char now[TIME_FMT_LEN], from[16];
	struct app a;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	if (!role_in(c, COUNTER_ROLES))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "撤回申请须由申请家庭通过受理人员办理");
	if ((rc = reason_check(reason, true, e)) != 0)
		return rc;
	if (!withdrawable(a.state))
		return state_conflict(e, a.state, "撤回");
	snprintf(from, sizeof(from), "%s", a.state);
	now_text(now);
	if ((rc = move(db, &a, "withdrawn", now, "撤回", e)) != 0 ||
	    (rc = set_text(
		     db, id,
		     "UPDATE application SET withdrawn_reason = ?, updated_at = ? WHERE id = ?",
		     reason, now, e)) != 0)
		return rc;
	return audit_app(db, who, "application.withdraw", id, from, "withdrawn",
			 json_pack("{s:s}", "reason", reason), e);
}

/*
 * Publicity and objections.
 */

static int
open_objections(struct db *db, int64_t id, int64_t *open, int64_t *total, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0"
			    " END), 0) FROM objection WHERE application_id = ?",
			    &st);

	*open = *total = 0;
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*total = db_col_int64(st, 0);
		*open = db_col_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Whether publicity has ended on today: the day after publicity_until. */
static bool
publicity_ended(const struct app *a, const char *today)
{
	return a->publicity_until[0] != '\0' && strcmp(today, a->publicity_until) > 0;
}

/* publicity → approved: joins the waitlist now. */
static int
approve(struct db *db, struct app *a, const struct audit_actor *who, const char *how,
	struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	int rc;

	now_text(now);
	if ((rc = move(db, a, "approved", now, "结束公示", e)) != 0 ||
	    (rc = set_text(db, a->id,
			   "UPDATE application SET approved_at = ?, queue_at = ? WHERE id = ?", now,
			   now, e)) != 0)
		return rc;
	return audit_app(db, who, "application.approve", a->id, "publicity", "approved",
			 json_pack("{s:s, s:s, s:s}", "how", how, "publicity_until",
				   a->publicity_until, "queue_at", now),
			 e);
}

int
application_close_publicity(struct db *db, const struct caller *c, const struct audit_actor *who,
			    int64_t id, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int64_t open, total;
	struct app a;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	if (!bureau(c))
		return bureau_only(e);
	if (!is(a.state, "publicity"))
		return state_conflict(e, a.state, "结束公示");
	if ((rc = open_objections(db, id, &open, &total, e)) != 0)
		return rc;
	if (open > 0)
		return anju_fail(e, ANJU_ECONFLICT, "objections_open", NULL,
				 "还有 %lld 件公示异议未处理，不能结束公示", (long long)open);
	today_text(today);
	if (!publicity_ended(&a, today))
		return anju_fail(e, ANJU_ECONFLICT, "publicity_not_ended", NULL,
				 "公示期至 %s，期满后才能结束公示", a.publicity_until);
	return approve(db, &a, who, "bureau", e);
}

int
objection_add(struct db *db, const struct caller *c, const struct audit_actor *who,
	      int64_t application_id, const char *objector, const char *contact,
	      const char *content, int64_t *id, struct anju_err *e)
{
	char now[TIME_FMT_LEN], *sealed = NULL;
	bool contact_given = contact != NULL && contact[0] != '\0';
	struct db_stmt *st;
	struct app a;
	int rc;

	if (c != NULL && !role_in(c, OBJECTION_ROLES))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "当前角色不能登记公示异议");
	if (content == NULL || strlen(content) < 2 || strlen(content) > CONTENT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "content",
				 "异议内容应为 2 到 %d 字节", CONTENT_MAX);
	if (objector != NULL && strlen(objector) > OBJECTOR_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "objector",
				 "异议人姓名不能超过 %d 字节", OBJECTOR_MAX);
	if (contact != NULL && strlen(contact) > CONTACT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "contact",
				 "联系方式不能超过 %d 字节", CONTACT_MAX);
	if ((rc = app_load(db, c, application_id, &a, e)) != 0)
		return rc;
	if (!is(a.state, "publicity")) {
		/* The public sees only applications in publicity. */
		if (c == NULL)
			return not_found(e);
		return state_conflict(e, a.state, "登记公示异议");
	}
	if (contact_given) {
		if (keys_current() == NULL)
			return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring");
		if (pii_seal(keys_current(), contact, strlen(contact), &sealed) != 0)
			return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "sealing failed");
	}
	now_text(now);
	rc = db_prepare(db,
			"INSERT INTO objection (application_id, objector, contact, content, state,"
			" created_at, created_by) VALUES (?, ?, ?, ?, 'open', ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_int64(st, 1, application_id);
		db_bind_cstr(st, 2, objector && objector[0] ? objector : "anonymous");
		db_bind_cstr(st, 3, sealed);
		db_bind_cstr(st, 4, content);
		db_bind_cstr(st, 5, now);
		db_bind_cstr(st, 6, c ? c->principal : "anonymous");
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	free(sealed);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* The objection's content and whether a contact was given; never the
	 * contact itself. */
	return audit_app(db, who, "application.objection", application_id, NULL, NULL,
			 json_pack("{s:I, s:s, s:s, s:b, s:b}", "objection_id", (json_int_t)*id,
				   "objector", objector && objector[0] ? objector : "anonymous",
				   "content", content, "contact_given", contact_given, "public",
				   c == NULL),
			 e);
}

int
objection_resolve(struct db *db, const struct caller *c, const struct audit_actor *who,
		  int64_t objection_id, bool upheld, const char *resolution, json_t **out,
		  struct anju_err *e)
{
	char now[TIME_FMT_LEN], ostate[16] = "", *reason = NULL;
	const char *content = NULL;
	struct db_stmt *st;
	int64_t app_id = 0, changed = 0;
	struct app a;
	int rc;

	rc = db_prepare(db, "SELECT application_id, state, content FROM objection WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, objection_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		app_id = db_col_int64(st, 0);
		snprintf(ostate, sizeof(ostate), "%s", db_col_text(st, 1));
		content = strdup(db_col_text(st, 2));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "objection_not_found", NULL, "没有这件异议");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = app_load(db, c, app_id, &a, e)) != 0) {
		if (rc == ANJU_ENOTFOUND)
			rc = anju_fail(e, ANJU_ENOTFOUND, "objection_not_found", NULL,
				       "没有这件异议");
		goto out;
	}
	if (!bureau(c)) {
		rc = bureau_only(e);
		goto out;
	}
	if ((rc = reason_check(resolution, true, e)) != 0) {
		snprintf(e->field, sizeof(e->field), "resolution");
		goto out;
	}
	if (!is(ostate, "open")) {
		rc = anju_fail(e, ANJU_ECONFLICT, "objection_state", "state", "该异议已处理（%s）",
			       is(ostate, "upheld") ? "异议成立" : "异议不成立");
		goto out;
	}
	if (!is(a.state, "publicity")) {
		rc = state_conflict(e, a.state, "处理公示异议");
		goto out;
	}
	now_text(now);
	rc = db_prepare(db,
			"UPDATE objection SET state = ?, resolution = ?, resolved_at = ?,"
			" resolved_by = ? WHERE id = ? AND state = 'open'",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, upheld ? "upheld" : "dismissed");
	db_bind_cstr(st, 2, resolution);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, c->principal);
	db_bind_int64(st, 5, objection_id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (changed != 1) {
		rc = anju_fail(e, ANJU_ECONFLICT, "objection_state", "state", "该异议已处理");
		goto out;
	}
	if (upheld) {
		size_t n = strlen(content) + strlen(resolution) + 64;

		reason = malloc(n);
		if (reason == NULL)
			abort();
		snprintf(reason, n, "公示异议成立：%s（处理意见：%s）", content, resolution);
		if ((rc = move(db, &a, "rejected", now, "驳回", e)) != 0 ||
		    (rc = set_text(db, a.id,
				   "UPDATE application SET rejected_reason = ?, updated_at = ?"
				   " WHERE id = ?",
				   reason, now, e)) != 0)
			goto out;
	}
	rc = audit_app(db, who, "application.objection_resolve", a.id, NULL, NULL,
		       json_pack("{s:I, s:s, s:s}", "objection_id", (json_int_t)objection_id,
				 "result", upheld ? "upheld" : "dismissed", "resolution",
				 resolution),
		       e);
	if (rc == 0 && upheld)
		rc = audit_app(db, who, "application.reject", a.id, "publicity", "rejected",
			       json_pack("{s:s, s:I}", "reason", reason, "objection_id",
					 (json_int_t)objection_id),
			       e);
	if (rc == 0 && out != NULL)
		rc = application_get(db, c, a.id, out, e);
out:
	free((char *)content);
	free(reason);
	return rc;
}

int
publicity_close_due(struct db *db, const char *today, const struct audit_actor *who, int *approved,
		    struct anju_err *e)
{
	char day[DATE_FMT_LEN];
	struct db_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*approved = 0;
	if (today == NULL) {
		today_text(day);
		today = day;
	}
	rc = db_prepare(db,
			"SELECT a.id FROM application a WHERE a.state = 'publicity'"
			" AND a.publicity_until < ? AND NOT EXISTS (SELECT 1 FROM objection o"
			" WHERE o.application_id = a.id AND o.state = 'open') ORDER BY a.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ids = realloc(ids, cap * sizeof(*ids));
			if (ids == NULL)
				abort();
		}
		ids[n++] = db_col_int64(st, 0);
	}
	db_reset(st);
	if (rc < 0) {
		free(ids);
		return db_fail(db, rc, e);
	}
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct app a;

		if ((rc = app_read(db, ids[i], &a, e)) == 0 &&
		    (rc = approve(db, &a, who, "schedule", e)) == 0)
			(*approved)++;
	}
	free(ids);
	return rc < 0 ? rc : 0;
}

/*
 * Reading.
 */

#define SUMMARY_COLS                                                                               \
	"a.id, a.household_id, a.community_id, c.name, a.category, hc.name, a.state, a.state_at,"  \
	" a.note, a.head_masked_name, a.head_masked_id, a.submitted_at, a.publicity_from,"         \
	" a.publicity_until, a.approved_at, a.queue_at, a.decision, a.created_at, a.updated_at,"   \
	" a.refusals"
#define SUMMARY_FROM                                                                               \
	" FROM application a JOIN community c ON c.id = a.community_id"                            \
	" JOIN household_category hc ON hc.code = a.category"

static int64_t
days_since(const char *instant, struct date today)
{
	int64_t us;

	if (instant == NULL || time_parse_utc(str_c(instant), &us) != 0)
		return 0;
	return date_to_days(today) - date_to_days(date_in_shanghai(us));
}

static json_t *
summary_row(struct db_stmt *st, void *ud)
{
	const char *state = db_col_text(st, 6), *t = application_state_title(state);

	(void)ud;
	return json_pack(
		"{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o,"
		" s:o, s:o, s:o, s:s, s:s, s:I}",
		"id", (json_int_t)db_col_int64(st, 0), "household_id",
		(json_int_t)db_col_int64(st, 1), "community_id", (json_int_t)db_col_int64(st, 2),
		"community_name", db_col_text(st, 3), "category", db_col_text(st, 4),
		"category_name", db_col_text(st, 5), "state", state, "state_title", t ? t : state,
		"state_at", db_col_text(st, 7), "days_in_state",
		(json_int_t)days_since(db_col_text(st, 7), date_today_shanghai()), "note",
		db_col_text(st, 8), "head_name", db_col_text(st, 9), "head_id_number",
		db_col_text(st, 10), "submitted_at", text_or_null(st, 11), "publicity_from",
		text_or_null(st, 12), "publicity_until", text_or_null(st, 13), "approved_at",
		text_or_null(st, 14), "queue_at", text_or_null(st, 15), "decision",
		text_or_null(st, 16), "created_at", db_col_text(st, 17), "updated_at",
		db_col_text(st, 18), "refusals", (json_int_t)db_col_int64(st, 19));
}

/* The households a query names (up to Q_HOUSEHOLDS), through the household
 * module's search; *n 0 when none. */
static int
q_households(struct db *db, const struct caller *c, const char *q, int64_t *ids, int *n,
	     struct anju_err *e)
{
	char norm[SEARCH_Q_MAX + 1];
	enum household_search_by by = HOUSEHOLD_SEARCH_NAME;
	int rc;

	*n = 0;
	switch (search_classify(q, norm)) {
	case SEARCH_ID_NUMBER: by = HOUSEHOLD_SEARCH_ID_NUMBER; break;
	case SEARCH_PHONE: by = HOUSEHOLD_SEARCH_PHONE; break;
	default: snprintf(norm, sizeof(norm), "%s", q); break;
	}
	rc = household_search(db, c, by, norm, Q_HOUSEHOLDS, NULL, ids, Q_HOUSEHOLDS, n, e);
	explicit_bzero(norm, sizeof(norm));
	return rc;
}

static bool
all_digits(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 12)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
application_list(struct db *db, const struct caller *c, const struct application_filter *f,
		 json_t **items, int64_t *next, struct anju_err *e)
{
	int64_t ids[Q_HOUSEHOLDS], app_id = 0;
	struct buf sql;
	struct db_stmt *st;
	int n = 0, rc, i;
	bool use_q = f->q != NULL && f->q[0] != '\0';

	if (use_q) {
		if (all_digits(f->q))
			app_id = strtoll(f->q, NULL, 10);
		if ((rc = q_households(db, c, f->q, ids, &n, e)) != 0)
			return rc;
	}
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT " SUMMARY_COLS SUMMARY_FROM " WHERE a.id > ?"
		       " AND (CAST(? AS TEXT) IS NULL OR a.state = ?)"
		       " AND (? = 0 OR a.community_id = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR a.category = ?)"
		       " AND " SCOPE_SQL("a.community_id"));
	if (use_q) {
		buf_adds(&sql, " AND (a.id = ?");
		if (n > 0) {
			buf_adds(&sql, " OR a.household_id IN (?");
			for (i = 1; i < n; i++)
				buf_adds(&sql, ", ?");
			buf_adds(&sql, ")");
		}
		buf_adds(&sql, ")");
	}
	buf_adds(&sql, " ORDER BY a.id LIMIT ?");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	i = 1;
	db_bind_int64(st, i++, f->after_id);
	db_bind_cstr(st, i++, f->state);
	db_bind_cstr(st, i++, f->state);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_cstr(st, i++, f->category);
	db_bind_cstr(st, i++, f->category);
	i = scope_bind(st, i, c);
	if (use_q) {
		db_bind_int64(st, i++, app_id);
		for (int k = 0; k < n; k++)
			db_bind_int64(st, i++, ids[k]);
	}
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, summary_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
application_counts(struct db *db, const struct caller *c, int64_t community_id, json_t **out,
		   struct anju_err *e)
{
	struct db_stmt *st;
	json_t *o;
	int rc;

	rc = db_prepare(db,
			"SELECT state, COUNT(*) FROM application WHERE (? = 0 OR community_id = ?)"
			" AND " SCOPE_SQL("community_id") " GROUP BY state",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	db_bind_int64(st, 2, community_id);
	scope_bind(st, 3, c);
	o = json_object();
	for (const char *const *s = application_states; *s; s++)
		json_object_set_new(o, *s, json_integer(0));
	while ((rc = db_step(st)) == DB_ROW)
		if (json_object_get(o, db_col_text(st, 0)) != NULL)
			json_object_set_new(o, db_col_text(st, 0),
					    json_integer(db_col_int64(st, 1)));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(o);
		return db_fail(db, rc, e);
	}
	*out = o;
	return 0;
}

static int
objections_json(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr;
	int rc = db_prepare(db,
			    "SELECT id, objector, contact, content, state, resolution, created_at,"
			    " created_by, resolved_at, resolved_by FROM objection"
			    " WHERE application_id = ? ORDER BY id",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	arr = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		char masked[80] = "";
		json_t *contact = json_null();

		if (!db_col_null(st, 2) &&
		    person_mask_sealed(db_col_text(st, 2), masked, sizeof(masked)) == 0)
			contact = json_string(masked);
		json_array_append_new(
			arr,
			json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:s, s:b, s:o, s:o}", "id",
				  (json_int_t)db_col_int64(st, 0), "objector", db_col_text(st, 1),
				  "contact", contact, "content", db_col_text(st, 3), "state",
				  db_col_text(st, 4), "resolution", text_or_null(st, 5),
				  "created_at", db_col_text(st, 6), "public",
				  is(db_col_text(st, 7), "anonymous"), "resolved_at",
				  text_or_null(st, 8), "resolved_by", text_or_null(st, 9)));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

/* What c may do now, for the buttons of the detail page; the functions
 * above decide again. */
static json_t *
allowed_actions(const struct caller *c, const char *state, int64_t open, bool ended)
{
	json_t *a = json_array();

	if ((is(state, "draft") || is(state, "returned")) && role_in(c, COUNTER_ROLES))
		json_array_append_new(a, json_string("submit"));
	if (is(state, "submitted") && role_in(c, OPERATOR_ROLES))
		json_array_append_new(a, json_string("first_review"));
	if (is(state, "first_reviewed") && bureau(c))
		json_array_append_new(a, json_string("decide"));
	if (is(state, "publicity") && role_in(c, OBJECTION_ROLES))
		json_array_append_new(a, json_string("add_objection"));
	if (is(state, "publicity") && bureau(c) && open > 0)
		json_array_append_new(a, json_string("resolve_objection"));
	if (is(state, "publicity") && bureau(c) && open == 0 && ended)
		json_array_append_new(a, json_string("close_publicity"));
	if ((is(state, "draft") || is(state, "submitted") || is(state, "returned")) &&
	    role_in(c, OPERATOR_ROLES))
		json_array_append_new(a, json_string("upload_documents"));
	if (withdrawable(state) && role_in(c, COUNTER_ROLES))
		json_array_append_new(a, json_string("withdraw"));
	return a;
}

/* The live verdict for the detail page: a failure is shown, not raised. */
static void
live_verdict(struct db *db, int64_t household_id, json_t *o)
{
	struct anju_err e2;
	struct verdict v;

	anju_err_clear(&e2);
	if (verdict_take(db, household_id, true, &v, &e2) != 0) {
		json_object_set_new(o, "eligibility", json_null());
		json_object_set_new(o, "crosscheck", json_null());
		json_object_set_new(o, "eligibility_error", json_string(e2.msg));
		return;
	}
	json_object_set_new(o, "eligible", json_boolean(v.eligible));
	json_object_set_new(o, "rule_version",
			    v.rule_version > 0 ? json_integer(v.rule_version) : json_null());
	json_object_set_new(o, "policy_version", json_integer(v.policy.version));
	json_object_set_new(o, "eligibility", v.explain);
	json_object_set_new(o, "crosscheck", v.crosscheck ? v.crosscheck : json_null());
	json_object_set_new(o, "eligibility_live", json_true());
	v.explain = v.crosscheck = NULL;
	verdict_free(&v);
}

int
application_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct app a;
	json_t *o = NULL, *v = NULL, *docs = NULL;
	int64_t open = 0, total = 0, approval_id = 0;
	char today[DATE_FMT_LEN];
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " SUMMARY_COLS ", a.facts, a.eligible, a.rule_version,"
			" a.policy_version, a.eligibility, a.crosscheck, a.decision_reason,"
			" a.approval_id, a.first_reviewed_at, a.first_reviewed_by, a.decided_at,"
			" a.decided_by, a.returned_reason, a.rejected_reason, a.withdrawn_reason,"
			" a.created_by" SUMMARY_FROM " WHERE a.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		o = summary_row(st, NULL);
		json_object_set_new(o, "facts", json_or_null(st, 20));
		json_object_set_new(o, "eligible",
				    db_col_null(st, 21) ? json_null()
							: json_boolean(db_col_int64(st, 21)));
		json_object_set_new(o, "rule_version", int_or_null(st, 22));
		json_object_set_new(o, "policy_version", int_or_null(st, 23));
		json_object_set_new(o, "eligibility", json_or_null(st, 24));
		json_object_set_new(o, "crosscheck", json_or_null(st, 25));
		json_object_set_new(o, "decision_reason", text_or_null(st, 26));
		approval_id = db_col_int64(st, 27);
		json_object_set_new(o, "first_reviewed_at", text_or_null(st, 28));
		json_object_set_new(o, "first_reviewed_by", text_or_null(st, 29));
		json_object_set_new(o, "decided_at", text_or_null(st, 30));
		json_object_set_new(o, "decided_by", text_or_null(st, 31));
		json_object_set_new(o, "returned_reason", text_or_null(st, 32));
		json_object_set_new(o, "rejected_reason", text_or_null(st, 33));
		json_object_set_new(o, "withdrawn_reason", text_or_null(st, 34));
		json_object_set_new(o, "created_by",
				    db_col_text(st, 35) ? json_string(db_col_text(st, 35))
							: json_null());
		json_object_set_new(o, "eligibility_live", json_false());
	}
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	snprintf(a.state, sizeof(a.state), "%s", jstr(o, "state"));
	/* Live while undecided; the stored record once a decision is proposed. */
	if (json_is_null(json_object_get(o, "eligibility")) &&
	    (is(a.state, "draft") || is(a.state, "submitted") || is(a.state, "returned") ||
	     is(a.state, "first_reviewed")))
		live_verdict(db, a.household_id, o);
	if ((rc = objections_json(db, id, &v, e)) != 0)
		goto fail;
	json_object_set_new(o, "objections", v);
	if ((rc = open_objections(db, id, &open, &total, e)) != 0)
		goto fail;
	json_object_set_new(o, "open_objections", json_integer(open));
	json_object_set_new(o, "approval", json_null());
	if (approval_id > 0) {
		json_t *ap = NULL;

		if ((rc = approval_of(db, approval_id, &ap, e)) == 0) {
			bool pending = is(jstr(ap, "state"), "pending");
			bool mine = c != NULL && is(jstr(ap, "requested_by"), c->principal);

			json_object_set_new(ap, "can_decide",
					    json_boolean(pending && !mine && bureau(c)));
			json_object_set_new(ap, "can_cancel", json_boolean(pending && mine));
			json_object_set_new(o, "approval", ap);
		} else if (rc == ANJU_ENOTFOUND) {
			anju_err_clear(e);
		} else {
			goto fail;
		}
	}
	if ((rc = attachment_list(db, "household", a.household_id, &docs, e)) != 0)
		goto fail;
	json_object_set_new(o, "documents", docs);
	today_text(today);
	if (!json_is_null(json_object_get(o, "publicity_until"))) {
		struct date u;

		if (date_parse(str_c(jstr(o, "publicity_until")), &u) == 0) {
			int64_t left = date_to_days(u) - date_to_days(date_today_shanghai()) + 1;

			json_object_set_new(o, "publicity_days_left",
					    json_integer(left > 0 ? left : 0));
		}
	}
	json_object_set_new(o, "allowed_actions",
			    allowed_actions(c, a.state, open, publicity_ended(&a, today)));
	*out = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}

int
application_eligibility(struct db *db, const struct caller *c, int64_t id, json_t **out,
			struct anju_err *e)
{
	struct verdict v;
	struct app a;
	int rc;

	if ((rc = app_load(db, c, id, &a, e)) != 0 ||
	    (rc = verdict_take(db, a.household_id, false, &v, e)) != 0)
		return rc;
	json_object_set_new(v.explain, "application_id", json_integer(id));
	json_object_set_new(v.explain, "eligible", json_boolean(v.eligible));
	*out = v.explain;
	v.explain = NULL;
	verdict_free(&v);
	return 0;
}

/*
 * Publicity lists.
 */

static json_t *
publicity_row(struct db_stmt *st, void *ud)
{
	json_t *o = summary_row(st, ud);
	struct date u;

	json_object_set_new(o, "open_objections", json_integer(db_col_int64(st, 20)));
	json_object_set_new(o, "objections", json_integer(db_col_int64(st, 21)));
	if (date_parse(str_c(db_col_text(st, 13)), &u) == 0) {
		int64_t left = date_to_days(u) - date_to_days(date_today_shanghai()) + 1;

		json_object_set_new(o, "days_left", json_integer(left > 0 ? left : 0));
	}
	return o;
}

int
publicity_list(struct db *db, const struct caller *c, int64_t after_id, int limit, json_t **items,
	       int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT " SUMMARY_COLS ", (SELECT COUNT(*) FROM objection o WHERE"
		" o.application_id = a.id AND o.state = 'open'), (SELECT COUNT(*) FROM objection o"
		" WHERE o.application_id = a.id)" SUMMARY_FROM " WHERE a.state = 'publicity'"
		" AND a.id > ? AND " SCOPE_SQL("a.community_id") " ORDER BY a.id LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	scope_bind(st, 2, c);
	db_bind_int64(st, 4, limit + 1);
	if ((rc = page_collect(st, limit, publicity_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

static json_t *
public_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "application_id",
			 (json_int_t)db_col_int64(st, 0), "head_name", db_col_text(st, 1),
			 "category_name", db_col_text(st, 2), "community_name", db_col_text(st, 3),
			 "publicity_from", db_col_text(st, 4), "publicity_until",
			 db_col_text(st, 5));
}

int
publicity_public(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
		 struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT a.id, a.head_masked_name, hc.name, c.name, a.publicity_from,"
			    " a.publicity_until" SUMMARY_FROM
			    " WHERE a.state = 'publicity' AND a.id > ? ORDER BY a.id LIMIT ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit + 1);
	if ((rc = page_collect(st, limit, public_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}
