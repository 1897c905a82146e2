/*
 * Unit tests of reconciliation (rent part D) on a real database (both
 * engines): statement lines' identity (two identical lines stay two, a
 * re-import adds nothing, an overlapping export only its new lines),
 * GB18030 files, malformed rows publishing nothing, every matching tier,
 * never across households, suspense and its reversal on confirm, undo,
 * owner statements, remittances and payments out, the daily balance
 * comparison; and the ledger check passing after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "jobs/job.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "rent/rent.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t owner, nanyuan, xiaoqiao, building_n, building_x;
	int64_t plain_account, serial_account; /* bank accounts of the two formats */
	char today[DATE_FMT_LEN], d2[DATE_FMT_LEN], d5[DATE_FMT_LEN], d40[DATE_FMT_LEN];
	char period[PERIOD_FMT_LEN];
};

static const struct audit_actor who = { "account:1", "finance", "finance", "::1", NULL };
static struct caller fin = { CALLER_ACCOUNT, 0, ROLE_FINANCE, "fin", "account:1", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("reconcile", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int64_t
id_of(struct db *db, const char *sql, const char *text, int64_t a, int64_t b)
{
	struct db_stmt *st;
	int64_t id;
	int i = 1;

	ok(db, db_prepare(db, sql, &st));
	if (text != NULL)
		db_bind_cstr(st, i++, text);
	if (strstr(sql, "?") != NULL && a != 0)
		db_bind_int64(st, i++, a);
	if (b != 0)
		db_bind_int64(st, i++, b);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static void
setup_formats(struct ctx *c)
{
	struct anju_err e;
	int64_t f1 = 0, f2 = 0;
	json_t *in;

	ok(c->db, db_begin(c->db));
	/* 交易日期,贷方,借方,对方账号,对方户名,摘要,余额 */
	in = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "bank_code",
		       "plain", "bank_name", "测试银行", "encoding", "auto", "skip_rows", 1,
		       "date_format", "YYYY-MM-DD", "col_date", 1, "col_credit", 2, "col_debit", 3,
		       "col_counterparty_account", 4, "col_counterparty_name", 5, "col_remark", 6,
		       "col_balance", 7);
	ok(c->db, bank_format_save(c->db, 0, in, &who, &f1, &e));
	json_decref(in);
	/* 流水号,日期(YYYYMMDD),金额,对方账号,摘要 */
	in = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:i}", "bank_code", "serial",
		       "bank_name", "流水银行", "encoding", "utf8", "skip_rows", 1, "date_format",
		       "YYYYMMDD", "col_serial", 1, "col_date", 2, "col_amount", 3,
		       "col_counterparty_account", 4, "col_remark", 5);
	ok(c->db, bank_format_save(c->db, 0, in, &who, &f2, &e));
	json_decref(in);
	in = json_pack("{s:s, s:s, s:I}", "name", "保障房租金专户", "account_no",
		       "6222000011112222", "format_id", (json_int_t)f1);
	ok(c->db, bank_account_save(c->db, 0, in, &who, &c->plain_account, &e));
	json_decref(in);
	in = json_pack("{s:s, s:s, s:I}", "name", "专户二", "account_no", "6222000033334444",
		       "format_id", (json_int_t)f2);
	ok(c->db, bank_account_save(c->db, 0, in, &who, &c->serial_account, &e));
	json_decref(in);
	ok(c->db, db_commit(c->db));
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct date today = date_today_shanghai();
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	date_format(today, c->today);
	date_format(date_add_days(today, -2), c->d2);
	date_format(date_add_days(today, -5), c->d5);
	date_format(date_add_days(today, -40), c->d40);
	period_format(period_of(date_add_days(today, -5)), c->period);
	fin.id = tm_account(c->db, "fin1", "财务", "finance", "active");
	c->owner = id_of(c->db,
			 "INSERT INTO owner (name, credit_code, created_at) VALUES"
			 " ('城投集团', '91310115591693856A', " TM_TIME ") RETURNING id",
			 NULL, 0, 0);
	c->nanyuan = tm_community(c->db, "南苑公租房");
	c->xiaoqiao = tm_community(c->db, "肖桥公租房");
	run_int(c->db, "UPDATE community SET owner_id = ?", c->owner);
	c->building_n = id_of(c->db,
			      "INSERT INTO building (community_id, name, floors, entrances,"
			      " created_at) VALUES (?, '3', 18, 2, " TM_TIME ") RETURNING id",
			      NULL, c->nanyuan, 0);
	c->building_x = id_of(c->db,
			      "INSERT INTO building (community_id, name, floors, entrances,"
			      " created_at) VALUES (?, '3', 18, 2, " TM_TIME ") RETURNING id",
			      NULL, c->xiaoqiao, 0);
	setup_formats(c);
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

/* A household living in unit number of community (its head named head),
 * with an open lease chain; *chain set. */
static int64_t
household(struct ctx *c, int64_t community, const char *number, const char *head, int64_t *chain)
{
	int64_t building = community == c->nanyuan ? c->building_n : c->building_x;
	int64_t hh = tm_household(c->db, community), unit, person;
	struct db_stmt *st;

	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		      " floor_area, usable_area, status, status_since, created_at, updated_at)"
		      " VALUES (?, ?, 2, 15, ?, 6000, 5000, 'occupied', " TM_TIME ", " TM_TIME
		      ", " TM_TIME ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, building);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	unit = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO person (name, name_key, created_at) VALUES (?, ?, " TM_TIME
		      ") RETURNING id",
		      &st));
	db_bind_cstr(st, 1, head);
	db_bind_cstr(st, 2, head);
	assert_int_equal(db_step(st), DB_ROW);
	person = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO member (household_id, person_id, relationship, joined_at)"
			     " VALUES (?, ?, 'head', " TM_TIME ")",
			     &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, person);
	assert_int_equal(step_to_end(st), DB_DONE);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		      " started_on, created_at) VALUES (?, ?, ?, 'open', '2025-01-01', " TM_TIME
		      ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, unit);
	db_bind_int64(st, 3, community);
	assert_int_equal(db_step(st), DB_ROW);
	*chain = db_col_int64(st, 0);
	db_reset(st);
	return hh;
}

