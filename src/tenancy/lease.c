/*
 * Leases: chains, drafting, signing, filing, renewal, change, ending, and
 * the reads of the console.  See lease.h; the contract PDF is drawn in
 * lease_pdf.c and the daily state changes are in lease_jobs.c.
 *
 * The one rule every write keeps: of a unit, and of a household, no two
 * leases in states signed, in_force or ended overlap in [starts_on,
 * COALESCE(ended_on, ends_on)].  It is checked when a lease is drafted (so
 * the clerk hears it early) and again when it is signed, inside the
 * signing transaction (which is what makes it hold).
 */
#include "tenancy/lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "access/person.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "files/files.h"
#include "household/household.h"
#include "housing/housing.h"
#include "money/money.h"
#include "rent/billing.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/tenancy.h"

/* The states a lease occupies its unit and household in. */
#define LIVE_STATES "('signed', 'in_force', 'ended')"
/* Months a term may never exceed whatever the policy says (100 years). */
#define TERM_MONTHS_MAX 1200

struct lease_row {
	int64_t id, chain_id, seq, household_id, unit_id, community_id, tenant_person_id;
	int64_t monthly_rent_fen, rent_rule_version, deposit_fen, policy_version;
	int64_t offer_id, application_id, previous_id, signature_attachment_id;
	int64_t contract_version, contract_attachment_id;
	bool existing;
	const char *kind, *state, *starts_on, *ends_on, *ended_on, *end_reason;
	const char *existing_reason, *change_kind, *change_detail, *members;
	const char *signed_on, *signature_kind, *witness_principal, *witness_name;
	const char *filed_on, *filing_ref, *filing_due_on;
	const char *contract_template, *contract_hash, *contract_doc, *contract_issued_on;
	const char *verify_token, *created_by, *created_at, *updated_at;
	const char *community_name, *unit_number;
};

#define LEASE_COLS                                                                                 \
	"l.id, l.chain_id, l.seq, l.household_id, l.unit_id, l.community_id,"                      \
	" l.tenant_person_id, l.monthly_rent_fen, l.rent_rule_version, l.deposit_fen,"             \
	" l.policy_version, l.offer_id, l.application_id, l.previous_id,"                          \
	" l.signature_attachment_id, l.contract_version, l.contract_attachment_id, l.existing,"    \
	" l.kind, l.state, l.starts_on, l.ends_on, l.ended_on, l.end_reason, l.existing_reason,"   \
	" l.change_kind, l.change_detail, l.members, l.signed_on, l.signature_kind,"               \
	" l.witness_principal, l.witness_name, l.filed_on, l.filing_ref, l.filing_due_on,"         \
	" l.contract_template, l.contract_hash, l.contract_doc, l.contract_issued_on,"             \
	" l.verify_token, l.created_by, l.created_at, l.updated_at, l.community_name,"             \
	" l.unit_number"

static const char *
col_str(struct arena *a, struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : arena_strdup(a, db_col_text(st, col));
}

static void
row_read(struct db_stmt *st, struct arena *a, struct lease_row *l)
{
	int i = 0;

	l->id = db_col_int64(st, i++);
	l->chain_id = db_col_int64(st, i++);
	l->seq = db_col_int64(st, i++);
	l->household_id = db_col_int64(st, i++);
	l->unit_id = db_col_int64(st, i++);
	l->community_id = db_col_int64(st, i++);
	l->tenant_person_id = db_col_int64(st, i++);
	l->monthly_rent_fen = db_col_int64(st, i++);
	l->rent_rule_version = db_col_int64(st, i++);
	l->deposit_fen = db_col_int64(st, i++);
	l->policy_version = db_col_int64(st, i++);
	l->offer_id = db_col_int64(st, i++);
	l->application_id = db_col_int64(st, i++);
	l->previous_id = db_col_int64(st, i++);
	l->signature_attachment_id = db_col_int64(st, i++);
	l->contract_version = db_col_int64(st, i++);
	l->contract_attachment_id = db_col_int64(st, i++);
	l->existing = db_col_int64(st, i++) != 0;
	l->kind = col_str(a, st, i++);
	l->state = col_str(a, st, i++);
	l->starts_on = col_str(a, st, i++);
	l->ends_on = col_str(a, st, i++);
	l->ended_on = col_str(a, st, i++);
	l->end_reason = col_str(a, st, i++);
	l->existing_reason = col_str(a, st, i++);
	l->change_kind = col_str(a, st, i++);
	l->change_detail = col_str(a, st, i++);
	l->members = col_str(a, st, i++);
	l->signed_on = col_str(a, st, i++);
	l->signature_kind = col_str(a, st, i++);
	l->witness_principal = col_str(a, st, i++);
	l->witness_name = col_str(a, st, i++);
	l->filed_on = col_str(a, st, i++);
	l->filing_ref = col_str(a, st, i++);
	l->filing_due_on = col_str(a, st, i++);
	l->contract_template = col_str(a, st, i++);
	l->contract_hash = col_str(a, st, i++);
	l->contract_doc = col_str(a, st, i++);
	l->contract_issued_on = col_str(a, st, i++);
	l->verify_token = col_str(a, st, i++);
	l->created_by = col_str(a, st, i++);
	l->created_at = col_str(a, st, i++);
	l->updated_at = col_str(a, st, i++);
	l->community_name = col_str(a, st, i++);
	l->unit_number = col_str(a, st, i++);
}

static json_t *
id_or_null(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static int
not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份租赁合同");
}

