/*
 * Unit tests of the keyring (store/keys.h), personal-data sealing
 * (access/pii.h) and the key-rotation job (jobs/pii_rotate.c):
 *   - key files: created 0600 in 0700 folders whatever the umask, never
 *     replaced, missing ones added; a keyring refused when others may read it;
 *   - sealing: round trips (empty, Chinese, 1 MB of any bytes); any one-byte
 *     change, truncation or unknown kid fails to open; seals of one value
 *     differ; the blind index is stable and domain-separated;
 *   - rotation: old values still open; the job re-seals 2500 persons in
 *     chunks, resumes after a stop without re-sealing twice, and changes
 *     nothing on a second run (on SQLite, or PostgreSQL with
 *     ANJU_TEST_DB_URL);
 *   - at rest: `strings` over a SQLite database, its WAL and a backup finds no
 *     fixture ID number or phone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/person.h"
#include "access/pii.h"
#include "core/crypto.h"
#include "core/idnum.h"
#include "jobs/job.h"
#include "store/backup.h"
#include "store/datadir.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testjob.h"

/* A folder of the test's own, as a data directory with keys. */
struct keydir {
	char dir[256];
	struct keyring *kr;
};

static void
keydir_make(struct keydir *k)
{
	struct anju_err e;

	memset(k, 0, sizeof(*k));
	assert_int_equal(testdb_mkdtemp(k->dir, sizeof(k->dir), "anju-keys"), 0);
	if (keys_create(k->dir, &e) != 0)
		fail_msg("keys_create: %s", e.msg);
	if (keys_load(k->dir, &k->kr, &e) != 0)
		fail_msg("keys_load: %s", e.msg);
}

static void
keydir_reload(struct keydir *k)
{
	struct anju_err e;

	keys_free(k->kr);
	k->kr = NULL;
	if (keys_load(k->dir, &k->kr, &e) != 0)
		fail_msg("keys_load: %s", e.msg);
}

static void
keydir_drop(struct keydir *k)
{
	keys_set_current(NULL);
	keys_free(k->kr);
	k->kr = NULL;
	testdb_rmtree(k->dir);
}

static char *
path_in(const char *dir, const char *rel)
{
	return datadir_path(dir, rel);
}

static mode_t
mode_of(const char *dir, const char *rel)
{
	char *p = path_in(dir, rel);
	struct stat st;

	if (lstat(p, &st) != 0)
		fail_msg("%s: missing", p);
	free(p);
	return st.st_mode & 07777;
}

/* The contents of dir/rel (at most 4 KiB) into a static buffer. */
static const char *
read_text(const char *dir, const char *rel)
{
	static char text[4096];
	char *p = path_in(dir, rel);
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		fail_msg("%s: cannot open", p);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	free(p);
	return text;
}

