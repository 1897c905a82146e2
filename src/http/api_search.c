/*
 * The search box over HTTP: POST /api/v1/search {"q": "..."}.  POST so that
 * a name, phone or ID number never lands in a URL or an access log; it only
 * reads, so it runs without a write transaction (ROUTE_READ_ONLY).
 */
#include "http/router.h"
#include "search/search.h"

/* Tenants see their own household through /api/v1/my/household instead. */
#define SEARCHERS (ROLES_SCOPED & ~ROLE_BIT(ROLE_TENANT))

static const struct field search_body[] = {
	{ "q", F_STRING, true, 1, SEARCH_Q_MAX,
	  .desc = "姓名（前缀）、电话、身份证号或房号（前缀）" },
	{ NULL },
};

static int
search(struct req *r, struct anju_err *e)
{
	struct buf out;
	int rc;

	buf_init(&out, 0);
	rc = search_run(r->db, r->caller, json_string_value(json_object_get(r->json, "q")), &out,
			e);
	if (rc == 0)
		reply_json_text(r, 200, &out);
	buf_free(&out);
	return rc;
}

#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"

static const struct route routes[] = {
	{ "POST", "/api/v1/search", ACCESS_CALLER, SEARCHERS, .max_body = 1024, .body = search_body,
	  .flags = ROUTE_READ_ONLY, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"kind\",\"households\",\"persons\","
		      "\"units\"],\"properties\":{"
		      "\"kind\":{\"enum\":[\"id_number\",\"phone\",\"unit_number\",\"name\"]},"
		      "\"households\":{\"type\":\"array\",\"maxItems\":20,"
		      "\"items\":" REF(
			      "HouseholdSummary") "},"
						  "\"persons\":{\"type\":\"array\",\"maxItems\":20,"
						  "\"items\":" REF(
							  "Person") "},"
								    "\"units\":{\"type\":\"array\","
								    "\"maxItems\":20,\"items\":{"
								    "\"type\":\"object\"}}}}",
	  .summary = "搜索：姓名、电话、身份证号、房号", .handler = search },
	{ NULL },
};

const struct api_module api_search = { "search", routes, NULL };
