/*
 * Role names and properties.  See role.h.
 */
#include "access/role.h"

#include <string.h>

static const struct {
	const char *name, *title;
	bool scoped, needs_set;
} roles[ROLE_COUNT] = {
	[ROLE_ADMIN] = { "admin", "系统管理员", false, false },
	[ROLE_SECURITY] = { "security", "安全管理员", false, false },
	[ROLE_AUDITOR] = { "auditor", "审计员", false, false },
	[ROLE_BUREAU] = { "bureau", "住房保障部门", true, false },
	[ROLE_OPERATOR_MANAGER] = { "operator_manager", "运营主管", true, true },
	[ROLE_OPERATOR_STAFF] = { "operator_staff", "运营人员", true, true },
	[ROLE_FINANCE] = { "finance", "财务人员", true, false },
	[ROLE_INSPECTOR] = { "inspector", "巡查人员", true, true },
	[ROLE_ASSESSOR] = { "assessor", "第三方评估", true, false },
	[ROLE_TENANT] = { "tenant", "承租人", true, false },
};

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].name : NULL;
}

const char *
role_title(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].title : NULL;
}

int
role_parse(const char *name, enum role *out)
{
	for (int i = 0; name != NULL && i < ROLE_COUNT; i++) {
		if (strcmp(roles[i].name, name) == 0) {
			*out = (enum role)i;
			return 0;
		}
	}
	return -1;
}

bool
role_scoped(enum role r)
{
	return (unsigned)r < ROLE_COUNT && roles[r].scoped;
}

bool
role_needs_set(enum role r)
{
	return (unsigned)r < ROLE_COUNT && roles[r].needs_set;
}
