/*
 * Unit tests of core/idnum.c: resident ID numbers (check character, birth
 * date, sex, 15-digit conversion), credit codes and masking.  Check
 * characters of the made-up numbers were computed independently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/idnum.h"

static const struct date today = { 2026, 11, 28 };

static void
id_ok(const char *in, const char *number, int y, int m, int d, int male)
{
	struct idnum id;
	struct anju_err e;

	anju_err_clear(&e);
	if (idnum_parse(str_c(in), today, &id, &e) != 0)
		fail_msg("\"%s\" refused: %s (%s)", in, e.key, e.msg);
	assert_string_equal(id.number, number);
	assert_int_equal(id.birth.y, y);
	assert_int_equal(id.birth.m, m);
	assert_int_equal(id.birth.d, d);
	assert_int_equal(id.male, male);
}

static void
id_bad_at(const char *in, struct date when, const char *key)
{
	struct idnum id;
	struct anju_err e;

	memset(&id, 0x5a, sizeof(id));
	anju_err_clear(&e);
	assert_int_equal(idnum_parse(str_c(in), when, &id, &e), ANJU_EINVAL);
	if (strcmp(e.key, key) != 0)
		fail_msg("\"%s\": key %s, want %s", in, e.key, key);
	assert_int_equal(e.code, ANJU_EINVAL);
	assert_string_equal(e.field, "id_number");
	assert_true(e.msg[0] != '\0');
	assert_int_equal((unsigned char)id.number[0], 0x5a); /* untouched */
}

static void
id_bad(const char *in, const char *key)
{
	id_bad_at(in, today, key);
}

static void
test_check_char(void **state)
{
	(void)state;
	assert_int_equal(idnum_check_char("11010519491231002"), 'X');
	assert_int_equal(idnum_check_char("33010219200403064"), 'X');
	assert_int_equal(idnum_check_char("99010119900101001"), '9');
	assert_int_equal(idnum_check_char("99010119850615002"), '0');
	assert_int_equal(idnum_check_char("42010219870512123"), '6');
	/* The first 17 of a full number. */
	assert_int_equal(idnum_check_char("11010519491231002X"), 'X');
	assert_int_equal(idnum_check_char("1101051949123100"), 0);
	assert_int_equal(idnum_check_char("1101051949123100A"), 0);
	assert_int_equal(idnum_check_char("x1010519491231002"), 0);
	assert_int_equal(idnum_check_char(""), 0);
	assert_int_equal(idnum_check_char(NULL), 0);
}

static void
test_parse_valid(void **state)
{
	(void)state;
	id_ok("11010519491231002X", "11010519491231002X", 1949, 12, 31, 0);
	id_ok("33010219200403064X", "33010219200403064X", 1920, 4, 3, 0);
	id_ok("11010519491231002x", "11010519491231002X", 1949, 12, 31, 0);
	id_ok("  11010519491231002x\t", "11010519491231002X", 1949, 12, 31, 0);
	id_ok("990101199001010019", "990101199001010019", 1990, 1, 1, 1);
	id_ok("990101198506150020", "990101198506150020", 1985, 6, 15, 0);
	id_ok("420102198705121236", "420102198705121236", 1987, 5, 12, 1);
	/* Leap days are real dates; region 99 is not checked. */
	id_ok("990101202402290028", "990101202402290028", 2024, 2, 29, 0);
	id_ok("990101200002290118", "990101200002290118", 2000, 2, 29, 1);
	/* Born today is not the future. */
	id_ok("990101202611280002", "990101202611280002", 2026, 11, 28, 0);
}

static void
test_parse_15(void **state)
{
	(void)state;
	id_ok("110105491231002", "11010519491231002X", 1949, 12, 31, 0);
	id_ok("330102200403064", "33010219200403064X", 1920, 4, 3, 0);
	id_ok("420102870512123", "420102198705121236", 1987, 5, 12, 1);
	id_ok(" 420102870512123 ", "420102198705121236", 1987, 5, 12, 1);
	id_bad("42010287051212X", "id_number_chars");
	id_bad("42010287051212x", "id_number_chars");
	id_bad("420102870230123", "id_number_birth_date"); /* 1987-02-30 */
	id_bad("420102000229123", "id_number_birth_date"); /* 1900-02-29 */
	id_bad("420102871312123", "id_number_birth_date");
}

