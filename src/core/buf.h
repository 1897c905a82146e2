/*
 * Strings with lengths: read-only slices for input (struct str) and a
 * growable output buffer with a hard cap (struct buf).  Integers from outside
 * are parsed only through str_to_int64(), which reports every error.
 */
#ifndef ANJU_CORE_BUF_H
#define ANJU_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
	const char *p;
	size_t n;
};

#define STR_LIT(s) ((struct str){ (s), sizeof(s) - 1 })

struct str str_c(const char *s); /* a slice over a C string (NULL gives "") */
bool str_eq(struct str a, struct str b);
bool str_eq_c(struct str a, const char *b);
bool str_starts(struct str s, const char *prefix);
struct str str_trim(struct str s); /* without ASCII white space at either end */
/* Splits s at the first sep: *head before it, s after it; false when absent
 * (then *head is all of s and s becomes empty). */
bool str_cut(struct str *s, char sep, struct str *head);
/* Parses a whole decimal integer (optional '-') within [min, max]; 0 or ANJU_EINVAL
 * (empty, junk, sign only) or ANJU_ERANGE. */
int str_to_int64(struct str s, int64_t min, int64_t max, int64_t *out);

struct buf {
	char *p;  /* always NUL-terminated when cap > 0 */
	size_t n; /* bytes used, not counting the NUL */
	size_t cap;
	size_t max; /* hard cap on n; 0 means 64 MiB */
	bool over;  /* an append was refused because of max */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Appends; return 0, or ANJU_ETOOBIG (and sets over) when max would be passed. */
int buf_add(struct buf *b, const void *p, size_t n);
/* Room for extra more bytes and the terminating NUL, without adding them:
 * 0, or ANJU_ETOOBIG past the limit (the buffer is then marked over). */
int buf_reserve(struct buf *b, size_t extra);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hands the bytes over (caller frees); the buffer becomes empty. */
char *buf_take(struct buf *b, size_t *n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* Fills p with n cryptographically random bytes (aborts if the system cannot). */
void random_bytes(void *p, size_t n);

#endif
