/*
 * Error codes and the error detail every layer reports through.
 *
 * Functions return 0 or one of the negative ANJU_E* codes; details (a stable
 * machine-readable key, a human message in Chinese for the UI, the offending
 * field) travel in a struct anju_err owned by the caller.  The HTTP layer turns
 * them into a status and the JSON error envelope in exactly one place
 * (http/reply.c).
 */
#ifndef ANJU_CORE_ERR_H
#define ANJU_CORE_ERR_H

#include <stdarg.h>

enum {
	ANJU_OK = 0,
	ANJU_EINVAL = -1,         /* bad input: 400 */
	ANJU_EUNAUTH = -2,        /* no or bad credentials: 401 */
	ANJU_EFORBIDDEN = -3,     /* caller may not do this: 403 */
	ANJU_ENOTFOUND = -4,      /* no such object (or out of scope): 404 */
	ANJU_ECONFLICT = -5,      /* state forbids it: 409 */
	ANJU_ETOOBIG = -6,        /* over a size limit: 413 */
	ANJU_EUNPROCESSABLE = -7, /* well-formed but refused by a rule: 422 */
	ANJU_ELIMIT = -8,         /* too many requests: 429 */
	ANJU_ERANGE = -9,         /* arithmetic overflow or value out of range */
	ANJU_EIO = -10,           /* file system failure */
	ANJU_EDB = -11,           /* database failure */
	ANJU_EBUSY = -12,         /* try again later: 503 */
	ANJU_ECANCELED = -13,     /* a job was cancelled */
	ANJU_EINTERNAL = -14,     /* a bug: 500 */
	ANJU_EMEDIATYPE = -15,    /* a body in a format the route does not take: 415 */
};

struct anju_err {
	int code;
	char key[48];   /* snake_case code for the API, e.g. "lease_overlaps" */
	char field[64]; /* offending field, or "" */
	char msg[256];  /* message for people (zh-CN in user-facing paths) */
};

/* Fills e (when not NULL) and returns code; fmt is the message. */
int anju_fail(struct anju_err *e, int code, const char *key, const char *field, const char *fmt,
	      ...) __attribute__((format(printf, 5, 6)));

/* Clears e to "no error". */
void anju_err_clear(struct anju_err *e);

/* A default key for a code ("invalid", "not_found" ...), never NULL. */
const char *anju_err_default_key(int code);

#endif
