/*
 * Households, members, people and the household dossier over HTTP, and the
 * configurable list of household categories.  Who sees what is decided in
 * household/household.h; these handlers parse, call it, render.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "access/person.h"
#include "access/pii.h"
#include "household/household.h"
#include "housing/housing.h"
#include "http/router.h"
#include "store/db.h"
#include "tenancy/eligibility.h"

/* Every business role reads households; a tenant only its own, through the
 * routes that say so. */
#define READERS (ROLES_SCOPED & ~ROLE_BIT(ROLE_TENANT))
#define WRITERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* household_role_may_reveal(). */
#define REVEALERS  WRITERS
#define AMOUNT_MAX INT64_C(1000000000000000)

static const char *const relationships[] = {
	"head", "spouse", "child", "parent", "sibling", "other", NULL,
};
static const char *const member_relationships[] = {
	"spouse", "child", "parent", "sibling", "other", NULL,
};
static const char *const states[] = { "active", "closed", NULL };
static const char *const reveal_fields[] = { "id_number", "phone", NULL };

static const struct field member_fields[] = {
	{ "name", F_STRING, true, 1, 64, .desc = "姓名" },
	{ "id_number", F_STRING, true, 1, 32, .desc = "居民身份证号（18 位，或 15 位旧号）" },
	{ "phone", F_STRING, false, 0, 32, .desc = "电话" },
	{ "relationship", F_ENUM, true, .enums = relationships, .desc = "与户主关系" },
	{ NULL },
};
static const struct field member_item = { "member", F_OBJECT, true, .fields = member_fields };

static const struct field household_body[] = {
	{ "community_id", F_INT, true, 1, INT64_MAX, .desc = "所属小区" },
	{ "category", F_STRING, true, 1, 32, .desc = "家庭类别代码" },
	{ "hukou", F_STRING, false, 0, 200, .desc = "户籍所在地" },
	{ "employer", F_STRING, false, 0, 200, .desc = "工作单位" },
	{ "monthly_income_fen", F_INT, false, 0, AMOUNT_MAX, .desc = "家庭月收入（分）" },
	{ "assets_fen", F_INT, false, 0, AMOUNT_MAX, .desc = "家庭资产（分）" },
	{ "assets_note", F_STRING, false, 0, 500, .desc = "资产说明" },
	{ "current_housing", F_STRING, false, 0, 500, .desc = "现住房情况" },
	{ "housing_area_centi", F_INT, false, 0, HOUSEHOLD_AREA_MAX,
	  .desc = "自有住房建筑面积合计（百分之一平方米；0 表示无自有住房）" },
	{ "local_hukou", F_BOOL, false, .desc = "是否本地户籍" },
	{ "insurance_months", F_INT, false, 0, HOUSEHOLD_INSURANCE_MAX,
	  .desc = "本地社会保险缴纳月数" },
	{ "special_groups", F_STRING, false, 0, 300,
	  .desc = "特殊群体代码，以逗号分隔（见 GET /api/v1/tenancy-policy 的 special_groups）" },
	{ "members", F_ARRAY, true, 1, HOUSEHOLD_MEMBERS_MAX, .items = &member_item,
	  .desc = "家庭成员，其中一位为户主（head）" },
	{ NULL },
};

static const struct field household_patch_body[] = {
	{ "category", F_STRING, false, 1, 32 },
	{ "hukou", F_STRING, false, 0, 200 },
	{ "employer", F_STRING, false, 0, 200 },
	{ "monthly_income_fen", F_INT, false, 0, AMOUNT_MAX },
	{ "assets_fen", F_INT, false, 0, AMOUNT_MAX },
	{ "assets_note", F_STRING, false, 0, 500 },
	{ "current_housing", F_STRING, false, 0, 500 },
	{ "housing_area_centi", F_INT, false, 0, HOUSEHOLD_AREA_MAX },
	{ "local_hukou", F_BOOL, false },
	{ "insurance_months", F_INT, false, 0, HOUSEHOLD_INSURANCE_MAX },
	{ "special_groups", F_STRING, false, 0, 300, .desc = "空字符串表示清除" },
	{ NULL },
};

