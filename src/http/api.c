/*
 * The API's modules.  Each domain area adds its module here.
 */
#include "http/router.h"

extern const struct api_module api_platform;
extern const struct api_module api_jobs;
extern const struct api_module api_audit;
extern const struct api_module api_access;
extern const struct api_module api_approval;

const struct api_module *const api_modules[] = {
	&api_platform, &api_jobs, &api_audit, &api_access, &api_approval, NULL,
};
