/*
 * Money in integer fen: parsing and formatting yuan text, checked
 * arithmetic, rounding by a named mode, largest-remainder splits and the
 * amount in words printed on receipts.  See money.h and RULES.md "Money".
 *
 * Products of two int64 values are computed in __int128, where they cannot
 * overflow, and only the final result is checked against the int64 range.
 */
#include "core/money.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

static const struct {
	enum rounding mode;
	const char *name;
} rounding_names[] = {
	{ ROUND_HALF_UP, "half_up" }, { ROUND_HALF_EVEN, "half_even" },
	{ ROUND_DOWN, "down" },       { ROUND_UP, "up" },
	{ ROUND_FLOOR, "floor" },     { ROUND_CEILING, "ceiling" },
};

#define NROUNDING (sizeof(rounding_names) / sizeof(rounding_names[0]))

int
rounding_parse(const char *name, enum rounding *out)
{
	if (name == NULL)
		return ANJU_EINVAL;
	for (size_t i = 0; i < NROUNDING; i++) {
		if (strcmp(name, rounding_names[i].name) == 0) {
			*out = rounding_names[i].mode;
			return 0;
		}
	}
	return ANJU_EINVAL;
}

const char *
rounding_name(enum rounding r)
{
	for (size_t i = 0; i < NROUNDING; i++)
		if (rounding_names[i].mode == r)
			return rounding_names[i].name;
	return "unknown";
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Checks the integer part "1234" or "1,234,567": with commas, the first group
 * has 1 to 3 digits (not starting with 0) and every other group exactly 3.
 */
static bool
int_part_ok(const char *p, size_t n)
{
	size_t i, group = 0;
	bool commas = memchr(p, ',', n) != NULL;

	if (n == 0 || !is_digit(p[0]))
		return false;
	if (commas && p[0] == '0')
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == ',') {
			/* The first group may be short; the others are 3. */
			if (group == 0 || group > 3 || (i > group && group != 3))
				return false;
			group = 0;
		} else if (is_digit(p[i])) {
			group++;
		} else {
			return false;
		}
	}
	return !commas || group == 3;
}

int
money_parse(struct str s, int64_t *fen)
{
	size_t i = 0, int_end, nfrac = 0;
	bool neg = false;
	uint64_t v = 0, limit;
	unsigned frac = 0;
	const char *dot;

	s = str_trim(s);
	if (s.n == 0)
		return ANJU_EINVAL;
	if (s.p[0] == '-') {
		neg = true;
		i = 1;
	}
	dot = memchr(s.p + i, '.', s.n - i);
	int_end = dot ? (size_t)(dot - s.p) : s.n;
	if (!int_part_ok(s.p + i, int_end - i))
		return ANJU_EINVAL;
	if (dot) {
		nfrac = s.n - int_end - 1;
		if (nfrac < 1 || nfrac > 2)
			return ANJU_EINVAL;
		for (size_t k = int_end + 1; k < s.n; k++) {
			if (!is_digit(s.p[k]))
				return ANJU_EINVAL;
			frac = frac * 10 + (unsigned)(s.p[k] - '0');
		}
		if (nfrac == 1)
			frac *= 10;
	}

	/* The text is well formed; now the value must fit. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < int_end; i++) {
		unsigned d;

		if (s.p[i] == ',')
			continue;
		d = (unsigned)(s.p[i] - '0');
		if (v > (limit - d) / 10)
			return ANJU_ERANGE;
		v = v * 10 + d;
	}
	if (v > (limit - frac) / 100)
		return ANJU_ERANGE;
	v = v * 100 + frac;
	if (neg)
		*fen = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*fen = (int64_t)v;
	return 0;
}

/* Writes fen as yuan with two decimals, with or without thousands commas. */
static void
format(int64_t fen, bool commas, char out[MONEY_FMT_MAX])
{
	char tmp[MONEY_FMT_MAX];
	size_t t = 0, o = 0, ndig = 0;
	uint64_t u = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

	/* Built backwards: fen, jiao, '.', then the yuan digits. */
	tmp[t++] = (char)('0' + u % 10);
	u /= 10;
	tmp[t++] = (char)('0' + u % 10);
	u /= 10;
	tmp[t++] = '.';
	do {
		if (commas && ndig > 0 && ndig % 3 == 0)
			tmp[t++] = ',';
		tmp[t++] = (char)('0' + u % 10);
		u /= 10;
		ndig++;
	} while (u > 0);
	if (fen < 0)
		out[o++] = '-';
	while (t > 0)
		out[o++] = tmp[--t];
	out[o] = '\0';
}

void
money_format(int64_t fen, char out[MONEY_FMT_MAX])
{
	format(fen, true, out);
}

void
money_format_plain(int64_t fen, char out[MONEY_FMT_MAX])
{
	format(fen, false, out);
}

int
money_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return ANJU_ERANGE;
	*out = r;
	return 0;
}

