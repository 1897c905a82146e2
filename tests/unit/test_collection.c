/*
 * Unit tests of rent collection (src/rent/payer.c, withholding.c,
 * callback.c) on a real database (both engines): payer accounts sealed and
 * found through their blind index (the contracts of rent.h), withholding
 * layouts, exports in UTF-8 and GB18030 read back, result files validated
 * whole and applied once, and signed callbacks checked in constant time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/pii.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "jobs/job.h"
#include "money/check.h"
#include "money/money.h"
#include "rent/collection.h"
#include "rent/rent.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, hh, hh2;
};

static const struct audit_actor who = { "account:1", "fin", "finance", "::1", NULL };
static struct caller fin = { CALLER_ACCOUNT, 1, ROLE_FINANCE, "fin", "account:1", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("collection", true);
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

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->community = tm_community(c->db, "南苑公租房");
	c->hh = tm_household(c->db, c->community);
	c->hh2 = tm_household(c->db, c->community);
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

static void
test_number_digits_and_mask(void **state)
{
	char d[PAYER_DIGITS_MAX + 1], m[PAYER_DIGITS_MAX + 1];
	struct anju_err e;

	(void)state;
	assert_int_equal(payer_number_digits("6222 0212 3456-7890 123", d, &e), 0);
	assert_string_equal(d, "6222021234567890123");
	payer_number_mask(d, m, sizeof(m));
	assert_string_equal(m, "6222***********0123");
	assert_int_equal(payer_number_digits("62220212345X", d, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "number");
	assert_int_equal(payer_number_digits("123456789", d, &e), ANJU_EINVAL);
	assert_int_equal(payer_number_digits("123456789012345678901234567890123", d, &e),
			 ANJU_EINVAL);
	assert_int_equal(payer_number_digits(NULL, d, &e), ANJU_EINVAL);
}

/* The contracts of rent.h: learning a number once, finding its household,
 * a number two households share, and the number never stored in clear. */
static void
test_learn_and_find(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, payer_account_learn(c->db, c->hh, "6222 0212 3456 7890", "工商银行", "statement",
				      &who, &e));
	/* Known already: nothing new. */
	ok(c->db,
	   payer_account_learn(c->db, c->hh, "6222021234567890", NULL, "statement", &who, &e));
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payer_account", 0), 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM payer_account WHERE number_sealed LIKE"
				 " '%6222021234567890%' OR number_index LIKE '%6222021234567890%'",
				 0),
			 0);
	ok(c->db, payer_account_household(c->db, "6222-0212-3456-7890", &hh, &e));
	assert_int_equal(hh, c->hh);
	assert_int_equal(payer_account_household(c->db, "6222021234567891", &hh, &e),
			 ANJU_ENOTFOUND);
	assert_string_equal(e.key, "payer_account_unknown");
	ok(c->db, payer_account_learn(c->db, c->hh2, "6222021234567890", "工商银行", "statement",
				      &who, &e));
	assert_int_equal(payer_account_household(c->db, "6222021234567890", &hh, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "payer_account_shared");
	assert_int_equal(
		payer_account_learn(c->db, 999999, "6222021234567890", NULL, "statement", &who, &e),
		ANJU_ENOTFOUND);
	assert_int_equal(payer_account_learn(c->db, c->hh, "12", NULL, "statement", &who, &e),
			 ANJU_EINVAL);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'payer_account.create'", 0),
		2);
	ok(c->db, db_commit(c->db));
}

/* Staff's accounts: masked, one withholding account that needs the signed
 * authorisation, disabled accounts are not found, the reveal is limited. */
