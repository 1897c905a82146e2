/*
 * Responses: JSON bodies and the error envelope.  This is the one place where
 * an ANJU_E* code becomes an HTTP status (STYLE.md 5):
 *   {"error": {"code": "...", "message": "...", "field": "..."}}
 */
#include <string.h>

#include "http/http.h"

static const struct {
	int code;
	int status;
} status_map[] = {
	{ ANJU_EINVAL, 400 },
	{ ANJU_EUNAUTH, 401 },
	{ ANJU_EFORBIDDEN, 403 },
	{ ANJU_ENOTFOUND, 404 },
	{ ANJU_ECONFLICT, 409 },
	{ ANJU_ETOOBIG, 413 },
	{ ANJU_EUNPROCESSABLE, 422 },
	{ ANJU_ELIMIT, 429 },
	{ ANJU_ERANGE, 422 },
	{ ANJU_ECANCELED, 409 },
	{ ANJU_EMEDIATYPE, 415 },
	{ ANJU_EBUSY, 503 },
	{ ANJU_EIO, 500 },
	{ ANJU_EDB, 500 },
	{ ANJU_EINTERNAL, 500 },
};

int
http_status_for(int code)
{
	for (size_t i = 0; i < sizeof(status_map) / sizeof(status_map[0]); i++)
		if (status_map[i].code == code)
			return status_map[i].status;
	return 500;
}

void
reply_json(struct req *r, int status, json_t *body)
{
	json_decref(r->out);
	r->out = body;
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
}

void
reply_json_text(struct req *r, int status, struct buf *text)
{
	json_decref(r->out);
	r->out = NULL;
	buf_free(&r->raw);
	r->raw = *text;
	buf_init(text, 0);
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
}

void
reply_error(struct req *r, const struct anju_err *e)
{
	int status = http_status_for(e->code);
	json_t *err;
	const char *msg = e->msg;

	/* Internal details stay in the log; callers get a stable message. */
	if (status >= 500) {
		msg = status == 503 ? "服务繁忙，请稍后重试"
				    : "服务器内部错误，请稍后重试或联系管理员";
	}
	err = json_pack("{s:s, s:s}", "code", e->key[0] ? e->key : anju_err_default_key(e->code),
			"message", msg[0] ? msg : "请求无法处理");
	if (err == NULL) /* text that is not UTF-8 must not cost the envelope */
		err = json_pack("{s:s, s:s}", "code", anju_err_default_key(e->code), "message",
				"请求无法处理");
	if (e->field[0] != '\0' && json_object_set_new(err, "field", json_string(e->field)) != 0)
		json_object_del(err, "field");
	reply_json(r, status, json_pack("{s:o}", "error", err));
	if (status == 503)
		req_add_header(r, "Retry-After", "1");
}

int
req_page(struct req *r, int *limit, int64_t *cursor, struct anju_err *e)
{
	const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
	int64_t n = 50;

	*cursor = 0;
	/* The route's query fields already bounded limit; the parse cannot fail. */
	if (l != NULL)
		str_to_int64(str_c(l), 1, 200, &n);
	*limit = (int)n;
	if (c != NULL && str_to_int64(str_c(c), 1, INT64_MAX, cursor) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_cursor", "cursor", "cursor 无效");
	return 0;
}

void
reply_page(struct req *r, json_t *items, int64_t next)
{
	reply_json(r, 200,
		   json_pack("{s:o, s:o}", "items", items, "next",
			     next > 0 ? json_string(arena_printf(r->arena, "%lld", (long long)next))
				      : json_null()));
}
