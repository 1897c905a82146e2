/* Error details: filling and defaults.  See err.h. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

void
anju_err_clear(struct anju_err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->key[0] = e->field[0] = e->msg[0] = '\0';
}

int
anju_fail(struct anju_err *e, int code, const char *key, const char *field,
	  const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->key, sizeof(e->key), "%s", key ? key : anju_err_default_key(code));
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
anju_err_default_key(int code)
{
	switch (code) {
	case ANJU_OK: return "ok";
	case ANJU_EINVAL: return "invalid";
	case ANJU_EUNAUTH: return "unauthenticated";
	case ANJU_EFORBIDDEN: return "forbidden";
	case ANJU_ENOTFOUND: return "not_found";
	case ANJU_ECONFLICT: return "conflict";
	case ANJU_ETOOBIG: return "too_large";
	case ANJU_EUNPROCESSABLE: return "unprocessable";
	case ANJU_ELIMIT: return "rate_limited";
	case ANJU_ERANGE: return "out_of_range";
	case ANJU_EIO: return "io_error";
	case ANJU_EDB: return "database_error";
	case ANJU_EBUSY: return "busy";
	case ANJU_ECANCELED: return "canceled";
	case ANJU_EMEDIATYPE: return "unsupported_media_type";
	default: return "internal";
	}
}
