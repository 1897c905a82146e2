/*
 * Idempotency keys: the first successful response to a mutation sent with an
 * Idempotency-Key is stored, per caller, in the same transaction as the
 * mutation, and replayed for repeats within the configured hours.
 */
#ifndef ANJU_STORE_IDEMPOTENCY_H
#define ANJU_STORE_IDEMPOTENCY_H

#include <stdbool.h>
#include <stdint.h>

struct db;

struct idem_record {
	char body_hash[65];
	char method[8];
	char *path; /* caller frees */
	int status;
	char *response; /* caller frees */
};

/* Looks up (caller, key) younger than max_age_us.  1 found (rec filled), 0 not
 * found, or a negative code. */
int idem_lookup(struct db *db, const char *caller, const char *key, int64_t max_age_us,
		struct idem_record *rec);
/* Records the response; ANJU_ECONFLICT when another request stored the key
 * first.  A record of the same key older than max_age_us is replaced. */
int idem_store(struct db *db, const char *caller, const char *key, int64_t max_age_us,
	       const char *method, const char *path, const char *body_hash, int status,
	       const char *response);
/* Deletes records older than max_age_us; *deleted counts them. */
int idem_purge(struct db *db, int64_t max_age_us, int64_t *deleted);
void idem_record_free(struct idem_record *rec);

#endif
