/*
 * The audit trail (audit.h): appending chained rows, the head, verification
 * and the auditor's query.  This file owns the audit_log table; nothing else
 * reads or writes it.
 *
 * The chain is computed over the text as stored and read back, never over
 * the caller's values, so what verification recomputes is exactly what was
 * MACed; and over explicit lengths (not C strings), so bytes hidden behind a
 * NUL in a SQLite text are seen too.
 */
#include "audit/audit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/page.h"

/* "anjuaudi": the advisory lock that serialises appends on PostgreSQL. */
#define AUDIT_LOCK_KEY INT64_C(0x616e6a7561756469)
#define VERIFY_PAGE    1000
#define ENCODING_TAG   "anju-audit-v1"
#define NULL_LEN       UINT32_C(0xFFFFFFFF)

/* In the order of enum audit_field, then the MAC: binds and reads count on it. */
#define AUDIT_COLS                                                                                 \
	"id, at, actor, actor_name, actor_role, client, request_id, action, object_type,"          \
	" object_id, before_json, after_json, mac"

/* The process-wide key: set once at start, before threads (audit.h). */
static uint8_t *audit_key;
static size_t audit_key_len;

/* Members whose values are secrets by their name, wherever they appear. */
static const char *const secret_names[] = {
	"password",   "new_password", "old_password", "password_hash", "token",
	"csrf_token", "secret",       "api_key",      "private_key",   NULL,
};

void
audit_set_key(const uint8_t *key, size_t n)
{
	if (audit_key != NULL) {
		explicit_bzero(audit_key, audit_key_len);
		free(audit_key);
	}
	audit_key = NULL;
	audit_key_len = 0;
	if (key != NULL && n > 0) {
		audit_key = xmalloc(n);
		memcpy(audit_key, key, n);
		audit_key_len = n;
	}
}

void
audit_actor_of(struct audit_actor *who, const struct caller *c, const char *client,
	       const char *request_id)
{
	memset(who, 0, sizeof(*who));
	who->principal = "anonymous";
	if (c != NULL) {
		who->principal = c->principal;
		who->name = c->name;
		who->role = role_name(c->role);
	}
	who->client = client;
	who->request_id = request_id;
}

/* db_fail(), but a key conflict on append is named: two appends raced. */
static int
audit_db_fail(struct db *db, int rc, struct anju_err *e)
{
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "audit_conflict", NULL,
				 "audit append conflict: %s", db_errmsg(db));
	return db_fail(db, rc, e);
}

/* Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF):
 * PostgreSQL refuses anything else, and SQLite must store what it would. */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static int
put_field(struct buf *out, struct str s)
{
	uint32_t n = s.p == NULL ? NULL_LEN : (uint32_t)s.n;
	unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				 (unsigned char)(n >> 8), (unsigned char)n };
	int rc;

	if (s.p != NULL && s.n >= NULL_LEN)
		return ANJU_ETOOBIG;
	if ((rc = buf_add(out, len, sizeof(len))) != 0)
		return rc;
	return s.p == NULL ? 0 : buf_add(out, s.p, s.n);
}

/* audit_encode() over slices: p NULL is SQL NULL. */
static int
encode(struct buf *out, const struct str f[AUDIT_NFIELDS])
{
	int rc = put_field(out, STR_LIT(ENCODING_TAG));

	for (int i = 0; rc == 0 && i < AUDIT_NFIELDS; i++)
		rc = put_field(out, f[i]);
	return rc;
}

int
audit_encode(struct buf *out, const char *const f[AUDIT_NFIELDS])
{
	struct str s[AUDIT_NFIELDS];

	for (int i = 0; i < AUDIT_NFIELDS; i++)
		s[i] = f[i] ? str_c(f[i]) : (struct str){ NULL, 0 };
	return encode(out, s);
}

/* HMAC-SM3(key, prev || encoding of f) into mac; scratch is reused. */
static int
row_mac(struct buf *scratch, const uint8_t prev[SM3_LEN], const struct str f[AUDIT_NFIELDS],
	uint8_t mac[SM3_LEN])
{
	struct hmac_sm3_ctx *c;
	int rc;

	buf_reset(scratch);
	if ((rc = encode(scratch, f)) != 0)
		return rc;
	c = hmac_sm3_new(audit_key, audit_key_len);
	hmac_sm3_update(c, prev, SM3_LEN);
	hmac_sm3_update(c, scratch->p, scratch->n);
	hmac_sm3_final(c, mac);
	return 0;
}