/* Loads lease id without any scope (internal callers, the job). */
static int
row_load(struct db *db, int64_t id, struct arena *a, struct lease_row *l, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT " LEASE_COLS " FROM lease l WHERE l.id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		row_read(st, a, l);
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Whether c may see a lease of household_id in community_id: a tenant its
 * own household's, scoped roles their communities'. */
static int
visible(struct db *db, const struct caller *c, int64_t household_id, int64_t community_id,
	struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	int rc;

	if (c == NULL)
		return not_found(e);
	if (c->role == ROLE_TENANT) {
		rc = household_community(db, c, household_id, &community, e);
		return rc == ANJU_ENOTFOUND ? not_found(e) : rc;
	}
	rc = db_prepare(db, "SELECT 1 FROM community WHERE id = ? AND " SCOPE_SQL("id"), &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, community_id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Loads a lease c may see. */
static int
load(struct db *db, const struct caller *c, int64_t id, struct arena *a, struct lease_row *l,
     struct anju_err *e)
{
	int rc = row_load(db, id, a, l, e);

	if (rc == 0)
		rc = visible(db, c, l->household_id, l->community_id, e);
	return rc;
}

int
lease_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	int rc = load(db, c, id, a, &l, e);

	if (rc == 0)
		*community_id = l.community_id;
	arena_free(a);
	return rc;
}

/*
 * Small helpers: dates, titles, the audit row.
 */

static int
date_arg(const char *s, const char *field, struct date *out, struct anju_err *e)
{
	if (s == NULL || date_parse(str_c(s), out) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", field, "日期应为 YYYY-MM-DD 格式");
	return 0;
}

static struct date
date_of(const char *s)
{
	struct date d = { 0, 0, 0 };

	if (s != NULL)
		date_parse(str_c(s), &d);
	return d;
}

static const char *
date_text(struct arena *a, struct date d)
{
	char buf[DATE_FMT_LEN];

	date_format(d, buf);
	return arena_strdup(a, buf);
}

static const char *
today_text(struct arena *a)
{
	return date_text(a, date_today_shanghai());
}

/* The effective last day of a lease. */
static const char *
eff_end(const struct lease_row *l)
{
	return l->ended_on != NULL ? l->ended_on : l->ends_on;
}

static const char *
state_title(const char *s)
{
	static const char *const t[][2] = {
		{ "draft", "草稿" },   { "signed", "已签订" }, { "in_force", "履行中" },
		{ "ended", "已终止" }, { "void", "已作废" },
	};

	for (size_t i = 0; s != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i][0]) == 0)
			return t[i][1];
	return s ? s : "";
}

static const char *
kind_title(const char *k)
{
	if (k != NULL && strcmp(k, "renewal") == 0)
		return "续签";
	if (k != NULL && strcmp(k, "change") == 0)
		return "变更";
	return "新签";
}

static const char *
relationship_title(const char *code)
{
	static const char *const t[][2] = {
		{ "head", "户主" },   { "spouse", "配偶" },      { "child", "子女" },
		{ "parent", "父母" }, { "sibling", "兄弟姐妹" }, { "other", "其他" },
	};

	for (size_t i = 0; code != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(code, t[i][0]) == 0)
			return t[i][1];
	return "其他";
}

static int
audit_lease(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	    json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "lease", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

static int
state_conflict(const struct lease_row *l, const char *wanted, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "lease_state", "state", "合同当前状态为「%s」，不能%s",
			 state_title(l->state), wanted);
}

static bool
is_state(const struct lease_row *l, const char *s)
{
	return l->state != NULL && strcmp(l->state, s) == 0;
}

static int
reason_ok(const char *reason, bool required, struct anju_err *e)
{
	json_t *s;
	size_t n;

	if (reason == NULL || reason[0] == '\0')
		return required ? anju_fail(e, ANJU_EINVAL, "required", "reason", "请填写原因") : 0;
	if ((s = json_string(reason)) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_utf8", "reason", "原因不是有效的文字");
	n = json_string_length(s);
	json_decref(s);
	if (n > LEASE_REASON_MAX * 4)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason", "原因不能超过 %d 个字",
				 LEASE_REASON_MAX);
	return 0;
}

/*
 * The overlap rule.
 */

/* Whether [starts_on, last] of a unit (or household) meets a live lease
 * other than except_id: 0, or ANJU_ECONFLICT "lease_overlaps". */
static int
overlap_check(struct db *db, const char *column, int64_t value, const char *starts_on,
	      const char *last, int64_t except_id, struct anju_err *e)
{
	const char *sql_unit =
		"SELECT id, starts_on, COALESCE(ended_on, ends_on) FROM lease WHERE unit_id = ?"
		" AND state IN " LIVE_STATES " AND id <> ? AND starts_on <= ?"
		" AND COALESCE(ended_on, ends_on) >= ? AND starts_on <= COALESCE(ended_on, ends_on)"
		" ORDER BY starts_on LIMIT 1";
	const char *sql_household =
		"SELECT id, starts_on, COALESCE(ended_on, ends_on) FROM lease WHERE household_id = "
		"?"
		" AND state IN " LIVE_STATES " AND id <> ? AND starts_on <= ?"
		" AND COALESCE(ended_on, ends_on) >= ? AND starts_on <= COALESCE(ended_on, ends_on)"
		" ORDER BY starts_on LIMIT 1";
	bool unit = strcmp(column, "unit_id") == 0;
	char from[DATE_FMT_LEN] = "", to[DATE_FMT_LEN] = "";
	struct db_stmt *st;
	int64_t other = 0;
	int rc;

	if (strcmp(starts_on, last) > 0)
		return 0; /* an empty term overlaps nothing */
	if ((rc = db_prepare(db, unit ? sql_unit : sql_household, &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, value);
	db_bind_int64(st, 2, except_id);
	db_bind_cstr(st, 3, last);
	db_bind_cstr(st, 4, starts_on);
	rc = db_step(st);
	if (rc == DB_ROW) {
		other = db_col_int64(st, 0);
		snprintf(from, sizeof(from), "%s", db_col_text(st, 1));
		snprintf(to, sizeof(to), "%s", db_col_text(st, 2));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE)
		return 0;
	return anju_fail(e, ANJU_ECONFLICT, "lease_overlaps", column,
			 unit ? "该房屋在此期间已有有效合同（合同 #%lld，%s 至 %s）"
			      : "该家庭在此期间已有有效合同（合同 #%lld，%s 至 %s）",
			 (long long)other, from, to);
}

static int
overlaps(struct db *db, int64_t unit_id, int64_t household_id, const char *starts_on,
	 const char *last, int64_t except_id, struct anju_err *e)
{
	int rc = overlap_check(db, "unit_id", unit_id, starts_on, last, except_id, e);

	return rc != 0 ? rc
		       : overlap_check(db, "household_id", household_id, starts_on, last, except_id,
				       e);
}

/*
 * Terms and the policy.
 */

/* The last day of a term of months from starts. */
static struct date
term_end(struct date starts, int months)
{
	return date_add_days(date_add_months(starts, months), -1);
}

/* Checks starts..ends against the policy in force today: 0, ANJU_EINVAL,
 * ANJU_EUNPROCESSABLE "term_too_long". */
static int
term_check(struct db *db, struct date starts, struct date ends, int64_t *policy_version,
	   struct anju_err *e)
{
	struct tenancy_policy p;
	char max_end[DATE_FMT_LEN];
	int rc;

	if (date_cmp(ends, starts) < 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_term", "ends_on",
				 "合同终止日期不能早于起始日期");
	if ((rc = tenancy_policy_get(db, NULL, &p, e)) != 0)
		return rc;
	*policy_version = p.version;
	if (date_cmp(ends, term_end(starts, p.lease_max_months)) > 0) {
		date_format(term_end(starts, p.lease_max_months), max_end);
		return anju_fail(e, ANJU_EUNPROCESSABLE, "term_too_long", "term_months",
				 "合同期限不能超过 %d 个月（第十八条），最晚到 %s",
				 p.lease_max_months, max_end);
	}
	return 0;
}

static int
money_ok(int64_t fen, bool positive, const char *field, const char *title, struct anju_err *e)
{
	if (fen < (positive ? 1 : 0) || fen > LEASE_RENT_MAX_FEN)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", field, "%s应在 %s 到 100 万元之间",
				 title, positive ? "0.01" : "0");
	return 0;
}

/*
 * What a lease is written with.
 */

/* The household's active members as stored on a lease: [{person_id,
 * relationship, member_id}], head first; *head the head's person. */
static int
members_of(struct db *db, const struct caller *c, int64_t household_id, json_t **members,
	   int64_t *head, int64_t *head_member, struct anju_err *e)
{
	json_t *h = NULL, *m;
	size_t i;
	int rc;

	*members = NULL;
	*head = 0;
	if (head_member)
		*head_member = 0;
	if ((rc = household_get(db, c, household_id, &h, e)) != 0)
		return rc == ANJU_ENOTFOUND ? anju_fail(e, ANJU_ENOTFOUND, "household_not_found",
							"household_id", "没有这个家庭")
					    : rc;
	if (strcmp(json_string_value(json_object_get(h, "state")) ?: "", "active") != 0) {
		json_decref(h);
		return anju_fail(e, ANJU_ECONFLICT, "household_closed", "household_id",
				 "该家庭已注销，不能签订合同");
	}
	*members = json_array();
	json_array_foreach (json_object_get(h, "members"), i, m) {
		const char *rel = json_string_value(json_object_get(m, "relationship"));
		int64_t pid = json_integer_value(json_object_get(m, "person_id"));

		if (rel != NULL && strcmp(rel, "head") == 0) {
			*head = pid;
			if (head_member)
				*head_member = json_integer_value(json_object_get(m, "id"));
		}
		json_array_append_new(*members,
				      json_pack("{s:I, s:s, s:I}", "person_id", (json_int_t)pid,
						"relationship", rel ? rel : "other", "member_id",
						json_integer_value(json_object_get(m, "id"))));
	}
	json_decref(h);
	if (*head == 0) {
		json_decref(*members);
		*members = NULL;
		return anju_fail(e, ANJU_ECONFLICT, "no_head", "household_id",
				 "该家庭没有户主，不能签订合同");
	}
	return 0;
}

/* The members list with each person's masked name, for change records
 * and the Lease JSON. */
static json_t *
members_named(struct db *db, const char *members_json)
{
	json_t *in = json_loads(members_json ? members_json : "[]", 0, NULL), *out = json_array(),
	       *m;
	size_t i;

	json_array_foreach (in, i, m) {
		int64_t pid = json_integer_value(json_object_get(m, "person_id"));
		const char *rel = json_string_value(json_object_get(m, "relationship"));
		json_t *p = NULL;
		char masked[256] = "";
		struct anju_err e;

		if (person_json(db, pid, &p, &e) == 0)
			mask_middle(json_string_value(json_object_get(p, "name")), 1, 0, masked,
				    sizeof(masked));
		json_array_append_new(
			out,
			json_pack("{s:I, s:s, s:s, s:s, s:o}", "person_id", (json_int_t)pid,
				  "relationship", rel ? rel : "other", "relationship_title",
				  relationship_title(rel), "name", masked, "member_id",
				  id_or_null(json_integer_value(json_object_get(m, "member_id")))));
		json_decref(p);
	}
	json_decref(in);
	return out;
}

/* The unit's community, number and status as the caller sees it. */
struct unit_info {
	int64_t community_id;
	char community_name[256], number[64], status[32];
};

static int
unit_info(struct db *db, const struct caller *c, int64_t unit_id, struct unit_info *u,
	  struct anju_err *e)
{
	json_t *j = NULL;
	int rc;

	if ((rc = unit_get(db, c, unit_id, &j, e)) != 0)
		return rc == ANJU_ENOTFOUND ? anju_fail(e, ANJU_ENOTFOUND, "unit_not_found",
							"unit_id", "没有这套房屋")
					    : rc;
	u->community_id = json_integer_value(json_object_get(j, "community_id"));
	snprintf(u->community_name, sizeof(u->community_name), "%s",
		 json_string_value(json_object_get(j, "community_name")) ?: "");
	snprintf(u->number, sizeof(u->number), "%s",
		 json_string_value(json_object_get(j, "number")) ?: "");
	snprintf(u->status, sizeof(u->status), "%s",
		 json_string_value(json_object_get(j, "status")) ?: "");
	json_decref(j);
	return 0;
}

static int
unit_status_is(const struct unit_info *u, const char *a, const char *b, struct anju_err *e)
{
	enum unit_status s;

	if (strcmp(u->status, a) == 0 || (b != NULL && strcmp(u->status, b) == 0))
		return 0;
	return anju_fail(e, ANJU_ECONFLICT, "unit_status", "unit_id", "房屋当前状态为「%s」",
			 unit_status_parse(u->status, &s) == 0 ? unit_status_title(s) : u->status);
}

/* A fresh verification token. */
static void
new_token(char out[LEASE_TOKEN_LEN + 1])
{
	unsigned char raw[LEASE_TOKEN_LEN / 2];

	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), out);
}

/* The next lease's fields, for insert(). */
struct lease_new {
	int64_t chain_id, seq, household_id, unit_id, community_id, tenant_person_id;
	const char *kind, *starts_on, *ends_on, *community_name, *unit_number;
	int64_t monthly_rent_fen, deposit_fen, policy_version, offer_id, application_id,
		previous_id;
	int64_t rent_rule_version;      /* the rent standard quoted; 0: entered by hand */
	const struct rent_quote *quote; /* kept with the lease when not NULL */
	const char *quoted_on;
	bool existing;
	const char *existing_reason, *change_kind;
	json_t *change_detail, *members; /* lent */
};

static int
insert(struct db *db, const struct lease_new *n, const struct audit_actor *who, int64_t *id,
       struct anju_err *e)
{
	char now[TIME_FMT_LEN], token[LEASE_TOKEN_LEN + 1];
	char *members = json_dumps(n->members, JSON_COMPACT);
	char *detail = n->change_detail ? json_dumps(n->change_detail, JSON_COMPACT) : NULL;
	struct db_stmt *st;
	int rc, i = 1;

	time_format_utc(time_now_us(), now);
	new_token(token);
	rc = db_prepare(
		db,
		"INSERT INTO lease (chain_id, seq, kind, household_id, unit_id,"
		" community_id, tenant_person_id, community_name, unit_number, state,"
		" starts_on, ends_on, monthly_rent_fen, deposit_fen, policy_version,"
		" existing, existing_reason, offer_id, application_id, previous_id,"
		" change_kind, change_detail, members, contract_template, verify_token,"
		" created_by, created_at, updated_at, rent_rule_version) VALUES (?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?) RETURNING id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, i++, n->chain_id);
	db_bind_int64(st, i++, n->seq);
	db_bind_cstr(st, i++, n->kind);
	db_bind_int64(st, i++, n->household_id);
	db_bind_int64(st, i++, n->unit_id);
	db_bind_int64(st, i++, n->community_id);
	db_bind_int64(st, i++, n->tenant_person_id);
	db_bind_cstr(st, i++, n->community_name);
	db_bind_cstr(st, i++, n->unit_number);
	db_bind_cstr(st, i++, n->starts_on);
	db_bind_cstr(st, i++, n->ends_on);
	db_bind_int64(st, i++, n->monthly_rent_fen);
	db_bind_int64(st, i++, n->deposit_fen);
	if (n->policy_version > 0)
		db_bind_int64(st, i++, n->policy_version);
	else
		db_bind_null(st, i++);
	db_bind_int64(st, i++, n->existing ? 1 : 0);
	db_bind_cstr(st, i++, n->existing ? n->existing_reason : NULL);
#define BIND_ID(v)                                                                                 \
	do {                                                                                       \
		if ((v) > 0)                                                                       \
			db_bind_int64(st, i++, (v));                                               \
		else                                                                               \
			db_bind_null(st, i++);                                                     \
	} while (0)
	BIND_ID(n->offer_id);
	BIND_ID(n->application_id);
	BIND_ID(n->previous_id);
#undef BIND_ID
	db_bind_cstr(st, i++, n->change_kind);
	db_bind_cstr(st, i++, detail);
	db_bind_cstr(st, i++, members);
	db_bind_cstr(st, i++, LEASE_TEMPLATE);
	db_bind_cstr(st, i++, token);
	db_bind_cstr(st, i++, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, i++, now);
	db_bind_cstr(st, i++, now);
	if (n->rent_rule_version > 0)
		db_bind_int64(st, i++, n->rent_rule_version);
	else
		db_bind_null(st, i++);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	rc = rc == DB_ROW ? 0 : db_fail(db, rc, e);
	/* The quote's inputs stay with the lease: its rent charges name them. */
	if (rc == 0 && n->quote != NULL)
		rc = rent_quote_record(db, *id, n->quoted_on, n->quote, e);
out:
	free(members);
	free(detail);
	return rc;
}

static json_t *
audit_image(const struct lease_new *n, int64_t id)
{
	return json_pack(
		"{s:I, s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:b, s:o}", "lease_id",
		(json_int_t)id, "chain_id", (json_int_t)n->chain_id, "seq", (json_int_t)n->seq,
		"kind", n->kind, "household_id", (json_int_t)n->household_id, "unit_id",
		(json_int_t)n->unit_id, "starts_on", n->starts_on, "ends_on", n->ends_on,
		"monthly_rent_fen", (json_int_t)n->monthly_rent_fen, "deposit_fen",
		(json_int_t)n->deposit_fen, "existing", n->existing, "rent_rule_version",
		n->rent_rule_version > 0 ? json_integer(n->rent_rule_version) : json_null());
}

/* The rent of a new lease or a renewal: the standard in force on its first
 * day for the unit's community and layout, with the household's reduction
 * (rent/rent.h).  Without a standard the lease cannot be drafted: 422
 * "rent_standard_missing", naming the community and layout. */
static int
rent_from_standard(struct db *db, int64_t unit_id, int64_t household_id, const char *on,
		   struct rent_quote *q, struct lease_new *n, struct anju_err *e)
{
	char msg[sizeof(e->msg)];
	int rc = rent_quote(db, unit_id, household_id, on, q, e);

