/*
 * Unit tests of applications (tenancy part B) on a real database (both
 * engines): every legal transition from draft to approved, return and
 * resubmit, refusal, withdrawal; illegal transitions (409 naming the
 * state); the operator's 403 on decisions; the approval kind's refusal of
 * self-approval and a rejected request sending the application back; the
 * art. 36 ban refusing a grant; objections (staff and public, the contact
 * sealed), upheld and dismissed; the publicity_close job with and without
 * open objections; one open application per household; scope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "access/scope.h"
#include "approval/approval.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/idnum.h"
#include "household/household.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "tenancy/application.h"
#include "tenancy/tenancy.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	int64_t a, b; /* two communities */
	int seq;      /* households made so far (their ID numbers) */
};

static const struct audit_actor who = { "account:2", "s", "operator_staff", "::1", NULL };
static const struct audit_actor who_b1 = { "account:1", "b1", "bureau", "::1", NULL };
static const struct audit_actor who_b2 = { "account:4", "b2", "bureau", "::1", NULL };

/* Two bureau people, operator staff and a manager of community a, staff of
 * community b (scopes granted in setup). */
static struct caller b1 = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b1", "account:1", true };
static struct caller b2 = { CALLER_ACCOUNT, 4, ROLE_BUREAU, "b2", "account:4", true };
static struct caller staff = { CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "s", "account:2", false };
static struct caller manager = {
	CALLER_ACCOUNT, 3, ROLE_OPERATOR_MANAGER, "m", "account:3", false
};
static struct caller staff_b = { CALLER_ACCOUNT, 5, ROLE_OPERATOR_STAFF, "sb", "account:5", false };

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("application", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int64_t
add_community(struct db *db, const char *name)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(db,
		      "INSERT INTO community (name, created_at, updated_at)"
		      " VALUES (?, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
		      " RETURNING id",
		      &st));
	db_bind_cstr(st, 1, name);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	c->a = add_community(c->db, "南苑公租房");
	c->b = add_community(c->db, "肖桥公租房");
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, "account:2", &c->a, 1, &e));
	ok(c->db, scope_set(c->db, "account:3", &c->a, 1, &e));
	ok(c->db, scope_set(c->db, "account:5", &c->b, 1, &e));
	ok(c->db, db_commit(c->db));
	config_reset();
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

/* Ends a transaction: commit on success, roll back otherwise; rc back. */
static int
end(struct ctx *c, int rc)
{
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

/* A household of community with a head (a new ID number each time) that
 * meets the default low_income rules: income 1200 yuan for two, local hukou,
 * no housing.  Its head's person id goes to *head when not NULL. */
static int64_t
household(struct ctx *c, int64_t community, int64_t *head)
{
	char d17[32], id1[19], id2[19];
	struct anju_err e;
	int64_t id = 0;

	c->seq++;
	snprintf(d17, sizeof(d17), "99010119850307%03d", c->seq % 1000);
	memcpy(id1, d17, 17);
	id1[17] = idnum_check_char(d17);
	id1[18] = '\0';
	snprintf(d17, sizeof(d17), "99010119901231%03d", c->seq % 1000);
	memcpy(id2, d17, 17);
	id2[17] = idnum_check_char(d17);
	id2[18] = '\0';
	{
		struct member_in m[2] = {
			{ { "张三", id1, NULL }, "head" },
			{ { "李芳", id2, NULL }, "spouse" },
		};
		struct household_in in = {
			.community_id = community,
			.category = "low_income",
			.hukou = "咸宁市咸安区",
			.monthly_income_fen = 240000,
			.members = m,
			.nmembers = 2,
		};

		ok(c->db, db_begin(c->db));
		assert_int_equal(end(c, household_create(c->db, &in, &who, &id, &e)), 0);
	}
	/* The eligibility facts, set as the household module stores them. */
	assert_int_equal(run_int(c->db, "UPDATE household SET local_hukou = 1 WHERE id = ?", id),
			 0);
	if (head != NULL) {
		struct db_stmt *st;

		ok(c->db, db_prepare(c->db,
				     "SELECT person_id FROM member WHERE household_id = ?"
				     " AND relationship = 'head'",
				     &st));
		db_bind_int64(st, 1, id);
		assert_int_equal(db_step(st), DB_ROW);
		*head = db_col_int64(st, 0);
		db_reset(st);
	}
	return id;
}

static int
create(struct ctx *c, const struct caller *k, int64_t hh, int64_t *id, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_create(c->db, k, &who, hh, NULL, "窗口受理", id, e));
}

