/*
 * The HTTP layer's shared types: a request as the router and handlers see
 * it, and the route contract each endpoint declares (STYLE.md 10).  No
 * business rules live here; handlers parse, call a domain service, render.
 *
 * Only http/mhd.c knows libmicrohttpd; everything else sees struct req.
 */
#ifndef ANJU_HTTP_HTTP_H
#define ANJU_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/role.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "core/err.h"
#include "core/mem.h"

struct db;
struct req;

/* Field validators for JSON bodies and query strings; also the source of the
 * OpenAPI schemas, so the documentation cannot drift from what is enforced. */
enum field_type {
	F_STRING, /* min/max: length in characters */
	F_INT,    /* min/max: value */
	F_BOOL,
	F_ENUM,   /* one of enums[] */
	F_DATE,   /* "YYYY-MM-DD" */
	F_PERIOD, /* "YYYY-MM" */
	F_OBJECT, /* fields: nested */
	F_ARRAY,  /* items: element spec; min/max: length */
};

struct field {
	const char *name;
	enum field_type type;
	bool required;
	int64_t min, max;
	const char *const *enums;   /* NULL-terminated, for F_ENUM */
	const struct field *fields; /* F_OBJECT members, {NULL}-terminated; NULL: free-form */
	const struct field *items;  /* F_ARRAY element */
	const char *desc;
};

enum route_access {
	ACCESS_PUBLIC, /* anyone */
	ACCESS_CALLER, /* any authenticated caller (roles come with access control) */
};

enum {
	ROUTE_SENSITIVE_QUERY = 1 << 0, /* the access log never records the query string */
	ROUTE_OWN_TX = 1 << 1,          /* a mutation that runs its own transactions (sign-in) */
	ROUTE_BEFORE_PASSWORD = 1 << 2, /* open to an account that must change its password */
	ROUTE_RAW_BODY = 1 << 3,  /* the body is bytes (an upload) in r->body, any Content-Type;
				     the handler checks it; query fields still validated */
	ROUTE_READ_ONLY = 1 << 4, /* a POST that only reads (search: the query stays out of the
				     URL and the logs): no write transaction, no idempotency */
	ROUTE_UPLOAD = 1 << 5,    /* a file (with ROUTE_RAW_BODY): the body is capped by the
				     configured upload_max_bytes, not max_body (413) */
};

typedef int (*route_handler)(struct req *r, struct anju_err *e);

struct route {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* "/api/v1/jobs/{id}"; a {param} matches one segment */
	enum route_access access;
	unsigned roles;           /* ACCESS_CALLER: ROLE_BIT()s allowed (access/role.h); 0 = none */
	size_t max_body;          /* 0: the configured max_body */
	const struct field *body; /* JSON object fields, {NULL}-terminated; NULL: no body */
	const struct field *query; /* allowed query parameters; NULL: none */
	unsigned flags;
	int status;           /* the success status: 200, 201, 202 */
	const char *response; /* JSON Schema of the success body (OpenAPI) */
	const char *summary;  /* one line for the OpenAPI document */
	route_handler handler;
};

/* Schemas shared by routes, published under components/schemas. */
struct api_schema {
	const char *name;
	const char *json;
};

/* What one domain area contributes to the API. */
struct api_module {
	const char *tag;
	const struct route *routes;
	const struct api_schema *schemas; /* {NULL}-terminated, may be NULL */
};

#define REQ_MAX_PARAMS 8
#define REQ_MAX_QUERY  32

struct kv {
	const char *name;
	const char *value;
};

struct req {
	struct arena *arena; /* freed when the request completes */
	void *conn;          /* the server's connection; only mhd.c looks inside */
	const char *method;
	const char *path; /* as received, percent-encoded */
	char id[17];      /* request id, also in X-Request-Id */
	char client[64];  /* client address (see trusted_proxies) */
	bool https;       /* a trusted proxy says the client came over HTTPS */
	int64_t started_us;

	struct buf body; /* the request body, capped */
	size_t body_limit;
	bool body_too_big;
	int early_status; /* a rejection decided before the body was read */

