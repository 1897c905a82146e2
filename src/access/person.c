/*
 * People.  See person.h.  The clear ID number and phone exist only in
 * memory; the database and the audit trail see them sealed or masked.
 */
#include "access/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "store/db.h"
#include "store/keys.h"

static int
normalise(const char *id_number, const char *phone, struct idnum *idn, char digits[16],
	  struct anju_err *e)
{
	int rc;

	if ((rc = idnum_parse(str_c(id_number), date_today_shanghai(), idn, e)) != 0)
		return rc;
	digits[0] = '\0';
	if (phone != NULL && phone[0] != '\0') {
		size_t n = 0;

		for (const char *p = phone; *p; p++) {
			if (*p >= '0' && *p <= '9') {
				if (n >= 15)
					break;
				digits[n++] = *p;
			} else if (*p != ' ' && *p != '-' && *p != '+') {
				n = 0;
				break;
			}
		}
		digits[n] = '\0';
		if (n < 7 || n > 15)
			return anju_fail(e, ANJU_EINVAL, "invalid_phone", "phone",
					 "电话号码应为 7 到 15 位数字");
	}
	return 0;
}

int
person_find(struct db *db, const char *id_number, int64_t *id, struct anju_err *e)
{
	struct idnum idn;
	struct db_stmt *st;
	char digits[16], index[65];
	int rc;

	if ((rc = normalise(id_number, NULL, &idn, digits, e)) != 0)
		return rc;
	pii_index(keys_current(), "id_number", idn.number, index);
	if ((rc = db_prepare(db, "SELECT id FROM person WHERE id_number_index = ?", &st)) != 0)
		return anju_fail(e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
	db_bind_cstr(st, 1, index);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", NULL, "没有这个人员");
	return rc == DB_ROW ? 0 : anju_fail(e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
}

int
person_create(struct db *db, const char *name, const char *id_number, const char *phone,
	      const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct idnum idn;
	struct db_stmt *st;
	char digits[16], id_index[65], phone_index[65], now[TIME_FMT_LEN], masked[40], oid[24];
	char *id_sealed = NULL, *phone_sealed = NULL;
	json_t *after;
	int rc;

	if (name == NULL || name[0] == '\0' || strlen(name) > 64)
		return anju_fail(e, ANJU_EINVAL, "invalid_name", "name", "姓名应为 1 到 64 字节");
	if ((rc = normalise(id_number, phone, &idn, digits, e)) != 0)
		return rc;
	pii_index(kr, "id_number", idn.number, id_index);
	if ((rc = pii_seal(kr, idn.number, strlen(idn.number), &id_sealed)) != 0 ||
	    (digits[0] && (rc = pii_seal(kr, digits, strlen(digits), &phone_sealed)) != 0)) {
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "sealing failed");
		goto out;
	}
	if (digits[0])
		pii_index(kr, "phone", digits, phone_index);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO person (name, id_number_sealed, id_number_index, phone_sealed,"
			" phone_index, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, name);
		db_bind_cstr(st, 2, id_sealed);
		db_bind_cstr(st, 3, id_index);
		db_bind_cstr(st, 4, phone_sealed);
		db_bind_cstr(st, 5, digits[0] ? phone_index : NULL);
		db_bind_cstr(st, 6, now);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
	}
	if (rc == ANJU_ECONFLICT) {
		rc = anju_fail(e, ANJU_ECONFLICT, "person_exists", "id_number",
			       "该身份证号的人员已登记");
		goto out;
	}
	if (rc != DB_ROW) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "%s", db_errmsg(db));
		goto out;
	}
	idnum_mask(idn.number, masked, sizeof(masked));
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack("{s:s, s:s}", "name", name, "id_number", masked);
	rc = audit_write(db, who, "person.create", "person", oid, NULL, after, e);
	json_decref(after);
out:
	free(id_sealed);
	free(phone_sealed);
	explicit_bzero(&idn, sizeof(idn));
	explicit_bzero(digits, sizeof(digits));
	return rc;
}
