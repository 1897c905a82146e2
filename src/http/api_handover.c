/*
 * Move-in and move-out over HTTP (issue 6 §5): a lease's handover
 * checklists, edited on a phone and completed once, and the deposit
 * settlement a move-out asks for, which runs when a second person approves
 * it (approval kind deposit.settle).  Photos are attachments of owner type
 * "handover" (api_files.c).  The domain is src/tenancy/handover.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "approval/approval.h"
#include "http/router.h"
#include "money/money.h"
#include "tenancy/handover.h"

/* Who reads checklists: the bureau, the operator's people, finance, the
 * assessor. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_ASSESSOR))
/* Who hands units over: the operator's people (建保〔2018〕92号: move-in and
 * exit management is the purchased service). */
#define WRITERS (ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who may ask again for a settlement that was rejected. */
#define SETTLERS (WRITERS | ROLE_BIT(ROLE_FINANCE))

static const struct field meter_fields[] = {
	{ "water", F_STRING, false, 1, 13, .desc = "水表读数" },
	{ "electricity", F_STRING, false, 1, 13, .desc = "电表读数" },
	{ "gas", F_STRING, false, 1, 13, .desc = "燃气表读数" },
	{ NULL },
};

static const struct field patch_body[] = {
	{ "meters", F_OBJECT, false, .fields = meter_fields, .desc = "表读数，如 \"1234.5\"" },
	{ "keys_handed", F_INT, false, 0, 99, .desc = "交接钥匙数" },
	{ "note", F_STRING, false, 0, HANDOVER_NOTE_MAX, .desc = "备注" },
	{ "tenant_agrees", F_BOOL, false, .desc = "退房：承租人同意以履约保证金结清欠费" },
	{ "repair", F_BOOL, false, .desc = "退房：房屋需维修" },
	{ "refund_channel", F_ENUM, false, .enums = handover_refund_channels,
	  .desc = "退房：退款方式" },
	{ NULL },
};

static const struct field item_fields[] = {
	{ "asset_id", F_INT, false, 1, INT64_MAX, .desc = "设施设备" },
	{ "name", F_STRING, true, 1, HANDOVER_TEXT_MAX, .desc = "项目" },
	{ "condition", F_ENUM, true, .enums = handover_conditions, .desc = "状况" },
	{ "note", F_STRING, false, 0, HANDOVER_TEXT_MAX, .desc = "说明" },
	{ "deduction_fen", F_INT, false, 0, MONEY_AMOUNT_MAX, .desc = "退房：扣款（分）" },
	{ NULL },
};

static const struct field item_spec = { "item", F_OBJECT, true, .fields = item_fields };

static const struct field items_body[] = {
	{ "items", F_ARRAY, true, 0, HANDOVER_ITEMS_MAX, .items = &item_spec },
	{ NULL },
};

static const struct field item_patch_body[] = {
	{ "condition", F_ENUM, false, .enums = handover_conditions, .desc = "状况" },
	{ "note", F_STRING, false, 0, HANDOVER_TEXT_MAX, .desc = "说明" },
	{ "deduction_fen", F_INT, false, 0, MONEY_AMOUNT_MAX, .desc = "退房：扣款（分）" },
	{ NULL },
};

static const struct field complete_body[] = {
	{ "done_on", F_DATE, false, .desc = "交接日期（默认今天）" },
	{ NULL },
};

static const struct field settlement_body[] = {
	{ "channel", F_ENUM, false, .enums = handover_refund_channels, .desc = "退款方式" },
	{ "reason", F_STRING, true, 2, 200, .desc = "理由" },
	{ NULL },
};

static const char *const kinds[] = { "move_in", "move_out", NULL };
static const char *const states[] = { "draft", "done", NULL };

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX }, { "kind", F_ENUM, false, .enums = kinds },
	{ "state", F_ENUM, false, .enums = states },    { "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },           { NULL },
};

/* -1 when absent (or null), else 0 or 1. */
static int
bool_field(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static int
reply_handover(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = handover_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
open_move_in(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t lease, id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &lease, "lease_not_found", "没有这份租赁合同", e)) != 0 ||
	    (rc = handover_move_in_open(r->db, r->caller, &who, lease, &id, e)) != 0)
		return rc;
	return reply_handover(r, 201, id, e);
}

static int
open_move_out(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t lease, id = 0;
	bool created;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &lease, "lease_not_found", "没有这份租赁合同", e)) != 0 ||
	    (rc = handover_move_out_open_scoped(r->db, r->caller, &who, lease, &id, &created, e)) !=
		    0)
		return rc;
	(void)created; /* an existing checklist is answered as a new one would be */
	return reply_handover(r, 201, id, e);
}

