/*
 * Households and their members (一户一档).  A household is a family with a
 * category (household_category: a configurable list with priorities), its
 * hukou, employer, income and assets, and members: persons (access/person.h)
 * with a relationship, exactly one of them the head.  A person is an active
 * member of at most one household.  A household belongs to the community
 * whose operator serves it, and that is its scope; a tenant sees only the
 * household it is an active member of.
 *
 * This module owns household, household_category, member and reveal_count
 * (sql/006_household.sql) and extends person (birth date, sex, the name's
 * search key).  Changes run inside the caller's write transaction and are
 * audited there.
 *
 * Personal data: every JSON this module returns shows ID numbers and phones
 * masked (first 3 and last 4) unless household_role_sees_pii(); the full
 * value comes only from person_reveal(), which is rate-limited and audited.
 */
#ifndef ANJU_HOUSEHOLD_HOUSEHOLD_H
#define ANJU_HOUSEHOLD_HOUSEHOLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/role.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

struct person_in {
	const char *name;
	const char *id_number; /* GB 11643 */
	const char *phone;     /* may be NULL */
};

struct member_in {
	struct person_in person;
	const char *relationship; /* head, spouse, child, parent, sibling, other */
};

struct household_in {
	int64_t community_id;
	const char *category; /* a household_category code */
	const char *hukou, *employer;
	int64_t monthly_income_fen, assets_fen; /* >= 0 */
	const char *assets_note, *current_housing;
	const struct member_in *members;
	int nmembers; /* 1..20, exactly one head */
};

/* Checks what can be checked without the database (ID numbers, phones,
 * lengths, one head, no ID number twice): 0 or ANJU_EINVAL with the field
 * ("members[2].id_number").  household_create() calls it too; imports call
 * it first for every row. */
int household_validate(const struct household_in *in, struct anju_err *e);
/* Creates a household and its members; a member's person is found by ID
 * number or created.  0, ANJU_EINVAL, ANJU_ENOTFOUND (community or category),
 * ANJU_ECONFLICT ("member_active_elsewhere", field "members[i].id_number")
 * when a person is already an active member of another household. */
int household_create(struct db *db, const struct household_in *in, const struct audit_actor *who,
		     int64_t *id, struct anju_err *e);
/* The active household whose head has that ID number: 0 or ANJU_ENOTFOUND.
 * The natural key of household imports. */
int household_find_by_head(struct db *db, const char *id_number, int64_t *id, struct anju_err *e);

/* The community of a household the caller may see (a tenant: only its own):
 * 0, or ANJU_ENOTFOUND ("household_not_found").  The files module decides
 * attachments' access with it. */
int household_community(struct db *db, const struct caller *c, int64_t household_id,
			int64_t *community_id, struct anju_err *e);

/* Whether a role sees full ID numbers and phones without a reveal. */
bool household_role_sees_pii(enum role r);

typedef int (*household_row_fn)(void *ud, json_t *row);
/* Calls fn for every household the caller may see (community_id 0: every
 * community in scope), in id order, with the Household JSON including its
 * members (lent for the call; masked per the caller's role).  Stops at fn's
 * first non-zero return, which it returns.  For exports. */
int household_each(struct db *db, const struct caller *c, int64_t community_id, household_row_fn fn,
		   void *ud, struct anju_err *e);

#endif
