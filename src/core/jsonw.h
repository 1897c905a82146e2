/*
 * Writing a jansson value as compact JSON into a buffer: the reply of every
 * request and the before and after images of every audit row.
 */
#ifndef ANJU_CORE_JSONW_H
#define ANJU_CORE_JSONW_H

#include <jansson.h>

#include "core/buf.h"

/* Appends v to b, byte for byte what json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY | flags) writes (members in insertion order, or sorted by
 * key with JSON_SORT_KEYS, the only flag taken; UTF-8 as is), in a fraction
 * of its time: jansson formats through a callback a few bytes at a time, and
 * a reply's serialisation was an eighth of a GET's CPU.  0, or ANJU_ETOOBIG
 * when b's cap is reached. */
int json_write(struct buf *b, const json_t *v, int flags);

#endif
