/*
 * The bureau's reports on the housing's use (upkeep part D, issue 8 §4):
 * vacant units, vacated units, unit changes and household changes, as JSON
 * pages and as xlsx workbooks.  See report.h and docs/upkeep-reports.md.
 *
 * Each report reads an index range, never a whole table:
 *   vacant units     unit_status_since (status, status_since, id) walked
 *                    from the longest vacant, or unit_community_status for
 *                    one community; the count per community by the latter
 *   vacated units    handover_done (kind, state, done_on): the move-outs
 *                    done in the period
 *   unit and household changes
 *                    audit_log_action_at (action, at): the period's rows of
 *                    the few actions that record such changes
 * (sql/028_upkeep_report.sql).  The reason a unit is vacant is its newest
 * "unit.status" audit row's, found by audit_log_object for each unit on
 * the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "access/scope.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/idnum.h"
#include "housing/housing.h"
#include "store/db.h"
#include "transfer/xlsx.h"
#include "upkeep/patrol.h"
#include "upkeep/report.h"
#include "upkeep/violation.h"
#include "upkeep/work_order.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX     1000
#define NAME_MAX_B    256
#define TEXT_MAX_B    512

const char *
upkeep_report_name(enum upkeep_report_kind k)
{
	static const char *const names[UPKEEP_REPORT_KIND_COUNT] = {
		"vacant-units", "vacated-units", "unit-changes", "household-changes", "monthly-use",
	};

	return (unsigned)k < UPKEEP_REPORT_KIND_COUNT ? names[k] : NULL;
}

/* A query made whole: the period's dates and its instants. */
struct period_q {
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN], today[DATE_FMT_LEN];
	char at_from[TIME_FMT_LEN], at_to[TIME_FMT_LEN]; /* [from 00:00, to + 1 00:00) Shanghai */
};