int
money_sub(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return ANJU_ERANGE;
	*out = r;
	return 0;
}

int
money_mul(int64_t fen, int64_t qty, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(fen, qty, &r))
		return ANJU_ERANGE;
	*out = r;
	return 0;
}

/*
 * round(a / b) for b != 0.  |a| < 2^127 and |b| < 2^64 here, so doubling the
 * remainder cannot overflow.
 */
static i128
div_round128(i128 a, i128 b, enum rounding r)
{
	i128 q = a / b, rem = a % b, twice, mag;
	bool neg = (a < 0) != (b < 0);
	int sign = neg ? -1 : 1;

	if (rem == 0)
		return q;
	twice = 2 * (rem < 0 ? -rem : rem);
	mag = b < 0 ? -b : b;
	switch (r) {
	case ROUND_DOWN: return q;
	case ROUND_UP: return q + sign;
	case ROUND_FLOOR: return neg ? q - 1 : q;
	case ROUND_CEILING: return neg ? q : q + 1;
	case ROUND_HALF_EVEN:
		if (twice > mag || (twice == mag && (q & 1) != 0))
			return q + sign;
		return q;
	case ROUND_HALF_UP:
	default: return twice >= mag ? q + sign : q;
	}
}

static bool
rounding_ok(enum rounding r)
{
	return (unsigned)r < NROUNDING;
}

int
money_mul_rate(int64_t fen, int64_t num, int64_t den, enum rounding r, int64_t *out)
{
	i128 v;

	if (den <= 0 || !rounding_ok(r))
		return ANJU_EINVAL;
	v = div_round128((i128)fen * num, den, r);
	if (v < INT64_MIN || v > INT64_MAX)
		return ANJU_ERANGE;
	*out = (int64_t)v;
	return 0;
}

