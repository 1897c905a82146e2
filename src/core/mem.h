/*
 * Allocation that cannot fail: every size from outside is capped before it
 * reaches these, so running out of memory is fatal rather than a branch
 * nobody tests (STYLE.md 6).  Arenas give request- and job-lifetime memory
 * freed in one call.
 */
#ifndef ANJU_CORE_MEM_H
#define ANJU_CORE_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

struct arena;

/* A new empty arena; free it with arena_free(). */
struct arena *arena_new(void);
/* Frees the arena and everything allocated from it; NULL is fine. */
void arena_free(struct arena *a);
/* n bytes aligned for any type, zeroed; lives as long as the arena. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), nonnull(1, 2)));
/* Bytes currently held by the arena (for limits and tests). */
size_t arena_size(const struct arena *a);

#endif