static const struct field member_body[] = {
	{ "name", F_STRING, true, 1, 64, .desc = "姓名" },
	{ "id_number", F_STRING, true, 1, 32, .desc = "居民身份证号" },
	{ "phone", F_STRING, false, 0, 32, .desc = "电话" },
	{ "relationship", F_ENUM, true, .enums = member_relationships, .desc = "与户主关系" },
	{ NULL },
};

static const struct field head_body[] = {
	{ "member_id", F_INT, true, 1, INT64_MAX, .desc = "新户主（本户的在册成员）" },
	{ "former_head_relationship", F_ENUM, false, .enums = member_relationships,
	  .desc = "原户主与新户主的关系，默认 other" },
	{ NULL },
};

static const struct field category_body[] = {
	{ "code", F_STRING, true, 2, 32, .desc = "代码：小写字母、数字、下划线" },
	{ "name", F_STRING, true, 1, 64 },
	{ "priority", F_INT, true, 0, 100000, .desc = "轮候优先级，数字小者优先" },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field category_patch_body[] = {
	{ "name", F_STRING, false, 1, 64 },
	{ "priority", F_INT, false, 0, 100000 },
	{ "active", F_BOOL, false },
	{ NULL },
};

static const struct field person_patch_body[] = {
	{ "name", F_STRING, false, 1, 64 },
	{ "phone", F_STRING, false, 0, 32, .desc = "空字符串表示删除" },
	{ NULL },
};

static const struct field reveal_body[] = {
	{ "field", F_ENUM, true, .enums = reveal_fields },
	{ "reason", F_STRING, true, 4, 200, .desc = "查看理由（记入审计）" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX }, { "category", F_STRING, false, 1, 32 },
	{ "state", F_ENUM, false, .enums = states },    { "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },           { NULL },
};

static const struct field dossier_query[] = {
	{ "timeline_limit", F_INT, false, 1, 500, .desc = "时间线条数，默认 100" },
	{ NULL },
};

static int
household_param(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "household_not_found", "没有这个家庭", e);
}

static int
person_param(struct req *r, int64_t *id, struct anju_err *e)
{
	return req_object_id(r, 0, id, "person_not_found", "没有这个人员", e);
}

static int
reply_household(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *h = NULL;
	int rc = household_get(r->db, r->caller, id, &h, e);

	if (rc == 0)
		reply_json(r, status, h);
	return rc;
}

/* Categories. */

static int
list_categories(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = household_category_list(r->db, &items, e);

	if (rc == 0)
		reply_items(r, items);
	return rc;
}

/* Adds (create) or changes the category code from the body and replies it. */
static int
save_category(struct req *r, const char *code, bool create, struct anju_err *e)
{
	json_t *active = json_object_get(r->json, "active"), *c = NULL;
	struct household_category_in in = {
		.code = code,
		.name = member_str(r->json, "name"),
		.priority = member_int(r->json, "priority", -1),
		.active = json_is_boolean(active) ? json_is_true(active) : -1,
	};
	struct audit_actor who;
	int rc;

	access_actor(r, &who);
	rc = create ? household_category_create(r->db, &in, &who, e)
		    : household_category_update(r->db, &in, &who, e);
	if (rc != 0 || (rc = household_category_get(r->db, in.code, &c, e)) != 0)
		return rc;
	reply_json(r, create ? 201 : 200, c);
	return 0;
}

static int
create_category(struct req *r, struct anju_err *e)
{
	return save_category(r, member_str(r->json, "code"), true, e);
}

static int
update_category(struct req *r, struct anju_err *e)
{
	return save_category(r, r->params[0], false, e);
}

/* Households. */

static int
list_households(struct req *r, struct anju_err *e)
{
	struct household_filter f = {
		.category = req_query(r, "category"),
		.state = req_query(r, "state"),
	};
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.community_id = req_query_id(r, "community_id");
	if ((rc = household_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static void
member_of(json_t *o, struct member_in *m)
{
	*m = (struct member_in){
		.person = { .name = member_str(o, "name"),
			    .id_number = member_str(o, "id_number"),
			    .phone = member_str(o, "phone") },
		.relationship = member_str(o, "relationship"),
	};
}

static int
create_household(struct req *r, struct anju_err *e)
{
	json_t *members = json_object_get(r->json, "members"), *m;
	struct member_in *list = arena_alloc(
		r->arena,
		sizeof(*list) * (json_array_size(members) ? json_array_size(members) : 1));
	struct household_in in = {
		.community_id = member_int(r->json, "community_id", 0),
		.category = member_str(r->json, "category"),
		.hukou = member_str(r->json, "hukou"),
		.employer = member_str(r->json, "employer"),
		.monthly_income_fen = member_int(r->json, "monthly_income_fen", 0),
		.assets_fen = member_int(r->json, "assets_fen", 0),
		.assets_note = member_str(r->json, "assets_note"),
		.current_housing = member_str(r->json, "current_housing"),
		.members = list,
		.nmembers = (int)json_array_size(members),
		.housing_area_centi = member_int(r->json, "housing_area_centi", 0),
		.local_hukou = json_is_true(json_object_get(r->json, "local_hukou")),
		.insurance_months = member_int(r->json, "insurance_months", 0),
		.special_groups = member_str(r->json, "special_groups"),
	};
	struct audit_actor who;
	int64_t id = 0;
	size_t i;
	int rc;

	json_array_foreach (members, i, m)
		member_of(m, &list[i]);
	/* Checked before the community, so a bad row says what is wrong with
	 * it wherever it was meant to go. */
	if ((rc = household_validate(&in, e)) != 0 ||
	    (rc = tenancy_special_groups_check(r->db, in.special_groups, "special_groups", e)) != 0)
		return rc;
	if ((rc = housing_community_visible(r->db, r->caller, in.community_id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = household_create(r->db, &in, &who, &id, e)) != 0)
		return rc;
	return reply_household(r, 201, id, e);
}

static int
get_household(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = household_param(r, &id, e)) != 0)
		return rc;
	return reply_household(r, 200, id, e);
}

static int
my_household(struct req *r, struct anju_err *e)
{
	json_t *h = NULL;
	int rc = household_mine(r->db, r->caller, &h, e);

	if (rc == 0)
		reply_json(r, 200, h);
	return rc;
}

/* The household of the path, which the caller must see, for a change. */
static int
changing(struct req *r, int64_t *id, struct audit_actor *who, struct anju_err *e)
{
	int64_t community;
	int rc;

	if ((rc = household_param(r, id, e)) != 0 ||
	    (rc = household_community(r->db, r->caller, *id, &community, e)) != 0)
		return rc;
	access_actor(r, who);
	return 0;
}

static int
update_household(struct req *r, struct anju_err *e)
{
	struct household_patch p = {
		.category = member_str(r->json, "category"),
		.hukou = member_str(r->json, "hukou"),
		.employer = member_str(r->json, "employer"),
		.assets_note = member_str(r->json, "assets_note"),
		.current_housing = member_str(r->json, "current_housing"),
		.monthly_income_fen = member_int(r->json, "monthly_income_fen", -1),
		.assets_fen = member_int(r->json, "assets_fen", -1),
		.has_housing_area = json_is_integer(json_object_get(r->json, "housing_area_centi")),
		.housing_area_centi = member_int(r->json, "housing_area_centi", 0),
		.has_local_hukou = json_is_boolean(json_object_get(r->json, "local_hukou")),
		.local_hukou = json_is_true(json_object_get(r->json, "local_hukou")),
		.has_insurance_months =
			json_is_integer(json_object_get(r->json, "insurance_months")),
		.insurance_months = member_int(r->json, "insurance_months", 0),
		.special_groups = member_str(r->json, "special_groups"),
	};
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = changing(r, &id, &who, e)) != 0 ||
	    (rc = tenancy_special_groups_check(r->db, p.special_groups, "special_groups", e)) !=
		    0 ||
	    (rc = household_update(r->db, id, &p, &who, e)) != 0)
		return rc;
	return reply_household(r, 200, id, e);
}

static int
add_member(struct req *r, struct anju_err *e)
{
	struct member_in m;
	struct audit_actor who;
	int64_t id, member = 0;
	int rc;

	member_of(r->json, &m);
	if ((rc = changing(r, &id, &who, e)) != 0 ||
	    (rc = member_add(r->db, id, &m, &who, &member, e)) != 0)
		return rc;
	return reply_household(r, 201, id, e);
}

static int
leave_member(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, member;
	int rc;

	if ((rc = changing(r, &id, &who, e)) != 0 ||
	    (rc = req_object_id(r, 1, &member, "member_not_found", "没有这个家庭成员", e)) != 0 ||
	    (rc = member_leave(r->db, id, member, &who, e)) != 0)
		return rc;
	return reply_household(r, 200, id, e);
}

static int
set_head(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = changing(r, &id, &who, e)) != 0 ||
	    (rc = household_set_head(r->db, id, member_int(r->json, "member_id", 0),
				     member_str(r->json, "former_head_relationship"), &who, e)) !=
		    0)
		return rc;
	return reply_household(r, 200, id, e);
}

