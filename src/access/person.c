/*
 * People.  See person.h.  The clear ID number and phone exist only in
 * memory; the database and the audit trail see them sealed or masked.
 */
#include "access/person.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/keys.h"

int
person_phone_digits(const char *phone, char digits[16], struct anju_err *e)
{
	size_t n = 0;

	for (const char *p = phone ? phone : ""; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n >= 15) {
				n = 16;
				break;
			}
			digits[n++] = *p;
		} else if (*p != ' ' && *p != '-' && *p != '+') {
			n = 0;
			break;
		}
	}
	if (n < 7 || n > 15) {
		digits[0] = '\0';
		return anju_fail(e, ANJU_EINVAL, "invalid_phone", "phone",
				 "电话号码应为 7 到 15 位数字");
	}
	digits[n] = '\0';
	return 0;
}

/* The ID number parsed and the phone's digits ("" when none given). */
static int
normalise(const char *id_number, const char *phone, struct idnum *idn, char digits[16],
	  struct anju_err *e)
{
	int rc;

	/* A number that fails GB 11643 is well-formed input refused by a rule:
	 * 422 with the field, as for a credit code. */
	if ((rc = idnum_parse(str_c(id_number), date_today_shanghai(), idn, e)) != 0) {
		if (e != NULL)
			e->code = ANJU_EUNPROCESSABLE;
		return ANJU_EUNPROCESSABLE;
	}
	digits[0] = '\0';
	if (phone != NULL && phone[0] != '\0')
		return person_phone_digits(phone, digits, e);
	return 0;
}

static int
check_name(const char *name, struct anju_err *e)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > PERSON_NAME_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_name", "name", "姓名应为 1 到 64 字节");
	return 0;
}

int
person_validate(const char *name, const char *id_number, const char *phone, char id_out[19],
		struct anju_err *e)
{
	struct idnum idn;
	char digits[16];
	int rc;

	if ((rc = check_name(name, e)) != 0)
		return rc;
	rc = normalise(id_number, phone, &idn, digits, e);
	if (rc == 0 && id_out != NULL)
		memcpy(id_out, idn.number, sizeof(idn.number));
	explicit_bzero(&idn, sizeof(idn));
	explicit_bzero(digits, sizeof(digits));
	return rc;
}

void
person_id_index(const char *id_number, char out[PII_INDEX_LEN + 1])
{
	pii_index(keys_current(), "id_number", id_number, out);
}

int
person_find_index(struct db *db, const char index[PII_INDEX_LEN + 1], int64_t *id,
		  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT id FROM person WHERE id_number_index = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, index);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
person_index_of(const char *id_number, char out[PII_INDEX_LEN + 1], struct anju_err *e)
{
	struct idnum idn;
	char digits[16];
	int rc;

	if ((rc = normalise(id_number, NULL, &idn, digits, e)) != 0)
		return rc;
	person_id_index(idn.number, out);
	explicit_bzero(&idn, sizeof(idn));
	return 0;
}

int
person_find(struct db *db, const char *id_number, int64_t *id, struct anju_err *e)
{
	char index[PII_INDEX_LEN + 1];
	int rc;

	if ((rc = person_index_of(id_number, index, e)) != 0)
		return rc;
	return person_find_index(db, index, id, e);
}

static void
mask_phone(const char *digits, char *out, size_t cap)
{
	mask_middle(digits, 3, 4, out, cap);
}

int
person_seal(const char *id_number, const char *phone, struct person_sealed *s, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct idnum idn;
	char digits[16];
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = normalise(id_number, phone, &idn, digits, e)) != 0)
		return rc;
	if (pii_seal(kr, idn.number, strlen(idn.number), &s->id_sealed) != 0 ||
	    (digits[0] && pii_seal(kr, digits, strlen(digits), &s->phone_sealed) != 0)) {
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "sealing failed");
		person_sealed_free(s);
		goto out;
	}
	if (digits[0]) {
		pii_index(kr, "phone", digits, s->phone_index);
		mask_phone(digits, s->phone_masked, sizeof(s->phone_masked));
	}
	idnum_mask(idn.number, s->id_masked, sizeof(s->id_masked));
	date_format(idn.birth, s->birth);
	s->male = idn.male;
	memcpy(s->id_number, idn.number, sizeof(s->id_number));