/* A rent charge of the chain for period (due on due). */
static int64_t
rent(struct ctx *c, int64_t hh, int64_t chain, int64_t fen, const char *due, const char *period)
{
	struct charge_in in = { hh, CHARGE_RENT, fen, due, period, "lease_chain", chain, NULL };
	struct anju_err e;
	int64_t id = 0;
	bool created;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

static void
learn(struct ctx *c, int64_t hh, const char *number)
{
	struct anju_err e;

	ok(c->db, db_begin(c->db));
	ok(c->db, payer_account_learn(c->db, hh, number, "工商银行", "counter", &who, &e));
	ok(c->db, db_commit(c->db));
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

/* Imports text into account through the job; the statement's JSON. */
static json_t *
import_bytes(struct ctx *c, int64_t account, const char *data, size_t n, const char *enc)
{
	struct anju_err e;
	int64_t id = 0, job = 0, got = 0;
	json_t *s = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db, statement_import_create(c->db, &fin, &who, account, "statement.csv", enc, data, n,
					  &id, &job, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "w1", job, &got, &e), 1);
	ok(c->db, job_run(c->db, job, "w1", NULL, NULL, NULL, &e));
	ok(c->db, statement_get(c->db, id, &s, &e));
	return s;
}

static json_t *
import(struct ctx *c, int64_t account, const char *csv)
{
	return import_bytes(c, account, csv, strlen(csv), NULL);
}

static int64_t
jint(json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

static const char *
jstr(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static int64_t
qint(struct ctx *c, const char *sql, int64_t arg)
{
	return tm_qint(c->db, sql, arg);
}

/* The one text value sql (no parameters) gives, into out. */
static void
qtext(struct ctx *c, const char *sql, char *out, size_t cap)
{
	struct db_stmt *st;

	ok(c->db, db_prepare(c->db, sql, &st));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, cap, "%s", db_col_text(st, 0));
	db_reset(st);
}

/* The balance of a fixed ledger account. */
static int64_t
balance(struct ctx *c, enum ledger_kind k)
{
	struct anju_err e;
	int64_t id, fen;

	ok(c->db, ledger_account(c->db, k, 0, &id, &e));
	ok(c->db, ledger_balance(c->db, id, &fen, &e));
	return fen;
}

static int64_t
owed(struct ctx *c, int64_t hh)
{
	struct anju_err e;
	int64_t fen;

	ok(c->db, money_owed(c->db, hh, &fen, &e));
	return fen;
}

/* The id of the line of statement s at file row. */
static int64_t
line_at(struct ctx *c, json_t *s, int64_t row)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db, "SELECT id FROM bank_line WHERE statement_id = ? AND row_no = ?",
		      &st));
	db_bind_int64(st, 1, jint(s, "id"));
	db_bind_int64(st, 2, row);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static json_t *
line(struct ctx *c, int64_t id)
{
	struct anju_err e;
	json_t *l = NULL;

	ok(c->db, bank_line_get(c->db, id, &l, &e));
	return l;
}

/* The rule of the suggestion of household hh on line l, or NULL. */
static const char *
suggested(json_t *l, int64_t hh)
{
	json_t *s;
	size_t i;

	json_array_foreach (json_object_get(l, "suggestion_list"), i, s)
		if (jint(s, "household_id") == hh)
			return jstr(s, "rule");
	return NULL;
}

#define HEADER "交易日期,贷方金额,借方金额,对方账号,对方户名,摘要,余额\n"

