/* Error details: filling and defaults.  See err.h. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

/* Cuts a string that snprintf truncated back to a whole UTF-8 character, so
 * that an error never carries half a character into JSON. */
static void
utf8_trim_tail(char *s, size_t cap)
{
	size_t n = strlen(s), start, need;
	unsigned char c;

	if (n + 1 < cap || n == 0)
		return; /* not truncated */
	start = n;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
		start--;
	if (start == 0)
		return;
	c = (unsigned char)s[start - 1];
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (n - (start - 1) < need)
		s[start - 1] = '\0';
}

void
anju_err_clear(struct anju_err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->key[0] = e->field[0] = e->msg[0] = '\0';
}

int
anju_fail(struct anju_err *e, int code, const char *key, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->key, sizeof(e->key), "%s", key ? key : anju_err_default_key(code));
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	utf8_trim_tail(e->field, sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	utf8_trim_tail(e->msg, sizeof(e->msg));
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
