/*
 * Unit tests of core/money.c: parsing and formatting yuan text, checked
 * arithmetic at the int64 edges, every rounding mode on both signs, the
 * largest-remainder split and 人民币大写.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "core/money.h"

static void
test_rounding_names(void **state)
{
	static const char *const names[] = {
		"half_up", "half_even", "down", "up", "floor", "ceiling",
	};
	enum rounding r = ROUND_FLOOR;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(rounding_parse(names[i], &r), 0);
		assert_string_equal(rounding_name(r), names[i]);
	}
	assert_int_equal(rounding_parse("half_up", &r), 0);
	assert_int_equal(r, ROUND_HALF_UP);
	assert_int_equal(rounding_parse("ceiling", &r), 0);
	assert_int_equal(r, ROUND_CEILING);
	r = ROUND_DOWN;
	assert_int_equal(rounding_parse("HALF_UP", &r), ANJU_EINVAL);
	assert_int_equal(rounding_parse("", &r), ANJU_EINVAL);
	assert_int_equal(rounding_parse("half_up ", &r), ANJU_EINVAL);
	assert_int_equal(rounding_parse(NULL, &r), ANJU_EINVAL);
	assert_int_equal(r, ROUND_DOWN);
	assert_string_equal(rounding_name((enum rounding)99), "unknown");
}

static void
parses(const char *s, int64_t want)
{
	int64_t fen = 42;
	int rc = money_parse(str_c(s), &fen);

	if (rc != 0 || fen != want)
		fail_msg("\"%s\": rc %d, fen %lld, want %lld", s, rc, (long long)fen,
			 (long long)want);
}

static void
refuses(const char *s, int code)
{
	int64_t fen = 42;
	int rc = money_parse(str_c(s), &fen);

	if (rc != code || fen != 42)
		fail_msg("\"%s\": rc %d (want %d), fen %lld", s, rc, code, (long long)fen);
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"1,23.45", "12.345", "1.2.3", "",       "-",         ",1",     "1,",    "abc",
		"12.",     ".5",     "-.5",   "1,2345", "12,34",     "1,,234", "+1",    "1 234",
		"- 1",     "--1",    "1e3",   "0x10",   "1,234.5.6", "1.-5",   "0,123", "1234,567",
		" ",       "¥12",    "12-",   "1.5a",   "1,234,56",  ",",      ".",     "-,1",
		"1.0000",  "1..2",   "12 .5", "12. 5",  "1,234 .56", "0.1,0",  "１２",
	};

	(void)state;
	parses("1,234.56", 123456);
	parses("1234.56", 123456);
	parses("1234.5", 123450);
	parses("0.05", 5);
	parses("-3.10", -310);
	parses("-3.1", -310);
	parses(" 12 ", 1200);
	parses("\t7.5\r\n", 750);
	parses("12", 1200);
	parses("0", 0);
	parses("-0", 0);
	parses("-0.00", 0);
	parses("-0.01", -1);
	parses("0.1", 10);
	parses("007", 700);
	parses("1,234", 123400);
	parses("123,456", 12345600);
	parses("1,234,567.89", 123456789);
	parses("-1,234,567.89", -123456789);
	parses("999", 99900);
	parses("1000", 100000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuses(bad[i], ANJU_EINVAL);
	/* A slice stops where it says, even inside a longer string. */
	{
		int64_t fen = 0;

		assert_int_equal(money_parse((struct str){ "12.345", 5 }, &fen), 0);
		assert_int_equal(fen, 1234);
	}
}

static void
test_parse_range(void **state)
{
	(void)state;
	parses("92233720368547758.07", INT64_MAX);
	parses("92,233,720,368,547,758.07", INT64_MAX);
	parses("-92233720368547758.08", INT64_MIN);
	parses("-92,233,720,368,547,758.08", INT64_MIN);
	parses("92233720368547758", INT64_MAX - 7);
	parses("-92233720368547758", INT64_MIN + 8);
	refuses("92233720368547758.08", ANJU_ERANGE);
	refuses("92233720368547758.1", ANJU_ERANGE);
	refuses("-92233720368547758.09", ANJU_ERANGE);
	refuses("92233720368547759", ANJU_ERANGE);
	refuses("-92233720368547759", ANJU_ERANGE);
	refuses("922337203685477580", ANJU_ERANGE);
	refuses("99999999999999999999999999999999999999", ANJU_ERANGE);
	refuses("9,999,999,999,999,999,999,999.99", ANJU_ERANGE);
	/* Bad text is reported as bad text even when it is also too big. */
	refuses("99999999999999999999999.999", ANJU_EINVAL);
}

