/*
 * Tenancy, part one: the city's effective-dated policy and eligibility rules
 * (rules.c), a household's eligibility explained (eligibility.c), the other
 * departments' datasets (dataset.c), the cross-check of a household against
 * them (crosscheck.c) and the art. 36 application ban (ban.c).  Owns
 * tenancy_rule, dataset, dataset_record, dataset_error, dataset_part and
 * application_ban (sql/014_eligibility.sql).  The contracts other parts
 * call (tenancy_policy_get, eligibility_evaluate, crosscheck_household,
 * ban_add, ban_household) are in tenancy.h; this header adds what the API,
 * the command line and the screens use.  docs/tenancy-eligibility.md.
 *
 * Only the bureau sets rules (建保〔2018〕92号): tenancy_rule_add() answers
 * ANJU_EFORBIDDEN ("bureau_only") to anyone else.  A new version starts
 * today or later, never in the past: decisions already taken keep the
 * version they used.
 */
#ifndef ANJU_TENANCY_ELIGIBILITY_H
#define ANJU_TENANCY_ELIGIBILITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "tenancy/tenancy.h"

struct db;
struct caller;
struct audit_actor;

/*
 * Rules (rules.c).  Rule JSON: {id, kind, category, effective_from, body,
 * note, created_by, created_at}.
 */
/* Checks a rule body for its kind ("policy", "eligibility") without the
 * database: every key known, each value of its type and range.  0 or
 * ANJU_EINVAL with field "body.<key>". */
int tenancy_rule_validate(const char *kind, json_t *body, struct anju_err *e);

/* The Rule JSON of the version of kind (and category, "" for the policy) in
 * force on on_date (NULL: today in Asia/Shanghai) into *out (new): 0 or
 * ANJU_ENOTFOUND ("rule_not_found"). */
int tenancy_rule_get(struct db *db, const char *kind, const char *category, const char *on_date,
		     json_t **out, struct anju_err *e);

/* A page of Rule JSON, kind and category filters NULL for any, newest id
 * first below before_id (0: from the newest); each with in_force (the
 * version in force today) and upcoming (starts after today). */
int tenancy_rule_list(struct db *db, const char *kind, const char *category, int64_t before_id,
		      int limit, json_t **items, int64_t *next, struct anju_err *e);

struct tenancy_rule_in {
	const char *kind;           /* policy, eligibility */
	const char *category;       /* eligibility: an existing household category */
	const char *effective_from; /* YYYY-MM-DD, today or later */
	json_t *body;               /* lent */
	const char *note;           /* may be NULL */
};
/* Adds a version: bureau only (ANJU_EFORBIDDEN "bureau_only"); ANJU_EINVAL
 * (fields, the body's "body.<key>", "effective_from" in the past:
 * "effective_in_past"), ANJU_ENOTFOUND ("category_not_found"),
 * ANJU_ECONFLICT ("rule_exists": that date has a version).  Audited
 * "tenancy_rule.add" on tenancy_rule/id. */
int tenancy_rule_add(struct db *db, const struct caller *c, const struct audit_actor *who,
		     const struct tenancy_rule_in *in, int64_t *id, struct anju_err *e);

/* The special groups of the policy in force on on_date (NULL: today):
 * [{code, name, priority}] (smaller priority first on the waitlist) into
 * *out (new). */
int tenancy_special_groups(struct db *db, const char *on_date, json_t **out, struct anju_err *e);
/* Whether every code of a comma-separated list is a special group of the
 * policy in force today: 0 or ANJU_EINVAL ("special_group_unknown", field). */
int tenancy_special_groups_check(struct db *db, const char *codes, const char *field,
				 struct anju_err *e);

/* The JSON of a tenancy_policy with its version (for the API). */
json_t *tenancy_policy_json(const struct tenancy_policy *p);

/*
 * Datasets (dataset.c): department data keyed by the blind index of the ID
 * number.  Sources and their CSV columns (Chinese or English headers):
 *   property   身份证号/id_number, 面积/area_m2 (e.g. 85.30), [地址/address: not kept]
 *   vehicle    身份证号/id_number, [号牌/plate: not kept], 价值/value_yuan
 *   business   身份证号/id_number, 企业名称/company, [注册资本/capital_yuan]
 *   insurance  身份证号/id_number, 缴费月数/months, 月工资/monthly_wage_yuan
 *   assistance 身份证号/id_number, 救助类型/status (dibao 低保 | tekun 特困)
 * Dataset JSON: {id, source, source_name, as_of, name, note, encoding,
 * state, rows, error_rows, size, job_id, created_by, created_at,
 * finished_at}.
 */
