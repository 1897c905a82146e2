/*
 * Households: creating, changing, finding and showing them.  See
 * household.h; members are in member.c, categories in category.c, people
 * as households show them in people.c, the dossier in dossier.c.
 */
#include "household/household.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "core/text.h"
#include "household/internal.h"
#include "store/db.h"
#include "store/page.h"

/* Text limits in characters, as the API states them. */
#define SHORT_TEXT_MAX 200
#define LONG_TEXT_MAX  500
/* Amounts above a trillion fen are typing errors, not incomes. */
#define AMOUNT_MAX INT64_C(1000000000000000)

bool
relationship_ok(const char *r)
{
	static const char *const names[] = {
		"head", "spouse", "child", "parent", "sibling", "other"
	};

	for (size_t i = 0; r != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(r, names[i]) == 0)
			return true;
	return false;
}

bool
household_role_sees_pii(enum role r)
{
	/* Nobody: a full value is shown only through an audited reveal. */
	(void)r;
	return false;
}

bool
household_role_may_reveal(enum role r)
{
	return r == ROLE_BUREAU || r == ROLE_OPERATOR_MANAGER || r == ROLE_OPERATOR_STAFF;
}

int
household_visible_bind(struct db_stmt *st, int i, const struct caller *c)
{
	i = scope_bind(st, i, c);
	/* No person has id 0: callers other than tenants match no membership. */
	db_bind_int64(st, i, c != NULL && c->role == ROLE_TENANT ? c->person_id : 0);
	return i + 1;
}

void
pending_init(struct pending *q)
{
	memset(q, 0, sizeof(*q));
}

void
pending_free(struct pending *q)
{
	for (int i = 0; i < q->n; i++) {
		json_decref(q->rows[i].before);
		json_decref(q->rows[i].after);
		free(q->rows[i].after_text);
	}
	free(q->rows);
	pending_init(q);
}

static struct pending_row *
pending_add(struct pending *q, const char *action, const char *object_type, int64_t id)
{
	struct pending_row *r;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 4;
		q->rows = xrealloc(q->rows, (size_t)q->cap * sizeof(*q->rows));
	}
	r = &q->rows[q->n++];
	memset(r, 0, sizeof(*r));
	r->action = action;
	r->object_type = object_type;
	r->id = id;
	return r;
}

void
pending_audit(struct pending *q, const char *action, const char *object_type, int64_t id,
	      json_t *before, json_t *after)
{
	struct pending_row *r = pending_add(q, action, object_type, id);

	r->before = before;
	r->after = after;
}

void
pending_audit_text(struct pending *q, const char *action, const char *object_type, int64_t id,
		   struct buf *after)
{
	pending_add(q, action, object_type, id)->after_text = buf_take(after, NULL);
}

int
pending_flush(struct db *db, const struct audit_actor *who, struct pending *q, struct anju_err *e)
{
	char oid[24];
	int rc = 0;

	for (int i = 0; rc == 0 && i < q->n; i++) {
		const struct pending_row *r = &q->rows[i];

		snprintf(oid, sizeof(oid), "%lld", (long long)r->id);
		if (r->after_text != NULL)
			rc = audit_write_text(db, who, r->action, r->object_type, oid, NULL,
					      r->after_text, e);
		else
			rc = audit_write(db, who, r->action, r->object_type, oid, r->before,
					 r->after, e);
	}
	return rc;
}

