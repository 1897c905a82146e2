/*
 * Reconciliation (rent part D, issue 7 §5): our bank accounts and each
 * bank's statement layout, statement imports and their lines, matching
 * lines to households in the order of RULES.md "Money", suspense, the daily
 * comparison of the bank balance with the ledger; and the owners' side:
 * monthly owner statements, cash remitted to the special account, payments
 * out of it.  docs/rent-reconciliation.md has the rules and the postings.
 *
 *   statement.c  bank formats and accounts, the statement import job, lines
 *   match.c      the set-based matching, suspense, confirm and undo, rules,
 *                the policy, the daily balance comparison
 *   owner.c      owner statements (JSON and xlsx), remittances, disbursements
 *
 * Every function runs in the caller's transaction unless it says otherwise;
 * mutations write their audit rows there.
 */
#ifndef ANJU_RENT_RECONCILE_H
#define ANJU_RENT_RECONCILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* The largest statement file, and its rows at most (headers included). */
#define STATEMENT_MAX_INPUT (32 * 1024 * 1024)
#define STATEMENT_MAX_ROWS  200001
/* Errors a statement's report keeps; reading stops there. */
#define STATEMENT_MAX_ERRORS 1000

/* ---- bank formats and our accounts (statement.c) ---- */

/* Lists every format / account as JSON (a new array). */
int bank_format_list(struct db *db, json_t **items, struct anju_err *e);
int bank_account_list(struct db *db, json_t **items, struct anju_err *e);
int bank_format_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
int bank_account_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Creates (id 0) or replaces a format from the API's fields (in, validated
 * for shape by the route; the rules here: an amount column or both credit
 * and debit, no column used twice, a known date format).  Audited.
 * *out_id: the format's id. */
int bank_format_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		     int64_t *out_id, struct anju_err *e);
/* The same for an account: name, account_no (digits), format_id,
 * ledger_kind (special_rent, bank), active. */
int bank_account_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		      int64_t *out_id, struct anju_err *e);

/* ---- statements (statement.c) ---- */

/* Stores a statement file (sealed) for account_id and queues its import
 * job "bank_statement_import".  encoding: "auto", "utf8", "gb18030" or
 * NULL for the format's.  Audited ("bank_statement.import").  0,
 * ANJU_ENOTFOUND (account), ANJU_ECONFLICT (inactive), ANJU_EINVAL,
 * ANJU_ETOOBIG. */
int statement_import_create(struct db *db, const struct caller *c, const struct audit_actor *who,
			    int64_t account_id, const char *file_name, const char *encoding,
			    const char *data, size_t n, int64_t *statement_id, int64_t *job_id,
			    struct anju_err *e);

/* What publishing a statement did. */
struct statement_result {
	int64_t rows;      /* lines of money in the file */
	int64_t added;     /* new lines */
	int64_t known;     /* lines already there (a re-import, an overlap) */
	int64_t errors;    /* bad rows (then nothing is added) */
	char encoding[16]; /* utf8 or gb18030 */
};
/* Reads a statement file of statement_id's account (the import job's
 * first step, in the caller's transaction): every row is validated first
 * (bank_statement_error gets each bad row, column and reason); with any
 * bad row nothing is added and the result is ANJU_EUNPROCESSABLE
 * ("statement_rows_invalid").  Otherwise each line whose identity the
 * account does not know yet is added, with the household of its payer
 * account (payer_account_household) and its remark's tokens. */
int statement_publish(struct db *db, int64_t statement_id, const char *data, size_t n,
		      struct statement_result *res, struct anju_err *e);

int statement_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* Newest first; account_id 0: every account. */
int statement_list(struct db *db, int64_t account_id, int64_t before_id, int limit, json_t **items,
		   int64_t *next, struct anju_err *e);
/* The report of bad rows in file order after seq after_seq. */
int statement_errors(struct db *db, int64_t id, int64_t after_seq, int limit, json_t **items,
		     int64_t *next, struct anju_err *e);

/* ---- lines and matching (match.c) ---- */

struct line_filter {
	const char *state;    /* NULL: any; "suspense": unmatched or suggested */
	int64_t account_id;   /* 0: any */
	int64_t statement_id; /* 0: any */
	int64_t household_id; /* 0: any */
};
int bank_line_list(struct db *db, const struct line_filter *f, int64_t before_id, int limit,
		   json_t **items, int64_t *next, struct anju_err *e);
/* A line with its suggestions (best first). */
int bank_line_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);

struct match_stats {
	int64_t lines;     /* lines looked at */
	int64_t exact;     /* matched: a payment to take, or one linked */
	int64_t linked;    /* of which linked to an existing payment */
	int64_t suggested; /* left in suspense with suggestions */
	int64_t unmatched; /* left in suspense without any */
};
/* Matches the lines in suspense of statement_id (0: of every statement) in
 * one set-based pass: (1) exact: a known payer account, a payment
 * reference or the unit number with its community in the remark, with the
 * amount equal to the household's open amount (a reference: to the
 * payment's) -> matched, one line per household or payment; (2) the active
 * match rules -> suggestions; (3) the policy's amount and date tolerance;
 * (4) one period's amount, for a person to choose.  Never across
 * households.  Matched lines wait for match_post. */