	if (rc == ANJU_ENOTFOUND && strcmp(e->key, "rent_standard_missing") == 0) {
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return anju_fail(e, ANJU_EUNPROCESSABLE, "rent_standard_missing", "unit_id", "%s",
				 msg);
	}
	if (rc != 0)
		return rc;
	n->monthly_rent_fen = q->monthly_fen;
	n->rent_rule_version = q->standard_id;
	n->quote = q;
	n->quoted_on = on;
	return 0;
}

/* The accepted offer of household for unit: *offer and *application. */
static int
accepted_offer(struct db *db, int64_t household_id, int64_t unit_id, int64_t *offer,
	       int64_t *application, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*offer = *application = 0;
	rc = db_prepare(db,
			"SELECT o.id, o.application_id FROM offer o WHERE o.household_id = ?"
			" AND o.unit_id = ? AND o.state = 'accepted' AND NOT EXISTS (SELECT 1"
			" FROM lease l WHERE l.offer_id = o.id AND l.state <> 'void')"
			" ORDER BY o.id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, unit_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*offer = db_col_int64(st, 0);
		*application = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ECONFLICT, "no_accepted_offer", "unit_id",
				 "该家庭没有已接受的此房屋配租通知书，不能签订新合同");
	return 0;
}

/* An open chain of the household: *chain (0 when none). */
static int
open_chain(struct db *db, int64_t household_id, int64_t *chain, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*chain = 0;
	rc = db_prepare(db,
			"SELECT id FROM lease_chain WHERE household_id = ? AND state = 'open'"
			" ORDER BY id LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*chain = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
lease_create(struct db *db, const struct caller *c, const struct lease_in *in,
	     const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_new n = { 0 };
	struct rent_quote quote;
	struct unit_info u;
	struct date starts, ends;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t chain = 0, head = 0, community;
	int rc;

	*id = 0;
	if (c == NULL)
		return not_found(e);
	if (in->existing && c->role != ROLE_BUREAU && c->role != ROLE_OPERATOR_MANAGER) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "forbidden", "existing",
			       "存量合同录入限住房保障部门或运营主管");
		goto out;
	}
	if ((rc = date_arg(in->starts_on, "starts_on", &starts, e)) != 0)
		goto out;
	if (in->ends_on != NULL) {
		if ((rc = date_arg(in->ends_on, "ends_on", &ends, e)) != 0)
			goto out;
	} else if (in->term_months < 1 || in->term_months > TERM_MONTHS_MAX) {
		rc = anju_fail(e, ANJU_EINVAL, "out_of_range", "term_months",
			       "请填写合同期限（月数）");
		goto out;
	} else {
		ends = term_end(starts, in->term_months);
	}
	/* A paper lease keeps the rent printed on it; a new one takes the
	 * standard's (below), whatever the clerk typed. */
	if ((in->existing &&
	     (rc = money_ok(in->monthly_rent_fen, true, "monthly_rent_fen", "月租金", e)) != 0) ||
	    (rc = money_ok(in->deposit_fen, false, "deposit_fen", "履约保证金", e)) != 0)
		goto out;
	if (in->existing && (rc = reason_ok(in->existing_reason, true, e)) != 0)
		goto out;
	/* New tenancies start from today on; a paper lease may have started. */
	if (!in->existing && date_cmp(starts, date_today_shanghai()) < 0) {
		rc = anju_fail(e, ANJU_EINVAL, "starts_in_past", "starts_on",
			       "新签合同的起始日期不能早于今天（已签纸质合同请用存量合同录入）");
		goto out;
	}
	if ((rc = household_community(db, c, in->household_id, &community, e)) != 0) {
		if (rc == ANJU_ENOTFOUND)
			rc = anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				       "没有这个家庭");
		goto out;
	}
	if ((rc = unit_info(db, c, in->unit_id, &u, e)) != 0)
		goto out;
	if ((rc = term_check(db, starts, ends, &n.policy_version, e)) != 0)
		goto out;
	if (in->existing)
		rc = unit_status_is(&u, "vacant", "allocated", e);
	else if ((rc = unit_status_is(&u, "allocated", NULL, e)) == 0)
		rc = accepted_offer(db, in->household_id, in->unit_id, &n.offer_id,
				    &n.application_id, e);
	if (rc != 0)
		goto out;
	if ((rc = open_chain(db, in->household_id, &chain, e)) != 0)
		goto out;
	if (chain != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "tenancy_open", "household_id",
			       "该家庭已有未结束的租赁（合同链 #%lld）", (long long)chain);
		goto out;
	}
	n.starts_on = date_text(a, starts);
	n.ends_on = date_text(a, ends);
	if ((rc = overlaps(db, in->unit_id, in->household_id, n.starts_on, n.ends_on, 0, e)) != 0)
		goto out;
	if (in->existing)
		n.monthly_rent_fen = in->monthly_rent_fen;
	else if ((rc = rent_from_standard(db, in->unit_id, in->household_id, n.starts_on, &quote,
					  &n, e)) != 0)
		goto out;
	if ((rc = members_of(db, c, in->household_id, &n.members, &head, NULL, e)) != 0)
		goto out;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
			" started_on, created_at) VALUES (?, ?, ?, 'open', ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, in->household_id);
	db_bind_int64(st, 2, in->unit_id);
	db_bind_int64(st, 3, u.community_id);
	db_bind_cstr(st, 4, n.starts_on);
	db_bind_cstr(st, 5, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		chain = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	n.chain_id = chain;
	n.seq = 1;
	n.kind = "new";
	n.household_id = in->household_id;
	n.unit_id = in->unit_id;
	n.community_id = u.community_id;
	n.community_name = u.community_name;
	n.unit_number = u.number;
	n.tenant_person_id = head;
	n.deposit_fen = in->deposit_fen;
	n.existing = in->existing;
	n.existing_reason = in->existing_reason;
	if ((rc = insert(db, &n, who, id, e)) != 0)
		goto out;
	{
		json_t *after = audit_image(&n, *id);

		if (n.offer_id > 0)
			json_object_set_new(after, "offer_id", json_integer(n.offer_id));
		if (n.existing)
			json_object_set_new(after, "existing_reason",
					    json_string(n.existing_reason));
		rc = audit_lease(db, who, "lease.create", *id, NULL, after, e);
	}
out:
	json_decref(n.members);
	arena_free(a);
	return rc;
}

/*
 * Signing.
 */

/* The witness's name: the account's display name, else its username. */
static const char *
witness_of(struct db *db, const struct caller *c, struct arena *a)
{
	json_t *acct = NULL;
	const char *name = c->name ? c->name : "";
	struct anju_err e;

	if (c->kind == CALLER_ACCOUNT && account_get(db, c->id, &acct, &e) == 0) {
		const char *d = json_string_value(json_object_get(acct, "display_name"));

		if (d != NULL && d[0] != '\0')
			name = d;
		name = arena_strdup(a, name);
		json_decref(acct);
		return name;
	}
	return arena_strdup(a, name);
}

/* The signature attachment must belong to this lease and be of a kind the
 * signature takes. */
static int
signature_check(struct db *db, const struct caller *c, int64_t lease_id,
		const struct lease_sign_in *in, struct anju_err *e)
{
	json_t *att = NULL;
	const char *mt, *owner;
	bool onscreen;
	int rc;

	if (in->signature_kind == NULL || (strcmp(in->signature_kind, "scan") != 0 &&
					   strcmp(in->signature_kind, "onscreen") != 0))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "signature_kind",
				 "签字方式应为 scan（纸质合同扫描件）或 onscreen（屏幕签名）");
	onscreen = strcmp(in->signature_kind, "onscreen") == 0;
	rc = attachment_get(db, c, in->signature_attachment_id, &att, e);
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "signature_invalid",
				 "signature_attachment_id", "没有这个签字附件");
	if (rc != 0)
		return rc;
	owner = json_string_value(json_object_get(att, "owner_type"));
	mt = json_string_value(json_object_get(att, "media_type"));
	if (owner == NULL || strcmp(owner, "lease") != 0 ||
	    json_integer_value(json_object_get(att, "owner_id")) != lease_id)
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "signature_invalid",
			       "signature_attachment_id", "签字附件不属于这份合同");
	else if (onscreen && (mt == NULL || strcmp(mt, "image/png") != 0))
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "signature_invalid",
			       "signature_attachment_id", "屏幕签名应为 PNG 图片");
	json_decref(att);
	return rc;
}

/* Raises the deposit charge of a lease being signed: the whole deposit for
 * a new chain, the increase for a renewal (keyed by the month it starts:
 * charge_raise takes only YYYY-MM periods), nothing for a change. */
static int
deposit_charge(struct db *db, const struct lease_row *l, int64_t previous_deposit,
	       const char *due_on, const struct audit_actor *who, struct anju_err *e)
{
	struct charge_in in = { 0 };
	char period[PERIOD_FMT_LEN], note[96];
	int64_t id;
	bool created;

	in.household_id = l->household_id;
	in.kind = CHARGE_DEPOSIT;
	in.due_on = due_on;
	in.source_type = "lease_chain";
	in.source_id = l->chain_id;
	in.note = note;
	if (strcmp(l->kind, "new") == 0) {
		if (l->deposit_fen <= 0)
			return 0;
		in.amount_fen = l->deposit_fen;
		snprintf(note, sizeof(note), "履约保证金（合同 #%lld）", (long long)l->id);
	} else if (strcmp(l->kind, "renewal") == 0) {
		if (l->deposit_fen <= previous_deposit)
			return 0;
		in.amount_fen = l->deposit_fen - previous_deposit;
		period_format(period_of(date_of(l->starts_on)), period);
		in.period = period;
		snprintf(note, sizeof(note), "续签增加的履约保证金（合同 #%lld）",
			 (long long)l->id);
	} else {
		return 0;
	}
	return charge_raise(db, &in, who, &id, &created, e);
}

