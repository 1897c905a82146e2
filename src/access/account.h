/*
 * Accounts, sign-in, sessions and API keys: who may use anju and how they
 * prove it.  Every change here is audited in the same transaction (the
 * caller's); sign-in manages its own transactions because a failure must be
 * counted even though the request fails.
 */
#ifndef ANJU_ACCESS_ACCOUNT_H
#define ANJU_ACCESS_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/role.h"
#include "core/err.h"

struct db;
struct arena;
struct audit_actor;

#define SESSION_COOKIE "anju_session"
#define TOKEN_TEXT_LEN 44 /* base64 of 32 random bytes, no padding, URL-safe: 43 + NUL */

struct account_new {
	const char *username; /* [a-z0-9_.-], 3..32, starting with a letter */
	const char *display_name;
	enum role role;
	const char *password; /* NULL: generate one into generated_password */
	bool all_communities;
	const int64_t *communities;
	int ncommunities;
	int64_t person_id; /* tenants: required */
	bool must_change_password;
	char generated_password[21]; /* out, when password was NULL */
};

/* Creates an account in the caller's transaction.  0, ANJU_EINVAL (bad name,
 * role or scope), ANJU_EUNPROCESSABLE (weak password) or ANJU_ECONFLICT
 * ("username_taken"). */
int account_create(struct db *db, struct account_new *n, const struct audit_actor *who, int64_t *id,
		   struct anju_err *e);
/* The account as JSON (no secrets), or ANJU_ENOTFOUND. */
int account_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
int account_find(struct db *db, const char *username, int64_t *id, struct anju_err *e);
/* How many active accounts have role. */
int account_count(struct db *db, enum role role, int64_t *n, struct anju_err *e);
/* Accounts ordered by id, ids above after_id; *next 0 at the end. */
int account_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
		 struct anju_err *e);
/* The active accounts whose role's bit (ROLE_BIT) is in roles, ordered by
 * display name then username (the database's collation), at most
 * ACCOUNT_LIST_ROLES_MAX of them: each {id, username, display_name, role,
 * role_title} and nothing more, for people who pick a colleague by name
 * (finance handing a receipt book to a clerk). */
#define ACCOUNT_LIST_ROLES_MAX 1000
int account_list_roles(struct db *db, unsigned roles, json_t **items, struct anju_err *e);
/* "active" or "disabled"; disabling ends the account's sessions. */
int account_set_state(struct db *db, int64_t id, const char *state, const struct audit_actor *who,
		      struct anju_err *e);
/* Sets role and scope (security's act).  Ends the account's sessions. */
int account_set_role(struct db *db, int64_t id, enum role role, bool all_communities,
		     const int64_t *communities, int n, const struct audit_actor *who,
		     struct anju_err *e);
/* Sets a new password (generated into out when password is NULL), to be
 * changed at the next sign-in; ends the account's sessions. */
int account_reset_password(struct db *db, int64_t id, const char *password, char out[21],
			   const struct audit_actor *who, struct anju_err *e);
/* The holder changes their own password, proving the old one. */
int account_change_password(struct db *db, int64_t id, const char *old_password,
			    const char *new_password, const struct audit_actor *who,
			    struct anju_err *e);
/* Clears a username's failure count and lock (security's act). */
int account_unlock(struct db *db, const char *username, const struct audit_actor *who,
		   struct anju_err *e);

struct login {
	char token[TOKEN_TEXT_LEN]; /* the cookie value, shown once */
	char csrf[TOKEN_TEXT_LEN];
	int64_t account_id;
	int64_t session_id;
};

/* Signs in: counts failures per username string (existing or not) and
 * locks it after the configured number in a row; throttles a client address
 * with too many failures.  Runs its own transactions.  0, ANJU_EUNAUTH
 * ("invalid_credentials"), ANJU_ELIMIT ("account_locked" or
 * "too_many_attempts"). */
int login(struct db *db, const char *username, const char *password, const char *client,
	  const char *request_id, struct login *out, struct anju_err *e);
/* Resolves a session cookie into *c (strings from a); also returns the
 * session's CSRF token.  Coalesces last-seen writes.  0 or ANJU_EUNAUTH. */
int session_resolve(struct db *db, const char *token, struct arena *a, struct caller *c,
		    const char **csrf, struct anju_err *e);
/* Ends a session (sign-out), in the caller's transaction. */
int session_end(struct db *db, int64_t session_id, const struct audit_actor *who,
		struct anju_err *e);

/* Creates an API key; *key (caller frees) is shown once. */
int apikey_create(struct db *db, const char *name, enum role role, bool all_communities,
		  const int64_t *communities, int n, const struct audit_actor *who, char **key,
		  int64_t *id, struct anju_err *e);
int apikey_list(struct db *db, json_t **items, struct anju_err *e);
int apikey_revoke(struct db *db, int64_t id, const struct audit_actor *who, struct anju_err *e);
/* Resolves a bearer key into *c.  0 or ANJU_EUNAUTH. */
int apikey_resolve(struct db *db, const char *key, struct arena *a, struct caller *c,
		   struct anju_err *e);

/* The caller the command line acts as: the host's operator. */
const struct caller *caller_system(void);

#endif
