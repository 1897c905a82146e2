/*
 * Unit tests of imports and exports on a real database (both engines):
 * units from CSV in GB18030 and in UTF-8 with a BOM, buildings made to fit,
 * a re-import that changes nothing, one bad row refusing the whole file
 * with the report's row, column and reason, an existing unit with other
 * values, households with members, a person already in another household,
 * the JSON rows of a spreadsheet, the importer's scope, a run stopped
 * between chunks and resumed, exports as xlsx kept for their maker only,
 * and the purge.  Also the pure parsing: headers, cells, groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/account.h"
#include "access/pii.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/idnum.h"
#include "household/household.h"
#include "housing/housing.h"
#include "jobs/job.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testjob.h"
#include "transfer/transfer.h"
#include "transfer/transfer_int.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, b; /* two communities */
};

static const struct audit_actor who = { "account:1", "tester", "bureau", "::1", NULL };
/* Reads every community. */
static const struct caller bureau_all = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("transfer", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct community_in ca = { "南苑公租房", "咸宁市", "咸安区", 0, 0, 0 };
	struct community_in cb = { "肖桥公租房", "咸宁市", "咸安区", 0, 0, 0 };
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	ok(c->db, db_begin(c->db));
	ok(c->db, community_create(c->db, &ca, &who, &c->a, &e));
	ok(c->db, community_create(c->db, &cb, &who, &c->b, &e));
	ok(c->db, db_commit(c->db));
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

/* The command line's importer (every community). */
static const struct caller *
cli(void)
{
	return caller_system();
}

/* An API key of role with a scope of one community (0: every one), as a
 * caller whose principal the job can resolve. */
static struct caller
key_caller(struct ctx *c, enum role role, int64_t community, char principal[32])
{
	struct anju_err e;
	struct caller k = { CALLER_API_KEY, 0, role, "k", principal, community == 0 };
	char *key = NULL;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, apikey_create(c->db, "k", role, community == 0, community ? &community : NULL,
				community ? 1 : 0, &who, &key, &id, &e));
	ok(c->db, db_commit(c->db));
	free(key);
	snprintf(principal, 32, "apikey:%lld", (long long)id);
	k.id = id;
	return k;
}

/* Starts an import as c and runs its job here: the job's final state. */
static int64_t
import_as(struct ctx *c, const struct caller *by, enum transfer_what what, enum transfer_format fmt,
	  const char *data, size_t n, json_t **job)
{
	struct anju_err e;
	int64_t id = 0, got = 0;

	ok(c->db, db_begin(c->db));
	if (transfer_import_create(c->db, what, fmt, data, n, by, &who, &id, &e) != 0)
		fail_msg("transfer_import_create: %s", e.msg);
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
	ok(c->db, job_run(c->db, id, "w1", NULL, NULL, NULL, &e));
	ok(c->db, job_get(c->db, id, job, &e));
	return id;
}

static int64_t
import(struct ctx *c, enum transfer_what what, const char *csv, json_t **job)
{
	return import_as(c, cli(), what, TRANSFER_CSV, csv, strlen(csv), job);
}

static const char *
state_of(json_t *job)
{
	return json_string_value(json_object_get(job, "state"));
}

static int64_t
result_int(json_t *job, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(job, "result"), name));
}

/* The report of an import as "row|column|reason" lines. */
static char *
report_text(struct ctx *c, const struct caller *by, int64_t id, int64_t *total)
{
	struct anju_err e;
	json_t *items = NULL, *it;
	int64_t next = 0;
	struct buf b;
	size_t i;

	ok(c->db, transfer_errors(c->db, by, id, 0, 200, &items, &next, total, &e));
	buf_init(&b, 0);
	json_array_foreach (items, i, it)
		buf_printf(&b, "%lld|%s|%s\n",
			   (long long)json_integer_value(json_object_get(it, "row")),
			   json_string_value(json_object_get(it, "column")),
			   json_string_value(json_object_get(it, "reason")));
	json_decref(items);
	if (b.p == NULL)
		buf_adds(&b, "");
	return buf_take(&b, NULL);
}