static bool
is_secret_name(const char *k)
{
	for (const char *const *s = secret_names; *s != NULL; s++)
		if (strcmp(k, *s) == 0)
			return true;
	return false;
}

/* Replaces, in place and at any depth, the values of members named like
 * secrets. */
static void
redact(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach (j, k, v) {
			if (is_secret_name(k))
				json_object_set_new(j, k, json_string(AUDIT_REDACTED));
			else
				redact(v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach (j, i, v)
			redact(v);
	}
}

/* Whether j has, at any depth, a member named like a secret. */
static bool
has_secret(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach (j, k, v)
			if (is_secret_name(k) || has_secret(v))
				return true;
	} else if (json_is_array(j)) {
		json_array_foreach (j, i, v)
			if (has_secret(v))
				return true;
	}
	return false;
}

/* The stored text of before/after: NULL for none, else compact JSON with
 * sorted keys and secrets redacted (a new string, or NULL with e filled). */
static int
json_text(json_t *j, const char *field, char **out, struct anju_err *e)
{
	json_t *copy;
	struct buf text;
	int rc;

	*out = NULL;
	if (j == NULL || json_is_null(j))
		return 0;
	/* Redacted in a copy, the caller's value untouched; most values have
	 * nothing to redact and are written as they are. */
	if (has_secret(j)) {
		copy = json_deep_copy(j);
		if (copy == NULL)
			return anju_fail(e, ANJU_EINVAL, "invalid_audit_json", field,
					 "%s: not JSON", field);
		redact(copy);
	} else {
		copy = json_incref(j);
	}
	/* The cap stops the writing one byte past the most that may be kept. */
	buf_init(&text, (size_t)AUDIT_JSON_MAX + 1);
	rc = json_write(&text, copy, JSON_SORT_KEYS);
	json_decref(copy);
	if (rc != 0 || text.n > AUDIT_JSON_MAX) {
		buf_free(&text);
		return anju_fail(e, ANJU_ETOOBIG, "audit_too_big", field, "%s: more than %d bytes",
				 field, AUDIT_JSON_MAX);
	}
	*out = buf_take(&text, NULL);
	return 0;
}

static int
check_text(const char *s, const char *field, bool required, struct anju_err *e)
{
	size_t n;

	if (s == NULL)
		return required ? anju_fail(e, ANJU_EINVAL, "audit_field_missing", field,
					    "audit: %s is required", field)
				: 0;
	n = strlen(s);
	if (n > AUDIT_FIELD_MAX)
		return anju_fail(e, ANJU_EINVAL, "audit_field_too_long", field,
				 "audit: %s is longer than %d bytes", field, AUDIT_FIELD_MAX);
	if (!utf8_valid((const unsigned char *)s, n))
		return anju_fail(e, ANJU_EINVAL, "audit_field_not_utf8", field,
				 "audit: %s is not UTF-8", field);
	return 0;
}

static bool
is_mac_hex(const char *s, size_t n)
{
	if (s == NULL || n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The newest row's id and its MAC copied into mac_hex ("" when that is not
 * 64 lower-case hex digits: a damaged row); id 0 and 64 zeros when empty. */
static int
read_head(struct db *db, int64_t *id, char mac_hex[65], struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	memset(mac_hex, '0', 64);
	mac_hex[64] = '\0';
	rc = db_prepare(db, "SELECT id, mac FROM audit_log ORDER BY id DESC LIMIT 1", &st);
	if (rc != 0)
		return audit_db_fail(db, rc, e);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		if (is_mac_hex(db_col_text(st, 1), db_col_len(st, 1)))
			memcpy(mac_hex, db_col_text(st, 1), 64);
		else
			mac_hex[0] = '\0';
	}
	db_reset(st);
	return rc < 0 ? audit_db_fail(db, rc, e) : 0;
}

/* The short fields' checks, shared by both ways in. */
static int
check_fields(const struct audit_actor *who, const char *action, const char *object_type,
	     const char *object_id, struct anju_err *e)
{
	const char *principal = who && who->principal ? who->principal : "anonymous";
	int rc;

	if ((rc = check_text(principal, "actor", true, e)) != 0 ||
	    (rc = check_text(who ? who->name : NULL, "actor_name", false, e)) != 0 ||
	    (rc = check_text(who ? who->role : NULL, "actor_role", false, e)) != 0 ||
	    (rc = check_text(who ? who->client : NULL, "client", false, e)) != 0 ||
	    (rc = check_text(who ? who->request_id : NULL, "request_id", false, e)) != 0 ||
	    (rc = check_text(action, "action", true, e)) != 0 ||
	    (rc = check_text(object_type, "object_type", false, e)) != 0 ||
	    (rc = check_text(object_id, "object_id", false, e)) != 0)
		return rc;
	return 0;
}

