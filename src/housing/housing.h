/*
 * The housing stock (一房一档): owners, operators and their purchase
 * agreements, communities, buildings, units, assets and acceptance checks.
 * This module owns those tables (sql/005_housing.sql); other modules call
 * these functions, never its SQL.
 *
 * Every function that changes something runs inside the caller's write
 * transaction and records the change with audit_write() as its last
 * statements; who is the audit actor.  Reads that take a caller apply its
 * scope (access/scope.h): outside it a row is not found (ANJU_ENOTFOUND).
 *
 * A unit's status changes only through the operations below (acceptance,
 * repair, disable) and, from the tenancy issue on, through unit_transition();
 * each change is an audit row "unit.status" with the old and new status and
 * the reason.
 */
#ifndef ANJU_HOUSING_HOUSING_H
#define ANJU_HOUSING_HOUSING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

enum unit_status {
	UNIT_PENDING_ACCEPTANCE,
	UNIT_VACANT,
	UNIT_ALLOCATED,
	UNIT_OCCUPIED,
	UNIT_UNDER_REPAIR,
	UNIT_DISABLED,
	UNIT_STATUS_COUNT,
};

/* "pending_acceptance" ...; NULL for a bad value. */
const char *unit_status_name(enum unit_status s);
/* 待核验, 空置, 已分配, 已入住, 维修中, 停用. */
const char *unit_status_title(enum unit_status s);
/* 0 or -1. */
int unit_status_parse(const char *name, enum unit_status *out);

/* An owner (产权单位) or operator (承接主体).  credit_code per GB 32100. */
struct party_in {
	const char *name;
	const char *credit_code;
	const char *contact; /* may be NULL */
};
/* 0, ANJU_EINVAL (field name), ANJU_EUNPROCESSABLE (field credit_code: not
 * a valid GB 32100 code, a 422 like an invalid ID number), ANJU_ECONFLICT
 * ("credit_code_taken"). */
int owner_create(struct db *db, const struct party_in *in, const struct audit_actor *who,
		 int64_t *id, struct anju_err *e);
int operator_create(struct db *db, const struct party_in *in, const struct audit_actor *who,
		    int64_t *id, struct anju_err *e);

/* A service item (name, standard) or a breach clause (name, standard = the
 * condition, deduction_fen when the clause fixes an amount, else -1). */
struct agreement_item_in {
	const char *name;
	const char *standard;
	int64_t deduction_fen;
};

struct agreement_in {
	const char *code; /* the contract's number, unique */
	int64_t operator_id;
	int64_t owner_id;                /* 0: none */
	const char *starts_on, *ends_on; /* YYYY-MM-DD, starts_on <= ends_on */
	int64_t annual_fee_fen;          /* >= 0 */
	const char *assessment_rules;    /* a reference; may be NULL */
	const struct agreement_item_in *services;
	int nservices;
	const struct agreement_item_in *breaches;
	int nbreaches;
};
int agreement_create(struct db *db, const struct agreement_in *in, const struct audit_actor *who,
		     int64_t *id, struct anju_err *e);

struct community_in {
	const char *name; /* unique */
	const char *address, *district;
	int64_t owner_id, operator_id, agreement_id; /* 0: none */
};
int community_create(struct db *db, const struct community_in *in, const struct audit_actor *who,
		     int64_t *id, struct anju_err *e);
/* The community's id by its name: 0 or ANJU_ENOTFOUND (no scope: for the
 * command line, imports and the demo). */
int community_find(struct db *db, const char *name, int64_t *id, struct anju_err *e);

struct building_in {
	int64_t community_id;
	const char *name; /* unique in its community */
	int floors;       /* 1..200 */
	int entrances;    /* 1..50 */
	bool has_lift;
};
int building_create(struct db *db, const struct building_in *in, const struct audit_actor *who,
		    int64_t *id, struct anju_err *e);
/* The building's id by community and name: 0 or ANJU_ENOTFOUND. */
int building_find(struct db *db, int64_t community_id, const char *name, int64_t *id,
		  struct anju_err *e);

