/*
 * The upkeep source of the dossiers' timelines (dossier/timeline.h): what
 * the upkeep module's own records say about a unit or a household, so that
 * the unit's dossier (一房一档) and the household's (一户一档) show its
 * patrols, cases, renovations and repairs beside the tenancy's and rent's
 * events.
 *
 *   unit       patrol findings at the unit (results not fine at points
 *              located at the unit), the violation cases of the unit
 *              (every step of violation_event, decisions with their
 *              amounts), its renovation requests and their steps, the work
 *              orders at the unit (every step of work_order_event, the
 *              call-back's score)
 *   household  its violation cases, renovation requests and work orders
 *
 * Each kind is one indexed query per ref (violation_case_unit and
 * _household, renovation_request_unit and _household, work_order_unit and
 * _household, patrol_point_unit then patrol_result_point; the history by
 * violation_event_case and work_order_event_order), newest first, at most
 * limit rows; timeline_build() merges them.  The events are about the
 * cases, requests and orders (their audit rows name those objects, never
 * the unit or the household), so the audit source shows none of them.
 * The detail carries the record's ids and figures and a one-line Chinese
 * summary as after.note, which the console's timeline shows as it shows
 * any change.  A public reporter's name and contact, and a work order's
 * contact, are never read.
 */
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "dossier/timeline.h"
#include "store/db.h"

#define NOTE_MAX 1600

/* The findings at points located at unit ?: the result's newest save is
 * the finding (a result saved fine, then not fine, was found then). */
static const char findings_unit[] =
	"SELECT f.id, f.updated_at, f.severity, i.name, f.note, f.finding_action,"
	" f.work_order_id, f.violation_id, pt.name, r.plan_name, r.due_on, f.round_id,"
	" (SELECT a.actor_name FROM audit_log a WHERE a.object_type = 'patrol_result'"
	" AND a.object_id = CAST(f.id AS TEXT) ORDER BY a.id DESC LIMIT 1)"
	" FROM patrol_point pt JOIN patrol_result f ON f.point_id = pt.id"
	" AND f.outcome = 'not_fine' JOIN patrol_item i ON i.id = f.item_id"
	" JOIN patrol_round r ON r.id = f.round_id WHERE pt.unit_id = ?"
	" ORDER BY f.updated_at DESC, f.id DESC LIMIT ?";

#define CASE_EVENTS                                                                                \
	"SELECT ev.id, ev.at, ev.action, ev.from_state, ev.to_state, ev.note, ev.actor_name,"      \
	" v.id, v.type, v.back_charge_fen, v.penalty_fen, v.bans, v.rectify_by, v.eviction_id,"    \
	" v.source FROM violation_case v JOIN violation_event ev ON ev.case_id = v.id"
static const char cases_unit[] =
	CASE_EVENTS " WHERE v.unit_id = ? ORDER BY ev.at DESC, ev.id DESC LIMIT ?";
static const char cases_household[] =
	CASE_EVENTS " WHERE v.household_id = ? ORDER BY ev.at DESC, ev.id DESC LIMIT ?";

#define RENOVATIONS                                                                                \
	"SELECT id, description, planned_from, planned_to, state, requested_at,"                   \
	" requested_by_name, checked_at, checked_by_name, check_note, decided_at,"                 \
	" decided_by_name, decision_reason, done_at, done_on FROM renovation_request"
static const char renovations_unit[] =
	RENOVATIONS " WHERE unit_id = ? ORDER BY requested_at DESC, id DESC LIMIT ?";
static const char renovations_household[] =
	RENOVATIONS " WHERE household_id = ? ORDER BY requested_at DESC, id DESC LIMIT ?";

#define ORDER_EVENTS                                                                               \
	"SELECT ev.id, ev.at, ev.from_state, ev.to_state, ev.note, NULLIF(ev.actor_name, ''),"     \
	" w.id, w.category, w.urgency, w.description, w.satisfaction, w.confirm_channel,"          \
	" w.responsibility, w.cost_fen, w.reopened FROM work_order w"                              \
	" JOIN work_order_event ev ON ev.work_order_id = w.id"
static const char orders_unit[] =
	ORDER_EVENTS " WHERE w.unit_id = ? ORDER BY ev.at DESC, ev.id DESC LIMIT ?";
static const char orders_household[] =
	ORDER_EVENTS " WHERE w.household_id = ? ORDER BY ev.at DESC, ev.id DESC LIMIT ?";

/* The Chinese word of a code from a {code, word} table; the code itself
 * when the table has none. */
