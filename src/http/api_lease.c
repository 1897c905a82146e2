/*
 * Leases over HTTP (tenancy/lease.h): drafting (from an accepted offer, or
 * an existing paper lease), signing, voiding a draft, filing, renewal and
 * change; the lists of the console (leases, renewals due, filings due);
 * the contract PDF; and the public verification behind its QR code, GET
 * /l/{token} (a small zh-CN page without scripts) and the same as JSON,
 * limited per client address like the receipts' check.  Nothing here ends
 * a tenancy: that is move-out and eviction.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/date.h"
#include "files/files.h"
#include "http/public.h"
#include "http/router.h"
#include "store/db.h"
#include "tenancy/lease.h"

/* Who reads leases: the bureau, the operator's people, finance, the assessor. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_ASSESSOR))
/* Who prepares and signs them with the tenant. */
#define WRITERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* A tenant reads its own household's. */
#define OWN (READERS | ROLE_BIT(ROLE_TENANT))

/* Look-ups by token per client address and minute, across both public routes. */
#define VERIFY_PER_MINUTE 30

static const char *const lease_states[] = { "draft", "signed", "in_force", "ended", "void", NULL };
static const char *const signature_kinds[] = { "scan", "onscreen", NULL };
static const char *const change_kinds[] = { "members", "tenant", "unit", NULL };
static const char *const relationships[] = {
	"spouse", "child", "parent", "sibling", "other", NULL
};
static const char *const yes_no[] = { "true", "false", NULL };

static const struct field create_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX, .desc = "承租家庭" },
	{ "unit_id", F_INT, true, 1, INT64_MAX, .desc = "房屋（新签：已接受配租的房屋）" },
	{ "starts_on", F_DATE, true, .desc = "起始日期" },
	{ "term_months", F_INT, false, 1, 1200,
	  .desc = "期限（月），不超过政策上限；与 ends_on 二选一" },
	{ "ends_on", F_DATE, false, .desc = "终止日期（存量合同按纸质合同填写）" },
	{ "monthly_rent_fen", F_INT, false, 1, LEASE_RENT_MAX_FEN,
	  .desc = "月租金（分）：存量合同必填，按纸质合同；新签合同不填，按起始日执行的租金标准"
		  "计算（见 GET /api/v1/rent-quote），填写的金额不被采用" },
	{ "deposit_fen", F_INT, true, 0, LEASE_RENT_MAX_FEN, .desc = "履约保证金（分）" },
	{ "existing", F_BOOL, false,
	  .desc = "存量合同录入（已签纸质合同，住房保障部门或运营主管）" },
	{ "existing_reason", F_STRING, false, 0, LEASE_REASON_MAX, .desc = "存量合同录入的说明" },
	{ NULL },
};

static const struct field sign_body[] = {
	{ "signature_kind", F_ENUM, true, .enums = signature_kinds,
	  .desc = "scan 纸质合同扫描件（PDF/JPEG/PNG），onscreen 屏幕签名（PNG）" },
	{ "signature_attachment_id", F_INT, true, 1, INT64_MAX,
	  .desc = "已上传为本合同附件（owner_type=lease）的签字文件" },
	{ "signed_on", F_DATE, false, .desc = "签订日期（默认今天；存量合同可填过去的日期）" },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 2, LEASE_REASON_MAX, .desc = "原因" },
	{ NULL },
};

static const struct field file_body[] = {
	{ "filed_on", F_DATE, true, .desc = "备案日期" },
	{ "reference", F_STRING, false, 0, 64, .desc = "备案编号" },
	{ NULL },
};

static const struct field renew_body[] = {
	{ "term_months", F_INT, true, 1, 1200, .desc = "续签期限（月）" },
	{ "monthly_rent_fen", F_INT, false, 1, LEASE_RENT_MAX_FEN,
	  .desc = "不填：续签合同的月租金按其起始日执行的租金标准计算，填写的金额不被采用" },
	{ "deposit_fen", F_INT, false, 0, LEASE_RENT_MAX_FEN,
	  .desc = "履约保证金（分），默认不变；增加的部分签订时收取" },
	{ NULL },
};

