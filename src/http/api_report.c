/*
 * Rent reports over HTTP (rent/report.h, issue 7 §6): the rent ledger, the
 * collection report, arrears with their ageing, the bureau's monthly
 * report and the bank's report, each as JSON and as an xlsx workbook, and
 * the finance dashboard's figures.  The owner's report is part D's owner
 * statement.  Read-only: the bureau, finance, the operator's manager (its
 * communities) and the assessor.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "http/router.h"
#include "rent/report.h"

#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER) |        \
	 ROLE_BIT(ROLE_ASSESSOR))

#define Q_COMMUNITY                                                                                              \
	{                                                                                                        \
		"community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（默认：可见的全部小区）" \
	}
#define Q_AS_OF                                                                                                     \
	{                                                                                                           \
		"as_of", F_DATE, false,                                                                             \
			.desc = "统计截止日（不晚于今天），已收款与欠缴都算到这一天为止" \
	}
#define Q_PAGE                                                                                     \
	{ "limit", F_INT, false, 1, 1000, .desc = "每页条数，默认 50" },                           \
	{                                                                                          \
		"cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next"                \
	}

static const struct field ledger_query[] = {
	Q_COMMUNITY,
	{ "period", F_PERIOD, true, .desc = "月份 YYYY-MM" },
	{ "as_of", F_DATE, false, .desc = "已收款截至哪一天（默认今天）" },
	Q_PAGE,
	{ NULL },
};

static const struct field collection_query[] = {
	Q_COMMUNITY,
	{ "from", F_PERIOD, true, .desc = "起始月份 YYYY-MM" },
	{ "to", F_PERIOD, false, .desc = "结束月份（默认同起始月份；至多 36 个月）" },
	{ "as_of", F_DATE, false, .desc = "已收款截至哪一天（默认今天）" },
	{ NULL },
};

static const struct field arrears_query[] = {
	Q_COMMUNITY,
	{ "as_of", F_DATE, false, .desc = "按哪一天计算欠缴（默认今天）" },
	{ "min_months", F_INT, false, 0, 1200, .desc = "只列欠缴至少这么多个月的合同" },
	Q_PAGE,
	{ NULL },
};

static const struct field month_query[] = {
	Q_COMMUNITY,
	{ "period", F_PERIOD, true, .desc = "月份 YYYY-MM（不晚于本月）" },
	{ "as_of", F_DATE, false, .desc = "统计截止日（默认该月最后一天，且不晚于今天）" },
	{ NULL },
};

static const struct field bank_query[] = {
	Q_COMMUNITY,
	{ "period", F_PERIOD, true, .desc = "月份 YYYY-MM（不晚于本月）" },
	{ NULL },
};

static const struct field dashboard_query[] = {
	Q_COMMUNITY,
	{ "months", F_INT, false, 1, 24, .desc = "收缴率图表的月数（默认 12）" },
	Q_AS_OF,
	{ NULL },
};

static void
copy_q(char *dst, size_t n, const char *v)
{
	snprintf(dst, n, "%s", v ? v : "");
}

/* The query of any report route (each route's field list has already
 * checked what it allows). */
static int
query_of(struct req *r, struct report_query *q, struct anju_err *e)
{
	const char *v;
	int64_t n;

	memset(q, 0, sizeof(*q));
	if ((v = req_query(r, "community_id")) != NULL &&
	    str_to_int64(str_c(v), 1, INT64_MAX, &q->community_id) != 0)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "community_id", "小区编号无效");
	copy_q(q->period, sizeof(q->period), req_query(r, "period"));
	copy_q(q->from, sizeof(q->from), req_query(r, "from"));
	copy_q(q->to, sizeof(q->to), req_query(r, "to"));
	copy_q(q->as_of, sizeof(q->as_of), req_query(r, "as_of"));
	if ((v = req_query(r, "min_months")) != NULL && str_to_int64(str_c(v), 0, 1200, &n) == 0)
		q->min_months = (int)n;
	if ((v = req_query(r, "months")) != NULL && str_to_int64(str_c(v), 1, 24, &n) == 0)
		q->months = (int)n;
	q->limit = 50;
	if ((v = req_query(r, "limit")) != NULL && str_to_int64(str_c(v), 1, 1000, &n) == 0)
		q->limit = (int)n;
	if ((v = req_query(r, "cursor")) != NULL &&
	    str_to_int64(str_c(v), 1, INT64_MAX, &q->after_id) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_cursor", "cursor", "cursor 无效");
	return 0;
}

