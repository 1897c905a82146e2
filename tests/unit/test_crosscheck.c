/*
 * Unit tests of the department datasets and the cross-check on a real
 * database (both engines): an import as a job (UTF-8 and GB18030, Chinese
 * or English headers), bad rows listed with their line and why while the
 * good rows are kept, a file that cannot be read failing whole, what is
 * stored (the blind index, never the number), a newer import superseding
 * the older one (which the check then ignores), a resumed import keeping
 * nothing twice; the cross-check's conflict for each source and rule, and
 * the assistance facts; eligibility reading the datasets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/pii.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "household/household.h"
#include "jobs/job.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "tenancy/eligibility.h"
#include "testdb.h"
#include "testjob.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community;
};

static const struct audit_actor who = { "account:1", "tester", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
static struct caller staff = { CALLER_ACCOUNT, 3, ROLE_OPERATOR_STAFF, "s", "account:3", false };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("crosscheck", false);
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
	struct anju_err e;
	struct db_stmt *st;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO community (name, created_at, updated_at) VALUES"
			     " ('肖桥公租房', '2026-01-01T00:00:00.000000Z',"
			     " '2026-01-01T00:00:00.000000Z') RETURNING id",
			     &st));
	assert_int_equal(db_step(st), DB_ROW);
	c->community = db_col_int64(st, 0);
	db_reset(st);
	config_reset();
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

/* A household of category: head 张三 (ids[0]) and spouse 李四 (ids[1]). */
static int64_t
household(struct ctx *c, const char *category, int64_t income, const char *seed, char ids[2][19])
{
	char d17[24];
	struct member_in m[2];
	struct household_in in = {
		.community_id = c->community,
		.category = category,
		.monthly_income_fen = income,
		.members = m,
		.nmembers = 2,
		.local_hukou = true,
	};
	struct anju_err e;
	int64_t id = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(d17, sizeof(d17), "99%.3s1198%c0101%03d", seed, '5' + i, (i + 1) % 1000);
		memcpy(ids[i], d17, 17);
		ids[i][17] = idnum_check_char(d17);
		ids[i][18] = '\0';
		m[i] = (struct member_in){ { i == 0 ? "张三" : "李四", ids[i], NULL },
					   i == 0 ? "head" : "spouse" };
	}
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

/* Imports csv for source as of a date through the job; the dataset id. */
static int64_t
import(struct ctx *c, const char *source, const char *as_of, const char *csv, size_t n,
       const char *encoding)
{
	struct dataset_in in = { DATASET_PROPERTY, as_of, NULL, NULL, encoding };
	struct anju_err e;
	int64_t id = 0, job = 0, got = 0;

	assert_int_equal(dataset_source_parse(source, &in.source), 0);
	ok(c->db, db_begin(c->db));
	ok(c->db, dataset_import_create(c->db, &bureau, &who, &in, csv, n, &id, &job, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "w1", job, &got, &e), 1);
	ok(c->db, job_run(c->db, job, "w1", NULL, NULL, NULL, &e));
	return id;
}

static json_t *
dataset(struct ctx *c, int64_t id)
{
	struct anju_err e;
	json_t *d = NULL;

	ok(c->db, dataset_get(c->db, id, &d, &e));
	return d;
}

static const char *
state_of(struct ctx *c, int64_t id)
{
	static char s[24];
	json_t *d = dataset(c, id);

	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(d, "state")));
	json_decref(d);
	return s;
}

static json_t *
check(struct ctx *c, int64_t hh, int *n)
{
	struct anju_err e;
	json_t *out = NULL;

	ok(c->db, crosscheck_household(c->db, hh, &out, n, &e));
	assert_int_equal(json_array_size(json_object_get(out, "conflicts")), *n);
	return out;
}

/* The conflicts of rule in out. */
static int
count_rule(json_t *out, const char *rule)
{
	json_t *x;
	size_t i;
	int k = 0;

	json_array_foreach (json_object_get(out, "conflicts"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "rule")), rule) == 0)
			k++;
	return k;
}

static json_t *
first_rule(json_t *out, const char *rule)
{
	json_t *x;
	size_t i;

	json_array_foreach (json_object_get(out, "conflicts"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "rule")), rule) == 0)
			return x;
	return NULL;
}

