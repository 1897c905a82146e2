/*
 * The actions that need a second person.  Each domain area adds its kinds
 * here (refunds, deposit deductions, eligibility decisions ... later).
 */
#include <string.h>

#include "access/account.h"
#include "access/scope.h"
#include "approval/approval.h"
#include "http/http.h"
#include "money/approvals.h"
#include "tenancy/application.h"
#include "store/db.h"
#include "tenancy/handover.h"

static const char *const business_roles[] = {
	"bureau", "operator_manager", "operator_staff", "finance", "inspector", "assessor", NULL,
};

static const struct field community_id = { "community", F_INT, true, 1, INT64_MAX };

static const struct field account_payload[] = {
	{ "username", F_STRING, true, 3, 32 },
	{ "display_name", F_STRING, false, 0, 64 },
	{ "role", F_ENUM, true, .enums = business_roles },
	{ "all_communities", F_BOOL, false },
	{ "communities", F_ARRAY, false, 0, 1000, .items = &community_id },
	{ NULL },
};

/* The account the payload describes (communities point into payload). */
static void
account_of(json_t *p, struct account_new *n, int64_t *ids, int max)
{
	json_t *a = json_object_get(p, "communities"), *v;
	size_t i;

	memset(n, 0, sizeof(*n));
	n->username = json_string_value(json_object_get(p, "username"));
	n->display_name = json_string_value(json_object_get(p, "display_name"));
	role_parse(json_string_value(json_object_get(p, "role")), &n->role);
	n->all_communities = json_is_true(json_object_get(p, "all_communities"));
	json_array_foreach (a, i, v)
		if ((int)i < max)
			ids[n->ncommunities++] = json_integer_value(v);
	n->communities = ids;
}

static int
check_account(struct db *db, json_t *payload, struct anju_err *e)
{
	struct account_new n;
	int64_t ids[1000], id = 0;
	int rc;

	account_of(payload, &n, ids, 1000);
	if ((rc = scope_validate(n.role, n.all_communities, n.ncommunities, e)) != 0)
		return rc;
	rc = account_find(db, n.username, &id, e);
	if (rc == 0)
		return anju_fail(e, ANJU_ECONFLICT, "username_taken", "username",
				 "用户名 %s 已被使用", n.username);
	anju_err_clear(e);
	return rc == ANJU_ENOTFOUND ? 0 : rc;
}

static int
create_account(struct db *db, json_t *payload, const struct audit_actor *approver, json_t **result,
	       json_t **shown_once, struct anju_err *e)
{
	struct account_new n;
	int64_t ids[1000], id = 0;
	int rc;

	account_of(payload, &n, ids, 1000);
	if ((rc = account_create(db, &n, approver, &id, e)) != 0)
		return rc;
	*result = json_pack("{s:I, s:s}", "account_id", (json_int_t)id, "username", n.username);
	*shown_once = json_pack("{s:s}", "initial_password", n.generated_password);
	explicit_bzero(n.generated_password, sizeof(n.generated_password));
	return 0;
}

/* 三权分立: the system administrator asks for an account, the security
 * administrator (who sets roles and scopes) approves it. */
static const struct approval_kind account_create_kind = {
	"account.create", "创建账号",    ROLE_BIT(ROLE_ADMIN), ROLE_BIT(ROLE_SECURITY),
	account_payload,  check_account, create_account,
};

const struct approval_kind *const approval_kinds[] = {
	&account_create_kind,          &money_charge_cancel_kind,
	&money_payment_reverse_kind,   &money_refund_kind,
	&money_ledger_close_kind,      &application_decide_kind,
	&handover_deposit_settle_kind, NULL,
};
