/*
 * The job kinds this version knows.  Each domain area adds its kinds here.
 */
#include "jobs/job.h"

extern const struct job_kind job_kind_selftest;
extern const struct job_kind job_kind_purge;
extern const struct job_kind job_kind_pii_rotate;

const struct job_kind *const job_kinds[] = {
	&job_kind_selftest,
	&job_kind_purge,
	&job_kind_pii_rotate,
	NULL,
};