static void
set_mode(const char *dir, const char *rel, mode_t mode)
{
	char *p = path_in(dir, rel);

	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static bool
is_hex_line(const char *s, size_t digits)
{
	for (size_t i = 0; i < digits; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[digits] == '\n';
}

static void
test_key_files(void **state)
{
	static const char *const files[] = { "keys/audit.key", "keys/apikey.key", "keys/index.key",
					     "keys/pii/1.key", "keys/pii/current" };
	struct keydir k;
	struct anju_err e;
	mode_t old = umask(022);
	const char *t;

	(void)state;
	/* A lax umask must not loosen the modes. */
	keydir_make(&k);
	umask(old);
	assert_int_equal(mode_of(k.dir, "keys"), 0700);
	assert_int_equal(mode_of(k.dir, "keys/pii"), 0700);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		assert_int_equal(mode_of(k.dir, files[i]), 0600);
	t = read_text(k.dir, "keys/audit.key");
	assert_int_equal(strlen(t), 65);
	assert_true(is_hex_line(t, 64));
	t = read_text(k.dir, "keys/pii/1.key");
	assert_int_equal(strlen(t), 33 + 65);
	assert_true(is_hex_line(t, 32));
	assert_true(is_hex_line(t + 33, 64));
	assert_string_equal(read_text(k.dir, "keys/pii/current"), "1\n");
	/* Every key is its own. */
	assert_memory_not_equal(keys_audit(k.kr), keys_apikey(k.kr), KEYS_LEN);
	assert_memory_not_equal(keys_audit(k.kr), keys_index(k.kr), KEYS_LEN);
	assert_memory_not_equal(keys_apikey(k.kr), keys_index(k.kr), KEYS_LEN);
	assert_int_equal(keys_pii_current(k.kr), 1);
	assert_non_null(keys_pii_get(k.kr, 1));
	assert_null(keys_pii_get(k.kr, 2));
	/* The files hold what was loaded. */
	{
		uint8_t raw[KEYS_LEN];

		assert_int_equal(hex_decode(read_text(k.dir, "keys/audit.key"), 64, raw, 32), 0);
		assert_memory_equal(raw, keys_audit(k.kr), KEYS_LEN);
	}
	/* Never replaced. */
	assert_int_equal(keys_create(k.dir, &e), ANJU_EIO);
	assert_string_equal(e.key, "keys_exist");
	keydir_drop(&k);
}

static void
test_datadir_has_keys(void **state)
{
	char base[256], *dir;
	struct anju_err e;
	struct keyring *kr = NULL;

	(void)state;
	assert_int_equal(testdb_mkdtemp(base, sizeof(base), "anju-datadir"), 0);
	dir = path_in(base, "data");
	if (datadir_create(dir, NULL, NULL, &e) != 0)
		fail_msg("datadir_create: %s", e.msg);
	assert_int_equal(mode_of(dir, "keys"), 0700);
	assert_int_equal(mode_of(dir, "keys/index.key"), 0600);
	assert_int_equal(mode_of(dir, "keys/pii/1.key"), 0600);
	if (keys_load(dir, &kr, &e) != 0)
		fail_msg("keys_load: %s", e.msg);
	keys_free(kr);
	free(dir);
	testdb_rmtree(base);
}

static void
expect_refused(const char *dir, const char *what)
{
	struct keyring *kr = NULL;
	struct anju_err e;

	assert_int_equal(keys_load(dir, &kr, &e), ANJU_EFORBIDDEN);
	assert_null(kr);
	assert_string_equal(e.key, "keys_unsafe_mode");
	if (strstr(e.msg, what) == NULL || strstr(e.msg, "chmod") == NULL)
		fail_msg("message does not name %s and the fix: %s", what, e.msg);
}

static void
test_load_refuses_loose_modes(void **state)
{
	struct keydir k;

	(void)state;
	keydir_make(&k);
	set_mode(k.dir, "keys/audit.key", 0644);
	expect_refused(k.dir, "audit.key");
	set_mode(k.dir, "keys/audit.key", 0600);
	set_mode(k.dir, "keys/pii/1.key", 0640);
	expect_refused(k.dir, "1.key");
	set_mode(k.dir, "keys/pii/1.key", 0602);
	expect_refused(k.dir, "1.key");
	set_mode(k.dir, "keys/pii/1.key", 0600);
	set_mode(k.dir, "keys", 0755);
	expect_refused(k.dir, "keys");
	set_mode(k.dir, "keys", 0700);
	set_mode(k.dir, "keys/pii", 0711);
	expect_refused(k.dir, "pii");
	set_mode(k.dir, "keys/pii", 0700);
	/* Stricter than 0600 is fine. */
	set_mode(k.dir, "keys/index.key", 0400);
	keydir_reload(&k);
	keydir_drop(&k);
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	char *p = path_in(dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	free(p);
}

static void
remove_file(const char *dir, const char *rel)
{
	char *p = path_in(dir, rel);

	assert_int_equal(unlink(p), 0);
	free(p);
}

static void
test_load_refuses_malformed_and_missing(void **state)
{
	struct keydir k;
	struct keyring *kr = NULL;
	struct anju_err e;
	char saved[128];

	(void)state;
	keydir_make(&k);
	snprintf(saved, sizeof(saved), "%s", read_text(k.dir, "keys/apikey.key"));
	write_file(k.dir, "keys/apikey.key", "not a key\n");
	assert_int_equal(keys_load(k.dir, &kr, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "keys_malformed");
	/* One digit short. */
	saved[63] = '\n';
	saved[64] = '\0';
	write_file(k.dir, "keys/apikey.key", saved);
	assert_int_equal(keys_load(k.dir, &kr, &e), ANJU_EINVAL);
	write_file(k.dir, "keys/pii/current", "7\n");
	remove_file(k.dir, "keys/apikey.key");
	assert_int_equal(keys_load(k.dir, &kr, &e), ANJU_ENOTFOUND);
	assert_non_null(strstr(e.msg, "apikey.key"));
	assert_null(kr);
	keydir_drop(&k);
}

static void
test_ensure_adds_missing(void **state)
{
	struct keydir k;
	struct anju_err e;
	char audit[128];
	int created = -1;

	(void)state;
	keydir_make(&k);
	snprintf(audit, sizeof(audit), "%s", read_text(k.dir, "keys/audit.key"));
	assert_int_equal(keys_ensure(k.dir, &created, &e), 0);
	assert_int_equal(created, 0);
	/* A data directory of an older version: no index key, no pii keys. */
	remove_file(k.dir, "keys/index.key");
	remove_file(k.dir, "keys/pii/1.key");
	remove_file(k.dir, "keys/pii/current");
	assert_int_equal(keys_ensure(k.dir, &created, &e), 0);
	assert_int_equal(created, 3);
	assert_string_equal(read_text(k.dir, "keys/audit.key"), audit);
	assert_int_equal(mode_of(k.dir, "keys/index.key"), 0600);
	assert_string_equal(read_text(k.dir, "keys/pii/current"), "1\n");
	keydir_reload(&k);
	keydir_drop(&k);
}

static void
round_trip(const struct keyring *kr, const char *plain, size_t n)
{
	char *sealed = NULL, *back = NULL;
	size_t m = 0;

	assert_int_equal(pii_seal(kr, plain, n, &sealed), 0);
	assert_int_equal(pii_kid(sealed), keys_pii_current(kr));
	assert_int_equal(pii_open(kr, sealed, &back, &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(back, plain, n);
	assert_int_equal(back[n], '\0');
	pii_plain_free(back, m);
	free(sealed);
}

static void
test_round_trip(void **state)
{
	struct keydir k;
	size_t big = 1024 * 1024;
	char *mb = malloc(big);

	(void)state;
	keydir_make(&k);
	round_trip(k.kr, "", 0);
	round_trip(k.kr, "中文", strlen("中文"));
	round_trip(k.kr, "11010519491231002X", 18);
	round_trip(k.kr, "13800138000", 11);
	/* 1 MB of every byte value, NULs included. */
	random_bytes(mb, big);
	mb[10] = '\0';
	round_trip(k.kr, mb, big);
	for (size_t n = 0; n < 70; n++)
		round_trip(k.kr, mb + 1, n);
	free(mb);
	keydir_drop(&k);
}

static void
expect_not_open(const struct keyring *kr, const char *sealed)
{
	char *plain = NULL;
	size_t n = 99;
	int rc = pii_open(kr, sealed, &plain, &n);

	if (rc == 0)
		fail_msg("opened an altered value: \"%s\"", sealed);
	assert_null(plain);
	assert_int_equal(n, 0);
}

/* Every change to the sealed text of plain fails to open: each bit, each
 * byte replaced, truncated, shortened or lengthened. */
static void
any_change_fails(const struct keyring *kr, const char *plain)
{
	static const char repl[] = { 'A', 'a', '0', '9', '+', '/', '=', '.', 'v', '1', ' ', '\n' };
	char *sealed = NULL, *copy;
	size_t len;
	int tried = 0;

	assert_int_equal(pii_seal(kr, plain, strlen(plain), &sealed), 0);
	len = strlen(sealed);
	copy = malloc(len + 2);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, sealed, len + 1);
			copy[i] = (char)(copy[i] ^ (1 << bit));
			expect_not_open(kr, copy);
			tried++;
		}
		for (size_t r = 0; r < sizeof(repl); r++) {
			memcpy(copy, sealed, len + 1);
			if (copy[i] == repl[r])
				continue;
			copy[i] = repl[r];
			expect_not_open(kr, copy);
			tried++;
		}
		/* Truncated to i bytes. */
		memcpy(copy, sealed, i);
		copy[i] = '\0';
		expect_not_open(kr, copy);
		/* One byte removed. */
		memcpy(copy, sealed, i);
		memcpy(copy + i, sealed + i + 1, len - i);
		expect_not_open(kr, copy);
	}
	/* Something appended. */
	memcpy(copy, sealed, len);
	copy[len] = '=';
	copy[len + 1] = '\0';
	expect_not_open(kr, copy);
	assert_true(tried > 1000);
	free(copy);
	free(sealed);
}

static void
test_any_change_fails(void **state)
{
	struct keydir k;

	(void)state;
	keydir_make(&k);
	/* Payloads of 66, 59 and 58 bytes: base64 without padding, with one
	 * '=' and with two, where the last digit has 2 and 4 bits past the
	 * end that must be zero. */
	any_change_fails(k.kr, "11010519491231002X");
	any_change_fails(k.kr, "13800138000");
	any_change_fails(k.kr, "1380013800");
	expect_not_open(k.kr, NULL);
	expect_not_open(k.kr, "");
	expect_not_open(k.kr, "v1.1.");
	expect_not_open(k.kr, "11010519491231002X");
	keydir_drop(&k);
}

/* pii_open_into: the same value into the caller's buffer, refused when it
 * does not fit. */
static void
test_open_into(void **state)
{
	struct keydir k;
	char *sealed = NULL, out[19];
	size_t n = 99;

	(void)state;
	keydir_make(&k);
	assert_int_equal(pii_seal(k.kr, "11010519491231002X", 18, &sealed), 0);
	assert_int_equal(pii_open_into(k.kr, sealed, out, sizeof(out), &n), 0);
	assert_int_equal(n, 18);
	assert_string_equal(out, "11010519491231002X");
	/* No room for the NUL. */
	assert_int_equal(pii_open_into(k.kr, sealed, out, 18, &n), ANJU_ETOOBIG);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	sealed[strlen(sealed) - 1] ^= 1;
	assert_int_equal(pii_open_into(k.kr, sealed, out, sizeof(out), &n), ANJU_EINVAL);
	assert_string_equal(out, "");
	free(sealed);
	keydir_drop(&k);
}

static void
test_wrong_kid(void **state)
{
	struct keydir k;
	struct anju_err e;
	char *sealed = NULL, *other = NULL, *plain = NULL;
	size_t n = 0;
	int kid = 0;

	(void)state;
	keydir_make(&k);
	assert_int_equal(pii_seal(k.kr, "13800138000", 11, &sealed), 0);
	assert_int_equal(strncmp(sealed, "v1.1.", 5), 0);
	/* A kid this keyring has no key for. */
	other = xstrdup(sealed);
	other[3] = '2';
	assert_int_equal(pii_open(k.kr, other, &plain, &n), ANJU_ENOTFOUND);
	/* With a key 2 present, swapping the kid is caught by the MAC. */
	assert_int_equal(keys_rotate(k.dir, &kid, &e), 0);
	assert_int_equal(kid, 2);
	keydir_reload(&k);
	assert_int_equal(pii_open(k.kr, other, &plain, &n), ANJU_EINVAL);
	assert_int_equal(pii_open(k.kr, sealed, &plain, &n), 0);
	assert_string_equal(plain, "13800138000");
	pii_plain_free(plain, n);
	/* pii_kid reads the prefix only. */
	assert_int_equal(pii_kid(sealed), 1);
	assert_int_equal(pii_kid("v1.12.abc"), 12);
	assert_int_equal(pii_kid("v1.999999999.x"), 999999999);
	assert_int_equal(pii_kid("v1.1234567890.x"), -1);
	assert_int_equal(pii_kid("v1.01.abc"), -1);
	assert_int_equal(pii_kid("v1.0.abc"), -1);
	assert_int_equal(pii_kid("v1..abc"), -1);
	assert_int_equal(pii_kid("v1.1"), -1);
	assert_int_equal(pii_kid("v2.1.abc"), -1);
	assert_int_equal(pii_kid(""), -1);
	assert_int_equal(pii_kid(NULL), -1);
	free(other);
	free(sealed);
	keydir_drop(&k);
}

static void
test_seals_differ(void **state)
{
	struct keydir k;
	char *a = NULL, *b = NULL;

	(void)state;
	keydir_make(&k);
	assert_int_equal(pii_seal(k.kr, "11010519491231002X", 18, &a), 0);
	assert_int_equal(pii_seal(k.kr, "11010519491231002X", 18, &b), 0);
	assert_string_not_equal(a, b);
	/* Same length: the length of a value is not hidden, its bytes are. */
	assert_int_equal(strlen(a), strlen(b));
	free(a);
	free(b);
	keydir_drop(&k);
}

static void
test_index(void **state)
{
	struct keydir k, other;
	char a[65], b[65], c[65];

	(void)state;
	keydir_make(&k);
	keydir_make(&other);
	pii_index(k.kr, "id_number", "11010519491231002X", a);
	assert_int_equal(strlen(a), PII_INDEX_LEN);
	for (int i = 0; i < PII_INDEX_LEN; i++)
		assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
	/* Stable, across reloads too. */
	keydir_reload(&k);
	pii_index(k.kr, "id_number", "11010519491231002X", b);
	assert_string_equal(a, b);
	/* Domain-separated, value-separated, key-separated. */
	pii_index(k.kr, "phone", "11010519491231002X", c);
	assert_string_not_equal(a, c);
	pii_index(k.kr, "id_number", "33010219200403064X", c);
	assert_string_not_equal(a, c);
	pii_index(other.kr, "id_number", "11010519491231002X", c);
	assert_string_not_equal(a, c);
	/* The 0x00 keeps the domain and the value apart. */
	pii_index(k.kr, "phone", "1380", b);
	pii_index(k.kr, "phone1", "380", c);
	assert_string_not_equal(b, c);
	/* It is the first 128 bits of HMAC-SM3(index key, domain || 0 || value),
	 * and pii_index_mac() the whole. */
	{
		uint8_t mac[SM3_LEN];
		char hex[65], whole[65];

		hmac_sm3(keys_index(k.kr), KEYS_LEN,
			 "phone\0"
			 "1380",
			 10, mac);
		hex_encode(mac, sizeof(mac), hex);
		pii_index_mac(k.kr, "phone", "1380", whole);
		assert_string_equal(whole, hex);
		hex[PII_INDEX_LEN] = '\0';
		assert_string_equal(hex, b);
	}
	keydir_drop(&other);
	keydir_drop(&k);
}

static void
test_rotate_keys(void **state)
{
	struct keydir k;
	struct anju_err e;
	char *old = NULL, *fresh = NULL, *plain = NULL, *p;
	size_t n = 0;
	int kid = 0;
	struct stat st;

	(void)state;
	keydir_make(&k);
	assert_int_equal(pii_seal(k.kr, "中文姓名", strlen("中文姓名"), &old), 0);
	assert_int_equal(keys_rotate(k.dir, &kid, &e), 0);
	assert_int_equal(kid, 2);
	assert_int_equal(mode_of(k.dir, "keys/pii/2.key"), 0600);
	assert_int_equal(mode_of(k.dir, "keys/pii/current"), 0600);
	assert_string_equal(read_text(k.dir, "keys/pii/current"), "2\n");
	p = path_in(k.dir, "keys/pii/current.tmp");
	assert_int_not_equal(lstat(p, &st), 0);
	free(p);
	/* The keyring loaded before still seals under 1; a new one under 2. */
	assert_int_equal(keys_pii_current(k.kr), 1);
	keydir_reload(&k);
	assert_int_equal(keys_pii_current(k.kr), 2);
	assert_int_equal(pii_open(k.kr, old, &plain, &n), 0);
	assert_string_equal(plain, "中文姓名");
	pii_plain_free(plain, n);
	assert_int_equal(pii_seal(k.kr, "x", 1, &fresh), 0);
	assert_int_equal(pii_kid(fresh), 2);
	assert_int_equal(keys_rotate(k.dir, &kid, &e), 0);
	assert_int_equal(kid, 3);
	keydir_reload(&k);
	{
		size_t npii = 0;
		const struct keys_pii *all = keys_pii_all(k.kr, &npii);

		assert_int_equal(npii, 3);
		for (size_t i = 0; i < npii; i++)
			assert_int_equal(all[i].kid, (int)i + 1);
	}
	free(old);
	free(fresh);
	keydir_drop(&k);
}

/* --- the rotation job on a real database --- */

#define ROWS 2500

struct ctx {
	struct testdb t;
	struct db *db;
	struct keydir k;
};

static int
setup_db(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0)
		return -1;
	if (db_migrate(c->db, NULL, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	*state = c;
	return 0;
}

static int
teardown_db(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

static void
fixture_id(int i, char out[19])
{
	char tmp[64];

	/* Region 99 (RULES.md: demo data), born in 1980, distinct for every i
	 * below 21000. */
	snprintf(tmp, sizeof(tmp), "9901011980%02d%02d%03d", 1 + i % 12, 1 + i % 28, i % 1000);
	memcpy(out, tmp, 17);
	out[17] = idnum_check_char(out);
	out[18] = '\0';
}

static void
fixture_phone(int i, char out[12])
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "139%08d", i % 100000000);
	memcpy(out, tmp, 12);
}

static void
insert_person(struct db *db, const struct keyring *kr, const char *name, const char *idnum,
	      const char *phone)
{
	struct db_stmt *st;
	char *id_sealed = NULL, *phone_sealed = NULL, id_index[65], phone_index[65];

	assert_int_equal(pii_seal(kr, idnum, strlen(idnum), &id_sealed), 0);
	pii_index(kr, "id_number", idnum, id_index);
	if (phone != NULL) {
		assert_int_equal(pii_seal(kr, phone, strlen(phone), &phone_sealed), 0);
		pii_index(kr, "phone", phone, phone_index);
	}
	ok(db, db_prepare(db,
			  "INSERT INTO person (name, id_number_sealed, id_number_index,"
			  " phone_sealed, phone_index, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			  &st));
	db_bind_cstr(st, 1, name);
	db_bind_cstr(st, 2, id_sealed);
	db_bind_cstr(st, 3, id_index);
	db_bind_cstr(st, 4, phone_sealed);
	db_bind_cstr(st, 5, phone ? phone_index : NULL);
	db_bind_cstr(st, 6, "2026-01-01T00:00:00.000000Z");
	assert_int_equal(step_to_end(st), DB_DONE);
	free(id_sealed);
	free(phone_sealed);
}

/* Every 7th person has no phone. */
static bool
has_phone(int i)
{
	return i % 7 != 3;
}

static void
fill_persons(struct db *db, const struct keyring *kr)
{
	ok(db, db_begin(db));
	for (int i = 0; i < ROWS; i++) {
		char idnum[19], phone[12];

		fixture_id(i, idnum);
		fixture_phone(i, phone);
		insert_person(db, kr, "测试", idnum, has_phone(i) ? phone : NULL);
	}
	ok(db, db_commit(db));
}

static int64_t
count_under(struct db *db, const char *column, int kid)
{
	struct anju_err e;
	int64_t n = -1;

	if (pii_count(db, &pii_tables[0], column, kid, &n, &e) != 0)
		fail_msg("pii_count: %s", e.msg);
	return n;
}

/* The sealed values of rows 1..upto in id order, as one string. */
static char *
snapshot(struct db *db, int64_t upto)
{
	struct db_stmt *st;
	struct buf b;
	int rc;

	buf_init(&b, 0);
	ok(db, db_prepare(db,
			  "SELECT id, id_number_sealed, phone_sealed FROM person WHERE id <= ?"
			  " ORDER BY id",
			  &st));
	db_bind_int64(st, 1, upto);
	while ((rc = db_step(st)) == DB_ROW)
		buf_printf(&b, "%lld %s %s\n", (long long)db_col_int64(st, 0), db_col_text(st, 1),
			   db_col_null(st, 2) ? "-" : db_col_text(st, 2));
	assert_int_equal(rc, DB_DONE);
	db_reset(st);
	return buf_take(&b, NULL);
}

/* Every value opens under kr to the fixture it was made from. */
static void
check_all_open(struct db *db, const struct keyring *kr)
{
	struct db_stmt *st;
	int rc, seen = 0;

	ok(db,
	   db_prepare(db, "SELECT id_number_sealed, phone_sealed FROM person ORDER BY id", &st));
	while ((rc = db_step(st)) == DB_ROW) {
		char idnum[19], phone[12], *plain = NULL;
		size_t n = 0;

		fixture_id(seen, idnum);
		fixture_phone(seen, phone);
		assert_int_equal(pii_open(kr, db_col_text(st, 0), &plain, &n), 0);
		assert_string_equal(plain, idnum);
		pii_plain_free(plain, n);
		if (has_phone(seen)) {
			assert_int_equal(pii_open(kr, db_col_text(st, 1), &plain, &n), 0);
			assert_string_equal(plain, phone);
			pii_plain_free(plain, n);
		} else {
			assert_true(db_col_null(st, 1));
		}
		seen++;
	}
	assert_int_equal(rc, DB_DONE);
	db_reset(st);
	assert_int_equal(seen, ROWS);
}

/* A new job of kind with params p (taken). */
static int64_t
queue_job(struct db *db, const char *kind, json_t *p)
{
	struct anju_err e;
	int64_t id = 0;

	ok(db, db_begin(db));
	if (job_create(db, kind, p, "test", &id, &e) != 0)
		fail_msg("job_create: %s", e.msg);
	ok(db, db_commit(db));
	json_decref(p);
	return id;
}

static int64_t
create_job(struct db *db, int kid, int chunk)
{
	return queue_job(db, "pii_rotate", json_pack("{s:i, s:i}", "kid", kid, "chunk", chunk));
}

static json_t *
get_job(struct db *db, int64_t id)
{
	struct anju_err e;
	json_t *j = NULL;

	assert_int_equal(job_get(db, id, &j, &e), 0);
	return j;
}

static void
run_job(struct db *db, int64_t id, const volatile bool *stop, struct seen *s)
{
	struct anju_err e;
	int64_t got = 0;

	assert_int_equal(job_claim(db, "w", id, &got, &e), 1);
	if (job_run(db, id, "w", stop, on_progress, s, &e) != 0)
		fail_msg("job_run: %s", e.msg);
}

static const char *
job_state(json_t *j)
{
	return json_string_value(json_object_get(j, "state"));
}

/* The tables with sealed columns (pii_tables): the rotation ends each with
 * a chunk that finds nothing more. */
static int
sealed_tables(void)
{
	int n = 0;

	while (pii_tables[n].table != NULL)
		n++;
	return n;
}

static void
test_rotate_job(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	volatile bool stop = false;
	struct seen s = { .stop_after = &stop, .stop_at = 2 };
	int64_t phones = 0, id;
	char *before, *after;
	json_t *j;
	int kid = 0;

	keydir_make(&c->k);
	keys_set_current(c->k.kr);
	fill_persons(c->db, c->k.kr);
	for (int i = 0; i < ROWS; i++)
		phones += has_phone(i);
	assert_int_equal(count_under(c->db, "id_number_sealed", 1), ROWS);
	assert_int_equal(count_under(c->db, "phone_sealed", 1), phones);
	assert_int_equal(count_under(c->db, "phone_sealed", 0), phones);

	/* A job for a key this process does not have as current fails, changing
	 * nothing. */
	id = create_job(c->db, 2, 500);
	run_job(c->db, id, NULL, &(struct seen){ 0 });
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "failed");
	json_decref(j);
	assert_int_equal(count_under(c->db, "id_number_sealed", 1), ROWS);

	assert_int_equal(keys_rotate(c->k.dir, &kid, &e), 0);
	assert_int_equal(kid, 2);
	keys_set_current(NULL);
	keydir_reload(&c->k);
	keys_set_current(c->k.kr);
	/* Old values still open under the new keyring. */
	check_all_open(c->db, c->k.kr);

	/* Stopped after two chunks of 500: handed back with 1000 rows done. */
	id = create_job(c->db, 2, 500);
	run_job(c->db, id, &stop, &s);
	assert_int_equal(s.calls, 2);
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "queued");
	json_decref(j);
	assert_int_equal(count_under(c->db, "id_number_sealed", 2), 1000);
	assert_int_equal(count_under(c->db, "id_number_sealed", 1), ROWS - 1000);
	before = snapshot(c->db, 1000);

	/* Resumed: the remaining three chunks (and the empty one that finds the
	 * end of person, and one for each other sealed table, empty here),
	 * nothing done twice. */
	s = (struct seen){ 0 };
	run_job(c->db, id, NULL, &s);
	assert_int_equal(s.calls, 3 + sealed_tables());
	assert_int_equal(s.last_done, ROWS);
	assert_int_equal(s.total, ROWS);
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(j, "attempts")), 2);
	{
		json_t *res = json_object_get(j, "result");
		int64_t later_phones = 0;

		for (int i = 1000; i < ROWS; i++)
			later_phones += has_phone(i);
		assert_int_equal(json_integer_value(json_object_get(res, "kid")), 2);
		assert_int_equal(json_integer_value(json_object_get(res, "rows")), ROWS);
		assert_int_equal(json_integer_value(json_object_get(res, "resealed")),
				 (ROWS - 1000) + later_phones);
	}
	json_decref(j);
	after = snapshot(c->db, 1000);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(count_under(c->db, "id_number_sealed", 2), ROWS);
	assert_int_equal(count_under(c->db, "id_number_sealed", 1), 0);
	assert_int_equal(count_under(c->db, "phone_sealed", 2), phones);
	assert_int_equal(count_under(c->db, "phone_sealed", 1), 0);
	check_all_open(c->db, c->k.kr);

	/* Run again: nothing to do, nothing changed. */
	before = snapshot(c->db, ROWS);
	id = create_job(c->db, 2, 1000);
	run_job(c->db, id, NULL, &(struct seen){ 0 });
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "succeeded");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "result"), "resealed")), 0);
	json_decref(j);
	after = snapshot(c->db, ROWS);
	assert_string_equal(before, after);
	free(before);
	free(after);
	keydir_drop(&c->k);
}