static const struct field change_body[] = {
	{ "kind", F_ENUM, true, .enums = change_kinds,
	  .desc = "members 家庭成员变更，tenant 更换承租人，unit 调换房屋（住房保障部门）" },
	{ "on_date", F_DATE, false, .desc = "变更日期（默认今天）" },
	{ "member_id", F_INT, false, 1, INT64_MAX, .desc = "更换承租人：新承租人的成员编号" },
	{ "former_relationship", F_ENUM, false, .enums = relationships,
	  .desc = "更换承租人：原承租人与新承租人的关系" },
	{ "unit_id", F_INT, false, 1, INT64_MAX, .desc = "调换房屋：新的空置房屋" },
	{ "monthly_rent_fen", F_INT, false, 1, LEASE_RENT_MAX_FEN,
	  .desc = "新的月租金（分）；不填则沿用原合同的月租金及其租金标准" },
	{ "reason", F_STRING, true, 2, LEASE_REASON_MAX, .desc = "变更原因" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "unit_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "state", F_ENUM, false, .enums = lease_states },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field due_query[] = {
	{ "as_of", F_DATE, false, .desc = "按哪一天计算（默认今天）" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "overdue", F_ENUM, false, .enums = yes_no, .desc = "true：只列逾期未备案的" },
	{ NULL },
};

static const struct field check_query[] = {
	{ "as_of", F_DATE, false, .desc = "按哪一天审核（默认今天）" },
	{ NULL },
};

static int
lease_id(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份租赁合同");
	return 0;
}

static int
reply_lease(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *l = NULL;
	int rc = lease_get(r->db, r->caller, id, &l, e);

	if (rc == 0)
		reply_json(r, status, l);
	return rc;
}

/* A new lease's rent is the rent standard's (lease_create quotes it), so
 * only a paper lease reads the amount from the body: one typed for a new
 * lease is not used, and the lease's monthly_rent_fen and
 * rent_rule_version say what was. */
static int
create(struct req *r, struct anju_err *e)
{
	bool existing = json_is_true(json_object_get(r->json, "existing"));
	struct lease_in in = {
		.household_id = member_int(r->json, "household_id", 0),
		.unit_id = member_int(r->json, "unit_id", 0),
		.starts_on = member_str(r->json, "starts_on"),
		.term_months = (int)member_int(r->json, "term_months", 0),
		.ends_on = member_str(r->json, "ends_on"),
		.monthly_rent_fen = existing ? member_int(r->json, "monthly_rent_fen", 0) : 0,
		.deposit_fen = member_int(r->json, "deposit_fen", 0),
		.existing = existing,
		.existing_reason = member_str(r->json, "existing_reason"),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	if ((in.term_months > 0) == (in.ends_on != NULL))
		return anju_fail(e, ANJU_EINVAL, "term_required", "term_months",
				 "请填写合同期限（月数）或终止日期，二者选一");
	if (existing && !json_is_integer(json_object_get(r->json, "monthly_rent_fen")))
		return anju_fail(e, ANJU_EINVAL, "missing_field", "monthly_rent_fen",
				 "存量合同请填写纸质合同上的月租金");
	access_actor(r, &who);
	if ((rc = lease_create(r->db, r->caller, &in, &who, &id, e)) != 0)
		return rc;
	return reply_lease(r, 201, id, e);
}

static int
list(struct req *r, struct anju_err *e)
{
	struct lease_filter f = {
		.community_id = req_query_id(r, "community_id"),
		.unit_id = req_query_id(r, "unit_id"),
		.household_id = req_query_id(r, "household_id"),
		.state = req_query(r, "state"),
	};
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0 ||
	    (rc = lease_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
renewals_due(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = lease_renewals_due(r->db, r->caller, req_query(r, "as_of"),
				    req_query_id(r, "community_id"), &items, e);

	if (rc != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:o}", "items", items));
	return 0;
}

static int
filing_due(struct req *r, struct anju_err *e)
{
	const char *o = req_query(r, "overdue");
	json_t *items = NULL, *it;
	int64_t overdue = 0;
	size_t i;
	int rc = lease_filing_due(r->db, r->caller, req_query(r, "as_of"),
				  req_query_id(r, "community_id"),
				  o != NULL && strcmp(o, "true") == 0, &items, e);

	if (rc != 0)
		return rc;
	json_array_foreach (items, i, it)
		if (json_is_true(json_object_get(it, "overdue")))
			overdue++;
	reply_json(r, 200,
		   json_pack("{s:o, s:I, s:I}", "items", items, "total",
			     (json_int_t)json_array_size(items), "overdue", (json_int_t)overdue));
	return 0;
}

static int
get_one(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	return reply_lease(r, 200, id, e);
}

static int
sign(struct req *r, struct anju_err *e)
{
	struct lease_sign_in in = {
		.signature_kind = member_str(r->json, "signature_kind"),
		.signature_attachment_id = member_int(r->json, "signature_attachment_id", 0),
		.signed_on = member_str(r->json, "signed_on"),
	};
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = lease_sign(r->db, r->caller, id, &in, &who, e)) != 0)
		return rc;
	return reply_lease(r, 200, id, e);
}

static int
void_draft(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = lease_void(r->db, r->caller, id, member_str(r->json, "reason"), &who, e)) != 0)
		return rc;
	return reply_lease(r, 200, id, e);
}

