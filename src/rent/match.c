/*
 * Matching bank lines to households (rent part D), suspense, confirming
 * and undoing a match, the rules and the policy, and the daily comparison
 * of the bank balance with the ledger.  See reconcile.h and
 * docs/rent-reconciliation.md.
 *
 * match_run is set-based: a handful of INSERT ... SELECT statements over
 * temporary tables, whatever the number of lines, never a query per line.
 *   rc_target  the lines looked at (in suspense, money in)
 *   rc_day     each of their dates with the window of due dates around it
 *   rc_open    every household with open charges: what it owes, its newest
 *              due date, its largest single open amount
 *   rc_cand    every candidate (line, household) with its tier and score
 *   rc_exact   the lines matched exactly, one household each
 * The tiers, in the order of RULES.md "Money": (1) exact, (2) the match
 * rules, (3) the policy's amount and date tolerance, (4) one period's
 * amount for a person to choose; a line gets tiers 3 and 4 only when the
 * ones before gave it nothing.  A line is never matched to two households:
 * exact candidates of more than one household leave it to a person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "household/household.h"
#include "http/http.h"
#include "jobs/job.h"
#include "money/ledger.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "rent/rent.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

/* Suggestions kept per line. */
#define SUGGESTIONS_MAX 5
/* The score of an exact candidate left to a person (two households, or a
 * second line for the same household). */
#define SCORE_EXACT_LEFT 95

static const char *const rule_kinds[] = { "payer_account", "unit", "head_name", "member_name",
					  NULL };

/* The bank's payments are taken by the system on behalf of the importer. */
static const struct caller matcher = {
	.kind = CALLER_SYSTEM,
	.role = ROLE_FINANCE,
	.name = "system",
	.principal = "system",
	.all_communities = true,
};

static int
exec(struct db *db, const char *sql, struct anju_err *e)
{
	int rc = db_exec(db, sql);

	return rc != 0 ? db_fail(db, rc, e) : 0;
}

/* Runs a statement with n integer parameters to its end. */
static int
run(struct db *db, const char *sql, int n, const int64_t *v, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 0; i < n; i++)
		db_bind_int64(st, i + 1, v[i]);
	while ((rc = db_step(st)) == DB_ROW)
		;
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int64_t
count(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t n = 0;

	if (db_prepare(db, sql, &st) != 0)
		return 0;
	if (strchr(sql, '?') != NULL)
		db_bind_int64(st, 1, arg);
	if (db_step(st) == DB_ROW)
		n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static int
temp_tables(struct db *db, struct anju_err *e)
{
	int rc;

	if ((rc = exec(db,
		       "CREATE TEMP TABLE IF NOT EXISTS rc_target (line_id BIGINT PRIMARY KEY,"
		       " amount_fen BIGINT NOT NULL, posted_on TEXT NOT NULL, payer_household_id"
		       " BIGINT, counterparty_name TEXT NOT NULL, remark TEXT NOT NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_rest (line_id BIGINT PRIMARY KEY,"
		       " amount_fen BIGINT NOT NULL, posted_on TEXT NOT NULL, payer_household_id"
		       " BIGINT, counterparty_name TEXT NOT NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_bare (line_id BIGINT PRIMARY KEY,"
		       " amount_fen BIGINT NOT NULL, posted_on TEXT NOT NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_day (day TEXT PRIMARY KEY, lo TEXT NOT"
		       " NULL, hi TEXT NOT NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_open (household_id BIGINT NOT NULL,"
		       " open_fen BIGINT NOT NULL, last_due TEXT NOT NULL, max_owed BIGINT NOT"
		       " NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_cand1 (line_id BIGINT NOT NULL,"
		       " household_id BIGINT NOT NULL, payment_id BIGINT, rule TEXT NOT NULL,"
		       " rule_name TEXT NOT NULL);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_cand (line_id BIGINT NOT NULL,"
		       " household_id BIGINT NOT NULL, tier TEXT NOT NULL, rule TEXT NOT NULL,"
		       " rule_name TEXT NOT NULL, score INTEGER NOT NULL);"
		       "CREATE INDEX IF NOT EXISTS rc_cand_line ON rc_cand (line_id);"
		       "CREATE TEMP TABLE IF NOT EXISTS rc_exact (line_id BIGINT PRIMARY KEY,"
		       " household_id BIGINT NOT NULL, payment_id BIGINT, rule TEXT NOT NULL);"
		       "CREATE INDEX IF NOT EXISTS rc_exact_household ON rc_exact (household_id);"
		       "CREATE INDEX IF NOT EXISTS rc_exact_payment ON rc_exact (payment_id);",
		       e)) != 0)
		return rc;
	/* rc_open is indexed after it is filled: faster than row by row. */
	return exec(db,
		    "DROP INDEX IF EXISTS rc_open_household; DROP INDEX IF EXISTS rc_open_fen;"
		    " DROP INDEX IF EXISTS rc_open_owed;"
		    " DELETE FROM rc_target; DELETE FROM rc_rest; DELETE FROM rc_bare;"
		    " DELETE FROM rc_day; DELETE FROM rc_open; DELETE FROM rc_cand1;"
		    " DELETE FROM rc_cand; DELETE FROM rc_exact;",
		    e);
}

static int
read_policy(struct db *db, int64_t *tolerance, int64_t *window, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT tolerance_fen, window_days FROM match_policy WHERE id = 1",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*tolerance = db_col_int64(st, 0);
		*window = db_col_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
}

/* rc_day: each target date with its window [day - w, day + w], worked out
 * here so the SQL needs no date arithmetic of either engine. */
static int
fill_days(struct db *db, int64_t window, struct anju_err *e)
{
	struct db_stmt *st, *ins;
	char(*days)[DATE_FMT_LEN] = NULL;
	size_t n = 0, cap = 0;
	int rc = db_prepare(db, "SELECT DISTINCT posted_on FROM rc_target", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			days = xrealloc(days, cap * sizeof(*days));
		}
		snprintf(days[n++], DATE_FMT_LEN, "%s", db_col_text(st, 0));
	}
	db_reset(st);
	if (rc < 0) {
		free(days);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct date d;
		char lo[DATE_FMT_LEN], hi[DATE_FMT_LEN];

		if (date_parse(str_c(days[i]), &d) != 0)
			continue;
		date_format(date_add_days(d, -window), lo);
		date_format(date_add_days(d, window), hi);
		if ((rc = db_prepare(db, "INSERT INTO rc_day (day, lo, hi) VALUES (?, ?, ?)",
				     &ins)) != 0) {
			rc = db_fail(db, rc, e);
			break;
		}
		db_bind_cstr(ins, 1, days[i]);
		db_bind_cstr(ins, 2, lo);
		db_bind_cstr(ins, 3, hi);
		rc = db_step(ins);
		db_reset(ins);
		rc = rc < 0 ? db_fail(db, rc, e) : 0;
	}
	free(days);
	return rc;
}

