/*
 * The API's modules.  Each domain area adds its module here.
 */
#include "http/router.h"

extern const struct api_module api_platform;
extern const struct api_module api_jobs;
extern const struct api_module api_audit;
extern const struct api_module api_access;
extern const struct api_module api_approval;
extern const struct api_module api_files;
extern const struct api_module api_housing;
extern const struct api_module api_household;
extern const struct api_module api_eligibility;
extern const struct api_module api_search;
extern const struct api_module api_transfer;
extern const struct api_module api_money;
extern const struct api_module api_receipt;
extern const struct api_module api_recheck;
extern const struct api_module api_application;
extern const struct api_module api_handover;
extern const struct api_module api_lease;
extern const struct api_module api_allocation;
extern const struct api_module api_rent;
extern const struct api_module api_report;
extern const struct api_module api_collection;
extern const struct api_module api_reconcile;
extern const struct api_module api_dunning;
extern const struct api_module api_upkeep_report;
extern const struct api_module api_violation;
extern const struct api_module api_patrol;
extern const struct api_module api_work_order;

const struct api_module *const api_modules[] = {
	&api_platform,    &api_jobs,        &api_audit,      &api_access,
	&api_approval,    &api_files,       &api_housing,    &api_household,
	&api_eligibility, &api_search,      &api_transfer,   &api_money,
	&api_receipt,     &api_application, &api_handover,   &api_recheck,
	&api_lease,       &api_allocation,  &api_report,     &api_rent,
	&api_collection,  &api_dunning,     &api_reconcile,  &api_upkeep_report,
	&api_violation,   &api_patrol,      &api_work_order, NULL,
};
