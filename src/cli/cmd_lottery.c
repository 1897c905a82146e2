/*
 * `anju lottery verify FILE`: recomputes a published draw from its public
 * record (GET /api/v1/allocations/{id}/draw.json or
 * /api/v1/public/allocations/{id}) with nothing but the record: the list's
 * SM3, each party's value against its commitment, the seed, and both
 * shuffles (docs/lottery.md).  Exit 0 when everything matches, 1 with the
 * first difference otherwise.  Needs no data directory: anyone may run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/lottery.h"

/* s, or "" for NULL. */
static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
differs(const char *what)
{
	printf("不一致 (MISMATCH): %s\n", what);
	return 1;
}

/* Compares a published integer order with the recomputed one. */
static int
same_order(json_t *published, const int64_t *order, size_t n, const char *name)
{
	char why[160];

	if (!json_is_array(published) || json_array_size(published) != n) {
		snprintf(why, sizeof(why), "%s 的长度与名单不符", name);
		return differs(why);
	}
	for (size_t k = 0; k < n; k++)
		if (json_integer_value(json_array_get(published, k)) != order[k]) {
			snprintf(why, sizeof(why), "%s 第 %zu 位：公布为 %lld，重算为 %lld", name,
				 k + 1, (long long)json_integer_value(json_array_get(published, k)),
				 (long long)order[k]);
			return differs(why);
		}
	return 0;
}

static int
verify(json_t *rec)
{
	const char *text = json_string_value(json_object_get(rec, "list_text")),
		   *list_hash = json_string_value(json_object_get(rec, "list_hash")),
		   *seed_pub = json_string_value(json_object_get(rec, "seed"));
	json_t *list = NULL, *parties = json_object_get(rec, "parties"), *names, *p;
	char hash[LOTTERY_HEX_LEN], seed_hex[LOTTERY_HEX_LEN], why[256];
	const char *vals[64];
	size_t lens[64], np, n, m, k;
	uint8_t seed[LOTTERY_HASH_LEN];
	int64_t *order = NULL, *uorder = NULL;
	int rc = 1;

	if (text == NULL || list_hash == NULL || !json_is_array(parties))
		return differs("记录缺少 list_text、list_hash 或 parties");
	if (strcmp(or_empty(json_string_value(json_object_get(rec, "algorithm"))),
		   "anju-lottery-v1") != 0)
		return differs("算法不是 anju-lottery-v1");
	lottery_hash_hex(text, strlen(text), hash);
	if (strcmp(hash, list_hash) != 0) {
		snprintf(why, sizeof(why), "名单杂凑：公布为 %s，重算为 %s", list_hash, hash);
		return differs(why);
	}
	printf("名单 SM3 一致: %s\n", hash);
	if ((list = json_loads(text, 0, NULL)) == NULL)
		return differs("list_text 不是 JSON");
	names = json_object_get(list, "parties");
	np = json_array_size(parties);
	if (!json_is_array(names) || json_array_size(names) != np || np == 0 || np > 64) {
		rc = differs("承诺方与名单中公布的承诺方不符");
		goto out;
	}
	json_array_foreach (parties, k, p) {
		const char *party = json_string_value(json_object_get(p, "party")),
			   *commit = json_string_value(json_object_get(p, "commit_hash")),
			   *value = json_string_value(json_object_get(p, "value"));

		if (party == NULL ||
		    strcmp(party, or_empty(json_string_value(json_array_get(names, k)))) != 0) {
			snprintf(why, sizeof(why), "第 %zu 个承诺方应为“%s”", k + 1,
				 or_empty(json_string_value(json_array_get(names, k))));
			rc = differs(why);
			goto out;
		}
		if (commit == NULL || value == NULL) {
			snprintf(why, sizeof(why), "“%s”尚未承诺或揭示", party);
			rc = differs(why);
			goto out;
		}
		lottery_hash_hex(value, strlen(value), hash);
		if (strcmp(hash, commit) != 0) {
			snprintf(why, sizeof(why), "“%s”揭示的值与承诺不符", party);
			rc = differs(why);
			goto out;
		}
		printf("承诺一致: %s\n", party);
		vals[k] = value;
		lens[k] = strlen(value);
	}
	if (lottery_seed(list_hash, vals, lens, np, seed) != 0) {
		rc = differs("名单杂凑不是 64 位十六进制");
		goto out;
	}
	hex_encode(seed, sizeof(seed), seed_hex);
	if (seed_pub == NULL || strcmp(seed_hex, seed_pub) != 0) {
		snprintf(why, sizeof(why), "种子：公布为 %s，重算为 %s",
			 seed_pub ? seed_pub : "(无)", seed_hex);
		rc = differs(why);
		goto out;
	}
	printf("种子一致: %s\n", seed_hex);
	n = json_array_size(json_object_get(list, "entries"));
	m = json_array_size(json_object_get(list, "units"));
	order = calloc(n + 1, sizeof(*order));
	uorder = calloc(m + 1, sizeof(*uorder));
	if (order == NULL || uorder == NULL) {
		rc = differs("内存不足");
		goto out;
	}
	lottery_draw(seed, order, n, uorder, m);
	if ((rc = same_order(json_object_get(rec, "order"), order, n, "家庭顺序")) != 0 ||
	    (rc = same_order(json_object_get(rec, "unit_order"), uorder, m, "房源顺序")) != 0)
		goto out;
	printf("摇号结果一致：%zu 户、%zu 套房源的顺序均可由公布的输入重现 (OK)\n", n, m);
	rc = 0;
out:
	free(order);
	free(uorder);
	json_decref(list);
	return rc;
}

static int
run_lottery(const struct cli_command *c, struct cli_args *a)
{
	json_error_t jerr;
	json_t *rec;
	FILE *f;
	int rc;

	(void)c;
	if (strcmp(a->pos[0], "verify") != 0 || a->npos != 2) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if ((f = fopen(a->pos[1], "rb")) == NULL) {
		perror(a->pos[1]);
		return 1;
	}
	rec = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (rec == NULL) {
		fprintf(stderr, "%s: not JSON (line %d: %s)\n", a->pos[1], jerr.line, jerr.text);
		return 1;
	}
	rc = verify(rec);
	json_decref(rec);
	return rc;
}

static const struct cli_flag lottery_flags[] = { { NULL } };

const struct cli_command cmd_lottery = {
	"lottery",
	"anju lottery verify FILE",
	"recompute a published allocation lottery from its public record (draw.json): exit 0"
	" when the published result follows from the published inputs",
	lottery_flags,
	2,
	2,
	false,
	run_lottery,
};
