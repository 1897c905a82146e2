/*
 * `anju user ...` and `anju apikey ...`: the host operator's hand on
 * accounts and keys.  The command line acts as "system" in the audit trail;
 * it alone may create the three powers (admin, security, auditor).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "access/account.h"
#include "access/password.h"
#include "access/person.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "store/db.h"

#define MAX_COMMUNITIES 64

static void
system_actor(struct audit_actor *who)
{
	audit_actor_of(who, caller_system(), "cli", NULL);
}

/* Reads a password: from a terminal, twice without echo; otherwise the
 * first line of standard input.  0, or -1 after saying why. */
static int
read_password(char *out, size_t cap)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	char again[PASSWORD_MAX + 2];

	for (int round = 0; round < (tty ? 2 : 1); round++) {
		char *dst = round == 0 ? out : again;
		size_t dcap = round == 0 ? cap : sizeof(again);

		if (tty) {
			fputs(round == 0 ? "password: " : "again: ", stderr);
			tcgetattr(STDIN_FILENO, &old);
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
		if (fgets(dst, (int)dcap, stdin) == NULL)
			dst[0] = '\0';
		if (tty) {
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
			fputs("\n", stderr);
		}
		dst[strcspn(dst, "\r\n")] = '\0';
	}
	if (tty && strcmp(out, again) != 0) {
		fprintf(stderr, "anju user: the two passwords differ\n");
		return -1;
	}
	explicit_bzero(again, sizeof(again));
	if (out[0] == '\0') {
		fprintf(stderr, "anju user: no password on standard input\n");
		return -1;
	}
	return 0;
}