int match_run(struct db *db, int64_t statement_id, struct match_stats *st, struct anju_err *e);
/* Finds again the household of each payer account of the lines in
 * suspense that had none (accounts learnt since): one look-up per distinct
 * account.  *found counts the lines that now have one. */
int match_refresh_payers(struct db *db, int64_t *found, struct anju_err *e);
/* Takes the payments of up to limit matched lines still without one (of
 * statement_id, 0: any), taking each line out of suspense first if it was
 * in; *done counts them (fewer than limit: none left). */
int match_post(struct db *db, int64_t statement_id, int limit, const struct audit_actor *who,
	       int *done, struct anju_err *e);
/* Puts the money-in lines of statement_id left unmatched into suspense: one
 * journal, Dr the account's ledger kind (special_rent) / Cr suspense.
 * *fen: the amount. */
int match_suspend(struct db *db, int64_t statement_id, const struct audit_actor *who, int64_t *fen,
		  struct anju_err *e);
/* Confirms a line in suspense as household_id's (the caller must see the
 * household): out of suspense, a payment taken (bank_transfer,
 * "bank:<identity>"), the payer account learnt (payer_account_learn).
 * Audited.  ANJU_ECONFLICT ("bank_line_state") naming the state otherwise. */
int bank_line_confirm(struct db *db, const struct caller *c, int64_t id, int64_t household_id,
		      const struct audit_actor *who, struct anju_err *e);
/* Undoes a match: its payment reversed (payment_reverse; a linked payment
 * is only unlinked), the line back in suspense.  Audited. */
int bank_line_undo(struct db *db, int64_t id, const char *reason, const struct audit_actor *who,
		   struct anju_err *e);
/* For remittance_record: a line in suspense of amount_fen is the deposit of
 * remittance_id: out of suspense, matched to it (tier "remittance").
 * ANJU_ECONFLICT ("bank_line_state", "bank_line_amount") otherwise. */
int bank_line_take_remittance(struct db *db, int64_t line_id, int64_t remittance_id,
			      int64_t amount_fen, const struct audit_actor *who,
			      struct anju_err *e);

int match_rule_list(struct db *db, json_t **items, struct anju_err *e);
int match_rule_save(struct db *db, int64_t id, json_t *in, const struct audit_actor *who,
		    int64_t *out_id, struct anju_err *e);
int match_policy_get(struct db *db, json_t **out, struct anju_err *e);
int match_policy_set(struct db *db, int64_t tolerance_fen, int window_days,
		     const struct audit_actor *who, struct anju_err *e);

/* Computes (or recomputes) every active account's comparison for day
 * ("YYYY-MM-DD"): the statement's balance at its end, the ledger balance
 * of the account's ledger kind from journals posted before the next day
 * began (Asia/Shanghai), the difference and the lines in suspense. */
int bank_balance_compute(struct db *db, const char *day, struct anju_err *e);
/* Newest day first; account_id 0: every account.  The cursor is a day. */
int bank_balance_list(struct db *db, int64_t account_id, const char *before_day, int limit,
		      json_t **items, char next[11], struct anju_err *e);

/* ---- owners (owner.c) ---- */

/* The owner's statement for period "YYYY-MM": income (rent and overstay
 * rent due for the period in its communities, paid, owed; collected in the
 * period, by cash and into the special account; remitted) and, apart,
 * spending (payments out of the special account for it in the period). */
int owner_statement(struct db *db, int64_t owner_id, const char *period, json_t **out,
		    struct anju_err *e);
/* The same as an xlsx workbook appended to out. */
int owner_statement_xlsx(struct db *db, int64_t owner_id, const char *period, struct buf *out,
			 struct anju_err *e);

struct remittance_in {
	int64_t owner_id;
	const char *period; /* YYYY-MM */
	int64_t amount_fen;
	const char *remitted_on; /* YYYY-MM-DD */
	const char *reference, *note;
	int64_t bank_line_id; /* 0: none; else a line in suspense of the same amount */
};
/* Records cash remitted to the special account: Dr special_rent / Cr cash,
 * one journal; at most the cash the ledger holds.  Audited. */
int remittance_record(struct db *db, const struct remittance_in *in, const struct audit_actor *who,
		      int64_t *id, struct anju_err *e);
int remittance_list(struct db *db, int64_t owner_id, const char *period, int64_t before_id,
		    int limit, json_t **items, int64_t *next, struct anju_err *e);

struct disbursement_in {
	const char *purpose;    /* operator_fee, other */
	const char *debit_kind; /* other: bank, rent_income, other_income; NULL: by purpose */
	int64_t owner_id;       /* 0: none */
	const char *payee;
	int64_t amount_fen;
	const char *paid_on;
	const char *reference, *note;
};
/* Records a payment out of the special account: Dr operator_fees (or the
 * named account) / Cr special_rent; at most the special account's balance.
 * Audited. */
int disbursement_record(struct db *db, const struct disbursement_in *in,
			const struct audit_actor *who, int64_t *id, struct anju_err *e);
int disbursement_list(struct db *db, int64_t owner_id, const char *period, int64_t before_id,
		      int limit, json_t **items, int64_t *next, struct anju_err *e);

#endif
