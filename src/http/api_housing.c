/*
 * The housing stock over HTTP: owners, operators and purchase agreements,
 * communities with their occupancy, buildings and the building grid (楼盘表),
 * units and their status operations, assets, acceptance checks (分户核验)
 * and the unit dossier (一房一档).  The housing module decides everything;
 * this file parses, checks that what a change names lies in the caller's
 * scope (outside it: 404, as if it did not exist), calls and renders.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/jsonw.h"
#include "housing/housing.h"
#include "http/router.h"
#include "store/db.h"

#define MONEY_MAX INT64_C(10000000000000) /* 1e11 yuan: no fee is larger */

static const char *const unit_statuses[] = {
	"pending_acceptance", "vacant", "allocated", "occupied", "under_repair", "disabled", NULL,
};
static const char *const conditions[] = { "good", "fair", "poor", "broken", NULL };
static const char *const locations[] = { "unit", "building", "entrance", "community", NULL };
static const char *const check_states[] = { "draft", "signed", "confirmed", NULL };

static const struct field page_query[] = {
	{ "limit", F_INT, false, 1, HOUSING_PAGE_MAX },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field building_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "limit", F_INT, false, 1, HOUSING_PAGE_MAX },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field unit_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "building_id", F_INT, false, 1, INT64_MAX, .desc = "楼栋" },
	{ "status", F_ENUM, false, .enums = unit_statuses, .desc = "房屋状态" },
	{ "limit", F_INT, false, 1, HOUSING_PAGE_MAX },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field asset_query[] = {
	{ "unit_id", F_INT, false, 1, INT64_MAX, .desc = "房屋" },
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "building_id", F_INT, false, 1, INT64_MAX, .desc = "楼栋" },
	{ "limit", F_INT, false, 1, HOUSING_PAGE_MAX },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field check_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区" },
	{ "state", F_ENUM, false, .enums = check_states,
	  .desc = "draft 草稿, signed 已签字, confirmed 已确认" },
	{ "limit", F_INT, false, 1, HOUSING_PAGE_MAX },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field dossier_query[] = {
	{ "timeline_limit", F_INT, false, 1, 500, .desc = "时间线最多条数（默认 100）" },
	{ NULL },
};

static const struct field party_body[] = {
	{ "name", F_STRING, true, 1, 100 },
	{ "credit_code", F_STRING, true, 1, 32, .desc = "统一社会信用代码（GB 32100，18 位）" },
	{ "contact", F_STRING, false, 0, 200, .desc = "联系人与电话" },
	{ NULL },
};

static const struct field service_item[] = {
	{ "name", F_STRING, true, 1, 100 },
	{ "standard", F_STRING, false, 0, 2000, .desc = "服务标准" },
	{ NULL },
};
static const struct field breach_item[] = {
	{ "name", F_STRING, true, 1, 100 },
	{ "standard", F_STRING, false, 0, 2000, .desc = "违约情形" },
	{ "deduction_fen", F_INT, false, 0, MONEY_MAX, .desc = "约定的扣减金额（分）" },
	{ NULL },
};
static const struct field service_spec = { "service", F_OBJECT, true, .fields = service_item };
static const struct field breach_spec = { "breach", F_OBJECT, true, .fields = breach_item };

static const struct field agreement_body[] = {
	{ "code", F_STRING, true, 1, 64, .desc = "合同编号" },
	{ "operator_id", F_INT, true, 1, INT64_MAX, .desc = "承接主体" },
	{ "owner_id", F_INT, false, 1, INT64_MAX, .desc = "产权单位" },
	{ "starts_on", F_DATE, true },
	{ "ends_on", F_DATE, true },
	{ "annual_fee_fen", F_INT, true, 0, MONEY_MAX, .desc = "年度服务费（分）" },
	{ "assessment_rules", F_STRING, false, 0, 500, .desc = "考核办法（引用）" },
	{ "services", F_ARRAY, false, 0, 100, .items = &service_spec, .desc = "服务项目及标准" },
	{ "breaches", F_ARRAY, false, 0, 100, .items = &breach_spec, .desc = "违约条款" },
	{ NULL },
};

static const struct field community_body[] = {
	{ "name", F_STRING, true, 1, 100 },
	{ "address", F_STRING, false, 0, 200 },
	{ "district", F_STRING, false, 0, 50 },
	{ "owner_id", F_INT, false, 1, INT64_MAX, .desc = "产权单位" },
	{ "operator_id", F_INT, false, 1, INT64_MAX, .desc = "承接主体" },
	{ "agreement_id", F_INT, false, 1, INT64_MAX, .desc = "购买服务合同" },
	{ NULL },
};

static const struct field building_body[] = {
	{ "community_id", F_INT, true, 1, INT64_MAX, .desc = "小区" },
	{ "name", F_STRING, true, 1, 32, .desc = "楼栋名称，如 3 或 3号楼" },
	{ "floors", F_INT, true, 1, 200 },
	{ "entrances", F_INT, true, 1, 50, .desc = "单元数" },
	{ "has_lift", F_BOOL, false },
	{ NULL },
};

static const struct field unit_body[] = {
	{ "building_id", F_INT, true, 1, INT64_MAX, .desc = "楼栋" },
	{ "entrance", F_INT, true, 1, 50, .desc = "单元" },
	{ "floor", F_INT, true, -5, 200, .desc = "楼层（地下为负数）" },
	{ "number", F_STRING, true, 1, 32, .desc = "房号，如 3-2-1502，小区内唯一" },
	{ "layout", F_STRING, false, 0, 32, .desc = "户型，如 一室一厅" },
	{ "floor_area", F_INT, true, 1, 100000, .desc = "建筑面积（0.01 平方米）" },
	{ "usable_area", F_INT, true, 1, 100000, .desc = "使用面积（0.01 平方米）" },
	{ "orientation", F_STRING, false, 0, 16, .desc = "朝向" },
	{ NULL },
};

static const struct field unit_patch_body[] = {
	{ "layout", F_STRING, false, 0, 32 },
	{ "floor_area", F_INT, false, 1, 100000 },
	{ "usable_area", F_INT, false, 1, 100000 },
	{ "orientation", F_STRING, false, 0, 16 },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 1, 200, .desc = "原因" },
	{ NULL },
};

