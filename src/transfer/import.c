/*
 * The import jobs ("import_units", "import_households"): validate every
 * record, stage the good ones, publish all of them in one transaction or
 * none.  See transfer.h.
 *
 * Each run (a resumed one too) opens the sealed input and parses it whole
 * (sheet.c, rows.c): that part is pure and deterministic, so a run that
 * resumes at a checkpoint sees the same records and the same in-file
 * errors.  Then, in chunks of records, each a transaction with its
 * checkpoint "v:<next record>":
 *   - the look-ups: the community exists and is in the importer's scope,
 *     a unit's building and the bounds of an existing one, the category, a
 *     natural key already present (a unit with the same values, or a
 *     household whose head's ID number is known, is a no-op; a unit with
 *     other values is an error: nothing is silently overwritten), a person
 *     already an active member of another household;
 *   - each record's errors into transfer_error, idempotent by seq
 *     ((record + 1) * 1024 + its error's ordinal + 1; the file's own errors
 *     are record -1; seqs start at 1, as the report's cursor does);
 *   - each clean record staged (job_stage) as {"i": record, ...resolved keys}.
 * With any error the job fails: the input is dropped, the report stays for
 * its maker.  Otherwise one transaction creates everything staged through
 * the domain modules (missing buildings first, as big as their rows need),
 * drops the input and records "p:<created>:<unchanged>:<buildings>".  A
 * conflict only the publication meets (a change made meanwhile) is rolled
 * back and reported the same way, as its record's error.
 *
 * Units: buildings that do not exist are created with floors = the highest
 * floor and entrances = the highest entrance among their rows (at least 1),
 * without a lift; rows of an existing building must fit within it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "household/household.h"
#include "housing/housing.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "transfer/transfer_store.h"

/* Records per validation chunk. */
#define CHUNK_UNITS      1000
#define CHUNK_HOUSEHOLDS 500
/* A record's errors at most (its seq range). */
#define REC_ERRORS 1024

static const struct field no_params[] = { { NULL } };

/* A small string-keyed table (open addressing) for the look-up caches. */
struct slot {
	const char *key;
	int64_t id; /* 0: not there */
	int state;  /* CACHE_* */
	int64_t a, b;
};

enum { CACHE_FOUND = 1, CACHE_MISSING, CACHE_OUT_OF_SCOPE };

struct table {
	struct slot *s;
	size_t cap, n;
};

static uint64_t
hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* The slot of key; *fresh when it was just added (key copied into a). */
static struct slot *
table_slot(struct table *t, struct arena *a, const char *key, bool *fresh)
{
	size_t i;

	if (t->n * 2 >= t->cap) {
		struct table g = { xcalloc(t->cap ? t->cap * 2 : 64, sizeof(struct slot)),
				   t->cap ? t->cap * 2 : 64, 0 };

		for (size_t k = 0; k < t->cap; k++)
			if (t->s[k].key != NULL) {
				for (i = hash_str(t->s[k].key) & (g.cap - 1); g.s[i].key != NULL;
				     i = (i + 1) & (g.cap - 1))
					;
				g.s[i] = t->s[k];
				g.n++;
			}
		free(t->s);
		*t = g;
	}
	for (i = hash_str(key) & (t->cap - 1); t->s[i].key != NULL; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->s[i].key, key) == 0) {
			*fresh = false;
			return &t->s[i];
		}
	t->s[i].key = arena_strdup(a, key);
	t->n++;
	*fresh = true;
	return &t->s[i];
}

struct importer {
	struct job_ctx *ctx;
	struct db *db;
	struct arena *a;
	struct caller caller;
	struct audit_actor who;
	struct transfer_row t;
	struct sheet sheet;
	struct report rep;
	struct unit_sheet us;
	struct household_sheet hs;
	size_t nrecs;
	bool *noop;          /* by record: already there, nothing to publish */
	int *ordinal;        /* by record + 1: its report items written so far */
	struct table comms;  /* community name -> id, state */
	struct table blds;   /* "cid\x1fname" -> building id, floors (a), entrances (b) */
	json_t *categories;  /* household_category_list() */
	char request_id[32]; /* the audit rows' request id: "job-N" */
};

static const char *
what_title(const struct importer *im)
{
	return im->t.what == TRANSFER_UNITS ? "房源" : "住户";
}

/* The community named name: its id, or 0 after reporting why not. */
static int64_t
community_of(struct importer *im, int64_t rec, int64_t row, const char *col, const char *name,
	     struct anju_err *e, int *rc)
{
	bool fresh;
	struct slot *s = table_slot(&im->comms, im->a, name, &fresh);

