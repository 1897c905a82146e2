/*
 * The built web UI (web/dist): files with their content types and caching
 * headers, index.html for application paths.  A path is decoded segment by
 * segment and refused if any segment is empty, "." or "..", or decodes to
 * something holding a slash, a backslash or a NUL, so neither "..",
 * "%2e%2e", "%2f" nor "\" can climb out of the web root; files are opened
 * relative to it without following symbolic links.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/router.h"

static int root_fd = -1;

void
static_set_root(const char *dir)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = dir && dir[0] ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

bool
static_enabled(void)
{
	return root_fd >= 0;
}

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".gif", "image/gif" },
	{ ".webp", "image/webp" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".woff", "font/woff" },
	{ ".ttf", "font/ttf" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".map", "application/json; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".pdf", "application/pdf" },
};

static const char *
content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* The decoded relative path of r->path, or NULL when it is not acceptable. */
static char *
safe_path(struct req *r)
{
	struct str p = str_c(r->path), seg;
	struct buf out;
	char *res;

	if (p.n == 0 || p.p[0] != '/')
		return NULL;
	p.p++;
	p.n--;
	buf_init(&out, PATH_MAX);
	while (p.n > 0) {
		char *d;

		str_cut(&p, '/', &seg);
		if (seg.n == 0 && p.n == 0)
			break; /* a trailing slash */
		d = url_decode(r->arena, seg.p, seg.n, false);
		if (seg.n == 0 || d == NULL || strcmp(d, ".") == 0 || strcmp(d, "..") == 0 ||
		    strpbrk(d, "/\\") != NULL || d[0] == '.') {
			buf_free(&out);
			return NULL;
		}
		if ((out.n && buf_addc(&out, '/') != 0) || buf_adds(&out, d) != 0) {
			buf_free(&out);
			return NULL;
		}
	}
	res = arena_strdup(r->arena, out.p ? out.p : "");
	buf_free(&out);
	return res;
}

/* Opens rel under the root without following links at any level. */
static int
open_beneath(const char *rel)
{
	char *copy = strdup(rel), *save = NULL, *part, *next;
	int dir = dup(root_fd), fd = -1;

	if (copy == NULL || dir < 0)
		goto out;
	part = strtok_r(copy, "/", &save);
	while (part != NULL) {
		next = strtok_r(NULL, "/", &save);
		fd = openat(dir, part,
			    (next ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = -1;
		if (fd < 0 || next == NULL)
			break;
		dir = fd;
		fd = -1;
		part = next;
	}
out:
	if (dir >= 0)
		close(dir);
	free(copy);
	return fd;
}

static int
send_file(struct req *r, const char *rel, bool immutable, struct anju_err *e)
{
	struct stat st;
	char *etag;
	const char *inm;
	int fd = open_beneath(rel);

	if (fd < 0)
		return ANJU_ENOTFOUND;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ANJU_ENOTFOUND;
	}
	etag = arena_printf(r->arena, "\"%llx-%llx\"", (unsigned long long)st.st_size,
			    (unsigned long long)st.st_mtim.tv_sec);
	req_add_header(r, "ETag", etag);
	req_add_header(r, "Cache-Control",
		       immutable ? "public, max-age=31536000, immutable" : "no-cache");
	r->content_type = content_type(rel);
	inm = req_header(r, "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		close(fd);
		r->status = 304;
		return 0;
	}
	(void)e;
	r->fd = fd;
	r->fd_size = st.st_size;
	r->status = 200;
	return 0;
}

int
static_serve(struct req *r, struct anju_err *e)
{
	char *rel;
	int rc;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "not_found", NULL, "没有这个页面");
	if (root_fd < 0)
		return anju_fail(e, ANJU_ENOTFOUND, "not_found", NULL,
				 "没有这个页面（未构建网页界面）");
	rel = safe_path(r);
	if (rel == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "not_found", NULL, "没有这个页面");
	if (rel[0] == '\0')
		rel = "index.html";
	rc = send_file(r, rel, strncmp(rel, "assets/", 7) == 0, e);
	if (rc == ANJU_ENOTFOUND &&
	    strchr(strrchr(rel, '/') ? strrchr(rel, '/') : rel, '.') == NULL)
		rc = send_file(r, "index.html", false, e); /* an application route */
	if (rc != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "not_found", NULL, "没有这个页面");
	return 0;
}
