/*
 * Attachments over HTTP: upload (the body is the file itself), list by
 * owner, metadata, download, remove.  Access is the files module's owner
 * registry; this file only parses and renders.
 *
 * A download is sent from the file descriptor (r->fd), never read into
 * memory, with the stored media type, nosniff, a sandbox CSP (a PDF or an
 * image opened directly cannot run script in our origin) and a
 * Content-Disposition whose filename* carries a Chinese name (RFC 5987).
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/config.h"
#include "files/files.h"
#include "http/router.h"
#include "store/db.h"

#define OWNER_TYPE_DESC                                                                            \
	"附件所属记录的类型：unit 房屋, household 住户, asset 设施设备, acceptance_check 分户核验"
#define CATEGORY_DESC                                                                                          \
	"类别：id_card 身份证, hukou_book 户口簿, income_proof 收入证明, contract 合同, photo " \
	"照片, "                                                                                             \
	"other 其他"

static const struct field upload_query[] = {
	{ "owner_type", F_STRING, true, 1, 32, .desc = OWNER_TYPE_DESC },
	{ "owner_id", F_INT, true, 1, INT64_MAX, .desc = "附件所属记录的 id" },
	{ "category", F_ENUM, true, .enums = attachment_categories, .desc = CATEGORY_DESC },
	{ "filename", F_STRING, false, 1, 200, .desc = "原文件名（显示与下载时使用）" },
	{ "note", F_STRING, false, 0, 500, .desc = "备注" },
	{ NULL },
};

static const struct field list_query[] = {
	{ "owner_type", F_STRING, true, 1, 32, .desc = OWNER_TYPE_DESC },
	{ "owner_id", F_INT, true, 1, INT64_MAX },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

/* The query's owner_id; the route's validator already bounded it. */
static int
upload(struct req *r, struct anju_err *e)
{
	struct attachment_in in = {
		.owner_type = req_query(r, "owner_type"),
		.owner_id = req_query_id(r, "owner_id"),
		.category = req_query(r, "category"),
		.filename = req_query(r, "filename"),
		.note = req_query(r, "note"),
		.data = r->body.p,
		.size = r->body.n,
	};
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id = 0;
	int rc;

	/* Evidence comes in through its own route, which records its hash and
	 * times beside it; a plain attachment there would be neither. */
	if (files_owner_find(in.owner_type) != NULL && files_owner_find(in.owner_type)->append_only)
		return anju_fail(e, ANJU_ECONFLICT, "append_only", "owner_type",
				 "%s的材料只能作为证据添加",
				 files_owner_find(in.owner_type)->title);
	access_actor(r, &who);
	if ((rc = attachment_add(r->db, r->caller, &in, &who, &id, e)) != 0)
		return rc;
	if ((rc = attachment_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 201, a);
	return 0;
}

static int
list(struct req *r, struct anju_err *e)
{
	const char *type = req_query(r, "owner_type");
	int64_t after = 0, next = 0, id = req_query_id(r, "owner_id");
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0)
		return rc;
	if ((rc = files_owner_check(r->db, r->caller, type, id, false, e)) != 0)
		return rc;
	if ((rc = attachment_page(r->db, type, id, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_one(struct req *r, struct anju_err *e)
{
	json_t *a = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "attachment_not_found", NULL, "没有这个附件");
	if ((rc = attachment_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 200, a);
	return 0;
}

/* RFC 5987 attr-char: sent as itself in filename*; anything else as %XX. */
static bool
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$&+-.^_`|~", c) != NULL;
}

/* inline; filename="ASCII stand-in"; filename*=UTF-8''%E4%BD%8F... : old
 * clients read the first, every current browser the second.  The stand-in
 * keeps printable ASCII but quotes and backslashes, and gives each other
 * character one '_'. */
static const char *
disposition(struct req *r, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	struct buf b;
	const char *out;

	buf_init(&b, 0);
	buf_adds(&b, "inline; filename=\"");
	for (size_t i = 0; p[i] != '\0'; i++) {
		if (p[i] >= 0x80 && (p[i] & 0xc0) == 0x80)
			continue; /* a UTF-8 continuation byte: its character had its '_' */
		buf_addc(&b, p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\' ? (char)p[i]
											: '_');
	}
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (size_t i = 0; p[i] != '\0'; i++) {
		if (attr_char(p[i]))
			buf_addc(&b, (char)p[i]);
		else
			buf_printf(&b, "%%%02X", p[i]);
	}
	out = arena_strdup(r->arena, b.p);
	buf_free(&b);
	return out;
}

static int
content(struct req *r, struct anju_err *e)
{
	json_t *meta = NULL;
	int64_t id, size = 0;
	int fd = -1, rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "attachment_not_found", NULL, "没有这个附件");
	if ((rc = attachment_open(r->db, r->caller, id, &fd, &size, &meta, e)) != 0)
		return rc;
	r->fd = fd;
	r->fd_size = size;
	r->status = 200;
	r->content_type =
		arena_strdup(r->arena, json_string_value(json_object_get(meta, "media_type")));
	req_add_header(r, "Content-Disposition",
		       disposition(r, json_string_value(json_object_get(meta, "filename"))));
	req_add_header(r, "Content-Security-Policy", "sandbox");
	/* Personal papers: never in a shared cache (the API also says no-store). */
	req_add_header(r, "Cache-Control", "private");
	json_decref(meta);
	return 0;
}

static int
remove_one(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *a = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "attachment_not_found", NULL, "没有这个附件");
	access_actor(r, &who);
	if ((rc = attachment_remove(r->db, r->caller, id, &who, &a, e)) != 0)
		return rc;
	reply_json(r, 200, a);
	return 0;
}

#define ATTACHMENT_REF "{\"$ref\":\"#/components/schemas/Attachment\"}"

/* Not const: api_files_configure() sets the upload's size limit from the
 * configuration and the writers from the owner registry, at start-up. */
static struct route routes[] = {
	{ "POST", "/api/v1/attachments", ACCESS_CALLER, 0, .query = upload_query,
	  .flags = ROUTE_RAW_BODY | ROUTE_UPLOAD, .status = 201, .response = ATTACHMENT_REF,
	  .summary = "上传附件：请求内容就是文件（JPEG、PNG 或 PDF，按文件头识别）",
	  .handler = upload },
	{ "GET", "/api/v1/attachments", ACCESS_CALLER, ROLES_SCOPED, .query = list_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" ATTACHMENT_REF "},"
		      "\"next\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "某条记录的附件", .handler = list },
	{ "GET", "/api/v1/attachments/{id}", ACCESS_CALLER, ROLES_SCOPED, .status = 200,
	  .response = ATTACHMENT_REF, .summary = "附件信息", .handler = get_one },
	{ "GET", "/api/v1/attachments/{id}/content", ACCESS_CALLER, ROLES_SCOPED, .status = 200,
	  .response = "{\"description\":\"文件本身（image/jpeg、image/png 或 application/pdf），"
		      "不是 JSON\"}",
	  .summary = "附件内容（在浏览器中预览）", .handler = content },
	{ "DELETE", "/api/v1/attachments/{id}", ACCESS_CALLER, 0, .status = 200,
	  .response = ATTACHMENT_REF, .summary = "删除附件（文件保留，记录标记为已删除）",
	  .handler = remove_one },
	{ NULL },
};

void
api_files_configure(void)
{
	unsigned writers = files_owner_write_roles();

	for (struct route *rt = routes; rt->path != NULL; rt++) {
		if (strcmp(rt->method, "GET") == 0)
			continue;
		rt->roles = writers;
	}
}

static const struct api_schema schemas[] = {
	{ "Attachment",
	  "{\"type\":\"object\",\"additionalProperties\":false,"
	  "\"required\":[\"id\",\"owner_type\",\"owner_id\",\"category\",\"filename\",\"size\","
	  "\"media_type\",\"note\",\"created_by\",\"created_at\"],\"properties\":{"
	  "\"id\":{\"type\":\"integer\"},\"owner_type\":{\"type\":\"string\"},"
	  "\"owner_id\":{\"type\":\"integer\"},"
	  "\"category\":{\"enum\":[\"id_card\",\"hukou_book\",\"income_proof\",\"contract\","
	  "\"photo\",\"other\"],\"description\":\"" CATEGORY_DESC "\"},"
	  "\"filename\":{\"type\":\"string\",\"minLength\":1},"
	  "\"size\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"media_type\":{\"enum\":[\"image/jpeg\",\"image/png\",\"application/pdf\"]},"
	  "\"note\":{\"type\":\"string\"},\"created_by\":{\"type\":\"string\"},"
	  "\"created_at\":{\"type\":\"string\"},"
	  "\"removed_at\":{\"type\":\"string\",\"description\":\"删除时间（仅删除的响应中）\"},"
	  "\"removed_by\":{\"type\":\"string\"}}}" },
	{ NULL },
};

const struct api_module api_files = { "attachments", routes, schemas };
