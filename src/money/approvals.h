/*
 * The money module's approval kinds (listed in src/approval/kinds.c).
 */
#ifndef ANJU_MONEY_APPROVALS_H
#define ANJU_MONEY_APPROVALS_H

#include "approval/approval.h"

extern const struct approval_kind money_charge_cancel_kind;
extern const struct approval_kind money_payment_reverse_kind;
extern const struct approval_kind money_refund_kind;
extern const struct approval_kind money_ledger_close_kind;

#endif
