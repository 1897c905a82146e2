/*
 * The deposit settlement at move-out (履约保证金结算): asked for when the
 * move-out checklist is completed, carried out when a second person
 * approves it (handover_approvals.c), in the decision's transaction:
 *
 *   1. the checklist's deductions become one charge (kind repair, source
 *      "handover", the handover's id), due on the move-out day;
 *   2. the deposit goes back into the household's credit (deposit_release
 *      in the money core), and the credit settles
 *        - every open charge, oldest due first, when the tenant agreed that
 *          open charges are settled from the deposit;
 *        - only the deductions otherwise, so the open charges stay owed;
 *   3. the household's remaining credit is refunded (refund_pay), so no
 *      money is left behind that a later charge would take without the
 *      tenant's agreement.
 *
 * Because a household's credit always settles its open charges at once
 * (the money core's rule), credit and open charges never stand side by
 * side; the credit before the settlement is either nothing or money no
 * charge is waiting for, and refunding it with the deposit is right in both
 * cases.  The request states the refund; if the household's money moved
 * since (a payment, a charge), the approval is refused with 409
 * "settlement_changed" and a new request is made.  See handover.h.
 */
#include <stdio.h>
#include <string.h>

#include "approval/approval.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/money.h"
#include "money/money.h"
#include "store/db.h"
#include "tenancy/handover.h"

/* Reads a settlement's approval as one who may decide it. */
static const struct caller settlement_reader = {
	.kind = CALLER_SYSTEM,
	.role = ROLE_BUREAU,
	.name = "system",
	.principal = "system",
	.all_communities = true,
};

struct settlement {
	int64_t id, handover_id, chain_id, household_id, approval_id;
	struct settlement_figures f;
	bool tenant_agrees;
	char channel[16], state[12];
};

static int64_t
pos(int64_t v)
{
	return v > 0 ? v : 0;
}

int
deposit_settlement_figures(struct db *db, int64_t chain_id, int64_t household_id,
			   int64_t deductions_fen, bool tenant_agrees, struct settlement_figures *f,
			   struct anju_err *e)
{
	struct deposit_info d;
	int64_t owed = 0, unpaid_deposit = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = deposit_find(db, "lease_chain", chain_id, &d, e)) != 0 ||
	    (rc = money_owed(db, household_id, &owed, e)) != 0 ||
	    (rc = money_credit(db, household_id, &f->credit_fen, e)) != 0)
		return rc;
	if (strcmp(d.state, "paid") == 0 || strcmp(d.state, "open") == 0)
		f->deposit_fen = d.paid_fen;
	/* A deposit not paid in full is owed no more once the tenancy ends:
	 * its unpaid part is not among the charges the deposit settles. */
	if (strcmp(d.state, "open") == 0)
		unpaid_deposit = d.amount_fen - d.paid_fen;
	f->open_fen = owed - unpaid_deposit;
	f->deductions_fen = deductions_fen;
	if (tenant_agrees) {
		f->refund_fen = pos(f->credit_fen + f->deposit_fen - f->open_fen - deductions_fen);
		f->owed_after_fen =
			pos(f->open_fen + deductions_fen - f->credit_fen - f->deposit_fen);
	} else {
		f->refund_fen = pos(f->credit_fen + f->deposit_fen - deductions_fen);
		f->owed_after_fen =
			f->open_fen + pos(deductions_fen - f->credit_fen - f->deposit_fen);
	}
	return 0;
}

#define SETTLEMENT_COLUMNS                                                                         \
	"id, handover_id, chain_id, household_id, deposit_fen, deductions_fen, open_fen,"          \
	" credit_fen, tenant_agrees, refund_fen, owed_after_fen, channel, state, approval_id"