static int
dossier(struct req *r, struct anju_err *e)
{
	const char *l = req_query(r, "timeline_limit");
	int64_t id, limit = 100;
	json_t *d = NULL;
	int rc;

	if ((rc = household_param(r, &id, e)) != 0)
		return rc;
	if (l != NULL)
		str_to_int64(str_c(l), 1, 500, &limit);
	if ((rc = household_dossier(r->db, r->caller, id, (int)limit, &d, e)) != 0)
		return rc;
	reply_json(r, 200, d);
	return 0;
}

/* People. */

static int
get_person(struct req *r, struct anju_err *e)
{
	json_t *p = NULL;
	int64_t id;
	int rc;

	if ((rc = person_param(r, &id, e)) != 0 ||
	    (rc = household_person_get(r->db, r->caller, id, &p, e)) != 0)
		return rc;
	reply_json(r, 200, p);
	return 0;
}

static int
update_person(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *p = NULL;
	int64_t id;
	int rc;

	if ((rc = person_param(r, &id, e)) != 0 ||
	    (rc = household_person_visible(r->db, r->caller, id, e)) != 0)
		return rc;
	access_actor(r, &who);
	rc = person_update(r->db, id, member_str(r->json, "name"), member_str(r->json, "phone"),
			   &who, e);
	if (rc != 0 || (rc = household_person_get(r->db, r->caller, id, &p, e)) != 0)
		return rc;
	reply_json(r, 200, p);
	return 0;
}

