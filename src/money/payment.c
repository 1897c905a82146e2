/*
 * Payments and refunds.  See money.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/mem.h"
#include "household/household.h"
#include "money/internal.h"
#include "money/receipt.h"
#include "store/db.h"

/* A payment's time may be a few minutes ahead of ours (a terminal's clock). */
#define CLOCK_SKEW_US (5 * 60 * INT64_C(1000000))

static const struct {
	const char *name;
	const char *title;
	bool counter;
} channels[CHANNEL_COUNT] = {
	[CHANNEL_CASH] = { "cash", "现金", true },
	[CHANNEL_POS] = { "pos", "POS刷卡", true },
	[CHANNEL_BANK_TRANSFER] = { "bank_transfer", "银行转账", false },
	[CHANNEL_WITHHOLDING] = { "withholding", "代扣", false },
	[CHANNEL_ONLINE] = { "online", "线上支付", false },
};

const char *const channel_names[] = {
	"cash", "pos", "bank_transfer", "withholding", "online", NULL,
};

const char *
channel_name(enum payment_channel c)
{
	return (unsigned)c < CHANNEL_COUNT ? channels[c].name : NULL;
}

const char *
channel_title(enum payment_channel c)
{
	return (unsigned)c < CHANNEL_COUNT ? channels[c].title : NULL;
}

int
channel_parse(const char *name, enum payment_channel *out)
{
	for (int c = 0; name != NULL && c < CHANNEL_COUNT; c++)
		if (strcmp(channels[c].name, name) == 0) {
			*out = (enum payment_channel)c;
			return 0;
		}
	return -1;
}

bool
channel_at_counter(enum payment_channel c)
{
	return (unsigned)c < CHANNEL_COUNT && channels[c].counter;
}

static bool
ref_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int
payment_validate(const struct payment_in *in, int64_t now, struct anju_err *e)
{
	if (in->amount_fen <= 0 || in->amount_fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_amount", "amount_fen",
				 "金额应在 0.01 元到 1 亿元之间");
	if ((unsigned)in->channel >= CHANNEL_COUNT)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "channel", "没有这种收款方式");
	if (in->channel != CHANNEL_CASH && !ref_ok(in->channel_ref))
		return anju_fail(e, ANJU_EINVAL, "channel_ref_required", "channel_ref",
				 "%s需要填写交易流水号（1 到 64 个字母、数字或符号）",
				 channels[in->channel].title);
	if (in->channel == CHANNEL_CASH && in->channel_ref != NULL && in->channel_ref[0] != '\0' &&
	    !ref_ok(in->channel_ref))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "channel_ref",
				 "流水号格式不正确");
	if (in->received_at_us > now + CLOCK_SKEW_US)
		return anju_fail(e, ANJU_EINVAL, "future_time", "received_at",
				 "收款时间不能晚于现在");
	if (in->note != NULL && strlen(in->note) > 600)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "备注过长");
	if (in->receipt_book_id != 0 && !channels[in->channel].counter)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "receipt_book_id",
				 "只有现金和 POS 收款使用纸质票据");
	return 0;
}

