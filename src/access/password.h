/*
 * Passwords: argon2id through libsodium, the password policy, and a
 * verification that costs the same whether or not the account exists.
 */
#ifndef ANJU_ACCESS_PASSWORD_H
#define ANJU_ACCESS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "access/role.h"
#include "core/err.h"

#define PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MAX      256 /* bytes; longer input is refused before hashing */

/* Sets the argon2id cost from configuration (password_memlimit_kib,
 * password_opslimit); call before threads start. */
void password_configure(void);
/* Hashes into out (NUL-terminated encoded form).  0 or ANJU_EINTERNAL. */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX]);
/* Whether password matches hash.  A NULL or empty hash runs the same work
 * against a dummy hash and returns false, so unknown names cost the same. */
bool password_verify(const char *hash, const char *password);
/* Checks the policy for role: staff at least 10 characters with 3 of 4
 * classes (lower, upper, digit, other), tenants at least 8; common passwords
 * and ones containing the username are refused.  0 or ANJU_EUNPROCESSABLE
 * ("weak_password", field "password") with the reason in Chinese. */
int password_check(const char *password, const char *username, enum role role, struct anju_err *e);
/* A random password that passes the staff policy (for new accounts). */
void password_generate(char out[21]);

#endif
