/*
 * Allocation batches (配租): a community's vacant units offered to the top
 * of the waitlist, by the verifiable lottery (摇号) or by order of choice
 * (选房).  The batch reserves its units from creation; publishing freezes
 * the input list (its canonical text and SM3 are the "published first"
 * step); the lottery's parties commit to secret values and reveal them at
 * the draw, whose seed and shuffle are core/lottery.h's; offers follow the
 * drawn order (offer.c).  A choice batch gives each household in list order
 * a window to pick one of the remaining units.  docs/tenancy-allocation.md.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/lottery.h"
#include "core/mem.h"
#include "household/household.h"
#include "housing/housing.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/allocation.h"
#include "tenancy/tenancy.h"

#define ALGORITHM "anju-lottery-v1"

static const char *const states[][2] = {
	{ "draft", "草稿" },    { "published", "名单已公布" }, { "committed", "承诺值已齐" },
	{ "drawn", "已摇号" },  { "publicity", "结果公示中" }, { "offering", "配租中" },
	{ "closed", "已结束" }, { "cancelled", "已取消" },     { NULL, NULL },
};

static const char *
state_title(const char *s)
{
	for (int k = 0; states[k][0] != NULL; k++)
		if (strcmp(states[k][0], s) == 0)
			return states[k][1];
	return s;
}

/* The batch's columns that decisions need. */
struct batch {
	int64_t id, community_id;
	char method[16], state[16];
	int invite_count, choice_window_hours, offer_response_days, publicity_days;
	char category[40];
	bool has_category;
	char publicity_until[DATE_FMT_LEN];
	char list_hash[LOTTERY_HEX_LEN];
};

#define BATCH_COLS                                                                                 \
	"b.id, b.community_id, b.method, b.state, b.invite_count, b.choice_window_hours,"          \
	" b.offer_response_days, b.publicity_days, b.category, b.publicity_until, b.list_hash"

static void
batch_row(struct db_stmt *st, struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->id = db_col_int64(st, 0);
	b->community_id = db_col_int64(st, 1);
	snprintf(b->method, sizeof(b->method), "%s", db_col_text(st, 2));
	snprintf(b->state, sizeof(b->state), "%s", db_col_text(st, 3));
	b->invite_count = (int)db_col_int64(st, 4);
	b->choice_window_hours = (int)db_col_int64(st, 5);
	b->offer_response_days = (int)db_col_int64(st, 6);
	b->publicity_days = (int)db_col_int64(st, 7);
	b->has_category = !db_col_null(st, 8);
	if (b->has_category)
		snprintf(b->category, sizeof(b->category), "%s", db_col_text(st, 8));
	if (!db_col_null(st, 9))
		snprintf(b->publicity_until, sizeof(b->publicity_until), "%s", db_col_text(st, 9));
	if (!db_col_null(st, 10))
		snprintf(b->list_hash, sizeof(b->list_hash), "%s", db_col_text(st, 10));
}

static bool
internal_caller(const struct caller *c)
{
	return c == NULL || c->kind == CALLER_SYSTEM;
}

int
allocation_scope_bind(struct db_stmt *st, int i, const struct caller *c)
{
	if (!internal_caller(c))
		return scope_bind(st, i, c);
	db_bind_int64(st, i, 1);
	db_bind_cstr(st, i + 1, "");
	return i + 2;
}

/* The caller other modules' scoped reads are asked with: the system acts
 * as a bureau reader of every community. */
static const struct caller *
reader(const struct caller *c, struct caller *tmp)
{
	if (!internal_caller(c))
		return c;
	memset(tmp, 0, sizeof(*tmp));
	tmp->kind = CALLER_SYSTEM;
	tmp->role = ROLE_BUREAU;
	tmp->name = "system";
	tmp->principal = "system";
	tmp->all_communities = true;
	return tmp;
}

int
allocation_bureau_only(const struct caller *c, struct anju_err *e)
{
	if (internal_caller(c) || c->role == ROLE_BUREAU)
		return 0;
	return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
			 "配租的公布、摇号、公示与配房决定只能由住房保障主管部门作出");
}

/* Loads a batch the caller may see (c NULL: any). */
static int
batch_load(struct db *db, const struct caller *c, int64_t id, struct batch *b, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " BATCH_COLS
			" FROM allocation_batch b WHERE b.id = ? AND " SCOPE_SQL("b.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	allocation_scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW)
		batch_row(st, b);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "allocation_not_found", NULL,
				 "没有这个配租批次");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
state_conflict(const struct batch *b, const char *doing, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "allocation_state", "state",
			 "配租批次当前为“%s”，不能%s", state_title(b->state), doing);
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

/* Runs a statement of integer and text parameters to its end: "i" binds an
 * int64, "s" a C string (NULL binds NULL).  *changes (may be NULL) gets the
 * rows changed. */
static int
run(struct db *db, const char *sql, const char *types, struct anju_err *e, int64_t *changes, ...)
{
	struct db_stmt *st;
	va_list ap;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	va_start(ap, changes);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			db_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			db_bind_cstr(st, i + 1, va_arg(ap, const char *));
	}
	va_end(ap);
	while ((rc = db_step(st)) == DB_ROW)
		;
	if (changes != NULL)
		*changes = db_changes(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The first integer column of a one-parameter query (0 when no row). */
static int
query_int(struct db *db, const char *sql, int64_t arg, int64_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, arg);
	*out = 0;
	if ((rc = db_step(st)) == DB_ROW)
		*out = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
audit_batch(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	    json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "allocation_batch", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

static int
set_state(struct db *db, int64_t id, const char *from, const char *to, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	int64_t n = 0;
	int rc;

	now_text(now);
	rc = run(db,
		 "UPDATE allocation_batch SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
		 "ssis", e, &n, to, now, id, from);
	if (rc == 0 && n != 1)
		rc = anju_fail(e, ANJU_ECONFLICT, "allocation_state", "state",
			       "配租批次的状态刚刚被改变，请刷新后再试");
	return rc;
}

/* ---- creation ---- */

static int
text_ok(const char *s, const char *field, const char *title, size_t min, size_t max,
	struct anju_err *e)
{
	size_t n = s ? strlen(s) : 0;

	if (n < min || n > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s应为 %zu 到 %zu 字节",
				 title, min, max);
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] < 0x20)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s不能含控制字符",
					 title);
	return 0;
}

struct unit_pick {
	int64_t id;
	char number[64], layout[64];
	int64_t floor_area;
};

static int
unit_cmp(const void *pa, const void *pb)
{
	const struct unit_pick *a = pa, *b = pb;
	int c = strcmp(a->number, b->number);

	return c ? c : (a->id < b->id ? -1 : a->id > b->id);
}

static int
create_validate(struct db *db, const struct allocation_in *in, struct anju_err *e)
{
	int rc;

	if ((rc = text_ok(in->title, "title", "批次名称", 1, 300, e)) != 0)
		return rc;
	if (in->note != NULL && (rc = text_ok(in->note, "note", "备注", 0, 1000, e)) != 0)
		return rc;
	if (in->method == NULL ||
	    (strcmp(in->method, "lottery") != 0 && strcmp(in->method, "choice") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "method",
				 "配租方式应为 lottery（摇号）或 choice（选房）");
	if (in->nunits < 1 || in->nunits > ALLOCATION_UNITS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "unit_ids",
				 "一个批次应有 1 到 %d 套房源", ALLOCATION_UNITS_MAX);
	for (int i = 0; i < in->nunits; i++)
		for (int j = 0; j < i; j++)
			if (in->unit_ids[i] == in->unit_ids[j])
				return anju_fail(e, ANJU_EINVAL, "duplicate", "unit_ids",
						 "同一套房源不能重复列入");
	if (in->invite_count < 0 || in->invite_count > ALLOCATION_INVITE_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "invite_count",
				 "邀请家庭数应在 1 到 %d 之间", ALLOCATION_INVITE_MAX);
	if (in->choice_window_hours < 0 || in->choice_window_hours > 720)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "choice_window_hours",
				 "选房时限应在 1 到 720 小时之间");
	if (in->publicity_days > 60)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "publicity_days",
				 "公示天数应在 0 到 60 之间");
	if (strcmp(in->method, "lottery") == 0) {
		if (in->nparties < ALLOCATION_PARTIES_MIN || in->nparties > ALLOCATION_PARTIES_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", "parties",
					 "摇号应有 %d 到 %d 个承诺方（如住建局、运营单位、公证处）",
					 ALLOCATION_PARTIES_MIN, ALLOCATION_PARTIES_MAX);
		for (int i = 0; i < in->nparties; i++) {
			if ((rc = text_ok(in->parties[i], "parties", "承诺方名称", 1, 60, e)) != 0)
				return rc;
			for (int j = 0; j < i; j++)
				if (strcmp(in->parties[i], in->parties[j]) == 0)
					return anju_fail(e, ANJU_EINVAL, "duplicate", "parties",
							 "承诺方“%s”重复", in->parties[i]);
		}
	} else if (in->nparties != 0) {
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "parties",
				 "选房不摇号，没有承诺方");
	}
	if (in->category != NULL) {
		json_t *cat = NULL;

		if ((rc = household_category_get(db, in->category, &cat, e)) != 0) {
			e->field[0] = '\0';
			snprintf(e->field, sizeof(e->field), "category");
			return rc;
		}
		json_decref(cat);
	}
	return 0;
}

