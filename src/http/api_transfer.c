/*
 * Imports and exports over HTTP (transfer/transfer.h): start an import
 * from a CSV file or from a spreadsheet's rows, follow it, read its error
 * report; start an export, follow it, download it.  Each is a job; only its
 * maker sees it (anyone else: 404).
 */
#include <string.h>
#include <strings.h>

#include "access/auth.h"
#include "http/router.h"
#include "jobs/job.h"
#include "transfer/transfer.h"

#define IMPORTERS (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
/* Exports of units: every business role but tenants (households: the
 * domain allows bureau and operator_manager only). */
#define EXPORTERS (ROLES_SCOPED & ~ROLE_BIT(ROLE_TENANT))

static const struct field cell = { "cell", F_STRING, false, 0, 1000 };
static const struct field row = { "row", F_ARRAY, false, 0, TRANSFER_MAX_COLUMNS, .items = &cell };

static const struct field rows_body[] = {
	{ "header", F_ARRAY, true, 1, TRANSFER_MAX_COLUMNS, .items = &cell,
	  .desc = "表头：电子表格的第 1 行" },
	{ "rows", F_ARRAY, true, 1, TRANSFER_MAX_ROWS - 1, .items = &row,
	  .desc = "数据行：rows[i] 是第 i+2 行；每格为文字（数字请转成文字），空行以 [] 保留，"
		  "以便错误报告的行号与表格一致" },
	{ NULL },
};

static const struct field export_body[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX,
	  .desc = "只导出这个小区（默认：可见的全部小区）" },
	{ NULL },
};

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, 200, .desc = "每页条数（默认 50）" },
	{ "cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next" },
	{ NULL },
};

static int
reply_job(struct req *r, int64_t id, struct anju_err *e)
{
	json_t *j = NULL;
	int rc = job_get(r->db, id, &j, e);

	if (rc == 0)
		reply_json(r, 202, j);
	return rc;
}

/* The content types a CSV file arrives with (Windows browsers call a .csv
 * application/vnd.ms-excel); parameters such as charset are ignored: the
 * encoding is told from the bytes. */
static const char *const csv_types[] = { "text/csv", "application/csv", "text/plain",
					 "application/vnd.ms-excel", NULL };

static int
import_csv(struct req *r, enum transfer_what what, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	if (r->body.n >= 4 && memcmp(r->body.p, "PK\x03\x04", 4) == 0)
		return anju_fail(
			e, ANJU_EMEDIATYPE, "xlsx_not_csv", NULL,
			"这是 Excel 文件：请在页面上选择它（由浏览器读取后提交），或另存为 CSV");
	if (!req_content_type_in(r, csv_types))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "请求内容应为 CSV 文件（Content-Type: text/csv）");
	access_actor(r, &who);
	rc = transfer_import_create(r->db, what, TRANSFER_CSV, r->body.p, r->body.n, r->caller,
				    &who, &id, e);
	return rc != 0 ? rc : reply_job(r, id, e);
}

static int
import_rows(struct req *r, enum transfer_what what, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0;
	char *text = json_dumps(r->json, JSON_COMPACT);
	int rc;

	if (text == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "cannot encode the rows");
	access_actor(r, &who);
	rc = transfer_import_create(r->db, what, TRANSFER_ROWS, text, strlen(text), r->caller, &who,
				    &id, e);
	free(text);
	return rc != 0 ? rc : reply_job(r, id, e);
}

static int
import_units_csv(struct req *r, struct anju_err *e)
{
	return import_csv(r, TRANSFER_UNITS, e);
}

static int
import_households_csv(struct req *r, struct anju_err *e)
{
	return import_csv(r, TRANSFER_HOUSEHOLDS, e);
}

static int
import_units_rows(struct req *r, struct anju_err *e)
{
	return import_rows(r, TRANSFER_UNITS, e);
}

static int
import_households_rows(struct req *r, struct anju_err *e)
{
	return import_rows(r, TRANSFER_HOUSEHOLDS, e);
}

static int
get_transfer(struct req *r, bool export, struct anju_err *e)
{
	json_t *j = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND,
				 export ? "export_not_found" : "import_not_found", NULL,
				 export ? "没有这个导出" : "没有这个导入");
	if ((rc = transfer_job(r->db, r->caller, id, export, &j, e)) != 0)
		return rc;
	reply_json(r, 200, j);
	return 0;
}

static int
get_import(struct req *r, struct anju_err *e)
{
	return get_transfer(r, false, e);
}

static int
get_export(struct req *r, struct anju_err *e)
{
	return get_transfer(r, true, e);
}

static int
import_errors(struct req *r, struct anju_err *e)
{
	int64_t id, cursor = 0, next = 0, total = 0;
	json_t *items = NULL;
	int limit, rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "import_not_found", NULL, "没有这个导入");
	if ((rc = req_page(r, &limit, &cursor, e)) != 0)
		return rc;
	if ((rc = transfer_errors(r->db, r->caller, id, cursor, limit, &items, &next, &total, e)) !=
	    0)
		return rc;
	reply_page(r, items, next);
	json_object_set_new(r->out, "total", json_integer(total));
	return 0;
}

static int
import_errors_csv(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "import_not_found", NULL, "没有这个导入");
	if ((rc = transfer_errors_csv(r->db, r->caller, id, &r->raw, e)) != 0)
		return rc;
	r->status = 200;
	r->content_type = "text/csv; charset=utf-8";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"import-%lld-errors.csv\"",
				    (long long)id));
	req_add_header(r, "Cache-Control", "no-store");
	return 0;
}

