/*
 * Work orders (维修养护), preventive plans and the maintenance ledger over
 * HTTP (upkeep/upkeep.h, upkeep/work_order.h).  The operator's people raise,
 * assign, start and finish orders and keep the plans; the bureau and the
 * assessor read, and confirm or reopen a finished order by a call-back
 * (回访), as the tenant may for its own household's; an operator role
 * reaching confirm gets 403 "callback_only" from the domain, which says
 * why.  Photos are JPEG or PNG only (415), within the route's size (413).
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/date.h"
#include "core/mem.h"
#include "files/files.h"
#include "http/router.h"
#include "store/db.h"
#include "upkeep/upkeep.h"
#include "upkeep/work_order.h"

#define OPERATORS (ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
#define READERS   (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_ASSESSOR) | OPERATORS)
#define OWN       (READERS | ROLE_BIT(ROLE_TENANT))
#define LEDGER    (READERS | ROLE_BIT(ROLE_FINANCE))

static const char *const locations[] = {
	"unit", "building", "entrance", "community", "asset", NULL
};

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "state", F_ENUM, false, .enums = work_order_states, .desc = "状态" },
	{ "category", F_ENUM, false, .enums = work_order_categories, .desc = "类别" },
	{ "urgency", F_ENUM, false, .enums = work_order_urgencies, .desc = "紧急程度" },
	{ "household_id", F_INT, false, 1, INT64_MAX, .desc = "住户" },
	{ "overdue", F_BOOL, false, .desc = "只看超时未完工的" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field counts_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ NULL },
};

static const struct field raise_body[] = {
	{ "location", F_ENUM, true, .enums = locations,
	  .desc = "位置：unit 房屋、building 楼栋、entrance 单元、community 小区公共区域、asset "
		  "设施设备" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "building_id", F_INT, false, 1, INT64_MAX },
	{ "entrance", F_INT, false, 1, 99 },
	{ "unit_id", F_INT, false, 1, INT64_MAX },
	{ "asset_id", F_INT, false, 1, INT64_MAX },
	{ "place", F_STRING, false, 0, 64, .desc = "具体位置（如：2单元电梯、厨房）" },
	{ "category", F_ENUM, true, .enums = work_order_categories,
	  .desc = "类别：water 给排水、electricity 电气、lift 电梯、roof 屋面、door_lock 门锁、"
		  "other 其他" },
	{ "urgency", F_ENUM, true, .enums = work_order_urgencies,
	  .desc = "紧急程度：emergency 紧急、urgent 较急、normal 一般" },
	{ "description", F_STRING, true, 1, 1000, .desc = "问题描述" },
	{ "household_id", F_INT, false, 1, INT64_MAX, .desc = "报修住户（房屋的默认为在租住户）" },
	{ "contact", F_STRING, false, 0, 64, .desc = "报修人姓名或电话（加密保存，脱敏显示）" },
	{ NULL },
};

static const struct field assign_body[] = {
	{ "assignee_id", F_INT, true, 1, INT64_MAX, .desc = "维修人员账号" },
	{ "note", F_STRING, false, 0, 500 },
	{ NULL },
};

static const struct field note_body[] = {
	{ "note", F_STRING, false, 0, 500 },
	{ NULL },
};

static const struct field reopen_body[] = {
	{ "note", F_STRING, true, 1, 500, .desc = "退回原因（回访发现的问题）" },
	{ NULL },
};

static const struct field material_fields[] = {
	{ "name", F_STRING, true, 1, 64, .desc = "材料名称" },
	{ "quantity", F_INT, true, 1, 100000 },
	{ "unit", F_STRING, false, 0, 8, .desc = "单位（个、米）" },
	{ "amount_fen", F_INT, true, 0, 1000000000, .desc = "金额（分）" },
	{ NULL },
};
static const struct field material = { "material", F_OBJECT, true, .fields = material_fields };

static const struct field done_body[] = {
	{ "responsibility", F_ENUM, true, .enums = work_order_responsibilities,
	  .desc = "责任方：operator 承接主体、tenant 住户承担、warranty 保修或施工单位、owner "
		  "产权单位" },
	{ "cost_fen", F_INT, true, 0, 1000000000, .desc = "费用（分）" },
	{ "materials", F_ARRAY, false, 0, WORK_ORDER_MATERIALS_MAX, .items = &material },
	{ "note", F_STRING, false, 0, 500, .desc = "完工说明" },
	{ NULL },
};

static const struct field confirm_body[] = {
	{ "satisfaction", F_INT, true, 1, 5, .desc = "满意度 1 到 5 分" },
	{ "note", F_STRING, false, 0, 500, .desc = "回访记录" },
	{ NULL },
};

static const struct field photo_query[] = {
	{ "filename", F_STRING, false, 1, 200, .desc = "原文件名" },
	{ "note", F_STRING, false, 0, 500 },
	{ NULL },
};

static const struct field deadline_body[] = {
	{ "hours", F_INT, true, 1, 8760, .desc = "完成时限（小时）" },
	{ NULL },
};

static const struct field plan_body[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（按设施设备类型时必填）" },
	{ "asset_id", F_INT, false, 1, INT64_MAX, .desc = "一台设施设备" },
	{ "asset_type", F_STRING, false, 1, 32, .desc = "或小区内某类设施设备（如：电梯）" },
	{ "name", F_STRING, true, 1, 64 },
	{ "category", F_ENUM, true, .enums = work_order_categories },
	{ "urgency", F_ENUM, false, .enums = work_order_urgencies },
	{ "description", F_STRING, true, 1, 900 },
	{ "freq", F_ENUM, true, .enums = preventive_freqs,
	  .desc = "频次：weekly 每周、monthly 每月、quarterly 每季度" },
	{ "day", F_INT, true, 1, 31, .desc = "每周的星期几（1-7）或每月几日（1-31）" },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field plan_patch_body[] = {
	{ "name", F_STRING, false, 1, 64 },
	{ "urgency", F_ENUM, false, .enums = work_order_urgencies },
	{ "description", F_STRING, false, 1, 900 },
	{ "freq", F_ENUM, false, .enums = preventive_freqs },
	{ "day", F_INT, false, 1, 31 },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field plans_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field ledger_query[] = {
	{ "community_id", F_INT, true, 1, INT64_MAX },
	{ "period", F_PERIOD, true, .desc = "月份 YYYY-MM" },
	{ NULL },
};

/*
 * Work orders.
 */

