/*
 * Unit tests of move-in and move-out (src/tenancy/handover.c, deposit.c) and
 * the deposit release of the money core (src/money/deposit.c) on a real
 * database (both engines): move-in refused while the deposit is unpaid, the
 * unit's status through move-in and move-out, the move-out compared with
 * the move-in, the settlement with and without the tenant's agreement, the
 * two-person rule, a settlement refused when the money moved, and the
 * ledger check after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "approval/approval.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "money/check.h"
#include "money/ledger.h"
#include "money/money.h"
#include "store/migrate.h"
#include "tenancy/handover.h"
#include "testdb.h"
#include "testkeys.h"
#include "testmoney.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t community, unit, hh, person, chain, lease, deposit, aircon, heater;
	int nref;
};

static const struct audit_actor who = { "account:2", "staff", "operator_staff", "::1", NULL };
static const struct audit_actor fin_who = { "account:3", "fin", "finance", "::1", NULL };
static struct caller staff = { CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "staff", "account:2", true };
static struct caller manager = {
	CALLER_ACCOUNT, 4, ROLE_OPERATOR_MANAGER, "mgr", "account:4", true
};
static struct caller fin = { CALLER_ACCOUNT, 3, ROLE_FINANCE, "fin", "account:3", true };
static struct caller bureau = { CALLER_ACCOUNT, 5, ROLE_BUREAU, "bur", "account:5", true };
/* Operator staff of no community. */
static struct caller stranger = { CALLER_ACCOUNT, 6,           ROLE_OPERATOR_STAFF,
				  "other",        "account:6", false };

#define DEPOSIT 200000

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("handover", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static void
today(char out[DATE_FMT_LEN], int days)
{
	date_format(date_add_days(date_today_shanghai(), days), out);
}

static int64_t
lease_row(struct ctx *c, const char *state, int64_t deposit)
{
	char start[DATE_FMT_LEN], end[DATE_FMT_LEN], token[40];
	struct db_stmt *st;
	int64_t id;

	today(start, -30);
	today(end, 700);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
			     " started_on, created_at) VALUES (?, ?, ?, 'open', ?, " TM_TIME
			     ") RETURNING id",
			     &st));
	db_bind_int64(st, 1, c->hh);
	db_bind_int64(st, 2, c->unit);
	db_bind_int64(st, 3, c->community);
	db_bind_cstr(st, 4, start);
	assert_int_equal(db_step(st), DB_ROW);
	c->chain = db_col_int64(st, 0);
	db_reset(st);
	snprintf(token, sizeof(token), "tok%d-%lld", ++c->nref, (long long)c->chain);
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id,"
		      " tenant_person_id, community_name, unit_number, state, starts_on, ends_on,"
		      " monthly_rent_fen, deposit_fen, contract_template, verify_token, created_by,"
		      " created_at, updated_at) VALUES (?, 1, 'new', ?, ?, ?, ?, '南苑公租房',"
		      " '1-1-101', ?, ?, ?, 50000, ?, 'v1', ?, 'test', " TM_TIME ", " TM_TIME
		      ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, c->chain);
	db_bind_int64(st, 2, c->hh);
	db_bind_int64(st, 3, c->unit);
	db_bind_int64(st, 4, c->community);
	db_bind_int64(st, 5, c->person);
	db_bind_cstr(st, 6, state);
	db_bind_cstr(st, 7, start);
	db_bind_cstr(st, 8, end);
	db_bind_int64(st, 9, deposit);
	db_bind_cstr(st, 10, token);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
raise(struct ctx *c, enum charge_kind kind, int64_t fen, const char *source, int64_t source_id,
      const char *period)
{
	struct charge_in in = { c->hh, kind, fen, "2026-01-05", period, source, source_id, NULL };
	struct anju_err e;
	int64_t id;
	bool created;

	ok(c->db, db_begin(c->db));
	ok(c->db, charge_raise(c->db, &in, &who, &id, &created, &e));
	ok(c->db, db_commit(c->db));
	return id;
}