static int64_t
unit_id(struct ctx *c, int64_t community, const char *number)
{
	struct anju_err e;
	int64_t id = 0;
	int rc = unit_find(c->db, community, number, &id, &e);

	return rc == 0 ? id : 0;
}

static int64_t
count(struct db *db, const char *table)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return query_int(db, sql);
}

/* UTF-8 to GB18030, as Excel on Chinese Windows saves a CSV. */
static char *
to_gb18030(const char *utf8, size_t *n)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t inleft = strlen(utf8), outleft = inleft * 2 + 16;
	char *out = xmalloc(outleft), *ip = (char *)utf8, *op = out;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1);
	iconv_close(cd);
	*n = (size_t)(op - out);
	return out;
}

static const char units_csv[] =
	"小区,楼栋,单元,楼层,房号,户型,建筑面积（㎡）,使用面积（㎡）,朝向\r\n"
	"南苑公租房,3,1,1,3-1-101,一室一厅,45.5,38.25,南北\r\n"
	"南苑公租房,3,2,15,3-2-1502,两室一厅,60,52.1,南\r\n"
	"肖桥公租房,A栋,1,6,A-1-601,一室一厅,38.00,30,\r\n";

static void
test_units_gb18030_then_again(void **state)
{
	struct ctx *c = *state;
	json_t *job = NULL, *grid = NULL;
	struct anju_err e;
	size_t n;
	char *gb = to_gb18030(units_csv, &n);
	int64_t bid = 0;

	assert_true(n != strlen(units_csv)); /* really another encoding */
	import_as(c, cli(), TRANSFER_UNITS, TRANSFER_CSV, gb, n, &job);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), 3);
	assert_int_equal(result_int(job, "unchanged"), 0);
	assert_int_equal(result_int(job, "buildings_created"), 2);
	json_decref(job);
	assert_true(unit_id(c, c->a, "3-2-1502") > 0);
	assert_true(unit_id(c, c->b, "A-1-601") > 0);
	/* The new building is as big as its rows: 15 floors, 2 entrances. */
	ok(c->db, building_find(c->db, c->a, "3", &bid, &e));
	ok(c->db, community_get(c->db, &bureau_all, c->a, &grid, &e));
	{
		json_t *b;
		size_t i;

		json_array_foreach (json_object_get(grid, "buildings"), i, b) {
			if (json_integer_value(json_object_get(b, "id")) != bid)
				continue;
			assert_int_equal(json_integer_value(json_object_get(b, "floors")), 15);
			assert_int_equal(json_integer_value(json_object_get(b, "entrances")), 2);
		}
	}
	json_decref(grid);
	/* The input is gone once the job has ended. */
	assert_int_equal(count(c->db, "transfer_part"), 0);

	/* The same file again, now in UTF-8 with a BOM: nothing changes. */
	{
		char *bom = xmalloc(strlen(units_csv) + 4);

		memcpy(bom, "\xEF\xBB\xBF", 3);
		memcpy(bom + 3, units_csv, strlen(units_csv) + 1);
		import(c, TRANSFER_UNITS, bom, &job);
		free(bom);
	}
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), 0);
	assert_int_equal(result_int(job, "unchanged"), 3);
	assert_int_equal(result_int(job, "buildings_created"), 0);
	json_decref(job);
	assert_int_equal(count(c->db, "unit"), 3);
	free(gb);
}

