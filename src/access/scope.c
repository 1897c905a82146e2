/*
 * Scope grants and the scope condition.  See scope.h.
 */
#include "access/scope.h"

#include "store/db.h"

int
scope_bind(struct db_stmt *st, int i, const struct caller *c)
{
	bool scoped = c != NULL && role_scoped(c->role) && c->role != ROLE_TENANT;

	db_bind_int64(st, i, scoped && c->all_communities ? 1 : 0);
	db_bind_cstr(st, i + 1, scoped ? c->principal : "");
	return i + 2;
}

int
scope_set(struct db *db, const char *principal, const int64_t *ids, int n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "DELETE FROM scope_grant WHERE principal = ?", &st)) != 0)
		goto fail;
	db_bind_cstr(st, 1, principal);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		goto fail;
	for (int k = 0; k < n; k++) {
		rc = db_prepare(db,
				"INSERT INTO scope_grant (principal, community_id) VALUES (?, ?)"
				" ON CONFLICT (principal, community_id) DO NOTHING",
				&st);
		if (rc != 0)
			goto fail;
		db_bind_cstr(st, 1, principal);
		db_bind_int64(st, 2, ids[k]);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	return anju_fail(e, ANJU_EDB, NULL, NULL, "scope: %s", db_errmsg(db));
}

int
scope_json(struct db *db, const char *principal, bool all, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *ids = json_array();
	int rc;

	rc = db_prepare(db,
			"SELECT community_id FROM scope_grant WHERE principal = ?"
			" ORDER BY community_id",
			&st);
	if (rc != 0) {
		json_decref(ids);
		return anju_fail(e, ANJU_EDB, NULL, NULL, "scope: %s", db_errmsg(db));
	}
	db_bind_cstr(st, 1, principal);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int64(st, 0)));
	db_reset(st);
	if (rc < 0) {
		json_decref(ids);
		return anju_fail(e, ANJU_EDB, NULL, NULL, "scope: %s", db_errmsg(db));
	}
	*out = json_pack("{s:b, s:o}", "all", all, "communities", ids);
	return 0;
}

int
scope_validate(enum role role, bool all, int n, struct anju_err *e)
{
	if (!role_scoped(role) || role == ROLE_TENANT) {
		if (all || n > 0)
			return anju_fail(e, ANJU_EINVAL, "scope_not_allowed", "communities",
					 "%s 角色不按小区授权", role_title(role));
		return 0;
	}
	if (role_needs_set(role) && all)
		return anju_fail(e, ANJU_EINVAL, "scope_must_be_set", "communities",
				 "%s 只能授权具体小区，不能授权全部", role_title(role));
	if (!all && n == 0)
		return anju_fail(e, ANJU_EINVAL, "scope_required", "communities",
				 "%s 需要授权小区范围", role_title(role));
	return 0;
}
