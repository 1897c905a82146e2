/*
 * The job kinds this version knows.  Each domain area adds its kinds here.
 */
#include "jobs/job.h"

extern const struct job_kind job_kind_selftest;
extern const struct job_kind job_kind_purge;
extern const struct job_kind job_kind_pii_rotate, job_kind_person_masks;
extern const struct job_kind job_kind_demo;
extern const struct job_kind job_kind_import_units, job_kind_import_households;
extern const struct job_kind job_kind_export_units, job_kind_export_households;
extern const struct job_kind job_kind_publicity_close;
extern const struct job_kind job_kind_import_dataset;
extern const struct job_kind job_kind_lease_daily;
extern const struct job_kind job_kind_recheck, job_kind_eviction_daily;
extern const struct job_kind job_kind_allocation_lapse;
extern const struct job_kind job_kind_dunning_daily, job_kind_outbox_send;
extern const struct job_kind job_kind_rent_bill;
extern const struct job_kind job_kind_withholding_import;
extern const struct job_kind job_kind_bank_statement_import, job_kind_bank_balance_daily,
	job_kind_bank_rematch;
extern const struct job_kind job_kind_patrol_rounds;
extern const struct job_kind job_kind_preventive_orders;

const struct job_kind *const job_kinds[] = {
	&job_kind_selftest,
	&job_kind_purge,
	&job_kind_pii_rotate,
	&job_kind_person_masks,
	&job_kind_demo,
	&job_kind_import_units,
	&job_kind_import_households,
	&job_kind_export_units,
	&job_kind_export_households,
	&job_kind_publicity_close,
	&job_kind_import_dataset,
	&job_kind_lease_daily,
	&job_kind_recheck,
	&job_kind_eviction_daily,
	&job_kind_allocation_lapse,
	&job_kind_dunning_daily,
	&job_kind_outbox_send,
	&job_kind_rent_bill,
	&job_kind_withholding_import,
	&job_kind_bank_statement_import,
	&job_kind_bank_balance_daily,
	&job_kind_bank_rematch,
	&job_kind_patrol_rounds,
	&job_kind_preventive_orders,
	NULL,
};
