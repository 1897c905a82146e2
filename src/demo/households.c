/*
 * The demo's households: DEMO_HOUSEHOLDS fictitious families with one to
 * five members, drawn from a PRNG seeded per household (so household i is
 * the same however the load was chunked, resumed or re-run), spread over
 * the three communities in proportion to their units.
 *
 * People are consistent with themselves: a spouse of about the head's age,
 * children at least 21 years younger than their youngest parent and named
 * after their father, a head's parent 22 to 32 years older.  Their ID
 * numbers follow GB 11643 (birth date, sex digit, check character) with the
 * region code 99xxxx, which no province uses, and a sequence that makes
 * every number unique: person p (= i * DEMO_MEMBERS_MAX + member) has the
 * region 99 and p / 50, and the sequence p % 50 and the sex digit.  Phones
 * are 100 and eight digits, a prefix no carrier uses, unique by p.
 */
#include <stdio.h>
#include <string.h>

#include "core/idnum.h"
#include "demo/demo.h"
#include "household/household.h"

/* The year ages are counted to: birth years are 2025 - age. */
#define DEMO_YEAR 2025
#define DEMO_SEED UINT64_C(0x414E4A5544454D4F) /* "ANJUDEMO" */

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
	"郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
	"彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
	"魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹",
	"薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵",
	"万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
};
static const char *const male_chars[] = {
	"伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉",
	"鹏", "华", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆",
	"旭", "宁", "龙", "林", "洋", "峰", "建", "国", "志", "文", "亮", "成",
	"东", "海", "晨", "博", "轩", "睿", "泽", "子", "豪", "然", "瑞", "航",
};
static const char *const female_chars[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英",
	"华", "玉", "兰", "萍", "红", "燕", "梅", "琳", "雪", "婷", "慧", "颖",
	"莉", "倩", "洁", "琴", "云", "莹", "欣", "怡", "佳", "梦", "雨", "涵",
	"诗", "思", "悦", "彤", "萱", "晶", "蕾", "露", "菲", "琪",
};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const xianan_towns[] = {
	"温泉街道", "永安街道", "浮山街道", "官埠桥镇", "向阳湖镇", "横沟桥镇", "贺胜桥镇",
	"双溪桥镇", "汀泗桥镇", "马桥镇",   "桂花镇",   "高桥镇",   "大幕乡",
};
static const char *const hukou_new_employee[] = {
	"湖北省咸宁市咸安区", "湖北省咸宁市通城县", "湖北省咸宁市崇阳县", "湖北省咸宁市嘉鱼县",
	"湖北省咸宁市通山县", "湖北省赤壁市",       "湖北省武汉市洪山区", "湖北省黄冈市浠水县",
	"湖北省孝感市应城市", "湖北省荆州市监利市", "湖南省岳阳市临湘市", "江西省九江市修水县",
	"河南省信阳市光山县",
};
static const char *const hukou_migrant[] = {
	"湖北省咸宁市通城县", "湖北省咸宁市崇阳县", "湖北省咸宁市通山县", "湖北省咸宁市嘉鱼县",
	"湖北省赤壁市",       "湖北省黄石市阳新县", "湖北省荆州市监利市", "湖南省岳阳市平江县",
	"江西省九江市修水县", "安徽省安庆市宿松县", "河南省信阳市固始县",
};
static const char *const employer_prefixes[] = {
	"咸宁淦河", "咸宁温泉", "咸宁香城", "咸宁桂乡", "鄂南潜山",
	"咸宁九宫", "咸安金桂", "咸宁向阳", "咸宁横沟", "咸宁凤凰",
};
static const char *const industries[] = {
	"电子科技", "纺织服装", "现代物流", "食品",       "建筑工程", "商贸",     "机械制造",
	"医药",     "家政服务", "物业服务", "汽车零部件", "新材料",   "餐饮管理", "包装印务",
};
static const char *const housing_low_income[] = {
	"租住私房，人均住房建筑面积不足15平方米",
	"与父母合住，人均住房建筑面积不足13平方米",
	"无自有住房，借住亲属家",
	"自有老旧私房经鉴定为C级危房",
};
static const char *const housing_new_employee[] = {
	"租住单位附近私房",
	"单位集体宿舍",
	"无自有住房，与人合租公寓",
};
static const char *const housing_migrant[] = {
	"工地临时宿舍",
	"租住城中村私房",
	"厂区集体宿舍",
};
static const char *const assets_notes[] = {
	"有少量存款，无房产、无车辆",
	"有一辆电动自行车，无房产",
	"有一辆价值3万元以下的二手轿车，无房产",
	"有存款，无房产",
};

/* SplitMix64: small, fast and good enough for invented people. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* A number in [lo, hi]. */
static int
between(uint64_t *s, int lo, int hi)
{
	return lo + (int)(next(s) % (uint64_t)(hi - lo + 1));
}