static int
lease_handovers(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t lease;
	int rc;

	if ((rc = req_object_id(r, 0, &lease, "lease_not_found", "没有这份租赁合同", e)) != 0 ||
	    (rc = handover_list_of_lease(r->db, r->caller, lease, &items, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:o}", "items", items));
	return 0;
}

static int
list_handovers(struct req *r, struct anju_err *e)
{
	struct handover_filter f = { 0 };
	const char *community = req_query(r, "community_id");
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.before_id, e)) != 0)
		return rc;
	f.community_id = community ? strtoll(community, NULL, 10) : 0;
	f.kind = req_query(r, "kind");
	f.state = req_query(r, "state");
	if ((rc = handover_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_handover(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0)
		return rc;
	return reply_handover(r, 200, id, e);
}

static int
patch_handover(struct req *r, struct anju_err *e)
{
	struct handover_patch p = {
		.meters = json_object_get(r->json, "meters"),
		.keys_handed = -1,
		.note = member_str(r->json, "note"),
		.tenant_agrees = bool_field(r->json, "tenant_agrees"),
		.repair = bool_field(r->json, "repair"),
		.refund_channel = member_str(r->json, "refund_channel"),
	};
	struct audit_actor who;
	json_t *keys = json_object_get(r->json, "keys_handed");
	int64_t id;
	int rc;

	if (json_is_null(p.meters))
		p.meters = NULL;
	if (json_is_integer(keys))
		p.keys_handed = (int)json_integer_value(keys);
	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0 ||
	    (rc = handover_update(r->db, r->caller, &who, id, &p, e)) != 0)
		return rc;
	return reply_handover(r, 200, id, e);
}

static int
put_items(struct req *r, struct anju_err *e)
{
	json_t *arr = json_object_get(r->json, "items"), *it;
	struct handover_item_in *items;
	struct audit_actor who;
	size_t i, n = json_array_size(arr);
	int64_t id;
	int rc;

	items = arena_alloc(r->arena, (n ? n : 1) * sizeof(*items));
	json_array_foreach (arr, i, it) {
		items[i].asset_id = json_integer_value(json_object_get(it, "asset_id"));
		items[i].name = member_str(it, "name");
		items[i].condition = member_str(it, "condition");
		items[i].note = member_str(it, "note");
		items[i].deduction_fen = json_integer_value(json_object_get(it, "deduction_fen"));
	}
	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0 ||
	    (rc = handover_items_set(r->db, r->caller, &who, id, items, (int)n, e)) != 0)
		return rc;
	return reply_handover(r, 200, id, e);
}

static int
patch_item(struct req *r, struct anju_err *e)
{
	json_t *d = json_object_get(r->json, "deduction_fen");
	struct audit_actor who;
	int64_t id, item;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0 ||
	    (rc = req_object_id(r, 1, &item, "item_not_found", "清单中没有这一项", e)) != 0 ||
	    (rc = handover_item_update(r->db, r->caller, &who, id, item,
				       member_str(r->json, "condition"),
				       member_str(r->json, "note"),
				       json_is_integer(d) ? json_integer_value(d) : -1, e)) != 0)
		return rc;
	return reply_handover(r, 200, id, e);
}

static int
complete(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *h = NULL, *a = NULL;
	int64_t id, approval = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0 ||
	    (rc = handover_complete(r->db, r->caller, &who, id,
				    r->json ? member_str(r->json, "done_on") : NULL, &approval,
				    e)) != 0 ||
	    (rc = handover_get(r->db, r->caller, id, &h, e)) != 0)
		return rc;
	if (approval > 0 && (rc = approval_get(r->db, r->caller, approval, &a, e)) != 0) {
		json_decref(h);
		return rc;
	}
	reply_json(r, 200, json_pack("{s:o, s:o}", "handover", h, "approval", a ? a : json_null()));
	return 0;
}

static int
ask_settlement(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id, community, approval = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "handover_not_found", "没有这份交接清单", e)) != 0 ||
	    (rc = handover_community(r->db, r->caller, id, &community, e)) != 0 ||
	    (rc = deposit_settlement_request(r->db, r->caller, &who, id,
					     member_str(r->json, "channel"),
					     member_str(r->json, "reason"), &approval, e)) != 0)
		return rc;
	if (approval == 0)
		return anju_fail(e, ANJU_ECONFLICT, "nothing_to_settle", NULL,
				 "没有收取履约保证金，也没有扣款，无需结算");
	if ((rc = approval_get(r->db, r->caller, approval, &a, e)) != 0)
		return rc;
	reply_json(r, 202, json_pack("{s:o}", "approval", a));
	return 0;
}

#define NULLABLE_INT  "{\"type\":[\"integer\",\"null\"]}"
#define NULLABLE_STR  "{\"type\":[\"string\",\"null\"]}"
#define NULLABLE_BOOL "{\"type\":[\"boolean\",\"null\"]}"