static int
file(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = lease_file(r->db, r->caller, id, member_str(r->json, "filed_on"),
			member_str(r->json, "reference"), &who, e);
	return rc != 0 ? rc : reply_lease(r, 200, id, e);
}

static int
renewal_check(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0 ||
	    (rc = lease_renewal_check(r->db, r->caller, id, req_query(r, "as_of"), &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* A renewal's rent is the standard's on its first day (lease_renew): a
 * monthly_rent_fen in the body is accepted, for callers written before rent
 * standards, and not used. */
static int
renew(struct req *r, struct anju_err *e)
{
	json_t *dep = json_object_get(r->json, "deposit_fen");
	struct lease_renew_in in = {
		.term_months = (int)member_int(r->json, "term_months", 0),
		.deposit_fen = dep ? json_integer_value(dep) : -1,
	};
	struct audit_actor who;
	int64_t id, next = 0;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = lease_renew(r->db, r->caller, id, &in, &who, &next, e)) != 0)
		return rc;
	return reply_lease(r, 201, next, e);
}

static int
change(struct req *r, struct anju_err *e)
{
	struct lease_change_in in = {
		.kind = member_str(r->json, "kind"),
		.on_date = member_str(r->json, "on_date"),
		.member_id = member_int(r->json, "member_id", 0),
		.former_relationship = member_str(r->json, "former_relationship"),
		.unit_id = member_int(r->json, "unit_id", 0),
		.monthly_rent_fen = member_int(r->json, "monthly_rent_fen", 0),
		.reason = member_str(r->json, "reason"),
	};
	struct audit_actor who;
	int64_t id, next = 0;
	int rc;

	if ((rc = lease_id(r, &id, e)) != 0)
		return rc;
	if (strcmp(in.kind, "tenant") == 0 && in.member_id == 0)
		return anju_fail(e, ANJU_EINVAL, "required", "member_id", "请选择新的承租人");
	if (strcmp(in.kind, "unit") == 0 && in.unit_id == 0 && r->caller->role == ROLE_BUREAU)
		return anju_fail(e, ANJU_EINVAL, "required", "unit_id", "请选择调换的房屋");
	access_actor(r, &who);
	if ((rc = lease_change(r->db, r->caller, id, &in, &who, &next, e)) != 0)
		return rc;
	return reply_lease(r, 201, next, e);
}

/* The contract on record; issued first (its own transaction: this is a
 * GET) when the lease has none or its draft shows something new and the
 * caller is one who may issue it. */
static int
contract_pdf(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *meta = NULL;
	int64_t id, att = 0, size = 0;
	int fd = -1, rc;

	if ((rc = lease_id(r, &id, e)) != 0 ||
	    (rc = lease_contract_current(r->db, r->caller, id, NULL, &att, e)) != 0)
		return rc;
	if (att == 0) {
		if (!(WRITERS & ROLE_BIT(r->caller->role)))
			return anju_fail(e, ANJU_ECONFLICT, "contract_not_issued", NULL,
					 "合同文本尚未出具，请经办人员先打印合同");
		access_actor(r, &who);
		if ((rc = db_begin(r->db)) != 0)
			return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
					 "begin: %s", db_errmsg(r->db));
		rc = lease_contract_issue(r->db, r->caller, id, NULL, &who, &att, e);
		if (rc != 0) {
			db_rollback(r->db);
			return rc;
		}
		if ((rc = db_commit(r->db)) != 0) {
			db_rollback(r->db);
			return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
					 "commit: %s", db_errmsg(r->db));
		}
	}
	if ((rc = attachment_open(r->db, r->caller, att, &fd, &size, &meta, e)) != 0) {
		if (rc == ANJU_ENOTFOUND)
			return anju_fail(e, ANJU_ECONFLICT, "contract_removed", NULL,
					 "合同文本附件已被删除，请联系运营主管核查附件记录");
		return rc;
	}
	json_decref(meta);
	r->fd = fd;
	r->fd_size = size;
	r->status = 200;
	r->content_type = "application/pdf";
	req_add_header(
		r, "Content-Disposition",
		arena_printf(r->arena, "inline; filename=\"lease-%lld.pdf\"", (long long)id));
	/* Names and masked ID numbers are on it: never in a shared cache. */
	req_add_header(r, "Cache-Control", "private, no-store");
	return 0;
}