/* A unit.  Its community is its building's. */
struct unit_in {
	int64_t building_id;
	int entrance;                    /* 1..the building's entrances */
	int floor;                       /* -5..the building's floors, not 0 */
	const char *number;              /* "3-2-1502", unique in the community, at most 32 bytes */
	const char *layout;              /* 一室一厅 ...; may be NULL */
	int64_t floor_area, usable_area; /* hundredths of m², 0 < usable <= floor <= 100000 */
	const char *orientation;         /* 南北, 东, ...; may be NULL */
};
/* Checks what can be checked without the database (lengths, ranges, areas):
 * 0 or ANJU_EINVAL with the field.  unit_create() calls it too; imports call
 * it first for every row. */
int unit_validate(const struct unit_in *in, struct anju_err *e);
/* Creates a unit in status pending_acceptance.  0, ANJU_EINVAL (field),
 * ANJU_ENOTFOUND ("building_not_found", field building_id), ANJU_ECONFLICT
 * ("unit_number_taken", field number). */
int unit_create(struct db *db, const struct unit_in *in, const struct audit_actor *who, int64_t *id,
		struct anju_err *e);
/* The unit's id by community and number: 0 or ANJU_ENOTFOUND. */
int unit_find(struct db *db, int64_t community_id, const char *number, int64_t *id,
	      struct anju_err *e);

/* A place in the housing stock: a unit ("unit", unit_id), a common part
 * ("building" with building_id, "entrance" with building_id and entrance,
 * "community": the community's grounds, community_id), or, where the caller
 * allows it, an asset ("asset", asset_id).  place names the spot in a common
 * part ("2单元电梯"); may be NULL.  Assets, patrol points and work orders
 * are placed so. */
struct housing_place {
	const char *location;
	int64_t community_id, building_id, unit_id, asset_id;
	int entrance;
	const char *place;
};
/* Checks p's location and the record it names, and fills in what follows
 * from it: the community (and the building and entrance of a unit or an
 * asset; an asset's unit).  Ids the location does not use are set to 0.
 * allow_asset: whether "asset" is a valid location here.  0, ANJU_EINVAL
 * (field "location", or "entrance" out of the building's range),
 * ANJU_ENOTFOUND (field unit_id, building_id, community_id or asset_id).
 * Scope is the caller's to check on the community. */
int housing_place_resolve(struct db *db, struct housing_place *p, bool allow_asset,
			  struct anju_err *e);
/* p as JSON: location, community_id, building_id, entrance, unit_id,
 * asset_id (null when unused), place. */
json_t *housing_place_json(const struct housing_place *p);

/* An asset (设施设备) in a unit or a common part (housing_place, never
 * "asset").  condition: good, fair, poor, broken. */
struct asset_in {
	int64_t community_id; /* ignored for a unit's or building's asset: taken from it */
	const char *location;
	int64_t building_id, unit_id;
	int entrance;
	const char *place; /* may be NULL */
	const char *type, *brand, *model;
	int quantity; /* 1..10000 */
	const char *condition;
	const char *warranty_end; /* YYYY-MM-DD or NULL */
};
int asset_create(struct db *db, const struct asset_in *in, const struct audit_actor *who,
		 int64_t *id, struct anju_err *e);

/* One line of an acceptance check: a room, what was looked at (or one of the
 * unit's assets, asset_id > 0), its condition and notes. */
struct acceptance_item_in {
	const char *room, *item;
	int64_t asset_id;
	const char *condition; /* good, fair, poor, broken */
	const char *notes;     /* may be NULL */
};
/* Opens the unit's acceptance check (分户核验) as a draft with its items; a
 * unit has one.  0, ANJU_EINVAL, ANJU_ENOTFOUND, ANJU_ECONFLICT
 * ("acceptance_exists"; "unit_status" unless pending_acceptance). */
int acceptance_open(struct db *db, int64_t unit_id, const struct acceptance_item_in *items, int n,
		    const char *notes, const struct audit_actor *who, int64_t *id,
		    struct anju_err *e);
/* Operator staff sign the draft off (draft → signed). */
int acceptance_sign(struct db *db, int64_t check_id, const struct audit_actor *who,
		    struct anju_err *e);