	*rc = 0;
	if (fresh) {
		int64_t id = 0;
		int r = community_find(im->db, name, &id, e);

		if (r == 0 && im->caller.kind != CALLER_SYSTEM) {
			r = housing_community_visible(im->db, &im->caller, id, e);
			s->state = r == 0 ? CACHE_FOUND : CACHE_OUT_OF_SCOPE;
		} else {
			s->state = r == 0 ? CACHE_FOUND : CACHE_MISSING;
		}
		if (r != 0 && r != ANJU_ENOTFOUND) {
			*rc = r; /* the job fails: the cache does not outlive it */
			return 0;
		}
		s->id = id;
	}
	if (s->state == CACHE_FOUND)
		return s->id;
	report_add(&im->rep, rec, row, col,
		   s->state == CACHE_MISSING ? "没有名为“%s”的小区" : "小区“%s”不在您的管辖范围",
		   name);
	return 0;
}

/* ---- units ---- */

/* The existing building of a unit row: its id (0: to be created), checking
 * the row fits within it. */
static int
building_of(struct importer *im, size_t i, int64_t cid, int64_t *bid, struct anju_err *e)
{
	struct unit_rec *rec = &im->us.recs[i];
	char *key = arena_printf(im->a, "%lld\x1f%s", (long long)cid, rec->building);
	bool fresh;
	struct slot *s = table_slot(&im->blds, im->a, key, &fresh);
	int rc;

	if (fresh) {
		int64_t id = 0;
		json_t *c = NULL, *b;
		size_t k;

		rc = building_find(im->db, cid, rec->building, &id, e);
		if (rc != 0 && rc != ANJU_ENOTFOUND)
			return rc;
		s->id = id;
		s->a = s->b = 0;
		if (id > 0 && community_get(im->db, &im->caller, cid, &c, e) == 0) {
			json_array_foreach (json_object_get(c, "buildings"), k, b)
				if (json_integer_value(json_object_get(b, "id")) == id) {
					s->a = json_integer_value(json_object_get(b, "floors"));
					s->b = json_integer_value(json_object_get(b, "entrances"));
				}
			json_decref(c);
		}
	}
	*bid = s->id;
	if (s->id > 0 && s->b > 0 && rec->in.entrance > s->b)
		report_add(&im->rep, (int64_t)i, rec->line, im->us.cols.title[UC_ENTRANCE],
			   "楼栋“%s”只有 %lld 个单元", rec->building, (long long)s->b);
	if (s->id > 0 && s->a > 0 && rec->in.floor > s->a)
		report_add(&im->rep, (int64_t)i, rec->line, im->us.cols.title[UC_FLOOR],
			   "楼栋“%s”只有 %lld 层", rec->building, (long long)s->a);
	return 0;
}

static const char *
area_text(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
}

/* A unit already there: the same values are a no-op, others an error per
 * column that differs. */
static int
compare_unit(struct importer *im, size_t i, int64_t uid, int64_t bid, bool *same,
	     struct anju_err *e)
{
	struct unit_rec *rec = &im->us.recs[i];
	const char *const *t = im->us.cols.title;
	json_t *u = NULL;
	int rc = unit_get(im->db, &im->caller, uid, &u, e);
	size_t before = im->rep.n;

	if (rc == ANJU_ENOTFOUND) {
		/* Outside the scope yet in a community that is in it cannot
		 * happen; treat it as taken. */
		report_add(&im->rep, (int64_t)i, rec->line, t[UC_NUMBER], "房号已被占用");
		*same = false;
		return 0;
	}
	if (rc != 0)
		return rc;
#define DIFF(cond, col, fmt, ...)                                                                  \
	do {                                                                                       \
		if (cond)                                                                          \
			report_add(&im->rep, (int64_t)i, rec->line, t[col],                        \
				   "房号已存在，与已有房源不同（已有：" fmt "），不会覆盖",        \
				   __VA_ARGS__);                                                   \
	} while (0)
	DIFF(json_integer_value(json_object_get(u, "building_id")) != bid, UC_BUILDING, "%s",
	     json_string_value(json_object_get(u, "building_name")));
	DIFF(json_integer_value(json_object_get(u, "entrance")) != rec->in.entrance, UC_ENTRANCE,
	     "%lld", (long long)json_integer_value(json_object_get(u, "entrance")));
	DIFF(json_integer_value(json_object_get(u, "floor")) != rec->in.floor, UC_FLOOR, "%lld",
	     (long long)json_integer_value(json_object_get(u, "floor")));
	/* An optional column the file does not have says nothing. */
	DIFF(im->us.cols.at[UC_LAYOUT] >= 0 &&
		     strcmp(json_string_value(json_object_get(u, "layout")),
			    rec->in.layout ? rec->in.layout : "") != 0,
	     UC_LAYOUT, "%s", json_string_value(json_object_get(u, "layout")));
	DIFF(json_integer_value(json_object_get(u, "floor_area")) != rec->in.floor_area,
	     UC_FLOOR_AREA, "%s",
	     area_text(im->a, json_integer_value(json_object_get(u, "floor_area"))));
	DIFF(json_integer_value(json_object_get(u, "usable_area")) != rec->in.usable_area,
	     UC_USABLE_AREA, "%s",
	     area_text(im->a, json_integer_value(json_object_get(u, "usable_area"))));
	DIFF(im->us.cols.at[UC_ORIENTATION] >= 0 &&
		     strcmp(json_string_value(json_object_get(u, "orientation")),
			    rec->in.orientation ? rec->in.orientation : "") != 0,
	     UC_ORIENTATION, "%s", json_string_value(json_object_get(u, "orientation")));
#undef DIFF
	json_decref(u);
	*same = im->rep.n == before && !im->rep.full;
	return 0;
}

