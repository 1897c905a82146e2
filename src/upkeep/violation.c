/*
 * Violation cases (违规): the report that opens one from any source, the
 * case's finder for scope, the public reporter sealed at rest.  See
 * upkeep.h, violation.h and docs/upkeep-violation.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/person.h"
#include "access/pii.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/text.h"
#include "money/money.h"
#include "store/db.h"
#include "store/rows.h"
#include "store/keys.h"
#include "tenancy/tenancy.h"
#include "upkeep/violation.h"
#include "upkeep/violation_int.h"

const char *const violation_types[] = { "sublet", "change_of_use", "damage", "illegal_activity",
					"idle",   "other",         NULL };
const char *const violation_sources[] = { "patrol", "public", "staff", "door", NULL };
const char *const violation_states[] = {
	"suspected", "investigating", "confirmed", "dismissed", "rectification_ordered",
	"rectified", "referred",      NULL
};

bool
violation_in_list(const char *const *list, const char *s)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool
violation_type_sanctioned(const char *type)
{
	return violation_in_list(violation_types, type) && strcmp(type, "other") != 0;
}

int
violation_event_add(struct db *db, int64_t case_id, const char *action, const char *from_state,
		    const char *to_state, const char *note, const char *at,
		    const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO violation_event (case_id, action, from_state, to_state, note,"
			" at, actor, actor_name, actor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, case_id);
	db_bind_cstr(st, 2, action);
	db_bind_cstr(st, 3, from_state);
	db_bind_cstr(st, 4, to_state);
	db_bind_cstr(st, 5, note != NULL ? note : "");
	db_bind_cstr(st, 6, at);
	db_bind_cstr(st, 7, violation_principal(who));
	db_bind_cstr(st, 8, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 9, who != NULL ? who->role : NULL);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

const char *
violation_principal(const struct audit_actor *who)
{
	return who != NULL && who->principal != NULL ? who->principal : "system";
}

/* The household whose lease is in force today on the unit; 0 when none. */
static int
unit_tenant(struct db *db, int64_t unit_id, int64_t *household_id, struct anju_err *e)
{
	struct db_stmt *st;
	char today[DATE_FMT_LEN];
	int rc;

	*household_id = 0;
	date_format(date_today_shanghai(), today);
	rc = db_prepare(db,
			"SELECT household_id FROM lease WHERE unit_id = ?"
			" AND state IN ('signed', 'in_force') AND starts_on <= ?"
			" AND COALESCE(ended_on, ends_on) >= ? ORDER BY id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, unit_id);
	db_bind_cstr(st, 2, today);
	db_bind_cstr(st, 3, today);
	if ((rc = db_step(st)) == DB_ROW)
		*household_id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
household_exists(struct db *db, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT 1 FROM household WHERE id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", "household_id",
				 "没有这个住户");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The case already opened by (source_type, source_id): its id, 0 when none. */
static int
by_source(struct db *db, const char *source_type, int64_t source_id, int64_t *id,
	  struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(db, "SELECT id FROM violation_case WHERE source_type = ? AND source_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, source_type);
	db_bind_int64(st, 2, source_id);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
report_check(const struct violation_report_in *in, struct anju_err *e)
{
	struct date d, today = date_today_shanghai();
	size_t n;

	if (!violation_in_list(violation_types, in->type))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "type",
				 "违规类型应为 sublet、change_of_use、damage、illegal_activity、"
				 "idle 或 other");
	if (!violation_in_list(violation_sources, in->source))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source",
				 "来源应为 patrol、public、staff 或 door");
	if (in->source_id < 0 ||
	    (in->source_id > 0 && (in->source_type == NULL || in->source_type[0] == '\0' ||
				   strlen(in->source_type) > 32)))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source_type",
				 "有来源记录时应说明其类型（不超过 32 个字符）");
	n = in->summary != NULL ? text_chars(in->summary) : 0;
	if (n < 1 || n > VIOLATION_SUMMARY_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "summary",
				 "情况说明应为 1 到 %d 个字符", VIOLATION_SUMMARY_MAX);
	if (in->started_on != NULL && in->started_on[0] != '\0') {
		if (date_parse(str_c(in->started_on), &d) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_date", "started_on",
					 "违规开始日期应为 YYYY-MM-DD 格式");
		if (date_cmp(d, today) > 0)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "started_on",
					 "违规开始日期不能晚于今天");
	}
	if (in->place.location != NULL && strcmp(in->place.location, "asset") == 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "location",
				 "违规案件的位置应为房屋或公共部位，不能是设施设备");
	return 0;
}