/* Tier 1: the exact candidates of every line. */
static const char *const tier1[] = {
	/* A known payer account, the amount what the household has open. */
	"INSERT INTO rc_cand1 (line_id, household_id, payment_id, rule, rule_name)"
	" SELECT t.line_id, t.payer_household_id, NULL, 'payer_account',"
	" '已知付款账户，金额与欠费相符' FROM rc_target t"
	" JOIN rc_open o ON o.household_id = t.payer_household_id AND o.open_fen = t.amount_fen",
	/* A payment's reference in the remark, the amount the payment's. */
	"INSERT INTO rc_cand1 (line_id, household_id, payment_id, rule, rule_name)"
	" SELECT t.line_id, p.household_id, p.id, 'reference', '附言中的支付流水号，金额相符'"
	" FROM rc_target t JOIN bank_line_token k ON k.line_id = t.line_id"
	" JOIN payment p ON p.channel IN ('pos', 'bank_transfer', 'withholding', 'online')"
	" AND p.channel_ref = k.token"
	" WHERE p.state = 'posted' AND p.amount_fen = t.amount_fen"
	" AND NOT EXISTS (SELECT 1 FROM bank_line b WHERE b.payment_id = p.id)",
	/* The community and the unit number in the remark, the amount open. */
	"INSERT INTO rc_cand1 (line_id, household_id, payment_id, rule, rule_name)"
	" SELECT t.line_id, lc.household_id, NULL, 'unit', '附言中的小区和房号，金额与欠费相符'"
	" FROM rc_target t JOIN bank_line_token k ON k.line_id = t.line_id"
	" JOIN unit u ON u.number = k.token JOIN community c ON c.id = u.community_id"
	" JOIN lease_chain lc ON lc.unit_id = u.id AND lc.state = 'open'"
	" JOIN rc_open o ON o.household_id = lc.household_id AND o.open_fen = t.amount_fen"
	" WHERE t.remark LIKE '%' || c.name || '%'"
	" OR (LENGTH(REPLACE(c.name, '公租房', '')) >= 2"
	" AND t.remark LIKE '%' || REPLACE(c.name, '公租房', '') || '%')",
	NULL,
};

/* Tier 2: the active rules, over the lines not matched exactly. */
static const char *const tier2[] = {
	/* A known payer account whatever the amount. */
	"INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name, score)"
	" SELECT t.line_id, t.payer_household_id, 'rule', r.kind, r.name, r.score"
	" FROM rc_rest t JOIN household h ON h.id = t.payer_household_id"
	" JOIN match_rule r ON r.kind = 'payer_account' AND r.active = 1"
	" AND (r.community_id IS NULL OR r.community_id = h.community_id)",
	/* A unit number in the remark: the household of its open lease chain. */
	"INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name, score)"
	" SELECT t.line_id, lc.household_id, 'rule', r.kind, r.name, r.score"
	" FROM rc_rest t JOIN bank_line_token k ON k.line_id = t.line_id"
	" JOIN unit u ON u.number = k.token"
	" JOIN lease_chain lc ON lc.unit_id = u.id AND lc.state = 'open'"
	" JOIN match_rule r ON r.kind = 'unit' AND r.active = 1"
	" AND (r.community_id IS NULL OR r.community_id = u.community_id)",
	/* The payer's name is the head's, or a member's. */
	"INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name, score)"
	" SELECT t.line_id, m.household_id, 'rule', r.kind, r.name, r.score"
	" FROM rc_rest t JOIN person p ON p.name_key = t.counterparty_name"
	" JOIN member m ON m.person_id = p.id AND m.left_at IS NULL"
	" JOIN household h ON h.id = m.household_id"
	" JOIN match_rule r ON r.active = 1 AND (r.kind = 'member_name'"
	" OR (r.kind = 'head_name' AND m.relationship = 'head'))"
	" AND (r.community_id IS NULL OR r.community_id = h.community_id)"
	" WHERE t.counterparty_name <> ''",
	NULL,
};

