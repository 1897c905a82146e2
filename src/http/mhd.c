/*
 * The transport: the only file that knows libmicrohttpd (0.9.75), so that an
 * upgrade touches one place.  NOTES-libmicrohttpd.md explains the choices:
 * epoll worker threads; a connection timeout and limits; the body read
 * completely before answering (only 413 and header rejections answer early);
 * MHD's own URL unescaping switched off so that the router sees encoded
 * slashes and dots and can refuse them.
 *
 * The workers are one libmicrohttpd daemon each, with its own thread and no
 * listen socket; our acceptor thread hands each new connection to the
 * worker with the fewest open.  libmicrohttpd's own thread pool lets
 * whichever thread wakes first take a connection, and connections live
 * long (a proxy's keep-alive pool, a busy office's browsers): with 50 of
 * them one thread was seen holding 35 to 40 while the other had the rest,
 * and their requests queued behind each other while a CPU idled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/date.h"
#include "core/log.h"
#include "http/router.h"
#include "http/server.h"

/* A worker: its daemon, and its connections handed over and not yet
 * closed. */
struct worker {
	struct MHD_Daemon *d;
	atomic_int open;
};

static struct worker *workers;
static unsigned nworkers;
static int listen_fd = -1;
static int wake[2] = { -1, -1 }; /* a byte written to wake[1] stops the acceptor */
static pthread_t acceptor;
static bool accepting;
static atomic_int in_flight;

/* Trusted proxy addresses, normalised text, from config. */
#define MAX_PROXIES 16
static char proxies[MAX_PROXIES][INET6_ADDRSTRLEN];
static int nproxies;

const char *
req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

void
req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders < (int)(sizeof(r->headers) / sizeof(r->headers[0]))) {
		r->headers[r->nheaders].name = name;
		r->headers[r->nheaders].value = value;
		r->nheaders++;
	}
}

const char *
req_query(struct req *r, const char *name)
{
	for (int i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value;
	return NULL;
}

int
req_param_id(struct req *r, int n, int64_t *out)
{
	if (n >= r->nparams || str_to_int64(str_c(r->params[n]), 1, INT64_MAX, out) != 0 ||
	    r->params[n][0] == '+' || r->params[n][0] == '0')
		return ANJU_ENOTFOUND;
	return 0;
}

/* Leaves escapes alone: the router decodes per segment. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

struct header_sum {
	size_t bytes;
};

static enum MHD_Result
sum_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_sum *h = cls;

	(void)kind;
	h->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct req *r = cls;
	char *k, *v;

	(void)kind;
	if (r->nquery >= REQ_MAX_QUERY) {
		r->query_overflow = true;
		return MHD_NO;
	}
	k = url_decode(r->arena, key, strlen(key), true);
	v = value ? url_decode(r->arena, value, strlen(value), true) : arena_strdup(r->arena, "");
	if (k == NULL || v == NULL) {
		r->query_overflow = true; /* reported as a bad query */
		return MHD_NO;
	}
	r->query[r->nquery].name = k;
	r->query[r->nquery].value = v;
	r->nquery++;
	return MHD_YES;
}

static bool
is_trusted_proxy(const char *addr)
{
	for (int i = 0; i < nproxies; i++)
		if (strcmp(proxies[i], addr) == 0)
			return true;
	return false;
}

/* The socket's address; behind a trusted proxy, the nearest untrusted address
 * in X-Forwarded-For (read from the right, as each proxy appends). */
