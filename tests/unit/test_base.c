/*
 * Unit tests of the base helpers: arenas, bounded buffers and slices, the
 * bounded integer parser, error details, logging levels and the
 * configuration table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include <jansson.h>

static void
test_arena(void **state)
{
	struct arena *a = arena_new();
	char *big;
	int *small[100];

	(void)state;
	for (int i = 0; i < 100; i++) {
		small[i] = arena_alloc(a, sizeof(int));
		assert_int_equal(((uintptr_t)small[i]) % 16, 0);
		assert_int_equal(*small[i], 0);
		*small[i] = i;
	}
	big = arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	for (int i = 0; i < 100; i++)
		assert_int_equal(*small[i], i);
	assert_string_equal(arena_printf(a, "%d-%s", 42, "安居"), "42-安居");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_true(arena_size(a) >= 100000);
	arena_free(a);
	arena_free(NULL);
}

static void
test_buf(void **state)
{
	struct buf b;
	char *p;
	size_t n;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "12345"), 0);
	assert_int_equal(buf_printf(&b, "%d", 6789), 0);
	assert_string_equal(b.p, "123456789");
	assert_int_equal(buf_adds(&b, "ab"), ANJU_ETOOBIG);
	assert_true(b.over);
	assert_string_equal(b.p, "123456789");
	assert_int_equal(buf_addc(&b, '0'), 0);
	assert_int_equal(buf_addc(&b, '!'), ANJU_ETOOBIG);
	buf_reset(&b);
	assert_int_equal(b.n, 0);
	assert_false(b.over);
	p = buf_take(&b, &n);
	assert_int_equal(n, 0);
	free(p);
	buf_free(&b);
}

static void
test_str(void **state)
{
	struct str s = STR_LIT("  a,b,,c  "), head;

	(void)state;
	s = str_trim(s);
	assert_true(str_eq_c(s, "a,b,,c"));
	assert_true(str_cut(&s, ',', &head));
	assert_true(str_eq_c(head, "a"));
	assert_true(str_cut(&s, ',', &head));
	assert_true(str_eq_c(head, "b"));
	assert_true(str_cut(&s, ',', &head));
	assert_true(str_eq_c(head, ""));
	assert_false(str_cut(&s, ',', &head));
	assert_true(str_eq_c(head, "c"));
	assert_int_equal(s.n, 0);
	assert_true(str_starts(str_c("/api/v1"), "/api"));
	assert_false(str_starts(str_c("/ap"), "/api"));
	assert_true(str_eq(str_c(NULL), STR_LIT("")));
}

static void
test_int_parse(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(str_to_int64(str_c("42"), 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_int64(str_c("-7"), -10, 10, &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(str_to_int64(str_c("9223372036854775807"), INT64_MIN, INT64_MAX, &v), 0);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(str_to_int64(str_c("-9223372036854775808"), INT64_MIN, INT64_MAX, &v), 0);
	assert_int_equal(v, INT64_MIN);
	assert_int_equal(str_to_int64(str_c("9223372036854775808"), INT64_MIN, INT64_MAX, &v),
			 ANJU_ERANGE);
	assert_int_equal(str_to_int64(str_c("-9223372036854775809"), INT64_MIN, INT64_MAX, &v),
			 ANJU_ERANGE);
	assert_int_equal(str_to_int64(str_c("101"), 0, 100, &v), ANJU_ERANGE);
	assert_int_equal(str_to_int64(str_c("-1"), 0, 100, &v), ANJU_ERANGE);
	assert_int_equal(str_to_int64(str_c(""), 0, 100, &v), ANJU_EINVAL);
	assert_int_equal(str_to_int64(str_c("-"), 0, 100, &v), ANJU_EINVAL);
	assert_int_equal(str_to_int64(str_c("1x"), 0, 100, &v), ANJU_EINVAL);
	assert_int_equal(str_to_int64(str_c(" 1"), 0, 100, &v), ANJU_EINVAL);
	assert_int_equal(str_to_int64(str_c("0x10"), 0, 100, &v), ANJU_EINVAL);
}

static void
test_err(void **state)
{
	struct anju_err e;
	char longkey[200];

	(void)state;
	assert_int_equal(anju_fail(&e, ANJU_ENOTFOUND, NULL, NULL, "没有 %d", 7), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "not_found");
	assert_string_equal(e.msg, "没有 7");
	assert_string_equal(e.field, "");
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	anju_fail(&e, ANJU_EINVAL, longkey, longkey, "%s", longkey);
	assert_int_equal(strlen(e.key), sizeof(e.key) - 1);
	assert_int_equal(anju_fail(NULL, ANJU_EDB, NULL, NULL, "x"), ANJU_EDB);
	/* Truncation never leaves half a character: 房 is 3 bytes, 100 of them
	 * overflow both the field (64) and the message (256). */
	{
		char many[301];

		for (int i = 0; i < 100; i++)
			memcpy(many + 3 * i, "房", 3);
		many[300] = '\0';
		for (int shift = 0; shift < 3; shift++) {
			anju_fail(&e, ANJU_EINVAL, NULL, many + 0, "%.*s%s", shift, "ab", many);
			assert_int_equal(strlen(e.field) % 3, 0);
			assert_int_equal((strlen(e.msg) - (size_t)shift) % 3, 0);
			assert_true(strlen(e.msg) >= sizeof(e.msg) - 4);
		}
	}
	anju_err_clear(&e);
	assert_int_equal(e.code, 0);
	for (int c = ANJU_EINVAL; c >= ANJU_EINTERNAL; c--)
		assert_non_null(anju_err_default_key(c));
}

