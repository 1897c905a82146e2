/*
 * Patrols over HTTP (upkeep/patrol.h, issue 8 part A).  The library,
 * points, plans and labels are the operator manager's to write and the
 * bureau's, the operator's staff, the inspectors' and the assessor's to
 * read; the label sheet is printed by the operator manager or the bureau
 * (a print makes new tokens, so it is audited, and it runs in its own
 * transaction though it is a GET).  Check-ins and results are for the
 * round's inspectors (inspector or operator staff accounts) and the
 * operator manager; the domain refuses anyone else with 403.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/date.h"
#include "core/mem.h"
#include "files/files.h"
#include "http/router.h"
#include "store/db.h"
#include "upkeep/patrol.h"

#define MANAGER  (ROLE_BIT(ROLE_OPERATOR_MANAGER))
#define WORKERS  (MANAGER | ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_INSPECTOR))
#define READERS  (WORKERS | ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_ASSESSOR))
#define PRINTERS (MANAGER | ROLE_BIT(ROLE_BUREAU))

static const char *const yes_no[] = { "true", "false", NULL };
static const char *const locations[] = {
	"unit", "building", "entrance", "community", "asset", NULL
};

static const struct field all_query[] = {
	{ "all", F_ENUM, false, .enums = yes_no, .desc = "true：包括已停用的" },
	{ NULL },
};

static const struct field item_body[] = {
	{ "name", F_STRING, true, 1, 40, .desc = "巡查项目名称" },
	{ "severity", F_ENUM, true, .enums = patrol_severities,
	  .desc = "严重程度：low 一般、medium 较重、high 严重" },
	{ "finding_action", F_ENUM, false, .enums = patrol_finding_actions,
	  .desc = "发现问题时：none 仅记录、work_order 生成维修工单、violation 生成疑似违规案件；"
		  "不填：按严重程度的设置" },
	{ "work_order_category", F_ENUM, false, .enums = patrol_wo_categories,
	  .desc = "生成工单的类别（默认 other）" },
	{ "violation_type", F_ENUM, false, .enums = patrol_violation_types,
	  .desc = "生成违规案件的类型（默认 other）" },
	{ NULL },
};

static const struct field severity_body[] = {
	{ "action", F_ENUM, true, .enums = patrol_finding_actions,
	  .desc = "未单独设置的巡查项目发现问题时的处理" },
	{ NULL },
};

static const struct field id_item = { "id", F_INT, true, 1, INT64_MAX };

static const struct field point_body[] = {
	{ "name", F_STRING, true, 1, 60, .desc = "巡查点名称" },
	{ "location", F_ENUM, true, .enums = locations,
	  .desc = "位置：unit 房屋、building 楼栋、entrance 单元、community 小区公共区域、asset "
		  "设施设备" },
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（location=community）" },
	{ "building_id", F_INT, false, 1, INT64_MAX, .desc = "楼栋（building、entrance）" },
	{ "entrance", F_INT, false, 1, 99, .desc = "单元号（entrance）" },
	{ "unit_id", F_INT, false, 1, INT64_MAX, .desc = "房屋（unit）" },
	{ "asset_id", F_INT, false, 1, INT64_MAX, .desc = "设施设备（asset）" },
	{ "place", F_STRING, false, 0, 64, .desc = "位置说明（如：2号楼东侧消防通道）" },
	{ "items", F_ARRAY, true, 1, PATROL_POINT_ITEMS_MAX, .items = &id_item,
	  .desc = "巡查项目，按检查顺序" },
	{ "active", F_BOOL, false, .desc = "启用" },
	{ NULL },
};

static const struct field labels_query[] = {
	{ "point_id", F_INT, false, 1, INT64_MAX, .desc = "只重印这个巡查点的标签" },
	{ NULL },
};

static const struct field plan_body[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX, .desc = "小区（新建时必填）" },
	{ "name", F_STRING, true, 1, 60, .desc = "计划名称" },
	{ "frequency", F_ENUM, true, .enums = patrol_frequencies,
	  .desc = "频次：daily 每天、weekly 每周、monthly 每月、quarterly 每季" },
	{ "weekday", F_INT, false, 1, 7, .desc = "每周：星期几（1 星期一 … 7 星期日）" },
	{ "month_day", F_INT, false, 1, 31, .desc = "每月、每季：几号（大于当月天数时为月末）" },
	{ "quarter_month", F_INT, false, 1, 3, .desc = "每季：季度中的第几个月" },
	{ "points", F_ARRAY, true, 1, PATROL_ROUTE_MAX, .items = &id_item,
	  .desc = "巡查路线：巡查点按顺序" },
	{ "inspectors", F_ARRAY, true, 1, PATROL_INSPECTORS_MAX, .items = &id_item,
	  .desc = "巡查人员账号（一个或多个）" },
	{ "active", F_BOOL, false, .desc = "启用" },
	{ NULL },
};

static const struct field generate_body[] = {
	{ "due_on", F_DATE, false, .desc = "巡查日期（默认今天）" },
	{ NULL },
};

static const struct field rounds_query[] = {
	{ "due_on", F_DATE, false, .desc = "巡查日期" },
	{ "state", F_ENUM, false, .enums = patrol_round_states, .desc = "状态" },
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "plan_id", F_INT, false, 1, INT64_MAX },
	{ "mine", F_ENUM, false, .enums = yes_no, .desc = "true：只看分派给我的" },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field visit_body[] = {
	{ "token", F_STRING, true, 1, 120, .desc = "扫描到的标签内容（anju:p:…）或标签上的令牌" },
	{ "point_id", F_INT, false, 1, INT64_MAX, .desc = "正在签到的巡查点（可选）" },
	{ "lat", F_STRING, false, 1, 20, .desc = "纬度（浏览器定位，已授权时）" },
	{ "lng", F_STRING, false, 1, 20, .desc = "经度" },
	{ "accuracy", F_INT, false, 0, 100000, .desc = "定位精度（米）" },
	{ NULL },
};

static const struct field result_body[] = {
	{ "outcome", F_ENUM, true, .enums = patrol_outcomes,
	  .desc = "fine 正常、not_fine 有问题（即发现问题）" },
	{ "note", F_STRING, false, 0, 500, .desc = "说明" },
	{ NULL },
};

static const struct field photo_query[] = {
	{ "filename", F_STRING, false, 1, 120, .desc = "文件名" },
	{ "note", F_STRING, false, 0, 200, .desc = "说明" },
	{ NULL },
};

static const struct field findings_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

/* The ids of an array of integers the route's validator has checked. */
static int64_t *
ids_of(struct req *r, const char *name, int *n)
{
	json_t *a = json_object_get(r->json, name), *v;
	int64_t *ids;
	size_t i;

	*n = (int)json_array_size(a);
	ids = arena_alloc(r->arena, (size_t)(*n + 1) * sizeof(*ids));
	json_array_foreach (a, i, v)
		ids[i] = json_integer_value(v);
	return ids;
}

