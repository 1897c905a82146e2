/*
 * The deposit settlement's approval kind ("deposit.settle", listed in
 * src/approval/kinds.c): asked for by the operator's people or finance when
 * a move-out is completed; decided by finance or the bureau, never by the
 * one who asked.  The payload carries the figures the approver sees; the
 * settlement runs in the decision's transaction (deposit.c).
 */
#include "approval/approval.h"
#include "http/http.h"
#include "money/money.h"
#include "tenancy/handover.h"

static const char *const channels[] = { "cash", "bank_transfer", NULL };

static const struct field settle_payload[] = {
	{ "settlement_id", F_INT, true, 1, INT64_MAX },
	{ "handover_id", F_INT, true, 1, INT64_MAX },
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "deposit_fen", F_INT, true, 0, MONEY_AMOUNT_MAX },
	{ "deductions_fen", F_INT, true, 0, MONEY_AMOUNT_MAX },
	{ "open_fen", F_INT, true, INT64_MIN, INT64_MAX },
	{ "credit_fen", F_INT, true, INT64_MIN, INT64_MAX },
	{ "refund_fen", F_INT, true, 0, INT64_MAX },
	{ "owed_after_fen", F_INT, true, INT64_MIN, INT64_MAX },
	{ "tenant_agrees", F_BOOL, true },
	{ "channel", F_ENUM, true, .enums = channels },
	{ NULL },
};

static int64_t
int_of(json_t *p, const char *k)
{
	return json_integer_value(json_object_get(p, k));
}

static int
check_settle(struct db *db, json_t *p, struct anju_err *e)
{
	return deposit_settlement_check(db, int_of(p, "settlement_id"), e);
}

static int
do_settle(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
	  json_t **shown_once, struct anju_err *e)
{
	(void)shown_once;
	return deposit_settlement_execute(db, int_of(p, "settlement_id"), int_of(p, "refund_fen"),
					  approver, result, e);
}

const struct approval_kind handover_deposit_settle_kind = {
	"deposit.settle",
	"履约保证金结算（扣款与退款）",
	ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_FINANCE),
	ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_BUREAU),
	settle_payload,
	check_settle,
	do_settle,
};
