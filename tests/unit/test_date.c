/*
 * Unit tests of core/date.c: the calendar, day numbers, months with the
 * end-of-month rule, periods, quarters, UTC instants and the Shanghai day.
 * Expected values were computed independently (Python's datetime) or come
 * from a day-by-day walk over the whole range 0001-01-01 .. 9999-12-31.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "core/date.h"
#include "core/err.h"

static struct date
D(int y, int m, int d) {
	return (struct date){ y, m, d };
}

static void
assert_date(struct date got, int y, int m, int d)
{
	char g[DATE_FMT_LEN];

	if (got.y != y || got.m != m || got.d != d) {
		date_format(got, g);
		fail_msg("got %s (%d,%d,%d), want %04d-%02d-%02d", g, got.y, got.m, got.d, y, m, d);
	}
}

static void
assert_none(struct date got)
{
	assert_int_equal(got.y, 0);
	assert_int_equal(got.m, 0);
	assert_int_equal(got.d, 0);
	assert_false(date_valid(got));
}

static int64_t
parse_time(const char *s)
{
	int64_t us = 0;

	assert_int_equal(time_parse_utc(str_c(s), &us), 0);
	return us;
}

static void
test_leap(void **state)
{
	(void)state;
	assert_false(date_is_leap(1900));
	assert_true(date_is_leap(2000));
	assert_true(date_is_leap(2024));
	assert_false(date_is_leap(2023));
	assert_false(date_is_leap(2026));
	assert_false(date_is_leap(2100));
	assert_true(date_is_leap(1600));
	assert_true(date_is_leap(4));
	assert_false(date_is_leap(1));
	assert_true(date_is_leap(9996));
}

static void
test_days_in_month(void **state)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	(void)state;
	for (int m = 1; m <= 12; m++)
		assert_int_equal(date_days_in_month(2026, m), days[m - 1]);
	assert_int_equal(date_days_in_month(1900, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2026, 0), 0);
	assert_int_equal(date_days_in_month(2026, 13), 0);
	assert_int_equal(date_days_in_month(2026, -1), 0);
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(date_valid(D(2024, 2, 29)));
	assert_false(date_valid(D(2026, 2, 29)));
	assert_false(date_valid(D(1900, 2, 29)));
	assert_true(date_valid(D(2000, 2, 29)));
	assert_false(date_valid(D(2026, 2, 30)));
	assert_false(date_valid(D(2026, 4, 31)));
	assert_true(date_valid(D(1, 1, 1)));
	assert_true(date_valid(D(9999, 12, 31)));
	assert_false(date_valid(D(0, 12, 31)));
	assert_false(date_valid(D(10000, 1, 1)));
	assert_false(date_valid(D(2026, 0, 1)));
	assert_false(date_valid(D(2026, 13, 1)));
	assert_false(date_valid(D(2026, 1, 0)));
	assert_false(date_valid(D(2026, 1, 32)));
	assert_false(date_valid(D(-2026, 1, 1)));
}

static void
test_days_known(void **state)
{
	(void)state;
	assert_int_equal(date_to_days(D(1970, 1, 1)), 0);
	assert_int_equal(date_to_days(D(1969, 12, 31)), -1);
	assert_int_equal(date_to_days(D(1970, 1, 2)), 1);
	assert_int_equal(date_to_days(D(2000, 1, 1)), 10957);
	assert_int_equal(date_to_days(D(2024, 2, 29)), 19782);
	assert_int_equal(date_to_days(D(2026, 11, 28)), 20785);
	assert_int_equal(date_to_days(D(1900, 3, 1)), -25508);
	assert_int_equal(date_to_days(D(1, 1, 1)), -719162);
	assert_int_equal(date_to_days(D(9999, 12, 31)), 2932896);
	assert_date(date_from_days(0), 1970, 1, 1);
	assert_date(date_from_days(-1), 1969, 12, 31);
	assert_date(date_from_days(19782), 2024, 2, 29);
	assert_date(date_from_days(-719162), 1, 1, 1);
	assert_date(date_from_days(2932896), 9999, 12, 31);
	assert_none(date_from_days(-719163));
	assert_none(date_from_days(2932897));
	assert_none(date_from_days(INT64_MIN));
	assert_none(date_from_days(INT64_MAX));
}

/* Walks every day of years 1..9999 one at a time, the obvious way. */
static void
test_days_walk(void **state)
{
	struct date d = D(1, 1, 1);
	int64_t n = -719162;
	int wd = 1; /* 0001-01-01 was a Monday (proleptic Gregorian) */

	(void)state;
	for (;;) {
		struct date back = date_from_days(n);

		if (date_to_days(d) != n || back.y != d.y || back.m != d.m || back.d != d.d ||
		    date_weekday(d) != wd)
			fail_msg("mismatch at %d-%d-%d (day %lld)", d.y, d.m, d.d, (long long)n);
		if (d.y == 9999 && d.m == 12 && d.d == 31)
			break;
		if (d.d < date_days_in_month(d.y, d.m)) {
			d.d++;
		} else if (d.m < 12) {
			d.m++;
			d.d = 1;
		} else {
			d.y++;
			d.m = 1;
			d.d = 1;
		}
		n++;
		wd = wd % 7 + 1;
	}
	assert_int_equal(n, 2932896);
}