static void
identity(void **state)
{
	struct ctx *c = *state;
	char csv[1024];
	json_t *s;

	/* Two genuine identical payments stay two. */
	snprintf(csv, sizeof(csv),
		 HEADER "%s,100.00,,6217000011110001,路人甲,转账,1100.00\n"
			"%s,100.00,,6217000011110001,路人甲,转账,1200.00\n"
			"%s,,50.00,,,手续费,1150.00\n",
		 c->d5, c->d5, c->d5);
	s = import(c, c->plain_account, csv);
	assert_string_equal(jstr(s, "state"), "done");
	assert_int_equal(jint(s, "lines_new"), 3);
	json_decref(s);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line WHERE amount_fen = 10000", 0), 2);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line WHERE state = 'ignored'", 0), 1);
	/* The same file again adds nothing. */
	s = import(c, c->plain_account, csv);
	assert_string_equal(jstr(s, "state"), "done");
	assert_int_equal(jint(s, "rows"), 3);
	assert_int_equal(jint(s, "lines_new"), 0);
	json_decref(s);
	/* An overlapping export: the same day again, and a new day. */
	snprintf(csv, sizeof(csv),
		 HEADER "%s,100.00,,6217000011110001,路人甲,转账,1100.00\n"
			"%s,100.00,,6217000011110001,路人甲,转账,1200.00\n"
			"%s,,50.00,,,手续费,1150.00\n"
			"%s,100.00,,6217000011110001,路人甲,转账,1250.00\n"
			"%s,100.00,,6217000011110001,路人甲,转账,1350.00\n",
		 c->d5, c->d5, c->d5, c->d2, c->d2);
	s = import(c, c->plain_account, csv);
	assert_int_equal(jint(s, "lines_new"), 2);
	json_decref(s);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line", 0), 5);
	/* Money in is in suspense: 4 × 100.00 unknown. */
	assert_int_equal(balance(c, LEDGER_SUSPENSE), -40000);
	assert_int_equal(balance(c, LEDGER_SPECIAL_RENT), 40000);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line WHERE in_suspense = 1", 0), 4);
	/* The counterparty's number is sealed, indexed and masked. */
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM bank_line WHERE counterparty_masked ="
			      " '6217********0001' AND counterparty_sealed LIKE 'v1.%'"
			      " AND LENGTH(counterparty_index) = 32",
			      0),
			 4);
	/* The identity hashes the index's whole HMAC, as before sql/032 cut
	 * the stored index to 32 digits: a file imported before the cut and
	 * again after keeps its lines' identities. */
	{
		static const char acct[] = "6222000011112222", amount[] = "10000",
				  remark[] = "转账";
		char mac[65], hex[65], want[80], got[112];
		uint8_t digest[SM3_LEN];
		struct buf m;

		pii_index_mac(kr, "bank_account", "6217000011110001", mac);
		buf_init(&m, 0);
		buf_add(&m, acct, sizeof(acct));
		buf_add(&m, c->d5, strlen(c->d5) + 1);
		buf_add(&m, amount, sizeof(amount));
		buf_add(&m, mac, sizeof(mac));
		buf_add(&m, remark, strlen(remark));
		sm3(m.p, m.n, digest);
		buf_free(&m);
		hex_encode(digest, 16, hex);
		snprintf(want, sizeof(want), "h:%.32s:2", hex);
		qtext(c,
		      "SELECT identity FROM bank_line WHERE amount_fen = 10000 AND balance_fen = "
		      "120000",
		      got, sizeof(got));
		assert_string_equal(got, want);
		/* The stored index is the HMAC's start. */
		qtext(c,
		      "SELECT counterparty_index FROM bank_line WHERE amount_fen = 10000 LIMIT 1",
		      got, sizeof(got));
		mac[PII_INDEX_LEN] = '\0';
		assert_string_equal(got, mac);
	}
	assert_ledger_sound(c->db);
}

static void
serial_identity(void **state)
{
	struct ctx *c = *state;
	struct date t = date_today_shanghai();
	char csv[512], day[9];
	json_t *s;

	snprintf(day, sizeof(day), "%04d%02d%02d", t.y, t.m, t.d);
	snprintf(csv, sizeof(csv),
		 "流水号,日期,金额,对方账号,摘要\nA001,%s,20.00,6217000011110009,x\n"
		 "A002,%s,20.00,6217000011110009,x\n",
		 day, day);
	s = import(c, c->serial_account, csv);
	assert_int_equal(jint(s, "lines_new"), 2);
	json_decref(s);
	snprintf(csv, sizeof(csv),
		 "流水号,日期,金额,对方账号,摘要\nA002,%s,20.00,6217000011110009,x\n"
		 "A003,%s,-5.00,,fee\n",
		 day, day);
	s = import(c, c->serial_account, csv);
	assert_int_equal(jint(s, "lines_new"), 1);
	json_decref(s);
	/* A serial twice in one file is an error. */
	snprintf(csv, sizeof(csv),
		 "流水号,日期,金额,对方账号,摘要\nA009,%s,20.00,,x\nA009,%s,20.00,,y\n", day, day);
	s = import(c, c->serial_account, csv);
	assert_string_equal(jstr(s, "state"), "failed");
	assert_int_equal(jint(s, "error_rows"), 1);
	json_decref(s);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line WHERE identity LIKE 's:%'", 0), 3);
	assert_ledger_sound(c->db);
}