static void
test_parse_bad(void **state)
{
	(void)state;
	/* Length. */
	id_bad("", "id_number_length");
	id_bad("   ", "id_number_length");
	id_bad("11010519491231002", "id_number_length");
	id_bad("11010519491231002XX", "id_number_length");
	id_bad("110105194912310020X", "id_number_length");
	id_bad("11010549123100", "id_number_length");
	id_bad("1101054912310021", "id_number_length");
	id_bad("1101051949 1231002X", "id_number_length");
	/* Characters. */
	id_bad("1101051949123100XX", "id_number_chars");
	id_bad("X1010519491231002X", "id_number_chars");
	id_bad("11010519491231002Y", "id_number_chars");
	id_bad("110105194912 1002X", "id_number_chars");
	id_bad("11010519491231002-", "id_number_chars");
	id_bad("１1010519491231002", "id_number_length"); /* full-width digit: 19 bytes */
	id_bad("11010519491231a02X", "id_number_chars");
	/* Birth date: not a date, or after today. */
	id_bad("990101202602300017", "id_number_birth_date"); /* Feb 30 */
	id_bad("990101202602290010", "id_number_birth_date"); /* 2026 is not leap */
	id_bad("990101190002290010", "id_number_birth_date"); /* 1900 is not leap */
	id_bad("990101202613010010", "id_number_birth_date");
	id_bad("990101202600010010", "id_number_birth_date");
	id_bad("990101202601000010", "id_number_birth_date");
	id_bad("990101000001010010", "id_number_birth_date"); /* year 0 */
	id_bad("990101202611290001", "id_number_birth_date"); /* tomorrow */
	id_bad("990101209901010010", "id_number_birth_date");
	/* The same number is fine once today has caught up. */
	id_bad_at("990101202601010033", (struct date){ 2025, 12, 31 }, "id_number_birth_date");
	{
		struct idnum id;

		assert_int_equal(idnum_parse(STR_LIT("990101202601010033"),
					     (struct date){ 2026, 1, 1 }, &id, NULL),
				 0);
	}
	/* Check character. */
	id_bad("110105194912310020", "id_number_check_digit");
	id_bad("110105194912310021", "id_number_check_digit");
	id_bad("990101199001010018", "id_number_check_digit");
	id_bad("99010119900101001X", "id_number_check_digit");
	id_bad("33010219200403064x1", "id_number_length");
	/* A bad date wins over a bad check character (the order of the keys). */
	id_bad("990101202602300010", "id_number_birth_date");
}

static void
test_parse_null_err(void **state)
{
	struct idnum id;

	(void)state;
	assert_int_equal(idnum_parse(STR_LIT("123"), today, &id, NULL), ANJU_EINVAL);
	assert_int_equal(idnum_parse(STR_LIT("11010519491231002X"), today, &id, NULL), 0);
}

/* Every one-digit change of a valid number is caught by the check character
 * (or by the date); GB 11643's check catches all single substitutions. */
static void
test_single_errors(void **state)
{
	const char *valid = "11010519491231002X";

	(void)state;
	for (int pos = 0; pos < 18; pos++) {
		for (char c = '0'; c <= '9'; c++) {
			char s[19];
			struct idnum id;

			memcpy(s, valid, sizeof(s));
			if (s[pos] == c)
				continue;
			s[pos] = c;
			assert_int_equal(idnum_parse(str_c(s), today, &id, NULL), ANJU_EINVAL);
		}
	}
}

static void
credit_ok(const char *in, const char *want)
{
	char out[19];
	struct anju_err e;

	anju_err_clear(&e);
	memset(out, 'z', sizeof(out));
	if (credit_code_parse(str_c(in), out, &e) != 0)
		fail_msg("\"%s\" refused: %s", in, e.key);
	assert_string_equal(out, want);
}

static void
credit_bad(const char *in, const char *key)
{
	char out[19];
	struct anju_err e;

	anju_err_clear(&e);
	memset(out, 'z', sizeof(out));
	assert_int_equal(credit_code_parse(str_c(in), out, &e), ANJU_EINVAL);
	if (strcmp(e.key, key) != 0)
		fail_msg("\"%s\": key %s, want %s", in, e.key, key);
	assert_string_equal(e.field, "credit_code");
	assert_true(e.msg[0] != '\0');
	assert_int_equal(out[0], 'z');
}

