/*
 * Unit tests of arrears, dunning, the arrears referral and the outbox
 * (rent/rent.h part B, rent/dunning.h) on a real database (both engines):
 * months owed are cumulative, not consecutive; the ageing buckets' edges
 * (30/31, 90/91, 180/181 days); the scan's scope; a case opens at the first
 * level with its SMS queued, escalates, and closes itself when paid; a
 * referral at six months that only the bureau decides, withdrawn when paid
 * down, dismissed, proposed again only when the arrears grow, referred into
 * an eviction; a note from another part; a notice PDF kept as evidence;
 * the outbox's failed attempts, back-off, final failure and retry.
 *
 * Leases are set up with SQL (the columns docs/tenancy.md lists), charges
 * and payments through the money core, households through theirs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "files/files.h"
#include "household/household.h"
#include "jobs/job.h"
#include "money/check.h"
#include "money/money.h"
#include "rent/dunning.h"
#include "rent/rent.h"
#include "store/migrate.h"
#include "tenancy/tenancy.h"
#include "testdb.h"
#include "testmoney.h"
#include "testjob.h"
#include "testkeys.h"

#define T0 "'2026-01-01T00:00:00.000000Z'"

struct ctx {
	struct testdb t;
	struct db *db;
	char files[128];
	int64_t community, community2, building;
	int units, people, refs;
	char today[DATE_FMT_LEN];
};

static const struct audit_actor who = { "account:1", "bureau1", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "bureau1", "account:1", true };
static struct caller manager = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_MANAGER, "mgr", "account:2", true
};
/* Operator staff who see only the second community. */
static struct caller staff2 = {
	CALLER_ACCOUNT, 3, ROLE_OPERATOR_STAFF, "staff", "account:3", false
};
static struct caller finance = { CALLER_API_KEY, 9, ROLE_FINANCE, "fin", "apikey:9", true };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("dunning", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
day(const struct ctx *c, int days, char out[DATE_FMT_LEN])
{
	struct date d;

	assert_int_equal(date_parse(str_c(c->today), &d), 0);
	date_format(date_add_days(d, days), out);
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	if (tm_ground_open("dunning", &c->t, &c->db, c->files, c->today, &c->community,
			   &c->community2, &c->building) != 0)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	tm_ground_close(&c->t, c->db, c->files);
	free(c);
	return 0;
}

/* A household of one head (with a phone unless phone is NULL) in
 * community. */
static int64_t
household(struct ctx *c, int64_t community, const char *phone)
{
	struct member_in m = { 0 };
	struct household_in in = { 0 };
	struct anju_err e;
	char idn[19], name[32];
	int64_t id = 0;

	tm_idnum(++c->people, idn);
	snprintf(name, sizeof(name), "张%d", c->people);
	m.person.name = name;
	m.person.id_number = idn;
	m.person.phone = phone;
	m.relationship = "head";
	in.community_id = community;
	in.category = "low_income";
	in.monthly_income_fen = 100000;
	in.members = &m;
	in.nmembers = 1;
	in.local_hukou = true;
	ok(c->db, db_begin(c->db));
	ok(c->db, household_create(c->db, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

static int64_t
head_of(struct ctx *c, int64_t hh)
{
	return tm_qint(
		c->db,
		"SELECT person_id FROM member WHERE household_id = ? AND relationship = 'head'"
		" AND left_at IS NULL",
		hh);
}

/* A lease in force (a year ago to two years on) of hh in a new unit of
 * community, with its chain: the chain's id. */
static int64_t
chain(struct ctx *c, int64_t hh, int64_t community)
{
	struct db_stmt *st;
	char number[16], from[DATE_FMT_LEN], to[DATE_FMT_LEN], token[40];
	int64_t u, ch;

	day(c, -365, from);
	day(c, 730, to);
	snprintf(number, sizeof(number), "3-1-%d", 101 + c->units++);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
			     " floor_area, usable_area, status, status_since, created_at,"
			     " updated_at) VALUES (?, ?, 1, 1, ?, 6500, 5200, 'occupied', " T0
			     ", " T0 ", " T0 ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, c->building);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	u = db_col_int64(st, 0);
	db_reset(st);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		      " started_on, created_at) VALUES (?, ?, ?, 'open', ?, " T0 ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, u);
	db_bind_int64(st, 3, community);
	db_bind_cstr(st, 4, from);
	assert_int_equal(db_step(st), DB_ROW);
	ch = db_col_int64(st, 0);
	db_reset(st);
	snprintf(token, sizeof(token), "%032lld", (long long)ch);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id,"
		      " community_id, tenant_person_id, community_name, unit_number, state,"
		      " starts_on, ends_on, monthly_rent_fen, deposit_fen, contract_template,"
		      " verify_token, created_by, created_at, updated_at)"
		      " SELECT ?, 1, 'new', ?, u.id, u.community_id, ?, m.name, u.number,"
		      " 'in_force', ?, ?, 60000, 120000, 'v1', ?, 'system', " T0 ", " T0
		      " FROM unit u JOIN community m ON m.id = u.community_id WHERE u.id = ?"
		      " RETURNING id",
		      &st));
	db_bind_int64(st, 1, ch);
	db_bind_int64(st, 2, hh);
	db_bind_int64(st, 3, head_of(c, hh));
	db_bind_cstr(st, 4, from);
	db_bind_cstr(st, 5, to);
	db_bind_cstr(st, 6, token);
	db_bind_int64(st, 7, u);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);
	return ch;
}

