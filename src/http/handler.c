/*
 * Small steps the API's handlers share: reading a validated body or query,
 * the id a path names, and the common shapes of a reply.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

const char *
member_str(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

int64_t
member_int(json_t *o, const char *name, int64_t dflt)
{
	json_t *v = json_object_get(o, name);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int64_t
req_query_id(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	int64_t id = 0;

	if (v != NULL)
		str_to_int64(str_c(v), 1, INT64_MAX, &id);
	return id;
}

int
req_object_id(struct req *r, int n, int64_t *id, const char *key, const char *msg,
	      struct anju_err *e)
{
	if (req_param_id(r, n, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, key, NULL, "%s", msg);
	return 0;
}

bool
req_content_type_in(struct req *r, const char *const *types)
{
	const char *ct = req_header(r, "Content-Type");

	if (ct == NULL)
		return false;
	for (const char *const *t = types; *t != NULL; t++) {
		size_t n = strlen(*t);

		if (strncasecmp(ct, *t, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return true;
	}
	return false;
}

void
reply_items(struct req *r, json_t *items)
{
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void
reply_pdf(struct req *r, int fd, int64_t size, const char *filename)
{
	r->fd = fd;
	r->fd_size = size;
	r->status = 200;
	r->content_type = "application/pdf";
	req_add_header(r, "Content-Disposition",
		       arena_printf(r->arena, "inline; filename=\"%s\"", filename));
	req_add_header(r, "Cache-Control", "private, no-store");
}
