/*
 * The rent source of the dossiers' timelines (dossier/timeline.h): what
 * the money core and the dunning records say about a household's rent, so
 * that the household dossier (一户一档) and the unit dossier (一房一档)
 * show it beside the tenancy's events.
 *
 *   household  its rent and overstay charges (raised, cancelled), its
 *              payments of every channel with their receipt numbers
 *              (received, reversed), its dunning actions
 *   unit       the same for the lease chains that had a lease of the unit:
 *              their rent charges billed for this unit, the payments
 *              settling them, the dunning actions on their cases
 *
 * Each kind of event is one indexed query per ref, newest first, at most
 * limit rows; timeline_build() merges them.  The detail carries the
 * figures and a one-line Chinese summary as after.note, which the
 * console's timeline shows as it shows any change.
 */
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "dossier/timeline.h"
#include "money/money.h"
#include "money/receipt.h"
#include "store/db.h"

/* The charges of a ref: the household's, or those of the chains of the
 * unit billed for that unit. */
#define CHARGE_COLS                                                                                \
	"SELECT c.id, c.kind, c.period, c.amount_fen, c.paid_fen, c.state, c.due_on,"              \
	" c.created_at, c.cancelled_at, c.cancel_reason, c.source_id FROM charge c"
#define CHARGE_RENT " c.kind IN ('rent', 'overstay_rent') AND c.source_type = 'lease_chain'"
#define UNIT_CHAINS "(SELECT chain_id FROM lease WHERE unit_id = ?)"
#define BILLED_HERE                                                                                \
	" AND NOT EXISTS (SELECT 1 FROM rent_line rl"                                              \
	" WHERE rl.charge_id = c.id AND rl.unit_id <> ?)"

static const char charges_household[] =
	CHARGE_COLS " WHERE c.household_id = ? AND" CHARGE_RENT " ORDER BY c.created_at DESC,"
		    " c.id DESC LIMIT ?";
static const char charges_unit[] =
	CHARGE_COLS " WHERE" CHARGE_RENT " AND c.source_id IN " UNIT_CHAINS BILLED_HERE
		    " ORDER BY c.created_at DESC, c.id DESC LIMIT ?";

#define PAYMENT_COLS                                                                               \
	"SELECT p.id, p.channel, p.amount_fen, p.state, p.received_at, p.reversed_at,"             \
	" p.reverse_reason, b.series, r.number, r.state,"                                          \
	" COALESCE(NULLIF(ac.display_name, ''), ac.username, ak.name), p.household_id"             \
	" FROM payment p LEFT JOIN receipt r ON r.payment_id = p.id"                               \
	" LEFT JOIN receipt_book b ON b.id = r.book_id"                                            \
	" LEFT JOIN account ac ON p.taken_by = 'account:' || CAST(ac.id AS TEXT)"                  \
	" LEFT JOIN api_key ak ON p.taken_by = 'apikey:' || CAST(ak.id AS TEXT)"

static const char payments_household[] =
	PAYMENT_COLS " WHERE p.household_id = ? ORDER BY p.received_at DESC, p.id DESC LIMIT ?";
static const char payments_unit[] = PAYMENT_COLS
	" WHERE p.id IN (SELECT a.payment_id FROM allocation a JOIN charge c"
	" ON c.id = a.charge_id WHERE" CHARGE_RENT " AND c.source_id IN " UNIT_CHAINS BILLED_HERE
	") ORDER BY p.received_at DESC, p.id DESC LIMIT ?";

#define ACTION_COLS                                                                                \
	"SELECT d.id, d.case_id, d.channel, d.result, d.level, d.note, d.acted_at, d.actor_name,"  \
	" d.auto, l.name FROM dunning_action d LEFT JOIN dunning_level l ON l.code = d.level"

static const char actions_household[] =
	ACTION_COLS " WHERE d.household_id = ? ORDER BY d.acted_at DESC, d.id DESC LIMIT ?";
