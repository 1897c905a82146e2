/*
 * Writing JSON into a buffer: a jansson value as compact JSON (the reply of
 * every request, the before and after images of every audit row), and a
 * JSON text written as it goes, without a tree (struct jw).
 */
#ifndef ANJU_CORE_JSONW_H
#define ANJU_CORE_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends v to b, byte for byte what json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY | flags) writes (members in insertion order, or sorted by
 * key with JSON_SORT_KEYS, the only flag taken; UTF-8 as is), in a fraction
 * of its time: jansson formats through a callback a few bytes at a time, and
 * a reply's serialisation was an eighth of a GET's CPU.  0, or ANJU_ETOOBIG
 * when b's cap is reached. */
int json_write(struct buf *b, const json_t *v, int flags);

/*
 * A JSON text written member by member, for rows whose jansson tree would
 * cost more than the text: a tree is an allocation per object, member and
 * string, each freed again, and building and freeing it was half of a
 * search's CPU.  The writer puts the commas; the caller opens and closes
 * what it opens.  After an error (the buffer's cap) every call does
 * nothing, and rc keeps the first error.  Strings are written as
 * json_write writes them, and must be UTF-8 (jansson checks that; this
 * does not).
 */
struct jw {
	struct buf *b;
	int rc;
	bool more; /* the open container has a value: the next needs a comma */
};

void jw_init(struct jw *w, struct buf *b);
void jw_object(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array(struct jw *w);
void jw_array_end(struct jw *w);
/* A member's name; its value follows. */
void jw_key(struct jw *w, const char *key);
/* A string, or null for NULL. */
void jw_string(struct jw *w, const char *s);
void jw_integer(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A jansson value, as json_write writes it. */
void jw_value(struct jw *w, const json_t *v);
/* A value already written as JSON text (n bytes), as it is. */
void jw_raw(struct jw *w, const char *text, size_t n);
/* A member: jw_key() and its value. */
void jw_member_string(struct jw *w, const char *key, const char *s);
void jw_member_integer(struct jw *w, const char *key, int64_t v);
/* The object whose members members(w, arg) writes, as a jansson value
 * (new), or NULL on failure: for the callers that want a tree of what a
 * writer writes, so that one function defines the object's shape. */
json_t *jw_object_tree(void (*members)(struct jw *w, void *arg), void *arg);

#endif
