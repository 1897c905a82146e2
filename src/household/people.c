/*
 * People as the household module shows them: who may see a person (through
 * the household it is an active member of), the audited and rate-limited
 * reveal of a full ID number or phone, and the look-ups of the search box.
 * See household.h for the rules.
 */
#include <stdio.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/jsonw.h"
#include "core/text.h"
#include "household/household.h"
#include "household/internal.h"
#include "store/db.h"
#include "store/keys.h"

/* A person p with its active membership m (if any) in household h (if
 * any), visible to the caller: h in scope (with every community in scope,
 * a person without a household too), or for a tenant, itself and the
 * members of its household.  Four parameters: person_visible_bind(). */
#define PERSON_FROM                                                                                \
	" FROM person p LEFT JOIN member m ON m.person_id = p.id AND m.left_at IS NULL"            \
	" LEFT JOIN household h ON h.id = m.household_id"
#define PERSON_VISIBLE                                                                             \
	"(" SCOPE_SQL("h.community_id") " OR p.id = ? OR EXISTS (SELECT 1 FROM member t"           \
					" WHERE t.household_id = m.household_id"                   \
					" AND t.person_id = ? AND t.left_at IS NULL))"

static int
person_visible_bind(struct db_stmt *st, int i, const struct caller *c)
{
	int64_t self = c != NULL && c->role == ROLE_TENANT ? c->person_id : 0;

	i = scope_bind(st, i, c);
	db_bind_int64(st, i, self);
	db_bind_int64(st, i + 1, self);
	return i + 2;
}

static json_t *
person_with_household(struct db_stmt *st)
{
	json_t *p = person_json_row(st, 0);

	json_object_set_new(p, "household_id",
			    db_col_null(st, PERSON_NCOLS)
				    ? json_null()
				    : json_integer(db_col_int64(st, PERSON_NCOLS)));
	return p;
}