/* A rent (or overstay) charge of chain ch for period, due on due_on. */
static int64_t
charge(struct ctx *c, int64_t hh, int64_t ch, enum charge_kind kind, const char *period,
       const char *due_on, int64_t fen)
{
	struct charge_in in = { hh, kind, fen, due_on, period, "lease_chain", ch, NULL };
	struct anju_err e;
	int64_t id = 0;
	bool created = false;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
	ok(c->db, db_commit(c->db));
	assert_true(created);
	return id;
}

static void
pay(struct ctx *c, int64_t hh, int64_t fen)
{
	struct anju_err e;
	char ref[32];
	struct payment_in in = { hh, fen, CHANNEL_BANK_TRANSFER, ref, 0, NULL, 0 };
	json_t *out = NULL;
	int64_t id;

	snprintf(ref, sizeof(ref), "BT-%d", ++c->refs);
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &finance, &in, &who, &id, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
}

/* A rent charge due days from today (negative: in the past), for a period
 * of its own (the next of a counter: the tests care about due dates, and
 * a billing month is what the charge says it is). */
static int64_t
rent_due(struct ctx *c, int64_t hh, int64_t ch, int days, int64_t fen)
{
	static int n;
	char period[PERIOD_FMT_LEN], due[DATE_FMT_LEN];

	day(c, days, due);
	period_format(period_add((struct period){ 2000, 1 }, n++), period);
	return charge(c, hh, ch, CHARGE_RENT, period, due, fen);
}

static int64_t
refresh(struct ctx *c, int64_t ch)
{
	struct anju_err e;
	int64_t kid = 0;

	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_refresh(c->db, ch, c->today, &who, &kid, &e));
	ok(c->db, db_commit(c->db));
	return kid;
}

static void
ledger_sound(struct ctx *c)
{
	struct ledger_check_stats stats;
	struct anju_err e;

	ok(c->db, ledger_check(c->db, NULL, NULL, &stats, NULL, NULL, &e));
	assert_int_equal(stats.failures, 0);
}

/*
 * Arrears.
 */

static void
test_buckets(void **state)
{
	(void)state;
	assert_int_equal(arrears_bucket(0), 0);
	assert_int_equal(arrears_bucket(30), 0);
	assert_int_equal(arrears_bucket(31), 1);
	assert_int_equal(arrears_bucket(90), 1);
	assert_int_equal(arrears_bucket(91), 2);
	assert_int_equal(arrears_bucket(180), 2);
	assert_int_equal(arrears_bucket(181), 3);
	assert_int_equal(arrears_bucket(4000), 3);
}

