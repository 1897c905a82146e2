/*
 * The billing run (计租): one rent charge per lease chain in force in a
 * month, raised through the money core in chunks.  See billing.h and
 * docs/rent-billing.md.  Owns billing_run and rent_line (sql/020_rent.sql).
 *
 * What a chain owes for a month: every lease of the chain in force on a day
 * of the month (signed, in force or ended, starts_on <= day <=
 * COALESCE(ended_on, ends_on)) bills its days at its monthly rent, prorated
 * by days in the month with the standard's rounding; days of the same
 * monthly amount are summed before rounding, so a change of lease inside a
 * month bills the month once and a full month is exactly the monthly rent.
 * Days after an eviction's vacate period are not rent: they are overstay
 * (overstay_rent) at the policy's market rate per m² of the unit's floor
 * area (tenancy/recheck.h eviction_overstays).  When a month's rent was
 * billed before the overstay was known, the overstay charge bills only the
 * market rate's excess over the rent already billed for those days.
 *
 * The job ("rent_bill") walks the chains in id order, a chunk of chains per
 * transaction: their charges (charge_raise_batch: one journal, balances,
 * credit settled, one audit row), their rent_line rows, the run's counts and
 * the checkpoint commit together.  A charge is unique on (chain, kind,
 * period), so a run killed at any moment and run again, or run twice, adds
 * only what is missing, and a charge never exists without its entries.
 * Overstays, which are few, come in a last chunk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "http/http.h"
#include "jobs/job.h"
#include "money/ledger.h"
#include "money/money.h"
#include "rent/billing.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"

#define LINE_ROWS_MAX 128 /* rent_line rows per statement */

static int chunk_chains = BILL_CHUNK_DEFAULT;

void
bill_set_chunk(int chains)
{
	chunk_chains = chains > 0 ? chains : BILL_CHUNK_DEFAULT;
}

/*
 * Periods.
 */

int
bill_period_check(struct db *db, const char *period, const char *today, bool catch_up,
		  struct anju_err *e)
{
	struct period p, now;
	struct date t;
	bool closed = false;
	char next[PERIOD_FMT_LEN];
	int rc;

	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period",
				 "计租月份应为 YYYY-MM 格式，例如 2026-12");
	if (today == NULL || date_parse(str_c(today), &t) != 0)
		t = date_today_shanghai();
	now = period_of(t);
	period_format(period_add(now, 1), next);
	if (period_cmp(p, period_add(now, 1)) > 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "period_too_far", "period",
				 "只能为本月或下月（%s）计租，%s 太远", next, period);
	if (period_cmp(p, now) < 0 && !catch_up)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "period_past", "period",
				 "以前的月份（%s）只能为指定的合同链补计租金", period);
	if ((rc = ledger_period_closed(db, period, &closed, e)) != 0)
		return rc;
	if (closed)
		return anju_fail(e, ANJU_ECONFLICT, "period_closed", "period",
				 "会计期间 %s 已结账，不能再计租", period);
	return 0;
}

/*
 * What a chain owes.
 */

/* A lease of a chain in force on some day of the month, clipped to it. */
struct seg {
	int64_t chain_id, lease_id, household_id, unit_id, community_id;
	int64_t from, to; /* day numbers (date_to_days), inside the month */
	int64_t monthly, standard_id, area, price, share;
	int due_day;
	char reduction[64], rounding[16];
};

/* An overstay of a chain, clipped to the month. */
struct stay {
	int64_t chain_id, lease_id, household_id, unit_id, policy_version;
	int64_t from, to;
};

/* One charge to raise and why it is what it is (a rent_line row). */
struct line {
	int64_t chain_id, lease_id, household_id, unit_id, community_id;
	enum charge_kind kind;
	int64_t amount, standard_id, monthly, area, price, share;
	int days, dim;
	char reduction[64], rounding[16], due_on[DATE_FMT_LEN];
	char *segments; /* JSON, or NULL */
};

struct month {
	char period[PERIOD_FMT_LEN];
	char first_text[DATE_FMT_LEN], last_text[DATE_FMT_LEN];
	struct period p;
	int64_t first, last; /* day numbers */
	int dim;
};

static void
month_init(struct month *m, const char *period)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->period, sizeof(m->period), "%s", period);
	period_parse(str_c(period), &m->p);
	m->first = date_to_days(period_first_day(m->p));
	m->last = date_to_days(period_last_day(m->p));
	m->dim = (int)(m->last - m->first + 1);
	date_format(period_first_day(m->p), m->first_text);
	date_format(period_last_day(m->p), m->last_text);
}

static int64_t
days_of(const char *text)
{
	struct date d;

	if (text == NULL || date_parse(str_c(text), &d) != 0)
		return 0;
	return date_to_days(d);
}

static int64_t
overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

	return hi >= lo ? hi - lo + 1 : 0;
}

static void
due_on(const struct month *m, int due_day, char out[DATE_FMT_LEN])
{
	struct date d = period_first_day(m->p);

	d.d = due_day >= 1 && due_day <= m->dim ? due_day : RENT_DUE_DAY_DEFAULT;
	date_format(d, out);
}

struct lines {
	struct line *v;
	size_t n, cap;
};

/* Segments, read a chunk at a time into the same buffer. */
struct segs {
	struct seg *v;
	size_t n, cap;
};

static struct line *
line_add(struct lines *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

/* Empties the lines, keeping their buffer for the next chunk. */
static void
lines_reset(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].segments);
	l->n = 0;
}

