/*
 * Rent collection over HTTP (rent/collection.h): a household's payer bank
 * accounts, batch withholding (banks and their file layouts, batches, the
 * file, result imports), online orders, the payment channels and their
 * signed callbacks.  The callback route is public: the channel
 * authenticates it by its signature (rent/callback.c).
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "access/pii.h"
#include "household/household.h"
#include "http/public.h"
#include "http/router.h"
#include "money/money.h"
#include "rent/collection.h"
#include "store/db.h"

/* Who sees a household's accounts and orders. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER) |        \
	 ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who records them. */
#define WRITERS                                                                                    \
	(ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
#define FINANCE ROLE_BIT(ROLE_FINANCE)
#define ADMIN   ROLE_BIT(ROLE_ADMIN)

#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define ITEMS(ref)                                                                                 \
	"{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"       \
	"\"array\",\"items\":" ref "}}}"
#define PAGE(ref)                                                                                  \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{\"items\":{"       \
	"\"type\":\"array\",\"items\":" ref "},\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define NSTR "{\"type\":[\"string\",\"null\"]}"
#define NINT "{\"type\":[\"integer\",\"null\"]}"

/* ---- payer accounts ---- */

static const struct field payer_body[] = {
	{ "holder_name", F_STRING, true, 1, 64, .desc = "户名" },
	{ "bank_name", F_STRING, true, 1, 64, .desc = "开户银行" },
	{ "number", F_STRING, true, 10, 48, .desc = "银行账号（空格和-会被忽略）" },
	{ "bank_code", F_STRING, false, 0, 32, .desc = "代扣银行（代扣设置中的银行代码）" },
	{ "withholding", F_BOOL, false, .desc = "是否为代扣账户（需代扣授权书）" },
	{ "authorized_on", F_DATE, false, .desc = "承租人签署代扣授权书的日期" },
	{ "authorization_file_id", F_INT, false, 1, INT64_MAX,
	  .desc = "代扣授权书：本家庭的附件编号" },
	{ NULL },
};

static const struct field payer_patch[] = {
	{ "holder_name", F_STRING, false, 1, 64 },
	{ "bank_name", F_STRING, false, 1, 64 },
	{ "bank_code", F_STRING, false, 0, 32, .desc = "空字符串：不再关联代扣银行" },
	{ "withholding", F_BOOL, false },
	{ "authorized_on", F_STRING, false, 0, 10, .desc = "YYYY-MM-DD；空字符串清除" },
	{ "authorization_file_id", F_INT, false, 0, INT64_MAX, .desc = "0：清除" },
	{ "active", F_BOOL, false, .desc = "false：停用" },
	{ NULL },
};

static const struct field reveal_body[] = {
	{ "reason", F_STRING, true, 4, 200, .desc = "查看理由（记入审计）" },
	{ NULL },
};

static int
flag(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return v == NULL ? -1 : json_is_true(v) ? 1 : 0;
}

static int
list_payers(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t hh;
	int rc;

	if ((rc = req_object_id(r, 0, &hh, "household_not_found", "没有这个家庭", e)) != 0 ||
	    (rc = payer_account_list(r->db, r->caller, hh, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
add_payer(struct req *r, struct anju_err *e)
{
	struct payer_in in = { 0 };
	struct audit_actor who;
	json_t *out = NULL;
	int64_t hh, id = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &hh, "household_not_found", "没有这个家庭", e)) != 0)
		return rc;
	in.holder_name = member_str(r->json, "holder_name");
	in.bank_name = member_str(r->json, "bank_name");
	in.number = member_str(r->json, "number");
	in.bank_code = member_str(r->json, "bank_code");
	in.withholding = flag(r->json, "withholding") > 0;
	in.authorized_on = member_str(r->json, "authorized_on");
	in.authorization_file_id = member_int(r->json, "authorization_file_id", 0);
	in.active = 1;
	access_actor(r, &who);
	if ((rc = payer_account_add(r->db, r->caller, hh, &in, &who, &id, e)) != 0 ||
	    (rc = payer_account_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
get_payer(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "payer_account_not_found", "没有这个银行账户", e)) !=
		    0 ||
	    (rc = payer_account_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
update_payer(struct req *r, struct anju_err *e)
{
	struct payer_in in = { 0 };
	struct audit_actor who;
	json_t *out = NULL, *f;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "payer_account_not_found", "没有这个银行账户", e)) != 0)
		return rc;
	in.holder_name = member_str(r->json, "holder_name");
	in.bank_name = member_str(r->json, "bank_name");
	in.bank_code = member_str(r->json, "bank_code");
	in.withholding = flag(r->json, "withholding");
	in.authorized_on = member_str(r->json, "authorized_on");
	f = json_object_get(r->json, "authorization_file_id");
	in.authorization_file_id = f ? json_integer_value(f) : -1;
	in.active = flag(r->json, "active");
	access_actor(r, &who);
	if ((rc = payer_account_update(r->db, r->caller, id, &in, &who, e)) != 0 ||
	    (rc = payer_account_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* Its own transaction (ROUTE_OWN_TX): the clear number must never be kept
 * for an Idempotency-Key replay. */
static int
reveal_payer(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	char *value = NULL;
	size_t n = 0;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "payer_account_not_found", "没有这个银行账户", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = payer_account_reveal(r->db, r->caller, &who, id, member_str(r->json, "reason"), &value,
				  &n, e);
	if (rc == 0 && (rc = db_commit(r->db)) != 0)
		rc = db_fail(r->db, rc, e);
	if (rc != 0) {
		db_rollback(r->db);
		pii_plain_free(value, n);
		return rc;
	}
	reply_json(r, 200, json_pack("{s:s}", "number", value));
	pii_plain_free(value, n);
	return 0;
}

/* ---- withholding ---- */

static const char *const encodings_export[] = { "utf8", "gb18030", NULL };
static const char *const encodings_result[] = { "utf8", "gb18030", "auto", NULL };
static const char *const delimiters[] = { ",", "|", ";", "tab", NULL };

static const struct field column_fields[] = {
	{ "field", F_ENUM, true, .enums = wh_field_names },
	{ "value", F_STRING, false, 0, 64, .desc = "固定值（field 为 constant 时）" },
	{ "title", F_STRING, false, 0, 64, .desc = "表头文字" },
	{ NULL },
};
static const struct field column_item = { "column", F_OBJECT, true, .fields = column_fields };
static const struct field success_item = { "value", F_STRING, true, 1, 64 };

static const struct field export_layout_fields[] = {
	{ "encoding", F_ENUM, false, .enums = encodings_export, .desc = "utf8（默认）或 gb18030" },
	{ "delimiter", F_ENUM, false, .enums = delimiters, .desc = "分隔符，默认逗号" },
	{ "header", F_BOOL, false, .desc = "是否有表头行（默认有）" },
	{ "columns", F_ARRAY, true, 1, WH_COLUMNS_MAX, .items = &column_item },
	{ NULL },
};
static const struct field result_layout_fields[] = {
	{ "encoding", F_ENUM, false, .enums = encodings_result },
	{ "delimiter", F_ENUM, false, .enums = delimiters },
	{ "header", F_BOOL, false },
	{ "columns", F_ARRAY, true, 1, WH_COLUMNS_MAX, .items = &column_item },
	{ "success_values", F_ARRAY, true, 1, WH_SUCCESS_MAX, .items = &success_item,
	  .desc = "表示代扣成功的处理结果值，如 [\"成功\", \"0000\"]" },
	{ NULL },
};

static const struct field bank_body[] = {
	{ "code", F_STRING, true, 2, 32, .desc = "银行代码，如 icbc" },
	{ "name", F_STRING, true, 1, 64 },
	{ "export_layout", F_OBJECT, true, .fields = export_layout_fields },
	{ "result_layout", F_OBJECT, true, .fields = result_layout_fields },
	{ "active", F_BOOL, false },
	{ NULL },
};
static const struct field bank_patch[] = {
	{ "name", F_STRING, false, 1, 64 },
	{ "export_layout", F_OBJECT, false, .fields = export_layout_fields },
	{ "result_layout", F_OBJECT, false, .fields = result_layout_fields },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field export_body[] = {
	{ "bank_code", F_STRING, true, 2, 32 },
	{ "period", F_PERIOD, true, .desc = "代扣期间 YYYY-MM：扣截至该月末到期的欠费" },
	{ NULL },
};

static const struct field batch_query[] = {
	{ "bank_code", F_STRING, false, 1, 32 },
	{ "period", F_PERIOD, false },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const char *const item_states[] = { "pending", "succeeded", "failed", NULL };
static const struct field item_query[] = {
	{ "state", F_ENUM, false, .enums = item_states },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
list_banks(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = withholding_bank_list(r->db, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
put_bank(struct req *r, const char *code, bool create, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int rc;

	access_actor(r, &who);
	if ((rc = withholding_bank_put(r->db, code, r->json, create, &who, e)) != 0 ||
	    (rc = withholding_bank_get(r->db, code, &out, e)) != 0)
		return rc;
	reply_json(r, create ? 201 : 200, out);
	return 0;
}

static int
create_bank(struct req *r, struct anju_err *e)
{
	return put_bank(r, member_str(r->json, "code"), true, e);
}

static int
update_bank(struct req *r, struct anju_err *e)
{
	return put_bank(r, r->params[0], false, e);
}

static int
export_batch(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id = 0;
	bool created = false;
	int rc;

	access_actor(r, &who);
	if ((rc = withholding_export(r->db, r->caller, member_str(r->json, "bank_code"),
				     member_str(r->json, "period"), &who, &id, &created, e)) != 0 ||
	    (rc = withholding_batch_get(r->db, id, &out, e)) != 0)
		return rc;
	json_object_set_new(out, "created", json_boolean(created));
	reply_json(r, 200, out);
	return 0;
}

static int
list_batches(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = withholding_batch_list(r->db, req_query(r, "bank_code"), req_query(r, "period"),
					 cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_batch(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0 ||
	    (rc = withholding_batch_get(r->db, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
batch_file(struct req *r, struct anju_err *e)
{
	char *name = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0 ||
	    (rc = withholding_file(r->db, id, &r->raw, &name, e)) != 0)
		return rc;
	r->status = 200;
	r->content_type = strstr(name, ".csv") ? "text/csv" : "text/plain";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"%s\"", name));
	req_add_header(r, "Cache-Control", "no-store");
	free(name);
	return 0;
}

static int
list_items(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id, cursor, next = 0;
	int limit, rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0 ||
	    (rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = withholding_item_list(r->db, id, req_query(r, "state"), cursor, limit, &items,
					&next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
cancel_batch(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = withholding_cancel(r->db, id, &who, e)) != 0 ||
	    (rc = withholding_batch_get(r->db, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* Its own transactions (ROUTE_OWN_TX): a refused file is rolled back
 * whole, then recorded as rejected with its row errors in a transaction of
 * its own, so that the console can show them. */
static int
import_results(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	struct anju_err e2;
	json_t *report = NULL;
	int64_t id, rid = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0)
		return rc;
	if (r->body.n == 0)
		return anju_fail(e, ANJU_EINVAL, "file_empty", "file", "请上传银行回盘文件");
	if (r->body.n >= 4 && memcmp(r->body.p, "PK\x03\x04", 4) == 0)
		return anju_fail(e, ANJU_EMEDIATYPE, "xlsx_not_text", "file",
				 "这是 Excel 文件：请上传银行提供的文本回盘文件（CSV 或 TXT）");
	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = withholding_import(r->db, r->caller, id, r->body.p, r->body.n, &who, &report, e);
	if (rc == 0 && (rc = db_commit(r->db)) != 0)
		rc = db_fail(r->db, rc, e);
	if (rc == 0) {
		reply_json(r, 200, report);
		return 0;
	}
	db_rollback(r->db);
	if (rc == ANJU_EUNPROCESSABLE && strcmp(e->key, "result_rows_invalid") == 0 &&
	    report != NULL && db_begin(r->db) == 0) {
		anju_err_clear(&e2);
		if (withholding_reject(r->db, id, r->body.p, r->body.n, report, &who, &rid, &e2) ==
			    0 &&
		    db_commit(r->db) == 0) {
			size_t len = strlen(e->msg);

			snprintf(e->msg + len, sizeof(e->msg) - len, "；明细见回盘记录 #%lld",
				 (long long)rid);
		} else {
			db_rollback(r->db);
		}
	}
	json_decref(report);
	return rc;
}

static int
list_results(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "batch_not_found", "没有这个代扣批次", e)) != 0 ||
	    (rc = withholding_result_list(r->db, id, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
get_result(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "result_not_found", "没有这个回盘记录", e)) != 0 ||
	    (rc = withholding_result_get(r->db, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* ---- online orders ---- */

static const struct field order_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "amount_fen", F_INT, false, 1, MONEY_AMOUNT_MAX, .desc = "缴费金额（分），默认全部欠费" },
	{ NULL },
};

static const char *const order_states[] = { "open", "paid", "cancelled", NULL };
static const struct field order_query[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "state", F_ENUM, false, .enums = order_states },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
create_order(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int rc;

	access_actor(r, &who);
	if ((rc = online_order_create(r->db, r->caller, member_int(r->json, "household_id", 0),
				      member_int(r->json, "amount_fen", 0), &who, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
list_orders(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t hh = req_query_id(r, "household_id"), cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = online_order_list(r->db, r->caller, hh, req_query(r, "state"), cursor, limit,
				    &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_order(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "order_not_found", "没有这个线上支付订单", e)) != 0 ||
	    (rc = online_order_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
cancel_order(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "order_not_found", "没有这个线上支付订单", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = online_order_cancel(r->db, r->caller, id, &who, e)) != 0 ||
	    (rc = online_order_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* ---- channels and callbacks ---- */

static const struct field channel_body[] = {
	{ "code", F_STRING, true, 2, 32, .desc = "渠道代码，出现在回调地址中" },
	{ "name", F_STRING, true, 1, 64 },
	{ "window_seconds", F_INT, false, 30, 3600, .desc = "时间戳有效窗口（秒），默认 300" },
	{ NULL },
};
static const struct field channel_patch[] = {
	{ "name", F_STRING, false, 1, 64 },
	{ "window_seconds", F_INT, false, 30, 3600 },
	{ "enabled", F_BOOL, false },
	{ NULL },
};
static const struct field attempt_query[] = {
	{ "channel", F_STRING, false, 1, 32 },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
list_channels(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = payment_channel_list(r->db, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

/* Replies the channel with its secret, shown this once.  Its own
 * transaction: the secret is never stored for an Idempotency-Key replay. */
static int
reply_secret(struct req *r, const char *code, char *secret, int status, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = db_commit(r->db)) != 0)
		rc = db_fail(r->db, rc, e);
	if (rc == 0)
		rc = payment_channel_get(r->db, code, &out, e);
	if (rc == 0) {
		json_object_set_new(out, "secret", json_string(secret));
		reply_json(r, status, out);
		req_add_header(r, "Cache-Control", "no-store");
	} else {
		db_rollback(r->db);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	return rc;
}

static int
create_channel(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	const char *code = member_str(r->json, "code");
	char *secret = NULL;
	int rc;

	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = payment_channel_create(r->db, code, member_str(r->json, "name"),
				    member_int(r->json, "window_seconds", 0), &who, &secret, e);
	if (rc != 0) {
		db_rollback(r->db);
		return rc;
	}
	return reply_secret(r, code, secret, 201, e);
}

static int
rotate_secret(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	char *secret = NULL;
	int rc;

	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = payment_channel_rotate(r->db, r->params[0], &who, &secret, e);
	if (rc != 0) {
		db_rollback(r->db);
		return rc;
	}
	return reply_secret(r, r->params[0], secret, 200, e);
}

static int
update_channel(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL, *w = json_object_get(r->json, "window_seconds");
	int rc;

	access_actor(r, &who);
	if ((rc = payment_channel_update(r->db, r->params[0], member_str(r->json, "name"),
					 w ? json_integer_value(w) : -1, flag(r->json, "enabled"),
					 &who, e)) != 0 ||
	    (rc = payment_channel_get(r->db, r->params[0], &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
list_attempts(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = payment_callback_attempts(r->db, req_query(r, "channel"), cursor, limit, &items,
					    &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* Callbacks come from a few platforms' servers; a client beyond this is
 * refused before anything is read or logged. */
static struct rate_limit callback_limit = RATE_LIMIT(60, 1200);

static int
callback(struct req *r, struct anju_err *e)
{
	struct callback_in in = {
		.channel = r->params[0],
		.timestamp = req_header(r, "X-Anju-Timestamp"),
		.signature = req_header(r, "X-Anju-Signature"),
		.body = r->body.p,
		.n = r->body.n,
		.client = r->client,
		.request_id = r->id,
	};
	json_t *answer = NULL;
	int status = 0, rc;

	if (!rate_allow(&callback_limit, r->client))
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL, "回调过于频繁，请稍后重试");
	if ((rc = callback_handle(r->db, &in, &status, &answer, e)) != 0)
		return rc;
	reply_json(r, status, answer);
	return 0;
}

/* ---- contracts ---- */

#define PAYER_SCHEMA                                                                               \
	"{\"type\":\"object\",\"required\":[\"id\",\"household_id\",\"holder_name\",\"bank_"       \
	"name\","                                                                                  \
	"\"bank_code\",\"number\",\"withholding\",\"authorized_on\",\"authorization_file_id\","    \
	"\"source\",\"state\"],\"properties\":{\"id\":{\"type\":\"integer\"},"                     \
	"\"household_id\":{\"type\":\"integer\"},\"holder_name\":{\"type\":\"string\"},"           \
	"\"bank_name\":{\"type\":\"string\"},\"bank_code\":" NSTR ","                              \
	"\"number\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}\\\\*+[0-9]{4}$\"},"    \
	"\"withholding\":{\"type\":\"boolean\"},\"authorized_on\":" NSTR ","                       \
	"\"authorization_file_id\":" NINT ",\"source\":{\"type\":\"string\"},"                     \
	"\"state\":{\"enum\":[\"active\",\"disabled\"]},\"created_at\":{\"type\":\"string\"},"     \
	"\"updated_at\":{\"type\":\"string\"}}}"

#define LAYOUT_SCHEMA                                                                              \
	"{\"type\":\"object\",\"required\":[\"columns\"],\"properties\":{\"encoding\":{\"type\":"  \
	"\"string\"},\"delimiter\":{\"type\":\"string\"},\"header\":{\"type\":\"boolean\"},"       \
	"\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"field\"]}" \
	"},"                                                                                       \
	"\"success_values\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

#define BANK_SCHEMA                                                                                \
	"{\"type\":\"object\",\"required\":[\"code\",\"name\",\"export_layout\",\"result_"         \
	"layout\","                                                                                \
	"\"active\"],\"properties\":{\"code\":{\"type\":\"string\"},\"name\":{\"type\":"           \
	"\"string\"},\"export_layout\":" LAYOUT_SCHEMA ",\"result_layout\":" LAYOUT_SCHEMA ","     \
	"\"active\":{\"type\":\"boolean\"},\"created_at\":{\"type\":\"string\"},\"updated_at\":"   \
	"{\"type\":\"string\"}}}"

#define BATCH_SCHEMA                                                                               \
	"{\"type\":\"object\",\"required\":[\"id\",\"bank_code\",\"bank_name\",\"period\","        \
	"\"state\",\"items\",\"total_fen\",\"succeeded\",\"succeeded_fen\",\"failed\","            \
	"\"pending\","                                                                             \
	"\"file_name\",\"file_sha256\",\"file_size\",\"encoding\",\"created_at\",\"finished_at\"]" \
	","                                                                                        \
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"bank_code\":{\"type\":\"string\"},"       \
	"\"bank_name\":{\"type\":\"string\"},\"period\":{\"type\":\"string\"},"                    \
	"\"state\":{\"enum\":[\"open\",\"done\",\"cancelled\"]},\"items\":{\"type\":\"integer\"}," \
	"\"total_fen\":{\"type\":\"integer\"},\"succeeded\":{\"type\":\"integer\"},"               \
	"\"succeeded_fen\":{\"type\":\"integer\"},\"failed\":{\"type\":\"integer\"},"              \
	"\"pending\":{\"type\":\"integer\"},\"file_name\":{\"type\":\"string\"},"                  \
	"\"file_sha256\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"},"                    \
	"\"file_size\":{\"type\":\"integer\"},\"encoding\":{\"enum\":[\"utf8\",\"gb18030\"]},"     \
	"\"created_at\":{\"type\":\"string\"},\"created_by\":{\"type\":\"string\"},"               \
	"\"finished_at\":" NSTR ",\"created\":{\"type\":\"boolean\"}}}"

#define ITEM_SCHEMA                                                                                \
	"{\"type\":\"object\",\"required\":[\"id\",\"seq\",\"reference\",\"household_id\","        \
	"\"holder_name\",\"number\",\"amount_fen\",\"state\",\"bank_ref\",\"reason\","             \
	"\"payment_id\",\"dunning_case_id\"],\"properties\":{\"id\":{\"type\":\"integer\"},"       \
	"\"seq\":{\"type\":\"integer\"},\"reference\":{\"type\":\"string\"},"                      \
	"\"household_id\":{\"type\":\"integer\"},\"payer_account_id\":{\"type\":\"integer\"},"     \
	"\"holder_name\":{\"type\":\"string\"},"                                                   \
	"\"number\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}\\\\*+[0-9]{4}$\"},"    \
	"\"amount_fen\":{\"type\":\"integer\"},\"state\":{\"enum\":[\"pending\",\"succeeded\","    \
	"\"failed\"]},\"bank_ref\":" NSTR ",\"reason\":" NSTR ",\"payment_id\":" NINT ","          \
	"\"dunning_case_id\":" NINT ",\"settled_at\":" NSTR "}}"

#define RESULT_SCHEMA                                                                              \
	"{\"type\":\"object\",\"required\":[\"id\",\"batch_id\",\"file_sha256\",\"rows\","         \
	"\"succeeded\",\"failed\",\"unchanged\",\"state\",\"job_id\",\"errors\",\"error\"],"       \
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"batch_id\":{\"type\":\"integer\"},"       \
	"\"file_sha256\":{\"type\":\"string\"},\"file_size\":{\"type\":\"integer\"},"              \
	"\"rows\":{\"type\":\"integer\"},\"succeeded\":{\"type\":\"integer\"},"                    \
	"\"failed\":{\"type\":\"integer\"},\"unchanged\":{\"type\":\"integer\"},"                  \
	"\"state\":{\"enum\":[\"applying\",\"applied\",\"failed\",\"rejected\"]},"                 \
	"\"job_id\":" NINT ",\"error\":" NSTR ",\"created_at\":{\"type\":\"string\"},"             \
	"\"created_by\":{\"type\":\"string\"},\"finished_at\":" NSTR ","                           \
	"\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"line\","    \
	"\"column\",\"field\",\"reason\"],\"properties\":{\"line\":{\"type\":\"integer\"},"        \
	"\"column\":" NINT                                                                         \
	",\"field\":{\"type\":\"string\"},\"reason\":{\"type\":\"string\"}}}}}}"

#define ORDER_SCHEMA                                                                               \
	"{\"type\":\"object\",\"required\":[\"id\",\"number\",\"household_id\",\"amount_fen\","    \
	"\"state\",\"payment_id\",\"channel_code\",\"paid_at\"],\"properties\":{"                  \
	"\"id\":{\"type\":\"integer\"},\"number\":{\"type\":\"string\",\"pattern\":"               \
	"\"^OL[0-9]{16}$\"},\"household_id\":{\"type\":\"integer\"},\"amount_fen\":{\"type\":"     \
	"\"integer\"},\"state\":{\"enum\":[\"open\",\"paid\",\"cancelled\"]},\"payment_id\":" NINT \
	",\"channel_code\":" NSTR                                                                  \
	",\"created_at\":{\"type\":\"string\"},\"created_by\":{\"type\":"                          \
	"\"string\"},\"paid_at\":" NSTR ",\"cancelled_at\":" NSTR "}}"

#define CHANNEL_SCHEMA                                                                             \
	"{\"type\":\"object\",\"required\":[\"code\",\"name\",\"window_seconds\",\"enabled\","     \
	"\"secret_set_at\",\"callback_path\"],\"properties\":{\"code\":{\"type\":\"string\"},"     \
	"\"name\":{\"type\":\"string\"},\"window_seconds\":{\"type\":\"integer\"},"                \
	"\"enabled\":{\"type\":\"boolean\"},\"secret_set_at\":{\"type\":\"string\"},"              \
	"\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"},"               \
	"\"callback_path\":{\"type\":\"string\"},"                                                 \
	"\"secret\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"}}}"

#define ATTEMPT_SCHEMA                                                                             \
	"{\"type\":\"object\",\"required\":[\"id\",\"channel_code\",\"at\",\"status\","            \
	"\"outcome\",\"transaction_id\",\"order_number\",\"amount_fen\",\"body_sha256\"],"         \
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"channel_code\":{\"type\":\"string\"},"    \
	"\"at\":{\"type\":\"string\"},\"client\":{\"type\":\"string\"},\"status\":{\"type\":"      \
	"\"integer\"},\"outcome\":{\"type\":\"string\"},\"transaction_id\":" NSTR ","              \
	"\"order_number\":" NSTR ",\"amount_fen\":" NINT                                           \
	",\"body_sha256\":{\"type\":\"string\"}}}"

#define CALLBACK_ANSWER                                                                            \
	"{\"type\":\"object\",\"required\":[\"result\",\"order_number\",\"transaction_id\","       \
	"\"amount_fen\",\"payment_id\",\"receipt_number\"],\"properties\":{\"result\":{\"enum\":"  \
	"[\"accepted\"]},\"order_number\":{\"type\":\"string\"},\"transaction_id\":{\"type\":"     \
	"\"string\"},\"amount_fen\":{\"type\":\"integer\"},\"payment_id\":{\"type\":\"integer\"}," \
	"\"receipt_number\":" NSTR "}}"

static const struct api_schema schemas[] = {
	{ "PayerAccount", PAYER_SCHEMA },
	{ "WithholdingBank", BANK_SCHEMA },
	{ "WithholdingBatch", BATCH_SCHEMA },
	{ "WithholdingItem", ITEM_SCHEMA },
	{ "WithholdingResult", RESULT_SCHEMA },
	{ "OnlineOrder", ORDER_SCHEMA },
	{ "PaymentChannel", CHANNEL_SCHEMA },
	{ "PaymentCallbackAttempt", ATTEMPT_SCHEMA },
	{ NULL, NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/households/{id}/payer-accounts", ACCESS_CALLER,
	  READERS | ROLE_BIT(ROLE_TENANT), .status = 200, .response = ITEMS(REF("PayerAccount")),
	  .summary = "家庭的银行账户（账号已脱敏）", .handler = list_payers },
	{ "POST", "/api/v1/households/{id}/payer-accounts", ACCESS_CALLER, WRITERS,
	  .body = payer_body, .status = 201, .response = REF("PayerAccount"),
	  .summary = "登记家庭的银行账户（代扣账户需授权书）", .handler = add_payer },
	{ "GET", "/api/v1/payer-accounts/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = REF("PayerAccount"), .summary = "银行账户（账号已脱敏）",
	  .handler = get_payer },
	{ "PATCH", "/api/v1/payer-accounts/{id}", ACCESS_CALLER, WRITERS, .body = payer_patch,
	  .status = 200, .response = REF("PayerAccount"),
	  .summary = "修改银行账户：户名、银行、代扣、授权书、停用", .handler = update_payer },
	{ "POST", "/api/v1/payer-accounts/{id}/reveal", ACCESS_CALLER,
	  READERS & ~ROLE_BIT(ROLE_TENANT), .body = reveal_body, .flags = ROUTE_OWN_TX,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"number\"],\"properties\":{"
		      "\"number\":{\"type\":\"string\",\"pattern\":\"^[0-9]+$\"}}}",
	  .summary = "查看完整银行账号（需填写理由，限次并审计）", .handler = reveal_payer },
	{ "GET", "/api/v1/withholding/banks", ACCESS_CALLER, FINANCE | ROLE_BIT(ROLE_BUREAU),
	  .status = 200, .response = ITEMS(REF("WithholdingBank")),
	  .summary = "代扣银行及其文件格式", .handler = list_banks },
	{ "POST", "/api/v1/withholding/banks", ACCESS_CALLER, FINANCE, .body = bank_body,
	  .status = 201, .response = REF("WithholdingBank"),
	  .summary = "新增代扣银行（代扣文件与回盘文件的列格式）", .handler = create_bank },
	{ "PATCH", "/api/v1/withholding/banks/{code}", ACCESS_CALLER, FINANCE, .body = bank_patch,
	  .status = 200, .response = REF("WithholdingBank"),
	  .summary = "修改代扣银行的名称、文件格式或启用状态", .handler = update_bank },
	{ "GET", "/api/v1/withholding/batches", ACCESS_CALLER, FINANCE | ROLE_BIT(ROLE_BUREAU),
	  .query = batch_query, .status = 200, .response = PAGE(REF("WithholdingBatch")),
	  .summary = "代扣批次（新的在前）", .handler = list_batches },
	{ "POST", "/api/v1/withholding/batches", ACCESS_CALLER, FINANCE, .body = export_body,
	  .status = 200, .response = REF("WithholdingBatch"),
	  .summary = "生成某银行某期间的代扣批次（该批次未回盘时再次生成返回同一批次）",
	  .handler = export_batch },
	{ "GET", "/api/v1/withholding/batches/{id}", ACCESS_CALLER, FINANCE | ROLE_BIT(ROLE_BUREAU),
	  .status = 200, .response = REF("WithholdingBatch"), .summary = "代扣批次",
	  .handler = get_batch },
	{ "GET", "/api/v1/withholding/batches/{id}/file", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = "{\"description\":\"代扣文件（按银行格式的文本），不是 JSON\"}",
	  .summary = "下载代扣文件（按银行格式，内容与生成时的哈希一致）", .handler = batch_file },
	{ "GET", "/api/v1/withholding/batches/{id}/items", ACCESS_CALLER,
	  FINANCE | ROLE_BIT(ROLE_BUREAU), .query = item_query, .status = 200,
	  .response = PAGE(REF("WithholdingItem")), .summary = "代扣明细（账号已脱敏）",
	  .handler = list_items },
	{ "POST", "/api/v1/withholding/batches/{id}/cancel", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = REF("WithholdingBatch"), .summary = "作废未回盘的代扣批次",
	  .handler = cancel_batch },
	{ "POST", "/api/v1/withholding/batches/{id}/results", ACCESS_CALLER, FINANCE, WH_FILE_MAX,
	  .flags = ROUTE_RAW_BODY | ROUTE_OWN_TX, .status = 200,
	  .response = REF("WithholdingResult"),
	  .summary =
		  "导入银行回盘文件：逐行校验，有错误则整体不入账；成功的生成收款，失败的记入催缴",
	  .handler = import_results },
	{ "GET", "/api/v1/withholding/batches/{id}/results", ACCESS_CALLER,
	  FINANCE | ROLE_BIT(ROLE_BUREAU), .status = 200,
	  .response = ITEMS(REF("WithholdingResult")),
	  .summary = "批次的回盘导入记录（含被拒文件的逐行错误）", .handler = list_results },
	{ "GET", "/api/v1/withholding/results/{id}", ACCESS_CALLER, FINANCE | ROLE_BIT(ROLE_BUREAU),
	  .status = 200, .response = REF("WithholdingResult"), .summary = "回盘导入记录",
	  .handler = get_result },
	{ "POST", "/api/v1/online-orders", ACCESS_CALLER, WRITERS | ROLE_BIT(ROLE_TENANT),
	  .body = order_body, .status = 201, .response = REF("OnlineOrder"),
	  .summary = "创建线上缴费订单（金额不超过欠费）", .handler = create_order },
	{ "GET", "/api/v1/online-orders", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .query = order_query, .status = 200, .response = PAGE(REF("OnlineOrder")),
	  .summary = "家庭的线上缴费订单", .handler = list_orders },
	{ "GET", "/api/v1/online-orders/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = REF("OnlineOrder"), .summary = "线上缴费订单",
	  .handler = get_order },
	{ "POST", "/api/v1/online-orders/{id}/cancel", ACCESS_CALLER,
	  WRITERS | ROLE_BIT(ROLE_TENANT), .status = 200, .response = REF("OnlineOrder"),
	  .summary = "取消待支付的线上缴费订单", .handler = cancel_order },
	{ "POST", "/api/v1/payments/callbacks/{channel}", ACCESS_PUBLIC, 0, 16384,
	  .flags = ROUTE_RAW_BODY | ROUTE_OWN_TX, .status = 200, .response = CALLBACK_ANSWER,
	  .summary = "支付渠道回调（X-Anju-Timestamp 与 X-Anju-Signature 签名校验，"
		     "同一交易号重复回调返回同一结果）",
	  .handler = callback },
	{ "GET", "/api/v1/payment-channels", ACCESS_CALLER, ADMIN | FINANCE, .status = 200,
	  .response = ITEMS(REF("PaymentChannel")), .summary = "线上支付渠道",
	  .handler = list_channels },
	{ "POST", "/api/v1/payment-channels", ACCESS_CALLER, ADMIN, .body = channel_body,
	  .flags = ROUTE_OWN_TX, .status = 201, .response = REF("PaymentChannel"),
	  .summary = "新增支付渠道（密钥仅此一次显示）", .handler = create_channel },
	{ "PATCH", "/api/v1/payment-channels/{code}", ACCESS_CALLER, ADMIN, .body = channel_patch,
	  .status = 200, .response = REF("PaymentChannel"),
	  .summary = "修改支付渠道的名称、时间窗或启用状态", .handler = update_channel },
	{ "POST", "/api/v1/payment-channels/{code}/secret", ACCESS_CALLER, ADMIN,
	  .flags = ROUTE_OWN_TX, .status = 200, .response = REF("PaymentChannel"),
	  .summary = "更换支付渠道密钥（新密钥仅此一次显示）", .handler = rotate_secret },
	{ "GET", "/api/v1/payment-callbacks", ACCESS_CALLER, ADMIN | FINANCE,
	  .query = attempt_query, .status = 200, .response = PAGE(REF("PaymentCallbackAttempt")),
	  .summary = "支付回调记录（每次尝试，不含密钥与签名）", .handler = list_attempts },
	{ NULL },
};

const struct api_module api_collection = { "collection", routes, schemas };
