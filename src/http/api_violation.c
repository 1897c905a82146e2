/*
 * Violation cases (违规), their evidence, the bureau's decisions and the
 * evidence package, and renovation requests over HTTP (upkeep part B,
 * upkeep/violation.h).  Reading is for the bureau, the operator's people,
 * inspectors and the assessor; reporting, adding evidence, investigating,
 * proposing and recording a rectification for the operator's people,
 * inspectors and the bureau; the decisions (confirm, dismiss, order a
 * rectification, refer) reach the same route and the domain answers 403
 * "bureau_only" to anyone but the bureau, which says why.  Evidence has no
 * route to change or remove it: PUT and DELETE on it answer 405.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "http/router.h"
#include "store/db.h"
#include "upkeep/violation.h"

#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_INSPECTOR) | ROLE_BIT(ROLE_ASSESSOR))
#define ACTORS                                                                                     \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_INSPECTOR))
#define RENO_ASKERS                                                                                \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
static const char *const report_sources[] = { "public", "staff", NULL };
static const char *const places[] = { "unit", "building", "entrance", "community", NULL };

static const struct field report_body[] = {
	{ "type", F_ENUM, true, .enums = violation_types,
	  .desc = "类型：sublet 转借转租调换、change_of_use 改变用途、damage 破坏或擅自装修、"
		  "illegal_activity 违法活动、idle 闲置 6 个月以上、other 其他" },
	{ "source", F_ENUM, true, .enums = report_sources,
	  .desc = "来源：public 群众举报（工作人员代为登记）、staff 工作人员发现" },
	{ "location", F_ENUM, true, .enums = places,
	  .desc = "位置：unit 房屋、building 楼栋、entrance 单元、community 小区公共区域" },
	{ "unit_id", F_INT, false, 1, INT64_MAX },
	{ "building_id", F_INT, false, 1, INT64_MAX },
	{ "entrance", F_INT, false, 1, 99 },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "place", F_STRING, false, 0, 100, .desc = "公共部位的具体位置" },
	{ "household_id", F_INT, false, 1, INT64_MAX,
	  .desc = "涉及的住户（默认：房屋的在租住户）" },
	{ "summary", F_STRING, true, 1, VIOLATION_SUMMARY_MAX, .desc = "情况说明" },
	{ "started_on", F_DATE, false, .desc = "违规开始日期（已知时）" },
	{ "reporter_name", F_STRING, false, 0, 50, .desc = "举报人姓名（加密保存，脱敏显示）" },
	{ "reporter_contact", F_STRING, false, 0, 100, .desc = "举报人联系方式（加密保存）" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "state", F_ENUM, false, .enums = violation_states },
	{ "type", F_ENUM, false, .enums = violation_types },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "unit_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field counts_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ NULL },
};

static const struct field action_body[] = {
	{ "action", F_ENUM, true, .enums = violation_actions,
	  .desc = "investigate 开始调查、propose 提出建议（运营方）、confirm 认定（住建局）、"
		  "dismiss 不予认定（住建局）、order_rectification 责令整改（住建局）、"
		  "rectify 已整改、refer 移送清退（住建局）" },
	{ "proposal", F_ENUM, false, .enums = violation_proposals,
	  .desc = "propose 时：confirm、dismiss 或 refer" },
	{ "reason", F_STRING, false, 0, VIOLATION_REASON_MAX, .desc = "理由（决定与建议必填）" },
	{ "rectify_by", F_DATE, false, .desc = "整改期限（order_rectification）" },
	{ NULL },
};

static const struct field evidence_query[] = {
	{ "kind", F_ENUM, true, .enums = violation_evidence_kinds,
	  .desc = "photo 照片（JPEG、PNG）或 document 文件（另可 PDF）" },
	{ "filename", F_STRING, false, 1, 200 },
	{ "taken_at", F_STRING, false, 20, 32, .desc = "拍摄时间（UTC，ISO 8601）；缺省取 EXIF" },
	{ "note", F_STRING, false, 0, 200 },
	{ NULL },
};

static const struct field statement_body[] = {
	{ "statement", F_STRING, true, 1, VIOLATION_STATEMENT_MAX, .desc = "陈述、询问笔录" },
	{ "taken_at", F_STRING, false, 20, 32, .desc = "陈述时间（UTC，ISO 8601）" },
	{ "note", F_STRING, false, 0, 200 },
	{ NULL },
};

static const struct field reno_body[] = {
	{ "unit_id", F_INT, true, 1, INT64_MAX },
	{ "household_id", F_INT, false, 1, INT64_MAX, .desc = "承租家庭（默认：房屋的在租住户）" },
	{ "description", F_STRING, true, 2, 1000, .desc = "装修内容" },
	{ "planned_from", F_DATE, true, .desc = "计划开工日期" },
	{ "planned_to", F_DATE, true, .desc = "计划完工日期" },
	{ NULL },
};

static const struct field reno_action_body[] = {
	{ "action", F_ENUM, true, .enums = renovation_actions,
	  .desc = "check 审核（运营方经理）、approve 批准、refuse 不批准（住建局）、done 完工" },
	{ "note", F_STRING, false, 0, VIOLATION_REASON_MAX, .desc = "说明（不批准时必填）" },
	{ "done_on", F_DATE, false, .desc = "完工日期（done；默认今天）" },
	{ NULL },
};

static const struct field reno_query[] = {
	{ "state", F_ENUM, false, .enums = renovation_states },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "unit_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
case_id(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "violation_not_found", "没有这个违规案件", e);
}

static int
reply_case(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc = violation_get(r->db, r->caller, id, &out, e);

	if (rc == 0)
		reply_json(r, status, out);
	return rc;
}

static int
report(struct req *r, struct anju_err *e)
{
	struct violation_report_in in = { 0 };
	struct audit_actor who;
	struct housing_place p;
	const char *name = member_str(r->json, "reporter_name");
	const char *contact = member_str(r->json, "reporter_contact");
	int64_t id = 0;
	bool created = false;
	int rc;

	in.type = member_str(r->json, "type");
	in.source = member_str(r->json, "source");
	in.place.location = member_str(r->json, "location");
	in.place.unit_id = member_int(r->json, "unit_id", 0);
	in.place.building_id = member_int(r->json, "building_id", 0);
	in.place.entrance = (int)member_int(r->json, "entrance", 0);
	in.place.community_id = member_int(r->json, "community_id", 0);
	in.place.place = member_str(r->json, "place");
	in.household_id = member_int(r->json, "household_id", 0);
	in.summary = member_str(r->json, "summary");
	in.started_on = member_str(r->json, "started_on");
	/* The place must be in the caller's communities (404 otherwise). */
	p = in.place;
	if ((rc = housing_place_resolve(r->db, &p, false, e)) != 0 ||
	    (rc = housing_community_visible(r->db, r->caller, p.community_id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = violation_report(r->db, &in, &who, &id, &created, e)) != 0)
		return rc;
	if (((name != NULL && name[0]) || (contact != NULL && contact[0])) &&
	    (rc = violation_set_reporter(r->db, id, name, contact, &who, e)) != 0)
		return rc;
	return reply_case(r, 201, id, e);
}