static int
active_of(struct req *r)
{
	json_t *v = json_object_get(r->json, "active");

	return v == NULL ? -1 : json_is_true(v) ? 1 : 0;
}

static bool
query_true(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return v != NULL && strcmp(v, "true") == 0;
}

/*
 * The library.
 */

static int
list_items(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = patrol_item_list(r->db, query_true(r, "all"), &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
save_item(struct req *r, int64_t id, struct anju_err *e)
{
	struct patrol_item_in in = {
		member_str(r->json, "name"),           member_str(r->json, "severity"),
		member_str(r->json, "finding_action"), member_str(r->json, "work_order_category"),
		member_str(r->json, "violation_type"),
	};
	struct audit_actor who;
	json_t *out = NULL;
	int64_t saved = 0;
	int rc;

	access_actor(r, &who);
	if ((rc = patrol_item_save(r->db, id, &in, &who, &saved, e)) != 0 ||
	    (rc = patrol_item_get(r->db, saved, &out, e)) != 0)
		return rc;
	reply_json(r, id == 0 ? 201 : 200, out);
	return 0;
}

static int
create_item(struct req *r, struct anju_err *e)
{
	return save_item(r, 0, e);
}

static int
put_item(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_item_not_found", "没有这个巡查项目", e)) != 0)
		return rc;
	return save_item(r, id, e);
}

static int
retire_item(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *out = NULL;
	int64_t id;
	int rc;

	access_actor(r, &who);
	if ((rc = req_object_id(r, 0, &id, "patrol_item_not_found", "没有这个巡查项目", e)) != 0 ||
	    (rc = patrol_item_retire(r->db, id, &who, e)) != 0 ||
	    (rc = patrol_item_get(r->db, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
list_severity_actions(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc;

	if ((rc = patrol_severity_actions(r->db, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
put_severity_action(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	access_actor(r, &who);
	if ((rc = patrol_severity_action_set(r->db, r->params[0], member_str(r->json, "action"),
					     &who, e)) != 0)
		return rc;
	return list_severity_actions(r, e);
}

/*
 * Points and labels.
 */

static int
list_points(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t community;
	int rc;

	if ((rc = req_object_id(r, 0, &community, "community_not_found", "没有这个小区", e)) != 0 ||
	    (rc = patrol_point_list(r->db, r->caller, community, query_true(r, "all"), &items,
				    e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
save_point(struct req *r, int64_t id, struct anju_err *e)
{
	json_t *b = r->json;
	struct patrol_point_in in = {
		.name = member_str(b, "name"),
		.place = { .location = member_str(b, "location"),
			   .community_id = member_int(b, "community_id", 0),
			   .building_id = member_int(b, "building_id", 0),
			   .entrance = (int)member_int(b, "entrance", 0),
			   .unit_id = member_int(b, "unit_id", 0),
			   .asset_id = member_int(b, "asset_id", 0),
			   .place = member_str(b, "place") },
		.active = active_of(r),
	};
	struct audit_actor who;
	json_t *out = NULL;
	int64_t saved = 0;
	int rc;

	in.items = ids_of(r, "items", &in.nitems);
	access_actor(r, &who);
	if ((rc = patrol_point_save(r->db, r->caller, id, &in, &who, &saved, e)) != 0 ||
	    (rc = patrol_point_get(r->db, r->caller, saved, &out, e)) != 0)
		return rc;
	reply_json(r, id == 0 ? 201 : 200, out);
	return 0;
}

static int
create_point(struct req *r, struct anju_err *e)
{
	return save_point(r, 0, e);
}

static int
put_point(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_point_not_found", "没有这个巡查点", e)) != 0)
		return rc;
	return save_point(r, id, e);
}

static int
get_point(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_point_not_found", "没有这个巡查点", e)) != 0 ||
	    (rc = patrol_point_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/* A GET that writes: the new tokens and the audit row commit before the
 * sheet is sent, in a transaction of its own. */
static int
labels_pdf(struct req *r, struct anju_err *e)
{
	struct patrol_label *labels = NULL;
	char community[128], today[DATE_FMT_LEN];
	struct audit_actor who;
	int64_t id;
	int n = 0, rc;

	if ((rc = req_object_id(r, 0, &id, "community_not_found", "没有这个小区", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = db_begin(r->db)) != 0)
		return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
				 "begin: %s", db_errmsg(r->db));
	rc = patrol_labels_issue(r->db, r->caller, id, req_query_id(r, "point_id"), &who, &labels,
				 &n, community, e);
	if (rc != 0) {
		db_rollback(r->db);
		return rc;
	}
	date_format(date_today_shanghai(), today);
	buf_init(&r->raw, 0);
	rc = patrol_labels_pdf(community, labels, n, today, &r->raw, e);
	explicit_bzero(labels, (size_t)n * sizeof(*labels));
	free(labels);
	if (rc != 0) {
		db_rollback(r->db);
		return rc;
	}
	if ((rc = db_commit(r->db)) != 0) {
		db_rollback(r->db);
		return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
				 "commit: %s", db_errmsg(r->db));
	}
	r->status = 200;
	r->content_type = "application/pdf";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "inline; filename=\"patrol-labels-%lld.pdf\"",
				    (long long)id));
	/* The tokens are on it: never in a cache. */
	req_add_header(r, "Cache-Control", "private, no-store");
	return 0;
}

/*
 * Plans.
 */

static int
list_plans(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t community;
	int rc;

	if ((rc = req_object_id(r, 0, &community, "community_not_found", "没有这个小区", e)) != 0 ||
	    (rc = patrol_plan_list(r->db, r->caller, community, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
list_inspectors(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t community;
	int rc;

	if ((rc = req_object_id(r, 0, &community, "community_not_found", "没有这个小区", e)) != 0 ||
	    (rc = patrol_inspector_list(r->db, r->caller, community, &items, e)) != 0)
		return rc;
	reply_items(r, items);
	return 0;
}

static int
save_plan(struct req *r, int64_t id, struct anju_err *e)
{
	json_t *b = r->json;
	struct patrol_plan_in in = {
		.community_id = member_int(b, "community_id", 0),
		.name = member_str(b, "name"),
		.frequency = member_str(b, "frequency"),
		.weekday = (int)member_int(b, "weekday", 0),
		.month_day = (int)member_int(b, "month_day", 0),
		.quarter_month = (int)member_int(b, "quarter_month", 0),
		.active = active_of(r),
	};
	struct audit_actor who;
	json_t *out = NULL;
	int64_t saved = 0;
	int rc;

	if (id == 0 && in.community_id == 0)
		return anju_fail(e, ANJU_EINVAL, "required", "community_id", "请选择小区");
	in.points = ids_of(r, "points", &in.npoints);
	in.inspectors = ids_of(r, "inspectors", &in.ninspectors);
	access_actor(r, &who);
	if ((rc = patrol_plan_save(r->db, r->caller, id, &in, &who, &saved, e)) != 0 ||
	    (rc = patrol_plan_get(r->db, r->caller, saved, &out, e)) != 0)
		return rc;
	reply_json(r, id == 0 ? 201 : 200, out);
	return 0;
}

static int
create_plan(struct req *r, struct anju_err *e)
{
	return save_plan(r, 0, e);
}

static int
put_plan(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_plan_not_found", "没有这个巡查计划", e)) != 0)
		return rc;
	return save_plan(r, id, e);
}

static int
get_plan(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_plan_not_found", "没有这个巡查计划", e)) != 0 ||
	    (rc = patrol_plan_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

/*
 * Rounds.
 */

static int
generate(struct req *r, struct anju_err *e)
{
	const char *due = member_str(r->json, "due_on");
	char today[DATE_FMT_LEN];
	struct audit_actor who;
	int64_t made = 0, missed = 0;
	int rc;

	if (due == NULL) {
		date_format(date_today_shanghai(), today);
		due = today;
	}
	access_actor(r, &who);
	if ((rc = patrol_rounds_generate(r->db, due, &who, &made, &missed, e)) != 0)
		return rc;
	reply_json(r, 200,
		   json_pack("{s:s, s:I, s:I}", "due_on", due, "made", (json_int_t)made, "missed",
			     (json_int_t)missed));
	return 0;
}

static int
list_rounds(struct req *r, struct anju_err *e)
{
	struct patrol_round_filter f = { 0 };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after_id, e)) != 0)
		return rc;
	f.due_on = req_query(r, "due_on");
	f.state = req_query(r, "state");
	f.community_id = req_query_id(r, "community_id");
	f.plan_id = req_query_id(r, "plan_id");
	f.mine = query_true(r, "mine");
	if ((rc = patrol_round_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
reply_round(struct req *r, int status, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = patrol_round_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
get_round(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_round_not_found", "没有这个巡查任务", e)) != 0)
		return rc;
	return reply_round(r, 200, id, e);
}

static int
visit(struct req *r, struct anju_err *e)
{
	json_t *b = r->json;
	struct patrol_visit_in in = {
		.token = member_str(b, "token"),
		.point_id = member_int(b, "point_id", 0),
		.lat = member_str(b, "lat"),
		.lng = member_str(b, "lng"),
		.accuracy = (int)member_int(b, "accuracy", -1),
	};
	struct audit_actor who;
	int64_t id, point = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_round_not_found", "没有这个巡查任务", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = patrol_visit(r->db, r->caller, id, &in, &who, &point, e)) != 0)
		return rc;
	return reply_round(r, 201, id, e);
}

static int
put_result(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, point, item, result = 0;
	json_t *round = NULL;
	int rc;

	if ((rc = req_object_id(r, 0, &id, "patrol_round_not_found", "没有这个巡查任务", e)) != 0 ||
	    (rc = req_object_id(r, 1, &point, "patrol_point_not_found", "没有这个巡查点", e)) !=
		    0 ||
	    (rc = req_object_id(r, 2, &item, "patrol_item_not_found", "没有这个巡查项目", e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = patrol_result_save(r->db, r->caller, id, point, item,
				     member_str(r->json, "outcome"), member_str(r->json, "note"),
				     &who, &result, e)) != 0 ||
	    (rc = patrol_round_get(r->db, r->caller, id, &round, e)) != 0)
		return rc;
	reply_json(r, 200,
		   json_pack("{s:I, s:O}", "result_id", (json_int_t)result, "round_state",
			     json_object_get(round, "state")));
	json_decref(round);
	return 0;
}

/* A photo of a result: JPEG or PNG only (415), the upload cap (413). */
static int
add_photo(struct req *r, struct anju_err *e)
{
	const char *type = files_sniff(r->body.p, r->body.n);
	struct attachment_in in = {
		.owner_type = "patrol_result",
		.category = "photo",
		.filename = req_query(r, "filename"),
		.note = req_query(r, "note"),
		.data = r->body.p,
		.size = r->body.n,
	};
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = req_object_id(r, 0, &in.owner_id, "patrol_result_not_found", "没有这个巡查结果",
				e)) != 0)
		return rc;
	if (r->body.n > 0 && (type == NULL || strcmp(type, "application/pdf") == 0))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "巡查照片只能是 JPEG 或 PNG 图片");
	access_actor(r, &who);
	if ((rc = attachment_add(r->db, r->caller, &in, &who, &id, e)) != 0 ||
	    (rc = attachment_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 201, a);
	return 0;
}

static int
list_findings(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int64_t after = 0, next = 0;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0 ||
	    (rc = patrol_finding_list(r->db, r->caller, req_query_id(r, "community_id"), limit,
				      after, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/*
 * Contracts.
 */

#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"                  \
	"\"items\":{\"type\":\"array\",\"items\":" ref "},"                                        \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define ITEMS_OF(ref)                                                                              \
	"{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{"                \
	"\"type\":\"array\",\"items\":" ref "}}}"
#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define S         "{\"type\":\"string\"}"
#define SN        "{\"type\":[\"string\",\"null\"]}"
#define I         "{\"type\":\"integer\"}"
#define IN        "{\"type\":[\"integer\",\"null\"]}"
#define B         "{\"type\":\"boolean\"}"
#define SEVERITY  "{\"enum\":[\"low\",\"medium\",\"high\"]}"
#define ACTION    "{\"enum\":[\"none\",\"work_order\",\"violation\"]}"
#define ACTION_N  "{\"enum\":[\"none\",\"work_order\",\"violation\",null]}"
#define PLACE                                                                                      \
	"{\"type\":\"object\",\"required\":[\"location\",\"community_id\",\"building_id\","        \
	"\"entrance\",\"unit_id\",\"asset_id\",\"place\"],\"properties\":{\"location\":" S         \
	",\"community_id\":" I ",\"building_id\":" IN ",\"entrance\":" IN ",\"unit_id\":" IN       \
	",\"asset_id\":" IN ",\"place\":" S "}}"
#define BINARY(what) "{\"description\":\"" what "，不是 JSON\"}"

static const struct api_schema schemas[] = {
	{ "PatrolItem",
	  "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"severity\",\"finding_action\","
	  "\"work_order_category\",\"violation_type\",\"retired\",\"retired_at\",\"created_at\","
	  "\"updated_at\",\"updated_by\"],\"properties\":{\"id\":" I ",\"name\":" S
	  ",\"severity\":" SEVERITY ",\"finding_action\":" ACTION_N ",\"work_order_category\":" SN
	  ",\"violation_type\":" SN ",\"retired\":" B ",\"retired_at\":" SN ",\"created_at\":" S
	  ",\"updated_at\":" S ",\"updated_by\":" S "}}" },
	{ "PatrolSeverityAction",
	  "{\"type\":\"object\",\"required\":[\"severity\",\"action\",\"updated_at\","
	  "\"updated_by\"],\"properties\":{\"severity\":" SEVERITY ",\"action\":" ACTION
	  ",\"updated_at\":" S ",\"updated_by\":" S "}}" },
	{ "PatrolPoint",
	  "{\"type\":\"object\",\"required\":[\"id\",\"community_id\",\"short_no\",\"name\","
	  "\"place\",\"active\",\"label\",\"items\",\"created_at\",\"updated_at\",\"updated_by\"],"
	  "\"properties\":{\"id\":" I ",\"community_id\":" I ",\"short_no\":" I ",\"name\":" S
	  ",\"place\":" PLACE ",\"active\":" B ",\"label\":{\"type\":\"object\",\"required\":["
	  "\"generation\",\"printed_at\"],\"properties\":{\"generation\":" I ",\"printed_at\":" SN
	  "}},\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
	  "\"name\",\"severity\",\"retired\"],\"properties\":{\"id\":" I ",\"name\":" S
	  ",\"severity\":" SEVERITY ",\"retired\":" B "}}},\"created_at\":" S ",\"updated_at\":" S
	  ",\"updated_by\":" S "}}" },
	{ "PatrolPlan",
	  "{\"type\":\"object\",\"required\":[\"id\",\"community_id\",\"name\",\"frequency\","
	  "\"weekday\",\"month_day\",\"quarter_month\",\"active\",\"points\",\"inspectors\","
	  "\"created_at\",\"updated_at\",\"updated_by\"],\"properties\":{\"id\":" I
	  ",\"community_id\":" I ",\"name\":" S
	  ",\"frequency\":{\"enum\":[\"daily\",\"weekly\",\"monthly\",\"quarterly\"]},"
	  "\"weekday\":" IN ",\"month_day\":" IN ",\"quarter_month\":" IN ",\"active\":" B
	  ",\"points\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
	  "\"short_no\",\"name\",\"active\"],\"properties\":{\"id\":" I ",\"short_no\":" I
	  ",\"name\":" S ",\"active\":" B "}}},\"inspectors\":{\"type\":\"array\",\"items\":{"
	  "\"type\":\"object\",\"required\":[\"id\",\"username\",\"name\",\"role\"],"
	  "\"properties\":{\"id\":" I ",\"username\":" S ",\"name\":" S ",\"role\":" S
	  "}}},\"created_at\":" S ",\"updated_at\":" S ",\"updated_by\":" S "}}" },
	{ "PatrolRound",
	  "{\"type\":\"object\",\"required\":[\"id\",\"plan_id\",\"plan_name\",\"community_id\","
	  "\"community_name\",\"due_on\",\"state\",\"started_at\",\"finished_at\",\"created_at\","
	  "\"updated_at\",\"points_total\",\"points_checked\",\"findings\"],\"properties\":{"
	  "\"id\":" I ",\"plan_id\":" I ",\"plan_name\":" S ",\"community_id\":" I
	  ",\"community_name\":" S ",\"due_on\":" S
	  ",\"state\":{\"enum\":[\"assigned\",\"in_progress\",\"done\",\"missed\"]},"
	  "\"started_at\":" SN ",\"finished_at\":" SN ",\"created_at\":" S ",\"updated_at\":" S
	  ",\"points_total\":" I ",\"points_checked\":" I ",\"findings\":" I "}}" },
	{ "PatrolRoundDetail",
	  "{\"allOf\":[" REF(
		  "PatrolRound") ",{\"type\":\"object\",\"required\":[\"points\",\"inspectors\"],"
				 "\"properties\":{\"inspectors\":{\"type\":\"array\",\"items\":{"
				 "\"type\":\"object\",\"required\":[\"id\",\"name\"],"
				 "\"properties\":{\"id\":" I ",\"name\":" S "}}},"
				 "\"points\":{\"type\":\"array\",\"items\":" REF(
					 "PatrolRoundPoint") "}}}]}" },
	{ "PatrolRoundPoint",
	  "{\"type\":\"object\",\"required\":[\"round_point_id\",\"seq\",\"point_id\",\"name\","
	  "\"short_no\",\"place\",\"checked_in_at\",\"checked_in_by\",\"label_generation\","
	  "\"lat\",\"lng\",\"accuracy\",\"items\"],\"properties\":{\"round_point_id\":" I
	  ",\"seq\":" I ",\"point_id\":" I ",\"name\":" S ",\"short_no\":" I ",\"place\":" PLACE
	  ",\"checked_in_at\":" SN ",\"checked_in_by\":" SN ",\"label_generation\":" IN
	  ",\"lat\":" SN ",\"lng\":" SN ",\"accuracy\":" IN
	  ",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
	  "\"item_id\",\"name\",\"severity\",\"result\"],\"properties\":{\"item_id\":" I
	  ",\"name\":" S ",\"severity\":" SEVERITY ",\"result\":{\"oneOf\":[{\"type\":\"null\"},"
	  "{\"type\":\"object\",\"required\":[\"id\",\"outcome\",\"note\",\"saved_at\","
	  "\"updated_at\",\"updated_by\",\"finding_action\",\"work_order_id\",\"violation_id\","
	  "\"photos\"],\"properties\":{\"id\":" I ",\"outcome\":{\"enum\":[\"fine\","
	  "\"not_fine\"]},\"note\":" S ",\"saved_at\":" S ",\"updated_at\":" S ",\"updated_by\":" S
	  ",\"finding_action\":" ACTION_N ",\"work_order_id\":" IN ",\"violation_id\":" IN
	  ",\"photos\":" I "}}]}}}}}}" },
	{ "PatrolFinding",
	  "{\"type\":\"object\",\"required\":[\"id\",\"round_id\",\"due_on\",\"community_id\","
	  "\"community_name\",\"point_id\",\"point_name\",\"item_id\",\"item_name\",\"severity\","
	  "\"note\",\"finding_action\",\"work_order_id\",\"violation_id\",\"saved_at\","
	  "\"saved_by\"],\"properties\":{\"id\":" I ",\"round_id\":" I ",\"due_on\":" S
	  ",\"community_id\":" I ",\"community_name\":" S ",\"point_id\":" I ",\"point_name\":" S
	  ",\"item_id\":" I ",\"item_name\":" S ",\"severity\":" SEVERITY ",\"note\":" S
	  ",\"finding_action\":" ACTION_N ",\"work_order_id\":" IN ",\"violation_id\":" IN
	  ",\"saved_at\":" S ",\"saved_by\":" S "}}" },
	{ NULL, NULL },
};

static const struct route routes[] = {
	{ "GET", "/api/v1/patrol-items", ACCESS_CALLER, READERS, .query = all_query, .status = 200,
	  .response = ITEMS_OF(REF("PatrolItem")),
	  .summary = "巡查项目库（严重程度、发现问题时的处理）", .handler = list_items },
	{ "POST", "/api/v1/patrol-items", ACCESS_CALLER, MANAGER, .body = item_body, .status = 201,
	  .response = REF("PatrolItem"), .summary = "新增巡查项目", .handler = create_item },
	{ "PUT", "/api/v1/patrol-items/{id}", ACCESS_CALLER, MANAGER, .body = item_body,
	  .status = 200, .response = REF("PatrolItem"), .summary = "修改巡查项目",
	  .handler = put_item },
	{ "POST", "/api/v1/patrol-items/{id}/retire", ACCESS_CALLER, MANAGER, .status = 200,
	  .response = REF("PatrolItem"),
	  .summary = "停用巡查项目（不删除：已生成的巡查任务保留它）", .handler = retire_item },
	{ "GET", "/api/v1/patrol-severity-actions", ACCESS_CALLER, READERS, .status = 200,
	  .response = ITEMS_OF(REF("PatrolSeverityAction")),
	  .summary = "各严重程度发现问题时的默认处理", .handler = list_severity_actions },
	{ "PUT", "/api/v1/patrol-severity-actions/{severity}", ACCESS_CALLER, MANAGER,
	  .body = severity_body, .status = 200, .response = ITEMS_OF(REF("PatrolSeverityAction")),
	  .summary = "设置某一严重程度发现问题时的默认处理", .handler = put_severity_action },
	{ "GET", "/api/v1/communities/{id}/patrol-points", ACCESS_CALLER, READERS,
	  .query = all_query, .status = 200, .response = ITEMS_OF(REF("PatrolPoint")),
	  .summary = "小区的巡查点（按编号）", .handler = list_points },
	{ "POST", "/api/v1/patrol-points", ACCESS_CALLER, MANAGER, .body = point_body,
	  .status = 201, .response = REF("PatrolPoint"), .summary = "新增巡查点（位置与巡查项目）",
	  .handler = create_point },
	{ "GET", "/api/v1/patrol-points/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("PatrolPoint"), .summary = "一个巡查点", .handler = get_point },
	{ "PUT", "/api/v1/patrol-points/{id}", ACCESS_CALLER, MANAGER, .body = point_body,
	  .status = 200, .response = REF("PatrolPoint"), .summary = "修改巡查点",
	  .handler = put_point },
	{ "GET", "/api/v1/communities/{id}/patrol-labels.pdf", ACCESS_CALLER, PRINTERS,
	  .query = labels_query, .status = 200, .response = BINARY("PDF 文件（application/pdf）"),
	  .summary = "打印巡查点二维码标签（A4；重新打印即作废旧标签；留痕）",
	  .handler = labels_pdf },
	{ "GET", "/api/v1/communities/{id}/patrol-plans", ACCESS_CALLER, READERS, .status = 200,
	  .response = ITEMS_OF(REF("PatrolPlan")), .summary = "小区的巡查计划",
	  .handler = list_plans },
	{ "GET", "/api/v1/communities/{id}/patrol-inspectors", ACCESS_CALLER, MANAGER,
	  .status = 200,
	  .response = ITEMS_OF("{\"type\":\"object\",\"required\":[\"id\",\"username\",\"name\","
			       "\"role\"],\"properties\":{\"id\":" I ",\"username\":" S
			       ",\"name\":" S ",\"role\":" S "}}"),
	  .summary = "可分派巡查任务的账号（巡查人员与运营人员）", .handler = list_inspectors },
	{ "POST", "/api/v1/patrol-plans", ACCESS_CALLER, MANAGER, .body = plan_body, .status = 201,
	  .response = REF("PatrolPlan"), .summary = "新增巡查计划（频次、路线、巡查人员）",
	  .handler = create_plan },
	{ "GET", "/api/v1/patrol-plans/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("PatrolPlan"), .summary = "一个巡查计划", .handler = get_plan },
	{ "PUT", "/api/v1/patrol-plans/{id}", ACCESS_CALLER, MANAGER, .body = plan_body,
	  .status = 200, .response = REF("PatrolPlan"),
	  .summary = "修改巡查计划（已生成的巡查任务不变）", .handler = put_plan },
	{ "POST", "/api/v1/patrol-rounds/generate", ACCESS_CALLER, PRINTERS, .body = generate_body,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"due_on\",\"made\",\"missed\"],"
		      "\"properties\":{\"due_on\":" S ",\"made\":" I ",\"missed\":" I "}}",
	  .summary = "立即生成某日的巡查任务（每个计划每天一次；重复生成不再新建）",
	  .handler = generate },
	{ "GET", "/api/v1/patrol-rounds", ACCESS_CALLER, READERS, .query = rounds_query,
	  .status = 200, .response = PAGE_OF(REF("PatrolRound")),
	  .summary = "巡查任务（新的在前；mine=true 只看分派给我的）", .handler = list_rounds },
	{ "GET", "/api/v1/patrol-rounds/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = REF("PatrolRoundDetail"),
	  .summary = "巡查任务：按路线顺序的巡查点、签到、巡查结果与发现的问题",
	  .handler = get_round },
	{ "POST", "/api/v1/patrol-rounds/{id}/visits", ACCESS_CALLER, WORKERS, .body = visit_body,
	  .status = 201, .response = REF("PatrolRoundDetail"),
	  .summary = "扫码签到（服务器时间；标签须为该巡查点当前的标签）", .handler = visit },
	{ "PUT", "/api/v1/patrol-rounds/{id}/points/{point}/items/{item}", ACCESS_CALLER, WORKERS,
	  .body = result_body, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"result_id\",\"round_state\"],"
		      "\"properties\":{\"result_id\":" I ",\"round_state\":" S "}}",
	  .summary = "登记一个巡查项目的结果（签到后；带 Idempotency-Key 重试不会重复）",
	  .handler = put_result },
	{ "POST", "/api/v1/patrol-results/{id}/photos", ACCESS_CALLER, WORKERS,
	  .query = photo_query, .flags = ROUTE_RAW_BODY | ROUTE_UPLOAD, .status = 201,
	  .response = REF("Attachment"),
	  .summary = "上传巡查结果的照片：请求内容就是图片（JPEG 或 PNG）", .handler = add_photo },
	{ "GET", "/api/v1/patrol-findings", ACCESS_CALLER, READERS, .query = findings_query,
	  .status = 200, .response = PAGE_OF(REF("PatrolFinding")),
	  .summary = "巡查发现的问题（新的在前）", .handler = list_findings },
	{ NULL },
};

const struct api_module api_patrol = { "patrol", routes, schemas };