static void
test_one_bad_row_refuses_all(void **state)
{
	struct ctx *c = *state;
	json_t *job = NULL;
	int64_t id, total = 0;
	char *rep;
	static const char csv[] =
		"community,building,entrance,floor,number,layout,floor_area,usable_area\n"
		"南苑公租房,1,1,1,1-1-101,一室一厅,45.50,40\n"
		"\n"
		"南苑公租房,1,1,2,1-1-201,一室一厅,45.5,50\n" /* usable above floor area */
		"南苑公租房,1,1,3,1-1-301,一室一厅,4x,40\n"
		"南苑公租房,1,1,2,1-1-201,一室一厅,45.5,40\n" /* number twice */
		"东湖,1,1,1,1-1-101,一室一厅,45.5,40\n";

	id = import(c, TRANSFER_UNITS, csv, &job);
	assert_string_equal(state_of(job), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(job, "error")), "导入被拒绝"));
	json_decref(job);
	rep = report_text(c, cli(), id, &total);
	/* Rows are the file's lines: line 3 is empty, so the bad rows are 4..7. */
	assert_non_null(strstr(rep, "4|usable_area|使用面积应大于 0 且不超过建筑面积"));
	assert_non_null(strstr(rep, "5|floor_area|应为平方米数，最多两位小数"));
	assert_non_null(strstr(rep, "6|number|房号与第4行重复"));
	assert_non_null(strstr(rep, "7|community|没有名为“东湖”的小区"));
	assert_int_equal(total, 4);
	free(rep);
	/* Nothing published, not even the good first row. */
	assert_int_equal(unit_id(c, c->a, "1-1-101"), 0);
	assert_int_equal(count(c->db, "unit"), 0);
	assert_int_equal(count(c->db, "building"), 0);
	assert_int_equal(count(c->db, "transfer_part"), 0);
	assert_int_equal(count(c->db, "job_staging"), 0);
}

static void
test_header_problems(void **state)
{
	struct ctx *c = *state;
	json_t *job = NULL;
	int64_t id, total = 0;
	char *rep;

	id = import(c, TRANSFER_UNITS,
		    "小区,楼栋,单元,楼层,房号,面积,朝向\n南苑公租房,1,1,1,1,45,南\n", &job);
	assert_string_equal(state_of(job), "failed");
	json_decref(job);
	rep = report_text(c, cli(), id, &total);
	assert_non_null(strstr(rep, "1|面积|不认识的列"));
	assert_non_null(strstr(rep, "1|建筑面积|缺少必需的列"));
	assert_non_null(strstr(rep, "1|使用面积|缺少必需的列"));
	free(rep);

	id = import(c, TRANSFER_UNITS, "小区,楼栋\n\"南苑,1\n", &job);
	assert_string_equal(state_of(job), "failed");
	json_decref(job);
	rep = report_text(c, cli(), id, &total);
	assert_non_null(strstr(rep, "引号没有闭合"));
	assert_int_equal(total, 1);
	free(rep);
}

static void
test_existing_unit_is_not_overwritten(void **state)
{
	struct ctx *c = *state;
	json_t *job = NULL;
	int64_t id, total = 0;
	char *rep;

	import(c, TRANSFER_UNITS, units_csv, &job);
	assert_string_equal(state_of(job), "succeeded");
	json_decref(job);
	id = import(c, TRANSFER_UNITS,
		    "小区,楼栋,单元,楼层,房号,户型,建筑面积,使用面积,朝向\n"
		    "南苑公租房,3,1,1,3-1-101,一室一厅,46.5,38.25,南北\n"
		    "南苑公租房,3,1,1,3-1-102,一室一厅,45,38,南北\n"
		    "南苑公租房,3,3,16,3-3-1601,一室一厅,45,38,南北\n",
		    &job);
	assert_string_equal(state_of(job), "failed");
	json_decref(job);
	rep = report_text(c, cli(), id, &total);
	assert_non_null(
		strstr(rep, "2|建筑面积|房号已存在，与已有房源不同（已有：45.50），不会覆盖"));
	assert_non_null(strstr(rep, "4|单元|楼栋“3”只有 2 个单元"));
	assert_non_null(strstr(rep, "4|楼层|楼栋“3”只有 15 层"));
	assert_int_equal(total, 3);
	free(rep);
	assert_int_equal(unit_id(c, c->a, "3-1-102"), 0);
}

/* A valid ID number from 17 digits (region 99: nobody's). */
static const char *
idn(char out[19], const char *digits17)
{
	memcpy(out, digits17, 17);
	out[17] = idnum_check_char(digits17);
	out[18] = '\0';
	return out;
}

