/*
 * The HTTP server's life: start on the configured address, stop gracefully.
 * Configuration (listen, limits, web_root, trusted_proxies) comes
 * from core/config.
 */
#ifndef ANJU_HTTP_SERVER_H
#define ANJU_HTTP_SERVER_H

#include "core/err.h"

/* Starts serving with `threads` worker threads and one acceptor; *port receives
 * the bound port (useful with port 0).  0 or ANJU_EINVAL/ANJU_EIO with e. */
int server_start(unsigned threads, int *port, struct anju_err *e);
/* Stops accepting, lets requests in flight finish (up to grace_ms), then stops. */
void server_stop(int grace_ms);
/* The connections handed to worker thread i (0..threads-1) and not yet
 * closed: each new one goes to the worker with the fewest.  -1 for no such
 * worker. */
int server_worker_connections(unsigned i);

#endif
