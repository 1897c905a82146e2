/*
 * The verifiable lottery (摇号), as docs/lottery.md publishes it, so that
 * anyone can recompute a draw from its published inputs:
 *
 *   list_hash = SM3(the published list's exact bytes)
 *   seed      = SM3(list_hash (32 bytes) || for each party in order:
 *                   be32(length of its value) || the value's UTF-8 bytes)
 *   block i   = SM3(seed || be64(i)), i = 0, 1, 2 ...; each block gives four
 *               64-bit numbers, its bytes read 8 at a time big-endian
 *   uniform(n): the next number x, drawn again while x >= 2^64 - (2^64 mod n);
 *               then x mod n
 *   shuffle:  Fisher-Yates, i = n-1 down to 1: j = uniform(i+1), swap a[i], a[j]
 *
 * Pure: no database, no clock, no randomness of its own.
 */
#ifndef ANJU_CORE_LOTTERY_H
#define ANJU_CORE_LOTTERY_H

#include <stddef.h>
#include <stdint.h>

#define LOTTERY_HASH_LEN 32
#define LOTTERY_HEX_LEN  65 /* 64 hex digits + NUL */

/* SM3 of text's n bytes, as 64 lower-case hex digits. */
void lottery_hash_hex(const void *text, size_t n, char out[LOTTERY_HEX_LEN]);

/* The seed from the list hash and the revealed values in party order
 * (values[k] of lens[k] bytes).  0, or -1 for a list hash that is not 64 hex
 * digits or a value longer than 2^32 - 1 bytes. */
int lottery_seed(const char *list_hash_hex, const char *const *values, const size_t *lens,
		 size_t nvalues, uint8_t seed[LOTTERY_HASH_LEN]);

/* The generator: a stream of 64-bit numbers from the seed. */
struct lottery_rng {
	uint8_t seed[LOTTERY_HASH_LEN];
	uint64_t block; /* the next block's index */
	uint8_t buf[LOTTERY_HASH_LEN];
	int used; /* numbers of buf consumed, 0..4 */
};

void lottery_rng_init(struct lottery_rng *g, const uint8_t seed[LOTTERY_HASH_LEN]);
/* The next 64-bit number of the stream. */
uint64_t lottery_next(struct lottery_rng *g);
/* A uniform integer in [0, n) by rejection sampling; n >= 1. */
uint64_t lottery_uniform(struct lottery_rng *g, uint64_t n);
/* Shuffles a[0..n-1] in place (Fisher-Yates, as above). */
void lottery_shuffle(struct lottery_rng *g, int64_t *a, size_t n);

/* The draw of one batch: order[] gets 1..n (the list's entry positions) in
 * drawn order, then unit_order[] 1..m (the list's unit positions) in drawn
 * order, both from one generator over seed, households first.  Either array
 * may be empty (n or m 0). */
void lottery_draw(const uint8_t seed[LOTTERY_HASH_LEN], int64_t *order, size_t n,
		  int64_t *unit_order, size_t m);

#endif