static void
pay(struct ctx *c, int64_t fen)
{
	char ref[32];
	struct payment_in in = { c->hh, fen, CHANNEL_BANK_TRANSFER, ref, 0, NULL, 0 };
	struct anju_err e;
	json_t *out = NULL;
	int64_t id;

	snprintf(ref, sizeof(ref), "BT-%d", ++c->nref);
	ok(c->db, db_begin(c->db));
	ok(c->db, payment_take(c->db, &fin, &in, &fin_who, &id, &out, &e));
	ok(c->db, db_commit(c->db));
	json_decref(out);
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct building_in b = { 0, "1栋", 6, 2, false };
	struct unit_in u = { 0, 1, 1, "1-1-101", "一室一厅", 5000, 4000, "南" };
	struct asset_in a = {
		0, "unit", 0, 0, 0, "客厅", "空调", "格力", "KFR-35", 1, "good", NULL
	};
	struct anju_err e;
	int64_t building;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->community = tm_community(c->db, "南苑公租房");
	b.community_id = c->community;
	ok(c->db, db_begin(c->db));
	ok(c->db, building_create(c->db, &b, &who, &building, &e));
	u.building_id = building;
	ok(c->db, unit_create(c->db, &u, &who, &c->unit, &e));
	a.unit_id = c->unit;
	ok(c->db, asset_create(c->db, &a, &who, &c->aircon, &e));
	a.place = "卫生间";
	a.type = "热水器";
	a.condition = "fair";
	ok(c->db, asset_create(c->db, &a, &who, &c->heater, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(
		run_int(c->db, "UPDATE unit SET status = 'allocated' WHERE id = ?", c->unit),
		DB_DONE);
	c->hh = tm_household(c->db, c->community);
	c->person = tm_insert_id(
		c->db, "INSERT INTO person (name, created_at) VALUES (?, " TM_TIME ") RETURNING id",
		"王伟");
	c->lease = lease_row(c, "in_force", DEPOSIT);
	c->deposit = raise(c, CHARGE_DEPOSIT, DEPOSIT, "lease_chain", c->chain, NULL);
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
print_failure(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	print_error("ledger check: %s\n", f->text);
}

/* The whole ledger check (money/check.h) finds nothing. */
static void
assert_ledger_sound(struct db *db)
{
	struct ledger_check_stats stats;
	struct anju_err e;

	ok(db, ledger_check(db, print_failure, NULL, &stats, NULL, NULL, &e));
	assert_int_equal(stats.failures, 0);
}

static int64_t
qint(struct ctx *c, const char *sql, int64_t arg)
{
	return tm_qint(c->db, sql, arg);
}

static void
assert_unit(struct ctx *c, const char *status)
{
	struct db_stmt *st;

	ok(c->db, db_prepare(c->db, "SELECT status FROM unit WHERE id = ?", &st));
	db_bind_int64(st, 1, c->unit);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), status);
	db_reset(st);
}

static void
tx_begin(struct ctx *c)
{
	ok(c->db, db_begin(c->db));
}

static int
tx_end(struct ctx *c, int rc)
{
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

/* Runs call in a transaction of its own: committed on 0, else rolled back;
 * call's code. */
#define TX(c, call) tx_end((c), (tx_begin(c), (call)))

static void
set(struct ctx *c, int64_t id, int keys, int agrees, int repair, const char *channel)
{
	struct handover_patch p = { NULL, keys, NULL, agrees, repair, channel };
	struct anju_err e;

	ok(c->db, TX(c, handover_update(c->db, &staff, &who, id, &p, &e)));
}

/* A done move-in of the lease (deposit paid first). */
static int64_t
moved_in(struct ctx *c)
{
	struct anju_err e;
	int64_t id, approval;

	pay(c, DEPOSIT);
	ok(c->db, TX(c, handover_move_in_open(c->db, &staff, &who, c->lease, &id, &e)));
	set(c, id, 2, -1, -1, NULL);
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)));
	assert_int_equal(approval, 0);
	return id;
}