static const char *
word(const char *const (*t)[2], size_t n, const char *code)
{
	for (size_t i = 0; code != NULL && i < n; i++)
		if (strcmp(t[i][0], code) == 0)
			return t[i][1];
	return code ? code : "";
}
#define WORD(t, code) word(t, sizeof(t) / sizeof(t[0]), code)

static const char *const severities[][2] = {
	{ "low", "一般" },
	{ "medium", "较重" },
	{ "high", "严重" },
};
static const char *const violation_types[][2] = {
	{ "sublet", "转借、转租或擅自调换" },    { "change_of_use", "改变用途" },
	{ "damage", "破坏或擅自装修" },          { "illegal_activity", "从事违法活动" },
	{ "idle", "无正当理由闲置 6 个月以上" }, { "other", "其他" },
};
static const char *const case_actions[][2] = {
	{ "report", "登记疑似违规" },
	{ "investigate", "开始调查" },
	{ "propose", "运营单位提出建议" },
	{ "confirm", "住房保障部门认定违规" },
	{ "dismiss", "住房保障部门不予认定" },
	{ "order_rectification", "责令整改" },
	{ "rectify", "整改完成" },
	{ "refer", "移送清退" },
};
static const char *const case_sources[][2] = {
	{ "patrol", "巡查发现" },
	{ "public", "群众举报" },
	{ "staff", "工作人员发现" },
	{ "door", "门禁数据" },
};
static const char *const categories[][2] = {
	{ "water", "给排水" }, { "electricity", "电气" }, { "lift", "电梯" },
	{ "roof", "屋面" },    { "door_lock", "门锁" },   { "other", "其他" },
};
static const char *const urgencies[][2] = {
	{ "emergency", "紧急" },
	{ "urgent", "加急" },
	{ "normal", "一般" },
};
static const char *const responsibilities[][2] = {
	{ "operator", "运营单位承担" },
	{ "tenant", "承租人承担" },
	{ "warranty", "保修或施工单位承担" },
	{ "owner", "产权单位承担" },
};

static void
append(json_t *events, const char *at, const char *action, const struct timeline_ref *ref,
       const char *actor, json_t *detail, const char *note)
{
	json_object_set_new(detail, "after", json_pack("{s:s}", "note", note));
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:o}", "at", at,
						"source", "upkeep", "action", action, "object_type",
						ref->type, "object_id", (json_int_t)ref->id,
						"actor", actor, "detail", detail));
}

static json_t *
opt_int(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static void
finding_event(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	const char *sev = db_col_text(st, 2), *note = db_col_text(st, 4);
	char text[NOTE_MAX], opened[64] = "";
	json_t *detail;

	if (!db_col_null(st, 6))
		snprintf(opened, sizeof(opened), "；已生成维修工单 #%lld",
			 (long long)db_col_int64(st, 6));
	else if (!db_col_null(st, 7))
		snprintf(opened, sizeof(opened), "；已立疑似违规案件 #%lld",
			 (long long)db_col_int64(st, 7));
	snprintf(text, sizeof(text), "巡查发现问题：%s（%s），点位 %s，%s %s%s%s%s",
		 db_col_text(st, 3), WORD(severities, sev), db_col_text(st, 8), db_col_text(st, 9),
		 db_col_text(st, 10), note[0] ? "：" : "", note, opened);
	detail = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:o, s:o}", "result_id",
			   (json_int_t)db_col_int64(st, 0), "round_id",
			   (json_int_t)db_col_int64(st, 11), "item", db_col_text(st, 3), "severity",
			   sev, "point", db_col_text(st, 8), "due_on", db_col_text(st, 10),
			   "finding_action", db_col_text(st, 5), "work_order_id", opt_int(st, 6),
			   "violation_id", opt_int(st, 7));
	append(events, db_col_text(st, 1), "patrol.finding", ref, db_col_text(st, 12), detail,
	       text);
}