static void
test_accounts(void **state)
{
	struct ctx *c = *state;
	struct payer_in in = { "王伟", "工商银行", NULL, "6222021234567890", 0, NULL, 0, 1 };
	struct payer_in up = { NULL, NULL, NULL, NULL, -1, NULL, -1, -1 };
	struct anju_err e;
	json_t *items = NULL, *j = NULL;
	int64_t a1 = 0, a2 = 0, hh;
	char *v = NULL;
	size_t n = 0;

	ok(c->db, db_begin(c->db));
	exec_ok(c->db, "INSERT INTO withholding_bank (code, name, export_layout, result_layout,"
		       " created_at, updated_at) VALUES ('icbc', '工商银行', '{}', '{}', " TM_TIME
		       ", " TM_TIME ")");
	ok(c->db, payer_account_add(c->db, &fin, c->hh, &in, &who, &a1, &e));
	/* Withholding needs a bank and the authorisation. */
	in.number = "6217000011112222333";
	in.withholding = 1;
	assert_int_equal(payer_account_add(c->db, &fin, c->hh, &in, &who, &a2, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "authorization_required");
	in.bank_code = "icbc";
	assert_int_equal(payer_account_add(c->db, &fin, c->hh, &in, &who, &a2, &e),
			 ANJU_EUNPROCESSABLE);
	in.authorized_on = "2099-01-01";
	assert_int_equal(payer_account_add(c->db, &fin, c->hh, &in, &who, &a2, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "authorized_on");
	in.bank_code = "nobank";
	in.authorized_on = "2026-01-02";
	assert_int_equal(payer_account_add(c->db, &fin, c->hh, &in, &who, &a2, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "bank_code");
	in.bank_code = "icbc";
	ok(c->db, payer_account_add(c->db, &fin, c->hh, &in, &who, &a2, &e));
	/* The same number again in the household: a conflict. */
	assert_int_equal(payer_account_add(c->db, &fin, c->hh, &in, &who, &hh, &e), ANJU_ECONFLICT);
	ok(c->db, payer_account_list(c->db, &fin, c->hh, &items, &e));
	assert_int_equal(json_array_size(items), 2);
	j = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), a2);
	assert_true(json_is_true(json_object_get(j, "withholding")));
	assert_string_equal(json_string_value(json_object_get(j, "number")), "6217***********2333");
	json_decref(items);
	/* Making the first the withholding account ends the flag on the second. */
	up.withholding = 1;
	up.bank_code = "icbc";
	up.authorized_on = "2026-01-03";
	ok(c->db, payer_account_update(c->db, &fin, a1, &up, &who, &e));
	assert_int_equal(tm_qint(c->db, "SELECT withholding FROM payer_account WHERE id = ?", a2),
			 0);
	assert_int_equal(tm_qint(c->db, "SELECT withholding FROM payer_account WHERE id = ?", a1),
			 1);
	/* Disabled: not found by number, no longer withholding. */
	up = (struct payer_in){ NULL, NULL, NULL, NULL, -1, NULL, -1, 0 };
	ok(c->db, payer_account_update(c->db, &fin, a1, &up, &who, &e));
	assert_int_equal(tm_qint(c->db, "SELECT withholding FROM payer_account WHERE id = ?", a1),
			 0);
	assert_int_equal(payer_account_household(c->db, "6222021234567890", &hh, &e),
			 ANJU_ENOTFOUND);
	/* Reveal: the full number, audited without it. */
	ok(c->db, payer_account_reveal(c->db, &fin, &who, a2, "核对代扣失败原因", &v, &n, &e));
	assert_string_equal(v, "6217000011112222333");
	pii_plain_free(v, n);
	assert_int_equal(payer_account_reveal(c->db, &fin, &who, a2, "短", &v, &n, &e),
			 ANJU_EINVAL);
	{
		struct caller insp = fin;

		insp.role = ROLE_INSPECTOR;
		assert_int_equal(payer_account_reveal(c->db, &insp, &who, a2, "核对代扣失败原因",
						      &v, &n, &e),
				 ANJU_EFORBIDDEN);
	}
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'payer_account.reveal'"
			" AND after_json NOT LIKE '%6217000011112222333%'",
			0),
		1);
	ok(c->db, db_commit(c->db));
}

/* ---- withholding ---- */

static const char *EXPORT_UTF8 =
	"{\"encoding\":\"utf8\",\"delimiter\":\",\",\"header\":true,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"account_number\"},{\"field\":\"holder_name\"},"
	"{\"field\":\"amount_yuan\"},{\"field\":\"constant\",\"value\":\"RENT\",\"title\":\"用途\"}"
	","
	"{\"field\":\"period\"}]}";
static const char *RESULT_UTF8 =
	"{\"encoding\":\"auto\",\"delimiter\":\",\",\"header\":true,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"account_number\"},{\"field\":\"amount_yuan\"},"
	"{\"field\":\"status\"},{\"field\":\"reason\"},{\"field\":\"bank_ref\"}],"
	"\"success_values\":[\"成功\",\"0000\"]}";
static const char *EXPORT_GB =
	"{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":false,\"columns\":["
	"{\"field\":\"seq\"},{\"field\":\"account_number\"},{\"field\":\"holder_name\"},"
	"{\"field\":\"amount_fen\"},{\"field\":\"reference\"}]}";