/*
 * Public verification.
 */

static struct rate_limit lookups = RATE_LIMIT(60, VERIFY_PER_MINUTE);

static int
verify(struct req *r, json_t **out, struct anju_err *e)
{
	if (!rate_allow(&lookups, r->client))
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "查询过于频繁，请一分钟后再试");
	return lease_verify(r->db, r->params[0], out, e);
}

static int
public_json(struct req *r, struct anju_err *e)
{
	json_t *v = NULL;
	int rc;

	if ((rc = verify(r, &v, e)) != 0)
		return rc;
	reply_json(r, 200, v);
	return 0;
}

static int
public_page(struct req *r, struct anju_err *e)
{
	json_t *v = NULL;
	char term[64], version[32];
	bool ok;
	int rc;

	html_page(r);
	rc = verify(r, &v, e);
	if (rc == ANJU_ENOTFOUND) {
		html_message(r, 404, "租赁合同验真", "未找到这份租赁合同。");
		return 0;
	}
	if (rc == ANJU_ELIMIT) {
		req_add_header(r, "Retry-After", "60");
		html_message(r, 429, "租赁合同验真", "查询过于频繁，请一分钟后再试。");
		return 0;
	}
	if (rc != 0)
		return rc;
	ok = json_is_true(json_object_get(v, "in_force_today"));
	snprintf(term, sizeof(term), "%s 至 %s", member_str(v, "starts_on"),
		 json_is_string(json_object_get(v, "ended_on")) ? member_str(v, "ended_on")
								: member_str(v, "ends_on"));
	snprintf(version, sizeof(version), "第 %lld 版",
		 (long long)member_int(v, "contract_version", 0));
	html_head(&r->raw, "租赁合同验真");
	buf_adds(&r->raw, "<h1>租赁合同验真</h1><dl>");
	html_row(&r->raw, "小区", member_str(v, "community"), NULL);
	html_row(&r->raw, "房号", member_str(v, "unit_number"), NULL);
	html_row(&r->raw, "租赁期限", term, NULL);
	html_row(&r->raw, "合同状态", member_str(v, "state_title"), NULL);
	html_row(&r->raw, "合同文本", version, NULL);
	{
		char title[64];

		snprintf(title, sizeof(title), "今日（%s）", member_str(v, "checked_on"));
		html_row(&r->raw, title, ok ? "有效" : "不在有效期内", ok ? "ok" : "no");
	}
	buf_adds(&r->raw, "</dl><p class=\"note\">本页仅用于核对租赁合同真伪及是否有效，"
			  "不显示承租人信息。</p></main></body></html>\n");
	r->status = 200;
	json_decref(v);
	return 0;
}

