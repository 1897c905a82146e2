/*
 * Receipts over HTTP (money/receipt.h): receipt books (receive, hand to a
 * clerk chosen from the accounts that may hold one, close, write off, the
 * write-off sheet as JSON and xlsx), a receipt as staff see it and as a
 * PDF, and the public verification behind a receipt's QR code: GET
 * /r/{token}, a small zh-CN page without scripts, and the same as JSON.
 * The public routes need no credentials and are limited per client
 * address, so that tokens cannot be guessed at speed; an unknown token is
 * a bare 404.
 */
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/auth.h"
#include "core/config.h"
#include "core/date.h"
#include "core/money.h"
#include "http/public.h"
#include "http/router.h"
#include "money/receipt.h"
#include "store/db.h"

#define BOOK_KEEPERS ROLE_BIT(ROLE_FINANCE)
#define BOOK_READERS                                                                               \
	(ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) |        \
	 ROLE_BIT(ROLE_OPERATOR_STAFF))
#define WRITEOFF_READERS (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_BUREAU))
#define RECEIPT_READERS  BOOK_READERS
/* Who may hold a paper book: the roles receipt_book_hand accepts. */
#define CLERK_ROLES (ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_FINANCE))

/* Look-ups of receipts by token per client address and minute, across
 * both public routes. */
#define VERIFY_PER_MINUTE 30

static const char *const book_states[] = { "stock", "open", "used_up", "written_off", NULL };

static const struct field receive_body[] = {
	{ "series", F_STRING, true, 1, 32, .desc = "票据字轨（印在票据上，唯一），如 A2026" },
	{ "first_no", F_INT, true, 1, RECEIPT_NO_MAX, .desc = "起始号" },
	{ "last_no", F_INT, true, 1, RECEIPT_NO_MAX, .desc = "终止号（一本至多 10000 个号码）" },
	{ "received_on", F_DATE, true, .desc = "从财政部门领用的日期，不晚于今天" },
	{ "received_by", F_STRING, true, 1, 64, .desc = "领用人" },
	{ NULL },
};

static const struct field hand_body[] = {
	{ "account_id", F_INT, true, 1, INT64_MAX,
	  .desc = "收款员的账号（运营人员或财务人员，须为启用状态；可选的见 "
		  "GET /api/v1/receipt-books/clerks）" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "state", F_ENUM, false, .enums = book_states,
	  .desc = "stock 未领用, open 使用中, used_up 已用完, written_off 已核销" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
book_id(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "receipt_book_not_found", NULL, "没有这本票据");
	return 0;
}

static int
reply_book(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *b = NULL;
	int rc = receipt_book_get(r->db, r->caller, id, &b, e);

	if (rc == 0)
		reply_json(r, status, b);
	return rc;
}

static int
receive(struct req *r, struct anju_err *e)
{
	struct receipt_book_in in = {
		.series = json_string_value(json_object_get(r->json, "series")),
		.first_no = json_integer_value(json_object_get(r->json, "first_no")),
		.last_no = json_integer_value(json_object_get(r->json, "last_no")),
		.received_on = json_string_value(json_object_get(r->json, "received_on")),
		.received_by = json_string_value(json_object_get(r->json, "received_by")),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = receipt_book_receive(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return reply_book(r, 201, id, e);
}

static int
list(struct req *r, struct anju_err *e)
{
	int64_t after = 0, next = 0;
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0)
		return rc;
	rc = receipt_book_list(r->db, r->caller, req_query(r, "state"), after, limit, &items, &next,
			       e);
	if (rc != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_book(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	return reply_book(r, 200, id, e);
}

static int
hand(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = receipt_book_hand(r->db, id,
			       json_integer_value(json_object_get(r->json, "account_id")), &who, e);
	return rc != 0 ? rc : reply_book(r, 200, id, e);
}

/* The accounts a book may be handed to, for finance to pick one by name. */
static int
clerks(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = account_list_roles(r->db, CLERK_ROLES, &items, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:o}", "items", items));
	return 0;
}

static int
close_book(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = receipt_book_close(r->db, id, &who, e)) != 0)
		return rc;
	return reply_book(r, 200, id, e);
}

static int
write_off(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = receipt_book_write_off(r->db, id, &who, e)) != 0)
		return rc;
	return reply_book(r, 200, id, e);
}

static int
writeoff_json(struct req *r, struct anju_err *e)
{
	json_t *w = NULL;
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	if ((rc = receipt_book_writeoff(r->db, id, &w, e)) != 0)
		return rc;
	reply_json(r, 200, w);
	return 0;
}

static int
writeoff_xlsx(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = book_id(r, &id, e)) != 0)
		return rc;
	if ((rc = receipt_book_writeoff_xlsx(r->db, id, &r->raw, e)) != 0)
		return rc;
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena,
				    "attachment; filename=\"receipt-book-%lld-writeoff.xlsx\"",
				    (long long)id));
	return 0;
}

