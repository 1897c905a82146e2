/*
 * The demo's tenancy (issue 6): leases for about 85% of the pilot's units,
 * applications in every stage, a waitlist, and one finished allocation
 * batch.  Through the tenancy module's functions only, as the demo's
 * accounts would do it (the audit actor is still the system: it loaded
 * the demo).
 *
 * Leases: the j-th household of a community (in household order) rents
 * the j-th unit of that community (in unit order) while j is below 85% of
 * the community's units.  They are the pilot's paper leases entered as
 * existing tenancies: started up to four years ago, some ending within the
 * renewal window, most filed, each deposit paid by bank transfer and the
 * household moved in.  The other households apply; their applications are
 * spread over the stages, and the bureau's decisions follow the
 * eligibility rules (a household that fails them is refused, with the
 * reason).  Last, one lottery batch in 南苑 with three parties, its offers
 * answered and the accepted ones signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "approval/approval.h"
#include "core/date.h"
#include "core/lottery.h"
#include "demo/demo.h"
#include "files/files.h"
#include "household/household.h"
#include "housing/housing.h"
#include "money/money.h"
#include "tenancy/allocation.h"
#include "tenancy/application.h"
#include "tenancy/handover.h"
#include "tenancy/lease.h"

/* A 1×1 white PNG: the scanned signature page stands in for the paper
 * contract (stored once, by its hash). */
static const unsigned char scan_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
	0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08,
	0xd7, 0x63, 0xf8, 0xff, 0xff, 0x3f, 0x00, 0x05, 0xfe, 0x02, 0xfe, 0xdc, 0xcc, 0x59,
	0xe7, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

struct people {
	struct demo_who bureau, bureau2, manager, staff;
};

static int
people(struct db *db, struct people *p, struct anju_err *e)
{
	int rc;

	if ((rc = demo_as(db, "bureau", ROLE_BUREAU, &p->bureau, e)) != 0 ||
	    (rc = demo_as(db, "bureau2", ROLE_BUREAU, &p->bureau2, e)) != 0 ||
	    (rc = demo_as(db, "operator_manager", ROLE_OPERATOR_MANAGER, &p->manager, e)) != 0)
		return rc;
	return demo_as(db, "operator_staff", ROLE_OPERATOR_STAFF, &p->staff, e);
}

/* The units of each community in unit order, and how many are let. */
struct stock {
	int64_t *ids[DEMO_COMMUNITIES];
	int64_t *area[DEMO_COMMUNITIES];
	int n[DEMO_COMMUNITIES];
	/* Each household's community and its ordinal among that community's
	 * households. */
	int community[DEMO_HOUSEHOLDS], ordinal[DEMO_HOUSEHOLDS];
};

static void
stock_free(struct stock *s)
{
	for (int k = 0; k < DEMO_COMMUNITIES; k++) {
		free(s->ids[k]);
		free(s->area[k]);
	}
}

static int
stock_load(struct db *db, const struct people *p, struct stock *s, struct anju_err *e)
{
	int seen[DEMO_COMMUNITIES] = { 0 }, rc = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < DEMO_HOUSEHOLDS; i++) {
		struct demo_household h;

		demo_household_make(i, &h);
		s->community[i] = h.community;
		s->ordinal[i] = seen[h.community]++;
	}
	for (int k = 0; k < DEMO_COMMUNITIES && rc == 0; k++) {
		int64_t cid = 0, after = 0;

		if ((rc = community_find(db, demo_community_names[k], &cid, e)) != 0)
			break;
		s->ids[k] = calloc(DEMO_UNITS, sizeof(int64_t));
		s->area[k] = calloc(DEMO_UNITS, sizeof(int64_t));
		if (s->ids[k] == NULL || s->area[k] == NULL)
			abort();
		do {
			struct unit_filter f = { .community_id = cid,
						 .after_id = after,
						 .limit = 200 };
			json_t *items = NULL, *u;
			size_t i;

			if ((rc = unit_list(db, &p->manager.c, &f, &items, &after, e)) != 0)
				break;
			json_array_foreach (items, i, u) {
				s->ids[k][s->n[k]] = json_integer_value(json_object_get(u, "id"));
				s->area[k][s->n[k]] =
					json_integer_value(json_object_get(u, "floor_area"));
				s->n[k]++;
			}
			json_decref(items);
		} while (after != 0 && s->n[k] < DEMO_UNITS);
	}
	if (rc != 0)
		stock_free(s);
	return rc;
}

