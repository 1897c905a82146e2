/*
 * The primitives of crypto.h over OpenSSL 3.
 */
#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/*
 * HMAC-SM3 (RFC 2104 over GB/T 32905's SM3, block 64 bytes) on OpenSSL's
 * SM3: a MAC starts from two digest states that have absorbed the key's
 * inner and outer pads.  The states of the last few keys are kept per
 * thread, so a MAC with a known key is two state copies, the message and
 * two compressions, with no key set-up and no HMAC context (whose copy
 * costs about ten allocations in OpenSSL 3).
 */
#define SM3_BLOCK 64

struct hmac_sm3_ctx {
	EVP_MD_CTX *inner; /* the message goes in here */
	EVP_MD_CTX *outer; /* then the inner digest, here */
};

/*
 * Per thread, state set up once and reused: the pads of the last few keys,
 * absorbed and ready; one spare MAC context; one SM4-CTR context with the
 * last key's schedule.  A bulk import seals, indexes and audits millions of
 * values with a handful of keys, and a search opens dozens of sealed values
 * with one.  Freed, keys wiped, when the thread ends.
 */
#define HMAC_CACHED     4
#define HMAC_CACHED_KEY 128 /* longer keys are not kept */

struct hmac_cached {
	struct hmac_sm3_ctx pads; /* .inner NULL: free */
	uint8_t key[HMAC_CACHED_KEY];
	size_t keylen;
	unsigned long used;
};

struct crypto_cache {
	struct hmac_cached hmac[HMAC_CACHED];
	unsigned long clock;
	struct hmac_sm3_ctx *spare;
	EVP_CIPHER_CTX *sm4;
	uint8_t sm4_key[SM4_KEY_LEN];
	bool sm4_keyed;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
mac_ctx_free(struct hmac_sm3_ctx *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->inner);
	EVP_MD_CTX_free(c->outer);
	free(c);
}

static void
cache_free(void *p)
{
	struct crypto_cache *c = p;

	for (int i = 0; i < HMAC_CACHED; i++) {
		EVP_MD_CTX_free(c->hmac[i].pads.inner);
		EVP_MD_CTX_free(c->hmac[i].pads.outer);
	}
	mac_ctx_free(c->spare);
	EVP_CIPHER_CTX_free(c->sm4);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void
cache_init(void)
{
	if (pthread_key_create(&cache_key, cache_free) != 0)
		abort();
}

static struct crypto_cache *
cache_get(void)
{
	struct crypto_cache *c;

	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL || pthread_setspecific(cache_key, c) != 0)
			abort();
	}
	return c;
}

/* OpenSSL refused what it always does: nothing sensible is left to do. */
static void
no_openssl(const char *what)
{
	fprintf(stderr, "anju: OpenSSL cannot do %s\n", what);
	abort();
}

static const EVP_MD *
sm3_alg(void)
{
	static EVP_MD *md;

	/* Fetched once (not looked up on every init); EVP_MD objects are safe
	 * to share between threads. */
	if (md == NULL) {
		EVP_MD *m = EVP_MD_fetch(NULL, "SM3", NULL);

		if (m == NULL)
			no_openssl("SM3");
		if (!__sync_bool_compare_and_swap(&md, NULL, m))
			EVP_MD_free(m);
	}
	return md;
}

static EVP_MD_CTX *
md_new(void)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	if (m == NULL)
		no_openssl("SM3");
	return m;
}

/* Starts inner and outer from key's pads (RFC 2104: a key longer than the
 * block is first hashed; the pads are 0x36 and 0x5c). */
