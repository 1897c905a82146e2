/*
 * The approval kind "application.decide": the bureau's eligibility decision
 * (复审) on an application is proposed by one bureau person and carried out
 * only when another bureau person approves it (建保〔2018〕92号: the bureau
 * decides; two people see every grant and refusal).  The approval module
 * refuses the proposer as approver ("self_approval").  Registered in
 * src/approval/kinds.c.
 */
#include "http/http.h"
#include "tenancy/application.h"

static const struct field decide_payload[] = {
	{ "application_id", F_INT, true, 1, INT64_MAX },
	{ "grant", F_BOOL, true },
	{ "reason", F_STRING, true, 2, 500 },
	{ NULL },
};

static int
check(struct db *db, json_t *p, struct anju_err *e)
{
	return application_decision_check(
		db, json_integer_value(json_object_get(p, "application_id")), e);
}

static int
execute(struct db *db, json_t *p, const struct audit_actor *approver, json_t **result,
	json_t **shown_once, struct anju_err *e)
{
	(void)shown_once;
	return application_decision_execute(
		db, json_integer_value(json_object_get(p, "application_id")),
		json_is_true(json_object_get(p, "grant")),
		json_string_value(json_object_get(p, "reason")), approver, result, e);
}

static int
on_end(struct db *db, json_t *p, const char *how, const struct audit_actor *who, const char *note,
       struct anju_err *e)
{
	return application_decision_ended(
		db, json_integer_value(json_object_get(p, "application_id")), how, who, note, e);
}

const struct approval_kind application_decide_kind = {
	"application.decide",
	"保障资格审核决定（复审）",
	ROLE_BIT(ROLE_BUREAU),
	ROLE_BIT(ROLE_BUREAU),
	decide_payload,
	check,
	execute,
	on_end,
};