static void
test_households_with_members(void **state)
{
	struct ctx *c = *state;
	char h1[19], s1[19], k1[19], h2[19], csv[2048];
	json_t *job = NULL;
	int64_t hid = 0, id, total = 0;
	struct anju_err e;
	char *rep;

	idn(h1, "99010119800101001");
	idn(s1, "99010119820202002");
	idn(k1, "99010120100303003");
	idn(h2, "99010119750505004");
	/* The head's row need not come first; 户号 groups the rows. */
	snprintf(csv, sizeof(csv),
		 "户号,小区,类别,户籍,工作单位,月收入（元）,资产,现住房情况,姓名,身份证号,电话,"
		 "与户主关系\n"
		 "1,,,,,,,,李四,%s,,配偶\n"
		 "1,南苑公租房,城镇中等偏下收入住房困难家庭,咸宁,咸宁制造厂,3200.50,10000,"
		 "租房,张三,%s,13800001111,户主\n"
		 "2,肖桥公租房,new_employee,武汉,某公司,5000,0,无,王五,%s,,户主\n"
		 "1,,,,,,,,张小,%s,,子女\n",
		 s1, h1, h2, k1);
	import(c, TRANSFER_HOUSEHOLDS, csv, &job);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), 2);
	json_decref(job);
	ok(c->db, household_find_by_head(c->db, h1, &hid, &e));
	{
		json_t *h = NULL;

		ok(c->db, household_get(c->db, &bureau_all, hid, &h, &e));
		assert_int_equal(json_array_size(json_object_get(h, "members")), 3);
		assert_int_equal(json_integer_value(json_object_get(h, "monthly_income_fen")),
				 320050);
		assert_string_equal(json_string_value(json_object_get(h, "category")),
				    "low_income");
		json_decref(h);
	}
	/* Again: the heads are known, nothing changes. */
	import(c, TRANSFER_HOUSEHOLDS, csv, &job);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), 0);
	assert_int_equal(result_int(job, "unchanged"), 2);
	json_decref(job);

	/* A new household with the spouse of household 1 in it: refused. */
	{
		char h3[19];

		idn(h3, "99010119900909005");
		snprintf(csv, sizeof(csv),
			 "户号,小区,类别,姓名,身份证号,与户主关系\n"
			 "9,南苑公租房,外来务工人员,赵六,%s,户主\n"
			 "9,,,李四,%s,配偶\n"
			 "10,南苑公租房,没有的类别,钱七,%s,户主\n"
			 "11,南苑公租房,外来务工人员,孙八,%s,父母\n",
			 h3, s1, idn(h2, "99010119600101006"), idn(k1, "99010119610101007"));
	}
	id = import(c, TRANSFER_HOUSEHOLDS, csv, &job);
	assert_string_equal(state_of(job), "failed");
	json_decref(job);
	rep = report_text(c, cli(), id, &total);
	assert_non_null(strstr(rep, "3|身份证号|此人已是另一户"));
	assert_non_null(strstr(rep, "4|类别|没有这个住户类别：没有的类别"));
	assert_non_null(strstr(rep, "5|与户主关系|该户没有户主"));
	assert_int_equal(total, 3);
	free(rep);
	assert_int_equal(count(c->db, "household"), 2);
}

/* Person p of test_sealed_ahead: name, ID number and phone. */
static void
ahead_person(int p, char name[32], char id[19], char phone[12])
{
	char d17[32];

	snprintf(name, 32, "甲%d", p);
	snprintf(d17, sizeof(d17), "990101198001%02d%03d", 1 + p % 28, p / 28 % 1000);
	idn(id, d17);
	snprintf(phone, 12, "139%08d", p);
}

/* The publication seals members on a helper thread, a ring of households
 * ahead: over several turns of the ring, every person's sealed ID number and
 * phone open to its own, its masks and phone index are its own, and it is a
 * member of its own household. */
