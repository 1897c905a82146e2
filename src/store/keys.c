/*
 * The keyring in DATA/keys.  See keys.h for the files and their format.
 *
 * Every file is opened without following links and checked after opening
 * (fstat), so what is checked is what is read.  Key text is wiped from
 * memory as soon as it has been parsed or written.
 */
#include "store/keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "store/datadir.h"

/* Larger than any key file anju writes; a larger file is not ours. */
#define KEY_FILE_MAX 512
/* Kids are written in decimal with at most this many digits. */
#define KID_DIGITS_MAX 9

struct keyring {
	uint8_t audit[KEYS_LEN];
	uint8_t apikey[KEYS_LEN];
	uint8_t index[KEYS_LEN];
	int current;
	struct keys_pii *pii; /* by increasing kid */
	size_t npii;
};

static const struct keyring *process_keyring;

static int
io_fail(struct anju_err *e, const char *what, const char *path)
{
	return anju_fail(e, ANJU_EIO, "keys_io_error", NULL, "cannot %s %s: %s", what, path,
			 strerror(errno));
}

static int
fsync_dir(const char *path, struct anju_err *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return io_fail(e, "open", path);
	if (fsync(fd) != 0)
		rc = io_fail(e, "sync", path);
	close(fd);
	return rc;
}

/* Makes path a directory of mode 0700 unless it exists already. */
static int
make_dir(const char *path, struct anju_err *e)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return chmod(path, 0700) == 0 ? 0 : io_fail(e, "set the mode of", path);
	if (errno != EEXIST)
		return io_fail(e, "create", path);
	if (lstat(path, &st) != 0)
		return io_fail(e, "inspect", path);
	if (!S_ISDIR(st.st_mode))
		return anju_fail(e, ANJU_EIO, "keys_io_error", NULL, "%s is not a directory", path);
	return 0;
}

/* Writes text to a new file path (mode 0600, never an existing one) and
 * syncs it; on failure nothing is left behind. */
static int
write_new_file(const char *path, const char *text, struct anju_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t n = strlen(text), done = 0;

	if (fd < 0)
		return io_fail(e, "create", path);
	/* Whatever the umask, a key file is exactly 0600. */
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (done < n) {
		ssize_t w = write(fd, text + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail : {
	int rc = io_fail(e, "write", path);

	if (fd >= 0)
		close(fd);
	unlink(path);
	return rc;
}
}

/* A new key file of n random bytes as hex and a newline. */
static int
write_random_key(const char *path, size_t n, struct anju_err *e)
{
	uint8_t raw[KEYS_LEN];
	char text[2 * KEYS_LEN + 2];
	int rc;

	random_bytes(raw, n);
	hex_encode(raw, n, text);
	text[2 * n] = '\n';
	text[2 * n + 1] = '\0';
	rc = write_new_file(path, text, e);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	return rc;
}

static char *
pii_key_path(const char *datadir, int kid)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s/keys/pii/%d.key", datadir, kid);
	return buf_take(&b, NULL);
}

/* A new pii/<kid>.key: the SM4 key line, then the HMAC-SM3 key line. */
static int
write_pii_key(const char *datadir, int kid, struct anju_err *e)
{
	uint8_t enc[SM4_KEY_LEN], mac[KEYS_LEN];
	char text[2 * SM4_KEY_LEN + 1 + 2 * KEYS_LEN + 2];
	char *path = pii_key_path(datadir, kid);
	int rc;

	random_bytes(enc, sizeof(enc));
	random_bytes(mac, sizeof(mac));
	hex_encode(enc, sizeof(enc), text);
	text[2 * SM4_KEY_LEN] = '\n';
	hex_encode(mac, sizeof(mac), text + 2 * SM4_KEY_LEN + 1);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	rc = write_new_file(path, text, e);
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(text, sizeof(text));
	free(path);
	return rc;
}

/* Points pii/current at kid: a temporary file, synced, renamed over the old
 * one, and the folder synced, so the switch is all or nothing. */
static int
write_current(const char *datadir, int kid, struct anju_err *e)
{
	char *tmp = datadir_path(datadir, "keys/pii/current.tmp");
	char *cur = datadir_path(datadir, "keys/pii/current");
	char *dir = datadir_path(datadir, "keys/pii");
	char text[16];
	int rc;

	snprintf(text, sizeof(text), "%d\n", kid);
	/* A temporary file left by a crash is stale: the rename never happened. */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		rc = io_fail(e, "remove", tmp);
		goto out;
	}
	if ((rc = write_new_file(tmp, text, e)) != 0)
		goto out;
	if (rename(tmp, cur) != 0) {
		rc = io_fail(e, "rename to", cur);
		unlink(tmp);
		goto out;
	}
	rc = fsync_dir(dir, e);
out:
	free(tmp);
	free(cur);
	free(dir);
	return rc;
}

