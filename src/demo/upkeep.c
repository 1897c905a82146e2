/*
 * The demo's upkeep (issue 8): the pilot in its first days of patrols,
 * repairs and violation cases.  Through the upkeep module's functions only
 * (upkeep/patrol.h, violation.h, work_order.h), as the demo's accounts
 * would do it; the audit actor is still the system (it loaded the demo).
 *
 * Patrols: in every community a point at each building's entrances, three
 * on the grounds (消防通道, 垃圾分类点, 电动车充电区), a few vacant units
 * and a lift; in 肖桥 also an occupied unit under watch.  Each takes its
 * checklist from the seeded library.  A daily plan (楼道与消防通道日常巡查,
 * the inspector and the operator's staff) and a weekly one falling on
 * today (空置房巡查, the inspector).  The rounds of the last
 * DEMO_PATROL_PAST_DAYS days are generated and left missed: the domain
 * takes a check-in only on the round's own day and at the server's time,
 * so no past round can be walked.  Today's: 肖桥's daily round walked to
 * the end by the staff with their labels (findings: goods in a stairwell
 * and a blocked fire lane, which open work orders, and a suspected
 * sublet, which opens a case), 长安花苑's half walked (stairwell lights
 * out: a work order), 南苑's left
 * for the inspector to walk on a phone after printing the labels.
 *
 * Work orders in every state, each moved by the people the rules name
 * (the staff raise, assign, start and finish; the bureau or the assessor
 * confirm as the call-back, or reopen); a tenant-paid repair with its
 * repair charge; emergencies left open, which pass their 24 hours'
 * deadline the next day (a deadline runs from the server's time of the
 * raise, so nothing is overdue the moment the demo is loaded); and a
 * monthly preventive plan for 肖桥's lifts, due today, with its orders.
 *
 * Violation cases: the patrol's suspected sublet, one investigating with a
 * photo (generated here) and a statement, one confirmed by the bureau with
 * its back charge, penalty and bans, one dismissed; renovation requests
 * approved and waiting for the bureau.
 */
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "demo/demo.h"
#include "housing/housing.h"
#include "tenancy/lease.h"
#include "upkeep/patrol.h"
#include "upkeep/violation.h"
#include "upkeep/work_order.h"

#define MAX_POINTS    64
#define VACANT_POINTS 4
#define DAILY_PLAN    "楼道与消防通道日常巡查"
#define WEEKLY_PLAN   "空置房巡查"
#define WATCH_UNIT    "重点关注房屋"
#define COMMUNITY_XQ  1 /* 肖桥: walked today, the watched unit, the lifts' plan */
#define COMMUNITY_CA  2 /* 长安花苑: half walked today */
#define COMMUNITY_NY  0 /* 南苑: left for the inspector */
#define DEMO_LEASES   200

struct people {
	struct demo_who bureau, manager, staff, inspector, assessor;
};

static int
people(struct db *db, struct people *p, struct anju_err *e)
{
	int rc;

	if ((rc = demo_as(db, "bureau", ROLE_BUREAU, &p->bureau, e)) != 0 ||
	    (rc = demo_as(db, "operator_manager", ROLE_OPERATOR_MANAGER, &p->manager, e)) != 0 ||
	    (rc = demo_as(db, "operator_staff", ROLE_OPERATOR_STAFF, &p->staff, e)) != 0 ||
	    (rc = demo_as(db, "inspector", ROLE_INSPECTOR, &p->inspector, e)) != 0)
		return rc;
	return demo_as(db, "assessor", ROLE_ASSESSOR, &p->assessor, e);
}

static int64_t
id_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The library's items the demo's checklists use, by name. */
enum item {
	I_FIRE_LANE,
	I_FIRE_KIT,
	I_GOODS,
	I_LIFT,
	I_ROOF,
	I_DOOR,
	I_LIGHT,
	I_PIPE,
	I_SUBLET,
	I_RENOVATION,
	I_CLEAN,
	NITEMS
};
static const char *const item_names[NITEMS] = {
	"消防通道堵塞", "消防设施缺损",   "楼道堆物",     "电梯运行异常", "屋面渗漏",   "门禁损坏",
	"公共照明损坏", "给排水管道漏水", "疑似转租转借", "违规装修",     "环境卫生差",
};

