/*
 * Approvals over HTTP: the inbox, and approve, reject, cancel.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "approval/approval.h"
#include "http/router.h"
#include "store/db.h"

static const char *const states[] = { "pending", "approved", "rejected", "canceled", NULL };

static const struct field list_query[] = {
	{ "state", F_ENUM, false, .enums = states },
	{ "mine", F_BOOL, false, .desc = "只列出我提出的申请" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field decide_body[] = {
	{ "note", F_STRING, false, 0, 500, .desc = "审批意见（驳回时必填）" },
	{ NULL },
};

static int
list(struct req *r, struct anju_err *e)
{
	const char *mine = req_query(r, "mine");
	int64_t before = 0, next = 0;
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &before, e)) != 0)
		return rc;
	rc = approval_list(r->db, r->caller, req_query(r, "state"),
			   mine != NULL && strcmp(mine, "true") == 0, before, limit, &items, &next,
			   e);
	if (rc != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_one(struct req *r, struct anju_err *e)
{
	json_t *a = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	if ((rc = approval_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 200, a);
	return 0;
}

static int
decide(struct req *r, bool approve, struct anju_err *e)
{
	struct audit_actor who;
	json_t *once = NULL, *a = NULL, *out;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	access_actor(r, &who);
	rc = approval_decide(r->db, r->caller, &who, id, approve,
			     json_string_value(json_object_get(r->json, "note")), &once, e);
	if (rc != 0)
		return rc;
	if ((rc = approval_get(r->db, r->caller, id, &a, e)) != 0) {
		json_decref(once);
		return rc;
	}
	out = json_pack("{s:o}", "approval", a);
	if (once != NULL)
		json_object_set_new(out, "result", once);
	reply_json(r, 200, out);
	return 0;
}

static int
approve(struct req *r, struct anju_err *e)
{
	return decide(r, true, e);
}

static int
reject(struct req *r, struct anju_err *e)
{
	return decide(r, false, e);
}

static int
cancel(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "approval_not_found", NULL, "没有这个审批");
	access_actor(r, &who);
	if ((rc = approval_cancel(r->db, r->caller, &who, id, e)) != 0)
		return rc;
	if ((rc = approval_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:o}", "approval", a));
	return 0;
}

#define APPROVAL_REF "{\"$ref\":\"#/components/schemas/Approval\"}"
#define DECIDED                                                                                    \
	"{\"type\":\"object\",\"required\":[\"approval\"],\"properties\":{"                        \
	"\"approval\":" APPROVAL_REF ",\"result\":{\"type\":\"object\"}}}"
/* Every role that may ask or decide anything; each kind checks its own. */
#define APPROVERS (ROLES_ANY & ~ROLE_BIT(ROLE_AUDITOR) & ~ROLE_BIT(ROLE_TENANT))

static const struct route routes[] = {
	{ "GET", "/api/v1/approvals", ACCESS_CALLER, APPROVERS, .query = list_query, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" APPROVAL_REF "},"
		      "\"next\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "审批：我提出的和待我处理的", .handler = list },
	{ "GET", "/api/v1/approvals/{id}", ACCESS_CALLER, APPROVERS, .status = 200,
	  .response = APPROVAL_REF, .summary = "审批详情", .handler = get_one },
	{ "POST", "/api/v1/approvals/{id}/approve", ACCESS_CALLER, APPROVERS, .body = decide_body,
	  .status = 200, .response = DECIDED, .summary = "批准（执行所申请的操作）",
	  .handler = approve },
	{ "POST", "/api/v1/approvals/{id}/reject", ACCESS_CALLER, APPROVERS, .body = decide_body,
	  .status = 200, .response = DECIDED, .summary = "驳回", .handler = reject },
	{ "POST", "/api/v1/approvals/{id}/cancel", ACCESS_CALLER, APPROVERS, .status = 200,
	  .response = DECIDED, .summary = "申请人撤回", .handler = cancel },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "Approval",
	  "{\"type\":\"object\",\"required\":[\"id\",\"kind\",\"title\",\"payload\",\"reason\","
	  "\"state\",\"requested_by\",\"requested_by_name\",\"requested_at\",\"can_decide\","
	  "\"can_cancel\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"kind\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
	  "\"state\":{\"enum\":[\"pending\",\"approved\",\"rejected\",\"canceled\"]},"
	  "\"can_decide\":{\"type\":\"boolean\"},\"can_cancel\":{\"type\":\"boolean\"}}}" },
	{ NULL },
};

const struct api_module api_approval = { "approvals", routes, schemas };
