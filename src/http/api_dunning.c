/*
 * Arrears, dunning, the arrears referral and the SMS outbox over HTTP
 * (rent/rent.h part B, rent/dunning.h).  Reading arrears and cases is for
 * the bureau, the operator's people, finance and the assessor; recording
 * actions and printing notices for the operator's people and finance; the
 * levels for the operator's manager and the bureau; the referral threshold
 * and the referral's decision for the bureau alone (the operator's people
 * and finance reach the decision's route and get 403 "bureau_only" from
 * the domain, which says why); the SMS sender's settings for the admin.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/mem.h"
#include "http/router.h"
#include "jobs/job.h"
#include "rent/dunning.h"
#include "rent/rent.h"
#include "store/db.h"

#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_ASSESSOR))
#define ACTORS                                                                                     \
	(ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_FINANCE))
#define LEVEL_EDITORS  (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
#define DECIDERS       (ROLE_BIT(ROLE_BUREAU) | ACTORS)
#define RUNNERS        (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_FINANCE))
#define OUTBOX_READERS (ROLE_BIT(ROLE_BUREAU) | ACTORS)
/* A notice is kept as an attachment of the case, which the operator's
 * people add (files/owners.c). */
#define NOTICE_PRINTERS (ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))

static const struct field arrears_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "as_of", F_DATE, false, .desc = "截止日期（默认今天）" },
	{ "min_months", F_INT, false, 1, 600, .desc = "至少欠缴的月数" },
	{ "level", F_STRING, false, 2, 32, .desc = "催缴等级代码；none：尚未到任何等级" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field as_of_query[] = {
	{ "as_of", F_DATE, false, .desc = "截止日期（默认今天）" },
	{ NULL },
};

static const struct field cases_query[] = {
	{ "state", F_ENUM, false, .enums = dunning_case_states, .desc = "案件状态" },
	{ "level", F_STRING, false, 2, 32, .desc = "催缴等级代码；none：尚未到任何等级" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field action_body[] = {
	{ "channel", F_ENUM, true, .enums = dunning_channels_staff,
	  .desc = "催缴方式：sms 短信、phone 电话、letter 书面、visit 上门" },
	{ "result", F_STRING, true, 2, 160, .desc = "结果（如：户主承诺月底前缴清）" },
	{ "note", F_STRING, false, 0, 160, .desc = "备注" },
	{ "attachment_id", F_INT, false, 1, INT64_MAX, .desc = "证据附件（本案件或该家庭的附件）" },
	{ NULL },
};

static const char *const level_channels[] = { "sms", "phone", "letter", "visit", NULL };

static const struct field level_create_body[] = {
	{ "code", F_STRING, true, 2, 32, .desc = "代码（小写英文字母、数字、下划线）" },
	{ "name", F_STRING, true, 1, 32, .desc = "名称" },
	{ "days_past_due", F_INT, true, 1, 3650, .desc = "最早欠缴逾期多少天达到此等级" },
	{ "channel", F_ENUM, true, .enums = level_channels, .desc = "默认催缴方式" },
	{ "template", F_STRING, true, 2, 133,
	  .desc = "通知内容，可用 {community} {unit} {months} {amount} {as_of} "
		  "{oldest_due_on} {level}" },
	{ "active", F_BOOL, false, .desc = "启用" },
	{ NULL },
};

static const struct field level_patch_body[] = {
	{ "name", F_STRING, false, 1, 32 },
	{ "days_past_due", F_INT, false, 1, 3650 },
	{ "channel", F_ENUM, false, .enums = level_channels },
	{ "template", F_STRING, false, 2, 133 },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field policy_body[] = {
	{ "referral_months", F_INT, true, 1, 60,
	  .desc = "累计欠缴多少个月提请住房保障部门决定清退（第二十九条：6）" },
	{ NULL },
};

static const struct field referrals_query[] = {
	{ "state", F_ENUM, false, .enums = referral_states, .desc = "状态" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const char *const decisions[] = { "refer", "dismiss", NULL };

static const struct field decide_body[] = {
	{ "decision", F_ENUM, true, .enums = decisions,
	  .desc = "refer：决定清退（启动清退程序）；dismiss：不予清退" },
	{ "reason", F_STRING, true, 2, 160, .desc = "决定理由" },
	{ NULL },
};

static const struct field outbox_query[] = {
	{ "state", F_ENUM, false, .enums = outbox_states, .desc = "发送状态" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field sender_body[] = {
	{ "url", F_STRING, false, 0, 500, .desc = "短信网关地址（http 或 https）；空：未配置" },
	{ "secret", F_STRING, false, 0, 200,
	  .desc = "签名密钥（16 到 200 字符；空字符串：取消签名）；保存后不再显示" },
	{ "timeout_seconds", F_INT, false, 1, 60 },
	{ "max_attempts", F_INT, false, 1, 20 },
	{ "backoff_seconds", F_INT, false, 1, 3600, .desc = "首次重试前等待的秒数，之后每次加倍" },
	{ "enabled", F_BOOL, false },
	{ NULL },
};

/*
 * Arrears.
 */

static int
list_arrears(struct req *r, struct anju_err *e)
{
	struct arrears_filter f = { 0 };
	char as_of[11];
	json_t *items = NULL;
	int64_t next = 0, min = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_chain, e)) != 0 ||
	    (rc = arrears_as_of(req_query(r, "as_of"), "as_of", as_of, e)) != 0)
		return rc;
	f.as_of = as_of;
	f.community_id = req_query_id(r, "community_id");
	if (req_query(r, "min_months") != NULL)
		str_to_int64(str_c(req_query(r, "min_months")), 1, 600, &min);
	f.min_months = (int)min;
	f.level = req_query(r, "level");
	if ((rc = arrears_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* The arrears of what the path names (a household, a chain) as of ?as_of. */
static int
reply_arrears(struct req *r, const char *key, const char *msg,
	      int (*get)(struct db *, const struct caller *, int64_t, const char *, json_t **,
			 struct anju_err *),
	      struct anju_err *e)
{
	char as_of[11];
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, key, msg, e)) != 0 ||
	    (rc = arrears_as_of(req_query(r, "as_of"), "as_of", as_of, e)) != 0 ||
	    (rc = get(r->db, r->caller, id, as_of, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
household_arrears(struct req *r, struct anju_err *e)
{
	return reply_arrears(r, "household_not_found", "没有这个家庭", arrears_household_json, e);
}

static int
chain_arrears(struct req *r, struct anju_err *e)
{
	return reply_arrears(r, "chain_not_found", "没有这个租赁（合同链）", arrears_chain_json, e);
}

/*
 * Cases.
 */

static int
list_cases(struct req *r, struct anju_err *e)
{
	struct dunning_case_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.level = req_query(r, "level");
	f.community_id = req_query_id(r, "community_id");
	f.household_id = req_query_id(r, "household_id");
	if ((rc = dunning_case_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_case(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "dunning_case_not_found", "没有这个催缴案件", e)) != 0 ||
	    (rc = dunning_case_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
record_action(struct req *r, struct anju_err *e)
{
	struct dunning_action_in in = { 0 };
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id, action = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "dunning_case_not_found", "没有这个催缴案件", e)) != 0)
		return rc;
	in.channel = member_str(r->json, "channel");
	in.result = member_str(r->json, "result");
	in.note = member_str(r->json, "note");
	in.attachment_id = member_int(r->json, "attachment_id", 0);
	access_actor(r, &who);
	if ((rc = dunning_action_record(r->db, r->caller, &who, id, &in, &action, e)) != 0 ||
	    (rc = dunning_case_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
issue_notice(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id, notice = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "dunning_case_not_found", "没有这个催缴案件", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = dunning_notice_issue(r->db, r->caller, &who, id, &notice, e)) != 0 ||
	    (rc = dunning_notice_get(r->db, r->caller, notice, &out, e)) != 0)
		return rc;
	reply_json(r, 201, out);
	return 0;
}

static int
notice_pdf(struct req *r, struct anju_err *e)
{
	int64_t id, size = 0;
	int fd = -1, rc;

	if ((rc = req_object_id(r, 0, &id, "dunning_notice_not_found", "没有这份催缴通知书", e)) !=
		    0 ||
	    (rc = dunning_notice_open(r->db, r->caller, id, &fd, &size, e)) != 0)
		return rc;
	reply_pdf(r, fd, size, arena_printf(r->arena, "dunning-notice-%lld.pdf", (long long)id));
	return 0;
}

static int
start_run(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *job = NULL;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = dunning_run_start(r->db, &who, &id, e)) != 0 ||
	    (rc = job_get(r->db, id, &job, e)) != 0)
		return rc;
	reply_json(r, 202, json_pack("{s:o}", "job", job));
	return 0;
}

/*
 * Levels and the policy.
 */

static int
list_levels(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = dunning_level_list(r->db, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static void
level_in(json_t *b, struct dunning_level_in *in)
{
	json_t *active = json_object_get(b, "active");

	in->code = member_str(b, "code");
	in->name = member_str(b, "name");
	in->channel = member_str(b, "channel");
	in->template = member_str(b, "template");
	in->days_past_due = json_object_get(b, "days_past_due")
				    ? (int)json_integer_value(json_object_get(b, "days_past_due"))
				    : -1;
	in->active = active ? json_is_true(active) : -1;
}

static int
save_level(struct req *r, int64_t id, struct anju_err *e)
{
	struct dunning_level_in in = { 0 };
	struct audit_actor who;
	json_t *out = NULL;
	int64_t saved = 0;
	int rc;

	level_in(r->json, &in);
	if (id == 0 && in.active < 0)
		in.active = 1;
	access_actor(r, &who);
	if ((rc = dunning_level_save(r->db, id, &in, &who, &saved, e)) != 0 ||
	    (rc = dunning_level_get(r->db, saved, &out, e)) != 0)
		return rc;
	reply_json(r, id == 0 ? 201 : 200, out);
	return 0;
}

static int
create_level(struct req *r, struct anju_err *e)
{
	return save_level(r, 0, e);
}

static int
patch_level(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "level_not_found", "没有这个催缴等级", e)) != 0)
		return rc;
	return save_level(r, id, e);
}

static int
get_policy(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = dunning_policy_get(r->db, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
put_policy(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	access_actor(r, &who);
	if ((rc = dunning_policy_set(r->db, (int)member_int(r->json, "referral_months", 0), &who,
				     e)) != 0)
		return rc;
	return get_policy(r, e);
}

/*
 * Referrals.
 */

static int
list_referrals(struct req *r, struct anju_err *e)
{
	struct referral_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.community_id = req_query_id(r, "community_id");
	f.household_id = req_query_id(r, "household_id");
	if ((rc = referral_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_referral(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "referral_not_found", "没有这条清退提请", e)) != 0 ||
	    (rc = referral_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
decide_referral(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id, eviction = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "referral_not_found", "没有这条清退提请", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = referral_decide(r->db, r->caller, &who, id, member_str(r->json, "decision"),
				  member_str(r->json, "reason"), &eviction, e)) != 0 ||
	    (rc = referral_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200,
		   json_pack("{s:o, s:o}", "referral", out, "eviction_id",
			     eviction > 0 ? json_integer(eviction) : json_null()));
	return 0;
}

/*
 * The outbox.
 */

static int
list_outbox(struct req *r, struct anju_err *e)
{
	struct outbox_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	if ((rc = outbox_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_message(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "message_not_found", "没有这条消息", e)) != 0 ||
	    (rc = outbox_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
retry_message(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "message_not_found", "没有这条消息", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = outbox_retry(r->db, r->caller, &who, id, e)) != 0 ||
	    (rc = outbox_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
send_now(struct req *r, struct anju_err *e)
{
	int64_t job = 0;
	int rc;

	if ((rc = outbox_kick(r->db, r->caller->principal, &job, e)) != 0)
		return rc;
	reply_json(r, 202, json_pack("{s:o}", "job_id", job > 0 ? json_integer(job) : json_null()));
	return 0;
}

static int
get_sender(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = outbox_sender_get(r->db, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
put_sender(struct req *r, struct anju_err *e)
{
	struct outbox_sender_in in = { NULL, NULL, -1, -1, -1, -1 };
	struct audit_actor who;
	json_t *b = r->json, *v;
	int rc;

	in.url = member_str(b, "url");
	in.secret = member_str(b, "secret");
	if ((v = json_object_get(b, "timeout_seconds")) != NULL)
		in.timeout_seconds = (int)json_integer_value(v);
	if ((v = json_object_get(b, "max_attempts")) != NULL)
		in.max_attempts = (int)json_integer_value(v);
	if ((v = json_object_get(b, "backoff_seconds")) != NULL)
		in.backoff_seconds = (int)json_integer_value(v);
	if ((v = json_object_get(b, "enabled")) != NULL)
		in.enabled = json_is_true(v);
	access_actor(r, &who);
	if ((rc = outbox_sender_set(r->db, &in, &who, e)) != 0)
		return rc;
	return get_sender(r, e);
}

/*
 * Contracts.
 */

#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" ref "},"                                        \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define S         "{\"type\":\"string\"}"
#define SN        "{\"type\":[\"string\",\"null\"]}"
#define I         "{\"type\":\"integer\"}"
#define IN        "{\"type\":[\"integer\",\"null\"]}"
#define B         "{\"type\":\"boolean\"}"
#define LAST_ACTION                                                                                \
	"{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":[\"channel\","          \
	"\"result\",\"acted_at\"],\"properties\":{\"channel\":" S ",\"result\":" S                 \
	",\"acted_at\":" S "}}]}"
#define ARREARS_PROPS                                                                              \
	"\"chain_id\":" I ",\"household_id\":" I ",\"community_id\":" I ",\"as_of\":" S            \
	",\"months_owed\":" I ",\"owed_fen\":" I ",\"buckets\":{\"type\":\"object\","              \
	"\"required\":[\"d0_30\",\"d31_90\",\"d91_180\",\"over_180\"],\"properties\":{"            \
	"\"d0_30\":" I ",\"d31_90\":" I ",\"d91_180\":" I ",\"over_180\":" I "}},"                 \
	"\"oldest_due_on\":" SN ",\"days_past_due\":" I
#define ARREARS_REQ                                                                                \
	"\"chain_id\",\"household_id\",\"community_id\",\"as_of\",\"months_owed\",\"owed_fen\","   \
	"\"buckets\",\"oldest_due_on\",\"days_past_due\""
#define CASE_PROPS                                                                                 \
	"\"id\":" I ",\"chain_id\":" I ",\"household_id\":" I ",\"community_id\":" I               \
	",\"community_name\":" S ",\"unit_id\":" I ",\"unit_number\":" S ",\"head_name\":" S       \
	",\"state\":{\"enum\":[\"open\",\"closed\"]},\"level\":" SN ",\"level_name\":" SN          \
	",\"level_at\":" SN ",\"opened_on\":" S ",\"closed_on\":" SN ",\"close_reason\":" SN       \
	",\"months_owed\":" I ",\"owed_fen\":" I ",\"oldest_due_on\":" SN ",\"checked_on\":" S     \
	",\"updated_at\":" S ",\"last_action\":" LAST_ACTION
#define CASE_REQ                                                                                   \
	"\"id\",\"chain_id\",\"household_id\",\"community_id\",\"community_name\",\"unit_id\","    \
	"\"unit_number\",\"head_name\",\"state\",\"level\",\"level_name\",\"level_at\","           \
	"\"opened_on\",\"closed_on\",\"close_reason\",\"months_owed\",\"owed_fen\","               \
	"\"oldest_due_on\",\"checked_on\",\"updated_at\",\"last_action\""

static const struct api_schema schemas[] = {
	{ "Arrears",
	  "{\"type\":\"object\",\"required\":[" ARREARS_REQ "],\"properties\":{" ARREARS_PROPS
	  ",\"charges\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"charge_id\",\"kind\",\"period\",\"due_on\",\"amount_fen\",\"paid_fen\","
	  "\"owed_fen\",\"days_past_due\",\"bucket\"],\"properties\":{\"charge_id\":" I
	  ",\"kind\":{\"enum\":[\"rent\",\"overstay_rent\"]},\"period\":" S ",\"due_on\":" S
	  ",\"amount_fen\":" I ",\"paid_fen\":" I ",\"owed_fen\":" I ",\"days_past_due\":" I
	  ",\"bucket\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3}}}}}}" },
	{ "ArrearsItem",
	  "{\"type\":\"object\",\"required\":[" ARREARS_REQ ",\"community_name\",\"unit_id\","
	  "\"unit_number\",\"head_name\",\"case_id\",\"level\",\"level_name\",\"last_action\","
	  "\"referral_id\"],\"properties\":{" ARREARS_PROPS ",\"community_name\":" S
	  ",\"unit_id\":" I ",\"unit_number\":" S ",\"head_name\":" S ",\"case_id\":" IN
	  ",\"level\":" SN ",\"level_name\":" SN ",\"last_action\":" LAST_ACTION
	  ",\"referral_id\":" IN "}}" },
	{ "HouseholdArrears",
	  "{\"type\":\"object\",\"required\":[\"household_id\",\"as_of\",\"months_owed\","
	  "\"owed_fen\",\"chains\"],\"properties\":{\"household_id\":" I ",\"as_of\":" S
	  ",\"months_owed\":" I ",\"owed_fen\":" I
	  ",\"chains\":{\"type\":\"array\",\"items\":" REF("Arrears") "}}}" },
	{ "DunningCase",
	  "{\"type\":\"object\",\"required\":[" CASE_REQ "],\"properties\":{" CASE_PROPS "}}" },
	{ "DunningCaseDetail",
	  "{\"type\":\"object\",\"required\":[" CASE_REQ ",\"arrears\",\"actions\",\"notices\","
	  "\"referrals\"],\"properties\":{" CASE_PROPS
	  ",\"arrears\":" REF("Arrears") ",\"actions\":{\"type\":\"array\",\"items\":" REF(
		  "DunningAction") "},"
				   "\"notices\":{\"type\":"
				   "\"array\",\"items\":" REF(
					   "DunningNotice") "},"
							    "\"referrals\":{"
							    "\"type\":"
							    "\"array\","
							    "\"items\":" REF(
								    "ArrearsReferral") "}}}" },
	{ "DunningAction",
	  "{\"type\":\"object\",\"required\":[\"id\",\"case_id\",\"household_id\",\"channel\","
	  "\"channel_title\",\"result\",\"level\",\"note\",\"acted_at\",\"actor_name\",\"auto\","
	  "\"attachment_id\",\"outbox_id\",\"outbox_state\",\"notice_id\"],\"properties\":{"
	  "\"id\":" I ",\"case_id\":" IN ",\"household_id\":" I ",\"channel\":{\"enum\":[\"sms\","
	  "\"phone\",\"letter\",\"visit\",\"withholding\"]},\"channel_title\":" S ",\"result\":" S
	  ",\"level\":" SN ",\"note\":" S ",\"acted_at\":" S ",\"actor_name\":" SN ",\"auto\":" B
	  ",\"attachment_id\":" IN ",\"outbox_id\":" IN
	  ",\"outbox_state\":{\"enum\":[\"pending\",\"sent\",\"failed\",null]},"
	  "\"notice_id\":" IN "}}" },
	{ "DunningNotice",
	  "{\"type\":\"object\",\"required\":[\"id\",\"case_id\",\"household_id\",\"level\","
	  "\"number\",\"issued_on\",\"months_owed\",\"owed_fen\",\"sha256\",\"attachment_id\","
	  "\"created_at\",\"created_by\"],\"properties\":{\"id\":" I ",\"case_id\":" I
	  ",\"household_id\":" I ",\"level\":" SN ",\"number\":" S ",\"issued_on\":" S
	  ",\"months_owed\":" I ",\"owed_fen\":" I ",\"sha256\":" S ",\"attachment_id\":" I
	  ",\"created_at\":" S ",\"created_by\":" S "}}" },
	{ "DunningLevel",
	  "{\"type\":\"object\",\"required\":[\"id\",\"code\",\"name\",\"days_past_due\","
	  "\"channel\",\"template\",\"active\",\"updated_at\",\"updated_by\"],\"properties\":{"
	  "\"id\":" I ",\"code\":" S ",\"name\":" S ",\"days_past_due\":" I
	  ",\"channel\":{\"enum\":[\"sms\",\"phone\",\"letter\",\"visit\"]},\"template\":" S
	  ",\"active\":" B ",\"updated_at\":" S ",\"updated_by\":" S "}}" },
	{ "DunningPolicy",
	  "{\"type\":\"object\",\"required\":[\"referral_months\",\"updated_at\",\"updated_by\"],"
	  "\"properties\":{\"referral_months\":" I ",\"updated_at\":" S ",\"updated_by\":" S "}}" },
	{ "ArrearsReferral",
	  "{\"type\":\"object\",\"required\":[\"id\",\"chain_id\",\"case_id\",\"household_id\","
	  "\"community_id\",\"community_name\",\"unit_id\",\"unit_number\",\"head_name\","
	  "\"state\",\"months_owed\",\"owed_fen\",\"threshold\",\"proposed_on\",\"proposed_at\","
	  "\"decided_at\",\"decided_by\",\"reason\",\"eviction_id\",\"updated_at\"],"
	  "\"properties\":{\"id\":" I ",\"chain_id\":" I ",\"case_id\":" IN ",\"household_id\":" I
	  ",\"community_id\":" I ",\"community_name\":" S ",\"unit_id\":" I ",\"unit_number\":" S
	  ",\"head_name\":" S
	  ",\"state\":{\"enum\":[\"proposed\",\"referred\",\"dismissed\",\"withdrawn\"]},"
	  "\"months_owed\":" I ",\"owed_fen\":" I ",\"threshold\":" I ",\"proposed_on\":" S
	  ",\"proposed_at\":" S ",\"decided_at\":" SN ",\"decided_by\":" SN ",\"reason\":" SN
	  ",\"eviction_id\":" IN ",\"updated_at\":" S "}}" },
	{ "OutboxMessage",
	  "{\"type\":\"object\",\"required\":[\"id\",\"channel\",\"person_id\",\"person_name\","
	  "\"community_id\",\"text\",\"state\",\"attempts\",\"next_attempt_at\",\"last_error\","
	  "\"source_type\",\"source_id\",\"created_at\",\"sent_at\",\"failed_at\","
	  "\"updated_at\"],\"properties\":{\"id\":" I ",\"channel\":{\"enum\":[\"sms\"]},"
	  "\"person_id\":" I ",\"person_name\":" S ",\"community_id\":" IN ",\"text\":" S
	  ",\"state\":{\"enum\":[\"pending\",\"sent\",\"failed\"]},\"attempts\":" I
	  ",\"next_attempt_at\":" SN ",\"last_error\":" SN ",\"source_type\":" S ",\"source_id\":" I
	  ",\"created_at\":" S ",\"sent_at\":" SN ",\"failed_at\":" SN ",\"updated_at\":" S "}}" },
	{ "OutboxSender",
	  "{\"type\":\"object\",\"required\":[\"channel\",\"url\",\"secret_set\","
	  "\"timeout_seconds\",\"max_attempts\",\"backoff_seconds\",\"enabled\",\"updated_at\","
	  "\"updated_by\",\"pending\",\"failed\"],\"properties\":{\"channel\":" S ",\"url\":" S
	  ",\"secret_set\":" B ",\"timeout_seconds\":" I ",\"max_attempts\":" I
	  ",\"backoff_seconds\":" I ",\"enabled\":" B ",\"updated_at\":" S ",\"updated_by\":" S
	  ",\"pending\":" I ",\"failed\":" I "}}" },
	{ NULL, NULL },
};

#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"

static const struct route routes[] = {
	{ "GET", "/api/v1/arrears", ACCESS_CALLER, READERS, .query = arrears_query, .status = 200,
	  .response = PAGE_OF(REF("ArrearsItem")),
	  .summary =
		  "欠缴租赁（催缴工作清单）：欠缴月数（累计）、金额、账龄、催缴等级、最近一次催缴",
	  .handler = list_arrears },
	{ "GET", "/api/v1/households/{id}/arrears", ACCESS_CALLER, READERS, .query = as_of_query,
	  .status = 200, .response = REF("HouseholdArrears"),
	  .summary = "家庭的欠缴：各租赁（合同链）的欠缴月数、金额、账龄与欠缴明细",
	  .handler = household_arrears },
	{ "GET", "/api/v1/lease-chains/{id}/arrears", ACCESS_CALLER, READERS, .query = as_of_query,
	  .status = 200, .response = REF("Arrears"),
	  .summary = "一个租赁（合同链）的欠缴月数、金额、账龄与欠缴明细",
	  .handler = chain_arrears },
	{ "GET", "/api/v1/dunning-cases", ACCESS_CALLER, READERS, .query = cases_query,
	  .status = 200, .response = PAGE_OF(REF("DunningCase")), .summary = "催缴案件",
	  .handler = list_cases },
	{ "GET", "/api/v1/dunning-cases/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("DunningCaseDetail"),
	  .summary =
		  "催缴案件：欠缴、催缴记录、催缴通知书、清退提请（欠款结清的案件读取时自动结案）",
	  .handler = get_case },
	{ "POST", "/api/v1/dunning-cases/{id}/actions", ACCESS_CALLER, ACTORS, .body = action_body,
	  .status = 201, .response = REF("DunningCaseDetail"),
	  .summary = "登记一次催缴（短信、电话、书面、上门）及其结果与证据",
	  .handler = record_action },
	{ "POST", "/api/v1/dunning-cases/{id}/notices", ACCESS_CALLER, NOTICE_PRINTERS,
	  .status = 201, .response = REF("DunningNotice"),
	  .summary = "出具催缴通知书（PDF 存入案件附件，作为催缴证据）", .handler = issue_notice },
	{ "GET", "/api/v1/dunning-notices/{id}/pdf", ACCESS_CALLER, READERS, .status = 200,
	  .response = BINARY("PDF 文件（application/pdf）"), .summary = "催缴通知书（PDF）",
	  .handler = notice_pdf },
	{ "POST", "/api/v1/dunning-runs", ACCESS_CALLER, RUNNERS, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"job\"],\"properties\":{\"job\":" REF(
		  "Job") "}}",
	  .summary = "立即运行催缴检查（开案、升级、结案、提请清退；后台任务）",
	  .handler = start_run },
	{ "GET", "/api/v1/dunning-levels", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{"
		      "\"type\":\"array\",\"items\":" REF("DunningLevel") "}}}",
	  .summary = "催缴等级（按逾期天数）", .handler = list_levels },
	{ "POST", "/api/v1/dunning-levels", ACCESS_CALLER, LEVEL_EDITORS, .body = level_create_body,
	  .status = 201, .response = REF("DunningLevel"), .summary = "新增催缴等级",
	  .handler = create_level },
	{ "PATCH", "/api/v1/dunning-levels/{id}", ACCESS_CALLER, LEVEL_EDITORS,
	  .body = level_patch_body, .status = 200, .response = REF("DunningLevel"),
	  .summary = "修改催缴等级（名称、天数、方式、内容、启用）", .handler = patch_level },
	{ "GET", "/api/v1/dunning-policy", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("DunningPolicy"), .summary = "提请清退的欠缴月数标准",
	  .handler = get_policy },
	{ "PUT", "/api/v1/dunning-policy", ACCESS_CALLER, ROLE_BIT(ROLE_BUREAU),
	  .body = policy_body, .status = 200, .response = REF("DunningPolicy"),
	  .summary = "住房保障部门设定提请清退的欠缴月数", .handler = put_policy },
	{ "GET", "/api/v1/arrears-referrals", ACCESS_CALLER, READERS, .query = referrals_query,
	  .status = 200, .response = PAGE_OF(REF("ArrearsReferral")),
	  .summary = "欠租清退提请（待住房保障部门决定的在 state=proposed）",
	  .handler = list_referrals },
	{ "GET", "/api/v1/arrears-referrals/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("ArrearsReferral"), .summary = "一条欠租清退提请",
	  .handler = get_referral },
	{ "POST", "/api/v1/arrears-referrals/{id}/decide", ACCESS_CALLER, DECIDERS,
	  .body = decide_body, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"referral\",\"eviction_id\"],"
		      "\"properties\":{\"referral\":" REF("ArrearsReferral") ",\"eviction_id\":" IN
									     "}}",
	  .summary = "住房保障部门决定：清退（启动清退程序）或不予清退",
	  .handler = decide_referral },
	{ "GET", "/api/v1/outbox", ACCESS_CALLER, OUTBOX_READERS, .query = outbox_query,
	  .status = 200, .response = PAGE_OF(REF("OutboxMessage")),
	  .summary = "短信发件箱（新的在前）", .handler = list_outbox },
	{ "POST", "/api/v1/outbox/send", ACCESS_CALLER, ACTORS, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"job_id\"],\"properties\":{"
		      "\"job_id\":" IN "}}",
	  .summary = "立即发送待发短信（已有排队的发送任务时不再新建）", .handler = send_now },
	{ "GET", "/api/v1/outbox/{id}", ACCESS_CALLER, OUTBOX_READERS, .status = 200,
	  .response = REF("OutboxMessage"), .summary = "一条短信", .handler = get_message },
	{ "POST", "/api/v1/outbox/{id}/retry", ACCESS_CALLER, ACTORS, .status = 200,
	  .response = REF("OutboxMessage"), .summary = "重发发送失败的短信",
	  .handler = retry_message },
	{ "GET", "/api/v1/outbox-sender", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .status = 200,
	  .response = REF("OutboxSender"), .summary = "短信网关设置（密钥只显示是否已设）",
	  .handler = get_sender },
	{ "PUT", "/api/v1/outbox-sender", ACCESS_CALLER, ROLE_BIT(ROLE_ADMIN), .body = sender_body,
	  .status = 200, .response = REF("OutboxSender"),
	  .summary = "设置短信网关（地址、签名密钥、超时、重试）", .handler = put_sender },
	{ NULL },
};

const struct api_module api_dunning = { "dunning", routes, schemas };
