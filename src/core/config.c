/*
 * The configuration table and its loaders.  See config.h.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

#define KIB 1024
#define MIB (1024 * 1024)

const struct config_def config_defs[] = {
	{ "db", CFG_STRING, "", 0, 0,
	  "database URL: sqlite:PATH or postgresql://...; empty means sqlite:DATA/anju.db" },
	{ "listen", CFG_STRING, "127.0.0.1:8080", 0, 0, "address and port to serve on" },
	{ "web_root", CFG_STRING, "", 0, 0,
	  "folder of the built web UI; empty means web/dist beside the working directory" },
	{ "threads", CFG_INT, "0", 0, 256,
	  "HTTP worker threads, each with its own database connection; 0: one per CPU"
	  " on SQLite, four per CPU on PostgreSQL" },
	{ "max_connections", CFG_INT, "1000", 4, 60000, "open client connections at most" },
	{ "connection_timeout", CFG_INT, "30", 1, 3600,
	  "seconds a connection may stay idle or slow" },
	{ "max_body", CFG_INT, "1048576", 1 * KIB, 256 * MIB,
	  "largest request body in bytes, unless a route sets its own" },
	{ "upload_max_bytes", CFG_INT, "20971520", 1 * KIB, 256 * MIB,
	  "largest uploaded document or photo in bytes (JPEG, PNG, PDF)" },
	{ "max_header", CFG_INT, "16384", 1 * KIB, 96 * KIB,
	  "largest request header block in bytes" },
	{ "trusted_proxies", CFG_STRING, "", 0, 0,
	  "comma-separated proxy addresses whose X-Forwarded-For is believed" },
	{ "import_cache_mb", CFG_INT, "1024", 16, 65536,
	  "SQLite: MiB of page cache an import may use until its commit (taken as needed)" },
	{ "log_level", CFG_STRING, "info", 0, 0, "error, warn, info or debug" },
	{ "job_workers", CFG_INT, "1", 0, 64,
	  "threads running long jobs (0: this server runs none)" },
	{ "job_stale_seconds", CFG_INT, "120", 5, 86400,
	  "a running job without a heartbeat for this long is taken over" },
	{ "schedules", CFG_BOOL, "true", 0, 0, "run the periodic schedules from this server" },
	{ "schedule_poll_seconds", CFG_INT, "30", 1, 3600, "how often due schedules are checked" },
	{ "idempotency_hours", CFG_INT, "24", 1, 720, "how long an Idempotency-Key is remembered" },
	{ "export_keep_hours", CFG_INT, "24", 1, 720,
	  "how long exports and import error reports are kept for whoever made them" },
	{ "password_opslimit", CFG_INT, "2", 1, 10, "argon2id passes per password hash" },
	{ "password_memlimit_kib", CFG_INT, "65536", 8, 1048576,
	  "argon2id memory per password hash, KiB" },
	{ "session_idle_minutes", CFG_INT, "30", 1, 1440, "a session ends after this long unused" },
	{ "session_max_hours", CFG_INT, "12", 1, 168, "a session ends this long after sign-in" },
	{ "login_max_failures", CFG_INT, "5", 1, 100,
	  "failed sign-ins in a row that lock a username" },
	{ "login_lock_minutes", CFG_INT, "15", 1, 1440, "how long a locked username stays locked" },
	{ "login_client_failures_per_minute", CFG_INT, "30", 1, 100000,
	  "failed sign-ins per minute from one client address before it is throttled" },
	{ "secure_cookies", CFG_BOOL, "false", 0, 0,
	  "mark the session cookie Secure (set it behind TLS, as in production)" },
	{ "reveal_per_hour", CFG_INT, "20", 1, 10000,
	  "full ID numbers or phones one account or key may reveal per hour" },
	{ "public_url", CFG_STRING, "http://127.0.0.1:8080", 0, 0,
	  "the public address of this server: receipts' QR codes point to it (/r/TOKEN)" },
	{ NULL, CFG_STRING, NULL, 0, 0, NULL },
};

#define NDEFS (sizeof(config_defs) / sizeof(config_defs[0]) - 1)

struct value {
	char *s;
	int64_t i;
};

static struct value values[NDEFS];
static bool loaded;

static int
find(const char *name)
{
	for (size_t i = 0; i < NDEFS; i++)
		if (strcmp(config_defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
set_index(int k, const char *value, const char *source, struct anju_err *e)
{
	const struct config_def *d = &config_defs[k];
	int64_t v = 0;

	switch (d->type) {
	case CFG_INT:
		if (str_to_int64(str_trim(str_c(value)), d->min, d->max, &v) != 0)
			return anju_fail(
				e, ANJU_EINVAL, "bad_config", d->name,
				"%s: %s must be a whole number from %lld to %lld, not \"%s\"",
				source, d->name, (long long)d->min, (long long)d->max, value);
		break;
	case CFG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
		    strcmp(value, "yes") == 0)
			v = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
			 strcmp(value, "no") == 0)
			v = 0;
		else
			return anju_fail(e, ANJU_EINVAL, "bad_config", d->name,
					 "%s: %s must be true or false, not \"%s\"", source,
					 d->name, value);
		break;
	case CFG_STRING:
		if (strcmp(d->name, "log_level") == 0 && strcmp(value, "error") != 0 &&
		    strcmp(value, "warn") != 0 && strcmp(value, "info") != 0 &&
		    strcmp(value, "debug") != 0)
			return anju_fail(e, ANJU_EINVAL, "bad_config", d->name,
					 "%s: log_level must be error, warn, info or debug",
					 source);
		break;
	}
	free(values[k].s);
	values[k].s = xstrdup(value);
	values[k].i = v;
	return 0;
}

void
config_reset(void)
{
	for (size_t i = 0; i < NDEFS; i++) {
		int rc = set_index((int)i, config_defs[i].def, "default", NULL);

		if (rc != 0)
			abort(); /* a bad default is a bug caught by the tests */
	}
	loaded = true;
}