static const char *
pick(uint64_t *s, const char *const *list, int n)
{
	return list[between(s, 0, n - 1)];
}

/* Common surnames more often than rare ones. */
static const char *
surname(uint64_t *s)
{
	int a = between(s, 0, NELEM(surnames) - 1), b = between(s, 0, NELEM(surnames) - 1);

	return surnames[a < b ? a : b];
}

/* Member k of household i: name, ID number, phone. */
static void
make_person(struct demo_person *m, uint64_t *s, int i, int k, const char *family, bool male,
	    int age, const char *relationship)
{
	const char *const *chars = male ? male_chars : female_chars;
	int n = male ? NELEM(male_chars) : NELEM(female_chars);
	int p = i * DEMO_MEMBERS_MAX + k;
	int month = between(s, 1, 12), day = between(s, 1, 28);
	int sex_digit = male ? 1 + 2 * between(s, 0, 4) : 2 * between(s, 0, 4);
	char digits[40];

	if (between(s, 0, 3) == 0)
		snprintf(m->name, sizeof(m->name), "%s%s", family, pick(s, chars, n));
	else
		snprintf(m->name, sizeof(m->name), "%s%s%s", family, pick(s, chars, n),
			 pick(s, chars, n));
	snprintf(digits, sizeof(digits), "99%04d%04d%02d%02d%02d%d", p / 50, DEMO_YEAR - age, month,
		 day, p % 50, sex_digit);
	memcpy(m->id_number, digits, 17);
	m->id_number[17] = idnum_check_char(digits);
	m->id_number[18] = '\0';
	if (age >= 16)
		snprintf(m->phone, sizeof(m->phone), "100%08llu",
			 (unsigned long long)(((uint64_t)p * 48271 + 13579) % 100000000));
	else
		m->phone[0] = '\0';
	m->relationship = relationship;
}

/* The household's size by category: {1, 2, 3, 4, 5} members in percent. */
static int
size_of(uint64_t *s, int category)
{
	static const int pct[3][5] = {
		{ 15, 25, 30, 20, 10 }, /* low_income */
		{ 45, 30, 20, 5, 0 },   /* new_employee */
		{ 25, 20, 30, 18, 7 },  /* migrant_worker */
	};
	int r = between(s, 0, 99);

	for (int n = 0; n < 5; n++) {
		if (r < pct[category][n])
			return n + 1;
		r -= pct[category][n];
	}
	return 1;
}

/* The facts eligibility weighs, from a stream of their own so that the
 * households above stay as they were: most households meet their
 * category's rules, a few do not (they own housing, lack the insurance
 * months), so that reviews have both outcomes to show. */
static void
eligibility_facts(int i, int cat, int age, struct demo_household *h)
{
	uint64_t s = DEMO_SEED ^ ((uint64_t)i * UINT64_C(0x9E3779B97F4A7C15)) ^ UINT64_C(0xE11);
	int r = between(&s, 0, 99);

	h->local_hukou = cat == 0 || strstr(h->hukou, "咸宁") != NULL;
	if (cat == 0 && r < 30)
		h->housing_area_centi = (int64_t)between(&s, 800, 1300) * h->nmembers;
	else if (cat != 0 && r < 5)
		h->housing_area_centi = (int64_t)between(&s, 4500, 9000);
	h->insurance_months = cat == 2 ? between(&s, 6, 96) : between(&s, 0, 120);
	r = between(&s, 0, 99);
	if (age >= 60 && r < 40)
		h->special_groups = "elderly";
	else if (r < 3)
		h->special_groups = "disabled";
	else if (r < 5)
		h->special_groups = "veteran";
	else
		h->special_groups = "";
}

