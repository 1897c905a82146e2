/*
 * The configuration table (STYLE.md 11): every setting once, with its type,
 * bounds, default, environment variable and help text.  Values come from, in
 * rising precedence: the defaults, the data directory's anju.conf
 * ("name = value" lines, '#' comments), ANJU_<NAME> environment variables and
 * --name command-line flags.  Everything is validated when it is set, so the
 * server never starts on a bad value; `anju help config` prints the table.
 * The process has one configuration, set before threads start and read-only
 * after.
 */
#ifndef ANJU_CORE_CONFIG_H
#define ANJU_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum config_type {
	CFG_STRING,
	CFG_INT,
	CFG_BOOL,
};

struct config_def {
	const char *name; /* also the flag (--name) and ANJU_NAME */
	enum config_type type;
	const char *def;  /* default, as text */
	int64_t min, max; /* bounds for CFG_INT */
	const char *help;
};

/* The table, terminated by a NULL name. */
extern const struct config_def config_defs[];

/* Resets every setting to its default. */
void config_reset(void);
/* Sets name from text; source names where it came from in errors ("anju.conf:3").
 * 0, or ANJU_EINVAL (unknown name, bad value) with e. */
int config_set(const char *name, const char *value, const char *source, struct anju_err *e);
/* Reads path if it exists (a missing file is fine), then the environment. */
int config_load(const char *path, struct anju_err *e);
/* Whether name is a setting (for command-line parsing). */
bool config_known(const char *name);
const char *config_str(const char *name);
int64_t config_int(const char *name);
bool config_bool(const char *name);
/* Prints the table: flag, default, environment variable, help. */
void config_help(FILE *out);
/* Writes a commented anju.conf with every setting at its current value. */
int config_write_file(const char *path, struct anju_err *e);

#endif
