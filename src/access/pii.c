/*
 * Sealing, opening and indexing personal data, the list of the columns
 * that hold it, and files stored sealed in pieces.  See pii.h for the format.
 */
#include "access/pii.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/keys.h"

/* "v1." + at most 9 digits + "." */
#define PREFIX_MAX     16
#define KID_DIGITS_MAX 9
#define OVERHEAD       (SM4_IV_LEN + SM3_LEN)

static const char *const person_columns[] = { "id_number_sealed", "phone_sealed", NULL };
static const char *const objection_columns[] = { "contact", NULL };
static const char *const payer_account_columns[] = { "number_sealed", NULL };
static const char *const withholding_item_columns[] = { "number_sealed", NULL };
static const char *const payment_channel_columns[] = { "secret_sealed", NULL };
static const char *const bank_line_columns[] = { "counterparty_sealed", NULL };
static const char *const violation_case_columns[] = { "reporter_name_sealed",
						      "reporter_contact_sealed", NULL };
static const char *const work_order_columns[] = { "contact_sealed", NULL };

const struct pii_table pii_tables[] = {
	{ "person", "id", person_columns },
	{ "objection", "id", objection_columns },
	{ "payer_account", "id", payer_account_columns },
	{ "withholding_item", "id", withholding_item_columns },
	{ "payment_channel", "id", payment_channel_columns },
	{ "bank_line", "id", bank_line_columns },
	{ "violation_case", "id", violation_case_columns },
	{ "work_order", "id", work_order_columns },
	{ NULL },
};

/* Parses "v1.<kid>." at the start of s: the kid, and the prefix's length. */
static bool
parse_prefix(const char *s, int *kid, size_t *len)
{
	size_t i = 3;
	int k = 0;

	if (strncmp(s, "v1.", 3) != 0 || s[i] < '1' || s[i] > '9')
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i - 3 >= KID_DIGITS_MAX)
			return false;
		k = k * 10 + (s[i] - '0');
	}
	if (s[i] != '.')
		return false;
	*kid = k;
	*len = i + 1;
	return true;
}

int
pii_kid(const char *sealed)
{
	size_t len;
	int kid;

	return sealed != NULL && parse_prefix(sealed, &kid, &len) ? kid : -1;
}

static void
mac_of(const struct keys_pii *k, const char *prefix, size_t plen, const uint8_t *iv_ct, size_t n,
       uint8_t out[SM3_LEN])
{
	struct hmac_sm3_ctx *c = hmac_sm3_new(k->mac, sizeof(k->mac));

	hmac_sm3_update(c, prefix, plen);
	hmac_sm3_update(c, iv_ct, n);
	hmac_sm3_final(c, out);
}

int
pii_seal(const struct keyring *kr, const char *plain, size_t n, char **out)
{
	const struct keys_pii *k = keys_pii_get(kr, keys_pii_current(kr));
	char prefix[PREFIX_MAX + 1];
	size_t plen, total = OVERHEAD + n;
	uint8_t *payload;
	char *text;

	*out = NULL;
	if (n > PII_MAX)
		return ANJU_ETOOBIG;
	snprintf(prefix, sizeof(prefix), "v1.%d.", k->kid);
	plen = strlen(prefix);
	payload = xmalloc(total);
	random_bytes(payload, SM4_IV_LEN);
	sm4_ctr(k->enc, payload, plain, n, payload + SM4_IV_LEN);
	mac_of(k, prefix, plen, payload, SM4_IV_LEN + n, payload + SM4_IV_LEN + n);
	text = xmalloc(plen + BASE64_LEN(total));
	memcpy(text, prefix, plen);
	base64_encode(payload, total, text + plen);
	free(payload);
	*out = text;
	return 0;
}

static int
b64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Whether s (n bytes, a multiple of 4 and at least 4) is base64 as
 * base64_encode writes it: the alphabet, '=' only as the last one or two,
 * and no bit set past the last byte.  Only that text is accepted, so that
 * no two texts open to the same value. */
static bool
canonical_base64(const char *s, size_t n)
{
	size_t pad = s[n - 1] != '=' ? 0 : s[n - 2] != '=' ? 1 : 2;

	for (size_t i = 0; i < n - pad; i++)
		if (b64_digit((unsigned char)s[i]) < 0)
			return false;
	/* The last digit's low 2 (one '=') or 4 (two) bits are past the end. */
	return pad == 0 || (b64_digit((unsigned char)s[n - pad - 1]) & (pad == 1 ? 3 : 15)) == 0;
}