static int
item_ids(struct db *db, int64_t ids[NITEMS], struct anju_err *e)
{
	json_t *items = NULL, *it;
	size_t i;
	int rc;

	if ((rc = patrol_item_list(db, false, &items, e)) != 0)
		return rc;
	memset(ids, 0, NITEMS * sizeof(ids[0]));
	json_array_foreach (items, i, it)
		for (int k = 0; k < NITEMS; k++)
			if (strcmp(str_of(it, "name"), item_names[k]) == 0)
				ids[k] = id_of(it, "id");
	json_decref(items);
	for (int k = 0; k < NITEMS; k++)
		if (ids[k] == 0)
			return anju_fail(e, ANJU_ENOTFOUND, "patrol_item_not_found", NULL,
					 "巡查项目库中没有「%s」", item_names[k]);
	return 0;
}

/* A route being built: the point ids in order. */
struct route {
	int64_t ids[MAX_POINTS];
	int n;
};

static int
point_add(struct db *db, const struct people *p, const struct audit_actor *who, const char *name,
	  struct housing_place place, const int64_t *ids, const enum item *items, int nitems,
	  struct route *r, struct anju_err *e)
{
	int64_t checklist[8], id = 0;
	struct patrol_point_in in = { .name = name, .place = place, .active = 1 };
	int rc;

	for (int k = 0; k < nitems; k++)
		checklist[k] = ids[items[k]];
	in.items = checklist;
	in.nitems = nitems;
	if ((rc = patrol_point_save(db, &p->manager.c, 0, &in, who, &id, e)) != 0)
		return rc;
	if (r->n < MAX_POINTS)
		r->ids[r->n++] = id;
	return 0;
}

/* The first lift of the community's buildings, or 0. */
static int
first_lift(struct db *db, const struct people *p, const json_t *buildings, int64_t *lift,
	   char *where, size_t cap, struct anju_err *e)
{
	const json_t *b;
	size_t i;
	int rc = 0;

	*lift = 0;
	json_array_foreach (buildings, i, b) {
		struct asset_filter f = { .building_id = id_of(b, "id"),
					  .limit = HOUSING_PAGE_MAX };
		json_t *assets = NULL, *a;
		int64_t next = 0;
		size_t k;

		if (!json_is_true(json_object_get(b, "has_lift")))
			continue;
		do {
			if ((rc = asset_list(db, &p->manager.c, &f, &assets, &next, e)) != 0)
				return rc;
			json_array_foreach (assets, k, a)
				if (*lift == 0 && strcmp(str_of(a, "type"), "电梯") == 0) {
					*lift = id_of(a, "id");
					snprintf(where, cap, "%s%s电梯", str_of(b, "name"),
						 str_of(a, "place"));
				}
			json_decref(assets);
			f.after_id = next;
		} while (*lift == 0 && next != 0);
		if (*lift != 0)
			break;
	}
	return 0;
}

/* The in-force leases of a community, in id order (at most DEMO_LEASES). */
static int
leases_of(struct db *db, const struct people *p, int64_t community, json_t **items,
	  struct anju_err *e)
{
	struct lease_filter f = { .community_id = community,
				  .state = "in_force",
				  .limit = DEMO_LEASES };
	int64_t next = 0;

	return lease_list(db, &p->manager.c, &f, items, &next, e);
}

