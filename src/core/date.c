/*
 * Civil dates, periods, quarters and UTC instants.  See date.h.
 *
 * Day numbers use the proleptic Gregorian algorithms of Howard Hinnant
 * ("chrono-compatible low-level date algorithms"): they need no tables, no
 * loops and no libc time zone, so the same day number comes out on every
 * machine whatever TZ says.  Everything is integer arithmetic in int64_t.
 *
 * The functions that return a struct date cannot report an error; when their
 * result would fall outside years 1..9999 (or their input is not a valid
 * date) they return {0, 0, 0}, which date_valid() rejects, instead of a date
 * that only looks right.
 */
#include "core/date.h"

#include <time.h>

#include "core/err.h"

#define US_PER_S   INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_S)
#define DAYS_MIN   INT64_C(-719162) /* 0001-01-01 */
#define DAYS_MAX   INT64_C(2932896) /* 9999-12-31 */

static const struct date date_none = { 0, 0, 0 };

/* Floor division and its remainder (the remainder has the divisor's sign);
 * C's '/' truncates, which would put instants before 1970 on the wrong day. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	if (r != 0 && ((r < 0) != (b < 0)))
		r += b;
	return r;
}

bool
date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
date_days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && date_is_leap(y))
		return 29;
	return days[m - 1];
}

bool
date_valid(struct date d)
{
	return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
	       d.d <= date_days_in_month(d.y, d.m);
}

int64_t
date_to_days(struct date d)
{
	/* Years start in March so that the leap day is the last day of a year. */
	int64_t y = (int64_t)d.y - (d.m <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;                         /* 0..399 */
	int64_t mp = (d.m + 9) % 12;                         /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d.d - 1;          /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */

	return era * 146097 + doe - 719468;
}

struct date
date_from_days(int64_t days)
{
	int64_t z, era, doe, yoe, doy, mp, y;
	struct date d;

	if (days < DAYS_MIN || days > DAYS_MAX)
		return date_none;
	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	y = yoe + era * 400;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(y + (d.m <= 2));
	return d;
}

/* Reads exactly n decimal digits at p; -1 if any is not a digit. */
static int
digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Writes v as exactly n digits (the low n digits if v is wider). */
static void
put_digits(char *p, int64_t v, int n)
{
	uint64_t u = v < 0 ? 0 : (uint64_t)v;

	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + u % 10);
		u /= 10;
	}
}

int
date_parse(struct str s, struct date *out)
{
	struct date d;

	if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-')
		return ANJU_EINVAL;
	d.y = digits(s.p, 4);
	d.m = digits(s.p + 5, 2);
	d.d = digits(s.p + 8, 2);
	if (!date_valid(d)) /* also catches the -1 of a non-digit */
		return ANJU_EINVAL;
	*out = d;
	return 0;
}

void
date_format(struct date d, char out[DATE_FMT_LEN])
{
	put_digits(out, d.y, 4);
	out[4] = '-';
	put_digits(out + 5, d.m, 2);
	out[7] = '-';
	put_digits(out + 8, d.d, 2);
	out[10] = '\0';
}

