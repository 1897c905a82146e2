/*
 * The demo's housing stock: the owner and the operator with their purchase
 * agreement, the three pilot communities, and their 29 buildings with
 * exactly DEMO_UNITS units, each with its assets and an acceptance check
 * opened, signed and confirmed (so the unit ends vacant).
 *
 * The buildings are described by shape (floors, entrances, doors on each
 * floor of an entrance, and what each door is); the shapes are chosen so the
 * units add up to the pilot's 2936: 南苑 1100, 肖桥 916, 长安花苑 920.  Unit
 * numbers are building-entrance-floor and door, "3-2-1502".  What varies
 * from building to building or unit to unit (a few tenths of a m², brands,
 * the odd worn item) comes from a hash of the position, so a load is the
 * same every time.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "core/idnum.h"
#include "demo/demo.h"
#include "housing/housing.h"

/* One door of a floor: what every unit behind it is. */
struct door {
	const char *layout;
	int64_t floor_area; /* hundredths of m² */
	const char *orientation;
};

static const struct door plan_a[] = {
	{ "两室一厅", 5862, "南北" },
	{ "一室一厅", 3945, "南" },
	{ "一室一厅", 3945, "北" },
	{ "两室一厅", 5862, "南北" },
};
static const struct door plan_b[] = {
	{ "两室一厅", 5236, "南北" },
	{ "一室一厅", 4128, "南" },
	{ "单间配套", 3150, "北" },
	{ "一室一厅", 4512, "南北" },
};
static const struct door plan_c[] = {
	{ "两室一厅", 5980, "南北" },
	{ "两室一厅", 5640, "南北" },
};

/* count buildings of one shape in a community; doors is the length of plan. */
struct group {
	int community;
	int count;
	int floors, entrances, doors;
	const struct door *plan;
};

static const struct group groups[] = {
	/* 南苑: 704 + 288 + 108 = 1100 */
	{ 0, 8, 11, 2, 4, plan_a },
	{ 0, 2, 18, 2, 4, plan_a },
	{ 0, 3, 6, 3, 2, plan_c },
	/* 肖桥: 680 + 68 + 168 = 916 */
	{ 1, 5, 17, 2, 4, plan_b },
	{ 1, 1, 17, 1, 4, plan_b },
	{ 1, 2, 7, 3, 4, plan_a },
	/* 长安花苑: 384 + 408 + 128 = 920 */
	{ 2, 3, 16, 2, 4, plan_a },
	{ 2, 3, 17, 2, 4, plan_b },
	{ 2, 2, 8, 2, 4, plan_b },
};
#define NGROUPS ((int)(sizeof(groups) / sizeof(groups[0])))

const char *const demo_community_names[DEMO_COMMUNITIES] = {
	"南苑公租房",
	"肖桥公租房",
	"长安花苑公租房",
};

static const struct {
	const char *address, *district;
	int cameras;
} community_info[DEMO_COMMUNITIES] = {
	{ "湖北省咸宁市咸安区温泉街道银泉大道南段106号", "咸安区", 36 },
	{ "湖北省咸宁市咸安区永安街道肖桥路28号", "咸安区", 28 },
	{ "湖北省咸宁市咸安区温泉街道长安大道199号", "咸安区", 30 },
};

/* Brands and models, one of each chosen per building. */
struct make {
	const char *brand, *model;
};
static const struct make heaters[] = {
	{ "美的", "F60-21WB1" },
	{ "海尔", "EC6001-GC" },
	{ "万和", "E60-Q1W1-22" },
};
static const struct make stoves[] = {
	{ "华帝", "JZT-i10050B" },
	{ "老板", "JZT-32B0" },
	{ "方太", "JZT-HA2B" },
};
static const struct make locks[] = {
	{ "王力", "S808" },
	{ "凯迪仕", "K20" },
	{ "德施曼", "Q5M" },
};
static const struct make lifts[] = {
	{ "通力", "MonoSpace 500" },
	{ "日立", "HGP-1000" },
	{ "三菱电机", "LEHY-III" },
};

/* A well-mixed hash of a position (SplitMix64's finaliser). */
static uint64_t
mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15u;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
	return x ^ (x >> 31);
}

/* Building k's group and its number in its community (1-based). */
static const struct group *
building_group(int k, int *number)
{
	int seen[DEMO_COMMUNITIES] = { 0 };

	for (int g = 0; g < NGROUPS; g++) {
		for (int j = 0; j < groups[g].count; j++) {
			seen[groups[g].community]++;
			if (k-- == 0) {
				*number = seen[groups[g].community];
				return &groups[g];
			}
		}
	}
	return NULL;
}

int
demo_building_count(void)
{
	int n = 0;

	for (int g = 0; g < NGROUPS; g++)
		n += groups[g].count;
	return n;
}