static int
receipt_id(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "receipt_not_found", NULL, "没有这张票据");
	return 0;
}

static int
get_receipt(struct req *r, struct anju_err *e)
{
	json_t *x = NULL;
	int64_t id;
	int rc;

	if ((rc = receipt_id(r, &id, e)) != 0)
		return rc;
	if ((rc = receipt_get(r->db, r->caller, id, &x, e)) != 0)
		return rc;
	reply_json(r, 200, x);
	return 0;
}

static int
receipt_pdf_get(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = receipt_id(r, &id, e)) != 0)
		return rc;
	rc = receipt_pdf_of(r->db, r->caller, id, config_str("public_url"), &r->raw, e);
	if (rc != 0)
		return rc;
	r->status = 200;
	r->content_type = "application/pdf";
	req_add_header(
		r, "Content-Disposition",
		arena_printf(r->arena, "inline; filename=\"receipt-%lld.pdf\"", (long long)id));
	/* The payer's masked name is on it: never in a shared cache. */
	req_add_header(r, "Cache-Control", "private, no-store");
	return 0;
}

/*
 * Public verification.
 */

static struct rate_limit lookups = RATE_LIMIT(60, VERIFY_PER_MINUTE);

/* The verification of the token in the path, within the limit. */
static int
verify(struct req *r, json_t **out, struct anju_err *e)
{
	if (!rate_allow(&lookups, r->client))
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "查询过于频繁，请一分钟后再试");
	return receipt_verify(r->db, r->params[0], out, e);
}

static int
public_json(struct req *r, struct anju_err *e)
{
	json_t *v = NULL;
	int rc;

	if ((rc = verify(r, &v, e)) != 0)
		return rc;
	reply_json(r, 200, v);
	return 0;
}

static int
public_page(struct req *r, struct anju_err *e)
{
	json_t *v = NULL;
	char amount[MONEY_FMT_MAX + 8], figures[MONEY_FMT_MAX];
	bool voided;
	int rc;

	html_page(r);
	rc = verify(r, &v, e);
	if (rc == ANJU_ENOTFOUND) {
		html_message(r, 404, "票据验真", "未找到这张票据。");
		return 0;
	}
	if (rc == ANJU_ELIMIT) {
		req_add_header(r, "Retry-After", "60");
		html_message(r, 429, "票据验真", "查询过于频繁，请一分钟后再试。");
		return 0;
	}
	if (rc != 0)
		return rc;
	voided = strcmp(json_string_value(json_object_get(v, "state")), "voided") == 0;
	money_format(json_integer_value(json_object_get(v, "amount_fen")), figures);
	snprintf(amount, sizeof(amount), "¥%s", figures);
	html_head(&r->raw, "票据验真");
	buf_adds(&r->raw, "<h1>票据验真</h1><dl>");
	html_row(&r->raw, "票据号", json_string_value(json_object_get(v, "number")), NULL);
	html_row(&r->raw, "金额", amount, NULL);
	html_row(&r->raw, "金额大写", json_string_value(json_object_get(v, "amount_words")), NULL);
	html_row(&r->raw, "开票日期", json_string_value(json_object_get(v, "issued_date")), NULL);
	html_row(&r->raw, "收款单位", json_string_value(json_object_get(v, "organisation")), NULL);
	html_row(&r->raw, "状态", voided ? "已作废" : "有效", voided ? "no" : "ok");
	buf_adds(&r->raw, "</dl><p class=\"note\">本页仅用于核对票据真伪，不显示缴款人信息。"
			  "</p></main></body></html>\n");
	r->status = 200;
	json_decref(v);
	return 0;
}

#define BOOK_REF     "{\"$ref\":\"#/components/schemas/ReceiptBook\"}"
#define NULL_INT     "{\"type\":[\"integer\",\"null\"]}"
#define NULL_STR     "{\"type\":[\"string\",\"null\"]}"
#define STRING       "{\"type\":\"string\"}"
#define INTEGER      "{\"type\":\"integer\"}"
#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"