static int
community_points(struct db *db, const struct people *p, const struct audit_actor *who, int k,
		 const int64_t ids[NITEMS], const char *today, struct anju_err *e)
{
	static const enum item entrance_items[] = { I_GOODS, I_FIRE_KIT, I_LIGHT, I_DOOR };
	static const enum item lane_items[] = { I_FIRE_LANE, I_CLEAN };
	static const enum item waste_items[] = { I_CLEAN };
	static const enum item charging_items[] = { I_FIRE_KIT, I_LIGHT };
	static const enum item vacant_items[] = { I_PIPE, I_DOOR, I_SUBLET, I_RENOVATION };
	static const enum item watch_items[] = { I_SUBLET, I_RENOVATION, I_CLEAN };
	static const enum item lift_items[] = { I_LIFT };
	static const struct {
		const char *name, *place;
		const enum item *items;
		int n;
	} grounds[] = {
		{ "消防通道", "小区主消防通道", lane_items, 2 },
		{ "垃圾分类点", "小区垃圾分类投放点", waste_items, 1 },
		{ "电动车充电区", "电动车集中充电棚", charging_items, 2 },
	};
	struct route daily = { 0 }, weekly = { 0 };
	json_t *buildings = NULL, *units = NULL, *b;
	int64_t community = 0, next = 0, lift = 0, plan = 0;
	int64_t inspectors[2];
	char name[128], where[96];
	size_t i;
	int rc;

	if ((rc = community_find(db, demo_community_names[k], &community, e)) != 0 ||
	    (rc = building_list(db, &p->manager.c, community, 0, HOUSING_PAGE_MAX, &buildings,
				&next, e)) != 0)
		goto out;
	json_array_foreach (buildings, i, b) {
		for (int en = 1; en <= (int)id_of(b, "entrances") && rc == 0; en++) {
			struct housing_place pl = { .location = "entrance",
						    .building_id = id_of(b, "id"),
						    .entrance = en };

			snprintf(name, sizeof(name), "%s%d单元", str_of(b, "name"), en);
			rc = point_add(db, p, who, name, pl, ids, entrance_items, 4, &daily, e);
		}
		if (rc != 0)
			goto out;
	}
	for (size_t g = 0; g < sizeof(grounds) / sizeof(grounds[0]); g++) {
		struct housing_place pl = { .location = "community",
					    .community_id = community,
					    .place = grounds[g].place };

		if ((rc = point_add(db, p, who, grounds[g].name, pl, ids, grounds[g].items,
				    grounds[g].n, &daily, e)) != 0)
			goto out;
	}
	if ((rc = first_lift(db, p, buildings, &lift, where, sizeof(where), e)) != 0)
		goto out;
	if (lift != 0) {
		struct housing_place pl = { .location = "asset", .asset_id = lift };

		if ((rc = point_add(db, p, who, where, pl, ids, lift_items, 1, &daily, e)) != 0)
			goto out;
	}
	if (k == COMMUNITY_XQ) {
		/* An occupied unit the neighbours have reported: strangers
		 * coming and going. */
		json_t *leases = NULL;

		if ((rc = leases_of(db, p, community, &leases, e)) != 0)
			goto out;
		if (json_array_size(leases) > 40) {
			struct housing_place pl = { .location = "unit",
						    .unit_id = id_of(json_array_get(leases, 40),
								     "unit_id") };

			snprintf(name, sizeof(name), "%s（%s）", WATCH_UNIT,
				 str_of(json_array_get(leases, 40), "unit_number"));
			rc = point_add(db, p, who, name, pl, ids, watch_items, 3, &daily, e);
		}
		json_decref(leases);
		if (rc != 0)
			goto out;
	}
	{
		struct unit_filter f = { .community_id = community,
					 .status = "vacant",
					 .limit = VACANT_POINTS };

		if ((rc = unit_list(db, &p->manager.c, &f, &units, &next, e)) != 0)
			goto out;
	}
	json_array_foreach (units, i, b) {
		struct housing_place pl = { .location = "unit", .unit_id = id_of(b, "id") };

		snprintf(name, sizeof(name), "空置房 %s", str_of(b, "number"));
		if ((rc = point_add(db, p, who, name, pl, ids, vacant_items, 4, &weekly, e)) != 0)
			goto out;
	}
	inspectors[0] = p->inspector.c.id;
	inspectors[1] = p->staff.c.id;
	{
		struct patrol_plan_in in = { .community_id = community,
					     .name = DAILY_PLAN,
					     .frequency = "daily",
					     .points = daily.ids,
					     .npoints = daily.n,
					     .inspectors = inspectors,
					     .ninspectors = 2,
					     .active = 1 };

		if ((rc = patrol_plan_save(db, &p->manager.c, 0, &in, who, &plan, e)) != 0)
			goto out;
	}
	if (weekly.n > 0) {
		struct date d;
		struct patrol_plan_in in = { .community_id = community,
					     .name = WEEKLY_PLAN,
					     .frequency = "weekly",
					     .points = weekly.ids,
					     .npoints = weekly.n,
					     .inspectors = inspectors,
					     .ninspectors = 1,
					     .active = 1 };

		date_parse(str_c(today), &d);
		in.weekday = date_weekday(d);
		rc = patrol_plan_save(db, &p->manager.c, 0, &in, who, &plan, e);
	}
out:
	json_decref(buildings);
	json_decref(units);
	return rc;
}

