/*
 * What job tests share: a progress callback that checks progress only moves
 * forward, counts its calls, and can ask the runner to stop after a given
 * chunk (the stop flag job_run() watches).  Header-only; include after
 * <cmocka.h>.
 */
#ifndef ANJU_TESTS_TESTJOB_H
#define ANJU_TESTS_TESTJOB_H

#include <stdbool.h>
#include <stdint.h>

struct seen {
	int calls;
	int64_t last_done, total;
	volatile bool *stop_after; /* set to true at call stop_at */
	int stop_at;
};

static inline void
on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
	struct seen *s = ud;

	(void)note;
	assert_true(done >= s->last_done);
	s->calls++;
	s->last_done = done;
	s->total = total;
	if (s->stop_after != NULL && s->calls == s->stop_at)
		*s->stop_after = true;
}

#endif
