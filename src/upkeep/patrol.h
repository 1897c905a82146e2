/*
 * Patrols (巡查, issue 8 part A): the checklist library, the points with
 * their QR labels and the plans (patrol.c); the rounds the schedule makes
 * from the plans, their check-ins, results and findings (round.c); the
 * label sheet (labels_pdf.c).  Tables: sql/025_patrol.sql.  The design is
 * docs/upkeep.md part A; docs/upkeep-patrol.md says how it is built.
 *
 * Every write runs in the caller's transaction and is audited there.
 * Reads and writes of community records take the caller for scope: out of
 * scope is not found.
 */
#ifndef ANJU_UPKEEP_PATROL_H
#define ANJU_UPKEEP_PATROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "housing/housing.h"

struct db;
struct caller;
struct audit_actor;

/* NULL-terminated value lists, for the routes' validators. */
extern const char *const patrol_severities[];      /* low medium high */
extern const char *const patrol_finding_actions[]; /* none work_order violation */
extern const char *const patrol_frequencies[];     /* daily weekly monthly quarterly */
extern const char *const patrol_round_states[];    /* assigned in_progress done missed */
extern const char *const patrol_outcomes[];        /* fine not_fine */
extern const char *const patrol_wo_categories[];   /* the work-order categories (upkeep.h) */
extern const char *const patrol_violation_types[]; /* the violation types (upkeep.h) */

/* The name of a community c sees into name (may be NULL: only the check):
 * 0 or ANJU_ENOTFOUND ("community_not_found"). */
int patrol_community_name(struct db *db, const struct caller *c, int64_t id, char name[128],
			  struct anju_err *e);

/*
 * The library.
 */
struct patrol_item_in {
	const char *name;                /* 1..40 characters, unique */
	const char *severity;            /* low, medium, high */
	const char *finding_action;      /* none, work_order, violation; NULL: by severity */
	const char *work_order_category; /* with work_order; NULL: other */
	const char *violation_type;      /* with violation; NULL: other */
};
/* Items by id, the retired ones too when with_retired, into *items (new). */
int patrol_item_list(struct db *db, bool with_retired, json_t **items, struct anju_err *e);
/* One item as JSON (new), or ANJU_ENOTFOUND ("patrol_item_not_found"). */
int patrol_item_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Creates (id 0) or changes an item; audited "patrol_item.create" /
 * "patrol_item.update".  ANJU_EINVAL (field), ANJU_ECONFLICT
 * ("patrol_item_exists", "patrol_item_retired").  *saved the id. */
int patrol_item_save(struct db *db, int64_t id, const struct patrol_item_in *in,
		     const struct audit_actor *who, int64_t *saved, struct anju_err *e);
/* Retires an item: no new point or round takes it; rounds already made
 * keep it.  Never deletes.  ANJU_ENOTFOUND; ANJU_ECONFLICT when retired. */
int patrol_item_retire(struct db *db, int64_t id, const struct audit_actor *who,
		       struct anju_err *e);
/* The action of each severity, [{severity, action, ...}] (new). */
int patrol_severity_actions(struct db *db, json_t **items, struct anju_err *e);
/* Sets severity's action; audited "patrol_severity_action.set". */
int patrol_severity_action_set(struct db *db, const char *severity, const char *action,
			       const struct audit_actor *who, struct anju_err *e);

/*
 * Points and their labels.
 */
struct patrol_point_in {
	const char *name;           /* 1..60 characters */
	struct housing_place place; /* asset allowed; resolved here */
	const int64_t *items;       /* the checklist, in order: 1..PATROL_POINT_ITEMS_MAX */
	int nitems;
	int active; /* 1, 0; -1 keep (update) */
};
#define PATROL_POINT_ITEMS_MAX 40
/* Creates (id 0) or changes a point of a community in c's scope (the place
 * gives the community; an update cannot move it to another community).
 * Audited.  ANJU_EINVAL, ANJU_ENOTFOUND (place, item), ANJU_ECONFLICT
 * ("patrol_item_retired"). */
int patrol_point_save(struct db *db, const struct caller *c, int64_t id,
		      const struct patrol_point_in *in, const struct audit_actor *who,
		      int64_t *saved, struct anju_err *e);
/* A point with its items and label state, as JSON (new). */
int patrol_point_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		     struct anju_err *e);
/* A community's points by short number (new array); active only unless all. */
int patrol_point_list(struct db *db, const struct caller *c, int64_t community_id, bool all,
		      json_t **items, struct anju_err *e);

/* One printed label: what labels_pdf.c draws. */
struct patrol_label {
	int64_t point_id;
	int short_no, gen;
	char name[244];
	char qr[96]; /* anju:p:<point id>:<token> */
};
#define PATROL_TOKEN_LEN 39 /* 24 random bytes, base32 without padding */
/* Makes new tokens for the community's active points (or for point_id
 * alone when > 0), which voids their old labels, and returns the labels to
 * print in short-number order: *labels (new, free() it), *n, and the
 * community's name into community (lent from a static buffer of the
 * caller: 128 bytes).  Audited "patrol.labels_print" with the points and
 * generations (never a token).  ANJU_ENOTFOUND, ANJU_ECONFLICT
 * ("no_patrol_points"). */