int
match_run(struct db *db, int64_t statement_id, struct match_stats *ms, struct anju_err *e)
{
	int64_t tolerance = 0, window = 0, sid[2] = { statement_id, statement_id };
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	memset(ms, 0, sizeof(*ms));
	if ((rc = temp_tables(db, e)) != 0 || (rc = read_policy(db, &tolerance, &window, e)) != 0)
		return rc;
	if ((rc = run(db,
		      "INSERT INTO rc_target (line_id, amount_fen, posted_on, payer_household_id,"
		      " counterparty_name, remark) SELECT id, amount_fen, posted_on,"
		      " payer_household_id, counterparty_name, remark FROM bank_line"
		      " WHERE state IN ('unmatched', 'suggested') AND amount_fen > 0"
		      " AND (? = 0 OR statement_id = ?) AND NOT EXISTS (SELECT 1 FROM"
		      " bank_match_pending p WHERE p.line_id = bank_line.id)",
		      2, sid, e)) != 0)
		return rc;
	ms->lines = count(db, "SELECT COUNT(*) FROM rc_target", 0);
	if (ms->lines == 0)
		return 0;
	if ((rc = fill_days(db, window, e)) != 0 ||
	    (rc = run(db,
		      "INSERT INTO rc_open (household_id, open_fen, last_due, max_owed)"
		      " SELECT household_id, SUM(amount_fen - paid_fen), MAX(due_on),"
		      " MAX(amount_fen - paid_fen) FROM charge WHERE state = 'open'"
		      " GROUP BY household_id",
		      0, NULL, e)) != 0 ||
	    (rc = exec(db,
		       "CREATE UNIQUE INDEX rc_open_household ON rc_open (household_id);"
		       "CREATE INDEX rc_open_fen ON rc_open (open_fen, last_due, household_id);"
		       "CREATE INDEX rc_open_owed ON rc_open (max_owed, last_due, household_id);",
		       e)) != 0)
		return rc;
	for (const char *const *q = tier1; *q != NULL; q++)
		if ((rc = run(db, *q, 0, NULL, e)) != 0)
			return rc;
	/* Exact: one household (a reference: one payment) per line ... */
	if ((rc = run(db,
		      "INSERT INTO rc_exact (line_id, household_id, payment_id, rule)"
		      " SELECT line_id, MIN(household_id), MIN(payment_id),"
		      " CASE WHEN MIN(payment_id) IS NULL THEN MIN(rule) ELSE 'reference' END"
		      " FROM rc_cand1 GROUP BY line_id"
		      " HAVING MIN(household_id) = MAX(household_id)"
		      " AND (MIN(payment_id) IS NULL OR MIN(payment_id) = MAX(payment_id))",
		      0, NULL, e)) != 0)
		return rc;
	/* ... and one line per household's open amount (per payment). */
	if ((rc = run(db,
		      "DELETE FROM rc_exact WHERE payment_id IS NULL AND EXISTS (SELECT 1 FROM"
		      " rc_exact x WHERE x.household_id = rc_exact.household_id"
		      " AND x.payment_id IS NULL AND x.line_id < rc_exact.line_id)",
		      0, NULL, e)) != 0 ||
	    (rc = run(db,
		      "DELETE FROM rc_exact WHERE payment_id IS NOT NULL AND EXISTS (SELECT 1 FROM"
		      " rc_exact x WHERE x.payment_id = rc_exact.payment_id"
		      " AND x.line_id < rc_exact.line_id)",
		      0, NULL, e)) != 0)
		return rc;
	/* The rest go on to the rules; their exact candidates, left to a
	 * person (two households, or a second line for one), are suggestions. */
	if ((rc = run(db,
		      "INSERT INTO rc_rest (line_id, amount_fen, posted_on, payer_household_id,"
		      " counterparty_name) SELECT t.line_id, t.amount_fen, t.posted_on,"
		      " t.payer_household_id, t.counterparty_name FROM rc_target t"
		      " WHERE NOT EXISTS (SELECT 1 FROM rc_exact x WHERE x.line_id = t.line_id)",
		      0, NULL, e)) != 0)
		return rc;
	{
		int64_t v[1] = { SCORE_EXACT_LEFT };

		if ((rc = run(db,
			      "INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name,"
			      " score) SELECT c.line_id, c.household_id, 'exact', c.rule, "
			      "c.rule_name,"
			      " ? FROM rc_cand1 c JOIN rc_rest t ON t.line_id = c.line_id",
			      1, v, e)) != 0)
			return rc;
	}
	for (const char *const *q = tier2; *q != NULL; q++)
		if ((rc = run(db, *q, 0, NULL, e)) != 0)
			return rc;
	/* Tiers 3 and 4 only for the lines with nothing yet. */
	if ((rc = run(db,
		      "INSERT INTO rc_bare (line_id, amount_fen, posted_on) SELECT t.line_id,"
		      " t.amount_fen, t.posted_on FROM rc_rest t WHERE NOT EXISTS"
		      " (SELECT 1 FROM rc_cand c WHERE c.line_id = t.line_id)",
		      0, NULL, e)) != 0)
		return rc;
	{
		int64_t v[4] = { tolerance, tolerance, tolerance, SUGGESTIONS_MAX };

		/* 3: the amount within the tolerance, the newest due date near. */
		if ((rc = run(db,
			      "INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name, "
			      "score)"
			      " SELECT line_id, household_id, 'tolerance', 'tolerance',"
			      " '金额与应缴日期相近', score FROM ("
			      " SELECT t.line_id, o.household_id, 50 - (ABS(o.open_fen - "
			      "t.amount_fen)"
			      " * 20) / (? + 1) AS score, ROW_NUMBER() OVER (PARTITION BY t.line_id"
			      " ORDER BY ABS(o.open_fen - t.amount_fen), o.household_id) AS rn"
			      " FROM rc_bare t JOIN rc_day d ON d.day = t.posted_on"
			      " JOIN rc_open o ON o.open_fen BETWEEN t.amount_fen - ?"
			      " AND t.amount_fen + ?"
			      " WHERE o.last_due BETWEEN d.lo AND d.hi) x WHERE rn <= ?",
			      4, v, e)) != 0)
			return rc;
		/* 4: one period's amount, for a person to choose. */
		if ((rc = run(db,
			      "INSERT INTO rc_cand (line_id, household_id, tier, rule, rule_name, "
			      "score)"
			      " SELECT line_id, household_id, 'person', 'one_period',"
			      " '金额等于一期欠费', 30 FROM ("
			      " SELECT t.line_id, o.household_id, ROW_NUMBER() OVER (PARTITION BY"
			      " t.line_id ORDER BY o.last_due DESC, o.household_id) AS rn"
			      " FROM rc_bare t JOIN rc_day d ON d.day = t.posted_on"
			      " JOIN rc_open o ON o.max_owed BETWEEN t.amount_fen - ?"
			      " AND t.amount_fen + ?"
			      " WHERE o.last_due BETWEEN d.lo AND d.hi AND NOT EXISTS"
			      " (SELECT 1 FROM rc_cand c WHERE c.line_id = t.line_id)) x"
			      " WHERE rn <= ?",
			      3, v + 1, e)) != 0)
			return rc;
	}
	/* The lines matched exactly wait for their payments (match_post),
	 * which marks them matched as it takes each: a matched line always has
	 * its payment. */
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO bank_match_pending (line_id, household_id, payment_id, rule,"
		" created_at) SELECT line_id, household_id, payment_id, rule, ? FROM rc_exact",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	/* The others' suggestions: each household once, with its best reason,
	 * the best few. */
	if ((rc = run(
		     db,
		     "DELETE FROM bank_suggestion WHERE line_id IN (SELECT line_id FROM rc_target)",
		     0, NULL, e)) != 0)
		return rc;
	/* Each household once per line, with its best reason, then only the
	 * best few of a line that has more. */
	if ((rc = run(db,
		      "INSERT INTO bank_suggestion (line_id, household_id, tier, rule, rule_name,"
		      " score, open_fen) SELECT line_id, household_id, tier, rule, rule_name,"
		      " score, open_fen FROM (SELECT c.line_id, c.household_id, c.tier, c.rule,"
		      " c.rule_name, c.score, COALESCE(o.open_fen, 0) AS open_fen,"
		      " ROW_NUMBER() OVER (PARTITION BY c.line_id, c.household_id"
		      " ORDER BY c.score DESC, c.rule) AS rh FROM rc_cand c"
		      " LEFT JOIN rc_open o ON o.household_id = c.household_id) a WHERE rh = 1",
		      0, NULL, e)) != 0)
		return rc;
	{
		int64_t v[2] = { SUGGESTIONS_MAX, SUGGESTIONS_MAX };

		if ((rc = run(db,
			      "DELETE FROM bank_suggestion WHERE line_id IN (SELECT line_id FROM"
			      " rc_cand GROUP BY line_id HAVING COUNT(*) > ?) AND (SELECT COUNT(*)"
			      " FROM bank_suggestion s WHERE s.line_id = bank_suggestion.line_id"
			      " AND (s.score > bank_suggestion.score OR (s.score = "
			      "bank_suggestion.score"
			      " AND s.household_id < bank_suggestion.household_id))) >= ?",
			      2, v, e)) != 0)
			return rc;
	}
	if ((rc = run(db,
		      "UPDATE bank_line SET state = CASE WHEN state = 'unmatched' THEN"
		      " 'suggested' ELSE 'unmatched' END WHERE id IN (SELECT line_id FROM rc_rest)"
		      " AND (state = 'unmatched') = EXISTS (SELECT 1 FROM bank_suggestion s"
		      " WHERE s.line_id = bank_line.id)",
		      0, NULL, e)) != 0)
		return rc;
	ms->exact = count(db, "SELECT COUNT(*) FROM rc_exact", 0);
	ms->linked = count(db, "SELECT COUNT(*) FROM rc_exact WHERE payment_id IS NOT NULL", 0);
	ms->suggested = count(db, "SELECT COUNT(DISTINCT line_id) FROM rc_cand", 0);
	ms->unmatched = ms->lines - ms->exact - ms->suggested;
	return 0;
}

int
match_refresh_payers(struct db *db, int64_t *found, struct anju_err *e)
{
	struct acct {
		char index[PII_INDEX_LEN + 1];
		char *sealed;
	} *as = NULL;
	size_t n = 0, cap = 0;
	struct db_stmt *st;
	int rc;

	*found = 0;
	rc = db_prepare(
		db,
		"SELECT counterparty_index, MIN(counterparty_sealed) FROM bank_line"
		" WHERE state IN ('unmatched', 'suggested') AND counterparty_index IS NOT NULL"
		" AND payer_household_id IS NULL AND amount_fen > 0"
		" GROUP BY counterparty_index",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			as = xrealloc(as, cap * sizeof(*as));
		}
		snprintf(as[n].index, sizeof(as[n].index), "%s", db_col_text(st, 0));
		as[n++].sealed = xstrdup(db_col_text(st, 1));
	}
	db_reset(st);
	rc = rc < 0 ? db_fail(db, rc, e) : 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct anju_err pe;
		char *plain = NULL;
		size_t len = 0;
		int64_t hh = 0;
		int prc;

		if (pii_open(keys_current(), as[i].sealed, &plain, &len) != 0) {
			rc = anju_fail(e, ANJU_EINTERNAL, "unsealable", NULL,
				       "a counterparty account cannot be opened");
			break;
		}
		prc = payer_account_household(db, plain, &hh, &pe);
		pii_plain_free(plain, len);
		if (prc == ANJU_ENOTFOUND || prc == ANJU_ECONFLICT)
			continue;
		if (prc != 0) {
			*e = pe;
			rc = prc;
			break;
		}
		if ((rc = db_prepare(db,
				     "UPDATE bank_line SET payer_household_id = ?"
				     " WHERE counterparty_index = ? AND payer_household_id IS NULL"
				     " AND state IN ('unmatched', 'suggested')",
				     &st)) != 0) {
			rc = db_fail(db, rc, e);
			break;
		}
		db_bind_int64(st, 1, hh);
		db_bind_cstr(st, 2, as[i].index);
		rc = db_step(st);
		*found += db_changes(st);
		db_reset(st);
		rc = rc < 0 ? db_fail(db, rc, e) : 0;
	}
	for (size_t i = 0; i < n; i++)
		free(as[i].sealed);
	free(as);
	return rc;
}