static void
client_address(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff;
	struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(r->client, sizeof(r->client), "unknown");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, r->client,
			  sizeof(r->client));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, r->client,
			  sizeof(r->client));
	if (!is_trusted_proxy(r->client))
		return;
	{
		const char *proto = req_header(r, "X-Forwarded-Proto");

		r->https = proto != NULL && strcasecmp(proto, "https") == 0;
	}
	xff = req_header(r, "X-Forwarded-For");
	if (xff == NULL)
		return;
	{
		struct str all = str_c(xff), part;
		char hops[8][INET6_ADDRSTRLEN];
		int n = 0;

		while (all.n > 0 && n < 8) {
			unsigned char tmp[sizeof(struct in6_addr)];
			char text[INET6_ADDRSTRLEN];

			str_cut(&all, ',', &part);
			part = str_trim(part);
			if (part.n == 0 || part.n >= sizeof(text))
				return; /* malformed: keep the proxy's own address */
			memcpy(text, part.p, part.n);
			text[part.n] = '\0';
			if (inet_pton(AF_INET, text, tmp) != 1 &&
			    inet_pton(AF_INET6, text, tmp) != 1)
				return;
			memcpy(hops[n++], text, part.n + 1);
		}
		for (int i = n - 1; i >= 0; i--) {
			snprintf(r->client, sizeof(r->client), "%s", hops[i]);
			if (!is_trusted_proxy(hops[i]))
				break;
		}
	}
}

/* A request id: 16 hex digits, unique in practice and not a secret (logs,
 * X-Request-Id, audit rows).  Per thread a random start from the system,
 * then splitmix64's steps, so that no request pays a system call for it. */
static void
request_id(char out[17])
{
	static _Thread_local uint64_t state;
	static _Thread_local bool seeded;
	unsigned char bytes[8];
	uint64_t z;

	if (!seeded) {
		random_bytes(&state, sizeof(state));
		seeded = true;
	}
	z = (state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	z ^= z >> 31;
	for (int i = 0; i < 8; i++)
		bytes[i] = (unsigned char)(z >> (8 * i));
	hex_encode(bytes, sizeof(bytes), out);
}

static struct req *
req_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	/* malloc, not calloc: glibc's calloc skips the per-thread cache. */
	struct req *r = memset(xmalloc(sizeof(*r)), 0, sizeof(*r));

	r->arena = arena_new();
	r->conn = conn;
	r->method = arena_strdup(r->arena, method);
	r->path = arena_strdup(r->arena, url);
	r->fd = -1;
	r->started_us = time_now_us();
	request_id(r->id);
	buf_init(&r->body, 0);
	buf_init(&r->raw, 0);
	client_address(r);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
	return r;
}

static void
req_free(struct req *r)
{
	json_decref(r->json);
	json_decref(r->out);
	buf_free(&r->body);
	buf_free(&r->raw);
	if (r->fd >= 0)
		close(r->fd);
	arena_free(r->arena);
	free(r);
}

/* The body limit of the route the request names (before it is read).  The
 * match is kept in r for dispatch, which would otherwise match again. */
static size_t
body_limit(struct req *r)
{
	r->match_rc = router_match(r->method, r->path, r->arena, &r->route, r->params, &r->nparams);
	r->matched = true;
	if (r->match_rc == 0) {
		if (r->route->flags & ROUTE_UPLOAD)
			return (size_t)config_int("upload_max_bytes");
		if (r->route->max_body > 0)
			return r->route->max_body;
	}
	return (size_t)config_int("max_body");
}

