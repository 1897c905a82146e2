/*
 * Unit tests of the allocation part (tenancy/allocation.h) on a real
 * database (both engines): the waitlist's order (category, special groups,
 * queue time, id) with city-wide positions seen through an operator's
 * scope; a lottery batch from draft to closed (units reserved, the list
 * and its SM3, commitments, a mismatched reveal refused, the draw equal to
 * core/lottery.h's recomputation, publicity, offers in drawn order, accept,
 * refuse passing the unit on, the refusal limit sending a household to the
 * back, withdrawal); a choice batch with turns, a wrong turn, a no-show and
 * a lapsed window; the bureau-only steps refused to operators; wrong
 * states named.  Applications are rows inserted directly (part B's table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/idnum.h"
#include "core/lottery.h"
#include "household/household.h"
#include "store/migrate.h"
#include "tenancy/allocation.h"
#include "testdb.h"
#include "testkeys.h"

#define T0 "'2026-01-01T00:00:00.000000Z'"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, b;    /* communities */
	int64_t unit[6]; /* vacant units of a */
	int64_t unit_b;  /* a vacant unit of b */
	int64_t hh[8];   /* households of a */
	int64_t app[8];  /* their approved applications */
	int64_t hh_b, app_b;
};

static const struct audit_actor who = { "account:1", "tester", "bureau", "::1", NULL };
static struct caller bureau = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
static struct caller manager = {
	CALLER_ACCOUNT, 2, ROLE_OPERATOR_MANAGER, "m", "account:2", false
};
static struct caller staff_b = { CALLER_ACCOUNT, 3, ROLE_OPERATOR_STAFF, "s", "account:3", false };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("allocation", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int64_t
insert_id(struct db *db, const char *sql, const char *text, int64_t n1, int64_t n2)
{
	struct db_stmt *st;
	int64_t id;
	int i = 1;

	ok(db, db_prepare(db, sql, &st));
	if (text != NULL)
		db_bind_cstr(st, i++, text);
	if (strstr(sql, "CAST(? AS BIGINT)") != NULL) {
		db_bind_int64(st, i++, n1);
		if (strstr(strstr(sql, "CAST(? AS BIGINT)") + 1, "CAST(? AS BIGINT)") != NULL)
			db_bind_int64(st, i++, n2);
	}
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int64_t
qint(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v = -1;

	ok(db, db_prepare(db, sql, &st));
	if (strchr(sql, '?') != NULL)
		db_bind_int64(st, 1, arg);
	if (db_step(st) == DB_ROW)
		v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

static void
qtext(struct db *db, const char *sql, int64_t arg, char *out, size_t cap)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, cap, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
	db_reset(st);
}

static int64_t
unit_add(struct db *db, int64_t community, int64_t building, const char *number)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(db,
		      "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		      " layout, floor_area, usable_area, status, status_since, created_at,"
		      " updated_at) VALUES (?, ?, 1, 3, ?, '一室一厅', 4500, 3800, 'vacant', " T0
		      ", " T0 ", " T0 ") RETURNING id",
		      &st));
	db_bind_int64(st, 1, community);
	db_bind_int64(st, 2, building);
	db_bind_cstr(st, 3, number);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* A household of one head in community (household_create), category cat. */
static int64_t
household_add(struct db *db, int64_t community, const char *cat, int n)
{
	char digits[18], id[19], name[32];
	struct member_in m = { { name, id, NULL }, "head" };
	struct household_in in = {
		.community_id = community,
		.category = cat,
		.hukou = "咸宁市",
		.members = &m,
		.nmembers = 1,
	};
	struct anju_err e;
	int64_t hh = 0;

	snprintf(digits, sizeof(digits), "99010119850307%03d", n);
	memcpy(id, digits, 17);
	id[17] = idnum_check_char(digits);
	id[18] = '\0';
	snprintf(name, sizeof(name), "住户%d", n);
	ok(db, db_begin(db));
	ok(db, household_create(db, &in, &who, &hh, &e));
	ok(db, db_commit(db));
	return hh;
}

/* An approved application of household hh queued at queue_at. */
static int64_t
application_add(struct db *db, int64_t hh, int64_t community, const char *cat, const char *queue_at,
		int n)
{
	struct db_stmt *st;
	char name[32];
	int64_t id;

	snprintf(name, sizeof(name), "住*%d", n);
	ok(db, db_prepare(db,
			  "INSERT INTO application (household_id, community_id, category, state,"
			  " state_at, head_masked_name, approved_at, queue_at, created_by,"
			  " created_at, updated_at) VALUES (?, ?, ?, 'approved', ?, ?, ?, ?,"
			  " 'test', ?, ?) RETURNING id",
			  &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, community);
	db_bind_cstr(st, 3, cat);
	db_bind_cstr(st, 4, queue_at);
	db_bind_cstr(st, 5, name);
	db_bind_cstr(st, 6, queue_at);
	db_bind_cstr(st, 7, queue_at);
	db_bind_cstr(st, 8, queue_at);
	db_bind_cstr(st, 9, queue_at);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/*
 * Community a: households 0..7.  Order by design:
 *   hh0 low_income queued 2024-03   hh1 low_income 2024-01
 *   hh2 low_income 2024-06, elderly (30)   hh3 low_income 2025-01, veteran (10)
 *   hh4 new_employee 2020-01 (a later category, however early)
 *   hh5 low_income 2024-01 (same time as hh1, larger id)
 *   hh6 migrant_worker 2023-01   hh7 new_employee 2021-01
 * Waitlist: hh3, hh2, hh1, hh5, hh0, hh4, hh7, hh6.  Community b: one
 * low_income household queued 2024-02 (between hh1/hh5 and hh0).
 */
static const char *const cats[8] = {
	"low_income",   "low_income", "low_income",     "low_income",
	"new_employee", "low_income", "migrant_worker", "new_employee"
};
static const char *const queued[8] = {
	"2024-03-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z", "2024-06-01T00:00:00.000000Z",
	"2025-01-01T00:00:00.000000Z", "2020-01-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z",
	"2023-01-01T00:00:00.000000Z", "2021-01-01T00:00:00.000000Z",
};

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;
	int64_t ba, bb;
	char number[32];

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->a = insert_id(c->db,
			 "INSERT INTO community (name, created_at, updated_at) VALUES (?, " T0
			 ", " T0 ") RETURNING id",
			 "南苑公租房", 0, 0);
	c->b = insert_id(c->db,
			 "INSERT INTO community (name, created_at, updated_at) VALUES (?, " T0
			 ", " T0 ") RETURNING id",
			 "肖桥公租房", 0, 0);
	ba = insert_id(c->db,
		       "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		       " VALUES (CAST(? AS BIGINT), '1', 6, 2, " T0 ") RETURNING id",
		       NULL, c->a, 0);
	bb = insert_id(c->db,
		       "INSERT INTO building (community_id, name, floors, entrances, created_at)"
		       " VALUES (CAST(? AS BIGINT), '1', 6, 2, " T0 ") RETURNING id",
		       NULL, c->b, 0);
	for (int i = 0; i < 6; i++) {
		snprintf(number, sizeof(number), "1-1-%d01", i + 1);
		c->unit[i] = unit_add(c->db, c->a, ba, number);
	}
	c->unit_b = unit_add(c->db, c->b, bb, "1-1-101");
	for (int i = 0; i < 8; i++) {
		c->hh[i] = household_add(c->db, c->a, cats[i], i + 1);
		c->app[i] = application_add(c->db, c->hh[i], c->a, cats[i], queued[i], i + 1);
	}
	c->hh_b = household_add(c->db, c->b, "low_income", 20);
	c->app_b = application_add(c->db, c->hh_b, c->b, "low_income",
				   "2024-02-01T00:00:00.000000Z", 20);
	ok(c->db, run_int(c->db, "UPDATE household SET special_groups = 'elderly' WHERE id = ?",
			  c->hh[2]) == DB_DONE
			  ? 0
			  : -1);
	ok(c->db,
	   run_int(c->db, "UPDATE household SET special_groups = 'elderly,veteran' WHERE id = ?",
		   c->hh[3]) == DB_DONE
		   ? 0
		   : -1);
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, "account:2", &c->a, 1, &e));
	ok(c->db, scope_set(c->db, "account:3", &c->b, 1, &e));
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

static void
test_waitlist_order(void **state)
{
	struct ctx *c = *state;
	struct waitlist w = { 0 };
	struct waitlist_filter f = { .limit = 50 };
	struct anju_err e;
	json_t *items = NULL, *pos = NULL;
	int64_t next = 0;
	/* hh3, hh2, hh1, hh5, b, hh0, hh4, hh7, hh6 */
	int64_t want[9] = { c->app[3], c->app[2], c->app[1], c->app[5], c->app_b,
			    c->app[0], c->app[4], c->app[7], c->app[6] };

	ok(c->db, waitlist_load(c->db, &w, &e));
	assert_int_equal(w.n, 9);
	for (int i = 0; i < 9; i++) {
		assert_int_equal(w.items[i].application_id, want[i]);
		assert_int_equal(w.items[i].position, i + 1);
	}
	waitlist_free(&w);

	/* The operator of community b sees its one household at position 5. */
	ok(c->db, waitlist_list(c->db, &staff_b, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "position")),
			 5);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(items, 0), "category_position")),
		5);
	json_decref(items);
	/* Pages of two for the bureau, filtered by category. */
	f.limit = 2;
	f.category = "new_employee";
	ok(c->db, waitlist_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(next, 0);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(items, 0), "category_position")),
		1);
	/* Approved 2020-01: past the 60 months of the default policy. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "warning")),
			    "over");
	json_decref(items);
	f.category = NULL;
	ok(c->db, waitlist_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(next, 2);
	json_decref(items);
	f.after = next;
	ok(c->db, waitlist_list(c->db, &bureau, &f, &items, &next, &e));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "position")),
			 3);
	/* Approved 2024-01: no warning (the maximum is 60 months). */
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "warning")));
	json_decref(items);

	/* Out of scope: the household does not exist for that operator. */
	assert_int_equal(waitlist_position(c->db, &staff_b, c->hh[0], &pos, &e), ANJU_ENOTFOUND);
	ok(c->db, waitlist_position(c->db, &manager, c->hh[0], &pos, &e));
	assert_true(json_is_true(json_object_get(pos, "on_waitlist")));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(pos, "entry"), "position")), 6);
	assert_int_equal(json_integer_value(json_object_get(pos, "total")), 9);
	json_decref(pos);
}