#define NULL_INT     "{\"type\":[\"integer\",\"null\"]}"
#define NULL_STR     "{\"type\":[\"string\",\"null\"]}"
#define STRING       "{\"type\":\"string\"}"
#define INTEGER      "{\"type\":\"integer\"}"
#define BOOLEAN      "{\"type\":\"boolean\"}"
#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"
#define STATE_ENUM   "{\"enum\":[\"draft\",\"signed\",\"in_force\",\"ended\",\"void\"]}"

#define SUMMARY_REQUIRED                                                                           \
	"\"id\",\"chain_id\",\"seq\",\"kind\",\"kind_title\",\"household_id\",\"unit_id\","        \
	"\"community_id\",\"community_name\",\"unit_number\",\"tenant_person_id\","                \
	"\"tenant_name\",\"state\",\"state_title\",\"starts_on\",\"ends_on\",\"ended_on\","        \
	"\"end_reason\",\"term_months\",\"monthly_rent_fen\",\"rent_rule_version\","               \
	"\"deposit_fen\",\"existing\",\"in_force_today\",\"previous_id\",\"change_kind\","         \
	"\"signed_on\",\"signature_kind\",\"witness_name\",\"filed_on\",\"filing_due_on\","        \
	"\"contract_version\",\"created_at\""

#define SUMMARY_PROPS                                                                                     \
	"\"id\":" INTEGER ",\"chain_id\":" INTEGER                                                        \
	",\"seq\":{\"type\":\"integer\",\"minimum\":1},"                                                  \
	"\"kind\":{\"enum\":[\"new\",\"renewal\",\"change\"]},\"kind_title\":" STRING ","                 \
	"\"household_id\":" INTEGER ",\"unit_id\":" INTEGER ",\"community_id\":" INTEGER ","              \
	"\"community_name\":" STRING ",\"unit_number\":" STRING ",\"tenant_person_id\":" INTEGER          \
	",\"tenant_name\":{\"type\":\"string\",\"description\":\"承租人姓名（已遮蔽）\"},"      \
	"\"state\":" STATE_ENUM ",\"state_title\":" STRING ",\"starts_on\":" STRING ","                   \
	"\"ends_on\":" STRING ",\"ended_on\":" NULL_STR ",\"end_reason\":" NULL_STR ","                   \
	"\"term_months\":" INTEGER ",\"monthly_rent_fen\":" INTEGER                                       \
	",\"rent_rule_version\":" NULL_INT ",\"deposit_fen\":" INTEGER ",\"existing\":" BOOLEAN           \
	",\"in_force_today\":" BOOLEAN ",\"previous_id\":" NULL_INT                                       \
	",\"change_kind\":{\"enum\":[\"members\",\"tenant\","                                             \
	"\"unit\",null]},\"signed_on\":" NULL_STR ",\"signature_kind\":{\"enum\":[\"scan\","              \
	"\"onscreen\",null]},\"witness_name\":" NULL_STR ",\"filed_on\":" NULL_STR ","                    \
	"\"filing_due_on\":" NULL_STR ",\"contract_version\":{\"type\":\"integer\",\"minimum\":0,"        \
	"\"description\":\"已出具的合同文本版本（合同链内编号），0：尚未出具\"}," \
	"\"created_at\":" STRING

