/*
 * Members: a person's membership of a household, with the relationship to
 * its head.  A person is an active member of at most one household (the
 * partial unique index member_active_person is the last guard); exactly one
 * member row of a household is its head, the current one or, once the
 * household has closed, the last.  See household.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/jsonw.h"
#include "household/household.h"
#include "household/internal.h"
#include "store/db.h"

/* e's field with prefix in front when rc is an error. */
static int
prefixed(struct anju_err *e, int rc, const char *prefix)
{
	if (rc != 0)
		err_field_prefix(e, prefix);
	return rc;
}

/* An existing person may join only under the name it is recorded with: a
 * different name with the same ID number is a typing error in one of them. */
static int
same_name(struct db *db, int64_t person, const char *name, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT name FROM person WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person);
	rc = db_step(st);
	if (rc == DB_ROW && strcmp(db_col_text(st, 0), name) != 0)
		rc = anju_fail(e, ANJU_ECONFLICT, "person_name_mismatch", "name",
			       "该身份证号已登记为另一个姓名（%s），请核对", db_col_text(st, 0));
	else if (rc == DB_ROW)
		rc = 0;
	else
		rc = db_fail(db, rc, e);
	db_reset(st);
	return rc;
}

static int
active_elsewhere(struct db *db, int64_t person, int64_t household_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db, "SELECT household_id FROM member WHERE person_id = ? AND left_at IS NULL", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person);
	rc = db_step(st);
	if (rc == DB_ROW && db_col_int64(st, 0) == household_id)
		rc = anju_fail(e, ANJU_ECONFLICT, "member_exists", "id_number",
			       "此人已是该家庭的成员");
	else if (rc == DB_ROW)
		rc = anju_fail(e, ANJU_ECONFLICT, "member_active_elsewhere", "id_number",
			       "此人已是另一个家庭（编号 %lld）的成员",
			       (long long)db_col_int64(st, 0));
	else if (rc == DB_DONE)
		rc = 0;
	else
		rc = db_fail(db, rc, e);
	db_reset(st);
	return rc;
}

int
member_join(struct db *db, int64_t household_id, const struct person_in *p,
	    const char *relationship, const char *prefix, struct pending *q, int64_t *member_id,
	    struct jw *image, struct anju_err *e)
{
	struct db_stmt *st;
	char idn[19], own_index[PII_INDEX_LEN + 1], masked[40], now[TIME_FMT_LEN];
	const char *index = p->id_index;
	json_t *before = NULL, *after = NULL;
	struct buf created;
	int64_t person = 0;
	bool is_new = false;
	int rc;

