/*
 * Reconciliation over HTTP (rent part D, rent/reconcile.h): our bank
 * accounts and their statement layouts, statement imports (a job each) and
 * their error reports, the lines with their suggestions, confirming and
 * undoing a match, matching again, the rules and the policy, the daily
 * comparison with the ledger; owner statements (JSON and xlsx),
 * remittances and payments out.  Finance works here; the bureau reads the
 * owners' side.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/date.h"
#include "http/router.h"
#include "jobs/job.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "store/db.h"

#define FINANCE       ROLE_BIT(ROLE_FINANCE)
#define OWNER_READERS (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_BUREAU))

static const char *const encodings[] = { "auto", "utf8", "gb18030", NULL };
static const char *const date_formats[] = { "YYYY-MM-DD", "YYYYMMDD", "YYYY/MM/DD", NULL };
static const char *const ledger_kinds[] = { "special_rent", "bank", NULL };
static const char *const line_states[] = { "unmatched", "suggested", "matched",
					   "ignored",   "suspense",  NULL };
static const char *const rule_kinds[] = { "payer_account", "unit", "head_name", "member_name",
					  NULL };
static const char *const purposes[] = { "operator_fee", "other", NULL };
static const char *const debit_kinds[] = { "operator_fees", "bank", "rent_income", "other_income",
					   NULL };

#define COL(name, title)                                                                            \
	{                                                                                           \
		name, F_INT, false, 1, 256, .desc = title "所在列（从 1 起），无则不填" \
	}

static const struct field format_body[] = {
	{ "bank_code", F_STRING, true, 2, 32, .desc = "银行代码（小写字母、数字、下划线）" },
	{ "bank_name", F_STRING, true, 1, 100, .desc = "银行名称" },
	{ "encoding", F_ENUM, false, .enums = encodings, .desc = "文件编码，默认自动识别" },
	{ "skip_rows", F_INT, true, 0, 50, .desc = "明细之前要跳过的行数（表头、标题）" },
	{ "date_format", F_ENUM, true, .enums = date_formats, .desc = "日期格式" },
	COL("col_serial", "流水号"),
	{ "col_date", F_INT, true, 1, 256, .desc = "交易日期所在列（从 1 起）" },
	COL("col_amount", "金额（收入为正）"),
	COL("col_credit", "贷方（收入）金额"),
	COL("col_debit", "借方（支出）金额"),
	COL("col_counterparty_account", "对方账号"),
	COL("col_counterparty_name", "对方户名"),
	COL("col_remark", "摘要 / 附言"),
	COL("col_balance", "余额"),
	{ NULL },
};

static const struct field account_body[] = {
	{ "name", F_STRING, true, 1, 100, .desc = "账户名称，如 保障房租金专户" },
	{ "account_no", F_STRING, true, 6, 32, .desc = "账号（数字）" },
	{ "format_id", F_INT, true, 1, INT64_MAX, .desc = "对账单格式" },
	{ "ledger_kind", F_ENUM, false, .enums = ledger_kinds,
	  .desc = "对应账簿科目：special_rent（默认，参与匹配）或 bank" },
	{ "active", F_BOOL, false, .desc = "是否启用，默认是" },
	{ NULL },
};

static const struct field import_query[] = {
	{ "encoding", F_ENUM, false, .enums = encodings, .desc = "文件编码，默认按格式" },
	{ "file_name", F_STRING, false, 1, 200, .desc = "原文件名" },
	{ NULL },
};

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, 200, .desc = "每页条数（默认 50）" },
	{ "cursor", F_STRING, false, 1, 20, .desc = "上一页返回的 next" },
	{ NULL },
};

static const struct field statement_query[] = {
	{ "bank_account_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field line_query[] = {
	{ "state", F_ENUM, false, .enums = line_states,
	  .desc = "状态；suspense 为待查明（unmatched 与 suggested）" },
	{ "bank_account_id", F_INT, false, 1, INT64_MAX },
	{ "statement_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field confirm_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX, .desc = "这笔来款所属的家庭" },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 2, 200, .desc = "撤销理由（记入审计）" },
	{ NULL },
};

static const struct field rule_body[] = {
	{ "name", F_STRING, true, 1, 100 },
	{ "kind", F_ENUM, true, .enums = rule_kinds,
	  .desc = "payer_account 已知付款账户；unit 附言中的房号；head_name 付款人为承租人；"
		  "member_name 付款人为家庭成员" },
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "只用于这个小区（不填：全部）" },
	{ "score", F_INT, true, 1, 99, .desc = "建议的分值" },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field policy_body[] = {
	{ "tolerance_fen", F_INT, true, 0, 1000000, .desc = "金额容差（分）" },
	{ "window_days", F_INT, true, 0, 366, .desc = "与应缴日期相差的天数" },
	{ NULL },
};

static const struct field balance_query[] = {
	{ "bank_account_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_DATE, false, .desc = "上一页返回的 next（日期）" },
	{ NULL },
};

static const struct field balance_body[] = {
	{ "day", F_DATE, true, .desc = "核对的日期" },
	{ NULL },
};

static const struct field owner_query[] = {
	{ "owner_id", F_INT, false, 1, INT64_MAX },
	{ "period", F_PERIOD, false },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field remittance_body[] = {
	{ "owner_id", F_INT, true, 1, INT64_MAX, .desc = "产权单位" },
	{ "period", F_PERIOD, true, .desc = "所属期间" },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX, .desc = "缴存金额（分）" },
	{ "remitted_on", F_DATE, true, .desc = "缴存日期" },
	{ "reference", F_STRING, false, 0, 200, .desc = "缴款凭证号" },
	{ "note", F_STRING, false, 0, 200 },
	{ "bank_line_id", F_INT, false, 1, INT64_MAX,
	  .desc = "专户对账单上这笔缴存的流水（待查明），可不填" },
	{ NULL },
};

static const struct field disbursement_body[] = {
	{ "purpose", F_ENUM, true, .enums = purposes,
	  .desc = "operator_fee 运营服务费；other 其他" },
	{ "debit_kind", F_ENUM, false, .enums = debit_kinds,
	  .desc = "借记科目：运营服务费为 operator_fees；其他支出须指明" },
	{ "owner_id", F_INT, false, 1, INT64_MAX, .desc = "所属产权单位，可不填" },
	{ "payee", F_STRING, true, 1, 100, .desc = "收款方" },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX, .desc = "金额（分）" },
	{ "paid_on", F_DATE, true, .desc = "支付日期" },
	{ "reference", F_STRING, false, 0, 200 },
	{ "note", F_STRING, false, 0, 200 },
	{ NULL },
};

/* ---- formats and accounts ---- */

