/*
 * Roles and callers.  Each account or API key has exactly one role.  admin,
 * security and auditor are three separate people (三权分立): admin runs the
 * system and creates accounts, security assigns roles and scopes and issues
 * keys, auditor reads the audit trail; none can do another's part.  Every
 * other role has a scope: all communities or a set of them; a tenant sees
 * only their own household.
 */
#ifndef ANJU_ACCESS_ROLE_H
#define ANJU_ACCESS_ROLE_H

#include <stdbool.h>
#include <stdint.h>

enum role {
	ROLE_ADMIN,
	ROLE_SECURITY,
	ROLE_AUDITOR,
	ROLE_BUREAU,
	ROLE_OPERATOR_MANAGER,
	ROLE_OPERATOR_STAFF,
	ROLE_FINANCE,
	ROLE_INSPECTOR,
	ROLE_ASSESSOR,
	ROLE_TENANT,
	ROLE_COUNT,
};

#define ROLE_BIT(r) (1u << (r))
/* Every role: routes any signed-in caller may use (their own session, /me). */
#define ROLES_ANY ((1u << ROLE_COUNT) - 1)
/* The business roles, which carry a scope. */
#define ROLES_SCOPED                                                                               \
	(ROLES_ANY & ~(ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SECURITY) | ROLE_BIT(ROLE_AUDITOR)))

/* "admin", "operator_staff" ...; NULL for a bad value. */
const char *role_name(enum role r);
/* The zh-CN name for people: "系统管理员" ... */
const char *role_title(enum role r);
/* 0 or -1. */
int role_parse(const char *name, enum role *out);
/* Whether the role carries a community scope. */
bool role_scoped(enum role r);
/* Whether the role must have a set of communities (never "all"): operator-side
 * roles and inspectors. */
bool role_needs_set(enum role r);

enum caller_kind {
	CALLER_ACCOUNT, /* a person signed in with a session cookie */
	CALLER_API_KEY, /* a machine with a bearer key */
	CALLER_SYSTEM,  /* the command line or a schedule, acting as the host's operator */
};

/* Who is making a request: resolved once per request, lives in its arena. */
struct caller {
	enum caller_kind kind;
	int64_t id; /* account or API key id; 0 for the system */
	enum role role;
	const char *name;      /* username, key name, or "system" */
	const char *principal; /* "account:12", "apikey:3", "system": scope and idempotency owner */
	bool all_communities;  /* scope: every community */
	int64_t person_id;     /* tenant: the person the account belongs to */
	int64_t session_id;    /* CALLER_ACCOUNT: the session */
	bool must_change_password; /* CALLER_ACCOUNT: only the password change is open */
	const char *csrf;          /* CALLER_ACCOUNT: the session's CSRF token */
};

#endif
