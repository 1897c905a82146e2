/*
 * Data directory layout and creation.  See datadir.h.
 */
#include "store/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/mem.h"
#include "store/keys.h"

char *
datadir_path(const char *dir, const char *rel)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s/%s", dir, rel);
	return buf_take(&b, NULL);
}

static int
make_dir(const char *path, struct anju_err *e)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot create %s: %s", path,
				 strerror(errno));
	return 0;
}

static int
copy_file(const char *from, const char *to, struct anju_err *e)
{
	char buf[4096];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;

	if (in < 0)
		return anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot read %s: %s", from,
				 strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot create %s: %s", to,
			       strerror(errno));
		goto done;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0)
		rc = anju_fail(e, ANJU_EIO, "io_error", NULL, "cannot copy %s: %s", from,
			       strerror(errno));
done:
	explicit_bzero(buf, sizeof(buf));
	if (out >= 0)
		close(out);
	close(in);
	return rc;
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

/* Copies the regular files of from into to (made 0700), each 0600; one level
 * of subfolders (keys/pii) likewise. */
static int
copy_keys(const char *from, const char *to, int depth, struct anju_err *e)
{
	DIR *d = opendir(from);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "keys_missing", "keys", "cannot read %s: %s",
				 from, strerror(errno));
	if ((rc = make_dir(to, e)) != 0)
		goto out;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *src, *dst;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		src = datadir_path(from, de->d_name);
		dst = datadir_path(to, de->d_name);
		if (lstat(src, &st) != 0)
			rc = anju_fail(e, ANJU_EIO, "io_error", NULL, "%s: %s", src,
				       strerror(errno));
		else if (S_ISDIR(st.st_mode) && depth == 0)
			rc = copy_keys(src, dst, 1, e);
		else if (S_ISREG(st.st_mode))
			rc = copy_file(src, dst, e);
		free(src);
		free(dst);
	}
out:
	closedir(d);
	return rc;
}

int
datadir_create(const char *dir, const char *db_url, const char *keys_from, struct anju_err *e)
{
	char *files = datadir_path(dir, "files");
	char *conf = datadir_path(dir, "anju.conf");
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) == 0 && (!S_ISDIR(st.st_mode) || !dir_is_empty(dir))) {
		rc = anju_fail(e, ANJU_ECONFLICT, "datadir_exists", "data",
			       "%s already exists and is not empty; refusing to overwrite it", dir);
		goto out;
	}
	if ((rc = make_dir(dir, e)) != 0 || (rc = make_dir(files, e)) != 0)
		goto out;
	chmod(dir, 0700);
	if (keys_from != NULL) {
		char *keys = datadir_path(dir, "keys");

		rc = copy_keys(keys_from, keys, 0, e);
		free(keys);
	} else {
		rc = keys_create(dir, e);
	}
	if (rc != 0)
		goto out;
	if (db_url != NULL && (rc = config_set("db", db_url, "--db", e)) != 0)
		goto out;
	rc = config_write_file(conf, e);
out:
	free(files);
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