void
demo_household_make(int i, struct demo_household *h)
{
	static const char *const categories[] = { "low_income", "new_employee", "migrant_worker" };
	static const int head_age[3][2] = { { 28, 68 }, { 22, 34 }, { 22, 55 } };
	uint64_t s = DEMO_SEED ^ ((uint64_t)i * UINT64_C(0x2545F4914F6CDD1D));
	int r, cat, size, age, spouse_age = 0, youngest, children, parents = 0, k = 1;
	bool male, spouse;
	const char *family, *children_family;

	memset(h, 0, sizeof(*h));
	r = between(&s, 0, DEMO_UNITS - 1);
	h->community = r < 1100 ? 0 : r < 2016 ? 1 : 2;
	r = between(&s, 0, 99);
	cat = r < 45 ? 0 : r < 75 ? 1 : 2;
	h->category = categories[cat];
	size = size_of(&s, cat);
	age = between(&s, head_age[cat][0], head_age[cat][1]);
	male = between(&s, 0, 99) < 62;
	spouse = size >= 3 || (size == 2 && (between(&s, 0, 9) < 7 || age < 26));
	if (size == 5 || (size == 4 && between(&s, 0, 9) < 3))
		parents = 1;
	children = size - 1 - (spouse ? 1 : 0) - parents;
	if (children > 0 && age < 26)
		age = 26 + between(&s, 0, 8);
	if (parents > 0 && age > 62)
		age = 62 - between(&s, 0, 10);

	family = surname(&s);
	make_person(&h->members[0], &s, i, 0, family, male, age, "head");
	youngest = age;
	children_family = family;
	if (spouse) {
		const char *other = surname(&s);

		spouse_age = age + between(&s, -4, 4);
		if (spouse_age < (children > 0 ? 24 : 20))
			spouse_age = children > 0 ? 24 : 20;
		if (!male)
			children_family = other;
		make_person(&h->members[k], &s, i, k, other, !male, spouse_age, "spouse");
		k++;
		youngest = spouse_age < age ? spouse_age : age;
	}
	for (int c = 0; c < children; c++, k++) {
		int oldest = youngest - 21 < 30 ? youngest - 21 : 30;

		make_person(&h->members[k], &s, i, k, children_family, between(&s, 0, 1) == 0,
			    between(&s, 1, oldest), "child");
	}
	if (parents > 0) {
		bool father = between(&s, 0, 1) == 0;

		make_person(&h->members[k], &s, i, k, father ? family : surname(&s), father,
			    age + between(&s, 22, 32), "parent");
		k++;
	}
	h->nmembers = k;

	if (cat == 0)
		snprintf(h->hukou, sizeof(h->hukou), "湖北省咸宁市咸安区%s",
			 pick(&s, xianan_towns, NELEM(xianan_towns)));
	else if (cat == 1)
		snprintf(h->hukou, sizeof(h->hukou), "%s",
			 pick(&s, hukou_new_employee, NELEM(hukou_new_employee)));
	else
		snprintf(h->hukou, sizeof(h->hukou), "%s",
			 pick(&s, hukou_migrant, NELEM(hukou_migrant)));

	r = between(&s, 0, 99);
	if (cat == 0 && age >= 60)
		snprintf(h->employer, sizeof(h->employer), "无（已退休）");
	else if (cat == 0 && r < 35)
		snprintf(h->employer, sizeof(h->employer), "灵活就业");
	else if (cat == 0 && r < 50)
		snprintf(h->employer, sizeof(h->employer), "个体经营");
	else
		snprintf(h->employer, sizeof(h->employer), "%s%s有限公司",
			 pick(&s, employer_prefixes, NELEM(employer_prefixes)),
			 pick(&s, industries, NELEM(industries)));

	{
		/* Monthly household income and assets, in tens and hundreds of yuan. */
		static const int income[3][2] = { { 150, 360 }, { 320, 650 }, { 350, 700 } };
		static const int assets[3] = { 500, 800, 600 };

		h->monthly_income_fen = (int64_t)between(&s, income[cat][0], income[cat][1]) * 1000;
		h->assets_fen = (int64_t)between(&s, 0, assets[cat]) * 10000;
	}
	h->assets_note = h->assets_fen == 0 ? "无存款、无房产、无车辆"
					    : pick(&s, assets_notes, NELEM(assets_notes));
	if (cat == 0)
		h->current_housing = pick(&s, housing_low_income, NELEM(housing_low_income));
	else if (cat == 1)
		h->current_housing = pick(&s, housing_new_employee, NELEM(housing_new_employee));
	else
		h->current_housing = pick(&s, housing_migrant, NELEM(housing_migrant));
	eligibility_facts(i, cat, age, h);
}

int
demo_household_load(struct db *db, const struct audit_actor *who, int i,
		    const int64_t community_ids[DEMO_COMMUNITIES], struct anju_err *e)
{
	struct demo_household h;
	struct member_in members[DEMO_MEMBERS_MAX];
	int64_t id;

	demo_household_make(i, &h);
	for (int k = 0; k < h.nmembers; k++)
		members[k] = (struct member_in){
			.person = { h.members[k].name, h.members[k].id_number,
				    h.members[k].phone[0] ? h.members[k].phone : NULL },
			.relationship = h.members[k].relationship,
		};
	{
		const struct household_in in = {
			.community_id = community_ids[h.community],
			.category = h.category,
			.hukou = h.hukou,
			.employer = h.employer,
			.monthly_income_fen = h.monthly_income_fen,
			.assets_fen = h.assets_fen,
			.assets_note = h.assets_note,
			.current_housing = h.current_housing,
			.housing_area_centi = h.housing_area_centi,
			.local_hukou = h.local_hukou,
			.insurance_months = h.insurance_months,
			.special_groups = h.special_groups,
			.members = members,
			.nmembers = h.nmembers,
		};

		return household_create(db, &in, who, &id, e);
	}
}
