/*
 * Personal data at rest (DESIGN.md "Storage", issue 3 section 4): ID numbers,
 * phones and the like are stored sealed, with a keyed blind index beside
 * them for exact look-up, and never in clear.
 *
 * A sealed value is text: "v1.<kid>.<base64(iv || ciphertext || mac)>" where
 * kid names the pii key (store/keys.h) it was sealed under, iv is 16 random
 * bytes, the ciphertext is SM4-CTR of the value under the key's SM4 key, and
 * mac is HMAC-SM3 under the key's MAC key over "v1.<kid>." || iv ||
 * ciphertext (encrypt-then-MAC; the prefix is covered so a kid cannot be
 * swapped).  Nothing is decrypted before the MAC has been checked.
 *
 * The blind index is the first 128 bits, in hex, of HMAC-SM3 under
 * keys/index.key of domain || 0x00 || value (sql/032: the whole 256 bits
 * made the person table's two random-keyed indexes twice the size, and a
 * large import write them nearly whole; 128 bits keep every value of a
 * province apart).  It matches only byte-equal values, so callers normalise first:
 * an ID number as idnum_parse() (core/idnum.h) gives it, 18 characters with
 * an upper-case 'X'; a phone as its digits only.  The domain ("id_number",
 * "phone") keeps equal values of different kinds apart.
 */
#ifndef ANJU_ACCESS_PII_H
#define ANJU_ACCESS_PII_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct buf;
struct db;
struct keyring;

/* The largest value pii_seal takes, and so the largest pii_open returns. */
#define PII_MAX (16 * 1024 * 1024)

/* Seals n bytes of plain under the keyring's current kid with a fresh IV
 * into *out, a new NUL-terminated string the caller frees.  0, or
 * ANJU_ETOOBIG (n > PII_MAX). */
int pii_seal(const struct keyring *kr, const char *plain, size_t n, char **out);

/* Opens a sealed value into *plain (new, NUL-terminated, *n bytes without the
 * NUL; free it with pii_plain_free).  0; ANJU_ENOTFOUND when the keyring has
 * no key of its kid; ANJU_EINVAL when it is malformed, truncated or altered
 * (the MAC, compared in constant time, does not match). */
int pii_open(const struct keyring *kr, const char *sealed, char **plain, size_t *n);

/* pii_open() into out, cap bytes with the NUL, without allocating for
 * values of up to a few hundred bytes; ANJU_ETOOBIG when the value does
 * not fit (out is then ""). */
int pii_open_into(const struct keyring *kr, const char *sealed, char *out, size_t cap, size_t *n);

/* Wipes and frees what pii_open returned; NULL is fine. */
void pii_plain_free(char *plain, size_t n);

/*
 * A file stored sealed in pieces of PII_PART_BYTES (an upload until its job
 * has read it): the rows (key, [kind,] seq, sealed) of the owner's parts
 * table, read and written through the statements the owner gives.
 */
#define PII_PART_BYTES (1024 * 1024)

struct pii_parts {
	/* The owner's statements, written beside it; each binds the key (and
	 * the kind) first: INSERT (key[, kind], seq, sealed); SELECT sealed in
	 * seq order; DELETE. */
	const char *insert_sql, *select_sql, *delete_sql;
	int64_t key;
	const char *kind; /* the kind column's value; NULL: the table has none */
	const char *noun; /* the file in the "unsealable" message: "dataset" */
};

/* Seals n bytes of data into pieces numbered from 0.  0, or an error with e
 * (ANJU_EINTERNAL "no_keyring" when the keys are not loaded). */
int pii_parts_put(struct db *db, const struct pii_parts *p, const char *data, size_t n,
		  struct anju_err *e);
/* Opens the pieces in order and hands each to take, which returns 0 or an
 * error it has set in e (that ends the reading).  ANJU_EINTERNAL
 * "unsealable" when a piece cannot be opened. */
int pii_parts_each(struct db *db, const struct pii_parts *p,
		   int (*take)(void *arg, const char *plain, size_t n, struct anju_err *e),
		   void *arg, struct anju_err *e);
/* The whole file appended to out: ANJU_ETOOBIG "file_too_large" ("文件过大")
 * past out's max. */
int pii_parts_load(struct db *db, const struct pii_parts *p, struct buf *out, struct anju_err *e);
/* Deletes the pieces. */
int pii_parts_drop(struct db *db, const struct pii_parts *p, struct anju_err *e);

/* The blind index of a normalised value (see above) in domain:
 * PII_INDEX_LEN lower-case hex digits and a NUL into out. */
#define PII_INDEX_LEN 32
void pii_index(const struct keyring *kr, const char *domain, const char *normalised_value,
	       char out[PII_INDEX_LEN + 1]);
/* The whole HMAC of which pii_index() is the start, 64 lower-case hex digits
 * and a NUL: only for a value derived from it that was kept before the
 * index was cut (a bank line's identity) and must stay as it was.
 * pii_index_cut() gives the blind index of such a whole HMAC. */
void pii_index_mac(const struct keyring *kr, const char *domain, const char *normalised_value,
		   char out[65]);
void pii_index_cut(const char mac[65], char out[PII_INDEX_LEN + 1]);

/* The kid a sealed value names, or -1 when it does not start "v1.<kid>.". */
int pii_kid(const char *sealed);

/*
 * Where sealed values live, for key rotation (jobs/pii_rotate.c) and
 * `anju keys status`.  A module that adds a sealed column adds it here.
 */
struct pii_table {
	const char *table;
	const char *id_column;      /* an integer primary key */
	const char *const *columns; /* the sealed columns, NULL-terminated */
};

/* {NULL}-terminated. */
extern const struct pii_table pii_tables[];

/* Counts the non-NULL values of column of t sealed under kid (kid 0: every
 * non-NULL value).  0 or an error with e. */
int pii_count(struct db *db, const struct pii_table *t, const char *column, int kid, int64_t *n,
	      struct anju_err *e);

#endif