int
allocation_create(struct db *db, const struct caller *c, const struct audit_actor *who,
		  const struct allocation_in *in, int64_t *id, struct anju_err *e)
{
	struct tenancy_policy pol;
	struct caller tmp;
	const struct caller *rd = reader(c, &tmp);
	struct unit_pick *units = NULL;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *parties = NULL;
	json_t *pj = NULL, *after = NULL;
	int64_t batch = 0;
	int rc;

	if ((rc = create_validate(db, in, e)) != 0)
		return rc;
	if ((rc = housing_community_visible(db, rd, in->community_id, e)) != 0) {
		snprintf(e->field, sizeof(e->field), "community_id");
		return rc;
	}
	if ((rc = tenancy_policy_get(db, NULL, &pol, e)) != 0)
		return rc;
	units = xcalloc((size_t)in->nunits, sizeof(*units));
	for (int i = 0; i < in->nunits; i++) {
		json_t *u = NULL;
		int64_t held = 0;

		if ((rc = unit_get(db, rd, in->unit_ids[i], &u, e)) != 0) {
			snprintf(e->field, sizeof(e->field), "unit_ids[%d]", i);
			goto out;
		}
		units[i].id = in->unit_ids[i];
		snprintf(units[i].number, sizeof(units[i].number), "%s",
			 json_string_value(json_object_get(u, "number")));
		snprintf(units[i].layout, sizeof(units[i].layout), "%s",
			 json_string_value(json_object_get(u, "layout")));
		units[i].floor_area = json_integer_value(json_object_get(u, "floor_area"));
		if (json_integer_value(json_object_get(u, "community_id")) != in->community_id)
			rc = anju_fail(e, ANJU_EUNPROCESSABLE, "unit_other_community", "unit_ids",
				       "房源 %s 不属于本批次的小区", units[i].number);
		else if (strcmp(json_string_value(json_object_get(u, "status")), "vacant") != 0)
			rc = anju_fail(e, ANJU_ECONFLICT, "unit_not_vacant", "unit_ids",
				       "房源 %s 当前为“%s”，不是空置房", units[i].number,
				       json_string_value(json_object_get(u, "status_title")));
		json_decref(u);
		if (rc == 0)
			rc = query_int(db,
				       "SELECT batch_id FROM batch_unit WHERE unit_id = ?"
				       " AND reserved = 1",
				       in->unit_ids[i], &held, e);
		if (rc == 0 && held != 0)
			rc = anju_fail(e, ANJU_ECONFLICT, "unit_reserved", "unit_ids",
				       "房源 %s 已列入配租批次 %lld", units[i].number,
				       (long long)held);
		if (rc != 0)
			goto out;
	}
	qsort(units, (size_t)in->nunits, sizeof(*units), unit_cmp);

	pj = json_array();
	for (int i = 0; i < in->nparties; i++)
		json_array_append_new(pj, json_string(in->parties[i]));
	parties = json_dumps(pj, JSON_COMPACT);
	now_text(now);
	rc = db_prepare(
		db,
		"INSERT INTO allocation_batch (community_id, title, method, category, state,"
		" invite_count, parties, choice_window_hours, offer_response_days,"
		" publicity_days, policy_version, note, created_by, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, in->community_id);
	db_bind_cstr(st, 2, in->title);
	db_bind_cstr(st, 3, in->method);
	db_bind_cstr(st, 4, in->category);
	db_bind_int64(st, 5, in->invite_count > 0 ? in->invite_count : 2 * in->nunits);
	db_bind_cstr(st, 6, parties);
	db_bind_int64(st, 7,
		      in->choice_window_hours > 0 ? in->choice_window_hours
						  : pol.choice_window_hours);
	db_bind_int64(st, 8, pol.offer_response_days);
	db_bind_int64(st, 9, in->publicity_days >= 0 ? in->publicity_days : pol.publicity_days);
	db_bind_int64(st, 10, pol.version);
	db_bind_cstr(st, 11, in->note ? in->note : "");
	db_bind_cstr(st, 12, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 13, now);
	db_bind_cstr(st, 14, now);
	if ((rc = db_step(st)) == DB_ROW)
		batch = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	for (int i = 0; i < in->nunits; i++) {
		rc = db_prepare(
			db,
			"INSERT INTO batch_unit (batch_id, unit_id, position, number, layout,"
			" floor_area, state, reserved) VALUES (?, ?, ?, ?, ?, ?, 'open', 1)",
			&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, batch);
		db_bind_int64(st, 2, units[i].id);
		db_bind_int64(st, 3, i + 1);
		db_bind_cstr(st, 4, units[i].number);
		db_bind_cstr(st, 5, units[i].layout);
		db_bind_int64(st, 6, units[i].floor_area);
		rc = db_step(st);
		db_reset(st);
		if (rc == ANJU_ECONFLICT) {
			/* Another batch reserved it since the check above. */
			rc = anju_fail(e, ANJU_ECONFLICT, "unit_reserved", "unit_ids",
				       "房源 %s 已列入其他配租批次", units[i].number);
			goto out;
		}
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	for (int i = 0; i < in->nparties; i++)
		if ((rc = run(db, "INSERT INTO commitment (batch_id, seq, party) VALUES (?, ?, ?)",
			      "iis", e, NULL, batch, (int64_t)i + 1, in->parties[i])) != 0)
			goto out;
	after = json_pack("{s:I, s:s, s:s, s:i, s:O}", "community_id", (json_int_t)in->community_id,
			  "title", in->title, "method", in->method, "units", in->nunits, "parties",
			  pj);
	rc = audit_batch(db, who, "allocation.create", batch, after, e);
	if (rc == 0)
		*id = batch;
out:
	free(units);
	free(parties);
	json_decref(pj);
	return rc;
}

/* ---- reading ---- */

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

/* A new reference to x, or JSON null when x is NULL. */
static json_t *
ref_or_null(json_t *x)
{
	return x != NULL ? json_incref(x) : json_null();
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

#define SUMMARY_COLS                                                                               \
	"b.id, b.community_id, b.title, b.method, b.category, b.state, b.invite_count,"            \
	" b.choice_window_hours, b.offer_response_days, b.publicity_days, b.list_hash, b.seed,"    \
	" b.published_at, b.drawn_at, b.publicity_from, b.publicity_until, b.offering_at,"         \
	" b.closed_at, b.close_reason, b.note, b.created_by, b.created_at, b.updated_at,"          \
	" b.parties, b.policy_version,"                                                            \
	" (SELECT COUNT(*) FROM batch_unit bu WHERE bu.batch_id = b.id),"                          \
	" (SELECT COUNT(*) FROM batch_unit bu WHERE bu.batch_id = b.id AND bu.state = 'taken'),"   \
	" (SELECT COUNT(*) FROM batch_entry be WHERE be.batch_id = b.id)"

static json_t *
summary_row(struct db_stmt *st, void *ud)
{
	json_t *o, *parties;

	(void)ud;
	parties = json_loads(db_col_text(st, 23), 0, NULL);
	o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o,"
		      " s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I,"
		      " s:I}",
		      "id", (json_int_t)db_col_int64(st, 0), "community_id",
		      (json_int_t)db_col_int64(st, 1), "title", db_col_text(st, 2), "method",
		      db_col_text(st, 3), "category", text_or_null(st, 4), "state",
		      db_col_text(st, 5), "state_title", state_title(db_col_text(st, 5)),
		      "invite_count", (json_int_t)db_col_int64(st, 6), "choice_window_hours",
		      (json_int_t)db_col_int64(st, 7), "offer_response_days",
		      (json_int_t)db_col_int64(st, 8), "publicity_days",
		      (json_int_t)db_col_int64(st, 9), "list_hash", text_or_null(st, 10), "seed",
		      text_or_null(st, 11), "published_at", text_or_null(st, 12), "drawn_at",
		      text_or_null(st, 13), "publicity_from", text_or_null(st, 14),
		      "publicity_until", text_or_null(st, 15), "offering_at", text_or_null(st, 16),
		      "closed_at", text_or_null(st, 17), "close_reason", text_or_null(st, 18),
		      "note", db_col_text(st, 19), "created_by", db_col_text(st, 20), "created_at",
		      db_col_text(st, 21), "updated_at", db_col_text(st, 22), "parties",
		      json_is_array(parties) ? parties : json_array(), "policy_version",
		      int_or_null(st, 24), "unit_count", (json_int_t)db_col_int64(st, 25),
		      "units_taken", (json_int_t)db_col_int64(st, 26), "entry_count",
		      (json_int_t)db_col_int64(st, 27));
	if (!json_is_array(parties))
		json_decref(parties);
	return o;
}

int
allocation_list(struct db *db, const struct caller *c, const struct allocation_filter *f,
		json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " SUMMARY_COLS " FROM allocation_batch b WHERE (? = 0 OR b.id < ?)"
			" AND (? = 0 OR b.community_id = ?) AND (CAST(? AS TEXT) IS NULL"
			" OR b.state = ?) AND " SCOPE_SQL("b.community_id") " ORDER BY b.id DESC"
									    " LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->before_id);
	db_bind_int64(st, 2, f->before_id);
	db_bind_int64(st, 3, f->community_id);
	db_bind_int64(st, 4, f->community_id);
	db_bind_cstr(st, 5, f->state);
	db_bind_cstr(st, 6, f->state);
	allocation_scope_bind(st, 7, c);
	db_bind_int64(st, 9, f->limit + 1);
	if ((rc = page_collect(st, f->limit, summary_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

static int
collect(struct db *db, struct db_stmt *st, json_t *(*row)(struct db_stmt *), json_t **out,
	struct anju_err *e)
{
	int rc;

	*out = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(*out, row(st));
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

static json_t *
unit_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:o, s:s, s:b}", "id",
			 (json_int_t)db_col_int64(st, 0), "unit_id",
			 (json_int_t)db_col_int64(st, 1), "position",
			 (json_int_t)db_col_int64(st, 2), "number", db_col_text(st, 3), "layout",
			 db_col_text(st, 4), "floor_area", (json_int_t)db_col_int64(st, 5),
			 "draw_rank", int_or_null(st, 6), "state", db_col_text(st, 7), "reserved",
			 db_col_int64(st, 8) == 1);
}

static json_t *
entry_row(struct db_stmt *st)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:o}", "id",
		(json_int_t)db_col_int64(st, 0), "position", (json_int_t)db_col_int64(st, 1),
		"application_id", (json_int_t)db_col_int64(st, 2), "household_id",
		(json_int_t)db_col_int64(st, 3), "name", db_col_text(st, 4), "category",
		db_col_text(st, 5), "queue_at", db_col_text(st, 6), "draw_rank", int_or_null(st, 7),
		"state", db_col_text(st, 8), "turn_until", text_or_null(st, 9));
}

static json_t *
commitment_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "seq", (json_int_t)db_col_int64(st, 0),
			 "party", db_col_text(st, 1), "commit_hash", text_or_null(st, 2),
			 "committed_at", text_or_null(st, 3), "value", text_or_null(st, 4),
			 "revealed_at", text_or_null(st, 5));
}

