/*
 * The lottery's generator and shuffle.  Every step is the one docs/lottery.md
 * publishes; a change here changes every past draw's recomputation, so it
 * must never happen to a published algorithm (a new one would get a new
 * version name in the draw record instead).
 */
#include "core/lottery.h"

#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"

void
lottery_hash_hex(const void *text, size_t n, char out[LOTTERY_HEX_LEN])
{
	uint8_t h[SM3_LEN];

	sm3(text, n, h);
	hex_encode(h, sizeof(h), out);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
lottery_seed(const char *list_hash_hex, const char *const *values, const size_t *lens,
	     size_t nvalues, uint8_t seed[LOTTERY_HASH_LEN])
{
	struct buf b;
	uint8_t h[LOTTERY_HASH_LEN], len[4];
	int rc = -1;

	buf_init(&b, 0);
	if (list_hash_hex == NULL || strlen(list_hash_hex) != 2 * LOTTERY_HASH_LEN ||
	    hex_decode(list_hash_hex, 2 * LOTTERY_HASH_LEN, h, sizeof(h)) != 0)
		goto out;
	buf_add(&b, h, sizeof(h));
	for (size_t k = 0; k < nvalues; k++) {
		if (lens[k] > UINT32_MAX)
			goto out;
		put_be32(len, (uint32_t)lens[k]);
		buf_add(&b, len, sizeof(len));
		if (buf_add(&b, values[k], lens[k]) != 0)
			goto out;
	}
	sm3(b.p, b.n, seed);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

void
lottery_rng_init(struct lottery_rng *g, const uint8_t seed[LOTTERY_HASH_LEN])
{
	memset(g, 0, sizeof(*g));
	memcpy(g->seed, seed, LOTTERY_HASH_LEN);
	g->used = 4; /* the first call computes block 0 */
}

uint64_t
lottery_next(struct lottery_rng *g)
{
	uint64_t x = 0;
	const uint8_t *p;

	if (g->used == 4) {
		uint8_t in[LOTTERY_HASH_LEN + 8];

		memcpy(in, g->seed, LOTTERY_HASH_LEN);
		for (int k = 0; k < 8; k++)
			in[LOTTERY_HASH_LEN + k] = (uint8_t)(g->block >> (56 - 8 * k));
		sm3(in, sizeof(in), g->buf);
		g->block++;
		g->used = 0;
	}
	p = g->buf + 8 * g->used++;
	for (int k = 0; k < 8; k++)
		x = x << 8 | p[k];
	return x;
}

uint64_t
lottery_uniform(struct lottery_rng *g, uint64_t n)
{
	uint64_t rem, x;

	if (n <= 1)
		return 0;
	/* 2^64 mod n, computed without 128-bit arithmetic. */
	rem = (UINT64_MAX % n + 1) % n;
	for (;;) {
		x = lottery_next(g);
		/* Accept x below the largest multiple of n that fits in 2^64. */
		if (rem == 0 || x < UINT64_MAX - rem + 1)
			return x % n;
	}
}

void
lottery_shuffle(struct lottery_rng *g, int64_t *a, size_t n)
{
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)lottery_uniform(g, (uint64_t)i + 1);
		int64_t t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

void
lottery_draw(const uint8_t seed[LOTTERY_HASH_LEN], int64_t *order, size_t n, int64_t *unit_order,
	     size_t m)
{
	struct lottery_rng g;

	for (size_t k = 0; k < n; k++)
		order[k] = (int64_t)k + 1;
	for (size_t k = 0; k < m; k++)
		unit_order[k] = (int64_t)k + 1;
	lottery_rng_init(&g, seed);
	lottery_shuffle(&g, order, n);
	lottery_shuffle(&g, unit_order, m);
}