static int
list_formats(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = bank_format_list(r->db, &items, e);

	if (rc == 0)
		reply_items(r, items);
	return rc;
}

/* Creates (POST) or replaces (PUT, the path's id) a format or an account
 * and replies it. */
static int
save_and_reply(struct req *r, const char *key, const char *msg,
	       int (*save)(struct db *, int64_t, json_t *, const struct audit_actor *, int64_t *,
			   struct anju_err *),
	       int (*get)(struct db *, int64_t, json_t **, struct anju_err *), struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0, out = 0;
	json_t *x = NULL;
	int rc;

	if (r->nparams > 0 && (rc = req_object_id(r, 0, &id, key, msg, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = save(r->db, id, r->json, &who, &out, e)) != 0 ||
	    (rc = get(r->db, out, &x, e)) != 0)
		return rc;
	reply_json(r, id > 0 ? 200 : 201, x);
	return 0;
}

static int
save_format(struct req *r, struct anju_err *e)
{
	return save_and_reply(r, "bank_format_not_found", "没有这种对账单格式", bank_format_save,
			      bank_format_get, e);
}

static int
list_accounts(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = bank_account_list(r->db, &items, e);

	if (rc == 0)
		reply_items(r, items);
	return rc;
}

static int
save_account(struct req *r, struct anju_err *e)
{
	return save_and_reply(r, "bank_account_not_found", "没有这个银行账户", bank_account_save,
			      bank_account_get, e);
}

/* ---- statements ---- */

/* The content types a CSV file arrives with (a .csv from Windows browsers
 * is application/vnd.ms-excel); the encoding is told from the bytes. */
static const char *const csv_types[] = { "text/csv", "application/csv", "text/plain",
					 "application/vnd.ms-excel", NULL };

static int
import_statement(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t account, id = 0, job = 0;
	json_t *s = NULL;
	int rc;

	if ((rc = req_object_id(r, 0, &account, "bank_account_not_found", "没有这个银行账户", e)) !=
	    0)
		return rc;
	if (r->body.n >= 4 && memcmp(r->body.p, "PK\x03\x04", 4) == 0)
		return anju_fail(e, ANJU_EMEDIATYPE, "xlsx_not_csv", NULL,
				 "这是 Excel 文件：请在网银导出 CSV，或另存为 CSV 后再导入");
	if (!req_content_type_in(r, csv_types))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "请求内容应为 CSV 文件（Content-Type: text/csv）");
	access_actor(r, &who);
	if ((rc = statement_import_create(r->db, r->caller, &who, account,
					  req_query(r, "file_name"), req_query(r, "encoding"),
					  r->body.p, r->body.n, &id, &job, e)) != 0 ||
	    (rc = statement_get(r->db, id, &s, e)) != 0)
		return rc;
	reply_json(r, 202, s);
	return 0;
}

