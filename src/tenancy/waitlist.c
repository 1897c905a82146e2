/*
 * The waitlist (轮候): the approved applications in the order the policy
 * sets: category priority, then the best special group, then the time the
 * household joined the queue, then the application id.  The order needs
 * the policy's special-group priorities and a comma list per household, so
 * it is computed here in C over every approved application (one indexed
 * query; a city's waitlist is thousands of rows, a province's tens of
 * thousands) rather than in SQL, and positions are therefore always
 * city-wide even for a caller who sees a few communities.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "household/household.h"
#include "housing/housing.h"
#include "store/db.h"
#include "tenancy/allocation.h"
#include "tenancy/eligibility.h"
#include "tenancy/tenancy.h"

struct prio {
	const char *code;
	int64_t priority;
};

static int64_t
prio_of(const struct prio *p, size_t n, struct str code)
{
	for (size_t k = 0; k < n; k++)
		if (str_eq_c(code, p[k].code))
			return p[k].priority;
	return INT64_MAX;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct waitlist_item *a = pa, *b = pb;
	int c;

	if (a->category_priority != b->category_priority)
		return a->category_priority < b->category_priority ? -1 : 1;
	if (a->group_priority != b->group_priority)
		return a->group_priority < b->group_priority ? -1 : 1;
	if ((c = strcmp(a->queue_at, b->queue_at)) != 0)
		return c;
	return a->application_id < b->application_id ? -1 : a->application_id > b->application_id;
}

void
waitlist_free(struct waitlist *w)
{
	free(w->items);
	w->items = NULL;
	w->n = 0;
}

int
waitlist_load(struct db *db, struct waitlist *w, struct anju_err *e)
{
	json_t *cats = NULL, *groups = NULL, *x;
	struct prio *cp = NULL, *gp = NULL;
	size_t ncp = 0, ngp = 0, cap = 0, i;
	struct db_stmt *st;
	int rc;

	w->items = NULL;
	w->n = 0;
	if ((rc = household_category_list(db, &cats, e)) != 0 ||
	    (rc = tenancy_special_groups(db, NULL, &groups, e)) != 0)
		goto out;
	cp = xcalloc(json_array_size(cats) + 1, sizeof(*cp));
	json_array_foreach (cats, i, x) {
		cp[ncp].code = json_string_value(json_object_get(x, "code"));
		cp[ncp++].priority = json_integer_value(json_object_get(x, "priority"));
	}
	gp = xcalloc(json_array_size(groups) + 1, sizeof(*gp));
	json_array_foreach (groups, i, x) {
		gp[ngp].code = json_string_value(json_object_get(x, "code"));
		gp[ngp++].priority = json_integer_value(json_object_get(x, "priority"));
	}
	rc = db_prepare(db,
			"SELECT a.id, a.household_id, a.community_id, a.category, a.queue_at,"
			" a.approved_at, a.refusals, h.special_groups FROM application a"
			" JOIN household h ON h.id = a.household_id WHERE a.state = 'approved'",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		struct waitlist_item *it;
		struct str groups_s = str_c(db_col_text(st, 7)), head;
		const char *q = db_col_text(st, 4), *ap = db_col_text(st, 5);

		if (w->n == cap) {
			cap = cap ? 2 * cap : 256;
			w->items = xrealloc(w->items, cap * sizeof(*w->items));
		}
		it = &w->items[w->n++];
		memset(it, 0, sizeof(*it));
		it->application_id = db_col_int64(st, 0);
		it->household_id = db_col_int64(st, 1);
		it->community_id = db_col_int64(st, 2);
		snprintf(it->category, sizeof(it->category), "%s", db_col_text(st, 3));
		/* An approved application always has both; an empty time sorts first
		 * rather than failing the whole list. */
		snprintf(it->queue_at, sizeof(it->queue_at), "%s", q ? q : "");
		snprintf(it->approved_at, sizeof(it->approved_at), "%s", ap ? ap : it->queue_at);
		it->refusals = db_col_int64(st, 6);
		it->category_priority = prio_of(cp, ncp, str_c(it->category));
		it->group_priority = INT64_MAX;
		while (groups_s.n > 0) {
			int64_t p;

			str_cut(&groups_s, ',', &head);
			p = prio_of(gp, ngp, str_trim(head));
			if (p < it->group_priority)
				it->group_priority = p;
		}
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		waitlist_free(w);
		goto out;
	}
	rc = 0;
	if (w->n > 1)
		qsort(w->items, w->n, sizeof(*w->items), item_cmp);
	for (size_t k = 0; k < w->n; k++)
		w->items[k].position = (int64_t)k + 1;
