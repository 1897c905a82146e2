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
 * value comes only from household_person_reveal(), which is rate-limited and
 * audited.
 *
 * Who sees what:
 *   - a household is seen by the scoped roles whose scope holds its
 *     community, and by a tenant who is one of its active members;
 *   - a person is seen through the household it is an active member of
 *     (the same rule); a person without an active household (a tenant
 *     registered with its account, someone who left) only by callers with
 *     every community in scope, and by itself when it is a tenant;
 *   - no role sees full ID numbers or phones in responses; bureau,
 *     operator_manager and operator_staff may reveal one value at a time,
 *     with a reason, at most reveal_per_hour times an hour per principal.
 *
 * Audit rows: "household.create", "household.update", "member.add" and
 * "member.leave" on the household (object_type "household"), so that its
 * dossier's timeline shows them; "person.create", "person.update" and
 * "person.reveal" (the reason and which field, never the value) on the
 * person; "household_category.create" and ".update" on the category.
 * Changes write their audit rows last, after their own writes.
 */
#ifndef ANJU_HOUSEHOLD_HOUSEHOLD_H
#define ANJU_HOUSEHOLD_HOUSEHOLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/pii.h"
#include "access/role.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;
struct person_sealed;

/* The most members a household has at once. */
#define HOUSEHOLD_MEMBERS_MAX 20

struct person_in {
	const char *name;
	const char *id_number; /* GB 11643 */
	const char *phone;     /* may be NULL */
	/* NULL, or person_index_of() of id_number: for a caller that has looked
	 * the person up already, so that the keyed hash is computed once. */
	const char *id_index;
	/* NULL, or person_seal() of id_number and phone, made ahead: used if
	 * the person is new (an import seals on another thread). */
	const struct person_sealed *sealed;
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
	/* The facts eligibility weighs (tenancy/eligibility.h): the floor area
	 * of the housing the household owns, in hundredths of m² (0: none);
	 * whether its hukou is local; months of local social insurance; the
	 * special groups it belongs to, codes of the tenancy policy's list
	 * separated by commas (NULL or "": none; household_validate() checks
	 * their form, the caller that they are in the policy). */
	int64_t housing_area_centi;
	bool local_hukou;
	int64_t insurance_months;
	const char *special_groups;
};

/* The most special groups a household is recorded in, and the limits of
 * the facts above. */
#define HOUSEHOLD_GROUPS_MAX    8
#define HOUSEHOLD_AREA_MAX      INT64_C(1000000000)
#define HOUSEHOLD_INSURANCE_MAX 1200

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
/* household_find_by_head() by the head's person_index_of(). */
int household_find_by_head_index(struct db *db, const char index[PII_INDEX_LEN + 1], int64_t *id,
				 struct anju_err *e);

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

/* Whether a role may reveal a full ID number or phone (household_person_reveal). */
bool household_role_may_reveal(enum role r);

/*
 * Categories (household_category): a configurable list with priorities on
 * the waitlist (smaller first).  HouseholdCategory JSON: code, name,
 * priority, active.
 */
struct household_category_in {
	const char *code; /* [a-z][a-z0-9_]{1,31} */
	const char *name; /* 1..64 bytes, unique; NULL: unchanged (update) */
	int64_t priority; /* 0..100000; < 0: unchanged (update) */
	int active;       /* 0 or 1; < 0: unchanged (update; create: 1) */
};
/* Every category (inactive ones too), by priority then code, into *out (new
 * array). */
int household_category_list(struct db *db, json_t **out, struct anju_err *e);
/* One category into *out (new): 0 or ANJU_ENOTFOUND ("category_not_found"). */
int household_category_get(struct db *db, const char *code, json_t **out, struct anju_err *e);
/* 0, ANJU_EINVAL (field), ANJU_ECONFLICT ("category_exists",
 * "category_name_taken"). */
int household_category_create(struct db *db, const struct household_category_in *in,
			      const struct audit_actor *who, struct anju_err *e);
/* Changes name, priority or active of in->code: 0, ANJU_EINVAL,
 * ANJU_ENOTFOUND, ANJU_ECONFLICT ("category_name_taken"). */
int household_category_update(struct db *db, const struct household_category_in *in,
			      const struct audit_actor *who, struct anju_err *e);

/* The Household JSON (household_get) of a household the caller may see,
 * with its active members (Member: id, person_id, relationship, joined_at,
 * left_at, person), head first: 0 or ANJU_ENOTFOUND ("household_not_found"). */
int household_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e);
/* A tenant's own active household, as household_get(): 0 or ANJU_ENOTFOUND. */
int household_mine(struct db *db, const struct caller *c, json_t **out, struct anju_err *e);

struct household_filter {
	int64_t community_id; /* 0: every community in scope */
	const char *category; /* NULL: any */
	const char *state;    /* "active", "closed"; NULL: any */
	int64_t after_id;     /* keyset cursor: ids above; 0: from the first */
	int limit;            /* 1..200 */
};
/* A page of HouseholdSummary JSON (head's name, masked ID number and phone,
 * member count, community and category names) in id order into *items
 * (new); *next is the cursor of the next page, 0 at the end. */