/* allocated → housed for the application of a new tenancy's offer. */
static int
application_housed(struct db *db, int64_t application_id, int64_t lease_id,
		   const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int64_t n;
	int rc;

	if (application_id <= 0)
		return 0;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE application SET state = 'housed', updated_at = ? WHERE id = ?"
			" AND state = 'allocated'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, application_id);
	rc = db_step(st);
	n = db_changes(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (n != 1)
		return anju_fail(e, ANJU_ECONFLICT, "application_state", "offer_id",
				 "该家庭的申请不在「已配租」状态，不能签订新合同");
	snprintf(oid, sizeof(oid), "%lld", (long long)application_id);
	{
		json_t *before = json_pack("{s:s}", "state", "allocated");
		json_t *after = json_pack("{s:s, s:I}", "state", "housed", "lease_id",
					  (json_int_t)lease_id);

		rc = audit_write(db, who, "application.housed", "application", oid, before, after,
				 e);
		json_decref(before);
		json_decref(after);
	}
	return rc;
}

/* Sets ended_on (and, when it is already past, state ended) on a lease
 * and, when chain_too, ends its chain. */
static int
end_row(struct db *db, const struct lease_row *l, const char *ended_on, const char *reason,
	bool now_ended, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE lease SET ended_on = ?, end_reason = ?, state = ?, updated_at = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, ended_on);
	db_bind_cstr(st, 2, reason);
	db_bind_cstr(st, 3, now_ended ? "ended" : l->state);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, l->id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
chain_end(struct db *db, int64_t chain_id, const char *ended_on, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "UPDATE lease_chain SET state = 'ended', ended_on = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, ended_on);
	db_bind_int64(st, 2, chain_id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The members and tenant of a lease as the household has them now (a
 * change of tenant made the new head). */
static int
members_refresh(struct db *db, const struct caller *c, const struct lease_row *l,
		struct anju_err *e)
{
	json_t *members = NULL;
	struct db_stmt *st;
	char *dump;
	int64_t head = 0;
	int rc;

	if ((rc = members_of(db, c, l->household_id, &members, &head, NULL, e)) != 0)
		return rc;
	dump = json_dumps(members, JSON_COMPACT);
	json_decref(members);
	rc = db_prepare(db, "UPDATE lease SET members = ?, tenant_person_id = ? WHERE id = ?", &st);
	if (rc == 0) {
		db_bind_cstr(st, 1, dump);
		db_bind_int64(st, 2, head);
		db_bind_int64(st, 3, l->id);
		rc = db_step(st);
		db_reset(st);
	}
	free(dump);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* A change being signed: the previous lease ends the day before it
 * starts, and the change itself happens (the head, the unit). */
static int
change_apply(struct db *db, const struct caller *c, const struct lease_row *l,
	     const struct audit_actor *who, struct arena *a, struct anju_err *e)
{
	struct lease_row prev;
	json_t *detail = NULL;
	struct date day_before = date_add_days(date_of(l->starts_on), -1);
	const char *last = date_text(a, day_before);
	bool past = date_cmp(day_before, date_today_shanghai()) < 0;
	int rc;

	if ((rc = row_load(db, l->previous_id, a, &prev, e)) != 0)
		return rc;
	if (!is_state(&prev, "in_force") && !is_state(&prev, "signed"))
		return anju_fail(e, ANJU_ECONFLICT, "lease_state", "previous_id",
				 "被变更的合同当前状态为「%s」", state_title(prev.state));
	if (prev.ended_on != NULL && strcmp(prev.ended_on, last) < 0)
		return anju_fail(e, ANJU_ECONFLICT, "lease_state", "previous_id",
				 "被变更的合同已于 %s 终止", prev.ended_on);
	if ((rc = end_row(db, &prev, last, "changed", past, e)) != 0)
		return rc;
	detail = json_loads(l->change_detail ? l->change_detail : "{}", 0, NULL);
	if (strcmp(l->change_kind, "tenant") == 0) {
		int64_t member = json_integer_value(
			json_object_get(json_object_get(detail, "after"), "member_id"));
		const char *former =
			json_string_value(json_object_get(detail, "former_relationship"));

		rc = household_set_head(db, l->household_id, member, former, who, e);
		if (rc == ANJU_ECONFLICT && strcmp(e->key, "already_head") == 0)
			rc = 0; /* made head in the household file already */
		if (rc == 0)
			rc = members_refresh(db, c, l, e);
	} else if (strcmp(l->change_kind, "unit") == 0) {
		rc = unit_transition(db, l->unit_id, UNIT_VACANT, UNIT_ALLOCATED,
				     "调换房屋，签订变更合同", who, e);
		if (rc == 0) {
			struct db_stmt *st;

			rc = db_prepare(db,
					"UPDATE lease_chain SET unit_id = ?, community_id = ?"
					" WHERE id = ?",
					&st);
			if (rc != 0) {
				rc = db_fail(db, rc, e);
			} else {
				db_bind_int64(st, 1, l->unit_id);
				db_bind_int64(st, 2, l->community_id);
				db_bind_int64(st, 3, l->chain_id);
				rc = db_step(st);
				db_reset(st);
				rc = rc < 0 ? db_fail(db, rc, e) : 0;
			}
		}
		/* A unit never moved into goes back to the stock; one lived in
		 * is handed back through the move-out checklist. */
		if (rc == 0) {
			struct unit_info old;

			if (unit_info(db, c, prev.unit_id, &old, e) == 0 &&
			    strcmp(old.status, "allocated") == 0)
				rc = unit_transition(db, prev.unit_id, UNIT_ALLOCATED, UNIT_VACANT,
						     "调换房屋，原房屋未入住", who, e);
		}
	}
	json_decref(detail);
	if (rc != 0)
		return rc;
	return audit_lease(db, who, past ? "lease.end" : "lease.end_scheduled", prev.id,
			   json_pack("{s:s}", "state", prev.state),
			   json_pack("{s:s, s:s, s:s, s:I}", "state", past ? "ended" : prev.state,
				     "ended_on", last, "end_reason", "changed", "next_lease_id",
				     (json_int_t)l->id),
			   e);
}

int
lease_sign(struct db *db, const struct caller *c, int64_t id, const struct lease_sign_in *in,
	   const struct audit_actor *who, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l, prev = { 0 };
	struct tenancy_policy p;
	struct date signed_on, today = date_today_shanghai();
	const char *signed_text, *due, *witness, *state;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t attachment = 0;
	int rc;

	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (!is_state(&l, "draft")) {
		rc = state_conflict(&l, "签订", e);
		goto out;
	}
	if (in->signed_on != NULL) {
		if ((rc = date_arg(in->signed_on, "signed_on", &signed_on, e)) != 0)
			goto out;
		if (date_cmp(signed_on, today) > 0) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "signed_on",
				       "签订日期不能晚于今天");
			goto out;
		}
		if (!l.existing && date_cmp(signed_on, today) != 0) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "signed_on",
				       "新签合同的签订日期为今天");
			goto out;
		}
	} else {
		signed_on = today;
	}
	signed_text = date_text(a, signed_on);
	if ((rc = signature_check(db, c, id, in, e)) != 0)
		goto out;
	if (l.previous_id > 0 && (rc = row_load(db, l.previous_id, a, &prev, e)) != 0)
		goto out;
	if (strcmp(l.kind, "renewal") == 0 && !is_state(&prev, "in_force") &&
	    !is_state(&prev, "signed")) {
		rc = anju_fail(e, ANJU_ECONFLICT, "lease_state", "previous_id",
			       "被续签的合同当前状态为「%s」", state_title(prev.state));
		goto out;
	}
	if (strcmp(l.kind, "renewal") == 0 && prev.ended_on != NULL) {
		rc = anju_fail(e, ANJU_ECONFLICT, "lease_state", "previous_id",
			       "被续签的合同已提前终止（%s）", prev.ended_on);
		goto out;
	}
	if (strcmp(l.kind, "new") == 0 && !l.existing) {
		struct unit_info u;

		if ((rc = unit_info(db, c, l.unit_id, &u, e)) != 0 ||
		    (rc = unit_status_is(&u, "allocated", NULL, e)) != 0)
			goto out;
	}
	if (strcmp(l.kind, "change") == 0) {
		if (date_cmp(date_of(l.starts_on), date_add_days(date_of(prev.starts_on), 1)) < 0) {
			rc = anju_fail(e, ANJU_ECONFLICT, "lease_state", "starts_on",
				       "变更日期应晚于原合同的起始日期");
			goto out;
		}
		if ((rc = change_apply(db, c, &l, who, a, e)) != 0)
			goto out;
	}
	if ((rc = overlaps(db, l.unit_id, l.household_id, l.starts_on, l.ends_on, l.id, e)) != 0)
		goto out;
	/* The contract names the members of the day it is signed. */
	if (strcmp(l.kind, "change") != 0 && (rc = members_refresh(db, c, &l, e)) != 0)
		goto out;
	if ((rc = tenancy_policy_get(db, signed_text, &p, e)) != 0)
		goto out;
	due = date_text(a, date_add_days(signed_on, p.filing_days));
	witness = witness_of(db, c, a);
	state = date_cmp(date_of(l.starts_on), today) <= 0 ? "in_force" : "signed";
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE lease SET state = ?, signed_on = ?, signature_kind = ?,"
			" signature_attachment_id = ?, witness_principal = ?, witness_name = ?,"
			" filing_due_on = ?, updated_at = ? WHERE id = ? AND state = 'draft'",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, signed_text);
	db_bind_cstr(st, 3, in->signature_kind);
	db_bind_int64(st, 4, in->signature_attachment_id);
	db_bind_cstr(st, 5, c->principal ? c->principal : "system");
	db_bind_cstr(st, 6, witness);
	db_bind_cstr(st, 7, due);
	db_bind_cstr(st, 8, now);
	db_bind_int64(st, 9, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	l.state = state;
	if ((rc = deposit_charge(db, &l, prev.deposit_fen, signed_text, who, e)) != 0)
		goto out;
	if (strcmp(l.kind, "new") == 0 && !l.existing)
		rc = application_housed(db, l.application_id, l.id, who, e);
	else if (strcmp(l.kind, "new") == 0) {
		struct unit_info u;

		if ((rc = unit_info(db, c, l.unit_id, &u, e)) == 0 &&
		    strcmp(u.status, "vacant") == 0)
			rc = unit_transition(db, l.unit_id, UNIT_VACANT, UNIT_ALLOCATED,
					     "录入存量租赁合同", who, e);
	}
	if (rc != 0)
		goto out;
	/* The document the tenant signed is the contract on record.  A paper
	 * lease entered as it stands, never printed here, has its own on
	 * record (the scan); its printed form is issued when a clerk first
	 * prints it. */
	if ((!l.existing || l.contract_version > 0) &&
	    (rc = lease_contract_issue(db, c, id, NULL, who, &attachment, e)) != 0)
		goto out;
	rc = audit_lease(db, who, "lease.sign", id, json_pack("{s:s}", "state", "draft"),
			 json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "state", state,
				   "signed_on", signed_text, "signature_kind", in->signature_kind,
				   "signature_attachment_id",
				   (json_int_t)in->signature_attachment_id, "witness", witness,
				   "filing_due_on", due, "contract_attachment_id",
				   (json_int_t)attachment),
			 e);
out:
	arena_free(a);
	return rc;
}