#define DATASET_MAX_INPUT  (256 * 1024 * 1024)
#define DATASET_MAX_ROWS   10000000
#define DATASET_MAX_ERRORS 10000

enum dataset_source {
	DATASET_PROPERTY,
	DATASET_VEHICLE,
	DATASET_BUSINESS,
	DATASET_INSURANCE,
	DATASET_ASSISTANCE,
	DATASET_NSOURCES,
};
/* "property" ...: 0 or -1. */
int dataset_source_parse(const char *name, enum dataset_source *out);
const char *dataset_source_name(enum dataset_source s);
/* 不动产登记 (自然资源和规划局) ... */
const char *dataset_source_title(enum dataset_source s);

/* Who may import and read datasets: bureau and operator_manager (and the
 * command line). */
bool dataset_may_import(const struct caller *c);

struct dataset_in {
	enum dataset_source source;
	const char *as_of;    /* YYYY-MM-DD, not after today */
	const char *name;     /* 1..100 characters; NULL or "": source title and date */
	const char *note;     /* may be NULL */
	const char *encoding; /* "auto" (NULL), "utf8", "gb18030" */
};
/* Stores the file sealed and queues its import job ("import_dataset"), in
 * the caller's transaction, audited "dataset.import".  0, ANJU_EFORBIDDEN,
 * ANJU_EINVAL ("empty_file", fields), ANJU_ETOOBIG. */
int dataset_import_create(struct db *db, const struct caller *c, const struct audit_actor *who,
			  const struct dataset_in *in, const char *data, size_t n,
			  int64_t *dataset_id, int64_t *job_id, struct anju_err *e);
/* A page of Dataset JSON (source NULL: every source), newest id first below
 * before_id. */
int dataset_list(struct db *db, const char *source, int64_t before_id, int limit, json_t **items,
		 int64_t *next, struct anju_err *e);
/* The Dataset JSON with "errors" (the first DATASET_ERRORS_SHOWN refused
 * rows {row, column, reason}) and "error_total": 0 or ANJU_ENOTFOUND. */
#define DATASET_ERRORS_SHOWN 200
int dataset_get(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* A page of a dataset's refused rows after the line after_row. */
int dataset_errors(struct db *db, int64_t id, int64_t after_row, int limit, json_t **items,
		   int64_t *next, struct anju_err *e);

/*
 * Cross-checks over every household (crosscheck.c): crosscheck_household()
 * for each active household, in id order, in read transactions of a
 * thousand households; progress(ud, done, total, note) after each.
 * *summary (new): {households, with_conflicts, conflicts, by_rule: {rule: n}}.
 */
typedef void (*crosscheck_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);
int crosscheck_all(struct db *db, crosscheck_progress_fn progress, void *ud, json_t **summary,
		   struct anju_err *e);

/*
 * Bans (ban.c).  Ban JSON: {id, person_id, from_on, until_on, source_type,
 * source_id, reason, created_at}.
 */
/* The bans of the household's active members (any time) into *out (new
 * array), newest first, each with member (relationship and name). */
int ban_list_household(struct db *db, int64_t household_id, json_t **out, struct anju_err *e);
/* The bureau records a ban decided outside anju (source "manual", its own
 * id): ANJU_EFORBIDDEN ("bureau_only"), ANJU_ENOTFOUND ("person_not_found"),
 * ANJU_EINVAL. */
int ban_record(struct db *db, const struct caller *c, const struct audit_actor *who,
	       int64_t person_id, const char *from_on, const char *reason, int64_t *id,
	       struct anju_err *e);

/*
 * What the newest active dataset of each source says about a household's
 * active members (dataset.c), for eligibility and the cross-check: one
 * query over the blind indexes.  kind is "area", "vehicle", "business",
 * "insurance_months", "monthly_wage" or "assistance".
 */
struct member_fact {
	int64_t person_id;
	char label[160]; /* "配偶 张三" */
	enum dataset_source source;
	char kind[20];
	int64_t value_int;
	char text[128]; /* value_text, cut at a character boundary */
};
/* The facts into *facts (new, free()), *n of them, head's first. */
int dataset_facts(struct db *db, int64_t household_id, struct member_fact **facts, size_t *n,
		  struct anju_err *e);
/* The active dataset of each source: ids[s] (0: none) and as_of[s] ("");
 * *list (new, may be NULL: not wanted) [{source, id, as_of}]. */
int dataset_active(struct db *db, int64_t ids[DATASET_NSOURCES], char as_of[][11], json_t **list,
		   struct anju_err *e);

/* Shared by this part's files: a member as a clerk names it ("配偶 张三")
 * into out (from the relationship code and the name). */
void tenancy_member_label(const char *relationship, const char *name, char *out, size_t cap);

#endif
