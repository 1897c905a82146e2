/*
 * The bureau's reports on the housing's use (issue 8 §4, upkeep part D):
 * vacant units (空置房), vacated units (腾退房源), unit changes (房屋异动)
 * household changes (住户变动) and the monthly use report (月度使用情况:
 * patrols, findings, violation cases, renovation requests and work orders
 * per community), each as JSON (the API's schema of the same name) and as
 * an xlsx workbook.
 *
 * Every report keeps to what the caller may see (access/scope.h): a
 * community outside the scope is not found, and the figures count only
 * the communities in scope.  Unit and household changes are read from the
 * audit trail, which every change writes in its own transaction, so they
 * cannot disagree with what happened.  Personal data is masked: names as
 * 张**, phones and ID numbers as the trail keeps them (masked already).
 * docs/upkeep-reports.md says what each column means.
 */
#ifndef ANJU_UPKEEP_REPORT_H
#define ANJU_UPKEEP_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"

struct db;
struct caller;

/* The longest period a report of changes or of vacated units covers. */
#define UPKEEP_REPORT_DAYS_MAX 366
/* The most rows one workbook holds: a larger report is narrowed first. */
#define UPKEEP_REPORT_XLSX_MAX 100000

enum upkeep_report_kind {
	UPKEEP_REPORT_VACANT,    /* units vacant now, longest vacant first */
	UPKEEP_REPORT_VACATED,   /* units vacated by a move-out in the period */
	UPKEEP_REPORT_UNIT,      /* status changes, acceptance results, repairs, disabling */
	UPKEEP_REPORT_HOUSEHOLD, /* members in and out, change of head, contact changes */
	UPKEEP_REPORT_USE,       /* the month's patrols, findings, cases, requests, orders */
	UPKEEP_REPORT_KIND_COUNT,
};

/* "vacant-units", "vacated-units", "unit-changes", "household-changes",
 * "monthly-use". */
const char *upkeep_report_name(enum upkeep_report_kind k);

/* What a report is asked for; strings empty when not given. */
struct upkeep_report_query {
	int64_t community_id;       /* 0: every community in scope */
	char from[DATE_FMT_LEN];    /* the period, civil dates in Asia/Shanghai, both */
	char to[DATE_FMT_LEN];      /* included; default the month to today */
	char month[PERIOD_FMT_LEN]; /* the monthly use report's YYYY-MM; default this month */
	char cursor[48];            /* the previous page's next; "": the first page */
	int limit;                  /* items per page (1..1000); 0: every item (the xlsx) */
};

/* The report of kind k into *out (a new object: the query as applied, the
 * items of the page and next, and for vacant units the count per
 * community; for the monthly use report one item per community in scope
 * and their total, never paged).  ANJU_EINVAL for a bad query (field
 * named: from, to, month, cursor), ANJU_ENOTFOUND ("community_not_found")
 * for a community outside the scope. */
int upkeep_report_build(struct db *db, const struct caller *c, enum upkeep_report_kind k,
			const struct upkeep_report_query *q, json_t **out, struct anju_err *e);

/* The same report as an xlsx workbook appended to out, every item of it
 * (the query's page is ignored); ANJU_ETOOBIG ("report_too_large") beyond
 * UPKEEP_REPORT_XLSX_MAX rows. */
int upkeep_report_xlsx(struct db *db, const struct caller *c, enum upkeep_report_kind k,
		       const struct upkeep_report_query *q, struct buf *out, struct anju_err *e);

#endif