int
lease_void(struct db *db, const struct caller *c, int64_t id, const char *reason,
	   const struct audit_actor *who, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = reason_ok(reason, true, e)) != 0 || (rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (!is_state(&l, "draft")) {
		rc = state_conflict(&l, "作废（只有草稿可以作废）", e);
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db, "UPDATE lease SET state = 'void', end_reason = ?, updated_at = ? WHERE id = ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, reason);
	db_bind_cstr(st, 2, now);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	/* The first lease of a chain never took effect: the chain is over. */
	if (l.seq == 1 && (rc = chain_end(db, l.chain_id, NULL, e)) != 0)
		goto out;
	rc = audit_lease(db, who, "lease.void", id, json_pack("{s:s}", "state", "draft"),
			 json_pack("{s:s, s:s}", "state", "void", "reason", reason), e);
out:
	arena_free(a);
	return rc;
}

int
lease_file(struct db *db, const struct caller *c, int64_t id, const char *filed_on,
	   const char *reference, const struct audit_actor *who, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct date d;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	if ((rc = date_arg(filed_on, "filed_on", &d, e)) != 0 ||
	    (rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (!is_state(&l, "signed") && !is_state(&l, "in_force") && !is_state(&l, "ended")) {
		rc = state_conflict(&l, "备案", e);
		goto out;
	}
	if (l.filed_on != NULL) {
		rc = anju_fail(e, ANJU_ECONFLICT, "already_filed", "filed_on", "该合同已于 %s 备案",
			       l.filed_on);
		goto out;
	}
	if (date_cmp(d, date_of(l.signed_on)) < 0 || date_cmp(d, date_today_shanghai()) > 0) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "filed_on",
			       "备案日期应在签订日期（%s）与今天之间", l.signed_on);
		goto out;
	}
	if (reference != NULL && strlen(reference) > 64) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_length", "reference", "备案编号过长");
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db, "UPDATE lease SET filed_on = ?, filing_ref = ?, updated_at = ? WHERE id = ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, filed_on);
	db_bind_cstr(st, 2, reference && reference[0] ? reference : NULL);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_lease(db, who, "lease.file", id, NULL,
			 json_pack("{s:s, s:s?, s:s}", "filed_on", filed_on, "reference", reference,
				   "filing_due_on", l.filing_due_on ? l.filing_due_on : ""),
			 e);
out:
	arena_free(a);
	return rc;
}

/*
 * Ending (tenancy.h).
 */

int
lease_in_force(struct db *db, int64_t chain_id, const char *on_date, int64_t *lease_id,
	       struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	struct date d;
	struct db_stmt *st;
	int rc;

	*lease_id = 0;
	if (on_date == NULL) {
		date_format(date_today_shanghai(), today);
		on_date = today;
	} else if (date_parse(str_c(on_date), &d) != 0) {
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "on_date",
				 "日期应为 YYYY-MM-DD 格式");
	}
	/* An ended lease was in force up to its last day, too: a question
	 * about a past date gets the lease of that date. */
	rc = db_prepare(db,
			"SELECT id FROM lease WHERE chain_id = ? AND state IN " LIVE_STATES
			" AND starts_on <= ? AND COALESCE(ended_on, ends_on) >= ?"
			" ORDER BY starts_on DESC, seq DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	db_bind_cstr(st, 2, on_date);
	db_bind_cstr(st, 3, on_date);
	rc = db_step(st);
	if (rc == DB_ROW)
		*lease_id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* Voids the drafts and not yet started signed leases that follow l in its
 * chain: the tenancy ends with l. */
static int
void_followers(struct db *db, const struct lease_row *l, const char *reason,
	       const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t ids[64];
	char states[64][16];
	char now[TIME_FMT_LEN];
	int n = 0, rc;

	rc = db_prepare(db,
			"SELECT id, state FROM lease WHERE chain_id = ? AND seq > ?"
			" AND state IN ('draft', 'signed') ORDER BY seq LIMIT 64",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, l->chain_id);
	db_bind_int64(st, 2, l->seq);
	while ((rc = db_step(st)) == DB_ROW && n < 64) {
		ids[n] = db_col_int64(st, 0);
		snprintf(states[n], sizeof(states[n]), "%s", db_col_text(st, 1));
		n++;
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	time_format_utc(time_now_us(), now);
	for (int i = 0; i < n; i++) {
		rc = db_prepare(db,
				"UPDATE lease SET state = 'void', end_reason = ?, updated_at = ?"
				" WHERE id = ?",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, reason);
		db_bind_cstr(st, 2, now);
		db_bind_int64(st, 3, ids[i]);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
		if ((rc = audit_lease(db, who, "lease.void", ids[i],
				      json_pack("{s:s}", "state", states[i]),
				      json_pack("{s:s, s:s, s:I}", "state", "void", "reason",
						reason, "ended_lease_id", (json_int_t)l->id),
				      e)) != 0)
			return rc;
	}
	return 0;
}

int
lease_end(struct db *db, int64_t lease_id, const char *on_date, const char *reason,
	  const struct audit_actor *who, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct date d;
	const char *last;
	int rc;

	if ((rc = date_arg(on_date, "on_date", &d, e)) != 0 ||
	    (rc = reason_ok(reason, true, e)) != 0 || (rc = row_load(db, lease_id, a, &l, e)) != 0)
		goto out;
	if (is_state(&l, "ended")) {
		/* Ended already by then (its term ran out, a change): nothing to do. */
		if (strcmp(eff_end(&l), on_date) <= 0)
			goto out;
		rc = anju_fail(e, ANJU_ECONFLICT, "lease_state", "state", "合同已于 %s 终止",
			       eff_end(&l));
		goto out;
	}
	if (!is_state(&l, "signed") && !is_state(&l, "in_force")) {
		rc = state_conflict(&l, "终止", e);
		goto out;
	}
	/* Never after its term: a lease that ran out ended on its last day. */
	last = strcmp(on_date, eff_end(&l)) < 0 ? on_date : eff_end(&l);
	if (strcmp(last, date_text(a, date_add_days(date_of(l.starts_on), -1))) < 0) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "on_date",
			       "终止日期不能早于合同起始日期（%s）的前一天", l.starts_on);
		goto out;
	}
	if ((rc = end_row(db, &l, last, reason, true, e)) != 0 ||
	    (rc = void_followers(db, &l, "租赁已终止", who, e)) != 0 ||
	    (rc = chain_end(db, l.chain_id, last, e)) != 0)
		goto out;
	rc = audit_lease(db, who, "lease.end", lease_id, json_pack("{s:s}", "state", l.state),
			 json_pack("{s:s, s:s, s:s}", "state", "ended", "ended_on", last,
				   "end_reason", reason),
			 e);
out:
	arena_free(a);
	return rc;
}

/*
 * Renewal.
 */

static int
next_seq(struct db *db, int64_t chain_id, int64_t *seq, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM lease WHERE chain_id = ?",
			     &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain_id);
	rc = db_step(st);
	*seq = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Whether today is in the renewal window of l: *opens the first day. */
static int
window_of(struct db *db, const struct lease_row *l, struct date today, struct date *opens,
	  bool *in_window, struct anju_err *e)
{
	struct tenancy_policy p;
	int rc;

	if ((rc = tenancy_policy_get(db, NULL, &p, e)) != 0)
		return rc;
	*opens = date_add_months(date_of(l->ends_on), -p.renewal_window_months);
	*in_window = date_cmp(today, *opens) >= 0 && date_cmp(today, date_of(l->ends_on)) <= 0;
	return 0;
}

/* The lease that follows l in its chain (not void): *next (0: none). */
static int
successor(struct db *db, int64_t lease_id, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*next = 0;
	rc = db_prepare(db,
			"SELECT id FROM lease WHERE previous_id = ? AND state <> 'void'"
			" ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, lease_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*next = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
renewal_facts(struct db *db, const struct lease_row *l, const char *on_date, bool *eligible,
	      json_t **explain, json_t **cross, int *nconflicts, struct anju_err *e)
{
	int64_t rule_version = 0;
	int rc;

	*explain = *cross = NULL;
	if ((rc = eligibility_evaluate(db, l->household_id, on_date, eligible, &rule_version,
				       explain, e)) != 0)
		return rc;
	if ((rc = crosscheck_household(db, l->household_id, cross, nconflicts, e)) != 0) {
		json_decref(*explain);
		*explain = NULL;
	}
	return rc;
}

int
lease_renewal_check(struct db *db, const struct caller *c, int64_t id, const char *on_date,
		    json_t **out, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct date today = date_today_shanghai(), opens;
	json_t *explain = NULL, *cross = NULL;
	bool eligible = false, in_window = false;
	int nconflicts = 0, rc;

	*out = NULL;
	if (on_date != NULL && (rc = date_arg(on_date, "on_date", &today, e)) != 0)
		goto out;
	if ((rc = load(db, c, id, a, &l, e)) != 0 ||
	    (rc = window_of(db, &l, today, &opens, &in_window, e)) != 0 ||
	    (rc = renewal_facts(db, &l, date_text(a, today), &eligible, &explain, &cross,
				&nconflicts, e)) != 0)
		goto out;
	*out = json_pack("{s:I, s:b, s:o, s:o, s:i, s:s, s:b, s:s}", "lease_id", (json_int_t)id,
			 "eligible", eligible && nconflicts == 0, "eligibility", explain,
			 "crosscheck", cross, "nconflicts", nconflicts, "window_opens_on",
			 date_text(a, opens), "in_window", in_window, "ends_on", l.ends_on);
out:
	arena_free(a);
	return rc;
}

/* The first rule that failed, in the clerk's words, for the 409. */
static const char *
first_failure(json_t *explain, json_t *cross)
{
	json_t *r;
	size_t i;

	json_array_foreach (json_object_get(explain, "rules"), i, r)
		if (!json_is_true(json_object_get(r, "passed")))
			return json_string_value(json_object_get(r, "text"));
	r = json_array_get(json_object_get(cross, "conflicts"), 0);
	return r ? json_string_value(json_object_get(r, "text")) : NULL;
}

int
lease_renew(struct db *db, const struct caller *c, int64_t id, const struct lease_renew_in *in,
	    const struct audit_actor *who, int64_t *new_id, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct lease_new n = { 0 };
	struct rent_quote quote;
	struct date today = date_today_shanghai(), opens, starts;
	json_t *explain = NULL, *cross = NULL;
	bool eligible = false, in_window = false;
	int64_t next = 0, head = 0;
	int nconflicts = 0, rc;

	*new_id = 0;
	if (in->on_date != NULL && (rc = date_arg(in->on_date, "on_date", &today, e)) != 0)
		goto out;
	if (in->term_months < 1 || in->term_months > TERM_MONTHS_MAX) {
		rc = anju_fail(e, ANJU_EINVAL, "out_of_range", "term_months",
			       "请填写续签期限（月数）");
		goto out;
	}
	/* The renewal's rent is the standard's on its first day (below). */
	if (in->deposit_fen >= 0 &&
	    (rc = money_ok(in->deposit_fen, false, "deposit_fen", "履约保证金", e)) != 0)
		goto out;
	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (!is_state(&l, "in_force") || l.ended_on != NULL) {
		rc = l.ended_on != NULL && is_state(&l, "in_force")
			     ? anju_fail(e, ANJU_ECONFLICT, "lease_state", "state",
					 "合同将于 %s 提前终止，不能续签", l.ended_on)
			     : state_conflict(&l, "续签", e);
		goto out;
	}
	if ((rc = successor(db, id, &next, e)) != 0)
		goto out;
	if (next != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "renewal_exists", NULL,
			       "该合同已有续签或变更合同（合同 #%lld）", (long long)next);
		goto out;
	}
	if ((rc = window_of(db, &l, today, &opens, &in_window, e)) != 0)
		goto out;
	if (!in_window) {
		rc = anju_fail(e, ANJU_ECONFLICT, "renewal_window", NULL,
			       "续签应在合同到期前办理：自 %s 起至 %s（第三十条）",
			       date_text(a, opens), l.ends_on);
		goto out;
	}
	if ((rc = renewal_facts(db, &l, date_text(a, today), &eligible, &explain, &cross,
				&nconflicts, e)) != 0)
		goto out;
	if (!eligible || nconflicts > 0) {
		const char *why = first_failure(explain, cross);

		rc = anju_fail(e, ANJU_ECONFLICT, "renewal_not_eligible", NULL,
			       "复核未通过，不能续签%s%.180s%s（共 %d 项核查冲突）",
			       why ? "：" : "", why ? why : "", "", nconflicts);
		goto out;
	}
	starts = date_add_days(date_of(l.ends_on), 1);
	n.starts_on = date_text(a, starts);
	n.ends_on = date_text(a, term_end(starts, in->term_months));
	if ((rc = term_check(db, starts, term_end(starts, in->term_months), &n.policy_version,
			     e)) != 0 ||
	    (rc = members_of(db, c, l.household_id, &n.members, &head, NULL, e)) != 0)
		goto out;
	n.chain_id = l.chain_id;
	if ((rc = next_seq(db, l.chain_id, &n.seq, e)) != 0)
		goto out;
	n.kind = "renewal";
	n.household_id = l.household_id;
	n.unit_id = l.unit_id;
	n.community_id = l.community_id;
	n.community_name = l.community_name;
	n.unit_number = l.unit_number;
	n.tenant_person_id = head;
	if ((rc = rent_from_standard(db, l.unit_id, l.household_id, n.starts_on, &quote, &n, e)) !=
	    0)
		goto out;
	n.deposit_fen = in->deposit_fen >= 0 ? in->deposit_fen : l.deposit_fen;
	n.previous_id = l.id;
	if ((rc = insert(db, &n, who, new_id, e)) != 0)
		goto out;
	{
		json_t *after = audit_image(&n, *new_id);

		json_object_set_new(after, "previous_id", json_integer(l.id));
		json_object_set(after, "eligibility_rule_version",
				json_object_get(explain, "rule_version"));
		rc = audit_lease(db, who, "lease.renew", *new_id, NULL, after, e);
	}
out:
	json_decref(explain);
	json_decref(cross);
	json_decref(n.members);
	arena_free(a);
	return rc;
}

/*
 * Change.
 */

/* Whether the person was 18 or older on date. */
static bool
adult_on(json_t *person, struct date on)
{
	struct date birth;
	const char *b = json_string_value(json_object_get(person, "birth_date"));

	if (b == NULL || date_parse(str_c(b), &birth) != 0)
		return false;
	return date_cmp(date_add_months(birth, 18 * 12), on) <= 0;
}

int
lease_change(struct db *db, const struct caller *c, int64_t id, const struct lease_change_in *in,
	     const struct audit_actor *who, int64_t *new_id, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct lease_new n = { 0 };
	struct unit_info u;
	struct date on = date_today_shanghai();
	json_t *before = NULL, *after = NULL, *detail = NULL, *members = NULL;
	int64_t next = 0, head = 0, head_member = 0;
	int rc;

	*new_id = 0;
	if (in->kind == NULL ||
	    (strcmp(in->kind, "members") != 0 && strcmp(in->kind, "tenant") != 0 &&
	     strcmp(in->kind, "unit") != 0)) {
		rc = anju_fail(
			e, ANJU_EINVAL, "invalid_value", "kind",
			"变更类型应为 members（家庭成员）、tenant（承租人）或 unit（调换房屋）");
		goto out;
	}
	if (strcmp(in->kind, "unit") == 0 && (c == NULL || c->role != ROLE_BUREAU)) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
			       "调换房屋由住房保障部门决定");
		goto out;
	}
	if (in->on_date != NULL && (rc = date_arg(in->on_date, "on_date", &on, e)) != 0)
		goto out;
	if ((rc = reason_ok(in->reason, true, e)) != 0)
		goto out;
	if (in->monthly_rent_fen != 0 &&
	    (rc = money_ok(in->monthly_rent_fen, true, "monthly_rent_fen", "月租金", e)) != 0)
		goto out;
	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (!is_state(&l, "in_force")) {
		rc = state_conflict(&l, "变更（只有履行中的合同可以变更）", e);
		goto out;
	}
	if ((rc = successor(db, id, &next, e)) != 0)
		goto out;
	if (next != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "renewal_exists", NULL,
			       "该合同已有后续的续签或变更合同（合同 #%lld），请在其上办理",
			       (long long)next);
		goto out;
	}
	if (date_cmp(on, date_add_days(date_of(l.starts_on), 1)) < 0 ||
	    date_cmp(on, date_of(eff_end(&l))) > 0) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_date", "on_date",
			       "变更日期应在 %s 与 %s 之间",
			       date_text(a, date_add_days(date_of(l.starts_on), 1)), eff_end(&l));
		goto out;
	}
	if ((rc = members_of(db, c, l.household_id, &members, &head, &head_member, e)) != 0)
		goto out;
	n.household_id = l.household_id;
	n.unit_id = l.unit_id;
	n.community_id = l.community_id;
	n.community_name = l.community_name;
	n.unit_number = l.unit_number;
	n.tenant_person_id = head;
	before = json_pack("{s:o}", "members", members_named(db, l.members));
	if (strcmp(in->kind, "members") == 0) {
		char *dump = json_dumps(members, JSON_COMPACT);

		after = json_pack("{s:o}", "members", members_named(db, dump));
		free(dump);
		if (json_equal(json_object_get(before, "members"),
			       json_object_get(after, "members"))) {
			rc = anju_fail(e, ANJU_ECONFLICT, "members_unchanged", "kind",
				       "家庭成员与合同记载的一致，无需变更（请先在家庭档案中登记成"
				       "员变化）");
			goto out;
		}
	} else if (strcmp(in->kind, "tenant") == 0) {
		json_t *m, *person = NULL;
		size_t i;
		int64_t pid = 0;

		json_array_foreach (members, i, m)
			if (json_integer_value(json_object_get(m, "member_id")) == in->member_id)
				pid = json_integer_value(json_object_get(m, "person_id"));
		if (pid == 0) {
			rc = anju_fail(e, ANJU_EINVAL, "member_not_found", "member_id",
				       "新承租人应为该家庭的在册成员");
			goto out;
		}
		if (pid == l.tenant_person_id) {
			rc = anju_fail(e, ANJU_ECONFLICT, "already_tenant", "member_id",
				       "该成员已是承租人");
			goto out;
		}
		if ((rc = person_json(db, pid, &person, e)) != 0)
			goto out;
		if (!adult_on(person, on)) {
			json_decref(person);
			rc = anju_fail(e, ANJU_EUNPROCESSABLE, "tenant_not_adult", "member_id",
				       "新承租人应为成年家庭成员");
			goto out;
		}
		json_decref(person);
		if (in->former_relationship != NULL &&
		    (strcmp(in->former_relationship, "head") == 0 ||
		     (strcmp(in->former_relationship, "other") != 0 &&
		      strcmp(relationship_title(in->former_relationship), "其他") == 0))) {
			rc = anju_fail(
				e, ANJU_EINVAL, "invalid_value", "former_relationship",
				"原承租人的关系应为 spouse、child、parent、sibling 或 other");
			goto out;
		}
		json_object_set_new(before, "tenant_person_id", json_integer(l.tenant_person_id));
		after = json_pack("{s:I, s:I}", "tenant_person_id", (json_int_t)pid, "member_id",
				  (json_int_t)in->member_id);
		n.tenant_person_id = pid;
	} else {
		if (in->unit_id == l.unit_id) {
			rc = anju_fail(e, ANJU_EINVAL, "same_unit", "unit_id",
				       "调换的房屋不能是原房屋");
			goto out;
		}
		if ((rc = unit_info(db, c, in->unit_id, &u, e)) != 0 ||
		    (rc = unit_status_is(&u, "vacant", NULL, e)) != 0)
			goto out;
		json_object_set_new(before, "unit_id", json_integer(l.unit_id));
		json_object_set_new(before, "unit_number", json_string(l.unit_number));
		after = json_pack("{s:I, s:s, s:s}", "unit_id", (json_int_t)in->unit_id,
				  "unit_number", u.number, "community_name", u.community_name);
		n.unit_id = in->unit_id;
		n.community_id = u.community_id;
		n.community_name = arena_strdup(a, u.community_name);
		n.unit_number = arena_strdup(a, u.number);
	}
	n.starts_on = date_text(a, on);
	n.ends_on = l.ends_on;
	if ((rc = overlap_check(db, "unit_id", n.unit_id, n.starts_on, n.ends_on, l.id, e)) != 0)
		goto out;
	if ((rc = next_seq(db, l.chain_id, &n.seq, e)) != 0)
		goto out;
	detail = json_pack("{s:O, s:O, s:s}", "before", before, "after", after, "reason",
			   in->reason);
	if (in->former_relationship != NULL)
		json_object_set_new(detail, "former_relationship",
				    json_string(in->former_relationship));
	n.chain_id = l.chain_id;
	n.kind = "change";
	n.change_kind = in->kind;
	n.change_detail = detail;
	n.members = members;
	/* A change keeps the lease's rent and the standard it came from, unless
	 * a new amount is entered by hand. */
	n.monthly_rent_fen = in->monthly_rent_fen ? in->monthly_rent_fen : l.monthly_rent_fen;
	n.rent_rule_version = in->monthly_rent_fen ? 0 : l.rent_rule_version;
	n.deposit_fen = l.deposit_fen;
	n.policy_version = l.policy_version;
	n.previous_id = l.id;
	if ((rc = insert(db, &n, who, new_id, e)) != 0)
		goto out;
	if (n.rent_rule_version > 0 && (rc = rent_quote_copy(db, l.id, *new_id, e)) != 0)
		goto out;
	{
		json_t *img = audit_image(&n, *new_id);

		json_object_set_new(img, "previous_id", json_integer(l.id));
		json_object_set_new(img, "change_kind", json_string(in->kind));
		json_object_set(img, "change", detail);
		rc = audit_lease(db, who, "lease.change", *new_id, NULL, img, e);
	}