static const char *RESULT_GB =
	"{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":false,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"amount_fen\"},{\"field\":\"status\"},"
	"{\"field\":\"bank_ref\"},{\"field\":\"reason\"}],\"success_values\":[\"S\"]}";

static void
put_bank(struct db *db, const char *code, const char *name, const char *exp, const char *res)
{
	struct anju_err e;
	json_error_t jerr;
	json_t *in =
		json_pack("{s:s, s:o, s:o}", "name", name, "export_layout",
			  json_loads(exp, 0, &jerr), "result_layout", json_loads(res, 0, &jerr));

	ok(db, withholding_bank_put(db, code, in, true, &who, &e));
	json_decref(in);
}

static void
test_layouts(void **state)
{
	struct wh_layout l;
	struct anju_err e;
	json_error_t jerr;
	json_t *j;
	const char *bad[] = {
		"{\"columns\":[{\"field\":\"holder_name\"}]}",
		"{\"columns\":[{\"field\":\"account_number\"},{\"field\":\"status\"}]}",
		"{\"columns\":[{\"field\":\"account_number\"},{\"field\":\"amount_fen\"},"
		"{\"field\":\"constant\"}]}",
		"{\"encoding\":\"latin1\",\"columns\":[{\"field\":\"account_number\"},"
		"{\"field\":\"amount_fen\"}]}",
		"{\"delimiter\":\"#\",\"columns\":[{\"field\":\"account_number\"},"
		"{\"field\":\"amount_fen\"}]}",
		"{\"columns\":[]}",
		"[]",
	};

	(void)state;
	j = json_loads(EXPORT_UTF8, 0, &jerr);
	assert_int_equal(wh_layout_parse(j, false, "export_layout", &l, &e), 0);
	assert_int_equal(l.ncolumns, 6);
	assert_string_equal(l.columns[4].value, "RENT");
	assert_string_equal(l.columns[4].title, "用途");
	/* An export layout is no result layout. */
	assert_int_equal(wh_layout_parse(j, true, "result_layout", &l, &e), ANJU_EINVAL);
	json_decref(j);
	j = json_loads(RESULT_GB, 0, &jerr);
	assert_int_equal(wh_layout_parse(j, true, "result_layout", &l, &e), 0);
	assert_int_equal(l.delimiter, '|');
	assert_int_equal(l.encoding, WH_ENC_GB18030);
	json_decref(j);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, &jerr);
		assert_int_equal(wh_layout_parse(j, false, "export_layout", &l, &e), ANJU_EINVAL);
		assert_string_equal(e.field, "export_layout");
		json_decref(j);
	}
}

