/*
 * The keyring: every secret key anju uses, kept in DATA/keys (mode 0700,
 * files 0600), never in the database and never inside a backup.
 *
 *   keys/audit.key       32 random bytes as 64 hex digits and a newline: the
 *                        audit trail's HMAC-SM3 key
 *   keys/apikey.key      32 bytes, the same format: keyed hash of API keys
 *   keys/index.key       32 bytes: the blind index of personal data (pii.h)
 *   keys/pii/<kid>.key   one personal-data key, kid = 1, 2, ...: two lines,
 *                        the SM4 key (16 bytes, 32 hex digits), then the
 *                        HMAC-SM3 key (32 bytes, 64 hex digits)
 *   keys/pii/current     the kid new values are sealed under, in decimal
 *
 * Files are created exclusively (O_EXCL) and fsync'ed; a rotation adds a
 * pii key and then switches pii/current by rename, so a crash leaves either
 * the old or the new current kid, never a torn one.  Old pii keys stay: a
 * value sealed under them still opens until `anju keys rotate` has re-sealed
 * everything (jobs/pii_rotate.c).
 *
 * A loaded keyring is immutable, so threads may share it.  The process-wide
 * keyring (keys_set_current) is set once at start by `anju serve` and by CLI
 * commands that seal or open personal data.
 */
#ifndef ANJU_STORE_KEYS_H
#define ANJU_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/err.h"

#define KEYS_LEN 32 /* audit, API-key, index and pii MAC keys */

/* One personal-data key. */
struct keys_pii {
	int kid;
	uint8_t enc[SM4_KEY_LEN]; /* SM4-CTR */
	uint8_t mac[KEYS_LEN];    /* HMAC-SM3 over the ciphertext */
};

struct keyring;

/* Creates DATA/keys (0700) with every key file, fresh from the system's
 * random source, pii kid 1 current.  Refuses (ANJU_EIO, naming the file)
 * when any key file already exists.  0 or an error with e. */
int keys_create(const char *datadir, struct anju_err *e);

/* Creates whatever key file is missing, for data directories made before a
 * key existed; leaves existing keys alone.  *created (may be NULL) counts
 * the files written.  0 or an error with e. */
int keys_ensure(const char *datadir, int *created, struct anju_err *e);

/* Reads every key of DATA/keys into a new keyring (free with keys_free).
 * Refuses (ANJU_EFORBIDDEN) a keys folder or key file that its group or
 * others may read, write or search, with a message saying which and how to
 * fix it; ANJU_ENOTFOUND when a key is missing, ANJU_EINVAL when one is
 * malformed. */
int keys_load(const char *datadir, struct keyring **out, struct anju_err *e);

/* Wipes every key and frees the keyring; NULL is fine. */
void keys_free(struct keyring *kr);

/* The keys, lent for the keyring's life (KEYS_LEN bytes each). */
const uint8_t *keys_audit(const struct keyring *kr);
const uint8_t *keys_apikey(const struct keyring *kr);
const uint8_t *keys_index(const struct keyring *kr);
/* The kid new personal data is sealed under. */
int keys_pii_current(const struct keyring *kr);
/* The pii key of kid, or NULL when the keyring has none. */
const struct keys_pii *keys_pii_get(const struct keyring *kr, int kid);
/* The pii keys in increasing kid order: *n set, the array lent. */
const struct keys_pii *keys_pii_all(const struct keyring *kr, size_t *n);

/* Adds pii/<n+1>.key (n the largest kid present) and makes it current.
 * Rotations of one data directory are serialised by a lock on keys/pii.
 * The caller then re-seals existing values (job kind "pii_rotate") with a
 * keyring loaded afresh.  *new_kid set; 0 or an error with e. */
int keys_rotate(const char *datadir, int *new_kid, struct anju_err *e);

/* The process-wide keyring: set by `anju serve` and the CLI after
 * keys_load(); NULL until then.  The caller keeps ownership and must keep
 * it alive while it is set (set another or NULL before freeing it). */
void keys_set_current(const struct keyring *kr);
const struct keyring *keys_current(void);

#endif