int
demo_upkeep_patrols(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int64_t ids[NITEMS];
	struct people p;
	int rc;

	date_format(date_today_shanghai(), today);
	if ((rc = people(db, &p, e)) != 0 || (rc = item_ids(db, ids, e)) != 0)
		return rc;
	for (int k = 0; k < DEMO_COMMUNITIES; k++)
		if ((rc = community_points(db, &p, who, k, ids, today, e)) != 0)
			return rc;
	return 0;
}

/*
 * Rounds.
 */

/* What today's walks find: the item at the point, with the inspector's
 * note.  Everything else is fine. */
static const struct finding {
	int community;
	const char *point; /* the point's name starts with it */
	enum item item;
	const char *note;
} findings[] = {
	{ COMMUNITY_XQ, "2号楼1单元", I_GOODS,
	  "3 楼至 5 楼楼道堆放纸箱和旧家具，已告知住户限期清理" },
	{ COMMUNITY_XQ, WATCH_UNIT, I_SUBLET,
	  "敲门后开门者自称租客，称每月向承租人交房租 900 元，未见承租人本人" },
	{ COMMUNITY_XQ, "消防通道", I_FIRE_LANE, "主消防通道有两辆私家车长期停放，车主未找到" },
	{ COMMUNITY_CA, "1号楼2单元", I_LIGHT, "3 楼至 6 楼楼道声控灯不亮" },
};

static const char *
finding_note(int k, const char *point, const char *item)
{
	for (size_t i = 0; i < sizeof(findings) / sizeof(findings[0]); i++)
		if (findings[i].community == k &&
		    strncmp(point, findings[i].point, strlen(findings[i].point)) == 0 &&
		    strcmp(item, item_names[findings[i].item]) == 0)
			return findings[i].note;
	return NULL;
}

/* Walks today's daily round of community k as the staff, with the labels
 * just printed: all points, or the first half. */
static int
walk(struct db *db, const struct people *p, const struct audit_actor *who, int k, bool all,
     const char *today, struct anju_err *e)
{
	struct patrol_round_filter f = { .due_on = today, .limit = 20 };
	struct patrol_label *labels = NULL;
	json_t *rounds = NULL, *round = NULL, *pt, *it;
	int64_t community = 0, next = 0, round_id = 0;
	char cname[128];
	size_t i, j, upto;
	int nlabels = 0, rc;

	if ((rc = community_find(db, demo_community_names[k], &community, e)) != 0)
		return rc;
	f.community_id = community;
	if ((rc = patrol_round_list(db, &p->staff.c, &f, &rounds, &next, e)) != 0)
		goto out;
	json_array_foreach (rounds, i, pt)
		if (strcmp(str_of(pt, "plan_name"), DAILY_PLAN) == 0)
			round_id = id_of(pt, "id");
	if (round_id == 0) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "patrol_round_not_found", NULL,
			       "%s 今天没有日常巡查任务", demo_community_names[k]);
		goto out;
	}
	if ((rc = patrol_labels_issue(db, &p->manager.c, community, 0, who, &labels, &nlabels,
				      cname, e)) != 0 ||
	    (rc = patrol_round_get(db, &p->staff.c, round_id, &round, e)) != 0)
		goto out;
	upto = json_array_size(json_object_get(round, "points"));
	if (!all)
		upto /= 2;
	json_array_foreach (json_object_get(round, "points"), i, pt) {
		int64_t point = id_of(pt, "point_id"), got = 0;
		struct patrol_visit_in v = { .accuracy = -1 };

		if (i >= upto)
			break;
		for (int l = 0; l < nlabels; l++)
			if (labels[l].point_id == point)
				v.token = labels[l].qr;
		if ((rc = patrol_visit(db, &p->staff.c, round_id, &v, who, &got, e)) != 0)
			goto out;
		json_array_foreach (json_object_get(pt, "items"), j, it) {
			const char *note = finding_note(k, str_of(pt, "name"), str_of(it, "name"));
			int64_t result = 0;

			if ((rc = patrol_result_save(
				     db, &p->staff.c, round_id, point, id_of(it, "item_id"),
				     note ? "not_fine" : "fine", note, who, &result, e)) != 0)
				goto out;
		}
	}