static void
test_result_parse(void **state)
{
	struct wh_result_row *rows = NULL;
	struct wh_layout l;
	struct anju_err e;
	json_error_t jerr;
	json_t *j = json_loads(RESULT_UTF8, 0, &jerr), *errors = json_array();
	size_t n = 0;
	const char *file = "业务编号,账号,金额,结果,原因,流水\r\n"
			   "WH1-1,6222021234567890,300.00,成功,,B001\r\n"
			   "\r\n"
			   "WH1-2,6217000011112222333,\"1,200.50\",失败,余额不足,\r\n"
			   "WH1-3,6217000011112222333,abc,成功,,B003\r\n"
			   "WH1-4,62170000,1.00,成功,,B004\r\n"
			   "WH1-5,6217000011112222333,1.00,成功,,\r\n"
			   "WH1-6,6217000011112222333\r\n";

	(void)state;
	ok(NULL, wh_layout_parse(j, true, "result_layout", &l, &e));
	ok(NULL, wh_result_parse(&l, file, strlen(file), &rows, &n, errors, &e));
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].reference, "WH1-1");
	assert_true(rows[0].success);
	assert_int_equal(rows[0].amount_fen, 30000);
	assert_string_equal(rows[0].bank_ref, "B001");
	assert_false(rows[1].success);
	assert_int_equal(rows[1].amount_fen, 120050);
	assert_string_equal(rows[1].reason, "余额不足");
	assert_int_equal(rows[1].line, 4);
	/* Lines 5 to 8, each with where and why. */
	assert_int_equal(json_array_size(errors), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "column")),
			 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
			    "account_number");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 2), "field")),
			    "bank_ref");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 3), "line")), 8);
	free(rows);
	/* Not UTF-8 under a UTF-8 layout; an empty file. */
	l.encoding = WH_ENC_UTF8;
	assert_int_equal(wh_result_parse(&l, "\xff\xfe\x00", 3, &rows, &n, errors, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "file_encoding");
	assert_int_equal(wh_result_parse(&l, "a,b\r\n", 5, &rows, &n, errors, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "file_empty");
	json_decref(errors);
	json_decref(j);
}

/* A household with a withholding account at bank and a charge due this
 * month. */
static void
withholder(struct ctx *c, int64_t hh, const char *holder, const char *number, const char *bank,
	   int64_t fen, int64_t source)
{
	struct payer_in in = { holder, "银行", bank, number, 1, "2026-01-02", 0, 1 };
	struct charge_in ch = { 0 };
	char due[DATE_FMT_LEN], period[PERIOD_FMT_LEN];
	struct anju_err e;
	int64_t id = 0;
	bool created;

	ok(c->db, payer_account_add(c->db, &fin, hh, &in, &who, &id, &e));
	date_format(period_first_day(period_of(date_today_shanghai())), due);
	period_format(period_of(date_today_shanghai()), period);
	ch.household_id = hh;
	ch.kind = CHARGE_RENT;
	ch.amount_fen = fen;
	ch.due_on = due;
	ch.period = period;
	ch.source_type = "test";
	ch.source_id = source;
	ok(c->db, charge_raise(c->db, &ch, &who, &id, &created, &e));
}

static void
this_period(char out[PERIOD_FMT_LEN])
{
	period_format(period_of(date_today_shanghai()), out);
}

static void
print_failure(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	print_error("ledger check: %s\n", f->text);
}

static void
assert_ledger_sound(struct db *db)
{
	struct ledger_check_stats stats;
	struct anju_err e;

	ok(db, ledger_check(db, print_failure, NULL, &stats, NULL, NULL, &e));
	assert_int_equal(stats.failures, 0);
}

static void
test_export_utf8_and_gb18030(void **state)
{
	struct ctx *c = *state;
	char period[PERIOD_FMT_LEN], *name = NULL, want[256];
	struct anju_err e;
	struct buf f, u;
	int64_t b1 = 0, b2 = 0, again = 0;
	bool created;

	this_period(period);
	ok(c->db, db_begin(c->db));
	put_bank(c->db, "icbc", "工商银行", EXPORT_UTF8, RESULT_UTF8);
	put_bank(c->db, "ccb", "建设银行", EXPORT_GB, RESULT_GB);
	withholder(c, c->hh, "王伟", "6222 0212 3456 7890", "icbc", 30000, 1);
	withholder(c, c->hh2, "李芳", "6217000011112222333", "ccb", 120050, 2);
	/* A bank nobody owes anything at; a bad period. */
	assert_int_equal(withholding_export(c->db, &fin, "nobank", period, &who, &b1, &created, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(
		withholding_export(c->db, &fin, "icbc", "2026-13", &who, &b1, &created, &e),
		ANJU_EINVAL);
	assert_int_equal(
		withholding_export(c->db, &fin, "icbc", "2999-01", &who, &b1, &created, &e),
		ANJU_EINVAL);
	ok(c->db, withholding_export(c->db, &fin, "icbc", period, &who, &b1, &created, &e));
	assert_true(created);
	ok(c->db, withholding_export(c->db, &fin, "icbc", period, &who, &again, &created, &e));
	assert_false(created);
	assert_int_equal(again, b1);
	ok(c->db, withholding_export(c->db, &fin, "ccb", period, &who, &b2, &created, &e));
	/* UTF-8, comma, a header: the file as the bank reads it. */
	buf_init(&f, 0);
	ok(c->db, withholding_file(c->db, b1, &f, &name, &e));
	snprintf(want, sizeof(want),
		 "业务编号,账号,户名,金额（元）,用途,期间\r\nWH%lld-1,6222021234567890,王伟,300.00,"
		 "RENT,%s\r\n",
		 (long long)b1, period);
	assert_int_equal(f.n, strlen(want));
	assert_memory_equal(f.p, want, f.n);
	assert_non_null(strstr(name, "icbc_"));
	free(name);
	buf_reset(&f);
	/* GB18030, '|', no header: decoded back it says the same. */
	ok(c->db, withholding_file(c->db, b2, &f, &name, &e));
	free(name);
	assert_null(memmem(f.p, f.n, "李芳", strlen("李芳")));
	assert_non_null(memmem(f.p, f.n, "\xc0\xee\xb7\xbc", 4)); /* 李芳 in GB18030 */
	buf_init(&u, 0);
	{
		struct wh_layout l;
		json_error_t jerr;
		json_t *j = json_loads(
			"{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":false,"
			"\"columns\":[{\"field\":\"seq\"},{\"field\":\"account_number\"},"
			"{\"field\":\"ignore\"},{\"field\":\"amount_fen\"},{\"field\":"
			"\"reference\"},"
			"{\"field\":\"status\"},{\"field\":\"bank_ref\"}],\"success_values\":["
			"\"S\"]}",
			0, &jerr);
		struct wh_result_row *rows = NULL;
		json_t *errors = json_array();
		size_t n = 0;

		/* The exported line read back as a result line (with a status). */
		buf_add(&u, f.p, f.n - 2);
		buf_adds(&u, "|S|X1\r\n");
		ok(NULL, wh_layout_parse(j, true, "result_layout", &l, &e));
		ok(NULL, wh_result_parse(&l, u.p, u.n, &rows, &n, errors, &e));
		assert_int_equal(json_array_size(errors), 0);
		assert_int_equal(n, 1);
		assert_int_equal(rows[0].amount_fen, 120050);
		assert_string_equal(rows[0].account, "6217000011112222333");
		free(rows);
		json_decref(errors);
		json_decref(j);
	}
	buf_free(&u);
	buf_free(&f);
	/* The numbers are sealed in the items too. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM withholding_item WHERE number_sealed LIKE"
				 " '%6222021234567890%'",
				 0),
			 0);
	ok(c->db, db_commit(c->db));
}

static int
import(struct ctx *c, int64_t batch, const char *file, json_t **report, struct anju_err *e)
{
	return withholding_import(c->db, &fin, batch, file, strlen(file), &who, report, e);
}

static void
test_import(void **state)
{
	struct ctx *c = *state;
	char period[PERIOD_FMT_LEN], file[512], bad[512];
	struct anju_err e;
	json_t *report = NULL;
	int64_t b = 0, hh3 = tm_household(c->db, c->community);
	bool created;

	this_period(period);
	ok(c->db, db_begin(c->db));
	put_bank(c->db, "icbc", "工商银行", EXPORT_UTF8, RESULT_UTF8);
	withholder(c, c->hh, "王伟", "6222021234567890", "icbc", 30000, 1);
	withholder(c, c->hh2, "李芳", "6217000011112222333", "icbc", 120050, 2);
	withholder(c, hh3, "张三", "6217000099998888777", "icbc", 50000, 3);
	ok(c->db, withholding_export(c->db, &fin, "icbc", period, &who, &b, &created, &e));
	ok(c->db, db_commit(c->db));
	/* A malformed file: every bad row listed, nothing written. */
	snprintf(bad, sizeof(bad),
		 "h\r\nWH%lld-1,6222021234567890,300.00,成功,,B1\r\n"
		 "WH%lld-2,6217000011112222333,1200.49,成功,,B2\r\n"
		 "WH999-1,6217000011112222333,1.00,成功,,B3\r\n"
		 "WH%lld-3,6222021234567890,500.00,失败,账户冻结,\r\n"
		 "WH%lld-1,6222021234567890,300.00,成功,,B1\r\n",
		 (long long)b, (long long)b, (long long)b, (long long)b);
	ok(c->db, db_begin(c->db));
	assert_int_equal(import(c, b, bad, &report, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "result_rows_invalid");
	db_rollback(c->db);
	{
		json_t *errs = json_object_get(report, "errors");
		const char *fieldsx[] = { "amount", "reference", "account_number", "reference" };

		assert_int_equal(json_array_size(errs), 4);
		for (size_t i = 0; i < 4; i++)
			assert_string_equal(json_string_value(json_object_get(
						    json_array_get(errs, i), "field")),
					    fieldsx[i]);
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(errs, 0), "line")), 3);
	}
	ok(c->db, db_begin(c->db));
	ok(c->db,
	   withholding_reject(c->db, b, bad, strlen(bad), report, &who, &b, &e) == 0 ? 0 : -1);
	ok(c->db, db_commit(c->db));
	json_decref(report);
	b = tm_qint(c->db, "SELECT MAX(id) FROM withholding_batch", 0);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM withholding_item"
				 " WHERE state <> 'pending'",
				 0),
			 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM withholding_result"
				 " WHERE state = 'rejected'",
				 0),
			 1);
	/* A good file: one success, one failure; the third line stays pending. */
	snprintf(file, sizeof(file),
		 "h\r\nWH%lld-1,6222021234567890,300.00,成功,,B1\r\n"
		 "WH%lld-2,6217000011112222333,1200.50,失败,余额不足,\r\n",
		 (long long)b, (long long)b);
	for (int round = 0; round < 2; round++) {
		ok(c->db, db_begin(c->db));
		ok(c->db, import(c, b, file, &report, &e));
		ok(c->db, db_commit(c->db));
		assert_string_equal(json_string_value(json_object_get(report, "state")), "applied");
		assert_int_equal(json_integer_value(json_object_get(report, "succeeded")),
				 round == 0 ? 1 : 0);
		assert_int_equal(json_integer_value(json_object_get(report, "failed")),
				 round == 0 ? 1 : 0);
		assert_int_equal(json_integer_value(json_object_get(report, "unchanged")),
				 round == 0 ? 0 : 2);
		json_decref(report);
	}
	/* One payment, with its electronic receipt, settling the charge. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM payment WHERE channel = 'withholding'"
				 " AND channel_ref = 'B1'",
				 0),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM receipt r JOIN receipt_book b"
				 " ON b.id = r.book_id WHERE b.kind = 'electronic'",
				 0),
			 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM charge WHERE household_id = ?"
				 " AND state = 'paid'",
				 c->hh),
			 1);
	/* The failure is a dunning note with the bank's reason. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_action WHERE household_id = ?"
				 " AND channel = 'withholding' AND result = '余额不足'",
				 c->hh2),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM dunning_action", 0), 1);
	/* A contradicting file for settled rows is refused. */
	snprintf(file, sizeof(file), "h\r\nWH%lld-1,6222021234567890,300.00,成功,,B9\r\n",
		 (long long)b);
	ok(c->db, db_begin(c->db));
	assert_int_equal(import(c, b, file, &report, &e), ANJU_EUNPROCESSABLE);
	db_rollback(c->db);
	json_decref(report);
	/* The last line settles the batch. */
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'open' THEN 1 ELSE 0 END FROM "
				 "withholding_batch WHERE id = ?",
				 b),
			 1);
	snprintf(file, sizeof(file), "h\r\nWH%lld-3,6217000099998888777,500.00,0000,,B3\r\n",
		 (long long)b);
	ok(c->db, db_begin(c->db));
	ok(c->db, import(c, b, file, &report, &e));
	ok(c->db, db_commit(c->db));
	json_decref(report);
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'done' THEN 1 ELSE 0 END FROM "
				 "withholding_batch WHERE id = ?",
				 b),
			 1);
	assert_int_equal(
		tm_qint(c->db, "SELECT succeeded_fen FROM withholding_batch WHERE id = ?", b),
		80000);
	ok(c->db, db_begin(c->db));
	assert_int_equal(withholding_cancel(c->db, b, &who, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_ledger_sound(c->db);
}

/* A result file of more than WH_INLINE_ROWS rows is applied by the job
 * "withholding_import" in chunks; the same file again changes nothing. */
static void
test_import_job(void **state)
{
	struct ctx *c = *state;
	enum { N = WH_INLINE_ROWS + 20 };
	char period[PERIOD_FMT_LEN], number[24];
	struct anju_err e;
	struct buf file;
	json_t *report = NULL;
	int64_t b = 0, job = 0, got = 0;
	bool created;

	this_period(period);
	ok(c->db, db_begin(c->db));
	put_bank(c->db, "icbc", "工商银行", EXPORT_UTF8, RESULT_UTF8);
	for (int i = 0; i < N; i++) {
		snprintf(number, sizeof(number), "62220212%08d", i);
		withholder(c, i == 0 ? c->hh : tm_household(c->db, c->community), "户主", number,
			   "icbc", 1000 + i, 100 + i);
	}
	ok(c->db, withholding_export(c->db, &fin, "icbc", period, &who, &b, &created, &e));
	ok(c->db, db_commit(c->db));
	buf_init(&file, 0);
	buf_adds(&file, "h\r\n");
	for (int i = 0; i < N; i++) {
		char money[32];

		snprintf(money, sizeof(money), "%d.%02d", (1000 + i) / 100, (1000 + i) % 100);
		if (i % 10 == 9)
			buf_printf(&file, "WH%lld-%d,62220212%08d,%s,失败,余额不足,\r\n",
				   (long long)b, i + 1, i, money);
		else
			buf_printf(&file, "WH%lld-%d,62220212%08d,%s,成功,,BK%d\r\n", (long long)b,
				   i + 1, i, money, i);
	}
	for (int round = 0; round < 2; round++) {
		ok(c->db, db_begin(c->db));
		ok(c->db, withholding_import(c->db, &fin, b, file.p, file.n, &who, &report, &e));
		ok(c->db, db_commit(c->db));
		assert_string_equal(json_string_value(json_object_get(report, "state")),
				    "applying");
		job = json_integer_value(json_object_get(report, "job_id"));
		assert_true(job > 0);
		json_decref(report);
		assert_int_equal(job_claim(c->db, "w1", job, &got, &e), 1);
		ok(c->db, job_run(c->db, job, "w1", NULL, NULL, NULL, &e));
		assert_int_equal(tm_qint(c->db,
					 "SELECT CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END"
					 " FROM job WHERE id = ?",
					 job),
				 1);
		ok(c->db, withholding_result_get(c->db,
						 tm_qint(c->db,
							 "SELECT MAX(id) FROM"
							 " withholding_result",
							 0),
						 &report, &e));
		assert_string_equal(json_string_value(json_object_get(report, "state")), "applied");
		assert_int_equal(json_integer_value(json_object_get(report, "succeeded")),
				 round == 0 ? N - N / 10 : 0);
		assert_int_equal(json_integer_value(json_object_get(report, "unchanged")),
				 round == 0 ? 0 : N);
		json_decref(report);
	}
	buf_free(&file);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), N - N / 10);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM dunning_action", 0), N / 10);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM withholding_result WHERE data IS NOT NULL", 0),
		0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT CASE WHEN state = 'done' THEN 1 ELSE 0 END FROM"
				 " withholding_batch WHERE id = ?",
				 b),
			 1);
	assert_ledger_sound(c->db);
}

