/*
 * The bureau's reports on the housing's use over HTTP (upkeep/report.h,
 * issue 8 §4): vacant units, vacated units, unit changes, household
 * changes and the monthly use report, each as JSON and as an xlsx
 * workbook.  Read-only: the
 * bureau and the assessor (all their scope), the operator's manager (its
 * communities); every other role 403.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "http/router.h"
#include "upkeep/report.h"

#define READERS (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_ASSESSOR) | ROLE_BIT(ROLE_OPERATOR_MANAGER))

#define Q_COMMUNITY                                                                                              \
	{                                                                                                        \
		"community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（默认：可见的全部小区）" \
	}
#define Q_PERIOD                                                                                           \
	{ "from", F_DATE, false, .desc = "起始日期（默认本月1日）" },                                      \
	{                                                                                                  \
		"to", F_DATE, false, .desc = "结束日期，含当天（默认今天；至多 366 天）" \
	}
#define Q_PAGE                                                                                     \
	{ "limit", F_INT, false, 1, 1000, .desc = "每页条数，默认 50" },                           \
	{                                                                                          \
		"cursor", F_STRING, false, 1, 47, .desc = "上一页返回的 next"                \
	}

static const struct field vacant_query[] = {
	Q_COMMUNITY,
	Q_PAGE,
	{ NULL },
};
static const struct field period_query[] = {
	Q_COMMUNITY,
	Q_PERIOD,
	Q_PAGE,
	{ NULL },
};
static const struct field vacant_xlsx_query[] = {
	Q_COMMUNITY,
	{ NULL },
};
static const struct field period_xlsx_query[] = {
	Q_COMMUNITY,
	Q_PERIOD,
	{ NULL },
};

static const struct field use_query[] = {
	Q_COMMUNITY,
	{ "month", F_PERIOD, false, .desc = "月份 YYYY-MM（默认本月）" },
	{ NULL },
};

static void
copy_q(char *dst, size_t n, const char *v)
{
	snprintf(dst, n, "%s", v ? v : "");
}

/* The query of any report route (its field list has checked what it
 * allows). */
static void
query_of(struct req *r, struct upkeep_report_query *q)
{
	const char *v;
	int64_t n;

	memset(q, 0, sizeof(*q));
	q->community_id = req_query_id(r, "community_id");
	copy_q(q->from, sizeof(q->from), req_query(r, "from"));
	copy_q(q->to, sizeof(q->to), req_query(r, "to"));
	copy_q(q->month, sizeof(q->month), req_query(r, "month"));
	copy_q(q->cursor, sizeof(q->cursor), req_query(r, "cursor"));
	q->limit = 50;
	if ((v = req_query(r, "limit")) != NULL && str_to_int64(str_c(v), 1, 1000, &n) == 0)
		q->limit = (int)n;
}

static int
reply_report(struct req *r, enum upkeep_report_kind k, struct anju_err *e)
{
	struct upkeep_report_query q;
	json_t *out = NULL;
	int rc;

	query_of(r, &q);
	if ((rc = upkeep_report_build(r->db, r->caller, k, &q, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
reply_xlsx(struct req *r, enum upkeep_report_kind k, struct anju_err *e)
{
	struct upkeep_report_query q;
	char day[DATE_FMT_LEN];
	int rc;

	query_of(r, &q);
	if ((rc = upkeep_report_xlsx(r->db, r->caller, k, &q, &r->raw, e)) != 0)
		return rc;
	date_format(date_today_shanghai(), day);
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"%s-%s.xlsx\"",
				    upkeep_report_name(k),
				    q.month[0] ? q.month
				    : q.to[0]  ? q.to
					       : day));
	return 0;
}

static int
vacant(struct req *r, struct anju_err *e)
{
	return reply_report(r, UPKEEP_REPORT_VACANT, e);
}
static int
vacant_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, UPKEEP_REPORT_VACANT, e);
}
static int
vacated(struct req *r, struct anju_err *e)
{
	return reply_report(r, UPKEEP_REPORT_VACATED, e);
}
static int
vacated_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, UPKEEP_REPORT_VACATED, e);
}
static int
unit_changes(struct req *r, struct anju_err *e)
{
	return reply_report(r, UPKEEP_REPORT_UNIT, e);
}
static int
unit_changes_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, UPKEEP_REPORT_UNIT, e);
}
static int
household_changes(struct req *r, struct anju_err *e)
{
	return reply_report(r, UPKEEP_REPORT_HOUSEHOLD, e);
}
static int
household_changes_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, UPKEEP_REPORT_HOUSEHOLD, e);
}