/* Runs f in a transaction that commits when it returns 0. */
#define TX(c, call)                                                                                \
	({                                                                                         \
		int rc_;                                                                           \
		ok((c)->db, db_begin((c)->db));                                                    \
		rc_ = (call);                                                                      \
		if (rc_ == 0)                                                                      \
			ok((c)->db, db_commit((c)->db));                                           \
		else                                                                               \
			db_rollback((c)->db);                                                      \
		rc_;                                                                               \
	})

static const char *const party_names[3] = { "市住房保障局", "运营单位", "公证处" };
static const char *const party_values[3] = { "bureau-secret-31337", "operator-secret-4711",
					     "notary-secret-2718" };

static int64_t
lottery_batch(struct ctx *c, const int64_t *units, int nunits, int invite, int publicity_days)
{
	struct allocation_in in = {
		.community_id = c->a,
		.title = "2026年第一批公租房摇号配租",
		.method = "lottery",
		.unit_ids = units,
		.nunits = nunits,
		.invite_count = invite,
		.parties = party_names,
		.nparties = 3,
		.publicity_days = publicity_days,
	};
	struct anju_err e;
	int64_t id = 0;

	ok(c->db, TX(c, allocation_create(c->db, &manager, &who, &in, &id, &e)));
	return id;
}