/* The kid a pii folder entry names ("12.key"), or 0 for any other name. */
static int
kid_of_name(const char *name)
{
	size_t n = strlen(name), digits;
	int kid = 0;

	if (n < 5 || strcmp(name + n - 4, ".key") != 0)
		return 0;
	digits = n - 4;
	if (digits > KID_DIGITS_MAX || name[0] == '0')
		return 0;
	for (size_t i = 0; i < digits; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		kid = kid * 10 + (name[i] - '0');
	}
	return kid;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The kids of keys/pii/<kid>.key, sorted, into a new array (*kids may be
 * NULL when *n is 0). */
static int
list_kids(const char *datadir, int **kids, size_t *n, struct anju_err *e)
{
	char *path = datadir_path(datadir, "keys/pii");
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;
	int rc = 0;

	*kids = NULL;
	*n = 0;
	if (d == NULL) {
		rc = errno == ENOENT ? 0 : io_fail(e, "read", path);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		int kid = kid_of_name(de->d_name);

		if (kid == 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*kids = xrealloc(*kids, cap * sizeof(**kids));
		}
		(*kids)[(*n)++] = kid;
	}
	closedir(d);
	if (*n > 1)
		qsort(*kids, *n, sizeof(**kids), cmp_int);
out:
	free(path);
	return rc;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Creates the named key file under keys/ unless it exists; *made counts. */
static int
ensure_key(const char *datadir, const char *rel, size_t n, int *made, struct anju_err *e)
{
	char *path = datadir_path(datadir, rel);
	int rc = 0;

	if (!exists(path)) {
		rc = write_random_key(path, n, e);
		if (rc == 0)
			(*made)++;
	}
	free(path);
	return rc;
}

static int
ensure(const char *datadir, bool fresh, int *created, struct anju_err *e)
{
	static const char *const plain[] = { "keys/audit.key", "keys/apikey.key",
					     "keys/index.key" };
	char *keys = datadir_path(datadir, "keys"), *pii = datadir_path(datadir, "keys/pii");
	char *cur = datadir_path(datadir, "keys/pii/current");
	int *kids = NULL, made = 0, rc;
	size_t nkids = 0;

	if ((rc = make_dir(keys, e)) != 0 || (rc = make_dir(pii, e)) != 0)
		goto out;
	if (fresh) {
		/* keys_create: every file is new, or nothing is done. */
		for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
			char *path = datadir_path(datadir, plain[i]);
			bool there = exists(path);

			if (there)
				rc = anju_fail(e, ANJU_EIO, "keys_exist", NULL,
					       "%s already exists; refusing to replace a key",
					       path);
			free(path);
			if (there)
				goto out;
		}
		if ((rc = list_kids(datadir, &kids, &nkids, e)) != 0)
			goto out;
		if (nkids > 0 || exists(cur)) {
			rc = anju_fail(e, ANJU_EIO, "keys_exist", NULL,
				       "%s already holds personal-data keys; refusing to replace "
				       "them",
				       pii);
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if ((rc = ensure_key(datadir, plain[i], KEYS_LEN, &made, e)) != 0)
			goto out;
	free(kids);
	if ((rc = list_kids(datadir, &kids, &nkids, e)) != 0)
		goto out;
	if (nkids == 0) {
		if ((rc = write_pii_key(datadir, 1, e)) != 0)
			goto out;
		made++;
	}
	if (!exists(cur)) {
		/* With keys but no current (a crash between the two writes of an
		 * early version, or a hand edit): the newest key is current. */
		if ((rc = write_current(datadir, nkids ? kids[nkids - 1] : 1, e)) != 0)
			goto out;
		made++;
	}
	if (made > 0 && ((rc = fsync_dir(pii, e)) != 0 || (rc = fsync_dir(keys, e)) != 0))
		goto out;
	if (created != NULL)
		*created = made;
out:
	free(kids);
	free(keys);
	free(pii);
	free(cur);
	return rc;
}

int
keys_create(const char *datadir, struct anju_err *e)
{
	return ensure(datadir, true, NULL, e);
}

int
keys_ensure(const char *datadir, int *created, struct anju_err *e)
{
	if (created != NULL)
		*created = 0;
	return ensure(datadir, false, created, e);
}

static int
unsafe_mode(const char *path, mode_t mode, bool dir, struct anju_err *e)
{
	return anju_fail(e, ANJU_EFORBIDDEN, "keys_unsafe_mode", NULL,
			 "%s has mode %04o: others than its owner may %s it; run `chmod %s %s` "
			 "(and check who may have read it)",
			 path, (unsigned)(mode & 07777), dir ? "list or change" : "read or change",
			 dir ? "700" : "600", path);
}

/* Checks that the directory path is a directory only its owner may use. */
static int
check_dir(const char *path, struct anju_err *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return anju_fail(e, ANJU_ENOTFOUND, "keys_missing", NULL,
					 "%s does not exist: this data directory has no keys",
					 path);
		return io_fail(e, "open", path);
	}
	if (fstat(fd, &st) != 0)
		rc = io_fail(e, "inspect", path);
	else if ((st.st_mode & 077) != 0)
		rc = unsafe_mode(path, st.st_mode, true, e);
	close(fd);
	return rc;
}

/* Reads the key file path (a regular file only its owner may use, at most
 * KEY_FILE_MAX bytes) into text; *len set. */
static int
read_key_file(const char *path, char text[KEY_FILE_MAX + 1], size_t *len, struct anju_err *e)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	struct stat st;
	size_t n = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return anju_fail(e, ANJU_ENOTFOUND, "keys_missing", NULL,
					 "%s is missing (a data directory made by an older "
					 "version: any command that loads keys creates it)",
					 path);
		return io_fail(e, "open", path);
	}
	if (fstat(fd, &st) != 0) {
		rc = io_fail(e, "inspect", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL, "%s is not a regular file",
			       path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = unsafe_mode(path, st.st_mode, false, e);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, text + n, KEY_FILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = io_fail(e, "read", path);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > KEY_FILE_MAX) {
			rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL,
				       "%s is too large to be a key file", path);
			goto out;
		}
	}
	text[n] = '\0';
	*len = n;