static int
monthly_use(struct req *r, struct anju_err *e)
{
	return reply_report(r, UPKEEP_REPORT_USE, e);
}
static int
monthly_use_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, UPKEEP_REPORT_USE, e);
}

#define INTEGER  "{\"type\":\"integer\"}"
#define COUNT    "{\"type\":\"integer\",\"minimum\":0}"
#define STRING   "{\"type\":\"string\"}"
#define NULL_INT "{\"type\":[\"integer\",\"null\"]}"
#define NULL_STR "{\"type\":[\"string\",\"null\"]}"
#define NEXT                                                                                       \
	"{\"type\":[\"string\",\"null\"],\"description\":\"下一页的 cursor，没有更多时为 null\"}"
#define REF(name)  "{\"$ref\":\"#/components/schemas/" name "\"}"
#define ARRAY(ref) "{\"type\":\"array\",\"items\":" REF(ref) "}"
#define BINARY(w)  "{\"description\":\"" w "，不是 JSON\"}"
#define XLSX       BINARY("xlsx 文件，全部行（至多 100000 行）")
#define CHANGE_PROPS                                                                               \
	"\"id\":{\"type\":\"integer\",\"description\":\"审计记录编号\"},"                    \
	"\"at\":{\"type\":\"string\",\"description\":\"服务器时间（UTC）\"},"               \
	"\"actor_name\":" NULL_STR ",\"actor_role\":" NULL_STR ","                                 \
	"\"action\":" STRING ",\"community_id\":" INTEGER ",\"community_name\":" STRING ","        \
	"\"before\":" NULL_STR ",\"after\":" NULL_STR ",\"note\":" NULL_STR
#define CHANGE_REQ                                                                                 \
	"\"id\",\"at\",\"actor_name\",\"actor_role\",\"kind\",\"action\",\"community_id\","        \
	"\"community_name\",\"before\",\"after\",\"note\""
/* {"word": count} with exactly the words given. */
#define COUNTS(req, props)                                                                         \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" req                   \
	"],\"properties\":{" props "}}"
#define SEVERITY_COUNTS                                                                            \
	COUNTS("\"low\",\"medium\",\"high\"",                                                      \
	       "\"low\":" COUNT ",\"medium\":" COUNT ",\"high\":" COUNT)