static int
order_id(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "work_order_not_found", "没有这个维修工单", e);
}

static int
reply_order(struct req *r, int64_t id, int status, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = work_order_get(r->db, r->caller, id, time_now_us(), &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
list_orders(struct req *r, struct anju_err *e)
{
	struct work_order_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.community_id = req_query_id(r, "community_id");
	f.household_id = req_query_id(r, "household_id");
	f.state = req_query(r, "state");
	f.category = req_query(r, "category");
	f.urgency = req_query(r, "urgency");
	f.overdue = req_query(r, "overdue") != NULL && strcmp(req_query(r, "overdue"), "true") == 0;
	if ((rc = work_order_list(r->db, r->caller, &f, time_now_us(), &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
counts(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = work_order_counts(r->db, r->caller, req_query_id(r, "community_id"),
				    time_now_us(), &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
raise(struct req *r, struct anju_err *e)
{
	struct work_order_in in = { 0 };
	struct audit_actor who;
	int64_t id = 0, community;
	bool created = false;
	int rc;

	in.place.location = member_str(r->json, "location");
	in.place.community_id = member_int(r->json, "community_id", 0);
	in.place.building_id = member_int(r->json, "building_id", 0);
	in.place.entrance = (int)member_int(r->json, "entrance", 0);
	in.place.unit_id = member_int(r->json, "unit_id", 0);
	in.place.asset_id = member_int(r->json, "asset_id", 0);
	in.place.place = member_str(r->json, "place");
	in.category = member_str(r->json, "category");
	in.urgency = member_str(r->json, "urgency");
	in.description = member_str(r->json, "description");
	in.household_id = member_int(r->json, "household_id", 0);
	in.contact = member_str(r->json, "contact");
	in.source = r->caller->kind == CALLER_API_KEY ? "api" : "staff";
	access_actor(r, &who);
	if ((rc = work_order_raise(r->db, &in, &who, &id, &created, e)) != 0)
		return rc;
	/* Raised outside the caller's communities: it does not exist for it. */
	if ((rc = work_order_community(r->db, r->caller, id, &community, e)) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	return reply_order(r, id, 201, e);
}

static int
get_order(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = order_id(r, &id, e)) != 0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
assign(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = order_id(r, &id, e)) != 0 ||
	    (rc = work_order_assign(r->db, r->caller, id, member_int(r->json, "assignee_id", 0),
				    member_str(r->json, "note"), &who, e)) != 0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
start(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = order_id(r, &id, e)) != 0 ||
	    (rc = work_order_start(r->db, r->caller, id, member_str(r->json, "note"), &who, e)) !=
		    0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
done(struct req *r, struct anju_err *e)
{
	struct work_order_material_in m[WORK_ORDER_MATERIALS_MAX];
	struct work_order_done_in in = { 0 };
	json_t *arr = json_object_get(r->json, "materials"), *it;
	struct audit_actor who;
	size_t i;
	int64_t id;
	int rc;

	if ((rc = order_id(r, &id, e)) != 0)
		return rc;
	in.responsibility = member_str(r->json, "responsibility");
	in.cost_fen = member_int(r->json, "cost_fen", 0);
	in.note = member_str(r->json, "note");
	json_array_foreach (arr, i, it) {
		if (i >= WORK_ORDER_MATERIALS_MAX)
			break;
		m[i].name = member_str(it, "name");
		m[i].quantity = (int)member_int(it, "quantity", 0);
		m[i].unit = member_str(it, "unit");
		m[i].amount_fen = member_int(it, "amount_fen", 0);
		in.nmaterials = (int)i + 1;
	}
	in.materials = m;
	access_actor(r, &who);
	if ((rc = work_order_done(r->db, r->caller, id, &in, &who, e)) != 0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
confirm(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = order_id(r, &id, e)) != 0 ||
	    (rc = work_order_confirm(r->db, r->caller, id,
				     (int)member_int(r->json, "satisfaction", 0),
				     member_str(r->json, "note"), &who, e)) != 0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
reopen(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = order_id(r, &id, e)) != 0 ||
	    (rc = work_order_reopen(r->db, r->caller, id, member_str(r->json, "note"), &who, e)) !=
		    0)
		return rc;
	return reply_order(r, id, 200, e);
}

static int
add_photo(struct req *r, struct anju_err *e)
{
	const char *type = files_sniff(r->body.p, r->body.n);
	struct attachment_in in = { .owner_type = "work_order",
				    .category = "photo",
				    .filename = req_query(r, "filename"),
				    .note = req_query(r, "note"),
				    .data = r->body.p,
				    .size = r->body.n };
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id, att = 0;
	int rc;

	if ((rc = order_id(r, &id, e)) != 0)
		return rc;
	if (r->body.n == 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "empty_file", NULL, "文件是空的");
	if (type == NULL || (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "照片只能是 JPEG 或 PNG");
	in.owner_id = id;
	access_actor(r, &who);
	if ((rc = attachment_add(r->db, r->caller, &in, &who, &att, e)) != 0 ||
	    (rc = attachment_get(r->db, r->caller, att, &a, e)) != 0)
		return rc;
	reply_json(r, 201, a);
	return 0;
}

static int
reveal_contact(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	char *plain = NULL;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = order_id(r, &id, e)) != 0 ||
	    (rc = work_order_contact_reveal(r->db, r->caller, id, &who, &plain, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:s}", "contact", plain));
	free(plain);
	return 0;
}

static int
list_deadlines(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = work_order_deadlines(r->db, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
put_deadline(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	access_actor(r, &who);
	if ((rc = work_order_deadline_set(r->db, r->params[0], (int)member_int(r->json, "hours", 0),
					  &who, e)) != 0)
		return rc;
	return list_deadlines(r, e);
}

/*
 * Preventive plans.
 */

static int
plan_id(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "plan_not_found", "没有这个预防性维护计划", e);
}

static void
plan_in(json_t *b, struct preventive_plan_in *in)
{
	json_t *active = json_object_get(b, "active");

	in->community_id = member_int(b, "community_id", 0);
	in->asset_id = member_int(b, "asset_id", 0);
	in->asset_type = member_str(b, "asset_type");
	in->name = member_str(b, "name");
	in->category = member_str(b, "category");
	in->urgency = member_str(b, "urgency");
	in->description = member_str(b, "description");
	in->freq = member_str(b, "freq");
	in->day = (int)member_int(b, "day", 0);
	in->active = active == NULL ? -1 : json_is_true(active);
}

static int
reply_plan(struct req *r, int64_t id, int status, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = preventive_plan_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
list_plans(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after = 0, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = preventive_plan_list(r->db, r->caller, req_query_id(r, "community_id"), after,
				       limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
create_plan(struct req *r, struct anju_err *e)
{
	struct preventive_plan_in in = { 0 };
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	plan_in(r->json, &in);
	if (in.active < 0)
		in.active = 1;
	access_actor(r, &who);
	if ((rc = preventive_plan_create(r->db, r->caller, &in, &who, &id, e)) != 0)
		return rc;
	return reply_plan(r, id, 201, e);
}

static int
get_plan(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = plan_id(r, &id, e)) != 0)
		return rc;
	return reply_plan(r, id, 200, e);
}

static int
patch_plan(struct req *r, struct anju_err *e)
{
	struct preventive_plan_in in = { 0 };
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = plan_id(r, &id, e)) != 0)
		return rc;
	plan_in(r->json, &in);
	if (in.freq != NULL && in.day == 0)
		return anju_fail(e, ANJU_EINVAL, "required", "day", "修改频次时请同时填写日期");
	access_actor(r, &who);
	if ((rc = preventive_plan_update(r->db, r->caller, id, &in, &who, e)) != 0)
		return rc;
	return reply_plan(r, id, 200, e);
}

/*
 * The maintenance ledger.
 */

static int
ledger(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = maintenance_ledger(r->db, r->caller, req_query_id(r, "community_id"),
				     req_query(r, "period"), &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
ledger_xlsx(struct req *r, struct anju_err *e)
{
	int rc;

	if ((rc = maintenance_ledger_xlsx(r->db, r->caller, req_query_id(r, "community_id"),
					  req_query(r, "period"), &r->raw, e)) != 0)
		return rc;
	r->status = 200;
	r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "attachment; filename=\"maintenance-ledger-%s.xlsx\"",
				    req_query(r, "period")));
	return 0;
}

#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" ref "},"                                        \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define S  "{\"type\":\"string\"}"
#define SN "{\"type\":[\"string\",\"null\"]}"
#define I  "{\"type\":\"integer\"}"
#define IN "{\"type\":[\"integer\",\"null\"]}"
#define B  "{\"type\":\"boolean\"}"
#define PLACE                                                                                      \
	"{\"type\":\"object\",\"required\":[\"location\",\"community_id\",\"building_id\","        \
	"\"entrance\",\"unit_id\",\"asset_id\",\"place\"],\"properties\":{\"location\":" S         \
	",\"community_id\":" I ",\"building_id\":" IN ",\"entrance\":" IN ",\"unit_id\":" IN       \
	",\"asset_id\":" IN ",\"place\":" S "}}"
#define STATE_ENUM "{\"enum\":[\"reported\",\"assigned\",\"in_progress\",\"done\",\"confirmed\"]}"
#define ORDER_PROPS                                                                                \
	"\"id\":" I ",\"community_id\":" I ",\"community_name\":" S ",\"place\":" PLACE            \
	",\"unit_number\":" SN ",\"building_name\":" SN ",\"asset_type\":" SN ",\"category\":" S   \
	",\"urgency\":" S ",\"description\":" S ",\"source\":" S ",\"state\":" STATE_ENUM          \
	",\"deadline_at\":" S ",\"overdue\":" B ",\"reported_at\":" S ",\"household_id\":" IN      \
	",\"assignee_id\":" IN ",\"assignee_name\":" SN ",\"responsibility\":" SN                  \
	",\"cost_fen\":" I ",\"satisfaction\":" IN ",\"contact\":" SN ",\"done_at\":" SN           \
	",\"confirmed_at\":" SN ",\"updated_at\":" S
#define ORDER_REQ                                                                                  \
	"\"id\",\"community_id\",\"community_name\",\"place\",\"unit_number\",\"building_name\","  \
	"\"asset_type\",\"category\",\"urgency\",\"description\",\"source\",\"state\","            \
	"\"deadline_at\",\"overdue\",\"reported_at\",\"household_id\",\"assignee_id\","            \
	"\"assignee_name\",\"responsibility\",\"cost_fen\",\"satisfaction\",\"contact\","          \
	"\"done_at\",\"confirmed_at\",\"updated_at\""

static const struct api_schema schemas[] = {
	{ "WorkOrder",
	  "{\"type\":\"object\",\"required\":[" ORDER_REQ "],\"properties\":{" ORDER_PROPS "}}" },
	{ "WorkOrderDetail",
	  "{\"type\":\"object\",\"required\":[" ORDER_REQ
	  ",\"source_type\",\"source_id\",\"charge_id\",\"done_note\",\"confirm_note\","
	  "\"confirm_channel\",\"confirmed_by\",\"reopened\",\"assigned_at\",\"started_at\","
	  "\"done_by\",\"materials\",\"history\",\"photos\",\"may_confirm\"],\"properties\":"
	  "{" ORDER_PROPS ",\"source_type\":" SN ",\"source_id\":" IN ",\"charge_id\":" IN
	  ",\"done_note\":" S ",\"confirm_note\":" S
	  ",\"confirm_channel\":{\"enum\":[\"callback\",\"tenant\",null]}"
	  ",\"confirmed_by\":" SN ",\"reopened\":" I ",\"assigned_at\":" SN ",\"started_at\":" SN
	  ",\"done_by\":" SN ",\"materials\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"required\":[\"name\",\"quantity\",\"unit\",\"amount_fen\"],\"properties\":{"
	  "\"name\":" S ",\"quantity\":" I ",\"unit\":" S ",\"amount_fen\":" I "}}},"
	  "\"history\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"from_state\",\"to_state\",\"at\",\"actor\",\"actor_name\",\"note\"],\"properties\":{"
	  "\"from_state\":" SN ",\"to_state\":" S ",\"at\":" S ",\"actor\":" S ",\"actor_name\":" S
	  ",\"note\":" S "}}},\"photos\":{\"type\":\"array\",\"items\":" REF(
		  "Attachment") "},\"may_confirm\":" B "}}" },
	{ "WorkOrderCounts",
	  "{\"type\":\"object\",\"required\":[\"by_state\",\"overdue\"],\"properties\":{"
	  "\"by_state\":{\"type\":\"object\",\"required\":[\"reported\",\"assigned\","
	  "\"in_progress\",\"done\",\"confirmed\"],\"additionalProperties\":" I "},"
	  "\"overdue\":" I "}}" },
	{ "WorkOrderDeadline",
	  "{\"type\":\"object\",\"required\":[\"urgency\",\"hours\",\"updated_at\",\"updated_by\"],"
	  "\"properties\":{\"urgency\":" S ",\"hours\":" I ",\"updated_at\":" S ",\"updated_by\":" S
	  "}}" },
	{ "PreventivePlan",
	  "{\"type\":\"object\",\"required\":[\"id\",\"community_id\",\"community_name\","
	  "\"asset_id\",\"asset_type\",\"asset_place\",\"name\",\"category\",\"urgency\","
	  "\"description\",\"freq\",\"day\",\"active\",\"created_at\",\"updated_at\"],"
	  "\"properties\":{\"id\":" I ",\"community_id\":" I ",\"community_name\":" S
	  ",\"asset_id\":" IN ",\"asset_type\":" SN ",\"asset_place\":" SN ",\"name\":" S
	  ",\"category\":" S ",\"urgency\":" S ",\"description\":" S
	  ",\"freq\":{\"enum\":[\"weekly\",\"monthly\",\"quarterly\"]},\"day\":" I ",\"active\":" B
	  ",\"created_at\":" S ",\"updated_at\":" S "}}" },
	{ "MaintenanceLedger",
	  "{\"type\":\"object\",\"required\":[\"community_id\",\"community_name\",\"period\","
	  "\"items\",\"by_responsibility\",\"count\",\"total_fen\"],\"properties\":{"
	  "\"community_id\":" I ",\"community_name\":" S ",\"period\":" S
	  ",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
	  "\"done_at\",\"confirmed_at\",\"location\",\"unit_number\",\"place\",\"building_name\","
	  "\"asset_type\",\"category\",\"urgency\",\"description\",\"state\",\"responsibility\","
	  "\"cost_fen\",\"satisfaction\",\"charge_id\"],\"properties\":{\"id\":" I ",\"done_at\":" S
	  ",\"confirmed_at\":" SN ",\"location\":" S ",\"unit_number\":" SN ",\"place\":" S
	  ",\"building_name\":" SN ",\"asset_type\":" SN ",\"category\":" S ",\"urgency\":" S
	  ",\"description\":" S ",\"state\":" S ",\"responsibility\":" SN ",\"cost_fen\":" I
	  ",\"satisfaction\":" IN ",\"charge_id\":" IN "}}},"
	  "\"by_responsibility\":{\"type\":\"object\",\"required\":[\"operator\",\"tenant\","
	  "\"warranty\",\"owner\"],\"additionalProperties\":" I "},\"count\":" I ",\"total_fen\":" I
	  "}}" },
	{ NULL, NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/work-orders", ACCESS_CALLER, OWN, .query = list_query, .status = 200,
	  .response = PAGE_OF(REF("WorkOrder")),
	  .summary = "维修工单（按状态、类别、紧急程度、小区筛选；overdue=true 为超时未完工）",
	  .handler = list_orders },
	{ "GET", "/api/v1/work-order-counts", ACCESS_CALLER, OWN, .query = counts_query,
	  .status = 200, .response = REF("WorkOrderCounts"),
	  .summary = "维修工单看板：各状态数量与超时数", .handler = counts },
	{ "POST", "/api/v1/work-orders", ACCESS_CALLER, OPERATORS, .body = raise_body,
	  .status = 201, .response = REF("WorkOrderDetail"),
	  .summary = "登记报修（电话或窗口代住户报修；时限按紧急程度）", .handler = raise },
	{ "GET", "/api/v1/work-orders/{id}", ACCESS_CALLER, OWN, .status = 200,
	  .response = REF("WorkOrderDetail"), .summary = "维修工单：材料、经过与照片",
	  .handler = get_order },
	{ "POST", "/api/v1/work-orders/{id}/assign", ACCESS_CALLER, OPERATORS, .body = assign_body,
	  .status = 200, .response = REF("WorkOrderDetail"), .summary = "派单", .handler = assign },
	{ "POST", "/api/v1/work-orders/{id}/start", ACCESS_CALLER, OPERATORS, .body = note_body,
	  .status = 200, .response = REF("WorkOrderDetail"), .summary = "开始维修",
	  .handler = start },
	{ "POST", "/api/v1/work-orders/{id}/done", ACCESS_CALLER, OPERATORS, .body = done_body,
	  .status = 200, .response = REF("WorkOrderDetail"),
	  .summary = "完工：材料、费用、责任方（住户承担的费用计入住户应收）", .handler = done },
	{ "POST", "/api/v1/work-orders/{id}/confirm", ACCESS_CALLER, OWN, .body = confirm_body,
	  .status = 200, .response = REF("WorkOrderDetail"),
	  .summary = "回访确认与满意度（住房保障部门、第三方评估机构或住户本人；承接主体不能确认）",
	  .handler = confirm },
	{ "POST", "/api/v1/work-orders/{id}/reopen", ACCESS_CALLER, OWN, .body = reopen_body,
	  .status = 200, .response = REF("WorkOrderDetail"), .summary = "回访不满意，退回重修",
	  .handler = reopen },
	{ "POST", "/api/v1/work-orders/{id}/photos", ACCESS_CALLER, OPERATORS, .query = photo_query,
	  .flags = ROUTE_RAW_BODY | ROUTE_UPLOAD, .status = 201, .response = REF("Attachment"),
	  .summary = "上传工单照片：请求内容就是照片（JPEG 或 PNG）", .handler = add_photo },
	{ "POST", "/api/v1/work-orders/{id}/reveal-contact", ACCESS_CALLER,
	  OPERATORS | ROLE_BIT(ROLE_BUREAU), .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"contact\"],\"properties\":{"
		      "\"contact\":" S "}}",
	  .summary = "查看报修人完整联系方式（记入审计）", .handler = reveal_contact },
	{ "GET", "/api/v1/work-order-deadlines", ACCESS_CALLER, READERS, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{"
		      "\"type\":\"array\",\"items\":" REF("WorkOrderDeadline") "}}}",
	  .summary = "各紧急程度的完成时限", .handler = list_deadlines },
	{ "PUT", "/api/v1/work-order-deadlines/{urgency}", ACCESS_CALLER, ROLE_BIT(ROLE_BUREAU),
	  .body = deadline_body, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{"
		      "\"type\":\"array\",\"items\":" REF("WorkOrderDeadline") "}}}",
	  .summary = "住房保障部门设定完成时限（对此后报修的工单生效）", .handler = put_deadline },
	{ "GET", "/api/v1/preventive-plans", ACCESS_CALLER, READERS, .query = plans_query,
	  .status = 200, .response = PAGE_OF(REF("PreventivePlan")), .summary = "预防性维护计划",
	  .handler = list_plans },
	{ "POST", "/api/v1/preventive-plans", ACCESS_CALLER, ROLE_BIT(ROLE_OPERATOR_MANAGER),
	  .body = plan_body, .status = 201, .response = REF("PreventivePlan"),
	  .summary = "新建预防性维护计划（一台设施设备或小区内一类设施设备）",
	  .handler = create_plan },
	{ "GET", "/api/v1/preventive-plans/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("PreventivePlan"), .summary = "一个预防性维护计划", .handler = get_plan },
	{ "PATCH", "/api/v1/preventive-plans/{id}", ACCESS_CALLER, ROLE_BIT(ROLE_OPERATOR_MANAGER),
	  .body = plan_patch_body, .status = 200, .response = REF("PreventivePlan"),
	  .summary = "修改预防性维护计划（名称、内容、频次、启用）", .handler = patch_plan },
	{ "GET", "/api/v1/maintenance-ledger", ACCESS_CALLER, LEDGER, .query = ledger_query,
	  .status = 200, .response = REF("MaintenanceLedger"),
	  .summary = "维修台账：小区某月完工的工单与按责任方的费用", .handler = ledger },
	{ "GET", "/api/v1/maintenance-ledger.xlsx", ACCESS_CALLER, LEDGER, .query = ledger_query,
	  .status = 200, .response = "{\"description\":\"xlsx 工作簿，不是 JSON\"}",
	  .summary = "维修台账（xlsx）", .handler = ledger_xlsx },
	{ NULL },
};

const struct api_module api_work_order = { "work_order", routes, schemas };