out:
	json_decref(before);
	json_decref(after);
	json_decref(detail);
	json_decref(members);
	arena_free(a);
	return rc;
}

/*
 * Reads.
 */

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Whether l is in force on date d (YYYY-MM-DD). */
static bool
in_force_on(const struct lease_row *l, const char *d)
{
	return (is_state(l, "signed") || is_state(l, "in_force")) && strcmp(l->starts_on, d) <= 0 &&
	       strcmp(d, eff_end(l)) <= 0;
}

/* The tenant's name masked (张*), "" when unknown. */
static json_t *
tenant_name(struct db *db, int64_t person_id)
{
	json_t *p = NULL, *out;
	char masked[256] = "";
	struct anju_err e;

	if (person_json(db, person_id, &p, &e) == 0)
		mask_middle(json_string_value(json_object_get(p, "name")), 1, 0, masked,
			    sizeof(masked));
	out = json_string(masked);
	json_decref(p);
	return out;
}

/* The Lease JSON (full: with members and the change's detail). */
static json_t *
lease_json(struct db *db, const struct lease_row *l, bool full)
{
	char today[DATE_FMT_LEN];
	json_t *j;
	int months =
		date_months_between(date_of(l->starts_on), date_add_days(date_of(l->ends_on), 1));

	date_format(date_today_shanghai(), today);
	j = json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:I, s:o, s:s, s:s,"
		      " s:s, s:s, s:o, s:o, s:i, s:I, s:o, s:I, s:b, s:b}",
		      "id", (json_int_t)l->id, "chain_id", (json_int_t)l->chain_id, "seq",
		      (json_int_t)l->seq, "kind", l->kind, "kind_title", kind_title(l->kind),
		      "household_id", (json_int_t)l->household_id, "unit_id",
		      (json_int_t)l->unit_id, "community_id", (json_int_t)l->community_id,
		      "community_name", l->community_name, "unit_number", l->unit_number,
		      "tenant_person_id", (json_int_t)l->tenant_person_id, "tenant_name",
		      tenant_name(db, l->tenant_person_id), "state", l->state, "state_title",
		      state_title(l->state), "starts_on", l->starts_on, "ends_on", l->ends_on,
		      "ended_on", str_or_null(l->ended_on), "end_reason",
		      str_or_null(l->end_reason), "term_months", months, "monthly_rent_fen",
		      (json_int_t)l->monthly_rent_fen, "rent_rule_version",
		      id_or_null(l->rent_rule_version), "deposit_fen", (json_int_t)l->deposit_fen,
		      "existing", l->existing, "in_force_today", in_force_on(l, today));
	json_object_set_new(j, "previous_id", id_or_null(l->previous_id));
	json_object_set_new(j, "change_kind", str_or_null(l->change_kind));
	json_object_set_new(j, "signed_on", str_or_null(l->signed_on));
	json_object_set_new(j, "signature_kind", str_or_null(l->signature_kind));
	json_object_set_new(j, "witness_name", str_or_null(l->witness_name));
	json_object_set_new(j, "filed_on", str_or_null(l->filed_on));
	json_object_set_new(j, "filing_due_on", str_or_null(l->filing_due_on));
	json_object_set_new(j, "contract_version", json_integer(l->contract_version));
	json_object_set_new(j, "created_at", json_string(l->created_at));
	if (!full)
		return j;
	json_object_set_new(j, "existing_reason", str_or_null(l->existing_reason));
	json_object_set_new(j, "offer_id", id_or_null(l->offer_id));
	json_object_set_new(j, "application_id", id_or_null(l->application_id));
	json_object_set_new(j, "policy_version", id_or_null(l->policy_version));
	json_object_set_new(j, "change_detail",
			    l->change_detail ? json_loads(l->change_detail, 0, NULL) : json_null());
	if (json_is_null(json_object_get(j, "change_detail")) && l->change_detail)
		json_object_set_new(j, "change_detail", json_null());
	json_object_set_new(j, "members", members_named(db, l->members));
	json_object_set_new(j, "signature_attachment_id", id_or_null(l->signature_attachment_id));
	json_object_set_new(j, "witness_principal", str_or_null(l->witness_principal));
	json_object_set_new(j, "filing_ref", str_or_null(l->filing_ref));
	json_object_set_new(j, "contract_template", json_string(l->contract_template));
	json_object_set_new(j, "contract_hash", str_or_null(l->contract_hash));
	json_object_set_new(j, "contract_attachment_id", id_or_null(l->contract_attachment_id));
	json_object_set_new(j, "contract_issued_on", str_or_null(l->contract_issued_on));
	json_object_set_new(j, "verify_token", json_string(l->verify_token));
	json_object_set_new(j, "created_by", json_string(l->created_by));
	json_object_set_new(j, "updated_at", json_string(l->updated_at));
	return j;
}