static int
submit(struct ctx *c, const struct caller *k, int64_t id, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_submit(c->db, k, &who, id, e));
}

static int
review(struct ctx *c, const struct caller *k, int64_t id, bool pass, const char *reason,
       struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_first_review(c->db, k, &who, id, pass, reason, e));
}

static int
decide(struct ctx *c, const struct caller *k, int64_t id, bool grant, int64_t *approval,
       struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_decide(c->db, k, &who_b1, id, grant,
					 grant ? "符合条件，同意" : "收入超标", approval, e));
}

static int
approve(struct ctx *c, const struct caller *k, int64_t approval, bool yes, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, approval_decide(c->db, k, &who_b2, approval, yes, yes ? NULL : "材料不全",
				      NULL, e));
}

static int
withdraw(struct ctx *c, const struct caller *k, int64_t id, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_withdraw(c->db, k, &who, id, "家庭不再申请", e));
}

static int
close_pub(struct ctx *c, const struct caller *k, int64_t id, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, application_close_publicity(c->db, k, &who_b1, id, e));
}

static int
object(struct ctx *c, const struct caller *k, int64_t id, const char *contact, int64_t *oid,
       struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, objection_add(c->db, k, &who, id, k ? "王五" : NULL, contact,
				    "该户在外地有房产", oid, e));
}

static int
resolve(struct ctx *c, const struct caller *k, int64_t oid, bool upheld, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, objection_resolve(c->db, k, &who_b1, oid, upheld,
					upheld ? "经核实属实" : "经核实不属实", NULL, e));
}

static int
close_due(struct ctx *c, const char *today, int *approved, struct anju_err *e)
{
	ok(c->db, db_begin(c->db));
	return end(c, publicity_close_due(c->db, today, &who, approved, e));
}

/* The application's state as the detail shows it (as bureau b1). */
static const char *
state_of(struct ctx *c, int64_t id, char out[32])
{
	struct anju_err e;
	json_t *o = NULL;

	ok(c->db, application_get(c->db, &b1, id, &o, &e));
	snprintf(out, 32, "%s", json_string_value(json_object_get(o, "state")));
	json_decref(o);
	return out;
}