/* Owes January and March, paid February: two months, not one run of one. */
static void
test_months_cumulative(void **state)
{
	struct ctx *c = *state;
	struct rent_arrears a;
	struct anju_err e;
	int64_t hh = household(c, c->community, "13800000001"), ch = chain(c, hh, c->community);

	/* February first and paid in full, then January and March: payments
	 * settle the oldest charge first, so the order makes the gap. */
	charge(c, hh, ch, CHARGE_RENT, "2026-02", "2026-02-05", 50000);
	pay(c, hh, 50000);
	charge(c, hh, ch, CHARGE_RENT, "2026-01", "2026-01-05", 50000);
	charge(c, hh, ch, CHARGE_RENT, "2026-03", "2026-03-05", 50000);
	/* Not rent: a deposit owed is not a month owed. */
	{
		struct charge_in in = { hh,   CHARGE_DEPOSIT, 120000, "2026-05-01",
					NULL, "lease_chain",  ch,     NULL };
		int64_t id;
		bool created;

		ok(c->db, db_begin(c->db));
		ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
		ok(c->db, db_commit(c->db));
	}
	/* March's overstay is the same billing month as March's rent. */
	charge(c, hh, ch, CHARGE_OVERSTAY_RENT, "2026-03", "2026-03-05", 10000);
	/* Due after as_of: not yet owed. */
	charge(c, hh, ch, CHARGE_RENT, "2026-04", "2026-04-05", 50000);

	ok(c->db, arrears_of_chain(c->db, ch, "2026-04-01", &a, &e));
	assert_int_equal(a.chain_id, ch);
	assert_int_equal(a.household_id, hh);
	assert_int_equal(a.community_id, c->community);
	assert_int_equal(a.months_owed, 2);
	assert_int_equal(a.owed_fen, 110000);
	assert_string_equal(a.oldest_due_on, "2026-01-05");
	/* Partly paid is not fully paid: 30,000 of January leaves it owed. */
	pay(c, hh, 30000);
	ok(c->db, arrears_of_chain(c->db, ch, "2026-04-01", &a, &e));
	assert_int_equal(a.months_owed, 2);
	assert_int_equal(a.owed_fen, 80000);
	/* The rest of January: March alone. */
	pay(c, hh, 20000);
	ok(c->db, arrears_of_chain(c->db, ch, "2026-04-01", &a, &e));
	assert_int_equal(a.months_owed, 1);
	assert_string_equal(a.oldest_due_on, "2026-03-05");
	/* As of before anything was due: nothing. */
	ok(c->db, arrears_of_chain(c->db, ch, "2025-12-31", &a, &e));
	assert_int_equal(a.months_owed, 0);
	assert_int_equal(a.owed_fen, 0);
	assert_string_equal(a.oldest_due_on, "");
	/* Bad input. */
	assert_int_equal(arrears_of_chain(c->db, ch, "2026-02-30", &a, &e), ANJU_EINVAL);
	assert_int_equal(arrears_of_chain(c->db, 999999, "2026-04-01", &a, &e), ANJU_ENOTFOUND);
	ledger_sound(c);
}

/* Each due date at an edge lands in its own bucket; amounts are powers of
 * two so each bucket's sum names its charges. */
static void
test_bucket_edges(void **state)
{
	struct ctx *c = *state;
	static const int late[] = { 30, 31, 90, 91, 180, 181 };
	struct rent_arrears a;
	struct anju_err e;
	int64_t hh = household(c, c->community, "13800000002"), ch = chain(c, hh, c->community);
	const char *as_of = "2026-09-30";
	struct date d;

	assert_int_equal(date_parse(str_c(as_of), &d), 0);
	for (int i = 0; i < 6; i++) {
		char due[DATE_FMT_LEN], period[PERIOD_FMT_LEN];

		date_format(date_add_days(d, -late[i]), due);
		/* One period each, whatever month the day falls in. */
		period_format(period_add((struct period){ 2010, 1 }, i), period);
		charge(c, hh, ch, CHARGE_RENT, period, due, 100 << i);
	}
	ok(c->db, arrears_of_chain(c->db, ch, as_of, &a, &e));
	assert_int_equal(a.months_owed, 6);
	assert_int_equal(a.bucket_fen[0], 100);        /* 30 days */
	assert_int_equal(a.bucket_fen[1], 200 + 400);  /* 31, 90 */
	assert_int_equal(a.bucket_fen[2], 800 + 1600); /* 91, 180 */
	assert_int_equal(a.bucket_fen[3], 3200);       /* 181 */
	assert_int_equal(a.owed_fen, 6300);
}

struct scan_seen {
	int n;
	int64_t chains[8];
	int months[8];
};

static int
on_arrears(void *ud, const struct rent_arrears *a)
{
	struct scan_seen *s = ud;

	assert_true(s->n < 8);
	s->chains[s->n] = a->chain_id;
	s->months[s->n] = a->months_owed;
	s->n++;
	return 0;
}

static int
stop_at_first(void *ud, const struct rent_arrears *a)
{
	(void)ud;
	(void)a;
	return 42;
}