static int
batch_parts(struct db *db, int64_t id, json_t *o, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr = NULL;
	int rc;

	rc = db_prepare(
		db,
		"SELECT id, unit_id, position, number, layout, floor_area, draw_rank, state,"
		" COALESCE(reserved, 0) FROM batch_unit WHERE batch_id = ? ORDER BY position",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = collect(db, st, unit_row, &arr, e)) != 0)
		return rc;
	json_object_set_new(o, "units", arr);
	rc = db_prepare(
		db,
		"SELECT id, position, application_id, household_id, name_masked, category,"
		" queue_at, draw_rank, state, turn_until FROM batch_entry WHERE batch_id = ?"
		" ORDER BY position",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = collect(db, st, entry_row, &arr, e)) != 0)
		return rc;
	json_object_set_new(o, "entries", arr);
	rc = db_prepare(db,
			"SELECT seq, party, commit_hash, committed_at, value, revealed_at"
			" FROM commitment WHERE batch_id = ? ORDER BY seq",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = collect(db, st, commitment_row, &arr, e)) != 0)
		return rc;
	/* A value stays secret until every party has revealed (the draw). */
	if (json_object_get(o, "seed") == NULL || json_is_null(json_object_get(o, "seed"))) {
		json_t *x;
		size_t i;

		json_array_foreach (arr, i, x)
			if (!json_is_null(json_object_get(x, "value")))
				json_object_set_new(x, "value",
						    json_string("(已揭示，摇号后公布)"));
	}
	json_object_set_new(o, "commitments", arr);
	return 0;
}

int
allocation_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct offer_filter of = { .batch_id = id, .limit = 200 };
	struct db_stmt *st;
	json_t *o = NULL, *offers = NULL, *turn = json_null();
	int64_t next = 0;
	int rc;

	rc = db_prepare(db,
			"SELECT " SUMMARY_COLS ", b.result_text FROM allocation_batch b"
			" WHERE b.id = ? AND " SCOPE_SQL("b.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	allocation_scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		json_t *result =
			db_col_null(st, 28) ? NULL : json_loads(db_col_text(st, 28), 0, NULL);

		o = summary_row(st, NULL);
		json_object_set_new(o, "order",
				    ref_or_null(result ? json_object_get(result, "order") : NULL));
		json_object_set_new(
			o, "unit_order",
			ref_or_null(result ? json_object_get(result, "unit_order") : NULL));
		json_decref(result);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "allocation_not_found", NULL,
				 "没有这个配租批次");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = batch_parts(db, id, o, e)) != 0)
		goto fail;
	if ((rc = offer_list(db, c, &of, &offers, &next, e)) != 0)
		goto fail;
	json_object_set_new(o, "offers", offers);
	if (strcmp(json_string_value(json_object_get(o, "method")), "choice") == 0 &&
	    strcmp(json_string_value(json_object_get(o, "state")), "offering") == 0) {
		json_t *entries = json_object_get(o, "entries"), *x;
		size_t i;
		char now[TIME_FMT_LEN];

		now_text(now);
		json_array_foreach (entries, i, x)
			if (strcmp(json_string_value(json_object_get(x, "state")), "offered") ==
			    0) {
				const char *until =
					json_string_value(json_object_get(x, "turn_until"));

				turn = json_pack("{s:O, s:O, s:O, s:O, s:b}", "household_id",
						 json_object_get(x, "household_id"), "position",
						 json_object_get(x, "position"), "name",
						 json_object_get(x, "name"), "turn_until",
						 json_object_get(x, "turn_until"), "lapsed",
						 until != NULL && strcmp(until, now) < 0);
				break;
			}
	}
	json_object_set_new(o, "turn", turn);
	*out = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}

/* ---- publication ---- */