int
demo_building_units(int k)
{
	int number;
	const struct group *g = building_group(k, &number);

	return g ? g->floors * g->entrances * g->doors : 0;
}

/* A credit code from its first 17 symbols and the GB 32100 check symbol. */
static void
credit_code(const char *first17, char out[19])
{
	memcpy(out, first17, 17);
	out[17] = credit_code_check_char(first17);
	out[18] = '\0';
}

static const struct agreement_item_in services[] = {
	{ "入住和退出管理",
	  "签订、续签、变更租赁合同；采集新入住住户基本信息；建立房源“一房一档”和保障对象"
	  "“一户一档”档案并同步建立电子档案；办理入住和退出手续，收取、退还履约保证金；"
	  "按季度做好动态复核，及时清退不符合条件住户",
	  -1 },
	{ "租金收缴",
	  "租金代收代缴、催缴；建立租金管理台账；票据领取、使用、核销管理；按时与银行和产权"
	  "单位对账，按月报送相关报表",
	  -1 },
	{ "房屋使用管理",
	  "对移交房源进行分户核验，登记房屋设施设备情况；制定日、月、季巡查计划并开展日常"
	  "使用巡查；掌握房屋异动和住户变动情况；及时发现转租、转借、租金欠缴等违法违规行为，"
	  "采集证据上报；报送空置房、腾退房源情况",
	  -1 },
	{ "维修养护",
	  "负责共用部位和公共设施设备的维修养护管理，确定责任主体，建立维修台账；报修受理后"
	  "24小时内响应",
	  -1 },
	{ "综合管理",
	  "住房保障信息系统建设和维护、信息采集和录入；智能化管理系统及监测平台建设和维护；"
	  "配合社会调查、绩效评价及群众满意度测评；做好政策宣传、信访接待、小区安全生产和社会"
	  "综合治理，配合联合执法，代表产权人开展物业服务监督",
	  -1 },
};

static const struct agreement_item_in breaches[] = {
	{ "未按季度开展动态复核", "当季未完成在租住户动态复核的，每次扣减服务费", 500000 },
	{ "违规行为未及时上报", "发现转租、转借、擅自调换等违规行为未在5个工作日内上报的，每起扣减",
	  200000 },
	{ "对账或报表逾期", "未按时与银行和产权单位对账或报送报表的，每次扣减", 100000 },
	{ "维修响应超时", "报修超过24小时未响应的，按考核细则扣分", -1 },
	{ "满意度不达标", "第三方满意度测评低于80%的，按考核细则核减当季服务费", -1 },
};

/* Whether the demo is there already, wholly or in part: refused before
 * anything is written. */
static int
check_absent(struct db *db, struct anju_err *e)
{
	int64_t id;
	int rc;

	for (int i = 0; i < DEMO_COMMUNITIES; i++) {
		rc = community_find(db, demo_community_names[i], &id, e);
		if (rc == 0)
			return anju_fail(e, ANJU_ECONFLICT, "demo_exists", NULL,
					 "演示数据已经载入（已有小区“%s”），不再重复载入",
					 demo_community_names[i]);
		if (rc != ANJU_ENOTFOUND)
			return rc;
	}
	for (const struct demo_account *a = demo_accounts; a->username != NULL; a++) {
		rc = account_find(db, a->username, &id, e);
		if (rc == 0)
			return anju_fail(e, ANJU_ECONFLICT, "demo_exists", "username",
					 "已有用户名 %s 的账号，无法载入演示账号", a->username);
		if (rc != ANJU_ENOTFOUND)
			return rc;
	}
	anju_err_clear(e);
	return 0;
}

static int
community_assets(struct db *db, const struct audit_actor *who, int i, int64_t community_id,
		 struct anju_err *e)
{
	const struct asset_in assets[] = {
		{ .community_id = community_id,
		  .location = "community",
		  .place = "小区出入口及主干道",
		  .type = "监控摄像头",
		  .brand = "海康威视",
		  .model = "DS-2CD3T46",
		  .quantity = community_info[i].cameras,
		  .condition = "good",
		  .warranty_end = "2027-12-31" },
		{ .community_id = community_id,
		  .location = "community",
		  .place = "小区大门",
		  .type = "车辆道闸",
		  .brand = "捷顺",
		  .model = "JSDZ0601",
		  .quantity = 2,
		  .condition = "good",
		  .warranty_end = "2027-12-31" },
		{ .community_id = community_id,
		  .location = "community",
		  .place = "地下泵房",
		  .type = "二次供水设备",
		  .brand = "格兰富",
		  .model = "Hydro MPC-E",
		  .quantity = 1,
		  .condition = "good",
		  .warranty_end = "2028-06-30" },
	};
	int64_t id;
	int rc;