int patrol_labels_issue(struct db *db, const struct caller *c, int64_t community_id,
			int64_t point_id, const struct audit_actor *who,
			struct patrol_label **labels, int *n, char community[128],
			struct anju_err *e);
/* The A4 sheet of labels (labels_pdf.c): appends the PDF to out. */
int patrol_labels_pdf(const char *community, const struct patrol_label *labels, int n,
		      const char *date, struct buf *out, struct anju_err *e);
/* The point a scanned label names: parses "anju:p:<id>:<token>" or a bare
 * token and finds the point whose current token it is.  *point_id (0 when
 * none: then ANJU_EFORBIDDEN "label_invalid") and *gen.  A token given with
 * a point id that is not its own is also label_invalid. */
int patrol_label_point(struct db *db, const char *scanned, int64_t *point_id, int *gen,
		       struct anju_err *e);

/*
 * Plans.
 */
struct patrol_plan_in {
	int64_t community_id; /* creation only */
	const char *name;     /* 1..60 characters */
	const char *frequency;
	int weekday, month_day, quarter_month; /* as the frequency needs; others ignored */
	const int64_t *points;                 /* the route in order: 1..PATROL_ROUTE_MAX */
	int npoints;
	const int64_t *inspectors; /* account ids (inspector, operator_staff or
				      operator_manager, active, in the community's
				      scope): 1..PATROL_INSPECTORS_MAX */
	int ninspectors;
	int active; /* 1, 0; -1 keep */
};
#define PATROL_ROUTE_MAX      200
#define PATROL_INSPECTORS_MAX 20
int patrol_plan_save(struct db *db, const struct caller *c, int64_t id,
		     const struct patrol_plan_in *in, const struct audit_actor *who, int64_t *saved,
		     struct anju_err *e);
int patrol_plan_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		    struct anju_err *e);
int patrol_plan_list(struct db *db, const struct caller *c, int64_t community_id, json_t **items,
		     struct anju_err *e);
/* The accounts that may walk a community's rounds (active inspector,
 * operator staff or manager accounts with the community in scope), for the
 * plan form: [{id, username, name, role}] (new). */
int patrol_inspector_list(struct db *db, const struct caller *c, int64_t community_id,
			  json_t **items, struct anju_err *e);

/*
 * Rounds (round.c).
 */
/* Makes the rounds of every active plan due on due_on (YYYY-MM-DD) that has
 * none yet, copying route, items and inspectors, and marks missed every
 * round of an earlier day not done.  A re-run makes nothing.  One audit row
 * ("patrol.rounds_generate") with the counts.  *made, *missed may be NULL. */
int patrol_rounds_generate(struct db *db, const char *due_on, const struct audit_actor *who,
			   int64_t *made, int64_t *missed, struct anju_err *e);

struct patrol_round_filter {
	const char *due_on; /* NULL: any day */
	const char *state;  /* NULL: any */
	int64_t community_id, plan_id;
	bool mine; /* only the rounds assigned to c */
	int limit;
	int64_t after_id; /* keyset: ids below */
};
int patrol_round_list(struct db *db, const struct caller *c, const struct patrol_round_filter *f,
		      json_t **items, int64_t *next, struct anju_err *e);
/* A round with its points in route order, their check-ins, items and
 * results (findings marked), as JSON (new). */
int patrol_round_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		     struct anju_err *e);

struct patrol_visit_in {
	const char *token; /* the label's QR text or its bare token */
	int64_t point_id;  /* 0: the point the token names */
	const char *lat;   /* NULL when not granted */
	const char *lng;   /* NULL when not granted */
	int accuracy;      /* metres; -1 unknown */
};
/* Checks c in at a point of the round, at the server's time: c must be one
 * of the round's inspectors or an operator manager (ANJU_EFORBIDDEN
 * "not_round_inspector"); the round due today and not done or missed
 * (ANJU_ECONFLICT "round_state", "round_not_today"); the token a current
 * one (ANJU_EFORBIDDEN "label_invalid") of this point (ANJU_ECONFLICT
 * "label_other_point").  A point already checked in keeps its first visit.
 * *point_id receives the point.  Audited "patrol.visit". */
int patrol_visit(struct db *db, const struct caller *c, int64_t round_id,
		 const struct patrol_visit_in *in, const struct audit_actor *who, int64_t *point_id,
		 struct anju_err *e);

/* Saves one item's result at a checked-in point (ANJU_ECONFLICT
 * "not_checked_in" before), replacing an earlier one; not_fine is a
 * finding, which opens what the item's (or its severity's) action says
 * once, in this transaction.  Audited "patrol.result".  *result_id set. */
int patrol_result_save(struct db *db, const struct caller *c, int64_t round_id, int64_t point_id,
		       int64_t item_id, const char *outcome, const char *note,
		       const struct audit_actor *who, int64_t *result_id, struct anju_err *e);
/* The files owner lookup of a result (files.h): its community, if c sees it. */
int patrol_result_community(struct db *db, const struct caller *c, int64_t id,
			    int64_t *community_id, struct anju_err *e);
/* The findings (results not fine) of rounds c sees, newest first. */
int patrol_finding_list(struct db *db, const struct caller *c, int64_t community_id, int limit,
			int64_t after_id, json_t **items, int64_t *next, struct anju_err *e);

#endif