int
payment_take(struct db *db, const struct caller *c, const struct payment_in *in,
	     const struct audit_actor *who, int64_t *id, json_t **out, struct anju_err *e)
{
	int64_t now = time_now_us(), at = in->received_at_us ? in->received_at_us : now, account;
	char at_text[TIME_FMT_LEN], period[PERIOD_FMT_LEN], oid[24];
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	int64_t receipt_id = 0, community = 0;
	const char *ref;
	json_t *after;
	int rc;

	*id = 0;
	*out = NULL;
	if ((rc = payment_validate(in, now, e)) != 0)
		return rc;
	/* The clerk must see the household (404 otherwise, as for any row out
	 * of scope); the system (a bank file, a schedule) sees every one. */
	rc = c->kind == CALLER_SYSTEM ? money_household_exists(db, in->household_id, e)
				      : household_community(db, c, in->household_id, &community, e);
	if (rc != 0 || (rc = money_hh_accounts(db, in->household_id, &a, e)) != 0 ||
	    (rc = money_channel_account(db, in->channel, &account, e)) != 0)
		return rc;
	time_format_utc(at, at_text);
	period_format(period_of(date_in_shanghai(at)), period);
	ref = in->channel_ref != NULL && in->channel_ref[0] != '\0' ? in->channel_ref : NULL;
	rc = db_prepare(db,
			"INSERT INTO payment (household_id, amount_fen, channel, channel_ref,"
			" received_at, period, taken_by, allocated_fen, state, note)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'posted', ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->household_id);
	db_bind_int64(st, 2, in->amount_fen);
	db_bind_cstr(st, 3, channels[in->channel].name);
	db_bind_cstr(st, 4, ref);
	db_bind_cstr(st, 5, at_text);
	db_bind_cstr(st, 6, period);
	db_bind_cstr(st, 7, who->principal ? who->principal : "anonymous");
	db_bind_cstr(st, 8, in->note ? in->note : "");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "channel_ref_taken", "channel_ref",
				 "流水号 %s 已经入账", ref ? ref : "");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* Into the household's credit, then onto its open charges. */
	if ((rc = journal_begin(db, &j, period, "payment", "payment", *id, 0,
				channels[in->channel].title, who, e)) != 0 ||
	    (rc = journal_move(&j, account, a.credit, in->amount_fen, e)) != 0 ||
	    (rc = money_settle_into(db, &j, in->household_id, &a, e)) != 0 ||
	    (rc = journal_post(db, &j, e)) != 0)
		return rc;
	rc = receipt_issue(db, *id, channels[in->channel].name, channels[in->channel].counter,
			   c->kind == CALLER_ACCOUNT ? c->id : 0,
			   channels[in->channel].counter ? in->receipt_book_id : 0, who,
			   &receipt_id, e);
	if (rc != 0)
		return rc;
	after = json_pack("{s:I, s:I, s:s, s:s, s:I}", "household_id", (json_int_t)in->household_id,
			  "amount_fen", (json_int_t)in->amount_fen, "channel",
			  channels[in->channel].name, "received_at", at_text, "receipt_id",
			  (json_int_t)receipt_id);
	json_object_set_new(after, "channel_ref", ref ? json_string(ref) : json_null());
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	rc = audit_write(db, who, "payment.take", "payment", oid, NULL, after, e);
	json_decref(after);
	if (rc != 0)
		return rc;
	return payment_get(db, c, *id, out, e);
}

struct payment_row {
	int64_t household_id;
	int64_t amount_fen;
	enum payment_channel channel;
	char state[16];
};