static void
gb18030(void **state)
{
	struct ctx *c = *state;
	char csv[512], out[512], *in = csv, *o = out;
	size_t inl, outl = sizeof(out);
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	json_t *s;

	snprintf(csv, sizeof(csv), HEADER "%s,88.00,,6217000011119999,张三丰,南苑房租,88.00\n",
		 c->d2);
	inl = strlen(csv);
	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &inl, &o, &outl) != (size_t)-1);
	iconv_close(cd);
	/* Not valid UTF-8 any more. */
	s = import_bytes(c, c->plain_account, out, sizeof(out) - outl, "utf8");
	assert_string_equal(jstr(s, "state"), "failed");
	json_decref(s);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line", 0), 0);
	s = import_bytes(c, c->plain_account, out, sizeof(out) - outl, NULL);
	assert_string_equal(jstr(s, "state"), "done");
	assert_string_equal(jstr(s, "encoding"), "gb18030");
	json_decref(s);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM bank_line WHERE counterparty_name = '张三丰'"
			      " AND remark = '南苑房租'",
			      0),
			 1);
	assert_ledger_sound(c->db);
}

static void
malformed(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char csv[1024];
	json_t *s, *items = NULL, *x;
	int64_t next;

	snprintf(csv, sizeof(csv),
		 HEADER "%s,100.00,,6217000011110001,甲,ok,\n"
			"2026-13-45,100.00,,,,bad date,\n"
			"%s,abc,,,,bad amount,\n"
			"%s,10.00,5.00,,,both,\n"
			"%s,10.00,,62A7,,bad account,\n"
			"2999-01-01,10.00,,,,future,\n",
		 c->d2, c->d2, c->d2, c->d2);
	s = import(c, c->plain_account, csv);
	assert_string_equal(jstr(s, "state"), "failed");
	assert_int_equal(jint(s, "error_rows"), 5);
	ok(c->db, statement_errors(c->db, jint(s, "id"), 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 5);
	x = json_array_get(items, 0);
	assert_int_equal(jint(x, "row"), 3);
	assert_string_equal(jstr(x, "column"), "交易日期");
	x = json_array_get(items, 1);
	assert_int_equal(jint(x, "row"), 4);
	assert_string_equal(jstr(x, "column"), "贷方金额");
	assert_int_equal(jint(json_array_get(items, 3), "row"), 6);
	assert_string_equal(jstr(json_array_get(items, 3), "column"), "对方账号");
	json_decref(items);
	json_decref(s);
	/* Nothing of it was published, not even its good first line. */
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM bank_line", 0), 0);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), 0);
	assert_ledger_sound(c->db);
}

/* Tier 1: a known payer account; a payment reference; the community and
 * unit in the remark.  Each with the amount open. */
static void
exact(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, ch2, ch3, h1, h2, h3, withheld = 0, before;
	struct payment_in wh = { 0 };
	struct anju_err e;
	char csv[1024];
	json_t *s, *out = NULL, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	h2 = household(c, c->nanyuan, "3-2-1502", "王二", &ch2);
	h3 = household(c, c->xiaoqiao, "3-1-0303", "赵三", &ch3);
	rent(c, h1, ch1, 52300, c->d5, c->period);
	rent(c, h2, ch2, 41000, c->d5, c->period);
	rent(c, h3, ch3, 30000, c->d5, c->period);
	learn(c, h1, "6217 0000 2222 0001");
	/* h3 paid by withholding; the bank's line carries its reference. */
	wh.household_id = h3;
	wh.amount_fen = 30000;
	wh.channel = CHANNEL_WITHHOLDING;
	wh.channel_ref = "WH2026110100042";
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &fin, &wh, &who, &withheld, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	before = qint(c, "SELECT COUNT(*) FROM payment", 0);
	snprintf(csv, sizeof(csv),
		 HEADER "%s,523.00,,6217000022220001,李一,房租,\n"
			"%s,300.00,,,,批量代扣 WH2026110100042,\n"
			"%s,410.00,,6217000099990002,王某,南苑3-2-1502房租,\n",
		 c->d2, c->d2, c->d2);
	s = import(c, c->plain_account, csv);
	assert_string_equal(jstr(s, "state"), "done");
	assert_int_equal(jint(s, "matched"), 3);
	assert_int_equal(jint(s, "suspense_fen"), 0);
	l = line(c, line_at(c, s, 2));
	assert_string_equal(jstr(l, "state"), "matched");
	assert_string_equal(jstr(l, "tier"), "exact_payer_account");
	assert_int_equal(jint(l, "household_id"), h1);
	json_decref(l);
	l = line(c, line_at(c, s, 3));
	assert_string_equal(jstr(l, "tier"), "exact_reference");
	assert_int_equal(jint(l, "payment_id"), withheld);
	assert_true(json_is_true(json_object_get(l, "linked")));
	json_decref(l);
	l = line(c, line_at(c, s, 4));
	assert_string_equal(jstr(l, "tier"), "exact_unit");
	assert_int_equal(jint(l, "household_id"), h2);
	json_decref(l);
	json_decref(s);
	/* Two new payments (the withholding one was linked, not taken twice),
	 * each "bank:<identity>", and nothing owed any more. */
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM payment", 0), before + 2);
	assert_int_equal(
		qint(c,
		     "SELECT COUNT(*) FROM payment p JOIN bank_line l ON l.payment_id = p.id"
		     " WHERE p.channel = 'bank_transfer'"
		     " AND p.channel_ref = 'bank:' || l.identity",
		     0),
		2);
	assert_int_equal(owed(c, h1), 0);
	assert_int_equal(owed(c, h2), 0);
	assert_int_equal(owed(c, h3), 0);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), 0);
	assert_ledger_sound(c->db);
}

