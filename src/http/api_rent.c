/*
 * Rent standards, quotes and billing runs over HTTP (rent/billing.h, part A
 * of the rent module).  The bureau edits standards (the others who read
 * them reach the route and hear "bureau_only" from the domain); finance and
 * the operator's managers start billing runs, which run as jobs whose
 * progress the run carries.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/mem.h"
#include "http/router.h"
#include "rent/billing.h"
#include "store/db.h"

/* Who reads standards and quotes. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_ASSESSOR))
/* Who bills. */
#define BILLERS (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
/* Who reads billing runs. */
#define RUN_READERS (BILLERS | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_ASSESSOR))

static const char *const modes[] = { "per_m2", "fixed", NULL };
static const char *const roundings[] = { "half_up", "half_even", "down", "up",
					 "floor",   "ceiling",   NULL };
static const char *const reduction_kinds[] = { "category", "special_group", "income_tier", NULL };

static const struct field reduction_fields[] = {
	{ "code", F_STRING, true, 1, 40, .desc = "减免代码（小写字母、数字、下划线）" },
	{ "name", F_STRING, true, 1, 60, .desc = "名称，如 低保家庭减半" },
	{ "kind", F_ENUM, true, .enums = reduction_kinds,
	  .desc = "依据：category 家庭类别 / special_group 特殊群体 / income_tier 收入档次" },
	{ "match", F_STRING, false, 1, 40, .desc = "家庭类别或特殊群体的代码" },
	{ "income_max_fen", F_INT, false, 1, RENT_INCOME_MAX_FEN,
	  .desc = "收入档次：人均月收入上限（分）" },
	{ "share_ppm", F_INT, true, 1, RENT_PPM, .desc = "应缴比例（百万分数，500000 即 50%）" },
	{ NULL },
};
static const struct field reduction_item = { "reduction", F_OBJECT, true,
					     .fields = reduction_fields };

static const struct field create_body[] = {
	{ "community_id", F_INT, true, 1, INT64_MAX, .desc = "小区" },
	{ "layout", F_STRING, true, 1, 30, .desc = "户型（与房屋登记一致；* 为全部户型）" },
	{ "effective_from", F_DATE, true, .desc = "生效日期（今天或以后）" },
	{ "mode", F_ENUM, true, .enums = modes, .desc = "per_m2 按建筑面积 / fixed 固定月租" },
	{ "price_fen_m2", F_INT, false, 1, RENT_PRICE_MAX_FEN, .desc = "每平方米月租金（分）" },
	{ "fixed_fen", F_INT, false, 1, RENT_FIXED_MAX_FEN, .desc = "固定月租金（分）" },
	{ "rounding", F_ENUM, false, .enums = roundings,
	  .desc = "舍入规则（默认 half_up 四舍五入）" },
	{ "due_day", F_INT, false, 1, 28, .desc = "每月缴租日（默认 5 日）" },
	{ "reductions", F_ARRAY, false, 0, RENT_REDUCTIONS_MAX, .items = &reduction_item,
	  .desc = "减免" },
	{ "note", F_STRING, false, 0, 200, .desc = "说明" },
	{ "replaces_id", F_INT, false, 1, INT64_MAX, .desc = "更正的尚未生效的标准" },
	{ NULL },
};