	for (size_t k = 0; k < sizeof(assets) / sizeof(assets[0]); k++)
		if ((rc = asset_create(db, &assets[k], who, &id, e)) != 0)
			return rc;
	return 0;
}

int
demo_stock_setup(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	char owner_code[19], operator_code[19];
	int64_t owner_id = 0, operator_id = 0, agreement_id = 0, id;
	int rc;

	if ((rc = check_absent(db, e)) != 0)
		return rc;
	credit_code("91421200MA4XNAJ01", owner_code);
	credit_code("91421202MA4XNWY06", operator_code);
	{
		const struct party_in owner = { "咸宁市安居保障房投资有限公司", owner_code,
						"资产管理部 0715-0008801" };
		const struct party_in op = { "咸宁市安和居物业服务有限公司", operator_code,
					     "运营部 0715-0008802" };

		if ((rc = owner_create(db, &owner, who, &owner_id, e)) != 0 ||
		    (rc = operator_create(db, &op, who, &operator_id, e)) != 0)
			return rc;
	}
	{
		const struct agreement_in ag = {
			.code = "XNZJ-GMFW-2026-01",
			.operator_id = operator_id,
			.owner_id = owner_id,
			.starts_on = "2026-01-01",
			.ends_on = "2028-12-31",
			.annual_fee_fen = 382600000,
			.assessment_rules = "咸宁市公租房运营管理服务季度绩效考核细则（2026年版）",
			.services = services,
			.nservices = (int)(sizeof(services) / sizeof(services[0])),
			.breaches = breaches,
			.nbreaches = (int)(sizeof(breaches) / sizeof(breaches[0])),
		};

		if ((rc = agreement_create(db, &ag, who, &agreement_id, e)) != 0)
			return rc;
	}
	for (int i = 0; i < DEMO_COMMUNITIES; i++) {
		const struct community_in c = {
			.name = demo_community_names[i],
			.address = community_info[i].address,
			.district = community_info[i].district,
			.owner_id = owner_id,
			.operator_id = operator_id,
			.agreement_id = agreement_id,
		};

		if ((rc = community_create(db, &c, who, &id, e)) != 0 ||
		    (rc = community_assets(db, who, i, id, e)) != 0)
			return rc;
	}
	return 0;
}

/* The rooms an acceptance check walks through, by layout. */
static int
rooms_of(const char *layout, const char *rooms[4])
{
	if (strcmp(layout, "两室一厅") == 0) {
		rooms[0] = "客厅", rooms[1] = "主卧", rooms[2] = "次卧";
		return 3;
	}
	if (strcmp(layout, "一室一厅") == 0) {
		rooms[0] = "客厅", rooms[1] = "卧室";
		return 2;
	}
	rooms[0] = "居室";
	return 1;
}

/* One of a unit's assets, good or worn ("fair"). */
static int
unit_asset(struct db *db, const struct audit_actor *who, int64_t unit_id, const char *place,
	   const char *type, const struct make *m, bool worn, const char *warranty_end, int64_t *id,
	   struct anju_err *e)
{
	const struct asset_in a = {
		.location = "unit",
		.unit_id = unit_id,
		.place = place,
		.type = type,
		.brand = m->brand,
		.model = m->model,
		.quantity = 1,
		.condition = worn ? "fair" : "good",
		.warranty_end = warranty_end,
	};

	return asset_create(db, &a, who, id, e);
}

/* One unit: the unit, its three assets, its acceptance check opened with
 * the rooms and the assets, signed and confirmed. */