static void
formats(int64_t fen, const char *want, const char *want_plain)
{
	char out[MONEY_FMT_MAX];

	memset(out, 'x', sizeof(out));
	money_format(fen, out);
	assert_string_equal(out, want);
	memset(out, 'x', sizeof(out));
	money_format_plain(fen, out);
	assert_string_equal(out, want_plain);
}

static void
test_format(void **state)
{
	(void)state;
	formats(0, "0.00", "0.00");
	formats(5, "0.05", "0.05");
	formats(-5, "-0.05", "-0.05");
	formats(10, "0.10", "0.10");
	formats(100, "1.00", "1.00");
	formats(-310, "-3.10", "-3.10");
	formats(99999, "999.99", "999.99");
	formats(100000, "1,000.00", "1000.00");
	formats(123456, "1,234.56", "1234.56");
	formats(-123456, "-1,234.56", "-1234.56");
	formats(12345678, "123,456.78", "123456.78");
	formats(-123456789, "-1,234,567.89", "-1234567.89");
	formats(INT64_MAX, "92,233,720,368,547,758.07", "92233720368547758.07");
	formats(INT64_MIN, "-92,233,720,368,547,758.08", "-92233720368547758.08");
	formats(INT64_MIN + 1, "-92,233,720,368,547,758.07", "-92233720368547758.07");
	assert_true(strlen("-92,233,720,368,547,758.08") < MONEY_FMT_MAX);
}

/* Whatever money_format writes, money_parse reads back. */
static void
test_format_parse_round_trip(void **state)
{
	uint64_t x = 88172645463325252u;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
		int64_t v, back = 0;

		/* xorshift64, with magnitudes spread over every digit count */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = (int64_t)(x >> (x % 64));
		if (x & 1)
			v = -v;
		if (i == 0)
			v = INT64_MIN;
		money_format(v, a);
		money_format_plain(v, b);
		assert_int_equal(money_parse(str_c(a), &back), 0);
		assert_int_equal(back, v);
		assert_int_equal(money_parse(str_c(b), &back), 0);
		assert_int_equal(back, v);
	}
}

