/*
 * `anju ledger check` and `anju ledger close` (issue 5 §3).
 *
 * check proves the whole book (money/check.h) and prints one line per
 * failure, naming the row; it only reads, in one snapshot, so it may run
 * beside a busy server.  close asks for a period to be closed: closing
 * needs a second person, so the command records an approval request in the
 * name of a finance account, and the period closes when someone else
 * (finance or bureau) approves it in the console's approvals inbox.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "approval/approval.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/date.h"
#include "money/check.h"
#include "money/ledger.h"
#include "store/db.h"

/* Below this many entries the check is quick: no progress bar. */
#define PROGRESS_MIN_ENTRIES 200000

struct check_ui {
	struct progress bar;
	const struct ledger_check_stats *stats;
};

static void
check_progress(void *ud, int64_t done, int64_t total, const char *note)
{
	struct check_ui *ui = ud;

	/* The first pass counts the book; the bar starts once that says it
	 * is worth one. */
	if (ui->stats->entries >= PROGRESS_MIN_ENTRIES)
		progress_update(&ui->bar, done, total, note);
}

static void
check_report(void *ud, const struct ledger_failure *f)
{
	(void)ud;
	printf("%s\n", f->text);
}

/* v with thousands separators: "10,000,000". */
static const char *
grouped(int64_t v, char out[32])
{
	char digits[24];
	int n, j = 0;

	n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		out[j++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
	return out;
}

static int
ledger_check_cmd(struct cli_args *a)
{
	struct ledger_check_stats s;
	struct check_ui ui = { .stats = &s };
	struct anju_err e;
	struct db *db = NULL;
	char g1[32], g2[32];
	int rc;

	anju_err_clear(&e);
	/* Read only: the schema is left as it is (a server may be running). */
	if (cli_open_db(a, false, &db, &e) != 0)
		return cli_fail(&e);
	progress_init(&ui.bar, "ledger check");
	rc = ledger_check(db, check_report, NULL, &s, check_progress, &ui, &e);
	progress_done(&ui.bar, NULL);
	if (rc != 0 && rc != ANJU_EUNPROCESSABLE)
		return cli_fail(&e);
	printf("ledger check: %s entries in %s journals, %lld period%s: ", grouped(s.entries, g1),
	       grouped(s.journals, g2), (long long)s.periods, s.periods == 1 ? "" : "s");
	if (s.failures == 0) {
		printf("all balanced\n");
		return 0;
	}
	printf("%lld failure%s (", (long long)s.failures, s.failures == 1 ? "" : "s");
	for (int i = 0, first = 1; i < LEDGER_INV_COUNT; i++)
		if (s.by_invariant[i] > 0) {
			printf("%s%s %lld", first ? "" : ", ",
			       ledger_invariant_name((enum ledger_invariant)i),
			       (long long)s.by_invariant[i]);
			first = 0;
		}
	printf(")\n");
	return 1;
}

/* The account that asks: an active finance account, as a caller. */
static int
requester(struct db *db, const char *username, struct caller *c, char *principal, size_t n)
{
	struct db_stmt *st;
	char state[16] = "", role[32] = "";
	int rc;

	rc = db_prepare(
		db, "SELECT id, role, state, all_communities FROM account WHERE username = ?", &st);
	if (rc != 0) {
		fprintf(stderr, "anju ledger close: %s\n", db_errmsg(db));
		return -1;
	}
	db_bind_cstr(st, 1, username);
	rc = db_step(st);
	if (rc == DB_ROW) {
		c->id = db_col_int64(st, 0);
		snprintf(role, sizeof(role), "%s", db_col_text(st, 1));
		snprintf(state, sizeof(state), "%s", db_col_text(st, 2));
		c->all_communities = db_col_int64(st, 3) != 0;
	}
	db_reset(st);
	if (rc < 0) {
		fprintf(stderr, "anju ledger close: %s\n", db_errmsg(db));
		return -1;
	}
	if (rc == DB_DONE) {
		fprintf(stderr, "anju ledger close: no account \"%s\"\n", username);
		return -1;
	}
	if (strcmp(state, "active") != 0) {
		fprintf(stderr, "anju ledger close: the account \"%s\" is %s\n", username, state);
		return -1;
	}
	if (role_parse(role, &c->role) != 0 || c->role != ROLE_FINANCE) {
		fprintf(stderr,
			"anju ledger close: \"%s\" is a %s account; a period close is asked"
			" for by a finance account\n",
			username, role);
		return -1;
	}
	c->kind = CALLER_ACCOUNT;
	c->name = username;
	snprintf(principal, n, "account:%lld", (long long)c->id);
	c->principal = principal;
	return 0;
}

/* The earlier periods that have journals and are still open (they must
 * close first), into out as "2026-03, 2026-04"; "" when none. */
static void
open_before(struct db *db, const char *period, char *out, size_t n)
{
	struct db_stmt *st;
	size_t used = 0;

	out[0] = '\0';
	if (db_prepare(db,
		       "SELECT DISTINCT j.period FROM journal j WHERE j.period < ? AND NOT EXISTS"
		       " (SELECT 1 FROM ledger_period p WHERE p.period = j.period"
		       " AND p.state = 'closed') ORDER BY j.period",
		       &st) != 0)
		return;
	db_bind_cstr(st, 1, period);
	while (db_step(st) == DB_ROW && used + 16 < n)
		used += (size_t)snprintf(out + used, n - used, "%s%s", used ? ", " : "",
					 db_col_text(st, 0));
	db_reset(st);
}

static int
ledger_close_cmd(const struct cli_command *cmd, struct cli_args *a)
{
	const char *period = cli_value(cmd, a, "period"), *by = cli_value(cmd, a, "by"),
		   *reason = cli_value(cmd, a, "reason");
	struct caller c = { 0 };
	struct audit_actor who;
	struct anju_err e;
	struct period p;
	struct db *db = NULL;
	char principal[32], why[128], earlier[256];
	json_t *payload;
	int64_t id = 0;
	int rc;

	anju_err_clear(&e);
	if (period == NULL || by == NULL) {
		fprintf(stderr, "usage: %s\n", cmd->usage);
		return 2;
	}
	if (period_parse(str_c(period), &p) != 0) {
		fprintf(stderr, "anju ledger close: --period takes a month, YYYY-MM\n");
		return 2;
	}
	if (cli_open_db(a, true, &db, &e) != 0)
		return cli_fail(&e);
	if (db_begin(db) != 0) {
		anju_fail(&e, ANJU_EDB, NULL, NULL, "begin: %s", db_errmsg(db));
		return cli_fail(&e);
	}
	if (requester(db, by, &c, principal, sizeof(principal)) != 0) {
		db_rollback(db);
		return 1;
	}
	/* The reason is shown to the approver in the (zh-CN) inbox. */
	if (reason == NULL || reason[0] == '\0') {
		snprintf(why, sizeof(why), "会计期间 %s 结账", period);
		reason = why;
	}
	audit_actor_of(&who, &c, "cli", NULL);
	payload = json_pack("{s:s}", "period", period);
	rc = approval_request(db, &c, &who, "ledger.close", payload, reason, "ledger_period",
			      period, &id, &e);
	json_decref(payload);
	if (rc != 0) {
		db_rollback(db);
		fprintf(stderr, "anju ledger close: the request was refused\n");
		return cli_fail(&e);
	}
	open_before(db, period, earlier, sizeof(earlier));
	if (db_commit(db) != 0) {
		anju_fail(&e, ANJU_EDB, NULL, NULL, "commit: %s", db_errmsg(db));
		return cli_fail(&e);
	}
	printf("approval request %lld: close ledger period %s, asked by %s (finance)\n",
	       (long long)id, period, by);
	printf("Next: another finance or bureau account approves it in the console's approvals"
	       " inbox;\nthe period closes when it is approved, and from then on takes no entries"
	       " (corrections land in the open period).\n");
	if (earlier[0] != '\0')
		printf("Note: earlier periods with entries are still open (%s); they must close"
		       " first, or the approval will be refused.\n",
		       earlier);
	return 0;
}

static int
run_ledger(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0];

	if (strcmp(sub, "check") == 0) {
		if (cli_given(c, a, "period") || cli_given(c, a, "by") ||
		    cli_given(c, a, "reason")) {
			fprintf(stderr, "anju ledger: --period, --by and --reason go with close\n");
			return 2;
		}
		return ledger_check_cmd(a);
	}
	if (strcmp(sub, "close") == 0)
		return ledger_close_cmd(c, a);
	fprintf(stderr, "usage: %s\n", c->usage);
	return 2;
}

static const struct cli_flag ledger_flags[] = {
	{ "period", true, "close: the month to close, YYYY-MM (it must have ended)" },
	{ "by", true, "close: the username of the finance account asking for the close" },
	{ "reason", true, "close: why, shown to the approver (default: the period's close)" },
	{ NULL },
};

const struct cli_command cmd_ledger = {
	"ledger",
	"anju ledger check --data DIR | close --period YYYY-MM --by USERNAME --data DIR",
	"check that the books balance (every journal, balance, charge, payment, receipt), or ask"
	" for a period's close (approved by a second person)",
	ledger_flags,
	1,
	1,
	true,
	run_ledger,
};