static int64_t
item_of(struct ctx *c, int64_t handover, int seq)
{
	struct db_stmt *st;
	int64_t id;

	ok(c->db,
	   db_prepare(c->db, "SELECT id FROM handover_item WHERE handover_id = ? AND seq = ?",
		      &st));
	db_bind_int64(st, 1, handover);
	db_bind_int64(st, 2, seq);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static void
test_move_in_needs_the_deposit_paid(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	json_t *h = NULL, *items;
	int64_t id, other, approval;

	ok(c->db, TX(c, handover_move_in_open(c->db, &staff, &who, c->lease, &id, &e)));
	/* Prefilled from the asset register, with the register's condition. */
	ok(c->db, handover_get(c->db, &staff, id, &h, &e));
	items = json_object_get(h, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
			    "空调 格力KFR-35（客厅）");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 1), "condition")), "worn");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "asset_id")),
			 c->aircon);
	assert_true(json_is_null(json_object_get(h, "settlement")));
	json_decref(h);
	/* Out of scope it does not exist; a second move-in is refused. */
	assert_int_equal(handover_get(c->db, &stranger, id, &h, &e), ANJU_ENOTFOUND);
	assert_int_equal(TX(c, handover_move_in_open(c->db, &staff, &who, c->lease, &other, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "handover_exists");
	set(c, id, 2, -1, -1, NULL);
	/* Unpaid, then partly paid: refused. */
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "deposit_unpaid");
	pay(c, DEPOSIT / 2);
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "deposit_unpaid");
	assert_unit(c, "allocated");
	pay(c, DEPOSIT / 2);
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)));
	assert_unit(c, "occupied");
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM audit_log WHERE action = 'lease.move_in'", 0), 1);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM audit_log WHERE action = 'handover.complete'"
			      " AND object_type = 'handover'",
			      0),
			 1);
	/* Done is done. */
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "handover_done");
	assert_ledger_sound(c->db);
}

static void
test_move_in_rules(void **state)
{
	struct ctx *c = *state;
	struct handover_item_in bad = { 0, "墙面", "good", NULL, 100 };
	struct handover_item_in fine = { 0, "墙面（客厅）", "good", "无裂缝", 0 };
	struct anju_err e;
	int64_t id, approval;
	json_t *m;

	ok(c->db, TX(c, handover_move_in_open(c->db, &staff, &who, c->lease, &id, &e)));
	/* No deductions at move-in; meters are readings; keys are needed. */
	assert_int_equal(TX(c, handover_items_set(c->db, &staff, &who, id, &bad, 1, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "items[0].deduction_fen");
	m = json_pack("{s:s}", "water", "12a");
	{
		struct handover_patch p = { m, -1, NULL, -1, -1, NULL };

		assert_int_equal(TX(c, handover_update(c->db, &staff, &who, id, &p, &e)),
				 ANJU_EINVAL);
		assert_string_equal(e.field, "meters");
		json_decref(m);
		m = json_pack("{s:s, s:n}", "water", "123.45", "gas", NULL);
		p.meters = m;
		ok(c->db, TX(c, handover_update(c->db, &staff, &who, id, &p, &e)));
		json_decref(m);
		p = (struct handover_patch){ NULL, -1, NULL, 1, -1, NULL };
		assert_int_equal(TX(c, handover_update(c->db, &staff, &who, id, &p, &e)),
				 ANJU_EINVAL);
		assert_string_equal(e.field, "tenant_agrees");
	}
	ok(c->db, TX(c, handover_items_set(c->db, &staff, &who, id, &fine, 1, &e)));
	pay(c, DEPOSIT);
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "keys_required");
	set(c, id, 1, -1, -1, NULL);
	assert_int_equal(
		TX(c, handover_complete(c->db, &staff, &who, id, "2999-01-01", &approval, &e)),
		ANJU_EINVAL);
	assert_string_equal(e.field, "done_on");
	/* Not in force before it starts. */
	{
		char before[DATE_FMT_LEN];

		today(before, -60);
		assert_int_equal(
			TX(c, handover_complete(c->db, &staff, &who, id, before, &approval, &e)),
			ANJU_ECONFLICT);
		assert_string_equal(e.key, "lease_not_in_force");
	}
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)));
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM handover_item WHERE handover_id = ?", id),
			 1);
	assert_unit(c, "occupied");
}

/* Opens the move-out through the contract, records a damaged air
 * conditioner (30000 fen) and the tenant's answer, and completes it. */
