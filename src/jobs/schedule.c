/*
 * Schedule arithmetic and claiming.  See schedule.h.
 */
#include "jobs/schedule.h"

#include <jansson.h>
#include <string.h>

#include "core/date.h"
#include "core/log.h"
#include "jobs/job.h"
#include "store/db.h"

const struct schedule schedules[] = {
	{ "daily_purge", SCHED_DAILY, 0, 3, 30, "purge", "{}" },
	{ "publicity_close", SCHED_DAILY, 0, 0, 20, "publicity_close", "{}" },
	{ "lease_daily", SCHED_DAILY, 0, 0, 30, "lease_daily", "{}" },
	{ "quarterly_recheck", SCHED_QUARTERLY, 1, 2, 0, "recheck", "{}" },
	{ "eviction_daily", SCHED_DAILY, 0, 0, 40, "eviction_daily", "{}" },
	{ "allocation_lapse", SCHED_DAILY, 0, 0, 50, "allocation_lapse", "{}" },
	{ "dunning_daily", SCHED_DAILY, 0, 9, 0, "dunning_daily", "{}" },
	{ "outbox_send", SCHED_DAILY, 0, 9, 30, "outbox_send", "{}" },
	{ "monthly_billing", SCHED_MONTHLY, 25, 1, 0, "rent_bill", "{}" },
	{ "bank_balance_daily", SCHED_DAILY, 0, 1, 10, "bank_balance_daily", "{}" },
	{ "patrol_rounds", SCHED_DAILY, 0, 0, 20, "patrol_rounds", "{}" },
	{ "preventive_orders", SCHED_DAILY, 0, 0, 40, "preventive_orders", "{}" },
	{ NULL },
};

static struct date
clamp_day(int y, int m, int d)
{
	int last = date_days_in_month(y, m);

	return (struct date){ y, m, d < last ? d : last };
}

int64_t
schedule_last_due(const struct schedule *s, int64_t now_us)
{
	struct date today = date_in_shanghai(now_us), d;
	int64_t t;

	switch (s->freq) {
	case SCHED_DAILY:
		t = shanghai_to_utc_us(today, s->hour, s->minute);
		if (t > now_us)
			t = shanghai_to_utc_us(date_add_days(today, -1), s->hour, s->minute);
		return t;
	case SCHED_WEEKLY:
		d = date_add_days(today, -((date_weekday(today) - s->day + 7) % 7));
		t = shanghai_to_utc_us(d, s->hour, s->minute);
		if (t > now_us)
			t = shanghai_to_utc_us(date_add_days(d, -7), s->hour, s->minute);
		return t;
	case SCHED_MONTHLY:
		d = clamp_day(today.y, today.m, s->day);
		t = shanghai_to_utc_us(d, s->hour, s->minute);
		if (t > now_us) {
			struct period p = period_add(period_of(today), -1);

			t = shanghai_to_utc_us(clamp_day(p.y, p.m, s->day), s->hour, s->minute);
		}
		return t;
	case SCHED_QUARTERLY: {
		struct date first = quarter_first_day(today.y, date_quarter(today));

		t = shanghai_to_utc_us(clamp_day(first.y, first.m, s->day), s->hour, s->minute);
		if (t > now_us) {
			struct date prev = date_add_months(first, -3);

			t = shanghai_to_utc_us(clamp_day(prev.y, prev.m, s->day), s->hour,
					       s->minute);
		}
		return t;
	}
	}
	return 0;
}

static int
claim(struct db *db, const struct schedule *s, const char *due, int *started, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], by[160];
	json_t *params = NULL;
	int64_t job = 0, inserted;
	int rc;

	time_format_utc(time_now_us(), now);
	if ((rc = db_begin(db)) != 0)
		goto fail;
	rc = db_prepare(db,
			"INSERT INTO schedule_run (schedule, due_at, claimed_by, claimed_at)"
			" VALUES (?, ?, ?, ?) ON CONFLICT (schedule, due_at) DO NOTHING",
			&st);
	if (rc != 0)
		goto fail;
	db_bind_cstr(st, 1, s->name);
	db_bind_cstr(st, 2, due);
	db_bind_cstr(st, 3, job_worker_name());
	db_bind_cstr(st, 4, now);
	rc = db_step(st);
	inserted = db_changes(st);
	db_reset(st);
	if (rc < 0)
		goto fail;
	if (inserted == 0) {
		db_rollback(db);
		return 0; /* another server claimed it */
	}
	params = json_loads(s->params, 0, NULL);
	snprintf(by, sizeof(by), "schedule:%s", s->name);
	if ((rc = job_create(db, s->job_kind, params, by, &job, e)) != 0) {
		db_rollback(db);
		json_decref(params);
		return rc;
	}
	json_decref(params);
	rc = db_prepare(db, "UPDATE schedule_run SET job_id = ? WHERE schedule = ? AND due_at = ?",
			&st);
	if (rc != 0)
		goto fail;
	db_bind_int64(st, 1, job);
	db_bind_cstr(st, 2, s->name);
	db_bind_cstr(st, 3, due);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0 || (rc = db_commit(db)) != 0)
		goto fail;
	(*started)++;
	log_info("schedule %s due %s: job %lld", s->name, due, (long long)job);
	return 0;
fail:
	db_rollback(db);
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "schedule %s: %s",
			 s->name, db_errmsg(db));
}

int
schedule_tick(struct db *db, const struct schedule *list, int64_t now_us, int *started,
	      struct anju_err *e)
{
	int rc;

	*started = 0;
	for (const struct schedule *s = list ? list : schedules; s->name != NULL; s++) {
		char due[TIME_FMT_LEN];

		time_format_utc(schedule_last_due(s, now_us), due);
		if ((rc = claim(db, s, due, started, e)) != 0)
			return rc;
	}
	return 0;
}
