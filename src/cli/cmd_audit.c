/*
 * `anju audit head` and `anju audit verify [--expect-head "ID MAC"]`.
 *
 * head prints one line, the newest row's number and MAC, for keeping in
 * another system (a ticket, a mail to the bureau, a printout); verify later
 * given that line also finds a cut tail, which the chain alone cannot show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/mem.h"
#include "store/db.h"

/* Below this many rows verification is quick: no progress bar. */
#define PROGRESS_MIN_ROWS 20000

static void
verify_progress(void *ud, int64_t done, int64_t total, const char *note)
{
	if (total >= PROGRESS_MIN_ROWS)
		progress_update(ud, done, total, note);
}

static int
run_audit(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0], *expect = cli_value(c, a, "expect-head");
	struct anju_err e;
	struct db *db = NULL;
	struct progress p;
	int64_t id = 0, rows = 0, bad_id = 0;
	char mac[65], why[512];
	int rc;

	anju_err_clear(&e);
	if (strcmp(sub, "head") != 0 && strcmp(sub, "verify") != 0) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if (expect != NULL && strcmp(sub, "verify") != 0) {
		fprintf(stderr, "anju audit: --expect-head goes with verify\n");
		return 2;
	}
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	if (strcmp(sub, "head") == 0) {
		if (audit_head(db, &id, mac, &e) != 0)
			return cli_fail(&e);
		printf("%lld %s\n", (long long)id, mac);
		return 0;
	}
	/* cli_open_db loaded the keys and gave the audit key to the audit module. */
	progress_init(&p, "审计链校验");
	rc = audit_verify(db, expect, &rows, &bad_id, why, sizeof(why), verify_progress, &p, &e);
	progress_done(&p, NULL);
	if (rc != 0 && bad_id == 0)
		return cli_fail(&e);
	if (bad_id != 0) {
		printf("audit chain broken: %s\n", why);
		return 1;
	}
	printf("audit chain intact: %lld rows\n", (long long)rows);
	return 0;
}

static const struct cli_flag audit_flags[] = {
	{ "expect-head", true,
	  "verify: the line \"ID MAC\" printed by an earlier `anju audit head`" },
	{ NULL },
};

const struct cli_command cmd_audit = {
	"audit",
	"anju audit head|verify --data DIR [--expect-head \"ID MAC\"]",
	"print the audit chain's head, or verify the chain (changed, deleted or cut rows)",
	audit_flags,
	1,
	1,
	true,
	run_audit,
};