out:
	free(cp);
	free(gp);
	json_decref(cats);
	json_decref(groups);
	return rc;
}

/* Which communities the caller sees, remembered per list: a handful. */
struct seen {
	int64_t id;
	bool visible;
};

static bool
community_seen(struct db *db, const struct caller *c, struct seen *s, size_t *ns, size_t cap,
	       int64_t id)
{
	struct anju_err ignored;
	bool v;

	if (c == NULL || c->kind == CALLER_SYSTEM)
		return true;
	for (size_t k = 0; k < *ns; k++)
		if (s[k].id == id)
			return s[k].visible;
	v = housing_community_visible(db, c, id, &ignored) == 0;
	if (*ns < cap)
		s[(*ns)++] = (struct seen){ id, v };
	return v;
}

/* What a row adds from the application and household: the masked name, the
 * category's name, the special groups, an open batch. */
static int
entry_json(struct db *db, const struct waitlist_item *it, int64_t category_position,
	   const struct tenancy_policy *pol, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct date today = date_today_shanghai(), since;
	int64_t wait_days = 0, batch = 0, us;
	int months = 0, rc;
	const char *warning = NULL;
	json_t *o;

	rc = db_prepare(db,
			"SELECT a.head_masked_name, hc.name, h.special_groups,"
			" (SELECT MAX(b.id) FROM batch_entry be JOIN allocation_batch b"
			" ON b.id = be.batch_id WHERE be.application_id = a.id"
			" AND be.state IN ('waiting', 'offered')"
			" AND b.state NOT IN ('closed', 'cancelled'))"
			" FROM application a JOIN household h ON h.id = a.household_id"
			" JOIN household_category hc ON hc.code = a.category WHERE a.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, it->application_id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? anju_fail(e, ANJU_ENOTFOUND, "application_not_found", NULL,
						 "没有这份申请")
				     : db_fail(db, rc, e);
	}
	if (time_parse_utc(str_c(it->approved_at), &us) == 0) {
		/* approved_at is UTC; the day it counts from is Shanghai's. */
		since = date_in_shanghai(us);
		wait_days = date_to_days(today) - date_to_days(since);
		months = date_months_between(since, today);
		if (wait_days < 0)
			wait_days = 0;
		if (months < 0)
			months = 0;
	}
	if (months >= pol->max_wait_months)
		warning = "over";
	else if (months >= pol->max_wait_months - pol->wait_warning_months)
		warning = "near";
	batch = db_col_null(st, 3) ? 0 : db_col_int64(st, 3);
	o = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:s?,"
		" s:I}",
		"position", (json_int_t)it->position, "category_position",
		(json_int_t)category_position, "application_id", (json_int_t)it->application_id,
		"household_id", (json_int_t)it->household_id, "community_id",
		(json_int_t)it->community_id, "name", db_col_text(st, 0) ? db_col_text(st, 0) : "",
		"category", it->category, "category_name", db_col_text(st, 1), "special_groups",
		db_col_text(st, 2) ? db_col_text(st, 2) : "", "queue_at", it->queue_at,
		"approved_at", it->approved_at, "wait_days", (json_int_t)wait_days, "wait_months",
		months, "warning", warning, "refusals", (json_int_t)it->refusals);
	db_reset(st);
	json_object_set_new(o, "batch_id", batch ? json_integer(batch) : json_null());
	*out = o;
	return 0;
}

/* Category positions: the place within the item's category, counted over
 * the whole list.  Categories are few. */