static int
date_arg(const char *s, const char *field, struct date *d, struct anju_err *e)
{
	if (date_parse(str_c(s), d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", field, "日期应为 YYYY-MM-DD 格式");
	return 0;
}

/* The period of q, by default this month up to today. */
static int
period_of_query(const struct upkeep_report_query *q, struct period_q *p, struct anju_err *e)
{
	struct date today = date_today_shanghai(), from, to;
	int rc;

	date_format(today, p->today);
	from = period_first_day(period_of(today));
	to = today;
	if (q->from[0] && (rc = date_arg(q->from, "from", &from, e)) != 0)
		return rc;
	if (q->to[0] && (rc = date_arg(q->to, "to", &to, e)) != 0)
		return rc;
	if (date_cmp(from, to) > 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "to",
				 "结束日期不能早于开始日期");
	if (date_to_days(to) - date_to_days(from) >= UPKEEP_REPORT_DAYS_MAX)
		return anju_fail(e, ANJU_EINVAL, "period_too_long", "to",
				 "统计期间最长 %d 天，请缩短", UPKEEP_REPORT_DAYS_MAX);
	date_format(from, p->from);
	date_format(to, p->to);
	time_format_utc(shanghai_to_utc_us(from, 0, 0), p->at_from);
	time_format_utc(shanghai_to_utc_us(date_add_days(to, 1), 0, 0), p->at_to);
	return 0;
}

static int
limit_of(const struct upkeep_report_query *q)
{
	if (q->limit <= 0)
		return UPKEEP_REPORT_XLSX_MAX + 1; /* one more tells the workbook it is too big */
	return q->limit > LIMIT_MAX ? LIMIT_MAX : q->limit;
}

/* The id cursor of the reports paged newest first: 0 for the first page. */
static int
id_cursor(const struct upkeep_report_query *q, int64_t *id, struct anju_err *e)
{
	*id = 0;
	if (q->cursor[0] && str_to_int64(str_c(q->cursor), 1, INT64_MAX, id) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_cursor", "cursor", "cursor 无效");
	return 0;
}

static int
community_ok(struct db *db, const struct caller *c, int64_t id, struct anju_err *e)
{
	return id > 0 ? housing_community_visible(db, c, id, e) : 0;
}

static json_t *
opt_id(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static json_t *
opt_text(const char *s)
{
	return s != NULL && s[0] ? json_string(s) : json_null();
}

/* A person's name masked as the reports show it (张**); null for none. */
static json_t *
masked_name(const char *name)
{
	char out[NAME_MAX_B];

	if (name == NULL || name[0] == '\0')
		return json_null();
	mask_middle(name, 1, 0, out, sizeof(out));
	return json_string(out);
}

static const char *
status_title(const char *name)
{
	enum unit_status s;

	if (name == NULL || unit_status_parse(name, &s) != 0)
		return name;
	return unit_status_title(s);
}

/* Days from the civil date a to b. */
static int64_t
days_from(const char *a, const char *b)
{
	struct date da, db_;

	if (a == NULL || date_parse(str_c(a), &da) != 0 || date_parse(str_c(b), &db_) != 0)
		return 0;
	return date_to_days(db_) - date_to_days(da);
}

/* The page's cursor: NULL on the last page. */
static json_t *
next_of(bool more, const char *cursor)
{
	return more ? json_string(cursor) : json_null();
}

/* Ends a page of rows keyed by id: rc the last db_step's code (a storage
 * error is the page's), out gets the items and the next cursor (the last
 * id; null on the last page). */
static int
page_end(struct db *db, int rc, int64_t last, bool more, json_t *items, json_t *out,
	 struct anju_err *e)
{
	char cur[24];

	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	snprintf(cur, sizeof(cur), "%lld", (long long)last);
	json_object_set(out, "items", items);
	json_object_set_new(out, "next", next_of(more, cur));
	return 0;
}

/*
 * Vacant units.
 */

/* The reason and the former status of unit id's newest status change (the
 * one that made it vacant), into the item. */
static int
vacant_reason(struct db *db, int64_t id, json_t *it, struct anju_err *e)
{
	struct db_stmt *st;
	char oid[24];
	json_t *b = NULL, *a = NULL;
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = db_prepare(db,
			"SELECT before_json, after_json FROM audit_log WHERE object_type = 'unit'"
			" AND object_id = ? AND action = 'unit.status' ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, oid);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (!db_col_null(st, 0))
			b = json_loads(db_col_text(st, 0), 0, NULL);
		if (!db_col_null(st, 1))
			a = json_loads(db_col_text(st, 1), 0, NULL);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	json_object_set_new(it, "reason",
			    opt_text(json_string_value(json_object_get(a, "reason"))));
	json_object_set_new(it, "from_status",
			    opt_text(json_string_value(json_object_get(b, "status"))));
	json_object_set_new(
		it, "from_status_title",
		opt_text(status_title(json_string_value(json_object_get(b, "status")))));
	json_decref(a);
	json_decref(b);
	return 0;
}

#define VACANT_COLS                                                                                \
	"SELECT u.id, u.number, u.community_id, c.name, b.name, u.layout, u.floor_area,"           \
	" u.status_since FROM unit u JOIN community c ON c.id = u.community_id"                    \
	" JOIN building b ON b.id = u.building_id WHERE u.status = 'vacant'"
/* Longest vacant first; the page after (status_since, id). */
#define VACANT_AFTER                                                                               \
	" AND u.status_since >= CAST(? AS TEXT) AND (u.status_since > CAST(? AS TEXT)"             \
	" OR u.id > ?) AND " SCOPE_SQL("u.community_id") " ORDER BY u.status_since, u.id LIMIT ?"

/* Vacant units' cursor: "<status_since>,<id>". */
static int
vacant_cursor(const struct upkeep_report_query *q, char since[TIME_FMT_LEN], int64_t *id,
	      struct anju_err *e)
{
	const char *comma = strchr(q->cursor, ',');
	int64_t us;

	since[0] = '\0';
	*id = 0;
	if (q->cursor[0] == '\0')
		return 0;
	if (comma == NULL || (size_t)(comma - q->cursor) >= TIME_FMT_LEN ||
	    time_parse_utc((struct str){ q->cursor, (size_t)(comma - q->cursor) }, &us) != 0 ||
	    str_to_int64(str_c(comma + 1), 1, INT64_MAX, id) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_cursor", "cursor", "cursor 无效");
	time_format_utc(us, since);
	return 0;
}

static int
vacant_counts(struct db *db, const struct caller *c, int64_t community, json_t *out,
	      struct anju_err *e)
{
	struct db_stmt *st;
	json_t *rows = json_array();
	int64_t total = 0;
	int rc;

	rc = db_prepare(
		db,
		"SELECT c.id, c.name, (SELECT COUNT(*) FROM unit u WHERE u.community_id = c.id"
		" AND u.status = 'vacant') FROM community c WHERE (? = 0 OR c.id = ?) "
		"AND " SCOPE_SQL("c.id") " ORDER BY c.id",
		&st);
	if (rc != 0) {
		json_decref(rows);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, community);
	scope_bind(st, 3, c);
	while ((rc = db_step(st)) == DB_ROW) {
		total += db_col_int64(st, 2);
		json_array_append_new(rows, json_pack("{s:I, s:s, s:I}", "community_id",
						      (json_int_t)db_col_int64(st, 0),
						      "community_name", db_col_text(st, 1),
						      "vacant", (json_int_t)db_col_int64(st, 2)));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(rows);
		return db_fail(db, rc, e);
	}
	json_object_set_new(out, "by_community", rows);
	json_object_set_new(out, "total", json_integer(total));
	return 0;
}

static int
vacant_units(struct db *db, const struct caller *c, const struct upkeep_report_query *q,
	     json_t *out, struct anju_err *e)
{
	static const char one[] = VACANT_COLS " AND u.community_id = ?" VACANT_AFTER;
	static const char all[] = VACANT_COLS VACANT_AFTER;
	char since[TIME_FMT_LEN], today[DATE_FMT_LEN], day[DATE_FMT_LEN], cur[TIME_FMT_LEN + 24];
	struct db_stmt *st;
	json_t *items = json_array();
	int64_t after = 0, us;
	int limit = limit_of(q), n = 0, rc, i = 1;
	bool more = false;

	date_format(date_today_shanghai(), today);
	if ((rc = vacant_cursor(q, since, &after, e)) != 0)
		goto out;
	if (q->limit > 0 && (rc = vacant_counts(db, c, q->community_id, out, e)) != 0)
		goto out;
	if ((rc = db_prepare(db, q->community_id > 0 ? one : all, &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (q->community_id > 0)
		db_bind_int64(st, i++, q->community_id);
	db_bind_cstr(st, i++, since);
	db_bind_cstr(st, i++, since);
	db_bind_int64(st, i++, after);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *at = db_col_text(st, 7);
		json_t *it;

		if (n == limit) {
			more = true;
			break;
		}
		day[0] = '\0';
		if (time_parse_utc(str_c(at), &us) == 0)
			date_format(date_in_shanghai(us), day);
		it = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:o, s:I}", "unit_id",
			       (json_int_t)db_col_int64(st, 0), "unit_number", db_col_text(st, 1),
			       "community_id", (json_int_t)db_col_int64(st, 2), "community_name",
			       db_col_text(st, 3), "building_name", db_col_text(st, 4), "layout",
			       db_col_text(st, 5), "floor_area", (json_int_t)db_col_int64(st, 6),
			       "vacant_since", at, "vacant_on", opt_text(day), "days_vacant",
			       (json_int_t)(day[0] ? days_from(day, today) : 0));
		json_array_append_new(items, it);
		snprintf(cur, sizeof(cur), "%s,%lld", at, (long long)db_col_int64(st, 0));
		n++;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	/* The reasons after the walk: one indexed look-up per unit shown. */
	for (size_t k = 0; k < json_array_size(items) && rc == 0; k++) {
		json_t *it = json_array_get(items, k);

		rc = vacant_reason(db, json_integer_value(json_object_get(it, "unit_id")), it, e);
	}
	if (rc != 0)
		goto out;
	json_object_set_new(out, "as_of", json_string(today));
	json_object_set(out, "items", items);
	json_object_set_new(out, "next", next_of(more, cur));
out:
	json_decref(items);
	return rc;
}

/*
 * Vacated units.
 */

static const char *
basis_title(const char *b)
{
	if (b == NULL)
		return NULL;
	if (strcmp(b, "recheck") == 0)
		return "复核不再符合条件";
	if (strcmp(b, "violation") == 0)
		return "违规";
	if (strcmp(b, "arrears") == 0)
		return "欠缴租金";
	return b;
}

static int
vacated_units(struct db *db, const struct caller *c, const struct upkeep_report_query *q,
	      const struct period_q *p, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items = json_array();
	int64_t before = 0, last = 0;
	int limit = limit_of(q), n = 0, rc, i;
	bool more = false;

	if ((rc = id_cursor(q, &before, e)) != 0)
		goto out;
	rc = db_prepare(
		db,
		"SELECT h.id, h.unit_id, u.number, h.community_id, c.name, h.household_id,"
		" h.done_on, l.end_reason, v.id, v.basis, v.reason, u.status,"
		" (SELECT p.name FROM member m JOIN person p ON p.id = m.person_id"
		" WHERE m.household_id = h.household_id AND m.relationship = 'head'"
		" ORDER BY m.id DESC LIMIT 1)"
		" FROM handover h JOIN unit u ON u.id = h.unit_id"
		" JOIN community c ON c.id = h.community_id JOIN lease l ON l.id = h.lease_id"
		" LEFT JOIN eviction v ON v.unit_id = h.unit_id AND v.handover_id = h.id"
		" WHERE h.kind = 'move_out' AND h.state = 'done' AND h.done_on >= CAST(? AS TEXT)"
		" AND h.done_on <= CAST(? AS TEXT) AND (? = 0 OR h.community_id = ?)"
		" AND (? = 0 OR h.id < ?) AND " SCOPE_SQL(
			"h.community_id") " ORDER BY h.id DESC LIMIT ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, p->from);
	db_bind_cstr(st, 2, p->to);
	db_bind_int64(st, 3, q->community_id);
	db_bind_int64(st, 4, q->community_id);
	db_bind_int64(st, 5, before);
	db_bind_int64(st, 6, before);
	i = scope_bind(st, 7, c);
	db_bind_int64(st, i, limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *done_on = db_col_text(st, 6), *status = db_col_text(st, 11);
		bool evicted = !db_col_null(st, 8), empty;
		char reason[TEXT_MAX_B];
		json_t *it;

		if (n == limit) {
			more = true;
			break;
		}
		if (evicted)
			snprintf(reason, sizeof(reason), "清退（%s）：%s",
				 basis_title(db_col_text(st, 9)), db_col_text(st, 10));
		else
			snprintf(reason, sizeof(reason), "%s",
				 db_col_null(st, 7) ? "退房" : db_col_text(st, 7));
		/* Still empty since the move-out: vacant or being repaired. */
		empty = strcmp(status, "vacant") == 0 || strcmp(status, "under_repair") == 0;
		it = json_pack("{s:I, s:I, s:s, s:I, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:s, s:s}",
			       "handover_id", (json_int_t)db_col_int64(st, 0), "unit_id",
			       (json_int_t)db_col_int64(st, 1), "unit_number", db_col_text(st, 2),
			       "community_id", (json_int_t)db_col_int64(st, 3), "community_name",
			       db_col_text(st, 4), "household_id", (json_int_t)db_col_int64(st, 5),
			       "head_name", masked_name(db_col_text(st, 12)), "vacated_on", done_on,
			       "cause", evicted ? "eviction" : "move_out", "eviction_id",
			       opt_id(db_col_int64(st, 8)), "reason", reason, "status", status,
			       "status_title", status_title(status));
		json_object_set_new(it, "days_vacant",
				    empty ? json_integer(days_from(done_on, p->today))
					  : json_null());
		json_array_append_new(items, it);
		last = db_col_int64(st, 0);
		n++;
	}
	db_reset(st);
	rc = page_end(db, rc, last, more, items, out, e);
out:
	json_decref(items);
	return rc;
}

/*
 * Changes read from the audit trail.
 */

/* What one audit row says, rendered for people. */
struct change {
	const char *kind;
	char before[TEXT_MAX_B], after[TEXT_MAX_B], note[TEXT_MAX_B];
	json_t *person; /* masked name, or null */
};

static const char *
field_title(const char *k)
{
	static const char *const t[][2] = {
		{ "number", "房号" },         { "layout", "户型" },
		{ "floor_area", "建筑面积" }, { "usable_area", "使用面积" },
		{ "orientation", "朝向" },    { "floor", "楼层" },
		{ "entrance", "单元" },       { "name", "姓名" },
		{ "phone", "电话" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i][0], k) == 0)
			return t[i][1];
	return k;
}

/* "建筑面积 50.00；户型 一室一厅" from an object of changed fields.  Names are
 * masked; phones and ID numbers are kept in the trail masked already. */
static void
fields_text(json_t *o, char *out, size_t cap)
{
	struct buf b;
	const char *k;
	json_t *v;

	buf_init(&b, TEXT_MAX_B * 4);
	out[0] = '\0';
	json_object_foreach (o, k, v) {
		char val[NAME_MAX_B];

		if (json_is_string(v) && strcmp(k, "name") == 0)
			mask_middle(json_string_value(v), 1, 0, val, sizeof(val));
		else if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v) && strstr(k, "area") != NULL)
			snprintf(val, sizeof(val), "%lld.%02lld",
				 (long long)(json_integer_value(v) / 100),
				 (long long)(llabs(json_integer_value(v)) % 100));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else
			snprintf(val, sizeof(val), "—");
		if (b.n > 0)
			buf_adds(&b, "；");
		buf_printf(&b, "%s %s", field_title(k), val);
	}
	if (b.n > 0)
		snprintf(out, cap, "%s", b.p);
	buf_free(&b);
}

static const char *
relationship_title(const char *r)
{
	static const char *const t[][2] = {
		{ "head", "户主" },   { "spouse", "配偶" },      { "child", "子女" },
		{ "parent", "父母" }, { "sibling", "兄弟姐妹" }, { "other", "其他" },
	};

	for (size_t i = 0; r != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i][0], r) == 0)
			return t[i][1];
	return r ? r : "";
}

static void
unit_change(const char *action, json_t *b, json_t *a, struct change *ch)
{
	const char *from = json_string_value(json_object_get(b, "status"));
	const char *to = json_string_value(json_object_get(a, "status"));
	const char *s, *state = json_string_value(json_object_get(b, "state"));

	if (strcmp(action, "unit.update") == 0) {
		ch->kind = "update";
		fields_text(b, ch->before, sizeof(ch->before));
		fields_text(a, ch->after, sizeof(ch->after));
		return;
	}
	if (strncmp(action, "acceptance.", 11) == 0) {
		ch->kind = "acceptance";
		snprintf(ch->before, sizeof(ch->before), "%s",
			 state && strcmp(state, "signed") == 0 ? "分户核验已签署" : "分户核验");
		snprintf(ch->after, sizeof(ch->after), "%s",
			 strcmp(action, "acceptance.confirm") == 0 ? "核验通过（已确认）"
								   : "核验退回");
		if ((s = json_string_value(json_object_get(a, "note"))) != NULL)
			snprintf(ch->note, sizeof(ch->note), "%s", s);
		return;
	}
	if (to != NULL && strcmp(to, "under_repair") == 0)
		ch->kind = "repair";
	else if (from != NULL && strcmp(from, "under_repair") == 0)
		ch->kind = "repair_done";
	else if (to != NULL && strcmp(to, "disabled") == 0)
		ch->kind = "disable";
	else if (from != NULL && strcmp(from, "disabled") == 0)
		ch->kind = "enable";
	else
		ch->kind = "status";
	snprintf(ch->before, sizeof(ch->before), "%s", from ? status_title(from) : "");
	snprintf(ch->after, sizeof(ch->after), "%s", to ? status_title(to) : "");
	if ((s = json_string_value(json_object_get(a, "reason"))) != NULL)
		snprintf(ch->note, sizeof(ch->note), "%s", s);
}

/* A person's name by id, masked. */
static int
person_name(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = json_null();
	if (id <= 0)
		return 0;
	if ((rc = db_prepare(db, "SELECT name FROM person WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		json_decref(*out);
		*out = masked_name(db_col_text(st, 0));
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
household_change(struct db *db, const char *action, json_t *b, json_t *a, struct change *ch,
		 struct anju_err *e)
{
	const char *s;
	json_t *who;
	int rc;

	if (strcmp(action, "member.add") == 0 || strcmp(action, "member.leave") == 0) {
		bool in = strcmp(action, "member.add") == 0;
		char *side = in ? ch->after : ch->before;
		char name[NAME_MAX_B];

		ch->kind = in ? "member_in" : "member_out";
		s = json_string_value(json_object_get(a, "name"));
		mask_middle(s ? s : "", 1, 0, name, sizeof(name));
		ch->person = masked_name(s);
		s = json_string_value(json_object_get(a, "id_number"));
		snprintf(side, TEXT_MAX_B, "%s（%s）%s%s", name,
			 relationship_title(json_string_value(json_object_get(a, "relationship"))),
			 s ? " " : "", s ? s : "");
		snprintf(ch->note, sizeof(ch->note), "%s", in ? "迁入" : "迁出");
		return 0;
	}
	if (strcmp(action, "household.update") == 0) {
		ch->kind = "head_change";
		if ((rc = person_name(db, json_integer_value(json_object_get(b, "head_person_id")),
				      &who, e)) != 0)
			return rc;
		snprintf(ch->before, sizeof(ch->before), "户主 %s",
			 json_is_string(who) ? json_string_value(who) : "—");
		json_decref(who);
		ch->person = masked_name(json_string_value(json_object_get(a, "head_name")));
		snprintf(ch->after, sizeof(ch->after), "户主 %s",
			 json_is_string(ch->person) ? json_string_value(ch->person) : "—");
		s = json_string_value(json_object_get(a, "former_head_relationship"));
		if (s != NULL)
			snprintf(ch->note, sizeof(ch->note), "原户主改为%s", relationship_title(s));
		return 0;
	}
	ch->kind = "contact_change"; /* person.update */
	fields_text(b, ch->before, sizeof(ch->before));
	fields_text(a, ch->after, sizeof(ch->after));
	return 0;
}

#define CHANGE_COLS                                                                                \
	"SELECT a.id, a.at, a.actor_name, a.actor_role, a.action, a.before_json, a.after_json,"
#define CHANGE_PAGE                                                                                \
	" AND a.at >= CAST(? AS TEXT) AND a.at < CAST(? AS TEXT) AND (? = 0 OR x.community_id = "  \
	"?)"                                                                                       \
	" AND (? = 0 OR a.id < ?) AND " SCOPE_SQL("x.community_id") " ORDER BY a.id DESC LIMIT ?"

static const char unit_sql[] = CHANGE_COLS
	" x.id, x.number, x.community_id, c.name FROM audit_log a"
	" JOIN unit x ON x.id = CASE WHEN a.object_type = 'unit'"
	" THEN CAST(a.object_id AS BIGINT) ELSE (SELECT k.unit_id FROM acceptance_check k"
	" WHERE k.id = CAST(a.object_id AS BIGINT)) END"
	" JOIN community c ON c.id = x.community_id"
	" WHERE a.action IN ('unit.status', 'unit.update', 'acceptance.confirm',"
	" 'acceptance.return')" CHANGE_PAGE;

/* Household changes: members in and out, the head's change (a
 * "household.update" naming the head), and a member's name or phone
 * changed, on the household the person belonged to then. */
static const char household_sql[] =
	CHANGE_COLS " x.id, '', x.community_id, c.name FROM audit_log a"
		    " JOIN household x ON x.id = CASE WHEN a.object_type = 'household'"
		    " THEN CAST(a.object_id AS BIGINT) ELSE (SELECT m.household_id FROM member m"
		    " WHERE m.person_id = CAST(a.object_id AS BIGINT) AND m.joined_at <= a.at"
		    " ORDER BY m.joined_at DESC LIMIT 1) END"
		    " JOIN community c ON c.id = x.community_id"
		    " WHERE a.action IN ('member.add', 'member.leave', 'household.update',"
		    " 'person.update') AND (a.action <> 'household.update'"
		    " OR a.after_json LIKE '%\"head_member_id\"%')" CHANGE_PAGE;

static int
changes(struct db *db, const struct caller *c, bool units, const struct upkeep_report_query *q,
	const struct period_q *p, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items = json_array();
	int64_t before = 0, last = 0;
	int limit = limit_of(q), n = 0, rc, i;
	bool more = false;

	if ((rc = id_cursor(q, &before, e)) != 0)
		goto out;
	if ((rc = db_prepare(db, units ? unit_sql : household_sql, &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, p->at_from);
	db_bind_cstr(st, 2, p->at_to);
	db_bind_int64(st, 3, q->community_id);
	db_bind_int64(st, 4, q->community_id);
	db_bind_int64(st, 5, before);
	db_bind_int64(st, 6, before);
	i = scope_bind(st, 7, c);
	db_bind_int64(st, i, limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *action = db_col_text(st, 4);
		json_t *b = db_col_null(st, 5) ? NULL : json_loads(db_col_text(st, 5), 0, NULL);
		json_t *a = db_col_null(st, 6) ? NULL : json_loads(db_col_text(st, 6), 0, NULL);
		struct change ch = { .person = NULL };
		json_t *it;

		if (n == limit) {
			json_decref(a);
			json_decref(b);
			more = true;
			break;
		}
		rc = 0;
		if (units)
			unit_change(action, b, a, &ch);
		else
			rc = household_change(db, action, b, a, &ch, e);
		json_decref(a);
		json_decref(b);
		if (rc != 0) {
			json_decref(ch.person);
			db_reset(st);
			goto out;
		}
		it = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "id",
			       (json_int_t)db_col_int64(st, 0), "at", db_col_text(st, 1),
			       "actor_name", opt_text(db_col_text(st, 2)), "actor_role",
			       opt_text(db_col_text(st, 3)), "kind", ch.kind, "action", action,
			       "community_id", (json_int_t)db_col_int64(st, 9), "community_name",
			       db_col_text(st, 10), "before", opt_text(ch.before), "after",
			       opt_text(ch.after), "note", opt_text(ch.note));
		if (units) {
			json_object_set_new(it, "unit_id", json_integer(db_col_int64(st, 7)));
			json_object_set_new(it, "unit_number", json_string(db_col_text(st, 8)));
		} else {
			json_object_set_new(it, "household_id", json_integer(db_col_int64(st, 7)));
			json_object_set_new(it, "person_name", ch.person ? ch.person : json_null());
		}
		json_array_append_new(items, it);
		last = db_col_int64(st, 0);
		n++;
	}
	db_reset(st);
	rc = page_end(db, rc, last, more, items, out, e);
out:
	json_decref(items);
	return rc;
}

/*
 * The monthly use report (月度使用情况): per community in scope, the
 * month's patrol rounds (those due in it) with their points and findings,
 * the violation cases, renovation requests and work orders opened in it
 * by their states now, and the work orders overdue now.  Six GROUP BY
 * community counts over the month's index ranges (patrol_round_due,
 * violation_case_reported, renovation_request_requested,
 * work_order_reported; sql/029_upkeep_use.sql) and the overdue count per
 * community by work_order_board's open states, never a table.
 */

/* What a count query adds to its community's item. */
enum use_part {
	USE_ROUNDS,      /* community, state, n */
	USE_POINTS,      /* community, points, checked */
	USE_FINDINGS,    /* community, severity, n */
	USE_VIOLATIONS,  /* community, type, state, n */
	USE_RENOVATIONS, /* community, state, n */
	USE_WORK_ORDERS, /* community, state, n */
	USE_OVERDUE,     /* community, n */
};

#define USE_WHERE                                                                                  \
	" AND (? = 0 OR x.community_id = ?) AND " SCOPE_SQL(                                       \
		"x.community_id") " GROUP BY x.community_id"
#define USE_AT_RANGE(col) " x." col " >= CAST(? AS TEXT) AND x." col " < CAST(? AS TEXT)"

static const char *const use_sql[] = {
	[USE_ROUNDS] =
		"SELECT x.community_id, x.state, COUNT(*) FROM patrol_round x"
		" WHERE x.due_on >= CAST(? AS TEXT) AND x.due_on <= CAST(? AS TEXT)" USE_WHERE
		", x.state",
	[USE_POINTS] =
		"SELECT x.community_id, COUNT(*), COUNT(p.checked_in_at) FROM patrol_round x"
		" JOIN patrol_round_point p ON p.round_id = x.id"
		" WHERE x.due_on >= CAST(? AS TEXT) AND x.due_on <= CAST(? AS TEXT)" USE_WHERE,
	[USE_FINDINGS] = "SELECT x.community_id, f.severity, COUNT(*) FROM patrol_round x"
			 " JOIN patrol_result f ON f.round_id = x.id"
			 " WHERE x.due_on >= CAST(? AS TEXT) AND x.due_on <= CAST(? AS TEXT)"
			 " AND f.outcome = 'not_fine'" USE_WHERE ", f.severity",
	[USE_VIOLATIONS] = "SELECT x.community_id, x.type, x.state, COUNT(*) FROM violation_case x"
			   " WHERE" USE_AT_RANGE("reported_at") USE_WHERE ", x.type, x.state",
	[USE_RENOVATIONS] = "SELECT x.community_id, x.state, COUNT(*) FROM renovation_request x"
			    " WHERE" USE_AT_RANGE("requested_at") USE_WHERE ", x.state",
	[USE_WORK_ORDERS] = "SELECT x.community_id, x.state, COUNT(*) FROM work_order x"
			    " WHERE" USE_AT_RANGE("reported_at") USE_WHERE ", x.state",
	/* Per community: the board index's open states of each, then the
	 * deadline; a range on the deadline alone would group every open order. */
	[USE_OVERDUE] = "SELECT x.id, (SELECT COUNT(*) FROM work_order w"
			" WHERE w.community_id = x.id AND w.state IN ('reported', 'assigned',"
			" 'in_progress') AND w.deadline_at < CAST(? AS TEXT)) FROM community x"
			" WHERE (? = 0 OR x.id = ?) AND " SCOPE_SQL("x.id"),
};

/* {"k": 0 ...} for each word of a NULL-terminated list. */
static json_t *
zeros(const char *const *list)
{
	json_t *o = json_object();

	for (; *list != NULL; list++)
		json_object_set_new(o, *list, json_integer(0));
	return o;
}

static json_t *
use_figures(void)
{
	return json_pack("{s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:o, s:{s:i, s:o, s:o},"
			 " s:{s:i, s:o}, s:{s:i, s:o, s:i}}",
			 "rounds", "planned", 0, "done", 0, "missed", 0, "open", 0, "points", 0,
			 "points_checked", 0, "findings", zeros(patrol_severities), "violations",
			 "opened", 0, "by_type", zeros(violation_types), "by_state",
			 zeros(violation_states), "renovations", "requested", 0, "by_state",
			 zeros(renovation_states), "work_orders", "raised", 0, "by_state",
			 zeros(work_order_states), "overdue", 0);
}

/* Adds n to o[k] (made when missing). */
static void
bump(json_t *o, const char *k, int64_t n)
{
	json_t *v = json_object_get(o, k);

	json_object_set_new(o, k, json_integer((v ? json_integer_value(v) : 0) + n));
}

/* Adds every integer of src to the same place in dst. */
static void
sum_into(json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach (src, k, v) {
		if (json_is_integer(v))
			bump(dst, k, json_integer_value(v));
		else if (json_is_object(v) && json_is_object(json_object_get(dst, k)))
			sum_into(json_object_get(dst, k), v);
	}
}

static void
use_add(enum use_part part, struct db_stmt *st, json_t *it)
{
	json_t *o;
	const char *s;
	int64_t n;

	switch (part) {
	case USE_ROUNDS:
		o = json_object_get(it, "rounds");
		s = db_col_text(st, 1);
		n = db_col_int64(st, 2);
		bump(o, "planned", n);
		bump(o, strcmp(s, "done") == 0 || strcmp(s, "missed") == 0 ? s : "open", n);
		break;
	case USE_POINTS:
		o = json_object_get(it, "rounds");
		bump(o, "points", db_col_int64(st, 1));
		bump(o, "points_checked", db_col_int64(st, 2));
		break;
	case USE_FINDINGS:
		bump(json_object_get(it, "findings"), db_col_text(st, 1), db_col_int64(st, 2));
		break;
	case USE_VIOLATIONS:
		o = json_object_get(it, "violations");
		n = db_col_int64(st, 3);
		bump(o, "opened", n);
		bump(json_object_get(o, "by_type"), db_col_text(st, 1), n);
		bump(json_object_get(o, "by_state"), db_col_text(st, 2), n);
		break;
	case USE_RENOVATIONS:
		o = json_object_get(it, "renovations");
		bump(o, "requested", db_col_int64(st, 2));
		bump(json_object_get(o, "by_state"), db_col_text(st, 1), db_col_int64(st, 2));
		break;
	case USE_WORK_ORDERS:
		o = json_object_get(it, "work_orders");
		bump(o, "raised", db_col_int64(st, 2));
		bump(json_object_get(o, "by_state"), db_col_text(st, 1), db_col_int64(st, 2));
		break;
	case USE_OVERDUE:
		bump(json_object_get(it, "work_orders"), "overdue", db_col_int64(st, 1));
		break;
	}
}

/* Runs one count with its range's bounds a and b (b NULL for the overdue
 * count's single instant) and adds its rows to the items by community
 * (byid: "<id>" -> item). */
static int
use_count(struct db *db, const struct caller *c, enum use_part part, const char *a, const char *b,
	  int64_t community, json_t *byid, struct anju_err *e)
{
	struct db_stmt *st;
	char key[24];
	int rc, i = 1;

	if ((rc = db_prepare(db, use_sql[part], &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, i++, a);
	if (b != NULL)
		db_bind_cstr(st, i++, b);
	db_bind_int64(st, i++, community);
	db_bind_int64(st, i++, community);
	scope_bind(st, i, c);
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *it;

		snprintf(key, sizeof(key), "%lld", (long long)db_col_int64(st, 0));
		if ((it = json_object_get(byid, key)) != NULL)
			use_add(part, st, it);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The month asked (default this one): its first and last days and the
 * instants bounding it in Shanghai. */
static int
month_of_query(const struct upkeep_report_query *q, char month[PERIOD_FMT_LEN], struct period_q *p,
	       struct anju_err *e)
{
	struct date today = date_today_shanghai();
	struct period m = period_of(today);

	if (q->month[0] && period_parse(str_c(q->month), &m) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_month", "month", "月份应为 YYYY-MM 格式");
	period_format(m, month);
	date_format(today, p->today);
	date_format(period_first_day(m), p->from);
	date_format(period_last_day(m), p->to);
	time_format_utc(shanghai_to_utc_us(period_first_day(m), 0, 0), p->at_from);
	time_format_utc(shanghai_to_utc_us(date_add_days(period_last_day(m), 1), 0, 0), p->at_to);
	return 0;
}

static int
monthly_use(struct db *db, const struct caller *c, const struct upkeep_report_query *q, json_t *out,
	    struct anju_err *e)
{
	char month[PERIOD_FMT_LEN], now[TIME_FMT_LEN], key[24];
	struct period_q p;
	struct db_stmt *st;
	json_t *items = json_array(), *byid = json_object(), *total = use_figures(), *it;
	size_t k;
	int rc;

	if ((rc = month_of_query(q, month, &p, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"SELECT x.id, x.name FROM community x WHERE (? = 0 OR x.id = ?) AND " SCOPE_SQL(
			"x.id") " ORDER BY x.id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, q->community_id);
	db_bind_int64(st, 2, q->community_id);
	scope_bind(st, 3, c);
	while ((rc = db_step(st)) == DB_ROW) {
		it = use_figures();
		json_object_set_new(it, "community_id", json_integer(db_col_int64(st, 0)));
		json_object_set_new(it, "community_name", json_string(db_col_text(st, 1)));
		snprintf(key, sizeof(key), "%lld", (long long)db_col_int64(st, 0));
		json_object_set(byid, key, it);
		json_array_append_new(items, it);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	for (int part = USE_ROUNDS; part <= USE_WORK_ORDERS && rc == 0; part++) {
		bool dates = part <= USE_FINDINGS;

		rc = use_count(db, c, (enum use_part)part, dates ? p.from : p.at_from,
			       dates ? p.to : p.at_to, q->community_id, byid, e);
	}
	if (rc == 0)
		rc = use_count(db, c, USE_OVERDUE, now, NULL, q->community_id, byid, e);
	if (rc != 0)
		goto out;
	json_array_foreach (items, k, it)
		sum_into(total, it);
	json_object_del(total, "community_id");
	json_object_set_new(out, "month", json_string(month));
	json_object_set_new(out, "from", json_string(p.from));
	json_object_set_new(out, "to", json_string(p.to));
	json_object_set_new(out, "as_of", json_string(now));
	json_object_set(out, "items", items);
	json_object_set(out, "total", total);
out:
	json_decref(items);
	json_decref(byid);
	json_decref(total);
	return rc;
}

int
upkeep_report_build(struct db *db, const struct caller *c, enum upkeep_report_kind k,
		    const struct upkeep_report_query *q, json_t **out, struct anju_err *e)
{
	struct period_q p;
	json_t *o;
	int rc;

	*out = NULL;
	if ((rc = community_ok(db, c, q->community_id, e)) != 0)
		return rc;
	if (k != UPKEEP_REPORT_VACANT && k != UPKEEP_REPORT_USE &&
	    (rc = period_of_query(q, &p, e)) != 0)
		return rc;
	o = json_pack("{s:o}", "community_id", opt_id(q->community_id));
	if (k != UPKEEP_REPORT_VACANT && k != UPKEEP_REPORT_USE) {
		json_object_set_new(o, "from", json_string(p.from));
		json_object_set_new(o, "to", json_string(p.to));
	}
	switch (k) {
	case UPKEEP_REPORT_VACANT: rc = vacant_units(db, c, q, o, e); break;
	case UPKEEP_REPORT_VACATED: rc = vacated_units(db, c, q, &p, o, e); break;
	case UPKEEP_REPORT_UNIT: rc = changes(db, c, true, q, &p, o, e); break;
	case UPKEEP_REPORT_HOUSEHOLD: rc = changes(db, c, false, q, &p, o, e); break;
	case UPKEEP_REPORT_USE: rc = monthly_use(db, c, q, o, e); break;
	default: rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "kind", "没有这种报表");
	}
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

/*
 * The workbooks: a title line, a header, every item.
 */

enum xcol_type { XC_TEXT, XC_INT, XC_AREA };

struct xcol {
	const char *title, *key;
	enum xcol_type type;
	double width;
};

static const struct xcol vacant_cols[] = {
	{ "小区", "community_name", XC_TEXT, 14 },
	{ "楼栋", "building_name", XC_TEXT, 8 },
	{ "房号", "unit_number", XC_TEXT, 12 },
	{ "户型", "layout", XC_TEXT, 10 },
	{ "建筑面积(㎡)", "floor_area", XC_AREA, 12 },
	{ "空置起始日", "vacant_on", XC_TEXT, 12 },
	{ "空置天数", "days_vacant", XC_INT, 10 },
	{ "原状态", "from_status_title", XC_TEXT, 10 },
	{ "原因", "reason", XC_TEXT, 30 },
	{ NULL, NULL, XC_TEXT, 0 },
};
static const struct xcol vacated_cols[] = {
	{ "小区", "community_name", XC_TEXT, 14 }, { "房号", "unit_number", XC_TEXT, 12 },
	{ "腾退日期", "vacated_on", XC_TEXT, 12 }, { "户主", "head_name", XC_TEXT, 10 },
	{ "原因", "reason", XC_TEXT, 36 },         { "现状态", "status_title", XC_TEXT, 10 },
	{ "空置天数", "days_vacant", XC_INT, 10 }, { NULL, NULL, XC_TEXT, 0 },
};
static const struct xcol unit_cols[] = {
	{ "时间", "at", XC_TEXT, 28 },
	{ "小区", "community_name", XC_TEXT, 14 },
	{ "房号", "unit_number", XC_TEXT, 12 },
	{ "异动", "kind_title", XC_TEXT, 10 },
	{ "变更前", "before", XC_TEXT, 24 },
	{ "变更后", "after", XC_TEXT, 24 },
	{ "原因/说明", "note", XC_TEXT, 30 },
	{ "操作人", "actor_name", XC_TEXT, 12 },
	{ NULL, NULL, XC_TEXT, 0 },
};
static const struct xcol household_cols[] = {
	{ "时间", "at", XC_TEXT, 28 },
	{ "小区", "community_name", XC_TEXT, 14 },
	{ "家庭编号", "household_id", XC_INT, 10 },
	{ "变动", "kind_title", XC_TEXT, 10 },
	{ "变更前", "before", XC_TEXT, 28 },
	{ "变更后", "after", XC_TEXT, 28 },
	{ "说明", "note", XC_TEXT, 20 },
	{ "操作人", "actor_name", XC_TEXT, 12 },
	{ NULL, NULL, XC_TEXT, 0 },
};

/* The monthly use report's columns: keys are paths into an item. */
static const struct xcol use_cols[] = {
	{ "小区", "community_name", XC_TEXT, 14 },
	{ "计划巡查(次)", "rounds.planned", XC_INT, 9 },
	{ "已完成", "rounds.done", XC_INT, 7 },
	{ "未完成(漏巡)", "rounds.missed", XC_INT, 9 },
	{ "待巡/进行中", "rounds.open", XC_INT, 9 },
	{ "应巡点位", "rounds.points", XC_INT, 8 },
	{ "已打卡点位", "rounds.points_checked", XC_INT, 9 },
	{ "发现问题-一般", "findings.low", XC_INT, 9 },
	{ "发现问题-较重", "findings.medium", XC_INT, 9 },
	{ "发现问题-严重", "findings.high", XC_INT, 9 },
	{ "新立违规案件", "violations.opened", XC_INT, 9 },
	{ "转租转借", "violations.by_type.sublet", XC_INT, 8 },
	{ "改变用途", "violations.by_type.change_of_use", XC_INT, 8 },
	{ "破坏或擅自装修", "violations.by_type.damage", XC_INT, 8 },
	{ "违法活动", "violations.by_type.illegal_activity", XC_INT, 8 },
	{ "闲置", "violations.by_type.idle", XC_INT, 8 },
	{ "其他违规", "violations.by_type.other", XC_INT, 8 },
	{ "案件-疑似", "violations.by_state.suspected", XC_INT, 8 },
	{ "案件-调查中", "violations.by_state.investigating", XC_INT, 8 },
	{ "案件-已认定", "violations.by_state.confirmed", XC_INT, 8 },
	{ "案件-不予认定", "violations.by_state.dismissed", XC_INT, 8 },
	{ "案件-责令整改", "violations.by_state.rectification_ordered", XC_INT, 8 },
	{ "案件-已整改", "violations.by_state.rectified", XC_INT, 8 },
	{ "案件-移送清退", "violations.by_state.referred", XC_INT, 8 },
	{ "装修申请", "renovations.requested", XC_INT, 8 },
	{ "装修-待审核", "renovations.by_state.requested", XC_INT, 8 },
	{ "装修-已审核", "renovations.by_state.checked", XC_INT, 8 },
	{ "装修-已批准", "renovations.by_state.approved", XC_INT, 8 },
	{ "装修-不予批准", "renovations.by_state.refused", XC_INT, 8 },
	{ "装修-已完工", "renovations.by_state.done", XC_INT, 8 },
	{ "新报修工单", "work_orders.raised", XC_INT, 8 },
	{ "工单-待派单", "work_orders.by_state.reported", XC_INT, 8 },
	{ "工单-已派单", "work_orders.by_state.assigned", XC_INT, 8 },
	{ "工单-维修中", "work_orders.by_state.in_progress", XC_INT, 8 },
	{ "工单-已完工", "work_orders.by_state.done", XC_INT, 8 },
	{ "工单-已确认", "work_orders.by_state.confirmed", XC_INT, 8 },
	{ "当前超期工单", "work_orders.overdue", XC_INT, 9 },
	{ NULL, NULL, XC_TEXT, 0 },
};

/* o's member at a dotted path ("rounds.planned"). */
static json_t *
member_at(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL && o != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return o ? json_object_get(o, path) : NULL;
}

static const char *
kind_title(const char *k)
{
	static const char *const t[][2] = {
		{ "status", "状态变更" },
		{ "repair", "报修停租" },
		{ "repair_done", "维修完成" },
		{ "disable", "停用" },
		{ "enable", "启用" },
		{ "acceptance", "分户核验" },
		{ "update", "信息变更" },
		{ "member_in", "成员迁入" },
		{ "member_out", "成员迁出" },
		{ "head_change", "变更户主" },
		{ "contact_change", "联系方式变更" },
	};

	for (size_t i = 0; k != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i][0], k) == 0)
			return t[i][1];
	return k ? k : "";
}

static void
xrow(lxw_worksheet *ws, lxw_row_t row, const struct xcol *cols, json_t *o, lxw_format *area)
{
	for (lxw_col_t c = 0; cols[c].title != NULL; c++) {
		json_t *v = member_at(o, cols[c].key);

		if (strcmp(cols[c].key, "kind_title") == 0)
			worksheet_write_string(
				ws, row, c,
				kind_title(json_string_value(json_object_get(o, "kind"))), NULL);
		else if (json_is_string(v))
			worksheet_write_string(ws, row, c, json_string_value(v), NULL);
		else if (json_is_integer(v) && cols[c].type == XC_AREA)
			worksheet_write_number(ws, row, c, (double)json_integer_value(v) / 100.0,
					       area);
		else if (json_is_integer(v))
			worksheet_write_number(ws, row, c, (double)json_integer_value(v), NULL);
	}
}

int
upkeep_report_xlsx(struct db *db, const struct caller *c, enum upkeep_report_kind k,
		   const struct upkeep_report_query *q, struct buf *out, struct anju_err *e)
{
	static const struct xcol *const sheets[UPKEEP_REPORT_KIND_COUNT] = {
		vacant_cols, vacated_cols, unit_cols, household_cols, use_cols
	};
	static const char *const titles[UPKEEP_REPORT_KIND_COUNT] = { "空置房", "腾退房源",
								      "房屋异动", "住户变动",
								      "月度使用情况" };
	struct upkeep_report_query all = *q;
	char path[XLSX_TEMP_PATH_MAX], title[TEXT_MAX_B];
	const struct xcol *cols;
	lxw_format *bold, *big, *area;
	lxw_worksheet *ws;
	lxw_workbook *wb;
	json_t *r = NULL, *items, *o;
	size_t i;
	int rc;

	if ((unsigned)k >= UPKEEP_REPORT_KIND_COUNT)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind", "没有这种报表");
	all.limit = 0;
	all.cursor[0] = '\0';
	if ((rc = upkeep_report_build(db, c, k, &all, &r, e)) != 0)
		return rc;
	items = json_object_get(r, "items");
	if (json_array_size(items) > UPKEEP_REPORT_XLSX_MAX) {
		json_decref(r);
		return anju_fail(e, ANJU_ETOOBIG, "report_too_large", NULL,
				 "报表超过 %d 行，请按小区或缩短期间导出", UPKEEP_REPORT_XLSX_MAX);
	}
	if ((wb = xlsx_temp_new(path, e)) == NULL) {
		json_decref(r);
		return ANJU_EIO;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	big = workbook_add_format(wb);
	format_set_bold(big);
	format_set_font_size(big, 13);
	area = workbook_add_format(wb);
	format_set_num_format(area, "0.00");
	cols = sheets[k];
	ws = workbook_add_worksheet(wb, titles[k]);
	for (lxw_col_t col = 0; cols[col].title != NULL; col++)
		worksheet_set_column(ws, col, col, cols[col].width, NULL);
	if (k == UPKEEP_REPORT_VACANT)
		snprintf(title, sizeof(title), "%s（截至 %s，共 %zu 套）", titles[k],
			 json_string_value(json_object_get(r, "as_of")), json_array_size(items));
	else if (k == UPKEEP_REPORT_USE)
		snprintf(title, sizeof(title), "%s报告（%s，%s 至 %s，%zu 个小区）", titles[k],
			 json_string_value(json_object_get(r, "month")),
			 json_string_value(json_object_get(r, "from")),
			 json_string_value(json_object_get(r, "to")), json_array_size(items));
	else
		snprintf(title, sizeof(title), "%s（%s 至 %s，共 %zu 条）", titles[k],
			 json_string_value(json_object_get(r, "from")),
			 json_string_value(json_object_get(r, "to")), json_array_size(items));
	worksheet_write_string(ws, 0, 0, title, big);
	for (lxw_col_t col = 0; cols[col].title != NULL; col++)
		worksheet_write_string(ws, 1, col, cols[col].title, bold);
	worksheet_freeze_panes(ws, 2, 0);
	json_array_foreach (items, i, o)
		xrow(ws, (lxw_row_t)(i + 2), cols, o, area);
	if (k == UPKEEP_REPORT_USE) {
		o = json_object_get(r, "total");
		json_object_set_new(o, "community_name", json_string("合计"));
		xrow(ws, (lxw_row_t)(json_array_size(items) + 2), cols, o, area);
	}
	rc = xlsx_temp_finish(wb, path, out, e);
	json_decref(r);
	return rc;
}
