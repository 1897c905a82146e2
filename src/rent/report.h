/*
 * Rent reports (issue 7 §6, part E): the rent ledger (租金台账), the
 * collection report, arrears with their ageing, the bureau's monthly
 * report, the bank's report and the finance dashboard's figures, each as
 * JSON (the API's schema of the same name) and as an xlsx workbook.
 *
 * Every report is restricted to what the caller may see (access/scope.h):
 * a community outside the scope is not found, and the totals count only
 * the communities in scope.  Rent is read from the billing run's rent_line
 * rows and the money core's charges and allocations; arrears only through
 * arrears_scan (rent.h), so the months owed mean the same everywhere.
 * docs/rent-reports.md defines each figure.
 */
#ifndef ANJU_RENT_REPORT_H
#define ANJU_RENT_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"

struct db;
struct caller;

/* The longest range of months one collection report covers. */
#define REPORT_MONTHS_MAX 36

enum report_kind {
	REPORT_RENT_LEDGER, /* per community and month: each rent charge's due, paid, owed */
	REPORT_COLLECTION,  /* due, collected, rate by community and month over a range */
	REPORT_ARREARS,     /* per chain: months owed, owed, ageing; totals */
	REPORT_BUREAU,      /* the bureau's monthly report over every community in scope */
	REPORT_BANK,        /* payments by channel, withholding, bank lines, suspense */
	REPORT_KIND_COUNT,
};

/* "rent-ledger", "collection", "arrears", "bureau-monthly", "bank". */
const char *report_kind_name(enum report_kind k);

/* What a report is asked for; strings empty when not given.  Each report
 * reads the members it needs (docs/rent-reports.md). */
struct report_query {
	int64_t community_id;        /* 0: every community in scope */
	char period[PERIOD_FMT_LEN]; /* rent-ledger, bureau-monthly, bank */
	char from[PERIOD_FMT_LEN];   /* collection */
	char to[PERIOD_FMT_LEN];     /* collection */
	char as_of[DATE_FMT_LEN];    /* "": the report's default (today or the month's end) */
	int min_months;              /* arrears: only chains owing at least this many months */
	int months;                  /* dashboard: how many months back, 1..24 */
	int64_t after_id;            /* rent-ledger (charge id), arrears (chain id): the page */
	int limit;                   /* items per page; 0: every item (the xlsx) */
};

/* The report of kind k into *out (a new object).  ANJU_EINVAL or
 * ANJU_EUNPROCESSABLE for a bad query (field named), ANJU_ENOTFOUND
 * ("community_not_found") for a community outside the scope. */
int report_build(struct db *db, const struct caller *c, enum report_kind k,
		 const struct report_query *q, json_t **out, struct anju_err *e);

/* The same report as an xlsx workbook appended to out, every item on it
 * (the query's page is ignored). */
int report_xlsx(struct db *db, const struct caller *c, enum report_kind k,
		const struct report_query *q, struct buf *out, struct anju_err *e);

/* The finance dashboard: this month's due, collected and rate, what is owed
 * now and the chains owing 6 months or more (headline), the collection by
 * month and community for the last q->months months (collection), and the
 * ageing of arrears per community (ageing). */
int report_dashboard(struct db *db, const struct caller *c, const struct report_query *q,
		     json_t **out, struct anju_err *e);

#endif