/* Tiers 2, 3 and 4: suggestions only, each with its rule. */
static void
suggestions(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, ch2, ch3, ch4, ch5, h1, h2, h3, h4, h5, l2, l3;
	char csv[1024];
	json_t *s, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	h2 = household(c, c->nanyuan, "3-2-1502", "王二", &ch2);
	h3 = household(c, c->xiaoqiao, "3-1-0303", "赵三", &ch3);
	h4 = household(c, c->xiaoqiao, "3-1-0404", "钱四", &ch4);
	h5 = household(c, c->xiaoqiao, "3-1-0505", "孙五", &ch5);
	rent(c, h1, ch1, 52300, c->d5, c->period);
	rent(c, h2, ch2, 41000, c->d5, c->period);
	rent(c, h3, ch3, 30000, c->d5, c->period);
	rent(c, h4, ch4, 77700, c->d5, c->period);
	/* h5 owes two months of 333.00. */
	rent(c, h5, ch5, 33300, c->d40, "2000-01");
	rent(c, h5, ch5, 33300, c->d5, c->period);
	learn(c, h1, "6217000022220001");
	snprintf(csv, sizeof(csv),
		 HEADER "%s,500.00,,6217000022220001,李一,房租,\n" /* payer known, amount not */
			"%s,410.00,,,,3-2-1502,\n"                 /* unit without community */
			"%s,12.34,,,赵三,房租,\n"                  /* the head's name */
			"%s,777.50,,,,转账,\n"                     /* within 1.00 of h4's */
			"%s,333.00,,,,转账,\n",                    /* one of h5's months */
		 c->d2, c->d2, c->d2, c->d2, c->d2);
	s = import(c, c->plain_account, csv);
	assert_string_equal(jstr(s, "state"), "done");
	assert_int_equal(jint(s, "matched"), 0);
	l = line(c, line_at(c, s, 2));
	assert_string_equal(jstr(l, "state"), "suggested");
	assert_string_equal(suggested(l, h1), "payer_account");
	json_decref(l);
	l2 = line_at(c, s, 3);
	l = line(c, l2);
	assert_string_equal(suggested(l, h2), "unit");
	assert_null(suggested(l, h1));
	json_decref(l);
	l3 = line_at(c, s, 4);
	l = line(c, l3);
	assert_string_equal(suggested(l, h3), "head_name");
	json_decref(l);
	l = line(c, line_at(c, s, 5));
	assert_string_equal(suggested(l, h4), "tolerance");
	json_decref(l);
	l = line(c, line_at(c, s, 6));
	assert_string_equal(suggested(l, h5), "one_period");
	json_decref(l);
	/* Every one of them waits in suspense. */
	assert_int_equal(jint(s, "suspense_fen"), 50000 + 41000 + 1234 + 77750 + 33300);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), -(50000 + 41000 + 1234 + 77750 + 33300));
	json_decref(s);
	assert_ledger_sound(c->db);
}

/* A line that points at two households exactly is left to a person; and a
 * confirmed line pays only its own household's charges. */