static void
test_log_levels(void **state)
{
	enum log_level l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("loud", &l), ANJU_EINVAL);
	log_set_request_id("abc");
	assert_string_equal(log_request_id(), "abc");
	log_set_request_id(NULL);
	assert_string_equal(log_request_id(), "");
}

static void
test_config(void **state)
{
	struct anju_err e;
	char dir[] = "/tmp/anju-config-XXXXXX", path[64], path2[64];
	FILE *f;

	(void)state;
	config_reset();
	assert_int_equal(config_int("threads"), 0); /* serve picks: per CPU and engine */
	assert_string_equal(config_str("listen"), "127.0.0.1:8080");
	assert_true(config_bool("schedules"));
	assert_int_equal(config_set("threads", "8", "test", &e), 0);
	assert_int_equal(config_int("threads"), 8);
	assert_int_equal(config_set("threads", "-1", "test", &e), ANJU_EINVAL);
	assert_string_equal(e.field, "threads");
	assert_int_equal(config_set("threads", "eight", "test", &e), ANJU_EINVAL);
	assert_int_equal(config_set("schedules", "maybe", "test", &e), ANJU_EINVAL);
	assert_int_equal(config_set("log_level", "loud", "test", &e), ANJU_EINVAL);
	assert_int_equal(config_set("nonsense", "1", "test", &e), ANJU_EINVAL);
	assert_string_equal(e.key, "unknown_config");
	assert_int_equal(config_int("threads"), 8);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/anju.conf", dir);
	f = fopen(path, "w");
	fputs("# comment\n\n  threads = 3 \nlisten=127.0.0.1:9999\n", f);
	fclose(f);
	setenv("ANJU_THREADS", "5", 1);
	config_reset();
	assert_int_equal(config_load(path, &e), 0);
	assert_int_equal(config_int("threads"), 5); /* the environment wins over the file */
	assert_string_equal(config_str("listen"), "127.0.0.1:9999");
	unsetenv("ANJU_THREADS");
	f = fopen(path, "a");
	fputs("bogus line\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &e), ANJU_EINVAL);
	assert_non_null(strstr(e.msg, "anju.conf:5"));
	/* A missing file is no error. */
	snprintf(path2, sizeof(path2), "%s/none.conf", dir);
	assert_int_equal(config_load(path2, &e), 0);
	/* The written file reads back to the same values. */
	config_reset();
	config_set("max_body", "2048", "test", &e);
	assert_int_equal(config_write_file(path2, &e), 0);
	assert_int_equal(config_write_file(path2, &e), ANJU_EIO); /* never overwritten */
	config_reset();
	assert_int_equal(config_load(path2, &e), 0);
	assert_int_equal(config_int("max_body"), 2048);
	assert_int_equal(config_int("threads"), 0);
	unlink(path);
	unlink(path2);
	rmdir(dir);
	/* Every default passes its own validation (config_reset aborts otherwise). */
	for (const struct config_def *d = config_defs; d->name; d++)
		assert_true(config_known(d->name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),  cmocka_unit_test(test_buf),
		cmocka_unit_test(test_str),    cmocka_unit_test(test_int_parse),
		cmocka_unit_test(test_err),    cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