static int
check_unit(struct importer *im, size_t i, struct anju_err *e)
{
	struct unit_rec *rec = &im->us.recs[i];
	size_t before = im->rep.n;
	int64_t cid, bid = 0, uid = 0;
	int rc;
	char payload[96];

	cid = community_of(im, (int64_t)i, rec->line, im->us.cols.title[UC_COMMUNITY],
			   rec->community, e, &rc);
	if (rc != 0)
		return rc;
	if (cid == 0 || rec->errors > 0)
		return 0;
	if ((rc = building_of(im, i, cid, &bid, e)) != 0)
		return rc;
	if (bid > 0) {
		rc = unit_find(im->db, cid, rec->in.number, &uid, e);
		if (rc != 0 && rc != ANJU_ENOTFOUND)
			return rc;
		if (uid > 0) {
			bool same = false;

			if ((rc = compare_unit(im, i, uid, bid, &same, e)) != 0)
				return rc;
			im->noop[i] = same;
		}
	}
	if (im->rep.n != before || im->rep.full || im->noop[i])
		return 0;
	snprintf(payload, sizeof(payload), "{\"i\":%zu,\"c\":%lld,\"b\":%lld}", i, (long long)cid,
		 (long long)bid);
	return job_stage(im->ctx, (int64_t)i, payload, e);
}

/* ---- households ---- */

/* A category by its name or code: its code, or NULL after reporting. */
static const char *
category_of(struct importer *im, size_t i, const char *given, struct anju_err *e, int *rc)
{
	struct household_rec *rec = &im->hs.recs[i];
	json_t *c;
	size_t k;

	*rc = 0;
	if (im->categories == NULL &&
	    (*rc = household_category_list(im->db, &im->categories, e)) != 0)
		return NULL;
	json_array_foreach (im->categories, k, c) {
		const char *code = json_string_value(json_object_get(c, "code"));

		if (strcmp(given, code) != 0 &&
		    strcmp(given, json_string_value(json_object_get(c, "name"))) != 0)
			continue;
		if (!json_is_true(json_object_get(c, "active"))) {
			report_add(&im->rep, (int64_t)i, rec->lines[0],
				   im->hs.cols.title[HC_CATEGORY], "住户类别“%s”已停用", given);
			return NULL;
		}
		return code;
	}
	report_add(&im->rep, (int64_t)i, rec->lines[0], im->hs.cols.title[HC_CATEGORY],
		   "没有这个住户类别：%s", given);
	return NULL;
}

/* Whether the person with that ID number is an active member of some
 * household: *hid its id, 0 when not (or when there is no such person). */
static int
active_household(struct importer *im, const char index[PII_INDEX_LEN + 1], int64_t *hid,
		 struct anju_err *e)
{
	/* Who else a person belongs to is a fact about the import, not a view:
	 * it is asked with every community in scope. */
	static const struct caller everyone = {
		.kind = CALLER_SYSTEM,
		.role = ROLE_BUREAU,
		.name = "system",
		.principal = "system",
		.all_communities = true,
	};
	int64_t pid = 0;
	json_t *p = NULL;
	int rc = person_find_index(im->db, index, &pid, e);

	*hid = 0;
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	rc = household_person_get(im->db, &everyone, pid, &p, e);
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*hid = json_integer_value(json_object_get(p, "household_id"));
	json_decref(p);
	return 0;
}