static int64_t
moved_out(struct ctx *c, int agrees, bool repair, int64_t *approval)
{
	struct anju_err e;
	int64_t id, again;

	ok(c->db, TX(c, handover_move_out_open(c->db, c->lease, &who, &id, &e)));
	ok(c->db, TX(c, handover_move_out_open(c->db, c->lease, &who, &again, &e)));
	assert_int_equal(again, id);
	ok(c->db, TX(c, handover_item_update(c->db, &staff, &who, id, item_of(c, id, 1), "damaged",
					     "外机损坏", 30000, &e)));
	set(c, id, 2, agrees, repair ? 1 : 0, "bank_transfer");
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, id, NULL, approval, &e)));
	return id;
}

static void
test_move_out_compares_with_move_in(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t in, out, approval;
	json_t *h = NULL, *items, *s;

	in = moved_in(c);
	ok(c->db, TX(c, handover_move_out_open(c->db, c->lease, &who, &out, &e)));
	assert_true(out != in);
	ok(c->db, handover_get(c->db, &staff, out, &h, &e));
	items = json_object_get(h, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 1), "before_condition")),
		"worn");
	/* A draft shows what the settlement would be. */
	s = json_object_get(h, "settlement");
	assert_string_equal(json_string_value(json_object_get(s, "state")), "preview");
	assert_int_equal(json_integer_value(json_object_get(s, "deposit_fen")), DEPOSIT);
	assert_int_equal(json_integer_value(json_object_get(s, "refund_if_agrees_fen")), DEPOSIT);
	json_decref(h);
	/* Replacing the items keeps the move-in condition of the same asset. */
	{
		struct handover_item_in it[2] = {
			{ c->heater, "热水器", "missing", "未找到", 80000 },
			{ 0, "阳台门", "good", NULL, 0 },
		};

		ok(c->db, TX(c, handover_items_set(c->db, &staff, &who, out, it, 2, &e)));
	}
	ok(c->db, handover_get(c->db, &staff, out, &h, &e));
	items = json_object_get(h, "items");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "before_condition")),
		"worn");
	assert_true(json_is_null(json_object_get(json_array_get(items, 1), "before_condition")));
	assert_int_equal(json_integer_value(json_object_get(h, "deductions_fen")), 80000);
	json_decref(h);
	/* The tenant's answer and the channel are needed. */
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, out, NULL, &approval, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "tenant_agrees");
	set(c, out, 2, 1, 1, NULL);
	assert_int_equal(TX(c, handover_complete(c->db, &staff, &who, out, NULL, &approval, &e)),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "refund_channel");
	set(c, out, 2, 1, 1, "cash");
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, out, NULL, &approval, &e)));
	assert_true(approval > 0);
	/* The lease ended today, the unit is vacant and under repair. */
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM lease WHERE id = ? AND state = 'ended'", c->lease),
		1);
	assert_unit(c, "under_repair");
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM unit WHERE id = ? AND status_before = 'vacant'",
			      c->unit),
			 1);
	ok(c->db, handover_get(c->db, &staff, out, &h, &e));
	s = json_object_get(h, "settlement");
	assert_string_equal(json_string_value(json_object_get(s, "state")), "requested");
	assert_int_equal(json_integer_value(json_object_get(s, "refund_fen")), DEPOSIT - 80000);
	json_decref(h);
	assert_ledger_sound(c->db);
}

static int64_t
approve(struct ctx *c, const struct caller *by, int64_t approval, struct anju_err *e)
{
	struct audit_actor a = { by->principal, by->name, "finance", "::1", NULL };

	return TX(c, approval_decide(c->db, by, &a, approval, true, "同意", NULL, e));
}