static int64_t
count_audit(struct db *db, const char *action, int64_t id)
{
	struct db_stmt *st;
	char oid[24];
	int64_t n;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ok(db, db_prepare(db,
			  "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_type ="
			  " 'application' AND object_id = ?",
			  &st));
	db_bind_cstr(st, 1, action);
	db_bind_cstr(st, 2, oid);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

/* An application of a new household of community a taken to first_reviewed. */
static int64_t
reviewed(struct ctx *c, int64_t *hh)
{
	struct anju_err e;
	int64_t id = 0, h = household(c, c->a, NULL);

	ok(c->db, create(c, &staff, h, &id, &e));
	ok(c->db, submit(c, &staff, id, &e));
	ok(c->db, review(c, &staff, id, true, NULL, &e));
	if (hh)
		*hh = h;
	return id;
}

/* ... and on to publicity through an approved grant. */
static int64_t
in_publicity(struct ctx *c)
{
	struct anju_err e;
	int64_t approval = 0, id = reviewed(c, NULL);

	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	ok(c->db, approve(c, &b2, approval, true, &e));
	return id;
}

static void
test_path_to_approved(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->a, NULL), id = 0, approval = 0;
	char s[32], today[DATE_FMT_LEN], after[DATE_FMT_LEN];
	int approved = 0;
	json_t *o = NULL, *acts;

	ok(c->db, create(c, &staff, hh, &id, &e));
	assert_string_equal(state_of(c, id, s), "draft");
	ok(c->db, application_get(c->db, &staff, id, &o, &e));
	/* Before submission the detail shows the live eligibility. */
	assert_true(json_is_true(json_object_get(o, "eligibility_live")));
	assert_true(json_is_true(json_object_get(o, "eligible")));
	assert_string_equal(json_string_value(json_object_get(o, "head_name")), "张*");
	assert_non_null(strstr(json_string_value(json_object_get(o, "head_id_number")), "****"));
	acts = json_object_get(o, "allowed_actions");
	assert_string_equal(json_string_value(json_array_get(acts, 0)), "submit");
	json_decref(o);

	ok(c->db, submit(c, &staff, id, &e));
	assert_string_equal(state_of(c, id, s), "submitted");
	ok(c->db, review(c, &manager, id, true, "材料齐全", &e));
	assert_string_equal(state_of(c, id, s), "first_reviewed");
	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	assert_true(approval > 0);
	assert_string_equal(state_of(c, id, s), "deciding");
	/* The record of the rules is kept with the proposal. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application WHERE rule_version"
					  " IS NOT NULL AND policy_version IS NOT NULL AND"
					  " eligibility IS NOT NULL AND crosscheck IS NOT NULL AND"
					  " eligible = 1 AND decision IS NULL"),
			 1);
	ok(c->db, approve(c, &b2, approval, true, &e));
	assert_string_equal(state_of(c, id, s), "publicity");
	ok(c->db, application_get(c->db, &b1, id, &o, &e));
	date_format(date_today_shanghai(), today);
	assert_string_equal(json_string_value(json_object_get(o, "publicity_from")), today);
	date_format(date_add_days(date_today_shanghai(), 6), after);
	assert_string_equal(json_string_value(json_object_get(o, "publicity_until")), after);
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "grant");
	assert_false(json_is_true(json_object_get(o, "eligibility_live")));
	assert_true(json_is_integer(json_object_get(o, "rule_version")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "approval"), "state")),
		"approved");
	json_decref(o);

	/* Publicity has not ended: neither the bureau nor the job closes it. */
	assert_int_equal(close_pub(c, &b1, id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "publicity_not_ended");
	ok(c->db, close_due(c, today, &approved, &e));
	assert_int_equal(approved, 0);
	/* The day after publicity_until it does. */
	date_format(date_add_days(date_today_shanghai(), 7), after);
	ok(c->db, close_due(c, after, &approved, &e));
	assert_int_equal(approved, 1);
	assert_string_equal(state_of(c, id, s), "approved");
	assert_int_equal(query_int(c->db,
				   "SELECT COUNT(*) FROM application WHERE queue_at IS NOT"
				   " NULL AND approved_at IS NOT NULL AND state = 'approved'"),
			 1);
	for (const char *const *a =
		     (const char *const[]){ "application.create", "application.submit",
					    "application.first_review", "application.propose",
					    "application.grant", "application.approve", NULL };
	     *a; a++)
		assert_int_equal(count_audit(c->db, *a, id), 1);
	/* Approved: nothing more is allowed here, not even a withdrawal. */
	assert_int_equal(withdraw(c, &staff, id, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "application_state");
	assert_non_null(strstr(e.msg, "已核准轮候"));
}

static void
test_illegal_transitions(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->a, NULL), id = 0, approval = 0, oid = 0;

	ok(c->db, create(c, &staff, hh, &id, &e));
	/* draft */
	assert_int_equal(review(c, &staff, id, true, NULL, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "application_state");
	assert_non_null(strstr(e.msg, "草稿"));
	assert_int_equal(decide(c, &b1, id, true, &approval, &e), ANJU_ECONFLICT);
	assert_int_equal(close_pub(c, &b1, id, &e), ANJU_ECONFLICT);
	assert_int_equal(object(c, &staff, id, NULL, &oid, &e), ANJU_ECONFLICT);
	ok(c->db, submit(c, &staff, id, &e));
	/* submitted */
	assert_int_equal(submit(c, &staff, id, &e), ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "已提交"));
	assert_int_equal(decide(c, &b1, id, true, &approval, &e), ANJU_ECONFLICT);
	/* A return needs its reason. */
	assert_int_equal(review(c, &staff, id, false, NULL, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "reason");
	ok(c->db, review(c, &staff, id, true, NULL, &e));
	/* first_reviewed */
	assert_int_equal(review(c, &staff, id, true, NULL, &e), ANJU_ECONFLICT);
	assert_int_equal(submit(c, &staff, id, &e), ANJU_ECONFLICT);
	assert_int_equal(close_pub(c, &b1, id, &e), ANJU_ECONFLICT);
	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	/* deciding */
	assert_int_equal(decide(c, &b1, id, true, &approval, &e), ANJU_ECONFLICT);
	assert_non_null(strstr(e.msg, "复审审批中"));
	ok(c->db, withdraw(c, &staff, id, &e));
	/* withdrawn: the approval can no longer carry the decision out. */
	assert_int_equal(approve(c, &b2, approval, true, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "application_state");
	assert_int_equal(withdraw(c, &staff, id, &e), ANJU_ECONFLICT);
	assert_int_equal(submit(c, &staff, id, &e), ANJU_ECONFLICT);
	assert_int_equal(count_audit(c->db, "application.withdraw", id), 1);
}

static void
test_return_and_resubmit(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->a, NULL), id = 0;
	char s[32];
	json_t *o = NULL;

	ok(c->db, create(c, &staff, hh, &id, &e));
	ok(c->db, submit(c, &staff, id, &e));
	ok(c->db, review(c, &staff, id, false, "缺少收入证明", &e));
	assert_string_equal(state_of(c, id, s), "returned");
	ok(c->db, application_get(c->db, &staff, id, &o, &e));
	assert_string_equal(json_string_value(json_object_get(o, "returned_reason")),
			    "缺少收入证明");
	json_decref(o);
	assert_int_equal(count_audit(c->db, "application.return", id), 1);
	ok(c->db, submit(c, &staff, id, &e));
	assert_string_equal(state_of(c, id, s), "submitted");
	ok(c->db, application_get(c->db, &staff, id, &o, &e));
	assert_true(json_is_null(json_object_get(o, "returned_reason")));
	json_decref(o);
	assert_int_equal(count_audit(c->db, "application.submit", id), 2);
}

static void
test_operator_forbidden(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval = 0, oid = 0, id = reviewed(c, NULL), pub;

	/* 建保〔2018〕92号: the operator proposes nothing, decides nothing. */
	assert_int_equal(decide(c, &staff, id, true, &approval, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(decide(c, &manager, id, false, &approval, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	pub = in_publicity(c);
	ok(c->db, object(c, &staff, pub, NULL, &oid, &e));
	assert_int_equal(resolve(c, &manager, oid, true, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	assert_int_equal(close_pub(c, &staff, pub, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "bureau_only");
	/* And the bureau does not do the operator's first review. */
	{
		int64_t hh = household(c, c->a, NULL), id2 = 0;

		ok(c->db, create(c, &staff, hh, &id2, &e));
		ok(c->db, submit(c, &staff, id2, &e));
		assert_int_equal(review(c, &b1, id2, true, NULL, &e), ANJU_EFORBIDDEN);
	}
}

static void
test_self_approval_and_rejection(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval = 0, id = reviewed(c, NULL);
	char s[32];

	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	/* The proposer may not approve it. */
	assert_int_equal(approve(c, &b1, approval, true, &e), ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "self_approval");
	/* The operator's people may not either. */
	assert_int_equal(approve(c, &staff, approval, true, &e), ANJU_ENOTFOUND);
	assert_string_equal(state_of(c, id, s), "deciding");
	/* Another bureau person rejects it: back to first_reviewed, recorded. */
	ok(c->db, approve(c, &b2, approval, false, &e));
	assert_string_equal(state_of(c, id, s), "first_reviewed");
	assert_int_equal(count_audit(c->db, "application.decision_withdrawn", id), 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application WHERE state ="
					  " 'first_reviewed' AND eligibility IS NULL"),
			 1);
	/* A new proposal, refused this time, and approved by the other person. */
	ok(c->db, decide(c, &b1, id, false, &approval, &e));
	ok(c->db, approve(c, &b2, approval, true, &e));
	assert_string_equal(state_of(c, id, s), "rejected");
	assert_int_equal(count_audit(c->db, "application.refuse", id), 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application WHERE decision ="
					  " 'refuse' AND rejected_reason = '收入超标'"),
			 1);
}

static void
test_ban_refuses_grant(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t head = 0, hh = household(c, c->a, &head), id = 0, approval = 0, ban = 0;
	json_t *o = NULL;
	char s[32], from[DATE_FMT_LEN];

	ok(c->db, create(c, &staff, hh, &id, &e));
	ok(c->db, submit(c, &staff, id, &e));
	ok(c->db, review(c, &staff, id, true, NULL, &e));
	date_format(date_add_days(date_today_shanghai(), -30), from);
	ok(c->db, db_begin(c->db));
	ok(c->db, end(c, ban_add(c->db, head, from, "manual", 1, "转租（第二十七条）", &who_b1,
				 &ban, &e)));
	/* The explanation shows the ban. */
	ok(c->db, application_eligibility(c->db, &b1, id, &o, &e));
	assert_true(json_is_true(json_object_get(o, "banned")));
	assert_false(json_is_true(json_object_get(o, "eligible")));
	json_decref(o);
	assert_int_equal(decide(c, &b1, id, true, &approval, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "household_banned");
	assert_string_equal(state_of(c, id, s), "first_reviewed");
	/* Refusing is the decision left. */
	ok(c->db, decide(c, &b1, id, false, &approval, &e));
	ok(c->db, approve(c, &b2, approval, true, &e));
	assert_string_equal(state_of(c, id, s), "rejected");
}

static void
test_ban_after_proposal(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t head = 0, hh = household(c, c->a, &head), id = 0, approval = 0, ban = 0;
	char s[32], from[DATE_FMT_LEN];

	ok(c->db, create(c, &staff, hh, &id, &e));
	ok(c->db, submit(c, &staff, id, &e));
	ok(c->db, review(c, &staff, id, true, NULL, &e));
	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	/* A ban recorded while the grant waits: the approval cannot carry it out. */
	date_format(date_today_shanghai(), from);
	ok(c->db, db_begin(c->db));
	ok(c->db, end(c, ban_add(c->db, head, from, "manual", 2, "擅自调换", &who_b1, &ban, &e)));
	assert_int_equal(approve(c, &b2, approval, true, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "household_banned");
	assert_string_equal(state_of(c, id, s), "deciding");
}

static void
test_objections_and_job(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t p1 = in_publicity(c), p2 = in_publicity(c), p3 = in_publicity(c), o1 = 0, o2 = 0,
		o3 = 0;
	char s[32], after[DATE_FMT_LEN];
	int approved = 0;
	json_t *o = NULL;

	date_format(date_add_days(date_today_shanghai(), 30), after);
	/* p1: an open objection by staff; p2: none; p3: one from the public,
	 * with a contact that is sealed. */
	ok(c->db, object(c, &staff, p1, NULL, &o1, &e));
	ok(c->db, object(c, NULL, p3, "13800001234", &o3, &e));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM objection WHERE contact LIKE"
					  " 'v1.%' AND contact NOT LIKE '%13800001234%'"),
			 1);
	ok(c->db, application_get(c->db, &b1, p3, &o, &e));
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(o, "objections"), 0), "contact")),
		"138****1234");
	assert_true(json_is_true(
		json_object_get(json_array_get(json_object_get(o, "objections"), 0), "public")));
	json_decref(o);
	/* The job approves only p2. */
	ok(c->db, close_due(c, after, &approved, &e));
	assert_int_equal(approved, 1);
	assert_string_equal(state_of(c, p1, s), "publicity");
	assert_string_equal(state_of(c, p2, s), "approved");
	assert_string_equal(state_of(c, p3, s), "publicity");
	/* An open objection stops the bureau too. */
	assert_int_equal(close_pub(c, &b1, p1, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "objections_open");
	/* Dismissed: the next run approves p1.  Upheld: p3 is rejected. */
	ok(c->db, resolve(c, &b1, o1, false, &e));
	assert_int_equal(resolve(c, &b1, o1, true, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "objection_state");
	ok(c->db, resolve(c, &b1, o3, true, &e));
	assert_string_equal(state_of(c, p3, s), "rejected");
	assert_int_equal(query_int(c->db,
				   "SELECT COUNT(*) FROM application WHERE state ="
				   " 'rejected' AND rejected_reason LIKE '%该户在外地有房产%'"),
			 1);
	assert_int_equal(count_audit(c->db, "application.reject", p3), 1);
	ok(c->db, close_due(c, after, &approved, &e));
	assert_int_equal(approved, 1);
	assert_string_equal(state_of(c, p1, s), "approved");
	/* No objection once publicity is over, from anyone. */
	assert_int_equal(object(c, &staff, p1, NULL, &o2, &e), ANJU_ECONFLICT);
	assert_int_equal(object(c, NULL, p1, NULL, &o2, &e), ANJU_ENOTFOUND);
}

static void
test_withdrawn_request_returns(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t approval = 0, id = reviewed(c, NULL);
	char s[32];

	ok(c->db, decide(c, &b1, id, true, &approval, &e));
	/* The proposer withdraws the request: the application is back at once. */
	ok(c->db, db_begin(c->db));
	ok(c->db, end(c, approval_cancel(c->db, &b1, &who_b1, approval, &e)));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application WHERE state ="
					  " 'deciding'"),
			 0);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM application WHERE state ="
					  " 'first_reviewed'"),
			 1);
	assert_string_equal(state_of(c, id, s), "first_reviewed");
}

static void
test_one_open_application(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh = household(c, c->a, NULL), id = 0, id2 = 0;
	struct db_stmt *st;

	ok(c->db, create(c, &staff, hh, &id, &e));
	assert_int_equal(create(c, &manager, hh, &id2, &e), ANJU_ECONFLICT);
	assert_string_equal(e.key, "application_open");
	/* The partial unique index holds even against a direct insert. */
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO application (household_id, community_id, category, state,"
			     " state_at, created_by, created_at, updated_at) VALUES (?, ?,"
			     " 'low_income', 'submitted', 'x', 'x', 'x', 'x')",
			     &st));
	db_bind_int64(st, 1, hh);
	db_bind_int64(st, 2, c->a);
	assert_int_equal(db_step(st), ANJU_ECONFLICT);
	db_reset(st);
	ok(c->db, withdraw(c, &staff, id, &e));
	ok(c->db, create(c, &manager, hh, &id2, &e));
	assert_true(id2 > id);
}

