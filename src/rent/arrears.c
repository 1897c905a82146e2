/*
 * Arrears (欠缴): what a lease chain owes in rent at an as-of date, read
 * from the money core's charges, never stored (rent.h).  Months owed count
 * the billing months (the periods of the chain's rent and overstay_rent
 * charges due on or before as_of) whose charges are not fully paid, over
 * the whole chain: cumulative, not consecutive (art. 29).  A period with
 * both a rent and an overstay charge is one month.  Ageing puts the unpaid
 * part of each such charge in a bucket by days past its due date: 0-30,
 * 31-90, 91-180, over 180.
 *
 * "Not fully paid" is the charge as it stands (state open, paid_fen below
 * amount_fen): as_of chooses which charges are due, not what had been paid
 * by then.  One SQL text, ARREARS_AGG below, is behind every reading, so
 * the months owed and the buckets mean the same on every screen and report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/role.h"
#include "access/scope.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "household/household.h"
#include "rent/dunning.h"
#include "rent/rent.h"
#include "store/db.h"
#include "store/page.h"

/* The unpaid rent charges of chains, one row per charge with its bucket.
 * Parameters: the first days of buckets 0, 1 and 2 (as_of - 30, - 90,
 * - 180), as_of; then what `where` adds. */
#define ARREARS_CHARGES(where)                                                                     \
	"SELECT c.source_id AS chain_id, c.period AS period, c.amount_fen - c.paid_fen AS owed,"   \
	" c.due_on AS due_on, CASE WHEN c.due_on >= CAST(? AS TEXT) THEN 0"                        \
	" WHEN c.due_on >= CAST(? AS TEXT) THEN 1 WHEN c.due_on >= CAST(? AS TEXT) THEN 2"         \
	" ELSE 3 END AS bucket FROM charge c WHERE c.source_type = 'lease_chain'"                  \
	" AND c.kind IN ('rent', 'overstay_rent') AND c.state = 'open'"                            \
	" AND c.paid_fen < c.amount_fen AND c.due_on <= CAST(? AS TEXT)" where

/* Per chain: chain_id, months_owed, owed_fen, bucket 0..3, oldest_due_on. */
#define ARREARS_AGG(where)                                                                         \
	"SELECT o.chain_id AS chain_id, COUNT(DISTINCT o.period) AS months,"                       \
	" CAST(SUM(o.owed) AS BIGINT) AS owed,"                                                    \
	" CAST(SUM(CASE WHEN o.bucket = 0 THEN o.owed ELSE 0 END) AS BIGINT) AS b0,"               \
	" CAST(SUM(CASE WHEN o.bucket = 1 THEN o.owed ELSE 0 END) AS BIGINT) AS b1,"               \
	" CAST(SUM(CASE WHEN o.bucket = 2 THEN o.owed ELSE 0 END) AS BIGINT) AS b2,"               \
	" CAST(SUM(CASE WHEN o.bucket = 3 THEN o.owed ELSE 0 END) AS BIGINT) AS b3,"               \
	" MIN(o.due_on) AS oldest FROM (" ARREARS_CHARGES(where) ") o GROUP BY o.chain_id"

static const int bucket_days[ARREARS_BUCKETS - 1] = { 30, 90, 180 };

int
arrears_bucket(int64_t days_past_due)
{
	int b = 0;

	while (b < ARREARS_BUCKETS - 1 && days_past_due > bucket_days[b])
		b++;
	return b;
}