/* ---- callbacks ---- */

static int
callback(struct ctx *c, const char *secret, int64_t ts_offset, const char *body, bool bad_sig,
	 int *status, json_t **answer, struct anju_err *e)
{
	char ts[24], sig[65];
	struct callback_in in = { "wxpay", ts, sig, body, strlen(body), "127.0.0.1", "r1" };

	snprintf(ts, sizeof(ts), "%lld", (long long)(time_now_us() / 1000000 + ts_offset));
	callback_sign(secret, ts, body, strlen(body), sig);
	if (bad_sig)
		sig[0] = sig[0] == 'a' ? 'b' : 'a';
	return callback_handle(c->db, &in, status, answer, e);
}

static void
test_callbacks(void **state)
{
	struct ctx *c = *state;
	char *secret = NULL, body[256];
	struct anju_err e;
	json_t *order = NULL, *answer = NULL, *first = NULL;
	int64_t id = 0;
	int status;
	bool created;
	struct charge_in ch = { c->hh, CHARGE_RENT, 52300, "2026-01-05", "2026-01", "test", 7 };

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &ch, &who, &id, &created, &e));
	ok(c->db, payment_channel_create(c->db, "wxpay", "微信支付", 0, &who, &secret, &e));
	assert_int_equal(strlen(secret), 64);
	assert_int_equal(online_order_create(c->db, &fin, c->hh, 99999999, &who, &order, &e),
			 ANJU_EUNPROCESSABLE);
	assert_int_equal(online_order_create(c->db, &fin, c->hh2, 0, &who, &order, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "nothing_owed");
	ok(c->db, online_order_create(c->db, &fin, c->hh, 0, &who, &order, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(json_integer_value(json_object_get(order, "amount_fen")), 52300);
	/* The secret is sealed, never stored in clear. */
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM payment_channel WHERE secret_sealed LIKE 'v1.%'", 0),
		1);
	snprintf(body, sizeof(body),
		 "{\"transaction_id\":\"T100\",\"order_number\":\"%s\",\"amount_fen\":52300}",
		 json_string_value(json_object_get(order, "number")));
	/* Bad signature, stale and future timestamps, another channel: 4xx, no rows. */
	assert_int_equal(callback(c, secret, 0, body, true, &status, &answer, &e), ANJU_EUNAUTH);
	assert_string_equal(e.key, "signature_invalid");
	assert_int_equal(callback(c, secret, -301, body, false, &status, &answer, &e),
			 ANJU_EUNAUTH);
	assert_string_equal(e.key, "timestamp_stale");
	assert_int_equal(callback(c, secret, 301, body, false, &status, &answer, &e), ANJU_EUNAUTH);
	assert_int_equal(callback(c, "00", 0, body, false, &status, &answer, &e), ANJU_EUNAUTH);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 0);
	/* Good: a payment with its receipt; again: the same answer, no second payment. */
	ok(c->db, callback(c, secret, 0, body, false, &status, &first, &e));
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(first, "result")), "accepted");
	assert_non_null(json_string_value(json_object_get(first, "receipt_number")));
	ok(c->db, callback(c, secret, 0, body, false, &status, &answer, &e));
	assert_true(json_equal(first, answer));
	json_decref(answer);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM payment WHERE channel = 'online'"
				 " AND channel_ref = 'wxpay:T100'",
				 0),
			 1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 1);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM online_order WHERE state = 'paid'", 0), 1);
	/* The same transaction with another amount: 409; the paid order again: 409. */
	snprintf(body, sizeof(body),
		 "{\"transaction_id\":\"T100\",\"order_number\":\"%s\",\"amount_fen\":100}",
		 json_string_value(json_object_get(order, "number")));
	assert_int_equal(callback(c, secret, 0, body, false, &status, &answer, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "transaction_conflict");
	snprintf(body, sizeof(body),
		 "{\"transaction_id\":\"T101\",\"order_number\":\"%s\",\"amount_fen\":52300}",
		 json_string_value(json_object_get(order, "number")));
	assert_int_equal(callback(c, secret, 0, body, false, &status, &answer, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "order_not_open");
	/* Wrong amount and unknown order on a fresh order. */
	json_decref(order);
	ok(c->db, db_begin(c->db));
	ch.period = "2026-02";
	ch.due_on = "2026-02-05";
	ok(c->db, charge_raise(c->db, &ch, &who, &id, &created, &e));
	ok(c->db, online_order_create(c->db, &fin, c->hh, 100, &who, &order, &e));
	ok(c->db, db_commit(c->db));
	snprintf(body, sizeof(body),
		 "{\"transaction_id\":\"T102\",\"order_number\":\"%s\",\"amount_fen\":101}",
		 json_string_value(json_object_get(order, "number")));
	assert_int_equal(callback(c, secret, 0, body, false, &status, &answer, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "amount_mismatch");
	snprintf(body, sizeof(body),
		 "{\"transaction_id\":\"T103\",\"order_number\":\"OL0000\",\"amount_fen\":100}");
	assert_int_equal(callback(c, secret, 0, body, false, &status, &answer, &e), ANJU_ENOTFOUND);
	assert_int_equal(callback(c, secret, 0, "{\"x\":1}", false, &status, &answer, &e),
			 ANJU_EINVAL);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment", 0), 1);
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment_callback", 0), 1);
	/* Every attempt logged, none with the secret. */
	assert_int_equal(tm_qint(c->db, "SELECT COUNT(*) FROM payment_callback_attempt", 0), 11);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM payment_callback_attempt"
				 " WHERE outcome = 'replayed'",
				 0),
			 1);
	/* A rotated secret: the old one no longer signs. */
	{
		char *fresh = NULL;

		ok(c->db, db_begin(c->db));
		ok(c->db, payment_channel_rotate(c->db, "wxpay", &who, &fresh, &e));
		ok(c->db, db_commit(c->db));
		snprintf(body, sizeof(body),
			 "{\"transaction_id\":\"T104\",\"order_number\":\"%s\",\"amount_fen\":100}",
			 json_string_value(json_object_get(order, "number")));
		assert_int_equal(callback(c, secret, 0, body, false, &status, &answer, &e),
				 ANJU_EUNAUTH);
		ok(c->db, callback(c, fresh, 0, body, false, &status, &answer, &e));
		json_decref(answer);
		free(fresh);
	}
	json_decref(first);
	json_decref(order);
	free(secret);
	assert_ledger_sound(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_digits_and_mask),
		cmocka_unit_test_setup_teardown(test_learn_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_result_parse),
		cmocka_unit_test_setup_teardown(test_export_utf8_and_gb18030, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