out:
	if (labels != NULL) {
		explicit_bzero(labels, (size_t)nlabels * sizeof(*labels));
		free(labels);
	}
	json_decref(rounds);
	json_decref(round);
	return rc;
}

int
demo_upkeep_rounds(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	struct date today = date_today_shanghai();
	char day[DATE_FMT_LEN];
	struct people p;
	int rc;

	if ((rc = people(db, &p, e)) != 0)
		return rc;
	/* As the daily schedule would have left them: the past days' rounds
	 * missed (the next day's run marks them), today's assigned. */
	for (int back = DEMO_PATROL_PAST_DAYS; back >= 0; back--) {
		date_format(date_add_days(today, -back), day);
		if ((rc = patrol_rounds_generate(db, day, who, NULL, NULL, e)) != 0)
			return rc;
	}
	if ((rc = walk(db, &p, who, COMMUNITY_XQ, true, day, e)) != 0)
		return rc;
	return walk(db, &p, who, COMMUNITY_CA, false, day, e);
}

/*
 * Work orders.
 */

struct order {
	int community;
	const char *location; /* unit (the n-th lease's), entrance, community, lift */
	int lease;            /* unit: which in-force lease */
	const char *place;
	const char *category, *urgency, *description, *contact;
	const char *end; /* reported, assigned, in_progress, done, confirmed, reopened */
	const char *responsibility;
	int64_t cost_fen;
	int satisfaction; /* confirmed: 1..5; by the assessor when odd */
};

static const struct order orders[] = {
	{ COMMUNITY_NY, "unit", 12, NULL, "water", "emergency", "卫生间进水管爆裂，水已漫到客厅",
	  "住户本人电话报修", "reported", NULL, 0, 0 },
	{ COMMUNITY_CA, "entrance", 0, NULL, "electricity", "normal", "2 单元 6 楼、7 楼楼道灯不亮",
	  NULL, "reported", NULL, 0, 0 },
	{ COMMUNITY_XQ, "unit", 7, NULL, "door_lock", "urgent", "入户门锁芯卡死，钥匙转不动",
	  "柜台报修", "assigned", NULL, 0, 0 },
	{ COMMUNITY_NY, "community", 0, "3号楼与4号楼之间的道路", "water", "emergency",
	  "雨水井堵塞，路面大面积积水", NULL, "assigned", NULL, 0, 0 },
	{ COMMUNITY_NY, "unit", 30, NULL, "roof", "normal", "顶层卧室天花板渗水发霉",
	  "住户电话报修", "in_progress", NULL, 0, 0 },
	{ COMMUNITY_CA, "unit", 18, NULL, "water", "normal", "厨房水龙头滴水不止", "柜台报修",
	  "done", "operator", 3500, 0 },
	{ COMMUNITY_XQ, "unit", 25, NULL, "door_lock", "normal",
	  "住户搬家时撞坏入户门框，要求维修（住户承担）", "柜台报修", "done", "tenant", 28000, 0 },
	{ COMMUNITY_NY, "unit", 44, NULL, "electricity", "urgent", "客厅插座跳闸，无法复位",
	  "住户电话报修", "confirmed", "operator", 6800, 5 },
	{ COMMUNITY_CA, "lift", 0, NULL, "lift", "urgent", "电梯运行中异响，轿厢抖动", NULL,
	  "confirmed", "warranty", 0, 3 },
	{ COMMUNITY_XQ, "unit", 60, NULL, "water", "normal", "洗手盆下水管漏水", "柜台报修",
	  "reopened", "operator", 4200, 0 },
};