/* Inserts one row whose MAC is computed. */
static int
insert_row(struct db *db, int64_t id, const struct str f[AUDIT_NFIELDS], const char mac_hex[65],
	   struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO audit_log (" AUDIT_COLS ")"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return audit_db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	for (int i = AUDIT_F_AT; i < AUDIT_NFIELDS; i++)
		if (f[i].p == NULL)
			db_bind_null(st, i + 1);
		else
			db_bind_text(st, i + 1, f[i].p, f[i].n);
	db_bind_cstr(st, 13, mac_hex);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? audit_db_fail(db, rc, e) : 0;
}

/* Takes the append lock and reads the chain's head: the newest row's id and
 * MAC.  ANJU_EINTERNAL when the newest row's MAC is not even hex. */
static int
lock_head(struct db *db, int64_t *last, uint8_t prev[SM3_LEN], struct anju_err *e)
{
	char prev_hex[65];
	int rc;

	if (!db_in_tx(db))
		return anju_fail(e, ANJU_EINTERNAL, "audit_outside_tx", NULL,
				 "audit_write outside a transaction");
	/* From here to the end of the caller's transaction nobody else appends. */
	if ((rc = db_tx_lock(db, AUDIT_LOCK_KEY)) != 0)
		return audit_db_fail(db, rc, e);
	if ((rc = read_head(db, last, prev_hex, e)) != 0)
		return rc;
	memset(prev, 0, SM3_LEN);
	if (*last > 0 && (prev_hex[0] == '\0' || hex_decode(prev_hex, 64, prev, SM3_LEN) != 0))
		/* Chaining onto a row whose MAC is not even hex would bless it: stop
		 * audited writes until someone looks (anju audit verify names it). */
		return anju_fail(e, ANJU_EINTERNAL, "audit_chain_damaged", NULL,
				 "审计链末行（第 %lld 行）已损坏，请运行 anju audit verify",
				 (long long)*last);
	return 0;
}

/*
 * A batch (audit.h): the rows wait in a ring of BATCH_RING slots, each with
 * its fields' bytes copied, for the helper thread to chain their MACs in
 * order; the writer inserts the rows whose MACs are done whenever it appends
 * one, and the rest at the end.  The helper is woken only when BATCH_WAKE
 * rows wait for it (or the writer needs them): a wake-up per row would cost
 * more than the MAC it moves.
 */
#define BATCH_RING 1024
#define BATCH_WAKE 32

struct batch_row {
	struct buf text; /* the fields' bytes, each followed by a NUL */
	size_t off[AUDIT_NFIELDS], len[AUDIT_NFIELDS];
	bool null[AUDIT_NFIELDS];
	char mac_hex[65];
};

struct audit_batch {
	struct db *db;
	int64_t first_id;      /* row k of the batch has id first_id + k */
	uint8_t head[SM3_LEN]; /* the helper's: the MAC of the last row it chained */
	struct batch_row *ring;
	struct buf scratch; /* the helper's */
	size_t appended, maced, inserted;
	pthread_mutex_t mu;
	pthread_cond_t work; /* the helper waits: rows to chain, or stop */
	pthread_cond_t done; /* the writer waits: more rows chained */
	bool helper_waits, writer_waits, stop, drop, started;
	int rc; /* the helper's failure, if any */
	pthread_t thread;
};

/* The batch this thread has open, and on which connection. */
static _Thread_local struct audit_batch *batch;

static void
row_fields(const struct batch_row *r, struct str f[AUDIT_NFIELDS])
{
	for (int i = 0; i < AUDIT_NFIELDS; i++)
		f[i] = r->null[i] ? (struct str){ NULL, 0 }
				  : (struct str){ r->text.p + r->off[i], r->len[i] };
}

/* Chains row k: its MAC over the previous one's. */
static int
batch_chain(struct audit_batch *b, size_t k)
{
	struct batch_row *r = &b->ring[k % BATCH_RING];
	struct str f[AUDIT_NFIELDS];
	uint8_t mac[SM3_LEN];
	int rc;

	row_fields(r, f);
	if ((rc = row_mac(&b->scratch, b->head, f, mac)) != 0)
		return rc;
	hex_encode(mac, sizeof(mac), r->mac_hex);
	memcpy(b->head, mac, SM3_LEN);
	return 0;
}