static enum MHD_Result
send_reply(struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd64((uint64_t)r->fd_size, r->fd);
		r->fd = -1; /* the response closes it */
	} else if (r->out != NULL) {
		struct buf out;
		size_t n = 0;
		char *s;

		buf_init(&out, SIZE_MAX);
		if (json_write(&out, r->out, 0) != 0) {
			buf_free(&out);
			return MHD_NO;
		}
		s = buf_take(&out, &n);
		resp = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
	} else {
		size_t n = 0;
		char *s = buf_take(&r->raw, &n);

		resp = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
	}
	if (resp == NULL)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (strncmp(r->path, "/api/", 5) == 0)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	ret = MHD_queue_response(r->conn, (unsigned)(r->status ? r->status : 500), resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (r == NULL) {
		struct header_sum hs = { 0 };
		const char *cl;

		r = req_new(conn, url, method);
		*con_cls = r;
		atomic_fetch_add(&in_flight, 1);
		log_set_request_id(r->id);
		r->body_limit = body_limit(r);
		r->body.max = r->body_limit;
		MHD_get_connection_values(conn, MHD_HEADER_KIND, sum_header, &hs);
		if (hs.bytes > (size_t)config_int("max_header")) {
			struct anju_err e;

			anju_fail(&e, ANJU_EINVAL, "headers_too_large", NULL, "请求头过大");
			reply_error(r, &e);
			r->status = 431;
			return send_reply(r);
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL) {
			int64_t len;

			if (str_to_int64(str_c(cl), 0, INT64_MAX, &len) == 0 &&
			    (uint64_t)len > r->body_limit) {
				r->early_status = 413;
				http_handle(r);
				return send_reply(r);
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!r->body_too_big && buf_add(&r->body, upload_data, *upload_data_size) != 0)
			r->body_too_big = true; /* counted, not kept; answered at the end */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->status != 0)
		return MHD_YES; /* already answered */
	log_set_request_id(r->id);
	http_handle(r);
	return send_reply(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	int64_t us;

	(void)cls;
	(void)conn;
	if (r == NULL)
		return;
	us = time_now_us() - r->started_us;
	log_set_request_id(r->id);
	http_access_log(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK, (int)toe, us);
	log_set_request_id(NULL);
	req_free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("http: %s", msg);
}

static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, struct anju_err *e)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(listen, ':');
	int64_t port;
	size_t hn;

	if (colon == NULL || str_to_int64(str_c(colon + 1), 0, 65535, &port) != 0)
		goto bad;
	hn = (size_t)(colon - listen);
	if (hn >= sizeof(host))
		goto bad;
	memcpy(host, listen, hn);
	host[hn] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hn > 2 && host[hn - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[hn - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	}
	return 0;
bad:
	return anju_fail(e, ANJU_EINVAL, "bad_listen", "listen",
			 "listen must be IPv4:PORT or [IPv6]:PORT, not \"%s\"", listen);
}

static int
load_proxies(struct anju_err *e)
{
	struct str all = str_c(config_str("trusted_proxies")), part;

	nproxies = 0;
	while (all.n > 0) {
		unsigned char tmp[sizeof(struct in6_addr)];
		char text[INET6_ADDRSTRLEN];
		int fam;

		str_cut(&all, ',', &part);
		part = str_trim(part);
		if (part.n == 0)
			continue;
		if (part.n >= sizeof(text) || nproxies >= MAX_PROXIES)
			goto bad;
		memcpy(text, part.p, part.n);
		text[part.n] = '\0';
		fam = strchr(text, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(fam, text, tmp) != 1)
			goto bad;
		inet_ntop(fam, tmp, proxies[nproxies++], INET6_ADDRSTRLEN);
	}
	return 0;
bad:
	return anju_fail(e, ANJU_EINVAL, "bad_config", "trusted_proxies",
			 "trusted_proxies must be up to %d comma-separated IP addresses",
			 MAX_PROXIES);
}

/*
 * Each connection's memory pool holds the request's header block, read
 * buffer and reply headers.  It must take a header block somewhat over
 * max_header, so that an oversized one reaches the 431 check in on_request
 * rather than libmicrohttpd's own answer, but no more: libmicrohttpd 0.9.75
 * zeroes the whole pool between two requests on a kept-alive connection,
 * and at 128 KiB that memset was 7-9% of the server's time on a GET (32 KiB
 * at the default max_header, libmicrohttpd's own default).
 */
static size_t
conn_pool_bytes(void)
{
	return (size_t)config_int("max_header") + 16 * 1024;
}

/* Follows a worker's connections: the acceptor counts one in, this counts
 * it out when libmicrohttpd closes it. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct worker *w = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub(&w->open, 1);
}

static struct worker *
least_busy(void)
{
	struct worker *best = &workers[0];

	for (unsigned i = 1; i < nworkers; i++)
		if (atomic_load(&workers[i].open) < atomic_load(&best->open))
			best = &workers[i];
	return best;
}

/* Takes the connections waiting on the listen socket, each to the least
 * busy worker.  A worker at its limit (libmicrohttpd's answer is MHD_NO)
 * has closed the socket, as libmicrohttpd does when it accepts past its
 * limit itself. */
static void
accept_waiting(void)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct worker *w;
		int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				struct timespec pause = { 0, 10 * 1000 * 1000 };

				/* Out of descriptors: the connection waits in the
				 * backlog until one is closed. */
				log_warn("accept: %s", strerror(errno));
				nanosleep(&pause, NULL);
			}
			return;
		}
		w = least_busy();
		atomic_fetch_add(&w->open, 1);
		if (MHD_add_connection(w->d, fd, (struct sockaddr *)&ss, len) != MHD_YES)
			atomic_fetch_sub(&w->open, 1);
	}
}