static const char actions_unit[] = ACTION_COLS
	" WHERE d.case_id IN (SELECT id FROM dunning_case WHERE chain_id IN " UNIT_CHAINS
	") ORDER BY d.acted_at DESC, d.id DESC LIMIT ?";

static void
append(json_t *events, const char *at, const char *action, const struct timeline_ref *ref,
       const char *actor, json_t *detail, const char *note)
{
	json_object_set_new(detail, "after", json_pack("{s:s}", "note", note));
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:o}", "at", at,
						"source", "rent", "action", action, "object_type",
						ref->type, "object_id", (json_int_t)ref->id,
						"actor", actor, "detail", detail));
}

static const char *
kind_title(const char *kind)
{
	enum charge_kind k;

	return charge_kind_parse(kind, &k) == 0 ? charge_kind_title(k) : kind;
}

static void
charge_events(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	const char *kind = db_col_text(st, 1), *period = db_col_text(st, 2);
	const char *state = db_col_text(st, 5);
	int64_t amount = db_col_int64(st, 3), paid = db_col_int64(st, 4);
	char a[MONEY_FMT_MAX], p[MONEY_FMT_MAX], note[256];
	json_t *detail;

	money_format(amount, a);
	money_format(paid, p);
	snprintf(note, sizeof(note), "%s %s %s 元，应缴日 %s，已缴 %s 元%s", period,
		 kind_title(kind), a, db_col_text(st, 6), p,
		 strcmp(state, "paid") == 0        ? "（已缴清）"
		 : strcmp(state, "cancelled") == 0 ? "（已取消）"
						   : "");
	detail = json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "charge_id",
			   (json_int_t)db_col_int64(st, 0), "chain_id",
			   (json_int_t)db_col_int64(st, 10), "kind", kind, "period", period,
			   "amount_fen", (json_int_t)amount, "paid_fen", (json_int_t)paid, "state",
			   state, "due_on", db_col_text(st, 6));
	append(events, db_col_text(st, 7), "rent.charge", ref, NULL, detail, note);
	if (!db_col_null(st, 8)) {
		snprintf(note, sizeof(note), "%s %s %s 元已取消：%s", period, kind_title(kind), a,
			 db_col_text(st, 9) ? db_col_text(st, 9) : "");
		detail = json_pack("{s:I, s:s, s:s, s:I, s:s?}", "charge_id",
				   (json_int_t)db_col_int64(st, 0), "kind", kind, "period", period,
				   "amount_fen", (json_int_t)amount, "reason", db_col_text(st, 9));
		append(events, db_col_text(st, 8), "rent.charge_cancel", ref, NULL, detail, note);
	}
}

static void
payment_events(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	enum payment_channel ch;
	const char *channel = db_col_text(st, 1), *title;
	int64_t amount = db_col_int64(st, 2);
	char a[MONEY_FMT_MAX], number[RECEIPT_TEXT_MAX] = "", note[320];
	json_t *detail;

	title = channel_parse(channel, &ch) == 0 ? channel_title(ch) : channel;
	money_format(amount, a);
	if (!db_col_null(st, 8))
		receipt_number_text(db_col_text(st, 7), db_col_int64(st, 8), number);
	snprintf(note, sizeof(note), "%s 收款 %s 元%s%s", title, a, number[0] ? "，票据 " : "",
		 number);
	detail = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s?, s:s?}", "payment_id",
			   (json_int_t)db_col_int64(st, 0), "household_id",
			   (json_int_t)db_col_int64(st, 11), "channel", channel, "channel_title",
			   title, "amount_fen", (json_int_t)amount, "state", db_col_text(st, 3),
			   "receipt_number", number[0] ? number : NULL, "receipt_state",
			   db_col_text(st, 9));
	append(events, db_col_text(st, 4), "payment.receive", ref, db_col_text(st, 10), detail,
	       note);
	if (!db_col_null(st, 5)) {
		snprintf(note, sizeof(note), "%s 收款 %s 元已冲正%s%s：%s", title, a,
			 number[0] ? "，票据作废 " : "", number,
			 db_col_text(st, 6) ? db_col_text(st, 6) : "");
		detail = json_pack("{s:I, s:s, s:I, s:s?, s:s?}", "payment_id",
				   (json_int_t)db_col_int64(st, 0), "channel", channel,
				   "amount_fen", (json_int_t)amount, "receipt_number",
				   number[0] ? number : NULL, "reason", db_col_text(st, 6));
		append(events, db_col_text(st, 5), "payment.reverse", ref, NULL, detail, note);
	}
}