/* Checks sealed's form: its key *k, the base64 text after the prefix
 * (*plen bytes) and that text's length *blen. */
static int
envelope(const struct keyring *kr, const char *sealed, const struct keys_pii **k, size_t *plen,
	 size_t *blen)
{
	int kid;

	if (sealed == NULL || !parse_prefix(sealed, &kid, plen))
		return ANJU_EINVAL;
	if ((*k = keys_pii_get(kr, kid)) == NULL)
		return ANJU_ENOTFOUND;
	*blen = strlen(sealed + *plen);
	if (*blen > BASE64_LEN((size_t)PII_MAX + OVERHEAD) - 1)
		return ANJU_ETOOBIG;
	/* The smallest value (empty) still has an IV and a MAC. */
	if (*blen < BASE64_LEN(OVERHEAD) - 1 || *blen % 4 != 0 ||
	    !canonical_base64(sealed + *plen, *blen))
		return ANJU_EINVAL;
	return 0;
}

/* The payload's bytes at most: what base64_decode writes of blen digits. */
#define PAYLOAD_MAX(blen) ((blen) / 4 * 3)

/* Opens sealed, whose envelope() gave k, plen and blen, into out (cap
 * bytes with the NUL). */
static int
open_checked(const struct keys_pii *k, const char *sealed, size_t plen, size_t blen, char *out,
	     size_t cap, size_t *n)
{
	uint8_t small[512], *payload = small, mac[SM3_LEN];
	size_t ctlen;
	long got;
	int rc;

	/* Values as short as an ID number or a phone need no allocation. */
	if (PAYLOAD_MAX(blen) > sizeof(small))
		payload = xmalloc(PAYLOAD_MAX(blen));
	got = base64_decode(sealed + plen, blen, payload, PAYLOAD_MAX(blen));
	rc = ANJU_EINVAL;
	if (got < (long)OVERHEAD)
		goto out;
	ctlen = (size_t)got - OVERHEAD;
	mac_of(k, sealed, plen, payload, SM4_IV_LEN + ctlen, mac);
	if (!ct_equal(mac, payload + SM4_IV_LEN + ctlen, SM3_LEN))
		goto out;
	rc = ANJU_ETOOBIG;
	if (ctlen >= cap)
		goto out;
	sm4_ctr(k->enc, payload, payload + SM4_IV_LEN, ctlen, out);
	out[ctlen] = '\0';
	*n = ctlen;
	rc = 0;
out:
	explicit_bzero(mac, sizeof(mac));
	if (payload != small)
		free(payload);
	return rc;
}

int
pii_open_into(const struct keyring *kr, const char *sealed, char *out, size_t cap, size_t *n)
{
	const struct keys_pii *k;
	size_t plen, blen;
	int rc;

	*n = 0;
	if (cap > 0)
		out[0] = '\0';
	if ((rc = envelope(kr, sealed, &k, &plen, &blen)) != 0)
		return rc;
	return open_checked(k, sealed, plen, blen, out, cap, n);
}

int
pii_open(const struct keyring *kr, const char *sealed, char **plain, size_t *n)
{
	const struct keys_pii *k;
	size_t plen, blen, cap;
	int rc;

	*plain = NULL;
	*n = 0;
	if ((rc = envelope(kr, sealed, &k, &plen, &blen)) != 0)
		return rc;
	/* Room for the ciphertext, which is no longer than the payload less
	 * its IV and MAC, and a NUL. */
	cap = PAYLOAD_MAX(blen) - OVERHEAD + 1;
	*plain = xmalloc(cap);
	if ((rc = open_checked(k, sealed, plen, blen, *plain, cap, n)) != 0) {
		free(*plain);
		*plain = NULL;
	}
	return rc;
}

void
pii_plain_free(char *plain, size_t n)
{
	if (plain == NULL)
		return;
	explicit_bzero(plain, n);
	free(plain);
}

void
pii_index_mac(const struct keyring *kr, const char *domain, const char *normalised_value,
	      char out[65])
{
	struct hmac_sm3_ctx *c = hmac_sm3_new(keys_index(kr), KEYS_LEN);
	uint8_t mac[SM3_LEN];

	hmac_sm3_update(c, domain, strlen(domain));
	hmac_sm3_update(c, "", 1); /* the 0x00 between domain and value */
	hmac_sm3_update(c, normalised_value, strlen(normalised_value));
	hmac_sm3_final(c, mac);
	hex_encode(mac, sizeof(mac), out);
}

