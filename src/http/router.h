/*
 * Routing and dispatch: finds the route a request names, enforces its
 * contract (caller, query, body), runs the handler inside a transaction for
 * mutations with Idempotency-Key support, and renders the result.
 */
#ifndef ANJU_HTTP_ROUTER_H
#define ANJU_HTTP_ROUTER_H

#include "http/http.h"

/* The API's modules, NULL-terminated (http/api.c). */
extern const struct api_module *const api_modules[];
/* Applies the configuration to the attachment routes (upload_max_bytes, the
 * owner registry's writers): once at start-up, before the OpenAPI document
 * is built and the first request is served (http/api_files.c). */
void api_files_configure(void);

/* Matches method and raw path against every route.  On a match: 0, *out set
 * and params (decoded into a) filled.  ANJU_ENOTFOUND when no path matches;
 * ANJU_EUNPROCESSABLE when the path matches but not the method. */
int router_match(const char *method, const char *path, struct arena *a, const struct route **out,
		 const char **params, int *nparams);

/* Decodes %XX (and '+' as space when plus_space) into a new arena string;
 * NULL on a malformed escape or an encoded NUL. */
char *url_decode(struct arena *a, const char *s, size_t n, bool plus_space);

/* The query string as the access log may show it, into out: 1 when there is
 * one and the route allows it, 0 otherwise (no route, none, or the route is
 * ROUTE_SENSITIVE_QUERY: searches by ID number or phone never reach a log). */
int http_loggable_query(const struct req *r, struct buf *out);
/* Writes r's access log line (info; the query itself only at debug and only
 * when http_loggable_query allows).  completed false: the client went away. */
void http_access_log(const struct req *r, bool completed, int reason, int64_t us);

/* Answers r (its body fully read): everything after the transport. */
void http_handle(struct req *r);

/* Resolves the caller from the request into r->caller (r->db is open):
 * 0, ANJU_EUNAUTH, or ANJU_EFORBIDDEN (a failed CSRF check).  Without a hook
 * every non-public route answers 401. */
typedef int (*auth_hook_fn)(struct req *r, struct anju_err *e);
void http_set_auth_hook(auth_hook_fn fn);

/* The OpenAPI 3.1 document of every route, built once; lent. */
const char *openapi_document(void);

/* Serves a file of the web root for GET/HEAD, or index.html for an app path. */
int static_serve(struct req *r, struct anju_err *e);
void static_set_root(const char *dir);
bool static_enabled(void);

#endif