/* The bureau confirms a signed check (→ confirmed), and the unit becomes
 * vacant; or returns it to draft with a note. */
int acceptance_confirm(struct db *db, int64_t check_id, const struct audit_actor *who,
		       struct anju_err *e);
int acceptance_return(struct db *db, int64_t check_id, const char *note,
		      const struct audit_actor *who, struct anju_err *e);

/* For the tenancy issue's domain operations (allocation, move-in, move-out):
 * moves a unit from status from to status to, recording reason.  0,
 * ANJU_ENOTFOUND, ANJU_ECONFLICT ("unit_status", the message names the
 * current status) when it is not in from. */
int unit_transition(struct db *db, int64_t unit_id, enum unit_status from, enum unit_status to,
		    const char *reason, const struct audit_actor *who, struct anju_err *e);

/* The community of a unit, asset or acceptance check the caller may see:
 * 0, or ANJU_ENOTFOUND ("unit_not_found" ...) when it does not exist or is
 * outside the caller's scope.  The files module decides attachments' access
 * with these. */
int housing_unit_community(struct db *db, const struct caller *c, int64_t unit_id,
			   int64_t *community_id, struct anju_err *e);
int housing_asset_community(struct db *db, const struct caller *c, int64_t asset_id,
			    int64_t *community_id, struct anju_err *e);
int housing_check_community(struct db *db, const struct caller *c, int64_t check_id,
			    int64_t *community_id, struct anju_err *e);
/* Whether the caller may see the community: 0 or ANJU_ENOTFOUND. */
int housing_community_visible(struct db *db, const struct caller *c, int64_t community_id,
			      struct anju_err *e);

/* A unit as the API shows it (the Unit schema), new reference. */
typedef int (*housing_row_fn)(void *ud, json_t *row);
/* Calls fn for every unit the caller may see (community_id 0: every
 * community in scope), in id order, with the Unit JSON (lent for the call).
 * Stops at fn's first non-zero return, which it returns.  For exports. */
int unit_each(struct db *db, const struct caller *c, int64_t community_id, housing_row_fn fn,
	      void *ud, struct anju_err *e);

struct jw;

/* Units whose number starts with prefix (at most limit, at most 200), in
 * the caller's scope, for the search box: written to w as an array of Unit
 * objects (an empty array for an empty or too long prefix).  On an error
 * the array is left open; the caller discards w's text. */
int unit_search_number(struct db *db, const struct caller *c, const char *prefix, int limit,
		       struct jw *w, struct anju_err *e);

/*
 * Reads for the API and the further operations of the console.  Lists are
 * keyset pages in id order: rows after after_id (0: from the start), at most
 * limit (1..200), *items a new array, *next the last id when more follow.
 * Reads that take a caller apply its scope; the JSON is the API's schema of
 * the same name (Owner, Agreement, Community, Building, Unit, Asset,
 * AcceptanceCheck), new references.
 */
#define HOUSING_PAGE_MAX 200

/* Owners, operators and agreements are not community rows: no scope. */
int owner_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
	       struct anju_err *e);
int operator_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
		  struct anju_err *e);
int agreement_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
		   struct anju_err *e);
/* An agreement with its services[] and breaches[]: 0 or ANJU_ENOTFOUND. */
int agreement_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);

/* Communities in scope, each with its units counted per status and the
 * occupancy ((allocated + occupied) per mille of all units). */
int community_list(struct db *db, const struct caller *c, int64_t after_id, int limit,
		   json_t **items, int64_t *next, struct anju_err *e);
/* Communities' ids and names only ({id, name}), for pickers: every
 * community for the roles that assign scopes (admin, security), those in
 * scope for the others.  Paged like community_list. */
int community_names(struct db *db, const struct caller *c, int64_t after_id, int limit,
		    json_t **items, int64_t *next, struct anju_err *e);
/* One community as in the list, with its buildings[]: 0 or ANJU_ENOTFOUND. */
int community_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e);

/* Buildings in scope (community_id 0: every community), each with its
 * number of units. */
