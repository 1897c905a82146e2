/*
 * Data directory layout and creation.  See datadir.h.
 */
#include "store/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/mem.h"

char *
datadir_path(const char *dir, const char *rel)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s/%s", dir, rel);
	return buf_take(&b, NULL);
}

static int
write_secret(const char *path, const char *text, struct anju_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t n = strlen(text);

	if (fd < 0)
		return anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot create %s: %s", path,
				 strerror(errno));
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		return anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot write %s: %s", path,
				 strerror(errno));
	}
	close(fd);
	return 0;
}

static int
make_dir(const char *path, struct anju_err *e)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot create %s: %s", path,
				 strerror(errno));
	return 0;
}

static bool
dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (d == NULL)
		return true;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

int
datadir_create(const char *dir, const char *db_url, struct anju_err *e)
{
	char *files = datadir_path(dir, "files"), *keys = datadir_path(dir, "keys");
	char *token_path = datadir_path(dir, "keys/root.token");
	char *key_path = datadir_path(dir, "keys/master.key");
	char *conf = datadir_path(dir, "anju.conf");
	unsigned char rnd[32];
	char hex[65];
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) == 0 && (!S_ISDIR(st.st_mode) || !dir_is_empty(dir))) {
		rc = anju_fail(e, ANJU_ECONFLICT, "datadir_exists", "data",
			       "%s already exists and is not empty; refusing to overwrite it", dir);
		goto out;
	}
	if ((rc = make_dir(dir, e)) != 0 || (rc = make_dir(files, e)) != 0 ||
	    (rc = make_dir(keys, e)) != 0)
		goto out;
	chmod(dir, 0700);
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	if ((rc = write_secret(token_path, hex, e)) != 0)
		goto out;
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	if ((rc = write_secret(key_path, hex, e)) != 0)
		goto out;
	if (db_url != NULL && (rc = config_set("db", db_url, "--db", e)) != 0)
		goto out;
	rc = config_write_file(conf, e);
out:
	explicit_bzero(rnd, sizeof(rnd));
	explicit_bzero(hex, sizeof(hex));
	free(files);
	free(keys);
	free(token_path);
	free(key_path);
	free(conf);
	return rc;
}

int
datadir_open(const char *dir, struct anju_err *e)
{
	char *conf = datadir_path(dir, "anju.conf"), *keys = datadir_path(dir, "keys");
	struct stat st;
	int rc = 0;

	if (stat(conf, &st) != 0 || stat(keys, &st) != 0) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "no_datadir", "data",
			       "%s is not an anju data directory (run `anju init --data %s`)", dir,
			       dir);
		goto out;
	}
	rc = config_load(conf, e);
out:
	free(conf);
	free(keys);
	return rc;
}

const char *
datadir_db_url(const char *dir)
{
	static char url[4096];

	if (config_str("db")[0] != '\0')
		return config_str("db");
	snprintf(url, sizeof(url), "sqlite:%s/anju.db", dir);
	return url;
}

int
datadir_root_token_hash(const char *dir, char out[65], struct anju_err *e)
{
	char *path = datadir_path(dir, "keys/root.token");
	char token[129];
	unsigned char md[32];
	unsigned int len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		rc = anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot read %s: %s", path,
			       strerror(errno));
		goto out;
	}
	n = read(fd, token, sizeof(token) - 1);
	close(fd);
	if (n <= 0) {
		rc = anju_fail(e, ANJU_EIO, "io_error", NULL, "%s is empty", path);
		goto out;
	}
	while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r'))
		n--;
	EVP_Digest(token, (size_t)n, md, &len, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
	explicit_bzero(token, sizeof(token));
out:
	free(path);
	return rc;
}
