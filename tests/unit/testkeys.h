/*
 * The keys of a test program that seals personal data or writes the audit
 * trail: a fresh key folder (store/keys.h) in a temporary directory, made
 * current, with the audit chain's key set, and the configuration at its
 * defaults — the group setup those suites share.  kr and keydir are the
 * program's; testkeys_teardown() removes them.
 *
 * Header-only, static: include once, after testdb.h.
 */
#ifndef ANJU_TESTS_TESTKEYS_H
#define ANJU_TESTS_TESTKEYS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "access/password.h"
#include "audit/audit.h"
#include "core/config.h"
#include "store/keys.h"

static char keydir[64];
static struct keyring *kr;

/* name goes into the folder's name; fast_passwords makes argon2id cheap for
 * suites that hash many passwords.  0 or -1. */
static inline int
testkeys_setup(const char *name, bool fast_passwords)
{
	struct anju_err e;

	snprintf(keydir, sizeof(keydir), "/tmp/anju-%.16s-XXXXXX", name);
	if (mkdtemp(keydir) == NULL || keys_create(keydir, &e) != 0 ||
	    keys_load(keydir, &kr, &e) != 0)
		return -1;
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	config_reset();
	if (fast_passwords) {
		config_set("password_memlimit_kib", "8", "test", &e);
		config_set("password_opslimit", "1", "test", &e);
		password_configure();
	}
	return 0;
}

static inline void
testkeys_teardown(void)
{
	keys_set_current(NULL);
	keys_free(kr);
	kr = NULL;
	testdb_rmtree(keydir);
}

#endif