static void
lines_free(struct lines *l)
{
	lines_reset(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The days of a chain's segments that are not overstay. */
static int64_t
rent_days(const struct seg *s, const struct stay *stays, size_t nstays)
{
	int64_t d = s->to - s->from + 1;

	for (size_t k = 0; k < nstays; k++)
		if (stays[k].chain_id == s->chain_id)
			d -= overlap(s->from, s->to, stays[k].from, stays[k].to);
	return d > 0 ? d : 0;
}

/* The rent line of one chain's segments (s[0..n), in lease order), unless
 * it owes no rent this month. */
static int
chain_rent(const struct month *m, const struct seg *s, size_t n, const struct stay *stays,
	   size_t nstays, struct lines *out, struct anju_err *e)
{
	const struct seg *last = &s[n - 1];
	struct {
		int64_t monthly, days;
	} groups[8];
	size_t ngroups = 0;
	enum rounding r = ROUND_HALF_UP;
	int64_t total = 0, days = 0, all = 0;
	struct line *l;

	rounding_parse(last->rounding, &r);
	for (size_t i = 0; i < n; i++) {
		int64_t d = rent_days(&s[i], stays, nstays);
		size_t g;

		all += s[i].to - s[i].from + 1;
		if (d == 0)
			continue;
		for (g = 0; g < ngroups && groups[g].monthly != s[i].monthly; g++)
			;
		if (g == ngroups) {
			if (ngroups == sizeof(groups) / sizeof(groups[0]))
				return anju_fail(e, ANJU_EINTERNAL, "too_many_rates", NULL,
						 "合同链 %lld 一个月内租金标准过多",
						 (long long)s[0].chain_id);
			groups[ngroups].monthly = s[i].monthly;
			groups[ngroups++].days = 0;
		}
		groups[g].days += d;
		days += d;
	}
	for (size_t g = 0; g < ngroups; g++) {
		int64_t part;

		if (money_mul_rate(groups[g].monthly, groups[g].days, m->dim, r, &part) != 0 ||
		    money_add(total, part, &total) != 0)
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "租金超出范围");
	}
	if (total <= 0)
		return 0;
	l = line_add(out);
	l->chain_id = last->chain_id;
	l->lease_id = last->lease_id;
	l->household_id = last->household_id;
	l->unit_id = last->unit_id;
	l->community_id = last->community_id;
	l->kind = CHARGE_RENT;
	l->amount = total;
	l->standard_id = last->standard_id;
	l->monthly = last->monthly;
	l->area = last->area;
	l->price = last->price;
	l->share = last->share;
	l->days = (int)days;
	l->dim = m->dim;
	snprintf(l->reduction, sizeof(l->reduction), "%s", last->reduction);
	snprintf(l->rounding, sizeof(l->rounding), "%s", rounding_name(r));
	due_on(m, last->due_day, l->due_on);
	if (n > 1 || days < all) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			char a[DATE_FMT_LEN], b[DATE_FMT_LEN];

			date_format(date_from_days(s[i].from), a);
			date_format(date_from_days(s[i].to), b);
			json_array_append_new(
				arr, json_pack("{s:I, s:s, s:s, s:I, s:I}", "lease_id",
					       (json_int_t)s[i].lease_id, "from", a, "to", b,
					       "days", (json_int_t)rent_days(&s[i], stays, nstays),
					       "monthly_fen", (json_int_t)s[i].monthly));
		}
		l->segments = json_dumps(arr, JSON_COMPACT);
		json_decref(arr);
	}
	return 0;
}

/* The segments of the chains in (lo, hi], in chain and lease order. */
static int
load_segments(struct db *db, const struct month *m, int64_t lo, int64_t hi, struct segs *out,
	      struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	out->n = 0;
	/* A paper lease (no quote) bills its own amount, rounded half up;
	 * a quoted one names its standard and the quote's inputs.  The range of
	 * chains walks lease's (chain_id, seq) key; the state is compared as
	 * an expression so that no planner prefers the index on state, which
	 * would read every lease for each chunk. */
	rc = db_prepare(
		db,
		"SELECT l.chain_id, l.id, l.household_id, l.unit_id, l.community_id, l.starts_on,"
		" COALESCE(l.ended_on, l.ends_on), l.monthly_rent_fen, q.standard_id,"
		" COALESCE(q.area_centi, u.floor_area), COALESCE(q.price_fen_m2, 0),"
		" COALESCE(q.share_ppm, 1000000), COALESCE(q.reduction, ''),"
		" COALESCE(q.rounding, 'half_up'), COALESCE(s.due_day, 5)"
		" FROM lease l JOIN unit u ON u.id = l.unit_id"
		" LEFT JOIN rent_lease_quote q ON q.lease_id = l.id"
		" LEFT JOIN rent_standard s ON s.id = q.standard_id"
		" WHERE l.chain_id > ? AND l.chain_id <= ? AND (l.state || '') IN ('signed',"
		" 'in_force', 'ended') AND l.starts_on <= ? AND COALESCE(l.ended_on, l.ends_on) >= "
		"?"
		" ORDER BY l.chain_id, l.seq",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, lo);
	db_bind_int64(st, 2, hi);
	db_bind_cstr(st, 3, m->last_text);
	db_bind_cstr(st, 4, m->first_text);
	while ((rc = db_step(st)) == DB_ROW) {
		struct seg *s;
		int64_t from = days_of(db_col_text(st, 5)), to = days_of(db_col_text(st, 6));

		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 512;
			out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
		}
		s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		s->chain_id = db_col_int64(st, 0);
		s->lease_id = db_col_int64(st, 1);
		s->household_id = db_col_int64(st, 2);
		s->unit_id = db_col_int64(st, 3);
		s->community_id = db_col_int64(st, 4);
		s->from = from > m->first ? from : m->first;
		s->to = to < m->last ? to : m->last;
		s->monthly = db_col_int64(st, 7);
		s->standard_id = db_col_int64(st, 8);
		s->area = db_col_int64(st, 9);
		s->price = db_col_int64(st, 10);
		s->share = db_col_int64(st, 11);
		snprintf(s->reduction, sizeof(s->reduction), "%s", db_col_text(st, 12));
		snprintf(s->rounding, sizeof(s->rounding), "%s", db_col_text(st, 13));
		s->due_day = (int)db_col_int64(st, 14);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		out->n = 0;
		return db_fail(db, rc, e);
	}
	return 0;
}