static int
check_household(struct importer *im, size_t i, struct anju_err *e)
{
	struct household_rec *rec = &im->hs.recs[i];
	size_t before = im->rep.n;
	const char *code;
	int64_t cid, hid = 0;
	struct buf p;
	int rc;

	cid = community_of(im, (int64_t)i, rec->lines[0], im->hs.cols.title[HC_COMMUNITY],
			   rec->community, e, &rc);
	if (rc != 0)
		return rc;
	code = category_of(im, i, rec->category, e, &rc);
	if (rc != 0)
		return rc;
	if (cid == 0 || code == NULL || rec->errors > 0)
		return 0;
	/* Each member's blind index, computed once for the look-ups here and
	 * the publication's (a resumed job computes them again there). */
	for (int k = 0; k < rec->in.nmembers; k++) {
		char *index = arena_alloc(im->a, PII_INDEX_LEN + 1);

		if ((rc = person_index_of(rec->members[k].person.id_number, index, e)) != 0)
			return rc;
		rec->members[k].person.id_index = index;
	}
	/* The natural key: a household whose head is known is already there. */
	rc = household_find_by_head_index(im->db, rec->members[0].person.id_index, &hid, e);
	if (rc == 0) {
		im->noop[i] = true;
		return 0;
	}
	if (rc != ANJU_ENOTFOUND)
		return rc;
	for (int k = 0; k < rec->in.nmembers; k++) {
		if ((rc = active_household(im, rec->members[k].person.id_index, &hid, e)) != 0)
			return rc;
		if (hid > 0)
			report_add(&im->rep, (int64_t)i, rec->lines[k],
				   im->hs.cols.title[HC_ID_NUMBER],
				   "此人已是另一户（住户编号 %lld）的在册成员", (long long)hid);
	}
	if (im->rep.n != before || im->rep.full)
		return 0;
	buf_init(&p, 0);
	buf_printf(&p, "{\"i\":%zu,\"c\":%lld,\"k\":\"%s\"}", i, (long long)cid, code);
	rc = job_stage(im->ctx, (int64_t)i, p.p, e);
	buf_free(&p);
	return rc;
}

/* ---- the report ---- */

/* Writes the report items of records [from, to), and the file's own when
 * from is 0.  Each record is written by one chunk, in the order its items
 * were found, so an item's seq is the same in every run. */
static int
write_report(struct importer *im, size_t from, size_t to, struct anju_err *e)
{
	int rc;

	for (size_t k = 0; k < im->rep.n; k++) {
		int64_t rec = im->rep.recs[k];
		int64_t seq;
		int n;

		if (!(rec < 0 ? from == 0 : (size_t)rec >= from && (size_t)rec < to))
			continue;
		n = im->ordinal[rec + 1]++;
		if (n >= REC_ERRORS - 2)
			continue; /* the last seq of a record is the publication's */
		seq = (rec + 1) * REC_ERRORS + n + 1;
		if ((rc = transfer_error_put(im->db, job_id(im->ctx), seq, &im->rep.items[k], e)) !=
		    0)
			return rc;
	}
	return 0;
}

/* Ends a refused import: the report's last words, the input dropped. */
static int
refuse(struct importer *im, struct anju_err *e)
{
	int64_t n = 0;
	int rc;

	if ((rc = job_chunk_begin(im->ctx, e)) != 0)
		return rc;
	if (im->rep.full) {
		struct report_item it = { 0, "", "错误过多，只列出了前面的部分，请改正后重新导入" };

		rc = transfer_error_put(im->db, job_id(im->ctx),
					((int64_t)im->nrecs + 1) * REC_ERRORS, &it, e);
	}
	if (rc == 0)
		rc = transfer_parts_drop(im->db, job_id(im->ctx), "input", e);
	if (rc == 0)
		rc = transfer_error_count(im->db, job_id(im->ctx), &n, e);
	if (rc == 0)
		rc = job_chunk_end(im->ctx, (int64_t)im->nrecs, (int64_t)im->nrecs, "refused",
				   "已拒绝", e);
	if (rc != 0) {
		job_chunk_abort(im->ctx);
		return rc;
	}
	return anju_fail(e, ANJU_EUNPROCESSABLE, "import_rejected", NULL,
			 "导入被拒绝：共 %lld 处错误，未写入任何%s数据，请下载错误报告",
			 (long long)n, what_title(im));
}

/* ---- publication ---- */

struct staged {
	size_t i;
	int64_t c, b;
	const char *k;
};

/* The staged records, in order.  The staging rows are the job module's, read
 * the one way jobs/job.h describes: all of them, once, when publishing. */
static int
read_staged(struct importer *im, struct staged **out, size_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc = db_prepare(
		im->db, "SELECT seq, payload FROM job_staging WHERE job_id = ? ORDER BY seq", &st);

	*out = NULL;
	*n = 0;
	if (rc != 0)
		return db_fail(im->db, rc, e);
	db_bind_int64(st, 1, job_id(im->ctx));
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *j = json_loads(db_col_text(st, 1), 0, NULL);
		json_int_t i = json_integer_value(json_object_get(j, "i"));

		if (j == NULL || i < 0 || (size_t)i >= im->nrecs) {
			json_decref(j);
			db_reset(st);
			free(*out);
			*out = NULL;
			return anju_fail(e, ANJU_EINTERNAL, "bad_staging", NULL,
					 "a staged row does not name a record of the input");
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[*n] =
			(struct staged){ (size_t)i, json_integer_value(json_object_get(j, "c")),
					 json_integer_value(json_object_get(j, "b")), "" };
		if (json_is_string(json_object_get(j, "k")))
			(*out)[*n].k =
				arena_strdup(im->a, json_string_value(json_object_get(j, "k")));
		(*n)++;
		json_decref(j);
	}
	db_reset(st);
	return rc < 0 ? db_fail(im->db, rc, e) : 0;
}