static const struct field withdraw_body[] = {
	{ "reason", F_STRING, true, 2, 200, .desc = "撤回理由" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "layout", F_STRING, false, 1, 30 },
	{ "include_withdrawn", F_BOOL, false, .desc = "包括已撤回的版本" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field quote_query[] = {
	{ "unit_id", F_INT, true, 1, INT64_MAX, .desc = "房屋" },
	{ "household_id", F_INT, false, 1, INT64_MAX, .desc = "家庭（减免按家庭计算）" },
	{ "on", F_DATE, false, .desc = "日期（默认今天）" },
	{ NULL },
};

static const struct field chain_item = { "chain_id", F_INT, true, 1, INT64_MAX };

static const struct field run_body[] = {
	{ "period", F_PERIOD, true, .desc = "计租月份（本月或下月；以前的月份须指明合同链）" },
	{ "chain_ids", F_ARRAY, false, 1, BILL_CHAINS_MAX, .items = &chain_item,
	  .desc = "只为这些合同链补计" },
	{ NULL },
};

static const struct field runs_query[] = {
	{ "period", F_PERIOD, false },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field preview_query[] = {
	{ "chain_id", F_INT, true, 1, INT64_MAX, .desc = "合同链" },
	{ "period", F_PERIOD, true, .desc = "计租月份" },
	{ NULL },
};

/*
 * Standards and quotes.
 */

static int
list_standards(struct req *r, struct anju_err *e)
{
	struct rent_standard_filter f = { 0 };
	const char *w = req_query(r, "include_withdrawn");
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.community_id = req_query_id(r, "community_id");
	f.layout = req_query(r, "layout");
	f.include_withdrawn = w != NULL && strcmp(w, "true") == 0;
	if ((rc = rent_standard_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_standard(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "rent_standard_not_found", NULL,
				 "没有这个租金标准");
	if ((rc = rent_standard_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
create_standard(struct req *r, struct anju_err *e)
{
	struct rent_standard_in in = {
		.community_id = member_int(r->json, "community_id", 0),
		.layout = json_string_value(json_object_get(r->json, "layout")),
		.effective_from = json_string_value(json_object_get(r->json, "effective_from")),
		.mode = json_string_value(json_object_get(r->json, "mode")),
		.price_fen_m2 = member_int(r->json, "price_fen_m2", 0),
		.fixed_fen = member_int(r->json, "fixed_fen", 0),
		.rounding = json_string_value(json_object_get(r->json, "rounding")),
		.due_day = (int)member_int(r->json, "due_day", 0),
		.reductions = json_object_get(r->json, "reductions"),
		.note = json_string_value(json_object_get(r->json, "note")),
		.replaces_id = member_int(r->json, "replaces_id", 0),
	};
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = rent_standard_create(r->db, r->caller, &in, &who, &id, e)) != 0 ||
	    (rc = rent_standard_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
withdraw_standard(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "rent_standard_not_found", NULL,
				 "没有这个租金标准");
	access_actor(r, &who);
	if ((rc = rent_standard_withdraw(r->db, r->caller, id,
					 json_string_value(json_object_get(r->json, "reason")),
					 &who, e)) != 0 ||
	    (rc = rent_standard_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
quote(struct req *r, struct anju_err *e)
{
	struct rent_quote q;
	int rc;

	rc = rent_quote_for(r->db, r->caller, req_query_id(r, "unit_id"),
			    req_query_id(r, "household_id"), req_query(r, "on"), &q, e);
	if (rc == ANJU_ENOTFOUND && strcmp(e->key, "rent_standard_missing") == 0) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		return anju_fail(e, ANJU_EUNPROCESSABLE, "rent_standard_missing", "unit_id", "%s",
				 msg);
	}
	if (rc != 0)
		return rc;
	reply_json(r, 200, rent_quote_json(&q));
	return 0;
}

/*
 * Billing runs.
 */

static int
start_run(struct req *r, struct anju_err *e)
{
	json_t *ids = json_object_get(r->json, "chain_ids"), *it, *run = NULL, *job;
	int64_t chains[BILL_CHAINS_MAX], run_id = 0, job_id = 0;
	struct audit_actor who;
	size_t i;
	int n = 0, rc;

	json_array_foreach (ids, i, it)
		if (n < BILL_CHAINS_MAX)
			chains[n++] = json_integer_value(it);
	access_actor(r, &who);
	if ((rc = bill_start(r->db, r->caller,
			     json_string_value(json_object_get(r->json, "period")), chains, n, &who,
			     &run_id, &job_id, e)) != 0 ||
	    (rc = bill_run_get(r->db, run_id, &run, e)) != 0)
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
	    (rc = bill_run_list(r->db, req_query(r, "period"), before, limit, &items, &next, e)) !=
		    0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_run(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "billing_run_not_found", NULL, "没有这次计租");
	if ((rc = bill_run_get(r->db, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
preview(struct req *r, struct anju_err *e)
{
	int64_t chain = req_query_id(r, "chain_id");
	json_t *lines = NULL;
	int rc;

	if ((rc = bill_chain_visible(r->db, r->caller, chain, e)) != 0 ||
	    (rc = bill_chain_preview(r->db, chain, req_query(r, "period"), &lines, e)) != 0)
		return rc;
	reply_json(r, 200,
		   json_pack("{s:I, s:s, s:o}", "chain_id", (json_int_t)chain, "period",
			     req_query(r, "period"), "lines", lines));
	return 0;
}

#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" ref "},"                                        \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define STANDARD_REF "{\"$ref\":\"#/components/schemas/RentStandard\"}"
#define RUN_REF      "{\"$ref\":\"#/components/schemas/BillingRun\"}"
#define LINE_REF     "{\"$ref\":\"#/components/schemas/RentLinePreview\"}"
#define JOB_REF      "{\"$ref\":\"#/components/schemas/Job\"}"
#define INT          "{\"type\":\"integer\"}"
#define STR          "{\"type\":\"string\"}"
#define NULL_INT     "{\"type\":[\"integer\",\"null\"]}"
#define NULL_STR     "{\"type\":[\"string\",\"null\"]}"

static const struct api_schema schemas[] = {
	{ "RentStandard",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\","
	  "\"community_id\",\"community_name\",\"layout\",\"effective_from\",\"mode\","
	  "\"price_fen_m2\",\"fixed_fen\",\"rounding\",\"due_day\",\"reductions\",\"note\","
	  "\"state\",\"status\",\"in_force\",\"next_from\",\"replaces_id\",\"created_by\","
	  "\"created_at\",\"withdrawn_at\",\"withdraw_reason\"],\"properties\":{"
	  "\"id\":" INT ",\"community_id\":" INT ",\"community_name\":" STR ",\"layout\":" STR
	  ",\"effective_from\":" STR ",\"mode\":{\"enum\":[\"per_m2\",\"fixed\"]},"
	  "\"price_fen_m2\":" INT ",\"fixed_fen\":" INT ",\"rounding\":" STR ",\"due_day\":" INT
	  ",\"reductions\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"code\",\"name\",\"kind\",\"share_ppm\"],\"properties\":{"
	  "\"code\":" STR ",\"name\":" STR ",\"kind\":{\"enum\":[\"category\",\"special_group\","
	  "\"income_tier\"]},\"match\":" STR ",\"income_max_fen\":" INT ",\"share_ppm\":" INT
	  "}}},\"note\":" STR ",\"state\":{\"enum\":[\"active\",\"withdrawn\"]},"
	  "\"status\":{\"enum\":[\"future\",\"in_force\",\"superseded\",\"withdrawn\"]},"
	  "\"in_force\":{\"type\":\"boolean\"},\"next_from\":" NULL_STR ",\"replaces_id\":" NULL_INT
	  ",\"created_by\":" STR ",\"created_at\":" STR ",\"withdrawn_at\":" NULL_STR
	  ",\"withdraw_reason\":" NULL_STR "}}" },
	{ "RentQuote",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"standard_id\","
	  "\"area_centi\",\"price_fen_m2\",\"fixed_fen\",\"base_fen\",\"share_ppm\",\"reduction\","
	  "\"rounding\",\"monthly_fen\"],\"properties\":{\"standard_id\":" INT
	  ",\"area_centi\":" INT ",\"price_fen_m2\":" INT ",\"fixed_fen\":" INT ",\"base_fen\":" INT
	  ",\"share_ppm\":" INT ",\"reduction\":" STR ",\"rounding\":" STR ",\"monthly_fen\":" INT
	  "}}" },
	{ "BillingRun",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"job_id\","
	  "\"period\",\"chains\",\"state\",\"chains_seen\",\"chains_total\",\"charges\","
	  "\"total_fen\",\"skipped\",\"started_at\",\"finished_at\",\"created_by\",\"error\","
	  "\"job\"],\"properties\":{\"id\":" INT ",\"job_id\":" NULL_INT ",\"period\":" STR
	  ",\"chains\":{\"type\":[\"array\",\"null\"],\"items\":" INT "},"
	  "\"state\":{\"enum\":[\"running\",\"done\",\"failed\"]},\"chains_seen\":" INT
	  ",\"chains_total\":" INT ",\"charges\":" INT ",\"total_fen\":" INT ",\"skipped\":" INT
	  ",\"started_at\":" STR ",\"finished_at\":" NULL_STR ",\"created_by\":" STR
	  ",\"error\":" NULL_STR ",\"job\":{\"oneOf\":[" JOB_REF ",{\"type\":\"null\"}]}}}" },
	{ "RentLinePreview",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"chain_id\","
	  "\"lease_id\",\"household_id\",\"unit_id\",\"kind\",\"amount_fen\",\"due_on\","
	  "\"days_billed\",\"days_in_month\",\"monthly_fen\",\"area_centi\",\"price_fen_m2\","
	  "\"share_ppm\",\"reduction\",\"rounding\",\"standard_id\",\"segments\"],"
	  "\"properties\":{\"chain_id\":" INT ",\"lease_id\":" INT ",\"household_id\":" INT
	  ",\"unit_id\":" INT
	  ",\"kind\":{\"enum\":[\"rent\",\"overstay_rent\"]},\"amount_fen\":" INT ",\"due_on\":" STR
	  ",\"days_billed\":" INT ",\"days_in_month\":" INT ",\"monthly_fen\":" INT
	  ",\"area_centi\":" INT ",\"price_fen_m2\":" INT ",\"share_ppm\":" INT
	  ",\"reduction\":" STR ",\"rounding\":" STR ",\"standard_id\":" NULL_INT
	  ",\"segments\":{\"type\":[\"array\",\"object\",\"null\"]}}}" },
	{ NULL, NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/rent-standards", ACCESS_CALLER, READERS, .query = list_query,
	  .status = 200, .response = PAGE_OF(STANDARD_REF),
	  .summary = "租金标准（各小区、户型的各个版本，新的在前）", .handler = list_standards },
	{ "POST", "/api/v1/rent-standards", ACCESS_CALLER, READERS, .body = create_body,
	  .status = 201, .response = STANDARD_REF,
	  .summary = "制定租金标准的新版本（仅住房保障部门）", .handler = create_standard },
	{ "GET", "/api/v1/rent-standards/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = STANDARD_REF, .summary = "一个租金标准版本", .handler = get_standard },
	{ "POST", "/api/v1/rent-standards/{id}/withdraw", ACCESS_CALLER, READERS,
	  .body = withdraw_body, .status = 200, .response = STANDARD_REF,
	  .summary = "撤回尚未生效的租金标准（仅住房保障部门）", .handler = withdraw_standard },
	{ "GET", "/api/v1/rent-quote", ACCESS_CALLER, READERS, .query = quote_query, .status = 200,
	  .response = "{\"$ref\":\"#/components/schemas/RentQuote\"}",
	  .summary = "按租金标准试算月租金（含家庭减免）", .handler = quote },
	{ "POST", "/api/v1/billing-runs", ACCESS_CALLER, BILLERS, .body = run_body, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"run\",\"job\"],\"properties\":{"
		      "\"run\":" RUN_REF ",\"job\":{\"oneOf\":[" JOB_REF ",{\"type\":\"null\"}]}}}",
	  .summary = "开始计租（后台任务，可查看进度）", .handler = start_run },
	{ "GET", "/api/v1/billing-runs", ACCESS_CALLER, RUN_READERS, .query = runs_query,
	  .status = 200, .response = PAGE_OF(RUN_REF), .summary = "计租批次（新的在前）",
	  .handler = list_runs },
	{ "GET", "/api/v1/billing-runs/{id}", ACCESS_CALLER, RUN_READERS, .status = 200,
	  .response = RUN_REF, .summary = "一次计租：进度、笔数与金额", .handler = get_run },
	{ "GET", "/api/v1/rent-preview", ACCESS_CALLER, RUN_READERS, .query = preview_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"chain_id\",\"period\",\"lines\"],"
		      "\"properties\":{\"chain_id\":" INT ",\"period\":" STR ",\"lines\":"
		      "{\"type\":\"array\",\"items\":" LINE_REF "}}}",
	  .summary = "试算一条合同链某月的租金（不入账）", .handler = preview },
	{ NULL },
};

const struct api_module api_rent = { "rent", routes, schemas };