static void *
batch_main(void *arg)
{
	struct audit_batch *b = arg;

	for (;;) {
		size_t k;
		int rc;

		pthread_mutex_lock(&b->mu);
		while (b->maced == b->appended && !b->stop) {
			b->helper_waits = true;
			pthread_cond_wait(&b->work, &b->mu);
		}
		b->helper_waits = false;
		if (b->drop || (b->stop && b->maced == b->appended)) {
			pthread_mutex_unlock(&b->mu);
			break;
		}
		k = b->maced;
		pthread_mutex_unlock(&b->mu);
		rc = batch_chain(b, k);
		pthread_mutex_lock(&b->mu);
		if (rc != 0 && b->rc == 0)
			b->rc = rc;
		b->maced = k + 1;
		if (b->writer_waits)
			pthread_cond_signal(&b->done);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

/* Inserts the rows chained so far; with all, first waits for every row
 * appended to be chained. */
static int
batch_insert(struct audit_batch *b, bool all, struct anju_err *e)
{
	size_t upto;
	int rc = 0;

	if (!b->started) {
		for (; b->maced < b->appended && rc == 0; b->maced++)
			rc = batch_chain(b, b->maced);
		upto = b->maced;
	} else {
		pthread_mutex_lock(&b->mu);
		if (all && b->maced < b->appended) {
			if (b->helper_waits)
				pthread_cond_signal(&b->work);
			while (b->maced < b->appended) {
				b->writer_waits = true;
				pthread_cond_wait(&b->done, &b->mu);
			}
			b->writer_waits = false;
		}
		upto = b->maced;
		rc = b->rc;
		pthread_mutex_unlock(&b->mu);
	}
	if (rc != 0)
		return anju_fail(e, rc, "audit_too_big", NULL, "audit row too big");
	for (; b->inserted < upto; b->inserted++) {
		struct batch_row *r = &b->ring[b->inserted % BATCH_RING];
		struct str f[AUDIT_NFIELDS];

		row_fields(r, f);
		if ((rc = insert_row(b->db, b->first_id + (int64_t)b->inserted, f, r->mac_hex,
				     e)) != 0)
			return rc;
	}
	return 0;
}

/* The next row, of fields f, into the batch: copied, for the helper to chain. */
static int
batch_append(struct audit_batch *b, const struct str f[AUDIT_NFIELDS], struct anju_err *e)
{
	struct batch_row *r;
	size_t waiting;
	int rc;

	/* A full ring: the oldest rows are inserted first (the helper is far
	 * ahead of the writer, so this is rare). */
	if (b->appended - b->inserted == BATCH_RING && ((rc = batch_insert(b, true, e)) != 0))
		return rc;
	r = &b->ring[b->appended % BATCH_RING];
	buf_reset(&r->text);
	for (int i = 0; i < AUDIT_NFIELDS; i++) {
		r->null[i] = f[i].p == NULL;
		r->off[i] = r->text.n;
		r->len[i] = f[i].n;
		if (!r->null[i])
			buf_add(&r->text, f[i].p, f[i].n);
		buf_addc(&r->text, '\0');
	}
	if (!b->started) {
		b->appended++;
		return 0;
	}
	pthread_mutex_lock(&b->mu);
	b->appended++;
	waiting = b->appended - b->maced;
	if (b->helper_waits && waiting >= BATCH_WAKE)
		pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->mu);
	return batch_insert(b, false, e);
}

int
audit_batch_begin(struct db *db, struct anju_err *e)
{
	struct audit_batch *b;
	int64_t last;
	int rc;

	if (batch != NULL)
		return anju_fail(e, ANJU_EINTERNAL, "audit_batch_open", NULL,
				 "an audit batch is already open on this thread");
	if (audit_key == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "audit_no_key", NULL, "audit key not set");
	b = xcalloc(1, sizeof(*b));
	if ((rc = lock_head(db, &last, b->head, e)) != 0) {
		free(b);
		return rc;
	}
	if (last == INT64_MAX) {
		free(b);
		return anju_fail(e, ANJU_ERANGE, NULL, NULL, "audit ids exhausted");
	}
	b->db = db;
	b->first_id = last + 1;
	b->ring = xcalloc(BATCH_RING, sizeof(*b->ring));
	for (size_t i = 0; i < BATCH_RING; i++)
		buf_init(&b->ring[i].text, 0);
	buf_init(&b->scratch, 0);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->done, NULL);
	b->started = pthread_create(&b->thread, NULL, batch_main, b) == 0;
	batch = b;
	return 0;
}