static void
test_weekday(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(D(1970, 1, 1)), 4);
	assert_int_equal(date_weekday(D(2000, 1, 1)), 6);
	assert_int_equal(date_weekday(D(2024, 2, 29)), 4);
	assert_int_equal(date_weekday(D(2026, 11, 28)), 6);
	assert_int_equal(date_weekday(D(2026, 11, 29)), 7);
	assert_int_equal(date_weekday(D(2026, 11, 30)), 1);
	assert_int_equal(date_weekday(D(2026, 1, 1)), 4);
	assert_int_equal(date_weekday(D(1, 1, 1)), 1);
	assert_int_equal(date_weekday(D(9999, 12, 31)), 5);
	assert_int_equal(date_weekday(D(1969, 12, 31)), 3);
}

static void
test_parse_format(void **state)
{
	static const char *const bad[] = {
		"2026-2-1",
		"2026-02-1",
		"2026-2-01",
		"2026-02-30",
		"2026-02-29",
		"1900-02-29",
		"2026-13-01",
		"2026-00-10",
		"2026-02-00",
		"2026-04-31",
		"0000-01-01",
		"2026-02-01x",
		" 2026-02-01",
		"2026-02-01 ",
		"2026/02/01",
		"20260201",
		"",
		"2026-0a-01",
		"+026-02-01",
		"-026-02-01",
		"2026-02-01T00:00:00Z",
		"2026--2-01",
		"２０２６-02-01",
		"10000-01-01",
	};
	struct date d = D(7, 7, 7);
	char out[DATE_FMT_LEN];

	(void)state;
	assert_int_equal(date_parse(STR_LIT("2026-11-28"), &d), 0);
	assert_date(d, 2026, 11, 28);
	assert_int_equal(date_parse(STR_LIT("2024-02-29"), &d), 0);
	assert_date(d, 2024, 2, 29);
	assert_int_equal(date_parse(STR_LIT("2000-02-29"), &d), 0);
	assert_int_equal(date_parse(STR_LIT("0001-01-01"), &d), 0);
	assert_date(d, 1, 1, 1);
	assert_int_equal(date_parse(STR_LIT("9999-12-31"), &d), 0);
	assert_date(d, 9999, 12, 31);
	/* A slice of a longer string: only its 10 bytes count. */
	assert_int_equal(date_parse((struct str){ "2026-03-04T05:06:07Z", 10 }, &d), 0);
	assert_date(d, 2026, 3, 4);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = D(7, 7, 7);
		if (date_parse(str_c(bad[i]), &d) != ANJU_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_date(d, 7, 7, 7); /* untouched on failure */
	}
	/* An embedded NUL is junk, not an end. */
	assert_int_equal(date_parse((struct str){ "2026-02\0001", 10 }, &d), ANJU_EINVAL);

	date_format(D(2026, 11, 28), out);
	assert_string_equal(out, "2026-11-28");
	date_format(D(1, 2, 3), out);
	assert_string_equal(out, "0001-02-03");
	date_format(D(9999, 12, 31), out);
	assert_string_equal(out, "9999-12-31");

	/* Round trip over a sample of the whole range. */
	for (int64_t n = -719162; n <= 2932896; n += 997) {
		struct date a = date_from_days(n), b;

		date_format(a, out);
		assert_int_equal(strlen(out), 10);
		assert_int_equal(date_parse(str_c(out), &b), 0);
		assert_int_equal(date_cmp(a, b), 0);
	}
}