out:
	explicit_bzero(&idn, sizeof(idn));
	explicit_bzero(digits, sizeof(digits));
	return rc;
}

void
person_sealed_free(struct person_sealed *s)
{
	free(s->id_sealed);
	free(s->phone_sealed);
	explicit_bzero(s, sizeof(*s));
}

int
person_add_sealed(struct db *db, const char *name, const struct person_sealed *s,
		  const char *id_index, int64_t *id, struct buf *after, struct anju_err *e)
{
	struct db_stmt *st;
	struct jw w;
	char own_index[PII_INDEX_LEN + 1], now[TIME_FMT_LEN];
	bool phone = s->phone_sealed != NULL;
	int rc;

	if ((rc = check_name(name, e)) != 0)
		return rc;
	if (id_index == NULL) {
		person_id_index(s->id_number, own_index);
		id_index = own_index;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO person (name, id_number_sealed, id_number_index, phone_sealed,"
			" phone_index, created_at, birth_date, sex, name_key, id_number_masked,"
			" phone_masked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, name);
		db_bind_cstr(st, 2, s->id_sealed);
		db_bind_cstr(st, 3, id_index);
		db_bind_cstr(st, 4, s->phone_sealed);
		db_bind_cstr(st, 5, phone ? s->phone_index : NULL);
		db_bind_cstr(st, 6, now);
		db_bind_cstr(st, 7, s->birth);
		db_bind_cstr(st, 8, s->male ? "male" : "female");
		/* The name as it is: Chinese names have no case to fold, and a
		 * byte-wise key keeps the prefix range exact on both engines. */
		db_bind_cstr(st, 9, name);
		db_bind_cstr(st, 10, s->id_masked);
		db_bind_cstr(st, 11, phone ? s->phone_masked : NULL);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "person_exists", "id_number",
				 "该身份证号的人员已登记");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* Members in key order, as the trail stores them. */
	jw_init(&w, after);
	jw_object(&w);
	jw_member_string(&w, "birth_date", s->birth);
	jw_member_string(&w, "id_number", s->id_masked);
	jw_member_string(&w, "name", name);
	if (phone)
		jw_member_string(&w, "phone", s->phone_masked);
	jw_member_string(&w, "sex", s->male ? "male" : "female");
	jw_object_end(&w);
	if (w.rc != 0)
		return anju_fail(e, w.rc, "audit_too_big", NULL, "person image too big");
	return 0;
}

int
person_add(struct db *db, const char *name, const char *id_number, const char *phone,
	   const char *id_index, int64_t *id, struct buf *after, struct anju_err *e)
{
	struct person_sealed s;
	int rc;

	if ((rc = check_name(name, e)) != 0)
		return rc;
	if ((rc = person_seal(id_number, phone, &s, e)) != 0)
		return rc;
	rc = person_add_sealed(db, name, &s, id_index, id, after, e);
	person_sealed_free(&s);
	return rc;
}

static int
audit_person(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	     json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "person", oid, before, after, e);
}

int
person_create(struct db *db, const char *name, const char *id_number, const char *phone,
	      const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct buf after;
	char oid[24];
	int rc;

	buf_init(&after, 0);
	if ((rc = person_add(db, name, id_number, phone, NULL, id, &after, e)) == 0) {
		snprintf(oid, sizeof(oid), "%lld", (long long)*id);
		rc = audit_write_text(db, who, "person.create", "person", oid, NULL, after.p, e);
	}
	buf_free(&after);
	return rc;
}

