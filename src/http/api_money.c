/*
 * The money core over HTTP: charges, payments, refunds, a household's
 * account and ledger lines, and closing a ledger period.  Cancelling a
 * charge, reversing a payment, refunding credit and closing a period are
 * two-person actions: the route records the request (202) and the action
 * runs when a second person approves it (money/approvals.c).  Receipt books
 * and receipts are in api_receipt.c.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "approval/approval.h"
#include "core/date.h"
#include "household/household.h"
#include "http/router.h"
#include "money/ledger.h"
#include "money/money.h"
#include "store/db.h"

/* Who sees money: the bureau, finance, the operator's people, the assessor. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER) |        \
	 ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_ASSESSOR))
/* Who raises a charge by hand. */
#define CHARGERS (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
/* Who takes money: the counter's clerks and finance. */
#define CASHIERS                                                                                   \
	(ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))

static const struct field charge_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX, .desc = "缴费家庭" },
	{ "kind", F_ENUM, true, .enums = charge_kind_names, .desc = "费用类型" },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX, .desc = "金额（分）" },
	{ "due_on", F_STRING, true, 10, 10, .desc = "应缴日期 YYYY-MM-DD" },
	{ "period", F_STRING, false, 0, 7, .desc = "所属期间 YYYY-MM，可空" },
	{ "note", F_STRING, false, 0, 200, .desc = "备注" },
	{ NULL },
};

static const struct field payment_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX, .desc = "缴费家庭" },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX, .desc = "金额（分）" },
	{ "channel", F_ENUM, true, .enums = channel_names, .desc = "收款方式" },
	{ "channel_ref", F_STRING, false, 0, 64, .desc = "交易流水号（现金可空）" },
	{ "received_at", F_STRING, false, 20, 32, .desc = "收款时间（UTC，默认现在）" },
	{ "note", F_STRING, false, 0, 200, .desc = "备注" },
	{ "receipt_book_id", F_INT, false, 1, INT64_MAX,
	  .desc = "现金、POS：开票用的票据本（须为发给本人的在用票据），默认最早的一本" },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 2, 200, .desc = "理由（记入审计，审批人可见）" },
	{ NULL },
};

static const char *const refund_channels[] = { "cash", "bank_transfer", NULL };

static const struct field refund_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX,
	  .desc = "退款金额（分），不超过预收款余额" },
	{ "channel", F_ENUM, true, .enums = refund_channels },
	{ "reason", F_STRING, true, 2, 200 },
	{ NULL },
};

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

