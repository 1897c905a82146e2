/*
 * anju's command line: `anju COMMAND --data DIR [flags]`.  Parses flags
 * (each command's own, plus every configuration setting as --name VALUE),
 * then runs the command.  Exit status: 0 done, 1 failed, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "files/files.h"
#include "core/config.h"
#include "core/log.h"
#include "access/password.h"
#include "audit/audit.h"
#include "store/datadir.h"
#include "store/keys.h"
#include "store/db.h"
#include "store/migrate.h"

static const struct cli_command *const commands[] = {
	&cmd_init,     &cmd_serve,   &cmd_migrate, &cmd_backup,     &cmd_restore, &cmd_jobs,
	&cmd_selftest, &cmd_keys,    &cmd_user,    &cmd_apikey,     &cmd_audit,   &cmd_import,
	&cmd_ledger,   &cmd_recheck, &cmd_lottery, &cmd_crosscheck, &cmd_bill,    NULL,
};

static void
usage_all(FILE *out)
{
	fprintf(out,
		"anju %s: public rental housing operations (公租房运营管理)\n\n"
		"usage: anju COMMAND --data DIR [flags]\n\ncommands:\n",
		ANJU_VERSION);
	for (const struct cli_command *const *c = commands; *c; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "  %-10s %s\n  %-10s %s\n\n", "help",
		"this text; `anju help config` lists settings", "version", "print the version");
	fprintf(out, "`anju COMMAND --help` describes one command.\n");
}

static void
usage_command(const struct cli_command *c, FILE *out)
{
	fprintf(out, "usage: %s\n\n%s\n\nflags:\n", c->usage, c->summary);
	if (c->needs_data)
		fprintf(out, "  %-24s %s\n", "--data DIR", "the data directory (required)");
	for (const struct cli_flag *f = c->flags; f && f->name; f++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "--%s%s", f->name, f->has_arg ? " VALUE" : "");
		fprintf(out, "  %-24s %s\n", buf, f->help);
	}
	fprintf(out, "  %-24s %s\n\nsettings (also in DIR/anju.conf or ANJU_NAME):\n", "--help",
		"this text");
	config_help(out);
}

static int
flag_index(const struct cli_command *c, const char *name)
{
	int i = 0;

	for (const struct cli_flag *f = c->flags; f && f->name; f++, i++)
		if (strcmp(f->name, name) == 0)
			return i;
	return -1;
}

const char *
cli_value(const struct cli_command *c, const struct cli_args *a, const char *name)
{
	int i = flag_index(c, name);

	return i >= 0 && a->given[i] ? a->values[i] : NULL;
}

bool
cli_given(const struct cli_command *c, const struct cli_args *a, const char *name)
{
	int i = flag_index(c, name);

	return i >= 0 && a->given[i];
}

int
cli_fail(const struct anju_err *e)
{
	if (e->msg[0] != '\0' && e->key[0] != '\0')
		fprintf(stderr, "anju: %s [%s]\n", e->msg, e->key);
	else
		fprintf(stderr, "anju: %s\n", e->msg[0] ? e->msg : e->key);
	return 1;
}

/* The keys every command that writes needs: the audit chain's, the API-key
 * hash's, the personal-data keys (created where missing, for data
 * directories older than a key). */
static int
open_keys(const char *dir, struct anju_err *e)
{
	static struct keyring *kr;
	int created = 0, rc;

	if (kr != NULL)
		return 0;
	if ((rc = keys_ensure(dir, &created, e)) != 0 || (rc = keys_load(dir, &kr, e)) != 0)
		return rc;
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	password_configure();
	return 0;
}

int
cli_open_db(struct cli_args *a, bool migrate, struct db **db, struct anju_err *e)
{
	int rc;

	if ((rc = open_keys(a->data, e)) != 0)
		return rc;
	if ((rc = db_pool_init(datadir_db_url(a->data), e)) != 0)
		return rc;
	if ((*db = db_thread(e)) == NULL)
		return e->code ? e->code : ANJU_EDB;
	/* Jobs run from the command line (the demo, imports) store files too. */
	files_set_root(a->data);
	if (migrate && (rc = db_migrate(*db, NULL, e)) != 0)
		return rc;
	return 0;
}