static const struct api_schema schemas[] = {
	{ "LeaseSummary",
	  "{\"type\":\"object\",\"required\":[" SUMMARY_REQUIRED "],\"properties\":{" SUMMARY_PROPS
	  ",\"days_left\":{\"type\":\"integer\",\"description\":\"剩余天数（负数：已逾期）\"},"
	  "\"renewal_id\":" NULL_INT ",\"window_opens_on\":" STRING ",\"overdue\":" BOOLEAN "}}" },
	{ "Lease",
	  "{\"type\":\"object\",\"required\":[" SUMMARY_REQUIRED
	  ",\"existing_reason\",\"offer_id\",\"application_id\",\"policy_version\","
	  "\"change_detail\",\"members\",\"signature_attachment_id\",\"witness_principal\","
	  "\"filing_ref\",\"contract_template\",\"contract_hash\",\"contract_attachment_id\","
	  "\"contract_issued_on\",\"verify_token\",\"created_by\",\"updated_at\",\"chain\","
	  "\"attachments\",\"charges\"],\"properties\":{" SUMMARY_PROPS
	  ",\"existing_reason\":" NULL_STR ",\"offer_id\":" NULL_INT ",\"application_id\":" NULL_INT
	  ",\"policy_version\":" NULL_INT ",\"change_detail\":{\"type\":[\"object\",\"null\"],"
	  "\"description\":\"变更前后：{before, after, reason}\"},"
	  "\"members\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"person_id\",\"relationship\",\"relationship_title\",\"name\"],\"properties\":{"
	  "\"person_id\":" INTEGER ",\"relationship\":" STRING ",\"relationship_title\":" STRING
	  ",\"member_id\":" NULL_INT ",\"name\":" STRING "}}},"
	  "\"signature_attachment_id\":" NULL_INT ",\"witness_principal\":" NULL_STR
	  ",\"filing_ref\":" NULL_STR ",\"contract_template\":" STRING
	  ",\"contract_hash\":" NULL_STR ",\"contract_attachment_id\":" NULL_INT
	  ",\"contract_issued_on\":" NULL_STR ",\"verify_token\":{\"type\":\"string\","
	  "\"description\":\"验真地址 /l/{token} 的令牌\"},\"created_by\":" STRING
	  ",\"updated_at\":" STRING ",\"chain\":{\"type\":\"array\",\"items\":"
	  "{\"$ref\":\"#/components/schemas/LeaseSummary\"}},"
	  "\"attachments\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
	  "\"charges\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
	  "Charge\"}}}}" },
	{ "LeaseVerification",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"community\",\"unit_number\",\"starts_on\",\"ends_on\",\"ended_on\","
	  "\"state\",\"state_title\",\"in_force_today\",\"contract_version\",\"checked_on\"],"
	  "\"properties\":{\"community\":" STRING ",\"unit_number\":" STRING ","
	  "\"starts_on\":" STRING ",\"ends_on\":" STRING ",\"ended_on\":" NULL_STR ","
	  "\"state\":" STATE_ENUM ",\"state_title\":" STRING ",\"in_force_today\":" BOOLEAN ","
	  "\"contract_version\":" INTEGER ",\"checked_on\":" STRING "}}" },
	{ NULL },
};

#define LEASE_REF   "{\"$ref\":\"#/components/schemas/Lease\"}"
#define SUMMARY_REF "{\"$ref\":\"#/components/schemas/LeaseSummary\"}"

