/*
 * What the public routes share (no sign-in: receipt and lease verification,
 * the publicity notice, public objections, published lottery records):
 * a per-client request limit, and the small HTML pages a phone opens from a
 * QR code.
 */
#ifndef ANJU_HTTP_PUBLIC_H
#define ANJU_HTTP_PUBLIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

struct req;

#define RATE_SLOTS 1024

struct rate_slot {
	char client[64];
	int64_t window;
	int n;
};

/* Requests counted per client address in fixed windows, in memory (per
 * server process, as sign-in failures are counted in access/account.c).
 * Clients that hash to the same slot share it: the limit errs on the
 * side of refusing. */
struct rate_limit {
	int64_t window_us;
	int max;
	pthread_mutex_t lock;
	struct rate_slot slots[RATE_SLOTS];
};

#define RATE_LIMIT(seconds, max_)                                                                  \
	{                                                                                          \
		(seconds) * INT64_C(1000000), (max_), PTHREAD_MUTEX_INITIALIZER,                   \
		{                                                                                  \
			{                                                                          \
				{ 0 }, 0, 0                                                        \
			}                                                                          \
		}                                                                                  \
	}

/* Counts one request of client; whether it is within the limit. */
bool rate_allow(struct rate_limit *l, const char *client);

/* Text escaped for HTML. */
void html_text(struct buf *b, const char *s);
/* The head of a one-card page titled title (zh-CN), up to <main>. */
void html_head(struct buf *b, const char *title);
/* One term and its value in a <dl>; cls (may be NULL): "ok" or "no" to
 * colour the value. */
void html_row(struct buf *b, const char *term, const char *value, const char *cls);
/* Sets the headers of a public HTML page: its type, no script, no outside
 * resource, no framing, no caching. */
void html_page(struct req *r);
/* Replies a page with one message (not found, too many look-ups). */
void html_message(struct req *r, int status, const char *title, const char *message);

#endif
