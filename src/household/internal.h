/*
 * What the household module's files share with each other; not a contract
 * (household.h is).
 */
#ifndef ANJU_HOUSEHOLD_INTERNAL_H
#define ANJU_HOUSEHOLD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "access/person.h"
#include "access/scope.h"
#include "household/household.h"

struct buf;
struct db_stmt;
struct jw;
struct person_masks;

/* A household aliased h that the caller may see: its community is in scope,
 * or the caller is a tenant who is one of its active members.  Three
 * parameters, bound by household_visible_bind(). */
#define HOUSEHOLD_VISIBLE(h)                                                                       \
	"(" SCOPE_SQL(h ".community_id") " OR EXISTS (SELECT 1 FROM member t"                      \
					 " WHERE t.household_id = " h ".id AND t.person_id = ?"    \
					 " AND t.left_at IS NULL))"
/* Binds HOUSEHOLD_VISIBLE at i; returns the next parameter's number. */
int household_visible_bind(struct db_stmt *st, int i, const struct caller *c);

/* The HouseholdSummary columns (13), of household h with its head hp. */
/* clang-format off */
#define SUMMARY_SELECT                                                                             \
	"SELECT h.id, h.community_id, c.name, h.category, hc.name, h.state,"                       \
	" h.monthly_income_fen, h.created_at, hp.id, hp.name, "                                    \
	PERSON_ID_SHOWN("hp") ", " PERSON_PHONE_SHOWN("hp") ","                                    \
	" (SELECT COUNT(*) FROM member mc WHERE mc.household_id = h.id AND mc.left_at IS NULL)"    \
	" FROM household h JOIN community c ON c.id = h.community_id"                              \
	" JOIN household_category hc ON hc.code = h.category"                                      \
	" LEFT JOIN member hm ON hm.household_id = h.id AND hm.relationship = 'head'"              \
	" LEFT JOIN person hp ON hp.id = hm.person_id"
/* clang-format on */
json_t *household_summary_row(struct db_stmt *st);
/* Writes the HouseholdSummary of each household of ids (at most
 * HOUSEHOLD_SUMMARY_MAX; no scope) into the array open in w, in that order,
 * with one query.  known: the nknown people of the same reply, whose masked
 * ID number and phone a head among them takes instead of decrypting them
 * again. */
#define HOUSEHOLD_SUMMARY_MAX 64
int household_summary_write(struct db *db, const int64_t *ids, int n,
			    const struct person_masks *known, int nknown, struct jw *w,
			    struct anju_err *e);

/* The Household JSON of id into *out (new), without a scope check;
 * all_members: former members too. */
int household_json(struct db *db, int64_t id, bool all_members, json_t **out, struct anju_err *e);

/* Audit rows a change queues while it writes and appends after its own
 * writes (audit.h: the append is a transaction's last statements).  A row's
 * images are jansson values (pending_audit() takes the references; either
 * may be NULL), or a creation's after-image as the trail stores it
 * (pending_audit_text() takes the text out of after, which is left empty;
 * see audit_write_text()).  action and object_type are lent and must
 * outlive the queue. */
struct pending_row {
	const char *action, *object_type;
	int64_t id;
	json_t *before, *after;
	char *after_text;
};
struct pending {
	struct pending_row *rows;
	int n, cap;
};
void pending_init(struct pending *q);
void pending_free(struct pending *q);
void pending_audit(struct pending *q, const char *action, const char *object_type, int64_t id,
		   json_t *before, json_t *after);
void pending_audit_text(struct pending *q, const char *action, const char *object_type, int64_t id,
			struct buf *after);
int pending_flush(struct db *db, const struct audit_actor *who, struct pending *q,
		  struct anju_err *e);

/* head, spouse, child, parent, sibling, other. */
bool relationship_ok(const char *r);

/* Puts prefix in front of e's field (when it names one), truncating. */
void err_field_prefix(struct anju_err *e, const char *prefix);

/* Characters of UTF-8 text s (a byte that does not continue one starts
 * one). */

/* Makes person p (found by ID number, else created) a member of
 * household_id with relationship; error fields are prefixed ("members[2].").
 * Queues the person's audit rows on q and writes into image the member as
 * the household's audit row shows it (masked, members in key order). */
int member_join(struct db *db, int64_t household_id, const struct person_in *p,
		const char *relationship, const char *prefix, struct pending *q, int64_t *member_id,
		struct jw *image, struct anju_err *e);

/* Sets the household's updated_at to now. */
int household_touch(struct db *db, int64_t id, struct anju_err *e);

/* 0 when the category exists and is active; ANJU_ENOTFOUND
 * ("category_not_found") or ANJU_ECONFLICT ("category_inactive") with field. */
int category_usable(struct db *db, const char *code, const char *field, struct anju_err *e);

#endif