/* Household i's ordinal among its community's households, and whether it
 * rents (the unit's index in *unit). */
static bool
tenant_slot(const struct stock *s, int i, int *community, int *unit)
{
	*community = s->community[i];
	*unit = s->ordinal[i];
	return *unit < s->n[*community] * 85 / 100;
}

static int
head_household(struct db *db, int i, int64_t *hh, struct anju_err *e)
{
	struct demo_household h;

	demo_household_make(i, &h);
	return household_find_by_head(db, h.members[0].id_number, hh, e);
}

/* The monthly rent the clerk entered (8 yuan per m² of floor area, to the
 * yuan), until the rent issue's standards. */
static int64_t
rent_of(int64_t area_centi)
{
	return area_centi * 8 / 100 * 100;
}

/* Signs a drafted lease with the scanned paper, pays its deposit by bank
 * transfer and moves the household in on move_in (NULL: no move-in). */
static int
sign_pay_move_in(struct db *db, const struct people *p, const struct audit_actor *who,
		 int64_t lease, int64_t hh, int64_t deposit, const char *signed_on,
		 const char *move_in, const char *ref, struct anju_err *e)
{
	struct attachment_in att = { "lease", lease,    "contract",      "纸质合同签字页.png",
				     NULL,    scan_png, sizeof(scan_png) };
	struct lease_sign_in sign = { "scan", 0, signed_on };
	struct payment_in pay = { hh, deposit, CHANNEL_BANK_TRANSFER, ref, 0, "履约保证金" };
	struct handover_patch patch = { .keys_handed = 2, .tenant_agrees = -1, .repair = -1 };
	int64_t id = 0, approval = 0;
	json_t *out = NULL;
	int rc;

	if ((rc = attachment_add(db, &p->manager.c, &att, who, &sign.signature_attachment_id, e)) !=
		    0 ||
	    (rc = lease_sign(db, &p->manager.c, lease, &sign, who, e)) != 0)
		return rc;
	if (deposit > 0) {
		rc = payment_take(db, caller_system(), &pay, who, &id, &out, e);
		json_decref(out);
		if (rc != 0)
			return rc;
	}
	if (move_in == NULL)
		return 0;
	patch.meters =
		json_pack("{s:s, s:s, s:s}", "water", "12.0", "electricity", "356.5", "gas", "8.2");
	rc = handover_move_in_open(db, &p->staff.c, who, lease, &id, e);
	if (rc == 0)
		rc = handover_update(db, &p->staff.c, who, id, &patch, e);
	json_decref(patch.meters);
	if (rc == 0)
		rc = handover_complete(db, &p->staff.c, who, id, move_in, &approval, e);
	return rc;
}

/* Household i's paper lease, when it rents. */
static int
lease_for(struct db *db, const struct people *p, const struct stock *s,
	  const struct audit_actor *who, int i, struct anju_err *e)
{
	struct date today = date_today_shanghai(), start, end;
	char starts_on[DATE_FMT_LEN], ends_on[DATE_FMT_LEN], filed_on[DATE_FMT_LEN], ref[32];
	int community, unit, term;
	int64_t hh = 0, lease = 0, rent;
	int rc;

	if (!tenant_slot(s, i, &community, &unit))
		return 0;
	if ((rc = head_household(db, i, &hh, e)) != 0)
		return rc;
	rent = rent_of(s->area[community][unit]);
	if (i % 16 == 3) {
		/* In the renewal window: ends within the next three months. */
		term = 36;
		end = date_add_days(today, 5 + (i * 7) % 80);
		start = date_add_days(date_add_months(end, -term), 1);
	} else {
		int64_t back = 20 + (i * 37) % 1400;

		start = date_add_days(today, -back);
		term = back > 900 ? 60 : 36;
		end = date_add_days(date_add_months(start, term), -1);
	}
	date_format(start, starts_on);
	date_format(end, ends_on);
	{
		struct lease_in in = {
			.household_id = hh,
			.unit_id = s->ids[community][unit],
			.starts_on = starts_on,
			.ends_on = ends_on,
			.monthly_rent_fen = rent,
			.deposit_fen = 2 * rent,
			.existing = true,
			.existing_reason = "试点前已签订的纸质合同，录入系统",
		};

		if ((rc = lease_create(db, &p->manager.c, &in, who, &lease, e)) != 0)
			return rc;
	}
	snprintf(ref, sizeof(ref), "DEMO-DEP-%05d", i + 1);
	if ((rc = sign_pay_move_in(db, p, who, lease, hh, 2 * rent, starts_on, starts_on, ref,
				   e)) != 0)
		return rc;
	/* Most were filed within a fortnight; the newest few wait. */
	if (date_to_days(today) - date_to_days(start) < 25 && i % 2 == 0)
		return 0;
	date_format(date_add_days(start, 3 + i % 12), filed_on);
	if (date_cmp(date_add_days(start, 3 + i % 12), today) > 0)
		return 0;
	return lease_file(db, &p->manager.c, lease, filed_on, NULL, who, e);
}

