/*
 * Unit tests of jobs and schedules on a real database (SQLite, or
 * PostgreSQL with ANJU_TEST_DB_URL): creation and validation, claiming,
 * chunked runs with progress and exact results, cancellation, hand-back on
 * stop, recovery from dead workers, idempotency records, schedule arithmetic
 * in Asia/Shanghai and claiming each occurrence once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "jobs/job.h"
#include "jobs/schedule.h"
#include "store/idempotency.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testjob.h"

struct ctx {
	struct testdb t;
	struct db *db, *db2;
};

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0)
		return -1;
	if (db_open(c->t.url, &c->db2, &e) != 0 || db_migrate(c->db, NULL, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	db_close(c->db2);
	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

static int64_t
create(struct db *db, const char *params_json)
{
	struct anju_err e;
	json_t *p = json_loads(params_json, 0, NULL);
	int64_t id = 0;

	assert_int_equal(db_begin(db), 0);
	if (job_create(db, "selftest", p, "test", &id, &e) != 0)
		fail_msg("job_create: %s", e.msg);
	assert_int_equal(db_commit(db), 0);
	json_decref(p);
	return id;
}

static json_t *
get(struct db *db, int64_t id)
{
	struct anju_err e;
	json_t *j = NULL;

	assert_int_equal(job_get(db, id, &j, &e), 0);
	return j;
}

static const char *
state_of(struct db *db, int64_t id)
{
	static char s[16];
	json_t *j = get(db, id);

	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(j, "state")));
	json_decref(j);
	return s;
}

static int64_t
expected_sum(int64_t rows)
{
	int64_t s = 0;

	for (int64_t n = 0; n < rows; n++)
		s += n * 7919 % 1000003;
	return s;
}

static void
test_create_validates(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = 0;
	json_t *p = json_pack("{s:i}", "rows", 0);

	assert_int_equal(job_create(c->db, "selftest", p, "t", &id, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "params.rows");
	json_decref(p);
	p = json_object();
	assert_int_equal(job_create(c->db, "no_such_kind", p, "t", &id, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "unknown_job_kind");
	json_decref(p);
	assert_int_equal(job_get(c->db, 12345, &p, &e), ANJU_ENOTFOUND);
}

static void
test_run_chunks(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct seen s = { 0 };
	int64_t id = create(c->db, "{\"rows\":1050,\"chunk\":100}"), got = 0;
	json_t *j, *res;

	assert_string_equal(state_of(c->db, id), "queued");
	assert_int_equal(job_claim(c->db, "w1", 0, &got, &e), 1);
	assert_int_equal(got, id);
	assert_string_equal(state_of(c->db, id), "running");
	/* Nothing else to claim. */
	assert_int_equal(job_claim(c->db2, "w2", 0, &got, &e), 0);
	assert_int_equal(job_run(c->db, id, "w1", NULL, on_progress, &s, &e), 0);
	assert_int_equal(s.calls, 11);
	assert_int_equal(s.last_done, 1050);
	j = get(c->db, id);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "succeeded");
	res = json_object_get(j, "result");
	assert_int_equal(json_integer_value(json_object_get(res, "rows")), 1050);
	assert_int_equal(json_integer_value(json_object_get(res, "sum")), expected_sum(1050));
	json_decref(j);
}

static void
test_staged_publish(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = create(c->db, "{\"rows\":500,\"chunk\":64,\"mode\":\"staged\"}"), got = 0;
	json_t *j;

	assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
	assert_int_equal(job_run(c->db, id, "w1", NULL, NULL, NULL, &e), 0);
	j = get(c->db, id);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "sum")),
			 expected_sum(500));
	json_decref(j);
}

