/*
 * Reading receipts: the staff's view (the payer's name masked), the printed
 * receipt (money/receipt_pdf.h) and the public verification behind the QR
 * code, which shows the number, amount, date, collecting organisation and
 * state, and nothing about the household.  See receipt.h.
 *
 * A receipt's items are what its payment settled when it was taken: the
 * allocations of that payment in the payment's own journal, and the rest as
 * 预收款 (credit).  Later movements of the money (a cancelled charge, a
 * refund) do not rewrite a receipt already handed over, so a reprint gives
 * the same document.
 */
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/scope.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "household/household.h"
#include "money/money.h"
#include "money/receipt.h"
#include "money/receipt_pdf.h"
#include "store/db.h"

/* When a household's community has no operator yet. */
#define ORGANISATION_DEFAULT "公共租赁住房运营管理"
#define CREDIT_TITLE         "预收款"

/* A receipt with what its views need, strings in an arena. */
struct rcpt {
	int64_t id, book_id, number, payment_id, household_id, amount_fen, clerk_account_id;
	const char *token, *state, *issued_at, *issued_by, *voided_at, *void_reason;
	const char *series, *book_kind, *channel;
	char number_text[RECEIPT_TEXT_MAX];
	char issued_date[DATE_FMT_LEN];
};

#define RCPT_SELECT                                                                                \
	"SELECT r.id, r.book_id, r.number, r.payment_id, r.token, r.state, r.issued_at,"           \
	" r.issued_by, r.voided_at, r.void_reason, b.series, b.kind, b.clerk_account_id,"          \
	" p.household_id, p.amount_fen, p.channel FROM receipt r"                                  \
	" JOIN receipt_book b ON b.id = r.book_id JOIN payment p ON p.id = r.payment_id"

static const char *
dup_or_null(struct arena *a, struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : arena_strdup(a, db_col_text(st, col));
}

static void
rcpt_read(struct db_stmt *st, struct arena *a, struct rcpt *x)
{
	int64_t us;

	x->id = db_col_int64(st, 0);
	x->book_id = db_col_int64(st, 1);
	x->number = db_col_int64(st, 2);
	x->payment_id = db_col_int64(st, 3);
	x->token = arena_strdup(a, db_col_text(st, 4));
	x->state = arena_strdup(a, db_col_text(st, 5));
	x->issued_at = arena_strdup(a, db_col_text(st, 6));
	x->issued_by = arena_strdup(a, db_col_text(st, 7));
	x->voided_at = dup_or_null(a, st, 8);
	x->void_reason = dup_or_null(a, st, 9);
	x->series = arena_strdup(a, db_col_text(st, 10));
	x->book_kind = arena_strdup(a, db_col_text(st, 11));
	x->clerk_account_id = db_col_null(st, 12) ? 0 : db_col_int64(st, 12);
	x->household_id = db_col_int64(st, 13);
	x->amount_fen = db_col_int64(st, 14);
	x->channel = arena_strdup(a, db_col_text(st, 15));
	receipt_number_text(x->series, x->number, x->number_text);
	x->issued_date[0] = '\0';
	if (time_parse_utc(str_c(x->issued_at), &us) == 0)
		date_format(date_in_shanghai(us), x->issued_date);
}

/* Ends a one-row look-up: 0, ANJU_ENOTFOUND or a storage error. */
static int
rcpt_step(struct db *db, struct db_stmt *st, struct arena *a, struct rcpt *x, struct anju_err *e)
{
	int rc = db_step(st);

	if (rc == DB_ROW)
		rcpt_read(st, a, x);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "receipt_not_found", NULL, "没有这张票据");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* A receipt whose household the caller may see (as payment_get). */