int
household_person_get(struct db *db, const struct caller *c, int64_t person_id, json_t **out,
		     struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " PERSON_COLS ", m.household_id" PERSON_FROM
			" WHERE p.id = ? AND " PERSON_VISIBLE,
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	person_visible_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = person_with_household(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
household_person_visible(struct db *db, const struct caller *c, int64_t person_id,
			 struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT p.id" PERSON_FROM " WHERE p.id = ? AND " PERSON_VISIBLE, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	person_visible_bind(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Counts one reveal for principal in this hour (UTC): 0, or ANJU_ELIMIT
 * past the hourly limit.  The count rolls back with a failed request. */
static int
count_reveal(struct db *db, const char *principal, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], hour[14];
	int64_t n = 0, limit = config_int("reveal_per_hour");
	int rc;

	time_format_utc(time_now_us(), now);
	snprintf(hour, sizeof(hour), "%.13s", now); /* "2026-11-28T07" */
	/* Earlier hours of this principal no longer count. */
	rc = db_prepare(db, "DELETE FROM reveal_count WHERE principal = ? AND hour < ?", &st);
	if (rc == 0) {
		db_bind_cstr(st, 1, principal);
		db_bind_cstr(st, 2, hour);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	rc = db_prepare(db,
			"INSERT INTO reveal_count (principal, hour, n) VALUES (?, ?, 1)"
			" ON CONFLICT (principal, hour) DO UPDATE SET n = reveal_count.n + 1"
			" RETURNING n",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, principal);
		db_bind_cstr(st, 2, hour);
		rc = db_step(st);
		if (rc == DB_ROW)
			n = db_col_int64(st, 0);
		db_reset(st);
	}
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (n > limit)
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "查看完整个人信息的次数已达每小时 %lld 次的上限，请稍后再试",
				 (long long)limit);
	return 0;
}

int
household_person_reveal(struct db *db, const struct caller *c, const struct audit_actor *who,
			int64_t person_id, const char *field, const char *reason, char **value,
			size_t *n, struct anju_err *e)
{
	json_t *after;
	char oid[24];
	size_t len = reason ? text_chars(reason) : 0;
	int rc;

	*value = NULL;
	*n = 0;
	if (c == NULL || !household_role_may_reveal(c->role))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "当前角色不能查看完整的身份证号或电话");
	if (field == NULL || (strcmp(field, "id_number") != 0 && strcmp(field, "phone") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "field",
				 "只能查看身份证号或电话");
	if (len < 4 || len > 200)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason",
				 "请填写 4 到 200 个字的查看理由");
	if ((rc = household_person_visible(db, c, person_id, e)) != 0 ||
	    (rc = count_reveal(db, c->principal, e)) != 0 ||
	    (rc = person_open(db, person_id, field, value, n, e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)person_id);
	after = json_pack("{s:s, s:s}", "field", field, "reason", reason);
	rc = audit_write(db, who, "person.reveal", "person", oid, NULL, after, e);
	json_decref(after);
	if (rc != 0) {
		pii_plain_free(*value, *n);
		*value = NULL;
		*n = 0;
	}
	return rc;
}

/* The look-ups.  Exact ones go through the blind indexes; a name prefix is
 * the range [prefix, prefix U+10FFFF) over the byte-compared name_key. */
#define SEARCH_SELECT "SELECT " PERSON_COLS ", m.household_id" PERSON_FROM
#define SEARCH_SCOPE  " AND " SCOPE_SQL("h.community_id")

/* An answer with no people and no households (nothing to look for). */
static int
search_none(struct jw *w)
{
	if (w != NULL) {
		jw_key(w, "persons");
		jw_array(w);
		jw_array_end(w);
		jw_key(w, "households");
		jw_array(w);
		jw_array_end(w);
	}
	return 0;
}

int
household_search(struct db *db, const struct caller *c, enum household_search_by by,
		 const char *value, int limit, struct jw *w, int64_t *hids_out, int hmax,
		 int *nh_out, struct anju_err *e)
{
	struct db_stmt *st;
	struct person_masks found[50];
	char index[PII_INDEX_LEN + 1], upper[PERSON_NAME_MAX + 8];
	int64_t hids[HOUSEHOLD_SUMMARY_MAX];
	int nh = 0, nfound = 0, i = 1, rc;
	bool all = c != NULL && c->all_communities;

	if (nh_out != NULL)
		*nh_out = 0;
	if (limit < 1 || limit > (int)(sizeof(found) / sizeof(found[0])))
		limit = (int)(sizeof(found) / sizeof(found[0]));
	if (value == NULL || value[0] == '\0')
		return search_none(w);
	switch (by) {
	case HOUSEHOLD_SEARCH_ID_NUMBER:
	case HOUSEHOLD_SEARCH_PHONE:
		pii_index(keys_current(), by == HOUSEHOLD_SEARCH_PHONE ? "phone" : "id_number",
			  value, index);
		rc = db_prepare(db,
				by == HOUSEHOLD_SEARCH_PHONE
					? SEARCH_SELECT " WHERE p.phone_index = ?" SEARCH_SCOPE
							" ORDER BY p.id LIMIT ?"
					: SEARCH_SELECT " WHERE p.id_number_index = ?" SEARCH_SCOPE
							" ORDER BY p.id LIMIT ?",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, i++, index);
		break;
	case HOUSEHOLD_SEARCH_NAME:
		if (strlen(value) > PERSON_NAME_MAX)
			return search_none(w);
		snprintf(upper, sizeof(upper), "%s\xF4\x8F\xBF\xBF", value);
		/* With every community in scope the name index alone answers; a
		 * set of communities is looked for among the first people with
		 * the prefix, so that the work stays bounded (household.h). */
		rc = db_prepare(
			db,
			all ? SEARCH_SELECT " WHERE p.name_key >= ? AND p.name_key < ?" SEARCH_SCOPE
					    " ORDER BY p.name_key, p.id LIMIT ?"
			    : "SELECT " PERSON_COLS ", m.household_id FROM (SELECT id FROM person"
			      " WHERE name_key >= ? AND name_key < ? ORDER BY name_key, id"
			      " LIMIT ?) f JOIN person p ON p.id = f.id"
			      " JOIN member m ON m.person_id = p.id AND m.left_at IS NULL"
			      " JOIN household h ON h.id = m.household_id"
			      " WHERE 1 = 1" SEARCH_SCOPE " ORDER BY p.name_key, p.id LIMIT ?",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, i++, value);
		db_bind_cstr(st, i++, upper);
		if (!all)
			db_bind_int64(st, i++, SEARCH_NAME_SCAN);
		break;
	default: return anju_fail(e, ANJU_EINVAL, "invalid_value", "q", "无法识别的查询");
	}
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, limit);
	if (w != NULL) {
		jw_key(w, "persons");
		jw_array(w);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		bool member = !db_col_null(st, PERSON_NCOLS);
		int64_t h = member ? db_col_int64(st, PERSON_NCOLS) : 0;

		if (w != NULL && nfound < limit) {
			jw_object(w);
			person_write_members(w, st, 0, &found[nfound++]);
			jw_key(w, "household_id");
			if (member)
				jw_integer(w, h);
			else
				jw_null(w);
			jw_object_end(w);
		}
		if (member && nh < (int)(sizeof(hids) / sizeof(hids[0]))) {
			bool seen = false;

			for (int k = 0; k < nh && !seen; k++)
				seen = hids[k] == h;
			if (!seen)
				hids[nh++] = h;
		}
	}
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (hids_out != NULL) {
		*nh_out = nh < hmax ? nh : hmax;
		memcpy(hids_out, hids, (size_t)*nh_out * sizeof(hids[0]));
	}
	if (w == NULL)
		return 0;
	jw_array_end(w);
	jw_key(w, "households");
	jw_array(w);
	rc = household_summary_write(db, hids, nh, found, nfound, w, e);
	jw_array_end(w);
	explicit_bzero(found, sizeof(found));
	return rc;
}