static void
test_settlement_with_agreement(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval, ho, rent, credit, owed;
	struct deposit_info d;

	moved_in(c);
	rent = raise(c, CHARGE_RENT, 50000, "lease_chain", c->chain, "2026-01");
	ho = moved_out(c, 1, false, &approval);
	assert_unit(c, "vacant");
	/* Nobody approves their own request; another operator does not even
	 * see it (operators do not decide). */
	assert_int_equal(approve(c, &staff, approval, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "self_approval");
	assert_int_equal(approve(c, &manager, approval, &e), ANJU_ENOTFOUND);
	assert_int_equal(qint(c, "SELECT COUNT(*) FROM refund WHERE household_id = ?", c->hh), 0);
	ok(c->db, approve(c, &fin, approval, &e));
	/* Deposit 2000.00 − rent 500.00 − deduction 300.00 = 1200.00 back. */
	assert_int_equal(qint(c,
			      "SELECT COALESCE(SUM(amount_fen), 0) FROM refund WHERE"
			      " household_id = ?",
			      c->hh),
			 DEPOSIT - 50000 - 30000);
	ok(c->db, deposit_find(c->db, "lease_chain", c->chain, &d, &e));
	assert_string_equal(d.state, "released");
	assert_int_equal(d.paid_fen, 0);
	assert_int_equal(
		qint(c, "SELECT COUNT(*) FROM charge WHERE id = ? AND state = 'paid'", rent), 1);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM charge WHERE source_type = 'handover' AND"
			      " source_id = ? AND kind = 'repair' AND amount_fen = 30000 AND"
			      " state = 'paid'",
			      ho),
			 1);
	ok(c->db, money_credit(c->db, c->hh, &credit, &e));
	ok(c->db, money_owed(c->db, c->hh, &owed, &e));
	assert_int_equal(credit, 0);
	assert_int_equal(owed, 0);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM deposit_settlement WHERE handover_id = ?"
			      " AND state = 'approved' AND owed_after_fen = 0",
			      ho),
			 1);
	/* Decided once. */
	assert_int_equal(approve(c, &bureau, approval, &e), ANJU_ECONFLICT);
	assert_ledger_sound(c->db);
}

static void
test_settlement_without_agreement(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval, rent, credit, owed;

	moved_in(c);
	rent = raise(c, CHARGE_RENT, 50000, "lease_chain", c->chain, "2026-01");
	moved_out(c, 0, false, &approval);
	ok(c->db, approve(c, &bureau, approval, &e));
	/* The refund is the deposit minus the deduction; the rent stays owed. */
	assert_int_equal(qint(c,
			      "SELECT COALESCE(SUM(amount_fen), 0) FROM refund WHERE"
			      " household_id = ?",
			      c->hh),
			 DEPOSIT - 30000);
	assert_int_equal(qint(c, "SELECT paid_fen FROM charge WHERE id = ?", rent), 0);
	ok(c->db, money_credit(c->db, c->hh, &credit, &e));
	ok(c->db, money_owed(c->db, c->hh, &owed, &e));
	assert_int_equal(credit, 0);
	assert_int_equal(owed, 50000);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM allocation WHERE policy = 'named_charge'"
			      " AND amount_fen = 30000",
			      0),
			 1);
	assert_ledger_sound(c->db);
}