static void
test_sealed_ahead(void **state)
{
	struct ctx *c = *state;
	const int households = 700;
	struct db_stmt *st;
	json_t *job = NULL;
	struct buf csv;
	int rc, people = 0, seen = 0;

	buf_init(&csv, 0);
	buf_adds(&csv, "户号,小区,类别,姓名,身份证号,电话,与户主关系\n");
	for (int i = 0; i < households; i++)
		for (int j = 0; j < 1 + i % 3; j++) {
			static const char *const rel[] = { "户主", "配偶", "子女" };
			char name[32], id[19], phone[12];

			ahead_person(people++, name, id, phone);
			buf_printf(&csv, "%d,南苑公租房,外来务工人员,%s,%s,%s,%s\n", i + 1, name,
				   id, phone, rel[j]);
		}
	import(c, TRANSFER_HOUSEHOLDS, csv.p, &job);
	buf_free(&csv);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), households);
	json_decref(job);

	ok(c->db,
	   db_prepare(c->db,
		      "SELECT p.name, p.id_number_sealed, p.id_number_masked, p.phone_sealed,"
		      " p.phone_masked, p.phone_index, hp.name FROM person p"
		      " JOIN member m ON m.person_id = p.id AND m.left_at IS NULL"
		      " JOIN member hm ON hm.household_id = m.household_id"
		      " AND hm.relationship = 'head' JOIN person hp ON hp.id = hm.person_id",
		      &st));
	while ((rc = db_step(st)) == DB_ROW) {
		char name[32], id[19], phone[12], want[40], index[65], head[32], hid[19],
			hphone[12];
		char *plain = NULL;
		size_t n = 0;
		int p = atoi(db_col_text(st, 0) + strlen("甲")), first = 0;

		ahead_person(p, name, id, phone);
		assert_string_equal(db_col_text(st, 0), name);
		assert_int_equal(pii_open(keys_current(), db_col_text(st, 1), &plain, &n), 0);
		assert_string_equal(plain, id);
		pii_plain_free(plain, n);
		idnum_mask(id, want, sizeof(want));
		assert_string_equal(db_col_text(st, 2), want);
		assert_int_equal(pii_open(keys_current(), db_col_text(st, 3), &plain, &n), 0);
		assert_string_equal(plain, phone);
		pii_plain_free(plain, n);
		mask_middle(phone, 3, 4, want, sizeof(want));
		assert_string_equal(db_col_text(st, 4), want);
		pii_index(keys_current(), "phone", phone, index);
		assert_string_equal(db_col_text(st, 5), index);
		/* Its household's head is the first person of its group. */
		for (int i = 0, q = 0; i < households; q += 1 + i % 3, i++)
			if (p < q + 1 + i % 3) {
				first = q;
				break;
			}
		ahead_person(first, head, hid, hphone);
		assert_string_equal(db_col_text(st, 6), head);
		seen++;
	}
	assert_int_equal(rc, DB_DONE);
	db_reset(st);
	assert_int_equal(seen, people);
	/* Its audit rows, chained on the audit batch's helper thread (more of
	 * them than its ring holds): one per household and person, each naming
	 * its own, and the chain intact. */
	{
		struct anju_err e;
		int64_t rows = 0, bad = 0;
		char why[256];

		assert_int_equal(
			audit_verify(c->db, NULL, &rows, &bad, why, sizeof(why), NULL, NULL, &e),
			0);
		assert_int_equal(bad, 0);
		assert_int_equal(query_int(c->db,
					   "SELECT COUNT(*) FROM audit_log a JOIN household h"
					   " ON CAST(h.id AS TEXT) = a.object_id"
					   " WHERE a.action = 'household.create'"),
				 households);
		assert_int_equal(
			query_int(c->db, "SELECT COUNT(*) FROM audit_log a JOIN person p"
					 " ON CAST(p.id AS TEXT) = a.object_id"
					 " WHERE a.action = 'person.create'"
					 " AND a.after_json LIKE '%' || p.id_number_masked || '%'"),
			people);
	}
}

