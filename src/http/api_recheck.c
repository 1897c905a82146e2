/*
 * The recheck (动态复核), signals and evictions (清退) over HTTP
 * (tenancy/recheck.h).  The bureau and the operator's managers start a
 * run; only the bureau confirms or overturns a result and cancels or closes
 * an eviction (the operator's people reach those routes and get 403
 * "bureau_only" from the domain, which says why); the operator's people
 * record the notice's service and the day the household left.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access/auth.h"
#include "core/mem.h"
#include "http/router.h"
#include "store/db.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"

/* Who reads recheck results and evictions. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_ASSESSOR))
/* Who starts a run. */
#define STARTERS (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
/* Who reaches the decisions' routes: the bureau decides; the operator's
 * people are told why they may not. */
#define DECIDERS                                                                                   \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who records what happened on the ground. */
#define RECORDERS DECIDERS

static const char *const outcomes[] = { "eligible", "propose_exit", "investigate", NULL };
static const char *const decisions[] = { "pending", "confirmed", "overturned", NULL };

static const struct field start_body[] = {
	{ "as_of", F_DATE, false, .desc = "复核基准日（默认今天，不能晚于今天）" },
	{ NULL },
};

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field results_query[] = {
	{ "outcome", F_ENUM, false, .enums = outcomes, .desc = "复核结论" },
	{ "decision", F_ENUM, false, .enums = decisions, .desc = "处理情况" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field note_body[] = {
	{ "note", F_STRING, true, 2, 160, .desc = "处理意见（记入审计，确认时写入清退理由）" },
	{ NULL },
};

static const struct field evictions_query[] = {
	{ "state", F_ENUM, false, .enums = eviction_states, .desc = "状态（按今天计算）" },
	{ "overdue", F_BOOL, false, .desc = "只列出搬迁期满仍未腾退的" },
	{ "open", F_BOOL, false, .desc = "只列出进行中的" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field notice_body[] = {
	{ "served_on", F_DATE, true, .desc = "送达日期（不晚于今天）" },
	{ NULL },
};

static const struct field vacated_body[] = {
	{ "vacated_on", F_DATE, true, .desc = "腾退日期（不晚于今天）" },
	{ NULL },
};

static const struct field cancel_body[] = {
	{ "reason", F_STRING, true, 2, 160, .desc = "撤销理由" },
	{ NULL },
};

static const struct field close_body[] = {
	{ "note", F_STRING, false, 2, 160, .desc = "结案说明" },
	{ NULL },
};

static bool
query_true(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return v != NULL && strcmp(v, "true") == 0;
}

/*
 * Runs and results.
 */

static int
start(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *run = NULL, *job;
	int64_t run_id, job_id;
	int rc;

	access_actor(r, &who);
	if ((rc = recheck_start(r->db, &who, member_str(r->json, "as_of"), &run_id, &job_id, e)) !=
		    0 ||
	    (rc = recheck_run_get(r->db, run_id, &run, e)) != 0)
		return rc;
	job = json_incref(json_object_get(run, "job"));
	reply_json(r, 202, json_pack("{s:o, s:o}", "run", run, "job", job));
	return 0;
}

static int
list_runs(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t before = 0, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &before, e)) != 0 ||
	    (rc = recheck_run_list(r->db, before, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_run(struct req *r, struct anju_err *e)
{
	json_t *run = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "recheck_not_found", "没有这次复核", e)) != 0 ||
	    (rc = recheck_run_get(r->db, id, &run, e)) != 0)
		return rc;
	reply_json(r, 200, run);
	return 0;
}

static int
list_results(struct req *r, struct anju_err *e)
{
	struct recheck_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &f.run_id, "recheck_not_found", "没有这次复核", e)) != 0 ||
	    (rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.outcome = req_query(r, "outcome");
	f.decision = req_query(r, "decision");
	f.community_id = req_query_id(r, "community_id");
	if ((rc = recheck_result_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_result(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "recheck_result_not_found", "没有这条复核结果", e)) !=
		    0 ||
	    (rc = recheck_result_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
decide(struct req *r, bool confirm, struct anju_err *e)
{
	struct audit_actor who;
	json_t *result = NULL, *ev = NULL;
	int64_t id, eviction = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "recheck_result_not_found", "没有这条复核结果", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = recheck_result_decide(r->db, r->caller, &who, id, confirm,
					member_str(r->json, "note"), &eviction, e)) != 0 ||
	    (rc = recheck_result_get(r->db, r->caller, id, &result, e)) != 0)
		return rc;
	if (eviction != 0 && (rc = eviction_get(r->db, r->caller, eviction, &ev, e)) != 0) {
		json_decref(result);
		return rc;
	}
	reply_json(r, 200,
		   json_pack("{s:o, s:o}", "result", result, "eviction", ev ? ev : json_null()));
	return 0;
}

static int
confirm(struct req *r, struct anju_err *e)
{
	return decide(r, true, e);
}

static int
overturn(struct req *r, struct anju_err *e)
{
	return decide(r, false, e);
}

static int
household_signals(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "household_not_found", "没有这个家庭", e)) != 0 ||
	    (rc = tenancy_signal_list(r->db, r->caller, id, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

/*
 * Evictions.
 */

static int
list_evictions(struct req *r, struct anju_err *e)
{
	struct eviction_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.overdue = query_true(r, "overdue");
	f.open = query_true(r, "open");
	f.community_id = req_query_id(r, "community_id");
	f.household_id = req_query_id(r, "household_id");
	if ((rc = eviction_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_eviction(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "eviction_not_found", "没有这个清退案件", e)) != 0 ||
	    (rc = eviction_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

enum ev_action { EV_NOTICE, EV_VACATED, EV_CANCEL, EV_CLOSE };

static int
act(struct req *r, enum ev_action what, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "eviction_not_found", "没有这个清退案件", e)) != 0)
		return rc;
	access_actor(r, &who);
	switch (what) {
	case EV_NOTICE:
		rc = eviction_serve_notice(r->db, r->caller, &who, id,
					   member_str(r->json, "served_on"), e);
		break;
	case EV_VACATED:
		rc = eviction_vacated(r->db, r->caller, &who, id, member_str(r->json, "vacated_on"),
				      e);
		break;
	case EV_CANCEL:
		rc = eviction_cancel(r->db, r->caller, &who, id, member_str(r->json, "reason"), e);
		break;
	case EV_CLOSE:
		rc = eviction_close(r->db, r->caller, &who, id, member_str(r->json, "note"), e);
		break;
	}
	if (rc != 0 || (rc = eviction_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
notice(struct req *r, struct anju_err *e)
{
	return act(r, EV_NOTICE, e);
}

static int
vacated(struct req *r, struct anju_err *e)
{
	return act(r, EV_VACATED, e);
}

static int
cancel(struct req *r, struct anju_err *e)
{
	return act(r, EV_CANCEL, e);
}

static int
close_case(struct req *r, struct anju_err *e)
{
	return act(r, EV_CLOSE, e);
}

static int
notice_pdf(struct req *r, struct anju_err *e)
{
	int64_t id, size = 0;
	int fd = -1, rc;

	if ((rc = req_object_id(r, 0, &id, "eviction_not_found", "没有这个清退案件", e)) != 0 ||
	    (rc = eviction_notice_open(r->db, r->caller, id, &fd, &size, e)) != 0)
		return rc;
	reply_pdf(r, fd, size, arena_printf(r->arena, "eviction-notice-%lld.pdf", (long long)id));
	return 0;
}

#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" ref "},"                                        \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define RUN_REF      "{\"$ref\":\"#/components/schemas/RecheckRun\"}"
#define RESULT_REF   "{\"$ref\":\"#/components/schemas/RecheckResult\"}"
#define EVICTION_REF "{\"$ref\":\"#/components/schemas/Eviction\"}"
#define SIGNAL_REF   "{\"$ref\":\"#/components/schemas/TenancySignal\"}"
#define JOB_REF      "{\"$ref\":\"#/components/schemas/Job\"}"

static const struct api_schema schemas[] = {
	{ "RecheckRun",
	  "{\"type\":\"object\",\"required\":[\"id\",\"job_id\",\"as_of\",\"quarter\",\"state\","
	  "\"total\",\"eligible\",\"propose_exit\",\"investigate\",\"policy_version\","
	  "\"started_at\",\"finished_at\",\"created_by\",\"created_at\",\"job\"],"
	  "\"properties\":{\"id\":{\"type\":\"integer\"},\"job_id\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ","
	  "\"as_of\":{\"type\":\"string\"},\"quarter\":{\"type\":\"string\"},"
	  "\"state\":{\"enum\":[\"queued\",\"running\",\"finished\",\"failed\",\"canceled\"]},"
	  "\"total\":{\"type\":\"integer\"},\"eligible\":{\"type\":\"integer\"},"
	  "\"propose_exit\":{\"type\":\"integer\"},\"investigate\":{\"type\":\"integer\"},"
	  "\"policy_version\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ",\"started_at\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"finished_at\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ","
	  "\"created_by\":{\"type\":\"string\"},"
	  "\"created_at\":{\"type\":\"string\"},"
	  "\"job\":{\"oneOf\":[" JOB_REF ",{\"type\":\"null\"}]},"
	  "\"decisions\":{\"type\":\"object\","
	  "\"required\":[\"pending\",\"confirmed\","
	  "\"overturned\"]}}}" },
	{ "RecheckResult",
	  "{\"type\":\"object\",\"required\":[\"id\",\"run_id\",\"chain_id\",\"lease_id\","
	  "\"household_id\",\"unit_id\",\"community_id\",\"outcome\",\"reasons\","
	  "\"rule_version\",\"decision\",\"decided_by\",\"decided_at\",\"decision_note\","
	  "\"eviction_id\",\"created_at\",\"unit_number\",\"community_name\",\"head_name\","
	  "\"head_id_number\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"run_id\":{\"type\":\"integer\"},\"chain_id\":{\"type\":\"integer\"},"
	  "\"lease_id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"unit_id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"
	  "\"outcome\":{\"enum\":[\"eligible\",\"propose_exit\",\"investigate\"]},"
	  "\"reasons\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"code\",\"weight\",\"text\"],\"properties\":{"
	  "\"code\":{\"type\":\"string\"},\"weight\":{\"enum\":[\"exit\",\"investigate\"]},"
	  "\"text\":{\"type\":\"string\"}}}},\"rule_version\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ","
	  "\"decision\":{\"enum\":[\"pending\",\"confirmed\",\"overturned\",null]},"
	  "\"decided_by\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"decided_at\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"decision_note\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ","
	  "\"eviction_id\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ","
	  "\"created_at\":{\"type\":\"string\"},"
	  "\"unit_number\":{\"type\":\"string\"},"
	  "\"community_name\":{\"type\":\"string\"},"
	  "\"head_name\":{\"type\":\"string\"},"
	  "\"head_id_number\":{\"type\":\"string\"},"
	  "\"eligibility\":{\"type\":[\"object\","
	  "\"null\"]},\"crosscheck\":{\"type\":["
	  "\"object\",\"null\"]}}}" },
	{ "Eviction",
	  "{\"type\":\"object\",\"required\":[\"id\",\"chain_id\",\"lease_id\",\"household_id\","
	  "\"unit_id\",\"community_id\",\"community_name\",\"unit_number\",\"head_name\","
	  "\"head_id_number\",\"basis\",\"basis_id\",\"reason\",\"state\",\"state_title\","
	  "\"stored_state\",\"decided_at\",\"decided_on\",\"decided_by\",\"policy_version\","
	  "\"notice_served_on\",\"notice_pdf\",\"vacate_days\",\"vacate_by\",\"vacated_on\","
	  "\"handover_id\",\"overstay_from\",\"overstay_to\",\"cancel_reason\",\"ended_at\","
	  "\"updated_at\",\"days_left\",\"overdue_days\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\"},\"chain_id\":{\"type\":\"integer\"},"
	  "\"lease_id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"unit_id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"
	  "\"community_name\":{\"type\":\"string\"},\"unit_number\":{\"type\":\"string\"},"
	  "\"head_name\":{\"type\":\"string\"},\"head_id_number\":{\"type\":\"string\"},"
	  "\"basis\":{\"enum\":[\"recheck\",\"violation\",\"arrears\"]},"
	  "\"basis_id\":{\"type\":\"integer\"},\"reason\":{\"type\":\"string\"},"
	  "\"state\":{\"enum\":[\"decided\",\"notice_served\",\"vacating\",\"overdue\","
	  "\"vacated\",\"closed\",\"cancelled\"]},\"state_title\":{\"type\":\"string\"},"
	  "\"stored_state\":{\"type\":\"string\"},\"decided_at\":{\"type\":\"string\"},"
	  "\"decided_on\":{\"type\":\"string\"},\"decided_by\":{\"type\":[\"string\",\"null\"]},"
	  "\"policy_version\":{\"type\":\"integer\"},"
	  "\"notice_served_on\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"notice_pdf\":{\"type\":\"boolean\"},"
	  "\"vacate_days\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ",\"vacate_by\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"vacated_on\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ","
	  "\"handover_id\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ",\"overstay_from\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ","
	  "\"overstay_to\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"cancel_reason\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ","
	  "\"ended_at\":"
	  "{\"type\":[\"string\",\"null\"]}"
	  ",\"updated_at\":{\"type\":\"string\"},"
	  "\"days_left\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  ",\"overdue_days\":"
	  "{\"type\":[\"integer\",\"null\"]}"
	  "}}" },
	{ "TenancySignal",
	  "{\"type\":\"object\",\"required\":[\"id\",\"household_id\",\"source_type\","
	  "\"source_id\",\"summary\",\"raised_at\",\"updated_at\",\"open\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"source_type\":{\"type\":\"string\"},\"source_id\":{\"type\":\"integer\"},"
	  "\"summary\":{\"type\":\"string\"},\"raised_at\":{\"type\":\"string\"},"
	  "\"updated_at\":{\"type\":\"string\"},\"cleared_at\":{\"type\":[\"string\",\"null\"]},"
	  "\"cleared_by\":{\"type\":[\"string\",\"null\"]},\"open\":{\"type\":\"boolean\"}}}" },
	{ NULL, NULL },
};

#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"

static const struct route routes[] = {
	{ "POST", "/api/v1/rechecks", ACCESS_CALLER, STARTERS, .body = start_body, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"run\",\"job\"],\"properties\":{"
		      "\"run\":" RUN_REF ",\"job\":{\"oneOf\":[" JOB_REF ",{\"type\":\"null\"}]}}}",
	  .summary = "开始一次动态复核（在租家庭资格复查，后台任务）", .handler = start },
	{ "GET", "/api/v1/rechecks", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_OF(RUN_REF), .summary = "动态复核批次（新的在前）",
	  .handler = list_runs },
	{ "GET", "/api/v1/rechecks/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = RUN_REF, .summary = "一次复核：进度、结论统计与处理情况",
	  .handler = get_run },
	{ "GET", "/api/v1/rechecks/{id}/results", ACCESS_CALLER, READERS, .query = results_query,
	  .status = 200, .response = PAGE_OF(RESULT_REF),
	  .summary = "一次复核的逐户结论（按范围，姓名与证件号脱敏）", .handler = list_results },
	{ "GET", "/api/v1/recheck-results/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = RESULT_REF, .summary = "一户的复核结论，含资格说明与联审比对",
	  .handler = get_result },
	{ "POST", "/api/v1/recheck-results/{id}/confirm", ACCESS_CALLER, DECIDERS,
	  .body = note_body, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"result\",\"eviction\"],"
		      "\"properties\":{\"result\":" RESULT_REF
		      ",\"eviction\":{\"oneOf\":[" EVICTION_REF ",{\"type\":\"null\"}]}}}",
	  .summary = "住房保障部门确认复核结论（确认退出即启动清退）", .handler = confirm },
	{ "POST", "/api/v1/recheck-results/{id}/overturn", ACCESS_CALLER, DECIDERS,
	  .body = note_body, .status = 200,
	  .response =
		  "{\"type\":\"object\",\"required\":[\"result\",\"eviction\"],"
		  "\"properties\":{\"result\":" RESULT_REF ",\"eviction\":{\"type\":\"null\"}}}",
	  .summary = "住房保障部门否决复核结论（家庭继续承租）", .handler = overturn },
	{ "GET", "/api/v1/households/{id}/signals", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" SIGNAL_REF "}}}",
	  .summary = "家庭的欠租、违规等信号（未解除的在前）", .handler = household_signals },
	{ "GET", "/api/v1/evictions", ACCESS_CALLER, READERS, .query = evictions_query,
	  .status = 200, .response = PAGE_OF(EVICTION_REF),
	  .summary = "清退案件（搬迁期限、剩余或逾期天数）", .handler = list_evictions },
	{ "GET", "/api/v1/evictions/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = EVICTION_REF, .summary = "清退案件详情", .handler = get_eviction },
	{ "POST", "/api/v1/evictions/{id}/notice", ACCESS_CALLER, RECORDERS, .body = notice_body,
	  .status = 200, .response = EVICTION_REF,
	  .summary = "登记清退通知送达（生成清退通知书，起算搬迁期）", .handler = notice },
	{ "GET", "/api/v1/evictions/{id}/notice.pdf", ACCESS_CALLER, READERS, .status = 200,
	  .response = BINARY("PDF 文件（application/pdf）"), .summary = "清退通知书（PDF）",
	  .handler = notice_pdf },
	{ "POST", "/api/v1/evictions/{id}/vacated", ACCESS_CALLER, RECORDERS, .body = vacated_body,
	  .status = 200, .response = EVICTION_REF,
	  .summary = "登记已腾退（终止合同，开启退房交接）", .handler = vacated },
	{ "POST", "/api/v1/evictions/{id}/cancel", ACCESS_CALLER, DECIDERS, .body = cancel_body,
	  .status = 200, .response = EVICTION_REF, .summary = "住房保障部门撤销清退",
	  .handler = cancel },
	{ "POST", "/api/v1/evictions/{id}/close", ACCESS_CALLER, DECIDERS, .body = close_body,
	  .status = 200, .response = EVICTION_REF, .summary = "住房保障部门结案（退房交接完成后）",
	  .handler = close_case },
	{ NULL },
};

const struct api_module api_recheck = { "recheck", routes, schemas };
