/*
 * Charges: raised by domain code (and staff) through charge_raise only,
 * cancelled only by an approved request.  See money.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/money.h"
#include "money/internal.h"
#include "store/db.h"

static const struct {
	const char *name;
	const char *title;
	enum ledger_kind income;
} kinds[CHARGE_KIND_COUNT] = {
	[CHARGE_RENT] = { "rent", "租金", LEDGER_RENT_INCOME },
	[CHARGE_DEPOSIT] = { "deposit", "履约保证金", LEDGER_DEPOSIT_BILLED },
	[CHARGE_OVERSTAY_RENT] = { "overstay_rent", "逾期占用费", LEDGER_RENT_INCOME },
	[CHARGE_BACK_CHARGE] = { "back_charge", "追缴租金", LEDGER_RENT_INCOME },
	[CHARGE_PENALTY] = { "penalty", "违约罚款", LEDGER_OTHER_INCOME },
	[CHARGE_REPAIR] = { "repair", "维修费", LEDGER_OTHER_INCOME },
	[CHARGE_OTHER] = { "other", "其他费用", LEDGER_OTHER_INCOME },
};

const char *const charge_kind_names[] = {
	"rent", "deposit", "overstay_rent", "back_charge", "penalty", "repair", "other", NULL,
};

const char *
charge_kind_name(enum charge_kind k)
{
	return (unsigned)k < CHARGE_KIND_COUNT ? kinds[k].name : NULL;
}

const char *
charge_kind_title(enum charge_kind k)
{
	return (unsigned)k < CHARGE_KIND_COUNT ? kinds[k].title : NULL;
}

enum ledger_kind
charge_kind_income(enum charge_kind k)
{
	return (unsigned)k < CHARGE_KIND_COUNT ? kinds[k].income : LEDGER_OTHER_INCOME;
}

int
charge_kind_parse(const char *name, enum charge_kind *out)
{
	for (int k = 0; name != NULL && k < CHARGE_KIND_COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0) {
			*out = (enum charge_kind)k;
			return 0;
		}
	return -1;
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
charge_validate(const struct charge_in *in, struct anju_err *e)
{
	struct date d;
	struct period p;

	if ((unsigned)in->kind >= CHARGE_KIND_COUNT)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind", "没有这种费用类型");
	if (in->amount_fen <= 0 || in->amount_fen > MONEY_AMOUNT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_amount", "amount_fen",
				 "金额应在 0.01 元到 1 亿元之间");
	if (in->due_on == NULL || date_parse(str_c(in->due_on), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "due_on",
				 "应缴日期应为 YYYY-MM-DD 格式");
	if (in->period != NULL && in->period[0] != '\0' && period_parse(str_c(in->period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "period",
				 "所属期间应为 YYYY-MM 格式");
	if (in->source_type == NULL || in->source_type[0] == '\0' || strlen(in->source_type) > 32)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type", "费用来源不正确");
	if (in->note != NULL && strlen(in->note) > 600)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "备注过长");
	return 0;
}

static json_t *
charge_image(const struct charge_in *in, int64_t id)
{
	json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
			      "household_id", (json_int_t)in->household_id, "kind",
			      kinds[in->kind].name, "amount_fen", (json_int_t)in->amount_fen,
			      "due_on", in->due_on, "period", or_empty(in->period), "source_type",
			      in->source_type, "note", or_empty(in->note));

	json_object_set_new(j, "source_id",
			    in->source_id > 0 ? json_integer(in->source_id) : json_null());
	return j;
}

/* The existing charge of the same source, kind and period. */
static int
charge_same(struct db *db, const struct charge_in *in, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t household = 0, amount = 0;
	int rc;

	rc = db_prepare(db,
			"SELECT id, household_id, amount_fen FROM charge WHERE source_type = ?"
			" AND source_id = ? AND kind = ? AND period = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->source_type);
	db_bind_int64(st, 2, in->source_id);
	db_bind_cstr(st, 3, kinds[in->kind].name);
	db_bind_cstr(st, 4, or_empty(in->period));
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		household = db_col_int64(st, 1);
		amount = db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? anju_fail(e, ANJU_EINTERNAL, "charge_lost", NULL,
						 "费用重复但找不到原费用")
				     : db_fail(db, rc, e);
	if (household != in->household_id || amount != in->amount_fen)
		return anju_fail(e, ANJU_ECONFLICT, "charge_exists_different", NULL,
				 "同一来源、类型和期间的费用已存在，且金额或家庭不同");
	return 0;
}

int
charge_raise(struct db *db, const struct charge_in *in, const struct audit_actor *who, int64_t *id,
	     bool *created, struct anju_err *e)
{
	char now[TIME_FMT_LEN];
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	int64_t income;
	json_t *after;
	int rc;

	*created = false;
	*id = 0;
	if ((rc = charge_validate(in, e)) != 0 ||
	    (rc = money_household_exists(db, in->household_id, e)) != 0 ||
	    (rc = money_hh_accounts(db, in->household_id, &a, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on, period,"
		" source_type, source_id, state, note, created_at, created_by)"
		" VALUES (?, ?, ?, 0, ?, ?, ?, ?, 'open', ?, ?, ?)"
		" ON CONFLICT (source_type, source_id, kind, period) DO NOTHING RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, in->household_id);
	db_bind_cstr(st, 2, kinds[in->kind].name);
	db_bind_int64(st, 3, in->amount_fen);
	db_bind_cstr(st, 4, in->due_on);
	db_bind_cstr(st, 5, or_empty(in->period));
	db_bind_cstr(st, 6, in->source_type);
	if (in->source_id > 0)
		db_bind_int64(st, 7, in->source_id);
	else
		db_bind_null(st, 7);
	db_bind_cstr(st, 8, or_empty(in->note));
	db_bind_cstr(st, 9, now);
	db_bind_cstr(st, 10, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return charge_same(db, in, id, e);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	*created = true;
	/* Owed from now: receivable against income (a deposit: against the
	 * deposits billed, which become the liability once received).  Then
	 * the household's credit settles what it can, in the same journal. */
	if ((rc = ledger_account(db, kinds[in->kind].income, 0, &income, e)) != 0 ||
	    (rc = journal_begin(db, &j, NULL, "charge", "charge", *id, 0, kinds[in->kind].title,
				who, e)) != 0 ||
	    (rc = journal_move(&j, a.receivable, income, in->amount_fen, e)) != 0 ||
	    (rc = money_settle_into(db, &j, in->household_id, &a, e)) != 0 ||
	    (rc = journal_post(db, &j, e)) != 0)
		return rc;
	after = charge_image(in, *id);
	{
		char oid[24];

		snprintf(oid, sizeof(oid), "%lld", (long long)*id);
		rc = audit_write(db, who, "charge.raise", "charge", oid, NULL, after, e);
	}
	json_decref(after);
	return rc;
}

struct charge_row {
	int64_t household_id;
	int64_t amount_fen;
	int64_t paid_fen;
	enum charge_kind kind;
	char state[16];
};

static int
charge_load(struct db *db, int64_t id, struct charge_row *c, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT household_id, amount_fen, kind, state, paid_fen FROM charge"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		c->household_id = db_col_int64(st, 0);
		c->amount_fen = db_col_int64(st, 1);
		charge_kind_parse(db_col_text(st, 2), &c->kind);
		snprintf(c->state, sizeof(c->state), "%s", db_col_text(st, 3));
		c->paid_fen = db_col_int64(st, 4);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "charge_not_found", NULL, "没有这笔费用");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* A charge taken off the books stays off: cancelled, or a deposit released
 * at move-out. */
static int
charge_live(const struct charge_row *c, struct anju_err *e)
{
	if (strcmp(c->state, "cancelled") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "charge_cancelled", NULL, "这笔费用已经撤销");
	if (strcmp(c->state, "released") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "charge_released", NULL,
				 "这笔履约保证金已经转回预收款");
	return 0;
}

int
charge_cancellable(struct db *db, int64_t id, struct anju_err *e)
{
	struct charge_row c;
	int rc;

	if ((rc = charge_load(db, id, &c, e)) != 0)
		return rc;
	return charge_live(&c, e);
}

int
money_charge_undo(struct db *db, int64_t id, const char *state, const char *event,
		  const char *reason, bool settle_all, int64_t only_id,
		  const struct audit_actor *who, int64_t *undone_fen, struct anju_err *e)
{
	struct charge_row c;
	struct hh_accounts a;
	struct journal j;
	struct db_stmt *st;
	int64_t income;
	char oid[24], now[TIME_FMT_LEN];
	json_t *before, *after;
	int rc;

	*undone_fen = 0;
	if ((rc = charge_load(db, id, &c, e)) != 0 || (rc = charge_live(&c, e)) != 0 ||
	    (rc = money_hh_accounts(db, c.household_id, &a, e)) != 0 ||
	    (rc = ledger_account(db, kinds[c.kind].income, 0, &income, e)) != 0)
		return rc;
	/* What was paid goes back to credit; the charge is owed no more; the
	 * credit then settles the household's other open charges (or only the
	 * one named). */
	if ((rc = journal_begin(db, &j, NULL, event, "charge", id, 0, reason, who, e)) != 0 ||
	    (rc = money_unallocate(db, &j, &a, 0, id, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"UPDATE charge SET state = ?, cancelled_at = ?, cancel_reason = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, reason);
	db_bind_int64(st, 4, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = journal_move(&j, income, a.receivable, c.amount_fen, e)) != 0)
		return rc;
	if (settle_all)
		rc = money_settle_into(db, &j, c.household_id, &a, e);
	else if (only_id > 0)
		rc = money_settle_one_into(db, &j, c.household_id, &a, only_id, e);
	if (rc != 0 || (rc = journal_post(db, &j, e)) != 0)
		return rc;
	*undone_fen = c.paid_fen;
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	before = json_pack("{s:s, s:I}", "state", c.state, "paid_fen", (json_int_t)c.paid_fen);
	after = json_pack("{s:s, s:s}", "state", state, "reason", reason);
	rc = audit_write(db, who, event, "charge", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
charge_cancel(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
	      struct anju_err *e)
{
	int64_t undone;

	return money_charge_undo(db, id, "cancelled", "charge.cancel", reason, true, 0, who,
				 &undone, e);
}

json_t *
money_charge_json(struct db_stmt *st)
{
	enum charge_kind k = CHARGE_OTHER;
	json_t *j;

	charge_kind_parse(db_col_text(st, 2), &k);
	j = json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "household_id",
		      (json_int_t)db_col_int64(st, 1), "kind", kinds[k].name, "kind_title",
		      kinds[k].title, "amount_fen", (json_int_t)db_col_int64(st, 3), "paid_fen",
		      (json_int_t)db_col_int64(st, 4), "owed_fen",
		      (json_int_t)(strcmp(db_col_text(st, 9), "cancelled") == 0 ||
						   strcmp(db_col_text(st, 9), "released") == 0
					   ? 0
					   : db_col_int64(st, 3) - db_col_int64(st, 4)),
		      "due_on", db_col_text(st, 5), "period", db_col_text(st, 6), "source_type",
		      db_col_text(st, 7), "state", db_col_text(st, 9), "note", db_col_text(st, 10),
		      "created_at", db_col_text(st, 11));
	json_object_set_new(j, "source_id",
			    db_col_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)));
	json_object_set_new(j, "cancel_reason",
			    db_col_null(st, 12) ? json_null() : json_string(db_col_text(st, 12)));
	return j;
}

int
charge_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " MONEY_CHARGE_COLUMNS " FROM charge c JOIN household h"
			" ON h.id = c.household_id WHERE c.id = ? AND " SCOPE_SQL("h.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	money_scope_bind(st, 2, c);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = money_charge_json(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "charge_not_found", NULL, "没有这笔费用");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}