struct stays {
	const struct month *m;
	struct stay *v;
	size_t n, cap;
	const int64_t *only; /* named chains (sorted), or NULL */
	size_t nonly;
};

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
stay_add(void *ud, const struct eviction_overstay *o)
{
	struct stays *s = ud;
	int64_t from = days_of(o->from), to = o->to[0] ? days_of(o->to) : s->m->last;
	struct stay *x;

	if (s->only != NULL &&
	    bsearch(&o->chain_id, s->only, s->nonly, sizeof(int64_t), cmp_id) == NULL)
		return 0;
	if (from < s->m->first)
		from = s->m->first;
	if (to > s->m->last)
		to = s->m->last;
	if (from > to)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	x = &s->v[s->n++];
	x->chain_id = o->chain_id;
	x->lease_id = o->lease_id;
	x->household_id = o->household_id;
	x->unit_id = o->unit_id;
	x->policy_version = o->policy_version;
	x->from = from;
	x->to = to;
	return 0;
}

/* The month's overstays (of the named chains only, when named). */
static int
load_stays(struct db *db, const struct month *m, const int64_t *only, size_t nonly, struct stays *s,
	   struct anju_err *e)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->only = only;
	s->nonly = nonly;
	return eviction_overstays(db, m->first_text, m->last_text, stay_add, s, e);
}

/* Rent lines of the chains whose segments are in segs (grouped by chain). */
static int
rent_lines(const struct month *m, const struct seg *segs, size_t nsegs, const struct stays *stays,
	   struct lines *out, struct anju_err *e)
{
	size_t i = 0;
	int rc;

	while (i < nsegs) {
		size_t j = i;

		while (j < nsegs && segs[j].chain_id == segs[i].chain_id)
			j++;
		if ((rc = chain_rent(m, segs + i, j - i, stays->v, stays->n, out, e)) != 0)
			return rc;
		i = j;
	}
	return 0;
}

/* The market rate of the policy version an eviction was decided under. */
static int
market_rate(struct db *db, int64_t policy_version, const char *on, int64_t *fen_m2,
	    struct anju_err *e)
{
	struct tenancy_policy pol;
	struct db_stmt *st;
	json_t *body = NULL;
	int rc;

	*fen_m2 = 0;
	rc = db_prepare(db, "SELECT body FROM tenancy_rule WHERE id = ? AND kind = 'policy'", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, policy_version);
	if ((rc = db_step(st)) == DB_ROW)
		body = json_loads(db_col_text(st, 0), 0, NULL);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (json_is_integer(json_object_get(body, "market_rent_fen_m2")))
		*fen_m2 = json_integer_value(json_object_get(body, "market_rent_fen_m2"));
	json_decref(body);
	if (*fen_m2 > 0)
		return 0;
	if ((rc = tenancy_policy_get(db, on, &pol, e)) != 0)
		return rc;
	*fen_m2 = pol.market_rent_fen_m2;
	return 0;
}

/* What an earlier run billed as rent for the chain's month: days and rate
 * (0 days when none). */