static int64_t *
category_positions(const struct waitlist *w)
{
	int64_t *cpos = xcalloc(w->n + 1, sizeof(*cpos));
	struct {
		const char *code;
		int64_t n;
	} seen[64];
	size_t nseen = 0;

	for (size_t i = 0; i < w->n; i++) {
		size_t k = 0;

		while (k < nseen && strcmp(seen[k].code, w->items[i].category) != 0)
			k++;
		if (k == nseen) {
			if (nseen == 64) /* more categories than anyone configures */
				k = 63;
			else {
				seen[nseen].code = w->items[i].category;
				seen[nseen++].n = 0;
			}
		}
		cpos[i] = ++seen[k].n;
	}
	return cpos;
}

int
waitlist_list(struct db *db, const struct caller *c, const struct waitlist_filter *f,
	      json_t **items, int64_t *next, struct anju_err *e)
{
	struct waitlist w = { 0 };
	struct tenancy_policy pol;
	struct seen seen[64];
	size_t nseen = 0;
	int64_t *cpos = NULL;
	json_t *arr = NULL;
	int rc;

	*items = NULL;
	*next = 0;
	if (f->community_id > 0 && (rc = housing_community_visible(db, c, f->community_id, e)) != 0)
		return rc;
	if ((rc = tenancy_policy_get(db, NULL, &pol, e)) != 0 ||
	    (rc = waitlist_load(db, &w, e)) != 0)
		return rc;
	cpos = category_positions(&w);
	arr = json_array();
	for (size_t i = 0; i < w.n; i++) {
		const struct waitlist_item *it = &w.items[i];
		json_t *o = NULL;

		if (it->position <= f->after)
			continue;
		if (f->community_id > 0 && it->community_id != f->community_id)
			continue;
		if (f->category != NULL && strcmp(f->category, it->category) != 0)
			continue;
		if (!community_seen(db, c, seen, &nseen, 64, it->community_id))
			continue;
		if ((int)json_array_size(arr) == f->limit) {
			/* The last row kept is the page's last. */
			*next = json_integer_value(json_object_get(
				json_array_get(arr, json_array_size(arr) - 1), "position"));
			break;
		}
		if ((rc = entry_json(db, it, cpos[i], &pol, &o, e)) != 0)
			goto out;
		json_array_append_new(arr, o);
	}
	*items = arr;
	arr = NULL;
	rc = 0;
out:
	json_decref(arr);
	free(cpos);
	waitlist_free(&w);
	return rc;
}

int
waitlist_position(struct db *db, const struct caller *c, int64_t household_id, json_t **out,
		  struct anju_err *e)
{
	struct waitlist w = { 0 };
	struct tenancy_policy pol;
	struct db_stmt *st;
	int64_t community, app = 0, *cpos = NULL;
	char state[32] = "";
	json_t *entry = NULL;
	int rc;

	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT id, state FROM application WHERE household_id = ?"
			" ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	if ((rc = db_step(st)) == DB_ROW) {
		app = db_col_int64(st, 0);
		snprintf(state, sizeof(state), "%s", db_col_text(st, 1));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if ((rc = tenancy_policy_get(db, NULL, &pol, e)) != 0 ||
	    (rc = waitlist_load(db, &w, e)) != 0)
		return rc;
	cpos = category_positions(&w);
	for (size_t i = 0; i < w.n; i++)
		if (w.items[i].household_id == household_id) {
			if ((rc = entry_json(db, &w.items[i], cpos[i], &pol, &entry, e)) != 0)
				goto out;
			break;
		}
	*out = json_pack("{s:I, s:b, s:o, s:o, s:o, s:I, s:i, s:i}", "household_id",
			 (json_int_t)household_id, "on_waitlist", entry != NULL, "application_id",
			 app ? json_integer(app) : json_null(), "application_state",
			 state[0] ? json_string(state) : json_null(), "entry",
			 entry ? entry : json_null(), "total", (json_int_t)w.n, "max_wait_months",
			 pol.max_wait_months, "wait_warning_months", pol.wait_warning_months);
	entry = NULL;
	rc = 0;
out:
	json_decref(entry);
	free(cpos);
	waitlist_free(&w);
	return rc;
}
