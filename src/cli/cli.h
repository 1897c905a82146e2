/*
 * The command line's shared pieces: flag parsing, the data directory and
 * database of a command, and the terminal progress bar.
 */
#ifndef ANJU_CLI_CLI_H
#define ANJU_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct db;

struct cli_flag {
	const char *name; /* without "--" */
	bool has_arg;
	const char *help;
};

#define CLI_MAX_ARGS 16

struct cli_args {
	const char *data;       /* --data */
	const char *values[32]; /* by index of the command's flags */
	bool given[32];
	const char *pos[CLI_MAX_ARGS]; /* positional arguments */
	int npos;
	int argc; /* the whole command line, for repeatable flags */
	char **argv;
};

struct cli_command {
	const char *name;
	const char *usage; /* "anju jobs list|show ID|cancel ID" */
	const char *summary;
	const struct cli_flag *flags; /* {NULL}-terminated; config settings are always accepted */
	int npos_min, npos_max;
	bool needs_data;
	int (*run)(const struct cli_command *c, struct cli_args *a);
};

/* The value of flag name, or NULL. */
const char *cli_value(const struct cli_command *c, const struct cli_args *a, const char *name);
bool cli_given(const struct cli_command *c, const struct cli_args *a, const char *name);

/* Opens the command's data directory and database (migrated when migrate). */
int cli_open_db(struct cli_args *a, bool migrate, struct db **db, struct anju_err *e);
/* Prints an error the way every command does; returns 1. */
int cli_fail(const struct anju_err *e);

/* A progress bar on stderr when it is a terminal, else a line per 10%. */
struct progress {
	const char *title;
	int64_t started_us;
	int last_tenth;
	bool tty;
	bool drawn;
};
void progress_init(struct progress *p, const char *title);
void progress_update(void *p, int64_t done, int64_t total, const char *note);
void progress_done(struct progress *p, const char *result);

/* `anju import dataset` (cmd_crosscheck.c), run by cmd_import. */
int cli_import_dataset(const struct cli_command *c, struct cli_args *a);

extern const struct cli_command cmd_init, cmd_serve, cmd_migrate, cmd_backup, cmd_restore, cmd_jobs,
	cmd_selftest, cmd_keys, cmd_user, cmd_apikey, cmd_audit, cmd_import, cmd_ledger,
	cmd_recheck, cmd_lottery, cmd_crosscheck, cmd_bill;

#endif