static int
list(struct req *r, struct anju_err *e)
{
	struct violation_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.type = req_query(r, "type");
	f.community_id = req_query_id(r, "community_id");
	f.household_id = req_query_id(r, "household_id");
	f.unit_id = req_query_id(r, "unit_id");
	if ((rc = violation_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
counts(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc = violation_counts(r->db, r->caller, req_query_id(r, "community_id"), &out, e);

	if (rc != 0) {
		json_decref(out);
		return rc;
	}
	reply_json(r, 200, out);
	return 0;
}

static int
get_one(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0)
		return rc;
	return reply_case(r, 200, id, e);
}

static int
preview(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0 ||
	    (rc = violation_preview(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
act(struct req *r, struct anju_err *e)
{
	struct violation_action_in in = {
		member_str(r->json, "action"),
		member_str(r->json, "proposal"),
		member_str(r->json, "reason"),
		member_str(r->json, "rectify_by"),
	};
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = violation_act(r->db, r->caller, &who, id, &in, e)) != 0)
		return rc;
	return reply_case(r, 200, id, e);
}

/* The evidence row just added, as Evidence JSON. */
static int
reply_evidence(struct req *r, int64_t case_id_, int64_t ev, struct anju_err *e)
{
	json_t *all = json_array(), *x;
	size_t i;
	int rc = violation_evidence_list(r->db, case_id_, all, e);

	if (rc != 0) {
		json_decref(all);
		return rc;
	}
	json_array_foreach (all, i, x)
		if (json_integer_value(json_object_get(x, "id")) == ev) {
			reply_json(r, 201, json_incref(x));
			break;
		}
	json_decref(all);
	return 0;
}

static int
add_file(struct req *r, struct anju_err *e)
{
	struct violation_evidence_in in = {
		.kind = req_query(r, "kind"),
		.filename = req_query(r, "filename"),
		.data = r->body.p,
		.size = r->body.n,
		.taken_at = req_query(r, "taken_at"),
		.note = req_query(r, "note"),
	};
	struct audit_actor who;
	int64_t id, ev = 0;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0)
		return rc;
	if (in.kind != NULL && strcmp(in.kind, "statement") == 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind",
				 "陈述请用 POST /api/v1/violations/{id}/statements");
	access_actor(r, &who);
	if ((rc = violation_evidence_add(r->db, r->caller, &who, id, &in, &ev, e)) != 0)
		return rc;
	return reply_evidence(r, id, ev, e);
}

static int
add_statement(struct req *r, struct anju_err *e)
{
	struct violation_evidence_in in = {
		.kind = "statement",
		.statement = member_str(r->json, "statement"),
		.taken_at = member_str(r->json, "taken_at"),
		.note = member_str(r->json, "note"),
	};
	struct audit_actor who;
	int64_t id, ev = 0;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = violation_evidence_add(r->db, r->caller, &who, id, &in, &ev, e)) != 0)
		return rc;
	return reply_evidence(r, id, ev, e);
}