static void
commit_all(struct ctx *c, int64_t id)
{
	struct anju_err e;
	char hash[LOTTERY_HEX_LEN];

	for (int k = 0; k < 3; k++) {
		lottery_hash_hex(party_values[k], strlen(party_values[k]), hash);
		ok(c->db,
		   TX(c, allocation_commit(c->db, &manager, &who, id, party_names[k], hash, &e)));
	}
}

static void
test_lottery_path(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t units[4] = { c->unit[0], c->unit[1], c->unit[2], c->unit[3] };
	int64_t id, other, n;
	json_t *rec = NULL, *got = NULL;
	char text[8192], hash[LOTTERY_HEX_LEN], stored[LOTTERY_HEX_LEN], bad[LOTTERY_HEX_LEN];
	bool drawn = false;

	id = lottery_batch(c, units, 3, 5, 0);
	assert_int_equal(qint(c->db, "SELECT invite_count FROM allocation_batch WHERE id = ?", id),
			 5);
	/* Units are reserved: another batch cannot take one. */
	{
		struct allocation_in in = { .community_id = c->a,
					    .title = "x",
					    .method = "choice",
					    .unit_ids = &units[2],
					    .nunits = 1 };

		assert_int_equal(TX(c, allocation_create(c->db, &bureau, &who, &in, &other, &e)),
				 ANJU_ECONFLICT);
		assert_string_equal(e.key, "unit_reserved");
		/* A unit of another community: refused. */
		in.unit_ids = &c->unit_b;
		assert_int_equal(TX(c, allocation_create(c->db, &bureau, &who, &in, &other, &e)),
				 ANJU_EUNPROCESSABLE);
		/* Not vacant. */
		run_int(c->db, "UPDATE unit SET status = 'occupied' WHERE id = ?", c->unit[5]);
		in.unit_ids = &c->unit[5];
		assert_int_equal(TX(c, allocation_create(c->db, &bureau, &who, &in, &other, &e)),
				 ANJU_ECONFLICT);
		assert_string_equal(e.key, "unit_not_vacant");
		run_int(c->db, "UPDATE unit SET status = 'vacant' WHERE id = ?", c->unit[5]);
		/* An operator of another community does not see community a. */
		in.unit_ids = &c->unit[4];
		assert_int_equal(TX(c, allocation_create(c->db, &staff_b, &who, &in, &other, &e)),
				 ANJU_ENOTFOUND);
	}

	/* The operator prepares; the bureau publishes. */
	assert_int_equal(TX(c, allocation_publish(c->db, &manager, &who, id, &e)), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	/* Commitments before publication: the state is named. */
	lottery_hash_hex("x", 1, hash);
	assert_int_equal(
		TX(c, allocation_commit(c->db, &manager, &who, id, party_names[0], hash, &e)),
		ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "草稿"));
	ok(c->db, TX(c, allocation_publish(c->db, &bureau, &who, id, &e)));
	assert_int_equal(TX(c, allocation_publish(c->db, &bureau, &who, id, &e)), ANJU_ECONFLICT);
	/* The list: the five top of community a's households, in waitlist order;
	 * its hash is SM3 of the stored text. */
	assert_int_equal(qint(c->db, "SELECT COUNT(*) FROM batch_entry WHERE batch_id = ?", id), 5);
	assert_int_equal(qint(c->db,
			      "SELECT application_id FROM batch_entry WHERE batch_id = ?"
			      " AND position = 1",
			      id),
			 c->app[3]);
	assert_int_equal(qint(c->db,
			      "SELECT application_id FROM batch_entry WHERE batch_id = ?"
			      " AND position = 5",
			      id),
			 c->app[0]);
	qtext(c->db, "SELECT list_text FROM allocation_batch WHERE id = ?", id, text, sizeof(text));
	qtext(c->db, "SELECT list_hash FROM allocation_batch WHERE id = ?", id, stored,
	      sizeof(stored));
	lottery_hash_hex(text, strlen(text), hash);
	assert_string_equal(hash, stored);
	assert_non_null(strstr(text, "\"name\":\"住*4\""));

	/* Bad hash; unknown party; then all three commit. */
	assert_int_equal(
		TX(c, allocation_commit(c->db, &manager, &who, id, party_names[0], "abc", &e)),
		ANJU_EINVAL);
	lottery_hash_hex("y", 1, hash);
	assert_int_equal(TX(c, allocation_commit(c->db, &manager, &who, id, "路人", hash, &e)),
			 ANJU_ENOTFOUND);
	commit_all(c, id);
	assert_int_equal(
		TX(c, allocation_commit(c->db, &manager, &who, id, party_names[0], hash, &e)),
		ANJU_ECONFLICT);
	/* Reveals: the bureau's; a value that is not the committed one is
	 * refused and leaves nothing behind. */
	assert_int_equal(TX(c, allocation_reveal(c->db, &manager, &who, id, party_names[0],
						 party_values[0], &drawn, &e)),
			 ANJU_EFORBIDDEN);
	assert_int_equal(TX(c, allocation_reveal(c->db, &bureau, &who, id, party_names[1],
						 "operator-secret-4712", &drawn, &e)),
			 ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "commitment_mismatch");
	for (int k = 0; k < 3; k++) {
		ok(c->db, TX(c, allocation_reveal(c->db, &bureau, &who, id, party_names[k],
						  party_values[k], &drawn, &e)));
		assert_int_equal(drawn, k == 2);
	}
	/* The draw is core/lottery.h's on the published inputs. */
	{
		const char *vals[3] = { party_values[0], party_values[1], party_values[2] };
		size_t lens[3] = { strlen(vals[0]), strlen(vals[1]), strlen(vals[2]) };
		uint8_t seed[32];
		char seed_hex[65];
		int64_t order[5], uorder[3];

		assert_int_equal(lottery_seed(stored, vals, lens, 3, seed), 0);
		hex_encode(seed, 32, seed_hex);
		qtext(c->db, "SELECT seed FROM allocation_batch WHERE id = ?", id, bad,
		      sizeof(bad));
		assert_string_equal(bad, seed_hex);
		lottery_draw(seed, order, 5, uorder, 3);
		for (int k = 0; k < 5; k++) {
			struct db_stmt *st;

			ok(c->db, db_prepare(c->db,
					     "SELECT draw_rank FROM batch_entry WHERE batch_id = ?"
					     " AND position = ?",
					     &st));
			db_bind_int64(st, 1, id);
			db_bind_int64(st, 2, order[k]);
			assert_int_equal(db_step(st), DB_ROW);
			assert_int_equal(db_col_int64(st, 0), k + 1);
			db_reset(st);
		}
		ok(c->db, allocation_draw_record(c->db, NULL, id, &rec, &e));
		for (int k = 0; k < 5; k++)
			assert_int_equal(json_integer_value(json_array_get(
						 json_object_get(rec, "order"), (size_t)k)),
					 order[k]);
		assert_int_equal(json_array_size(json_object_get(rec, "matches")), 3);
		assert_string_equal(json_string_value(json_object_get(rec, "list_text")), text);
		json_decref(rec);
	}
	/* Publicity, then offers to the first three of the drawn order. */
	assert_int_equal(TX(c, allocation_open_offers(c->db, &bureau, &who, id, &e)),
			 ANJU_ECONFLICT);
	assert_int_equal(TX(c, allocation_start_publicity(c->db, &manager, &who, id, &e)),
			 ANJU_EFORBIDDEN);
	ok(c->db, TX(c, allocation_start_publicity(c->db, &bureau, &who, id, &e)));
	ok(c->db, TX(c, allocation_open_offers(c->db, &bureau, &who, id, &e)));
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM offer WHERE batch_id = ? AND state = 'offered'",
			      id),
			 3);
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM offer o JOIN batch_entry be ON be.id ="
			      " o.entry_id JOIN batch_unit bu ON bu.batch_id = o.batch_id AND"
			      " bu.unit_id = o.unit_id WHERE o.batch_id = ? AND be.draw_rank ="
			      " bu.draw_rank",
			      id),
			 3);

	/* Accept the rank-1 offer: unit allocated, application allocated. */
	{
		int64_t o1 = qint(c->db,
				  "SELECT o.id FROM offer o JOIN batch_entry be ON be.id ="
				  " o.entry_id WHERE o.batch_id = ? AND be.draw_rank = 1",
				  id);
		int64_t u1 = qint(c->db, "SELECT unit_id FROM offer WHERE id = ?", o1);
		int64_t a1 = qint(c->db, "SELECT application_id FROM offer WHERE id = ?", o1);
		int64_t o2 = qint(c->db,
				  "SELECT o.id FROM offer o JOIN batch_entry be ON be.id ="
				  " o.entry_id WHERE o.batch_id = ? AND be.draw_rank = 2",
				  id);
		int64_t a2 = qint(c->db, "SELECT application_id FROM offer WHERE id = ?", o2);
		int64_t u2 = qint(c->db, "SELECT unit_id FROM offer WHERE id = ?", o2);
		int64_t a4 = qint(c->db,
				  "SELECT application_id FROM batch_entry WHERE batch_id = ?"
				  " AND draw_rank = 4",
				  id);
		char buf[64];

		ok(c->db, TX(c, offer_accept(c->db, &manager, &who, o1, &e)));
		qtext(c->db, "SELECT status FROM unit WHERE id = ?", u1, buf, sizeof(buf));
		assert_string_equal(buf, "allocated");
		qtext(c->db, "SELECT state FROM application WHERE id = ?", a1, buf, sizeof(buf));
		assert_string_equal(buf, "allocated");
		assert_int_equal(TX(c, offer_accept(c->db, &manager, &who, o1, &e)),
				 ANJU_ECONFLICT);
		assert_non_null(strstr(e.msg, "已接受"));
		/* Out of scope: another community's operator finds no offer. */
		assert_int_equal(TX(c, offer_accept(c->db, &staff_b, &who, o2, &e)),
				 ANJU_ENOTFOUND);

		/* Rank 2 refuses with one refusal already: the limit (2) sends it to
		 * the back; the unit goes to rank 4. */
		run_int(c->db, "UPDATE application SET refusals = 1 WHERE id = ?", a2);
		ok(c->db, TX(c, offer_decline(c->db, &manager, &who, o2, "refused", "太远", &e)));
		assert_int_equal(qint(c->db, "SELECT refusals FROM application WHERE id = ?", a2),
				 0);
		qtext(c->db, "SELECT queue_at FROM application WHERE id = ?", a2, buf, sizeof(buf));
		assert_true(strcmp(buf, "2026-01-01") > 0);
		assert_int_equal(qint(c->db,
				      "SELECT COUNT(*) FROM audit_log WHERE action ="
				      " 'application.send_to_back' AND object_id = CAST(? AS TEXT)",
				      a2),
				 1);
		assert_int_equal(qint(c->db,
				      "SELECT application_id FROM offer WHERE unit_id = ?"
				      " AND state = 'offered'",
				      u2),
				 a4);

		/* The bureau withdraws the accepted offer: unit vacant, application
		 * back on the waitlist, the unit to rank 5. */
		assert_int_equal(TX(c, offer_withdraw(c->db, &manager, &who, o1, "核查", &e)),
				 ANJU_EFORBIDDEN);
		ok(c->db, TX(c, offer_withdraw(c->db, &bureau, &who, o1, "资格存疑", &e)));
		qtext(c->db, "SELECT status FROM unit WHERE id = ?", u1, buf, sizeof(buf));
		assert_string_equal(buf, "vacant");
		qtext(c->db, "SELECT state FROM application WHERE id = ?", a1, buf, sizeof(buf));
		assert_string_equal(buf, "approved");
		assert_int_equal(
			qint(c->db,
			     "SELECT be.draw_rank FROM offer o JOIN batch_entry be ON"
			     " be.id = o.entry_id WHERE o.unit_id = ? AND o.state = 'offered'",
			     u1),
			5);
	}
	/* A lapsed offer becomes a no-show when the batch is next touched. */
	run_int(c->db,
		"UPDATE offer SET respond_by = '2020-01-01' WHERE batch_id = ? AND state = "
		"'offered'",
		id);
	{
		int lapsed = 0;

		ok(c->db, TX(c, allocation_sweep(c->db, &who, id, &lapsed, &e)));
		assert_int_equal(lapsed, 3);
	}
	/* Nobody left to offer to: the batch closed and released its units. */
	ok(c->db, allocation_get(c->db, &bureau, id, &got, &e));
	assert_string_equal(json_string_value(json_object_get(got, "state")), "closed");
	json_decref(got);
	assert_int_equal(qint(c->db,
			      "SELECT COUNT(*) FROM batch_unit WHERE batch_id = ? AND reserved = 1",
			      id),
			 0);
	n = qint(c->db, "SELECT COUNT(*) FROM offer WHERE batch_id = ? AND state = 'no_show'", id);
	assert_int_equal(n, 3);
	assert_int_equal(TX(c, allocation_close(c->db, &bureau, &who, id, "结束", &e)),
			 ANJU_ECONFLICT);
}