int
audit_batch_end(struct db *db, bool keep, struct anju_err *e)
{
	struct audit_batch *b = batch;
	int rc = 0;

	if (b == NULL || b->db != db)
		return keep ? anju_fail(e, ANJU_EINTERNAL, "audit_batch_none", NULL,
					"no audit batch is open on this connection")
			    : 0;
	if (keep)
		rc = batch_insert(b, true, e);
	if (b->started) {
		pthread_mutex_lock(&b->mu);
		b->stop = true;
		b->drop = true;
		pthread_cond_signal(&b->work);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->thread, NULL);
	}
	batch = NULL;
	for (size_t i = 0; i < BATCH_RING; i++)
		buf_free(&b->ring[i].text);
	free(b->ring);
	buf_free(&b->scratch);
	pthread_cond_destroy(&b->work);
	pthread_cond_destroy(&b->done);
	pthread_mutex_destroy(&b->mu);
	free(b);
	return rc;
}

/* Appends the row of checked fields and stored texts (NULL: none). */
static int
append_row(struct db *db, const struct audit_actor *who, const char *action,
	   const char *object_type, const char *object_id, const char *before_text,
	   const char *after_text, struct anju_err *e)
{
	struct audit_batch *b = batch != NULL && batch->db == db ? batch : NULL;
	char id_text[24], at[TIME_FMT_LEN], mac_hex[65];
	uint8_t prev[SM3_LEN], mac[SM3_LEN];
	struct str f[AUDIT_NFIELDS];
	struct buf scratch;
	int64_t last;
	int rc;

	if (audit_key == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "audit_no_key", NULL, "audit key not set");
	if (b != NULL)
		last = b->first_id - 1 + (int64_t)b->appended;
	else if ((rc = lock_head(db, &last, prev, e)) != 0)
		return rc;
	if (last == INT64_MAX)
		return anju_fail(e, ANJU_ERANGE, NULL, NULL, "audit ids exhausted");
	snprintf(id_text, sizeof(id_text), "%lld", (long long)(last + 1));
	time_format_utc(time_now_us(), at);

	f[AUDIT_F_ID] = str_c(id_text);
	f[AUDIT_F_AT] = str_c(at);
	f[AUDIT_F_ACTOR] = str_c(who && who->principal ? who->principal : "anonymous");
	f[AUDIT_F_ACTOR_NAME] = (struct str){ who ? who->name : NULL, 0 };
	f[AUDIT_F_ACTOR_ROLE] = (struct str){ who ? who->role : NULL, 0 };
	f[AUDIT_F_CLIENT] = (struct str){ who ? who->client : NULL, 0 };
	f[AUDIT_F_REQUEST_ID] = (struct str){ who ? who->request_id : NULL, 0 };
	f[AUDIT_F_ACTION] = str_c(action);
	f[AUDIT_F_OBJECT_TYPE] = (struct str){ object_type, 0 };
	f[AUDIT_F_OBJECT_ID] = (struct str){ object_id, 0 };
	f[AUDIT_F_BEFORE_JSON] = (struct str){ before_text, 0 };
	f[AUDIT_F_AFTER_JSON] = (struct str){ after_text, 0 };
	for (int i = 0; i < AUDIT_NFIELDS; i++)
		if (f[i].p != NULL)
			f[i].n = strlen(f[i].p);
	if (b != NULL)
		return batch_append(b, f, e);
	buf_init(&scratch, 0);
	rc = row_mac(&scratch, prev, f, mac);
	buf_free(&scratch);
	explicit_bzero(prev, sizeof(prev));
	if (rc != 0)
		return anju_fail(e, rc, "audit_too_big", NULL, "audit row too big");
	hex_encode(mac, sizeof(mac), mac_hex);
	return insert_row(db, last + 1, f, mac_hex, e);
}

int
audit_write(struct db *db, const struct audit_actor *who, const char *action,
	    const char *object_type, const char *object_id, json_t *before, json_t *after,
	    struct anju_err *e)
{
	char *before_text = NULL, *after_text = NULL;
	int rc;

	if ((rc = check_fields(who, action, object_type, object_id, e)) == 0 &&
	    (rc = json_text(before, "before", &before_text, e)) == 0 &&
	    (rc = json_text(after, "after", &after_text, e)) == 0)
		rc = append_row(db, who, action, object_type, object_id, before_text, after_text,
				e);
	free(before_text);
	free(after_text);
	return rc;
}