/* ---- posting ---- */

struct line {
	int64_t id, account_id, statement_id, household_id, payment_id, amount_fen;
	int64_t undo_count, suspense_journal_id, remittance_id;
	bool linked, in_suspense;
	char state[16], identity[80], posted_on[DATE_FMT_LEN];
	char *sealed; /* the counterparty's account, sealed (NULL: none) */
};

#define LINE_COLS                                                                                  \
	"l.id, l.bank_account_id, l.statement_id, l.household_id, l.payment_id, l.amount_fen,"     \
	" l.undo_count, l.suspense_journal_id, l.linked, l.in_suspense, l.state, l.identity,"      \
	" l.posted_on, l.counterparty_sealed, l.remittance_id"

static void
line_read(struct db_stmt *st, struct line *l)
{
	l->id = db_col_int64(st, 0);
	l->account_id = db_col_int64(st, 1);
	l->statement_id = db_col_int64(st, 2);
	l->household_id = db_col_int64(st, 3);
	l->payment_id = db_col_int64(st, 4);
	l->amount_fen = db_col_int64(st, 5);
	l->undo_count = db_col_int64(st, 6);
	l->suspense_journal_id = db_col_int64(st, 7);
	l->linked = db_col_int64(st, 8) != 0;
	l->in_suspense = db_col_int64(st, 9) != 0;
	snprintf(l->state, sizeof(l->state), "%s", db_col_text(st, 10));
	snprintf(l->identity, sizeof(l->identity), "%s", db_col_text(st, 11));
	snprintf(l->posted_on, sizeof(l->posted_on), "%s", db_col_text(st, 12));
	l->sealed = db_col_null(st, 13) ? NULL : xstrdup(db_col_text(st, 13));
	l->remittance_id = db_col_int64(st, 14);
}

static int
line_load(struct db *db, int64_t id, struct line *l, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT " LINE_COLS " FROM bank_line l WHERE l.id = ?", &st);

	memset(l, 0, sizeof(*l));
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		line_read(st, l);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "bank_line_not_found", NULL,
				 "没有这条银行流水");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Moves a line's money between the special account and suspense: in true
 * puts it in (Dr special_rent / Cr suspense), false takes it out. */
static int
suspense_move(struct db *db, const struct line *l, bool in, const struct audit_actor *who,
	      int64_t *journal_id, struct anju_err *e)
{
	int64_t special, suspense;
	struct journal j;
	int rc;

	if ((rc = ledger_account(db, LEDGER_SPECIAL_RENT, 0, &special, e)) != 0 ||
	    (rc = ledger_account(db, LEDGER_SUSPENSE, 0, &suspense, e)) != 0 ||
	    (rc = journal_begin(db, &j, NULL, in ? "bank_line.suspense" : "bank_line.match",
				"bank_line", l->id, 0, in ? "银行来款待查明" : "待查明款项已查明",
				who, e)) != 0 ||
	    (rc = journal_move(&j, in ? special : suspense, in ? suspense : special, l->amount_fen,
			       e)) != 0 ||
	    (rc = journal_post(db, &j, e)) != 0)
		return rc;
	if (journal_id != NULL)
		*journal_id = j.id;
	return 0;
}

/* The time a line's payment was received: its day at noon (Asia/Shanghai),
 * unless that is in the future or in a closed period (then now). */
static int
received_at(struct db *db, const char *posted_on, int64_t *us, struct anju_err *e)
{
	char period[PERIOD_FMT_LEN];
	struct date d;
	bool closed = false;
	int rc;

	*us = 0;
	if (date_parse(str_c(posted_on), &d) != 0)
		return 0;
	period_format(period_of(d), period);
	if ((rc = ledger_period_closed(db, period, &closed, e)) != 0)
		return rc;
	if (!closed && shanghai_to_utc_us(d, 12, 0) <= time_now_us())
		*us = shanghai_to_utc_us(d, 12, 0);
	return 0;
}

/* Takes a line's payment for household_id: "bank:<identity>", with
 * "/<n>" after n undone matches. */
static int
take_payment(struct db *db, const struct caller *c, const struct line *l, int64_t household_id,
	     const struct audit_actor *who, int64_t *payment_id, struct anju_err *e)
{
	struct payment_in in = { .household_id = household_id,
				 .amount_fen = l->amount_fen,
				 .channel = CHANNEL_BANK_TRANSFER };
	char ref[112], note[64];
	json_t *out = NULL;
	int rc;

	if (l->undo_count > 0)
		snprintf(ref, sizeof(ref), "bank:%s/%lld", l->identity, (long long)l->undo_count);
	else
		snprintf(ref, sizeof(ref), "bank:%s", l->identity);
	snprintf(note, sizeof(note), "银行流水 %lld", (long long)l->id);
	in.channel_ref = ref;
	in.note = note;
	if ((rc = received_at(db, l->posted_on, &in.received_at_us, e)) != 0)
		return rc;
	rc = payment_take(db, c, &in, who, payment_id, &out, e);
	json_decref(out);
	return rc;
}

/* Marks a line matched to a household's payment (linked: one taken by
 * another channel, not from the line). */
