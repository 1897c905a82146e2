/*
 * Platform endpoints: health and the OpenAPI document.
 */
#include <string.h>

#include "http/router.h"
#include "store/db.h"

static int
get_health(struct req *r, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	/* One round trip proves the database answers. */
	if ((rc = db_prepare(r->db, "SELECT 1", &st)) != 0 || (rc = db_step(st)) != DB_ROW) {
		db_reset(st);
		return anju_fail(e, ANJU_EBUSY, "database_unavailable", NULL, "database: %s",
				 db_errmsg(r->db));
	}
	db_reset(st);
	reply_json(r, 200,
		   json_pack("{s:s, s:s, s:s}", "status", "ok", "version", ANJU_VERSION, "db",
			     db_engine_name(r->db)));
	return 0;
}

static int
get_openapi(struct req *r, struct anju_err *e)
{
	(void)e;
	buf_adds(&r->raw, openapi_document());
	r->content_type = "application/json; charset=utf-8";
	r->status = 200;
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/api/v1/health", ACCESS_PUBLIC, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"status\",\"version\",\"db\"],"
		      "\"additionalProperties\":false,\"properties\":{"
		      "\"status\":{\"const\":\"ok\"},\"version\":{\"type\":\"string\"},"
		      "\"db\":{\"enum\":[\"sqlite\",\"postgresql\"]}}}",
	  .summary = "服务健康状况", .handler = get_health },
	{ "GET", "/api/v1/openapi.json", ACCESS_PUBLIC, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"openapi\",\"paths\"]}",
	  .summary = "本接口的 OpenAPI 描述", .handler = get_openapi },
	{ NULL },
};

const struct api_module api_platform = { "platform", routes, NULL };