static void
test_credit_code(void **state)
{
	static const char forbidden[] = "IOZSVioszv";

	(void)state;
	assert_int_equal(credit_code_check_char("91310115591693856"), 'A');
	assert_int_equal(credit_code_check_char("91420000177570439"), 'L');
	assert_int_equal(credit_code_check_char("12100000400000770"), 'U');
	assert_int_equal(credit_code_check_char("91110108MA01XXXX0"), 'H');
	assert_int_equal(credit_code_check_char("9131011559169385D"), '0'); /* 31 -> 0 */
	assert_int_equal(credit_code_check_char("91310115591693856A"), 'A');
	assert_int_equal(credit_code_check_char("9131011559169385I"), 0);
	assert_int_equal(credit_code_check_char("9131011559169385"), 0);
	assert_int_equal(credit_code_check_char(NULL), 0);

	credit_ok("91310115591693856A", "91310115591693856A");
	credit_ok("91310115591693856a", "91310115591693856A");
	credit_ok(" 91420000177570439l ", "91420000177570439L");
	credit_ok("91110108ma01xxxx0h", "91110108MA01XXXX0H");
	credit_ok("12100000400000770U", "12100000400000770U");
	credit_ok("9131011559169385D0", "9131011559169385D0");

	credit_bad("", "credit_code_length");
	credit_bad("91310115591693856", "credit_code_length");
	credit_bad("91310115591693856AA", "credit_code_length");
	credit_bad("9131011559169385 6A", "credit_code_length");
	credit_bad("91310115591693856B", "credit_code_check_digit");
	credit_bad("91310115591693857A", "credit_code_check_digit");
	credit_bad("9131011559169385D1", "credit_code_check_digit");
	credit_bad("91310115591693856-", "credit_code_chars");
	credit_bad("9131011559169385 A", "credit_code_chars");
	for (const char *f = forbidden; *f; f++) {
		char s[19];

		/* In the middle and as the check character. */
		memcpy(s, "91310115591693856A", sizeof(s));
		s[8] = *f;
		credit_bad(s, "credit_code_chars");
		s[8] = '5';
		s[17] = *f;
		credit_bad(s, "credit_code_chars");
	}
	{
		char out[19];

		assert_int_equal(credit_code_parse(STR_LIT("x"), out, NULL), ANJU_EINVAL);
	}
}

static void
masks(const char *s, size_t head, size_t tail, size_t cap, const char *want)
{
	char out[64];

	assert_true(cap <= sizeof(out));
	memset(out, 'q', sizeof(out));
	mask_middle(s, head, tail, out, cap);
	if (strcmp(out, want) != 0)
		fail_msg("mask(\"%s\", %zu, %zu, cap %zu) = \"%s\", want \"%s\"", s ? s : "(null)",
			 head, tail, cap, out, want);
	assert_true(strlen(out) < cap);
}

static void
test_mask(void **state)
{
	char out[8];

	(void)state;
	masks("11010519491231002X", 3, 4, 64, "110***********002X");
	masks("421234567890121234", 3, 4, 64, "421***********1234");
	masks("张三丰", 1, 0, 64, "张**");
	masks("张三", 1, 0, 64, "张*");
	masks("张", 1, 0, 64, "*");
	masks("欧阳娜娜", 1, 1, 64, "欧**娜");
	masks("13800138000", 3, 4, 64, "138****8000");
	masks("ab张c", 1, 1, 64, "a**c");
	masks("😀😁😂", 1, 1, 64, "😀*😂");
	/* Nothing to hide in the middle: all hidden. */
	masks("abcdefg", 3, 4, 64, "*******");
	masks("abc", 3, 4, 64, "***");
	masks("张三", 1, 1, 64, "**");
	masks("", 3, 4, 64, "");
	masks(NULL, 3, 4, 64, "");
	masks("abc", SIZE_MAX, SIZE_MAX, 64, "***");
	masks("abc", 0, 0, 64, "***");
	masks("abcdef", 0, 2, 64, "****ef");
	masks("abcdef", 2, 0, 64, "ab****");
	/* Truncation at cap: whole characters and a NUL. */
	masks("11010519491231002X", 3, 4, 10, "110******");
	masks("11010519491231002X", 3, 4, 1, "");
	masks("张三丰", 2, 0, 4, "张");
	masks("张三丰", 2, 0, 3, "");
	masks("张三丰", 2, 0, 6, "张");
	masks("张三丰", 2, 0, 7, "张三");
	masks("张三丰", 2, 0, 8, "张三*");
	masks("😀😁😂", 1, 1, 5, "😀");
	masks("😀😁😂", 1, 1, 4, "");
	/* Broken UTF-8 counts byte by byte and stays within bounds. */
	masks("a\xe5\xbc", 1, 0, 64, "a**");
	masks("\xff\xfe\xfdxyz", 1, 1, 64, "\xff****z");
	/* cap 0 writes nothing at all. */
	memset(out, 'q', sizeof(out));
	mask_middle("abc", 1, 1, out, 0);
	assert_int_equal(out[0], 'q');
	mask_middle("abc", 1, 1, NULL, 0);

	memset(out, 'q', sizeof(out));
	idnum_mask("11010519491231002X", out, sizeof(out));
	assert_string_equal(out, "110****");
	{
		char big[32];

		idnum_mask("11010519491231002X", big, sizeof(big));
		assert_string_equal(big, "110***********002X");
		idnum_mask("420102198705121236", big, sizeof(big));
		assert_string_equal(big, "420***********1236");
		idnum_mask("1234567", big, sizeof(big));
		assert_string_equal(big, "*******");
		idnum_mask("12345678", big, sizeof(big));
		assert_string_equal(big, "123*5678");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_char),     cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_15),       cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_null_err), cmocka_unit_test(test_single_errors),
		cmocka_unit_test(test_credit_code),    cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