int
arrears_as_of(const char *in, const char *field, char out[DATE_FMT_LEN], struct anju_err *e)
{
	struct date d;

	if (in == NULL || in[0] == '\0') {
		date_format(date_today_shanghai(), out);
		return 0;
	}
	if (date_parse(str_c(in), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", field,
				 "日期应为 YYYY-MM-DD 格式的真实日期");
	date_format(d, out);
	return 0;
}

/* Binds ARREARS_CHARGES's four parameters from i for as_of; the next index. */
static int
bind_as_of(struct db_stmt *st, int i, const char *as_of)
{
	struct date d;
	char from[DATE_FMT_LEN];

	if (date_parse(str_c(as_of), &d) != 0)
		d = date_today_shanghai();
	for (int b = 0; b < ARREARS_BUCKETS - 1; b++) {
		date_format(date_add_days(d, -bucket_days[b]), from);
		db_bind_cstr(st, i++, from);
	}
	db_bind_cstr(st, i++, as_of);
	return i;
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

static int
check_as_of(const char *as_of, struct anju_err *e)
{
	struct date d;

	if (as_of == NULL || date_parse(str_c(as_of), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "as_of",
				 "日期应为 YYYY-MM-DD 格式的真实日期");
	return 0;
}

/* The aggregate's columns from col into a. */
static void
agg_row(struct db_stmt *st, int col, struct rent_arrears *a)
{
	a->months_owed = (int)db_col_int64(st, col);
	a->owed_fen = db_col_int64(st, col + 1);
	for (int b = 0; b < ARREARS_BUCKETS; b++)
		a->bucket_fen[b] = db_col_int64(st, col + 2 + b);
	snprintf(a->oldest_due_on, sizeof(a->oldest_due_on), "%s",
		 db_col_null(st, col + 6) ? "" : db_col_text(st, col + 6));
}

int
arrears_of_chain(struct db *db, int64_t chain_id, const char *as_of, struct rent_arrears *out,
		 struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_as_of(as_of, e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT household_id, community_id FROM lease_chain WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	if ((rc = db_step(st)) == DB_ROW) {
		out->household_id = db_col_int64(st, 0);
		out->community_id = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "chain_not_found", "chain_id",
				 "没有这个租赁（合同链）");
	out->chain_id = chain_id;
	rc = db_prepare(db, ARREARS_AGG(" AND c.source_id = ?"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, bind_as_of(st, 1, as_of), chain_id);
	if ((rc = db_step(st)) == DB_ROW)
		agg_row(st, 1, out);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
arrears_scan(struct db *db, const struct caller *c, int64_t community_id, const char *as_of,
	     arrears_fn fn, void *ud, struct anju_err *e)
{
	struct db_stmt *st;
	struct rent_arrears *v = NULL;
	size_t n = 0, cap = 0;
	int i, rc;

	if ((rc = check_as_of(as_of, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT a.chain_id, ch.household_id, ch.community_id, a.months, a.owed,"
			" a.b0, a.b1, a.b2, a.b3, a.oldest FROM (" ARREARS_AGG(
				"") ") a"
				    " JOIN lease_chain ch ON ch.id = a.chain_id"
				    " WHERE (? = 0 OR ch.community_id = ?) AND " SCOPE_SQL(
					    "ch.community_id") " ORDER BY a.chain_id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	i = bind_as_of(st, 1, as_of);
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, community_id);
	bind_scope(st, i, c);
	/* Rows are gathered before fn runs: fn may query the same connection. */
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].chain_id = db_col_int64(st, 0);
		v[n].household_id = db_col_int64(st, 1);
		v[n].community_id = db_col_int64(st, 2);
		agg_row(st, 3, &v[n]);
		n++;
	}
	db_reset(st);
	if (rc < 0) {
		free(v);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = fn(ud, &v[k]);
	free(v);
	return rc;
}

/*
 * JSON.
 */

static int64_t
days_past(const char *due_on, const char *as_of)
{
	struct date a, b;

	if (due_on == NULL || date_parse(str_c(due_on), &a) != 0 ||
	    date_parse(str_c(as_of), &b) != 0)
		return 0;
	return date_to_days(b) - date_to_days(a);
}

json_t *
arrears_json(const struct rent_arrears *a, const char *as_of)
{
	return json_pack(
		"{s:I, s:I, s:I, s:s, s:i, s:I, s:{s:I, s:I, s:I, s:I}, s:o, s:I}", "chain_id",
		(json_int_t)a->chain_id, "household_id", (json_int_t)a->household_id,
		"community_id", (json_int_t)a->community_id, "as_of", as_of, "months_owed",
		a->months_owed, "owed_fen", (json_int_t)a->owed_fen, "buckets", "d0_30",
		(json_int_t)a->bucket_fen[0], "d31_90", (json_int_t)a->bucket_fen[1], "d91_180",
		(json_int_t)a->bucket_fen[2], "over_180", (json_int_t)a->bucket_fen[3],
		"oldest_due_on", a->oldest_due_on[0] ? json_string(a->oldest_due_on) : json_null(),
		"days_past_due",
		(json_int_t)(a->oldest_due_on[0] ? days_past(a->oldest_due_on, as_of) : 0));
}

/* The unpaid charges behind a chain's arrears, oldest first. */
static int
chain_charges(struct db *db, int64_t chain_id, const char *as_of, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT id, kind, period, due_on, amount_fen, paid_fen FROM charge"
			" WHERE source_type = 'lease_chain' AND source_id = ?"
			" AND kind IN ('rent', 'overstay_rent') AND state = 'open'"
			" AND paid_fen < amount_fen AND due_on <= CAST(? AS TEXT)"
			" ORDER BY due_on, id",
			&st);
	if (rc != 0) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, chain_id);
	db_bind_cstr(st, 2, as_of);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t late = days_past(db_col_text(st, 3), as_of);

		json_array_append_new(
			arr, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i}", "charge_id",
				       (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1),
				       "period", db_col_text(st, 2), "due_on", db_col_text(st, 3),
				       "amount_fen", (json_int_t)db_col_int64(st, 4), "paid_fen",
				       (json_int_t)db_col_int64(st, 5), "owed_fen",
				       (json_int_t)(db_col_int64(st, 4) - db_col_int64(st, 5)),
				       "days_past_due", (json_int_t)late, "bucket",
				       arrears_bucket(late)));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(arr);
		return db_fail(db, rc, e);
	}
	*out = arr;
	return 0;
}

/* The chain's community if c may see it: 0 or ANJU_ENOTFOUND. */
static int
chain_visible(struct db *db, const struct caller *c, int64_t chain_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT 1 FROM lease_chain ch WHERE ch.id = ? AND " SCOPE_SQL("ch.community_id"),
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	bind_scope(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "chain_not_found", NULL,
				 "没有这个租赁（合同链）");
	return 0;
}

int
arrears_chain_json(struct db *db, const struct caller *c, int64_t chain_id, const char *as_of,
		   json_t **out, struct anju_err *e)
{
	struct rent_arrears a;
	json_t *j, *charges = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_as_of(as_of, e)) != 0 || (rc = chain_visible(db, c, chain_id, e)) != 0 ||
	    (rc = arrears_of_chain(db, chain_id, as_of, &a, e)) != 0 ||
	    (rc = chain_charges(db, chain_id, as_of, &charges, e)) != 0)
		return rc;
	j = arrears_json(&a, as_of);
	json_object_set_new(j, "charges", charges);
	*out = j;
	return 0;
}