static void
test_stop_hands_back_and_resumes(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	volatile bool stop = false;
	struct seen s = { .stop_after = &stop, .stop_at = 3 };
	int64_t id = create(c->db, "{\"rows\":1000,\"chunk\":100}"), got = 0;
	json_t *j;

	assert_int_equal(job_claim(c->db, "w1", 0, &got, &e), 1);
	assert_int_equal(
		job_run(c->db, id, "w1", (const volatile bool *)&stop, on_progress, &s, &e), 0);
	assert_string_equal(state_of(c->db, id), "queued");
	/* Another worker resumes from the checkpoint: the remaining chunks only. */
	s = (struct seen){ 0 };
	assert_int_equal(job_claim(c->db2, "w2", 0, &got, &e), 1);
	assert_int_equal(job_run(c->db2, id, "w2", NULL, on_progress, &s, &e), 0);
	assert_int_equal(s.calls, 7);
	j = get(c->db, id);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(j, "attempts")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "sum")),
			 expected_sum(1000));
	json_decref(j);
}

struct takeover {
	struct db *db;
	int64_t id;
	int chunks;
};

/* After the second chunk, another worker takes the job over (as job_recover
 * does when the heartbeat is late). */
static void
take_over(void *ud, int64_t done, int64_t total, const char *note)
{
	struct takeover *t = ud;
	struct db_stmt *st;

	(void)done;
	(void)total;
	(void)note;
	if (++t->chunks != 2)
		return;
	assert_int_equal(db_prepare(t->db, "UPDATE job SET worker = 'w2' WHERE id = ?", &st), 0);
	db_bind_int64(st, 1, t->id);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static void
test_takeover(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id = create(c->db, "{\"rows\":1000,\"chunk\":100,\"mode\":\"staged\"}"), got = 0;
	struct takeover t = { c->db2, id, 0 };
	json_t *j;

	assert_int_equal(job_claim(c->db, "w1", id, &got, &e), 1);
	/* The first runner stops at its next chunk and touches nothing of w2's. */
	assert_int_equal(job_run(c->db, id, "w1", NULL, take_over, &t, &e), 0);
	assert_int_equal(t.chunks, 2);
	assert_string_equal(state_of(c->db, id), "running");
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM job_staging"), 200);
	/* The new owner resumes from the last checkpoint and finishes exactly. */
	assert_int_equal(job_run(c->db2, id, "w2", NULL, NULL, NULL, &e), 0);
	j = get(c->db, id);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "sum")),
			 expected_sum(1000));
	json_decref(j);
}

static void
test_cancel(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t queued = create(c->db, "{\"rows\":10}"), running, got = 0;

	assert_int_equal(job_cancel(c->db, queued, &e), 0);
	assert_string_equal(state_of(c->db, queued), "canceled");
	assert_int_equal(job_cancel(c->db, queued, &e), ANJU_ECONFLICT);
	assert_int_equal(job_cancel(c->db, 999999, &e), ANJU_ENOTFOUND);
	running = create(c->db, "{\"rows\":1000,\"chunk\":10,\"mode\":\"staged\"}");
	assert_int_equal(job_claim(c->db, "w1", running, &got, &e), 1);
	/* Cancellation asked before the run is seen at the first chunk. */
	assert_int_equal(job_cancel(c->db2, running, &e), 0);
	assert_string_equal(state_of(c->db, running), "running");
	assert_int_equal(job_run(c->db, running, "w1", NULL, NULL, NULL, &e), 0);
	assert_string_equal(state_of(c->db, running), "canceled");
	{
		struct db_stmt *st;

		assert_int_equal(
			db_prepare(c->db, "SELECT COUNT(*) FROM job_staging WHERE job_id = ?", &st),
			0);
		db_bind_int64(st, 1, running);
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), 0);
		db_reset(st);
	}
}

static void
set_worker(struct db *db, int64_t id, const char *worker, const char *heartbeat)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db,
				    "UPDATE job SET state = 'running', worker = ?,"
				    " heartbeat_at = ? WHERE id = ?",
				    &st),
			 0);
	db_bind_cstr(st, 1, worker);
	db_bind_cstr(st, 2, heartbeat);
	db_bind_int64(st, 3, id);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static void
