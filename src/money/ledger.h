/*
 * The ledger: one double-entry book for every money event (issue 5 §3).
 * A journal is built in the event's transaction and posted whole: its
 * entries sum to zero, each lands in the open period, the stored balances
 * move with them.  Entries are never changed; a correction is a journal
 * that reverses another.  Entries are signed: debit > 0, credit < 0.
 *
 * Accounts are found or made by code: the fixed ones by name, a
 * household's receivable and credit by household.
 */
#ifndef ANJU_MONEY_LEDGER_H
#define ANJU_MONEY_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"
#include "core/err.h"

struct db;
struct audit_actor;

enum ledger_kind {
	LEDGER_CASH,           /* 库存现金 */
	LEDGER_BANK,           /* 银行存款 */
	LEDGER_SPECIAL_RENT,   /* 保障房租金专户 */
	LEDGER_DEPOSIT,        /* 履约保证金 (deposit liability) */
	LEDGER_DEPOSIT_BILLED, /* 应收履约保证金 (deposits charged, not yet received) */
	LEDGER_RENT_INCOME,    /* 租金收入 */
	LEDGER_OTHER_INCOME,   /* 其他收入 */
	LEDGER_SUSPENSE,       /* 待查明款项 (unmatched bank money) */
	LEDGER_OPERATOR_FEES,  /* 应付运营服务费 */
	LEDGER_RECEIVABLE,     /* 应收住户款, per household */
	LEDGER_CREDIT,         /* 住户预收款 (credit), per household */
	LEDGER_KIND_COUNT,
};

const char *ledger_kind_name(enum ledger_kind k);
/* 0 or -1. */
int ledger_kind_parse(const char *name, enum ledger_kind *out);

#define LEDGER_CODE_LEN 48
#define LEDGER_NAME_LEN 96

/* The unique code ("receivable:12", "cash") and the name of the account of
 * kind k (household_id for RECEIVABLE and CREDIT, else 0). */
void ledger_account_names(enum ledger_kind k, int64_t household_id, char code[LEDGER_CODE_LEN],
			  char name[LEDGER_NAME_LEN]);
/* The account of kind k (household_id for RECEIVABLE and CREDIT, else 0),
 * made on first use. */
int ledger_account(struct db *db, enum ledger_kind k, int64_t household_id, int64_t *id,
		   struct anju_err *e);

/* This month in Asia/Shanghai: the period corrections land in.  A period
 * closes only once it has ended, so this one is always open. */
void ledger_current_period(char period[PERIOD_FMT_LEN]);
/* Whether a period ("YYYY-MM") is closed. */
int ledger_period_closed(struct db *db, const char *period, bool *closed, struct anju_err *e);
/* Closes a period: it must have ended and every earlier period with entries
 * must be closed (ANJU_ECONFLICT otherwise).  Audited. */
int ledger_close_period(struct db *db, const char *period, const struct audit_actor *who,
			struct anju_err *e);

#define JOURNAL_MAX_LINES 64

struct journal_line {
	int64_t account_id;
	int64_t amount_fen;
};

/* A journal being built.  journal_begin writes its head (so rows of the
 * event can point at its id); journal_post writes the lines and moves the
 * balances, or refuses (ANJU_EINTERNAL) a journal that does not balance. */
struct journal {
	int64_t id;
	char period[PERIOD_FMT_LEN];
	int n;
	struct journal_line lines[JOURNAL_MAX_LINES];
};

/* period: the month the event belongs to ("YYYY-MM"; NULL: the current
 * one); a closed one is ANJU_ECONFLICT "period_closed". */
int journal_begin(struct db *db, struct journal *j, const char *period, const char *event,
		  const char *object_type, int64_t object_id, int64_t reverses_id, const char *memo,
		  const struct audit_actor *who, struct anju_err *e);
/* Adds amount (debit > 0, credit < 0) to an account; lines on the same
 * account are merged.  ANJU_ERANGE on overflow, ANJU_EINTERNAL when full. */
int journal_add(struct journal *j, int64_t account_id, int64_t amount_fen, struct anju_err *e);
/* Debit one account, credit another, by amount > 0. */
int journal_move(struct journal *j, int64_t debit_account, int64_t credit_account,
		 int64_t amount_fen, struct anju_err *e);
int journal_post(struct db *db, struct journal *j, struct anju_err *e);
/* Posts a journal that undoes every entry of journal id (in the open
 * period), pointing at it. */
int journal_reverse(struct db *db, int64_t id, const char *event, const char *memo,
		    const struct audit_actor *who, int64_t *reversal_id, struct anju_err *e);

/* The balance of an account (debits minus credits) over every period. */
int ledger_balance(struct db *db, int64_t account_id, int64_t *fen, struct anju_err *e);

/* Journals touching a household's accounts, newest first, each with its
 * lines: for the household's account page. */
int ledger_household_lines(struct db *db, int64_t household_id, int64_t before_id, int limit,
			   json_t **items, int64_t *next, struct anju_err *e);

#endif