static void
test_scan(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct scan_seen s = { 0 };
	int64_t h1 = household(c, c->community, NULL), c1 = chain(c, h1, c->community);
	int64_t h2 = household(c, c->community2, NULL), c2 = chain(c, h2, c->community2);
	int64_t h3 = household(c, c->community, NULL), c3 = chain(c, h3, c->community);

	rent_due(c, h1, c1, -40, 1000);
	rent_due(c, h1, c1, -10, 1000);
	rent_due(c, h2, c2, -5, 1000);
	rent_due(c, h3, c3, 20, 1000); /* not due yet */
	ok(c->db, arrears_scan(c->db, NULL, 0, c->today, on_arrears, &s, &e));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.chains[0], c1);
	assert_int_equal(s.chains[1], c2);
	assert_true(s.months[0] >= 1);
	memset(&s, 0, sizeof(s));
	ok(c->db, arrears_scan(c->db, NULL, c->community2, c->today, on_arrears, &s, &e));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.chains[0], c2);
	/* Operator staff of the second community see only it. */
	memset(&s, 0, sizeof(s));
	ok(c->db, arrears_scan(c->db, &staff2, 0, c->today, on_arrears, &s, &e));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.chains[0], c2);
	/* The callback's first non-zero return stops the scan. */
	assert_int_equal(arrears_scan(c->db, NULL, 0, c->today, stop_at_first, NULL, &e), 42);
	assert_int_equal(arrears_scan(c->db, NULL, 0, "2026-13-01", on_arrears, &s, &e),
			 ANJU_EINVAL);
	/* The worklist: filtered by months and scoped. */
	{
		struct arrears_filter f = { 0 };
		json_t *items = NULL;
		int64_t next = 0;

		f.as_of = c->today;
		f.limit = 1;
		ok(c->db, arrears_list(c->db, &bureau, &f, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		assert_int_equal(next, c1);
		json_decref(items);
		f.after_chain = next;
		ok(c->db, arrears_list(c->db, &bureau, &f, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(items, 0), "chain_id")),
			c2);
		assert_int_equal(next, 0);
		json_decref(items);
		f.after_chain = 0;
		f.limit = 50;
		ok(c->db, arrears_list(c->db, &staff2, &f, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		json_decref(items);
		f.min_months = 2;
		ok(c->db, arrears_list(c->db, &bureau, &f, &items, &next, &e));
		assert_int_equal(json_array_size(items), 1);
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(items, 0), "chain_id")),
			c1);
		json_decref(items);
		f.min_months = 0;
		f.level = "none";
		ok(c->db, arrears_list(c->db, &bureau, &f, &items, &next, &e));
		assert_int_equal(json_array_size(items), 2);
		json_decref(items);
	}
}

/*
 * Cases.
 */

static int64_t
outbox_count(struct ctx *c, int64_t case_id)
{
	return tm_qint(c->db,
		       "SELECT COUNT(*) FROM outbox_message WHERE source_type = 'dunning_case'"
		       " AND source_id = ?",
		       case_id);
}

