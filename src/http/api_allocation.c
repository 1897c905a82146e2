/*
 * The waitlist, allocation batches, the lottery and offers over HTTP
 * (tenancy/allocation.h).  The bureau's steps (publish, reveal and draw,
 * publicity, open offers, close, withdraw) are open to the operator's roles
 * at the route so that the domain answers them 403 "bureau_only" in its
 * own words.  The draw's public record is served without credentials,
 * limited per client address: GET /api/v1/public/allocations/{id}.
 */
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "core/date.h"
#include "http/public.h"
#include "http/router.h"
#include "store/db.h"
#include "tenancy/allocation.h"

/* Who reads allocation: the bureau, the operator's people, the assessor. */
#define READERS                                                                                    \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF) | \
	 ROLE_BIT(ROLE_ASSESSOR))
/* Who may ask for a bureau step (the domain refuses all but the bureau). */
#define DECIDERS                                                                                   \
	(ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF))
/* Who prepares a batch and records a party's commitment. */
#define PREPARERS (ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER))
/* Who records households' answers at the counter. */
#define CLERKS DECIDERS

/* Public look-ups per client address and minute. */
#define PUBLIC_PER_MINUTE 60

static const char *const methods[] = { "lottery", "choice", NULL };
static const char *const batch_states[] = { "draft",  "published", "committed",
					    "drawn",  "publicity", "offering",
					    "closed", "cancelled", NULL };
static const char *const offer_states[] = { "offered", "accepted",  "refused",
					    "no_show", "withdrawn", NULL };
static const char *const outcomes[] = { "no_show", "refused", NULL };

static const struct field id_item = { "id", F_INT, true, 1, INT64_MAX };
static const struct field party_item = { "party", F_STRING, true, 1, 60 };

static const struct field create_body[] = {
	{ "community_id", F_INT, true, 1, INT64_MAX, .desc = "小区" },
	{ "title", F_STRING, true, 1, 100, .desc = "批次名称" },
	{ "method", F_ENUM, true, .enums = methods, .desc = "lottery 摇号 / choice 选房" },
	{ "category", F_STRING, false, 1, 32, .desc = "只邀请此类别的家庭（可空）" },
	{ "unit_ids", F_ARRAY, true, 1, ALLOCATION_UNITS_MAX, .items = &id_item,
	  .desc = "本批次配租的空置房源" },
	{ "invite_count", F_INT, false, 1, ALLOCATION_INVITE_MAX,
	  .desc = "从轮候名单前列邀请的家庭数，默认房源数的两倍" },
	{ "parties", F_ARRAY, false, 0, ALLOCATION_PARTIES_MAX, .items = &party_item,
	  .desc = "摇号承诺方名称，按种子顺序（2 到 5 个）" },
	{ "choice_window_hours", F_INT, false, 1, 720, .desc = "选房时限（小时），默认按政策" },
	{ "publicity_days", F_INT, false, 0, 60, .desc = "结果公示天数，默认按政策" },
	{ "note", F_STRING, false, 0, 300 },
	{ NULL },
};

static const struct field commit_body[] = {
	{ "party", F_STRING, true, 1, 60, .desc = "承诺方名称" },
	{ "commit_hash", F_STRING, true, 64, 64, .desc = "秘密值的 SM3 杂凑（64 位十六进制）" },
	{ NULL },
};

static const struct field reveal_body[] = {
	{ "party", F_STRING, true, 1, 60 },
	{ "value", F_STRING, true, 1, ALLOCATION_VALUE_MAX, .desc = "事先承诺的秘密值" },
	{ NULL },
};

static const struct field choose_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "unit_id", F_INT, true, 1, INT64_MAX },
	{ NULL },
};

static const struct field pass_body[] = {
	{ "household_id", F_INT, true, 1, INT64_MAX },
	{ "outcome", F_ENUM, true, .enums = outcomes, .desc = "no_show 未到场 / refused 放弃" },
	{ "reason", F_STRING, false, 0, 200 },
	{ NULL },
};

static const struct field reason_body[] = {
	{ "reason", F_STRING, true, 2, 200, .desc = "理由（记入审计）" },
	{ NULL },
};