static void
test_add_sub_mul(void **state)
{
	int64_t r = 42;

	(void)state;
	assert_int_equal(money_add(100, 250, &r), 0);
	assert_int_equal(r, 350);
	assert_int_equal(money_add(-100, 50, &r), 0);
	assert_int_equal(r, -50);
	assert_int_equal(money_add(INT64_MAX, 0, &r), 0);
	assert_int_equal(r, INT64_MAX);
	assert_int_equal(money_add(INT64_MAX, INT64_MIN, &r), 0);
	assert_int_equal(r, -1);
	r = 42;
	assert_int_equal(money_add(INT64_MAX, 1, &r), ANJU_ERANGE);
	assert_int_equal(money_add(INT64_MIN, -1, &r), ANJU_ERANGE);
	assert_int_equal(money_add(INT64_MIN, INT64_MIN, &r), ANJU_ERANGE);
	assert_int_equal(r, 42);

	assert_int_equal(money_sub(100, 250, &r), 0);
	assert_int_equal(r, -150);
	assert_int_equal(money_sub(INT64_MIN, -1, &r), 0);
	assert_int_equal(r, INT64_MIN + 1);
	assert_int_equal(money_sub(-1, INT64_MAX, &r), 0);
	assert_int_equal(r, INT64_MIN);
	r = 42;
	assert_int_equal(money_sub(INT64_MIN, 1, &r), ANJU_ERANGE);
	assert_int_equal(money_sub(0, INT64_MIN, &r), ANJU_ERANGE);
	assert_int_equal(money_sub(INT64_MAX, -1, &r), ANJU_ERANGE);
	assert_int_equal(r, 42);

	assert_int_equal(money_mul(1234, 12, &r), 0);
	assert_int_equal(r, 14808);
	assert_int_equal(money_mul(-1234, 12, &r), 0);
	assert_int_equal(r, -14808);
	assert_int_equal(money_mul(INT64_MAX, -1, &r), 0);
	assert_int_equal(r, -INT64_MAX);
	assert_int_equal(money_mul(INT64_MIN, 1, &r), 0);
	assert_int_equal(r, INT64_MIN);
	assert_int_equal(money_mul(0, INT64_MIN, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(money_mul(INT64_C(4611686018427387904), -2, &r), 0);
	assert_int_equal(r, INT64_MIN);
	r = 42;
	assert_int_equal(money_mul(INT64_C(4611686018427387904), 2, &r), ANJU_ERANGE);
	assert_int_equal(money_mul(INT64_MIN, -1, &r), ANJU_ERANGE);
	assert_int_equal(money_mul(INT64_MAX, INT64_MAX, &r), ANJU_ERANGE);
	assert_int_equal(money_mul(INT64_C(3037000500), INT64_C(3037000500), &r), ANJU_ERANGE);
	assert_int_equal(r, 42);
}

struct round_case {
	int64_t a, b;
	int64_t want[6]; /* half_up, half_even, down, up, floor, ceiling */
};

static const struct round_case round_cases[] = {
	{ 25, 10, { 3, 2, 2, 3, 2, 3 } },        /* 2.5 */
	{ 15, 10, { 2, 2, 1, 2, 1, 2 } },        /* 1.5 */
	{ 35, 10, { 4, 4, 3, 4, 3, 4 } },        /* 3.5 */
	{ -25, 10, { -3, -2, -2, -3, -3, -2 } }, /* -2.5 */
	{ -15, 10, { -2, -2, -1, -2, -2, -1 } }, /* -1.5 */
	{ 24, 10, { 2, 2, 2, 3, 2, 3 } },        /* 2.4 */
	{ 26, 10, { 3, 3, 2, 3, 2, 3 } },        /* 2.6 */
	{ -24, 10, { -2, -2, -2, -3, -3, -2 } }, /* -2.4 */
	{ -26, 10, { -3, -3, -2, -3, -3, -2 } }, /* -2.6 */
	{ 20, 10, { 2, 2, 2, 2, 2, 2 } },        /* exact */
	{ -20, 10, { -2, -2, -2, -2, -2, -2 } },
	{ 0, 10, { 0, 0, 0, 0, 0, 0 } },
	{ 5, 10, { 1, 0, 0, 1, 0, 1 } },         /* 0.5 */
	{ -5, 10, { -1, 0, 0, -1, -1, 0 } },     /* -0.5 */
	{ 1, 10, { 0, 0, 0, 1, 0, 1 } },         /* 0.1 */
	{ -1, 10, { 0, 0, 0, -1, -1, 0 } },      /* -0.1 */
	{ 25, -10, { -3, -2, -2, -3, -3, -2 } }, /* the divisor's sign counts */
	{ -25, -10, { 3, 2, 2, 3, 2, 3 } },
	{ 7, 3, { 2, 2, 2, 3, 2, 3 } }, /* 2.33 */
	{ 8, 3, { 3, 3, 2, 3, 2, 3 } }, /* 2.67 */
	{ -7, 3, { -2, -2, -2, -3, -3, -2 } },
	{ INT64_MAX,
	  2,
	  { INT64_C(4611686018427387904), INT64_C(4611686018427387904),
	    INT64_C(4611686018427387903), INT64_C(4611686018427387904),
	    INT64_C(4611686018427387903), INT64_C(4611686018427387904) } },
	{ INT64_MIN,
	  2,
	  { INT64_MIN / 2, INT64_MIN / 2, INT64_MIN / 2, INT64_MIN / 2, INT64_MIN / 2,
	    INT64_MIN / 2 } },
	{ INT64_MIN, INT64_MAX, { -1, -1, -1, -2, -2, -1 } },
	{ INT64_MAX, INT64_MIN, { -1, -1, 0, -1, -1, 0 } },
	{ INT64_MIN, 1, { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN } },
	{ INT64_MAX,
	  -1,
	  { -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX } },
};

static void
test_div_round(void **state)
{
	static const enum rounding modes[6] = {
		ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_UP, ROUND_FLOOR, ROUND_CEILING,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(round_cases) / sizeof(round_cases[0]); i++) {
		const struct round_case *c = &round_cases[i];

		for (int m = 0; m < 6; m++) {
			int64_t got = div_round(c->a, c->b, modes[m]);

			if (got != c->want[m])
				fail_msg("div_round(%lld, %lld, %s) = %lld, want %lld",
					 (long long)c->a, (long long)c->b, rounding_name(modes[m]),
					 (long long)got, (long long)c->want[m]);
		}
	}
	/* Zero divisor: the contract's ANJU_EINVAL. */
	assert_int_equal(div_round(5, 0, ROUND_HALF_UP), ANJU_EINVAL);
	/* The one quotient outside int64 saturates. */
	assert_int_equal(div_round(INT64_MIN, -1, ROUND_HALF_UP), INT64_MAX);

	/* Against a brute-force reference over small values. */
	for (int64_t a = -60; a <= 60; a++) {
		for (int64_t b = -13; b <= 13; b++) {
			int64_t lo, hi;

			if (b == 0)
				continue;
			/* floor and ceiling of a/b by search */
			for (lo = -100; (lo + 1) * (b > 0 ? b : -b) <= (b > 0 ? a : -a); lo++)
				;
			hi = lo * b == a ? lo : lo + 1;
			assert_int_equal(div_round(a, b, ROUND_FLOOR), lo);
			assert_int_equal(div_round(a, b, ROUND_CEILING), hi);
			assert_int_equal(div_round(a, b, ROUND_DOWN), lo >= 0 ? lo : hi);
			assert_int_equal(div_round(a, b, ROUND_UP),
					 lo == hi ? lo : (lo >= 0 ? hi : lo));
			{
				/* twice the distance to lo against the distance between */
				int64_t d2 = 2 * (a * (b > 0 ? 1 : -1) - lo * (b > 0 ? b : -b));
				int64_t bb = b > 0 ? b : -b;
				int64_t hu, he;

				if (lo == hi)
					hu = he = lo;
				else if (d2 < bb)
					hu = he = lo;
				else if (d2 > bb)
					hu = he = hi;
				else {
					hu = lo >= 0 ? hi : lo;
					he = lo % 2 == 0 ? lo : hi;
				}
				assert_int_equal(div_round(a, b, ROUND_HALF_UP), hu);
				assert_int_equal(div_round(a, b, ROUND_HALF_EVEN), he);
			}
		}
	}
}

static void
test_mul_rate(void **state)
{
	int64_t r = 42;

	(void)state;
	assert_int_equal(money_mul_rate(10000, 500, 10000, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, 500);
	assert_int_equal(money_mul_rate(100, 1, 3, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, 33);
	assert_int_equal(money_mul_rate(100, 1, 3, ROUND_CEILING, &r), 0);
	assert_int_equal(r, 34);
	assert_int_equal(money_mul_rate(200, 1, 3, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, 67);
	assert_int_equal(money_mul_rate(200, 1, 3, ROUND_DOWN, &r), 0);
	assert_int_equal(r, 66);
	assert_int_equal(money_mul_rate(1, 5000, 10000, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, 1);
	assert_int_equal(money_mul_rate(1, 5000, 10000, ROUND_HALF_EVEN, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(money_mul_rate(3, 5000, 10000, ROUND_HALF_EVEN, &r), 0);
	assert_int_equal(r, 2);
	assert_int_equal(money_mul_rate(-1, 5000, 10000, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, -1);
	assert_int_equal(money_mul_rate(-1, 5000, 10000, ROUND_HALF_EVEN, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(money_mul_rate(-1, 5000, 10000, ROUND_FLOOR, &r), 0);
	assert_int_equal(r, -1);
	assert_int_equal(money_mul_rate(-1, 5000, 10000, ROUND_CEILING, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(money_mul_rate(1, -5000, 10000, ROUND_UP, &r), 0);
	assert_int_equal(r, -1);
	assert_int_equal(money_mul_rate(123456789, 1234567, 1000000, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, 152415678);
	assert_int_equal(money_mul_rate(123456789, 1234567, 1000000, ROUND_DOWN, &r), 0);
	assert_int_equal(r, 152415677);
	assert_int_equal(money_mul_rate(0, INT64_MAX, 1, ROUND_UP, &r), 0);
	assert_int_equal(r, 0);
	/* The product exceeds int64 but the result does not: __int128 inside. */
	assert_int_equal(money_mul_rate(INT64_MAX, INT64_MAX, INT64_MAX, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, INT64_MAX);
	assert_int_equal(money_mul_rate(INT64_MIN, INT64_MAX, INT64_MAX, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, INT64_MIN);
	assert_int_equal(money_mul_rate(INT64_MAX, 3, 4, ROUND_DOWN, &r), 0);
	assert_int_equal(r, INT64_C(6917529027641081855));
	assert_int_equal(money_mul_rate(INT64_MIN, 1, 1, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, INT64_MIN);

	r = 42;
	assert_int_equal(money_mul_rate(INT64_MAX, 2, 1, ROUND_HALF_UP, &r), ANJU_ERANGE);
	assert_int_equal(money_mul_rate(INT64_MAX, 10001, 10000, ROUND_DOWN, &r), ANJU_ERANGE);
	assert_int_equal(money_mul_rate(INT64_MIN, -1, 1, ROUND_HALF_UP, &r), ANJU_ERANGE);
	assert_int_equal(money_mul_rate(INT64_MIN, INT64_MIN, INT64_MAX, ROUND_DOWN, &r),
			 ANJU_ERANGE);
	assert_int_equal(money_mul_rate(INT64_MAX, 2000001, 2000000, ROUND_DOWN, &r), ANJU_ERANGE);
	/* Rounding alone can push past the edge: 65535 * 281479271743489 / 2 is
	 * INT64_MAX + 0.5. */
	assert_int_equal(money_mul_rate(65535, INT64_C(281479271743489), 2, ROUND_DOWN, &r), 0);
	assert_int_equal(r, INT64_MAX);
	assert_int_equal(money_mul_rate(65535, INT64_C(281479271743489), 2, ROUND_HALF_EVEN, &r),
			 ANJU_ERANGE);
	assert_int_equal(money_mul_rate(-65535, INT64_C(281479271743489), 2, ROUND_HALF_UP, &r), 0);
	assert_int_equal(r, INT64_MIN);
	assert_int_equal(money_mul_rate(-65535, INT64_C(281479271743489), 2, ROUND_CEILING, &r), 0);
	assert_int_equal(r, -INT64_MAX);
	assert_int_equal(money_mul_rate(-65535, INT64_C(281479271743489), 2, ROUND_FLOOR, &r), 0);
	assert_int_equal(r, INT64_MIN);
	r = 42;
	assert_int_equal(money_mul_rate(100, 1, 0, ROUND_HALF_UP, &r), ANJU_EINVAL);
	assert_int_equal(money_mul_rate(100, 1, -3, ROUND_HALF_UP, &r), ANJU_EINVAL);
	assert_int_equal(money_mul_rate(100, 1, 3, (enum rounding)99, &r), ANJU_EINVAL);
	assert_int_equal(r, 42);
}

static void
splits(int64_t total, const int64_t *w, size_t n, const int64_t *want)
{
	int64_t parts[16];

	assert_true(n <= 16);
	memset(parts, 0x5a, sizeof(parts));
	assert_int_equal(money_split(total, w, n, parts), 0);
	for (size_t i = 0; i < n; i++)
		if (parts[i] != want[i])
			fail_msg("split %lld: part %zu is %lld, want %lld", (long long)total, i,
				 (long long)parts[i], (long long)want[i]);
}

static void
test_split(void **state)
{
	const int64_t w111[] = { 1, 1, 1 }, w12[] = { 1, 2 }, w334[] = { 3, 3, 4 };
	const int64_t w010[] = { 0, 1, 0 }, w00[] = { 0, 0 }, wneg[] = { 1, -1 };
	const int64_t w1[] = { 7 }, wbig[] = { INT64_MAX, INT64_MAX };
	const int64_t wmax1[] = { INT64_MAX, 1 };
	const int64_t wmany[] = { INT64_MAX, INT64_MAX, INT64_MAX, 1 };
	const int64_t w0101[] = { 0, 1, 0, 1 };
	int64_t parts[4] = { 42, 42, 42, 42 };

	(void)state;
	splits(100, w111, 3, (const int64_t[]){ 34, 33, 33 });
	splits(101, w111, 3, (const int64_t[]){ 34, 34, 33 });
	splits(99, w111, 3, (const int64_t[]){ 33, 33, 33 });
	splits(1, w111, 3, (const int64_t[]){ 1, 0, 0 });
	splits(2, w111, 3, (const int64_t[]){ 1, 1, 0 });
	splits(0, w111, 3, (const int64_t[]){ 0, 0, 0 });
	splits(-100, w111, 3, (const int64_t[]){ -34, -33, -33 });
	splits(-101, w111, 3, (const int64_t[]){ -34, -34, -33 });
	splits(-1, w111, 3, (const int64_t[]){ -1, 0, 0 });
	splits(100, w12, 2, (const int64_t[]){ 33, 67 });
	splits(-100, w12, 2, (const int64_t[]){ -33, -67 });
	splits(7, w334, 3, (const int64_t[]){ 2, 2, 3 });
	splits(10, w334, 3, (const int64_t[]){ 3, 3, 4 });
	splits(10, w010, 3, (const int64_t[]){ 0, 10, 0 });
	splits(-10, w010, 3, (const int64_t[]){ 0, -10, 0 });
	splits(3, w0101, 4, (const int64_t[]){ 0, 2, 0, 1 });
	splits(12345, w1, 1, (const int64_t[]){ 12345 });
	splits(INT64_MAX, w1, 1, (const int64_t[]){ INT64_MAX });
	splits(INT64_MIN, w1, 1, (const int64_t[]){ INT64_MIN });
	splits(INT64_MAX, wbig, 2,
	       (const int64_t[]){ INT64_C(4611686018427387904), INT64_C(4611686018427387903) });
	splits(INT64_MIN, wbig, 2, (const int64_t[]){ INT64_MIN / 2, INT64_MIN / 2 });
	splits(INT64_MIN, wmax1, 2, (const int64_t[]){ INT64_MIN + 1, -1 });
	splits(INT64_MAX, wmax1, 2, (const int64_t[]){ INT64_MAX - 1, 1 });
	/* The weights add up past int64. */
	splits(INT64_MAX, wmany, 4,
	       (const int64_t[]){ INT64_C(3074457345618258602), INT64_C(3074457345618258602),
				  INT64_C(3074457345618258602), 1 });

	assert_int_equal(money_split(10, w00, 2, parts), ANJU_EINVAL);
	assert_int_equal(money_split(10, wneg, 2, parts), ANJU_EINVAL);
	assert_int_equal(money_split(10, w111, 0, parts), ANJU_EINVAL);
	assert_int_equal(money_split(10, NULL, 3, parts), ANJU_EINVAL);
	assert_int_equal(money_split(10, w111, 3, NULL), ANJU_EINVAL);
	assert_int_equal(money_split(0, w00, 2, parts), ANJU_EINVAL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(parts[i], 42);
}

/* Random splits: the parts add up, each is within one fen of its exact
 * share, and zero weights get nothing. */
static void
test_split_random(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	int64_t w[40], parts[40];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n;
		int64_t total;
		__int128 sum = 0, wsum = 0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 1 + x % 40;
		total = (int64_t)(x >> (x % 64)) * ((x >> 7) & 1 ? -1 : 1);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			w[i] = (x & 3) == 0 ? 0 : (int64_t)(x >> (1 + x % 63));
			wsum += w[i];
		}
		if (wsum == 0)
			w[0] = wsum = 1;
		assert_int_equal(money_split(total, w, n, parts), 0);
		for (size_t i = 0; i < n; i++) {
			__int128 exact_num = (__int128)total * w[i];
			__int128 p = (__int128)parts[i] * wsum;

			sum += parts[i];
			if (w[i] == 0)
				assert_int_equal(parts[i], 0);
			/* |part - total * w / wsum| < 1 */
			assert_true(p - exact_num < wsum && exact_num - p < wsum);
			assert_true(total >= 0 ? parts[i] >= 0 : parts[i] <= 0);
		}
		assert_true(sum == total);
	}
}

struct words_case {
	int64_t fen;
	const char *want;
};

static const struct words_case words_cases[] = {
	{ 123450, "壹仟贰佰叁拾肆元伍角整" },
	{ 100005, "壹仟元零伍分" },
	{ 0, "零元整" },
	{ 5, "伍分" },
	{ 1, "壹分" },
	{ 15, "壹角伍分" },
	{ 10, "壹角整" },
	{ 100, "壹元整" },
	{ 101, "壹元零壹分" },
	{ 110, "壹元壹角整" },
	{ 111, "壹元壹角壹分" },
	{ 1000, "壹拾元整" },
	{ 1100, "壹拾壹元整" },
	{ 11000, "壹佰壹拾元整" },
	{ 10000, "壹佰元整" },
	{ 101000, "壹仟零壹拾元整" },
	{ 140950, "壹仟肆佰零玖元伍角整" },
	{ 101100, "壹仟零壹拾壹元整" },
	{ 10000011000, "壹亿零壹佰壹拾元整" },
	{ 1001100000, "壹仟零壹万壹仟元整" },
	{ 600714, "陆仟零柒元壹角肆分" },
	{ 168032, "壹仟陆佰捌拾元叁角贰分" },
	{ 1640902, "壹万陆仟肆佰零玖元零贰分" },
	{ 32504, "叁佰贰拾伍元零肆分" },
	{ 2000000, "贰万元整" },
	{ 2000100, "贰万零壹元整" },
	{ 10000000, "壹拾万元整" },
	{ 10010000, "壹拾万零壹佰元整" },
	{ 10500000, "壹拾万伍仟元整" },
	{ 10700053, "壹拾万柒仟元伍角叁分" },
	{ 100000000, "壹佰万元整" },
	{ 100100000, "壹佰万壹仟元整" },
	{ 100010000, "壹佰万零壹佰元整" },
	{ 10000000000, "壹亿元整" },
	{ 10000000100, "壹亿零壹元整" },
	{ 10001000000, "壹亿零壹万元整" },
	{ 10000500000, "壹亿零伍仟元整" },
	{ 11000000000, "壹亿壹仟万元整" },
	{ 10100000000, "壹亿零壹佰万元整" },
	{ 100200300405, "壹拾亿零贰佰万叁仟零肆元零伍分" },
	{ 99999999999, "玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分" },
	{ INT64_C(100000000000000), "壹万亿元整" },
	{ INT64_C(100000100000000), "壹万亿零壹佰万元整" },
	{ INT64_C(1000000000000000000), "壹亿亿元整" },
	{ INT64_C(1000000000000000100), "壹亿亿零壹元整" },
	{ -123450, "负壹仟贰佰叁拾肆元伍角整" },
	{ -5, "负伍分" },
	{ -100005, "负壹仟元零伍分" },
	{ INT64_MAX, "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分" },
	{ INT64_MIN, "负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分" },
};

static void
test_words(void **state)
{
	char out[MONEY_WORDS_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(words_cases) / sizeof(words_cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		money_in_words(words_cases[i].fen, out);
		if (strcmp(out, words_cases[i].want) != 0)
			fail_msg("%lld fen: got %s, want %s", (long long)words_cases[i].fen, out,
				 words_cases[i].want);
	}
}

/* Invariants over many values: one 零 at a time, never at either end of the
 * integer part, 整 exactly when there is no 分, and the buffer is enough. */
static void
test_words_shape(void **state)
{
	uint64_t x = 1;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		char out[MONEY_WORDS_MAX];
		int64_t v;
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = (int64_t)(x >> (x % 64));
		money_in_words(v, out);
		n = strlen(out);
		assert_true(n > 0 && n < MONEY_WORDS_MAX - 1);
		if (v == 0)
			continue;
		assert_null(strstr(out, "零零"));
		assert_null(strstr(out, "零元"));
		assert_null(strstr(out, "零万"));
		assert_null(strstr(out, "零亿"));
		assert_false(strncmp(out, "零", strlen("零")) == 0);
		if (v % 10 == 0)
			assert_string_equal(out + n - strlen("整"), "整");
		else
			assert_string_equal(out + n - strlen("分"), "分");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounding_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_add_sub_mul),
		cmocka_unit_test(test_div_round),
		cmocka_unit_test(test_mul_rate),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_random),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_words_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
