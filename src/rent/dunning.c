/*
 * Dunning (催缴): the levels a city configures, one case per lease chain
 * that owes rent, the actions done to collect it (kept as evidence), the
 * notices printed, and the referral of six months' arrears to the bureau
 * (art. 29), the one path from arrears to an eviction.  Owns dunning_level,
 * dunning_policy, dunning_case, dunning_action, dunning_notice and
 * arrears_referral (sql/021_dunning.sql).
 *
 * A case follows the arrears (arrears.c) and nothing else:
 *   - it opens when the oldest unpaid rent of the chain is as late as the
 *     first active level (or when another part notes an action about a
 *     household that owes: dunning_note);
 *   - it escalates to the latest level reached, never back; reaching an
 *     SMS level enqueues the message (sms.c) and records it as an action;
 *   - it closes itself when the chain owes nothing due.
 * dunning_refresh() does all of this for one chain; the daily job runs it
 * over every chain that owes or has an open case, and reading or acting on
 * a case runs it first.
 *
 * The referral: when the months owed reach the policy's referral_months
 * (default 6) a row is proposed and the tenancy signal ("arrears_referral",
 * its id) is raised, so the recheck sees it.  It is withdrawn (the signal
 * cleared) when the months owed fall below the threshold before anyone
 * decided.  Only the bureau decides: refer opens the eviction
 * (eviction_open, basis "arrears"), dismiss keeps the household; either
 * clears the signal.  After a dismissal a chain is proposed again only when
 * it owes more months than the dismissed proposal said; after a referral,
 * never again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/person.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/text.h"
#include "files/files.h"
#include "http/http.h"
#include "jobs/job.h"
#include "rent/dunning.h"
#include "rent/rent.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/tenancy.h"

#define RESULT_MAX   500 /* bytes of an action's result or note */
#define REASON_MAX   500
#define TEMPLATE_MAX 400
#define SIGNAL_TYPE  "arrears_referral"
#define ISSUER       "公共租赁住房运营管理单位"
#define CHUNK        100

const char *const dunning_channels[] = { "sms", "phone", "letter", "visit", "withholding", NULL };
const char *const dunning_channels_staff[] = { "sms", "phone", "letter", "visit", NULL };
const char *const dunning_case_states[] = { "open", "closed", NULL };
const char *const referral_states[] = { "proposed", "referred", "dismissed", "withdrawn", NULL };

static const struct audit_actor refresh_actor = {
	.principal = "system",
	.name = "催缴检查",
};

static bool
in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static const char *
channel_title(const char *ch)
{
	static const char *const t[][2] = {
		{ "sms", "短信" },   { "phone", "电话" },       { "letter", "书面通知" },
		{ "visit", "上门" }, { "withholding", "代扣" },
	};

	for (size_t i = 0; ch != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i][0], ch) == 0)
			return t[i][1];
	return ch ? ch : "";
}

/* UTF-8 text of min..max characters and at most max_bytes bytes. */
static int
text_ok(const char *s, size_t min, size_t max_bytes, const char *field, const char *title,
	struct anju_err *e)
{
	json_t *probe = s ? json_string(s) : NULL;
	size_t chars = 0;

	json_decref(probe);
	if (probe != NULL)
		for (const char *p = s; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (probe == NULL || chars < min || strlen(s) > max_bytes)
		return anju_fail(e, ANJU_EINVAL, "invalid_text", field, "%s应为 %zu 到 %zu 字",
				 title, min, max_bytes / 3);
	return 0;
}

static void
today_str(char out[DATE_FMT_LEN])
{
	date_format(date_today_shanghai(), out);
}

static int64_t
days_between(const char *a, const char *b)
{
	struct date x, y;

	if (a == NULL || b == NULL || date_parse(str_c(a), &x) != 0 ||
	    date_parse(str_c(b), &y) != 0)
		return 0;
	return date_to_days(y) - date_to_days(x);
}

static int
audit_obj(struct db *db, const struct audit_actor *who, const char *action, const char *type,
	  int64_t id, json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, type, oid, before, after, e);
}

static const char *
principal_of(const struct audit_actor *who)
{
	return who && who->principal ? who->principal : "system";
}

/* SCOPE_SQL's parameters: the system (c NULL) sees everything. */
static int
bind_scope(struct db_stmt *st, int i, const struct caller *c)
{
	if (c != NULL)
		return scope_bind(st, i, c);
	db_bind_int64(st, i, 1);
	db_bind_cstr(st, i + 1, "");
	return i + 2;
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

/*
 * Levels and the policy.
 */

struct level {
	int64_t id;
	char code[33];
	char name[100];
	int days;
	char channel[16];
	char *template;
	bool active;
};

struct levels {
	struct level *v;
	size_t n;
};

static void
levels_free(struct levels *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].template);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Every level, active or not, by days past due. */
static int
levels_load(struct db *db, struct levels *l, struct anju_err *e)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	l->v = NULL;
	l->n = 0;
	rc = db_prepare(db,
			"SELECT id, code, name, days_past_due, channel, template, active"
			" FROM dunning_level ORDER BY days_past_due, id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		struct level *v;

		if (l->n == cap) {
			cap = cap ? cap * 2 : 8;
			l->v = xrealloc(l->v, cap * sizeof(*l->v));
		}
		v = &l->v[l->n++];
		memset(v, 0, sizeof(*v));
		v->id = db_col_int64(st, 0);
		snprintf(v->code, sizeof(v->code), "%s", db_col_text(st, 1));
		snprintf(v->name, sizeof(v->name), "%s", db_col_text(st, 2));
		v->days = (int)db_col_int64(st, 3);
		snprintf(v->channel, sizeof(v->channel), "%s", db_col_text(st, 4));
		v->template = xstrdup(db_col_text(st, 5));
		v->active = db_col_int64(st, 6) != 0;
	}
	db_reset(st);
	if (rc < 0) {
		levels_free(l);
		return db_fail(db, rc, e);
	}
	return 0;
}

static const struct level *
level_find(const struct levels *l, const char *code)
{
	for (size_t i = 0; code != NULL && i < l->n; i++)
		if (strcmp(l->v[i].code, code) == 0)
			return &l->v[i];
	return NULL;
}

/* The latest active level reached days_past days after the oldest due
 * date, or NULL. */
static const struct level *
level_reached(const struct levels *l, int64_t days_past)
{
	const struct level *r = NULL;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].active && l->v[i].days <= days_past)
			r = &l->v[i];
	return r;
}

static json_t *
level_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:b, s:s, s:s}", "id",
			 (json_int_t)db_col_int64(st, 0), "code", db_col_text(st, 1), "name",
			 db_col_text(st, 2), "days_past_due", (json_int_t)db_col_int64(st, 3),
			 "channel", db_col_text(st, 4), "template", db_col_text(st, 5), "active",
			 db_col_int64(st, 6) != 0, "updated_at", db_col_text(st, 7), "updated_by",
			 db_col_text(st, 8));
}

#define LEVEL_COLS                                                                                 \
	"id, code, name, days_past_due, channel, template, active, updated_at, updated_by"

int
dunning_level_list(struct db *db, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " LEVEL_COLS " FROM dunning_level ORDER BY days_past_due, id",
			&st);
	if (rc != 0) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(arr, level_json(st));
	db_reset(st);
	if (rc < 0) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

int
dunning_level_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " LEVEL_COLS " FROM dunning_level WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		*out = level_json(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "level_not_found", NULL, "没有这个催缴等级");
	return 0;
}