/* --community ID, repeatable: collected from argv since flags hold one value. */
static int
communities(const struct cli_args *a, int64_t *ids, int *n)
{
	int argc = a->argc;
	char **argv = a->argv;

	*n = 0;
	for (int i = 2; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--community") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--community=", 12) == 0)
			v = argv[i] + 12;
		if (v == NULL)
			continue;
		if (*n >= MAX_COMMUNITIES || str_to_int64(str_c(v), 1, INT64_MAX, &ids[*n]) != 0) {
			fprintf(stderr, "anju: --community takes a community id (at most %d)\n",
				MAX_COMMUNITIES);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* Runs fn in one transaction; prints e on failure. */
static int
in_tx(struct db *db, int rc_of_fn, struct anju_err *e)
{
	if (rc_of_fn != 0) {
		db_rollback(db);
		return cli_fail(e);
	}
	if (db_commit(db) != 0) {
		anju_fail(e, ANJU_EDB, NULL, NULL, "commit: %s", db_errmsg(db));
		return cli_fail(e);
	}
	return 0;
}

static int
open_tx(struct cli_args *a, struct db **db, struct anju_err *e)
{
	if (cli_open_db(a, true, db, e) != 0)
		return cli_fail(e);
	if (db_begin(*db) != 0) {
		anju_fail(e, ANJU_EDB, NULL, NULL, "begin: %s", db_errmsg(*db));
		return cli_fail(e);
	}
	return 0;
}

static int
user_add(const struct cli_command *c, struct cli_args *a)
{
	struct account_new n = { 0 };
	struct audit_actor who;
	struct anju_err e;
	struct db *db = NULL;
	char password[PASSWORD_MAX + 2];
	int64_t ids[MAX_COMMUNITIES], id = 0, person = 0;
	const char *v;
	int rc;

	anju_err_clear(&e);
	n.username = cli_value(c, a, "username");
	v = cli_value(c, a, "role");
	if (n.username == NULL || v == NULL || role_parse(v, &n.role) != 0) {
		fprintf(stderr, "anju user add: --username U and --role R (one of admin, security,"
				" auditor, bureau, operator_manager, operator_staff, finance,"
				" inspector, assessor, tenant) are required\n");
		return 2;
	}
	if (communities(a, ids, &n.ncommunities) != 0)
		return 2;
	if ((v = cli_value(c, a, "person-id")) != NULL &&
	    str_to_int64(str_c(v), 1, INT64_MAX, &person) != 0) {
		fprintf(stderr, "anju user add: --person-id takes a person id\n");
		return 2;
	}
	n.communities = ids;
	n.all_communities = cli_given(c, a, "all-communities");
	n.display_name = cli_value(c, a, "name");
	n.person_id = person;
	if (!cli_given(c, a, "generate-password")) {
		if (read_password(password, sizeof(password)) != 0)
			return 2;
		n.password = password;
	}
	if ((rc = open_tx(a, &db, &e)) != 0)
		return rc;
	system_actor(&who);
	/* A tenant's person may be one already recorded (a household member),
	 * found by its ID number, or registered in the same step. */
	rc = 0;
	if (n.role == ROLE_TENANT && person == 0 && cli_value(c, a, "person-id-number") != NULL) {
		rc = person_find(db, cli_value(c, a, "person-id-number"), &n.person_id, &e);
	} else if (n.role == ROLE_TENANT && person == 0 && cli_value(c, a, "id-number") != NULL) {
		rc = person_create(db,
				   cli_value(c, a, "name") ? cli_value(c, a, "name") : n.username,
				   cli_value(c, a, "id-number"), cli_value(c, a, "phone"), &who,
				   &n.person_id, &e);
	}
	if (rc == 0)
		rc = account_create(db, &n, &who, &id, &e);
	rc = in_tx(db, rc, &e);
	explicit_bzero(password, sizeof(password));
	if (rc != 0)
		return rc;
	printf("account %lld: %s (%s)\n", (long long)id, n.username, role_title(n.role));
	if (n.password == NULL)
		printf("initial password (change it at first sign-in): %s\n", n.generated_password);
	explicit_bzero(n.generated_password, sizeof(n.generated_password));
	return 0;
}

static int
user_list(struct cli_args *a)
{
	struct anju_err e;
	struct db *db = NULL;
	json_t *items = NULL, *it;
	int64_t next = 0, after = 0;
	size_t i;

	anju_err_clear(&e);
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	printf("%-6s %-20s %-18s %-9s %s\n", "ID", "USERNAME", "ROLE", "STATE", "SCOPE");
	do {
		if (account_list(db, after, 200, &items, &next, &e) != 0)
			return cli_fail(&e);
		json_array_foreach (items, i, it) {
			json_t *scope = json_object_get(it, "scope");
			char *ids = json_dumps(json_object_get(scope, "communities"), JSON_COMPACT);

			printf("%-6lld %-20s %-18s %-9s %s\n",
			       (long long)json_integer_value(json_object_get(it, "id")),
			       json_string_value(json_object_get(it, "username")),
			       json_string_value(json_object_get(it, "role")),
			       json_string_value(json_object_get(it, "state")),
			       json_is_true(json_object_get(scope, "all")) ? "all" : ids);
			free(ids);
		}
		json_decref(items);
		after = next;
	} while (next != 0);
	return 0;
}

/* user disable|enable|reset-password USERNAME, user unlock USERNAME */
static int
user_change(const char *sub, struct cli_args *a)
{
	struct audit_actor who;
	struct anju_err e;
	struct db *db = NULL;
	char pw[21] = "";
	int64_t id = 0;
	int rc;

	anju_err_clear(&e);
	if (a->npos < 2) {
		fprintf(stderr, "anju user %s: which username?\n", sub);
		return 2;
	}
	if ((rc = open_tx(a, &db, &e)) != 0)
		return rc;
	system_actor(&who);
	if (strcmp(sub, "unlock") == 0)
		rc = account_unlock(db, a->pos[1], &who, &e);
	else if ((rc = account_find(db, a->pos[1], &id, &e)) == 0) {
		if (strcmp(sub, "reset-password") == 0)
			rc = account_reset_password(db, id, NULL, pw, &who, &e);
		else
			rc = account_set_state(db, id,
					       strcmp(sub, "disable") == 0 ? "disabled" : "active",
					       &who, &e);
	}
	if ((rc = in_tx(db, rc, &e)) != 0)
		return rc;
	if (pw[0] != '\0')
		printf("new password for %s (change it at first sign-in): %s\n", a->pos[1], pw);
	else
		printf("%s: %s done\n", a->pos[1], sub);
	explicit_bzero(pw, sizeof(pw));
	return 0;
}

static int
run_user(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0];

	if (strcmp(sub, "add") == 0)
		return user_add(c, a);
	if (strcmp(sub, "list") == 0)
		return user_list(a);
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
	    strcmp(sub, "unlock") == 0 || strcmp(sub, "reset-password") == 0)
		return user_change(sub, a);
	fprintf(stderr, "usage: %s\n", c->usage);
	return 2;
}