static const struct field asset_body[] = {
	{ "location", F_ENUM, true, .enums = locations,
	  .desc = "unit 房屋内, building 楼栋, entrance 单元, community 小区公共区域" },
	{ "unit_id", F_INT, false, 1, INT64_MAX, .desc = "房屋（location 为 unit 时）" },
	{ "building_id", F_INT, false, 1, INT64_MAX,
	  .desc = "楼栋（location 为 building 或 entrance 时）" },
	{ "entrance", F_INT, false, 1, 50, .desc = "单元（location 为 entrance 时）" },
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（location 为 community 时）" },
	{ "place", F_STRING, false, 0, 64, .desc = "具体位置，如 2单元电梯" },
	{ "type", F_STRING, true, 1, 32, .desc = "类型，如 空调、热水器、电梯、消防栓" },
	{ "brand", F_STRING, false, 0, 64 },
	{ "model", F_STRING, false, 0, 64 },
	{ "quantity", F_INT, false, 1, 10000 },
	{ "condition", F_ENUM, true, .enums = conditions,
	  .desc = "good 完好, fair 一般, poor 较差, broken 损坏" },
	{ "warranty_end", F_DATE, false, .desc = "保修截止日期" },
	{ NULL },
};

static const struct field asset_patch_body[] = {
	{ "place", F_STRING, false, 0, 64 },
	{ "brand", F_STRING, false, 0, 64 },
	{ "model", F_STRING, false, 0, 64 },
	{ "quantity", F_INT, false, 1, 10000 },
	{ "condition", F_ENUM, false, .enums = conditions },
	{ "warranty_end", F_DATE, false, .desc = "保修截止日期；null 清除" },
	{ NULL },
};

static const struct field check_item[] = {
	{ "room", F_STRING, true, 1, 32, .desc = "房间，如 客厅、卧室、厨房" },
	{ "item", F_STRING, false, 0, 64, .desc = "核验项目，如 墙面、门窗；核验设施设备时可省略" },
	{ "asset_id", F_INT, false, 1, INT64_MAX, .desc = "本房屋的设施设备" },
	{ "condition", F_ENUM, true, .enums = conditions },
	{ "notes", F_STRING, false, 0, 500 },
	{ NULL },
};
static const struct field check_item_spec = { "item", F_OBJECT, true, .fields = check_item };

static const struct field acceptance_body[] = {
	{ "notes", F_STRING, false, 0, 1000 },
	{ "items", F_ARRAY, true, 1, 200, .items = &check_item_spec },
	{ NULL },
};

static const struct field return_body[] = {
	{ "note", F_STRING, true, 1, 500, .desc = "退回意见" },
	{ NULL },
};

/* Reading the request. */