/* Literal segments before templated ones. */
static const struct route routes[] = {
	{ "POST", "/api/v1/leases", ACCESS_CALLER, WRITERS, .body = create_body, .status = 201,
	  .response = LEASE_REF,
	  .summary = "起草租赁合同（新签须有已接受的配租，月租金按租金标准；存量合同录入由住房保障"
		     "部门或运营主管，月租金按纸质合同）",
	  .handler = create },
	{ "GET", "/api/v1/leases", ACCESS_CALLER, READERS, .query = list_query, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" SUMMARY_REF "},"
		      "\"next\":" NULL_STR "}}",
	  .summary = "租赁合同列表（按小区、房屋、家庭、状态）", .handler = list },
	{ "GET", "/api/v1/leases/renewals-due", ACCESS_CALLER, READERS, .query = due_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" SUMMARY_REF "}}}",
	  .summary = "续签提醒：续签窗口内即将到期的合同（剩余天数、是否已起草续签）",
	  .handler = renewals_due },
	{ "GET", "/api/v1/leases/filing-due", ACCESS_CALLER, READERS, .query = due_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"total\",\"overdue\"],"
		      "\"properties\":{\"items\":{\"type\":\"array\",\"items\":" SUMMARY_REF "},"
		      "\"total\":" INTEGER ",\"overdue\":" INTEGER "}}",
	  .summary = "备案提醒：已签订未备案的合同（第十七条，逾期在前）", .handler = filing_due },
	{ "GET", "/api/v1/leases/{id}", ACCESS_CALLER, OWN, .status = 200, .response = LEASE_REF,
	  .summary = "租赁合同详情（合同链、附件、合同链的费用）", .handler = get_one },
	{ "POST", "/api/v1/leases/{id}/sign", ACCESS_CALLER, WRITERS, .body = sign_body,
	  .status = 200, .response = LEASE_REF,
	  .summary = "签订合同（扫描件或屏幕签名；收取履约保证金；到起始日即生效）",
	  .handler = sign },
	{ "POST", "/api/v1/leases/{id}/void", ACCESS_CALLER, WRITERS, .body = reason_body,
	  .status = 200, .response = LEASE_REF, .summary = "作废合同草稿", .handler = void_draft },
	{ "POST", "/api/v1/leases/{id}/file", ACCESS_CALLER, WRITERS, .body = file_body,
	  .status = 200, .response = LEASE_REF, .summary = "登记合同备案（第十七条）",
	  .handler = file },
	{ "GET", "/api/v1/leases/{id}/renewal-check", ACCESS_CALLER, WRITERS, .query = check_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"lease_id\",\"eligible\","
		      "\"eligibility\",\"crosscheck\",\"nconflicts\",\"window_opens_on\","
		      "\"in_window\",\"ends_on\"],\"properties\":{\"lease_id\":" INTEGER ","
		      "\"eligible\":" BOOLEAN ",\"eligibility\":{\"type\":\"object\"},"
		      "\"crosscheck\":{\"type\":\"object\"},\"nconflicts\":" INTEGER ","
		      "\"window_opens_on\":" STRING ",\"in_window\":" BOOLEAN ","
		      "\"ends_on\":" STRING "}}",
	  .summary = "续签审核：资格说明与联审冲突（第三十条）", .handler = renewal_check },
	{ "POST", "/api/v1/leases/{id}/renew", ACCESS_CALLER, WRITERS, .body = renew_body,
	  .status = 201, .response = LEASE_REF,
	  .summary =
		  "起草续签合同（须在续签窗口内且审核通过；自原合同到期次日起；月租金按租金标准）",
	  .handler = renew },
	{ "POST", "/api/v1/leases/{id}/change", ACCESS_CALLER, WRITERS, .body = change_body,
	  .status = 201, .response = LEASE_REF,
	  .summary = "起草变更合同（家庭成员、更换承租人；调换房屋由住房保障部门）",
	  .handler = change },
	{ "GET", "/api/v1/leases/{id}/contract.pdf", ACCESS_CALLER, OWN, .status = 200,
	  .response = BINARY("PDF 文件（application/pdf）"),
	  .summary = "合同文本（PDF，含验真二维码；同一版本每次下载内容相同）",
	  .handler = contract_pdf },
	{ "GET", "/api/v1/public/leases/{token}", ACCESS_PUBLIC, .status = 200,
	  .response = "{\"$ref\":\"#/components/schemas/LeaseVerification\"}",
	  .summary = "租赁合同验真（公开，按来源地址限制频率；不含个人信息）",
	  .handler = public_json },
	{ "GET", "/l/{token}", ACCESS_PUBLIC, .status = 200,
	  .response = BINARY("中文网页（text/html）"),
	  .summary = "租赁合同验真页（合同二维码指向这里；公开，按来源地址限制频率）",
	  .handler = public_page },
	{ NULL },
};

const struct api_module api_lease = { "leases", routes, schemas };
