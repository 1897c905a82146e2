/*
 * Payer bank accounts: a household's own accounts, for withholding and for
 * recognising its bank transfers (part D learns them from confirmed
 * matches).  The number is personal data: sealed at rest with its blind
 * index pii_index("bank_account", digits), shown masked (first 4, last 4),
 * revealed whole only through an audited, rate-limited reveal.  Who sees an
 * account is who sees its household (household_community()).  See
 * collection.h and rent.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "files/files.h"
#include "household/household.h"
#include "rent/collection.h"
#include "rent/rent.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/keys.h"

#define NAME_MAX_CH 64

int
payer_number_digits(const char *number, char out[PAYER_DIGITS_MAX + 1], struct anju_err *e)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = number; p != NULL && *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n >= PAYER_DIGITS_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_account_number", "number",
					 "银行账号应为 %d 到 %d 位数字", PAYER_DIGITS_MIN,
					 PAYER_DIGITS_MAX);
		out[n++] = *p;
	}
	out[n] = '\0';
	if (n < PAYER_DIGITS_MIN)
		return anju_fail(e, ANJU_EINVAL, "invalid_account_number", "number",
				 "银行账号应为 %d 到 %d 位数字", PAYER_DIGITS_MIN,
				 PAYER_DIGITS_MAX);
	return 0;
}

void
payer_number_mask(const char *digits, char *out, size_t cap)
{
	size_t n = strlen(digits), j = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < n && j + 1 < cap; i++)
		out[j++] = i < 4 || i + 4 >= n ? digits[i] : '*';
	out[j] = '\0';
}

int
payer_mask_sealed(const char *sealed, char *out, size_t cap)
{
	char *plain = NULL;
	size_t n = 0;

	if (cap > 0)
		out[0] = '\0';
	if (sealed == NULL || keys_current() == NULL ||
	    pii_open(keys_current(), sealed, &plain, &n) != 0)
		return -1;
	payer_number_mask(plain, out, cap);
	pii_plain_free(plain, n);
	return 0;
}

bool
payer_role_may_reveal(int role)
{
	return role == ROLE_FINANCE || role == ROLE_BUREAU || role == ROLE_OPERATOR_MANAGER ||
	       role == ROLE_OPERATOR_STAFF;
}

#define PAYER_COLS                                                                                 \
	"id, household_id, holder_name, bank_name, bank_code, number_sealed, withholding,"         \
	" authorized_on, authorization_file_id, source, state, created_at, updated_at"

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
payer_json(struct db_stmt *st, void *ud)
{
	char masked[PAYER_DIGITS_MAX + 1];
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:I, s:s, s:s, s:o, s:b, s:o, s:s, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "household_id",
		      (json_int_t)db_col_int64(st, 1), "holder_name", db_col_text(st, 2),
		      "bank_name", db_col_text(st, 3), "bank_code", text_or_null(st, 4),
		      "withholding", db_col_int64(st, 6) != 0, "authorized_on", text_or_null(st, 7),
		      "source", db_col_text(st, 9), "state", db_col_text(st, 10), "created_at",
		      db_col_text(st, 11), "updated_at", db_col_text(st, 12));
	json_object_set_new(j, "number",
			    payer_mask_sealed(db_col_text(st, 5), masked, sizeof(masked)) == 0
				    ? json_string(masked)
				    : json_null());
	json_object_set_new(j, "authorization_file_id",
			    db_col_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)));
	return j;
}

int
payer_account_list(struct db *db, const struct caller *c, int64_t household_id, json_t **items,
		   struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	int rc;

	*items = NULL;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	rc = db_prepare(
		db,
		"SELECT " PAYER_COLS " FROM payer_account WHERE household_id = ?"
		" ORDER BY CASE WHEN state = 'active' THEN 0 ELSE 1 END, withholding DESC, id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	return db_rows_json(db, st, payer_json, items, e);
}

/* The row of an account: its household and the JSON, without scope. */
static int
payer_load(struct db *db, int64_t id, int64_t *household_id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT " PAYER_COLS " FROM payer_account WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*household_id = db_col_int64(st, 1);
		if (out != NULL)
			*out = payer_json(st, NULL);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "payer_account_not_found", NULL,
				 "没有这个银行账户");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