/* Whether the application is invited to an open batch other than batch. */
static int
in_open_batch(struct db *db, int64_t app, int64_t batch, bool *yes, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT 1 FROM batch_entry be JOIN allocation_batch b ON b.id = be.batch_id"
			" WHERE be.application_id = ? AND be.batch_id <> ?"
			" AND be.state IN ('waiting', 'offered')"
			" AND b.state NOT IN ('closed', 'cancelled')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, app);
	db_bind_int64(st, 2, batch);
	rc = db_step(st);
	*yes = rc == DB_ROW;
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The head's masked name as the application recorded it at submission. */
static int
masked_name(struct db *db, int64_t app, char *out, size_t cap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT head_masked_name FROM application WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, app);
	out[0] = '\0';
	if ((rc = db_step(st)) == DB_ROW && db_col_text(st, 0) != NULL)
		snprintf(out, cap, "%s", db_col_text(st, 0));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
allocation_publish(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		   struct anju_err *e)
{
	struct caller tmp;
	struct waitlist w = { 0 };
	struct batch b;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], hash[LOTTERY_HEX_LEN], *text = NULL;
	json_t *list = NULL, *entries, *units, *cj = NULL, *parties = NULL;
	int n = 0, rc;

	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "draft") != 0)
		return state_conflict(&b, "公布名单", e);
	if ((rc = community_get(db, reader(c, &tmp), b.community_id, &cj, e)) != 0)
		return rc;
	if ((rc = waitlist_load(db, &w, e)) != 0)
		goto out;
	now_text(now);
	entries = json_array();
	list = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:o}", "algorithm", ALGORITHM, "batch_id",
			 (json_int_t)id, "community",
			 json_string_value(json_object_get(cj, "name")), "community_id",
			 (json_int_t)b.community_id, "method", b.method, "published_at", now,
			 "entries", entries);
	for (size_t i = 0; i < w.n && n < b.invite_count; i++) {
		const struct waitlist_item *it = &w.items[i];
		char name[128];
		bool busy = false;

		if (it->community_id != b.community_id ||
		    (b.has_category && strcmp(b.category, it->category) != 0))
			continue;
		if ((rc = in_open_batch(db, it->application_id, id, &busy, e)) != 0)
			goto out;
		if (busy)
			continue;
		if ((rc = masked_name(db, it->application_id, name, sizeof(name), e)) != 0)
			goto out;
		n++;
		rc = run(
			db,
			"INSERT INTO batch_entry (batch_id, position, application_id, household_id,"
			" name_masked, category, queue_at, draw_rank, state)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting')",
			"iiiisssi", e, NULL, id, (int64_t)n, it->application_id, it->household_id,
			name, it->category, it->queue_at,
			strcmp(b.method, "choice") == 0 ? (int64_t)n : (int64_t)0);
		if (rc != 0)
			goto out;
		json_array_append_new(entries,
				      json_pack("{s:i, s:I, s:I, s:s, s:s, s:s}", "position", n,
						"application_id", (json_int_t)it->application_id,
						"household_id", (json_int_t)it->household_id,
						"name", name, "category", it->category, "queue_at",
						it->queue_at));
	}
	if (n == 0) {
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "no_candidates", NULL,
			       "本小区轮候名单上没有可邀请的家庭");
		goto out;
	}
	/* A lottery's ranks are the draw's; 0 was a placeholder. */
	if (strcmp(b.method, "lottery") == 0 &&
	    (rc = run(db, "UPDATE batch_entry SET draw_rank = NULL WHERE batch_id = ?", "i", e,
		      NULL, id)) != 0)
		goto out;
	units = json_array();
	json_object_set_new(list, "units", units);
	rc = db_prepare(db,
			"SELECT position, unit_id, number, layout, floor_area FROM batch_unit"
			" WHERE batch_id = ? ORDER BY position",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(units,
				      json_pack("{s:I, s:I, s:s, s:s, s:I}", "position",
						(json_int_t)db_col_int64(st, 0), "unit_id",
						(json_int_t)db_col_int64(st, 1), "number",
						db_col_text(st, 2), "layout", db_col_text(st, 3),
						"floor_area", (json_int_t)db_col_int64(st, 4)));
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	parties = json_array();
	rc = db_prepare(db, "SELECT party FROM commitment WHERE batch_id = ? ORDER BY seq", &st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(parties, json_string(db_col_text(st, 0)));
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	json_object_set(list, "parties", parties);
	/* The canonical text: compact, keys sorted, UTF-8 as is. */
	text = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
	lottery_hash_hex(text, strlen(text), hash);
	rc = run(db,
		 "UPDATE allocation_batch SET state = 'published', list_text = ?, list_hash = ?,"
		 " published_at = ?, published_by = ?, updated_at = ? WHERE id = ?"
		 " AND state = 'draft'",
		 "sssssi", e, NULL, text, hash, now,
		 who && who->principal ? who->principal : "system", now, id);
	if (rc != 0)
		goto out;
	rc = audit_batch(
		db, who, "allocation.publish", id,
		json_pack("{s:s, s:i, s:s}", "list_hash", hash, "entries", n, "state", "published"),
		e);
out:
	free(text);
	json_decref(list);
	json_decref(cj);
	json_decref(parties);
	waitlist_free(&w);
	return rc;
}

/* ---- commitments, reveals and the draw ---- */

static int
hex64_ok(const char *s, char out[LOTTERY_HEX_LEN])
{
	if (s == NULL || strlen(s) != 64)
		return -1;
	for (int k = 0; k < 64; k++) {
		char ch = s[k];

		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -1;
		out[k] = ch;
	}
	out[64] = '\0';
	return 0;
}

struct party_row {
	int64_t seq;
	bool committed, revealed;
	char hash[LOTTERY_HEX_LEN];
};

static int
party_load(struct db *db, int64_t batch, const char *party, struct party_row *p, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT seq, commit_hash, revealed_at FROM commitment WHERE batch_id = ?"
			" AND party = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, batch);
	db_bind_cstr(st, 2, party);
	memset(p, 0, sizeof(*p));
	if ((rc = db_step(st)) == DB_ROW) {
		p->seq = db_col_int64(st, 0);
		p->committed = !db_col_null(st, 1);
		if (p->committed)
			snprintf(p->hash, sizeof(p->hash), "%s", db_col_text(st, 1));
		p->revealed = !db_col_null(st, 2);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "party_not_found", "party",
				 "本批次没有名为“%s”的承诺方", party);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
allocation_commit(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const char *party, const char *commit_hash, struct anju_err *e)
{
	struct party_row p;
	struct batch b;
	char hash[LOTTERY_HEX_LEN], now[TIME_FMT_LEN];
	int64_t missing = 0;
	int rc;

	if ((rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.method, "lottery") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "not_lottery", NULL,
				 "选房批次不摇号，没有承诺值");
	if (strcmp(b.state, "published") != 0)
		return state_conflict(&b, "提交承诺值（名单公布后、摇号前提交）", e);
	if (hex64_ok(commit_hash, hash) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_hash", "commit_hash",
				 "承诺值应为秘密值的 SM3 杂凑：64 位十六进制数字");
	if ((rc = party_load(db, id, party, &p, e)) != 0)
		return rc;
	if (p.committed)
		return anju_fail(e, ANJU_ECONFLICT, "already_committed", "party",
				 "“%s”已提交承诺值，不能更改", party);
	now_text(now);
	rc = run(db,
		 "UPDATE commitment SET commit_hash = ?, committed_at = ?, committed_by = ?"
		 " WHERE batch_id = ? AND seq = ?",
		 "sssii", e, NULL, hash, now, who && who->principal ? who->principal : "system", id,
		 p.seq);
	if (rc == 0)
		rc = query_int(db,
			       "SELECT COUNT(*) FROM commitment WHERE batch_id = ?"
			       " AND commit_hash IS NULL",
			       id, &missing, e);
	if (rc == 0 && missing == 0)
		rc = set_state(db, id, "published", "committed", e);
	if (rc != 0)
		return rc;
	return audit_batch(db, who, "allocation.commit", id,
			   json_pack("{s:s, s:s, s:s}", "party", party, "commit_hash", hash,
				     "state", missing == 0 ? "committed" : "published"),
			   e);
}

/* Runs the draw once every value is revealed: the seed, both orders, the
 * ranks. */
static int
draw(struct db *db, const struct audit_actor *who, const struct batch *b, struct anju_err *e)
{
	struct db_stmt *st;
	char *vals[ALLOCATION_PARTIES_MAX];
	size_t lens[ALLOCATION_PARTIES_MAX], nv = 0;
	uint8_t seed[LOTTERY_HASH_LEN];
	char seed_hex[LOTTERY_HEX_LEN], now[TIME_FMT_LEN], *result = NULL;
	int64_t n = 0, m = 0, *order = NULL, *uorder = NULL;
	json_t *jo = NULL, *ju = NULL;
	int rc;

	rc = db_prepare(db, "SELECT value FROM commitment WHERE batch_id = ? ORDER BY seq", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, b->id);
	while ((rc = db_step(st)) == DB_ROW && nv < ALLOCATION_PARTIES_MAX) {
		vals[nv] = xstrdup(db_col_text(st, 0));
		lens[nv] = strlen(vals[nv]);
		nv++;
	}
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (lottery_seed(b->list_hash, (const char *const *)vals, lens, nv, seed) != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "名单杂凑值损坏");
		goto out;
	}
	hex_encode(seed, sizeof(seed), seed_hex);
	if ((rc = query_int(db, "SELECT COUNT(*) FROM batch_entry WHERE batch_id = ?", b->id, &n,
			    e)) != 0 ||
	    (rc = query_int(db, "SELECT COUNT(*) FROM batch_unit WHERE batch_id = ?", b->id, &m,
			    e)) != 0)
		goto out;
	order = xcalloc((size_t)n + 1, sizeof(*order));
	uorder = xcalloc((size_t)m + 1, sizeof(*uorder));
	lottery_draw(seed, order, (size_t)n, uorder, (size_t)m);
	jo = json_array();
	ju = json_array();
	for (int64_t k = 0; k < n; k++) {
		json_array_append_new(jo, json_integer(order[k]));
		if ((rc = run(db,
			      "UPDATE batch_entry SET draw_rank = ? WHERE batch_id = ?"
			      " AND position = ?",
			      "iii", e, NULL, k + 1, b->id, order[k])) != 0)
			goto out;
	}
	for (int64_t k = 0; k < m; k++) {
		json_array_append_new(ju, json_integer(uorder[k]));
		if ((rc = run(db,
			      "UPDATE batch_unit SET draw_rank = ? WHERE batch_id = ?"
			      " AND position = ?",
			      "iii", e, NULL, k + 1, b->id, uorder[k])) != 0)
			goto out;
	}
	{
		json_t *res = json_pack("{s:O, s:O}", "order", jo, "unit_order", ju);

		result = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(res);
	}
	now_text(now);
	rc = run(db,
		 "UPDATE allocation_batch SET state = 'drawn', seed = ?, result_text = ?,"
		 " drawn_at = ?, updated_at = ? WHERE id = ? AND state = 'committed'",
		 "ssssi", e, NULL, seed_hex, result, now, now, b->id);
	if (rc == 0)
		rc = audit_batch(db, who, "allocation.draw", b->id,
				 json_pack("{s:s, s:O, s:O, s:s}", "seed", seed_hex, "order", jo,
					   "unit_order", ju, "state", "drawn"),
				 e);
out:
	for (size_t k = 0; k < nv; k++)
		free(vals[k]);
	free(order);
	free(uorder);
	free(result);
	json_decref(jo);
	json_decref(ju);
	return rc;
}

int
allocation_reveal(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const char *party, const char *value, bool *drawn, struct anju_err *e)
{
	struct party_row p;
	struct batch b;
	char hash[LOTTERY_HEX_LEN], now[TIME_FMT_LEN];
	int64_t missing = 0;
	size_t n = value ? strlen(value) : 0;
	int rc;

	*drawn = false;
	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.method, "lottery") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "not_lottery", NULL, "选房批次不摇号");
	if (strcmp(b.state, "committed") != 0)
		return state_conflict(&b, "揭示秘密值（各方承诺值提交齐全后揭示）", e);
	if (n < ALLOCATION_VALUE_MIN || n > ALLOCATION_VALUE_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "value",
				 "秘密值应为 %d 到 %d 字节", ALLOCATION_VALUE_MIN,
				 ALLOCATION_VALUE_MAX);
	if ((rc = party_load(db, id, party, &p, e)) != 0)
		return rc;
	if (p.revealed)
		return anju_fail(e, ANJU_ECONFLICT, "already_revealed", "party", "“%s”已揭示秘密值",
				 party);
	lottery_hash_hex(value, n, hash);
	if (!ct_equal(hash, p.hash, 64))
		return anju_fail(e, ANJU_EUNPROCESSABLE, "commitment_mismatch", "value",
				 "“%s”揭示的值与其事先公布的承诺值不符（SM3 不一致），不予接受",
				 party);
	now_text(now);
	rc = run(db,
		 "UPDATE commitment SET value = ?, revealed_at = ?, revealed_by = ?"
		 " WHERE batch_id = ? AND seq = ?",
		 "sssii", e, NULL, value, now, who && who->principal ? who->principal : "system",
		 id, p.seq);
	if (rc == 0)
		rc = query_int(db,
			       "SELECT COUNT(*) FROM commitment WHERE batch_id = ?"
			       " AND revealed_at IS NULL",
			       id, &missing, e);
	if (rc == 0)
		rc = audit_batch(db, who, "allocation.reveal", id,
				 json_pack("{s:s, s:s}", "party", party, "commit_hash", p.hash), e);
	if (rc == 0 && missing == 0) {
		rc = draw(db, who, &b, e);
		*drawn = rc == 0;
	}
	return rc;
}

