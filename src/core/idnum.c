/*
 * Resident ID numbers (GB 11643-1999), unified social credit codes
 * (GB 32100-2015) and masking of personal data for display.  See idnum.h
 * and RULES.md "Identifiers".
 *
 * The region code of an ID number is deliberately not checked: codes of
 * abolished districts stay on valid cards, and demo data uses 99.
 */
#include "core/idnum.h"

#include <stdbool.h>
#include <string.h>

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char
idnum_check_char(const char *digits17)
{
	static const int weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0;

	if (digits17 == NULL)
		return 0;
	/* A NUL is not a digit, so a short string stops here safely. */
	for (int i = 0; i < 17; i++) {
		if (!is_digit(digits17[i]))
			return 0;
		sum += (digits17[i] - '0') * weight[i];
	}
	return check[sum % 11];
}

int
idnum_parse(struct str in, struct date today, struct idnum *out, struct anju_err *e)
{
	struct idnum id;
	struct date birth;
	char check;

	memset(&id, 0, sizeof(id));
	in = str_trim(in);
	if (in.n != 18 && in.n != 15)
		return anju_fail(e, ANJU_EINVAL, "id_number_length", "id_number",
				 "身份证号码应为18位（或旧的15位）");
	for (size_t i = 0; i < in.n; i++) {
		bool last = in.n == 18 && i == 17;

		if (!is_digit(in.p[i]) && !(last && (in.p[i] == 'X' || in.p[i] == 'x')))
			return anju_fail(e, ANJU_EINVAL, "id_number_chars", "id_number",
					 "身份证号码只能包含数字，最后一位可以是X");
	}
	if (in.n == 15) {
		/* Legacy numbers carry a two-digit year, always 19xx. */
		memcpy(id.number, in.p, 6);
		memcpy(id.number + 6, "19", 2);
		memcpy(id.number + 8, in.p + 6, 9);
	} else {
		memcpy(id.number, in.p, 17);
	}
	check = idnum_check_char(id.number);

	birth.y = (id.number[6] - '0') * 1000 + (id.number[7] - '0') * 100 +
		  (id.number[8] - '0') * 10 + (id.number[9] - '0');
	birth.m = (id.number[10] - '0') * 10 + (id.number[11] - '0');
	birth.d = (id.number[12] - '0') * 10 + (id.number[13] - '0');
	if (!date_valid(birth) || date_cmp(birth, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "id_number_birth_date", "id_number",
				 "身份证号码中的出生日期无效");
	if (in.n == 18) {
		char given = in.p[17] == 'x' ? 'X' : in.p[17];

		if (given != check)
			return anju_fail(e, ANJU_EINVAL, "id_number_check_digit", "id_number",
					 "身份证号码校验位不正确");
	}
	id.number[17] = check;
	id.number[18] = '\0';
	id.birth = birth;
	id.male = (id.number[16] - '0') % 2;
	*out = id;
	return 0;
}

/* The 31 symbols of GB 32100 in value order: no I, O, Z, S or V. */
static const char credit_symbols[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The value 0..30 of a symbol (either case), or -1. */
static int
credit_value(char c)
{
	const char *at;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == '\0')
		return -1;
	at = strchr(credit_symbols, c);
	return at ? (int)(at - credit_symbols) : -1;
}

char
credit_code_check_char(const char *symbols17)
{
	static const int weight[17] = {
		1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
	};
	int sum = 0;

	if (symbols17 == NULL)
		return 0;
	for (int i = 0; i < 17; i++) {
		int v = credit_value(symbols17[i]);

		if (v < 0)
			return 0;
		sum += v * weight[i];
	}
	return credit_symbols[(31 - sum % 31) % 31];
}

int
credit_code_parse(struct str in, char out[19], struct anju_err *e)
{
	char code[19];

	in = str_trim(in);
	if (in.n != 18)
		return anju_fail(e, ANJU_EINVAL, "credit_code_length", "credit_code",
				 "统一社会信用代码应为18位");
	for (size_t i = 0; i < 18; i++) {
		int v = credit_value(in.p[i]);

		if (v < 0)
			return anju_fail(e, ANJU_EINVAL, "credit_code_chars", "credit_code",
					 "统一社会信用代码含有无效字符");
		code[i] = credit_symbols[v];
	}
	code[18] = '\0';
	if (credit_code_check_char(code) != code[17])
		return anju_fail(e, ANJU_EINVAL, "credit_code_check_digit", "credit_code",
				 "统一社会信用代码校验位不正确");
	memcpy(out, code, sizeof(code));
	return 0;
}

/*
 * Bytes in the UTF-8 character at s (1 for a byte that does not start a
 * well-formed sequence, so broken input still masks one byte per '*').
 */
static size_t
utf8_char_len(const unsigned char *s)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4;
	else
		return 1;
	/* The NUL terminator is not a continuation byte, so this stops there. */
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return len;
}

void
mask_middle(const char *s, size_t head, size_t tail, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t nchars = 0, i, k, o = 0;
	bool full;

	if (out == NULL || cap == 0)
		return;
	for (i = 0; u[i] != '\0'; i += utf8_char_len(u + i))
		nchars++;
	/* With nothing left to hide in the middle, hide everything. */
	full = nchars <= head + tail || head > nchars || tail > nchars;
	for (i = 0, k = 0; u[i] != '\0'; k++) {
		size_t len = utf8_char_len(u + i);
		bool shown = !full && (k < head || k >= nchars - tail);
		size_t add = shown ? len : 1;

		/* Whole characters only, and room for the NUL. */
		if (add > cap - 1 - o)
			break;
		if (shown)
			memcpy(out + o, u + i, len);
		else
			out[o] = '*';
		o += add;
		i += len;
	}
	out[o] = '\0';
}

void
idnum_mask(const char *number, char *out, size_t cap)
{
	mask_middle(number, 3, 4, out, cap);
}
