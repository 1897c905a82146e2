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

struct hmac_sm3_ctx {
	EVP_MAC_CTX *ctx;
};

/*
 * Per thread, contexts set up once and reused: the HMAC-SM3 of the last few
 * keys, keyed and ready (a new MAC is a copy of one, not a digest fetch and
 * two compressions of the padded key), and one SM4-CTR context re-keyed per
 * call.  A bulk import seals, indexes and audits millions of values with a
 * handful of keys.  Freed, keys wiped, when the thread ends.
 */
#define HMAC_CACHED     4
#define HMAC_CACHED_KEY 128 /* longer keys are not kept */

struct hmac_cached {
	EVP_MAC_CTX *ctx; /* NULL: free */
	uint8_t key[HMAC_CACHED_KEY];
	size_t keylen;
	unsigned long used;
};

struct crypto_cache {
	struct hmac_cached hmac[HMAC_CACHED];
	unsigned long clock;
	EVP_CIPHER_CTX *sm4;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
cache_free(void *p)
{
	struct crypto_cache *c = p;

	for (int i = 0; i < HMAC_CACHED; i++)
		EVP_MAC_CTX_free(c->hmac[i].ctx);
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

static EVP_MAC *
hmac_alg(void)
{
	static EVP_MAC *mac;

	/* Fetched once; EVP_MAC objects are safe to share between threads. */
	if (mac == NULL) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);

		if (m == NULL) {
			fprintf(stderr, "anju: OpenSSL has no HMAC\n");
			abort();
		}
		if (!__sync_bool_compare_and_swap(&mac, NULL, m))
			EVP_MAC_free(m);
	}
	return mac;
}

static EVP_MAC_CTX *
hmac_keyed(const void *key, size_t keylen)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_alg());
	OSSL_PARAM params[2];
	char digest[] = "SM3";

	params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || !EVP_MAC_init(ctx, key, keylen, params)) {
		fprintf(stderr, "anju: OpenSSL cannot do HMAC-SM3\n");
		abort();
	}
	return ctx;
}

/* The thread's keyed context for key, set up now if need be (replacing the
 * least recently used); NULL for a key too long to keep. */
static EVP_MAC_CTX *
hmac_cached(const void *key, size_t keylen)
{
	struct crypto_cache *c;
	struct hmac_cached *h, *victim;

	if (keylen == 0 || keylen > HMAC_CACHED_KEY)
		return NULL;
	c = cache_get();
	victim = &c->hmac[0];
	for (int i = 0; i < HMAC_CACHED; i++) {
		h = &c->hmac[i];
		if (h->ctx != NULL && h->keylen == keylen && ct_equal(h->key, key, keylen)) {
			h->used = ++c->clock;
			return h->ctx;
		}
		if (h->ctx == NULL || (victim->ctx != NULL && h->used < victim->used))
			victim = h;
	}
	EVP_MAC_CTX_free(victim->ctx);
	OPENSSL_cleanse(victim->key, sizeof(victim->key));
	victim->ctx = hmac_keyed(key, keylen);
	memcpy(victim->key, key, keylen);
	victim->keylen = keylen;
	victim->used = ++c->clock;
	return victim->ctx;
}

struct hmac_sm3_ctx *
hmac_sm3_new(const void *key, size_t keylen)
{
	struct hmac_sm3_ctx *c = malloc(sizeof(*c));
	EVP_MAC_CTX *keyed = hmac_cached(key, keylen);

	if (c == NULL)
		abort();
	c->ctx = keyed != NULL ? EVP_MAC_CTX_dup(keyed) : hmac_keyed(key, keylen);
	if (c->ctx == NULL) {
		fprintf(stderr, "anju: OpenSSL cannot do HMAC-SM3\n");
		abort();
	}
	return c;
}

void
hmac_sm3_update(struct hmac_sm3_ctx *c, const void *data, size_t n)
{
	if (n > 0)
		EVP_MAC_update(c->ctx, data, n);
}

void
hmac_sm3_final(struct hmac_sm3_ctx *c, uint8_t out[SM3_LEN])
{
	size_t len = 0;

	EVP_MAC_final(c->ctx, out, &len, SM3_LEN);
	EVP_MAC_CTX_free(c->ctx);
	free(c);
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

	if (!EVP_Digest(data, n, out, &len, EVP_sm3(), NULL)) {
		fprintf(stderr, "anju: OpenSSL cannot do SM3\n");
		abort();
	}
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

	/* The thread's context: the cipher set once, key and IV every time
	 * (which also restarts the counter). */
	if (ctx == NULL) {
		ctx = EVP_CIPHER_CTX_new();
		if (ctx == NULL || !EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, NULL, NULL)) {
			fprintf(stderr, "anju: OpenSSL cannot do SM4-CTR\n");
			abort();
		}
		c->sm4 = ctx;
	}
	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv)) {
		fprintf(stderr, "anju: OpenSSL cannot do SM4-CTR\n");
		abort();
	}
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
	unsigned char *tmp;
	int n, pad = 0;

	if (len % 4 != 0 || len / 4 * 3 > cap + 2)
		return -1;
	if (len == 0)
		return 0;
	tmp = malloc(len / 4 * 3 + 1);
	if (tmp == NULL)
		abort();
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
	if (n < 0) {
		free(tmp);
		return -1;
	}
	/* EVP_DecodeBlock counts padding as zero bytes. */
	if (in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	n -= pad;
	if ((size_t)n > cap) {
		free(tmp);
		return -1;
	}
	memcpy(out, tmp, (size_t)n);
	free(tmp);
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
