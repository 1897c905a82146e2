/*
 * Rent collection (issue 7, part C; docs/rent-collection.md): payer bank
 * accounts (payer.c), batch withholding through the banks' files
 * (withholding.c) and online payments confirmed by signed callbacks
 * (callback.c).  Tables: sql/022_collection.sql.  The contract functions
 * other parts call (payer_account_household, payer_account_learn) are in
 * rent.h; this header is the rest of the part's surface, for its API
 * (http/api_collection.c), its job and its tests.
 *
 * Every amount received becomes a payment of the money core through
 * payment_take() (channel withholding or online, an electronic receipt),
 * so there is no second ledger.  Functions run in the caller's write
 * transaction and write their audit rows last, unless they say otherwise.
 */
#ifndef ANJU_RENT_COLLECTION_H
#define ANJU_RENT_COLLECTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* ---- payer accounts (payer.c) ---- */

/* An account number has 10 to 32 digits once spaces and '-' are dropped. */
#define PAYER_DIGITS_MIN 10
#define PAYER_DIGITS_MAX 32

/* The digits of an account number (spaces and '-' dropped) into out:
 * 0, or ANJU_EINVAL ("invalid_account_number", field "number"). */
int payer_number_digits(const char *number, char out[PAYER_DIGITS_MAX + 1], struct anju_err *e);
/* The masked form of digits: the first 4 and the last 4, '*' between. */
void payer_number_mask(const char *digits, char *out, size_t cap);
/* A sealed number opened and masked into out: 0, or -1 when it cannot be
 * opened with the loaded keys (out is then ""). */
int payer_mask_sealed(const char *sealed, char *out, size_t cap);

/* What a new account is, or what an update changes (NULL strings, negative
 * flags and a negative authorization_file_id: unchanged; "" authorized_on
 * and authorization_file_id 0 on update: removed). */
struct payer_in {
	const char *holder_name;       /* 1..64 characters */
	const char *bank_name;         /* 1..64 characters */
	const char *bank_code;         /* a withholding_bank; "" removes (update) */
	const char *number;            /* add only */
	int withholding;               /* 1: the household's withholding account */
	const char *authorized_on;     /* YYYY-MM-DD, not in the future */
	int64_t authorization_file_id; /* an attachment of the household */
	int active;                    /* update: 0 disables, 1 enables */
};

/* The household's accounts (PayerAccount JSON, numbers masked), active
 * first, into *items (new).  The household must be visible to c
 * (ANJU_ENOTFOUND). */
int payer_account_list(struct db *db, const struct caller *c, int64_t household_id, json_t **items,
		       struct anju_err *e);
/* Adds an account (source "manual").  ANJU_EINVAL (field), ANJU_ENOTFOUND,
 * ANJU_EUNPROCESSABLE ("authorization_required": a withholding account
 * needs a bank and the signed authorisation), ANJU_ECONFLICT
 * ("payer_account_exists").  Making it the withholding account ends the
 * flag on the household's other accounts.  Audited "payer_account.create"
 * on the household. */
int payer_account_add(struct db *db, const struct caller *c, int64_t household_id,
		      const struct payer_in *in, const struct audit_actor *who, int64_t *id,
		      struct anju_err *e);
/* Changes an account as above (the number never changes: add another).
 * Audited "payer_account.update" with what changed. */
int payer_account_update(struct db *db, const struct caller *c, int64_t id,
			 const struct payer_in *in, const struct audit_actor *who,
			 struct anju_err *e);
int payer_account_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		      struct anju_err *e);
/* The full number into *value (free with pii_plain_free): the role may
 * (finance, bureau, operator_manager, operator_staff: ANJU_EFORBIDDEN),
 * the reason 4..200 characters, at most reveal_per_hour an hour per
 * principal (ANJU_ELIMIT).  Audited "payer_account.reveal" (never the
 * value). */
int payer_account_reveal(struct db *db, const struct caller *c, const struct audit_actor *who,
			 int64_t id, const char *reason, char **value, size_t *n,
			 struct anju_err *e);
bool payer_role_may_reveal(int role);

/* ---- withholding (withholding.c) ---- */

/* The fields a layout's columns name (WithholdingLayout in the API). */
enum wh_field {
	WH_ACCOUNT_NUMBER, /* the payer account's digits */
	WH_HOLDER_NAME,
	WH_AMOUNT_YUAN, /* "1234.50" */
	WH_AMOUNT_FEN,  /* "123450" */
	WH_REFERENCE,   /* the item's reference, which the result echoes */
	WH_HOUSEHOLD_ID,
	WH_PERIOD,
	WH_SEQ,      /* the line number, from 1 */
	WH_CONSTANT, /* value, as configured */
	WH_STATUS,   /* result: success or failure (success_values) */
	WH_REASON,   /* result: why it failed */
	WH_BANK_REF, /* result: the bank's transaction reference */
	WH_IGNORE,   /* result: a column read and ignored */
	WH_FIELD_COUNT,
};

