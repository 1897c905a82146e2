/*
 * The one logging family (STYLE.md 12): printf-checked, the level tested
 * before anything is formatted, the current request id (thread-local) on
 * every line.  Lines go to stderr:
 *   2026-11-28T07:03:11.123456Z info  req=4f1c2a9b0e7d6c35 message
 * Never log secrets or personal data.
 */
#ifndef ANJU_CORE_LOG_H
#define ANJU_CORE_LOG_H

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

extern int log_threshold;

/* "error", "warn", "info", "debug": 0 or ANJU_EINVAL. */
int log_level_parse(const char *name, enum log_level *out);
void log_set_level(enum log_level level);
/* The request id shown on this thread's lines; NULL clears it.  Copied. */
void log_set_request_id(const char *id);
const char *log_request_id(void);

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)                                                                             \
	do {                                                                                       \
		if (log_threshold >= LOG_ERROR)                                                    \
			log_write(LOG_ERROR, __VA_ARGS__);                                         \
	} while (0)
#define log_warn(...)                                                                              \
	do {                                                                                       \
		if (log_threshold >= LOG_WARN)                                                     \
			log_write(LOG_WARN, __VA_ARGS__);                                          \
	} while (0)
#define log_info(...)                                                                              \
	do {                                                                                       \
		if (log_threshold >= LOG_INFO)                                                     \
			log_write(LOG_INFO, __VA_ARGS__);                                          \
	} while (0)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_threshold >= LOG_DEBUG)                                                    \
			log_write(LOG_DEBUG, __VA_ARGS__);                                         \
	} while (0)

#endif