int
person_mask_sealed(const char *sealed, char *out, size_t cap)
{
	char small[256], *plain = small;
	size_t n = 0;
	int rc;

	if (cap > 0)
		out[0] = '\0';
	if (sealed == NULL)
		return -1;
	/* An ID number or a phone opens on the stack; a longer contact, on
	 * the heap. */
	rc = pii_open_into(keys_current(), sealed, small, sizeof(small), &n);
	if (rc == ANJU_ETOOBIG)
		rc = pii_open(keys_current(), sealed, &plain, &n);
	if (rc != 0)
		return -1;
	mask_middle(plain, 3, 4, out, cap);
	if (plain != small)
		pii_plain_free(plain, n);
	else
		explicit_bzero(small, n);
	return 0;
}

int
person_mask_shown(const char *shown, char *out, size_t cap)
{
	size_t n;

	if (shown == NULL || pii_kid(shown) >= 0)
		return person_mask_sealed(shown, out, cap);
	/* Masked when it was written (sql/031): nothing to open. */
	n = strlen(shown);
	if (cap > 0)
		out[0] = '\0';
	if (n >= cap)
		return -1;
	memcpy(out, shown, n + 1);
	return 0;
}

static json_t *
masked_or_null(const char *shown)
{
	char m[64];

	if (shown == NULL || person_mask_shown(shown, m, sizeof(m)) != 0)
		return json_null();
	return json_string(m);
}

void
person_write_masked(struct jw *w, const char *shown, char *copy, size_t cap)
{
	char m[PERSON_MASK_MAX];
	bool ok = shown != NULL && person_mask_shown(shown, m, sizeof(m)) == 0;

	jw_string(w, ok ? m : NULL);
	if (!ok)
		m[0] = '\0';
	if (copy != NULL)
		snprintf(copy, cap, "%s", m);
	explicit_bzero(m, sizeof(m));
}

void
person_write_members(struct jw *w, struct db_stmt *st, int col, struct person_masks *m)
{
	jw_member_integer(w, "id", db_col_int64(st, col));
	jw_member_string(w, "name", db_col_text(st, col + 1));
	jw_key(w, "id_number");
	person_write_masked(w, db_col_text(st, col + 2), m ? m->id_number : NULL,
			    sizeof(m->id_number));
	jw_key(w, "phone");
	person_write_masked(w, db_col_text(st, col + 3), m ? m->phone : NULL, sizeof(m->phone));
	jw_member_string(w, "birth_date", db_col_text(st, col + 4));
	jw_member_string(w, "sex", db_col_text(st, col + 5));
	if (m != NULL)
		m->id = db_col_int64(st, col);
}

struct person_at {
	struct db_stmt *st;
	int col;
};

static void
person_members(struct jw *w, void *arg)
{
	struct person_at *at = arg;

	person_write_members(w, at->st, at->col, NULL);
}

json_t *
person_json_row(struct db_stmt *st, int col)
{
	struct person_at at = { st, col };
	json_t *p = jw_object_tree(person_members, &at);

	return p != NULL ? p : json_null();
}