static void
ensure_loaded(void)
{
	if (!loaded)
		config_reset();
}

int
config_set(const char *name, const char *value, const char *source, struct anju_err *e)
{
	int k;

	ensure_loaded();
	k = find(name);
	if (k < 0)
		return anju_fail(e, ANJU_EINVAL, "unknown_config", name,
				 "%s: unknown setting \"%s\"", source, name);
	return set_index(k, value, source, e);
}

bool
config_known(const char *name)
{
	return find(name) >= 0;
}

static int
load_file(const char *path, struct anju_err *e)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;

	if (f == NULL)
		return errno == ENOENT ? 0
				       : anju_fail(e, ANJU_EIO, "config_unreadable", NULL,
						   "cannot read %s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct str s = str_trim((struct str){ line, (size_t)len }), name;
		char src[300], *n, *v;

		lineno++;
		if (s.n == 0 || s.p[0] == '#')
			continue;
		snprintf(src, sizeof(src), "%s:%d", path, lineno);
		if (!str_cut(&s, '=', &name)) {
			rc = anju_fail(e, ANJU_EINVAL, "bad_config", NULL,
				       "%s: expected \"name = value\"", src);
			goto out;
		}
		n = xstrndup(str_trim(name).p, str_trim(name).n);
		s = str_trim(s);
		v = xstrndup(s.p, s.n);
		rc = config_set(n, v, src, e);
		free(n);
		free(v);
		if (rc != 0)
			goto out;
	}
out:
	free(line);
	fclose(f);
	return rc;
}

int
config_load(const char *path, struct anju_err *e)
{
	int rc;

	ensure_loaded();
	if (path != NULL && (rc = load_file(path, e)) != 0)
		return rc;
	for (size_t i = 0; i < NDEFS; i++) {
		char env[64], src[80];
		const char *v;
		size_t j;

		snprintf(env, sizeof(env), "ANJU_%s", config_defs[i].name);
		for (j = 5; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		v = getenv(env);
		if (v == NULL)
			continue;
		snprintf(src, sizeof(src), "environment %s", env);
		if ((rc = set_index((int)i, v, src, e)) != 0)
			return rc;
	}
	return 0;
}

const char *
config_str(const char *name)
{
	int k;

	ensure_loaded();
	k = find(name);
	if (k < 0)
		abort(); /* a typo in code, caught by any test that runs it */
	return values[k].s;
}

int64_t
config_int(const char *name)
{
	int k;

	ensure_loaded();
	k = find(name);
	if (k < 0)
		abort();
	return values[k].i;
}

bool
config_bool(const char *name)
{
	return config_int(name) != 0;
}

void
config_help(FILE *out)
{
	for (size_t i = 0; i < NDEFS; i++) {
		const struct config_def *d = &config_defs[i];
		char flag[64], env[64];
		size_t j;

		snprintf(flag, sizeof(flag), "--%s", d->name);
		snprintf(env, sizeof(env), "ANJU_%s", d->name);
		for (j = 5; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		fprintf(out, "  %-24s %s\n  %-24s default \"%s\", environment %s", flag, d->help,
			"", d->def, env);
		if (d->type == CFG_INT)
			fprintf(out, ", %lld..%lld", (long long)d->min, (long long)d->max);
		fputs("\n", out);
	}
}

int
config_write_file(const char *path, struct anju_err *e)
{
	struct buf b;
	int fd, rc = 0;

	ensure_loaded();
	buf_init(&b, 0);
	buf_adds(&b, "# anju configuration: \"name = value\"; environment ANJU_NAME and\n"
		     "# command-line --name override these.  `anju help config` lists all.\n");
	for (size_t i = 0; i < NDEFS; i++) {
		const struct config_def *d = &config_defs[i];
		bool is_default = strcmp(values[i].s, d->def) == 0;

		buf_printf(&b, "\n# %s\n%s%s = %s\n", d->help, is_default ? "# " : "", d->name,
			   values[i].s);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = anju_fail(e, ANJU_EIO, "config_unwritable", NULL, "cannot create %s: %s", path,
			       strerror(errno));
		goto out;
	}
	if (write(fd, b.p, b.n) != (ssize_t)b.n || fsync(fd) != 0)
		rc = anju_fail(e, ANJU_EIO, "config_unwritable", NULL, "cannot write %s: %s", path,
			       strerror(errno));
	close(fd);
out:
	buf_free(&b);
	return rc;
}