/* Whether a domain error is about the data (a row's error) rather than the
 * system. */
static bool
data_error(int rc)
{
	return rc == ANJU_EINVAL || rc == ANJU_ENOTFOUND || rc == ANJU_ECONFLICT ||
	       rc == ANJU_EUNPROCESSABLE;
}

struct outcome {
	int64_t created, buildings;
	size_t failed_rec;
	int64_t failed_row;
	const char *failed_col;
	char failed_msg[256];
};

/* The publication is one transaction: what it has written so far goes to
 * this process's bar only, in the note, every PUBLISH_STEP records (the
 * job's row says "发布中").  The count stays at every record checked, so
 * that progress never goes back. */
#define PUBLISH_STEP 1000

static void
published(struct importer *im, size_t k, size_t n)
{
	char note[64] = "提交中";

	if (k % PUBLISH_STEP != 0 && k != n)
		return;
	if (k < n)
		snprintf(note, sizeof(note), "发布中 %zu/%zu", k, n);
	job_progress_watch(im->ctx, (int64_t)im->nrecs, (int64_t)im->nrecs, note);
}

static int
publish_units(struct importer *im, struct staged *sv, size_t n, struct outcome *o,
	      struct anju_err *e)
{
	struct table made = { 0 };
	int rc = 0;

	/* Buildings first: each as big as its rows need. */
	for (size_t k = 0; k < n; k++) {
		struct unit_rec *rec = &im->us.recs[sv[k].i];
		char *key;
		bool fresh;
		struct slot *s;

		if (sv[k].b > 0)
			continue;
		key = arena_printf(im->a, "%lld\x1f%s", (long long)sv[k].c, rec->building);
		s = table_slot(&made, im->a, key, &fresh);
		if (fresh) {
			s->id = sv[k].c;
			s->state = (int)sv[k].i; /* a record of it, for its name */
		}
		if (rec->in.floor > s->a)
			s->a = rec->in.floor;
		if (rec->in.entrance > s->b)
			s->b = rec->in.entrance;
	}
	for (size_t k = 0; k < made.cap && rc == 0; k++) {
		struct slot *s = &made.s[k];
		struct unit_rec *rec;
		struct building_in b;
		int64_t id = 0;

		if (s->key == NULL)
			continue;
		rec = &im->us.recs[s->state];
		b = (struct building_in){ s->id, rec->building, s->a > 0 ? (int)s->a : 1,
					  s->b > 0 ? (int)s->b : 1, false };
		rc = building_find(im->db, s->id, rec->building, &id, e);
		if (rc == ANJU_ENOTFOUND) {
			rc = building_create(im->db, &b, &im->who, &id, e);
			o->buildings += rc == 0;
		}
		if (rc != 0 && data_error(rc)) {
			o->failed_rec = (size_t)s->state;
			o->failed_row = rec->line;
			o->failed_col = im->us.cols.title[UC_BUILDING];
		}
		s->a = id; /* now the id */
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct unit_rec *rec = &im->us.recs[sv[k].i];
		struct unit_in in = rec->in;
		int64_t id = 0;

		in.building_id = sv[k].b;
		if (in.building_id == 0) {
			bool fresh;
			char *key = arena_printf(im->a, "%lld\x1f%s", (long long)sv[k].c,
						 rec->building);

			in.building_id = table_slot(&made, im->a, key, &fresh)->a;
		}
		rc = unit_create(im->db, &in, &im->who, &id, e);
		o->created += rc == 0;
		published(im, k + 1, n);
		if (rc != 0 && data_error(rc)) {
			o->failed_rec = sv[k].i;
			o->failed_row = rec->line;
			o->failed_col = unit_field_column(&im->us, e->field);
		}
	}
	free(made.s);
	return rc;
}

/*
 * Sealing ahead.  The publication writes one household after another on the
 * job's thread; a helper thread meanwhile seals the members of the next
 * households (person_seal(): their ID numbers and phones, the phones' blind
 * indexes, the masks; a tenth of the publication's work), at most SEAL_AHEAD
 * households ahead, into a ring of slots.  It touches neither the database
 * nor the arena.  A member it could not seal (or all, when the thread cannot
 * start) is sealed by the writer, as without it.  Each side wakes the other
 * only when that one waits, and a full ring waits until half of it is free:
 * a wake-up per household cost more than a tenth of the publication's time
 * in futex calls and context switches.
 */
#define SEAL_AHEAD 256

struct seal_slot {
	struct person_sealed m[HOUSEHOLD_MEMBERS_MAX];
	bool ok[HOUSEHOLD_MEMBERS_MAX];
};

struct sealer {
	const struct household_rec *recs;
	const struct staged *sv;
	size_t n;
	struct seal_slot *ring;
	pthread_mutex_t mu;
	pthread_cond_t filled; /* the writer waits: ready past its household, or done */
	pthread_cond_t room;   /* the helper waits: half the ring free again, or stop */
	size_t ready, consumed;
	bool stop, done, started;
	bool writer_waits, helper_waits;
	pthread_t thread;
};