static int
load_unit(struct db *db, const struct audit_actor *who, int64_t building_id, int number,
	  int entrance, int floor, int d, const struct door *door, uint64_t bh, struct anju_err *e)
{
	uint64_t h = mix(bh ^ ((uint64_t)entrance << 40) ^ ((uint64_t)floor << 20) ^ (uint64_t)d);
	int64_t area = door->floor_area + (int64_t)(bh % 41) - 20;
	int64_t ratio = 7500 + (int64_t)(mix(bh + (uint64_t)d) % 500); /* basis points */
	bool stove_worn = h % 37 == 0, lock_worn = h % 53 == 1;
	char number_text[48];
	const char *rooms[4];
	struct acceptance_item_in items[12];
	int64_t unit_id, heater_id, stove_id, lock_id, check_id;
	int nrooms, n = 0, rc;

	snprintf(number_text, sizeof(number_text), "%d-%d-%d%02d", number, entrance, floor, d + 1);
	{
		const struct unit_in u = {
			.building_id = building_id,
			.entrance = entrance,
			.floor = floor,
			.number = number_text,
			.layout = door->layout,
			.floor_area = area,
			.usable_area = area * ratio / 10000,
			.orientation = door->orientation,
		};

		if ((rc = unit_create(db, &u, who, &unit_id, e)) != 0)
			return rc;
	}
	if ((rc = unit_asset(db, who, unit_id, "卫生间", "热水器", &heaters[bh % 3], false,
			     "2028-06-30", &heater_id, e)) != 0 ||
	    (rc = unit_asset(db, who, unit_id, "厨房", "燃气灶", &stoves[(bh >> 8) % 3], stove_worn,
			     "2027-12-31", &stove_id, e)) != 0 ||
	    (rc = unit_asset(db, who, unit_id, "入户门", "智能门锁", &locks[(bh >> 16) % 3],
			     lock_worn, "2028-12-31", &lock_id, e)) != 0)
		return rc;
	nrooms = rooms_of(door->layout, rooms);
	for (int r = 0; r < nrooms; r++) {
		items[n++] = (struct acceptance_item_in){ rooms[r], "墙面地面", 0, "good", NULL };
		items[n++] = (struct acceptance_item_in){ rooms[r], "门窗", 0, "good", NULL };
	}
	items[n++] = (struct acceptance_item_in){ "厨房", "水电燃气管线", 0, "good", NULL };
	items[n++] = (struct acceptance_item_in){ "卫生间", "防水及排水", 0, "good", NULL };
	items[n++] = (struct acceptance_item_in){ "卫生间", "热水器", heater_id, "good", NULL };
	items[n++] =
		(struct acceptance_item_in){ "厨房", "燃气灶", stove_id,
					     stove_worn ? "fair" : "good",
					     stove_worn ? "点火偶有不畅，已登记待维修" : NULL };
	items[n++] = (struct acceptance_item_in){ "入户门", "智能门锁", lock_id,
						  lock_worn ? "fair" : "good",
						  lock_worn ? "锁舌回弹偏慢，已润滑" : NULL };
	if ((rc = acceptance_open(db, unit_id, items, n, "交付核验：房屋结构完好，设施设备齐全",
				  who, &check_id, e)) != 0 ||
	    (rc = acceptance_sign(db, check_id, who, e)) != 0 ||
	    (rc = acceptance_confirm(db, check_id, who, e)) != 0)
		return rc;
	return 0;
}

/* The common parts of one entrance: a lift where the building has lifts,
 * and a fire hydrant on every floor. */
static int
entrance_assets(struct db *db, const struct audit_actor *who, int64_t building_id,
		const struct group *g, int entrance, uint64_t bh, struct anju_err *e)
{
	char place[32], stairs[48];
	const struct make *lm = &lifts[(bh >> 24) % 3];
	int64_t id;
	int rc;

	snprintf(place, sizeof(place), "%d单元", entrance);
	snprintf(stairs, sizeof(stairs), "%d单元楼梯间（每层）", entrance);
	if (g->floors > 7) {
		const struct asset_in lift = { .location = "entrance",
					       .building_id = building_id,
					       .entrance = entrance,
					       .place = place,
					       .type = "电梯",
					       .brand = lm->brand,
					       .model = lm->model,
					       .quantity = 1,
					       .condition = "good",
					       .warranty_end = "2027-06-30" };

		if ((rc = asset_create(db, &lift, who, &id, e)) != 0)
			return rc;
	}
	{
		const struct asset_in hydrant = { .location = "entrance",
						  .building_id = building_id,
						  .entrance = entrance,
						  .place = stairs,
						  .type = "消防栓",
						  .brand = "",
						  .model = "SN65",
						  .quantity = g->floors,
						  .condition = "good" };

		return asset_create(db, &hydrant, who, &id, e);
	}
}

int
demo_stock_building(struct db *db, const struct audit_actor *who, int k, char *note,
		    size_t note_cap, struct anju_err *e)
{
	int number = 0;
	const struct group *g = building_group(k, &number);
	uint64_t bh = mix((uint64_t)k + 0x5EED);
	char name[16];
	int64_t community_id, building_id;
	int rc;

	if (g == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
				 "the demo has no building %d", k);
	if ((rc = community_find(db, demo_community_names[g->community], &community_id, e)) != 0)
		return rc;
	snprintf(name, sizeof(name), "%d号楼", number);
	snprintf(note, note_cap, "%s %s", demo_community_names[g->community], name);
	{
		const struct building_in b = { community_id, name, g->floors, g->entrances,
					       g->floors > 7 };

		if ((rc = building_create(db, &b, who, &building_id, e)) != 0)
			return rc;
	}
	for (int en = 1; en <= g->entrances; en++) {
		if ((rc = entrance_assets(db, who, building_id, g, en, bh, e)) != 0)
			return rc;
		for (int f = 1; f <= g->floors; f++)
			for (int d = 0; d < g->doors; d++)
				if ((rc = load_unit(db, who, building_id, number, en, f, d,
						    &g->plan[d], bh, e)) != 0)
					return rc;
	}
	return 0;
}