static void
test_rows_and_scope(void **state)
{
	struct ctx *c = *state;
	char principal[32];
	struct caller mgr = key_caller(c, ROLE_OPERATOR_MANAGER, c->a, principal);
	json_t *job = NULL;
	int64_t id, total = 0;
	char *rep;
	static const char rows[] =
		"{\"header\":[\"小区\",\"楼栋\",\"单元\",\"楼层\",\"房号\",\"建筑面积\","
		"\"使用面积\"],\"rows\":[[\"南苑公租房\",\"1\",\"1\",\"1\",\"1-1-101\",\"45\","
		"\"40\"],[],[\"肖桥公租房\",\"1\",1,2,\"1-1-201\",45.5,\"40\"]]}";

	id = import_as(c, &mgr, TRANSFER_UNITS, TRANSFER_ROWS, rows, strlen(rows), &job);
	assert_string_equal(state_of(job), "failed");
	json_decref(job);
	/* rows[2] is the sheet's row 4; the manager's scope is 南苑 only. */
	rep = report_text(c, &mgr, id, &total);
	assert_string_equal(rep, "4|小区|小区“肖桥公租房”不在您的管辖范围\n");
	free(rep);
	/* Nobody else reads the report, nor sees the job. */
	{
		struct anju_err e;
		json_t *items = NULL, *j = NULL;
		int64_t next = 0;
		struct buf b;

		assert_int_equal(
			transfer_errors(c->db, cli(), id, 0, 10, &items, &next, &total, &e),
			ANJU_ENOTFOUND);
		assert_int_equal(transfer_job(c->db, cli(), id, false, &j, &e), ANJU_ENOTFOUND);
		ok(c->db, transfer_job(c->db, &mgr, id, false, &j, &e));
		json_decref(j);
		assert_int_equal(transfer_job(c->db, &mgr, id, true, &j, &e), ANJU_ENOTFOUND);
		buf_init(&b, 0);
		ok(c->db, transfer_errors_csv(c->db, &mgr, id, &b, &e));
		assert_true(strncmp(b.p, "\xEF\xBB\xBF行号,列,原因\r\n4,小区,",
				    strlen("\xEF\xBB\xBF行号,列,原因\r\n4,小区,")) == 0);
		buf_free(&b);
	}
	/* Within the scope it goes through. */
	{
		static const char mine[] =
			"{\"header\":[\"小区\",\"楼栋\",\"单元\",\"楼层\",\"房号\",\"建筑面积\","
			"\"使用面积\"],\"rows\":[[\"南苑公租房\",\"1\",\"1\",\"1\",\"1-1-101\","
			"\"45\",\"40\"]]}";

		import_as(c, &mgr, TRANSFER_UNITS, TRANSFER_ROWS, mine, strlen(mine), &job);
		assert_string_equal(state_of(job), "succeeded");
		assert_int_equal(result_int(job, "created"), 1);
		json_decref(job);
	}
	/* A role that may not import: the job refuses. */
	{
		char p2[32];
		struct caller staff = key_caller(c, ROLE_OPERATOR_STAFF, c->a, p2);

		import_as(c, &staff, TRANSFER_UNITS, TRANSFER_CSV, units_csv, strlen(units_csv),
			  &job);
		assert_string_equal(state_of(job), "failed");
		json_decref(job);
	}
}

/* on_progress(), and which of the publication's notes came. */
struct publishing {
	struct seen s;
	bool midway, committing;
};

static void
on_publishing(void *ud, int64_t done, int64_t total, const char *note)
{
	struct publishing *p = ud;

	on_progress(&p->s, done, total, note);
	p->midway |= strcmp(note, "发布中 2000/2500") == 0;
	p->committing |= strcmp(note, "提交中") == 0;
}

