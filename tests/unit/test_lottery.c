/*
 * Unit tests of the lottery (core/lottery.h), pure: SM3 is SM3 (the
 * standard's "abc" vector); the seed, the generator's numbers, rejection
 * sampling and the draw pinned to vectors computed outside anju by the
 * reference verifier of docs/lottery.md (Python's hashlib SM3); the same
 * inputs give the same draw and any changed input another; a draw is a
 * permutation; and a chi-square sanity check of uniformity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/lottery.h"

/* SM3("{\"entries\":[]}"), the list of the vectors below. */
#define VEC_LIST_HASH "68f142736702d59319c07fc6c5e3ac316a6282446ae490809388e78da8a95fe0"
#define VEC_SEED      "ffe6e9e4cabde8a87ec63fcbc554ebd4165c627d4bdb30d5395ef2c09730f9ee"

static const char *const vec_values[] = { "alpha", "bravo", "charlie" };

static void
seed_of(const char *list_hash, const char *const *values, size_t n, uint8_t seed[32])
{
	size_t lens[8];

	assert_true(n <= 8);
	for (size_t k = 0; k < n; k++)
		lens[k] = strlen(values[k]);
	assert_int_equal(lottery_seed(list_hash, values, lens, n, seed), 0);
}

static void
test_sm3_abc(void **state)
{
	char hex[LOTTERY_HEX_LEN];

	(void)state;
	/* GB/T 32905-2016, example 1. */
	lottery_hash_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	lottery_hash_hex("{\"entries\":[]}", 14, hex);
	assert_string_equal(hex, VEC_LIST_HASH);
}

static void
test_seed_vector(void **state)
{
	uint8_t seed[32];
	char hex[65];
	const char *one = "x";
	size_t len = 1;

	(void)state;
	seed_of(VEC_LIST_HASH, vec_values, 3, seed);
	hex_encode(seed, 32, hex);
	assert_string_equal(hex, VEC_SEED);
	/* A list hash that is not 64 hex digits is refused. */
	assert_int_equal(lottery_seed("abc", &one, &len, 1, seed), -1);
	assert_int_equal(lottery_seed(VEC_LIST_HASH "00", &one, &len, 1, seed), -1);
	assert_int_equal(
		lottery_seed("zz2142736702d59319c07fc6c5e3ac316a6282446ae490809388e78da8a95fe0",
			     &one, &len, 1, seed),
		-1);
}

static void
test_generator_vector(void **state)
{
	uint8_t seed[32], zero[32] = { 0 };
	struct lottery_rng g;
	static const uint64_t first[] = { 0x05956e47fadd5d63, 0x3c44cceb8440d2b9,
					  0xaa5c09393cd8cf80, 0x38a4d256c7946f89,
					  0xa9a8790084ddf6e1 };

	(void)state;
	seed_of(VEC_LIST_HASH, vec_values, 3, seed);
	lottery_rng_init(&g, seed);
	/* Five numbers cross from block 0 into block 1. */
	for (size_t k = 0; k < 5; k++)
		assert_true(lottery_next(&g) == first[k]);

	/* Rejection: with n = 2^63 + 1 about half the numbers are drawn again.
	 * The zero seed's 4th, 5th and 6th numbers are above the limit; the 7th
	 * is taken. */
	lottery_rng_init(&g, zero);
	assert_true(lottery_uniform(&g, UINT64_C(9223372036854775809)) ==
		    UINT64_C(8788249255370936555));
	assert_true(lottery_uniform(&g, UINT64_C(9223372036854775809)) ==
		    UINT64_C(6682572575372246893));
	assert_true(lottery_uniform(&g, UINT64_C(9223372036854775809)) ==
		    UINT64_C(2612091993316293382));
	assert_true(lottery_uniform(&g, UINT64_C(9223372036854775809)) ==
		    UINT64_C(7570737000536940480));
	assert_true(lottery_next(&g) == UINT64_C(9078832956525222840));
	/* n = 1 consumes nothing. */
	lottery_rng_init(&g, zero);
	assert_true(lottery_uniform(&g, 1) == 0);
	assert_true(lottery_next(&g) == UINT64_C(8788249255370936555));
}

static void
test_draw_vectors(void **state)
{
	uint8_t seed[32], zero[32] = { 0 };
	int64_t order[10], units[4];
	static const int64_t want[10] = { 6, 8, 10, 5, 9, 2, 3, 1, 7, 4 };
	static const int64_t want_units[4] = { 4, 3, 2, 1 };
	static const int64_t zero_want[5] = { 5, 3, 4, 2, 1 };
	static const int64_t zero_units[3] = { 3, 1, 2 };

	(void)state;
	seed_of(VEC_LIST_HASH, vec_values, 3, seed);
	lottery_draw(seed, order, 10, units, 4);
	assert_memory_equal(order, want, sizeof(want));
	assert_memory_equal(units, want_units, sizeof(want_units));
	lottery_draw(zero, order, 5, units, 3);
	assert_memory_equal(order, zero_want, sizeof(zero_want));
	assert_memory_equal(units, zero_units, sizeof(zero_units));
	/* Empty lists are fine. */
	lottery_draw(zero, order, 0, units, 0);
}