static void
test_import_rows_and_errors(void **state)
{
	struct ctx *c = *state;
	char ids[2][19], bad[19], csv[1024], index[65];
	int64_t hh = household(c, "new_employee", 500000, "501", ids), id;
	json_t *d, *errs;
	struct db_stmt *st;

	(void)hh;
	memcpy(bad, ids[0], 19);
	bad[17] = bad[17] == '0' ? '1' : '0'; /* a wrong check digit */
	snprintf(csv, sizeof(csv),
		 "身份证号,建筑面积（㎡）,地址\r\n"
		 "%s,85.30,咸宁市某小区1-101\r\n"
		 "%s,12.5,咸宁市某小区2-202\r\n"
		 "%s,abc,咸宁市某小区3-303\r\n"
		 "%s,-3,\r\n"
		 "12345,10,\r\n",
		 ids[0], ids[1], ids[0], bad);
	id = import(c, "property", "2026-01-01", csv, strlen(csv), NULL);
	d = dataset(c, id);
	assert_string_equal(json_string_value(json_object_get(d, "state")), "active");
	assert_int_equal(json_integer_value(json_object_get(d, "rows")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "error_rows")), 3);
	assert_string_equal(json_string_value(json_object_get(d, "encoding")), "utf8");
	errs = json_object_get(d, "errors");
	assert_int_equal(json_array_size(errs), 4); /* line 5: two bad cells */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errs, 0), "row")), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "column")),
			    "面积");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 1), "reason")),
			    "身份证号校验位错误");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 3), "reason")),
			    "身份证号应为 18 位（或 15 位旧号）");
	json_decref(d);
	/* Only the blind index and the area are kept; the file is gone. */
	pii_index(keys_current(), "id_number", ids[0], index);
	ok(c->db,
	   db_prepare(c->db, "SELECT kind, value_int FROM dataset_record WHERE id_index = ?", &st));
	db_bind_cstr(st, 1, index);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "area");
	assert_int_equal(db_col_int64(st, 1), 8530);
	db_reset(st);
	assert_int_equal(run_text(c->db, "SELECT 1 FROM dataset_record WHERE id_index = ?", ids[0]),
			 DB_DONE);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM dataset_part"), 0);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log WHERE action ="
					  " 'dataset.import'"),
			 1);
}

/* csv in UTF-8 converted to GB18030 into out. */
static size_t
to_gb18030(const char *csv, char *out, size_t cap)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	char *in = (char *)csv, *o = out;
	size_t il = strlen(csv), ol = cap;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &il, &o, &ol) != (size_t)-1);
	iconv_close(cd);
	return cap - ol;
}

static void
test_gb18030_and_bad_files(void **state)
{
	struct ctx *c = *state;
	char ids[2][19], csv[1024], gb[2048];
	int64_t hh = household(c, "low_income", 100000, "502", ids), id;
	json_t *d, *out;
	size_t n;
	int k;

	snprintf(csv, sizeof(csv), "姓名,身份证号,救助类型\n李四,%s,低保\n张三,%s,临时救助\n",
		 ids[1], ids[0]);
	n = to_gb18030(csv, gb, sizeof(gb));
	/* Told nothing, it is found to be GB18030. */
	id = import(c, "assistance", "2026-02-01", gb, n, "auto");
	d = dataset(c, id);
	assert_string_equal(json_string_value(json_object_get(d, "encoding")), "gb18030");
	assert_int_equal(json_integer_value(json_object_get(d, "rows")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "error_rows")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(d, "errors"), 0), "column")),
			    "救助类型");
	json_decref(d);
	out = check(c, hh, &k);
	assert_int_equal(k, 0);
	assert_int_equal(json_array_size(json_object_get(out, "facts")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(out, "facts"), 0), "text")),
			    "配偶 李四 在民政救助数据（2026-02-01）中为最低生活保障对象（低保）");
	json_decref(out);
	/* Told UTF-8, GB18030 bytes fail the import whole. */
	id = import(c, "assistance", "2026-02-02", gb, n, "utf8");
	assert_string_equal(state_of(c, id), "failed");
	d = dataset(c, id);
	assert_int_equal(json_integer_value(json_object_get(d, "rows")), 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(d, "errors"), 0), "row")),
			 0);
	json_decref(d);
	/* A header without the needed column. */
	id = import(c, "insurance", "2026-02-01", "身份证号,月工资\n1,2\n",
		    strlen("身份证号,月工资\n1,2\n"), NULL);
	assert_string_equal(state_of(c, id), "failed");
	d = dataset(c, id);
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_array_get(json_object_get(d, "errors"), 0), "reason")),
			       "缴费月数"));
	json_decref(d);
	/* The failed imports did not take the place of the good one. */
	out = check(c, hh, &k);
	assert_int_equal(json_array_size(json_object_get(out, "facts")), 1);
	json_decref(out);
}

