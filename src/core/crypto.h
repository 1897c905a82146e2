/*
 * Cryptographic primitives anju uses, over OpenSSL 3 (SM3, SM4, SHA-256,
 * HMAC) so that no other file calls OpenSSL's digest and cipher APIs
 * directly:
 *   - HMAC-SM3: the audit chain's MACs and the blind index of personal data;
 *   - SM4-CTR + HMAC-SM3, encrypt-then-MAC: personal data at rest;
 *   - SHA-256: content addresses, token and request hashes;
 *   - constant-time comparison and base64 for text storage.
 * Keys are raw bytes; where they live is store/keys.h's business.
 */
#ifndef ANJU_CORE_CRYPTO_H
#define ANJU_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM3_LEN     32
#define SHA256_LEN  32
#define SM4_KEY_LEN 16
#define SM4_IV_LEN  16

/* SM3 of data into out (32 bytes). */
void sm3(const void *data, size_t n, uint8_t out[SM3_LEN]);

/* HMAC-SM3 of data under key into out (32 bytes). */
void hmac_sm3(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[SM3_LEN]);

/* An incremental HMAC-SM3, for MACs over several pieces. */
struct hmac_sm3_ctx;
struct hmac_sm3_ctx *hmac_sm3_new(const void *key, size_t keylen);
void hmac_sm3_update(struct hmac_sm3_ctx *c, const void *data, size_t n);
/* Writes the MAC and frees the context. */
void hmac_sm3_final(struct hmac_sm3_ctx *c, uint8_t out[SM3_LEN]);

/* SHA-256 of data, as bytes or as 64 lower-case hex digits + NUL. */
void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);
void sha256_hex(const void *data, size_t n, char out[2 * SHA256_LEN + 1]);

/* SM4 in counter mode: out = in XOR keystream(key, iv); n bytes, in place allowed. */
void sm4_ctr(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_IV_LEN], const void *in, size_t n,
	     void *out);

/* Equality of two byte strings in time that depends only on n. */
bool ct_equal(const void *a, const void *b, size_t n);

/* Standard base64 with padding.  base64_encode writes 4*ceil(n/3) chars + NUL
 * into out (size it with BASE64_LEN).  base64_decode returns the number of
 * bytes written to out (at most 3*len/4), or -1 on malformed input. */
#define BASE64_LEN(n) (4 * (((n) + 2) / 3) + 1)
void base64_encode(const void *in, size_t n, char *out);
long base64_decode(const char *in, size_t len, void *out, size_t cap);

/* Lower-case hex to bytes: exactly n bytes from 2n hex digits; 0 or -1. */
int hex_decode(const char *hex, size_t hexlen, void *out, size_t n);

#endif