payer_account_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e)
{
	int64_t hh = 0, community;
	json_t *j = NULL;
	int rc;

	*out = NULL;
	if ((rc = payer_load(db, id, &hh, &j, e)) != 0)
		return rc;
	if ((rc = household_community(db, c, hh, &community, e)) != 0) {
		json_decref(j);
		return anju_fail(e, ANJU_ENOTFOUND, "payer_account_not_found", NULL,
				 "没有这个银行账户");
	}
	*out = j;
	return 0;
}

static int
bank_exists(struct db *db, const char *code, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT 1 FROM withholding_bank WHERE code = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_EINVAL, "bank_not_found", "bank_code",
				 "没有这个代扣银行：请先在代扣设置中添加");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The values an account will have, checked together. */
struct payer_state {
	char holder_name[4 * NAME_MAX_CH + 1];
	char bank_name[4 * NAME_MAX_CH + 1];
	char bank_code[40];
	bool withholding;
	char authorized_on[DATE_FMT_LEN];
	int64_t file_id;
	bool active;
};

static int
payer_check(struct db *db, const struct caller *c, int64_t household_id,
	    const struct payer_state *s, struct anju_err *e)
{
	size_t n = text_chars(s->holder_name);
	int rc;

	if (n < 1 || n > NAME_MAX_CH)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "holder_name",
				 "请填写户名（1 到 %d 个字）", NAME_MAX_CH);
	n = text_chars(s->bank_name);
	if (n < 1 || n > NAME_MAX_CH)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "bank_name",
				 "请填写开户银行（1 到 %d 个字）", NAME_MAX_CH);
	if (s->bank_code[0] != '\0' && (rc = bank_exists(db, s->bank_code, e)) != 0)
		return rc;
	if (s->authorized_on[0] != '\0') {
		struct date d;

		if (date_parse(str_c(s->authorized_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "authorized_on",
					 "授权日期应为 YYYY-MM-DD");
		if (date_cmp(d, date_today_shanghai()) > 0)
			return anju_fail(e, ANJU_EINVAL, "future_date", "authorized_on",
					 "授权日期不能晚于今天");
	}
	if (s->file_id > 0) {
		json_t *a = NULL;

		const char *owner;

		rc = attachment_get(db, c, s->file_id, &a, e);
		owner = rc == 0 ? json_string_value(json_object_get(a, "owner_type")) : NULL;
		if (rc == ANJU_ENOTFOUND ||
		    (rc == 0 &&
		     (owner == NULL || strcmp(owner, "household") != 0 ||
		      json_integer_value(json_object_get(a, "owner_id")) != household_id)))
			rc = anju_fail(e, ANJU_EINVAL, "authorization_file_invalid",
				       "authorization_file_id",
				       "授权书应为本家庭的附件（先在家庭档案中上传）");
		json_decref(a);
		if (rc != 0)
			return rc;
	}
	if (s->withholding && s->active &&
	    (s->bank_code[0] == '\0' || (s->authorized_on[0] == '\0' && s->file_id <= 0)))
		return anju_fail(e, ANJU_EUNPROCESSABLE, "authorization_required",
				 s->bank_code[0] == '\0' ? "bank_code" : "authorized_on",
				 "代扣账户需要选择代扣银行，并登记承租人签署的代扣授权书"
				 "（授权日期或附件）");
	return 0;
}

/* Ends the withholding flag of the household's other accounts. */
static int
others_off(struct db *db, int64_t household_id, int64_t id, const char *now, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"UPDATE payer_account SET withholding = 0, updated_at = ?"
			" WHERE household_id = ? AND id <> ? AND withholding = 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, household_id);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
audit_payer(struct db *db, const struct audit_actor *who, const char *action, int64_t household_id,
	    json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)household_id);
	return audit_write(db, who, action, "household", oid, before, after, e);
}

/* The audit image of an account: what the JSON shows (the number masked). */
static json_t *
audit_image(json_t *j)
{
	json_t *a = json_deep_copy(j);

	json_object_del(a, "created_at");
	json_object_del(a, "updated_at");
	json_object_set(a, "payer_account_id", json_object_get(j, "id"));
	json_object_del(a, "id");
	return a;
}