static void
test_escalation_and_close(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char s[256];
	json_t *j = NULL;
	int64_t hh = household(c, c->community, "13800000003"), ch = chain(c, hh, c->community);
	int64_t kid, first;

	/* Five days late: below the first level (10 days), no case. */
	rent_due(c, hh, ch, -5, 50000);
	assert_int_equal(refresh(c, ch), 0);
	/* Twelve days late: the reminder, by SMS. */
	rent_due(c, hh, ch, -12, 1);
	kid = refresh(c, ch);
	assert_true(kid > 0);
	tm_qtext(c->db, "SELECT level FROM dunning_case WHERE id = ?", kid, s, sizeof(s));
	assert_string_equal(s, "reminder");
	assert_int_equal(outbox_count(c, kid), 1);
	tm_qtext(c->db, "SELECT text FROM outbox_message WHERE source_id = ?", kid, s, sizeof(s));
	assert_non_null(strstr(s, "南苑公租房"));
	assert_non_null(strstr(s, "500.01"));
	/* The phone is not in the outbox. */
	assert_null(strstr(s, "13800000003"));
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM dunning_action WHERE case_id = ? AND auto = 1"
			" AND channel = 'sms' AND outbox_id IS NOT NULL",
			kid),
		1);
	/* A job to send it was queued in the same transaction. */
	assert_true(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM job WHERE kind = 'outbox_send' AND state = 'queued'",
			0) >= 1);
	/* Again: nothing new. */
	first = kid;
	assert_int_equal(refresh(c, ch), first);
	assert_int_equal(outbox_count(c, kid), 1);
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM dunning_action WHERE case_id = ?", kid), 1);
	/* Thirty-five days late: the formal notice (a letter: no SMS). */
	rent_due(c, hh, ch, -35, 50000);
	assert_int_equal(refresh(c, ch), first);
	tm_qtext(c->db, "SELECT level FROM dunning_case WHERE id = ?", kid, s, sizeof(s));
	assert_string_equal(s, "formal");
	assert_int_equal(outbox_count(c, kid), 1);
	assert_int_equal(tm_qint(c->db, "SELECT months_owed FROM dunning_case WHERE id = ?", kid),
			 3);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'dunning_case.escalate'"
			" AND object_id = CAST(? AS TEXT)",
			kid),
		1);
	/* Staff record a call; the note is evidence on the case. */
	{
		struct dunning_action_in in = { "phone", "户主承诺月底前缴清", NULL, 0 };
		int64_t aid;

		ok(c->db, db_begin(c->db));
		ok(c->db, dunning_action_record(c->db, &manager, &who, kid, &in, &aid, &e));
		ok(c->db, db_commit(c->db));
		in.channel = "withholding"; /* only other parts note withholding */
		ok(c->db, db_begin(c->db));
		assert_int_equal(dunning_action_record(c->db, &manager, &who, kid, &in, &aid, &e),
				 ANJU_EINVAL);
		db_rollback(c->db);
		/* Out of scope: not found. */
		in.channel = "visit";
		ok(c->db, db_begin(c->db));
		assert_int_equal(dunning_action_record(c->db, &staff2, &who, kid, &in, &aid, &e),
				 ANJU_ENOTFOUND);
		db_rollback(c->db);
	}
	/* The notice PDF, kept as an attachment of the case. */
	{
		int64_t nid = 0, size = 0;
		int fd = -1;
		char head[5] = "";

		ok(c->db, db_begin(c->db));
		ok(c->db, dunning_notice_issue(c->db, &manager, &who, kid, &nid, &e));
		ok(c->db, db_commit(c->db));
		assert_true(nid > 0);
		assert_int_equal(tm_qint(c->db,
					 "SELECT COUNT(*) FROM attachment WHERE owner_type ="
					 " 'dunning_case' AND owner_id = ?",
					 kid),
				 1);
		ok(c->db, dunning_notice_open(c->db, &manager, nid, &fd, &size, &e));
		assert_true(size > 1000);
		assert_int_equal(read(fd, head, 4), 4);
		close(fd);
		assert_string_equal(head, "%PDF");
		assert_int_equal(tm_qint(c->db,
					 "SELECT COUNT(*) FROM dunning_action WHERE case_id = ?"
					 " AND channel = 'letter' AND notice_id IS NOT NULL",
					 kid),
				 1);
		assert_int_equal(dunning_notice_open(c->db, &staff2, nid, &fd, &size, &e),
				 ANJU_ENOTFOUND);
	}
	/* Paid in full: the case closes itself as it is read. */
	pay(c, hh, 100001);
	ok(c->db, dunning_case_get(c->db, &manager, kid, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "state")), "closed");
	assert_string_equal(json_string_value(json_object_get(j, "close_reason")), "paid");
	assert_int_equal(json_array_size(json_object_get(j, "actions")), 3);
	json_decref(j);
	/* Acting on it now is a conflict naming its state. */
	{
		struct dunning_action_in in = { "phone", "再次电话", NULL, 0 };
		int64_t aid;

		ok(c->db, db_begin(c->db));
		assert_int_equal(dunning_action_record(c->db, &manager, &who, kid, &in, &aid, &e),
				 ANJU_ECONFLICT);
		assert_string_equal(e.key, "dunning_case_closed");
		db_rollback(c->db);
	}
	/* A new arrears later opens a new case. */
	rent_due(c, hh, ch, -15, 50000);
	assert_true(refresh(c, ch) > first);
	ledger_sound(c);
}

/* The daily job opens, escalates and closes in one run; resumable. */
static void
test_daily_job(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct seen seen = { 0 };
	int64_t h1 = household(c, c->community, "13800000011"), c1 = chain(c, h1, c->community);
	int64_t h2 = household(c, c->community, "13800000012"), c2 = chain(c, h2, c->community);
	int64_t job = 0, claimed = 0;
	json_t *j = NULL;

	rent_due(c, h1, c1, -95, 1000);
	rent_due(c, h2, c2, -11, 1000);
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_run_start(c->db, &who, &job, &e));
	ok(c->db, db_commit(c->db));
	/* One at a time. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_run_start(c->db, &who, &claimed, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	assert_int_equal(job_claim(c->db, "test", job, &claimed, &e), 1);
	ok(c->db, job_run(c->db, job, "test", NULL, on_progress, &seen, &e));
	ok(c->db, job_get(c->db, job, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "state")), "succeeded");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "result"), "opened")), 2);
	json_decref(j);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_case WHERE state = 'open'"
				 " AND level = 'final' AND chain_id = ?",
				 c1),
			 1);
	pay(c, h1, 1000);
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_run_start(c->db, &who, &job, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(job_claim(c->db, "test", job, &claimed, &e), 1);
	memset(&seen, 0, sizeof(seen));
	ok(c->db, job_run(c->db, job, "test", NULL, on_progress, &seen, &e));
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_case WHERE chain_id = ?"
				 " AND state = 'closed'",
				 c1),
			 1);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_case WHERE chain_id = ?"
				 " AND state = 'open'",
				 c2),
			 1);
}

/*
 * The referral.
 */