static void
case_event(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	const char *action = db_col_text(st, 2), *type = db_col_text(st, 8);
	const char *note = db_col_text(st, 5);
	char text[NOTE_MAX], figures[256] = "", verb[64];
	json_t *detail;

	detail = json_pack("{s:I, s:s, s:s, s:s?, s:s}", "case_id", (json_int_t)db_col_int64(st, 7),
			   "type", type, "step", action, "from_state", db_col_text(st, 3),
			   "to_state", db_col_text(st, 4));
	if (strcmp(action, "confirm") == 0 && !db_col_null(st, 9)) {
		char bc[MONEY_FMT_MAX], pen[MONEY_FMT_MAX];

		money_format(db_col_int64(st, 9), bc);
		money_format(db_col_null(st, 10) ? 0 : db_col_int64(st, 10), pen);
		snprintf(figures, sizeof(figures),
			 "；追缴市场租金差额 %s 元，罚款 %s 元，%lld 人 5 年内不得申请", bc, pen,
			 (long long)(db_col_null(st, 11) ? 0 : db_col_int64(st, 11)));
		json_object_set_new(detail, "back_charge_fen", opt_int(st, 9));
		json_object_set_new(detail, "penalty_fen", opt_int(st, 10));
		json_object_set_new(detail, "bans", opt_int(st, 11));
	}
	if (strcmp(action, "refer") == 0 && !db_col_null(st, 13)) {
		snprintf(figures, sizeof(figures), "；清退 #%lld", (long long)db_col_int64(st, 13));
		json_object_set_new(detail, "eviction_id", opt_int(st, 13));
	}
	if (strcmp(action, "report") == 0) {
		snprintf(verb, sizeof(verb), "%s登记", WORD(case_sources, db_col_text(st, 14)));
		json_object_set_new(detail, "source", json_string(db_col_text(st, 14)));
	} else {
		snprintf(verb, sizeof(verb), "%s", WORD(case_actions, action));
	}
	snprintf(text, sizeof(text), "违规案件 #%lld（%s）%s%s%s%s", (long long)db_col_int64(st, 7),
		 WORD(violation_types, type), verb, note[0] ? "：" : "", note, figures);
	snprintf(verb, sizeof(verb), "violation.%s", action);
	append(events, db_col_text(st, 1), verb, ref, db_col_text(st, 6), detail, text);
}

static void
renovation_events(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	int64_t id = db_col_int64(st, 0);
	const char *state = db_col_text(st, 4);
	char text[NOTE_MAX];

	snprintf(text, sizeof(text), "装修申请 #%lld：%s（计划 %s 至 %s）", (long long)id,
		 db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3));
	append(events, db_col_text(st, 5), "renovation.request", ref, db_col_text(st, 6),
	       json_pack("{s:I, s:s, s:s, s:s}", "renovation_id", (json_int_t)id, "state", state,
			 "planned_from", db_col_text(st, 2), "planned_to", db_col_text(st, 3)),
	       text);
	if (!db_col_null(st, 7)) {
		const char *n = db_col_text(st, 9);

		snprintf(text, sizeof(text), "装修申请 #%lld 运营单位审核通过%s%s", (long long)id,
			 n && n[0] ? "：" : "", n ? n : "");
		append(events, db_col_text(st, 7), "renovation.check", ref, db_col_text(st, 8),
		       json_pack("{s:I}", "renovation_id", (json_int_t)id), text);
	}
	if (!db_col_null(st, 10)) {
		bool refused = strcmp(state, "refused") == 0;
		const char *n = db_col_text(st, 12);

		snprintf(text, sizeof(text), "装修申请 #%lld 住房保障部门%s%s%s", (long long)id,
			 refused ? "不予批准" : "批准", n && n[0] ? "：" : "", n ? n : "");
		append(events, db_col_text(st, 10),
		       refused ? "renovation.refuse" : "renovation.approve", ref,
		       db_col_text(st, 11), json_pack("{s:I}", "renovation_id", (json_int_t)id),
		       text);
	}
	if (!db_col_null(st, 13)) {
		snprintf(text, sizeof(text), "装修申请 #%lld 装修完工（%s）", (long long)id,
			 db_col_text(st, 14) ? db_col_text(st, 14) : "");
		append(events, db_col_text(st, 13), "renovation.done", ref, NULL,
		       json_pack("{s:I, s:s?}", "renovation_id", (json_int_t)id, "done_on",
				 db_col_text(st, 14)),
		       text);
	}
}

/* A work order's step: its action by the states it moved between. */
static const char *
order_step(const char *from, const char *to)
{
	if (from == NULL)
		return "raise";
	if (strcmp(to, "assigned") == 0)
		return strcmp(from, "done") == 0 ? "reopen" : "assign";
	if (strcmp(to, "in_progress") == 0)
		return "start";
	if (strcmp(to, "done") == 0)
		return "done";
	if (strcmp(to, "confirmed") == 0)
		return "confirm";
	return to;
}