static void
test_choice_path(void **state)
{
	struct ctx *c = *state;
	struct allocation_in in = {
		.community_id = c->a,
		.title = "选房批次",
		.method = "choice",
		.unit_ids = c->unit,
		.nunits = 2,
		.invite_count = 4,
	};
	struct anju_err e;
	int64_t id = 0, offer = 0;
	json_t *got = NULL;
	char buf[64];

	ok(c->db, TX(c, allocation_create(c->db, &bureau, &who, &in, &id, &e)));
	ok(c->db, TX(c, allocation_publish(c->db, &bureau, &who, id, &e)));
	/* No lottery for a choice batch. */
	assert_int_equal(allocation_draw_record(c->db, &bureau, id, &got, &e), ANJU_ENOTFOUND);
	assert_int_equal(TX(c, allocation_open_offers(c->db, &manager, &who, id, &e)),
			 ANJU_EFORBIDDEN);
	ok(c->db, TX(c, allocation_open_offers(c->db, &bureau, &who, id, &e)));
	/* The first turn is hh3's (position 1). */
	assert_int_equal(TX(c, allocation_choose(c->db, &manager, &who, id, c->hh[2], c->unit[0],
						 &offer, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "not_your_turn");
	assert_int_equal(TX(c, allocation_turn_pass(c->db, &manager, &who, id, c->hh[3], "no_show",
						    "未到场", &e)),
			 0);
	assert_int_equal(qint(c->db, "SELECT refusals FROM application WHERE id = ?", c->app[3]),
			 1);
	/* hh2 picks unit 1. */
	ok(c->db,
	   TX(c, allocation_choose(c->db, &manager, &who, id, c->hh[2], c->unit[1], &offer, &e)));
	qtext(c->db, "SELECT status FROM unit WHERE id = ?", c->unit[1], buf, sizeof(buf));
	assert_string_equal(buf, "allocated");
	qtext(c->db, "SELECT state FROM offer WHERE id = ?", offer, buf, sizeof(buf));
	assert_string_equal(buf, "accepted");
	ok(c->db, allocation_get(c->db, &manager, id, &got, &e));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(got, "turn"), "household_id")),
		c->hh[1]);
	json_decref(got);
	/* hh1's window lapses: a no-show; the last household (hh5) takes the
	 * last unit and the batch closes. */
	run_int(c->db,
		"UPDATE batch_entry SET turn_until = '2020-01-01T00:00:00.000000Z' WHERE"
		" batch_id = ? AND state = 'offered'",
		id);
	assert_int_equal(TX(c, allocation_choose(c->db, &manager, &who, id, c->hh[1], c->unit[0],
						 &offer, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "not_your_turn");
	assert_int_equal(TX(c, allocation_choose(c->db, &manager, &who, id, c->hh[5], c->unit[1],
						 &offer, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "unit_taken");
	ok(c->db,
	   TX(c, allocation_choose(c->db, &manager, &who, id, c->hh[5], c->unit[0], &offer, &e)));
	ok(c->db, allocation_get(c->db, &manager, id, &got, &e));
	assert_string_equal(json_string_value(json_object_get(got, "state")), "closed");
	assert_int_equal(json_integer_value(json_object_get(got, "units_taken")), 2);
	json_decref(got);
	qtext(c->db, "SELECT state FROM batch_entry WHERE application_id = ?", c->app[1], buf,
	      sizeof(buf));
	assert_string_equal(buf, "no_show");
}

static void
test_cancel_releases(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t units[2] = { c->unit[4], c->unit[5] }, id, again;
	struct allocation_in in = { .community_id = c->a,
				    .title = "再来",
				    .method = "choice",
				    .unit_ids = units,
				    .nunits = 2 };

	id = lottery_batch(c, units, 2, 0, 7);
	assert_int_equal(qint(c->db, "SELECT invite_count FROM allocation_batch WHERE id = ?", id),
			 4);
	ok(c->db, TX(c, allocation_publish(c->db, &bureau, &who, id, &e)));
	commit_all(c, id);
	/* Only the bureau cancels a published batch. */
	assert_int_equal(TX(c, allocation_cancel(c->db, &manager, &who, id, "重来", &e)),
			 ANJU_EFORBIDDEN);
	ok(c->db, TX(c, allocation_cancel(c->db, &bureau, &who, id, "重来", &e)));
	ok(c->db, TX(c, allocation_create(c->db, &manager, &who, &in, &again, &e)));
	/* A draft the operator's manager made, it may cancel. */
	ok(c->db, TX(c, allocation_cancel(c->db, &manager, &who, again, "不用了", &e)));
	/* Publicity not over: offers wait. */
	id = lottery_batch(c, units, 2, 2, 7);
	ok(c->db, TX(c, allocation_publish(c->db, &bureau, &who, id, &e)));
	commit_all(c, id);
	for (int k = 0; k < 3; k++) {
		bool drawn;

		ok(c->db, TX(c, allocation_reveal(c->db, &bureau, &who, id, party_names[k],
						  party_values[k], &drawn, &e)));
	}
	ok(c->db, TX(c, allocation_start_publicity(c->db, &bureau, &who, id, &e)));
	assert_int_equal(TX(c, allocation_open_offers(c->db, &bureau, &who, id, &e)),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "publicity_running");
	assert_int_equal(TX(c, allocation_cancel(c->db, &bureau, &who, id, "x", &e)),
			 ANJU_ECONFLICT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_waitlist_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lottery_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choice_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_releases, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