static void
test_create_refusals(void **state)
{
	struct ctx *c = *state;
	struct dataset_in in = { DATASET_VEHICLE, "2026-01-01", NULL, NULL, NULL };
	char future[DATE_FMT_LEN];
	struct anju_err e;
	int64_t id, job;

	ok(c->db, db_begin(c->db));
	assert_int_equal(dataset_import_create(c->db, &staff, &who, &in, "a", 1, &id, &job, &e),
			 ANJU_EFORBIDDEN);
	assert_int_equal(dataset_import_create(c->db, &bureau, &who, &in, "", 0, &id, &job, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "empty_file");
	date_format(date_add_days(date_today_shanghai(), 2), future);
	in.as_of = future;
	assert_int_equal(dataset_import_create(c->db, &bureau, &who, &in, "a", 1, &id, &job, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "as_of");
	in.as_of = "2026-01-01";
	in.encoding = "latin1";
	assert_int_equal(dataset_import_create(c->db, &bureau, &who, &in, "a", 1, &id, &job, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "encoding");
	db_rollback(c->db);
}

static void
test_conflicts(void **state)
{
	struct ctx *c = *state;
	char a[2][19], b[2][19], csv[2048];
	/* a: new employees (no housing, no business allowed by a new rule);
	 * b: low income (housing allowed below 15 m² per person). */
	int64_t ha = household(c, "new_employee", 300000, "601", a);
	int64_t hb = household(c, "low_income", 200000, "602", b);
	json_t *out, *x;
	int k;

	exec_ok(c->db, "INSERT INTO tenancy_rule (kind, category, effective_from, body, note,"
		       " created_by, created_at) VALUES ('eligibility', 'new_employee',"
		       " '2001-01-01', '{\"income_per_person_max_fen\":400000,"
		       "\"owns_housing_allowed\":false,\"insurance_months_min\":6,"
		       "\"vehicle_value_max_fen\":10000000,\"business_allowed\":false}', '', 't',"
		       " '2026-01-01T00:00:00.000000Z')");
	out = check(c, ha, &k);
	assert_int_equal(k, 0); /* no datasets yet */
	assert_int_equal(json_array_size(json_object_get(out, "datasets")), 0);
	json_decref(out);

	snprintf(csv, sizeof(csv), "id_number,area_m2\n%s,20.00\n%s,12.00\n%s,10.00\n", a[1], b[0],
		 b[1]);
	import(c, "property", "2026-01-01", csv, strlen(csv), NULL);
	snprintf(csv, sizeof(csv), "id_number,plate,value_yuan\n%s,鄂L12345,80000\n%s,鄂L1,30000\n",
		 a[0], a[1]);
	import(c, "vehicle", "2026-01-01", csv, strlen(csv), NULL);
	snprintf(csv, sizeof(csv), "身份证号,企业名称,注册资本\n%s,咸宁某某商贸有限公司,100000\n",
		 a[0]);
	import(c, "business", "2026-01-01", csv, strlen(csv), NULL);
	snprintf(csv, sizeof(csv), "身份证号,缴费月数,月工资\n%s,5,3500.00\n%s,3,1000.00\n", a[0],
		 a[1]);
	import(c, "insurance", "2026-01-01", csv, strlen(csv), NULL);

	out = check(c, ha, &k);
	assert_int_equal(json_array_size(json_object_get(out, "datasets")), 4);
	assert_int_equal(count_rule(out, "owns_housing"), 1);
	x = first_rule(out, "owns_housing");
	assert_string_equal(json_string_value(json_object_get(x, "member")), "配偶 李四");
	assert_string_equal(json_string_value(json_object_get(x, "source")), "property");
	assert_string_equal(json_string_value(json_object_get(x, "text")),
			    "配偶 李四 在不动产登记（2026-01-01）中有住房 1 处，共 20.00 平方米；"
			    "本类别要求无自有住房");
	/* 110,000 yuan of vehicles against 100,000. */
	assert_int_equal(count_rule(out, "vehicle_value"), 1);
	x = first_rule(out, "vehicle_value");
	assert_string_equal(json_string_value(json_object_get(x, "member")), "户主 张三");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(x, "detail"), "value_fen")),
		11000000);
	assert_int_equal(count_rule(out, "business"), 1);
	assert_non_null(
		strstr(json_string_value(json_object_get(first_rule(out, "business"), "text")),
		       "咸宁某某商贸有限公司"));
	/* 4,500.00 yuan of wages against 3,000.00 declared. */
	assert_int_equal(count_rule(out, "income_understated"), 1);
	assert_string_equal(
		json_string_value(json_object_get(first_rule(out, "income_understated"), "text")),
		"社保缴费记录（2026-01-01）中家庭成员月工资合计 4,500.00 元，"
		"高于申报的家庭月收入 3,000.00 元");
	assert_int_equal(count_rule(out, "insurance_months"), 1);
	assert_int_equal(k, 5);
	json_decref(out);

	/* b: 22 m² for 2 people is 11 per person, below 15: no conflict. */
	out = check(c, hb, &k);
	assert_int_equal(k, 0);
	json_decref(out);

	/* A newer property import supersedes the older one, which the check
	 * then ignores: a's spouse no longer owns, b now owns 40 m². */
	snprintf(csv, sizeof(csv), "id_number,area_m2\n%s,40.00\n", b[0]);
	import(c, "property", "2026-03-01", csv, strlen(csv), NULL);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM dataset WHERE source = 'property'"
					  " AND state = 'superseded'"),
			 1);
	out = check(c, ha, &k);
	assert_int_equal(count_rule(out, "owns_housing"), 0);
	json_decref(out);
	out = check(c, hb, &k);
	assert_int_equal(k, 1);
	x = first_rule(out, "area_per_person");
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "text")),
			    "不动产登记（2026-03-01）中家庭成员名下住房共 40.00 平方米，2 人，"
			    "人均 20.00 平方米，不低于 15.00 平方米的标准");
	json_decref(out);
	/* An older snapshot imported later does not take over. */
	snprintf(csv, sizeof(csv), "id_number,area_m2\n%s,99.00\n", a[0]);
	{
		int64_t old = import(c, "property", "2025-12-01", csv, strlen(csv), NULL);

		assert_string_equal(state_of(c, old), "superseded");
	}
	out = check(c, ha, &k);
	assert_int_equal(count_rule(out, "owns_housing"), 0);
	json_decref(out);
}

