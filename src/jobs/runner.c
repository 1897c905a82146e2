/*
 * The background threads of `anju serve`: job workers that claim and run
 * queued jobs, and one schedule thread.  Each thread has its own database
 * connection (db_thread).  Stopping sets a flag the running job sees at its
 * next chunk: it is handed back to the queue, to resume later.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "core/config.h"
#include "core/date.h"
#include "core/log.h"
#include "jobs/job.h"
#include "jobs/schedule.h"
#include "store/db.h"

#define MAX_WORKERS 64

static pthread_t workers[MAX_WORKERS], scheduler;
static int nworkers;
static bool have_scheduler;
static volatile bool stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

/* Sleeps up to ms, returning early when stopping. */
static void
nap(int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	if (!stopping)
		pthread_cond_timedwait(&wake, &lock, &ts);
	pthread_mutex_unlock(&lock);
}

static void *
worker_main(void *arg)
{
	int64_t last_recover = 0;
	bool first = arg == NULL;

	while (!stopping) {
		struct anju_err e;
		struct db *db = db_thread(&e);
		int64_t id = 0;
		int rc;

		if (db == NULL) {
			log_warn("jobs: no database: %s", e.msg);
			nap(2000);
			continue;
		}
		if (first && time_now_us() - last_recover > 10 * INT64_C(1000000)) {
			int n = 0;

			last_recover = time_now_us();
			if (job_recover(db, config_int("job_stale_seconds") * INT64_C(1000000), &n,
					&e) != 0)
				log_warn("jobs: recovery: %s", e.msg);
		}
		rc = job_claim(db, job_worker_name(), 0, &id, &e);
		if (rc < 0) {
			log_warn("jobs: claim: %s", e.msg);
			nap(1000);
		} else if (rc == 0) {
			nap(500);
		} else {
			if (job_run(db, id, job_worker_name(), &stopping, NULL, NULL, &e) != 0)
				log_warn("jobs: job %lld: %s", (long long)id, e.msg);
			/* What a job worked with (a billing run's chunks, an import's
			 * records) is freed into this thread's malloc arena, which
			 * glibc keeps for the thread: hand it back, so that the
			 * server at rest holds what it serves with. */
			malloc_trim(0);
		}
	}
	return NULL;
}

static void *
scheduler_main(void *arg)
{
	(void)arg;
	while (!stopping) {
		struct anju_err e;
		struct db *db = db_thread(&e);
		int started = 0;

		if (db == NULL)
			log_warn("schedules: no database: %s", e.msg);
		else if (schedule_tick(db, NULL, time_now_us(), &started, &e) != 0)
			log_warn("schedules: %s", e.msg);
		nap(config_int("schedule_poll_seconds") * 1000);
	}
	return NULL;
}

int
job_threads_start(struct anju_err *e)
{
	int n = (int)config_int("job_workers");

	stopping = false;
	for (nworkers = 0; nworkers < n && nworkers < MAX_WORKERS; nworkers++)
		if (pthread_create(&workers[nworkers], NULL, worker_main,
				   nworkers == 0 ? NULL : (void *)1) != 0)
			return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "cannot start job threads");
	if (config_bool("schedules")) {
		if (pthread_create(&scheduler, NULL, scheduler_main, NULL) != 0)
			return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "cannot start schedules");
		have_scheduler = true;
	}
	return 0;
}

void
job_threads_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	nworkers = 0;
	if (have_scheduler)
		pthread_join(scheduler, NULL);
	have_scheduler = false;
}