int building_list(struct db *db, const struct caller *c, int64_t community_id, int64_t after_id,
		  int limit, json_t **items, int64_t *next, struct anju_err *e);
/* One building as in the list: 0 or ANJU_ENOTFOUND. */
int building_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e);
/* The 楼盘表: {building, entrances: [{entrance, columns}], floors: [{floor,
 * units: [{id, number, entrance, column, floor, layout, floor_area,
 * status}]}]}, floors top first, units by entrance then number; column is
 * the unit's place among its floor's units of the same entrance, columns the
 * widest floor of that entrance.  0 or ANJU_ENOTFOUND. */
int building_grid(struct db *db, const struct caller *c, int64_t building_id, json_t **out,
		  struct anju_err *e);
/* The community of a building the caller may see: 0 or ANJU_ENOTFOUND. */
int housing_building_community(struct db *db, const struct caller *c, int64_t building_id,
			       int64_t *community_id, struct anju_err *e);

/* 0 members do not filter; status NULL neither. */
struct unit_filter {
	int64_t community_id, building_id;
	const char *status;
	int64_t after_id;
	int limit;
};
int unit_list(struct db *db, const struct caller *c, const struct unit_filter *f, json_t **items,
	      int64_t *next, struct anju_err *e);
/* One indexed lookup: 0 or ANJU_ENOTFOUND ("unit_not_found"). */
int unit_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);
/* The same Unit written into w (core/jsonw.h), without a jansson tree: the
 * reply of GET /units/{id}. */
int unit_write(struct db *db, const struct caller *c, int64_t id, struct jw *w, struct anju_err *e);

/* What PATCH may change: NULL and 0 members stay as they are.  Never the
 * status. */
struct unit_patch {
	const char *layout, *orientation;
	int64_t floor_area, usable_area;
};
/* 0, ANJU_EINVAL (field), ANJU_ENOTFOUND; audit "unit.update" with what
 * changed. */
int unit_update(struct db *db, int64_t id, const struct unit_patch *p,
		const struct audit_actor *who, struct anju_err *e);

/* The repair flag: vacant → under_repair, and back to the status it had.
 * The reason is required (ANJU_EINVAL field reason); ANJU_ECONFLICT
 * ("unit_status") from any other status. */
int unit_repair(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		struct anju_err *e);
int unit_repair_done(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		     struct anju_err *e);
/* Disabling (停用) from any status but allocated and occupied; enabling
 * returns the unit to the status it had.  Same errors. */
int unit_disable(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		 struct anju_err *e);
int unit_enable(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		struct anju_err *e);

struct asset_filter {
	int64_t community_id, building_id, unit_id;
	int64_t after_id;
	int limit;
};
int asset_list(struct db *db, const struct caller *c, const struct asset_filter *f, json_t **items,
	       int64_t *next, struct anju_err *e);
int asset_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);
/* NULL members and quantity 0 stay as they are; clear_warranty empties
 * warranty_end.  0, ANJU_EINVAL, ANJU_ENOTFOUND; audit "asset.update". */
struct asset_patch {
	const char *place, *brand, *model, *condition, *warranty_end;
	int quantity;
	bool clear_warranty;
};
int asset_update(struct db *db, int64_t id, const struct asset_patch *p,
		 const struct audit_actor *who, struct anju_err *e);

/* state NULL: every state. */
struct acceptance_filter {
	int64_t community_id;
	const char *state;
	int64_t after_id;
	int limit;
};
int acceptance_list(struct db *db, const struct caller *c, const struct acceptance_filter *f,
		    json_t **items, int64_t *next, struct anju_err *e);
/* A check with its items[]: 0 or ANJU_ENOTFOUND ("acceptance_not_found"). */
int acceptance_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e);

/* The unit dossier (一房一档): {unit, building, community: {id, name},
 * assets, acceptance (check with items, or null), attachments, timeline},
 * the timeline from every source about the unit, its assets and its check,
 * newest first, at most timeline_limit.  0 or ANJU_ENOTFOUND. */
int unit_dossier(struct db *db, const struct caller *c, int64_t id, int timeline_limit,
		 json_t **out, struct anju_err *e);

#endif