/* Records a two-person request and answers 202 with it. */
static int
ask(struct req *r, const char *kind, json_t *payload, const char *reason, const char *object_type,
    int64_t object_id, struct anju_err *e)
{
	struct audit_actor who;
	char oid[24];
	json_t *a = NULL;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	snprintf(oid, sizeof(oid), "%lld", (long long)object_id);
	rc = approval_request(r->db, r->caller, &who, kind, payload, reason, object_type, oid, &id,
			      e);
	json_decref(payload);
	if (rc != 0 || (rc = approval_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 202, json_pack("{s:o}", "approval", a));
	return 0;
}

static int
create_charge(struct req *r, struct anju_err *e)
{
	struct charge_in in = { 0 };
	struct audit_actor who;
	int64_t id = 0, community;
	bool created;
	json_t *out = NULL;
	int rc;

	in.household_id = json_integer_value(json_object_get(r->json, "household_id"));
	charge_kind_parse(member_str(r->json, "kind"), &in.kind);
	in.amount_fen = json_integer_value(json_object_get(r->json, "amount_fen"));
	in.due_on = member_str(r->json, "due_on");
	in.period = member_str(r->json, "period");
	in.note = member_str(r->json, "note");
	in.source_type = "manual";
	/* Out of the caller's scope, the household does not exist. */
	if ((rc = household_community(r->db, r->caller, in.household_id, &community, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = charge_raise(r->db, &in, &who, &id, &created, e)) != 0 ||
	    (rc = charge_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
get_charge(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "charge_not_found", "没有这笔费用", e)) != 0 ||
	    (rc = charge_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
cancel_charge(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "charge_not_found", "没有这笔费用", e)) != 0 ||
	    (rc = charge_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	json_decref(out);
	return ask(r, "charge.cancel",
		   json_pack("{s:I, s:s}", "charge_id", (json_int_t)id, "reason",
			     member_str(r->json, "reason")),
		   member_str(r->json, "reason"), "charge", id, e);
}

static int
take_payment(struct req *r, struct anju_err *e)
{
	struct payment_in in = { 0 };
	struct audit_actor who;
	const char *at = member_str(r->json, "received_at");
	json_t *out = NULL;
	int64_t id = 0;
	int rc;

	/* A payment is exactly once: the client must say which attempt it is. */
	if (req_header(r, "Idempotency-Key") == NULL)
		return anju_fail(e, ANJU_EINVAL, "idempotency_key_required", "Idempotency-Key",
				 "收款请求必须带 Idempotency-Key，以免重复收款");
	in.household_id = json_integer_value(json_object_get(r->json, "household_id"));
	in.amount_fen = json_integer_value(json_object_get(r->json, "amount_fen"));
	channel_parse(member_str(r->json, "channel"), &in.channel);
	in.channel_ref = member_str(r->json, "channel_ref");
	in.note = member_str(r->json, "note");
	in.receipt_book_id = json_integer_value(json_object_get(r->json, "receipt_book_id"));
	if (at != NULL && time_parse_utc(str_c(at), &in.received_at_us) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_time", "received_at",
				 "收款时间应为 UTC 时间，如 2026-11-28T08:30:00Z");
	access_actor(r, &who);
	if ((rc = payment_take(r->db, r->caller, &in, &who, &id, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
get_payment(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "payment_not_found", "没有这笔收款", e)) != 0 ||
	    (rc = payment_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
reverse_payment(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "payment_not_found", "没有这笔收款", e)) != 0 ||
	    (rc = payment_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	json_decref(out);
	return ask(r, "payment.reverse",
		   json_pack("{s:I, s:s}", "payment_id", (json_int_t)id, "reason",
			     member_str(r->json, "reason")),
		   member_str(r->json, "reason"), "payment", id, e);
}

static int
ask_refund(struct req *r, struct anju_err *e)
{
	int64_t hh = json_integer_value(json_object_get(r->json, "household_id")), community;
	int rc;

	if ((rc = household_community(r->db, r->caller, hh, &community, e)) != 0)
		return rc;
	return ask(r, "refund.pay", json_deep_copy(r->json), member_str(r->json, "reason"),
		   "household", hh, e);
}

static int
household_account(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "household_not_found", "没有这个家庭", e)) != 0 ||
	    (rc = money_account(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
household_ledger(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id, cursor, next = 0, community;
	int limit, rc;

	if ((rc = req_object_id(r, 0, &id, "household_not_found", "没有这个家庭", e)) != 0 ||
	    (rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = household_community(r->db, r->caller, id, &community, e)) != 0 ||
	    (rc = ledger_household_lines(r->db, id, cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
close_period(struct req *r, struct anju_err *e)
{
	const char *period = r->params[0];
	struct period p;

	if (period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "period_not_found", NULL,
				 "会计期间应为 YYYY-MM 格式");
	return ask(r, "ledger.close", json_pack("{s:s}", "period", period),
		   member_str(r->json, "reason"), "ledger_period", (int64_t)p.y * 100 + p.m, e);
}

#define ALLOCATION_SCHEMA                                                                          \
	"{\"type\":\"object\",\"required\":[\"id\",\"amount_fen\",\"policy\",\"charge_id\","       \
	"\"refund_id\",\"reverses_id\"],\"properties\":{\"id\":{\"type\":\"integer\"},"            \
	"\"amount_fen\":{\"type\":\"integer\"},\"policy\":{\"type\":\"string\"},"                  \
	"\"charge_id\":{\"type\":[\"integer\",\"null\"]},\"refund_id\":{\"type\":[\"integer\","    \
	"\"null\"]},\"reverses_id\":{\"type\":[\"integer\",\"null\"]},"                            \
	"\"charge_title\":{\"type\":[\"string\",\"null\"]},"                                       \
	"\"charge_period\":{\"type\":[\"string\",\"null\"]},\"created_at\":{\"type\":\"string\"}}" \
	"}"

static const struct api_schema schemas[] = {
	{ "Charge",
	  "{\"type\":\"object\",\"required\":[\"id\",\"household_id\",\"kind\",\"kind_title\","
	  "\"amount_fen\",\"paid_fen\",\"owed_fen\",\"due_on\",\"period\",\"source_type\","
	  "\"source_id\",\"state\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"household_id\":{\"type\":\"integer\"},\"kind\":{\"type\":\"string\"},"
	  "\"kind_title\":{\"type\":\"string\"},\"amount_fen\":{\"type\":\"integer\"},"
	  "\"paid_fen\":{\"type\":\"integer\"},\"owed_fen\":{\"type\":\"integer\"},"
	  "\"due_on\":{\"type\":\"string\"},\"period\":{\"type\":\"string\"},"
	  "\"source_type\":{\"type\":\"string\"},\"source_id\":{\"type\":[\"integer\",\"null\"]},"
	  "\"state\":{\"enum\":[\"open\",\"paid\",\"cancelled\",\"released\"]},\"note\":{\"type\":"
	  "\"string\"},"
	  "\"created_at\":{\"type\":\"string\"},"
	  "\"cancel_reason\":{\"type\":[\"string\",\"null\"]}}}" },
	{ "Payment",
	  "{\"type\":\"object\",\"required\":[\"id\",\"household_id\",\"amount_fen\",\"channel\","
	  "\"channel_title\",\"channel_ref\",\"received_at\",\"period\",\"allocated_fen\","
	  "\"credit_fen\",\"state\",\"receipt\",\"allocations\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"amount_fen\":{\"type\":\"integer\"},\"channel\":{\"type\":\"string\"},"
	  "\"channel_title\":{\"type\":\"string\"},"
	  "\"channel_ref\":{\"type\":[\"string\",\"null\"]},"
	  "\"received_at\":{\"type\":\"string\"},\"period\":{\"type\":\"string\"},"
	  "\"taken_by\":{\"type\":\"string\"},\"allocated_fen\":{\"type\":\"integer\"},"
	  "\"credit_fen\":{\"type\":\"integer\"},\"state\":{\"enum\":[\"posted\",\"reversed\"]},"
	  "\"note\":{\"type\":\"string\"},\"reversed_at\":{\"type\":[\"string\",\"null\"]},"
	  "\"reverse_reason\":{\"type\":[\"string\",\"null\"]},"
	  "\"receipt\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\","
	  "\"required\":[\"id\",\"number\",\"state\"],\"properties\":{\"id\":{\"type\":"
	  "\"integer\"},\"number\":{\"type\":\"string\"},\"state\":{\"type\":\"string\"}}}]},"
	  "\"allocations\":{\"type\":\"array\",\"items\":" ALLOCATION_SCHEMA "}}}" },
	{ NULL, NULL },
};

#define CHARGE_REF  "{\"$ref\":\"#/components/schemas/Charge\"}"
#define PAYMENT_REF "{\"$ref\":\"#/components/schemas/Payment\"}"
#define APPROVAL_OUT                                                                               \
	"{\"type\":\"object\",\"required\":[\"approval\"],\"properties\":{"                        \
	"\"approval\":{\"$ref\":\"#/components/schemas/Approval\"}}}"

static const struct route routes[] = {
	{ "POST", "/api/v1/charges", ACCESS_CALLER, CHARGERS, .body = charge_body, .status = 201,
	  .response = CHARGE_REF, .summary = "登记一笔应收费用", .handler = create_charge },
	{ "GET", "/api/v1/charges/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = CHARGE_REF, .summary = "费用详情", .handler = get_charge },
	{ "POST", "/api/v1/charges/{id}/cancel", ACCESS_CALLER, CHARGERS, .body = reason_body,
	  .status = 202, .response = APPROVAL_OUT, .summary = "申请撤销费用（需另一人审批）",
	  .handler = cancel_charge },
	{ "POST", "/api/v1/payments", ACCESS_CALLER, CASHIERS, .body = payment_body, .status = 201,
	  .response = PAYMENT_REF, .summary = "收款（须带 Idempotency-Key），自动冲抵欠费并开票",
	  .handler = take_payment },
	{ "GET", "/api/v1/payments/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = PAYMENT_REF, .summary = "收款详情（含分配与票据）", .handler = get_payment },
	{ "POST", "/api/v1/payments/{id}/reverse", ACCESS_CALLER, CASHIERS, .body = reason_body,
	  .status = 202, .response = APPROVAL_OUT,
	  .summary = "申请冲正收款并作废票据（需另一人审批）", .handler = reverse_payment },
	{ "POST", "/api/v1/refunds", ACCESS_CALLER, CASHIERS, .body = refund_body, .status = 202,
	  .response = APPROVAL_OUT, .summary = "申请退还预收款（需另一人审批）",
	  .handler = ask_refund },
	{ "GET", "/api/v1/households/{id}/account", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"household_id\",\"owed_fen\","
		      "\"credit_fen\",\"charges\",\"payments\",\"refunds\"],\"properties\":{"
		      "\"household_id\":{\"type\":\"integer\"},\"community_id\":{\"type\":"
		      "\"integer\"},\"owed_fen\":{\"type\":\"integer\"},\"credit_fen\":{\"type\":"
		      "\"integer\"},\"charges\":{\"type\":\"array\",\"items\":" CHARGE_REF "},"
		      "\"payments\":{\"type\":\"array\",\"items\":" PAYMENT_REF "},"
		      "\"refunds\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}",
	  .summary = "家庭账户：应收、收款、分配、预收款与退款", .handler = household_account },
	{ "GET", "/api/v1/households/{id}/ledger", ACCESS_CALLER, READERS, .query = page_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":"
		      "[\"id\",\"period\",\"event\",\"lines\"]}},\"next\":{\"type\":[\"string\","
		      "\"null\"]}}}",
	  .summary = "家庭相关的记账凭证（新在前）", .handler = household_ledger },
	{ "POST", "/api/v1/ledger/periods/{period}/close", ACCESS_CALLER, ROLE_BIT(ROLE_FINANCE),
	  .body = reason_body, .status = 202, .response = APPROVAL_OUT,
	  .summary = "申请会计期间结账（需另一人审批）", .handler = close_period },
	{ NULL },
};

const struct api_module api_money = { "money", routes, schemas };
