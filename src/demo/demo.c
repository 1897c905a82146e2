/*
 * The job kind "demo": loads the pilot's demonstration data (demo.h) in
 * steps, each one chunk (a transaction with its checkpoint):
 *
 *   step 0         the parties, their agreement, the communities (stock.c)
 *   steps 1..B     one building each, B = demo_building_count()
 *   then           DEMO_CHUNK_HOUSEHOLDS households a step (households.c)
 *   then           the accounts
 *   then           DEMO_CHUNK_LEASES households' paper leases a step, the
 *                  applications, one lottery batch (tenancy.c)
 *   then           receipt books, a billing run a month, then payments and
 *                  the dunning (money.c)
 *   then           the patrol points and plans, the rounds, the work
 *                  orders, the violation cases and renovation requests
 *                  (upkeep.c)
 *
 * The checkpoint is the number of the next step, so a load that was killed
 * or handed back resumes at the first step that did not commit.  Progress
 * counts units, then households.
 */
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/person.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "demo/demo.h"
#include "housing/housing.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"

const struct demo_account demo_accounts[] = {
	{ "bureau", "周建平", ROLE_BUREAU },
	{ "bureau2", "王立新", ROLE_BUREAU },
	{ "operator_manager", "罗志刚", ROLE_OPERATOR_MANAGER },
	{ "operator_staff", "陈晓燕", ROLE_OPERATOR_STAFF },
	{ "finance", "胡丽萍", ROLE_FINANCE },
	{ "inspector", "吴国强", ROLE_INSPECTOR },
	{ "assessor", "郑思远", ROLE_ASSESSOR },
	{ "tenant", NULL, ROLE_TENANT },
	{ NULL },
};

/* The tenant account belongs to the head of this household. */
#define TENANT_HOUSEHOLD 0

#define HOUSEHOLD_STEPS   ((DEMO_HOUSEHOLDS + DEMO_CHUNK_HOUSEHOLDS - 1) / DEMO_CHUNK_HOUSEHOLDS)
#define DEMO_UPKEEP_STEPS 4 /* patrols, rounds, work orders, violations */
#define LEASE_STEPS       ((DEMO_HOUSEHOLDS + DEMO_CHUNK_LEASES - 1) / DEMO_CHUNK_LEASES)

static const struct field params[] = { { NULL } };

static int
community_ids(struct db *db, int64_t ids[DEMO_COMMUNITIES], struct anju_err *e)
{
	int rc;

	for (int i = 0; i < DEMO_COMMUNITIES; i++)
		if ((rc = community_find(db, demo_community_names[i], &ids[i], e)) != 0)
			return rc;
	return 0;
}

/* The accounts: operator-side roles and the inspector scoped to the three
 * communities, the bureau, finance and the assessor to all, the tenant to
 * its household's head.  Their generated passwords are wiped unseen. */