int
allocation_start_publicity(struct db *db, const struct caller *c, const struct audit_actor *who,
			   int64_t id, struct anju_err *e)
{
	struct batch b;
	char from[DATE_FMT_LEN], until[DATE_FMT_LEN], now[TIME_FMT_LEN];
	struct date today = date_today_shanghai();
	int rc;

	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "drawn") != 0)
		return state_conflict(&b, "公示摇号结果", e);
	date_format(today, from);
	date_format(date_add_days(today, b.publicity_days), until);
	now_text(now);
	rc = run(db,
		 "UPDATE allocation_batch SET state = 'publicity', publicity_from = ?,"
		 " publicity_until = ?, updated_at = ? WHERE id = ? AND state = 'drawn'",
		 "sssi", e, NULL, from, until, now, id);
	if (rc != 0)
		return rc;
	return audit_batch(db, who, "allocation.publicity", id,
			   json_pack("{s:s, s:s, s:s}", "publicity_from", from, "publicity_until",
				     until, "state", "publicity"),
			   e);
}

/* ---- offers and turns ---- */

/* The application's state (into state, cap bytes). */
static int
application_state(struct db *db, int64_t app, char *state, size_t cap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT state FROM application WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, app);
	state[0] = '\0';
	if ((rc = db_step(st)) == DB_ROW)
		snprintf(state, cap, "%s", db_col_text(st, 0));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The next waiting entry of the batch in its order whose application is
 * still on the waitlist; entries whose application left it are skipped.
 * *entry 0 when none. */
static int
next_entry(struct db *db, int64_t batch, int64_t *entry, int64_t *app, int64_t *household,
	   struct anju_err *e)
{
	for (;;) {
		struct db_stmt *st;
		char state[32];
		int rc;

		rc = db_prepare(db,
				"SELECT id, application_id, household_id FROM batch_entry"
				" WHERE batch_id = ? AND state = 'waiting'"
				" ORDER BY draw_rank, position LIMIT 1",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, batch);
		*entry = 0;
		if ((rc = db_step(st)) == DB_ROW) {
			*entry = db_col_int64(st, 0);
			*app = db_col_int64(st, 1);
			*household = db_col_int64(st, 2);
		}
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		if (*entry == 0)
			return 0;
		if ((rc = application_state(db, *app, state, sizeof(state), e)) != 0)
			return rc;
		if (strcmp(state, "approved") == 0)
			return 0;
		if ((rc = run(db, "UPDATE batch_entry SET state = 'skipped' WHERE id = ?", "i", e,
			      NULL, *entry)) != 0)
			return rc;
	}
}