out:
	close(fd);
	if (rc != 0)
		explicit_bzero(text, KEY_FILE_MAX + 1);
	return rc;
}

/* Takes the next line of s (without its "\n" or "\r\n") as exactly n bytes
 * of hex. */
static bool
take_hex_line(struct str *s, uint8_t *out, size_t n)
{
	struct str line;

	str_cut(s, '\n', &line);
	if (line.n > 0 && line.p[line.n - 1] == '\r')
		line.n--;
	return hex_decode(line.p, line.n, out, n) == 0;
}

static bool
rest_is_blank(struct str s)
{
	return str_trim(s).n == 0;
}

/* Reads the one-key file rel (n bytes as hex) into out. */
static int
load_plain_key(const char *datadir, const char *rel, uint8_t *out, size_t n, struct anju_err *e)
{
	char *path = datadir_path(datadir, rel);
	char text[KEY_FILE_MAX + 1];
	size_t len = 0;
	struct str s;
	int rc;

	if ((rc = read_key_file(path, text, &len, e)) != 0)
		goto out;
	s = (struct str){ text, len };
	if (!take_hex_line(&s, out, n) || !rest_is_blank(s))
		rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL,
			       "%s is not a key file (one line of %zu hex digits)", path, 2 * n);
out:
	explicit_bzero(text, sizeof(text));
	free(path);
	return rc;
}

static int
load_pii_key(const char *datadir, int kid, struct keys_pii *k, struct anju_err *e)
{
	char *path = pii_key_path(datadir, kid);
	char text[KEY_FILE_MAX + 1];
	size_t len = 0;
	struct str s;
	int rc;

	k->kid = kid;
	if ((rc = read_key_file(path, text, &len, e)) != 0)
		goto out;
	s = (struct str){ text, len };
	if (!take_hex_line(&s, k->enc, sizeof(k->enc)) ||
	    !take_hex_line(&s, k->mac, sizeof(k->mac)) || !rest_is_blank(s))
		rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL,
			       "%s is not a personal-data key file (a line of %d hex digits, "
			       "then one of %d)",
			       path, 2 * SM4_KEY_LEN, 2 * KEYS_LEN);
out:
	explicit_bzero(text, sizeof(text));
	free(path);
	return rc;
}

static int
load_current(const char *datadir, int *kid, struct anju_err *e)
{
	char *path = datadir_path(datadir, "keys/pii/current");
	char text[KEY_FILE_MAX + 1];
	size_t len = 0;
	int64_t v = 0;
	int rc;

	if ((rc = read_key_file(path, text, &len, e)) != 0)
		goto out;
	if (str_to_int64(str_trim((struct str){ text, len }), 1, 999999999, &v) != 0) {
		rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL,
			       "%s does not hold a key id (a positive decimal number)", path);
		goto out;
	}
	*kid = (int)v;