static const char *
str_of(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static int64_t
int_of(json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

#define UNIT_ID(r, id, e)  req_object_id(r, 0, id, "unit_not_found", "没有这套房屋", e)
#define CHECK_ID(r, id, e) req_object_id(r, 0, id, "acceptance_not_found", "没有这个分户核验", e)

/* A scope check of an id the body named: its 404 carries the field. */
static int
named(int rc, const char *field, struct anju_err *e)
{
	if (rc == ANJU_ENOTFOUND && e != NULL)
		snprintf(e->field, sizeof(e->field), "%s", field);
	return rc;
}

/* Owners and operators. */

static int
list_owners(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = owner_list(r->db, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
list_operators(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = operator_list(r->db, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* The one row of a party just created, read back through its list. */
static int
reply_party(struct req *r, bool owner, int64_t id, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t next;
	int rc = owner ? owner_list(r->db, id - 1, 1, &items, &next, e)
		       : operator_list(r->db, id - 1, 1, &items, &next, e);

	if (rc != 0)
		return rc;
	reply_json(r, 201, json_incref(json_array_get(items, 0)));
	json_decref(items);
	return 0;
}

static int
create_party(struct req *r, bool owner, struct anju_err *e)
{
	struct party_in in = {
		.name = str_of(r->json, "name"),
		.credit_code = str_of(r->json, "credit_code"),
		.contact = str_of(r->json, "contact"),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	rc = owner ? owner_create(r->db, &in, &who, &id, e)
		   : operator_create(r->db, &in, &who, &id, e);
	return rc != 0 ? rc : reply_party(r, owner, id, e);
}

static int
create_owner(struct req *r, struct anju_err *e)
{
	return create_party(r, true, e);
}

static int
create_operator(struct req *r, struct anju_err *e)
{
	return create_party(r, false, e);
}

/* Agreements. */

static int
list_agreements(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = agreement_list(r->db, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* The items of a body's array, in the request's arena. */
static struct agreement_item_in *
agreement_items(struct req *r, const char *name, int *n)
{
	json_t *a = json_object_get(r->json, name), *v;
	struct agreement_item_in *items;
	size_t i;

	*n = (int)json_array_size(a);
	items = arena_alloc(r->arena, sizeof(*items) * (size_t)(*n + 1));
	json_array_foreach (a, i, v) {
		json_t *d = json_object_get(v, "deduction_fen");

		items[i] = (struct agreement_item_in){
			.name = str_of(v, "name"),
			.standard = str_of(v, "standard"),
			.deduction_fen = json_is_integer(d) ? json_integer_value(d) : -1,
		};
	}
	return items;
}

static int
create_agreement(struct req *r, struct anju_err *e)
{
	struct agreement_in in = {
		.code = str_of(r->json, "code"),
		.operator_id = int_of(r->json, "operator_id"),
		.owner_id = int_of(r->json, "owner_id"),
		.starts_on = str_of(r->json, "starts_on"),
		.ends_on = str_of(r->json, "ends_on"),
		.annual_fee_fen = int_of(r->json, "annual_fee_fen"),
		.assessment_rules = str_of(r->json, "assessment_rules"),
	};
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id = 0;
	int rc;

	in.services = agreement_items(r, "services", &in.nservices);
	in.breaches = agreement_items(r, "breaches", &in.nbreaches);
	access_actor(r, &who);
	if ((rc = agreement_create(r->db, &in, &who, &id, e)) != 0 ||
	    (rc = agreement_get(r->db, id, &a, e)) != 0)
		return rc;
	reply_json(r, 201, a);
	return 0;
}

static int
get_agreement(struct req *r, struct anju_err *e)
{
	json_t *a = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "agreement_not_found", "没有这份购买服务合同", e)) !=
		    0 ||
	    (rc = agreement_get(r->db, id, &a, e)) != 0)
		return rc;
	reply_json(r, 200, a);
	return 0;
}

/* Communities. */

static int
list_communities(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = community_list(r->db, r->caller, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
list_community_names(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = community_names(r->db, r->caller, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_community(struct req *r, struct anju_err *e)
{
	json_t *c = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "community_not_found", "没有这个小区", e)) != 0 ||
	    (rc = community_get(r->db, r->caller, id, &c, e)) != 0)
		return rc;
	reply_json(r, 200, c);
	return 0;
}

static int
create_community(struct req *r, struct anju_err *e)
{
	struct community_in in = {
		.name = str_of(r->json, "name"),
		.address = str_of(r->json, "address"),
		.district = str_of(r->json, "district"),
		.owner_id = int_of(r->json, "owner_id"),
		.operator_id = int_of(r->json, "operator_id"),
		.agreement_id = int_of(r->json, "agreement_id"),
	};
	struct audit_actor who;
	json_t *c = NULL;
	int64_t id = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = community_create(r->db, &in, &who, &id, e)) != 0)
		return rc;
	/* The bureau that made it may have a scope without it: the reply shows
	 * what was made all the same. */
	rc = community_get(r->db, r->caller, id, &c, e);
	if (rc == ANJU_ENOTFOUND) {
		struct caller all = *r->caller;

		all.all_communities = true;
		rc = community_get(r->db, &all, id, &c, e);
	}
	if (rc != 0)
		return rc;
	json_object_del(c, "buildings");
	reply_json(r, 201, c);
	return 0;
}

/* Buildings. */

static int
list_buildings(struct req *r, struct anju_err *e)
{
	int64_t community_id = req_query_id(r, "community_id"), after, next = 0;
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0)
		return rc;
	if (community_id != 0 &&
	    (rc = named(housing_community_visible(r->db, r->caller, community_id, e),
			"community_id", e)) != 0)
		return rc;
	if ((rc = building_list(r->db, r->caller, community_id, after, limit, &items, &next, e)) !=
	    0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
create_building(struct req *r, struct anju_err *e)
{
	struct building_in in = {
		.community_id = int_of(r->json, "community_id"),
		.name = str_of(r->json, "name"),
		.floors = (int)int_of(r->json, "floors"),
		.entrances = (int)int_of(r->json, "entrances"),
		.has_lift = json_is_true(json_object_get(r->json, "has_lift")),
	};
	struct audit_actor who;
	json_t *b = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = named(housing_community_visible(r->db, r->caller, in.community_id, e),
			"community_id", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = building_create(r->db, &in, &who, &id, e)) != 0 ||
	    (rc = building_get(r->db, r->caller, id, &b, e)) != 0)
		return rc;
	reply_json(r, 201, b);
	return 0;
}

static int
get_grid(struct req *r, struct anju_err *e)
{
	json_t *g = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "building_not_found", "没有这栋楼", e)) != 0 ||
	    (rc = building_grid(r->db, r->caller, id, &g, e)) != 0)
		return rc;
	reply_json(r, 200, g);
	return 0;
}

/* Units. */

static int
list_units(struct req *r, struct anju_err *e)
{
	struct unit_filter f = {
		.community_id = req_query_id(r, "community_id"),
		.building_id = req_query_id(r, "building_id"),
		.status = req_query(r, "status"),
	};
	json_t *items = NULL;
	int64_t next = 0, cid;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	if (f.community_id != 0 &&
	    (rc = named(housing_community_visible(r->db, r->caller, f.community_id, e),
			"community_id", e)) != 0)
		return rc;
	if (f.building_id != 0 &&
	    (rc = named(housing_building_community(r->db, r->caller, f.building_id, &cid, e),
			"building_id", e)) != 0)
		return rc;
	if ((rc = unit_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
reply_unit(struct req *r, int status, int64_t id, struct anju_err *e)
{
	struct buf out;
	struct jw w;
	int rc;

	buf_init(&out, 0);
	jw_init(&w, &out);
	if ((rc = unit_write(r->db, r->caller, id, &w, e)) == 0 && w.rc != 0)
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "unit reply: %d", w.rc);
	if (rc == 0)
		reply_json_text(r, status, &out);
	buf_free(&out);
	return rc;
}

static int
get_unit(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = UNIT_ID(r, &id, e)) != 0)
		return rc;
	return reply_unit(r, 200, id, e);
}

static int
create_unit(struct req *r, struct anju_err *e)
{
	struct unit_in in = {
		.building_id = int_of(r->json, "building_id"),
		.entrance = (int)int_of(r->json, "entrance"),
		.floor = (int)int_of(r->json, "floor"),
		.number = str_of(r->json, "number"),
		.layout = str_of(r->json, "layout"),
		.floor_area = int_of(r->json, "floor_area"),
		.usable_area = int_of(r->json, "usable_area"),
		.orientation = str_of(r->json, "orientation"),
	};
	struct audit_actor who;
	int64_t id = 0, cid;
	int rc;

	if ((rc = named(housing_building_community(r->db, r->caller, in.building_id, &cid, e),
			"building_id", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = unit_create(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return reply_unit(r, 201, id, e);
}

static int
patch_unit(struct req *r, struct anju_err *e)
{
	struct unit_patch p = {
		.layout = str_of(r->json, "layout"),
		.orientation = str_of(r->json, "orientation"),
		.floor_area = int_of(r->json, "floor_area"),
		.usable_area = int_of(r->json, "usable_area"),
	};
	struct audit_actor who;
	int64_t id, cid;
	int rc;

	if ((rc = UNIT_ID(r, &id, e)) != 0 ||
	    (rc = housing_unit_community(r->db, r->caller, id, &cid, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = unit_update(r->db, id, &p, &who, e)) != 0)
		return rc;
	return reply_unit(r, 200, id, e);
}

typedef int (*status_op)(struct db *db, int64_t id, const char *reason,
			 const struct audit_actor *who, struct anju_err *e);

static int
unit_op(struct req *r, status_op op, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, cid;
	int rc;

	if ((rc = UNIT_ID(r, &id, e)) != 0 ||
	    (rc = housing_unit_community(r->db, r->caller, id, &cid, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = op(r->db, id, str_of(r->json, "reason"), &who, e)) != 0)
		return rc;
	return reply_unit(r, 200, id, e);
}

static int
repair(struct req *r, struct anju_err *e)
{
	return unit_op(r, unit_repair, e);
}

static int
repair_done(struct req *r, struct anju_err *e)
{
	return unit_op(r, unit_repair_done, e);
}

static int
disable(struct req *r, struct anju_err *e)
{
	return unit_op(r, unit_disable, e);
}

static int
enable(struct req *r, struct anju_err *e)
{
	return unit_op(r, unit_enable, e);
}

static int
get_dossier(struct req *r, struct anju_err *e)
{
	const char *l = req_query(r, "timeline_limit");
	int64_t id, limit = 100;
	json_t *d = NULL;
	int rc;

	if (l != NULL)
		str_to_int64(str_c(l), 1, 500, &limit);
	if ((rc = UNIT_ID(r, &id, e)) != 0 ||
	    (rc = unit_dossier(r->db, r->caller, id, (int)limit, &d, e)) != 0)
		return rc;
	reply_json(r, 200, d);
	return 0;
}

/* Assets. */

static int
list_assets(struct req *r, struct anju_err *e)
{
	struct asset_filter f = {
		.unit_id = req_query_id(r, "unit_id"),
		.community_id = req_query_id(r, "community_id"),
		.building_id = req_query_id(r, "building_id"),
	};
	json_t *items = NULL;
	int64_t next = 0, cid;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	if ((f.unit_id != 0 &&
	     (rc = named(housing_unit_community(r->db, r->caller, f.unit_id, &cid, e), "unit_id",
			 e)) != 0) ||
	    (f.building_id != 0 &&
	     (rc = named(housing_building_community(r->db, r->caller, f.building_id, &cid, e),
			 "building_id", e)) != 0) ||
	    (f.community_id != 0 &&
	     (rc = named(housing_community_visible(r->db, r->caller, f.community_id, e),
			 "community_id", e)) != 0))
		return rc;
	if ((rc = asset_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
reply_asset(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *a = NULL;
	int rc = asset_get(r->db, r->caller, id, &a, e);

	if (rc == 0)
		reply_json(r, status, a);
	return rc;
}

static int
get_asset(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "asset_not_found", "没有这项设施设备", e)) != 0)
		return rc;
	return reply_asset(r, 200, id, e);
}

/* Whether the place an asset is put lies in the caller's scope; the id the
 * location needs must be there (400). */
static int
asset_place_visible(struct req *r, const struct asset_in *in, struct anju_err *e)
{
	int64_t cid;

	if (strcmp(in->location, "unit") == 0) {
		if (in->unit_id == 0)
			return anju_fail(e, ANJU_EINVAL, "missing_field", "unit_id", "请选择房屋");
		return named(housing_unit_community(r->db, r->caller, in->unit_id, &cid, e),
			     "unit_id", e);
	}
	if (strcmp(in->location, "community") == 0) {
		if (in->community_id == 0)
			return anju_fail(e, ANJU_EINVAL, "missing_field", "community_id",
					 "请选择小区");
		return named(housing_community_visible(r->db, r->caller, in->community_id, e),
			     "community_id", e);
	}
	if (in->building_id == 0)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "building_id", "请选择楼栋");
	if (strcmp(in->location, "entrance") == 0 && in->entrance == 0)
		return anju_fail(e, ANJU_EINVAL, "missing_field", "entrance", "请选择单元");
	return named(housing_building_community(r->db, r->caller, in->building_id, &cid, e),
		     "building_id", e);
}

static int
create_asset(struct req *r, struct anju_err *e)
{
	json_t *q = json_object_get(r->json, "quantity");
	struct asset_in in = {
		.community_id = int_of(r->json, "community_id"),
		.location = str_of(r->json, "location"),
		.building_id = int_of(r->json, "building_id"),
		.unit_id = int_of(r->json, "unit_id"),
		.entrance = (int)int_of(r->json, "entrance"),
		.place = str_of(r->json, "place"),
		.type = str_of(r->json, "type"),
		.brand = str_of(r->json, "brand"),
		.model = str_of(r->json, "model"),
		.quantity = json_is_integer(q) ? (int)json_integer_value(q) : 1,
		.condition = str_of(r->json, "condition"),
		.warranty_end = str_of(r->json, "warranty_end"),
	};
	struct audit_actor who;
	int64_t id = 0;
	int rc;

	if ((rc = asset_place_visible(r, &in, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = asset_create(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return reply_asset(r, 201, id, e);
}

static int
patch_asset(struct req *r, struct anju_err *e)
{
	json_t *w = json_object_get(r->json, "warranty_end");
	struct asset_patch p = {
		.place = str_of(r->json, "place"),
		.brand = str_of(r->json, "brand"),
		.model = str_of(r->json, "model"),
		.condition = str_of(r->json, "condition"),
		.warranty_end = json_string_value(w),
		.quantity = (int)int_of(r->json, "quantity"),
		.clear_warranty = json_is_null(w),
	};
	struct audit_actor who;
	int64_t id, cid;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "asset_not_found", "没有这项设施设备", e)) != 0 ||
	    (rc = housing_asset_community(r->db, r->caller, id, &cid, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = asset_update(r->db, id, &p, &who, e)) != 0)
		return rc;
	return reply_asset(r, 200, id, e);
}

/* Acceptance checks. */

static int
reply_check(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *k = NULL;
	int rc = acceptance_get(r->db, r->caller, id, &k, e);

	if (rc == 0)
		reply_json(r, status, k);
	return rc;
}

static int
open_check(struct req *r, struct anju_err *e)
{
	json_t *a = json_object_get(r->json, "items"), *v;
	struct acceptance_item_in *items;
	struct audit_actor who;
	int64_t unit, cid, id = 0;
	size_t i, n = json_array_size(a);
	int rc;

	if ((rc = UNIT_ID(r, &unit, e)) != 0 ||
	    (rc = housing_unit_community(r->db, r->caller, unit, &cid, e)) != 0)
		return rc;
	items = arena_alloc(r->arena, sizeof(*items) * (n + 1));
	json_array_foreach (a, i, v)
		items[i] = (struct acceptance_item_in){
			.room = str_of(v, "room"),
			.item = str_of(v, "item"),
			.asset_id = int_of(v, "asset_id"),
			.condition = str_of(v, "condition"),
			.notes = str_of(v, "notes"),
		};
	access_actor(r, &who);
	if ((rc = acceptance_open(r->db, unit, items, (int)n, str_of(r->json, "notes"), &who, &id,
				  e)) != 0)
		return rc;
	return reply_check(r, 201, id, e);
}

static int
list_checks(struct req *r, struct anju_err *e)
{
	struct acceptance_filter f = {
		.community_id = req_query_id(r, "community_id"),
		.state = req_query(r, "state"),
	};
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	if (f.community_id != 0 &&
	    (rc = named(housing_community_visible(r->db, r->caller, f.community_id, e),
			"community_id", e)) != 0)
		return rc;
	if ((rc = acceptance_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_check(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = CHECK_ID(r, &id, e)) != 0)
		return rc;
	return reply_check(r, 200, id, e);
}

enum check_op { CHECK_SIGN, CHECK_CONFIRM, CHECK_RETURN };

static int
check_op(struct req *r, enum check_op op, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, cid;
	int rc;

	if ((rc = CHECK_ID(r, &id, e)) != 0 ||
	    (rc = housing_check_community(r->db, r->caller, id, &cid, e)) != 0)
		return rc;
	access_actor(r, &who);
	switch (op) {
	case CHECK_SIGN: rc = acceptance_sign(r->db, id, &who, e); break;
	case CHECK_CONFIRM: rc = acceptance_confirm(r->db, id, &who, e); break;
	case CHECK_RETURN:
		rc = acceptance_return(r->db, id, str_of(r->json, "note"), &who, e);
		break;
	}
	return rc != 0 ? rc : reply_check(r, 200, id, e);
}

static int
sign_check(struct req *r, struct anju_err *e)
{
	return check_op(r, CHECK_SIGN, e);
}

static int
confirm_check(struct req *r, struct anju_err *e)
{
	return check_op(r, CHECK_CONFIRM, e);
}

static int
return_check(struct req *r, struct anju_err *e)
{
	return check_op(r, CHECK_RETURN, e);
}

/* Who may do what. */
#define BUREAU   ROLE_BIT(ROLE_BUREAU)
#define OP_MGR   ROLE_BIT(ROLE_OPERATOR_MANAGER)
#define OP_STAFF ROLE_BIT(ROLE_OPERATOR_STAFF)
/* Everyone who works with the housing stock reads it, within their scope;
 * tenants see their unit through their lease (a later issue). */
#define READERS                                                                                    \
	(BUREAU | OP_MGR | OP_STAFF | ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_INSPECTOR) |          \
	 ROLE_BIT(ROLE_ASSESSOR))

#define SCHEMA(name)   "{\"$ref\":\"#/components/schemas/" name "\"}"
#define PARTY_REF      SCHEMA("Party")
#define AGREEMENT_REF  SCHEMA("Agreement")
#define COMMUNITY_REF  SCHEMA("Community")
#define BUILDING_REF   SCHEMA("Building")
#define UNIT_REF       SCHEMA("Unit")
#define ASSET_REF      SCHEMA("Asset")
#define CHECK_REF      SCHEMA("AcceptanceCheck")
#define ATTACHMENT_REF SCHEMA("Attachment")
/* The schemas with some of their optional members required. */
#define AGREEMENT_FULL "{\"allOf\":[" AGREEMENT_REF ",{\"required\":[\"services\",\"breaches\"]}]}"
#define COMMUNITY_FULL "{\"allOf\":[" COMMUNITY_REF ",{\"required\":[\"buildings\"]}]}"
#define CHECK_FULL     "{\"allOf\":[" CHECK_REF ",{\"required\":[\"items\"]}]}"
#define PAGE_START                                                                                 \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"additionalProperties\":false,"   \
	"\"properties\":{\"next\":{\"type\":[\"string\",\"null\"]},\"items\":{\"type\":\"array\"," \
	"\"items\":"
#define PAGE_END "}}}"
#define STATUS_ENUM                                                                                \
	"{\"enum\":[\"pending_acceptance\",\"vacant\",\"allocated\",\"occupied\","                 \
	"\"under_repair\",\"disabled\"]}"
#define TIMELINE_EVENT                                                                             \
	"{\"type\":\"object\",\"required\":[\"at\",\"source\",\"action\",\"object_type\","         \
	"\"object_id\",\"detail\"],\"properties\":{\"at\":{\"type\":\"string\"},"                  \
	"\"source\":{\"type\":\"string\"},\"action\":{\"type\":\"string\"},"                       \
	"\"object_type\":{\"type\":\"string\"},\"object_id\":{\"type\":\"integer\"},"              \
	"\"actor\":{\"type\":[\"string\",\"null\"]},\"detail\":{\"type\":\"object\"}}}"
#define DOSSIER                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"unit\",\"building\"," \
	"\"community\",\"assets\",\"acceptance\",\"attachments\",\"timeline\"],\"properties\":{"   \
	"\"unit\":" UNIT_REF ",\"building\":" BUILDING_REF ","                                     \
	"\"community\":{\"type\":\"object\",\"additionalProperties\":false,"                       \
	"\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":\"integer\"},"            \
	"\"name\":{\"type\":\"string\"}}},"                                                        \
	"\"assets\":{\"type\":\"array\",\"items\":" ASSET_REF "},"                                 \
	"\"acceptance\":{\"oneOf\":[{\"type\":\"null\"}," CHECK_FULL "]},"                         \
	"\"attachments\":{\"type\":\"array\",\"items\":" ATTACHMENT_REF "},"                       \
	"\"timeline\":{\"type\":\"array\",\"items\":" TIMELINE_EVENT "}}}"
#define GRID_UNIT                                                                                  \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"number\","     \
	"\"entrance\",\"column\",\"floor\",\"layout\",\"floor_area\",\"status\"],"                 \
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"number\":{\"type\":\"string\"},"          \
	"\"entrance\":{\"type\":\"integer\"},\"column\":{\"type\":\"integer\",\"minimum\":0,"      \
	"\"description\":\"同层同单元中的第几列（按房号，从 0 起）\"},"          \
	"\"floor\":{\"type\":\"integer\"},\"layout\":{\"type\":\"string\"},"                       \
	"\"floor_area\":{\"type\":\"integer\"},\"status\":" STATUS_ENUM "}}"
#define GRID                                                                                       \
	"{\"type\":\"object\",\"additionalProperties\":false,"                                     \
	"\"required\":[\"building\",\"entrances\",\"floors\"],\"properties\":{"                    \
	"\"building\":" BUILDING_REF ","                                                           \
	"\"entrances\":{\"type\":\"array\",\"items\":{\"type\":\"object\","                        \
	"\"additionalProperties\":false,\"required\":[\"entrance\",\"columns\"],"                  \
	"\"properties\":{\"entrance\":{\"type\":\"integer\"},"                                     \
	"\"columns\":{\"type\":\"integer\",\"minimum\":0}}}},"                                     \
	"\"floors\":{\"type\":\"array\",\"description\":\"顶层在前\",\"items\":{"              \
	"\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"floor\",\"units\"],"   \
	"\"properties\":{\"floor\":{\"type\":\"integer\"},"                                        \
	"\"units\":{\"type\":\"array\",\"items\":" GRID_UNIT "}}}}}}"

static const struct route routes[] = {
	{ "GET", "/api/v1/owners", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_START PARTY_REF PAGE_END, .summary = "产权单位",
	  .handler = list_owners },
	{ "POST", "/api/v1/owners", ACCESS_CALLER, BUREAU, .body = party_body, .status = 201,
	  .response = PARTY_REF, .summary = "登记产权单位（校验统一社会信用代码）",
	  .handler = create_owner },
	{ "GET", "/api/v1/operators", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_START PARTY_REF PAGE_END, .summary = "承接主体",
	  .handler = list_operators },
	{ "POST", "/api/v1/operators", ACCESS_CALLER, BUREAU, .body = party_body, .status = 201,
	  .response = PARTY_REF, .summary = "登记承接主体（校验统一社会信用代码）",
	  .handler = create_operator },
	{ "GET", "/api/v1/agreements", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_START AGREEMENT_REF PAGE_END, .summary = "购买服务合同",
	  .handler = list_agreements },
	{ "POST", "/api/v1/agreements", ACCESS_CALLER, BUREAU, .body = agreement_body,
	  .status = 201, .response = AGREEMENT_FULL,
	  .summary = "登记购买服务合同（服务项目与标准、违约条款）", .handler = create_agreement },
	{ "GET", "/api/v1/agreements/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = AGREEMENT_FULL, .summary = "购买服务合同详情", .handler = get_agreement },
	{ "GET", "/api/v1/communities", ACCESS_CALLER, READERS, .query = page_query, .status = 200,
	  .response = PAGE_START COMMUNITY_REF PAGE_END, .summary = "小区，含各状态房屋数与入住率",
	  .handler = list_communities },
	{ "GET", "/api/v1/community-names", ACCESS_CALLER,
	  READERS | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SECURITY), .query = page_query,
	  .status = 200,
	  .response = PAGE_START "{\"type\":\"object\",\"required\":[\"id\",\"name\"],"
				 "\"properties\":{\"id\":{\"type\":\"integer\"},"
				 "\"name\":{\"type\":\"string\"}}}" PAGE_END,
	  .summary = "小区名称（供选择管辖范围；系统管理员与安全管理员可见全部名称）",
	  .handler = list_community_names },
	{ "POST", "/api/v1/communities", ACCESS_CALLER, BUREAU, .body = community_body,
	  .status = 201, .response = COMMUNITY_REF, .summary = "新建小区",
	  .handler = create_community },
	{ "GET", "/api/v1/communities/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = COMMUNITY_FULL, .summary = "小区详情，含楼栋", .handler = get_community },
	{ "GET", "/api/v1/buildings", ACCESS_CALLER, READERS, .query = building_query,
	  .status = 200, .response = PAGE_START BUILDING_REF PAGE_END, .summary = "楼栋",
	  .handler = list_buildings },
	{ "POST", "/api/v1/buildings", ACCESS_CALLER, BUREAU | OP_MGR, .body = building_body,
	  .status = 201, .response = BUILDING_REF, .summary = "新建楼栋",
	  .handler = create_building },
	{ "GET", "/api/v1/buildings/{id}/grid", ACCESS_CALLER, READERS, .status = 200,
	  .response = GRID, .summary = "楼盘表：按楼层（顶层在前）和单元排列的房屋",
	  .handler = get_grid },
	{ "GET", "/api/v1/units", ACCESS_CALLER, READERS, .query = unit_query, .status = 200,
	  .response = PAGE_START UNIT_REF PAGE_END, .summary = "房屋", .handler = list_units },
	{ "POST", "/api/v1/units", ACCESS_CALLER, BUREAU | OP_MGR, .body = unit_body, .status = 201,
	  .response = UNIT_REF, .summary = "新建房屋（状态为待核验）", .handler = create_unit },
	{ "GET", "/api/v1/units/{id}", ACCESS_CALLER, READERS, .status = 200, .response = UNIT_REF,
	  .summary = "房屋详情", .handler = get_unit },
	{ "PATCH", "/api/v1/units/{id}", ACCESS_CALLER, BUREAU | OP_MGR, .body = unit_patch_body,
	  .status = 200, .response = UNIT_REF, .summary = "修改户型、面积、朝向（不含状态）",
	  .handler = patch_unit },
	{ "POST", "/api/v1/units/{id}/repair", ACCESS_CALLER, BUREAU | OP_MGR | OP_STAFF,
	  .body = reason_body, .status = 200, .response = UNIT_REF,
	  .summary = "标记维修（空置 → 维修中）", .handler = repair },
	{ "POST", "/api/v1/units/{id}/repair-done", ACCESS_CALLER, BUREAU | OP_MGR | OP_STAFF,
	  .body = reason_body, .status = 200, .response = UNIT_REF,
	  .summary = "维修完成（回到维修前的状态）", .handler = repair_done },
	{ "POST", "/api/v1/units/{id}/disable", ACCESS_CALLER, BUREAU, .body = reason_body,
	  .status = 200, .response = UNIT_REF, .summary = "停用（已分配、已入住的除外）",
	  .handler = disable },
	{ "POST", "/api/v1/units/{id}/enable", ACCESS_CALLER, BUREAU, .body = reason_body,
	  .status = 200, .response = UNIT_REF, .summary = "启用（回到停用前的状态）",
	  .handler = enable },
	{ "GET", "/api/v1/units/{id}/dossier", ACCESS_CALLER, READERS, .query = dossier_query,
	  .status = 200, .response = DOSSIER,
	  .summary = "一房一档：房屋、楼栋、设施设备、分户核验、附件与时间线",
	  .handler = get_dossier },
	{ "POST", "/api/v1/units/{id}/acceptance", ACCESS_CALLER, OP_MGR | OP_STAFF,
	  .body = acceptance_body, .status = 201, .response = CHECK_FULL,
	  .summary = "发起分户核验（草稿）", .handler = open_check },
	{ "GET", "/api/v1/assets", ACCESS_CALLER, READERS, .query = asset_query, .status = 200,
	  .response = PAGE_START ASSET_REF PAGE_END, .summary = "设施设备",
	  .handler = list_assets },
	{ "POST", "/api/v1/assets", ACCESS_CALLER, BUREAU | OP_MGR | OP_STAFF, .body = asset_body,
	  .status = 201, .response = ASSET_REF, .summary = "登记设施设备",
	  .handler = create_asset },
	{ "GET", "/api/v1/assets/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = ASSET_REF, .summary = "设施设备详情", .handler = get_asset },
	{ "PATCH", "/api/v1/assets/{id}", ACCESS_CALLER, BUREAU | OP_MGR | OP_STAFF,
	  .body = asset_patch_body, .status = 200, .response = ASSET_REF,
	  .summary = "修改设施设备的状况、数量、保修期等", .handler = patch_asset },
	{ "GET", "/api/v1/acceptance-checks", ACCESS_CALLER, READERS, .query = check_query,
	  .status = 200, .response = PAGE_START CHECK_REF PAGE_END, .summary = "分户核验",
	  .handler = list_checks },
	{ "GET", "/api/v1/acceptance-checks/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = CHECK_FULL, .summary = "分户核验详情", .handler = get_check },
	{ "POST", "/api/v1/acceptance-checks/{id}/sign", ACCESS_CALLER, OP_MGR | OP_STAFF,
	  .status = 200, .response = CHECK_FULL, .summary = "承接主体签字确认（草稿 → 已签字）",
	  .handler = sign_check },
	{ "POST", "/api/v1/acceptance-checks/{id}/confirm", ACCESS_CALLER, BUREAU, .status = 200,
	  .response = CHECK_FULL, .summary = "住建局确认（房屋变为空置）",
	  .handler = confirm_check },
	{ "POST", "/api/v1/acceptance-checks/{id}/return", ACCESS_CALLER, BUREAU,
	  .body = return_body, .status = 200, .response = CHECK_FULL,
	  .summary = "住建局退回（回到草稿）", .handler = return_check },
	{ NULL },
};

#define INT       "{\"type\":\"integer\"}"
#define INT_NULL  "{\"type\":[\"integer\",\"null\"]}"
#define TEXT      "{\"type\":\"string\"}"
#define TEXT_NULL "{\"type\":[\"string\",\"null\"]}"
#define CONDITION "{\"enum\":[\"good\",\"fair\",\"poor\",\"broken\"]}"

static const struct api_schema schemas[] = {
	{ "Party",
	  "{\"type\":\"object\",\"additionalProperties\":false,\"description\":"
	  "\"产权单位或承接主体\","
	  "\"required\":[\"id\",\"name\",\"credit_code\",\"contact\",\"created_at\"],"
	  "\"properties\":{\"id\":" INT ",\"name\":" TEXT ","
	  "\"credit_code\":{\"type\":\"string\",\"pattern\":\"^[0-9A-HJ-NP-RTUW-Y]{18}$\"},"
	  "\"contact\":" TEXT ",\"created_at\":" TEXT "}}" },
	{ "Agreement",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"code\",\"operator_id\",\"operator_name\",\"owner_id\","
	  "\"owner_name\",\"starts_on\",\"ends_on\",\"annual_fee_fen\",\"assessment_rules\","
	  "\"created_at\"],\"properties\":{\"id\":" INT ",\"code\":" TEXT ","
	  "\"operator_id\":" INT ",\"operator_name\":" TEXT ",\"owner_id\":" INT_NULL ","
	  "\"owner_name\":" TEXT_NULL ",\"starts_on\":{\"type\":\"string\",\"format\":\"date\"},"
	  "\"ends_on\":{\"type\":\"string\",\"format\":\"date\"},"
	  "\"annual_fee_fen\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"assessment_rules\":" TEXT ",\"created_at\":" TEXT ","
	  "\"services\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"additionalProperties\":false,\"required\":[\"seq\",\"name\",\"standard\"],"
	  "\"properties\":{\"seq\":" INT ",\"name\":" TEXT ",\"standard\":" TEXT "}}},"
	  "\"breaches\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"additionalProperties\":false,"
	  "\"required\":[\"seq\",\"name\",\"standard\",\"deduction_fen\"],"
	  "\"properties\":{\"seq\":" INT ",\"name\":" TEXT ",\"standard\":" TEXT ","
	  "\"deduction_fen\":" INT_NULL "}}}}}" },
	{ "Community",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"name\",\"address\",\"district\",\"owner_id\",\"owner_name\","
	  "\"operator_id\",\"operator_name\",\"agreement_id\",\"created_at\",\"updated_at\","
	  "\"units\",\"occupancy_permille\"],\"properties\":{\"id\":" INT ",\"name\":" TEXT ","
	  "\"address\":" TEXT ",\"district\":" TEXT ",\"owner_id\":" INT_NULL ","
	  "\"owner_name\":" TEXT_NULL ",\"operator_id\":" INT_NULL ","
	  "\"operator_name\":" TEXT_NULL ",\"agreement_id\":" INT_NULL ","
	  "\"created_at\":" TEXT ",\"updated_at\":" TEXT ","
	  "\"units\":{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"description\":\"各状态的房屋数\",\"required\":[\"total\",\"pending_acceptance\","
	  "\"vacant\",\"allocated\",\"occupied\",\"under_repair\",\"disabled\"],"
	  "\"properties\":{\"total\":" INT ",\"pending_acceptance\":" INT ",\"vacant\":" INT ","
	  "\"allocated\":" INT ",\"occupied\":" INT ",\"under_repair\":" INT ","
	  "\"disabled\":" INT "}},"
	  "\"occupancy_permille\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,"
	  "\"description\":\"入住率（千分比）：(已分配 + 已入住) / 总数\"},"
	  "\"buildings\":{\"type\":\"array\",\"items\":" BUILDING_REF "}}}" },
	{ "Building",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"community_id\",\"community_name\",\"name\",\"floors\","
	  "\"entrances\",\"has_lift\",\"created_at\",\"units\"],\"properties\":{"
	  "\"id\":" INT ",\"community_id\":" INT ",\"community_name\":" TEXT ",\"name\":" TEXT ","
	  "\"floors\":" INT ",\"entrances\":" INT ",\"has_lift\":{\"type\":\"boolean\"},"
	  "\"created_at\":" TEXT ",\"units\":{\"type\":\"integer\",\"description\":\"房屋数\"}}}" },
	{ "Unit",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"community_id\",\"community_name\",\"building_id\","
	  "\"building_name\",\"entrance\",\"floor\",\"number\",\"layout\",\"floor_area\","
	  "\"usable_area\",\"orientation\",\"status\",\"status_title\",\"status_since\","
	  "\"status_before\",\"created_at\",\"updated_at\"],\"properties\":{"
	  "\"id\":" INT ",\"community_id\":" INT ",\"community_name\":" TEXT ","
	  "\"building_id\":" INT ",\"building_name\":" TEXT ",\"entrance\":" INT ","
	  "\"floor\":" INT ",\"number\":" TEXT ",\"layout\":" TEXT ","
	  "\"floor_area\":{\"type\":\"integer\",\"description\":\"建筑面积（0.01 平方米）\"},"
	  "\"usable_area\":{\"type\":\"integer\",\"description\":\"使用面积（0.01 平方米）\"},"
	  "\"orientation\":" TEXT ",\"status\":" STATUS_ENUM ",\"status_title\":" TEXT ","
	  "\"status_since\":" TEXT ",\"status_before\":{\"oneOf\":[{\"type\":\"null\"}," STATUS_ENUM
	  "],\"description\":\"维修中或停用时，结束后回到的状态\"},"
	  "\"created_at\":" TEXT ",\"updated_at\":" TEXT "}}" },
	{ "Asset",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"community_id\",\"location\",\"building_id\",\"entrance\","
	  "\"unit_id\",\"place\",\"type\",\"brand\",\"model\",\"quantity\",\"condition\","
	  "\"warranty_end\",\"created_at\",\"updated_at\"],\"properties\":{"
	  "\"id\":" INT ",\"community_id\":" INT ","
	  "\"location\":{\"enum\":[\"unit\",\"building\",\"entrance\",\"community\"]},"
	  "\"building_id\":" INT_NULL ",\"entrance\":" INT_NULL ",\"unit_id\":" INT_NULL ","
	  "\"place\":" TEXT ",\"type\":" TEXT ",\"brand\":" TEXT ",\"model\":" TEXT ","
	  "\"quantity\":{\"type\":\"integer\",\"minimum\":1},\"condition\":" CONDITION ","
	  "\"warranty_end\":{\"type\":[\"string\",\"null\"],\"format\":\"date\"},"
	  "\"created_at\":" TEXT ",\"updated_at\":" TEXT "}}" },
	{ "AcceptanceCheck",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"unit_id\",\"unit_number\",\"community_id\",\"state\","
	  "\"state_title\",\"notes\",\"signed_by\",\"signed_at\",\"confirmed_by\","
	  "\"confirmed_at\",\"returned_note\",\"created_at\",\"updated_at\"],\"properties\":{"
	  "\"id\":" INT ",\"unit_id\":" INT ",\"unit_number\":" TEXT ",\"community_id\":" INT ","
	  "\"state\":{\"enum\":[\"draft\",\"signed\",\"confirmed\"]},\"state_title\":" TEXT ","
	  "\"notes\":" TEXT ",\"signed_by\":" TEXT_NULL ",\"signed_at\":" TEXT_NULL ","
	  "\"confirmed_by\":" TEXT_NULL ",\"confirmed_at\":" TEXT_NULL ","
	  "\"returned_note\":" TEXT_NULL ",\"created_at\":" TEXT ",\"updated_at\":" TEXT ","
	  "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"additionalProperties\":false,\"required\":[\"id\",\"seq\",\"room\",\"item\","
	  "\"asset_id\",\"condition\",\"notes\"],\"properties\":{\"id\":" INT ",\"seq\":" INT ","
	  "\"room\":" TEXT ",\"item\":" TEXT ",\"asset_id\":" INT_NULL ","
	  "\"condition\":" CONDITION ",\"notes\":" TEXT "}}}}}" },
	{ NULL },
};

const struct api_module api_housing = { "housing", routes, schemas };
