/*
 * libFuzzer target for the banks' withholding result files
 * (rent/withholding.c wh_result_parse): the first byte of the input picks
 * the layout (encoding UTF-8, GB18030 or auto; the delimiter; a header line
 * or not), the rest is the file.
 *
 * Besides the sanitizers, it checks the parser's contracts: every row it
 * returns has a reference, an amount within the money core's range, a bank
 * reference when it is a success and a reason when it is not; its line is
 * at least 1 and lines only go forward; each error names a line; a file it
 * cannot read at all is an error with a key, and then no rows come back.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money/money.h"
#include "rent/collection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const layouts[] = {
	"{\"encoding\":\"auto\",\"delimiter\":\",\",\"header\":true,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"account_number\"},{\"field\":\"amount_yuan\"},"
	"{\"field\":\"status\"},{\"field\":\"reason\"},{\"field\":\"bank_ref\"}],"
	"\"success_values\":[\"成功\",\"0000\"]}",
	"{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":false,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"amount_fen\"},{\"field\":\"status\"},"
	"{\"field\":\"bank_ref\"},{\"field\":\"reason\"}],\"success_values\":[\"S\"]}",
	"{\"encoding\":\"utf8\",\"delimiter\":\"tab\",\"header\":false,\"columns\":["
	"{\"field\":\"ignore\"},{\"field\":\"reference\"},{\"field\":\"amount_yuan\"},"
	"{\"field\":\"status\"},{\"field\":\"bank_ref\"}],\"success_values\":[\"OK\"]}",
	"{\"encoding\":\"auto\",\"delimiter\":\";\",\"header\":true,\"columns\":["
	"{\"field\":\"reference\"},{\"field\":\"amount_fen\"},{\"field\":\"status\"},"
	"{\"field\":\"bank_ref\"},{\"field\":\"reason\"},{\"field\":\"holder_name\"}],"
	"\"success_values\":[\"1\"]}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wh_layout l;
	struct wh_result_row *rows = NULL;
	struct anju_err e;
	json_error_t jerr;
	json_t *j, *errors;
	size_t n = 0, last = 0;
	int rc;

	if (size < 1)
		return 0;
	j = json_loads(layouts[data[0] % 4], 0, &jerr);
	if (j == NULL || wh_layout_parse(j, true, "result_layout", &l, &e) != 0)
		abort();
	json_decref(j);
	errors = json_array();
	rc = wh_result_parse(&l, (const char *)data + 1, size - 1, &rows, &n, errors, &e);
	if (rc != 0) {
		if (e.key[0] == '\0' || rows != NULL || n != 0)
			abort();
	}
	for (size_t i = 0; i < n; i++) {
		const struct wh_result_row *r = &rows[i];

		if (r->reference[0] == '\0' || r->amount_fen < 1 ||
		    r->amount_fen > MONEY_AMOUNT_MAX || r->line < 1 || r->line < last)
			abort();
		if (r->success ? r->bank_ref[0] == '\0' : r->reason[0] == '\0')
			abort();
		last = r->line;
	}
	for (size_t i = 0; i < json_array_size(errors); i++)
		if (json_integer_value(json_object_get(json_array_get(errors, i), "line")) < 1)
			abort();
	free(rows);
	json_decref(errors);
	return 0;
}
