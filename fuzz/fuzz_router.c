/*
 * libFuzzer target for request paths: the input is "METHOD PATH" (split at
 * the first space; without one, a GET of the whole input), as the transport
 * hands them over after MHD's unescaping was switched off.  It runs
 * router_match() against the real API table, url_decode() on the whole input
 * with and without '+' as space, and static_serve() over a small web root in
 * a temporary directory, checking that no path, however encoded ("%2e%2e",
 * "%2f", "\", "%00", symbolic links), opens a file outside that root.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[PATH_MAX];  /* the temporary directory: root/ and a secret beside it */
static char root[PATH_MAX]; /* its web root, resolved */

static void
put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void
remove_tree(void)
{
	static const char *const names[] = {
		"root/assets/app.js", "root/sub/page.html", "root/index.html",
		"root/link",          "root/dirlink",       "root/.env",
		"root/assets",        "root/sub",           "root",
		"secret.txt",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", top, names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(top);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];

	(void)argc;
	(void)argv;
	snprintf(top, sizeof(top), "%s/anju-fuzz-router.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(top) == NULL)
		abort();
	atexit(remove_tree);
	put(top, "secret.txt", "outside the web root\n");
	snprintf(dir, sizeof(dir), "%s/root", top);
	if (mkdir(dir, 0700) != 0)
		abort();
	put(dir, "index.html", "<!doctype html>\n");
	put(dir, ".env", "hidden\n");
	snprintf(dir, sizeof(dir), "%s/root/assets", top);
	if (mkdir(dir, 0700) != 0)
		abort();
	put(dir, "app.js", "export {};\n");
	snprintf(dir, sizeof(dir), "%s/root/sub", top);
	if (mkdir(dir, 0700) != 0)
		abort();
	put(dir, "page.html", "<p>sub</p>\n");
	snprintf(dir, sizeof(dir), "%s/root/link", top);
	if (symlink("../secret.txt", dir) != 0)
		abort();
	snprintf(dir, sizeof(dir), "%s/root/dirlink", top);
	if (symlink("..", dir) != 0)
		abort();
	snprintf(dir, sizeof(dir), "%s/root", top);
	if (realpath(dir, root) == NULL)
		abort();
	static_set_root(root);
	return 0;
}

/* A broken contract: says which, then stops the run as a crash. */
static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_router: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The file fd names must lie inside the web root and must not be a dotfile. */
static void
check_opened(int fd)
{
	char link[64], target[PATH_MAX];
	size_t rn = strlen(root);
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		abort();
	target[n] = '\0';
	if (strncmp(target, root, rn) != 0 || target[rn] != '/' ||
	    strstr(target + rn, "/.") != NULL)
		broken("static_serve() opened %s (web root %s)", target, root);
}

static void
check_decoded(const char *in, size_t n, const char *out, bool plus_space)
{
	size_t want = n, escapes = 0;

	if (out == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (in[i] == '%')
			escapes++;
	want -= 2 * escapes;
	/* "%00" is refused, so the decoded string ends where the input does,
	 * unless the input itself held a raw NUL (callers pass C strings). */
	if (memchr(in, '\0', n) == NULL ? strlen(out) != want : strlen(out) > want)
		broken("url_decode() gave %zu bytes, not %zu", strlen(out), want);
	if (!plus_space && escapes == 0 && memcmp(in, out, n) != 0)
		broken("url_decode() changed a string without escapes");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sp = memchr(data, ' ', size);
	char *method, *path, *whole;
	const struct route *rt = NULL;
	const char *params[REQ_MAX_PARAMS];
	struct arena *a;
	struct req r;
	struct anju_err e;
	int np = -1, rc;

	if (sp != NULL) {
		method = strndup((const char *)data, (size_t)(sp - data));
		path = strndup((const char *)sp + 1, size - (size_t)(sp - data) - 1);
	} else {
		method = strdup("GET");
		path = strndup((const char *)data, size);
	}
	whole = malloc(size ? size : 1);
	if (method == NULL || path == NULL || whole == NULL)
		abort();
	memcpy(whole, data, size); /* exactly size bytes, unterminated */

	a = arena_new();
	rc = router_match(method, path, a, &rt, params, &np);
	if (rc == 0) {
		if (rt == NULL || np < 0 || np > REQ_MAX_PARAMS)
			broken("router_match() matched with %d parameters", np);
		if (strcmp(rt->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
			broken("router_match() gave %s %s for %s", rt->method, rt->path, method);
		for (int i = 0; i < np; i++)
			if (params[i] == NULL || params[i][0] == '\0')
				broken("router_match() gave an empty parameter %d", i);
	} else if (rc != ANJU_ENOTFOUND && rc != ANJU_EUNPROCESSABLE) {
		broken("router_match() returned %d", rc);
	}
	check_decoded(whole, size, url_decode(a, whole, size, false), false);
	check_decoded(whole, size, url_decode(a, whole, size, true), true);
	arena_free(a);

	/* The web root, as the dispatcher reaches it for a path no route takes. */
	memset(&r, 0, sizeof(r));
	r.arena = arena_new();
	r.method = method;
	r.path = path;
	r.fd = -1;
	buf_init(&r.body, 0);
	buf_init(&r.raw, 0);
	anju_err_clear(&e);
	rc = static_serve(&r, &e);
	if (rc == 0 && r.status == 200) {
		if (r.fd < 0)
			broken("static_serve() answered 200 without a file");
		check_opened(r.fd);
	}
	if (r.fd >= 0)
		close(r.fd);
	buf_free(&r.body);
	buf_free(&r.raw);
	arena_free(r.arena);

	free(whole);
	free(path);
	free(method);
	return 0;
}