/* The names of enum wh_field, NULL-terminated (for the API's enums). */
extern const char *const wh_field_names[];

#define WH_COLUMNS_MAX 32
#define WH_SUCCESS_MAX 8
#define WH_VALUE_MAX   64
#define WH_ENC_UTF8    0
#define WH_ENC_GB18030 1
#define WH_ENC_AUTO    2

struct wh_column {
	enum wh_field field;
	char value[WH_VALUE_MAX + 1]; /* WH_CONSTANT */
	char title[WH_VALUE_MAX + 1]; /* the header line's text; "" the field's own */
};

struct wh_layout {
	char delimiter; /* ',', '|', ';' or '\t' */
	bool header;    /* a header line (written on export, skipped on import) */
	int encoding;   /* WH_ENC_*; WH_ENC_AUTO only for results */
	int ncolumns;
	struct wh_column columns[WH_COLUMNS_MAX];
	int nsuccess; /* result: the status values that mean success */
	char success[WH_SUCCESS_MAX][WH_VALUE_MAX + 1];
};

/* Parses and checks a layout (the JSON of the API): an export layout needs
 * the account number and the amount; a result layout the reference, the
 * amount, the status, and success_values.  0 or ANJU_EINVAL with the
 * field ("export_layout.columns[2].field"). */
int wh_layout_parse(json_t *j, bool result, const char *name, struct wh_layout *out,
		    struct anju_err *e);

/* One row of a result file, as parsed. */
struct wh_result_row {
	size_t line;
	char reference[WH_VALUE_MAX + 1];
	char account[PAYER_DIGITS_MAX + 1]; /* "" when the layout has none */
	int64_t amount_fen;
	bool success;
	char reason[201];
	char bank_ref[65];
};

/* Parses a result file under layout into *rows (new array, *nrows), no
 * database: every row is checked (a reference, an amount, a known status,
 * a bank reference on a success, no reference twice) and each problem is
 * appended to errors as {line, column, field, reason}.  0 when it could be
 * read (errors may still be non-empty); ANJU_EINVAL ("file_encoding",
 * "file_empty") when not at all; ANJU_ETOOBIG past WH_ROWS_MAX rows. */
#define WH_ROWS_MAX 200000
#define WH_FILE_MAX (64 * 1024 * 1024)
int wh_result_parse(const struct wh_layout *l, const char *data, size_t n,
		    struct wh_result_row **rows, size_t *nrows, json_t *errors, struct anju_err *e);

/* Banks and their layouts (WithholdingBank JSON). */
int withholding_bank_list(struct db *db, json_t **items, struct anju_err *e);
int withholding_bank_get(struct db *db, const char *code, json_t **out, struct anju_err *e);
/* Creates or replaces a bank (code, name, both layouts checked, active).
 * Audited "withholding_bank.create" / ".update". */
int withholding_bank_put(struct db *db, const char *code, json_t *in, bool create,
			 const struct audit_actor *who, struct anju_err *e);

/* Exports the batch of bank and period: every household visible to c with
 * an active withholding account at that bank that owes something on
 * charges due by the period's last day (the amount).  While an open batch
 * of the bank and period exists, it is returned (*created false).
 * ANJU_EINVAL (period), ANJU_ENOTFOUND (bank), ANJU_EUNPROCESSABLE
 * ("nothing_to_withhold").  Audited "withholding_batch.create". */
int withholding_export(struct db *db, const struct caller *c, const char *bank_code,
		       const char *period, const struct audit_actor *who, int64_t *batch_id,
		       bool *created, struct anju_err *e);
/* The batch's file, made again from its items and checked against the
 * stored hash, into out; *name its file name (new). */
int withholding_file(struct db *db, int64_t batch_id, struct buf *out, char **name,
		     struct anju_err *e);
int withholding_batch_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
int withholding_batch_list(struct db *db, const char *bank_code, const char *period,
			   int64_t before_id, int limit, json_t **items, int64_t *next,
			   struct anju_err *e);
int withholding_item_list(struct db *db, int64_t batch_id, const char *state, int64_t after_id,
			  int limit, json_t **items, int64_t *next, struct anju_err *e);
/* Cancels an open batch none of whose items has a result (ANJU_ECONFLICT
 * naming the state otherwise).  Audited. */
int withholding_cancel(struct db *db, int64_t batch_id, const struct audit_actor *who,
		       struct anju_err *e);

