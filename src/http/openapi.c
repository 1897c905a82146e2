/*
 * The OpenAPI 3.1 document, assembled from the route table itself: request
 * schemas come from the same field lists the router enforces, response
 * schemas from each route's declaration and the modules' shared schemas.
 * The API tests validate every response they receive against it.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *document;

static const char error_schema[] =
	"{\"type\":\"object\",\"required\":[\"error\"],\"additionalProperties\":false,"
	"\"properties\":{\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],"
	"\"additionalProperties\":false,\"properties\":{"
	"\"code\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_]*$\"},"
	"\"message\":{\"type\":\"string\",\"minLength\":1},"
	"\"field\":{\"type\":\"string\"}}}}}";

static json_t *
parse_or_die(const char *what, const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

	if (j == NULL) {
		/* A malformed schema in the code: fail loudly at start-up. */
		fprintf(stderr, "anju: bad OpenAPI schema for %s: %s\n", what, jerr.text);
		abort();
	}
	return j;
}

static json_t *field_schema(const struct field *f);

static json_t *
object_schema(const struct field *fields)
{
	json_t *props = json_object(), *req = json_array();

	for (const struct field *f = fields; f != NULL && f->name != NULL; f++) {
		json_t *s = field_schema(f);

		if (!f->required)
			s = json_pack("{s:[o,{s:s}]}", "oneOf", s, "type", "null");
		json_object_set_new(props, f->name, s);
		if (f->required)
			json_array_append_new(req, json_string(f->name));
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required",
			 req, "additionalProperties", 0);
}

static json_t *
field_schema(const struct field *f)
{
	json_t *s = NULL;

	switch (f->type) {
	case F_STRING:
		s = json_pack("{s:s, s:I}", "type", "string", "minLength", (json_int_t)f->min);
		if (f->max > 0)
			json_object_set_new(s, "maxLength", json_integer(f->max));
		break;
	case F_INT:
		s = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum", (json_int_t)f->min,
			      "maximum", (json_int_t)f->max);
		break;
	case F_BOOL: s = json_pack("{s:s}", "type", "boolean"); break;
	case F_ENUM: {
		json_t *e = json_array();

		for (const char *const *x = f->enums; *x; x++)
			json_array_append_new(e, json_string(*x));
		s = json_pack("{s:s, s:o}", "type", "string", "enum", e);
		break;
	}
	case F_DATE: s = json_pack("{s:s, s:s}", "type", "string", "format", "date"); break;
	case F_PERIOD:
		s = json_pack("{s:s, s:s}", "type", "string", "pattern",
			      "^[0-9]{4}-(0[1-9]|1[0-2])$");
		break;
	case F_OBJECT:
		s = f->fields ? object_schema(f->fields) : json_pack("{s:s}", "type", "object");
		break;
	case F_ARRAY:
		s = json_pack("{s:s, s:o, s:I}", "type", "array", "items", field_schema(f->items),
			      "minItems", (json_int_t)f->min);
		if (f->max > 0)
			json_object_set_new(s, "maxItems", json_integer(f->max));
		break;
	}
	if (f->desc)
		json_object_set_new(s, "description", json_string(f->desc));
	return s;
}

static char *
lower(const char *s)
{
	char *l = strdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static json_t *
operation(const struct api_module *m, const struct route *rt)
{
	json_t *op = json_object(), *params = json_array(), *responses = json_object();
	char status[8];
	const char *p;

	json_object_set_new(op, "summary", json_string(rt->summary ? rt->summary : rt->path));
	json_object_set_new(op, "tags", json_pack("[s]", m->tag));
	for (p = strchr(rt->path, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		char *name = strndup(p + 1, (size_t)(end - p - 1));

		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in",
						"path", "required", 1, "schema", "type", "string"));
		free(name);
	}
	for (const struct field *f = rt->query; f != NULL && f->name != NULL; f++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o}", "name", f->name,
							"in", "query", "required", f->required,
							"schema", field_schema(f)));
	json_object_set_new(op, "parameters", params);
	if (rt->body != NULL)
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
					      "application/json", "schema",
					      object_schema(rt->body)));
	else if (rt->flags & ROUTE_RAW_BODY)
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:{s:{s:{s:s, s:s}}}}", "required", 1,
					      "content", "application/octet-stream", "schema",
					      "type", "string", "format", "binary"));
	snprintf(status, sizeof(status), "%d", rt->status ? rt->status : 200);
	json_object_set_new(responses, status,
			    json_pack("{s:s, s:{s:{s:o}}}", "description", "成功", "content",
				      "application/json", "schema",
				      parse_or_die(rt->path, rt->response ? rt->response : "{}")));
	json_object_set_new(responses, "default",
			    json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "错误", "content",
				      "application/json", "schema", "$ref",
				      "#/components/schemas/Error"));
	json_object_set_new(op, "responses", responses);
	if (rt->access != ACCESS_PUBLIC) {
		json_t *roles = json_array();

		/* Who may call it: the router's check, published for clients and tests. */
		for (int k = 0; k < ROLE_COUNT; k++)
			if (rt->roles & ROLE_BIT(k))
				json_array_append_new(roles, json_string(role_name((enum role)k)));
		json_object_set_new(op, "x-roles", roles);
		json_object_set_new(op, "security",
				    json_pack("[{s:[]}, {s:[]}]", "bearer", "cookie"));
	} else
		json_object_set_new(op, "security", json_array());
	return op;
}

static void
build(void)
{
	json_t *doc, *paths = json_object(), *schemas = json_object();

	json_object_set_new(schemas, "Error", parse_or_die("Error", error_schema));
	for (const struct api_module *const *m = api_modules; *m != NULL; m++) {
		for (const struct api_schema *s = (*m)->schemas; s != NULL && s->name != NULL; s++)
			json_object_set_new(schemas, s->name, parse_or_die(s->name, s->json));
		for (const struct route *rt = (*m)->routes; rt->path != NULL; rt++) {
			json_t *item = json_object_get(paths, rt->path);
			char *method = lower(rt->method);

			if (item == NULL) {
				item = json_object();
				json_object_set_new(paths, rt->path, item);
			}
			json_object_set_new(item, method, operation(*m, rt));
			free(method);
		}
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:o, s:{s:{s:s, s:s}}}}", "openapi",
			"3.1.0", "info", "title", "anju 安居 API", "version", ANJU_VERSION,
			"description", "公租房运营管理服务平台接口", "paths", paths, "components",
			"schemas", schemas, "securitySchemes", "bearer", "type", "http", "scheme",
			"bearer");
	json_object_set_new(json_object_get(json_object_get(doc, "components"), "securitySchemes"),
			    "cookie",
			    json_pack("{s:s, s:s, s:s}", "type", "apiKey", "in", "cookie", "name",
				      "anju_session"));
	document = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
}

const char *
openapi_document(void)
{
	pthread_once(&once, build);
	return document;
}