static const struct cli_flag user_flags[] = {
	{ "username", true, "add: the sign-in name" },
	{ "role", true, "add: the role" },
	{ "name", true, "add: the person's display name" },
	{ "community", true, "add: a community in scope (repeat for more)" },
	{ "all-communities", false, "add: every community in scope" },
	{ "person-id", true, "add: the person a tenant account belongs to" },
	{ "id-number", true, "add: a tenant's resident ID number (registers the person)" },
	{ "person-id-number", true,
	  "add: the resident ID number of the recorded person a tenant account belongs to" },
	{ "phone", true, "add: a tenant's phone, with --id-number" },
	{ "generate-password", false,
	  "add: generate the initial password instead of reading stdin" },
	{ NULL },
};

static int
user_entry(const struct cli_command *c, struct cli_args *a)
{
	return run_user(c, a);
}

const struct cli_command cmd_user = {
	"user",
	"anju user add --data DIR --username U --role R [--community ID]... | list | disable U |"
	" enable U | unlock U | reset-password U",
	"manage accounts (the password of add is read from standard input)",
	user_flags,
	1,
	2,
	true,
	user_entry,
};

static int
run_apikey(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0];
	struct audit_actor who;
	struct anju_err e;
	struct db *db = NULL;
	int rc;

	anju_err_clear(&e);
	system_actor(&who);
	if (strcmp(sub, "create") == 0) {
		const char *name = cli_value(c, a, "name"), *r = cli_value(c, a, "role");
		int64_t ids[MAX_COMMUNITIES], id = 0;
		enum role role;
		char *key = NULL;
		int n = 0;

		if (name == NULL || r == NULL || role_parse(r, &role) != 0) {
			fprintf(stderr, "anju apikey create: --name N and --role R are required\n");
			return 2;
		}
		if (communities(a, ids, &n) != 0)
			return 2;
		if ((rc = open_tx(a, &db, &e)) != 0)
			return rc;
		rc = apikey_create(db, name, role, cli_given(c, a, "all-communities"), ids, n, &who,
				   &key, &id, &e);
		if ((rc = in_tx(db, rc, &e)) != 0)
			return rc;
		printf("api key %lld (%s, %s); shown once, keep it safe:\n%s\n", (long long)id,
		       name, role_title(role), key);
		explicit_bzero(key, strlen(key));
		free(key);
		return 0;
	}
	if (strcmp(sub, "list") == 0) {
		json_t *items = NULL, *it;
		size_t i;

		if (cli_open_db(a, true, &db, &e) != 0 || apikey_list(db, &items, &e) != 0)
			return cli_fail(&e);
		printf("%-6s %-12s %-24s %-18s %s\n", "ID", "PREFIX", "NAME", "ROLE", "REVOKED");
		json_array_foreach (items, i, it)
			printf("%-6lld %-12s %-24s %-18s %s\n",
			       (long long)json_integer_value(json_object_get(it, "id")),
			       json_string_value(json_object_get(it, "prefix")),
			       json_string_value(json_object_get(it, "name")),
			       json_string_value(json_object_get(it, "role")),
			       json_is_null(json_object_get(it, "revoked_at"))
				       ? "-"
				       : json_string_value(json_object_get(it, "revoked_at")));
		json_decref(items);
		return 0;
	}
	if (strcmp(sub, "revoke") == 0) {
		int64_t id;

		if (a->npos < 2 || str_to_int64(str_c(a->pos[1]), 1, INT64_MAX, &id) != 0) {
			fprintf(stderr, "anju apikey revoke: which key id?\n");
			return 2;
		}
		if ((rc = open_tx(a, &db, &e)) != 0)
			return rc;
		if ((rc = in_tx(db, apikey_revoke(db, id, &who, &e), &e)) != 0)
			return rc;
		printf("api key %lld revoked\n", (long long)id);
		return 0;
	}
	fprintf(stderr, "usage: %s\n", c->usage);
	return 2;
}

static const struct cli_flag apikey_flags[] = {
	{ "name", true, "create: what the key is for" },
	{ "role", true, "create: the key's role" },
	{ "community", true, "create: a community in scope (repeat for more)" },
	{ "all-communities", false, "create: every community in scope" },
	{ NULL },
};

const struct cli_command cmd_apikey = {
	"apikey",
	"anju apikey create --data DIR --role R --name N [--community ID]... | list | revoke ID",
	"issue, list and revoke API keys for machines (the key is the last line printed)",
	apikey_flags,
	1,
	2,
	true,
	run_apikey,
};