static void
test_scope_and_lists(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t hh_b = household(c, c->b, NULL), id = 0, idb = 0, next = 0;
	struct application_filter f = { .limit = 50 };
	json_t *items = NULL, *counts = NULL, *o = NULL;

	id = in_publicity(c);
	/* Staff of community a cannot take an application for b's household. */
	assert_int_equal(create(c, &staff, hh_b, &idb, &e), ANJU_ENOTFOUND);
	ok(c->db, create(c, &staff_b, hh_b, &idb, &e));
	assert_int_equal(application_get(c->db, &staff, idb, &o, &e), ANJU_ENOTFOUND);
	assert_int_equal(application_get(c->db, &staff_b, id, &o, &e), ANJU_ENOTFOUND);
	ok(c->db, application_list(c->db, &staff, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id);
	json_decref(items);
	ok(c->db, application_list(c->db, &b1, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	f.state = "draft";
	ok(c->db, application_list(c->db, &b1, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "state_title")),
		"草稿");
	json_decref(items);
	/* By the head's name, as the search box finds people. */
	f.state = NULL;
	f.q = "张三";
	ok(c->db, application_list(c->db, &staff_b, &f, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	ok(c->db, application_counts(c->db, &b1, 0, &counts, &e));
	assert_int_equal(json_integer_value(json_object_get(counts, "publicity")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "draft")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "approved")), 0);
	json_decref(counts);
	/* The public notice: masked names, no ID numbers. */
	ok(c->db, publicity_public(c->db, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	o = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(o, "head_name")), "张*");
	assert_null(json_object_get(o, "head_id_number"));
	assert_null(json_object_get(o, "household_id"));
	json_decref(items);
	ok(c->db, publicity_list(c->db, &staff, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "days_left")),
			 7);
	json_decref(items);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_to_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_illegal_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_return_and_resubmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_forbidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_approval_and_rejection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban_refuses_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban_after_proposal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_objections_and_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdrawn_request_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_open_application, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_and_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
