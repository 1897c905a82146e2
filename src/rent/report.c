/*
 * Rent reports and the finance dashboard's figures (report.h, issue 7 §6).
 *
 * Rent due is the money core's rent and overstay charges, found through the
 * billing run's rent_line rows (community, unit and period as billed), less
 * the cancelled ones.  What was collected for a month is the allocations to
 * that month's charges created before the end of the as-of date (Asia/
 * Shanghai): money received and applied to that month's rent by then,
 * whenever it was received.  Arrears come only from arrears_scan (part B).
 * Each report is one or a few aggregate queries, never a query per row;
 * docs/rent-reports.md defines every figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "access/role.h"
#include "access/scope.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "money/money.h"
#include "rent/rent.h"
#include "rent/report.h"
#include "store/db.h"
#include "transfer/xlsx.h"

static const char *const kind_names[REPORT_KIND_COUNT] = {
	"rent-ledger", "collection", "arrears", "bureau-monthly", "bank",
};

const char *
report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_names[k] : NULL;
}

/* The ageing buckets' names and titles, in the order of rent_arrears. */
static const char *const bucket_names[ARREARS_BUCKETS] = { "0-30", "31-90", "91-180", "180+" };
static const char *const bucket_titles[ARREARS_BUCKETS] = { "30天以内", "31至90天", "91至180天",
							    "180天以上" };

/* What every report filters on, resolved once. */
struct scope_q {
	const struct caller *c;
	int64_t community_id;
	struct date as_of;
	char as_of_text[DATE_FMT_LEN];
	char bound[TIME_FMT_LEN]; /* the first instant after the as-of date (Shanghai) */
};

/* The communities a report covers, in id order. */
struct community {
	int64_t id;
	char *name;
};

struct communities {
	struct community *v;
	size_t n;
};

static void
communities_free(struct communities *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].name);
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

static const char *
community_name(const struct communities *cs, int64_t id)
{
	size_t lo = 0, hi = cs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cs->v[mid].id == id)
			return cs->v[mid].name;
		if (cs->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static ssize_t
community_index(const struct communities *cs, int64_t id)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].id == id)
			return (ssize_t)i;
	return -1;
}

/* SCOPE_SQL's parameters: the system (the command line, a job) sees every
 * community; anyone else what scope_bind says. */
static int
bind_scope(struct db_stmt *st, int i, const struct caller *c)
{
	if (c == NULL || c->kind == CALLER_SYSTEM) {
		db_bind_int64(st, i, 1);
		db_bind_cstr(st, i + 1, "");
		return i + 2;
	}
	return scope_bind(st, i, c);
}

/* A report's communities on col: q->community_id (0: every one) within the
 * scope; bind_in_scope() binds its four parameters. */
#define IN_SCOPE_SQL(col) "(CAST(? AS BIGINT) = 0 OR " col " = ?) AND " SCOPE_SQL(col)

static int
bind_in_scope(struct db_stmt *st, int i, const struct scope_q *q)
{
	db_bind_int64(st, i, q->community_id);
	db_bind_int64(st, i + 1, q->community_id);
	return bind_scope(st, i + 2, q->c);
}

/* The communities in scope (only q->community_id when set: not found when
 * it is outside the scope). */
static int
communities_load(struct db *db, const struct scope_q *q, struct communities *out,
		 struct anju_err *e)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = db_prepare(
		     db, "SELECT id, name FROM community WHERE " IN_SCOPE_SQL("id") " ORDER BY id",
		     &st)) != 0)
		return db_fail(db, rc, e);
	bind_in_scope(st, 1, q);
	while ((rc = db_step(st)) == DB_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n].id = db_col_int64(st, 0);
		out->v[out->n].name = xstrdup(db_col_text(st, 1));
		out->n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		communities_free(out);
		return db_fail(db, rc, e);
	}
	if (q->community_id != 0 && out->n == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	return 0;
}

/* rate = collected / due in basis points, rounded half up; null without due. */
static json_t *
rate_json(int64_t collected, int64_t due)
{
	int64_t bp;

	if (due <= 0 || money_mul_rate(collected, 10000, due, ROUND_HALF_UP, &bp) != 0)
		return json_null();
	return json_integer(bp);
}

static json_t *
buckets_json(const int64_t b[ARREARS_BUCKETS])
{
	json_t *a = json_array();

	for (int i = 0; i < ARREARS_BUCKETS; i++)
		json_array_append_new(a, json_integer(b[i]));
	return a;
}

/* {community_id, community_name} of cs->v[ci], for a row to add to. */
static json_t *
community_obj(const struct communities *cs, size_t ci)
{
	return json_pack("{s:I, s:s}", "community_id", (json_int_t)cs->v[ci].id, "community_name",
			 cs->v[ci].name);
}

static json_t *
opt_community(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

/* The head's name masked (张**), or null. */
static json_t *
masked_name(struct db_stmt *st, int col)
{
	char name[256];

	if (db_col_null(st, col))
		return json_null();
	mask_middle(db_col_text(st, col), 1, 0, name, sizeof(name));
	return json_string(name);
}

static int
bad(struct anju_err *e, int code, const char *key, const char *field, const char *msg)
{
	return anju_fail(e, code, key, field, "%s", msg);
}

static int
parse_period(const char *s, const char *field, bool required, struct period *out,
	     struct anju_err *e)
{
	if (s == NULL || s[0] == '\0') {
		if (required)
			return bad(e, ANJU_EINVAL, "required", field, "请选择月份（YYYY-MM）");
		return 1;
	}
	if (period_parse(str_c(s), out) != 0)
		return bad(e, ANJU_EINVAL, "invalid_period", field, "月份格式应为 YYYY-MM");
	return 0;
}

/* Resolves the as-of date: the given one (not after today), or dflt. */
static int
scope_q_init(struct db *db, const struct caller *c, const struct report_query *rq, struct date dflt,
	     struct scope_q *q, struct anju_err *e)
{
	struct date today = date_today_shanghai();

	(void)db;
	memset(q, 0, sizeof(*q));
	q->c = c;
	q->community_id = rq->community_id;
	if (rq->community_id < 0)
		return bad(e, ANJU_EINVAL, "out_of_range", "community_id", "小区编号无效");
	if (rq->as_of[0] != '\0') {
		if (date_parse(str_c(rq->as_of), &q->as_of) != 0)
			return bad(e, ANJU_EINVAL, "invalid_date", "as_of",
				   "日期格式应为 YYYY-MM-DD");
		if (date_cmp(q->as_of, today) > 0)
			return bad(e, ANJU_EUNPROCESSABLE, "as_of_future", "as_of",
				   "统计截止日不能晚于今天");
	} else {
		q->as_of = date_cmp(dflt, today) > 0 ? today : dflt;
	}
	date_format(q->as_of, q->as_of_text);
	time_format_utc(shanghai_to_utc_us(date_add_days(q->as_of, 1), 0, 0), q->bound);
	return 0;
}

/* The allocations to charge c created before the as-of bound. */
#define PAID_SQL                                                                                   \
	"(SELECT COALESCE(SUM(a.amount_fen), 0) FROM allocation a WHERE a.charge_id = c.id"        \
	" AND a.created_at < ?)"

/* A month's rent charges as billed (rent and overstay_rent, not cancelled). */
#define RENT_FROM                                                                                  \
	" FROM rent_line rl JOIN charge c ON c.id = rl.charge_id WHERE c.state <> 'cancelled'"

/*
 * The rent ledger (租金台账).
 */

#define LEDGER_COLS                                                                                \
	"SELECT c.id, rl.chain_id, rl.household_id, rl.unit_id, u.number, rl.community_id,"        \
	" c.kind, c.due_on, c.amount_fen, " PAID_SQL ", c.state, p.name"                           \
	" FROM rent_line rl JOIN charge c ON c.id = rl.charge_id"                                  \
	" JOIN unit u ON u.id = rl.unit_id"                                                        \
	" LEFT JOIN member m ON m.household_id = rl.household_id AND m.relationship = 'head'"      \
	" AND m.left_at IS NULL LEFT JOIN person p ON p.id = m.person_id"                          \
	" WHERE c.state <> 'cancelled' AND rl.period = ?"                                          \
	" AND " IN_SCOPE_SQL("rl.community_id")

static json_t *
ledger_line(struct db_stmt *st, const struct communities *cs)
{
	int64_t due = db_col_int64(st, 8), paid = db_col_int64(st, 9);
	const char *cname = community_name(cs, db_col_int64(st, 5));

	return json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:I, s:s?, s:s, s:s, s:I, s:I, s:I, s:s, s:o}",
		"charge_id", (json_int_t)db_col_int64(st, 0), "chain_id",
		(json_int_t)db_col_int64(st, 1), "household_id", (json_int_t)db_col_int64(st, 2),
		"unit_id", (json_int_t)db_col_int64(st, 3), "unit_number", db_col_text(st, 4),
		"community_id", (json_int_t)db_col_int64(st, 5), "community_name", cname, "kind",
		db_col_text(st, 6), "due_on", db_col_text(st, 7), "due_fen", (json_int_t)due,
		"paid_fen", (json_int_t)paid, "owed_fen", (json_int_t)(due - paid), "state",
		db_col_text(st, 10), "head_name", masked_name(st, 11));
}