test_recover(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char host[64] = "", dead[160], now[TIME_FMT_LEN];
	int64_t a = create(c->db, "{\"rows\":1}"), b = create(c->db, "{\"rows\":1}");
	int64_t d = create(c->db, "{\"rows\":1}");
	int n = 0;

	gethostname(host, sizeof(host) - 1);
	time_format_utc(time_now_us(), now);
	/* a: this host, a process that no longer exists. */
	snprintf(dead, sizeof(dead), "%s:%d:1", host, 999999999);
	set_worker(c->db, a, dead, now);
	/* b: another host, fresh heartbeat: alive as far as anyone can tell. */
	set_worker(c->db, b, "elsewhere:1:1", now);
	/* d: another host, heartbeat long ago. */
	set_worker(c->db, d, "elsewhere:2:1", "2000-01-01T00:00:00.000000Z");
	assert_int_equal(job_recover(c->db, 60 * INT64_C(1000000), &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(state_of(c->db, a), "queued");
	assert_string_equal(state_of(c->db, b), "running");
	assert_string_equal(state_of(c->db, d), "queued");
}

static void
test_list_pages(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t ids[5], next = 0, before = 0;
	json_t *items;
	int seen = 0;

	for (int i = 0; i < 5; i++)
		ids[i] = create(c->db, "{\"rows\":1}");
	do {
		assert_int_equal(job_list(c->db, NULL, before, 2, &items, &next, &e), 0);
		for (size_t i = 0; i < json_array_size(items); i++) {
			int64_t id =
				json_integer_value(json_object_get(json_array_get(items, i), "id"));

			assert_int_equal(id, ids[4 - seen]);
			seen++;
		}
		json_decref(items);
		before = next;
	} while (next != 0);
	assert_int_equal(seen, 5);
	assert_int_equal(job_list(c->db, "failed", 0, 10, &items, &next, &e), 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

static void
test_idempotency_records(void **state)
{
	struct ctx *c = *state;
	struct idem_record rec;
	int64_t day = 24 * 3600 * INT64_C(1000000), deleted = 0;

	assert_int_equal(idem_lookup(c->db, "root", "k1", day, &rec), 0);
	assert_int_equal(idem_store(c->db, "root", "k1", day, "POST", "/api/v1/jobs", "abc", 202,
				    "{\"id\":1}"),
			 0);
	assert_int_equal(idem_lookup(c->db, "root", "k1", day, &rec), 1);
	assert_int_equal(rec.status, 202);
	assert_string_equal(rec.response, "{\"id\":1}");
	assert_string_equal(rec.body_hash, "abc");
	idem_record_free(&rec);
	/* Per caller. */
	assert_int_equal(idem_lookup(c->db, "someone", "k1", day, &rec), 0);
	assert_int_equal(idem_store(c->db, "root", "k1", day, "POST", "/x", "def", 200, "{}"),
			 ANJU_ECONFLICT);
	/* Past its age it is neither found nor in the way. */
	assert_int_equal(idem_lookup(c->db, "root", "k1", -1, &rec), 0);
	assert_int_equal(idem_store(c->db, "root", "k1", -1, "POST", "/x", "def", 200, "{}"), 0);
	assert_int_equal(idem_purge(c->db, -1, &deleted), 0);
	assert_int_equal(deleted, 1);
}

static int64_t
at(const char *iso)
{
	int64_t us = 0;

	assert_int_equal(time_parse_utc(str_c(iso), &us), 0);
	return us;
}

static void
expect_due(const struct schedule *s, const char *now, const char *want)
{
	char got[TIME_FMT_LEN];

	time_format_utc(schedule_last_due(s, at(now)), got);
	if (strcmp(got, want) != 0)
		fail_msg("%s at %s: got %s, want %s", s->name, now, got, want);
}

static void
test_schedule_times(void **state)
{
	static const struct schedule daily = { "d", SCHED_DAILY, 0, 3, 30, "purge", "{}" };
	static const struct schedule weekly = { "w", SCHED_WEEKLY, 1, 8, 0, "purge", "{}" };
	static const struct schedule monthly = { "m", SCHED_MONTHLY, 31, 1, 0, "purge", "{}" };
	static const struct schedule quarterly = { "q", SCHED_QUARTERLY, 5, 9, 15, "purge", "{}" };

	(void)state;
	/* 03:30 in Shanghai is 19:30 UTC the day before. */
	expect_due(&daily, "2026-11-28T08:00:00.000000Z", "2026-11-27T19:30:00.000000Z");
	expect_due(&daily, "2026-11-27T19:29:59.999999Z", "2026-11-26T19:30:00.000000Z");
	expect_due(&daily, "2026-11-27T19:30:00.000000Z", "2026-11-27T19:30:00.000000Z");
	/* Mondays 08:00 Shanghai = 00:00 UTC; 2026-11-30 is a Monday. */
	expect_due(&weekly, "2026-11-28T08:00:00.000000Z", "2026-11-23T00:00:00.000000Z");
	expect_due(&weekly, "2026-11-30T00:00:00.000000Z", "2026-11-30T00:00:00.000000Z");
	expect_due(&weekly, "2026-11-29T23:59:59.000000Z", "2026-11-23T00:00:00.000000Z");
	/* The 31st clamps to the month's last day: 2026-11-30 01:00 Shanghai. */
	expect_due(&monthly, "2026-11-29T17:00:00.000000Z", "2026-11-29T17:00:00.000000Z");
	expect_due(&monthly, "2026-11-29T16:59:00.000000Z", "2026-10-30T17:00:00.000000Z");
	expect_due(&monthly, "2024-03-01T00:00:00.000000Z", "2024-02-28T17:00:00.000000Z");
	/* Quarterly: the 5th of Jan, Apr, Jul, Oct at 09:15 Shanghai. */
	expect_due(&quarterly, "2026-11-28T08:00:00.000000Z", "2026-10-05T01:15:00.000000Z");
	expect_due(&quarterly, "2026-10-05T01:14:00.000000Z", "2026-07-05T01:15:00.000000Z");
	expect_due(&quarterly, "2027-01-04T00:00:00.000000Z", "2026-10-05T01:15:00.000000Z");
	expect_due(&quarterly, "2027-01-05T01:15:00.000000Z", "2027-01-05T01:15:00.000000Z");
}

static int64_t
count_jobs(struct db *db)
{
	return query_int(db, "SELECT COUNT(*) FROM job");
}

static void
test_schedule_claims_once(void **state)
{
	static const struct schedule list[] = {
		{ "test_daily", SCHED_DAILY, 0, 3, 30, "purge", "{}" },
		{ NULL },
	};
	struct ctx *c = *state;
	struct anju_err e;
	int started = 0;
	int64_t jobs = count_jobs(c->db);

	/* The server was down at 03:30: the occurrence is caught up at start. */
	assert_int_equal(
		schedule_tick(c->db, list, at("2026-11-28T08:00:00.000000Z"), &started, &e), 0);
	assert_int_equal(started, 1);
	/* A second server, and later ticks, find it claimed. */
	assert_int_equal(
		schedule_tick(c->db2, list, at("2026-11-28T08:00:00.000000Z"), &started, &e), 0);
	assert_int_equal(started, 0);
	assert_int_equal(
		schedule_tick(c->db, list, at("2026-11-28T19:29:00.000000Z"), &started, &e), 0);
	assert_int_equal(started, 0);
	/* The next day's occurrence is new. */
	assert_int_equal(
		schedule_tick(c->db2, list, at("2026-11-28T19:30:00.000000Z"), &started, &e), 0);
	assert_int_equal(started, 1);
	assert_int_equal(count_jobs(c->db), jobs + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_validates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staged_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_hands_back_and_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency_records, setup, teardown),
		cmocka_unit_test(test_schedule_times),
		cmocka_unit_test_setup_teardown(test_schedule_claims_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
