/*
 * The baseline for `make bench`: the smallest libmicrohttpd server that
 * answers like anju's health endpoint, in the mode anju runs in (an epoll
 * thread pool, a connection timeout, the 32 KiB connection memory pool anju
 * has at its default max_header, the reply queued only on the final callback
 * so keep-alive holds; see NOTES-libmicrohttpd.md).  What anju adds on top of
 * this (routing, the database round trip, the request arena, logging) is
 * what the ratio shows.
 *
 * usage: bare PORT [THREADS]   (PORT 0 picks a free port)
 * Prints "listening on port N" and serves 127.0.0.1 until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char body[] = "{\"status\":\"ok\",\"version\":\"0.1.0\",\"db\":\"sqlite\"}";

/* A small bounded parser, as anju's own: the whole string, within [min, max]. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static int marker;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* First call: headers only.  Answering here would drop keep-alive. */
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	/* Body chunks are consumed and ignored; no response can be queued yet. */
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	*con_cls = NULL;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	unsigned long port, threads = 4;
	sigset_t set;
	int sig = 0;

	if (argc < 2 || argc > 3 || parse_uint(argv[1], 0, 65535, &port) != 0 ||
	    (argc == 3 && parse_uint(argv[2], 1, 256, &threads) != 0)) {
		fprintf(stderr, "usage: bare PORT [THREADS]\n");
		return 2;
	}
	/* Signals are taken by sigwait; the pool threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
			     NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
			     (unsigned int)threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bare: cannot listen on 127.0.0.1:%lu\n", port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on port %u\n", info ? (unsigned)info->port : (unsigned)port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