/* The route runs its own transaction (ROUTE_OWN_TX) so that the router
 * never keeps the response for an Idempotency-Key replay: the clear value
 * must not be stored anywhere. */
static int
reveal(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	const char *field = member_str(r->json, "field");
	char *value = NULL;
	size_t n = 0;
	int64_t id;
	int rc;

	if ((rc = person_param(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return db_fail(r->db, rc, e);
	rc = household_person_reveal(r->db, r->caller, &who, id, field,
				     member_str(r->json, "reason"), &value, &n, e);
	if (rc == 0 && (rc = db_commit(r->db)) != 0)
		rc = db_fail(r->db, rc, e);
	if (rc != 0) {
		db_rollback(r->db);
		pii_plain_free(value, n);
		return rc;
	}
	reply_json(r, 200, json_pack("{s:s, s:s}", "field", field, "value", value));
	pii_plain_free(value, n);
	return 0;
}

#define MASKED_ID "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{3}\\\\*{11}[0-9X]{4}$\"}"
#define MASKED_PHONE                                                                               \
	"{\"type\":[\"string\",\"null\"],\"pattern\":\"^([0-9]{3}\\\\*+[0-9]{4}|\\\\*+)$\"}"
#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define ITEMS(ref)                                                                                 \
	"{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"       \
	"\"array\",\"items\":" ref "}}}"
#define PAGE(ref)                                                                                  \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{\"items\":{"       \
	"\"type\":\"array\",\"items\":" ref "},\"next\":{\"type\":[\"string\",\"null\"]}}}"

static const struct route routes[] = {
	{ "GET", "/api/v1/household-categories", ACCESS_CALLER, ROLES_SCOPED, .status = 200,
	  .response = ITEMS(REF("HouseholdCategory")), .summary = "家庭类别（含优先级）",
	  .handler = list_categories },
	{ "POST", "/api/v1/household-categories", ACCESS_CALLER, ROLE_BIT(ROLE_BUREAU),
	  .body = category_body, .status = 201, .response = REF("HouseholdCategory"),
	  .summary = "新增家庭类别", .handler = create_category },
	{ "PATCH", "/api/v1/household-categories/{code}", ACCESS_CALLER, ROLE_BIT(ROLE_BUREAU),
	  .body = category_patch_body, .status = 200, .response = REF("HouseholdCategory"),
	  .summary = "修改家庭类别的名称、优先级或启用状态", .handler = update_category },
	{ "GET", "/api/v1/households", ACCESS_CALLER, READERS, .query = list_query, .status = 200,
	  .response = PAGE(REF("HouseholdSummary")),
	  .summary = "家庭列表（按小区、类别、状态筛选）", .handler = list_households },
	{ "POST", "/api/v1/households", ACCESS_CALLER, WRITERS, .body = household_body,
	  .status = 201, .response = REF("Household"), .summary = "登记家庭及其成员",
	  .handler = create_household },
	{ "GET", "/api/v1/households/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = REF("Household"),
	  .summary = "家庭详情（承租人只能查看自己的家庭）", .handler = get_household },
	{ "PATCH", "/api/v1/households/{id}", ACCESS_CALLER, WRITERS, .body = household_patch_body,
	  .status = 200, .response = REF("Household"), .summary = "修改家庭信息",
	  .handler = update_household },
	{ "POST", "/api/v1/households/{id}/members", ACCESS_CALLER, WRITERS, .body = member_body,
	  .status = 201, .response = REF("Household"), .summary = "增加家庭成员",
	  .handler = add_member },
	{ "POST", "/api/v1/households/{id}/members/{member_id}/leave", ACCESS_CALLER, WRITERS,
	  .status = 200, .response = REF("Household"),
	  .summary = "家庭成员迁出（户主最后迁出时家庭注销）", .handler = leave_member },
	{ "POST", "/api/v1/households/{id}/head", ACCESS_CALLER, WRITERS, .body = head_body,
	  .status = 200, .response = REF("Household"), .summary = "变更户主", .handler = set_head },
	{ "GET", "/api/v1/households/{id}/dossier", ACCESS_CALLER, READERS, .query = dossier_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"household\",\"members\","
		      "\"attachments\",\"timeline\"],\"properties\":{"
		      "\"household\":" REF(
			      "Household") ","
					   "\"members\":{\"type\":\"array\",\"items\":" REF(
						   "Member") "},"
							     "\"attachments\":{\"type\":\"array\","
							     "\"items\":{\"type\":\"object\"}},"
							     "\"timeline\":{\"type\":\"array\","
							     "\"items\":{\"type\":\"object\","
							     "\"required\":[\"at\",\"source\","
							     "\"action\",\"object_type\",\"object_"
							     "id\"]}}}}",
	  .summary = "一户一档：家庭、成员、资料与时间线", .handler = dossier },
	{ "GET", "/api/v1/my/household", ACCESS_CALLER, ROLE_BIT(ROLE_TENANT), .status = 200,
	  .response = REF("Household"), .summary = "承租人：我的家庭", .handler = my_household },
	{ "GET", "/api/v1/persons/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = REF("Person"), .summary = "人员（身份证号、电话已脱敏）",
	  .handler = get_person },
	{ "PATCH", "/api/v1/persons/{id}", ACCESS_CALLER, WRITERS, .body = person_patch_body,
	  .status = 200, .response = REF("Person"), .summary = "修改人员姓名或电话",
	  .handler = update_person },
	{ "POST", "/api/v1/persons/{id}/reveal", ACCESS_CALLER, REVEALERS, .body = reveal_body,
	  .flags = ROUTE_OWN_TX, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"field\",\"value\"],\"properties\":{"
		      "\"field\":{\"enum\":[\"id_number\",\"phone\"]},"
		      "\"value\":{\"type\":\"string\"}}}",
	  .summary = "查看完整的身份证号或电话（需填写理由，限次并审计）", .handler = reveal },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "HouseholdCategory",
	  "{\"type\":\"object\",\"required\":[\"code\",\"name\",\"priority\",\"active\"],"
	  "\"properties\":{\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
	  "\"priority\":{\"type\":\"integer\"},\"active\":{\"type\":\"boolean\"}}}" },
	{ "Person",
	  "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"id_number\",\"phone\","
	  "\"birth_date\",\"sex\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"name\":{\"type\":\"string\"},\"id_number\":" MASKED_ID ",\"phone\":" MASKED_PHONE ","
	  "\"birth_date\":{\"type\":[\"string\",\"null\"]},"
	  "\"sex\":{\"enum\":[\"male\",\"female\",null]},"
	  "\"household_id\":{\"type\":[\"integer\",\"null\"]}}}" },
	{ "Member",
	  "{\"type\":\"object\",\"required\":[\"id\",\"person_id\",\"relationship\","
	  "\"joined_at\",\"left_at\",\"person\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"person_id\":{\"type\":\"integer\"},\"relationship\":{\"enum\":[\"head\",\"spouse\","
	  "\"child\",\"parent\",\"sibling\",\"other\"]},\"joined_at\":{\"type\":\"string\"},"
	  "\"left_at\":{\"type\":[\"string\",\"null\"]},\"person\":" REF("Person") "}}" },
	{ "Household",
	  "{\"type\":\"object\",\"required\":[\"id\",\"community_id\",\"community_name\","
	  "\"category\",\"category_name\",\"hukou\",\"employer\",\"monthly_income_fen\","
	  "\"assets_fen\",\"assets_note\",\"current_housing\",\"state\",\"created_at\","
	  "\"updated_at\",\"members\",\"head_member_id\",\"member_count\",\"housing_area_centi\","
	  "\"local_hukou\",\"insurance_months\",\"special_groups\"],\"properties\":{"
	  "\"housing_area_centi\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"local_hukou\":{\"type\":\"boolean\"},\"insurance_months\":{\"type\":\"integer\"},"
	  "\"special_groups\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	  "\"id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"
	  "\"community_name\":{\"type\":\"string\"},\"category\":{\"type\":\"string\"},"
	  "\"category_name\":{\"type\":\"string\"},\"monthly_income_fen\":{\"type\":\"integer\"},"
	  "\"assets_fen\":{\"type\":\"integer\"},\"state\":{\"enum\":[\"active\",\"closed\"]},"
	  "\"members\":{\"type\":\"array\",\"items\":" REF(
		  "Member") "},"
			    "\"head_member_id\":{\"type\":[\"integer\",\"null\"]},"
			    "\"member_count\":{\"type\":\"integer\"}}}" },
	{ "HouseholdSummary",
	  "{\"type\":\"object\",\"required\":[\"id\",\"community_id\",\"community_name\","
	  "\"category\",\"category_name\",\"state\",\"monthly_income_fen\",\"created_at\","
	  "\"head_person_id\",\"head_name\",\"head_id_number\",\"head_phone\",\"member_count\"],"
	  "\"properties\":{\"id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"
	  "\"community_name\":{\"type\":\"string\"},\"category\":{\"type\":\"string\"},"
	  "\"category_name\":{\"type\":\"string\"},\"state\":{\"enum\":[\"active\",\"closed\"]},"
	  "\"head_person_id\":{\"type\":[\"integer\",\"null\"]},"
	  "\"head_name\":{\"type\":[\"string\",\"null\"]},\"head_id_number\":" MASKED_ID ","
	  "\"head_phone\":" MASKED_PHONE ",\"member_count\":{\"type\":\"integer\"}}}" },
	{ NULL },
};

const struct api_module api_household = { "households", routes, schemas };