static void
never_across(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, ch2, h1, h2, id, c1, c2;
	struct anju_err e;
	char csv[1024];
	json_t *s, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	h2 = household(c, c->nanyuan, "3-2-1502", "王二", &ch2);
	c1 = rent(c, h1, ch1, 41000, c->d5, c->period);
	c2 = rent(c, h2, ch2, 41000, c->d5, c->period);
	learn(c, h1, "6217000022220001");
	/* h1's account, h2's unit with its community: both exact. */
	snprintf(csv, sizeof(csv), HEADER "%s,410.00,,6217000022220001,李一,南苑3-2-1502,\n",
		 c->d2);
	s = import(c, c->plain_account, csv);
	assert_int_equal(jint(s, "matched"), 0);
	id = line_at(c, s, 2);
	json_decref(s);
	l = line(c, id);
	assert_string_equal(jstr(l, "state"), "suggested");
	assert_string_equal(suggested(l, h1), "payer_account");
	assert_string_equal(suggested(l, h2), "unit");
	json_decref(l);
	/* A person chooses h2: only h2's charge is paid. */
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_line_confirm(c->db, &fin, id, h2, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(qint(c, "SELECT paid_fen FROM charge WHERE id = ?", c2), 41000);
	assert_int_equal(qint(c, "SELECT paid_fen FROM charge WHERE id = ?", c1), 0);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM allocation WHERE charge_id = ?", c1), 0);
	/* A second confirmation is refused, naming the state. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(bank_line_confirm(c->db, &fin, id, h1, &who, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_string_equal(e.key, "bank_line_state");
	assert_non_null(strstr(e.msg, "已匹配"));
	assert_ledger_sound(c->db);
}

/* Suspense: posted when a line is left unmatched, reversed when it is
 * confirmed (with the payment, in one transaction), back on undo. */
static void
suspense_confirm_undo(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, h1, id, pid, hh = 0;
	struct anju_err e;
	char csv[1024];
	json_t *s, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	rent(c, h1, ch1, 52300, c->d5, c->period);
	snprintf(csv, sizeof(csv), HEADER "%s,523.00,,6217000055550005,李某,房租,\n", c->d2);
	s = import(c, c->plain_account, csv);
	id = line_at(c, s, 2);
	json_decref(s);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), -52300);
	assert_int_equal(balance(c, LEDGER_SPECIAL_RENT), 52300);
	assert_int_equal(payer_account_household(c->db, "6217000055550005", &hh, &e),
			 ANJU_ENOTFOUND);
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_line_confirm(c->db, &fin, id, h1, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(balance(c, LEDGER_SUSPENSE), 0);
	assert_int_equal(balance(c, LEDGER_SPECIAL_RENT), 52300);
	assert_int_equal(owed(c, h1), 0);
	l = line(c, id);
	assert_string_equal(jstr(l, "state"), "matched");
	assert_string_equal(jstr(l, "tier"), "confirmed");
	pid = jint(l, "payment_id");
	json_decref(l);
	/* The payer's account is learnt ... */
	ok(c->db, payer_account_household(c->db, "6217000055550005", &hh, &e));
	assert_int_equal(hh, h1);
	/* ... and the confirmation audited. */
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM audit_log WHERE action = 'bank_line.confirm'", 0), 1);
	/* Undo: the payment reversed, the line back in suspense. */
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_line_undo(c->db, id, "认错了户", &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM payment WHERE id = ? AND state = 'reversed'", pid),
		1);
	assert_int_equal(owed(c, h1), 52300);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), -52300);
	assert_int_equal(balance(c, LEDGER_SPECIAL_RENT), 52300);
	l = line(c, id);
	assert_string_equal(jstr(l, "state"), "unmatched");
	assert_true(json_is_true(json_object_get(l, "in_suspense")));
	json_decref(l);
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM audit_log WHERE action = 'bank_line.undo'", 0), 1);
	/* What the wrong match taught is forgotten: the sender is nobody's
	 * again, so the next matching does not take it for the household. */
	assert_int_equal(payer_account_household(c->db, "6217000055550005", &hh, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM audit_log WHERE action = 'payer_account.forget'", 0),
		1);
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM bank_line WHERE payer_household_id IS NOT NULL", 0),
		0);
	/* Undoing again is refused; confirming again takes a new payment. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(bank_line_undo(c->db, id, "再撤", &who, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_line_confirm(c->db, &fin, id, h1, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(owed(c, h1), 0);
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM payment WHERE channel_ref LIKE 'bank:%/1'", 0), 1);
	ok(c->db, payer_account_household(c->db, "6217000055550005", &hh, &e));
	assert_int_equal(hh, h1);
	assert_ledger_sound(c->db);
}

/* A rematch after a payer account becomes known matches exactly. */
static void
rematch(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, h1, id, found = 0;
	struct match_stats ms;
	struct anju_err e;
	char csv[512];
	int done = 0;
	json_t *s, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	rent(c, h1, ch1, 52300, c->d5, c->period);
	(void)id;
	snprintf(csv, sizeof(csv), HEADER "%s,523.00,,6217000077770007,某人,房租,\n", c->d2);
	s = import(c, c->plain_account, csv);
	id = line_at(c, s, 2);
	json_decref(s);
	learn(c, h1, "6217000077770007");
	/* The line held no household at import; the account is known now. */
	ok(c->db, db_begin(c->db));
	ok(c->db, match_refresh_payers(c->db, &found, &e));
	assert_int_equal(found, 1);
	ok(c->db, match_run(c->db, 0, &ms, &e));
	assert_int_equal(ms.exact, 1);
	ok(c->db, match_post(c->db, 0, 100, &who, &done, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(done, 1);
	l = line(c, id);
	assert_string_equal(jstr(l, "state"), "matched");
	assert_false(json_is_true(json_object_get(l, "in_suspense")));
	json_decref(l);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), 0);
	assert_int_equal(owed(c, h1), 0);
	assert_ledger_sound(c->db);
}

