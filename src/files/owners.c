/*
 * The owner registry (files.h): which records attachments hang on, how each
 * is found within a caller's scope, and who may add and remove them.  The
 * owning module decides visibility (its scope rules, a tenant's own
 * household); this file only names the function that knows.
 */
#include <stddef.h>
#include <string.h>

#include "access/role.h"
#include "files/files.h"
#include "household/household.h"
#include "housing/housing.h"
#include "rent/dunning.h"
#include "tenancy/lease.h"
#include "tenancy/handover.h"
#include "upkeep/violation.h"
#include "upkeep/patrol.h"
#include "upkeep/work_order.h"

/* The housing stock's documents and photos: the bureau, the operator's
 * people, and the inspectors who record what they find. */
#define HOUSING_WRITERS                                                                            \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_INSPECTOR))
/* A household's papers (ID cards, hukou, income): the bureau and the
 * operator's people who handle its file. */
#define HOUSEHOLD_WRITERS                                                                          \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))

/* A patrol result's photos: who patrols (patrol.h). */
#define PATROL_WRITERS                                                                             \
	(ROLE_BIT(ROLE_INSPECTOR) | ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_OPERATOR_MANAGER))

const struct files_owner files_owners[] = {
	{ "unit", "房屋", housing_unit_community, HOUSING_WRITERS },
	{ "asset", "设施设备", housing_asset_community, HOUSING_WRITERS },
	{ "acceptance_check", "分户核验", housing_check_community, HOUSING_WRITERS },
	{ "household", "住户", household_community, HOUSEHOLD_WRITERS },
	{ "handover", "交接清单", handover_community,
	  ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) },
	{ "lease", "租赁合同", lease_community, HOUSEHOLD_WRITERS },
	{ "dunning_case", "催缴案件", dunning_case_community,
	  ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) },
	{ "violation_case", "违规案件", violation_case_community, HOUSING_WRITERS,
	  .append_only = true },
	{ "renovation_request", "装修申请", renovation_community, HOUSEHOLD_WRITERS },
	{ "patrol_result", "巡查结果", patrol_result_community, PATROL_WRITERS },
	{ "work_order", "维修工单", work_order_community,
	  ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) },
	{ NULL },
};

const struct files_owner *
files_owner_find(const char *type)
{
	for (const struct files_owner *o = files_owners; type != NULL && o->type != NULL; o++)
		if (strcmp(o->type, type) == 0)
			return o;
	return NULL;
}

unsigned
files_owner_write_roles(void)
{
	unsigned roles = 0;

	for (const struct files_owner *o = files_owners; o->type != NULL; o++)
		roles |= o->write_roles;
	return roles;
}

int
files_owner_check(struct db *db, const struct caller *c, const char *type, int64_t id, bool write,
		  struct anju_err *e)
{
	const struct files_owner *o = files_owner_find(type);
	int64_t community = 0;
	int rc;

	if (o == NULL)
		return anju_fail(e, ANJU_EINVAL, "unknown_owner_type", "owner_type",
				 "不支持为此类记录添加附件");
	if (c == NULL || id <= 0)
		return anju_fail(e, ANJU_ENOTFOUND, "owner_not_found", "owner_id", "没有这个%s",
				 o->title);
	if ((rc = o->community(db, c, id, &community, e)) != 0)
		return rc;
	if (write && !(o->write_roles & ROLE_BIT(c->role)))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "当前角色（%s）不能添加或删除%s的附件", role_title(c->role),
				 o->title);
	return 0;
}