int household_list(struct db *db, const struct caller *c, const struct household_filter *f,
		   json_t **items, int64_t *next, struct anju_err *e);

/* What household_update() changes: NULL strings and negative amounts are
 * left as they are; the eligibility facts only with their has_ flag. */
struct household_patch {
	const char *category;
	const char *hukou, *employer, *assets_note, *current_housing;
	int64_t monthly_income_fen, assets_fen;
	bool has_housing_area, has_local_hukou, has_insurance_months;
	int64_t housing_area_centi;
	bool local_hukou;
	int64_t insurance_months;
	const char *special_groups; /* "" clears */
};
/* Changes a household (no scope: the caller checked household_community()).
 * 0, ANJU_EINVAL (field), ANJU_ENOTFOUND ("household_not_found",
 * "category_not_found"), ANJU_ECONFLICT ("category_inactive").  Audited
 * "household.update" with what changed. */
int household_update(struct db *db, int64_t id, const struct household_patch *p,
		     const struct audit_actor *who, struct anju_err *e);

/* Adds a member to an active household (no scope: the caller checked
 * household_community()); its person is found by ID number or created.  The
 * relationship may not be "head" (household_set_head() changes the head).
 * 0, ANJU_EINVAL (fields "name", "id_number", "phone", "relationship"),
 * ANJU_ENOTFOUND, ANJU_ECONFLICT ("household_closed", "too_many_members",
 * "person_name_mismatch", "member_active_elsewhere", "member_exists").
 * Audited "member.add". */
int member_add(struct db *db, int64_t household_id, const struct member_in *m,
	       const struct audit_actor *who, int64_t *member_id, struct anju_err *e);
/* An active member leaves.  The head leaves only as the last member, which
 * closes the household; otherwise ANJU_ECONFLICT ("head_cannot_leave").
 * ANJU_ENOTFOUND ("member_not_found"), ANJU_ECONFLICT ("member_left").
 * Audited "member.leave" (and "household.update" when it closes). */
int member_leave(struct db *db, int64_t household_id, int64_t member_id,
		 const struct audit_actor *who, struct anju_err *e);
/* Makes an active member the head; the former head's relationship becomes
 * former_relationship (spouse, child, parent, sibling, other; NULL:
 * "other").  0, ANJU_EINVAL, ANJU_ENOTFOUND, ANJU_ECONFLICT
 * ("household_closed", "already_head").  Audited "household.update". */
int household_set_head(struct db *db, int64_t household_id, int64_t member_id,
		       const char *former_relationship, const struct audit_actor *who,
		       struct anju_err *e);

/* Whether the caller may see the person (see the top of this file): 0 or
 * ANJU_ENOTFOUND ("person_not_found"). */
int household_person_visible(struct db *db, const struct caller *c, int64_t person_id,
			     struct anju_err *e);
/* The Person JSON (masked) of a person the caller may see, with
 * household_id (its active household, or null).  0 or ANJU_ENOTFOUND. */
int household_person_get(struct db *db, const struct caller *c, int64_t person_id, json_t **out,
			 struct anju_err *e);
/* Reveals a person's full "id_number" or "phone" into *value (free with
 * pii_plain_free(*value, *n)), in the caller's transaction: the person must
 * be visible (ANJU_ENOTFOUND), the role may reveal (ANJU_EFORBIDDEN), the
 * reason 4..200 characters (ANJU_EINVAL), the principal under its hourly
 * limit reveal_per_hour (ANJU_ELIMIT "rate_limited").  Audited
 * "person.reveal" with the field and the reason. */
int household_person_reveal(struct db *db, const struct caller *c, const struct audit_actor *who,
			    int64_t person_id, const char *field, const char *reason, char **value,
			    size_t *n, struct anju_err *e);

/* The household dossier (一户一档) into *out (new): {household, members
 * (every member, former ones too, with the masked person, birth date, sex and
 * relationship), attachments, timeline (timeline_limit newest events about
 * the household and each member's person)}.  0 or ANJU_ENOTFOUND. */
int household_dossier(struct db *db, const struct caller *c, int64_t id, int timeline_limit,
		      json_t **out, struct anju_err *e);

/* The search box's look-ups of people (search/search.h), each through an
 * index: an exact ID number (normalised), an exact phone (its digits), a
 * name prefix.  Of at most limit visible people: when w is not NULL, writes
 * them (Person with household_id) as the member "persons" and the
 * HouseholdSummary of their active households (each once, in the order
 * found) as the member "households" into the object open in w; when hids
 * is not NULL, puts those households' ids (at most hmax) there and their
 * number in *nh.  An empty value finds nobody.  A caller with a set of
 * communities sees, of a name prefix, the people in scope among the first
 * SEARCH_NAME_SCAN people with it in name order: a prefix more people share
 * than that needs more of the name. */
enum household_search_by {
	HOUSEHOLD_SEARCH_ID_NUMBER,
	HOUSEHOLD_SEARCH_PHONE,
	HOUSEHOLD_SEARCH_NAME,
};
#define SEARCH_NAME_SCAN 2000
struct jw;
int household_search(struct db *db, const struct caller *c, enum household_search_by by,
		     const char *value, int limit, struct jw *w, int64_t *hids, int hmax, int *nh,
		     struct anju_err *e);

#endif
