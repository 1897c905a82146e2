/*
 * Unit tests of the pilot's demo data (both engines): the generator alone
 * (reproducible households, consistent ages, valid and unique ID numbers in
 * region 99, unique phones starting 100, buildings adding up to 2936
 * units), then one whole load as the "demo" job, stopped after a few chunks
 * and resumed by another worker: 3 communities, 2936 units with confirmed
 * checks, 85% of them let, 3000 households, applications in every stage, every sealed ID number
 * starting 99 and valid, one account per business role with its scope, passwords handed out once,
 * the audit chain intact, and a second load refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "access/password.h"
#include "access/person.h"
#include "access/pii.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/idnum.h"
#include "demo/demo.h"
#include "files/files.h"
#include "money/check.h"
#include "tenancy/application.h"
#include "upkeep/work_order.h"
#include "housing/housing.h"
#include "jobs/job.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"
#include "testjob.h"

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("demo", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Years between two birth dates "YYYYMMDD" (digits 7..14 of an ID number),
 * rounded down. */
static int
years_apart(const char *older_id, const char *younger_id)
{
	char a[9], b[9];

	memcpy(a, older_id + 6, 8);
	memcpy(b, younger_id + 6, 8);
	a[8] = b[8] = '\0';
	return (atoi(b) - atoi(a)) / 10000;
}

static void
test_buildings_add_up(void **state)
{
	int units = 0;

	(void)state;
	assert_int_equal(demo_building_count(), 29);
	for (int k = 0; k < demo_building_count(); k++) {
		assert_true(demo_building_units(k) > 0);
		units += demo_building_units(k);
	}
	assert_int_equal(units, DEMO_UNITS);
	assert_int_equal(demo_building_units(demo_building_count()), 0);
}