int
arrears_household_json(struct db *db, const struct caller *c, int64_t household_id,
		       const char *as_of, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community = 0, *chains = NULL, owed = 0;
	size_t n = 0, cap = 0;
	json_t *arr = NULL;
	int months = 0, rc;

	*out = NULL;
	if ((rc = check_as_of(as_of, e)) != 0 ||
	    (rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT id FROM lease_chain WHERE household_id = ? ORDER BY id", &st);
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
	arr = json_array();
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rent_arrears a;
		json_t *j, *charges = NULL;

		if ((rc = arrears_of_chain(db, chains[i], as_of, &a, e)) != 0 ||
		    (rc = chain_charges(db, chains[i], as_of, &charges, e)) != 0)
			break;
		j = arrears_json(&a, as_of);
		json_object_set_new(j, "charges", charges);
		json_array_append_new(arr, j);
		months += a.months_owed;
		owed += a.owed_fen;
	}
	free(chains);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = json_pack("{s:I, s:s, s:i, s:I, s:o}", "household_id", (json_int_t)household_id,
			 "as_of", as_of, "months_owed", months, "owed_fen", (json_int_t)owed,
			 "chains", arr);
	return 0;
}

/*
 * The worklist.
 */

struct list_ud {
	const char *as_of;
};

static json_t *
list_row(struct db_stmt *st, void *ud)
{
	const struct list_ud *u = ud;
	struct rent_arrears a = { 0 };
	char name[PERSON_NAME_MAX * 2] = "";
	json_t *j, *last = json_null();

	a.chain_id = db_col_int64(st, 0);
	agg_row(st, 1, &a);
	a.household_id = db_col_int64(st, 8);
	a.community_id = db_col_int64(st, 9);
	j = arrears_json(&a, u->as_of);
	if (!db_col_null(st, 13))
		mask_middle(db_col_text(st, 13), 1, 0, name, sizeof(name));
	json_object_set_new(j, "community_name", json_string(db_col_text(st, 10) ?: ""));
	json_object_set_new(j, "unit_id", json_integer(db_col_int64(st, 11)));
	json_object_set_new(j, "unit_number", json_string(db_col_text(st, 12) ?: ""));
	json_object_set_new(j, "head_name", json_string(name));
	json_object_set_new(j, "case_id",
			    db_col_null(st, 14) ? json_null() : json_integer(db_col_int64(st, 14)));
	json_object_set_new(j, "level",
			    db_col_null(st, 15) ? json_null() : json_string(db_col_text(st, 15)));
	json_object_set_new(j, "level_name",
			    db_col_null(st, 16) ? json_null() : json_string(db_col_text(st, 16)));
	if (!db_col_null(st, 17))
		last = json_pack("{s:s, s:s, s:s}", "channel", db_col_text(st, 17), "result",
				 db_col_text(st, 18), "acted_at", db_col_text(st, 19));
	json_object_set_new(j, "last_action", last);
	json_object_set_new(j, "referral_id",
			    db_col_null(st, 20) ? json_null() : json_integer(db_col_int64(st, 20)));
	return j;
}

int
arrears_list(struct db *db, const struct caller *c, const struct arrears_filter *f, json_t **items,
	     int64_t *next, struct anju_err *e)
{
	struct list_ud ud = { f->as_of };
	const char *level = f->level ? f->level : "";
	struct db_stmt *st;
	int i, rc;

	*items = NULL;
	*next = 0;
	if ((rc = check_as_of(f->as_of, e)) != 0)
		return rc;
	rc = db_prepare(
		db,
		"SELECT a.chain_id, a.months, a.owed, a.b0, a.b1, a.b2, a.b3, a.oldest,"
		" ch.household_id, ch.community_id, cm.name, u.id, u.number, p.name, dc.id,"
		" dc.level, lv.name, da.channel, da.result, da.acted_at, rf.id"
		" FROM (" ARREARS_AGG(
			" AND c.source_id > ?") ") a"
						" JOIN lease_chain ch ON ch.id = a.chain_id"
						" JOIN community cm ON cm.id = ch.community_id "
						"JOIN unit u ON u.id = ch.unit_id"
						" LEFT JOIN member m ON m.household_id = "
						"ch.household_id"
						" AND m.relationship = 'head' AND m.left_at IS NULL"
						" LEFT JOIN person p ON p.id = m.person_id"
						" LEFT JOIN dunning_case dc ON dc.chain_id = ch.id "
						"AND dc.state = 'open'"
						" LEFT JOIN dunning_level lv ON lv.code = dc.level"
						" LEFT JOIN dunning_action da ON da.id ="
						" (SELECT MAX(x.id) FROM dunning_action x WHERE "
						"x.case_id = dc.id)"
						" LEFT JOIN arrears_referral rf ON rf.chain_id = "
						"ch.id AND rf.state = 'proposed'"
						" WHERE (? = 0 OR ch.community_id = ?) AND "
						"a.months >= ?"
						" AND (CAST(? AS TEXT) = '' OR (CAST(? AS TEXT) = "
						"'none' AND dc.level IS NULL)"
						" OR dc.level = CAST(? AS TEXT)) AND " SCOPE_SQL(
							"ch.community_id") " ORDER BY a.chain_id "
									   "LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	i = bind_as_of(st, 1, f->as_of);
	db_bind_int64(st, i++, f->after_chain);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->min_months > 0 ? f->min_months : 1);
	db_bind_cstr(st, i++, level);
	db_bind_cstr(st, i++, level);
	db_bind_cstr(st, i++, level);
	i = bind_scope(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, list_row, &ud, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}
