/*
 * Tenancy rules, eligibility, department datasets, cross-checks and bans
 * over HTTP (tenancy/eligibility.h): the policy and rule versions (the
 * bureau adds them), a household's eligibility explained and its
 * cross-check, the import of a department's CSV as a job, the datasets'
 * versions and refused rows, and the art. 36 bans.
 */
#include <string.h>

#include "access/auth.h"
#include "household/household.h"
#include "http/router.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

/* Every business role but tenants reads rules and explanations. */
#define READERS (ROLES_SCOPED & ~ROLE_BIT(ROLE_TENANT))
/* Those who handle applications; only the bureau decides (the domain
 * answers the others 403 bureau_only). */
#define HANDLERS                                                                                   \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
#define IMPORTERS (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER))

static const char *const kinds[] = { "policy", "eligibility", NULL };
static const char *const source_names[] = { "property",  "vehicle",    "business",
					    "insurance", "assistance", NULL };
static const char *const encodings[] = { "auto", "utf8", "gb18030", NULL };

static const struct field page_fields[] = {
	{ "limit", F_INT, false, 1, 200, .desc = "每页条数（默认 50）" },
	{ "cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next" },
	{ NULL },
};

static const struct field rule_list_query[] = {
	{ "kind", F_ENUM, false, .enums = kinds },
	{ "category", F_STRING, false, 0, 32, .desc = "家庭类别代码；政策为空" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field rule_current_query[] = {
	{ "kind", F_ENUM, true, .enums = kinds },
	{ "category", F_STRING, false, 0, 32 },
	{ "on", F_DATE, false, .desc = "日期（默认今天）" },
	{ NULL },
};

static const struct field on_query[] = {
	{ "on", F_DATE, false, .desc = "日期（默认今天）" },
	{ NULL },
};

static const struct field rule_body[] = {
	{ "kind", F_ENUM, true, .enums = kinds, .desc = "policy：政策；eligibility：资格标准" },
	{ "category", F_STRING, false, 0, 32, .desc = "资格标准的家庭类别代码" },
	{ "effective_from", F_DATE, true, .desc = "生效日期：今天或以后" },
	{ "body", F_OBJECT, true,
	  .desc = "规则内容（各项见 "
		  "docs/tenancy-eligibility.md；金额为分，面积为百分之一平方米）" },
	{ "note", F_STRING, false, 0, 500, .desc = "说明（如文件依据）" },
	{ NULL },
};

static const struct field ban_body[] = {
	{ "from_on", F_DATE, true, .desc = "禁止期起始日期" },
	{ "reason", F_STRING, true, 2, 500, .desc = "原因（如违规事实与处理决定）" },
	{ NULL },
};

static const struct field upload_query[] = {
	{ "source", F_ENUM, true, .enums = source_names, .desc = "数据来源" },
	{ "as_of", F_DATE, true, .desc = "数据截止日期" },
	{ "name", F_STRING, false, 0, 100, .desc = "名称（默认：来源与日期）" },
	{ "note", F_STRING, false, 0, 500 },
	{ "encoding", F_ENUM, false, .enums = encodings,
	  .desc = "文件编码：auto（默认，自动识别 UTF-8 或 GB18030）、utf8、gb18030" },
	{ NULL },
};

static const struct field dataset_list_query[] = {
	{ "source", F_ENUM, false, .enums = source_names },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
household_param(struct req *r, int64_t *id, struct anju_err *e)
{
	int64_t community;
	int rc;

	if ((rc = req_object_id(r, 0, id, "household_not_found", "没有这个家庭", e)) != 0)
		return rc;
	/* Outside the caller's scope the household does not exist. */
	return household_community(r->db, r->caller, *id, &community, e);
}

/* Rules. */

static int
get_policy(struct req *r, struct anju_err *e)
{
	struct tenancy_policy p;
	json_t *out, *groups = NULL;
	const char *on = req_query(r, "on");
	int rc;

	if ((rc = tenancy_policy_get(r->db, on, &p, e)) != 0 ||
	    (rc = tenancy_special_groups(r->db, on, &groups, e)) != 0)
		return rc;
	out = tenancy_policy_json(&p);
	json_object_set_new(out, "special_groups", groups);
	reply_json(r, 200, out);
	return 0;
}

static int
list_rules(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor = 0, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = tenancy_rule_list(r->db, req_query(r, "kind"), req_query(r, "category"), cursor,
				    limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
current_rule(struct req *r, struct anju_err *e)
{
	json_t *rule = NULL;
	const char *category = req_query(r, "category");
	int rc = tenancy_rule_get(r->db, req_query(r, "kind"), category ? category : "",
				  req_query(r, "on"), &rule, e);

	if (rc == 0)
		reply_json(r, 200, rule);
	return rc;
}

static int
add_rule(struct req *r, struct anju_err *e)
{
	struct tenancy_rule_in in = {
		.kind = member_str(r->json, "kind"),
		.category = member_str(r->json, "category"),
		.effective_from = member_str(r->json, "effective_from"),
		.body = json_object_get(r->json, "body"),
		.note = member_str(r->json, "note"),
	};
	struct audit_actor who;
	json_t *rule = NULL;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = tenancy_rule_add(r->db, r->caller, &who, &in, &id, e)) != 0 ||
	    (rc = tenancy_rule_get(r->db, in.kind, in.category ? in.category : "",
				   in.effective_from, &rule, e)) != 0)
		return rc;
	reply_json(r, 201, rule);
	return 0;
}

/* Households. */

static int
household_eligibility(struct req *r, struct anju_err *e)
{
	json_t *x = NULL;
	int64_t id, version = 0;
	bool eligible = false;
	int rc;

	if ((rc = household_param(r, &id, e)) != 0 ||
	    (rc = eligibility_evaluate(r->db, id, req_query(r, "on"), &eligible, &version, &x,
				       e)) != 0)
		return rc;
	reply_json(r, 200, x);
	return 0;
}

static int
household_crosscheck(struct req *r, struct anju_err *e)
{
	json_t *x = NULL;
	int64_t id;
	int n = 0, rc;

	if ((rc = household_param(r, &id, e)) != 0 ||
	    (rc = crosscheck_household(r->db, id, &x, &n, e)) != 0)
		return rc;
	reply_json(r, 200, x);
	return 0;
}

static int
household_bans(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id;
	int rc;

	if ((rc = household_param(r, &id, e)) != 0 ||
	    (rc = ban_list_household(r->db, id, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
add_ban(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t person, id = 0;
	json_t *out;
	int rc;

	if ((rc = req_object_id(r, 0, &person, "person_not_found", "没有这个人员", e)) != 0 ||
	    (rc = household_person_visible(r->db, r->caller, person, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = ban_record(r->db, r->caller, &who, person, member_str(r->json, "from_on"),
			member_str(r->json, "reason"), &id, e);
	if (rc != 0)
		return rc;
	out = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)id, "person_id",
			(json_int_t)person, "from_on", member_str(r->json, "from_on"), "reason",
			member_str(r->json, "reason"));
	/* The end date the policy gave it. */
	{
		struct db_stmt *st;

		rc = db_prepare(r->db, "SELECT until_on FROM application_ban WHERE id = ?", &st);
		if (rc != 0) {
			json_decref(out);
			return db_fail(r->db, rc, e);
		}
		db_bind_int64(st, 1, id);
		if (db_step(st) == DB_ROW)
			json_object_set_new(out, "until_on", json_string(db_col_text(st, 0)));
		db_reset(st);
	}
	reply_json(r, 201, out);
	return 0;
}

/* Datasets. */

/* The content types a CSV file arrives with (Windows browsers call a .csv
 * application/vnd.ms-excel); a charset parameter is ignored: the encoding is
 * the query's, or told from the bytes. */
static const char *const csv_types[] = { "text/csv",
					 "application/csv",
					 "text/plain",
					 "application/vnd.ms-excel",
					 "application/octet-stream",
					 NULL };

static int
upload_dataset(struct req *r, struct anju_err *e)
{
	struct dataset_in in = {
		.as_of = req_query(r, "as_of"),
		.name = req_query(r, "name"),
		.note = req_query(r, "note"),
		.encoding = req_query(r, "encoding"),
	};
	struct audit_actor who;
	json_t *d = NULL;
	int64_t id = 0, job = 0;
	int rc;

	if (dataset_source_parse(req_query(r, "source"), &in.source) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source", "没有这种数据来源");
	if (r->body.n >= 4 && memcmp(r->body.p, "PK\x03\x04", 4) == 0)
		return anju_fail(e, ANJU_EMEDIATYPE, "xlsx_not_csv", NULL,
				 "这是 Excel 文件：请另存为 CSV（UTF-8 或 GB18030）后上传");
	if (!req_content_type_in(r, csv_types))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "请求内容应为 CSV 文件（Content-Type: text/csv）");
	access_actor(r, &who);
	if ((rc = dataset_import_create(r->db, r->caller, &who, &in, r->body.p, r->body.n, &id,
					&job, e)) != 0 ||
	    (rc = dataset_get(r->db, id, &d, e)) != 0)
		return rc;
	reply_json(r, 202, d);
	return 0;
}

static int
list_datasets(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor = 0, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = dataset_list(r->db, req_query(r, "source"), cursor, limit, &items, &next, e)) !=
		    0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
dataset_param(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "dataset_not_found", "没有这批数据", e);
}

static int
get_dataset(struct req *r, struct anju_err *e)
{
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = dataset_param(r, &id, e)) != 0 || (rc = dataset_get(r->db, id, &d, e)) != 0)
		return rc;
	reply_json(r, 200, d);
	return 0;
}

static int
dataset_error_page(struct req *r, struct anju_err *e)
{
	json_t *items = NULL, *d = NULL;
	int64_t id, cursor = 0, next = 0;
	int limit, rc;

	if ((rc = dataset_param(r, &id, e)) != 0 || (rc = dataset_get(r->db, id, &d, e)) != 0 ||
	    (rc = req_page(r, &limit, &cursor, e)) != 0)
		goto out;
	if ((rc = dataset_errors(r->db, id, cursor, limit, &items, &next, e)) != 0)
		goto out;
	reply_page(r, items, next);
	json_object_set(r->out, "total", json_object_get(d, "error_rows"));
out:
	json_decref(d);
	return rc;
}

#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define ITEMS(ref)                                                                                 \
	"{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"       \
	"\"array\",\"items\":" ref "}}}"
#define PAGE(ref)                                                                                  \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{\"items\":{"       \
	"\"type\":\"array\",\"items\":" ref "},\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define INT  "{\"type\":\"integer\"}"
#define STR  "{\"type\":\"string\"}"
#define BOOL "{\"type\":\"boolean\"}"

static const struct route routes[] = {
	{ "GET", "/api/v1/tenancy-policy", ACCESS_CALLER, READERS, .query = on_query, .status = 200,
	  .response = REF("TenancyPolicy"),
	  .summary = "某日生效的政策（公示天数、合同期限、禁止申请年限、特殊群体等）",
	  .handler = get_policy },
	{ "GET", "/api/v1/tenancy-rules", ACCESS_CALLER, READERS, .query = rule_list_query,
	  .status = 200, .response = PAGE(REF("TenancyRule")),
	  .summary = "政策与资格标准的各个版本（新的在前）", .handler = list_rules },
	{ "GET", "/api/v1/tenancy-rules/current", ACCESS_CALLER, READERS,
	  .query = rule_current_query, .status = 200, .response = REF("TenancyRule"),
	  .summary = "某日生效的政策或某类家庭的资格标准", .handler = current_rule },
	{ "POST", "/api/v1/tenancy-rules", ACCESS_CALLER, HANDLERS, .body = rule_body,
	  .status = 201, .response = REF("TenancyRule"),
	  .summary = "新增政策或资格标准的版本（仅住房保障主管部门；生效日期不早于今天）",
	  .handler = add_rule },
	{ "GET", "/api/v1/households/{id}/eligibility", ACCESS_CALLER, READERS, .query = on_query,
	  .status = 200, .response = REF("Eligibility"),
	  .summary = "家庭的资格审核：逐条说明是否符合标准", .handler = household_eligibility },
	{ "GET", "/api/v1/households/{id}/crosscheck", ACCESS_CALLER, HANDLERS, .status = 200,
	  .response = REF("Crosscheck"),
	  .summary = "联审比对：家庭成员在各部门最新数据中的记录与冲突",
	  .handler = household_crosscheck },
	{ "GET", "/api/v1/households/{id}/bans", ACCESS_CALLER, READERS, .status = 200,
	  .response = ITEMS(REF("ApplicationBan")), .summary = "家庭成员的禁止申请记录",
	  .handler = household_bans },
	{ "POST", "/api/v1/persons/{id}/bans", ACCESS_CALLER, HANDLERS, .body = ban_body,
	  .status = 201, .response = REF("ApplicationBan"),
	  .summary = "记录禁止申请（第三十六条；仅住房保障主管部门）", .handler = add_ban },
	{ "POST", "/api/v1/datasets", ACCESS_CALLER, IMPORTERS, DATASET_MAX_INPUT,
	  .query = upload_query, .flags = ROUTE_RAW_BODY, .status = 202, .response = REF("Dataset"),
	  .summary =
		  "导入部门数据：请求内容是 CSV 文件（UTF-8 或 GB18030），返回这批数据及其导入进度",
	  .handler = upload_dataset },
	{ "GET", "/api/v1/datasets", ACCESS_CALLER, IMPORTERS, .query = dataset_list_query,
	  .status = 200, .response = PAGE(REF("Dataset")),
	  .summary = "部门数据的各批次（新的在前）", .handler = list_datasets },
	{ "GET", "/api/v1/datasets/{id}", ACCESS_CALLER, IMPORTERS, .status = 200,
	  .response = REF("Dataset"), .summary = "一批部门数据：状态、进度、前若干条错误行",
	  .handler = get_dataset },
	{ "GET", "/api/v1/datasets/{id}/errors", ACCESS_CALLER, IMPORTERS, .query = page_fields,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\",\"total\"],"
		      "\"properties\":{\"items\":{\"type\":\"array\",\"items\":" REF(
			      "DatasetError") "},\"next\":{\"type\":[\"string\",\"null\"]},"
					      "\"total\":" INT "}}",
	  .summary = "一批部门数据中被拒绝的行（行号、列、原因）", .handler = dataset_error_page },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "TenancyRule",
	  "{\"type\":\"object\",\"required\":[\"id\",\"kind\",\"category\",\"effective_from\","
	  "\"body\",\"note\",\"created_by\",\"created_at\"],\"properties\":{\"id\":" INT ","
	  "\"kind\":{\"enum\":[\"policy\",\"eligibility\"]},\"category\":" STR ","
	  "\"effective_from\":" STR ",\"body\":{\"type\":\"object\"},\"note\":" STR ","
	  "\"created_by\":" STR ",\"created_at\":" STR ",\"in_force\":" BOOL ",\"upcoming\":" BOOL
	  "}}" },
	{ "TenancyPolicy",
	  "{\"type\":\"object\",\"required\":[\"version\",\"publicity_days\",\"max_wait_months\","
	  "\"wait_warning_months\",\"refusal_limit\",\"choice_window_hours\","
	  "\"offer_response_days\",\"lease_max_months\",\"filing_days\","
	  "\"renewal_window_months\",\"vacate_days\",\"market_rent_fen_m2\",\"ban_years\","
	  "\"special_groups\"],\"properties\":{\"version\":" INT ",\"special_groups\":{\"type\":"
	  "\"array\",\"items\":{\"type\":\"object\",\"required\":[\"code\",\"name\",\"priority\"],"
	  "\"properties\":{\"code\":" STR ",\"name\":" STR ",\"priority\":" INT "}}}}}" },
	{ "EligibilityRule",
	  "{\"type\":\"object\",\"required\":[\"rule\",\"passed\",\"limit\",\"actual\",\"text\"],"
	  "\"properties\":{\"rule\":" STR ",\"passed\":" BOOL ",\"text\":" STR ","
	  "\"limit\":{\"description\":\"标准：金额为分、面积为百分之一平方米、月数或是否\"},"
	  "\"actual\":{\"description\":\"本户的实际值，单位同上\"}}}" },
	{ "ApplicationBan",
	  "{\"type\":\"object\",\"required\":[\"id\",\"person_id\",\"from_on\",\"reason\"],"
	  "\"properties\":{\"id\":" INT ",\"person_id\":" INT ",\"from_on\":" STR
	  ",\"until_on\":" STR ",\"source_type\":" STR ",\"source_id\":" INT ",\"reason\":" STR
	  ",\"member\":" STR ",\"created_at\":" STR "}}" },
	{ "Eligibility",
	  "{\"type\":\"object\",\"required\":[\"rule_version\",\"category\",\"category_name\","
	  "\"on\",\"eligible\",\"members\",\"rules\",\"bans\",\"datasets\"],\"properties\":{"
	  "\"rule_version\":" INT ",\"category\":" STR ",\"category_name\":" STR ",\"on\":" STR
	  ",\"eligible\":" BOOL ",\"members\":" INT ",\"monthly_income_fen\":" INT
	  ",\"assets_fen\":" INT ",\"housing_area_centi\":" INT ",\"local_hukou\":" BOOL
	  ",\"insurance_months\":" INT ",\"rules\":{\"type\":\"array\",\"items\":" REF(
		  "EligibilityRule") "},\"bans\":{\"type\":\"array\",\"items\":" REF("ApplicationBa"
										     "n") "},"
											  "\"datase"
											  "ts\":{"
											  "\"type\""
											  ":\"array"
											  "\"}}}" },
	{ "Crosscheck",
	  "{\"type\":\"object\",\"required\":[\"checked_at\",\"household_id\",\"rule_version\","
	  "\"datasets\",\"conflicts\",\"facts\"],\"properties\":{\"checked_at\":" STR
	  ",\"household_id\":" INT ",\"category\":" STR ",\"rule_version\":{\"type\":[\"integer\","
	  "\"null\"]},\"datasets\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"source\",\"id\",\"as_of\"],\"properties\":{\"source\":" STR
	  ",\"id\":" INT ",\"as_of\":" STR
	  "}}},\"conflicts\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"source\",\"person_id\",\"member\",\"rule\",\"text\",\"detail\"],"
	  "\"properties\":{\"source\":" STR ",\"person_id\":{\"type\":[\"integer\",\"null\"]},"
	  "\"member\":" STR ",\"rule\":" STR ",\"text\":" STR
	  ",\"detail\":{\"type\":\"object\"}}}},"
	  "\"facts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"source\","
	  "\"person_id\",\"member\",\"text\"]}}}}" },
	{ "Dataset",
	  "{\"type\":\"object\",\"required\":[\"id\",\"source\",\"source_name\",\"as_of\",\"name\","
	  "\"note\",\"encoding\",\"state\",\"rows\",\"error_rows\",\"size\",\"job_id\","
	  "\"created_by\",\"created_at\",\"finished_at\"],\"properties\":{\"id\":" INT
	  ",\"source\":{\"enum\":[\"property\",\"vehicle\",\"business\",\"insurance\","
	  "\"assistance\"]},\"source_name\":" STR ",\"as_of\":" STR ",\"name\":" STR
	  ",\"note\":" STR ",\"encoding\":" STR
	  ",\"state\":{\"enum\":[\"importing\",\"active\",\"superseded\","
	  "\"failed\"]},\"rows\":" INT ",\"error_rows\":" INT ",\"size\":" INT
	  ",\"job_id\":{\"type\":[\"integer\",\"null\"]},\"created_by\":" STR ",\"created_at\":" STR
	  ",\"finished_at\":{\"type\":[\"string\",\"null\"]},\"error\":" STR
	  ",\"progress\":{\"type\":\"object\"},\"errors\":{\"type\":\"array\",\"items\":" REF(
		  "DatasetError") "},\"errors_next\":{\"type\":[\"string\",\"null\"]}}}" },
	{ "DatasetError",
	  "{\"type\":\"object\",\"required\":[\"row\",\"column\",\"reason\"],"
	  "\"properties\":{\"row\":" INT ",\"column\":" STR ",\"reason\":" STR "}}" },
	{ NULL },
};

const struct api_module api_eligibility = { "tenancy-rules", routes, schemas };
