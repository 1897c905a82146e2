/*
 * Unit tests of core/crypto: known-answer vectors for SM3, HMAC-SM3 and
 * SM4-CTR (the SM4 block from GB/T 32907-2016's example; the CTR streams and
 * the HMAC computed with the `openssl enc` and `openssl mac` command-line
 * tools), SHA-256, hex and base64 round trips and rejections, and the
 * constant-time comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"

static void
expect_hex(const uint8_t *got, size_t n, const char *want)
{
	char hex[2 * 1024 + 1];

	assert_true(n <= 1024);
	hex_encode(got, n, hex);
	assert_string_equal(hex, want);
}

static void
from_hex(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(hex, strlen(hex), out, n), 0);
}

static void
test_sm3(void **state)
{
	uint8_t md[SM3_LEN];
	/* GB/T 32905-2016 example 2: "abcd" sixteen times. */
	const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";

	(void)state;
	sm3("abc", 3, md);
	expect_hex(md, sizeof(md),
		   "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	sm3(abcd16, strlen(abcd16), md);
	expect_hex(md, sizeof(md),
		   "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

static void
test_hmac_sm3(void **state)
{
	uint8_t mac[SM3_LEN], inc[SM3_LEN];
	struct hmac_sm3_ctx *c;

	(void)state;
	/* printf abc | openssl mac -digest SM3 -macopt key:secret HMAC */
	hmac_sm3("secret", 6, "abc", 3, mac);
	expect_hex(mac, sizeof(mac),
		   "96042a28529e7a438af81eece5b293e0699f481fd372c08c5ac01b8dc4b81856");
	/* The incremental form gives the same MAC, pieces of any size. */
	c = hmac_sm3_new("secret", 6);
	hmac_sm3_update(c, "a", 1);
	hmac_sm3_update(c, "", 0);
	hmac_sm3_update(c, "bc", 2);
	hmac_sm3_final(c, inc);
	assert_memory_equal(mac, inc, SM3_LEN);
	/* Another key, another MAC. */
	hmac_sm3("secreT", 6, "abc", 3, inc);
	assert_memory_not_equal(mac, inc, SM3_LEN);
}

/* Keys longer than SM3's block (hashed first) and than the thread keeps;
 * more keys than the thread keeps, in turn; MACs under way at once. */
static void
test_hmac_sm3_keys(void **state)
{
	/* printf msgN | openssl mac -digest SM3 -macopt key:keyN HMAC */
	static const char *const want[] = {
		"acd9ff0d3daebe4f3e0f672a0123b889a3d93b03c87726c8d14673fcdb10f015",
		"7f17fb6f85658df8fc1fae7cc02bd6b377b1bb803f4c9dd1819515293f6eb2aa",
		"ae54edeadbfa5a1d305dc623d17e1f0d46fb0d5ac5ab03cccd22f5d57bd54ddb",
		"73db197729157462afa59acb648e08ee1cf6ad528fc4b006b0b6d0e8ff1c690e",
		"213fb98bfee5ff3118c885517f73a35d6c401d89e5a9afc55f89714e5a2a7200",
		"b98511fb0c5cd85955fbcc0fcced9eca511dc372913cb1f9f72adc613e09dd42",
	};
	char key[201], msg[16];
	uint8_t mac[SM3_LEN];
	struct hmac_sm3_ctx *a, *b;

	(void)state;
	memset(key, 'k', 70);
	hmac_sm3(key, 70, "abc", 3, mac);
	expect_hex(mac, sizeof(mac),
		   "712dfdb91ce501d552701c2e85d26058e94543274a5c43ca11d7ffdfe38023c0");
	memset(key, 'L', 200);
	hmac_sm3(key, 200, "abc", 3, mac);
	expect_hex(mac, sizeof(mac),
		   "6f123bc7a81956e227caff1c53f2fab69bb76a91ea7500588759c19dcb5d8f48");
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 6; i++) {
			snprintf(key, sizeof(key), "key%d", i + 1);
			snprintf(msg, sizeof(msg), "msg%d", i + 1);
			hmac_sm3(key, strlen(key), msg, strlen(msg), mac);
			expect_hex(mac, sizeof(mac), want[i]);
		}
	/* Two under way, the second with a key that pushes the first's out. */
	a = hmac_sm3_new("key1", 4);
	hmac_sm3_update(a, "msg", 3);
	for (int i = 6; i > 1; i--) {
		snprintf(key, sizeof(key), "key%d", i);
		hmac_sm3(key, 4, "x", 1, mac);
	}
	b = hmac_sm3_new("key2", 4);
	hmac_sm3_update(b, "msg2", 4);
	hmac_sm3_update(a, "1", 1);
	hmac_sm3_final(a, mac);
	expect_hex(mac, sizeof(mac), want[0]);
	hmac_sm3_final(b, mac);
	expect_hex(mac, sizeof(mac), want[1]);
}

static void
test_sm4_ctr(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog.";
	uint8_t key[SM4_KEY_LEN], iv[SM4_IV_LEN], out[64], back[64], zero[40] = { 0 };

	(void)state;
	from_hex("0123456789abcdeffedcba9876543210", key, sizeof(key));
	/* CTR over one block of zeros from IV = the standard's plaintext is the
	 * standard's ciphertext: E_K(0123...3210) = 681edf34...4246. */
	from_hex("0123456789abcdeffedcba9876543210", iv, sizeof(iv));
	sm4_ctr(key, iv, zero, 16, out);
	expect_hex(out, 16, "681edf34d206965e86b3e94f536e4246");
	/* openssl enc -sm4-ctr -K 0123456789abcdeffedcba9876543210
	 *   -iv 000102030405060708090a0b0c0d0e0f: 44 bytes, three blocks. */
	from_hex("000102030405060708090a0b0c0d0e0f", iv, sizeof(iv));
	sm4_ctr(key, iv, fox, strlen(fox), out);
	expect_hex(out, strlen(fox),
		   "52f0f9414cd301ce41ad95f08edf974a0968756b2ad69171a9b17c93e4728d6e74bf728cab5"
		   "58e4e66821ee0");
	/* Decryption is the same operation; in place works. */
	sm4_ctr(key, iv, out, strlen(fox), back);
	assert_memory_equal(back, fox, strlen(fox));
	sm4_ctr(key, iv, out, strlen(fox), out);
	assert_memory_equal(out, fox, strlen(fox));
	/* The counter carries across the low 32 bits: -iv 000000000000000000000000ffffffff. */
	from_hex("000000000000000000000000ffffffff", iv, sizeof(iv));
	sm4_ctr(key, iv, zero, sizeof(zero), out);
	expect_hex(out, sizeof(zero),
		   "1634f567710952420198c96a639be9ef5fbf61816582c2e0b69773aa7c07d5f6d51abeb29a8c"
		   "7988");
	/* A short message: printf abc | openssl enc -sm4-ctr ... -iv 0...0 */
	memset(iv, 0, sizeof(iv));
	sm4_ctr(key, iv, "abc", 3, out);
	expect_hex(out, 3, "471597");
	/* Two keys in turn: each call uses its own key's schedule.
	 * ... -K fedcba98765432100123456789abcdef -iv 0...0 */
	{
		uint8_t other[SM4_KEY_LEN];

		from_hex("fedcba98765432100123456789abcdef", other, sizeof(other));
		for (int round = 0; round < 2; round++) {
			sm4_ctr(other, iv, "abc", 3, out);
			expect_hex(out, 3, "216350");
			sm4_ctr(key, iv, "abc", 3, out);
			expect_hex(out, 3, "471597");
		}
	}
	/* Nothing in, nothing out. */
	sm4_ctr(key, iv, "", 0, out);
}

static void
test_sha256(void **state)
{
	char hex[2 * SHA256_LEN + 1];

	(void)state;
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hex(void **state)
{
	uint8_t bytes[256], back[256];
	char hex[2 * 256 + 1];

	(void)state;
	for (int i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	hex_encode(bytes, sizeof(bytes), hex);
	assert_int_equal(strlen(hex), 512);
	assert_int_equal(hex_decode(hex, 512, back, sizeof(back)), 0);
	assert_memory_equal(bytes, back, sizeof(bytes));
	/* Upper case is read too. */
	assert_int_equal(hex_decode("ABcd", 4, back, 2), 0);
	assert_int_equal(back[0], 0xab);
	assert_int_equal(back[1], 0xcd);
	/* Rejected: wrong length, odd length, non-hex. */
	assert_int_equal(hex_decode("abcd", 4, back, 3), -1);
	assert_int_equal(hex_decode("abc", 3, back, 1), -1);
	assert_int_equal(hex_decode("zz", 2, back, 1), -1);
	assert_int_equal(hex_decode("0g", 2, back, 1), -1);
	assert_int_equal(hex_decode(" 0", 2, back, 1), -1);
}

static void
b64_round_trip(const void *in, size_t n)
{
	char *text = malloc(BASE64_LEN(n));
	uint8_t *back = malloc(n + 1);

	base64_encode(in, n, text);
	assert_int_equal(strlen(text), BASE64_LEN(n) - 1);
	assert_int_equal(base64_decode(text, strlen(text), back, n), (long)n);
	assert_memory_equal(back, in, n);
	free(text);
	free(back);
}

static void
test_base64(void **state)
{
	static const struct {
		const char *plain, *b64;
	} rfc4648[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	uint8_t bytes[300], out[16];
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		size_t n = strlen(rfc4648[i].plain);

		base64_encode(rfc4648[i].plain, n, text);
		assert_string_equal(text, rfc4648[i].b64);
		assert_int_equal(base64_decode(text, strlen(text), out, sizeof(out)), (long)n);
		assert_memory_equal(out, rfc4648[i].plain, n);
	}
	for (int i = 0; i < 300; i++)
		bytes[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(bytes); n++)
		b64_round_trip(bytes, n);
	/* Rejected: length not a multiple of 4, characters outside the alphabet,
	 * output that would not fit. */
	assert_int_equal(base64_decode("Zm9", 3, out, sizeof(out)), -1);
	assert_int_equal(base64_decode("Zm9v!A==", 8, out, sizeof(out)), -1);
	assert_int_equal(base64_decode("Zm*v", 4, out, sizeof(out)), -1);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 6), 6);
}

static void
test_ct_equal(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		a[i] = b[i] = (uint8_t)i;
	assert_true(ct_equal(a, b, sizeof(a)));
	assert_true(ct_equal(a, b, 0));
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_false(ct_equal(a, b, sizeof(a)));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_true(ct_equal(a, b, sizeof(a)));
}

static void
test_random(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3),           cmocka_unit_test(test_hmac_sm3),
		cmocka_unit_test(test_hmac_sm3_keys), cmocka_unit_test(test_sm4_ctr),
		cmocka_unit_test(test_sha256),        cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64),        cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