static const char *
dunning_channel_title(const char *c)
{
	static const char *const map[][2] = {
		{ "sms", "短信" },   { "phone", "电话" },           { "letter", "书面通知" },
		{ "visit", "上门" }, { "withholding", "代扣失败" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], c) == 0)
			return map[i][1];
	return c;
}

static void
action_event(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	const char *channel = db_col_text(st, 2), *level_name = db_col_text(st, 9);
	char note[600];
	json_t *detail;

	snprintf(note, sizeof(note), "催缴（%s%s%s）：%s", dunning_channel_title(channel),
		 level_name ? "，" : "", level_name ? level_name : "", db_col_text(st, 3));
	detail = json_pack("{s:I, s:o, s:s, s:s, s:s?, s:s, s:b}", "action_id",
			   (json_int_t)db_col_int64(st, 0), "case_id",
			   db_col_null(st, 1) ? json_null() : json_integer(db_col_int64(st, 1)),
			   "channel", channel, "result", db_col_text(st, 3), "level",
			   db_col_text(st, 4), "text", db_col_text(st, 5), "auto",
			   db_col_int64(st, 8) != 0);
	append(events, db_col_text(st, 6), "dunning.action", ref, db_col_text(st, 7), detail, note);
}

typedef void (*row_fn)(struct db_stmt *st, const struct timeline_ref *ref, json_t *events);

/* Runs sql for ref: the ref's id bound at each of the first nids
 * parameters, then the limit. */
static int
collect_one(struct db *db, const char *sql, int nids, const struct timeline_ref *ref, int limit,
	    row_fn fn, json_t *events)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return rc;
	for (int k = 1; k <= nids; k++)
		db_bind_int64(st, k, ref->id);
	db_bind_int64(st, nids + 1, limit);
	while ((rc = db_step(st)) == DB_ROW)
		fn(st, ref, events);
	db_reset(st);
	return rc == DB_DONE ? 0 : rc;
}

static int
rent_collect(struct db *db, const struct caller *c, const struct timeline_ref *refs, int nrefs,
	     int limit, json_t *events, struct anju_err *e)
{
	int rc = 0;

	(void)c; /* the dossier decided the subject is seen; these rows are its own */
	for (int i = 0; i < nrefs && rc == 0; i++) {
		if (strcmp(refs[i].type, "household") == 0) {
			if ((rc = collect_one(db, charges_household, 1, &refs[i], limit,
					      charge_events, events)) == 0 &&
			    (rc = collect_one(db, payments_household, 1, &refs[i], limit,
					      payment_events, events)) == 0)
				rc = collect_one(db, actions_household, 1, &refs[i], limit,
						 action_event, events);
		} else if (strcmp(refs[i].type, "unit") == 0) {
			if ((rc = collect_one(db, charges_unit, 2, &refs[i], limit, charge_events,
					      events)) == 0 &&
			    (rc = collect_one(db, payments_unit, 2, &refs[i], limit, payment_events,
					      events)) == 0)
				rc = collect_one(db, actions_unit, 1, &refs[i], limit, action_event,
						 events);
		}
	}
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

const struct timeline_source timeline_source_rent = { "rent", rent_collect };