static void
test_households_generated(void **state)
{
	enum { MAXP = DEMO_HOUSEHOLDS * DEMO_MEMBERS_MAX };
	static struct demo_household all[DEMO_HOUSEHOLDS];
	char **ids = xcalloc(MAXP, sizeof(char *)), **phones = xcalloc(MAXP, sizeof(char *));
	struct date today = date_in_shanghai(time_now_us());
	int nids = 0, nphones = 0, per_community[DEMO_COMMUNITIES] = { 0 }, categories = 0;
	struct demo_household again;

	(void)state;
	for (int i = 0; i < DEMO_HOUSEHOLDS; i++) {
		struct demo_household *h = &all[i];
		const char *head_id, *spouse_id = NULL;

		demo_household_make(i, h);
		demo_household_make(i, &again);
		assert_memory_equal(h, &again, sizeof(again)); /* reproducible */
		assert_in_range(h->nmembers, 1, DEMO_MEMBERS_MAX);
		assert_in_range(h->community, 0, DEMO_COMMUNITIES - 1);
		per_community[h->community]++;
		if (strcmp(h->category, "low_income") == 0)
			categories |= 1;
		else if (strcmp(h->category, "new_employee") == 0)
			categories |= 2;
		else if (strcmp(h->category, "migrant_worker") == 0)
			categories |= 4;
		else
			fail_msg("household %d: category %s", i, h->category);
		assert_true(h->monthly_income_fen > 0 && h->assets_fen >= 0);
		assert_true(h->hukou[0] != '\0' && h->employer[0] != '\0');
		assert_string_equal(h->members[0].relationship, "head");
		head_id = h->members[0].id_number;
		for (int k = 0; k < h->nmembers; k++) {
			const struct demo_person *m = &h->members[k];
			struct idnum parsed;
			struct anju_err e;

			assert_true(strlen(m->name) >= 6); /* a surname and a given name */
			assert_int_equal(strlen(m->id_number), 18);
			assert_memory_equal(m->id_number, "99", 2);
			if (idnum_parse(str_c(m->id_number), today, &parsed, &e) != 0)
				fail_msg("household %d member %d: %s %s", i, k, m->id_number,
					 e.key);
			assert_string_equal(parsed.number, m->id_number);
			ids[nids++] = (char *)m->id_number;
			if (m->phone[0] != '\0') {
				assert_int_equal(strlen(m->phone), 11);
				assert_memory_equal(m->phone, "100", 3);
				phones[nphones++] = (char *)m->phone;
			}
			if (k > 0)
				assert_string_not_equal(m->relationship, "head");
			if (strcmp(m->relationship, "spouse") == 0) {
				spouse_id = m->id_number;
				/* Opposite sexes: the 17th digit's parity differs. */
				assert_int_not_equal((head_id[16] - '0') % 2,
						     (m->id_number[16] - '0') % 2);
			}
			if (strcmp(m->relationship, "child") == 0) {
				assert_true(years_apart(head_id, m->id_number) >= 20);
				if (spouse_id != NULL)
					assert_true(years_apart(spouse_id, m->id_number) >= 20);
			}
			if (strcmp(m->relationship, "parent") == 0)
				assert_true(years_apart(m->id_number, head_id) >= 21);
		}
		assert_true(h->members[0].phone[0] != '\0'); /* heads are adults */
	}
	assert_int_equal(categories, 7);
	/* Spread over the three communities about as their units are. */
	assert_in_range(per_community[0], 1000, 1250);
	assert_in_range(per_community[1], 820, 1050);
	assert_in_range(per_community[2], 820, 1050);
	qsort(ids, (size_t)nids, sizeof(char *), cmp_str);
	for (int i = 1; i < nids; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	qsort(phones, (size_t)nphones, sizeof(char *), cmp_str);
	for (int i = 1; i < nphones; i++)
		assert_string_not_equal(phones[i - 1], phones[i]);
	assert_true(nids > 2 * DEMO_HOUSEHOLDS); /* about 2.5 members a household */
	free(ids);
	free(phones);
}

struct issued {
	int n;
	char username[8][24];
	char password[8][24];
};

static void
collect(void *ud, const struct demo_account *a, const char *password)
{
	struct issued *is = ud;

	assert_true(is->n < 8);
	snprintf(is->username[is->n], sizeof(is->username[0]), "%s", a->username);
	snprintf(is->password[is->n], sizeof(is->password[0]), "%s", password);
	is->n++;
}

static json_t *
job_json(struct db *db, int64_t id)
{
	struct anju_err e;
	json_t *j = NULL;

	ok(db, job_get(db, id, &j, &e));
	return j;
}

static int64_t
new_job(struct db *db)
{
	struct anju_err e;
	json_t *p = json_object();
	int64_t id = 0;

	ok(db, db_begin(db));
	ok(db, job_create(db, "demo", p, "test", &id, &e));
	ok(db, db_commit(db));
	json_decref(p);
	return id;
}

/* Every sealed ID number opens, starts with 99 and passes GB 11643. */
static void
check_sealed_id_numbers(struct db *db, int64_t expect)
{
	struct date today = date_in_shanghai(time_now_us());
	struct db_stmt *st;
	int64_t n = 0;

	ok(db, db_prepare(db, "SELECT id_number_sealed FROM person ORDER BY id", &st));
	while (db_step(st) == DB_ROW) {
		char *plain = NULL;
		size_t len = 0;
		struct idnum parsed;
		struct anju_err e;

		assert_int_equal(pii_open(kr, db_col_text(st, 0), &plain, &len), 0);
		assert_int_equal(len, 18);
		assert_memory_equal(plain, "99", 2);
		assert_int_equal(idnum_parse((struct str){ plain, len }, today, &parsed, &e), 0);
		pii_plain_free(plain, len);
		n++;
	}
	db_reset(st);
	assert_int_equal(n, expect);
}

static void
check_accounts(struct db *db)
{
	struct demo_household h;
	struct anju_err e;
	int64_t tenant_person = 0;
	int n = 0;

	demo_household_make(0, &h);
	ok(db, person_find(db, h.members[0].id_number, &tenant_person, &e));
	for (const struct demo_account *a = demo_accounts; a->username != NULL; a++, n++) {
		json_t *j = NULL, *scope;
		int64_t id = 0;

		ok(db, account_find(db, a->username, &id, &e));
		ok(db, account_get(db, id, &j, &e));
		scope = json_object_get(j, "scope");
		assert_string_equal(json_string_value(json_object_get(j, "role")),
				    role_name(a->role));
		assert_true(json_is_true(json_object_get(j, "must_change_password")));
		if (a->role == ROLE_TENANT) {
			assert_int_equal(json_integer_value(json_object_get(j, "person_id")),
					 tenant_person);
			assert_string_equal(json_string_value(json_object_get(j, "display_name")),
					    h.members[0].name);
		} else if (role_needs_set(a->role)) {
			assert_false(json_is_true(json_object_get(scope, "all")));
			assert_int_equal(json_array_size(json_object_get(scope, "communities")),
					 DEMO_COMMUNITIES);
		} else {
			assert_true(json_is_true(json_object_get(scope, "all")));
		}
		json_decref(j);
	}
	/* One account of each business role, and a second of the bureau's (its
	 * decisions take two people), and no other. */
	assert_int_equal(n, ROLE_COUNT - ROLE_BUREAU + 1);
	assert_int_equal(query_int(db, "SELECT COUNT(DISTINCT role) FROM account WHERE role NOT IN"
				       " ('admin', 'security', 'auditor')"),
			 ROLE_COUNT - ROLE_BUREAU);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM account WHERE role = 'bureau'"), 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM account"),
			 ROLE_COUNT - ROLE_BUREAU + 1);
}