static int
export_create(struct req *r, enum transfer_what what, struct anju_err *e)
{
	struct audit_actor who;
	json_t *cid = json_object_get(r->json, "community_id");
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	rc = transfer_export_create(r->db, what, json_is_integer(cid) ? json_integer_value(cid) : 0,
				    r->caller, &who, &id, e);
	return rc != 0 ? rc : reply_job(r, id, e);
}

static int
export_units(struct req *r, struct anju_err *e)
{
	return export_create(r, TRANSFER_UNITS, e);
}

static int
export_households(struct req *r, struct anju_err *e)
{
	return export_create(r, TRANSFER_HOUSEHOLDS, e);
}

static int
export_file(struct req *r, struct anju_err *e)
{
	const char *filename = NULL;
	int64_t id, size = 0;
	int fd = -1, rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "export_not_found", NULL, "没有这个导出");
	if ((rc = transfer_export_open(r->db, r->caller, id, r->arena, &fd, &size, &filename, e)) !=
	    0)
		return rc;
	r->fd = fd;
	r->fd_size = size;
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	/* The name is ours (ASCII letters, digits, '-' and '.'). */
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"%s\"", filename));
	req_add_header(r, "Cache-Control", "no-store");
	return 0;
}

#define JOB_REF "{\"$ref\":\"#/components/schemas/Job\"}"
#define ERRORS                                                                                     \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\",\"total\"],"                        \
	"\"additionalProperties\":false,\"properties\":{"                                          \
	"\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"                \
	"ImportError\"}},"                                                                         \
	"\"next\":{\"type\":[\"string\",\"null\"]},\"total\":{\"type\":\"integer\",\"minimum\":0}" \
	"}}"

/* Literal paths before templated ones: /imports/units is not an import's id. */
static const struct route routes[] = {
	{ "POST", "/api/v1/imports/units", ACCESS_CALLER, IMPORTERS, TRANSFER_MAX_INPUT,
	  .flags = ROUTE_RAW_BODY, .status = 202, .response = JOB_REF,
	  .summary = "导入房源：请求内容是 CSV 文件（UTF-8 或 GB18030），返回导入任务",
	  .handler = import_units_csv },
	{ "POST", "/api/v1/imports/households", ACCESS_CALLER, IMPORTERS, TRANSFER_MAX_INPUT,
	  .flags = ROUTE_RAW_BODY, .status = 202, .response = JOB_REF,
	  .summary = "导入住户及家庭成员：请求内容是 CSV 文件（每位成员一行），返回导入任务",
	  .handler = import_households_csv },
	{ "POST", "/api/v1/imports/units/rows", ACCESS_CALLER, IMPORTERS, TRANSFER_MAX_INPUT,
	  .body = rows_body, .status = 202, .response = JOB_REF,
	  .summary = "导入房源：电子表格的行（浏览器读取 .xlsx 后提交）",
	  .handler = import_units_rows },
	{ "POST", "/api/v1/imports/households/rows", ACCESS_CALLER, IMPORTERS, TRANSFER_MAX_INPUT,
	  .body = rows_body, .status = 202, .response = JOB_REF,
	  .summary = "导入住户：电子表格的行（浏览器读取 .xlsx 后提交）",
	  .handler = import_households_rows },
	{ "GET", "/api/v1/imports/{id}", ACCESS_CALLER, IMPORTERS, .status = 200,
	  .response = JOB_REF, .summary = "我的导入任务：状态与进度", .handler = get_import },
	{ "GET", "/api/v1/imports/{id}/errors", ACCESS_CALLER, IMPORTERS, .query = page_query,
	  .status = 200, .response = ERRORS, .summary = "导入的错误报告（行、列、原因）",
	  .handler = import_errors },
	{ "GET", "/api/v1/imports/{id}/errors.csv", ACCESS_CALLER, IMPORTERS, .status = 200,
	  .response = "{\"description\":\"CSV 文件（UTF-8，带 BOM）：行号,列,原因；不是 JSON\"}",
	  .summary = "下载错误报告（CSV）", .handler = import_errors_csv },
	{ "POST", "/api/v1/exports/units", ACCESS_CALLER, EXPORTERS, .body = export_body,
	  .status = 202, .response = JOB_REF, .summary = "导出房源（xlsx），返回导出任务",
	  .handler = export_units },
	{ "POST", "/api/v1/exports/households", ACCESS_CALLER, IMPORTERS, .body = export_body,
	  .status = 202, .response = JOB_REF,
	  .summary = "导出住户及家庭成员（xlsx，身份证号与电话已遮蔽），返回导出任务",
	  .handler = export_households },
	{ "GET", "/api/v1/exports/{id}", ACCESS_CALLER, EXPORTERS, .status = 200,
	  .response = JOB_REF, .summary = "我的导出任务：状态与进度", .handler = get_export },
	{ "GET", "/api/v1/exports/{id}/file", ACCESS_CALLER, EXPORTERS, .status = 200,
	  .response = "{\"description\":\"xlsx 文件，不是 JSON\"}",
	  .summary = "下载导出的 xlsx（仅限导出人，保留 export_keep_hours 小时）",
	  .handler = export_file },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "ImportError", "{\"type\":\"object\",\"additionalProperties\":false,"
			 "\"required\":[\"row\",\"column\",\"reason\"],\"properties\":{"
			 "\"row\":{\"type\":\"integer\",\"minimum\":0,"
			 "\"description\":\"文件中的行号（表头为第 1 行；0 表示整个文件）\"},"
			 "\"column\":{\"type\":\"string\",\"description\":\"列名（按文件表头）\"},"
			 "\"reason\":{\"type\":\"string\"}}}" },
	{ NULL },
};

const struct api_module api_transfer = { "transfer", routes, schemas };