void
pii_index_cut(const char mac[65], char out[PII_INDEX_LEN + 1])
{
	memcpy(out, mac, PII_INDEX_LEN);
	out[PII_INDEX_LEN] = '\0';
}

void
pii_index(const struct keyring *kr, const char *domain, const char *normalised_value,
	  char out[PII_INDEX_LEN + 1])
{
	char whole[65];

	pii_index_mac(kr, domain, normalised_value, whole);
	pii_index_cut(whole, out);
}

int
pii_count(struct db *db, const struct pii_table *t, const char *column, int kid, int64_t *n,
	  struct anju_err *e)
{
	struct db_stmt *st;
	struct buf sql;
	char pattern[PREFIX_MAX + 2];
	int rc;

	*n = 0;
	if (!db_identifier_ok(t->table) || !db_identifier_ok(column))
		return anju_fail(e, ANJU_EINTERNAL, "bad_identifier", NULL,
				 "pii_tables names an impossible column %s.%s", t->table, column);
	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL", t->table, column);
	if (kid > 0) {
		/* "v1.12.%" matches kid 12 only: the dot ends the kid. */
		snprintf(pattern, sizeof(pattern), "v1.%d.%%", kid);
		buf_printf(&sql, " AND %s LIKE ?", column);
	}
	rc = db_prepare(db, sql.p, &st);
	if (rc == 0) {
		if (kid > 0)
			db_bind_cstr(st, 1, pattern);
		rc = db_step(st);
		if (rc == DB_ROW) {
			*n = db_col_int64(st, 0);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = ANJU_EDB;
		}
		db_reset(st);
	}
	buf_free(&sql);
	if (rc != 0)
		return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
				 "database: %s", db_errmsg(db));
	return 0;
}

/* Binds p's key (and kind) from parameter 1; the next parameter's number. */
static int
parts_bind(struct db_stmt *st, const struct pii_parts *p)
{
	db_bind_int64(st, 1, p->key);
	if (p->kind == NULL)
		return 2;
	db_bind_cstr(st, 2, p->kind);
	return 3;
}

int
pii_parts_put(struct db *db, const struct pii_parts *p, const char *data, size_t n,
	      struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct db_stmt *st;
	int rc = 0;

	if (kr == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "the personal-data keys are not loaded");
	for (size_t off = 0, seq = 0; off < n; off += PII_PART_BYTES, seq++) {
		size_t len = n - off < PII_PART_BYTES ? n - off : PII_PART_BYTES;
		char *sealed = NULL;

		if (pii_seal(kr, data + off, len, &sealed) != 0) {
			rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "cannot seal a piece");
			break;
		}
		rc = db_prepare(db, p->insert_sql, &st);
		if (rc == 0) {
			int i = parts_bind(st, p);

			db_bind_int64(st, i, (int64_t)seq);
			db_bind_cstr(st, i + 1, sealed);
			rc = db_step(st);
			db_reset(st);
		}
		free(sealed);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			break;
		}
	}
	return rc;
}

int
pii_parts_each(struct db *db, const struct pii_parts *p,
	       int (*take)(void *arg, const char *plain, size_t n, struct anju_err *e), void *arg,
	       struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	struct db_stmt *st;
	int rc;

	if (kr == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "the personal-data keys are not loaded");
	rc = db_prepare(db, p->select_sql, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	parts_bind(st, p);
	while ((rc = db_step(st)) == DB_ROW) {
		char *plain = NULL;
		size_t n = 0;
		int orc = pii_open(kr, db_col_text(st, 0), &plain, &n);

		if (orc != 0) {
			db_reset(st);
			return anju_fail(e, ANJU_EINTERNAL, "unsealable", NULL,
					 "a stored piece of %s %lld cannot be opened", p->noun,
					 (long long)p->key);
		}
		orc = take(arg, plain, n, e);
		pii_plain_free(plain, n);
		if (orc != 0) {
			db_reset(st);
			return orc;
		}
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
take_into_buf(void *arg, const char *plain, size_t n, struct anju_err *e)
{
	if (buf_add(arg, plain, n) != 0)
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "文件过大");
	return 0;
}

int
pii_parts_load(struct db *db, const struct pii_parts *p, struct buf *out, struct anju_err *e)
{
	return pii_parts_each(db, p, take_into_buf, out, e);
}

int
pii_parts_drop(struct db *db, const struct pii_parts *p, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, p->delete_sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	parts_bind(st, p);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}