/* Parses argv[2..]; returns 0, or 2 after printing a usage error. */
static int
parse(const struct cli_command *c, int argc, char **argv, struct cli_args *a)
{
	struct anju_err e;

	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	for (int i = 2; i < argc; i++) {
		char name[64], *eq;
		const char *arg = argv[i], *value = NULL;
		int k;

		if (strncmp(arg, "--", 2) != 0) {
			if (a->npos >= CLI_MAX_ARGS || a->npos >= c->npos_max) {
				fprintf(stderr, "anju %s: unexpected argument \"%s\"\n", c->name,
					arg);
				return 2;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		snprintf(name, sizeof(name), "%s", arg + 2);
		if ((eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			value = strchr(arg, '=') + 1;
		}
		if (strcmp(name, "help") == 0) {
			usage_command(c, stdout);
			exit(0);
		}
		k = flag_index(c, name);
		char cfg[64];

		/* Settings may be spelt with dashes: --max-body is max_body. */
		snprintf(cfg, sizeof(cfg), "%s", name);
		for (char *p = cfg; *p; p++)
			if (*p == '-')
				*p = '_';
		if (strcmp(name, "data") == 0 || k >= 0 || config_known(cfg)) {
			bool has_arg = k >= 0 ? c->flags[k].has_arg : true;

			if (has_arg && value == NULL) {
				if (i + 1 >= argc) {
					fprintf(stderr, "anju %s: --%s needs a value\n", c->name,
						name);
					return 2;
				}
				value = argv[++i];
			}
			if (strcmp(name, "data") == 0) {
				a->data = value;
			} else if (k >= 0) {
				a->values[k] = has_arg ? value : "true";
				a->given[k] = true;
			} else if (config_set(cfg, value, arg, &e) != 0) {
				fprintf(stderr, "anju %s: %s\n", c->name, e.msg);
				return 2;
			}
			continue;
		}
		fprintf(stderr, "anju %s: unknown flag --%s (see anju %s --help)\n", c->name, name,
			c->name);
		return 2;
	}
	if (a->npos < c->npos_min) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if (c->needs_data && a->data == NULL) {
		fprintf(stderr, "anju %s: --data DIR is required\n", c->name);
		return 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct cli_command *c = NULL;
	struct cli_args a;
	struct anju_err e;
	enum log_level lvl;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		usage_all(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "help") == 0 && strcmp(argv[2], "config") == 0) {
		config_help(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("anju %s\n", ANJU_VERSION);
		return 0;
	}
	for (const struct cli_command *const *p = commands; *p; p++)
		if (strcmp((*p)->name, argv[1]) == 0 ||
		    (strcmp(argv[1], "help") == 0 && argc > 2 && strcmp((*p)->name, argv[2]) == 0))
			c = *p;
	if (c == NULL) {
		fprintf(stderr, "anju: unknown command \"%s\" (see anju --help)\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0) {
		usage_command(c, stdout);
		return 0;
	}
	/* Everything anju creates (database, backups, files) is private to it. */
	umask(077);
	config_reset();
	if ((rc = parse(c, argc, argv, &a)) != 0)
		return rc;
	if (c->needs_data) {
		/* Command-line settings were set first; the file and the environment
		 * must not override them, so they are applied again after. */
		if ((c == &cmd_init || c == &cmd_restore ? config_load(NULL, &e)
							 : datadir_open(a.data, &e)) != 0)
			return cli_fail(&e);
		if ((rc = parse(c, argc, argv, &a)) != 0)
			return rc;
	}
	if (log_level_parse(config_str("log_level"), &lvl) == 0)
		log_set_level(lvl);
	rc = c->run(c, &a);
	db_pool_close();
	return rc;
}