static int
list_evidence(struct req *r, struct anju_err *e)
{
	int64_t id, community;
	json_t *items;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0 ||
	    (rc = violation_case_community(r->db, r->caller, id, &community, e)) != 0)
		return rc;
	items = json_array();
	if ((rc = violation_evidence_list(r->db, id, items, e)) != 0) {
		json_decref(items);
		return rc;
	}
	reply_items(r, items);
	return 0;
}

static int
get_evidence(struct req *r, struct anju_err *e)
{
	int64_t id, ev, community;
	json_t *items, *x, *found = NULL;
	size_t i;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0 ||
	    (rc = violation_case_community(r->db, r->caller, id, &community, e)) != 0)
		return rc;
	if (req_param_id(r, 1, &ev) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "evidence_not_found", NULL, "没有这项证据");
	items = json_array();
	if ((rc = violation_evidence_list(r->db, id, items, e)) != 0) {
		json_decref(items);
		return rc;
	}
	json_array_foreach (items, i, x)
		if (json_integer_value(json_object_get(x, "id")) == ev)
			found = json_incref(x);
	json_decref(items);
	if (found == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "evidence_not_found", NULL, "没有这项证据");
	reply_json(r, 200, found);
	return 0;
}

/* The package is made, hashed and its hash audited in one transaction of
 * its own (a GET has none). */
static int
package(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	char sha[65];
	int64_t id;
	int rc;

	if ((rc = case_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = violation_package(r->db, r->caller, &who, id, &r->raw, sha, e);
	if (rc == 0 && (rc = db_commit(r->db)) != 0)
		rc = db_fail(r->db, rc, e);
	if (rc != 0) {
		db_rollback(r->db);
		buf_reset(&r->raw);
		return rc;
	}
	r->status = 200;
	r->content_type = "application/zip";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"violation-%lld.zip\"",
				    (long long)id));
	req_add_header(r, "X-Package-SHA256", arena_strdup(r->arena, sha));
	req_add_header(r, "Cache-Control", "private, no-store");
	return 0;
}

