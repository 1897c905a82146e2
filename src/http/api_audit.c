/*
 * The audit trail over HTTP, for the auditor only (三权分立: admin and
 * security can neither read nor verify it): a filtered list, newest first,
 * and a verification of the chain.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "http/router.h"

static const struct field list_query[] = {
	{ "actor", F_STRING, false, 1, 200, .desc = "操作者，如 account:12、apikey:3、system" },
	{ "action", F_STRING, false, 1, 200,
	  .desc = "操作，如 account.create；以 * 结尾按前缀匹配，如 session.*" },
	{ "object_type", F_STRING, false, 1, 100, .desc = "对象类型，如 account" },
	{ "object_id", F_STRING, false, 1, 200,
	  .desc = "对象编号（需同时给出 object_type 才能用上索引）" },
	{ "from", F_STRING, false, 1, 40, .desc = "起始时刻（含），UTC，如 2026-11-28T00:00:00Z" },
	{ "to", F_STRING, false, 1, 40, .desc = "截止时刻（不含），UTC" },
	{ "limit", F_INT, false, 1, 200, .desc = "每页条数（默认 50）" },
	{ "cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next" },
	{ NULL },
};

static const struct field verify_query[] = {
	{ "expect_head", F_STRING, false, 66, 100,
	  .desc = "先前由 anju audit head 打印并另行保存的一行 \"ID MAC\"，用于发现尾部被截断" },
	{ NULL },
};

static int
list_audit(struct req *r, struct anju_err *e)
{
	struct audit_filter f = {
		.actor = req_query(r, "actor"),
		.action = req_query(r, "action"),
		.object_type = req_query(r, "object_type"),
		.object_id = req_query(r, "object_id"),
		.from = req_query(r, "from"),
		.to = req_query(r, "to"),
	};
	int64_t next = 0;
	json_t *items = NULL;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.before_id, e)) != 0)
		return rc;
	if ((rc = audit_list(r->db, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* A broken chain is a finding, not a failed request: 200 with intact false. */
static int
verify_audit(struct req *r, struct anju_err *e)
{
	int64_t rows = 0, bad_id = 0;
	char why[512];
	int rc;

	rc = audit_verify(r->db, req_query(r, "expect_head"), &rows, &bad_id, why, sizeof(why),
			  NULL, NULL, e);
	if (rc != 0 && bad_id == 0)
		return rc;
	anju_err_clear(e);
	reply_json(r, 200,
		   json_pack("{s:b, s:I, s:o, s:o}", "intact", bad_id == 0, "rows",
			     (json_int_t)rows, "bad_id",
			     bad_id ? json_integer(bad_id) : json_null(), "reason",
			     bad_id ? json_string(why) : json_null()));
	return 0;
}

#define AUDITOR ROLE_BIT(ROLE_AUDITOR)

static const struct route routes[] = {
	{ "GET", "/api/v1/audit", ACCESS_CALLER, .roles = AUDITOR, .query = list_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],"
		      "\"additionalProperties\":false,\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":"
		      "{\"$ref\":\"#/components/schemas/AuditEntry\"}},"
		      "\"next\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "审计日志（新的在前，仅审计员）", .handler = list_audit },
	{ "GET", "/api/v1/audit/verify", ACCESS_CALLER, .roles = AUDITOR, .query = verify_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"intact\",\"rows\",\"bad_id\","
		      "\"reason\"],\"additionalProperties\":false,\"properties\":{"
		      "\"intact\":{\"type\":\"boolean\"},"
		      "\"rows\":{\"type\":\"integer\",\"minimum\":0},"
		      "\"bad_id\":{\"type\":[\"integer\",\"null\"],\"minimum\":1},"
		      "\"reason\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "校验审计链（仅审计员）", .handler = verify_audit },
	{ NULL },
};

#define TEXT_OR_NULL "{\"type\":[\"string\",\"null\"]}"

static const struct api_schema schemas[] = {
	{ "AuditEntry",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"at\",\"actor\",\"actor_name\",\"actor_role\",\"client\","
	  "\"request_id\",\"action\",\"object_type\",\"object_id\",\"before\",\"after\","
	  "\"mac\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"at\":{\"$ref\":\"#/components/schemas/Instant\"},"
	  "\"actor\":{\"type\":\"string\"},"
	  "\"actor_name\":" TEXT_OR_NULL ",\"actor_role\":" TEXT_OR_NULL ",\"client\":" TEXT_OR_NULL
	  ",\"request_id\":" TEXT_OR_NULL ",\"action\":{\"type\":\"string\"},"
	  "\"object_type\":" TEXT_OR_NULL ",\"object_id\":" TEXT_OR_NULL ","
	  "\"before\":{\"description\":\"变更前（只含变更的字段；个人信息已脱敏或为密文）\"},"
	  "\"after\":{\"description\":\"变更后\"},"
	  "\"mac\":{\"type\":\"string\",\"description\":\"HMAC-SM3，64 位十六进制\"}}}" },
	{ NULL },
};

const struct api_module api_audit = { "audit", routes, schemas };