/* Inserts an account (no checks but the unique key). */
static int
payer_insert(struct db *db, int64_t household_id, const struct payer_state *s, const char *digits,
	     const char *source, const char *principal, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], index[PII_INDEX_LEN + 1], *sealed = NULL;
	int rc;

	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	pii_index(keys_current(), "bank_account", digits, index);
	if ((rc = pii_seal(keys_current(), digits, strlen(digits), &sealed)) != 0)
		return anju_fail(e, rc, NULL, NULL, "cannot seal");
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO payer_account (household_id, holder_name, bank_name, bank_code,"
		" number_sealed, number_index, withholding, authorized_on,"
		" authorization_file_id, source, state, created_at, created_by, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0) {
		free(sealed);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, household_id);
	db_bind_cstr(st, 2, s->holder_name);
	db_bind_cstr(st, 3, s->bank_name);
	db_bind_cstr(st, 4, s->bank_code[0] ? s->bank_code : NULL);
	db_bind_cstr(st, 5, sealed);
	db_bind_cstr(st, 6, index);
	db_bind_int64(st, 7, s->withholding ? 1 : 0);
	db_bind_cstr(st, 8, s->authorized_on[0] ? s->authorized_on : NULL);
	if (s->file_id > 0)
		db_bind_int64(st, 9, s->file_id);
	else
		db_bind_null(st, 9);
	db_bind_cstr(st, 10, source);
	db_bind_cstr(st, 11, now);
	db_bind_cstr(st, 12, principal ? principal : "anonymous");
	db_bind_cstr(st, 13, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	free(sealed);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "payer_account_exists", "number",
				 "该家庭已登记这个银行账号");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* 1 when the household has the number already (in any state), 0 when not,
 * or a negative error. */