static int
list_statements(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = statement_list(r->db, req_query_id(r, "bank_account_id"), cursor, limit, &items,
				 &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_statement(struct req *r, struct anju_err *e)
{
	json_t *s = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "bank_statement_not_found", "没有这份对账单", e)) != 0 ||
	    (rc = statement_get(r->db, id, &s, e)) != 0)
		return rc;
	reply_json(r, 200, s);
	return 0;
}

static int
statement_report(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t id, cursor, next = 0;
	int limit, rc;

	if ((rc = req_object_id(r, 0, &id, "bank_statement_not_found", "没有这份对账单", e)) != 0 ||
	    (rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = statement_errors(r->db, id, cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* ---- lines ---- */

static int
list_lines(struct req *r, struct anju_err *e)
{
	struct line_filter f = { req_query(r, "state"), req_query_id(r, "bank_account_id"),
				 req_query_id(r, "statement_id"), req_query_id(r, "household_id") };
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = bank_line_list(r->db, &f, cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_line(struct req *r, struct anju_err *e)
{
	json_t *l = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "bank_line_not_found", "没有这条银行流水", e)) != 0 ||
	    (rc = bank_line_get(r->db, id, &l, e)) != 0)
		return rc;
	reply_json(r, 200, l);
	return 0;
}

static int
confirm_line(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *l = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "bank_line_not_found", "没有这条银行流水", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = bank_line_confirm(r->db, r->caller, id, member_int(r->json, "household_id", 0),
				    &who, e)) != 0 ||
	    (rc = bank_line_get(r->db, id, &l, e)) != 0)
		return rc;
	reply_json(r, 200, l);
	return 0;
}

static int
undo_line(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *l = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "bank_line_not_found", "没有这条银行流水", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = bank_line_undo(r->db, id, member_str(r->json, "reason"), &who, e)) != 0 ||
	    (rc = bank_line_get(r->db, id, &l, e)) != 0)
		return rc;
	reply_json(r, 200, l);
	return 0;
}

static int
rematch(struct req *r, struct anju_err *e)
{
	json_t *params = json_pack("{s:s}", "by", r->caller->principal), *j = NULL;
	int64_t job = 0;
	int rc = job_create(r->db, "bank_rematch", params, r->caller->principal, &job, e);

	json_decref(params);
	if (rc != 0 || (rc = job_get(r->db, job, &j, e)) != 0)
		return rc;
	reply_json(r, 202, j);
	return 0;
}

/* The jobs of this area (imports, rematches), for their progress. */
static int
get_job(struct req *r, struct anju_err *e)
{
	json_t *j = NULL;
	const char *kind;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "job_not_found", "没有这个任务", e)) != 0 ||
	    (rc = job_get(r->db, id, &j, e)) != 0)
		return rc;
	kind = member_str(j, "kind");
	if (kind == NULL || strncmp(kind, "bank_", 5) != 0) {
		json_decref(j);
		return anju_fail(e, ANJU_ENOTFOUND, "job_not_found", NULL, "没有这个任务");
	}
	reply_json(r, 200, j);
	return 0;
}

/* ---- rules, policy, balances ---- */

static int
list_rules(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = match_rule_list(r->db, &items, e);

	if (rc == 0)
		reply_items(r, items);
	return rc;
}