/* The place of order o, and the household of a unit's tenant. */
static int
order_place(struct db *db, const struct people *p, const struct order *o, int64_t community,
	    struct housing_place *pl, int64_t *household, struct anju_err *e)
{
	int rc = 0;

	*household = 0;
	*pl = (struct housing_place){ .location = o->location, .place = o->place };
	if (strcmp(o->location, "unit") == 0) {
		json_t *leases = NULL, *l;

		if ((rc = leases_of(db, p, community, &leases, e)) != 0)
			return rc;
		if ((l = json_array_get(leases, (size_t)o->lease)) == NULL) {
			json_decref(leases);
			return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL,
					 "%s 没有足够的在租房屋",
					 demo_community_names[o->community]);
		}
		pl->unit_id = id_of(l, "unit_id");
		*household = id_of(l, "household_id");
		json_decref(leases);
	} else if (strcmp(o->location, "lift") == 0) {
		json_t *buildings = NULL;
		int64_t next = 0;
		char where[96];

		if ((rc = building_list(db, &p->manager.c, community, 0, HOUSING_PAGE_MAX,
					&buildings, &next, e)) == 0)
			rc = first_lift(db, p, buildings, &pl->asset_id, where, sizeof(where), e);
		json_decref(buildings);
		pl->location = "asset";
	} else if (strcmp(o->location, "entrance") == 0) {
		json_t *buildings = NULL;
		int64_t next = 0;

		if ((rc = building_list(db, &p->manager.c, community, 0, 1, &buildings, &next,
					e)) == 0) {
			pl->building_id = id_of(json_array_get(buildings, 0), "id");
			pl->entrance = 2;
		}
		json_decref(buildings);
	} else {
		pl->community_id = community;
	}
	return rc;
}

static int
order_walk(struct db *db, const struct people *p, const struct audit_actor *who,
	   const struct order *o, struct anju_err *e)
{
	struct work_order_in in = { .category = o->category,
				    .urgency = o->urgency,
				    .description = o->description,
				    .source = "staff",
				    .contact = o->contact };
	const struct demo_who *caller = o->satisfaction % 2 ? &p->assessor : &p->bureau;
	int64_t community = 0, id = 0;
	bool created = false;
	int rc;

	if ((rc = community_find(db, demo_community_names[o->community], &community, e)) != 0 ||
	    (rc = order_place(db, p, o, community, &in.place, &in.household_id, e)) != 0 ||
	    (rc = work_order_raise(db, &in, who, &id, &created, e)) != 0)
		return rc;
	if (strcmp(o->end, "reported") == 0)
		return 0;
	if ((rc = work_order_assign(db, &p->manager.c, id, p->staff.c.id, "请今天上门", who, e)) !=
	    0)
		return rc;
	if (strcmp(o->end, "assigned") == 0)
		return 0;
	if ((rc = work_order_start(db, &p->staff.c, id, "已上门查看", who, e)) != 0)
		return rc;
	if (strcmp(o->end, "in_progress") == 0)
		return 0;
	{
		const struct work_order_material_in m = { "配件", 1, "套", o->cost_fen / 2 };
		struct work_order_done_in d = { .responsibility = o->responsibility,
						.cost_fen = o->cost_fen,
						.materials = &m,
						.nmaterials = o->cost_fen > 0 ? 1 : 0,
						.note = "已修复，住户现场确认可以正常使用" };

		if ((rc = work_order_done(db, &p->staff.c, id, &d, who, e)) != 0)
			return rc;
	}
	if (strcmp(o->end, "confirmed") == 0)
		return work_order_confirm(db, &caller->c, id, o->satisfaction,
					  o->satisfaction >= 4 ? "回访：住户表示满意"
							       : "回访：已修好，但等了两天",
					  who, e);
	if (strcmp(o->end, "reopened") == 0)
		return work_order_reopen(db, &p->bureau.c, id,
					 "回访：住户反映修好后第二天又开始漏水", who, e);
	return 0;
}

