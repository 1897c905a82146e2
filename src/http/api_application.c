/*
 * Applications over HTTP (tenancy/application.h): the inbox by stage, the
 * detail with the eligibility explanation and the actions the caller may
 * take, the stage transitions, the bureau's decision (a two-person request:
 * 202 with the approval), publicity and objections.  Two public routes need
 * no credentials: the publicity notice (masked names only) and an objection
 * to an application in publicity; both are limited per client address.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "approval/approval.h"
#include "audit/audit.h"
#include "core/date.h"
#include "http/public.h"
#include "http/router.h"
#include "tenancy/application.h"

#define OPERATORS (ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who reads applications: the bureau, the operator's people, the assessor. */
#define READERS (OPERATORS | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_ASSESSOR))
/* Who acts for the household at the counter (and the tenant itself). */
#define COUNTER (OPERATORS | ROLE_BIT(ROLE_TENANT))
/* The bureau decides; the operator's roles reach the route and are told
 * "bureau_only" by the domain (建保〔2018〕92号). */
#define DECIDERS  (OPERATORS | ROLE_BIT(ROLE_BUREAU))
#define OBJECTORS (OPERATORS | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_INSPECTOR))

/* Public look-ups of the notice per client address and minute, and public
 * objections per client address and hour. */
#define PUBLIC_READS_PER_MINUTE    30
#define PUBLIC_OBJECTIONS_PER_HOUR 5

static const struct field create_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX, .desc = "申请家庭" },
	{ "category", F_STRING, false, 1, 32, .desc = "保障类别（默认为家庭的类别）" },
	{ "note", F_STRING, false, 0, 500, .desc = "受理备注" },
	{ NULL },
};

static const struct field review_body[] = {
	{ "pass", F_BOOL, true, .desc = "true：初审通过；false：退回补正" },
	{ "reason", F_STRING, false, 0, 500, .desc = "意见（退回时必填）" },
	{ NULL },
};

static const struct field decide_body[] = {
	{ "grant", F_BOOL, true, .desc = "true：核准（进入公示）；false：不予核准" },
	{ "reason", F_STRING, true, 2, 500, .desc = "审核意见（审批人可见，记入审计）" },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 2, 500, .desc = "理由" },
	{ NULL },
};

static const struct field objection_body[] = {
	{ "objector", F_STRING, false, 0, 64, .desc = "异议人姓名（可空：匿名）" },
	{ "contact", F_STRING, false, 0, 64, .desc = "联系方式（加密保存）" },
	{ "content", F_STRING, true, 2, 1000, .desc = "异议内容" },
	{ NULL },
};

static const struct field public_objection_body[] = {
	{ "application_id", F_INT, true, 1, INT64_MAX, .desc = "公示中的申请编号" },
	{ "objector", F_STRING, false, 0, 64, .desc = "异议人姓名（可空：匿名）" },
	{ "contact", F_STRING, false, 0, 64, .desc = "联系方式（加密保存）" },
	{ "content", F_STRING, true, 2, 1000, .desc = "异议内容" },
	{ NULL },
};

static const struct field resolve_body[] = {
	{ "upheld", F_BOOL, true, .desc = "true：异议成立（申请不予核准）；false：异议不成立" },
	{ "resolution", F_STRING, true, 2, 500, .desc = "处理意见" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "state", F_ENUM, false, .enums = application_states },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "category", F_STRING, false, 1, 32 },
	{ "q", F_STRING, false, 1, 64, .desc = "身份证号、电话、姓名（前缀）或申请编号" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field counts_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ NULL },
};

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
app_id(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "application_not_found", "没有这个申请", e);
}