	buf_init(&created, 0);
	if ((rc = person_validate(p->name, p->id_number, p->phone, idn, e)) != 0)
		goto out;
	if (index == NULL) {
		person_id_index(idn, own_index);
		index = own_index;
	}
	rc = person_find_index(db, index, &person, e);
	if (rc == ANJU_ENOTFOUND) {
		rc = p->sealed != NULL
			     ? person_add_sealed(db, p->name, p->sealed, index, &person, &created,
						 e)
			     : person_add(db, p->name, idn, p->phone, index, &person, &created, e);
		if (rc != 0)
			goto out;
		is_new = true;
		pending_audit_text(q, "person.create", "person", person, &created);
	} else if (rc == 0) {
		if ((rc = same_name(db, person, p->name, e)) != 0)
			goto out;
		if (p->phone != NULL && p->phone[0] != '\0') {
			rc = person_change(db, person, NULL, p->phone, &before, &after, e);
			if (rc != 0)
				goto out;
			if (after != NULL)
				pending_audit(q, "person.update", "person", person, before, after);
			else
				json_decref(before);
		}
	} else {
		goto out;
	}
	/* A person created just now is nobody's member yet. */
	if (!is_new && (rc = active_elsewhere(db, person, household_id, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO member (household_id, person_id, relationship, joined_at)"
			" VALUES (?, ?, ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_int64(st, 1, household_id);
		db_bind_int64(st, 2, person);
		db_bind_cstr(st, 3, relationship);
		db_bind_cstr(st, 4, now);
		rc = db_step(st);
		if (rc == DB_ROW)
			*member_id = db_col_int64(st, 0);
		db_reset(st);
	}
	if (rc == ANJU_ECONFLICT) {
		/* Joined another household since the check above. */
		rc = anju_fail(e, ANJU_ECONFLICT, "member_active_elsewhere", "id_number",
			       "此人已是另一个家庭的成员");
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	idnum_mask(idn, masked, sizeof(masked));
	jw_object(image);
	jw_member_string(image, "id_number", masked);
	jw_member_integer(image, "member_id", *member_id);
	jw_member_string(image, "name", p->name);
	jw_member_integer(image, "person_id", person);
	jw_member_string(image, "relationship", relationship);
	jw_object_end(image);
out:
	buf_free(&created);
	explicit_bzero(idn, sizeof(idn));
	return prefixed(e, rc, prefix);
}

/* The household's state into state (ANJU_ENOTFOUND when there is none). */
static int
household_state(struct db *db, int64_t id, char state[16], struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT state FROM household WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(state, 16, "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
household_active(struct db *db, int64_t id, struct anju_err *e)
{
	char state[16];
	int rc;

	if ((rc = household_state(db, id, state, e)) != 0)
		return rc;
	if (strcmp(state, "active") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "household_closed", NULL, "该家庭已注销");
	return 0;
}

static int
count_active(struct db *db, int64_t household_id, int64_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db, "SELECT COUNT(*) FROM member WHERE household_id = ? AND left_at IS NULL", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*n = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
member_add(struct db *db, int64_t household_id, const struct member_in *m,
	   const struct audit_actor *who, int64_t *member_id, struct anju_err *e)
{
	struct pending q;
	struct buf image;
	struct jw w;
	int64_t n = 0;
	int rc;

	pending_init(&q);
	buf_init(&image, 0);
	jw_init(&w, &image);

	if (!relationship_ok(m->relationship)) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "relationship", "与户主关系无效");
		goto out;
	}
	if (strcmp(m->relationship, "head") == 0) {
		rc = anju_fail(e, ANJU_EINVAL, "head_via_change", "relationship",
			       "户主只能通过“变更户主”设置");
		goto out;
	}
	if ((rc = household_active(db, household_id, e)) != 0 ||
	    (rc = count_active(db, household_id, &n, e)) != 0)
		goto out;
	if (n >= HOUSEHOLD_MEMBERS_MAX) {
		rc = anju_fail(e, ANJU_ECONFLICT, "too_many_members", NULL,
			       "一个家庭最多 %d 位成员", HOUSEHOLD_MEMBERS_MAX);
		goto out;
	}
	rc = member_join(db, household_id, &m->person, m->relationship, "", &q, member_id, &w, e);
	if (rc != 0 || (rc = household_touch(db, household_id, e)) != 0)
		goto out;
	if (w.rc != 0) {
		rc = anju_fail(e, w.rc, "audit_too_big", NULL, "member image too big");
		goto out;
	}
	pending_audit_text(&q, "member.add", "household", household_id, &image);
	rc = pending_flush(db, who, &q, e);
out:
	buf_free(&image);
	pending_free(&q);
	return rc;
}

struct member_row {
	char relationship[16];
	bool left;
	int64_t person_id;
	char name[PERSON_NAME_MAX + 1];
};

static int
member_load(struct db *db, int64_t household_id, int64_t member_id, struct member_row *m,
	    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT m.relationship, m.left_at, m.person_id, p.name FROM member m"
		" JOIN person p ON p.id = m.person_id WHERE m.id = ? AND m.household_id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, member_id);
	db_bind_int64(st, 2, household_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(m->relationship, sizeof(m->relationship), "%s", db_col_text(st, 0));
		m->left = !db_col_null(st, 1);
		m->person_id = db_col_int64(st, 2);
		snprintf(m->name, sizeof(m->name), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "member_not_found", NULL, "没有这个家庭成员");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (m->left)
		return anju_fail(e, ANJU_ECONFLICT, "member_left", NULL, "该成员已迁出");
	return 0;
}

static int
run_id(struct db *db, const char *sql, const char *text, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, text);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
member_leave(struct db *db, int64_t household_id, int64_t member_id, const struct audit_actor *who,
	     struct anju_err *e)
{
	struct member_row m;
	char now[TIME_FMT_LEN];
	struct pending q;
	bool closes = false;
	int64_t n = 0;
	int rc;

	pending_init(&q);
	if ((rc = household_active(db, household_id, e)) != 0 ||
	    (rc = member_load(db, household_id, member_id, &m, e)) != 0)
		goto out;
	if (strcmp(m.relationship, "head") == 0) {
		if ((rc = count_active(db, household_id, &n, e)) != 0)
			goto out;
		if (n > 1) {
			rc = anju_fail(e, ANJU_ECONFLICT, "head_cannot_leave", NULL,
				       "户主迁出前请先变更户主");
			goto out;
		}
		closes = true;
	}
	time_format_utc(time_now_us(), now);
	if ((rc = run_id(db, "UPDATE member SET left_at = ? WHERE id = ?", now, member_id, e)) != 0)
		goto out;
	if (closes)
		rc = run_id(db,
			    "UPDATE household SET state = 'closed', updated_at = ? WHERE id = ?",
			    now, household_id, e);
	else
		rc = household_touch(db, household_id, e);
	if (rc != 0)
		goto out;
	pending_audit(&q, "member.leave", "household", household_id, NULL,
		      json_pack("{s:I, s:I, s:s, s:s}", "member_id", (json_int_t)member_id,
				"person_id", (json_int_t)m.person_id, "name", m.name,
				"relationship", m.relationship));
	if (closes)
		pending_audit(&q, "household.update", "household", household_id,
			      json_pack("{s:s}", "state", "active"),
			      json_pack("{s:s}", "state", "closed"));
	rc = pending_flush(db, who, &q, e);
out:
	pending_free(&q);
	return rc;
}

int
household_set_head(struct db *db, int64_t household_id, int64_t member_id,
		   const char *former_relationship, const struct audit_actor *who,
		   struct anju_err *e)
{
	struct member_row m;
	struct db_stmt *st;
	const char *former = former_relationship ? former_relationship : "other";
	int64_t old_id = 0, old_person = 0;
	struct pending q;
	int rc;

	pending_init(&q);
	if (!relationship_ok(former) || strcmp(former, "head") == 0) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_value", "former_head_relationship",
			       "原户主的新关系无效");
		goto out;
	}
	if ((rc = household_active(db, household_id, e)) != 0 ||
	    (rc = member_load(db, household_id, member_id, &m, e)) != 0)
		goto out;
	if (strcmp(m.relationship, "head") == 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "already_head", "member_id", "此成员已是户主");
		goto out;
	}
	rc = db_prepare(db,
			"SELECT id, person_id FROM member WHERE household_id = ?"
			" AND relationship = 'head' AND left_at IS NULL",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		old_id = db_col_int64(st, 0);
		old_person = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	if (old_id > 0 && (rc = run_id(db, "UPDATE member SET relationship = ? WHERE id = ?",
				       former, old_id, e)) != 0)
		goto out;
	if ((rc = run_id(db, "UPDATE member SET relationship = ? WHERE id = ?", "head", member_id,
			 e)) != 0 ||
	    (rc = household_touch(db, household_id, e)) != 0)
		goto out;
	pending_audit(&q, "household.update", "household", household_id,
		      json_pack("{s:I, s:I}", "head_member_id", (json_int_t)old_id,
				"head_person_id", (json_int_t)old_person),
		      json_pack("{s:I, s:I, s:s, s:s, s:s}", "head_member_id",
				(json_int_t)member_id, "head_person_id", (json_int_t)m.person_id,
				"head_name", m.name, "head_was", m.relationship,
				"former_head_relationship", former));
	rc = pending_flush(db, who, &q, e);
out:
	pending_free(&q);
	return rc;
}