#define USE_FIGURES                                                                                                                                                                                                                     \
	"\"rounds\":" COUNTS(                                                                                                                                                                                                           \
		"\"planned\",\"done\",\"missed\",\"open\",\"points\",\"points_checked\"",                                                                                                                                               \
		"\"planned\":{\"type\":\"integer\",\"minimum\":0,\"description\":"                                                                                                                                                      \
		"\"当月应巡（到期）"                                                                                                                                                                                            \
		"的巡查次数\"},\"done\":" COUNT ",\"missed\":" COUNT                                                                                                                                                                    \
		",\"open\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"待巡或进行中\"},"                                                                                                                                \
		"\"points\":" COUNT                                                                                                                                                                                                     \
		",\"points_checked\":" COUNT) ",\"findings\":" SEVERITY_COUNTS                                                                                                                                                          \
					      ",\"violations\":" COUNTS(                                                                                                                                                                \
						      "\"opened\",\"by_type\",\"by_state\"",                                                                                                                                            \
						      "\"opened\":" COUNT ",\"by_type\":" REF(                                                                                                                                          \
							      "Us"                                                                                                                                                                      \
							      "eV"                                                                                                                                                                      \
							      "io"                                                                                                                                                                      \
							      "la"                                                                                                                                                                      \
							      "ti"                                                                                                                                                                      \
							      "on"                                                                                                                                                                      \
							      "Ty"                                                                                                                                                                      \
							      "pe"                                                                                                                                                                      \
							      "s") ",\"by_state\":" REF("UseViola"                                                                                                                                      \
											"tionStat"                                                                                                                                      \
											"es")) ","                                                                                                                                      \
											       "\"renovati"                                                                                                                             \
											       "o"                                                                                                                                      \
											       "n"                                                                                                                                      \
											       "s"                                                                                                                                      \
											       "\""                                                                                                                                     \
											       ":" COUNTS("\"requested\",\"by_state\"", "\"requested\":" COUNT ",\"by_state\":" REF("UseRenovationStates")) ",\"work_orders\":" COUNTS( \
												       "\"raised\",\"by_state\",\"overdue\"",                                                                                           \
												       "\"raised\":" COUNT                                                                                                              \
												       ",\"by_state\":" REF(                                                                                                            \
													       "UseWorkOrderStates") ",\"overdue\":{\"type\":\"integer\",\"minimum\":0,"                                                \
																     "\"description\":\"现在超期未完工的工单\"}")
#define USE_REQ "\"rounds\",\"findings\",\"violations\",\"renovations\",\"work_orders\""
#define PERIOD_PROPS                                                                               \
	"\"community_id\":" NULL_INT ",\"from\":" STRING ",\"to\":" STRING ",\"next\":" NEXT

