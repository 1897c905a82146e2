/*
 * Logging to stderr, one write(2) per line so lines from several threads do
 * not interleave.  See log.h.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/err.h"

int log_threshold = LOG_INFO;
static _Thread_local char request_id[40];

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ANJU_EINVAL;
}

void
log_set_level(enum log_level level)
{
	log_threshold = (int)level;
}

void
log_set_request_id(const char *id)
{
	size_t n = id != NULL ? strnlen(id, sizeof(request_id) - 1) : 0;

	memcpy(request_id, id != NULL ? id : "", n);
	request_id[n] = '\0';
}

const char *
log_request_id(void)
{
	return request_id;
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	char line[2048], now[TIME_FMT_LEN];
	va_list ap;
	int n, m;

	time_format_utc(time_now_us(), now);
	n = snprintf(line, sizeof(line), "%s %-5s ", now, level_names[level]);
	if (request_id[0] != '\0')
		n += snprintf(line + n, sizeof(line) - (size_t)n, "req=%s ", request_id);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2; /* a long line is cut, never split */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report it. */
	}
}