int
dunning_level_save(struct db *db, int64_t id, const struct dunning_level_in *in,
		   const struct audit_actor *who, int64_t *out_id, struct anju_err *e)
{
	json_t *before = NULL, *after = NULL, *diff = NULL;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	const char *name, *channel, *template;
	int days, active, rc;
	int64_t taken = 0;

	*out_id = 0;
	if (id != 0) {
		if ((rc = dunning_level_get(db, id, &before, e)) != 0)
			return rc;
	} else if (!text_is_code(in->code)) {
		return anju_fail(e, ANJU_EINVAL, "invalid_code", "code",
				 "等级代码应为 2 到 32 位小写英文字母、数字或下划线");
	}
	name = in->name ? in->name : json_string_value(json_object_get(before, "name"));
	channel = in->channel ? in->channel : json_string_value(json_object_get(before, "channel"));
	template = in->template ? in->template
				: json_string_value(json_object_get(before, "template"));
	days = in->days_past_due >= 0
		       ? in->days_past_due
		       : (int)json_integer_value(json_object_get(before, "days_past_due"));
	active = in->active >= 0
			 ? in->active
			 : json_is_true(json_object_get(before, "active")) || before == NULL;
	if ((rc = text_ok(name, 1, 96, "name", "等级名称", e)) != 0)
		goto out;
	if (days < 1 || days > 3650) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_days", "days_past_due",
			       "逾期天数应为 1 到 3650");
		goto out;
	}
	if (!in_list(dunning_channels_staff, channel)) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_channel", "channel",
			       "催缴方式应为 sms、phone、letter 或 visit");
		goto out;
	}
	if ((rc = text_ok(template, 2, TEMPLATE_MAX, "template", "通知内容", e)) != 0)
		goto out;
	if (active) {
		rc = db_prepare(
			db,
			"SELECT id FROM dunning_level WHERE active = 1 AND days_past_due = ?"
			" AND id <> ?",
			&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, days);
		db_bind_int64(st, 2, id);
		if ((rc = db_step(st)) == DB_ROW)
			taken = db_col_int64(st, 0);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		if (taken != 0) {
			rc = anju_fail(e, ANJU_ECONFLICT, "level_days_taken", "days_past_due",
				       "已有逾期 %d 天的启用等级", days);
			goto out;
		}
	}
	time_format_utc(time_now_us(), now);
	if (id == 0) {
		rc = db_prepare(db,
				"INSERT INTO dunning_level (code, name, days_past_due, channel,"
				" template, active, updated_at, updated_by)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING"
				" RETURNING id",
				&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_cstr(st, 1, in->code);
		db_bind_cstr(st, 2, name);
		db_bind_int64(st, 3, days);
		db_bind_cstr(st, 4, channel);
		db_bind_cstr(st, 5, template);
		db_bind_int64(st, 6, active ? 1 : 0);
		db_bind_cstr(st, 7, now);
		db_bind_cstr(st, 8, principal_of(who));
		if ((rc = db_step(st)) == DB_ROW)
			id = db_col_int64(st, 0);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		if (id == 0) {
			rc = anju_fail(e, ANJU_ECONFLICT, "level_exists", "code",
				       "已有代码为 %s 的催缴等级", in->code);
			goto out;
		}
	} else {
		rc = db_prepare(db,
				"UPDATE dunning_level SET name = ?, days_past_due = ?, channel = ?,"
				" template = ?, active = ?, updated_at = ?, updated_by = ?"
				" WHERE id = ?",
				&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_cstr(st, 1, name);
		db_bind_int64(st, 2, days);
		db_bind_cstr(st, 3, channel);
		db_bind_cstr(st, 4, template);
		db_bind_int64(st, 5, active ? 1 : 0);
		db_bind_cstr(st, 6, now);
		db_bind_cstr(st, 7, principal_of(who));
		db_bind_int64(st, 8, id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	if ((rc = dunning_level_get(db, id, &after, e)) != 0)
		goto out;
	json_object_del(after, "updated_at");
	json_object_del(before, "updated_at");
	json_object_del(after, "updated_by");
	json_object_del(before, "updated_by");
	diff = audit_diff(before, after);
	rc = 0;
	if (before == NULL || diff != NULL)
		rc = audit_obj(db, who, before ? "dunning_level.update" : "dunning_level.create",
			       "dunning_level", id, before ? json_object_get(diff, "before") : NULL,
			       before ? json_object_get(diff, "after") : after, e);
	*out_id = id;
out:
	json_decref(before);
	json_decref(after);
	json_decref(diff);
	return rc;
}

static int
policy_months(struct db *db, int *months, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*months = 6;
	if ((rc = db_prepare(db, "SELECT referral_months FROM dunning_policy WHERE id = 1", &st)) !=
	    0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW)
		*months = (int)db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
dunning_policy_get(struct db *db, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT referral_months, updated_at, updated_by FROM dunning_policy"
			" WHERE id = 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW)
		*out = json_pack("{s:I, s:s, s:s}", "referral_months",
				 (json_int_t)db_col_int64(st, 0), "updated_at", db_col_text(st, 1),
				 "updated_by", db_col_text(st, 2));
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*out == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "dunning_policy has no row");
	return 0;
}

int
dunning_policy_set(struct db *db, int referral_months, const struct audit_actor *who,
		   struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before, *after;
	int old = 0, rc;

	if (referral_months < 1 || referral_months > 60)
		return anju_fail(e, ANJU_EINVAL, "invalid_months", "referral_months",
				 "提请清退的欠缴月数应为 1 到 60");
	if ((rc = policy_months(db, &old, e)) != 0)
		return rc;
	if (old == referral_months)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE dunning_policy SET referral_months = ?, updated_at = ?,"
			" updated_by = ? WHERE id = 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, referral_months);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, principal_of(who));
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:i}", "referral_months", old);
	after = json_pack("{s:i}", "referral_months", referral_months);
	rc = audit_obj(db, who, "dunning_policy.update", "dunning_policy", 1, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Cases.
 */

struct dcase {
	int64_t id, chain_id, household_id, community_id;
	char state[8];
	char level[33]; /* "" before the first level */
	int months_owed;
	int64_t owed_fen;
	char oldest_due_on[DATE_FMT_LEN];
	char checked_on[DATE_FMT_LEN];
};

#define DCASE_COLS                                                                                 \
	"dc.id, dc.chain_id, dc.household_id, dc.community_id, dc.state, dc.level,"                \
	" dc.months_owed, dc.owed_fen, dc.oldest_due_on, dc.checked_on"

static void
dcase_row(struct db_stmt *st, void *out)
{
	struct dcase *k = out;

	memset(k, 0, sizeof(*k));
	k->id = db_col_int64(st, 0);
	k->chain_id = db_col_int64(st, 1);
	k->household_id = db_col_int64(st, 2);
	k->community_id = db_col_int64(st, 3);
	snprintf(k->state, sizeof(k->state), "%s", db_col_text(st, 4));
	snprintf(k->level, sizeof(k->level), "%s", db_col_null(st, 5) ? "" : db_col_text(st, 5));
	k->months_owed = (int)db_col_int64(st, 6);
	k->owed_fen = db_col_int64(st, 7);
	snprintf(k->oldest_due_on, sizeof(k->oldest_due_on), "%s",
		 db_col_null(st, 8) ? "" : db_col_text(st, 8));
	snprintf(k->checked_on, sizeof(k->checked_on), "%s", db_col_text(st, 9));
}

/* The first row of sql (its one parameter: a chain) read by read(st, out):
 * *found. */
static int
chain_row(struct db *db, const char *sql, int64_t chain_id,
	  void (*read)(struct db_stmt *st, void *out), void *out, bool *found, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*found = false;
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	if ((rc = db_step(st)) == DB_ROW) {
		read(st, out);
		*found = true;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The open case of a chain: *found. */
static int
case_open_of_chain(struct db *db, int64_t chain_id, struct dcase *k, bool *found,
		   struct anju_err *e)
{
	return chain_row(db,
			 "SELECT " DCASE_COLS " FROM dunning_case dc WHERE dc.chain_id = ?"
			 " AND dc.state = 'open'",
			 chain_id, dcase_row, k, found, e);
}

/* A case c may see (c NULL: any): 0 or ANJU_ENOTFOUND. */
static int
case_load(struct db *db, const struct caller *c, int64_t id, struct dcase *k, struct anju_err *e)
{
	return db_row_by_id(db,
			    "SELECT " DCASE_COLS " FROM dunning_case dc WHERE dc.id = ?"
			    " AND " SCOPE_SQL("dc.community_id"),
			    id, c, bind_scope, dcase_row, k, "dunning_case_not_found",
			    "没有这个催缴案件", e);
}

int
dunning_case_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		       struct anju_err *e)
{
	struct dcase k;
	int rc;

	if (c == NULL || c->role == ROLE_TENANT)
		return anju_fail(e, ANJU_ENOTFOUND, "dunning_case_not_found", NULL,
				 "没有这个催缴案件");
	if ((rc = case_load(db, c, id, &k, e)) != 0)
		return rc;
	*community_id = k.community_id;
	return 0;
}

static json_t *
case_after(const struct dcase *k)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:i, s:I, s:o}", "chain_id", (json_int_t)k->chain_id,
			 "household_id", (json_int_t)k->household_id, "state", k->state, "level",
			 k->level[0] ? json_string(k->level) : json_null(), "months_owed",
			 k->months_owed, "owed_fen", (json_int_t)k->owed_fen, "oldest_due_on",
			 k->oldest_due_on[0] ? json_string(k->oldest_due_on) : json_null());
}

struct refresh_stats {
	int opened, escalated, closed, proposed, withdrawn, sms;
};

static int
case_open(struct db *db, const struct rent_arrears *a, const char *today, const char *level,
	  const struct audit_actor *who, struct dcase *k, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO dunning_case (chain_id, household_id, community_id, state,"
			" level, level_at, opened_on, opened_at, months_owed, owed_fen,"
			" oldest_due_on, checked_on, updated_at)"
			" VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, a->chain_id);
	db_bind_int64(st, 2, a->household_id);
	db_bind_int64(st, 3, a->community_id);
	db_bind_cstr(st, 4, level && level[0] ? level : NULL);
	db_bind_cstr(st, 5, level && level[0] ? now : NULL);
	db_bind_cstr(st, 6, today);
	db_bind_cstr(st, 7, now);
	db_bind_int64(st, 8, a->months_owed);
	db_bind_int64(st, 9, a->owed_fen);
	db_bind_cstr(st, 10, a->oldest_due_on[0] ? a->oldest_due_on : NULL);
	db_bind_cstr(st, 11, today);
	db_bind_cstr(st, 12, now);
	memset(k, 0, sizeof(*k));
	if ((rc = db_step(st)) == DB_ROW)
		k->id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	k->chain_id = a->chain_id;
	k->household_id = a->household_id;
	k->community_id = a->community_id;
	snprintf(k->state, sizeof(k->state), "open");
	snprintf(k->level, sizeof(k->level), "%s", level ? level : "");
	k->months_owed = a->months_owed;
	k->owed_fen = a->owed_fen;
	snprintf(k->oldest_due_on, sizeof(k->oldest_due_on), "%s", a->oldest_due_on);
	snprintf(k->checked_on, sizeof(k->checked_on), "%s", today);
	after = case_after(k);
	rc = audit_obj(db, who, "dunning_case.open", "dunning_case", k->id, NULL, after, e);
	json_decref(after);
	return rc;
}

/* The unit and community of a chain, for messages. */
static int
chain_place(struct db *db, int64_t chain_id, char *unit, size_t ucap, char *community, size_t ccap,
	    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	unit[0] = community[0] = '\0';
	rc = db_prepare(
		db,
		"SELECT u.number, cm.name FROM lease_chain ch JOIN unit u ON u.id = ch.unit_id"
		" JOIN community cm ON cm.id = ch.community_id WHERE ch.id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(unit, ucap, "%s", db_col_text(st, 0));
		snprintf(community, ccap, "%s", db_col_text(st, 1));
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The level's template with its placeholders filled, into out. */
static void
template_fill(const char *t, const char *community, const char *unit, const struct rent_arrears *a,
	      const char *as_of, const char *level_name, struct buf *out)
{
	char amount[MONEY_FMT_MAX], months[16];

	money_format(a->owed_fen, amount);
	snprintf(months, sizeof(months), "%d", a->months_owed);
	for (const char *p = t; *p;) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		const char *v = NULL;

		if (end != NULL) {
			size_t n = (size_t)(end - p - 1);

#define IS(name) (n == strlen(name) && strncmp(p + 1, name, n) == 0)
			if (IS("community"))
				v = community;
			else if (IS("unit"))
				v = unit;
			else if (IS("months"))
				v = months;
			else if (IS("amount"))
				v = amount;
			else if (IS("as_of"))
				v = as_of;
			else if (IS("oldest_due_on"))
				v = a->oldest_due_on;
			else if (IS("level"))
				v = level_name;
#undef IS
		}
		if (v != NULL) {
			buf_adds(out, v);
			p = end + 1;
		} else {
			buf_add(out, p, 1);
			p++;
		}
	}
}

/* The active head of a household (0 when none). */
static int
household_head(struct db *db, int64_t household_id, int64_t *person, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*person = 0;
	rc = db_prepare(db,
			"SELECT person_id FROM member WHERE household_id = ?"
			" AND relationship = 'head' AND left_at IS NULL ORDER BY id LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	if ((rc = db_step(st)) == DB_ROW)
		*person = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* Inserts an action row and its audit row. */
static int
action_insert(struct db *db, int64_t case_id, int64_t household_id, const char *channel,
	      const char *result, const char *level, const char *note, bool automatic,
	      int64_t attachment_id, int64_t outbox_id, int64_t notice_id,
	      const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *after;
	int64_t aid = 0;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO dunning_action (case_id, household_id, channel, result, level,"
			" note, acted_at, actor, actor_name, auto, attachment_id, outbox_id,"
			" notice_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if (case_id > 0)
		db_bind_int64(st, 1, case_id);
	else
		db_bind_null(st, 1);
	db_bind_int64(st, 2, household_id);
	db_bind_cstr(st, 3, channel);
	db_bind_cstr(st, 4, result);
	db_bind_cstr(st, 5, level && level[0] ? level : NULL);
	db_bind_cstr(st, 6, note ? note : "");
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, principal_of(who));
	db_bind_cstr(st, 9, who ? who->name : NULL);
	db_bind_int64(st, 10, automatic ? 1 : 0);
	if (attachment_id > 0)
		db_bind_int64(st, 11, attachment_id);
	else
		db_bind_null(st, 11);
	if (outbox_id > 0)
		db_bind_int64(st, 12, outbox_id);
	else
		db_bind_null(st, 12);
	if (notice_id > 0)
		db_bind_int64(st, 13, notice_id);
	else
		db_bind_null(st, 13);
	db_bind_cstr(st, 14, now);
	if ((rc = db_step(st)) == DB_ROW)
		aid = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	after = json_pack("{s:o, s:I, s:s, s:s, s:o, s:b}", "case_id",
			  case_id > 0 ? json_integer(case_id) : json_null(), "household_id",
			  (json_int_t)household_id, "channel", channel, "result", result, "level",
			  level && level[0] ? json_string(level) : json_null(), "auto", automatic);
	if (attachment_id > 0)
		json_object_set_new(after, "attachment_id", json_integer(attachment_id));
	if (outbox_id > 0)
		json_object_set_new(after, "outbox_id", json_integer(outbox_id));
	if (notice_id > 0)
		json_object_set_new(after, "notice_id", json_integer(notice_id));
	rc = audit_obj(db, who, "dunning_action.record", "dunning_action", aid, NULL, after, e);
	json_decref(after);
	if (id != NULL)
		*id = aid;
	return rc;
}

/* What reaching a level does by itself: an SMS level sends its message
 * through the outbox and records it.  A household without a head or a
 * phone gets an action saying why nothing was sent. */
static int
level_reached_act(struct db *db, const struct dcase *k, const struct level *lv,
		  const struct rent_arrears *a, const char *today, struct refresh_stats *stats,
		  struct anju_err *e)
{
	struct anju_err why;
	struct buf text, result;
	char unit[64], community[128];
	int64_t person = 0, msg = 0;
	int rc;

	if (strcmp(lv->channel, "sms") != 0)
		return 0;
	buf_init(&text, 4096);
	buf_init(&result, 1024);
	if ((rc = chain_place(db, k->chain_id, unit, sizeof(unit), community, sizeof(community),
			      e)) != 0 ||
	    (rc = household_head(db, k->household_id, &person, e)) != 0)
		goto out;
	template_fill(lv->template, community, unit, a, today, lv->name, &text);
	anju_err_clear(&why);
	if (person == 0) {
		rc = anju_fail(&why, ANJU_EUNPROCESSABLE, "no_head", NULL, "家庭没有户主");
	} else {
		rc = outbox_enqueue(db, "sms", person, text.p ? text.p : "", "dunning_case", k->id,
				    &msg, &why);
	}
	if (rc == ANJU_EINVAL || rc == ANJU_EUNPROCESSABLE || rc == ANJU_ENOTFOUND) {
		buf_printf(&result, "短信未发送：%s", why.msg);
		msg = 0;
	} else if (rc != 0) {
		*e = why;
		goto out;
	} else {
		buf_printf(&result, "已排队发送%s短信（第 %lld 号消息）", lv->name, (long long)msg);
		if (stats)
			stats->sms++;
	}
	rc = action_insert(db, k->id, k->household_id, "sms", result.p, lv->code, NULL, true, 0,
			   msg, 0, &refresh_actor, NULL, e);
out:
	buf_free(&text);
	buf_free(&result);
	return rc;
}

static int
case_set_level(struct db *db, struct dcase *k, const struct level *lv,
	       const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before, *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE dunning_case SET level = ?, level_at = ?, updated_at = ?"
			" WHERE id = ? AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, lv->code);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, k->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:o}", "level", k->level[0] ? json_string(k->level) : json_null());
	after = json_pack("{s:s, s:i, s:I}", "level", lv->code, "months_owed", k->months_owed,
			  "owed_fen", (json_int_t)k->owed_fen);
	snprintf(k->level, sizeof(k->level), "%s", lv->code);
	rc = audit_obj(db, who, "dunning_case.escalate", "dunning_case", k->id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* Keeps what the last check saw. */
static int
case_snapshot(struct db *db, struct dcase *k, const struct rent_arrears *a, const char *today,
	      struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if (k->months_owed == a->months_owed && k->owed_fen == a->owed_fen &&
	    strcmp(k->oldest_due_on, a->oldest_due_on) == 0 && strcmp(k->checked_on, today) == 0)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE dunning_case SET months_owed = ?, owed_fen = ?, oldest_due_on = ?,"
			" checked_on = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, a->months_owed);
	db_bind_int64(st, 2, a->owed_fen);
	db_bind_cstr(st, 3, a->oldest_due_on[0] ? a->oldest_due_on : NULL);
	db_bind_cstr(st, 4, today);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, k->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	k->months_owed = a->months_owed;
	k->owed_fen = a->owed_fen;
	snprintf(k->oldest_due_on, sizeof(k->oldest_due_on), "%s", a->oldest_due_on);
	snprintf(k->checked_on, sizeof(k->checked_on), "%s", today);
	return 0;
}

static int
case_close(struct db *db, struct dcase *k, const char *today, const struct audit_actor *who,
	   struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before, *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE dunning_case SET state = 'closed', closed_on = ?, closed_at = ?,"
			" close_reason = 'paid', months_owed = 0, owed_fen = 0, checked_on = ?,"
			" updated_at = ? WHERE id = ? AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, today);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, k->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:s, s:i, s:I}", "state", "open", "months_owed", k->months_owed,
			   "owed_fen", (json_int_t)k->owed_fen);
	after = json_pack("{s:s, s:s, s:s}", "state", "closed", "closed_on", today, "close_reason",
			  "paid");
	snprintf(k->state, sizeof(k->state), "closed");
	rc = audit_obj(db, who, "dunning_case.close", "dunning_case", k->id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Referrals (the refresh's part).
 */

struct referral {
	int64_t id, chain_id, case_id, household_id, community_id, eviction_id;
	char state[12];
	int months_owed, threshold;
	int64_t owed_fen;
};

#define REFERRAL_COLS                                                                              \
	"r.id, r.chain_id, r.case_id, r.household_id, r.community_id, r.state, r.months_owed,"     \
	" r.owed_fen, r.threshold, r.eviction_id"

static void
referral_row(struct db_stmt *st, void *out)
{
	struct referral *r = out;

	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	r->chain_id = db_col_int64(st, 1);
	r->case_id = db_col_int64(st, 2);
	r->household_id = db_col_int64(st, 3);
	r->community_id = db_col_int64(st, 4);
	snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 5));
	r->months_owed = (int)db_col_int64(st, 6);
	r->owed_fen = db_col_int64(st, 7);
	r->threshold = (int)db_col_int64(st, 8);
	r->eviction_id = db_col_int64(st, 9);
}

/* The chain's newest referral: *found. */
static int
referral_latest(struct db *db, int64_t chain_id, struct referral *r, bool *found,
		struct anju_err *e)
{
	return chain_row(db,
			 "SELECT " REFERRAL_COLS " FROM arrears_referral r WHERE r.chain_id = ?"
			 " ORDER BY r.id DESC LIMIT 1",
			 chain_id, referral_row, r, found, e);
}

static void
referral_summary(const struct rent_arrears *a, char *out, size_t cap)
{
	char amount[MONEY_FMT_MAX];

	money_format(a->owed_fen, amount);
	snprintf(out, cap,
		 "累计欠缴租金 %d 个月，合计 %s 元（最早一笔 %s 到期），已提请住房保障部门"
		 "决定是否清退（《公共租赁住房管理办法》第二十九条）",
		 a->months_owed, amount, a->oldest_due_on);
}

static int
referral_propose(struct db *db, const struct rent_arrears *a, int64_t case_id, int threshold,
		 const char *today, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], summary[512];
	json_t *after;
	int64_t id = 0;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO arrears_referral (chain_id, case_id, household_id,"
		" community_id, state, months_owed, owed_fen, threshold, proposed_on,"
		" proposed_at, updated_at) VALUES (?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?)"
		" RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, a->chain_id);
	if (case_id > 0)
		db_bind_int64(st, 2, case_id);
	else
		db_bind_null(st, 2);
	db_bind_int64(st, 3, a->household_id);
	db_bind_int64(st, 4, a->community_id);
	db_bind_int64(st, 5, a->months_owed);
	db_bind_int64(st, 6, a->owed_fen);
	db_bind_int64(st, 7, threshold);
	db_bind_cstr(st, 8, today);
	db_bind_cstr(st, 9, now);
	db_bind_cstr(st, 10, now);
	if ((rc = db_step(st)) == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	after = json_pack("{s:I, s:I, s:s, s:i, s:I, s:i}", "chain_id", (json_int_t)a->chain_id,
			  "household_id", (json_int_t)a->household_id, "state", "proposed",
			  "months_owed", a->months_owed, "owed_fen", (json_int_t)a->owed_fen,
			  "threshold", threshold);
	rc = audit_obj(db, who, "arrears_referral.propose", "arrears_referral", id, NULL, after, e);
	json_decref(after);
	if (rc != 0)
		return rc;
	referral_summary(a, summary, sizeof(summary));
	return tenancy_signal_raise(db, a->household_id, SIGNAL_TYPE, id, summary, who, e);
}

static int
referral_update(struct db *db, const struct referral *r, const struct rent_arrears *a,
		const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], summary[512];
	json_t *before, *after;
	int rc;

	if (r->months_owed == a->months_owed && r->owed_fen == a->owed_fen)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE arrears_referral SET months_owed = ?, owed_fen = ?, updated_at = ?"
			" WHERE id = ? AND state = 'proposed'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, a->months_owed);
	db_bind_int64(st, 2, a->owed_fen);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, r->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:i, s:I}", "months_owed", r->months_owed, "owed_fen",
			   (json_int_t)r->owed_fen);
	after = json_pack("{s:i, s:I}", "months_owed", a->months_owed, "owed_fen",
			  (json_int_t)a->owed_fen);
	rc = audit_obj(db, who, "arrears_referral.update", "arrears_referral", r->id, before, after,
		       e);
	json_decref(before);
	json_decref(after);
	if (rc != 0)
		return rc;
	referral_summary(a, summary, sizeof(summary));
	return tenancy_signal_raise(db, r->household_id, SIGNAL_TYPE, r->id, summary, who, e);
}

/* Ends a proposed referral: withdrawn (the system), referred or dismissed
 * (the bureau); the signal is cleared in every case. */
static int
referral_end(struct db *db, const struct referral *r, const char *state, const char *reason,
	     int64_t eviction_id, const struct caller *c, const struct audit_actor *who,
	     struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], action[48];
	json_t *before, *after;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE arrears_referral SET state = ?, decided_at = ?, decided_by = ?,"
			" decided_by_name = ?, reason = ?, eviction_id = ?, updated_at = ?"
			" WHERE id = ? AND state = 'proposed'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, c ? c->principal : principal_of(who));
	db_bind_cstr(st, 4, c ? c->name : (who ? who->name : NULL));
	db_bind_cstr(st, 5, reason);
	if (eviction_id > 0)
		db_bind_int64(st, 6, eviction_id);
	else
		db_bind_null(st, 6);
	db_bind_cstr(st, 7, now);
	db_bind_int64(st, 8, r->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:s}", "state", r->state);
	after = json_pack("{s:s, s:s?}", "state", state, "reason", reason);
	if (eviction_id > 0)
		json_object_set_new(after, "eviction_id", json_integer(eviction_id));
	snprintf(action, sizeof(action), "arrears_referral.%s",
		 strcmp(state, "referred") == 0    ? "refer"
		 : strcmp(state, "dismissed") == 0 ? "dismiss"
						   : "withdraw");
	rc = audit_obj(db, who, action, "arrears_referral", r->id, before, after, e);
	json_decref(before);
	json_decref(after);
	if (rc != 0)
		return rc;
	return tenancy_signal_clear(db, SIGNAL_TYPE, r->id, who, e);
}

static int
referral_check(struct db *db, const struct rent_arrears *a, int64_t case_id, const char *today,
	       const struct audit_actor *who, struct refresh_stats *stats, struct anju_err *e)
{
	struct referral r;
	bool found = false;
	int threshold = 6, rc;

	if ((rc = policy_months(db, &threshold, e)) != 0 ||
	    (rc = referral_latest(db, a->chain_id, &r, &found, e)) != 0)
		return rc;
	if (a->months_owed < threshold) {
		if (found && strcmp(r.state, "proposed") == 0) {
			if (stats)
				stats->withdrawn++;
			return referral_end(db, &r, "withdrawn", "欠缴月数已低于提请清退的标准", 0,
					    NULL, who, e);
		}
		return 0;
	}
	if (found && strcmp(r.state, "proposed") == 0)
		return referral_update(db, &r, a, who, e);
	if (found && strcmp(r.state, "referred") == 0)
		return 0;
	if (found && strcmp(r.state, "dismissed") == 0 && a->months_owed <= r.months_owed)
		return 0;
	if (stats)
		stats->proposed++;
	return referral_propose(db, a, case_id, threshold, today, who, e);
}

/* See dunning.h; force_open opens a case for a chain that owes before the
 * first level (a note about it). */
static int
refresh(struct db *db, int64_t chain_id, const char *today, const struct audit_actor *who,
	bool force_open, struct refresh_stats *stats, int64_t *case_id, struct anju_err *e)
{
	struct rent_arrears a;
	struct levels lv = { 0 };
	struct dcase k;
	const struct level *reached, *cur;
	bool found = false;
	int rc;

	*case_id = 0;
	if ((rc = arrears_of_chain(db, chain_id, today, &a, e)) != 0 ||
	    (rc = case_open_of_chain(db, chain_id, &k, &found, e)) != 0 ||
	    (rc = levels_load(db, &lv, e)) != 0)
		goto out;
	if (a.owed_fen <= 0) {
		if (found) {
			if (stats)
				stats->closed++;
			if ((rc = case_close(db, &k, today, who, e)) != 0)
				goto out;
		}
		rc = referral_check(db, &a, 0, today, who, stats, e);
		goto out;
	}
	reached = level_reached(&lv, days_between(a.oldest_due_on, today));
	if (!found) {
		if (reached != NULL || force_open) {
			if ((rc = case_open(db, &a, today, reached ? reached->code : NULL, who, &k,
					    e)) != 0)
				goto out;
			if (stats)
				stats->opened++;
			found = true;
			if (reached != NULL &&
			    (rc = level_reached_act(db, &k, reached, &a, today, stats, e)) != 0)
				goto out;
		}
	} else {
		if ((rc = case_snapshot(db, &k, &a, today, e)) != 0)
			goto out;
		cur = level_find(&lv, k.level);
		if (reached != NULL && (cur == NULL || reached->days > cur->days)) {
			if ((rc = case_set_level(db, &k, reached, who, e)) != 0)
				goto out;
			if (stats)
				stats->escalated++;
			if ((rc = level_reached_act(db, &k, reached, &a, today, stats, e)) != 0)
				goto out;
		}
	}
	if ((rc = referral_check(db, &a, found ? k.id : 0, today, who, stats, e)) != 0)
		goto out;
	*case_id = found ? k.id : 0;
out:
	levels_free(&lv);
	return rc;
}

int
dunning_refresh(struct db *db, int64_t chain_id, const char *today, const struct audit_actor *who,
		int64_t *case_id, struct anju_err *e)
{
	struct date d;

	if (today == NULL || date_parse(str_c(today), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "as_of",
				 "日期应为 YYYY-MM-DD 格式的真实日期");
	return refresh(db, chain_id, today, who ? who : &refresh_actor, false, NULL, case_id, e);
}

/* Runs refresh in a transaction of its own when the caller has none (a
 * read). */
static int
refresh_for_read(struct db *db, int64_t chain_id, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int64_t case_id;
	bool own = !db_in_tx(db);
	int rc;

	today_str(today);
	if (own && (rc = db_begin(db)) != 0)
		return db_fail(db, rc, e);
	rc = refresh(db, chain_id, today, &refresh_actor, false, NULL, &case_id, e);
	if (own) {
		if (rc == 0 && (rc = db_commit(db)) != 0)
			rc = db_fail(db, rc, e);
		if (rc != 0)
			db_rollback(db);
	}
	return rc;
}

int
dunning_note(struct db *db, int64_t household_id, const char *channel, const char *result,
	     const struct audit_actor *who, int64_t *case_id, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN], level[33] = "";
	int64_t chain = 0, best = 0, best_owed = 0, *chains = NULL, kid = 0;
	size_t n = 0, cap = 0;
	int rc;

	*case_id = 0;
	if (!in_list(dunning_channels, channel))
		return anju_fail(e, ANJU_EINVAL, "invalid_channel", "channel",
				 "催缴方式应为 sms、phone、letter、visit 或 withholding");
	if ((rc = text_ok(result, 1, RESULT_MAX, "result", "催缴结果", e)) != 0)
		return rc;
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
	today_str(today);
	/* The household's open case first; otherwise the chain that owes most
	 * (the newest on a tie). */
	rc = db_prepare(
		db,
		"SELECT chain_id FROM dunning_case WHERE household_id = ? AND state = 'open'"
		" ORDER BY id DESC LIMIT 1",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	if ((rc = db_step(st)) == DB_ROW)
		chain = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (chain != 0 && (rc = refresh(db, chain, today, who, false, NULL, &kid, e)) != 0)
		return rc;
	if (kid == 0) {
		rc = db_prepare(db, "SELECT id FROM lease_chain WHERE household_id = ? ORDER BY id",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, household_id);
		while ((rc = db_step(st)) == DB_ROW) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				chains = xrealloc(chains, cap * sizeof(*chains));
			}
			chains[n++] = db_col_int64(st, 0);
		}
		db_reset(st);
		if (rc < 0) {
			free(chains);
			return db_fail(db, rc, e);
		}
		for (size_t i = 0; i < n; i++) {
			struct rent_arrears a;

			if ((rc = arrears_of_chain(db, chains[i], today, &a, e)) != 0) {
				free(chains);
				return rc;
			}
			if (a.owed_fen > 0 && a.owed_fen >= best_owed) {
				best = chains[i];
				best_owed = a.owed_fen;
			}
		}
		free(chains);
		if (best != 0 && (rc = refresh(db, best, today, who, true, NULL, &kid, e)) != 0)
			return rc;
	}
	if (kid != 0) {
		rc = db_prepare(db, "SELECT level FROM dunning_case WHERE id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, kid);
		if ((rc = db_step(st)) == DB_ROW && !db_col_null(st, 0))
			snprintf(level, sizeof(level), "%s", db_col_text(st, 0));
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
	}
	if ((rc = action_insert(db, kid, household_id, channel, result, level, NULL, false, 0, 0, 0,
				who, NULL, e)) != 0)
		return rc;
	*case_id = kid;
	return 0;
}

/*
 * Reading cases.
 */

#define CASE_SELECT                                                                                \
	"SELECT dc.id, dc.chain_id, dc.household_id, dc.community_id, cm.name, u.number, p.name,"  \
	" dc.state, dc.level, lv.name, dc.level_at, dc.opened_on, dc.closed_on, dc.close_reason,"  \
	" dc.months_owed, dc.owed_fen, dc.oldest_due_on, dc.checked_on, dc.updated_at,"            \
	" da.channel, da.result, da.acted_at, u.id FROM dunning_case dc"                           \
	" JOIN lease_chain ch ON ch.id = dc.chain_id JOIN unit u ON u.id = ch.unit_id"             \
	" JOIN community cm ON cm.id = dc.community_id LEFT JOIN member m"                         \
	" ON m.household_id = dc.household_id AND m.relationship = 'head' AND m.left_at IS NULL"   \
	" LEFT JOIN person p ON p.id = m.person_id LEFT JOIN dunning_level lv"                     \
	" ON lv.code = dc.level LEFT JOIN dunning_action da ON da.id ="                            \
	" (SELECT MAX(x.id) FROM dunning_action x WHERE x.case_id = dc.id)"

static json_t *
case_json_row(struct db_stmt *st, void *ud)
{
	char name[PERSON_NAME_MAX * 2] = "";
	json_t *j;

	(void)ud;
	if (!db_col_null(st, 6))
		mask_middle(db_col_text(st, 6), 1, 0, name, sizeof(name));
	j = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "chain_id", (json_int_t)db_col_int64(st, 1),
		      "household_id", (json_int_t)db_col_int64(st, 2), "community_id",
		      (json_int_t)db_col_int64(st, 3), "community_name", db_col_text(st, 4),
		      "unit_id", (json_int_t)db_col_int64(st, 22), "unit_number",
		      db_col_text(st, 5), "head_name", name, "state", db_col_text(st, 7));
	json_object_set_new(j, "level", text_or_null(st, 8));
	json_object_set_new(j, "level_name", text_or_null(st, 9));
	json_object_set_new(j, "level_at", text_or_null(st, 10));
	json_object_set_new(j, "opened_on", json_string(db_col_text(st, 11)));
	json_object_set_new(j, "closed_on", text_or_null(st, 12));
	json_object_set_new(j, "close_reason", text_or_null(st, 13));
	json_object_set_new(j, "months_owed", json_integer(db_col_int64(st, 14)));
	json_object_set_new(j, "owed_fen", json_integer(db_col_int64(st, 15)));
	json_object_set_new(j, "oldest_due_on", text_or_null(st, 16));
	json_object_set_new(j, "checked_on", json_string(db_col_text(st, 17)));
	json_object_set_new(j, "updated_at", json_string(db_col_text(st, 18)));
	json_object_set_new(j, "last_action",
			    db_col_null(st, 19)
				    ? json_null()
				    : json_pack("{s:s, s:s, s:s}", "channel", db_col_text(st, 19),
						"result", db_col_text(st, 20), "acted_at",
						db_col_text(st, 21)));
	return j;
}

int
dunning_case_list(struct db *db, const struct caller *c, const struct dunning_case_filter *f,
		  json_t **items, int64_t *next, struct anju_err *e)
{
	const char *level = f->level ? f->level : "";
	struct db_stmt *st;
	int i = 1, rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			CASE_SELECT " WHERE dc.id > ? AND (CAST(? AS TEXT) = '' OR dc.state = ?)"
				    " AND (CAST(? AS TEXT) = '' OR (CAST(? AS TEXT) = 'none'"
				    " AND dc.level IS NULL) OR dc.level = CAST(? AS TEXT))"
				    " AND (? = 0 OR dc.community_id = ?)"
				    " AND (? = 0 OR dc.household_id = ?)"
				    " AND " SCOPE_SQL("dc.community_id") " ORDER BY dc.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_cstr(st, i++, level);
	db_bind_cstr(st, i++, level);
	db_bind_cstr(st, i++, level);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_int64(st, i++, f->household_id);
	i = bind_scope(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, case_json_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

static int
case_json(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	return db_json_by_id(db, CASE_SELECT " WHERE dc.id = ? AND " SCOPE_SQL("dc.community_id"),
			     id, c, bind_scope, case_json_row, out, "dunning_case_not_found",
			     "没有这个催缴案件", e);
}

static json_t *
action_json_row(struct db_stmt *st, void *ud)
{
	json_t *j = json_pack("{s:I, s:o, s:I, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "case_id", int_or_null(st, 1),
			      "household_id", (json_int_t)db_col_int64(st, 2), "channel",
			      db_col_text(st, 3), "channel_title",
			      channel_title(db_col_text(st, 3)), "result", db_col_text(st, 4));

	(void)ud;
	json_object_set_new(j, "level", text_or_null(st, 5));
	json_object_set_new(j, "note", json_string(db_col_text(st, 6)));
	json_object_set_new(j, "acted_at", json_string(db_col_text(st, 7)));
	json_object_set_new(j, "actor_name", text_or_null(st, 8));
	json_object_set_new(j, "auto", json_boolean(db_col_int64(st, 9) != 0));
	json_object_set_new(j, "attachment_id", int_or_null(st, 10));
	json_object_set_new(j, "outbox_id", int_or_null(st, 11));
	json_object_set_new(j, "outbox_state", text_or_null(st, 12));
	json_object_set_new(j, "notice_id", int_or_null(st, 13));
	return j;
}

/* Every row of sql (its one parameter: id) made JSON by row(st, NULL). */
static int
json_rows(struct db *db, const char *sql, int64_t id, page_row_fn row, json_t **out,
	  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_rows_json(db, st, row, out, e);
}

static int
case_actions(struct db *db, int64_t case_id, json_t **out, struct anju_err *e)
{
	return json_rows(db,
			 "SELECT a.id, a.case_id, a.household_id, a.channel, a.result, a.level,"
			 " a.note, a.acted_at, a.actor_name, a.auto, a.attachment_id, a.outbox_id,"
			 " o.state, a.notice_id FROM dunning_action a LEFT JOIN outbox_message o"
			 " ON o.id = a.outbox_id WHERE a.case_id = ? ORDER BY a.id DESC",
			 case_id, action_json_row, out, e);
}

static json_t *
notice_json_row(struct db_stmt *st, void *ud)
{
	json_t *j = json_pack(
		"{s:I, s:I, s:I, s:s, s:s, s:i, s:I, s:s, s:I, s:s, s:s}", "id",
		(json_int_t)db_col_int64(st, 0), "case_id", (json_int_t)db_col_int64(st, 1),
		"household_id", (json_int_t)db_col_int64(st, 2), "number", db_col_text(st, 4),
		"issued_on", db_col_text(st, 5), "months_owed", (int)db_col_int64(st, 6),
		"owed_fen", (json_int_t)db_col_int64(st, 7), "sha256", db_col_text(st, 8),
		"attachment_id", (json_int_t)db_col_int64(st, 9), "created_at", db_col_text(st, 10),
		"created_by", db_col_text(st, 11));

	(void)ud;
	json_object_set_new(j, "level", text_or_null(st, 3));
	return j;
}

#define NOTICE_COLS                                                                                \
	"n.id, n.case_id, n.household_id, n.level, n.number, n.issued_on, n.months_owed,"          \
	" n.owed_fen, n.sha256, n.attachment_id, n.created_at, n.created_by"

static int
case_notices(struct db *db, int64_t case_id, json_t **out, struct anju_err *e)
{
	return json_rows(db,
			 "SELECT " NOTICE_COLS " FROM dunning_notice n WHERE n.case_id = ?"
			 " ORDER BY n.id DESC",
			 case_id, notice_json_row, out, e);
}

#define REFERRAL_SELECT                                                                            \
	"SELECT r.id, r.chain_id, r.case_id, r.household_id, r.community_id, cm.name, u.number,"   \
	" p.name, r.state, r.months_owed, r.owed_fen, r.threshold, r.proposed_on, r.proposed_at,"  \
	" r.decided_at, r.decided_by_name, r.reason, r.eviction_id, r.updated_at, u.id"            \
	" FROM arrears_referral r JOIN lease_chain ch ON ch.id = r.chain_id"                       \
	" JOIN unit u ON u.id = ch.unit_id JOIN community cm ON cm.id = r.community_id"            \
	" LEFT JOIN member m ON m.household_id = r.household_id AND m.relationship = 'head'"       \
	" AND m.left_at IS NULL LEFT JOIN person p ON p.id = m.person_id"

static json_t *
referral_json_row(struct db_stmt *st, void *ud)
{
	char name[PERSON_NAME_MAX * 2] = "";
	json_t *j;

	(void)ud;
	if (!db_col_null(st, 7))
		mask_middle(db_col_text(st, 7), 1, 0, name, sizeof(name));
	j = json_pack("{s:I, s:I, s:o, s:I, s:I, s:s, s:I, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "chain_id", (json_int_t)db_col_int64(st, 1),
		      "case_id", int_or_null(st, 2), "household_id",
		      (json_int_t)db_col_int64(st, 3), "community_id",
		      (json_int_t)db_col_int64(st, 4), "community_name", db_col_text(st, 5),
		      "unit_id", (json_int_t)db_col_int64(st, 19), "unit_number",
		      db_col_text(st, 6), "head_name", name, "state", db_col_text(st, 8));
	json_object_set_new(j, "months_owed", json_integer(db_col_int64(st, 9)));
	json_object_set_new(j, "owed_fen", json_integer(db_col_int64(st, 10)));
	json_object_set_new(j, "threshold", json_integer(db_col_int64(st, 11)));
	json_object_set_new(j, "proposed_on", json_string(db_col_text(st, 12)));
	json_object_set_new(j, "proposed_at", json_string(db_col_text(st, 13)));
	json_object_set_new(j, "decided_at", text_or_null(st, 14));
	json_object_set_new(j, "decided_by", text_or_null(st, 15));
	json_object_set_new(j, "reason", text_or_null(st, 16));
	json_object_set_new(j, "eviction_id", int_or_null(st, 17));
	json_object_set_new(j, "updated_at", json_string(db_col_text(st, 18)));
	return j;
}

static int
chain_referrals(struct db *db, int64_t chain_id, json_t **out, struct anju_err *e)
{
	return json_rows(db, REFERRAL_SELECT " WHERE r.chain_id = ? ORDER BY r.id DESC", chain_id,
			 referral_json_row, out, e);
}

int
dunning_case_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e)
{
	struct dcase k;
	char today[DATE_FMT_LEN];
	json_t *j = NULL, *arrears = NULL, *actions = NULL, *notices = NULL, *refs = NULL;
	int rc;

	*out = NULL;
	if ((rc = case_load(db, c, id, &k, e)) != 0)
		return rc;
	if (strcmp(k.state, "open") == 0 && (rc = refresh_for_read(db, k.chain_id, e)) != 0)
		return rc;
	today_str(today);
	if ((rc = case_json(db, c, id, &j, e)) != 0 ||
	    (rc = arrears_chain_json(db, c, k.chain_id, today, &arrears, e)) != 0 ||
	    (rc = case_actions(db, id, &actions, e)) != 0 ||
	    (rc = case_notices(db, id, &notices, e)) != 0 ||
	    (rc = chain_referrals(db, k.chain_id, &refs, e)) != 0) {
		json_decref(j);
		json_decref(arrears);
		json_decref(actions);
		json_decref(notices);
		return rc;
	}
	json_object_set_new(j, "arrears", arrears);
	json_object_set_new(j, "actions", actions);
	json_object_set_new(j, "notices", notices);
	json_object_set_new(j, "referrals", refs);
	*out = j;
	return 0;
}

/*
 * Acting on a case.
 */

/* Loads the case c may see, refreshed: 409 when it is not open. */
static int
case_for_action(struct db *db, const struct caller *c, int64_t id, struct dcase *k,
		const char *doing, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int64_t kid;
	int rc;

	if ((rc = case_load(db, c, id, k, e)) != 0)
		return rc;
	today_str(today);
	if (strcmp(k->state, "open") == 0) {
		if ((rc = refresh(db, k->chain_id, today, &refresh_actor, false, NULL, &kid, e)) !=
			    0 ||
		    (rc = case_load(db, c, id, k, e)) != 0)
			return rc;
	}
	if (strcmp(k->state, "open") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "dunning_case_closed", "state",
				 "催缴案件当前状态为“已结案”（%s），欠款已结清，不能%s", k->state,
				 doing);
	return 0;
}

int
dunning_action_record(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t case_id, const struct dunning_action_in *in, int64_t *id,
		      struct anju_err *e)
{
	struct dcase k;
	json_t *att = NULL;
	int rc;

	*id = 0;
	if (!in_list(dunning_channels_staff, in->channel))
		return anju_fail(e, ANJU_EINVAL, "invalid_channel", "channel",
				 "催缴方式应为 sms、phone、letter 或 visit");
	if ((rc = text_ok(in->result, 2, RESULT_MAX, "result", "催缴结果", e)) != 0)
		return rc;
	if (in->note != NULL && (rc = text_ok(in->note, 0, RESULT_MAX, "note", "备注", e)) != 0)
		return rc;
	if ((rc = case_for_action(db, c, case_id, &k, "登记催缴记录", e)) != 0)
		return rc;
	if (in->attachment_id > 0) {
		const char *type;
		int64_t owner;

		rc = attachment_get(db, c, in->attachment_id, &att, e);
		if (rc == ANJU_ENOTFOUND)
			return anju_fail(e, ANJU_EINVAL, "invalid_attachment", "attachment_id",
					 "没有这个附件");
		if (rc != 0)
			return rc;
		type = json_string_value(json_object_get(att, "owner_type"));
		owner = json_integer_value(json_object_get(att, "owner_id"));
		if (!((type && strcmp(type, "dunning_case") == 0 && owner == k.id) ||
		      (type && strcmp(type, "household") == 0 && owner == k.household_id))) {
			json_decref(att);
			return anju_fail(e, ANJU_EINVAL, "invalid_attachment", "attachment_id",
					 "附件应属于本催缴案件或该家庭");
		}
		json_decref(att);
	}
	return action_insert(db, k.id, k.household_id, in->channel, in->result, k.level, in->note,
			     false, in->attachment_id, 0, 0, who, id, e);
}

/* The unpaid periods of a chain at as_of, with what each still owes. */
struct periods {
	char (*period)[PERIOD_FMT_LEN];
	int64_t *fen;
	int n;
};

static int
unpaid_periods(struct db *db, int64_t chain_id, const char *as_of, struct periods *p,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int cap = 0, rc;

	memset(p, 0, sizeof(*p));
	rc = db_prepare(db,
			"SELECT period, CAST(SUM(amount_fen - paid_fen) AS BIGINT) FROM charge"
			" WHERE source_type = 'lease_chain' AND source_id = ?"
			" AND kind IN ('rent', 'overstay_rent') AND state = 'open'"
			" AND paid_fen < amount_fen AND due_on <= CAST(? AS TEXT)"
			" GROUP BY period ORDER BY period",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	db_bind_cstr(st, 2, as_of);
	while ((rc = db_step(st)) == DB_ROW) {
		if (p->n == cap) {
			cap = cap ? cap * 2 : 16;
			p->period = xrealloc(p->period, (size_t)cap * sizeof(*p->period));
			p->fen = xrealloc(p->fen, (size_t)cap * sizeof(*p->fen));
		}
		snprintf(p->period[p->n], PERIOD_FMT_LEN, "%.7s", db_col_text(st, 0));
		p->fen[p->n] = db_col_int64(st, 1);
		p->n++;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
dunning_notice_issue(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t case_id, int64_t *id, struct anju_err *e)
{
	struct dunning_notice_doc doc = { 0 };
	struct attachment_in att = { 0 };
	struct rent_arrears a;
	struct levels lv = { 0 };
	struct periods per = { 0 };
	const struct level *level;
	struct db_stmt *st;
	struct arena *ar = arena_new();
	struct buf pdf, text;
	struct dcase k;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], sha[65], unit[64], community[128];
	char name[PERSON_NAME_MAX * 2] = "";
	const char **labels = NULL;
	json_t *after = NULL;
	int64_t att_id = 0, person = 0, seq = 0, action = 0;
	int rc;

	*id = 0;
	buf_init(&pdf, 0);
	buf_init(&text, 8192);
	if ((rc = case_for_action(db, c, case_id, &k, "出具催缴通知书", e)) != 0)
		goto out;
	today_str(today);
	if ((rc = arrears_of_chain(db, k.chain_id, today, &a, e)) != 0 ||
	    (rc = levels_load(db, &lv, e)) != 0 ||
	    (rc = unpaid_periods(db, k.chain_id, today, &per, e)) != 0 ||
	    (rc = chain_place(db, k.chain_id, unit, sizeof(unit), community, sizeof(community),
			      e)) != 0 ||
	    (rc = household_head(db, k.household_id, &person, e)) != 0)
		goto out;
	if (person != 0) {
		rc = db_prepare(db, "SELECT name FROM person WHERE id = ?", &st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, person);
		if ((rc = db_step(st)) == DB_ROW)
			mask_middle(db_col_text(st, 0), 1, 0, name, sizeof(name));
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	rc = db_prepare(db, "SELECT COUNT(*) FROM dunning_notice WHERE case_id = ?", &st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, k.id);
	if ((rc = db_step(st)) == DB_ROW)
		seq = db_col_int64(st, 0) + 1;
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	level = level_find(&lv, k.level);
	if (level != NULL)
		template_fill(level->template, community, unit, &a, today, level->name, &text);
	labels = arena_alloc(ar, (size_t)(per.n + 1) * sizeof(*labels));
	for (int i = 0; i < per.n; i++)
		labels[i] = per.period[i];
	doc.number = arena_printf(ar, "催缴〔%.4s〕第 %lld-%lld 号", today, (long long)k.id,
				  (long long)seq);
	doc.household = name[0] ? name : "承租人";
	doc.community = community;
	doc.unit = unit;
	doc.level = level ? level->name : "催缴通知";
	doc.text = text.p ? text.p : "";
	doc.as_of = today;
	doc.issued_on = today;
	doc.oldest_due_on = a.oldest_due_on;
	doc.months_owed = a.months_owed;
	doc.owed_fen = a.owed_fen;
	doc.periods = labels;
	doc.period_fen = per.fen;
	doc.nperiods = per.n;
	doc.issuer = ISSUER;
	if ((rc = dunning_notice_pdf(&doc, &pdf, e)) != 0)
		goto out;
	att.owner_type = "dunning_case";
	att.owner_id = k.id;
	att.category = "other";
	att.filename =
		arena_printf(ar, "催缴通知书-%lld-%lld.pdf", (long long)k.id, (long long)seq);
	att.note = arena_printf(ar, "%s，%s", doc.number, doc.level);
	att.data = pdf.p;
	att.size = pdf.n;
	sha256_hex(pdf.p, pdf.n, sha);
	if ((rc = attachment_add(db, c, &att, who, &att_id, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO dunning_notice (case_id, household_id, level, number,"
			" issued_on, months_owed, owed_fen, sha256, attachment_id, created_at,"
			" created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, k.id);
	db_bind_int64(st, 2, k.household_id);
	db_bind_cstr(st, 3, k.level[0] ? k.level : NULL);
	db_bind_cstr(st, 4, doc.number);
	db_bind_cstr(st, 5, today);
	db_bind_int64(st, 6, a.months_owed);
	db_bind_int64(st, 7, a.owed_fen);
	db_bind_cstr(st, 8, sha);
	db_bind_int64(st, 9, att_id);
	db_bind_cstr(st, 10, now);
	db_bind_cstr(st, 11, principal_of(who));
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
		goto out;
	}
	after = json_pack("{s:I, s:s, s:s, s:i, s:I, s:s, s:I}", "case_id", (json_int_t)k.id,
			  "number", doc.number, "issued_on", today, "months_owed", a.months_owed,
			  "owed_fen", (json_int_t)a.owed_fen, "sha256", sha, "attachment_id",
			  (json_int_t)att_id);
	if ((rc = audit_obj(db, who, "dunning_notice.issue", "dunning_notice", *id, NULL, after,
			    e)) != 0)
		goto out;
	rc = action_insert(db, k.id, k.household_id, "letter",
			   arena_printf(ar, "出具催缴通知书 %s", doc.number), k.level, NULL, false,
			   att_id, 0, *id, who, &action, e);
out:
	json_decref(after);
	free(per.period);
	free(per.fen);
	levels_free(&lv);
	buf_free(&pdf);
	buf_free(&text);
	arena_free(ar);
	return rc;
}

static int
notice_load(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	return db_json_by_id(
		db,
		"SELECT " NOTICE_COLS " FROM dunning_notice n JOIN dunning_case dc"
		" ON dc.id = n.case_id WHERE n.id = ? AND " SCOPE_SQL("dc.community_id"),
		id, c, bind_scope, notice_json_row, out, "dunning_notice_not_found",
		"没有这份催缴通知书", e);
}

int
dunning_notice_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e)
{
	return notice_load(db, c, id, out, e);
}

int
dunning_notice_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
		    struct anju_err *e)
{
	json_t *n = NULL, *meta = NULL;
	int rc;

	*fd = -1;
	if ((rc = notice_load(db, c, id, &n, e)) != 0)
		return rc;
	rc = attachment_open(db, c, json_integer_value(json_object_get(n, "attachment_id")), fd,
			     size, &meta, e);
	json_decref(meta);
	json_decref(n);
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_ENOTFOUND, "dunning_notice_not_found", NULL,
				 "催缴通知书已从案件附件中移除");
	return rc;
}

/*
 * Referrals: reading and the bureau's decision.
 */

int
referral_list(struct db *db, const struct caller *c, const struct referral_filter *f,
	      json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int i = 1, rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			REFERRAL_SELECT
			" WHERE r.id > ? AND (CAST(? AS TEXT) = '' OR r.state = ?)"
			" AND (? = 0 OR r.community_id = ?)"
			" AND (? = 0 OR r.household_id = ?)"
			" AND " SCOPE_SQL("r.community_id") " ORDER BY r.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_int64(st, i++, f->household_id);
	i = bind_scope(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, referral_json_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
referral_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	return db_json_by_id(db, REFERRAL_SELECT " WHERE r.id = ? AND " SCOPE_SQL("r.community_id"),
			     id, c, bind_scope, referral_json_row, out, "referral_not_found",
			     "没有这条清退提请", e);
}

static const char *
referral_state_title(const char *s)
{
	if (strcmp(s, "proposed") == 0)
		return "待决定";
	if (strcmp(s, "referred") == 0)
		return "已决定清退";
	if (strcmp(s, "dismissed") == 0)
		return "已不予清退";
	if (strcmp(s, "withdrawn") == 0)
		return "已撤回（欠缴已减少）";
	return s;
}

static int
referral_load(struct db *db, const struct caller *c, int64_t id, struct referral *r,
	      struct anju_err *e)
{
	return db_row_by_id(db,
			    "SELECT " REFERRAL_COLS " FROM arrears_referral r WHERE r.id = ?"
			    " AND " SCOPE_SQL("r.community_id"),
			    id, c, bind_scope, referral_row, r, "referral_not_found",
			    "没有这条清退提请", e);
}

int
referral_decide(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		const char *decision, const char *reason, int64_t *eviction_id, struct anju_err *e)
{
	struct referral r;
	char today[DATE_FMT_LEN];
	bool refer;
	int64_t kid;
	int rc;

	*eviction_id = 0;
	if ((rc = referral_load(db, c, id, &r, e)) != 0)
		return rc;
	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "是否因欠租清退只能由住房保障部门决定（建保〔2018〕92号）");
	if (decision == NULL ||
	    (strcmp(decision, "refer") != 0 && strcmp(decision, "dismiss") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_decision", "decision",
				 "决定应为 refer（清退）或 dismiss（不予清退）");
	if ((rc = text_ok(reason, 2, REASON_MAX, "reason", "决定理由", e)) != 0)
		return rc;
	refer = strcmp(decision, "refer") == 0;
	/* What the household owes now decides whether there is anything to
	 * decide: a referral paid down below the threshold is withdrawn. */
	today_str(today);
	if (strcmp(r.state, "proposed") == 0 &&
	    ((rc = refresh(db, r.chain_id, today, &refresh_actor, false, NULL, &kid, e)) != 0 ||
	     (rc = referral_load(db, c, id, &r, e)) != 0))
		return rc;
	if (strcmp(r.state, "proposed") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "referral_decided", "state",
				 "这条清退提请当前状态为“%s”（%s），不能再作决定",
				 referral_state_title(r.state), r.state);
	if (refer && (rc = eviction_open(db, c, who, r.household_id, "arrears", r.id, reason,
					 eviction_id, e)) != 0)
		return rc;
	return referral_end(db, &r, refer ? "referred" : "dismissed", reason, *eviction_id, c, who,
			    e);
}

/*
 * The daily job (dunning_daily): every chain that owes rent due by today,
 * or has an open case or a proposed referral, in chain id order, CHUNK
 * chains a transaction; the checkpoint is the last chain done, so a job
 * taken over resumes after it and a redone chunk changes nothing twice.
 */

static const struct field daily_params[] = { { NULL } };

#define DAILY_CHAINS                                                                               \
	"SELECT x.id FROM (SELECT c.source_id AS id FROM charge c"                                 \
	" WHERE c.source_type = 'lease_chain' AND c.kind IN ('rent', 'overstay_rent')"             \
	" AND c.state = 'open' AND c.paid_fen < c.amount_fen AND c.due_on <= CAST(? AS TEXT)"      \
	" AND c.source_id > ? UNION SELECT dc.chain_id FROM dunning_case dc"                       \
	" WHERE dc.state = 'open' AND dc.chain_id > ? UNION SELECT r.chain_id"                     \
	" FROM arrears_referral r WHERE r.state = 'proposed' AND r.chain_id > ?) x"

static int
daily_count(struct db *db, const char *today, int64_t after, int64_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((rc = db_prepare(db, "SELECT COUNT(*) FROM (" DAILY_CHAINS ") y", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, after);
	db_bind_int64(st, 4, after);
	if ((rc = db_step(st)) == DB_ROW)
		*n = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
daily_run(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct refresh_stats stats = { 0 };
	char today[DATE_FMT_LEN], mark[32];
	int64_t after = 0, done = 0, total = 0, ids[CHUNK];
	int rc;

	today_str(today);
	if (job_resume_at(ctx)[0] != '\0' &&
	    str_to_int64(str_c(job_resume_at(ctx)), 0, INT64_MAX, &after) != 0)
		after = 0;
	if ((rc = daily_count(db, today, after, &total, e)) != 0)
		return rc;
	for (;;) {
		struct db_stmt *st;
		int n = 0;

		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		rc = db_prepare(db, DAILY_CHAINS " ORDER BY x.id LIMIT ?", &st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			job_chunk_abort(ctx);
			return rc;
		}
		db_bind_cstr(st, 1, today);
		db_bind_int64(st, 2, after);
		db_bind_int64(st, 3, after);
		db_bind_int64(st, 4, after);
		db_bind_int64(st, 5, CHUNK);
		while ((rc = db_step(st)) == DB_ROW && n < CHUNK)
			ids[n++] = db_col_int64(st, 0);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			job_chunk_abort(ctx);
			return rc;
		}
		for (int i = 0; i < n; i++) {
			int64_t kid;

			if ((rc = refresh(db, ids[i], today, &refresh_actor, false, &stats, &kid,
					  e)) != 0) {
				job_chunk_abort(ctx);
				return rc;
			}
		}
		if (n > 0)
			after = ids[n - 1];
		done += n;
		snprintf(mark, sizeof(mark), "%lld", (long long)after);
		if ((rc = job_chunk_end(ctx, done, total > done ? total : done, mark,
					n < CHUNK ? "催缴检查完成" : "正在检查欠缴租赁", e)) != 0)
			return rc;
		if (n < CHUNK)
			break;
	}
	job_set_result(ctx,
		       json_pack("{s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:i}", "today", today,
				 "chains", (json_int_t)done, "opened", stats.opened, "escalated",
				 stats.escalated, "closed", stats.closed, "proposed",
				 stats.proposed, "withdrawn", stats.withdrawn, "sms", stats.sms));
	return 0;
}

const struct job_kind job_kind_dunning_daily = { "dunning_daily",
						 "催缴检查（欠缴、升级、结案、提请清退）",
						 daily_params, daily_run };

int
dunning_run_start(struct db *db, const struct audit_actor *who, int64_t *job_id, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *params = json_object();
	int64_t running = 0;
	int rc;

	*job_id = 0;
	rc = db_prepare(db,
			"SELECT id FROM job WHERE kind = 'dunning_daily'"
			" AND state IN ('queued', 'running') ORDER BY id LIMIT 1",
			&st);
	if (rc != 0) {
		json_decref(params);
		return db_fail(db, rc, e);
	}
	if ((rc = db_step(st)) == DB_ROW)
		running = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0) {
		json_decref(params);
		return db_fail(db, rc, e);
	}
	if (running != 0) {
		json_decref(params);
		return anju_fail(e, ANJU_ECONFLICT, "dunning_running", NULL,
				 "催缴检查正在进行（任务 %lld）", (long long)running);
	}
	rc = job_create(db, "dunning_daily", params, principal_of(who), job_id, e);
	json_decref(params);
	return rc;
}