static int
reply_report(struct req *r, enum report_kind k, struct anju_err *e)
{
	struct report_query q;
	json_t *out = NULL;
	int rc;

	if ((rc = query_of(r, &q, e)) != 0 ||
	    (rc = report_build(r->db, r->caller, k, &q, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
reply_xlsx(struct req *r, enum report_kind k, struct anju_err *e)
{
	struct report_query q;
	const char *what;
	int rc;

	if ((rc = query_of(r, &q, e)) != 0 ||
	    (rc = report_xlsx(r->db, r->caller, k, &q, &r->raw, e)) != 0)
		return rc;
	what = q.period[0] ? q.period : q.from[0] ? q.from : q.as_of[0] ? q.as_of : "today";
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"%s-%s.xlsx\"",
				    report_kind_name(k), what));
	return 0;
}

static int
ledger(struct req *r, struct anju_err *e)
{
	return reply_report(r, REPORT_RENT_LEDGER, e);
}
static int
ledger_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, REPORT_RENT_LEDGER, e);
}
static int
collection(struct req *r, struct anju_err *e)
{
	return reply_report(r, REPORT_COLLECTION, e);
}
static int
collection_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, REPORT_COLLECTION, e);
}
static int
arrears(struct req *r, struct anju_err *e)
{
	return reply_report(r, REPORT_ARREARS, e);
}
static int
arrears_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, REPORT_ARREARS, e);
}
static int
bureau(struct req *r, struct anju_err *e)
{
	return reply_report(r, REPORT_BUREAU, e);
}
static int
bureau_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, REPORT_BUREAU, e);
}
static int
bank(struct req *r, struct anju_err *e)
{
	return reply_report(r, REPORT_BANK, e);
}
static int
bank_xlsx(struct req *r, struct anju_err *e)
{
	return reply_xlsx(r, REPORT_BANK, e);
}