/* Literal segments before templated ones. */
static const struct route routes[] = {
	{ "POST", "/api/v1/receipt-books", ACCESS_CALLER, BOOK_KEEPERS, .body = receive_body,
	  .status = 201, .response = BOOK_REF, .summary = "登记从财政部门领用的纸质票据本（入库）",
	  .handler = receive },
	{ "GET", "/api/v1/receipt-books", ACCESS_CALLER, BOOK_READERS, .query = list_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],"
		      "\"additionalProperties\":false,\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" BOOK_REF "},"
		      "\"next\":" NULL_STR "}}",
	  .summary = "票据本（含电子票据序列）及已开、作废、未用张数；运营人员只看到交给自己的",
	  .handler = list },
	{ "GET", "/api/v1/receipt-books/clerks", ACCESS_CALLER, BOOK_KEEPERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],"
		      "\"additionalProperties\":false,\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"maxItems\":1000,"
		      "\"items\":{\"$ref\":\"#/components/schemas/ReceiptClerk\"}}}}",
	  .summary = "可以领用票据的收款员（启用的运营人员和财务人员，按姓名排序，至多 1000 个）",
	  .handler = clerks },
	{ "GET", "/api/v1/receipt-books/{id}", ACCESS_CALLER, BOOK_READERS, .status = 200,
	  .response = BOOK_REF, .summary = "一本票据", .handler = get_book },
	{ "POST", "/api/v1/receipt-books/{id}/hand", ACCESS_CALLER, BOOK_KEEPERS, .body = hand_body,
	  .status = 200, .response = BOOK_REF, .summary = "把库存票据本交给收款员（开始使用）",
	  .handler = hand },
	{ "POST", "/api/v1/receipt-books/{id}/close", ACCESS_CALLER, BOOK_KEEPERS, .status = 200,
	  .response = BOOK_REF, .summary = "停用使用中的票据本（余下号码作为未用号码核销）",
	  .handler = close_book },
	{ "POST", "/api/v1/receipt-books/{id}/write-off", ACCESS_CALLER, BOOK_KEEPERS,
	  .status = 200, .response = BOOK_REF, .summary = "核销已用完或已停用的票据本",
	  .handler = write_off },
	{ "GET", "/api/v1/receipt-books/{id}/write-off", ACCESS_CALLER, WRITEOFF_READERS,
	  .status = 200, .response = "{\"$ref\":\"#/components/schemas/ReceiptWriteoff\"}",
	  .summary = "票据核销表：逐号的开具、作废情况，未用号段，合计", .handler = writeoff_json },
	{ "GET", "/api/v1/receipt-books/{id}/write-off.xlsx", ACCESS_CALLER, WRITEOFF_READERS,
	  .status = 200, .response = BINARY("xlsx 文件"), .summary = "票据核销表（xlsx）",
	  .handler = writeoff_xlsx },
	{ "GET", "/api/v1/receipts/{id}", ACCESS_CALLER, RECEIPT_READERS, .status = 200,
	  .response = "{\"$ref\":\"#/components/schemas/Receipt\"}",
	  .summary = "票据（缴款人姓名已遮蔽）", .handler = get_receipt },
	{ "GET", "/api/v1/receipts/{id}/pdf", ACCESS_CALLER, RECEIPT_READERS, .status = 200,
	  .response = BINARY("PDF 文件（application/pdf）"),
	  .summary = "打印票据（PDF，含验真二维码）", .handler = receipt_pdf_get },
	{ "GET", "/api/v1/public/receipts/{token}", ACCESS_PUBLIC, .status = 200,
	  .response = "{\"$ref\":\"#/components/schemas/ReceiptVerification\"}",
	  .summary = "票据验真（公开，按来源地址限制频率；不含个人信息）", .handler = public_json },
	{ "GET", "/r/{token}", ACCESS_PUBLIC, .status = 200,
	  .response = BINARY("中文网页（text/html）"),
	  .summary = "票据验真页（票据二维码指向这里；公开，按来源地址限制频率）",
	  .handler = public_page },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "ReceiptBook",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"kind\",\"kind_title\",\"series\",\"first_no\",\"last_no\","
	  "\"next_no\",\"received_on\",\"received_by\",\"clerk_account_id\",\"clerk_name\","
	  "\"handed_at\",\"state\",\"state_title\",\"written_off_at\",\"created_at\",\"issued\","
	  "\"voided\",\"unused\",\"first_text\"],\"properties\":{"
	  "\"id\":" INTEGER ","
	  "\"kind\":{\"enum\":[\"paper\",\"electronic\"]},"
	  "\"kind_title\":" STRING ","
	  "\"series\":" STRING ","
	  "\"first_no\":" INTEGER ","
	  "\"last_no\":" NULL_INT ","
	  "\"next_no\":{\"type\":\"integer\",\"description\":\"下一个要用的号码\"},"
	  "\"received_on\":" STRING ","
	  "\"received_by\":" STRING ","
	  "\"clerk_account_id\":" NULL_INT ","
	  "\"clerk_name\":" NULL_STR ","
	  "\"handed_at\":" NULL_STR ","
	  "\"state\":{\"enum\":[\"stock\",\"open\",\"used_up\",\"written_off\"]},"
	  "\"state_title\":" STRING ","
	  "\"written_off_at\":" NULL_STR ","
	  "\"created_at\":" STRING ","
	  "\"issued\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"已开具（有效）张数\"},"
	  "\"voided\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"unused\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,"
	  "\"description\":\"未用号码数；电子票据序列为 null\"},"
	  "\"first_text\":" STRING "}}" },
	{ "ReceiptClerk",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"username\",\"display_name\",\"role\",\"role_title\"],"
	  "\"properties\":{"
	  "\"id\":{\"type\":\"integer\",\"description\":\"账号编号（发放时的 account_id）\"},"
	  "\"username\":" STRING ","
	  "\"display_name\":" STRING ","
	  "\"role\":{\"enum\":[\"operator_staff\",\"finance\"]},"
	  "\"role_title\":" STRING "}}" },
	{ "Receipt",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"number\",\"number_text\",\"series\",\"book_id\",\"book_kind\","
	  "\"state\",\"state_title\",\"amount_fen\",\"amount_words\",\"channel\","
	  "\"channel_title\",\"payment_id\",\"household_id\",\"payer\",\"organisation\","
	  "\"clerk\",\"issued_at\",\"issued_date\",\"issued_by\",\"voided_at\",\"void_reason\","
	  "\"token\"],\"properties\":{"
	  "\"id\":" INTEGER ","
	  "\"number\":" INTEGER ","
	  "\"number_text\":{\"type\":\"string\",\"description\":\"字轨-号码，如 A2026-00000123\"},"
	  "\"series\":" STRING ","
	  "\"book_id\":" INTEGER ","
	  "\"book_kind\":{\"enum\":[\"paper\",\"electronic\"]},"
	  "\"state\":{\"enum\":[\"issued\",\"voided\"]},"
	  "\"state_title\":" STRING ","
	  "\"amount_fen\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"amount_words\":" STRING ","
	  "\"channel\":" STRING ","
	  "\"channel_title\":" STRING ","
	  "\"payment_id\":" INTEGER ","
	  "\"household_id\":" INTEGER ","
	  "\"payer\":{\"type\":\"string\",\"description\":\"户主姓名（已遮蔽）\"},"
	  "\"organisation\":" STRING ","
	  "\"clerk\":" NULL_STR ","
	  "\"issued_at\":" STRING ","
	  "\"issued_date\":" STRING ","
	  "\"issued_by\":" STRING ","
	  "\"voided_at\":" NULL_STR ","
	  "\"void_reason\":" NULL_STR ","
	  "\"token\":{\"type\":\"string\",\"description\":\"验真地址 /r/{token} 的令牌\"}}}" },
	{ "ReceiptWriteoffLine",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"number\",\"number_text\",\"state\",\"state_title\",\"payment_id\","
	  "\"amount_fen\",\"household_id\",\"issued_at\",\"void_reason\"],\"properties\":{"
	  "\"number\":" INTEGER ","
	  "\"number_to\":{\"type\":\"integer\",\"description\":\"未用号段的终止号\"},"
	  "\"count\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"未用号段的张数\"},"
	  "\"number_text\":" STRING ","
	  "\"state\":{\"enum\":[\"issued\",\"voided\",\"unused\"]},"
	  "\"state_title\":" STRING ","
	  "\"payment_id\":" NULL_INT ","
	  "\"amount_fen\":" NULL_INT ","
	  "\"household_id\":" NULL_INT ","
	  "\"issued_at\":" NULL_STR ","
	  "\"void_reason\":" NULL_STR "}}" },
	{ "ReceiptWriteoff",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"book\",\"lines\",\"totals\"],\"properties\":{"
	  "\"book\":" BOOK_REF ","
	  "\"lines\":{\"type\":\"array\","
	  "\"items\":{\"$ref\":\"#/components/schemas/ReceiptWriteoffLine\"}},"
	  "\"totals\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"issued\",\"issued_fen\",\"voided\",\"voided_fen\",\"unused\"],"
	  "\"properties\":{"
	  "\"issued\":" INTEGER ","
	  "\"issued_fen\":" INTEGER ","
	  "\"voided\":" INTEGER ","
	  "\"voided_fen\":" INTEGER ","
	  "\"unused\":" INTEGER "}}}}" },
	{ "ReceiptVerification",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"number\",\"amount_fen\",\"amount_words\",\"issued_date\","
	  "\"organisation\",\"state\",\"state_title\"],\"properties\":{"
	  "\"number\":{\"type\":\"string\",\"description\":\"票据号\"},"
	  "\"amount_fen\":" INTEGER ","
	  "\"amount_words\":{\"type\":\"string\",\"description\":\"人民币大写\"},"
	  "\"issued_date\":{\"type\":\"string\",\"format\":\"date\"},"
	  "\"organisation\":{\"type\":\"string\",\"description\":\"收款单位\"},"
	  "\"state\":{\"enum\":[\"issued\",\"voided\"]},"
	  "\"state_title\":{\"enum\":[\"有效\",\"已作废\"]}}}" },
	{ NULL },
};

const struct api_module api_receipt = { "receipts", routes, schemas };
