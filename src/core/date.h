/*
 * Civil dates, periods (billing months), quarters and UTC instants.
 *
 * Storage encodings (DESIGN.md): instants are UTC text with microseconds and
 * 'Z' ("2026-11-28T07:03:11.123456Z"), civil dates "YYYY-MM-DD", periods
 * "YYYY-MM", quarters "YYYY-Qn".  Civil dates use the proleptic Gregorian
 * calendar for years 1..9999.  Asia/Shanghai is UTC+8 with no daylight saving
 * since 1991, which covers every instant anju records; it is used only to turn
 * an instant into a civil date and a wall-clock time into an instant.
 */
#ifndef ANJU_CORE_DATE_H
#define ANJU_CORE_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

struct date {
	int y, m, d;
};

struct period {
	int y, m; /* a calendar month */
};

#define DATE_FMT_LEN      11 /* "YYYY-MM-DD" + NUL */
#define PERIOD_FMT_LEN    8  /* "YYYY-MM" + NUL */
#define QUARTER_FMT_LEN   8  /* "YYYY-Qn" + NUL */
#define TIME_FMT_LEN      28 /* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" + NUL */
#define SHANGHAI_OFFSET_S (8 * 3600)

bool date_valid(struct date d);
int date_days_in_month(int y, int m); /* 0 for a bad month */
bool date_is_leap(int y);

/* Days since 1970-01-01 (negative before); only for valid dates. */
int64_t date_to_days(struct date d);
/* The inverse; {0, 0, 0} (not date_valid) outside years 1..9999, as for
 * every function below that returns a struct date from a valid one. */
struct date date_from_days(int64_t days);

/* Strict "YYYY-MM-DD" of a real date: 0 or ANJU_EINVAL. */
int date_parse(struct str s, struct date *out);
void date_format(struct date d, char out[DATE_FMT_LEN]);
int date_cmp(struct date a, struct date b); /* <0, 0, >0 */
int date_weekday(struct date d);            /* ISO: 1 = Monday ... 7 = Sunday */
struct date date_add_days(struct date d, int64_t days);
/* Adds (or with n < 0 subtracts) months; a day past the end of the target
 * month is clamped to its last day (2026-01-31 + 1 month = 2026-02-28). */
struct date date_add_months(struct date d, int n);
/* Whole months from a to b counted by the same rule: the largest n with
 * a + n months <= b (negative when b is before a). */
int date_months_between(struct date a, struct date b);

struct period period_of(struct date d);
/* Strict "YYYY-MM": 0 or ANJU_EINVAL. */
int period_parse(struct str s, struct period *out);
void period_format(struct period p, char out[PERIOD_FMT_LEN]);
struct period period_add(struct period p, int months);
int period_cmp(struct period a, struct period b);
struct date period_first_day(struct period p);
struct date period_last_day(struct period p);

int date_quarter(struct date d); /* 1..4 */
/* Strict "YYYY-Qn": 0 or ANJU_EINVAL; *q is 1..4. */
int quarter_parse(struct str s, int *year, int *q);
void quarter_format(int year, int q, char out[QUARTER_FMT_LEN]);
struct date quarter_first_day(int year, int q);
struct date quarter_last_day(int year, int q);

/* Microseconds since 1970-01-01T00:00:00Z, from the system clock. */
int64_t time_now_us(void);
/* Always all six fraction digits; instants outside years 1..9999 are clamped
 * to the first or last microsecond of that range. */
void time_format_utc(int64_t us, char out[TIME_FMT_LEN]);
/* Parses the storage form, also without fraction or with 1..6 fraction digits,
 * always with 'Z': 0 or ANJU_EINVAL. */
int time_parse_utc(struct str s, int64_t *us);

/* The civil date in Asia/Shanghai at instant us. */
struct date date_in_shanghai(int64_t us);
/* The instant of wall-clock time h:m on date d in Asia/Shanghai. */
int64_t shanghai_to_utc_us(struct date d, int hour, int minute);
struct date date_today_shanghai(void);

#endif