/* Answers with the application as the caller now sees it. */
static int
reply_app(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = application_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
create(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	rc = application_create(r->db, r->caller, &who, member_int(r->json, "household_id", 0),
				member_str(r->json, "category"), member_str(r->json, "note"), &id,
				e);
	return rc != 0 ? rc : reply_app(r, 201, id, e);
}

static int
list(struct req *r, struct anju_err *e)
{
	struct application_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.community_id = req_query_id(r, "community_id");
	f.category = req_query(r, "category");
	f.q = req_query(r, "q");
	if ((rc = application_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
counts(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = application_counts(r->db, r->caller, req_query_id(r, "community_id"), &out, e)) !=
	    0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
get_one(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	return reply_app(r, 200, id, e);
}

static int
submit(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = application_submit(r->db, r->caller, &who, id, e)) != 0)
		return rc;
	return reply_app(r, 200, id, e);
}

static int
first_review(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = application_first_review(r->db, r->caller, &who, id,
				      json_is_true(json_object_get(r->json, "pass")),
				      member_str(r->json, "reason"), e);
	return rc != 0 ? rc : reply_app(r, 200, id, e);
}

static int
decide(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *ap = NULL, *app = NULL;
	int64_t id, approval = 0;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = application_decide(r->db, r->caller, &who, id,
				     json_is_true(json_object_get(r->json, "grant")),
				     member_str(r->json, "reason"), &approval, e)) != 0 ||
	    (rc = approval_get(r->db, r->caller, approval, &ap, e)) != 0)
		return rc;
	if ((rc = application_get(r->db, r->caller, id, &app, e)) != 0) {
		json_decref(ap);
		return rc;
	}
	reply_json(r, 202, json_pack("{s:o, s:o}", "approval", ap, "application", app));
	return 0;
}

static int
withdraw(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = application_withdraw(r->db, r->caller, &who, id, member_str(r->json, "reason"), e);
	return rc != 0 ? rc : reply_app(r, 200, id, e);
}

static int
close_publicity(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = application_close_publicity(r->db, r->caller, &who, id, e)) != 0)
		return rc;
	return reply_app(r, 200, id, e);
}

