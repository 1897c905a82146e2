/*
 * The quarterly recheck (动态复核): a job over every lease chain in force
 * that re-runs the household's eligibility (eligibility_evaluate) and its
 * cross-check against the newest department datasets (crosscheck_household)
 * and weighs the open signals (signal.c), then records one result per
 * chain: eligible, propose_exit or investigate, with its reasons.  Nothing
 * is decided here: the bureau confirms or overturns each proposal
 * (recheck_result_decide), and only a confirmation opens an eviction.
 *
 * Owns recheck_run and recheck_result (sql/019_recheck.sql).
 *
 * The job ("recheck") works in chunks of chains in chain id order; each
 * chunk's results and the checkpoint "LAST_CHAIN:DONE" commit together, and
 * (run_id, chain_id) is unique, so a job taken over after a stop resumes
 * after the last committed chain and never records a chain twice.  The
 * chains covered are those whose newest lease that has started is signed
 * or in force on as_of, including a lease past its end that nobody ended
 * (the household holds over without a renewal: a reason to exit).
 *
 * How a result is weighed (each reason carries its weight):
 *   exit         a failed eligibility rule (income, assets, housing area,
 *                hukou, insurance months ...), housing owned per the
 *                property dataset (art. 31), a lease expired unrenewed
 *   investigate  other cross-check conflicts (wages on record above the
 *                declared income, vehicles, businesses), a ban rule, any
 *                open signal (arrears, violation), an evaluation that could
 *                not be made
 * propose_exit when any reason weighs exit, else investigate when any
 * reason is there, else eligible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"

#define CHUNK    200 /* chains per committed chunk */
#define NOTE_MIN 2
#define NOTE_MAX 500 /* bytes */

static const struct audit_actor job_actor = {
	.principal = "system",
	.name = "动态复核任务",
	.role = NULL,
};

static int
bureau_only(const struct caller *c, struct anju_err *e)
{
	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "复核结论只能由住房保障部门确认或否决（建保〔2018〕92号）");
	return 0;
}

static int
audit_on(struct db *db, const struct audit_actor *who, const char *action, const char *type,
	 int64_t id, json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, type, oid, before, after, e);
}

static void
quarter_of(const char *as_of, char out[QUARTER_FMT_LEN])
{
	struct date d;

	out[0] = '\0';
	if (date_parse(str_c(as_of), &d) == 0)
		quarter_format(d.y, date_quarter(d), out);
}

/*
 * Runs.
 */

/* A recheck job still queued or running (a scheduled one has no run row
 * until it starts): its id, or 0. */