	const struct route *route;
	const char *params[REQ_MAX_PARAMS]; /* decoded path parameters in order */
	int nparams;
	bool matched; /* router_match has run (for the body limit): match_rc is its answer */
	int match_rc;
	struct kv query[REQ_MAX_QUERY]; /* decoded query parameters */
	int nquery;
	bool query_overflow;
	json_t *json;          /* the validated body (an object), or NULL */
	struct caller *caller; /* authenticated caller, NULL when anonymous */
	struct db *db;

	int status;     /* response */
	json_t *out;    /* JSON body (owned), or NULL */
	struct buf raw; /* or a raw body */
	const char *content_type;
	int fd; /* or a file to send (-1 when none) */
	int64_t fd_size;
	struct kv headers[8]; /* extra response headers */
	int nheaders;
	bool replayed; /* an idempotent replay */
};

/* A request header (case-insensitive name), lent for the request; NULL if absent. */
const char *req_header(struct req *r, const char *name);
/* A cookie sent with the request, or NULL. */
const char *req_cookie(struct req *r, const char *name);
/* A decoded query parameter, or NULL. */
const char *req_query(struct req *r, const char *name);
/* The n-th path parameter as a positive int64: 0, or ANJU_ENOTFOUND. */
int req_param_id(struct req *r, int n, int64_t *out);
/* Adds a response header (the strings must live as long as the request). */
void req_add_header(struct req *r, const char *name, const char *value);

/* The paging of a list route: ?limit= (1..200, default 50) and ?cursor= (the
 * previous page's next, a positive id; 0 when absent).  0 or ANJU_EINVAL. */
int req_page(struct req *r, int *limit, int64_t *cursor, struct anju_err *e);
/* Replies {"items": items, "next": "ID" or null} (takes items). */
void reply_page(struct req *r, json_t *items, int64_t next);

/*
 * Steps the handlers share (http/handler.c).  The readers take what the
 * route's fields have already validated.
 */
/* Replies {"items": items} (takes items). */
void reply_items(struct req *r, json_t *items);
/* Sends the PDF open at fd (size bytes; closed with the request) inline as
 * filename; never kept in a shared cache (a household is named on it). */
void reply_pdf(struct req *r, int fd, int64_t size, const char *filename);
/* A string member of o, or NULL (absent or null). */
const char *member_str(json_t *o, const char *name);
/* An integer member of o, or dflt when absent or null. */
int64_t member_int(json_t *o, const char *name, int64_t dflt);
/* A query parameter as a positive id, or 0 when absent. */
int64_t req_query_id(struct req *r, const char *name);
/* The n-th path parameter as an id: 0, or ANJU_ENOTFOUND with key and msg
 * (what was not found) in e. */
int req_object_id(struct req *r, int n, int64_t *id, const char *key, const char *msg,
		  struct anju_err *e);
/* Whether the request's Content-Type is one of types (NULL-terminated),
 * whatever parameters (a charset) follow it. */
bool req_content_type_in(struct req *r, const char *const *types);

/* Sets a JSON response (takes ownership of body). */
void reply_json(struct req *r, int status, json_t *body);
/* Sets a JSON response already written as text (takes text's bytes; text
 * is left empty). */
void reply_json_text(struct req *r, int status, struct buf *text);
/* Sets the error envelope for e: the one place errors become HTTP. */
void reply_error(struct req *r, const struct anju_err *e);
/* The status for an ANJU_E* code. */
int http_status_for(int code);

/* Parses a JSON body: UTF-8, no duplicate keys, nesting at most max_depth,
 * an object at the top.  Returns a new reference, or NULL with e filled
 * (400 invalid_json). */
json_t *json_parse_body(const char *p, size_t n, int max_depth, struct anju_err *e);
/* Validates obj against fields (unknown, missing, wrong type, out of range):
 * 0 or ANJU_EINVAL with the field's dotted path in e->field. */
int fields_validate(const struct field *fields, json_t *obj, struct anju_err *e);
/* Validates decoded query parameters against fields. */
int query_validate(const struct field *fields, const struct kv *q, int n, struct anju_err *e);

#define JSON_MAX_DEPTH 32

#endif