int64_t
div_round(int64_t a, int64_t b, enum rounding r)
{
	i128 v;

	if (b == 0)
		return ANJU_EINVAL;
	v = div_round128(a, b, r);
	/* Only INT64_MIN / -1 leaves the range; it saturates. */
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

struct share {
	u128 rem; /* |total| * weight mod sum */
	u128 q;   /* the part's magnitude */
	size_t i;
};

/* Largest remainder first; equal remainders in index order. */
static int
share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int
money_split(int64_t total, const int64_t *weights, size_t n, int64_t *parts)
{
	struct share *sh;
	u128 sum = 0, mag, left;
	size_t i;

	if (n == 0 || weights == NULL || parts == NULL)
		return ANJU_EINVAL;
	if (n > SIZE_MAX / sizeof(*sh))
		return ANJU_ERANGE;
	for (i = 0; i < n; i++) {
		if (weights[i] < 0)
			return ANJU_EINVAL;
		sum += (u128)weights[i]; /* < 2^63 * 2^64: cannot overflow */
	}
	if (sum == 0)
		return ANJU_EINVAL;

	/* Magnitudes up to 2^63 (INT64_MIN) are exact in u128. */
	mag = total < 0 ? (u128)0 - (u128)(i128)total : (u128)total;
	left = mag;
	sh = xmalloc(n * sizeof(*sh));
	for (i = 0; i < n; i++) {
		u128 p = mag * (u128)weights[i];

		sh[i].q = p / sum;
		sh[i].rem = p % sum;
		sh[i].i = i;
		left -= sh[i].q;
	}
	/*
	 * The remainders add up to left * sum and each is below sum, so more
	 * than left of them are non-zero: a zero weight never gets a fen.
	 */
	qsort(sh, n, sizeof(*sh), share_cmp);
	for (i = 0; i < n && left > 0; i++, left--)
		sh[i].q++;
	for (i = 0; i < n; i++) {
		int64_t v;

		if (total >= 0)
			v = (int64_t)sh[i].q;
		else if (sh[i].q == (u128)INT64_MAX + 1)
			v = INT64_MIN;
		else
			v = -(int64_t)sh[i].q;
		parts[sh[i].i] = v;
	}
	free(sh);
	return 0;
}

/*
 * 人民币大写.  Digits are read in groups of four (个, 万) and the part above
 * 亿 recursively, so int64 fen (up to about 9.2 * 10^16 yuan) reads as
 * "…亿…万…亿…万…元".  A run of zeros between two digits is written as one
 * 零, except when the run is only the trailing zeros of a group whose marker
 * (万, 亿) was just written and the next digit is the thousands digit:
 * 105000 is 壹拾万伍仟, 100100 is 壹拾万零壹佰, 100005000 is 壹亿零伍仟.
 */
struct words {
	char *out;
	size_t n;
	bool started; /* a digit has been written */
	bool zero;    /* zeros were passed since the last digit or marker */
};

static void
words_add(struct words *w, const char *s)
{
	size_t len = strlen(s);

	/* MONEY_WORDS_MAX is far above the longest output; stay safe anyway. */
	if (w->n + len >= MONEY_WORDS_MAX)
		return;
	memcpy(w->out + w->n, s, len);
	w->n += len;
	w->out[w->n] = '\0';
}

static const char *const cn_digit[10] = {
	"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖",
};

/* Writes n < 10^8 (the digits below a 亿). */
static void
words_below_yi(struct words *w, uint64_t n)
{
	static const char *const unit[4] = { "", "拾", "佰", "仟" };
	uint64_t pow = 10000000;

	for (int pos = 7; pos >= 0; pos--, pow /= 10) {
		unsigned d = (unsigned)(n / pow % 10);

		if (d == 0) {
			if (w->started)
				w->zero = true;
		} else {
			if (w->zero)
				words_add(w, "零");
			words_add(w, cn_digit[d]);
			words_add(w, unit[pos % 4]);
			w->started = true;
			w->zero = false;
		}
		if (pos == 4 && n / 10000 != 0) {
			words_add(w, "万");
			w->zero = false;
		}
	}
}

static void
words_int(struct words *w, uint64_t n)
{
	if (n >= 100000000) {
		words_int(w, n / 100000000);
		words_add(w, "亿");
		w->zero = false;
		n %= 100000000;
	}
	words_below_yi(w, n);
}

void
money_in_words(int64_t fen, char out[MONEY_WORDS_MAX])
{
	struct words w = { out, 0, false, false };
	uint64_t u = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	uint64_t yuan = u / 100;
	unsigned jiao = (unsigned)(u / 10 % 10), fen_d = (unsigned)(u % 10);

	out[0] = '\0';
	if (u == 0) {
		words_add(&w, "零元整");
		return;
	}
	if (fen < 0)
		words_add(&w, "负");
	if (yuan > 0) {
		words_int(&w, yuan);
		words_add(&w, "元");
		/* 角 zero with 分 not zero needs its 零 after 元 (1000.05). */
		if (jiao == 0 && fen_d != 0)
			words_add(&w, "零");
	}
	if (jiao != 0) {
		words_add(&w, cn_digit[jiao]);
		words_add(&w, "角");
	}
	if (fen_d != 0) {
		words_add(&w, cn_digit[fen_d]);
		words_add(&w, "分");
	} else {
		words_add(&w, "整");
	}
}