static void
order_event(struct db_stmt *st, const struct timeline_ref *ref, json_t *events)
{
	static const char *const steps[][2] = {
		{ "raise", "报修" },
		{ "assign", "派单" },
		{ "reopen", "回访不满意，重新派单" },
		{ "start", "开始维修" },
		{ "done", "维修完工" },
		{ "confirm", "回访确认" },
	};
	const char *from = db_col_text(st, 2), *to = db_col_text(st, 3);
	const char *step = order_step(from, to), *note = db_col_text(st, 4);
	int64_t id = db_col_int64(st, 6);
	char text[NOTE_MAX], extra[256] = "", action[48];
	json_t *detail;

	detail = json_pack("{s:I, s:s, s:s, s:s?, s:s}", "work_order_id", (json_int_t)id,
			   "category", db_col_text(st, 7), "urgency", db_col_text(st, 8),
			   "from_state", from, "to_state", to);
	if (strcmp(step, "raise") == 0) {
		snprintf(extra, sizeof(extra), "（%s，%s）：%s",
			 WORD(categories, db_col_text(st, 7)), WORD(urgencies, db_col_text(st, 8)),
			 db_col_text(st, 9));
	} else if (strcmp(step, "confirm") == 0 && !db_col_null(st, 10)) {
		snprintf(extra, sizeof(extra), "，满意度 %lld/5%s", (long long)db_col_int64(st, 10),
			 db_col_text(st, 11) && strcmp(db_col_text(st, 11), "tenant") == 0
				 ? "（承租人确认）"
				 : "（回访）");
		json_object_set_new(detail, "satisfaction", opt_int(st, 10));
		json_object_set_new(detail, "channel",
				    json_string(db_col_text(st, 11) ? db_col_text(st, 11) : ""));
	} else if (strcmp(step, "done") == 0 && db_col_int64(st, 14) == 0 && !db_col_null(st, 12)) {
		/* The order's cost is its last finish's: shown while never reopened. */
		char cost[MONEY_FMT_MAX];

		money_format(db_col_int64(st, 13), cost);
		snprintf(extra, sizeof(extra), "，费用 %s 元（%s）", cost,
			 WORD(responsibilities, db_col_text(st, 12)));
		json_object_set_new(detail, "cost_fen", json_integer(db_col_int64(st, 13)));
		json_object_set_new(detail, "responsibility", json_string(db_col_text(st, 12)));
	}
	snprintf(text, sizeof(text), "维修工单 #%lld %s%s%s%s", (long long)id, WORD(steps, step),
		 extra, note[0] ? "：" : "", note);
	snprintf(action, sizeof(action), "work_order.%s", step);
	append(events, db_col_text(st, 1), action, ref, db_col_text(st, 5), detail, text);
}

typedef void (*row_fn)(struct db_stmt *st, const struct timeline_ref *ref, json_t *events);

/* Runs sql (the ref's id, then the limit) and turns its rows into events. */
static int
collect_one(struct db *db, const char *sql, const struct timeline_ref *ref, int limit, row_fn fn,
	    json_t *events)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != 0)
		return rc;
	db_bind_int64(st, 1, ref->id);
	db_bind_int64(st, 2, limit);
	while ((rc = db_step(st)) == DB_ROW)
		fn(st, ref, events);
	db_reset(st);
	return rc == DB_DONE ? 0 : rc;
}

static int
upkeep_collect(struct db *db, const struct caller *c, const struct timeline_ref *refs, int nrefs,
	       int limit, json_t *events, struct anju_err *e)
{
	int rc = 0;

	(void)c; /* the dossier decided the subject is seen; these rows are its own */
	for (int i = 0; i < nrefs && rc == 0; i++) {
		const struct timeline_ref *r = &refs[i];

		if (strcmp(r->type, "unit") == 0) {
			if ((rc = collect_one(db, findings_unit, r, limit, finding_event,
					      events)) == 0 &&
			    (rc = collect_one(db, cases_unit, r, limit, case_event, events)) == 0 &&
			    (rc = collect_one(db, renovations_unit, r, limit, renovation_events,
					      events)) == 0)
				rc = collect_one(db, orders_unit, r, limit, order_event, events);
		} else if (strcmp(r->type, "household") == 0) {
			if ((rc = collect_one(db, cases_household, r, limit, case_event, events)) ==
				    0 &&
			    (rc = collect_one(db, renovations_household, r, limit,
					      renovation_events, events)) == 0)
				rc = collect_one(db, orders_household, r, limit, order_event,
						 events);
		}
	}
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

const struct timeline_source timeline_source_upkeep = { "upkeep", upkeep_collect };
