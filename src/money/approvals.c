/*
 * The money actions that need a second person (issue 5): cancelling a
 * charge, reversing a payment (voiding its receipt), refunding credit and
 * closing a ledger period.  Registered in src/approval/kinds.c.
 */
#include "money/approvals.h"

#include <string.h>

#include "approval/approval.h"
#include "core/date.h"
#include "http/http.h"
#include "money/ledger.h"
#include "money/money.h"

#define STAFF_ASK    (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
#define MONEY_DECIDE (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_BUREAU))

static const char *const refund_channels[] = { "cash", "bank_transfer", NULL };

static const struct field charge_cancel_payload[] = {
	{ "charge_id", F_INT, true, 1, INT64_MAX },
	{ "reason", F_STRING, true, 1, 200 },
	{ NULL },
};

static const struct field payment_reverse_payload[] = {
	{ "payment_id", F_INT, true, 1, INT64_MAX },
	{ "reason", F_STRING, true, 1, 200 },
	{ NULL },
};

static const struct field refund_payload[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX },
	{ "channel", F_ENUM, true, .enums = refund_channels },
	{ "reason", F_STRING, true, 1, 200 },
	{ NULL },
};

static const struct field ledger_close_payload[] = {
	{ "period", F_STRING, true, 7, 7 },
	{ NULL },
};

static int64_t
int_of(json_t *p, const char *k)
{
	return json_integer_value(json_object_get(p, k));
}

static const char *
str_of(json_t *p, const char *k)
{
	return json_string_value(json_object_get(p, k));
}

static int
check_charge_cancel(struct db *db, json_t *p, struct anju_err *e)
{
	return charge_cancellable(db, int_of(p, "charge_id"), e);
}

static int
do_charge_cancel(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
		 json_t **shown_once, struct anju_err *e)
{
	int64_t id = int_of(p, "charge_id");
	int rc;

	(void)shown_once;
	if ((rc = charge_cancel(db, id, str_of(p, "reason"), approver, e)) != 0)
		return rc;
	*result = json_pack("{s:I, s:s}", "charge_id", (json_int_t)id, "state", "cancelled");
	return 0;
}

static int
check_payment_reverse(struct db *db, json_t *p, struct anju_err *e)
{
	return payment_reversible(db, int_of(p, "payment_id"), e);
}

static int
do_payment_reverse(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
		   json_t **shown_once, struct anju_err *e)
{
	int64_t id = int_of(p, "payment_id");
	int rc;

	(void)shown_once;
	if ((rc = payment_reverse(db, id, str_of(p, "reason"), approver, e)) != 0)
		return rc;
	*result = json_pack("{s:I, s:s}", "payment_id", (json_int_t)id, "state", "reversed");
	return 0;
}

static int
refund_channel(json_t *p, enum payment_channel *ch)
{
	return channel_parse(str_of(p, "channel"), ch);
}

static int
check_refund(struct db *db, json_t *p, struct anju_err *e)
{
	enum payment_channel ch = CHANNEL_CASH;

	refund_channel(p, &ch);
	return refund_check(db, int_of(p, "household_id"), int_of(p, "amount_fen"), ch, e);
}

static int
do_refund(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
	  json_t **shown_once, struct anju_err *e)
{
	enum payment_channel ch = CHANNEL_CASH;
	int64_t id = 0;
	int rc;

	(void)shown_once;
	refund_channel(p, &ch);
	rc = refund_pay(db, int_of(p, "household_id"), int_of(p, "amount_fen"), ch,
			str_of(p, "reason"), approver, &id, e);
	if (rc != 0)
		return rc;
	*result = json_pack("{s:I, s:I}", "refund_id", (json_int_t)id, "amount_fen",
			    (json_int_t)int_of(p, "amount_fen"));
	return 0;
}

static int
check_ledger_close(struct db *db, json_t *p, struct anju_err *e)
{
	const char *period = str_of(p, "period");
	struct period want, now = period_of(date_today_shanghai());
	bool closed = false;
	int rc;

	if (period_parse(str_c(period), &want) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "period",
				 "会计期间应为 YYYY-MM 格式");
	if (period_cmp(want, now) >= 0)
		return anju_fail(e, ANJU_ECONFLICT, "period_not_ended", "period",
				 "会计期间 %s 尚未结束，不能结账", period);
	if ((rc = ledger_period_closed(db, period, &closed, e)) != 0)
		return rc;
	if (closed)
		return anju_fail(e, ANJU_ECONFLICT, "period_closed", "period", "会计期间 %s 已结账",
				 period);
	return 0;
}

static int
do_ledger_close(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
		json_t **shown_once, struct anju_err *e)
{
	int rc;

	(void)shown_once;
	if ((rc = ledger_close_period(db, str_of(p, "period"), approver, e)) != 0)
		return rc;
	*result = json_pack("{s:s, s:s}", "period", str_of(p, "period"), "state", "closed");
	return 0;
}

const struct approval_kind money_charge_cancel_kind = {
	"charge.cancel",       "撤销费用",          STAFF_ASK,        MONEY_DECIDE,
	charge_cancel_payload, check_charge_cancel, do_charge_cancel,
};

const struct approval_kind money_payment_reverse_kind = {
	"payment.reverse",  "冲正收款并作废票据",    STAFF_ASK | ROLE_BIT(ROLE_OPERATOR_STAFF),
	MONEY_DECIDE,       payment_reverse_payload, check_payment_reverse,
	do_payment_reverse,
};

const struct approval_kind money_refund_kind = {
	"refund.pay", "退还预收款",   STAFF_ASK | ROLE_BIT(ROLE_OPERATOR_STAFF),
	MONEY_DECIDE, refund_payload, check_refund,
	do_refund,
};

const struct approval_kind money_ledger_close_kind = {
	"ledger.close",       "会计期间结账",     ROLE_BIT(ROLE_FINANCE), MONEY_DECIDE,
	ledger_close_payload, check_ledger_close, do_ledger_close,
};
