/*
 * The pilot's demonstration data (issue 4 section 6, `anju init --demo`):
 * the Xianning pilot's three communities (南苑, 肖桥 and 长安花苑公租房) with
 * their buildings and exactly DEMO_UNITS units, each with its assets and a
 * confirmed acceptance check (so every unit is vacant); one owner, one
 * operator and their purchase agreement; DEMO_HOUSEHOLDS households with
 * their members; one account of each business role.
 *
 * Everything is fictitious and reproducible: names, ID numbers, phones and
 * amounts come from a fixed seed, so two loads are identical.  ID numbers
 * pass GB 11643's check but start with region code 99, which no province
 * uses; phones start with 100, which no carrier uses; credit codes pass
 * GB 32100 but belong to no registered company.
 *
 * It loads only through the domain modules' functions (housing/housing.h,
 * household/household.h, access/account.h), never their SQL, as the job kind
 * "demo" (jobs/kinds.c): one chunk for the parties and communities, one per
 * building, one per DEMO_CHUNK_HOUSEHOLDS households, one for the accounts,
 * each a transaction that also records the checkpoint, so a killed load
 * resumes where it stopped.  The audit actor is the system.  A data
 * directory that has the demo already is refused ("demo_exists") before
 * anything is written.
 *
 * A job keeps no secret, so the accounts are made with passwords nobody
 * sees; whoever ran the job hands out the initial passwords afterwards with
 * demo_issue_passwords() (`anju init --demo` prints them once), or later
 * `anju user reset-password USERNAME`.
 */
#ifndef ANJU_DEMO_DEMO_H
#define ANJU_DEMO_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/role.h"
#include "core/err.h"

struct db;
struct audit_actor;

#define DEMO_COMMUNITIES      3
#define DEMO_UNITS            2936
#define DEMO_HOUSEHOLDS       3000
#define DEMO_MEMBERS_MAX      5
#define DEMO_CHUNK_HOUSEHOLDS 200

/* The demo's accounts, one per business role, {NULL}-terminated, in the
 * order they are printed.  The tenant's display name is its person's. */
struct demo_account {
	const char *username;
	const char *display_name;
	enum role role;
};
extern const struct demo_account demo_accounts[];

/* Gives every demo account a new generated initial password, to be changed
 * at its first sign-in, in the caller's transaction (audited), and hands
 * each to fn once; the password is wiped when fn returns.  0, ANJU_ENOTFOUND
 * ("account_not_found") when the demo has not made its accounts, or a
 * storage error. */
typedef void (*demo_password_fn)(void *ud, const struct demo_account *a, const char *password);
int demo_issue_passwords(struct db *db, const struct audit_actor *who, demo_password_fn fn,
			 void *ud, struct anju_err *e);

/*
 * The generator and loaders behind the job, shared by the demo's files and
 * its tests.
 */

/* The community names, in load order. */
extern const char *const demo_community_names[DEMO_COMMUNITIES];

/* Step 0: the owner, the operator, their agreement, the three communities
 * and their community-wide assets.  Refuses with ANJU_ECONFLICT
 * ("demo_exists") when a demo community or account exists already. */
int demo_stock_setup(struct db *db, const struct audit_actor *who, struct anju_err *e);
/* The number of buildings, and of units in building k (0-based, in load
 * order); the units of all buildings add up to DEMO_UNITS. */
int demo_building_count(void);
int demo_building_units(int k);
/* Building k with its units, their assets and confirmed acceptance checks,
 * and its common-part assets; its name goes into note (for progress). */
int demo_stock_building(struct db *db, const struct audit_actor *who, int k, char *note,
			size_t note_cap, struct anju_err *e);

struct demo_person {
	char name[16];
	char id_number[19];
	char phone[12]; /* "" for children under 16 */
	const char *relationship;
};

struct demo_household {
	int community; /* index into demo_community_names */
	const char *category;
	char hukou[96], employer[96];
	int64_t monthly_income_fen, assets_fen;
	const char *assets_note, *current_housing;
	/* What eligibility weighs besides (tenancy/eligibility.h). */
	int64_t housing_area_centi, insurance_months;
	bool local_hukou;
	const char *special_groups;
	int nmembers;
	struct demo_person members[DEMO_MEMBERS_MAX]; /* [0] is the head */
};

/* The last steps (money.c): a receipt book for each clerk; then one step a
 * month, the billing run of the month back months ago, from
 * DEMO_RENT_MONTHS - 1 down to this month (0); then the payments and the
 * dunning. */
#define DEMO_RENT_MONTHS 7
int demo_money_books(struct db *db, const struct audit_actor *who, struct anju_err *e);
int demo_money_bill(struct db *db, const struct audit_actor *who, int back, struct anju_err *e);
int demo_money_pay(struct db *db, const struct audit_actor *who, struct anju_err *e);

/* The tenancy (tenancy.c): the paper leases of households from..to-1 (those
 * that rent), then the other households' applications, then one finished
 * lottery batch. */
#define DEMO_CHUNK_LEASES 250
int demo_tenancy_leases(struct db *db, const struct audit_actor *who, int from, int to,
			struct anju_err *e);
int demo_tenancy_applications(struct db *db, const struct audit_actor *who, struct anju_err *e);
int demo_tenancy_allocation(struct db *db, const struct audit_actor *who, struct anju_err *e);
/* The rent standards (rent.c), made by the bureau account: after the
 * accounts, before the tenancy. */
int demo_rent_standards(struct db *db, const struct audit_actor *who, struct anju_err *e);

/* A demo account as the caller of a domain function (the audit actor is
 * still the system: it loaded the demo), in every community's scope. */
struct demo_who {
	struct caller c;
	char principal[32];
};
int demo_as(struct db *db, const char *username, enum role role, struct demo_who *w,
	    struct anju_err *e);

/* The upkeep (upkeep.c), after the money: the patrol points and plans of
 * every community; the rounds of the last DEMO_PATROL_PAST_DAYS days
 * (missed: a past round cannot be walked, the check-in time is the
 * server's) and today's, two communities' walked by the operator's staff
 * with their findings, 南苑's left for the inspector; work orders in every
 * state and the lifts' preventive plan; violation cases in every
 * state up to the bureau's decision, and two renovation requests. */
#define DEMO_PATROL_PAST_DAYS 2
int demo_upkeep_patrols(struct db *db, const struct audit_actor *who, struct anju_err *e);
int demo_upkeep_rounds(struct db *db, const struct audit_actor *who, struct anju_err *e);
int demo_upkeep_work_orders(struct db *db, const struct audit_actor *who, struct anju_err *e);
int demo_upkeep_violations(struct db *db, const struct audit_actor *who, struct anju_err *e);

/* Household i (0..DEMO_HOUSEHOLDS-1), the same every time. */
void demo_household_make(int i, struct demo_household *h);
/* Creates household i and its members (household_create). */
int demo_household_load(struct db *db, const struct audit_actor *who, int i,
			const int64_t community_ids[DEMO_COMMUNITIES], struct anju_err *e);

#endif
