/*
 * The audit trail: who did what to which object, when, from where, with the
 * before and after of what changed.  Every module records through
 * audit_write(), inside the transaction of the change it records, so a change
 * and its audit row commit or roll back together.
 *
 * Tamper evidence.  Rows are numbered 1, 2, 3 ... without holes, and row n
 * carries
 *     mac(n) = HMAC-SM3(key, mac(n-1) || canonical(n))
 * where mac(0) is 32 zero bytes and canonical(n) is the encoding that
 * audit_encode() documents.  The key lives in the data directory (never in
 * the database), so someone who can write the database but not read the key
 * cannot change, insert or delete a row without audit_verify() naming it.
 * Deleting the newest rows leaves a shorter chain that is still consistent:
 * only a head kept elsewhere (`anju audit head`, printed regularly into
 * another system) shows that the tail was cut.
 *
 * Secrets never enter the trail.  Callers pass personal data masked
 * ("421***********1234") or as its sealed ciphertext, and never passwords,
 * password hashes, tokens or keys; as a last guard audit_write() replaces
 * the value of any member named like a secret (see AUDIT_REDACTED) before
 * anything is stored.
 */
#ifndef ANJU_AUDIT_AUDIT_H
#define ANJU_AUDIT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;

/* What a member named password, new_password, old_password, password_hash,
 * token, csrf_token, secret, api_key or private_key is stored as, at any
 * depth (audit.c's secret_names). */
#define AUDIT_REDACTED "[redacted]"

/* Sets the chain's key (copied), process-wide.  The command that opens the
 * data directory calls it once, before any thread writes or verifies; until
 * then audit_write() and audit_verify() fail with ANJU_EINTERNAL. */
void audit_set_key(const uint8_t *key, size_t n);

/* Who acted.  Lent strings; NULL stores SQL NULL (principal: "anonymous"). */
struct audit_actor {
	const char *principal; /* "account:12", "apikey:3", "system", "anonymous" */
	const char *name;      /* username or key name */
	const char *role;      /* role_name() */
	const char *client;    /* client address */
	const char *request_id;
};

/* Fills who from c (lent; NULL: "anonymous") and the request's client address
 * and id (either may be NULL).  who's strings point into c. */
void audit_actor_of(struct audit_actor *who, const struct caller *c, const char *client,
		    const char *request_id);

/* Appends one row.  Must run inside the caller's write transaction (it
 * neither begins nor commits; on failure the caller rolls back).  Appends are
 * serialised: on PostgreSQL by an advisory lock held to the end of the
 * caller's transaction (which must be db_begin()'s READ COMMITTED, so that
 * the newest row is read after the lock is granted), on SQLite by BEGIN
 * IMMEDIATE.  Call it after the change's own writes, as the transaction's
 * last statements: the lock is then held briefly and never while waiting
 * for a row lock, so it cannot take part in a deadlock.  before and after
 * are lent (NULL or JSON null: none) and stored compact with sorted keys.
 * Text must be UTF-8; each short field at most AUDIT_FIELD_MAX bytes, each
 * JSON at most AUDIT_JSON_MAX.  0, ANJU_EINVAL (bad input), ANJU_ETOOBIG,
 * ANJU_EINTERNAL (no key, no transaction, a newest row whose MAC is not
 * hex: audited writes stop until someone looks) or a database error. */
#define AUDIT_FIELD_MAX 1024
#define AUDIT_JSON_MAX  (1024 * 1024)
int audit_write(struct db *db, const struct audit_actor *who, const char *action,
		const char *object_type, const char *object_id, json_t *before, json_t *after,
		struct anju_err *e);

/* audit_write() for a before and after already written as the trail stores
 * them (NULL: none): compact JSON whose members are in key order at every
 * depth, none of them named like a secret.  For a hot path that writes its
 * images with struct jw (core/jsonw.h) instead of building jansson trees:
 * its keys are fixed in its code, and its tests compare each image with
 * the text audit_write() would store for it (json_dumps with
 * JSON_COMPACT | JSON_SORT_KEYS).  Each text is checked to be UTF-8 and at
 * most AUDIT_JSON_MAX bytes, not parsed. */
int audit_write_text(struct db *db, const struct audit_actor *who, const char *action,
		     const char *object_type, const char *object_id, const char *before,
		     const char *after, struct anju_err *e);