out:
	free(path);
	return rc;
}

int
keys_load(const char *datadir, struct keyring **out, struct anju_err *e)
{
	char *keys = datadir_path(datadir, "keys"), *pii = datadir_path(datadir, "keys/pii");
	struct keyring *kr = xcalloc(1, sizeof(*kr));
	int *kids = NULL, rc;
	size_t nkids = 0;

	*out = NULL;
	if ((rc = check_dir(keys, e)) != 0 || (rc = check_dir(pii, e)) != 0)
		goto out;
	if ((rc = load_plain_key(datadir, "keys/audit.key", kr->audit, KEYS_LEN, e)) != 0 ||
	    (rc = load_plain_key(datadir, "keys/apikey.key", kr->apikey, KEYS_LEN, e)) != 0 ||
	    (rc = load_plain_key(datadir, "keys/index.key", kr->index, KEYS_LEN, e)) != 0)
		goto out;
	if ((rc = load_current(datadir, &kr->current, e)) != 0)
		goto out;
	if ((rc = list_kids(datadir, &kids, &nkids, e)) != 0)
		goto out;
	kr->pii = xcalloc(nkids ? nkids : 1, sizeof(*kr->pii));
	for (size_t i = 0; i < nkids; i++) {
		if ((rc = load_pii_key(datadir, kids[i], &kr->pii[i], e)) != 0)
			goto out;
		kr->npii++;
	}
	if (keys_pii_get(kr, kr->current) == NULL) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "keys_missing", NULL,
			       "%s/current names key %d, but %s/%d.key does not exist", pii,
			       kr->current, pii, kr->current);
		goto out;
	}
	*out = kr;
	kr = NULL;
out:
	keys_free(kr);
	free(kids);
	free(keys);
	free(pii);
	return rc;
}

void
keys_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	if (kr->pii != NULL) {
		explicit_bzero(kr->pii, kr->npii * sizeof(*kr->pii));
		free(kr->pii);
	}
	explicit_bzero(kr, sizeof(*kr));
	free(kr);
}

const uint8_t *
keys_audit(const struct keyring *kr)
{
	return kr->audit;
}

const uint8_t *
keys_apikey(const struct keyring *kr)
{
	return kr->apikey;
}

const uint8_t *
keys_index(const struct keyring *kr)
{
	return kr->index;
}

int
keys_pii_current(const struct keyring *kr)
{
	return kr->current;
}

const struct keys_pii *
keys_pii_get(const struct keyring *kr, int kid)
{
	size_t lo = 0, hi = kr->npii;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kr->pii[mid].kid == kid)
			return &kr->pii[mid];
		if (kr->pii[mid].kid < kid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct keys_pii *
keys_pii_all(const struct keyring *kr, size_t *n)
{
	*n = kr->npii;
	return kr->pii;
}

int
keys_rotate(const char *datadir, int *new_kid, struct anju_err *e)
{
	char *pii = datadir_path(datadir, "keys/pii");
	int *kids = NULL, fd = -1, current = 0, rc;
	size_t nkids = 0;

	*new_kid = 0;
	if ((rc = check_dir(pii, e)) != 0)
		goto out;
	fd = open(pii, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = io_fail(e, "open", pii);
		goto out;
	}
	/* Two rotations at once would race to pick n+1 and to write current. */
	if (flock(fd, LOCK_EX) != 0) {
		rc = io_fail(e, "lock", pii);
		goto out;
	}
	if ((rc = load_current(datadir, &current, e)) != 0 ||
	    (rc = list_kids(datadir, &kids, &nkids, e)) != 0)
		goto out;
	if (nkids == 0 || kids[nkids - 1] >= 999999999) {
		rc = anju_fail(e, ANJU_EINVAL, "keys_malformed", NULL,
			       nkids ? "%s: no key id is left" : "%s holds no key to rotate from",
			       pii);
		goto out;
	}
	if ((rc = write_pii_key(datadir, kids[nkids - 1] + 1, e)) != 0 ||
	    (rc = fsync_dir(pii, e)) != 0)
		goto out;
	if ((rc = write_current(datadir, kids[nkids - 1] + 1, e)) != 0)
		goto out;
	*new_kid = kids[nkids - 1] + 1;
out:
	if (fd >= 0)
		close(fd); /* releases the lock */
	free(kids);
	free(pii);
	return rc;
}

void
keys_set_current(const struct keyring *kr)
{
	__atomic_store_n(&process_keyring, kr, __ATOMIC_RELEASE);
}

const struct keyring *
keys_current(void)
{
	return __atomic_load_n(&process_keyring, __ATOMIC_ACQUIRE);
}
