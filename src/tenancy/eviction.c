/*
 * Exit and eviction (清退, 腾退): the bureau's decision to end a tenancy,
 * from a recheck proposal, a violation case or an arrears referral, and
 * what follows it.  Owns the eviction table (sql/019_recheck.sql).
 *
 *   decided        eviction_open(): the bureau decided (tenancy.h)
 *   notice_served  the notice (清退通知书) was served; the vacate period
 *                  (policy vacate_days) runs to vacate_by
 *   vacating       from the day after service
 *   overdue        past vacate_by and still there: overstay_from is
 *                  vacate_by + 1 (the daily job records it; reads show it
 *                  at once)
 *   vacated        the household left: the lease ended on that day and the
 *                  move-out checklist opened; a late exit records
 *                  overstay_to
 *   closed         the bureau closed the case after the move-out
 *   cancelled      the bureau withdrew the decision, with its reason
 *
 * Every event is an audit row on the eviction ("eviction.open",
 * ".notice", ".vacating", ".overdue", ".vacated", ".cancel", ".close").
 * The notice PDF is stored once by hash as one of the household's
 * documents (an attachment of the household), where the household's file
 * keeps it and every role that sees the household may read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/person.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "files/files.h"
#include "household/household.h"
#include "housing/housing.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/page.h"
#include "tenancy/recheck.h"
#include "tenancy/tenancy.h"

#define REASON_MIN 2
#define REASON_MAX 500 /* bytes */
#define ISSUER     "市住房和城乡建设局（住房保障主管部门）"

const char *const eviction_states[] = {
	"decided", "notice_served", "vacating", "overdue", "vacated", "closed", "cancelled", NULL,
};

static const char *const bases[] = { "recheck", "violation", "arrears", NULL };

bool
eviction_state_open(const char *s)
{
	return s != NULL && (strcmp(s, "decided") == 0 || strcmp(s, "notice_served") == 0 ||
			     strcmp(s, "vacating") == 0 || strcmp(s, "overdue") == 0);
}

static const char *
state_title(const char *s)
{
	static const char *const titles[][2] = {
		{ "decided", "已决定清退" }, { "notice_served", "已送达通知" },
		{ "vacating", "搬迁期内" },  { "overdue", "逾期未腾退" },
		{ "vacated", "已腾退" },     { "closed", "已结案" },
		{ "cancelled", "已撤销" },
	};

	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i][0], s) == 0)
			return titles[i][1];
	return s;
}

static int
bureau_only(const struct caller *c, struct anju_err *e)
{
	if (c == NULL || c->role != ROLE_BUREAU)
		return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
				 "清退只能由住房保障部门决定（建保〔2018〕92号）");
	return 0;
}

/* A text of REASON_MIN..REASON_MAX characters (bytes at most REASON_MAX),
 * UTF-8. */