/*
 * A batch, for one long transaction that writes many rows (an import's
 * publication).  Between audit_batch_begin() and audit_batch_end(), the rows
 * this thread appends on db take their ids and times as always, but their
 * MACs are chained on a helper thread and the rows inserted, in order, a
 * little later, on this thread and in the same transaction; the end inserts
 * the rest.  The chain is the one audit_write() would have made.  The
 * append lock is taken at the beginning.  While a batch is open nothing in
 * the transaction may read audit_log (rows may not be in it yet), and the
 * transaction either commits after audit_batch_end(db, true) returned 0 or
 * rolls back: a batch ended with keep false inserts nothing more.  One batch
 * per thread.  0, or the errors of audit_write().
 */
int audit_batch_begin(struct db *db, struct anju_err *e);
int audit_batch_end(struct db *db, bool keep, struct anju_err *e);

/* The members of two JSON objects that differ, as a new object
 * {"before": {...}, "after": {...}} (a member absent on one side is absent
 * from that side), or NULL when nothing differs.  Either input may be NULL
 * (a creation or a deletion: the other side is kept whole).  Use as
 *     d = audit_diff(old, new);
 *     audit_write(..., json_object_get(d, "before"), json_object_get(d, "after"), e);
 *     json_decref(d); */
json_t *audit_diff(json_t *before, json_t *after);

/* The newest row's id and MAC (hex); 0 and 64 zeros for an empty trail;
 * ANJU_EUNPROCESSABLE when that row's MAC is not 64 hex digits.  It does not
 * verify: verify first, then keep the head. */
int audit_head(struct db *db, int64_t *id, char mac_hex[65], struct anju_err *e);

/* Progress of a verification: done rows of about total. */
typedef void (*audit_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);

/* Recomputes the chain from row 1, a page of rows at a time, inside one
 * snapshot (its own, unless the caller is in a transaction).  expect_head is
 * a line "ID MAC" as audit_head() gives it and `anju audit head` prints, kept
 * from earlier, or NULL.  Returns 0 when intact (*rows counted); when not,
 * ANJU_EUNPROCESSABLE ("audit_chain_broken") with *bad_id the first bad row
 * and why (a message in English and Chinese) for:
 *   - a row whose MAC does not match (a changed byte, or the wrong key);
 *   - a hole in the numbering or a chain not starting at 1 (rows deleted):
 *     the first row after the hole;
 *   - a cut tail, with expect_head: the newest row is older than the head
 *     (bad_id: the first missing row), or the head's row has another MAC.
 * Without expect_head a cut tail is not detectable.  ANJU_EINVAL for a
 * malformed expect_head; other codes for database failures. */
int audit_verify(struct db *db, const char *expect_head, int64_t *rows, int64_t *bad_id, char *why,
		 size_t why_len, audit_progress_fn progress, void *ud, struct anju_err *e);

/* The auditor's query.  NULL members do not filter.  action ending in '*'
 * matches as a prefix ("account.*"); from (inclusive) and to (exclusive) are
 * instants in the storage form (time_parse_utc() accepts).  Newest first. */
struct audit_filter {
	const char *actor, *action, *object_type, *object_id, *from, *to;
	int64_t before_id; /* keyset cursor: rows with a smaller id; 0: from the newest */
	int limit;         /* 1..200 */
};

/* A page of rows as JSON objects (the AuditEntry schema of the API) into
 * *items (new); *next is the cursor of the next page, 0 when this is the last.
 * 0, ANJU_EINVAL (field in e) or a database error. */
int audit_list(struct db *db, const struct audit_filter *f, json_t **items, int64_t *next,
	       struct anju_err *e);

/* The fields of a row in the order the MAC covers them. */
enum audit_field {
	AUDIT_F_ID, /* decimal, no sign or leading zeros */
	AUDIT_F_AT,
	AUDIT_F_ACTOR,
	AUDIT_F_ACTOR_NAME,
	AUDIT_F_ACTOR_ROLE,
	AUDIT_F_CLIENT,
	AUDIT_F_REQUEST_ID,
	AUDIT_F_ACTION,
	AUDIT_F_OBJECT_TYPE,
	AUDIT_F_OBJECT_ID,
	AUDIT_F_BEFORE_JSON, /* the stored text */
	AUDIT_F_AFTER_JSON,
	AUDIT_NFIELDS,
};

/* Appends the canonical encoding of a row to out: the tag "anju-audit-v1",
 * then each field in the order above, every one as a 4-byte big-endian
 * length and its bytes; a NULL field (SQL NULL) is the length 0xFFFFFFFF and
 * no bytes, so it differs from "".  The bytes are the UTF-8 text as stored,
 * the same on both engines.  0 or ANJU_ETOOBIG. */
int audit_encode(struct buf *out, const char *const f[AUDIT_NFIELDS]);

#endif
