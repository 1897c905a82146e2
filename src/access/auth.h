/*
 * Authentication for the HTTP layer (the router's hook) and the audit
 * actor of a request.
 */
#ifndef ANJU_ACCESS_AUTH_H
#define ANJU_ACCESS_AUTH_H

#include "audit/audit.h"
#include "core/err.h"

struct req;

/* Resolves r->caller from a bearer API key or the session cookie; checks the
 * CSRF token of cookie-authenticated mutations.  0, ANJU_EUNAUTH or
 * ANJU_EFORBIDDEN ("csrf_failed"). */
int access_authenticate(struct req *r, struct anju_err *e);
/* The audit actor of a request: its caller, client address and id. */
void access_actor(const struct req *r, struct audit_actor *who);

#endif