static int
run_busy(struct db *db, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(
		db,
		"SELECT id FROM job WHERE state IN ('queued', 'running') AND kind = 'recheck'"
		" ORDER BY id LIMIT 1",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* Inserts a run for job (queued).  *id the new run. */
static int
run_insert(struct db *db, int64_t job, const char *as_of, const char *created_by, int64_t *id,
	   struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], quarter[QUARTER_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	quarter_of(as_of, quarter);
	rc = db_prepare(db,
			"INSERT INTO recheck_run (job_id, as_of, quarter, state, created_by,"
			" created_at) VALUES (?, ?, ?, 'queued', ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job);
	db_bind_cstr(st, 2, as_of);
	db_bind_cstr(st, 3, quarter);
	db_bind_cstr(st, 4, created_by);
	db_bind_cstr(st, 5, now);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
}

int
recheck_start(struct db *db, const struct audit_actor *who, const char *as_of, int64_t *run_id,
	      int64_t *job_id, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	const char *principal = who && who->principal ? who->principal : "system";
	struct date d;
	json_t *params, *after;
	int64_t busy;
	int rc;

	*run_id = *job_id = 0;
	date_format(date_today_shanghai(), today);
	if (as_of == NULL)
		as_of = today;
	if (date_parse(str_c(as_of), &d) != 0 || strcmp(as_of, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "as_of",
				 "复核基准日应为今天（%s）或更早的真实日期", today);
	if ((rc = run_busy(db, &busy, e)) != 0)
		return rc;
	if (busy != 0)
		return anju_fail(e, ANJU_ECONFLICT, "recheck_running", NULL,
				 "已有复核任务（任务 %lld）正在进行，结束后才能再开始",
				 (long long)busy);
	params = json_pack("{s:s}", "as_of", as_of);
	rc = job_create(db, "recheck", params, principal, job_id, e);
	json_decref(params);
	if (rc != 0 || (rc = run_insert(db, *job_id, as_of, principal, run_id, e)) != 0)
		return rc;
	after = json_pack("{s:I, s:s, s:s}", "job_id", (json_int_t)*job_id, "as_of", as_of, "state",
			  "queued");
	rc = audit_on(db, who, "recheck.start", "recheck_run", *run_id, NULL, after, e);
	json_decref(after);
	return rc;
}

/* The run's state as people see it: a run whose job failed or was
 * cancelled says so. */
#define RUN_SELECT                                                                                 \
	"SELECT r.id, r.job_id, r.as_of, r.quarter, CASE WHEN r.state = 'finished' THEN"           \
	" 'finished' WHEN j.state IN ('failed', 'canceled') THEN j.state ELSE r.state END,"        \
	" r.total, r.eligible, r.propose_exit, r.investigate, r.policy_version, r.started_at,"     \
	" r.finished_at, r.created_by, r.created_at FROM recheck_run r LEFT JOIN job j"            \
	" ON j.id = r.job_id"

/* A run's row; its "job" is filled once the row's statement is done. */
static json_t *
run_row(struct db_stmt *st, void *ud)
{
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "as_of", db_col_text(st, 2), "quarter",
		      db_col_text(st, 3), "state", db_col_text(st, 4), "total",
		      (json_int_t)db_col_int64(st, 5), "eligible", (json_int_t)db_col_int64(st, 6),
		      "propose_exit", (json_int_t)db_col_int64(st, 7), "investigate",
		      (json_int_t)db_col_int64(st, 8), "created_by", db_col_text(st, 12),
		      "created_at", db_col_text(st, 13));
	json_object_set_new(j, "job_id",
			    db_col_null(st, 1) ? json_null() : json_integer(db_col_int64(st, 1)));
	json_object_set_new(j, "policy_version",
			    db_col_null(st, 9) ? json_null() : json_integer(db_col_int64(st, 9)));
	json_object_set_new(j, "started_at",
			    db_col_null(st, 10) ? json_null() : json_string(db_col_text(st, 10)));
	json_object_set_new(j, "finished_at",
			    db_col_null(st, 11) ? json_null() : json_string(db_col_text(st, 11)));
	json_object_set_new(j, "job", json_null());
	return j;
}

/* The run's job (its state and progress, for the bar). */
static int
run_job(struct db *db, json_t *run, struct anju_err *e)
{
	json_t *job = NULL, *jid = json_object_get(run, "job_id");
	int rc;

	if (!json_is_integer(jid))
		return 0;
	rc = job_get(db, json_integer_value(jid), &job, e);
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	json_object_set_new(run, "job", job);
	return 0;
}

int
recheck_run_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *counts;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(db, RUN_SELECT " WHERE r.id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		*out = run_row(st, NULL);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "recheck_not_found", NULL, "没有这次复核");
	/* The job and the decisions, after the run's row is read. */
	if ((rc = run_job(db, *out, e)) != 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	rc = db_prepare(db,
			"SELECT decision, COUNT(*) FROM recheck_result WHERE run_id = ?"
			" AND decision IS NOT NULL GROUP BY decision",
			&st);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, id);
	counts = json_pack("{s:i, s:i, s:i}", "pending", 0, "confirmed", 0, "overturned", 0);
	while ((rc = db_step(st)) == DB_ROW)
		json_object_set_new(counts, db_col_text(st, 0), json_integer(db_col_int64(st, 1)));
	db_reset(st);
	json_object_set_new(*out, "decisions", counts);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

int
recheck_run_list(struct db *db, int64_t before_id, int limit, json_t **items, int64_t *next,
		 struct anju_err *e)
{
	struct db_stmt *st;
	json_t *it;
	size_t i;
	int rc;

	rc = db_prepare(db, RUN_SELECT " WHERE (? = 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id);
	db_bind_int64(st, 2, before_id);
	db_bind_int64(st, 3, limit + 1);
	if ((rc = page_collect(st, limit, run_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	/* The jobs, once the page's statement is done. */
	json_array_foreach (*items, i, it) {
		if ((rc = run_job(db, it, e)) != 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	}
	return 0;
}

/*
 * Results.
 */

#define RESULT_COLS                                                                                \
	"r.id, r.run_id, r.chain_id, r.lease_id, r.household_id, r.unit_id, r.community_id,"       \
	" r.outcome, r.reasons, r.rule_version, r.decision, r.decided_by_name, r.decided_at,"      \
	" r.decision_note, r.eviction_id, r.created_at, u.number, c.name, "                        \
	"p.name, " PERSON_ID_SHOWN("p")
#define RESULT_FROM                                                                                \
	" FROM recheck_result r JOIN unit u ON u.id = r.unit_id"                                   \
	" JOIN community c ON c.id = r.community_id LEFT JOIN member m"                            \
	" ON m.household_id = r.household_id AND m.relationship = 'head' AND m.left_at IS NULL"    \
	" LEFT JOIN person p ON p.id = m.person_id"

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static json_t *
json_col(struct db_stmt *st, int col, json_t *dflt)
{
	json_t *v = db_col_null(st, col) ? NULL : json_loads(db_col_text(st, col), 0, NULL);

	if (v == NULL)
		return dflt;
	json_decref(dflt);
	return v;
}

static json_t *
result_row(struct db_stmt *st, void *ud)
{
	char name[PERSON_NAME_MAX * 2] = "", idn[32] = "";
	json_t *j;

	(void)ud;
	if (!db_col_null(st, 18))
		mask_middle(db_col_text(st, 18), 1, 0, name, sizeof(name));
	if (!db_col_null(st, 19) && person_mask_shown(db_col_text(st, 19), idn, sizeof(idn)) != 0)
		idn[0] = '\0';
	j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:s}",
		      "id", (json_int_t)db_col_int64(st, 0), "run_id",
		      (json_int_t)db_col_int64(st, 1), "chain_id", (json_int_t)db_col_int64(st, 2),
		      "lease_id", (json_int_t)db_col_int64(st, 3), "household_id",
		      (json_int_t)db_col_int64(st, 4), "unit_id", (json_int_t)db_col_int64(st, 5),
		      "community_id", (json_int_t)db_col_int64(st, 6), "outcome",
		      db_col_text(st, 7), "reasons", json_col(st, 8, json_array()), "created_at",
		      db_col_text(st, 15), "unit_number", db_col_text(st, 16), "community_name",
		      db_col_text(st, 17), "head_name", name, "head_id_number", idn);
	json_object_set_new(j, "rule_version", int_or_null(st, 9));
	json_object_set_new(j, "decision", text_or_null(st, 10));
	json_object_set_new(j, "decided_by", text_or_null(st, 11));
	json_object_set_new(j, "decided_at", text_or_null(st, 12));
	json_object_set_new(j, "decision_note", text_or_null(st, 13));
	json_object_set_new(j, "eviction_id", int_or_null(st, 14));
	return j;
}

int
recheck_result_list(struct db *db, const struct caller *c, const struct recheck_filter *f,
		    json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i = 1;

	if ((rc = db_prepare(db, "SELECT 1 FROM recheck_run WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, f->run_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "recheck_not_found", NULL, "没有这次复核");
	rc = db_prepare(db,
			"SELECT " RESULT_COLS RESULT_FROM " WHERE r.run_id = ? AND r.id > ?"
			" AND (CAST(? AS TEXT) IS NULL OR r.outcome = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR r.decision = ?)"
			" AND (? = 0 OR r.community_id = ?) AND " SCOPE_SQL(
				"r.community_id") " ORDER BY r.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->run_id);
	db_bind_int64(st, i++, f->after_id);
	db_bind_cstr(st, i++, f->outcome);
	db_bind_cstr(st, i++, f->outcome);
	db_bind_cstr(st, i++, f->decision);
	db_bind_cstr(st, i++, f->decision);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, result_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
recheck_result_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT " RESULT_COLS ", r.eligibility, r.crosscheck" RESULT_FROM
			" WHERE r.id = ? AND " SCOPE_SQL("r.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		*out = result_row(st, NULL);
		json_object_set_new(*out, "eligibility", json_col(st, 20, json_null()));
		json_object_set_new(*out, "crosscheck", json_col(st, 21, json_null()));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return db_fail(db, rc, e);
	}
	if (*out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "recheck_result_not_found", NULL,
				 "没有这条复核结果");
	return 0;
}

static int
note_ok(const char *s, struct anju_err *e)
{
	json_t *probe = s ? json_string(s) : NULL;
	size_t chars = 0;

	json_decref(probe);
	if (probe != NULL)
		for (const char *p = s; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (probe == NULL || chars < NOTE_MIN || strlen(s) > NOTE_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_text", "note", "处理意见应为 %d 到 %d 字",
				 NOTE_MIN, NOTE_MAX / 3);
	return 0;
}

static const char *
decision_title(const char *d)
{
	if (strcmp(d, "confirmed") == 0)
		return "已确认";
	if (strcmp(d, "overturned") == 0)
		return "已否决";
	return d;
}

int
recheck_result_decide(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, bool confirm, const char *note, int64_t *eviction_id,
		      struct anju_err *e)
{
	struct db_stmt *st;
	char outcome[16] = "", decision[16] = "", now[TIME_FMT_LEN];
	int64_t household = 0, found = 0;
	json_t *before, *after;
	int rc;

	*eviction_id = 0;
	if ((rc = bureau_only(c, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT r.id, r.household_id, r.outcome, r.decision FROM recheck_result r"
			" WHERE r.id = ? AND " SCOPE_SQL("r.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		found = db_col_int64(st, 0);
		household = db_col_int64(st, 1);
		snprintf(outcome, sizeof(outcome), "%s", db_col_text(st, 2));
		snprintf(decision, sizeof(decision), "%s",
			 db_col_null(st, 3) ? "" : db_col_text(st, 3));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (found == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "recheck_result_not_found", NULL,
				 "没有这条复核结果");
	if (strcmp(outcome, "eligible") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "recheck_result_eligible", NULL,
				 "该家庭复核结论为继续符合条件，无需确认或否决");
	if (strcmp(decision, "pending") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "recheck_result_decided", "decision",
				 "该复核结果已处理（%s，%s）", decision_title(decision), decision);
	if ((rc = note_ok(note, e)) != 0)
		return rc;
	if (confirm &&
	    (rc = eviction_open(db, c, who, household, "recheck", id, note, eviction_id, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE recheck_result SET decision = ?, decided_by = ?, decided_by_name = ?,"
		" decided_at = ?, decision_note = ?, eviction_id = ? WHERE id = ?"
		" AND decision = 'pending'",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, confirm ? "confirmed" : "overturned");
	db_bind_cstr(st, 2, c->principal);
	db_bind_cstr(st, 3, c->name);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, note);
	if (*eviction_id != 0)
		db_bind_int64(st, 6, *eviction_id);
	else
		db_bind_null(st, 6);
	db_bind_int64(st, 7, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:s, s:s}", "outcome", outcome, "decision", "pending");
	after = json_pack("{s:s, s:s, s:I}", "decision", confirm ? "confirmed" : "overturned",
			  "note", note, "household_id", (json_int_t)household);
	if (*eviction_id != 0)
		json_object_set_new(after, "eviction_id", json_integer(*eviction_id));
	rc = audit_on(db, who, confirm ? "recheck_result.confirm" : "recheck_result.overturn",
		      "recheck_result", id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Weighing one household.
 */

static void
reason_add(json_t *reasons, const char *code, bool exit, const char *text)
{
	json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "code", code, "weight",
						 exit ? "exit" : "investigate", "text", text));
}

/* A failed rule of the eligibility explanation: whether it weighs exit. */
static bool
rule_is_hard(const char *rule)
{
	/* The art. 36 ban bars new applications; a tenant under one came from
	 * a violation case, which is the upkeep issue's eviction basis. */
	return rule == NULL || strncmp(rule, "ban", 3) != 0;
}

static bool
db_error(int rc)
{
	return rc == ANJU_EDB || rc == ANJU_EBUSY || rc == ANJU_EINTERNAL;
}

struct chain_row {
	int64_t chain_id, lease_id, household_id, unit_id, community_id;
	char ends_on[DATE_FMT_LEN];
};

/* Weighs one chain into *outcome, *reasons (new), *elig and *cross (new, may
 * be NULL), *rule_version.  Errors of the rules' own (a category without
 * rules) become reasons; only storage errors fail. */
static int
weigh(struct db *db, const char *as_of, const struct chain_row *row, const char **outcome,
      json_t **reasons, json_t **elig, json_t **cross, int64_t *rule_version, struct anju_err *e)
{
	struct anju_err ee;
	json_t *r = json_array(), *signals = json_array(), *v;
	bool eligible = true, exit = false;
	int nconflicts = 0, rc;
	size_t i;

	*elig = *cross = NULL;
	*rule_version = 0;
	if (strcmp(row->ends_on, as_of) < 0) {
		char t[160];

		snprintf(t, sizeof(t), "租赁合同已于 %s 期满，未续签（第三十条、第三十一条）",
			 row->ends_on);
		reason_add(r, "lease_expired", true, t);
	}
	anju_err_clear(&ee);
	rc = eligibility_evaluate(db, row->household_id, as_of, &eligible, rule_version, elig, &ee);
	if (rc != 0 && db_error(rc)) {
		*e = ee;
		goto fail;
	}
	if (rc != 0) {
		char t[300];

		snprintf(t, sizeof(t), "无法判定保障资格：%s", ee.msg);
		reason_add(r, "evaluation_failed", false, t);
	} else if (!eligible) {
		size_t failed = 0;

		json_array_foreach (json_object_get(*elig, "rules"), i, v) {
			const char *rule = json_string_value(json_object_get(v, "rule"));
			const char *text = json_string_value(json_object_get(v, "text"));
			json_t *x;

			if (json_is_true(json_object_get(v, "passed")))
				continue;
			failed++;
			x = json_pack("{s:s, s:s, s:s, s:s}", "code", "ineligible", "weight",
				      rule_is_hard(rule) ? "exit" : "investigate", "rule",
				      rule ? rule : "", "text", text ? text : "不符合保障条件");
			json_array_append_new(r, x);
		}
		if (failed == 0)
			reason_add(r, "ineligible", true, "不再符合保障条件");
	}
	anju_err_clear(&ee);
	rc = crosscheck_household(db, row->household_id, cross, &nconflicts, &ee);
	if (rc != 0 && db_error(rc)) {
		*e = ee;
		goto fail;
	}
	if (rc != 0) {
		char t[300];

		snprintf(t, sizeof(t), "无法完成联审比对：%s", ee.msg);
		reason_add(r, "crosscheck_failed", false, t);
	} else {
		json_array_foreach (json_object_get(*cross, "conflicts"), i, v) {
			const char *src = json_string_value(json_object_get(v, "source"));
			const char *rule = json_string_value(json_object_get(v, "rule"));
			const char *member = json_string_value(json_object_get(v, "member"));
			const char *text = json_string_value(json_object_get(v, "text"));
			char t[600];

			/* 低保/特困 is a fact for priority, not a conflict. */
			if (src != NULL && strcmp(src, "assistance") == 0)
				continue;
			snprintf(t, sizeof(t), "%s%s%s", member ? member : "", member ? "：" : "",
				 text ? text : "与部门数据不符");
			json_array_append_new(r,
					      json_pack("{s:s, s:s, s:s, s:s, s:s}", "code",
							"conflict", "weight",
							src != NULL && strcmp(src, "property") == 0
								? "exit"
								: "investigate",
							"source", src ? src : "", "rule",
							rule ? rule : "", "text", t));
		}
	}
	if ((rc = tenancy_signal_open(db, row->household_id, signals, e)) != 0)
		goto fail;
	json_array_foreach (signals, i, v) {
		const char *type = json_string_value(json_object_get(v, "source_type"));
		char t[700];

		snprintf(t, sizeof(t), "%s：%s",
			 strcmp(type, "arrears") == 0     ? "欠租信号"
			 : strcmp(type, "violation") == 0 ? "违规信号"
							  : "待核实信号",
			 json_string_value(json_object_get(v, "summary")));
		json_array_append_new(
			r,
			json_pack("{s:s, s:s, s:s, s:I, s:s}", "code", "signal", "weight",
				  "investigate", "source_type", type, "source_id",
				  json_integer_value(json_object_get(v, "source_id")), "text", t));
	}
	json_decref(signals);
	json_array_foreach (r, i, v)
		exit = exit || strcmp(json_string_value(json_object_get(v, "weight")), "exit") == 0;
	*outcome = exit ? "propose_exit" : json_array_size(r) > 0 ? "investigate" : "eligible";
	*reasons = r;
	return 0;
fail:
	json_decref(r);
	json_decref(signals);
	json_decref(*elig);
	json_decref(*cross);
	*elig = *cross = NULL;
	return rc;
}

/* Records one chain's result (once: a redone chunk finds it there). */
static int
record(struct db *db, int64_t run_id, const char *as_of, const struct chain_row *row,
       const char *now, struct anju_err *e)
{
	struct db_stmt *st;
	const char *outcome = NULL;
	json_t *reasons = NULL, *elig = NULL, *cross = NULL, *after, *codes, *v;
	char *rtext = NULL, *etext = NULL, *ctext = NULL;
	int64_t rule_version = 0, id = 0;
	size_t i;
	int rc;

	if ((rc = weigh(db, as_of, row, &outcome, &reasons, &elig, &cross, &rule_version, e)) != 0)
		return rc;
	rtext = json_dumps(reasons, JSON_COMPACT);
	etext = elig ? json_dumps(elig, JSON_COMPACT) : NULL;
	ctext = cross ? json_dumps(cross, JSON_COMPACT) : NULL;
	rc = db_prepare(db,
			"INSERT INTO recheck_result (run_id, chain_id, lease_id, household_id,"
			" unit_id, community_id, outcome, reasons, eligibility, crosscheck,"
			" rule_version, decision, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			" ?, ?, ?) ON CONFLICT (run_id, chain_id) DO NOTHING RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, run_id);
	db_bind_int64(st, 2, row->chain_id);
	db_bind_int64(st, 3, row->lease_id);
	db_bind_int64(st, 4, row->household_id);
	db_bind_int64(st, 5, row->unit_id);
	db_bind_int64(st, 6, row->community_id);
	db_bind_cstr(st, 7, outcome);
	db_bind_cstr(st, 8, rtext);
	db_bind_cstr(st, 9, etext);
	db_bind_cstr(st, 10, ctext);
	if (rule_version > 0)
		db_bind_int64(st, 11, rule_version);
	else
		db_bind_null(st, 11);
	db_bind_cstr(st, 12, strcmp(outcome, "eligible") == 0 ? NULL : "pending");
	db_bind_cstr(st, 13, now);
	if ((rc = db_step(st)) == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
	if (id == 0)
		goto out; /* recorded by an earlier attempt */
	codes = json_array();
	json_array_foreach (reasons, i, v)
		json_array_append(codes, json_object_get(v, "code"));
	after = json_pack("{s:I, s:I, s:I, s:s, s:o}", "run_id", (json_int_t)run_id, "household_id",
			  (json_int_t)row->household_id, "lease_id", (json_int_t)row->lease_id,
			  "outcome", outcome, "reasons", codes);
	rc = audit_on(db, &job_actor, "recheck_result.record", "recheck_result", id, NULL, after,
		      e);
	json_decref(after);
out:
	free(rtext);
	free(etext);
	free(ctext);
	json_decref(reasons);
	json_decref(elig);
	json_decref(cross);
	return rc;
}

/*
 * The job.
 */

static const struct field job_params_fields[] = {
	{ "as_of", F_DATE, false, .desc = "复核基准日（默认今天）" },
	{ NULL },
};

struct run_state {
	int64_t id, total;
	char as_of[DATE_FMT_LEN];
	char state[16];
};

static int
job_fail_db(struct job_ctx *ctx, int rc, struct anju_err *e)
{
	struct db *db = job_db(ctx);

	job_chunk_abort(ctx);
	if (e->code != 0 && e->code == rc)
		return rc;
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "database: %s",
			 db_errmsg(db));
}

static int
run_load(struct db *db, int64_t job, struct run_state *r, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = db_prepare(db, "SELECT id, total, as_of, state FROM recheck_run WHERE job_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job);
	if ((rc = db_step(st)) == DB_ROW) {
		r->id = db_col_int64(st, 0);
		r->total = db_col_int64(st, 1);
		snprintf(r->as_of, sizeof(r->as_of), "%s", db_col_text(st, 2));
		snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The chains to check: open ones whose newest started lease is signed or in
 * force (a lease never ends before it starts, so a started lease that is
 * not ended is in force, or held over past its end). */
#define CHAINS_COUNT                                                                               \
	"SELECT COUNT(*) FROM lease_chain c WHERE c.state = 'open' AND EXISTS (SELECT 1 FROM"      \
	" lease l WHERE l.chain_id = c.id AND l.state IN ('signed', 'in_force')"                   \
	" AND l.starts_on <= ?)"

/* The first chunk: the run (made here for a scheduled job), its policy and
 * how many chains there are. */
static int
job_setup(struct job_ctx *ctx, struct run_state *r, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct tenancy_policy pol;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], created_by[80];
	json_t *p = job_params(ctx), *after;
	const char *as_of = json_string_value(json_object_get(p, "as_of"));
	bool scheduled = false;
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	if ((rc = run_load(db, job_id(ctx), r, e)) != 0)
		return job_fail_db(ctx, rc, e);
	if (r->id == 0) {
		json_t *job = NULL;

		if ((rc = job_get(db, job_id(ctx), &job, e)) != 0)
			return job_fail_db(ctx, rc, e);
		snprintf(created_by, sizeof(created_by), "%s",
			 json_string_value(json_object_get(job, "created_by")) ?: "system");
		json_decref(job);
		if (as_of == NULL)
			date_format(date_today_shanghai(), r->as_of);
		else
			snprintf(r->as_of, sizeof(r->as_of), "%s", as_of);
		if ((rc = run_insert(db, job_id(ctx), r->as_of, created_by, &r->id, e)) != 0)
			return job_fail_db(ctx, rc, e);
		scheduled = true;
	}
	if ((rc = tenancy_policy_get(db, r->as_of, &pol, e)) != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	rc = db_prepare(db, CHAINS_COUNT, &st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_cstr(st, 1, r->as_of);
	if ((rc = db_step(st)) == DB_ROW)
		r->total = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE recheck_run SET state = 'running', total = ?, policy_version = ?,"
			" started_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_int64(st, 1, r->total);
	db_bind_int64(st, 2, pol.version);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, r->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	if (scheduled) {
		after = json_pack("{s:I, s:s, s:s}", "job_id", (json_int_t)job_id(ctx), "as_of",
				  r->as_of, "state", "running");
		rc = audit_on(db, &job_actor, "recheck.start", "recheck_run", r->id, NULL, after,
			      e);
		json_decref(after);
		if (rc != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
	}
	return job_chunk_end(ctx, 0, r->total, "0:0", "开始复核", e);
}

/* One chunk after chain *last: *last and *done move on; *more false at the
 * end.  A window of open chains by id (the primary key), then each chain's
 * newest started lease through lease's (chain_id, seq) index: one pass over
 * the chains however many leases there are (a single query ordered by chain
 * lets the planner pick the state index and sort every lease per chunk). */
static int
job_chunk(struct job_ctx *ctx, const struct run_state *r, int64_t *last, int64_t *done, bool *more,
	  struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	struct chain_row row;
	int64_t chains[CHUNK];
	char now[TIME_FMT_LEN], at[48], note[96];
	int n = 0, k = 0, rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT id FROM lease_chain WHERE id > ? AND state = 'open' ORDER BY id"
			" LIMIT ?",
			&st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_int64(st, 1, *last);
	db_bind_int64(st, 2, CHUNK);
	while ((rc = db_step(st)) == DB_ROW)
		chains[n++] = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	if (n == 0) {
		*more = false;
		job_chunk_abort(ctx);
		return 0;
	}
	time_format_utc(time_now_us(), now);
	for (int i = 0; i < n; i++) {
		bool found = false;

		rc = db_prepare(db,
				"SELECT id, household_id, unit_id, community_id,"
				" COALESCE(ended_on, ends_on) FROM lease WHERE chain_id = ?"
				" AND state IN ('signed', 'in_force') AND starts_on <= ?"
				" ORDER BY seq DESC LIMIT 1",
				&st);
		if (rc != 0)
			return job_fail_db(ctx, rc, e);
		db_bind_int64(st, 1, chains[i]);
		db_bind_cstr(st, 2, r->as_of);
		if ((rc = db_step(st)) == DB_ROW) {
			found = true;
			row.chain_id = chains[i];
			row.lease_id = db_col_int64(st, 0);
			row.household_id = db_col_int64(st, 1);
			row.unit_id = db_col_int64(st, 2);
			row.community_id = db_col_int64(st, 3);
			snprintf(row.ends_on, sizeof(row.ends_on), "%s", db_col_text(st, 4));
		}
		db_reset(st);
		if (rc < 0)
			return job_fail_db(ctx, rc, e);
		if (!found)
			continue;
		if ((rc = record(db, r->id, r->as_of, &row, now, e)) != 0) {
			job_chunk_abort(ctx);
			return rc;
		}
		k++;
	}
	*last = chains[n - 1];
	*done += k;
	*more = n == CHUNK;
	snprintf(at, sizeof(at), "%lld:%lld", (long long)*last, (long long)*done);
	snprintf(note, sizeof(note), "已复核 %lld 户", (long long)*done);
	return job_chunk_end(ctx, *done, r->total > *done ? r->total : *done, at, note, e);
}

/* The last chunk: the counts, from the results themselves. */
static int
job_finish(struct job_ctx *ctx, const struct run_state *r, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	int64_t eligible = 0, exit = 0, investigate = 0, total;
	char now[TIME_FMT_LEN];
	json_t *after;
	int rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT outcome, COUNT(*) FROM recheck_result WHERE run_id = ?"
			" GROUP BY outcome",
			&st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_int64(st, 1, r->id);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *o = db_col_text(st, 0);
		int64_t k = db_col_int64(st, 1);

		if (strcmp(o, "eligible") == 0)
			eligible = k;
		else if (strcmp(o, "propose_exit") == 0)
			exit = k;
		else
			investigate = k;
	}
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	total = eligible + exit + investigate;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE recheck_run SET state = 'finished', total = ?, eligible = ?,"
			" propose_exit = ?, investigate = ?, finished_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return job_fail_db(ctx, rc, e);
	db_bind_int64(st, 1, total);
	db_bind_int64(st, 2, eligible);
	db_bind_int64(st, 3, exit);
	db_bind_int64(st, 4, investigate);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, r->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return job_fail_db(ctx, rc, e);
	after = json_pack("{s:s, s:I, s:I, s:I, s:I}", "state", "finished", "total",
			  (json_int_t)total, "eligible", (json_int_t)eligible, "propose_exit",
			  (json_int_t)exit, "investigate", (json_int_t)investigate);
	rc = audit_on(db, &job_actor, "recheck.finish", "recheck_run", r->id, NULL, after, e);
	if (rc != 0) {
		json_decref(after);
		job_chunk_abort(ctx);
		return rc;
	}
	json_object_set_new(after, "run_id", json_integer(r->id));
	json_object_del(after, "state");
	job_set_result(ctx, after);
	return job_chunk_end(ctx, total, total, "done", "复核完成", e);
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	const char *resume;
	struct run_state r;
	int64_t last = 0, done = 0;
	bool more = true;
	int rc;

	if (job_resume_at(ctx)[0] == '\0') {
		if ((rc = job_setup(ctx, &r, e)) != 0)
			return rc;
	} else if ((rc = run_load(job_db(ctx), job_id(ctx), &r, e)) != 0) {
		return rc;
	} else if (r.id == 0) {
		return anju_fail(e, ANJU_EINTERNAL, "recheck_run_missing", NULL,
				 "job %lld has a checkpoint but no run", (long long)job_id(ctx));
	}
	/* The checkpoint as it is now (a chunk's end replaces the string). */
	resume = job_resume_at(ctx);
	if (strcmp(resume, "done") == 0)
		return 0;
	if (resume[0] != '\0') {
		struct str s = str_c(resume), head;

		if (!str_cut(&s, ':', &head) || str_to_int64(head, 0, INT64_MAX, &last) != 0 ||
		    str_to_int64(s, 0, INT64_MAX, &done) != 0)
			return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
					 "checkpoint \"%s\" is not CHAIN:DONE", resume);
	}
	while (more)
		if ((rc = job_chunk(ctx, &r, &last, &done, &more, e)) != 0)
			return rc;
	return job_finish(ctx, &r, e);
}

const struct job_kind job_kind_recheck = { "recheck", "动态复核（在租家庭资格复查）",
					   job_params_fields, run };