int
person_json(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT " PERSON_COLS " FROM person p WHERE p.id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = person_json_row(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
person_change(struct db *db, int64_t id, const char *name, const char *phone, json_t **before,
	      json_t **after, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct db_stmt *st;
	char digits[16] = "", index[PII_INDEX_LEN + 1] = "", old_name[PERSON_NAME_MAX + 1], pm[40];
	char *old_phone = NULL, *sealed = NULL;
	bool name_changes = false, phone_changes = false;
	int rc;

	*before = *after = NULL;
	if (name != NULL && (rc = check_name(name, e)) != 0)
		return rc;
	if (phone != NULL && phone[0] != '\0') {
		if ((rc = person_phone_digits(phone, digits, e)) != 0)
			return rc;
		pii_index(kr, "phone", digits, index);
	}
	/* The phone's mask (or sealed value) for the before-image. */
	rc = db_prepare(db,
			"SELECT name, COALESCE(phone_masked, phone_sealed), phone_index FROM person"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(old_name, sizeof(old_name), "%s", db_col_text(st, 0));
		if (!db_col_null(st, 1))
			old_phone = xstrdup(db_col_text(st, 1));
		name_changes = name != NULL && strcmp(name, old_name) != 0;
		/* Compared through the blind index: the stored value stays sealed. */
		phone_changes = phone != NULL &&
				(phone[0] == '\0' ? !db_col_null(st, 2)
						  : db_col_null(st, 2) ||
							    strcmp(db_col_text(st, 2), index) != 0);
	}
	db_reset(st);
	if (rc == DB_DONE)
		rc = anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	else if (rc != DB_ROW)
		rc = db_fail(db, rc, e);
	else
		rc = 0;
	if (rc != 0 || (!name_changes && !phone_changes))
		goto out;
	if (digits[0] && pii_seal(kr, digits, strlen(digits), &sealed) != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "sealing failed");
		goto out;
	}
	if (name_changes) {
		rc = db_prepare(db, "UPDATE person SET name = ?, name_key = ? WHERE id = ?", &st);
		if (rc == 0) {
			db_bind_cstr(st, 1, name);
			db_bind_cstr(st, 2, name);
			db_bind_int64(st, 3, id);
			rc = db_step(st);
			db_reset(st);
		}
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	if (phone_changes) {
		rc = db_prepare(
			db,
			"UPDATE person SET phone_sealed = ?, phone_index = ?, phone_masked = ?"
			" WHERE id = ?",
			&st);
		if (rc == 0) {
			if (digits[0])
				mask_phone(digits, pm, sizeof(pm));
			db_bind_cstr(st, 1, sealed);
			db_bind_cstr(st, 2, digits[0] ? index : NULL);
			db_bind_cstr(st, 3, digits[0] ? pm : NULL);
			db_bind_int64(st, 4, id);
			rc = db_step(st);
			db_reset(st);
		}
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	rc = 0;
	*before = json_object();
	*after = json_object();
	if (name_changes) {
		json_object_set_new(*before, "name", json_string(old_name));
		json_object_set_new(*after, "name", json_string(name));
	}
	if (phone_changes) {
		json_object_set_new(*before, "phone", masked_or_null(old_phone));
		json_object_set_new(*after, "phone", digits[0] ? json_string(pm) : json_null());
	}
out:
	free(old_phone);
	free(sealed);
	explicit_bzero(digits, sizeof(digits));
	return rc;
}

int
person_update(struct db *db, int64_t id, const char *name, const char *phone,
	      const struct audit_actor *who, struct anju_err *e)
{
	json_t *before = NULL, *after = NULL;
	int rc = person_change(db, id, name, phone, &before, &after, e);

	if (rc == 0 && after != NULL)
		rc = audit_person(db, who, "person.update", id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
person_open(struct db *db, int64_t id, const char *field, char **plain, size_t *n,
	    struct anju_err *e)
{
	struct db_stmt *st;
	const char *sql;
	int rc;

	*plain = NULL;
	*n = 0;
	if (field != NULL && strcmp(field, "id_number") == 0)
		sql = "SELECT id_number_sealed FROM person WHERE id = ?";
	else if (field != NULL && strcmp(field, "phone") == 0)
		sql = "SELECT phone_sealed FROM person WHERE id = ?";
	else
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "field",
				 "只能查看身份证号或电话");
	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW && db_col_null(st, 0))
		rc = anju_fail(e, ANJU_ENOTFOUND, "phone_not_recorded", "field",
			       "该人员没有登记电话");
	else if (rc == DB_ROW && pii_open(keys_current(), db_col_text(st, 0), plain, n) != 0)
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "person %lld: cannot open %s",
			       (long long)id, field);
	else if (rc == DB_ROW)
		rc = 0;
	else if (rc == DB_DONE)
		rc = anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	else
		rc = db_fail(db, rc, e);
	db_reset(st);
	return rc;
}