static int
payment_load(struct db *db, int64_t id, struct payment_row *p, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT household_id, amount_fen, channel, state FROM payment WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		p->household_id = db_col_int64(st, 0);
		p->amount_fen = db_col_int64(st, 1);
		channel_parse(db_col_text(st, 2), &p->channel);
		snprintf(p->state, sizeof(p->state), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "payment_not_found", NULL, "没有这笔收款");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
payment_reversible(struct db *db, int64_t id, struct anju_err *e)
{
	struct payment_row p;
	struct db_stmt *st;
	int64_t refunded = 0;
	int rc;

	if ((rc = payment_load(db, id, &p, e)) != 0)
		return rc;
	if (strcmp(p.state, "reversed") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "payment_reversed", NULL, "这笔收款已经冲正");
	rc = db_prepare(db,
			"SELECT COALESCE(SUM(amount_fen), 0) FROM allocation WHERE payment_id = ?"
			" AND refund_id IS NOT NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		refunded = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (refunded > 0)
		return anju_fail(e, ANJU_ECONFLICT, "payment_refunded", NULL,
				 "这笔收款已有部分退款，不能冲正");
	return 0;
}

int
payment_reverse(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		struct anju_err *e)
{
	struct payment_row p;
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int64_t account;
	json_t *before, *after;
	int rc;

	if ((rc = payment_reversible(db, id, e)) != 0 || (rc = payment_load(db, id, &p, e)) != 0 ||
	    (rc = money_hh_accounts(db, p.household_id, &a, e)) != 0 ||
	    (rc = money_channel_account(db, p.channel, &account, e)) != 0)
		return rc;
	/* Its money leaves the charges it settled and the household's credit;
	 * the credit of other payments then settles what reopened. */
	if ((rc = journal_begin(db, &j, NULL, "payment.reverse", "payment", id, 0, reason, who,
				e)) != 0 ||
	    (rc = money_unallocate(db, &j, &a, id, 0, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE payment SET state = 'reversed', reversed_at = ?, reverse_reason = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, reason);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = journal_move(&j, a.credit, account, p.amount_fen, e)) != 0 ||
	    (rc = money_settle_into(db, &j, p.household_id, &a, e)) != 0 ||
	    (rc = journal_post(db, &j, e)) != 0 || (rc = receipt_void(db, id, reason, who, e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	before = json_pack("{s:s}", "state", p.state);
	after = json_pack("{s:s, s:s}", "state", "reversed", "reason", reason);
	rc = audit_write(db, who, "payment.reverse", "payment", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

static json_t *
allocations_of(struct db *db, int64_t payment_id)
{
	struct db_stmt *st;
	json_t *arr = json_array();

	if (db_prepare(db,
		       "SELECT a.id, a.charge_id, a.refund_id, a.amount_fen, a.policy,"
		       " a.reverses_id, a.created_at, c.kind, c.period FROM allocation a"
		       " LEFT JOIN charge c ON c.id = a.charge_id WHERE a.payment_id = ?"
		       " ORDER BY a.id",
		       &st) != 0)
		return arr;
	db_bind_int64(st, 1, payment_id);
	while (db_step(st) == DB_ROW) {
		json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)db_col_int64(st, 0),
				      "amount_fen", (json_int_t)db_col_int64(st, 3), "policy",
				      db_col_text(st, 4), "created_at", db_col_text(st, 6));
		enum charge_kind k;

		json_object_set_new(o, "charge_id",
				    db_col_null(st, 1) ? json_null()
						       : json_integer(db_col_int64(st, 1)));
		json_object_set_new(o, "refund_id",
				    db_col_null(st, 2) ? json_null()
						       : json_integer(db_col_int64(st, 2)));
		json_object_set_new(o, "reverses_id",
				    db_col_null(st, 5) ? json_null()
						       : json_integer(db_col_int64(st, 5)));
		json_object_set_new(o, "charge_title",
				    charge_kind_parse(db_col_text(st, 7), &k) == 0
					    ? json_string(charge_kind_title(k))
					    : json_null());
		json_object_set_new(o, "charge_period",
				    db_col_null(st, 8) ? json_null()
						       : json_string(db_col_text(st, 8)));
		json_array_append_new(arr, o);
	}
	db_reset(st);
	return arr;
}

#define PAYMENT_COLUMNS                                                                            \
	"p.id, p.household_id, p.amount_fen, p.channel, p.channel_ref, p.received_at,"             \
	" p.period, p.taken_by, p.allocated_fen, p.state, p.note, p.reversed_at,"                  \
	" p.reverse_reason, r.id, r.number, b.series, r.state"

static json_t *
payment_json(struct db *db, struct db_stmt *st)
{
	enum payment_channel ch = CHANNEL_CASH;
	json_t *j;

	channel_parse(db_col_text(st, 3), &ch);
	j = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "household_id",
		      (json_int_t)db_col_int64(st, 1), "amount_fen",
		      (json_int_t)db_col_int64(st, 2), "channel", channels[ch].name,
		      "channel_title", channels[ch].title, "received_at", db_col_text(st, 5),
		      "period", db_col_text(st, 6), "taken_by", db_col_text(st, 7), "allocated_fen",
		      (json_int_t)db_col_int64(st, 8), "credit_fen",
		      (json_int_t)(strcmp(db_col_text(st, 9), "posted") == 0
					   ? db_col_int64(st, 2) - db_col_int64(st, 8)
					   : 0),
		      "state", db_col_text(st, 9), "note", db_col_text(st, 10));
	json_object_set_new(j, "channel_ref",
			    db_col_null(st, 4) ? json_null() : json_string(db_col_text(st, 4)));
	json_object_set_new(j, "reversed_at",
			    db_col_null(st, 11) ? json_null() : json_string(db_col_text(st, 11)));
	json_object_set_new(j, "reverse_reason",
			    db_col_null(st, 12) ? json_null() : json_string(db_col_text(st, 12)));
	if (db_col_null(st, 13)) {
		json_object_set_new(j, "receipt", json_null());
	} else {
		char number[64];

		snprintf(number, sizeof(number), "%s-%08lld", db_col_text(st, 15),
			 (long long)db_col_int64(st, 14));
		json_object_set_new(j, "receipt",
				    json_pack("{s:I, s:s, s:s}", "id",
					      (json_int_t)db_col_int64(st, 13), "number", number,
					      "state", db_col_text(st, 16)));
	}
	json_object_set_new(j, "allocations", allocations_of(db, db_col_int64(st, 0)));
	return j;
}

int
payment_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT " PAYMENT_COLUMNS " FROM payment p JOIN household h"
		" ON h.id = p.household_id LEFT JOIN receipt r ON r.payment_id = p.id"
		" LEFT JOIN receipt_book b ON b.id = r.book_id WHERE p.id = ? AND " SCOPE_SQL(
			"h.community_id"),
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	money_scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = payment_json(db, st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "payment_not_found", NULL, "没有这笔收款");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* ---- refunds ---- */

int
refund_check(struct db *db, int64_t household_id, int64_t amount_fen, enum payment_channel channel,
	     struct anju_err *e)
{
	int64_t credit;
	int rc;

	if (amount_fen <= 0 || amount_fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_amount", "amount_fen",
				 "金额应在 0.01 元到 1 亿元之间");
	if (channel != CHANNEL_CASH && channel != CHANNEL_BANK_TRANSFER)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "channel",
				 "退款只能以现金或银行转账支付");
	if ((rc = money_household_exists(db, household_id, e)) != 0 ||
	    (rc = money_credit(db, household_id, &credit, e)) != 0)
		return rc;
	if (amount_fen > credit)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "refund_exceeds_credit", "amount_fen",
				 "退款金额超过该家庭的预收款余额");
	return 0;
}

int
refund_pay(struct db *db, int64_t household_id, int64_t amount_fen, enum payment_channel channel,
	   const char *reason, const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	char now[TIME_FMT_LEN], oid[24];
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	int64_t account, left = amount_fen;
	struct {
		int64_t id, left;
	} *pays = NULL;
	size_t n = 0, cap = 0;
	json_t *after;
	int rc;

	*id = 0;
	if ((rc = money_hh_accounts(db, household_id, &a, e)) != 0 ||
	    (rc = refund_check(db, household_id, amount_fen, channel, e)) != 0 ||
	    (rc = money_channel_account(db, channel, &account, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO refund (household_id, amount_fen, channel, reason, paid_at,"
			" paid_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, amount_fen);
	db_bind_cstr(st, 3, channels[channel].name);
	db_bind_cstr(st, 4, reason);
	db_bind_cstr(st, 5, now);
	db_bind_cstr(st, 6, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = journal_begin(db, &j, NULL, "refund", "refund", *id, 0, reason, who, e)) != 0 ||
	    (rc = journal_move(&j, a.credit, account, amount_fen, e)) != 0)
		return rc;
	/* Drawn from the payments' unallocated money, oldest first. */
	rc = db_prepare(db,
			"SELECT id, amount_fen - allocated_fen FROM payment WHERE household_id = ?"
			" AND state = 'posted' AND allocated_fen < amount_fen ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			pays = xrealloc(pays, cap * sizeof(*pays));
		}
		pays[n].id = db_col_int64(st, 0);
		pays[n].left = db_col_int64(st, 1);
		n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(pays);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && left > 0 && rc == 0; i++) {
		int64_t amt = pays[i].left < left ? pays[i].left : left;

		rc = db_prepare(
			db,
			"INSERT INTO allocation (payment_id, charge_id, refund_id, amount_fen,"
			" policy, reverses_id, journal_id, created_at)"
			" VALUES (?, NULL, ?, ?, 'refund', NULL, ?, ?)",
			&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			break;
		}
		db_bind_int64(st, 1, pays[i].id);
		db_bind_int64(st, 2, *id);
		db_bind_int64(st, 3, amt);
		db_bind_int64(st, 4, j.id);
		db_bind_cstr(st, 5, now);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			break;
		}
		rc = db_prepare(db,
				"UPDATE payment SET allocated_fen = allocated_fen + ? WHERE id = ?",
				&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			break;
		}
		db_bind_int64(st, 1, amt);
		db_bind_int64(st, 2, pays[i].id);
		rc = db_step(st);
		db_reset(st);
		rc = rc == DB_DONE ? 0 : db_fail(db, rc, e);
		left -= amt;
	}
	free(pays);
	if (rc != 0)
		return rc;
	if (left != 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "refund_exceeds_credit", "amount_fen",
				 "退款金额超过该家庭的预收款余额");
	if ((rc = journal_post(db, &j, e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack("{s:I, s:I, s:s, s:s}", "household_id", (json_int_t)household_id,
			  "amount_fen", (json_int_t)amount_fen, "channel", channels[channel].name,
			  "reason", reason);
	rc = audit_write(db, who, "refund.pay", "refund", oid, NULL, after, e);
	json_decref(after);
	return rc;
}