/* The upkeep: points and plans in every community, the past days' rounds
 * missed and today's in every state the demo promises, work orders in every
 * state, cases from suspicion to the bureau's decision, renovations. */
static int64_t
count_in(struct db *db, const char *sql, const char *value)
{
	struct db_stmt *st;
	int64_t n = -1;

	ok(db, db_prepare(db, sql, &st));
	db_bind_cstr(st, 1, value);
	if (db_step(st) == DB_ROW)
		n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static void
check_upkeep(struct db *db)
{
	static const struct {
		const char *community;
		int64_t points;
	} points[] = {
		/* entrances, 3 on the grounds, a lift, 4 vacant units (肖桥: and
		 * the watched unit) */
		{ "南苑公租房", 29 + 3 + 1 + 4 },
		{ "肖桥公租房", 17 + 3 + 1 + 1 + 4 },
		{ "长安花苑公租房", 16 + 3 + 1 + 4 },
	};
	char today[DATE_FMT_LEN];

	date_format(date_today_shanghai(), today);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		assert_int_equal(count_in(db,
					  "SELECT COUNT(*) FROM patrol_point p JOIN community c"
					  " ON c.id = p.community_id WHERE c.name = ?",
					  points[i].community),
				 points[i].points);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM patrol_point_item"),
			 (29 + 17 + 16) * 4 + 3 * (2 + 1 + 2) + 3 + 3 + 3 * 4 * 4);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM patrol_plan WHERE frequency = 'daily'"
				       " AND name = '楼道与消防通道日常巡查'"),
			 DEMO_COMMUNITIES);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM patrol_plan WHERE frequency ="
				       " 'weekly' AND name = '空置房巡查'"),
			 DEMO_COMMUNITIES);
	/* The inspector walks every plan, the staff the daily ones. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM patrol_plan_inspector i JOIN account a"
				       " ON a.id = i.account_id WHERE a.username = 'inspector'"),
			 2 * DEMO_COMMUNITIES);
	assert_int_equal(query_int(db,
				   "SELECT COUNT(*) FROM patrol_plan_inspector i JOIN account a"
				   " ON a.id = i.account_id WHERE a.username = 'operator_staff'"),
			 DEMO_COMMUNITIES);
	/* The past days' daily rounds missed; today's: 肖桥's walked, 长安花苑's
	 * half, 南苑's and the weekly ones waiting. */
	assert_int_equal(count_in(db, "SELECT COUNT(*) FROM patrol_round WHERE due_on < ?", today),
			 DEMO_PATROL_PAST_DAYS * DEMO_COMMUNITIES);
	assert_int_equal(count_in(db,
				  "SELECT COUNT(*) FROM patrol_round WHERE due_on < ?"
				  " AND state = 'missed'",
				  today),
			 DEMO_PATROL_PAST_DAYS * DEMO_COMMUNITIES);
	assert_int_equal(count_in(db, "SELECT COUNT(*) FROM patrol_round WHERE due_on = ?", today),
			 2 * DEMO_COMMUNITIES);
	assert_int_equal(count_in(db,
				  "SELECT COUNT(*) FROM patrol_round r JOIN community c ON"
				  " c.id = r.community_id WHERE c.name = '肖桥公租房'"
				  " AND r.plan_name = '楼道与消防通道日常巡查' AND r.state = 'done'"
				  " AND r.due_on = ?",
				  today),
			 1);
	assert_int_equal(count_in(db,
				  "SELECT COUNT(*) FROM patrol_round r JOIN community c ON"
				  " c.id = r.community_id WHERE c.name = '长安花苑公租房'"
				  " AND r.state = 'in_progress' AND r.due_on = ?",
				  today),
			 1);
	assert_int_equal(count_in(db,
				  "SELECT COUNT(*) FROM patrol_round r JOIN community c ON"
				  " c.id = r.community_id WHERE c.name = '南苑公租房'"
				  " AND r.state = 'assigned' AND r.due_on = ?",
				  today),
			 2);
	/* Findings: three opened work orders, one a suspected case. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM patrol_result WHERE outcome ="
				       " 'not_fine'"),
			 4);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM work_order WHERE source = 'patrol'"),
			 3);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM violation_case WHERE source ="
				       " 'patrol' AND state = 'suspected'"),
			 1);
	/* Work orders in every state, one reopened, one tenant-paid with its
	 * repair charge, the lifts' preventive orders one per lift. */
	for (int k = 0; work_order_states[k] != NULL; k++)
		if (count_in(db, "SELECT COUNT(*) FROM work_order WHERE state = ?",
			     work_order_states[k]) == 0)
			fail_msg("no work order in state %s", work_order_states[k]);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM work_order_event WHERE from_state ="
				       " 'done' AND to_state = 'assigned'"),
			 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM work_order WHERE state = 'confirmed'"
				       " AND satisfaction BETWEEN 1 AND 5"),
			 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM charge WHERE kind = 'repair'"
				       " AND source_type = 'work_order'"),
			 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM preventive_plan"), 1);
	assert_true(query_int(db, "SELECT COUNT(*) FROM work_order WHERE source = 'preventive'") >
		    0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM work_order WHERE source ="
				       " 'preventive'"),
			 query_int(db, "SELECT COUNT(*) FROM asset a JOIN community c ON"
				       " c.id = a.community_id WHERE a.type = '电梯'"
				       " AND c.name = '肖桥公租房'"));
	/* Cases: suspected, investigating, confirmed and dismissed; the
	 * confirmed one's back charge, penalty and bans; evidence on two. */
	for (int k = 0; k < 4; k++) {
		static const char *const states[] = { "suspected", "investigating", "confirmed",
						      "dismissed" };

		assert_int_equal(count_in(db, "SELECT COUNT(*) FROM violation_case WHERE state = ?",
					  states[k]),
				 1);
	}
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM charge WHERE kind IN ('back_charge',"
				       " 'penalty') AND source_type = 'violation'"),
			 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM application_ban WHERE source_type ="
				       " 'violation'"),
			 query_int(db,
				   "SELECT COUNT(*) FROM member m JOIN violation_case v ON"
				   " v.household_id = m.household_id WHERE v.state = 'confirmed'"
				   " AND m.left_at IS NULL"));
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM violation_evidence WHERE kind ="
				       " 'photo'"),
			 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM violation_evidence WHERE kind ="
				       " 'statement'"),
			 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM renovation_request WHERE state ="
				       " 'approved'"),
			 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM renovation_request WHERE state ="
				       " 'checked'"),
			 1);
}