/* A stored text given as it is: UTF-8 and at most AUDIT_JSON_MAX bytes. */
static int
check_json_text(const char *s, const char *field, struct anju_err *e)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > AUDIT_JSON_MAX)
		return anju_fail(e, ANJU_ETOOBIG, "audit_too_big", field, "%s: more than %d bytes",
				 field, AUDIT_JSON_MAX);
	if (!utf8_valid((const unsigned char *)s, n))
		return anju_fail(e, ANJU_EINVAL, "invalid_audit_json", field, "%s: not UTF-8",
				 field);
	return 0;
}

int
audit_write_text(struct db *db, const struct audit_actor *who, const char *action,
		 const char *object_type, const char *object_id, const char *before,
		 const char *after, struct anju_err *e)
{
	int rc;

	if ((rc = check_fields(who, action, object_type, object_id, e)) != 0 ||
	    (rc = check_json_text(before, "before", e)) != 0 ||
	    (rc = check_json_text(after, "after", e)) != 0)
		return rc;
	return append_row(db, who, action, object_type, object_id, before, after, e);
}

static bool
absent(const json_t *j)
{
	return j == NULL || json_is_null(j);
}

/* The members of from that to lacks or holds differently, into out. */
static void
diff_into(json_t *out, json_t *from, json_t *to)
{
	const char *k;
	json_t *v;

	json_object_foreach (from, k, v) {
		json_t *w = json_object_get(to, k);

		if (w == NULL || !json_equal(v, w))
			json_object_set(out, k, v);
	}
}

json_t *
audit_diff(json_t *before, json_t *after)
{
	json_t *b, *a;

	if (absent(before) && absent(after))
		return NULL;
	if (absent(before) || absent(after))
		return json_pack("{s:O?, s:O?}", "before", absent(before) ? NULL : before, "after",
				 absent(after) ? NULL : after);
	if (!json_is_object(before) || !json_is_object(after)) {
		if (json_equal(before, after))
			return NULL;
		return json_pack("{s:O, s:O}", "before", before, "after", after);
	}
	b = json_object();
	a = json_object();
	diff_into(b, before, after);
	diff_into(a, after, before);
	if (json_object_size(a) == 0 && json_object_size(b) == 0) {
		json_decref(a);
		json_decref(b);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "before", b, "after", a);
}

int
audit_head(struct db *db, int64_t *id, char mac_hex[65], struct anju_err *e)
{
	int rc = read_head(db, id, mac_hex, e);

	/* A head that is not a MAC must not be kept as one. */
	if (rc == 0 && mac_hex[0] == '\0')
		return anju_fail(e, ANJU_EUNPROCESSABLE, "audit_chain_damaged", NULL,
				 "审计链末行（第 %lld 行）的校验码已损坏，请运行 anju audit verify",
				 (long long)*id);
	return rc;
}

/* Parses "ID MAC" (surrounding white space allowed): 0 or ANJU_EINVAL. */
static int
parse_head(const char *line, int64_t *id, uint8_t mac[SM3_LEN], struct anju_err *e)
{
	struct str s = str_trim(str_c(line)), head;
	char hex[64];

	if (!str_cut(&s, ' ', &head) || str_to_int64(head, 0, INT64_MAX, id) != 0)
		goto bad;
	s = str_trim(s);
	if (s.n != 64)
		goto bad;
	for (size_t i = 0; i < 64; i++)
		hex[i] = s.p[i] >= 'A' && s.p[i] <= 'F' ? (char)(s.p[i] - 'A' + 'a') : s.p[i];
	if (hex_decode(hex, 64, mac, SM3_LEN) != 0)
		goto bad;
	if (*id == 0) {
		static const uint8_t zero[SM3_LEN];

		if (!ct_equal(mac, zero, SM3_LEN))
			goto bad;
	}
	return 0;
bad:
	return anju_fail(e, ANJU_EINVAL, "invalid_expect_head", "expect_head",
			 "expect-head 应为 `anju audit head` 打印的一行：\"ID MAC\"");
}