int
demo_tenancy_leases(struct db *db, const struct audit_actor *who, int from, int to,
		    struct anju_err *e)
{
	struct people p;
	struct stock s;
	int rc;

	if ((rc = people(db, &p, e)) != 0 || (rc = stock_load(db, &p, &s, e)) != 0)
		return rc;
	for (int i = from; i < to && rc == 0; i++)
		rc = lease_for(db, &p, &s, who, i, e);
	stock_free(&s);
	return rc;
}

/* The stages the applicants reach, by their order among the applicants. */
enum stage {
	ST_DRAFT,
	ST_SUBMITTED,
	ST_RETURNED,
	ST_REVIEWED,
	ST_DECIDING,
	ST_PUBLICITY,
	ST_APPROVED,
	ST_COUNT,
};

static enum stage
stage_of(int k)
{
	static const enum stage spread[10] = { ST_DRAFT,    ST_SUBMITTED, ST_RETURNED, ST_REVIEWED,
					       ST_DECIDING, ST_PUBLICITY, ST_APPROVED, ST_APPROVED,
					       ST_APPROVED, ST_APPROVED };

	return spread[k % 10];
}

/* Carries household hh's application to stage st (publicity is left for
 * the caller to close).  *app its id. */
static int
apply(struct db *db, const struct people *p, const struct audit_actor *who, int64_t hh,
      enum stage st, int64_t *app, struct anju_err *e)
{
	json_t *v = NULL;
	bool eligible;
	int64_t approval = 0;
	int rc;

	if ((rc = application_create(db, &p->staff.c, who, hh, NULL, "窗口受理", app, e)) != 0 ||
	    st == ST_DRAFT)
		return rc;
	if ((rc = application_submit(db, &p->staff.c, who, *app, e)) != 0 || st == ST_SUBMITTED)
		return rc;
	if (st == ST_RETURNED)
		return application_first_review(db, &p->staff.c, who, *app, false,
						"收入证明缺单位盖章，请补正后重新提交", e);
	if ((rc = application_first_review(db, &p->staff.c, who, *app, true, "材料齐全，情况属实",
					   e)) != 0 ||
	    st == ST_REVIEWED)
		return rc;
	if ((rc = application_eligibility(db, &p->bureau.c, *app, &v, e)) != 0)
		return rc;
	eligible = json_is_true(json_object_get(v, "eligible")) &&
		   !json_is_true(json_object_get(v, "banned"));
	json_decref(v);
	rc = application_decide(db, &p->bureau.c, who, *app, eligible,
				eligible ? "符合保障条件，同意进入公示"
					 : "不符合所属类别的准入条件，不予核准",
				&approval, e);
	if (rc != 0 || st == ST_DECIDING)
		return rc;
	return approval_decide(db, &p->bureau2.c, who, approval, true, "同意", NULL, e);
}

/* The households without a lease apply; those meant to be approved pass
 * their publicity first (closed as of the day after it ends), then the
 * rest reach their stages. */
int
demo_tenancy_applications(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	struct people p;
	struct stock s;
	char later[DATE_FMT_LEN];
	int approved = 0, k = 0, rc;

	if ((rc = people(db, &p, e)) != 0 || (rc = stock_load(db, &p, &s, e)) != 0)
		return rc;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		k = 0;
		for (int i = 0; i < DEMO_HOUSEHOLDS && rc == 0; i++) {
			int community, unit;
			int64_t hh = 0, app = 0;
			enum stage st;

			if (tenant_slot(&s, i, &community, &unit))
				continue;
			st = stage_of(k++);
			if ((pass == 0) != (st == ST_APPROVED))
				continue;
			if ((rc = head_household(db, i, &hh, e)) == 0)
				rc = apply(db, &p, who, hh, st, &app, e);
		}
		if (pass == 0 && rc == 0) {
			date_format(date_add_days(date_today_shanghai(), 60), later);
			rc = publicity_close_due(db, later, who, &approved, e);
		}
	}
	stock_free(&s);
	return rc;
}