static void
settlement_read(struct db_stmt *st, struct settlement *s)
{
	memset(s, 0, sizeof(*s));
	s->id = db_col_int64(st, 0);
	s->handover_id = db_col_int64(st, 1);
	s->chain_id = db_col_int64(st, 2);
	s->household_id = db_col_int64(st, 3);
	s->f.deposit_fen = db_col_int64(st, 4);
	s->f.deductions_fen = db_col_int64(st, 5);
	s->f.open_fen = db_col_int64(st, 6);
	s->f.credit_fen = db_col_int64(st, 7);
	s->tenant_agrees = db_col_int64(st, 8) != 0;
	s->f.refund_fen = db_col_int64(st, 9);
	s->f.owed_after_fen = db_col_int64(st, 10);
	snprintf(s->channel, sizeof(s->channel), "%s", db_col_text(st, 11));
	snprintf(s->state, sizeof(s->state), "%s", db_col_text(st, 12));
	s->approval_id = db_col_int64(st, 13);
}

/* A settlement by id (handover_id 0), or the newest of a handover (id 0).
 * *found false when none. */
static int
settlement_load(struct db *db, int64_t id, int64_t handover_id, struct settlement *s, bool *found,
		struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*found = false;
	rc = db_prepare(db,
			id > 0 ? "SELECT " SETTLEMENT_COLUMNS
				 " FROM deposit_settlement WHERE id = ?"
			       : "SELECT " SETTLEMENT_COLUMNS " FROM deposit_settlement"
				 " WHERE handover_id = ? ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id > 0 ? id : handover_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		settlement_read(st, s);
		*found = true;
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The state of a requested settlement as its approval has it: requested
 * while pending, rejected or canceled once decided so (the approval
 * module runs nothing on a rejection; the row follows when next read). */
static int
settlement_state(struct db *db, const struct settlement *s, char out[12], struct anju_err *e)
{
	json_t *a = NULL;
	const char *st;
	int rc;

	snprintf(out, 12, "%s", s->state);
	if (strcmp(s->state, "requested") != 0 || s->approval_id == 0)
		return 0;
	if ((rc = approval_get(db, &settlement_reader, s->approval_id, &a, e)) != 0)
		return rc;
	st = json_string_value(json_object_get(a, "state"));
	if (st != NULL && strcmp(st, "rejected") == 0)
		snprintf(out, 12, "rejected");
	else if (st != NULL && strcmp(st, "canceled") == 0)
		snprintf(out, 12, "canceled");
	json_decref(a);
	return 0;
}

static int
set_state(struct db *db, int64_t id, const char *state, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE deposit_settlement SET state = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, state);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

struct ho_brief {
	int64_t chain_id, household_id, deductions_fen;
	int tenant_agrees;
	char kind[12], state[8], channel[16], done_on[DATE_FMT_LEN];
};

static int
ho_brief(struct db *db, int64_t id, struct ho_brief *h, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = db_prepare(db,
			"SELECT h.chain_id, h.household_id, h.kind, h.state, h.tenant_agrees,"
			" h.refund_channel, h.done_on, (SELECT COALESCE(SUM(i.deduction_fen), 0)"
			" FROM handover_item i WHERE i.handover_id = h.id) FROM handover h"
			" WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		h->chain_id = db_col_int64(st, 0);
		h->household_id = db_col_int64(st, 1);
		snprintf(h->kind, sizeof(h->kind), "%s", db_col_text(st, 2));
		snprintf(h->state, sizeof(h->state), "%s", db_col_text(st, 3));
		h->tenant_agrees = db_col_null(st, 4) ? -1 : (int)db_col_int64(st, 4);
		snprintf(h->channel, sizeof(h->channel), "%s",
			 db_col_null(st, 5) ? "" : db_col_text(st, 5));
		snprintf(h->done_on, sizeof(h->done_on), "%s",
			 db_col_null(st, 6) ? "" : db_col_text(st, 6));
		h->deductions_fen = db_col_int64(st, 7);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "handover_not_found", NULL, "没有这份交接清单");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
audit_handover(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	       json_t *after, struct anju_err *e)
{
	return handover_audit(db, who, action, "handover", id, NULL, after, e);
}

static json_t *
figures_json(const struct settlement_figures *f)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I}", "deposit_fen", (json_int_t)f->deposit_fen,
		"deductions_fen", (json_int_t)f->deductions_fen, "open_fen",
		(json_int_t)f->open_fen, "credit_fen", (json_int_t)f->credit_fen, "refund_fen",
		(json_int_t)f->refund_fen, "owed_after_fen", (json_int_t)f->owed_after_fen);
}