static int
rent_ledger(struct db *db, const struct caller *c, const struct report_query *rq, bool xlsx_order,
	    json_t **out, struct anju_err *e)
{
	struct communities cs = { 0 };
	struct scope_q q;
	struct period p;
	struct db_stmt *st;
	char ptext[PERIOD_FMT_LEN];
	json_t *items = json_array();
	int64_t next = 0, n = 0, due = 0, paid = 0;
	int limit = rq->limit > 0 ? rq->limit : INT32_MAX - 1;
	int rc, i;

	*out = NULL;
	if ((rc = parse_period(rq->period, "period", true, &p, e)) != 0)
		goto out;
	period_format(p, ptext);
	if ((rc = scope_q_init(db, c, rq, date_today_shanghai(), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0)
		goto out;
	/* The page: in charge id order (the billing order), or for the
	 * workbook every line by community and unit number. */
	if (xlsx_order)
		rc = db_prepare(db, LEDGER_COLS " ORDER BY rl.community_id, u.number, c.id", &st);
	else
		rc = db_prepare(db, LEDGER_COLS " AND c.id > ? ORDER BY c.id LIMIT ?", &st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, q.bound);
	db_bind_cstr(st, 2, ptext);
	i = bind_in_scope(st, 3, &q);
	if (!xlsx_order) {
		db_bind_int64(st, i, rq->after_id);
		db_bind_int64(st, i + 1, (int64_t)limit + 1);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		if (!xlsx_order && (int64_t)json_array_size(items) == limit) {
			next = json_integer_value(json_object_get(
				json_array_get(items, json_array_size(items) - 1), "charge_id"));
			continue;
		}
		json_array_append_new(items, ledger_line(st, &cs));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	/* The totals over every line, not just the page. */
	if ((rc = db_prepare(db,
			     "SELECT COUNT(*), COALESCE(SUM(x.amount_fen), 0),"
			     " COALESCE(SUM(x.paid), 0) FROM (SELECT c.amount_fen, " PAID_SQL
			     " AS paid" RENT_FROM " AND rl.period = ?"
			     " AND " IN_SCOPE_SQL("rl.community_id") ") x",
			     &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, q.bound);
	db_bind_cstr(st, 2, ptext);
	bind_in_scope(st, 3, &q);
	if ((rc = db_step(st)) == DB_ROW) {
		n = db_col_int64(st, 0);
		due = db_col_int64(st, 1);
		paid = db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	*out = json_pack(
		"{s:o, s:s, s:s, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:o}}", "community_id",
		opt_community(q.community_id), "period", ptext, "as_of", q.as_of_text, "items",
		items, "next", next ? json_sprintf("%lld", (long long)next) : json_null(), "totals",
		"charges", (json_int_t)n, "due_fen", (json_int_t)due, "paid_fen", (json_int_t)paid,
		"owed_fen", (json_int_t)(due - paid), "rate_bp", rate_json(paid, due));
	items = NULL;
	rc = 0;
out:
	json_decref(items);
	communities_free(&cs);
	return rc;
}

/*
 * Collection: due and collected per community and month.
 */

struct cell {
	int64_t charges, due, collected;
};

static json_t *
figures(json_t *o, const struct cell *x)
{
	json_object_set_new(o, "charges", json_integer(x->charges));
	json_object_set_new(o, "due_fen", json_integer(x->due));
	json_object_set_new(o, "collected_fen", json_integer(x->collected));
	json_object_set_new(o, "owed_fen", json_integer(x->due - x->collected));
	json_object_set_new(o, "rate_bp", rate_json(x->collected, x->due));
	return o;
}

/* The grid of communities × months from..to (cells[ci * months + mi]). */
static int
collection_grid(struct db *db, const struct scope_q *q, const struct communities *cs,
		struct period from, int months, struct cell *cells, struct anju_err *e)
{
	struct db_stmt *st;
	char a[PERIOD_FMT_LEN], b[PERIOD_FMT_LEN];
	int rc;

	period_format(from, a);
	period_format(period_add(from, months - 1), b);
	if ((rc = db_prepare(
		     db,
		     "SELECT x.community_id, x.period, COUNT(*), SUM(x.amount_fen),"
		     " SUM(x.paid) FROM (SELECT rl.community_id, rl.period, c.amount_fen, " PAID_SQL
		     " AS paid" RENT_FROM " AND rl.period >= ? AND rl.period <= ?"
		     " AND " IN_SCOPE_SQL("rl.community_id") ") x"
							     " GROUP BY x.community_id, x.period",
		     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, q->bound);
	db_bind_cstr(st, 2, a);
	db_bind_cstr(st, 3, b);
	bind_in_scope(st, 4, q);
	while ((rc = db_step(st)) == DB_ROW) {
		ssize_t ci = community_index(cs, db_col_int64(st, 0));
		struct period p;
		int mi;

		if (ci < 0 || period_parse(str_c(db_col_text(st, 1)), &p) != 0)
			continue;
		mi = (p.y - from.y) * 12 + (p.m - from.m);
		if (mi < 0 || mi >= months)
			continue;
		cells[ci * months + mi] = (struct cell){ db_col_int64(st, 2), db_col_int64(st, 3),
							 db_col_int64(st, 4) };
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static void
cell_add(struct cell *t, const struct cell *x)
{
	t->charges += x->charges;
	t->due += x->due;
	t->collected += x->collected;
}

/* rows (community × month), by_period, by_community and total of the grid. */
static void
collection_json(const struct communities *cs, struct period from, int months,
		const struct cell *cells, json_t *o)
{
	json_t *rows = json_array(), *by_period = json_array(), *by_community = json_array();
	struct cell total = { 0 };
	char ptext[PERIOD_FMT_LEN];

	for (size_t ci = 0; ci < cs->n; ci++) {
		struct cell sum = { 0 };

		for (int mi = 0; mi < months; mi++) {
			const struct cell *x = &cells[ci * months + mi];

			period_format(period_add(from, mi), ptext);
			json_array_append_new(
				rows, figures(json_pack("{s:I, s:s, s:s}", "community_id",
							(json_int_t)cs->v[ci].id, "community_name",
							cs->v[ci].name, "period", ptext),
					      x));
			cell_add(&sum, x);
		}
		json_array_append_new(by_community, figures(community_obj(cs, ci), &sum));
		cell_add(&total, &sum);
	}
	for (int mi = 0; mi < months; mi++) {
		struct cell sum = { 0 };

		for (size_t ci = 0; ci < cs->n; ci++)
			cell_add(&sum, &cells[ci * months + mi]);
		period_format(period_add(from, mi), ptext);
		json_array_append_new(by_period,
				      figures(json_pack("{s:s}", "period", ptext), &sum));
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "by_period", by_period);
	json_object_set_new(o, "by_community", by_community);
	json_object_set_new(o, "total", figures(json_object(), &total));
}

static int
collection(struct db *db, const struct caller *c, const struct report_query *rq, json_t **out,
	   struct anju_err *e)
{
	struct communities cs = { 0 };
	struct period from, to;
	struct scope_q q;
	struct cell *cells = NULL;
	char a[PERIOD_FMT_LEN], b[PERIOD_FMT_LEN];
	int months, rc;

	*out = NULL;
	if ((rc = parse_period(rq->from, "from", true, &from, e)) != 0)
		return rc;
	if ((rc = parse_period(rq->to, "to", false, &to, e)) < 0)
		return rc;
	if (rc == 1)
		to = from;
	if (period_cmp(from, to) > 0)
		return bad(e, ANJU_EUNPROCESSABLE, "range_reversed", "to",
			   "结束月份不能早于开始月份");
	months = (to.y - from.y) * 12 + (to.m - from.m) + 1;
	if (months > REPORT_MONTHS_MAX)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "range_too_long", "to",
				 "一次至多统计 %d 个月", REPORT_MONTHS_MAX);
	if ((rc = scope_q_init(db, c, rq, date_today_shanghai(), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0)
		goto out;
	cells = xcalloc(cs.n * (size_t)months + 1, sizeof(*cells));
	if ((rc = collection_grid(db, &q, &cs, from, months, cells, e)) != 0)
		goto out;
	period_format(from, a);
	period_format(to, b);
	*out = json_pack("{s:s, s:s, s:s, s:o}", "from", a, "to", b, "as_of", q.as_of_text,
			 "community_id", opt_community(q.community_id));
	collection_json(&cs, from, months, cells, *out);
out:
	free(cells);
	communities_free(&cs);
	return rc;
}

/*
 * Arrears (arrears_scan) and their ageing.
 */

struct arrears_set {
	struct rent_arrears *v;
	size_t n, cap;
	int min_months;
};

static int
arrears_take(void *ud, const struct rent_arrears *a)
{
	struct arrears_set *s = ud;

	if (a->months_owed < s->min_months)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = *a;
	return 0;
}

static int
arrears_load(struct db *db, const struct scope_q *q, int min_months, struct arrears_set *s,
	     struct anju_err *e)
{
	memset(s, 0, sizeof(*s));
	s->min_months = min_months;
	return arrears_scan(db, (q->c != NULL && q->c->kind == CALLER_SYSTEM) ? NULL : q->c,
			    q->community_id, q->as_of_text, arrears_take, s, e);
}

/* Per community: chains, owed and the buckets. */
struct arrears_sum {
	int64_t chains, owed, bucket[ARREARS_BUCKETS];
	int64_t chains_3, chains_6;
};

static void
arrears_sum_add(struct arrears_sum *t, const struct rent_arrears *a)
{
	t->chains++;
	t->owed += a->owed_fen;
	for (int b = 0; b < ARREARS_BUCKETS; b++)
		t->bucket[b] += a->bucket_fen[b];
	t->chains_3 += a->months_owed >= 3;
	t->chains_6 += a->months_owed >= 6;
}

static json_t *
arrears_sum_json(json_t *o, const struct arrears_sum *x)
{
	json_object_set_new(o, "chains", json_integer(x->chains));
	json_object_set_new(o, "owed_fen", json_integer(x->owed));
	json_object_set_new(o, "bucket_fen", buckets_json(x->bucket));
	json_object_set_new(o, "chains_3plus", json_integer(x->chains_3));
	json_object_set_new(o, "chains_6plus", json_integer(x->chains_6));
	return o;
}

/* Households owing at least min months, per community (a household with
 * two chains counts once). */
struct hh_months {
	int64_t community_id, household_id;
};

static int
hh_cmp(const void *x, const void *y)
{
	const struct hh_months *a = x, *b = y;

	if (a->community_id != b->community_id)
		return a->community_id < b->community_id ? -1 : 1;
	return a->household_id < b->household_id ? -1 : a->household_id > b->household_id;
}

/* counts[ci] (and *all) = distinct households with months_owed >= min. */
static void
households_owing(const struct arrears_set *s, const struct communities *cs, int min,
		 int64_t *counts, int64_t *all)
{
	struct hh_months *v = xcalloc(s->n + 1, sizeof(*v));
	size_t n = 0;

	*all = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].months_owed >= min)
			v[n++] = (struct hh_months){ s->v[i].community_id, s->v[i].household_id };
	qsort(v, n, sizeof(*v), hh_cmp);
	for (size_t i = 0; i < n; i++) {
		ssize_t ci;

		if (i > 0 && hh_cmp(&v[i], &v[i - 1]) == 0)
			continue;
		(*all)++;
		if ((ci = community_index(cs, v[i].community_id)) >= 0)
			counts[ci]++;
	}
	free(v);
}

/* Fills the unit, community and head of items[first..] (chain order) with
 * one query over the chains' id range. */
static int
arrears_details(struct db *db, json_t *items, struct anju_err *e)
{
	struct db_stmt *st;
	size_t n = json_array_size(items), k = 0;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = db_prepare(db,
			     "SELECT lc.id, lc.unit_id, u.number, p.name FROM lease_chain lc"
			     " JOIN unit u ON u.id = lc.unit_id"
			     " LEFT JOIN member m ON m.household_id = lc.household_id"
			     " AND m.relationship = 'head' AND m.left_at IS NULL"
			     " LEFT JOIN person p ON p.id = m.person_id"
			     " WHERE lc.id >= ? AND lc.id <= ? ORDER BY lc.id",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1,
		      json_integer_value(json_object_get(json_array_get(items, 0), "chain_id")));
	db_bind_int64(
		st, 2,
		json_integer_value(json_object_get(json_array_get(items, n - 1), "chain_id")));
	while ((rc = db_step(st)) == DB_ROW && k < n) {
		json_t *it = json_array_get(items, k);
		int64_t id = db_col_int64(st, 0);

		while (k < n && json_integer_value(json_object_get(it, "chain_id")) < id)
			it = json_array_get(items, ++k);
		if (k == n || json_integer_value(json_object_get(it, "chain_id")) != id)
			continue;
		json_object_set_new(it, "unit_id", json_integer(db_col_int64(st, 1)));
		json_object_set_new(it, "unit_number", json_string(db_col_text(st, 2)));
		json_object_set_new(it, "head_name", masked_name(st, 3));
	}
	db_reset(st);
	return rc == DB_DONE || rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static json_t *
arrears_item(const struct rent_arrears *a, const struct communities *cs)
{
	return json_pack("{s:I, s:I, s:I, s:s?, s:n, s:n, s:n, s:i, s:I, s:o, s:s?}", "chain_id",
			 (json_int_t)a->chain_id, "household_id", (json_int_t)a->household_id,
			 "community_id", (json_int_t)a->community_id, "community_name",
			 community_name(cs, a->community_id), "unit_id", "unit_number", "head_name",
			 "months_owed", a->months_owed, "owed_fen", (json_int_t)a->owed_fen,
			 "bucket_fen", buckets_json(a->bucket_fen), "oldest_due_on",
			 a->oldest_due_on[0] ? a->oldest_due_on : NULL);
}

static int
arrears(struct db *db, const struct caller *c, const struct report_query *rq, json_t **out,
	struct anju_err *e)
{
	struct communities cs = { 0 };
	struct arrears_set s = { 0 };
	struct arrears_sum total = { 0 }, *per = NULL;
	struct scope_q q;
	json_t *items = json_array(), *by_community = json_array(), *by_bucket = json_array();
	int64_t next = 0, households = 0, bucket_chains[ARREARS_BUCKETS] = { 0 }, *per_hh = NULL;
	int rc;

	*out = NULL;
	if (rq->min_months < 0 || rq->min_months > 1200) {
		rc = bad(e, ANJU_EINVAL, "out_of_range", "min_months",
			 "欠缴月数应在 0 到 1200 之间");
		goto out;
	}
	if ((rc = scope_q_init(db, c, rq, date_today_shanghai(), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0 ||
	    (rc = arrears_load(db, &q, rq->min_months, &s, e)) != 0)
		goto out;
	per = xcalloc(cs.n + 1, sizeof(*per));
	for (size_t i = 0; i < s.n; i++) {
		const struct rent_arrears *a = &s.v[i];
		ssize_t ci = community_index(&cs, a->community_id);

		arrears_sum_add(&total, a);
		if (ci >= 0)
			arrears_sum_add(&per[ci], a);
		for (int b = 0; b < ARREARS_BUCKETS; b++)
			bucket_chains[b] += a->bucket_fen[b] > 0;
		if (a->chain_id <= rq->after_id)
			continue;
		if (rq->limit > 0 && (int)json_array_size(items) == rq->limit) {
			if (next == 0)
				next = json_integer_value(json_object_get(
					json_array_get(items, json_array_size(items) - 1),
					"chain_id"));
			continue;
		}
		json_array_append_new(items, arrears_item(a, &cs));
	}
	if ((rc = arrears_details(db, items, e)) != 0)
		goto out;
	per_hh = xcalloc(cs.n + 1, sizeof(*per_hh));
	households_owing(&s, &cs, 1, per_hh, &households);
	for (size_t ci = 0; ci < cs.n; ci++)
		json_array_append_new(by_community,
				      arrears_sum_json(community_obj(&cs, ci), &per[ci]));
	for (int b = 0; b < ARREARS_BUCKETS; b++)
		json_array_append_new(by_bucket,
				      json_pack("{s:s, s:s, s:I, s:I}", "bucket", bucket_names[b],
						"title", bucket_titles[b], "owed_fen",
						(json_int_t)total.bucket[b], "chains",
						(json_int_t)bucket_chains[b]));
	*out = json_pack("{s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o}", "as_of", q.as_of_text,
			 "community_id", opt_community(q.community_id), "min_months",
			 rq->min_months, "items", items, "next",
			 next ? json_sprintf("%lld", (long long)next) : json_null(), "totals",
			 arrears_sum_json(json_object(), &total), "by_community", by_community,
			 "by_bucket", by_bucket);
	json_object_set_new(json_object_get(*out, "totals"), "households",
			    json_integer(households));
	items = by_community = by_bucket = NULL;
out:
	json_decref(items);
	json_decref(by_community);
	json_decref(by_bucket);
	free(per);
	free(per_hh);
	free(s.v);
	communities_free(&cs);
	return rc;
}

/*
 * The bureau's monthly report.
 */

struct receipts {
	int64_t issued, issued_fen, voided, voided_fen;
};

#define RECEIPTS_IN(col)                                                                           \
	"SELECT h.community_id, COUNT(*), COALESCE(SUM(p.amount_fen), 0)"                          \
	" FROM receipt r JOIN payment p ON p.id = r.payment_id"                                    \
	" JOIN household h ON h.id = p.household_id WHERE " col " >= ? AND " col " < ?"            \
	" AND " IN_SCOPE_SQL("h.community_id") " GROUP BY h.community_id"

/* Receipts issued (or voided, by column) in [start, end) per community. */
static int
receipts_in(struct db *db, const struct scope_q *q, const struct communities *cs, bool voided,
	    const char *start, const char *end, struct receipts *per, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, voided ? RECEIPTS_IN("r.voided_at") : RECEIPTS_IN("r.issued_at"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, start);
	db_bind_cstr(st, 2, end);
	bind_in_scope(st, 3, q);
	while ((rc = db_step(st)) == DB_ROW) {
		ssize_t ci = community_index(cs, db_col_int64(st, 0));

		if (ci < 0)
			continue;
		if (voided) {
			per[ci].voided = db_col_int64(st, 1);
			per[ci].voided_fen = db_col_int64(st, 2);
		} else {
			per[ci].issued = db_col_int64(st, 1);
			per[ci].issued_fen = db_col_int64(st, 2);
		}
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The UTC bounds of a month in Asia/Shanghai: [start, end). */
static void
month_bounds(struct period p, char start[TIME_FMT_LEN], char end[TIME_FMT_LEN])
{
	time_format_utc(shanghai_to_utc_us(period_first_day(p), 0, 0), start);
	time_format_utc(shanghai_to_utc_us(period_first_day(period_add(p, 1)), 0, 0), end);
}

static json_t *
bureau_row(json_t *o, const struct cell *x, const struct arrears_sum *a, int64_t hh3, int64_t hh6,
	   const struct receipts *r)
{
	figures(o, x);
	json_object_set_new(o, "arrears_fen", json_integer(a->owed));
	json_object_set_new(o, "bucket_fen", buckets_json(a->bucket));
	json_object_set_new(o, "chains_owing", json_integer(a->chains));
	json_object_set_new(o, "households_3plus", json_integer(hh3));
	json_object_set_new(o, "households_6plus", json_integer(hh6));
	json_object_set_new(o, "receipts_issued", json_integer(r->issued));
	json_object_set_new(o, "receipts_issued_fen", json_integer(r->issued_fen));
	json_object_set_new(o, "receipts_voided", json_integer(r->voided));
	json_object_set_new(o, "receipts_voided_fen", json_integer(r->voided_fen));
	return o;
}

static int
bureau(struct db *db, const struct caller *c, const struct report_query *rq, json_t **out,
       struct anju_err *e)
{
	struct communities cs = { 0 };
	struct arrears_set s = { 0 };
	struct arrears_sum *per = NULL, tsum = { 0 };
	struct receipts *rec = NULL, trec = { 0 };
	struct cell *cells = NULL, tcell = { 0 };
	int64_t *hh3 = NULL, *hh6 = NULL, all3 = 0, all6 = 0;
	struct scope_q q;
	struct period p;
	char ptext[PERIOD_FMT_LEN], start[TIME_FMT_LEN], end[TIME_FMT_LEN];
	json_t *rows = NULL;
	int rc;

	*out = NULL;
	if ((rc = parse_period(rq->period, "period", true, &p, e)) != 0)
		return rc;
	if (period_cmp(p, period_of(date_today_shanghai())) > 0)
		return bad(e, ANJU_EUNPROCESSABLE, "period_future", "period",
			   "月报只能统计本月及以前的月份");
	period_format(p, ptext);
	if ((rc = scope_q_init(db, c, rq, period_last_day(p), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0)
		goto out;
	cells = xcalloc(cs.n + 1, sizeof(*cells));
	per = xcalloc(cs.n + 1, sizeof(*per));
	rec = xcalloc(cs.n + 1, sizeof(*rec));
	hh3 = xcalloc(cs.n + 1, sizeof(*hh3));
	hh6 = xcalloc(cs.n + 1, sizeof(*hh6));
	month_bounds(p, start, end);
	if ((rc = collection_grid(db, &q, &cs, p, 1, cells, e)) != 0 ||
	    (rc = receipts_in(db, &q, &cs, false, start, end, rec, e)) != 0 ||
	    (rc = receipts_in(db, &q, &cs, true, start, end, rec, e)) != 0 ||
	    (rc = arrears_load(db, &q, 0, &s, e)) != 0)
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		ssize_t ci = community_index(&cs, s.v[i].community_id);

		if (ci >= 0)
			arrears_sum_add(&per[ci], &s.v[i]);
	}
	households_owing(&s, &cs, 3, hh3, &all3);
	households_owing(&s, &cs, 6, hh6, &all6);
	rows = json_array();
	for (size_t ci = 0; ci < cs.n; ci++) {
		json_array_append_new(rows, bureau_row(community_obj(&cs, ci), &cells[ci], &per[ci],
						       hh3[ci], hh6[ci], &rec[ci]));
		cell_add(&tcell, &cells[ci]);
		tsum.owed += per[ci].owed;
		tsum.chains += per[ci].chains;
		for (int b = 0; b < ARREARS_BUCKETS; b++)
			tsum.bucket[b] += per[ci].bucket[b];
		trec.issued += rec[ci].issued;
		trec.issued_fen += rec[ci].issued_fen;
		trec.voided += rec[ci].voided;
		trec.voided_fen += rec[ci].voided_fen;
	}
	*out = json_pack("{s:s, s:s, s:o, s:o, s:o}", "period", ptext, "as_of", q.as_of_text,
			 "community_id", opt_community(q.community_id), "rows", rows, "total",
			 bureau_row(json_object(), &tcell, &tsum, all3, all6, &trec));
	rows = NULL;
out:
	json_decref(rows);
	free(cells);
	free(per);
	free(rec);
	free(hh3);
	free(hh6);
	free(s.v);
	communities_free(&cs);
	return rc;
}

/*
 * The bank's report: how the month's money came in.
 */

static int
bank(struct db *db, const struct caller *c, const struct report_query *rq, json_t **out,
     struct anju_err *e)
{
	struct communities cs = { 0 };
	struct scope_q q;
	struct period p;
	struct db_stmt *st;
	char ptext[PERIOD_FMT_LEN], first[DATE_FMT_LEN], last[DATE_FMT_LEN];
	int64_t n[CHANNEL_COUNT] = { 0 }, fen[CHANNEL_COUNT] = { 0 }, rn[CHANNEL_COUNT] = { 0 },
		rfen[CHANNEL_COUNT] = { 0 };
	int64_t w[3][2] = { { 0 } }; /* succeeded, failed, pending: count, fen */
	int64_t matched = 0, matched_fen = 0, susp = 0, susp_fen = 0, susp_m = 0, susp_m_fen = 0;
	int64_t tn = 0, tfen = 0;
	json_t *channels = NULL;
	int rc;

	*out = NULL;
	if ((rc = parse_period(rq->period, "period", true, &p, e)) != 0)
		return rc;
	if (period_cmp(p, period_of(date_today_shanghai())) > 0)
		return bad(e, ANJU_EUNPROCESSABLE, "period_future", "period",
			   "只能统计本月及以前的月份");
	period_format(p, ptext);
	date_format(period_first_day(p), first);
	date_format(period_last_day(p), last);
	if ((rc = scope_q_init(db, c, rq, period_last_day(p), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0)
		goto out;

	/* Payments posted in the month's ledger period, by channel. */
	if ((rc = db_prepare(db,
			     "SELECT p.channel, COUNT(*), SUM(p.amount_fen),"
			     " SUM(CASE WHEN p.state = 'reversed' THEN 1 ELSE 0 END),"
			     " SUM(CASE WHEN p.state = 'reversed' THEN p.amount_fen ELSE 0 END)"
			     " FROM payment p JOIN household h ON h.id = p.household_id"
			     " WHERE p.period = ? AND " IN_SCOPE_SQL(
				     "h.community_id") " GROUP BY p.channel",
			     &st)) != 0)
		goto fail;
	db_bind_cstr(st, 1, ptext);
	bind_in_scope(st, 2, &q);
	while ((rc = db_step(st)) == DB_ROW) {
		enum payment_channel ch;

		if (channel_parse(db_col_text(st, 0), &ch) != 0)
			continue;
		n[ch] = db_col_int64(st, 1);
		fen[ch] = db_col_int64(st, 2);
		rn[ch] = db_col_int64(st, 3);
		rfen[ch] = db_col_int64(st, 4);
	}
	db_reset(st);
	if (rc != DB_DONE)
		goto fail;

	/* Withholding items of the month's batches, by outcome. */
	if ((rc = db_prepare(
		     db,
		     "SELECT wi.state, COUNT(*), SUM(wi.amount_fen) FROM withholding_item wi"
		     " JOIN withholding_batch wb ON wb.id = wi.batch_id"
		     " JOIN household h ON h.id = wi.household_id"
		     " WHERE wb.period = ? AND " IN_SCOPE_SQL(
			     "h.community_id") " GROUP BY wi.state",
		     &st)) != 0)
		goto fail;
	db_bind_cstr(st, 1, ptext);
	bind_in_scope(st, 2, &q);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *state = db_col_text(st, 0);
		int k = strcmp(state, "succeeded") == 0 ? 0 : strcmp(state, "failed") == 0 ? 1 : 2;

		w[k][0] += db_col_int64(st, 1);
		w[k][1] += db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_DONE)
		goto fail;

	/* Money in on the statements: matched in the month, and what sits in
	 * suspense at its end (a line of no known household only for those
	 * who see every community). */
	if ((rc = db_prepare(
		     db,
		     "SELECT"
		     " SUM(CASE WHEN bl.state = 'matched' AND bl.posted_on >= ? THEN 1"
		     " ELSE 0 END),"
		     " SUM(CASE WHEN bl.state = 'matched' AND bl.posted_on >= ?"
		     " THEN bl.amount_fen ELSE 0 END),"
		     " SUM(CASE WHEN bl.state IN ('unmatched', 'suggested') THEN 1 ELSE 0 END),"
		     " SUM(CASE WHEN bl.state IN ('unmatched', 'suggested') THEN bl.amount_fen"
		     " ELSE 0 END),"
		     " SUM(CASE WHEN bl.state IN ('unmatched', 'suggested')"
		     " AND bl.posted_on >= ? THEN 1 ELSE 0 END),"
		     " SUM(CASE WHEN bl.state IN ('unmatched', 'suggested')"
		     " AND bl.posted_on >= ? THEN bl.amount_fen ELSE 0 END)"
		     " FROM bank_line bl LEFT JOIN household h ON h.id = bl.household_id"
		     " WHERE bl.amount_fen > 0 AND bl.posted_on <= ?"
		     " AND " IN_SCOPE_SQL("h.community_id"),
		     &st)) != 0)
		goto fail;
	db_bind_cstr(st, 1, first);
	db_bind_cstr(st, 2, first);
	db_bind_cstr(st, 3, first);
	db_bind_cstr(st, 4, first);
	db_bind_cstr(st, 5, last);
	bind_in_scope(st, 6, &q);
	if ((rc = db_step(st)) == DB_ROW) {
		matched = db_col_int64(st, 0);
		matched_fen = db_col_int64(st, 1);
		susp = db_col_int64(st, 2);
		susp_fen = db_col_int64(st, 3);
		susp_m = db_col_int64(st, 4);
		susp_m_fen = db_col_int64(st, 5);
	}
	db_reset(st);
	if (rc != DB_ROW)
		goto fail;

	channels = json_array();
	for (int ch = 0; ch < CHANNEL_COUNT; ch++) {
		json_array_append_new(channels,
				      json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "channel",
						channel_name(ch), "title", channel_title(ch),
						"payments", (json_int_t)n[ch], "amount_fen",
						(json_int_t)fen[ch], "reversed", (json_int_t)rn[ch],
						"reversed_fen", (json_int_t)rfen[ch]));
		tn += n[ch];
		tfen += fen[ch];
	}
	*out = json_pack("{s:s, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
			 " s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}}",
			 "period", ptext, "community_id", opt_community(q.community_id), "channels",
			 channels, "total", "payments", (json_int_t)tn, "amount_fen",
			 (json_int_t)tfen, "withholding", "succeeded", (json_int_t)w[0][0],
			 "succeeded_fen", (json_int_t)w[0][1], "failed", (json_int_t)w[1][0],
			 "failed_fen", (json_int_t)w[1][1], "pending", (json_int_t)w[2][0],
			 "pending_fen", (json_int_t)w[2][1], "bank_transfers", "matched",
			 (json_int_t)matched, "matched_fen", (json_int_t)matched_fen, "suspense",
			 "lines", (json_int_t)susp, "amount_fen", (json_int_t)susp_fen, "in_month",
			 (json_int_t)susp_m, "in_month_fen", (json_int_t)susp_m_fen);
	channels = NULL;
	rc = 0;
	goto out;
fail:
	rc = db_fail(db, rc, e);
out:
	json_decref(channels);
	communities_free(&cs);
	return rc;
}

int
report_build(struct db *db, const struct caller *c, enum report_kind k,
	     const struct report_query *q, json_t **out, struct anju_err *e)
{
	*out = NULL;
	switch (k) {
	case REPORT_RENT_LEDGER: return rent_ledger(db, c, q, false, out, e);
	case REPORT_COLLECTION: return collection(db, c, q, out, e);
	case REPORT_ARREARS: return arrears(db, c, q, out, e);
	case REPORT_BUREAU: return bureau(db, c, q, out, e);
	case REPORT_BANK: return bank(db, c, q, out, e);
	default: return anju_fail(e, ANJU_EINVAL, "report_unknown", "report", "没有这种报表");
	}
}

/* For the workbook: every item, in the order people read it. */
static int
report_full(struct db *db, const struct caller *c, enum report_kind k, const struct report_query *q,
	    json_t **out, struct anju_err *e)
{
	struct report_query all = *q;

	all.after_id = 0;
	all.limit = 0;
	if (k == REPORT_RENT_LEDGER)
		return rent_ledger(db, c, &all, true, out, e);
	return report_build(db, c, k, &all, out, e);
}

int
report_dashboard(struct db *db, const struct caller *c, const struct report_query *rq, json_t **out,
		 struct anju_err *e)
{
	struct communities cs = { 0 };
	struct arrears_set s = { 0 };
	struct arrears_sum total = { 0 }, *per = NULL;
	struct cell *cells = NULL, now = { 0 };
	struct scope_q q;
	struct period to, from;
	int months = rq->months ? rq->months : 12;
	char ptext[PERIOD_FMT_LEN];
	json_t *ageing = NULL, *headline;
	int rc;

	*out = NULL;
	if (months < 1 || months > 24)
		return bad(e, ANJU_EINVAL, "out_of_range", "months", "月数应在 1 到 24 之间");
	if ((rc = scope_q_init(db, c, rq, date_today_shanghai(), &q, e)) != 0 ||
	    (rc = communities_load(db, &q, &cs, e)) != 0)
		goto out;
	to = period_of(q.as_of);
	from = period_add(to, -(months - 1));
	cells = xcalloc(cs.n * (size_t)months + 1, sizeof(*cells));
	per = xcalloc(cs.n + 1, sizeof(*per));
	if ((rc = collection_grid(db, &q, &cs, from, months, cells, e)) != 0 ||
	    (rc = arrears_load(db, &q, 0, &s, e)) != 0)
		goto out;
	for (size_t ci = 0; ci < cs.n; ci++)
		cell_add(&now, &cells[ci * months + months - 1]);
	for (size_t i = 0; i < s.n; i++) {
		ssize_t ci = community_index(&cs, s.v[i].community_id);

		arrears_sum_add(&total, &s.v[i]);
		if (ci >= 0)
			arrears_sum_add(&per[ci], &s.v[i]);
	}
	ageing = json_array();
	for (size_t ci = 0; ci < cs.n; ci++)
		json_array_append_new(ageing, arrears_sum_json(community_obj(&cs, ci), &per[ci]));
	period_format(to, ptext);
	headline = figures(json_pack("{s:s}", "period", ptext), &now);
	json_object_set_new(headline, "arrears_fen", json_integer(total.owed));
	json_object_set_new(headline, "chains_owing", json_integer(total.chains));
	json_object_set_new(headline, "chains_3plus", json_integer(total.chains_3));
	json_object_set_new(headline, "chains_6plus", json_integer(total.chains_6));
	json_object_set_new(headline, "bucket_fen", buckets_json(total.bucket));
	*out = json_pack("{s:s, s:i, s:o, s:o, s:o}", "as_of", q.as_of_text, "months", months,
			 "community_id", opt_community(q.community_id), "headline", headline,
			 "ageing", ageing);
	ageing = NULL;
	collection_json(&cs, from, months, cells, *out);
	/* The dashboard draws by_period and rows; the range sums are not its. */
	json_object_del(*out, "by_community");
	json_object_del(*out, "total");
out:
	json_decref(ageing);
	free(cells);
	free(per);
	free(s.v);
	communities_free(&cs);
	return rc;
}

/*
 * The workbooks.  Each report is the same JSON written as one or two
 * sheets: a title line, a header, the rows, the totals.  Amounts are
 * numbers of yuan ("0.00"), rates percentages.
 */

enum xc_type {
	XC_TEXT,
	XC_INT,
	XC_FEN,
	XC_RATE,   /* basis points, or null */
	XC_BUCKET, /* bucket_fen[idx] */
	XC_KIND,   /* a charge kind, in Chinese */
	XC_STATE,  /* a charge state, in Chinese */
};

struct xcol {
	const char *title;
	const char *key;
	enum xc_type type;
	int idx;
	double width;
};

struct xfmt {
	lxw_format *bold, *yuan, *bold_yuan, *pct, *bold_pct, *title;
};

static const char *
state_title(const char *s)
{
	if (s == NULL)
		return "";
	if (strcmp(s, "open") == 0)
		return "未缴清";
	if (strcmp(s, "paid") == 0)
		return "已缴清";
	return s;
}

static void
xcell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct xcol *x, json_t *o,
      const struct xfmt *f, bool bold)
{
	json_t *v = json_object_get(o, x->key);
	enum charge_kind k;

	switch (x->type) {
	case XC_TEXT:
		if (json_is_string(v))
			worksheet_write_string(ws, row, col, json_string_value(v),
					       bold ? f->bold : NULL);
		break;
	case XC_INT:
		if (json_is_integer(v))
			worksheet_write_number(ws, row, col, (double)json_integer_value(v),
					       bold ? f->bold : NULL);
		break;
	case XC_FEN:
		if (json_is_integer(v))
			xlsx_write_fen(ws, row, col, json_integer_value(v),
				       bold ? f->bold_yuan : f->yuan);
		break;
	case XC_BUCKET:
		v = json_array_get(v, (size_t)x->idx);
		if (json_is_integer(v))
			xlsx_write_fen(ws, row, col, json_integer_value(v),
				       bold ? f->bold_yuan : f->yuan);
		break;
	case XC_RATE:
		if (json_is_integer(v))
			worksheet_write_number(ws, row, col,
					       (double)json_integer_value(v) / 10000.0,
					       bold ? f->bold_pct : f->pct);
		else
			worksheet_write_string(ws, row, col, "—", NULL);
		break;
	case XC_KIND:
		if (json_is_string(v) && charge_kind_parse(json_string_value(v), &k) == 0)
			worksheet_write_string(ws, row, col, charge_kind_title(k), NULL);
		break;
	case XC_STATE:
		worksheet_write_string(ws, row, col, state_title(json_string_value(v)), NULL);
		break;
	}
}

/* The header at row, then each object of rows; the next free row. */
static lxw_row_t
xtable(lxw_worksheet *ws, lxw_row_t row, const struct xcol *cols, json_t *rows,
       const struct xfmt *f)
{
	size_t i;
	json_t *o;

	for (lxw_col_t c = 0; cols[c].title != NULL; c++)
		worksheet_write_string(ws, row, c, cols[c].title, f->bold);
	row++;
	json_array_foreach (rows, i, o) {
		for (lxw_col_t c = 0; cols[c].title != NULL; c++)
			xcell(ws, row, c, &cols[c], o, f, false);
		row++;
	}
	return row;
}

/* One bold row of totals: label in the first column, o's figures after. */
static lxw_row_t
xtotal(lxw_worksheet *ws, lxw_row_t row, const struct xcol *cols, json_t *o, const char *label,
       const struct xfmt *f)
{
	worksheet_write_string(ws, row, 0, label, f->bold);
	for (lxw_col_t c = 1; cols[c].title != NULL; c++)
		if (cols[c].type != XC_TEXT)
			xcell(ws, row, c, &cols[c], o, f, true);
	return row + 1;
}

static lxw_worksheet *
xsheet(lxw_workbook *wb, const char *name, const struct xcol *cols, const char *title,
       const struct xfmt *f)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);

	for (lxw_col_t c = 0; cols[c].title != NULL; c++)
		worksheet_set_column(ws, c, c, cols[c].width, NULL);
	worksheet_write_string(ws, 0, 0, title, f->title);
	worksheet_freeze_panes(ws, 2, 0);
	return ws;
}

static const struct xcol ledger_cols[] = {
	{ "小区", "community_name", XC_TEXT, 0, 16 }, { "房号", "unit_number", XC_TEXT, 0, 12 },
	{ "户主", "head_name", XC_TEXT, 0, 10 },      { "费用类型", "kind", XC_KIND, 0, 12 },
	{ "应缴日期", "due_on", XC_TEXT, 0, 12 },     { "应收(元)", "due_fen", XC_FEN, 0, 12 },
	{ "已收(元)", "paid_fen", XC_FEN, 0, 12 },    { "欠缴(元)", "owed_fen", XC_FEN, 0, 12 },
	{ "状态", "state", XC_STATE, 0, 10 },         { NULL },
};

/* The totals of the ledger under the columns of ledger_cols. */
static const struct xcol ledger_total_cols[] = {
	{ "", NULL, XC_TEXT },      { "", NULL, XC_TEXT },
	{ "", NULL, XC_TEXT },      { "笔数", "charges", XC_INT },
	{ "", NULL, XC_TEXT },      { "", "due_fen", XC_FEN },
	{ "", "paid_fen", XC_FEN }, { "", "owed_fen", XC_FEN },
	{ "", "rate_bp", XC_RATE }, { NULL },
};

static const struct xcol collection_cols[] = {
	{ "小区", "community_name", XC_TEXT, 0, 16 },
	{ "月份", "period", XC_TEXT, 0, 10 },
	{ "笔数", "charges", XC_INT, 0, 8 },
	{ "应收(元)", "due_fen", XC_FEN, 0, 14 },
	{ "已收(元)", "collected_fen", XC_FEN, 0, 14 },
	{ "欠缴(元)", "owed_fen", XC_FEN, 0, 14 },
	{ "收缴率", "rate_bp", XC_RATE, 0, 10 },
	{ NULL },
};

static const struct xcol arrears_cols[] = {
	{ "小区", "community_name", XC_TEXT, 0, 16 },
	{ "房号", "unit_number", XC_TEXT, 0, 12 },
	{ "户主", "head_name", XC_TEXT, 0, 10 },
	{ "欠缴月数", "months_owed", XC_INT, 0, 10 },
	{ "欠缴(元)", "owed_fen", XC_FEN, 0, 12 },
	{ "30天以内", "bucket_fen", XC_BUCKET, 0, 12 },
	{ "31至90天", "bucket_fen", XC_BUCKET, 1, 12 },
	{ "91至180天", "bucket_fen", XC_BUCKET, 2, 12 },
	{ "180天以上", "bucket_fen", XC_BUCKET, 3, 12 },
	{ "最早应缴日", "oldest_due_on", XC_TEXT, 0, 12 },
	{ NULL },
};

static const struct xcol arrears_sum_cols[] = {
	{ "小区", "community_name", XC_TEXT, 0, 16 },
	{ "欠缴合同数", "chains", XC_INT, 0, 12 },
	{ "欠缴(元)", "owed_fen", XC_FEN, 0, 14 },
	{ "30天以内", "bucket_fen", XC_BUCKET, 0, 12 },
	{ "31至90天", "bucket_fen", XC_BUCKET, 1, 12 },
	{ "91至180天", "bucket_fen", XC_BUCKET, 2, 12 },
	{ "180天以上", "bucket_fen", XC_BUCKET, 3, 12 },
	{ "欠3个月以上", "chains_3plus", XC_INT, 0, 12 },
	{ "欠6个月以上", "chains_6plus", XC_INT, 0, 12 },
	{ NULL },
};

static const struct xcol bureau_cols[] = {
	{ "小区", "community_name", XC_TEXT, 0, 16 },
	{ "应收(元)", "due_fen", XC_FEN, 0, 14 },
	{ "已收(元)", "collected_fen", XC_FEN, 0, 14 },
	{ "收缴率", "rate_bp", XC_RATE, 0, 10 },
	{ "欠缴合计(元)", "arrears_fen", XC_FEN, 0, 14 },
	{ "30天以内", "bucket_fen", XC_BUCKET, 0, 12 },
	{ "31至90天", "bucket_fen", XC_BUCKET, 1, 12 },
	{ "91至180天", "bucket_fen", XC_BUCKET, 2, 12 },
	{ "180天以上", "bucket_fen", XC_BUCKET, 3, 12 },
	{ "欠3个月以上户数", "households_3plus", XC_INT, 0, 14 },
	{ "欠6个月以上户数", "households_6plus", XC_INT, 0, 14 },
	{ "开具票据(张)", "receipts_issued", XC_INT, 0, 12 },
	{ "开具金额(元)", "receipts_issued_fen", XC_FEN, 0, 14 },
	{ "作废票据(张)", "receipts_voided", XC_INT, 0, 12 },
	{ "作废金额(元)", "receipts_voided_fen", XC_FEN, 0, 14 },
	{ NULL },
};

static const struct xcol bank_cols[] = {
	{ "收款方式", "title", XC_TEXT, 0, 16 },
	{ "笔数", "payments", XC_INT, 0, 10 },
	{ "金额(元)", "amount_fen", XC_FEN, 0, 14 },
	{ "其中冲正笔数", "reversed", XC_INT, 0, 14 },
	{ "冲正金额(元)", "reversed_fen", XC_FEN, 0, 14 },
	{ NULL },
};

/* "label: n 笔, fen 元" lines of the bank's report. */
static lxw_row_t
xpair(lxw_worksheet *ws, lxw_row_t row, const char *label, json_t *o, const char *nkey,
      const char *fkey, const struct xfmt *f)
{
	worksheet_write_string(ws, row, 0, label, NULL);
	worksheet_write_number(ws, row, 1, (double)json_integer_value(json_object_get(o, nkey)),
			       NULL);
	xlsx_write_fen(ws, row, 2, json_integer_value(json_object_get(o, fkey)), f->yuan);
	return row + 1;
}

static void
workbook_fill(lxw_workbook *wb, enum report_kind k, json_t *r, const struct xfmt *f)
{
	const char *as_of = json_string_value(json_object_get(r, "as_of"));
	char title[256];
	lxw_worksheet *ws;
	lxw_row_t row;
	json_t *o;

	switch (k) {
	case REPORT_RENT_LEDGER:
		snprintf(title, sizeof(title), "租金台账  %s（已收截至 %s）",
			 json_string_value(json_object_get(r, "period")), as_of);
		ws = xsheet(wb, "租金台账", ledger_cols, title, f);
		row = xtable(ws, 1, ledger_cols, json_object_get(r, "items"), f);
		o = json_object_get(r, "totals");
		worksheet_write_string(ws, row, 0, "合计", f->bold);
		for (lxw_col_t c = 1; ledger_total_cols[c].title != NULL; c++)
			if (ledger_total_cols[c].key != NULL)
				xcell(ws, row, c, &ledger_total_cols[c], o, f, true);
		break;
	case REPORT_COLLECTION:
		snprintf(title, sizeof(title), "租金收缴情况  %s 至 %s（已收截至 %s）",
			 json_string_value(json_object_get(r, "from")),
			 json_string_value(json_object_get(r, "to")), as_of);
		ws = xsheet(wb, "收缴情况", collection_cols, title, f);
		row = xtable(ws, 1, collection_cols, json_object_get(r, "rows"), f);
		row++;
		worksheet_write_string(ws, row++, 0, "各月合计", f->bold);
		row = xtable(ws, row, collection_cols, json_object_get(r, "by_period"), f);
		xtotal(ws, row, collection_cols, json_object_get(r, "total"), "总计", f);
		break;
	case REPORT_ARREARS:
		snprintf(title, sizeof(title), "欠缴明细（截至 %s）", as_of);
		ws = xsheet(wb, "欠缴明细", arrears_cols, title, f);
		xtable(ws, 1, arrears_cols, json_object_get(r, "items"), f);
		snprintf(title, sizeof(title), "欠缴汇总（截至 %s）", as_of);
		ws = xsheet(wb, "欠缴汇总", arrears_sum_cols, title, f);
		row = xtable(ws, 1, arrears_sum_cols, json_object_get(r, "by_community"), f);
		xtotal(ws, row, arrears_sum_cols, json_object_get(r, "totals"), "合计", f);
		break;
	case REPORT_BUREAU:
		snprintf(title, sizeof(title), "公租房租金月报  %s（截至 %s）",
			 json_string_value(json_object_get(r, "period")), as_of);
		ws = xsheet(wb, "月报", bureau_cols, title, f);
		row = xtable(ws, 1, bureau_cols, json_object_get(r, "rows"), f);
		xtotal(ws, row, bureau_cols, json_object_get(r, "total"), "合计", f);
		break;
	case REPORT_BANK:
		snprintf(title, sizeof(title), "银行收款报表  %s",
			 json_string_value(json_object_get(r, "period")));
		ws = xsheet(wb, "银行报表", bank_cols, title, f);
		row = xtable(ws, 1, bank_cols, json_object_get(r, "channels"), f);
		o = json_object_get(r, "total");
		worksheet_write_string(ws, row, 0, "合计", f->bold);
		worksheet_write_number(ws, row, 1,
				       (double)json_integer_value(json_object_get(o, "payments")),
				       f->bold);
		xlsx_write_fen(ws, row, 2, json_integer_value(json_object_get(o, "amount_fen")),
			       f->bold_yuan);
		row += 2;
		worksheet_write_string(ws, row, 0, "项目", f->bold);
		worksheet_write_string(ws, row, 1, "笔数", f->bold);
		worksheet_write_string(ws, row++, 2, "金额(元)", f->bold);
		o = json_object_get(r, "withholding");
		row = xpair(ws, row, "代扣成功", o, "succeeded", "succeeded_fen", f);
		row = xpair(ws, row, "代扣失败", o, "failed", "failed_fen", f);
		row = xpair(ws, row, "代扣待回盘", o, "pending", "pending_fen", f);
		row = xpair(ws, row, "银行转账已匹配", json_object_get(r, "bank_transfers"),
			    "matched", "matched_fen", f);
		o = json_object_get(r, "suspense");
		row = xpair(ws, row, "月末待查明款项", o, "lines", "amount_fen", f);
		xpair(ws, row, "其中本月入账", o, "in_month", "in_month_fen", f);
		break;
	default: break;
	}
}

int
report_xlsx(struct db *db, const struct caller *c, enum report_kind k, const struct report_query *q,
	    struct buf *out, struct anju_err *e)
{
	char path[XLSX_TEMP_PATH_MAX];
	lxw_workbook *wb;
	struct xfmt f;
	json_t *r = NULL;
	int rc;

	if ((rc = report_full(db, c, k, q, &r, e)) != 0)
		return rc;
	if ((wb = xlsx_temp_new(path, e)) == NULL) {
		rc = ANJU_EIO;
		goto out;
	}
	f.bold = workbook_add_format(wb);
	format_set_bold(f.bold);
	f.title = workbook_add_format(wb);
	format_set_bold(f.title);
	format_set_font_size(f.title, 13);
	f.yuan = workbook_add_format(wb);
	format_set_num_format(f.yuan, "#,##0.00");
	f.bold_yuan = workbook_add_format(wb);
	format_set_bold(f.bold_yuan);
	format_set_num_format(f.bold_yuan, "#,##0.00");
	f.pct = workbook_add_format(wb);
	format_set_num_format(f.pct, "0.00%");
	f.bold_pct = workbook_add_format(wb);
	format_set_bold(f.bold_pct);
	format_set_num_format(f.bold_pct, "0.00%");
	workbook_fill(wb, k, r, &f);
	rc = xlsx_temp_finish(wb, path, out, e);
out:
	json_decref(r);
	return rc;
}