static int
line_matched(struct db *db, int64_t id, const char *tier, int64_t household_id, int64_t payment_id,
	     bool linked, const char *now, const char *by, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "UPDATE bank_line SET state = 'matched', tier = ?, household_id = ?,"
			    " payment_id = ?, linked = ?, in_suspense = 0, matched_at = ?,"
			    " matched_by = ? WHERE id = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, tier);
	db_bind_int64(st, 2, household_id);
	db_bind_int64(st, 3, payment_id);
	db_bind_int64(st, 4, linked ? 1 : 0);
	db_bind_cstr(st, 5, now);
	db_bind_cstr(st, 6, by);
	db_bind_int64(st, 7, id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* An exact match waiting for match_post goes. */
static int
drop_pending(struct db *db, int64_t line_id, struct anju_err *e)
{
	return run(db, "DELETE FROM bank_match_pending WHERE line_id = ?", 1, &line_id, e);
}

int
match_post(struct db *db, int64_t statement_id, int limit, const struct audit_actor *who, int *done,
	   struct anju_err *e)
{
	struct pending {
		struct line l;
		int64_t household_id, payment_id;
		char rule[24];
	} *ps = xcalloc((size_t)limit, sizeof(*ps));
	char now[TIME_FMT_LEN], tier[32];
	struct db_stmt *st;
	int n = 0, rc;

	*done = 0;
	rc = db_prepare(db,
			"SELECT " LINE_COLS ", p.household_id, p.payment_id, p.rule"
			" FROM bank_match_pending p JOIN bank_line l ON l.id = p.line_id"
			" WHERE (? = 0 OR l.statement_id = ?) ORDER BY p.line_id LIMIT ?",
			&st);
	if (rc != 0) {
		free(ps);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, statement_id);
	db_bind_int64(st, 2, statement_id);
	db_bind_int64(st, 3, limit);
	while (n < limit && (rc = db_step(st)) == DB_ROW) {
		line_read(st, &ps[n].l);
		ps[n].household_id = db_col_int64(st, 15);
		ps[n].payment_id = db_col_int64(st, 16);
		snprintf(ps[n].rule, sizeof(ps[n].rule), "%s", db_col_text(st, 17));
		n++;
	}
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	time_format_utc(time_now_us(), now);
	for (int i = 0; i < n; i++) {
		struct line *l = &ps[i].l;
		int64_t pid = ps[i].payment_id;
		bool open =
			strcmp(l->state, "unmatched") == 0 || strcmp(l->state, "suggested") == 0;

		/* A person may have settled the line meanwhile: then only the
		 * pending match goes. */
		if (open && l->in_suspense && (rc = suspense_move(db, l, false, who, NULL, e)) != 0)
			goto out;
		if (open && pid == 0 &&
		    (rc = take_payment(db, &matcher, l, ps[i].household_id, who, &pid, e)) != 0)
			goto out;
		if (open) {
			snprintf(tier, sizeof(tier), "exact_%s", ps[i].rule);
			if ((rc = line_matched(db, l->id, tier, ps[i].household_id, pid,
					       ps[i].payment_id != 0, now, "system", e)) != 0)
				goto out;
		}
		if ((rc = drop_pending(db, l->id, e)) != 0)
			goto out;
		(*done)++;
	}
out:
	for (int i = 0; i < n; i++)
		free(ps[i].l.sealed);
	free(ps);
	return rc;
}

/* A line whose exact match waits for match_post is not in suspense. */
#define NOT_PENDING                                                                                \
	" AND NOT EXISTS (SELECT 1 FROM bank_match_pending p WHERE p.line_id = bank_line.id)"

int
match_suspend(struct db *db, int64_t statement_id, const struct audit_actor *who, int64_t *fen,
	      struct anju_err *e)
{
	int64_t special, suspense, n = 0;
	struct journal j;
	struct db_stmt *st;
	int rc;

	*fen = 0;
	rc = db_prepare(db,
			"SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM bank_line"
			" WHERE (? = 0 OR statement_id = ?) AND state IN ('unmatched', 'suggested')"
			" AND in_suspense = 0 AND amount_fen > 0" NOT_PENDING,
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, statement_id);
	db_bind_int64(st, 2, statement_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*fen = db_col_int64(st, 0);
		n = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	if (n == 0)
		return 0;
	if ((rc = ledger_account(db, LEDGER_SPECIAL_RENT, 0, &special, e)) != 0 ||
	    (rc = ledger_account(db, LEDGER_SUSPENSE, 0, &suspense, e)) != 0 ||
	    (rc = journal_begin(db, &j, NULL, "bank_line.suspense", "bank_statement", statement_id,
				0, "银行来款待查明", who, e)) != 0 ||
	    (rc = journal_move(&j, special, suspense, *fen, e)) != 0 ||
	    (rc = journal_post(db, &j, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"UPDATE bank_line SET in_suspense = 1, suspense_journal_id = ?"
			" WHERE (? = 0 OR statement_id = ?) AND state IN ('unmatched', 'suggested')"
			" AND in_suspense = 0 AND amount_fen > 0" NOT_PENDING,
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, j.id);
	db_bind_int64(st, 2, statement_id);
	db_bind_int64(st, 3, statement_id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* ---- confirm and undo ---- */

/* A person settled the line: its pending match and its suggestions go. */
static int
line_settled(struct db *db, int64_t line_id, struct anju_err *e)
{
	int rc = drop_pending(db, line_id, e);

	return rc != 0 ? rc
		       : run(db, "DELETE FROM bank_suggestion WHERE line_id = ?", 1, &line_id, e);
}

static const char *
state_title(const char *state)
{
	if (strcmp(state, "matched") == 0)
		return "已匹配";
	if (strcmp(state, "ignored") == 0)
		return "支出或非租金账户，不参与匹配";
	if (strcmp(state, "suggested") == 0)
		return "有建议，待确认";
	return "待查明";
}

static int
line_audit(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	   json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "bank_line", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
bank_line_confirm(struct db *db, const struct caller *c, int64_t id, int64_t household_id,
		  const struct audit_actor *who, struct anju_err *e)
{
	struct line l;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], index[PII_INDEX_LEN + 1];
	int64_t community, pid = 0;
	int rc;

	if ((rc = line_load(db, id, &l, e)) != 0)
		return rc;
	if (strcmp(l.state, "unmatched") != 0 && strcmp(l.state, "suggested") != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_state", NULL,
			       "这条流水当前为「%s」，不能确认匹配", state_title(l.state));
		goto out;
	}
	/* Out of the caller's scope, the household does not exist. */
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		goto out;
	if (l.in_suspense && (rc = suspense_move(db, &l, false, who, NULL, e)) != 0)
		goto out;
	if ((rc = take_payment(db, c, &l, household_id, who, &pid, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	if ((rc = line_matched(db, id, "confirmed", household_id, pid, false, now,
			       who->principal ? who->principal : "anonymous", e)) != 0 ||
	    (rc = line_settled(db, id, e)) != 0)
		goto out;
	/* The payer's account now belongs to the household: learnt, and known
	 * for the other lines from it still in suspense. */
	if (l.sealed != NULL) {
		char *plain = NULL;
		size_t n = 0;

		if (pii_open(keys_current(), l.sealed, &plain, &n) != 0) {
			rc = anju_fail(e, ANJU_EINTERNAL, "unsealable", NULL,
				       "the counterparty of bank line %lld cannot be opened",
				       (long long)id);
			goto out;
		}
		rc = payer_account_learn(db, household_id, plain, "", "statement", who, e);
		pii_index(keys_current(), "bank_account", plain, index);
		pii_plain_free(plain, n);
		if (rc != 0)
			goto out;
		rc = db_prepare(
			db,
			"UPDATE bank_line SET payer_household_id = ? WHERE counterparty_index = ?"
			" AND state IN ('unmatched', 'suggested') AND payer_household_id IS NULL",
			&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, household_id);
		db_bind_cstr(st, 2, index);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	rc = line_audit(db, who, "bank_line.confirm", id, json_pack("{s:s}", "state", l.state),
			json_pack("{s:s, s:I, s:I, s:I}", "state", "matched", "household_id",
				  (json_int_t)household_id, "payment_id", (json_int_t)pid,
				  "amount_fen", (json_int_t)l.amount_fen),
			e);
out:
	free(l.sealed);
	return rc;
}

/* After line id's match to household is undone: what its confirmation
 * taught (the sender's account is the household's) is forgotten unless
 * another line the household is matched to came from the same account, and
 * the lines in suspense no longer name the household as their payer. */
static int
unteach(struct db *db, int64_t id, int64_t household_id, const char *sealed,
	const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char *plain = NULL;
	size_t n = 0;
	bool forgot = false;
	int rc;

	rc = db_prepare(db,
			"SELECT 1 FROM bank_line o JOIN bank_line l ON l.id = ?"
			" WHERE o.counterparty_index = l.counterparty_index AND o.household_id = ?"
			" AND o.state = 'matched' AND o.id <> l.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, household_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return rc == DB_ROW ? 0 : db_fail(db, rc, e);
	if (pii_open(keys_current(), sealed, &plain, &n) != 0)
		return anju_fail(e, ANJU_EINTERNAL, "unsealable", NULL,
				 "the counterparty of bank line %lld cannot be opened",
				 (long long)id);
	rc = payer_account_forget(db, household_id, plain, who, &forgot, e);
	pii_plain_free(plain, n);
	if (rc != 0 || !forgot)
		return rc;
	rc = db_prepare(db,
			"UPDATE bank_line SET payer_household_id = NULL WHERE counterparty_index ="
			" (SELECT counterparty_index FROM bank_line WHERE id = ?)"
			" AND payer_household_id = ? AND state IN ('unmatched', 'suggested')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, household_id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bank_line_undo(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
	       struct anju_err *e)
{
	struct line l;
	struct db_stmt *st;
	int64_t journal = 0;
	int rc;

	if ((rc = line_load(db, id, &l, e)) != 0)
		return rc;
	if (strcmp(l.state, "matched") != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_state", NULL,
			       "这条流水当前为「%s」，没有可撤销的匹配", state_title(l.state));
		goto out;
	}
	if (l.remittance_id != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_remittance", NULL,
			       "这条流水是现金缴存（缴存记录 %lld），不能撤销匹配",
			       (long long)l.remittance_id);
		goto out;
	}
	if (l.payment_id == 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_posting", NULL,
			       "这条流水的收款正在入账，请稍后再撤销");
		goto out;
	}
	/* Its own payment is reversed; a linked one (withholding, online)
	 * stays: only the link goes. */
	if (!l.linked && (rc = payment_reverse(db, l.payment_id, reason, who, e)) != 0)
		goto out;
	if ((rc = suspense_move(db, &l, true, who, &journal, e)) != 0)
		goto out;
	rc = db_prepare(
		db,
		"UPDATE bank_line SET state = 'unmatched', tier = NULL, household_id = NULL,"
		" payment_id = NULL, linked = 0, in_suspense = 1, suspense_journal_id = ?,"
		" undo_count = undo_count + 1, matched_at = NULL, matched_by = NULL"
		" WHERE id = ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, journal);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (l.sealed != NULL && l.household_id != 0 &&
	    (rc = unteach(db, id, l.household_id, l.sealed, who, e)) != 0)
		goto out;
	rc = line_audit(db, who, "bank_line.undo", id,
			json_pack("{s:s, s:I, s:I, s:b}", "state", "matched", "household_id",
				  (json_int_t)l.household_id, "payment_id",
				  (json_int_t)l.payment_id, "linked", l.linked),
			json_pack("{s:s, s:s, s:b}", "state", "unmatched", "reason", reason,
				  "payment_reversed", !l.linked),
			e);
out:
	free(l.sealed);
	return rc;
}

int
bank_line_take_remittance(struct db *db, int64_t line_id, int64_t remittance_id, int64_t amount_fen,
			  const struct audit_actor *who, struct anju_err *e)
{
	struct line l;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = line_load(db, line_id, &l, e)) != 0)
		return rc == ANJU_ENOTFOUND ? anju_fail(e, ANJU_EINVAL, "bank_line_not_found",
							"bank_line_id", "没有这条银行流水")
					    : rc;
	if (strcmp(l.state, "unmatched") != 0 && strcmp(l.state, "suggested") != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_state", "bank_line_id",
			       "这条流水当前为「%s」，不能作为缴存记录", state_title(l.state));
		goto out;
	}
	if (l.amount_fen != amount_fen) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_line_amount", "bank_line_id",
			       "流水金额与缴存金额不一致");
		goto out;
	}
	if (l.in_suspense && (rc = suspense_move(db, &l, false, who, NULL, e)) != 0)
		goto out;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE bank_line SET state = 'matched', tier = 'remittance',"
			" remittance_id = ?, in_suspense = 0, matched_at = ?, matched_by = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, remittance_id);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, who->principal ? who->principal : "anonymous");
	db_bind_int64(st, 4, line_id);
	rc = db_step(st);
	db_reset(st);
	rc = rc < 0 ? db_fail(db, rc, e) : line_settled(db, line_id, e);
out:
	free(l.sealed);
	return rc;
}

/* ---- reading lines ---- */

#define LIST_COLS                                                                                  \
	"l.id, l.bank_account_id, l.statement_id, l.row_no, l.serial, l.posted_on, l.amount_fen,"  \
	" l.balance_fen, l.counterparty_masked, l.counterparty_name, l.remark, l.state, l.tier,"   \
	" l.household_id, l.payment_id, l.linked, l.in_suspense, l.matched_at, l.matched_by,"      \
	" (SELECT COUNT(*) FROM bank_suggestion s WHERE s.line_id = l.id),"                        \
	" (SELECT MAX(s.score) FROM bank_suggestion s WHERE s.line_id = l.id)"

static json_t *
null_int(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static json_t *
null_text(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
line_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:I}", "id",
		(json_int_t)db_col_int64(st, 0), "bank_account_id", (json_int_t)db_col_int64(st, 1),
		"statement_id", (json_int_t)db_col_int64(st, 2), "row",
		(json_int_t)db_col_int64(st, 3), "posted_on", db_col_text(st, 5), "amount_fen",
		(json_int_t)db_col_int64(st, 6), "counterparty_account", db_col_text(st, 8),
		"counterparty_name", db_col_text(st, 9), "remark", db_col_text(st, 10), "state",
		db_col_text(st, 11), "linked", db_col_int64(st, 15) != 0, "in_suspense",
		db_col_int64(st, 16) != 0, "suggestions", (json_int_t)db_col_int64(st, 19));

	(void)ud;
	json_object_set_new(o, "serial", null_text(st, 4));
	json_object_set_new(o, "balance_fen", null_int(st, 7));
	json_object_set_new(o, "tier", null_text(st, 12));
	json_object_set_new(o, "household_id", null_int(st, 13));
	json_object_set_new(o, "payment_id", null_int(st, 14));
	json_object_set_new(o, "matched_at", null_text(st, 17));
	json_object_set_new(o, "matched_by", null_text(st, 18));
	json_object_set_new(o, "best_score", null_int(st, 20));
	return o;
}

int
bank_line_list(struct db *db, const struct line_filter *f, int64_t before_id, int limit,
	       json_t **items, int64_t *next, struct anju_err *e)
{
	const char *state = f->state;
	bool suspense = state != NULL && strcmp(state, "suspense") == 0;
	struct db_stmt *st;
	int rc =
		db_prepare(db,
			   "SELECT " LIST_COLS " FROM bank_line l"
			   " WHERE (CAST(? AS TEXT) IS NULL OR l.state = ?"
			   " OR (? = 1 AND l.state IN ('unmatched', 'suggested')))"
			   " AND (? = 0 OR l.bank_account_id = ?) AND (? = 0 OR l.statement_id = ?)"
			   " AND (? = 0 OR l.household_id = ?) AND (? = 0 OR l.id < ?)"
			   " ORDER BY l.id DESC LIMIT ?",
			   &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, suspense ? "" : state);
	db_bind_cstr(st, 2, suspense ? "" : state);
	db_bind_int64(st, 3, suspense ? 1 : 0);
	db_bind_int64(st, 4, f->account_id);
	db_bind_int64(st, 5, f->account_id);
	db_bind_int64(st, 6, f->statement_id);
	db_bind_int64(st, 7, f->statement_id);
	db_bind_int64(st, 8, f->household_id);
	db_bind_int64(st, 9, f->household_id);
	db_bind_int64(st, 10, before_id);
	db_bind_int64(st, 11, before_id);
	db_bind_int64(st, 12, limit + 1);
	rc = page_collect(st, limit, line_row, NULL, items, next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bank_line_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *list;
	int rc = db_prepare(db, "SELECT " LIST_COLS " FROM bank_line l WHERE l.id = ?", &st);

	*out = NULL;
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = line_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "bank_line_not_found", NULL,
				 "没有这条银行流水");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* Each suggestion with what a person needs to choose: the household's
	 * head, community and unit. */
	rc = db_prepare(db,
			"SELECT s.id, s.household_id, s.tier, s.rule, s.rule_name, s.score,"
			" s.open_fen, c.name,"
			" (SELECT p.name FROM member m JOIN person p ON p.id = m.person_id"
			" WHERE m.household_id = s.household_id AND m.relationship = 'head'"
			" AND m.left_at IS NULL ORDER BY m.id LIMIT 1),"
			" (SELECT u.number FROM lease_chain lc JOIN unit u ON u.id = lc.unit_id"
			" WHERE lc.household_id = s.household_id AND lc.state = 'open'"
			" ORDER BY lc.id DESC LIMIT 1)"
			" FROM bank_suggestion s JOIN household h ON h.id = s.household_id"
			" JOIN community c ON c.id = h.community_id"
			" WHERE s.line_id = ? ORDER BY s.score DESC, s.household_id",
			&st);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, id);
	list = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *s = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:s}", "id",
				      (json_int_t)db_col_int64(st, 0), "household_id",
				      (json_int_t)db_col_int64(st, 1), "tier", db_col_text(st, 2),
				      "rule", db_col_text(st, 3), "rule_name", db_col_text(st, 4),
				      "score", (json_int_t)db_col_int64(st, 5), "open_fen",
				      (json_int_t)db_col_int64(st, 6), "community_name",
				      db_col_text(st, 7));

		json_object_set_new(s, "head_name", null_text(st, 8));
		json_object_set_new(s, "unit_number", null_text(st, 9));
		json_array_append_new(list, s);
	}
	db_reset(st);
	json_object_set_new(*out, "suggestion_list", list);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