static void
test_settlement_refused_when_money_moved(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval, ho, again = 0;

	moved_in(c);
	ho = moved_out(c, 1, false, &approval);
	/* A payment after the request: the refund would differ. */
	pay(c, 10000);
	assert_int_equal(approve(c, &fin, approval, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "settlement_changed");
	/* Asking again while the first is pending is refused; once it is
	 * rejected, a new request carries the new figures. */
	assert_int_equal(TX(c, deposit_settlement_request(c->db, &staff, &who, ho, NULL, "重新结算",
							  &again, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "settlement_pending");
	{
		struct audit_actor a = { fin.principal, fin.name, "finance", "::1", NULL };

		ok(c->db,
		   TX(c, approval_decide(c->db, &fin, &a, approval, false, "金额有变", NULL, &e)));
	}
	ok(c->db, TX(c, deposit_settlement_request(c->db, &fin, &fin_who, ho, "cash", "重新结算",
						   &again, &e)));
	assert_true(again > approval);
	assert_int_equal(qint(c,
			      "SELECT COUNT(*) FROM deposit_settlement WHERE approval_id = ?"
			      " AND state = 'rejected'",
			      approval),
			 1);
	/* Asked by finance: another finance person approves, not the same. */
	assert_int_equal(approve(c, &fin, again, &e), ANJU_EFORBIDDEN);
	ok(c->db, approve(c, &bureau, again, &e));
	assert_int_equal(qint(c,
			      "SELECT COALESCE(SUM(amount_fen), 0) FROM refund WHERE"
			      " household_id = ?",
			      c->hh),
			 DEPOSIT - 30000 + 10000);
	assert_ledger_sound(c->db);
}

/* The eviction's path: the lease ended first, no move-in on record (a
 * paper lease), the unit still allocated. */
static void
test_move_out_without_move_in(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id, approval;
	char day[DATE_FMT_LEN];
	json_t *h = NULL;

	pay(c, DEPOSIT);
	today(day, 0);
	ok(c->db, TX(c, lease_end(c->db, c->lease, day, "清退", &who, &e)));
	ok(c->db, TX(c, handover_move_out_open(c->db, c->lease, &who, &id, &e)));
	ok(c->db, handover_get(c->db, &staff, id, &h, &e));
	assert_int_equal(json_array_size(json_object_get(h, "items")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(h, "items"), 0),
						 "before_condition")));
	json_decref(h);
	set(c, id, 1, 1, 0, "cash");
	ok(c->db, TX(c, handover_complete(c->db, &staff, &who, id, NULL, &approval, &e)));
	assert_unit(c, "vacant");
	ok(c->db, approve(c, &fin, approval, &e));
	assert_int_equal(qint(c,
			      "SELECT COALESCE(SUM(amount_fen), 0) FROM refund WHERE"
			      " household_id = ?",
			      c->hh),
			 DEPOSIT);
	assert_ledger_sound(c->db);
}

/* The money core alone: a deposit paid in part is released, its unpaid
 * part owed no more; a released charge cannot be cancelled. */
static void
test_deposit_release(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t released, credit, owed;

	struct deposit_info d;

	/* A renewal's increase is a deposit charge of its own, paid in full. */
	raise(c, CHARGE_DEPOSIT, 30000, "lease_chain", c->chain, "2026-06");
	pay(c, 70000 + 30000);
	ok(c->db, money_owed(c->db, c->hh, &owed, &e));
	assert_int_equal(owed, DEPOSIT - 70000);
	ok(c->db, deposit_find(c->db, "lease_chain", c->chain, &d, &e));
	assert_string_equal(d.state, "open");
	assert_int_equal(d.amount_fen, DEPOSIT + 30000);
	assert_int_equal(d.paid_fen, 100000);
	ok(c->db, TX(c, deposit_release(c->db, "lease_chain", c->chain, true, 0, "退房", &who,
					&released, &e)));
	assert_int_equal(released, 100000);
	assert_int_equal(
		qint(c,
		     "SELECT COUNT(*) FROM charge WHERE kind = 'deposit' AND state = 'released'"
		     " AND paid_fen = 0",
		     0),
		2);
	pay(c, 1); /* money paid now stays credit: nothing is open */
	ok(c->db, money_credit(c->db, c->hh, &credit, &e));
	ok(c->db, money_owed(c->db, c->hh, &owed, &e));
	assert_int_equal(credit, 100000 + 1);
	assert_int_equal(owed, 0);
	assert_int_equal(TX(c, deposit_release(c->db, "lease_chain", c->chain, true, 0, "再次",
					       &who, &released, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "charge_released");
	assert_int_equal(TX(c, charge_cancel(c->db, c->deposit, "撤销", &who, &e)), ANJU_ECONFLICT);
	assert_int_equal(TX(c, deposit_release(c->db, "lease_chain", c->chain + 99, true, 0, "无",
					       &who, &released, &e)),
			 ANJU_ENOTFOUND);
	/* The deposit liability is empty again. */
	{
		int64_t acc, fen;

		ok(c->db, TX(c, ledger_account(c->db, LEDGER_DEPOSIT, 0, &acc, &e)));
		ok(c->db, ledger_balance(c->db, acc, &fen, &e));
		assert_int_equal(fen, 0);
	}
	assert_ledger_sound(c->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_move_in_needs_the_deposit_paid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_move_in_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_out_compares_with_move_in, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_settlement_with_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settlement_without_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settlement_refused_when_money_moved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_move_out_without_move_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deposit_release, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