static void
test_resume_between_chunks(void **state)
{
	struct ctx *c = *state;
	struct buf csv;
	struct anju_err e;
	volatile bool stop = false;
	struct seen s = { .stop_after = &stop, .stop_at = 2 };
	struct publishing p = { 0 };
	int64_t id = 0, got = 0;
	json_t *job = NULL;

	buf_init(&csv, 0);
	buf_adds(&csv, "小区,楼栋,单元,楼层,房号,建筑面积,使用面积\n");
	for (int i = 0; i < 2500; i++)
		buf_printf(&csv, "南苑公租房,%d,1,%d,%d-1-%d,50,40\n", i / 100 + 1, i % 100 + 1,
			   i / 100 + 1, i % 100 + 101);
	ok(c->db, db_begin(c->db));
	ok(c->db, transfer_import_create(c->db, TRANSFER_UNITS, TRANSFER_CSV, csv.p, csv.n, cli(),
					 &who, &id, &e));
	ok(c->db, db_commit(c->db));
	buf_free(&csv);
	/* Stopped after the first chunk: handed back to the queue. */
	assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
	ok(c->db, job_run(c->db, id, "w1", &stop, on_progress, &s, &e));
	ok(c->db, job_get(c->db, id, &job, &e));
	assert_string_equal(state_of(job), "queued");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(job, "progress"), "done")),
		1000);
	json_decref(job);
	assert_int_equal(count(c->db, "unit"), 0);
	/* Another worker resumes at the checkpoint and publishes everything,
	 * showing its own process how far the publication has come. */
	assert_int_equal(job_claim(c->db, "w2", id, &got, &e), 1);
	ok(c->db, job_run(c->db, id, "w2", NULL, on_publishing, &p, &e));
	assert_true(p.midway);
	assert_true(p.committing);
	assert_int_equal(p.s.last_done, 2500);
	ok(c->db, job_get(c->db, id, &job, &e));
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "created"), 2500);
	assert_int_equal(result_int(job, "buildings_created"), 25);
	json_decref(job);
	assert_int_equal(count(c->db, "unit"), 2500);
}

/* The command line lends its run the file it has just stored: the run
 * parses those bytes, not the sealed copy, which is shown by dropping the
 * copy first.  Nobody else's run borrows them. */
static void
test_lent_input(void **state)
{
	struct ctx *c = *state;
	static const char csv[] = "小区,楼栋,单元,楼层,房号,建筑面积,使用面积\n"
				  "南苑公租房,1,1,1,1-1-101,50,40\n";
	struct anju_err e;
	json_t *job = NULL;

	for (int lend = 0; lend < 3; lend++) {
		int64_t id = 0, got = 0;

		ok(c->db, db_begin(c->db));
		ok(c->db, transfer_import_create(c->db, TRANSFER_UNITS, TRANSFER_CSV, csv,
						 strlen(csv), cli(), &who, &id, &e));
		ok(c->db, db_commit(c->db));
		assert_int_equal(run_int(c->db, "DELETE FROM transfer_part WHERE job_id = ?", id),
				 DB_DONE);
		/* 0: lent to this run; 1: to another job's; 2: not lent. */
		if (lend < 2)
			transfer_input_lend(lend == 0 ? id : id + 1, csv, strlen(csv));
		assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
		ok(c->db, job_run(c->db, id, "w1", NULL, NULL, NULL, &e));
		transfer_input_lend(0, NULL, 0);
		ok(c->db, job_get(c->db, id, &job, &e));
		if (lend == 0) {
			assert_string_equal(state_of(job), "succeeded");
			assert_int_equal(result_int(job, "created"), 1);
		} else {
			assert_string_equal(state_of(job), "failed");
			assert_non_null(
				strstr(json_string_value(json_object_get(job, "error")), "已不在"));
		}
		json_decref(job);
	}
	assert_int_equal(count(c->db, "unit"), 1);
}

/* Runs an export job as by: its id. */
static int64_t
export_as(struct ctx *c, const struct caller *by, enum transfer_what what, int64_t community,
	  json_t **job)
{
	struct anju_err e;
	int64_t id = 0, got = 0;

	ok(c->db, db_begin(c->db));
	if (transfer_export_create(c->db, what, community, by, &who, &id, &e) != 0)
		fail_msg("transfer_export_create: %s", e.msg);
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
	ok(c->db, job_run(c->db, id, "w1", NULL, NULL, NULL, &e));
	ok(c->db, job_get(c->db, id, job, &e));
	return id;
}

