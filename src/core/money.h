/*
 * Money: int64 fen (分), never floating point.  Every operation that can
 * overflow reports ANJU_ERANGE instead.  Rates are integer fractions
 * (basis points: num/10000, parts per million: num/1000000) and every
 * rounding names its mode.  RULES.md "Money".
 */
#ifndef ANJU_CORE_MONEY_H
#define ANJU_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define MONEY_FMT_MAX   32  /* "-92,233,720,368,547,758.08" + NUL fits */
#define MONEY_WORDS_MAX 256 /* 人民币大写 of any int64 fen, UTF-8, + NUL */

enum rounding {
	ROUND_HALF_UP,   /* 0.5 away from zero (default) */
	ROUND_HALF_EVEN, /* banker's rounding */
	ROUND_DOWN,      /* toward zero (truncate) */
	ROUND_UP,        /* away from zero */
	ROUND_FLOOR,     /* toward minus infinity */
	ROUND_CEILING,   /* toward plus infinity */
};

/* "half_up", "half_even", "down", "up", "floor", "ceiling": 0 or ANJU_EINVAL. */
int rounding_parse(const char *name, enum rounding *out);
const char *rounding_name(enum rounding r);

/* Parses yuan text: optional '-', digits with optional thousands commas in
 * correct places ("1,234.56"), optional '.' with 1 or 2 digits.  Surrounding
 * spaces are allowed.  0, ANJU_EINVAL (bad text, more than 2 decimals) or
 * ANJU_ERANGE. */
int money_parse(struct str s, int64_t *fen);
/* "1,234.56", "-0.05"; always two decimals. */
void money_format(int64_t fen, char out[MONEY_FMT_MAX]);
/* The same without thousands separators: "1234.56". */
void money_format_plain(int64_t fen, char out[MONEY_FMT_MAX]);

int money_add(int64_t a, int64_t b, int64_t *out);
int money_sub(int64_t a, int64_t b, int64_t *out);
/* fen * qty exactly: 0 or ANJU_ERANGE. */
int money_mul(int64_t fen, int64_t qty, int64_t *out);
/* round(fen * num / den) with mode r; den > 0 (ANJU_EINVAL otherwise); 0 or ANJU_ERANGE. */
int money_mul_rate(int64_t fen, int64_t num, int64_t den, enum rounding r, int64_t *out);
/* round(a / b) with mode r for any integers, b != 0 (ANJU_EINVAL).  As the
 * result is the return value, b == 0 gives ANJU_EINVAL (-1), which is also a
 * possible quotient: callers check b first.  INT64_MIN / -1 gives INT64_MAX. */
int64_t div_round(int64_t a, int64_t b, enum rounding r);

/* Splits total over n parts in proportion to weights (each >= 0, sum > 0)
 * by the largest-remainder method: parts always add up to total; ties go to
 * the lower index.  A negative total splits like its absolute value, negated.
 * 0, ANJU_EINVAL or ANJU_ERANGE. */
int money_split(int64_t total, const int64_t *weights, size_t n, int64_t *parts);

/* 人民币大写 (UTF-8): 1234.50 -> "壹仟贰佰叁拾肆元伍角整", 1000.05 -> "壹仟元零伍分",
 * 0 -> "零元整", negative values start with "负".  The banking forms chosen
 * where the rules allow two: under one yuan there is no "零元" (0.05 ->
 * "伍分", 0.10 -> "壹角整"); 整 follows 元 or 角 when there is no 分; a 零
 * after 元 only when 角 is zero and 分 is not (1680.32 -> "壹仟陆佰捌拾元叁角贰分");
 * zeros that only end a 万 or 亿 group before a non-zero 仟 take no 零
 * (105000 -> "壹拾万伍仟元整", 100100 -> "壹拾万零壹佰元整"); 拾 always has its
 * digit (10 -> "壹拾元整"); above 亿 the count of 亿 is itself read in 万 and 亿
 * (10^16 yuan -> "壹亿亿元整"). */
void money_in_words(int64_t fen, char out[MONEY_WORDS_MAX]);

#endif