static void
test_eligibility_reads_datasets(void **state)
{
	struct ctx *c = *state;
	char a[2][19], csv[512];
	int64_t ha = household(c, "migrant_worker", 200000, "701", a), v;
	struct anju_err e;
	json_t *x = NULL, *r;
	bool el;
	size_t i;

	/* Declared 0 months: not eligible until the insurance data says 14. */
	ok(c->db, eligibility_evaluate(c->db, ha, NULL, &el, &v, &x, &e));
	assert_false(el);
	json_decref(x);
	snprintf(csv, sizeof(csv), "身份证号,缴费月数,月工资\n%s,14,900\n", a[1]);
	import(c, "insurance", "2026-01-01", csv, strlen(csv), NULL);
	ok(c->db, eligibility_evaluate(c->db, ha, NULL, &el, &v, &x, &e));
	assert_true(el);
	json_array_foreach (json_object_get(x, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "rule")), "insurance_months") == 0)
			assert_string_equal(
				json_string_value(json_object_get(r, "text")),
				"本地社保缴纳 14 个月（人社数据），不少于 12 个月的要求："
				"符合");
	assert_int_equal(json_array_size(json_object_get(x, "datasets")), 1);
	json_decref(x);
}

static void
test_resume_and_all(void **state)
{
	struct ctx *c = *state;
	struct dataset_in in = { DATASET_PROPERTY, "2026-01-01", "大文件", NULL, NULL };
	struct buf csv;
	struct anju_err e;
	struct seen s = { 0 };
	volatile bool stop = false;
	char ids[2][19];
	int64_t id, job, got;
	json_t *sum = NULL;

	household(c, "new_employee", 100000, "801", ids);
	buf_init(&csv, 0);
	buf_printf(&csv, "id_number,area_m2\n");
	/* 12,000 rows: three chunks; the same person many times. */
	for (int i = 0; i < 12000; i++)
		buf_printf(&csv, "%s,1.00\n", ids[i % 2]);
	ok(c->db, db_begin(c->db));
	ok(c->db, dataset_import_create(c->db, &bureau, &who, &in, csv.p, csv.n, &id, &job, &e));
	ok(c->db, db_commit(c->db));
	buf_free(&csv);
	/* Stopped after the first chunk, taken up again by another worker. */
	s.stop_after = &stop;
	s.stop_at = 1;
	assert_int_equal(job_claim(c->db, "w1", job, &got, &e), 1);
	ok(c->db, job_run(c->db, job, "w1", &stop, on_progress, &s, &e));
	assert_string_equal(state_of(c, id), "importing");
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM dataset_record"), 5000);
	assert_int_equal(job_claim(c->db, "w2", job, &got, &e), 1);
	ok(c->db, job_run(c->db, job, "w2", NULL, NULL, NULL, &e));
	assert_string_equal(state_of(c, id), "active");
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM dataset_record"), 12000);
	/* Every household at once. */
	ok(c->db, crosscheck_all(c->db, NULL, NULL, &sum, &e));
	assert_int_equal(json_integer_value(json_object_get(sum, "households")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "with_conflicts")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "conflicts")), 2);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(sum, "by_rule"), "owns_housing")),
			 2);
	json_decref(sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_rows_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gb18030_and_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eligibility_reads_datasets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_and_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