/* The worked example of docs/lottery.md. */
static void
test_worked_example(void **state)
{
	const char *vals[3] = { "bureau-7f3a9c2e51", "operator-19be04d7aa", "notary-c0ffee4242" };
	uint8_t seed[32];
	char hex[65];
	int64_t order[3], units[2];
	static const int64_t want[3] = { 3, 2, 1 }, want_units[2] = { 1, 2 };

	(void)state;
	lottery_hash_hex(vals[0], strlen(vals[0]), hex);
	assert_string_equal(hex,
			    "1178c58d2b40abb4128daf29832b27e45e99c6f02187c03d48e0587e8c3cb634");
	seed_of("8df37dec6ab8e575b0cec5545e4a8ac34ec7e6700713ac1c300f292af3bbd658", vals, 3, seed);
	hex_encode(seed, 32, hex);
	assert_string_equal(hex,
			    "a4e9cd57eba8efa246470d4b39ab175e6fda8692fb1cdaafbb010988526c60da");
	lottery_draw(seed, order, 3, units, 2);
	assert_memory_equal(order, want, sizeof(want));
	assert_memory_equal(units, want_units, sizeof(want_units));
}

/* The same inputs give the same draw; a change of one value, one byte of
 * the list, or the parties' order gives another. */
static void
test_inputs_decide(void **state)
{
	const char *changed[] = { "alpha", "bravo", "charlie!" };
	const char *swapped[] = { "bravo", "alpha", "charlie" };
	uint8_t s1[32], s2[32];
	int64_t a[40], b[40], ua[10], ub[10];
	char other_hash[LOTTERY_HEX_LEN];

	(void)state;
	seed_of(VEC_LIST_HASH, vec_values, 3, s1);
	seed_of(VEC_LIST_HASH, vec_values, 3, s2);
	assert_memory_equal(s1, s2, 32);
	lottery_draw(s1, a, 40, ua, 10);
	lottery_draw(s2, b, 40, ub, 10);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(ua, ub, sizeof(ua));

	seed_of(VEC_LIST_HASH, changed, 3, s2);
	assert_memory_not_equal(s1, s2, 32);
	lottery_draw(s2, b, 40, ub, 10);
	assert_memory_not_equal(a, b, sizeof(a));

	seed_of(VEC_LIST_HASH, swapped, 3, s2);
	assert_memory_not_equal(s1, s2, 32);
	lottery_draw(s2, b, 40, ub, 10);
	assert_memory_not_equal(a, b, sizeof(a));

	lottery_hash_hex("{\"entries\":[1]}", 15, other_hash);
	seed_of(other_hash, vec_values, 3, s2);
	assert_memory_not_equal(s1, s2, 32);
	lottery_draw(s2, b, 40, ub, 10);
	assert_memory_not_equal(a, b, sizeof(a));

	/* Length prefixes keep "ab","c" apart from "a","bc". */
	{
		const char *x[] = { "ab", "c" }, *y[] = { "a", "bc" };

		seed_of(VEC_LIST_HASH, x, 2, s1);
		seed_of(VEC_LIST_HASH, y, 2, s2);
		assert_memory_not_equal(s1, s2, 32);
	}
}

/* Every draw is a permutation of 1..n. */
static void
test_permutation(void **state)
{
	uint8_t seed[32] = { 0 };
	int64_t order[257], units[1];
	unsigned char seen[258];

	(void)state;
	for (int round = 0; round < 50; round++) {
		seed[0] = (uint8_t)round;
		lottery_draw(seed, order, 257, units, 1);
		memset(seen, 0, sizeof(seen));
		for (size_t k = 0; k < 257; k++) {
			assert_true(order[k] >= 1 && order[k] <= 257);
			assert_int_equal(seen[order[k]], 0);
			seen[order[k]] = 1;
		}
		assert_int_equal(units[0], 1);
	}
}

/* Uniformity sanity: over 12,000 draws of n = 5, each household lands first
 * about 2,400 times (chi-square with 4 degrees of freedom below 20: a fair
 * shuffle fails this about once in 2,000 runs, and the inputs are fixed, so
 * the test is deterministic), and all 120 orders occur. */
static void
test_uniform(void **state)
{
	uint8_t seed[32];
	int64_t order[5], none[1];
	long first[6] = { 0 }, perms[120] = { 0 };
	double chi = 0, expect = 12000.0 / 5;

	(void)state;
	for (int round = 0; round < 12000; round++) {
		char v[16];
		const char *vals[1] = { v };
		size_t len;

		len = (size_t)snprintf(v, sizeof(v), "%d", round);
		assert_int_equal(lottery_seed(VEC_LIST_HASH, vals, &len, 1, seed), 0);
		lottery_draw(seed, order, 5, none, 0);
		first[order[0]]++;
		/* The permutation's index in the factorial number system. */
		{
			int idx = 0, fact[5] = { 24, 6, 2, 1, 1 };

			for (int i = 0; i < 5; i++) {
				int smaller = 0;

				for (int j = i + 1; j < 5; j++)
					smaller += order[j] < order[i];
				idx += smaller * fact[i];
			}
			perms[idx]++;
		}
	}
	for (int k = 1; k <= 5; k++)
		chi += (first[k] - expect) * (first[k] - expect) / expect;
	print_message("chi-square of the first place: %.2f\n", chi);
	assert_true(chi < 20.0);
	for (int k = 0; k < 120; k++)
		assert_true(perms[k] > 40 && perms[k] < 170);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_abc),          cmocka_unit_test(test_seed_vector),
		cmocka_unit_test(test_generator_vector), cmocka_unit_test(test_draw_vectors),
		cmocka_unit_test(test_worked_example),   cmocka_unit_test(test_inputs_decide),
		cmocka_unit_test(test_permutation),      cmocka_unit_test(test_uniform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