static void *
sealer_main(void *arg)
{
	struct sealer *s = arg;

	for (size_t k = 0; k < s->n; k++) {
		const struct household_rec *rec = &s->recs[s->sv[k].i];
		struct seal_slot *slot = &s->ring[k % SEAL_AHEAD];
		bool stop;

		pthread_mutex_lock(&s->mu);
		if (k - s->consumed >= SEAL_AHEAD)
			while (!s->stop && k - s->consumed > SEAL_AHEAD / 2) {
				s->helper_waits = true;
				pthread_cond_wait(&s->room, &s->mu);
			}
		s->helper_waits = false;
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		for (int j = 0; j < rec->in.nmembers && j < HOUSEHOLD_MEMBERS_MAX; j++) {
			const struct person_in *p = &rec->members[j].person;

			slot->ok[j] = person_seal(p->id_number, p->phone, &slot->m[j], NULL) == 0;
		}
		pthread_mutex_lock(&s->mu);
		s->ready = k + 1;
		if (s->writer_waits)
			pthread_cond_signal(&s->filled);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_lock(&s->mu);
	s->done = true;
	pthread_cond_signal(&s->filled);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void
sealer_start(struct sealer *s, const struct household_rec *recs, const struct staged *sv, size_t n)
{
	*s = (struct sealer){ .recs = recs, .sv = sv, .n = n };
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->filled, NULL);
	pthread_cond_init(&s->room, NULL);
	s->ring = calloc(SEAL_AHEAD, sizeof(*s->ring));
	s->started =
		s->ring != NULL && n > 1 && pthread_create(&s->thread, NULL, sealer_main, s) == 0;
}

static void
slot_free(struct sealer *s, size_t k)
{
	const struct household_rec *rec = &s->recs[s->sv[k].i];
	struct seal_slot *slot = &s->ring[k % SEAL_AHEAD];

	for (int j = 0; j < rec->in.nmembers && j < HOUSEHOLD_MEMBERS_MAX; j++)
		if (slot->ok[j]) {
			person_sealed_free(&slot->m[j]);
			slot->ok[j] = false;
		}
}

/* Household k's sealed members into its person_in, once the helper has
 * them (nothing when it has stopped short of k). */
static void
sealer_take(struct sealer *s, size_t k, struct household_rec *rec)
{
	struct seal_slot *slot = &s->ring[k % SEAL_AHEAD];
	bool have;

	if (!s->started)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->ready <= k && !s->done) {
		s->writer_waits = true;
		pthread_cond_wait(&s->filled, &s->mu);
	}
	s->writer_waits = false;
	have = s->ready > k;
	pthread_mutex_unlock(&s->mu);
	for (int j = 0; have && j < rec->in.nmembers && j < HOUSEHOLD_MEMBERS_MAX; j++)
		rec->members[j].person.sealed = slot->ok[j] ? &slot->m[j] : NULL;
}

/* Household k is written: its slot goes back to the helper. */
static void
sealer_done_with(struct sealer *s, size_t k, struct household_rec *rec)
{
	if (!s->started)
		return;
	for (int j = 0; j < rec->in.nmembers; j++)
		rec->members[j].person.sealed = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->ready > k)
		slot_free(s, k);
	s->consumed = k + 1;
	if (s->helper_waits && s->ready - s->consumed <= SEAL_AHEAD / 2)
		pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->mu);
}

/* Stops the helper and frees what it sealed that was not written. */
static void
sealer_stop(struct sealer *s)
{
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->room);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		for (size_t k = s->consumed; k < s->ready; k++)
			slot_free(s, k);
	}
	free(s->ring);
	pthread_cond_destroy(&s->filled);
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->mu);
}

static int
publish_households(struct importer *im, struct staged *sv, size_t n, struct outcome *o,
		   struct anju_err *e)
{
	struct sealer sealer;
	int rc = 0;

	sealer_start(&sealer, im->hs.recs, sv, n);
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct household_rec *rec = &im->hs.recs[sv[k].i];
		struct household_in in;
		int64_t id = 0;

		sealer_take(&sealer, k, rec);
		in = rec->in;
		in.community_id = sv[k].c;
		in.category = sv[k].k;
		rc = household_create(im->db, &in, &im->who, &id, e);
		sealer_done_with(&sealer, k, rec);
		o->created += rc == 0;
		published(im, k + 1, n);
		if (rc != 0 && data_error(rc)) {
			o->failed_rec = sv[k].i;
			household_field_place(&im->hs, rec, e->field, &o->failed_col,
					      &o->failed_row);
		}
	}
	sealer_stop(&sealer);
	return rc;
}