static void
test_load_resume_and_refuse(void **state)
{
	struct testdb t;
	struct db *db = NULL, *db2 = NULL;
	struct anju_err e;
	volatile bool stop = false;
	struct seen s = { .stop_after = &stop, .stop_at = 4 };
	struct issued is = { 0 };
	struct login l;
	int64_t id, got = 0, persons, rows = 0, bad = 0, audit_rows = 0;
	char why[256], files[256];
	json_t *j, *res;

	(void)state;
	if (testdb_open(&t, &db) != 0)
		fail_msg("no database");
	if (testdb_mkdtemp(files, sizeof(files), "anju-demo-files") != 0)
		fail_msg("no files directory");
	files_set_root(files);
	ok(db, db_migrate(db, NULL, &e));
	ok(db, db_open(t.url, &db2, &e));

	/* Stopped after four chunks (the parties and three buildings), handed
	 * back, then finished by another worker from the checkpoint. */
	id = new_job(db);
	assert_int_equal(job_claim(db, "w1", id, &got, &e), 1);
	ok(db, job_run(db, id, "w1", (const volatile bool *)&stop, on_progress, &s, &e));
	j = job_json(db, id);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "queued");
	json_decref(j);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM building"), 3);
	s = (struct seen){ 0 };
	assert_int_equal(job_claim(db2, "w2", id, &got, &e), 1);
	ok(db2, job_run(db2, id, "w2", NULL, on_progress, &s, &e));
	j = job_json(db, id);
	if (strcmp(json_string_value(json_object_get(j, "state")), "succeeded") != 0)
		fail_msg("demo job %s: %s", json_string_value(json_object_get(j, "state")),
			 json_string_value(json_object_get(j, "error")));
	assert_int_equal(s.last_done, DEMO_UNITS + 2 * DEMO_HOUSEHOLDS);
	assert_int_equal(s.total, DEMO_UNITS + 2 * DEMO_HOUSEHOLDS);
	res = json_object_get(j, "result");
	assert_int_equal(json_integer_value(json_object_get(res, "units")), DEMO_UNITS);
	persons = json_integer_value(json_object_get(res, "persons"));
	json_decref(j);

	/* The housing stock. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM owner"), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM operator"), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM agreement"), 1);
	assert_int_equal(
		query_int(db, "SELECT COUNT(*) FROM agreement_item WHERE kind = 'service'"), 5);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM community"), DEMO_COMMUNITIES);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM building"), 29);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit"), DEMO_UNITS);
	/* 85% of each community's units let (occupied; the lottery's newest
	 * three allocated and not yet moved in), the rest vacant. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit WHERE status IN ('vacant',"
				       " 'allocated', 'occupied')"),
			 DEMO_UNITS);
	assert_true(query_int(db, "SELECT COUNT(*) FROM unit WHERE status = 'occupied'") >
		    DEMO_UNITS * 84 / 100);
	assert_true(query_int(db, "SELECT COUNT(*) FROM unit WHERE status = 'vacant'") >
		    DEMO_UNITS * 14 / 100);
	assert_int_equal(
		query_int(db, "SELECT COUNT(*) FROM acceptance_check WHERE state = 'confirmed'"),
		DEMO_UNITS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit u JOIN community c ON"
				       " c.id = u.community_id WHERE c.name = '南苑公租房'"),
			 1100);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit u JOIN community c ON"
				       " c.id = u.community_id WHERE c.name = '肖桥公租房'"),
			 916);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit u JOIN community c ON"
				       " c.id = u.community_id WHERE c.name = '长安花苑公租房'"),
			 920);
	/* About 30 to 60 m², usable 75% to 80% of the floor area. */
	assert_int_equal(query_int(db,
				   "SELECT COUNT(*) FROM unit WHERE floor_area < 3000"
				   " OR floor_area > 6100 OR usable_area * 100 < floor_area * 75"
				   " OR usable_area * 100 > floor_area * 80"),
			 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM asset WHERE location = 'unit'"),
			 3 * DEMO_UNITS);
	assert_true(query_int(db, "SELECT COUNT(*) FROM asset WHERE type = '电梯'") > 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM asset a JOIN building b ON"
				       " b.id = a.building_id WHERE a.type = '电梯'"
				       " AND b.has_lift = 0"),
			 0);
	{
		int64_t nanyuan = 0, unit = 0;

		ok(db, community_find(db, "南苑公租房", &nanyuan, &e));
		/* Building 9 of 南苑 has 18 floors, 2 entrances, 4 doors. */
		ok(db, unit_find(db, nanyuan, "9-2-1804", &unit, &e));
		assert_int_equal(unit_find(db, nanyuan, "9-2-1805", &unit, &e), ANJU_ENOTFOUND);
		ok(db, unit_find(db, nanyuan, "1-1-101", &unit, &e));
	}

	/* The households. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM household"), DEMO_HOUSEHOLDS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM member"), persons);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM member WHERE relationship = 'head'"),
			 DEMO_HOUSEHOLDS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM person"), persons);
	assert_int_equal(query_int(db, "SELECT COUNT(DISTINCT community_id) FROM household"),
			 DEMO_COMMUNITIES);
	check_sealed_id_numbers(db, persons);

	/* The tenancy: a lease in force for every unit let, none overlapping,
	 * each deposit paid; some in the renewal window; applications in every
	 * stage; one closed lottery batch whose accepted offers were signed. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM lease WHERE state = 'in_force'"),
			 query_int(db, "SELECT COUNT(*) FROM unit WHERE status IN ('allocated',"
				       " 'occupied')"));
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM lease a JOIN lease b ON"
				       " b.unit_id = a.unit_id AND b.id <> a.id"),
			 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM charge WHERE kind = 'deposit'"
				       " AND (state <> 'paid' OR paid_fen <> amount_fen)"),
			 0);
	assert_true(query_int(db, "SELECT COUNT(*) FROM lease WHERE state = 'in_force'"
				  " AND ends_on < '9999'") > 0);
	assert_true(query_int(db, "SELECT COUNT(*) FROM handover WHERE kind = 'move_in'"
				  " AND state = 'done'") > DEMO_UNITS * 84 / 100);
	for (int k = 0; application_states[k] != NULL; k++) {
		static const char *const skip[] = { "withdrawn", "allocated", NULL };
		bool skipped = false;
		char sql[128];

		for (int x = 0; skip[x] != NULL; x++)
			skipped = skipped || strcmp(skip[x], application_states[k]) == 0;
		if (skipped)
			continue;
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM application WHERE state = '%s'",
			 application_states[k]);
		if (query_int(db, sql) == 0)
			fail_msg("no application in state %s", application_states[k]);
	}
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM allocation_batch WHERE state ="
				       " 'closed'"),
			 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM offer WHERE state = 'accepted'"),
			 query_int(db, "SELECT COUNT(*) FROM application WHERE state = 'housed'"));
	/* The rent: a billing run a month, every chain in force billed this
	 * month, most paid, a tail owing with its dunning case, and some owing
	 * every month referred for the bureau's decision. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM billing_run WHERE state = 'done'"),
			 DEMO_RENT_MONTHS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM lease_chain c WHERE c.state = 'open'"
				       " AND NOT EXISTS (SELECT 1 FROM charge x JOIN rent_line r"
				       " ON r.charge_id = x.id WHERE x.source_id = c.id"
				       " AND x.source_type = 'lease_chain' AND x.kind = 'rent'"
				       " AND x.period = (SELECT MAX(period) FROM billing_run))"),
			 0);
	assert_true(query_int(db, "SELECT COUNT(*) FROM charge WHERE kind = 'rent'"
				  " AND state = 'paid'") >
		    4 * query_int(db, "SELECT COUNT(*) FROM charge WHERE kind = 'rent'"
				      " AND state = 'open'"));
	assert_true(query_int(db, "SELECT COUNT(*) FROM dunning_case WHERE state = 'open'") > 0);
	assert_true(query_int(db, "SELECT COUNT(*) FROM arrears_referral"
				  " WHERE state = 'proposed'") > 0);
	check_upkeep(db);
	{
		struct ledger_check_stats st;

		ok(db, ledger_check(db, NULL, NULL, &st, NULL, NULL, &e));
		assert_int_equal(st.failures, 0);
	}

	/* Every change is the system's, and the chain holds. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM audit_log WHERE actor <> 'system'"),
			 0);
	if (audit_verify(db, NULL, &rows, &bad, why, sizeof(why), NULL, NULL, &e) != 0)
		fail_msg("audit chain: row %lld: %s", (long long)bad, why);
	assert_true(rows > 3 * DEMO_UNITS);

	/* The accounts, and their passwords handed out once. */
	check_accounts(db);
	{
		struct audit_actor who;

		audit_actor_of(&who, caller_system(), "test", NULL);
		ok(db, db_begin(db));
		ok(db, demo_issue_passwords(db, &who, collect, &is, &e));
		ok(db, db_commit(db));
	}
	assert_int_equal(is.n, 8);
	assert_string_equal(is.username[0], "bureau");
	assert_int_equal(login(db, "bureau", is.password[0], "127.0.0.1", "t", &l, &e), 0);
	assert_int_equal(login(db, "tenant", is.password[7], "127.0.0.1", "t", &l, &e), 0);

	/* Once is enough: a second load is refused before it writes anything. */
	audit_rows = query_int(db, "SELECT COUNT(*) FROM audit_log");
	id = new_job(db);
	assert_int_equal(job_claim(db, "w1", id, &got, &e), 1);
	ok(db, job_run(db, id, "w1", NULL, NULL, NULL, &e));
	j = job_json(db, id);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "演示数据已经载入"));
	json_decref(j);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM unit"), DEMO_UNITS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM audit_log"), audit_rows);

	db_close(db2);
	testdb_close(&t, db);
	testdb_rmtree(files);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buildings_add_up),
		cmocka_unit_test(test_households_generated),
		cmocka_unit_test(test_load_resume_and_refuse),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