/* The chain's deposit and other charges, from the household's account. */
static json_t *
chain_charges(struct db *db, const struct caller *c, const struct lease_row *l)
{
	json_t *acct = NULL, *out = json_array(), *ch;
	struct anju_err e;
	size_t i;

	if (money_account(db, c, l->household_id, &acct, &e) != 0)
		return out;
	json_array_foreach (json_object_get(acct, "charges"), i, ch) {
		const char *src = json_string_value(json_object_get(ch, "source_type"));

		if (src != NULL && strcmp(src, "lease_chain") == 0 &&
		    json_integer_value(json_object_get(ch, "source_id")) == l->chain_id)
			json_array_append(out, ch);
	}
	json_decref(acct);
	return out;
}

int
lease_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct db_stmt *st;
	json_t *j = NULL, *chain, *atts = NULL;
	int rc;

	*out = NULL;
	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	j = lease_json(db, &l, true);
	chain = json_array();
	json_object_set_new(j, "chain", chain);
	rc = db_prepare(
		db, "SELECT " LEASE_COLS " FROM lease l WHERE l.chain_id = ? ORDER BY l.seq", &st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, l.chain_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct lease_row x;

		row_read(st, a, &x);
		json_array_append_new(chain, lease_json(db, &x, false));
	}
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if ((rc = attachment_list(db, "lease", id, &atts, e)) != 0)
		goto out;
	json_object_set_new(j, "attachments", atts);
	json_object_set_new(j, "charges", chain_charges(db, c, &l));
	*out = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	arena_free(a);
	return rc;
}

static json_t *
list_row(struct db_stmt *st, void *ud)
{
	struct db *db = ud;
	struct arena *a = arena_new();
	struct lease_row l;
	json_t *j;

	row_read(st, a, &l);
	j = lease_json(db, &l, false);
	arena_free(a);
	return j;
}

int
lease_list(struct db *db, const struct caller *c, const struct lease_filter *f, json_t **items,
	   int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc, i = 1;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			"SELECT " LEASE_COLS " FROM lease l WHERE l.id > ?"
			" AND (? = 0 OR l.community_id = ?) AND (? = 0 OR l.unit_id = ?)"
			" AND (? = 0 OR l.household_id = ?) AND (CAST(? AS TEXT) IS NULL OR"
			" l.state = CAST(? AS TEXT)) AND " SCOPE_SQL(
				"l.community_id") " ORDER BY l.id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->unit_id);
	db_bind_int64(st, i++, f->unit_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_cstr(st, i++, f->state);
	db_bind_cstr(st, i++, f->state);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, list_row, db, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
lease_renewals_due(struct db *db, const struct caller *c, const char *as_of, int64_t community_id,
		   json_t **items, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct tenancy_policy p;
	struct date today = date_today_shanghai();
	struct db_stmt *st;
	const char *from, *until;
	int rc, i = 1;

	*items = NULL;
	if (as_of != NULL && (rc = date_arg(as_of, "as_of", &today, e)) != 0)
		goto out;
	if ((rc = tenancy_policy_get(db, NULL, &p, e)) != 0)
		goto out;
	from = date_text(a, today);
	until = date_text(a, date_add_months(today, p.renewal_window_months));
	rc = db_prepare(db,
			"SELECT " LEASE_COLS
			", (SELECT MAX(n.id) FROM lease n WHERE n.previous_id ="
			" l.id AND n.state <> 'void' AND n.kind = 'renewal') FROM lease l"
			" WHERE l.state IN ('signed', 'in_force') AND l.ended_on IS NULL"
			" AND l.ends_on >= ? AND l.ends_on <= ? AND l.starts_on <= ?"
			" AND (? = 0 OR l.community_id = ?) AND " SCOPE_SQL(
				"l.community_id") " ORDER BY l.ends_on, l.id LIMIT 5000",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, i++, from);
	db_bind_cstr(st, i++, until);
	db_bind_cstr(st, i++, from);
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, community_id);
	scope_bind(st, i, c);
	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		struct lease_row l;
		json_t *j;
		int64_t renewal = db_col_int64(st, 45);

		row_read(st, a, &l);
		j = lease_json(db, &l, false);
		json_object_set_new(
			j, "days_left",
			json_integer(date_to_days(date_of(l.ends_on)) - date_to_days(today)));
		json_object_set_new(j, "renewal_id", id_or_null(renewal));
		json_object_set_new(
			j, "window_opens_on",
			json_string(date_text(
				a, date_add_months(date_of(l.ends_on), -p.renewal_window_months))));
		json_array_append_new(*items, j);
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
out:
	arena_free(a);
	return rc;
}

int
lease_filing_due(struct db *db, const struct caller *c, const char *as_of, int64_t community_id,
		 bool overdue_only, json_t **items, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct date today = date_today_shanghai();
	struct db_stmt *st;
	int rc, i = 1;

	*items = NULL;
	if (as_of != NULL && (rc = date_arg(as_of, "as_of", &today, e)) != 0)
		goto out;
	rc = db_prepare(
		db,
		"SELECT " LEASE_COLS " FROM lease l WHERE l.filed_on IS NULL"
		" AND l.filing_due_on IS NOT NULL AND l.state IN " LIVE_STATES
		" AND (? = 0 OR l.filing_due_on < ?) AND (? = 0 OR l.community_id = ?)"
		" AND " SCOPE_SQL("l.community_id") " ORDER BY l.filing_due_on, l.id LIMIT 5000",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, i++, overdue_only ? 1 : 0);
	db_bind_cstr(st, i++, date_text(a, today));
	db_bind_int64(st, i++, community_id);
	db_bind_int64(st, i++, community_id);
	scope_bind(st, i, c);
	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		struct lease_row l;
		json_t *j;
		int64_t left;

		row_read(st, a, &l);
		left = date_to_days(date_of(l.filing_due_on)) - date_to_days(today);
		j = lease_json(db, &l, false);
		json_object_set_new(j, "days_left", json_integer(left));
		json_object_set_new(j, "overdue", json_boolean(left < 0));
		json_array_append_new(*items, j);
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = 0;
out:
	arena_free(a);
	return rc;
}

/*
 * Verification.
 */

static bool
token_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;

	if (n != LEASE_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return true;
}

int
lease_verify(struct db *db, const char *token, json_t **out, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc;

	*out = NULL;
	if (!token_ok(token)) {
		rc = not_found(e);
		goto out;
	}
	if ((rc = db_prepare(db, "SELECT " LEASE_COLS " FROM lease l WHERE l.verify_token = ?",
			     &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, token);
	rc = db_step(st);
	if (rc == DB_ROW)
		row_read(st, a, &l);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = rc == DB_DONE ? not_found(e) : db_fail(db, rc, e);
		goto out;
	}
	date_format(date_today_shanghai(), today);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:I, s:s}", "community",
			 l.community_name, "unit_number", l.unit_number, "starts_on", l.starts_on,
			 "ends_on", l.ends_on, "ended_on", str_or_null(l.ended_on), "state",
			 l.state, "state_title", state_title(l.state), "in_force_today",
			 in_force_on(&l, today), "contract_version", (json_int_t)l.contract_version,
			 "checked_on", today);
	rc = 0;
out:
	arena_free(a);
	return rc;
}

/*
 * The contract on record.
 */

/* Who may issue a contract (attachment_add of a "lease" owner). */
static bool
may_issue(const struct caller *c)
{
	return c != NULL && (c->role == ROLE_BUREAU || c->role == ROLE_OPERATOR_MANAGER ||
			     c->role == ROLE_OPERATOR_STAFF);
}

static const char *
verify_base(const char *public_url, struct arena *a)
{
	const char *base = public_url ? public_url : config_str("public_url");
	size_t n = base ? strlen(base) : 0;

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_strndup(a, base ? base : "", n);
}

/* What the contract of l shows, as JSON (new): everything the PDF prints,
 * personal data masked.  The version and issue date are added by the
 * caller. */
static int
contract_doc(struct db *db, const struct caller *c, const struct lease_row *l,
	     const char *public_url, struct arena *a, json_t **out, struct anju_err *e)
{
	json_t *unit = NULL, *community = NULL, *tenant = NULL, *members, *m, *doc = NULL;
	json_t *in_members = NULL;
	char area[32], number[48];
	size_t i;
	int64_t fa;
	int rc;

	*out = NULL;
	if ((rc = unit_get(db, c, l->unit_id, &unit, e)) != 0 ||
	    (rc = community_get(db, c, l->community_id, &community, e)) != 0 ||
	    (rc = person_json(db, l->tenant_person_id, &tenant, e)) != 0)
		goto out;
	fa = json_integer_value(json_object_get(unit, "floor_area"));
	snprintf(area, sizeof(area), "%lld.%02lld", (long long)(fa / 100), (long long)(fa % 100));
	snprintf(number, sizeof(number), "GZF%06lld-%02lld", (long long)l->chain_id,
		 (long long)l->seq);
	members = json_array();
	in_members = json_loads(l->members ? l->members : "[]", 0, NULL);
	json_array_foreach (in_members, i, m) {
		json_t *p = NULL;
		const char *rel = json_string_value(json_object_get(m, "relationship"));

		if ((rc = person_json(db, json_integer_value(json_object_get(m, "person_id")), &p,
				      e)) != 0) {
			json_decref(members);
			goto out;
		}
		json_array_append_new(
			members, json_pack("{s:O, s:s, s:O}", "name", json_object_get(p, "name"),
					   "relationship", relationship_title(rel), "id_number",
					   json_is_string(json_object_get(p, "id_number"))
						   ? json_object_get(p, "id_number")
						   : json_string("")));
		json_decref(p);
	}
	doc = json_pack(
		"{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:{s:O, s:s}, s:o,"
		" s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:i, s:I, s:I, s:s}",
		"template", LEASE_TEMPLATE, "number", number, "lease_id", (json_int_t)l->id,
		"chain_id", (json_int_t)l->chain_id, "seq", (json_int_t)l->seq, "kind", l->kind,
		"kind_title", kind_title(l->kind), "lessor",
		json_string_value(json_object_get(community, "owner_name")) ?: "", "operator",
		json_string_value(json_object_get(community, "operator_name")) ?: "", "tenant",
		"name", json_object_get(tenant, "name"), "id_number",
		json_string_value(json_object_get(tenant, "id_number")) ?: "", "members", members,
		"unit", "community",
		json_string_value(json_object_get(unit, "community_name")) ?: "", "address",
		json_string_value(json_object_get(community, "address")) ?: "", "building",
		json_string_value(json_object_get(unit, "building_name")) ?: "", "number",
		json_string_value(json_object_get(unit, "number")) ?: "", "layout",
		json_string_value(json_object_get(unit, "layout")) ?: "", "floor_area", area,
		"starts_on", l->starts_on, "ends_on", l->ends_on, "term_months",
		date_months_between(date_of(l->starts_on), date_add_days(date_of(l->ends_on), 1)),
		"monthly_rent_fen", (json_int_t)l->monthly_rent_fen, "deposit_fen",
		(json_int_t)l->deposit_fen, "verify_url",
		arena_printf(a, "%s/l/%s", verify_base(public_url, a), l->verify_token));
	if (doc == NULL) {
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "lease %lld: contract fields",
			       (long long)l->id);
		goto out;
	}
	{
		struct tenancy_policy pol;

		if ((rc = tenancy_policy_get(db, NULL, &pol, e)) != 0)
			goto out;
		json_object_set_new(doc, "renewal_window_months",
				    json_integer(pol.renewal_window_months));
		json_object_set_new(doc, "filing_days", json_integer(pol.filing_days));
	}
	if (l->previous_id > 0) {
		struct lease_row prev;

		if ((rc = row_load(db, l->previous_id, a, &prev, e)) != 0)
			goto out;
		json_object_set_new(
			doc, "previous",
			json_pack("{s:s, s:s}", "number",
				  arena_printf(a, "GZF%06lld-%02lld", (long long)prev.chain_id,
					       (long long)prev.seq),
				  "ends_on", prev.ends_on));
	}
	if (l->change_kind != NULL) {
		json_t *d = json_loads(l->change_detail ? l->change_detail : "{}", 0, NULL);
		const char *k = l->change_kind;

		json_object_set_new(
			doc, "change",
			json_pack("{s:s, s:s}", "kind",
				  strcmp(k, "tenant") == 0 ? "更换承租人"
				  : strcmp(k, "unit") == 0 ? "调换房屋"
							   : "家庭成员变更",
				  "reason", json_string_value(json_object_get(d, "reason")) ?: ""));
		json_decref(d);
	}
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	json_decref(in_members);
	json_decref(unit);
	json_decref(community);
	json_decref(tenant);
	return rc;
}