int
date_cmp(struct date a, struct date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

int
date_weekday(struct date d)
{
	/* 1970-01-01 was a Thursday (ISO 4). */
	return (int)floor_mod(date_to_days(d) + 3, 7) + 1;
}

struct date
date_add_days(struct date d, int64_t days)
{
	int64_t t;

	if (!date_valid(d) || days > DAYS_MAX - DAYS_MIN || days < DAYS_MIN - DAYS_MAX)
		return date_none;
	t = date_to_days(d) + days;
	return date_from_days(t);
}

struct date
date_add_months(struct date d, int n)
{
	int64_t idx;
	struct date r;
	int dim;

	if (!date_valid(d))
		return date_none;
	idx = (int64_t)d.y * 12 + (d.m - 1) + n;
	r.y = (int)floor_div(idx, 12);
	r.m = (int)floor_mod(idx, 12) + 1;
	if (r.y < 1 || r.y > 9999)
		return date_none;
	dim = date_days_in_month(r.y, r.m);
	r.d = d.d > dim ? dim : d.d;
	return r;
}

int
date_months_between(struct date a, struct date b)
{
	/*
	 * a + n months lands in the n-th month after a's, so only the month
	 * difference and one less can be the largest n with a + n <= b.
	 */
	int64_t n = ((int64_t)b.y - a.y) * 12 + ((int64_t)b.m - a.m);
	struct date t = date_add_months(a, (int)n);

	if (date_cmp(t, b) > 0)
		n--;
	return (int)n;
}

struct period
period_of(struct date d)
{
	return (struct period){ d.y, d.m };
}

int
period_parse(struct str s, struct period *out)
{
	struct period p;

	if (s.n != 7 || s.p[4] != '-')
		return ANJU_EINVAL;
	p.y = digits(s.p, 4);
	p.m = digits(s.p + 5, 2);
	if (p.y < 1 || p.m < 1 || p.m > 12)
		return ANJU_EINVAL;
	*out = p;
	return 0;
}

void
period_format(struct period p, char out[PERIOD_FMT_LEN])
{
	put_digits(out, p.y, 4);
	out[4] = '-';
	put_digits(out + 5, p.m, 2);
	out[7] = '\0';
}

struct period
period_add(struct period p, int months)
{
	int64_t idx = (int64_t)p.y * 12 + (p.m - 1) + months;

	return (struct period){ (int)floor_div(idx, 12), (int)floor_mod(idx, 12) + 1 };
}

int
period_cmp(struct period a, struct period b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	return 0;
}

struct date
period_first_day(struct period p)
{
	return (struct date){ p.y, p.m, 1 };
}

struct date
period_last_day(struct period p)
{
	return (struct date){ p.y, p.m, date_days_in_month(p.y, p.m) };
}

int
date_quarter(struct date d)
{
	return (d.m - 1) / 3 + 1;
}

int
quarter_parse(struct str s, int *year, int *q)
{
	int y, n;

	if (s.n != 7 || s.p[4] != '-' || s.p[5] != 'Q')
		return ANJU_EINVAL;
	y = digits(s.p, 4);
	n = digits(s.p + 6, 1);
	if (y < 1 || n < 1 || n > 4)
		return ANJU_EINVAL;
	*year = y;
	*q = n;
	return 0;
}

void
quarter_format(int year, int q, char out[QUARTER_FMT_LEN])
{
	put_digits(out, year, 4);
	out[4] = '-';
	out[5] = 'Q';
	put_digits(out + 6, q, 1);
	out[7] = '\0';
}

struct date
quarter_first_day(int year, int q)
{
	return (struct date){ year, (q - 1) * 3 + 1, 1 };
}

struct date
quarter_last_day(int year, int q)
{
	int m = q * 3;

	return (struct date){ year, m, date_days_in_month(year, m) };
}

int64_t
time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

void
time_format_utc(int64_t us, char out[TIME_FMT_LEN])
{
	int64_t days, rem;

	/* Only years 1..9999 have four digits; clamp rather than overflow. */
	if (us < DAYS_MIN * US_PER_DAY)
		us = DAYS_MIN * US_PER_DAY;
	if (us > (DAYS_MAX + 1) * US_PER_DAY - 1)
		us = (DAYS_MAX + 1) * US_PER_DAY - 1;
	days = floor_div(us, US_PER_DAY);
	rem = floor_mod(us, US_PER_DAY);
	date_format(date_from_days(days), out);
	out[10] = 'T';
	put_digits(out + 11, rem / (3600 * US_PER_S), 2);
	out[13] = ':';
	put_digits(out + 14, rem / (60 * US_PER_S) % 60, 2);
	out[16] = ':';
	put_digits(out + 17, rem / US_PER_S % 60, 2);
	out[19] = '.';
	put_digits(out + 20, rem % US_PER_S, 6);
	out[26] = 'Z';
	out[27] = '\0';
}

int
time_parse_utc(struct str s, int64_t *us)
{
	struct date d;
	int h, mi, sec, frac = 0, nfrac = 0;
	size_t i;

	if (s.n < 20 || s.p[10] != 'T' || s.p[13] != ':' || s.p[16] != ':' || s.p[s.n - 1] != 'Z')
		return ANJU_EINVAL;
	if (date_parse((struct str){ s.p, 10 }, &d) != 0)
		return ANJU_EINVAL;
	h = digits(s.p + 11, 2);
	mi = digits(s.p + 14, 2);
	sec = digits(s.p + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return ANJU_EINVAL;
	if (s.n > 20) {
		/* ".f" to ".ffffff" between the seconds and the 'Z'. */
		if (s.p[19] != '.' || s.n < 22 || s.n > 27)
			return ANJU_EINVAL;
		for (i = 20; i < s.n - 1; i++) {
			if (s.p[i] < '0' || s.p[i] > '9')
				return ANJU_EINVAL;
			frac = frac * 10 + (s.p[i] - '0');
			nfrac++;
		}
		for (; nfrac < 6; nfrac++)
			frac *= 10;
	}
	*us = date_to_days(d) * US_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * US_PER_S + frac;
	return 0;
}

struct date
date_in_shanghai(int64_t us)
{
	/* Split first so that adding the offset cannot overflow near INT64_MAX. */
	int64_t days = floor_div(us, US_PER_DAY);
	int64_t rem = floor_mod(us, US_PER_DAY) + SHANGHAI_OFFSET_S * US_PER_S;

	if (rem >= US_PER_DAY)
		days++;
	return date_from_days(days);
}

int64_t
shanghai_to_utc_us(struct date d, int hour, int minute)
{
	return date_to_days(d) * US_PER_DAY +
	       ((int64_t)hour * 3600 + (int64_t)minute * 60 - SHANGHAI_OFFSET_S) * US_PER_S;
}

struct date
date_today_shanghai(void)
{
	return date_in_shanghai(time_now_us());
}