static void
test_cmp(void **state)
{
	(void)state;
	assert_int_equal(date_cmp(D(2026, 1, 1), D(2026, 1, 1)), 0);
	assert_true(date_cmp(D(2026, 1, 1), D(2026, 1, 2)) < 0);
	assert_true(date_cmp(D(2026, 1, 31), D(2026, 2, 1)) < 0);
	assert_true(date_cmp(D(2025, 12, 31), D(2026, 1, 1)) < 0);
	assert_true(date_cmp(D(2026, 1, 2), D(2026, 1, 1)) > 0);
	assert_true(date_cmp(D(2027, 1, 1), D(2026, 12, 31)) > 0);
}

static void
test_add_days(void **state)
{
	(void)state;
	assert_date(date_add_days(D(2026, 12, 31), 1), 2027, 1, 1);
	assert_date(date_add_days(D(2027, 1, 1), -1), 2026, 12, 31);
	assert_date(date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
	assert_date(date_add_days(D(2024, 2, 29), 1), 2024, 3, 1);
	assert_date(date_add_days(D(2026, 2, 28), 1), 2026, 3, 1);
	assert_date(date_add_days(D(1900, 2, 28), 1), 1900, 3, 1);
	assert_date(date_add_days(D(2000, 2, 28), 1), 2000, 2, 29);
	assert_date(date_add_days(D(2026, 1, 1), 0), 2026, 1, 1);
	assert_date(date_add_days(D(2026, 1, 1), 365), 2027, 1, 1);
	assert_date(date_add_days(D(2024, 1, 1), 366), 2025, 1, 1);
	assert_date(date_add_days(D(1, 1, 1), 2932896 + 719162), 9999, 12, 31);
	assert_date(date_add_days(D(9999, 12, 31), -(2932896 + 719162)), 1, 1, 1);
	assert_none(date_add_days(D(1, 1, 1), -1));
	assert_none(date_add_days(D(9999, 12, 31), 1));
	assert_none(date_add_days(D(2026, 1, 1), INT64_MAX));
	assert_none(date_add_days(D(2026, 1, 1), INT64_MIN));
	assert_none(date_add_days(D(2026, 2, 30), 1));
}

static void
test_add_months(void **state)
{
	(void)state;
	assert_date(date_add_months(D(2024, 1, 31), 1), 2024, 2, 29);
	assert_date(date_add_months(D(2026, 1, 31), 1), 2026, 2, 28);
	assert_date(date_add_months(D(2026, 1, 31), 2), 2026, 3, 31);
	assert_date(date_add_months(D(2026, 1, 31), 3), 2026, 4, 30);
	assert_date(date_add_months(D(2026, 3, 31), -1), 2026, 2, 28);
	assert_date(date_add_months(D(2024, 3, 31), -1), 2024, 2, 29);
	assert_date(date_add_months(D(2026, 3, 30), -1), 2026, 2, 28);
	assert_date(date_add_months(D(2026, 1, 15), -1), 2025, 12, 15);
	assert_date(date_add_months(D(2026, 12, 15), 1), 2027, 1, 15);
	assert_date(date_add_months(D(2024, 2, 29), 12), 2025, 2, 28);
	assert_date(date_add_months(D(2024, 2, 29), 48), 2028, 2, 29);
	assert_date(date_add_months(D(2024, 2, 29), -12), 2023, 2, 28);
	assert_date(date_add_months(D(2026, 1, 31), 12), 2027, 1, 31);
	assert_date(date_add_months(D(2026, 1, 31), 13), 2027, 2, 28);
	assert_date(date_add_months(D(2027, 1, 31), 13), 2028, 2, 29);
	assert_date(date_add_months(D(2026, 5, 15), -17), 2024, 12, 15);
	assert_date(date_add_months(D(2023, 12, 31), 2), 2024, 2, 29);
	assert_date(date_add_months(D(2026, 8, 31), 1), 2026, 9, 30);
	assert_date(date_add_months(D(2026, 7, 7), 0), 2026, 7, 7);
	assert_date(date_add_months(D(2026, 1, 15), -24300), 1, 1, 15);
	assert_date(date_add_months(D(1, 1, 15), 119987), 9999, 12, 15);
	assert_none(date_add_months(D(2026, 1, 15), -24301));
	assert_none(date_add_months(D(9999, 12, 1), 1));
	assert_none(date_add_months(D(1, 1, 1), -1));
	assert_none(date_add_months(D(2026, 1, 15), INT_MIN));
	assert_none(date_add_months(D(2026, 1, 15), INT_MAX));
	assert_none(date_add_months(D(2026, 2, 30), 1));
	/* Adding month by month is not adding at once: the day stays clamped. */
	assert_date(date_add_months(date_add_months(D(2026, 1, 31), 1), 1), 2026, 3, 28);
}

static void
test_months_between(void **state)
{
	(void)state;
	assert_int_equal(date_months_between(D(2026, 1, 15), D(2026, 1, 15)), 0);
	assert_int_equal(date_months_between(D(2026, 1, 15), D(2026, 2, 14)), 0);
	assert_int_equal(date_months_between(D(2026, 1, 15), D(2026, 2, 15)), 1);
	assert_int_equal(date_months_between(D(2026, 1, 31), D(2026, 2, 28)), 1);
	assert_int_equal(date_months_between(D(2026, 1, 31), D(2026, 2, 27)), 0);
	assert_int_equal(date_months_between(D(2024, 1, 31), D(2024, 2, 28)), 0);
	assert_int_equal(date_months_between(D(2024, 1, 31), D(2024, 2, 29)), 1);
	assert_int_equal(date_months_between(D(2024, 2, 29), D(2025, 2, 28)), 12);
	assert_int_equal(date_months_between(D(2026, 1, 1), D(2031, 1, 1)), 60);
	assert_int_equal(date_months_between(D(2026, 1, 2), D(2031, 1, 1)), 59);
	assert_int_equal(date_months_between(D(2026, 1, 15), D(2026, 1, 14)), -1);
	assert_int_equal(date_months_between(D(2026, 3, 31), D(2026, 2, 28)), -1);
	assert_int_equal(date_months_between(D(2026, 3, 31), D(2026, 2, 27)), -2);
	assert_int_equal(date_months_between(D(1, 1, 1), D(9999, 12, 31)), 119987);
	assert_int_equal(date_months_between(D(9999, 12, 31), D(1, 1, 1)), -119988);

	/* The defining property on a grid of pairs. */
	for (int64_t x = 19000; x < 21000; x += 37) {
		for (int64_t y = 18000; y < 22000; y += 53) {
			struct date a = date_from_days(x), b = date_from_days(y);
			int n = date_months_between(a, b);

			assert_true(date_cmp(date_add_months(a, n), b) <= 0);
			assert_true(date_cmp(date_add_months(a, n + 1), b) > 0);
		}
	}
}

static void
test_periods(void **state)
{
	static const char *const bad[] = {
		"2026-1", "2026-13", "2026-00",  "0000-01",  "2026-11-01", "2026/11",
		"",       "202611",  " 2026-11", "2026-11 ", "2026-1a",    "-026-11",
	};
	struct period p = { 7, 7 };
	char out[PERIOD_FMT_LEN];

	(void)state;
	p = period_of(D(2026, 11, 28));
	assert_int_equal(p.y, 2026);
	assert_int_equal(p.m, 11);
	assert_int_equal(period_parse(STR_LIT("2026-11"), &p), 0);
	assert_int_equal(p.y, 2026);
	assert_int_equal(p.m, 11);
	assert_int_equal(period_parse(STR_LIT("0001-01"), &p), 0);
	assert_int_equal(period_parse(STR_LIT("9999-12"), &p), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = (struct period){ 7, 7 };
		if (period_parse(str_c(bad[i]), &p) != ANJU_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(p.y, 7);
	}
	period_format((struct period){ 2026, 3 }, out);
	assert_string_equal(out, "2026-03");
	period_format((struct period){ 1, 1 }, out);
	assert_string_equal(out, "0001-01");

	p = period_add((struct period){ 2026, 12 }, 1);
	assert_true(p.y == 2027 && p.m == 1);
	p = period_add((struct period){ 2026, 1 }, -1);
	assert_true(p.y == 2025 && p.m == 12);
	p = period_add((struct period){ 2026, 1 }, -12);
	assert_true(p.y == 2025 && p.m == 1);
	p = period_add((struct period){ 2026, 1 }, -13);
	assert_true(p.y == 2024 && p.m == 12);
	p = period_add((struct period){ 2026, 11 }, 25);
	assert_true(p.y == 2028 && p.m == 12);
	p = period_add((struct period){ 2026, 5 }, 0);
	assert_true(p.y == 2026 && p.m == 5);
	p = period_add((struct period){ 2026, 1 }, -24300);
	assert_true(p.y == 1 && p.m == 1);

	assert_int_equal(period_cmp((struct period){ 2026, 1 }, (struct period){ 2026, 1 }), 0);
	assert_true(period_cmp((struct period){ 2026, 1 }, (struct period){ 2026, 2 }) < 0);
	assert_true(period_cmp((struct period){ 2025, 12 }, (struct period){ 2026, 1 }) < 0);
	assert_true(period_cmp((struct period){ 2027, 1 }, (struct period){ 2026, 12 }) > 0);

	assert_date(period_first_day((struct period){ 2026, 2 }), 2026, 2, 1);
	assert_date(period_last_day((struct period){ 2026, 2 }), 2026, 2, 28);
	assert_date(period_last_day((struct period){ 2024, 2 }), 2024, 2, 29);
	assert_date(period_last_day((struct period){ 1900, 2 }), 1900, 2, 28);
	assert_date(period_last_day((struct period){ 2000, 2 }), 2000, 2, 29);
	assert_date(period_last_day((struct period){ 2026, 4 }), 2026, 4, 30);
	assert_date(period_last_day((struct period){ 2026, 12 }), 2026, 12, 31);
}

static void
test_quarters(void **state)
{
	static const int want[12] = { 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4 };
	static const char *const bad[] = {
		"2026-Q0", "2026-Q5", "2026-q1", "2026Q1",   "2026-Q12", "2026-Q",
		"2026-1",  "0000-Q1", "",        "2026-Q1 ", "2026-QQ",
	};
	char out[QUARTER_FMT_LEN];
	int y = 7, q = 7;

	(void)state;
	for (int m = 1; m <= 12; m++)
		assert_int_equal(date_quarter(D(2026, m, 15)), want[m - 1]);
	for (int n = 1; n <= 4; n++) {
		char s[QUARTER_FMT_LEN];

		quarter_format(2026, n, s);
		assert_int_equal(quarter_parse(str_c(s), &y, &q), 0);
		assert_int_equal(y, 2026);
		assert_int_equal(q, n);
	}
	quarter_format(2026, 4, out);
	assert_string_equal(out, "2026-Q4");
	quarter_format(1, 1, out);
	assert_string_equal(out, "0001-Q1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		y = q = 7;
		if (quarter_parse(str_c(bad[i]), &y, &q) != ANJU_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(y, 7);
		assert_int_equal(q, 7);
	}
	assert_date(quarter_first_day(2026, 1), 2026, 1, 1);
	assert_date(quarter_last_day(2026, 1), 2026, 3, 31);
	assert_date(quarter_first_day(2026, 2), 2026, 4, 1);
	assert_date(quarter_last_day(2026, 2), 2026, 6, 30);
	assert_date(quarter_first_day(2026, 3), 2026, 7, 1);
	assert_date(quarter_last_day(2026, 3), 2026, 9, 30);
	assert_date(quarter_first_day(2026, 4), 2026, 10, 1);
	assert_date(quarter_last_day(2026, 4), 2026, 12, 31);
	/* Every day of a leap year falls in its own quarter's span. */
	for (int64_t n = date_to_days(D(2024, 1, 1)); n <= date_to_days(D(2024, 12, 31)); n++) {
		struct date d = date_from_days(n);
		int qq = date_quarter(d);

		assert_true(date_cmp(quarter_first_day(2024, qq), d) <= 0);
		assert_true(date_cmp(d, quarter_last_day(2024, qq)) <= 0);
	}
}

static void
test_time_format(void **state)
{
	char out[TIME_FMT_LEN];

	(void)state;
	time_format_utc(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
	time_format_utc(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
	time_format_utc(INT64_C(1795849391123456), out);
	assert_string_equal(out, "2026-11-28T07:03:11.123456Z");
	time_format_utc(INT64_C(1795849391000000), out);
	assert_string_equal(out, "2026-11-28T07:03:11.000000Z");
	time_format_utc(INT64_C(951782400000000), out);
	assert_string_equal(out, "2000-02-29T00:00:00.000000Z");
	/* Outside years 1..9999 the text is clamped, never longer. */
	time_format_utc(INT64_MIN, out);
	assert_string_equal(out, "0001-01-01T00:00:00.000000Z");
	time_format_utc(INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999999Z");
	assert_int_equal(parse_time("0001-01-01T00:00:00Z"), INT64_C(-719162) * 86400000000);
	assert_int_equal(parse_time("9999-12-31T23:59:59.999999Z"),
			 INT64_C(2932897) * 86400000000 - 1);
}

static void
test_time_parse(void **state)
{
	static const char *const bad[] = {
		"2026-11-28T07:03:11", /* no Z */
		"2026-11-28T07:03:11z",
		"2026-11-28 07:03:11Z",
		"2026-11-28t07:03:11Z",
		"2026-11-28T07:03:11.Z",
		"2026-11-28T07:03:11.1234567Z",
		"2026-11-28T07:03:11.12a456Z",
		"2026-11-28T07:03:11,123Z",
		"2026-11-28T07:03:11+08:00",
		"2026-11-28T07:03:11.123456+00:00",
		"2026-11-28T07:03:11.123456Zx",
		"2026-11-28T07:03:11.123456ZZ",
		" 2026-11-28T07:03:11Z",
		"2026-11-28T24:00:00Z",
		"2026-11-28T23:60:00Z",
		"2026-11-28T23:59:60Z",
		"2026-11-28T7:03:11Z",
		"2026-11-28T07:3:11Z",
		"2026-11-28T07-03-11Z",
		"2026-02-30T07:03:11Z",
		"2026-2-28T07:03:11.000Z",
		"0000-01-01T00:00:00Z",
		"2026-11-28Z",
		"2026-11-28T07:03Z",
		"Z",
		"",
	};
	int64_t us = 42;
	char out[TIME_FMT_LEN];

	(void)state;
	assert_int_equal(parse_time("2026-11-28T07:03:11.123456Z"), INT64_C(1795849391123456));
	assert_int_equal(parse_time("2026-11-28T07:03:11Z"), INT64_C(1795849391000000));
	assert_int_equal(parse_time("2026-11-28T07:03:11.123Z"), INT64_C(1795849391123000));
	assert_int_equal(parse_time("2026-11-28T07:03:11.000Z"), INT64_C(1795849391000000));
	assert_int_equal(parse_time("2026-11-28T07:03:11.5Z"), INT64_C(1795849391500000));
	assert_int_equal(parse_time("2026-11-28T07:03:11.05Z"), INT64_C(1795849391050000));
	assert_int_equal(parse_time("2026-11-28T07:03:11.0001Z"), INT64_C(1795849391000100));
	assert_int_equal(parse_time("2026-11-28T07:03:11.00001Z"), INT64_C(1795849391000010));
	assert_int_equal(parse_time("2026-11-28T07:03:11.000001Z"), INT64_C(1795849391000001));
	assert_int_equal(parse_time("1969-12-31T23:59:59.999999Z"), -1);
	assert_int_equal(parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_time("2024-02-29T23:59:59Z"), INT64_C(1709251199000000));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		us = 42;
		if (time_parse_utc(str_c(bad[i]), &us) != ANJU_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(us, 42);
	}

	/* Round trips with 6, 3 and 0 fraction digits over a wide range. */
	for (int64_t t = INT64_C(-62135596800000000); t < INT64_C(253402300800000000);
	     t += INT64_C(987654321987)) {
		int64_t v = t + (t / 7 % 1000000 + 1000000) % 1000000, back;
		char ms[TIME_FMT_LEN], whole[TIME_FMT_LEN];

		time_format_utc(v, out);
		assert_int_equal(strlen(out), 27);
		assert_int_equal(time_parse_utc(str_c(out), &back), 0);
		assert_int_equal(back, v);

		/* "…SS.mmmZ": the same instant truncated to milliseconds. */
		memcpy(ms, out, 23);
		ms[23] = 'Z';
		ms[24] = '\0';
		assert_int_equal(time_parse_utc(str_c(ms), &back), 0);
		assert_int_equal(back, v - (v % 1000 + 1000) % 1000);

		/* "…SSZ": truncated to seconds. */
		memcpy(whole, out, 19);
		whole[19] = 'Z';
		whole[20] = '\0';
		assert_int_equal(time_parse_utc(str_c(whole), &back), 0);
		assert_int_equal(back, v - (v % 1000000 + 1000000) % 1000000);
	}
}

static void
test_now(void **state)
{
	int64_t a, b;
	struct date today;

	(void)state;
	a = time_now_us();
	b = time_now_us();
	assert_true(a > parse_time("2024-01-01T00:00:00Z"));
	assert_true(a < parse_time("2200-01-01T00:00:00Z"));
	assert_true(b >= a);
	today = date_today_shanghai();
	assert_true(date_valid(today));
	/* Allow for midnight passing between the calls. */
	{
		int64_t diff = date_to_days(today) - date_to_days(date_in_shanghai(a));

		assert_true(diff == 0 || diff == 1);
	}
}

static void
test_shanghai(void **state)
{
	(void)state;
	assert_date(date_in_shanghai(parse_time("2026-11-27T16:00:00Z")), 2026, 11, 28);
	assert_date(date_in_shanghai(parse_time("2026-11-27T15:59:59.999999Z")), 2026, 11, 27);
	assert_date(date_in_shanghai(parse_time("2026-11-28T15:59:59.999999Z")), 2026, 11, 28);
	assert_date(date_in_shanghai(parse_time("2026-11-28T00:00:00Z")), 2026, 11, 28);
	assert_date(date_in_shanghai(parse_time("2026-12-31T16:00:00Z")), 2027, 1, 1);
	assert_date(date_in_shanghai(parse_time("2024-02-28T16:00:00Z")), 2024, 2, 29);
	assert_date(date_in_shanghai(0), 1970, 1, 1);
	assert_date(date_in_shanghai(parse_time("1969-12-31T16:00:00Z")), 1970, 1, 1);
	assert_date(date_in_shanghai(parse_time("1969-12-31T15:59:59.999999Z")), 1969, 12, 31);
	assert_date(date_in_shanghai(parse_time("0001-01-01T00:00:00Z")), 1, 1, 1);
	assert_date(date_in_shanghai(parse_time("9999-12-31T15:59:59.999999Z")), 9999, 12, 31);
	/* Past the end of year 9999 there is no date, but no overflow either. */
	assert_none(date_in_shanghai(parse_time("9999-12-31T16:00:00Z")));
	assert_none(date_in_shanghai(INT64_MAX));
	assert_none(date_in_shanghai(INT64_MIN));

	assert_int_equal(shanghai_to_utc_us(D(2026, 11, 28), 0, 0),
			 parse_time("2026-11-27T16:00:00Z"));
	assert_int_equal(shanghai_to_utc_us(D(2026, 11, 28), 8, 30),
			 parse_time("2026-11-28T00:30:00Z"));
	assert_int_equal(shanghai_to_utc_us(D(2026, 11, 28), 23, 59),
			 parse_time("2026-11-28T15:59:00Z"));
	assert_int_equal(shanghai_to_utc_us(D(2026, 11, 28), 24, 0),
			 shanghai_to_utc_us(D(2026, 11, 29), 0, 0));
	assert_int_equal(shanghai_to_utc_us(D(1970, 1, 1), 8, 0), 0);
	/* Midnight in Shanghai is the first instant of that civil date. */
	for (int64_t n = -719162; n <= 2932896; n += 811) {
		struct date d = date_from_days(n);
		int64_t t = shanghai_to_utc_us(d, 0, 0);

		assert_int_equal(date_cmp(date_in_shanghai(t), d), 0);
		if (n > -719162)
			assert_int_equal(date_to_days(date_in_shanghai(t - 1)), n - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leap),           cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_valid),          cmocka_unit_test(test_days_known),
		cmocka_unit_test(test_days_walk),      cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_parse_format),   cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_add_days),       cmocka_unit_test(test_add_months),
		cmocka_unit_test(test_months_between), cmocka_unit_test(test_periods),
		cmocka_unit_test(test_quarters),       cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),     cmocka_unit_test(test_now),
		cmocka_unit_test(test_shanghai),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