static void
test_exports(void **state)
{
	struct ctx *c = *state;
	char principal[32], p2[32], csv[1024], h1[19];
	struct caller bureau = key_caller(c, ROLE_BUREAU, 0, principal);
	struct caller other = key_caller(c, ROLE_BUREAU, 0, p2);
	json_t *job = NULL;
	struct anju_err e;
	struct arena *a = arena_new();
	const char *name = NULL;
	int64_t id, size = 0, n = 0;
	int fd = -1;
	char head[4];

	import(c, TRANSFER_UNITS, units_csv, &job);
	json_decref(job);
	snprintf(csv, sizeof(csv),
		 "户号,小区,类别,姓名,身份证号,电话,与户主关系\n"
		 "1,南苑公租房,外来务工人员,张三,%s,13800001111,户主\n",
		 idn(h1, "99010119800101001"));
	import(c, TRANSFER_HOUSEHOLDS, csv, &job);
	json_decref(job);

	id = export_as(c, &bureau, TRANSFER_UNITS, c->a, &job);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "rows"), 2);
	json_decref(job);
	ok(c->db, transfer_export_open(c->db, &bureau, id, a, &fd, &size, &name, &e));
	assert_true(size > 1000);
	assert_int_equal(read(fd, head, 4), 4);
	assert_memory_equal(head, "PK\x03\x04", 4);
	assert_true(strncmp(name, "units-", 6) == 0);
	close(fd);
	/* Someone else, even of the same role: not found. */
	assert_int_equal(transfer_export_open(c->db, &other, id, a, &fd, &size, &name, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(transfer_export_open(c->db, cli(), id, a, &fd, &size, &name, &e),
			 ANJU_ENOTFOUND);

	id = export_as(c, &bureau, TRANSFER_HOUSEHOLDS, 0, &job);
	assert_string_equal(state_of(job), "succeeded");
	assert_int_equal(result_int(job, "rows"), 1);
	json_decref(job);
	/* Stored sealed: the ID number's digits never appear in the table. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM transfer_part WHERE sealed LIKE"
					  " 'v1.%'"),
			 count(c->db, "transfer_part"));
	/* A role that may not export households is refused at once. */
	{
		char p3[32];
		struct caller staff = key_caller(c, ROLE_OPERATOR_STAFF, c->a, p3);
		int64_t jid = 0;

		ok(c->db, db_begin(c->db));
		assert_int_equal(transfer_export_create(c->db, TRANSFER_HOUSEHOLDS, 0, &staff, &who,
							&jid, &e),
				 ANJU_EFORBIDDEN);
		assert_int_equal(
			transfer_export_create(c->db, TRANSFER_UNITS, c->b, &staff, &who, &jid, &e),
			ANJU_ENOTFOUND);
		db_rollback(c->db);
	}
	/* The purge forgets them once their time is up, and not before. */
	ok(c->db, db_begin(c->db));
	ok(c->db, transfer_purge(c->db, time_now_us(), &n, &e));
	assert_int_equal(n, 0);
	ok(c->db, transfer_purge(c->db, time_now_us() + 25 * 3600 * INT64_C(1000000), &n, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(n, 4);
	assert_int_equal(count(c->db, "transfer_part"), 0);
	assert_int_equal(transfer_export_open(c->db, &bureau, id, a, &fd, &size, &name, &e),
			 ANJU_ENOTFOUND);
	arena_free(a);
}

/* The pure part: a sheet from CSV, columns by either name, cells checked. */
static void
test_parse(void **state)
{
	struct arena *a = arena_new();
	struct sheet s;
	struct report r;
	struct unit_sheet u;
	static const char csv[] = "*小区, 楼栋 ,Entrance,floor,房号,户型,Floor Area,使用面积(m2)\n"
				  "南苑, 1 ,2单元,-1,x, ,12.345,10\n";

	(void)state;
	report_init(&r, a);
	assert_int_equal(sheet_from_csv(&s, csv, strlen(csv), a, &r), 0);
	assert_int_equal(s.nrows, 1);
	assert_string_equal(s.rows[0].cells[1], "1");
	assert_int_equal(units_parse(&s, &u, &r), 0);
	assert_int_equal(u.recs[0].in.entrance, 2);
	assert_int_equal(u.recs[0].in.floor, -1);
	assert_null(u.recs[0].in.layout);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.items[0].col, "Floor Area");
	assert_int_equal(r.items[0].row, 2);
	assert_int_equal(hundredths_parse("1,234.5", &u.recs[0].in.floor_area), 0);
	assert_int_equal(u.recs[0].in.floor_area, 123450);
	sheet_free(&s);
	report_free(&r);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_units_gb18030_then_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_bad_row_refuses_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_unit_is_not_overwritten, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_households_with_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_and_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_between_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lent_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exports, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