static int
publish(struct importer *im, struct anju_err *e)
{
	struct staged *sv = NULL;
	struct outcome o = { .failed_row = -1 };
	char at[96];
	size_t n = 0;
	int rc;

	rc = job_progress(im->ctx, (int64_t)im->nrecs, (int64_t)im->nrecs, "发布中", e);
	if (rc != 0 || (rc = job_chunk_begin(im->ctx, e)) != 0)
		return rc;
	/* The audit rows of the whole publication are chained on a helper
	 * thread (audit_batch_begin()): a sixth of the writing thread's work. */
	if ((rc = read_staged(im, &sv, &n, e)) == 0 && (rc = audit_batch_begin(im->db, e)) == 0) {
		struct anju_err be;
		int brc;

		rc = im->t.what == TRANSFER_UNITS ? publish_units(im, sv, n, &o, e)
						  : publish_households(im, sv, n, &o, e);
		brc = audit_batch_end(im->db, rc == 0, &be);
		if (rc == 0 && brc != 0) {
			rc = brc;
			*e = be;
		}
	}
	free(sv);
	if (rc == 0)
		rc = transfer_parts_drop(im->db, job_id(im->ctx), "input", e);
	if (rc == 0) {
		snprintf(at, sizeof(at), "p:%lld:%lld:%lld", (long long)o.created,
			 (long long)(im->nrecs - (size_t)o.created), (long long)o.buildings);
		return job_chunk_end(im->ctx, (int64_t)im->nrecs, (int64_t)im->nrecs, at, "已发布",
				     e);
	}
	job_chunk_abort(im->ctx);
	if (o.failed_row < 0)
		return rc;
	/* The publication met a row's error: nothing of it stays; the row is
	 * reported like the others. */
	snprintf(o.failed_msg, sizeof(o.failed_msg), "%s", e->msg);
	report_add(&im->rep, (int64_t)o.failed_rec, o.failed_row, o.failed_col, "%s", o.failed_msg);
	if ((rc = job_chunk_begin(im->ctx, e)) != 0)
		return rc;
	rc = transfer_error_put(im->db, job_id(im->ctx),
				((int64_t)o.failed_rec + 1) * REC_ERRORS + REC_ERRORS - 1,
				&im->rep.items[im->rep.n - 1], e);
	if (rc == 0)
		rc = job_chunk_end(im->ctx, (int64_t)im->nrecs, (int64_t)im->nrecs, NULL, "校验中",
				   e);
	else
		job_chunk_abort(im->ctx);
	return rc != 0 ? rc : refuse(im, e);
}

/* ---- the job ---- */

