/*
 * xmalloc family and arenas.  An arena is a list of blocks; small requests
 * are carved from the current block, large ones get a block of their own.
 */
#include "core/mem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(size_t n)
{
	fprintf(stderr, "anju: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t count, size_t n)
{
	void *p = calloc(count ? count : 1, n ? n : 1);

	if (p == NULL)
		oom(count * n);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t used, cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct block *head;
	size_t total;
};

/*
 * One standard block kept per thread for the next arena: a server thread
 * makes and frees an arena for every request, and a fresh 8 KiB malloc is
 * a large-bin request, which makes glibc first consolidate every small
 * chunk freed since (the request's JSON), each time.
 */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void
spare_init(void)
{
	/* The thread's spare is freed when the thread ends. */
	if (pthread_key_create(&spare_key, free) != 0)
		abort();
}

static void
block_free(struct block *b)
{
	pthread_once(&spare_once, spare_init);
	if (b->cap == ARENA_BLOCK && pthread_getspecific(spare_key) == NULL &&
	    pthread_setspecific(spare_key, b) == 0)
		return;
	free(b);
}

/* A block of ARENA_BLOCK bytes: the thread's spare, or a new one. */
static struct block *
block_standard(void)
{
	struct block *b;

	pthread_once(&spare_once, spare_init);
	if ((b = pthread_getspecific(spare_key)) != NULL &&
	    pthread_setspecific(spare_key, NULL) == 0)
		return b;
	return xmalloc(sizeof(*b) + ARENA_BLOCK);
}

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		block_free(b);
	}
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < n)
		oom(n);
	if (b == NULL || b->cap - b->used < need) {
		size_t cap = need > ARENA_BLOCK / 2 ? need : ARENA_BLOCK;

		if (cap > SIZE_MAX - sizeof(*b))
			oom(n);
		b = cap == ARENA_BLOCK ? block_standard() : xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		/* A big block goes behind the head so the head keeps its free space. */
		if (a->head != NULL && cap > ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->total += cap;
	}
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	char probe[1];
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(probe, sizeof(probe), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_size(const struct arena *a)
{
	return a->total;
}
