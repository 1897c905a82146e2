/*
 * Unit tests of the transport with real sockets on 127.0.0.1: the acceptor
 * hands each new connection to the worker thread with the fewest open, a
 * closed connection is counted out, and a stopped server accepts nothing.
 * No request is sent: the workers' share of connections is the subject.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "http/server.h"

#define WORKERS 3

static int
dial(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int
total(void)
{
	int n = 0;

	for (unsigned i = 0; i < WORKERS; i++)
		n += server_worker_connections(i);
	return n;
}

/* Waits (5 s at most) until the workers hold want connections in all. */
static int
settle(int want)
{
	struct timespec ms = { 0, 1000 * 1000 };

	for (int i = 0; i < 5000 && total() != want; i++)
		nanosleep(&ms, NULL);
	return total();
}

static void
test_least_busy_worker(void **state)
{
	struct anju_err e;
	int fds[4 * WORKERS], port = 0, open_now;

	(void)state;
	assert_int_equal(config_set("listen", "127.0.0.1:0", "test", &e), 0);
	assert_int_equal(server_start(WORKERS, &port, &e), 0);
	assert_true(port > 0);
	assert_int_equal(server_worker_connections(WORKERS), -1);

	/* One at a time, each to the least busy: an even share. */
	for (int i = 0; i < 3 * WORKERS; i++) {
		fds[i] = dial(port);
		assert_true(fds[i] >= 0);
		assert_int_equal(settle(i + 1), i + 1);
	}
	for (unsigned w = 0; w < WORKERS; w++)
		assert_int_equal(server_worker_connections(w), 3);

	/* The first connections went to workers 0, 1, 2 in turn: closing the
	 * first two leaves those workers one short, and the next two go to
	 * them. */
	for (int i = 0; i < WORKERS - 1; i++)
		close(fds[i]);
	open_now = 3 * WORKERS - (WORKERS - 1);
	assert_int_equal(settle(open_now), open_now);
	for (int i = 0; i < WORKERS - 1; i++) {
		fds[i] = dial(port);
		assert_true(fds[i] >= 0);
		open_now++;
		assert_int_equal(settle(open_now), open_now);
	}
	for (unsigned w = 0; w < WORKERS; w++)
		assert_int_equal(server_worker_connections(w), 3);

	/* A burst, without waiting between connections, still spreads. */
	for (int i = 3 * WORKERS; i < 4 * WORKERS; i++) {
		fds[i] = dial(port);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(settle(4 * WORKERS), 4 * WORKERS);
	for (unsigned w = 0; w < WORKERS; w++)
		assert_int_equal(server_worker_connections(w), 4);

	for (int i = 0; i < 4 * WORKERS; i++)
		close(fds[i]);
	assert_int_equal(settle(0), 0);
	server_stop(1000);
	assert_int_equal(server_worker_connections(0), -1);
	assert_int_equal(dial(port), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_least_busy_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
