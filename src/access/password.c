/*
 * Passwords.  See password.h.  argon2id costs are configurable so tests can
 * run cheaply; production keeps libsodium's interactive limits or more.
 */
#include "access/password.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"

static unsigned long long opslimit = 2;
static size_t memlimit = 64 * 1024 * 1024;
static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* Refused whatever their length: the top of every leaked-password list and
 * the obvious local ones. */
static const char *const common[] = {
	"password",  "password1",  "password123", "passw0rd",   "p@ssw0rd", "12345678",
	"123456789", "1234567890", "12345678910", "87654321",   "11111111", "00000000",
	"88888888",  "66666666",   "qwertyuiop",  "qwerty123",  "1q2w3e4r", "1qaz2wsx",
	"abc12345",  "abcd1234",   "a1234567",    "iloveyou",   "admin123", "admin@123",
	"welcome1",  "woaini1314", "5201314",     "aa123456",   "qq123456", "zxcvbnm123",
	"Aa123456",  "Aa123456!",  "Admin@123",   "Password1!", "P@ssw0rd", "Qwer1234",
	"Abc@1234",  "Abc123456",  "Root@123",    "Huawei@123", NULL,
};

void
password_configure(void)
{
	opslimit = (unsigned long long)config_int("password_opslimit");
	memlimit = (size_t)config_int("password_memlimit_kib") * 1024;
}

int
password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	if (sodium_init() < 0)
		return ANJU_EINTERNAL;
	if (crypto_pwhash_str_alg(out, password, strlen(password), opslimit, memlimit,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ANJU_EINTERNAL;
	return 0;
}

static void
make_dummy(void)
{
	/* A hash of nothing anyone types, made once with the current cost. */
	if (password_hash("\x01 no account has this password \x01", dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

bool
password_verify(const char *hash, const char *password)
{
	size_t n = strlen(password);

	if (n > PASSWORD_MAX)
		n = PASSWORD_MAX;
	if (hash == NULL || hash[0] == '\0') {
		pthread_once(&dummy_once, make_dummy);
		/* The result is irrelevant; the work is the point. */
		if (dummy_hash[0] != '\0' && crypto_pwhash_str_verify(dummy_hash, password, n) == 0)
			return false;
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n < 3)
		return false;
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static size_t
utf8_len(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			c++;
	return c;
}

int
password_check(const char *password, const char *username, enum role role, struct anju_err *e)
{
	size_t len = utf8_len(password), min = role == ROLE_TENANT ? 8 : 10;
	int lower = 0, upper = 0, digit = 0, other = 0;

	if (strlen(password) > PASSWORD_MAX)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
				 "密码过长（最多 %d 字节）", PASSWORD_MAX);
	if (len < min)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
				 "密码至少需要 %zu 个字符", min);
	for (const char *p = password; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
					 "密码不能包含控制字符");
		lower |= islower(c) != 0;
		upper |= isupper(c) != 0;
		digit |= isdigit(c) != 0;
		other |= !isalnum(c);
	}
	if (role != ROLE_TENANT && lower + upper + digit + other < 3)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
				 "密码需包含小写字母、大写字母、数字、符号中的至少三类");
	for (const char *const *c = common; *c; c++)
		if (strcasecmp(password, *c) == 0)
			return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
					 "这是常见密码，请换一个");
	if (username != NULL && contains_ci(password, username))
		return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
				 "密码不能包含用户名");
	return 0;
}

void
password_generate(char out[21])
{
	/* Unambiguous characters; the fixed positions guarantee all four classes. */
	static const char lower[] = "abcdefghijkmnpqrstuvwxyz",
			  upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits[] = "23456789",
			  symbols[] = "-_.+@%";
	static const char *const sets[] = { lower, upper, digits, symbols };
	unsigned char r[20];

	random_bytes(r, sizeof(r));
	for (int i = 0; i < 20; i++) {
		const char *set = i < 4 ? sets[i] : (i % 5 == 0 ? digits : i % 2 ? lower : upper);

		out[i] = set[r[i] % strlen(set)];
	}
	out[20] = '\0';
}