static int
create_accounts(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	int64_t ids[DEMO_COMMUNITIES], person_id = 0, id;
	struct demo_household h;
	int rc;

	if ((rc = community_ids(db, ids, e)) != 0)
		return rc;
	demo_household_make(TENANT_HOUSEHOLD, &h);
	if ((rc = person_find(db, h.members[0].id_number, &person_id, e)) != 0)
		return rc;
	for (const struct demo_account *a = demo_accounts; a->username != NULL; a++) {
		struct account_new n = {
			.username = a->username,
			.display_name = a->display_name ? a->display_name : h.members[0].name,
			.role = a->role,
			.must_change_password = true,
		};

		if (a->role == ROLE_TENANT) {
			n.person_id = person_id;
		} else if (role_needs_set(a->role)) {
			n.communities = ids;
			n.ncommunities = DEMO_COMMUNITIES;
		} else {
			n.all_communities = true;
		}
		rc = account_create(db, &n, who, &id, e);
		explicit_bzero(n.generated_password, sizeof(n.generated_password));
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
demo_as(struct db *db, const char *username, enum role role, struct demo_who *w, struct anju_err *e)
{
	int64_t id = 0;
	int rc;

	if ((rc = account_find(db, username, &id, e)) != 0)
		return rc;
	snprintf(w->principal, sizeof(w->principal), "account:%lld", (long long)id);
	w->c = (struct caller){ .kind = CALLER_ACCOUNT,
				.id = id,
				.role = role,
				.name = username,
				.principal = w->principal,
				.all_communities = true };
	return 0;
}

int
demo_issue_passwords(struct db *db, const struct audit_actor *who, demo_password_fn fn, void *ud,
		     struct anju_err *e)
{
	char pw[21];
	int64_t id;
	int rc = 0;

	for (const struct demo_account *a = demo_accounts; a->username != NULL; a++) {
		if ((rc = account_find(db, a->username, &id, e)) != 0 ||
		    (rc = account_reset_password(db, id, NULL, pw, who, e)) != 0)
			break;
		fn(ud, a, pw);
		explicit_bzero(pw, sizeof(pw));
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* What the demo holds, for the job's result. */
static json_t *
summary(void)
{
	json_t *accounts = json_array();
	int64_t persons = 0, units = 0;

	for (int k = 0; k < demo_building_count(); k++)
		units += demo_building_units(k);
	for (int i = 0; i < DEMO_HOUSEHOLDS; i++) {
		struct demo_household h;

		demo_household_make(i, &h);
		persons += h.nmembers;
	}
	for (const struct demo_account *a = demo_accounts; a->username != NULL; a++)
		json_array_append_new(accounts, json_string(a->username));
	return json_pack("{s:i, s:i, s:I, s:i, s:I, s:o}", "communities", DEMO_COMMUNITIES,
			 "buildings", demo_building_count(), "units", (json_int_t)units,
			 "households", DEMO_HOUSEHOLDS, "persons", (json_int_t)persons, "accounts",
			 accounts);
}

/* Step s: its writes, and the progress done after it and its note. */
static int
run_step(struct db *db, const struct audit_actor *who, int step, int64_t *done, char *note,
	 size_t note_cap, struct anju_err *e)
{
	int nb = demo_building_count();
	int rc;

	if (step == 0) {
		snprintf(note, note_cap, "小区与合同");
		*done = 0;
		return demo_stock_setup(db, who, e);
	}
	if (step <= nb) {
		*done = 0;
		for (int k = 0; k < step; k++)
			*done += demo_building_units(k);
		return demo_stock_building(db, who, step - 1, note, note_cap, e);
	}
	if (step <= nb + HOUSEHOLD_STEPS) {
		int from = (step - nb - 1) * DEMO_CHUNK_HOUSEHOLDS;
		int to = from + DEMO_CHUNK_HOUSEHOLDS < DEMO_HOUSEHOLDS
				 ? from + DEMO_CHUNK_HOUSEHOLDS
				 : DEMO_HOUSEHOLDS;
		int64_t ids[DEMO_COMMUNITIES];

		if ((rc = community_ids(db, ids, e)) != 0)
			return rc;
		for (int i = from; i < to; i++)
			if ((rc = demo_household_load(db, who, i, ids, e)) != 0)
				return rc;
		snprintf(note, note_cap, "住户 %d/%d", to, DEMO_HOUSEHOLDS);
		*done = DEMO_UNITS + to;
		return 0;
	}
	*done = DEMO_UNITS + DEMO_HOUSEHOLDS;
	if (step == nb + HOUSEHOLD_STEPS + 1) {
		snprintf(note, note_cap, "演示账号与租金标准");
		if ((rc = create_accounts(db, who, e)) != 0)
			return rc;
		return demo_rent_standards(db, who, e);
	}
	step -= nb + HOUSEHOLD_STEPS + 2;
	if (step < LEASE_STEPS) {
		int from = step * DEMO_CHUNK_LEASES;
		int to = from + DEMO_CHUNK_LEASES < DEMO_HOUSEHOLDS ? from + DEMO_CHUNK_LEASES
								    : DEMO_HOUSEHOLDS;

		snprintf(note, note_cap, "租赁合同 %d/%d", to, DEMO_HOUSEHOLDS);
		*done += to;
		return demo_tenancy_leases(db, who, from, to, e);
	}
	*done += DEMO_HOUSEHOLDS;
	if (step == LEASE_STEPS) {
		snprintf(note, note_cap, "申请与审核");
		return demo_tenancy_applications(db, who, e);
	}
	if (step == LEASE_STEPS + 1) {
		snprintf(note, note_cap, "配租摇号");
		return demo_tenancy_allocation(db, who, e);
	}
	if (step == LEASE_STEPS + 2) {
		snprintf(note, note_cap, "票据");
		return demo_money_books(db, who, e);
	}
	step -= LEASE_STEPS + 3;
	if (step < DEMO_RENT_MONTHS) {
		snprintf(note, note_cap, "计租 %d/%d", step + 1, DEMO_RENT_MONTHS);
		return demo_money_bill(db, who, DEMO_RENT_MONTHS - 1 - step, e);
	}
	step -= DEMO_RENT_MONTHS;
	switch (step) {
	case 0: snprintf(note, note_cap, "缴费与催缴"); return demo_money_pay(db, who, e);
	case 1:
		snprintf(note, note_cap, "巡查点与巡查计划");
		return demo_upkeep_patrols(db, who, e);
	case 2: snprintf(note, note_cap, "巡查任务"); return demo_upkeep_rounds(db, who, e);
	case 3: snprintf(note, note_cap, "维修工单"); return demo_upkeep_work_orders(db, who, e);
	default:
		snprintf(note, note_cap, "违规案件与装修申请");
		return demo_upkeep_violations(db, who, e);
	}
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	const int steps = 1 + demo_building_count() + HOUSEHOLD_STEPS + 1 + LEASE_STEPS + 3 +
			  DEMO_RENT_MONTHS + 1 + DEMO_UPKEEP_STEPS;
	const int64_t total = DEMO_UNITS + 2 * DEMO_HOUSEHOLDS;
	const char *resume = job_resume_at(ctx);
	struct audit_actor who;
	char request_id[32];
	int64_t step = 0;
	int rc;

	if (resume[0] != '\0' && str_to_int64(str_c(resume), 0, steps, &step) != 0)
		return anju_fail(e, ANJU_EINTERNAL, "bad_checkpoint", NULL,
				 "checkpoint \"%s\" is not a step of the demo", resume);
	snprintf(request_id, sizeof(request_id), "job-%lld", (long long)job_id(ctx));
	audit_actor_of(&who, caller_system(), NULL, request_id);
	for (; step < steps; step++) {
		char at[24], note[128];
		int64_t done = 0;

		if ((rc = job_chunk_begin(ctx, e)) != 0)
			return rc;
		if ((rc = run_step(job_db(ctx), &who, (int)step, &done, note, sizeof(note), e)) !=
		    0) {
			job_chunk_abort(ctx);
			return rc;
		}
		snprintf(at, sizeof(at), "%lld", (long long)step + 1);
		if ((rc = job_chunk_end(ctx, done, total, at, note, e)) != 0)
			return rc;
	}
	job_set_result(ctx, summary());
	return 0;
}

const struct job_kind job_kind_demo = { "demo", "载入试点演示数据", params, run };