int
household_touch(struct db *db, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	if ((rc = db_prepare(db, "UPDATE household SET updated_at = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
text_ok(const char *s, size_t max, const char *field, struct anju_err *e)
{
	if (s != NULL && text_chars(s) > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "%s 不能超过 %zu 个字符",
				 field, max);
	return 0;
}

static int
amount_ok(int64_t v, const char *field, struct anju_err *e)
{
	if (v < 0 || v > AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", field,
				 "%s 应为不小于 0 的金额（分）", field);
	return 0;
}

/* A special groups list: codes [a-z][a-z0-9_]{1,31} separated by commas,
 * at most HOUSEHOLD_GROUPS_MAX, none twice. */
static int
groups_ok(const char *groups, const char *field, struct anju_err *e)
{
	struct str s = str_c(groups), head, seen[HOUSEHOLD_GROUPS_MAX];
	int n = 0;

	while (s.n > 0) {
		bool ok;

		str_cut(&s, ',', &head);
		ok = head.n >= 2 && head.n <= 32 && head.p[0] >= 'a' && head.p[0] <= 'z';
		for (size_t i = 0; ok && i < head.n; i++)
			ok = (head.p[i] >= 'a' && head.p[i] <= 'z') ||
			     (head.p[i] >= '0' && head.p[i] <= '9') || head.p[i] == '_';
		if (!ok)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", field,
					 "特殊群体应为以逗号分隔的代码");
		for (int k = 0; k < n; k++)
			if (str_eq(seen[k], head))
				return anju_fail(e, ANJU_EINVAL, "invalid_value", field,
						 "特殊群体重复");
		if (n == HOUSEHOLD_GROUPS_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_length", field,
					 "特殊群体最多 %d 项", HOUSEHOLD_GROUPS_MAX);
		seen[n++] = head;
	}
	return 0;
}

/* The eligibility facts: the area, the insurance months and the groups. */
static int
facts_ok(int64_t area, int64_t months, const char *groups, struct anju_err *e)
{
	if (area < 0 || area > HOUSEHOLD_AREA_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "housing_area_centi",
				 "住房面积应为不小于 0 的数（百分之一平方米）");
	if (months < 0 || months > HOUSEHOLD_INSURANCE_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "insurance_months",
				 "社保缴纳月数应为 0 到 %d", HOUSEHOLD_INSURANCE_MAX);
	return groups_ok(groups, "special_groups", e);
}

void
err_field_prefix(struct anju_err *e, const char *prefix)
{
	char f[128];
	size_t n;

	if (e == NULL || prefix == NULL || prefix[0] == '\0' || e->field[0] == '\0')
		return;
	n = (size_t)snprintf(f, sizeof(f), "%s%s", prefix, e->field);
	if (n >= sizeof(e->field))
		n = sizeof(e->field) - 1;
	memcpy(e->field, f, n);
	e->field[n] = '\0';
}

/* The member's field in e prefixed with where it is: "members[2].id_number". */
static int
member_field(struct anju_err *e, int rc, int i)
{
	char prefix[24];

	snprintf(prefix, sizeof(prefix), "members[%d].", i);
	err_field_prefix(e, prefix);
	return rc;
}

int
household_validate(const struct household_in *in, struct anju_err *e)
{
	char ids[HOUSEHOLD_MEMBERS_MAX][19];
	int rc, heads = 0;

	if (in->community_id <= 0)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "community_id", "请选择小区");
	if (in->category == NULL || in->category[0] == '\0' || strlen(in->category) > 32)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "category", "请选择家庭类别");
	if ((rc = text_ok(in->hukou, SHORT_TEXT_MAX, "hukou", e)) != 0 ||
	    (rc = text_ok(in->employer, SHORT_TEXT_MAX, "employer", e)) != 0 ||
	    (rc = text_ok(in->assets_note, LONG_TEXT_MAX, "assets_note", e)) != 0 ||
	    (rc = text_ok(in->current_housing, LONG_TEXT_MAX, "current_housing", e)) != 0 ||
	    (rc = amount_ok(in->monthly_income_fen, "monthly_income_fen", e)) != 0 ||
	    (rc = amount_ok(in->assets_fen, "assets_fen", e)) != 0 ||
	    (rc = facts_ok(in->housing_area_centi, in->insurance_months, in->special_groups, e)) !=
		    0)
		return rc;
	if (in->nmembers < 1 || in->nmembers > HOUSEHOLD_MEMBERS_MAX || in->members == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "members",
				 "家庭成员应为 1 到 %d 人", HOUSEHOLD_MEMBERS_MAX);
	for (int i = 0; i < in->nmembers; i++) {
		const struct member_in *m = &in->members[i];

		if (!relationship_ok(m->relationship))
			return member_field(e,
					    anju_fail(e, ANJU_EINVAL, "invalid_value",
						      "relationship", "与户主关系无效"),
					    i);
		if (strcmp(m->relationship, "head") == 0 && ++heads > 1)
			return member_field(e,
					    anju_fail(e, ANJU_EINVAL, "one_head", "relationship",
						      "一户只能有一位户主"),
					    i);
		rc = person_validate(m->person.name, m->person.id_number, m->person.phone, ids[i],
				     e);
		if (rc != 0)
			return member_field(e, rc, i);
		for (int j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0) {
				explicit_bzero(ids, sizeof(ids));
				return member_field(e,
						    anju_fail(e, ANJU_EINVAL, "duplicate_id_number",
							      "id_number",
							      "同一身份证号在成员中出现两次"),
						    i);
			}
	}
	explicit_bzero(ids, sizeof(ids));
	if (heads == 0)
		return anju_fail(e, ANJU_EINVAL, "head_required", "members",
				 "家庭成员中应有一位户主");
	return 0;
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* The after-image of "household.create", members in key order as the
 * trail stores them; members: the member images' array, as written. */
static void
household_image(struct jw *w, const struct household_in *in, const struct buf *members)
{
	jw_object(w);
	jw_member_integer(w, "assets_fen", in->assets_fen);
	jw_member_string(w, "assets_note", or_empty(in->assets_note));
	jw_member_string(w, "category", in->category);
	jw_member_integer(w, "community_id", in->community_id);
	jw_member_string(w, "current_housing", or_empty(in->current_housing));
	jw_member_string(w, "employer", or_empty(in->employer));
	jw_member_integer(w, "housing_area_centi", in->housing_area_centi);
	jw_member_string(w, "hukou", or_empty(in->hukou));
	jw_member_integer(w, "insurance_months", in->insurance_months);
	jw_key(w, "local_hukou");
	jw_bool(w, in->local_hukou);
	jw_key(w, "members");
	jw_raw(w, members->p, members->n);
	jw_member_integer(w, "monthly_income_fen", in->monthly_income_fen);
	jw_member_string(w, "special_groups", or_empty(in->special_groups));
	jw_object_end(w);
}

int
household_create(struct db *db, const struct household_in *in, const struct audit_actor *who,
		 int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], prefix[24];
	struct pending q;
	struct buf members, after;
	struct jw mw, aw;
	int rc;

	pending_init(&q);
	buf_init(&members, 0);
	buf_init(&after, 0);
	if ((rc = household_validate(in, e)) != 0 ||
	    (rc = category_usable(db, in->category, "category", e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO household (community_id, category, hukou, employer,"
		" monthly_income_fen, assets_fen, assets_note, current_housing, state,"
		" created_at, updated_at, housing_area_centi, local_hukou, insurance_months,"
		" special_groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)"
		" RETURNING id",
		&st);
	if (rc == 0) {
		db_bind_int64(st, 1, in->community_id);
		db_bind_cstr(st, 2, in->category);
		db_bind_cstr(st, 3, or_empty(in->hukou));
		db_bind_cstr(st, 4, or_empty(in->employer));
		db_bind_int64(st, 5, in->monthly_income_fen);
		db_bind_int64(st, 6, in->assets_fen);
		db_bind_cstr(st, 7, or_empty(in->assets_note));
		db_bind_cstr(st, 8, or_empty(in->current_housing));
		db_bind_cstr(st, 9, now);
		db_bind_cstr(st, 10, now);
		db_bind_int64(st, 11, in->housing_area_centi);
		db_bind_int64(st, 12, in->local_hukou ? 1 : 0);
		db_bind_int64(st, 13, in->insurance_months);
		db_bind_cstr(st, 14, or_empty(in->special_groups));
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	/* The category was checked: the one reference left to fail is the
	 * community's. */
	if (rc == ANJU_ECONFLICT) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
			       "没有这个小区");
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	jw_init(&mw, &members);
	jw_array(&mw);
	for (int i = 0; i < in->nmembers; i++) {
		int64_t mid;

		snprintf(prefix, sizeof(prefix), "members[%d].", i);
		rc = member_join(db, *id, &in->members[i].person, in->members[i].relationship,
				 prefix, &q, &mid, &mw, e);
		if (rc != 0)
			goto out;
	}
	jw_array_end(&mw);
	jw_init(&aw, &after);
	household_image(&aw, in, &members);
	if ((rc = mw.rc ? mw.rc : aw.rc) != 0) {
		rc = anju_fail(e, rc, "audit_too_big", NULL, "household image too big");
		goto out;
	}
	pending_audit_text(&q, "household.create", "household", *id, &after);
	rc = pending_flush(db, who, &q, e);
out:
	pending_free(&q);
	buf_free(&members);
	buf_free(&after);
	return rc;
}

int
household_find_by_head(struct db *db, const char *id_number, int64_t *id, struct anju_err *e)
{
	char index[PII_INDEX_LEN + 1];
	int rc;

	if ((rc = person_index_of(id_number, index, e)) != 0)
		return rc;
	return household_find_by_head_index(db, index, id, e);
}

int
household_find_by_head_index(struct db *db, const char index[PII_INDEX_LEN + 1], int64_t *id,
			     struct anju_err *e)
{
	struct db_stmt *st;
	int64_t person;
	int rc;

	rc = person_find_index(db, index, &person, e);
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	if (rc != 0)
		return rc;
	rc = db_prepare(
		db,
		"SELECT m.household_id FROM member m JOIN household h ON h.id = m.household_id"
		" WHERE m.person_id = ? AND m.left_at IS NULL AND m.relationship = 'head'"
		" AND h.state = 'active'",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
household_community(struct db *db, const struct caller *c, int64_t household_id,
		    int64_t *community_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT h.community_id FROM household h WHERE h.id = ?"
			" AND " HOUSEHOLD_VISIBLE("h"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	household_visible_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*community_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

/* Person pid among known (people already masked for this reply), or NULL:
 * a search that found the head among the people does not decrypt the head's
 * values twice. */
static const struct person_masks *
known_person(const struct person_masks *known, int nknown, int64_t pid)
{
	for (int i = 0; i < nknown; i++)
		if (known[i].id == pid)
			return &known[i];
	return NULL;
}

/* A mask already made ("" for null), written again. */
static void
write_known(struct jw *w, const char *mask)
{
	jw_string(w, mask[0] != '\0' ? mask : NULL);
}

/* The HouseholdSummary members of SUMMARY_SELECT's row into the object open
 * in w; the head's masks from known when the head is there. */
static void
summary_write_members(struct jw *w, struct db_stmt *st, const struct person_masks *known,
		      int nknown)
{
	const struct person_masks *head = NULL;

	if (!db_col_null(st, 8))
		head = known_person(known, nknown, db_col_int64(st, 8));
	jw_member_integer(w, "id", db_col_int64(st, 0));
	jw_member_integer(w, "community_id", db_col_int64(st, 1));
	jw_member_string(w, "community_name", db_col_text(st, 2));
	jw_member_string(w, "category", db_col_text(st, 3));
	jw_member_string(w, "category_name", db_col_text(st, 4));
	jw_member_string(w, "state", db_col_text(st, 5));
	jw_member_integer(w, "monthly_income_fen", db_col_int64(st, 6));
	jw_member_string(w, "created_at", db_col_text(st, 7));
	jw_key(w, "head_person_id");
	if (db_col_null(st, 8))
		jw_null(w);
	else
		jw_integer(w, db_col_int64(st, 8));
	jw_member_string(w, "head_name", db_col_text(st, 9));
	jw_key(w, "head_id_number");
	if (head != NULL)
		write_known(w, head->id_number);
	else
		person_write_masked(w, db_col_text(st, 10), NULL, 0);
	jw_key(w, "head_phone");
	if (head != NULL)
		write_known(w, head->phone);
	else
		person_write_masked(w, db_col_text(st, 11), NULL, 0);
	jw_member_integer(w, "member_count", db_col_int64(st, 12));
}

static void
summary_members(struct jw *w, void *st)
{
	summary_write_members(w, st, NULL, 0);
}

json_t *
household_summary_row(struct db_stmt *st)
{
	return jw_object_tree(summary_members, st);
}

int
household_summary_write(struct db *db, const int64_t *ids, int n, const struct person_masks *known,
			int nknown, struct jw *w, struct anju_err *e)
{
	struct buf rows[HOUSEHOLD_SUMMARY_MAX];
	struct db_stmt *st;
	struct buf sql;
	int rc;

	if (n > HOUSEHOLD_SUMMARY_MAX)
		n = HOUSEHOLD_SUMMARY_MAX;
	if (n <= 0)
		return 0;
	/* One statement for the page (one text per n, each prepared once). */
	buf_init(&sql, 0);
	buf_adds(&sql, SUMMARY_SELECT " WHERE h.id IN (?");
	for (int i = 1; i < n; i++)
		buf_adds(&sql, ", ?");
	buf_adds(&sql, ")");
	rc = db_prepare(db, sql.p, &st);
	buf_free(&sql);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++) {
		db_bind_int64(st, i + 1, ids[i]);
		buf_init(&rows[i], 0);
	}
	/* Each row's text aside, then all in the order asked for. */
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);

		for (int i = 0; i < n; i++)
			if (ids[i] == id && rows[i].n == 0) {
				struct jw rw;

				jw_init(&rw, &rows[i]);
				jw_object(&rw);
				summary_write_members(&rw, st, known, nknown);
				jw_object_end(&rw);
				if (w->rc == 0)
					w->rc = rw.rc;
				break;
			}
	}
	db_reset(st);
	for (int i = 0; i < n; i++) {
		if (rows[i].n > 0)
			jw_raw(w, rows[i].p, rows[i].n);
		buf_free(&rows[i]);
	}
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static json_t *
member_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)db_col_int64(st, 0),
			 "person_id", (json_int_t)db_col_int64(st, 4), "relationship",
			 db_col_text(st, 1), "joined_at", db_col_text(st, 2), "left_at",
			 text_or_null(st, 3), "person", person_json_row(st, 4));
}

/* The special groups list as an array of codes. */
static json_t *
groups_json(const char *groups)
{
	struct str s = str_c(groups), head;
	json_t *a = json_array();

	while (s.n > 0) {
		str_cut(&s, ',', &head);
		if (head.n > 0)
			json_array_append_new(a, json_stringn(head.p, head.n));
	}
	return a;
}

int
household_json(struct db *db, int64_t id, bool all_members, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *h = NULL, *members, *head = json_null();
	int64_t active = 0;
	int rc;

	rc = db_prepare(db,
			"SELECT h.id, h.community_id, c.name, h.category, hc.name, h.hukou,"
			" h.employer, h.monthly_income_fen, h.assets_fen, h.assets_note,"
			" h.current_housing, h.state, h.created_at, h.updated_at,"
			" h.housing_area_centi, h.local_hukou, h.insurance_months, h.special_groups"
			" FROM household h JOIN community c ON c.id = h.community_id"
			" JOIN household_category hc ON hc.code = h.category WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		h = json_pack(
			"{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}",
			"id", (json_int_t)db_col_int64(st, 0), "community_id",
			(json_int_t)db_col_int64(st, 1), "community_name", db_col_text(st, 2),
			"category", db_col_text(st, 3), "category_name", db_col_text(st, 4),
			"hukou", db_col_text(st, 5), "employer", db_col_text(st, 6),
			"monthly_income_fen", (json_int_t)db_col_int64(st, 7), "assets_fen",
			(json_int_t)db_col_int64(st, 8), "assets_note", db_col_text(st, 9),
			"current_housing", db_col_text(st, 10), "state", db_col_text(st, 11),
			"created_at", db_col_text(st, 12), "updated_at", db_col_text(st, 13));
	if (rc == DB_ROW) {
		json_object_set_new(h, "housing_area_centi", json_integer(db_col_int64(st, 14)));
		json_object_set_new(h, "local_hukou", json_boolean(db_col_int64(st, 15) != 0));
		json_object_set_new(h, "insurance_months", json_integer(db_col_int64(st, 16)));
		json_object_set_new(h, "special_groups", groups_json(db_col_text(st, 17)));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	rc = db_prepare(
		db,
		"SELECT m.id, m.relationship, m.joined_at, m.left_at, " PERSON_COLS
		" FROM member m JOIN person p ON p.id = m.person_id WHERE m.household_id = ?"
		" AND (? = 1 OR m.left_at IS NULL)"
		" ORDER BY CASE WHEN m.relationship = 'head' THEN 0 ELSE 1 END, m.id",
		&st);
	if (rc != 0) {
		json_decref(h);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, all_members ? 1 : 0);
	members = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_col_null(st, 3)) {
			active++;
			if (strcmp(db_col_text(st, 1), "head") == 0) {
				json_decref(head);
				head = json_integer(db_col_int64(st, 0));
			}
		}
		json_array_append_new(members, member_row(st));
	}
	db_reset(st);
	json_object_set_new(h, "members", members);
	json_object_set_new(h, "head_member_id", head);
	json_object_set_new(h, "member_count", json_integer(active));
	if (rc != DB_DONE) {
		json_decref(h);
		return db_fail(db, rc, e);
	}
	*out = h;
	return 0;
}

int
household_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	int64_t community;
	int rc;

	if ((rc = household_community(db, c, id, &community, e)) != 0)
		return rc;
	return household_json(db, id, false, out, e);
}

int
household_mine(struct db *db, const struct caller *c, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t id = 0;
	int rc;

	if (c == NULL || c->role != ROLE_TENANT || c->person_id <= 0)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有登记的家庭");
	rc = db_prepare(
		db, "SELECT household_id FROM member WHERE person_id = ? AND left_at IS NULL", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, c->person_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有登记的家庭");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	return household_json(db, id, false, out, e);
}

static json_t *
summary_item(struct db_stmt *st, void *ud)
{
	(void)ud;
	return household_summary_row(st);
}

/* The filters after the cursor; the community, when given, leads to the
 * (community_id, id) index. */
#define LIST_FILTERS                                                                               \
	" WHERE h.id > ? AND (CAST(? AS TEXT) IS NULL OR h.category = ?)"                          \
	" AND (CAST(? AS TEXT) IS NULL OR h.state = ?) AND " HOUSEHOLD_VISIBLE("h")

int
household_list(struct db *db, const struct caller *c, const struct household_filter *f,
	       json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i;

	if (f->community_id > 0)
		rc = db_prepare(db,
				SUMMARY_SELECT LIST_FILTERS " AND h.community_id = ?"
							    " ORDER BY h.id LIMIT ?",
				&st);
	else
		rc = db_prepare(db, SUMMARY_SELECT LIST_FILTERS " ORDER BY h.id LIMIT ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->after_id);
	db_bind_cstr(st, 2, f->category);
	db_bind_cstr(st, 3, f->category);
	db_bind_cstr(st, 4, f->state);
	db_bind_cstr(st, 5, f->state);
	i = household_visible_bind(st, 6, c);
	if (f->community_id > 0)
		db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, summary_item, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

#define EACH_PAGE 200

int
household_each(struct db *db, const struct caller *c, int64_t community_id, household_row_fn fn,
	       void *ud, struct anju_err *e)
{
	int64_t ids[EACH_PAGE], after = 0;
	int n, rc;

	do {
		struct db_stmt *st;

		/* A page of ids first, so that fn may run statements of its own. */
		rc = db_prepare(db,
				"SELECT h.id FROM household h WHERE h.id > ?"
				" AND (? = 0 OR h.community_id = ?) AND " HOUSEHOLD_VISIBLE(
					"h") " ORDER BY h.id LIMIT ?",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, after);
		db_bind_int64(st, 2, community_id);
		db_bind_int64(st, 3, community_id);
		db_bind_int64(st, household_visible_bind(st, 4, c), EACH_PAGE);
		n = 0;
		while ((rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int64(st, 0);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
		for (int k = 0; k < n; k++) {
			json_t *h = NULL;

			if ((rc = household_json(db, ids[k], false, &h, e)) != 0)
				return rc;
			rc = fn(ud, h);
			json_decref(h);
			if (rc != 0)
				return rc;
		}
		if (n > 0)
			after = ids[n - 1];
	} while (n == EACH_PAGE);
	return 0;
}

/* A household's own fields as the audit trail records them, from the
 * database. */
static int
household_load_image(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT community_id, category, hukou, employer, monthly_income_fen,"
		" assets_fen, assets_note, current_housing, state, housing_area_centi,"
		" local_hukou, insurance_months, special_groups FROM household WHERE id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "community_id",
				 (json_int_t)db_col_int64(st, 0), "category", db_col_text(st, 1),
				 "hukou", db_col_text(st, 2), "employer", db_col_text(st, 3),
				 "monthly_income_fen", (json_int_t)db_col_int64(st, 4),
				 "assets_fen", (json_int_t)db_col_int64(st, 5), "assets_note",
				 db_col_text(st, 6), "current_housing", db_col_text(st, 7), "state",
				 db_col_text(st, 8));
	if (rc == DB_ROW) {
		json_object_set_new(*out, "housing_area_centi", json_integer(db_col_int64(st, 9)));
		json_object_set_new(*out, "local_hukou", json_boolean(db_col_int64(st, 10) != 0));
		json_object_set_new(*out, "insurance_months", json_integer(db_col_int64(st, 11)));
		json_object_set_new(*out, "special_groups", json_string(db_col_text(st, 12)));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
household_update(struct db *db, int64_t id, const struct household_patch *p,
		 const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL, *diff = NULL;
	char now[TIME_FMT_LEN], oid[24];
	int rc;

	if ((rc = text_ok(p->hukou, SHORT_TEXT_MAX, "hukou", e)) != 0 ||
	    (rc = text_ok(p->employer, SHORT_TEXT_MAX, "employer", e)) != 0 ||
	    (rc = text_ok(p->assets_note, LONG_TEXT_MAX, "assets_note", e)) != 0 ||
	    (rc = text_ok(p->current_housing, LONG_TEXT_MAX, "current_housing", e)) != 0 ||
	    (p->monthly_income_fen >= 0 &&
	     (rc = amount_ok(p->monthly_income_fen, "monthly_income_fen", e)) != 0) ||
	    (p->assets_fen >= 0 && (rc = amount_ok(p->assets_fen, "assets_fen", e)) != 0) ||
	    (rc = facts_ok(p->has_housing_area ? p->housing_area_centi : 0,
			   p->has_insurance_months ? p->insurance_months : 0, p->special_groups,
			   e)) != 0)
		return rc;
	if ((rc = household_load_image(db, id, &before, e)) != 0)
		return rc;
	after = json_deep_copy(before);
	if (p->category != NULL &&
	    strcmp(p->category, json_string_value(json_object_get(before, "category"))) != 0) {
		if ((rc = category_usable(db, p->category, "category", e)) != 0)
			goto out;
		json_object_set_new(after, "category", json_string(p->category));
	}
	{
		const struct {
			const char *name, *value;
		} texts[] = { { "hukou", p->hukou },
			      { "employer", p->employer },
			      { "assets_note", p->assets_note },
			      { "current_housing", p->current_housing } };

		for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
			if (texts[k].value != NULL)
				json_object_set_new(after, texts[k].name,
						    json_string(texts[k].value));
	}
	if (p->monthly_income_fen >= 0)
		json_object_set_new(after, "monthly_income_fen",
				    json_integer(p->monthly_income_fen));
	if (p->assets_fen >= 0)
		json_object_set_new(after, "assets_fen", json_integer(p->assets_fen));
	if (p->has_housing_area)
		json_object_set_new(after, "housing_area_centi",
				    json_integer(p->housing_area_centi));
	if (p->has_local_hukou)
		json_object_set_new(after, "local_hukou", json_boolean(p->local_hukou));
	if (p->has_insurance_months)
		json_object_set_new(after, "insurance_months", json_integer(p->insurance_months));
	if (p->special_groups != NULL)
		json_object_set_new(after, "special_groups", json_string(p->special_groups));
	if ((diff = audit_diff(before, after)) == NULL)
		goto out; /* nothing changes: nothing is written */
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE household SET category = ?, hukou = ?, employer = ?,"
		" monthly_income_fen = ?, assets_fen = ?, assets_note = ?, current_housing = ?,"
		" updated_at = ?, housing_area_centi = ?, local_hukou = ?, insurance_months = ?,"
		" special_groups = ? WHERE id = ?",
		&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, json_string_value(json_object_get(after, "category")));
		db_bind_cstr(st, 2, json_string_value(json_object_get(after, "hukou")));
		db_bind_cstr(st, 3, json_string_value(json_object_get(after, "employer")));
		db_bind_int64(st, 4,
			      json_integer_value(json_object_get(after, "monthly_income_fen")));
		db_bind_int64(st, 5, json_integer_value(json_object_get(after, "assets_fen")));
		db_bind_cstr(st, 6, json_string_value(json_object_get(after, "assets_note")));
		db_bind_cstr(st, 7, json_string_value(json_object_get(after, "current_housing")));
		db_bind_cstr(st, 8, now);
		db_bind_int64(st, 9,
			      json_integer_value(json_object_get(after, "housing_area_centi")));
		db_bind_int64(st, 10, json_is_true(json_object_get(after, "local_hukou")) ? 1 : 0);
		db_bind_int64(st, 11,
			      json_integer_value(json_object_get(after, "insurance_months")));
		db_bind_cstr(st, 12, json_string_value(json_object_get(after, "special_groups")));
		db_bind_int64(st, 13, id);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, "household.update", "household", oid,
			 json_object_get(diff, "before"), json_object_get(diff, "after"), e);
out:
	json_decref(before);
	json_decref(after);
	json_decref(diff);
	return rc;
}
