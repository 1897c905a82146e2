/*
 * Schedules: work that runs daily, weekly, monthly or quarterly at a wall-clock
 * time in Asia/Shanghai.  A due occurrence is claimed by inserting
 * (schedule, due_at) into schedule_run, so however many `anju serve`
 * processes share the database, each occurrence starts one job.  Every tick
 * looks at the latest occurrence not after now, so an occurrence missed while
 * the servers were down is caught up at the next start (once: jobs that
 * must cover every missed period find the gap themselves).
 */
#ifndef ANJU_JOBS_SCHEDULE_H
#define ANJU_JOBS_SCHEDULE_H

#include <stdint.h>

#include "core/err.h"

struct db;

enum sched_freq {
	SCHED_DAILY,
	SCHED_WEEKLY,    /* day: ISO weekday 1 (Monday) .. 7 */
	SCHED_MONTHLY,   /* day: 1..31, clamped to the month's last day */
	SCHED_QUARTERLY, /* day: 1..31 of the quarter's first month */
};

struct schedule {
	const char *name;
	enum sched_freq freq;
	int day;
	int hour, minute; /* Asia/Shanghai */
	const char *job_kind;
	const char *params; /* JSON object text */
};

/* The schedules of this version, {NULL}-terminated. */
extern const struct schedule schedules[];

/* The instant (UTC microseconds) of the latest occurrence of s not after now. */
int64_t schedule_last_due(const struct schedule *s, int64_t now_us);
/* Claims and starts every due, unclaimed occurrence of list (NULL: schedules).
 * *started counts the jobs created.  0 or a storage error. */
int schedule_tick(struct db *db, const struct schedule *list, int64_t now_us, int *started,
		  struct anju_err *e);

#endif