/* Imports a bank's result file for a batch, in the caller's transaction.
 * Every row is validated first against the layout and the batch (the
 * reference is one of its items and appears once, the amount is the
 * item's, the account matches, a success's bank reference is not taken by
 * another payment, no row contradicts a result applied before).  Any
 * error: ANJU_EUNPROCESSABLE ("result_rows_invalid") with *report
 * {rows, errors:[{line, column, field, reason}]}, nothing written (the
 * caller rolls back, then may record the rejection: withholding_reject).
 * Otherwise a withholding_result row is recorded and, with at most
 * WH_INLINE_ROWS rows, applied at once; larger files are queued as the job
 * "withholding_import".  *report: the WithholdingResult.  Applying: each
 * success a payment (channel withholding, channel_ref the bank's
 * reference), each failure a dunning note; a row whose item has its result
 * already is left alone, so importing a file again adds nothing.
 * ANJU_ENOTFOUND (batch), ANJU_ECONFLICT ("batch_cancelled",
 * "result_applying"), ANJU_EINVAL ("file_encoding", "file_empty"). */
#define WH_INLINE_ROWS 500
int withholding_import(struct db *db, const struct caller *c, int64_t batch_id, const char *data,
		       size_t n, const struct audit_actor *who, json_t **report,
		       struct anju_err *e);
/* Records a rejected result file (its hash, size, rows and errors, state
 * rejected) in the caller's transaction: *id the withholding_result. */
int withholding_reject(struct db *db, int64_t batch_id, const char *data, size_t n, json_t *report,
		       const struct audit_actor *who, int64_t *id, struct anju_err *e);
int withholding_result_list(struct db *db, int64_t batch_id, json_t **items, struct anju_err *e);
int withholding_result_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);

/* ---- online orders and callbacks (callback.c) ---- */

/* Creates an online order for a household visible to c: amount_fen 0
 * means everything it owes; otherwise 1..owed (ANJU_EUNPROCESSABLE
 * "amount_exceeds_owed", "nothing_owed").  Audited "online_order.create". */
int online_order_create(struct db *db, const struct caller *c, int64_t household_id,
			int64_t amount_fen, const struct audit_actor *who, json_t **out,
			struct anju_err *e);
int online_order_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		     struct anju_err *e);
int online_order_list(struct db *db, const struct caller *c, int64_t household_id,
		      const char *state, int64_t before_id, int limit, json_t **items,
		      int64_t *next, struct anju_err *e);
int online_order_cancel(struct db *db, const struct caller *c, int64_t id,
			const struct audit_actor *who, struct anju_err *e);

/* Channels.  The secret (64 hex digits) is made here and returned once in
 * *secret (new; wipe and free); only its sealed form is stored. */
int payment_channel_create(struct db *db, const char *code, const char *name,
			   int64_t window_seconds, const struct audit_actor *who, char **secret,
			   struct anju_err *e);
int payment_channel_rotate(struct db *db, const char *code, const struct audit_actor *who,
			   char **secret, struct anju_err *e);
/* NULL name, negative window or enabled: unchanged. */
int payment_channel_update(struct db *db, const char *code, const char *name,
			   int64_t window_seconds, int enabled, const struct audit_actor *who,
			   struct anju_err *e);
int payment_channel_list(struct db *db, json_t **items, struct anju_err *e);
int payment_channel_get(struct db *db, const char *code, json_t **out, struct anju_err *e);
int payment_callback_attempts(struct db *db, const char *channel, int64_t before_id, int limit,
			      json_t **items, int64_t *next, struct anju_err *e);

/* The signature a channel sends: lower-case hex HMAC-SM3 under the secret
 * (its 64 hex characters as bytes) of timestamp || "\n" || body, into out. */
void callback_sign(const char *secret, const char *timestamp, const char *body, size_t n,
		   char out[65]);

/* A callback as received: the channel's code, the headers' timestamp
 * (Unix seconds) and signature, the raw body, the client's address. */
struct callback_in {
	const char *channel;
	const char *timestamp;
	const char *signature;
	const char *body;
	size_t n;
	const char *client;
	const char *request_id;
};
/* Handles one callback in its own transactions (db must be outside one):
 * checks the channel, the timestamp window, the signature (in constant
 * time), the body, then, once per (channel, transaction id), the order and
 * the amount, and takes the payment.  *status and *answer (new) are what
 * to reply: the stored answer for a repeat.  Every attempt is logged in
 * payment_callback_attempt.  Errors: ANJU_ENOTFOUND ("channel_not_found",
 * "order_not_found"), ANJU_EUNAUTH ("signature_invalid",
 * "timestamp_invalid", "timestamp_stale"), ANJU_EINVAL (body),
 * ANJU_EUNPROCESSABLE ("amount_mismatch"), ANJU_ECONFLICT
 * ("transaction_conflict", "order_not_open"). */
int callback_handle(struct db *db, const struct callback_in *in, int *status, json_t **answer,
		    struct anju_err *e);

#endif