#define SETTLEMENT_SCHEMA                                                                          \
	"{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":[\"id\",\"state\","     \
	"\"deposit_fen\",\"deductions_fen\",\"open_fen\",\"credit_fen\",\"refund_fen\","           \
	"\"owed_after_fen\",\"tenant_agrees\",\"channel\",\"approval_id\"],\"properties\":{"       \
	"\"id\":" NULLABLE_INT ",\"state\":{\"enum\":[\"preview\",\"none\",\"requested\","         \
	"\"approved\",\"rejected\",\"canceled\"]},\"deposit_fen\":{\"type\":\"integer\"},"         \
	"\"deductions_fen\":{\"type\":\"integer\"},\"open_fen\":{\"type\":\"integer\"},"           \
	"\"credit_fen\":{\"type\":\"integer\"},\"refund_fen\":{\"type\":\"integer\"},"             \
	"\"owed_after_fen\":{\"type\":\"integer\"},\"tenant_agrees\":" NULLABLE_BOOL ","           \
	"\"channel\":" NULLABLE_STR ",\"approval_id\":" NULLABLE_INT ","                           \
	"\"refund_if_agrees_fen\":{\"type\":\"integer\"},"                                         \
	"\"refund_if_not_fen\":{\"type\":\"integer\"}}}]}"

#define ITEM_SCHEMA                                                                                \
	"{\"type\":\"object\",\"required\":[\"id\",\"seq\",\"asset_id\",\"name\",\"condition\","   \
	"\"before_condition\",\"note\",\"deduction_fen\"],\"properties\":{"                        \
	"\"id\":{\"type\":\"integer\"},\"seq\":{\"type\":\"integer\"},"                            \
	"\"asset_id\":" NULLABLE_INT ",\"name\":{\"type\":\"string\"},"                            \
	"\"condition\":{\"enum\":[\"good\",\"worn\",\"damaged\",\"missing\"]},"                    \
	"\"condition_title\":{\"type\":\"string\"},"                                               \
	"\"before_condition\":{\"enum\":[\"good\",\"worn\",\"damaged\",\"missing\",null]},"        \
	"\"before_condition_title\":" NULLABLE_STR ",\"before_note\":{\"type\":\"string\"},"       \
	"\"note\":{\"type\":\"string\"},\"deduction_fen\":{\"type\":\"integer\",\"minimum\":0}}}"

#define LEASE_BRIEF                                                                                \
	"{\"type\":\"object\",\"required\":[\"id\",\"state\",\"starts_on\",\"ends_on\"],"          \
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"chain_id\":{\"type\":\"integer\"},"       \
	"\"state\":{\"type\":\"string\"},\"starts_on\":{\"type\":\"string\"},"                     \
	"\"ends_on\":{\"type\":\"string\"},\"deposit_fen\":{\"type\":\"integer\"}}}"

#define METERS_SCHEMA                                                                              \
	"{\"type\":\"object\",\"properties\":{\"water\":" NULLABLE_STR                             \
	",\"electricity\":" NULLABLE_STR ",\"gas\":" NULLABLE_STR "}}"

#define HANDOVER_SCHEMA                                                                            \
	"{\"type\":\"object\",\"required\":[\"id\",\"lease_id\",\"chain_id\",\"household_id\","    \
	"\"unit_id\",\"community_id\",\"kind\",\"state\",\"meters\",\"keys_handed\",\"note\","     \
	"\"tenant_agrees\",\"repair\",\"refund_channel\",\"done_on\",\"items\","                   \
	"\"deductions_fen\",\"lease\",\"settlement\"],\"properties\":{"                            \
	"\"id\":{\"type\":\"integer\"},\"lease_id\":{\"type\":\"integer\"},"                       \
	"\"chain_id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"             \
	"\"unit_id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"              \
	"\"kind\":{\"enum\":[\"move_in\",\"move_out\"]},"                                          \
	"\"state\":{\"enum\":[\"draft\",\"done\"]},\"meters\":" METERS_SCHEMA ","                  \
	"\"keys_handed\":{\"type\":\"integer\"},\"note\":{\"type\":\"string\"},"                   \
	"\"tenant_agrees\":" NULLABLE_BOOL ",\"repair\":{\"type\":\"boolean\"},"                   \
	"\"refund_channel\":" NULLABLE_STR ",\"done_on\":" NULLABLE_STR ","                        \
	"\"done_by\":" NULLABLE_STR ",\"created_by\":{\"type\":\"string\"},"                       \
	"\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"},"               \
	"\"items\":{\"type\":\"array\",\"items\":" ITEM_SCHEMA "},"                                \
	"\"deductions_fen\":{\"type\":\"integer\"},\"lease\":" LEASE_BRIEF ","                     \
	"\"unit_number\":" NULLABLE_STR ",\"community_name\":" NULLABLE_STR ","                    \
	"\"unit_status\":" NULLABLE_STR ",\"settlement\":" SETTLEMENT_SCHEMA "}}"