int
demo_upkeep_work_orders(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	struct date d = date_today_shanghai();
	struct people p;
	int64_t community = 0, plan = 0;
	int raised = 0, rc;

	date_format(d, today);
	if ((rc = people(db, &p, e)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		if ((rc = order_walk(db, &p, who, &orders[i], e)) != 0)
			return rc;
	/* The lifts' monthly maintenance, due today. */
	if ((rc = community_find(db, demo_community_names[COMMUNITY_XQ], &community, e)) != 0)
		return rc;
	{
		struct preventive_plan_in in = {
			.community_id = community,
			.asset_type = "电梯",
			.name = "电梯月度维保",
			.category = "lift",
			.urgency = "normal",
			.description = "按《电梯维护保养规则》做半月、月度保养项目，记录在维保单上",
			.freq = "monthly",
			.day = d.d,
			.active = 1,
		};

		if ((rc = preventive_plan_create(db, &p.manager.c, &in, who, &plan, e)) != 0)
			return rc;
	}
	return preventive_run(db, today, who, &raised, e);
}

/*
 * Violation cases and renovation requests.
 */

/* A photo for the evidence: a stairwell door with a notice on it, drawn
 * here (a PNG of a few hundred bytes). */
static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int n)
{
	return buf_add(closure, data, n) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int
photo_png(struct buf *out, struct anju_err *e)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 160, 120);
	cairo_t *cr = cairo_create(s);
	cairo_status_t st;

	cairo_set_source_rgb(cr, 0.82, 0.80, 0.76); /* the wall */
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0.45, 0.30, 0.20); /* the door */
	cairo_rectangle(cr, 50, 15, 60, 105);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.96, 0.96, 0.90); /* the notice */
	cairo_rectangle(cr, 62, 35, 36, 26);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.85, 0.75, 0.20); /* the lock */
	cairo_arc(cr, 102, 70, 3, 0, 6.2832);
	cairo_fill(cr);
	cairo_destroy(cr);
	st = cairo_surface_write_to_png_stream(s, png_write, out);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return anju_fail(e, ANJU_EINTERNAL, "png_failed", NULL, "无法生成照片");
	return 0;
}

/* A staff report on the n-th in-force lease's unit of community k, moved
 * to investigating with a photo and a statement when evidence. */
static int
case_open(struct db *db, const struct people *p, const struct audit_actor *who, int k, int lease,
	  const char *type, int days_ago, const char *summary, bool evidence, int64_t *id,
	  struct anju_err *e)
{
	struct violation_report_in in = { .type = type, .source = "staff", .summary = summary };
	const struct violation_action_in investigate = { .action = "investigate" };
	char started[DATE_FMT_LEN];
	json_t *leases = NULL, *l;
	int64_t community = 0;
	struct date from;
	bool created = false;
	int rc;

	if ((rc = community_find(db, demo_community_names[k], &community, e)) != 0 ||
	    (rc = leases_of(db, p, community, &leases, e)) != 0)
		return rc;
	if ((l = json_array_get(leases, (size_t)lease)) == NULL) {
		json_decref(leases);
		return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL,
				 "%s 没有足够的在租房屋", demo_community_names[k]);
	}
	in.place = (struct housing_place){ .location = "unit", .unit_id = id_of(l, "unit_id") };
	in.household_id = id_of(l, "household_id");
	/* The breach began days_ago, but never before the lease. */
	from = date_add_days(date_today_shanghai(), -days_ago);
	date_format(from, started);
	if (strcmp(started, str_of(l, "starts_on")) < 0)
		snprintf(started, sizeof(started), "%s", str_of(l, "starts_on"));
	in.started_on = started;
	rc = violation_report(db, &in, who, id, &created, e);
	json_decref(leases);
	if (rc != 0 || (rc = violation_act(db, &p->staff.c, who, *id, &investigate, e)) != 0 ||
	    !evidence)
		return rc;
	{
		struct buf png;
		struct violation_evidence_in photo = { .kind = "photo",
						       .filename = "现场照片.png",
						       .note = "入户门上张贴的招租告示" };
		struct violation_evidence_in said = {
			.kind = "statement",
			.statement =
				"邻居 2 月起多次看到陌生人进出，门上贴有“单间出租 联系电话”告示；"
				"承租人电话称已回老家，房屋交给亲戚照看。",
			.note = "工作人员走访记录",
		};
		int64_t ev = 0;

		buf_init(&png, 1 << 20);
		if ((rc = photo_png(&png, e)) == 0) {
			photo.data = png.p;
			photo.size = png.n;
			rc = violation_evidence_add(db, &p->staff.c, who, *id, &photo, &ev, e);
		}
		buf_free(&png);
		if (rc == 0)
			rc = violation_evidence_add(db, &p->staff.c, who, *id, &said, &ev, e);
	}
	return rc;
}