static int
rcpt_load(struct db *db, const struct caller *c, int64_t id, struct arena *a, struct rcpt *x,
	  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			RCPT_SELECT
			" JOIN household h ON h.id = p.household_id WHERE r.id = ? AND " SCOPE_SQL(
				"h.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	return rcpt_step(db, st, a, x, e);
}

/* The organisation that collected the money: the operator of the
 * household's community. */
static int
organisation_of(struct db *db, int64_t household_id, struct arena *a, const char **out,
		struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = ORGANISATION_DEFAULT;
	rc = db_prepare(db,
			"SELECT o.name FROM household h JOIN community c ON c.id = h.community_id"
			" LEFT JOIN operator o ON o.id = c.operator_id WHERE h.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW && !db_col_null(st, 0) && db_col_text(st, 0)[0] != '\0')
		*out = arena_strdup(a, db_col_text(st, 0));
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* The household head's name masked ("张**"), through the household module;
 * a household without an active head is named by its number. */
static int
payer_of(struct db *db, const struct caller *c, int64_t household_id, struct arena *a,
	 const char **out, struct anju_err *e)
{
	json_t *h = NULL, *m;
	const char *name = NULL, *rel;
	char masked[RECEIPT_PDF_TEXT_MAX];
	int rc;

	if ((rc = household_get(db, c, household_id, &h, e)) != 0)
		return rc;
	m = json_array_get(json_object_get(h, "members"), 0);
	rel = json_string_value(json_object_get(m, "relationship"));
	if (rel != NULL && strcmp(rel, "head") == 0)
		name = json_string_value(json_object_get(json_object_get(m, "person"), "name"));
	if (name != NULL && name[0] != '\0') {
		mask_middle(name, 1, 0, masked, sizeof(masked));
		*out = arena_strdup(a, masked);
	} else {
		*out = arena_printf(a, "户号 %lld", (long long)household_id);
	}
	json_decref(h);
	return 0;
}

/* Who took the money: the clerk the paper book was handed to ("" for an
 * electronic receipt). */
static int
clerk_of(struct db *db, const struct rcpt *x, struct arena *a, const char **out, struct anju_err *e)
{
	json_t *acct = NULL;
	const char *name;
	int rc;

	*out = "";
	if (x->clerk_account_id <= 0)
		return 0;
	rc = account_get(db, x->clerk_account_id, &acct, e);
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	name = json_string_value(json_object_get(acct, "display_name"));
	if (name == NULL || name[0] == '\0')
		name = json_string_value(json_object_get(acct, "username"));
	*out = arena_strdup(a, name ? name : "");
	json_decref(acct);
	return 0;
}

static const char *
channel_title_of(const char *name)
{
	enum payment_channel ch;

	return channel_parse(name, &ch) == 0 ? channel_title(ch) : name;
}

static const char *
state_title(const char *state)
{
	return strcmp(state, "voided") == 0 ? "已作废" : "有效";
}

int
receipt_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct arena *a = arena_new();
	const char *org, *payer, *clerk;
	char words[MONEY_WORDS_MAX];
	struct rcpt x;
	int rc;

	*out = NULL;
	if ((rc = rcpt_load(db, c, id, a, &x, e)) != 0 ||
	    (rc = organisation_of(db, x.household_id, a, &org, e)) != 0 ||
	    (rc = payer_of(db, c, x.household_id, a, &payer, e)) != 0 ||
	    (rc = clerk_of(db, &x, a, &clerk, e)) != 0)
		goto out;
	money_in_words(x.amount_fen, words);
	*out = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I,"
			 " s:s, s:s, s:s, s:s, s:s, s:s}",
			 "id", (json_int_t)x.id, "number", (json_int_t)x.number, "number_text",
			 x.number_text, "series", x.series, "book_id", (json_int_t)x.book_id,
			 "book_kind", x.book_kind, "state", x.state, "state_title",
			 state_title(x.state), "amount_fen", (json_int_t)x.amount_fen,
			 "amount_words", words, "channel", x.channel, "channel_title",
			 channel_title_of(x.channel), "payment_id", (json_int_t)x.payment_id,
			 "household_id", (json_int_t)x.household_id, "payer", payer, "organisation",
			 org, "issued_at", x.issued_at, "issued_date", x.issued_date, "issued_by",
			 x.issued_by, "token", x.token);
	json_object_set_new(*out, "clerk", clerk[0] ? json_string(clerk) : json_null());
	json_object_set_new(*out, "voided_at",
			    x.voided_at ? json_string(x.voided_at) : json_null());
	json_object_set_new(*out, "void_reason",
			    x.void_reason ? json_string(x.void_reason) : json_null());
out:
	arena_free(a);
	return rc;
}

/* The items of x: what its payment settled in its own journal, charge by
 * charge, and the rest as credit; at most RECEIPT_PDF_MAX_ITEMS lines (the
 * last ones taken together when a payment settled more). */
static int
items_of(struct db *db, const struct rcpt *x, struct arena *a, struct receipt_item **items,
	 size_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	struct receipt_item *it;
	size_t cap = RECEIPT_PDF_MAX_ITEMS, rest = 0;
	int64_t settled = 0, rest_fen = 0;
	int rc;

	it = arena_alloc(a, cap * sizeof(*it));
	*items = it;
	*n = 0;
	rc = db_prepare(db,
			"SELECT a.amount_fen, c.kind, c.period FROM allocation a"
			" JOIN charge c ON c.id = a.charge_id JOIN journal j ON j.id = a.journal_id"
			" WHERE a.payment_id = ? AND j.object_type = 'payment' AND j.object_id = ?"
			" AND j.event = 'payment' ORDER BY a.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, x->payment_id);
	db_bind_int64(st, 2, x->payment_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t amount = db_col_int64(st, 0);
		const char *period = db_col_text(st, 2);
		enum charge_kind k;
		const char *title = charge_kind_parse(db_col_text(st, 1), &k) == 0
					    ? charge_kind_title(k)
					    : "费用";
		struct period p;

		settled += amount;
		/* Keep a line for the rest and one for the credit. */
		if (*n >= cap - 2) {
			rest++;
			rest_fen += amount;
			continue;
		}
		it[*n].amount_fen = amount;
		it[*n].period = "";
		if (period != NULL && period[0] != '\0' && period_parse(str_c(period), &p) == 0) {
			char from[DATE_FMT_LEN], to[DATE_FMT_LEN];

			date_format(period_first_day(p), from);
			date_format(period_last_day(p), to);
			it[*n].title = arena_printf(a, "%s %s", title, period);
			it[*n].period = arena_printf(a, "%s 至 %s", from, to);
		} else {
			it[*n].title = title;
		}
		(*n)++;
	}
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if (rest > 0) {
		it[*n].title = arena_printf(a, "其余 %zu 项费用", rest);
		it[*n].period = "";
		it[*n].amount_fen = rest_fen;
		(*n)++;
	}
	if (settled > x->amount_fen)
		return anju_fail(e, ANJU_EINTERNAL, "receipt_items", NULL,
				 "payment %lld settled more than it brought",
				 (long long)x->payment_id);
	if (settled < x->amount_fen || *n == 0) {
		it[*n].title = CREDIT_TITLE;
		it[*n].period = "";
		it[*n].amount_fen = x->amount_fen - settled;
		(*n)++;
	}
	return 0;
}

int
receipt_pdf_of(struct db *db, const struct caller *c, int64_t id, const char *verify_base,
	       struct buf *out, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct receipt_doc d = { 0 };
	struct receipt_item *items = NULL;
	const char *base = verify_base ? verify_base : "";
	size_t n = 0, blen = strlen(base);
	struct rcpt x;
	int rc;

	/* "http://host/" and "http://host" give the same URL. */
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((rc = rcpt_load(db, c, id, a, &x, e)) != 0 ||
	    (rc = organisation_of(db, x.household_id, a, &d.organisation, e)) != 0 ||
	    (rc = payer_of(db, c, x.household_id, a, &d.payer, e)) != 0 ||
	    (rc = clerk_of(db, &x, a, &d.clerk, e)) != 0 ||
	    (rc = items_of(db, &x, a, &items, &n, e)) != 0)
		goto out;
	d.number = x.number_text;
	d.issued_date = x.issued_date;
	d.unit = ""; /* a household has a unit once tenancy exists */
	d.channel = channel_title_of(x.channel);
	d.items = items;
	d.n_items = n;
	d.total_fen = x.amount_fen;
	d.voided = strcmp(x.state, "voided") == 0;
	d.void_reason = x.void_reason;
	d.verify_url = arena_printf(a, "%.*s/r/%s", (int)blen, base, x.token);
	rc = receipt_pdf(&d, out, e);
out:
	arena_free(a);
	return rc;
}

/* A token as receipt_issue() makes them: 32 lower-case hex digits. */
static bool
token_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;

	if (n != RECEIPT_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return true;
}

int
receipt_verify(struct db *db, const char *token, json_t **out, struct anju_err *e)
{
	struct arena *a = arena_new();
	char words[MONEY_WORDS_MAX];
	struct db_stmt *st;
	const char *org;
	struct rcpt x;
	int rc;

	*out = NULL;
	if (!token_ok(token)) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "receipt_not_found", NULL, "没有这张票据");
		goto out;
	}
	if ((rc = db_prepare(db, RCPT_SELECT " WHERE r.token = ?", &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, token);
	if ((rc = rcpt_step(db, st, a, &x, e)) != 0 ||
	    (rc = organisation_of(db, x.household_id, a, &org, e)) != 0)
		goto out;
	money_in_words(x.amount_fen, words);
	*out = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "number", x.number_text,
			 "amount_fen", (json_int_t)x.amount_fen, "amount_words", words,
			 "issued_date", x.issued_date, "organisation", org, "state",
			 strcmp(x.state, "voided") == 0 ? "voided" : "issued", "state_title",
			 state_title(x.state));
out:
	arena_free(a);
	return rc;
}