static int
eligibility(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0 ||
	    (rc = application_eligibility(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* The application's audit rows, newest first: who moved it, when, why.
 * Seen by whoever may see the application (the audit trail itself is the
 * auditor's). */
static int
history(struct req *r, struct anju_err *e)
{
	struct audit_filter f = { .object_type = "application", .limit = 200 };
	json_t *app = NULL, *items = NULL;
	int64_t id, next = 0;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0 ||
	    (rc = application_get(r->db, r->caller, id, &app, e)) != 0)
		return rc;
	json_decref(app);
	f.object_id = r->params[0];
	if ((rc = audit_list(r->db, &f, &items, &next, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
add_objection(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, objection = 0;
	int rc;

	if ((rc = app_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = objection_add(r->db, r->caller, &who, id, member_str(r->json, "objector"),
			   member_str(r->json, "contact"), member_str(r->json, "content"),
			   &objection, e);
	return rc != 0 ? rc : reply_app(r, 201, id, e);
}

static int
resolve(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "objection_not_found", "没有这件异议", e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = objection_resolve(r->db, r->caller, &who, id,
			       json_is_true(json_object_get(r->json, "upheld")),
			       member_str(r->json, "resolution"), &out, e);
	if (rc != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
publicity(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = publicity_list(r->db, r->caller, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/*
 * The public routes: counted per client address in memory (per server
 * process: http/public.h).
 */
static struct rate_limit reads = RATE_LIMIT(60, PUBLIC_READS_PER_MINUTE);
static struct rate_limit objections = RATE_LIMIT(3600, PUBLIC_OBJECTIONS_PER_HOUR);

static int
public_publicity(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if (!rate_allow(&reads, r->client)) {
		req_add_header(r, "Retry-After", "60");
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "查询过于频繁，请一分钟后再试");
	}
	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = publicity_public(r->db, after, limit, &items, &next, e)) != 0)
		return rc;
	req_add_header(r, "Cache-Control", "no-store");
	reply_page(r, items, next);
	return 0;
}

static int
public_objection(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	if (!rate_allow(&objections, r->client)) {
		req_add_header(r, "Retry-After", "3600");
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "提交过于频繁，请一小时后再试，或到受理窗口当面反映");
	}
	access_actor(r, &who);
	rc = objection_add(r->db, NULL, &who, member_int(r->json, "application_id", 0),
			   member_str(r->json, "objector"), member_str(r->json, "contact"),
			   member_str(r->json, "content"), &id, e);
	if (rc != 0)
		return rc;
	reply_json(r, 201,
		   json_pack("{s:b, s:I, s:s}", "received", 1, "objection_id", (json_int_t)id,
			     "message", "异议已收到，住房保障部门将在公示期内核实处理"));
	return 0;
}

#define STR      "{\"type\":\"string\"}"
#define INT      "{\"type\":\"integer\"}"
#define NULL_STR "{\"type\":[\"string\",\"null\"]}"
#define NULL_INT "{\"type\":[\"integer\",\"null\"]}"
#define OBJ_NULL "{\"type\":[\"object\",\"null\"]}"

#define SUMMARY_PROPS                                                                                  \
	"\"id\":" INT ",\"household_id\":" INT ",\"community_id\":" INT ","                            \
	"\"community_name\":" STR ",\"category\":" STR ",\"category_name\":" STR ","                   \
	"\"state\":{\"enum\":[\"draft\",\"submitted\",\"returned\",\"first_reviewed\","                \
	"\"deciding\",\"publicity\",\"approved\",\"allocated\",\"housed\",\"rejected\","               \
	"\"withdrawn\"]},\"state_title\":" STR ",\"state_at\":" STR ","                                \
	"\"days_in_state\":" INT ",\"note\":" STR ","                                                  \
	"\"head_name\":{\"type\":\"string\",\"description\":\"户主姓名（遮蔽，如 张*）\"}," \
	"\"head_id_number\":{\"type\":\"string\",\"description\":\"户主身份证号（遮蔽）\"}," \
	"\"submitted_at\":" NULL_STR ",\"publicity_from\":" NULL_STR ","                               \
	"\"publicity_until\":" NULL_STR ",\"approved_at\":" NULL_STR ",\"queue_at\":" NULL_STR ","     \
	"\"decision\":{\"enum\":[\"grant\",\"refuse\",null]},\"created_at\":" STR ","                  \
	"\"updated_at\":" STR ",\"refusals\":" INT
#define SUMMARY_REQUIRED                                                                           \
	"\"id\",\"household_id\",\"community_id\",\"community_name\",\"category\","                \
	"\"category_name\",\"state\",\"state_title\",\"state_at\",\"days_in_state\","              \
	"\"head_name\",\"head_id_number\",\"submitted_at\",\"publicity_until\",\"created_at\""

static const struct api_schema schemas[] = {
	{ "ApplicationSummary",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" SUMMARY_REQUIRED
	  "],\"properties\":{" SUMMARY_PROPS "}}" },
	{ "Objection",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"objector\","
	  "\"contact\",\"content\",\"state\",\"resolution\",\"created_at\",\"public\"],"
	  "\"properties\":{\"id\":" INT ",\"objector\":" STR ","
	  "\"contact\":{\"type\":[\"string\",\"null\"],\"description\":\"联系方式（遮蔽）\"},"
	  "\"content\":" STR ",\"state\":{\"enum\":[\"open\",\"upheld\",\"dismissed\"]},"
	  "\"resolution\":" NULL_STR ",\"created_at\":" STR ",\"public\":{\"type\":\"boolean\"},"
	  "\"resolved_at\":" NULL_STR ",\"resolved_by\":" NULL_STR "}}" },
	{ "Application",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" SUMMARY_REQUIRED
	  ",\"facts\",\"eligible\",\"eligibility\",\"crosscheck\",\"objections\","
	  "\"open_objections\",\"approval\",\"documents\",\"allowed_actions\"],"
	  "\"properties\":{" SUMMARY_PROPS ","
	  "\"facts\":{\"type\":[\"object\",\"null\"],\"description\":"
	  "\"提交时的家庭情况（身份证号遮蔽）\"},"
	  "\"eligible\":{\"type\":[\"boolean\",\"null\"]},"
	  "\"rule_version\":" NULL_INT ",\"policy_version\":" NULL_INT ","
	  "\"eligibility\":{\"type\":[\"object\",\"null\"],\"description\":"
	  "\"准入条件逐条说明（未决定时为实时结果，决定后为当时的记录）\"},"
	  "\"eligibility_live\":{\"type\":\"boolean\"},"
	  "\"eligibility_error\":" STR ","
	  "\"crosscheck\":{\"type\":[\"object\",\"null\"],\"description\":\"联审比对的冲突\"},"
	  "\"decision_reason\":" NULL_STR ",\"first_reviewed_at\":" NULL_STR ","
	  "\"first_reviewed_by\":" NULL_STR ",\"decided_at\":" NULL_STR ","
	  "\"decided_by\":" NULL_STR ",\"returned_reason\":" NULL_STR ","
	  "\"rejected_reason\":" NULL_STR ",\"withdrawn_reason\":" NULL_STR ","
	  "\"created_by\":" NULL_STR ","
	  "\"objections\":{\"type\":\"array\",\"items\":"
	  "{\"$ref\":\"#/components/schemas/Objection\"}},"
	  "\"open_objections\":" INT ",\"publicity_days_left\":" INT ","
	  "\"approval\":{\"oneOf\":[{\"type\":\"null\"},"
	  "{\"$ref\":\"#/components/schemas/Approval\"}]},"
	  "\"documents\":{\"type\":\"array\",\"items\":"
	  "{\"$ref\":\"#/components/schemas/Attachment\"}},"
	  "\"allowed_actions\":{\"type\":\"array\",\"items\":{\"enum\":[\"submit\","
	  "\"first_review\",\"decide\",\"add_objection\",\"resolve_objection\","
	  "\"close_publicity\",\"upload_documents\",\"withdraw\"]}}}}" },
	{ "PublicityEntry",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" SUMMARY_REQUIRED
	  ",\"open_objections\",\"objections\",\"days_left\"],\"properties\":{" SUMMARY_PROPS
	  ",\"open_objections\":" INT ",\"objections\":" INT ",\"days_left\":" INT "}}" },
	{ "PublicityNotice",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"application_id\","
	  "\"head_name\",\"category_name\",\"community_name\",\"publicity_from\","
	  "\"publicity_until\"],\"properties\":{\"application_id\":" INT ","
	  "\"head_name\":{\"type\":\"string\",\"description\":\"户主姓名（遮蔽，如 张*）\"},"
	  "\"category_name\":" STR ",\"community_name\":" STR ",\"publicity_from\":" STR ","
	  "\"publicity_until\":" STR "}}" },
	{ NULL, NULL },
};

#define APP_REF "{\"$ref\":\"#/components/schemas/Application\"}"
#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"items\",\"next\"],"   \
	"\"properties\":{\"items\":{\"type\":\"array\",\"items\":" ref "},\"next\":" NULL_STR "}}"

/* Literal segments before templated ones. */
static const struct route routes[] = {
	{ "POST", "/api/v1/applications", ACCESS_CALLER, COUNTER, .body = create_body,
	  .status = 201, .response = APP_REF, .summary = "受理申请（草稿）", .handler = create },
	{ "GET", "/api/v1/applications", ACCESS_CALLER, READERS, .query = list_query,
	  .flags = ROUTE_SENSITIVE_QUERY, .status = 200,
	  .response = PAGE_OF("{\"$ref\":\"#/components/schemas/ApplicationSummary\"}"),
	  .summary = "申请列表（按阶段、小区、类别筛选，可按身份证号、电话、姓名查找）",
	  .handler = list },
	{ "GET", "/api/v1/applications/counts", ACCESS_CALLER, READERS, .query = counts_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"description\":\"各状态的申请数\","
		      "\"additionalProperties\":{\"type\":\"integer\"}}",
	  .summary = "各阶段申请数（收件箱标签）", .handler = counts },
	{ "GET", "/api/v1/applications/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = APP_REF,
	  .summary = "申请详情：家庭情况、资格说明、联审冲突、异议、审批、材料与可做的操作",
	  .handler = get_one },
	{ "POST", "/api/v1/applications/{id}/submit", ACCESS_CALLER, COUNTER, .status = 200,
	  .response = APP_REF, .summary = "提交申请（草稿或退回补正后）", .handler = submit },
	{ "POST", "/api/v1/applications/{id}/first-review", ACCESS_CALLER, OPERATORS,
	  .body = review_body, .status = 200, .response = APP_REF,
	  .summary = "初审：通过或退回补正（运营单位）", .handler = first_review },
	{ "POST", "/api/v1/applications/{id}/decide", ACCESS_CALLER, DECIDERS, .body = decide_body,
	  .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"approval\",\"application\"],"
		      "\"properties\":{\"approval\":{\"$ref\":\"#/components/schemas/Approval\"},"
		      "\"application\":" APP_REF "}}",
	  .summary = "复审：提出核准或不予核准（住房保障部门，需另一人审批）", .handler = decide },
	{ "POST", "/api/v1/applications/{id}/withdraw", ACCESS_CALLER, COUNTER, .body = reason_body,
	  .status = 200, .response = APP_REF, .summary = "撤回申请（核准轮候前）",
	  .handler = withdraw },
	{ "POST", "/api/v1/applications/{id}/close-publicity", ACCESS_CALLER, DECIDERS,
	  .status = 200, .response = APP_REF,
	  .summary = "公示期满且无未处理异议时结束公示，核准轮候（住房保障部门）",
	  .handler = close_publicity },
	{ "GET", "/api/v1/applications/{id}/eligibility", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"eligible\",\"rules\",\"banned\"],"
		      "\"properties\":{\"application_id\":" INT ",\"eligible\":{\"type\":"
		      "\"boolean\"},\"rule_version\":" NULL_INT ",\"banned\":{\"type\":"
		      "\"boolean\"},\"ban_until\":" NULL_STR ",\"rules\":{\"type\":\"array\","
		      "\"items\":{\"type\":\"object\",\"required\":[\"rule\",\"passed\",\"text\"],"
		      "\"properties\":{\"rule\":" STR ",\"passed\":{\"type\":\"boolean\"},"
		      "\"text\":" STR "}}}}}",
	  .summary = "逐条说明该申请家庭今天是否符合准入条件", .handler = eligibility },
	{ "GET", "/api/v1/applications/{id}/history", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"maxItems\":200,\"items\":"
		      "{\"$ref\":\"#/components/schemas/AuditEntry\"}}}}",
	  .summary = "申请的办理记录（审计，新在前，至多 200 条）", .handler = history },
	{ "POST", "/api/v1/applications/{id}/objections", ACCESS_CALLER, OBJECTORS,
	  .body = objection_body, .status = 201, .response = APP_REF, .summary = "登记公示异议",
	  .handler = add_objection },
	{ "POST", "/api/v1/objections/{id}/resolve", ACCESS_CALLER, DECIDERS, .body = resolve_body,
	  .status = 200, .response = APP_REF,
	  .summary = "处理公示异议：成立（不予核准）或不成立（住房保障部门）", .handler = resolve },
	{ "GET", "/api/v1/publicity", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_OF("{\"$ref\":\"#/components/schemas/PublicityEntry\"}"),
	  .summary = "公示中的申请（剩余天数、异议数）", .handler = publicity },
	{ "GET", "/api/v1/public/publicity", ACCESS_PUBLIC, .query = page_query, .status = 200,
	  .response = PAGE_OF("{\"$ref\":\"#/components/schemas/PublicityNotice\"}"),
	  .summary = "公示名单（公开，按来源地址限制频率；仅遮蔽的户主姓名，不含证件号）",
	  .handler = public_publicity },
	{ "POST", "/api/v1/public/objections", ACCESS_PUBLIC, .body = public_objection_body,
	  .status = 201,
	  .response = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":"
		      "[\"received\",\"objection_id\",\"message\"],\"properties\":{"
		      "\"received\":{\"type\":\"boolean\"},\"objection_id\":" INT ","
		      "\"message\":" STR "}}",
	  .summary = "对公示中的申请提出异议（公开，按来源地址限制频率）",
	  .handler = public_objection },
	{ NULL },
};

const struct api_module api_application = { "applications", routes, schemas };