static int
renovation(struct db *db, const struct people *p, const struct audit_actor *who, int k, int lease,
	   const char *description, bool approve, struct anju_err *e)
{
	struct renovation_in in = { .description = description };
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN];
	struct date today = date_today_shanghai();
	json_t *leases = NULL, *l;
	int64_t community = 0, id = 0;
	int rc;

	date_format(date_add_days(today, 7), from);
	date_format(date_add_days(today, 21), to);
	in.planned_from = from;
	in.planned_to = to;
	if ((rc = community_find(db, demo_community_names[k], &community, e)) != 0 ||
	    (rc = leases_of(db, p, community, &leases, e)) != 0)
		return rc;
	if ((l = json_array_get(leases, (size_t)lease)) != NULL) {
		in.unit_id = id_of(l, "unit_id");
		in.household_id = id_of(l, "household_id");
	}
	json_decref(leases);
	if ((rc = renovation_create(db, &p->staff.c, &in, who, &id, e)) != 0 ||
	    (rc = renovation_act(db, &p->manager.c, who, id, "check",
				 "已核对图纸，不涉及承重墙和外立面", NULL, e)) != 0 ||
	    !approve)
		return rc;
	return renovation_act(db, &p->bureau.c, who, id, "approve",
			      "同意，施工期间注意噪声时段，完工后报运营方验收", NULL, e);
}

int
demo_upkeep_violations(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	const struct violation_action_in propose = { .action = "propose",
						     .proposal = "confirm",
						     .reason = "证据显示承租人已将房屋转租他人" };
	const struct violation_action_in confirm = {
		.action = "confirm",
		.reason = "经调查，承租人将房屋转租他人并收取租金，违反第二十七条",
	};
	const struct violation_action_in dismiss = {
		.action = "dismiss",
		.reason = "经核实，居住者为承租人登记在册的家庭成员，不构成转借",
	};
	struct people p;
	int64_t id = 0;
	int rc;

	if ((rc = people(db, &p, e)) != 0)
		return rc;
	/* Investigating, with its evidence. */
	if ((rc = case_open(db, &p, who, COMMUNITY_NY, 80, "sublet", 90,
			    "门上张贴招租告示，疑似转租", true, &id, e)) != 0)
		return rc;
	/* Confirmed by the bureau on the operator's proposal: the back charge,
	 * the penalty and the bans. */
	if ((rc = case_open(db, &p, who, COMMUNITY_CA, 50, "sublet", 60,
			    "承租人长期不在，房屋由他人居住并向其交租", true, &id, e)) != 0 ||
	    (rc = violation_act(db, &p.manager.c, who, id, &propose, e)) != 0 ||
	    (rc = violation_act(db, &p.bureau.c, who, id, &confirm, e)) != 0)
		return rc;
	/* Dismissed. */
	if ((rc = case_open(db, &p, who, COMMUNITY_NY, 120, "sublet", 10,
			    "邻居反映房屋内住的不是承租人", false, &id, e)) != 0 ||
	    (rc = violation_act(db, &p.bureau.c, who, id, &dismiss, e)) != 0)
		return rc;
	/* Renovation requests: one approved, one checked and waiting. */
	if ((rc = renovation(db, &p, who, COMMUNITY_NY, 20,
			     "更换卫生间防水层和地砖，更换厨房橱柜（自费）", true, e)) != 0)
		return rc;
	return renovation(db, &p, who, COMMUNITY_XQ, 33, "阳台加装防盗窗（自费）", false, e);
}