/* One lottery batch in the first community: six of its free units, three
 * parties, the draw, the offers answered (one refused), the accepted ones
 * signed and paid, two moved in, and the batch closed. */
int
demo_tenancy_allocation(struct db *db, const struct audit_actor *who, struct anju_err *e)
{
	static const char *const parties[] = { "咸宁市住房保障中心", "运营公司", "咸宁市公证处" };
	static const char *const values[] = { "7f3a9c21e4b05d86", "c14e2b7d9a305f68",
					      "5d82e0a6b3f1c947" };
	struct people p;
	struct stock s;
	int64_t units[6], batch = 0, cid = 0;
	json_t *offers = NULL, *o;
	size_t i;
	int n = 0, rc;

	if ((rc = people(db, &p, e)) != 0 || (rc = stock_load(db, &p, &s, e)) != 0)
		return rc;
	for (int u = s.n[0] * 85 / 100 + 1; u < s.n[0] && n < 6; u += 7)
		units[n++] = s.ids[0][u];
	if ((rc = community_find(db, demo_community_names[0], &cid, e)) != 0)
		goto out;
	{
		struct allocation_in in = {
			.community_id = cid,
			.title = "南苑公租房第一批配租摇号",
			.method = "lottery",
			.unit_ids = units,
			.nunits = n,
			.parties = parties,
			.nparties = 3,
			.publicity_days = 0,
			.note = "市住房保障中心、运营公司、公证处三方共同生成随机种子",
		};

		if ((rc = allocation_create(db, &p.bureau.c, who, &in, &batch, e)) != 0 ||
		    (rc = allocation_publish(db, &p.bureau.c, who, batch, e)) != 0)
			goto out;
	}
	for (int k = 0; k < 3 && rc == 0; k++) {
		char hash[LOTTERY_HEX_LEN];

		lottery_hash_hex(values[k], strlen(values[k]), hash);
		rc = allocation_commit(db, &p.bureau.c, who, batch, parties[k], hash, e);
	}
	for (int k = 0; k < 3 && rc == 0; k++) {
		bool drawn;

		rc = allocation_reveal(db, &p.bureau.c, who, batch, parties[k], values[k], &drawn,
				       e);
	}
	if (rc != 0 || (rc = allocation_start_publicity(db, &p.bureau.c, who, batch, e)) != 0 ||
	    (rc = allocation_open_offers(db, &p.bureau.c, who, batch, e)) != 0)
		goto out;
	{
		struct offer_filter f = { .batch_id = batch, .state = "offered", .limit = 50 };
		int64_t next = 0;

		if ((rc = offer_list(db, &p.bureau.c, &f, &offers, &next, e)) != 0)
			goto out;
	}
	n = 0;
	json_array_foreach (offers, i, o) {
		int64_t offer = json_integer_value(json_object_get(o, "id"));
		int64_t hh = json_integer_value(json_object_get(o, "household_id"));
		int64_t unit = json_integer_value(json_object_get(o, "unit_id"));
		int64_t area = json_integer_value(json_object_get(o, "floor_area"));
		char today[DATE_FMT_LEN], ref[32];
		int64_t lease = 0;

		if (n++ == 2) {
			rc = offer_decline(db, &p.staff.c, who, offer, "refused",
					   "离工作单位太远，放弃本次配租", e);
			if (rc != 0)
				break;
			continue;
		}
		if ((rc = offer_accept(db, &p.staff.c, who, offer, e)) != 0)
			break;
		date_format(date_today_shanghai(), today);
		{
			struct lease_in in = {
				.household_id = hh,
				.unit_id = unit,
				.starts_on = today,
				.term_months = 36,
				.monthly_rent_fen = rent_of(area),
				.deposit_fen = 2 * rent_of(area),
			};

			if ((rc = lease_create(db, &p.staff.c, &in, who, &lease, e)) != 0)
				break;
		}
		snprintf(ref, sizeof(ref), "DEMO-LOT-%05lld", (long long)offer);
		if ((rc = sign_pay_move_in(db, &p, who, lease, hh, 2 * rent_of(area), NULL,
					   n <= 2 ? today : NULL, ref, e)) != 0)
			break;
	}
	if (rc == 0)
		rc = allocation_close(db, &p.bureau.c, who, batch, "本批次配租结束", e);
out:
	json_decref(offers);
	stock_free(&s);
	return rc;
}