static int64_t
referral_of(struct ctx *c, int64_t ch, const char *state)
{
	struct db_stmt *st;
	int64_t id = 0;

	ok(c->db, db_prepare(c->db,
			     "SELECT id FROM arrears_referral WHERE chain_id = ? AND state = ?"
			     " ORDER BY id DESC LIMIT 1",
			     &st));
	db_bind_int64(st, 1, ch);
	db_bind_cstr(st, 2, state);
	if (db_step(st) == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static bool
signal_open(struct ctx *c, int64_t referral)
{
	return tm_qint(c->db,
		       "SELECT COUNT(*) FROM tenancy_signal WHERE source_type = 'arrears_referral'"
		       " AND source_id = ? AND cleared_at IS NULL",
		       referral) == 1;
}

static int
decide(struct ctx *c, const struct caller *by, int64_t id, const char *decision, int64_t *ev,
       struct anju_err *e)
{
	int rc;

	ok(c->db, db_begin(c->db));
	rc = referral_decide(c->db, by, &who, id, decision, "经核实，同意处理", ev, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static void
test_referral(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->community, "13800000004"), ch = chain(c, hh, c->community);
	int64_t r, ev = 0;
	char s[64];

	/* Five months, a month apart: below the threshold. */
	for (int i = 0; i < 5; i++)
		rent_due(c, hh, ch, -30 * (i + 1) - 1, 10000);
	refresh(c, ch);
	assert_int_equal(referral_of(c, ch, "proposed"), 0);
	/* The sixth month: proposed, and the recheck's signal raised. */
	rent_due(c, hh, ch, -30 * 6 - 1, 10000);
	refresh(c, ch);
	r = referral_of(c, ch, "proposed");
	assert_true(r > 0);
	assert_true(signal_open(c, r));
	assert_int_equal(tm_qint(c->db, "SELECT months_owed FROM arrears_referral WHERE id = ?", r),
			 6);
	/* Only the bureau decides. */
	assert_int_equal(decide(c, &manager, r, "refer", &ev, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(decide(c, &finance, r, "dismiss", &ev, &e), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &staff2, r, "dismiss", &ev, &e), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &bureau, r, "maybe", &ev, &e), ANJU_EINVAL);
	/* Paid down to five months before anyone decided: withdrawn. */
	pay(c, hh, 10000);
	refresh(c, ch);
	assert_int_equal(referral_of(c, ch, "proposed"), 0);
	assert_int_equal(referral_of(c, ch, "withdrawn"), r);
	assert_false(signal_open(c, r));
	assert_int_equal(decide(c, &bureau, r, "refer", &ev, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "referral_decided");
	/* Six again: a new proposal, which the bureau dismisses. */
	rent_due(c, hh, ch, 0, 10000);
	refresh(c, ch);
	r = referral_of(c, ch, "proposed");
	assert_true(r > 0);
	ok(c->db, decide(c, &bureau, r, "dismiss", &ev, &e));
	assert_int_equal(ev, 0);
	assert_false(signal_open(c, r));
	tm_qtext(c->db, "SELECT state FROM arrears_referral WHERE id = ?", r, s, sizeof(s));
	assert_string_equal(s, "dismissed");
	assert_int_equal(decide(c, &bureau, r, "refer", &ev, &e), ANJU_ECONFLICT);
	/* Not proposed again for the same months... */
	refresh(c, ch);
	assert_int_equal(referral_of(c, ch, "proposed"), 0);
	/* ...but when they grow. */
	rent_due(c, hh, ch, -30 * 7 - 1, 10000);
	refresh(c, ch);
	r = referral_of(c, ch, "proposed");
	assert_true(r > 0);
	/* The bureau refers: the eviction opens on the arrears basis. */
	ok(c->db, decide(c, &bureau, r, "refer", &ev, &e));
	assert_true(ev > 0);
	tm_qtext(c->db, "SELECT basis FROM eviction WHERE id = ?", ev, s, sizeof(s));
	assert_string_equal(s, "arrears");
	assert_int_equal(tm_qint(c->db, "SELECT basis_id FROM eviction WHERE id = ?", ev), r);
	assert_false(signal_open(c, r));
	/* Never proposed again after a referral. */
	rent_due(c, hh, ch, 1 - 30 * 8, 10000);
	refresh(c, ch);
	assert_int_equal(referral_of(c, ch, "proposed"), 0);
	/* The policy's number. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_policy_set(c->db, 0, &who, &e), ANJU_EINVAL);
	ok(c->db, dunning_policy_set(c->db, 3, &who, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(tm_qint(c->db, "SELECT referral_months FROM dunning_policy", 0), 3);
}

/* Another part's note: on the open case, opening one when the household
 * owes, on no case when it owes nothing. */
static void
test_note(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t h1 = household(c, c->community, NULL), c1 = chain(c, h1, c->community);
	int64_t h2 = household(c, c->community, NULL);
	int64_t kid = -1;

	chain(c, h2, c->community);
	rent_due(c, h1, c1, -3, 20000); /* owes, but before any level */
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_note(c->db, h1, "withholding", "余额不足", &who, &kid, &e));
	ok(c->db, db_commit(c->db));
	assert_true(kid > 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_case WHERE id = ?"
				 " AND level IS NULL AND state = 'open'",
				 kid),
			 1);
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_note(c->db, h1, "withholding", "账户冻结", &who, &kid, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		tm_qint(c->db, "SELECT COUNT(*) FROM dunning_action WHERE case_id = ?", kid), 2);
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_note(c->db, h2, "withholding", "余额不足", &who, &kid, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(kid, 0);
	assert_int_equal(tm_qint(c->db,
				 "SELECT COUNT(*) FROM dunning_action WHERE household_id = ?"
				 " AND case_id IS NULL",
				 h2),
			 1);
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_note(c->db, h2, "fax", "x", &who, &kid, &e), ANJU_EINVAL);
	assert_int_equal(dunning_note(c->db, h2, "withholding", "", &who, &kid, &e), ANJU_EINVAL);
	assert_int_equal(dunning_note(c->db, 999999, "withholding", "x", &who, &kid, &e),
			 ANJU_ENOTFOUND);
	db_rollback(c->db);
	/* A household whose head has no phone: the SMS level records why. */
	rent_due(c, h1, c1, -20, 20000);
	kid = refresh(c, c1);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM dunning_action WHERE case_id = ? AND auto = 1"
			" AND outbox_id IS NULL",
			kid),
		1);
}

/*
 * Levels.
 */

static void
test_levels(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct dunning_level_in in = { "visit2", "上门催缴", 60, "visit", "请于{as_of}前缴纳", 1 };
	json_t *l = NULL;
	int64_t id = 0, id2;

	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_level_save(c->db, 0, &in, &who, &id, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, dunning_level_list(c->db, &l, &e));
	assert_int_equal(json_array_size(l), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 2), "code")),
			    "visit2");
	json_decref(l);
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_level_save(c->db, 0, &in, &who, &id2, &e), ANJU_ECONFLICT);
	db_rollback(c->db);
	in.code = "other";
	in.days_past_due = 30; /* the formal notice's day */
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_level_save(c->db, 0, &in, &who, &id2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "level_days_taken");
	db_rollback(c->db);
	in.channel = "fax";
	in.days_past_due = 45;
	ok(c->db, db_begin(c->db));
	assert_int_equal(dunning_level_save(c->db, 0, &in, &who, &id2, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "channel");
	db_rollback(c->db);
	/* An update of one field keeps the others; audited. */
	memset(&in, 0, sizeof(in));
	in.days_past_due = -1;
	in.active = 0;
	ok(c->db, db_begin(c->db));
	ok(c->db, dunning_level_save(c->db, id, &in, &who, &id2, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(tm_qint(c->db, "SELECT active FROM dunning_level WHERE id = ?", id), 0);
	assert_int_equal(tm_qint(c->db, "SELECT days_past_due FROM dunning_level WHERE id = ?", id),
			 60);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action LIKE 'dunning_level.%'"
			" AND object_id = CAST(? AS TEXT)",
			id),
		2);
}