static const struct field optional_reason_body[] = {
	{ "reason", F_STRING, false, 0, 200 },
	{ NULL },
};

static const struct field waitlist_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "category", F_STRING, false, 1, 32 },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field list_query[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX },
	{ "state", F_ENUM, false, .enums = batch_states },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static const struct field offer_query[] = {
	{ "household_id", F_INT, false, 1, INT64_MAX },
	{ "batch_id", F_INT, false, 1, INT64_MAX },
	{ "state", F_ENUM, false, .enums = offer_states },
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

static int
batch_id(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "allocation_not_found", NULL,
				 "没有这个配租批次");
	return 0;
}

static int
offer_id(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "offer_not_found", NULL, "没有这份配租通知");
	return 0;
}

/* Replies the batch as it is now (after a change, inside its transaction). */
static int
reply_batch(struct req *r, int64_t id, int status, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = allocation_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, status, out);
	return 0;
}

static int
reply_offer(struct req *r, int64_t id, struct anju_err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = offer_get(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
get_waitlist(struct req *r, struct anju_err *e)
{
	struct waitlist_filter f = { .community_id = req_query_id(r, "community_id"),
				     .category = req_query(r, "category") };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.after, e)) != 0 ||
	    (rc = waitlist_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
household_waitlist(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "household_not_found", NULL, "没有这个家庭");
	if ((rc = waitlist_position(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
create_batch(struct req *r, struct anju_err *e)
{
	struct allocation_in in = { 0 };
	struct audit_actor who;
	json_t *units = json_object_get(r->json, "unit_ids"),
	       *parties = json_object_get(r->json, "parties"), *x;
	int64_t ids[ALLOCATION_UNITS_MAX];
	const char *names[ALLOCATION_PARTIES_MAX];
	int64_t id = 0;
	size_t i;
	int rc;

	in.community_id = member_int(r->json, "community_id", 0);
	in.title = member_str(r->json, "title");
	in.method = member_str(r->json, "method");
	in.category = member_str(r->json, "category");
	json_array_foreach (units, i, x)
		ids[i] = json_integer_value(x);
	in.unit_ids = ids;
	in.nunits = (int)json_array_size(units);
	json_array_foreach (parties, i, x)
		names[i] = json_string_value(x);
	in.parties = names;
	in.nparties = (int)json_array_size(parties);
	in.invite_count = (int)member_int(r->json, "invite_count", 0);
	in.choice_window_hours = (int)member_int(r->json, "choice_window_hours", 0);
	in.publicity_days = json_object_get(r->json, "publicity_days") != NULL
				    ? (int)member_int(r->json, "publicity_days", 0)
				    : -1;
	in.note = member_str(r->json, "note");
	access_actor(r, &who);
	if ((rc = allocation_create(r->db, r->caller, &who, &in, &id, e)) != 0)
		return rc;
	return reply_batch(r, id, 201, e);
}

static int
list_batches(struct req *r, struct anju_err *e)
{
	struct allocation_filter f = { .community_id = req_query_id(r, "community_id"),
				       .state = req_query(r, "state") };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.before_id, e)) != 0 ||
	    (rc = allocation_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_batch(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

/* A bureau step on the batch in the path. */
typedef int (*batch_step)(struct db *, const struct caller *, const struct audit_actor *, int64_t,
			  struct anju_err *);

static int
step(struct req *r, batch_step fn, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = fn(r->db, r->caller, &who, id, e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
publish(struct req *r, struct anju_err *e)
{
	return step(r, allocation_publish, e);
}

static int
publicity(struct req *r, struct anju_err *e)
{
	return step(r, allocation_start_publicity, e);
}

static int
open_offers(struct req *r, struct anju_err *e)
{
	return step(r, allocation_open_offers, e);
}

static int
commit(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_commit(r->db, r->caller, &who, id, member_str(r->json, "party"),
				    member_str(r->json, "commit_hash"), e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
reveal(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	bool drawn = false;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_reveal(r->db, r->caller, &who, id, member_str(r->json, "party"),
				    member_str(r->json, "value"), &drawn, e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
choose(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id, offer = 0;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_choose(r->db, r->caller, &who, id,
				    member_int(r->json, "household_id", 0),
				    member_int(r->json, "unit_id", 0), &offer, e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
turn_pass(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_turn_pass(
		     r->db, r->caller, &who, id, member_int(r->json, "household_id", 0),
		     member_str(r->json, "outcome"), member_str(r->json, "reason"), e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
close_batch(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_close(r->db, r->caller, &who, id, member_str(r->json, "reason"), e)) !=
	    0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
cancel_batch(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = allocation_cancel(r->db, r->caller, &who, id, member_str(r->json, "reason"),
				    e)) != 0)
		return rc;
	return reply_batch(r, id, 200, e);
}

static int
draw_json(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	char *name;
	int64_t id;
	int rc;

	if ((rc = batch_id(r, &id, e)) != 0 ||
	    (rc = allocation_draw_record(r->db, r->caller, id, &out, e)) != 0)
		return rc;
	name = arena_printf(r->arena, "attachment; filename=\"draw-%lld.json\"", (long long)id);
	req_add_header(r, "Content-Disposition", name);
	reply_json(r, 200, out);
	return 0;
}

static struct rate_limit lookups = RATE_LIMIT(60, PUBLIC_PER_MINUTE);

static int
public_record(struct req *r, struct anju_err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (!rate_allow(&lookups, r->client))
		return anju_fail(e, ANJU_ELIMIT, "rate_limited", NULL,
				 "查询过于频繁，请一分钟后再试");
	if ((rc = batch_id(r, &id, e)) != 0 ||
	    (rc = allocation_draw_record(r->db, NULL, id, &out, e)) != 0)
		return rc;
	reply_json(r, 200, out);
	return 0;
}

static int
list_offers(struct req *r, struct anju_err *e)
{
	struct offer_filter f = { .household_id = req_query_id(r, "household_id"),
				  .batch_id = req_query_id(r, "batch_id"),
				  .state = req_query(r, "state") };
	json_t *items = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = req_page(r, &f.limit, &f.before_id, e)) != 0 ||
	    (rc = offer_list(r->db, r->caller, &f, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

static int
get_offer(struct req *r, struct anju_err *e)
{
	int64_t id;
	int rc;

	if ((rc = offer_id(r, &id, e)) != 0)
		return rc;
	return reply_offer(r, id, e);
}

static int
accept(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = offer_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = offer_accept(r->db, r->caller, &who, id, e)) != 0)
		return rc;
	return reply_offer(r, id, e);
}

static int
decline(struct req *r, const char *outcome, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = offer_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = offer_decline(r->db, r->caller, &who, id, outcome,
				r->json ? member_str(r->json, "reason") : NULL, e)) != 0)
		return rc;
	return reply_offer(r, id, e);
}

static int
refuse(struct req *r, struct anju_err *e)
{
	return decline(r, "refused", e);
}

static int
no_show(struct req *r, struct anju_err *e)
{
	return decline(r, "no_show", e);
}

static int
withdraw(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = offer_id(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = offer_withdraw(r->db, r->caller, &who, id, member_str(r->json, "reason"), e)) !=
	    0)
		return rc;
	return reply_offer(r, id, e);
}

#define NULLABLE_STRING   "{\"type\":[\"string\",\"null\"]}"
#define NULLABLE_INT      "{\"type\":[\"integer\",\"null\"]}"
#define INT_ARRAY_OR_NULL "{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"integer\"}}"
#define COMMITMENT_SCHEMA                                                                          \
	"{\"type\":\"object\",\"required\":[\"seq\",\"party\",\"commit_hash\",\"committed_at\","   \
	"\"value\",\"revealed_at\"],\"properties\":{\"seq\":{\"type\":\"integer\"},"               \
	"\"party\":{\"type\":\"string\"},\"commit_hash\":" NULLABLE_STRING ","                     \
	"\"committed_at\":" NULLABLE_STRING ",\"value\":" NULLABLE_STRING ","                      \
	"\"revealed_at\":" NULLABLE_STRING "}}"
#define SUMMARY_PROPS                                                                              \
	"\"id\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"                   \
	"\"title\":{\"type\":\"string\"},\"method\":{\"enum\":[\"lottery\",\"choice\"]},"          \
	"\"category\":" NULLABLE_STRING ",\"state\":{\"enum\":[\"draft\",\"published\","           \
	"\"committed\",\"drawn\",\"publicity\",\"offering\",\"closed\",\"cancelled\"]},"           \
	"\"state_title\":{\"type\":\"string\"},\"invite_count\":{\"type\":\"integer\"},"           \
	"\"choice_window_hours\":{\"type\":\"integer\"},"                                          \
	"\"offer_response_days\":{\"type\":\"integer\"},\"publicity_days\":{\"type\":"             \
	"\"integer\"},\"list_hash\":" NULLABLE_STRING ",\"seed\":" NULLABLE_STRING ","             \
	"\"published_at\":" NULLABLE_STRING ",\"drawn_at\":" NULLABLE_STRING ","                   \
	"\"publicity_from\":" NULLABLE_STRING ",\"publicity_until\":" NULLABLE_STRING ","          \
	"\"offering_at\":" NULLABLE_STRING ",\"closed_at\":" NULLABLE_STRING ","                   \
	"\"close_reason\":" NULLABLE_STRING ",\"note\":{\"type\":\"string\"},"                     \
	"\"created_by\":{\"type\":\"string\"},\"created_at\":{\"type\":\"string\"},"               \
	"\"updated_at\":{\"type\":\"string\"},\"parties\":{\"type\":\"array\",\"items\":"          \
	"{\"type\":\"string\"}},\"policy_version\":" NULLABLE_INT ","                              \
	"\"unit_count\":{\"type\":\"integer\"},\"units_taken\":{\"type\":\"integer\"},"            \
	"\"entry_count\":{\"type\":\"integer\"}"
#define SUMMARY_REQUIRED                                                                           \
	"\"id\",\"community_id\",\"title\",\"method\",\"category\",\"state\",\"state_title\","     \
	"\"invite_count\",\"list_hash\",\"seed\",\"parties\",\"unit_count\",\"units_taken\","      \
	"\"entry_count\",\"created_at\""

static const struct api_schema schemas[] = {
	{ "WaitlistEntry",
	  "{\"type\":\"object\",\"required\":[\"position\",\"category_position\","
	  "\"application_id\",\"household_id\",\"community_id\",\"name\",\"category\","
	  "\"category_name\",\"special_groups\",\"queue_at\",\"approved_at\",\"wait_days\","
	  "\"wait_months\",\"warning\",\"refusals\",\"batch_id\"],\"properties\":{"
	  "\"position\":{\"type\":\"integer\"},\"category_position\":{\"type\":\"integer\"},"
	  "\"application_id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"community_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
	  "\"category\":{\"type\":\"string\"},\"category_name\":{\"type\":\"string\"},"
	  "\"special_groups\":{\"type\":\"string\"},\"queue_at\":{\"type\":\"string\"},"
	  "\"approved_at\":{\"type\":\"string\"},\"wait_days\":{\"type\":\"integer\"},"
	  "\"wait_months\":{\"type\":\"integer\"},\"warning\":{\"enum\":[\"near\",\"over\","
	  "null]},\"refusals\":{\"type\":\"integer\"},\"batch_id\":" NULLABLE_INT "}}" },
	{ "AllocationSummary", "{\"type\":\"object\",\"required\":[" SUMMARY_REQUIRED
			       "],\"properties\":{" SUMMARY_PROPS "}}" },
	{ "Offer",
	  "{\"type\":\"object\",\"required\":[\"id\",\"batch_id\",\"batch_title\",\"entry_id\","
	  "\"application_id\",\"household_id\",\"name\",\"unit_id\",\"unit_number\",\"layout\","
	  "\"floor_area\",\"community_id\",\"state\",\"state_title\",\"offered_at\","
	  "\"respond_by\",\"responded_at\",\"responded_by\",\"reason\",\"method\",\"lapsed\"],"
	  "\"properties\":{\"id\":{\"type\":\"integer\"},\"batch_id\":{\"type\":\"integer\"},"
	  "\"batch_title\":{\"type\":\"string\"},\"entry_id\":{\"type\":\"integer\"},"
	  "\"application_id\":{\"type\":\"integer\"},\"household_id\":{\"type\":\"integer\"},"
	  "\"name\":{\"type\":\"string\"},\"unit_id\":{\"type\":\"integer\"},"
	  "\"unit_number\":{\"type\":\"string\"},\"layout\":{\"type\":\"string\"},"
	  "\"floor_area\":{\"type\":\"integer\"},\"community_id\":{\"type\":\"integer\"},"
	  "\"state\":{\"enum\":[\"offered\",\"accepted\",\"refused\",\"no_show\","
	  "\"withdrawn\"]},\"state_title\":{\"type\":\"string\"},"
	  "\"offered_at\":{\"type\":\"string\"},\"respond_by\":{\"type\":\"string\"},"
	  "\"responded_at\":" NULLABLE_STRING ",\"responded_by\":" NULLABLE_STRING ","
	  "\"reason\":{\"type\":\"string\"},\"method\":{\"enum\":[\"lottery\",\"choice\"]},"
	  "\"lapsed\":{\"type\":\"boolean\"}}}" },
	{ "Allocation",
	  "{\"type\":\"object\",\"required\":[" SUMMARY_REQUIRED ",\"units\",\"entries\","
	  "\"commitments\",\"offers\",\"turn\",\"order\",\"unit_order\"],\"properties\":"
	  "{" SUMMARY_PROPS ",\"order\":" INT_ARRAY_OR_NULL ",\"unit_order\":" INT_ARRAY_OR_NULL
	  ",\"units\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
	  "\"unit_id\",\"position\",\"number\",\"layout\",\"floor_area\",\"draw_rank\","
	  "\"state\",\"reserved\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
	  "\"unit_id\":{\"type\":\"integer\"},\"position\":{\"type\":\"integer\"},"
	  "\"number\":{\"type\":\"string\"},\"layout\":{\"type\":\"string\"},"
	  "\"floor_area\":{\"type\":\"integer\"},\"draw_rank\":" NULLABLE_INT ","
	  "\"state\":{\"enum\":[\"open\",\"offered\",\"taken\",\"released\"]},"
	  "\"reserved\":{\"type\":\"boolean\"}}}},"
	  "\"entries\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
	  "\"position\",\"application_id\",\"household_id\",\"name\",\"category\",\"queue_at\","
	  "\"draw_rank\",\"state\",\"turn_until\"],\"properties\":{\"id\":{\"type\":"
	  "\"integer\"},\"position\":{\"type\":\"integer\"},\"application_id\":{\"type\":"
	  "\"integer\"},\"household_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
	  "\"category\":{\"type\":\"string\"},\"queue_at\":{\"type\":\"string\"},"
	  "\"draw_rank\":" NULLABLE_INT ",\"state\":{\"enum\":[\"waiting\",\"offered\","
	  "\"accepted\",\"refused\",\"no_show\",\"withdrawn\",\"skipped\"]},"
	  "\"turn_until\":" NULLABLE_STRING "}}},"
	  "\"commitments\":{\"type\":\"array\",\"items\":" COMMITMENT_SCHEMA "},"
	  "\"offers\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Offer\"}},"
	  "\"turn\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":["
	  "\"household_id\",\"position\",\"name\",\"turn_until\",\"lapsed\"],\"properties\":{"
	  "\"household_id\":{\"type\":\"integer\"},\"position\":{\"type\":\"integer\"},"
	  "\"name\":{\"type\":\"string\"},\"turn_until\":{\"type\":\"string\"},"
	  "\"lapsed\":{\"type\":\"boolean\"}}}]}}}" },
	{ "DrawRecord",
	  "{\"type\":\"object\",\"required\":[\"algorithm\",\"batch_id\",\"title\",\"method\","
	  "\"state\",\"list_text\",\"list_hash\",\"parties\",\"seed\",\"order\",\"unit_order\","
	  "\"matches\"],\"properties\":{\"algorithm\":{\"const\":\"anju-lottery-v1\"},"
	  "\"batch_id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},"
	  "\"community\":" NULLABLE_STRING ",\"method\":{\"const\":\"lottery\"},"
	  "\"state\":{\"type\":\"string\"},\"list_text\":{\"type\":\"string\"},"
	  "\"list_hash\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"},"
	  "\"published_at\":" NULLABLE_STRING ",\"drawn_at\":" NULLABLE_STRING ","
	  "\"parties\":{\"type\":\"array\",\"items\":" COMMITMENT_SCHEMA "},"
	  "\"seed\":" NULLABLE_STRING ",\"order\":" INT_ARRAY_OR_NULL ","
	  "\"unit_order\":" INT_ARRAY_OR_NULL ",\"matches\":{\"type\":\"array\",\"items\":"
	  "{\"type\":\"object\",\"required\":[\"rank\",\"position\",\"household_id\",\"name\","
	  "\"unit_position\",\"unit_id\",\"number\"]}}}}" },
	{ NULL, NULL },
};

#define PAGE_OF(ref)                                                                               \
	"{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{\"items\":"        \
	"{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/" ref "\"}},"              \
	"\"next\":{\"type\":[\"string\",\"null\"]}}}"
#define ALLOCATION_REF "{\"$ref\":\"#/components/schemas/Allocation\"}"
#define OFFER_REF      "{\"$ref\":\"#/components/schemas/Offer\"}"
#define DRAW_REF       "{\"$ref\":\"#/components/schemas/DrawRecord\"}"

static const struct route routes[] = {
	{ "GET", "/api/v1/waitlist", ACCESS_CALLER, READERS, .query = waitlist_query, .status = 200,
	  .response = PAGE_OF("WaitlistEntry"),
	  .summary = "轮候名单（全市排位；只列本人范围内小区的家庭；cursor 为排位）",
	  .handler = get_waitlist },
	{ "GET", "/api/v1/households/{id}/waitlist", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"household_id\",\"on_waitlist\","
		      "\"application_id\",\"application_state\",\"entry\",\"total\"],"
		      "\"properties\":{\"household_id\":{\"type\":\"integer\"},"
		      "\"on_waitlist\":{\"type\":\"boolean\"},\"application_id\":" NULLABLE_INT ","
		      "\"application_state\":" NULLABLE_STRING ",\"entry\":{\"oneOf\":[{\"type\":"
		      "\"null\"},{\"$ref\":\"#/components/schemas/WaitlistEntry\"}]},"
		      "\"total\":{\"type\":\"integer\"},\"max_wait_months\":{\"type\":"
		      "\"integer\"},\"wait_warning_months\":{\"type\":\"integer\"}}}",
	  .summary = "家庭的轮候排位", .handler = household_waitlist },
	{ "POST", "/api/v1/allocations", ACCESS_CALLER, PREPARERS, .body = create_body,
	  .status = 201, .response = ALLOCATION_REF,
	  .summary = "新建配租批次草稿（锁定所列空置房源）", .handler = create_batch },
	{ "GET", "/api/v1/allocations", ACCESS_CALLER, READERS, .query = list_query, .status = 200,
	  .response = PAGE_OF("AllocationSummary"), .summary = "配租批次（新在前）",
	  .handler = list_batches },
	{ "GET", "/api/v1/allocations/{id}", ACCESS_CALLER, READERS, .status = 200,
	  .response = ALLOCATION_REF, .summary = "配租批次：房源、名单、承诺、摇号结果与配租通知",
	  .handler = get_batch },
	{ "POST", "/api/v1/allocations/{id}/publish", ACCESS_CALLER, DECIDERS, .status = 200,
	  .response = ALLOCATION_REF, .summary = "公布入围名单及其 SM3 杂凑值（住建局）",
	  .handler = publish },
	{ "POST", "/api/v1/allocations/{id}/commitments", ACCESS_CALLER, PREPARERS,
	  .body = commit_body, .status = 200, .response = ALLOCATION_REF,
	  .summary = "承诺方提交秘密值的 SM3 承诺", .handler = commit },
	{ "POST", "/api/v1/allocations/{id}/reveals", ACCESS_CALLER, DECIDERS, .body = reveal_body,
	  .status = 200, .response = ALLOCATION_REF,
	  .summary = "揭示秘密值（与承诺不符则拒绝）；最后一方揭示后即摇号（住建局）",
	  .handler = reveal },
	{ "POST", "/api/v1/allocations/{id}/publicity", ACCESS_CALLER, DECIDERS, .status = 200,
	  .response = ALLOCATION_REF, .summary = "公示摇号结果（住建局）", .handler = publicity },
	{ "POST", "/api/v1/allocations/{id}/open-offers", ACCESS_CALLER, DECIDERS, .status = 200,
	  .response = ALLOCATION_REF,
	  .summary = "发出配租通知（摇号：公示期满后按摇号顺序）或开始选房（住建局）",
	  .handler = open_offers },
	{ "POST", "/api/v1/allocations/{id}/choose", ACCESS_CALLER, CLERKS, .body = choose_body,
	  .status = 200, .response = ALLOCATION_REF, .summary = "选房：轮到的家庭选定一套房源",
	  .handler = choose },
	{ "POST", "/api/v1/allocations/{id}/pass", ACCESS_CALLER, CLERKS, .body = pass_body,
	  .status = 200, .response = ALLOCATION_REF,
	  .summary = "选房：轮到的家庭未到场或放弃（计入拒绝次数），轮到下一户",
	  .handler = turn_pass },
	{ "POST", "/api/v1/allocations/{id}/close", ACCESS_CALLER, DECIDERS, .body = reason_body,
	  .status = 200, .response = ALLOCATION_REF,
	  .summary = "结束配租批次，撤回未答复的通知、释放房源（住建局）", .handler = close_batch },
	{ "POST", "/api/v1/allocations/{id}/cancel", ACCESS_CALLER, PREPARERS, .body = reason_body,
	  .status = 200, .response = ALLOCATION_REF,
	  .summary = "摇号前取消批次（草稿可由运营方取消），释放房源", .handler = cancel_batch },
	{ "GET", "/api/v1/allocations/{id}/draw.json", ACCESS_CALLER, READERS, .status = 200,
	  .response = DRAW_REF,
	  .summary = "摇号公开记录（供 anju lottery verify 复核；个人信息已遮蔽）",
	  .handler = draw_json },
	{ "GET", "/api/v1/public/allocations/{id}", ACCESS_PUBLIC, .status = 200,
	  .response = DRAW_REF,
	  .summary = "摇号公开记录（公开，按来源地址限制频率；个人信息已遮蔽）",
	  .handler = public_record },
	{ "GET", "/api/v1/offers", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .query = offer_query, .status = 200, .response = PAGE_OF("Offer"),
	  .summary = "配租通知（按家庭或批次；租户只能查本户）", .handler = list_offers },
	{ "GET", "/api/v1/offers/{id}", ACCESS_CALLER, READERS | ROLE_BIT(ROLE_TENANT),
	  .status = 200, .response = OFFER_REF, .summary = "配租通知", .handler = get_offer },
	{ "POST", "/api/v1/offers/{id}/accept", ACCESS_CALLER, CLERKS, .status = 200,
	  .response = OFFER_REF, .summary = "登记家庭接受配租（房源转为已分配）",
	  .handler = accept },
	{ "POST", "/api/v1/offers/{id}/refuse", ACCESS_CALLER, CLERKS, .body = reason_body,
	  .status = 200, .response = OFFER_REF,
	  .summary = "登记家庭拒绝配租（计入拒绝次数，房源转给下一户）", .handler = refuse },
	{ "POST", "/api/v1/offers/{id}/no-show", ACCESS_CALLER, CLERKS,
	  .body = optional_reason_body, .status = 200, .response = OFFER_REF,
	  .summary = "登记家庭未到场（按拒绝计数，房源转给下一户）", .handler = no_show },
	{ "POST", "/api/v1/offers/{id}/withdraw", ACCESS_CALLER, DECIDERS, .body = reason_body,
	  .status = 200, .response = OFFER_REF,
	  .summary = "撤回配租通知（签约前也可撤回已接受的；住建局）", .handler = withdraw },
	{ NULL },
};

const struct api_module api_allocation = { "allocation", routes, schemas };