/*
 * Renovation requests.
 */

static int
reno_reply(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc = renovation_get(r->db, r->caller, id, &out, e);

	if (rc == 0)
		reply_json(r, status, out);
	return rc;
}

static int
reno_create(struct req *r, struct anju_err *e)
{
	struct renovation_in in = {
		member_int(r->json, "unit_id", 0),  member_int(r->json, "household_id", 0),
		member_str(r->json, "description"), member_str(r->json, "planned_from"),
		member_str(r->json, "planned_to"),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = renovation_create(r->db, r->caller, &in, &who, &id, e)) != 0)
		return rc;
	return reno_reply(r, 201, id, e);
}

static int
reno_list(struct req *r, struct anju_err *e)
{
	struct renovation_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.state = req_query(r, "state");
	f.community_id = req_query_id(r, "community_id");
	f.unit_id = req_query_id(r, "unit_id");
	if ((rc = renovation_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
reno_get(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "renovation_not_found", "没有这个装修申请", e)) != 0)
		return rc;
	return reno_reply(r, 200, id, e);
}

static int
reno_act(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "renovation_not_found", "没有这个装修申请", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = renovation_act(r->db, r->caller, &who, id, member_str(r->json, "action"),
				 member_str(r->json, "note"), member_str(r->json, "done_on"), e)) !=
	    0)
		return rc;
	return reno_reply(r, 200, id, e);
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
#define SUMMARY_PROPS                                                                              \
	"\"id\":" I ",\"type\":" S ",\"state\":" S ",\"source\":" S ",\"community_id\":" I         \
	",\"community_name\":" S ",\"location\":" S ",\"building_id\":" IN ",\"entrance\":" IN     \
	",\"unit_id\":" IN ",\"unit_number\":" SN ",\"place\":" S ",\"household_id\":" IN          \
	",\"summary\":" S ",\"proposal\":" SN ",\"reported_at\":" S ",\"updated_at\":" S           \
	",\"started_on\":" SN
#define SUMMARY_REQ                                                                                \
	"\"id\",\"type\",\"state\",\"source\",\"community_id\",\"community_name\",\"location\","   \
	"\"building_id\",\"entrance\",\"unit_id\",\"unit_number\",\"place\",\"household_id\","     \
	"\"summary\",\"proposal\",\"reported_at\",\"updated_at\",\"started_on\""
#define NULL_OR(obj) "{\"oneOf\":[{\"type\":\"null\"}," obj "]}"