static int
dashboard(struct req *r, struct anju_err *e)
{
	struct report_query q;
	json_t *out = NULL;
	int rc;

	if ((rc = query_of(r, &q, e)) != 0 ||
	    (rc = report_dashboard(r->db, r->caller, &q, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

#define INTEGER  "{\"type\":\"integer\"}"
#define COUNT    "{\"type\":\"integer\",\"minimum\":0}"
#define STRING   "{\"type\":\"string\"}"
#define NULL_INT "{\"type\":[\"integer\",\"null\"]}"
#define NULL_STR "{\"type\":[\"string\",\"null\"]}"
#define NEXT                                                                                       \
	"{\"type\":[\"string\",\"null\"],\"description\":\"下一页的 cursor，没有更多时为 null\"}"
#define RATE                                                                                       \
	"{\"type\":[\"integer\",\"null\"],\"description\":\"收缴率，万分之几（10000 = "   \
	"100%）；没有应收时为 null\"}"
#define BUCKETS                                                                                    \
	"{\"type\":\"array\",\"minItems\":4,\"maxItems\":4,\"items\":" INTEGER ","                 \
	"\"description\":\"按逾期天数：30天以内、31至90天、91至180天、180天以上（分）\"}"
#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define BINARY(w) "{\"description\":\"" w "，不是 JSON\"}"

static const struct route routes[] = {
	{ "GET", "/api/v1/reports/rent-ledger", ACCESS_CALLER, READERS, .query = ledger_query,
	  .status = 200, .response = REF("RentLedger"),
	  .summary = "租金台账：某月每户的应收、已收、欠缴及合计（按小区）", .handler = ledger },
	{ "GET", "/api/v1/reports/rent-ledger.xlsx", ACCESS_CALLER, READERS, .query = ledger_query,
	  .status = 200, .response = BINARY("xlsx 文件"), .summary = "租金台账（xlsx，全部行）",
	  .handler = ledger_xlsx },
	{ "GET", "/api/v1/reports/collection", ACCESS_CALLER, READERS, .query = collection_query,
	  .status = 200, .response = REF("CollectionReport"),
	  .summary = "租金收缴情况：按小区和月份的应收、已收、收缴率", .handler = collection },
	{ "GET", "/api/v1/reports/collection.xlsx", ACCESS_CALLER, READERS,
	  .query = collection_query, .status = 200, .response = BINARY("xlsx 文件"),
	  .summary = "租金收缴情况（xlsx）", .handler = collection_xlsx },
	{ "GET", "/api/v1/reports/arrears", ACCESS_CALLER, READERS, .query = arrears_query,
	  .status = 200, .response = REF("ArrearsReport"),
	  .summary = "欠缴明细与账龄：每份合同的欠缴月数、金额、账龄，按小区与账龄汇总",
	  .handler = arrears },
	{ "GET", "/api/v1/reports/arrears.xlsx", ACCESS_CALLER, READERS, .query = arrears_query,
	  .status = 200, .response = BINARY("xlsx 文件"), .summary = "欠缴明细与汇总（xlsx）",
	  .handler = arrears_xlsx },
	{ "GET", "/api/v1/reports/bureau-monthly", ACCESS_CALLER, READERS, .query = month_query,
	  .status = 200, .response = REF("BureauMonthlyReport"),
	  .summary = "住建部门月报：各小区应收、已收、收缴率、欠缴账龄、欠缴3个月和6个月以上户数、"
		     "票据开具与作废",
	  .handler = bureau },
	{ "GET", "/api/v1/reports/bureau-monthly.xlsx", ACCESS_CALLER, READERS,
	  .query = month_query, .status = 200, .response = BINARY("xlsx 文件"),
	  .summary = "住建部门月报（xlsx）", .handler = bureau_xlsx },
	{ "GET", "/api/v1/reports/bank", ACCESS_CALLER, READERS, .query = bank_query, .status = 200,
	  .response = REF("BankReport"),
	  .summary = "银行报表：某月按收款方式的收款、代扣成功与失败、银行转账匹配、待查明款项",
	  .handler = bank },
	{ "GET", "/api/v1/reports/bank.xlsx", ACCESS_CALLER, READERS, .query = bank_query,
	  .status = 200, .response = BINARY("xlsx 文件"), .summary = "银行报表（xlsx）",
	  .handler = bank_xlsx },
	{ "GET", "/api/v1/reports/dashboard", ACCESS_CALLER, READERS, .query = dashboard_query,
	  .status = 200, .response = REF("FinanceDashboard"),
	  .summary = "财务看板：本月应收已收与收缴率、欠缴总额与账龄、各月各小区收缴率",
	  .handler = dashboard },
	{ NULL },
};

#define FIGURES_PROPS                                                                              \
	"\"charges\":" COUNT ",\"due_fen\":" INTEGER ",\"collected_fen\":" INTEGER                 \
	",\"owed_fen\":" INTEGER ",\"rate_bp\":" RATE
#define FIGURES_REQ "\"charges\",\"due_fen\",\"collected_fen\",\"owed_fen\",\"rate_bp\""
#define ARREARS_SUM_PROPS                                                                          \
	"\"chains\":" COUNT ",\"owed_fen\":" INTEGER ",\"bucket_fen\":" BUCKETS                    \
	",\"chains_3plus\":" COUNT ",\"chains_6plus\":" COUNT
#define ARREARS_SUM_REQ "\"chains\",\"owed_fen\",\"bucket_fen\",\"chains_3plus\",\"chains_6plus\""

#define LEDGER_LINE_REF      "{\"$ref\":\"#/components/schemas/RentLedgerLine\"}"
#define LEDGER_LINE_ARRAY    "{\"type\":\"array\",\"items\":" LEDGER_LINE_REF "}"
#define FIGURES_REF          "{\"$ref\":\"#/components/schemas/CollectionFigures\"}"
#define FIGURES_ARRAY        "{\"type\":\"array\",\"items\":" FIGURES_REF "}"
#define ARREARS_LINE_REF     "{\"$ref\":\"#/components/schemas/ArrearsLine\"}"
#define ARREARS_LINE_ARRAY   "{\"type\":\"array\",\"items\":" ARREARS_LINE_REF "}"
#define ARREARS_SUM_REF      "{\"$ref\":\"#/components/schemas/ArrearsSummary\"}"
#define ARREARS_SUM_ARRAY    "{\"type\":\"array\",\"items\":" ARREARS_SUM_REF "}"
#define BUREAU_FIGURES_REF   "{\"$ref\":\"#/components/schemas/BureauMonthlyFigures\"}"
#define BUREAU_FIGURES_ARRAY "{\"type\":\"array\",\"items\":" BUREAU_FIGURES_REF "}"
#define LEDGER_TOTALS                                                                              \
	"{\"type\":\"object\",\"additionalProperties\":false,"                                     \
	"\"required\":[\"charges\",\"due_fen\",\"paid_fen\",\"owed_fen\",\"rate_bp\"],"            \
	"\"properties\":{\"charges\":" COUNT ",\"due_fen\":" INTEGER ",\"paid_fen\":" INTEGER      \
	",\"owed_fen\":" INTEGER ",\"rate_bp\":" RATE "}}"
#define BY_BUCKET                                                                                  \
	"{\"type\":\"array\",\"items\":{\"type\":\"object\",\"additionalProperties\":false,"       \
	"\"required\":[\"bucket\",\"title\",\"owed_fen\",\"chains\"],\"properties\":{"             \
	"\"bucket\":{\"enum\":[\"0-30\",\"31-90\",\"91-180\",\"180+\"]},\"title\":" STRING         \
	",\"owed_fen\":" INTEGER ",\"chains\":" COUNT "}}}"

static const struct api_schema schemas[] = {
	{ "RentLedgerLine",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"charge_id\",\"chain_id\",\"household_id\",\"unit_id\",\"unit_number\","
	  "\"community_id\",\"community_name\",\"kind\",\"due_on\",\"due_fen\",\"paid_fen\","
	  "\"owed_fen\",\"state\",\"head_name\"],\"properties\":{"
	  "\"charge_id\":" INTEGER ",\"chain_id\":" INTEGER ",\"household_id\":" INTEGER ","
	  "\"unit_id\":" INTEGER ",\"unit_number\":" STRING ",\"community_id\":" INTEGER ","
	  "\"community_name\":" STRING ","
	  "\"kind\":{\"enum\":[\"rent\",\"overstay_rent\"]},"
	  "\"due_on\":" STRING ",\"due_fen\":" INTEGER ","
	  "\"paid_fen\":{\"type\":\"integer\",\"description\":\"截至 as_of 分配到这笔费用的收款\"},"
	  "\"owed_fen\":" INTEGER ","
	  "\"state\":{\"enum\":[\"open\",\"paid\"],\"description\":\"费用现在的状态\"},"
	  "\"head_name\":{\"type\":[\"string\",\"null\"],\"description\":\"户主姓名（遮蔽）\"}}}" },
	{ "RentLedger",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community_id\",\"period\",\"as_of\",\"items\",\"next\",\"totals\"],"
	  "\"properties\":{\"community_id\":" NULL_INT ",\"period\":" STRING ",\"as_of\":" STRING
	  ",\"items\":" LEDGER_LINE_ARRAY ",\"next\":" NEXT ",\"totals\":" LEDGER_TOTALS "}}" },
	{ "CollectionFigures",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" FIGURES_REQ "],"
	  "\"properties\":{\"community_id\":" INTEGER ",\"community_name\":" STRING
	  ",\"period\":" STRING "," FIGURES_PROPS "}}" },
	{ "CollectionReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"from\",\"to\",\"as_of\",\"community_id\",\"rows\",\"by_period\","
	  "\"by_community\",\"total\"],\"properties\":{"
	  "\"from\":" STRING ",\"to\":" STRING ",\"as_of\":" STRING ",\"community_id\":" NULL_INT
	  ",\"rows\":" FIGURES_ARRAY ",\"by_period\":" FIGURES_ARRAY
	  ",\"by_community\":" FIGURES_ARRAY ",\"total\":" FIGURES_REF "}}" },
	{ "ArrearsLine",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"chain_id\",\"household_id\",\"community_id\",\"community_name\","
	  "\"unit_id\",\"unit_number\",\"head_name\",\"months_owed\",\"owed_fen\",\"bucket_fen\","
	  "\"oldest_due_on\"],\"properties\":{"
	  "\"chain_id\":" INTEGER ",\"household_id\":" INTEGER ",\"community_id\":" INTEGER ","
	  "\"community_name\":" NULL_STR ",\"unit_id\":" NULL_INT ",\"unit_number\":" NULL_STR ","
	  "\"head_name\":" NULL_STR ","
	  "\"months_owed\":{\"type\":\"integer\",\"minimum\":0,"
	  "\"description\":\"累计欠缴月数（整个租赁期内未缴清的计费月，不要求连续）\"},"
	  "\"owed_fen\":" INTEGER ",\"bucket_fen\":" BUCKETS ",\"oldest_due_on\":" NULL_STR "}}" },
	{ "ArrearsSummary",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" ARREARS_SUM_REQ "],"
	  "\"properties\":{\"community_id\":" INTEGER ",\"community_name\":" STRING ","
	  "\"households\":" COUNT "," ARREARS_SUM_PROPS "}}" },
	{ "ArrearsReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"as_of\",\"community_id\",\"min_months\",\"items\",\"next\",\"totals\","
	  "\"by_community\",\"by_bucket\"],\"properties\":{"
	  "\"as_of\":" STRING ",\"community_id\":" NULL_INT ",\"min_months\":" COUNT
	  ",\"items\":" ARREARS_LINE_ARRAY ",\"next\":" NEXT ",\"totals\":" ARREARS_SUM_REF
	  ",\"by_community\":" ARREARS_SUM_ARRAY ",\"by_bucket\":" BY_BUCKET "}}" },
	{ "BureauMonthlyFigures",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" FIGURES_REQ ","
	  "\"arrears_fen\",\"bucket_fen\",\"chains_owing\",\"households_3plus\","
	  "\"households_6plus\",\"receipts_issued\",\"receipts_issued_fen\",\"receipts_voided\","
	  "\"receipts_voided_fen\"],\"properties\":{\"community_id\":" INTEGER
	  ",\"community_name\":" STRING "," FIGURES_PROPS ",\"arrears_fen\":" INTEGER
	  ",\"bucket_fen\":" BUCKETS ",\"chains_owing\":" COUNT ",\"households_3plus\":" COUNT
	  ",\"households_6plus\":" COUNT ",\"receipts_issued\":" COUNT
	  ",\"receipts_issued_fen\":" INTEGER ",\"receipts_voided\":" COUNT
	  ",\"receipts_voided_fen\":" INTEGER "}}" },
	{ "BureauMonthlyReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"period\",\"as_of\",\"community_id\",\"rows\",\"total\"],"
	  "\"properties\":{\"period\":" STRING ",\"as_of\":" STRING ",\"community_id\":" NULL_INT
	  ",\"rows\":" BUREAU_FIGURES_ARRAY ",\"total\":" BUREAU_FIGURES_REF "}}" },
	{ "BankReport",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"period\",\"community_id\",\"channels\",\"total\",\"withholding\","
	  "\"bank_transfers\",\"suspense\"],\"properties\":{"
	  "\"period\":" STRING ",\"community_id\":" NULL_INT ","
	  "\"channels\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"additionalProperties\":false,\"required\":[\"channel\",\"title\",\"payments\","
	  "\"amount_fen\",\"reversed\",\"reversed_fen\"],\"properties\":{"
	  "\"channel\":{\"enum\":[\"cash\",\"pos\",\"bank_transfer\",\"withholding\",\"online\"]},"
	  "\"title\":" STRING ",\"payments\":" COUNT ",\"amount_fen\":" INTEGER
	  ",\"reversed\":" COUNT ",\"reversed_fen\":" INTEGER "}}},"
	  "\"total\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"payments\",\"amount_fen\"],\"properties\":{\"payments\":" COUNT
	  ",\"amount_fen\":" INTEGER "}},"
	  "\"withholding\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"succeeded\",\"succeeded_fen\",\"failed\",\"failed_fen\",\"pending\","
	  "\"pending_fen\"],\"properties\":{\"succeeded\":" COUNT ",\"succeeded_fen\":" INTEGER
	  ",\"failed\":" COUNT ",\"failed_fen\":" INTEGER ",\"pending\":" COUNT
	  ",\"pending_fen\":" INTEGER "}},"
	  "\"bank_transfers\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"matched\",\"matched_fen\"],\"properties\":{\"matched\":" COUNT
	  ",\"matched_fen\":" INTEGER "}},"
	  "\"suspense\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"lines\",\"amount_fen\",\"in_month\",\"in_month_fen\"],"
	  "\"properties\":{\"lines\":" COUNT ",\"amount_fen\":" INTEGER ",\"in_month\":" COUNT
	  ",\"in_month_fen\":" INTEGER "}}}}" },
	{ "FinanceDashboard",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"as_of\",\"months\",\"community_id\",\"headline\",\"ageing\",\"rows\","
	  "\"by_period\"],\"properties\":{"
	  "\"as_of\":" STRING ",\"months\":" INTEGER ",\"community_id\":" NULL_INT ","
	  "\"headline\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"period\"," FIGURES_REQ ",\"arrears_fen\",\"chains_owing\","
	  "\"chains_3plus\",\"chains_6plus\",\"bucket_fen\"],\"properties\":{"
	  "\"period\":" STRING "," FIGURES_PROPS ",\"arrears_fen\":" INTEGER
	  ",\"chains_owing\":" COUNT ",\"chains_3plus\":" COUNT ",\"chains_6plus\":" COUNT
	  ",\"bucket_fen\":" BUCKETS "}},\"ageing\":" ARREARS_SUM_ARRAY ",\"rows\":" FIGURES_ARRAY
	  ",\"by_period\":" FIGURES_ARRAY "}}" },
	{ NULL },
};

const struct api_module api_report = { "reports", routes, schemas };