static void *
acceptor_main(void *arg)
{
	struct pollfd p[2] = { { .fd = listen_fd, .events = POLLIN },
			       { .fd = wake[0], .events = POLLIN } };

	(void)arg;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("acceptor: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents != 0)
			accept_waiting();
	}
	return NULL;
}

/* The listen socket on ss, non-blocking: -1 with e when it cannot be had. */
static int
open_listener(const struct sockaddr_storage *ss, socklen_t sslen, struct anju_err *e)
{
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	/* Address reuse as before (libmicrohttpd's LISTENING_ADDRESS_REUSE):
	 * a restart binds at once, beside a server still finishing. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
		anju_fail(e, ANJU_EIO, "listen_failed", "listen", "cannot listen on %s: %s",
			  config_str("listen"), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

int
server_start(unsigned threads, int *port, struct anju_err *e)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	unsigned limit;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_listen(config_str("listen"), &ss, &sslen, e)) != 0)
		return rc;
	if ((rc = load_proxies(e)) != 0)
		return rc;
	nworkers = threads > 0 ? threads : 1;
	/* The limit is shared out, as libmicrohttpd's pool shares it; with
	 * the least busy worker taking each connection, one reaches its share
	 * only when all are near theirs. */
	limit = (unsigned)config_int("max_connections") / nworkers;
	if (limit == 0)
		limit = 1;
	if ((listen_fd = open_listener(&ss, sslen, e)) < 0)
		return ANJU_EIO;
	workers = xcalloc(nworkers, sizeof(*workers));
	for (unsigned i = 0; i < nworkers; i++) {
		workers[i].d = MHD_start_daemon(
			MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
				MHD_USE_NO_LISTEN_SOCKET,
			0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned int)config_int("connection_timeout"),
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, conn_pool_bytes(),
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			MHD_OPTION_NOTIFY_CONNECTION, on_connection, &workers[i],
			MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_END);
		if (workers[i].d == NULL) {
			server_stop(0);
			return anju_fail(e, ANJU_EIO, "listen_failed", "listen",
					 "cannot start the HTTP worker threads");
		}
	}
	if (pipe2(wake, O_CLOEXEC) != 0 ||
	    pthread_create(&acceptor, NULL, acceptor_main, NULL) != 0) {
		server_stop(0);
		return anju_fail(e, ANJU_EIO, "listen_failed", "listen",
				 "cannot start the acceptor thread");
	}
	accepting = true;
	*port = bound_port(listen_fd);
	return 0;
}

void
server_stop(int grace_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	/* Stop accepting; requests already being processed run to their end. */
	if (accepting) {
		ssize_t n;

		do
			n = write(wake[1], "", 1);
		while (n < 0 && errno == EINTR);
		pthread_join(acceptor, NULL);
		accepting = false;
	}
	for (int i = 0; i < 2; i++)
		if (wake[i] >= 0) {
			close(wake[i]);
			wake[i] = -1;
		}
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	if (workers == NULL)
		return;
	for (int waited = 0; atomic_load(&in_flight) > 0 && waited < grace_ms; waited += 10)
		nanosleep(&ts, NULL);
	for (unsigned i = 0; i < nworkers; i++)
		if (workers[i].d != NULL)
			MHD_stop_daemon(workers[i].d);
	free(workers);
	workers = NULL;
	nworkers = 0;
}

int
server_worker_connections(unsigned i)
{
	return workers != NULL && i < nworkers ? atomic_load(&workers[i].open) : -1;
}