int
violation_report(struct db *db, const struct violation_report_in *in, const struct audit_actor *who,
		 int64_t *id, bool *created, struct anju_err *e)
{
	struct housing_place p = in->place;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int64_t household = in->household_id;
	json_t *after;
	int rc;

	*id = 0;
	*created = false;
	if ((rc = report_check(in, e)) != 0)
		return rc;
	if (in->source_id > 0) {
		if ((rc = by_source(db, in->source_type, in->source_id, id, e)) != 0)
			return rc;
		if (*id > 0)
			return 0;
	}
	if ((rc = housing_place_resolve(db, &p, false, e)) != 0)
		return rc;
	if (household > 0 && (rc = household_exists(db, household, e)) != 0)
		return rc;
	if (household == 0 && p.unit_id > 0 &&
	    (rc = unit_tenant(db, p.unit_id, &household, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO violation_case (type, state, source, source_type, source_id,"
		" location, community_id, building_id, entrance, unit_id, place,"
		" household_id, summary, started_on, reported_at, reported_by,"
		" reported_by_name, updated_at) VALUES (?, 'suspected', ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->type);
	db_bind_cstr(st, 2, in->source);
	db_bind_cstr(st, 3, in->source_id > 0 ? in->source_type : NULL);
	if (in->source_id > 0)
		db_bind_int64(st, 4, in->source_id);
	else
		db_bind_null(st, 4);
	db_bind_cstr(st, 5, p.location);
	db_bind_int64(st, 6, p.community_id);
	violation_bind_id(st, 7, p.building_id);
	violation_bind_id(st, 8, p.entrance);
	violation_bind_id(st, 9, p.unit_id);
	db_bind_cstr(st, 10, p.place != NULL ? p.place : "");
	violation_bind_id(st, 11, household);
	db_bind_cstr(st, 12, in->summary);
	db_bind_cstr(st, 13,
		     in->started_on != NULL && in->started_on[0] != '\0' ? in->started_on : NULL);
	db_bind_cstr(st, 14, now);
	db_bind_cstr(st, 15, violation_principal(who));
	db_bind_cstr(st, 16, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 17, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = violation_event_add(db, *id, "report", NULL, "suspected", in->summary, now, who,
				      e)) != 0)
		return rc;
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:s}", "type", in->type, "state",
		"suspected", "source", in->source, "source_type",
		in->source_id > 0 ? json_string(in->source_type) : json_null(), "source_id",
		in->source_id > 0 ? json_integer(in->source_id) : json_null(), "community_id",
		(json_int_t)p.community_id, "place", housing_place_json(&p), "household_id",
		household > 0 ? json_integer(household) : json_null(), "summary", in->summary);
	rc = audit_write(db, who, "violation.report", "violation_case", oid, NULL, after, e);
	json_decref(after);
	if (rc != 0)
		return rc;
	*created = true;
	return 0;
}

void
violation_bind_id(struct db_stmt *st, int i, int64_t v)
{
	if (v > 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

int
violation_case_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			 struct anju_err *e)
{
	*community_id = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return violation_not_found(e);
	return db_int_by_id(db,
			    "SELECT community_id FROM violation_case WHERE id = ? AND " SCOPE_SQL(
				    "community_id"),
			    id, c, scope_bind, community_id, "violation_not_found",
			    "没有这个违规案件", e);
}

int
violation_not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "violation_not_found", NULL, "没有这个违规案件");
}

void
violation_mask_name(const char *name, char *out, size_t cap)
{
	size_t n = 1;

	out[0] = '\0';
	if (name == NULL || name[0] == '\0')
		return;
	while (name[n] != '\0' && ((unsigned char)name[n] & 0xC0) == 0x80)
		n++;
	snprintf(out, cap, "%.*s**", (int)n, name);
}

static int
seal(const char *plain, char **out, struct anju_err *e)
{
	*out = NULL;
	if (plain == NULL || plain[0] == '\0')
		return 0;
	if (keys_current() == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL, "未加载密钥");
	if (pii_seal(keys_current(), plain, strlen(plain), out) != 0)
		return anju_fail(e, ANJU_ETOOBIG, "too_long", NULL, "内容过长");
	return 0;
}

int
violation_set_reporter(struct db *db, int64_t id, const char *name, const char *contact,
		       const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char *sname = NULL, *scontact = NULL, oid[24], mname[32], mcontact[64];
	json_t *after;
	int rc;

	if (name != NULL && text_chars(name) > 50)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reporter_name",
				 "举报人姓名不超过 50 个字符");
	if (contact != NULL && text_chars(contact) > 100)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reporter_contact",
				 "联系方式不超过 100 个字符");
	if ((rc = seal(name, &sname, e)) != 0 || (rc = seal(contact, &scontact, e)) != 0)
		goto out;
	rc = db_prepare(db,
			"UPDATE violation_case SET reporter_name_sealed = ?,"
			" reporter_contact_sealed = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, sname);
	db_bind_cstr(st, 2, scontact);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	violation_mask_name(name, mname, sizeof(mname));
	mcontact[0] = '\0';
	if (scontact != NULL)
		person_mask_sealed(scontact, mcontact, sizeof(mcontact));
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	after = json_pack("{s:s, s:s}", "reporter_name", mname, "reporter_contact", mcontact);
	rc = audit_write(db, who, "violation.reporter", "violation_case", oid, NULL, after, e);
	json_decref(after);
out:
	free(sname);
	free(scontact);
	return rc;
}

/*
 * The case's life: transitions, the bureau's decisions and their sanctions.
 */

const char *const violation_actions[] = { "investigate",         "propose", "confirm", "dismiss",
					  "order_rectification", "rectify", "refer",   NULL };
const char *const violation_proposals[] = { "confirm", "dismiss", "refer", NULL };

/* What a step needs: the state it starts from, the state it leaves, and
 * whether only the bureau takes it. */
struct step {
	const char *action, *from, *to;
	bool bureau;
};