static int
payer_known(struct db *db, int64_t household_id, const char *digits, struct anju_err *e)
{
	struct db_stmt *st;
	char index[PII_INDEX_LEN + 1];
	int rc;

	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	pii_index(keys_current(), "bank_account", digits, index);
	rc = db_prepare(
		db, "SELECT 1 FROM payer_account WHERE household_id = ? AND number_index = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_cstr(st, 2, index);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static void
copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

int
payer_account_add(struct db *db, const struct caller *c, int64_t household_id,
		  const struct payer_in *in, const struct audit_actor *who, int64_t *id,
		  struct anju_err *e)
{
	struct payer_state s = { .active = true };
	char digits[PAYER_DIGITS_MAX + 1];
	json_t *j = NULL, *after;
	int64_t community, hh;
	int rc;

	*id = 0;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0 ||
	    (rc = payer_number_digits(in->number, digits, e)) != 0)
		return rc;
	copy(s.holder_name, sizeof(s.holder_name), in->holder_name);
	copy(s.bank_name, sizeof(s.bank_name), in->bank_name);
	copy(s.bank_code, sizeof(s.bank_code), in->bank_code);
	copy(s.authorized_on, sizeof(s.authorized_on), in->authorized_on);
	s.withholding = in->withholding > 0;
	s.file_id = in->authorization_file_id > 0 ? in->authorization_file_id : 0;
	if ((rc = payer_check(db, c, household_id, &s, e)) != 0 ||
	    (rc = payer_known(db, household_id, digits, e)) != 0)
		return rc < 0 ? rc
			      : anju_fail(e, ANJU_ECONFLICT, "payer_account_exists", "number",
					  "该家庭已登记这个银行账号（含已停用的）");
	if ((rc = payer_insert(db, household_id, &s, digits, "manual", who->principal, id, e)) != 0)
		return rc;
	if (s.withholding) {
		char now[TIME_FMT_LEN];

		time_format_utc(time_now_us(), now);
		if ((rc = others_off(db, household_id, *id, now, e)) != 0)
			return rc;
	}
	if ((rc = payer_load(db, *id, &hh, &j, e)) != 0)
		return rc;
	after = audit_image(j);
	json_decref(j);
	rc = audit_payer(db, who, "payer_account.create", household_id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
payer_account_update(struct db *db, const struct caller *c, int64_t id, const struct payer_in *in,
		     const struct audit_actor *who, struct anju_err *e)
{
	struct payer_state s = { 0 };
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *old = NULL, *cur = NULL, *a, *b, *d;
	int64_t hh = 0;
	int rc;

	if ((rc = payer_account_get(db, c, id, &old, e)) != 0)
		return rc;
	hh = json_integer_value(json_object_get(old, "household_id"));
	copy(s.holder_name, sizeof(s.holder_name),
	     in->holder_name ? in->holder_name
			     : json_string_value(json_object_get(old, "holder_name")));
	copy(s.bank_name, sizeof(s.bank_name),
	     in->bank_name ? in->bank_name : json_string_value(json_object_get(old, "bank_name")));
	copy(s.bank_code, sizeof(s.bank_code),
	     in->bank_code ? in->bank_code : json_string_value(json_object_get(old, "bank_code")));
	copy(s.authorized_on, sizeof(s.authorized_on),
	     in->authorized_on ? in->authorized_on
			       : json_string_value(json_object_get(old, "authorized_on")));
	s.file_id = in->authorization_file_id >= 0
			    ? in->authorization_file_id
			    : json_integer_value(json_object_get(old, "authorization_file_id"));
	s.withholding = in->withholding >= 0 ? in->withholding > 0
					     : json_is_true(json_object_get(old, "withholding"));
	s.active = in->active >= 0 ? in->active > 0
				   : strcmp(json_string_value(json_object_get(old, "state")),
					    "active") == 0;
	/* A disabled account draws nothing. */
	if (!s.active)
		s.withholding = false;
	if ((rc = payer_check(db, c, hh, &s, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	if (s.withholding && s.active && (rc = others_off(db, hh, id, now, e)) != 0)
		goto out;
	rc = db_prepare(db,
			"UPDATE payer_account SET holder_name = ?, bank_name = ?, bank_code = ?,"
			" withholding = ?, authorized_on = ?, authorization_file_id = ?, state = ?,"
			" updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, s.holder_name);
	db_bind_cstr(st, 2, s.bank_name);
	db_bind_cstr(st, 3, s.bank_code[0] ? s.bank_code : NULL);
	db_bind_int64(st, 4, s.withholding ? 1 : 0);
	db_bind_cstr(st, 5, s.authorized_on[0] ? s.authorized_on : NULL);
	if (s.file_id > 0)
		db_bind_int64(st, 6, s.file_id);
	else
		db_bind_null(st, 6);
	db_bind_cstr(st, 7, s.active ? "active" : "disabled");
	db_bind_cstr(st, 8, now);
	db_bind_int64(st, 9, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if ((rc = payer_load(db, id, &hh, &cur, e)) != 0)
		goto out;
	a = audit_image(old);
	b = audit_image(cur);
	d = audit_diff(a, b);
	json_decref(a);
	json_decref(b);
	rc = 0;
	if (d != NULL) {
		json_object_set_new(json_object_get(d, "after"), "payer_account_id",
				    json_integer(id));
		rc = audit_payer(db, who, "payer_account.update", hh, json_object_get(d, "before"),
				 json_object_get(d, "after"), e);
		json_decref(d);
	}
out:
	json_decref(old);
	json_decref(cur);
	return rc;
}

/* Counts one reveal for principal in this hour (UTC): 0, or ANJU_ELIMIT
 * past reveal_per_hour.  The count rolls back with a failed request. */
static int
count_reveal(struct db *db, const char *principal, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], hour[14];
	int64_t n = 0, limit = config_int("reveal_per_hour");
	int rc;

	time_format_utc(time_now_us(), now);
	snprintf(hour, sizeof(hour), "%.13s", now);
	rc = db_prepare(db, "DELETE FROM payer_reveal_count WHERE principal = ? AND hour < ?", &st);
	if (rc == 0) {
		db_bind_cstr(st, 1, principal);
		db_bind_cstr(st, 2, hour);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	rc = db_prepare(db,
			"INSERT INTO payer_reveal_count (principal, hour, n) VALUES (?, ?, 1)"
			" ON CONFLICT (principal, hour) DO UPDATE SET n = payer_reveal_count.n + 1"
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
				 "查看完整银行账号的次数已达每小时 %lld 次的上限，请稍后再试",
				 (long long)limit);
	return 0;
}

int
payer_account_reveal(struct db *db, const struct caller *c, const struct audit_actor *who,
		     int64_t id, const char *reason, char **value, size_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	size_t len = text_chars(reason);
	json_t *j = NULL, *after;
	char *sealed = NULL;
	int64_t hh = 0;
	int rc;

	*value = NULL;
	*n = 0;
	if (c == NULL || !payer_role_may_reveal(c->role))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "当前角色不能查看完整的银行账号");
	if (reason == NULL || len < 4 || len > 200)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason",
				 "请填写 4 到 200 个字的查看理由");
	if ((rc = payer_account_get(db, c, id, &j, e)) != 0)
		return rc;
	hh = json_integer_value(json_object_get(j, "household_id"));
	json_decref(j);
	if ((rc = count_reveal(db, c->principal, e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT number_sealed FROM payer_account WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		sealed = xstrdup(db_col_text(st, 0));
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc == DB_DONE ? ANJU_EDB : rc, e);
	rc = keys_current() ? pii_open(keys_current(), sealed, value, n) : ANJU_ENOTFOUND;
	free(sealed);
	if (rc != 0)
		return anju_fail(e, ANJU_EINTERNAL, "unreadable", NULL,
				 "银行账号无法用当前密钥解密");
	after = json_pack("{s:I, s:s, s:s}", "payer_account_id", (json_int_t)id, "field", "number",
			  "reason", reason);
	rc = audit_payer(db, who, "payer_account.reveal", hh, NULL, after, e);
	json_decref(after);
	if (rc != 0) {
		pii_plain_free(*value, *n);
		*value = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- the contracts of rent.h ---- */

int
payer_account_household(struct db *db, const char *number, int64_t *household_id,
			struct anju_err *e)
{
	char digits[PAYER_DIGITS_MAX + 1], index[PII_INDEX_LEN + 1];
	struct db_stmt *st;
	int64_t found = 0;
	int rows = 0, rc;

	*household_id = 0;
	if ((rc = payer_number_digits(number, digits, e)) != 0)
		return rc;
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	pii_index(keys_current(), "bank_account", digits, index);
	rc = db_prepare(db,
			"SELECT DISTINCT household_id FROM payer_account WHERE number_index = ?"
			" AND state = 'active' ORDER BY household_id LIMIT 2",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, index);
	while ((rc = db_step(st)) == DB_ROW) {
		if (rows++ == 0)
			found = db_col_int64(st, 0);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (rows == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "payer_account_unknown", "number",
				 "没有家庭登记这个银行账号");
	if (rows > 1)
		return anju_fail(e, ANJU_ECONFLICT, "payer_account_shared", "number",
				 "这个银行账号登记在多个家庭名下");
	*household_id = found;
	return 0;
}

static bool
source_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

int
payer_account_learn(struct db *db, int64_t household_id, const char *number, const char *bank_name,
		    const char *source, const struct audit_actor *who, struct anju_err *e)
{
	struct payer_state s = { .active = true };
	char digits[PAYER_DIGITS_MAX + 1];
	struct db_stmt *st;
	json_t *j = NULL, *after;
	int64_t id = 0, hh;
	int rc;

	if ((rc = payer_number_digits(number, digits, e)) != 0)
		return rc;
	if (!source_ok(source))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source", "来源不正确");
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	rc = db_prepare(db, "SELECT 1 FROM household WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = payer_known(db, household_id, digits, e)) != 0)
		return rc < 0 ? rc : 0; /* known already */
	copy(s.bank_name, sizeof(s.bank_name), bank_name);
	if ((rc = payer_insert(db, household_id, &s, digits, source, who ? who->principal : NULL,
			       &id, e)) != 0 ||
	    (rc = payer_load(db, id, &hh, &j, e)) != 0)
		return rc;
	after = audit_image(j);
	json_decref(j);
	rc = audit_payer(db, who, "payer_account.create", household_id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
payer_account_forget(struct db *db, int64_t household_id, const char *number,
		     const struct audit_actor *who, bool *forgot, struct anju_err *e)
{
	char digits[PAYER_DIGITS_MAX + 1], index[PII_INDEX_LEN + 1];
	struct db_stmt *st;
	int64_t id = 0, hh;
	json_t *j = NULL, *before;
	int rc;

	*forgot = false;
	if ((rc = payer_number_digits(number, digits, e)) != 0)
		return rc;
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	pii_index(keys_current(), "bank_account", digits, index);
	/* Only what a match taught and nothing else uses: staff's entries, a
	 * withholding account and one with its authorisation stay. */
	rc = db_prepare(db,
			"SELECT id FROM payer_account p WHERE household_id = ? AND number_index = ?"
			" AND source = 'statement' AND withholding = 0 AND bank_code IS NULL"
			" AND authorization_file_id IS NULL AND NOT EXISTS (SELECT 1 FROM"
			" withholding_item w WHERE w.payer_account_id = p.id)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_cstr(st, 2, index);
	if ((rc = db_step(st)) == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (id == 0)
		return 0;
	if ((rc = payer_load(db, id, &hh, &j, e)) != 0)
		return rc;
	before = audit_image(j);
	json_decref(j);
	rc = db_prepare(db, "DELETE FROM payer_account WHERE id = ?", &st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	rc = audit_payer(db, who, "payer_account.forget", household_id, before, NULL, e);
	json_decref(before);
	*forgot = rc == 0;
	return rc;
}
