-- Patrols (巡查, issue 8 part A): the checklist library, the points with
-- their QR labels, the plans, and the rounds made from them with their
-- check-ins and results.  See docs/upkeep.md (part A) and
-- docs/upkeep-patrol.md.

-- The standard checklist items.  finding_action: what a finding of the item
-- opens; NULL: what its severity's row in patrol_severity_action says.
-- An item in use is retired (retired_at), never deleted.
CREATE TABLE patrol_item (
	id {{ID}},
	name TEXT NOT NULL UNIQUE,		-- zh-CN: 消防通道堵塞
	severity TEXT NOT NULL,			-- low, medium, high
	finding_action TEXT,			-- none, work_order, violation; NULL: by severity
	work_order_category TEXT,		-- water, electricity, lift, roof, door_lock, other
	violation_type TEXT,			-- sublet, change_of_use, damage, illegal_activity, idle, other
	retired_at TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);

INSERT INTO patrol_item (name, severity, finding_action, work_order_category, violation_type,
			 created_at, updated_at, updated_by)
VALUES
	('消防通道堵塞', 'high', 'work_order', 'other', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('消防设施缺损', 'high', 'work_order', 'other', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('楼道堆物', 'medium', 'work_order', 'other', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('电梯运行异常', 'high', 'work_order', 'lift', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('屋面渗漏', 'medium', 'work_order', 'roof', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('门禁损坏', 'medium', 'work_order', 'door_lock', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('公共照明损坏', 'low', 'work_order', 'electricity', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('给排水管道漏水', 'medium', 'work_order', 'water', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('外墙或构件脱落隐患', 'high', 'work_order', 'other', NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('擅自改变房屋用途', 'high', 'violation', NULL, 'change_of_use',
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('违规装修', 'high', 'violation', NULL, 'damage',
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('疑似转租转借', 'high', 'violation', NULL, 'sublet',
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('疑似违法活动', 'high', 'violation', NULL, 'illegal_activity',
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('房屋闲置', 'medium', 'violation', NULL, 'idle',
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'),
	('环境卫生差', 'low', 'none', NULL, NULL,
	 '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system');

-- What a finding of an item without its own finding_action opens, by
-- severity: none, work_order (category other) or violation (type other).
CREATE TABLE patrol_severity_action (
	severity TEXT PRIMARY KEY,		-- low, medium, high
	action TEXT NOT NULL,			-- none, work_order, violation
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
INSERT INTO patrol_severity_action (severity, action, updated_at, updated_by) VALUES
	('low', 'none', '2026-01-01T00:00:00.000000Z', 'system'),
	('medium', 'none', '2026-01-01T00:00:00.000000Z', 'system'),
	('high', 'work_order', '2026-01-01T00:00:00.000000Z', 'system');

-- A point of a patrol: a place (housing_place: a unit, a common part or an
-- asset) with its checklist items.  short_no numbers the points of a
-- community for the printed label.  The label's token is never stored:
-- token_mac is hex HMAC-SM3 under the index key of "patrol_label" || 0x00
-- || token; token_gen counts the labels printed, and a new one voids the
-- last (a new token, a new MAC).  NULL before the first print.
CREATE TABLE patrol_point (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	short_no INTEGER NOT NULL,
	name TEXT NOT NULL,
	location TEXT NOT NULL,			-- unit, building, entrance, community, asset
	building_id BIGINT REFERENCES building (id),
	entrance INTEGER,
	unit_id BIGINT REFERENCES unit (id),
	asset_id BIGINT REFERENCES asset (id),
	place TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	token_mac TEXT,
	token_gen INTEGER NOT NULL DEFAULT 0,
	token_at TEXT,				-- when the current label was printed
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX patrol_point_short_no ON patrol_point (community_id, short_no);
CREATE UNIQUE INDEX patrol_point_token ON patrol_point (token_mac);

-- The checklist of a point, in order.
CREATE TABLE patrol_point_item (
	point_id BIGINT NOT NULL REFERENCES patrol_point (id),
	seq INTEGER NOT NULL,
	item_id BIGINT NOT NULL REFERENCES patrol_item (id),
	PRIMARY KEY (point_id, item_id)
);
CREATE INDEX patrol_point_item_item ON patrol_point_item (item_id);

-- A plan: when a community is patrolled and along which route.
-- frequency daily; weekly on weekday (1 Monday .. 7 Sunday); monthly on
-- month_day (1..31, the month's last day when it has fewer); quarterly on
-- month_day of the quarter's quarter_month (1..3).
CREATE TABLE patrol_plan (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	name TEXT NOT NULL,
	frequency TEXT NOT NULL,		-- daily, weekly, monthly, quarterly
	weekday INTEGER,
	month_day INTEGER,
	quarter_month INTEGER,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
CREATE INDEX patrol_plan_community ON patrol_plan (community_id, id);
CREATE INDEX patrol_plan_active ON patrol_plan (active, frequency);

-- The route of a plan: its points in order.
CREATE TABLE patrol_plan_point (
	plan_id BIGINT NOT NULL REFERENCES patrol_plan (id),
	seq INTEGER NOT NULL,
	point_id BIGINT NOT NULL REFERENCES patrol_point (id),
	PRIMARY KEY (plan_id, seq)
);
CREATE UNIQUE INDEX patrol_plan_point_once ON patrol_plan_point (plan_id, point_id);
CREATE INDEX patrol_plan_point_point ON patrol_plan_point (point_id);

-- The accounts a plan's rounds are assigned to (one, or a pool).
CREATE TABLE patrol_plan_inspector (
	plan_id BIGINT NOT NULL REFERENCES patrol_plan (id),
	account_id BIGINT NOT NULL REFERENCES account (id),
	PRIMARY KEY (plan_id, account_id)
);

-- A round: one plan's patrol on one day, made by the schedule.
-- assigned -> in_progress (first check-in) -> done (every point checked in
-- and every item entered), or missed (its day ended first: set by the next
-- run of the schedule).
CREATE TABLE patrol_round (
	id {{ID}},
	plan_id BIGINT NOT NULL REFERENCES patrol_plan (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	plan_name TEXT NOT NULL,
	due_on TEXT NOT NULL,			-- civil date, Asia/Shanghai
	state TEXT NOT NULL,			-- assigned, in_progress, done, missed
	started_at TEXT,
	finished_at TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX patrol_round_plan_day ON patrol_round (plan_id, due_on);
CREATE INDEX patrol_round_due ON patrol_round (due_on, community_id, id);
CREATE INDEX patrol_round_state ON patrol_round (state, due_on);

-- Who a round is assigned to: the plan's inspectors when it was made.
CREATE TABLE patrol_round_inspector (
	round_id BIGINT NOT NULL REFERENCES patrol_round (id),
	account_id BIGINT NOT NULL REFERENCES account (id),
	PRIMARY KEY (round_id, account_id)
);
CREATE INDEX patrol_round_inspector_account ON patrol_round_inspector (account_id, round_id);

-- The route as the round copied it, with each point's check-in: the
-- server's time, who scanned, the label generation scanned, and the
-- browser's location when granted.
CREATE TABLE patrol_round_point (
	id {{ID}},
	round_id BIGINT NOT NULL REFERENCES patrol_round (id),
	seq INTEGER NOT NULL,
	point_id BIGINT NOT NULL REFERENCES patrol_point (id),
	name TEXT NOT NULL,
	checked_in_at TEXT,
	checked_in_by TEXT,
	label_gen INTEGER,
	lat TEXT,				-- decimal degrees as sent, WGS-84
	lng TEXT,
	accuracy INTEGER			-- metres
);
CREATE UNIQUE INDEX patrol_round_point_once ON patrol_round_point (round_id, point_id);
CREATE INDEX patrol_round_point_seq ON patrol_round_point (round_id, seq);

-- The checklist as the round copied it.
CREATE TABLE patrol_round_item (
	round_point_id BIGINT NOT NULL REFERENCES patrol_round_point (id),
	seq INTEGER NOT NULL,
	item_id BIGINT NOT NULL REFERENCES patrol_item (id),
	name TEXT NOT NULL,
	severity TEXT NOT NULL,
	PRIMARY KEY (round_point_id, item_id)
);

-- One item's result at one point of a round; not_fine is a finding.
-- finding_action is what the finding opens (decided when it was first
-- found); work_order_id and violation_id the record it opened.
CREATE TABLE patrol_result (
	id {{ID}},
	round_id BIGINT NOT NULL REFERENCES patrol_round (id),
	round_point_id BIGINT NOT NULL REFERENCES patrol_round_point (id),
	point_id BIGINT NOT NULL REFERENCES patrol_point (id),
	item_id BIGINT NOT NULL REFERENCES patrol_item (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	outcome TEXT NOT NULL,			-- fine, not_fine
	note TEXT NOT NULL DEFAULT '',
	severity TEXT NOT NULL,
	finding_action TEXT,			-- none, work_order, violation; NULL while fine
	work_order_id BIGINT,
	violation_id BIGINT,
	saved_at TEXT NOT NULL,			-- first saved (server)
	saved_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX patrol_result_once ON patrol_result (round_point_id, item_id);
CREATE INDEX patrol_result_round ON patrol_result (round_id, id);
CREATE INDEX patrol_result_findings ON patrol_result (community_id, outcome, id);