static void
test_rotate_job_unreadable_value(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t id;
	json_t *j;
	int kid = 0;

	keydir_make(&c->k);
	insert_person(c->db, c->k.kr, "甲", "11010519491231002X", "13800138000");
	ok(c->db, run_text(c->db, "UPDATE person SET phone_sealed = ?", "v1.1.AAAA"));
	assert_int_equal(keys_rotate(c->k.dir, &kid, &e), 0);
	keydir_reload(&c->k);
	keys_set_current(c->k.kr);
	id = create_job(c->db, kid, 500);
	run_job(c->db, id, NULL, &(struct seen){ 0 });
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "failed");
	/* The message names where, never what. */
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "phone_sealed"));
	json_decref(j);
	/* The chunk was rolled back: the readable value is still under 1. */
	assert_int_equal(count_under(c->db, "id_number_sealed", 1), 1);
	keydir_drop(&c->k);
}

/* --- the stored masks' job (sql/031, jobs/person_masks.c) --- */

static int64_t
create_masks_job(struct db *db, int chunk)
{
	return queue_job(db, "person_masks", json_pack("{s:i}", "chunk", chunk));
}

static int64_t
result_of(struct db *db, int64_t id, const char *key)
{
	json_t *j = get_job(db, id);
	int64_t v;

	assert_string_equal(job_state(j), "succeeded");
	v = json_integer_value(json_object_get(json_object_get(j, "result"), key));
	json_decref(j);
	return v;
}