static const struct step steps[] = {
	{ "investigate", "suspected", "investigating", false },
	{ "confirm", "investigating", "confirmed", true },
	{ "dismiss", "investigating", "dismissed", true },
	{ "order_rectification", "confirmed", "rectification_ordered", true },
	{ "rectify", "rectification_ordered", "rectified", false },
	{ "refer", "confirmed", "referred", true },
	{ NULL },
};

struct vcase {
	int64_t id, community_id, unit_id, household_id;
	char type[24], state[24], started_on[DATE_FMT_LEN], reported_on[DATE_FMT_LEN];
	char summary[VIOLATION_SUMMARY_MAX * 4 + 1];
};

static int
case_load(struct db *db, const struct caller *c, int64_t id, struct vcase *k, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(k, 0, sizeof(*k));
	if (c == NULL || c->role == ROLE_TENANT)
		return violation_not_found(e);
	rc = db_prepare(db,
			"SELECT id, community_id, COALESCE(unit_id, 0), COALESCE(household_id, 0),"
			" type, state, COALESCE(started_on, ''), reported_at, summary"
			" FROM violation_case WHERE id = ? AND " SCOPE_SQL("community_id"),
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		int64_t us = 0;

		k->id = db_col_int64(st, 0);
		k->community_id = db_col_int64(st, 1);
		k->unit_id = db_col_int64(st, 2);
		k->household_id = db_col_int64(st, 3);
		snprintf(k->type, sizeof(k->type), "%s", db_col_text(st, 4));
		snprintf(k->state, sizeof(k->state), "%s", db_col_text(st, 5));
		snprintf(k->started_on, sizeof(k->started_on), "%s", db_col_text(st, 6));
		if (time_parse_utc(str_c(db_col_text(st, 7)), &us) == 0)
			date_format(date_in_shanghai(us), k->reported_on);
		snprintf(k->summary, sizeof(k->summary), "%s", db_col_text(st, 8));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return violation_not_found(e);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

static int
state_conflict(const char *state, struct anju_err *e)
{
	return anju_fail(e, ANJU_ECONFLICT, "violation_state", "state",
			 "案件当前状态为 %s，不能进行此操作", state);
}

static int
bureau_only(const struct caller *c, struct anju_err *e)
{
	if (c != NULL && c->role == ROLE_BUREAU)
		return 0;
	return anju_fail(e, ANJU_EFORBIDDEN, "bureau_only", NULL,
			 "只有住房保障部门可以作出此决定，运营方可提出建议");
}

/*
 * The sanctions of a confirm.
 */

struct sanction {
	bool sanctioned;
	int64_t household_id, unit_id, policy_version, rate, area, days;
	int64_t market, billed, back_charge, penalty;
	int ban_years;
	char from[DATE_FMT_LEN], to[DATE_FMT_LEN];
	json_t *months, *members;
};

/* The first day of the household's tenancy of the unit (its chains'
 * earliest start), "" when it has none. */
static int
tenancy_start(struct db *db, int64_t household_id, int64_t unit_id, char out[DATE_FMT_LEN],
	      struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	out[0] = '\0';
	rc = db_prepare(db,
			"SELECT MIN(starts_on) FROM lease WHERE household_id = ? AND unit_id = ?"
			" AND state IN ('signed', 'in_force', 'ended')",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, unit_id);
	if ((rc = db_step(st)) == DB_ROW && !db_col_null(st, 0))
		snprintf(out, DATE_FMT_LEN, "%s", db_col_text(st, 0));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The rent the household's chains on the unit billed for days of the
 * month: each rent charge of the period for the days it billed that fall in
 * the breach (at most days), at its monthly rate. */
static int
rent_billed_for(struct db *db, int64_t household_id, int64_t unit_id, const char *period,
		int64_t days, int dim, int64_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = 0;
	rc = db_prepare(
		db,
		"SELECT c.amount_fen, COALESCE(r.days_billed, 0), COALESCE(r.monthly_fen, 0)"
		" FROM charge c LEFT JOIN rent_line r ON r.charge_id = c.id"
		" WHERE c.source_type = 'lease_chain' AND c.kind = 'rent' AND c.period = ?"
		" AND c.state <> 'cancelled' AND c.source_id IN (SELECT id FROM lease_chain"
		" WHERE household_id = ? AND unit_id = ?) ORDER BY c.id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, period);
	db_bind_int64(st, 2, household_id);
	db_bind_int64(st, 3, unit_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t amount = db_col_int64(st, 0), billed_days = db_col_int64(st, 1);
		int64_t monthly = db_col_int64(st, 2), part = 0, n;

		/* A charge without a billing line (entered by hand) is a whole
		 * month's rent. */
		if (billed_days <= 0) {
			billed_days = dim;
			monthly = amount;
		}
		n = billed_days < days ? billed_days : days;
		if (money_mul_rate(monthly, n, dim, ROUND_HALF_UP, &part) != 0) {
			db_reset(st);
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "金额超出范围");
		}
		*out += part;
		days -= n;
		if (days <= 0)
			break;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
penalty_of(struct db *db, const char *type, const char *on, int64_t *fen, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*fen = 0;
	rc = db_prepare(db,
			"SELECT amount_fen FROM violation_penalty WHERE type = ?"
			" AND effective_from <= ? ORDER BY effective_from DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, type);
	db_bind_cstr(st, 2, on);
	if ((rc = db_step(st)) == DB_ROW)
		*fen = db_col_int64(st, 0);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
members_of(struct db *db, int64_t household_id, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT m.person_id, p.name, m.relationship FROM member m JOIN person p"
			" ON p.id = m.person_id WHERE m.household_id = ? AND m.left_at IS NULL"
			" ORDER BY m.id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "person_id",
						     (json_int_t)db_col_int64(st, 0), "name",
						     db_col_text(st, 1), "relationship",
						     db_col_text(st, 2)));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
sanction_compute(struct db *db, const struct vcase *k, const char *today, struct sanction *s,
		 struct anju_err *e)
{
	struct tenancy_policy pol;
	struct date from, to, d;
	struct db_stmt *st;
	char start[DATE_FMT_LEN];
	int rc;

	memset(s, 0, sizeof(*s));
	s->months = json_array();
	s->members = json_array();
	s->household_id = k->household_id;
	s->unit_id = k->unit_id;
	snprintf(s->to, sizeof(s->to), "%s", today);
	s->sanctioned = violation_type_sanctioned(k->type) && k->household_id > 0;
	if (!s->sanctioned)
		return 0;
	if ((rc = tenancy_policy_get(db, today, &pol, e)) != 0 ||
	    (rc = penalty_of(db, k->type, today, &s->penalty, e)) != 0 ||
	    (rc = members_of(db, k->household_id, s->members, e)) != 0)
		return rc;
	s->policy_version = pol.version;
	s->rate = pol.market_rent_fen_m2;
	s->ban_years = pol.ban_years;
	if (k->unit_id <= 0)
		return 0;
	rc = db_prepare(db, "SELECT floor_area FROM unit WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, k->unit_id);
	if ((rc = db_step(st)) == DB_ROW)
		s->area = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	snprintf(s->from, sizeof(s->from), "%s", k->started_on[0] ? k->started_on : k->reported_on);
	if ((rc = tenancy_start(db, k->household_id, k->unit_id, start, e)) != 0)
		return rc;
	if (start[0] != '\0' && strcmp(start, s->from) > 0)
		snprintf(s->from, sizeof(s->from), "%s", start);
	if (date_parse(str_c(s->from), &from) != 0 || date_parse(str_c(s->to), &to) != 0 ||
	    date_cmp(from, to) > 0) {
		s->from[0] = '\0';
		return 0;
	}
	for (d = from; date_cmp(d, to) <= 0;) {
		struct period p = period_of(d);
		struct date last = period_last_day(p);
		char period[PERIOD_FMT_LEN];
		int dim = date_days_in_month(p.y, p.m);
		int64_t days, full, market, billed;

		if (date_cmp(last, to) > 0)
			last = to;
		days = date_to_days(last) - date_to_days(d) + 1;
		period_format(p, period);
		if (money_mul_rate(s->rate, s->area, 100, ROUND_HALF_UP, &full) != 0 ||
		    money_mul_rate(full, days, dim, ROUND_HALF_UP, &market) != 0)
			return anju_fail(e, ANJU_ERANGE, "amount_overflow", NULL, "金额超出范围");
		if ((rc = rent_billed_for(db, k->household_id, k->unit_id, period, days, dim,
					  &billed, e)) != 0)
			return rc;
		if (billed > market)
			billed = market;
		s->days += days;
		s->market += market;
		s->billed += billed;
		json_array_append_new(s->months,
				      json_pack("{s:s, s:I, s:i, s:I, s:I}", "period", period,
						"days", (json_int_t)days, "days_in_month", dim,
						"market_fen", (json_int_t)market, "rent_billed_fen",
						(json_int_t)billed));
		d = date_add_days(last, 1);
	}
	s->back_charge = s->market - s->billed;
	return 0;
}

static void
sanction_free(struct sanction *s)
{
	json_decref(s->months);
	json_decref(s->members);
}

static json_t *
sanction_json(const struct sanction *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "sanctioned", json_boolean(s->sanctioned));
	json_object_set_new(o, "household_id",
			    s->household_id > 0 ? json_integer(s->household_id) : json_null());
	json_object_set_new(o, "unit_id", s->unit_id > 0 ? json_integer(s->unit_id) : json_null());
	json_object_set_new(o, "breach_from", s->from[0] ? json_string(s->from) : json_null());
	json_object_set_new(o, "breach_to", json_string(s->to));
	json_object_set_new(o, "days", json_integer(s->days));
	json_object_set_new(o, "policy_version",
			    s->policy_version > 0 ? json_integer(s->policy_version) : json_null());
	json_object_set_new(o, "market_rent_fen_m2", json_integer(s->rate));
	json_object_set_new(o, "floor_area", json_integer(s->area));
	json_object_set_new(o, "market_fen", json_integer(s->market));
	json_object_set_new(o, "rent_billed_fen", json_integer(s->billed));
	json_object_set_new(o, "back_charge_fen", json_integer(s->back_charge));
	json_object_set_new(o, "penalty_fen", json_integer(s->penalty));
	json_object_set_new(o, "ban_years", json_integer(s->ban_years));
	json_object_set_new(o, "ban_from", s->sanctioned ? json_string(s->to) : json_null());
	json_object_set_new(o, "members", json_incref(s->members));
	json_object_set_new(o, "months", json_incref(s->months));
	return o;
}

int
violation_preview(struct db *db, const struct caller *c, int64_t id, json_t **out,
		  struct anju_err *e)
{
	struct vcase k;
	struct sanction s;
	char today[DATE_FMT_LEN];
	int rc;

	*out = NULL;
	if ((rc = case_load(db, c, id, &k, e)) != 0)
		return rc;
	if (strcmp(k.state, "investigating") != 0)
		return state_conflict(k.state, e);
	date_format(date_today_shanghai(), today);
	if ((rc = sanction_compute(db, &k, today, &s, e)) == 0)
		*out = sanction_json(&s);
	sanction_free(&s);
	return rc;
}

/* Raises one charge of the case (amount > 0): its id. */
static int
raise(struct db *db, const struct vcase *k, enum charge_kind kind, int64_t amount,
      const char *due_on, const char *note, const struct audit_actor *who, int64_t *id,
      struct anju_err *e)
{
	struct charge_in in = { k->household_id, kind,  amount, due_on, NULL,
				"violation",     k->id, note };
	bool created;

	*id = 0;
	if (amount <= 0)
		return 0;
	return charge_raise(db, &in, who, id, &created, e);
}

/* The sanctions of the bureau's confirm, raised and stored on the case. */
static int
sanction_apply(struct db *db, const struct vcase *k, const char *today,
	       const struct audit_actor *who, struct anju_err *e)
{
	struct sanction s;
	struct db_stmt *st;
	char note[128], reason[VIOLATION_SUMMARY_MAX * 4 + 64];
	int64_t back_id = 0, penalty_id = 0, ban_id;
	size_t i;
	json_t *m;
	int rc, bans = 0;

	if ((rc = sanction_compute(db, k, today, &s, e)) != 0)
		goto out;
	if (s.sanctioned) {
		snprintf(note, sizeof(note), "违规案件 %lld：按市场租金补缴 %s 至 %s",
			 (long long)k->id, s.from, s.to);
		if ((rc = raise(db, k, CHARGE_BACK_CHARGE, s.back_charge, today, note, who,
				&back_id, e)) != 0)
			goto out;
		snprintf(note, sizeof(note), "违规案件 %lld：罚款", (long long)k->id);
		if ((rc = raise(db, k, CHARGE_PENALTY, s.penalty, today, note, who, &penalty_id,
				e)) != 0)
			goto out;
		snprintf(reason, sizeof(reason), "违规案件 %lld 经认定：%s", (long long)k->id,
			 k->summary);
		json_array_foreach (s.members, i, m) {
			rc = ban_add(db, json_integer_value(json_object_get(m, "person_id")), today,
				     "violation", k->id, reason, who, &ban_id, e);
			if (rc != 0)
				goto out;
			bans++;
		}
		if ((rc = tenancy_signal_raise(db, k->household_id, "violation", k->id, reason, who,
					       e)) != 0)
			goto out;
	}
	rc = db_prepare(db,
			"UPDATE violation_case SET policy_version = ?, market_rent_fen_m2 = ?,"
			" floor_area = ?, breach_from = ?, breach_to = ?, market_fen = ?,"
			" rent_billed_fen = ?, back_charge_fen = ?, penalty_fen = ?,"
			" back_charge_id = ?, penalty_charge_id = ?, bans = ? WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	violation_bind_id(st, 1, s.policy_version);
	db_bind_int64(st, 2, s.rate);
	db_bind_int64(st, 3, s.area);
	db_bind_cstr(st, 4, s.from[0] ? s.from : NULL);
	db_bind_cstr(st, 5, s.from[0] ? s.to : NULL);
	db_bind_int64(st, 6, s.market);
	db_bind_int64(st, 7, s.billed);
	db_bind_int64(st, 8, s.sanctioned ? s.back_charge : 0);
	db_bind_int64(st, 9, s.sanctioned ? s.penalty : 0);
	violation_bind_id(st, 10, back_id);
	violation_bind_id(st, 11, penalty_id);
	db_bind_int64(st, 12, bans);
	db_bind_int64(st, 13, k->id);
	rc = db_step(st);
	db_reset(st);
	rc = rc == DB_DONE ? 0 : db_fail(db, rc, e);
out:
	sanction_free(&s);
	return rc;
}

static int
check_reason(const char *reason, bool required, struct anju_err *e)
{
	size_t n = reason != NULL ? text_chars(reason) : 0;

	if ((required || n > 0) && (n < 2 || n > VIOLATION_REASON_MAX))
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "reason",
				 "理由应为 2 到 %d 个字符", VIOLATION_REASON_MAX);
	return 0;
}

static int
propose(struct db *db, const struct vcase *k, const struct caller *c,
	const struct violation_action_in *in, const char *now, const struct audit_actor *who,
	struct anju_err *e)
{
	struct db_stmt *st;
	bool ok;
	int rc;

	if (c->role != ROLE_OPERATOR_MANAGER && c->role != ROLE_OPERATOR_STAFF &&
	    c->role != ROLE_INSPECTOR)
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "住房保障部门直接作出决定，无需提出建议");
	if (!violation_in_list(violation_proposals, in->proposal))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "proposal",
				 "建议应为 confirm、dismiss 或 refer");
	ok = strcmp(in->proposal, "refer") == 0 ? strcmp(k->state, "confirmed") == 0
						: strcmp(k->state, "investigating") == 0;
	if (!ok)
		return state_conflict(k->state, e);
	rc = db_prepare(db,
			"UPDATE violation_case SET proposal = ?, proposal_reason = ?,"
			" proposed_at = ?, proposed_by = ?, proposed_by_name = ?, updated_at = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, in->proposal);
	db_bind_cstr(st, 2, in->reason);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, violation_principal(who));
	db_bind_cstr(st, 5, who != NULL ? who->name : NULL);
	db_bind_cstr(st, 6, now);
	db_bind_int64(st, 7, k->id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
violation_act(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	      const struct violation_action_in *in, struct anju_err *e)
{
	const struct step *sp = NULL;
	struct vcase k;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], today[DATE_FMT_LEN], oid[24], action[48];
	const char *to;
	int64_t eviction_id = 0;
	json_t *before, *after;
	int rc;

	if (!violation_in_list(violation_actions, in->action))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "action", "没有这个操作");
	if ((rc = case_load(db, c, id, &k, e)) != 0)
		return rc;
	for (const struct step *p = steps; p->action != NULL; p++)
		if (strcmp(p->action, in->action) == 0)
			sp = p;
	if (sp != NULL && sp->bureau && (rc = bureau_only(c, e)) != 0)
		return rc;
	if ((rc = check_reason(in->reason, sp == NULL || sp->bureau, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	date_format(date_today_shanghai(), today);
	if (sp == NULL) {
		if ((rc = propose(db, &k, c, in, now, who, e)) != 0)
			return rc;
		to = k.state;
	} else {
		struct date d, t;

		if (strcmp(k.state, sp->from) != 0)
			return state_conflict(k.state, e);
		to = sp->to;
		if (strcmp(sp->action, "order_rectification") == 0) {
			if (in->rectify_by == NULL || date_parse(str_c(in->rectify_by), &d) != 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_date", "rectify_by",
						 "整改期限应为 YYYY-MM-DD 格式");
			date_parse(str_c(today), &t);
			if (date_cmp(d, t) < 0)
				return anju_fail(e, ANJU_EINVAL, "out_of_range", "rectify_by",
						 "整改期限不能早于今天");
		}
		if (strcmp(sp->action, "confirm") == 0 &&
		    (rc = sanction_apply(db, &k, today, who, e)) != 0)
			return rc;
		if (strcmp(sp->action, "refer") == 0) {
			if (k.household_id <= 0)
				return anju_fail(e, ANJU_EUNPROCESSABLE, "no_household", NULL,
						 "案件没有涉及的住户，不能移送清退");
			if ((rc = eviction_open(db, c, who, k.household_id, "violation", k.id,
						in->reason, &eviction_id, e)) != 0)
				return rc;
		}
		rc = db_prepare(
			db,
			"UPDATE violation_case SET state = ?, updated_at = ?,"
			" decided_at = CASE WHEN ? = 1 THEN ? ELSE decided_at END,"
			" decided_on = CASE WHEN ? = 1 THEN ? ELSE decided_on END,"
			" decided_by = CASE WHEN ? = 1 THEN ? ELSE decided_by END,"
			" decided_by_name = CASE WHEN ? = 1 THEN ? ELSE decided_by_name END,"
			" decision_reason = CASE WHEN ? = 1 THEN ? ELSE decision_reason END,"
			" rectify_by = COALESCE(?, rectify_by),"
			" rectified_at = COALESCE(?, rectified_at),"
			" eviction_id = COALESCE(?, eviction_id) WHERE id = ? AND state = ?",
			&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		{
			int decided = strcmp(sp->action, "confirm") == 0 ||
				      strcmp(sp->action, "dismiss") == 0;

			db_bind_cstr(st, 1, to);
			db_bind_cstr(st, 2, now);
			for (int i = 0; i < 5; i++)
				db_bind_int64(st, 3 + 2 * i, decided);
			db_bind_cstr(st, 4, now);
			db_bind_cstr(st, 6, today);
			db_bind_cstr(st, 8, violation_principal(who));
			db_bind_cstr(st, 10, who != NULL ? who->name : NULL);
			db_bind_cstr(st, 12, in->reason);
		}
		db_bind_cstr(st, 13,
			     strcmp(sp->action, "order_rectification") == 0 ? in->rectify_by
									    : NULL);
		db_bind_cstr(st, 14, strcmp(sp->action, "rectify") == 0 ? now : NULL);
		violation_bind_id(st, 15, eviction_id);
		db_bind_int64(st, 16, k.id);
		db_bind_cstr(st, 17, k.state);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_fail(db, rc, e);
	}
	{
		char note[VIOLATION_REASON_MAX * 4 + 64];

		if (sp == NULL)
			snprintf(note, sizeof(note), "建议%s：%s",
				 strcmp(in->proposal, "confirm") == 0   ? "认定违规"
				 : strcmp(in->proposal, "dismiss") == 0 ? "不予认定"
									: "移交清退",
				 in->reason != NULL ? in->reason : "");
		else if (in->rectify_by != NULL && strcmp(sp->action, "order_rectification") == 0)
			snprintf(note, sizeof(note), "整改期限 %s%s%s", in->rectify_by,
				 in->reason != NULL ? "：" : "",
				 in->reason != NULL ? in->reason : "");
		else
			snprintf(note, sizeof(note), "%s", in->reason != NULL ? in->reason : "");
		if ((rc = violation_event_add(db, k.id, in->action, k.state, to, note, now, who,
					      e)) != 0)
			return rc;
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)k.id);
	snprintf(action, sizeof(action), "violation.%s", in->action);
	before = json_pack("{s:s}", "state", k.state);
	after = json_pack("{s:s, s:o, s:o, s:o, s:o}", "state", to, "proposal",
			  sp == NULL ? json_string(in->proposal) : json_null(), "reason",
			  in->reason != NULL ? json_string(in->reason) : json_null(), "rectify_by",
			  in->rectify_by != NULL && sp != NULL &&
					  strcmp(sp->action, "order_rectification") == 0
				  ? json_string(in->rectify_by)
				  : json_null(),
			  "eviction_id", eviction_id > 0 ? json_integer(eviction_id) : json_null());
	rc = audit_write(db, who, action, "violation_case", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Reads.
 */

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

/* The columns of a summary, of a case v joined to its community m and unit
 * u. */
#define SUMMARY_COLS                                                                               \
	"v.id, v.type, v.state, v.source, v.community_id, m.name, v.location, v.building_id,"      \
	" v.entrance, v.unit_id, u.number, v.place, v.household_id, v.summary, v.proposal,"        \
	" v.reported_at, v.updated_at, v.started_on"
#define SUMMARY_FROM                                                                               \
	" FROM violation_case v JOIN community m ON m.id = v.community_id"                         \
	" LEFT JOIN unit u ON u.id = v.unit_id"

static json_t *
summary_row(struct db_stmt *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
	json_object_set_new(o, "type", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "state", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "source", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "community_id", json_integer(db_col_int64(st, 4)));
	json_object_set_new(o, "community_name", json_string(db_col_text(st, 5)));
	json_object_set_new(o, "location", json_string(db_col_text(st, 6)));
	json_object_set_new(o, "building_id", int_or_null(st, 7));
	json_object_set_new(o, "entrance", int_or_null(st, 8));
	json_object_set_new(o, "unit_id", int_or_null(st, 9));
	json_object_set_new(o, "unit_number", text_or_null(st, 10));
	json_object_set_new(o, "place", json_string(db_col_text(st, 11)));
	json_object_set_new(o, "household_id", int_or_null(st, 12));
	json_object_set_new(o, "summary", json_string(db_col_text(st, 13)));
	json_object_set_new(o, "proposal", text_or_null(st, 14));
	json_object_set_new(o, "reported_at", json_string(db_col_text(st, 15)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(st, 16)));
	json_object_set_new(o, "started_on", text_or_null(st, 17));
	return o;
}

static int
events_of(struct db *db, int64_t id, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT id, action, from_state, to_state, note, at, actor, actor_name,"
			" actor_role FROM violation_event WHERE case_id = ? ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(
			out,
			json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
				  (json_int_t)db_col_int64(st, 0), "action", db_col_text(st, 1),
				  "from_state", text_or_null(st, 2), "to_state", db_col_text(st, 3),
				  "note", db_col_text(st, 4), "at", db_col_text(st, 5), "actor",
				  db_col_text(st, 6), "actor_name", text_or_null(st, 7),
				  "actor_role", text_or_null(st, 8)));
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static json_t *
masked(const char *sealed, bool name)
{
	char *plain = NULL, out[128];
	size_t n = 0;

	if (sealed == NULL)
		return json_null();
	if (!name) {
		person_mask_sealed(sealed, out, sizeof(out));
		return json_string(out);
	}
	if (keys_current() == NULL || pii_open(keys_current(), sealed, &plain, &n) != 0)
		return json_string("");
	violation_mask_name(plain, out, sizeof(out));
	pii_plain_free(plain, n);
	return json_string(out);
}

int
violation_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *o = NULL, *d, *events, *evidence;
	int rc;

	*out = NULL;
	if (c == NULL || c->role == ROLE_TENANT)
		return violation_not_found(e);
	rc = db_prepare(
		db,
		"SELECT " SUMMARY_COLS ", v.source_type, v.source_id, v.reporter_name_sealed,"
		" v.reporter_contact_sealed, v.proposal_reason, v.proposed_at, v.proposed_by,"
		" v.proposed_by_name, v.decided_at, v.decided_on, v.decided_by, v.decided_by_name,"
		" v.decision_reason, v.policy_version, v.market_rent_fen_m2, v.floor_area,"
		" v.breach_from, v.breach_to, v.market_fen, v.rent_billed_fen, v.back_charge_fen,"
		" v.penalty_fen, v.back_charge_id, v.penalty_charge_id, v.bans, v.rectify_by,"
		" v.rectified_at, v.eviction_id, v.reported_by, v.reported_by_name" SUMMARY_FROM
		" WHERE v.id = ? AND " SCOPE_SQL("v.community_id"),
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	if ((rc = db_step(st)) == DB_ROW) {
		o = summary_row(st);
		json_object_set_new(o, "source_type", text_or_null(st, 18));
		json_object_set_new(o, "source_id", int_or_null(st, 19));
		json_object_set_new(o, "reporter_name", masked(db_col_text(st, 20), true));
		json_object_set_new(o, "reporter_contact", masked(db_col_text(st, 21), false));
		if (db_col_null(st, 14))
			json_object_set_new(o, "proposal_detail", json_null());
		else
			json_object_set_new(
				o, "proposal_detail",
				json_pack("{s:s, s:o, s:o, s:o, s:o}", "proposal",
					  db_col_text(st, 14), "reason", text_or_null(st, 22), "at",
					  text_or_null(st, 23), "by", text_or_null(st, 24),
					  "by_name", text_or_null(st, 25)));
		if (db_col_null(st, 26)) {
			json_object_set_new(o, "decision", json_null());
		} else {
			static const char *const names[] = {
				"decided_at",         "decided_on",  "decided_by",
				"decided_by_name",    "reason",      "policy_version",
				"market_rent_fen_m2", "floor_area",  "breach_from",
				"breach_to",          "market_fen",  "rent_billed_fen",
				"back_charge_fen",    "penalty_fen", "back_charge_id",
				"penalty_charge_id",  "bans",
			};
			d = json_object();
			for (int i = 0; i < 17; i++) {
				int col = 26 + i;
				bool num = i == 5 || i == 6 || i == 7 || i >= 10;

				json_object_set_new(d, names[i],
						    num ? int_or_null(st, col)
							: text_or_null(st, col));
			}
			json_object_set_new(o, "decision", d);
		}
		json_object_set_new(o, "rectify_by", text_or_null(st, 43));
		json_object_set_new(o, "rectified_at", text_or_null(st, 44));
		json_object_set_new(o, "eviction_id", int_or_null(st, 45));
		json_object_set_new(o, "reported_by", json_string(db_col_text(st, 46)));
		json_object_set_new(o, "reported_by_name", text_or_null(st, 47));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return violation_not_found(e);
	if (rc != DB_ROW) {
		json_decref(o);
		return db_fail(db, rc, e);
	}
	events = json_array();
	evidence = json_array();
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "evidence", evidence);
	if ((rc = events_of(db, id, events, e)) != 0 ||
	    (rc = violation_evidence_list(db, id, evidence, e)) != 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

int
violation_list(struct db *db, const struct caller *c, const struct violation_filter *f,
	       json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t last = 0;
	int rc, n = 0, limit = f->limit > 0 ? f->limit : 50;

	*items = json_array();
	*next = 0;
	if (c == NULL || c->role == ROLE_TENANT)
		return 0;
	rc = db_prepare(db,
			"SELECT " SUMMARY_COLS SUMMARY_FROM " WHERE " SCOPE_SQL(
				"v.community_id") " AND (? = 0 OR v.id < ?) AND (CAST(? AS TEXT) "
						  "IS NULL OR v.state = ?)"
						  " AND (CAST(? AS TEXT) IS NULL OR v.type = ?)"
						  " AND (? = 0 OR v.community_id = ?) AND (? = 0 "
						  "OR v.household_id = ?)"
						  " AND (? = 0 OR v.unit_id = ?) ORDER BY v.id "
						  "DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	scope_bind(st, 1, c);
	db_bind_int64(st, 3, f->after_id);
	db_bind_int64(st, 4, f->after_id);
	db_bind_cstr(st, 5, f->state);
	db_bind_cstr(st, 6, f->state);
	db_bind_cstr(st, 7, f->type);
	db_bind_cstr(st, 8, f->type);
	db_bind_int64(st, 9, f->community_id);
	db_bind_int64(st, 10, f->community_id);
	db_bind_int64(st, 11, f->household_id);
	db_bind_int64(st, 12, f->household_id);
	db_bind_int64(st, 13, f->unit_id);
	db_bind_int64(st, 14, f->unit_id);
	db_bind_int64(st, 15, limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == limit) {
			*next = last;
			break;
		}
		last = db_col_int64(st, 0);
		json_array_append_new(*items, summary_row(st));
		n++;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
violation_counts(struct db *db, const struct caller *c, int64_t community_id, json_t **out,
		 struct anju_err *e)
{
	static const char *const sql[] = {
		"SELECT state, COUNT(*) FROM violation_case WHERE " SCOPE_SQL(
			"community_id") " AND (? = 0 OR community_id = ?) GROUP BY state",
		"SELECT type, COUNT(*) FROM violation_case WHERE " SCOPE_SQL(
			"community_id") " AND (? = 0 OR community_id = ?) GROUP BY type",
	};
	static const char *const *const lists[] = { violation_states, violation_types };
	static const char *const keys[] = { "by_state", "by_type" };
	json_int_t total = 0;
	int rc;

	*out = json_object();
	for (int i = 0; i < 2; i++) {
		struct db_stmt *st;
		json_t *m = json_object();

		for (const char *const *s = lists[i]; *s != NULL; s++)
			json_object_set_new(m, *s, json_integer(0));
		json_object_set_new(*out, keys[i], m);
		if (c == NULL || c->role == ROLE_TENANT)
			continue;
		if ((rc = db_prepare(db, sql[i], &st)) != 0)
			return db_fail(db, rc, e);
		scope_bind(st, 1, c);
		db_bind_int64(st, 3, community_id);
		db_bind_int64(st, 4, community_id);
		while ((rc = db_step(st)) == DB_ROW) {
			json_object_set_new(m, db_col_text(st, 0),
					    json_integer(db_col_int64(st, 1)));
			if (i == 0)
				total += db_col_int64(st, 1);
		}
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
	}
	json_object_set_new(*out, "total", json_integer(total));
	return 0;
}