static int
text_ok(const char *s, const char *field, const char *title, struct anju_err *e)
{
	json_t *probe = s ? json_string(s) : NULL;
	size_t chars = 0;

	json_decref(probe);
	if (probe != NULL)
		for (const char *p = s; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (probe == NULL || chars < REASON_MIN || strlen(s) > REASON_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_text", field, "%s应为 %d 到 %d 字", title,
				 REASON_MIN, REASON_MAX / 3);
	return 0;
}

static void
today_str(char out[DATE_FMT_LEN])
{
	date_format(date_today_shanghai(), out);
}

/* Parses a civil date given by a caller: 0 or ANJU_EINVAL on field. */
static int
parse_date(const char *s, const char *field, struct date *d, struct anju_err *e)
{
	if (s == NULL || date_parse(str_c(s), d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", field,
				 "日期应为 YYYY-MM-DD 格式的真实日期");
	return 0;
}

static int
audit_eviction(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	       json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "eviction", oid, before, after, e);
}

/* The household's current tenancy: the lease in force today, or else (a
 * lease past its end that nobody ended: the household holds over) the
 * newest lease still signed or in force that has started.  *lease_id 0
 * when none. */
static int
current_lease(struct db *db, int64_t household_id, const char *today, int64_t *chain_id,
	      int64_t *lease_id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*chain_id = *lease_id = 0;
	rc = db_prepare(db,
			"SELECT chain_id, id FROM lease WHERE household_id = ?"
			" AND state IN ('signed', 'in_force') AND starts_on <= ?"
			" ORDER BY starts_on DESC, id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_cstr(st, 2, today);
	if ((rc = db_step(st)) == DB_ROW) {
		*chain_id = db_col_int64(st, 0);
		*lease_id = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*chain_id != 0) {
		int64_t in_force = 0;

		/* The lease part decides what "in force" means. */
		if ((rc = lease_in_force(db, *chain_id, today, &in_force, e)) != 0)
			return rc;
		if (in_force != 0)
			*lease_id = in_force;
	}
	return 0;
}

static int
lease_place(struct db *db, int64_t lease_id, int64_t *unit_id, int64_t *community_id,
	    struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT unit_id, community_id FROM lease WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, lease_id);
	if ((rc = db_step(st)) == DB_ROW) {
		*unit_id = db_col_int64(st, 0);
		*community_id = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份合同");
	return 0;
}

int
eviction_open(struct db *db, const struct caller *c, const struct audit_actor *who,
	      int64_t household_id, const char *basis, int64_t basis_id, const char *reason,
	      int64_t *id, struct anju_err *e)
{
	struct tenancy_policy pol;
	struct db_stmt *st;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN];
	int64_t community = 0, chain = 0, lease = 0, unit = 0, open_id = 0;
	bool basis_ok = false;
	json_t *after;
	int rc;

	*id = 0;
	if ((rc = bureau_only(c, e)) != 0)
		return rc;
	for (int i = 0; bases[i] != NULL && basis != NULL; i++)
		basis_ok = basis_ok || strcmp(bases[i], basis) == 0;
	if (!basis_ok)
		return anju_fail(e, ANJU_EINVAL, "invalid_basis", "basis",
				 "清退依据应为 recheck、violation 或 arrears");
	if (basis_id <= 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_basis_id", "basis_id",
				 "清退依据的记录编号应为正整数");
	if ((rc = text_ok(reason, "reason", "清退理由", e)) != 0)
		return rc;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	today_str(today);
	if ((rc = current_lease(db, household_id, today, &chain, &lease, e)) != 0)
		return rc;
	if (lease == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "no_lease_in_force", "household_id",
				 "该家庭没有有效的租赁合同");
	if ((rc = lease_place(db, lease, &unit, &community, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT id FROM eviction WHERE chain_id = ?"
			" AND state IN ('decided', 'notice_served', 'vacating', 'overdue')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain);
	if ((rc = db_step(st)) == DB_ROW)
		open_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (open_id != 0)
		return anju_fail(e, ANJU_ECONFLICT, "eviction_open", "household_id",
				 "该租赁已有进行中的清退（第 %lld 号）", (long long)open_id);
	if ((rc = tenancy_policy_get(db, today, &pol, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO eviction (chain_id, lease_id, household_id, unit_id,"
		" community_id, basis, basis_id, reason, state, decided_at, decided_on,"
		" decided_by, decided_by_name, policy_version, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'decided', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, chain);
	db_bind_int64(st, 2, lease);
	db_bind_int64(st, 3, household_id);
	db_bind_int64(st, 4, unit);
	db_bind_int64(st, 5, community);
	db_bind_cstr(st, 6, basis);
	db_bind_int64(st, 7, basis_id);
	db_bind_cstr(st, 8, reason);
	db_bind_cstr(st, 9, now);
	db_bind_cstr(st, 10, today);
	db_bind_cstr(st, 11, c->principal ? c->principal : "system");
	db_bind_cstr(st, 12, c->name);
	db_bind_int64(st, 13, pol.version);
	db_bind_cstr(st, 14, now);
	db_bind_cstr(st, 15, now);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "eviction_open", "household_id",
				 "该租赁已有进行中的清退");
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	after = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:I}", "chain_id",
			  (json_int_t)chain, "lease_id", (json_int_t)lease, "household_id",
			  (json_int_t)household_id, "unit_id", (json_int_t)unit, "basis", basis,
			  "basis_id", (json_int_t)basis_id, "reason", reason, "state", "decided",
			  "decided_on", today, "policy_version", (json_int_t)pol.version);
	rc = audit_eviction(db, who, "eviction.open", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

/*
 * Reading.
 */

/* The state as of today: the stored state moved on by the calendar. */
#define EFFECTIVE_STATE                                                                            \
	"CASE WHEN v.state IN ('notice_served', 'vacating') AND v.vacate_by < CAST(? AS TEXT)"     \
	" THEN 'overdue' WHEN v.state = 'notice_served' AND v.notice_served_on < CAST(? AS TEXT)"  \
	" THEN 'vacating' ELSE v.state END"

/* clang-format off */
#define EVICTION_SELECT                                                                            \
	"SELECT v.id, v.chain_id, v.lease_id, v.household_id, v.unit_id, v.community_id,"          \
	" v.basis, v.basis_id, v.reason, " EFFECTIVE_STATE ", v.decided_at, v.decided_on,"         \
	" v.decided_by_name, v.policy_version, v.notice_served_on, v.notice_pdf_hash,"             \
	" v.vacate_days, v.vacate_by, v.vacated_on, v.handover_id, v.overstay_from,"               \
	" v.overstay_to, v.cancel_reason, v.ended_at, v.updated_at, u.number, c.name, p.name, "    \
	PERSON_ID_SHOWN("p") ", v.state FROM eviction v JOIN unit u ON u.id = v.unit_id"           \
	" JOIN community c ON c.id = v.community_id LEFT JOIN member m"                            \
	" ON m.household_id = v.household_id AND m.relationship = 'head' AND m.left_at IS NULL"    \
	" LEFT JOIN person p ON p.id = m.person_id"
/* clang-format on */

/* Days from a to b (b - a), both YYYY-MM-DD. */
static int64_t
days_between(const char *a, const char *b)
{
	struct date da, db_;

	if (date_parse(str_c(a), &da) != 0 || date_parse(str_c(b), &db_) != 0)
		return 0;
	return date_to_days(db_) - date_to_days(da);
}

static void
date_plus(const char *d, int64_t days, char out[DATE_FMT_LEN])
{
	struct date x;

	out[0] = '\0';
	if (d != NULL && date_parse(str_c(d), &x) == 0)
		date_format(date_add_days(x, days), out);
}

/* The masked name and ID number of a head's columns at col, col + 1. */
static void
head_masked(struct db_stmt *st, int col, char *name, size_t ncap, char *idn, size_t icap)
{
	name[0] = idn[0] = '\0';
	if (!db_col_null(st, col))
		mask_middle(db_col_text(st, col), 1, 0, name, ncap);
	if (!db_col_null(st, col + 1) &&
	    person_mask_shown(db_col_text(st, col + 1), idn, icap) != 0)
		idn[0] = '\0';
}

static json_t *
eviction_row(struct db_stmt *st, void *ud)
{
	const char *today = ud, *state = db_col_text(st, 9), *vacate_by = db_col_text(st, 17);
	char name[PERSON_NAME_MAX * 2], idn[32], from[DATE_FMT_LEN];
	json_t *j;

	head_masked(st, 27, name, sizeof(name), idn, sizeof(idn));
	j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s,"
		      " s:s, s:I}",
		      "id", (json_int_t)db_col_int64(st, 0), "chain_id",
		      (json_int_t)db_col_int64(st, 1), "lease_id", (json_int_t)db_col_int64(st, 2),
		      "household_id", (json_int_t)db_col_int64(st, 3), "unit_id",
		      (json_int_t)db_col_int64(st, 4), "community_id",
		      (json_int_t)db_col_int64(st, 5), "community_name", db_col_text(st, 26),
		      "unit_number", db_col_text(st, 25), "head_name", name, "head_id_number", idn,
		      "basis_id", (json_int_t)db_col_int64(st, 7), "basis", db_col_text(st, 6),
		      "reason", db_col_text(st, 8), "state", state, "state_title",
		      state_title(state), "policy_version", (json_int_t)db_col_int64(st, 13));
	json_object_set_new(j, "decided_by",
			    db_col_null(st, 12) ? json_null() : json_string(db_col_text(st, 12)));
	json_object_set_new(j, "stored_state", json_string(db_col_text(st, 29)));
	json_object_set_new(j, "decided_at", json_string(db_col_text(st, 10)));
	json_object_set_new(j, "decided_on", json_string(db_col_text(st, 11)));
	json_object_set_new(j, "notice_served_on",
			    db_col_null(st, 14) ? json_null() : json_string(db_col_text(st, 14)));
	json_object_set_new(j, "notice_pdf", json_boolean(!db_col_null(st, 15)));
	json_object_set_new(j, "vacate_days",
			    db_col_null(st, 16) ? json_null() : json_integer(db_col_int64(st, 16)));
	json_object_set_new(j, "vacate_by", vacate_by ? json_string(vacate_by) : json_null());
	json_object_set_new(j, "vacated_on",
			    db_col_null(st, 18) ? json_null() : json_string(db_col_text(st, 18)));
	json_object_set_new(j, "handover_id",
			    db_col_null(st, 19) ? json_null() : json_integer(db_col_int64(st, 19)));
	/* Overstay: recorded, or shown as of today while still there. */
	if (!db_col_null(st, 20))
		snprintf(from, sizeof(from), "%s", db_col_text(st, 20));
	else if (strcmp(state, "overdue") == 0)
		date_plus(vacate_by, 1, from);
	else
		from[0] = '\0';
	json_object_set_new(j, "overstay_from", from[0] ? json_string(from) : json_null());
	json_object_set_new(j, "overstay_to",
			    db_col_null(st, 21) ? json_null() : json_string(db_col_text(st, 21)));
	json_object_set_new(j, "cancel_reason",
			    db_col_null(st, 22) ? json_null() : json_string(db_col_text(st, 22)));
	json_object_set_new(j, "ended_at",
			    db_col_null(st, 23) ? json_null() : json_string(db_col_text(st, 23)));
	json_object_set_new(j, "updated_at", json_string(db_col_text(st, 24)));
	/* The deadline as people read it. */
	json_object_set_new(
		j, "days_left",
		vacate_by && (strcmp(state, "notice_served") == 0 || strcmp(state, "vacating") == 0)
			? json_integer(days_between(today, vacate_by))
			: json_null());
	json_object_set_new(j, "overdue_days",
			    vacate_by && strcmp(state, "overdue") == 0
				    ? json_integer(days_between(vacate_by, today))
				    : json_null());
	return j;
}

int
eviction_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc;

	*out = NULL;
	today_str(today);
	rc = db_prepare(db, EVICTION_SELECT " WHERE v.id = ? AND " SCOPE_SQL("v.community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	db_bind_cstr(st, 2, today);
	db_bind_int64(st, 3, id);
	scope_bind(st, 4, c);
	if ((rc = db_step(st)) == DB_ROW)
		*out = eviction_row(st, today);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (*out == NULL)
		return anju_fail(e, ANJU_ENOTFOUND, "eviction_not_found", NULL, "没有这个清退案件");
	return 0;
}

int
eviction_list(struct db *db, const struct caller *c, const struct eviction_filter *f,
	      json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc, i = 1;

	today_str(today);
	rc = db_prepare(
		db,
		EVICTION_SELECT " WHERE v.id > ? AND " SCOPE_SQL(
			"v.community_id") " AND (? = 0 OR v.community_id = ?)"
					  " AND (? = 0 OR v.household_id = ?)"
					  " AND (CAST(? AS TEXT) IS NULL OR " EFFECTIVE_STATE
					  " = ?)"
					  " AND (? = 0 OR v.state IN ('decided', 'notice_served',"
					  " 'vacating', 'overdue'))"
					  " AND (? = 0 OR (v.state IN ('notice_served', 'vacating',"
					  " 'overdue') AND v.vacate_by < CAST(? AS TEXT)))"
					  " ORDER BY v.id LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, i++, today);
	db_bind_cstr(st, i++, today);
	db_bind_int64(st, i++, f->after_id);
	i = scope_bind(st, i, c);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->community_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_int64(st, i++, f->household_id);
	db_bind_cstr(st, i++, f->state);
	db_bind_cstr(st, i++, today);
	db_bind_cstr(st, i++, today);
	db_bind_cstr(st, i++, f->state);
	db_bind_int64(st, i++, f->open ? 1 : 0);
	db_bind_int64(st, i++, f->overdue ? 1 : 0);
	db_bind_cstr(st, i++, today);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, eviction_row, today, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

/* The stored row of an eviction c may see, for a change. */
struct ev {
	int64_t id, chain_id, lease_id, household_id, unit_id, community_id, basis_id;
	int64_t attachment_id, policy_version;
	char state[16], basis[16], decided_on[DATE_FMT_LEN], served_on[DATE_FMT_LEN];
	char vacate_by[DATE_FMT_LEN], reason[REASON_MAX + 1];
};

static int
ev_load(struct db *db, const struct caller *c, int64_t id, struct ev *v, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = db_prepare(
		db,
		"SELECT id, chain_id, lease_id, household_id, unit_id, community_id, basis_id,"
		" notice_attachment_id, policy_version, state, basis, decided_on,"
		" notice_served_on, vacate_by, reason FROM eviction v WHERE id = ? AND " SCOPE_SQL(
			"v.community_id"),
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		v->id = db_col_int64(st, 0);
		v->chain_id = db_col_int64(st, 1);
		v->lease_id = db_col_int64(st, 2);
		v->household_id = db_col_int64(st, 3);
		v->unit_id = db_col_int64(st, 4);
		v->community_id = db_col_int64(st, 5);
		v->basis_id = db_col_int64(st, 6);
		v->attachment_id = db_col_int64(st, 7);
		v->policy_version = db_col_int64(st, 8);
		snprintf(v->state, sizeof(v->state), "%s", db_col_text(st, 9));
		snprintf(v->basis, sizeof(v->basis), "%s", db_col_text(st, 10));
		snprintf(v->decided_on, sizeof(v->decided_on), "%s", db_col_text(st, 11));
		snprintf(v->served_on, sizeof(v->served_on), "%s",
			 db_col_null(st, 12) ? "" : db_col_text(st, 12));
		snprintf(v->vacate_by, sizeof(v->vacate_by), "%s",
			 db_col_null(st, 13) ? "" : db_col_text(st, 13));
		snprintf(v->reason, sizeof(v->reason), "%s", db_col_text(st, 14));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (v->id == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "eviction_not_found", NULL, "没有这个清退案件");
	return 0;
}

static int
wrong_state(const struct ev *v, const char *doing, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "eviction_state", "state",
			 "清退案件当前状态为“%s”（%s），不能%s", state_title(v->state), v->state,
			 doing);
}

/*
 * The notice.
 */

static const char *
basis_title(const char *basis)
{
	if (strcmp(basis, "recheck") == 0)
		return "动态复核不再符合保障条件";
	if (strcmp(basis, "violation") == 0)
		return "违规使用公共租赁住房";
	return "累计拖欠租金";
}

#define ART_27                                                                                                                                 \
	"《公共租赁住房管理办法》第二十七条：承租人有下列行为之一的，应当退回公共租赁住房："          \
	"（一）转借、转租或者擅自调换所承租公共租赁住房的；（二）改变所承租公共租赁住房用途的；"    \
	"（三）破坏或者擅自装修所承租公共租赁住房，拒不恢复原状的；（四）在公共租赁住房内从事违法" \
	"活动的；（五）无正当理由连续6个月以上闲置公共租赁住房的。"
#define ART_29                                                                                                                               \
	"《公共租赁住房管理办法》第二十九条：承租人累计6个月以上拖欠租金的，应当腾退所承租的公共" \
	"租赁住房。"
#define ART_31                                                                                                                                 \
	"《公共租赁住房管理办法》第三十一条：承租人有下列情形之一的，应当腾退公共租赁住房：（一）" \
	"提出续租申请但经审核不符合续租条件的；（二）租赁期内，通过购买、受赠、继承等方式获得其他" \
	"住房并不再符合公共租赁住房配租条件的；（三）租赁期内，承租或者承购其他保障性住房的。"
#define ART_32                                                                                                                                 \
	"《公共租赁住房管理办法》第三十二条：应当为承租人安排合理的搬迁期，搬迁期内租金按照合同约" \
	"定的租金数额缴纳；搬迁期满不腾退公共租赁住房的，应当按照市场价格缴纳租金。"
#define ART_36                                                                                                                                 \
	"《公共租赁住房管理办法》第三十六条：有第二十七条所列行为之一的，按市场价格补缴从违法行为" \
	"发生之日起的租金，自退回公共租赁住房之日起五年内不得再次申请公共租赁住房。"

static const char *
articles_of(const char *basis)
{
	if (strcmp(basis, "violation") == 0)
		return ART_27 "\n" ART_36 "\n" ART_32;
	if (strcmp(basis, "arrears") == 0)
		return ART_29 "\n" ART_32;
	return ART_31 "\n" ART_32;
}

/* The reasons printed: a recheck's reasons one per line, else the
 * decision's reason. */
static int
reasons_of(struct db *db, const struct ev *v, struct buf *out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *reasons = NULL, *r;
	size_t i;
	int rc;

	if (strcmp(v->basis, "recheck") == 0) {
		rc = db_prepare(db, "SELECT reasons FROM recheck_result WHERE id = ?", &st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_int64(st, 1, v->basis_id);
		if ((rc = db_step(st)) == DB_ROW)
			reasons = json_loads(db_col_text(st, 0), 0, NULL);
		db_reset(st);
		if (rc < 0) {
			json_decref(reasons);
			return db_fail(db, rc, e);
		}
	}
	json_array_foreach (reasons, i, r) {
		const char *t = json_string_value(json_object_get(r, "text"));

		if (t != NULL)
			buf_printf(out, "%zu. %s\n", i + 1, t);
	}
	buf_printf(out, "%s%s", json_array_size(reasons) > 0 ? "住房保障部门意见：" : "",
		   v->reason);
	json_decref(reasons);
	return 0;
}

/* Everything the notice shows, gathered into a and then drawn into pdf. */
static int
notice_render(struct db *db, const struct caller *c, const struct ev *v, const char *served_on,
	      const char *vacate_by, int vacate_days, struct arena *a, struct buf *pdf,
	      struct anju_err *e)
{
	struct eviction_notice n = { 0 };
	struct db_stmt *st;
	struct buf reasons;
	json_t *hh = NULL, *m;
	char name[PERSON_NAME_MAX * 2] = "", year[5];
	size_t i;
	int rc;

	buf_init(&reasons, 16384);
	if ((rc = household_get(db, c, v->household_id, &hh, e)) != 0)
		goto out;
	json_array_foreach (json_object_get(hh, "members"), i, m) {
		json_t *p = json_object_get(m, "person");

		if (strcmp(json_string_value(json_object_get(m, "relationship")) ?: "", "head") !=
		    0)
			continue;
		mask_middle(json_string_value(json_object_get(p, "name")), 1, 0, name,
			    sizeof(name));
		n.id_number =
			arena_strdup(a, json_string_value(json_object_get(p, "id_number")) ?: "");
	}
	n.household = arena_strdup(a, name[0] ? name : "（户主）");
	if (n.id_number == NULL)
		n.id_number = "";
	rc = db_prepare(db,
			"SELECT u.number, c.name, l.starts_on, l.ends_on FROM lease l"
			" JOIN unit u ON u.id = ? JOIN community c ON c.id = u.community_id"
			" WHERE l.id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_int64(st, 1, v->unit_id);
	db_bind_int64(st, 2, v->lease_id);
	if ((rc = db_step(st)) == DB_ROW) {
		n.unit = arena_strdup(a, db_col_text(st, 0));
		n.community = arena_strdup(a, db_col_text(st, 1));
		n.lease = arena_printf(a, "%s 至 %s", db_col_text(st, 2), db_col_text(st, 3));
	}
	db_reset(st);
	if (rc != DB_ROW) {
		rc = rc < 0 ? db_fail(db, rc, e)
			    : anju_fail(e, ANJU_ENOTFOUND, "lease_not_found", NULL, "没有这份合同");
		goto out;
	}
	if ((rc = reasons_of(db, v, &reasons, e)) != 0)
		goto out;
	snprintf(year, sizeof(year), "%.4s", served_on);
	n.number = arena_printf(a, "清退〔%s〕第 %lld 号", year, (long long)v->id);
	n.basis = basis_title(v->basis);
	n.reasons = arena_strdup(a, reasons.p ? reasons.p : v->reason);
	n.articles = articles_of(v->basis);
	n.decided_on = v->decided_on;
	n.served_on = served_on;
	n.vacate_by = vacate_by;
	n.vacate_days = vacate_days;
	n.issuer = ISSUER;
	rc = eviction_notice_pdf(&n, pdf, e);
out:
	buf_free(&reasons);
	json_decref(hh);
	return rc;
}

int
eviction_serve_notice(struct db *db, const struct caller *c, const struct audit_actor *who,
		      int64_t id, const char *served_on, struct anju_err *e)
{
	struct tenancy_policy pol;
	struct attachment_in att = { 0 };
	struct db_stmt *st;
	struct arena *a = NULL;
	struct buf pdf;
	struct date served, decided;
	struct ev v;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], vacate_by[DATE_FMT_LEN], sha[65];
	const char *state;
	json_t *before = NULL, *after = NULL;
	int64_t att_id = 0;
	int rc;

	buf_init(&pdf, 0);
	if ((rc = ev_load(db, c, id, &v, e)) != 0)
		return rc;
	if (strcmp(v.state, "decided") != 0)
		return wrong_state(&v, "送达清退通知", e);
	today_str(today);
	if ((rc = parse_date(served_on, "served_on", &served, e)) != 0)
		return rc;
	if (strcmp(served_on, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "served_on",
				 "送达日期不能晚于今天（%s）", today);
	if (date_parse(str_c(v.decided_on), &decided) == 0 && date_cmp(served, decided) < 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "served_on",
				 "送达日期不能早于清退决定日期（%s）", v.decided_on);
	if ((rc = tenancy_policy_get(db, served_on, &pol, e)) != 0)
		return rc;
	date_format(date_add_days(served, pol.vacate_days), vacate_by);
	a = arena_new();
	if ((rc = notice_render(db, c, &v, served_on, vacate_by, pol.vacate_days, a, &pdf, e)) != 0)
		goto out;
	att.owner_type = "household";
	att.owner_id = v.household_id;
	att.category = "other";
	att.filename = arena_printf(a, "清退通知书-%lld.pdf", (long long)v.id);
	att.note = arena_printf(a, "清退案件第 %lld 号的清退通知书，%s 送达", (long long)v.id,
				served_on);
	att.data = pdf.p;
	att.size = pdf.n;
	/* The hash the files store keeps the bytes under. */
	sha256_hex(pdf.p, pdf.n, sha);
	if ((rc = attachment_add(db, c, &att, who, &att_id, e)) != 0)
		goto out;
	state = strcmp(served_on, today) < 0 ? "vacating" : "notice_served";
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE eviction SET state = ?, notice_served_on = ?, notice_pdf_hash = ?,"
			" notice_attachment_id = ?, vacate_days = ?, vacate_by = ?,"
			" policy_version = ?, updated_at = ? WHERE id = ? AND state = 'decided'",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, served_on);
	db_bind_cstr(st, 3, sha);
	db_bind_int64(st, 4, att_id);
	db_bind_int64(st, 5, pol.vacate_days);
	db_bind_cstr(st, 6, vacate_by);
	db_bind_int64(st, 7, pol.version);
	db_bind_cstr(st, 8, now);
	db_bind_int64(st, 9, v.id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	before = json_pack("{s:s}", "state", v.state);
	after = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:I}", "state", state, "notice_served_on",
			  served_on, "notice_pdf_hash", sha, "vacate_days",
			  (json_int_t)pol.vacate_days, "vacate_by", vacate_by, "attachment_id",
			  (json_int_t)att_id, "policy_version", (json_int_t)pol.version);
	rc = audit_eviction(db, who, "eviction.notice", v.id, before, after, e);
out:
	json_decref(before);
	json_decref(after);
	buf_free(&pdf);
	arena_free(a);
	return rc;
}

int
eviction_notice_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
		     struct anju_err *e)
{
	json_t *meta = NULL;
	struct ev v;
	int rc;

	*fd = -1;
	if ((rc = ev_load(db, c, id, &v, e)) != 0)
		return rc;
	if (v.attachment_id == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "notice_not_served", NULL,
				 "清退通知尚未送达，没有通知书");
	rc = attachment_open(db, c, v.attachment_id, fd, size, &meta, e);
	json_decref(meta);
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_ENOTFOUND, "notice_not_found", NULL,
				 "清退通知书已从家庭档案中移除");
	return rc;
}

/*
 * The household leaves.
 */

/* The lease to end on vacated_on: the chain's lease in force that day, or
 * else its newest lease still signed or in force (the household held over
 * past its end).  *end_on is the day it ends (never after its own end);
 * *lease 0 when the lease part already ended it. */
static int
lease_to_end(struct db *db, const struct ev *v, const char *vacated_on, int64_t *lease,
	     char end_on[DATE_FMT_LEN], struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*lease = 0;
	snprintf(end_on, DATE_FMT_LEN, "%s", vacated_on);
	if ((rc = lease_in_force(db, v->chain_id, vacated_on, lease, e)) != 0)
		return rc;
	if (*lease != 0)
		return 0;
	rc = db_prepare(db,
			"SELECT id, ends_on FROM lease WHERE chain_id = ?"
			" AND state IN ('signed', 'in_force') AND starts_on <= ?"
			" ORDER BY seq DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, v->chain_id);
	db_bind_cstr(st, 2, vacated_on);
	if ((rc = db_step(st)) == DB_ROW) {
		*lease = db_col_int64(st, 0);
		if (strcmp(db_col_text(st, 1), vacated_on) < 0)
			snprintf(end_on, DATE_FMT_LEN, "%s", db_col_text(st, 1));
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
eviction_vacated(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		 const char *vacated_on, struct anju_err *e)
{
	struct db_stmt *st;
	struct date d;
	struct ev v;
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], end_on[DATE_FMT_LEN];
	char from[DATE_FMT_LEN] = "";
	const char *floor;
	int64_t lease = 0, handover = 0;
	json_t *before, *after;
	int rc;

	if ((rc = ev_load(db, c, id, &v, e)) != 0)
		return rc;
	if (!eviction_state_open(v.state))
		return wrong_state(&v, "登记腾退", e);
	if ((rc = parse_date(vacated_on, "vacated_on", &d, e)) != 0)
		return rc;
	today_str(today);
	if (strcmp(vacated_on, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "vacated_on",
				 "腾退日期不能晚于今天（%s）", today);
	floor = v.served_on[0] ? v.served_on : v.decided_on;
	if (strcmp(vacated_on, floor) < 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "vacated_on",
				 "腾退日期不能早于%s（%s）",
				 v.served_on[0] ? "通知送达日期" : "清退决定日期", floor);
	if ((rc = lease_to_end(db, &v, vacated_on, &lease, end_on, e)) != 0)
		return rc;
	if (lease != 0 && (rc = lease_end(db, lease, end_on, "eviction", who, e)) != 0)
		return rc;
	/* The move-out checklist of the lease the household lived under. */
	if ((rc = handover_move_out_open(db, lease != 0 ? lease : v.lease_id, who, &handover, e)) !=
	    0)
		return rc;
	if (v.vacate_by[0] && strcmp(vacated_on, v.vacate_by) > 0)
		date_plus(v.vacate_by, 1, from);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE eviction SET state = 'vacated', vacated_on = ?, handover_id = ?,"
			" overstay_from = ?, overstay_to = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, vacated_on);
	db_bind_int64(st, 2, handover);
	db_bind_cstr(st, 3, from[0] ? from : NULL);
	db_bind_cstr(st, 4, from[0] ? vacated_on : NULL);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, v.id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:s}", "state", v.state);
	after = json_pack("{s:s, s:s, s:I, s:I, s:s}", "state", "vacated", "vacated_on", vacated_on,
			  "lease_id", (json_int_t)(lease != 0 ? lease : v.lease_id), "handover_id",
			  (json_int_t)handover, "lease_ended_on", end_on);
	if (from[0]) {
		json_object_set_new(after, "overstay_from", json_string(from));
		json_object_set_new(after, "overstay_to", json_string(vacated_on));
	}
	rc = audit_eviction(db, who, "eviction.vacated", v.id, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* Ends a case: cancelled (open) or closed (vacated). */
static int
eviction_end(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	     bool cancel, const char *text, struct anju_err *e)
{
	struct db_stmt *st;
	struct ev v;
	char now[TIME_FMT_LEN];
	json_t *before, *after;
	int rc;

	if ((rc = bureau_only(c, e)) != 0 || (rc = ev_load(db, c, id, &v, e)) != 0)
		return rc;
	if (cancel ? !eviction_state_open(v.state) : strcmp(v.state, "vacated") != 0)
		return wrong_state(&v, cancel ? "撤销" : "结案", e);
	if ((cancel || text != NULL) && (rc = text_ok(text, cancel ? "reason" : "note",
						      cancel ? "撤销理由" : "结案说明", e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE eviction SET state = ?, cancel_reason = COALESCE(?, cancel_reason),"
			" ended_at = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, cancel ? "cancelled" : "closed");
	db_bind_cstr(st, 2, cancel ? text : NULL);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, v.id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	before = json_pack("{s:s}", "state", v.state);
	after = json_pack("{s:s}", "state", cancel ? "cancelled" : "closed");
	if (text != NULL)
		json_object_set_new(after, cancel ? "reason" : "note", json_string(text));
	rc = audit_eviction(db, who, cancel ? "eviction.cancel" : "eviction.close", v.id, before,
			    after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
eviction_cancel(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		const char *reason, struct anju_err *e)
{
	return eviction_end(db, c, who, id, true, reason, e);
}

int
eviction_close(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	       const char *note, struct anju_err *e)
{
	return eviction_end(db, c, who, id, false, note, e);
}

/*
 * The calendar: the daily job, and overstays for the rent issue.
 */

struct move {
	int64_t id;
	char state[16], vacate_by[DATE_FMT_LEN];
};

int
eviction_advance(struct db *db, const char *today, const struct audit_actor *who, int *changed,
		 struct anju_err *e)
{
	struct db_stmt *st;
	struct move *moves = NULL;
	size_t n = 0, cap = 0;
	char now[TIME_FMT_LEN];
	int rc;

	*changed = 0;
	/* Read first, then change: each change is audited. */
	rc = db_prepare(
		db,
		"SELECT id, state, vacate_by FROM eviction WHERE"
		" (state = 'notice_served' AND notice_served_on < ?)"
		" OR (state IN ('notice_served', 'vacating') AND vacate_by < ?) ORDER BY id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	db_bind_cstr(st, 2, today);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			moves = xrealloc(moves, cap * sizeof(*moves));
		}
		moves[n].id = db_col_int64(st, 0);
		snprintf(moves[n].state, sizeof(moves[n].state), "%s", db_col_text(st, 1));
		snprintf(moves[n].vacate_by, sizeof(moves[n].vacate_by), "%s", db_col_text(st, 2));
		n++;
	}
	db_reset(st);
	if (rc < 0) {
		free(moves);
		return db_fail(db, rc, e);
	}
	time_format_utc(time_now_us(), now);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		bool overdue = strcmp(moves[i].vacate_by, today) < 0;
		char from[DATE_FMT_LEN] = "";
		json_t *before, *after;

		if (overdue)
			date_plus(moves[i].vacate_by, 1, from);
		rc = db_prepare(db,
				"UPDATE eviction SET state = ?, overstay_from = COALESCE(?,"
				" overstay_from), updated_at = ? WHERE id = ? AND state = ?",
				&st);
		if (rc != 0)
			break;
		db_bind_cstr(st, 1, overdue ? "overdue" : "vacating");
		db_bind_cstr(st, 2, overdue ? from : NULL);
		db_bind_cstr(st, 3, now);
		db_bind_int64(st, 4, moves[i].id);
		db_bind_cstr(st, 5, moves[i].state);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			break;
		before = json_pack("{s:s}", "state", moves[i].state);
		after = json_pack("{s:s}", "state", overdue ? "overdue" : "vacating");
		if (overdue)
			json_object_set_new(after, "overstay_from", json_string(from));
		rc = audit_eviction(db, who, overdue ? "eviction.overdue" : "eviction.vacating",
				    moves[i].id, before, after, e);
		json_decref(before);
		json_decref(after);
		if (rc != 0) {
			free(moves);
			return rc;
		}
		(*changed)++;
	}
	free(moves);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
eviction_overstays(struct db *db, const char *from_on, const char *to_on, eviction_overstay_fn fn,
		   void *ud, struct anju_err *e)
{
	struct db_stmt *st;
	struct eviction_overstay *v = NULL;
	char today[DATE_FMT_LEN];
	size_t n = 0, cap = 0;
	int rc;

	today_str(today);
	/* Overdue (marked or not yet) and still there, or left late. */
	rc = db_prepare(db,
			"SELECT id, chain_id, lease_id, household_id, unit_id, policy_version,"
			" vacate_by, overstay_to FROM eviction WHERE vacate_by IS NOT NULL AND"
			" ((state IN ('notice_served', 'vacating', 'overdue') AND vacate_by < ?)"
			" OR (state IN ('vacated', 'closed') AND overstay_to IS NOT NULL))"
			" AND (CAST(? AS TEXT) IS NULL OR COALESCE(overstay_to, ?) >= ?)"
			" AND (CAST(? AS TEXT) IS NULL OR vacate_by < ?) ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, today);
	db_bind_cstr(st, 2, from_on);
	db_bind_cstr(st, 3, today);
	db_bind_cstr(st, 4, from_on);
	db_bind_cstr(st, 5, to_on);
	db_bind_cstr(st, 6, to_on);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].eviction_id = db_col_int64(st, 0);
		v[n].chain_id = db_col_int64(st, 1);
		v[n].lease_id = db_col_int64(st, 2);
		v[n].household_id = db_col_int64(st, 3);
		v[n].unit_id = db_col_int64(st, 4);
		v[n].policy_version = db_col_int64(st, 5);
		date_plus(db_col_text(st, 6), 1, v[n].from);
		if (!db_col_null(st, 7))
			snprintf(v[n].to, sizeof(v[n].to), "%s", db_col_text(st, 7));
		n++;
	}
	db_reset(st);
	if (rc < 0) {
		free(v);
		return db_fail(db, rc, e);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(ud, &v[i]);
	free(v);
	return rc;
}

/* The daily job: moves the evictions' states on by the calendar. */
static const struct field daily_params[] = { { NULL } };

static const struct audit_actor daily_actor = {
	.principal = "system",
	.name = "清退期限检查",
};

static int
daily_run(struct job_ctx *ctx, struct anju_err *e)
{
	char today[DATE_FMT_LEN];
	int changed = 0, rc;

	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	today_str(today);
	if ((rc = eviction_advance(job_db(ctx), today, &daily_actor, &changed, e)) != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	job_set_result(ctx, json_pack("{s:s, s:i}", "today", today, "changed", changed));
	return job_chunk_end(ctx, 1, 1, "done", "已更新清退期限状态", e);
}

const struct job_kind job_kind_eviction_daily = { "eviction_daily", "清退期限检查（搬迁期、逾期）",
						  daily_params, daily_run };