int
deposit_settlement_request(struct db *db, const struct caller *c, const struct audit_actor *who,
			   int64_t handover_id, const char *channel, const char *reason,
			   int64_t *approval_id, struct anju_err *e)
{
	struct ho_brief h;
	struct settlement last;
	struct settlement_figures f;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], state[12], oid[24];
	int64_t id = 0;
	bool found;
	json_t *payload, *after;
	int rc;

	*approval_id = 0;
	if ((rc = ho_brief(db, handover_id, &h, e)) != 0)
		return rc;
	if (strcmp(h.kind, "move_out") != 0 || strcmp(h.state, "done") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "handover_not_done", NULL,
				 "只有已完成的退房交接可以结算履约保证金");
	if ((rc = settlement_load(db, 0, handover_id, &last, &found, e)) != 0)
		return rc;
	if (found) {
		if ((rc = settlement_state(db, &last, state, e)) != 0)
			return rc;
		if (strcmp(state, "requested") == 0)
			return anju_fail(e, ANJU_ECONFLICT, "settlement_pending", NULL,
					 "履约保证金结算正在审批中（审批编号 %lld）",
					 (long long)last.approval_id);
		if (strcmp(state, "approved") == 0)
			return anju_fail(e, ANJU_ECONFLICT, "settlement_done", NULL,
					 "履约保证金已经结算");
		if (strcmp(state, last.state) != 0 && (rc = set_state(db, last.id, state, e)) != 0)
			return rc;
	}
	if (channel == NULL || channel[0] == '\0')
		channel = h.channel;
	if (strcmp(channel, "cash") != 0 && strcmp(channel, "bank_transfer") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "channel",
				 "退款只能以现金或银行转账支付");
	if ((rc = deposit_settlement_figures(db, h.chain_id, h.household_id, h.deductions_fen,
					     h.tenant_agrees == 1, &f, e)) != 0)
		return rc;
	/* No deposit held and nothing deducted: nothing to settle.  (Credit
	 * the household has besides is refunded as any credit is.) */
	if (f.deposit_fen == 0 && f.deductions_fen == 0)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO deposit_settlement (handover_id, chain_id, household_id,"
			" deposit_fen, deductions_fen, open_fen, credit_fen, tenant_agrees,"
			" refund_fen, owed_after_fen, channel, state, requested_by, requested_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, handover_id);
	db_bind_int64(st, 2, h.chain_id);
	db_bind_int64(st, 3, h.household_id);
	db_bind_int64(st, 4, f.deposit_fen);
	db_bind_int64(st, 5, f.deductions_fen);
	db_bind_int64(st, 6, f.open_fen);
	db_bind_int64(st, 7, f.credit_fen);
	db_bind_int64(st, 8, h.tenant_agrees == 1);
	db_bind_int64(st, 9, f.refund_fen);
	db_bind_int64(st, 10, f.owed_after_fen);
	db_bind_cstr(st, 11, channel);
	db_bind_cstr(st, 12, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 13, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	payload = figures_json(&f);
	json_object_set_new(payload, "settlement_id", json_integer(id));
	json_object_set_new(payload, "handover_id", json_integer(handover_id));
	json_object_set_new(payload, "household_id", json_integer(h.household_id));
	json_object_set_new(payload, "tenant_agrees", json_boolean(h.tenant_agrees == 1));
	json_object_set_new(payload, "channel", json_string(channel));
	snprintf(oid, sizeof(oid), "%lld", (long long)handover_id);
	rc = approval_request(db, c, who, "deposit.settle", payload, reason, "handover", oid,
			      approval_id, e);
	json_decref(payload);
	if (rc != 0)
		return rc;
	if ((rc = db_prepare(db, "UPDATE deposit_settlement SET approval_id = ? WHERE id = ?",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, *approval_id);
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	after = figures_json(&f);
	json_object_set_new(after, "settlement_id", json_integer(id));
	json_object_set_new(after, "approval_id", json_integer(*approval_id));
	json_object_set_new(after, "tenant_agrees", json_boolean(h.tenant_agrees == 1));
	json_object_set_new(after, "channel", json_string(channel));
	return audit_handover(db, who, "deposit.settlement_request", handover_id, after, e);
}

int
deposit_settlement_check(struct db *db, int64_t id, struct anju_err *e)
{
	struct settlement s;
	bool found;
	int rc;

	if ((rc = settlement_load(db, id, 0, &s, &found, e)) != 0)
		return rc;
	if (!found)
		return anju_fail(e, ANJU_ENOTFOUND, "settlement_not_found", "settlement_id",
				 "没有这笔履约保证金结算");
	if (strcmp(s.state, "requested") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "settlement_state", NULL,
				 "这笔履约保证金结算的状态为 %s，不能再执行", s.state);
	return 0;
}

int
deposit_settlement_execute(struct db *db, int64_t id, int64_t want_refund_fen,
			   const struct audit_actor *approver, json_t **result, struct anju_err *e)
{
	struct settlement s;
	struct ho_brief h;
	struct settlement_figures f;
	struct deposit_info d;
	struct db_stmt *st;
	int64_t charge_id = 0, released = 0, refund_id = 0, credit = 0, owed = 0;
	char now[TIME_FMT_LEN], a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
	enum payment_channel ch = CHANNEL_BANK_TRANSFER;
	bool found, created = false;
	json_t *after;
	int rc;

	*result = NULL;
	if ((rc = deposit_settlement_check(db, id, e)) != 0 ||
	    (rc = settlement_load(db, id, 0, &s, &found, e)) != 0 ||
	    (rc = ho_brief(db, s.handover_id, &h, e)) != 0)
		return rc;
	/* The refund approved is the refund paid: if the household's money
	 * moved since the request, it is asked again. */
	if ((rc = deposit_settlement_figures(db, s.chain_id, s.household_id, s.f.deductions_fen,
					     s.tenant_agrees, &f, e)) != 0)
		return rc;
	if (f.refund_fen != s.f.refund_fen || f.refund_fen != want_refund_fen) {
		money_format(f.refund_fen, a);
		money_format(want_refund_fen, b);
		return anju_fail(e, ANJU_ECONFLICT, "settlement_changed", NULL,
				 "申请后该家庭的费用或收款有变化：现应退 %s 元，申请时为 %s 元。"
				 "请驳回后重新申请结算",
				 a, b);
	}
	channel_parse(s.channel, &ch);
	if (s.f.deductions_fen > 0) {
		struct charge_in in = {
			.household_id = s.household_id,
			.kind = CHARGE_REPAIR,
			.amount_fen = s.f.deductions_fen,
			.due_on = h.done_on,
			.period = NULL,
			.source_type = "handover",
			.source_id = s.handover_id,
			.note = "退房交接损坏扣款",
		};

		if ((rc = charge_raise(db, &in, approver, &charge_id, &created, e)) != 0)
			return rc;
	}
	if ((rc = deposit_find(db, "lease_chain", s.chain_id, &d, e)) != 0)
		return rc;
	if (d.charge_id > 0 && strcmp(d.state, "released") != 0 &&
	    strcmp(d.state, "cancelled") != 0 &&
	    (rc = deposit_release(db, "lease_chain", s.chain_id, s.tenant_agrees,
				  s.tenant_agrees ? 0 : charge_id, "退房：履约保证金转回预收款",
				  approver, &released, e)) != 0)
		return rc;
	if ((rc = money_credit(db, s.household_id, &credit, e)) != 0)
		return rc;
	if (credit != s.f.refund_fen) {
		money_format(credit, a);
		money_format(s.f.refund_fen, b);
		return anju_fail(e, ANJU_ECONFLICT, "settlement_changed", NULL,
				 "结算后预收款 %s 元与应退 %s 元不符，请驳回后重新申请", a, b);
	}
	if (credit > 0 && (rc = refund_pay(db, s.household_id, credit, ch, "退房：退还履约保证金",
					   approver, &refund_id, e)) != 0)
		return rc;
	if ((rc = money_owed(db, s.household_id, &owed, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE deposit_settlement SET state = 'approved', deposit_fen = ?,"
			" owed_after_fen = ?, deduction_charge_id = ?, refund_id = ?,"
			" settled_by = ?, settled_at = ? WHERE id = ? AND state = 'requested'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, released);
	db_bind_int64(st, 2, owed);
	if (charge_id > 0)
		db_bind_int64(st, 3, charge_id);
	else
		db_bind_null(st, 3);
	if (refund_id > 0)
		db_bind_int64(st, 4, refund_id);
	else
		db_bind_null(st, 4);
	db_bind_cstr(st, 5, approver->principal ? approver->principal : "anonymous");
	db_bind_cstr(st, 6, now);
	db_bind_int64(st, 7, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	*result = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "settlement_id", (json_int_t)id,
			    "handover_id", (json_int_t)s.handover_id, "deposit_released_fen",
			    (json_int_t)released, "deductions_fen", (json_int_t)s.f.deductions_fen,
			    "refund_fen", (json_int_t)credit, "owed_after_fen", (json_int_t)owed,
			    "tenant_agrees", s.tenant_agrees);
	json_object_set_new(*result, "deduction_charge_id",
			    charge_id > 0 ? json_integer(charge_id) : json_null());
	json_object_set_new(*result, "refund_id",
			    refund_id > 0 ? json_integer(refund_id) : json_null());
	after = json_deep_copy(*result);
	return audit_handover(db, approver, "deposit.settle", s.handover_id, after, e);
}

int
deposit_settlement_json(struct db *db, int64_t handover_id, json_t **out, struct anju_err *e)
{
	struct ho_brief h;
	struct settlement s;
	struct settlement_figures f, other;
	char state[12];
	bool found;
	int rc;

	*out = NULL;
	if ((rc = ho_brief(db, handover_id, &h, e)) != 0)
		return rc;
	if (strcmp(h.kind, "move_out") != 0) {
		*out = json_null();
		return 0;
	}
	if ((rc = settlement_load(db, 0, handover_id, &s, &found, e)) != 0)
		return rc;
	if (found) {
		if ((rc = settlement_state(db, &s, state, e)) != 0)
			return rc;
		*out = figures_json(&s.f);
		json_object_set_new(*out, "id", json_integer(s.id));
		json_object_set_new(*out, "state", json_string(state));
		json_object_set_new(*out, "tenant_agrees", json_boolean(s.tenant_agrees));
		json_object_set_new(*out, "channel", json_string(s.channel));
		json_object_set_new(*out, "approval_id",
				    s.approval_id > 0 ? json_integer(s.approval_id) : json_null());
		return 0;
	}
	/* A draft shows what the settlement would be, either way the tenant
	 * answers; a done move-out without a request had nothing to settle. */
	if ((rc = deposit_settlement_figures(db, h.chain_id, h.household_id, h.deductions_fen,
					     h.tenant_agrees == 1, &f, e)) != 0 ||
	    (rc = deposit_settlement_figures(db, h.chain_id, h.household_id, h.deductions_fen,
					     h.tenant_agrees != 1, &other, e)) != 0)
		return rc;
	*out = figures_json(&f);
	json_object_set_new(*out, "id", json_null());
	json_object_set_new(*out, "state",
			    json_string(strcmp(h.state, "draft") == 0 ? "preview" : "none"));
	json_object_set_new(*out, "tenant_agrees",
			    h.tenant_agrees < 0 ? json_null() : json_boolean(h.tenant_agrees));
	json_object_set_new(*out, "channel", h.channel[0] ? json_string(h.channel) : json_null());
	json_object_set_new(*out, "approval_id", json_null());
	json_object_set_new(*out, "refund_if_agrees_fen",
			    json_integer(h.tenant_agrees == 1 ? f.refund_fen : other.refund_fen));
	json_object_set_new(*out, "refund_if_not_fen",
			    json_integer(h.tenant_agrees == 1 ? other.refund_fen : f.refund_fen));
	return 0;
}
