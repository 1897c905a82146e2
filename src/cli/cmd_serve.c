/*
 * `anju serve`: migrate, then serve the API and the web UI and run jobs and
 * schedules until SIGTERM or SIGINT, which finish the requests in flight,
 * hand running jobs back to the queue, and exit 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/account.h"
#include "access/auth.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "files/files.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/job.h"
#include "store/datadir.h"
#include "store/db.h"
#include "store/migrate.h"

/*
 * The HTTP pool's size: the configured one, or when the configuration leaves
 * it to anju (threads = 0), one per CPU on SQLite, where a handler seldom
 * waits (WAL readers take pages from the cache beside the writer) and more
 * threads than CPUs only queue on them and lengthen the slowest requests;
 * four per CPU on PostgreSQL, where every query is a round trip to wait on.
 */
static unsigned
serve_threads(const struct db *db)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t set = config_int("threads");

	if (set > 0)
		return (unsigned)set;
	if (cpus < 1)
		cpus = 1;
	if (cpus > 64)
		cpus = 64;
	return (unsigned)(db_engine(db) == DB_POSTGRES ? 4 * cpus : cpus);
}

static const char *
web_root(void)
{
	const char *root = config_str("web_root");
	struct stat st;

	if (root[0] != '\0')
		return root;
	return stat("web/dist/index.html", &st) == 0 ? "web/dist" : NULL;
}

static int
run(const struct cli_command *c, struct cli_args *a)
{
	struct anju_err e;
	struct db *db = NULL;
	sigset_t set;
	int port = 0, applied = 0, sig = 0, rc;
	unsigned threads;

	(void)c;
	anju_err_clear(&e);
	/* Signals are taken by sigwait below; every thread inherits this mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = cli_open_db(a, false, &db, &e)) != 0)
		return cli_fail(&e);
	if ((rc = db_migrate(db, &applied, &e)) != 0)
		return cli_fail(&e);
	if (applied > 0)
		log_info("applied %d migration(s)", applied);
	http_set_auth_hook(access_authenticate);
	{
		int64_t admins = 0;

		/* A data directory made before accounts existed has nobody to sign in. */
		if (account_count(db, ROLE_ADMIN, &admins, &e) == 0 && admins == 0)
			log_warn("no active admin account: create one with `anju user add --data %s"
				 " --username admin --role admin`",
				 a->data);
	}
	static_set_root(web_root());
	if (!static_enabled())
		log_info("no web UI found (web/dist): serving the API only");
	files_set_root(a->data);
	api_files_configure();
	(void)openapi_document(); /* built (and checked) before the first request */
	threads = serve_threads(db);
	if (server_start(threads, &port, &e) != 0)
		return cli_fail(&e);
	if (job_threads_start(&e) != 0) {
		server_stop(0);
		return cli_fail(&e);
	}
	log_info("anju %s serving http://%s (port %d, database %s, %u threads)", ANJU_VERSION,
		 config_str("listen"), port, db_engine_name(db), threads);
	fprintf(stdout, "listening on port %d\n", port);
	fflush(stdout);
	sigwait(&set, &sig);
	log_info("received %s: finishing requests in flight",
		 sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(30000);
	job_threads_stop();
	log_info("stopped");
	return 0;
}

const struct cli_command cmd_serve = {
	"serve",
	"anju serve --data DIR [--listen 127.0.0.1:8080] [settings]",
	"serve the API and the web UI, run jobs and schedules",
	NULL,
	0,
	0,
	true,
	run,
};
