/*
 * The timed part of bench/patrol.sh: one day's patrol rounds made by
 * patrol_rounds_generate() (what the schedule "patrol_rounds" runs), in one
 * transaction with its audit row, over the data directory the script
 * filled.  Prints "made N rounds, M ms" on success.
 *
 * usage: patrol DATA_DIR YYYY-MM-DD
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "store/db.h"
#include "store/keys.h"
#include "upkeep/patrol.h"

static const struct audit_actor bench_actor = { "system", "bench", NULL, NULL, NULL };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct keyring *kr = NULL;
	struct anju_err e = { 0 };
	struct db *db = NULL;
	char url[4200];
	int64_t made = 0, missed = 0, t0, ms;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: patrol DATA_DIR YYYY-MM-DD\n");
		return 2;
	}
	snprintf(url, sizeof(url), "sqlite:%s/anju.db", argv[1]);
	if (keys_load(argv[1], &kr, &e) != 0 || db_open(url, &db, &e) != 0) {
		fprintf(stderr, "patrol: %s\n", e.msg);
		return 1;
	}
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	t0 = now_ms();
	if ((rc = db_begin(db)) != 0) {
		fprintf(stderr, "patrol: begin: %s\n", db_errmsg(db));
		return 1;
	}
	rc = patrol_rounds_generate(db, argv[2], &bench_actor, &made, &missed, &e);
	if (rc == 0)
		rc = db_commit(db);
	ms = now_ms() - t0;
	if (rc != 0) {
		db_rollback(db);
		fprintf(stderr, "patrol: %s %s\n", e.msg, db_errmsg(db));
		return 1;
	}
	printf("made %lld rounds, %lld ms\n", (long long)made, (long long)ms);
	db_close(db);
	keys_free(kr);
	return 0;
}