/* ---- rules and policy ---- */

static json_t *
rule_row(struct db_stmt *st, void *ud)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:b, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1), "kind",
			      db_col_text(st, 2), "score", (json_int_t)db_col_int64(st, 4),
			      "active", db_col_int64(st, 5) != 0, "updated_at", db_col_text(st, 6));

	(void)ud;
	json_object_set_new(o, "community_id", null_int(st, 3));
	return o;
}

int
match_rule_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t next;
	int rc = db_prepare(db,
			    "SELECT id, name, kind, community_id, score, active, updated_at"
			    " FROM match_rule ORDER BY id",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	rc = page_collect(st, 1000, rule_row, NULL, items, &next);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
match_rule_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		int64_t *out_id, struct anju_err *e)
{
	const char *kind = json_string_value(json_object_get(in, "kind"));
	json_t *community = json_object_get(in, "community_id"), *active;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	bool found = false;
	int rc;

	for (const char *const *k = rule_kinds; *k != NULL; k++)
		found |= kind != NULL && strcmp(*k, kind) == 0;
	if (!found)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind",
				 "规则类型应为 payer_account、unit、head_name 或 member_name");
	if (json_is_integer(community)) {
		rc = db_prepare(db, "SELECT 1 FROM community WHERE id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, json_integer_value(community));
		rc = db_step(st);
		db_reset(st);
		if (rc == DB_DONE)
			return anju_fail(e, ANJU_EINVAL, "community_not_found", "community_id",
					 "没有这个小区");
		if (rc != DB_ROW)
			return db_fail(db, rc, e);
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		id > 0 ? "UPDATE match_rule SET name = ?, kind = ?, community_id = ?,"
			 " score = ?, active = ?, updated_at = ? WHERE id = ? RETURNING id"
		       : "INSERT INTO match_rule (name, kind, community_id, score, active,"
			 " updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	active = json_object_get(in, "active");
	db_bind_cstr(st, 1, json_string_value(json_object_get(in, "name")));
	db_bind_cstr(st, 2, kind);
	if (json_is_integer(community))
		db_bind_int64(st, 3, json_integer_value(community));
	else
		db_bind_null(st, 3);
	db_bind_int64(st, 4, json_integer_value(json_object_get(in, "score")));
	db_bind_int64(st, 5, active == NULL || json_is_true(active) ? 1 : 0);
	db_bind_cstr(st, 6, now);
	if (id > 0)
		db_bind_int64(st, 7, id);
	else
		db_bind_cstr(st, 7, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "match_rule_not_found", NULL,
				 "没有这条匹配规则");
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)*out_id);
	return audit_write(db, who, id > 0 ? "match_rule.update" : "match_rule.create",
			   "match_rule", oid, NULL, in, e);
}