static void
hmac_pads(const void *key, size_t keylen, struct hmac_sm3_ctx *c)
{
	uint8_t k0[SM3_BLOCK] = { 0 }, pad[SM3_BLOCK];

	if (keylen > SM3_BLOCK)
		sm3(key, keylen, k0);
	else if (keylen > 0)
		memcpy(k0, key, keylen);
	for (int i = 0; i < SM3_BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	if (!EVP_DigestInit_ex(c->inner, sm3_alg(), NULL) ||
	    !EVP_DigestUpdate(c->inner, pad, sizeof(pad)))
		no_openssl("SM3");
	for (int i = 0; i < SM3_BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	if (!EVP_DigestInit_ex(c->outer, sm3_alg(), NULL) ||
	    !EVP_DigestUpdate(c->outer, pad, sizeof(pad)))
		no_openssl("SM3");
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
}

/* The thread's absorbed pads for key, set up now if need be (replacing the
 * least recently used); NULL for a key too long to keep. */
static const struct hmac_sm3_ctx *
hmac_cached(struct crypto_cache *c, const void *key, size_t keylen)
{
	struct hmac_cached *h, *victim;

	if (keylen == 0 || keylen > HMAC_CACHED_KEY)
		return NULL;
	victim = &c->hmac[0];
	for (int i = 0; i < HMAC_CACHED; i++) {
		h = &c->hmac[i];
		if (h->pads.inner != NULL && h->keylen == keylen && ct_equal(h->key, key, keylen)) {
			h->used = ++c->clock;
			return &h->pads;
		}
		if (h->pads.inner == NULL || (victim->pads.inner != NULL && h->used < victim->used))
			victim = h;
	}
	if (victim->pads.inner == NULL) {
		victim->pads.inner = md_new();
		victim->pads.outer = md_new();
	}
	hmac_pads(key, keylen, &victim->pads);
	OPENSSL_cleanse(victim->key, sizeof(victim->key));
	memcpy(victim->key, key, keylen);
	victim->keylen = keylen;
	victim->used = ++c->clock;
	return &victim->pads;
}

struct hmac_sm3_ctx *
hmac_sm3_new(const void *key, size_t keylen)
{
	struct crypto_cache *cache = cache_get();
	struct hmac_sm3_ctx *c = cache->spare;
	const struct hmac_sm3_ctx *pads;

	if (c != NULL) {
		cache->spare = NULL;
	} else {
		if ((c = malloc(sizeof(*c))) == NULL)
			abort();
		c->inner = md_new();
		c->outer = md_new();
	}
	pads = hmac_cached(cache, key, keylen);
	if (pads == NULL)
		hmac_pads(key, keylen, c);
	else if (!EVP_MD_CTX_copy_ex(c->inner, pads->inner) ||
		 !EVP_MD_CTX_copy_ex(c->outer, pads->outer))
		no_openssl("SM3");
	return c;
}

void
hmac_sm3_update(struct hmac_sm3_ctx *c, const void *data, size_t n)
{
	if (n > 0 && !EVP_DigestUpdate(c->inner, data, n))
		no_openssl("SM3");
}

void
hmac_sm3_final(struct hmac_sm3_ctx *c, uint8_t out[SM3_LEN])
{
	struct crypto_cache *cache = cache_get();
	uint8_t ih[SM3_LEN];
	unsigned int len = 0;

	if (!EVP_DigestFinal_ex(c->inner, ih, &len) || !EVP_DigestUpdate(c->outer, ih, len) ||
	    !EVP_DigestFinal_ex(c->outer, out, &len))
		no_openssl("SM3");
	OPENSSL_cleanse(ih, sizeof(ih));
	/* Kept for the thread's next MAC; its states are overwritten then. */
	if (cache->spare == NULL)
		cache->spare = c;
	else
		mac_ctx_free(c);
}

void
hmac_sm3(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[SM3_LEN])
{
	struct hmac_sm3_ctx *c = hmac_sm3_new(key, keylen);

	hmac_sm3_update(c, data, n);
	hmac_sm3_final(c, out);
}

void
sm3(const void *data, size_t n, uint8_t out[SM3_LEN])
{
	unsigned int len = 0;

	if (!EVP_Digest(data, n, out, &len, sm3_alg(), NULL))
		no_openssl("SM3");
}

void
sha256(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
	unsigned int len = 0;

	EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void
sha256_hex(const void *data, size_t n, char out[2 * SHA256_LEN + 1])
{
	uint8_t md[SHA256_LEN];

	sha256(data, n, md);
	hex_encode(md, sizeof(md), out);
}

void
sm4_ctr(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_IV_LEN], const void *in, size_t n,
	void *out)
{
	struct crypto_cache *c = cache_get();
	EVP_CIPHER_CTX *ctx = c->sm4;
	int len = 0;

	/* The thread's context: the cipher set once; the key when it is not
	 * the last one used (its schedule is kept); the IV every time, which
	 * also restarts the counter. */
	if (ctx == NULL) {
		ctx = EVP_CIPHER_CTX_new();
		if (ctx == NULL || !EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, NULL, NULL))
			no_openssl("SM4-CTR");
		c->sm4 = ctx;
	}
	if (!c->sm4_keyed || !ct_equal(c->sm4_key, key, SM4_KEY_LEN)) {
		if (!EVP_EncryptInit_ex(ctx, NULL, NULL, key, NULL))
			no_openssl("SM4-CTR");
		memcpy(c->sm4_key, key, SM4_KEY_LEN);
		c->sm4_keyed = true;
	}
	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv))
		no_openssl("SM4-CTR");
	/* CTR is a stream mode: n bytes in, n bytes out, in pieces that fit an int. */
	for (size_t done = 0; done < n;) {
		int piece = n - done > (1 << 30) ? (1 << 30) : (int)(n - done);

		EVP_EncryptUpdate(ctx, (unsigned char *)out + done, &len,
				  (const unsigned char *)in + done, piece);
		done += (size_t)piece;
	}
}

bool
ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

void
base64_encode(const void *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

long
base64_decode(const char *in, size_t len, void *out, size_t cap)
{
	unsigned char *to = out, *tmp = NULL;
	int n, pad = 0;

	if (len % 4 != 0 || len / 4 * 3 > cap + 2)
		return -1;
	if (len == 0)
		return 0;
	/* EVP_DecodeBlock writes len / 4 * 3 bytes, padding included: straight
	 * into out when they fit, else through a copy. */
	if (cap < len / 4 * 3) {
		tmp = malloc(len / 4 * 3 + 1);
		if (tmp == NULL)
			abort();
		to = tmp;
	}
	n = EVP_DecodeBlock(to, (const unsigned char *)in, (int)len);
	/* It counts padding as zero bytes. */
	if (n >= 0 && in[len - 1] == '=')
		pad++;
	if (n >= 0 && len > 1 && in[len - 2] == '=')
		pad++;
	n = n >= 0 ? n - pad : -1;
	if (tmp != NULL) {
		if (n >= 0 && (size_t)n <= cap)
			memcpy(out, tmp, (size_t)n);
		else
			n = -1;
		free(tmp);
	}
	return n;
}

int
hex_decode(const char *hex, size_t hexlen, void *out, size_t n)
{
	unsigned char *o = out;

	if (hexlen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = 0;

		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + (size_t)k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v |= c - 'A' + 10;
			else
				return -1;
		}
		o[i] = (unsigned char)v;
	}
	return 0;
}