/* The owner's statement, remittances and payments out. */
static void
owner(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, ch2, h1, h2, id = 0, pid = 0, sid = 0;
	struct payment_in cash = { 0 };
	struct remittance_in rin = { 0 };
	struct disbursement_in din = { 0 };
	struct anju_err e;
	char csv[512], yesterday[DATE_FMT_LEN];
	json_t *out = NULL, *st, *inc, *t;
	struct buf x;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	h2 = household(c, c->xiaoqiao, "3-1-0202", "王二", &ch2);
	rent(c, h1, ch1, 50000, c->d5, c->period);
	rent(c, h2, ch2, 30000, c->d5, c->period);
	/* h1 pays cash in full, h2 by bank 100.00. */
	ok(c->db, db_begin(c->db));
	run_int(c->db,
		"INSERT INTO receipt_book (kind, series, first_no, last_no, next_no, received_on,"
		" received_by, clerk_account_id, handed_at, state, created_at) VALUES ('paper',"
		" 'T', 1, 100, 1, '2026-01-01', 'x', ?, " TM_TIME ", 'open', " TM_TIME ")",
		fin.id);
	cash.household_id = h1;
	cash.amount_fen = 50000;
	cash.channel = CHANNEL_CASH;
	ok(c->db, payment_take(c->db, &fin, &cash, &who, &pid, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	out = NULL;
	snprintf(csv, sizeof(csv), HEADER "%s,100.00,,,,南苑3-1-0202,\n", c->d2);
	json_decref(import(c, c->plain_account, csv));
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_line_confirm(c->db, &fin, qint(c, "SELECT MAX(id) FROM bank_line", 0), h2,
				    &who, &e));
	ok(c->db, db_commit(c->db));
	/* Remitting more cash than there is is refused. */
	date_format(date_add_days(date_today_shanghai(), -1), yesterday);
	rin.owner_id = c->owner;
	rin.period = c->period;
	rin.amount_fen = 60000;
	rin.remitted_on = yesterday;
	rin.reference = "JC-1";
	ok(c->db, db_begin(c->db));
	assert_int_equal(remittance_record(c->db, &rin, &who, &id, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_string_equal(e.key, "remittance_exceeds_cash");
	rin.amount_fen = 40000;
	ok(c->db, db_begin(c->db));
	ok(c->db, remittance_record(c->db, &rin, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(balance(c, LEDGER_CASH), 10000);
	/* Payments out: an operator fee. */
	din.purpose = "operator_fee";
	din.owner_id = c->owner;
	din.payee = "某物业公司";
	din.amount_fen = 20000;
	din.paid_on = yesterday;
	ok(c->db, db_begin(c->db));
	ok(c->db, disbursement_record(c->db, &din, &who, &sid, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(balance(c, LEDGER_OPERATOR_FEES), 20000);
	/* More than the special account holds (400 + 100 - 200 = 300) is refused. */
	din.amount_fen = 30001;
	din.purpose = "other";
	din.debit_kind = "bank";
	ok(c->db, db_begin(c->db));
	assert_int_equal(disbursement_record(c->db, &din, &who, &sid, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_string_equal(e.key, "special_account_insufficient");
	din.debit_kind = NULL;
	ok(c->db, db_begin(c->db));
	assert_int_equal(disbursement_record(c->db, &din, &who, &sid, &e), ANJU_EINVAL);
	db_rollback(c->db);
	/* The statement's figures. */
	ok(c->db, owner_statement(c->db, c->owner, c->period, &st, &e));
	inc = json_object_get(st, "income");
	t = json_object_get(inc, "totals");
	assert_int_equal(jint(t, "due_fen"), 80000);
	assert_int_equal(jint(t, "paid_fen"), 60000);
	assert_int_equal(jint(t, "owed_fen"), 20000);
	assert_int_equal(json_array_size(json_object_get(inc, "communities")), 2);
	assert_int_equal(jint(inc, "remitted_fen"), 40000);
	/* Collected this period: only when the period is this month. */
	{
		char now[PERIOD_FMT_LEN];

		ledger_current_period(now);
		if (strcmp(now, c->period) == 0) {
			assert_int_equal(jint(t, "collected_cash_fen"), 50000);
			assert_int_equal(jint(t, "collected_special_fen"), 10000);
			assert_int_equal(jint(inc, "to_remit_fen"), 10000);
		}
	}
	assert_int_equal(jint(json_object_get(st, "spending"), "total_fen"), 20000);
	assert_int_equal(jint(json_object_get(st, "spending"), "operator_fee_fen"), 20000);
	json_decref(st);
	buf_init(&x, 0);
	ok(c->db, owner_statement_xlsx(c->db, c->owner, c->period, &x, &e));
	assert_true(x.n > 1000 && memcmp(x.p, "PK", 2) == 0);
	buf_free(&x);
	assert_int_equal(owner_statement(c->db, 999999, c->period, &st, &e), ANJU_ENOTFOUND);
	assert_int_equal(owner_statement(c->db, c->owner, "2026-13", &st, &e), ANJU_EINVAL);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM audit_log WHERE action IN"
			      " ('remittance.record', 'disbursement.record')",
			      0),
			 2);
	assert_ledger_sound(c->db);
}

/* A remittance can be the deposit of a line in suspense. */
static void
remittance_line(void **state)
{
	struct ctx *c = *state;
	int64_t ch1, h1, pid = 0, id = 0, line_id;
	struct payment_in cash = { 0 };
	struct remittance_in rin = { 0 };
	struct anju_err e;
	char csv[512];
	json_t *out = NULL, *l;

	h1 = household(c, c->nanyuan, "3-1-0101", "李一", &ch1);
	rent(c, h1, ch1, 50000, c->d5, c->period);
	ok(c->db, db_begin(c->db));
	run_int(c->db,
		"INSERT INTO receipt_book (kind, series, first_no, last_no, next_no, received_on,"
		" received_by, clerk_account_id, handed_at, state, created_at) VALUES ('paper',"
		" 'T', 1, 100, 1, '2026-01-01', 'x', ?, " TM_TIME ", 'open', " TM_TIME ")",
		fin.id);
	cash.household_id = h1;
	cash.amount_fen = 50000;
	cash.channel = CHANNEL_CASH;
	ok(c->db, payment_take(c->db, &fin, &cash, &who, &pid, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
	snprintf(csv, sizeof(csv), HEADER "%s,500.00,,,运营公司,现金缴存,\n", c->d2);
	json_decref(import(c, c->plain_account, csv));
	line_id = qint(c, "SELECT MAX(id) FROM bank_line", 0);
	assert_int_equal(balance(c, LEDGER_SUSPENSE), -50000);
	rin.owner_id = c->owner;
	rin.period = c->period;
	rin.amount_fen = 50000;
	rin.remitted_on = c->d2;
	rin.bank_line_id = line_id;
	ok(c->db, db_begin(c->db));
	ok(c->db, remittance_record(c->db, &rin, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(balance(c, LEDGER_SUSPENSE), 0);
	assert_int_equal(balance(c, LEDGER_CASH), 0);
	assert_int_equal(balance(c, LEDGER_SPECIAL_RENT), 50000);
	l = line(c, line_id);
	assert_string_equal(jstr(l, "tier"), "remittance");
	json_decref(l);
	ok(c->db, db_begin(c->db));
	assert_int_equal(bank_line_undo(c->db, line_id, "x", &who, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_ledger_sound(c->db);
}

/* The daily comparison of the statement's balance with the ledger. */
static void
balances(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char csv[512], next[11];
	json_t *s, *items = NULL, *b;
	size_t i;
	bool seen = false;

	snprintf(csv, sizeof(csv), HEADER "%s,100.00,,,,a,1100.00\n%s,,30.00,,,fee,1070.00\n",
		 c->d2, c->d2);
	s = import(c, c->plain_account, csv);
	json_decref(s);
	ok(c->db, db_begin(c->db));
	ok(c->db, bank_balance_compute(c->db, c->today, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, bank_balance_list(c->db, c->plain_account, NULL, 50, &items, next, &e));
	json_array_foreach (items, i, b)
		if (jint(b, "bank_account_id") == c->plain_account) {
			seen = true;
			/* The bank says 1070.00, the ledger 100.00 (in suspense). */
			assert_int_equal(jint(b, "statement_fen"), 107000);
			assert_int_equal(jint(b, "ledger_fen"), 10000);
			assert_int_equal(jint(b, "difference_fen"), 97000);
			assert_int_equal(jint(b, "unmatched_lines"), 1);
			assert_int_equal(jint(b, "unmatched_fen"), 10000);
		}
	assert_true(seen);
	json_decref(items);
	assert_int_equal(bank_balance_compute(c->db, "2026-02-30", &e), ANJU_EINVAL);
}

/* Formats are checked beyond their shape. */
static void
formats(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = 0;
	json_t *in;

	in = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i}", "bank_code", "bad", "bank_name", "x",
		       "skip_rows", 0, "date_format", "YYYY-MM-DD", "col_date", 1, "col_amount", 1,
		       "col_remark", 2);
	ok(c->db, db_begin(c->db));
	assert_int_equal(bank_format_save(c->db, 0, in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "column_used_twice");
	json_object_set_new(in, "col_amount", json_integer(3));
	json_object_set_new(in, "col_credit", json_integer(4));
	assert_int_equal(bank_format_save(c->db, 0, in, &who, &id, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "amount_columns");
	json_object_del(in, "col_credit");
	json_object_set_new(in, "date_format", json_string("DD.MM.YYYY"));
	assert_int_equal(bank_format_save(c->db, 0, in, &who, &id, &e), ANJU_EINVAL);
	json_object_set_new(in, "date_format", json_string("YYYY-MM-DD"));
	json_object_set_new(in, "bank_code", json_string("plain"));
	assert_int_equal(bank_format_save(c->db, 0, in, &who, &id, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	json_decref(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(identity, setup, teardown),
		cmocka_unit_test_setup_teardown(serial_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(gb18030, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(exact, setup, teardown),
		cmocka_unit_test_setup_teardown(suggestions, setup, teardown),
		cmocka_unit_test_setup_teardown(never_across, setup, teardown),
		cmocka_unit_test_setup_teardown(suspense_confirm_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(rematch, setup, teardown),
		cmocka_unit_test_setup_teardown(owner, setup, teardown),
		cmocka_unit_test_setup_teardown(remittance_line, setup, teardown),
		cmocka_unit_test_setup_teardown(balances, setup, teardown),
		cmocka_unit_test_setup_teardown(formats, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