int
audit_verify(struct db *db, const char *expect_head, int64_t *rows, int64_t *bad_id, char *why,
	     size_t why_len, audit_progress_fn progress, void *ud, struct anju_err *e)
{
	uint8_t prev[SM3_LEN] = { 0 }, mac[SM3_LEN], want[SM3_LEN];
	char mac_hex[65], id_text[24];
	struct str f[AUDIT_NFIELDS];
	struct buf scratch;
	struct db_stmt *st;
	int64_t want_id = -1, last = 0, total = 0;
	bool own_tx = false, head_seen = false, matches;
	int rc;

	*rows = 0;
	*bad_id = 0;
	if (why_len > 0)
		why[0] = '\0';
	buf_init(&scratch, 0);
	if (audit_key == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "audit_no_key", NULL, "audit key not set");
	if (expect_head != NULL && (rc = parse_head(expect_head, &want_id, want, e)) != 0)
		return rc;
	if (!db_in_tx(db)) {
		if ((rc = db_begin_snapshot(db)) != 0)
			return audit_db_fail(db, rc, e);
		own_tx = true;
	}
	if ((rc = db_prepare(db, "SELECT MAX(id) FROM audit_log", &st)) != 0) {
		rc = audit_db_fail(db, rc, e);
		goto out;
	}
	if ((rc = db_step(st)) == DB_ROW)
		total = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0) {
		rc = audit_db_fail(db, rc, e);
		goto out;
	}

	for (;;) {
		int n = 0;

		rc = db_prepare(
			db, "SELECT " AUDIT_COLS " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
			&st);
		if (rc != 0) {
			rc = audit_db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, last);
		db_bind_int64(st, 2, VERIFY_PAGE);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_col_int64(st, 0);
			const char *stored = db_col_text(st, 12);

			n++;
			if (id != last + 1) {
				*bad_id = id;
				if (last == 0)
					snprintf(
						why, why_len,
						"row %lld: the trail starts here, rows 1..%lld are "
						"missing (审计记录从第 %lld 行开始，第 1 至 %lld "
						"行被删除)",
						(long long)id, (long long)id - 1, (long long)id,
						(long long)id - 1);
				else
					snprintf(why, why_len,
						 "row %lld: rows %lld..%lld before it are missing "
						 "(第 %lld 行之前的第 %lld 至 %lld 行被删除)",
						 (long long)id, (long long)last + 1,
						 (long long)id - 1, (long long)id,
						 (long long)last + 1, (long long)id - 1);
				break;
			}
			snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
			f[AUDIT_F_ID] = str_c(id_text);
			for (int i = AUDIT_F_AT; i < AUDIT_NFIELDS; i++)
				f[i] = db_col_null(st, i) ? (struct str){ NULL, 0 }
							  : (struct str){ db_col_text(st, i),
									  db_col_len(st, i) };
			/* A row too big to encode cannot have been written by us. */
			matches = row_mac(&scratch, prev, f, mac) == 0 && stored != NULL &&
				  db_col_len(st, 12) == 64;
			if (matches) {
				hex_encode(mac, sizeof(mac), mac_hex);
				matches = ct_equal(mac_hex, stored, 64);
			}
			if (!matches) {
				*bad_id = id;
				snprintf(why, why_len,
					 "row %lld: MAC mismatch, the row was changed or the key "
					 "is wrong (第 %lld 行校验码不符：该行被改动，或密钥不对)",
					 (long long)id, (long long)id);
				break;
			}
			if (id == want_id) {
				head_seen = true;
				if (!ct_equal(mac, want, SM3_LEN)) {
					*bad_id = id;
					snprintf(
						why, why_len,
						"row %lld: its MAC differs from the expected head, "
						"the trail was rewritten from here (第 %lld "
						"行与保存的链头不符：此后的记录被改写)",
						(long long)id, (long long)id);
					break;
				}
			}
			memcpy(prev, mac, sizeof(prev));
			last = id;
			(*rows)++;
		}
		db_reset(st);
		if (rc < 0) {
			rc = audit_db_fail(db, rc, e);
			goto out;
		}
		if (*bad_id != 0)
			break;
		if (progress != NULL)
			progress(ud, last, total > last ? total : last, "校验中");
		if (n < VERIFY_PAGE)
			break;
	}
	if (*bad_id == 0 && want_id > 0 && !head_seen) {
		*bad_id = last + 1;
		snprintf(why, why_len,
			 "row %lld: missing, the newest row is %lld but the expected head is %lld: "
			 "the tail was cut (尾部被截断：最新为第 %lld 行，保存的链头为第 %lld 行)",
			 (long long)last + 1, (long long)last, (long long)want_id, (long long)last,
			 (long long)want_id);
	}
	rc = *bad_id == 0 ? 0
			  : anju_fail(e, ANJU_EUNPROCESSABLE, "audit_chain_broken", NULL, "%s",
				      why_len > 0 ? why : "audit chain broken");
out:
	if (own_tx)
		db_rollback(db);
	buf_free(&scratch);
	explicit_bzero(prev, sizeof(prev));
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

static json_t *
text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Stored JSON back as JSON; text that no longer parses (a damaged row) is
 * shown as the string it is. */
static json_t *
stored_json(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(s);
}

