/*
 * Communities (小区) and their buildings (楼栋), with the counts a list of
 * communities shows (units per status, occupancy) and the building grid
 * (楼盘表).  See housing.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/scope.h"
#include "core/date.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "housing/housing_int.h"
#include "store/db.h"
#include "store/page.h"

#define FLOORS_MAX    200
#define ENTRANCES_MAX 50
#define BASEMENT_MIN  (-5)

/* Whether a row exists: 0, ANJU_ENOTFOUND (what, field) or a storage error. */
static int
row_exists(struct db *db, const char *sql, int64_t id, const char *what, const char *field,
	   struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, what, field);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
community_create(struct db *db, const struct community_in *in, const struct audit_actor *who,
		 int64_t *id, struct anju_err *e)
{
	const int64_t refs[3] = { in->owner_id, in->operator_id, in->agreement_id };
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *after;
	int rc;

	if ((rc = housing_text_ok(in->name, "name", "小区名称", 100, true, false, e)) != 0 ||
	    (rc = housing_text_ok(in->address, "address", "地址", 200, false, false, e)) != 0 ||
	    (rc = housing_text_ok(in->district, "district", "所在区", 50, false, false, e)) != 0)
		return rc;
	if ((in->owner_id != 0 && (rc = row_exists(db, "SELECT id FROM owner WHERE id = ?",
						   in->owner_id, "owner", "owner_id", e)) != 0) ||
	    (in->operator_id != 0 &&
	     (rc = row_exists(db, "SELECT id FROM operator WHERE id = ?", in->operator_id,
			      "operator", "operator_id", e)) != 0) ||
	    (in->agreement_id != 0 &&
	     (rc = row_exists(db, "SELECT id FROM agreement WHERE id = ?", in->agreement_id,
			      "agreement", "agreement_id", e)) != 0))
		return rc;
	if ((rc = db_prepare(db, "SELECT id FROM community WHERE name = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->name);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "community_name_taken", "name",
				 "已有同名的小区");
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO community (name, address, district, owner_id, operator_id,"
			" agreement_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->name);
	db_bind_cstr(st, 2, in->address ? in->address : "");
	db_bind_cstr(st, 3, in->district ? in->district : "");
	for (int i = 0; i < 3; i++) {
		if (refs[i] != 0)
			db_bind_int64(st, 4 + i, refs[i]);
		else
			db_bind_null(st, 4 + i);
	}
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:o}", "name", in->name, "address",
		in->address ? in->address : "", "district", in->district ? in->district : "",
		"owner_id", in->owner_id ? json_integer(in->owner_id) : json_null(), "operator_id",
		in->operator_id ? json_integer(in->operator_id) : json_null(), "agreement_id",
		in->agreement_id ? json_integer(in->agreement_id) : json_null());
	rc = housing_audit(db, who, "community.create", "community", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

/* The id of the only row of a lookup by text: 0, ANJU_ENOTFOUND or a
 * storage error. */
static int
find_id(struct db *db, const char *sql, int64_t scope_id, const char *name, const char *what,
	int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i = 1;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return db_fail(db, rc, e);
	if (scope_id != 0)
		db_bind_int64(st, i++, scope_id);
	db_bind_cstr(st, i, name ? name : "");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, what, NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
community_find(struct db *db, const char *name, int64_t *id, struct anju_err *e)
{
	return find_id(db, "SELECT id FROM community WHERE name = ?", 0, name, "community", id, e);
}

int
housing_community_visible(struct db *db, const struct caller *c, int64_t community_id,
			  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT id FROM community WHERE id = ? AND " SCOPE_SQL("id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "community", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

#define COMMUNITY_SELECT                                                                           \
	"SELECT c.id, c.name, c.address, c.district, c.owner_id, o.name, c.operator_id, p.name,"   \
	" c.agreement_id, c.created_at, c.updated_at FROM community c"                             \
	" LEFT JOIN owner o ON o.id = c.owner_id LEFT JOIN operator p ON p.id = c.operator_id"

static json_t *
unit_counts(void)
{
	json_t *u = json_object();

	json_object_set_new(u, "total", json_integer(0));
	for (int s = 0; s < UNIT_STATUS_COUNT; s++)
		json_object_set_new(u, unit_status_name((enum unit_status)s), json_integer(0));
	return u;
}

static json_t *
community_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:i}", "id",
			 (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1), "address",
			 db_col_text(st, 2), "district", db_col_text(st, 3), "owner_id",
			 housing_col_int(st, 4), "owner_name", housing_col_text(st, 5),
			 "operator_id", housing_col_int(st, 6), "operator_name",
			 housing_col_text(st, 7), "agreement_id", housing_col_int(st, 8),
			 "created_at", db_col_text(st, 9), "updated_at", db_col_text(st, 10),
			 "units", unit_counts(), "occupancy_permille", 0);
}

/* Adds count units of status to a community's counts and its occupancy. */
static void
add_count(json_t *community, const char *status, int64_t count)
{
	json_t *u = json_object_get(community, "units");
	int64_t total, taken;

	if (json_object_get(u, status) == NULL)
		return;
	json_object_set_new(u, status,
			    json_integer(json_integer_value(json_object_get(u, status)) + count));
	total = json_integer_value(json_object_get(u, "total")) + count;
	json_object_set_new(u, "total", json_integer(total));
	taken = json_integer_value(json_object_get(u, "allocated")) +
		json_integer_value(json_object_get(u, "occupied"));
	json_object_set_new(community, "occupancy_permille",
			    json_integer(total > 0 ? taken * 1000 / total : 0));
}

static int
by_id(const void *key, const void *item)
{
	int64_t k = *(const int64_t *)key;
	int64_t v = json_integer_value(json_object_get(*(json_t *const *)item, "id"));

	return k < v ? -1 : k > v;
}

/* Counts the units of the communities in items (ascending ids) per status,
 * in one grouped query over the id range the page covers. */
static int
count_units(struct db *db, json_t *items, struct anju_err *e)
{
	size_t n = json_array_size(items);
	struct db_stmt *st;
	json_t **v;
	int rc;

	if (n == 0)
		return 0;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(items, i);
	rc = db_prepare(db,
			"SELECT community_id, status, COUNT(*) FROM unit WHERE community_id >= ?"
			" AND community_id <= ? GROUP BY community_id, status",
			&st);
	if (rc != 0) {
		free(v);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, json_integer_value(json_object_get(v[0], "id")));
	db_bind_int64(st, 2, json_integer_value(json_object_get(v[n - 1], "id")));
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t cid = db_col_int64(st, 0);
		json_t **c = bsearch(&cid, v, n, sizeof(*v), by_id);

		if (c != NULL)
			add_count(*c, db_col_text(st, 1), db_col_int64(st, 2));
	}
	db_reset(st);
	free(v);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
community_list(struct db *db, const struct caller *c, int64_t after_id, int limit, json_t **items,
	       int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			COMMUNITY_SELECT
			" WHERE c.id > ? AND " SCOPE_SQL("c.id") " ORDER BY c.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	scope_bind(st, 2, c);
	db_bind_int64(st, 4, limit + 1);
	if ((rc = page_collect(st, limit, community_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	if ((rc = count_units(db, *items, e)) != 0) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

static json_t *
name_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s}", "id", (json_int_t)db_col_int64(st, 0), "name",
			 db_col_text(st, 1));
}

int
community_names(struct db *db, const struct caller *c, int64_t after_id, int limit, json_t **items,
		int64_t *next, struct anju_err *e)
{
	/* Who grants scopes must name every community; they see nothing else of it. */
	bool every = c->role == ROLE_ADMIN || c->role == ROLE_SECURITY;
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT c.id, c.name FROM community c WHERE c.id > ? AND (? = 1 OR " SCOPE_SQL(
			"c.id") ") ORDER BY c.id LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, every);
	scope_bind(st, 3, c);
	db_bind_int64(st, 5, limit + 1);
	if ((rc = page_collect(st, limit, name_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
community_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items = NULL, *buildings = NULL;
	int64_t next = 0;
	int rc;

	rc = db_prepare(db, COMMUNITY_SELECT " WHERE c.id = ? AND " SCOPE_SQL("c.id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = page_collect(st, 1, community_row, NULL, &items, &next)) != 0)
		return db_fail(db, rc, e);
	if (json_array_size(items) == 0) {
		json_decref(items);
		return housing_not_found(e, "community", NULL);
	}
	if ((rc = count_units(db, items, e)) != 0)
		goto out;
	/* A community has tens of buildings, a province's largest a few hundred. */
	if ((rc = building_list(db, c, id, 0, HOUSING_PAGE_MAX, &buildings, &next, e)) != 0)
		goto out;
	*out = json_incref(json_array_get(items, 0));
	json_object_set_new(*out, "buildings", buildings);
out:
	json_decref(items);
	return rc;
}

int
building_create(struct db *db, const struct building_in *in, const struct audit_actor *who,
		int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *after;
	int rc;

	if ((rc = housing_text_ok(in->name, "name", "楼栋名称", 32, true, false, e)) != 0)
		return rc;
	if (in->floors < 1 || in->floors > FLOORS_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "floors",
				 "楼层数应在 1 到 %d 之间", FLOORS_MAX);
	if (in->entrances < 1 || in->entrances > ENTRANCES_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "entrances",
				 "单元数应在 1 到 %d 之间", ENTRANCES_MAX);
	if ((rc = row_exists(db, "SELECT id FROM community WHERE id = ?", in->community_id,
			     "community", "community_id", e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT id FROM building WHERE community_id = ? AND name = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->community_id);
	db_bind_cstr(st, 2, in->name);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "building_name_taken", "name",
				 "该小区已有同名的楼栋");
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO building (community_id, name, floors, entrances, has_lift,"
			" created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->community_id);
	db_bind_cstr(st, 2, in->name);
	db_bind_int64(st, 3, in->floors);
	db_bind_int64(st, 4, in->entrances);
	db_bind_int64(st, 5, in->has_lift ? 1 : 0);
	db_bind_cstr(st, 6, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	after = json_pack("{s:I, s:s, s:i, s:i, s:b}", "community_id", (json_int_t)in->community_id,
			  "name", in->name, "floors", in->floors, "entrances", in->entrances,
			  "has_lift", in->has_lift);
	rc = housing_audit(db, who, "building.create", "building", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

int
building_find(struct db *db, int64_t community_id, const char *name, int64_t *id,
	      struct anju_err *e)
{
	return find_id(db, "SELECT id FROM building WHERE community_id = ? AND name = ?",
		       community_id, name, "building", id, e);
}

int
housing_building_community(struct db *db, const struct caller *c, int64_t building_id,
			   int64_t *community_id, struct anju_err *e)
{
	return housing_scoped_community(db, c, HOUSING_COMMUNITY_OF("building"), building_id,
					"building", community_id, e);
}

#define BUILDING_SELECT                                                                            \
	"SELECT b.id, b.community_id, c.name, b.name, b.floors, b.entrances, b.has_lift,"          \
	" b.created_at, (SELECT COUNT(*) FROM unit u WHERE u.building_id = b.id)"                  \
	" FROM building b JOIN community c ON c.id = b.community_id"

static json_t *
building_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:b, s:s, s:I}", "id",
			 (json_int_t)db_col_int64(st, 0), "community_id",
			 (json_int_t)db_col_int64(st, 1), "community_name", db_col_text(st, 2),
			 "name", db_col_text(st, 3), "floors", (json_int_t)db_col_int64(st, 4),
			 "entrances", (json_int_t)db_col_int64(st, 5), "has_lift",
			 db_col_int64(st, 6) != 0, "created_at", db_col_text(st, 7), "units",
			 (json_int_t)db_col_int64(st, 8));
}

int
building_list(struct db *db, const struct caller *c, int64_t community_id, int64_t after_id,
	      int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i = 1;

	if (community_id != 0)
		rc = db_prepare(db,
				BUILDING_SELECT
				" WHERE b.community_id = ? AND b.id > ? AND " SCOPE_SQL(
					"b.community_id") " ORDER BY b.id LIMIT ?",
				&st);
	else
		rc = db_prepare(db,
				BUILDING_SELECT " WHERE b.id > ? AND " SCOPE_SQL(
					"b.community_id") " ORDER BY b.id LIMIT ?",
				&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if (community_id != 0)
		db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, after_id);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, limit + 1);
	if ((rc = page_collect(st, limit, building_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
building_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, BUILDING_SELECT " WHERE b.id = ? AND " SCOPE_SQL("b.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = building_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return housing_not_found(e, "building", NULL);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The grid's rows as they are built: floors top first, each with the count
 * of units per entrance so far. */
struct grid {
	json_t *floors;
	json_t *cur;   /* the floor being filled, lent from floors */
	int cur_floor; /* its number */
	int next;      /* the next floor to emit, going down */
	int per_entrance[ENTRANCES_MAX + 1];
	int widest[ENTRANCES_MAX + 1];
};

static void
grid_floor(struct grid *g, int floor)
{
	json_t *f = json_pack("{s:i, s:[]}", "floor", floor, "units");

	json_array_append_new(g->floors, f);
	g->cur = f;
	g->cur_floor = floor;
	memset(g->per_entrance, 0, sizeof(g->per_entrance));
}

/* Emits the floors above floor that have no units yet, then floor itself. */
static void
grid_down_to(struct grid *g, int floor)
{
	for (; g->next > floor; g->next--)
		if (g->next != 0)
			grid_floor(g, g->next);
	if (g->cur == NULL || g->cur_floor != floor)
		grid_floor(g, floor);
	g->next = floor - 1;
}

int
building_grid(struct db *db, const struct caller *c, int64_t building_id, json_t **out,
	      struct anju_err *e)
{
	struct grid g = { 0 };
	struct db_stmt *st;
	json_t *b = NULL, *entrances;
	int rc, nentr;

	if ((rc = building_get(db, c, building_id, &b, e)) != 0)
		return rc;
	nentr = (int)json_integer_value(json_object_get(b, "entrances"));
	g.floors = json_array();
	g.next = (int)json_integer_value(json_object_get(b, "floors"));
	rc = db_prepare(db,
			"SELECT id, number, entrance, floor, layout, floor_area, status FROM unit"
			" WHERE building_id = ? ORDER BY floor DESC, entrance, number",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, building_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int entrance = (int)db_col_int64(st, 2), floor = (int)db_col_int64(st, 3), col;

		if (g.cur == NULL && floor > g.next)
			g.next = floor;
		grid_down_to(&g, floor);
		if (entrance < 1 || entrance > ENTRANCES_MAX)
			entrance = 0;
		col = g.per_entrance[entrance]++;
		if (g.per_entrance[entrance] > g.widest[entrance])
			g.widest[entrance] = g.per_entrance[entrance];
		json_array_append_new(
			json_object_get(g.cur, "units"),
			json_pack("{s:I, s:s, s:I, s:i, s:I, s:s, s:I, s:s}", "id",
				  (json_int_t)db_col_int64(st, 0), "number", db_col_text(st, 1),
				  "entrance", (json_int_t)db_col_int64(st, 2), "column", col,
				  "floor", (json_int_t)floor, "layout", db_col_text(st, 4),
				  "floor_area", (json_int_t)db_col_int64(st, 5), "status",
				  db_col_text(st, 6)));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	/* The floors below the lowest unit, down to the ground floor. */
	if (g.next >= 1)
		grid_down_to(&g, 1);
	entrances = json_array();
	for (int i = 1; i <= nentr && i <= ENTRANCES_MAX; i++)
		json_array_append_new(
			entrances, json_pack("{s:i, s:i}", "entrance", i, "columns", g.widest[i]));
	*out = json_pack("{s:O, s:o, s:O}", "building", b, "entrances", entrances, "floors",
			 g.floors);
	rc = 0;
out:
	json_decref(g.floors);
	json_decref(b);
	return rc;
}