/* Whether two documents show the same contract (their version and issue
 * date aside). */
static bool
doc_same(json_t *a, json_t *b)
{
	json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
	bool same;

	json_object_del(x, "version");
	json_object_del(x, "issued_on");
	json_object_del(y, "version");
	json_object_del(y, "issued_on");
	same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

int
lease_contract_current(struct db *db, const struct caller *c, int64_t id, const char *public_url,
		       int64_t *attachment_id, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	json_t *doc = NULL, *stored = NULL;
	int rc;

	*attachment_id = 0;
	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	if (l.contract_attachment_id <= 0)
		goto out;
	/* A signed contract never changes; a draft's is current while it
	 * shows what the draft would show now (for those who may reissue). */
	if (!is_state(&l, "draft") || !may_issue(c)) {
		*attachment_id = l.contract_attachment_id;
		goto out;
	}
	if ((rc = contract_doc(db, c, &l, public_url, a, &doc, e)) != 0)
		goto out;
	stored = json_loads(l.contract_doc ? l.contract_doc : "{}", 0, NULL);
	if (doc_same(doc, stored))
		*attachment_id = l.contract_attachment_id;
out:
	json_decref(doc);
	json_decref(stored);
	arena_free(a);
	return rc;
}

int
lease_contract_issue(struct db *db, const struct caller *c, int64_t id, const char *public_url,
		     const struct audit_actor *who, int64_t *attachment_id, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row l;
	struct attachment_in att = { 0 };
	json_t *doc = NULL, *stored = NULL;
	struct db_stmt *st;
	struct buf pdf;
	char sha[65], now[TIME_FMT_LEN], *dump = NULL;
	const char *issued_on;
	int64_t version = 0;
	int rc;

	buf_init(&pdf, 0);
	*attachment_id = 0;
	if (!may_issue(c)) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
			       "合同文本由经办人员（运营人员或住房保障部门）生成");
		goto out;
	}
	if ((rc = load(db, c, id, a, &l, e)) != 0)
		goto out;
	/* Serialise issuers of one lease: the first statement takes its row. */
	if ((rc = db_prepare(db, "UPDATE lease SET updated_at = updated_at WHERE id = ?", &st)) !=
	    0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0 || (rc = row_load(db, id, a, &l, e)) != 0) {
		rc = rc < 0 ? db_fail(db, rc, e) : rc;
		goto out;
	}
	if (is_state(&l, "void")) {
		rc = state_conflict(&l, "生成合同文本", e);
		goto out;
	}
	if ((rc = contract_doc(db, c, &l, public_url, a, &doc, e)) != 0)
		goto out;
	stored = json_loads(l.contract_doc ? l.contract_doc : "{}", 0, NULL);
	if (l.contract_attachment_id > 0 && doc_same(doc, stored)) {
		*attachment_id = l.contract_attachment_id;
		goto out;
	}
	/* The chain's next version. */
	if ((rc = db_prepare(db,
			     "SELECT COALESCE(MAX(contract_version), 0) FROM lease"
			     " WHERE chain_id = ?",
			     &st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, l.chain_id);
	rc = db_step(st);
	version = db_col_int64(st, 0) + 1;
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	issued_on = today_text(a);
	json_object_set_new(doc, "version", json_integer(version));
	json_object_set_new(doc, "issued_on", json_string(issued_on));
	if ((rc = lease_contract_pdf(doc, &pdf, e)) != 0)
		goto out;
	att.owner_type = "lease";
	att.owner_id = id;
	att.category = "contract";
	att.filename = arena_printf(a, "lease-%lld-v%lld.pdf", (long long)id, (long long)version);
	att.note = arena_printf(a, "系统生成的租赁合同文本（第 %lld 版）", (long long)version);
	att.data = pdf.p;
	att.size = pdf.n;
	if ((rc = attachment_add(db, c, &att, who, attachment_id, e)) != 0)
		goto out;
	sha256_hex(pdf.p, pdf.n, sha);
	dump = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE lease SET contract_version = ?, contract_hash = ?,"
			" contract_attachment_id = ?, contract_doc = ?, contract_issued_on = ?,"
			" updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, version);
	db_bind_cstr(st, 2, sha);
	db_bind_int64(st, 3, *attachment_id);
	db_bind_cstr(st, 4, dump);
	db_bind_cstr(st, 5, issued_on);
	db_bind_cstr(st, 6, now);
	db_bind_int64(st, 7, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_lease(db, who, "lease.contract", id,
			 l.contract_version > 0 ? json_pack("{s:I, s:s?}", "contract_version",
							    (json_int_t)l.contract_version,
							    "contract_hash", l.contract_hash)
						: NULL,
			 json_pack("{s:I, s:s, s:I, s:s}", "contract_version", (json_int_t)version,
				   "contract_hash", sha, "attachment_id",
				   (json_int_t)*attachment_id, "template", LEASE_TEMPLATE),
			 e);
out:
	free(dump);
	buf_free(&pdf);
	json_decref(doc);
	json_decref(stored);
	arena_free(a);
	return rc;
}

/*
 * The daily state changes (the job is in lease_jobs.c).
 */

/* Ends one lease whose last day has passed: its drafts of renewal or
 * change are voided, and the chain ends unless a signed lease follows. */
static int
expire_one(struct db *db, struct lease_row *l, const struct audit_actor *who, struct arena *a,
	   struct anju_err *e)
{
	const char *last = eff_end(l), *reason = l->end_reason ? l->end_reason : "expired";
	const char *was = l->state;
	struct db_stmt *st;
	int64_t live = 0;
	int rc;

	(void)a;
	if ((rc = end_row(db, l, last, reason, true, e)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT id, state FROM lease WHERE previous_id = ? AND state = 'draft'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, l->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_ROW) {
		/* A draft that follows a lease that ran out can never be signed. */
		if ((rc = db_prepare(
			     db,
			     "UPDATE lease SET state = 'void', end_reason = 'previous_ended',"
			     " updated_at = ? WHERE previous_id = ? AND state = 'draft'"
			     " RETURNING id",
			     &st)) != 0)
			return db_fail(db, rc, e);
		{
			char now[TIME_FMT_LEN];
			int64_t ids[16];
			int n = 0;

			time_format_utc(time_now_us(), now);
			db_bind_cstr(st, 1, now);
			db_bind_int64(st, 2, l->id);
			while ((rc = db_step(st)) == DB_ROW)
				if (n < 16)
					ids[n++] = db_col_int64(st, 0);
			db_reset(st);
			if (rc < 0)
				return db_fail(db, rc, e);
			for (int i = 0; i < n; i++)
				if ((rc = audit_lease(db, who, "lease.void", ids[i],
						      json_pack("{s:s}", "state", "draft"),
						      json_pack("{s:s, s:s}", "state", "void",
								"reason", "previous_ended"),
						      e)) != 0)
					return rc;
		}
	}
	rc = db_prepare(db,
			"SELECT COUNT(*) FROM lease WHERE chain_id = ? AND state IN ('signed',"
			" 'in_force')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, l->chain_id);
	rc = db_step(st);
	live = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (live == 0 && (rc = chain_end(db, l->chain_id, last, e)) != 0)
		return rc;
	return audit_lease(db, who, "lease.end", l->id, json_pack("{s:s}", "state", was),
			   json_pack("{s:s, s:s, s:s, s:b}", "state", "ended", "ended_on", last,
				     "end_reason", reason, "chain_ended", live == 0),
			   e);
}

int
lease_daily(struct db *db, const char *as_of, const struct audit_actor *who, int limit,
	    int64_t *changed, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct lease_row *rows = NULL;
	struct db_stmt *st;
	struct date d;
	int n = 0, rc;

	*changed = 0;
	if ((rc = date_arg(as_of, "as_of", &d, e)) != 0)
		goto out;
	if (limit < 1)
		limit = 1;
	rows = arena_alloc(a, (size_t)limit * sizeof(*rows));
	/* Past their last day first, so that a renewal's chain stays open. */
	rc = db_prepare(db,
			"SELECT " LEASE_COLS " FROM lease l WHERE l.state IN ('signed', 'in_force')"
			" AND COALESCE(l.ended_on, l.ends_on) < ? ORDER BY l.id LIMIT ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, as_of);
	db_bind_int64(st, 2, limit);
	while ((rc = db_step(st)) == DB_ROW)
		row_read(st, a, &rows[n++]);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((rc = expire_one(db, &rows[i], who, a, e)) != 0)
			goto out;
	*changed += n;
	if (n >= limit)
		goto out;
	limit -= n;
	n = 0;
	rc = db_prepare(db,
			"SELECT " LEASE_COLS " FROM lease l WHERE l.state = 'signed'"
			" AND l.starts_on <= ? AND COALESCE(l.ended_on, l.ends_on) >= ?"
			" ORDER BY l.id LIMIT ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, as_of);
	db_bind_cstr(st, 2, as_of);
	db_bind_int64(st, 3, limit);
	while ((rc = db_step(st)) == DB_ROW)
		row_read(st, a, &rows[n++]);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char now[TIME_FMT_LEN];

		time_format_utc(time_now_us(), now);
		if ((rc = db_prepare(
			     db,
			     "UPDATE lease SET state = 'in_force', updated_at = ? WHERE id = ?"
			     " AND state = 'signed'",
			     &st)) != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_cstr(st, 1, now);
		db_bind_int64(st, 2, rows[i].id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		if ((rc = audit_lease(db, who, "lease.in_force", rows[i].id,
				      json_pack("{s:s}", "state", "signed"),
				      json_pack("{s:s, s:s}", "state", "in_force", "as_of", as_of),
				      e)) != 0)
			goto out;
	}
	*changed += n;
	rc = 0;
out:
	arena_free(a);
	return rc;
}

int
lease_filing_counts(struct db *db, const char *as_of, int64_t *due, int64_t *overdue,
		    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*due = *overdue = 0;
	rc = db_prepare(db,
			"SELECT COALESCE(SUM(CASE WHEN filing_due_on >= ? THEN 1 ELSE 0 END), 0),"
			" COALESCE(SUM(CASE WHEN filing_due_on < ? THEN 1 ELSE 0 END), 0)"
			" FROM lease WHERE filed_on IS NULL AND filing_due_on IS NOT NULL"
			" AND state IN " LIVE_STATES,
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, as_of);
	db_bind_cstr(st, 2, as_of);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*due = db_col_int64(st, 0);
		*overdue = db_col_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}