static int
offer_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t offer,
	    json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)offer);
	rc = audit_write(db, who, action, "offer", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
allocation_pass_unit(struct db *db, const struct audit_actor *who, int64_t batch_id, int64_t bu_id,
		     struct anju_err *e)
{
	struct batch b;
	struct db_stmt *st;
	int64_t entry = 0, app = 0, household = 0, unit = 0, offer = 0;
	char today[DATE_FMT_LEN], respond_by[DATE_FMT_LEN], now[TIME_FMT_LEN];
	int rc;

	if ((rc = batch_load(db, NULL, batch_id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "offering") != 0 || strcmp(b.method, "lottery") != 0)
		return allocation_close_if_done(db, who, batch_id, e);
	if ((rc = query_int(db, "SELECT unit_id FROM batch_unit WHERE id = ? AND state = 'open'",
			    bu_id, &unit, e)) != 0)
		return rc;
	if (unit == 0)
		return allocation_close_if_done(db, who, batch_id, e);
	if ((rc = next_entry(db, batch_id, &entry, &app, &household, e)) != 0)
		return rc;
	if (entry == 0)
		return allocation_close_if_done(db, who, batch_id, e);
	today_text(today);
	date_format(date_add_days(date_today_shanghai(), b.offer_response_days), respond_by);
	now_text(now);
	rc = db_prepare(
		db,
		"INSERT INTO offer (batch_id, entry_id, application_id, household_id, unit_id,"
		" community_id, state, offered_at, respond_by, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, 'offered', ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, batch_id);
	db_bind_int64(st, 2, entry);
	db_bind_int64(st, 3, app);
	db_bind_int64(st, 4, household);
	db_bind_int64(st, 5, unit);
	db_bind_int64(st, 6, b.community_id);
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, respond_by);
	db_bind_cstr(st, 9, now);
	if ((rc = db_step(st)) == DB_ROW)
		offer = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return rc == ANJU_ECONFLICT ? anju_fail(e, ANJU_ECONFLICT, "unit_offered", NULL,
							"该房源已有待答复的配租通知")
					    : db_fail(db, rc, e);
	if ((rc = run(db, "UPDATE batch_entry SET state = 'offered' WHERE id = ?", "i", e, NULL,
		      entry)) != 0 ||
	    (rc = run(db, "UPDATE batch_unit SET state = 'offered' WHERE id = ?", "i", e, NULL,
		      bu_id)) != 0)
		return rc;
	return offer_audit(db, who, "offer.create", offer,
			   json_pack("{s:I, s:I, s:I, s:I, s:s, s:s}", "batch_id",
				     (json_int_t)batch_id, "application_id", (json_int_t)app,
				     "household_id", (json_int_t)household, "unit_id",
				     (json_int_t)unit, "respond_by", respond_by, "state",
				     "offered"),
			   e);
}

/* Choice: opens the next household's window, or closes the batch when no
 * household or no unit is left.  Nothing when a turn is running. */
static int
next_turn(struct db *db, const struct audit_actor *who, const struct batch *b, struct anju_err *e)
{
	int64_t running = 0, open = 0, entry = 0, app = 0, household = 0;
	char until[TIME_FMT_LEN];
	int rc;

	if ((rc = query_int(db,
			    "SELECT COUNT(*) FROM batch_entry WHERE batch_id = ?"
			    " AND state = 'offered'",
			    b->id, &running, e)) != 0 ||
	    (rc = query_int(db,
			    "SELECT COUNT(*) FROM batch_unit WHERE batch_id = ? AND state = 'open'",
			    b->id, &open, e)) != 0)
		return rc;
	if (running > 0)
		return 0;
	if (open > 0 && (rc = next_entry(db, b->id, &entry, &app, &household, e)) != 0)
		return rc;
	if (entry == 0)
		return allocation_close_if_done(db, who, b->id, e);
	time_format_utc(time_now_us() + (int64_t)b->choice_window_hours * 3600 * 1000000, until);
	if ((rc = run(db, "UPDATE batch_entry SET state = 'offered', turn_until = ? WHERE id = ?",
		      "si", e, NULL, until, entry)) != 0)
		return rc;
	return audit_batch(db, who, "allocation.turn", b->id,
			   json_pack("{s:I, s:I, s:s}", "household_id", (json_int_t)household,
				     "application_id", (json_int_t)app, "turn_until", until),
			   e);
}

static int
release_units(struct db *db, int64_t batch, struct anju_err *e)
{
	return run(db,
		   "UPDATE batch_unit SET state = 'released', reserved = NULL WHERE batch_id = ?"
		   " AND state IN ('open', 'offered')",
		   "i", e, NULL, batch);
}

int
allocation_close_if_done(struct db *db, const struct audit_actor *who, int64_t batch_id,
			 struct anju_err *e)
{
	int64_t running = 0, open = 0, waiting = 0;
	char now[TIME_FMT_LEN];
	struct batch b;
	const char *why;
	int rc;

	if ((rc = batch_load(db, NULL, batch_id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "offering") != 0)
		return 0;
	if ((rc = query_int(db,
			    "SELECT COUNT(*) FROM batch_entry WHERE batch_id = ?"
			    " AND state = 'offered'",
			    batch_id, &running, e)) != 0 ||
	    (rc = query_int(db,
			    "SELECT COUNT(*) FROM batch_unit WHERE batch_id = ? AND state = 'open'",
			    batch_id, &open, e)) != 0 ||
	    (rc = query_int(db,
			    "SELECT COUNT(*) FROM batch_entry WHERE batch_id = ?"
			    " AND state = 'waiting'",
			    batch_id, &waiting, e)) != 0)
		return rc;
	if (running > 0 || (open > 0 && waiting > 0))
		return 0;
	why = open == 0 ? "房源已全部配出" : "受邀家庭已全部轮过";
	now_text(now);
	if ((rc = release_units(db, batch_id, e)) != 0 ||
	    (rc = run(db,
		      "UPDATE allocation_batch SET state = 'closed', closed_at = ?,"
		      " close_reason = ?, updated_at = ? WHERE id = ?",
		      "sssi", e, NULL, now, why, now, batch_id)) != 0)
		return rc;
	return audit_batch(db, who, "allocation.close", batch_id,
			   json_pack("{s:s, s:s}", "state", "closed", "reason", why), e);
}

int
allocation_open_offers(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t id, struct anju_err *e)
{
	struct batch b;
	struct db_stmt *st;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN];
	int64_t *bus = NULL;
	size_t n = 0;
	int rc;

	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	today_text(today);
	now_text(now);
	if (strcmp(b.method, "choice") == 0) {
		if (strcmp(b.state, "published") != 0)
			return state_conflict(&b, "开始选房", e);
		if ((rc = set_state(db, id, "published", "offering", e)) != 0 ||
		    (rc = run(db, "UPDATE allocation_batch SET offering_at = ? WHERE id = ?", "si",
			      e, NULL, now, id)) != 0 ||
		    (rc = audit_batch(db, who, "allocation.open_offers", id,
				      json_pack("{s:s}", "state", "offering"), e)) != 0)
			return rc;
		snprintf(b.state, sizeof(b.state), "%s", "offering");
		return next_turn(db, who, &b, e);
	}
	if (strcmp(b.state, "publicity") != 0)
		return state_conflict(&b, "发出配租通知（摇号结果须先公示）", e);
	if (strcmp(today, b.publicity_until) < 0)
		return anju_fail(e, ANJU_ECONFLICT, "publicity_running", "state",
				 "摇号结果公示至 %s，公示期满后才能发出配租通知",
				 b.publicity_until);
	if ((rc = set_state(db, id, "publicity", "offering", e)) != 0 ||
	    (rc = run(db, "UPDATE allocation_batch SET offering_at = ? WHERE id = ?", "si", e, NULL,
		      now, id)) != 0 ||
	    (rc = audit_batch(db, who, "allocation.open_offers", id,
			      json_pack("{s:s}", "state", "offering"), e)) != 0)
		return rc;
	/* The units in drawn order, each to the next household of the drawn
	 * order. */
	rc = db_prepare(db,
			"SELECT id FROM batch_unit WHERE batch_id = ? AND state = 'open'"
			" ORDER BY draw_rank",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	bus = xcalloc(ALLOCATION_UNITS_MAX + 1, sizeof(*bus));
	while ((rc = db_step(st)) == DB_ROW && n < ALLOCATION_UNITS_MAX)
		bus[n++] = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0) {
		free(bus);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = allocation_pass_unit(db, who, id, bus[k], e);
	free(bus);
	if (rc == 0)
		rc = allocation_close_if_done(db, who, id, e);
	return rc;
}

int
allocation_application_move(struct db *db, const struct audit_actor *who, int64_t app,
			    const char *from, const char *to, int64_t offer, struct anju_err *e)
{
	char now[TIME_FMT_LEN], oid[24], state[32];
	int64_t n = 0;
	int rc;

	now_text(now);
	rc = run(db,
		 "UPDATE application SET state = ?, state_at = ?, updated_at = ? WHERE id = ?"
		 " AND state = ?",
		 "sssis", e, &n, to, now, now, app, from);
	if (rc != 0)
		return rc;
	if (n != 1) {
		if ((rc = application_state(db, app, state, sizeof(state), e)) != 0)
			return rc;
		if (strcmp(state, "housed") == 0)
			return anju_fail(e, ANJU_ECONFLICT, "lease_signed", NULL,
					 "该家庭已签订租赁合同，不能撤回配租");
		return anju_fail(e, ANJU_ECONFLICT, "application_state", NULL,
				 "该家庭的申请当前为“%s”，不在轮候中", state);
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)app);
	{
		json_t *before = json_pack("{s:s}", "state", from),
		       *after = json_pack("{s:s, s:I}", "state", to, "offer_id", (json_int_t)offer);

		rc = audit_write(db, who,
				 strcmp(to, "allocated") == 0 ? "application.allocate"
							      : "application.unallocate",
				 "application", oid, before, after, e);
		json_decref(before);
		json_decref(after);
	}
	return rc;
}

int
allocation_count_refusal(struct db *db, const struct audit_actor *who, int64_t application_id,
			 const char *outcome, struct anju_err *e)
{
	struct tenancy_policy pol;
	char now[TIME_FMT_LEN], oid[24];
	int64_t refusals = 0;
	json_t *after;
	int rc;

	if ((rc = tenancy_policy_get(db, NULL, &pol, e)) != 0)
		return rc;
	now_text(now);
	if ((rc = run(db,
		      "UPDATE application SET refusals = refusals + 1, updated_at = ? WHERE id = ?",
		      "si", e, NULL, now, application_id)) != 0 ||
	    (rc = query_int(db, "SELECT refusals FROM application WHERE id = ?", application_id,
			    &refusals, e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)application_id);
	if (pol.refusal_limit > 0 && refusals >= pol.refusal_limit) {
		/* The policy's limit reached: to the back of the queue, counting
		 * afresh from there. */
		if ((rc = run(db, "UPDATE application SET queue_at = ?, refusals = 0 WHERE id = ?",
			      "si", e, NULL, now, application_id)) != 0)
			return rc;
		after = json_pack("{s:s, s:I, s:i, s:s, s:i, s:I}", "outcome", outcome, "refusals",
				  (json_int_t)refusals, "refusal_limit", pol.refusal_limit,
				  "queue_at", now, "refusals_now", 0, "policy_version",
				  (json_int_t)pol.version);
		rc = audit_write(db, who, "application.send_to_back", "application", oid, NULL,
				 after, e);
	} else {
		after = json_pack("{s:s, s:I, s:i}", "outcome", outcome, "refusals",
				  (json_int_t)refusals, "refusal_limit", pol.refusal_limit);
		rc = audit_write(db, who, "application.refusal", "application", oid, NULL, after,
				 e);
	}
	json_decref(after);
	return rc;
}

/* The current turn of a choice batch: the entry, its application and
 * household.  ANJU_ECONFLICT ("not_your_turn") when household is not it. */
static int
current_turn(struct db *db, const struct batch *b, int64_t household, int64_t *entry, int64_t *app,
	     struct anju_err *e)
{
	struct db_stmt *st;
	int64_t hh = 0, pos = 0;
	char name[128] = "";
	int rc;

	rc = db_prepare(db,
			"SELECT id, application_id, household_id, position, name_masked"
			" FROM batch_entry WHERE batch_id = ? AND state = 'offered'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, b->id);
	*entry = 0;
	if ((rc = db_step(st)) == DB_ROW) {
		*entry = db_col_int64(st, 0);
		*app = db_col_int64(st, 1);
		hh = db_col_int64(st, 2);
		pos = db_col_int64(st, 3);
		snprintf(name, sizeof(name), "%s", db_col_text(st, 4));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*entry == 0)
		return anju_fail(e, ANJU_ECONFLICT, "no_turn", NULL, "现在没有正在选房的家庭");
	if (hh != household)
		return anju_fail(e, ANJU_ECONFLICT, "not_your_turn", "household_id",
				 "现在轮到第 %lld 位（%s）选房", (long long)pos, name);
	return 0;
}

static int
choice_ready(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	     struct batch *b, struct anju_err *e)
{
	int lapsed = 0, rc;

	if ((rc = batch_load(db, c, id, b, e)) != 0)
		return rc;
	if (strcmp(b->method, "choice") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "not_choice", NULL,
				 "摇号批次按摇号结果发出配租通知，不能选房");
	if ((rc = allocation_sweep(db, who, id, &lapsed, e)) != 0 ||
	    (rc = batch_load(db, c, id, b, e)) != 0)
		return rc;
	if (strcmp(b->state, "offering") != 0)
		return state_conflict(b, "选房", e);
	return 0;
}

int
allocation_choose(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  int64_t household_id, int64_t unit_id, int64_t *offer_id, struct anju_err *e)
{
	struct batch b;
	struct db_stmt *st;
	int64_t entry = 0, app = 0, bu = 0, offer = 0;
	char bu_state[16] = "", number[64] = "", now[TIME_FMT_LEN], today[DATE_FMT_LEN];
	int rc;

	if ((rc = choice_ready(db, c, who, id, &b, e)) != 0 ||
	    (rc = current_turn(db, &b, household_id, &entry, &app, e)) != 0)
		return rc;
	rc = db_prepare(
		db, "SELECT id, state, number FROM batch_unit WHERE batch_id = ? AND unit_id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, unit_id);
	if ((rc = db_step(st)) == DB_ROW) {
		bu = db_col_int64(st, 0);
		snprintf(bu_state, sizeof(bu_state), "%s", db_col_text(st, 1));
		snprintf(number, sizeof(number), "%s", db_col_text(st, 2));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (bu == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "unit_not_in_batch", "unit_id",
				 "这套房源不在本批次中");
	if (strcmp(bu_state, "open") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "unit_taken", "unit_id", "房源 %s 已被选定",
				 number);
	now_text(now);
	today_text(today);
	rc = db_prepare(
		db,
		"INSERT INTO offer (batch_id, entry_id, application_id, household_id, unit_id,"
		" community_id, state, offered_at, respond_by, responded_at, responded_by,"
		" updated_at) VALUES (?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?)"
		" RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, entry);
	db_bind_int64(st, 3, app);
	db_bind_int64(st, 4, household_id);
	db_bind_int64(st, 5, unit_id);
	db_bind_int64(st, 6, b.community_id);
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, today);
	db_bind_cstr(st, 9, now);
	db_bind_cstr(st, 10, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 11, now);
	if ((rc = db_step(st)) == DB_ROW)
		offer = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = unit_transition(db, unit_id, UNIT_VACANT, UNIT_ALLOCATED, "选房选定", who, e)) !=
		    0 ||
	    (rc = allocation_application_move(db, who, app, "approved", "allocated", offer, e)) !=
		    0 ||
	    (rc = run(db, "UPDATE batch_entry SET state = 'accepted' WHERE id = ?", "i", e, NULL,
		      entry)) != 0 ||
	    (rc = run(db, "UPDATE batch_unit SET state = 'taken', reserved = NULL WHERE id = ?",
		      "i", e, NULL, bu)) != 0 ||
	    (rc = offer_audit(db, who, "offer.accept", offer,
			      json_pack("{s:I, s:I, s:I, s:s, s:s}", "batch_id", (json_int_t)id,
					"household_id", (json_int_t)household_id, "unit_id",
					(json_int_t)unit_id, "unit_number", number, "state",
					"accepted"),
			      e)) != 0 ||
	    (rc = audit_batch(db, who, "allocation.choose", id,
			      json_pack("{s:I, s:I, s:I}", "household_id", (json_int_t)household_id,
					"unit_id", (json_int_t)unit_id, "offer_id",
					(json_int_t)offer),
			      e)) != 0)
		return rc;
	if (offer_id != NULL)
		*offer_id = offer;
	return next_turn(db, who, &b, e);
}

/* A choice turn ends without a pick. */
static int
turn_end(struct db *db, const struct audit_actor *who, const struct batch *b, int64_t entry,
	 int64_t app, const char *outcome, const char *reason, struct anju_err *e)
{
	int64_t household = 0;
	int rc;

	if ((rc = run(db, "UPDATE batch_entry SET state = ? WHERE id = ?", "si", e, NULL, outcome,
		      entry)) != 0 ||
	    (rc = query_int(db, "SELECT household_id FROM batch_entry WHERE id = ?", entry,
			    &household, e)) != 0 ||
	    (rc = allocation_count_refusal(db, who, app, outcome, e)) != 0 ||
	    (rc = audit_batch(db, who, "allocation.turn_pass", b->id,
			      json_pack("{s:I, s:s, s:s}", "household_id", (json_int_t)household,
					"outcome", outcome, "reason", reason ? reason : ""),
			      e)) != 0)
		return rc;
	return next_turn(db, who, b, e);
}

int
allocation_turn_pass(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, int64_t household_id, const char *outcome, const char *reason,
		     struct anju_err *e)
{
	struct batch b;
	int64_t entry = 0, app = 0;
	int rc;

	if (outcome == NULL || (strcmp(outcome, "no_show") != 0 && strcmp(outcome, "refused") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "outcome",
				 "结果应为 no_show（未到场）或 refused（放弃选房）");
	if ((rc = choice_ready(db, c, who, id, &b, e)) != 0 ||
	    (rc = current_turn(db, &b, household_id, &entry, &app, e)) != 0)
		return rc;
	return turn_end(db, who, &b, entry, app, outcome, reason, e);
}

int
allocation_close(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		 const char *reason, struct anju_err *e)
{
	struct batch b;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = allocation_bureau_only(c, e)) != 0 || (rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "offering") != 0)
		return state_conflict(&b, "结束配租", e);
	now_text(now);
	/* Open offers and a running turn end with the batch; nobody is
	 * counted as refusing. */
	if ((rc = run(db,
		      "UPDATE offer SET state = 'withdrawn', reason = ?, responded_at = ?,"
		      " updated_at = ? WHERE batch_id = ? AND state = 'offered'",
		      "sssi", e, NULL, "批次结束", now, now, id)) != 0 ||
	    (rc = run(db,
		      "UPDATE batch_entry SET state = 'withdrawn' WHERE batch_id = ?"
		      " AND state = 'offered'",
		      "i", e, NULL, id)) != 0 ||
	    (rc = release_units(db, id, e)) != 0 ||
	    (rc = run(db,
		      "UPDATE allocation_batch SET state = 'closed', closed_at = ?,"
		      " close_reason = ?, updated_at = ? WHERE id = ?",
		      "sssi", e, NULL, now, reason, now, id)) != 0)
		return rc;
	return audit_batch(db, who, "allocation.close", id,
			   json_pack("{s:s, s:s}", "state", "closed", "reason", reason), e);
}

int
allocation_cancel(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  const char *reason, struct anju_err *e)
{
	struct batch b;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = batch_load(db, c, id, &b, e)) != 0)
		return rc;
	if (strcmp(b.state, "draft") != 0 && (rc = allocation_bureau_only(c, e)) != 0)
		return rc;
	if (strcmp(b.state, "draft") != 0 && strcmp(b.state, "published") != 0 &&
	    strcmp(b.state, "committed") != 0)
		return state_conflict(&b, "取消（摇号后不能取消）", e);
	now_text(now);
	if ((rc = run(
		     db,
		     "UPDATE batch_unit SET state = 'released', reserved = NULL WHERE batch_id = ?",
		     "i", e, NULL, id)) != 0 ||
	    (rc = run(db,
		      "UPDATE batch_entry SET state = 'withdrawn' WHERE batch_id = ?"
		      " AND state = 'waiting'",
		      "i", e, NULL, id)) != 0 ||
	    (rc = run(db,
		      "UPDATE allocation_batch SET state = 'cancelled', closed_at = ?,"
		      " close_reason = ?, updated_at = ? WHERE id = ?",
		      "sssi", e, NULL, now, reason, now, id)) != 0)
		return rc;
	return audit_batch(db, who, "allocation.cancel", id,
			   json_pack("{s:s, s:s, s:s}", "state", "cancelled", "from", b.state,
				     "reason", reason),
			   e);
}

/* ---- lapses ---- */

int
allocation_sweep(struct db *db, const struct audit_actor *who, int64_t batch_id, int *n,
		 struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN];
	int64_t ids[64], batches[64];
	size_t k, got;
	int rc;

	*n = 0;
	today_text(today);
	now_text(now);
	/* Offers past their last day: a no-show each.  In rounds of 64, so no
	 * statement is open while the offers change. */
	do {
		rc = db_prepare(
			db,
			"SELECT o.id FROM offer o JOIN allocation_batch b ON b.id = o.batch_id"
			" WHERE o.state = 'offered' AND o.respond_by < ?"
			" AND (? = 0 OR o.batch_id = ?) AND b.state = 'offering'"
			" ORDER BY o.id LIMIT 64",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, today);
		db_bind_int64(st, 2, batch_id);
		db_bind_int64(st, 3, batch_id);
		got = 0;
		while ((rc = db_step(st)) == DB_ROW)
			ids[got++] = db_col_int64(st, 0);
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		for (k = 0; k < got; k++) {
			if ((rc = offer_decline(db, NULL, who, ids[k], "no_show",
						"逾期未答复配租通知", e)) != 0)
				return rc;
			(*n)++;
		}
	} while (got == 64);
	/* Choice windows that ended. */
	do {
		rc = db_prepare(db,
				"SELECT be.id, be.batch_id, be.application_id FROM batch_entry be"
				" JOIN allocation_batch b ON b.id = be.batch_id"
				" WHERE b.method = 'choice' AND b.state = 'offering'"
				" AND be.state = 'offered' AND be.turn_until < ?"
				" AND (? = 0 OR be.batch_id = ?) ORDER BY be.id LIMIT 32",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, now);
		db_bind_int64(st, 2, batch_id);
		db_bind_int64(st, 3, batch_id);
		got = 0;
		while ((rc = db_step(st)) == DB_ROW && got < 32) {
			ids[got] = db_col_int64(st, 0);
			batches[got] = db_col_int64(st, 1);
			ids[32 + got++] = db_col_int64(st, 2);
		}
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		for (k = 0; k < got; k++) {
			struct batch b;

			if ((rc = batch_load(db, NULL, batches[k], &b, e)) != 0 ||
			    (rc = turn_end(db, who, &b, ids[k], ids[32 + k], "no_show",
					   "选房时限已过", e)) != 0)
				return rc;
			(*n)++;
		}
	} while (got == 32);
	return 0;
}

