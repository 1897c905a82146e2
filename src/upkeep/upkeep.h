/*
 * Housing use and upkeep (issue 8): the contracts between the parts of the
 * upkeep module and the functions other modules call.  docs/upkeep.md maps
 * the parts, the tables each owns and the columns the others may read.
 *
 *   A  patrol.c round.c labels_pdf.c    patrol library, points and labels,
 *                                       plans, rounds, check-ins, results
 *                                       (sql/025_patrol.sql)
 *   B  violation.c evidence.c package.c renovation.c   violation cases, their
 *                                       evidence and decisions, renovation
 *                                       requests (sql/026_violation.sql)
 *   C  work_order.c preventive.c ledger.c   work orders, preventive plans,
 *                                       the maintenance ledger
 *                                       (sql/027_work_order.sql)
 *   D  report.c timeline.c              the bureau's reports, the dossier
 *                                       timeline source "upkeep"
 *
 * Places are housing_place (housing/housing.h): a unit, a common part or an
 * asset, always with the community that scopes them.  Money goes through
 * the money core only (charge_raise with source_type "violation" or
 * "work_order").  Times are the server's.
 */
#ifndef ANJU_UPKEEP_UPKEEP_H
#define ANJU_UPKEEP_UPKEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "housing/housing.h"

struct db;
struct audit_actor;

/*
 * Part B.  Opens a suspected violation case from any source: a patrol
 * finding ("patrol"), a report from the public ("public"), staff
 * ("staff"), door data ("door", a later issue).  type: sublet,
 * change_of_use, damage, illegal_activity, idle (the five of art. 27) or
 * other.  The place is a unit or a common part (never an asset); a unit's
 * household is the one whose lease is in force on it when household_id is
 * 0.  When source_id > 0 the case is unique on (source_type, source_id): a
 * second report from the same record returns the first case's id with
 * *created false.  No sanction is automatic: every case starts suspected.
 * Audited ("violation.report") in the caller's transaction.
 */
struct violation_report_in {
	const char *type;
	const char *source;      /* patrol, public, staff, door */
	const char *source_type; /* the record that reported it: "patrol_result" ...; NULL */
	int64_t source_id;       /* 0: none */
	struct housing_place place;
	int64_t household_id;   /* 0: the unit's tenant household, if any */
	const char *summary;    /* 1..500 characters */
	const char *started_on; /* YYYY-MM-DD, the breach's start when known; NULL */
};
int violation_report(struct db *db, const struct violation_report_in *in,
		     const struct audit_actor *who, int64_t *id, bool *created, struct anju_err *e);

/*
 * Part C.  Raises a work order (维修养护) in state reported, with its
 * deadline from the configured hours of its urgency.  category: water,
 * electricity, lift, roof, door_lock, other; urgency: emergency, urgent,
 * normal; source: staff, api, patrol, preventive, tenant.  When source_id
 * > 0 it is unique on (source_type, source_id) (a patrol result, a
 * preventive plan's occurrence): a second raise returns the first order's
 * id with *created false.  Audited ("work_order.raise") in the caller's
 * transaction.
 */
struct work_order_in {
	struct housing_place place; /* asset allowed */
	const char *category;
	const char *urgency;
	const char *description; /* 1..1000 characters */
	const char *source;
	const char *source_type; /* NULL when none */
	int64_t source_id;       /* 0: none */
	int64_t household_id;    /* the tenant household that reported it; 0 none */
	const char *contact;     /* a name or phone to call back, NULL; sealed at rest */
};
int work_order_raise(struct db *db, const struct work_order_in *in, const struct audit_actor *who,
		     int64_t *id, bool *created, struct anju_err *e);

#endif