/* Rows written without masks (as before sql/031) get them from their sealed
 * values, in resumable chunks; a mask already there and a value that cannot
 * be opened are left alone; a second run has nothing to do. */
static void
test_masks_job(void **state)
{
	struct ctx *c = *state;
	volatile bool stop = false;
	struct seen s = { .stop_after = &stop, .stop_at = 2 };
	struct db_stmt *st;
	int64_t id, phones = 0;
	int rc, seen = 0;
	json_t *j;

	keydir_make(&c->k);
	keys_set_current(c->k.kr);
	fill_persons(c->db, c->k.kr);
	for (int i = 0; i < ROWS; i++)
		phones += has_phone(i);
	/* Person 1 has its phone's mask already (a change made meanwhile);
	 * person 5's phone is damaged. */
	exec_ok(c->db, "UPDATE person SET phone_masked = '000****0000' WHERE id = 1");
	exec_ok(c->db, "UPDATE person SET phone_sealed = 'v1.1.AAAA' WHERE id = 5");

	id = create_masks_job(c->db, 1000);
	run_job(c->db, id, &stop, &s);
	assert_int_equal(s.calls, 2);
	j = get_job(c->db, id);
	assert_string_equal(job_state(j), "queued");
	json_decref(j);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM person WHERE id_number_masked"
					  " IS NOT NULL"),
			 2000);
	s = (struct seen){ 0 };
	run_job(c->db, id, NULL, &s);
	assert_int_equal(s.last_done, s.total);
	assert_int_equal(result_of(c->db, id, "unreadable"), 1);
	/* Every ID number, and every phone but person 1's and person 5's. */
	assert_int_equal(result_of(c->db, id, "masks"), ROWS + phones - 2);

	ok(c->db,
	   db_prepare(c->db, "SELECT id, id_number_masked, phone_masked FROM person ORDER BY id",
		      &st));
	while ((rc = db_step(st)) == DB_ROW) {
		char idnum[19], phone[12], want[PERSON_MASK_MAX];
		int64_t pid = db_col_int64(st, 0);

		fixture_id(seen, idnum);
		fixture_phone(seen, phone);
		idnum_mask(idnum, want, sizeof(want));
		assert_string_equal(db_col_text(st, 1), want);
		if (pid == 1) {
			assert_string_equal(db_col_text(st, 2), "000****0000");
		} else if (pid == 5 || !has_phone(seen)) {
			assert_true(db_col_null(st, 2));
		} else {
			mask_middle(phone, 3, 4, want, sizeof(want));
			assert_string_equal(db_col_text(st, 2), want);
		}
		seen++;
	}
	assert_int_equal(rc, DB_DONE);
	db_reset(st);
	assert_int_equal(seen, ROWS);

	/* Again: only the damaged phone is still without a mask. */
	id = create_masks_job(c->db, 500);
	run_job(c->db, id, NULL, &(struct seen){ 0 });
	assert_int_equal(result_of(c->db, id, "rows"), 1);
	assert_int_equal(result_of(c->db, id, "masks"), 0);
	assert_int_equal(result_of(c->db, id, "unreadable"), 1);
	keydir_drop(&c->k);
}