static json_t *
row_json(struct db_stmt *st)
{
	return json_pack(
		"{s:I, s:s?, s:s?, s:o, s:o, s:o, s:o, s:s?, s:o, s:o, s:o, s:o, s:s?}", "id",
		(json_int_t)db_col_int64(st, 0), "at", db_col_text(st, 1), "actor",
		db_col_text(st, 2), "actor_name", text_or_null(db_col_text(st, 3)), "actor_role",
		text_or_null(db_col_text(st, 4)), "client", text_or_null(db_col_text(st, 5)),
		"request_id", text_or_null(db_col_text(st, 6)), "action", db_col_text(st, 7),
		"object_type", text_or_null(db_col_text(st, 8)), "object_id",
		text_or_null(db_col_text(st, 9)), "before", stored_json(db_col_text(st, 10)),
		"after", stored_json(db_col_text(st, 11)), "mac", db_col_text(st, 12));
}

/* The number of characters (code points) in UTF-8 s: what substr() counts
 * on both engines. */
static int64_t
utf8_chars(const char *s)
{
	int64_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* An instant filter in the storage form, so text comparison orders it. */
static int
instant_arg(const char *s, const char *field, char out[TIME_FMT_LEN], struct anju_err *e)
{
	int64_t us;

	if (time_parse_utc(str_c(s), &us) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_instant", field,
				 "%s 应为 UTC 时刻，如 2026-11-28T07:03:11Z", field);
	time_format_utc(us, out);
	return 0;
}

static json_t *
item(struct db_stmt *st, void *ud)
{
	(void)ud;
	return row_json(st);
}

int
audit_list(struct db *db, const struct audit_filter *f, json_t **items, int64_t *next,
	   struct anju_err *e)
{
	char from[TIME_FMT_LEN], to[TIME_FMT_LEN];
	char *prefix = NULL;
	struct buf sql;
	struct db_stmt *st;
	int rc, p = 1;

	*items = NULL;
	*next = 0;
	buf_init(&sql, 0);
	if (f->limit < 1 || f->limit > 200)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "limit",
				 "limit 应在 1 到 200 之间");
	if (f->from != NULL && (rc = instant_arg(f->from, "from", from, e)) != 0)
		return rc;
	if (f->to != NULL && (rc = instant_arg(f->to, "to", to, e)) != 0)
		return rc;
	if (f->action != NULL) {
		size_t an = strlen(f->action);

		if (an > 0 && f->action[an - 1] == '*')
			prefix = xstrndup(f->action, an - 1);
	}

	/* Only fixed fragments go into the text: every value is bound below, in
	 * the same order. */
	buf_adds(&sql, "SELECT " AUDIT_COLS " FROM audit_log WHERE id < ?");
	if (f->actor != NULL)
		buf_adds(&sql, " AND actor = ?");
	if (prefix != NULL && prefix[0] != '\0')
		buf_adds(&sql, " AND substr(action, 1, CAST(? AS INTEGER)) = ?");
	else if (prefix == NULL && f->action != NULL)
		buf_adds(&sql, " AND action = ?");
	if (f->object_type != NULL)
		buf_adds(&sql, " AND object_type = ?");
	if (f->object_id != NULL)
		buf_adds(&sql, " AND object_id = ?");
	if (f->from != NULL)
		buf_adds(&sql, " AND at >= ?");
	if (f->to != NULL)
		buf_adds(&sql, " AND at < ?");
	buf_adds(&sql, " ORDER BY id DESC LIMIT ?");

	if ((rc = db_prepare(db, sql.p, &st)) != 0) {
		rc = audit_db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, p++, f->before_id > 0 ? f->before_id : INT64_MAX);
	if (f->actor != NULL)
		db_bind_cstr(st, p++, f->actor);
	if (prefix != NULL && prefix[0] != '\0') {
		db_bind_int64(st, p++, utf8_chars(prefix));
		db_bind_cstr(st, p++, prefix);
	} else if (prefix == NULL && f->action != NULL) {
		db_bind_cstr(st, p++, f->action);
	}
	if (f->object_type != NULL)
		db_bind_cstr(st, p++, f->object_type);
	if (f->object_id != NULL)
		db_bind_cstr(st, p++, f->object_id);
	if (f->from != NULL)
		db_bind_cstr(st, p++, from);
	if (f->to != NULL)
		db_bind_cstr(st, p++, to);
	db_bind_int64(st, p, f->limit + 1);
	if ((rc = page_collect(st, f->limit, item, NULL, items, next)) != 0) {
		rc = audit_db_fail(db, rc, e);
		goto out;
	}
out:
	free(prefix);
	buf_free(&sql);
	return rc;
}