#define SUMMARY_SCHEMA                                                                             \
	"{\"type\":\"object\",\"required\":[\"id\",\"kind\",\"state\",\"lease_id\",\"unit_id\","   \
	"\"done_on\",\"unit_number\"],\"properties\":{\"id\":{\"type\":\"integer\"},"              \
	"\"kind\":{\"enum\":[\"move_in\",\"move_out\"]},"                                          \
	"\"state\":{\"enum\":[\"draft\",\"done\"]},\"lease_id\":{\"type\":\"integer\"},"           \
	"\"household_id\":{\"type\":\"integer\"},\"unit_id\":{\"type\":\"integer\"},"              \
	"\"community_id\":{\"type\":\"integer\"},\"done_on\":" NULLABLE_STR ","                    \
	"\"unit_number\":" NULLABLE_STR ",\"created_at\":{\"type\":\"string\"},"                   \
	"\"updated_at\":{\"type\":\"string\"}}}"

#define PAGE_SCHEMA                                                                                \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" SUMMARY_SCHEMA "},\"next\":" NULLABLE_STR "}}"

static const struct api_schema schemas[] = {
	{ "Handover", HANDOVER_SCHEMA },
	{ NULL, NULL },
};

#define HANDOVER_REF "{\"$ref\":\"#/components/schemas/Handover\"}"

static const struct route routes[] = {
	{ "POST", "/api/v1/leases/{id}/move-in", ACCESS_CALLER, WRITERS, .status = 201,
	  .response = HANDOVER_REF, .summary = "开始入住交接（按房屋设施清单生成交接单）",
	  .handler = open_move_in },
	{ "POST", "/api/v1/leases/{id}/move-out", ACCESS_CALLER, WRITERS, .status = 201,
	  .response = HANDOVER_REF, .summary = "开始退房交接（按入住交接单生成；已有则返回已有的）",
	  .handler = open_move_out },
	{ "GET", "/api/v1/leases/{id}/handovers", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":"
		      "{\"type\":\"array\",\"items\":" HANDOVER_REF "}}}",
	  .summary = "合同（同一合同链、同一房屋）的入住与退房交接单", .handler = lease_handovers },
	{ "GET", "/api/v1/handovers", ACCESS_CALLER, READERS, .query = list_query, .status = 200,
	  .response = PAGE_SCHEMA, .summary = "交接单列表（新在前），可按小区、类型、状态筛选",
	  .handler = list_handovers },
	{ "GET", "/api/v1/handovers/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = HANDOVER_REF, .summary = "交接单详情（含履约保证金结算）",
	  .handler = get_handover },
	{ "PATCH", "/api/v1/handovers/{id}", ACCESS_CALLER, WRITERS, .body = patch_body,
	  .status = 200, .response = HANDOVER_REF,
	  .summary = "修改交接单：表读数、钥匙、备注；退房时承租人意见、维修、退款方式",
	  .handler = patch_handover },
	{ "PUT", "/api/v1/handovers/{id}/items", ACCESS_CALLER, WRITERS, .body = items_body,
	  .status = 200, .response = HANDOVER_REF, .summary = "整体替换交接单的项目",
	  .handler = put_items },
	{ "PATCH", "/api/v1/handovers/{id}/items/{item_id}", ACCESS_CALLER, WRITERS,
	  .body = item_patch_body, .status = 200, .response = HANDOVER_REF,
	  .summary = "修改交接单的一项：状况、说明、扣款", .handler = patch_item },
	{ "POST", "/api/v1/handovers/{id}/complete", ACCESS_CALLER, WRITERS, .body = complete_body,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"handover\",\"approval\"],"
		      "\"properties\":{\"handover\":" HANDOVER_REF ",\"approval\":{\"oneOf\":["
		      "{\"type\":\"null\"},{\"$ref\":\"#/components/schemas/Approval\"}]}}}",
	  .summary =
		  "完成交接：入住则房屋转为已入住；退房则合同终止、房屋空置，并申请履约保证金结算",
	  .handler = complete },
	{ "POST", "/api/v1/handovers/{id}/settlement", ACCESS_CALLER, SETTLERS,
	  .body = settlement_body, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"approval\"],\"properties\":{"
		      "\"approval\":{\"$ref\":\"#/components/schemas/Approval\"}}}",
	  .summary = "重新申请履约保证金结算（前一申请被驳回或撤回后）",
	  .handler = ask_settlement },
	{ NULL },
};

const struct api_module api_handover = { "handover", routes, schemas };