int
match_policy_get(struct db *db, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT tolerance_fen, window_days, updated_at, updated_by"
			    " FROM match_policy WHERE id = 1",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = json_pack("{s:I, s:I, s:s, s:s}", "tolerance_fen",
				 (json_int_t)db_col_int64(st, 0), "window_days",
				 (json_int_t)db_col_int64(st, 1), "updated_at", db_col_text(st, 2),
				 "updated_by", db_col_text(st, 3));
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
}

int
match_policy_set(struct db *db, int64_t tolerance_fen, int window_days,
		 const struct audit_actor *who, struct anju_err *e)
{
	json_t *before = NULL, *after;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = match_policy_get(db, &before, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE match_policy SET tolerance_fen = ?, window_days = ?, updated_at = ?,"
		" updated_by = ? WHERE id = 1",
		&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, tolerance_fen);
	db_bind_int64(st, 2, window_days);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	json_object_del(before, "updated_at");
	json_object_del(before, "updated_by");
	after = json_pack("{s:I, s:I}", "tolerance_fen", (json_int_t)tolerance_fen, "window_days",
			  (json_int_t)window_days);
	rc = audit_write(db, who, "match_policy.update", "match_policy", "1", before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* ---- the daily comparison ---- */

/* The figures of one account at the end of day (end: the next day's first
 * instant, UTC text) into bank_balance_day. */
static int
balance_one(struct db *db, int64_t account_id, enum ledger_kind kind, const char *day,
	    const char *end, const char *now, struct anju_err *e)
{
	int64_t ledger_id, ledger = 0, bank = 0, lines = 0, fen = 0;
	bool known = false;
	struct db_stmt *st;
	int rc;

	if ((rc = ledger_account(db, kind, 0, &ledger_id, e)) != 0)
		return rc;
	/* The ledger's balance from journals posted before the day ended. */
	if ((rc = db_prepare(db,
			     "SELECT COALESCE(SUM(e.amount_fen), 0) FROM journal_entry e"
			     " JOIN journal j ON j.id = e.journal_id"
			     " WHERE e.account_id = ? AND j.posted_at < ?",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, ledger_id);
	db_bind_cstr(st, 2, end);
	if ((rc = db_step(st)) == DB_ROW)
		ledger = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	/* The statement's: the balance after the day's last line. */
	if ((rc = db_prepare(db,
			     "SELECT balance_fen FROM bank_line WHERE bank_account_id = ?"
			     " AND posted_on <= ? AND balance_fen IS NOT NULL"
			     " ORDER BY posted_on DESC, statement_id DESC, line_seq DESC LIMIT 1",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, day);
	if ((rc = db_step(st)) == DB_ROW) {
		bank = db_col_int64(st, 0);
		known = true;
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if ((rc = db_prepare(db,
			     "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM bank_line"
			     " WHERE bank_account_id = ? AND posted_on <= ? AND in_suspense = 1",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, day);
	if ((rc = db_step(st)) == DB_ROW) {
		lines = db_col_int64(st, 0);
		fen = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	if ((rc = db_prepare(db,
			     "INSERT INTO bank_balance_day (bank_account_id, day, statement_fen,"
			     " ledger_fen, difference_fen, unmatched_lines, unmatched_fen,"
			     " computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			     " ON CONFLICT (bank_account_id, day) DO UPDATE SET"
			     " statement_fen = excluded.statement_fen,"
			     " ledger_fen = excluded.ledger_fen,"
			     " difference_fen = excluded.difference_fen,"
			     " unmatched_lines = excluded.unmatched_lines,"
			     " unmatched_fen = excluded.unmatched_fen,"
			     " computed_at = excluded.computed_at",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_cstr(st, 2, day);
	if (known) {
		db_bind_int64(st, 3, bank);
		db_bind_int64(st, 5, bank - ledger);
	} else {
		db_bind_null(st, 3);
		db_bind_null(st, 5);
	}
	db_bind_int64(st, 4, ledger);
	db_bind_int64(st, 6, lines);
	db_bind_int64(st, 7, fen);
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
bank_balance_compute(struct db *db, const char *day, struct anju_err *e)
{
	struct date d;
	char end[TIME_FMT_LEN], now[TIME_FMT_LEN];
	struct db_stmt *st;
	struct acct {
		int64_t id;
		enum ledger_kind kind;
	} *accts = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (date_parse(str_c(day), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "day", "日期应为 YYYY-MM-DD 格式");
	time_format_utc(shanghai_to_utc_us(date_add_days(d, 1), 0, 0), end);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db, "SELECT id, ledger_kind FROM bank_account WHERE active = 1 ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			accts = xrealloc(accts, cap * sizeof(*accts));
		}
		accts[n].id = db_col_int64(st, 0);
		if (ledger_kind_parse(db_col_text(st, 1), &accts[n].kind) != 0)
			accts[n].kind = LEDGER_SPECIAL_RENT;
		n++;
	}
	db_reset(st);
	if (rc < 0) {
		free(accts);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = balance_one(db, accts[i].id, accts[i].kind, day, end, now, e);
	free(accts);
	return rc;
}

static json_t *
balance_row(struct db_stmt *st, void *ud)
{
	json_t *o =
		json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s}", "bank_account_id",
			  (json_int_t)db_col_int64(st, 0), "bank_account_name", db_col_text(st, 1),
			  "day", db_col_text(st, 2), "ledger_fen", (json_int_t)db_col_int64(st, 4),
			  "unmatched_lines", (json_int_t)db_col_int64(st, 6), "unmatched_fen",
			  (json_int_t)db_col_int64(st, 7), "computed_at", db_col_text(st, 8));

	(void)ud;
	json_object_set_new(o, "statement_fen", null_int(st, 3));
	json_object_set_new(o, "difference_fen", null_int(st, 5));
	return o;
}

int
bank_balance_list(struct db *db, int64_t account_id, const char *before_day, int limit,
		  json_t **items, char next[11], struct anju_err *e)
{
	struct db_stmt *st;
	char last[DATE_FMT_LEN] = "";
	bool more = false;
	int n = 0, rc = db_prepare(db,
				   "SELECT b.bank_account_id, a.name, b.day, b.statement_fen,"
				   " b.ledger_fen, b.difference_fen, b.unmatched_lines,"
				   " b.unmatched_fen, b.computed_at FROM bank_balance_day b"
				   " JOIN bank_account a ON a.id = b.bank_account_id"
				   " WHERE (? = 0 OR b.bank_account_id = ?)"
				   " AND (CAST(? AS TEXT) IS NULL OR b.day < ?)"
				   " ORDER BY b.day DESC, b.bank_account_id LIMIT ?",
				   &st);

	next[0] = '\0';
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, account_id);
	db_bind_cstr(st, 3, before_day);
	db_bind_cstr(st, 4, before_day);
	db_bind_int64(st, 5, limit + 1);
	*items = json_array();
	/* A page ends at a day's end, so the cursor (a day) loses nothing. */
	while ((rc = db_step(st)) == DB_ROW) {
		const char *day = db_col_text(st, 2);

		if (n >= limit && strcmp(day, last) != 0) {
			more = true;
			break;
		}
		json_array_append_new(*items, balance_row(st, NULL));
		snprintf(last, sizeof(last), "%s", day);
		n++;
	}
	if (more)
		snprintf(next, 11, "%s", last);
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

/* The daily job: yesterday's comparison (and today's so far). */

static int
run_balance(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	json_t *p = json_object_get(job_params(ctx), "day");
	struct date today = date_today_shanghai();
	char days[2][DATE_FMT_LEN];
	int n = 0, rc;

	if (json_is_string(p)) {
		snprintf(days[n++], DATE_FMT_LEN, "%s", json_string_value(p));
	} else {
		date_format(date_add_days(today, -1), days[n++]);
		date_format(today, days[n++]);
	}
	for (int i = 0; i < n; i++) {
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		if ((rc = bank_balance_compute(db, days[i], e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		if ((rc = job_chunk_end(ctx, i + 1, n, days[i], "银行余额与账簿核对", e)) != 0)
			return rc;
	}
	return 0;
}

/* Matching again every line in suspense (after new bills, learnt accounts
 * or changed rules): one chunk matches, then the payments of the exact
 * matches are taken a chunk at a time. */
static int
run_rematch(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	const char *by = json_string_value(json_object_get(job_params(ctx), "by"));
	struct audit_actor who = { by != NULL ? by : "system", "match", "finance", NULL, NULL };
	struct match_stats ms = { 0 };
	int64_t found = 0, done = 0;
	int rc, posted;

	if (job_resume_at(ctx)[0] == '\0') {
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		if ((rc = match_refresh_payers(db, &found, e)) != 0 ||
		    (rc = match_run(db, 0, &ms, e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		job_set_result(ctx, json_pack("{s:I, s:I, s:I, s:I}", "lines", (json_int_t)ms.lines,
					      "exact", (json_int_t)ms.exact, "suggested",
					      (json_int_t)ms.suggested, "unmatched",
					      (json_int_t)ms.unmatched));
		if ((rc = job_chunk_end(ctx, 0, ms.exact, "p", "正在入账", e)) != 0)
			return rc;
	}
	do {
		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		if ((rc = match_post(db, 0, 500, &who, &posted, e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		done += posted;
		if ((rc = job_chunk_end(ctx, done, done, posted < 500 ? "done" : "p",
					posted < 500 ? "完成" : "正在入账", e)) != 0)
			return rc;
	} while (posted == 500);
	return 0;
}

const struct job_kind job_kind_bank_rematch = {
	"bank_rematch",
	"重新匹配待查明银行流水",
	(const struct field[]){ { "by", F_STRING, false, 1, 128 }, { NULL } },
	run_rematch,
};

const struct job_kind job_kind_bank_balance_daily = {
	"bank_balance_daily",
	"银行余额与账簿每日核对",
	(const struct field[]){ { "day", F_DATE, false }, { NULL } },
	run_balance,
};