static const struct api_schema schemas[] = {
	{ "ViolationSummary",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" SUMMARY_REQ
	  "],\"properties\":{" SUMMARY_PROPS "}}" },
	{ "Evidence",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"kind\","
	  "\"attachment_id\",\"filename\",\"media_type\",\"size\",\"sha256\",\"statement\","
	  "\"note\",\"taken_at\",\"taken_source\",\"stored_at\",\"added_by\",\"added_by_name\"],"
	  "\"properties\":{\"id\":" I ",\"kind\":{\"enum\":[\"photo\",\"document\","
	  "\"statement\"]},\"attachment_id\":" IN ",\"filename\":" SN ",\"media_type\":" SN
	  ",\"size\":" IN ",\"sha256\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"},"
	  "\"statement\":" SN ",\"note\":" S ",\"taken_at\":" SN ",\"taken_source\":" SN
	  ",\"stored_at\":" S ",\"added_by\":" S ",\"added_by_name\":" SN "}}" },
	{ "Violation",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[" SUMMARY_REQ
	  ",\"source_type\",\"source_id\",\"reporter_name\",\"reporter_contact\","
	  "\"proposal_detail\",\"decision\",\"rectify_by\",\"rectified_at\",\"eviction_id\","
	  "\"reported_by\",\"reported_by_name\",\"events\",\"evidence\"],\"properties\":"
	  "{" SUMMARY_PROPS ",\"source_type\":" SN ",\"source_id\":" IN ",\"reporter_name\":" SN
	  ",\"reporter_contact\":" SN ",\"proposal_detail\":" NULL_OR(
		  "{\"type\":\"object\",\"required\":[\"proposal\",\"reason\",\"at\",\"by\","
		  "\"by_name\"]}") ",\"decision\":" NULL_OR("{\"type\":\"object\",\"required\":["
							    "\"decided_at\",\"decided_on\","
							    "\"decided_by\",\"reason\","
							    "\"back_charge_fen\",\"penalty_fen\","
							    "\"bans\"]}") ",\"rectify_by\":" SN
									  ",\"rectified_at\":" SN
									  ",\"eviction_id\":" IN
									  ",\"reported_by\":" S
									  ",\"reported_by_"
									  "name\":" SN
									  ",\"events\":{\"type\":"
									  "\"array\",\"items\":{"
									  "\"type\":"
									  "\"object\",\"required\":"
									  "[\"id\",\"action\","
									  "\"from_state\",\"to_"
									  "state\",\"note\","
									  "\"at\",\"actor\","
									  "\"actor_name\",\"actor_"
									  "role\"]}},\"evidence\":{"
									  "\"type\":\"array\","
									  "\"items\":" REF(
										  "Evidence") "}}"
											      "}" },
	{ "ViolationPreview",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"sanctioned\","
	  "\"household_id\",\"unit_id\",\"breach_from\",\"breach_to\",\"days\","
	  "\"policy_version\",\"market_rent_fen_m2\",\"floor_area\",\"market_fen\","
	  "\"rent_billed_fen\",\"back_charge_fen\",\"penalty_fen\",\"ban_years\",\"ban_from\","
	  "\"members\",\"months\"],\"properties\":{\"sanctioned\":" B ",\"household_id\":" IN
	  ",\"unit_id\":" IN ",\"breach_from\":" SN ",\"breach_to\":" S ",\"days\":" I
	  ",\"policy_version\":" IN ",\"market_rent_fen_m2\":" I ",\"floor_area\":" I
	  ",\"market_fen\":" I ",\"rent_billed_fen\":" I ",\"back_charge_fen\":" I
	  ",\"penalty_fen\":" I ",\"ban_years\":" I ",\"ban_from\":" SN
	  ",\"members\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"person_id\",\"name\",\"relationship\"]}},\"months\":{\"type\":\"array\",\"items\":"
	  "{\"type\":\"object\",\"required\":[\"period\",\"days\",\"days_in_month\","
	  "\"market_fen\",\"rent_billed_fen\"]}}}}" },
	{ "Renovation",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"unit_id\","
	  "\"unit_number\",\"community_id\",\"community_name\",\"household_id\",\"description\","
	  "\"planned_from\",\"planned_to\",\"state\",\"requested_at\",\"requested_by\","
	  "\"requested_by_name\",\"checked_at\",\"checked_by_name\",\"check_note\","
	  "\"decided_at\",\"decided_by_name\",\"decision_reason\",\"done_on\",\"done_at\","
	  "\"updated_at\"],\"properties\":{\"id\":" I ",\"unit_id\":" I ",\"unit_number\":" S
	  ",\"community_id\":" I ",\"community_name\":" S ",\"household_id\":" I
	  ",\"description\":" S ",\"planned_from\":" S ",\"planned_to\":" S
	  ",\"state\":{\"enum\":[\"requested\",\"checked\",\"approved\",\"refused\",\"done\"]}"
	  ",\"requested_at\":" S ",\"requested_by\":" S ",\"requested_by_name\":" SN
	  ",\"checked_at\":" SN ",\"checked_by_name\":" SN ",\"check_note\":" SN
	  ",\"decided_at\":" SN ",\"decided_by_name\":" SN ",\"decision_reason\":" SN
	  ",\"done_on\":" SN ",\"done_at\":" SN ",\"updated_at\":" S "}}" },
	{ NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/violations", ACCESS_CALLER, READERS, .query = list_query, .status = 200,
	  .response = PAGE_OF(REF("ViolationSummary")),
	  .summary = "违规案件看板：按状态、类型、小区筛选，新的在前", .handler = list },
	{ "POST", "/api/v1/violations", ACCESS_CALLER, ACTORS, .body = report_body, .status = 201,
	  .response = REF("Violation"),
	  .summary = "登记违规线索（群众举报或工作人员发现），案件从“疑似”开始",
	  .handler = report },
	{ "GET", "/api/v1/violations/counts", ACCESS_CALLER, READERS, .query = counts_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"by_state\",\"by_type\",\"total\"],"
		      "\"properties\":{\"by_state\":{\"type\":\"object\",\"additionalProperties\":"
		      "{\"type\":\"integer\"}},\"by_type\":{\"type\":\"object\","
		      "\"additionalProperties\":{\"type\":\"integer\"}},\"total\":" I "}}",
	  .summary = "违规案件按状态、类型的数量", .handler = counts },
	{ "GET", "/api/v1/violations/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("Violation"), .summary = "违规案件：经过、证据、决定",
	  .handler = get_one },
	{ "GET", "/api/v1/violations/{id}/preview", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("ViolationPreview"),
	  .summary = "认定前预览：补缴市场租金、罚款、禁止申请的人员", .handler = preview },
	{ "POST", "/api/v1/violations/{id}/actions", ACCESS_CALLER, ACTORS, .body = action_body,
	  .status = 200, .response = REF("Violation"),
	  .summary = "办理：调查、建议、认定或不予认定、责令整改、已整改、移送清退（决定仅住建局）",
	  .handler = act },
	{ "GET", "/api/v1/violations/{id}/evidence", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":"
		      "{\"type\":\"array\",\"items\":" REF("Evidence") "}}}",
	  .summary = "案件的证据（只增不改）", .handler = list_evidence },
	{ "POST", "/api/v1/violations/{id}/evidence", ACCESS_CALLER, ACTORS,
	  .query = evidence_query, .flags = ROUTE_RAW_BODY | ROUTE_UPLOAD, .status = 201,
	  .response = REF("Evidence"),
	  .summary = "添加照片或文件证据：请求内容就是文件；一经添加不能修改或删除",
	  .handler = add_file },
	{ "GET", "/api/v1/violations/{id}/evidence/{evidence_id}", ACCESS_CALLER, READERS,
	  .status = 200, .response = REF("Evidence"), .summary = "一项证据",
	  .handler = get_evidence },
	{ "POST", "/api/v1/violations/{id}/statements", ACCESS_CALLER, ACTORS,
	  .body = statement_body, .status = 201, .response = REF("Evidence"),
	  .summary = "添加陈述或询问笔录作为证据", .handler = add_statement },
	{ "GET", "/api/v1/violations/{id}/package.zip", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"description\":\"证据包（application/zip）：summary.pdf、证据文件、"
		      "manifest.txt\"}",
	  .summary = "下载证据包（摘要 PDF、证据文件与哈希清单；下载留痕）", .handler = package },
	{ "GET", "/api/v1/renovations", ACCESS_CALLER, READERS, .query = reno_query, .status = 200,
	  .response = PAGE_OF(REF("Renovation")), .summary = "装修申请", .handler = reno_list },
	{ "POST", "/api/v1/renovations", ACCESS_CALLER, RENO_ASKERS, .body = reno_body,
	  .status = 201, .response = REF("Renovation"),
	  .summary = "代承租人登记装修申请（第二十六条）", .handler = reno_create },
	{ "GET", "/api/v1/renovations/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("Renovation"), .summary = "一份装修申请", .handler = reno_get },
	{ "POST", "/api/v1/renovations/{id}/actions", ACCESS_CALLER, RENO_ASKERS,
	  .body = reno_action_body, .status = 200, .response = REF("Renovation"),
	  .summary = "审核（运营方经理）、批准或不批准（住建局）、完工", .handler = reno_act },
	{ NULL },
};

const struct api_module api_violation = { "violation", routes, schemas };