static int
rent_billed(struct db *db, int64_t chain_id, const char *period, int64_t *days, int64_t *monthly,
	    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*days = *monthly = 0;
	rc = db_prepare(db,
			"SELECT r.days_billed, r.monthly_fen FROM charge c JOIN rent_line r"
			" ON r.charge_id = c.id WHERE c.source_type = 'lease_chain'"
			" AND c.source_id = ? AND c.kind = 'rent' AND c.period = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	db_bind_cstr(st, 2, period);
	if ((rc = db_step(st)) == DB_ROW) {
		*days = db_col_int64(st, 0);
		*monthly = db_col_int64(st, 1);
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The overstay lines of the month, one per chain. */
static int
stay_lines(struct db *db, const struct month *m, const struct stays *stays, struct lines *out,
	   struct anju_err *e)
{
	for (size_t i = 0; i < stays->n; i++) {
		const struct stay *o = &stays->v[i];
		struct segs segs = { 0 };
		struct db_stmt *st;
		enum rounding r = ROUND_HALF_UP;
		int64_t area = 0, community = 0, rate, full, amount, market, days = 0;
		int64_t lease_days = 0;
		int64_t billed_days, billed_monthly, twice;
		struct line *l;
		int rc;
		int due_day = RENT_DUE_DAY_DEFAULT;

		/* One line per chain: its overstays of the month together. */
		if (i > 0 && stays->v[i - 1].chain_id == o->chain_id)
			continue;
		for (size_t k = i; k < stays->n && stays->v[k].chain_id == o->chain_id; k++)
			days += stays->v[k].to - stays->v[k].from + 1;
		rc = db_prepare(db, "SELECT floor_area, community_id FROM unit WHERE id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, o->unit_id);
		if ((rc = db_step(st)) == DB_ROW) {
			area = db_col_int64(st, 0);
			community = db_col_int64(st, 1);
		}
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		if ((rc = market_rate(db, o->policy_version, m->first_text, &rate, e)) != 0 ||
		    (rc = load_segments(db, m, o->chain_id - 1, o->chain_id, &segs, e)) != 0) {
			free(segs.v);
			return rc;
		}
		for (size_t k = 0; k < segs.n; k++) {
			lease_days += segs.v[k].to - segs.v[k].from + 1;
			rounding_parse(segs.v[k].rounding, &r);
			due_day = segs.v[k].due_day;
		}
		free(segs.v);
		if ((rc = rent_billed(db, o->chain_id, m->period, &billed_days, &billed_monthly,
				      e)) != 0)
			return rc;
		/* Days billed as rent before the overstay was known are billed
		 * again only for the market rate's excess. */
		twice = billed_days + days - lease_days;
		if (twice < 0)
			twice = 0;
		if (twice > days)
			twice = days;
		if (money_mul_rate(rate, area, 100, r, &full) != 0 ||
		    money_mul_rate(full, days, m->dim, r, &market) != 0)
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "租金超出范围");
		amount = market;
		if (twice > 0) {
			int64_t paid_as_rent;

			if (money_mul_rate(billed_monthly, twice, m->dim, r, &paid_as_rent) != 0)
				return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL,
						 "租金超出范围");
			amount -= paid_as_rent;
		}
		if (amount <= 0)
			continue;
		l = line_add(out);
		l->chain_id = o->chain_id;
		l->lease_id = o->lease_id;
		l->household_id = o->household_id;
		l->unit_id = o->unit_id;
		l->community_id = community;
		l->kind = CHARGE_OVERSTAY_RENT;
		l->amount = amount;
		l->monthly = full;
		l->area = area;
		l->price = rate;
		l->share = RENT_PPM;
		l->days = (int)days;
		l->dim = m->dim;
		snprintf(l->rounding, sizeof(l->rounding), "%s", rounding_name(r));
		due_on(m, due_day, l->due_on);
		if (twice > 0) {
			json_t *j = json_pack("{s:I, s:I, s:I}", "days_billed_as_rent",
					      (json_int_t)twice, "rent_monthly_fen",
					      (json_int_t)billed_monthly, "market_fen",
					      (json_int_t)market);
			l->segments = json_dumps(j, JSON_COMPACT);
			json_decref(j);
		}
	}
	return 0;
}

/*
 * Writing a chunk.
 */

static size_t
rows_next(size_t left, size_t max)
{
	size_t k = max;

	while (k > left)
		k /= 2;
	return k;
}

/* The rent_line rows of the lines whose charge is new. */
static int
insert_lines(struct db *db, int64_t run_id, int64_t journal_id, const struct month *m,
	     const struct lines *ls, const struct charge_batch_item *items, struct anju_err *e)
{
	size_t *idx = xcalloc(ls->n + 1, sizeof(*idx)), n = 0, done = 0;
	int rc = 0;

	for (size_t i = 0; i < ls->n; i++)
		if (items[i].id != 0)
			idx[n++] = i;
	while (done < n) {
		size_t k = rows_next(n - done, LINE_ROWS_MAX);
		struct buf b;
		struct db_stmt *st;
		int p = 1;

		buf_init(&b, 0);
		buf_adds(&b, "INSERT INTO rent_line (charge_id, run_id, journal_id, chain_id,"
			     " lease_id, household_id, unit_id, community_id, period, kind,"
			     " amount_fen, standard_id, days_billed, days_in_month, monthly_fen,"
			     " area_centi, price_fen_m2, share_ppm, reduction, rounding, segments)"
			     " VALUES ");
		for (size_t i = 0; i < k; i++)
			buf_adds(&b, i ? ",(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
					 "?, ?, ?)"
				       : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
					 "?, ?, ?)");
		rc = db_prepare(db, b.p, &st);
		buf_free(&b);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		for (size_t x = done; x < done + k; x++) {
			const struct line *l = &ls->v[idx[x]];

			db_bind_int64(st, p++, items[idx[x]].id);
			db_bind_int64(st, p++, run_id);
			db_bind_int64(st, p++, journal_id);
			db_bind_int64(st, p++, l->chain_id);
			db_bind_int64(st, p++, l->lease_id);
			db_bind_int64(st, p++, l->household_id);
			db_bind_int64(st, p++, l->unit_id);
			db_bind_int64(st, p++, l->community_id);
			/* The texts outlive the statement's run: bound, not copied. */
			db_bind_static(st, p++, m->period);
			db_bind_static(st, p++, charge_kind_name(l->kind));
			db_bind_int64(st, p++, l->amount);
			if (l->standard_id > 0)
				db_bind_int64(st, p++, l->standard_id);
			else
				db_bind_null(st, p++);
			db_bind_int64(st, p++, l->days);
			db_bind_int64(st, p++, l->dim);
			db_bind_int64(st, p++, l->monthly);
			db_bind_int64(st, p++, l->area);
			db_bind_int64(st, p++, l->price);
			db_bind_int64(st, p++, l->share);
			db_bind_static(st, p++, l->reduction);
			db_bind_static(st, p++, l->rounding);
			db_bind_static(st, p++, l->segments);
		}
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		rc = 0;
		done += k;
	}
out:
	free(idx);
	return rc;
}

struct chunk_out {
	int64_t created, existed, total_fen;
};

/* Raises the lines' charges and records their rent lines. */
static int
raise_lines(struct db *db, int64_t run_id, const struct month *m, const struct lines *ls,
	    const struct audit_actor *who, struct chunk_out *o, struct anju_err *e)
{
	struct charge_batch_item *items;
	struct charge_batch b = { 0 };
	char memo[96];
	int rc;

	memset(o, 0, sizeof(*o));
	if (ls->n == 0)
		return 0;
	items = xcalloc(ls->n, sizeof(*items));
	for (size_t i = 0; i < ls->n; i++) {
		items[i].household_id = ls->v[i].household_id;
		items[i].kind = ls->v[i].kind;
		items[i].amount_fen = ls->v[i].amount;
		items[i].due_on = ls->v[i].due_on;
		items[i].source_id = ls->v[i].chain_id;
	}
	snprintf(memo, sizeof(memo), "%s 租金（计租批次 %lld）", m->period, (long long)run_id);
	b.source_type = "lease_chain";
	b.period = m->period;
	b.object_type = "billing_run";
	b.object_id = run_id;
	b.memo = memo;
	rc = charge_raise_batch(db, &b, items, ls->n, who, e);
	if (rc == 0 && b.created > 0)
		rc = insert_lines(db, run_id, b.journal_id, m, ls, items, e);
	if (rc == 0) {
		o->created = b.created;
		o->existed = b.existed;
		o->total_fen = b.total_fen;
	}
	free(items);
	return rc;
}

/*
 * Runs.
 */

static int
audit_run(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	  json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "billing_run", oid, NULL, after, e);
}

/* An unfinished run of the period: its id, its job's id and state. */
static int
run_unfinished(struct db *db, const char *period, int64_t *id, int64_t *job, char state[16],
	       struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = *job = 0;
	state[0] = '\0';
	rc = db_prepare(db,
			"SELECT r.id, r.job_id, j.state FROM billing_run r JOIN job j"
			" ON j.id = r.job_id WHERE r.period = ? AND r.state = 'running'"
			" AND j.state IN ('queued', 'running') ORDER BY r.id LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	if ((rc = db_step(st)) == DB_ROW) {
		*id = db_col_int64(st, 0);
		*job = db_col_int64(st, 1);
		snprintf(state, 16, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bill_resumable(struct db *db, const char *period, int64_t *run_id, int64_t *job_id,
	       struct anju_err *e)
{
	char state[16];
	int rc = run_unfinished(db, period, run_id, job_id, state, e);

	if (rc == 0 && strcmp(state, "queued") != 0)
		*run_id = *job_id = 0;
	return rc;
}

static int
run_insert(struct db *db, int64_t job, const char *period, json_t *chains, const char *by,
	   int64_t *id, struct anju_err *e)
{
	char now[TIME_FMT_LEN], *text = chains ? json_dumps(chains, JSON_COMPACT) : NULL;
	struct db_stmt *st;
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO billing_run (job_id, period, chains, state, started_at,"
			" created_by) VALUES (?, ?, ?, 'running', ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		free(text);
		return db_fail(db, rc, e);
	}
	if (job > 0)
		db_bind_int64(st, 1, job);
	else
		db_bind_null(st, 1);
	db_bind_cstr(st, 2, period);
	db_bind_cstr(st, 3, text);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, by);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	free(text);
	return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
}

int
bill_chain_visible(struct db *db, const struct caller *c, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT 1 FROM lease_chain WHERE id = ? AND (? = 1 OR community_id IN"
			" (SELECT community_id FROM scope_grant WHERE principal = ?))",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if (c == NULL || c->kind == CALLER_SYSTEM) {
		db_bind_int64(st, 2, 1);
		db_bind_cstr(st, 3, "");
	} else {
		scope_bind(st, 2, c);
	}
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "chain_not_found", "chain_ids",
				 "没有合同链 %lld", (long long)id);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
bill_start(struct db *db, const struct caller *c, const char *period, const int64_t *chains,
	   int nchains, const struct audit_actor *who, int64_t *run_id, int64_t *job_id,
	   struct anju_err *e)
{
	const char *by = who && who->principal ? who->principal : "system";
	char today[DATE_FMT_LEN], state[16];
	int64_t busy = 0, busy_job = 0;
	json_t *params, *list = NULL, *after;
	int rc;

	*run_id = *job_id = 0;
	date_format(date_today_shanghai(), today);
	if (nchains < 0 || nchains > BILL_CHAINS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "chain_ids",
				 "一次最多补计 %d 条合同链", BILL_CHAINS_MAX);
	if ((rc = bill_period_check(db, period, today, nchains > 0, e)) != 0)
		return rc;
	if (nchains > 0) {
		int64_t *sorted = xmalloc((size_t)nchains * sizeof(*sorted));

		memcpy(sorted, chains, (size_t)nchains * sizeof(*sorted));
		qsort(sorted, (size_t)nchains, sizeof(*sorted), cmp_id);
		list = json_array();
		for (int i = 0; i < nchains && rc == 0; i++) {
			if (i > 0 && sorted[i] == sorted[i - 1])
				continue;
			if (sorted[i] <= 0)
				rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "chain_ids",
					       "合同链编号应为正整数");
			else if ((rc = bill_chain_visible(db, c, sorted[i], e)) == 0)
				json_array_append_new(list, json_integer(sorted[i]));
		}
		free(sorted);
		if (rc != 0)
			goto out;
	}
	if ((rc = run_unfinished(db, period, &busy, &busy_job, state, e)) != 0)
		goto out;
	if (busy != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "billing_running", "period",
			       "%s 的计租批次 #%lld 尚未结束（任务 %lld：%s），结束后才能再计租",
			       period, (long long)busy, (long long)busy_job,
			       strcmp(state, "queued") == 0 ? "排队中" : "进行中");
		goto out;
	}
	params = json_pack("{s:s}", "period", period);
	if (list != NULL)
		json_object_set(params, "chains", list);
	rc = job_create(db, "rent_bill", params, by, job_id, e);
	json_decref(params);
	if (rc != 0 || (rc = run_insert(db, *job_id, period, list, by, run_id, e)) != 0)
		goto out;
	after = json_pack("{s:I, s:s, s:O}", "job_id", (json_int_t)*job_id, "period", period,
			  "chains", list ? list : json_null());
	rc = audit_run(db, who, "billing_run.start", *run_id, after, e);
	json_decref(after);
out:
	json_decref(list);
	return rc;
}

#define RUN_SELECT                                                                                 \
	"SELECT r.id, r.job_id, r.period, r.chains, CASE WHEN r.state = 'running' AND j.state"     \
	" IN ('failed', 'canceled') THEN 'failed' ELSE r.state END, r.chains_seen,"                \
	" r.chains_total, r.charges, r.total_fen, r.skipped, r.started_at, r.finished_at,"         \
	" r.created_by, j.error FROM billing_run r LEFT JOIN job j ON j.id = r.job_id"

static json_t *
run_row(struct db_stmt *st, void *ud)
{
	json_t *j, *chains = NULL;

	(void)ud;
	if (!db_col_null(st, 3))
		chains = json_loads(db_col_text(st, 3), 0, NULL);
	j = json_pack("{s:I, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "period", db_col_text(st, 2), "chains",
		      chains ? chains : json_null(), "state", db_col_text(st, 4), "chains_seen",
		      (json_int_t)db_col_int64(st, 5), "chains_total",
		      (json_int_t)db_col_int64(st, 6), "charges", (json_int_t)db_col_int64(st, 7),
		      "total_fen", (json_int_t)db_col_int64(st, 8), "skipped",
		      (json_int_t)db_col_int64(st, 9), "started_at", db_col_text(st, 10),
		      "created_by", db_col_text(st, 12));
	json_object_set_new(j, "job_id",
			    db_col_null(st, 1) ? json_null() : json_integer(db_col_int64(st, 1)));
	json_object_set_new(j, "finished_at",
			    db_col_null(st, 11) ? json_null() : json_string(db_col_text(st, 11)));
	json_object_set_new(j, "error",
			    db_col_null(st, 13) || strcmp(db_col_text(st, 4), "failed") != 0
				    ? json_null()
				    : json_string(db_col_text(st, 13)));
	json_object_set_new(j, "job", json_null());
	return j;
}

static int
run_job(struct db *db, json_t *run, struct anju_err *e)
{
	json_t *job = NULL, *jid = json_object_get(run, "job_id");
	int rc;

	if (!json_is_integer(jid))
		return 0;
	rc = job_get(db, json_integer_value(jid), &job, e);
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	json_object_set_new(run, "job", job);
	return 0;
}

int
bill_run_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(db, RUN_SELECT " WHERE r.id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		*out = run_row(st, NULL);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "billing_run_not_found", NULL, "没有这次计租");
	if ((rc = run_job(db, *out, e)) != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
bill_run_list(struct db *db, const char *period, int64_t before_id, int limit, json_t **items,
	      int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *it;
	size_t i;
	int rc;

	rc = db_prepare(db,
			RUN_SELECT " WHERE r.id < ? AND (? = 0 OR r.period = ?)"
				   " ORDER BY r.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int64(st, 2, period != NULL ? 1 : 0);
	db_bind_cstr(st, 3, period != NULL ? period : "");
	db_bind_int64(st, 4, limit + 1);
	if ((rc = page_collect(st, limit, run_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	json_array_foreach (*items, i, it) {
		if ((rc = run_job(db, it, e)) != 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	}
	return 0;
}

/*
 * The preview of one chain.
 */

static json_t *
line_json(const struct line *l)
{
	json_t *j = json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:s, s:s}",
		"chain_id", (json_int_t)l->chain_id, "lease_id", (json_int_t)l->lease_id,
		"household_id", (json_int_t)l->household_id, "unit_id", (json_int_t)l->unit_id,
		"kind", charge_kind_name(l->kind), "amount_fen", (json_int_t)l->amount, "due_on",
		l->due_on, "days_billed", (json_int_t)l->days, "days_in_month", (json_int_t)l->dim,
		"monthly_fen", (json_int_t)l->monthly, "area_centi", (json_int_t)l->area,
		"price_fen_m2", (json_int_t)l->price, "share_ppm", (json_int_t)l->share,
		"reduction", l->reduction, "rounding", l->rounding);

	json_object_set_new(j, "standard_id",
			    l->standard_id > 0 ? json_integer(l->standard_id) : json_null());
	json_object_set_new(j, "segments",
			    l->segments ? json_loads(l->segments, 0, NULL) : json_null());
	return j;
}

/* The lines of some chains: (lo, hi] and the month's stays, their
 * segments read into segs. */
static int
compute(struct db *db, const struct month *m, int64_t lo, int64_t hi, const struct stays *stays,
	struct segs *segs, struct lines *out, struct anju_err *e)
{
	int rc;

	if ((rc = load_segments(db, m, lo, hi, segs, e)) == 0)
		rc = rent_lines(m, segs->v, segs->n, stays, out, e);
	return rc;
}

int
bill_chain_preview(struct db *db, int64_t chain_id, const char *period, json_t **out,
		   struct anju_err *e)
{
	struct lines ls = { 0 };
	struct segs segs = { 0 };
	struct stays stays;
	struct month m;
	struct period p;
	int rc;

	*out = NULL;
	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period",
				 "计租月份应为 YYYY-MM 格式");
	month_init(&m, period);
	if ((rc = load_stays(db, &m, &chain_id, 1, &stays, e)) != 0)
		return rc;
	if ((rc = compute(db, &m, chain_id - 1, chain_id, &stays, &segs, &ls, e)) == 0 &&
	    (rc = stay_lines(db, &m, &stays, &ls, e)) == 0) {
		*out = json_array();
		for (size_t i = 0; i < ls.n; i++)
			json_array_append_new(*out, line_json(&ls.v[i]));
	}
	free(stays.v);
	free(segs.v);
	lines_free(&ls);
	return rc;
}

/*
 * The job.
 */

static const struct field chain_item = { "chain_id", F_INT, true, 1, INT64_MAX };

static const struct field job_params_fields[] = {
	{ "period", F_PERIOD, false, .desc = "计租月份（默认下月）" },
	{ "chains", F_ARRAY, false, 1, BILL_CHAINS_MAX, .items = &chain_item,
	  .desc = "补计的合同链" },
	{ NULL },
};

struct run_state {
	int64_t id, total, seen;
	struct month m;
	int64_t *chains; /* named chains, sorted; NULL: every chain */
	size_t nchains;
	struct audit_actor who;
	char by[80];
	struct segs segs; /* buffers of a chunk, kept for the next one */
	struct lines lines;
};

static int
job_fail_db(struct job_ctx *ctx, int rc, struct anju_err *e)
{
	struct db *db = job_db(ctx);

	job_chunk_abort(ctx);
	if (e->code != 0 && e->code == rc)
		return rc;
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "database: %s",
			 db_errmsg(db));
}

static int
run_load(struct db *db, int64_t job, struct run_state *r, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *chains = NULL;
	char period[PERIOD_FMT_LEN] = "";
	int rc;

	rc = db_prepare(db,
			"SELECT id, period, chains, chains_total, chains_seen, created_by"
			" FROM billing_run WHERE job_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job);
	if ((rc = db_step(st)) == DB_ROW) {
		r->id = db_col_int64(st, 0);
		snprintf(period, sizeof(period), "%s", db_col_text(st, 1));
		if (!db_col_null(st, 2))
			chains = json_loads(db_col_text(st, 2), 0, NULL);
		r->total = db_col_int64(st, 3);
		r->seen = db_col_int64(st, 4);
		snprintf(r->by, sizeof(r->by), "%s", db_col_text(st, 5));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(chains);
		return db_fail(db, rc, e);
	}
	if (r->id != 0)
		month_init(&r->m, period);
	free(r->chains);
	r->chains = NULL;
	r->nchains = 0;
	if (json_array_size(chains) > 0) {
		json_t *it;
		size_t i;

		r->chains = xcalloc(json_array_size(chains), sizeof(int64_t));
		json_array_foreach (chains, i, it)
			r->chains[r->nchains++] = json_integer_value(it);
		qsort(r->chains, r->nchains, sizeof(int64_t), cmp_id);
	}
	json_decref(chains);
	return 0;
}

/* The chains a run looks at: every chain that may be in force in the month,
 * or the named ones. */
static int
count_chains(struct db *db, struct run_state *r, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if (r->chains != NULL) {
		r->total = (int64_t)r->nchains;
		return 0;
	}
	rc = db_prepare(db,
			"SELECT COUNT(*) FROM lease_chain WHERE started_on <= ?"
			" AND (ended_on IS NULL OR ended_on >= ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, r->m.last_text);
	db_bind_cstr(st, 2, r->m.first_text);
	if ((rc = db_step(st)) == DB_ROW)
		r->total = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The first chunk: the run (made here for a scheduled job: next month) and
 * how many chains there are. */
static int
job_setup(struct job_ctx *ctx, struct run_state *r, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	json_t *p = job_params(ctx);
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = run_load(db, job_id(ctx), r, e)) != 0)
		return job_fail_db(ctx, rc, e);
	if (r->id == 0) {
		/* A scheduled run: next month (the 25th bills the month after),
		 * unless the params name a period. */
		const char *period = json_string_value(json_object_get(p, "period"));
		char next[PERIOD_FMT_LEN], today[DATE_FMT_LEN], by[80];
		json_t *job = NULL, *after;

		date_format(date_today_shanghai(), today);
		period_format(period_add(period_of(date_today_shanghai()), 1), next);
		if (period == NULL)
			period = next;
		if ((rc = job_get(db, job_id(ctx), &job, e)) != 0)
			return job_fail_db(ctx, rc, e);
		snprintf(by, sizeof(by), "%s",
			 json_string_value(json_object_get(job, "created_by")) ?: "system");
		json_decref(job);
		if ((rc = bill_period_check(db, period, today, false, e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		if ((rc = run_insert(db, job_id(ctx), period, NULL, by, &r->id, e)) != 0)
			return job_fail_db(ctx, rc, e);
		if ((rc = run_load(db, job_id(ctx), r, e)) != 0)
			return job_fail_db(ctx, rc, e);
		after = json_pack("{s:I, s:s, s:s}", "job_id", (json_int_t)job_id(ctx), "period",
				  period, "by", by);
		rc = audit_run(db, &r->who, "billing_run.start", r->id, after, e);
		json_decref(after);
		if (rc != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
	}
	if ((rc = count_chains(db, r, e)) != 0)
		return job_fail_db(ctx, rc, e);
	rc = db_prepare(db, "UPDATE billing_run SET chains_total = ? WHERE id = ?", &st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_int64(st, 1, r->total);
	db_bind_int64(st, 2, r->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	return job_chunk_end(ctx, 0, r->total, "0", "开始计租", e);
}

static int
run_add(struct db *db, const struct run_state *r, int64_t seen, const struct chunk_out *o,
	struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"UPDATE billing_run SET chains_seen = ?, charges = charges + ?,"
			" total_fen = total_fen + ?, skipped = skipped + ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, seen);
	db_bind_int64(st, 2, o->created);
	db_bind_int64(st, 3, o->total_fen);
	db_bind_int64(st, 4, o->existed);
	db_bind_int64(st, 5, r->id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* One chunk of chains after *last: *more false when none was left. */
static int
job_chunk(struct job_ctx *ctx, struct run_state *r, int64_t *last, bool *more, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	struct lines *ls = &r->lines;
	struct stays stays = { 0 };
	struct chunk_out o;
	int64_t hi = *last, n = 0;
	char at[32], note[96];
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	/* The window of chains: the next chunk of ids (named chains: the next
	 * ones of the list). */
	if (r->chains != NULL) {
		for (size_t i = 0; i < r->nchains && n < chunk_chains; i++)
			if (r->chains[i] > *last) {
				hi = r->chains[i];
				n++;
			}
	} else {
		rc = db_prepare(db,
				"SELECT MAX(id), COUNT(*) FROM (SELECT id FROM lease_chain"
				" WHERE id > ? AND started_on <= ? AND (ended_on IS NULL"
				" OR ended_on >= ?) ORDER BY id LIMIT ?) w",
				&st);
		if (rc != 0)
			return job_fail_db(ctx, rc, e);
		db_bind_int64(st, 1, *last);
		db_bind_cstr(st, 2, r->m.last_text);
		db_bind_cstr(st, 3, r->m.first_text);
		db_bind_int64(st, 4, chunk_chains);
		if ((rc = db_step(st)) == DB_ROW) {
			hi = db_col_int64(st, 0);
			n = db_col_int64(st, 1);
		}
		db_reset(st);
		if (rc < 0)
			return job_fail_db(ctx, rc, e);
	}
	if (n == 0) {
		*more = false;
		job_chunk_abort(ctx);
		return 0;
	}
	if ((rc = load_stays(db, &r->m, r->chains, r->nchains, &stays, e)) != 0)
		goto fail;
	if (r->chains != NULL) {
		/* Named chains one by one: they are few and far apart. */
		for (size_t i = 0; i < r->nchains && rc == 0; i++)
			if (r->chains[i] > *last && r->chains[i] <= hi)
				rc = compute(db, &r->m, r->chains[i] - 1, r->chains[i], &stays,
					     &r->segs, ls, e);
	} else {
		rc = compute(db, &r->m, *last, hi, &stays, &r->segs, ls, e);
	}
	if (rc != 0 || (rc = raise_lines(db, r->id, &r->m, ls, &r->who, &o, e)) != 0 ||
	    (rc = run_add(db, r, r->seen + n, &o, e)) != 0)
		goto fail;
	r->seen += n;
	*last = hi;
	*more = n == chunk_chains;
	free(stays.v);
	lines_reset(ls);
	snprintf(at, sizeof(at), "%lld", (long long)hi);
	snprintf(note, sizeof(note), "已计租 %lld 条合同链", (long long)r->seen);
	return job_chunk_end(ctx, r->seen, r->total > r->seen ? r->total : r->seen, at, note, e);
fail:
	free(stays.v);
	lines_reset(ls);
	return job_fail_db(ctx, rc, e);
}

/* The last chunk: the month's overstays, the run's end. */
static int
job_finish(struct job_ctx *ctx, struct run_state *r, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct lines ls = { 0 };
	struct stays stays = { 0 };
	struct chunk_out o = { 0 };
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t charges = 0, total = 0, skipped = 0;
	json_t *after;
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = load_stays(db, &r->m, r->chains, r->nchains, &stays, e)) != 0 ||
	    (rc = stay_lines(db, &r->m, &stays, &ls, e)) != 0 ||
	    (rc = raise_lines(db, r->id, &r->m, &ls, &r->who, &o, e)) != 0 ||
	    (rc = run_add(db, r, r->seen, &o, e)) != 0)
		goto fail;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE billing_run SET state = 'done', finished_at = ? WHERE id = ?"
			" RETURNING charges, total_fen, skipped",
			&st);
	if (rc != 0)
		goto fail;
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, r->id);
	if ((rc = db_step(st)) == DB_ROW) {
		charges = db_col_int64(st, 0);
		total = db_col_int64(st, 1);
		skipped = db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_ROW) {
		rc = rc < 0 ? rc : ANJU_EDB;
		goto fail;
	}
	after = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "state", "done", "period", r->m.period,
			  "chains", (json_int_t)r->seen, "charges", (json_int_t)charges,
			  "total_fen", (json_int_t)total, "skipped", (json_int_t)skipped);
	if ((rc = audit_run(db, &r->who, "billing_run.finish", r->id, after, e)) != 0) {
		json_decref(after);
		goto fail;
	}
	json_object_del(after, "state");
	json_object_set_new(after, "run_id", json_integer(r->id));
	job_set_result(ctx, after);
	free(stays.v);
	lines_free(&ls);
	return job_chunk_end(ctx, r->seen, r->seen, "done", "计租完成", e);
fail:
	free(stays.v);
	lines_free(&ls);
	return job_fail_db(ctx, rc, e);
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct run_state r;
	const char *resume;
	int64_t last = 0;
	bool more = true, sqlite = db_engine(db) == DB_SQLITE;
	int rc;

	memset(&r, 0, sizeof(r));
	r.who.principal = r.by; /* filled with the run's creator when it is read */
	r.who.name = "计租任务";
	/* A long run reads and writes much: a larger page cache on this
	 * connection while it runs (NOTES-performance.md). */
	if (sqlite)
		db_exec(db, "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY");
	if (job_resume_at(ctx)[0] == '\0')
		rc = job_setup(ctx, &r, e);
	else if ((rc = run_load(db, job_id(ctx), &r, e)) == 0 && r.id == 0)
		rc = anju_fail(e, ANJU_EINTERNAL, "billing_run_missing", NULL,
			       "job %lld has a checkpoint but no run", (long long)job_id(ctx));
	if (rc != 0)
		goto out;
	resume = job_resume_at(ctx);
	if (strcmp(resume, "done") == 0)
		goto out;
	if (resume[0] != '\0' && str_to_int64(str_c(resume), 0, INT64_MAX, &last) != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
			       "checkpoint \"%s\" is not a chain id", resume);
		goto out;
	}
	while (more && rc == 0)
		rc = job_chunk(ctx, &r, &last, &more, e);
	if (rc == 0)
		rc = job_finish(ctx, &r, e);
out:
	if (sqlite) {
		db_cache_reset(db);
		db_exec(db, "PRAGMA temp_store = DEFAULT");
	}
	free(r.chains);
	free(r.segs.v);
	lines_free(&r.lines);
	return rc;
}

int
bill_now(struct db *db, const char *period, const struct audit_actor *who, int64_t *run_id,
	 struct anju_err *e)
{
	struct run_state r;
	struct lines ls = { 0 }, stay_ls = { 0 };
	struct stays stays = { 0 };
	struct chunk_out o = { 0 }, so = { 0 };
	struct db_stmt *st = NULL;
	char now[TIME_FMT_LEN];
	int rc;

	memset(&r, 0, sizeof(r));
	r.who = *who;
	if ((rc = run_insert(db, 0, period, NULL, who->principal ? who->principal : "system", &r.id,
			     e)) != 0)
		return rc;
	month_init(&r.m, period);
	if ((rc = count_chains(db, &r, e)) != 0 ||
	    (rc = load_stays(db, &r.m, NULL, 0, &stays, e)) != 0 ||
	    (rc = compute(db, &r.m, 0, INT64_MAX, &stays, &r.segs, &ls, e)) != 0 ||
	    (rc = raise_lines(db, r.id, &r.m, &ls, &r.who, &o, e)) != 0 ||
	    (rc = run_add(db, &r, r.total, &o, e)) != 0 ||
	    (rc = stay_lines(db, &r.m, &stays, &stay_ls, e)) != 0 ||
	    (rc = raise_lines(db, r.id, &r.m, &stay_ls, &r.who, &so, e)) != 0 ||
	    (rc = run_add(db, &r, r.total, &so, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	if ((rc = db_prepare(db,
			     "UPDATE billing_run SET state = 'done', chains_total = ?,"
			     " finished_at = ? WHERE id = ?",
			     &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, r.total);
	db_bind_cstr(st, 2, now);
	db_bind_int64(st, 3, r.id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	*run_id = r.id;
out:
	free(stays.v);
	free(r.segs.v);
	lines_free(&ls);
	lines_free(&stay_ls);
	return rc;
}

const struct job_kind job_kind_rent_bill = { "rent_bill", "月度计租（生成租金应收）",
					     job_params_fields, run };