/* ---- the public record ---- */

int
allocation_draw_record(struct db *db, const struct caller *c, int64_t id, json_t **out,
		       struct anju_err *e)
{
	struct db_stmt *st;
	json_t *o = NULL, *parties = NULL, *list = NULL, *result = NULL, *matches;
	int rc;

	rc = db_prepare(db,
			"SELECT b.id, b.title, b.method, b.state, b.list_text, b.list_hash, b.seed,"
			" b.result_text, b.drawn_at, b.published_at FROM allocation_batch b"
			" WHERE b.id = ? AND b.method = 'lottery' AND b.list_text IS NOT NULL"
			" AND b.state <> 'cancelled' AND " SCOPE_SQL("b.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	allocation_scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		list = json_loads(db_col_text(st, 4), 0, NULL);
		result = db_col_null(st, 7) ? NULL : json_loads(db_col_text(st, 7), 0, NULL);
		o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
			      "algorithm", ALGORITHM, "batch_id", (json_int_t)db_col_int64(st, 0),
			      "title", db_col_text(st, 1), "method", db_col_text(st, 2), "state",
			      db_col_text(st, 3), "list_text", db_col_text(st, 4), "list_hash",
			      db_col_text(st, 5), "seed", text_or_null(st, 6), "drawn_at",
			      text_or_null(st, 8), "published_at", text_or_null(st, 9), "community",
			      ref_or_null(json_object_get(list, "community")));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "allocation_not_found", NULL,
				 "没有这次摇号的公开记录");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	rc = db_prepare(db,
			"SELECT seq, party, commit_hash, committed_at, value, revealed_at"
			" FROM commitment WHERE batch_id = ? ORDER BY seq",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, id);
	if ((rc = collect(db, st, commitment_row, &parties, e)) != 0)
		goto out;
	/* Values become public with the draw, all at once. */
	if (result == NULL) {
		json_t *x;
		size_t i;

		json_array_foreach (parties, i, x)
			json_object_set_new(x, "value", json_null());
	}
	json_object_set_new(o, "parties", parties);
	json_object_set_new(o, "order",
			    ref_or_null(result ? json_object_get(result, "order") : NULL));
	json_object_set_new(o, "unit_order",
			    ref_or_null(result ? json_object_get(result, "unit_order") : NULL));
	/* The households offered first: drawn rank k with the k-th unit of the
	 * drawn unit order. */
	matches = json_array();
	if (result != NULL) {
		json_t *order = json_object_get(result, "order"),
		       *uorder = json_object_get(result, "unit_order"),
		       *entries = json_object_get(list, "entries"),
		       *units = json_object_get(list, "units");
		size_t k, K = json_array_size(order) < json_array_size(uorder)
				      ? json_array_size(order)
				      : json_array_size(uorder);

		for (k = 0; k < K; k++) {
			json_int_t p = json_integer_value(json_array_get(order, k)),
				   u = json_integer_value(json_array_get(uorder, k));
			json_t *en = json_array_get(entries, (size_t)p - 1),
			       *un = json_array_get(units, (size_t)u - 1);

			json_array_append_new(
				matches, json_pack("{s:I, s:I, s:O, s:O, s:I, s:O, s:O}", "rank",
						   (json_int_t)k + 1, "position", p, "household_id",
						   json_object_get(en, "household_id"), "name",
						   json_object_get(en, "name"), "unit_position", u,
						   "unit_id", json_object_get(un, "unit_id"),
						   "number", json_object_get(un, "number")));
		}
	}
	json_object_set_new(o, "matches", matches);
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	json_decref(list);
	json_decref(result);
	return rc;
}

/* ---- the daily job ---- */

static const struct field lapse_params[] = { { NULL } };

/* Offers and choice windows that ran out, each a no-show (the batches'
 * own actions apply them too, so this only catches batches nobody touched). */
static int
lapse_run(struct job_ctx *ctx, struct anju_err *e)
{
	struct audit_actor who;
	int n = 0, rc;

	audit_actor_of(&who, caller_system(), NULL, NULL);
	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = allocation_sweep(job_db(ctx), &who, 0, &n, e)) != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	job_set_result(ctx, json_pack("{s:i}", "lapsed", n));
	return job_chunk_end(ctx, 1, 1, "done", "已处理逾期的配租通知与选房", e);
}

const struct job_kind job_kind_allocation_lapse = { "allocation_lapse",
						    "处理逾期未答复的配租通知与选房", lapse_params,
						    lapse_run };
