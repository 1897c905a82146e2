/*
 * The demo's rent standards (issue 7): one per community for every layout,
 * from the day the demo is loaded, so the leases the demo signs after its
 * lottery take their rent from a standard as every new lease must.  8 yuan
 * per m² of floor area a month, rounded half up, due on the 5th; low-income
 * households pay half, disabled households 70%, and households with at most
 * 800 yuan a person a month 60%.  Made by the demo's bureau account through
 * rent_standard_create(), as the bureau would in the console.
 */
#include <stdio.h>

#include "access/account.h"
#include "core/date.h"
#include "demo/demo.h"
#include "housing/housing.h"
#include "rent/billing.h"

static const char reductions[] =
	"[{\"code\":\"low_income_half\",\"name\":\"城镇中等偏下收入家庭减半\",\"kind\":"
	"\"category\",\"match\":\"low_income\",\"share_ppm\":500000},"
	"{\"code\":\"disabled\",\"name\":\"残疾人家庭按七成\",\"kind\":\"special_group\","
	"\"match\":\"disabled\",\"share_ppm\":700000},"
	"{\"code\":\"income_800\",\"name\":\"人均月收入 800 元以下按六成\",\"kind\":"
	"\"income_tier\",\"income_max_fen\":80000,\"share_ppm\":600000}]";

int
demo_rent_standards(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	char today[DATE_FMT_LEN], principal[32];
	struct caller bureau = { .kind = CALLER_ACCOUNT,
				 .role = ROLE_BUREAU,
				 .name = "bureau",
				 .all_communities = true };
	json_t *red = json_loads(reductions, 0, NULL);
	int64_t community, id;
	int rc = 0;

	date_format(date_today_shanghai(), today);
	if ((rc = account_find(db, "bureau", &bureau.id, e)) != 0)
		goto out;
	snprintf(principal, sizeof(principal), "account:%lld", (long long)bureau.id);
	bureau.principal = principal;
	for (int i = 0; i < DEMO_COMMUNITIES && rc == 0; i++) {
		struct rent_standard_in in = { .layout = RENT_LAYOUT_ANY,
					       .effective_from = today,
					       .mode = "per_m2",
					       .price_fen_m2 = 800,
					       .rounding = "half_up",
					       .due_day = RENT_DUE_DAY_DEFAULT,
					       .reductions = red,
					       .note = "试点租金标准（演示数据）" };

		if ((rc = community_find(db, demo_community_names[i], &community, e)) != 0)
			break;
		in.community_id = community;
		rc = rent_standard_create(db, &bureau, &in, who, &id, e);
	}
out:
	json_decref(red);
	return rc;
}