static int
load(struct importer *im, struct anju_err *e)
{
	struct buf in;
	const char *data;
	size_t n;
	int rc = 0;

	buf_init(&in, TRANSFER_MAX_INPUT + 1);
	if (!transfer_input_lent(job_id(im->ctx), &data, &n)) {
		rc = transfer_parts_get(im->db, job_id(im->ctx), "input", &in, -1, e);
		data = in.p;
		n = in.n;
	}
	if (rc == 0 && n == 0)
		rc = anju_fail(e, ANJU_ENOTFOUND, "input_gone", NULL,
			       "导入的数据已不在（已过期或已处理）");
	if (rc == 0) {
		report_init(&im->rep, im->a);
		rc = im->t.format == TRANSFER_ROWS
			     ? sheet_from_rows(&im->sheet, data, n, im->a, &im->rep)
			     : sheet_from_csv(&im->sheet, data, n, im->a, &im->rep);
		if (rc == 0)
			rc = im->t.what == TRANSFER_UNITS
				     ? units_parse(&im->sheet, &im->us, &im->rep)
				     : households_parse(&im->sheet, &im->hs, &im->rep);
		/* -1: the file itself is unusable, reported. */
		rc = rc == 0 ? 0 : 1;
	}
	if (in.p != NULL)
		explicit_bzero(in.p, in.n);
	buf_free(&in);
	return rc;
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct importer im = { .ctx = ctx, .db = job_db(ctx), .a = arena_new() };
	const char *resume = job_resume_at(ctx);
	long long created = 0, unchanged = 0, buildings = 0;
	size_t chunk, next = 0;
	int rc;

	snprintf(im.request_id, sizeof(im.request_id), "job-%lld", (long long)job_id(ctx));
	if ((rc = transfer_get(im.db, job_id(ctx), im.a, &im.t, e)) != 0)
		goto out;
	if (im.t.export) {
		rc = anju_fail(e, ANJU_EINVAL, "not_an_import", NULL, "这个任务不是导入");
		goto out;
	}
	if (sscanf(resume, "p:%lld:%lld:%lld", &created, &unchanged, &buildings) == 3)
		goto done;
	if (strcmp(resume, "refused") == 0) {
		int64_t n = 0;

		if ((rc = transfer_error_count(im.db, job_id(ctx), &n, e)) == 0)
			rc = anju_fail(e, ANJU_EUNPROCESSABLE, "import_rejected", NULL,
				       "导入被拒绝：共 %lld 处错误，未写入任何数据，请下载错误报告",
				       (long long)n);
		goto out;
	}
	if ((rc = transfer_caller(im.db, im.t.owner, im.a, &im.caller, e)) != 0)
		goto out;
	if (!transfer_may_import(&im.caller)) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "%s无权导入数据",
			       role_title(im.caller.role));
		goto out;
	}
	transfer_actor(&im.caller, &im.who, im.request_id);
	if ((rc = job_progress(ctx, 0, 0, "读取文件", e)) != 0)
		goto out;
	/* One big transaction spills SQLite's default 2 MiB page cache to the
	 * WAL page by page; a larger cache on this connection, for this job
	 * only (import_cache_mb, taken as pages are needed), keeps the
	 * publication in memory until its commit (NOTES-performance; into a
	 * million households, 1 GiB instead of 256 MiB takes a quarter off
	 * the publication).  A statement that may change several rows
	 * copies the pages it changes to a statement journal, which past
	 * 64 KiB becomes a temporary file for the rest of the transaction:
	 * with one such statement per record, millions of page writes to
	 * /var/tmp.  Kept in memory, it costs a copy. */
	if (db_engine(im.db) == DB_SQLITE) {
		char pragma[48];

		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%lld",
			 (long long)config_int("import_cache_mb") * 1024);
		db_exec(im.db, pragma);
		db_exec(im.db, "PRAGMA temp_store = MEMORY");
	}
	rc = load(&im, e);
	if (rc < 0)
		goto out;
	im.nrecs = im.t.what == TRANSFER_UNITS ? im.us.n : im.hs.n;
	im.noop = arena_alloc(im.a, (im.nrecs ? im.nrecs : 1) * sizeof(bool));
	im.ordinal = arena_alloc(im.a, (im.nrecs + 1) * sizeof(int));
	if (rc > 0 || im.rep.full || im.nrecs == 0) {
		/* The file cannot be read, or is wrong throughout: no look-ups. */
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		if ((rc = write_report(&im, 0, im.nrecs, e)) != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		if ((rc = job_chunk_end(ctx, 0, (int64_t)im.nrecs, NULL, "校验中", e)) != 0)
			goto out;
		rc = refuse(&im, e);
		goto out;
	}
	if (strncmp(resume, "v:", 2) == 0)
		next = strtoull(resume + 2, NULL, 10);
	if (next > im.nrecs)
		next = im.nrecs;
	chunk = im.t.what == TRANSFER_UNITS ? CHUNK_UNITS : CHUNK_HOUSEHOLDS;
	while (next < im.nrecs) {
		size_t to = next + chunk < im.nrecs ? next + chunk : im.nrecs;
		char at[32];

		if ((rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		for (size_t i = next; i < to && rc == 0 && !im.rep.full; i++)
			rc = im.t.what == TRANSFER_UNITS ? check_unit(&im, i, e)
							 : check_household(&im, i, e);
		if (rc == 0)
			rc = write_report(&im, next, to, e);
		if (rc != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		snprintf(at, sizeof(at), "v:%zu", to);
		if ((rc = job_chunk_end(ctx, (int64_t)to, (int64_t)im.nrecs, at, "校验中", e)) != 0)
			goto out;
		next = to;
		if (im.rep.full)
			break;
	}
	{
		int64_t n = 0;

		if ((rc = transfer_error_count(im.db, job_id(ctx), &n, e)) != 0)
			goto out;
		if (n > 0 || im.rep.full) {
			rc = refuse(&im, e);
			goto out;
		}
	}
	if ((rc = publish(&im, e)) != 0)
		goto out;
	sscanf(job_resume_at(ctx), "p:%lld:%lld:%lld", &created, &unchanged, &buildings);
done:
	job_set_result(ctx,
		       json_pack("{s:s, s:I, s:I, s:I, s:I}", "what", transfer_what_name(im.t.what),
				 "rows", (json_int_t)(created + unchanged), "created",
				 (json_int_t)created, "unchanged", (json_int_t)unchanged,
				 "buildings_created", (json_int_t)buildings));
	rc = 0;
out:
	if (db_engine(im.db) == DB_SQLITE) {
		db_cache_reset(im.db);
		db_exec(im.db, "PRAGMA temp_store = DEFAULT");
	}
	if (rc == ANJU_ENOTFOUND && strcmp(e->key, "transfer_not_found") == 0)
		rc = anju_fail(e, ANJU_ENOTFOUND, "input_gone", NULL, "没有要导入的数据");
	free(im.comms.s);
	free(im.blds.s);
	json_decref(im.categories);
	sheet_free(&im.sheet);
	report_free(&im.rep);
	arena_free(im.a);
	return rc;
}

const struct job_kind job_kind_import_units = { "import_units", "导入房源", no_params, run };
const struct job_kind job_kind_import_households = { "import_households", "导入住户", no_params,
						     run };