/*
 * The outbox.
 */

static void
test_outbox(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct outbox_sender_in in = { NULL, NULL, -1, -1, -1, -1 };
	int64_t hh = household(c, c->community, "13800000005"),
		nophone = household(c, c->community, NULL);
	int64_t id = 0, wait = 0;
	int sent = -1, failed = -1;
	json_t *j = NULL;
	char s[512];

	ok(c->db, db_begin(c->db));
	ok(c->db, outbox_enqueue(c->db, "sms", head_of(c, hh), "测试短信", "test", 1, &id, &e));
	assert_int_equal(outbox_enqueue(c->db, "email", head_of(c, hh), "x", "test", 1, &id, &e),
			 ANJU_EINVAL);
	assert_int_equal(outbox_enqueue(c->db, "sms", head_of(c, hh), "", "test", 1, &id, &e),
			 ANJU_EINVAL);
	assert_int_equal(outbox_enqueue(c->db, "sms", head_of(c, nophone), "x", "test", 1, &id, &e),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "phone_not_recorded");
	assert_int_equal(outbox_enqueue(c->db, "sms", 999999, "x", "test", 1, &id, &e),
			 ANJU_ENOTFOUND);
	ok(c->db, db_commit(c->db));
	id = tm_qint(c->db, "SELECT MAX(id) FROM outbox_message", 0);
	/* No sender configured: the message waits, untouched. */
	ok(c->db, outbox_send_due(c->db, 10, &sent, &failed, &wait, &e));
	assert_int_equal(sent, 0);
	assert_int_equal(wait, -1);
	assert_int_equal(tm_qint(c->db, "SELECT attempts FROM outbox_message WHERE id = ?", id), 0);
	/* A sender nobody answers: attempt 1 fails, the next waits. */
	in.url = "http://127.0.0.1:9/sms";
	in.secret = "0123456789abcdef0123";
	in.timeout_seconds = 2;
	in.max_attempts = 2;
	in.backoff_seconds = 1;
	ok(c->db, db_begin(c->db));
	ok(c->db, outbox_sender_set(c->db, &in, &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, outbox_sender_get(c->db, &j, &e));
	assert_true(json_is_true(json_object_get(j, "secret_set")));
	assert_null(json_object_get(j, "secret"));
	json_decref(j);
	/* The secret is sealed at rest and not in the audit trail. */
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM outbox_sender WHERE secret_sealed LIKE 'v1.%'"
			" AND secret_sealed NOT LIKE '%0123456789abcdef%'",
			0),
		1);
	assert_int_equal(
		tm_qint(c->db,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'outbox_sender.update'"
			" AND after_json LIKE '%0123456789abcdef%'",
			0),
		0);
	ok(c->db, outbox_send_due(c->db, 10, &sent, &failed, &wait, &e));
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 0);
	assert_true(wait >= 0 && wait <= 1100000);
	assert_int_equal(tm_qint(c->db, "SELECT attempts FROM outbox_message WHERE id = ?", id), 1);
	tm_qtext(c->db, "SELECT last_error FROM outbox_message WHERE id = ?", id, s, sizeof(s));
	assert_non_null(strstr(s, "网关"));
	assert_null(strstr(s, "13800000005"));
	/* The second and last attempt, once due: failed. */
	usleep(1100000);
	ok(c->db, outbox_send_due(c->db, 10, &sent, &failed, &wait, &e));
	assert_int_equal(failed, 1);
	tm_qtext(c->db, "SELECT state FROM outbox_message WHERE id = ?", id, s, sizeof(s));
	assert_string_equal(s, "failed");
	/* Retry: pending again with its attempts reset; only a failed one. */
	ok(c->db, db_begin(c->db));
	ok(c->db, outbox_retry(c->db, &manager, &who, id, &e));
	ok(c->db, db_commit(c->db));
	tm_qtext(c->db, "SELECT state FROM outbox_message WHERE id = ?", id, s, sizeof(s));
	assert_string_equal(s, "pending");
	assert_int_equal(tm_qint(c->db, "SELECT attempts FROM outbox_message WHERE id = ?", id), 0);
	ok(c->db, db_begin(c->db));
	assert_int_equal(outbox_retry(c->db, &manager, &who, id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "outbox_not_failed");
	db_rollback(c->db);
	/* Bad settings. */
	in.url = "ftp://x";
	ok(c->db, db_begin(c->db));
	assert_int_equal(outbox_sender_set(c->db, &in, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "url");
	in.url = NULL;
	in.secret = "short";
	assert_int_equal(outbox_sender_set(c->db, &in, &who, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "secret");
	db_rollback(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test_setup_teardown(test_months_cumulative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_referral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