/* Migration 031 queues the job where there are people, and only there. */
static void
test_masks_job_queued(void **state)
{
	struct ctx *c = *state;
	struct testdb t;
	struct anju_err e;
	struct db *db;
	int before = 0;

	(void)c;
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM job"), 0);
	while (migrations[before].version < 31)
		before++;
	assert_int_equal(testdb_open(&t, &db), 0);
	assert_int_equal(db_migrate_list(db, migrations, before, NULL, &e), 0);
	keydir_make(&c->k);
	insert_person(db, c->k.kr, "甲", "11010519491231002X", "13800138000");
	assert_int_equal(db_migrate(db, NULL, &e), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM job WHERE kind = 'person_masks'"
				       " AND state = 'queued' AND created_at LIKE '20__-__-__T%Z'"),
			 1);
	testdb_close(&t, db);
	keydir_drop(&c->k);
}

/* Migration 032 cuts the stored blind indexes to pii_index()'s 32 digits:
 * a person indexed before it is found after it, by ID number and phone. */
static void
test_index_cut(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;
	struct testdb t;
	struct anju_err e;
	struct db *db;
	char id_mac[65], phone_mac[65], idx[PII_INDEX_LEN + 1];
	int64_t id = 0;
	int before = 0;

	while (migrations[before].version < 32)
		before++;
	assert_int_equal(testdb_open(&t, &db), 0);
	assert_int_equal(db_migrate_list(db, migrations, before, NULL, &e), 0);
	keydir_make(&c->k);
	/* Two people as written before 032: whole HMACs; the second has no phone. */
	pii_index_mac(c->k.kr, "id_number", "11010519491231002X", id_mac);
	pii_index_mac(c->k.kr, "phone", "13800138000", phone_mac);
	ok(db, db_prepare(db,
			  "INSERT INTO person (name, id_number_sealed, id_number_index,"
			  " phone_sealed, phone_index, created_at) VALUES"
			  " ('甲', 'v1.1.x', ?, 'v1.1.y', ?, '2026-01-01T00:00:00.000000Z'),"
			  " ('乙', 'v1.1.z', ?, NULL, NULL, '2026-01-01T00:00:00.000000Z')",
			  &st));
	db_bind_cstr(st, 1, id_mac);
	db_bind_cstr(st, 2, phone_mac);
	pii_index_mac(c->k.kr, "id_number", "33010219200403064X", id_mac);
	db_bind_cstr(st, 3, id_mac);
	assert_int_equal(step_to_end(st), DB_DONE);
	assert_int_equal(
		query_int(db, "SELECT COUNT(*) FROM person WHERE length(id_number_index) = 64"), 2);
	assert_int_equal(db_migrate(db, NULL, &e), 0);
	assert_int_equal(
		query_int(db, "SELECT COUNT(*) FROM person WHERE length(id_number_index) = 32"), 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM person WHERE phone_index IS NULL"), 1);
	pii_index(c->k.kr, "id_number", "33010219200403064X", idx);
	assert_int_equal(person_find_index(db, idx, &id, &e), 0);
	assert_int_equal(id, query_int(db, "SELECT id FROM person WHERE name = '乙'"));
	pii_index(c->k.kr, "id_number", "11010519491231002X", idx);
	assert_int_equal(person_find_index(db, idx, &id, &e), 0);
	assert_int_equal(id, query_int(db, "SELECT id FROM person WHERE name = '甲'"));
	pii_index(c->k.kr, "phone", "13800138000", idx);
	ok(db, db_prepare(db, "SELECT COUNT(*) FROM person WHERE phone_index = ? AND name = '甲'",
			  &st));
	db_bind_cstr(st, 1, idx);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	db_reset(st);
	testdb_close(&t, db);
	keydir_drop(&c->k);
}

/* --- nothing in clear at rest --- */

static const char *const fixture_ids[] = { "11010519491231002X", "33010219200403064X",
					   "420102198807150012", NULL };
static const char *const fixture_phones[] = { "13800138000", "13912345678", "18627001234", NULL };
#define CANARY "CANARY-name-visible"

/* What `strings -a` prints for path, or NULL when the file does not exist. */
static char *
strings_of(const char *path)
{
	struct buf cmd, out;
	struct stat st;
	char chunk[4096];
	size_t n;
	FILE *p;

	if (stat(path, &st) != 0)
		return NULL;
	buf_init(&cmd, 0);
	buf_init(&out, 0);
	buf_printf(&cmd, "strings -a -n 4 '%s'", path);
	p = popen(cmd.p, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&out, chunk, n);
	assert_int_equal(pclose(p), 0);
	buf_free(&cmd);
	return buf_take(&out, NULL);
}

/* Scans path: no fixture anywhere, not even its last 12 characters; the
 * canary's presence (when want_canary) proves the scan sees the rows. */
static void
scan(const char *path, bool want_canary)
{
	char *s = strings_of(path);

	if (s == NULL)
		fail_msg("%s does not exist", path);
	for (const char *const *f = fixture_ids; *f; f++)
		if (strstr(s, *f) != NULL || strstr(s, *f + 6) != NULL)
			fail_msg("%s holds the ID number %s in clear", path, *f);
	for (const char *const *f = fixture_phones; *f; f++)
		if (strstr(s, *f) != NULL)
			fail_msg("%s holds the phone %s in clear", path, *f);
	if (want_canary && strstr(s, CANARY) == NULL)
		fail_msg("%s: the scan does not see the rows (no canary)", path);
	free(s);
}

static void
test_strings_scan(void **state)
{
	char base[256], *dir, *url, *dbpath, *wal, *files, *archive;
	struct anju_err e;
	struct keyring *kr = NULL;
	struct db *db = NULL;
	struct buf b;
	char *s;
	int i;

	(void)state;
	assert_int_equal(testdb_mkdtemp(base, sizeof(base), "anju-scan"), 0);
	dir = path_in(base, "data");
	if (datadir_create(dir, NULL, NULL, &e) != 0)
		fail_msg("datadir_create: %s", e.msg);
	if (keys_load(dir, &kr, &e) != 0)
		fail_msg("keys_load: %s", e.msg);
	buf_init(&b, 0);
	buf_printf(&b, "sqlite:%s/anju.db", dir);
	url = buf_take(&b, NULL);
	dbpath = path_in(dir, "anju.db");
	wal = path_in(dir, "anju.db-wal");
	files = path_in(dir, "files");
	archive = path_in(base, "backup.tar");
	if (db_open(url, &db, &e) != 0 || db_migrate(db, NULL, &e) != 0)
		fail_msg("db: %s", e.msg);
	ok(db, db_begin(db));
	for (i = 0; fixture_ids[i] != NULL; i++)
		insert_person(db, kr, CANARY, fixture_ids[i], fixture_phones[i]);
	ok(db, db_commit(db));
	/* The rows are in the WAL now; the database file may not have them yet. */
	s = strings_of(wal);
	assert_non_null(s);
	assert_non_null(strstr(s, CANARY));
	free(s);
	scan(wal, true);
	scan(dbpath, false);
	/* After a checkpoint they are in the database file itself. */
	exec_ok(db, "PRAGMA wal_checkpoint(FULL)");
	scan(dbpath, true);
	scan(wal, false);
	/* And in a backup. */
	if (backup_write(db, files, archive, NULL, NULL, &e) != 0)
		fail_msg("backup_write: %s", e.msg);
	scan(archive, true);
	/* The backup holds no key either. */
	s = strings_of(archive);
	assert_null(strstr(s, "index.key"));
	{
		char hex[2 * KEYS_LEN + 1];

		hex_encode(keys_index(kr), KEYS_LEN, hex);
		assert_null(strstr(s, hex));
		hex_encode(keys_pii_get(kr, 1)->mac, KEYS_LEN, hex);
		assert_null(strstr(s, hex));
	}
	free(s);
	db_close(db);
	keys_free(kr);
	free(url);
	free(dbpath);
	free(wal);
	free(files);
	free(archive);
	free(dir);
	testdb_rmtree(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_datadir_has_keys),
		cmocka_unit_test(test_load_refuses_loose_modes),
		cmocka_unit_test(test_load_refuses_malformed_and_missing),
		cmocka_unit_test(test_ensure_adds_missing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_any_change_fails),
		cmocka_unit_test(test_open_into),
		cmocka_unit_test(test_wrong_kid),
		cmocka_unit_test(test_seals_differ),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_rotate_keys),
		cmocka_unit_test_setup_teardown(test_rotate_job, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_rotate_job_unreadable_value, setup_db,
						teardown_db),
		cmocka_unit_test_setup_teardown(test_masks_job, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_masks_job_queued, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_index_cut, setup_db, teardown_db),
		cmocka_unit_test(test_strings_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
