/*
 * Jobs over HTTP: start one, follow its progress, list, cancel.
 */
#include <stdio.h>
#include <string.h>

#include "http/router.h"
#include "jobs/job.h"

static const char *const job_states[] = { "queued", "running",  "succeeded",
					  "failed", "canceled", NULL };

static const struct field list_query[] = {
	{ "limit", F_INT, false, 1, 200, .desc = "每页条数（默认 50）" },
	{ "cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next" },
	{ "state", F_ENUM, false, .enums = job_states },
	{ NULL },
};

static const struct field create_body[] = {
	{ "kind", F_STRING, true, 1, 64, .desc = "任务类型" },
	{ "params", F_OBJECT, false, .desc = "任务参数（按任务类型校验）" },
	{ NULL },
};

static int
list_jobs(struct req *r, struct anju_err *e)
{
	int64_t before = 0, next = 0;
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &before, e)) != 0)
		return rc;
	if ((rc = job_list(r->db, req_query(r, "state"), before, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_job(struct req *r, struct anju_err *e)
{
	int64_t id;
	json_t *j = NULL;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "job_not_found", NULL, "没有这个任务");
	if ((rc = job_get(r->db, id, &j, e)) != 0)
		return rc;
	reply_json(r, 200, j);
	return 0;
}

static int
create_job(struct req *r, struct anju_err *e)
{
	json_t *params = json_object_get(r->json, "params"), *empty = NULL;
	int64_t id = 0;
	json_t *j = NULL;
	int rc;

	if (!json_is_object(params))
		params = empty = json_object();
	rc = job_create(r->db, json_string_value(json_object_get(r->json, "kind")), params,
			r->caller->principal, &id, e);
	json_decref(empty);
	if (rc != 0)
		return rc;
	if ((rc = job_get(r->db, id, &j, e)) != 0)
		return rc;
	reply_json(r, 202, j);
	return 0;
}

static int
cancel_job(struct req *r, struct anju_err *e)
{
	int64_t id;
	json_t *j = NULL;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "job_not_found", NULL, "没有这个任务");
	if ((rc = job_cancel(r->db, id, e)) != 0)
		return rc;
	if ((rc = job_get(r->db, id, &j, e)) != 0)
		return rc;
	reply_json(r, 200, j);
	return 0;
}

#define JOB_REF "{\"$ref\":\"#/components/schemas/Job\"}"

static const struct route routes[] = {
	{ "GET", "/api/v1/jobs", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .query = list_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],"
		      "\"additionalProperties\":false,\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" JOB_REF "},"
		      "\"next\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "任务列表（新的在前）", .handler = list_jobs },
	{ "POST", "/api/v1/jobs", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .body = create_body,
	  .status = 202, .response = JOB_REF, .summary = "启动一个长任务", .handler = create_job },
	{ "GET", "/api/v1/jobs/{id}", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .status = 200,
	  .response = JOB_REF, .summary = "任务状态与进度", .handler = get_job },
	{ "POST", "/api/v1/jobs/{id}/cancel", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .status = 200,
	  .response = JOB_REF, .summary = "取消任务", .handler = cancel_job },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "Job",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"kind\",\"title\",\"state\",\"params\",\"progress\",\"result\","
	  "\"error\",\"cancel_requested\",\"created_by\",\"created_at\",\"started_at\","
	  "\"finished_at\",\"attempts\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\",\"minimum\":1},\"kind\":{\"type\":\"string\"},"
	  "\"title\":{\"type\":\"string\"},"
	  "\"state\":{\"enum\":[\"queued\",\"running\",\"succeeded\",\"failed\",\"canceled\"]},"
	  "\"params\":{\"type\":\"object\"},"
	  "\"progress\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"done\",\"total\",\"percent\",\"note\"],\"properties\":{"
	  "\"done\":{\"type\":\"integer\",\"minimum\":0},\"total\":{\"type\":\"integer\","
	  "\"minimum\":0},"
	  "\"percent\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
	  "\"note\":{\"type\":\"string\"}}},"
	  "\"result\":{\"type\":[\"object\",\"null\"]},\"error\":{\"type\":[\"string\",\"null\"]},"
	  "\"cancel_requested\":{\"type\":\"boolean\"},\"created_by\":{\"type\":\"string\"},"
	  "\"created_at\":{\"$ref\":\"#/components/schemas/Instant\"},"
	  "\"started_at\":{\"oneOf\":[{\"$ref\":\"#/components/schemas/"
	  "Instant\"},{\"type\":\"null\"}]},"
	  "\"finished_at\":{\"oneOf\":[{\"$ref\":\"#/components/schemas/"
	  "Instant\"},{\"type\":\"null\"}]},"
	  "\"attempts\":{\"type\":\"integer\",\"minimum\":0}}}" },
	{ "Instant", "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]"
		     "{2}:[0-9]{2}"
		     "\\\\.[0-9]{6}Z$\"}" },
	{ NULL },
};

const struct api_module api_jobs = { "jobs", routes, schemas };
