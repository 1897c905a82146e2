/*
 * The housing module's shared pieces: unit statuses, the audit call, the
 * checks of free text and the JSON of columns.  See housing.h and
 * housing_int.h.
 */
#include "housing/housing.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "access/scope.h"
#include "housing/housing_int.h"
#include "store/db.h"

static const struct {
	const char *name, *title;
} statuses[UNIT_STATUS_COUNT] = {
	[UNIT_PENDING_ACCEPTANCE] = { "pending_acceptance", "待核验" },
	[UNIT_VACANT] = { "vacant", "空置" },
	[UNIT_ALLOCATED] = { "allocated", "已分配" },
	[UNIT_OCCUPIED] = { "occupied", "已入住" },
	[UNIT_UNDER_REPAIR] = { "under_repair", "维修中" },
	[UNIT_DISABLED] = { "disabled", "停用" },
};

const char *
unit_status_name(enum unit_status s)
{
	return (unsigned)s < UNIT_STATUS_COUNT ? statuses[s].name : NULL;
}

const char *
unit_status_title(enum unit_status s)
{
	return (unsigned)s < UNIT_STATUS_COUNT ? statuses[s].title : NULL;
}

int
unit_status_parse(const char *name, enum unit_status *out)
{
	for (int i = 0; name != NULL && i < UNIT_STATUS_COUNT; i++)
		if (strcmp(statuses[i].name, name) == 0) {
			*out = (enum unit_status)i;
			return 0;
		}
	return -1;
}

int
housing_audit(struct db *db, const struct audit_actor *who, const char *action,
	      const char *object_type, int64_t id, json_t *before, json_t *after,
	      struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, object_type, oid, before, after, e);
}

int
housing_text_ok(const char *s, const char *field, const char *title, size_t max, bool required,
		bool multiline, struct anju_err *e)
{
	size_t chars = 0;
	json_t *probe;

	if (s == NULL || s[0] == '\0') {
		if (required)
			return anju_fail(e, ANJU_EINVAL, "missing_field", field, "请填写%s", title);
		return 0;
	}
	/* jansson refuses text that is not UTF-8: the audit trail and the API
	 * need it to be. */
	probe = json_string(s);
	if (probe == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s不是有效的 UTF-8 文本",
				 title);
	json_decref(probe);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t'))) ||
		    *p == 0x7f)
			return anju_fail(e, ANJU_EINVAL, "invalid_value", field, "%s含有控制字符",
					 title);
		if ((*p & 0xC0) != 0x80)
			chars++;
	}
	if (chars > max)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", field, "%s不能超过 %zu 个字符",
				 title, max);
	return 0;
}

bool
housing_condition_ok(const char *s)
{
	static const char *const ok[] = { "good", "fair", "poor", "broken" };

	for (size_t i = 0; s != NULL && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

bool
housing_date_ok(const char *s)
{
	struct date d;

	return s != NULL && date_parse(str_c(s), &d) == 0;
}

json_t *
housing_col_text(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

json_t *
housing_col_int(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

int
housing_not_found(struct anju_err *e, const char *what, const char *field)
{
	static const struct {
		const char *what, *key, *msg;
	} m[] = {
		{ "unit", "unit_not_found", "没有这套房屋" },
		{ "building", "building_not_found", "没有这栋楼" },
		{ "community", "community_not_found", "没有这个小区" },
		{ "asset", "asset_not_found", "没有这项设施设备" },
		{ "acceptance", "acceptance_not_found", "没有这个分户核验" },
		{ "owner", "owner_not_found", "没有这个产权单位" },
		{ "operator", "operator_not_found", "没有这个承接主体" },
		{ "agreement", "agreement_not_found", "没有这份购买服务合同" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].what, what) == 0)
			return anju_fail(e, ANJU_ENOTFOUND, m[i].key, field, "%s", m[i].msg);
	return anju_fail(e, ANJU_ENOTFOUND, "not_found", field, "没有这条记录");
}

int
housing_scoped_community(struct db *db, const struct caller *c, const char *sql, int64_t id,
			 const char *what, int64_t *community_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*community_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, what, NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}