static int
save_rule(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id = 0, out = 0;
	json_t *items = NULL, *x;
	size_t i;
	int rc;

	if (r->nparams > 0 &&
	    (rc = req_object_id(r, 0, &id, "match_rule_not_found", "没有这条匹配规则", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = match_rule_save(r->db, id, r->json, &who, &out, e)) != 0 ||
	    (rc = match_rule_list(r->db, &items, e)) != 0)
		return rc;
	json_array_foreach (items, i, x)
		if (member_int(x, "id", 0) == out) {
			reply_json(r, id > 0 ? 200 : 201, json_incref(x));
			break;
		}
	json_decref(items);
	return 0;
}

static int
get_policy(struct req *r, struct anju_err *e)
{
	json_t *p = NULL;
	int rc = match_policy_get(r->db, &p, e);

	if (rc == 0)
		reply_json(r, 200, p);
	return rc;
}

static int
set_policy(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *p = NULL;
	int rc;

	access_actor(r, &who);
	if ((rc = match_policy_set(r->db, member_int(r->json, "tolerance_fen", 0),
				   (int)member_int(r->json, "window_days", 0), &who, e)) != 0 ||
	    (rc = match_policy_get(r->db, &p, e)) != 0)
		return rc;
	reply_json(r, 200, p);
	return 0;
}

static int
list_balances(struct req *r, struct anju_err *e)
{
	const char *l = req_query(r, "limit");
	json_t *items = NULL;
	char next[11];
	int64_t limit = 50;
	int rc;

	if (l != NULL)
		str_to_int64(str_c(l), 1, 200, &limit);
	if ((rc = bank_balance_list(r->db, req_query_id(r, "bank_account_id"),
				    req_query(r, "cursor"), (int)limit, &items, next, e)) != 0)
		return rc;
	reply_json(r, 200,
		   json_pack("{s:o, s:o}", "items", items, "next",
			     next[0] ? json_string(next) : json_null()));
	return 0;
}

static int
compute_balances(struct req *r, struct anju_err *e)
{
	const char *day = member_str(r->json, "day");
	char today[DATE_FMT_LEN], after[DATE_FMT_LEN], next[DATE_FMT_LEN];
	json_t *items = NULL;
	struct date d;
	int rc;

	date_format(date_today_shanghai(), today);
	if (strcmp(day, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "date_in_future", "day", "日期不能晚于今天");
	if ((rc = bank_balance_compute(r->db, day, e)) != 0)
		return rc;
	/* This day's rows only: those before the next day. */
	date_parse(str_c(day), &d);
	date_format(date_add_days(d, 1), after);
	if ((rc = bank_balance_list(r->db, 0, after, 200, &items, next, e)) != 0)
		return rc;
	for (size_t i = json_array_size(items); i-- > 0;)
		if (strcmp(member_str(json_array_get(items, i), "day"), day) != 0)
			json_array_remove(items, i);
	reply_items(r, items);
	return 0;
}

/* ---- owners ---- */

static int
owner_param(struct req *r, int64_t *owner, const char **period, struct anju_err *e)
{
	struct period p;
	int rc;

	if ((rc = req_object_id(r, 0, owner, "owner_not_found", "没有这个产权单位", e)) != 0)
		return rc;
	*period = r->params[1];
	if (period_parse(str_c(*period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period",
				 "期间应为 YYYY-MM 格式");
	return 0;
}

static int
get_owner_statement(struct req *r, struct anju_err *e)
{
	const char *period;
	json_t *s = NULL;
	int64_t owner;
	int rc;

	if ((rc = owner_param(r, &owner, &period, e)) != 0 ||
	    (rc = owner_statement(r->db, owner, period, &s, e)) != 0)
		return rc;
	reply_json(r, 200, s);
	return 0;
}

static int
owner_statement_file(struct req *r, struct anju_err *e)
{
	const char *period;
	int64_t owner;
	int rc;

	if ((rc = owner_param(r, &owner, &period, e)) != 0 ||
	    (rc = owner_statement_xlsx(r->db, owner, period, &r->raw, e)) != 0)
		return rc;
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"owner-%lld-%s.xlsx\"",
				    (long long)owner, period));
	return 0;
}

static int
list_remittances(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = remittance_list(r->db, req_query_id(r, "owner_id"), req_query(r, "period"),
				  cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
one_of_list(struct req *r, int64_t id, bool remittances, struct anju_err *e)
{
	json_t *items = NULL, *x;
	int64_t next = 0;
	size_t i;
	int rc = remittances ? remittance_list(r->db, 0, NULL, id + 1, 1, &items, &next, e)
			     : disbursement_list(r->db, 0, NULL, id + 1, 1, &items, &next, e);

	if (rc != 0)
		return rc;
	json_array_foreach (items, i, x)
		if (member_int(x, "id", 0) == id)
			reply_json(r, 201, json_incref(x));
	json_decref(items);
	return 0;
}

static int
create_remittance(struct req *r, struct anju_err *e)
{
	struct remittance_in in = {
		.owner_id = member_int(r->json, "owner_id", 0),
		.period = member_str(r->json, "period"),
		.amount_fen = member_int(r->json, "amount_fen", 0),
		.remitted_on = member_str(r->json, "remitted_on"),
		.reference = member_str(r->json, "reference"),
		.note = member_str(r->json, "note"),
		.bank_line_id = member_int(r->json, "bank_line_id", 0),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = remittance_record(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return one_of_list(r, id, true, e);
}

static int
list_disbursements(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t cursor, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &cursor, e)) != 0 ||
	    (rc = disbursement_list(r->db, req_query_id(r, "owner_id"), req_query(r, "period"),
				    cursor, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
create_disbursement(struct req *r, struct anju_err *e)
{
	struct disbursement_in in = {
		.purpose = member_str(r->json, "purpose"),
		.debit_kind = member_str(r->json, "debit_kind"),
		.owner_id = member_int(r->json, "owner_id", 0),
		.payee = member_str(r->json, "payee"),
		.amount_fen = member_int(r->json, "amount_fen", 0),
		.paid_on = member_str(r->json, "paid_on"),
		.reference = member_str(r->json, "reference"),
		.note = member_str(r->json, "note"),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = disbursement_record(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return one_of_list(r, id, false, e);
}

/* ---- schemas ---- */

#define INT    "{\"type\":\"integer\"}"
#define NINT   "{\"type\":[\"integer\",\"null\"]}"
#define STR    "{\"type\":\"string\"}"
#define NSTR   "{\"type\":[\"string\",\"null\"]}"
#define BOOL   "{\"type\":\"boolean\"}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"
#define ITEMS(ref)                                                                                 \
	"{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"       \
	"\"array\",\"items\":" ref "}}}"
#define PAGE(ref)                                                                                  \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{\"items\":{"       \
	"\"type\":\"array\",\"items\":" ref "},\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"

static const struct api_schema schemas[] = {
	{ "BankFormat",
	  "{\"type\":\"object\",\"required\":[\"id\",\"bank_code\",\"bank_name\",\"encoding\","
	  "\"skip_rows\",\"date_format\",\"col_serial\",\"col_date\",\"col_amount\","
	  "\"col_credit\",\"col_debit\",\"col_counterparty_account\",\"col_counterparty_name\","
	  "\"col_remark\",\"col_balance\"],\"properties\":{\"id\":" INT ",\"bank_code\":" STR
	  ",\"bank_name\":" STR ",\"encoding\":{\"enum\":[\"auto\",\"utf8\",\"gb18030\"]},"
	  "\"skip_rows\":" INT ",\"date_format\":" STR ",\"col_serial\":" NINT ",\"col_date\":" INT
	  ",\"col_amount\":" NINT ",\"col_credit\":" NINT ",\"col_debit\":" NINT
	  ",\"col_counterparty_account\":" NINT ",\"col_counterparty_name\":" NINT
	  ",\"col_remark\":" NINT ",\"col_balance\":" NINT ",\"created_at\":" STR
	  ",\"updated_at\":" STR "}}" },
	{ "BankAccount",
	  "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"account_no\",\"format_id\","
	  "\"bank_code\",\"bank_name\",\"ledger_kind\",\"active\"],\"properties\":{\"id\":" INT
	  ",\"name\":" STR ",\"account_no\":" STR ",\"format_id\":" INT ",\"bank_code\":" STR
	  ",\"bank_name\":" STR ",\"ledger_kind\":{\"enum\":[\"special_rent\",\"bank\"]},"
	  "\"active\":" BOOL ",\"created_at\":" STR ",\"updated_at\":" STR "}}" },
	{ "BankStatement",
	  "{\"type\":\"object\",\"required\":[\"id\",\"bank_account_id\",\"bank_account_name\","
	  "\"file_name\",\"encoding\",\"state\",\"size\",\"rows\",\"lines_new\",\"error_rows\","
	  "\"matched\",\"suspense_fen\",\"first_on\",\"last_on\",\"failure\",\"job_id\","
	  "\"progress\",\"created_by\",\"created_at\",\"finished_at\"],\"properties\":{"
	  "\"id\":" INT ",\"bank_account_id\":" INT ",\"bank_account_name\":" STR
	  ",\"file_name\":" STR ",\"encoding\":" STR
	  ",\"state\":{\"enum\":[\"importing\",\"done\",\"failed\"]},\"size\":" INT ",\"rows\":" INT
	  ",\"lines_new\":" INT ",\"error_rows\":" INT ",\"matched\":" INT ",\"suspense_fen\":" INT
	  ",\"first_on\":" NSTR ",\"last_on\":" NSTR ",\"failure\":" NSTR ",\"job_id\":" NINT
	  ",\"progress\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\","
	  "\"required\":[\"done\",\"total\",\"note\"],\"properties\":{\"done\":" INT
	  ",\"total\":" INT ",\"note\":" STR "}}]},\"created_by\":" STR ",\"created_at\":" STR
	  ",\"finished_at\":" NSTR "}}" },
	{ "BankLine",
	  "{\"type\":\"object\",\"required\":[\"id\",\"bank_account_id\",\"statement_id\",\"row\","
	  "\"serial\",\"posted_on\",\"amount_fen\",\"balance_fen\",\"counterparty_account\","
	  "\"counterparty_name\",\"remark\",\"state\",\"tier\",\"household_id\",\"payment_id\","
	  "\"linked\",\"in_suspense\",\"suggestions\",\"best_score\"],\"properties\":{"
	  "\"id\":" INT ",\"bank_account_id\":" INT ",\"statement_id\":" INT ",\"row\":" INT
	  ",\"serial\":" NSTR ",\"posted_on\":" STR ",\"amount_fen\":" INT ",\"balance_fen\":" NINT
	  ",\"counterparty_account\":{\"type\":\"string\",\"pattern\":\"^([0-9]{4}\\\\*+[0-9]{4}|"
	  "[0-9]{0,8})$\"},\"counterparty_name\":" STR ",\"remark\":" STR
	  ",\"state\":{\"enum\":[\"unmatched\",\"suggested\",\"matched\",\"ignored\"]},"
	  "\"tier\":" NSTR ",\"household_id\":" NINT ",\"payment_id\":" NINT ",\"linked\":" BOOL
	  ",\"in_suspense\":" BOOL ",\"matched_at\":" NSTR ",\"matched_by\":" NSTR
	  ",\"suggestions\":" INT ",\"best_score\":" NINT
	  ",\"suggestion_list\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"id\",\"household_id\",\"tier\",\"rule\",\"rule_name\",\"score\","
	  "\"open_fen\",\"community_name\",\"head_name\",\"unit_number\"],\"properties\":{"
	  "\"id\":" INT ",\"household_id\":" INT
	  ",\"tier\":{\"enum\":[\"exact\",\"rule\",\"tolerance\",\"person\"]},\"rule\":" STR
	  ",\"rule_name\":" STR ",\"score\":" INT ",\"open_fen\":" INT ",\"community_name\":" STR
	  ",\"head_name\":" NSTR ",\"unit_number\":" NSTR "}}}}}" },
	{ "MatchRule",
	  "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"kind\",\"community_id\",\"score\","
	  "\"active\"],\"properties\":{\"id\":" INT ",\"name\":" STR
	  ",\"kind\":{\"enum\":[\"payer_account\",\"unit\",\"head_name\",\"member_name\"]},"
	  "\"community_id\":" NINT ",\"score\":" INT ",\"active\":" BOOL ",\"updated_at\":" STR
	  "}}" },
	{ "BankBalanceDay",
	  "{\"type\":\"object\",\"required\":[\"bank_account_id\",\"bank_account_name\",\"day\","
	  "\"statement_fen\",\"ledger_fen\",\"difference_fen\",\"unmatched_lines\","
	  "\"unmatched_fen\",\"computed_at\"],\"properties\":{\"bank_account_id\":" INT
	  ",\"bank_account_name\":" STR ",\"day\":" STR ",\"statement_fen\":" NINT
	  ",\"ledger_fen\":" INT ",\"difference_fen\":" NINT ",\"unmatched_lines\":" INT
	  ",\"unmatched_fen\":" INT ",\"computed_at\":" STR "}}" },
	{ "Remittance",
	  "{\"type\":\"object\",\"required\":[\"id\",\"owner_id\",\"owner_name\",\"period\","
	  "\"amount_fen\",\"remitted_on\",\"reference\",\"note\",\"bank_line_id\",\"journal_id\","
	  "\"created_by\",\"created_at\"],\"properties\":{\"id\":" INT ",\"owner_id\":" INT
	  ",\"owner_name\":" STR ",\"period\":" STR ",\"amount_fen\":" INT ",\"remitted_on\":" STR
	  ",\"reference\":" STR ",\"note\":" STR ",\"bank_line_id\":" NINT ",\"journal_id\":" NINT
	  ",\"created_by\":" STR ",\"created_at\":" STR "}}" },
	{ "Disbursement",
	  "{\"type\":\"object\",\"required\":[\"id\",\"purpose\",\"debit_kind\",\"owner_id\","
	  "\"owner_name\",\"payee\",\"amount_fen\",\"paid_on\",\"reference\",\"note\","
	  "\"journal_id\",\"created_by\",\"created_at\"],\"properties\":{\"id\":" INT
	  ",\"purpose\":{\"enum\":[\"operator_fee\",\"other\"]},\"debit_kind\":" STR
	  ",\"owner_id\":" NINT ",\"owner_name\":" NSTR ",\"payee\":" STR ",\"amount_fen\":" INT
	  ",\"paid_on\":" STR ",\"reference\":" STR ",\"note\":" STR ",\"journal_id\":" NINT
	  ",\"created_by\":" STR ",\"created_at\":" STR "}}" },
	{ "OwnerStatement",
	  "{\"type\":\"object\",\"required\":[\"owner\",\"period\",\"income\",\"spending\"],"
	  "\"properties\":{\"owner\":{\"type\":\"object\",\"required\":[\"id\",\"name\"]},"
	  "\"period\":" STR ",\"income\":{\"type\":\"object\",\"required\":[\"communities\","
	  "\"totals\",\"remitted_fen\",\"to_remit_fen\",\"remittances\"],\"properties\":{"
	  "\"communities\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"community_id\",\"community_name\",\"rent_due_fen\",\"overstay_due_fen\",\"due_fen\","
	  "\"paid_fen\",\"owed_fen\",\"collected_cash_fen\",\"collected_special_fen\"]}},"
	  "\"totals\":{\"type\":\"object\",\"required\":[\"rent_due_fen\",\"overstay_due_fen\","
	  "\"due_fen\",\"paid_fen\",\"owed_fen\",\"collected_cash_fen\","
	  "\"collected_special_fen\"]},\"remitted_fen\":" INT ",\"to_remit_fen\":" INT
	  ",\"remittances\":{\"type\":\"array\",\"items\":" REF(
		  "Remittance") "}}},"
				"\"spending\":{\"type\":\"object\",\"required\":[\"disbursements\","
				"\"total_fen\","
				"\"operator_fee_fen\",\"other_fen\"],\"properties\":{"
				"\"disbursements\":{\"type\":"
				"\"array\",\"items\":" REF(
					"Disbursement") "},\"total_fen\":" INT
							",\"operator_fee_fen\":" INT
							",\"other_fen\":" INT "}}}}" },
	{ NULL, NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/bank-formats", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = ITEMS(REF("BankFormat")), .summary = "银行对账单格式",
	  .handler = list_formats },
	{ "POST", "/api/v1/bank-formats", ACCESS_CALLER, FINANCE, .body = format_body,
	  .status = 201, .response = REF("BankFormat"),
	  .summary = "新增银行对账单格式（列的对应关系）", .handler = save_format },
	{ "PUT", "/api/v1/bank-formats/{id}", ACCESS_CALLER, FINANCE, .body = format_body,
	  .status = 200, .response = REF("BankFormat"), .summary = "修改银行对账单格式",
	  .handler = save_format },
	{ "GET", "/api/v1/bank-accounts", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = ITEMS(REF("BankAccount")), .summary = "本单位银行账户（专户等）",
	  .handler = list_accounts },
	{ "POST", "/api/v1/bank-accounts", ACCESS_CALLER, FINANCE, .body = account_body,
	  .status = 201, .response = REF("BankAccount"), .summary = "登记银行账户",
	  .handler = save_account },
	{ "PUT", "/api/v1/bank-accounts/{id}", ACCESS_CALLER, FINANCE, .body = account_body,
	  .status = 200, .response = REF("BankAccount"), .summary = "修改银行账户",
	  .handler = save_account },
	{ "POST", "/api/v1/bank-accounts/{id}/statements", ACCESS_CALLER, FINANCE,
	  .max_body = STATEMENT_MAX_INPUT, .query = import_query, .flags = ROUTE_RAW_BODY,
	  .status = 202, .response = REF("BankStatement"),
	  .summary =
		  "导入银行对账单（CSV，UTF-8 或 GB18030；后台任务，逐行校验，有错则整批不导入）",
	  .handler = import_statement },
	{ "GET", "/api/v1/bank-statements", ACCESS_CALLER, FINANCE, .query = statement_query,
	  .status = 200, .response = PAGE(REF("BankStatement")), .summary = "对账单导入记录",
	  .handler = list_statements },
	{ "GET", "/api/v1/bank-statements/{id}", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = REF("BankStatement"), .summary = "对账单导入（含进度）",
	  .handler = get_statement },
	{ "GET", "/api/v1/bank-statements/{id}/errors", ACCESS_CALLER, FINANCE, .query = page_query,
	  .status = 200,
	  .response = PAGE("{\"type\":\"object\",\"required\":[\"seq\",\"row\",\"column\","
			   "\"reason\"],\"properties\":{\"seq\":" INT ",\"row\":" INT
			   ",\"column\":" STR ",\"reason\":" STR "}}"),
	  .summary = "对账单的错误行（行号、列、原因）", .handler = statement_report },
	{ "GET", "/api/v1/bank-lines", ACCESS_CALLER, FINANCE, .query = line_query, .status = 200,
	  .response = PAGE(REF("BankLine")), .summary = "银行流水（可筛选待查明）",
	  .handler = list_lines },
	{ "POST", "/api/v1/bank-lines/rematch", ACCESS_CALLER, FINANCE, .status = 202,
	  .response = REF("Job"), .summary = "重新匹配全部待查明流水（后台任务）",
	  .handler = rematch },
	{ "GET", "/api/v1/bank-lines/{id}", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = REF("BankLine"), .summary = "银行流水及匹配建议", .handler = get_line },
	{ "POST", "/api/v1/bank-lines/{id}/confirm", ACCESS_CALLER, FINANCE, .body = confirm_body,
	  .status = 200, .response = REF("BankLine"),
	  .summary = "确认流水属于某户：转出待查明，收款入账，记住付款账户",
	  .handler = confirm_line },
	{ "POST", "/api/v1/bank-lines/{id}/undo", ACCESS_CALLER, FINANCE, .body = reason_body,
	  .status = 200, .response = REF("BankLine"),
	  .summary = "撤销匹配：冲正收款，流水回到待查明", .handler = undo_line },
	{ "GET", "/api/v1/bank-jobs/{id}", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = REF("Job"), .summary = "对账任务的进度", .handler = get_job },
	{ "GET", "/api/v1/match-rules", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = ITEMS(REF("MatchRule")), .summary = "匹配规则", .handler = list_rules },
	{ "POST", "/api/v1/match-rules", ACCESS_CALLER, FINANCE, .body = rule_body, .status = 201,
	  .response = REF("MatchRule"), .summary = "新增匹配规则", .handler = save_rule },
	{ "PUT", "/api/v1/match-rules/{id}", ACCESS_CALLER, FINANCE, .body = rule_body,
	  .status = 200, .response = REF("MatchRule"), .summary = "修改匹配规则",
	  .handler = save_rule },
	{ "GET", "/api/v1/match-policy", ACCESS_CALLER, FINANCE, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"tolerance_fen\",\"window_days\"]}",
	  .summary = "金额与日期容差", .handler = get_policy },
	{ "PUT", "/api/v1/match-policy", ACCESS_CALLER, FINANCE, .body = policy_body, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"tolerance_fen\",\"window_days\"]}",
	  .summary = "修改金额与日期容差", .handler = set_policy },
	{ "GET", "/api/v1/bank-balances", ACCESS_CALLER, FINANCE, .query = balance_query,
	  .status = 200, .response = PAGE(REF("BankBalanceDay")),
	  .summary = "银行余额与账簿每日核对", .handler = list_balances },
	{ "POST", "/api/v1/bank-balances", ACCESS_CALLER, FINANCE, .body = balance_body,
	  .status = 200, .response = ITEMS(REF("BankBalanceDay")),
	  .summary = "立即核对某日的银行余额与账簿", .handler = compute_balances },
	{ "GET", "/api/v1/owners/{id}/statements/{period}", ACCESS_CALLER, OWNER_READERS,
	  .status = 200, .response = REF("OwnerStatement"),
	  .summary = "产权单位月度对账单（收入与支出分列）", .handler = get_owner_statement },
	{ "GET", "/api/v1/owners/{id}/statements/{period}/xlsx", ACCESS_CALLER, OWNER_READERS,
	  .status = 200, .response = BINARY("xlsx 文件"), .summary = "产权单位月度对账单（xlsx）",
	  .handler = owner_statement_file },
	{ "GET", "/api/v1/remittances", ACCESS_CALLER, OWNER_READERS, .query = owner_query,
	  .status = 200, .response = PAGE(REF("Remittance")), .summary = "现金缴存专户记录",
	  .handler = list_remittances },
	{ "POST", "/api/v1/remittances", ACCESS_CALLER, FINANCE, .body = remittance_body,
	  .status = 201, .response = REF("Remittance"), .summary = "登记现金缴存专户",
	  .handler = create_remittance },
	{ "GET", "/api/v1/disbursements", ACCESS_CALLER, OWNER_READERS, .query = owner_query,
	  .status = 200, .response = PAGE(REF("Disbursement")), .summary = "专户支出",
	  .handler = list_disbursements },
	{ "POST", "/api/v1/disbursements", ACCESS_CALLER, FINANCE, .body = disbursement_body,
	  .status = 201, .response = REF("Disbursement"), .summary = "登记专户支出（如运营服务费）",
	  .handler = create_disbursement },
	{ NULL },
};

const struct api_module api_reconcile = { "reconcile", routes, schemas };