static const struct route routes[] = {
	{ "GET", "/api/v1/reports/vacant-units", ACCESS_CALLER, READERS, .query = vacant_query,
	  .status = 200, .response = REF("VacantUnitsReport"),
	  .summary = "空置房：现在空置的房屋，空置天数最长的在前，附原因与各小区空置套数",
	  .handler = vacant },
	{ "GET", "/api/v1/reports/vacant-units.xlsx", ACCESS_CALLER, READERS,
	  .query = vacant_xlsx_query, .status = 200, .response = XLSX, .summary = "空置房（xlsx）",
	  .handler = vacant_xlsx },
	{ "GET", "/api/v1/reports/vacated-units", ACCESS_CALLER, READERS, .query = period_query,
	  .status = 200, .response = REF("VacatedUnitsReport"),
	  .summary = "腾退房源：期间内退房或清退后腾空的房屋，附家庭、原因与空置天数",
	  .handler = vacated },
	{ "GET", "/api/v1/reports/vacated-units.xlsx", ACCESS_CALLER, READERS,
	  .query = period_xlsx_query, .status = 200, .response = XLSX,
	  .summary = "腾退房源（xlsx）", .handler = vacated_xlsx },
	{ "GET", "/api/v1/reports/unit-changes", ACCESS_CALLER, READERS, .query = period_query,
	  .status = 200, .response = REF("UnitChangesReport"),
	  .summary = "房屋异动：期间内的状态变更、分户核验结果、报修、停用与信息变更（审计记录）",
	  .handler = unit_changes },
	{ "GET", "/api/v1/reports/unit-changes.xlsx", ACCESS_CALLER, READERS,
	  .query = period_xlsx_query, .status = 200, .response = XLSX,
	  .summary = "房屋异动（xlsx）", .handler = unit_changes_xlsx },
	{ "GET", "/api/v1/reports/household-changes", ACCESS_CALLER, READERS, .query = period_query,
	  .status = 200, .response = REF("HouseholdChangesReport"),
	  .summary = "住户变动：期间内的成员迁入迁出、变更户主、联系方式变更（审计记录，已遮蔽）",
	  .handler = household_changes },
	{ "GET", "/api/v1/reports/household-changes.xlsx", ACCESS_CALLER, READERS,
	  .query = period_xlsx_query, .status = 200, .response = XLSX,
	  .summary = "住户变动（xlsx）", .handler = household_changes_xlsx },
	{ "GET", "/api/v1/reports/monthly-use", ACCESS_CALLER, READERS, .query = use_query,
	  .status = 200, .response = REF("MonthlyUseReport"),
	  .summary =
		  "月度使用情况：各小区当月巡查计划与完成、发现问题、违规案件、装修申请、维修工单",
	  .handler = monthly_use },
	{ "GET", "/api/v1/reports/monthly-use.xlsx", ACCESS_CALLER, READERS, .query = use_query,
	  .status = 200, .response = XLSX, .summary = "月度使用情况（xlsx）",
	  .handler = monthly_use_xlsx },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "VacantUnit",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"unit_id\",\"unit_number\",\"community_id\",\"community_name\","
	  "\"building_name\",\"layout\",\"floor_area\",\"vacant_since\",\"vacant_on\","
	  "\"days_vacant\",\"reason\",\"from_status\",\"from_status_title\"],\"properties\":{"
	  "\"unit_id\":" INTEGER ",\"unit_number\":" STRING ",\"community_id\":" INTEGER
	  ",\"community_name\":" STRING ",\"building_name\":" STRING ",\"layout\":" STRING ","
	  "\"floor_area\":{\"type\":\"integer\",\"description\":\"建筑面积，0.01㎡\"},"
	  "\"vacant_since\":{\"type\":\"string\",\"description\":\"房屋进入空置状态的服务器时间\"},"
	  "\"vacant_on\":" NULL_STR ",\"days_vacant\":" COUNT ","
	  "\"reason\":{\"type\":[\"string\",\"null\"],\"description\":\"最近一次状态变更的原因\"},"
	  "\"from_status\":" NULL_STR ",\"from_status_title\":" NULL_STR "}}" },
	{ "VacantUnitsReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"as_of\",\"total\",\"by_community\",\"items\","
	  "\"next\"],\"properties\":{\"community_id\":" NULL_INT ",\"as_of\":" STRING
	  ",\"total\":" COUNT ",\"by_community\":{\"type\":\"array\",\"items\":{"
	  "\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"community_name\",\"vacant\"],\"properties\":{"
	  "\"community_id\":" INTEGER ",\"community_name\":" STRING ",\"vacant\":" COUNT "}}},"
	  "\"items\":" ARRAY("VacantUnit") ",\"next\":" NEXT "}}" },
	{ "VacatedUnit",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"handover_id\",\"unit_id\",\"unit_number\",\"community_id\","
	  "\"community_name\",\"household_id\",\"head_name\",\"vacated_on\",\"cause\","
	  "\"eviction_id\",\"reason\",\"status\",\"status_title\",\"days_vacant\"],"
	  "\"properties\":{\"handover_id\":" INTEGER ",\"unit_id\":" INTEGER
	  ",\"unit_number\":" STRING ",\"community_id\":" INTEGER ",\"community_name\":" STRING
	  ",\"household_id\":" INTEGER ","
	  "\"head_name\":{\"type\":[\"string\",\"null\"],\"description\":\"户主姓名（遮蔽）\"},"
	  "\"vacated_on\":" STRING ",\"cause\":{\"enum\":[\"move_out\",\"eviction\"]},"
	  "\"eviction_id\":" NULL_INT ",\"reason\":" STRING ",\"status\":" STRING
	  ",\"status_title\":" STRING ","
	  "\"days_vacant\":{\"type\":[\"integer\",\"null\"],"
	  "\"description\":\"腾退后空置至今的天数；已再出租时为 null\"}}}" },
	{ "VacatedUnitsReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"from\",\"to\",\"items\",\"next\"],"
	  "\"properties\":{" PERIOD_PROPS ",\"items\":" ARRAY("VacatedUnit") "}}" },
	{ "UnitChange",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[" CHANGE_REQ ",\"unit_id\",\"unit_number\"],\"properties\":{" CHANGE_PROPS
	  ",\"kind\":{\"enum\":[\"status\",\"repair\",\"repair_done\",\"disable\",\"enable\","
	  "\"acceptance\",\"update\"]},\"unit_id\":" INTEGER ",\"unit_number\":" STRING "}}" },
	{ "UnitChangesReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"from\",\"to\",\"items\",\"next\"],"
	  "\"properties\":{" PERIOD_PROPS ",\"items\":" ARRAY("UnitChange") "}}" },
	{ "HouseholdChange",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[" CHANGE_REQ
	  ",\"household_id\",\"person_name\"],\"properties\":{" CHANGE_PROPS
	  ",\"kind\":{\"enum\":[\"member_in\",\"member_out\",\"head_change\",\"contact_change\"]},"
	  "\"household_id\":" INTEGER ","
	  "\"person_name\":{\"type\":[\"string\",\"null\"],\"description\":\"成员姓名（遮蔽）\"}}"
	  "}" },
	{ "HouseholdChangesReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"from\",\"to\",\"items\",\"next\"],"
	  "\"properties\":{" PERIOD_PROPS ",\"items\":" ARRAY("HouseholdChange") "}}" },
	{ "UseViolationTypes",
	  COUNTS("\"sublet\",\"change_of_use\",\"damage\",\"illegal_activity\",\"idle\",\"other\"",
		 "\"sublet\":" COUNT ",\"change_of_use\":" COUNT ",\"damage\":" COUNT
		 ",\"illegal_activity\":" COUNT ",\"idle\":" COUNT ",\"other\":" COUNT) },
	{ "UseViolationStates",
	  COUNTS("\"suspected\",\"investigating\",\"confirmed\",\"dismissed\","
		 "\"rectification_ordered\",\"rectified\",\"referred\"",
		 "\"suspected\":" COUNT ",\"investigating\":" COUNT ",\"confirmed\":" COUNT
		 ",\"dismissed\":" COUNT ",\"rectification_ordered\":" COUNT ",\"rectified\":" COUNT
		 ",\"referred\":" COUNT) },
	{ "UseRenovationStates",
	  COUNTS("\"requested\",\"checked\",\"approved\",\"refused\",\"done\"",
		 "\"requested\":" COUNT ",\"checked\":" COUNT ",\"approved\":" COUNT
		 ",\"refused\":" COUNT ",\"done\":" COUNT) },
	{ "UseWorkOrderStates",
	  COUNTS("\"reported\",\"assigned\",\"in_progress\",\"done\",\"confirmed\"",
		 "\"reported\":" COUNT ",\"assigned\":" COUNT ",\"in_progress\":" COUNT
		 ",\"done\":" COUNT ",\"confirmed\":" COUNT) },
	{ "MonthlyUse",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"community_name\"," USE_REQ "],\"properties\":{"
	  "\"community_id\":" INTEGER ",\"community_name\":" STRING "," USE_FIGURES "}}" },
	{ "MonthlyUseReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"month\",\"from\",\"to\",\"as_of\",\"items\","
	  "\"total\"],\"properties\":{\"community_id\":" NULL_INT ",\"month\":" STRING
	  ",\"from\":" STRING ",\"to\":" STRING ","
	  "\"as_of\":{\"type\":\"string\",\"description\":\"统计时的服务器时间（超期以此为准）\"},"
	  "\"items\":" ARRAY("MonthlyUse") ",\"total\":{\"type\":\"object\","
					   "\"additionalProperties\":false,\"required\":[" USE_REQ
					   "],\"properties\":{" USE_FIGURES "}}}}" },
	{ NULL },
};

const struct api_module api_upkeep_report = { "upkeep-reports", routes, schemas };
